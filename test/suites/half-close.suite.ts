// Half-close in memory (every runtime): TLSEngine's allowHalfOpen, where the peer's close_notify ends
// only the readable side and ours goes when the application ends its writable side, on TLS 1.3 and
// TLS 1.2, through the engine itself and the Web Streams adapter; the default (the peer's
// close_notify answered at once) unchanged beside it.
import { connectWebSocket, TLSEngine, webSocketStreams, tlsOverStreams, type ByteStreams, type Connection, type OpenSSL, type TLSStream, type TLSVersion, type WebSocketConstructor, type WebSocketLike } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { pipePair } from '../lib/memory-pair.ts';
import { FakeWebSocket } from '../lib/fake-websocket.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, load, serverContext } from '../lib/tls.ts';
import { tick, until } from '../lib/wait.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

/** One end of an engine pair: what it reported, in order. */
interface End { engine: TLSEngine; log: string[]; errors: Error[] }

/**
 * A client and a server engine joined in memory (each transmit delivered to the other after the
 * step, as a network would), the handshake done. `halfOpen`: the sides with allowHalfOpen.
 */
async function enginePair(ossl: OpenSSL, version: TLSVersion, halfOpen: { client?: boolean; server?: boolean }) {
  const cc = await clientContext(ossl, version), sc = await serverContext(ossl, version);
  const ends: End[] = [];
  const make = (conn: Connection, other: () => End, allowHalfOpen: boolean): End => {
    const end: End = { engine: null as never, log: [], errors: [] };
    end.engine = new TLSEngine(conn, {
      transmit: b => { const copy = b.slice(); queueMicrotask(() => other().engine.receive(copy)); },
      plaintext: d => end.log.push(`data ${text(d)}`),
      secure: () => end.log.push('secure'),
      peerClosed: () => end.log.push('peerClosed'),
      closed: () => end.log.push('closed'),
      sentClose: () => end.log.push('sentClose'),
      error: e => end.errors.push(e),
    }, { allowHalfOpen });
    ends.push(end);
    return end;
  };
  const c: End = make(cc.createConnection({ serverName: 'localhost' }), () => s, halfOpen.client === true);
  const s: End = make(sc.createConnection(), () => c, halfOpen.server === true);
  c.engine.start();
  await until(() => c.engine.secure && s.engine.secure, 5000, 'the handshake');
  const free = () => {
    for (const e of ends) if (e.engine.connection.alive) e.engine.connection.free();
    cc.free();
    sc.free();
  };
  return { c, s, free };
}

/** Reads a TLSStream's readable to its end. */
async function readAll(stream: TLSStream): Promise<string> {
  let out = '';
  const reader = stream.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += text(value);
  }
}

/**
 * A request/response over the Web Streams adapter where the client ends its side first (request,
 * then close_notify) and the server, with allowHalfOpen, answers after reading the end.
 */
async function requestThenAnswer(ossl: OpenSSL, version: TLSVersion): Promise<{ request: string; answer: string }> {
  const cc = await clientContext(ossl, version), sc = await serverContext(ossl, version);
  try {
    const [a, b] = pipePair();
    const client = tlsOverStreams(cc.createConnection({ serverName: 'localhost' }), a);
    const server = tlsOverStreams(sc.createConnection(), b, { allowHalfOpen: true });
    const serving = (async () => {
      const request = await readAll(server); // to the client's close_notify
      const w = server.writable.getWriter();
      await w.write(bytes(`answer to ${request}`));
      await w.close(); // our close_notify: both sides are now over
      return request;
    })();
    const w = client.writable.getWriter();
    await w.write(bytes('request'));
    await w.close(); // close_notify; reading goes on
    const answer = await readAll(client);
    const request = await serving;
    await Promise.all([client.closed, server.closed]);
    assert.equal(client.connection.alive, false, 'the stream freed its connection');
    return { request, answer };
  } finally {
    cc.free();
    sc.free();
  }
}


