/**
 * openssl-wasm: OpenSSL compiled to WebAssembly, the same in Node, Deno and browsers.
 *
 * The raw layer (`loadRaw`) gives every exported OpenSSL function under its own name, with branded
 * pointer types and memory helpers, for experiments that need OpenSSL exactly as it is.
 */
export { loadRaw, supportsSimd, type LoadOptions, type WasmSource } from './loader.ts';
export { RawOpenSSL } from './raw/instance.ts';
export { WasmMemory, MemoryScope } from './raw/memory.ts';
export type { Capi, Capi35, Capi40 } from './raw/exports.generated.ts';
export { EXPORTED_FUNCTIONS, exportedFunctions } from './raw/instance.ts';
export { DEFAULT_LINE, type Line } from './raw/lines.ts';
export type { CallbackHandlers, CallbackKind } from './raw/callbacks.ts';
export { NULL, ptr, type Ptr, type FnPtr } from './raw/types.ts';
export { drainErrorStack, openSSLError } from './raw/error-stack.ts';
export * as constants from './raw/constants.ts';
export { OpenSSLError, OutOfMemoryError, InstanceFailedError, CallbackError, ReentrantCallError, type ErrorStackEntry } from './errors.ts';

// The object layer: contexts, connections and sessions that own their OpenSSL references.
export { OpenSSL, type InstanceStats } from './oo/openssl.ts';
export { Context, type ContextOptions, type AlpnSelectHandler, type PrivateKeyEntry, type Pkcs12Entry, type ClientHelloHandler, type ClientHelloResult, type SessionCacheCallbacks, type SessionCacheStats, type TLSMessage, type TLSVersion } from './oo/context.ts';
export { Connection, type ConnectionOptions, type Progress, type TraceListener } from './oo/connection.ts';
export { Session } from './oo/session.ts';
export type { PskSessionOptions, ClientPsk, PskFindHandler, PskClientHandler, PskClientAnswer } from './oo/psk.ts';
export { FreedHandleError, ForeignHandleError, type HandleKind } from './oo/handle.ts';
export { ClientHello } from './oo/client-hello.ts';
export type { ClientEchOptions, EchKeyInfo, EchKeyOptions, EchServerKey, EchStatus, EchStatusName } from './oo/ech.ts';
export { transfer, handshakeInMemory, settle } from './oo/pump.ts';
export { TLSEngine, type EngineEvents, type EngineOptions } from './io/engine.ts';
export { tlsOverStreams, type ByteStreams, type TLSStream, type TLSStreamOptions } from './io/streams.ts';
export { MemorySessionStore, sessionKey, takeSession, saveSession, type SessionStore, type SessionKeyParts } from './stores/session-store.ts';
export { FileSessionStore } from './stores/file-store.ts';
export { IndexedDBSessionStore } from './stores/indexeddb-store.ts';
export { webSocketStreams, connectWebSocket, type WebSocketLike, type WebSocketConstructor, type WebSocketStreamsOptions, type WebSocketConnectOptions } from './io/websocket.ts';
export { useServerSessionStore, clientHelloSessionId, type ServerSessionStore, type ServerStoreOptions } from './stores/server-store.ts';
export { RedisEchKeyRing, type EchKeyRingOptions } from './stores/redis-ech-keys.ts';
export { RedisSessionStore, type RedisLike, type RedisStoreOptions } from './stores/redis-store.ts';
export { RedisTicketKeyRing, type TicketKey, type TicketKeyRingOptions } from './stores/redis-ticket-keys.ts';
export { SealedValueError, type StoreKey } from './stores/sealed-value.ts';
export { useEarlyDataReplayGuard, RedisEarlyDataReplayStore, type EarlyDataReplayStore, type EarlyDataGuardOptions } from './stores/early-data-guard.ts';
