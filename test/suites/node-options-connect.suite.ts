// The Node adapter's other options, beside Node's own tls: net.connect's passed on (path, lookup,
// localAddress, noDelay, ...), timeout as setTimeout(), minDHSize, and the options not supported
// refused by name with why.
// Node and Deno (Node's own tls as the reference in Node only: Deno's node:tls does not have these).
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer } from '../../ts/node.ts';
import { deepEqual, equal, match, throws } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { closed, closeServer, listen, once, pem, readUntilClosed } from '../io/node-tls.ts';
import { inDeno, keyPair, load } from '../io/node-options.ts';

suite('Node adapter: net options and refused options beside Node', test => {
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
      equal(await readUntilClosed(c), 'over tcp');
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
        equal(await readUntilClosed(c), 'over ipc');
      } finally {
        await closeServer(ipc);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // Node's names this adapter does not take: a TypeError saying so and why, never ignored.
    for (const [name, value] of [['privateKeyEngine', 'e'], ['clientCertEngine', 'e'], ['dhparam', 'auto'], ['requestOCSP', true],
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
}, { runtimes: ['node', 'deno'] });
