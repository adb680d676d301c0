/// <reference types="node" />
/**
 * `openssl-wasm s_server`: a TLS server in the manner of `openssl s_server`, on the Node adapter.
 * Ways to answer, as native: -www (an HTML page describing the connection, with the
 * `New, TLSv1.3, Cipher is ...` / `Reused, ...` line), -WWW / -HTTP (files of the working
 * directory), -rev (each line back reversed), or by default what the client sends to standard
 * output and standard input to the client.
 */
import { createReadStream } from 'node:fs';
import type * as net from 'node:net';
import { pipeline } from 'node:stream';
import { createServer, type TLSSocket } from '../io/node.ts';
import type { Connection } from '../oo/connection.ts';
import type { Context, TLSVersion } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import { SSL_OP_CIPHER_SERVER_PREFERENCE, SSL_OP_NO_TICKET, SSL_SESS_CACHE_OFF } from '../raw/constants.ts';
import { hostPort, parseOptions, usage, type OptionSpec, type Options } from './args.ts';
import { CliError, drained, InputPump, peerToStdout, instance, readText, systemReason, type CliIO } from './io.ts';
import { pskArgs, pskSessionOf, PSK_SERVER_OPTIONS, serverPskFind } from './psk.ts';
import { cacheStats, formatMessage, keylogWriter } from './report.ts';
import { echReport } from './ech.ts';
import { keymatBlock, keymatOption, KEYMAT_OPTIONS, type Keymat } from './keymat.ts';
import { caNamesBlock, groupsLines, pointFormatsLine, renegotiationNote, sessionText, sharedCiphers, sigalgsLines, sslRef, sslSummary } from './ssl-print.ts';
import { chainStore, sniSwitch } from './sni.ts';
import { aborted, describeTLSError, tlsSetupError } from './tls.ts';
import { setVerifyTrace, verifyTrace } from './verify-trace.ts';
import { fileResponse, statusPage } from './www.ts';
import { certificatePEM, subjectIssuerLines } from './x509-print.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'accept', kind: 'value', arg: '[host:]port', help: 'Listen here (default 127.0.0.1:4433; port 0 picks a free one)' },
  { name: 'port', kind: 'int', arg: 'port', help: 'Same as -accept 127.0.0.1:port' },
  { name: 'cert', kind: 'value', arg: 'file', help: 'PEM certificate (and chain) (default server.pem)' },
  { name: 'key', kind: 'value', arg: 'file', help: 'PEM private key (default: read from the -cert file)' },
  { name: 'nocert', kind: 'flag', help: 'No certificate: PSK only (-psk, -psk_session), or anonymous TLSv1.2 suites (e.g. -cipher aNULL@SECLEVEL=0)' },
  { name: 'chainCAfile', kind: 'value', arg: 'file', help: 'PEM CA certificates to complete the certificate chain sent' },
  { name: 'servername', kind: 'value', arg: 'name', help: 'Use -cert2/-key2 for clients that ask for this name (SNI)' },
  { name: 'cert2', kind: 'value', arg: 'file', help: 'PEM certificate for -servername (default server2.pem)' },
  { name: 'key2', kind: 'value', arg: 'file', help: 'PEM private key of -cert2 (default: read from the -cert2 file)' },
  { name: 'CAfile', kind: 'value', arg: 'file', help: 'PEM CA certificates to verify client certificates with' },
  { name: 'verify', kind: 'int', arg: 'depth', help: 'Ask for a client certificate (verified if sent)' },
  { name: 'Verify', kind: 'int', arg: 'depth', help: 'Require a client certificate' },
  { name: 'verify_return_error', kind: 'flag', help: 'Fail the handshake if the client certificate does not verify' },
  { name: 'verify_quiet', kind: 'flag', help: 'Only verification errors on standard error' },
  { name: 'tls1_2', kind: 'flag', help: 'Just talk TLSv1.2' },
  { name: 'tls1_3', kind: 'flag', help: 'Just talk TLSv1.3' },
  { name: 'groups', kind: 'value', arg: 'list', help: 'Key-exchange groups to accept' },
  { name: 'curves', kind: 'value', arg: 'list', help: 'Same as -groups' },
  { name: 'ciphersuites', kind: 'value', arg: 'list', help: 'TLSv1.3 cipher suites' },
  { name: 'cipher', kind: 'value', arg: 'list', help: 'TLSv1.2 cipher list' },
  { name: 'alpn', kind: 'value', arg: 'list', help: 'ALPN protocols to accept, comma-separated, in preference order' },
  { name: 'no_ticket', kind: 'flag', help: 'No session tickets (stateful TLSv1.3 tickets, session ids for TLSv1.2)' },
  { name: 'no_cache', kind: 'flag', help: 'No session cache' },
  { name: 'serverpref', kind: 'flag', help: "Use the server's cipher preferences" },
  { name: 'stateless', kind: 'flag', help: 'Require TLSv1.3 cookies (not available here: see the message)' },
  { name: 'num_tickets', kind: 'int', help: 'TLSv1.3 tickets to send after a full handshake (default 2)' },
  { name: 'context', kind: 'value', arg: 'val', help: 'Session id context' },
  { name: 'early_data', kind: 'flag', help: 'Attempt to read early data' },
  { name: 'max_early_data', kind: 'int', arg: 'n', help: 'The maximum number of bytes of early data as advertised in tickets' },
  { name: 'recv_max_early_data', kind: 'int', arg: 'n', help: 'The maximum number of bytes of early data (hard limit)' },
  { name: 'www', kind: 'flag', help: 'Answer GET requests with a page describing the connection' },
  { name: 'WWW', kind: 'flag', help: "Answer 'GET /path' with the file ./path (and 'GET /stats ' with the -www page)" },
  { name: 'HTTP', kind: 'flag', help: 'Like -WWW, but the files hold their own HTTP headers' },
  { name: 'rev', kind: 'flag', help: 'Send each line back reversed' },
  { name: 'naccept', kind: 'int', help: 'Exit after this many connections' },
  { name: 'keylogfile', kind: 'value', arg: 'file', help: 'Append TLS secrets to this file (NSS key log format)' },
  { name: 'msg', kind: 'flag', help: 'Show the protocol messages' },
  { name: 'trace', kind: 'flag', help: 'Show trace output of protocol messages (SSL_trace; wins over -msg)' },
  ...KEYMAT_OPTIONS,
  { name: 'quiet', kind: 'flag', help: 'No server output (ACCEPT, connection reports, statistics)' },
  { name: 'brief', kind: 'flag', help: 'Like -quiet, with a connection summary on standard error' },
  ...PSK_SERVER_OPTIONS,
  { name: 'ech_key', kind: 'value', arg: 'file', help: 'ECH PEM file (key pair and ECHConfig, as `ech` writes it): accept Encrypted Client Hello (OPENSSL_WASM_LINE=4.0)' },
];

