/// <reference types="node" />
/**
 * `openssl-wasm s_server`: a TLS server in the manner of `openssl s_server`, on the Node adapter.
 * Three ways to answer, as native: -www (an HTML page describing the connection, with the
 * `New, TLSv1.3, Cipher is ...` / `Reused, ...` line), -rev (each line back reversed), or by default
 * what the client sends to standard output and standard input to the client.
 */
import type * as net from 'node:net';
import { createServer, type TLSSocket } from '../io/node.ts';
import type { Connection } from '../oo/connection.ts';
import type { Context, TLSVersion } from '../oo/context.ts';
import { NULL } from '../raw/types.ts';
import { SSL_OP_NO_TICKET, SSL_VERIFY_PEER } from '../raw/constants.ts';
import { hostPort, parseOptions, usage, type OptionSpec, type Options } from './args.ts';
import { CliError, InputPump, instance, readText, systemReason, type CliIO } from './io.ts';
import { cacheStats, formatMessage, keylogWriter, newOrReused, RenegotiationWatch } from './report.ts';
import { aborted, describeTLSError, tlsSetupError } from './tls.ts';
import { certificateInfo, tmpKeyLine, toPEM } from './x509.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'accept', kind: 'value', arg: '[host:]port', help: 'Listen here (default 127.0.0.1:4433; port 0 picks a free one)' },
  { name: 'port', kind: 'int', arg: 'port', help: 'Same as -accept 127.0.0.1:port' },
  { name: 'cert', kind: 'value', arg: 'file', help: 'PEM certificate (and chain) (default server.pem)' },
  { name: 'key', kind: 'value', arg: 'file', help: 'PEM private key (default: read from the -cert file)' },
  { name: 'CAfile', kind: 'value', arg: 'file', help: 'PEM CA certificates to verify client certificates with' },
  { name: 'verify', kind: 'int', arg: 'depth', help: 'Ask for a client certificate (verified if sent)' },
  { name: 'Verify', kind: 'int', arg: 'depth', help: 'Require a client certificate' },
  { name: 'tls1_2', kind: 'flag', help: 'Just talk TLSv1.2' },
  { name: 'tls1_3', kind: 'flag', help: 'Just talk TLSv1.3' },
  { name: 'groups', kind: 'value', arg: 'list', help: 'Key-exchange groups to accept' },
  { name: 'curves', kind: 'value', arg: 'list', help: 'Same as -groups' },
  { name: 'ciphersuites', kind: 'value', arg: 'list', help: 'TLSv1.3 cipher suites' },
  { name: 'cipher', kind: 'value', arg: 'list', help: 'TLSv1.2 cipher list' },
  { name: 'alpn', kind: 'value', arg: 'list', help: 'ALPN protocols to accept, comma-separated, in preference order' },
  { name: 'no_ticket', kind: 'flag', help: 'No session tickets (stateful TLSv1.3 tickets, session ids for TLSv1.2)' },
  { name: 'num_tickets', kind: 'int', help: 'TLSv1.3 tickets to send after a full handshake (default 2)' },
  { name: 'context', kind: 'value', arg: 'val', help: 'Session id context' },
  { name: 'www', kind: 'flag', help: 'Answer GET requests with a page describing the connection' },
  { name: 'rev', kind: 'flag', help: 'Send each line back reversed' },
  { name: 'naccept', kind: 'int', help: 'Exit after this many connections' },
  { name: 'keylogfile', kind: 'value', arg: 'file', help: 'Append TLS secrets to this file (NSS key log format)' },
  { name: 'msg', kind: 'flag', help: 'Show the protocol messages' },
];

const HANDSHAKE_TIMEOUT = 30_000;
/** s_server's session id context: the int 1 (`s_server_session_id_context`), as its 4 bytes. */
const NATIVE_SID_CTX = new Uint8Array([1, 0, 0, 0]);

interface Server {
  io: CliIO;
  argv: string[];
  context: Context;
  reneg: RenegotiationWatch;
  pump: InputPump;
  stop(): void;
}

