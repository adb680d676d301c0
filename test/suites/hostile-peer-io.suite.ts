// A hostile peer over real sockets (task "hostile"; the in-memory attacks are in hostile-peer):
// a native `openssl s_client` asking our servers to renegotiate (the `R` command), and a slow
// client (slowloris) that sends its ClientHello a byte at a time and never finishes it.
import * as net from 'node:net';
import { Buffer } from 'node:buffer';
import { Duplex } from 'node:stream';
import { MemorySessionStore, OpenSSL, OpenSSLError } from '../../ts/index.ts';
import { connect, createServer } from '../../ts/node.ts';
import { listenDeno } from '../../ts/deno.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { catchTimer } from '../lib/timers.ts';
import { settled, until } from '../lib/wait.ts';
import { Input, SERVER_KEY, wasmServer } from '../io/cli-run.ts';
import { closeServer, listen, once, pem } from '../io/node-tls.ts';
import { sServer } from '../io/peers.ts';
import { startChild, whenReady } from '../io/process.ts';

/**
 * Native s_client (TLS 1.2) to `port`: once connected, its `R` command asks to renegotiate.
 * Returns all it printed.
 */
async function clientRenegotiates(port: number): Promise<string> {
  const client = startChild('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2'], { stdin: 'pipe' });
  try {
    await whenReady(client, /Verify return code: /, 10_000, 's_client to connect');
    client.proc.stdin!.write('R\n');
    await until(() => /no renegotiation|RENEGOTIATING[\s\S]*(error|closed)/i.test(client.output()) || client.exitCode() !== null, 10_000, 's_client to renegotiate');
    return client.output();
  } finally {
    await client.stop();
  }
}

/** A real ClientHello (TLS 1.3, from a wasm client), for a peer that sends it slowly. */
function clientHello(ossl: OpenSSL): Uint8Array {
  const ctx = ossl.createContext({ role: 'client', verifyPeer: false });
  const c = ctx.createConnection({ serverName: 'localhost' });
  c.handshake();
  const hello = c.takeOutgoing();
  c.free();
  ctx.free();
  return hello;
}

/** Connects to `port` and writes `bytes` one byte every `ms` until the peer closes; resolves when it does. */
function slowloris(port: number, bytes: Uint8Array, ms: number): Promise<{ sent: number }> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < bytes.length - 1 && socket.writable) socket.write(bytes.subarray(sent, ++sent)); // never the last byte
    }, ms);
    socket.on('error', () => undefined);
    socket.on('close', () => { clearInterval(timer); resolve({ sent }); });
    // Bounded: a server that never closes fails the test instead of hanging it.
    setTimeout(() => socket.destroy(), 10_000).unref?.();
  });
}

