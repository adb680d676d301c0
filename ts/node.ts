/** openssl-wasm for Node: everything in the main entry, plus TLS over Node sockets. */
export * from './index.ts';
export {
  connect, createServer, createSecureContext, SecureContext, TLSSocket, type ConnectOptions, type ServerOptions, type TLSSocketOptions, type TLSServer,
  type SecureContextAnswer, type NodeTLSError, type PeerCertificate, type DetailedPeerCertificate, type NodeContextOptions,
} from './io/node.ts';
export { nodeTicketKey } from './io/node-options.ts';
export { defaultInstance } from './io/default-instance.ts';
