// The public API, swept member by member as an attacker would: every public method, getter and
// setter of Connection, Context, Session, OpenSSL, TLSEngine and ClientHello, and every export of
// the main entry, is in a table saying how it is used, and each is then called after free (a
// FreedHandleError; the instance goes on), with a handle of another instance (a ForeignHandleError),
// with wrong types (a TypeError or RangeError, never silence) and oversized input (a RangeError
// naming the limit, thrown before anything is copied: linear memory, which never shrinks, does not
// grow; a 1 GiB input is never copied in). The tables are checked against the prototypes and the
// module's exports: a member or export added without a row here fails the sweep, so it stays whole.
// Every test ends with the harness's leak check (no handle left in any instance).
import * as api from '../../ts/index.ts';
import {
  ClientHello, Connection, Context, ForeignHandleError, FreedHandleError, OpenSSL, OutOfMemoryError, ReentrantCallError,
  Session, TLSEngine, handshakeInMemory, type EngineEvents,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { readURL, wasmURL } from '../lib/fixtures.ts';
import { testLine } from '../lib/line.ts';
import { pipePair } from '../lib/memory-pair.ts';
import { withMaximumMemory } from '../lib/small-memory.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, pki, serverContext } from '../lib/tls.ts';

/** What a sweep of one instance works with: contexts of each role, and the other instance's handles. */
interface World {
  o: OpenSSL;
  pki: { ca: string; cert: string; key: string };
  client: Context;
  server: Context;
  /** Handles of another instance, for the ForeignHandleError checks. */
  other: { o: OpenSSL; client: Context; server: Context; session: Session; connection: Connection };
}

type ErrorClass = new (...args: never[]) => Error;

/** One row: how a member is used, and what it must do when misused. */
interface Row<T> {
  /** A valid use of the member on a live handle (a getter read, a setter given a valid value). */
  use(h: T, w: World): unknown;
  /** Which connection (Connection rows) or context (Context rows) the row is for: a server's, or (default) either for contexts and a client's for connections. */
  role?: 'client' | 'server';
  /** Why it does not throw FreedHandleError after free (what it reads is not OpenSSL's), if it does not. */
  afterFree?: string;
  /** Calls with a handle of the other instance: each throws a ForeignHandleError. */
  foreign?: ((h: T, w: World) => unknown)[];
  /** Calls with arguments of the wrong type or shape: each throws a TypeError or a RangeError. */
  wrong?: ((h: T, w: World) => unknown)[];
  /** Calls with oversized input: each throws a RangeError naming the limit, and linear memory does not grow. */
  oversized?: ((h: T, w: World) => unknown)[];
}

/** A member that is not the program's to call (marked @internal), with the reason. */
interface Internal { internal: string }
type Table<T> = Record<string, Row<T> | Internal>;

const isInternal = <T>(r: Row<T> | Internal): r is Internal => 'internal' in r;
const read = <T>(name: string) => (h: T) => (h as Record<string, unknown>)[name];
const getter = <T>(name: string, extra: Omit<Row<T>, 'use'> = {}): Row<T> => ({ use: read<T>(name), ...extra });

/** Every own member of a class's prototype chain up to Object, and the public fields of an instance. */
function membersOf(proto: object, instance?: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor') names.add(n);
    for (const s of Object.getOwnPropertySymbols(p)) names.add(s === Symbol.dispose ? '[Symbol.dispose]' : String(s));
  }
  for (const n of Object.keys(instance ?? {})) names.add(n);
  return [...names].sort();
}

/** Asserts the table has a row for every member and none for a member that is gone. */
function assertComplete(what: string, table: Record<string, unknown>, members: string[]): void {
  const missing = members.filter(m => !(m in table));
  const stale = Object.keys(table).filter(k => !members.includes(k));
  assert.deepEqual({ missing, stale }, { missing: [], stale: [] },
    `${what}: every public member has a row in the sweep's table (add one for a new member: how it is used, and how it fails)`);
}

/** The outcome of fn as text: 'ok', or the error's class and message. */
function outcome(fn: () => unknown): { ok: true } | { ok: false; error: unknown } {
  try {
    const r = fn();
    if (r instanceof Promise) r.catch(() => undefined);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
const describe = (e: unknown) => e instanceof Error ? `${e.name}: ${e.message.slice(0, 160)}` : String(e);

/** Checks one misuse: it must throw one of `classes`; a problem is recorded otherwise. */
function expectThrow(problems: string[], label: string, fn: () => unknown, ...classes: ErrorClass[]): unknown {
  const r = outcome(fn);
  if (r.ok) problems.push(`${label}: accepted silently`);
  else if (!classes.some(c => r.error instanceof c)) problems.push(`${label}: ${describe(r.error)} (wanted ${classes.map(c => c.name).join(' or ')})`);
  else if (!(r.error as Error).message) problems.push(`${label}: an error without a message`);
  return r.ok ? undefined : r.error;
}

/** Fails with every problem found, one a line. */
function noProblems(problems: string[]): void {
  if (problems.length) throw new assert.AssertionError(`${problems.length} problem(s):\n${problems.join('\n')}`);
}

/** Lets a 1 GiB buffer be made where the runtime allows it (cheap: it is never written). */
function gigabyte(): Uint8Array {
  return new Uint8Array(1 << 30);
}

const bytes = (n: number) => new Uint8Array(n);

let huge: string | undefined;
/** Just over 64 Mi characters (one string, made once): a text input beyond every bound, as big as a string is cheap to make everywhere. */
function hugeText(): string {
  huge ??= 'x'.repeat((64 << 20) + 1);
  return huge;
}

/**
 * An ECH member's use on the line under test: on 3.5, a TypeError naming the 4.0 line (its
 * documented answer there); on 4.0, `use`. Misuse rows are TypeErrors on both lines.
 */
function onEchLine<R>(use: () => R): R | undefined {
  if (testLine === '4.0') return use();
  const r = outcome(use);
  if (!r.ok && r.error instanceof FreedHandleError) throw r.error; // the after-free check's answer
  const e = assert.throws(use, TypeError);
  assert.match((e as Error).message, /needs the OpenSSL 4\.0 line.*line: '4\.0'/);
  return undefined;
}
/** A new ECH key of `o` (4.0 line; on 3.5 the generating call is what onEchLine checks). */
const echKey = (o: OpenSSL) => o.generateEchKey({ publicName: 'public.example' });
/** Oversized-input rows that only the 4.0 line reaches (on 3.5 the line's TypeError comes first). */
const on40 = <R>(rows: R[]): R[] => testLine === '4.0' ? rows : [];

/**
 * Runs a use that this handle's state refuses (a client's readEarlyData, a handshake already
 * under way): its TypeError is the documented answer; a FreedHandleError goes on to the sweep.
 */
function refusedForState(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof FreedHandleError || !(e instanceof TypeError)) throw e;
  }
}

// ---- the tables

