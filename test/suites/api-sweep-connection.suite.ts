// Connection, swept: after free, with foreign handles, wrong types and oversized input, each a clear
// error; a 1 GiB write refused before it is copied, one that exhausts memory an OutOfMemoryError;
// receive() and takeOutgoing() refused from a callback of the running operation.
// The sweep's machinery and tables are in test/lib/api-sweep/. Every test ends with the harness's
// leak check (no handle left in any instance).
import * as api from '../../ts/index.ts';
import { OpenSSL, OutOfMemoryError, ReentrantCallError, handshakeInMemory, type Connection } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { readURL, wasmURL } from '../lib/fixtures.ts';
import { withMaximumMemory } from '../lib/small-memory.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, serverContext } from '../lib/tls.ts';
import { outcome, describe, noProblems, gigabyte, bytes, withWorld, pair, sweep } from '../lib/api-sweep/sweep.ts';
import { CONNECTION } from '../lib/api-sweep/connection.ts';

suite('public API sweep: Connection', test => {
  test('Connection: after free, foreign handles, wrong types, oversized input: a clear error for each, the instance goes on', () => withWorld(async w => {
    const problems = await sweep<Connection>(w, 'Connection', CONNECTION, row => {
      const p = pair(w);
      const h = row.role === 'server' ? p.s : p.c;
      return { h, free: p.free };
    }, row => {
      const h = row.role === 'server' ? w.server.createConnection() : w.client.createConnection({ serverName: 'localhost' });
      h.free();
      return h;
    });
    noProblems(problems);
  }));

  test('Connection.write of 1 GiB: a RangeError naming the limit, nothing copied in, the connection goes on; a write that exhausts linear memory is an OutOfMemoryError, sticky on that connection', async () => {
    await withWorld(async w => {
      const p = pair(w);
      const memory = w.o.stats().memorySize;
      // OpenSSL would encrypt all of it into the memory BIO at once, the plaintext's copy beside it.
      const e = assert.throws(() => p.c.write(gigabyte()), RangeError);
      assert.match((e as Error).message, /^write: data is at most 67108864 bytes .*got 1073741824 bytes; nothing was copied into linear memory$/);
      assert.equal(w.o.stats().memorySize, memory, 'linear memory did not grow');
      assert.equal(p.c.error, null, 'refused before OpenSSL was called: the connection is unharmed');
      assert.equal(p.c.write('after'), 'done');
      api.transfer(p.c, p.s);
      assert.equal(new TextDecoder().decode(p.s.read().data), 'after', 'the same connection carries data');
      p.free();
    });
    // Within the bound, in a module whose memory may grow only to 40 MiB: the plaintext's copy fits,
    // its records do not. An allocation failing half way through a record is fatal for the
    // connection, as in OpenSSL; the instance goes on.
    const small = await OpenSSL.load({ wasm: withMaximumMemory(await readURL(wasmURL), 640) });
    const client = await clientContext(small, 'TLSv1.3'), server = await serverContext(small, 'TLSv1.3');
    const { c, s } = connect(client, server);
    const e = assert.throws(() => c.write(bytes(30 << 20)), OutOfMemoryError);
    assert.match((e as Error).message, /out of memory/);
    assert.equal(c.error, e, 'the connection keeps the error');
    c.free(); s.free();
    const q = connect(client, server);
    assert.equal(q.c.write('after'), 'done');
    api.transfer(q.c, q.s);
    assert.equal(new TextDecoder().decode(q.s.read().data), 'after', 'another connection of the instance carries data');
    close(q.c, q.s);
    client.free(); server.free();
  });

  test('receive() and takeOutgoing() from a callback of the running operation: a ReentrantCallError; nothing is lost', () => withWorld(async w => {
    const seen: string[] = [];
    const c: Connection = w.client.createConnection({
      serverName: 'localhost',
      onSession: () => {
        for (const [name, fn] of [['receive', () => c.receive(bytes(1))], ['takeOutgoing', () => c.takeOutgoing()]] as const) {
          const r = outcome(fn);
          seen.push(r.ok ? `${name}: ok` : `${name}: ${r.error instanceof ReentrantCallError ? 'ReentrantCallError' : describe(r.error)}`);
        }
      },
    });
    const s = w.server.createConnection();
    handshakeInMemory(c, s);
    assert.deepEqual(seen.slice(0, 2), ['receive: ReentrantCallError', 'takeOutgoing: ReentrantCallError']);
    assert.ok(seen.length >= 2 && seen.length % 2 === 0);
    // The refused calls took nothing away: the connection carries data both ways.
    assert.equal(c.write('ping'), 'done');
    api.transfer(c, s);
    assert.equal(new TextDecoder().decode(s.read().data), 'ping');
    close(c, s);
  }));
});
