// tls.Server's external session cache events, 'newSession' and 'resumeSession', as Node documents
// them (doc/api/tls.md), each scenario run against this adapter's server and against Node's own
// tls server as the reference (same listeners, same client, same assertions).
//
// Ported: test-tls-session-cache.js (nodejs/node test/parallel): openssl s_client -reconnect
//   against a server whose session cache is the two events, answered asynchronously: by session id
//   (-no_ticket) the first connection stores one session and the 5 reconnects resume it through
//   'resumeSession'; by ticket no event is emitted; with invalid session data every connection is a
//   full handshake and nothing crashes.
//   test-tls-async-cb-after-socket-end.js: a 'resumeSession' answer after the client has gone
//   does no harm (the server goes on serving).
// Node and Deno (Node's own server in Node only: Deno's node:tls has neither event), with the
// openssl CLI as the client.
import { constants } from 'node:crypto';
import * as nodeTls from 'node:tls';
import { OpenSSL } from '../../ts/index.ts';
import { connect, createServer } from '../../ts/node.ts';
import { deepEqual, equal, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite, type TestRegistrar } from '../lib/suite.ts';
import { closed, closeServer, listen, once, pem } from '../io/node-tls.ts';
import { fixturePath, sClient } from '../io/peers.ts';

let instance: Promise<OpenSSL> | undefined;
const load = () => (instance ??= OpenSSL.load({ wasm: wasmURL }));
const keyPair = { cert: pem('server.pem'), key: pem('server.key') };

type Make = (options: Record<string, unknown>, onSecure: (s: nodeTls.TLSSocket) => void) => nodeTls.Server;
/** The two servers every scenario runs on: this adapter's (Node and Deno), and Node's own as the
 * reference (Node only: Deno's node:tls emits neither event), each a suite of its own so that every
 * runtime registers the same tests (test/manifest.json). */
const ours: [string, (ossl: OpenSSL) => Make] = ['openssl-wasm', ossl => (o, cb) => createServer({ openssl: ossl, ...o }, cb as never) as unknown as nodeTls.Server];
const nodes: [string, (ossl: OpenSSL) => Make] = ['node:tls', () => (o, cb) => nodeTls.createServer(o as nodeTls.TlsOptions, cb)];
/** Sessions by id only: a server that issues tickets makes no session id, so no 'newSession'. */
const SSL_OP_NO_TICKET = constants.SSL_OP_NO_TICKET;
const delay = (ms: number) => new Promise(r => setTimeout(r, ms));

