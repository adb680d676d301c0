/// <reference types="node" />
/**
 * What a Node adapter TLSSocket settles once its handshake is done: the facts read then (so they stay
 * readable after the socket closes), and the verdicts Node gives after the handshake (a peer whose
 * certificate did not verify, a failed checkServerIdentity), as Node's onConnectSecure and
 * onServerSocketSecure give them.
 */
import type { Connection } from '../oo/connection.ts';
import { verificationError, verifyErrorCode } from './node-certificate.ts';

/** The handshake's facts, read once (isSessionReused, getProtocol, getCipher, authorized, ...). */
export interface HandshakeInfo {
  reused: boolean;
  protocol: string | null;
  alpn: string | false;
  authorized: boolean;
  authorizationError: string | undefined;
  servername: string | false;
  cipher: { name: string; standardName: string; version: string };
}

/** Clients: checkServerIdentity, run once the handshake is done; an Error refuses the connection (or, not rejecting, unauthorizes it). */
export interface IdentityCheck { check: () => Error | undefined; reject: boolean }

/** Reads the handshake's facts from `c`; `verified`: the peer's certificate was asked for (clients always, servers with requestCert). */
export function handshakeInfo(c: Connection, verified: boolean): HandshakeInfo {
  const s = c.session;
  try {
    // As Node's VerifyPeerCertificate: no certificate is no error for a PSK handshake (a TLS 1.2
    // PSK suite, or TLS 1.3 "resumed" without a certificate: an external PSK).
    const psk = c.peerCertificate === null && (/(^|-)PSK-/.test(c.cipher ?? '') || (c.protocol === 'TLSv1.3' && c.sessionReused));
    const hasCert = c.peerCertificate !== null || psk;
    const code = c.verifyResult.code;
    const authorizationError = !verified ? undefined
      : !hasCert ? 'UNABLE_TO_GET_ISSUER_CERT' : code !== 0 ? verifyErrorCode(code) : undefined;
    return {
      reused: c.sessionReused, protocol: c.protocol, alpn: c.alpn ?? false,
      authorized: verified && hasCert && code === 0, authorizationError,
      servername: c.serverName ?? false,
      cipher: { name: c.cipher ?? '', standardName: s?.cipherStandardName ?? '', version: c.protocol ?? '' },
    };
  } finally {
    s?.free();
  }
}

/**
 * For a socket that refuses after the handshake: as Node's onConnectSecure (clients), a server whose
 * certificate did not verify (SSL_get_verify_result, the last error of the whole chain) ends the
 * socket with that error. As Node's onServerSocketSecure (servers): such a client's socket is
 * destroyed, with no 'secureConnection', and the server's 'tlsClientError' gets what Node's does
 * for it, an ECONNRESET 'socket hang up' (the socket, its second argument, shows
 * authorizationError). Returns the error to destroy the socket with (and marks `info`
 * unauthorized), or null.
 */
export function verificationRefusal(info: HandshakeInfo, connection: Connection, role: 'client' | 'server', host: string | undefined): Error | null {
  if (info.authorizationError === undefined || !connection.alive) return null;
  info.authorized = false;
  if (role === 'client') return verificationError(connection.verifyResult, host);
  return Object.assign(new Error(`socket hang up: the client's certificate did not verify (${info.authorizationError}) ` +
    'and rejectUnauthorized is true, so the connection was closed after the handshake, as Node\'s server closes it'), { code: 'ECONNRESET' });
}

/**
 * Runs checkServerIdentity as Node's onConnectSecure does: only when the chain verified and the
 * session is new; an Error it returns makes `info` unauthorized. Returns that error when the
 * socket is to be destroyed with it (rejecting), else null.
 */
export function identityRefusal(info: HandshakeInfo, ci: IdentityCheck): Error | null {
  if (info.authorizationError !== undefined || info.reused) return null;
  let error: Error | undefined;
  try {
    error = ci.check();
  } catch (e) {
    error = e as Error;
  }
  if (!error) return null;
  info.authorized = false;
  info.authorizationError = (error as { code?: string }).code ?? error.message;
  return ci.reject ? error : null;
}
