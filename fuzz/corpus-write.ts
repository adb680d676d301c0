// Writing the corpus (Node only: the fuzzer and make-seeds.ts): one file per input, named by its
// SHA-1 as libFuzzer names them (plus .bin), and the index the replay reads.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { corpusURL, readIndex } from './corpus.ts';

const dir = fileURLToPath(corpusURL);
export const nameOf = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

/**
 * Replaces `target`'s corpus by `inputs` and updates index.json. Files named regress-*.bin (inputs
 * that once broke something, named by hand) are always kept.
 */
export async function writeCorpus(target: string, inputs: Uint8Array[]): Promise<void> {
  const tdir = `${dir}${target}/`;
  mkdirSync(tdir, { recursive: true });
  const names = new Set<string>(readdirSync(tdir).filter(n => n.startsWith('regress-')));
  for (const n of readdirSync(tdir)) if (!names.has(n)) rmSync(tdir + n);
  const kept = new Set([...names].map(n => nameOf(readFileSync(tdir + n))));
  inputs = inputs.filter(b => !kept.has(nameOf(b)));
  for (const b of inputs) {
    // An extension, so that vite serves the file as it is (it takes a name without one for a module).
    const name = `${nameOf(b)}.bin`;
    names.add(name);
    writeFileSync(tdir + name, b);
  }
  const index = await readIndex();
  index[target] = [...names].sort();
  const sorted = Object.fromEntries(Object.keys(index).sort().map(k => [k, index[k]]));
  writeFileSync(`${dir}index.json`, JSON.stringify(sorted, null, 1) + '\n');
}

/** Saves an input that broke the contract, for a reproducer; returns its path. */
export function writeCrash(target: string, bytes: Uint8Array): string {
  const cdir = fileURLToPath(new URL('../crashes/', corpusURL));
  mkdirSync(cdir, { recursive: true });
  const path = `${cdir}${target}-${nameOf(bytes)}`;
  writeFileSync(path, bytes);
  return path;
}

export function listFiles(target: string): string[] {
  try { return readdirSync(`${dir}${target}`); } catch { return []; }
}
