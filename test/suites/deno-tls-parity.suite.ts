// The Deno adapter beside Deno's own TLS (Deno.connectTls / Deno.listenTls, rustls): every member of
// a real Deno.TlsConn and Deno.TlsListener is on ours, or listed as not taken with why; each pairing
// (our client with Deno's server, Deno's client with our server) talks through Deno's members alone:
// handshake() and its alpnProtocol, the addresses, read/write, closeWrite(), close(). Half-close as
// Deno's, seen through a TCP tap: closeWrite() sends close_notify and TCP's FIN, the peer's
// close_notify leaves the connection half-open, close() sends close_notify; allowHalfOpen: false
// (Node's default) is ours only.
// Deno only: Deno's TLS is the reference.
import { connectDeno, DenoTlsConn, listenDeno } from '../../ts/deno.ts';
import type { OpenSSL } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { load, pki } from '../lib/tls.ts';

/** The part of Deno's API used here (the tests are type-checked without Deno's declarations). */
interface NetAddr { transport: string; hostname: string; port: number }
interface DenoConn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  handshake(): Promise<{ alpnProtocol: string | null }>;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}
interface DenoListener extends AsyncIterable<DenoConn> { readonly addr: NetAddr; accept(): Promise<DenoConn>; close(): void }
interface TcpConn { read(p: Uint8Array): Promise<number | null>; write(p: Uint8Array): Promise<number>; closeWrite(): Promise<void>; close(): void }
declare const Deno: {
  listen(o: { hostname: string; port: number }): { readonly addr: NetAddr; accept(): Promise<TcpConn>; close(): void };
  connect(o: { hostname: string; port: number }): Promise<TcpConn>;
  listenTls(o: { hostname: string; port: number; cert: string; key: string; alpnProtocols?: string[] }): DenoListener;
  connectTls(o: { hostname: string; port: number; caCerts: string[]; serverName?: string; alpnProtocols?: string[] }): Promise<DenoConn>;
  errors: { BadResource: new () => Error };
};

/** Deno's TlsConn members ours does not have, each with why. */
export const CONN_NOT_TAKEN: Record<string, string> = {
  'Symbol(Deno.internal.rid)': "Deno's resource id, an internal symbol: ours is no Deno resource (a TCP one carries it)",
  'Symbol(Deno.internal.fd)': "Deno's file descriptor, an internal symbol: as the rid",
  'Symbol(getPeerCertificate)': "Deno's internal hook for its node:tls emulation; ours: `connection.peerCertificate`",
};
/** Deno's TlsListener members ours does not have, each with why. */
export const LISTENER_NOT_TAKEN: Record<string, string> = {
  'Symbol(Deno.internal.rid)': CONN_NOT_TAKEN['Symbol(Deno.internal.rid)']!,
};

/** Every member of `o` and its prototypes, symbols too (as `Symbol(name)`). */
function members(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Reflect.ownKeys(p)) if (k !== 'constructor') names.add(String(k));
  }
  return [...names].sort();
}
const has = (o: object, name: string) => members(o).includes(name);

/** Deno's own server on 127.0.0.1 with the test PKI. */
async function denoServer(alpnProtocols?: string[]): Promise<DenoListener> {
  const p = await pki();
  return Deno.listenTls({ hostname: '127.0.0.1', port: 0, cert: p.cert, key: p.key, ...(alpnProtocols ? { alpnProtocols } : {}) });
}
async function denoClient(port: number, alpnProtocols?: string[]): Promise<DenoConn> {
  const p = await pki();
  return Deno.connectTls({ hostname: '127.0.0.1', port, caCerts: [p.ca], serverName: 'localhost', ...(alpnProtocols ? { alpnProtocols } : {}) });
}
async function ourServer(o: OpenSSL, alpn?: string[]) {
  const p = await pki();
  const context = o.createContext({ role: 'server', certificate: p.cert, privateKey: p.key, ...(alpn ? { alpn } : {}) });
  return { listener: listenDeno({ hostname: '127.0.0.1', port: 0, context }), context };
}
async function ourClient(o: OpenSSL, port: number, alpn?: string[]): Promise<DenoTlsConn> {
  const p = await pki();
  return connectDeno({ hostname: '127.0.0.1', port, serverName: 'localhost', openssl: o, contextOptions: { ca: p.ca, ...(alpn ? { alpn } : {}) } });
}

/** Reads with read() until `n` bytes or the end. */
async function readBytes(c: DenoConn | DenoTlsConn, n: number): Promise<string> {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await c.read(buf.subarray(got));
    if (r === null) break;
    got += r;
  }
  return new TextDecoder().decode(buf.subarray(0, got));
}
const bytes = (s: string) => new TextEncoder().encode(s);

