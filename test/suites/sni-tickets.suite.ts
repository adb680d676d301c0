// Tickets after an SNI context switch (issue 16). OpenSSL calls the ticket-key callback of the
// session context, the SSL_CTX the connection was made from, which SSL_set_SSL_CTX on SNI does not
// change: so tickets are sealed and opened with that context's keys, never the SNI context's. Node's
// own server (native OpenSSL) is the reference. Node only: Node's tls is the client and the peer.
import { randomBytes } from 'node:crypto';
import type * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { OpenSSL } from '../../ts/index.ts';
import { createServer } from '../../ts/node.ts';
import { nodeTicketKey } from '../../ts/io/node-options.ts';
import { equal, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { closeServer, listen, once, pem, readAll } from '../io/node-tls.ts';

const hex = (b: Uint8Array | undefined) => b === undefined ? 'none' : Buffer.from(b).toString('hex');
type Version = 'TLSv1.2' | 'TLSv1.3';

/** One connection from Node's client asking for `servername`: the certificate's key size, the ticket's key name, the session, reuse. */
async function connect(port: number, version: Version, session?: Buffer) {
  const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'switch.test', ca: pem('ca.pem'), checkServerIdentity: () => undefined,
    minVersion: version, maxVersion: version, session });
  let last: Buffer | undefined;
  c.on('session', (s: Buffer) => { last = s; });
  const text = readAll(c); // to the end: TLS 1.3 tickets come after the handshake
  await once(c, 'secureConnect');
  const bits = c.getPeerCertificate().bits;
  const reused = c.isSessionReused();
  await text;
  last ??= c.getSession(); // TLS 1.2: the handshake's session, when no 'session' event came
  const ticket = c.getTLSTicket();
  c.destroy();
  ok(last !== undefined, `a session arrived (port ${port}, ${version})`);
  return { bits, reused, session: last, keyName: hex(ticket?.subarray(0, 16)) };
}

suite('SNI switch: tickets use the session context\'s ticket keys', test => {
  test('a server whose SNICallback switches to a context with other ticket keys seals and opens tickets with its own, as Node\'s does', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const keysA = randomBytes(48), keysB = randomBytes(48);
    const nameA = hex(keysA.subarray(0, 16)), nameB = hex(keysB.subarray(0, 16));
    const rsa = { cert: pem('server-rsa.pem'), key: pem('server-rsa.key') };
    // The SNI context has a ring of its own (B); the servers' own contexts have A.
    const sniContext = ossl.createContext({ role: 'server', certificate: rsa.cert, privateKey: rsa.key, sessionIdContext: 'sni-tickets' });
    sniContext.setTicketKeys([nodeTicketKey(keysB)]);
    const common = { openssl: ossl, cert: pem('server.pem'), key: pem('server.key'), ticketKeys: keysA, sessionIdContext: 'sni-tickets' };
    const switching = createServer({ ...common, SNICallback: (_name, cb) => cb(null, sniContext) }, s => s.end('hi'));
    const plain = createServer(common, s => s.end('hi'));
    const native = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key'), ticketKeys: keysA,
      SNICallback: (_name, cb) => cb(null, nodeTls.createSecureContext({ cert: rsa.cert, key: rsa.key, ticketKeys: keysB } as nodeTls.SecureContextOptions)) },
    s => s.end('hi'));
    const servers: net.Server[] = [switching, plain, native];
    try {
      const [switchingPort, plainPort, nativePort] = await Promise.all(servers.map(listen));
      const ecBits = (await connect(plainPort, 'TLSv1.3')).bits;
      for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
        const reference = await connect(nativePort, version);
        equal(reference.keyName, nameA, `${version}: Node's server seals under its own context's key, not the SNI context's`);

        const first = await connect(switchingPort, version);
        ok(first.bits !== ecBits, `${version}: the SNI callback switched to the RSA certificate (${first.bits} bits)`);
        ok(first.keyName !== nameB, `${version}: the ticket is not under the SNI context's key`);
        equal(first.keyName, nameA, `${version}: the ticket is under the session context's key`);
        ok((await connect(plainPort, version, first.session)).reused, `${version}: it resumes on a server with the same keys and no switch`);
        ok((await connect(switchingPort, version, first.session)).reused, `${version}: and on the switching server, opened with the session context's key`);

        // The other way: a ticket from the plain server opens on the switching one after its switch.
        const fromPlain = await connect(plainPort, version);
        ok((await connect(switchingPort, version, fromPlain.session)).reused, `${version}: a ticket of the plain server resumes on the switching one`);
      }
    } finally {
      await Promise.all(servers.map(s => closeServer(s)));
      sniContext.free();
    }
  });
}, { runtimes: ['node'] });
