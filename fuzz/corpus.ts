// The committed corpus, read in any runtime: fuzz/corpus/index.json names the files of each target
// (a browser cannot list a directory), each file one input.
import { readURL } from '../test/lib/fixtures.ts';

export const corpusURL = new URL('./corpus/', import.meta.url);

export type CorpusIndex = Record<string, string[]>;

export async function readIndex(): Promise<CorpusIndex> {
  try {
    return JSON.parse(new TextDecoder().decode(await readURL(new URL('index.json', corpusURL))));
  } catch {
    return {};
  }
}

/** Every input of `target`, with its file name. */
export async function readCorpus(target: string, index?: CorpusIndex): Promise<{ name: string; bytes: Uint8Array }[]> {
  const names = (index ?? await readIndex())[target] ?? [];
  return Promise.all(names.map(async name => ({ name, bytes: await readURL(new URL(`${target}/${name}`, corpusURL)) })));
}
