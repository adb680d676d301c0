// connectWebSocket through the relay (relay/relay.mjs, as a child process) to native
// `openssl s_server -www`, on 127.0.0.1: full handshakes, then resumed ones from a session store,
// with s_server's own New/Reused verdict. Node (with the `ws` package's WebSocket where there is no
// global one, as in Node 20) and Deno (its global WebSocket).
import * as nodeTls from 'node:tls';
import { connectWebSocket, MemorySessionStore, OpenSSL } from '../../ts/index.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { request } from '../lib/streams.ts';
import { suite } from '../lib/suite.ts';
import { until } from '../lib/wait.ts';
import { sServer } from '../io/peers.ts';
import { runRelay } from '../io/relay.ts';
import { closeServer, listen, pem } from '../io/node-tls.ts';
import { webSocketClass } from '../io/websocket-class.ts';

suite('connectWebSocket through the relay', test => {
  for (const [flag, version] of [['-tls1_3', 'TLSv1.3'], ['-tls1_2', 'TLSv1.2']] as const) {
    test(`${version}: full handshake, then resumed from the session store; s_server says New, then Reused`, async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      const server = await sServer(['-www', flag]);
      const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${server.port}`]);
      const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
      const store = new MemorySessionStore();
      const options = { openssl: ossl, context, serverName: 'localhost', sessionStore: store, WebSocket: await webSocketClass() };
      const url = `${relay.url}?target=127.0.0.1:${server.port}`;
      try {
        const first = await connectWebSocket(url, options);
        await first.handshake;
        equal(first.connection.protocol, version);
        equal(first.connection.sessionReused, false);
        match(await request(first, 'GET / HTTP/1.0\r\n\r\n'), new RegExp(`\\nNew, ${version}, Cipher is `));
        await first.closed;
        equal(store.size, 1, 'the session was stored');
        const second = await connectWebSocket(url, options);
        await second.handshake;
        equal(second.connection.sessionReused, true, 'resumed from the store');
        match(await request(second, 'GET / HTTP/1.0\r\n\r\n'), new RegExp(`\\nReused, ${version}, Cipher is `));
        await second.closed;
        match(relay.output(), new RegExp(`-> 127\\.0\\.0\\.1:${server.port} ok up=\\d+ down=\\d+ ws-close=1000 `));
      } finally {
        context.free();
        await relay.stop();
        await server.stop();
      }
    });
  }

  test("half-close through the relay: the client closes writable after its request (close_notify), Node's server (allowHalfOpen) answers after 'end', the WebSocket closes with 1000 after the answer", async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const seen: string[] = [];
    const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true }, s => {
      let request = '';
      s.on('data', (d: Buffer) => { request += d.toString(); });
      s.on('end', () => { seen.push(`end: ${request}`); setTimeout(() => s.end(`answer to ${request}`), 20); });
      s.on('error', e => seen.push(`error: ${e.message}`));
    });
    const port = await listen(server);
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${port}`]);
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    try {
      const tls = await connectWebSocket(`${relay.url}?target=127.0.0.1:${port}`, { openssl: ossl, context, serverName: 'localhost', WebSocket: await webSocketClass() });
      await tls.handshake;
      const w = tls.writable.getWriter();
      await w.write(new TextEncoder().encode('request'));
      await w.close(); // close_notify; the WebSocket stays open for the answer
      let answer = '';
      const reader = tls.readable.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) answer += new TextDecoder().decode(r.value);
      equal(answer, 'answer to request');
      await tls.closed;
      equal(seen.join(), 'end: request');
      const line = new RegExp(`-> 127\\.0\\.0\\.1:${port} ok up=\\d+ down=\\d+ ws-close=1000 `);
      await until(() => line.test(relay.output()), 5000, "the relay's log line");
      equal(ossl.stats().handles.Connection, 0, 'the connection was freed');
    } finally {
      context.free();
      await relay.stop();
      await closeServer(server);
    }
  });

  test('a target the relay refuses (1008) or cannot reach (1011) fails the handshake with the relay\'s reason', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www']);
    const closedPort = server.port === 1 ? 2 : 1; // nothing listens on port 1 of 127.0.0.1
    const relay = await runRelay(['--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${server.port}`, '--allow', `127.0.0.1:${closedPort}`]);
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    const WebSocket = await webSocketClass();
    try {
      const refused = await connectWebSocket(`${relay.url}?target=127.0.0.1:9`, { openssl: ossl, context, serverName: 'localhost', WebSocket });
      const e1 = await rejects(refused.handshake) as Error;
      match(e1.message, /code 1008: target 127\.0\.0\.1:9 is not on the relay's allow-list/);
      const unreachable = await connectWebSocket(`${relay.url}?target=127.0.0.1:${closedPort}`, { openssl: ossl, context, serverName: 'localhost', WebSocket });
      const e2 = await rejects(unreachable.handshake) as Error;
      match(e2.message, /code 1011: target 127\.0\.0\.1:\d+: ECONNREFUSED/);
      equal(ossl.stats().handles.Connection, 0, 'both connections were freed');
    } finally {
      context.free();
      await relay.stop();
      await server.stop();
    }
  });

  test('misuse: no serverName while verifying, a bad URL, a WebSocket that cannot connect', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const WebSocket = await webSocketClass();
    await rejects(connectWebSocket('ws://127.0.0.1:9/', { openssl: ossl, contextOptions: { ca: pem('ca.pem') }, WebSocket }), TypeError);
    await rejects(connectWebSocket('not a url', { openssl: ossl, serverName: 'localhost', WebSocket }), TypeError);
    const e = await rejects(connectWebSocket('ws://127.0.0.1:9/', { openssl: ossl, serverName: 'localhost', contextOptions: { ca: pem('ca.pem') }, WebSocket })) as Error;
    match(e.message, /WebSocket/);
    ok(!(e instanceof TypeError), 'a network failure, not a TypeError');
    const stats = ossl.stats().handles;
    equal(stats.Context, 0, 'the contexts made for these calls were freed');
    equal(stats.Connection, 0);
  });
}, { runtimes: ['node', 'deno'] });
