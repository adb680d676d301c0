// Half-close over TCP with real peers: the Node adapter's allowHalfOpen against Node's own tls (each
// side ending first), our-to-our, and native openssl (3.0) s_server and s_client; the Deno adapter's
// closeWrite() and its half-open default (Deno's) against Deno's own TLS (Deno.connectTls /
// Deno.listenTls) and s_server. TLS 1.3 and TLS 1.2. Request/response where one side ends its writing first and the
// other answers after reading that end.
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { connectDeno, listenDeno } from '../../ts/deno.ts';
import { OpenSSL } from '../../ts/index.ts';
import { connect, createServer, type TLSSocket } from '../../ts/node.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { pki } from '../lib/tls.ts';
import { until } from '../lib/wait.ts';
import { fixturePath, sServer } from '../io/peers.ts';
import { startChild } from '../io/process.ts';
import { closed, closeServer, listen, once, pem, readAll } from '../io/node-tls.ts';

const VERSIONS = ['TLSv1.3', 'TLSv1.2'] as const;
const load = () => OpenSSL.load({ wasm: wasmURL });
/** Node's tls.connect option (net.Socket's), missing from some @types/node ConnectionOptions (Deno's). */
const NODE_HALF_OPEN = { allowHalfOpen: true } as object;

/**
 * A server socket that answers once the client has ended: `answer to <what it sent>`, `delayMs`
 * later (the socket really stays writable, not only within the 'end' listener); records what it saw.
 */
function answerAfterEnd(s: nodeTls.TLSSocket | TLSSocket, seen: string[], delayMs = 20): void {
  let request = '';
  s.on('data', (d: Buffer) => { request += d.toString(); });
  s.on('end', () => {
    seen.push(`end: ${request}, writable ${String(s.writable)}`);
    setTimeout(() => { s.write('answer to '); s.end(request); }, delayMs);
  });
  s.on('error', e => seen.push(`error: ${e.message}`));
}

