/** openssl-wasm for Node: everything in the main entry, plus TLS over Node sockets. */
export * from './index.ts';
export { connect, createServer, TLSSocket, type ConnectOptions, type ServerOptions, type TLSSocketOptions } from './io/node.ts';
export { defaultInstance } from './io/default-instance.ts';
