/// <reference types="node" />
/**
 * `s_client -starttls`: the plaintext exchange that upgrades a connection to TLS, as
 * apps/s_client.c does it for SMTP, IMAP, POP3, FTP and XMPP, on the socket before the handshake.
 * Every read is bounded; a server that refuses the upgrade is a user error naming its reply.
 */
import type * as net from 'node:net';
import { CliError, oneLine } from './io.ts';

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp', 'xmpp'] as const;
export type StartTLSProtocol = typeof STARTTLS_PROTOCOLS[number];

const READ_TIMEOUT = 15_000;
/** BUFSIZZ of s_client.c: native reads each reply line into a buffer this size (BIO_gets). */
const BUFSIZZ = 16 * 1024;
/**
 * Lines of one multi-line reply. Native s_client loops for as long as the server continues; real
 * EHLO, CAPABILITY and FTP greetings are tens of lines, so a server past this is not one to wait on.
 */
export const MAX_REPLY_LINES = 1000;

/**
 * Reads from a socket in lines or chunks, each read bounded in time. What is buffered is bounded
 * too: the socket is paused once more than BUFSIZZ waits unread, so a flood waits in the kernel
 * (and then the server), not here; a line is cut from an offset, not by copying the rest per line.
 */
class Reader {
  #buf = '';
  /** Start of what is unread in #buf. */
  #pos = 0;
  /** #buf has no line end between #pos and here. */
  #scanned = 0;
  #ended = false;
  #paused = false;
  #wake: (() => void) | null = null;
  readonly #onData = (d: Buffer) => {
    this.#buf += d.toString('latin1');
    if (this.#buf.length - this.#pos > BUFSIZZ && !this.#paused) { this.#paused = true; this.socket.pause(); }
    this.#wake?.();
  };
  readonly #onEnd = () => { this.#ended = true; this.#wake?.(); };

  constructor(private readonly socket: net.Socket, private readonly proto: string) {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
  }

  #error(text: string): CliError {
    return new CliError(`s_client: -starttls ${this.proto}: ${text}`);
  }

  /** Takes `n` unread characters; drops what was read once it is most of the buffer. */
  #take(n: number): string {
    const out = this.#buf.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    this.#scanned = this.#pos;
    if (this.#pos > BUFSIZZ && this.#pos * 2 > this.#buf.length) { this.#buf = this.#buf.slice(this.#pos); this.#scanned -= this.#pos; this.#pos = 0; }
    if (this.#paused && this.#buf.length - this.#pos <= BUFSIZZ) { this.#paused = false; this.socket.resume(); }
    return out;
  }

  async #wait(what: string): Promise<void> {
    if (this.#ended) throw this.#error(`the server closed the connection while ${what}`);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { this.#wake = null; reject(this.#error(`no reply from the server while ${what} (${READ_TIMEOUT / 1000} s)`)); }, READ_TIMEOUT);
      this.#wake = () => { clearTimeout(t); this.#wake = null; resolve(); };
    });
  }

  /** One line with its line ending (BIO_gets on a buffering BIO); a line longer than BUFSIZZ is an error. */
  async line(what: string): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf('\n', this.#scanned);
      if (i >= 0 && i - this.#pos < BUFSIZZ) return this.#take(i + 1 - this.#pos);
      if (i >= 0 || this.#buf.length - this.#pos >= BUFSIZZ) {
        throw this.#error(`the server sent a line longer than ${BUFSIZZ} bytes (s_client's BUFSIZZ) while ${what}`);
      }
      this.#scanned = this.#buf.length;
      await this.#wait(what);
    }
  }

  /**
   * The lines of one reply, up to the one that `more` says ends it (returned), each shown to
   * `each`; past MAX_REPLY_LINES lines is an error.
   */
  async reply(what: string, more: (line: string) => boolean, each: (line: string) => void = () => undefined): Promise<string> {
    for (let n = 1; ; n++) {
      const line = await this.line(what);
      each(line);
      if (!more(line)) return line;
      if (n >= MAX_REPLY_LINES) throw this.#error(`the server's reply ran past ${MAX_REPLY_LINES} lines while ${what}`);
    }
  }

  /** What has arrived, at least one byte and at most BUFSIZZ (BIO_read). */
  async chunk(what: string): Promise<string> {
    while (this.#pos === this.#buf.length) await this.#wait(what);
    return this.#take(Math.min(BUFSIZZ, this.#buf.length - this.#pos));
  }

  /** Stops reading: the socket is the TLS layer's from here on. Returns whether bytes were left unread. */
  release(): boolean {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onEnd);
    // Never left paused with nothing unread (#take resumes); with bytes unread, the caller ends the
    // connection. Not paused otherwise: the TLS layer's listener comes next, in this same turn.
    return this.#pos !== this.#buf.length;
  }
}

