/**
 * The lines the apps' verify_callback (apps/lib/s_cb.c) prints on standard error for each step of a
 * chain verification: `depth=N subject`, `verify error:num=N:reason`, the issuer or date behind the
 * error, `verify return:1`. The steps are recorded during the handshake by the callback of
 * wasm/shims.c (OSW_SSL_CTX_set_verify_trace), which also decides as the apps' does; they are
 * printed here afterwards.
 */
import type { Context } from '../oo/context.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { NULL, type Ptr } from '../raw/types.ts';
import { SSL_VERIFY_CLIENT_ONCE, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_NONE, SSL_VERIFY_PEER } from '../raw/constants.ts';
import { bioText, issuerLine, subjectLine } from './x509-print.ts';

// X509_V_ERR_* of x509_vfy.h that verify_callback explains with a second line.
const UNABLE_TO_GET_ISSUER_CERT = 2, CERT_NOT_YET_VALID = 9, CERT_HAS_EXPIRED = 10;
const ERROR_IN_CERT_NOT_BEFORE_FIELD = 13, ERROR_IN_CERT_NOT_AFTER_FIELD = 14;

export interface VerifyPolicy {
  /** The verify mode: 'none' (verify, never fail), 'peer', or 'require' (servers: a certificate must come). */
  mode: 'none' | 'peer' | 'require';
  /** -verify's depth: errors deeper than this fail; -1 for no limit. */
  depth: number;
  /** -verify_return_error: any error fails the handshake. */
  returnError: boolean;
}

/** Installs the recording verify callback on a context, as s_client and s_server set theirs. */
export function setVerifyTrace(raw: RawOpenSSL, context: Context, p: VerifyPolicy): void {
  const server = context.role === 'server';
  const mode = p.mode === 'none' ? SSL_VERIFY_NONE
    : SSL_VERIFY_PEER | (server ? SSL_VERIFY_CLIENT_ONCE : 0) | (p.mode === 'require' ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
  if (raw.capi.OSW_SSL_CTX_set_verify_trace(context.pointer, mode, p.depth, p.returnError ? 1 : 0) !== 1) {
    throw new RangeError('OSW_SSL_CTX_set_verify_trace: out of memory');
  }
}

/** verify_callback's lines for the steps recorded on `ssl`; `quiet` (-brief, -verify_quiet) keeps only errors. */
export function verifyTrace(raw: RawOpenSSL, ssl: Ptr<'SSL'>, quiet: boolean): string {
  const { capi, mem } = raw;
  const n = capi.OSW_verify_trace_count(ssl);
  let out = '';
  mem.scope(s => {
    const ok = s.out<'i32'>(), depth = s.out<'i32'>(), err = s.out<'i32'>(), ret = s.out<'i32'>();
    for (let i = 0; i < n; i++) {
      const cert = capi.OSW_verify_trace_step(ssl, i, ok, depth, err, ret);
      const okIn = mem.readI32(ok), code = mem.readI32(err), returned = mem.readI32(ret);
      if (!quiet || !okIn) out += `depth=${mem.readI32(depth)} ${cert === NULL ? '<no cert>' : subjectLine(raw, cert)}\n`;
      if (!okIn) out += `verify error:num=${code}:${mem.readCString(capi.X509_verify_cert_error_string(code))}\n`;
      if (cert !== NULL) {
        if (code === UNABLE_TO_GET_ISSUER_CERT) out += `issuer= ${issuerLine(raw, cert)}\n`;
        if (code === CERT_NOT_YET_VALID || code === ERROR_IN_CERT_NOT_BEFORE_FIELD) {
          out += `notBefore=${bioText(raw, bio => capi.ASN1_TIME_print(bio, capi.X509_get0_notBefore(cert)))}\n`;
        }
        if (code === CERT_HAS_EXPIRED || code === ERROR_IN_CERT_NOT_AFTER_FIELD) {
          out += `notAfter=${bioText(raw, bio => capi.ASN1_TIME_print(bio, capi.X509_get0_notAfter(cert)))}\n`;
        }
      }
      if (returned && !quiet) out += `verify return:${returned}\n`;
    }
  });
  return out;
}
