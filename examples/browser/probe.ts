// One TLS connection of the lab: through the relay to a server, a request in the shape s_server -www
// answers, the reply read to its end. What it records: each message the message callback saw (as
// ladder steps, with the time since the start), the key log lines, when the handshake finished,
// what was negotiated, the new sessions (as DER), and the server's own "New"/"Reused" line.
import { connectWebSocket, type Context, type OpenSSL, type TLSMessage, type TLSStream } from '../../ts/index.ts';
import { stepOf, type Step } from './messages.ts';

/** The context's callbacks feed the probe that is running (the lab runs one at a time). */
export interface Recorder {
  message(m: TLSMessage): void;
  keylog(line: string): void;
}
let current: Recorder | null = null;
export const recorder: Recorder = {
  message: m => current?.message(m),
  keylog: line => current?.keylog(line),
};

export interface ProbeResult {
  steps: Step[];
  keylog: string[];
  /** Milliseconds from the start to the ClientHello: opening the WebSocket, and the relay's TCP connection. */
  connectMs: number | null;
  /** Milliseconds from the start to the handshake being done, and from the ClientHello to then. */
  secureAt: number | null;
  handshakeMs: number | null;
  protocol: string | null;
  cipher: string | null;
  group: string | null;
  reused: boolean;
  /** The server's verdict line, e.g. "Reused, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256". */
  server: string;
  /** The last new session the server gave (TLS 1.3: the last ticket), as DER; null if none. */
  session: Uint8Array | null;
  /** Why it failed, or null. */
  error: string | null;
  /** Encrypted Client Hello (4.0 line, a server with ECH): the status and the two names; null without. */
  ech: { status: string; inner: string | null; outer: string | null } | null;
}

export interface ProbeOptions {
  openssl: OpenSSL;
  context: Context;
  url: string;
  serverName: string;
  /** A session to offer (DER). */
  session?: Uint8Array;
  /** The server's ECHConfigList (base64), to use Encrypted Client Hello (an OpenSSL 4.0 instance). */
  ech?: string;
}

async function readAll(stream: TLSStream): Promise<string> {
  const decoder = new TextDecoder();
  const reader = stream.readable.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

export async function probe(o: ProbeOptions): Promise<ProbeResult> {
  const start = performance.now();
  const since = () => Math.round((performance.now() - start) * 10) / 10;
  const r: ProbeResult = {
    steps: [], keylog: [], connectMs: null, secureAt: null, handshakeMs: null,
    protocol: null, cipher: null, group: null, reused: false, server: '', session: null, error: null, ech: null,
  };
  current = {
    message: m => { const s = stepOf(m, since()); if (s) r.steps.push(s); },
    keylog: line => r.keylog.push(line),
  };
  try {
    const stream = await connectWebSocket(o.url, {
      openssl: o.openssl, context: o.context, serverName: o.serverName, session: o.session,
      ...(o.ech ? { ech: { configList: o.ech } } : {}),
      onSession: s => { r.session = s.toDER(); }, // lent for the call: export it now
      handshakeTimeout: 10_000,
    });
    try {
      await stream.handshake;
    } catch (e) {
      await stream.closed.catch(() => undefined);
      throw e;
    }
    r.secureAt = since();
    // The engine writes the ClientHello as soon as the WebSocket is open.
    const clientHello = r.steps.find(s => s.name === 'ClientHello');
    if (clientHello) {
      r.connectMs = clientHello.at;
      r.handshakeMs = Math.round((r.secureAt - clientHello.at) * 10) / 10;
    }
    // The connection is freed when the stream ends: read what we show now.
    const c = stream.connection;
    Object.assign(r, { protocol: c.protocol, cipher: c.cipher, group: c.group, reused: c.sessionReused });
    const ech = o.ech ? c.ech : null;
    if (ech) r.ech = { status: ech.status, inner: ech.innerServerName, outer: ech.outerServerName };
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
    const reply = await readAll(stream); // the server answers, then closes (close_notify)
    await writer.close().catch(() => undefined);
    await stream.closed;
    r.server = /^(?:New|Reused), .*$/m.exec(reply)?.[0] ?? '(no New/Reused line in the reply)';
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
  } finally {
    current = null;
  }
  return r;
}
