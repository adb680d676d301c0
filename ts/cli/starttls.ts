/// <reference types="node" />
/**
 * `s_client -starttls`: the plaintext exchange that upgrades a connection to TLS, as
 * apps/s_client.c does it for SMTP, IMAP, POP3, FTP and XMPP, on the socket before the handshake.
 * Every read is bounded; a server that refuses the upgrade is a user error naming its reply.
 */
import type * as net from 'node:net';
import { CliError } from './io.ts';

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp', 'xmpp'] as const;
export type StartTLSProtocol = typeof STARTTLS_PROTOCOLS[number];

const READ_TIMEOUT = 15_000;
/** BUFSIZZ of s_client.c: no line or reply longer than this is read in one go. */
const BUFSIZZ = 16 * 1024;

/** Reads from a socket in lines or chunks, each read bounded in time. */
class Reader {
  #buf = '';
  #ended = false;
  #wake: (() => void) | null = null;
  readonly #onData = (d: Buffer) => { this.#buf += d.toString('latin1'); this.#wake?.(); };
  readonly #onEnd = () => { this.#ended = true; this.#wake?.(); };

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
  }

  async #wait(what: string): Promise<void> {
    if (this.#ended) throw new CliError(`s_client: -starttls: the server closed the connection while ${what}`);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { this.#wake = null; reject(new CliError(`s_client: -starttls: no reply from the server while ${what} (${READ_TIMEOUT / 1000} s)`)); }, READ_TIMEOUT);
      this.#wake = () => { clearTimeout(t); this.#wake = null; resolve(); };
    });
  }

  /** One line with its line ending (BIO_gets on a buffering BIO). */
  async line(what: string): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf('\n');
      if (i >= 0 || this.#buf.length >= BUFSIZZ) {
        const end = i >= 0 ? i + 1 : BUFSIZZ;
        const line = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end);
        return line;
      }
      await this.#wait(what);
    }
  }

  /** What has arrived, at least one byte (BIO_read). */
  async chunk(what: string): Promise<string> {
    while (this.#buf === '') await this.#wait(what);
    const out = this.#buf.slice(0, BUFSIZZ);
    this.#buf = this.#buf.slice(out.length);
    return out;
  }

  /** Stops reading: the socket is the TLS layer's from here on. Returns whether bytes were left unread. */
  release(): boolean {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onEnd);
    // Not paused: the TLS layer's listener comes next, in this same turn, before any byte can.
    return this.#buf !== '';
  }
}

function send(socket: net.Socket, text: string): void {
  socket.write(Buffer.from(text, 'latin1'));
}

function refused(proto: string, reply: string): never {
  throw new CliError(`s_client: -starttls ${proto}: the server refused the upgrade: ${reply.trim() || '(empty reply)'}`);
}

/**
 * Runs the exchange for `proto`; returns what native s_client later writes to standard error after
 * the handshake (its `mbuf`), and calls `warn` with its "Didn't find STARTTLS" note.
 */
export async function startTLS(proto: StartTLSProtocol, socket: net.Socket, o: { host: string; protohost?: string; warn(text: string): void }): Promise<string> {
  const r = new Reader(socket);
  let mbuf = '';
  try {
    switch (proto) {
      case 'smtp': {
        do mbuf = await r.line('reading the greeting'); while (mbuf.length > 3 && mbuf[3] === '-');
        send(socket, `EHLO ${o.protohost ?? 'mail.example.com'}\r\n`);
        let found = false;
        do {
          mbuf = await r.line('reading the EHLO reply');
          if (mbuf.includes('STARTTLS')) found = true;
        } while (mbuf.length > 3 && mbuf[3] === '-');
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
        let found = false;
        do {
          mbuf = await r.line('reading the CAPABILITY reply');
          if (mbuf.includes('STARTTLS')) found = true;
        } while (mbuf.length > 3 && mbuf[0] !== '.');
        if (!found) o.warn("Didn't find STARTTLS in server response, trying anyway...\n");
        send(socket, '. STARTTLS\r\n');
        const reply = await r.line('reading the STARTTLS reply');
        if (!/^\. OK\b/i.test(reply)) refused(proto, reply);
        break;
      }
      case 'ftp': {
        do mbuf = await r.line('reading the greeting'); while (mbuf.length > 3 && !/^\d\d\d /.test(mbuf));
        send(socket, 'AUTH TLS\r\n');
        const reply = await r.line('reading the AUTH TLS reply');
        if (!reply.startsWith('234')) refused(proto, reply);
        break;
      }
      case 'xmpp': {
        send(socket, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' " +
          `xmlns='jabber:client' to='${o.protohost ?? o.host}' version='1.0'>`);
        let seen = '';
        // The stream features may come in pieces: read until the starttls feature has been seen.
        for (let i = 0; i < 64 && !/<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]/.test(seen); i++) {
          seen += await r.chunk('waiting for the starttls feature');
        }
        if (!/<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]/.test(seen)) refused(proto, 'no starttls feature');
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
