// The Node adapter's key and certificate options, each checked against what Node's own tls does in
// the same situation: passphrase (encrypted PEM keys), pfx (PKCS#12), bad PEM thrown from the call
// itself, createSecureContext and secureContext, key/cert/pfx array forms (an RSA and an ECDSA
// certificate, picked by sigalgs). With the openssl CLI.
// Node and Deno (Node's own tls as the reference in Node only: Deno's node:tls does not have these).
import { readFileSync } from 'node:fs';
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer, type TLSSocket } from '../../ts/node.ts';
import { deepEqual, equal, match, throws } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { closed, closeServer, listen, once, pem, readUntilClosed } from '../io/node-tls.ts';
import { fixturePath, openssl, tempDir } from '../io/peers.ts';
import { connected, encryptedKey, inDeno, keyPair, load } from '../io/node-options.ts';

suite('Node adapter: keys and certificates beside Node', test => {
  test('passphrase: an encrypted PEM key is decrypted with it; a missing or wrong one throws from the call, with Node\'s code', async () => {
    const ossl = await load();
    const key = await encryptedKey('s3cret');
    for (const [what, extra] of [['no passphrase', {}], ['a wrong passphrase', { passphrase: 'nope' }]] as const) {
      const code = 'ERR_OSSL_BAD_DECRYPT';
      if (!inDeno) equal((throws(() => nodeTls.createServer({ cert: keyPair.cert, key, ...extra })) as { code?: string }).code, code, `Node's tls: ${what}`);
      const ours = throws(() => createServer({ openssl: ossl, cert: keyPair.cert, key, ...extra })) as Error & { code: string };
      equal(ours.code, code, `${what}: Node's code`);
      const client = throws(() => connect({ port: 1, openssl: ossl, cert: keyPair.cert, key, ...extra })) as Error & { code: string };
      equal(client.code, code, `${what}: connect throws it too`);
    }
    throws(() => createServer({ openssl: ossl, ...keyPair, passphrase: 7 as never }), TypeError);
    const server = createServer({ openssl: ossl, cert: keyPair.cert, key, passphrase: 's3cret' }, s => s.end('decrypted'));
    const port = await listen(server);
    try {
      const c = connect({ port, host: '127.0.0.1', openssl: ossl, ca: pem('ca.pem'), servername: 'localhost' });
      equal(await readUntilClosed(c), 'decrypted');
    } finally {
      await closeServer(server);
    }
    await assertNoHandles(ossl, 'after the server closed');
  });

  test('bad PEM throws from connect() and createServer() themselves, with the code Node\'s tls throws', async () => {
    const ossl = await load();
    const cases: [string, Record<string, string>, string][] = [
      ['a certificate that is not PEM', { cert: 'garbage', key: keyPair.key }, 'ERR_OSSL_PEM_NO_START_LINE'],
      ['a key that is not PEM', { cert: keyPair.cert, key: 'garbage' }, 'ERR_OSSL_UNSUPPORTED'],
    ];
    for (const [what, o, code] of cases) {
      if (!inDeno) equal((throws(() => nodeTls.createServer(o)) as { code?: string }).code, code, `Node's tls: ${what}`);
      const server = throws(() => createServer({ openssl: ossl, ...o })) as Error & { code: string };
      const client = throws(() => connect({ port: 1, openssl: ossl, ...o })) as Error & { code: string };
      equal(server.code, code, `${what}: createServer, Node's ${code}`);
      equal(client.code, code, `${what}: connect, Node's ${code}`);
      match(server.message, /PEM|DECODER|private key|certificate/);
    }
    // Stricter than Node's tls, which takes both: a key of another certificate, and a ca that is not PEM.
    match((throws(() => createServer({ openssl: ossl, cert: keyPair.cert, key: pem('server-rsa.key') })) as Error).message, /does not match the certificate/);
    match((throws(() => connect({ port: 1, openssl: ossl, ca: 'garbage' })) as Error).message, /no PEM certificate/);
    await assertNoHandles(ossl, 'nothing kept from the refused calls');
  });

  test('pfx with passphrase: a server from a .pfx, verified by the client; a wrong passphrase throws from the call, as Node', async () => {
    const ossl = await load();
    const pfx = readFileSync(fixturePath('server.pfx'));
    for (const passphrase of [undefined, 'wrong']) {
      if (!inDeno) throws(() => nodeTls.createServer({ pfx, passphrase }), Error, `Node's tls refuses too (${passphrase})`);
      match((throws(() => createServer({ openssl: ossl, pfx, passphrase })) as Error).message, /pkcs12 could not be read/);
    }
    // Node's array form with one entry works (below); several (certificates of several key types in Node) are a TypeError here.
    const make = [(o: object) => createServer({ openssl: ossl, ...o }, s => s.end('from pfx')) as unknown as nodeTls.Server,
      ...inDeno ? [] : [(o: object) => nodeTls.createServer(o, s => s.end('from pfx'))]];
    const forms = [{ pfx, passphrase: 'openssl-wasm-test' }, { pfx: [{ buf: pfx, passphrase: 'openssl-wasm-test' }] }, { pfx: [pfx], passphrase: 'openssl-wasm-test' }];
    for (const server of forms.flatMap(o => make.map(m => m(o)))) {
      const port = await listen(server);
      try {
        const c = connect({ port, host: '127.0.0.1', openssl: ossl, ca: pem('ca.pem'), servername: 'localhost' });
        let text = '';
        c.on('data', (d: Buffer) => { text += d; });
        await once(c, 'secureConnect');
        equal(c.authorized, true);
        await closed(c);
        equal(text, 'from pfx');
      } finally {
        await closeServer(server);
      }
    }
  });

  test('createSecureContext: checked when made (Node\'s codes), used by connect() and as an SNICallback answer; misuse is a TypeError', async () => {
    const ossl = await load();
    const bad = { cert: keyPair.cert, key: 'garbage' };
    if (!inDeno) equal((throws(() => nodeTls.createSecureContext(bad)) as { code?: string }).code, 'ERR_OSSL_UNSUPPORTED', 'Node\'s tls');
    equal((throws(() => createSecureContext({ ...bad, openssl: ossl })) as { code?: string }).code, 'ERR_OSSL_UNSUPPORTED');
    throws(() => createSecureContext({ privateKeyEngine: 'x' } as never), TypeError);
    // SNI: a client asking for rsa.test gets the certificate of the SecureContext the callback answers with.
    const rsa = createSecureContext({ cert: pem('server-rsa.pem'), key: pem('server-rsa.key'), openssl: ossl });
    const server = createServer({ openssl: ossl, ...keyPair, SNICallback: (name, cb) => cb(null, name === 'server.test' ? rsa : undefined) }, s => s.end());
    const port = await listen(server);
    try {
      const trust = createSecureContext({ ca: pem('ca.pem') });
      for (const [servername, bits] of [['server.test', 2048], ['localhost', 256]] as const) {
        const c = connect({ port, host: '127.0.0.1', openssl: ossl, servername, secureContext: trust });
        const got = await connected(c, () => [c.authorized, (c.getPeerCertificate() as { bits?: number }).bits]);
        deepEqual(got, [true, bits] as unknown[], `${servername}: verified with the SecureContext's ca, the right certificate`);
      }
      match((throws(() => connect({ port, openssl: ossl, secureContext: trust, ca: pem('ca.pem') }), TypeError) as Error).message, /ca cannot be used with options\.secureContext/);
      if (!inDeno) match((throws(() => connect({ port, openssl: ossl, secureContext: nodeTls.createSecureContext({}) as never }), TypeError) as Error).message, /must come from createSecureContext\(\) of openssl-wasm/);
      match((throws(() => createServer({ openssl: ossl, secureContext: trust }), TypeError) as Error).message, /secureContext is for connect\(\)/);
      match((throws(() => connect({ port: 1, openssl: ossl, privateKeyEngine: 'x' } as never), TypeError) as Error).message, /privateKeyEngine/);
    } finally {
      await closeServer(server);
    }
  });

  test('key and cert in Node\'s array forms ([pem], [{ pem, passphrase }]): a server our client and Node\'s verify; a bad entry a TypeError', async () => {
    const ossl = await load();
    const encrypted = await encryptedKey('array-pass');
    const forms: Record<string, object> = {
      '[pem]': { cert: [pem('server.pem')], key: [pem('server.key')] },
      '[{ pem, passphrase }]': { cert: pem('server.pem'), key: [{ pem: encrypted, passphrase: 'array-pass' }] },
      '[{ pem }] with options.passphrase': { cert: [pem('server.pem')], key: [{ pem: encrypted }], passphrase: 'array-pass' },
    };
    for (const [name, o] of Object.entries(forms)) {
      const servers = [createServer({ openssl: ossl, ...o }, s => s.end('ok')) as unknown as nodeTls.Server,
        ...inDeno ? [] : [nodeTls.createServer(o, s => s.end('ok'))]];
      for (const server of servers) {
        const port = await listen(server);
        try {
          const clients = [() => connect({ port, host: '127.0.0.1', openssl: ossl, ca: pem('ca.pem'), servername: 'localhost' }),
            ...inDeno ? [] : [() => nodeTls.connect({ port, host: '127.0.0.1', ca: pem('ca.pem'), servername: 'localhost' })]];
          for (const client of clients) {
            const c = client();
            equal(await connected(c, () => c.authorized), true, `${name}: verified`);
          }
        } finally {
          await closeServer(server);
        }
      }
    }
    throws(() => createServer({ openssl: ossl, cert: pem('server.pem'), key: [{ pem: pem('server.key'), passphrase: 5 }] as never }), TypeError);
    throws(() => createServer({ openssl: ossl, cert: pem('server.pem'), key: [{ key: pem('server.key') }] as never }), TypeError);
    await assertNoHandles(ossl, 'after the servers closed');
  });

  test('cert and key arrays, an ECDSA and an RSA certificate: each client gets the one its signature algorithms allow, as from Node\'s server; Node\'s errors for a key that does not match', async () => {
    const ossl = await load();
    const encrypted = await encryptedKey('ec-pass');
    // The keys in another order than the certificates, one under a passphrase of its own: OpenSSL pairs them by key type.
    const both = { cert: [pem('server.pem'), pem('server-rsa.pem')], key: [pem('server-rsa.key'), { pem: encrypted, passphrase: 'ec-pass' }] };
    // The same as two PKCS#12 files, each under its own passphrase (the RSA one made by the native CLI).
    const dir = tempDir();
    const pkcs12 = async (name: string, pass: string) => {
      const made = await openssl(['pkcs12', '-export', '-in', fixturePath(`${name}.pem`), '-inkey', fixturePath(`${name}.key`), '-passout', `pass:${pass}`, '-out', `${dir.path}/${name}.pfx`]);
      equal(made.code, 0, made.out);
      return readFileSync(`${dir.path}/${name}.pfx`);
    };
    let rsaPfx: Buffer, otherEcPfx: Buffer;
    try {
      rsaPfx = await pkcs12('server-rsa', 'rsa-pass');
      otherEcPfx = await pkcs12('self-signed', 'other-pass');
    } finally {
      dir.remove();
    }
    const pfxBoth = { pfx: [{ buf: rsaPfx, passphrase: 'rsa-pass' }, readFileSync(fixturePath('server.pfx'))], passphrase: 'openssl-wasm-test' };
    const servers: [string, nodeTls.Server][] = [];
    for (const [form, o] of [['PEM', both], ['pfx', pfxBoth]] as const) {
      servers.push([`ours (${form})`, createServer({ openssl: ossl, ...o }, s => s.end()) as unknown as nodeTls.Server]);
      if (!inDeno) servers.push([`Node's (${form})`, nodeTls.createServer(o, s => s.end())]);
    }
    // [the client's sigalgs, the version, the certificate's size in bits: 256 ECDSA P-256, 2048 RSA]
    const cases: [string, 'TLSv1.3' | 'TLSv1.2', number][] = [
      ['ECDSA+SHA256', 'TLSv1.3', 256], ['RSA-PSS+SHA256', 'TLSv1.3', 2048],
      ['ECDSA+SHA256', 'TLSv1.2', 256], ['RSA+SHA256:RSA-PSS+SHA256', 'TLSv1.2', 2048],
    ];
    for (const [sName, server] of servers) {
      const port = await listen(server);
      try {
        for (const [sigalgs, maxVersion, bits] of cases) {
          const o = { port, host: '127.0.0.1', ca: pem('ca.pem'), servername: 'localhost', sigalgs, maxVersion };
          const clients: [string, () => TLSSocket | nodeTls.TLSSocket][] = [['ours', () => connect({ ...o, openssl: ossl })],
            ...inDeno ? [] : [['Node\'s', () => nodeTls.connect(o)] as [string, () => nodeTls.TLSSocket]]];
          for (const [cName, make] of clients) {
            const c = make();
            const got = await connected(c, () => [c.authorized, (c.getPeerCertificate() as { bits?: number }).bits, c.getProtocol()]);
            deepEqual(got, [true, bits, maxVersion] as unknown[], `${cName} client offering ${sigalgs} (${maxVersion}), ${sName} server`);
          }
        }
      } finally {
        await closeServer(server);
      }
    }
    // A key of a certificate's type that is not its key: OpenSSL's "key values mismatch", thrown as Node throws it.
    const mismatched: object[] = [
      { cert: pem('server.pem'), key: pem('self-signed.key') },
      { cert: [pem('server.pem'), pem('server-rsa.pem')], key: [pem('server-rsa.key'), pem('self-signed.key')] },
    ];
    for (const o of mismatched) {
      if (!inDeno) equal((throws(() => nodeTls.createSecureContext(o)) as NodeJS.ErrnoException).code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'Node\'s');
      equal((throws(() => createSecureContext({ openssl: ossl, ...o })) as NodeJS.ErrnoException).code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'ours');
      equal((throws(() => createServer({ openssl: ossl, ...o })) as NodeJS.ErrnoException).code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'ours, createServer');
    }
    // Stricter than Node, which makes a context whose ECDSA certificate fails every handshake that picks it:
    // a certificate without its key (or replaced by a later one of its key type) is refused, by index.
    for (const o of [{ cert: [pem('server.pem'), pem('server-rsa.pem')], key: [pem('server-rsa.key')] },
      { cert: [pem('server.pem'), pem('self-signed.pem')], key: [pem('self-signed.key')] }]) {
      if (!inDeno) nodeTls.createSecureContext(o);
      match((throws(() => createSecureContext({ openssl: ossl, ...o })) as Error).message, /options\.certificate\[0\] has no private key of its key type/);
    }
    // Two files of one key type: the second would replace the first (silently in Node).
    const twoEc = { pfx: [readFileSync(fixturePath('server.pfx')), { buf: otherEcPfx, passphrase: 'other-pass' }], passphrase: 'openssl-wasm-test' };
    if (!inDeno) nodeTls.createSecureContext(twoEc);
    match((throws(() => createSecureContext({ openssl: ossl, ...twoEc })) as Error).message, /pkcs12\[0\] was replaced by a later file of the same key type/);
    await assertNoHandles(ossl, 'nothing kept once the servers closed');
  });
}, { runtimes: ['node', 'deno'] });
