/**
 * `openssl-wasm ech`, as native OpenSSL 4.0's `openssl ech` (OpenSSL 4.0 line: OPENSSL_WASM_LINE=4.0):
 *   -public_name NAME [-suite S] [-max_name_len N] [-out FILE]   a new key pair and ECHConfig, as an
 *                                                               ECH PEM file (RFC 9934)
 *   -in FILE [-out FILE]                                        its public ECHConfigList only
 *   -text                                                       each ECHConfig, as native prints them
 * Without -out the PEM goes to standard output. The ECHConfigList's base64 (the `ech=` value of the
 * server's HTTPS DNS record, and s_client's -ech_config_list) is the ECHCONFIG block's body.
 */
import type { Connection } from '../oo/connection.ts';
import type { EchStatusName } from '../oo/ech.ts';
import { parseOptions, usage, type OptionSpec } from './args.ts';
import { CliError, instance, openSSLReason, readText, writeFile, type CliIO } from './io.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'public_name', kind: 'value', arg: 'name', help: 'public_name of the new ECHConfig (generates a key pair)' },
  { name: 'suite', kind: 'value', arg: 'suite', help: 'HPKE suite, e.g. X25519,hkdf-sha256,aes-128-gcm (the default) or 0x20,1,1' },
  { name: 'max_name_len', kind: 'int', arg: 'len', help: 'maximum_name_length of the new ECHConfig (default 0)' },
  { name: 'in', kind: 'value', arg: 'file', help: 'An ECH PEM file to read (its public ECHConfigList is written)' },
  { name: 'out', kind: 'value', arg: 'file', help: 'Output ECH PEM file (default: standard output)' },
  { name: 'text', kind: 'flag', help: 'Print each ECHConfig on standard error' },
];

export async function ech(argv: string[], io: CliIO): Promise<number> {
  const o = parseOptions('ech', OPTIONS, argv);
  if (o.help) {
    io.stdout(usage('ech', '[options]', OPTIONS));
    return 0;
  }
  const publicName = o.str('public_name'), inPath = o.str('in');
  if ((publicName === undefined) === (inPath === undefined)) throw new CliError('ech: give -public_name NAME (a new key) or -in FILE (a key to read)');
  const maxNameLength = o.int('max_name_len') ?? 0;
  if (maxNameLength > 255) throw new CliError(`ech: max name length out of range [0,255] (${maxNameLength})`);
  const ossl = await instance(io);
  if (ossl.line !== '4.0') throw new CliError('ech: Encrypted Client Hello needs the OpenSSL 4.0 line: run with OPENSSL_WASM_LINE=4.0');
  let pem: string;
  let key: string;
  try {
    if (publicName !== undefined) {
      key = ossl.generateEchKey({ publicName, suite: o.str('suite'), maxNameLength });
      pem = key;
    } else {
      key = readText(inPath!, 'ECH PEM file');
      pem = ossl.echConfigListPEM([key]);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`ech: ${publicName !== undefined ? 'OSSL_ECHSTORE_new_config error' : `OSSL_ECHSTORE_read_pem error: ${inPath}`}: ${openSSLReason(e)}`);
  }
  if (o.has('text')) {
    // As native: each entry of the store, with OpenSSL's one-line form of the ECHConfig.
    const ctx = ossl.createContext({ role: 'server', echKeys: [key] });
    try {
      ctx.echKeys.forEach((k, i) => io.stderr(`ECH entry: ${i} public_name: ${k.publicName} age: ${k.loadedSeconds}` +
        `${k.hasPrivateKey ? ' (has private key)' : ''}${k.forRetry ? ' (will be sent in retry-configs)' : ''}\n\t${k.config}\n`));
    } finally {
      ctx.free();
    }
  }
  const out = o.str('out');
  if (out !== undefined) writeFile(out, pem, 'ECH PEM file');
  else io.stdout(pem);
  return 0;
}

/**
 * print_stuff's ECH block of native 4.0's s_client (print_ech_status), for either end: the status
 * line (`ECH: success: 1`), the names after a success, the retry configs after a failure.
 */
export function echReport(c: Connection): string {
  const e = c.ech;
  if (e === null) return '';
  let out = `ECH: ${STATUS_TEXT[e.status]}: ${e.code}\n`;
  if (e.status === 'success') out += `ECH: inner: ${e.innerServerName ?? '<NULL>'}\nECH: outer: ${e.outerServerName ?? '<NULL>'}\n`;
  const retry = (e.status === 'failed-ech' || e.status === 'failed-ech-bad-name') ? c.echRetryConfigs : null;
  if (retry) out += `ECH: retry-configs: ${btoa(String.fromCharCode(...retry))}\n`;
  return out;
}

/** print_ech_status's words per status. */
const STATUS_TEXT: Record<EchStatusName, string> = {
  'not-tried': 'not tried', failed: 'tried but failed', 'failed-ech': 'failed+retry-configs', success: 'success',
  'grease-ech': 'GREASE+retry-configs', backend: 'BACKEND', grease: 'GREASE', 'bad-call': 'BAD CALL', 'bad-name': 'BAD NAME',
  'not-configured': 'NOT CONFIGURED', 'failed-ech-bad-name': 'failed+retry-configs',
};
