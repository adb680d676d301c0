// The public API sweep (api-sweep-*.suite.ts) for what the Node and Deno entries add: every export
// has a row (a new one without a row fails here), and each adapter given a ready context refuses
// a freed one (FreedHandleError) and, beside `openssl`, another instance's (ForeignHandleError)
// when called, not at its first connection. Node and Deno (sockets).
import * as api from '../../ts/index.ts';
import * as nodeEntry from '../../ts/node.ts';
import * as denoEntry from '../../ts/deno.ts';
import { ForeignHandleError, FreedHandleError, type Context, type OpenSSL } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { load, pki } from '../lib/tls.ts';

/** What each export an entry adds beside the main one is, and where its misuse is tested. */
const NODE_EXPORTS: Record<string, string> = {
  connect: 'below (a given context), node-adapter suite (options)',
  createServer: 'below (a given context), node-adapter suite (options)',
  TLSSocket: 'node-adapter suite (made by connect and createServer)',
  nodeTicketKey: 'node-adapter suite (48 bytes, as Node)',
  createSecureContext: 'below (wrong types, oversized input); node-options-keys and -handshake suites (Node\'s codes)',
  SecureContext: 'made by createSecureContext (holds options, no handle: no instance to free or mix up); connect() takes only ours (node-options-keys suite)',
  defaultInstance: 'default-instance suite',
};
const DENO_EXPORTS: Record<string, string> = {
  connectDeno: 'below (a given context); deno-adapter suite',
  listenDeno: 'below (a given context); deno-adapter suite',
  DenoTlsConn: 'below (after close(), twice, wrong types); deno-tls-parity suite (made by connectDeno and listenDeno)',
  DenoTlsListener: 'below (after close(), twice); deno-tls-parity suite (made by listenDeno)',
  defaultInstance: 'default-instance suite',
};

/** The names an entry exports beyond the main entry's. */
const added = (entry: object) => Object.keys(entry).filter(k => !(k in api)).sort();

/** A server and a client context of `o`, and one of each freed. */
async function contexts(o: OpenSSL) {
  const p = await pki();
  const make = (role: 'client' | 'server'): Context => o.createContext(role === 'client' ? { role, ca: p.ca } : { role, certificate: p.cert, privateKey: p.key });
  const freed = { client: make('client'), server: make('server') };
  freed.client.free();
  freed.server.free();
  const live = { client: make('client'), server: make('server') };
  return { freed, live, free() { live.client.free(); live.server.free(); } };
}