const HANDSHAKE_TIMEOUT = 30_000;
/** s_server's session id context: the int 1 (`s_server_session_id_context`), as its 4 bytes. */
const NATIVE_SID_CTX = new Uint8Array([1, 0, 0, 0]);

interface Server {
  io: CliIO;
  ossl: OpenSSL;
  argv: string[];
  context: Context;
  pump: InputPump;
  /** Standard output for the server's own lines (bio_s_out): nothing with -quiet. */
  out(text: string): void;
  quiet: boolean;
  brief: boolean;
  /** -keymatexport */
  keymat: Keymat | undefined;
  /** -ech_key given */
  echKeys: boolean;
  stop(): void;
}

export async function sServer(argv: string[], io: CliIO): Promise<number> {
  const o = parseOptions('s_server', OPTIONS, argv);
  if (o.help) {
    io.stdout(usage('s_server', '[options]', OPTIONS));
    return 0;
  }
  const modes = ['www', 'WWW', 'HTTP', 'rev'].filter(m => o.has(m));
  if (modes.length > 1) throw new CliError(`s_server: choose one of ${modes.map(m => `-${m}`).join(', ')}`);
  if (o.has('stateless')) {
    throw new CliError('s_server: -stateless is not available: it needs SSL_stateless() to drive the first flight and cookie callbacks, which this build does not export');
  }
  const quiet = o.has('quiet') || o.has('brief');
  const out = quiet ? () => undefined : (t: string | Uint8Array) => io.stdout(t);
  if (o.has('accept') && o.has('port')) throw new CliError('s_server: give the address once, with -accept or -port');
  const { host, port } = hostPort('s_server', '-accept', o.str('accept') ?? String(o.int('port') ?? 4433), '127.0.0.1');
  const version = versionOption(o);
  const naccept = o.int('naccept');
  if (naccept === 0) throw new CliError('s_server: -naccept must be at least 1');
  const nocert = o.has('nocert');
  const certPath = o.str('cert') ?? 'server.pem', keyPath = o.str('key') ?? certPath;
  const certificate = nocert ? undefined : readText(certPath, 'certificate');
  const privateKey = nocert ? undefined : readText(keyPath, 'private key');
  const servername = o.str('servername');
  if ((o.has('cert2') || o.has('key2')) && servername === undefined) throw new CliError('s_server: -cert2 and -key2 need -servername');
  const cert2Path = o.str('cert2') ?? 'server2.pem', key2Path = o.str('key2') ?? cert2Path;
  const cert2 = servername !== undefined && !nocert ? readText(cert2Path, 'certificate') : undefined;
  const key2 = servername !== undefined && !nocert ? readText(key2Path, 'private key') : undefined;
  const chainPath = o.str('chainCAfile');
  const chainCAs = chainPath !== undefined ? readText(chainPath, 'chain CA file') : undefined;
  const caPath = o.str('CAfile');
  const ca = caPath !== undefined ? readText(caPath, 'CA file') : undefined;
  if ((o.has('verify') || o.has('Verify')) && ca === undefined) throw new CliError('s_server: -verify and -Verify need -CAfile to verify client certificates with');
  const keylogPath = o.str('keylogfile');
  const keylog = keylogPath !== undefined ? keylogWriter(keylogPath) : undefined;
  const alpn = o.str('alpn')?.split(',').filter(p => p !== '');
  if (alpn && alpn.length === 0) throw new CliError('s_server: -alpn needs at least one protocol name');
  const psk = pskArgs(o);
  const pskHint = o.str('psk_hint');
  const earlyData = o.has('early_data');
  if (earlyData && o.has('rev')) throw new CliError("Can't use -early_data in combination with -rev");
  const maxEarly = o.int('max_early_data') ?? (earlyData ? 16384 : undefined); // SSL3_RT_MAX_PLAIN_LENGTH, as native
  const recvMaxEarly = o.int('recv_max_early_data');
  if (maxEarly !== undefined && maxEarly < 0) throw new CliError('Invalid value for max_early_data');
  if (recvMaxEarly !== undefined && recvMaxEarly < 0) throw new CliError('Invalid value for recv_max_early_data');
  const sidCtx = o.str('context');
  if (sidCtx !== undefined && new TextEncoder().encode(sidCtx).length > 32) throw new CliError('s_server: -context is at most 32 bytes');

  // As s_server, when the options are read.
  if (o.has('Verify') && !quiet) io.stderr(`verify depth is ${o.int('Verify')}, must return a certificate\n`);
  else if (o.has('verify') && !quiet) io.stderr(`verify depth is ${o.int('verify')}\n`);
  const verifyQuiet = o.has('brief') || o.has('verify_quiet');
  const keymat = keymatOption('s_server', o);
  const trace = o.has('trace');
  const alertTraces = new WeakMap<Connection, string>();

  const echKeyPath = o.str('ech_key');
  const echKey = echKeyPath !== undefined ? readText(echKeyPath, 'ECH PEM file') : undefined;

  const ossl = await instance(io);
  if (echKey !== undefined && ossl.line !== '4.0') throw new CliError('s_server: -ech_key needs the OpenSSL 4.0 line: run with OPENSSL_WASM_LINE=4.0');
  // As s_server: a hint, but not where only TLS 1.3 (which has none) may be negotiated.
  if (pskHint !== undefined && version === 'TLSv1.3') out('PSK warning: there is NO identity hint in TLSv1.3\n');
  const pskSession = psk && pskSessionOf('s_server', ossl, psk);
  const onPskFind = psk && pskSession ? serverPskFind(ossl, psk, pskSession, t => out(t)) : undefined;
  const options = (o.has('no_ticket') ? SSL_OP_NO_TICKET : 0n) | (o.has('serverpref') ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0n);
  const make = (cert: string | undefined, key: string | undefined): Context => {
    const ctx = ossl.createContext({
      preferChaCha: false, // OpenSSL's own order, so that lines compare with native OpenSSL's
      role: 'server',
      certificate: cert, privateKey: key, ca,
      onPskFind, pskIdentityHint: version === 'TLSv1.3' ? undefined : pskHint,
      verifyPeer: o.has('Verify'),
      minVersion: version, maxVersion: version,
      groups: o.str('groups') ?? o.str('curves'),
      cipherSuites: o.str('ciphersuites'),
      cipherList: o.str('cipher'),
      options: options || undefined,
      numTickets: o.int('num_tickets'),
      maxEarlyData: maxEarly,
      recvMaxEarlyData: recvMaxEarly,
      alpn,
      keylog,
      ...(echKey !== undefined ? { echKeys: [echKey] } : {}),
      sessionIdContext: sidCtx ?? NATIVE_SID_CTX,
      // As s_server: no cache with -no_cache, else a cache of 128.
      sessionCacheMode: o.has('no_cache') ? SSL_SESS_CACHE_OFF : undefined,
      sessionCacheSize: o.has('no_cache') ? undefined : 128,
      // -trace: SSL_trace's text, to standard output as native (even with -quiet).
      onTrace: trace ? text => io.stdout(text) : undefined,
      onMessage: (m, c) => {
        if (o.has('msg') && !trace) io.stdout(formatMessage(m));
        // A fatal alert of ours ends the handshake and frees the connection: keep the verify lines now.
        if (c && m.direction === 'sent' && m.contentType === 21) alertTraces.set(c, verifyTrace(ossl.raw, c.pointer, verifyQuiet));
      },
    });
    try {
      // As s_server: the apps' verify callback, going on past errors unless -verify_return_error.
      setVerifyTrace(ossl.raw, ctx, {
        mode: o.has('Verify') ? 'require' : o.has('verify') ? 'peer' : 'none',
        depth: o.int('Verify') ?? o.int('verify') ?? -1,
        returnError: o.has('verify_return_error'),
      });
      if (chainCAs !== undefined) chainStore(ossl.raw, ctx, chainCAs, chainPath!);
    } catch (e) {
      ctx.free();
      throw e;
    }
    return ctx;
  };
  let context: Context;
  try {
    context = make(certificate, privateKey);
  } catch (e) {
    pskSession?.free();
    throw tlsSetupError('s_server', e, { cert: certPath, key: keyPath, ca: caPath });
  }
  let context2: Context | null = null;
  if (servername !== undefined) {
    out('Setting secondary ctx parameters\n');
    try {
      context2 = make(cert2, key2);
    } catch (e) {
      context.free();
      pskSession?.free();
      throw tlsSetupError('s_server', e, { cert: cert2Path, key: key2Path, ca: caPath });
    }
    sniSwitch(context, context2, servername, t => out(t));
  }

  const pump = new InputPump(io.stdin);
  const netServer = createServer({ openssl: ossl, context, handshakeTimeout: HANDSHAKE_TIMEOUT });
  let stopping = false;
  let open = 0, accepted = 0;
  const live = new Set<TLSSocket>();
  let finished!: () => void;
  const done = new Promise<void>(r => { finished = r; });
  const maybeFinish = () => { if (stopping && open === 0) finished(); };
  const server: Server = {
    io, ossl, argv, context, pump, out, quiet, brief: o.has('brief'), keymat, echKeys: echKey !== undefined,
    stop() {
      if (stopping) return;
      stopping = true;
      netServer.close();
      maybeFinish();
    },
  };
  const secured = new WeakSet<TLSSocket>();
  netServer.on('connection', (socket: net.Socket) => {
    open++;
    accepted++;
    socket.once('close', () => { open--; maybeFinish(); });
    if (naccept !== undefined && accepted >= naccept) server.stop();
  });
  netServer.on('tlsClientError', (e: unknown, tls: TLSSocket) => {
    if (secured.has(tls)) return;
    const c = tls.connection;
    if (c) io.stderr(c.alive ? verifyTrace(ossl.raw, c.pointer, verifyQuiet) : alertTraces.get(c) ?? '');
    io.stderr(`s_server: handshake failed: ${describeTLSError(e)}\n`);
  });
  netServer.on('secureConnection', (tls: TLSSocket) => {
    secured.add(tls);
    io.stderr(verifyTrace(ossl.raw, tls.connection!.pointer, verifyQuiet));
    live.add(tls);
    tls.once('close', () => live.delete(tls));
    // As native: the early-data lines in the default mode (sv_body); -www and friends print none.
    if (earlyData && modes.length === 0) earlyDataReport(tls, out);
    if (o.has('www')) www(server, tls, 1);
    else if (o.has('WWW')) www(server, tls, 2);
    else if (o.has('HTTP')) www(server, tls, 3);
    else if (o.has('rev')) rev(server, tls);
    else echo(server, tls);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      netServer.once('error', reject);
      netServer.listen({ host, port }, () => { netServer.off('error', reject); resolve(); });
    });
  } catch (e) {
    pump.close();
    context.free();
    context2?.free();
    pskSession?.free();
    throw new CliError(`s_server: cannot listen on ${host}:${port}: ${systemReason(e)}`);
  }
  netServer.on('error', e => io.stderr(`s_server: ${systemReason(e)}\n`));
  const address = netServer.address() as net.AddressInfo;
  // As native (report_server_accept): the address only when the port was chosen by the system.
  out(port === 0 ? `ACCEPT ${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}\n` : 'ACCEPT\n');

  const stoppedBySignal = await Promise.race([done.then(() => false), aborted(io.signal)]);
  if (stoppedBySignal) {
    server.stop();
    for (const tls of live) tls.destroy();
    await Promise.race([done, new Promise(r => setTimeout(r, 1000))]);
  }
  pump.close();
  out(cacheStats(context));
  context.free(); // and with it any connection still alive
  context2?.free();
  pskSession?.free();
  return 0;
}