/**
 * One client and one server, of the sides given, through Deno's members only: both handshakes'
 * ALPN, the addresses mirrored, write/read both ways, closeWrite() read as the end by the other side,
 * then close().
 */
async function talk(client: DenoConn | DenoTlsConn, server: DenoConn | DenoTlsConn): Promise<void> {
  const [ci, si] = await Promise.all([client.handshake(), server.handshake()]);
  assert.equal(ci.alpnProtocol, 'h2');
  assert.equal(si.alpnProtocol, 'h2');
  assert.deepEqual({ ...client.localAddr }, { ...server.remoteAddr });
  assert.deepEqual({ ...client.remoteAddr }, { ...server.localAddr });
  assert.equal(await client.write(bytes('ping')), 4);
  assert.equal(await readBytes(server, 4), 'ping');
  assert.equal(await server.write(bytes('pong!')), 5);
  // A buffer smaller than what came: the rest is read next, as Deno's read().
  assert.equal(await readBytes(client, 2), 'po');
  assert.equal(await readBytes(client, 3), 'ng!');
  await client.closeWrite(); // close_notify: the server reads the end
  assert.equal(await server.read(new Uint8Array(8)), null);
  // The server can still write after the client's closeWrite(): the client reads it.
  await server.write(bytes('bye'));
  assert.equal(await readBytes(client, 3), 'bye');
  server.close();
  client.close();
}

/**
 * A plain TCP relay on 127.0.0.1 to `targetPort` that passes each direction on as it comes and
 * notes where each one's TCP stream ended (FIN: passed on with closeWrite()): what TLS sends below
 * TLS, seen from outside both ends. One connection.
 */
function tcpTap(targetPort: number) {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const ended = { 'client->server': false, 'server->client': false };
  const pipe = async (from: TcpConn, to: TcpConn, direction: keyof typeof ended) => {
    const buf = new Uint8Array(16384);
    for (;;) {
      const n = await from.read(buf).catch(() => null);
      if (n === null) break;
      if (!await to.write(buf.slice(0, n)).then(() => true, () => false)) return;
    }
    ended[direction] = true;
    await to.closeWrite().catch(() => undefined);
  };
  const done = (async () => {
    const a = await listener.accept();
    listener.close();
    const b = await Deno.connect({ hostname: '127.0.0.1', port: targetPort });
    await Promise.all([pipe(a, b, 'client->server'), pipe(b, a, 'server->client')]);
    a.close();
    b.close();
  })();
  return { port: listener.addr.port, ended, done };
}

/** Waits (bounded) for `test()`: true once it holds, false if it has not within `ms`. */
async function eventually(test: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !test();) {
    if (Date.now() > end) return false;
    await new Promise(r => setTimeout(r, 10));
  }
  return true;
}

/** How a call ended, as a trace writes it: its value, or `throws <error name>`. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try { return String(await p); } catch (e) { return `throws ${(e as Error).name}`; }
}

/**
 * One side (`closer`) writes its request and calls closeWrite(); what each side then sees, and what
 * goes below TLS: the closer's TCP write side ending, the other side reading the request and the end,
 * still writing its answer a while later (half-open: the connection held open), then close() right
 * after a write not awaited: the closer reads that write, then the end (close_notify), not an error.
 */
async function halfCloseTrace(closer: DenoConn | DenoTlsConn, other: DenoConn | DenoTlsConn, tap: ReturnType<typeof tcpTap>,
  closerDirection: 'client->server' | 'server->client'): Promise<string[]> {
  const otherDirection = closerDirection === 'client->server' ? 'server->client' : 'client->server';
  const trace: string[] = [];
  await Promise.all([closer.handshake(), other.handshake()]);
  await closer.write(bytes('request'));
  await closer.closeWrite();
  trace.push(`closer's TCP write side ended: ${String(await eventually(() => tap.ended[closerDirection], 2000))}`);
  trace.push(`other reads: ${await readBytes(other, 7)}, then ${await outcome(other.read(new Uint8Array(8)))}`);
  await new Promise(r => setTimeout(r, 50)); // a while later: the connection is held, half-open
  trace.push(`other's TCP write side ended: ${String(tap.ended[otherDirection])}`);
  trace.push(`other writes: ${await outcome(other.write(bytes('answer')))}`);
  trace.push(`closer reads: ${await readBytes(closer, 6)}`);
  void other.write(bytes('!')).catch(() => undefined); // not awaited: close() sends it first
  other.close();
  trace.push(`after other's close(), closer reads: ${await readBytes(closer, 1)}, then ${await outcome(closer.read(new Uint8Array(8)))}`);
  closer.close();
  await tap.done;
  return trace;
}