const HANDLE_ROWS = {
  pointer: getter<{ pointer: unknown }>('pointer'),
  alive: getter('alive', { afterFree: 'says false: that is what it is for' }),
  owned: getter('owned', { afterFree: 'whether it owned a reference: a JavaScript field' }),
  kind: getter('kind', { afterFree: 'a JavaScript field naming the type' }),
  tracker: { internal: "the instance's handle tracker (a protected field)" },
  free: { use: (h: { free(): void }) => h.free() } as Row<never>,
  '[Symbol.dispose]': {
    use: (h: { [Symbol.dispose](): void }) => h[Symbol.dispose](),
    afterFree: '`using` after an explicit free() is allowed (documented): it frees only what is alive',
  },
};

const CONNECTION: Table<Connection> = {
  ...(HANDLE_ROWS as unknown as Table<Connection>),
  core: { internal: "the instance's shared state (a private field)" },
  context: getter('context', { afterFree: 'the Context it was made from: a JavaScript field' }),
  onSession: getter('onSession', { afterFree: 'the onSession option: a JavaScript field' }),
  receive: {
    use: c => c.receive(bytes(0)),
    wrong: [c => c.receive('x' as never), c => c.receive(null as never), c => c.receive([1, 2] as never), c => c.receive(new ArrayBuffer(4) as never)],
    oversized: [c => c.receive(gigabyte())],
  },
  incomingBytes: getter('incomingBytes'),
  incomingCapacity: getter('incomingCapacity'),
  maxIncomingBytes: getter('maxIncomingBytes'),
  receiveEnd: { use: c => c.receiveEnd() },
  outgoingBytes: getter('outgoingBytes'),
  wantsWrite: getter('wantsWrite'),
  takeOutgoing: { use: c => c.takeOutgoing() },
  handshake: { use: c => c.handshake() },
  isHandshakeDone: getter('isHandshakeDone'),
  write: {
    use: c => c.write('x'),
    wrong: [c => c.write(5 as never), c => c.write(null as never), c => c.write({ length: 1 } as never)],
    // more than one call takes (MAX_WRITE_BYTES, 64 MiB): refused before it is copied in
    oversized: [c => c.write(gigabyte()), c => c.write(bytes((64 << 20) + 1)), c => c.write(`${hugeText()}x`)],
  },
  read: { use: c => c.read() },
  shutdown: { use: c => c.shutdown() },
  shutdownState: {
    use: c => { c.shutdownState = c.shutdownState; },
    wrong: [c => { c.shutdownState = 'x' as never; }, c => { c.shutdownState = 4; }],
  },
  pending: getter('pending'),
  waitFor: { use: c => c.waitFor(Promise.resolve()), wrong: [c => c.waitFor(5 as never), c => c.waitFor(null as never)] },
  error: getter('error'),
  setSession: {
    use: c => c.setSession(null),
    foreign: [(c, w) => c.setSession(w.other.session)],
    wrong: [c => c.setSession('x' as never), c => c.setSession({} as never)],
  },
  addSessionListener: { use: c => c.addSessionListener(() => undefined)(), wrong: [c => c.addSessionListener(5 as never)] },
  clientHello: getter('clientHello'),
  session: { use: c => c.session?.free() },
  sessionReused: getter('sessionReused'),
  protocol: getter('protocol'),
  cipher: getter('cipher'),
  group: getter('group'),
  alpn: getter('alpn'),
  serverName: getter('serverName'),
  peerCertificate: getter('peerCertificate'),
  verifyResult: getter('verifyResult'),
  onTrace: {
    use: c => { c.onTrace = null; },
    wrong: [c => { c.onTrace = 5 as never; }, c => { c.onTrace = 'x' as never; }],
  },
  exportKeyingMaterial: {
    use: c => c.exportKeyingMaterial(32, 'EXPERIMENTAL sweep'),
    wrong: [c => c.exportKeyingMaterial('32' as never, 'x'), c => c.exportKeyingMaterial(32, 5 as never), c => c.exportKeyingMaterial(32, 'x', 'ctx' as never)],
    oversized: [c => c.exportKeyingMaterial(1 << 30, 'x'), c => c.exportKeyingMaterial(65537, 'x'),
      // the world's connections are TLS 1.3: a label of at most 249 bytes (TLS13_MAX_LABEL_LEN), a context of 0xffff
      c => c.exportKeyingMaterial(32, 'x'.repeat(250)), c => c.exportKeyingMaterial(32, hugeText()),
      c => c.exportKeyingMaterial(32, 'x', bytes(0x10000)), c => c.exportKeyingMaterial(32, 'x', gigabyte())],
  },
  finished: getter('finished'),
  peerFinished: getter('peerFinished'),
  sessionTicket: getter('sessionTicket'),
  peerCertificateDetails: { use: c => c.peerCertificateDetails(true) },
  useContextCertificate: {
    role: 'server',
    use: (c, w) => c.useContextCertificate(w.server),
    foreign: [(c, w) => c.useContextCertificate(w.other.server)],
    wrong: [c => c.useContextCertificate({} as never), c => c.useContextCertificate(null as never), (c, w) => c.useContextCertificate(w.client)],
  },
  verifyWithoutRejecting: { use: c => c.verifyWithoutRejecting() },
  setMaxSendFragment: {
    use: c => c.setMaxSendFragment(512),
    wrong: [c => c.setMaxSendFragment('512' as never), c => c.setMaxSendFragment(1.5), c => c.setMaxSendFragment(Number.NaN)],
  },
  disableRenegotiation: { use: c => c.disableRenegotiation() },
  clientHelloExtension: {
    role: 'server',
    use: c => c.clientHelloExtension(0),
    wrong: [c => c.clientHelloExtension('x' as never), c => c.clientHelloExtension(-1), c => c.clientHelloExtension(0x10000)],
  },
  messageHook: {
    use: c => { c.messageHook = false; },
    wrong: [c => { c.messageHook = 'no' as never; }, c => { c.messageHook = 0 as never; }],
  },
  localCertificateDetails: getter('localCertificateDetails'),
  clientRandom: getter('clientRandom'),
  serverRandom: getter('serverRandom'),
  masterKey: { use: c => c.masterKey() },
  writeEarlyData: { use: c => refusedForState(() => c.writeEarlyData('x')), wrong: [c => c.writeEarlyData(5 as never)], oversized: [c => c.writeEarlyData(gigabyte())] },
  readEarlyData: { role: 'server', use: c => refusedForState(() => c.readEarlyData()) },
  earlyDataStatus: getter('earlyDataStatus'),
  earlyDataWritten: getter('earlyDataWritten'),
  denyEarlyData: { role: 'server', use: c => c.denyEarlyData() },
  peerTempKey: {
    // null after a KEM group (the default X25519MLKEM768: the server sends a ciphertext, not a key)
    use: c => { const k = c.peerTempKey; assert.ok(k === null ? /MLKEM/.test(c.group ?? '') : k.bits > 0, `${c.group}: ${JSON.stringify(k)}`); },
  },
  sharedSignatureAlgorithms: { role: 'server', use: c => assert.ok(c.sharedSignatureAlgorithms.length > 0) },
  // ECH (4.0 line): on 3.5 both are null, as documented; on 4.0 a client without ECH says 'not-configured'.
  ech: { use: c => assert.equal(c.ech?.status ?? null, testLine === '4.0' ? 'not-configured' : null) },
  echRetryConfigs: { use: c => assert.equal(c.echRetryConfigs, null, 'no ECH, no retry configs') },
};

