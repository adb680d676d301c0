/** openssl-wasm for Node: everything in the main entry, plus TLS over Node sockets. */
export * from './index.ts';
export { connect, createServer, defaultInstance, TLSSocket, type ConnectOptions, type ServerOptions, type TLSSocketOptions } from './io/node.ts';
