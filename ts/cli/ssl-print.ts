/**
 * The connection lines of OpenSSL 3.5's apps/lib/s_cb.c, from OpenSSL's own accessors on the
 * connection's SSL pointer: ssl_print_sigalgs, ssl_print_tmp_key, print_ca_names,
 * print_verify_detail, print_ssl_summary, ssl_print_secure_renegotiation_notes.
 */
import type { Connection } from '../oo/connection.ts';
import type { Session } from '../oo/session.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { NULL, ptr, type Ptr } from '../raw/types.ts';
import { groupName, nameLine, stackItems, subjectLine } from './x509-print.ts';

// NIDs (obj_mac.h) and EVP_PKEY ids (evp.h) get_sigtype and ssl_print_tmp_key switch on.
const NID = { rsa: 6, rsaPss: 912, dsa: 116, ec: 408, dh: 28, ed25519: 1087, ed448: 1088, undef: 0 };
const EVP_PKEY_KEYMGMT = -1;
const TLS1_3_VERSION = 0x0304;

/** ssl_print_client_cert_types' table (TLS_CT_* of ssl.h). */
const CERT_TYPES: Record<number, string> = {
  1: 'RSA sign', 2: 'DSA sign', 3: 'RSA fixed DH', 4: 'DSS fixed DH', 64: 'ECDSA sign',
  65: 'RSA fixed ECDH', 66: 'ECDSA fixed ECDH', 22: 'GOST01 Sign', 67: 'GOST12 Sign',
};

/** What the printers need: the instance's raw layer and the connection's SSL pointer. */
export interface SSLRef {
  raw: RawOpenSSL;
  ssl: Ptr<'SSL'>;
}

export function sslRef(raw: RawOpenSSL, connection: Connection): SSLRef {
  return { raw, ssl: connection.pointer };
}

function sn(raw: RawOpenSSL, nid: number): string {
  return raw.mem.readCString(raw.capi.OBJ_nid2sn(nid)) ?? '';
}

/** get_sigtype of s_cb.c. */
function sigtype(raw: RawOpenSSL, nid: number): string | null {
  switch (nid) {
    case NID.rsa: return 'RSA';
    case NID.rsaPss: return 'RSA-PSS';
    case NID.dsa: return 'DSA';
    case NID.ec: return 'ECDSA';
    case NID.ed25519: return 'ed25519';
    case NID.ed448: return 'ed448';
    default: return raw.mem.readCString(raw.capi.OBJ_nid2sn(nid));
  }
}

/** An int out-parameter call: the int, or null when the call returns 0. */
function outInt(raw: RawOpenSSL, fn: (p: Ptr<'i32'>) => number): number | null {
  return raw.mem.scope(s => {
    const p = s.out<'i32'>();
    return fn(p) ? raw.mem.readI32(p) : null;
  });
}

/** do_print_sigalgs: `[Shared ][Requested ]Signature Algorithms: ...`, or null when there are none. */
export function sigalgsLine({ raw, ssl }: SSLRef, shared: boolean): string | null {
  const { capi, mem } = raw;
  const get = shared ? capi.SSL_get_shared_sigalgs : capi.SSL_get_sigalgs;
  const n = shared ? get(ssl, 0, NULL, NULL, NULL, NULL, NULL) : get(ssl, -1, NULL, NULL, NULL, NULL, NULL);
  if (n <= 0) return null;
  const client = capi.SSL_is_server(ssl) === 0;
  const names = mem.scope(s => {
    const sign = s.out<'i32'>(), hash = s.out<'i32'>(), rsign = s.out<'u8'>(), rhash = s.out<'u8'>();
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      get(ssl, i, sign, hash, NULL, rsign, rhash);
      const rs = mem.u8[rsign], rh = mem.u8[rhash];
      const special: Record<number, string> = {
        0x0809: 'rsa_pss_pss_sha256', 0x080a: 'rsa_pss_pss_sha384', 0x080b: 'rsa_pss_pss_sha512',
        0x081a: 'ecdsa_brainpoolP256r1_sha256', 0x081b: 'ecdsa_brainpoolP384r1_sha384', 0x081c: 'ecdsa_brainpoolP512r1_sha512',
      };
      const known = special[rs | rh << 8];
      if (known) { out.push(known); continue; }
      const sstr = sigtype(raw, mem.readI32(sign));
      const hashNid = mem.readI32(hash);
      let text = sstr ?? `0x${rs.toString(16).toUpperCase().padStart(2, '0')}`;
      if (hashNid !== NID.undef) text += `+${sn(raw, hashNid)}`;
      else if (sstr === null) text += `+0x${rh.toString(16).toUpperCase().padStart(2, '0')}`;
      out.push(text);
    }
    return out;
  });
  return `${shared ? 'Shared ' : ''}${client ? 'Requested ' : ''}Signature Algorithms: ${names.join(':')}`;
}

