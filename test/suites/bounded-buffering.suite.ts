// Issue 10 part 4: what one connection may buffer. A connection holds at most maxIncomingBytes of
// the peer's unprocessed bytes; receive() beyond that refuses with a RangeError and takes nothing,
// so a peer that writes faster than the application reads cannot grow linear memory (which never
// shrinks). The adapters' backpressure is tested in bounded-buffering-io (sockets) and below
// (Web Streams, in memory).
import { handshakeInMemory, tlsOverStreams, transfer, webSocketStreams, type ByteStreams, type OpenSSL } from '../../ts/index.ts';
import { equal, match, ok, rejects, throws } from '../lib/assert.ts';
import { writeUntilStalled } from '../lib/flow.ts';
import { FakeWebSocket } from '../lib/fake-websocket.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, serverContext } from '../lib/tls.ts';
import { pipePair } from '../lib/memory-pair.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Linear memory of an instance, for "stays within the limit plus a bound". */
function memory(ossl: OpenSSL): { heap: number; size: number } {
  const st = ossl.stats();
  return { heap: st.heapInUse, size: st.memorySize };
}

suite('bounded buffering: Connection', test => {
  test('receive() beyond maxIncomingBytes throws a RangeError naming the limit and takes nothing; read() makes room', async () => {
    // Two instances, so the server's linear memory is its own: the client's holds 4 MiB of ciphertext.
    const ossl = await load(), peer = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(peer, 'TLSv1.3');
    const { c, s } = connect(cctx, sctx);
    equal(s.maxIncomingBytes, 256 * KiB, 'the default limit');
    const heapBefore = ossl.stats().heapInUse;
    // The client writes 4 MiB; the server's application never reads; its transport hands over 16 KiB at a time.
    const chunk = new Uint8Array(64 * KiB).fill(7);
    for (let i = 0; i < 64; i++) equal(c.write(chunk), 'done');
    const wire = c.takeOutgoing();
    ok(wire.length > 4 * 1024 * KiB, 'the ciphertext of 4 MiB is waiting');
    let at = 0, refused: unknown = null;
    while (at < wire.length) {
      const piece = wire.subarray(at, at + 16 * KiB);
      try {
        s.receive(piece);
      } catch (e) {
        refused = e;
        break;
      }
      at += piece.length;
    }
    ok(refused instanceof RangeError, `receive() refused: ${String(refused)}`);
    match((refused as Error).message, /limit of 262144 unprocessed incoming bytes/);
    match((refused as Error).message, /nothing was taken.*read\(\)/s);
    ok(at <= 256 * KiB && at > 256 * KiB - 16 * KiB, `it took up to the limit (${at} bytes)`);
    equal(s.incomingBytes, at, 'incomingBytes: everything taken is waiting');
    equal(s.incomingCapacity, 256 * KiB - at);
    throws(() => s.receive(wire.subarray(at, at + 16 * KiB)), RangeError);
    equal(s.incomingBytes, at, 'a refused receive() took nothing');
    ok(ossl.stats().heapInUse - heapBefore < 1024 * KiB, 'linear memory in use grew by less than 1 MiB');

    // Reading processes what waits, making room; every byte then gets through, in order.
    let got = 0;
    for (let rounds = 0; at < wire.length; rounds++) {
      ok(rounds < 10_000, 'bounded');
      const n = Math.min(s.incomingCapacity, wire.length - at);
      s.receive(wire.subarray(at, at + n));
      at += n;
      const { data } = s.read();
      ok(data.every(b => b === 7));
      got += data.length;
      ok(s.incomingBytes < 17 * KiB, 'after read() at most a partial record waits');
    }
    got += s.read().data.length;
    equal(got, 64 * 64 * KiB, 'all 4 MiB of plaintext arrived');
    ok(ossl.stats().heapInUse - heapBefore < 1024 * KiB, 'and memory in use stayed bounded');
    close(c, s);
    cctx.free();
    sctx.free();
  });

  test('maxIncomingBytes: per connection, or a context default; at least one TLS record', async () => {
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3', { maxIncomingBytes: 64 * KiB });
    const cctx = await clientContext(ossl, 'TLSv1.3');
    equal(sctx.maxIncomingBytes, 64 * KiB);
    equal(cctx.maxIncomingBytes, 256 * KiB);
    const s1 = sctx.createConnection();
    equal(s1.maxIncomingBytes, 64 * KiB, 'the context default');
    const s2 = sctx.createConnection({ maxIncomingBytes: 1024 * KiB });
    equal(s2.maxIncomingBytes, 1024 * KiB, 'the connection option wins');
    equal(s2.incomingBytes, 0);
    equal(s2.incomingCapacity, 1024 * KiB);
    s1.free();
    s2.free();
    for (const bad of [0, -1, 100, 17732, 1.5, NaN, '65536', Infinity]) {
      throws(() => sctx.createConnection({ maxIncomingBytes: bad as number }), RangeError);
      throws(() => ossl.createContext({ role: 'client', maxIncomingBytes: bad as number }), RangeError);
    }
    equal(ossl.stats().handles.Connection, 0, 'no connection leaked by the refusals');
    // The smallest limit (one record) still carries the largest records through.
    const s = sctx.createConnection({ maxIncomingBytes: 17733 });
    const c = cctx.createConnection({ serverName: 'localhost' });
    handshakeInMemory(c, s);
    equal(c.write(new Uint8Array(100 * KiB).fill(1)), 'done');
    const wire = c.takeOutgoing();
    let got = 0;
    for (let at = 0, rounds = 0; at < wire.length; rounds++) {
      ok(rounds < 10_000, 'bounded');
      const n = Math.min(s.incomingCapacity, wire.length - at);
      s.receive(wire.subarray(at, at + n));
      at += n;
      got += s.read().data.length;
    }
    equal(got, 100 * KiB);
    close(c, s);
    const freed = sctx.createConnection();
    freed.free();
    throws(() => freed.incomingBytes, TypeError);
    sctx.free();
    cctx.free();
    equal(ossl.stats().handles.Connection, 0);
  });
});

