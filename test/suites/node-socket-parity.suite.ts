// The Node adapter's TLSSocket and server beside Node's own tls.TLSSocket and tls.Server (which are
// a net.Socket and a net.Server): every member Node's have, ours have too or refuse with a reason
// listed here; the net.Socket members answer as Node's, each pairing of client and server (ours and
// Node's, both ways); setMaxSendFragment is seen on the wire. Node's own tls is the reference in
// Node only (Deno's node:tls is an emulation with other members); ours against ours runs in Deno too.
import { Buffer } from 'node:buffer';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { connect, createServer, type TLSSocket } from '../../ts/node.ts';
import type { OpenSSL } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { load } from '../lib/tls.ts';
import { closeServer, closed, listen, once, pem } from '../io/node-tls.ts';

const inDeno = 'Deno' in globalThis;

/** Node's TLSSocket members ours does not have, each with why (the methods refused are present and throw). */
const SOCKET_NOT_TAKEN: Record<string, string> = {
  ssl: "Node's native TLSWrap handle; ours is `connection` (this library's Connection)",
};
/** Node's TLSSocket methods ours has only to refuse, with a TypeError saying why. */
const SOCKET_REFUSED = ['connect', 'renegotiate', 'setServername', 'setSession', 'setKeyCert'];
/** Node's tls.Server members ours (a net.Server) does not have, each with why. */
const SERVER_NOT_TAKEN: Record<string, string> = Object.fromEntries([
  ['requestCert', 'rejectUnauthorized', 'ALPNCallback', 'ca', 'minVersion', 'maxVersion', 'secureProtocol', 'crl', 'sigalgs', 'ciphers',
    'ecdhCurve', 'dhparam', 'honorCipherOrder', 'secureOptions', 'sessionIdContext', 'clientCertEngine', 'privateKeyIdentifier', 'privateKeyEngine',
    'pfx', 'key', 'passphrase', 'cert', 'sessionTimeout', 'ticketKeys', 'pskCallback', 'pskIdentityHint', 'SNICallback', 'ALPNProtocols', 'enableTrace',
    'privateKeyEngine', 'handshakeTimeout'],
].flat().map(n => [n, "Node's copy of its createServer options; ours are in the server's Context (keys are not kept in the clear)"]));
/** Node's tls.Server methods ours has only to refuse. */
const SERVER_REFUSED = ['setOptions', 'getTicketKeys'];

/** Every string-named member of `o` and its prototypes (own fields too), but the private ones (`_...`). */
function members(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor' && !n.startsWith('_')) names.add(n);
  }
  return [...names].sort();
}

/** A client and the server's socket for it, connected and secure. */
interface Pair { client: TLSSocket | nodeTls.TLSSocket; accepted: TLSSocket | nodeTls.TLSSocket; server: net.Server; port: number }
type Side = 'ours' | 'node';

async function pair(o: OpenSSL, clientSide: Side, serverSide: Side, serverOptions: object = {}): Promise<Pair & { early: Record<string, unknown> }> {
  const cert = pem('server.pem'), key = pem('server.key'), ca = pem('ca.pem');
  const server: net.Server = serverSide === 'ours'
    ? createServer({ openssl: o, cert, key, ...serverOptions })
    : nodeTls.createServer({ cert, key, ...serverOptions });
  const accepted = new Promise<TLSSocket | nodeTls.TLSSocket>(r => server.once('secureConnection', s => { s.on('data', (d: Buffer) => s.write(d)); r(s); }));
  const port = await listen(server);
  const options = { host: '127.0.0.1', port, servername: 'localhost' };
  const client = clientSide === 'ours' ? connect({ ...options, openssl: o, contextOptions: { ca } }) : nodeTls.connect({ ...options, ca });
  // What the socket says as it is made, before TCP has connected.
  const early = { connecting: client.connecting, pending: client.pending, readyState: client.readyState, secureConnecting: extra(client).secureConnecting,
    remoteAddress: client.remoteAddress, bytesRead: client.bytesRead, bytesWritten: client.bytesWritten, address: client.address() };
  await once(client, 'secureConnect');
  return { client, accepted: await accepted, server, port, early };
}

/** Node's TLSSocket members its types in Deno do not declare. */
const extra = (s: object) => s as { secureConnecting?: boolean; server?: net.Server };

async function unpair(p: Pair): Promise<void> {
  p.client.destroy();
  await closed(p.client);
  await closeServer(p.server);
}

