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
  /** X509_check_ca(x) == 1: a CA certificate. */
  ca: boolean;
  /** The extendedKeyUsage purposes as dotted OIDs (OBJ_obj2txt), or null without the extension. */
  extKeyUsage: string[] | null;
  /** The public key: an EC key's encoded point ("encoded-pub-key"), else the SubjectPublicKeyInfo (i2d_PUBKEY), as Node's pubkey. */
  publicKey: Uint8Array | null;
  /** RSA keys: the modulus in upper-case hex and the public exponent (EVP_PKEY_get_bn_param "n", "e"). */
  rsa: { modulus: string; exponent: bigint } | null;
  /** EC keys: the curve's short name and, when it has one, its NIST name (EC_curve_nid2nist). */
  ec: { curve: string; nistCurve: string | null } | null;
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
    ca: capi.X509_check_ca(x) === 1,
    extKeyUsage: extKeyUsage(core, x),
    publicKey: pkey === NULL ? null : capi.EVP_PKEY_get_base_id(pkey) === EVP_PKEY_EC ? ecPoint(core, pkey) : publicKeyDER(core, pkey),
    rsa: pkey !== NULL && capi.EVP_PKEY_get_base_id(pkey) === EVP_PKEY_RSA ? rsaNumbers(core, pkey) : null,
    ec: pkey !== NULL && capi.EVP_PKEY_get_base_id(pkey) === EVP_PKEY_EC ? ecCurve(core, pkey) : null,
    der: core.x509ToDER(x),
  };
}

const EVP_PKEY_RSA = 6, EVP_PKEY_EC = 408, NID_ext_key_usage = 126;

function extKeyUsage(core: Core, x: Ptr<'X509'>): string[] | null {
  const { capi, mem } = core;
  const eku = capi.X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL) as number as Ptr<'OPENSSL_STACK'>;
  if (eku === NULL) { capi.ERR_clear_error(); return null; }
  try {
    const out: string[] = [];
    const n = capi.OPENSSL_sk_num(eku);
    mem.scope(s => {
      const buf = s.alloc<'char'>(128);
      for (let i = 0; i < n; i++) {
        const obj = capi.OPENSSL_sk_value(eku, i) as number as Ptr<'ASN1_OBJECT'>;
        if (capi.OBJ_obj2txt(buf, 128, obj, 1) > 0) out.push(mem.readCString(buf) ?? '');
      }
    });
    return out;
  } finally {
    capi.EXTENDED_KEY_USAGE_free(eku as number as Ptr<'EXTENDED_KEY_USAGE'>);
  }
}

function publicKeyDER(core: Core, pkey: Ptr<'EVP_PKEY'>): Uint8Array | null {
  const { capi, mem } = core;
  const n = capi.i2d_PUBKEY(pkey, NULL);
  if (n <= 0) { capi.ERR_clear_error(); return null; }
  return mem.scope(s => {
    const buf = s.alloc(n), pp = s.out<'u8*'>();
    mem.writeU32(pp, buf);
    capi.i2d_PUBKEY(pkey, pp);
    return mem.copyOut(buf, n);
  });
}

/** A BIGNUM parameter of a key as upper-case hex without leading zeros, or null. */
function bnParam(core: Core, pkey: Ptr<'EVP_PKEY'>, name: string): string | null {
  const { capi, mem } = core;
  return mem.scope(s => {
    const pbn = s.out<'BIGNUM*'>();
    if (capi.EVP_PKEY_get_bn_param(pkey, s.cstring(name), pbn) !== 1) { capi.ERR_clear_error(); return null; }
    const bn = mem.readPtr(pbn);
    try {
      const hex = capi.BN_bn2hex(bn);
      if (hex === NULL) core.fail('BN_bn2hex');
      try {
        return (mem.readCString(hex) ?? '').replace(/^0+(?=.)/, '');
      } finally {
        capi.OPENSSL_free(hex);
      }
    } finally {
      capi.BN_free(bn);
    }
  });
}

function rsaNumbers(core: Core, pkey: Ptr<'EVP_PKEY'>): { modulus: string; exponent: bigint } | null {
  const n = bnParam(core, pkey, 'n'), e = bnParam(core, pkey, 'e');
  return n === null || e === null ? null : { modulus: n, exponent: BigInt(`0x${e}`) };
}

function ecPoint(core: Core, pkey: Ptr<'EVP_PKEY'>): Uint8Array | null {
  const { capi, mem } = core;
  return mem.scope(s => {
    const buf = s.alloc(200), len = s.out<'size_t'>();
    if (capi.EVP_PKEY_get_octet_string_param(pkey, s.cstring('encoded-pub-key'), buf, 200, len) !== 1) { capi.ERR_clear_error(); return null; }
    return mem.copyOut(buf, mem.readU32(len));
  });
}

/** An EC key's curve: OpenSSL's short name ('prime256v1') and the NIST name ('P-256') when it has one. */
export function ecCurve(core: Core, pkey: Ptr<'EVP_PKEY'>): { curve: string; nistCurve: string | null } | null {
  const { capi, mem } = core;
  const curve = mem.scope(s => {
    const buf = s.alloc<'char'>(80), len = s.out<'size_t'>();
    if (capi.EVP_PKEY_get_utf8_string_param(pkey, s.cstring('group'), buf, 80, len) !== 1) { capi.ERR_clear_error(); return null; }
    return mem.readCString(buf);
  });
  if (!curve) return null;
  const nid = mem.scope(s => capi.OBJ_txt2nid(s.cstring(curve)));
  return { curve, nistCurve: nid === 0 ? null : mem.readCString(capi.EC_curve_nid2nist(nid)) };
}

function nameEntries(core: Core, name: Ptr<'X509_NAME'>): [string, string][] {
  const { capi, mem } = core;
  const out: [string, string][] = [];
  if (name === NULL) return out;
  const n = capi.X509_NAME_entry_count(name);
  for (let i = 0; i < n; i++) {
    const entry = capi.X509_NAME_get_entry(name, i);
    const obj = capi.X509_NAME_ENTRY_get_object(entry);
    const nid = capi.OBJ_obj2nid(obj);
    // A short name when OpenSSL knows the attribute, else its dotted OID, as Node names them.
    const key = (nid !== 0 ? mem.readCString(capi.OBJ_nid2sn(nid)) : null)
      ?? mem.scope(s => { const buf = s.alloc<'char'>(128); capi.OBJ_obj2txt(buf, 128, obj, 1); return mem.readCString(buf) ?? ''; });
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
