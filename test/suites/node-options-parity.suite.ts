// The Node adapter's newer tls options and members, each checked against what Node's own tls does
// in the same situation: getEphemeralKeyInfo(), checkServerIdentity, passphrase (encrypted PEM
// keys), pfx (PKCS#12), crl, bad PEM thrown from the call itself, createSecureContext and secureContext,
// key/cert/pfx array forms (an RSA and an ECDSA certificate, picked by sigalgs), requestCert with
// rejectUnauthorized, ALPNCallback, net.connect's options and timeout, minDHSize, the options refused,
// secureProtocol, getSharedSigalgs(), pskCallback (with the TLS 1.2 hint), verification codes. Node
// and Deno (Node's own tls as the reference in Node only: Deno's node:tls does not have these), with
// the openssl CLI.
import { readFileSync } from 'node:fs';
import * as nodeTls from 'node:tls';
import { OpenSSL } from '../../ts/index.ts';
import { connect, createSecureContext, createServer, type DetailedPeerCertificate, type TLSSocket } from '../../ts/node.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { closed, closeServer, listen, once, pem } from '../io/node-tls.ts';
import { fixturePath, openssl, tempDir } from '../io/peers.ts';

let instance: Promise<OpenSSL> | undefined;
const load = () => (instance ??= OpenSSL.load({ wasm: wasmURL }));
const keyPair = { cert: pem('server.pem'), key: pem('server.key') };
/** Deno's node:tls is an emulation without these members: Node's own answers are checked in Node. */
const inDeno = 'Deno' in globalThis;

/** The test key encrypted under `pass` by the native openssl CLI. */
async function encryptedKey(pass: string): Promise<string> {
  const { code, out } = await openssl(['pkey', '-in', fixturePath('server.key'), '-aes256', '-passout', `pass:${pass}`]);
  equal(code, 0, out);
  return out.slice(out.indexOf('-----BEGIN'));
}

/** What a client's socket shows once connected, then closed. */
async function connected<T>(socket: TLSSocket | nodeTls.TLSSocket, read: () => T): Promise<T> {
  await once(socket, 'secureConnect');
  const value = read();
  socket.destroy();
  await closed(socket);
  return value;
}

