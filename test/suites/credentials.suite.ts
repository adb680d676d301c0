// Object-layer additions the Node adapter is built on, in every runtime: a context's private key
// read from encrypted PEM with privateKeyPassphrase (PEM_read_bio_PrivateKey's passphrase), several
// certificates of different key types (signatureAlgorithms picking between them), its
// certificate, chain and key from PKCS#12 (PKCS12_parse), revocation lists (X509_STORE_add_crl), and
// Connection.peerTempKey, the peer's ephemeral key-exchange key (SSL_get_peer_tmp_key).
import { handshakeInMemory, OpenSSLError } from '../../ts/index.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { fixture, readURL } from '../lib/fixtures.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, pki } from '../lib/tls.ts';

/** The passphrase of test/fixtures/server-encrypted.key and server.pfx (make-certs.sh). */
const PASSPHRASE = 'openssl-wasm-test';

const pfx = () => readURL(new URL('../fixtures/server.pfx', import.meta.url));

suite('Context: credentials and the peer\'s ephemeral key', test => {
  test('privateKeyPassphrase decrypts an encrypted PEM key; the server then handshakes with it', async () => {
    const ossl = await load();
    const { cert } = await pki();
    const key = await fixture('server-encrypted.key');
    const server = ossl.createContext({ role: 'server', certificate: cert, privateKey: key, privateKeyPassphrase: PASSPHRASE });
    const client = await clientContext(ossl, 'TLSv1.3');
    const { c, s } = connect(client, server);
    equal(c.verifyResult.code, 0, 'the client verified the server');
    close(c, s);
    client.free();
    server.free();
    await assertNoHandles(ossl, 'after');
  });

  test('an encrypted key without its passphrase, or with a wrong one: OpenSSLError (bad decrypt), never a prompt', async () => {
    const ossl = await load();
    const { cert } = await pki();
    const key = await fixture('server-encrypted.key');
    for (const pass of [undefined, 'wrong']) {
      const e = throws(() => ossl.createContext({ role: 'server', certificate: cert, privateKey: key, privateKeyPassphrase: pass }), OpenSSLError) as OpenSSLError;
      match(e.message, pass === undefined ? /needs privateKeyPassphrase/ : /does not decrypt it/);
      ok(e.errors.some(x => /bad decrypt/.test(x.reason ?? '')), `OpenSSL's own reason: ${e.errors.map(x => x.reason).join(', ')}`);
    }
    throws(() => ossl.createContext({ role: 'server', certificate: cert, privateKey: key, privateKeyPassphrase: 7 as never }), TypeError);
    throws(() => ossl.createContext({ role: 'client', privateKeyPassphrase: PASSPHRASE }), TypeError);
    // An unencrypted key is read as before, a passphrase given or not.
    const { key: plain } = await pki();
    ossl.createContext({ role: 'server', certificate: cert, privateKey: plain, privateKeyPassphrase: 'unused' }).free();
    await assertNoHandles(ossl, 'after the refusals');
  });

  test('certificate and privateKey arrays: an ECDSA and an RSA certificate, the one sent picked by the client\'s signatureAlgorithms; a certificate without its key refused', async () => {
    const ossl = await load();
    const { cert, key } = await pki(); // ECDSA P-256
    const [rsaCert, rsaKey, encrypted, otherKey] = await Promise.all(['server-rsa.pem', 'server-rsa.key', 'server-encrypted.key', 'self-signed.key'].map(fixture));
    // The keys in the other order, one encrypted under a passphrase of its own: OpenSSL pairs them by key type.
    const server = ossl.createContext({ role: 'server', certificate: [cert, rsaCert], privateKey: [rsaKey, { pem: encrypted, passphrase: PASSPHRASE }] });
    // The certificate sent, by its key's size: 256 (ECDSA P-256) or 2048 (RSA).
    for (const [version, sigalgs, bits] of [['TLSv1.3', 'ECDSA+SHA256', 256], ['TLSv1.3', 'RSA-PSS+SHA256', 2048],
      ['TLSv1.2', 'ECDSA+SHA256', 256], ['TLSv1.2', 'RSA+SHA256', 2048]] as const) {
      const client = await clientContext(ossl, version, { signatureAlgorithms: sigalgs });
      const { c, s } = connect(client, server);
      equal(c.verifyResult.code, 0, 'verified');
      equal(c.peerCertificateDetails(false)[0].bits, bits, `${version}, ${sigalgs}`);
      close(c, s);
      client.free();
    }
    server.free();
    const refused = [
      // the ECDSA certificate has no key
      () => ossl.createContext({ role: 'server', certificate: [cert, rsaCert], privateKey: [rsaKey] }),
      // an ECDSA key that is not the certificate's: key values mismatch (X509_check_private_key)
      () => ossl.createContext({ role: 'server', certificate: [rsaCert, cert], privateKey: [rsaKey, otherKey] }),
    ];
    match((throws(refused[0], OpenSSLError) as Error).message, /certificate\[0\] has no private key of its key type/);
    ok((throws(refused[1], OpenSSLError) as OpenSSLError).errors.some(x => /key values mismatch/.test(x.reason ?? '')));
    throws(() => ossl.createContext({ role: 'server', certificate: [cert], privateKey: [{ key } as never] }), TypeError);
    throws(() => ossl.createContext({ role: 'server', certificate: [], privateKey: [] }), TypeError);
    throws(() => ossl.createContext({ role: 'client', signatureAlgorithms: 'NOPE+SHA1' }), OpenSSLError);
    await assertNoHandles(ossl, 'after');
  });

  test('pkcs12: the certificate, chain and key of a .pfx, opened with pkcs12Passphrase', async () => {
    const ossl = await load();
    const server = ossl.createContext({ role: 'server', pkcs12: await pfx(), pkcs12Passphrase: PASSPHRASE });
    const client = await clientContext(ossl, 'TLSv1.3');
    const { c, s } = connect(client, server);
    equal(c.verifyResult.code, 0, 'the client verified the certificate from the .pfx');
    equal(c.peerCertificateDetails(true).length, 2, 'the .pfx\'s CA certificate sent as the chain');
    close(c, s);
    client.free();
    server.free();
    await assertNoHandles(ossl, 'after');
  });

  test('pkcs12 refusals: a wrong or missing passphrase, bytes that are not PKCS#12 (OpenSSLError); misuse (TypeError)', async () => {
    const ossl = await load();
    const der = await pfx();
    for (const pass of [undefined, 'wrong']) {
      const e = throws(() => ossl.createContext({ role: 'server', pkcs12: der, pkcs12Passphrase: pass }), OpenSSLError) as OpenSSLError;
      match(e.message, pass === undefined ? /needs pkcs12Passphrase/ : /does not open it/);
    }
    match((throws(() => ossl.createContext({ role: 'server', pkcs12: new Uint8Array([0x30, 0x03, 1, 2, 3]) }), OpenSSLError) as Error).message, /not PKCS#12/);
    const { cert, key } = await pki();
    throws(() => ossl.createContext({ role: 'server', pkcs12: der, pkcs12Passphrase: PASSPHRASE, certificate: cert, privateKey: key }), TypeError);
    throws(() => ossl.createContext({ role: 'server', pkcs12: 'x' as never }), TypeError);
    throws(() => ossl.createContext({ role: 'server', pkcs12Passphrase: PASSPHRASE }), TypeError);
    await assertNoHandles(ossl, 'after the refusals');
  });

  test('crl: a revoked server certificate fails verification with CERT_REVOKED (23); one not revoked passes', async () => {
    const ossl = await load();
    const { ca, cert, key } = await pki();
    const crl = await fixture('ca.crl');
    const client = ossl.createContext({ role: 'client', ca, crl });
    const good = ossl.createContext({ role: 'server', certificate: cert, privateKey: key });
    const { c, s } = connect(client, good);
    equal(c.verifyResult.code, 0, 'server.pem is not on the list');
    close(c, s);
    const revoked = ossl.createContext({ role: 'server', certificate: await fixture('server-rsa.pem'), privateKey: await fixture('server-rsa.key') });
    const c2 = client.createConnection({ serverName: 'localhost' }), s2 = revoked.createConnection();
    throws(() => handshakeInMemory(c2, s2), OpenSSLError);
    equal(c2.verifyResult.code, 23, 'X509_V_ERR_CERT_REVOKED');
    c2.free();
    s2.free();
    // Without the CRL the same certificate verifies: the list is what refused it.
    const plain = ossl.createContext({ role: 'client', ca });
    const third = connect(plain, revoked);
    equal(third.c.verifyResult.code, 0);
    close(third.c, third.s);
    match((throws(() => ossl.createContext({ role: 'client', ca, crl: 'garbage' }), OpenSSLError) as Error).message, /no PEM X509 CRL/);
    // 1000 lists in one text are read; more are refused, none taken (past 1000 they were dropped silently).
    ossl.createContext({ role: 'client', ca, crl: `${crl}\n`.repeat(1000) }).free();
    match((throws(() => ossl.createContext({ role: 'client', ca, crl: `${crl}\n`.repeat(1001) }), RangeError) as Error).message, /holds more than 1000 PEM CRLs/);
    for (const x of [client, good, revoked, plain]) x.free();
    await assertNoHandles(ossl, 'after');
  });

  test('the passphrases leave no copy in linear memory (nor does the key the .pfx held, as DER)', async () => {
    const ossl = await load();
    const { cert, key } = await pki();
    const memory = () => new Uint8Array(ossl.raw.mem.memory.buffer);
    const contains = (needle: Uint8Array) => {
      const m = memory();
      for (let i = m.indexOf(needle[0]); i >= 0 && i <= m.length - needle.length; i = m.indexOf(needle[0], i + 1)) {
        if (needle.every((b, j) => m[i + j] === b)) return true;
      }
      return false;
    };
    const a = ossl.createContext({ role: 'server', certificate: cert, privateKey: await fixture('server-encrypted.key'), privateKeyPassphrase: PASSPHRASE });
    const b = ossl.createContext({ role: 'server', pkcs12: await pfx(), pkcs12Passphrase: PASSPHRASE });
    equal(contains(new TextEncoder().encode(PASSPHRASE)), false, 'the passphrase');
    // The key's PKCS#8 DER, in 16-byte windows: what a decoder would have held in the clear. Only
    // the first 80 bytes, which hold the private scalar: the public key after it is in the certificate too.
    const der = Uint8Array.from(atob(key.split('\n').filter(l => l && !l.startsWith('-----')).join('')), c => c.charCodeAt(0));
    for (let o = 0; o + 16 <= 80; o += 16) equal(contains(der.subarray(o, o + 16)), false, `key DER bytes ${o}-${o + 15}`);
    a.free();
    b.free();
    await assertNoHandles(ossl, 'after');
  });

  // [group asked for, its name as Connection.group gives it, the expected peerTempKey]
  const groups: [string, string, object | null][] = [
    ['X25519', 'x25519', { type: 'X25519', curve: null, bits: 253 }],
    ['P-256', 'secp256r1', { type: 'EC', curve: 'prime256v1', bits: 256 }],
    ['X25519MLKEM768', 'X25519MLKEM768', null], // a KEM: the server sends a ciphertext, not a key
  ];
  for (const [group, negotiated, expected] of groups) {
    test(`peerTempKey after a ${group} handshake`, async () => {
      const ossl = await load();
      const { cert, key } = await pki();
      const server = ossl.createContext({ role: 'server', certificate: cert, privateKey: key, groups: group });
      const client = await clientContext(ossl, 'TLSv1.3', { groups: group });
      const { c, s } = connect(client, server);
      equal(c.group, negotiated);
      deepEqual(c.peerTempKey, expected as never);
      close(c, s);
      throws(() => c.peerTempKey, Error, 'freed');
      client.free();
      server.free();
      await assertNoHandles(ossl, 'after');
    });
  }
});
