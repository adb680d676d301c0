import type { OpenSSL } from '../oo/openssl.ts';
import { Session } from '../oo/session.ts';
import { OutOfMemoryError } from '../errors.ts';

/**
 * Where clients keep sessions between connections: DER bytes under a key. Every method may answer
 * synchronously or with a promise, so a store can be a Map, a directory or IndexedDB.
 */
export interface SessionStore {
  get(key: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  set(key: string, der: Uint8Array): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

/** What makes two connections able to share a session. */
export interface SessionKeyParts {
  host: string;
  port: number;
  /** The SNI name, when it differs from host. */
  serverName?: string;
  /** ALPN protocols offered. */
  alpn?: readonly string[];
  /**
   * Anything else about the security settings that a resumed connection must share with the one
   * that made the session (verification on or off, trust store, client certificate, versions).
   * As BoringSSL advises, a session made under weaker settings must never be offered under
   * stronger ones: put every such setting in here.
   */
  settings?: string;
}

/** The store key for a connection: host, port, SNI, ALPN and the security settings. */
export function sessionKey(p: SessionKeyParts): string {
  if (p === null || typeof p !== 'object') throw new TypeError('sessionKey: expected { host, port, serverName?, alpn?, settings? }');
  if (typeof p.host !== 'string' || p.host === '') throw new TypeError('sessionKey: host must be a non-empty string');
  if (!Number.isInteger(p.port) || p.port < 0 || p.port > 65535) throw new RangeError(`sessionKey: port must be 0 to 65535, got ${String(p.port)}`);
  if (p.serverName !== undefined && typeof p.serverName !== 'string') throw new TypeError('sessionKey: serverName must be a string');
  return JSON.stringify([p.host.toLowerCase(), p.port, (p.serverName ?? p.host).toLowerCase(), p.alpn ?? [], p.settings ?? '']);
}

/**
 * Takes a stored session for resuming, or null. A TLS 1.3 ticket is taken out of the store as it is
 * used (RFC 8446, C.4: clients should not reuse a ticket); a TLS 1.2 session stays. An entry that
 * does not parse, or has expired, is deleted.
 */
export async function takeSession(store: SessionStore, key: string, ossl: OpenSSL, now = Date.now() / 1000): Promise<Session | null> {
  // Checked first: a wrong `ossl` would otherwise fail the parse below, and the stored session be deleted as bad.
  if (typeof (ossl as Partial<OpenSSL> | null)?.sessionFromDER !== 'function') throw new TypeError('takeSession: ossl must be an OpenSSL instance');
  const der = await store.get(key);
  if (!der) return null;
  let session: Session;
  try {
    session = ossl.sessionFromDER(der);
  } catch (e) {
    // Out of memory says nothing about the stored bytes: keep them for when there is room.
    if (e instanceof OutOfMemoryError) throw e;
    await store.delete(key);
    return null;
  }
  if (!session.isResumable || session.time + session.timeout < now) {
    session.free();
    await store.delete(key);
    return null;
  }
  if (session.protocol === 'TLSv1.3') await store.delete(key);
  return session;
}

/**
 * Saves a connection's new sessions under `key`, one store write at a time. The store keeps one
 * session a key, so a session that arrives while a write is running waits, and a newer one
 * replaces it: a server sending endless tickets makes one write wait, not one a ticket (each with
 * its copy of the session). A store that answers at once (returns no promise) is written each time.
 * A failed write goes to `onError`; the next session is still saved.
 */
export function sessionSaver(store: SessionStore, key: string, onError?: (error: unknown) => void): (session: Session) => void {
  let writing = false;
  let waiting: Uint8Array | null = null;
  const write = (der: Uint8Array): void => {
    let done: void | Promise<void>;
    try {
      done = store.set(key, der);
    } catch (e) {
      onError?.(e);
      return;
    }
    if (typeof (done as PromiseLike<void> | undefined)?.then !== 'function') return;
    writing = true;
    Promise.resolve(done).catch(e => onError?.(e)).finally(() => {
      writing = false;
      const next = waiting;
      waiting = null;
      if (next) write(next);
    });
  };
  return session => {
    if (!(session instanceof Session)) throw new TypeError('sessionSaver: session must be a Session');
    if (!session.isResumable) return;
    const der = session.toDER(); // now: the session is lent for the call
    if (writing) waiting = der;
    else write(der);
  };
}

/** Stores a session for `key` if it can be resumed. */
export async function saveSession(store: SessionStore, key: string, session: Session): Promise<void> {
  if (!(session instanceof Session)) throw new TypeError('saveSession: session must be a Session');
  if (session.isResumable) await store.set(key, session.toDER());
}

/** An in-memory store that keeps the most recently used `maxEntries` sessions. */
export class MemorySessionStore implements SessionStore {
  readonly #entries = new Map<string, Uint8Array>();
  constructor(readonly maxEntries = 1000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  get size(): number {
    return this.#entries.size;
  }
  get(key: string): Uint8Array | undefined {
    const der = this.#entries.get(key);
    if (der) { // most recently used goes last
      this.#entries.delete(key);
      this.#entries.set(key, der);
    }
    return der;
  }
  set(key: string, der: Uint8Array): void {
    if (typeof key !== 'string') throw new TypeError('MemorySessionStore.set: key must be a string');
    if (!(der instanceof Uint8Array)) throw new TypeError('MemorySessionStore.set: der must be a Uint8Array');
    this.#entries.delete(key);
    this.#entries.set(key, der.slice());
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
}
