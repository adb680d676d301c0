// The bench core in Chromium: bundled by bench/main.ts and served from 127.0.0.1 beside
// openssl.wasm, cross-origin isolated (so performance.now() has 5 µs resolution, not 100 µs).
// Leaves its result in globalThis.__bench for the driver to read.
import { runStandalone } from './core.ts';

const g = globalThis as unknown as { __bench?: unknown; __benchLog: string[] };
g.__benchLog = [];
const quick = new URLSearchParams(location.search).has('quick');
runStandalone({
  wasm: new URL('./openssl.wasm', location.href),
  quick,
  noWarmup: new URLSearchParams(location.search).has('nowarmup'),
  runtime: 'chromium',
  log: s => { g.__benchLog.push(s); },
}).then(
  result => { g.__bench = { ok: true, result, isolated: globalThis.crossOriginIsolated }; },
  e => { g.__bench = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) }; },
);
