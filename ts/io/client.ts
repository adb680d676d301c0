import type { Connection } from '../oo/connection.ts';
import type { Context } from '../oo/context.ts';
import type { ClientEchOptions } from '../oo/ech.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { sessionSaver, takeSession, type SessionStore } from '../stores/session-store.ts';
import { tlsOverStreams, type ByteStreams, type TLSStream, type TLSStreamOptions } from './streams.ts';

/** What the stream-based client adapters (Deno, WebSocket) have in common. */
export interface StreamClientPlan extends TLSStreamOptions, ClientConnectionPlan {
  /** The context to free when the stream ends (one the adapter made), or null. */
  owned: Context | null;
}

/** What every client adapter (Node, Deno, WebSocket) decides before its transport opens. */
export interface ClientConnectionPlan {
  ossl: OpenSSL;
  context: Context;
  serverName: string | undefined;
  /** Check the certificate's host name against serverName (default: when the context verifies). */
  checkHostName?: boolean;
  session?: Session | Uint8Array;
  /**
   * Encrypted Client Hello (OpenSSL 4.0 line): the server's ECHConfigList (base64, as in its HTTPS
   * DNS record, or bytes) and the rest of ConnectionOptions.ech; serverName is then the hidden name.
   */
  ech?: ClientEchOptions;
  /** With `sessionKey`: take a session before connecting, save each new one. */
  sessionStore?: SessionStore;
  sessionKey?: string;
  /**
   * A store that fails to save a new session does not fail the connection (the session is only
   * lost): the error comes here, or is dropped.
   */
  onStoreError?(error: unknown): void;
}

/**
 * The client flow every adapter shares: picks the session to resume (given as DER or a Session, or
 * taken from the store), makes the connection, and frees the imported session at once (the SSL
 * holds its own reference). Returns the connection and the handler that puts each new session in
 * the store (undefined without a store). A store that fails to give a session fails the connect.
 */
export async function prepareClientConnection(plan: ClientConnectionPlan): Promise<{ connection: Connection; saveNewSession?: (s: Session) => void }> {
  const { ossl, context, sessionStore: store, sessionKey: key } = plan;
  let imported: Session | null = null;
  try {
    if (plan.session instanceof Uint8Array) imported = ossl.sessionFromDER(plan.session);
    else if (!plan.session && store && key) imported = await takeSession(store, key, ossl);
    const session = imported ?? (plan.session as Session | undefined);
    const connection = context.createConnection({
      serverName: plan.serverName, session, ...(plan.checkHostName === undefined ? {} : { checkHostName: plan.checkHostName }),
      ...(plan.ech === undefined ? {} : { ech: plan.ech }),
    });
    const saveNewSession = store && key ? sessionSaver(store, key, e => plan.onStoreError?.(e)) : undefined;
    return { connection, saveNewSession };
  } finally {
    imported?.free();
  }
}

/**
 * The client side of a stream adapter: the shared flow above, then opens the transport, runs TLS
 * over it, and frees an adapter-made context when the stream ends, or on any failure.
 */
export async function connectOverStreams(plan: StreamClientPlan, open: () => Promise<ByteStreams>): Promise<TLSStream> {
  const { owned } = plan;
  try {
    const { connection, saveNewSession } = await prepareClientConnection(plan);
    const onSession = saveNewSession
      ? (s: Session) => { plan.onSession?.(s); saveNewSession(s); }
      : plan.onSession;
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
  }
}
