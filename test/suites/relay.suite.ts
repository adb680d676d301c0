// The WebSocket relay (relay/relay.mjs, the package's `openssl-wasm-relay`), run as the command,
// with the `ws` package as its client and plain TCP servers as targets, all on 127.0.0.1.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { equal, match, ok } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { settled, until, within } from '../lib/wait.ts';
import { relayScript, runRelay } from '../io/relay.ts';
import { wsPackage as WebSocketClass } from '../io/websocket-class.ts';
import { text } from '../lib/bytes.ts';

/**
 * The bound of every wait here for an event that must come (an exit, a close, a log line, the end
 * of a transfer): each waits on the event itself and returns when it comes, so the bound only
 * decides how soon a broken relay is reported. Generous: on a loaded 2-core machine a child
 * process's start or a 64 MiB transfer can take many seconds; the harness gives each test 60.
 */
const MUST_COME = 30_000;

/** How long a flow may run before it must have stopped (the buffers on its way full); it returns as soon as it has. */
const SETTLES = 20_000;

interface Client {
    ws: any;
  received(): Uint8Array;
  closed: Promise<{ code: number; reason: string }>;
}

/** A `ws` client of the relay; resolves once the WebSocket is open. */
async function client(url: string): Promise<Client> {
  const WebSocket = await WebSocketClass();
  const ws = new WebSocket(url);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const closed = new Promise<{ code: number; reason: string }>(resolve => ws.on('close', (code: number, reason: Uint8Array) => resolve({ code, reason: new TextDecoder().decode(reason) })));
  ws.on('message', (data: Uint8Array) => { chunks.push(new Uint8Array(data)); size += data.length; });
  await within(new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  }), MUST_COME, 'the WebSocket to open');
  return {
    ws, closed,
    received() {
      const all = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) { all.set(c, at); at += c.length; }
      return all;
    },
  };
}

