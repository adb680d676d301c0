// The fleet benchmark's handshake: a client and a server Context joined by in-memory Web Streams
// (tlsOverStreams carries the pause for an asynchronous session lookup), resuming one session.
import { tlsOverStreams, type ByteStreams, type Context, type Session } from '../ts/index.ts';
import { ResumptionError } from './core.ts';

function pipePair(): [ByteStreams, ByteStreams] {
  const ab = new TransformStream<Uint8Array, Uint8Array>(), ba = new TransformStream<Uint8Array, Uint8Array>();
  return [{ readable: ba.readable, writable: ab.writable }, { readable: ab.readable, writable: ba.writable }];
}

/** One handshake, closed cleanly; returns whether both ends resumed and the client's new session. */
export async function handshakeOverStreams(client: Context, server: Context, session?: Session): Promise<{ reused: [boolean, boolean]; session: Session | null }> {
  const [a, b] = pipePair();
  let kept: Session | null = null;
  const c = tlsOverStreams(client.createConnection({ serverName: 'localhost', session }), a, { onSession: s => { kept?.free(); kept = s.ref(); } });
  const s = tlsOverStreams(server.createConnection(), b);
  await Promise.all([c.handshake, s.handshake]);
  const reused: [boolean, boolean] = [c.connection.sessionReused, s.connection.sessionReused];
  const drain = (t: typeof c) => t.readable.pipeTo(new WritableStream()).catch(() => undefined);
  const d = [drain(c), drain(s)];
  await s.writable.close();
  await c.writable.close();
  await Promise.all([...d, c.closed, s.closed]);
  return { reused, session: kept };
}

/** A session to resume: one full handshake. */
export async function firstSession(client: Context, server: Context): Promise<Session> {
  const r = await handshakeOverStreams(client, server);
  if (!r.session) throw new Error('no session from the full handshake');
  return r.session;
}

/** Resumes `session` once, timed in milliseconds; throws ResumptionError if it did not resume. */
export async function timedResumption(client: Context, server: Context, session: Session): Promise<number> {
  const t0 = performance.now();
  const r = await handshakeOverStreams(client, server, session);
  const ms = performance.now() - t0;
  (r.session as Session | null)?.free();
  if (!r.reused[0] || !r.reused[1]) throw new ResumptionError(`fleet: expected a resumed handshake, got client=${r.reused[0]} server=${r.reused[1]}`);
  return ms;
}

/** Resumed handshakes for `ms` milliseconds; returns how many completed. */
export async function resumedOverStreams(client: Context, server: Context, ms: number): Promise<number> {
  const session = await firstSession(client, server);
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) { await timedResumption(client, server, session); n++; }
  session.free();
  return n;
}
