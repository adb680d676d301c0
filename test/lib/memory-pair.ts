// A client and a server connection joined by in-memory Web Streams (any runtime): the stream
// adapter carries the pauses of asynchronous callbacks, such as a server session store's lookup.
import { tlsOverStreams, type ByteStreams, type Context, type Session } from '../../ts/index.ts';

export function pipePair(): [ByteStreams, ByteStreams] {
  const ab = new TransformStream<Uint8Array, Uint8Array>(), ba = new TransformStream<Uint8Array, Uint8Array>();
  return [{ readable: ba.readable, writable: ab.writable }, { readable: ab.readable, writable: ba.writable }];
}

/** One connection over in-memory streams, closed cleanly; returns reuse on both ends. */
export async function connectOnce(client: Context, server: Context, session?: Session, onSession?: (s: Session) => void) {
  const [a, b] = pipePair();
  const c = tlsOverStreams(client.createConnection({ serverName: 'localhost', session }), a, { onSession });
  const s = tlsOverStreams(server.createConnection(), b);
  await Promise.all([c.handshake, s.handshake]);
  const reused = [c.connection.sessionReused, s.connection.sessionReused];
  // Both close: the server echoes nothing; reading to the end lets TLS 1.3 tickets arrive.
  const drain = (t: typeof c) => t.readable.pipeTo(new WritableStream()).catch(() => undefined);
  const dc = drain(c), ds = drain(s);
  await s.writable.close();
  await c.writable.close();
  await Promise.all([dc, ds, c.closed, s.closed]);
  return reused;
}
