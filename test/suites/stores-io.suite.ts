// The file store (Node and Deno), and automatic resumption through a store with the Node adapter.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { FileSessionStore, MemorySessionStore, OpenSSL } from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { fixturePath, sServer, tempDir } from '../io/peers.ts';

suite('session stores with files and sockets', test => {
  test('FileSessionStore: set, get from a new store object, delete; files are owner-only', async () => {
    const dir = tempDir();
    try {
      const a = new FileSessionStore(`${dir.path}/sessions`);
      await a.set('host:443', new Uint8Array([1, 2, 3]));
      const b = new FileSessionStore(`${dir.path}/sessions`);
      equal(Array.from((await b.get('host:443'))!).join(), '1,2,3');
      equal(await b.get('other'), undefined);
      const [file] = readdirSync(`${dir.path}/sessions`);
      equal(statSync(`${dir.path}/sessions/${file}`).mode & 0o777, 0o600);
      await b.delete('host:443');
      equal(await a.get('host:443'), undefined);
    } finally {
      dir.remove();
    }
  });
}, { runtimes: ['node', 'deno'] });

suite('Node adapter with a session store', test => {
  for (const [args, version] of [[['-tls1_3'], 'TLSv1.3'], [['-tls1_2'], 'TLSv1.2']] as const) {
    test(`${version}: the second connection resumes from the store without being handed a session`, async () => {
      const { connect } = await import('../../ts/node.ts');
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      const server = await sServer(['-www', ...args]);
      const store = new MemorySessionStore();
      const context = ossl.createContext({ role: 'client', ca: readFileSync(fixturePath('ca.pem'), 'utf8') });
      const get = () => new Promise<{ reused: boolean; page: string }>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', servername: 'localhost', port: server.port, openssl: ossl, context, sessionStore: store });
        let page = '';
        s.on('secureConnect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
        s.on('data', d => { page += d; });
        s.on('error', reject);
        s.on('end', () => { const reused = s.isSessionReused(); s.end(); s.once('close', () => resolve({ reused, page })); });
      });
      try {
        const first = await get();
        equal(first.reused, false);
        equal(store.size, 1, 'the session was stored');
        const second = await get();
        equal(second.reused, true, 'resumed from the store');
        ok(second.page.includes(`Reused, ${version}`), 's_server agrees');
        equal(store.size, 1, version === 'TLSv1.3' ? 'the used ticket was replaced by a new one' : 'the session stays');
      } finally {
        context.free();
        await server.stop();
      }
    });
  }
}, { runtimes: ['node'] });