/** A TCP server on a free port of 127.0.0.1; `onConnection` gets each socket. */
async function tcpServer(onConnection: (s: net.Socket) => void = () => undefined): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, s => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise<void>(r => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

suite('WebSocket relay', test => {
  test('refuses to start without --allow (never an open proxy), or with a malformed one', async () => {
    for (const args of [[], ['--listen', '127.0.0.1:0'], ['--listen', '127.0.0.1:0', '--allow', 'example.org']]) {
      const relay = await runRelay(args);
      try {
        await until(() => relay.exitCode() !== null, MUST_COME, 'the relay to exit');
        equal(relay.exitCode(), 2, `exit code for ${JSON.stringify(args)}`);
        equal(relay.port, 0, 'it never listened');
        match(relay.output(), args.length < 3 ? /refusing to start without --allow HOST:PORT/ : /--allow must be HOST:PORT/);
      } finally {
        await relay.stop();
      }
    }
  });

  test('a target not on the allow-list is refused with close code 1008, and never connected to', async () => {
    const allowedServer = await tcpServer(), other = await tcpServer();
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${allowedServer.port}`]);
    try {
      for (const path of [`?target=127.0.0.1:${other.port}`, `127.0.0.1:${other.port}`, `?target=localhost:${allowedServer.port}`, '']) {
        const c = await client(`${relay.url}${path}`);
        const closed = await within(c.closed, MUST_COME, 'the relay to close');
        equal(closed.code, 1008, `close code for "${path}"`);
        match(closed.reason, path ? /is not on the relay's allow-list/ : /no target/);
      }
      equal(other.connections(), 0, 'the relay never connected to the other server');
      equal(allowedServer.connections(), 0, 'nor to the allowed one by another name (names are compared, not resolved)');
      await until(() => (relay.output().match(/ refused /g) ?? []).length === 4, MUST_COME, 'four log lines');
      match(relay.output(), new RegExp(`relay #1 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${other.port} refused \\(not on the allow-list\\)`));
    } finally {
      await relay.stop();
      await allowedServer.close();
      await other.close();
    }
  });

  test('an allowed target: bytes both ways (2 MiB echoed intact), close and half-close both ways, a log line each', async () => {
    let mode = 'echo';
    const seen: { data: number; ended: boolean }[] = [];
    const target = await tcpServer(s => {
      if (mode === 'echo') s.pipe(s);
      else if (mode === 'greet-and-end') s.end('hello from the target\n'); // FIN after the greeting
      else { // collect what the client sent until its FIN
        const record = { data: 0, ended: false };
        seen.push(record);
        s.on('data', d => { record.data += d.length; });
        s.on('end', () => { record.ended = true; s.end(); });
      }
    });
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${target.port}`]);
    const url = `${relay.url}?target=127.0.0.1:${target.port}`;
    try {
      // Both ways: what goes up comes back down, byte for byte.
      const payload = new Uint8Array(2 << 20);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) >>> 3;
      const c1 = await client(url);
      for (let at = 0; at < payload.length; at += 65536) c1.ws.send(payload.subarray(at, at + 65536));
      await until(() => c1.received().length >= payload.length, MUST_COME, 'the echo');
      const back = c1.received();
      equal(back.length, payload.length);
      ok(back.every((b, i) => b === payload[i]), 'the echo is intact');
      c1.ws.close(1000);
      equal((await within(c1.closed, MUST_COME, 'close')).code, 1000);

      // The target ends its side: the client gets what it sent, then close code 1000.
      mode = 'greet-and-end';
      const c2 = await client(url);
      const closed2 = await within(c2.closed, MUST_COME, 'the relay to close');
      equal(text(c2.received()), 'hello from the target\n');
      equal(closed2.code, 1000);
      equal(closed2.reason, 'the target closed the connection');

      // The client closes: the target gets everything it sent, then a FIN (not a reset).
      mode = 'collect';
      const c3 = await client(url);
      for (let i = 0; i < 16; i++) c3.ws.send(new Uint8Array(10_000));
      c3.ws.close(1000);
      await within(c3.closed, MUST_COME, 'close');
      await until(() => seen[0]?.ended === true, MUST_COME, 'the target to see the end of the stream');
      equal(seen[0]!.data, 160_000);

      await until(() => (relay.output().match(/ ok up=/g) ?? []).length === 3, MUST_COME, 'three log lines');
      const lines = relay.output().split('\n').filter(l => / ok up=/.test(l));
      match(lines[0]!, new RegExp(`-> 127\\.0\\.0\\.1:${target.port} ok up=${payload.length} down=${payload.length} ws-close=1000 `));
      match(lines[1]!, / ok up=0 down=22 ws-close=1000 /);
      match(lines[2]!, / ok up=160000 down=0 ws-close=1000 /);
    } finally {
      await relay.stop();
      await target.close();
    }
  });

  test('bounded buffers, down: a client that stops reading stops the target, and then gets every byte', async () => {
    const total = 64 << 20;
    let accepted = 0; // bytes the target's socket took (it writes only while the socket drains)
    const target = await tcpServer(s => {
      const chunk = new Uint8Array(1 << 16);
      const pump = () => {
        while (accepted < total) {
          for (let i = 0; i < chunk.length; i += 4096) chunk[i] = ((accepted + i) >>> 12) & 0xff;
          accepted += chunk.length;
          if (!s.write(chunk)) { s.once('drain', pump); return; }
        }
        s.end();
      };
      pump();
    });
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${target.port}`]);
    try {
      const c = await client(`${relay.url}?target=127.0.0.1:${target.port}`);
      c.ws.pause(); // stop reading: TCP's flow control reaches the relay
      // Once every buffer on the way is full the target's writes stop: unbounded buffering would
      // instead take all 64 MiB before settling.
      const whilePaused = await settled(() => accepted, SETTLES, 'the target\'s writes');
      ok(whilePaused < total / 2, `the target could write only ${(whilePaused / 2 ** 20).toFixed(1)} MiB of 64 while the client was not reading`);
      c.ws.resume();
      const closed = await within(c.closed, MUST_COME, 'the whole transfer');
      equal(closed.code, 1000);
      const got = c.received();
      equal(got.length, total);
      let intact = true;
      for (let i = 0; i < total; i += 4096) if (got[i] !== ((i >>> 12) & 0xff)) { intact = false; break; }
      ok(intact, 'every byte arrived in order');
    } finally {
      await relay.stop();
      await target.close();
    }
  });

  test('bounded buffers, up: a target that stops reading stops the client, and then gets every byte', async () => {
    const total = 64 << 20;
    let received = 0, sock: net.Socket | null = null;
    const target = await tcpServer(s => {
      sock = s;
      s.pause(); // not reading, for now
      s.on('data', d => { received += d.length; });
      s.on('end', () => s.end());
    });
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${target.port}`]);
    try {
      const c = await client(`${relay.url}?target=127.0.0.1:${target.port}`);
      await until(() => sock !== null, MUST_COME, 'the relay to connect');
      const chunk = new Uint8Array(1 << 16);
      for (let at = 0; at < total; at += chunk.length) c.ws.send(chunk);
      const stillQueued = await settled(() => c.ws.bufferedAmount as number, SETTLES, 'the client\'s queue');
      ok(stillQueued > total / 2, `the relay took only ${((total - stillQueued) / 2 ** 20).toFixed(1)} MiB of 64 from the client while the target was not reading`);
      sock!.resume();
      await until(() => received === total, MUST_COME, 'the whole transfer');
      c.ws.close(1000);
      equal((await within(c.closed, MUST_COME, 'close')).code, 1000);
    } finally {
      await relay.stop();
      await target.close();
    }
  });

  test('text messages are refused with close code 1003', async () => {
    const target = await tcpServer();
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${target.port}`]);
    try {
      const c = await client(`${relay.url}?target=127.0.0.1:${target.port}`);
      c.ws.send('GET / HTTP/1.0\r\n\r\n');
      const closed = await within(c.closed, MUST_COME, 'the relay to close');
      equal(closed.code, 1003);
      equal(closed.reason, 'binary messages only');
    } finally {
      await relay.stop();
      await target.close();
    }
  });

  test('the package: "bin" openssl-wasm-relay is a copy of relay/relay.mjs in dist/; idb-keyval is bundled into dist/', () => {
    const root = new URL('../../', import.meta.url);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
    equal(pkg.bin?.['openssl-wasm-relay'], 'dist/relay.mjs');
    match(pkg.dependencies?.ws ?? '', /^\d+\.\d+\.\d+$/, '`ws` is a dependency, pinned');
    const built = new URL('dist/relay.mjs', root);
    ok(existsSync(built), 'dist/relay.mjs exists (./build.sh)');
    equal(readFileSync(built, 'utf8'), readFileSync(relayScript, 'utf8'), 'dist/relay.mjs is up to date');
    // No bare import of idb-keyval is left for a browser without a bundler (or an import map) to fail on.
    const js = readdirSync(new URL('dist/', root)).filter(f => f.endsWith('.js'));
    const bare = js.filter(f => /\bfrom\s*["']idb-keyval["']|import\(\s*["']idb-keyval["']/.test(readFileSync(new URL(`dist/${f}`, root), 'utf8')));
    equal(bare.join(), '', 'no dist/*.js imports idb-keyval');
    ok(js.some(f => readFileSync(new URL(`dist/${f}`, root), 'utf8').includes('createObjectStore')), 'its code is in dist/');
  });
}, { runtimes: ['node'] });
