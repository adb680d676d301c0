// Secrets handed to the module leave no copy behind in linear memory (issue 16): a private key's
// PEM after createContext, a session's PEM and DER after sessionFromPEM / sessionFromDER / toPEM /
// toDER, a PSK's key after pskSession. Each test scans the whole of the instance's memory, freed
// parts included, for every base64 line of the PEM text, the key's DER and the raw key bytes.
import type { OpenSSL, Session } from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { fixture } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, firstSession, load, serverContext } from '../lib/tls.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

/** Where `needle` occurs in `haystack`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  for (let i = haystack.indexOf(first); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** The base64 lines of a PEM text (not the BEGIN/END lines), each long enough to be the secret's own. */
function base64Lines(pem: string): string[] {
  return pem.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('-----') && l.length >= 16);
}

/** Fails naming each secret found in the instance's linear memory (all of it, freed parts included). */
function assertNotInMemory(ossl: OpenSSL, secrets: Record<string, Uint8Array>, when: string): void {
  const memory = new Uint8Array(ossl.raw.mem.memory.buffer);
  const found = Object.entries(secrets).filter(([, bytes]) => indexOf(memory, bytes) >= 0).map(([name]) => name);
  equal(found.join(', '), '', `${when}: secrets found in linear memory`);
}

const lines = (what: string, pem: string): Record<string, Uint8Array> =>
  Object.fromEntries(base64Lines(pem).map((l, i) => [`${what} line ${i + 1}`, ascii(l)]));

/** The DER inside a PEM text, as 16-byte windows (what OpenSSL's decoders hold in binary). */
function derWindows(what: string, pem: string): Record<string, Uint8Array> {
  const der = Uint8Array.from(atob(base64Lines(pem).join('')), c => c.charCodeAt(0));
  const out: Record<string, Uint8Array> = {};
  for (let o = 0; o + 16 <= der.length; o += 16) out[`${what} DER bytes ${o}-${o + 15}`] = der.subarray(o, o + 16);
  return out;
}

/** The session's master key (SSL_SESSION_get_master_key), read through the raw layer. */
function masterKey(ossl: OpenSSL, session: Session): Uint8Array {
  const { capi, mem } = ossl.raw;
  return mem.scope(s => {
    const buf = s.alloc(48, true);
    const n = capi.SSL_SESSION_get_master_key(session.pointer, buf, 48);
    ok(n > 0, 'the session has a master key');
    return mem.copyOut(buf, n);
  });
}

suite('secrets in linear memory', test => {
  test('OpenSSL allocates through the cleansing allocator (wasm/shims.c)', async () => {
    const ossl = await load();
    equal(ossl.raw.capi.OSW_cleansing_allocator(), 1);
  });

  test('a private key\'s PEM is not left in linear memory by createContext', async () => {
    const ossl = await load();
    for (const name of ['server.key', 'server-rsa.key']) {
      const key = await fixture(name);
      const certificate = await fixture(name.replace('.key', '.pem'));
      ok(base64Lines(key).length >= 2, `${name} has base64 lines`);
      const context = ossl.createContext({ role: 'server', certificate, privateKey: key });
      assertNotInMemory(ossl, lines(name, key), `after createContext with ${name}`);
      context.free();
      // Freed, the key's DER is not left either (OpenSSL's decoders free their copy unzeroed:
      // wasm/shims.c has OpenSSL's allocator cleanse every block it frees).
      assertNotInMemory(ossl, { ...lines(name, key), ...derWindows(name, key) }, `after freeing the context made with ${name}`);
    }
  });

  test('sessions: sessionFromPEM, sessionFromDER, toPEM and toDER leave no line of the session and not its master key', async () => {
    const ossl = await load();
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const client = await clientContext(ossl, version), server = await serverContext(ossl, version);
      const first = firstSession(client, server);
      const pem = first.toPEM(), der = first.toDER(), key = masterKey(ossl, first);
      first.free();
      server.free(); // its cache holds the server's copy of the session
      client.free();
      ok(base64Lines(pem).length >= 3, 'the session PEM has base64 lines');
      const secrets = { ...lines('session PEM', pem), 'master key': key };

      ossl.sessionFromPEM(pem).free();
      assertNotInMemory(ossl, secrets, `${version}: after sessionFromPEM and free`);
      ossl.sessionFromDER(der).free();
      assertNotInMemory(ossl, secrets, `${version}: after sessionFromDER and free`);

      const fromPEM = ossl.sessionFromPEM(pem);
      equal(fromPEM.toPEM(), pem, 'sessionFromPEM then toPEM gives the same text');
      const fromDER = ossl.sessionFromDER(der);
      equal(fromDER.toDER().join(), der.join(), 'sessionFromDER then toDER gives the same bytes');
      equal(masterKey(ossl, fromPEM).join(), key.join(), 'the same master key');
      // Control: the scan finds the master key while a session holds it.
      ok(indexOf(new Uint8Array(ossl.raw.mem.memory.buffer), key) >= 0, 'a live session\'s master key is found');
      fromPEM.free();
      fromDER.free();
      assertNotInMemory(ossl, secrets, `${version}: after the sessions were read, written and freed`);
    }
  });

  test('a PSK\'s key is not left in linear memory by pskSession', async () => {
    const ossl = await load();
    const key = crypto.getRandomValues(new Uint8Array(32));
    const psk = ossl.pskSession({ key });
    psk.free();
    assertNotInMemory(ossl, { 'PSK key': key }, 'after pskSession and free');
  });
});
