// Names for what the message callback (the context's `onMessage`, SSL_CTX_set_msg_callback) reports:
// a handshake message by its type byte (RFC 8446 4, RFC 5246 7.4), a ChangeCipherSpec, an alert by
// its level and description (RFC 8446 6). Record headers and inner content types (256, 257) are not
// messages and are left out.
import type { TLSMessage } from '../../ts/index.ts';

/** One arrow of the ladder. */
export interface Step {
  direction: 'sent' | 'received';
  kind: 'handshake' | 'change-cipher-spec' | 'alert';
  name: string;
  /** Bytes of the message (for a handshake message: with its 4-byte header). */
  size: number;
  /** Milliseconds since the connection started. */
  at: number;
}

const HANDSHAKE: Record<number, string> = {
  0: 'HelloRequest', 1: 'ClientHello', 2: 'ServerHello', 4: 'NewSessionTicket', 5: 'EndOfEarlyData',
  8: 'EncryptedExtensions', 11: 'Certificate', 12: 'ServerKeyExchange', 13: 'CertificateRequest',
  14: 'ServerHelloDone', 15: 'CertificateVerify', 16: 'ClientKeyExchange', 20: 'Finished',
  22: 'CertificateStatus', 24: 'KeyUpdate', 254: 'message_hash',
};

const ALERT: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 22: 'record_overflow',
  40: 'handshake_failure', 42: 'bad_certificate', 43: 'unsupported_certificate', 44: 'certificate_revoked',
  45: 'certificate_expired', 46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca',
  49: 'access_denied', 50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version',
  71: 'insufficient_security', 80: 'internal_error', 86: 'inappropriate_fallback', 90: 'user_canceled',
  109: 'missing_extension', 110: 'unsupported_extension', 112: 'unrecognized_name',
  113: 'bad_certificate_status_response', 115: 'unknown_psk_identity', 116: 'certificate_required',
  120: 'no_application_protocol',
};

// A HelloRetryRequest is a ServerHello whose random is this value (RFC 8446 4.1.3).
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const hex = (b: Uint8Array) => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');

/** The ladder step for a message, or null for what is not a message (record headers and the like). */
export function stepOf(m: TLSMessage, at: number): Step | null {
  const base = { direction: m.direction, size: m.bytes.length, at };
  switch (m.contentType) {
    case 22: { // handshake: type(1) length(3) body; for a ServerHello the body starts version(2) random(32)
      const type = m.bytes[0];
      let name = HANDSHAKE[type] ?? `handshake type ${type}`;
      if (type === 2 && hex(m.bytes.subarray(6, 38)) === HRR_RANDOM) name = 'HelloRetryRequest';
      return { ...base, kind: 'handshake', name };
    }
    case 20:
      return { ...base, kind: 'change-cipher-spec', name: 'ChangeCipherSpec' };
    case 21: { // level(1) description(1)
      const level = m.bytes[0] === 2 ? 'fatal' : 'warning';
      return { ...base, kind: 'alert', name: `Alert ${ALERT[m.bytes[1]] ?? m.bytes[1]} (${level})` };
    }
    default:
      return null;
  }
}