/** ssl_print_client_cert_types: what a server's CertificateRequest asked for (clients). */
function clientCertTypesLine({ raw, ssl }: SSLRef): string | null {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const pp = s.out<'u8*'>();
    const n = capi.SSL_get0_certificate_types(ssl, pp);
    if (n <= 0) return null;
    const types = mem.copyOut(mem.readPtr(pp), n);
    return `Client Certificate Types: ${Array.from(types, t => CERT_TYPES[t] ?? `UNKNOWN (${t}),`).join(', ')}`;
  });
}

/** ssl_print_sigalgs: the lines, in order. */
export function sigalgsLines(ref: SSLRef): string[] {
  const { raw, ssl } = ref;
  const { capi, mem } = raw;
  const lines: string[] = [];
  if (capi.SSL_is_server(ssl) === 0) {
    const types = clientCertTypesLine(ref);
    if (types) lines.push(types);
  }
  for (const shared of [false, true]) {
    const l = sigalgsLine(ref, shared);
    if (l) lines.push(l);
  }
  const digest = outInt(raw, p => capi.SSL_get_peer_signature_nid(ssl, p));
  if (digest !== null && digest !== NID.undef) lines.push(`Peer signing digest: ${sn(raw, digest)}`);
  const name = mem.scope(s => {
    const pp = s.out<'char*'>();
    return capi.SSL_get0_peer_signature_name(ssl, pp) ? mem.readCString(mem.readPtr(pp)) : null;
  });
  if (name !== null) lines.push(`Peer signature type: ${name}`);
  else {
    const type = outInt(raw, p => capi.SSL_get_peer_signature_type_nid(ssl, p));
    if (type !== null) lines.push(`Peer signature type: ${sigtype(raw, type)}`);
  }
  return lines;
}

/** ssl_print_tmp_key: `Peer Temp Key: X25519, 253 bits` or `Negotiated TLS1.3 group: X25519MLKEM768`. */
export function tmpKeyLine({ raw, ssl }: SSLRef): string | null {
  const { capi, mem } = raw;
  const key = mem.scope(s => {
    const pp = s.out<'EVP_PKEY*'>();
    return capi.SSL_get_peer_tmp_key(ssl, pp) ? mem.readPtr(pp) : null;
  });
  if (key === null || key === NULL) {
    if (capi.SSL_version(ssl) !== TLS1_3_VERSION) return null;
    return `Negotiated TLS1.3 group: ${mem.readCString(capi.SSL_group_to_name(ssl, capi.SSL_get_negotiated_group(ssl)))}`;
  }
  try {
    const id = capi.EVP_PKEY_get_id(key), bits = capi.EVP_PKEY_get_bits(key);
    switch (id) {
      case NID.rsa: return `Peer Temp Key: RSA, ${bits} bits`;
      case EVP_PKEY_KEYMGMT: return `Peer Temp Key: ${mem.readCString(capi.EVP_PKEY_get0_type_name(key)) ?? '?'}`;
      case NID.dh: return `Peer Temp Key: DH, ${bits} bits`;
      case NID.ec: return `Peer Temp Key: ECDH, ${groupName(raw, key) ?? '?'}, ${bits} bits`;
      default: return `Peer Temp Key: ${sn(raw, id)}, ${bits} bits`;
    }
  } finally {
    capi.EVP_PKEY_free(key);
  }
}