function scenarios(test: TestRegistrar, [impl, maker]: [string, (ossl: OpenSSL) => Make]): void {
  {
    for (const mode of ['no tickets', 'tickets', 'invalid session'] as const) {
      test(`test-tls-session-cache (${mode}) on ${impl}'s server`, async () => {
        const ossl = await load();
        let requests = 0, resumes = 0, newSessions = 0;
        let stored: { id: Buffer; data: Buffer } | null = null;
        const problems: string[] = [];
        const server = maker(ossl)({ ...keyPair, ca: [pem('ca.pem')], requestCert: true, rejectUnauthorized: false }, c => {
          requests++;
          c.on('error', () => undefined); // a reset by s_client is no failure here (as the original)
          c.end();
        });
        server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
          newSessions++;
          setTimeout(() => { // an asynchronous store
            if (mode !== 'invalid session' && stored) problems.push('a second new session');
            stored = { id, data };
            cb();
          }, 100);
        });
        server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data?: Buffer | null) => void) => {
          resumes++;
          if (!stored) problems.push('resumeSession before newSession called back');
          else if (stored.id.toString('hex') !== id.toString('hex')) problems.push('resumeSession with another id');
          let data = stored?.data ?? null;
          if (mode === 'invalid session') { data = Buffer.from('INVALID SESSION'); stored = null; }
          setTimeout(() => cb(null, data), 20);
        });
        const port = await listen(server);
        try {
          const out = await sClient(['-connect', `127.0.0.1:${port}`, '-tls1_2', '-servername', 'ohgod', '-reconnect',
            '-cert', fixturePath('server.pem'), '-key', fixturePath('server.key'), ...(mode === 'tickets' ? [] : ['-no_ticket'])],
          o => (o.match(/^(New|Reused), /gm) ?? []).length >= 6, 30_000);
          const reused = (out.match(/^Reused, /gm) ?? []).length;
          equal(problems.join('; '), '');
          equal(requests, 6, 'an initial connection and 5 reconnects');
          if (mode === 'tickets') {
            equal(resumes, 0, 'tickets: no resumeSession');
            equal(newSessions, 0, 'tickets: no newSession');
            equal(reused, 5);
          } else if (mode === 'invalid session') {
            equal(resumes, 5, 'resumeSession asked on every reconnect');
            equal(newSessions, 6, 'every connection a fresh session');
            equal(reused, 0);
          } else {
            equal(resumes, 5);
            equal(newSessions, 1, 'only the first connection makes a session');
            equal(reused, 5, 's_client resumed every reconnect');
          }
        } finally {
          await closeServer(server);
        }
      });
    }

    test(`TLS 1.3: newSession for each ticket, after secureConnection (the tickets follow the handshake), on ${impl}'s server`, async () => {
      const ossl = await load();
      const events: string[] = [];
      const server = maker(ossl)({ ...keyPair }, c => { events.push('secureConnection'); c.end(); });
      server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
        events.push(`newSession ${id.length} ${data.length > 0}`);
        setTimeout(cb, 10);
      });
      const port = await listen(server);
      try {
        const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
        c.resume();
        await closed(c);
        await delay(50);
        deepEqual(events, ['secureConnection', 'newSession 32 true', 'newSession 32 true'], 'the connection, then its two tickets');
      } finally {
        await closeServer(server);
      }
    });

    // Node 20's own server sends nothing of end(data) under TLS 1.3 while the callback is awaited
    // (the client gets neither the data nor the tickets): no reference there.
    for (const version of impl === 'node:tls' ? ['TLSv1.2'] as const : ['TLSv1.3', 'TLSv1.2'] as const) {
      test(`${version}: end(data) while newSession's callback is awaited loses nothing on ${impl}'s server`, async () => {
        const ossl = await load();
        const server = maker(ossl)({ ...keyPair, maxVersion: version, secureOptions: SSL_OP_NO_TICKET }, c => c.end('all of it'));
        server.on('newSession', (_id: Buffer, _d: Buffer, cb: () => void) => { setTimeout(cb, 30); });
        const port = await listen(server);
        try {
          const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
          let text = '', sessions = 0;
          c.on('data', (d: Buffer) => { text += d; });
          c.on('session', () => { sessions++; });
          await closed(c);
          equal(text, 'all of it');
          ok(sessions >= 1, 'the session (TLS 1.3: its tickets) arrived');
        } finally {
          await closeServer(server);
        }
      });
    }

    test(`TLS 1.2: secureConnection waits for newSession's callback on ${impl}'s server`, async () => {
      const ossl = await load();
      const events: string[] = [];
      const server = maker(ossl)({ ...keyPair, maxVersion: 'TLSv1.2', secureOptions: SSL_OP_NO_TICKET }, c => { events.push('secureConnection'); c.end(); });
      server.on('newSession', (_id: Buffer, _data: Buffer, cb: () => void) => {
        events.push('newSession');
        setTimeout(() => { events.push('callback'); cb(); }, 50);
      });
      const port = await listen(server);
      try {
        const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
        c.resume();
        await closed(c);
        deepEqual(events, ['newSession', 'callback', 'secureConnection']);
      } finally {
        await closeServer(server);
      }
    });

    test(`an error from resumeSession destroys the socket with it (tlsClientError) on ${impl}'s server`, async () => {
      const ossl = await load();
      let session: Buffer | undefined;
      const server = maker(ossl)({ ...keyPair, maxVersion: 'TLSv1.2', secureOptions: SSL_OP_NO_TICKET }, c => c.end());
      server.on('newSession', (_id: Buffer, data: Buffer, cb: () => void) => { session = data; cb(); });
      const refusal = new Error('the store is down');
      server.on('resumeSession', (_id: Buffer, cb: (err: Error | null) => void) => setTimeout(() => cb(refusal), 10));
      const port = await listen(server);
      try {
        const first = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
        first.resume();
        await closed(first);
        ok(session, 'newSession gave the session');
        // Resuming by session id (the server issued no ticket).
        const clientError = new Promise(resolve => {
          const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, session, maxVersion: 'TLSv1.2' });
          c.on('error', resolve);
          c.on('close', () => resolve('closed'));
        });
        const [err] = await once<[Error]>(server, 'tlsClientError');
        equal(err, refusal, 'the listener\'s own error');
        await clientError;
      } finally {
        await closeServer(server);
      }
    });

    test(`test-tls-async-cb-after-socket-end: resumeSession answered after the client has gone on ${impl}'s server`, async () => {
      const ossl = await load();
      let secure = 0;
      const server = maker(ossl)({ ...keyPair, secureOptions: SSL_OP_NO_TICKET }, c => { secure++; c.end('hello'); });
      let newSessions = 0;
      server.on('newSession', (_id: Buffer, _data: Buffer, done: () => void) => { newSessions++; done(); });
      let sessionCb: (() => void) | undefined;
      server.on('resumeSession', (_id: Buffer, cb: (err?: Error | null, d?: Buffer | null) => void) => {
        if (sessionCb) cb(null, null); // later clients (the check below): at once
        else sessionCb = () => cb(); // as the original: called with nothing, after the client has gone
      });
      server.on('tlsClientError', () => undefined);
      const port = await listen(server);
      try {
        const clientOpts = { port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, maxVersion: 'TLSv1.2' as const, session: false as const };
        const s1 = connect(clientOpts);
        await once(s1, 'secureConnect');
        const session = s1.getSession();
        s1.destroy();
        await closed(s1);
        const s2 = connect({ ...clientOpts, session });
        s2.on('error', () => undefined);
        for (let i = 0; i < 200 && !sessionCb; i++) await delay(10);
        ok(sessionCb, 'resumeSession was emitted');
        s2.destroy();
        await closed(s2);
        await delay(100);
        sessionCb();
        await delay(20);
        equal(secure, 1, 'the first connection only');
        equal(newSessions, 1);
        // The server still serves.
        const third = connect({ ...clientOpts });
        let text = '';
        third.on('data', (d: Buffer) => { text += d; });
        await closed(third);
        equal(text, 'hello');
      } finally {
        await closeServer(server);
      }
    });
  }
}

