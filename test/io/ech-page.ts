// The page of the Chromium ECH test (test/suites/ech-browser.suite.ts), bundled by esbuild with the
// 4.0 modules beside it: OpenSSL 4.0 in the browser, through the relay to a server on the Node
// adapter, an ECH handshake and then an ECH resumption with its session. The query string gives the
// relay's URL, the ECHConfigList (base64) and the CA; the result goes to globalThis.__echResult.
import { connectWebSocket, OpenSSL, type Session } from '../../ts/index.ts';

interface Round { status: string | undefined; inner: string | null | undefined; outer: string | null | undefined; reused: boolean; reply: string }

async function round(ossl: OpenSSL, relay: string, configList: string, ca: string, session?: Uint8Array): Promise<{ round: Round; session?: Uint8Array }> {
  let saved: Uint8Array | undefined;
  const stream = await connectWebSocket(relay, {
    openssl: ossl, serverName: 'localhost', contextOptions: { ca }, ech: { configList }, session,
    onSession: (s: Session) => { saved = s.toDER(); },
  });
  await stream.handshake;
  const e = stream.connection.ech;
  const r: Round = { status: e?.status, inner: e?.innerServerName, outer: e?.outerServerName, reused: stream.connection.sessionReused, reply: '' };
  const writer = stream.writable.getWriter();
  await writer.write(new TextEncoder().encode('ping\n'));
  const reader = stream.readable.getReader();
  const { value } = await reader.read(); // the echo: by then the server's tickets have come too
  r.reply = new TextDecoder().decode(value);
  await writer.close();
  await stream.closed.catch(() => undefined);
  return { round: r, session: saved };
}

async function main(): Promise<unknown> {
  const q = new URLSearchParams(location.search);
  const ossl = await OpenSSL.load({ line: '4.0' }); // the 4.0 modules beside this bundle
  const [relay, configList, ca] = [q.get('relay')!, q.get('ech')!, q.get('ca')!];
  const first = await round(ossl, relay, configList, ca);
  if (!first.session) throw new Error('no session after the first handshake');
  const second = await round(ossl, relay, configList, ca, first.session);
  return { line: ossl.line, first: first.round, second: second.round };
}

(globalThis as { __echResult?: unknown }).__echResult = await main().catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
