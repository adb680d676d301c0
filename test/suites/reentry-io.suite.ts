// Re-entry through the Node adapter: a listener of 'session', 'secureConnect' or 'data' that
// destroys its socket. The engine delivers its events once OpenSSL's call has returned, so the
// connection is freed outside it, and the instance every other connection shares goes on working.
// Node and Deno (node:net); every test ends with no handle left in the shared instance.
import { connect, createServer, type OpenSSL, type TLSSocket } from '../../ts/node.ts';
import * as assert from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { load, pki } from '../lib/tls.ts';
import { until } from '../lib/wait.ts';

/** An echo server of the Node adapter on `ossl`, with its own context (freed by close()). */
async function echoServer(ossl: OpenSSL) {
  const p = await pki();
  const context = ossl.createContext({ role: 'server', certificate: p.cert, privateKey: p.key });
  const server = createServer({ openssl: ossl, context }, sock => { sock.on('data', d => sock.write(d)); });
  server.on('tlsClientError', () => undefined); // a client going away mid-connection: expected here
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      await new Promise(r => server.close(r));
      context.free();
    },
  };
}

/** A client of the shared instance: connects, says `ping`, and resolves with the echo. */
async function echo(ossl: OpenSSL, port: number): Promise<string> {
  const p = await pki();
  return new Promise<string>((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, contextOptions: { ca: p.ca } }, () => sock.write('ping'));
    sock.on('data', d => { resolve(String(d)); sock.destroy(); });
    sock.on('error', reject);
  });
}

suite('Node adapter: destroy() from event listeners', test => {
  for (const event of ['session', 'secureConnect', 'data'] as const) {
    test(`destroy() in a '${event}' listener frees the connection; the shared instance goes on working`, async () => {
      const ossl = await load();
      const server = await echoServer(ossl);
      const p = await pki();
      try {
        for (let round = 0; round < 3; round++) {
          const errors: Error[] = [];
          let destroyedIn: string | null = null;
          const sock: TLSSocket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', openssl: ossl, contextOptions: { ca: p.ca } });
          sock.on('error', e => errors.push(e));
          if (event === 'data') sock.once('secureConnect', () => sock.write('ping'));
          sock.once(event, () => {
            destroyedIn = event;
            sock.destroy();
            assert.equal(sock.connection?.alive, false, 'the connection is freed at once');
          });
          await new Promise(r => sock.once('close', r));
          assert.equal(destroyedIn, event, `the '${event}' listener ran`);
          assert.deepEqual(errors.map(e => `${e.name}: ${e.message}`), [], 'no error came out of it');
          // Every other connection of the instance still works.
          assert.equal(await echo(ossl, server.port), 'ping');
        }
      } finally {
        await server.close();
      }
      // The server side of each connection is freed when its socket closes.
      await until(() => ossl.stats().handles.Connection === 0, 5000, 'the server sockets to close');
      await assertNoHandles(ossl, 'the shared instance');
    });
  }
}, { runtimes: ['node', 'deno'] });
