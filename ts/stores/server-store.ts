import * as C from '../raw/constants.ts';
import type { ClientHello } from '../oo/client-hello.ts';
import type { Connection } from '../oo/connection.ts';
import type { Context } from '../oo/context.ts';
import { ForeignHandleError } from '../oo/handle.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';

/**
 * A server-side session store shared by several server processes (Redis, a database, ...): sessions
 * as DER under their session id. Every method may answer with a promise.
 */
export interface ServerSessionStore {
  get(id: Uint8Array): Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;
  set(id: Uint8Array, der: Uint8Array, ttlSeconds: number): void | Promise<void>;
  delete(id: Uint8Array): void | Promise<void>;
}

export interface ServerStoreOptions {
  /** How long a lookup may take before the handshake goes on without it (default 1000 ms). */
  lookupTimeoutMs?: number;
  /** Told of every store failure (the handshake is never failed by one). Default: console.error. */
  onError?(error: unknown, operation: 'get' | 'set' | 'delete'): void;
}

/** Lookups in flight or done, per connection. */
interface Lookup { id: Uint8Array; der: Uint8Array | null; done: boolean }

/**
 * Makes `context` (a server) keep its sessions in `store` instead of its internal cache, as
 * OpenResty's ssl_session_fetch_by_lua does, with stock OpenSSL: the client-hello callback pauses
 * the handshake while the session id (TLS 1.2) or the stateful ticket identity (TLS 1.3, with
 * SSL_OP_NO_TICKET) is looked up, and the get-session callback then answers from what was fetched.
 * New sessions are stored from the new-session callback, and sessions OpenSSL removes (as bad, or
 * expired) are deleted from the store, so that a removal on one server holds for all.
 *
 * Adapters built on TLSEngine (Node, Deno, Web Streams) wait for the lookup by themselves; with a
 * bare Connection, handshake() returns 'want-client-hello-cb': await `connection.pending`, then
 * call it again.
 */
export function useServerSessionStore(ossl: OpenSSL, context: Context, store: ServerSessionStore, options: ServerStoreOptions = {}): void {
  if (context.role !== 'server') throw new TypeError('useServerSessionStore: context must be a server context');
  // The sessions it answers with are made by `ossl`: they must be of the context's own instance.
  if (!ossl.owns(context)) {
    throw new ForeignHandleError('useServerSessionStore: context belongs to another OpenSSL instance than ossl; pass the instance that made it (sessions move between instances only as bytes)');
  }
  const timeout = options.lookupTimeoutMs ?? 1000;
  const report = options.onError ?? ((e, op) => console.error(`openssl-wasm: session store ${op} failed:`, e));
  const lookups = new WeakMap<Connection, Lookup>();

  // The store is the only cache: an internal copy would outlive a removal made by another server.
  context.sessionCacheMode = C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL;

  context.setClientHelloHandler((conn, hello) => {
    const existing = lookups.get(conn);
    if (existing) return existing.done ? 'success' : 'retry';
    const id = resumptionId(hello);
    if (!id) return 'success';
    const lookup: Lookup = { id, der: null, done: false };
    lookups.set(conn, lookup);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetched = Promise.race([
      Promise.resolve().then(() => store.get(id)),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`lookup timed out after ${timeout} ms`)), timeout); }),
    ]).then(
      der => { lookup.der = der instanceof Uint8Array ? der : null; },
      e => report(e, 'get'),
    ).finally(() => { clearTimeout(timer); lookup.done = true; });
    conn.waitFor(fetched);
    return 'retry';
  });

  context.setSessionCallbacks({
    onGet(id, conn) {
      const lookup = conn && lookups.get(conn);
      if (!lookup?.der || !sameBytes(lookup.id, id)) return null;
      let session: Session;
      try {
        session = ossl.sessionFromDER(lookup.der);
      } catch (e) {
        report(new Error(`the store held something that is not a session for this id: ${(e as Error).message}`), 'get');
        return null;
      }
      // A session stored under another id (a store entry overwritten or copied) would be resumed
      // with an id the client did not offer, which the client takes for a full handshake and then
      // fails on the server's ChangeCipherSpec: a full handshake instead (found by fuzz/: fuzz/corpus/server-store/regress-session-of-another-id.bin).
      if (!sameBytes(session.id, id)) {
        session.free();
        report(new Error('the store held a session with another id under this id; it is not used'), 'get');
        return null;
      }
      // OpenSSL takes its own reference as the callback returns; ours goes once this task is done.
      queueMicrotask(() => session.free());
      return session;
    },
    onNew(session) {
      const id = session.id, der = session.toDER(), ttl = session.timeout;
      Promise.resolve().then(() => store.set(id, der, ttl)).catch(e => report(e, 'set'));
    },
    onRemove(session) {
      const id = session.id;
      Promise.resolve().then(() => store.delete(id)).catch(e => report(e, 'delete'));
    },
  });
}

const TLSEXT_TYPE_pre_shared_key = 41;
const TLSEXT_TYPE_supported_versions = 43;

/**
 * Whether a supported_versions extension (a list of u16 after a length byte) includes TLS 1.3. Only
 * whole pairs inside both the stated list and the extension count: the hello is read here before
 * OpenSSL has checked it, and a malformed list (odd length, or longer than the extension) offers nothing.
 */
function offersTLS13(ext: Uint8Array): boolean {
  const end = Math.min(ext.length, 1 + (ext[0] ?? 0));
  for (let i = 1; i + 1 < end; i += 2) if (ext[i] === 0x03 && ext[i + 1] === 0x04) return true;
  return false;
}

/**
 * The session id a ClientHello asks to resume: the legacy session id (TLS 1.2), or else the first
 * pre_shared_key identity when it is short enough to be a stateful ticket (TLS 1.3, RFC 8446 4.2.11).
 * Called from inside a client-hello handler, with the connection whose ClientHello it is.
 */
export function clientHelloSessionId(_ossl: OpenSSL, conn: Connection): Uint8Array | null {
  const hello = conn.clientHello;
  if (!hello) throw new TypeError('clientHelloSessionId: only inside the client-hello handler of this connection');
  return resumptionId(hello);
}

function resumptionId(hello: ClientHello): Uint8Array | null {
  const psk = hello.extension(TLSEXT_TYPE_pre_shared_key);
  if (psk) {
    // identities<7..2^16-1>: { identity<1..2^16-1>, obfuscated_ticket_age u32 } ...
    if (psk.length >= 4) {
      const idLen = (psk[2] << 8) | psk[3];
      if (idLen > 0 && idLen <= 32 && psk.length >= 4 + idLen) return psk.slice(4, 4 + idLen);
    }
    return null; // a stateless ticket: nothing to look up
  }
  // A client offering TLS 1.3 to a server that speaks it sends a random legacy session id (RFC
  // 8446, D.4): there is nothing to look up unless the server would stop at TLS 1.2.
  const versions = hello.extension(TLSEXT_TYPE_supported_versions);
  if (versions && offersTLS13(versions) && hello.connection.context.maxVersion !== 'TLSv1.2') return null;
  const id = hello.sessionId;
  return id.length > 0 ? id : null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