suite('Node adapter: options and members beside Node', test => {
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

  test('checkServerIdentity: called with (hostname, certificate) in Node\'s shape; its Error refuses, undefined accepts', async () => {
    const ossl = await load();
    const server = createServer({ openssl: ossl, ...keyPair }, s => s.end());
    const port = await listen(server);
    const ca = pem('ca.pem');
    try {
      for (const impl of ['ours', 'node'] as const) {
        const open = (o: Record<string, unknown>) => impl === 'ours'
          ? connect({ port, host: '127.0.0.1', openssl: ossl, ca, ...o })
          : nodeTls.connect({ port, host: '127.0.0.1', ca, ...o });
        // A name the certificate does not hold, accepted by a function that says so.
        const seen: [string, DetailedPeerCertificate][] = [];
        const accepted = open({ servername: 'not-in-the-cert.example', checkServerIdentity: (h: string, c: DetailedPeerCertificate) => { seen.push([h, c]); return undefined; } });
        const authorized = await connected(accepted, () => accepted.authorized);
        equal(authorized, true, `${impl}: accepted by checkServerIdentity`);
        equal(seen.length, 1);
        equal(seen[0][0], 'not-in-the-cert.example');
        ok(seen[0][1].raw && seen[0][1].subject && seen[0][1].issuerCertificate, `${impl}: the detailed certificate`);
        // Node's own default on our certificate object: the same verdict as on Node's.
        equal((nodeTls.checkServerIdentity('not-in-the-cert.example', seen[0][1] as never) as { code?: string } | undefined)?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
        // A refusal: the socket is destroyed with the function's own Error.
        const refusal = Object.assign(new Error('pinned key mismatch'), { code: 'ERR_PINNED' });
        const refused = open({ servername: 'localhost', checkServerIdentity: () => refusal });
        const e = await new Promise<Error | undefined>(resolve => { refused.on('error', resolve); refused.on('close', () => resolve(undefined)); });
        equal(e, refusal, `${impl}: destroyed with the function's error`);
        // Not rejecting: connected, unauthorized, authorizationError the error's code.
        const lenient = open({ servername: 'localhost', rejectUnauthorized: false, checkServerIdentity: () => refusal });
        const state = await connected(lenient, () => [lenient.authorized, lenient.authorizationError]);
        deepEqual(state, [false, 'ERR_PINNED'] as unknown[], `${impl}: unauthorized`);
      }
      throws(() => connect({ port, openssl: ossl, checkServerIdentity: 'yes' as never }), TypeError);
    } finally {
      await closeServer(server);
    }
  });

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
      let text = '';
      c.on('data', (d: Buffer) => { text += d; });
      await closed(c);
      equal(text, 'decrypted');
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

  test('crl: a revoked server certificate is refused with CERT_REVOKED, as Node\'s client refuses it', async () => {
    const ossl = await load();
    const crl = pem('ca.crl'), ca = pem('ca.pem');
    const revoked = createServer({ openssl: ossl, cert: pem('server-rsa.pem'), key: pem('server-rsa.key') }, s => s.end());
    const good = createServer({ openssl: ossl, ...keyPair }, s => s.end());
    const [revokedPort, goodPort] = [await listen(revoked), await listen(good)];
    try {
      const clients = [(port: number) => connect({ port, host: '127.0.0.1', openssl: ossl, ca, crl, servername: 'localhost' }) as unknown as nodeTls.TLSSocket,
        ...inDeno ? [] : [(port: number) => nodeTls.connect({ port, host: '127.0.0.1', ca, crl, servername: 'localhost' })]];
      for (const open of clients) {
        const refused = open(revokedPort);
        const e = await new Promise<Error & { code?: string }>((resolve, reject) => { refused.on('error', resolve); refused.on('secureConnect', () => reject(new Error('a revoked certificate was accepted'))); });
        equal(e.code, 'CERT_REVOKED');
        const fine = open(goodPort);
        await once(fine, 'secureConnect');
        equal(fine.authorized, true, 'a certificate not on the list');
        fine.destroy();
        await closed(fine);
      }
      match((throws(() => connect({ port: 1, openssl: ossl, ca, crl: 'garbage' })) as Error).message, /no PEM X509 CRL/);
    } finally {
      await closeServer(revoked);
      await closeServer(good);
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

  test('requestCert with rejectUnauthorized: a client certificate that does not verify ends the connection after the handshake, as Node\'s server (tlsClientError ECONNRESET, no secureConnection); none fails the handshake', async () => {
    const ossl = await load();
    type Seen = { server: unknown[]; client: { secure: boolean; error: string | null } };
    const serverOptions = { ...keyPair, ca: pem('ca.pem'), requestCert: true };
    const makers: [string, (o: object, cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server][] = [
      ['ours', (o, cb) => createServer({ openssl: ossl, ...o }, cb) as unknown as nodeTls.Server],
      ...inDeno ? [] : [['Node\'s', (o: object, cb: (s: nodeTls.TLSSocket) => void) => nodeTls.createServer(o, cb)] as [string, (o: object, cb: (s: TLSSocket | nodeTls.TLSSocket) => void) => nodeTls.Server]],
    ];
    const clientMakers: [string, (o: object) => TLSSocket | nodeTls.TLSSocket][] = [
      ['ours', o => connect({ openssl: ossl, ...o })],
      ...inDeno ? [] : [['Node\'s', (o: object) => nodeTls.connect(o)] as [string, (o: object) => nodeTls.TLSSocket]],
    ];
    const certs: Record<string, object> = {
      expired: { cert: pem('expired.pem'), key: pem('expired.key') }, none: {}, good: keyPair,
    };
    const results: Record<string, Seen> = {};
    for (const [sName, makeServer] of makers) {
      for (const reject of [true, false]) {
        for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
          for (const [certName, cert] of Object.entries(certs)) {
            for (const [cName, makeClient] of clientMakers) {
              const events: unknown[] = [];
              const server = makeServer({ ...serverOptions, rejectUnauthorized: reject }, s => { events.push(['secureConnection', s.authorized, s.authorizationError]); s.end('hi'); });
              server.on('tlsClientError', (e: NodeJS.ErrnoException, s: TLSSocket) => events.push(['tlsClientError', e.code, s.authorizationError ?? null]));
              const port = await listen(server);
              try {
                const c = makeClient({ port, host: '127.0.0.1', ca: pem('ca.pem'), servername: 'localhost', maxVersion, ...cert });
                const client = { secure: false, error: null as string | null };
                c.on('secureConnect', () => { client.secure = true; });
                c.on('error', (e: NodeJS.ErrnoException) => { client.error = e.code ?? e.message; });
                c.resume();
                await closed(c).catch(() => closed(c)); // an 'error' comes before 'close'
                // The server's side is over once its tlsClientError or secureConnection came (bounded).
                for (let i = 0; i < 100 && !events.length; i++) await new Promise(r => setTimeout(r, 10));
                results[`${sName} server, ${reject ? 'rejecting' : 'not rejecting'}, ${maxVersion}, ${certName} client certificate, ${cName} client`] = { server: events, client };
              } finally {
                await closeServer(server);
              }
            }
          }
        }
      }
    }
    // What Node's server does (each line checked on Node's server too, in Node), and ours.
    const expected = (reject: boolean, version: string, cert: string): Seen => {
      const tls12 = version === 'TLSv1.2';
      if (cert === 'good') return { server: [['secureConnection', true, null]], client: { secure: true, error: null } };
      if (!reject) return { server: [['secureConnection', false, cert === 'none' ? 'UNABLE_TO_GET_ISSUER_CERT' : 'CERT_HAS_EXPIRED']], client: { secure: true, error: null } };
      // No certificate: refused in the handshake. In TLS 1.3 the client's handshake is over before it sends
      // its (empty) certificate, so it connects and then gets the alert.
      if (cert === 'none') {
        return { server: [['tlsClientError', 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', null]],
          client: tls12 ? { secure: false, error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' } : { secure: true, error: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' } };
      }
      // A certificate that does not verify: the handshake completes on the server, which then closes the
      // connection: no secureConnection; tlsClientError ECONNRESET, its socket showing why. A TLS 1.2 client
      // never gets the server's Finished.
      return { server: [['tlsClientError', 'ECONNRESET', 'CERT_HAS_EXPIRED']], client: tls12 ? { secure: false, error: 'ECONNRESET' } : { secure: true, error: null } };
    };
    for (const [what, seen] of Object.entries(results)) {
      const [, rejecting, version, cert] = /(not rejecting|rejecting), (TLSv1\.\d), (\w+) client/.exec(what)!;
      // OpenSSL renamed the alert reasons ("sslv3 alert ..." to "ssl/tls alert ..." in 3.2, "tls alert ..." in 4.0):
      // Node 20's OpenSSL 3.0 has the old name.
      const client = { ...seen.client, error: seen.client.error?.replace(/^ERR_SSL_(SSL\/TLS|TLS)_ALERT_/, 'ERR_SSL_SSLV3_ALERT_') ?? null };
      deepEqual({ ...seen, client }, expected(rejecting === 'rejecting', version, cert), what);
    }
    await assertNoHandles(ossl, 'every connection freed, refused ones included');
  });

  test('Node\'s other options: net.connect\'s passed on (path, lookup, localAddress, noDelay, ...), timeout as setTimeout(), and the ones not supported refused by name with why', async () => {
    const ossl = await load();
    const server = createServer({ openssl: ossl, ...keyPair, noDelay: true, keepAlive: true }, s => s.end('over tcp'));
    const port = await listen(server);
    try {
      // lookup and localAddress reach net.connect: the name resolved by the application's lookup.
      const looked: string[] = [];
      const lookup = ((name: string, _o: unknown, cb: (e: Error | null, address: string, family: number) => void) => {
        looked.push(name);
        cb(null, '127.0.0.1', 4);
      }) as never;
      const c = connect({ port, host: 'localhost', lookup, family: 4, localAddress: '127.0.0.1', noDelay: true, keepAlive: true, openssl: ossl, ca: pem('ca.pem') });
      let text = '';
      c.on('data', (d: Buffer) => { text += d; });
      await closed(c);
      equal(text, 'over tcp');
      deepEqual(looked, ['localhost'], 'the application\'s lookup resolved the host');
      // timeout: 'timeout' once the connection is idle, the socket left open, as Node's.
      const idle = createServer({ openssl: ossl, ...keyPair }, () => undefined);
      const idlePort = await listen(idle);
      try {
        const t = connect({ port: idlePort, host: '127.0.0.1', servername: 'localhost', timeout: 50, openssl: ossl, ca: pem('ca.pem') });
        await once(t, 'timeout');
        equal(t.destroyed, false, 'not closed by the timeout');
        t.setTimeout(0);
        t.destroy();
        await closed(t);
      } finally {
        await closeServer(idle);
      }
      throws(() => connect({ port, socket: {} as never, localAddress: '127.0.0.1', openssl: ossl }), TypeError);
    } finally {
      await closeServer(server);
    }
    if (!inDeno) { // an IPC socket (path), to Node's own server
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(join(tmpdir(), 'osw-ipc-'));
      const ipc = nodeTls.createServer(keyPair, s => s.end('over ipc'));
      try {
        await new Promise<void>(resolve => ipc.listen(join(dir, 's'), resolve));
        const c = connect({ path: join(dir, 's'), servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
        let text = '';
        c.on('data', (d: Buffer) => { text += d; });
        await closed(c);
        equal(text, 'over ipc');
      } finally {
        await closeServer(ipc);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // Node's names this adapter does not take: a TypeError saying so and why, never ignored.
    for (const [name, value] of [['privateKeyEngine', 'e'], ['clientCertEngine', 'e'], ['dhparam', 'auto'], ['requestOCSP', true], ['allowHalfOpen', true],
      ['highWaterMark', 1024]] as const) {
      for (const [where, make] of [['connect', (o: object) => connect({ port: 1, openssl: ossl, ...o })], ['createServer', (o: object) => createServer({ openssl: ossl, ...o })],
        ['createSecureContext', (o: object) => createSecureContext({ openssl: ossl, ...o })]] as const) {
        match((throws(() => make({ [name]: value }), TypeError) as Error).message, new RegExp(`^${where}: options\\.${name} \\(Node's\\) is not supported: `), `${where}, ${name}`);
      }
    }
    // minDHSize: checked, and met whatever its value (no DH is built, so no DHE is ever negotiated).
    throws(() => connect({ port: 1, openssl: ossl, minDHSize: 0 }), RangeError);
    throws(() => connect({ port: 1, openssl: ossl, minDHSize: '2048' as never }), TypeError);
    match((throws(() => createServer({ openssl: ossl, ...keyPair, ciphers: 'DHE-RSA-AES128-GCM-SHA256' })) as Error).message, /no cipher match/);
    // Node's defaults ask for what happens anyway.
    const plain = connect({ port: 1, host: '127.0.0.1', openssl: ossl, allowHalfOpen: false, requestOCSP: false, minDHSize: 2048 } as never);
    plain.on('error', () => undefined);
    await closed(plain);
    await assertNoHandles(ossl, 'nothing kept');
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

  test('verification as Node reports it (the chain\'s last error; the name only for a chain that verified): each outcome on our server, beside Node\'s client in Node', async () => {
    const ossl = await load();
    const servers = {
      good: { cert: pem('server.pem'), key: pem('server.key') },
      selfSigned: { cert: pem('self-signed.pem'), key: pem('self-signed.key') },
      expired: { cert: pem('expired.pem'), key: pem('expired.key') },
    };
    const cases: [keyof typeof servers, object, string | null][] = [
      ['good', { ca: pem('ca.pem') }, null],
      ['good', {}, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['good', { ca: pem('other-ca.pem') }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['good', { ca: pem('ca.pem'), servername: 'wrong.test' }, 'ERR_TLS_CERT_ALTNAME_INVALID'],
      ['selfSigned', {}, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['selfSigned', { servername: 'wrong.test' }, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['expired', { ca: pem('ca.pem') }, 'CERT_HAS_EXPIRED'],
    ];
    for (const [which, o, code] of cases) {
      const server = createServer({ openssl: ossl, ...servers[which] }, s => s.end());
      const port = await listen(server);
      try {
        const what = `${which} ${JSON.stringify(Object.keys(o))}`;
        // Each client is made when its turn comes (so no event is missed).
        const clients: ((extra: object) => TLSSocket | nodeTls.TLSSocket)[] = [
          extra => connect({ port, host: '127.0.0.1', servername: 'localhost', openssl: ossl, ...o, ...extra }),
          ...inDeno ? [] : [(extra: object) => nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ...o, ...extra })]];
        for (const [i, make] of clients.entries()) {
          const who = i === 0 ? 'ours' : 'Node\'s';
          const lax = make({ rejectUnauthorized: false });
          deepEqual(await connected(lax, () => [lax.authorized, lax.authorizationError]), [code === null, code], `${what}: ${who} client, rejectUnauthorized: false`);
          const strict = make({});
          const outcome = await new Promise<string | null>(resolve => {
            strict.once('secureConnect', () => resolve(null));
            strict.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
          });
          strict.destroy();
          await closed(strict);
          equal(outcome, code, `${what}: ${who} client, rejecting`);
        }
      } finally {
        await closeServer(server);
      }
    }
    await assertNoHandles(ossl, 'every connection freed, refused ones included');
  });
}, { runtimes: ['node', 'deno'] });
