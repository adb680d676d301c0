/// <reference types="node" />
/**
 * What Node's tls shows of certificates and their verification, in Node's shapes: the peer
 * certificate object of TLSSocket.getPeerCertificate(), and the string codes of
 * authorizationError and of errors (Node's table in src/crypto/crypto_common.cc, X509ErrorCode).
 */
import { Buffer } from 'node:buffer';
import { nodeErrorCode, OpenSSLError } from '../errors.ts';
import type { CertificateInfo } from '../oo/x509-info.ts';

/** A peer certificate as Node's getPeerCertificate() gives it. */
export interface PeerCertificate {
  subject: Record<string, string | string[]>;
  issuer: Record<string, string | string[]>;
  subjectaltname?: string;
  bits: number;
  valid_from: string;
  valid_to: string;
  fingerprint: string;
  fingerprint256: string;
  fingerprint512: string;
  serialNumber: string;
  raw: Buffer;
  ca: boolean;
  ext_key_usage?: string[];
  pubkey?: Buffer;
  /** RSA keys. */
  modulus?: string;
  exponent?: string;
  /** EC keys. */
  asn1Curve?: string;
  nistCurve?: string;
}
/** With getPeerCertificate(true): each certificate links to its issuer's; a self-issued root to itself. */
export interface DetailedPeerCertificate extends PeerCertificate {
  issuerCertificate: DetailedPeerCertificate;
}

/** Node's object for one certificate; `chain` (leaf first) links issuers when there is more than the leaf. */
export function nodePeerCertificate(chain: CertificateInfo[], detailed: boolean): PeerCertificate | DetailedPeerCertificate | Record<string, never> {
  if (chain.length === 0) return {};
  const certs = chain.map(toNode);
  if (detailed) {
    certs.forEach((c, i) => {
      const next = certs[i + 1];
      if (next) (c as DetailedPeerCertificate).issuerCertificate = next as DetailedPeerCertificate;
      else if (chain[i].selfIssued) (c as DetailedPeerCertificate).issuerCertificate = c as DetailedPeerCertificate;
    });
  }
  return certs[0];
}

function toNode(c: CertificateInfo): PeerCertificate {
  const out: PeerCertificate = {
    subject: nameObject(c.subject), issuer: nameObject(c.issuer), bits: c.bits,
    valid_from: c.validFrom, valid_to: c.validTo,
    fingerprint: colonHex(c.sha1), fingerprint256: colonHex(c.sha256), fingerprint512: colonHex(c.sha512),
    serialNumber: c.serialNumber, raw: Buffer.from(c.der), ca: false,
  };
  if (c.subjectAltName !== null) out.subjectaltname = c.subjectAltName;
  out.ca = c.ca;
  if (c.extKeyUsage) out.ext_key_usage = c.extKeyUsage;
  if (c.publicKey) out.pubkey = Buffer.from(c.publicKey);
  if (c.rsa) { out.modulus = c.rsa.modulus; out.exponent = `0x${c.rsa.exponent.toString(16)}`; }
  if (c.ec) { out.asn1Curve = c.ec.curve; if (c.ec.nistCurve) out.nistCurve = c.ec.nistCurve; }
  return out;
}

/** Name entries as Node gives them: one key per short name, an array when it repeats. */
function nameObject(entries: [string, string][]): Record<string, string | string[]> {
  const o: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of entries) {
    const had = o[k];
    o[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return o;
}

function colonHex(b: Uint8Array): string {
  return Array.from(b, x => x.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

/** X509_V_ERR_* numbers (x509_vfy.h) under the names Node gives them. */
const X509_ERROR_CODES: Record<number, string> = {
  2: 'UNABLE_TO_GET_ISSUER_CERT', 3: 'UNABLE_TO_GET_CRL', 4: 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  5: 'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 6: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 7: 'CERT_SIGNATURE_FAILURE',
  8: 'CRL_SIGNATURE_FAILURE', 9: 'CERT_NOT_YET_VALID', 10: 'CERT_HAS_EXPIRED', 11: 'CRL_NOT_YET_VALID',
  12: 'CRL_HAS_EXPIRED', 13: 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 14: 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  15: 'ERROR_IN_CRL_LAST_UPDATE_FIELD', 16: 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 17: 'OUT_OF_MEM',
  18: 'DEPTH_ZERO_SELF_SIGNED_CERT', 19: 'SELF_SIGNED_CERT_IN_CHAIN', 20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 22: 'CERT_CHAIN_TOO_LONG', 23: 'CERT_REVOKED', 79: 'INVALID_CA',
  25: 'PATH_LENGTH_EXCEEDED', 26: 'INVALID_PURPOSE', 27: 'CERT_UNTRUSTED', 28: 'CERT_REJECTED',
  // OpenSSL checks the host name here (SSL_set1_host); Node checks it in JavaScript, under this code.
  62: 'ERR_TLS_CERT_ALTNAME_INVALID',
};

/** Node's authorizationError string for an X509_V_ERR_* code ('UNSPECIFIED' for those Node does not name). */
export function verifyErrorCode(code: number): string {
  return X509_ERROR_CODES[code] ?? 'UNSPECIFIED';
}

/**
 * The Error Node's client ends the socket with when the server's certificate did not verify
 * (TLSWrap's verifyError): OpenSSL's text for the X509_V_ERR_* number, and Node's code for it.
 */
export function verificationError(verify: { code: number; message: string }, host?: string): NodeTLSError {
  const e = new Error(verify.message) as NodeTLSError;
  e.code = verifyErrorCode(verify.code);
  e.verifyCode = verify.code;
  if (verify.code === 62) e.host = host;
  return e;
}

/** An Error as Node's tls emits it: a string `code`, and OpenSSL's own details beside it. */
export interface NodeTLSError extends Error {
  code: string;
  /** OpenSSL's packed error code (ERR_get_error) when OpenSSL raised it. */
  opensslCode?: number;
  /** For a failed certificate check: the X509_V_ERR_* number, and for a host-name mismatch the name. */
  verifyCode?: number;
  host?: string;
}

/**
 * Gives an error Node's string `code`, in place (an OpenSSLError stays one, with its stack of
 * OpenSSL errors; its number stays in opensslCode): a certificate that failed verification gets
 * Node's verification code ('DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', ...);
 * any other OpenSSL error the code Node derives from its reason ('ERR_SSL_WRONG_VERSION_NUMBER').
 */
export function nodeError(e: Error, verify: { code: number; message: string } | null, host?: string): NodeTLSError {
  const out = e as unknown as NodeTLSError;
  if (!(e instanceof OpenSSLError)) return out;
  let code = (e.errors[0] && nodeErrorCode(e.errors[0])) ?? 'ERR_SSL_UNKNOWN';
  if (verify && verify.code !== 0) {
    code = verifyErrorCode(verify.code);
    out.verifyCode = verify.code;
    if (verify.code === 62) out.host = host;
  }
  Object.defineProperty(e, 'code', { value: code, enumerable: true, configurable: true, writable: true });
  return out;
}