function versionOption(o: Options): TLSVersion | undefined {
  if (o.has('tls1_2') && o.has('tls1_3')) throw new CliError('s_server: choose one of -tls1_2 and -tls1_3');
  return o.has('tls1_2') ? 'TLSv1.2' : o.has('tls1_3') ? 'TLSv1.3' : undefined;
}

/** Reports errors after the handshake on stderr (once), unless the connection is being closed. */
function watchErrors(s: Server, tls: TLSSocket): void {
  tls.on('error', e => {
    if (!tls.writableEnded) s.io.stderr(`s_server: connection failed: ${describeTLSError(e)}\n`);
  });
}

/** Complete lines as they arrive (at most 16 KB each, as the native buffer). */
function onLines(tls: TLSSocket, fn: (line: string) => boolean | void): void {
  let pending = '';
  const decoder = new TextDecoder();
  tls.on('data', (d: Uint8Array) => {
    pending += decoder.decode(d, { stream: true });
    for (;;) {
      let i = pending.indexOf('\n');
      if (i < 0 && pending.length >= 16384) i = 16383;
      if (i < 0) return;
      const line = pending.slice(0, i + 1);
      pending = pending.slice(i + 1);
      if (fn(line) === false) { tls.removeAllListeners('data'); return; }
    }
  });
}

