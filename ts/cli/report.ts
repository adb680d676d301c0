/**
 * Text the commands share, in the words of OpenSSL's apps (apps/lib/s_cb.c, apps/s_server.c):
 * the -msg trace, the renegotiation note, the session cache statistics, the keylog file.
 */
import type { Connection } from '../oo/connection.ts';
import type { Context, TLSMessage } from '../oo/context.ts';
import { appendFile, fileSize } from './io.ts';
import { cipherVersion, helloHasRenegotiationInfo } from './x509.ts';

const VERSIONS: Record<number, string> = {
  0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3',
  0xfeff: 'DTLS 1.0', 0x0100: 'DTLS 1.0 (bad)',
};

const ALERTS: Record<number, string> = {
  0: 'close_notify', 1: 'end_of_early_data', 10: 'unexpected_message', 20: 'bad_record_mac',
  21: 'decryption_failed', 22: 'record_overflow', 30: 'decompression_failure', 40: 'handshake_failure',
  42: 'bad_certificate', 43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired',
  46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error',
  51: 'decrypt_error', 60: 'export_restriction', 70: 'protocol_version', 71: 'insufficient_security',
  80: 'internal_error', 86: 'inappropriate_fallback', 90: 'user_canceled', 100: 'no_renegotiation',
  109: 'missing_extension', 110: 'unsupported_extension', 111: 'certificate_unobtainable',
  112: 'unrecognized_name', 113: 'bad_certificate_status_response', 114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity', 116: 'certificate_required',
};

const HANDSHAKES: Record<number, string> = {
  0: 'HelloRequest', 1: 'ClientHello', 2: 'ServerHello', 3: 'HelloVerifyRequest', 4: 'NewSessionTicket',
  5: 'EndOfEarlyData', 8: 'EncryptedExtensions', 11: 'Certificate', 12: 'ServerKeyExchange',
  13: 'CertificateRequest', 14: 'ServerHelloDone', 15: 'CertificateVerify', 16: 'ClientKeyExchange',
  20: 'Finished', 21: 'CertificateUrl', 22: 'CertificateStatus', 23: 'SupplementalData', 24: 'KeyUpdate',
  25: 'CompressedCertificate', 67: 'NextProto', 254: 'MessageHash',
};

/** One message as `-msg` prints it (msg_cb of apps/lib/s_cb.c). */
export function formatMessage(m: TLSMessage): string {
  const dir = m.direction === 'sent' ? '>>>' : '<<<';
  const b = m.bytes;
  let version: string, type = '', d1 = '', d2 = '';
  if (VERSIONS[m.version]) {
    version = VERSIONS[m.version];
    switch (m.contentType) {
      case 20: type = ', ChangeCipherSpec'; break;
      case 21:
        type = ', Alert';
        d1 = ', ???';
        if (b.length === 2) {
          d1 = b[0] === 1 ? ', warning' : b[0] === 2 ? ', fatal' : d1;
          d2 = ALERTS[b[1]] !== undefined ? ` ${ALERTS[b[1]]}` : ' ???';
        }
        break;
      case 22:
        type = ', Handshake';
        d1 = b.length > 0 && HANDSHAKES[b[0]] ? `, ${HANDSHAKES[b[0]]}` : '???';
        break;
      case 23: type = ', ApplicationData'; break;
      case 256: type = ', RecordHeader'; break;
      case 257: type = ', InnerContent'; break;
      default: type = `, Unknown (content_type=${m.contentType})`;
    }
  } else {
    version = `Not TLS data or unknown version (version=${m.version}, content_type=${m.contentType})`;
  }
  let out = `${dir} ${version}${type} [length ${b.length.toString(16).padStart(4, '0')}]${d1}${d2}\n`;
  if (b.length > 0) {
    out += '   ';
    for (let i = 0; i < b.length; i++) {
      if (i % 16 === 0 && i > 0) out += '\n   ';
      out += ` ${b[i].toString(16).padStart(2, '0')}`;
    }
    out += '\n';
  }
  return out;
}

/**
 * Watches the hellos of each connection for RFC 5746 support (the module does not export
 * SSL_get_secure_renegotiation_support): the peer's hello tells.
 */
export class RenegotiationWatch {
  #support = new WeakMap<Connection, boolean>();
  constructor(private readonly role: 'client' | 'server') {}

  /** Feed every message of the context here (from its onMessage). */
  message(m: TLSMessage, connection: Connection | null): void {
    if (!connection || m.direction !== 'received' || m.contentType !== 22) return;
    const wanted = this.role === 'client' ? 2 : 1;
    if (m.bytes[0] !== wanted) return;
    const r = helloHasRenegotiationInfo(m.bytes);
    if (r !== null) this.#support.set(connection, r);
  }

  /** ssl_print_secure_renegotiation_notes: the line for a connection, or null if unknown. */
  note(connection: Connection): string | null {
    if (connection.protocol === 'TLSv1.3') return 'This TLS version forbids renegotiation.';
    const r = this.#support.get(connection);
    return r === undefined ? null : `Secure Renegotiation IS${r ? '' : ' NOT'} supported`;
  }
}

/** `New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384` (or `Reused, ...`) for a connection. */
export function newOrReused(connection: Connection): string {
  const cipher = connection.cipher;
  return `${connection.sessionReused ? 'Reused' : 'New'}, ${cipherVersion(cipher)}, Cipher is ${cipher ?? '(NONE)'}`;
}

/** print_stats of apps/s_server.c: the session cache counters. */
export function cacheStats(context: Context): string {
  const s = context.sessionStats;
  const n = (v: number) => String(v).padStart(4);
  return [
    `${n(s.number)} items in the session cache`,
    `${n(s.connect)} client connects (SSL_connect())`,
    `${n(s.connectRenegotiate)} client renegotiates (SSL_connect())`,
    `${n(s.connectGood)} client connects that finished`,
    `${n(s.accept)} server accepts (SSL_accept())`,
    `${n(s.acceptRenegotiate)} server renegotiates (SSL_accept())`,
    `${n(s.acceptGood)} server accepts that finished`,
    `${n(s.hits)} session cache hits`,
    `${n(s.misses)} session cache misses`,
    `${n(s.timeouts)} session cache timeouts`,
    `${n(s.cbHits)} callback cache hits`,
    `${n(s.cacheFull)} cache full overflows (${context.sessionCacheSize} allowed)`,
  ].join('\n') + '\n';
}

/**
 * The -keylogfile handler: appends each NSS key log line, after OpenSSL's header line when the
 * file is new or empty (set_keylog_file of apps/lib/s_cb.c).
 */
export function keylogWriter(path: string): (line: string) => void {
  if (fileSize(path) <= 0) appendFile(path, '# SSL/TLS secrets log file, generated by OpenSSL\n', 'keylog file');
  return line => appendFile(path, `${line}\n`, 'keylog file');
}
