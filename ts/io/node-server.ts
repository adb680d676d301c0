/// <reference types="node" />
/** The Node adapter's server side: createServer() with Node's options, SNICallback and ticketKeys. */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { Connection } from '../oo/connection.ts';
import type { ClientHello } from '../oo/client-hello.ts';
import type { ClientHelloResult, Context, ContextOptions } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import { defaultInstance } from './node.ts';
import { nodeError } from './node-certificate.ts';
import { SecureContext } from './node-secure-context.ts';
import { installSessionEvents } from './node-session-events.ts';
import { contextNow, contextOptionsFromNode, pskKey, NODE_CONTEXT_OPTIONS, nodeTicketKey, type NodeContextOptions } from './node-options.ts';
import { attachTransport, failWith, SOCKET_OPTIONS, TLSSocket, type TLSSocketOptions } from './node-socket.ts';
import { refuseNodeOptionsNotSupported } from './node-unsupported.ts';

/**
 * What a SNICallback may answer: a server Context, a SecureContext (createSecureContext) or Node's
 * context options (for those two a context is made and kept for the server's life).
 */
export type SecureContextAnswer = Context | SecureContext | NodeContextOptions | null | undefined;

export interface ServerOptions extends TLSSocketOptions {
  /** Ask clients for a certificate (verified against `ca`). */
  requestCert?: boolean;
  /** With requestCert: refuse a client whose certificate does not verify (default true), else accept and set `authorized`. */
  rejectUnauthorized?: boolean;
  /**
   * Node's SNI callback: called with the name the client asked for; answer `cb(null, context)` with
   * a server Context (or Node's context options) whose certificate to use, or `cb(null)` for the
   * default. May answer later: the handshake waits. Runs from the context's client-hello handler,
   * so it cannot be combined with useServerSessionStore on the same context.
   */
  SNICallback?: (servername: string, cb: (err: Error | null, ctx?: SecureContextAnswer) => void) => void;
  /** Node's 48 bytes (16 name, 16 HMAC secret, 16 AES secret): see nodeTicketKey in ts/io/node-options.ts. */
  ticketKeys?: Uint8Array;
  /**
   * Node's server PSK: `(socket, identity) => key` (a Buffer) or null for an unknown identity, in
   * TLS 1.3 and TLS 1.2 PSK suites; the key is bound to SHA-256 as Node's.
   */
  pskCallback?: (socket: TLSSocket, identity: string) => ArrayBufferView | null;
  /**
   * Node's ALPNCallback: chooses the protocol from the client's list, `{ servername, protocols }` =>
   * one of `protocols`, or undefined to refuse them all (no_application_protocol). Not with
   * ALPNProtocols. An answer not in the list fails that handshake (tlsClientError
   * ERR_TLS_ALPN_CALLBACK_INVALID_RESULT; Node throws it as an uncaught exception).
   */
  ALPNCallback?: (info: { servername: string | false; protocols: string[] }) => string | undefined;
  /** net.createServer's options for the accepted TCP connections, passed on. */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}
/** What setSecureContext takes: Node's context options, and ticketKeys. */
export type SecureContextOptions = NodeContextOptions & { ticketKeys?: Uint8Array };
/** Node's (net.createServer's) options for the accepted connections, passed on. */
const NET_SERVER_OPTIONS = ['noDelay', 'keepAlive', 'keepAliveInitialDelay'] as const;
const SERVER_OPTIONS = [...SOCKET_OPTIONS, 'requestCert', 'rejectUnauthorized', 'SNICallback', 'ticketKeys', 'pskCallback', 'ALPNCallback', ...NET_SERVER_OPTIONS];