/**
 * -www (mode 1): on `GET `, the status page, then close. -WWW (2) and -HTTP (3): `GET /path` sends
 * the file (-WWW's `GET /stats ` the status page), then close.
 */
function www(s: Server, tls: TLSSocket, mode: 1 | 2 | 3): void {
  watchErrors(s, tls);
  onLines(tls, line => {
    const c = tls.connection!;
    if ((mode === 1 && line.startsWith('GET ')) || (mode === 2 && line.startsWith('GET /stats '))) {
      tls.end(statusPage(s.ossl.raw, c, s.argv, s.context));
      return false;
    }
    if (mode !== 1 && line.startsWith('GET /')) {
      const r = fileResponse(line, mode);
      if (r.log && !s.quiet) s.io.stderr(r.log);
      if (r.fd === undefined) {
        tls.end(r.body);
      } else {
        if (r.body) tls.write(r.body);
        // A piece at a time as the client takes them; the file is closed at its end or on an error.
        pipeline(createReadStream('', { fd: r.fd }), tls, () => undefined);
      }
      return false;
    }
    return true;
  });
}

/** -rev: print_ssl_summary on stderr, then each line reversed until `CLOSE` or the end. */
function rev(s: Server, tls: TLSSocket): void {
  watchErrors(s, tls);
  s.io.stderr(`CONNECTION ESTABLISHED\n${sslSummary(sslRef(s.ossl.raw, tls.connection!))}`);
  let reported = false;
  const closed = () => { if (!reported) s.io.stderr('CONNECTION CLOSED\n'); reported = true; };
  tls.once('close', closed);
  onLines(tls, line => {
    const text = line.replace(/[\r\n]+$/, '');
    if (tls.destroyed || tls.writableEnded) return false;
    if (text === 'CLOSE') {
      closed();
      tls.end();
      return false;
    }
    tls.write(`${[...text].reverse().join('')}\n`);
    return true;
  });
}

