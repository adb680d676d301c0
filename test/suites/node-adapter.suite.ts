// The Node adapter against Node's own tls, member by member: Node's option names, the TLSSocket
// members in Node's shapes (compared with what Node's own TLSSocket answers on the same
// connection), string error codes, the end of a stream without close_notify, SNICallback,
// client certificates, backpressure, and the shared client flow's store errors. Node only: it uses
// node:net and node:tls as peers.
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { MemorySessionStore, OpenSSL, OpenSSLError, type SessionStore } from '../../ts/index.ts';
import { connect, createServer, type ConnectOptions, type NodeTLSError, type TLSSocket } from '../../ts/node.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { testLine } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';
import { until } from '../lib/wait.ts';
import { closed, closeServer, listen, once, pem, readAll } from '../io/node-tls.ts';

let instance: Promise<OpenSSL> | undefined;
const load = () => (instance ??= OpenSSL.load({ wasm: wasmURL }));

/** Node's tls server with the test certificate; `raw` holds each TCP socket under it. */
async function nodeServer(options: nodeTls.TlsOptions, onSecure: (s: nodeTls.TLSSocket) => void) {
  const raw: net.Socket[] = [];
  const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), ...options }, onSecure);
  server.on('connection', s => raw.push(s));
  const port = await listen(server);
  return { server, port, raw, close: () => closeServer(server) };
}

/** The handle counts once every socket has closed. */
function liveHandles(ossl: OpenSSL): number {
  return Object.values(ossl.stats().handles).reduce((a, b) => a + b, 0);
}

