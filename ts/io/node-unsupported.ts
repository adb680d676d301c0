/**
 * Node's tls (and net) option names this adapter does not take, each refused with a TypeError that
 * says why and what to do instead: a generic "unknown option" would read as a misspelling, and
 * ignoring them would make the connection differ from what was asked without a word.
 */

const ENGINES = 'OpenSSL engines are not built into this module; give the key and certificate as PEM (key, cert) or PKCS#12 (pfx)';

/** Why each is not taken. */
const NOT_SUPPORTED: Record<string, string> = {
  clientCertEngine: ENGINES,
  privateKeyEngine: ENGINES,
  privateKeyIdentifier: ENGINES,
  dhparam: 'DH is not built into this module (no finite-field DHE suites or ffdhe groups): the key exchange is ECDHE or a hybrid KEM (choose groups with ecdhCurve)',
  requestOCSP: 'OCSP stapling is not built into this module',
  highWaterMark: 'the socket\'s buffering is fixed here (backpressure still holds both ways)',
  onread: 'data comes through the stream (\'data\' events or read())',
  pauseOnConnect: 'connections are read from once accepted (TLS needs the handshake)',
  isServer: 'a server socket comes from createServer()',
  server: 'a server socket comes from createServer()',
};

/** Node's defaults among them: given with exactly that value, they ask for what this adapter does. */
const NODE_DEFAULTS: Record<string, unknown> = { requestOCSP: false, pauseOnConnect: false };

/**
 * Throws a TypeError for the first of Node's option names `options` holds that this adapter does not
 * take; returns those given with Node's default value (and undefined ones), to be let through.
 */
export function refuseNodeOptionsNotSupported(where: string, options: object): string[] {
  const accepted: string[] = [];
  for (const name of Object.keys(options)) {
    const why = NOT_SUPPORTED[name];
    if (why === undefined) continue;
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined || (name in NODE_DEFAULTS && value === NODE_DEFAULTS[name])) {
      accepted.push(name);
      continue;
    }
    throw new TypeError(`${where}: options.${name} (Node's) is not supported: ${why}`);
  }
  return accepted;
}
