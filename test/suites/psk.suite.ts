// External PSKs in memory (issue 12): TLS 1.3 PSKs as sessions (openssl.pskSession, a client
// context's options.psk, a server's onPskFind), TLS 1.2 PSK suites through the same options, what
// OpenSSL does with a wrong key and an unknown identity, servers without a certificate, who holds
// which reference, and another instance's session refused. Each test loads its own instance and
// ends with no live handle and nothing finalized.
import {
  CallbackError, ForeignHandleError, FreedHandleError, handshakeInMemory, OpenSSL, OpenSSLError, ReentrantCallError,
  type Connection, type Context, type ContextOptions, type Session,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { fixture, wasmURL } from '../lib/fixtures.ts';
import { assertFlat, assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { text } from '../lib/bytes.ts';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

/** One instance with a PSK session, and servers/clients that use it. */
class World {
  readonly lookups: Array<{ identity: string; connection: Connection | null }> = [];
  constructor(readonly o: OpenSSL, readonly psk: Session) {}

  /** A server that knows one identity, 'client1', and no certificate unless given. */
  server(extra: Partial<ContextOptions> = {}): Context {
    return this.o.createContext({
      role: 'server',
      onPskFind: (identity, connection) => {
        this.lookups.push({ identity, connection });
        return identity === 'client1' ? this.psk : null;
      },
      ...extra,
    });
  }

  /** A client offering `session` (default the PSK) under `identity`; no certificate to verify. */
  client(identity = 'client1', session = this.psk, extra: Partial<ContextOptions> = {}): Context {
    return this.o.createContext({ role: 'client', psk: { identity, session }, verifyPeer: false, ...extra });
  }

  /** Connects a pair, exchanges a line each way, frees both connections; returns what it saw. */
  connect(client: Context, server: Context) {
    const c = client.createConnection(), s = server.createConnection();
    try {
      handshakeInMemory(c, s);
      c.write(new TextEncoder().encode('ping'));
      s.write(new TextEncoder().encode('pong'));
      const moved = handshakeInMemory(c, s);
      return {
        protocol: c.protocol, cipher: c.cipher, serverCipher: s.cipher,
        clientReused: c.sessionReused, serverReused: s.sessionReused,
        serverRead: text(moved.server), clientRead: text(moved.client),
      };
    } finally {
      c.free();
      s.free();
    }
  }

  /** The handshake's failure on each side (both must fail). */
  fail(client: Context, server: Context): { client: unknown; server: unknown } {
    const c = client.createConnection(), s = server.createConnection();
    try {
      const e = assert.throws(() => handshakeInMemory(c, s));
      return { client: c.error ?? e, server: s.error ?? e };
    } finally {
      c.free();
      s.free();
    }
  }
}

function pskTest(test: (name: string, fn: () => Promise<void>) => void, name: string, body: (w: World) => void | Promise<void>) {
  test(name, async () => {
    const o = await OpenSSL.load({ wasm: wasmURL });
    const psk = o.pskSession({ key: KEY, cipher: 'TLS_AES_128_GCM_SHA256' });
    try {
      await body(new World(o, psk));
    } finally {
      if (psk.alive) psk.free();
    }
    await assertNoHandles(o, name);
  });
}

suite('external PSKs', test => {
  test("the README's External PSKs example, as written (only the module's location differs)", async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    {
      const key = crypto.getRandomValues(new Uint8Array(32));             // shared out of band
      using psk = ossl.pskSession({ key, cipher: 'TLS_AES_128_GCM_SHA256' });
      using server = ossl.createContext({ role: 'server', onPskFind: id => (id === 'sensor-17' ? psk : null) });
      using client = ossl.createContext({ role: 'client', psk: { identity: 'sensor-17', session: psk } });
      using c = client.createConnection({ serverName: 'hub.example' });
      using s = server.createConnection();
      handshakeInMemory(c, s);
      assert.equal(`${c.protocol} ${c.cipher} ${c.sessionReused}`, 'TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 true');
    }
    await assertNoHandles(ossl, 'the README example');
  });

  pskTest(test, 'pskSession: a TLS 1.3 session holding the key and the suite', w => {
    assert.equal(w.psk.protocol, 'TLSv1.3');
    assert.equal(w.psk.cipher, 'TLS_AES_128_GCM_SHA256');
    assert.equal(w.psk.referenceCount, 1);
    // The default suite is SHA-256's, as s_client -psk and the TLS 1.2 callbacks assume.
    using byDefault = w.o.pskSession({ key: KEY });
    assert.equal(byDefault.cipher, 'TLS_AES_128_GCM_SHA256');
    using sha384 = w.o.pskSession({ key: KEY, cipher: 'TLS_AES_256_GCM_SHA384', maxEarlyData: 16384 });
    assert.equal(sha384.cipherStandardName, 'TLS_AES_256_GCM_SHA384');
    assert.match(sha384.print(), /Max Early Data: 16384/);
  });

  pskTest(test, 'TLS 1.3 PSK handshake with a server that has no certificate', w => {
    using server = w.server();
    using client = w.client();
    const r = w.connect(client, server);
    assert.equal(r.protocol, 'TLSv1.3');
    // SSL_CTX_set_psk_find_session_callback(3): a PSK connection appears as a resumption.
    assert.ok(r.clientReused && r.serverReused, 'both sides report SSL_session_reused');
    assert.equal(r.serverRead, 'ping');
    assert.equal(r.clientRead, 'pong');
    assert.equal(w.lookups.length, 1);
    assert.equal(w.lookups[0].identity, 'client1');
    assert.ok(w.lookups[0].connection !== null, 'onPskFind is given the connection');
  });

  pskTest(test, "the PSK's suite decides the handshake digest: a SHA-384 PSK negotiates TLS_AES_256_GCM_SHA384", w => {
    using sha384 = w.o.pskSession({ key: KEY, cipher: 'TLS_AES_256_GCM_SHA384' });
    using server = w.o.createContext({ role: 'server', onPskFind: () => sha384 });
    using client = w.client('client1', sha384, { cipherSuites: 'TLS_AES_256_GCM_SHA384' });
    const r = w.connect(client, server);
    assert.equal(r.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.ok(r.clientReused);
    // The server picks the suite before it looks at the PSK. Without a certificate, and with TLS
    // 1.2's PSK callback set (TLS 1.2 allowed), OpenSSL prefers SHA-256 suites (ssl3_choose_cipher):
    // the PSK does not fit the suite, goes unused, and this server has nothing to go on with.
    using both = w.client('client1', sha384, { cipherSuites: 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256' });
    const e = w.fail(both, server);
    assert.ok(e.server instanceof OpenSSLError, `server: ${String(e.server)}`);
    // A TLS 1.3-only server has no TLS 1.2 callback, so no such preference: the client's order wins.
    using only13 = w.o.createContext({ role: 'server', onPskFind: () => sha384, minVersion: 'TLSv1.3' });
    assert.equal(w.connect(both, only13).cipher, 'TLS_AES_256_GCM_SHA384');
  });

  pskTest(test, 'a wrong key fails the handshake on both sides with OpenSSL errors', w => {
    using wrong = w.o.pskSession({ key: OTHER_KEY });
    using server = w.server();
    using client = w.client('client1', wrong);
    const e = w.fail(client, server);
    // The server cannot verify the binder, made with another key.
    assert.ok(e.server instanceof OpenSSLError, `server: ${String(e.server)}`);
    assert.match((e.server as OpenSSLError).message, /binder/i);
    assert.ok(e.client instanceof OpenSSLError, `client: ${String(e.client)}`);
  });

  pskTest(test, 'an unknown identity: OpenSSL goes on without the PSK (a certificate handshake), or fails without a certificate', async w => {
    const [ca, cert, key] = await Promise.all(['ca.pem', 'server.pem', 'server.key'].map(fixture));
    using withCert = w.server({ certificate: cert, privateKey: key });
    using stranger = w.client('stranger', w.psk, { verifyPeer: true, ca });
    const c = stranger.createConnection({ serverName: 'localhost' }), s = withCert.createConnection();
    try {
      handshakeInMemory(c, s);
      assert.equal(c.protocol, 'TLSv1.3');
      assert.ok(!c.sessionReused && !s.sessionReused, 'a full handshake: no PSK');
      assert.ok(c.peerCertificate !== null, 'the server authenticated with its certificate');
      assert.equal(c.verifyResult.code, 0);
    } finally {
      c.free();
      s.free();
    }
    using noCert = w.server();
    using stranger2 = w.client('stranger');
    const e = w.fail(stranger2, noCert);
    assert.ok(e.server instanceof OpenSSLError, `server: ${String(e.server)}`);
    // A client that verifies (the default) is not talked into an unverified certificate instead.
    using verifying = w.o.createContext({ role: 'client', psk: { identity: 'stranger', session: w.psk } });
    const c2 = verifying.createConnection({ serverName: 'localhost' }), s2 = withCert.createConnection();
    try {
      assert.throws(() => handshakeInMemory(c2, s2), /certificate verify failed/);
    } finally {
      c2.free();
      s2.free();
    }
    assert.deepEqual(w.lookups.map(l => l.identity), ['stranger', 'stranger', 'stranger']);
  });

  pskTest(test, 'TLS 1.2 PSK suites: the same options, the identity hint, a server without a certificate', w => {
    using server = w.server({ pskIdentityHint: 'our hint', cipherList: 'PSK' });
    using client = w.client('client1', w.psk, { maxVersion: 'TLSv1.2' });
    const r = w.connect(client, server);
    assert.equal(r.protocol, 'TLSv1.2');
    assert.match(r.cipher ?? '', /PSK/);
    assert.equal(r.serverRead, 'ping');
    assert.equal(r.clientRead, 'pong');
    assert.deepEqual(w.lookups.map(l => l.identity), ['client1'], 'looked up once, by the TLS 1.2 callback');
    // The hint reached the client, and the identity the server (SSL_get_psk_identity_hint, _identity).
    const { capi, mem } = w.o.raw;
    using c = client.createConnection(), s = server.createConnection();
    handshakeInMemory(c, s);
    assert.equal(mem.readCString(capi.SSL_get_psk_identity_hint(c.pointer)), 'our hint');
    assert.equal(mem.readCString(capi.SSL_get_psk_identity(s.pointer)), 'client1');
    using session = c.session!;
    assert.match(session.print(), /PSK identity: client1\n\s+PSK identity hint: our hint/);
    // Plain PSK (no ECDHE) too.
    using plain = w.client('client1', w.psk, { maxVersion: 'TLSv1.2', cipherList: 'PSK-AES128-GCM-SHA256' });
    assert.equal(w.connect(plain, server).cipher, 'PSK-AES128-GCM-SHA256');
  });

  pskTest(test, 'onPskClient: asked per connection with the server\'s TLS 1.2 hint (null without one, and in TLS 1.3, SHA-256); bad answers fail that handshake', w => {
    const asked: (string | null)[] = [];
    const answer = (identity: string) => (hint: string | null, connection: Connection | null) => {
      asked.push(hint);
      assert.ok(connection?.alive, 'the connection being made');
      return { identity, key: KEY };
    };
    using hinted = w.server({ pskIdentityHint: 'our hint', cipherList: 'PSK' });
    using bare = w.server({ cipherList: 'PSK' });
    using tls12 = w.o.createContext({ role: 'client', onPskClient: answer('client1'), verifyPeer: false, maxVersion: 'TLSv1.2', cipherList: 'PSK' });
    assert.equal(w.connect(tls12, hinted).clientRead, 'pong');
    assert.equal(w.connect(tls12, bare).clientRead, 'pong');
    assert.deepEqual(asked.splice(0), ['our hint', null], 'TLS 1.2: the hint, or null');
    using tls13 = w.o.createContext({ role: 'client', onPskClient: answer('client1'), verifyPeer: false });
    const r = w.connect(tls13, hinted);
    assert.deepEqual([r.protocol, /_SHA256$/.test(r.cipher ?? ''), r.clientReused, asked.splice(0)], ['TLSv1.3', true, true, [null]], `TLS 1.3: null, the PSK bound to SHA-256 (${r.cipher})`);
    assert.deepEqual(w.lookups.map(l => l.identity), ['client1', 'client1', 'client1']);
    // null: no PSK; a server without a certificate cannot go on.
    using none = w.o.createContext({ role: 'client', onPskClient: () => null, verifyPeer: false, maxVersion: 'TLSv1.2', cipherList: 'PSK' });
    assert.ok(w.fail(none, bare).client instanceof OpenSSLError);
    for (const [what, bad, re] of [
      ['a key of no bytes', { identity: 'client1', key: new Uint8Array(0) }, /key must be 1 to/],
      ['an identity with NUL', { identity: 'a\0b', key: KEY }, /without NUL/],
      ['a string key', { identity: 'client1', key: 'secret' }, /key/],
    ] as const) {
      using client = w.o.createContext({ role: 'client', onPskClient: () => bad as never, verifyPeer: false });
      const e = w.fail(client, bare).client;
      assert.ok(e instanceof CallbackError && re.test(e.message), `${what}: ${String(e)}`);
    }
    assert.throws(() => w.o.createContext({ role: 'client', onPskClient: 'no' as never }), TypeError);
    assert.throws(() => w.o.createContext({ role: 'server', onPskClient: () => null }), /onPskClient is for clients/);
    assert.throws(() => w.o.createContext({ role: 'client', onPskClient: () => null, psk: { identity: 'a', session: w.psk } }), /give one/);
  });

  pskTest(test, 'TLS 1.2: an unknown identity or a wrong key fails', w => {
    using server = w.server({ cipherList: 'PSK' });
    using stranger = w.client('stranger', w.psk, { maxVersion: 'TLSv1.2' });
    const e = w.fail(stranger, server);
    // SSL_CTX_use_psk_identity_hint(3): 0 from the server callback sends unknown_psk_identity.
    assert.match(String((e.client as Error).message), /unknown psk identity/i);
    using wrong = w.o.pskSession({ key: OTHER_KEY });
    using wrongKey = w.client('client1', wrong, { maxVersion: 'TLSv1.2' });
    const e2 = w.fail(wrongKey, server);
    assert.ok(e2.server instanceof OpenSSLError && e2.client instanceof OpenSSLError);
  });

  pskTest(test, 'references: the client context holds one until freed; OpenSSL frees the one the server lookup hands it', async w => {
    assert.equal(w.psk.referenceCount, 1);
    const client = w.client();
    assert.equal(w.psk.referenceCount, 2, 'the context took its own reference');
    const server = w.server();
    w.connect(client, server);
    assert.equal(w.psk.referenceCount, 2, 'the handshakes gave back every reference they were handed');
    client.free();
    assert.equal(w.psk.referenceCount, 1, 'freeing the context gave its reference back');
    // The context's reference outlives the program's Session.
    const own = w.o.pskSession({ key: KEY });
    const client2 = w.client('client1', own);
    own.free();
    assert.ok(w.connect(client2, server).clientReused, 'the context still has the PSK after the Session given to it was freed');
    client2.free();
    server.free();
    w.psk.free();
    await assertFlat(w.o, 'PSK handshakes, TLS 1.3 and 1.2', () => {
      using psk = w.o.pskSession({ key: KEY });
      using s = w.o.createContext({ role: 'server', onPskFind: () => psk, cipherList: 'PSK' });
      using c = w.client('client1', psk);
      using c12 = w.client('client1', psk, { maxVersion: 'TLSv1.2' });
      w.connect(c, s);
      w.connect(c12, s);
    });
  });

  pskTest(test, "another instance's PSK session is refused: by createContext, and from onPskFind", async w => {
    const other = await OpenSSL.load({ wasm: wasmURL });
    const foreign = other.pskSession({ key: KEY });
    try {
      assert.throws(() => w.client('client1', foreign), ForeignHandleError);
      using server = w.o.createContext({ role: 'server', onPskFind: () => foreign });
      using client = w.client();
      const e = w.fail(client, server);
      assert.ok(e.server instanceof CallbackError && e.server.cause instanceof ForeignHandleError, `server: ${String(e.server)}`);
      assert.equal(foreign.referenceCount, 1, 'no reference taken on the foreign session');
    } finally {
      foreign.free();
    }
    await assertNoHandles(other, 'the other instance');
  });

  pskTest(test, 'onPskFind runs under the re-entry guard: a call back into its connection is refused; freeing the context waits for OpenSSL', w => {
    let inside: unknown = 'not called';
    {
      using server = w.o.createContext({
        role: 'server',
        onPskFind: (_id, connection) => {
          try {
            connection!.handshake();
            inside = null;
          } catch (e) {
            inside = e;
          }
          return w.psk;
        },
      });
      using client = w.client();
      assert.ok(w.connect(client, server).serverReused, 'the refused call left the PSK handshake to complete');
      assert.ok(inside instanceof ReentrantCallError, `handshake() inside onPskFind: ${String(inside)}`);
    }
    const server = w.o.createContext({ role: 'server', onPskFind: (_id, connection) => { connection!.context.free(); return w.psk; } });
    using client = w.client();
    const c = client.createConnection(), s = server.createConnection();
    try {
      assert.throws(() => handshakeInMemory(c, s), FreedHandleError);
      assert.ok(!server.alive && !s.alive, 'the context and its connection read as freed');
    } finally {
      c.free();
    }
  });

  pskTest(test, 'misuse: clear errors, nothing left behind', w => {
    const o = w.o;
    const cases: Array<[string, () => unknown, new (...a: never[]) => Error, RegExp]> = [
      ['empty key', () => o.pskSession({ key: new Uint8Array(0) }), RangeError, /key must be 1 to 512 bytes/],
      ['key too long', () => o.pskSession({ key: new Uint8Array(513) }), RangeError, /key must be 1 to 512 bytes/],
      ['key not bytes', () => o.pskSession({ key: 'secret' as never }), TypeError, /key/],
      ['unknown suite', () => o.pskSession({ key: KEY, cipher: 'TLS_NOPE' }), RangeError, /TLS 1.3 suite name/],
      ['TLS 1.2 suite', () => o.pskSession({ key: KEY, cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }), RangeError, /TLS 1.3 suite name/],
      ['maxEarlyData', () => o.pskSession({ key: KEY, maxEarlyData: -1 }), RangeError, /maxEarlyData/],
      ['psk on a server', () => o.createContext({ role: 'server', psk: { identity: 'a', session: w.psk } }), TypeError, /options.psk is for clients/],
      ['onPskFind on a client', () => o.createContext({ role: 'client', onPskFind: () => null }), TypeError, /options.onPskFind is for servers/],
      ['hint on a client', () => o.createContext({ role: 'client', pskIdentityHint: 'h' }), TypeError, /pskIdentityHint is for servers/],
      ['empty identity', () => w.client(''), RangeError, /identity must be 1 to 256 bytes/],
      ['identity with NUL', () => w.client('a\0b'), RangeError, /without NUL/],
      ['not a Session', () => w.client('a', {} as never), TypeError, /must be a Session/],
      ['a session without a key', () => { using s = o.newSession(); return w.client('a', s); }, TypeError, /no key or no cipher suite/],
    ];
    for (const [what, fn, cls, re] of cases) {
      const e = assert.throws(fn, cls, what) as Error;
      assert.match(e.message, re, what);
    }
    // A freed Session is refused where it is given.
    const gone = o.pskSession({ key: KEY });
    gone.free();
    assert.throws(() => w.client('a', gone), /freed/);
    // onPskFind answering something else fails that handshake with a CallbackError naming it.
    using server = o.createContext({ role: 'server', onPskFind: () => 'key' as never });
    using client = w.client();
    const e = w.fail(client, server);
    assert.ok(e.server instanceof CallbackError && /onPskFind must be a Session/.test(e.server.message), `server: ${String(e.server)}`);
  });
});
