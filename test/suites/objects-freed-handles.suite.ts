// The object layer's freed handles: every getter, setter and method of a freed Session, Connection
// and Context throws FreedHandleError (members answered from JavaScript state too), and a second
// free() throws. The probe tables are checked against the prototypes: a member added without a
// probe is used generically.
// Each test loads its own instance and must leave it with no live handle and nothing finalized
// (checked after the test body by `objTest`, test/lib/object-world.ts).
import {
  constants as C, FreedHandleError,
  type Connection, type Context, type Session,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { objectTest, World } from '../lib/object-world.ts';

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

suite('object layer: freed handles', test => {
  const objTest = objectTest(test);

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
});
