import { NULL, type Ptr } from '../raw/types.ts';
import { refuseLongPem, type Core } from './core.ts';
import { stackCertificates } from './x509-info.ts';

/** X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL (x509_vfy.h): every certificate of the chain, as Node sets them. */
const CRL_CHECK_ALL = 0x4 | 0x8;
/** The most CRLs read from one text, and the longest text read (OpenSSL has no bound of its own). */
const MAX_CRLS = 1000;
const MAX_CRL_PEM_CHARS = 64 * 1024 * 1024;

/**
 * Adds PEM certificate revocation lists to the context's store (X509_STORE_add_crl) and turns on
 * revocation checking for the whole chain, as Node's `crl` option: a chain certificate whose
 * issuer has no CRL here then fails with UNABLE_TO_GET_CRL.
 */
export function addRevocationLists(core: Core, ctx: Ptr<'SSL_CTX'>, pems: string[]): void {
  const { capi } = core;
  const store = capi.SSL_CTX_get_cert_store(ctx);
  // Every text checked before any is copied into linear memory (which never shrinks).
  for (const pem of pems) refuseLongPem(pem, 'createContext: options.crl', MAX_CRL_PEM_CHARS, 'a CRL text is read (the largest public CRLs are a few tens of MiB)');
  for (const pem of pems) {
    const crls: Ptr<'X509_CRL'>[] = [];
    core.withReadBio(pem, bio => {
      for (let i = 0; i <= MAX_CRLS; i++) {
        const crl = capi.PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        if (crl === NULL) break;
        crls.push(crl);
      }
    });
    try {
      // Bounded, and said so: lists past the bound were dropped without a word.
      if (crls.length > MAX_CRLS) throw new RangeError(`createContext: options.crl holds more than ${MAX_CRLS} PEM CRLs in one text; pass fewer`);
      // Reading stops at the end of the input with a "no start line" error: expected once we have some.
      if (crls.length === 0) core.fail('createContext: options.crl holds no PEM X509 CRL (PEM_read_bio_X509_CRL)');
      capi.ERR_clear_error();
      for (const crl of crls) core.check(capi.X509_STORE_add_crl(store, crl), 'X509_STORE_add_crl');
    } finally {
      for (const crl of crls) capi.X509_CRL_free(crl);
    }
  }
  core.check(capi.X509_STORE_set_flags(store, CRL_CHECK_ALL), 'X509_STORE_set_flags');
}

/**
 * Uses the key, certificate and chain of a PKCS#12 file (PKCS12_parse) as the context's own, as
 * Node's `pfx`, in the slot of its key type. The DER and the passphrase are staged as secrets
 * (zeroed when freed). Returns the certificate (a reference of the caller's, to free).
 */
export function usePkcs12(core: Core, ctx: Ptr<'SSL_CTX'>, der: Uint8Array, passphrase: string | undefined, name = 'pkcs12'): Ptr<'X509'> {
  const { capi, mem } = core;
  const p12 = mem.scope(s => {
    const buf = s.bytes(der, true, 'pkcs12'), pp = s.out<'u8*'>();
    mem.writeU32(pp, buf);
    capi.ERR_clear_error();
    return capi.d2i_PKCS12(NULL, pp, der.length);
  });
  if (p12 === NULL) core.fail(`createContext: options.${name} is not PKCS#12 data (DER, as a .pfx/.p12 file holds it) (d2i_PKCS12)`);
  let key = NULL as Ptr<'EVP_PKEY'>, cert = NULL as Ptr<'X509'>, ca = NULL as Ptr<'OPENSSL_STACK'>;
  try {
    mem.scope(s => {
      const pass = new TextEncoder().encode(`${passphrase ?? ''}\0`);
      const pk = s.out<'EVP_PKEY*'>(), pc = s.out<'X509*'>(), pca = s.out<'OPENSSL_STACK*'>();
      let ok: number;
      try {
        ok = capi.PKCS12_parse(p12, s.bytes(pass, true) as number as Ptr<'char'>, pk, pc, pca);
      } finally {
        pass.fill(0);
        core.scrubStack(); // the passphrase's copies in OpenSSL's stack frames
      }
      key = mem.readPtr(pk);
      cert = mem.readPtr(pc);
      ca = mem.readPtr(pca);
      if (!ok) {
        core.fail(passphrase === undefined
          ? `createContext: options.${name} could not be read: it needs pkcs12Passphrase, or is damaged (PKCS12_parse)`
          : `createContext: options.${name} could not be read: pkcs12Passphrase does not open it, or it is damaged (PKCS12_parse)`);
      }
    });
    if (cert === NULL || key === NULL) throw new TypeError(`createContext: options.${name} holds no certificate with its private key`);
    core.check(capi.SSL_CTX_use_certificate(ctx, cert), 'SSL_CTX_use_certificate');
    const extras = stackCertificates(core, ca); // references of our own
    try {
      for (const extra of extras) core.check(capi.SSL_CTX_add1_chain_cert(ctx, extra), 'SSL_CTX_add1_chain_cert');
    } finally {
      for (const x of extras) capi.X509_free(x);
    }
    core.check(capi.SSL_CTX_use_PrivateKey(ctx, key), 'SSL_CTX_use_PrivateKey');
    core.check(capi.SSL_CTX_check_private_key(ctx), `createContext: the private key of options.${name} does not match its certificate (SSL_CTX_check_private_key)`);
    const leaf = cert;
    cert = NULL as Ptr<'X509'>; // the caller's now
    return leaf;
  } finally {
    if (ca !== NULL) { // sk_X509_pop_free(ca, X509_free): the stack's own references, then the stack
      for (let i = capi.OPENSSL_sk_num(ca) - 1; i >= 0; i--) capi.X509_free(capi.OPENSSL_sk_value(ca, i) as number as Ptr<'X509'>);
      capi.OPENSSL_sk_free(ca);
    }
    if (cert !== NULL) capi.X509_free(cert);
    if (key !== NULL) capi.EVP_PKEY_free(key);
    capi.PKCS12_free(p12);
  }
}
