#!/usr/bin/env node
/// <reference types="node" />
/**
 * The `openssl-wasm` command-line tool (package.json "bin"): runs in Node and in Deno
 * (`deno run --allow-read --allow-write --allow-net --allow-env dist/cli.js ...`).
 * The commands themselves are in cli/; main() is exported from cli/main.ts for in-process use.
 */
import process from 'node:process';
import { main, nodeIO } from './cli/main.ts';

const controller = new AbortController();
let signalled = 0;
for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  try {
    process.on(name, () => {
      if (signalled) process.exit(signalled); // a second signal: stop at once
      signalled = code;
      controller.abort();
    });
  } catch { /* a runtime without this signal */ }
}

let code: number;
try {
  code = await main(process.argv.slice(2), nodeIO(controller.signal));
} catch (e) { // nodeIO: an OPENSSL_WASM_LINE that names no line
  process.stderr.write(`openssl-wasm: ${e instanceof Error ? e.message : String(e)}\n`);
  code = 1;
}
// Let standard output drain (bounded), then exit: a pending read of stdin would keep the process up.
await Promise.race([
  new Promise<void>(r => process.stdout.write('', () => r())),
  new Promise<void>(r => setTimeout(r, 2000)),
]);
process.exit(signalled || code);
