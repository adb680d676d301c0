// The page of the Chromium cold start (bench/cold-browser.ts): from this script's first line to the
// first completed TLS 1.3 handshake (X25519, ECDSA P-256, in memory), as phases, the module loaded
// the way a page gets it by default (OpenSSL.load(): the SIMD probe, fetch beside this script,
// WebAssembly.compileStreaming). The PEMs are part of the bundle (configuration, as in Node's cold
// start where they are read before the clock starts). Leaves its result in globalThis.__cold.
import ca from '../test/fixtures/ca.pem';
import cert from '../test/fixtures/server.pem';
import key from '../test/fixtures/server.key';
import { handshakeInMemory, OpenSSL } from '../ts/index.ts';

const t0 = performance.now(); // since navigation started: the page and this bundle fetched and evaluated
const phases: Record<string, number> = {};
let last = t0;
const mark = (name: string) => { const t = performance.now(); phases[name] = t - last; last = t; };
const g = globalThis as unknown as { __cold?: unknown };
try {
  const ossl = await OpenSSL.load();
  mark('load');
  const v = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;
  const server = ossl.createContext({ role: 'server', certificate: cert, privateKey: key, groups: 'X25519', ...v });
  const client = ossl.createContext({ role: 'client', ca, groups: 'X25519', ...v });
  mark('contexts');
  const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
  handshakeInMemory(c, s);
  if (!c.isHandshakeDone || !s.isHandshakeDone || c.protocol !== 'TLSv1.3') throw new Error('cold: no TLS 1.3 handshake');
  mark('handshake');
  g.__cold = { ok: true, navToScript: t0, phases, total: performance.now() - t0, isolated: globalThis.crossOriginIsolated };
} catch (e) {
  g.__cold = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) };
}
