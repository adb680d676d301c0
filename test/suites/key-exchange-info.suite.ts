// Two object-layer additions the Node adapter is built on, in every runtime: a context's private
// key read from encrypted PEM with privateKeyPassphrase (PEM_read_bio_PrivateKey's passphrase),
// and Connection.peerTempKey, the peer's ephemeral key-exchange key (SSL_get_peer_tmp_key).
import { OpenSSLError } from '../../ts/index.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { fixture } from '../lib/fixtures.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, pki } from '../lib/tls.ts';

/** test/fixtures/server-encrypted.key's passphrase (make-certs.sh). */
const PASSPHRASE = 'openssl-wasm-test';

suite('Context: encrypted keys and the peer\'s ephemeral key', test => {
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
