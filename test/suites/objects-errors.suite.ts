// The errors the object layer throws: OpenSSLError with the whole error stack (bad PEM, failed
// verification, unexpected EOF), and TypeError/RangeError naming the argument for misuse, never
// leaving a handle behind.
// Each test loads its own instance and must leave it with no live handle and nothing finalized
// (checked after the test body by `objTest`, test/lib/object-world.ts).
import { FreedHandleError, OpenSSLError, transfer } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { NO_HANDLES, objectTest, World } from '../lib/object-world.ts';

type Misuse = [what: string, fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: RegExp];

/**
 * Runs each misuse; returns what went wrong: no throw, another class (FreedHandleError and
 * OpenSSLError included), a message not naming the argument, or a handle left behind.
 */
function misused(w: World, cases: Misuse[]): string[] {
  const wrong: string[] = [];
  for (const [what, fn, cls, re] of cases) {
    const before = w.o.stats().handles;
    try {
      fn();
      wrong.push(`${what}: did not throw`);
    } catch (e) {
      const ok = e instanceof cls && !(e instanceof FreedHandleError) && !(e instanceof OpenSSLError) && re.test((e as Error).message);
      if (!ok) wrong.push(`${what}: expected ${cls.name} matching ${re}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    const after = w.o.stats().handles;
    for (const k of ['Context', 'Connection', 'Session'] as const) {
      if (after[k] !== before[k]) wrong.push(`${what}: left ${after[k] - before[k]} live ${k} handle(s) behind`);
    }
  }
  return wrong;
}

suite('object layer: errors', test => {
  const objTest = objectTest(test);

  objTest('a bad PEM certificate: OpenSSLError carrying the whole error stack, code, library and reason', w => {
    const cases = [
      { certificate: 'garbage', minEntries: 1, reason: /no start line/ },
      { certificate: '-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n', minEntries: 2, reason: /./ },
    ];
    for (const k of cases) {
      const e = assert.throws(() => w.o.createContext({ role: 'server', certificate: k.certificate, privateKey: w.p.key }), OpenSSLError) as OpenSSLError;
      assert.equal(e.name, 'OpenSSLError');
      assert.match(e.message, /^certificate holds no PEM certificate \(PEM_read_bio_X509\): /);
      assert.ok(e.errors.length >= k.minEntries, `${e.errors.length} stack entries`);
      assert.equal(e.code, e.errors[0].code, 'code is the first (oldest) entry\'s');
      assert.equal(e.library, e.errors[0].library);
      assert.equal(e.reason, e.errors[0].reason);
      assert.ok(e.code !== 0 && typeof e.library === 'string' && typeof e.reason === 'string');
      assert.match(e.reason!, k.reason);
      for (const entry of e.errors) {
        assert.ok(e.message.includes(entry.message), `the message carries "${entry.message}"`);
        assert.equal(entry.lib, (entry.code >>> 23) & 0xff);
      }
      assert.equal(w.o.raw.capi.ERR_peek_error(), 0, 'the error stack was drained into the exception');
    }
    const bad = assert.throws(() => w.o.createContext({ role: 'server', certificate: w.p.cert, privateKey: 'not a key' }), OpenSSLError) as OpenSSLError;
    assert.match(bad.message, /privateKey is not a PEM private key/);
    assert.ok(bad.errors.length >= 1 && bad.library !== null);
    const other = assert.throws(() => w.o.createContext({ role: 'server', certificate: w.p.cert, privateKey: w.p.rsaKey }), OpenSSLError) as OpenSSLError;
    assert.match(other.message, /private key does not match the certificate/);
    assert.deepEqual(w.o.stats().handles, NO_HANDLES, 'no half-made Context is left');
  });

  objTest('a verification failure throws OpenSSLError naming the verification error; connection.error is sticky; takeOutgoing() still hands over the alert', w => {
    const server = w.server(), client = w.client({ ca: w.p.otherCa });
    const p = w.pair(client, server);
    p.c.handshake();
    transfer(p.c, p.s);
    p.s.handshake();
    transfer(p.s, p.c);
    const e = assert.throws(() => p.c.handshake(), OpenSSLError) as OpenSSLError;
    assert.match(e.message, /^handshake failed \(certificate verification: unable to get local issuer certificate\): .*certificate verify failed/);
    assert.equal(e.reason, 'certificate verify failed');
    assert.equal(e.library, 'SSL routines');
    assert.deepEqual(p.c.verifyResult, { code: 20, message: 'unable to get local issuer certificate' });
    assert.equal(p.c.error, e);
    for (const again of [() => p.c.handshake(), () => p.c.read(), () => p.c.write('x'), () => p.c.shutdown()]) {
      assert.equal(assert.throws(again), e, 'every later operation throws the same error');
    }
    const alert = p.c.takeOutgoing();
    assert.deepEqual(alert, new Uint8Array([21, 3, 3, 0, 2, 2, 48]), 'a fatal unknown_ca alert record');
    assert.equal(p.c.takeOutgoing().length, 0);
    p.s.receive(alert);
    const se = assert.throws(() => p.s.handshake(), OpenSSLError) as OpenSSLError;
    assert.match(se.message, /tlsv1 alert unknown ca/);
    assert.equal(p.s.error, se);
    assert.equal(p.c.error, e, 'still the first error');
    p.free(); client.free(); server.free();
  });

  objTest('misuse is a TypeError or RangeError naming the argument (and never an OpenSSLError or a leaked handle)', w => {
    const client = w.client(), server = w.server();
    const conn = client.createConnection({ serverName: 'localhost' });
    const sconn = server.createConnection();
    const sess = w.o.newSession();
    const cases: Misuse[] = [
      ['no options', () => w.o.createContext(null as never), TypeError, /options must be an object/],
      ['bad role', () => w.o.createContext({ role: 'peer' as never }), TypeError, /options\.role must be 'client' or 'server', got peer/],
      ['misspelt option', () => w.o.createContext({ role: 'client', ciphersuites: 'TLS_AES_128_GCM_SHA256' } as never), TypeError, /unknown option "ciphersuites" \(did you mean cipherSuites\?\)/],
      ['unknown option', () => w.o.createContext({ role: 'client', hostname: 'x' } as never), TypeError, /unknown option "hostname"; the options are role, /],
      ['minVersion', () => w.o.createContext({ role: 'client', minVersion: 'TLSv1.1' as never }), RangeError, /minVersion/],
      ['maxVersion', () => w.o.createContext({ role: 'client', maxVersion: 'SSLv3' as never }), RangeError, /maxVersion/],
      ['certificate without privateKey', () => w.o.createContext({ role: 'server', certificate: w.p.cert }), TypeError, /privateKey/],
      ['privateKey without certificate', () => w.o.createContext({ role: 'server', privateKey: w.p.key }), TypeError, /certificate/],
      ['certificate not a string', () => w.o.createContext({ role: 'server', certificate: 42 as never, privateKey: w.p.key }), TypeError, /certificate must be a string/],
      ['ca not a string', () => w.o.createContext({ role: 'client', ca: [42] as never }), TypeError, /ca must be a string/],
      ['groups not a string', () => w.o.createContext({ role: 'client', groups: 42 as never }), TypeError, /groups must be a string/],
      ['options not a bigint', () => w.o.createContext({ role: 'client', options: 1 as never }), TypeError, /options\.options must be a bigint/],
      ['sessionTimeout -1', () => w.o.createContext({ role: 'server', sessionTimeout: -1 }), RangeError, /sessionTimeout/],
      ['sessionCacheSize 1.5', () => w.o.createContext({ role: 'server', sessionCacheSize: 1.5 }), RangeError, /sessionCacheSize/],
      ['sessionCacheMode -1', () => w.o.createContext({ role: 'server', sessionCacheMode: -1 }), RangeError, /sessionCacheMode/],
      ['numTickets -1', () => w.o.createContext({ role: 'server', numTickets: -1 }), RangeError, /numTickets/],
      ['sessionIdContext 33 bytes', () => w.o.createContext({ role: 'server', sessionIdContext: new Uint8Array(33) }), RangeError, /sessionIdContext is at most 32 bytes/],
      ['sessionIdContext not bytes', () => w.o.createContext({ role: 'server', sessionIdContext: 42 as never }), TypeError, /sessionIdContext/],
      ['connection options', () => client.createConnection(null as never), TypeError, /options must be an object/],
      ['misspelt connection option', () => client.createConnection({ servername: 'localhost' } as never), TypeError, /createConnection: unknown option "servername" \(did you mean serverName\?\)/],
      ['serverName missing on a verifying client', () => client.createConnection(), TypeError, /needs serverName.*checkHostName: false/],
      ['serverName empty', () => client.createConnection({ serverName: '' }), TypeError, /serverName must be a non-empty string/],
      ['serverName on a server', () => server.createConnection({ serverName: 'localhost' }), TypeError, /serverName, checkHostName and session are client options/],
      ['session on a server', () => server.createConnection({ session: sess }), TypeError, /client options/],
      ['setSession on a server connection', () => sconn.setSession(sess), TypeError, /setSession is for clients/],
      ['setSession(not a Session)', () => conn.setSession({} as never), TypeError, /setSession: session must be a Session or null/],
      ['receive(non-Uint8Array)', () => conn.receive('hello' as never), TypeError, /receive: data must be a Uint8Array/],
      ['receive(ArrayBuffer)', () => conn.receive(new ArrayBuffer(4) as never), TypeError, /receive: data/],
      ['write(number)', () => conn.write(42 as never), TypeError, /write: data must be a Uint8Array or a string/],
      ['shutdownState 4', () => { conn.shutdownState = 4; }, RangeError, /shutdownState/],
      ['context sessionTimeout -1', () => { server.sessionTimeout = -1; }, RangeError, /sessionTimeout must be whole seconds, got -1/],
      ['flushSessions(-1)', () => server.flushSessions(-1), RangeError, /flushSessions: time/],
      ['session time -1', () => { sess.time = -1; }, RangeError, /time must be/],
      ['session timeout 1.5', () => { sess.timeout = 1.5; }, RangeError, /timeout must be/],
      ['session id not bytes', () => { sess.id = 'abc' as never; }, TypeError, /id must be a Uint8Array/],
      ['session idContext not bytes', () => { sess.idContext = 42 as never; }, TypeError, /idContext/],
      ['session alpn not a string', () => { sess.alpn = 42 as never; }, TypeError, /alpn/],
      ['session ticketAppData not bytes', () => { sess.ticketAppData = 42 as never; }, TypeError, /ticketAppData/],
      ['sessionFromDER(string)', () => w.o.sessionFromDER('MII' as never), TypeError, /sessionFromDER: der must be a Uint8Array/],
      ['sessionFromPEM(bytes)', () => w.o.sessionFromPEM(new Uint8Array(1) as never), TypeError, /sessionFromPEM: pem must be a string/],
    ];
    assert.deepEqual(misused(w, cases), []);
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 2, Session: 1 });
    assert.equal(conn.error, null, 'misuse is not a connection error');
    assert.equal(conn.handshake(), 'want-read', 'and the connection still works');
    for (const h of [conn, sconn, sess, client, server]) h.free();
  });

  // context.ts computes alpnWire(options.alpn) after super() registered the new SSL_CTX but before
  // the try block that frees it when configuration fails.
  test('a bad alpn option is a RangeError/TypeError naming alpn, and createContext leaves no Context behind', async () => {
    const w = await World.load();
    const cases: Misuse[] = [
      ['alpn too long', () => w.o.createContext({ role: 'client', alpn: ['x'.repeat(256)] }), RangeError, /alpn protocol names are 1 to 255 bytes/],
      ['alpn empty name', () => w.o.createContext({ role: 'server', alpn: [''] }), RangeError, /alpn protocol names are 1 to 255 bytes/],
      ['alpn empty list', () => w.o.createContext({ role: 'client', alpn: [] }), TypeError, /alpn must be a non-empty array/],
      ['alpn not an array', () => w.o.createContext({ role: 'client', alpn: 'h2' as never }), TypeError, /alpn must be a non-empty array/],
      ['alpn name not a string', () => w.o.createContext({ role: 'client', alpn: [42] as never }), TypeError, /alpn must be a string/],
    ];
    assert.deepEqual(misused(w, cases), []);
  });

  objTest('receiveEnd() in the middle of a handshake fails it with OpenSSLError (unexpected eof), no hang', w => {
    const server = w.server(), client = w.client();
    for (const side of ['client', 'server'] as const) {
      const p = w.pair(client, server);
      assert.equal(p.c.handshake(), 'want-read');
      transfer(p.c, p.s);
      assert.equal(p.s.handshake(), 'want-read');
      const conn = side === 'client' ? p.c : p.s;
      assert.equal(conn.handshake(), 'want-read', 'nothing more has arrived: waiting, not failing');
      conn.receiveEnd();
      const e = assert.throws(() => conn.handshake(), OpenSSLError) as OpenSSLError;
      assert.match(e.message, /unexpected eof while reading/);
      assert.equal(conn.error, e);
      p.free();
    }
    client.free(); server.free();
  });
});
