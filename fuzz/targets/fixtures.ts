// What every target starts from, fixed so that a committed input means the same on every replay:
// the test PKI, ticket keys (public test values, not secrets), and client sessions saved once by
// fuzz/make-seeds.ts (fuzz/fixtures/*.der) that the servers here know: a TLS 1.2 session by its id
// (put in the server's cache), and TLS 1.2 and 1.3 sessions by tickets under these keys.
import type { Context, OpenSSL, Session } from '../../ts/index.ts';
import { readURL } from '../../test/lib/fixtures.ts';
import { pki, type Pki } from '../../test/lib/tls.ts';

export const SESSION_NAMES = ['tls12-id', 'tls12-ticket', 'tls13-ticket'] as const;
export type SessionName = typeof SESSION_NAMES[number];

export interface Fixtures {
  pki: Pki;
  /** Client sessions as DER, by name; empty until make-seeds.ts has written them. */
  sessions: Partial<Record<SessionName, Uint8Array>>;
}

export const fixtureURL = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);

export async function loadFixtures(): Promise<Fixtures> {
  const sessions: Fixtures['sessions'] = {};
  for (const name of SESSION_NAMES) {
    try { sessions[name] = await readURL(fixtureURL(`${name}.der`)); } catch { /* not made yet */ }
  }
  return { pki: await pki(), sessions };
}

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
/** Fixed ticket keys, so that tickets in committed inputs open on every replay. */
export const TICKET_KEYS = [{ name: fill(16, 0x4e), aesKey: fill(32, 0xae), hmacKey: fill(32, 0x4d) }];
/** Ten years: sessions and tickets in committed inputs do not expire. */
export const TIMEOUT = 10 * 365 * 86400;

/** A server accepting TLS 1.2 and 1.3 on the test certificate, with the fixed ticket keys. */
export function serverContext(ossl: OpenSSL, f: Fixtures, extra: Record<string, unknown> = {}): Context {
  const ctx = ossl.createContext({ role: 'server', certificate: f.pki.cert, privateKey: f.pki.key, minVersion: 'TLSv1.2', ...extra });
  ctx.setTicketKeys(TICKET_KEYS);
  ctx.sessionTimeout = TIMEOUT;
  return ctx;
}

/** A verifying client of the test CA. */
export function clientContext(ossl: OpenSSL, f: Fixtures): Context {
  return ossl.createContext({ role: 'client', ca: f.pki.ca, minVersion: 'TLSv1.2' });
}

/** A fixture session, its time set to now so that it is not expired (a reference the caller frees). */
export function fixtureSession(ossl: OpenSSL, f: Fixtures, name: SessionName): Session | null {
  const der = f.sessions[name];
  if (!der) return null;
  const s = ossl.sessionFromDER(der);
  s.time = Math.floor(Date.now() / 1000);
  s.timeout = TIMEOUT;
  return s;
}

/** A server whose internal cache holds the TLS 1.2 fixture session (found by its id). */
export function seededServerContext(ossl: OpenSSL, f: Fixtures, extra: Record<string, unknown> = {}): Context {
  const ctx = serverContext(ossl, f, extra);
  const s = fixtureSession(ossl, f, 'tls12-id');
  if (s) { ctx.addSession(s); s.free(); }
  return ctx;
}