suite('Node adapter: newSession and resumeSession, on Node\'s own server (the reference)', test => scenarios(test, nodes), { runtimes: ['node'] });

suite('Node adapter: newSession and resumeSession', test => {
  scenarios(test, ours);

  test('with an SNICallback that answers later: the session lookup first, then SNI, both on one client-hello handler', async () => {
    const ossl = await load();
    const cache = new Map<string, Buffer>();
    const order: string[] = [];
    const rsa = { cert: pem('server-rsa.pem'), key: pem('server-rsa.key') };
    const server = createServer({ openssl: ossl, ...keyPair, maxVersion: 'TLSv1.2', secureOptions: SSL_OP_NO_TICKET,
      SNICallback: (name, cb) => { order.push(`sni ${name}`); setTimeout(() => cb(null, name === 'server.test' ? rsa : undefined), 5); } }, c => c.end());
    server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => { cache.set(id.toString('hex'), data); cb(); });
    server.on('resumeSession', (id: Buffer, cb: (e: null, d: Buffer | null) => void) => {
      order.push('resume');
      setTimeout(() => cb(null, cache.get(id.toString('hex')) ?? null), 5);
    });
    const port = await listen(server);
    try {
      const opts = { port, host: '127.0.0.1', openssl: ossl, ca: pem('ca.pem'), servername: 'server.test' };
      const first = connect(opts);
      await once(first, 'secureConnect');
      const session = first.getSession();
      equal((first.getPeerCertificate() as { bits?: number }).bits, 2048, 'the SNI answer\'s certificate');
      first.destroy();
      await closed(first);
      const second = connect({ ...opts, session });
      await once(second, 'secureConnect');
      equal(second.isSessionReused(), true, 'resumed through resumeSession');
      second.destroy();
      await closed(second);
      // The first client too is asked about: it offers TLS 1.3 and so sends a (random) legacy session id, as Node's would.
      deepEqual(order, ['resume', 'sni server.test', 'resume', 'sni server.test'], 'Node\'s order: the lookup, then SNI');
    } finally {
      await closeServer(server);
    }
  });

  test('a ready context keeps its own session callbacks: no events on it', async () => {
    const ossl = await load();
    const context = ossl.createContext({ role: 'server', certificate: keyPair.cert, privateKey: keyPair.key, maxVersion: 'TLSv1.2', options: BigInt(SSL_OP_NO_TICKET) });
    const server = createServer({ openssl: ossl, context }, c => c.end());
    let events = 0;
    server.on('newSession', (_id: Buffer, _d: Buffer, cb: () => void) => { events++; cb(); });
    server.on('resumeSession', (_id: Buffer, cb: (e: null, d: null) => void) => { events++; cb(null, null); });
    const port = await listen(server);
    try {
      const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
      c.resume();
      await closed(c);
      equal(events, 0);
      equal(context.sessionStats.number, 1, 'the session went to the context\'s own cache');
    } finally {
      await closeServer(server);
      context.free();
    }
  });

  test('our client and server: a TLS 1.2 session resumed through the events, handles given back', async () => {
    const ossl = await load();
    const cache = new Map<string, Buffer>();
    const server = createServer({ openssl: ossl, ...keyPair, maxVersion: 'TLSv1.2', secureOptions: SSL_OP_NO_TICKET }, c => c.end());
    server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => { cache.set(id.toString('hex'), data); setTimeout(cb, 5); });
    server.on('resumeSession', (id: Buffer, cb: (e: null, d: Buffer | null) => void) => setTimeout(() => cb(null, cache.get(id.toString('hex')) ?? null), 5));
    const port = await listen(server);
    try {
      let session: Buffer | undefined;
      const first = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
      first.on('session', (s: Buffer) => { session = s; });
      await once(first, 'secureConnect');
      equal(first.isSessionReused(), false);
      first.resume();
      await closed(first);
      equal(cache.size, 1, 'one new session');
      const second = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, session });
      await once(second, 'secureConnect');
      equal(second.isSessionReused(), true, 'resumed from what resumeSession answered');
      second.resume();
      await closed(second);
    } finally {
      await closeServer(server);
    }
    await assertNoHandles(ossl, 'after the server and its sockets closed');
  });
}, { runtimes: ['node', 'deno'] });
