import { NULL, type Ptr } from '../raw/types.ts';
import type { Core } from './core.ts';

/** One certificate's fields, each read by OpenSSL's own functions (nothing parsed by hand). */
export interface CertificateInfo {
  /** Name entries in order, each [short name (OBJ_nid2sn, or the dotted OID), UTF-8 value]. */
  subject: [string, string][];
  issuer: [string, string][];
  /** The subjectAltName extension as X509V3_EXT_print writes it ("DNS:a, IP Address:1.2.3.4"), or null. */
  subjectAltName: string | null;
  /** notBefore and notAfter as ASN1_TIME_print writes them ("Nov 29 18:25:35 2026 GMT"). */
  validFrom: string;
  validTo: string;
  /** The serial number in upper-case hex (BN_bn2hex). */
  serialNumber: string;
  /** X509_digest with SHA-1, SHA-256 and SHA-512. */
  sha1: Uint8Array;
  sha256: Uint8Array;
  sha512: Uint8Array;
  /** The public key's size in bits (EVP_PKEY_get_bits), or 0. */
  bits: number;
  /** Whether the certificate is self-issued (X509_check_issued(x, x) == X509_V_OK). */
  selfIssued: boolean;
  /** The DER encoding. */
  der: Uint8Array;
}

const NID_subject_alt_name = 85;

/** Reads a certificate the caller keeps ownership of. */
export function describeX509(core: Core, x: Ptr<'X509'>): CertificateInfo {
  const { capi } = core;
  const digest = (md: Ptr<'EVP_MD'>): Uint8Array => core.mem.scope(s => {
    const buf = s.alloc(64), len = s.out<'u32'>();
    core.check(capi.X509_digest(x, md, buf, len), 'X509_digest');
    return core.mem.copyOut(buf, core.mem.readU32(len));
  });
  const pkey = capi.X509_get0_pubkey(x);
  return {
    subject: nameEntries(core, capi.X509_get_subject_name(x)),
    issuer: nameEntries(core, capi.X509_get_issuer_name(x)),
    subjectAltName: subjectAltName(core, x),
    validFrom: timeText(core, capi.X509_get0_notBefore(x)),
    validTo: timeText(core, capi.X509_get0_notAfter(x)),
    serialNumber: serialHex(core, x),
    sha1: digest(capi.EVP_sha1()),
    sha256: digest(capi.EVP_sha256()),
    sha512: digest(capi.EVP_sha512()),
    bits: pkey === NULL ? 0 : capi.EVP_PKEY_get_bits(pkey),
    selfIssued: capi.X509_check_issued(x, x) === 0,
    der: core.x509ToDER(x),
  };
}

function nameEntries(core: Core, name: Ptr<'X509_NAME'>): [string, string][] {
  const { capi, mem } = core;
  const out: [string, string][] = [];
  if (name === NULL) return out;
  const n = capi.X509_NAME_entry_count(name);
  for (let i = 0; i < n; i++) {
    const entry = capi.X509_NAME_get_entry(name, i);
    const nid = capi.OBJ_obj2nid(capi.X509_NAME_ENTRY_get_object(entry));
    const key = nid === 0 ? `OID.${i}` : mem.readCString(capi.OBJ_nid2sn(nid)) ?? `NID.${nid}`;
    const value = mem.scope(s => {
      const pp = s.out<'u8*'>();
      const len = capi.ASN1_STRING_to_UTF8(pp, capi.X509_NAME_ENTRY_get_data(entry));
      if (len < 0) core.fail('ASN1_STRING_to_UTF8');
      const p = mem.readPtr(pp);
      try {
        return new TextDecoder().decode(mem.copyOut(p, len));
      } finally {
        capi.OPENSSL_free(p);
      }
    });
    out.push([key, value]);
  }
  return out;
}

function timeText(core: Core, t: Ptr<'ASN1_TIME'>): string {
  return core.withMemBio(bio => {
    core.check(core.capi.ASN1_TIME_print(bio, t), 'ASN1_TIME_print');
    return core.bioText(bio);
  });
}

function serialHex(core: Core, x: Ptr<'X509'>): string {
  const { capi, mem } = core;
  const bn = capi.ASN1_INTEGER_to_BN(capi.X509_get0_serialNumber(x), NULL);
  if (bn === NULL) core.fail('ASN1_INTEGER_to_BN');
  try {
    const hex = capi.BN_bn2hex(bn);
    if (hex === NULL) core.fail('BN_bn2hex');
    try {
      return mem.readCString(hex) ?? '';
    } finally {
      capi.OPENSSL_free(hex);
    }
  } finally {
    capi.BN_free(bn);
  }
}

function subjectAltName(core: Core, x: Ptr<'X509'>): string | null {
  const { capi } = core;
  const at = capi.X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
  if (at < 0) return null;
  return core.withMemBio(bio => {
    core.check(capi.X509V3_EXT_print(bio, capi.X509_get_ext(x, at), 0, 0), 'X509V3_EXT_print');
    return core.bioText(bio);
  });
}

/** The certificates of an OpenSSL STACK_OF(X509) the caller does not own, as new X509 references. */
export function stackCertificates(core: Core, stack: Ptr<'OPENSSL_STACK'>): Ptr<'X509'>[] {
  const { capi } = core;
  if (stack === NULL) return [];
  const out: Ptr<'X509'>[] = [];
  const n = capi.OPENSSL_sk_num(stack);
  for (let i = 0; i < n; i++) {
    const x = capi.OPENSSL_sk_value(stack, i) as number as Ptr<'X509'>;
    if (x !== NULL && capi.X509_up_ref(x) === 1) out.push(x);
  }
  return out;
}