suite('public API sweep: Node and Deno entries', test => {
  test('every export the Node and Deno entries add has a row in the sweep', () => {
    assert.deepEqual(added(nodeEntry), Object.keys(NODE_EXPORTS).sort(), 'ts/node.ts: a new export needs a row here');
    assert.deepEqual(added(denoEntry), Object.keys(DENO_EXPORTS).sort(), 'ts/deno.ts: a new export needs a row here');
  });

  test('connect and createServer refuse a freed context, and one of another instance than options.openssl, when called', async () => {
    const [a, b] = await Promise.all([load(), load()]);
    const mine = await contexts(a), theirs = await contexts(b);
    try {
      const port = 9; // never reached: every call here is refused before it connects
      assert.throws(() => nodeEntry.connect({ port, host: '127.0.0.1', openssl: a, context: mine.freed.client }), FreedHandleError);
      assert.throws(() => nodeEntry.connect({ port, host: '127.0.0.1', context: mine.freed.client }), FreedHandleError);
      const e = assert.throws(() => nodeEntry.connect({ port, host: '127.0.0.1', openssl: a, context: theirs.live.client }), ForeignHandleError);
      assert.match((e as Error).message, /^connect: options\.context belongs to another OpenSSL instance than options\.openssl/);
      assert.throws(() => nodeEntry.createServer({ context: mine.freed.server }), FreedHandleError);
      assert.throws(() => nodeEntry.createServer({ openssl: a, context: theirs.live.server }), ForeignHandleError);
      // The instance's own live context is still taken (made into a server that is not started).
      nodeEntry.createServer({ openssl: a, context: mine.live.server });
      assert.deepEqual(a.stats().handles, { Context: 2, Connection: 0, Session: 0 }, 'nothing was made by the refused calls');
    } finally {
      mine.free();
      theirs.free();
    }
  });

  test('createSecureContext: wrong types are a TypeError, oversized PEM a RangeError; nothing is left in the instance', async () => {
    const o = await load();
    const p = await pki();
    const problems: string[] = [];
    const expect = (label: string, fn: () => unknown, ...classes: (new (...a: never[]) => Error)[]) => {
      try {
        fn();
        problems.push(`${label}: accepted silently`);
      } catch (e) {
        if (!classes.some(c => e instanceof c)) problems.push(`${label}: ${(e as Error).name}: ${(e as Error).message.slice(0, 160)} (wanted ${classes.map(c => c.name).join(' or ')})`);
      }
    };
    for (const [label, options] of [
      ['null', null], ['a number', 5], ['an unknown option', { bogus: 1 }], ['openssl not an instance', { openssl: 5 }],
      ['cert a number', { openssl: o, cert: 5, key: p.key }], ['key an object', { openssl: o, cert: p.cert, key: {} }],
      ['secureContext inside', { openssl: o, secureContext: {} }],
    ] as const) expect(`createSecureContext(${label})`, () => nodeEntry.createSecureContext(options as never), TypeError);
    // 64 Mi characters of certificate: refused before it is copied in (a RangeError), or out of memory named as such.
    expect('createSecureContext(64 MiB cert)', () => nodeEntry.createSecureContext({ openssl: o, cert: '-'.repeat(64 << 20), key: p.key }), RangeError, api.OutOfMemoryError);
    // The good use, for contrast.
    assert.ok(nodeEntry.createSecureContext({ openssl: o, cert: p.cert, key: p.key }) instanceof nodeEntry.SecureContext);
    assert.deepEqual(problems, []);
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 }, 'nothing is held');
  });

  test('connectDeno and listenDeno refuse a freed context, and connectDeno one of another instance than options.openssl', async () => {
    const [a, b] = await Promise.all([load(), load()]);
    const mine = await contexts(a), theirs = await contexts(b);
    try {
      await assert.rejects(denoEntry.connectDeno({ hostname: '127.0.0.1', port: 9, openssl: a, context: mine.freed.client }), FreedHandleError);
      await assert.rejects(denoEntry.connectDeno({ hostname: '127.0.0.1', port: 9, openssl: a, context: theirs.live.client }), ForeignHandleError);
      assert.throws(() => denoEntry.listenDeno({ port: 0, context: mine.freed.server }), FreedHandleError);
    } finally {
      mine.free();
      theirs.free();
    }
  });
}, { runtimes: ['node', 'deno'] });

suite('public API sweep: twice', test => {
  test("TLSSocket.destroy() and TLSServer.close() twice: the second does nothing (destroy) or says the server is not running (close), as Node's", async () => {
    const o = await load();
    const p = await pki();
    const server = nodeEntry.createServer({ openssl: o, cert: p.cert, key: p.key }, s => s.on('error', () => undefined));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const sock = nodeEntry.connect({ host: '127.0.0.1', port, servername: 'localhost', openssl: o, contextOptions: { ca: p.ca } });
    await new Promise<void>((resolve, reject) => { sock.once('secureConnect', () => resolve()); sock.once('error', reject); });
    sock.destroy();
    sock.destroy();
    assert.equal(sock.connection?.alive ?? false, false);
    await new Promise(r => sock.once('close', r));
    const first = await new Promise<Error | undefined>(r => server.close(e => r(e)));
    assert.equal(first, undefined);
    const second = await new Promise<Error | undefined>(r => server.close(e => r(e)));
    assert.ok(second instanceof Error && /not running/i.test(second.message), `the second close says so: ${String(second)}`);
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });
}, { runtimes: ['node', 'deno'] });

/**
 * Each TLSSocket member after destroy(): what Node's own TLSSocket answers (its handle is gone:
 * most members give null), and ours where it answers otherwise, with why. A member added to
 * TLSSocket without a row fails the completeness check.
 */
