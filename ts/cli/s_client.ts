/// <reference types="node" />
/**
 * `openssl-wasm s_client`: a TLS client in the manner of `openssl s_client`. Standard input goes to
 * the server, what the server sends goes to standard output, and the connection report (chain,
 * signature and key-exchange lines, the `New, TLSv1.3, Cipher is ...` block, the session tickets) is
 * printed as OpenSSL 3.5 prints it, by OpenSSL's own functions (ssl-print.ts, x509-print.ts).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { connect, type TLSSocket } from '../io/node.ts';
import type { Connection } from '../oo/connection.ts';
import type { Context, TLSVersion } from '../oo/context.ts';
import type { OpenSSL } from '../oo/openssl.ts';
import type { Session } from '../oo/session.ts';
import { SSL_OP_NO_TICKET } from '../raw/constants.ts';
import { hostPort, parseOptions, usage, type OptionSpec, type Options } from './args.ts';
import { CliError, drained, InputPump, peerToStdout, instance, oneLine, openSSLReason, readText, sleep, systemReason, writeFile, type CliIO } from './io.ts';
import { aborted, caDirectory, describeTLSError, systemCAs, tlsSetupError, waitEvent } from './tls.ts';
import { formatMessage, keylogWriter } from './report.ts';
import { keymatBlock, keymatOption, KEYMAT_OPTIONS, type Keymat } from './keymat.ts';
import { echReport } from './ech.ts';
import type { ClientEchOptions } from '../oo/ech.ts';
import { clientPsk, pskArgs, pskSessionOf, PSK_OPTIONS } from './psk.ts';
import { caNamesBlock, newOrReused, peerCertificate, peerChain, renegotiationNote, sessionText, sigalgsLines, sslRef, sslSummary, tmpKeyLine, verifyDetail } from './ssl-print.ts';
import { startTLS, STARTTLS_PROTOCOLS, type StartTLSProtocol } from './starttls.ts';
import { setVerifyTrace, verifyTrace } from './verify-trace.ts';
import { certificatePEM, chainBlock, keyBits, subjectIssuerLines } from './x509-print.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'connect', kind: 'value', arg: 'host:port', help: 'Server to connect to (default localhost:4433)' },
  { name: 'servername', kind: 'value', arg: 'name', help: 'Server name for SNI (default: the host, unless an IP address)' },
  { name: 'noservername', kind: 'flag', help: 'Send no SNI' },
  { name: 'CAfile', kind: 'value', arg: 'file', help: 'PEM CA certificates to verify the server with (default: the system bundle)' },
  { name: 'CApath', kind: 'value', arg: 'dir', help: 'A directory of PEM CA certificates to verify the server with' },
  { name: 'no-CAfile', kind: 'flag', help: 'Do not load the system CA bundle' },
  { name: 'no-CApath', kind: 'flag', help: 'Same as -no-CAfile (the system CAs are one bundle here)' },
  { name: 'verify', kind: 'int', arg: 'depth', help: 'Verify the server (errors deeper than depth fail the handshake)' },
  { name: 'verify_quiet', kind: 'flag', help: 'Only verification errors on standard error' },
  { name: 'cert', kind: 'value', arg: 'file', help: 'PEM client certificate (and chain)' },
  { name: 'key', kind: 'value', arg: 'file', help: 'PEM private key of -cert (default: read from the -cert file)' },
  { name: 'verify_return_error', kind: 'flag', help: 'Abort the handshake if the server certificate does not verify' },
  { name: 'tls1_2', kind: 'flag', help: 'Just use TLSv1.2' },
  { name: 'tls1_3', kind: 'flag', help: 'Just use TLSv1.3' },
  { name: 'groups', kind: 'value', arg: 'list', help: 'Key-exchange groups to offer, e.g. X25519:P-256' },
  { name: 'curves', kind: 'value', arg: 'list', help: 'Same as -groups' },
  { name: 'ciphersuites', kind: 'value', arg: 'list', help: 'TLSv1.3 cipher suites' },
  { name: 'cipher', kind: 'value', arg: 'list', help: 'TLSv1.2 cipher list' },
  { name: 'alpn', kind: 'value', arg: 'list', help: 'ALPN protocols to offer, comma-separated' },
  { name: 'no_ticket', kind: 'flag', help: 'Do not ask for session tickets' },
  { name: 'sess_out', kind: 'value', arg: 'file', help: 'Write each new session to this file (PEM)' },
  { name: 'sess_in', kind: 'value', arg: 'file', help: 'Resume the session in this file (PEM)' },
  { name: 'early_data', kind: 'value', arg: 'file', help: 'File to send as early data (with -sess_in: a session that allows it)' },
  { name: 'reconnect', kind: 'flag', help: 'Drop and reconnect 5 times with the same session' },
  { name: 'keylogfile', kind: 'value', arg: 'file', help: 'Append TLS secrets to this file (NSS key log format)' },
  { name: 'msg', kind: 'flag', help: 'Show the protocol messages' },
  { name: 'trace', kind: 'flag', help: 'Show trace output of protocol messages (SSL_trace; wins over -msg)' },
  ...KEYMAT_OPTIONS,
  { name: 'showcerts', kind: 'flag', help: 'Show every certificate the server sent, in PEM' },
  { name: 'brief', kind: 'flag', help: 'Only a short connection summary, on standard error' },
  { name: 'status', kind: 'flag', help: 'Ask for OCSP stapling (not in this build: OpenSSL is configured without OCSP)' },
  { name: 'starttls', kind: 'value', arg: 'proto', help: `Upgrade a plaintext connection first: ${STARTTLS_PROTOCOLS.join(', ')}` },
  { name: 'name', kind: 'value', arg: 'host', help: 'Host name for -starttls (EHLO, XMPP to=)' },
  { name: 'xmpphost', kind: 'value', arg: 'host', help: 'Same as -name' },
  { name: 'quiet', kind: 'flag', help: 'No connection report; implies -ign_eof' },
  { name: 'ign_eof', kind: 'flag', help: 'Stay connected when standard input ends' },
  ...PSK_OPTIONS,
  // Encrypted Client Hello, as native 4.0 (OPENSSL_WASM_LINE=4.0)
  { name: 'ech_config_list', kind: 'value', arg: 'b64', help: 'The server\'s ECHConfigList, base64 (its HTTPS DNS record\'s ech=); -servername is then the inner name' },
  { name: 'ech_outer_sni', kind: 'value', arg: 'name', help: 'The outer ClientHello\'s name (default: the ECHConfig\'s public_name)' },
  { name: 'ech_no_outer_sni', kind: 'flag', help: 'No name in the outer ClientHello' },
  { name: 'ech_outer_alpn', kind: 'value', arg: 'list', help: 'ALPN protocols of the outer ClientHello, comma-separated' },
  { name: 'ech_grease', kind: 'flag', help: 'Send a GREASE ECH extension' },
  { name: 'ech_grease_suite', kind: 'value', arg: 'suite', help: 'HPKE suite of the GREASE ECH' },
];

const CONNECT_TIMEOUT = 30_000;
const HANDSHAKE_TIMEOUT = 30_000;
/** How long to wait for a TLS 1.3 ticket before a reconnect or an -sess_out exit, and for the close. */
const TICKET_WAIT = 1_500;
const CLOSE_WAIT = 1_000;