const CONTEXT: Table<Context> = {
  ...(HANDLE_ROWS as unknown as Table<Context>),
  core: { internal: "the instance's shared state (a private field)" },
  role: getter('role', { afterFree: "the role it was made with: a JavaScript field" }),
  addTrustedCertificates: {
    use: (x, w) => x.addTrustedCertificates(w.pki.ca),
    // Text that is not PEM is bad input, not misuse: an OpenSSLError with the PEM stack (objects suite).
    wrong: [x => x.addTrustedCertificates(5 as never), x => x.addTrustedCertificates([5] as never)],
    // More certificates than one text may hold: refused, none taken (they were once dropped past 1000, silently).
    oversized: [(x, w) => x.addTrustedCertificates(`${w.pki.ca}\n`.repeat(1001))],
  },
  verifyPeer: getter('verifyPeer'),
  maxIncomingBytes: getter('maxIncomingBytes'),
  createConnection: {
    use: x => x.createConnection(x.role === 'client' ? { serverName: 'localhost' } : {}).free(),
    foreign: [(x, w) => x.createConnection({ serverName: 'localhost', session: w.other.session })],
    wrong: [x => x.createConnection(5 as never), x => x.createConnection({ bogus: 1 } as never), x => x.createConnection({ serverName: 5 } as never),
      x => x.createConnection({ serverName: 'localhost', maxIncomingBytes: 'big' } as never),
      x => x.createConnection({ serverName: 'localhost', ech: 5 } as never), x => x.createConnection({ serverName: 'localhost', ech: { configList: 5 } } as never),
      x => x.createConnection({ serverName: 'localhost', ech: {} }), x => x.createConnection({ serverName: 'localhost', ech: { grease: true, outerServerName: 'o' } })],
    oversized: [x => x.createConnection({ serverName: 'localhost', maxIncomingBytes: 2 ** 60 }),
      // more than an ECHConfigList can be (a 16-bit length): refused before the line is asked
      // (a client's option: a server context's row asks the world's client context)
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { configList: bytes(1 << 20) } }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { configList: 'A'.repeat(64 << 20) } }),
      // an SNI name is at most 255 bytes (TLSEXT_MAXLEN_host_name), an ECH outer name too
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'x'.repeat(256) }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: hugeText() }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { configList: 'AAAA', outerServerName: hugeText() } }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { grease: hugeText() } })],
  },
  sessionCacheMode: { use: x => { x.sessionCacheMode = x.sessionCacheMode; }, wrong: [x => { x.sessionCacheMode = 'x' as never; }, x => { x.sessionCacheMode = -1; }] },
  sessionCacheSize: { use: x => { x.sessionCacheSize = x.sessionCacheSize; }, wrong: [x => { x.sessionCacheSize = 'x' as never; }], oversized: [x => { x.sessionCacheSize = 2 ** 40; }] },
  sessionTimeout: { use: x => { x.sessionTimeout = x.sessionTimeout; }, wrong: [x => { x.sessionTimeout = 1.5; }], oversized: [x => { x.sessionTimeout = 2 ** 40; }] },
  numTickets: { use: x => { x.numTickets = x.numTickets; }, wrong: [x => { x.numTickets = 'x' as never; }], oversized: [x => { x.numTickets = 2 ** 40; }] },
  sessionIdContext: {
    use: x => { x.sessionIdContext = 'sweep'; },
    wrong: [x => { x.sessionIdContext = 5 as never; }],
    oversized: [x => { x.sessionIdContext = bytes(33); }, x => { x.sessionIdContext = gigabyte(); }, x => { x.sessionIdContext = hugeText(); }],
  },
  setSessionCallbacks: { use: x => x.setSessionCallbacks({}), wrong: [x => x.setSessionCallbacks(5 as never), x => x.setSessionCallbacks(null as never)] },
  setClientHelloHandler: { role: 'server', use: x => x.setClientHelloHandler(null), wrong: [x => x.setClientHelloHandler(5 as never)] },
  setTicketKeys: {
    use: x => x.setTicketKeys([]),
    wrong: [x => x.setTicketKeys('x' as never), x => x.setTicketKeys([{}] as never), x => x.setTicketKeys([null] as never)],
    oversized: [x => x.setTicketKeys(Array.from({ length: 17 }, () => ({ name: bytes(16), aesKey: bytes(32), hmacKey: bytes(32) })))],
  },
  shareTicketKeys: {
    role: 'server',
    use: (x, w) => x.shareTicketKeys(w.server),
    foreign: [(x, w) => x.shareTicketKeys(w.other.server)],
    wrong: [x => x.shareTicketKeys({} as never), x => x.shareTicketKeys(null as never), (x, w) => x.shareTicketKeys(w.client)],
  },
  options: getter('options'),
  setOptions: { use: x => x.setOptions(0n), wrong: [x => x.setOptions(1 as never)] },
  clearOptions: { use: x => x.clearOptions(0n), wrong: [x => x.clearOptions('1' as never)] },
  minVersion: { use: x => { x.minVersion = 'TLSv1.2'; }, wrong: [x => { x.minVersion = 'TLSv9' as never; }, x => { x.minVersion = 771 as never; }] },
  maxVersion: { use: x => { x.maxVersion = null; }, wrong: [x => { x.maxVersion = 'SSLv3' as never; }] },
  addSession: {
    use: (x, w) => { const s = w.o.newSession(); try { x.addSession(s); } finally { s.free(); } },
    foreign: [(x, w) => x.addSession(w.other.session)],
    wrong: [x => x.addSession('x' as never), x => x.addSession(null as never)],
  },
  removeSession: {
    use: (x, w) => { const s = w.o.newSession(); try { x.removeSession(s); } finally { s.free(); } },
    foreign: [(x, w) => x.removeSession(w.other.session)],
    wrong: [x => x.removeSession({} as never)],
  },
  flushSessions: { use: x => x.flushSessions(), wrong: [x => x.flushSessions('now' as never), x => x.flushSessions(-1)] },
  sessionStats: getter('sessionStats'),
  maxEarlyData: {
    role: 'server', use: x => { x.maxEarlyData = x.maxEarlyData; },
    wrong: [x => { x.maxEarlyData = 'x' as never; }], oversized: [x => { x.maxEarlyData = 2 ** 32; }],
  },
  recvMaxEarlyData: {
    role: 'server', use: x => { x.recvMaxEarlyData = x.recvMaxEarlyData; },
    wrong: [x => { x.recvMaxEarlyData = null as never; }],
  },
  clientHelloHandler: getter('clientHelloHandler'),
  // ECH (4.0 line; on 3.5 a TypeError naming it). From inside the server's handshake callbacks:
  // the ech suite (the connection under way keeps its keys, later ones take the new).
  setEchKeys: {
    role: 'server',
    // (on 3.5 with text that is never read: the line, or a freed context, is refused first)
    use: (x, w) => onEchLine(() => { x.setEchKeys([testLine === '4.0' ? echKey(w.o) : 'unread']); assert.equal(x.echKeys.length, 1); }),
    wrong: [x => x.setEchKeys('pem' as never), x => x.setEchKeys([5] as never), x => x.setEchKeys([{ pem: 5 }] as never), x => x.setEchKeys([null] as never),
      (x, w) => x.setEchKeys([{ pem: testLine === '4.0' ? echKey(w.o) : '', retry: 'yes' as never }])],
    oversized: on40([x => x.setEchKeys(['-'.repeat(64 << 20)]), (x, w) => x.setEchKeys(new Array<string>(257).fill(echKey(w.o)))]),
  },
  echKeys: { use: x => onEchLine(() => assert.deepEqual(x.echKeys, [])) },
};