interface AfterDestroyRow { call: (s: NodeLikeSocket) => unknown; node: string; ours?: string; why?: string }
type NodeLikeSocket = Record<string, (...args: unknown[]) => unknown> & Record<string, unknown>;
const AFTER_DESTROY: Record<string, AfterDestroyRow | { internal: string }> = {
  getSession: { call: s => s.getSession(), node: 'null', ours: 'undefined', why: "none either way; ours keeps @types/node's Buffer | undefined" },
  getTLSTicket: { call: s => s.getTLSTicket(), node: 'null', ours: 'undefined', why: "as getSession" },
  getFinished: { call: s => s.getFinished(), node: 'null', ours: 'undefined', why: "as getSession" },
  getPeerFinished: { call: s => s.getPeerFinished(), node: 'null', ours: 'undefined', why: "as getSession" },
  isSessionReused: { call: s => s.isSessionReused(), node: 'null', ours: 'false', why: 'the handshake\'s facts stay readable after close (the fleet tests read them in a close listener); this one was not resumed' },
  getProtocol: { call: s => s.getProtocol(), node: 'null', ours: 'TLSv1.3', why: 'as isSessionReused' },
  getCipher: { call: s => s.getCipher(), node: 'null', ours: 'object', why: 'as isSessionReused' },
  getSharedSigalgs: { call: s => s.getSharedSigalgs(), node: 'null', ours: 'array(0)', why: "@types/node's string[]" },
  getPeerCertificate: { call: s => s.getPeerCertificate(), node: 'null' },
  getCertificate: { call: s => s.getCertificate(), node: 'null' },
  getPeerX509Certificate: { call: s => s.getPeerX509Certificate(), node: 'undefined' },
  getX509Certificate: { call: s => s.getX509Certificate(), node: 'undefined' },
  getEphemeralKeyInfo: { call: s => s.getEphemeralKeyInfo(), node: 'null' },
  exportKeyingMaterial: {
    call: s => s.exportKeyingMaterial(32, 'EXPERIMENTAL sweep'), node: 'throws TypeError', ours: 'throws Error ERR_SOCKET_CLOSED',
    why: "Node's is its own null handle read (\"Cannot read properties of null\"); ours says the socket is closed",
  },
  enableTrace: { call: s => s.enableTrace(), node: 'null', ours: 'undefined', why: 'returns nothing either way' },
  setTimeout: { call: s => s.setTimeout(1000), node: 'object' }, // the socket itself, for chaining
  alpnProtocol: { call: s => s.alpnProtocol, node: 'false' },
  servername: { call: s => s.servername, node: 'localhost' },
  authorized: { call: s => s.authorized, node: 'true' },
  authorizationError: { call: s => s.authorizationError, node: 'null' },
  // net.Socket's members: read from the TCP socket underneath (its handle gone: undefined, {}), or kept.
  timeout: { call: s => s.timeout, node: 'undefined' }, // setTimeout after destroy() (above) records nothing, as Node's
  remoteAddress: { call: s => s.remoteAddress, node: 'undefined' },
  remotePort: { call: s => s.remotePort, node: 'undefined' },
  remoteFamily: { call: s => s.remoteFamily, node: 'undefined' },
  localAddress: { call: s => s.localAddress, node: 'undefined' },
  localPort: { call: s => s.localPort, node: 'undefined' },
  localFamily: { call: s => s.localFamily, node: 'undefined' },
  address: { call: s => JSON.stringify(s.address()), node: '{}' },
  bytesRead: { call: s => s.bytesRead, node: 'number' },
  bytesWritten: { call: s => s.bytesWritten, node: 'number' },
  bufferSize: { call: s => s.bufferSize, node: 'undefined' },
  connecting: { call: s => s.connecting, node: 'false' },
  pending: { call: s => s.pending, node: 'true' },
  readyState: { call: s => s.readyState, node: 'closed' },
  secureConnecting: { call: s => s.secureConnecting, node: 'false' },
  server: { call: s => s.server, node: 'undefined' }, // a client's
  setNoDelay: { call: s => s.setNoDelay(true), node: 'object' }, // the socket itself
  setKeepAlive: { call: s => s.setKeepAlive(true), node: 'object' },
  ref: { call: s => s.ref(), node: 'object' },
  unref: { call: s => s.unref(), node: 'object' },
  destroySoon: { call: s => s.destroySoon(), node: 'undefined' },
  resetAndDestroy: { call: s => s.resetAndDestroy(), node: 'object' },
  setMaxSendFragment: {
    call: s => s.setMaxSendFragment(1024), node: 'throws TypeError', ours: 'throws Error ERR_SOCKET_CLOSED', why: 'as exportKeyingMaterial',
  },
  disableRenegotiation: { call: s => s.disableRenegotiation(), node: 'undefined' },
  // Refused here (a TypeError saying why, closed or not); Node's answers after destroy for the record.
  connect: { call: s => s.connect(), node: 'throws TypeError ERR_MISSING_ARGS', ours: 'throws TypeError', why: 'refused: connect() makes the socket' },
  renegotiate: { call: s => s.renegotiate({}, () => undefined), node: 'undefined', ours: 'throws TypeError', why: 'refused: renegotiation is not started here' },
  setServername: { call: s => s.setServername('localhost'), node: 'throws TypeError', ours: 'throws TypeError', why: "refused: connect()'s servername" },
  setSession: { call: s => s.setSession(Buffer.alloc(0)), node: 'throws TypeError', ours: 'throws TypeError', why: "refused: connect()'s session" },
  setKeyCert: { call: s => s.setKeyCert({}), node: 'undefined', ours: 'throws TypeError', why: 'refused: SNICallback or addContext choose a certificate' },
};

