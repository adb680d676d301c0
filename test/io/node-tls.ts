// Helpers for the Node-adapter suites: the test PKI as text, servers on 127.0.0.1, bounded waits
// for events.
import { readFileSync } from 'node:fs';
import type * as net from 'node:net';
import { fixturePath } from './peers.ts';

export const pem = (name: string) => readFileSync(fixturePath(name), 'utf8');

/** Listens on 127.0.0.1 on a free port. */
export async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise(resolve => server.close(() => resolve()));
}

/** The first emission of `event` (its arguments), or of 'error' as a rejection, within `ms`. */
export function once<T extends unknown[] = unknown[]>(emitter: NodeJS.EventEmitter, event: string, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out after ${ms} ms waiting for '${event}'`)); }, ms);
    const onEvent = (...args: unknown[]) => { cleanup(); resolve(args as T); };
    const onError = (e: unknown) => { cleanup(); reject(e); };
    const cleanup = () => { clearTimeout(timer); emitter.off(event, onEvent); if (event !== 'error') emitter.off('error', onError); };
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
  });
}

/** Everything a readable gives until it ends, or its error. */
export function readAll(stream: NodeJS.ReadableStream & NodeJS.EventEmitter, ms = 10_000): Promise<string> {
  let text = '';
  stream.on('data', (d: Buffer) => { text += d.toString(); });
  return once(stream, 'end', ms).then(() => text);
}

/** Resolves once the stream has closed (at once if it already has). */
export function closed(stream: NodeJS.EventEmitter & { closed?: boolean }, ms = 10_000): Promise<void> {
  return stream.closed ? Promise.resolve() : once(stream, 'close', ms).then(() => undefined, e => { if (!stream.closed) throw e; });
}

/** Everything a readable gives until it has closed (closed()), for a peer that ends the connection. */
export async function readUntilClosed(stream: NodeJS.ReadableStream & NodeJS.EventEmitter & { closed?: boolean }, ms = 10_000): Promise<string> {
  let text = '';
  stream.on('data', (d: Buffer) => { text += d; });
  await closed(stream, ms);
  return text;
}