suite('half-close: Node adapter allowHalfOpen', test => {
  for (const version of VERSIONS) {
    test(`${version}: our client writes and end()s; Node's server (allowHalfOpen) answers after 'end'; read to the end, with and without allowHalfOpen on ours`, async () => {
      const ossl = await load();
      const seen: string[] = [];
      const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true, minVersion: version, maxVersion: version },
        s => answerAfterEnd(s, seen));
      const port = await listen(server);
      try {
        for (const allowHalfOpen of [false, true]) {
          const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), openssl: ossl, allowHalfOpen });
          const text = readAll(c);
          c.write('request');
          c.end(); // close_notify and TCP FIN; reading goes on
          equal(await text, 'answer to request', `allowHalfOpen ${String(allowHalfOpen)}`);
          equal(c.getProtocol(), version);
          await closed(c);
        }
        deepEqual(seen, ['end: request, writable true', 'end: request, writable true']);
      } finally {
        await closeServer(server);
      }
      await assertNoHandles(ossl, 'client half-close');
    });

    test(`${version}: Node's client writes and end()s; our server (allowHalfOpen) gets 'end', answers, and the socket closes once both sides are done`, async () => {
      const ossl = await load();
      const seen: string[] = [];
      const states: string[] = [];
      const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true, minVersion: version, maxVersion: version }, s => {
        answerAfterEnd(s, seen);
        // SSL_RECEIVED_SHUTDOWN alone: the end came with the client's close_notify, ours not yet sent.
        s.on('end', () => states.push(`${s.readyState}, shutdown ${s.connection?.shutdownState}`));
        s.on('close', () => states.push(`close ${s.readyState}`));
      });
      const port = await listen(server);
      try {
        const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), ...NODE_HALF_OPEN });
        const text = readAll(c);
        await once(c, 'secureConnect');
        equal(c.getProtocol(), version);
        c.write('request');
        c.end();
        equal(await text, 'answer to request');
        await closed(c);
        await until(() => states.length === 2, 5000, 'our server socket to close');
        deepEqual(seen, ['end: request, writable true']);
        deepEqual(states, ['writeOnly, shutdown 2', 'close closed']);
      } finally {
        await closeServer(server);
      }
      await assertNoHandles(ossl, 'server half-open');
    });

    test(`${version}: Node's server writes and end()s first; our client (allowHalfOpen) gets 'end', then writes its reply and end()s; Node's server reads it`, async () => {
      const ossl = await load();
      let reply!: Promise<string>;
      const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true, minVersion: version, maxVersion: version }, s => {
        reply = readAll(s);
        // Once the client has spoken: a TLS 1.3 server of Node's ending at 'secureConnection' (its
        // tickets not yet written, OpenSSL still in init) sends no close_notify, only TCP's FIN.
        s.once('data', () => s.end('greeting'));
      });
      const port = await listen(server);
      try {
        const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), openssl: ossl, allowHalfOpen: true });
        c.write('hello ');
        const greeting = await readAll(c);
        equal(greeting, 'greeting');
        equal(c.connection?.shutdownState, 2, "the server's close_notify read (SSL_RECEIVED_SHUTDOWN), ours not sent");
        equal(c.readyState, 'writeOnly', "after the server's close_notify our side is still open");
        await new Promise(resolve => setTimeout(resolve, 20)); // a turn later: still writable
        c.end(`reply to ${greeting}`);
        equal(await reply, 'hello reply to greeting');
        await closed(c);
        equal(c.connection?.alive, false, 'freed once both sides were done');
      } finally {
        await closeServer(server);
      }
      await assertNoHandles(ossl, 'client half-open');
    });

    test(`${version}: our client and our server, both allowHalfOpen: request, end(), the answer after 'end'`, async () => {
      const ossl = await load();
      const seen: string[] = [];
      const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true, minVersion: version, maxVersion: version }, s => {
        answerAfterEnd(s, seen);
        s.on('end', () => seen.push(`shutdown ${s.connection?.shutdownState}`)); // the client's close_notify came before its TCP end
      });
      const port = await listen(server);
      try {
        const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), openssl: ossl, allowHalfOpen: true, maxVersion: version });
        const text = readAll(c);
        c.end('request'); // before the handshake: the data and the close_notify wait for it
        equal(await text, 'answer to request');
        await closed(c);
        deepEqual(seen, ['end: request, writable true', 'shutdown 2']);
      } finally {
        await closeServer(server);
      }
      await assertNoHandles(ossl, 'our-to-our');
    });
  }

  for (const version of VERSIONS) {
    test(`${version}: connect({ socket, allowHalfOpen: true }) over the caller's net.connect socket, against Node's server (allowHalfOpen): each side ending first; the caller's socket made half-open, then ended and destroyed`, async () => {
      const ossl = await load();
      const seen: string[] = [];
      let serverFirst = false;
      let reply!: Promise<string>;
      const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true, minVersion: version, maxVersion: version }, s => {
        if (!serverFirst) { answerAfterEnd(s, seen); return; }
        reply = readAll(s);
        s.once('data', () => s.end('greeting'));
      });
      const port = await listen(server);
      /** The caller's TCP socket, and what it went through. */
      const callerSocket = () => {
        const raw = net.connect({ host: '127.0.0.1', port });
        const events: string[] = [];
        raw.on('end', () => events.push('end')).on('finish', () => events.push('finish')).on('close', () => events.push('close'));
        equal(raw.allowHalfOpen, false, "net.connect's default: not half-open");
        return { raw, events };
      };
      try {
        // The client ends first: request, end(); Node's server answers after its 'end'.
        const one = callerSocket();
        const c = connect({ socket: one.raw, servername: 'localhost', ca: pem('ca.pem'), openssl: ossl, allowHalfOpen: true });
        const text = readAll(c);
        c.write('request');
        c.end();
        equal(await text, 'answer to request');
        equal(one.raw.allowHalfOpen, true, "the adapter made the caller's socket half-open (once attached)");
        await closed(c);
        deepEqual(seen, ['end: request, writable true']);
        ok(one.raw.destroyed, "the caller's socket is destroyed once both sides are done");
        await until(() => one.events.includes('close'), 5000, "the caller's socket's 'close'");
        deepEqual(one.events.filter(e => e !== 'end'), ['finish', 'close'], "our side ended (TCP's FIN, after the close_notify), then closed");

        // The server ends first: greeting, close_notify and FIN; the client, half-open over the
        // caller's socket (which alone would have ended on that FIN), still writes its reply.
        serverFirst = true;
        const two = callerSocket();
        const c2 = connect({ socket: two.raw, servername: 'localhost', ca: pem('ca.pem'), openssl: ossl, allowHalfOpen: true });
        c2.write('hello ');
        const greeting = await readAll(c2);
        equal(greeting, 'greeting');
        await until(() => two.events.includes('end'), 5000, "the server's FIN on the caller's socket");
        deepEqual(two.events, ['end'], 'and the socket is still writable (alone, it would have ended its side at once)');
        await new Promise(resolve => setTimeout(resolve, 20));
        c2.end(`reply to ${greeting}`);
        equal(await reply, 'hello reply to greeting');
        await closed(c2);
        ok(two.raw.destroyed);
        await until(() => two.events.includes('close'), 5000, "the caller's socket's 'close'");
        deepEqual(two.events, ['end', 'finish', 'close']);
        equal(c2.connection?.alive, false, 'freed once both sides were done');
      } finally {
        await closeServer(server);
      }
      await assertNoHandles(ossl, 'caller socket half-open');
    });
  }

  test("a client that sends close_notify and closes TCP at once (not a half-closer): writes after 'end' on a server with allowHalfOpen fail as on Node's own server, and the connection is freed", async () => {
    const ossl = await load();
    const wait = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
    /** What a server socket went through when its client was gone before the answer. */
    const run = async (kind: 'node' | 'ours'): Promise<string[]> => {
      const seen: string[] = [];
      let clientClosed!: Promise<void>;
      const onSocket = (s: nodeTls.TLSSocket | TLSSocket) => {
        s.on('data', () => undefined);
        // EPIPE or ECONNRESET, as the kernel has it: the same kernel for both servers.
        s.on('error', (e: NodeJS.ErrnoException) => seen.push(/^(EPIPE|ECONNRESET)$/.test(e.code ?? '') ? 'error: the peer is gone' : `error ${e.message}`));
        s.on('close', () => seen.push('close'));
        s.on('end', () => {
          seen.push('end');
          void (async () => {
            await clientClosed; // the client's TCP is gone: what follows meets a closed socket
            seen.push(`write ${String(s.write('answer'))}`);
            await wait(100); // the client's reset arrives
            if (!s.destroyed) s.write(' and more');
            await wait(100);
            if (!s.destroyed) s.end();
          })();
        });
      };
      const options = { cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true };
      const server = kind === 'node' ? nodeTls.createServer(options, onSocket) : createServer({ ...options, openssl: ossl }, onSocket);
      const port = await listen(server);
      try {
        const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem') });
        clientClosed = closed(c);
        c.on('data', () => undefined);
        await once(c, 'secureConnect');
        await wait(50); // the TLS 1.3 tickets read, so closing does not reset with them unread
        c.end('request');
        c.once('finish', () => c.destroy()); // close_notify and FIN out: close at once
        await clientClosed;
        await until(() => seen.includes('close'), 5000, `the ${kind} server's socket to close`);
      } finally {
        await closeServer(server);
      }
      return seen;
    };
    const node = await run('node');
    const ours = await run('ours');
    deepEqual(node, ['end', 'write true', 'error: the peer is gone', 'close'], "Node's server: the first write is taken, the next fails");
    deepEqual(ours, node, "our server's socket went through what Node's did");
    await assertNoHandles(ossl, 'client gone after close_notify');
  });

  test("without allowHalfOpen (the default) our server ends when Node's client does: no answer after 'end'", async () => {
    const ossl = await load();
    const seen: string[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') }, s => {
      s.on('data', () => undefined);
      s.on('end', () => seen.push('end'));
    });
    const port = await listen(server);
    try {
      const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), ...NODE_HALF_OPEN });
      const text = readAll(c);
      await once(c, 'secureConnect');
      c.end('request');
      equal(await text, '', 'our server answered the close_notify with its own at once');
      await closed(c);
      deepEqual(seen, ['end']);
    } finally {
      await closeServer(server);
    }
    await assertNoHandles(ossl, 'default');
  });

  test('allowHalfOpen: taken by connect() and createServer() (a boolean, else a TypeError), no longer refused as unsupported', async () => {
    const ossl = await load();
    throws(() => connect({ port: 1, openssl: ossl, allowHalfOpen: 'yes' as never }), TypeError);
    throws(() => createServer({ openssl: ossl, allowHalfOpen: 1 as never }), TypeError);
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true });
    equal((server as net.Server & { allowHalfOpen?: boolean }).allowHalfOpen, true, 'the net.Server underneath is half-open too');
    server.close();
    const c = connect({ port: 1, host: '127.0.0.1', openssl: ossl, allowHalfOpen: true });
    equal(c.allowHalfOpen, true, "the socket's Duplex allowHalfOpen, as Node's TLSSocket");
    c.on('error', () => undefined);
    await closed(c);
    await assertNoHandles(ossl, 'options');
  });

  for (const [version, flag] of [['TLSv1.3', '-tls1_3'], ['TLSv1.2', '-tls1_2']] as const) {
    test(`${version}: native s_server -www: our client sends the request and end()s at once; the whole page still arrives`, async () => {
      const ossl = await load();
      const peer = await sServer(['-www', flag]);
      try {
        const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', ca: pem('ca.pem'), openssl: ossl });
        const text = readAll(c);
        c.end('GET / HTTP/1.0\r\n\r\n');
        const page = await text;
        match(page, /^HTTP\/1\.0 200 ok/);
        match(page, new RegExp(`\\nNew, ${version.replace('.', '\\.')}, Cipher is `));
        match(page, /<\/BODY><\/HTML>\r\n\r\n$/, 'to the end of the page');
        await closed(c);
      } finally {
        await peer.stop();
      }
      await assertNoHandles(ossl, 's_server');
    });

    test(`${version}: native s_client ends its input (close_notify, then TCP FIN): our server (allowHalfOpen) reads the request and the end, answers and closes without an error`, async () => {
      const ossl = await load();
      const seen: string[] = [];
      const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), allowHalfOpen: true }, s => {
        // At once: s_client reads on for only 500 ms after its close_notify before closing TCP.
        answerAfterEnd(s, seen, 0);
        s.on('close', () => seen.push('close'));
      });
      const port = await listen(server);
      const client = startChild('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', fixturePath('ca.pem'), flag], { stdin: 'pipe' });
      try {
        await until(() => /Verify return code: 0/.test(client.output()) || client.exitCode() !== null, 10_000, 's_client to connect');
        client.proc.stdin!.end('request\n');
        await until(() => seen.includes('close') || seen.some(s => s.startsWith('error')), 10_000, 'our server socket to close');
        deepEqual(seen, ['end: request\n, writable true', 'close']);
        await until(() => client.exitCode() !== null, 10_000, 's_client to exit');
        match(client.output(), /\nDONE\r?\n/, "s_client ended on its input's end");
      } finally {
        await client.stop();
        await closeServer(server);
      }
      await assertNoHandles(ossl, 's_client');
    });
  }
}, { runtimes: ['node', 'deno'] });

