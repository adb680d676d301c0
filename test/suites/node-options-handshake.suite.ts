// The Node adapter's handshake options and members, each checked against what Node's own tls does
// in the same situation: getEphemeralKeyInfo(), ALPNCallback, secureProtocol, getSharedSigalgs(),
// pskCallback (with the TLS 1.2 hint).
// Node and Deno (Node's own tls as the reference in Node only: Deno's node:tls does not have these).
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer, type TLSSocket } from '../../ts/node.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { closed, closeServer, listen, once } from '../io/node-tls.ts';
import { connected, inDeno, keyPair, load } from '../io/node-options.ts';

suite('Node adapter: handshake options and members beside Node', test => {
  // Node's objects for these groups (what Node's own client shows: checked where Node's tls is Node's).
  const expectedKeys: Record<string, object> = {
    'X25519': { type: 'ECDH', name: 'X25519', size: 253 },
    'P-256': { type: 'ECDH', name: 'prime256v1', size: 256 },
    'P-384': { type: 'ECDH', name: 'secp384r1', size: 384 },
  };
  for (const [curve, expected] of Object.entries(expectedKeys)) {
    test(`getEphemeralKeyInfo() as Node's (${curve}), null on the server's socket`, async () => {
      const ossl = await load();
      let answer!: (v: unknown) => void;
      const serverSide = new Promise(r => { answer = r; });
      const server = createServer({ openssl: ossl, ...keyPair, ecdhCurve: curve }, s => { answer(s.getEphemeralKeyInfo()); s.end(); });
      const port = await listen(server);
      try {
        if (!inDeno) { // Deno's node:tls has no getEphemeralKeyInfo of its own
          const ref = nodeTls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
          deepEqual(await connected(ref, () => ref.getEphemeralKeyInfo()), expected as never, 'Node\'s own client');
        }
        const ours = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
        deepEqual(await connected(ours, () => ours.getEphemeralKeyInfo()), expected as never);
        equal(await serverSide, null, 'null on a server socket, as Node');
        equal(ours.getEphemeralKeyInfo(), null, 'and once closed');
      } finally {
        await closeServer(server);
      }
    });
  }

  test('getEphemeralKeyInfo(): {} for X25519MLKEM768 (no peer key, as Node\'s GetEphemeralKey), null on our server socket', async () => {
    const ossl = await load();
    let answer!: (v: unknown) => void;
      const serverSide = new Promise(r => { answer = r; });
    const server = createServer({ openssl: ossl, ...keyPair, ecdhCurve: 'X25519MLKEM768' }, s => { answer(s.getEphemeralKeyInfo()); s.end(); });
    const port = await listen(server);
    try {
      const ours = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, ecdhCurve: 'X25519MLKEM768:X25519' });
      const got = await connected(ours, () => ({ info: ours.getEphemeralKeyInfo(), group: ours.connection!.group }));
      equal(got.group, 'X25519MLKEM768');
      deepEqual(got.info, {});
      equal(await serverSide, null);
    } finally {
      await closeServer(server);
    }
  });

  test('ALPNCallback: chooses among the client\'s protocols as Node\'s server ({ servername, protocols }); undefined refuses them; an answer not offered fails; not with ALPNProtocols', async () => {
    const ossl = await load();
    type Info = { servername: string | false; protocols: string[] };
    const makers: [string, (o: object, cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server][] = [
      ['ours', (o, cb) => createServer({ openssl: ossl, ...o }, cb) as unknown as nodeTls.Server],
      ...inDeno ? [] : [['Node\'s', (o: object, cb: (s: nodeTls.TLSSocket) => void) => nodeTls.createServer(o, cb)] as [string, (o: object, cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server]],
    ];
    const seen: Record<string, unknown[]> = {};
    for (const [sName, make] of makers) {
      const infos: Info[] = [];
      const events: unknown[] = [];
      const server = make({ ...keyPair, ALPNCallback: (info: Info) => { infos.push(info); return info.protocols[1]; } }, s => { events.push(['secureConnection', s.alpnProtocol]); s.end(); });
      server.on('tlsClientError', (e: NodeJS.ErrnoException) => events.push(['tlsClientError', e.code]));
      const port = await listen(server);
      try {
        for (const o of [{ ALPNProtocols: ['a', 'b'], servername: 'localhost' }, { ALPNProtocols: ['a', 'b'] }, { ALPNProtocols: ['a'] }, {}]) {
          const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, ...o });
          const outcome = await new Promise<unknown>(resolve => {
            c.once('secureConnect', () => resolve(['secureConnect', c.alpnProtocol]));
            c.once('error', (e: NodeJS.ErrnoException) => resolve(['error', e.code]));
          });
          events.push(outcome);
          c.resume(); // to the server's end()
          await closed(c).catch(() => closed(c));
          for (let i = 0; i < 100 && events.length % 2; i++) await new Promise(r => setTimeout(r, 10)); // the server's side (bounded)
        }
      } finally {
        await closeServer(server);
      }
      seen[sName] = [infos, events];
    }
    const expected = [
      [{ servername: 'localhost', protocols: ['a', 'b'] }, { servername: false, protocols: ['a', 'b'] }, { servername: false, protocols: ['a'] }],
      [['secureConnection', 'b'], ['secureConnect', 'b'], ['secureConnection', 'b'], ['secureConnect', 'b'],
        ['tlsClientError', 'ERR_SSL_NO_APPLICATION_PROTOCOL'], ['error', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL'],
        ['secureConnection', false], ['secureConnect', false]],
    ];
    // The order of the two sides' events is not fixed: compared as sets.
    const sorted = ([infos, events]: unknown[]) => [infos, (events as unknown[]).map(e => JSON.stringify(e)).sort()];
    for (const [name, got] of Object.entries(seen)) deepEqual(sorted(got), sorted(expected), `${name} server`);
    // An answer the client did not offer: that handshake fails with Node's code (Node throws it uncaught).
    const bad = createServer({ openssl: ossl, ...keyPair, ALPNCallback: () => 'http/5' }, s => s.end());
    const port = await listen(bad);
    try {
      const refused = once<[NodeJS.ErrnoException]>(bad, 'tlsClientError');
      const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
      c.on('error', () => undefined);
      equal((await refused)[0].code, 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT');
      await closed(c).catch(() => closed(c));
    } finally {
      await closeServer(bad);
    }
    const both = { ...keyPair, ALPNCallback: () => 'a', ALPNProtocols: ['b'] };
    if (!inDeno) equal((throws(() => nodeTls.createServer(both)) as NodeJS.ErrnoException).code, 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS');
    equal((throws(() => createServer({ openssl: ossl, ...both }), TypeError) as NodeJS.ErrnoException).code, 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS');
    await assertNoHandles(ossl, 'nothing kept');
  });

  test('secureProtocol: Node\'s method names as the versions Node gives them, beside Node\'s own client; Node\'s codes for the errors', async () => {
    const ossl = await load();
    const servers = [createServer({ openssl: ossl, ...keyPair }, s => s.end()) as unknown as nodeTls.Server,
      ...inDeno ? [] : [nodeTls.createServer(keyPair, s => s.end())]];
    const expected: Record<string, string> = {
      TLS_method: 'TLSv1.3', TLS_client_method: 'TLSv1.3', TLSv1_2_method: 'TLSv1.2', TLSv1_2_client_method: 'TLSv1.2', SSLv23_method: 'TLSv1.2',
    };
    for (const server of servers) {
      const port = await listen(server);
      try {
        for (const [secureProtocol, version] of Object.entries(expected)) {
          const ours = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false, secureProtocol });
          equal(await connected(ours, () => ours.getProtocol()), version, `ours, ${secureProtocol}`);
          if (inDeno) continue;
          const ref = nodeTls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, secureProtocol });
          equal(await connected(ref, () => ref.getProtocol()), version, `Node's, ${secureProtocol}`);
        }
      } finally {
        await closeServer(server);
      }
    }
    // A server's too: TLSv1_2_method keeps a TLS 1.3 client to TLS 1.2.
    const server = createServer({ openssl: ossl, ...keyPair, secureProtocol: 'TLSv1_2_server_method' }, s => s.end());
    const port = await listen(server);
    try {
      const c = connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false });
      equal(await connected(c, () => c.getProtocol()), 'TLSv1.2');
    } finally {
      await closeServer(server);
    }
    const bad: [object, string][] = [
      [{ secureProtocol: 'Nope' }, 'ERR_TLS_INVALID_PROTOCOL_METHOD'],
      [{ secureProtocol: 'SSLv3_method' }, 'ERR_TLS_INVALID_PROTOCOL_METHOD'],
      [{ secureProtocol: 'TLSv1_2_method', minVersion: 'TLSv1.3' }, 'ERR_TLS_PROTOCOL_VERSION_CONFLICT'],
    ];
    for (const [o, code] of bad) {
      if (!inDeno) equal((throws(() => nodeTls.createSecureContext(o)) as NodeJS.ErrnoException).code, code, `Node's code for ${JSON.stringify(o)}`);
      const e = throws(() => createSecureContext({ openssl: ossl, ...o }), TypeError) as NodeJS.ErrnoException;
      equal(e.code, code, `ours for ${JSON.stringify(o)}`);
    }
    // TLS 1.0 and 1.1 are not built: a TypeError naming what to use (Node makes a context that cannot connect).
    match((throws(() => createSecureContext({ openssl: ossl, secureProtocol: 'TLSv1_1_method' }), TypeError) as Error).message, /TLSv1_2_method/);
    await assertNoHandles(ossl, 'nothing kept once the servers closed');
  });

  test('getSharedSigalgs(): the signature algorithms both ends share, in Node\'s form, as Node\'s own server socket gives them', async () => {
    const ossl = await load();
    const seen: Record<string, string[]> = {};
    const makers: [string, (cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server][] = [
      ['ours', cb => createServer({ openssl: ossl, ...keyPair }, cb) as unknown as nodeTls.Server],
      ...inDeno ? [] : [['node', (cb: (s: nodeTls.TLSSocket) => void) => nodeTls.createServer(keyPair, cb)] as [string, (cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server]],
    ];
    for (const [name, make] of makers) {
      let answer!: (v: string[]) => void;
      const serverSide = new Promise<string[]>(r => { answer = r; });
      const server = make(s => { answer(s.getSharedSigalgs()); s.end(); });
      const port = await listen(server);
      try {
        // The client offers Node's (OpenSSL 3.0's) list in both cases, so the shared lists compare.
        const c = inDeno ? connect({ port, host: '127.0.0.1', openssl: ossl, rejectUnauthorized: false })
          : nodeTls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
        await once(c, 'secureConnect');
        seen[name] = await serverSide; // before the client goes: the server's handshake ends after the client's
        c.destroy();
        await closed(c);
      } finally {
        await closeServer(server);
      }
    }
    ok(seen.ours.includes('ECDSA+SHA256') && seen.ours.includes('RSA-PSS+SHA256'), seen.ours.join(' '));
    for (const a of seen.ours) match(a, /^[\w-]+\+[\w-]+$/);
    if (!inDeno) deepEqual(seen.ours, seen.node, 'as Node\'s server socket');
    const c = connect({ port: 1, host: '127.0.0.1', openssl: ossl });
    c.on('error', () => {});
    deepEqual(c.getSharedSigalgs(), [], 'before the handshake');
    c.destroy();
    await closed(c);
    // destroy() before the connection was made: it is freed when made (it was left live before).
    await assertNoHandles(ossl, 'nothing kept, the early-destroyed client\'s connection included');
  });

  test('pskCallback and pskIdentityHint: TLS 1.3 and TLS 1.2 PSK, our client and server beside Node\'s, each way, with Node\'s answers', async () => {
    const ossl = await load();
    const KEY = Buffer.from('d731ef57be09e5204f0b205b60627028', 'hex');
    let hints: (string | null)[] = [];
    const serverPsk = (_s: unknown, id: string) => id === 'TestUser' ? KEY : null;
    const clientPsk = () => ({ psk: KEY, identity: 'TestUser' });
    type Outcome = Record<string, unknown>;
    const shape = (s: TLSSocket | nodeTls.TLSSocket): Outcome => ({ authorized: s.authorized, protocol: s.getProtocol(), cipher: s.getCipher()?.name });
    const servers: [string, (o: object, cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server][] = [
      ['ours', (o, cb) => createServer({ openssl: ossl, ...o }, cb) as unknown as nodeTls.Server],
      ...inDeno ? [] : [['Node\'s', (o: object, cb: (s: nodeTls.TLSSocket) => void) => nodeTls.createServer(o, cb)] as [string, (o: object, cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server]],
    ];
    const clients: [string, (o: object) => TLSSocket | nodeTls.TLSSocket][] = [
      ['ours', o => connect({ openssl: ossl, ...o, pskCallback: (hint: string | null) => { hints.push(hint); return clientPsk(); } })],
      ...inDeno ? [] : [['Node\'s', (o: object) => nodeTls.connect({ ...o, pskCallback: (hint: string | null) => { hints.push(hint); return clientPsk(); } })] as [string, (o: object) => TLSSocket | nodeTls.TLSSocket]],
    ];
    const tls12 = { ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' };
    // [name, both ends' options, the client's, what the client sees]: under TLS 1.2 Node's default
    // checkServerIdentity refuses the empty certificate (TLS 1.3's PSK counts as a resumption, so no check).
    // The last: the hints pskCallback was asked with, as Node's client is asked (TLS 1.2: the server's
    // pskIdentityHint, or null without one; TLS 1.3: null).
    const cases: [string, object, object, Outcome, (string | null)[]][] = [
      ['TLS 1.3', { pskIdentityHint: 'the hint' }, {}, { authorized: true, protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256' }, [null]],
      ['TLS 1.2, checkServerIdentity accepting', { ...tls12, pskIdentityHint: 'the hint' }, { checkServerIdentity: () => undefined },
        { authorized: true, protocol: 'TLSv1.2', cipher: 'PSK-AES128-GCM-SHA256' }, ['the hint']],
      ['TLS 1.2, no hint', tls12, { checkServerIdentity: () => undefined }, { authorized: true, protocol: 'TLSv1.2', cipher: 'PSK-AES128-GCM-SHA256' }, [null]],
      ['TLS 1.2, the default identity check', { ...tls12, pskIdentityHint: 'the hint' }, {}, { error: 'ERR_TLS_CERT_ALTNAME_INVALID' }, ['the hint']],
    ];
    for (const [name, both, client, expected, expectedHints] of cases) {
      for (const [sName, makeServer] of servers) {
        for (const [cName, makeClient] of clients) {
          const what = `${name}: ${cName} client, ${sName} server`;
          let answer!: (v: Outcome) => void;
          const serverSide = new Promise<Outcome>(r => { answer = r; });
          const server = makeServer({ pskCallback: serverPsk, ...both }, s => { answer(shape(s)); s.end('hi'); });
          const port = await listen(server);
          try {
            hints = [];
            const { pskIdentityHint: _, ...bothButHint } = both as { pskIdentityHint?: string };
            const c = makeClient({ port, host: '127.0.0.1', ...bothButHint, ...client });
            const seen = await new Promise<Outcome>(resolve => {
              c.once('secureConnect', () => resolve(shape(c)));
              c.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code }));
            });
            deepEqual(seen, expected, `${what}: the client`);
            deepEqual(hints, expectedHints, `${what}: the hints pskCallback was asked with`);
            if (!('error' in expected)) {
              deepEqual(await serverSide, { ...expected, authorized: false }, `${what}: the server (authorized: false, no client certificate asked for)`);
            }
            c.destroy();
            await closed(c);
          } finally {
            await closeServer(server);
          }
        }
      }
    }
    // An unknown identity: no PSK, and a server without a certificate cannot go on.
    const server = createServer({ openssl: ossl, pskCallback: () => null }, s => s.end());
    const port = await listen(server);
    try {
      const c = connect({ port, host: '127.0.0.1', openssl: ossl, pskCallback: clientPsk });
      await new Promise(resolve => c.once('error', resolve));
      await closed(c);
      // A bad answer is asked for during the handshake, as in Node: the socket's 'error', a TypeError naming the psk.
      const bad = connect({ port, host: '127.0.0.1', openssl: ossl, pskCallback: () => ({ psk: 'text', identity: 'x' }) as never });
      const e = await new Promise<Error>(resolve => bad.once('error', resolve));
      ok(e instanceof TypeError, String(e));
      match(e.message, /pskCallback must give the key as a Buffer/);
      await closed(bad);
    } finally {
      await closeServer(server);
    }
    throws(() => connect({ port: 1, host: '127.0.0.1', openssl: ossl, pskIdentityHint: 'x' }), TypeError);
    throws(() => createServer({ openssl: ossl, pskCallback: 'no' as never }), TypeError);
    await assertNoHandles(ossl, 'every PSK session given back');
  });
}, { runtimes: ['node', 'deno'] });
