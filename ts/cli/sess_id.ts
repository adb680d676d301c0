/**
 * `openssl-wasm sess_id`: reads a session (PEM, as `s_client -sess_out` writes it, or DER), prints
 * it with SSL_SESSION_print, writes it back out as PEM, DER or an NSS key log line.
 */
import type { Session } from '../oo/session.ts';
import { MAX_SESSION_PEM_CHARS } from '../oo/openssl.ts';
import { concat as concatBytes } from '../raw/bytes.ts';
import { parseOptions, usage, type OptionSpec } from './args.ts';
import { CliError, instance, openSSLReason, readFile, readStdin, writeFile, type CliIO } from './io.ts';
import { NULL } from '../raw/types.ts';
import { bioText, certificatePEM } from './x509-print.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'in', kind: 'value', arg: 'file', help: 'Input file (default: standard input)' },
  { name: 'inform', kind: 'value', arg: 'PEM|DER', help: 'Input format (default PEM)' },
  { name: 'out', kind: 'value', arg: 'file', help: 'Output file (default: standard output)' },
  { name: 'outform', kind: 'value', arg: 'PEM|DER|NSS', help: 'Output format (default PEM)' },
  { name: 'text', kind: 'flag', help: 'Print the session in text form (SSL_SESSION_print)' },
  { name: 'noout', kind: 'flag', help: 'Do not output the encoded session' },
  { name: 'cert', kind: 'flag', help: 'Output the peer certificate instead of the session' },
  { name: 'context', kind: 'value', arg: 'val', help: 'Set the session id context' },
];

type Format = 'PEM' | 'DER' | 'NSS';

function format(value: string | undefined, option: string, allowed: Format[]): Format {
  if (value === undefined) return 'PEM';
  const v = value.toUpperCase();
  const f = v === 'P' ? 'PEM' : v === 'D' || v === 'ASN1' ? 'DER' : v;
  if (!(allowed as string[]).includes(f)) throw new CliError(`sess_id: ${option} must be ${allowed.join(' or ')}, got '${value}'`);
  return f as Format;
}

export async function sessId(argv: string[], io: CliIO): Promise<number> {
  const o = parseOptions('sess_id', OPTIONS, argv);
  if (o.help) {
    io.stdout(usage('sess_id', '[options]', OPTIONS));
    return 0;
  }
  const inform = format(o.str('inform'), '-inform', ['PEM', 'DER']);
  const outform = format(o.str('outform'), '-outform', ['PEM', 'DER', 'NSS']);
  const context = o.str('context');
  if (context !== undefined && new TextEncoder().encode(context).length > 32) throw new CliError('sess_id: -context is at most 32 bytes');
  const inPath = o.str('in');
  // A PEM session is the larger form: nothing longer is one (sessionFromPEM's own bound).
  const input = inPath !== undefined ? readFile(inPath, 'session file', MAX_SESSION_PEM_CHARS)
    : await readStdin(io, 'session', MAX_SESSION_PEM_CHARS);
  const from = inPath ?? 'standard input';

  const ossl = await instance(io);
  let session: Session;
  try {
    session = inform === 'DER' ? ossl.sessionFromDER(input) : ossl.sessionFromPEM(new TextDecoder().decode(input));
  } catch (e) {
    throw new CliError(`sess_id: unable to load SSL_SESSION from ${from} as ${inform}: ${openSSLReason(e)}`);
  }
  try {
    if (context !== undefined) session.idContext = context;
    const parts: (string | Uint8Array)[] = [];
    if (o.has('text')) {
      parts.push(session.print());
      if (o.has('cert')) {
        const peer = ossl.raw.capi.SSL_SESSION_get0_peer(session.pointer);
        parts.push(peer === NULL ? 'No certificate present\n' : bioText(ossl.raw, bio => ossl.raw.capi.X509_print(bio, peer)));
      }
    }
    if (!o.has('noout')) {
      if (!o.has('cert')) {
        parts.push(outform === 'DER' ? session.toDER() : outform === 'NSS' ? session.printKeylog() : session.toPEM());
      } else {
        const peer = session.peerCertificate;
        if (peer !== null) {
          if (outform === 'NSS') throw new CliError('sess_id: -outform NSS is for sessions, not certificates');
          parts.push(outform === 'DER' ? peer : certificatePEM(ossl.raw, ossl.raw.capi.SSL_SESSION_get0_peer(session.pointer)));
        }
      }
    }
    const outPath = o.str('out');
    if (outPath !== undefined) {
      if (!o.has('noout') || o.has('text')) writeFile(outPath, concat(parts), 'output file');
    } else {
      for (const p of parts) io.stdout(p);
    }
  } finally {
    session.free();
  }
  return 0;
}

function concat(parts: (string | Uint8Array)[]): Uint8Array {
  return concatBytes(parts.map(p => typeof p === 'string' ? new TextEncoder().encode(p) : p));
}
