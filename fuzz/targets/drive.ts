// Bounded handshake driving for fuzz targets: the pump's own loop throws a plain Error after its
// round limit, which the contract would count as a failure; here running out of rounds is an
// outcome (a stalled handshake), and an asynchronous client-hello callback is waited for.
import type { Connection } from '../../ts/index.ts';

/** Advances `conn` as far as it goes; returns its last progress. */
export async function advance(conn: Connection): Promise<string> {
  for (let i = 0; i < 8; i++) {
    const p = conn.isHandshakeDone ? (conn.read(), 'done') : conn.handshake();
    if (p !== 'want-client-hello-cb') return p;
    await conn.pending;
  }
  return 'stalled';
}

/** Runs both ends until neither moves; returns 'done'/'want-read'/... per side. */
export async function drive(c: Connection, s: Connection, rounds = 24): Promise<string> {
  let pc = '', ps = '';
  for (let r = 0; r < rounds; r++) {
    pc = await advance(c);
    let moved = move(c, s);
    ps = await advance(s);
    moved += move(s, c);
    if (!moved && pc === 'done' && ps === 'done') break;
    if (!moved && r > 0) break;
  }
  return `${pc}/${ps}`;
}

function move(from: Connection, to: Connection): number {
  const b = from.takeOutgoing();
  if (b.length) to.receive(b);
  return b.length;
}