/** print_ca_names: the CA names the peer sent (a server's CertificateRequest, a client's extension). */
export function caNamesBlock({ raw, ssl }: SSLRef): string {
  const server = raw.capi.SSL_is_server(ssl) === 1;
  const cs = server ? 'server' : 'client';
  const names = stackItems<'X509_NAME'>(raw, raw.capi.SSL_get0_peer_CA_list(ssl));
  if (names.length === 0) return server ? '' : `---\nNo ${cs} certificate CA names sent\n`;
  return `---\nAcceptable ${cs} certificate CA names\n${names.map(n => `${nameLine(raw, n)}\n`).join('')}`;
}

/** print_verify_detail (without DANE, which the CLI does not configure). */
export function verifyDetail({ raw, ssl }: SSLRef): string {
  const code = raw.capi.SSL_get_verify_result(ssl);
  return code === 0 ? 'Verification: OK\n' : `Verification error: ${raw.mem.readCString(raw.capi.X509_verify_cert_error_string(code))}\n`;
}

/** ssl_print_secure_renegotiation_notes. */
export function renegotiationNote({ raw, ssl }: SSLRef): string {
  if (raw.capi.SSL_version(ssl) >= TLS1_3_VERSION) return 'This TLS version forbids renegotiation.';
  return `Secure Renegotiation IS${raw.capi.SSL_get_secure_renegotiation_support(ssl) ? '' : ' NOT'} supported`;
}

/** `New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384` (SSL_CIPHER_get_version, SSL_CIPHER_get_name). */
export function newOrReused({ raw, ssl }: SSLRef): string {
  const { capi, mem } = raw;
  const c = capi.SSL_get_current_cipher(ssl);
  const version = c === NULL ? '(NONE)' : mem.readCString(capi.SSL_CIPHER_get_version(c));
  const name = c === NULL ? '(NONE)' : mem.readCString(capi.SSL_CIPHER_get_name(c));
  return `${capi.SSL_session_reused(ssl) ? 'Reused' : 'New'}, ${version}, Cipher is ${name}`;
}

/** ssl_print_point_formats. */
export function pointFormatsLine({ raw, ssl }: SSLRef): string | null {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const pp = s.out<'u8*'>();
    const n = capi.SSL_get0_ec_point_formats(ssl, pp);
    if (n <= 0) return null;
    const names = ['uncompressed', 'ansiX962_compressed_prime', 'ansiX962_compressed_char2'];
    return `Supported Elliptic Curve Point Formats: ${Array.from(mem.copyOut(mem.readPtr(pp), n), f => names[f] ?? `unknown(${f})`).join(':')}`;
  });
}

/** print_raw_cipherlist (servers): the client's cipher list as it sent it, by name where known. */
function rawCipherListLine({ raw, ssl }: SSLRef): string | null {
  const { capi, mem } = raw;
  if (capi.SSL_is_server(ssl) !== 1) return null;
  return mem.scope(s => {
    const pp = s.out<'u8*'>();
    const len = capi.SSL_get0_raw_cipherlist(ssl, pp);
    const list = mem.readPtr(pp);
    const names: string[] = [];
    for (let i = 0; i + 1 < len; i += 2) {
      const c = capi.SSL_CIPHER_find(ssl, ptr<'u8'>(list + i));
      const id = mem.copyOut(ptr<'u8'>(list + i), 2);
      names.push(c !== NULL ? mem.readCString(capi.SSL_CIPHER_get_name(c)) ?? ''
        : id[0] === 0 && id[1] === 0xff ? 'SCSV' : `0x${Array.from(id, b => b.toString(16).toUpperCase().padStart(2, '0')).join('')}`);
    }
    return `Client cipher list: ${names.join(':')}`;
  });
}