/** A value as the after-destroy table writes it. */
function shown(fn: () => unknown): string {
  try {
    const v = fn();
    if (v === null || v === undefined || typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return `array(${v.length})`;
    return v instanceof Uint8Array ? 'bytes' : typeof v;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return `throws ${(e as Error).name}${typeof code === 'string' ? ` ${code}` : ''}`;
  }
}

suite('public API sweep: TLSSocket after destroy()', test => {
  test("every member of the Node adapter's TLSSocket after destroy(): Node's answer, or a documented one; none touches the freed connection", async () => {
    const members = Object.getOwnPropertyNames(nodeEntry.TLSSocket.prototype).filter(n => n !== 'constructor' && !n.startsWith('_'));
    assert.deepEqual(members.filter(m => !(m in AFTER_DESTROY)), [], 'a TLSSocket member without a row (add one: what it gives after destroy())');
    const o = await load();
    const p = await pki();
    const server = nodeEntry.createServer({ openssl: o, cert: p.cert, key: p.key }, s => s.on('error', () => undefined));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    try {
      const sock = nodeEntry.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'localhost', openssl: o, contextOptions: { ca: p.ca } });
      await new Promise<void>((resolve, reject) => { sock.once('secureConnect', () => resolve()); sock.once('error', reject); });
      sock.destroy();
      assert.equal(sock.connection?.alive ?? false, false, 'destroy() freed the connection');
      const problems: string[] = [];
      for (const when of ['right after destroy()', "after 'close'"]) {
        for (const [name, row] of Object.entries(AFTER_DESTROY)) {
          if ('internal' in row) continue;
          const got = shown(() => row.call(sock as unknown as NodeLikeSocket));
          if (got !== (row.ours ?? row.node)) problems.push(`${when}: ${name} gave ${got}, wanted ${row.ours ?? row.node}`);
        }
        if (when === 'right after destroy()') await new Promise(r => sock.once('close', r));
      }
      assert.deepEqual(problems, []);
    } finally {
      await new Promise(r => server.close(r));
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });
}, { runtimes: ['node', 'deno'] });

suite("public API sweep: Node's TLSSocket after destroy()", test => {
  test("the after-destroy table's Node column is what Node's own TLSSocket gives", async () => {
    const tls = await import('node:tls');
    const p = await pki();
    const server = tls.createServer({ cert: p.cert, key: p.key }, s => s.on('error', () => undefined));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    try {
      const sock = tls.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'localhost', ca: p.ca });
      await new Promise<void>((resolve, reject) => { sock.once('secureConnect', () => resolve()); sock.once('error', reject); });
      sock.destroy();
      const problems: string[] = [];
      for (const [name, row] of Object.entries(AFTER_DESTROY)) {
        if ('internal' in row) continue;
        const got = shown(() => row.call(sock as unknown as NodeLikeSocket));
        if (got !== row.node) problems.push(`Node's ${name} gave ${got}, the table says ${row.node}`);
      }
      assert.deepEqual(problems, []);
      await new Promise(r => sock.once('close', r));
    } finally {
      await new Promise(r => server.close(r));
    }
  });
}, { runtimes: ['node'] });

/**
 * Each member of the Deno adapter's DenoTlsConn and DenoTlsListener after close(): what Deno's own
 * TlsConn / TlsListener answers (`deno`; null: Deno's has no such member), and ours where it answers
 * otherwise, with why. Calls that return a promise are shown as it settles. A member added without
 * a row fails the completeness check.
 */
