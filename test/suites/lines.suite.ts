// The two OpenSSL lines (issue 15): each module says which it is, a load asking for one line refuses
// the other's module, and each exports exactly its line's list (wasm/exports.txt with its `@4.0`
// entries). Runs the same on both passes of the suite (it names both modules itself).
import { exportedFunctions, handshakeInMemory, loadRaw, OpenSSL, type Line } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { fixture, readURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';

const MODULES: Record<Line, URL> = {
  '3.5': new URL('../../wasm/openssl-simd.wasm', import.meta.url),
  '4.0': new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url),
};

suite('OpenSSL lines', test => {
  test('each module is of its line: raw.line, the version, and exactly the exports its line declares', async () => {
    for (const line of ['3.5', '4.0'] as const) {
      const o = await OpenSSL.load({ wasm: MODULES[line], line });
      assert.equal(o.line, line);
      assert.match(o.version, new RegExp(`^OpenSSL ${line.replace('.', '\\.')}\\.\\d+ `));
      const names = new Set(WebAssembly.Module.exports(await WebAssembly.compile(await readURL(MODULES[line]))).map(e => e.name));
      const declared = exportedFunctions(line);
      assert.deepEqual(declared.filter(n => !names.has(n)), [], `${line}: every declared function is exported`);
      assert.equal(names.has('SSL_ech_get1_status'), line === '4.0', `${line}: ECH only on 4.0`);
      assert.equal(names.has('SSL_set1_dnsname'), line === '4.0', `${line}: SSL_set1_dnsname only on 4.0`);
      assert.equal(typeof o.raw.capi.SSL_set1_host, 'function', `${line}: SSL_set1_host on both (deprecated in 4.0, still there)`);
    }
  });

  test('a load asking for one line refuses the other line\'s module; an unknown line is a TypeError', async () => {
    await assert.rejects(() => loadRaw({ wasm: MODULES['3.5'], line: '4.0' }), /line '4\.0' was asked for, but the module given as wasm is of the 3\.5 line/);
    await assert.rejects(() => loadRaw({ wasm: MODULES['4.0'], line: '3.5' }), /of the 4\.0 line/);
    await assert.rejects(() => loadRaw({ wasm: MODULES['4.0'], line: '3.0' as Line }), TypeError);
  });

  test('the peer-name check works on both lines: a name (SSL_set1_host / SSL_set1_dnsname) and an IP address (SSL_set1_ipaddr)', async () => {
    const [cert, key, ca] = await Promise.all([fixture('server.pem'), fixture('server.key'), fixture('ca.pem')]);
    for (const line of ['3.5', '4.0'] as const) {
      const o = await OpenSSL.load({ wasm: MODULES[line], line });
      using server = o.createContext({ role: 'server', certificate: cert, privateKey: key });
      using client = o.createContext({ role: 'client', ca });
      for (const [name, good] of [['localhost', true], ['127.0.0.1', true], ['other.test', false], ['127.0.0.2', false]] as const) {
        using c = client.createConnection({ serverName: name });
        using s = server.createConnection();
        if (good) handshakeInMemory(c, s);
        else assert.throws(() => handshakeInMemory(c, s), /hostname mismatch|IP address mismatch|certificate verify failed/, `${line}: ${name} refused`);
      }
    }
  });
});