/** What a memory WebSocket did, in order: `send <bytes>`, `close <code>` (ours), `peer close <code>`. */
interface SocketLog { events: string[]; made: number; socket: WebSocketLike | null }

/**
 * A WebSocket class over memory whose far end is `far` (a byte stream pair a server runs TLS
 * over), standing for the relay: binary messages to and from it, and, as the relay does on the
 * server's end, the socket closed (1000) once the far end closes its writable.
 */
function memoryWebSocket(near: ByteStreams, log: SocketLog): WebSocketConstructor {
  return class extends FakeWebSocket {
    readonly #writer = near.writable.getWriter();
    constructor() {
      super();
      log.made++;
      log.socket = this;
      setTimeout(() => { this.readyState = 1; this.emit('open', {}); void this.#pump(); }, 0);
    }
    async #pump(): Promise<void> {
      const reader = near.readable.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (this.readyState === 1) this.emit('message', { data: r.value.slice().buffer });
      }
      this.#closed(1000, 'peer close');
    }
    #closed(code: number, who: string): void {
      if (this.readyState === 3) return;
      log.events.push(`${who} ${code}`);
      this.readyState = 3;
      void this.#writer.close().catch(() => undefined);
      setTimeout(() => this.emit('close', { code, reason: '', wasClean: true }), 0);
    }
    send(data: Uint8Array): void {
      log.events.push(`send ${data.length}`);
      void this.#writer.write(data.slice()).catch(() => undefined);
    }
    close(code?: number): void { this.#closed(code ?? 1005, 'close'); }
  };
}