function send(socket: net.Socket, text: string): void {
  socket.write(Buffer.from(text, 'latin1'));
}

/** The server's reply in the error: on one line, and cut short (an XMPP reply is a whole read, up to BUFSIZZ). */
const REPLY_SHOWN = 200;

function refused(proto: string, reply: string): never {
  const text = oneLine(reply);
  const shown = text.length > REPLY_SHOWN ? `${text.slice(0, REPLY_SHOWN)}...` : text;
  throw new CliError(`s_client: -starttls ${proto}: the server refused the upgrade: ${shown || '(empty reply)'}`);
}

/**
 * Runs the exchange for `proto`; returns what native s_client later writes to standard error after
 * the handshake (its `mbuf`), and calls `warn` with its "Didn't find STARTTLS" note.
 */
export async function startTLS(proto: StartTLSProtocol, socket: net.Socket, o: { host: string; protohost?: string; warn(text: string): void }): Promise<string> {
  const r = new Reader(socket, proto);
  let mbuf = '';
  let found = false;
  const lookForSTARTTLS = (line: string) => { if (line.includes('STARTTLS')) found = true; };
  try {
    switch (proto) {
      case 'smtp': {
        mbuf = await r.reply('reading the greeting', l => l.length > 3 && l[3] === '-');
        send(socket, `EHLO ${o.protohost ?? 'mail.example.com'}\r\n`);
        mbuf = await r.reply('reading the EHLO reply', l => l.length > 3 && l[3] === '-', lookForSTARTTLS);
        if (!found) o.warn("Didn't find STARTTLS in server response, trying anyway...\n");
        send(socket, 'STARTTLS\r\n');
        const reply = await r.line('reading the STARTTLS reply');
        if (!reply.startsWith('2')) refused(proto, reply);
        break;
      }
      case 'pop3': {
        mbuf = await r.line('reading the greeting');
        send(socket, 'STLS\r\n');
        const reply = await r.line('reading the STLS reply');
        if (!reply.startsWith('+OK')) refused(proto, reply);
        break;
      }
      case 'imap': {
        await r.line('reading the greeting');
        send(socket, '. CAPABILITY\r\n');
        mbuf = await r.reply('reading the CAPABILITY reply', l => l.length > 3 && l[0] !== '.', lookForSTARTTLS);
        if (!found) o.warn("Didn't find STARTTLS in server response, trying anyway...\n");
        send(socket, '. STARTTLS\r\n');
        const reply = await r.line('reading the STARTTLS reply');
        if (!/^\. OK\b/i.test(reply)) refused(proto, reply);
        break;
      }
      case 'ftp': {
        mbuf = await r.reply('reading the greeting', l => l.length > 3 && !/^\d\d\d /.test(l));
        send(socket, 'AUTH TLS\r\n');
        const reply = await r.line('reading the AUTH TLS reply');
        if (!reply.startsWith('234')) refused(proto, reply);
        break;
      }
      case 'xmpp': {
        send(socket, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' " +
          `xmlns='jabber:client' to='${o.protohost ?? o.host}' version='1.0'>`);
        const feature = /<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]/;
        // The stream features may come in pieces: read until the starttls feature has been seen,
        // keeping only a tail as long as the feature's tag from the reads before (it may straddle two).
        let seen = '';
        for (let i = 0; i < 64 && !feature.test(seen); i++) {
          seen = seen.slice(-64) + await r.chunk('waiting for the starttls feature');
        }
        if (!feature.test(seen)) refused(proto, 'no starttls feature');
        send(socket, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        const reply = await r.chunk('waiting for <proceed/>');
        if (!reply.includes('<proceed')) refused(proto, reply);
        mbuf = '';
        break;
      }
    }
  } catch (e) {
    r.release();
    throw e;
  }
  // The server speaks TLS only after the client's hello: anything more is not a STARTTLS server.
  if (r.release()) throw new CliError(`s_client: -starttls ${proto}: the server sent more than its reply before the TLS handshake`);
  return mbuf;
}