suite("Node adapter: TLSSocket and tls.Server members beside Node's own", test => {
  test("every member of Node's TLSSocket (a net.Socket) is on ours, or listed as not taken with why; the refused ones throw a TypeError saying why", async () => {
    const o = await load();
    const mine = await pair(o, 'ours', 'ours');
    const theirs = await pair(o, 'node', 'node');
    try {
      for (const [what, node, ours] of [['client', theirs.client, mine.client], ['server', theirs.accepted, mine.accepted]] as const) {
        const missing = members(node).filter(n => !(n in ours) && !(n in SOCKET_NOT_TAKEN));
        assert.deepEqual(missing, [], `Node's ${what} TLSSocket members ours lacks (add them, or list them as not taken with why)`);
        assert.deepEqual(Object.keys(SOCKET_NOT_TAKEN).filter(n => n in ours), [], 'listed as not taken but present');
      }
      for (const name of SOCKET_REFUSED) {
        const e = assert.throws(() => (mine.client as unknown as Record<string, () => unknown>)[name](), TypeError) as Error;
        assert.match(e.message, new RegExp(`^TLSSocket\\.${name}: not supported here.{20,}`), `${name} says why`);
      }
    } finally {
      await unpair(mine);
      await unpair(theirs);
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test("every member of Node's tls.Server (a net.Server) is on ours, or listed as not taken with why; the refused ones throw a TypeError saying why", async () => {
    const o = await load();
    const cert = pem('server.pem'), key = pem('server.key');
    const node = nodeTls.createServer({ cert, key });
    const ours = createServer({ openssl: o, cert, key });
    await listen(node);
    await listen(ours);
    try {
      const missing = members(node).filter(n => !(n in ours) && !(n in SERVER_NOT_TAKEN));
      assert.deepEqual(missing, [], "Node's tls.Server members ours lacks (add them, or list them as not taken with why)");
      assert.deepEqual(Object.keys(SERVER_NOT_TAKEN).filter(n => n in ours), [], 'listed as not taken but present');
      for (const name of SERVER_REFUSED) {
        const e = assert.throws(() => (ours as unknown as Record<string, (o: object) => unknown>)[name]({ cert, key }), TypeError) as Error;
        assert.match(e.message, new RegExp(`^${name}: .*not (supported|kept readable) here.{30,}`), `${name} says why`);
      }
    } finally {
      await closeServer(node);
      await closeServer(ours);
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test("disableRenegotiation(): a Node's TLS 1.2 server renegotiating is refused (its socket fails ERR_SSL_NO_RENEGOTIATION); without it the renegotiation completes", async () => {
    const o = await load();
    for (const disable of [false, true]) {
      const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), maxVersion: 'TLSv1.2' });
      const outcome = new Promise<string>(resolve => server.once('secureConnection', (s: nodeTls.TLSSocket) => {
        s.on('error', (e: { code?: string }) => resolve(`server socket error ${e.code}`));
        s.renegotiate({ requestCert: false }, e => resolve(e ? `renegotiate failed ${(e as { code?: string }).code}` : 'renegotiated'));
        s.on('data', (d: Buffer) => s.write(d));
      }));
      const port = await listen(server);
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: o, contextOptions: { ca: pem('ca.pem') } });
      client.on('error', () => undefined); // the refused renegotiation ends the connection: the server's side is what is checked
      if (disable) client.disableRenegotiation(); // before the connection exists: applied once it does
      await once(client, 'secureConnect');
      client.write('x'); // the server's HelloRequest is answered as the client reads
      let timer: ReturnType<typeof setTimeout> | undefined;
      const got = await Promise.race([outcome, new Promise<string>(r => { timer = setTimeout(() => r('nothing within 10 s'), 10_000); })]);
      clearTimeout(timer);
      assert.equal(got, disable ? 'server socket error ERR_SSL_NO_RENEGOTIATION' : 'renegotiated');
      client.destroy();
      await closed(client);
      await closeServer(server);
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });
}, { runtimes: ['node'] });

/** The pairings: ours with ours everywhere, and with Node's own tls each way in Node. */
const PAIRINGS: [Side, Side][] = inDeno ? [['ours', 'ours']] : [['ours', 'ours'], ['ours', 'node'], ['node', 'ours'], ['node', 'node']];

suite("Node adapter: TLSSocket's net.Socket members answer as Node's", test => {
  test("addresses, ports, byte counts, connecting/pending/readyState/secureConnecting and server, for each pairing with Node's tls", async () => {
    const o = await load();
    const seen: Record<string, string> = {};
    for (const [c, s] of PAIRINGS) {
      const p = await pair(o, c, s);
      try {
        const { client, accepted } = p;
        const at = `${c} client, ${s} server`;
        assert.deepEqual(p.early, { connecting: true, pending: true, readyState: 'opening', secureConnecting: true, remoteAddress: undefined, bytesRead: 0, bytesWritten: 0, address: {} }, `${at}: as it is made`);
        assert.equal(client.remoteAddress, '127.0.0.1', at);
        assert.equal(client.remoteFamily, 'IPv4', at);
        assert.equal(client.remotePort, p.port, at);
        assert.equal(client.localAddress, '127.0.0.1', at);
        assert.equal(client.localPort, accepted.remotePort, `${at}: the client's port is the one the server sees`);
        assert.equal(accepted.localPort, p.port, at);
        assert.equal(accepted.localFamily, 'IPv4', at);
        assert.deepEqual(client.address(), { address: '127.0.0.1', family: 'IPv4', port: client.localPort }, at);
        assert.deepEqual({ connecting: client.connecting, pending: client.pending, readyState: client.readyState, secureConnecting: extra(client).secureConnecting, encrypted: client.encrypted },
          { connecting: false, pending: false, readyState: 'open', secureConnecting: false, encrypted: true }, `${at}: once secure`);
        assert.equal(extra(accepted).server, p.server, `${at}: the accepted socket's server`);
        assert.equal(extra(client).server, undefined, `${at}: a client has none`);
        for (const m of ['setNoDelay', 'setKeepAlive', 'ref', 'unref'] as const) assert.equal((client[m] as (a?: boolean) => unknown)(true), client, `${at}: ${m} returns the socket`);
        client.ref();
        // Plaintext bytes, both ends, as Node's TLSSocket counts them (not the TLS records).
        client.write('x'.repeat(1000));
        let echoed = 0;
        await new Promise<void>(r => client.on('data', (d: Buffer) => { echoed += d.length; if (echoed >= 1000) r(); }));
        assert.deepEqual([client.bytesWritten, client.bytesRead, accepted.bytesRead, accepted.bytesWritten], [1000, 1000, 1000, 1000], `${at}: byte counts`);
        client.end();
        await closed(client);
        seen[at] = JSON.stringify({ readyState: client.readyState, pending: client.pending, connecting: client.connecting, bytesRead: client.bytesRead, bufferSize: client.bufferSize, address: client.address() });
      } finally {
        await unpair(p);
      }
    }
    // Once closed, every pairing answers as Node's client against Node's server.
    const want = JSON.stringify({ readyState: 'closed', pending: true, connecting: false, bytesRead: 1000, address: {} });
    assert.deepEqual(seen, Object.fromEntries(Object.keys(seen).map(k => [k, want])));
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test("connect({ socket }): the net.Socket members read the given socket from the start, as Node's", async () => {
    const o = await load();
    const cert = pem('server.pem'), key = pem('server.key'), ca = pem('ca.pem');
    const server = createServer({ openssl: o, cert, key });
    const port = await listen(server);
    try {
      for (const side of inDeno ? ['ours'] : ['ours', 'node']) {
        const raw = net.connect(port, '127.0.0.1');
        await once(raw, 'connect');
        const client = side === 'ours' ? connect({ socket: raw, servername: 'localhost', openssl: o, contextOptions: { ca } })
          : nodeTls.connect({ socket: raw, servername: 'localhost', ca });
        const seen = { connecting: client.connecting, pending: client.pending, readyState: client.readyState, remoteAddress: client.remoteAddress,
          remotePort: client.remotePort, localPort: client.localPort };
        assert.deepEqual(seen, { connecting: false, pending: false, readyState: 'open', remoteAddress: '127.0.0.1', remotePort: port, localPort: raw.localPort }, side);
        await once(client, 'secureConnect');
        client.destroy();
        await closed(client);
        await closed(raw);
      }
    } finally {
      await closeServer(server);
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test('setMaxSendFragment: true for 512 to 16384, false outside, a TypeError for a non-number, and the records on the wire are that small', async () => {
    const o = await load();
    for (const [c, s] of PAIRINGS) {
      const at = `${c} client, ${s} server`;
      const sizes: Record<string, number> = {};
      // 512 is set as the socket is made (ours: before its connection exists, kept and set then), 16384 once secure.
      for (const fragment of [16384, 512]) {
        const relay = await countingRelay(o, c, s, fragment === 512 ? fragment : undefined);
        try {
          const { client } = relay;
          if (fragment === 512) assert.equal(relay.early, true, `${at}: as the socket is made`);
          else assert.equal(client.setMaxSendFragment(fragment), true, at);
          // Refused sizes leave the size set before, as in OpenSSL.
          assert.deepEqual([client.setMaxSendFragment(511), client.setMaxSendFragment(16385)], [false, false], `${at}: outside OpenSSL's range`);
          const e = assert.throws(() => client.setMaxSendFragment('512' as unknown as number), TypeError) as { code?: string };
          assert.equal(e.code, 'ERR_INVALID_ARG_TYPE', at);
          const before = relay.upstream();
          client.write(Buffer.alloc(8192, 1));
          let echoed = 0;
          await new Promise<void>(r => client.on('data', (d: Buffer) => { echoed += d.length; if (echoed >= 8192) r(); }));
          sizes[fragment] = relay.upstream() - before;
        } finally {
          await relay.close();
        }
      }
      // 16 records of 512 bytes instead of one: at least 15 more record headers and AEAD tags (22 bytes each in TLS 1.3).
      assert.ok(sizes[512] - sizes[16384] >= 15 * 22, `${at}: 8192 bytes in 512-byte records take more on the wire (${JSON.stringify(sizes)})`);
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test("the server's net.Server members: listening, address(), getConnections(), maxConnections (a client beyond it is dropped before its handshake), ref/unref, as Node's tls.Server", async () => {
    const o = await load();
    const cert = pem('server.pem'), key = pem('server.key'), ca = pem('ca.pem');
    for (const side of inDeno ? ['ours'] : ['ours', 'node']) {
      const server: net.Server = side === 'ours' ? createServer({ openssl: o, cert, key }) : nodeTls.createServer({ cert, key });
      const at = `${side} server`;
      assert.equal(server.listening, false, at);
      const port = await listen(server);
      assert.equal(server.listening, true, at);
      assert.deepEqual(server.address(), { address: '127.0.0.1', family: 'IPv4', port }, at);
      assert.equal(server.unref(), server, at);
      assert.equal(server.ref(), server, at);
      server.maxConnections = 1;
      const first = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: o, contextOptions: { ca } });
      await once(first, 'secureConnect');
      const count = await new Promise<number>((resolve, reject) => server.getConnections((e, n) => e ? reject(e) : resolve(n)));
      assert.equal(count, 1, `${at}: getConnections`);
      // Node's net.Server tells of it ('drop'); Deno's emulation of it does not.
      const dropped = inDeno ? Promise.resolve([]) : once(server, 'drop');
      dropped.catch(() => undefined); // awaited below; not unhandled if an assertion fails first
      const second = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: o, contextOptions: { ca } });
      const refused = await once(second, 'secureConnect').then(() => null, (e: { code?: string }) => e.code);
      assert.equal(refused, 'ECONNRESET', `${at}: the client beyond maxConnections`);
      await dropped;
      first.destroy();
      await closed(first);
      await closed(second);
      await closeServer(server);
      assert.equal(server.listening, false, at);
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test("setSecureContext: connections from then on get the new certificate, an open one keeps its own and goes on; bad PEM throws Node's code and changes nothing", async () => {
    const o = await load();
    const ca = pem('ca.pem');
    const first = { cert: pem('server.pem'), key: pem('server.key') }, second = { cert: pem('server-rsa.pem'), key: pem('server-rsa.key') };
    const fingerprintOf = async (port: number) => {
      const c = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: o, contextOptions: { ca } });
      await once(c, 'secureConnect');
      return { socket: c, fingerprint: (c.getPeerCertificate() as { fingerprint256: string }).fingerprint256 };
    };
    const seen: Record<string, string[]> = {};
    for (const side of inDeno ? ['ours'] : ['ours', 'node']) {
      const server: nodeTls.Server = side === 'ours' ? createServer({ openssl: o, ...first }) as unknown as nodeTls.Server : nodeTls.createServer(first);
      const accepted: net.Socket[] = [];
      server.on('secureConnection', (s: net.Socket) => { accepted.push(s); s.on('data', (d: Buffer) => s.write(d)); });
      const port = await listen(server);
      const before = await fingerprintOf(port);
      const e = assert.throws(() => server.setSecureContext({ cert: 'not PEM', key: 'not PEM' })) as { code?: string };
      assert.equal(e.code, 'ERR_OSSL_PEM_NO_START_LINE', `${side}: bad PEM`);
      const unchanged = await fingerprintOf(port);
      server.setSecureContext(second);
      const after = await fingerprintOf(port);
      // The connection made before goes on, on its own context.
      before.socket.write('still here');
      const [echo] = await once<[Buffer]>(before.socket, 'data');
      assert.equal(echo.toString(), 'still here', side);
      for (const c of [before, unchanged, after]) { c.socket.destroy(); await closed(c.socket); }
      if (side === 'ours') {
        for (const a of accepted) await closed(a); // the server's sockets close after the clients'
        assert.equal(o.stats().handles.Context, 1, 'the replaced context went with its last connection: only the new one is left');
      }
      await closeServer(server);
      seen[side] = [before.fingerprint === unchanged.fingerprint ? 'same after bad PEM' : 'changed by bad PEM', before.fingerprint === after.fingerprint ? 'not replaced' : 'replaced'];
    }
    for (const side of Object.keys(seen)) assert.deepEqual(seen[side], ['same after bad PEM', 'replaced'], side);
    const strict = createServer({ openssl: o, ...first });
    await listen(strict);
    assert.throws(() => strict.setSecureContext({ ...second, bogus: 1 } as object), TypeError, 'an unknown option is refused (Node ignores it)');
    await closeServer(strict);
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test('setSecureContext: sessions from before still resume when ticket keys were given (they go on), not on OpenSSL\'s own keys nor under other ticketKeys given, on our server as on Node\'s', async () => {
    const o = await load();
    const ca = pem('ca.pem'), cert = pem('server.pem'), key = pem('server.key');
    // Buffers (Uint8Arrays), which both servers take.
    const ticketKeys = Buffer.from(crypto.getRandomValues(new Uint8Array(48))), otherKeys = Buffer.from(crypto.getRandomValues(new Uint8Array(48)));
    const resumed: Record<string, boolean[]> = {};
    for (const side of inDeno ? ['ours'] : ['ours', 'node']) {
      for (const initial of [ticketKeys, undefined]) {
        const at = `${side} server, ${initial ? 'ticketKeys given' : "OpenSSL's own ticket keys"}`;
        const given = initial && { ticketKeys: initial };
        const server: nodeTls.Server = side === 'ours' ? createServer({ openssl: o, cert, key, ...given }) as unknown as nodeTls.Server
          : nodeTls.createServer({ cert, key, ...given });
        server.on('secureConnection', (s: net.Socket) => s.end('hi')); // written, so TLS 1.3 tickets go first
        const port = await listen(server);
        const options = { host: '127.0.0.1', port, servername: 'localhost', openssl: o, contextOptions: { ca } };
        const first = connect(options);
        first.resume(); // the tickets come as the client reads
        const [session] = await once<[Buffer]>(first, 'session');
        await closed(first);
        resumed[at] = [];
        for (const keys of initial ? [undefined, initial, otherKeys] : [undefined, otherKeys]) {
          server.setSecureContext({ cert, key, ...(keys ? { ticketKeys: keys } : {}) });
          const again = connect({ ...options, session });
          again.resume();
          await once(again, 'secureConnect');
          resumed[at].push(again.isSessionReused());
          again.destroy();
          await closed(again);
        }
        await closeServer(server);
      }
    }
    assert.deepEqual(resumed, Object.fromEntries(Object.keys(resumed).map(at => [at, at.includes('given') ? [true, true, false] : [false, false]])),
      'resumed: with the keys kept (only keys given are: OpenSSL\'s own are new with the new context), with the same keys given, with other keys given');
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });
}, { runtimes: ['node', 'deno'] });

/** A client whose bytes to the server pass through a TCP relay that counts them. */
async function countingRelay(o: OpenSSL, clientSide: Side, serverSide: Side, fragment?: number) {
  const cert = pem('server.pem'), key = pem('server.key'), ca = pem('ca.pem');
  const server: net.Server = serverSide === 'ours' ? createServer({ openssl: o, cert, key }) : nodeTls.createServer({ cert, key });
  server.on('secureConnection', (s: net.Socket) => s.on('data', (d: Buffer) => s.write(d)));
  const port = await listen(server);
  let up = 0;
  const pipes: net.Socket[] = [];
  const relay = net.createServer(inbound => {
    const outbound = net.connect(port, '127.0.0.1');
    pipes.push(inbound, outbound);
    inbound.on('data', (d: Buffer) => { up += d.length; outbound.write(d); });
    outbound.on('data', (d: Buffer) => inbound.write(d));
    for (const [a, b] of [[inbound, outbound], [outbound, inbound]]) { a.on('close', () => b.destroy()); a.on('error', () => undefined); }
  });
  const relayPort = await listen(relay);
  const options = { host: '127.0.0.1', port: relayPort, servername: 'localhost' };
  const client = clientSide === 'ours' ? connect({ ...options, openssl: o, contextOptions: { ca } }) : nodeTls.connect({ ...options, ca });
  const early = fragment === undefined ? undefined : client.setMaxSendFragment(fragment);
  await once(client, 'secureConnect');
  return {
    client, early, upstream: () => up,
    close: async () => {
      client.destroy();
      await closed(client);
      for (const p of pipes) p.destroy();
      await closeServer(relay);
      await closeServer(server);
    },
  };
}
