// What the object-layer suites (test/suites/objects-*.suite.ts) share: the test PKI, a World (one
// instance with shorthands for contexts and connected pairs) and objectTest, which runs a test on a
// fresh World and then checks it was left with no live handle and nothing finalized.
import {
  handshakeInMemory, OpenSSL,
  type Connection, type ConnectionOptions, type Context, type ContextOptions, type Session,
} from '../../ts/index.ts';
import * as assert from './assert.ts';
import { fixture, wasmURL } from './fixtures.ts';
import type { TestRegistrar } from './suite.ts';

export interface Pki {
  ca: string; otherCa: string;
  cert: string; key: string; certDER: Uint8Array;
  rsaCert: string; rsaKey: string; rsaCertDER: Uint8Array;
}
let pkiCache: Promise<Pki> | undefined;
export function pki(): Promise<Pki> {
  pkiCache ??= (async () => {
    const [ca, otherCa, cert, key, rsaCert, rsaKey] = await Promise.all(
      ['ca.pem', 'other-ca.pem', 'server.pem', 'server.key', 'server-rsa.pem', 'server-rsa.key'].map(fixture));
    return { ca, otherCa, cert, key, certDER: pemToDER(cert), rsaCert, rsaKey, rsaCertDER: pemToDER(rsaCert) };
  })();
  return pkiCache;
}

/** The DER inside the first PEM certificate block (atob exists in all three runtimes). */
function pemToDER(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no PEM certificate');
  return Uint8Array.from(atob(m[1].replace(/\s+/g, '')), ch => ch.charCodeAt(0));
}

export const NO_HANDLES = { Context: 0, Connection: 0, Session: 0 };

/** One instance and the test PKI, with shorthands for contexts and connected pairs. */
export class World {
  constructor(readonly o: OpenSSL, readonly p: Pki) {}

  /** A World on a newly loaded instance. */
  static async load(): Promise<World> {
    return new World(await OpenSSL.load({ wasm: wasmURL }), await pki());
  }

  server(extra: Partial<ContextOptions> = {}): Context {
    return this.o.createContext({ role: 'server', certificate: this.p.cert, privateKey: this.p.key, ...extra });
  }

  client(extra: Partial<ContextOptions> = {}): Context {
    return this.o.createContext({ role: 'client', ca: this.p.ca, ...extra });
  }

  /**
   * A client and a server connection, not yet connected. The client keeps (ref()) every session
   * delivered to onSession, in `sessions`; free() frees whatever of it all is still alive.
   */
  pair(client: Context, server: Context, options: ConnectionOptions = {}): Pair {
    const sessions: Session[] = [];
    const c = client.createConnection({ serverName: 'localhost', onSession: s => { sessions.push(s.ref()); }, ...options });
    const s = server.createConnection();
    return {
      c, s, sessions, read: { client: new Uint8Array(0), server: new Uint8Array(0) },
      connect() { this.read = handshakeInMemory(c, s); return this; },
      last() {
        const l = sessions.at(-1);
        if (!l) throw new Error('no session was delivered to onSession');
        return l;
      },
      free() { for (const h of [c, s, ...sessions]) if (h.alive) h.free(); },
    };
  }
}

export interface Pair {
  c: Connection; s: Connection; sessions: Session[];
  /** Plaintext each side read while connect() settled. */
  read: { client: Uint8Array; server: Uint8Array };
  connect(): Pair;
  /** The last session delivered to the client (the one to resume). */
  last(): Session;
  free(): void;
}

/**
 * `test` for the object layer: runs `body` on a fresh instance, then checks it was left with
 * nothing alive and nothing finalized.
 */
export function objectTest(test: TestRegistrar) {
  return (name: string, body: (w: World) => void | Promise<void>) => test(name, async () => {
    const w = await World.load();
    await body(w);
    const st = w.o.stats();
    assert.deepEqual(st.handles, NO_HANDLES, 'stats().handles: every handle the test made is freed');
    assert.equal(st.finalized, 0, 'stats().finalized: nothing was left to the garbage collector');
    assert.ok(Number.isInteger(st.heapInUse) && st.heapInUse > 0, `stats().heapInUse is a positive integer (${st.heapInUse})`);
  });
}
