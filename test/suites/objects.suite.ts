// The object layer's contract: who owns what (free, `using`, ref, dup, sessions lent to callbacks,
// contexts owning their connections, one session cache per session, the FinalizationRegistry
// backstop), the errors it throws, every accessor of Session, Connection's sans-I/O operations, and
// stats(). Each test loads its own instance and must leave it with no live handle and nothing
// finalized (checked after the test body by `objTest`).
import {
  CallbackError, constants as C, FreedHandleError, handshakeInMemory, OpenSSL, OpenSSLError, transfer,
  type Connection, type ConnectionOptions, type Context, type ContextOptions, type Session,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { fixture, wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { hex as lowerHex, text } from '../lib/bytes.ts';
import { shutdownBoth } from '../lib/tls.ts';
import { tick } from '../lib/wait.ts';
const hex = (b: Uint8Array) => lowerHex(b).toUpperCase(); // as OpenSSL prints

// ---- set-up

interface Pki {
  ca: string; otherCa: string;
  cert: string; key: string; certDER: Uint8Array;
  rsaCert: string; rsaKey: string; rsaCertDER: Uint8Array;
}
let pkiCache: Promise<Pki> | undefined;
function pki(): Promise<Pki> {
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

const NO_HANDLES = { Context: 0, Connection: 0, Session: 0 };

/** One instance and the test PKI, with shorthands for contexts and connected pairs. */
class World {
  constructor(readonly o: OpenSSL, readonly p: Pki) {}

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

interface Pair {
  c: Connection; s: Connection; sessions: Session[];
  /** Plaintext each side read while connect() settled. */
  read: { client: Uint8Array; server: Uint8Array };
  connect(): Pair;
  /** The last session delivered to the client (the one to resume). */
  last(): Session;
  free(): void;
}


// ---- forcing a garbage collection

interface Collector { how: string; collect(): Promise<void> }
const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';

/**
 * Node and Deno: gc() from `--expose-gc` set at run time (v8.setFlagsFromString) and fetched from
 * a fresh context (vm.runInNewContext('gc')), unless the runtime was started with it. Chromium:
 * gc(), from `--js-flags=--expose-gc` (vitest.config.ts); memory pressure had been the way, but on
 * a loaded machine it sometimes ran only a partial collection. A browser started without the flag
 * still gets memory pressure: large arrays and an ArrayBuffer (external memory) make V8 run a full
 * collection, usually. A string says why no way was found.
 */
async function collector(): Promise<Collector | string> {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return { how: 'globalThis.gc()', collect: async () => exposed() };
  if (inBrowser) {
    return {
      how: 'memory pressure (Chromium exposes no gc())',
      async collect() {
        // Arrays of a million elements go straight to V8's large-object space, part of the old
        // generation: growing it is what starts a full (mark-compact) collection, the kind that
        // finds long-lived objects dead. The ArrayBuffer adds external memory, which does too.
        let junk: unknown[] = [];
        for (let i = 0; i < 16; i++) junk.push(new Array(1 << 20).fill(i));
        junk = [];
        void junk;
        void new ArrayBuffer(32 << 20);
      },
    };
  }
  // Variables, so that vite does not try to bundle node: modules for the browser.
  const v8Name = 'node:v8', vmName = 'node:vm';
  try {
    const v8 = await import(/* @vite-ignore */ v8Name) as { setFlagsFromString(flags: string): void };
    const vm = await import(/* @vite-ignore */ vmName) as { runInNewContext(code: string): unknown };
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    if (typeof gc !== 'function') return "vm.runInNewContext('gc') gave no function after v8.setFlagsFromString('--expose-gc')";
    return { how: "gc() via v8.setFlagsFromString('--expose-gc') and vm.runInNewContext('gc')", collect: async () => (gc as () => void)() };
  } catch (e) {
    return `node:v8 / node:vm are not available (${e instanceof Error ? e.message : String(e)})`;
  }
}

/**
 * Handles that nobody frees: a client and a server Context, a Connection of each, the client's
 * sessions (ref()'d in onSession and dropped), and a Session from newSession() of which only a
 * second handle (ref()) is returned. Returns that one and how many handles were forgotten.
 */
function forgetSome(w: World): { keep: Session; forgotten: number } {
  const server = w.server(), client = w.client();
  let last: Session | null = null;
  const c = client.createConnection({ serverName: 'localhost', onSession: s => { last = s.ref(); } });
  const s = server.createConnection();
  handshakeInMemory(c, s);
  if (last === null) throw new Error('no session delivered');
  const lost = w.o.newSession();
  const keep = lost.ref();
  const h = w.o.stats().handles;
  return { keep, forgotten: h.Context + h.Connection + h.Session - 1 };
}

// ---- probing freed handles

/**
 * How to use each accessor and method of a handle: 'get x' reads x, 'set x' assigns a valid value,
 * 'm()' calls m with valid arguments (so that only the freed receiver can make it throw).
 */
type Probes = Record<string, (h: never) => unknown>;

/** Members every probe table must cover: each getter, setter and method up the prototype chain. */
function members(h: object): string[] {
  const out: string[] = [];
  for (let p = Object.getPrototypeOf(h); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
      if (k === 'constructor') continue;
      if (d.get) out.push(`get ${k}`);
      if (d.set) out.push(`set ${k}`);
      if (typeof d.value === 'function') out.push(`${k}()`);
    }
  }
  return [...new Set(out)];
}

/** Not probed: the state reporters and free() (tested on its own). */
const NOT_PROBED = new Set(['get alive', 'get owned', 'get kind', 'free()']);

/** Probes answered from JavaScript state, not from OpenSSL: tested apart (see their test). */
const JS_STATE = new Set(['get error', 'get pending', 'write(empty)', 'get verifyPeer']);

/** 'get x', 'set x', 'x()' and 'x(empty)' are all about member x. */
const memberName = (label: string) => label.replace(/^(get|set) /, '').replace(/\(.*\)$/, '');

interface Misused { label: string; what: string }

/**
 * Uses a freed handle through every probe of a member it has; returns each use that did not throw
 * FreedHandleError, split into members that reach OpenSSL and members answered from JavaScript
 * state (JS_STATE). Members the table does not know (added to the classes since) are used
 * generically: a getter read, a method called with no arguments, a setter given undefined. A
 * normal return is then still a verdict, but another error may only be an argument check coming
 * first, so that is logged, not counted.
 */
function useFreed(h: object, probes: Probes): { openssl: string[]; js: string[] } {
  const all = members(h);
  const names = new Set(all.map(memberName));
  const table: [string, (x: Record<string, unknown>) => unknown, boolean][] = [];
  for (const [label, use] of Object.entries(probes)) {
    if (names.has(memberName(label))) table.push([label, use as (x: Record<string, unknown>) => unknown, false]);
  }
  for (const m of all) {
    if (NOT_PROBED.has(m) || m in probes) continue;
    const k = memberName(m);
    table.push([m, m.startsWith('get ') ? x => x[k] : m.startsWith('set ') ? x => { x[k] = undefined; } : x => (x[k] as () => unknown)(), true]);
  }
  const wrong: Misused[] = [];
  for (const [label, use, generic] of table) {
    try {
      const r = use(h as Record<string, unknown>);
      if (r instanceof Promise) r.catch(() => undefined);
      wrong.push({ label, what: `${generic ? ' (used generically)' : ''} returned ${r instanceof Uint8Array ? 'bytes' : JSON.stringify(r) ?? String(r)}` });
    } catch (e) {
      if (e instanceof FreedHandleError) {
        if (!/was freed/.test(e.message)) wrong.push({ label, what: `: FreedHandleError without "was freed": ${e.message}` });
      } else if (generic) {
        console.log(`freed ${(h as { kind: string }).kind}: ${label} used without arguments threw ${e instanceof Error ? e.name : ''} (not counted): ${e instanceof Error ? e.message : String(e)}`);
      } else {
        wrong.push({ label, what: ` threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` });
      }
    }
  }
  const text = (m: Misused) => m.label + m.what;
  return { openssl: wrong.filter(m => !JS_STATE.has(m.label)).map(text), js: wrong.filter(m => JS_STATE.has(m.label)).map(text) };
}

function sessionProbes(other: Session): Probes {
  return {
    'get pointer': (s: Session) => s.pointer,
    'ref()': (s: Session) => s.ref(),
    'dup()': (s: Session) => s.dup(),
    'is()': (s: Session) => s.is(other),
    'get referenceCount': (s: Session) => s.referenceCount,
    'get cacheOwner': (s: Session) => s.cacheOwner,
    'get id': (s: Session) => s.id,
    'set id': (s: Session) => { s.id = new Uint8Array([1, 2, 3]); },
    'get idContext': (s: Session) => s.idContext,
    'set idContext': (s: Session) => { s.idContext = 'ctx'; },
    'get protocolVersion': (s: Session) => s.protocolVersion,
    'get protocol': (s: Session) => s.protocol,
    'get cipher': (s: Session) => s.cipher,
    'get cipherStandardName': (s: Session) => s.cipherStandardName,
    'get hostName': (s: Session) => s.hostName,
    'set hostName': (s: Session) => { s.hostName = 'localhost'; },
    'get alpn': (s: Session) => s.alpn,
    'set alpn': (s: Session) => { s.alpn = 'h2'; },
    'get peerCertificate': (s: Session) => s.peerCertificate,
    'get time': (s: Session) => s.time,
    'set time': (s: Session) => { s.time = 1_700_000_000; },
    'get timeout': (s: Session) => s.timeout,
    'set timeout': (s: Session) => { s.timeout = 60; },
    'get hasTicket': (s: Session) => s.hasTicket,
    'get ticketLifetimeHint': (s: Session) => s.ticketLifetimeHint,
    'get isResumable': (s: Session) => s.isResumable,
    'get ticketAppData': (s: Session) => s.ticketAppData,
    'set ticketAppData': (s: Session) => { s.ticketAppData = 'x'; },
    'toDER()': (s: Session) => s.toDER(),
    'toPEM()': (s: Session) => s.toPEM(),
    'print()': (s: Session) => s.print(),
    'printKeylog()': (s: Session) => s.printKeylog(),
  };
}

function connectionProbes(): Probes {
  return {
    'get pointer': (c: Connection) => c.pointer,
    'receive()': (c: Connection) => c.receive(new Uint8Array([22, 3, 3, 0, 0])),
    'receiveEnd()': (c: Connection) => c.receiveEnd(),
    'get outgoingBytes': (c: Connection) => c.outgoingBytes,
    'get wantsWrite': (c: Connection) => c.wantsWrite,
    'takeOutgoing()': (c: Connection) => c.takeOutgoing(),
    'handshake()': (c: Connection) => c.handshake(),
    'get isHandshakeDone': (c: Connection) => c.isHandshakeDone,
    'write()': (c: Connection) => c.write('x'),
    'write(empty)': (c: Connection) => c.write(''),
    'read()': (c: Connection) => c.read(),
    'shutdown()': (c: Connection) => c.shutdown(),
    'get shutdownState': (c: Connection) => c.shutdownState,
    'set shutdownState': (c: Connection) => { c.shutdownState = C.SSL_SENT_SHUTDOWN; },
    'get error': (c: Connection) => c.error,
    'get pending': (c: Connection) => (c as unknown as { pending: unknown }).pending,
    'setSession()': (c: Connection) => c.setSession(null),
    'get session': (c: Connection) => c.session,
    'get sessionReused': (c: Connection) => c.sessionReused,
    'get protocol': (c: Connection) => c.protocol,
    'get cipher': (c: Connection) => c.cipher,
    'get group': (c: Connection) => c.group,
    'get alpn': (c: Connection) => c.alpn,
    'get serverName': (c: Connection) => c.serverName,
    'get peerCertificate': (c: Connection) => c.peerCertificate,
    'get verifyResult': (c: Connection) => c.verifyResult,
  };
}

function contextProbes(other: Session, ca: string): Probes {
  return {
    'get pointer': (x: Context) => x.pointer,
    'get verifyPeer': (x: Context) => x.verifyPeer,
    'createConnection()': (x: Context) => x.createConnection({ serverName: 'localhost' }),
    'addTrustedCertificates()': (x: Context) => x.addTrustedCertificates(ca),
    'get sessionCacheMode': (x: Context) => x.sessionCacheMode,
    'set sessionCacheMode': (x: Context) => { x.sessionCacheMode = C.SSL_SESS_CACHE_CLIENT; },
    'get sessionCacheSize': (x: Context) => x.sessionCacheSize,
    'set sessionCacheSize': (x: Context) => { x.sessionCacheSize = 10; },
    'get sessionTimeout': (x: Context) => x.sessionTimeout,
    'set sessionTimeout': (x: Context) => { x.sessionTimeout = 10; },
    'get numTickets': (x: Context) => x.numTickets,
    'set numTickets': (x: Context) => { x.numTickets = 1; },
    'set sessionIdContext': (x: Context) => { x.sessionIdContext = 'ctx'; },
    'setSessionCallbacks()': (x: Context) => x.setSessionCallbacks({}),
    'addSession()': (x: Context) => x.addSession(other),
    'removeSession()': (x: Context) => x.removeSession(other),
    'flushSessions()': (x: Context) => x.flushSessions(),
    'get sessionStats': (x: Context) => x.sessionStats,
    // Members some versions of the object layer have: probed only where they exist.
    'get options': (x: Context) => (x as unknown as { options: bigint }).options,
    'setOptions()': (x: Context) => (x as unknown as { setOptions(f: bigint): bigint }).setOptions(C.SSL_OP_NO_TICKET),
    'clearOptions()': (x: Context) => (x as unknown as { clearOptions(f: bigint): bigint }).clearOptions(C.SSL_OP_NO_TICKET),
    'get minVersion': (x: Context) => (x as unknown as { minVersion: unknown }).minVersion,
    'set minVersion': (x: Context) => { (x as unknown as { minVersion: unknown }).minVersion = 'TLSv1.2'; },
    'get maxVersion': (x: Context) => (x as unknown as { maxVersion: unknown }).maxVersion,
    'set maxVersion': (x: Context) => { (x as unknown as { maxVersion: unknown }).maxVersion = 'TLSv1.3'; },
    'setClientHelloHandler()': (x: Context) => (x as unknown as { setClientHelloHandler(h: null): void }).setClientHelloHandler(null),
    'setTicketKeys()': (x: Context) => (x as unknown as { setTicketKeys(k: unknown[]): void }).setTicketKeys([]),
  };
}

type Misuse = [what: string, fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: RegExp];

/**
 * Runs each misuse; returns what went wrong: no throw, another class (FreedHandleError and
 * OpenSSLError included), a message not naming the argument, or a handle left behind.
 */
function misused(w: World, cases: Misuse[]): string[] {
  const wrong: string[] = [];
  for (const [what, fn, cls, re] of cases) {
    const before = w.o.stats().handles;
    try {
      fn();
      wrong.push(`${what}: did not throw`);
    } catch (e) {
      const ok = e instanceof cls && !(e instanceof FreedHandleError) && !(e instanceof OpenSSLError) && re.test((e as Error).message);
      if (!ok) wrong.push(`${what}: expected ${cls.name} matching ${re}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    const after = w.o.stats().handles;
    for (const k of ['Context', 'Connection', 'Session'] as const) {
      if (after[k] !== before[k]) wrong.push(`${what}: left ${after[k] - before[k]} live ${k} handle(s) behind`);
    }
  }
  return wrong;
}

/** Freed handles of each kind, after real use, and a live session to pass as an argument. */
function freedHandles(w: World) {
  const server = w.server(), client = w.client();
  const p = w.pair(client, server).connect();
  const session = p.last().ref();
  const other = w.o.newSession();
  p.free();
  session.free();
  const { c, s } = p;
  client.free();
  server.free();
  return { session, c, s, client, server, other };
}

suite('object layer', test => {
  /** Runs `body` on a fresh instance, then checks it was left with nothing alive and nothing finalized. */
  const objTest = (name: string, body: (w: World) => void | Promise<void>) => test(name, async () => {
    const w = new World(await OpenSSL.load({ wasm: wasmURL }), await pki());
    await body(w);
    const st = w.o.stats();
    assert.deepEqual(st.handles, NO_HANDLES, 'stats().handles: every handle the test made is freed');
    assert.equal(st.finalized, 0, 'stats().finalized: nothing was left to the garbage collector');
    assert.ok(Number.isInteger(st.heapInUse) && st.heapInUse > 0, `stats().heapInUse is a positive integer (${st.heapInUse})`);
  });

  // ---- ownership

  objTest('a freed Session throws FreedHandleError on every getter, setter and method; a second free() throws too', w => {
    const { session, other } = freedHandles(w);
    assert.equal(session.alive, false);
    assert.deepEqual(useFreed(session, sessionProbes(other)), { openssl: [], js: [] });
    assert.throws(() => session.free(), FreedHandleError, 'second free()');
    session[Symbol.dispose](); // a no-op once freed
    other.free();
  });

  objTest('a freed Connection throws FreedHandleError on every getter, setter and method that reaches OpenSSL; a second free() throws', w => {
    const { c, s, other } = freedHandles(w);
    for (const conn of [c, s]) {
      const probes = connectionProbes();
      // On a server connection setSession() is refused for the role first (a TypeError either way).
      if (conn === s) probes['setSession()'] = (x: Connection) => x.pointer;
      assert.deepEqual(useFreed(conn, probes).openssl, []);
      assert.throws(() => conn.free(), FreedHandleError, 'second free()');
      conn[Symbol.dispose]();
    }
    other.free();
  });

  objTest('a freed Context throws FreedHandleError on every getter, setter and method that reaches OpenSSL; a second free() throws', async w => {
    const { client, server, other } = freedHandles(w);
    for (const ctx of [client, server]) {
      const probes = contextProbes(other, w.p.ca);
      // On a client context setClientHelloHandler() is refused for the role first.
      if (ctx === client) probes['setClientHelloHandler()'] = (x: Context) => x.pointer;
      assert.deepEqual(useFreed(ctx, probes).openssl, []);
      assert.throws(() => ctx.free(), FreedHandleError, 'second free()');
      ctx[Symbol.dispose]();
    }
    assert.deepEqual(w.o.stats().handles, { Context: 0, Connection: 0, Session: 1 }, 'createConnection on a freed Context made nothing');
    other.free();
  });

  // Handle's contract (handle.ts): "A second call, or any use afterwards, throws." These members
  // answer from JavaScript state without touching the pointer, so they still work after free().
  objTest('freed handles: members answered from JavaScript state throw too (Connection.error, Connection.pending, Connection.write(""), Context.verifyPeer)', w => {
    const { c, client, other } = freedHandles(w);
    const wrong = [...useFreed(c, connectionProbes()).js, ...useFreed(client, contextProbes(other, w.p.ca)).js];
    other.free();
    assert.deepEqual(wrong, []);
  });

  objTest('`using` frees Session, Connection and Context at scope end, also on a throw, and is a no-op after an explicit free()', w => {
    const seen: { ctx?: Context; conn?: Connection; sess?: Session } = {};
    {
      using ctx = w.client();
      using conn = ctx.createConnection({ serverName: 'localhost' });
      using sess = w.o.newSession();
      Object.assign(seen, { ctx, conn, sess });
      assert.deepEqual(w.o.stats().handles, { Context: 1, Connection: 1, Session: 1 });
    }
    assert.ok(!seen.ctx!.alive && !seen.conn!.alive && !seen.sess!.alive, 'all three freed at the end of the block');
    assert.deepEqual(w.o.stats().handles, NO_HANDLES);

    assert.throws(() => {
      using sess = w.o.newSession();
      seen.sess = sess;
      throw new RangeError('leaving the block by a throw');
    }, RangeError);
    assert.ok(!seen.sess!.alive, 'freed when the block was left by an exception');

    {
      using sess = w.o.newSession();
      sess.free();
      using ctx = w.server();
      using conn = ctx.createConnection();
      ctx.free(); // frees conn too: both disposals are then no-ops
      assert.ok(!conn.alive);
    }
    assert.deepEqual(w.o.stats().handles, NO_HANDLES);
  });

  objTest('ref(): a new handle on the same SSL_SESSION, freed independently; referenceCount goes up and down by exactly one', w => {
    const server = w.server(), client = w.client();
    const p = w.pair(client, server).connect();
    for (const s of [w.o.newSession(), p.last()]) {
      const n = s.referenceCount;
      const before = w.o.stats().handles.Session;
      const r = s.ref();
      assert.ok(r !== s && r.is(s) && s.is(r), 'a different handle on the same SSL_SESSION');
      assert.ok(r.owned, 'the new handle owns its reference');
      assert.equal(s.referenceCount, n + 1, 'ref() adds one reference');
      assert.equal(w.o.stats().handles.Session, before + 1);
      const r2 = r.ref();
      assert.equal(s.referenceCount, n + 2);
      r.free();
      assert.equal(s.referenceCount, n + 1, 'free() of one handle gives back exactly one');
      assert.ok(s.alive && r2.alive && !r.alive, "freeing one handle leaves the others' alive");
      s.free();
      assert.equal(r2.referenceCount, n, 'the original handle gave back its own reference');
      assert.ok(r2.timeout > 0 && r2.print().startsWith('SSL-Session:'), 'the remaining handle still reads the session');
      r2.free();
    }
    p.free(); client.free(); server.free();
  });

  objTest('dup(): a different SSL_SESSION (is() false) with equal DER, one reference, in no cache', w => {
    const server = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET }), client = w.client();
    const p = w.pair(client, server).connect();
    const cached = p.s.session!;
    assert.equal(cached.cacheOwner, server.pointer, "the server's session is in its context's cache");
    for (const s of [p.last(), cached]) {
      const d = s.dup();
      assert.ok(!d.is(s) && !s.is(d), 'a different SSL_SESSION');
      assert.deepEqual(d.toDER(), s.toDER(), 'with the same contents');
      assert.equal(d.referenceCount, 1);
      assert.equal(d.cacheOwner, null, 'not in any cache');
      const der = s.toDER();
      s === cached ? s.free() : p.free();
      assert.deepEqual(d.toDER(), der, 'outlives the original');
      d.free();
    }
    client.free(); server.free();
  });

  objTest("a Session lent to a connection's onSession is dead after the callback returns (FreedHandleError mentioning ref()), cannot be freed, and ref() inside keeps one", w => {
    const server = w.server(), client = w.client();
    const seen: { lent: Session[]; kept: Session[]; freeError: unknown[]; aliveAfterDispose: boolean[] } = { lent: [], kept: [], freeError: [], aliveAfterDispose: [] };
    const c = client.createConnection({
      serverName: 'localhost',
      onSession: s => {
        seen.lent.push(s);
        try { s.free(); } catch (e) { seen.freeError.push(e); }
        s[Symbol.dispose]();
        seen.aliveAfterDispose.push(s.alive && s.isResumable);
        seen.kept.push(s.ref());
      },
    });
    const s = server.createConnection();
    handshakeInMemory(c, s);
    assert.equal(seen.lent.length, 2, 'two TLS 1.3 tickets, two sessions');
    for (const e of seen.freeError) {
      assert.ok(e instanceof TypeError && !(e instanceof FreedHandleError), 'free() inside the callback is refused (a TypeError)');
      assert.match((e as Error).message, /borrowed .* owns no reference/);
    }
    assert.equal(seen.freeError.length, 2);
    assert.deepEqual(seen.aliveAfterDispose, [true, true], '[Symbol.dispose]() on a lent session is a no-op');
    for (const lent of seen.lent) {
      assert.ok(!lent.alive && !lent.owned);
      const e = assert.throws(() => lent.id, FreedHandleError) as Error;
      assert.match(e.message, /lent for the duration of a callback.*call ref\(\) inside the callback/);
      assert.throws(() => lent.free(), FreedHandleError);
      assert.throws(() => lent.ref(), FreedHandleError);
      lent[Symbol.dispose]();
    }
    for (const [i, kept] of seen.kept.entries()) {
      assert.ok(kept.alive && kept.owned && kept.isResumable, 'the ref() taken inside the callback lives on');
      assert.notEqual(kept, seen.lent[i]);
    }
    shutdownBoth(c, s);
    c.free(); s.free();
    // The kept session resumes.
    const p = w.pair(client, server, { session: seen.kept[1] }).connect();
    assert.ok(p.c.sessionReused && p.s.sessionReused);
    p.free();
    for (const k of seen.kept) k.free();
    client.free(); server.free();
  });

  objTest('sessions lent to sessionCallbacks.onNew (client and server) and onRemove are dead after the callback, cannot be freed, and ref() keeps one', w => {
    interface Seen { lent: Session; kept: Session; freeError: unknown; connection?: Connection | null }
    const events: Record<'clientNew' | 'serverNew' | 'remove', Seen[]> = { clientNew: [], serverNew: [], remove: [] };
    const record = (list: Seen[], s: Session, connection?: Connection | null) => {
      let freeError: unknown = null;
      try { s.free(); } catch (e) { freeError = e; }
      list.push({ lent: s, kept: s.ref(), freeError, connection });
    };
    const server = w.server({
      maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET,
      sessionCallbacks: { onNew: (s, conn) => record(events.serverNew, s, conn), onRemove: s => record(events.remove, s) },
    });
    const client = w.client({ sessionCallbacks: { onNew: (s, conn) => record(events.clientNew, s, conn) } });
    const p = w.pair(client, server).connect();
    assert.equal(events.clientNew.length, 1, 'client onNew: one TLS 1.2 session');
    assert.equal(events.serverNew.length, 1, 'server onNew: the session it cached');
    assert.equal(events.clientNew[0].connection, p.c, 'onNew receives the Connection object');
    assert.equal(events.serverNew[0].connection, p.s);
    assert.ok(events.clientNew[0].kept.is(p.last()), "the client's onNew and onSession saw the same session");
    const cached = events.serverNew[0].kept;
    assert.equal(cached.cacheOwner, server.pointer);
    // A clean close keeps the session cached (freeing an unfinished connection would remove it).
    shutdownBoth(p.c, p.s);
    p.free();
    assert.equal(events.remove.length, 0);

    // onRemove: removeSession() and an expiry flush.
    assert.equal(server.removeSession(cached), true);
    assert.equal(events.remove.length, 1);
    assert.ok(events.remove[0].kept.is(cached), 'onRemove is given the removed session');
    assert.equal(server.addSession(cached), true);
    server.flushSessions(cached.time + cached.timeout + 1);
    assert.equal(events.remove.length, 2, 'flushSessions() past its expiry removes it again');
    assert.equal(server.sessionStats.number, 0);

    for (const e of [...events.clientNew, ...events.serverNew, ...events.remove]) {
      assert.ok(e.freeError instanceof TypeError && !(e.freeError instanceof FreedHandleError), 'free() inside the callback is refused');
      assert.ok(!e.lent.alive, 'dead after the callback');
      assert.match((assert.throws(() => e.lent.cipher, FreedHandleError) as Error).message, /call ref\(\) inside the callback/);
      assert.throws(() => e.lent.free(), FreedHandleError);
      assert.ok(e.kept.alive && e.kept.cipher !== null, 'the ref() taken inside lives on');
      e.kept.free();
    }
    client.free(); server.free();
  });

  // SSL_CTX_sess_set_remove_cb(3): "It also happens for all sessions in the internal session cache
  // when SSL_CTX_free(3) is called." OpenSSL does call the remove callback from SSL_CTX_free; the
  // object layer's dispatch no longer finds the Context by then.
  objTest('Context.free() reports every session still in its cache to onRemove, as SSL_CTX_free does', w => {
    const removed: Uint8Array[] = [];
    const server = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET, sessionCallbacks: { onRemove: s => { removed.push(s.id); } } });
    const client = w.client();
    const ids: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const p = w.pair(client, server).connect();
      ids.push(p.last().id);
      shutdownBoth(p.c, p.s);
      p.free();
    }
    assert.equal(server.sessionStats.number, 3);
    assert.equal(removed.length, 0, 'cleanly closed connections leave their sessions cached');
    server.free();
    client.free();
    assert.deepEqual(removed.map(hex).sort(), ids.map(hex).sort(), 'onRemove saw each cached session when the context was freed');
  });

  objTest('Context.free() frees its own live connections first (and only its own)', w => {
    const a = w.client(), b = w.client(), server = w.server();
    const a1 = a.createConnection({ serverName: 'localhost' });
    const a2 = a.createConnection({ serverName: 'localhost' });
    const a3 = a.createConnection({ serverName: 'localhost' });
    const b1 = b.createConnection({ serverName: 'localhost' });
    const s1 = server.createConnection();
    handshakeInMemory(a2, s1); // one connected, two idle
    a1.free();
    assert.deepEqual(w.o.stats().handles, { Context: 3, Connection: 4, Session: 0 });
    a.free();
    assert.ok(!a2.alive && !a3.alive, "the context's connections are freed with it");
    assert.throws(() => a2.handshake(), FreedHandleError);
    assert.throws(() => a3.free(), FreedHandleError, 'and cannot be freed again');
    assert.ok(b1.alive && s1.alive, "other contexts' connections are untouched");
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 2, Session: 0 });
    assert.equal(b1.handshake(), 'want-read', 'and still work');
    b.free(); server.free();
    assert.ok(!b1.alive && !s1.alive);
  });

  objTest("a Session in one Context's cache cannot be added to another Context nor set on another context's connection (SSL_set_session(3)), and can after removal", w => {
    const sentence = 'One SSL_SESSION object, regardless of its reference count, must therefore only be used with one SSL_CTX object';
    const refused = (fn: () => unknown, what: string) => {
      const e = assert.throws(fn, TypeError, what) as Error;
      assert.ok(!(e instanceof FreedHandleError), what);
      assert.ok(e.message.includes(sentence), `${what}: the message quotes the man page: ${e.message}`);
    };
    const serverA = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET });
    const serverB = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET });
    const clientA = w.client(), clientB = w.client();
    const p = w.pair(clientA, serverA).connect();

    // A server session, cached by serverA during the handshake.
    const cached = p.s.session!;
    assert.equal(cached.cacheOwner, serverA.pointer);
    refused(() => serverB.addSession(cached), 'addSession to another context');
    const alias = cached.ref();
    refused(() => serverB.addSession(alias), 'addSession of another handle on the same object (whatever its reference count)');
    alias.free();
    const copy = cached.dup();
    assert.equal(serverB.addSession(copy), true, 'a dup() is a separate object and may go elsewhere');
    assert.equal(serverA.addSession(cached), false, 'adding it to its own cache again: OpenSSL returns 0, already there');

    // A client session, put in clientA's cache by hand.
    const sess = p.last();
    assert.equal(clientA.addSession(sess), true);
    assert.equal(sess.cacheOwner, clientA.pointer);
    const before = w.o.stats().handles.Connection;
    refused(() => clientB.createConnection({ serverName: 'localhost', session: sess }), 'createConnection({ session }) on another context');
    assert.equal(w.o.stats().handles.Connection, before, 'the refused connection was freed');
    const other = clientB.createConnection({ serverName: 'localhost' });
    refused(() => other.setSession(sess), 'setSession on another context\'s connection');
    refused(() => clientB.addSession(sess), 'addSession to another client context');
    const own = clientA.createConnection({ serverName: 'localhost', session: sess });
    own.free();

    // Out of the first cache, the same objects may go elsewhere.
    assert.equal(clientA.removeSession(sess), true);
    assert.equal(sess.cacheOwner, null);
    other.setSession(sess);
    assert.equal(clientB.addSession(sess), true);
    assert.equal(sess.cacheOwner, clientB.pointer);
    assert.equal(serverA.removeSession(cached), true);
    assert.equal(serverB.removeSession(copy), true);
    assert.equal(serverB.addSession(cached), true);
    assert.equal(cached.cacheOwner, serverB.pointer);

    // The same rule for a session an onGet callback hands back: the handshake fails with the callback's error.
    const foreign = w.o.newSession();
    foreign.id = new Uint8Array(32).fill(7);
    serverA.addSession(foreign);
    const serverC = w.server({ maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET, sessionCallbacks: { onGet: () => foreign } });
    const fresh = w.pair(clientA, serverA).connect();
    const q = w.pair(clientA, serverC, { session: fresh.last() });
    const e = assert.throws(() => q.connect(), CallbackError) as CallbackError;
    assert.ok(e.cause instanceof TypeError && (e.cause as Error).message.includes(sentence), `onGet's session refused: ${e.message}`);

    for (const x of [q, fresh, p]) x.free();
    for (const x of [cached, copy, sess, foreign, other, serverA, serverB, serverC, clientA, clientB]) if (x.alive) x.free();
  });

  // ---- the FinalizationRegistry backstop

  const gcWhere = inBrowser ? 'Chromium: gc() from --js-flags=--expose-gc at launch'
    : 'Node and Deno: gc() exposed at run time through node:v8 and node:vm';
  test(`FinalizationRegistry backstop: forgotten Contexts, Connections and Sessions are released and counted in stats().finalized (${gcWhere})`, async () => {
    const w = new World(await OpenSSL.load({ wasm: wasmURL }), await pki());
    const gc = await collector();
    if (typeof gc === 'string') throw new Error(`could not force a garbage collection in this runtime, so the backstop is untested here: ${gc}`);
    /** Collects (bounded: 100 rounds) until `want` handles in all have been finalized; returns the rounds taken. */
    const collectUntil = async (want: number) => {
      let rounds = 0;
      for (; rounds < 100 && w.o.stats().finalized < want; rounds++) {
        await gc.collect();
        await tick(10);
      }
      const got = w.o.stats().finalized;
      if (got === 0) {
        throw new Error(`could not force a garbage collection (${gc.how}): nothing was finalized after ${rounds} rounds; the backstop is untested here`);
      }
      if (got < want && inBrowser) {
        // Without gc() a partial result may only mean that no full collection happened.
        throw new Error(`memory pressure finalized ${got} of ${want} handles in ${rounds} rounds: could not force a full garbage collection here`);
      }
      return rounds;
    };
    // A first round warms up OpenSSL's lazily built state, so that heapInUse compares afterwards.
    const warm = forgetSome(w);
    await collectUntil(warm.forgotten);
    warm.keep.free();
    const start = w.o.stats();
    assert.equal(start.finalized, warm.forgotten, 'the warm-up round was finalized');
    assert.deepEqual(start.handles, NO_HANDLES);

    const { keep, forgotten } = forgetSome(w);
    const held = w.o.stats().heapInUse - start.heapInUse;
    assert.ok(forgotten >= 6, `${forgotten} handles forgotten`);
    assert.ok(held > 16 * 1024, `the forgotten objects hold ${held} bytes`);
    assert.equal(keep.referenceCount, 2, 'the forgotten handle and `keep` hold one reference each');
    const rounds = await collectUntil(start.finalized + forgotten);
    const st = w.o.stats();
    console.log(`FinalizationRegistry backstop: ${st.finalized - start.finalized} handles finalized after ${rounds} rounds of ${gc.how}`);
    assert.equal(st.finalized - start.finalized, forgotten, 'every forgotten handle was counted in stats().finalized');
    assert.deepEqual(st.handles, { Context: 0, Connection: 0, Session: 1 }, 'only `keep` is live');
    assert.equal(keep.referenceCount, 1, "the forgotten Session's reference was given back to OpenSSL");
    keep.free();
    const end = w.o.stats();
    assert.deepEqual(end.handles, NO_HANDLES);
    // Not to the byte: which of OpenSSL's lazily grown tables a round touches varies by a few bytes.
    assert.ok(Math.abs(end.heapInUse - start.heapInUse) <= 1024,
      `the forgotten objects' ${held} bytes were released: heapInUse ${start.heapInUse} before, ${end.heapInUse} after`);
  });

  // ---- errors

  objTest('a bad PEM certificate: OpenSSLError carrying the whole error stack, code, library and reason', w => {
    const cases = [
      { certificate: 'garbage', minEntries: 1, reason: /no start line/ },
      { certificate: '-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n', minEntries: 2, reason: /./ },
    ];
    for (const k of cases) {
      const e = assert.throws(() => w.o.createContext({ role: 'server', certificate: k.certificate, privateKey: w.p.key }), OpenSSLError) as OpenSSLError;
      assert.equal(e.name, 'OpenSSLError');
      assert.match(e.message, /^certificate holds no PEM certificate \(PEM_read_bio_X509\): /);
      assert.ok(e.errors.length >= k.minEntries, `${e.errors.length} stack entries`);
      assert.equal(e.code, e.errors[0].code, 'code is the first (oldest) entry\'s');
      assert.equal(e.library, e.errors[0].library);
      assert.equal(e.reason, e.errors[0].reason);
      assert.ok(e.code !== 0 && typeof e.library === 'string' && typeof e.reason === 'string');
      assert.match(e.reason!, k.reason);
      for (const entry of e.errors) {
        assert.ok(e.message.includes(entry.message), `the message carries "${entry.message}"`);
        assert.equal(entry.lib, (entry.code >>> 23) & 0xff);
      }
      assert.equal(w.o.raw.capi.ERR_peek_error(), 0, 'the error stack was drained into the exception');
    }
    const bad = assert.throws(() => w.o.createContext({ role: 'server', certificate: w.p.cert, privateKey: 'not a key' }), OpenSSLError) as OpenSSLError;
    assert.match(bad.message, /privateKey is not a PEM private key/);
    assert.ok(bad.errors.length >= 1 && bad.library !== null);
    const other = assert.throws(() => w.o.createContext({ role: 'server', certificate: w.p.cert, privateKey: w.p.rsaKey }), OpenSSLError) as OpenSSLError;
    assert.match(other.message, /private key does not match the certificate/);
    assert.deepEqual(w.o.stats().handles, NO_HANDLES, 'no half-made Context is left');
  });

  objTest('a verification failure throws OpenSSLError naming the verification error; connection.error is sticky; takeOutgoing() still hands over the alert', w => {
    const server = w.server(), client = w.client({ ca: w.p.otherCa });
    const p = w.pair(client, server);
    p.c.handshake();
    transfer(p.c, p.s);
    p.s.handshake();
    transfer(p.s, p.c);
    const e = assert.throws(() => p.c.handshake(), OpenSSLError) as OpenSSLError;
    assert.match(e.message, /^handshake failed \(certificate verification: unable to get local issuer certificate\): .*certificate verify failed/);
    assert.equal(e.reason, 'certificate verify failed');
    assert.equal(e.library, 'SSL routines');
    assert.deepEqual(p.c.verifyResult, { code: 20, message: 'unable to get local issuer certificate' });
    assert.equal(p.c.error, e);
    for (const again of [() => p.c.handshake(), () => p.c.read(), () => p.c.write('x'), () => p.c.shutdown()]) {
      assert.equal(assert.throws(again), e, 'every later operation throws the same error');
    }
    const alert = p.c.takeOutgoing();
    assert.deepEqual(alert, new Uint8Array([21, 3, 3, 0, 2, 2, 48]), 'a fatal unknown_ca alert record');
    assert.equal(p.c.takeOutgoing().length, 0);
    p.s.receive(alert);
    const se = assert.throws(() => p.s.handshake(), OpenSSLError) as OpenSSLError;
    assert.match(se.message, /tlsv1 alert unknown ca/);
    assert.equal(p.s.error, se);
    assert.equal(p.c.error, e, 'still the first error');
    p.free(); client.free(); server.free();
  });

  objTest('misuse is a TypeError or RangeError naming the argument (and never an OpenSSLError or a leaked handle)', w => {
    const client = w.client(), server = w.server();
    const conn = client.createConnection({ serverName: 'localhost' });
    const sconn = server.createConnection();
    const sess = w.o.newSession();
    const cases: Misuse[] = [
      ['no options', () => w.o.createContext(null as never), TypeError, /options must be an object/],
      ['bad role', () => w.o.createContext({ role: 'peer' as never }), TypeError, /options\.role must be 'client' or 'server', got peer/],
      ['misspelt option', () => w.o.createContext({ role: 'client', ciphersuites: 'TLS_AES_128_GCM_SHA256' } as never), TypeError, /unknown option "ciphersuites" \(did you mean cipherSuites\?\)/],
      ['unknown option', () => w.o.createContext({ role: 'client', hostname: 'x' } as never), TypeError, /unknown option "hostname"; the options are role, /],
      ['minVersion', () => w.o.createContext({ role: 'client', minVersion: 'TLSv1.1' as never }), RangeError, /minVersion/],
      ['maxVersion', () => w.o.createContext({ role: 'client', maxVersion: 'SSLv3' as never }), RangeError, /maxVersion/],
      ['certificate without privateKey', () => w.o.createContext({ role: 'server', certificate: w.p.cert }), TypeError, /privateKey/],
      ['privateKey without certificate', () => w.o.createContext({ role: 'server', privateKey: w.p.key }), TypeError, /certificate/],
      ['certificate not a string', () => w.o.createContext({ role: 'server', certificate: 42 as never, privateKey: w.p.key }), TypeError, /certificate must be a string/],
      ['ca not a string', () => w.o.createContext({ role: 'client', ca: [42] as never }), TypeError, /ca must be a string/],
      ['groups not a string', () => w.o.createContext({ role: 'client', groups: 42 as never }), TypeError, /groups must be a string/],
      ['options not a bigint', () => w.o.createContext({ role: 'client', options: 1 as never }), TypeError, /options\.options must be a bigint/],
      ['sessionTimeout -1', () => w.o.createContext({ role: 'server', sessionTimeout: -1 }), RangeError, /sessionTimeout/],
      ['sessionCacheSize 1.5', () => w.o.createContext({ role: 'server', sessionCacheSize: 1.5 }), RangeError, /sessionCacheSize/],
      ['sessionCacheMode -1', () => w.o.createContext({ role: 'server', sessionCacheMode: -1 }), RangeError, /sessionCacheMode/],
      ['numTickets -1', () => w.o.createContext({ role: 'server', numTickets: -1 }), RangeError, /numTickets/],
      ['sessionIdContext 33 bytes', () => w.o.createContext({ role: 'server', sessionIdContext: new Uint8Array(33) }), RangeError, /sessionIdContext is at most 32 bytes/],
      ['sessionIdContext not bytes', () => w.o.createContext({ role: 'server', sessionIdContext: 42 as never }), TypeError, /sessionIdContext/],
      ['connection options', () => client.createConnection(null as never), TypeError, /options must be an object/],
      ['misspelt connection option', () => client.createConnection({ servername: 'localhost' } as never), TypeError, /createConnection: unknown option "servername" \(did you mean serverName\?\)/],
      ['serverName missing on a verifying client', () => client.createConnection(), TypeError, /needs serverName.*checkHostName: false/],
      ['serverName empty', () => client.createConnection({ serverName: '' }), TypeError, /serverName must be a non-empty string/],
      ['serverName on a server', () => server.createConnection({ serverName: 'localhost' }), TypeError, /serverName, checkHostName and session are client options/],
      ['session on a server', () => server.createConnection({ session: sess }), TypeError, /client options/],
      ['setSession on a server connection', () => sconn.setSession(sess), TypeError, /setSession is for clients/],
      ['setSession(not a Session)', () => conn.setSession({} as never), TypeError, /setSession: session must be a Session or null/],
      ['receive(non-Uint8Array)', () => conn.receive('hello' as never), TypeError, /receive: data must be a Uint8Array/],
      ['receive(ArrayBuffer)', () => conn.receive(new ArrayBuffer(4) as never), TypeError, /receive: data/],
      ['write(number)', () => conn.write(42 as never), TypeError, /write: data must be a Uint8Array or a string/],
      ['shutdownState 4', () => { conn.shutdownState = 4; }, RangeError, /shutdownState/],
      ['context sessionTimeout -1', () => { server.sessionTimeout = -1; }, RangeError, /sessionTimeout must be whole seconds, got -1/],
      ['flushSessions(-1)', () => server.flushSessions(-1), RangeError, /flushSessions: time/],
      ['session time -1', () => { sess.time = -1; }, RangeError, /time must be/],
      ['session timeout 1.5', () => { sess.timeout = 1.5; }, RangeError, /timeout must be/],
      ['session id not bytes', () => { sess.id = 'abc' as never; }, TypeError, /id must be a Uint8Array/],
      ['session idContext not bytes', () => { sess.idContext = 42 as never; }, TypeError, /idContext/],
      ['session alpn not a string', () => { sess.alpn = 42 as never; }, TypeError, /alpn/],
      ['session ticketAppData not bytes', () => { sess.ticketAppData = 42 as never; }, TypeError, /ticketAppData/],
      ['sessionFromDER(string)', () => w.o.sessionFromDER('MII' as never), TypeError, /sessionFromDER: der must be a Uint8Array/],
      ['sessionFromPEM(bytes)', () => w.o.sessionFromPEM(new Uint8Array(1) as never), TypeError, /sessionFromPEM: pem must be a string/],
    ];
    assert.deepEqual(misused(w, cases), []);
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 2, Session: 1 });
    assert.equal(conn.error, null, 'misuse is not a connection error');
    assert.equal(conn.handshake(), 'want-read', 'and the connection still works');
    for (const h of [conn, sconn, sess, client, server]) h.free();
  });

  // context.ts computes alpnWire(options.alpn) after super() registered the new SSL_CTX but before
  // the try block that frees it when configuration fails.
  test('a bad alpn option is a RangeError/TypeError naming alpn, and createContext leaves no Context behind', async () => {
    const w = new World(await OpenSSL.load({ wasm: wasmURL }), await pki());
    const cases: Misuse[] = [
      ['alpn too long', () => w.o.createContext({ role: 'client', alpn: ['x'.repeat(256)] }), RangeError, /alpn protocol names are 1 to 255 bytes/],
      ['alpn empty name', () => w.o.createContext({ role: 'server', alpn: [''] }), RangeError, /alpn protocol names are 1 to 255 bytes/],
      ['alpn empty list', () => w.o.createContext({ role: 'client', alpn: [] }), TypeError, /alpn must be a non-empty array/],
      ['alpn not an array', () => w.o.createContext({ role: 'client', alpn: 'h2' as never }), TypeError, /alpn must be a non-empty array/],
      ['alpn name not a string', () => w.o.createContext({ role: 'client', alpn: [42] as never }), TypeError, /alpn must be a string/],
    ];
    assert.deepEqual(misused(w, cases), []);
  });

  objTest('receiveEnd() in the middle of a handshake fails it with OpenSSLError (unexpected eof), no hang', w => {
    const server = w.server(), client = w.client();
    for (const side of ['client', 'server'] as const) {
      const p = w.pair(client, server);
      assert.equal(p.c.handshake(), 'want-read');
      transfer(p.c, p.s);
      assert.equal(p.s.handshake(), 'want-read');
      const conn = side === 'client' ? p.c : p.s;
      assert.equal(conn.handshake(), 'want-read', 'nothing more has arrived: waiting, not failing');
      conn.receiveEnd();
      const e = assert.throws(() => conn.handshake(), OpenSSLError) as OpenSSLError;
      assert.match(e.message, /unexpected eof while reading/);
      assert.equal(conn.error, e);
      p.free();
    }
    client.free(); server.free();
  });

  // ---- sessions

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    objTest(`${version} session: every getter, setter and export; DER and PEM round trips; print() and printKeylog()`, w => {
      const server = w.server({ maxVersion: version, alpn: ['h2'], sessionTimeout: 600 });
      const client = w.client({ alpn: ['h2'], sessionTimeout: 3000 });
      const p = w.pair(client, server, { serverName: 'server.test' }).connect();
      const s = p.last();
      const now = Date.now() / 1000;
      const want = version === 'TLSv1.3' ? 0x0304 : 0x0303;

      assert.equal(s.protocol, version);
      assert.equal(s.protocolVersion, want);
      assert.equal(s.cipher, p.c.cipher, "the connection's cipher");
      assert.match(s.cipherStandardName ?? '', version === 'TLSv1.3' ? /^TLS_AES_(256_GCM_SHA384|128_GCM_SHA256)$|^TLS_CHACHA20/ : /^TLS_ECDHE_ECDSA_WITH_/);
      if (version === 'TLSv1.3') assert.equal(s.cipherStandardName, s.cipher, 'TLS 1.3 suites have one name');
      assert.equal(s.id.length, 32);
      assert.equal(s.idContext.length, 0, 'a client session has no id context');
      // OpenSSL records the SNI name in the session only once the server acknowledged it, which
      // needs a servername callback (none here): SSL_SESSION_get0_hostname is NULL.
      assert.equal(s.hostName, null);
      assert.equal(s.alpn, 'h2');
      assert.deepEqual(s.peerCertificate, w.p.certDER, "the server certificate's DER");
      assert.ok(Math.abs(s.time - now) < 120, `time ${s.time} is now (${now})`);
      assert.equal(s.timeout, 3000, "the client context's sessionTimeout");
      assert.equal(s.hasTicket, true);
      assert.equal(s.ticketLifetimeHint, 600, "the server's sessionTimeout");
      assert.equal(s.isResumable, true);
      assert.equal(s.ticketAppData, null);
      assert.equal(s.cacheOwner, null, 'a client context stores nothing in its cache by default');

      // Exports, before any setter changes the session.
      const der = s.toDER();
      const fromDER = w.o.sessionFromDER(der);
      assert.ok(!fromDER.is(s));
      assert.deepEqual(fromDER.toDER(), der, 'DER round trip');
      const pem = s.toPEM();
      assert.match(pem, /^-----BEGIN SSL SESSION PARAMETERS-----\n[A-Za-z0-9+/=\n]+-----END SSL SESSION PARAMETERS-----\n$/);
      const fromPEM = w.o.sessionFromPEM(pem);
      assert.deepEqual(fromPEM.toDER(), der, 'PEM round trip');
      for (const x of [fromDER, fromPEM]) {
        assert.equal(x.protocol, version);
        assert.equal(x.cipher, s.cipher);
        assert.deepEqual(x.id, s.id);
        assert.equal(x.alpn, 'h2');
        assert.deepEqual(x.peerCertificate, w.p.certDER);
        assert.equal(x.time, s.time);
        assert.equal(x.timeout, s.timeout);
        assert.equal(x.hasTicket, true);
        assert.equal(x.ticketLifetimeHint, 600);
        assert.equal(x.isResumable, true);
        x.free();
      }
      const printed = s.print();
      assert.ok(printed.startsWith('SSL-Session:\n'), printed);
      assert.ok(printed.includes(`Protocol  : ${version}\n`), printed);
      assert.ok(printed.includes(`Cipher    : ${s.cipher}\n`), printed);
      assert.ok(printed.includes(`Session-ID: ${hex(s.id)}\n`), printed);
      assert.ok(printed.includes('Timeout   : 3000 (sec)'), printed);
      assert.ok(printed.includes('TLS session ticket lifetime hint: 600 (seconds)'), printed);
      if (version === 'TLSv1.2') {
        const line = s.printKeylog();
        assert.match(line, /^RSA Session-ID:[0-9A-F]{64} Master-Key:[0-9A-F]{96}\n$/);
        assert.ok(line.includes(`Session-ID:${hex(s.id)} `));
      }

      // Setters: each value reads back, and survives DER.
      s.id = new Uint8Array([1, 2, 3, 4]);
      s.idContext = 'app';
      s.hostName = 'server.test';
      s.alpn = 'http/1.1';
      s.time = 1_700_000_000;
      s.timeout = 77;
      s.ticketAppData = 'app data';
      const check = (x: Session, what: string) => {
        assert.deepEqual(x.id, new Uint8Array([1, 2, 3, 4]), `${what}: id`);
        assert.equal(text(x.idContext), 'app', `${what}: idContext`);
        assert.equal(x.hostName, 'server.test', `${what}: hostName`);
        assert.equal(x.alpn, 'http/1.1', `${what}: alpn`);
        assert.equal(x.time, 1_700_000_000, `${what}: time`);
        assert.equal(x.timeout, 77, `${what}: timeout`);
        assert.equal(text(x.ticketAppData ?? new Uint8Array()), 'app data', `${what}: ticketAppData`);
      };
      check(s, 'set');
      const back = w.o.sessionFromDER(s.toDER());
      check(back, 'from DER');
      back.free();
      s.hostName = null;
      s.alpn = null;
      s.ticketAppData = new Uint8Array([0, 255]);
      assert.equal(s.hostName, null);
      assert.equal(s.alpn, null);
      assert.deepEqual(s.ticketAppData, new Uint8Array([0, 255]));
      assert.throws(() => { s.id = new Uint8Array(33); }, /^id is at most 32 bytes, got 33$/, 'an id over SSL_MAX_SSL_SESSION_ID_LENGTH is refused before it is copied into linear memory');
      p.free(); client.free(); server.free();
    });

    objTest(`${version}: a Session imported from DER (and from PEM) resumes a connection`, w => {
      const server = w.server({ maxVersion: version }), client = w.client();
      const p = w.pair(client, server).connect();
      const der = p.last().toDER(), pem = p.last().toPEM();
      shutdownBoth(p.c, p.s);
      p.free();
      for (const imported of [w.o.sessionFromDER(der), w.o.sessionFromPEM(pem)]) {
        const q = w.pair(client, server, { session: imported }).connect();
        assert.ok(q.c.sessionReused && q.s.sessionReused, 'resumed on both sides');
        assert.equal(q.c.protocol, version);
        assert.deepEqual(q.c.peerCertificate, w.p.certDER, 'the resumed session carries the peer certificate');
        shutdownBoth(q.c, q.s);
        q.free();
        imported.free();
      }
      client.free(); server.free();
    });
  }

  objTest('sessionFromDER and sessionFromPEM on garbage throw OpenSSLError with the ASN.1/PEM stack; an empty session does not encode', w => {
    for (const der of [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])]) {
      const e = assert.throws(() => w.o.sessionFromDER(der), OpenSSLError) as OpenSSLError;
      assert.match(e.message, /^sessionFromDER: not a DER SSL_SESSION \(d2i_SSL_SESSION\)/);
    }
    const e = assert.throws(() => w.o.sessionFromDER(new Uint8Array([1, 2, 3])), OpenSSLError) as OpenSSLError;
    assert.ok(e.errors.length >= 1 && e.library === 'asn1 encoding routines', `${e.library}`);
    const pe = assert.throws(() => w.o.sessionFromPEM('not pem'), OpenSSLError) as OpenSSLError;
    assert.equal(pe.reason, 'no start line');
    const empty = w.o.newSession();
    assert.equal(empty.protocol, null);
    assert.equal(empty.cipher, null);
    assert.equal(empty.id.length, 0);
    assert.equal(empty.isResumable, false);
    assert.equal(empty.peerCertificate, null);
    assert.equal(empty.referenceCount, 1);
    assert.ok(empty.print().includes('Protocol  : unknown'));
    assert.throws(() => empty.toDER(), OpenSSLError);
    empty.free();
  });

  objTest('a session whose ticket is present but empty (a DER or PEM import) prints whole: the ticket line, empty (patch 0007)', w => {
    // SSL_SESSION_ASN1 { version 1, TLS 1.3, TLS_AES_128_GCM_SHA256, no id, no key, [10] ticket: an empty OCTET STRING }
    const der = new Uint8Array([0x30, 0x13, 0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x04, 0x04, 0x02, 0x13, 0x01, 0x04, 0x00, 0x04, 0x00, 0xaa, 0x02, 0x04, 0x00]);
    const fromDER = w.o.sessionFromDER(der);
    const fromPEM = w.o.sessionFromPEM(fromDER.toPEM());
    try {
      for (const s of [fromDER, fromPEM]) {
        assert.equal(s.hasTicket, false, 'SSL_SESSION_has_ticket: an empty ticket is none');
        assert.equal(s.ticket, null);
        // OpenSSL's BIO_dump_indent of 0 bytes returns 0, which SSL_SESSION_print took as a failure
        // (no reason queued, the text cut at the ticket line): OpenSSLError "SSL_SESSION_print" before.
        const printed = s.print();
        assert.ok(printed.startsWith('SSL-Session:\n    Protocol  : TLSv1.3\n    Cipher    : TLS_AES_128_GCM_SHA256\n'), printed);
        assert.ok(printed.includes('\n    TLS session ticket:\n\n'), `the ticket line, with no dump under it: ${printed}`);
        assert.ok(!/^ {4}0000 - /m.test(printed), printed);
        assert.ok(printed.endsWith('    Verify return code: 0 (ok)\n    Extended master secret: no\n    Max Early Data: 0\n'), `printed to the end: ${printed}`);
      }
    } finally {
      fromPEM.free();
      fromDER.free();
    }
  });

  // ---- connections

  objTest('write/read both ways (up to 100 kB at once), then shutdown(): want-read, the peer reads closed, done', w => {
    const server = w.server(), client = w.client();
    const p = w.pair(client, server);
    assert.equal(p.c.isHandshakeDone, false);
    assert.equal(p.c.protocol, null);
    assert.equal(p.c.cipher, null);
    assert.equal(p.c.alpn, null);
    assert.equal(p.c.peerCertificate, null);
    assert.equal(p.c.session, null, 'no session before the handshake');
    assert.equal(p.c.write('early'), 'want-read', 'write() before the handshake starts it and waits for the server');
    p.connect();
    assert.ok(p.c.isHandshakeDone && p.s.isHandshakeDone);
    assert.equal(p.c.protocol, 'TLSv1.3');
    assert.equal(p.s.protocol, 'TLSv1.3');
    assert.equal(p.c.error, null);
    assert.deepEqual(p.c.verifyResult, { code: 0, message: 'ok' });
    assert.deepEqual(p.c.peerCertificate, w.p.certDER);
    assert.equal(p.s.peerCertificate, null, 'no client certificate');
    // write()'s contract: unless it returned 'done', nothing was taken (the call is to be repeated).
    assert.equal(p.read.server.length, 0, 'the write that returned want-read sent nothing');
    assert.equal(p.read.client.length, 0);

    assert.equal(p.c.write('ping'), 'done');
    assert.ok(p.c.wantsWrite && p.c.outgoingBytes > 4);
    transfer(p.c, p.s);
    assert.equal(p.c.wantsWrite, false);
    assert.deepEqual(p.s.read(), { data: new TextEncoder().encode('ping'), state: 'want-read' });
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    assert.equal(p.s.write(big), 'done');
    transfer(p.s, p.c);
    const got = p.c.read();
    assert.equal(got.state, 'want-read');
    assert.deepEqual(got.data, big, '100 kB across several records, in one read()');
    assert.deepEqual(p.c.read(), { data: new Uint8Array(0), state: 'want-read' }, 'nothing more');

    shutdownBoth(p.c, p.s);
    assert.equal(p.c.shutdownState, C.SSL_SENT_SHUTDOWN | C.SSL_RECEIVED_SHUTDOWN);
    assert.equal(p.s.shutdownState, C.SSL_SENT_SHUTDOWN | C.SSL_RECEIVED_SHUTDOWN);
    assert.equal(p.c.read().state, 'closed', 'read() keeps answering closed');
    p.free(); client.free(); server.free();
  });

  objTest("ALPN: the server's preference wins; a mismatch makes the server alert no_application_protocol", w => {
    const server = w.server({ alpn: ['h2', 'http/1.1'] });
    const agree = w.client({ alpn: ['http/1.1', 'h2'] });
    const p = w.pair(agree, server).connect();
    assert.equal(p.c.alpn, 'h2');
    assert.equal(p.s.alpn, 'h2');
    assert.equal(p.last().alpn, 'h2');
    p.free();

    const silent = w.client();
    const q = w.pair(silent, server).connect();
    assert.equal(q.c.alpn, null, 'a client offering nothing gets nothing');
    assert.equal(q.s.alpn, null);
    q.free();

    const plain = w.server();
    const r = w.pair(agree, plain).connect();
    assert.equal(r.c.alpn, null, 'a server without ALPN ignores the offer');
    r.free();

    const other = w.client({ alpn: ['spdy/1'] });
    const m = w.pair(other, server);
    m.c.handshake();
    transfer(m.c, m.s);
    const e = assert.throws(() => m.s.handshake(), OpenSSLError) as OpenSSLError;
    assert.match(e.message, /no application protocol/);
    const alert = m.s.takeOutgoing();
    assert.deepEqual(alert, new Uint8Array([21, 3, 3, 0, 2, 2, 120]), 'a fatal no_application_protocol alert');
    m.c.receive(alert);
    assert.match((assert.throws(() => m.c.handshake(), OpenSSLError) as Error).message, /tlsv1 alert no application protocol/);
    m.free();
    for (const x of [server, agree, silent, plain, other]) x.free();
  });

  objTest('SNI: the server sees the name the client sent; none for an IP address; a name the certificate lacks fails verification', w => {
    const server = w.server(), client = w.client();
    const p = w.pair(client, server, { serverName: 'server.test' }).connect();
    assert.equal(p.s.serverName, 'server.test');
    assert.equal(p.c.serverName, 'server.test');
    p.free();
    const ip = w.pair(client, server, { serverName: '127.0.0.1' }).connect();
    assert.equal(ip.s.serverName, null, 'no SNI for an IP address (RFC 6066)');
    assert.deepEqual(ip.c.verifyResult, { code: 0, message: 'ok' }, 'the IP is checked against the certificate instead');
    ip.free();
    const unchecked = w.pair(client, server, { serverName: 'example.org', checkHostName: false }).connect();
    assert.equal(unchecked.s.serverName, 'example.org', 'checkHostName: false still sends the name');
    unchecked.free();
    const wrong = w.pair(client, server, { serverName: 'example.org' });
    assert.match((assert.throws(() => wrong.connect(), OpenSSLError) as Error).message, /certificate verification: hostname mismatch/);
    assert.equal(wrong.c.verifyResult.code, 62);
    wrong.free();
    client.free(); server.free();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    objTest(`${version}: the keylog option gets NSS key log lines, the same on both sides, with the Connection`, w => {
      const lines: { side: string; line: string; conn: Connection | null }[] = [];
      const server = w.server({ maxVersion: version, keylog: (line, conn) => lines.push({ side: 's', line, conn }) });
      const client = w.client({ keylog: (line, conn) => lines.push({ side: 'c', line, conn }) });
      const p = w.pair(client, server).connect();
      const of = (side: string) => lines.filter(l => l.side === side);
      assert.ok(of('c').every(l => l.conn === p.c) && of('s').every(l => l.conn === p.s), 'each line comes with its Connection');
      const labels = (side: string) => of(side).map(l => l.line.split(' ')[0]).sort();
      const want = version === 'TLSv1.3'
        ? ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']
        : ['CLIENT_RANDOM'];
      assert.deepEqual(labels('c'), want);
      assert.deepEqual(of('c').map(l => l.line).sort(), of('s').map(l => l.line).sort(), 'both sides log the same secrets');
      const random = of('c')[0].line.split(' ')[1];
      for (const { line } of lines) assert.match(line, new RegExp(`^[A-Z_0-9]+ ${random} [0-9a-f]{64,96}$`));
      if (version === 'TLSv1.2') {
        const master = of('c')[0].line.split(' ')[2];
        assert.ok(p.last().printKeylog().includes(`Master-Key:${master.toUpperCase()}`), "the session's master key is the one logged");
      }
      p.free(); client.free(); server.free();
    });
  }

  objTest('groups, cipherSuites and cipherList options are honoured; an RSA certificate works as well', w => {
    const server = w.server(), dflt = w.client();
    const d = w.pair(dflt, server).connect();
    assert.equal(d.c.group, 'X25519MLKEM768', 'the default group');
    d.free();
    const p256 = w.client({ groups: 'P-256' });
    const g = w.pair(p256, server).connect();
    assert.equal(g.c.group, 'secp256r1');
    assert.equal(g.s.group, 'secp256r1');
    g.free();
    const chacha = w.client({ cipherSuites: 'TLS_CHACHA20_POLY1305_SHA256' });
    const c = w.pair(chacha, server).connect();
    assert.equal(c.c.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(c.s.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(c.last().cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    c.free();
    const tls12 = w.client({ maxVersion: 'TLSv1.2', cipherList: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
    const t = w.pair(tls12, server).connect();
    assert.equal(t.c.protocol, 'TLSv1.2');
    assert.equal(t.c.cipher, 'ECDHE-ECDSA-CHACHA20-POLY1305');
    t.free();
    const rsa = w.o.createContext({ role: 'server', certificate: w.p.rsaCert, privateKey: w.p.rsaKey, maxVersion: 'TLSv1.2' });
    const r = w.pair(dflt, rsa).connect();
    assert.match(r.c.cipher ?? '', /^ECDHE-RSA-/);
    assert.deepEqual(r.c.peerCertificate, w.p.rsaCertDER);
    assert.deepEqual(r.last().peerCertificate, w.p.rsaCertDER);
    r.free();
    const p384 = w.client({ groups: 'P-384' }), onlyP256 = w.server({ groups: 'P-256' });
    const n = w.pair(p384, onlyP256);
    assert.throws(() => n.connect(), OpenSSLError, 'no group in common');
    n.free();
    for (const x of [server, dflt, p256, chacha, tls12, rsa, p384, onlyP256]) x.free();
  });

  // ---- stats()

  objTest('stats(): handle counts by type follow every creation and free; heapInUse grows with live objects and falls back', w => {
    const s0 = w.o.stats();
    assert.deepEqual(s0.handles, NO_HANDLES);
    assert.equal(s0.finalized, 0);
    assert.ok(Number.isInteger(s0.memorySize) && s0.memorySize >= s0.heapInUse && s0.memorySize % 65536 === 0);
    const server = w.server(), client = w.client();
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 0, Session: 0 });
    const p = w.pair(client, server).connect();
    assert.deepEqual(w.o.stats().handles, { Context: 2, Connection: 2, Session: 2 }, 'two connections, two TLS 1.3 sessions kept');
    const s = p.c.session!;
    assert.equal(w.o.stats().handles.Session, 3, 'the session getter returns a new handle');
    s.free();
    p.free();
    const mid = w.o.stats();
    assert.deepEqual(mid.handles, { Context: 2, Connection: 0, Session: 0 });
    const many = Array.from({ length: 50 }, () => w.o.newSession());
    const full = w.o.stats().heapInUse;
    assert.ok(full > mid.heapInUse, `50 sessions take memory (${mid.heapInUse} -> ${full})`);
    for (const x of many) x.free();
    assert.equal(w.o.stats().heapInUse, mid.heapInUse, 'and give it back');
    client.free(); server.free();
  });
});