suite('idle connections', test => {
  test('an established connection gives its record buffers back when they are empty: traffic leaves nothing behind, and an idle one holds under 32 KiB', async () => {
    // SSL_MODE_RELEASE_BUFFERS (ts/oo/context.ts): without it each connection kept a read and a
    // write buffer of about 17 KiB each for its whole life (bench: "concurrent idle connections").
    // The server has an instance of its own, so its linear memory counts server connections only.
    const ossl = await load(), peer = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(peer, 'TLSv1.3');
    const pairs = [connect(cctx, sctx)]; // the first connection's one-time allocations out of the count
    const n = 20, heap0 = ossl.stats().heapInUse;
    for (let i = 0; i < n; i++) pairs.push(connect(cctx, sctx));
    const established = (ossl.stats().heapInUse - heap0) / n;
    const data = new Uint8Array(40 * KiB).fill(3);
    for (const { c, s } of pairs.slice(1)) {
      c.write(data);
      transfer(c, s);
      equal(s.read().data.length, data.length, 'the client\'s 40 KiB arrived');
      s.write(data);
      transfer(s, c);
      equal(c.read().data.length, data.length, 'the server\'s 40 KiB arrived');
    }
    const afterTraffic = (ossl.stats().heapInUse - heap0) / n;
    ok(established < 32 * KiB, `an established idle server connection holds ${established.toFixed(0)} bytes`);
    ok(afterTraffic - established < 1 * KiB, `40 KiB each way left ${(afterTraffic - established).toFixed(0)} bytes a connection behind`);
    for (const { c, s } of pairs) close(c, s);
    sctx.free();
    cctx.free();
    equal(ossl.stats().handles.Connection, 0);
  });
});

suite('live connections', test => {
  test('10,000 live connections grow linear memory a few dozen times, not once every few connections', async () => {
    // Creating a connection used to slow with the number live (bench: "live connections"): the
    // module grew its memory one 64 KiB page at a time, and each grow costs the engine more as the
    // memory grows. Growth is geometric now (wasm/heap-growth.c). Counted, not timed: every grow
    // replaces memory.buffer, so a changed buffer after a creation is at least one grow.
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3');
    const memory = ossl.raw.mem.memory;
    let buffer = memory.buffer, grows = 0;
    const live = [];
    for (let i = 0; i < 10_000; i++) {
      live.push(sctx.createConnection());
      if (memory.buffer !== buffer) { grows++; buffer = memory.buffer; }
    }
    const size = ossl.stats().memorySize;
    ok(size > 64 * 1024 * KiB, `10,000 connections took linear memory (${size >> 20} MiB)`);
    ok(grows < 60, `memory grew ${grows} times`);
    for (const c of live) c.free();
    sctx.free();
    equal(ossl.stats().handles.Connection, 0);
  });
});