/** print_ssl_summary, as s_client -brief and s_server -brief and -rev print it on standard error. */
export function sslSummary(ref: SSLRef): string {
  const { raw, ssl } = ref;
  const { capi, mem } = raw;
  const lines = [`Protocol version: ${mem.readCString(capi.SSL_get_version(ssl))}`];
  const clientCiphers = rawCipherListLine(ref);
  if (clientCiphers !== null) lines.push(clientCiphers);
  const c = capi.SSL_get_current_cipher(ssl);
  lines.push(`Ciphersuite: ${c === NULL ? '(NONE)' : mem.readCString(capi.SSL_CIPHER_get_name(c))}`);
  const requested = sigalgsLine(ref, false);
  if (requested) lines.push(requested);
  const peer = capi.SSL_get0_peer_certificate(ssl);
  if (peer !== NULL) {
    lines.push(`Peer certificate: ${subjectLine(raw, peer)}`);
    const digest = outInt(raw, p => capi.SSL_get_peer_signature_nid(ssl, p));
    if (digest !== null) lines.push(`Hash used: ${sn(raw, digest)}`);
    const name = mem.scope(s => {
      const pp = s.out<'char*'>();
      return capi.SSL_get0_peer_signature_name(ssl, pp) ? mem.readCString(mem.readPtr(pp)) : null;
    });
    if (name !== null) lines.push(`Signature type: ${name}`);
    lines.push(verifyDetail(ref).trimEnd());
  } else {
    lines.push('No peer certificate or raw public key');
  }
  const formats = pointFormatsLine(ref);
  if (formats) lines.push(formats);
  if (capi.SSL_is_server(ssl) === 1) lines.push(...groupsLines(ref, true));
  const key = tmpKeyLine(ref);
  if (key) lines.push(key);
  return `${lines.join('\n')}\n`;
}

/** The peer's certificate chain as X509 pointers borrowed from the connection. */
export function peerChain({ raw, ssl }: SSLRef): Ptr<'X509'>[] {
  return stackItems<'X509'>(raw, raw.capi.SSL_get_peer_cert_chain(ssl));
}

/** The peer's certificate, borrowed from the connection, or null. */
export function peerCertificate({ raw, ssl }: SSLRef): Ptr<'X509'> | null {
  const x = raw.capi.SSL_get0_peer_certificate(ssl);
  return x === NULL ? null : ptr<'X509'>(x);
}

/** ssl_print_groups: `Supported groups: ...` and, unless `noshared`, `Shared groups: ...`. */
export function groupsLines({ raw, ssl }: SSLRef, noshared: boolean): string[] {
  const { capi, mem } = raw;
  const n = capi.SSL_get1_groups(ssl, NULL);
  if (n <= 0) return [];
  const name = (nid: number) => mem.readCString(capi.SSL_group_to_name(ssl, nid)) ?? '<NULL>'; // BIO_printf's %s of NULL
  const groups = mem.scope(s => {
    const buf = s.alloc<'i32'>(n * 4);
    capi.SSL_get1_groups(ssl, buf);
    return Array.from({ length: n }, (_, i) => mem.readI32(ptr<'i32'>(buf + i * 4)));
  });
  const lines = [`Supported groups: ${groups.map(name).join(':')}`];
  if (noshared) return lines;
  const shared = capi.SSL_get_shared_group(ssl, -1);
  const names = Array.from({ length: Math.max(shared, 0) }, (_, i) => name(capi.SSL_get_shared_group(ssl, i)));
  lines.push(`Shared groups: ${names.length ? names.join(':') : 'NONE'}`);
  return lines;
}

/** SSL_get_shared_ciphers into a buffer of `size` bytes: `A:B:C`, or null. */
export function sharedCiphers({ raw, ssl }: SSLRef, size: number): string | null {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const buf = s.alloc<'char'>(size);
    return capi.SSL_get_shared_ciphers(ssl, buf, size) === NULL ? null : mem.readCString(buf);
  });
}

/** The cipher list of the connection (SSL_get_ciphers) as [version, name] pairs. */
export function ciphers({ raw, ssl }: SSLRef): [string, string][] {
  const { capi, mem } = raw;
  return stackItems<'SSL_CIPHER'>(raw, capi.SSL_get_ciphers(ssl)).map(c =>
    [mem.readCString(capi.SSL_CIPHER_get_version(c)) ?? '', mem.readCString(capi.SSL_CIPHER_get_name(c)) ?? '']);
}

/** What `show` makes of the connection's current session, '' without one; the reference taken is given back. */
export function sessionText(c: Connection, show: (session: Session) => string): string {
  const session = c.session;
  if (!session) return '';
  try {
    return show(session);
  } finally {
    session.free();
  }
}
