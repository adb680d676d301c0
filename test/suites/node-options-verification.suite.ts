// The Node adapter's verification options, each checked against what Node's own tls does in the
// same situation: checkServerIdentity, crl, requestCert with rejectUnauthorized, and the
// verification codes Node reports. With the openssl CLI.
// Node and Deno (Node's own tls as the reference in Node only: Deno's node:tls does not have these).
import * as nodeTls from 'node:tls';
import { connect, createServer, type DetailedPeerCertificate, type TLSSocket } from '../../ts/node.ts';
import { deepEqual, equal, match, ok, throws } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { closed, closeServer, listen, once, pem } from '../io/node-tls.ts';
import { connected, inDeno, keyPair, load } from '../io/node-options.ts';

suite('Node adapter: verification options beside Node', test => {
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
