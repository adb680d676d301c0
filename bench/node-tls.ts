// Node's native tls, client and server in this process over an in-process duplex pair (Node 20 has
// no stream.duplexPair), for the same scenarios as the wasm core.
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { constants as osslConst } from 'node:crypto';
import { checkReuse, fixtures, now, ResumptionError, TLS12_CIPHER, type HandshakeSpec } from './core.ts';

/** Two connected Duplex streams: what one writes, the other reads (Node 22's stream.duplexPair). */
export function duplexPair(): [Duplex, Duplex] {
  const make = () => {
    let peer: Duplex;
    const d = new Duplex({
      read() {},
      write(chunk, _enc, cb) { peer.push(chunk); cb(); },
      final(cb) { peer.push(null); cb(); },
    });
    return [d, (p: Duplex) => { peer = p; }] as const;
  };
  const [a, setA] = make(), [b, setB] = make();
  setA(b);
  setB(a);
  return [a, b];
}

/** Whether this Node's OpenSSL has a key-exchange group (e.g. X25519MLKEM768). */
export function nodeHasGroup(group: string): boolean {
  try {
    tls.createSecureContext({ ecdhCurve: group });
    return true;
  } catch {
    return false;
  }
}

/** `ms`: to both ends secure and (if waited for) the client's first session; `secureMs`: to both ends secure. */
interface Pair { client: tls.TLSSocket; server: tls.TLSSocket; ms: number; secureMs: number }

/** A tls.Server that never listens: connections are handed to it as in-process streams. */
function makeServer(options: tls.TlsOptions, sessionIds: boolean): tls.Server {
  const server = tls.createServer(options);
  if (sessionIds) {
    // Node's server resumes by session id only through these events (its external session cache).
    const cache = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => { cache.set(id.toString('hex'), data); cb(); });
    server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => cb(null, cache.get(id.toString('hex')) ?? null));
  }
  return server;
}

/**
 * Connects a client to `server` over a fresh duplex pair and resolves when both ends are secure
 * and, with TLS 1.3, the client has its first session (ticket), as the wasm side's handshake
 * reads the tickets too.
 */
function connect(server: tls.Server, clientOptions: tls.ConnectionOptions, waitSession: boolean, onSession?: (s: Buffer) => void): Promise<Pair> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const [a, b] = duplexPair();
    let serverSock: tls.TLSSocket | null = null, clientSecure = false, gotSession = !waitSession, secureMs = 0;
    let client: tls.TLSSocket;
    const timer = setTimeout(() => fail(new Error('node tls: handshake did not finish within 10 s')), 10_000);
    const fail = (e: Error) => { clearTimeout(timer); server.off('secureConnection', onServer); server.off('tlsClientError', fail); reject(e); };
    const check = () => {
      if (serverSock && clientSecure && !secureMs) secureMs = now() - t0;
      if (serverSock && clientSecure && gotSession) {
        const ms = now() - t0;
        clearTimeout(timer);
        server.off('tlsClientError', fail);
        resolve({ client, server: serverSock, ms, secureMs });
      }
    };
    const onServer = (s: tls.TLSSocket) => { serverSock = s; check(); };
    server.once('secureConnection', onServer);
    server.once('tlsClientError', fail);
    server.emit('connection', b);
    client = tls.connect({ socket: a, servername: 'localhost', ...clientOptions }, () => { clientSecure = true; check(); });
    client.on('session', (s: Buffer) => { onSession?.(s); if (!gotSession) { gotSession = true; check(); } });
    client.on('error', fail);
  });
}

function close(p: Pair): void {
  p.client.destroy();
  p.server.destroy();
}

export interface NodeHandshake {
  /** One handshake: ms as the wasm side is timed (TLS 1.3 full: with the client's ticket), and to both ends secure. */
  run(): Promise<{ ms: number; secureMs: number }>;
  negotiated: string;
  free(): void;
}

