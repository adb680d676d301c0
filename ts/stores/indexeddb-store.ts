/**
 * A session store in IndexedDB (browsers; also any runtime with a global indexedDB), through
 * idb-keyval. Sessions outlive the page: a reload, or another tab of the same origin, resumes them.
 * idb-keyval is bundled into the package's dist/, so no bundler is needed to use this.
 */
import { clear, createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { SessionStore } from './session-store.ts';

export class IndexedDBSessionStore implements SessionStore {
  #store: UseStore | undefined;
  /**
   * `databaseName`: the IndexedDB database, holding one object store ("sessions"). Give each store
   * a database of its own (idb-keyval cannot add an object store to an existing database).
   */
  constructor(readonly databaseName = 'openssl-wasm-sessions') {
    if (typeof databaseName !== 'string' || databaseName === '') throw new TypeError('IndexedDBSessionStore: databaseName must be a non-empty string');
  }
  // Opened on first use, so that making a store object touches nothing.
  #db(): UseStore {
    if (!('indexedDB' in globalThis)) throw new TypeError('IndexedDBSessionStore: this runtime has no indexedDB');
    this.#store ??= createStore(this.databaseName, 'sessions');
    return this.#store;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const value: unknown = await get(key, this.#db());
    return value instanceof Uint8Array ? value : undefined;
  }
  async set(key: string, der: Uint8Array): Promise<void> {
    await set(key, der.slice(), this.#db()); // a copy of only these bytes, not the whole buffer
  }
  async delete(key: string): Promise<void> {
    await del(key, this.#db());
  }
  /** Deletes every stored session. */
  async clear(): Promise<void> {
    await clear(this.#db());
  }
}