/** The part of Deno's API used here (the tests are type-checked without Deno's declarations). */
interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  handshake(): Promise<unknown>;
}
interface DenoListener { readonly addr: { port: number }; accept(): Promise<DenoConn>; close(): void }
declare const Deno: {
  listenTls(o: { hostname: string; port: number; cert: string; key: string }): DenoListener;
  connectTls(o: { hostname: string; port: number; caCerts: string[]; serverName?: string }): Promise<DenoConn>;
};

const bytes = (s: string) => new TextEncoder().encode(s);
/** Everything read() gives until null (the peer's end). */
async function readToEnd(c: { read(p: Uint8Array): Promise<number | null> }): Promise<string> {
  const buf = new Uint8Array(4096);
  let out = '';
  for (;;) {
    const n = await c.read(buf);
    if (n === null) return out;
    out += new TextDecoder().decode(buf.subarray(0, n));
  }
}

suite('half-close: Deno adapter closeWrite and allowHalfOpen', test => {
  for (const version of VERSIONS) {
    test(`${version}: Deno.connectTls writes and closeWrite()s; listenDeno (half-open by default, as Deno's) reads the end, then answers, as Deno's own server does`, async () => {
      const ossl = await load();
      const p = await pki();
      const context = ossl.createContext({ role: 'server', certificate: p.cert, privateKey: p.key, minVersion: version, maxVersion: version });
      const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context });
      try {
        const [server, client] = await Promise.all([listener.accept(), Deno.connectTls({ hostname: '127.0.0.1', port: listener.addr.port, caCerts: [p.ca], serverName: 'localhost' })]);
        await client.write(bytes('request'));
        await client.closeWrite();
        const request = await readToEnd(server);
        equal(request, 'request');
        await server.write(bytes(`answer to ${request}`));
        await server.closeWrite(); // our close_notify after the client's: the connection is over
        equal(await readToEnd(client), 'answer to request');
        await server.closed;
        equal(server.connection.alive, false, 'freed once both sides were done');
        client.close();
      } finally {
        listener.close();
        context.free();
      }
      await assertNoHandles(ossl, 'Deno server half-open');
    });

    test(`${version}: Deno.listenTls writes and closeWrite()s first; connectDeno (half-open by default) reads the end, then writes its reply and closeWrite()s`, async () => {
      const ossl = await load();
      const p = await pki();
      const listener = Deno.listenTls({ hostname: '127.0.0.1', port: 0, cert: p.cert, key: p.key });
      try {
        const [server, client] = await Promise.all([listener.accept(), connectDeno({ hostname: '127.0.0.1', port: listener.addr.port, serverName: 'localhost', openssl: ossl,
          contextOptions: { ca: p.ca, minVersion: version, maxVersion: version } })]);
        await server.handshake();
        await server.write(bytes('greeting'));
        await server.closeWrite();
        const greeting = await readToEnd(client);
        equal(greeting, 'greeting');
        await client.write(bytes(`reply to ${greeting}`));
        await client.closeWrite();
        equal(await readToEnd(server), 'reply to greeting');
        await client.closed;
        equal(client.connection.alive, false);
        server.close();
      } finally {
        listener.close();
      }
      await assertNoHandles(ossl, 'Deno client half-open');
    });

    test(`${version}: connectDeno to native s_server -www: the request, closeWrite() at once, the whole page still read`, async () => {
      const ossl = await load();
      const p = await pki();
      const peer = await sServer(['-www', version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2']);
      try {
        const c = await connectDeno({ hostname: '127.0.0.1', port: peer.port, serverName: 'localhost', openssl: ossl, contextOptions: { ca: p.ca } });
        await c.write(bytes('GET / HTTP/1.0\r\n\r\n'));
        await c.closeWrite();
        const page = await readToEnd(c);
        match(page, new RegExp(`\\nNew, ${version.replace('.', '\\.')}, Cipher is `));
        match(page, /<\/BODY><\/HTML>\r\n\r\n$/);
        await c.closed;
        ok(!c.connection.alive);
      } finally {
        await peer.stop();
      }
      await assertNoHandles(ossl, 'Deno s_server');
    });
  }
}, { runtimes: ['deno'] });
