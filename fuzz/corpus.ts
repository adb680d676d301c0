// The committed corpus, read in any runtime: fuzz/corpus/index.json names the files of each target
// (a browser cannot list a directory), each file one input.
import { readURL } from '../test/lib/fixtures.ts';

// Through a variable: vite rewrites `new URL('literal', import.meta.url)` as an asset, which a directory is not.
const here = import.meta.url;
export const corpusURL = new URL('./corpus/', here);

export type CorpusIndex = Record<string, string[]>;

export async function readIndex(): Promise<CorpusIndex> {
  const url = new URL('index.json', corpusURL);
  let bytes: Uint8Array;
  try {
    bytes = await readURL(url);
  } catch {
    return {}; // no corpus yet: the fuzzer starts from nothing, and the replay's first test fails
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Every input of `target`, with its file name. */
export async function readCorpus(target: string, index?: CorpusIndex): Promise<{ name: string; bytes: Uint8Array }[]> {
  const names = (index ?? await readIndex())[target] ?? [];
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const name of names) out.push({ name, bytes: await readURL(new URL(`${target}/${name}`, corpusURL)) }); // one at a time: no EMFILE
  return out;
}
