/**
 * The bits of a certificate the CLI prints, read from its DER in JavaScript (the module exports no
 * X509 printing): PEM, subject and issuer in the apps' default name format, the public key's size.
 */

interface Node {
  tag: number;
  /** Contents (without tag and length). */
  body: Uint8Array;
  /** Offset just past this element. */
  end: number;
}

function read(der: Uint8Array, at: number): Node {
  if (at + 2 > der.length) throw new Error('truncated DER');
  const tag = der[at];
  let len = der[at + 1], off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + n > der.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[off + i];
    off += n;
  }
  if (off + len > der.length) throw new Error('truncated DER');
  return { tag, body: der.subarray(off, off + len), end: off + len };
}

function children(body: Uint8Array): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < body.length;) {
    const n = read(body, at);
    out.push(n);
    at = n.end;
  }
  return out;
}

function oid(body: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of body) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

// OpenSSL's short names (OBJ_nid2sn) for the attributes names usually carry.
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.4': 'SN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST',
  '2.5.4.9': 'street', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.12': 'title', '2.5.4.13': 'description',
  '2.5.4.17': 'postalCode', '2.5.4.42': 'GN', '2.5.4.43': 'initials', '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym', '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL', '2.5.4.15': 'businessCategory',
};

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

/** A string attribute value as ASN1_STRFLGS_ESC_CTRL | UTF8_CONVERT | DUMP_UNKNOWN | DUMP_DER prints it. */
function value(n: Node, raw: Uint8Array): string {
  let text: string;
  switch (n.tag) {
    case 0x0c: text = new TextDecoder().decode(n.body); break; // UTF8String
    case 0x13: case 0x16: case 0x1a: case 0x14: // Printable, IA5, Visible, T61 (as Latin-1)
      text = String.fromCharCode(...n.body); break;
    case 0x1e: { // BMPString, UTF-16BE
      let s = '';
      for (let i = 0; i + 1 < n.body.length; i += 2) s += String.fromCharCode(n.body[i] << 8 | n.body[i + 1]);
      text = s;
      break;
    }
    case 0x1c: { // UniversalString, UTF-32BE
      let s = '';
      for (let i = 0; i + 3 < n.body.length; i += 4) s += String.fromCodePoint(((n.body[i] << 24) | (n.body[i + 1] << 16) | (n.body[i + 2] << 8) | n.body[i + 3]) >>> 0);
      text = s;
      break;
    }
    default: return `#${hex(raw)}`;
  }
  return text.replace(/[\x00-\x1f\x7f]/g, c => `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A Name as `openssl` 3.5's apps print it by default: `CN=localhost, O=Example`. */
function formatName(name: Node): string {
  return children(name.body).map(rdn => children(rdn.body).map(atv => {
    const [type, val] = children(atv.body);
    const o = oid(type.body);
    const raw = atv.body.subarray(type.end);
    return `${SHORT_NAMES[o] ?? o}=${value(val, raw)}`;
  }).join(' + ')).join(', ');
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** The public key's size as EVP_PKEY_get_bits gives it, or null for a key type not known here. */
  keyBits: number | null;
}

const CURVE_BITS: Record<string, number> = {
  '1.2.840.10045.3.1.7': 256, '1.3.132.0.34': 384, '1.3.132.0.35': 521, '1.3.132.0.10': 256,
  '1.2.840.10045.3.1.1': 192, '1.3.132.0.33': 224, '1.3.36.3.3.2.8.1.1.7': 256, '1.3.36.3.3.2.8.1.1.11': 384,
  '1.3.36.3.3.2.8.1.1.13': 512,
};

function keyBits(spki: Node): number | null {
  const [alg, key] = children(spki.body);
  const [algOid, params] = children(alg.body);
  const o = oid(algOid.body);
  if (o === '1.2.840.10045.2.1') return params?.tag === 0x06 ? CURVE_BITS[oid(params.body)] ?? null : null;
  if (o === '1.3.101.112') return 253; // Ed25519
  if (o === '1.3.101.113') return 456; // Ed448
  if (o === '1.2.840.113549.1.1.1' || o === '1.2.840.113549.1.1.10') {
    const [modulus] = children(read(key.body.subarray(1), 0).body);
    let i = 0;
    while (i < modulus.body.length && modulus.body[i] === 0) i++;
    if (i === modulus.body.length) return 0;
    return (modulus.body.length - i - 1) * 8 + (32 - Math.clz32(modulus.body[i]));
  }
  return null;
}

/** Subject, issuer and key size of a DER certificate, or null if it does not parse. */
export function certificateInfo(der: Uint8Array): CertificateInfo | null {
  try {
    const tbs = children(read(der, 0).body)[0];
    const fields = children(tbs.body);
    const at = fields[0].tag === 0xa0 ? 1 : 0; // [0] version is optional
    const issuer = fields[at + 2], subject = fields[at + 4], spki = fields[at + 5];
    return { subject: formatName(subject), issuer: formatName(issuer), keyBits: keyBits(spki) };
  } catch {
    return null;
  }
}

/** Base64 in 64-column lines between BEGIN and END lines, as PEM_write does. */
export function toPEM(der: Uint8Array, label: string): string {
  let bin = '';
  for (const b of der) bin += String.fromCharCode(b);
  const b64 = btoa(bin);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * SSL_CIPHER_get_version: the protocol that introduced the cipher (not the connection's), which is
 * what `New, TLSv1.2, Cipher is ...` shows. From OpenSSL's cipher table (ssl/s3_lib.c).
 */
export function cipherVersion(cipher: string | null): string {
  if (!cipher) return '(NONE)';
  if (cipher.startsWith('TLS_')) return 'TLSv1.3';
  const aead = /GCM|CCM|CHACHA20|ARIA|-POLY1305/.test(cipher);
  if (/-MD5$/.test(cipher)) return 'SSLv3';
  if (!aead && /-SHA$/.test(cipher)) return /^(ECDHE|AECDH|ECDH)-/.test(cipher) ? 'TLSv1' : 'SSLv3';
  if (!aead && /PSK/.test(cipher) && /-SHA(256|384)$/.test(cipher)) return 'TLSv1';
  return 'TLSv1.2';
}

/** The key-exchange line of s_client (ssl_print_tmp_key) for a negotiated group. */
export function tmpKeyLine(group: string | null, protocol: string | null): string | null {
  if (!group) return null;
  const classic: Record<string, string> = {
    x25519: 'X25519, 253 bits', x448: 'X448, 448 bits',
    secp256r1: 'ECDH, prime256v1, 256 bits', prime256v1: 'ECDH, prime256v1, 256 bits', 'p-256': 'ECDH, prime256v1, 256 bits',
    secp384r1: 'ECDH, secp384r1, 384 bits', 'p-384': 'ECDH, secp384r1, 384 bits',
    secp521r1: 'ECDH, secp521r1, 521 bits', 'p-521': 'ECDH, secp521r1, 521 bits',
    ffdhe2048: 'DH, 2048 bits', ffdhe3072: 'DH, 3072 bits', ffdhe4096: 'DH, 4096 bits', ffdhe6144: 'DH, 6144 bits', ffdhe8192: 'DH, 8192 bits',
  };
  const known = classic[group.toLowerCase()];
  if (known) return `Peer Temp Key: ${known}`;
  return protocol === 'TLSv1.3' ? `Negotiated TLS1.3 group: ${group}` : null;
}

/**
 * Whether a hello (handshake message bytes: ClientHello, type 1, or ServerHello, type 2) signals
 * secure renegotiation (RFC 5746: the renegotiation_info extension, or in a ClientHello the
 * TLS_EMPTY_RENEGOTIATION_INFO_SCSV cipher); null if it cannot be told.
 */
export function helloHasRenegotiationInfo(msg: Uint8Array): boolean | null {
  try {
    if (msg[0] !== 1 && msg[0] !== 2) return null;
    let at = 4 + 2 + 32; // type, length, version, random
    at += 1 + msg[at]; // session id
    if (msg[0] === 1) {
      const n = msg[at] << 8 | msg[at + 1];
      for (let i = at + 2; i + 1 < at + 2 + n; i += 2) if (msg[i] === 0x00 && msg[i + 1] === 0xff) return true;
      at += 2 + n;
      at += 1 + msg[at]; // compression methods
    } else {
      at += 2 + 1; // cipher, compression
    }
    if (at + 2 > msg.length) return false; // no extensions
    const end = at + 2 + (msg[at] << 8 | msg[at + 1]);
    for (at += 2; at + 4 <= end;) {
      const type = msg[at] << 8 | msg[at + 1], len = msg[at + 2] << 8 | msg[at + 3];
      if (type === 0xff01) return true;
      at += 4 + len;
    }
    return false;
  } catch {
    return null;
  }
}