/** What Deno's own TlsConn does in halfCloseTrace, either side closing first. */
const DENO_HALF_CLOSE = [
  "closer's TCP write side ended: true",
  'other reads: request, then null',
  "other's TCP write side ended: false",
  'other writes: 6',
  'closer reads: answer',
  "after other's close(), closer reads: !, then null",
];

suite("Deno adapter: Deno.TlsConn and Deno.TlsListener members beside Deno's own", test => {
  test("every member of Deno's TlsConn (client and server side) is on ours, or listed as not taken with why", async () => {
    const o = await load();
    const theirs = await denoServer();
    const mine = await ourServer(o);
    try {
      const [denoAccepted, denoConn] = await Promise.all([theirs.accept(), denoClient(theirs.addr.port)]);
      const [ourAccepted, ourConn] = await Promise.all([mine.listener.accept(), ourClient(o, mine.listener.addr.port)]);
      for (const [what, deno, ours] of [['client', denoConn, ourConn], ['server', denoAccepted, ourAccepted]] as const) {
        const missing = members(deno).filter(n => !has(ours, n) && !(n in CONN_NOT_TAKEN));
        assert.deepEqual(missing, [], `Deno's ${what} TlsConn members ours lacks (add them, or list them as not taken with why)`);
        assert.deepEqual(Object.keys(CONN_NOT_TAKEN).filter(n => has(ours, n)), [], 'listed as not taken but present');
        assert.deepEqual(Object.keys(CONN_NOT_TAKEN).filter(n => !has(deno, n)), [], "listed as not taken but not on Deno's (drop the row)");
      }
      await Promise.all([denoConn.handshake(), denoAccepted.handshake(), ourConn.handshake(), ourAccepted.handshake()]);
      for (const c of [denoConn, denoAccepted, ourConn, ourAccepted]) c.close();
      await Promise.all([ourConn.closed, ourAccepted.closed].map(p => p.catch(() => undefined)));
    } finally {
      theirs.close();
      mine.listener.close();
      mine.context.free();
    }
  });

  test("every member of Deno's TlsListener is on ours, or listed as not taken with why", async () => {
    const o = await load();
    const theirs = await denoServer();
    const mine = await ourServer(o);
    try {
      const missing = members(theirs).filter(n => !has(mine.listener, n) && !(n in LISTENER_NOT_TAKEN));
      assert.deepEqual(missing, [], "Deno's TlsListener members ours lacks (add them, or list them as not taken with why)");
      assert.deepEqual(Object.keys(LISTENER_NOT_TAKEN).filter(n => has(mine.listener, n)), [], 'listed as not taken but present');
      assert.deepEqual({ ...mine.listener.addr, port: 0 }, { ...theirs.addr, port: 0 }, 'addr: the same fields (transport, hostname, port)');
    } finally {
      theirs.close();
      mine.listener.close();
      mine.context.free();
    }
  });

  test('connectDeno against Deno.listenTls: handshake() with ALPN, addresses, read/write, closeWrite(), close() as between Deno\'s own', async () => {
    const o = await load();
    // Deno's own pair first: what is checked holds for Deno's TLS itself.
    for (const ours of [false, true]) {
      const server = await denoServer(['h2']);
      try {
        const [accepted, client] = await Promise.all([server.accept(), ours ? ourClient(o, server.addr.port, ['h2']) : denoClient(server.addr.port, ['h2'])]);
        if (client instanceof DenoTlsConn) {
          client.setNoDelay(true); // the TCP connection's own (Deno's TcpConn has these; its TlsConn not)
          client.setKeepAlive(true);
        }
        await talk(client, accepted);
        if (client instanceof DenoTlsConn) {
          assert.ok(client.readable.locked && client.writable.locked, 'read() and write() took the streams');
          await client.closed.catch(() => undefined);
        }
      } finally {
        server.close();
      }
    }
  });

  test('Deno.connectTls against listenDeno: the same through our listener (accept(), then for await)', async () => {
    const o = await load();
    const mine = await ourServer(o, ['h2']);
    try {
      const [accepted, client] = await Promise.all([mine.listener.accept(), denoClient(mine.listener.addr.port, ['h2'])]);
      await talk(client, accepted);
      await accepted.closed.catch(() => undefined);
      // Iterated as Deno's listener is: the next connection, then done once closed.
      const second = denoClient(mine.listener.addr.port, ['h2']);
      for await (const conn of mine.listener) {
        const c = await second;
        await c.write(bytes('x'));
        assert.equal(await readBytes(conn, 1), 'x');
        c.close();
        conn.close();
        await conn.closed.catch(() => undefined);
        break; // return(): closes the listener, as Deno's
      }
      assert.throws(() => mine.listener.close(), Deno.errors.BadResource, 'a break out of for await closed it');
    } finally {
      mine.context.free();
    }
  });

  for (const closerSide of ['client', 'server'] as const) {
    test(`the ${closerSide} ends first with closeWrite(): close_notify and TCP's FIN, the other side half-open (reads the end, writes on), close() sends what was written then close_notify; ours as Deno's, each side ours in turn, TLS 1.3 and 1.2`, async () => {
      const o = await load();
      const p = await pki();
      const direction = closerSide === 'client' ? 'client->server' : 'server->client';
      // Deno's pair first (its TLS 1.3), then ours on either side, pinned to each version.
      const runs = [{ client: 'deno', server: 'deno', version: null }, ...(['TLSv1.3', 'TLSv1.2'] as const).flatMap(version =>
        [{ client: 'ours', server: 'deno', version }, { client: 'deno', server: 'ours', version }])];
      for (const { client, server, version } of runs) {
        const pinned = version ? { minVersion: version, maxVersion: version } : {};
        const context = o.createContext({ role: 'server', certificate: p.cert, privateKey: p.key, ...pinned });
        const listener = server === 'deno' ? await denoServer() : listenDeno({ hostname: '127.0.0.1', port: 0, context });
        try {
          const tap = tcpTap(listener.addr.port);
          const [s, c] = await Promise.all([listener.accept(), client === 'deno' ? denoClient(tap.port)
            : connectDeno({ hostname: '127.0.0.1', port: tap.port, serverName: 'localhost', openssl: o, contextOptions: { ca: p.ca, ...pinned } })]);
          const trace = closerSide === 'client' ? await halfCloseTrace(c, s, tap, direction) : await halfCloseTrace(s, c, tap, direction);
          assert.deepEqual(trace, DENO_HALF_CLOSE, `${client} client, ${server} server${version ? `, ${version}` : ''}`);
          for (const conn of [s, c]) {
            if (!(conn instanceof DenoTlsConn)) continue;
            await conn.closed.catch(() => undefined);
            if (version) assert.equal(conn.connection.alive, false, 'freed once closed');
          }
        } finally {
          listener.close();
          context.free();
        }
      }
    });
  }

  test("allowHalfOpen: false (ours only, Node's default): the peer's close_notify is answered at once, writing after it fails", async () => {
    const o = await load();
    const p = await pki();
    const context = o.createContext({ role: 'server', certificate: p.cert, privateKey: p.key });
    const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context, allowHalfOpen: false });
    const theirs = await denoServer();
    try {
      const [accepted, client] = await Promise.all([listener.accept(), denoClient(listener.addr.port)]);
      await client.write(bytes('request'));
      await client.closeWrite();
      assert.equal(await readBytes(accepted, 16), 'request');
      assert.equal(await client.read(new Uint8Array(8)), null, "Deno's client reads our close_notify, sent in answer to its own");
      await assert.rejects(accepted.write(bytes('late')), /closed/);
      await accepted.closed;
      assert.equal(accepted.connection.alive, false, 'freed: both directions are over');
      client.close();
      // connectDeno the same way against Deno's server.
      const [denoAccepted, ours] = await Promise.all([theirs.accept(), connectDeno({ hostname: '127.0.0.1', port: theirs.addr.port, serverName: 'localhost',
        openssl: o, contextOptions: { ca: p.ca }, allowHalfOpen: false })]);
      await denoAccepted.handshake();
      await denoAccepted.closeWrite();
      assert.equal(await ours.read(new Uint8Array(8)), null);
      assert.equal(await denoAccepted.read(new Uint8Array(8)), null, 'our close_notify, at once');
      await assert.rejects(ours.write(bytes('late')), /closed/);
      await ours.closed;
      denoAccepted.close();
    } finally {
      listener.close();
      theirs.close();
      context.free();
    }
  });

  test('handshake is both the TLSStream promise and Deno\'s method; a failed handshake rejects both', async () => {
    const o = await load();
    const server = await denoServer();
    try {
      const accepting = server.accept();
      const conn = await connectDeno({ hostname: '127.0.0.1', port: server.addr.port, serverName: 'not-the-name.test', openssl: o, contextOptions: { ca: (await pki()).ca } });
      const accepted = await accepting;
      const deniedByDeno = accepted.handshake().catch(() => undefined);
      await assert.rejects(conn.handshake, /certificate|verify/i);
      await assert.rejects(conn.handshake(), /certificate|verify/i);
      await deniedByDeno;
      accepted.close();
      await conn.closed.catch(() => undefined);
    } finally {
      server.close();
    }
  });
}, { runtimes: ['deno'] });

