/// <reference types="node" />
/**
 * Node's server-side external session cache: tls.Server's 'newSession' (sessionId, sessionData,
 * callback) and 'resumeSession' (sessionId, callback(err, sessionData)) events, on the object
 * layer's session-cache callbacks, as Node's _tls_wrap.js drives them:
 * - 'resumeSession' is emitted for a ClientHello with a session id and no session ticket; the
 *   handshake waits (the client-hello callback pauses it, as useServerSessionStore's lookup does)
 *   until the callback answers. An error destroys the socket with it; session data that is not a
 *   session of that id makes a full handshake.
 * - 'newSession' is emitted for each new session; the server's output waits until its callback is
 *   called, and for a TLS 1.2 session 'secure' (and so 'secureConnection') too. TLS 1.3 sessions
 *   come with the tickets sent after the handshake: 'secureConnection' first, as Node's.
 * As in Node, with a listener for either the server keeps no internal cache: the listeners are it.
 */
import { Buffer } from 'node:buffer';
import type { EventEmitter } from 'node:events';
import type { ClientHello } from '../oo/client-hello.ts';
import type { Connection } from '../oo/connection.ts';
import type { ClientHelloResult, Context } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { failWith, holdOutput, type TLSSocket } from './node-socket.ts';

const TLSEXT_TYPE_session_ticket = 35;
/** SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL (ssl.h), as Node's server contexts. */
const SERVER_CACHE_NO_INTERNAL = 0x0002 | 0x0300;

/** A lookup asked of 'resumeSession' for one connection. */
interface Lookup { id: Uint8Array; der: Uint8Array | null; done: boolean; error: Error | null }

/**
 * Installs the events' session callbacks on `context` (a server's own) and returns the step its
 * client-hello handler runs first. `socketOf` finds the TLSSocket of a connection.
 */
export function installSessionEvents(ossl: OpenSSL, context: Context, server: EventEmitter,
  socketOf: (c: Connection) => TLSSocket | undefined): (conn: Connection, hello: ClientHello) => ClientHelloResult {
  const lookups = new WeakMap<Connection, Lookup>();
  const listening = () => server.listenerCount('newSession') > 0 || server.listenerCount('resumeSession') > 0;
  let external = false;
  /** Node's server contexts keep no internal cache once the application keeps one. */
  const useExternalCache = () => {
    if (external || !listening()) return;
    external = true;
    context.sessionCacheMode = SERVER_CACHE_NO_INTERNAL;
  };

  context.setSessionCallbacks({
    onNew(session: Session, conn: Connection | null) {
      const socket = conn && socketOf(conn);
      if (!socket || server.listenerCount('newSession') === 0) return;
      useExternalCache();
      const id = Buffer.from(session.id), data = Buffer.from(session.toDER());
      let release!: () => void;
      // Registered now, inside OpenSSL's call, so what is delivered after it waits: as in Node, the
      // output, and 'secure' for a TLS 1.2 session (made before the handshake is done; TLS 1.3
      // tickets are sent after it, so Node's 'secureConnection' comes first there).
      holdOutput(socket, new Promise<void>(resolve => { release = resolve; }), session.protocol !== 'TLSv1.3');
      let called = false;
      const done = () => { if (!called) { called = true; release(); } };
      // Emitted outside OpenSSL's call: a listener may do anything with the socket.
      queueMicrotask(() => {
        try {
          if (!server.emit('newSession', id, data, done)) done();
        } catch (e) {
          done();
          socket.destroy(e as Error);
        }
      });
    },
    onGet(id: Uint8Array, conn: Connection | null): Session | null {
      const lookup = conn && lookups.get(conn);
      if (!lookup?.der || !sameBytes(lookup.id, id)) return null;
      let session: Session;
      try {
        session = ossl.sessionFromDER(lookup.der);
      } catch {
        return null; // not a session (Node: "Return an invalid session to test Node does not crash")
      }
      // A session of another id would be resumed under an id the client did not offer (see server-store.ts).
      if (!sameBytes(session.id, id)) {
        session.free();
        return null;
      }
      // OpenSSL takes its own reference as the callback returns; ours goes once this task is done.
      queueMicrotask(() => session.free());
      return session;
    },
  });

  return (conn, hello) => {
    const existing = lookups.get(conn);
    if (existing) {
      if (!existing.done) return 'retry';
      if (existing.error) {
        const sock = socketOf(conn);
        if (sock) failWith(sock, existing.error);
        return 'error';
      }
      return 'success';
    }
    useExternalCache();
    if (server.listenerCount('resumeSession') === 0) return 'success';
    // As Node's loadSession: no id, or a ticket to resume from, needs no lookup.
    const id = hello.sessionId, ticket = hello.extension(TLSEXT_TYPE_session_ticket);
    if (id.length === 0 || (ticket && ticket.length > 0)) return 'success';
    const lookup: Lookup = { id, der: null, done: false, error: null };
    lookups.set(conn, lookup);
    const answered = new Promise<void>(resolve => {
      const finish = () => { lookup.done = true; resolve(); };
      const callback = (err?: Error | null, data?: Uint8Array | null) => {
        if (lookup.done) {
          // Node: ERR_MULTIPLE_CALLBACK destroys the socket.
          socketOf(conn)?.destroy(Object.assign(new Error('Callback called multiple times'), { code: 'ERR_MULTIPLE_CALLBACK' }));
          return;
        }
        if (err) lookup.error = err;
        else if (data instanceof Uint8Array) lookup.der = new Uint8Array(data);
        finish();
      };
      queueMicrotask(() => {
        try {
          if (!server.emit('resumeSession', Buffer.from(id), callback)) finish();
        } catch (e) {
          lookup.error = e as Error;
          finish();
        }
      });
    });
    conn.waitFor(answered);
    return 'retry';
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
