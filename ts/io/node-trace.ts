import type { TLSMessage } from '../oo/context.ts';

/**
 * One line per TLS message for TLSSocket.enableTrace(). Node prints OpenSSL's SSL_trace dump; the
 * module is built with no-ssl-trace (it would add its printing tables to every download), so this
 * names what the message callback (SSL_CTX_set_msg_callback) gives: direction, record content
 * type, handshake or alert type, and length.
 */
const CONTENT: Record<number, string> = { 20: 'ChangeCipherSpec', 21: 'Alert', 22: 'Handshake', 23: 'ApplicationData', 256: 'RecordHeader', 257: 'InnerContentType' };
const HANDSHAKE: Record<number, string> = {
  0: 'HelloRequest', 1: 'ClientHello', 2: 'ServerHello', 4: 'NewSessionTicket', 5: 'EndOfEarlyData', 8: 'EncryptedExtensions',
  11: 'Certificate', 12: 'ServerKeyExchange', 13: 'CertificateRequest', 14: 'ServerHelloDone', 15: 'CertificateVerify',
  16: 'ClientKeyExchange', 20: 'Finished', 24: 'KeyUpdate',
};

export function traceLine(m: TLSMessage): string {
  const kind = CONTENT[m.contentType] ?? `content type ${m.contentType}`;
  let detail = '';
  if (m.contentType === 22 && m.bytes.length) detail = `, ${HANDSHAKE[m.bytes[0]] ?? `type ${m.bytes[0]}`}`;
  if (m.contentType === 21 && m.bytes.length >= 2) detail = `, level ${m.bytes[0]}, description ${m.bytes[1]}`;
  const version = m.version ? ` 0x${m.version.toString(16).padStart(4, '0')}` : '';
  return `${m.direction === 'sent' ? 'Sent' : 'Received'} ${kind}${version} [length ${m.bytes.length}]${detail}\n`;
}