interface AfterCloseRow { call: (x: Record<string | symbol, unknown>) => unknown; deno: string | null; ours?: string; why?: string }
const method = (x: Record<string | symbol, unknown>, name: string | symbol, ...args: unknown[]) => (x[name] as (...a: unknown[]) => unknown)(...args);
const CONN_AFTER_CLOSE: Record<string, AfterCloseRow> = {
  read: { call: c => method(c, 'read', new Uint8Array(4)), deno: 'throws BadResource' },
  write: { call: c => method(c, 'write', new Uint8Array(4)), deno: 'throws BadResource' },
  closeWrite: { call: c => method(c, 'closeWrite'), deno: 'throws BadResource' },
  close: { call: c => method(c, 'close'), deno: 'throws BadResource' }, // close() twice
  handshake: { call: c => method(c, 'handshake'), deno: 'throws BadResource' },
  [String(Symbol.dispose)]: { call: c => method(c, Symbol.dispose), deno: 'undefined' }, // a second close, quietly
  ref: { call: c => method(c, 'ref'), deno: 'undefined' },
  unref: { call: c => method(c, 'unref'), deno: 'undefined' },
  localAddr: { call: c => c.localAddr, deno: 'object' }, // kept
  remoteAddr: { call: c => c.remoteAddr, deno: 'object' },
  readable: { call: c => c.readable, deno: 'object' },
  writable: { call: c => c.writable, deno: 'object' },
  setNoDelay: { call: c => method(c, 'setNoDelay', true), deno: null, ours: 'throws BadResource', why: "Deno's TcpConn has it (its TlsConn not); closed, as read()" },
  setKeepAlive: { call: c => method(c, 'setKeepAlive', true), deno: null, ours: 'throws BadResource', why: 'as setNoDelay' },
  closed: { call: c => c.closed, deno: null, ours: 'throws BadResource', why: 'the TLSStream promise: rejects with the reason close() ended the stream with' },
  connection: { call: c => (c.connection as { alive: boolean }).alive, deno: null, ours: 'false', why: 'the TLSStream\'s Connection, freed as the stream ended' },
};
const LISTENER_AFTER_CLOSE: Record<string, AfterCloseRow> = {
  accept: { call: l => method(l, 'accept'), deno: 'throws BadResource' },
  close: { call: l => method(l, 'close'), deno: 'throws BadResource' }, // close() twice
  next: { call: l => method(l, 'next'), deno: 'object' }, // { done: true }
  return: { call: l => method(l, 'return'), deno: 'throws BadResource', ours: 'object', why: "a `break` out of `for await` after close() is no error here ({ done: true })" },
  [String(Symbol.asyncIterator)]: { call: l => method(l, Symbol.asyncIterator), deno: 'object' },
  [String(Symbol.dispose)]: { call: l => method(l, Symbol.dispose), deno: 'undefined' },
  ref: { call: l => method(l, 'ref'), deno: 'undefined' },
  unref: { call: l => method(l, 'unref'), deno: 'undefined' },
  addr: { call: l => l.addr, deno: 'object' },
};

/** A value or a promise's outcome as the after-close tables write it. */
async function settled(fn: () => unknown): Promise<string> {
  const thrown = (e: unknown) => `throws ${(e as Error).name}`;
  let v: unknown;
  try { v = fn(); } catch (e) { return thrown(e); }
  if (!(v instanceof Promise)) return shown(() => v);
  try {
    const r: unknown = await v;
    return shown(() => r);
  } catch (e) {
    return thrown(e);
  }
}

/** Every member of `o` and its prototypes, symbols too, but the constructor. */
function memberNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Reflect.ownKeys(p)) if (k !== 'constructor') names.add(String(k));
  }
  return [...names].sort();
}

declare const Deno: {
  listenTls(o: { hostname: string; port: number; cert: string; key: string }): object & { addr: { port: number }; accept(): Promise<object>; close(): void };
  connectTls(o: { hostname: string; port: number; caCerts: string[]; serverName: string }): Promise<object & { handshake(): Promise<unknown>; close(): void }>;
};

/** The rows whose answer (ours, or Deno's when `which` is 'deno') differs from the table's. */
async function afterCloseProblems(table: Record<string, AfterCloseRow>, x: object, which: 'ours' | 'deno'): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, row] of Object.entries(table)) {
    const want = which === 'deno' ? row.deno : row.ours ?? row.deno;
    if (want === null) continue;
    const got = await settled(() => row.call(x as Record<string | symbol, unknown>));
    if (got !== want) problems.push(`${which === 'deno' ? "Deno's" : 'our'} ${name} gave ${got}, the table says ${want}`);
  }
  return problems;
}

