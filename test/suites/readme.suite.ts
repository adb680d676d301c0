// The README's examples, run as written (only the PEM texts and the module's location differ).
import { handshakeInMemory, OpenSSL, type Session } from '../../ts/index.ts';
import { equal, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { pki } from '../lib/tls.ts';

suite('README', test => {
  test('saving a session and resuming with it', async () => {
    // (the README's "close before freeing" rule is tested in spec-set-session.suite.ts)
    const { cert: certPem, key: keyPem, ca: caPem } = await pki();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = ossl.createContext({ role: 'server', certificate: certPem, privateKey: keyPem });
    const client = ossl.createContext({ role: 'client', ca: caPem });

    let saved: Session | null = null as Session | null;
    {
      using c1 = client.createConnection({
        serverName: 'localhost',
        onSession: s => { saved?.free(); saved = s.ref(); },
      });
      using s1 = server.createConnection();
      handshakeInMemory(c1, s1);
      c1.shutdown();
      s1.shutdown();
    }

    using c2 = client.createConnection({ serverName: 'localhost', session: saved! });
    using s2 = server.createConnection();
    handshakeInMemory(c2, s2);
    equal(`${c2.protocol} ${c2.cipher} ${c2.sessionReused}`, 'TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 true');
    saved!.free();

    c2.free(); s2.free(); client.free(); server.free(); // (the README's scope would end here)
    const stats = ossl.stats();
    equal(stats.handles.Session + stats.handles.Connection + stats.handles.Context, 0, 'nothing left');
    ok(stats.finalized === 0);
  });
});