suite('bounded buffering: Web Streams adapter', test => {
  test('a peer writing 100 MB to a server whose application never reads is held back: the writer blocks, linear memory stays bounded; reading lets it go on', async () => {
    // Two instances: the server's linear memory is its own. Joined by in-memory streams.
    const ossl = await load(), peer = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(peer, 'TLSv1.3');
    const [a, b] = pipePair();
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost' }), a);
    const server = tlsOverStreams(sctx.createConnection(), b);
    await Promise.all([client.handshake, server.handshake]);
    const before = memory(ossl);
    const writer = client.writable.getWriter();
    const run = await writeUntilStalled(chunk => writer.write(chunk));
    ok(run.stalled, `the writer is blocked (${run.written} bytes written)`);
    ok(run.written < 2 * MiB, `only what the queues hold got through: ${run.written} of 100 MiB`);
    const after = memory(ossl);
    const limit = server.connection.maxIncomingBytes;
    // The stated bound: the read BIO's limit, once more for read()'s buffer, and 1 MiB of slack
    // for OpenSSL's record buffers; the memory itself grows by whole steps of a fifth.
    ok(after.heap - before.heap <= 2 * limit + MiB, `heap in use grew by ${after.heap - before.heap} bytes`);
    ok(after.size <= Math.max(before.size, 32 * MiB), `linear memory is ${after.size >> 20} MiB`);
    ok(server.connection.incomingBytes <= limit);

    // The server's application starts reading: the writer goes on (it was held back, not failed).
    const reader = server.readable.getReader();
    let read = 0;
    const reading = (async () => {
      while (read < run.written + 8 * MiB) {
        const { value, done } = await reader.read();
        if (done) break;
        read += value.length;
      }
    })();
    await run.pending;
    const more = await writeUntilStalled(chunk => writer.write(chunk), 8 * MiB);
    equal(more.written, 8 * MiB, 'with a reader, 8 MiB more went through');
    await reading;
    ok(read >= run.written + 8 * MiB);
    await writer.abort(new Error('test over'));
    await reader.cancel();
    await server.closed.catch(() => undefined);
    await client.closed.catch(() => undefined);
    ok(memory(ossl).heap - before.heap <= 2 * limit + MiB, 'and memory stayed bounded while it flowed');
    cctx.free();
    sctx.free();
    for (const o of [ossl, peer]) equal(o.stats().handles.Connection, 0, 'both streams freed their connections');
  });

  test('the other way: an application writing 100 MB to a peer that stops reading the network is held back: its writes block, linear memory stays bounded', async () => {
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3');
    // The network to the peer, with a gate: closed, nothing more is taken from it (a peer whose
    // application and kernel buffers are full), so what the client writes has nowhere to go.
    let gate: Promise<void> | null = null;
    let open = () => {};
    const toPeer = new TransformStream<Uint8Array, Uint8Array>({ async transform(chunk, c) { if (gate) await gate; c.enqueue(chunk); } });
    const back = new TransformStream<Uint8Array, Uint8Array>();
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost' }), { readable: back.readable, writable: toPeer.writable });
    const server = tlsOverStreams(sctx.createConnection(), { readable: toPeer.readable, writable: back.writable });
    await Promise.all([client.handshake, server.handshake]);
    gate = new Promise<void>(r => { open = r; });
    const before = memory(ossl);
    const writer = client.writable.getWriter();
    const run = await writeUntilStalled(chunk => writer.write(chunk));
    ok(run.stalled, `the writer is blocked (${run.written} bytes written)`);
    ok(run.written < 2 * MiB, `only what the queues hold got through: ${run.written} of 100 MiB`);
    const after = memory(ossl);
    // Each write's records are taken out of the memory BIO as they are made: they wait in the
    // network's queue (JavaScript), not in linear memory.
    ok(after.heap - before.heap <= MiB, `heap in use grew by ${after.heap - before.heap} bytes`);
    ok(after.size <= Math.max(before.size, 32 * MiB), `linear memory is ${after.size >> 20} MiB`);
    equal(client.connection.outgoingBytes, 0, 'nothing waits in the write BIO');

    // The peer reads again: the writer goes on (it was held back, not failed).
    open();
    gate = null;
    const reader = server.readable.getReader();
    let read = 0;
    const reading = (async () => {
      while (read < run.written + 64 * KiB) {
        const { value, done } = await reader.read();
        if (done) break;
        read += value.length;
      }
    })();
    await run.pending;
    await reading;
    ok(read >= run.written + 64 * KiB, 'everything written arrived');
    // A clean close both ways: close_notify, which the peer's reader sees as the end.
    await writer.close();
    while (!(await reader.read()).done) { /* the rest */ }
    await server.writable.close();
    await Promise.all([client.closed, server.closed]);
    cctx.free();
    sctx.free();
    for (const o of [ossl, peer]) equal(o.stats().handles.Connection, 0, 'both streams freed their connections');
  });

  test('a transport that fails while the reader is behind fails the stream at once (its error is not left unread)', async () => {
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(ossl, 'TLSv1.3');
    let toServer!: ReadableStreamDefaultController<Uint8Array>;
    const back = new TransformStream<Uint8Array, Uint8Array>();
    const serverNet: ByteStreams = { readable: new ReadableStream({ start(c) { toServer = c; } }), writable: back.writable };
    const clientNet: ByteStreams = { readable: back.readable, writable: new WritableStream({ write(chunk) { toServer.enqueue(chunk); } }) };
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost' }), clientNet);
    const server = tlsOverStreams(sctx.createConnection(), serverNet);
    await Promise.all([client.handshake, server.handshake]);
    const writer = client.writable.getWriter();
    for (let i = 0; i < 16; i++) await writer.write(new Uint8Array(64 * KiB)); // the server's reader is behind after the first
    toServer.error(new Error('transport failed'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([server.closed.then(() => 'closed', (e: Error) => e.message), new Promise(r => { timer = setTimeout(() => r('still waiting after 5 s'), 5000); })]);
    clearTimeout(timer);
    equal(outcome, 'transport failed');
    await writer.abort(new Error('test over'));
    await client.closed.catch(() => undefined);
    cctx.free();
    sctx.free();
    equal(ossl.stats().handles.Connection, 0);
  });

  test('a reader that cancels the plaintext does not stall the connection: it is read and dropped until close_notify', async () => {
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3'), cctx = await clientContext(ossl, 'TLSv1.3');
    const [a, b] = pipePair();
    const client = tlsOverStreams(cctx.createConnection({ serverName: 'localhost' }), a);
    const server = tlsOverStreams(sctx.createConnection(), b, { plaintextHighWaterMark: 0 });
    await Promise.all([client.handshake, server.handshake]);
    const bad = sctx.createConnection();
    throws(() => tlsOverStreams(bad, pipePair()[0], { plaintextHighWaterMark: -1 }), RangeError);
    equal(bad.alive, false, 'a refused stream frees its connection, as a failed one does');
    await server.readable.cancel();
    const writer = client.writable.getWriter();
    for (let i = 0; i < 64; i++) await writer.write(new Uint8Array(64 * KiB));
    await writer.close();
    await server.closed;
    await client.closed.catch(() => undefined);
    cctx.free();
    sctx.free();
    equal(ossl.stats().handles.Connection, 0);
  });
});

/** An open WebSocket whose incoming messages the test plays; with `pausable`, it has the ws package's pause()/resume(). */
class PlayedWebSocket extends FakeWebSocket {
  override readyState = 1;
  readonly closes: (number | undefined)[] = [];
  readonly flow: string[] = [];
  declare pause?: () => void;
  declare resume?: () => void;
  constructor(pausable: boolean) {
    super();
    if (pausable) {
      this.pause = () => { this.flow.push('pause'); };
      this.resume = () => { this.flow.push('resume'); };
    }
  }
  send(): void { /* nothing goes out in these tests */ }
  close(code?: number): void { this.closes.push(code); this.readyState = 2; }
  receive(n: number): void {
    this.emit('message', { data: new ArrayBuffer(n) });
  }
}

suite('bounded buffering: WebSocket streams', test => {
  test('a WebSocket that cannot pause (the browser\'s): past maxReceiveQueue unread bytes the connection fails (code 4009) with a clear error', async () => {
    const ws = new PlayedWebSocket(false);
    const { readable } = await webSocketStreams(ws, { maxReceiveQueue: MiB });
    let sent = 0;
    for (let i = 0; i < 100 && ws.closes.length === 0; i++) { ws.receive(64 * KiB); sent += 64 * KiB; }
    equal(ws.closes.join(), '4009', 'closed with 4009 (1009, message too big, is not a code the WebSocket API may send)');
    equal(sent, MiB + 64 * KiB, 'at the first message past the limit');
    const e = await rejects(readable.getReader().read()) as Error;
    match(e.message, /received more than 1048576 bytes that were not read \(maxReceiveQueue\); this WebSocket cannot be paused/);
    ws.receive(64 * KiB); // a late message is dropped, not queued
  });

  test('a WebSocket that can pause (the ws package\'s) is paused above receiveHighWaterMark and resumed when the reader catches up', async () => {
    const ws = new PlayedWebSocket(true);
    const { readable } = await webSocketStreams(ws, { receiveHighWaterMark: 128 * KiB, maxReceiveQueue: MiB });
    for (let i = 0; i < 2; i++) ws.receive(64 * KiB);
    equal(ws.flow.join(), '', 'at the mark: not paused');
    ws.receive(64 * KiB);
    equal(ws.flow.join(), 'pause', 'above it: paused');
    ws.receive(64 * KiB); // a message already on its way still arrives
    equal(ws.flow.join(), 'pause');
    const reader = readable.getReader();
    let got = 0;
    while (got < 4 * 64 * KiB) got += (await reader.read()).value!.length;
    await new Promise(r => setTimeout(r, 0));
    equal(ws.flow.join(), 'pause,resume', 'resumed once read');
    equal(ws.closes.length, 0, 'and never failed');
    for (const bad of [{ receiveHighWaterMark: -1 }, { maxReceiveQueue: 0 }, { maxReceiveQueue: Number.NaN }]) {
      throws(() => webSocketStreams(new PlayedWebSocket(true), bad), RangeError);
    }
  });
});