interface Setup {
  host: string;
  port: number;
  servername: string | undefined;
  out: (text: string) => void;
  io: CliIO;
  ossl: OpenSSL;
  context: Context;
  showcerts: boolean;
  brief: boolean;
  /** -brief, -verify_quiet: only verification errors on standard error. */
  verifyQuiet: boolean;
  /** The verify callback's lines of connections that failed with an alert of ours. */
  alertTraces: WeakMap<Connection, string>;
  starttls: StartTLSProtocol | undefined;
  protohost: string | undefined;
  /** -keymatexport */
  keymat: Keymat | undefined;
  /** -ech_* */
  ech: ClientEchOptions | undefined;
}

/** What the connections of one run share: the latest session and the tickets per connection. */
class Sessions {
  latest: Session | null = null;
  tickets = new WeakMap<Connection, number>();
  #waiters: (() => void)[] = [];
  #sessOutFailed = false;

  constructor(private readonly sessOut: string | undefined, private readonly out: (t: string) => void, private readonly err: (t: string) => void) {}

  /** The context's onNew: keep it, write -sess_out, report a TLS 1.3 ticket (new_session_cb of s_client.c). */
  arrived(s: Session, c: Connection | null): void {
    this.latest?.free();
    this.latest = s.ref();
    if (c) this.tickets.set(c, (this.tickets.get(c) ?? 0) + 1);
    if (this.sessOut !== undefined) {
      try {
        writeFile(this.sessOut, s.toPEM(), 'session file');
      } catch (e) {
        if (!this.#sessOutFailed) this.err(`s_client: ${oneLine(e)}\n`);
        this.#sessOutFailed = true;
      }
    }
    if (s.protocol === 'TLSv1.3') this.out(`---\nPost-Handshake New Session Ticket arrived:\n${s.print()}---\n`);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits (bounded) until `c` has had a session, or it closes. */
  async waitFor(c: Connection, tls: TLSSocket, ms: number): Promise<void> {
    if ((this.tickets.get(c) ?? 0) > 0) return;
    await new Promise<void>(resolve => {
      const done = () => { clearTimeout(t); tls.off('close', done); resolve(); };
      const t = setTimeout(done, ms);
      tls.once('close', done);
      this.#waiters.push(() => { if ((this.tickets.get(c) ?? 0) > 0) done(); });
    });
  }

  free(): void {
    this.latest?.free();
    this.latest = null;
  }
}

export async function sClient(argv: string[], io: CliIO): Promise<number> {
  const o = parseOptions('s_client', OPTIONS, argv, 1);
  if (o.help) {
    io.stdout(usage('s_client', '[options] [host:port]', OPTIONS));
    return 0;
  }
  if (o.has('connect') && o.rest.length) throw new CliError('s_client: give the server once, with -connect or as host:port');
  const { host, port } = hostPort('s_client', '-connect', o.str('connect') ?? o.rest[0] ?? 'localhost:4433');
  if (port === 0) throw new CliError('s_client: -connect: port 0 is not a port to connect to');
  const version = versionOption(o);
  const servername = o.has('noservername') ? undefined : o.str('servername') ?? (net.isIP(host) ? undefined : host);

  // Files first: a missing one is a user error before anything connects.
  const certPath = o.str('cert'), keyPath = o.str('key') ?? certPath;
  if (o.has('key') && !certPath) throw new CliError('s_client: -key needs -cert');
  const certificate = certPath !== undefined ? readText(certPath, 'certificate') : undefined;
  const privateKey = keyPath !== undefined ? readText(keyPath, 'private key') : undefined;
  if (o.has('status')) throw new CliError('s_client: -status: OCSP stapling is not available: this build of OpenSSL is configured without OCSP (OPENSSL_NO_OCSP)');
  const starttls = o.str('starttls');
  if (starttls !== undefined && !(STARTTLS_PROTOCOLS as readonly string[]).includes(starttls)) {
    throw new CliError(`s_client: -starttls: unknown protocol '${starttls}' (supported: ${STARTTLS_PROTOCOLS.join(', ')})`);
  }
  const caPath = o.str('CAfile'), caDir = o.str('CApath');
  const cas = [caPath !== undefined ? readText(caPath, 'CA file') : null, caDir !== undefined ? caDirectory(caDir) : null]
    .filter((c): c is string => c !== null);
  const ca = cas.length ? cas.join('\n') : o.has('no-CAfile') || o.has('no-CApath') ? undefined : systemCAs();
  const sessIn = o.str('sess_in');
  const sessInPem = sessIn !== undefined ? readText(sessIn, 'session file') : undefined;
  const keylogPath = o.str('keylogfile');
  const keylog = keylogPath !== undefined ? keylogWriter(keylogPath) : undefined;
  const earlyDataFile = o.str('early_data');
  const earlyData = earlyDataFile !== undefined ? readEarlyData(earlyDataFile) : undefined;
  const brief = o.has('brief');
  const quiet = o.has('quiet') || brief;
  const out = quiet ? () => undefined : (t: string) => io.stdout(t);
  const verify = o.int('verify');
  const keymat = keymatOption('s_client', o);
  const trace = o.has('trace');
  if (verify !== undefined && !quiet) io.stderr(`verify depth is ${verify}\n`);
  const alpn = o.str('alpn')?.split(',').filter(p => p !== '');
  if (alpn && alpn.length === 0) throw new CliError('s_client: -alpn needs at least one protocol name');
  const psk = pskArgs(o);
  const ech = echOptions(o);

  const ossl = await instance(io);
  if (ech && ossl.line !== '4.0') throw new CliError('s_client: -ech_* options need the OpenSSL 4.0 line: run with OPENSSL_WASM_LINE=4.0');
  const verifyQuiet = brief || o.has('verify_quiet');
  const alertTraces = new WeakMap<Connection, string>();
  const sessions = new Sessions(o.str('sess_out'), out, t => io.stderr(t));
  let context: Context;
  // The context keeps its own reference to the PSK session: this one is freed once it is made.
  const pskSession = psk && pskSessionOf('s_client', ossl, psk);
  try {
    context = ossl.createContext({
      preferChaCha: false, // OpenSSL's own order, so that lines compare with native OpenSSL's
      role: 'client',
      psk: psk && pskSession ? clientPsk(psk, pskSession) : undefined,
      verifyPeer: o.has('verify_return_error'),
      minVersion: version, maxVersion: version,
      certificate, privateKey,
      ca: ca ?? undefined,
      groups: o.str('groups') ?? o.str('curves'),
      cipherSuites: o.str('ciphersuites'),
      cipherList: o.str('cipher'),
      options: o.has('no_ticket') ? SSL_OP_NO_TICKET : undefined,
      alpn,
      keylog,
      // -trace: SSL_trace's text, to standard output as native (even with -quiet).
      onTrace: trace ? text => io.stdout(text) : undefined,
      onMessage: (m, c) => {
        if (o.has('msg') && !trace) io.stdout(formatMessage(m));
        // A fatal alert of ours ends the handshake and frees the connection: keep the verify
        // callback's lines now, for the failure report.
        if (c && m.direction === 'sent' && m.contentType === 21) alertTraces.set(c, verifyTrace(ossl.raw, c.pointer, verifyQuiet));
      },
      sessionCallbacks: { onNew: (s, c) => sessions.arrived(s, c) },
    });
    // As s_client: the apps' verify callback always (its depth lines), failing only when asked.
    try {
      setVerifyTrace(ossl.raw, context, {
        mode: verify !== undefined || o.has('verify_return_error') ? 'peer' : 'none',
        depth: verify ?? -1,
        returnError: o.has('verify_return_error'),
      });
    } catch (e) {
      context.free();
      throw e;
    }
  } catch (e) {
    throw tlsSetupError('s_client', e, { cert: certPath, key: keyPath, ca: caPath });
  } finally {
    pskSession?.free();
  }
  let first: Session | null = null;
  const pump = new InputPump(io.stdin);
  try {
    if (sessInPem !== undefined) {
      try {
        first = ossl.sessionFromPEM(sessInPem);
      } catch (e) {
        throw new CliError(`s_client: cannot read a session from ${sessIn}: ${openSSLReason(e)}`);
      }
    }
    const setup: Setup = {
      host, port, servername, out, io, ossl, context, brief,
      verifyQuiet, alertTraces,
      showcerts: o.has('showcerts'),
      starttls: starttls as StartTLSProtocol | undefined,
      protohost: o.str('name') ?? o.str('xmpphost'),
      keymat, ech,
    };
    let reconnects = o.has('reconnect') ? 5 : 0;
    let full = true;
    for (;;) {
      const session = sessions.latest ?? first;
      // As s_client: early data only on a session that allows it, and only on the first connection.
      const early = full && session !== null && session.maxEarlyData > 0 ? earlyData : undefined;
      const { tls, socket } = await open(setup, session, early);
      const c = tls.connection!;
      report(setup, tls, socket, full);
      full = false;
      if (reconnects > 0) {
        reconnects--;
        // TLS 1.3 sessions come after the handshake: wait for one so the next connection resumes.
        if (c.protocol === 'TLSv1.3') await sessions.waitFor(c, tls, TICKET_WAIT);
        out('drop connection and then reconnect\n');
        await close(tls, true);
        continue;
      }
      return await interact(setup, tls, pump, sessions, {
        ignEof: o.has('quiet') || o.has('ign_eof'),
        waitTicket: o.has('sess_out') && c.protocol === 'TLSv1.3',
      });
    }
  } finally {
    pump.close();
    first?.free();
    sessions.free();
    context.free();
  }
}

function versionOption(o: Options): TLSVersion | undefined {
  if (o.has('tls1_2') && o.has('tls1_3')) throw new CliError('s_client: choose one of -tls1_2 and -tls1_3');
  return o.has('tls1_2') ? 'TLSv1.2' : o.has('tls1_3') ? 'TLSv1.3' : undefined;
}

/** Connects the socket, prints CONNECTED, and does the handshake: bounded, errors as CliError. */
async function open(s: Setup, session: Session | null, earlyData?: Uint8Array): Promise<{ tls: TLSSocket; socket: net.Socket }> {
  const socket = net.connect({ host: s.host, port: s.port });
  try {
    await waitEvent(socket, 'connect', CONNECT_TIMEOUT, s.io.signal);
  } catch (e) {
    socket.destroy();
    throw new CliError(`s_client: connect to ${s.host}:${s.port} failed: ${systemReason(e)}`);
  }
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  s.out(`CONNECTED(${(typeof fd === 'number' && fd >= 0 ? fd : 0).toString(16).toUpperCase().padStart(8, '0')})\n`);
  let preamble = '';
  if (s.starttls) {
    try {
      preamble = await startTLS(s.starttls, socket, { host: s.host, protohost: s.protohost, warn: t => s.io.stderr(t) });
    } catch (e) {
      socket.destroy();
      throw e;
    }
  }
  const tls = connect({
    socket,
    host: socket.remoteAddress ?? s.host,
    servername: s.servername,
    openssl: s.ossl,
    context: s.context,
    rejectUnauthorized: false, // the context decides (-verify_return_error); no host-name check, as native
    session: session ?? undefined,
    ...(s.ech ? { ech: s.ech } : {}),
    handshakeTimeout: HANDSHAKE_TIMEOUT,
    // Sent again after the handshake if the server rejects it (the engine's way; native drops it).
    ...(earlyData ? { earlyData } : {}),
  });
  tls.on('data', (d: Uint8Array) => peerToStdout(s.io, tls, d));
  try {
    await waitEvent(tls, 'secureConnect', HANDSHAKE_TIMEOUT + 1000, s.io.signal);
  } catch (e) {
    // What the verification saw, as native prints it during the handshake.
    const c = tls.connection;
    if (c) s.io.stderr(c.alive ? verifyTrace(s.ossl.raw, c.pointer, s.verifyQuiet) : s.alertTraces.get(c) ?? '');
    tls.destroy();
    throw new CliError(`s_client: handshake with ${s.host}:${s.port} failed: ${describeTLSError(e)}`);
  }
  const ref = sslRef(s.ossl.raw, tls.connection!);
  s.io.stderr(verifyTrace(s.ossl.raw, ref.ssl, s.verifyQuiet));
  if (s.brief) s.io.stderr(`CONNECTION ESTABLISHED\n${sslSummary(ref)}`);
  // As native: the server's last plaintext line goes to standard error once TLS is up.
  if (preamble) s.io.stderr(preamble);
  return { tls, socket };
}

/** print_stuff of s_client.c: the connection report, the full one for the first connection. */
function report(s: Setup, tls: TLSSocket, socket: net.Socket, full: boolean): void {
  const c = tls.connection!;
  const raw = s.ossl.raw;
  const ref = sslRef(raw, c);
  let out = '';
  let peer = null;
  if (full) {
    const chain = peerChain(ref);
    if (chain.length) out += `---\n${chainBlock(raw, chain, s.showcerts)}`;
    out += '---\n';
    peer = peerCertificate(ref);
    if (peer !== null) {
      out += 'Server certificate\n';
      if (!(s.showcerts && chain.length)) out += certificatePEM(raw, peer);
      out += subjectIssuerLines(raw, peer);
    } else {
      out += 'no peer certificate available\n';
    }
    out += caNamesBlock(ref);
    for (const l of sigalgsLines(ref)) out += `${l}\n`;
    const key = tmpKeyLine(ref);
    if (key) out += `${key}\n`;
    out += `---\nSSL handshake has read ${socket.bytesRead} bytes and written ${socket.bytesWritten} bytes\n`;
  }
  out += verifyDetail(ref);
  out += `---\n${newOrReused(ref)}\nProtocol: ${c.protocol}\n`;
  if (peer !== null) out += `Server public key is ${keyBits(raw, peer)} bit\n`;
  out += `${renegotiationNote(ref)}\nCompression: NONE\nExpansion: NONE\n`;
  const alpn = c.alpn;
  out += alpn ? `ALPN protocol: ${alpn}\n` : 'No ALPN negotiated\n';
  if (c.protocol === 'TLSv1.3') {
    const v = c.verifyResult;
    out += `${EARLY_DATA_LINES[c.earlyDataStatus]}\nVerify return code: ${v.code} (${v.message})\n`;
  } else {
    out += sessionText(c, session => session.print());
  }
  if (s.keymat) out += keymatBlock(c, s.keymat);
  out += '---\n';
  // As native 4.0's print_stuff: the ECH block on the 4.0 line.
  const echBlock = echReport(c);
  if (echBlock) out += `${echBlock}---\n`;
  s.out(out);
}

/** The -ech_* options as ConnectionOptions.ech, checked as native checks them. */
function echOptions(o: Options): ClientEchOptions | undefined {
  const configList = o.str('ech_config_list');
  const outerAlpn = o.str('ech_outer_alpn')?.split(',').filter(p => p !== '');
  if ((o.has('ech_outer_sni') || o.has('ech_outer_alpn') || o.has('ech_no_outer_sni')) && configList === undefined) {
    throw new CliError('s_client: Can\'t use -ech_outer_sni nor -ech_outer_alpn nor -no_ech_outer_sni without -ech_config_list');
  }
  if (o.has('ech_outer_sni') && o.has('ech_no_outer_sni')) throw new CliError('s_client: can\'t set -ech_no_outer_sni and -ech_outer_sni together.');
  const grease = o.str('ech_grease_suite') ?? o.has('ech_grease');
  if (configList === undefined && !grease) return undefined;
  return {
    ...(configList !== undefined ? { configList } : {}),
    ...(o.has('ech_outer_sni') ? { outerServerName: o.str('ech_outer_sni') } : {}),
    ...(o.has('ech_no_outer_sni') ? { noOuterServerName: true } : {}),
    ...(outerAlpn ? { outerAlpn } : {}),
    ...(grease ? { grease } : {}),
  };
}

/** print_stuff's early-data line, per SSL_get_early_data_status. */
const EARLY_DATA_LINES = { 'not-sent': 'Early data was not sent', rejected: 'Early data was rejected', accepted: 'Early data was accepted' } as const;

/** The -early_data file, as native reads it (BIO_new_file): "Cannot open early data file" otherwise. */
function readEarlyData(path: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(path));
  } catch (e) {
    throw new CliError(`Cannot open early data file\ns_client: ${path}: ${systemReason(e)}`);
  }
}