/** print_connection_info of s_server.c: what the default mode prints for a new connection. */
/**
 * s_server's early-data lines. The engine read the early data before the handshake completed, so
 * at 'secureConnection' the socket's buffer holds exactly it: taken out here, printed between the
 * lines native prints around it.
 */
function earlyDataReport(tls: TLSSocket, out: (t: string | Uint8Array) => void): void {
  const status = tls.connection!.earlyDataStatus;
  const data = status === 'accepted' ? tls.read() as Buffer | null : null;
  if (data && data.length > 0) {
    out('Early data received:\n');
    out(new Uint8Array(data));
    out('\nEnd of early data\n');
  } else {
    out(status === 'rejected' ? 'Early data was rejected\n' : 'No early data received\n');
  }
}

function connectionInfo(s: Server, c: Connection): string {
  const raw = s.ossl.raw;
  const ref = sslRef(raw, c);
  let out = '';
  out += sessionText(c, session => session.toPEM());
  const peer = raw.capi.SSL_get0_peer_certificate(c.pointer);
  if (peer) out += `Client certificate\n${certificatePEM(raw, peer)}${subjectIssuerLines(raw, peer)}`;
  const shared = sharedCiphers(ref, 8192);
  if (shared !== null) out += `Shared ciphers:${shared}\n`;
  const formats = pointFormatsLine(ref);
  for (const l of [...sigalgsLines(ref), ...(formats ? [formats] : []), ...groupsLines(ref, false)]) out += `${l}\n`;
  out += caNamesBlock(ref);
  out += `CIPHER is ${c.cipher ?? '(NONE)'}\n`;
  if (c.sessionReused) out += 'Reused session-id\n';
  out += `${renegotiationNote(ref)}\n`;
  // The 4.0 line, with -ech_key: what ECH did, in s_client's words (native prints it from its ECH callback).
  if (s.echKeys) out += echReport(c);
  return s.keymat ? out + keymatBlock(c, s.keymat) : out;
}

/** Default: print_connection_info, then the client's data to stdout and stdin to the client. */
function echo(s: Server, tls: TLSSocket): void {
  watchErrors(s, tls);
  const c = tls.connection!;
  if (s.brief) s.io.stderr(sslSummary(sslRef(s.ossl.raw, c)));
  s.out(connectionInfo(s, c));
  tls.on('data', (d: Uint8Array) => peerToStdout(s.io, tls, d));
  let ended = false;
  const finish = (why: 'peer' | 'input') => {
    if (ended) return;
    ended = true;
    s.pump.detach();
    s.out(why === 'peer' ? 'DONE\nshutting down SSL\nCONNECTION CLOSED\n' : 'DONE\n');
    if (why === 'input') {
      // As native (sv_body): the end of standard input stops the server, but with -quiet or
      // -brief, which read no commands from it, it only ends this connection (native's write of
      // nothing fails there, and the server accepts the next one).
      if (!s.quiet) s.stop();
      if (!tls.writableEnded) tls.end();
    }
  };
  tls.once('end', () => finish('peer'));
  tls.once('close', () => finish('peer'));
  s.pump.attach(chunk => { if (!tls.writableEnded && !tls.destroyed && !tls.write(chunk)) return drained(tls); }, () => finish('input'));
}