export async function nodeHandshake(spec: HandshakeSpec): Promise<NodeHandshake> {
  const [cert, key] = spec.cert === 'rsa' ? [fixtures.rsaCert, fixtures.rsaKey] : [fixtures.ecCert, fixtures.ecKey];
  const v = { minVersion: spec.version, maxVersion: spec.version, ecdhCurve: spec.groups ?? spec.group, ...(spec.version === 'TLSv1.2' ? { ciphers: TLS12_CIPHER } : {}) } as const;
  const server = makeServer({ cert, key, ...v, ...(spec.resume === 'id' ? { secureOptions: osslConst.SSL_OP_NO_TICKET } : {}) }, spec.resume === 'id');
  const secureContext = tls.createSecureContext({ ca: fixtures.caPem, ...v });
  const is13 = spec.version === 'TLSv1.3';
  let session: Buffer | null = null;
  const describe = (p: Pair) => {
    const eph = p.client.getEphemeralKeyInfo() as { name?: string } | null;
    return [p.client.getProtocol(), p.client.getCipher().name, eph?.name ?? '(no key exchange)', p.client.isSessionReused() ? 'resumed' : 'full'].join(' ');
  };
  const first = await connect(server, { secureContext }, is13, s => { session ??= s; });
  checkReuse(`node ${spec.id} (priming)`, false, first.client.isSessionReused(), first.server.isSessionReused());
  if (first.client.getProtocol() !== spec.version) throw new Error(`node ${spec.id}: negotiated ${first.client.getProtocol()}`);
  let negotiated = describe(first);
  // the TLS 1.2 session event comes with the handshake; give a TLS 1.3 one's second ticket a turn
  await new Promise(r => setImmediate(r));
  close(first);
  if (spec.resume) {
    if (!session) throw new ResumptionError(`node ${spec.id}: the first handshake delivered no session`);
  }
  // Resume with the newest ticket, as the wasm side must (OpenSSL's TLS 1.3 client uses one once).
  // Node's server sends no new ticket after a resumption (the wasm one sends one, which its
  // client reads within the timed handshake), so a resumed Node handshake waits for no session.
  const rolling = spec.resume !== null && is13;
  const waitSession = is13 && spec.resume === null;
  const opts = () => ({ secureContext, ...(spec.resume && session ? { session } : {}) });
  const keep = rolling ? (s: Buffer) => { session = s; } : undefined;
  const run = async () => {
    const p = await connect(server, opts(), waitSession, keep);
    checkReuse(`node ${spec.id}`, spec.resume !== null, p.client.isSessionReused(), p.server.isSessionReused());
    close(p);
    return { ms: p.ms, secureMs: p.secureMs };
  };
  if (spec.resume) {
    const p = await connect(server, opts(), waitSession, keep);
    checkReuse(`node ${spec.id}`, true, p.client.isSessionReused(), p.server.isSessionReused());
    negotiated = describe(p);
    close(p);
  }
  return { run, negotiated, free() { server.close(); } };
}

/** Moves `total` bytes client -> server in `chunk`-byte writes; MB/s of each `segment`. */
export async function nodeBulk(suite: string, total: number, segment: number, chunk: number) {
  const v = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ecdhCurve: 'X25519', ciphers: suite } as const;
  const server = makeServer({ cert: fixtures.ecCert, key: fixtures.ecKey, ...v }, false);
  const p = await connect(server, { ca: fixtures.caPem, ...v }, true);
  try {
    if (p.client.getCipher().standardName !== suite) throw new Error(`node bulk: negotiated ${p.client.getCipher().standardName}, not ${suite}`);
    const negotiated = `${p.client.getProtocol()} ${p.client.getCipher().standardName}`;
    const data = Buffer.alloc(chunk);
    for (let i = 0; i < chunk; i++) data[i] = (i * 131 + 7) & 0xff;
    let received = 0, target = 0, wake: (() => void) | null = null;
    p.server.on('data', (d: Buffer) => { received += d.length; if (received >= target && wake) { const w = wake; wake = null; w(); } });
    const segments: number[] = [];
    const t0 = now();
    for (let sent = 0; sent < total;) {
      const ts = now();
      const end = Math.min(total, sent + segment);
      target = end;
      const arrived = new Promise<void>(r => { wake = r; });
      for (; sent < end; sent += chunk) {
        if (!p.client.write(data)) await once(p.client, 'drain');
      }
      if (received < target) await arrived; else wake = null;
      segments.push((segment / 1e6) / ((now() - ts) / 1000));
    }
    if (received !== total) throw new Error(`node bulk: sent ${total}, received ${received}`);
    return { segments, overall: (total / 1e6) / ((now() - t0) / 1000), negotiated };
  } finally {
    close(p);
    server.close();
  }
}