/** tls.Server's additions to net.Server. */
export interface TLSServer extends net.Server {
  /** Replaces the ticket keys (Node's 48-byte format). */
  setTicketKeys(keys: Uint8Array): void;
  /** Not supported: throws a TypeError (ticket keys are not kept readable; keep the bytes given to setTicketKeys). */
  getTicketKeys(): never;
  /**
   * Node's addContext: the certificate for clients asking for `hostname` ('*' matches one label),
   * a server Context or Node's context options. The latest match wins; unused with SNICallback.
   */
  addContext(hostname: string, context: SecureContextAnswer): void;
  /**
   * As Node's: a new context from Node's context options (and `ticketKeys`, else the ticket keys
   * given before, copied inside the module) for connections from now on; those open keep the old
   * one, freed with the last of them. A TypeError on a server given a ready `context`.
   */
  setSecureContext(options: SecureContextOptions): void;
  /** Not supported: a TypeError (Node's deprecated internal setOptions; options are createServer's). */
  setOptions(options?: unknown): never;
}

/**
 * A TLS server, as tls.createServer: a net.Server whose connections emit 'secureConnection' with
 * a TLSSocket once their handshake is done. One Context serves every connection.
 */
export function createServer(options: ServerOptions = {}, onSecureConnection?: (socket: TLSSocket) => void): TLSServer {
  if (typeof options === 'function') { onSecureConnection = options; options = {}; }
  if (options === null || typeof options !== 'object') throw new TypeError('createServer: options must be an object');
  rejectUnknownOptions('createServer', options, [...SERVER_OPTIONS, ...refuseNodeOptionsNotSupported('createServer', options)]);
  if (options.SNICallback !== undefined && typeof options.SNICallback !== 'function') throw new TypeError('createServer: options.SNICallback must be a function');
  if (options.allowHalfOpen !== undefined && typeof options.allowHalfOpen !== 'boolean') throw new TypeError('createServer: options.allowHalfOpen must be a boolean');
  const ticketKey = options.ticketKeys === undefined ? null : nodeTicketKey(options.ticketKeys);
  const requestCert = options.requestCert === true;
  const reject = options.rejectUnauthorized !== false;
  // The server's settings beside Node's context options (kept by setSecureContext, as Node's are).
  const serverDefaults = (o: NodeContextOptions) => ({
    ...(options.contextOptions?.verifyPeer === undefined ? { verifyPeer: requestCert && reject } : {}),
    // As Node's default: OpenSSL refuses to resume on a server that verifies clients without one.
    ...(o.sessionIdContext === undefined && options.contextOptions?.sessionIdContext === undefined
      ? { sessionIdContext: createHash('sha1').update(process.argv.join(' ')).digest('hex').slice(0, 32) } : {}),
  });
  const contextOptions = contextOptionsFromNode('createServer', options, 'server', serverDefaults(options));
  const sockets = new Map<Connection, TLSSocket>();
  // Each context's one client-hello handler runs Node's steps in Node's order: the session lookup
  // ('resumeSession', when the ClientHello arrives), then the SNI callback. Installed with the first
  // step (a ready context without steps keeps its own handler).
  const hellos = new WeakMap<Context, { session: HelloStep | null; sni: HelloStep | null }>();
  const setStep = (context: Context, which: 'session' | 'sni', step: HelloStep) => {
    let hello = hellos.get(context);
    if (!hello) {
      const h: { session: HelloStep | null; sni: HelloStep | null } = { session: null, sni: null };
      hello = h;
      hellos.set(context, h);
      context.setClientHelloHandler((conn, ch) => {
        for (const s of [h.session, h.sni]) {
          const r = s ? s(conn, ch) : 'success';
          if (r !== 'success') return r;
        }
        return 'success';
      });
    }
    hello[which] = step;
  };
  const extraContexts: Context[] = [];
  let server: TLSServer;
  const psk = options.pskCallback;
  if (psk !== undefined && typeof psk !== 'function') throw new TypeError('createServer: options.pskCallback must be a function (socket, identity) => Buffer | null');
  const alpnCallback = options.ALPNCallback;
  if (alpnCallback !== undefined) {
    if (typeof alpnCallback !== 'function') throw Object.assign(new TypeError('createServer: options.ALPNCallback must be a function'), { code: 'ERR_INVALID_ARG_TYPE' });
    if (options.ALPNProtocols !== undefined) throw Object.assign(new TypeError('The ALPNCallback and ALPNProtocols TLS options are mutually exclusive'), { code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS' });
  }
  const makeContext = (ossl: OpenSSL, base: ContextOptions = contextOptions!) => ossl.createContext({
    ...base,
    ...(alpnCallback ? { onAlpnSelect: (protocols: string[], conn: Connection | null) => {
      try {
        const chosen = alpnCallback({ servername: conn?.serverName ?? false, protocols });
        if (chosen === undefined || protocols.includes(chosen)) return chosen;
        throw Object.assign(new TypeError(`ALPN callback returned a value (${String(chosen)}) that did not match any of the client's offered protocols (${protocols.join(', ')})`),
          { code: 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT' });
      } catch (e) {
        // The failure of this handshake (tlsClientError) is this error, not the CallbackError around it.
        const sock = conn && sockets.get(conn);
        if (sock) failWith(sock, e as Error);
        throw e;
      }
    } } : {}),
    // OpenSSL takes its own reference of the session returned (onPskFind): this one goes after the call.
    ...(psk ? { onPskFind: (identity: string, conn: Connection | null) => {
      const sock = conn && sockets.get(conn);
      const key = sock ? psk(sock, identity) : null;
      if (key === null || key === undefined) return null;
      const session = ossl.pskSession({ key: pskKey('createServer', key) });
      queueMicrotask(() => session.free());
      return session;
    } } : {}),
    // Key-log lines are secrets: made into Buffers only for a listener, handed over outside OpenSSL's call.
    keylog: (line, conn) => {
      const sock = conn && sockets.get(conn);
      if (!server.listenerCount('keylog') && !sock?.listenerCount('keylog')) return;
      const buf = Buffer.from(`${line}\n`);
      queueMicrotask(() => { server.emit('keylog', buf, sock); sock?.emit('keylog', buf); });
    },
  });
  // Node's default SNICallback: the contexts added by name (addContext), the latest matching first.
  const named: [RegExp, SecureContextAnswer][] = [];
  const byName: NonNullable<ServerOptions['SNICallback']> = (name, cb) => cb(null, named.find(([m]) => m.test(name))?.[1]);
  /** Node's 'newSession'/'resumeSession' and SNI steps on a context of our making (a ready context keeps its own session callbacks). */
  const equip = (r: Current) => {
    if (r.owned && options.contextOptions?.sessionCallbacks === undefined) {
      setStep(r.context, 'session', installSessionEvents(r.ossl, r.context, server, c => sockets.get(c)));
    }
    if (options.SNICallback) setStep(r.context, 'sni', sniStep(r.ossl, r.context, options.SNICallback, extraContexts));
    else if (named.length) setStep(r.context, 'sni', sniStep(r.ossl, r.context, byName, extraContexts));
  };
  const early = contextNow(options.openssl, options.context, makeContext);
  /** The context new connections are made on: createServer's, until setSecureContext replaces it. */
  let current: Promise<Current> = (async () => {
    const ossl = options.openssl ?? await defaultInstance();
    if (options.context) return { ossl, context: options.context, owned: false };
    return { ossl, context: early ?? makeContext(ossl), owned: true };
  })().then(r => {
    if (ticketKey) r.context.setTicketKeys([ticketKey]);
    equip(r);
    return r;
  });
  /**
   * Connections on each context of our making; one setSecureContext replaced is freed with its
   * last connection (freeing a context ends its connections).
   */
  const live = new Map<Context, number>();
  const replaced = new Set<Context>();
  const release = (context: Context) => {
    const n = (live.get(context) ?? 1) - 1;
    if (n > 0) live.set(context, n);
    else live.delete(context);
    if (n <= 0 && replaced.delete(context) && context.alive) context.free();
  };
  const netOptions = Object.fromEntries(NET_SERVER_OPTIONS.filter(k => options[k] !== undefined).map(k => [k, options[k]]));
  // Half-open TLS needs half-open TCP (as Node's tls.Server passes allowHalfOpen to net.Server).
  server = net.createServer({ ...netOptions, allowHalfOpen: options.allowHalfOpen === true }, socket => {
    current.then(({ context }) => {
      // As Node (TLSWrap::SetVerifyMode, onServerSocketSecure): a client certificate is verified to
      // the chain's end without failing the handshake, and one that did not verify ends the socket
      // after it when rejecting (no certificate at all still fails the handshake).
      const tls = new TLSSocket('server', { requireCloseNotify: options.requireCloseNotify, enableTrace: options.enableTrace, allowHalfOpen: options.allowHalfOpen,
        requestedCert: requestCert, rejectAfterHandshake: requestCert && reject && !options.context, server });
      tls.once('secure', () => server.emit('secureConnection', tls));
      tls.on('error', e => server.emit('tlsClientError', e, tls));
      let connection: Connection;
      try {
        connection = context.createConnection();
        if (requestCert && (!reject || !options.context)) connection.verifyWithoutRejecting(reject);
      } catch (e) {
        socket.destroy();
        server.emit('tlsClientError', e, tls);
        return;
      }
      sockets.set(connection, tls);
      live.set(context, (live.get(context) ?? 0) + 1);
      tls.once('close', () => { sockets.delete(connection); release(context); });
      attachTransport(tls, socket, connection, null, options.handshakeTimeout ?? 120_000);
    }, e => { socket.destroy(); server.emit('error', e); });
  }) as TLSServer;
  server.addContext = (hostname, answer) => {
    if (typeof hostname !== 'string' || hostname === '') throw new TypeError('addContext: hostname must be a non-empty string');
    if (answer === null || typeof answer !== 'object') throw new TypeError('addContext: context must be a Context or Node\'s context options');
    const re = new RegExp(`^${hostname.replace(/([.^$+?\-\\[\]{}()|])/g, '\\$1').replace(/\*/g, '[^.]*')}$`, 'i');
    named.unshift([re, answer]);
    if (options.SNICallback || named.length > 1) return;
    void current.then(r => setStep(r.context, 'sni', sniStep(r.ossl, r.context, byName, extraContexts)), () => undefined);
  };
  server.setTicketKeys = keys => {
    const key = nodeTicketKey(keys);
    void current.then(({ context }) => context.setTicketKeys([key]), () => undefined);
  };
  // Node returns its keys; here they live only inside OpenSSL (secrets are not kept in the clear).
  server.getTicketKeys = () => {
    throw new TypeError('getTicketKeys: ticket keys are not kept readable here; to share keys between servers, make 48 random bytes, ' +
      'keep them yourself and give them to setTicketKeys() (or options.ticketKeys) on each');
  };
  // As Node's: a new context from Node's context options (and ticketKeys) for the connections from
  // now on; those open keep theirs.
  server.setSecureContext = (o: SecureContextOptions) => {
    if (o === null || typeof o !== 'object') throw Object.assign(new TypeError('setSecureContext: options must be an object'), { code: 'ERR_INVALID_ARG_TYPE' });
    if (options.context) throw new TypeError('setSecureContext: this server was given a ready context (options.context); configure or replace that Context yourself');
    rejectUnknownOptions('setSecureContext', o, [...NODE_CONTEXT_OPTIONS, 'ticketKeys', ...refuseNodeOptionsNotSupported('setSecureContext', o)]);
    const keys = o.ticketKeys === undefined ? null : nodeTicketKey(o.ticketKeys);
    const base = contextOptionsFromNode('setSecureContext', { ...o, contextOptions: options.contextOptions }, 'server', serverDefaults(o))!;
    const make = (ossl: OpenSSL) => {
      const context = makeContext(ossl, base);
      if (keys) context.setTicketKeys([keys]);
      return context;
    };
    const now = contextNow(options.openssl, undefined, make); // bad PEM throws here when the instance is at hand
    current = current.then(previous => {
      const next = { ossl: previous.ossl, context: now ?? make(previous.ossl), owned: true };
      // As Node's: without ticketKeys, the ticket keys it was given go on (tickets issued so far still
      // resume); a server on OpenSSL's own random keys gets new ones with the new context.
      if (!keys) next.context.shareTicketKeys(previous.context);
      equip(next);
      if (live.has(previous.context)) replaced.add(previous.context);
      else if (previous.context.alive) previous.context.free();
      return next;
    }, e => {
      if (now?.alive) now.free();
      throw e;
    });
    current.catch(() => undefined);
  };
  server.setOptions = () => {
    throw new TypeError('setOptions: not supported here (Node\'s deprecated internal method); give the options to createServer()');
  };
  if (onSecureConnection) server.on('secureConnection', onSecureConnection);
  current.catch(() => undefined);
  server.on('close', () => {
    current.then(({ context, owned }) => {
      if (owned && context.alive) context.free();
      for (const c of replaced) if (c.alive) c.free();
      replaced.clear();
      for (const c of extraContexts.splice(0)) if (c.alive) c.free();
    }, () => undefined);
  });
  return server;
}

const TLSEXT_TYPE_server_name = 0;

type HelloStep = (conn: Connection, hello: ClientHello) => ClientHelloResult;
/** The context new connections are made on, with its instance; `owned`: made (and freed) by the server. */
interface Current { ossl: OpenSSL; context: Context; owned: boolean }

/** Node's SNICallback, as a step of the context's client-hello handler; the handshake waits for its answer. */
function sniStep(ossl: OpenSSL, context: Context, callback: NonNullable<ServerOptions['SNICallback']>, made: Context[]): HelloStep {
  const answers = new WeakMap<Connection, { done: boolean; context?: Context; error?: Error }>();
  const fromOptions = new WeakMap<object, Context>();
  const contextOf = (answer: SecureContextAnswer): Context | undefined => {
    if (!answer) return undefined;
    if (answer === context || (answer as Context).createConnection) return answer as Context;
    let c = fromOptions.get(answer);
    if (!c) {
      const o = answer instanceof SecureContext ? answer.options : answer as NodeContextOptions;
      rejectUnknownOptions('SNICallback answer', o, [...NODE_CONTEXT_OPTIONS, ...refuseNodeOptionsNotSupported('SNICallback answer', o)]);
      c = ossl.createContext(contextOptionsFromNode('SNICallback answer', o, 'server', {})!);
      fromOptions.set(answer, c);
      made.push(c);
    }
    return c;
  };
  return conn => {
    let state = answers.get(conn);
    if (!state) {
      const name = sniName(conn.clientHelloExtension(TLSEXT_TYPE_server_name));
      if (name === null) return 'success';
      const s: { done: boolean; context?: Context; error?: Error } = { done: false };
      state = s;
      answers.set(conn, s);
      const answered = new Promise<void>(resolve => {
        try {
          callback(name, (err, answer) => {
            if (s.done) return;
            try {
              if (err) s.error = err;
              else s.context = contextOf(answer);
            } catch (e) {
              s.error = e as Error;
            }
            s.done = true;
            resolve();
          });
        } catch (e) {
          s.error = e as Error;
          s.done = true;
          resolve();
        }
      });
      if (!s.done) {
        conn.waitFor(answered);
        return 'retry';
      }
    }
    if (!state.done) return 'retry';
    if (state.error) return 'error';
    if (state.context && state.context !== context) conn.useContextCertificate(state.context);
    return 'success';
  };
}

/** The host_name of a server_name extension (RFC 6066, 3), or null. */
function sniName(ext: Uint8Array | null): string | null {
  if (!ext || ext.length < 5) return null;
  let i = 2;
  const end = Math.min(ext.length, 2 + ((ext[0] << 8) | ext[1]));
  while (i + 3 <= end) {
    const type = ext[i], len = (ext[i + 1] << 8) | ext[i + 2];
    if (type === 0 && i + 3 + len <= end) return new TextDecoder().decode(ext.subarray(i + 3, i + 3 + len));
    i += 3 + len;
  }
  return null;
}

