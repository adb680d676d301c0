// The Web Streams adapter, in every runtime: a client and a server joined by in-memory byte
// streams (TransformStreams), as a browser joins TLS to a WebSocket or Deno to a TCP connection.
import { tlsOverStreams, type Session, type TLSStream } from '../../ts/index.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, load, serverContext } from '../lib/tls.ts';
import { pipePair } from '../lib/memory-pair.ts';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = '';
  const dec = new TextDecoder();
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += dec.decode(chunk, { stream: true });
  return text;
}

async function echoOnce(server: TLSStream): Promise<void> {
  const reader = server.readable.getReader();
  const writer = server.writable.getWriter();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    await writer.write(new TextEncoder().encode(new TextDecoder().decode(value).toUpperCase()));
  }
  await writer.close();
}

suite('Web Streams adapter', test => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: handshake, data both ways, clean close, session event, then resumption`, async () => {
      const ossl = await load();
      const sctx = await serverContext(ossl, version), cctx = await clientContext(ossl, version);
      let saved = null as Session | null;
      const run = async (session?: Session) => {
        const [a, b] = pipePair();
        const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost', session }), a,
          { onSession: s => { saved?.free(); saved = s.ref(); } });
        const server = tlsOverStreams(sctx.createConnection(), b);
        await Promise.all([client.handshake, server.handshake]);
        const reused = [client.connection.sessionReused, server.connection.sessionReused];
        const echo = echoOnce(server);
        const writer = client.writable.getWriter();
        await writer.write(new TextEncoder().encode('hello '));
        await writer.write(new TextEncoder().encode('streams'));
        await writer.close();
        const reply = await readAll(client.readable);
        await echo;
        await Promise.all([client.closed, server.closed]);
        return { reused, reply };
      };
      const first = await run();
      equal(first.reply, 'HELLO STREAMS');
      equal(first.reused.join(), 'false,false');
      ok(saved !== null && (saved as Session).isResumable, 'a resumable session arrived');
      const second = await run(saved!);
      equal(second.reused.join(), 'true,true');
      saved!.free();
      cctx.free(); sctx.free();
      const st = ossl.stats();
      equal(st.handles.Connection + st.handles.Session + st.handles.Context, 0, 'streams freed their connections');
    });
  }

  test('a failed verification rejects handshake and closed, and errors the plaintext stream', async () => {
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3');
    const cctx = await clientContext(ossl, 'TLSv1.3');
    const [a, b] = pipePair();
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'wrong.example' }), a);
    const server = tlsOverStreams(sctx.createConnection(), b);
    const e = await rejects(client.handshake);
    match((e as Error).message, /certificate verification: hostname mismatch/);
    await rejects(client.closed);
    await rejects(server.handshake); // it received the client's alert
    cctx.free(); sctx.free();
  });

  test('a transport that ends mid-handshake gives an error, not a hang', async () => {
    const ossl = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3');
    const [a, b] = pipePair();
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost' }), a);
    // The "server" reads the ClientHello and hangs up.
    const r = b.readable.getReader();
    await r.read();
    await b.writable.close();
    await rejects(client.handshake);
    cctx.free();
  });

  test('a handshake that never completes times out', async () => {
    const ossl = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3');
    const [a] = pipePair();
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost' }), a, { handshakeTimeout: 200 });
    const e = await rejects(client.handshake);
    match((e as Error).message, /timed out after 200 ms/);
    cctx.free();
  });
});
