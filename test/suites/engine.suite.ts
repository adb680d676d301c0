// TLSEngine's own order of work: what arrives with the handshake's last flight, and what listeners
// do from the events it delivers after each step.
import { TLSEngine } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, load, serverContext } from '../lib/tls.ts';

suite('TLSEngine', test => {
  test("data that comes in one chunk with the peer's Finished is delivered, also when a 'secure' listener writes", async () => {
    const ossl = await load();
    const client = await clientContext(ossl, 'TLSv1.3'), server = await serverContext(ossl, 'TLSv1.3');
    for (const writes of [false, true]) {
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      const got: string[] = [], errors: Error[] = [];
      const se: TLSEngine = new TLSEngine(s, {
        transmit: b => c.receive(b), plaintext: d => got.push(new TextDecoder().decode(d)),
        secure: () => { if (writes) se.write(new TextEncoder().encode('hi')); },
        peerClosed: () => undefined, error: e => errors.push(e),
      });
      // The client, sans I/O: its Finished and its first data reach the server in one chunk.
      const flight = () => { const out = c.takeOutgoing(); if (out.length) se.receive(out); };
      c.handshake();
      flight();
      assert.equal(c.handshake(), 'done');
      assert.equal(c.write('hello'), 'done');
      flight();
      assert.deepEqual(errors.map(String), []);
      assert.deepEqual(got, ['hello'], `the data came through (secure listener writes: ${writes})`);
      if (writes) assert.match(new TextDecoder().decode(c.read().data), /^hi$/);
      c.free();
      s.free();
    }
    client.free();
    server.free();
    await assertNoHandles(ossl, 'engine');
  });
});