const SESSION: Table<Session> = {
  ...(HANDLE_ROWS as unknown as Table<Session>),
  core: { internal: "the instance's shared state (a private field)" },
  ref: { use: s => s.ref().free() },
  dup: { use: s => s.dup().free() },
  is: {
    use: (s, w) => assert.equal(s.is(w.other.session), false, "another instance's session is never the same one"),
  },
  referenceCount: getter('referenceCount'),
  cacheOwner: getter('cacheOwner'),
  id: { use: s => { s.id = s.id; }, wrong: [s => { s.id = 'x' as never; }], oversized: [s => { s.id = bytes(33); }, s => { s.id = gigabyte(); }] },
  idContext: { use: s => { s.idContext = 'sweep'; }, wrong: [s => { s.idContext = 5 as never; }], oversized: [s => { s.idContext = bytes(33); }, s => { s.idContext = gigabyte(); }, s => { s.idContext = hugeText(); }] },
  protocolVersion: getter('protocolVersion'),
  protocol: getter('protocol'),
  cipher: getter('cipher'),
  cipherStandardName: getter('cipherStandardName'),
  hostName: { use: s => { s.hostName = 'localhost'; }, wrong: [s => { s.hostName = 5 as never; }], oversized: [s => { s.hostName = 'x'.repeat(256); }, s => { s.hostName = hugeText(); }] },
  alpn: { use: s => { s.alpn = 'h2'; }, wrong: [s => { s.alpn = 5 as never; }], oversized: [s => { s.alpn = 'x'.repeat(256); }, s => { s.alpn = hugeText(); }, s => { s.alpn = gigabyte() as never; }] },
  peerCertificate: getter('peerCertificate'),
  time: { use: s => { s.time = s.time; }, wrong: [s => { s.time = 'x' as never; }, s => { s.time = -1; }], oversized: [s => { s.time = 2 ** 40; }] },
  timeout: { use: s => { s.timeout = 300; }, wrong: [s => { s.timeout = 1.5; }], oversized: [s => { s.timeout = 2 ** 40; }] },
  hasTicket: getter('hasTicket'),
  ticket: getter('ticket'),
  ticketLifetimeHint: getter('ticketLifetimeHint'),
  maxEarlyData: getter('maxEarlyData'),
  isResumable: getter('isResumable'),
  ticketAppData: {
    use: s => { s.ticketAppData = 'sweep'; }, wrong: [s => { s.ticketAppData = 5 as never; }],
    // a ticket carries a session of at most 0xFF00 bytes (tls_construct_stateless_ticket)
    oversized: [s => { s.ticketAppData = bytes(0xff01); }, s => { s.ticketAppData = gigabyte(); }, s => { s.ticketAppData = hugeText(); }],
  },
  toDER: { use: s => s.toDER() },
  toPEM: { use: s => s.toPEM() },
  print: { use: s => s.print() },
  printKeylog: { use: s => s.printKeylog() },
};

