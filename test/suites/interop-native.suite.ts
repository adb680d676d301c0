// Interop with peers no one here wrote, on 127.0.0.1: Debian's native openssl (s_server, s_client,
// sess_id) and Node's own tls module. Each case is a full handshake then a resumed one, with reuse
// checked on both ends, through the Node adapter.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import { connect, createServer, OpenSSL, type Context, type TLSSocket } from '../../ts/node.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { fixturePath, openssl, sClient, sServer, tempDir, until } from '../io/peers.ts';
import { pem } from '../io/node-tls.ts';

interface Outcome { reused: boolean; session: Uint8Array | null; reply: string; protocol: string | null }

/**
 * One wasm client connection: send `request`, collect the reply until the server closes (or, with
 * `untilFirstReply`, until the first data), then close. Bounded.
 */
function wasmRoundTrip(port: number, context: Context, ossl: OpenSSL, session?: Uint8Array,
  request = 'ping\n', untilFirstReply = true): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let saved: Uint8Array | null = null;
    let reply = '';
    let reused = false, protocol: string | null = null;
    const sock: TLSSocket = connect({ host: '127.0.0.1', servername: 'localhost', port, openssl: ossl, context, session, handshakeTimeout: 10_000 });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no reply in 10 s')); }, 10_000);
    const finish = () => { clearTimeout(timer); resolve({ reused, session: saved, reply, protocol }); };
    sock.on('session', (der: Uint8Array) => { saved = der; });
    sock.on('error', e => { clearTimeout(timer); reject(e); });
    sock.on('secureConnect', () => { reused = sock.isSessionReused(); protocol = sock.getProtocol(); sock.write(request); });
    sock.on('data', (d: Uint8Array) => {
      reply += new TextDecoder().decode(d);
      if (untilFirstReply) { sock.end(); sock.once('close', finish); }
    });
    if (!untilFirstReply) sock.on('end', () => { sock.once('close', finish); sock.end(); });
  });
}

/** Two requests to `openssl s_server -www`, whose page says "New, ..." or "Reused, ..." for itself. */
async function againstSServer(args: string[], version: 'TLSv1.2' | 'TLSv1.3') {
  const ossl = await OpenSSL.load({ wasm: wasmURL });
  const server = await sServer(['-www', ...args]);
  const context = ossl.createContext({ role: 'client', ca: pem('ca.pem'), minVersion: version, maxVersion: version });
  const get = 'GET / HTTP/1.0\r\n\r\n';
  try {
    const first = await wasmRoundTrip(server.port, context, ossl, undefined, get, false);
    ok(first.session, 'the client received a session');
    const second = await wasmRoundTrip(server.port, context, ossl, first.session!, get, false);
    return { first, second };
  } finally {
    await server.stop();
    context.free();
  }
}