suite('Node adapter: Node tls API parity', test => {
  test('unknown options are a TypeError naming the option, with did-you-mean for a wrong case', async () => {
    const ossl = await load();
    const e = throws(() => connect({ port: 1, openssl: ossl, alpnProtocols: ['h2'] } as never), TypeError) as Error;
    match(e.message, /unknown option "alpnProtocols" \(did you mean ALPNProtocols\?\)/);
    match((throws(() => createServer({ sniCallback: () => undefined } as never), TypeError) as Error).message, /did you mean SNICallback/);
    match((throws(() => createServer({ pfxx: 'x' } as never), TypeError) as Error).message, /unknown option "pfxx"; the options are/);
    const context = ossl.createContext({ role: 'client' });
    match((throws(() => connect({ port: 1, openssl: ossl, context, ca: 'x' }), TypeError) as Error).message,
      /ca cannot be used with options.context/);
    context.free();
    match((throws(() => connect({ port: 1, ca: pem('ca.pem'), contextOptions: { ca: pem('ca.pem') } }), TypeError) as Error).message, /repeats a setting/);
    throws(() => createServer({ ticketKeys: new Uint8Array(47) }), TypeError);
    // getTicketKeys(): not kept readable (Node returns them): a TypeError saying what to do instead.
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') });
    match((throws(() => server.getTicketKeys(), TypeError) as Error).message, /setTicketKeys/);
    server.close();
  });

  test('top-level ca, servername, ALPNProtocols, minVersion/maxVersion, ciphers, ecdhCurve: Node meaning, against Node tls', async () => {
    const ossl = await load();
    const peer = await nodeServer({ ALPNProtocols: ['h2', 'http/1.1'] }, s => s.end('hi'));
    try {
      for (const [version, ciphers, cipher] of [['TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
        ['TLSv1.2', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384']] as const) {
        const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'),
          ALPNProtocols: ['http/1.1'], minVersion: version, maxVersion: version, ciphers, ecdhCurve: 'P-256' });
        const text = readAll(c);
        let group: string | null = null;
        c.once('secureConnect', () => { group = c.connection!.group; });
        await once(c, 'secureConnect');
        equal(c.authorized, true, 'verified against the top-level ca');
        equal(c.authorizationError, null, 'null, as Node\'s');
        equal(c.alpnProtocol, 'http/1.1');
        equal(c.getProtocol(), version);
        equal(c.getCipher()!.name, cipher);
        equal(c.servername, 'localhost');
        match(group ?? '', /^(P-256|prime256v1|secp256r1)$/, 'ecdhCurve chose the group');
        equal(await text, 'hi');
        c.end();
        await closed(c);
      }
    } finally {
      await peer.close();
    }
    equal(liveHandles(ossl), 0, 'every context and connection freed');
  });

  test('verification outcomes carry Node\'s codes: authorizationError with rejectUnauthorized false, error.code otherwise', async () => {
    const ossl = await load();
    const selfSigned = await nodeServer({ cert: pem('ca.pem'), key: pem('ca.key') }, s => s.end());
    const good = await nodeServer({}, s => s.end());
    try {
      // The chain's last error, as Node reports it: for the lone leaf of an untrusted issuer 21
      // (after 20); for a CA certificate as the server's, INVALID_PURPOSE (after self-signed, 18).
      const cases: [number, string | undefined, Partial<ConnectOptions>, string][] = [
        [selfSigned.port, 'localhost', {}, 'INVALID_PURPOSE'],
        [good.port, 'localhost', {}, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
        [good.port, 'wrong.test', { ca: pem('ca.pem') }, 'ERR_TLS_CERT_ALTNAME_INVALID'],
        [good.port, 'localhost', { ca: pem('other-ca.pem') }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ];
      for (const [port, servername, extra, code] of cases) {
        const lax = connect({ host: '127.0.0.1', port, servername, openssl: ossl, rejectUnauthorized: false, ...extra });
        await once(lax, 'secureConnect');
        equal(lax.authorized, false);
        equal(lax.authorizationError, code, `authorizationError for ${servername} on ${port}`);
        lax.destroy();
        const strict = connect({ host: '127.0.0.1', port, servername, openssl: ossl, ...extra });
        const err = await new Promise<NodeTLSError>(resolve => strict.once('error', resolve));
        equal(err.code, code, `error.code for ${servername}`);
        // As Node's: the handshake ran to its end and the socket refused the server after it, with
        // OpenSSL's text for the X509_V_ERR_* number (kept as verifyCode), not an OpenSSL error stack.
        ok(!(err instanceof OpenSSLError) && typeof err.verifyCode === 'number' && err.verifyCode !== 0, 'the X509_V_ERR_* number kept as verifyCode');
        ok(err.message.length > 0, 'OpenSSL\'s text for it as the message');
      }
    } finally {
      await selfSigned.close();
      await good.close();
    }
    equal(liveHandles(ossl), 0);
  });

  test('rejectUnauthorized (both values; untrusted issuer, self-signed, expired, wrong host name, a good chain), socket, authorized, getCipher(), getSession(): the same answers as Node\'s own tls client on the same server', async () => {
    const ossl = await load();
    // Node verifies with a callback that always continues (VerifyCallback, src/crypto/crypto_context.cc)
    // and reports SSL_get_verify_result, the chain's last error: for a lone leaf whose issuer is not
    // trusted that is 21 (UNABLE_TO_VERIFY_LEAF_SIGNATURE, after 20), and so does this adapter; for
    // a self-signed CA certificate as the server's, INVALID_PURPOSE (after 18). A name mismatch is
    // reported only for a chain that verified, as Node's checkServerIdentity runs only then.
    const server = await nodeServer({}, s => s.end('hi'));
    const caAsServer = await nodeServer({ cert: pem('ca.pem'), key: pem('ca.key') }, s => s.end('hi'));
    const selfSigned = await nodeServer({ cert: pem('self-signed.pem'), key: pem('self-signed.key') }, s => s.end('hi'));
    const expired = await nodeServer({ cert: pem('expired.pem'), key: pem('expired.key') }, s => s.end('hi'));
    const codesSeen = new Set<string>();
    type Client = (o: ConnectOptions & nodeTls.ConnectionOptions) => TLSSocket | nodeTls.TLSSocket;
    const clients: Record<'ours' | 'node', Client> = {
      ours: o => connect({ ...o, openssl: ossl } as ConnectOptions),
      node: o => nodeTls.connect(o as nodeTls.ConnectionOptions),
    };
    /** What one client reports for one case: the outcome in Node's shapes, and its session. */
    async function outcome(client: Client, port: number, o: Record<string, unknown>, viaSocket: boolean) {
      let raw: net.Socket | undefined;
      if (viaSocket) {
        raw = net.connect({ host: '127.0.0.1', port });
        await once(raw, 'connect');
      }
      const where = viaSocket ? { socket: raw } : { host: '127.0.0.1', port };
      const sock = client({ servername: 'localhost', ...where, ...o } as never) as nodeTls.TLSSocket;
      let session: Buffer | undefined;
      sock.on('session', () => { session ??= sock.getSession(); });
      const text = readAll(sock).catch(() => null);
      const secure = await new Promise<string | null>(resolve => {
        sock.once('secureConnect', () => resolve(null));
        sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
      });
      const seen = secure !== null ? { error: secure } : {
        authorized: sock.authorized, authorizationError: sock.authorizationError,
        cipher: sock.getCipher(), protocol: sock.getProtocol(), text: await text,
      };
      if (secure !== null) sock.destroy();
      await closed(sock);
      if (raw) await closed(raw); // the given socket goes with the TLS socket, as in Node
      return { seen, session, rawDestroyed: raw?.destroyed };
    }
    try {
      const cases: [string, number, Record<string, unknown>][] = [
        ['untrusted (default store), rejectUnauthorized default (true)', server.port, {}],
        ['untrusted (an unrelated ca), rejectUnauthorized: true', server.port, { ca: pem('other-ca.pem'), rejectUnauthorized: true }],
        ['untrusted (an unrelated ca), rejectUnauthorized: false, TLS 1.3', server.port, { ca: pem('other-ca.pem'), rejectUnauthorized: false, ciphers: 'TLS_AES_128_GCM_SHA256' }],
        ['a CA certificate as the server\'s, rejectUnauthorized default', caAsServer.port, {}],
        ['a CA certificate as the server\'s, rejectUnauthorized: false', caAsServer.port, { rejectUnauthorized: false }],
        ['self-signed, wrong host name, rejectUnauthorized: false', selfSigned.port, { servername: 'wrong.test', rejectUnauthorized: false }],
        ['self-signed, rejectUnauthorized default', selfSigned.port, {}],
        ['self-signed, rejectUnauthorized: false', selfSigned.port, { rejectUnauthorized: false }],
        ['expired (trusted ca), rejectUnauthorized default', expired.port, { ca: pem('ca.pem') }],
        ['expired (trusted ca), rejectUnauthorized: false', expired.port, { ca: pem('ca.pem'), rejectUnauthorized: false }],
        ['wrong host name (trusted ca), rejectUnauthorized default', server.port, { ca: pem('ca.pem'), servername: 'wrong.test' }],
        ['wrong host name (trusted ca), rejectUnauthorized: false', server.port, { ca: pem('ca.pem'), servername: 'wrong.test', rejectUnauthorized: false }],
        ['trusted (ca), TLS 1.3', server.port, { ca: pem('ca.pem'), ciphers: 'TLS_AES_128_GCM_SHA256' }],
        ['trusted (ca), TLS 1.2', server.port, { ca: pem('ca.pem'), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }],
      ];
      for (const [name, port, o] of cases) {
        for (const viaSocket of [false, true]) {
          const what = `${name}${viaSocket ? ', over a given connected socket' : ''}`;
          const ours = await outcome(clients.ours, port, o, viaSocket);
          const node = await outcome(clients.node, port, o, viaSocket);
          deepEqual(ours.seen, node.seen, `${what}: what our client reports is what Node's reports`);
          codesSeen.add(String((node.seen as Record<string, unknown>).error ?? (node.seen as Record<string, unknown>).authorizationError));
          equal(ours.rawDestroyed, node.rawDestroyed, `${what}: the given socket is destroyed with it`);
          if ('error' in ours.seen) continue;
          ok(ours.session && node.session, `${what}: getSession() gives a Buffer on both (${ours.session?.length}, ${node.session?.length})`);
          // Each client resumes with its own getSession() Buffer, and with the other's.
          for (const [label, session] of [['own', ours.session], ['Node\'s', node.session]] as const) {
            const again = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, ...o, session } as ConnectOptions);
            again.resume();
            await once(again, 'secureConnect');
            equal(again.isSessionReused(), true, `${what}: ours resumes with the ${label} session`);
            await closed(again);
          }
          for (const [label, session] of [['own', node.session], ['our', ours.session]] as const) {
            const again = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...o, session } as nodeTls.ConnectionOptions);
            again.resume();
            await once(again, 'secureConnect');
            equal(again.isSessionReused(), true, `${what}: Node's resumes with the ${label} session`);
            await closed(again);
          }
        }
      }
      deepEqual([...codesSeen].sort(), ['CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID',
        'INVALID_PURPOSE', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'null'], 'each outcome met, Node\'s codes');
    } finally {
      await server.close();
      await selfSigned.close();
      await expired.close();
      await caAsServer.close();
    }
    equal(liveHandles(ossl), 0, 'every context and connection freed');
  });

  test('a handshake failing after an unverified certificate has the failure\'s code, not the verification\'s, as Node\'s client', async () => {
    const ossl = await load();
    // TLS 1.2: the client has checked (and, going on as Node does, noted) the untrusted certificate
    // before the server refuses it for having no certificate of its own.
    const server = await nodeServer({ requestCert: true, rejectUnauthorized: true, ca: pem('ca.pem'), maxVersion: 'TLSv1.2' }, s => s.end());
    try {
      const codes: Record<string, string | undefined> = {};
      for (const [name, make] of [['ours', () => connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', openssl: ossl, ca: pem('other-ca.pem') })],
        ['node', () => nodeTls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pem('other-ca.pem') })]] as const) {
        const c = make();
        c.on('data', () => undefined);
        codes[name] = await new Promise<string | undefined>(resolve => {
          c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
          c.once('secureConnect', () => resolve('connected'));
        });
        c.destroy();
        await closed(c);
      }
      // The same alert; its reason's text is OpenSSL 3.5's here ('ssl/tls alert ...'; 4.0's 'tls alert ...'),
      // 3.0's in Node 20 ('sslv3 alert ...').
      // (Deno's node:tls is its own implementation, with its own codes: Node's answer is checked in Node.)
      if (!('Deno' in globalThis)) match(codes.node ?? '', /^ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE$/, 'Node\'s client reports the alert');
      equal(codes.ours, testLine === '3.5' ? 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE' : 'ERR_SSL_TLS_ALERT_HANDSHAKE_FAILURE',
        'ours too, not the verification code it noted first');
    } finally {
      await server.close();
    }
    equal(liveHandles(ossl), 0);
  });

  test('an OpenSSL failure has Node\'s derived code (ERR_SSL_...) beside the number', async () => {
    const ossl = await load();
    const http = net.createServer(s => { s.resume(); s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'); });
    const port = await listen(http);
    try {
      const c = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
      const err = await new Promise<NodeTLSError>(resolve => c.once('error', resolve));
      match(err.code, /^ERR_SSL_[A-Z0-9_]+$/);
      ok(err instanceof OpenSSLError);
      equal(err.code, `ERR_SSL_${(err as OpenSSLError).reason!.toUpperCase().replace(/ /g, '_')}`, 'the reason string, as Node derives it');
      equal((err as OpenSSLError).opensslCode, (err as OpenSSLError).errors[0].code);
    } finally {
      await closeServer(http);
    }
  });

  test('a peer closing TCP without close_notify ends the stream (Node\'s habit); requireCloseNotify makes it an error', async () => {
    const ossl = await load();
    const peer = await nodeServer({}, s => s.write('before the cut', () => peer.raw.at(-1)!.end()));
    try {
      const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
      let failed: unknown = null;
      c.on('error', e => { failed = e; });
      equal(await readAll(c), 'before the cut', 'the data, then end');
      await closed(c);
      equal(failed, null, 'no error');
      const strict = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), requireCloseNotify: true });
      let got = '';
      strict.on('data', d => { got += d; });
      const err = await new Promise<NodeTLSError>(resolve => strict.once('error', resolve));
      equal(got, 'before the cut');
      equal(err.code, 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING');
    } finally {
      await peer.close();
    }
  });

  test('getPeerCertificate(detailed) equals Node\'s own TLSSocket\'s, every field, for an EC and an RSA certificate', async () => {
    const ossl = await load();
    /** Every field but the issuer link, with Buffers and null-prototype objects made comparable. */
    const fields = (c: Record<string, unknown>) => Object.fromEntries(Object.keys(c).filter(k => k !== 'issuerCertificate').sort()
      .map(k => [k, Buffer.isBuffer(c[k]) ? (c[k] as Buffer).toString('hex') : typeof c[k] === 'object' ? { ...(c[k] as object) } : c[k]]));
    for (const [cert, key] of [['server.pem', 'server.key'], ['server-rsa.pem', 'server-rsa.key']]) {
      const peer = await nodeServer({ cert: pem(cert), key: pem(key) }, s => s.end());
      try {
        const theirs = nodeTls.connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', ca: pem('ca.pem') });
        await once(theirs, 'secureConnect');
        const expected = theirs.getPeerCertificate(true) as unknown as Record<string, unknown> & { issuerCertificate: Record<string, unknown> };
        theirs.destroy();
        const ours = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
        await once(ours, 'secureConnect');
        const got = ours.getPeerCertificate(true) as unknown as Record<string, unknown> & { issuerCertificate: Record<string, unknown> & { issuerCertificate: unknown } };
        deepEqual(fields(got), fields(expected), `${cert}: the leaf, field for field`);
        deepEqual(fields(got.issuerCertificate), fields(expected.issuerCertificate), `${cert}: the CA, from the verified chain`);
        ok(got.issuerCertificate.issuerCertificate === got.issuerCertificate, 'the self-signed root is its own issuer, as Node links it');
        equal('issuerCertificate' in (ours.getPeerCertificate() as object), false, 'not detailed: no chain');
        const heap = ossl.stats().heapInUse;
        for (let i = 0; i < 50; i++) ours.getPeerCertificate(true);
        equal(ossl.stats().heapInUse, heap, 'reading certificates gives back every byte it takes');
        ours.destroy();
        await closed(ours);
        equal(ours.getPeerCertificate(), null, 'null once closed, as Node');
      } finally {
        await peer.close();
      }
    }
  });

  test('exportKeyingMaterial, getFinished/getPeerFinished and keylog agree with Node\'s server on the same connection', async () => {
    const ossl = await load();
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      const serverLog: string[] = [];
      let serverSide: nodeTls.TLSSocket | null = null;
      const peer = await nodeServer({ maxVersion: version }, s => { serverSide = s; });
      peer.server.on('keylog', (line: Buffer) => serverLog.push(line.toString()));
      try {
        const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
        const clientLog: Buffer[] = [];
        c.on('keylog', (line: Buffer) => clientLog.push(line));
        await once(c, 'secureConnect');
        c.write('x');
        await until(() => serverSide !== null, 5000, 'the server\'s socket');
        const s = serverSide!;
        const ctx = Buffer.from('context');
        ok(c.exportKeyingMaterial(32, 'EXPERIMENTAL-test', ctx).equals(s.exportKeyingMaterial(32, 'EXPERIMENTAL-test', ctx)), `${version}: same keying material`);
        ok(!c.exportKeyingMaterial(32, 'EXPERIMENTAL-test').equals(c.exportKeyingMaterial(32, 'EXPERIMENTAL-other')), 'labels differ');
        ok(c.getFinished()!.equals(s.getPeerFinished()!), 'our Finished is the one Node received');
        ok(c.getPeerFinished()!.equals(s.getFinished()!), 'and theirs the one we received');
        ok(clientLog.length > 0 && clientLog.every(l => Buffer.isBuffer(l) && l.toString().endsWith('\n')), 'keylog lines are Buffers ending in a newline');
        for (const line of clientLog) ok(serverLog.includes(line.toString()), `Node's server logged the same secret: ${line.toString().split(' ')[0]}`);
        c.destroy();
        s.destroy();
        await closed(c);
      } finally {
        await peer.close();
      }
    }
  });

  test('SNICallback picks the certificate by name, answering at once or later; an error fails the handshake', async () => {
    const ossl = await load();
    const rsa = { cert: pem('server-rsa.pem'), key: pem('server-rsa.key') };
    const rsaContext = ossl.createContext({ role: 'server', certificate: rsa.cert, privateKey: rsa.key });
    const asked: string[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), SNICallback: (name, cb) => {
      asked.push(name);
      if (name === 'server.test') cb(null, rsa);
      else if (name === 'later.test') setTimeout(() => cb(null, rsaContext), 20); // a Context, later
      else if (name === 'bad.test') cb(new Error('no such name'));
      else cb(null);
    } }, s => s.end());
    const port = await listen(server);
    const keyType = async (servername: string) => {
      const c = nodeTls.connect({ host: '127.0.0.1', port, servername, ca: pem('ca.pem'), checkServerIdentity: () => undefined });
      await once(c, 'secureConnect');
      const bits = c.getPeerCertificate().bits;
      c.destroy();
      return bits;
    };
    try {
      equal(await keyType('localhost'), 256, 'the default (EC) certificate');
      equal(await keyType('server.test'), 2048, 'the RSA certificate for server.test');
      equal(await keyType('later.test'), 2048, 'a Context given later');
      const bad = nodeTls.connect({ host: '127.0.0.1', port, servername: 'bad.test', ca: pem('ca.pem') });
      const err = await new Promise<Error>(resolve => bad.once('error', resolve));
      match(err.message, /alert|internal error|socket disconnected/i);
      deepEqual(asked, ['localhost', 'server.test', 'later.test', 'bad.test']);
    } finally {
      await closeServer(server);
      rsaContext.free();
    }
    equal(liveHandles(ossl), 0, 'the server context and the one made from the SNICallback answer are freed with the server');
  });

  test('addContext (Node\'s default SNI, wildcards), getCertificate, getX509Certificate and getPeerX509Certificate as Node\'s', async () => {
    const ossl = await load();
    const own: { cert: Record<string, unknown>; x509: string | undefined }[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') }, s => {
      own.push({ cert: s.getCertificate() as Record<string, unknown>, x509: s.getX509Certificate()?.fingerprint256 });
      s.end();
    });
    server.addContext('*.test', { cert: pem('server-rsa.pem'), key: pem('server-rsa.key') });
    const port = await listen(server);
    const fields = (c: Record<string, unknown>) => Object.fromEntries(Object.keys(c).filter(k => k !== 'issuerCertificate').sort()
      .map(k => [k, Buffer.isBuffer(c[k]) ? (c[k] as Buffer).toString('hex') : typeof c[k] === 'object' ? { ...(c[k] as object) } : c[k]]));
    try {
      for (const [servername, bits] of [['server.test', 2048], ['localhost', 256]] as const) {
        const c = nodeTls.connect({ host: '127.0.0.1', port, servername, ca: pem('ca.pem') });
        await once(c, 'secureConnect');
        const seenByClient = c.getPeerCertificate();
        equal(seenByClient.bits, bits, `${servername}: ${bits === 2048 ? 'the added context' : 'the default'}`);
        c.resume();
        await closed(c);
        const mine = own.at(-1)!;
        deepEqual(fields(mine.cert), fields(seenByClient as unknown as Record<string, unknown>), 'getCertificate() is what the client saw, field for field');
        equal(mine.x509, seenByClient.fingerprint256, 'getX509Certificate(): Node\'s X509Certificate of it');
      }
      const ours = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
      await once(ours, 'secureConnect');
      const x = ours.getPeerX509Certificate()!;
      equal(x.fingerprint256, (ours.getPeerCertificate() as { fingerprint256: string }).fingerprint256);
      ok(x.checkHost('localhost'), 'a real crypto.X509Certificate');
      deepEqual(ours.getCertificate(), {}, 'a client without a certificate: {}');
      ours.destroy();
    } finally {
      await closeServer(server);
    }
  });

  test('requestCert and rejectUnauthorized on the server: authorized and authorizationError as Node sets them', async () => {
    const ossl = await load();
    const seen: { authorized: boolean; error: string | null; cn: unknown }[] = [];
    const lax = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: false }, s => {
      const cert = s.getPeerCertificate() as { subject?: { CN?: string } };
      seen.push({ authorized: s.authorized, error: s.authorizationError, cn: cert.subject?.CN });
      s.end();
    });
    const port = await listen(lax);
    try {
      for (const withCert of [true, false]) {
        const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'),
          ...(withCert ? { cert: pem('server.pem'), key: pem('server.key') } : {}) });
        await once(c, 'end');
        c.destroy();
      }
      deepEqual(seen, [{ authorized: true, error: null, cn: 'localhost' }, { authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT', cn: undefined }]);
      // This adapter's client presents cert and key as Node's does.
      const ours = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), cert: pem('server.pem'), key: pem('server.key') });
      ours.resume();
      await closed(ours);
      deepEqual(seen[2], { authorized: true, error: null, cn: 'localhost' }, 'our client certificate verified');
    } finally {
      await closeServer(lax);
    }
    const strict = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), ca: pem('ca.pem'), requestCert: true }, s => s.end());
    const strictPort = await listen(strict);
    try {
      const c = nodeTls.connect({ host: '127.0.0.1', port: strictPort, servername: 'localhost', ca: pem('ca.pem') });
      c.on('data', () => undefined);
      const err = await new Promise<Error>(resolve => { c.once('error', resolve); c.once('end', () => resolve(new Error('ended'))); });
      ok(err, 'a client without a certificate is refused');
    } finally {
      await closeServer(strict);
    }
  });

  test('server options with Node meaning: ALPNProtocols, honorCipherOrder, secureOptions, handshakeTimeout (tlsClientError), and \'keylog\' (line, socket)', async () => {
    const ossl = await load();
    const keylog: [string, TLSSocket | undefined][] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), ALPNProtocols: ['h2', 'http/1.1'],
      maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384', honorCipherOrder: true,
      secureOptions: 0x4000 /* SSL_OP_NO_TICKET */, handshakeTimeout: 300 }, s => s.end());
    server.on('keylog', (line: Buffer, sock: TLSSocket) => keylog.push([line.toString(), sock]));
    const port = await listen(server);
    try {
      const theirLog: string[] = [];
      const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), ALPNProtocols: ['http/1.1', 'h2'],
        ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256' });
      c.on('keylog', (line: Buffer) => theirLog.push(line.toString()));
      let ticket: Buffer | undefined | null = null;
      c.once('secureConnect', () => { ticket = c.getTLSTicket(); });
      await once(c, 'secureConnect');
      equal(ticket, undefined, 'SSL_OP_NO_TICKET: no ticket');
      equal(c.alpnProtocol, 'h2', 'the server\'s ALPN preference');
      equal(c.getCipher().name, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'the server\'s cipher order');
      c.resume();
      await closed(c);
      ok(theirLog.length > 0 && theirLog.every(l => keylog.some(([line]) => line === l)), 'the server logged every secret Node\'s client did');
      ok(keylog.every(([line, sock]) => line.endsWith('\n') && sock !== undefined), 'each line with its socket');
      // A client that never sends a ClientHello: the handshake times out.
      const idle = net.connect(port, '127.0.0.1');
      const [err] = await once<[NodeTLSError]>(server, 'tlsClientError');
      equal(err.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
      idle.destroy();
    } finally {
      await closeServer(server);
    }
  });

  test('enableTrace prints SSL_trace\'s text to stderr, as Node does; on a ready-made context too; not without it', async () => {
    const ossl = await load();
    const peer = await nodeServer({}, s => s.end());
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    try {
      (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => { chunks.push(String(chunk)); return true; };
      const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), enableTrace: true });
      await once(c, 'secureConnect');
      c.destroy();
      const quiet = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
      await once(quiet, 'secureConnect');
      quiet.destroy();
    } finally {
      process.stderr.write = write;
    }
    const text = chunks.join('');
    // OpenSSL's SSL_trace lines (ssl/t1_trce.c), as `node --trace-tls` and `openssl s_client -trace` print them.
    match(text, /^Sent TLS Record\nHeader:\n {2}Version = TLS 1\.0 \(0x301\)\n {2}Content Type = Handshake \(22\)\n {2}Length = \d+\n {4}ClientHello, Length=\d+\n/);
    ok(/\n {4}ServerHello, Length=\d+\n/.test(text) && /\n {4}Finished, Length=\d+\n/.test(text), 'the server\'s messages too');
    equal((text.match(/ClientHello, Length=/g) ?? []).length, 1, 'nothing from the socket without enableTrace');
    // A ready-made context: enableTrace() still traces that socket's connection.
    chunks.length = 0;
    try {
      (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => { chunks.push(String(chunk)); return true; };
      const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, context });
      c.enableTrace();
      await once(c, 'secureConnect');
      c.destroy();
      await once(c, 'close');
    } finally {
      process.stderr.write = write;
      await peer.close();
    }
    match(chunks.join(''), /ClientHello, Length=\d+\n[\s\S]*ServerHello, Length=/);
    context.free();
  });

  test('backpressure: a peer writing 100 MB to a server that never reads is held back; linear memory stays bounded', async () => {
    const ossl = await load();
    const accepted: TLSSocket[] = [];
    const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') }, s => { accepted.push(s); /* never reads */ });
    const port = await listen(server);
    const baseline = ossl.stats().heapInUse;
    let peak = baseline;
    const total = 100 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem') });
    try {
      await once(c, 'secureConnect');
      // Write until the peer's writes stop draining (the server's socket is paused), or all is sent.
      let stalled = false;
      while (written < total && !stalled) {
        while (written < total && c.write(chunk)) written += chunk.length;
        if (written >= total) break;
        written += chunk.length;
        stalled = await new Promise<boolean>(resolve => {
          const t = setTimeout(() => { c.off('drain', onDrain); resolve(true); }, 1000);
          const onDrain = () => { clearTimeout(t); resolve(false); };
          c.once('drain', onDrain);
        });
        peak = Math.max(peak, ossl.stats().heapInUse);
      }
      ok(stalled, `the writer was held back (wrote ${written} of ${total} bytes)`);
      ok(written < total / 2, `most of the 100 MB never left the writer (${(written / 1048576).toFixed(1)} MB did)`);
      const serverSocket = accepted[0];
      ok(serverSocket && serverSocket.readableLength <= 4 * 1024 * 1024, `the unread plaintext is about a highWaterMark, not the stream (${serverSocket?.readableLength} bytes)`);
      ok(peak - baseline < 4 * 1024 * 1024, `linear memory grew by ${peak - baseline} bytes`);
      // Reading resumes the socket: the rest flows.
      let got = 0;
      serverSocket.on('data', (d: Buffer) => { got += d.length; });
      await until(() => got >= written, 10_000, 'everything sent, once read');
      equal(got, written, 'once read, everything sent arrives');
    } finally {
      c.destroy();
      await closeServer(server);
    }
  });

  test('backpressure the other way: writing to a peer that never reads holds write(), not memory', async () => {
    const ossl = await load();
    const peer = await nodeServer({}, s => { s.pause(); /* never reads */ });
    const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem') });
    try {
      await once(c, 'secureConnect');
      const baseline = ossl.stats().heapInUse;
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      let stalled = false;
      while (written < 100 * 1024 * 1024 && !stalled) {
        while (c.write(chunk)) written += chunk.length;
        written += chunk.length;
        stalled = await new Promise<boolean>(resolve => {
          const t = setTimeout(() => { c.off('drain', onDrain); resolve(true); }, 1000);
          const onDrain = () => { clearTimeout(t); resolve(false); };
          c.once('drain', onDrain);
        });
      }
      ok(stalled, `write() was held back (after ${(written / 1048576).toFixed(1)} MB)`);
      ok(written < 50 * 1024 * 1024, 'long before the 100 MB');
      ok(c.writableLength <= 1024 * 1024, `what waits in the socket's own buffer is about a highWaterMark (${c.writableLength} bytes)`);
      ok(ossl.stats().heapInUse - baseline < 4 * 1024 * 1024, 'linear memory bounded');
    } finally {
      c.destroy();
      for (const r of peer.raw) r.destroy();
      await peer.close();
    }
  });

  test('sessionIdContext, given or Node\'s default: a server that asks for client certificates still resumes', async () => {
    const ossl = await load();
    for (const sessionIdContext of [undefined, 'my-service']) {
      const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), ca: pem('ca.pem'), requestCert: true,
        rejectUnauthorized: false, maxVersion: 'TLSv1.2', ...(sessionIdContext ? { sessionIdContext } : {}) }, s => s.end());
      const port = await listen(server);
      try {
        let session: Buffer | undefined;
        const reuse: boolean[] = [];
        for (let i = 0; i < 2; i++) {
          // connect(port, host, options), as Node's
          const c = connect(port, '127.0.0.1', { servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), cert: pem('server.pem'), key: pem('server.key'), session });
          c.on('session', (sess: Buffer) => { session ??= sess; });
          c.once('secureConnect', () => reuse.push(c.isSessionReused()));
          c.resume();
          await closed(c);
        }
        deepEqual(reuse, [false, true], `resumed under ${sessionIdContext ?? 'the default id context'}`);
      } finally {
        await closeServer(server);
      }
    }
  });

  test('one client flow: a store that fails to save reports sessionStoreError and the connection goes on', async () => {
    const ossl = await load();
    const peer = await nodeServer({}, s => s.end('ok'));
    const failing: SessionStore = { get: async () => undefined, set: async () => { throw new Error('disk full'); }, delete: async () => undefined };
    try {
      const c = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), sessionStore: failing });
      const storeError = once<[Error]>(c, 'sessionStoreError');
      equal(await readAll(c), 'ok');
      equal((await storeError)[0].message, 'disk full');
      const store = new MemorySessionStore();
      const d = connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', openssl: ossl, ca: pem('ca.pem'), sessionStore: store });
      equal(await readAll(d), 'ok');
      ok(store.size >= 1, 'a working store is filled');
    } finally {
      await peer.close();
    }
  });
}, { runtimes: ['node'] });
