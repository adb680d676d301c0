/**
 * A session store in a directory, one file a key (Node and Deno, through node:fs). File names are
 * the SHA-256 of the key, so keys may hold any characters; files are written whole, then renamed,
 * so a reader never sees half a session.
 */
import type { SessionStore } from './session-store.ts';

interface Fs {
  mkdir(p: string, o: { recursive: true; mode: number }): Promise<unknown>;
  readFile(p: string): Promise<Uint8Array>;
  writeFile(p: string, d: Uint8Array, o: { mode: number }): Promise<void>;
  rename(a: string, b: string): Promise<void>;
  rm(p: string, o: { force: true }): Promise<void>;
}

async function fs(): Promise<Fs> {
  const name = 'node:fs/promises'; // a variable, so browser bundles leave it alone
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as Fs;
}

async function fileName(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('') + '.der';
}

export class FileSessionStore implements SessionStore {
  #ready: Promise<unknown> | undefined;
  constructor(readonly directory: string) {
    if (typeof directory !== 'string' || directory === '') throw new TypeError('FileSessionStore: directory must be a path');
  }
  #path(name: string): string {
    return `${this.directory.replace(/\/+$/, '')}/${name}`;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await (await fs()).readFile(this.#path(await fileName(key))));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT' || (e as Error).name === 'NotFound') return undefined;
      throw e;
    }
  }
  async set(key: string, der: Uint8Array): Promise<void> {
    const f = await fs();
    this.#ready ??= f.mkdir(this.directory, { recursive: true, mode: 0o700 });
    await this.#ready;
    const target = this.#path(await fileName(key));
    const tmp = `${target}.${Math.random().toString(36).slice(2)}.tmp`;
    await f.writeFile(tmp, der, { mode: 0o600 }); // sessions hold secrets: owner only
    await f.rename(tmp, target);
  }
  async delete(key: string): Promise<void> {
    await (await fs()).rm(this.#path(await fileName(key)), { force: true });
  }
}
