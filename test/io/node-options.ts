// What the Node adapter's option suites (test/suites/node-options-*.suite.ts) share: one instance,
// the test key pair, the native CLI's encrypted key, and what a connected client's socket shows.
import type * as nodeTls from 'node:tls';
import { OpenSSL } from '../../ts/index.ts';
import type { TLSSocket } from '../../ts/node.ts';
import { equal } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { closed, once, pem } from './node-tls.ts';
import { fixturePath, openssl } from './peers.ts';

let instance: Promise<OpenSSL> | undefined;
/** The one instance these suites share. */
export const load = () => (instance ??= OpenSSL.load({ wasm: wasmURL }));
export const keyPair = { cert: pem('server.pem'), key: pem('server.key') };
/** Deno's node:tls is an emulation without these members: Node's own answers are checked in Node. */
export const inDeno = 'Deno' in globalThis;

/** The test key encrypted under `pass` by the native openssl CLI. */
export async function encryptedKey(pass: string): Promise<string> {
  const { code, out } = await openssl(['pkey', '-in', fixturePath('server.key'), '-aes256', '-passout', `pass:${pass}`]);
  equal(code, 0, out);
  return out.slice(out.indexOf('-----BEGIN'));
}

/** What a client's socket shows once connected, then closed. */
export async function connected<T>(socket: TLSSocket | nodeTls.TLSSocket, read: () => T): Promise<T> {
  await once(socket, 'secureConnect');
  const value = read();
  socket.destroy();
  await closed(socket);
  return value;
}
