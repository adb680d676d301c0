// The bench core in Deno: bundled by bench/main.ts, run as
//   deno run --allow-read build/bench/deno.mjs WASM [--quick]
// Prints progress on stderr and one `BENCH_RESULT {json}` line on stdout.
import { runStandalone } from './core.ts';

declare const Deno: { args: string[]; version: { deno: string; v8: string }; readFile(p: string): Promise<Uint8Array> };

const [wasmPath, ...flags] = Deno.args;
const bytes = await Deno.readFile(wasmPath);
const result = await runStandalone({
  wasm: bytes,
  quick: flags.includes('--quick'),
  noWarmup: flags.includes('--no-warmup'),
  runtime: `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
  log: s => console.error(`  ${s}`),
});
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