suite('half-close (allowHalfOpen) in memory', test => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const side of ['server', 'client'] as const) {
      test(`${version}: the ${side} with allowHalfOpen reads the peer's close_notify as the end, writes after it, and close() sends its own`, async () => {
        const ossl = await load();
        const { c, s, free } = await enginePair(ossl, version, { [side]: true });
        try {
          // `first` ends its side; `half` (allowHalfOpen) answers after reading that end.
          const [first, half] = side === 'server' ? [c, s] : [s, c];
          first.engine.write(bytes('request'));
          first.engine.close();
          await until(() => half.log.includes('peerClosed'), 5000, "the peer's close_notify");
          assert.deepEqual(half.log.slice(1), ['data request', 'peerClosed']);
          assert.equal(half.engine.finished, false, 'only the readable side is over');
          assert.equal(half.engine.peerClosed, true);
          assert.equal(half.engine.connection.shutdownState, 2, 'SSL_RECEIVED_SHUTDOWN only: no close_notify of ours yet');
          // Bytes after close_notify are not read (OpenSSL discards them): no error, no data.
          half.engine.receive(new Uint8Array([23, 3, 3, 0, 1, 0]));
          half.engine.receiveEnd();
          half.engine.write(bytes('answer'));
          half.engine.write(bytes(' and more'));
          half.engine.close();
          assert.equal(half.engine.finished, true, 'our close_notify after the peer\'s: both sides over');
          assert.equal(half.engine.connection.shutdownState, 3);
          await until(() => first.engine.finished, 5000, 'the first side to read the answer and the close_notify');
          assert.deepEqual(first.log.slice(1), ['sentClose', 'data answer', 'data  and more', 'peerClosed'], 'the answer arrived before the end');
          assert.deepEqual(half.log.slice(1), ['data request', 'peerClosed', 'sentClose', 'closed']);
          assert.deepEqual([...c.errors, ...s.errors].map(String), []);
          assert.throws(() => half.engine.write(bytes('x')), /write after the TLS connection was closed/);
        } finally {
          free();
        }
        await assertNoHandles(ossl, 'half-close engines');
      });
    }
  }

  test("without allowHalfOpen (the default) the peer's close_notify is answered at once and ends the engine, as before", async () => {
    const ossl = await load();
    const { c, s, free } = await enginePair(ossl, 'TLSv1.3', {});
    try {
      c.engine.write(bytes('request'));
      c.engine.close();
      await until(() => s.engine.finished && c.engine.finished, 5000, 'both engines to finish');
      assert.deepEqual(s.log.slice(1), ['data request', 'peerClosed', 'sentClose']);
      assert.deepEqual(c.log.slice(1), ['sentClose', 'peerClosed'], 'the client read no answer, only the close_notify');
      assert.equal(s.engine.connection.shutdownState, 3, 'the server answered with its own close_notify');
      assert.throws(() => s.engine.write(bytes('answer')), /write after the TLS connection was closed/);
    } finally {
      free();
    }
    await assertNoHandles(ossl, 'default close');
  });

  test('allowHalfOpen that is not a boolean is a TypeError (TLSEngine, tlsOverStreams), the connection not left behind', async () => {
    const ossl = await load();
    const cc = await clientContext(ossl, 'TLSv1.3');
    try {
      const conn = cc.createConnection({ serverName: 'localhost' });
      const events = { transmit() {}, plaintext() {}, secure() {}, peerClosed() {}, error() {} };
      assert.throws(() => new TLSEngine(conn, events, { allowHalfOpen: 'yes' as never }), TypeError);
      conn.free();
      const [a] = pipePair();
      const stream = cc.createConnection({ serverName: 'localhost' });
      assert.throws(() => tlsOverStreams(stream, a, { allowHalfOpen: 1 as never }), TypeError);
      assert.equal(stream.alive, false, 'freed as when the stream fails');
      assert.equal(a.writable.locked, false, 'the network streams are left to the caller');
    } finally {
      cc.free();
    }
    await assertNoHandles(ossl, 'option checks');
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}, Web Streams: the client closes its writable after the request; the server (allowHalfOpen) reads the end, then answers and closes`, async () => {
      const ossl = await load();
      const r = await requestThenAnswer(ossl, version);
      assert.deepEqual(r, { request: 'request', answer: 'answer to request' });
      await assertNoHandles(ossl, 'streams half-close');
    });
  }

  test('Web Streams, half-close round trips: linear memory in use stays flat', async () => {
    const ossl = await load();
    for (let i = 0; i < 4; i++) await requestThenAnswer(ossl, i % 2 ? 'TLSv1.2' : 'TLSv1.3'); // the allocator's first growth
    await tick();
    const before = ossl.stats().heapInUse;
    for (let i = 0; i < 20; i++) assert.equal((await requestThenAnswer(ossl, i % 2 ? 'TLSv1.2' : 'TLSv1.3')).answer, 'answer to request');
    await tick();
    const grown = ossl.stats().heapInUse - before;
    assert.ok(grown < 16 * 1024, `heapInUse grew by ${grown} bytes over 20 half-closed connections`);
    await assertNoHandles(ossl, 'round trips');
  });
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}, connectWebSocket: closing writable sends close_notify and keeps the WebSocket open; the server (allowHalfOpen) answers; the WebSocket closes with 1000 after both close_notifys`, async () => {
      const ossl = await load();
      const cc = await clientContext(ossl, version), sc = await serverContext(ossl, version);
      try {
        const [near, far] = pipePair();
        const log: SocketLog = { events: [], made: 0, socket: null };
        const client = await connectWebSocket('ws://relay.invalid/', { openssl: ossl, context: cc, serverName: 'localhost', WebSocket: memoryWebSocket(near, log) });
        const server = tlsOverStreams(sc.createConnection(), far, { allowHalfOpen: true });
        const request = readAll(server);
        await client.handshake;
        const w = client.writable.getWriter();
        await w.write(bytes('request'));
        const sentBefore = log.events.length;
        await w.close(); // our close_notify
        assert.deepEqual(log.events.slice(sentBefore).map(e => e.split(' ')[0]), ['send'], 'the close_notify went out as one message, the WebSocket not closed');
        assert.equal(log.socket!.readyState, 1, 'the WebSocket stays open: the server may still write');
        assert.equal(await request, 'request', "the server read the request to the client's close_notify");
        const answer = readAll(client);
        const sw = server.writable.getWriter();
        await sw.write(bytes('answer to request'));
        await tick(10);
        assert.equal(log.socket!.readyState, 1, 'still open with the answer on its way');
        await sw.close(); // the server's close_notify: both sides are done
        assert.equal(await answer, 'answer to request');
        await Promise.all([client.closed, server.closed]);
        const closes = log.events.filter(e => /close/.test(e));
        assert.equal(closes.length, 1, 'closed once');
        assert.match(closes[0]!, /^(close|peer close) 1000$/, "normally (1000), by the client once it read the server's close_notify or as the relay does on the server's end");
        assert.equal(client.connection.alive, false, 'the stream freed its connection');
      } finally {
        cc.free();
        sc.free();
      }
      await assertNoHandles(ossl, 'WebSocket, our side first');
    });
  }

  test("webSocketStreams over a WebSocket that stays open (what the refusal points to): the server ends first, tlsOverStreams with allowHalfOpen reads that end, writes its reply, then closes the WebSocket with 1000", async () => {
    const ossl = await load();
    const cc = await clientContext(ossl, 'TLSv1.3'), sc = await serverContext(ossl, 'TLSv1.3');
    try {
      const [near, far] = pipePair();
      const log: SocketLog = { events: [], made: 0, socket: null };
      const WebSocket = memoryWebSocket(near, log);
      const ws = new WebSocket('ws://relay.invalid/');
      const client = tlsOverStreams(cc.createConnection({ serverName: 'localhost' }), await webSocketStreams(ws), { allowHalfOpen: true });
      const server = tlsOverStreams(sc.createConnection(), far);
      const sw = server.writable.getWriter();
      await sw.write(bytes('greeting'));
      await sw.close(); // the server's close_notify first; it reads on until the client's
      const reply = readAll(server);
      assert.equal(await readAll(client), 'greeting');
      assert.equal(ws.readyState, 1, "open after the server's close_notify");
      const w = client.writable.getWriter();
      await w.write(bytes('reply to greeting'));
      await w.close();
      assert.equal(await reply, 'reply to greeting');
      await Promise.all([client.closed, server.closed]);
      const closes = log.events.filter(e => /close/.test(e));
      assert.equal(closes.length, 1, 'closed once, when both sides were done');
      assert.match(closes[0]!, /^(close|peer close) 1000$/);
    } finally {
      cc.free();
      sc.free();
    }
    await assertNoHandles(ossl, 'webSocketStreams half-open');
  });

  test('connectWebSocket refuses allowHalfOpen: true with a TypeError saying why (a WebSocket has no half-close), before any WebSocket is made', async () => {
    const ossl = await load();
    const cc = await clientContext(ossl, 'TLSv1.3');
    try {
      const [near] = pipePair();
      const log: SocketLog = { events: [], made: 0, socket: null };
      const WebSocket = memoryWebSocket(near, log);
      const e = await assert.rejects(connectWebSocket('ws://relay.invalid/', { openssl: ossl, context: cc, serverName: 'localhost', WebSocket, allowHalfOpen: true as never }), TypeError) as Error;
      assert.match(e.message, /allowHalfOpen is not supported: a WebSocket has no half-close.*close `writable`/);
      await assert.rejects(connectWebSocket('ws://relay.invalid/', { openssl: ossl, context: cc, serverName: 'localhost', WebSocket, allowHalfOpen: 'yes' as never }), TypeError);
      assert.equal(log.made, 0, 'no WebSocket was opened');
    } finally {
      cc.free();
    }
    await assertNoHandles(ossl, 'refused option');
  });
});