/** A wasm echo server (Node adapter) on 127.0.0.1, recording whether each handshake resumed. */
async function wasmEchoServer(ossl: OpenSSL) {
  const reuse: boolean[] = [];
  const server = createServer({ openssl: ossl, cert: pem('server.pem'), key: pem('server.key') }, sock => {
    reuse.push(sock.isSessionReused());
    sock.on('data', d => sock.write(d));
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, reuse, close: () => new Promise(r => server.close(r)) };
}

suite('interop with native OpenSSL and Node tls', test => {
  for (const [name, args, version] of [
    ['TLS 1.2 by session id', ['-tls1_2', '-no_ticket'], 'TLSv1.2'],
    ['TLS 1.2 by ticket', ['-tls1_2'], 'TLSv1.2'],
    ['TLS 1.3', ['-tls1_3'], 'TLSv1.3'],
  ] as const) {
    test(`wasm client -> native s_server, ${name}: full, then resumed on both ends`, async () => {
      const r = await againstSServer([...args], version);
      equal(r.first.protocol, version);
      equal(r.first.reused, false);
      match(r.first.reply, new RegExp(`\\nNew, ${version.replace('.', '\\.')}, Cipher is `), 's_server did a full handshake');
      equal(r.second.reused, true, 'the client resumed');
      match(r.second.reply, new RegExp(`\\nReused, ${version.replace('.', '\\.')}, Cipher is `), 's_server resumed');
    });
  }

  // openssl-src/patches 0003 and 0004 change the EC arithmetic (P-224/P-521 on the generic code, the
  // P-256/P-384 products spelt out): checked against native OpenSSL, the wasm end doing both ECDH
  // and ECDSA, signing as a server and verifying as a client, on each curve.
  test('NIST curves against native OpenSSL: ECDH and ECDSA on P-256, P-384 and P-521, the wasm end signing and verifying', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    const opensslName = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const;
    try {
      for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
        const keyFile = join(dir.path, `${curve}.key`), certFile = join(dir.path, `${curve}.pem`);
        const made = await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-nodes',
          '-keyout', keyFile, '-out', certFile, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '2']);
        equal(made.code, 0, made.out);
        const cert = readFileSync(certFile, 'utf8'), key = readFileSync(keyFile, 'utf8');
        const only = { groups: curve, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

        // wasm client: ECDH key generation and derivation, ECDSA verification of s_server's CertificateVerify
        const server = await sServer(['-www', '-cert', certFile, '-key', keyFile, '-groups', curve, '-tls1_3']);
        const context = ossl.createContext({ role: 'client', ca: cert, ...only });
        try {
          const o = await wasmRoundTrip(server.port, context, ossl, undefined, 'GET / HTTP/1.0\r\n\r\n', false);
          match(o.reply, /\nNew, TLSv1\.3, Cipher is /, `${curve}: s_server completed the handshake`);
        } finally {
          await server.stop();
          context.free();
        }

        // wasm server: ECDSA signature, verified by native s_client
        const wasmServer = createServer({ openssl: ossl, cert, key, contextOptions: only }, sock => sock.on('data', d => sock.write(d)));
        await new Promise<void>(r => wasmServer.listen(0, '127.0.0.1', () => r()));
        try {
          const port = (wasmServer.address() as { port: number }).port;
          const out = await sClient(['-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', certFile,
            '-verify_return_error', '-groups', curve], text => /Verify return code/.test(text));
          match(out, /Verify return code: 0 \(ok\)/, `${curve}: s_client verified the wasm server's signature`);
          match(out, new RegExp(`Server Temp Key: ECDH, ${opensslName[curve]}`), `${curve}: the key exchange used ${curve}`);
        } finally {
          await new Promise(r => wasmServer.close(r));
        }
      }
    } finally {
      dir.remove();
    }
  });

  test('native s_client -sess_out / -sess_in -> wasm server (TLS 1.3): New, then Reused', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const { port, reuse, close } = await wasmEchoServer(ossl);
    const dir = tempDir();
    try {
      const sess = join(dir.path, 'sess.pem');
      const common = ['-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', fixturePath('ca.pem'), '-verify_return_error'];
      // Close stdin only once the ticket has been written out (TLS 1.3 tickets come after the handshake).
      const first = await sClient([...common, '-sess_out', sess], out => /Post-Handshake New Session Ticket|Verify return code: 0/.test(out) && (() => { try { return readFileSync(sess).length > 0; } catch { return false; } })());
      match(first, /New, TLSv1\.3, Cipher is /);
      const second = await sClient([...common, '-sess_in', sess], out => /Verify return code/.test(out));
      match(second, /Reused, TLSv1\.3, Cipher is /);
      await until(() => reuse.length === 2, 5000, 'two server connections');
      equal(reuse.join(), 'false,true', 'the wasm server saw a full then a resumed handshake');
      // The native session file is readable by the wasm build: PEM in, DER out, native again.
      const session = ossl.sessionFromPEM(readFileSync(sess, 'utf8'));
      equal(session.protocol, 'TLSv1.3');
      const text = await openssl(['sess_id', '-inform', 'DER', '-text', '-noout'], session.toDER());
      equal(text.code, 0, text.out);
      match(text.out, /Protocol {2}: TLSv1\.3/);
      session.free();
    } finally {
      dir.remove();
      await close();
    }
  });

  test('Node tls client with `session` -> wasm server: resumed on both ends, session bytes round-trip', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const { port, reuse, close } = await wasmEchoServer(ossl);
    const once = (session?: Buffer) => new Promise<{ reused: boolean; session?: Buffer }>((resolve, reject) => {
      let saved: Buffer | undefined;
      const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('ca.pem'), session }, () => c.write('x'));
      c.setTimeout(10_000, () => c.destroy(new Error('timeout')));
      c.on('session', s => { saved = s; });
      c.on('error', reject);
      c.on('data', () => { const reused = c.isSessionReused(); c.end(); c.once('close', () => resolve({ reused, session: saved })); });
    });
    try {
      const a = await once();
      const b = await once(a.session);
      equal(a.reused, false);
      equal(b.reused, true, 'Node resumed');
      await until(() => reuse.length === 2, 5000, 'two server connections');
      equal(reuse.join(), 'false,true', 'the wasm server resumed');
      // Node's session Buffer is an i2d_SSL_SESSION: import it, export it back unchanged.
      const s = ossl.sessionFromDER(a.session!);
      equal(Buffer.from(s.toDER()).equals(a.session!), true, 'DER round trip is byte-identical');
      s.free();
    } finally {
      await close();
    }
  });

  test('wasm client -> Node tls server: resumed on both ends', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const reuse: boolean[] = [];
    const server = nodeTls.createServer({ cert: pem('server.pem'), key: pem('server.key') }, s => {
      reuse.push(s.isSessionReused());
      s.on('data', d => s.end(Buffer.from(String(d).toUpperCase())));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    try {
      const a = await wasmRoundTrip(port, context, ossl);
      const b = await wasmRoundTrip(port, context, ossl, a.session!);
      equal(a.reply, 'PING\n');
      equal(b.reused, true, 'the wasm client resumed');
      equal(reuse.join(), 'false,true', 'Node\'s server resumed');
    } finally {
      context.free();
      await new Promise(r => server.close(r));
    }
  });

  test('a wasm-exported session is read by native `openssl sess_id -text`', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-rev', '-tls1_2']);
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    const dir = tempDir();
    try {
      const r = await wasmRoundTrip(server.port, context, ossl);
      const s = ossl.sessionFromDER(r.session!);
      const file = join(dir.path, 's.pem');
      writeFileSync(file, s.toPEM());
      const text = await openssl(['sess_id', '-in', file, '-text', '-noout']);
      equal(text.code, 0, text.out);
      match(text.out, /Protocol {2}: TLSv1\.2/);
      match(text.out, new RegExp(`Session-ID: ${Array.from(s.id, b => b.toString(16).padStart(2, '0')).join('').toUpperCase()}`));
      s.free();
    } finally {
      dir.remove();
      context.free();
      await server.stop();
    }
  });

  test('bad input: refused connection, peer closing mid-handshake, failed verification, corrupt session: clear errors, no hang, instance usable', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    const net = await import('node:net');
    // A port nobody listens on.
    const probe = net.createServer();
    await new Promise<void>(r => probe.listen(0, '127.0.0.1', () => r()));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise(r => probe.close(r));
    const e1 = await rejects(wasmRoundTrip(closedPort, context, ossl));
    match(String((e1 as Error).message), /ECONNREFUSED/);
    // A peer that accepts and hangs up at once.
    const rude = net.createServer(s => s.destroy());
    await new Promise<void>(r => rude.listen(0, '127.0.0.1', () => r()));
    const e2 = await rejects(wasmRoundTrip((rude.address() as { port: number }).port, context, ossl));
    ok(e2 instanceof Error);
    await new Promise(r => rude.close(r));
    // A server whose certificate this client does not trust.
    const stranger = ossl.createContext({ role: 'client', ca: pem('other-ca.pem') });
    const server = await sServer(['-rev']);
    const e3 = await rejects(wasmRoundTrip(server.port, stranger, ossl));
    match((e3 as Error).message, /certificate verif/);
    await server.stop();
    // A corrupt session.
    const e4 = (() => { try { ossl.sessionFromDER(new Uint8Array([0x30, 0x03, 1, 2, 3])); } catch (e) { return e; } return null; })();
    ok(e4 instanceof Error && e4.name === 'OpenSSLError', 'corrupt session: OpenSSLError');
    // Still usable.
    const server2 = await sServer(['-rev']);
    const fine = await wasmRoundTrip(server2.port, context, ossl);
    equal(fine.reply, 'gnip\n');
    await server2.stop();
    stranger.free();
    context.free();
  });
}, { runtimes: ['node'] });