suite('public API sweep: Deno adapter after close(), twice, wrong types', test => {
  test("every member of DenoTlsConn and DenoTlsListener after close(): Deno's answer (checked on Deno's own), or a documented one", async () => {
    const o = await load();
    const p = await pki();
    const context = o.createContext({ role: 'server', certificate: p.cert, privateKey: p.key });
    const ours = denoEntry.listenDeno({ hostname: '127.0.0.1', port: 0, context });
    const theirs = Deno.listenTls({ hostname: '127.0.0.1', port: 0, cert: p.cert, key: p.key });
    try {
      const [accepted, conn] = await Promise.all([ours.accept(), denoEntry.connectDeno({ hostname: '127.0.0.1', port: ours.addr.port, serverName: 'localhost', openssl: o, contextOptions: { ca: p.ca } })]);
      const [denoAccepted, denoConn] = await Promise.all([theirs.accept(), Deno.connectTls({ hostname: '127.0.0.1', port: theirs.addr.port, caCerts: [p.ca], serverName: 'localhost' })]);
      await Promise.all([conn.handshake, accepted.handshake, denoConn.handshake()]);
      assert.deepEqual(memberNames(conn).filter(m => !(m in CONN_AFTER_CLOSE)), [], 'a DenoTlsConn member without a row (add one: what it gives after close())');
      assert.deepEqual(memberNames(ours).filter(m => !(m in LISTENER_AFTER_CLOSE)), [], 'a DenoTlsListener member without a row');
      for (const c of [conn, accepted, denoConn, denoAccepted] as { close(): void }[]) c.close();
      await Promise.all([conn.closed, accepted.closed].map(c => c.catch(() => undefined)));
      ours.close();
      theirs.close();
      const problems = [
        ...await afterCloseProblems(CONN_AFTER_CLOSE, conn, 'ours'), ...await afterCloseProblems(CONN_AFTER_CLOSE, denoConn, 'deno'),
        ...await afterCloseProblems(LISTENER_AFTER_CLOSE, ours, 'ours'), ...await afterCloseProblems(LISTENER_AFTER_CLOSE, theirs, 'deno'),
      ];
      assert.deepEqual(problems, []);
    } finally {
      context.free();
    }
    assert.deepEqual(o.stats().handles, { Context: 0, Connection: 0, Session: 0 });
  });

  test('DenoTlsConn: read and write refuse what is not a Uint8Array (TypeError), and the connection goes on', async () => {
    const o = await load();
    const p = await pki();
    const context = o.createContext({ role: 'server', certificate: p.cert, privateKey: p.key });
    const listener = denoEntry.listenDeno({ hostname: '127.0.0.1', port: 0, context });
    try {
      const [accepted, conn] = await Promise.all([listener.accept(), denoEntry.connectDeno({ hostname: '127.0.0.1', port: listener.addr.port, serverName: 'localhost', openssl: o, contextOptions: { ca: p.ca } })]);
      for (const bad of ['text', [1, 2], new ArrayBuffer(2), null]) {
        await assert.rejects(conn.read(bad as unknown as Uint8Array), TypeError);
        await assert.rejects(conn.write(bad as unknown as Uint8Array), TypeError);
      }
      assert.equal(await conn.write(new Uint8Array([7])), 1);
      const got = new Uint8Array(1);
      assert.equal(await accepted.read(got), 1);
      assert.equal(got[0], 7);
      conn.close();
      accepted.close();
      await Promise.all([conn.closed, accepted.closed].map(c => c.catch(() => undefined)));
    } finally {
      listener.close();
      context.free();
    }
  });

  test('listenDeno: close() twice throws Deno.errors.BadResource the second time, as Deno.listenTls\'s; Symbol.dispose after close() does nothing', async () => {
    const o = await load();
    const p = await pki();
    const context = o.createContext({ role: 'server', certificate: p.cert, privateKey: p.key });
    try {
      const listener = denoEntry.listenDeno({ hostname: '127.0.0.1', port: 0, context });
      listener.close();
      const e = assert.throws(() => listener.close()) as Error;
      assert.equal(e.name, 'BadResource');
      listener[Symbol.dispose]();
    } finally {
      context.free();
    }
  });
}, { runtimes: ['deno'] });
