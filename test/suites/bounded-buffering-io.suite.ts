// Issue 10 part 4 over real sockets: a peer writes 100 MB to a connection whose application never
// reads. The adapters hold it back (the WebSocket through the relay; Deno.listen) so the writer
// blocks and the instance's linear memory stays within the connection's limit plus a stated bound;
// a WebSocket that cannot pause fails the connection clearly instead.
import * as tls from 'node:tls';
import { connectWebSocket, OpenSSL } from '../../ts/index.ts';
import { listenDeno } from '../../ts/deno.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { socketWriter, writeUntilStalled } from '../lib/flow.ts';
import { suite } from '../lib/suite.ts';
import { fixturePath, until } from '../io/peers.ts';
import { startChild, whenReady } from '../io/process.ts';
import { fileURLToPath } from 'node:url';
import { runRelay } from '../io/relay.ts';
import { pem } from '../io/node-tls.ts';
import { webSocketClass } from '../io/websocket-class.ts';

const KiB = 1024, MiB = 1024 * KiB;

/** A TLS peer in a Node process of its own that never reads after its handshake (test/io/stalled-peer.mjs). */
function stalledPeer(args: string[]) {
  return startChild('node', [fileURLToPath(new URL('../io/stalled-peer.mjs', import.meta.url)), ...args]);
}

function heap(ossl: OpenSSL): number {
  return ossl.stats().heapInUse;
}

/**
 * The stated bound on what a connection adds to linear memory while held back: its read BIO's
 * limit, once more for read()'s buffer, and 1 MiB for OpenSSL's record buffers and the rest.
 */
const bound = (limit: number) => 2 * limit + MiB;

suite('bounded buffering over sockets', test => {
  test('connectWebSocket through the relay: a server writing 100 MB to a client that never reads is held back (ws: paused) or the connection fails clearly (no pause)', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    let writing: Promise<{ written: number; stalled: boolean }> | null = null;
    const server = tls.createServer({ cert: pem('server.pem'), key: pem('server.key') }, socket => {
      socket.on('error', () => undefined);
      writing = writeUntilStalled(socketWriter(socket), 100 * MiB, 1500).catch(() => ({ written: -1, stalled: false }));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${port}`]);
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    const WebSocket = await webSocketClass();
    const pausable = typeof (WebSocket.prototype as { pause?: unknown }).pause === 'function';
    try {
      const stream = await connectWebSocket(`${relay.url}?target=127.0.0.1:${port}`, { openssl: ossl, context, serverName: 'localhost', WebSocket });
      await stream.handshake;
      const before = heap(ossl);
      const limit = stream.connection.maxIncomingBytes;
      await until(() => writing !== null, 5000, 'the server to start writing');
      if (pausable) {
        const run = await writing!;
        ok(run.stalled, `the server's writes are blocked (${run.written} bytes written)`);
        ok(run.written < 64 * MiB, `only what the socket buffers and queues hold got through: ${run.written >> 20} MiB of 100`);
        ok(heap(ossl) - before <= bound(limit), `linear memory in use grew by ${heap(ossl) - before} bytes`);
        ok(stream.connection.incomingBytes <= limit);
        await stream.writable.abort(new Error('test over'));
      } else {
        // The WHATWG WebSocket cannot pause: past maxReceiveQueue the connection fails, clearly.
        const e = await rejects(stream.closed) as Error;
        match(e.message, /received more than 4194304 bytes that were not read \(maxReceiveQueue\); this WebSocket cannot be paused/);
        ok(heap(ossl) - before <= bound(limit), `linear memory in use grew by ${heap(ossl) - before} bytes`);
        const run = await writing!;
        ok(run.written < 100 * MiB, 'the server did not get its 100 MB through');
        await until(() => /ws-close=4009 /.test(relay.output()), 5000, 'the relay to log the close');
      }
      await until(() => ossl.stats().handles.Connection === 0, 5000, 'the connection to be freed');
    } finally {
      context.free();
      await relay.stop();
      await new Promise(r => server.close(r));
    }
  });

  test('connectWebSocket through the relay, the other way: a client writing 100 MB to a server that never reads is held back (bufferedAmount); linear memory stays flat', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const peer = stalledPeer(['server', fixturePath('server.pem'), fixturePath('server.key')]);
    const relayed = (async () => {
      const port = Number((await whenReady(peer, /listening (\d+)/, 10_000, 'the stalled server'))[1]);
      return { port, relay: await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${port}`]) };
    })();
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    const WebSocket = await webSocketClass();
    const { port, relay } = await relayed;
    try {
      const stream = await connectWebSocket(`${relay.url}?target=127.0.0.1:${port}`, { openssl: ossl, context, serverName: 'localhost', WebSocket });
      await stream.handshake;
      const before = heap(ossl);
      const writer = stream.writable.getWriter();
      const run = await writeUntilStalled(chunk => writer.write(chunk), 100 * MiB, 1500);
      ok(run.stalled, `the client's writes are blocked (${run.written} bytes written)`);
      ok(run.written < 64 * MiB, `only what the socket buffers and queues hold got through: ${run.written >> 20} MiB of 100`);
      ok(heap(ossl) - before <= MiB, `linear memory in use grew by ${heap(ossl) - before} bytes`);
      equal(stream.connection.outgoingBytes, 0, 'nothing waits in the write BIO');
      // abort() ends it although a write is stuck behind a peer that never reads (it once waited for it forever).
      await writer.abort(new Error('test over')).catch(() => undefined);
      await until(() => ossl.stats().handles.Connection === 0, 5000, 'the connection to be freed');
    } finally {
      context.free();
      await relay.stop();
      await peer.stop();
    }
  });
}, { runtimes: ['node', 'deno'] });

