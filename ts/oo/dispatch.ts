import * as C from '../raw/constants.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import { lendClientHello } from './client-hello.ts';
import { deliverTrace, notifySession, withClientHello, type Connection } from './connection.ts';
import { assertContextMayUse, contextHandlers, type AlpnSelectHandler, type Context } from './context.ts';
import type { Core } from './core.ts';
import { lendSession, Session } from './session.ts';
import { decodeIdentity, foundPsk, writeClientPsk, writePskKey } from './psk.ts';

/**
 * The one place OpenSSL's callbacks are routed to the Context and Connection objects they concern.
 * Every JavaScript callback runs through core.callback(): OpenSSL's error queue is kept aside for
 * it, and the frees it asks for wait until the OpenSSL call under way returns. A context or
 * connection freed by an earlier callback of the same call hears nothing more, except a context's
 * onRemove during its own free (SSL_CTX_free flushes the cache: SSL_CTX_sess_set_remove_cb(3)).
 */
export function installDispatch(core: Core): void {
  const { capi, mem } = core;
  const connectionOf = (ssl: Ptr<'SSL'>): Connection | null => core.connections.get(ssl)?.deref() ?? null;
  const contextOf = (ctx: Ptr<'SSL_CTX'>): Context | null => core.contexts.get(ctx)?.deref() ?? null;
  /** The live context of a connection, or null (none, or freed). */
  const contextOfSSL = (ssl: Ptr<'SSL'>): Context | null => {
    const context = connectionOf(ssl)?.context ?? contextOf(capi.SSL_get_SSL_CTX(ssl));
    return context?.alive ? context : null;
  };
  const handlersOfSSL = (ssl: Ptr<'SSL'>) => {
    const context = contextOfSSL(ssl);
    return context && contextHandlers(context);
  };
  /** The connection for a callback argument: null once freed, as for one the object layer never made. */
  const liveConnection = (ssl: Ptr<'SSL'>): Connection | null => {
    const c = connectionOf(ssl);
    return c?.alive ? c : null;
  };
  /** Runs fn with a Session lent for the call only. */
  const lend = <R>(sess: Ptr<'SSL_SESSION'>, fn: (s: Session) => R): R => lendSession(core, sess, fn);

  const h = core.raw.handlers;
  h.new_session = (ssl, sess) => core.callback(() => {
    const conn = connectionOf(ssl);
    const handlers = handlersOfSSL(ssl);
    lend(sess, s => {
      handlers?.session.onNew?.(s, conn?.alive ? conn : null);
      if (conn) notifySession(conn, s);
    });
    return 0; // we took no reference: OpenSSL drops the one it lent us
  });
  h.remove_session = (ctx, sess) => core.callback(() => {
    const context = contextOf(ctx);
    const onRemove = context && contextHandlers(context).session.onRemove;
    if (!onRemove) return;
    core.removing.push(ctx);
    try {
      lend(sess, s => onRemove(s));
    } finally {
      core.removing.pop();
    }
  });
  h.get_session = (ssl, id, idLen, copy) => core.callback(() => {
    const onGet = handlersOfSSL(ssl)?.session.onGet;
    const found = onGet?.(mem.copyOut(id, idLen), liveConnection(ssl)) ?? null;
    if (found === null) return NULL;
    if (!(found instanceof Session)) throw new TypeError('sessionCallbacks.onGet must return a Session or null');
    // Looked up again: the callback may have freed the connection or the context.
    const context = contextOfSSL(ssl);
    if (!context) return NULL;
    assertContextMayUse(context, found, 'sessionCallbacks.onGet');
    mem.writeU32(copy, 1); // OpenSSL takes its own reference; the Session stays the callback's
    return found.pointer;
  });
  h.client_hello = (ssl, al) => core.callback(() => {
    const conn = liveConnection(ssl);
    const handler = conn && handlersOfSSL(ssl)?.clientHello;
    if (!conn || !handler) return 1;
    const r = lendClientHello(core, conn, ssl, hello => withClientHello(conn, hello, () => handler(conn, hello)));
    if (r === 'error') mem.writeU32(al, 80 /* internal_error */);
    return r === 'success' ? 1 : r === 'retry' ? -1 : 0;
  });
  h.keylog = (ssl, line) => core.callback(() => {
    const keylog = handlersOfSSL(ssl)?.keylog;
    keylog?.(mem.readCString(line) ?? '', liveConnection(ssl));
  });
  h.msg = (writeP, version, contentType, buf, len, ssl) => core.callback(() => {
    // A traced connection's SSL_trace text for this message first (Connection.onTrace).
    const conn = liveConnection(ssl);
    if (conn && !deliverTrace(conn)) return;
    const message = handlersOfSSL(ssl)?.message;
    message?.({ direction: writeP ? 'sent' : 'received', version, contentType, bytes: mem.copyOut(buf, len) }, liveConnection(ssl));
  });
  // No JavaScript of the program runs here (the server's list was given to createContext), unless
  // the context chooses with onAlpnSelect, which runs as every program callback does.
  h.alpn_select = (ssl, out, outlen, input, inlen) => {
    const select = handlersOfSSL(ssl)?.alpnSelect;
    if (select) return core.callback(() => selectAlpn(ssl, select, out, outlen, input, inlen));
    // The server's preference order wins; the answer points into the client's list, which lives
    // for the rest of the handshake.
    const wire = handlersOfSSL(ssl)?.alpn;
    if (!wire) return C.SSL_TLSEXT_ERR_NOACK;
    const offered = mem.copyOut(input, inlen);
    for (let i = 0; i < wire.length; i += 1 + wire[i]) {
      const want = wire.subarray(i + 1, i + 1 + wire[i]);
      for (let j = 0; j < offered.length; j += 1 + offered[j]) {
        const got = offered.subarray(j + 1, j + 1 + offered[j]);
        if (got.length === want.length && got.every((b, k) => b === want[k])) {
          mem.writeU32(out, input + j + 1);
          mem.u8[outlen] = got.length;
          return C.SSL_TLSEXT_ERR_OK;
        }
      }
    }
    return C.SSL_TLSEXT_ERR_ALERT_FATAL; // RFC 7301: no_application_protocol
  };

  /** onAlpnSelect's choice among the client's protocols, pointed to in the client's list as OpenSSL wants it. */
  const selectAlpn = (ssl: Ptr<'SSL'>, select: AlpnSelectHandler, out: Ptr<'u8*'>, outlen: Ptr<'u8'>, input: Ptr<'u8'>, inlen: number): number => {
    const wire = mem.copyOut(input, inlen);
    const offered: { name: string; at: number; length: number }[] = [];
    for (let j = 0; j < wire.length && j + 1 + wire[j] <= wire.length; j += 1 + wire[j]) {
      offered.push({ name: new TextDecoder().decode(wire.subarray(j + 1, j + 1 + wire[j])), at: j + 1, length: wire[j] });
    }
    const choice = select(offered.map(p => p.name), liveConnection(ssl));
    if (choice === null || choice === undefined) return C.SSL_TLSEXT_ERR_ALERT_FATAL; // no_application_protocol
    const picked = offered.find(p => p.name === choice);
    if (!picked) throw new TypeError(`onAlpnSelect must answer one of the client's protocols (${offered.map(p => JSON.stringify(p.name)).join(', ')}) or null, got ${JSON.stringify(choice)}`);
    mem.writeU32(out, input + picked.at);
    mem.u8[outlen] = picked.length;
    return C.SSL_TLSEXT_ERR_OK;
  };

  // ---- external PSKs (servers, and clients asking per connection; a context's fixed PSK is answered in C, wasm/shims.c)
  /** The server's onPskFind answer for an identity: a PSK Session of this instance, or null. */
  const findPsk = (ssl: Ptr<'SSL'>, identity: Uint8Array): Session | null => {
    const find = handlersOfSSL(ssl)?.pskFind;
    const id = find ? decodeIdentity(identity) : null;
    if (!find || id === null) return null;
    const found = find(id, liveConnection(ssl));
    // Looked up again: the callback may have freed the connection or the context.
    const context = contextOfSSL(ssl);
    return context && foundPsk(core, context, found);
  };
  h.psk_find_session = (ssl, identity, identityLen, sessOut) => core.callback(() => {
    const found = findPsk(ssl, mem.copyOut(identity, identityLen));
    // SSL_CTX_set_psk_find_session_callback(3): *sess is OpenSSL's to free, so it gets a new
    // reference; NULL (with success) is "no PSK, the handshake goes on".
    if (found) core.check(capi.SSL_SESSION_up_ref(found.pointer), 'SSL_SESSION_up_ref');
    mem.writeU32(sessOut, found ? found.pointer : NULL);
    return 1;
  });
  h.psk_server = (ssl, identity, psk, maxPskLen) => core.callback(() => {
    // TLS 1.3 asked psk_find_session already (OpenSSL calls this one after a NULL answer there).
    if (capi.SSL_version(ssl) >= C.TLS1_3_VERSION || identity === NULL) return 0;
    const end = mem.u8.indexOf(0, identity); // OpenSSL's NUL-terminated copy of the identity
    if (end < 0) return 0;
    const found = findPsk(ssl, mem.copyOut(identity, end - identity));
    return found ? writePskKey(core, found, psk, maxPskLen) : 0;
  });
  // Clients with onPskClient (a context's fixed options.psk is answered in C).
  h.psk_client = (ssl, hint, identity, maxIdentityLen, psk, maxPskLen) => core.callback(() => {
    const ask = handlersOfSSL(ssl)?.pskClient;
    if (!ask) return 0;
    const answer = ask(hint === NULL ? null : mem.readCString(hint), liveConnection(ssl));
    return writeClientPsk(core, answer, identity, maxIdentityLen, psk, maxPskLen);
  });
}
