// The public API sweep's tables for TLSEngine, ClientHello and the main entry's exports.
import * as api from '../../../ts/index.ts';
import type { Connection, TLSEngine } from '../../../ts/index.ts';
import { pipePair } from '../memory-pair.ts';
import { type World, type Table, getter, bytes } from './sweep.ts';

export const TLS_ENGINE: Table<TLSEngine> = {
  connection: { internal: 'the Connection it drives: a JavaScript field' },
  events: { internal: 'the listeners it was given (a private field)' },
  secure: getter('secure'),
  finished: getter('finished'),
  peerClosed: getter('peerClosed'),
  start: { use: e => e.start() },
  receive: { use: e => e.receive(bytes(1)), wrong: [e => e.receive('x' as never)] },
  receiveEnd: { use: e => e.receiveEnd() },
  write: { use: e => e.write(bytes(1)), wrong: [e => e.write(5 as never)] },
  close: { use: e => e.close() },
};

export const CLIENT_HELLO: Record<string, string> = {
  sessionId: 'lent: after its handler, a TypeError naming the lending (reentry suite)',
  extension: 'lent: a TypeError after its handler; 0x10000 refused (reentry suite)',
  extensionTypes: 'lent, as above',
  serverName: 'lent, as above',
};

/** What the sweep does with each export of the main entry: calls that must fail clearly, or why none. */
export interface ExportRow {
  freed?: ((w: World) => unknown)[];
  foreign?: ((w: World) => unknown)[];
  wrong?: ((w: World) => unknown)[];
}
export const freedConnection = (w: World) => { const c = w.client.createConnection({ serverName: 'localhost' }); c.free(); return c; };
export const EXPORTS: Record<string, ExportRow | string> = {
  // classes swept above
  OpenSSL: 'swept above', Context: 'swept above', Connection: 'swept above', Session: 'swept above', TLSEngine: 'swept above',
  ClientHello: 'lent only; see CLIENT_HELLO',
  // errors and constants: nothing to misuse
  OpenSSLError: 'an error class', OutOfMemoryError: 'an error class', InstanceFailedError: 'an error class', CallbackError: 'an error class',
  ReentrantCallError: 'an error class', FreedHandleError: 'an error class', ForeignHandleError: 'an error class', SealedValueError: 'an error class',
  constants: 'numbers', NULL: 'a number', EXPORTED_FUNCTIONS: 'a list of names', DEFAULT_LINE: 'a string',
  exportedFunctions: 'raw layer: the names a line\'s module exports (loader suite)',
  // the raw layer: OpenSSL exactly as it is, by design unchecked (the loader suite covers loading)
  loadRaw: 'raw layer (loader suite)', supportsSimd: 'takes nothing', RawOpenSSL: 'raw layer', WasmMemory: 'raw layer (input-boundaries suite)',
  MemoryScope: 'raw layer', ptr: 'raw layer', drainErrorStack: 'raw layer', openSSLError: 'raw layer',
  // object-layer helpers
  transfer: {
    freed: [w => api.transfer(freedConnection(w), w.other.connection)],
    wrong: [w => api.transfer(null as never, w.other.connection)],
  },
  handshakeInMemory: {
    freed: [w => api.handshakeInMemory(freedConnection(w), w.server.createConnection())],
    wrong: [w => withPair(w, (c, s) => api.handshakeInMemory(c, s, Number.NaN)), w => withPair(w, (c, s) => api.handshakeInMemory(c, s, '32' as never)),
      w => withPair(w, (c, s) => api.handshakeInMemory(c, s, 0))],
  },
  settle: {
    freed: [w => api.settle(freedConnection(w), w.other.connection)],
    wrong: [w => withPair(w, (c, s) => api.settle(c, s, Infinity))],
  },
  // adapters (their own suites run them over real transports)
  tlsOverStreams: {
    freed: [w => api.tlsOverStreams(freedConnection(w), pipePair()[0])],
    wrong: [w => withPair(w, c => api.tlsOverStreams(c, pipePair()[0], { plaintextHighWaterMark: -1 }))],
  },
  webSocketStreams: {
    // Twice on one socket: refused (a second pair would take every message too, and close it).
    wrong: [() => { const ws = openSocket(); void api.webSocketStreams(ws); return api.webSocketStreams(ws); }],
  },
  connectWebSocket: 'WebSocket suites',
  // stores
  MemorySessionStore: { wrong: [() => new api.MemorySessionStore(0), () => new api.MemorySessionStore().set('k', 'der' as never), () => new api.MemorySessionStore().set(5 as never, bytes(1))] },
  FileSessionStore: 'no handles; stores-io suite', IndexedDBSessionStore: 'no handles; indexeddb suite',
  sessionKey: { wrong: [() => api.sessionKey(null as never), () => api.sessionKey({} as never), () => api.sessionKey({ host: 'h', port: 70000 })] },
  takeSession: 'asynchronous: its own test below', saveSession: 'asynchronous: its own test below',
  useServerSessionStore: {
    foreign: [w => api.useServerSessionStore(w.o, w.other.server, new api.MemorySessionStore() as never)],
    wrong: [w => api.useServerSessionStore(w.o, w.client, {} as never)],
  },
  clientHelloSessionId: {
    wrong: [w => api.clientHelloSessionId(w.o, w.other.connection)],
  },
  useEarlyDataReplayGuard: {
    wrong: [w => api.useEarlyDataReplayGuard(w.server, {} as never), w => api.useEarlyDataReplayGuard(w.client, { take: async () => true })],
  },
  RedisEchKeyRing: {
    // Options checked when made (they were taken unchecked: rotateAfter 'x' never rotated); a
    // client that is never reached, since every one of these is refused before it is used.
    wrong: [w => echRing(w, { rotateAfter: 'x' }), w => echRing(w, { rotateAfter: 0 }), w => echRing(w, { keepPrevious: -1 }), w => echRing(w, { keepPrevious: 1.5 }),
      w => echRing(w, { suite: 5 }), w => echRing(w, { now: 5 }), w => echRing(w, { onError: 'log' }), w => echRing(w, { publicname: 'p' }),
      w => echRing(w, { publicName: '' }), () => new api.RedisEchKeyRing({} as never, {} as never, { insecurePlaintext: true, publicName: 'p' })],
  },
  RedisSessionStore: 'no handles; Redis suites', RedisTicketKeyRing: 'options checked in ticket-key-ring suite', RedisEarlyDataReplayStore: 'no handles; early-data-fleet suite',
};

/** A RedisEchKeyRing of `w` with `options` beside a public name (misuse rows; never refreshed). */
export function echRing(w: World, options: Record<string, unknown>): api.RedisEchKeyRing {
  return new api.RedisEchKeyRing({} as never, w.o, { insecurePlaintext: true, publicName: 'public.example', ...options } as never);
}

/** Runs fn on a fresh connection pair of `w` (not handshaken), freeing it after. */
export function withPair<R>(w: World, fn: (c: Connection, s: Connection) => R): R {
  const c = w.client.createConnection({ serverName: 'localhost' }), s = w.server.createConnection();
  try {
    return fn(c, s);
  } finally {
    for (const h of [c, s]) if (h.alive) h.free();
  }
}

/** A WebSocketLike that is open and does nothing: enough for webSocketStreams to adapt it. */
export function openSocket(): api.WebSocketLike {
  return {
    binaryType: 'blob', readyState: 1, bufferedAmount: 0,
    send() {}, close() {}, addEventListener() {}, removeEventListener() {},
  } as unknown as api.WebSocketLike;
}