const OPENSSL: Table<OpenSSL> = {
  raw: getter('raw', { afterFree: 'an instance is never freed' }),
  version: getter('version', { afterFree: 'an instance is never freed' }),
  createContext: {
    use: o => o.createContext({ role: 'client', verifyPeer: false }).free(),
    afterFree: 'an instance is never freed',
    wrong: [o => o.createContext(null as never), o => o.createContext({ role: 'proxy' } as never), o => o.createContext({ role: 'client', bogus: 1 } as never)],
    oversized: [o => o.createContext({ role: 'client', verifyPeer: false, maxIncomingBytes: 2 ** 60 }),
      // PEM text longer than any that holds a certificate list or a key: refused, not copied in
      (o, w) => o.createContext({ role: 'server', certificate: '-'.repeat(64 << 20), privateKey: w.pki.key }),
      (o, w) => o.createContext({ role: 'server', certificate: w.pki.cert, privateKey: '-'.repeat(8 << 20) }),
      o => o.createContext({ role: 'client', ca: '-'.repeat(64 << 20) }),
      // ALPN: a name of at most 255 bytes, a list of at most 0xffff in wire format (RFC 7301)
      o => o.createContext({ role: 'client', verifyPeer: false, alpn: [hugeText()] }),
      o => o.createContext({ role: 'client', verifyPeer: false, alpn: new Array<string>(300).fill('x'.repeat(255)) }),
      // lists, passphrases, PKCS#12, CRLs, PSK identities: each bounded before it is copied in
      o => o.createContext({ role: 'client', verifyPeer: false, groups: hugeText() }),
      o => o.createContext({ role: 'client', verifyPeer: false, cipherList: hugeText() }),
      o => o.createContext({ role: 'client', verifyPeer: false, cipherSuites: hugeText() }),
      (o, w) => o.createContext({ role: 'server', certificate: w.pki.cert, privateKey: w.pki.key, privateKeyPassphrase: 'x'.repeat(1025) }),
      (o, w) => o.createContext({ role: 'server', certificate: w.pki.cert, privateKey: w.pki.key, privateKeyPassphrase: hugeText() }),
      o => o.createContext({ role: 'server', pkcs12: gigabyte() }),
      o => o.createContext({ role: 'server', pkcs12: bytes(16), pkcs12Passphrase: hugeText() }),
      (o, w) => o.createContext({ role: 'client', ca: w.pki.ca, crl: hugeText() }),
      (o, w) => o.createContext({ role: 'client', ca: w.pki.ca, crl: ['', hugeText()] }),
      o => { const session = o.pskSession({ key: bytes(32) }); try { return o.createContext({ role: 'client', verifyPeer: false, psk: { identity: hugeText(), session } }); } finally { session.free(); } },
      o => o.createContext({ role: 'server', verifyPeer: false, onPskFind: () => null, pskIdentityHint: hugeText() })],
  },
  newSession: { use: o => o.newSession().free(), afterFree: 'an instance is never freed' },
  pskSession: {
    use: o => o.pskSession({ key: bytes(32) }).free(), afterFree: 'an instance is never freed',
    wrong: [o => o.pskSession(5 as never), o => o.pskSession({ key: 'k' } as never)],
    oversized: [o => o.pskSession({ key: bytes(1 << 20) }), o => o.pskSession({ key: gigabyte() }), o => o.pskSession({ key: bytes(32), cipher: hugeText() })],
  },
  sessionFromDER: {
    use: (o, w) => o.sessionFromDER(w.other.session.toDER()).free(), // sessions move between instances as bytes
    afterFree: 'an instance is never freed',
    wrong: [o => o.sessionFromDER('x' as never), o => o.sessionFromDER(null as never)],
    oversized: [o => o.sessionFromDER(gigabyte())],
  },
  sessionFromPEM: {
    use: (o, w) => o.sessionFromPEM(w.other.session.toPEM()).free(),
    afterFree: 'an instance is never freed',
    wrong: [o => o.sessionFromPEM(5 as never), o => o.sessionFromPEM(bytes(4) as never)],
    oversized: [o => o.sessionFromPEM('-'.repeat(64 << 20))],
  },
  owns: {
    use: (o, w) => assert.equal(o.owns(w.other.session), false), afterFree: 'an instance is never freed',
  },
  stats: { use: o => o.stats(), afterFree: 'an instance is never freed' },
  line: { use: o => assert.equal(o.line, testLine), afterFree: 'an instance is never freed' },
  // ECH (4.0 line; on 3.5 a TypeError naming it).
  generateEchKey: {
    use: o => onEchLine(() => assert.match(echKey(o), /-----BEGIN ECHCONFIG-----/)), afterFree: 'an instance is never freed',
    wrong: [o => o.generateEchKey(null as never), o => o.generateEchKey('public.example' as never), o => o.generateEchKey({ publicName: 5 } as never),
      o => o.generateEchKey({ publicName: '' }), o => o.generateEchKey({ publicName: 'p', suite: 5 } as never), o => o.generateEchKey({ publicName: 'p', maxNameLength: -1 })],
    oversized: on40([o => o.generateEchKey({ publicName: 'p'.repeat(256) }), o => o.generateEchKey({ publicName: 'p', maxNameLength: 256 }),
      o => o.generateEchKey({ publicName: 'p', suite: hugeText() })]),
  },
  echConfigList: {
    use: o => onEchLine(() => assert.ok(o.echConfigList([echKey(o)]).length > 0)), afterFree: 'an instance is never freed',
    wrong: [o => o.echConfigList('pem' as never), o => o.echConfigList([5] as never), o => o.echConfigList([]), o => o.echConfigList(null as never)],
    oversized: on40([o => o.echConfigList(['-'.repeat(64 << 20)])]),
  },
  echConfigListPEM: {
    use: o => onEchLine(() => assert.match(o.echConfigListPEM([echKey(o)]), /-----BEGIN ECHCONFIG-----/)), afterFree: 'an instance is never freed',
    wrong: [o => o.echConfigListPEM({} as never), o => o.echConfigListPEM([{ retry: true }] as never), o => o.echConfigListPEM([])],
    oversized: on40([o => o.echConfigListPEM(['-'.repeat(64 << 20)])]),
  },
};

/** A world: an instance with a client and a server context, and another instance's handles. */
async function makeWorld(): Promise<World & { free(): void }> {
  const [o, b] = await Promise.all([load(), load()]);
  const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
  const oc = await clientContext(b, 'TLSv1.2'), os = await serverContext(b, 'TLSv1.2');
  const { c, s } = connect(oc, os);
  const session = c.session!;
  const w: World = { o, pki: await pki(), client, server, other: { o: b, client: oc, server: os, session, connection: c } };
  return {
    ...w,
    free() {
      close(c, s);
      for (const h of [session, oc, os, client, server]) h.free();
    },
  };
}

/** A connected pair of `w`, for one row; freed by the caller. */
function pair(w: World): { c: Connection; s: Connection; free(): void } {
  const c = w.client.createConnection({ serverName: 'localhost' }), s = w.server.createConnection();
  handshakeInMemory(c, s);
  return { c, s, free() { for (const h of [c, s]) if (h.alive) h.free(); } };
}

/**
 * Sweeps one table: for every row, a valid use on a live handle (it must not throw: the row is
 * right), then the same use after free (FreedHandleError), then foreign handles, wrong types and
 * oversized input. Collects every problem, so a failure lists them all.
 */
async function sweep<T>(w: World, what: string, table: Table<T>, make: (row: Row<T>) => { h: T; free(): void },
  freed: (row: Row<T>) => T | null, skip: (row: Row<T>) => boolean = () => false): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, row] of Object.entries(table)) {
    if (isInternal(row) || skip(row)) continue;
    const label = `${what}.${name}`;
    // A valid use on a live handle.
    let live = make(row);
    try {
      await row.use(live.h, w);
    } catch (e) {
      problems.push(`${label}: the valid use threw ${describe(e)} (fix the row)`);
    } finally {
      live.free();
    }
    // After free.
    const dead = freed(row);
    if (dead !== null) {
      const r = outcome(() => row.use(dead, w));
      if (row.afterFree === undefined) {
        if (r.ok) problems.push(`${label}: used after free without an error`);
        else if (!(r.error instanceof FreedHandleError)) problems.push(`${label}: after free, ${describe(r.error)} (wanted FreedHandleError)`);
      } else if (!r.ok && !(r.error instanceof FreedHandleError)) {
        problems.push(`${label}: after free, ${describe(r.error)}`);
      }
    }
    for (const [kind, calls, classes] of [
      ['foreign handle', row.foreign ?? [], [ForeignHandleError]],
      ['wrong type', row.wrong ?? [], [TypeError, RangeError]],
      ['oversized', row.oversized ?? [], [RangeError]],
    ] as const) {
      calls.forEach((call, i) => {
        live = make(row);
        try {
          const before = w.o.stats();
          expectThrow(problems, `${label} (${kind} ${i + 1})`, () => call(live.h, w), ...(classes as unknown as ErrorClass[]));
          const after = w.o.stats();
          if (JSON.stringify(after.handles) !== JSON.stringify(before.handles)) problems.push(`${label} (${kind} ${i + 1}): the refused call left handles behind`);
          // Refused before it was copied in: linear memory, which never shrinks, did not grow for it.
          if (kind === 'oversized' && after.memorySize !== before.memorySize) {
            problems.push(`${label} (${kind} ${i + 1}): linear memory grew by ${after.memorySize - before.memorySize} bytes (the input was copied in before its bound was checked)`);
          }
        } finally {
          live.free();
        }
      });
    }
  }
  // The instance goes on: a connection carries data.
  const p = pair(w);
  assert.equal(p.c.write('still fine'), 'done');
  api.transfer(p.c, p.s);
  assert.equal(new TextDecoder().decode(p.s.read().data), 'still fine');
  p.free();
  return problems;
}

