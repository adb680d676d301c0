import { concat } from '../raw/bytes.ts';
import type { Connection } from './connection.ts';

/**
 * Joins two connections of one or two instances directly, with no network: moves each side's
 * outgoing bytes to the other and advances both until neither has anything left to do. For
 * in-process experiments and tests, as rustls' do_handshake/transfer are.
 */
export function transfer(from: Connection, to: Connection): number {
  const bytes = from.takeOutgoing();
  if (bytes.length) to.receive(bytes);
  return bytes.length;
}

/**
 * Runs the handshake on both sides to completion, then lets each side read what the other sent
 * after it (TLS 1.3 session tickets), so sessions are delivered. Bounded: throws after `maxRounds`.
 * Returns the plaintext each side read on the way.
 */
export function handshakeInMemory(client: Connection, server: Connection, maxRounds = 32): { client: Uint8Array; server: Uint8Array } {
  checkRounds('handshakeInMemory', maxRounds);
  let cDone = false, sDone = false;
  for (let round = 0; !(cDone && sDone); round++) {
    if (round === maxRounds) throw new Error(`handshakeInMemory: no completion after ${maxRounds} rounds`);
    if (!cDone) cDone = step(client, server);
    transfer(client, server);
    if (!sDone) sDone = step(server, client);
    transfer(server, client);
  }
  return settle(client, server, maxRounds);
}

/**
 * One handshake step. When it fails, the failing side's alert still goes to the peer, which gets
 * to process it (and so take its own failure path, as over a network) before the error is thrown.
 */
function step(self: Connection, peer: Connection): boolean {
  try {
    return self.handshake() === 'done';
  } catch (e) {
    transfer(self, peer);
    try {
      if (peer.isHandshakeDone) peer.read();
      else peer.handshake();
    } catch { /* the peer's failure follows from ours */ }
    throw e;
  }
}

/** Moves bytes both ways and reads on both sides until nothing more moves. */
export function settle(a: Connection, b: Connection, maxRounds = 32): { client: Uint8Array; server: Uint8Array } {
  checkRounds('settle', maxRounds);
  const readA: Uint8Array[] = [], readB: Uint8Array[] = [];
  for (let round = 0; ; round++) {
    if (round === maxRounds) throw new Error(`settle: still moving after ${maxRounds} rounds`);
    const ra = a.read(), rb = b.read();
    if (ra.data.length) readA.push(ra.data);
    if (rb.data.length) readB.push(rb.data);
    const moved = transfer(a, b) + transfer(b, a);
    if (moved === 0 && ra.data.length === 0 && rb.data.length === 0) break;
  }
  return { client: concat(readA), server: concat(readB) };
}

/** The loops above end after maxRounds: anything but a positive whole number (NaN, '32') would never end them. */
function checkRounds(where: string, maxRounds: unknown): void {
  if (typeof maxRounds !== 'number' || !Number.isSafeInteger(maxRounds) || maxRounds < 1) {
    throw new RangeError(`${where}: maxRounds must be a whole number of at least 1, got ${String(maxRounds)}`);
  }
}
