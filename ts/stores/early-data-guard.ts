/**
 * Early data (0-RTT) accepted at most once per ticket across a fleet of servers. OpenSSL's own
 * anti-replay keeps each ticket single-use in the one server's session cache, which servers behind
 * one name do not share: a ClientHello replayed to another server would have its early data
 * accepted there too. This guard asks a shared store first: the ClientHello's ticket (its first
 * pre_shared_key identity, the one early data is sent under) is taken atomically, with the ticket's
 * lifetime as expiry, and only the server that took it may accept the early data. The store answers
 * asynchronously, so the asking is done in the client-hello callback, which pauses the handshake
 * (as useServerSessionStore does); OpenSSL's decision comes later and is synchronous: a connection
 * that did not get the ticket has its early data refused (Connection.denyEarlyData, OpenSSL's
 * allow_early_data callback). The handshake itself goes on: only the early data is refused.
 */
import * as C from '../raw/constants.ts';
import type { ClientHello } from '../oo/client-hello.ts';
import type { Connection } from '../oo/connection.ts';
import type { Context } from '../oo/context.ts';
import { prefixOf, sealerFor, type RedisLike, type RedisStoreOptions } from './redis-store.ts';
import { toHex, type ValueSealer } from './sealed-value.ts';

/** Where a fleet records the tickets whose early data was taken. */
export interface EarlyDataReplayStore {
  /** Records `identity` as used for `ttlSeconds`: true if this call was the first to, false if it was taken before. */
  take(identity: Uint8Array, ttlSeconds: number): boolean | Promise<boolean>;
}

export interface EarlyDataGuardOptions {
  /** How long the store may take before the early data is refused (default 1000 ms). */
  lookupTimeoutMs?: number;
  /** Told of every store failure (the early data is then refused; the handshake goes on). Default: console.error. */
  onError?(error: unknown): void;
}

const TLSEXT_TYPE_pre_shared_key = 41;
const TLSEXT_TYPE_early_data = 42;

/** Per connection: the take in flight, then its answer. */
interface Take { done: boolean; allowed: boolean }

/**
 * Makes `context` (a server with maxEarlyData above 0) accept a ticket's early data only if `store`
 * says this is the ticket's first use anywhere in the fleet. It turns OpenSSL's per-server
 * anti-replay off (SSL_OP_NO_ANTI_REPLAY), which would otherwise make every ticket a single-use
 * entry of one server's cache that no other server can resume; this guard takes its place. A
 * client-hello handler already set (useServerSessionStore's) runs after the guard's.
 */
export function useEarlyDataReplayGuard(context: Context, store: EarlyDataReplayStore, options: EarlyDataGuardOptions = {}): void {
  if (context.role !== 'server') throw new TypeError('useEarlyDataReplayGuard: context must be a server context');
  if (!store || typeof store.take !== 'function') throw new TypeError('useEarlyDataReplayGuard: store must have a take(identity, ttlSeconds) method');
  const timeout = options.lookupTimeoutMs ?? 1000;
  const report = options.onError ?? (e => console.error('openssl-wasm: early-data replay guard:', e));
  const takes = new WeakMap<Connection, Take>();
  const next = context.clientHelloHandler;
  context.setOptions(C.SSL_OP_NO_ANTI_REPLAY);

  context.setClientHelloHandler((conn, hello) => {
    let take = takes.get(conn);
    if (!take) {
      const identity = earlyDataIdentity(hello);
      if (identity === null) {
        takes.set(conn, { done: true, allowed: true }); // no early data offered: nothing to guard
      } else {
        const started: Take = { done: false, allowed: false };
        takes.set(conn, started);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const asked = Promise.race([
          Promise.resolve().then(() => store.take(identity, context.sessionTimeout)),
          new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`take timed out after ${timeout} ms`)), timeout); }),
        ]).then(
          first => { started.allowed = first === true; },
          e => report(e), // refused: a fleet that cannot tell must not accept a replay
        ).finally(() => { clearTimeout(timer); started.done = true; });
        conn.waitFor(asked);
        return 'retry';
      }
      take = takes.get(conn)!;
    }
    if (!take.done) return 'retry';
    if (!take.allowed) conn.denyEarlyData();
    return next ? next(conn, hello) : 'success';
  });
}

/** The ticket early data is offered under: the first pre_shared_key identity, when early_data is sent too. */
function earlyDataIdentity(hello: ClientHello): Uint8Array | null {
  if (hello.extension(TLSEXT_TYPE_early_data) === null) return null;
  const psk = hello.extension(TLSEXT_TYPE_pre_shared_key);
  // identities<7..2^16-1>: { identity<1..2^16-1>, obfuscated_ticket_age u32 } ... (RFC 8446, 4.2.11)
  if (!psk || psk.length < 4) return null;
  const len = (psk[2] << 8) | psk[3];
  return len > 0 && psk.length >= 4 + len ? psk.slice(4, 4 + len) : null;
}

/**
 * An EarlyDataReplayStore in Redis: SET NX with the ticket lifetime as expiry, under
 * `${prefix}early-data:${HMAC-SHA256 of the ticket}` (the store's keys, as RedisSessionStore's
 * names: a ticket travels in the clear and must not be matchable in Redis). The value is a
 * constant: nothing secret is stored. While keys rotate, each name the ticket has (one per key) is
 * set: a server whose names overlap another's cannot take a ticket the other took.
 */
export class RedisEarlyDataReplayStore implements EarlyDataReplayStore {
  readonly prefix: string;
  readonly #sealer: ValueSealer | null;

  constructor(readonly client: RedisLike, options: RedisStoreOptions) {
    this.#sealer = sealerFor('RedisEarlyDataReplayStore', options, 'the tickets whose early data was used, matchable to tickets seen on the network');
    this.prefix = prefixOf('RedisEarlyDataReplayStore', options);
  }

  async take(identity: Uint8Array, ttlSeconds: number): Promise<boolean> {
    const hashes = this.#sealer ? await this.#sealer.names(identity) : [toHex(identity)];
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const answers = await Promise.all(hashes.map(h => this.client.set(`${this.prefix}early-data:${h}`, '1', { EX: ttl, NX: true })));
    return answers.every(a => a !== null);
  }
}