suite('public API sweep', test => {
  test('every public member of every class has a row in the sweep (a new member without one fails here)', async () => {
    const w = await makeWorld();
    try {
      const c = w.client.createConnection({ serverName: 'localhost' });
      const sess = w.o.newSession();
      assertComplete('Connection', CONNECTION, membersOf(Connection.prototype, c));
      assertComplete('Context', CONTEXT, membersOf(Context.prototype, w.client));
      assertComplete('Session', SESSION, membersOf(Session.prototype, sess));
      assertComplete('OpenSSL', OPENSSL, membersOf(OpenSSL.prototype, w.o));
      const engine = new TLSEngine(c, { transmit: () => undefined, plaintext: () => undefined, secure: () => undefined, peerClosed: () => undefined, error: () => undefined });
      assertComplete('TLSEngine', TLS_ENGINE, membersOf(TLSEngine.prototype, engine));
      assertComplete('ClientHello', CLIENT_HELLO, membersOf(ClientHello.prototype));
      assertComplete('the main entry', EXPORTS, Object.keys(api));
      c.free();
      sess.free();
    } finally {
      w.free();
    }
  });

  test('Connection: after free, foreign handles, wrong types, oversized input: a clear error for each, the instance goes on', async () => {
    const w = await makeWorld();
    try {
      const problems = await sweep<Connection>(w, 'Connection', CONNECTION, row => {
        const p = pair(w);
        const h = row.role === 'server' ? p.s : p.c;
        return { h, free: p.free };
      }, row => {
        const h = row.role === 'server' ? w.server.createConnection() : w.client.createConnection({ serverName: 'localhost' });
        h.free();
        return h;
      });
      noProblems(problems);
    } finally {
      w.free();
    }
  });

  test('Context: after free, foreign handles, wrong types, oversized input: a clear error for each, the instance goes on', async () => {
    const w = await makeWorld();
    try {
      for (const role of ['client', 'server'] as const) {
        const make = () => w.o.createContext(role === 'client' ? { role, ca: w.pki.ca } : { role, certificate: w.pki.cert, privateKey: w.pki.key });
        const problems = await sweep<Context>(w, `Context (${role})`, CONTEXT, () => {
          const h = make();
          return { h, free: () => { if (h.alive) h.free(); } };
        }, () => {
          const h = make();
          h.free();
          return h;
        }, row => row.role !== undefined && row.role !== role); // a server's setting is a TypeError on a client (objects suite)
        noProblems(problems);
      }
    } finally {
      w.free();
    }
  });

  test('Session: after free, wrong types, oversized input: a clear error for each, the instance goes on', async () => {
    const w = await makeWorld();
    try {
      const fresh = () => {
        const p = pair(w);
        const h = p.c.session!;
        p.free();
        return h;
      };
      const problems = await sweep<Session>(w, 'Session', SESSION, () => {
        const h = fresh();
        return { h, free: () => { if (h.alive) h.free(); } };
      }, () => {
        const h = fresh();
        h.free();
        return h;
      });
      noProblems(problems);
    } finally {
      w.free();
    }
  });

  test('OpenSSL: wrong types and oversized input are refused clearly; a refused 1 GiB session does not grow linear memory', async () => {
    const w = await makeWorld();
    try {
      const memory = w.o.stats().memorySize;
      const problems = await sweep<OpenSSL>(w, 'OpenSSL', OPENSSL, () => ({ h: w.o, free: () => undefined }), () => null);
      noProblems(problems);
      assert.equal(w.o.stats().memorySize, memory, 'nothing of the 1 GiB was copied into linear memory');
    } finally {
      w.free();
    }
  });

  test('Connection.write of 1 GiB: a RangeError naming the limit, nothing copied in, the connection goes on; a write that exhausts linear memory is an OutOfMemoryError, sticky on that connection', async () => {
    const w = await makeWorld();
    try {
      const p = pair(w);
      const memory = w.o.stats().memorySize;
      // OpenSSL would encrypt all of it into the memory BIO at once, the plaintext's copy beside it.
      const e = assert.throws(() => p.c.write(gigabyte()), RangeError);
      assert.match((e as Error).message, /^write: data is at most 67108864 bytes .*got 1073741824 bytes; nothing was copied into linear memory$/);
      assert.equal(w.o.stats().memorySize, memory, 'linear memory did not grow');
      assert.equal(p.c.error, null, 'refused before OpenSSL was called: the connection is unharmed');
      assert.equal(p.c.write('after'), 'done');
      api.transfer(p.c, p.s);
      assert.equal(new TextDecoder().decode(p.s.read().data), 'after', 'the same connection carries data');
      p.free();
    } finally {
      w.free();
    }
    // Within the bound, in a module whose memory may grow only to 40 MiB: the plaintext's copy fits,
    // its records do not. An allocation failing half way through a record is fatal for the
    // connection, as in OpenSSL; the instance goes on.
    const small = await OpenSSL.load({ wasm: withMaximumMemory(await readURL(wasmURL), 640) });
    const client = await clientContext(small, 'TLSv1.3'), server = await serverContext(small, 'TLSv1.3');
    const { c, s } = connect(client, server);
    const e = assert.throws(() => c.write(bytes(30 << 20)), OutOfMemoryError);
    assert.match((e as Error).message, /out of memory/);
    assert.equal(c.error, e, 'the connection keeps the error');
    c.free(); s.free();
    const q = connect(client, server);
    assert.equal(q.c.write('after'), 'done');
    api.transfer(q.c, q.s);
    assert.equal(new TextDecoder().decode(q.s.read().data), 'after', 'another connection of the instance carries data');
    close(q.c, q.s);
    client.free(); server.free();
  });

  test('TLSEngine.write of 256 MiB goes out in slices: linear memory grows by one slice, not by the data', async () => {
    const w = await makeWorld();
    try {
      const c = w.client.createConnection({ serverName: 'localhost' }), s = w.server.createConnection();
      handshakeInMemory(c, s);
      s.free();
      let sent = 0, transmits = 0;
      const errors: Error[] = [];
      const engine = new TLSEngine(c, {
        transmit: b => { sent += b.length; transmits++; }, plaintext: () => undefined, secure: () => undefined,
        peerClosed: () => undefined, error: e => errors.push(e),
      });
      engine.start();
      const memory = w.o.stats().memorySize;
      const size = 256 << 20;
      engine.write(new Uint8Array(size));
      assert.deepEqual(errors.map(describe), []);
      assert.ok(sent > size, `all of it went out, encrypted (${sent} bytes)`);
      assert.ok(transmits > 1, 'in more than one piece');
      const grown = w.o.stats().memorySize - memory;
      assert.ok(grown <= 4 << 20, `linear memory grew by ${grown} bytes`);
      c.free();
    } finally {
      w.free();
    }
  });

  test('TLSEngine and the free functions: after free, wrong types; each a clear error', async () => {
    const w = await makeWorld();
    try {
      const problems: string[] = [];
      const events = (): EngineEvents => ({ transmit: () => undefined, plaintext: () => undefined, secure: () => undefined, peerClosed: () => undefined, error: () => undefined });
      // A TLSEngine over a freed connection: refused when made, or its first step reports the error.
      const dead = w.client.createConnection({ serverName: 'localhost' });
      dead.free();
      expectThrow(problems, 'new TLSEngine(freed)', () => new TLSEngine(dead, events()), FreedHandleError);
      // Twice on one connection: refused, the first engine unharmed; so is a TLS stream over it.
      const once = w.client.createConnection({ serverName: 'localhost' });
      new TLSEngine(once, events());
      expectThrow(problems, 'new TLSEngine(a connection another engine drives)', () => new TLSEngine(once, events()), TypeError);
      expectThrow(problems, 'tlsOverStreams(a connection an engine drives)', () => api.tlsOverStreams(once, pipePair()[0]), TypeError);
      once.free();
      for (const [name, row] of Object.entries(TLS_ENGINE)) {
        if (isInternal(row)) continue;
        const c = w.client.createConnection({ serverName: 'localhost' });
        const errors: Error[] = [];
        const engine = new TLSEngine(c, { ...events(), error: e => errors.push(e) });
        c.free(); // under the engine: each method reports it through 'error', or does nothing once finished
        const r = outcome(() => row.use(engine, w));
        if (!r.ok && !(r.error instanceof FreedHandleError) && !/closed/.test((r.error as Error).message)) problems.push(`TLSEngine.${name} over a freed connection: ${describe(r.error)}`);
        if (errors.some(e => !(e instanceof FreedHandleError))) problems.push(`TLSEngine.${name}: reported ${errors.map(describe).join('; ')}`);
        for (const [i, call] of (row.wrong ?? []).entries()) {
          const c2 = w.client.createConnection({ serverName: 'localhost' });
          const e2 = new TLSEngine(c2, events());
          expectThrow(problems, `TLSEngine.${name} (wrong type ${i + 1})`, () => call(e2, w), TypeError, RangeError);
          c2.free();
        }
      }
      for (const [name, row] of Object.entries(EXPORTS)) {
        if (typeof row === 'string') continue;
        for (const [i, call] of (row.freed ?? []).entries()) expectThrow(problems, `${name} (after free ${i + 1})`, () => call(w), FreedHandleError);
        for (const [i, call] of (row.foreign ?? []).entries()) expectThrow(problems, `${name} (foreign handle ${i + 1})`, () => call(w), ForeignHandleError);
        for (const [i, call] of (row.wrong ?? []).entries()) expectThrow(problems, `${name} (wrong type ${i + 1})`, () => call(w), TypeError, RangeError);
      }
      noProblems(problems);
    } finally {
      w.free();
    }
  });

  test('takeSession and saveSession: wrong arguments are refused before the store is touched (a stored session is never deleted for them)', async () => {
    const w = await makeWorld();
    try {
      const store = new api.MemorySessionStore();
      const der = w.other.session.toDER();
      store.set('k', der);
      await assert.rejects(api.takeSession(store, 'k', {} as never), TypeError);
      await assert.rejects(api.takeSession(store, 'k', null as never), TypeError);
      await assert.rejects(api.saveSession(store, 'k', 5 as never), TypeError);
      assert.deepEqual(store.get('k'), der, 'the stored session is still there, unchanged');
      const s = await api.takeSession(store, 'k', w.o);
      assert.ok(s !== null && w.o.owns(s), 'and the right instance takes it');
      s!.free();
      // A stored value larger than any session is refused without being copied, and deleted as bad.
      const memory = w.o.stats().memorySize;
      store.set('big', new Uint8Array(64 << 20));
      assert.equal(await api.takeSession(store, 'big', w.o), null);
      assert.equal(store.get('big'), undefined, 'the bad value is deleted');
      assert.equal(w.o.stats().memorySize, memory, 'linear memory did not grow');
    } finally {
      w.free();
    }
  });

  test('receive() and takeOutgoing() from a callback of the running operation: a ReentrantCallError; nothing is lost', async () => {
    const w = await makeWorld();
    try {
      const seen: string[] = [];
      const c: Connection = w.client.createConnection({
        serverName: 'localhost',
        onSession: () => {
          for (const [name, fn] of [['receive', () => c.receive(bytes(1))], ['takeOutgoing', () => c.takeOutgoing()]] as const) {
            const r = outcome(fn);
            seen.push(r.ok ? `${name}: ok` : `${name}: ${r.error instanceof ReentrantCallError ? 'ReentrantCallError' : describe(r.error)}`);
          }
        },
      });
      const s = w.server.createConnection();
      handshakeInMemory(c, s);
      assert.deepEqual(seen.slice(0, 2), ['receive: ReentrantCallError', 'takeOutgoing: ReentrantCallError']);
      assert.ok(seen.length >= 2 && seen.length % 2 === 0);
      // The refused calls took nothing away: the connection carries data both ways.
      assert.equal(c.write('ping'), 'done');
      api.transfer(c, s);
      assert.equal(new TextDecoder().decode(s.read().data), 'ping');
      close(c, s);
    } finally {
      w.free();
    }
  });

  test('Web Streams: a connection freed under a running stream ends it with a FreedHandleError saying so, not a truncation', async () => {
    const w = await makeWorld();
    try {
      for (const when of ['in onSession', 'by the program after the handshake'] as const) {
        const [a, b] = pipePair();
        let stream!: api.TLSStream;
        stream = api.tlsOverStreams(w.client.createConnection({ serverName: 'localhost' }), a,
          { onSession: () => { if (when === 'in onSession' && stream.connection.alive) stream.connection.free(); } });
        const server = api.tlsOverStreams(w.server.createConnection(), b);
        server.readable.pipeTo(new WritableStream()).catch(() => undefined);
        await stream.handshake;
        if (when !== 'in onSession') {
          stream.connection.free();
          // The server says something: the client's stream meets its freed connection.
          const writer = server.writable.getWriter();
          await writer.write(new TextEncoder().encode('hello'));
          writer.releaseLock();
        }
        const e = await stream.closed.then(() => null, (e: unknown) => e);
        assert.ok(e instanceof FreedHandleError, `${when}: a FreedHandleError, got ${describe(e)}`);
        assert.match((e as Error).message, /connection was freed while the stream was running/);
        assert.ok(!/transport closed before/.test((e as Error).message), 'not reported as a truncation');
        await server.writable.abort(new Error('done')).catch(() => undefined);
        await server.closed.catch(() => undefined);
      }
    } finally {
      w.free();
    }
  });
});