suite('hostile peer over sockets: renegotiation and slow clients', test => {
  test('native s_client asking the Node adapter server to renegotiate: refused (OpenSSL 3: no client renegotiation), its error clear, the connection freed', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const errors: Error[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') }, socket => {
      socket.on('error', e => errors.push(e));
    });
    const port = await listen(server);
    try {
      const out = await clientRenegotiates(port);
      match(out, /RENEGOTIATING/, 's_client asked');
      match(out, /no renegotiation/, 'and our server refused (its no_renegotiation alert)');
      await until(() => ossl.stats().handles.Connection === 0, 5000, 'the connection to be freed');
    } finally {
      await closeServer(server);
    }
    equal(ossl.stats().handles.Connection, 0);
    // What the server saw: the client gave up with a handshake_failure alert, named as OpenSSL names it.
    // What the server's socket saw: the client gave up with a handshake_failure alert, in OpenSSL's words.
    equal(errors.length, 1, 'one error');
    ok(errors[0] instanceof OpenSSLError, String(errors[0]));
    match(errors[0].message, /alert handshake failure/);
  });

  test('native s_client asking the CLI s_server to renegotiate: refused, the failure reported, and the server goes on serving', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const stdin = new Input(undefined, false); // s_server, as native, ends when its input does
    const server = await wasmServer(ossl, [...SERVER_KEY], { stdin });
    let run: { err: string } | undefined;
    try {
      for (const which of ['first', 'second']) {
        const out = await clientRenegotiates(server.port);
        match(out, /RENEGOTIATING/, `${which} client asked`);
        match(out, /no renegotiation/, `our server refused the ${which}`);
      }
    } finally {
      stdin.end();
      run = await server.stop().catch(() => undefined);
    }
    // As native s_server's "ERROR" line: the client's handshake_failure alert, in OpenSSL's words.
    equal(run?.err.match(/s_server: connection failed: .*alert handshake failure/g)?.length, 2, run?.err);
    await until(() => ossl.stats().handles.Connection === 0, 5000, 'the connections to be freed');
  });

  test('native s_server (TLS 1.2) asking the Node adapter client to renegotiate 40 times: each done, data still flows, memory flat', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-tls1_2']);
    const renegotiations = () => server.output().match(/SSL_do_handshake -> 1/g)?.length ?? 0;
    const socket = connect({ port: server.port, host: '127.0.0.1', servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
    const errors: Error[] = [];
    socket.on('error', e => errors.push(e));
    try {
      await once(socket, 'secureConnect');
      /** The server's `r` command (SSL_renegotiate, then its HelloRequest), then a line of ours it must read after. */
      const round = async (i: number) => {
        server.proc.stdin!.write('r\n');
        await until(() => renegotiations() > i, 5000, `s_server's renegotiation ${i + 1}`);
        socket.write(`ping ${i}\n`);
        await until(() => server.output().includes(`ping ${i}\n`), 5000, `line ${i} through the renegotiated connection`);
      };
      for (let i = 0; i < 10; i++) await round(i); // OpenSSL's lazily made state
      const heap0 = ossl.stats().heapInUse;
      for (let i = 10; i < 40; i++) await round(i);
      await until(() => ossl.stats().heapInUse - heap0 < 4096, 2000, 'the heap to settle');
      equal(errors.length, 0, errors.map(String).join());
      equal(socket.connection!.context.sessionStats.connectRenegotiate, 40, 'our client renegotiated each time');
    } finally {
      socket.destroy();
      await server.stop();
    }
    await until(() => ossl.stats().handles.Connection === 0 && ossl.stats().handles.Context === 0, 5000, 'the connection and its context to be freed');
  });

  test('a server sending 3,000 session tickets to the Node adapter client: 3,000 \'session\' events, one stored session, no session kept, memory bounded', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL }), peer = await OpenSSL.load({ wasm: wasmURL });
    const sctx = peer.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key'), numTickets: 0 });
    const s = sctx.createConnection();
    const wire = new Duplex({
      read() { /* pushed below */ },
      write(chunk: Buffer, _enc, cb) {
        s.receive(new Uint8Array(chunk));
        if (s.isHandshakeDone) s.read(); else s.handshake();
        const out = s.takeOutgoing();
        if (out.length) this.push(out);
        cb();
      },
    });
    const store = new MemorySessionStore();
    const socket = connect({ socket: wire as unknown as net.Socket, host: 'flood.test', port: 443, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), sessionStore: store });
    let sessions = 0, peak = 0, heap0 = 0;
    socket.on('session', () => { sessions++; peak = Math.max(peak, ossl.stats().heapInUse - heap0); });
    try {
      await once(socket, 'secureConnect');
      heap0 = ossl.stats().heapInUse;
      const tickets: Uint8Array[] = [];
      for (let i = 0; i < 3000; i++) {
        peer.raw.capi.SSL_new_session_ticket(s.pointer);
        s.handshake();
        tickets.push(s.takeOutgoing());
      }
      wire.push(Buffer.concat(tickets)); // one chunk of 700 KB (the transport's chunk size is its own)
      await until(() => sessions === 3000, 10_000, 'every ticket\'s \'session\' event');
      ok(peak < 512 * 1024, `while the tickets were delivered the client held ${peak} bytes more`);
      equal(store.size, 1, 'the store keeps the newest session');
      equal(ossl.stats().handles.Session, 0, 'no session kept');
    } finally {
      socket.destroy();
      s.free();
      sctx.free();
    }
    await until(() => ossl.stats().handles.Connection === 0 && ossl.stats().handles.Context === 0, 5000, 'the connection and its context to be freed');
  });

  test('a server sending KeyUpdates that ask for ours and never reading: the Node adapter client stops reading it once 64 KiB of answers wait', async () => {
    // The server is a wasm connection behind a Duplex given as connect's socket: it stops taking
    // the client's bytes (no write callback) once it starts its flood of KeyUpdates.
    const ossl = await OpenSSL.load({ wasm: wasmURL }), peer = await OpenSSL.load({ wasm: wasmURL });
    const sctx = peer.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key') });
    const s = sctx.createConnection();
    let stalled = false;
    const held: (() => void)[] = [];
    const wire = new Duplex({
      read() { /* pushed below */ },
      write(chunk: Buffer, _enc, cb) {
        const take = () => {
          s.receive(new Uint8Array(chunk));
          if (s.isHandshakeDone) s.read(); else s.handshake();
          const out = s.takeOutgoing();
          if (out.length) this.push(out);
          cb();
        };
        if (stalled) held.push(take);
        else take();
      },
    });
    const socket = connect({ socket: wire as unknown as net.Socket, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
    const errors: Error[] = [];
    socket.on('error', e => errors.push(e));
    try {
      await once(socket, 'secureConnect');
      stalled = true;
      const REQUESTED = 1; // SSL_KEY_UPDATE_REQUESTED
      let flood = 0;
      for (let i = 0; i < 16_000; i++) {
        peer.raw.capi.SSL_key_update(s.pointer, REQUESTED);
        s.handshake();
        const out = s.takeOutgoing();
        flood += out.length;
        wire.push(out);
      }
      for (let i = 0; i < 50; i++) await new Promise(r => setTimeout(r, 2));
      ok(wire.writableLength < 256 * 1024, `answers waiting for the peer: ${wire.writableLength} bytes (of ${flood} asked for)`);
      ok(wire.readableLength > flood / 2, `the rest of the flood waits unread: ${wire.readableLength} bytes`);
      // The server reads again: the rest is read and answered.
      stalled = false;
      for (const take of held.splice(0)) take();
      await until(() => wire.readableLength === 0 && wire.writableLength === 0, 10_000, 'the flood to be read and answered');
      equal(errors.length, 0, errors.map(String).join());
    } finally {
      socket.destroy();
      s.free();
      sctx.free();
    }
    await until(() => ossl.stats().handles.Connection === 0 && ossl.stats().handles.Context === 0, 5000, 'the connection and its context to be freed');
  });

  test('a client sending KeyUpdates that ask for ours while a \'newSession\' callback holds the output: the Node adapter server stops reading it once 64 KiB of answers are held', async () => {
    // The client is a wasm connection behind a Duplex given to the server as a connection. The
    // server's 'newSession' listener keeps its callback, so the server holds its output (the
    // tickets, then every answer) as Node's does; the client floods KeyUpdates meanwhile.
    const ossl = await OpenSSL.load({ wasm: wasmURL }), peer = await OpenSSL.load({ wasm: wasmURL });
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') });
    const callbacks: (() => void)[] = []; // one per ticket (two by default)
    server.on('newSession', (_id: Buffer, _data: Buffer, done: () => void) => { callbacks.push(done); });
    let tls: net.Socket | null = null;
    server.on('secureConnection', (t: net.Socket) => { tls = t; t.on('error', () => undefined); });
    const cctx = peer.createContext({ role: 'client', ca: pem('ca.pem') });
    const c = cctx.createConnection({ serverName: 'localhost' });
    const wire = new Duplex({
      read() { /* pushed below */ },
      write(chunk: Buffer, _enc, cb) {
        c.receive(new Uint8Array(chunk));
        if (c.isHandshakeDone) c.read(); else c.handshake();
        const out = c.takeOutgoing();
        if (out.length) this.push(out);
        cb();
      },
    });
    try {
      server.emit('connection', wire);
      c.handshake();
      wire.push(c.takeOutgoing());
      await until(() => c.isHandshakeDone && callbacks.length > 0, 30_000, 'the handshake, and a \'newSession\' callback holding the tickets');
      const REQUESTED = 1; // SSL_KEY_UPDATE_REQUESTED
      let flood = 0;
      for (let i = 0; i < 16_000; i++) {
        peer.raw.capi.SSL_key_update(c.pointer, REQUESTED);
        c.handshake();
        const out = c.takeOutgoing();
        flood += out.length;
        wire.push(out);
      }
      // Each KeyUpdate read makes one answer, held: once 64 KiB of them are, the server stops reading.
      const unread = await settled(() => wire.readableLength, 30_000, 'the server\'s reading');
      ok(unread > flood / 2, `the rest of the flood waits unread: ${unread} of ${flood} bytes`);
      // The callbacks: the held output goes, and the server reads and answers the rest.
      for (const done of callbacks) done();
      await until(() => wire.readableLength === 0 && wire.writableLength === 0, 30_000, 'the flood to be read and answered');
      ok(c.isHandshakeDone && c.alive, 'the client took every answer');
    } finally {
      (tls as net.Socket | null)?.destroy();
      wire.destroy();
      c.free();
      cctx.free();
      await closeServer(server);
    }
    await until(() => ossl.stats().handles.Connection === 0, 30_000, 'the server connection to be freed');
  });

  test('the Node adapter\'s default handshakeTimeout: 120 s for a server, 30 s for a client; when it fires the socket fails and its connection is freed', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    // A server, and a client that connects and says nothing.
    const errors: (Error & { code?: string })[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') });
    server.on('tlsClientError', (e: Error) => errors.push(e));
    const port = await listen(server);
    const silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    try {
      const fire = await catchTimer(120_000, () => until(() => ossl.stats().handles.Connection === 1, 5000, 'the server connection'));
      ok(fire, 'a 120 s timer was armed');
      fire();
      await until(() => errors.length > 0 && ossl.stats().handles.Connection === 0, 5000, 'the error and the free');
      equal(errors[0].code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
      match(errors[0].message, /after 120000 ms/);
    } finally {
      silent.destroy();
      await closeServer(server);
    }
    // A client, and a server that accepts and says nothing.
    const mute = net.createServer(socket => socket.on('error', () => undefined));
    const mutePort = await listen(mute);
    try {
      const clientErrors: (Error & { code?: string })[] = [];
      const fire = await catchTimer(30_000, async () => {
        const socket = connect({ port: mutePort, host: '127.0.0.1', servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
        socket.on('error', e => clientErrors.push(e));
        await until(() => ossl.stats().handles.Connection === 1, 5000, 'the client connection');
      });
      ok(fire, 'a 30 s timer was armed');
      fire();
      await until(() => clientErrors.length > 0, 5000, 'the client\'s error');
      equal(clientErrors[0].code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
      match(clientErrors[0].message, /after 30000 ms/);
      await until(() => ossl.stats().handles.Connection === 0 && ossl.stats().handles.Context === 0, 5000, 'the connection and its context to be freed');
    } finally {
      await closeServer(mute);
    }
  });

  test('a client sending its ClientHello a byte every 100 ms: the Node adapter server\'s handshakeTimeout ends it and frees the connection', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const errors: { code?: string; message: string }[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), handshakeTimeout: 800 });
    server.on('tlsClientError', (e: Error & { code?: string }) => errors.push(e));
    const port = await listen(server);
    try {
      const { sent } = await slowloris(port, clientHello(ossl), 100);
      ok(sent > 3 && sent < 30, `the server closed after ${sent} bytes`);
      await until(() => errors.length > 0 && ossl.stats().handles.Connection === 0, 5000, 'the error and the free');
      equal(errors[0].code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
      match(errors[0].message, /TLS handshake timed out after 800 ms/);
    } finally {
      await closeServer(server);
    }
  });
}, { runtimes: ['node', 'deno'] });

suite('hostile peer over sockets: slow clients, Deno adapter', test => {
  test('a client sending its ClientHello a byte every 100 ms: listenDeno\'s handshakeTimeout ends it and frees the connection', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key') });
    const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context, handshakeTimeout: 800 });
    let failure: unknown = null;
    const serving = (async () => {
      for await (const stream of listener) failure = await rejects(stream.handshake);
    })();
    try {
      const { sent } = await slowloris(listener.addr.port, clientHello(ossl), 100);
      ok(sent > 3 && sent < 30, `the server closed after ${sent} bytes`);
      await until(() => failure !== null && ossl.stats().handles.Connection === 0, 5000, 'the error and the free');
      match((failure as Error).message, /TLS handshake timed out after 800 ms/);
    } finally {
      listener.close();
      await serving;
      context.free();
    }
  });
}, { runtimes: ['deno'] });