suite('bounded buffering over sockets: Deno adapter', test => {
  test('listenDeno: a client writing 100 MB to a server whose application never reads is held back; linear memory stays bounded', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key') });
    const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context });
    const accepted: { limit: number; incoming: () => number }[] = [];
    const serving = (async () => {
      for await (const stream of listener) {
        // The application takes the connection and never reads from it.
        stream.handshake.then(() => accepted.push({ limit: stream.connection.maxIncomingBytes, incoming: () => stream.connection.incomingBytes }), () => undefined);
      }
    })().catch(() => undefined);
    const client = tls.connect({ host: '127.0.0.1', port: listener.addr.port, servername: 'localhost', ca: pem('ca.pem') });
    client.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => { client.once('secureConnect', resolve); client.once('error', reject); });
      await until(() => accepted.length === 1, 5000, 'the server handshake');
      const before = heap(ossl);
      const run = await writeUntilStalled(socketWriter(client), 100 * MiB, 1500);
      ok(run.stalled, `the client's writes are blocked (${run.written} bytes written)`);
      ok(run.written < 64 * MiB, `only what the socket buffers and queues hold got through: ${run.written >> 20} MiB of 100`);
      ok(heap(ossl) - before <= bound(accepted[0]!.limit), `linear memory in use grew by ${heap(ossl) - before} bytes`);
      ok(accepted[0]!.incoming() <= accepted[0]!.limit);
    } finally {
      client.destroy();
      listener.close();
      await serving;
      context.free();
    }
  });

  test('listenDeno, the other way: a server application writing 100 MB to a client that never reads is held back; linear memory stays flat', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key') });
    const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context });
    let run: Promise<{ written: number; stalled: boolean; before: number; outgoing: number; after: number }> | null = null;
    const serving = (async () => {
      for await (const stream of listener) {
        let ended: unknown = null;
        stream.closed.catch((e: unknown) => { ended = e; });
        run = (async () => {
          await stream.handshake;
          const before = heap(ossl);
          const writer = stream.writable.getWriter();
          const r = await writeUntilStalled(chunk => writer.write(chunk), 100 * MiB, 1500).catch((e: Error) => {
            throw new Error(`a write failed: ${e.message}; the stream ended with ${String(ended)}`);
          });
          const result = { ...r, before, after: heap(ossl), outgoing: stream.connection.outgoingBytes };
          await writer.abort(new Error('test over')).catch(() => undefined); // a write stuck behind the peer does not hold it
          return result;
        })();
        run.catch(() => undefined); // awaited by the test
      }
    })().catch(() => undefined);
    const peer = stalledPeer(['client', String(listener.addr.port), fixturePath('ca.pem')]);
    try {
      await whenReady(peer, /secure/, 10_000, 'the stalled client');
      await until(() => run !== null, 5000, 'the server handshake');
      const r = await run!.catch((e: Error) => { throw new Error(`${e.message}; the peer said: ${peer.output()} (exit ${peer.exitCode()})`); });
      ok(r.stalled, `the server's writes are blocked (${r.written} bytes written)`);
      ok(r.written < 64 * MiB, `only what the socket buffers and queues hold got through: ${r.written >> 20} MiB of 100`);
      ok(r.after - r.before <= MiB, `linear memory in use grew by ${r.after - r.before} bytes`);
      equal(r.outgoing, 0, 'nothing waits in the write BIO');
      await until(() => ossl.stats().handles.Connection === 0, 5000, 'the aborted stream to free its connection');
    } finally {
      await peer.stop();
      listener.close();
      await serving;
      context.free();
    }
  });

  test("listenDeno: close() while the server's writes are held back by a client that never reads: the TCP connection is cut after close()'s bound, the connection freed", async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key') });
    const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context });
    const peer = stalledPeer(['client', String(listener.addr.port), fixturePath('ca.pem')]);
    try {
      const conn = await listener.accept();
      await conn.handshake;
      await whenReady(peer, /secure/, 10_000, 'the stalled client');
      const run = await writeUntilStalled(chunk => conn.write(chunk).then(() => undefined), 100 * MiB, 1500);
      ok(run.stalled, `the server's writes are blocked (${run.written} bytes written)`);
      // As Deno's close(), what was written would go out first: it cannot, the client is not reading.
      conn.close();
      await rejects(conn.closed, /closed with close\(\)/);
      equal(ossl.stats().handles.Connection, 0, 'the connection is freed');
      await run.pending?.catch(() => undefined);
    } finally {
      await peer.stop();
      listener.close();
      context.free();
    }
  });
}, { runtimes: ['deno'] });