// ---- TLSEngine, ClientHello and the module's exports

const TLS_ENGINE: Table<TLSEngine> = {
  connection: { internal: 'the Connection it drives: a JavaScript field' },
  events: { internal: 'the listeners it was given (a private field)' },
  secure: getter('secure'),
  finished: getter('finished'),
  start: { use: e => e.start() },
  receive: { use: e => e.receive(bytes(1)), wrong: [e => e.receive('x' as never)] },
  receiveEnd: { use: e => e.receiveEnd() },
  write: { use: e => e.write(bytes(1)), wrong: [e => e.write(5 as never)] },
  close: { use: e => e.close() },
};

const CLIENT_HELLO: Record<string, string> = {
  sessionId: 'lent: after its handler, a TypeError naming the lending (reentry suite)',
  extension: 'lent: a TypeError after its handler; 0x10000 refused (reentry suite)',
  extensionTypes: 'lent, as above',
  serverName: 'lent, as above',
};

/** What the sweep does with each export of the main entry: calls that must fail clearly, or why none. */
interface ExportRow {
  freed?: ((w: World) => unknown)[];
  foreign?: ((w: World) => unknown)[];
  wrong?: ((w: World) => unknown)[];
}
const freedConnection = (w: World) => { const c = w.client.createConnection({ serverName: 'localhost' }); c.free(); return c; };
const EXPORTS: Record<string, ExportRow | string> = {
  // classes swept above
  OpenSSL: 'swept above', Context: 'swept above', Connection: 'swept above', Session: 'swept above', TLSEngine: 'swept above',
  ClientHello: 'lent only; see CLIENT_HELLO',
  // errors and constants: nothing to misuse
  OpenSSLError: 'an error class', OutOfMemoryError: 'an error class', InstanceFailedError: 'an error class', CallbackError: 'an error class',
  ReentrantCallError: 'an error class', FreedHandleError: 'an error class', ForeignHandleError: 'an error class', SealedValueError: 'an error class',
  constants: 'numbers', NULL: 'a number', EXPORTED_FUNCTIONS: 'a list of names', DEFAULT_LINE: 'a string',
  exportedFunctions: 'raw layer: the names a line\'s module exports (loader suite)',
  // the raw layer: OpenSSL exactly as it is, by design unchecked (the loader suite covers loading)
  loadRaw: 'raw layer (loader suite)', supportsSimd: 'takes nothing', RawOpenSSL: 'raw layer', WasmMemory: 'raw layer (input-boundaries suite)',
  MemoryScope: 'raw layer', ptr: 'raw layer', drainErrorStack: 'raw layer', openSSLError: 'raw layer',
  // object-layer helpers
  transfer: {
    freed: [w => api.transfer(freedConnection(w), w.other.connection)],
    wrong: [w => api.transfer(null as never, w.other.connection)],
  },
  handshakeInMemory: {
    freed: [w => api.handshakeInMemory(freedConnection(w), w.server.createConnection())],
    wrong: [w => withPair(w, (c, s) => api.handshakeInMemory(c, s, Number.NaN)), w => withPair(w, (c, s) => api.handshakeInMemory(c, s, '32' as never)),
      w => withPair(w, (c, s) => api.handshakeInMemory(c, s, 0))],
  },
  settle: {
    freed: [w => api.settle(freedConnection(w), w.other.connection)],
    wrong: [w => withPair(w, (c, s) => api.settle(c, s, Infinity))],
  },
  // adapters (their own suites run them over real transports)
  tlsOverStreams: {
    freed: [w => api.tlsOverStreams(freedConnection(w), pipePair()[0])],
    wrong: [w => withPair(w, c => api.tlsOverStreams(c, pipePair()[0], { plaintextHighWaterMark: -1 }))],
  },
  webSocketStreams: {
    // Twice on one socket: refused (a second pair would take every message too, and close it).
    wrong: [() => { const ws = openSocket(); void api.webSocketStreams(ws); return api.webSocketStreams(ws); }],
  },
  connectWebSocket: 'WebSocket suites',
  // stores
  MemorySessionStore: { wrong: [() => new api.MemorySessionStore(0), () => new api.MemorySessionStore().set('k', 'der' as never), () => new api.MemorySessionStore().set(5 as never, bytes(1))] },
  FileSessionStore: 'no handles; stores-io suite', IndexedDBSessionStore: 'no handles; indexeddb suite',
  sessionKey: { wrong: [() => api.sessionKey(null as never), () => api.sessionKey({} as never), () => api.sessionKey({ host: 'h', port: 70000 })] },
  takeSession: 'asynchronous: its own test below', saveSession: 'asynchronous: its own test below',
  useServerSessionStore: {
    foreign: [w => api.useServerSessionStore(w.o, w.other.server, new api.MemorySessionStore() as never)],
    wrong: [w => api.useServerSessionStore(w.o, w.client, {} as never)],
  },
  clientHelloSessionId: {
    wrong: [w => api.clientHelloSessionId(w.o, w.other.connection)],
  },
  useEarlyDataReplayGuard: {
    wrong: [w => api.useEarlyDataReplayGuard(w.server, {} as never), w => api.useEarlyDataReplayGuard(w.client, { take: async () => true })],
  },
  RedisEchKeyRing: {
    // Options checked when made (they were taken unchecked: rotateAfter 'x' never rotated); a
    // client that is never reached, since every one of these is refused before it is used.
    wrong: [w => echRing(w, { rotateAfter: 'x' }), w => echRing(w, { rotateAfter: 0 }), w => echRing(w, { keepPrevious: -1 }), w => echRing(w, { keepPrevious: 1.5 }),
      w => echRing(w, { suite: 5 }), w => echRing(w, { now: 5 }), w => echRing(w, { onError: 'log' }), w => echRing(w, { publicname: 'p' }),
      w => echRing(w, { publicName: '' }), () => new api.RedisEchKeyRing({} as never, {} as never, { insecurePlaintext: true, publicName: 'p' })],
  },
  RedisSessionStore: 'no handles; Redis suites', RedisTicketKeyRing: 'options checked in ticket-key-ring suite', RedisEarlyDataReplayStore: 'no handles; early-data-fleet suite',
};

/** A RedisEchKeyRing of `w` with `options` beside a public name (misuse rows; never refreshed). */
function echRing(w: World, options: Record<string, unknown>): api.RedisEchKeyRing {
  return new api.RedisEchKeyRing({} as never, w.o, { insecurePlaintext: true, publicName: 'public.example', ...options } as never);
}

/** Runs fn on a fresh connection pair of `w` (not handshaken), freeing it after. */
function withPair<R>(w: World, fn: (c: Connection, s: Connection) => R): R {
  const c = w.client.createConnection({ serverName: 'localhost' }), s = w.server.createConnection();
  try {
    return fn(c, s);
  } finally {
    for (const h of [c, s]) if (h.alive) h.free();
  }
}

/** A WebSocketLike that is open and does nothing: enough for webSocketStreams to adapt it. */
function openSocket(): api.WebSocketLike {
  return {
    binaryType: 'blob', readyState: 1, bufferedAmount: 0,
    send() {}, close() {}, addEventListener() {}, removeEventListener() {},
  } as unknown as api.WebSocketLike;
}
