// The Deno adapter against native OpenSSL on 127.0.0.1: Deno.connect as a client of s_server, and
// Deno.listen as a server for s_client, each a full handshake then a resumed one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectDeno, listenDeno, OpenSSL } from '../../ts/deno.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { request } from '../lib/streams.ts';
import { testLine } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';
import { fixturePath, sClient, sServer, tempDir, until } from '../io/peers.ts';
import { pem } from '../io/node-tls.ts';

suite('Deno adapter', test => {
  if (testLine === '4.0') {
    test('Encrypted Client Hello: connectDeno (ech) -> listenDeno (echKeys), full then resumed, ECH success on both ends', async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      const key = ossl.generateEchKey({ publicName: 'server.test' });
      const configList = ossl.echConfigList([key]);
      const serverContext = ossl.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key'), echKeys: [key] });
      const client = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
      const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context: serverContext });
      const seen: string[] = [];
      const serving = (async () => {
        for await (const stream of listener) {
          stream.handshake.then(() => {
            seen.push(`${stream.connection.ech?.status} ${stream.connection.ech?.innerServerName} ${String(stream.connection.sessionReused)}`);
            return stream.readable.pipeTo(stream.writable);
          }).catch(() => undefined);
        }
      })();
      // One line out, its echo back, then close (the server echoes until the client closes).
      const echo = async (stream: Awaited<ReturnType<typeof connectDeno>>, text: string) => {
        const w = stream.writable.getWriter(), r = stream.readable.getReader();
        await w.write(new TextEncoder().encode(text));
        const { value } = await r.read();
        r.releaseLock();
        await w.close().catch(() => undefined);
        await stream.closed.catch(() => undefined);
        return new TextDecoder().decode(value);
      };
      try {
        let der: Uint8Array | null = null;
        const options = { hostname: '127.0.0.1', serverName: 'localhost', port: listener.addr.port, openssl: ossl, context: client, ech: { configList } };
        const first = await connectDeno({ ...options, onSession: s => { der = s.toDER(); } });
        await first.handshake;
        equal(first.connection.ech?.status, 'success');
        equal(await echo(first, 'ping'), 'ping');
        ok(der, 'a session arrived');
        const second = await connectDeno({ ...options, session: der! });
        await second.handshake;
        equal(second.connection.sessionReused, true);
        equal(second.connection.ech?.status, 'success');
        equal(second.connection.ech?.outerServerName, 'server.test');
        equal(await echo(second, 'pong'), 'pong');
        await until(() => seen.length === 2, 5000, 'two server handshakes');
        equal(seen.join(' | '), 'success localhost false | success localhost true');
      } finally {
        listener.close();
        await serving;
        serverContext.free();
        client.free();
      }
    });
  }

  test('connectDeno -> native s_server -www (TLS 1.3): New, then Reused with the DER session', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www', '-tls1_3']);
    const context = ossl.createContext({ role: 'client', ca: pem('ca.pem') });
    try {
      let der: Uint8Array | null = null;
      const first = await connectDeno({ hostname: '127.0.0.1', serverName: 'localhost', port: server.port, openssl: ossl, context, onSession: s => { der = s.toDER(); } });
      await first.handshake;
      equal(first.connection.sessionReused, false);
      match(await request(first, 'GET / HTTP/1.0\r\n\r\n'), /\nNew, TLSv1\.3, Cipher is /);
      ok(der, 'a session arrived');
      const second = await connectDeno({ hostname: '127.0.0.1', serverName: 'localhost', port: server.port, openssl: ossl, context, session: der! });
      await second.handshake;
      equal(second.connection.sessionReused, true);
      match(await request(second, 'GET / HTTP/1.0\r\n\r\n'), /\nReused, TLSv1\.3, Cipher is /);
    } finally {
      await server.stop();
      context.free();
    }
  });

  test('listenDeno <- native s_client -sess_out / -sess_in (TLS 1.3): New, then Reused on both ends', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const context = ossl.createContext({ role: 'server', certificate: pem('server.pem'), privateKey: pem('server.key') });
    const listener = listenDeno({ hostname: '127.0.0.1', port: 0, context });
    const reuse: boolean[] = [];
    const serving = (async () => {
      for await (const stream of listener) {
        stream.handshake.then(() => {
          reuse.push(stream.connection.sessionReused);
          return stream.readable.pipeTo(stream.writable); // echo until the client closes
        }).catch(() => undefined);
      }
    })();
    const dir = tempDir();
    try {
      const sess = join(dir.path, 'sess.pem');
      const common = ['-connect', `127.0.0.1:${listener.addr.port}`, '-servername', 'localhost', '-CAfile', fixturePath('ca.pem'), '-verify_return_error'];
      const hasFile = () => { try { return readFileSync(sess).length > 0; } catch { return false; } };
      match(await sClient([...common, '-sess_out', sess], out => /Verify return code: 0/.test(out) && hasFile()), /New, TLSv1\.3, Cipher is /);
      match(await sClient([...common, '-sess_in', sess], out => /Verify return code/.test(out)), /Reused, TLSv1\.3, Cipher is /);
      await until(() => reuse.length === 2, 5000, 'two server handshakes');
      equal(reuse.join(), 'false,true');
    } finally {
      dir.remove();
      listener.close();
      await serving.catch(() => undefined);
      context.free();
    }
  });
}, { runtimes: ['deno'] });