/** The last connection: standard input to the server until either side ends. */
async function interact(s: Setup, tls: TLSSocket, pump: InputPump, sessions: Sessions,
  o: { ignEof: boolean; waitTicket: boolean }): Promise<number> {
  let closing = false;
  let failure: unknown = null;
  tls.on('error', e => { if (!closing) failure = e; });
  tls.on('end', () => { if (!closing) s.out('closed\n'); });
  const closed = new Promise<void>(r => tls.once('close', () => r()));
  const c = tls.connection!;
  pump.attach(chunk => {
    if (!tls.destroyed && !tls.writableEnded && !tls.write(chunk)) return drained(tls);
  }, () => {
    if (o.ignEof || tls.destroyed) return;
    s.io.stderr('DONE\n');
    closing = true;
    void (async () => {
      if (o.waitTicket) await sessions.waitFor(c, tls, TICKET_WAIT);
      await close(tls, true);
    })();
  });
  const stopped = await Promise.race([closed.then(() => false), aborted(s.io.signal)]);
  pump.detach();
  if (stopped) {
    closing = true;
    await close(tls, false);
    return 0;
  }
  if (failure) {
    s.io.stderr(`s_client: connection to ${s.host}:${s.port} failed: ${describeTLSError(failure)}\n`);
    return 1;
  }
  return 0;
}

/** Sends close_notify and waits (bounded) for the connection to close; destroys it otherwise. */
async function close(tls: TLSSocket, graceful: boolean): Promise<void> {
  if (tls.destroyed) return;
  const closed = new Promise<void>(r => tls.once('close', () => r()));
  tls.on('error', () => undefined);
  if (graceful && !tls.writableEnded) tls.end();
  else tls.destroy();
  const timer = sleep(CLOSE_WAIT);
  await Promise.race([closed, timer]);
  if (!tls.destroyed) tls.destroy();
}
