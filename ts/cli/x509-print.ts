/**
 * Certificates and names printed by OpenSSL itself (X509_NAME_print_ex, PEM_write_bio_X509,
 * ASN1_TIME_print), in the forms OpenSSL 3.5's apps use, through a memory BIO.
 */
import type { RawOpenSSL } from '../raw/instance.ts';
import { NULL, ptr, type Ptr } from '../raw/types.ts';

// apps/lib/apps.c get_nameopt(): XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_ESC_CTRL |
// ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_DUMP_UNKNOWN | ASN1_STRFLGS_DUMP_DER (x509.h, asn1.h).
export const APPS_NAMEOPT = (2 << 16) | 0 | 0x2 | 0x10 | 0x100 | 0x200;
/** EVP_PKEY_EC (NID_X9_62_id_ecPublicKey). */
const EVP_PKEY_EC = 408;

/** What a memory BIO collects while `fn` writes to it, as text. */
export function bioText(raw: RawOpenSSL, fn: (bio: Ptr<'BIO'>) => void): string {
  const { capi, mem } = raw;
  const bio = capi.BIO_new(capi.BIO_s_mem());
  if (bio === NULL) throw new RangeError('BIO_new: out of memory');
  try {
    fn(bio);
    return mem.scope(s => {
      const pp = s.out<'char*'>();
      const n = capi.BIO_get_mem_data(bio, pp);
      return new TextDecoder().decode(mem.copyOut(mem.readPtr(pp), n));
    });
  } finally {
    capi.BIO_free(bio);
  }
}

/** The X509 pointers of a STACK_OF(X509) (borrowed from it), or [] for NULL. */
export function stackItems<T extends string>(raw: RawOpenSSL, sk: Ptr<'OPENSSL_STACK'>): Ptr<T>[] {
  if (sk === NULL) return [];
  const n = raw.capi.OPENSSL_sk_num(sk);
  return Array.from({ length: Math.max(n, 0) }, (_, i) => ptr<T>(raw.capi.OPENSSL_sk_value(sk, i)));
}

/** A name as the apps print it by default: `CN=localhost, O=Example`. */
export function nameLine(raw: RawOpenSSL, name: Ptr<'X509_NAME'>): string {
  return bioText(raw, bio => raw.capi.X509_NAME_print_ex(bio, name, 0, APPS_NAMEOPT));
}

export function subjectLine(raw: RawOpenSSL, x: Ptr<'X509'>): string {
  return nameLine(raw, raw.capi.X509_get_subject_name(x));
}

export function issuerLine(raw: RawOpenSSL, x: Ptr<'X509'>): string {
  return nameLine(raw, raw.capi.X509_get_issuer_name(x));
}

/** PEM_write_bio_X509. */
export function certificatePEM(raw: RawOpenSSL, x: Ptr<'X509'>): string {
  return bioText(raw, bio => raw.capi.PEM_write_bio_X509(bio, x));
}

/** dump_cert_text of apps/lib/apps.c: `subject=...` and `issuer=...` lines. */
export function subjectIssuerLines(raw: RawOpenSSL, x: Ptr<'X509'>): string {
  return `subject=${subjectLine(raw, x)}\nissuer=${issuerLine(raw, x)}\n`;
}

/** The group name of an EC (or other group-based) key, or null. */
export function groupName(raw: RawOpenSSL, pkey: Ptr<'EVP_PKEY'>): string | null {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const buf = s.alloc<'char'>(80), len = s.out<'size_t'>();
    return capi.EVP_PKEY_get_group_name(pkey, buf, 80, len) === 1 ? mem.readCString(buf) : null;
  });
}

/** print_cert_key_info of apps/s_client.c: `   a:PKEY: RSA, 2048 (bit); sigalg: sha256WithRSAEncryption`. */
export function keyInfoLine(raw: RawOpenSSL, x: Ptr<'X509'>): string | null {
  const { capi, mem } = raw;
  const pkey = capi.X509_get0_pubkey(x);
  if (pkey === NULL) return null;
  const keyalg = mem.readCString(capi.EVP_PKEY_get0_type_name(pkey)) ?? mem.readCString(capi.OBJ_nid2ln(capi.EVP_PKEY_get_base_id(pkey)));
  const curve = capi.EVP_PKEY_get_id(pkey) === EVP_PKEY_EC ? groupName(raw, pkey) : null;
  const sigalg = mem.readCString(capi.OBJ_nid2ln(capi.X509_get_signature_nid(x)));
  return curve !== null
    ? `   a:PKEY: ${keyalg}, (${curve}); sigalg: ${sigalg}`
    : `   a:PKEY: ${keyalg}, ${capi.EVP_PKEY_get_bits(pkey)} (bit); sigalg: ${sigalg}`;
}

/** `NotBefore: ...; NotAfter: ...` with ASN1_TIME_print. */
export function validity(raw: RawOpenSSL, x: Ptr<'X509'>): string {
  const { capi } = raw;
  const before = bioText(raw, bio => capi.ASN1_TIME_print(bio, capi.X509_get0_notBefore(x)));
  const after = bioText(raw, bio => capi.ASN1_TIME_print(bio, capi.X509_get0_notAfter(x)));
  return `NotBefore: ${before}; NotAfter: ${after}`;
}

/**
 * The `Certificate chain` block of s_client's print_stuff for a chain (a STACK_OF(X509)): per
 * certificate its subject, issuer, key, validity, and with `showcerts` its PEM.
 */
export function chainBlock(raw: RawOpenSSL, chain: Ptr<'X509'>[], showcerts: boolean): string {
  let out = 'Certificate chain\n';
  chain.forEach((x, i) => {
    out += `${String(i).padStart(2)} s:${subjectLine(raw, x)}\n   i:${issuerLine(raw, x)}\n`;
    const key = keyInfoLine(raw, x);
    if (key) out += `${key}\n`;
    out += `   v:${validity(raw, x)}\n`;
    if (showcerts) out += certificatePEM(raw, x);
  });
  return out;
}

/** The public key size of a certificate (EVP_PKEY_get_bits), or null without a key. */
export function keyBits(raw: RawOpenSSL, x: Ptr<'X509'>): number | null {
  const pkey = raw.capi.X509_get0_pubkey(x);
  return pkey === NULL ? null : raw.capi.EVP_PKEY_get_bits(pkey);
}