export async function sServer(argv: string[], io: CliIO): Promise<number> {
  const o = parseOptions('s_server', OPTIONS, argv);
  if (o.help) {
    io.stdout(usage('s_server', '[options]', OPTIONS));
    return 0;
  }
  if (o.has('www') && o.has('rev')) throw new CliError('s_server: choose one of -www and -rev');
  if (o.has('accept') && o.has('port')) throw new CliError('s_server: give the address once, with -accept or -port');
  const { host, port } = hostPort('s_server', '-accept', o.str('accept') ?? String(o.int('port') ?? 4433), '127.0.0.1');
  const version = versionOption(o);
  const naccept = o.int('naccept');
  if (naccept === 0) throw new CliError('s_server: -naccept must be at least 1');
  const certPath = o.str('cert') ?? 'server.pem', keyPath = o.str('key') ?? certPath;
  const certificate = readText(certPath, 'certificate');
  const privateKey = readText(keyPath, 'private key');
  const caPath = o.str('CAfile');
  const ca = caPath !== undefined ? readText(caPath, 'CA file') : undefined;
  if ((o.has('verify') || o.has('Verify')) && ca === undefined) throw new CliError('s_server: -verify and -Verify need -CAfile to verify client certificates with');
  const keylogPath = o.str('keylogfile');
  const keylog = keylogPath !== undefined ? keylogWriter(keylogPath) : undefined;
  const alpn = o.str('alpn')?.split(',').filter(p => p !== '');
  if (alpn && alpn.length === 0) throw new CliError('s_server: -alpn needs at least one protocol name');
  const sidCtx = o.str('context');
  if (sidCtx !== undefined && new TextEncoder().encode(sidCtx).length > 32) throw new CliError('s_server: -context is at most 32 bytes');

  const ossl = await instance(io);
  const reneg = new RenegotiationWatch('server');
  let context: Context;
  try {
    context = ossl.createContext({
      preferChaCha: false, // OpenSSL's own order, so that lines compare with native OpenSSL's
      role: 'server',
      certificate, privateKey, ca,
      verifyPeer: o.has('Verify'),
      minVersion: version, maxVersion: version,
      groups: o.str('groups') ?? o.str('curves'),
      cipherSuites: o.str('ciphersuites'),
      cipherList: o.str('cipher'),
      options: o.has('no_ticket') ? SSL_OP_NO_TICKET : undefined,
      numTickets: o.int('num_tickets'),
      alpn,
      keylog,
      sessionIdContext: sidCtx ?? NATIVE_SID_CTX,
      sessionCacheSize: 128, // as s_server sets it
      onMessage: (m, c) => {
        reneg.message(m, c);
        if (o.has('msg')) io.stdout(formatMessage(m));
      },
    });
    // -verify: ask, verify what is sent, accept none (the object layer's verifyPeer requires one).
    if (o.has('verify') && !o.has('Verify')) ossl.raw.capi.SSL_CTX_set_verify(context.pointer, SSL_VERIFY_PEER, NULL);
  } catch (e) {
    throw tlsSetupError('s_server', e, { cert: certPath, key: keyPath, ca: caPath });
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
    io, argv, context, reneg, pump,
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
    if (!secured.has(tls)) io.stderr(`s_server: handshake failed: ${describeTLSError(e)}\n`);
  });
  netServer.on('secureConnection', (tls: TLSSocket) => {
    secured.add(tls);
    live.add(tls);
    tls.once('close', () => live.delete(tls));
    if (o.has('www')) www(server, tls);
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
    throw new CliError(`s_server: cannot listen on ${host}:${port}: ${systemReason(e)}`);
  }
  netServer.on('error', e => io.stderr(`s_server: ${systemReason(e)}\n`));
  const address = netServer.address() as net.AddressInfo;
  // As native (report_server_accept): the address only when the port was chosen by the system.
  io.stdout(port === 0 ? `ACCEPT ${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}\n` : 'ACCEPT\n');

  const stoppedBySignal = await Promise.race([done.then(() => false), aborted(io.signal)]);
  if (stoppedBySignal) {
    server.stop();
    for (const tls of live) tls.destroy();
    await Promise.race([done, new Promise(r => setTimeout(r, 1000))]);
  }
  pump.close();
  io.stdout(cacheStats(context));
  context.free(); // and with it any connection still alive
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

function escapeHTML(s: string): string {
  return s.replace(/[<>&]/g, c => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

function peerLines(c: Connection, title: string): string[] {
  const peer = c.peerCertificate;
  if (!peer) return [];
  const info = certificateInfo(peer);
  return [title, toPEM(peer, 'CERTIFICATE').trimEnd(), ...(info ? [`subject=${info.subject}`, `issuer=${info.issuer}`] : [])];
}

/** -www: on `GET `, the page www_body writes, then close. */
function www(s: Server, tls: TLSSocket): void {
  watchErrors(s, tls);
  onLines(tls, line => {
    if (!line.startsWith('GET ')) return true;
    const c = tls.connection!;
    const page: string[] = ['HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<HTML><BODY BGCOLOR="#ffffff">\n<pre>\n\n'];
    page.push(['s_server', ...s.argv].map(a => `${escapeHTML(a)} `).join('') + '\n');
    const note = s.reneg.note(c);
    if (note) page.push(`${note}\n`);
    page.push(`---\n${newOrReused(c)}\n`);
    const session = c.session;
    if (session) {
      try {
        page.push(session.print());
      } finally {
        session.free();
      }
    }
    page.push('---\n', cacheStats(s.context), '---\n');
    const peer = peerLines(c, 'Client certificate');
    page.push(peer.length ? `${peer.join('\n')}\n` : 'no client certificate available\n');
    page.push('</pre></BODY></HTML>\r\n\r\n');
    tls.end(page.join(''));
    return false;
  });
}

/** -rev: print_ssl_summary on stderr, then each line reversed until `CLOSE` or the end. */
function rev(s: Server, tls: TLSSocket): void {
  watchErrors(s, tls);
  const c = tls.connection!;
  const summary = [`Protocol version: ${c.protocol}`, `Ciphersuite: ${c.cipher}`];
  const peer = c.peerCertificate;
  const info = peer && certificateInfo(peer);
  if (peer) {
    summary.push(`Peer certificate: ${info ? info.subject : '?'}`);
    const v = c.verifyResult;
    summary.push(v.code === 0 ? 'Verification: OK' : `Verification error: ${v.message}`);
  } else {
    summary.push('No peer certificate');
  }
  const key = tmpKeyLine(c.group, c.protocol);
  if (key) summary.push(key);
  s.io.stderr(`CONNECTION ESTABLISHED\n${summary.join('\n')}\n`);
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

/** Default: print_connection_info, then the client's data to stdout and stdin to the client. */
function echo(s: Server, tls: TLSSocket): void {
  watchErrors(s, tls);
  const c = tls.connection!;
  const info: string[] = [];
  const session = c.session;
  if (session) {
    try {
      info.push(session.toPEM().trimEnd());
    } finally {
      session.free();
    }
  }
  info.push(...peerLines(c, 'Client certificate'));
  info.push(`CIPHER is ${c.cipher ?? '(NONE)'}`);
  if (c.sessionReused) info.push('Reused session-id');
  const note = s.reneg.note(c);
  if (note) info.push(note);
  s.io.stdout(`${info.join('\n')}\n`);
  tls.on('data', (d: Uint8Array) => s.io.stdout(d));
  let ended = false;
  const finish = (why: 'peer' | 'input') => {
    if (ended) return;
    ended = true;
    s.pump.detach();
    s.io.stdout(why === 'peer' ? 'DONE\nshutting down SSL\nCONNECTION CLOSED\n' : 'DONE\n');
    if (why === 'input') {
      // As native: the end of standard input stops the server.
      s.stop();
      if (!tls.writableEnded) tls.end();
    }
  };
  tls.once('end', () => finish('peer'));
  tls.once('close', () => finish('peer'));
  s.pump.attach(chunk => { if (!tls.writableEnded && !tls.destroyed) tls.write(chunk); }, () => finish('input'));
}
