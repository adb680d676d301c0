/**
 * The PSK options of s_client and s_server, as native openssl takes them: -psk HEX (a TLS 1.3 PSK
 * bound to TLS_AES_128_GCM_SHA256, as apps/s_client.c's psk_use_session_cb makes it, and the TLS 1.2
 * PSK), -psk_identity (default "Client_identity"), -psk_session FILE (a PEM session as the PSK) and,
 * for servers, -psk_hint.
 */
import type { ClientPsk, PskFindHandler } from '../oo/psk.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { TLS1_2_VERSION } from '../raw/constants.ts';
import type { OptionSpec, Options } from './args.ts';
import { CliError, openSSLReason, readText } from './io.ts';

export const PSK_OPTIONS: OptionSpec[] = [
  { name: 'psk_identity', kind: 'value', arg: 'val', help: 'PSK identity (default Client_identity)' },
  { name: 'psk', kind: 'value', arg: 'val', help: 'PSK in hex (without 0x)' },
  { name: 'psk_session', kind: 'value', arg: 'file', help: 'File to read PSK SSL session from' },
];
export const PSK_SERVER_OPTIONS: OptionSpec[] = [
  ...PSK_OPTIONS,
  { name: 'psk_hint', kind: 'value', arg: 'val', help: 'PSK identity hint to use (TLSv1.2)' },
];

/** The apps' default identity, both sides. */
const DEFAULT_IDENTITY = 'Client_identity';

/** What the PSK options read before anything connects: files and hex checked. */
export interface PskArgs {
  identity: string;
  key: Uint8Array | undefined;
  /** The PEM of -psk_session, and its file name. */
  sessionPem: string | undefined;
  sessionFile: string | undefined;
}

export function pskArgs(o: Options): PskArgs | null {
  const hex = o.str('psk'), sessionFile = o.str('psk_session');
  if (hex === undefined && sessionFile === undefined) return null;
  let key: Uint8Array | undefined;
  if (hex !== undefined) {
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw new CliError(`Not a hex number '${hex}'`);
    if (hex.length === 0 || hex.length % 2 !== 0) throw new CliError(`Could not convert PSK key '${hex}' to buffer`);
    key = Uint8Array.from(hex.match(/../g)!, b => parseInt(b, 16));
  }
  const sessionPem = sessionFile !== undefined ? readText(sessionFile, 'PSK session file') : undefined;
  return { identity: o.str('psk_identity') ?? DEFAULT_IDENTITY, key, sessionPem, sessionFile };
}

/** The PSK as a Session: -psk_session's if given (as the apps prefer it), else one from -psk. */
export function pskSessionOf(command: string, ossl: OpenSSL, a: PskArgs): Session {
  if (a.sessionPem !== undefined) {
    try {
      return ossl.sessionFromPEM(a.sessionPem);
    } catch (e) {
      throw new CliError(`${command}: Can't read PSK session file ${a.sessionFile}: ${openSSLReason(e)}`);
    }
  }
  try {
    return ossl.pskSession({ key: a.key!, cipher: 'TLS_AES_128_GCM_SHA256' });
  } catch (e) {
    throw new CliError(`${command}: cannot use the PSK: ${openSSLReason(e)}`);
  }
}

/** s_client: the context's psk option. */
export function clientPsk(a: PskArgs, session: Session): ClientPsk {
  return { identity: a.identity, session };
}

/**
 * s_server: the context's onPskFind, as psk_find_session_cb and psk_server_cb of apps/s_server.c:
 * in TLS 1.3 an identity other than -psk_identity gets no PSK; in TLS 1.2 a warning, and the key all
 * the same.
 */
export function serverPskFind(ossl: OpenSSL, a: PskArgs, session: Session, out: (text: string) => void): PskFindHandler {
  return (identity, connection) => {
    if (identity === a.identity) return session;
    // Mid-handshake: the version negotiated so far (connection.protocol waits for the end).
    if (connection === null || ossl.raw.capi.SSL_version(connection.pointer) !== TLS1_2_VERSION) return null;
    out(`PSK warning: client identity not what we expected (got '${identity}' expected '${a.identity}')\n`);
    return session;
  };
}
