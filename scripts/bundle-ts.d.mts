// Types for bundle-ts.mjs, for the TypeScript that imports it (test/io/fleet-process.ts, bench/fleet.ts).
/** Bundles the TypeScript `entry` for Node into `outfile` (esbuild); resolves with `outfile`. */
export function bundleTs(entry: string, outfile: string, extra?: Record<string, unknown>): Promise<string>;
