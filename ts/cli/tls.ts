/// <reference types="node" />
/** What s_client and s_server share around TLS: error texts, the system CA bundle, bounded waits. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { OpenSSLError } from '../errors.ts';
import { CliError, oneLine, systemReason } from './io.ts';

/** A one-line account of a TLS or socket failure: OpenSSL's reasons, the verification detail. */
export function describeTLSError(e: unknown): string {
  if (e instanceof OpenSSLError && e.errors.length) {
    const suffix = `: ${e.errors.map(x => x.message).join('; ')}`;
    const what = e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    const detail = what.replace(/^\w+ failed\s*/, '').replace(/^\((.*)\)$/, '$1');
    const reasons = [...new Set(e.errors.map(x => x.reason ?? x.message))].join(', ');
    return detail ? `${reasons} (${detail})` : reasons;
  }
  if (typeof (e as { code?: unknown })?.code === 'string') return systemReason(e);
  return oneLine(e);
}

/** A context that could not be made (a bad key, an unknown group): a user error naming the option. */
export function tlsSetupError(command: string, e: unknown, files: { cert?: string; key?: string; ca?: string } = {}): CliError {
  if (e instanceof CliError) return e;
  const m = e instanceof Error ? e.message : String(e);
  const why = e instanceof OpenSSLError ? openSSLReasons(e) : '';
  const because = why ? ` (${why})` : '';
  const rules: [RegExp, string][] = [
    [/privateKey is not a PEM private key/, files.key === files.cert
      ? `${files.cert} holds no usable PEM private key: give the key with -key${because}`
      : `${files.key}: no PEM private key that can be used${because}`],
    [/private key does not match/, `the private key in ${files.key} does not match the certificate in ${files.cert}`],
    [/^certificate holds no PEM certificate|SSL_CTX_use_certificate|SSL_CTX_add1_chain_cert/, `${files.cert}: no PEM certificate that can be used${because}`],
    [/^ca holds no PEM certificate|X509_STORE_add_cert/, `${files.ca ?? "the system CA bundle"}: no PEM CA certificate that can be used${because}`],
    [/SSL_CTX_set1_groups_list/, `-groups: no group in the list is supported${because}`],
    [/SSL_CTX_set_ciphersuites/, `-ciphersuites: no cipher suite in the list is supported${because}`],
    [/SSL_CTX_set_cipher_list/, `-cipher: no cipher in the list is supported${because}`],
    [/alpn/i, `-alpn: ${oneLine(e)}`],
  ];
  for (const [re, text] of rules) if (re.test(m)) return new CliError(`${command}: ${text}`);
  return new CliError(`${command}: ${describeTLSError(e).replace(/^createContext: /, '')}`);
}

function openSSLReasons(e: OpenSSLError): string {
  return [...new Set(e.errors.map(x => x.reason).filter((r): r is string => !!r))].join(', ');
}

const CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, BSDs, Alpine
];

/**
 * The system's CA bundle (SSL_CERT_FILE, else the usual places), as `openssl s_client` loads the
 * default verify locations when no -CAfile is given; null if there is none to read.
 */
export function systemCAs(): string | null {
  let env: string | undefined;
  try {
    env = process.env.SSL_CERT_FILE;
  } catch { /* Deno without --allow-env */ }
  for (const path of env ? [env, ...CA_BUNDLES] : CA_BUNDLES) {
    try {
      const text = readFileSync(path, 'utf8');
      if (text.includes('-----BEGIN CERTIFICATE-----')) return text;
    } catch { /* absent, or not readable here */ }
  }
  return null;
}

interface Emitter {
  once(event: string, fn: (...a: any[]) => void): unknown;
  off(event: string, fn: (...a: any[]) => void): unknown;
}

/** Resolves on `event`; rejects on 'error', an early 'close', the timeout or the signal. */
export function waitEvent(emitter: Emitter, event: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      emitter.off('error', onError);
      emitter.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onEvent = () => { cleanup(); resolve(); };
    const onError = (e: Error) => { cleanup(); reject(e); };
    const onClose = () => { cleanup(); reject(new Error('the peer closed the connection')); };
    const onAbort = () => { cleanup(); reject(new Error('interrupted')); };
    const timer = setTimeout(() => { cleanup(); reject(Object.assign(new Error(`timed out after ${ms / 1000} s`), { code: 'ETIMEDOUT' })); }, ms);
    emitter.once(event, onEvent);
    emitter.once('error', onError);
    emitter.once('close', onClose);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves true when `signal` aborts (never, without one). */
export function aborted(signal: AbortSignal | undefined): Promise<true> {
  if (!signal) return new Promise(() => undefined);
  if (signal.aborted) return Promise.resolve(true);
  return new Promise(r => signal.addEventListener('abort', () => r(true), { once: true }));
}

/**
 * The PEM certificates of a -CApath directory, as one text. OpenSSL looks them up there by
 * subject hash (X509_LOOKUP_hash_dir); the module has no file system, so every PEM file of the
 * directory is read and the certificates added to the store, which verifies the same.
 */
export function caDirectory(dir: string): string {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new CliError(`cannot read CA directory ${dir}: ${systemReason(e)}`);
  }
  const pems: string[] = [];
  for (const name of names) {
    let text: string;
    try {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      text = readFileSync(path, 'latin1');
    } catch {
      continue; // unreadable entries are skipped, as the hash lookup would never open them
    }
    for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)) pems.push(m[0]);
  }
  if (pems.length === 0) throw new CliError(`CA directory ${dir} holds no PEM certificate`);
  return pems.join('\n') + '\n';
}
