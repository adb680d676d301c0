/** openssl-wasm for Deno: everything in the main entry, plus TLS over Deno.connect / Deno.listen. */
export * from './index.ts';
export { connectDeno, listenDeno, type DenoConnectOptions, type DenoListenOptions, type DenoStreamOptions } from './io/deno.ts';
export { DenoTlsConn, DenoTlsListener, type DenoHandshake, type HandshakeInfo, type DenoNetAddr } from './io/deno-conn.ts';
export { defaultInstance } from './io/default-instance.ts';
