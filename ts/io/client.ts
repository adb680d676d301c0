import type { Context } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { saveSession, takeSession, type SessionStore } from '../stores/session-store.ts';
import { tlsOverStreams, type ByteStreams, type TLSStream, type TLSStreamOptions } from './streams.ts';

/** What the stream-based client adapters (Deno, WebSocket) have in common. */
export interface StreamClientPlan extends TLSStreamOptions {
  ossl: OpenSSL;
  context: Context;
  /** The context to free when the stream ends (one the adapter made), or null. */
  owned: Context | null;
  serverName: string | undefined;
  session?: Session | Uint8Array;
  /** With `sessionKey`: take a session before connecting, save each new one. */
  sessionStore?: SessionStore;
  sessionKey?: string;
}

/**
 * The client side of a stream adapter: picks the session to resume (given, or taken from the
 * store), makes the connection, opens the transport, runs TLS over it, stores new sessions, and
 * frees what it made (the imported session at once, since the SSL holds its own reference; an
 * adapter-made context when the stream ends, or on any failure).
 */
export async function connectOverStreams(plan: StreamClientPlan, open: () => Promise<ByteStreams>): Promise<TLSStream> {
  const { ossl, context, owned, sessionStore: store, sessionKey: key } = plan;
  let imported: Session | null = null;
  try {
    if (plan.session instanceof Uint8Array) imported = ossl.sessionFromDER(plan.session);
    else if (!plan.session && store && key) imported = await takeSession(store, key, ossl);
    const session = imported ?? (plan.session as Session | undefined);
    const onSession = store && key
      ? (s: Session) => { plan.onSession?.(s); void saveSession(store, key, s).catch(() => undefined); }
      : plan.onSession;
    const connection = context.createConnection({ serverName: plan.serverName, session });
    let network: ByteStreams;
    try {
      network = await open();
    } catch (e) {
      connection.free();
      throw e;
    }
    const stream = tlsOverStreams(connection, network, { ...plan, onSession });
    void stream.closed.catch(() => undefined).finally(() => { if (owned?.alive) owned.free(); });
    return stream;
  } catch (e) {
    if (owned?.alive) owned.free();
    throw e;
  } finally {
    imported?.free();
  }
}
