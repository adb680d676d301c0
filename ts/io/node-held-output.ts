/// <reference types="node" />
/**
 * A Node adapter TLSSocket's output held back as Node holds it: while a server's 'newSession'
 * callbacks are awaited (some of them also holding the 'secure' event), and, on a server refusing
 * after the handshake, from the handshake's end until the verdict, so a refused client does not
 * get the last flight (a TLS 1.2 Finished, TLS 1.3 tickets), as with Node's server (which destroys
 * the socket before writing it out).
 */
import type * as net from 'node:net';

export class HeldOutput {
  /** How many pieces of work (the server's 'newSession' callbacks) the output waits for, and how many of them 'secure' waits for. */
  #holding = 0;
  #holdingSecure = 0;
  /** Servers refusing after the handshake: output after the handshake's end waits for the verdict. */
  #verdictPending: boolean;
  /** Output held, each with the write callback that counts a reply as sent. */
  readonly #bytes: { bytes: Uint8Array; sent: (() => void) | undefined }[] = [];
  /** What waits for the works holding 'secure' ('secure' itself). */
  readonly #afterHolds: (() => void)[] = [];
  /** The transport is to end once the held output is sent. */
  #endAfter = false;
  /** The TCP socket once attached (null before). */
  readonly #socket: () => net.Socket | null;
  /** The TLSSocket was destroyed: work settling then releases nothing. */
  readonly #destroyed: () => boolean;

  constructor(socket: () => net.Socket | null, destroyed: () => boolean, verdictPending: boolean) {
    this.#socket = socket;
    this.#destroyed = destroyed;
    this.#verdictPending = verdictPending;
  }

  /** Whether output now must wait: `afterHandshake`, the handshake is done (a pending verdict holds only that). */
  holds(afterHandshake: boolean): boolean {
    return this.#holding > 0 || (this.#verdictPending && afterHandshake);
  }

  /** Keeps `bytes` until released; `sent` is their write callback. */
  keep(bytes: Uint8Array, sent: (() => void) | undefined): void {
    this.#bytes.push({ bytes, sent });
  }

  /** The output, and with `secure` the 'secure' event, wait for `work`, as Node's do for a 'newSession' callback. */
  holdFor(work: Promise<void>, secure: boolean): void {
    this.#holding++;
    if (secure) this.#holdingSecure++;
    void work.then(() => {
      this.#holding--;
      if (secure) this.#holdingSecure--;
      if (this.#destroyed()) return;
      this.#release();
      if (this.#holdingSecure === 0) for (const f of this.#afterHolds.splice(0)) f();
    });
  }

  /** Runs `f` ('secure') now, or once no work holding 'secure' is pending. */
  afterSecureHolds(f: () => void): void {
    if (this.#holdingSecure) this.#afterHolds.push(f);
    else f();
  }

  /** The verdict after the handshake let the peer in: what it held goes out. */
  verdictGiven(): void {
    if (!this.#verdictPending) return;
    this.#verdictPending = false;
    this.#release();
  }

  /** Ends the transport after any held output. */
  endTransport(): void {
    if (this.#holding || this.#verdictPending) this.#endAfter = true;
    else this.#socket()?.end();
  }

  /** Sends the held output once nothing holds it any more. */
  #release(): void {
    if (this.#holding || this.#verdictPending) return;
    const socket = this.#socket();
    for (const { bytes, sent } of this.#bytes.splice(0)) if (socket?.writable) socket.write(bytes, sent);
    if (this.#endAfter) socket?.end();
  }
}
