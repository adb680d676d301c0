// Flow-control checks shared by the bounded-buffering suites: a writer driven until it is held back.

const KiB = 1024, MiB = 1024 * KiB;

/**
 * Writes up to `total` bytes in 64 KiB chunks, each write awaited, until the writes stall (none
 * completes for `stallMs`) or all are done. Bounded: it gives up waiting after `limitMs`. Returns
 * the bytes written and whether it stalled (and the stalled write, still pending).
 */
export async function writeUntilStalled(write: (chunk: Uint8Array) => Promise<void>, total = 100 * MiB, stallMs = 750, limitMs = 60_000):
Promise<{ written: number; stalled: boolean; pending: Promise<void> | null }> {
  const chunk = new Uint8Array(64 * KiB).fill(0x61);
  const t0 = Date.now();
  let written = 0;
  while (written < total && Date.now() - t0 < limitMs) {
    const pending = write(chunk);
    pending.catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([pending.then(() => true, () => true), new Promise<false>(r => { timer = setTimeout(() => r(false), stallMs); })]);
    clearTimeout(timer);
    if (!finished) return { written, stalled: true, pending };
    await pending; // a failed write fails the test here
    written += chunk.length;
  }
  return { written, stalled: false, pending: null };
}


/** A stream.Writable-like socket (node:net, node:tls) as a write function for writeUntilStalled. */
export function socketWriter(socket: { write(b: Uint8Array): boolean; once(e: string, f: (...a: any[]) => void): unknown; removeListener(e: string, f: (...a: any[]) => void): unknown }): (chunk: Uint8Array) => Promise<void> {
  return chunk => new Promise<void>((resolve, reject) => {
    if (socket.write(chunk)) { resolve(); return; }
    const onDrain = () => { socket.removeListener('close', onClose); resolve(); };
    const onClose = () => { socket.removeListener('drain', onDrain); reject(new Error('the socket closed')); };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}
