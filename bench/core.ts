// The runtime-neutral part of the bench: the openssl-wasm scenarios (handshakes, bulk transfer,
// memory, the session cache), written against the object layer only, so the same code runs in Node,
// Deno and Chromium. No I/O here: the PEM fixtures are embedded by esbuild's text loader and the
// module is passed in by each runtime's entry point.
import { constants as C, handshakeInMemory, OpenSSL, ptr, transfer, type Connection, type Session, type WasmSource } from '../ts/index.ts';
import caPem from '../test/fixtures/ca.pem';
import ecCert from '../test/fixtures/server.pem';
import ecKey from '../test/fixtures/server.key';
import rsaCert from '../test/fixtures/server-rsa.pem';
import rsaKey from '../test/fixtures/server-rsa.key';
import { median, positionCheck, rotated, summarize, type PositionCheck, type Summary } from './stats.ts';

export const fixtures = { caPem, ecCert, ecKey, rsaCert, rsaKey };

/** A handshake scenario, the same for openssl-wasm and Node's tls. */
export interface HandshakeSpec {
  id: string;
  label: string;
  version: 'TLSv1.2' | 'TLSv1.3';
  cert: 'p256' | 'rsa';
  /** The key-exchange group expected, and the groups both ends offer (default: that one). */
  group: string;
  groups?: string;
  /** How the handshake resumes: by a ticket, by a session id (the server sends no tickets), or not. */
  resume: 'ticket' | 'id' | null;
}

/** TLS 1.2's suite, set on both ends (the defaults differ: OpenSSL's prefers AES-256, Node's AES-128). */
export const TLS12_CIPHER = 'ECDHE-ECDSA-AES128-GCM-SHA256';

// TLS 1.2 checks an ECDSA certificate's curve against the client's groups (RFC 8422, 5.1): offer
// P-256 too, after X25519, which both ends prefer for the key exchange.
const TLS12_GROUPS = 'X25519:P-256';

export const HANDSHAKES: HandshakeSpec[] = [
  { id: 'tls13-full-p256', label: 'TLS 1.3 full, X25519, ECDSA P-256', version: 'TLSv1.3', cert: 'p256', group: 'X25519', resume: null },
  { id: 'tls13-full-rsa', label: 'TLS 1.3 full, X25519, RSA-2048', version: 'TLSv1.3', cert: 'rsa', group: 'X25519', resume: null },
  { id: 'tls13-resumed', label: 'TLS 1.3 resumed (ticket, psk_dhe_ke X25519)', version: 'TLSv1.3', cert: 'p256', group: 'X25519', resume: 'ticket' },
  { id: 'tls12-full', label: 'TLS 1.2 full, ECDHE X25519, ECDSA P-256', version: 'TLSv1.2', cert: 'p256', group: 'X25519', groups: TLS12_GROUPS, resume: null },
  { id: 'tls12-resumed-id', label: 'TLS 1.2 resumed by session id', version: 'TLSv1.2', cert: 'p256', group: 'X25519', groups: TLS12_GROUPS, resume: 'id' },
  { id: 'tls12-resumed-ticket', label: 'TLS 1.2 resumed by ticket', version: 'TLSv1.2', cert: 'p256', group: 'X25519', groups: TLS12_GROUPS, resume: 'ticket' },
  { id: 'tls13-full-mlkem', label: 'TLS 1.3 full, X25519MLKEM768, ECDSA P-256', version: 'TLSv1.3', cert: 'p256', group: 'X25519MLKEM768', resume: null },
];

export const BULK_SUITES = [
  { id: 'bulk-aes128gcm', label: 'bulk, TLS 1.3 AES-128-GCM', suite: 'TLS_AES_128_GCM_SHA256' },
  { id: 'bulk-chacha20', label: 'bulk, TLS 1.3 ChaCha20-Poly1305', suite: 'TLS_CHACHA20_POLY1305_SHA256' },
] as const;

/** How long and how often: `full` for the figures, `quick` to keep the bench working in CI. */
export const PLANS = {
  full: { rounds: 14, batchMs: 100, warmMs: 400, warmPassesMin: 3, warmPasses: 16, warmAllMs: 4000, bulkBytes: 64 * 2 ** 20, bulkRuns: 3, segment: 4 * 2 ** 20, chunk: 65536, forgeBulkBytes: 16 * 2 ** 20, cold: 11, memConns: 100, cacheSizes: [1000, 10000, 100000], liveConns: 10000 },
  quick: { rounds: 7, batchMs: 25, warmMs: 100, warmPassesMin: 2, warmPasses: 3, warmAllMs: 800, bulkBytes: 8 * 2 ** 20, bulkRuns: 1, segment: 1 * 2 ** 20, chunk: 65536, forgeBulkBytes: 1 * 2 ** 20, cold: 3, memConns: 20, cacheSizes: [1000, 10000], liveConns: 10000 },
};
export type Plan = typeof PLANS.full;

/** A resumed handshake that did not resume (or a full one that did): the bench fails on it. */
export class ResumptionError extends Error {
  override name = 'ResumptionError';
}

export const now = (): number => performance.now();

/**
 * CPU time this process has used, in ms (Node only; null elsewhere). On a shared machine a batch's
 * CPU time is much steadier than its wall time, which includes waiting for a core.
 */
export const cpuNow = (): number | null => {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (!p?.cpuUsage) return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `fn` repeatedly for about `ms` milliseconds (at least `min` times); returns the samples. */
export function warm(fn: () => number, ms: number, min = 3): number[] {
  const out: number[] = [];
  const t0 = now();
  while (out.length < min || now() - t0 < ms) out.push(fn());
  return out;
}

/** How many handshakes make a batch of about `batchMs`, from warm-up samples. */
export function batchSize(warmSamples: number[], batchMs: number, max = 400): number {
  const m = summarize(warmSamples.slice(Math.floor(warmSamples.length / 2))).median;
  return Math.max(3, Math.min(max, Math.round(batchMs / Math.max(m, 0.01))));
}

/**
 * Runs every scenario for a while before anything is measured. V8 first runs wasm on its baseline
 * compiler (Liftoff) and moves hot functions to the optimizing one (TurboFan) over the next seconds:
 * measured from cold, the first scenarios would be several times slower than the later ones.
 */
export function warmAll(ossl: OpenSSL, ms: number): void {
  const per = ms / (HANDSHAKES.length + BULK_SUITES.length);
  for (const spec of HANDSHAKES) {
    const h = wasmHandshake(spec, ossl);
    warm(() => h.run(), per);
    h.free();
  }
  for (const b of BULK_SUITES) {
    const t0 = now();
    while (now() - t0 < per) wasmBulk(ossl, b.suite, 2 ** 20, 2 ** 20, 65536);
  }
}

// ---- handshakes ----------------------------------------------------------------------------------

export interface WasmHandshake {
  /** One handshake from creating both connections to both done (and, TLS 1.3, tickets read): ms. */
  run(): number;
  /** What was negotiated, checked on the first handshake. */
  negotiated: string;
  free(): void;
}

function describe(c: Connection): string {
  return [c.protocol, c.cipher, c.group ?? '(no key exchange)', c.sessionReused ? 'resumed' : 'full'].join(' ');
}

/** Checks both ends resumed (or both did not), as the bench requires on every handshake. */
export function checkReuse(what: string, want: boolean, client: boolean, server: boolean): void {
  if (client !== want || server !== want) {
    throw new ResumptionError(`${what}: expected ${want ? 'a resumed' : 'a full'} handshake, got client reused=${client}, server reused=${server}`);
  }
}

/** Sets up the contexts for one scenario in one instance (or a client and a server instance). */
export function wasmHandshake(spec: HandshakeSpec, clientSSL: OpenSSL, serverSSL: OpenSSL = clientSSL): WasmHandshake {
  const [certificate, privateKey] = spec.cert === 'rsa' ? [rsaCert, rsaKey] : [ecCert, ecKey];
  const v = { minVersion: spec.version, maxVersion: spec.version, groups: spec.groups ?? spec.group, ...(spec.version === 'TLSv1.2' ? { cipherList: TLS12_CIPHER } : {}) };
  const server = serverSSL.createContext({ role: 'server', certificate, privateKey, ...v, ...(spec.resume === 'id' ? { options: C.SSL_OP_NO_TICKET } : {}) });
  const client = clientSSL.createContext({ role: 'client', ca: caPem, ...v });
  let session: Session | null = null;

  // OpenSSL's TLS 1.3 client uses a ticket once (it marks a session it resumed not resumable, see
  // tls_finish_handshake), so TLS 1.3 resumes with the newest ticket, from the previous handshake.
  const rolling = spec.resume !== null && spec.version === 'TLSv1.3';
  const once = (resume: Session | null, keep: boolean): { ms: number; c: Connection; s: Connection } => {
    let next: Session | null = null;
    const t0 = now();
    const c = client.createConnection({
      serverName: 'localhost',
      ...(resume ? { session: resume } : {}),
      ...(keep || rolling ? { onSession: (s: Session) => { next ??= s.ref(); } } : {}),
    });
    const s = server.createConnection();
    handshakeInMemory(c, s);
    const ms = now() - t0;
    if (next && (keep || rolling)) {
      session?.free();
      session = next;
    }
    return { ms, c, s };
  };
  const close = (c: Connection, s: Connection) => {
    c.shutdown();
    s.shutdown();
    c.free();
    s.free();
  };

  let negotiated = '';
  {
    // The first handshake: full, checks what was negotiated, and keeps a session for resumption.
    const { c, s } = once(null, spec.resume !== null);
    checkReuse(`${spec.id} (priming)`, false, c.sessionReused, s.sessionReused);
    negotiated = describe(c);
    if (c.protocol !== spec.version) throw new Error(`${spec.id}: negotiated ${c.protocol}, not ${spec.version}`);
    if (c.group?.toLowerCase() !== spec.group.toLowerCase()) throw new Error(`${spec.id}: negotiated group ${c.group}, not ${spec.group}`);
    close(c, s);
    if (spec.resume) {
      if (!session) throw new ResumptionError(`${spec.id}: the first handshake delivered no session`);
      const { c: c2, s: s2 } = once(session, false);
      checkReuse(spec.id, true, c2.sessionReused, s2.sessionReused);
      negotiated = describe(c2);
      close(c2, s2);
    }
  }
  return {
    negotiated,
    run() {
      const { ms, c, s } = once(session, false);
      checkReuse(spec.id, spec.resume !== null, c.sessionReused, s.sessionReused);
      close(c, s);
      return ms;
    },
    free() {
      session?.free();
      client.free();
      server.free();
    },
  };
}

// ---- bulk ----------------------------------------------------------------------------------------

export interface BulkResult {
  /** MB/s (10^6 bytes a second) of each segment. */
  segments: number[];
  /** MB/s over the whole transfer. */
  overall: number;
  negotiated: string;
}

/** A connected pair with one TLS 1.3 suite, ready to move data client -> server. */
export function wasmBulkPair(ossl: OpenSSL, suite: string) {
  const v = { minVersion: 'TLSv1.3' as const, maxVersion: 'TLSv1.3' as const, cipherSuites: suite, groups: 'X25519' };
  const server = ossl.createContext({ role: 'server', certificate: ecCert, privateKey: ecKey, ...v });
  const client = ossl.createContext({ role: 'client', ca: caPem, ...v });
  const c = client.createConnection({ serverName: 'localhost' });
  const s = server.createConnection();
  handshakeInMemory(c, s);
  if (c.cipher !== suite) throw new Error(`bulk: negotiated ${c.cipher}, not ${suite}`);
  return { c, s, negotiated: describe(c), free() { c.shutdown(); s.shutdown(); client.free(); server.free(); } };
}

/** Moves `total` bytes through a connection in `chunk`-byte writes, timing each `segment`. */
export function wasmBulk(ossl: OpenSSL, suite: string, total: number, segment: number, chunk: number): BulkResult {
  const pair = wasmBulkPair(ossl, suite);
  const { c, s } = pair;
  const data = new Uint8Array(chunk);
  for (let i = 0; i < chunk; i++) data[i] = (i * 131 + 7) & 0xff;
  const segments: number[] = [];
  let received = 0, last: Uint8Array | null = null;
  const t0 = now();
  try {
    for (let sent = 0; sent < total;) {
      const ts = now();
      const end = Math.min(total, sent + segment);
      for (; sent < end; sent += chunk) {
        if (c.write(data) !== 'done') throw new Error('bulk: write did not complete');
        transfer(c, s);
        const r = s.read().data;
        received += r.length;
        if (r.length) last = r;
      }
      if (received !== sent) throw new Error(`bulk: sent ${sent} bytes, the server read ${received}`);
      segments.push((segment / 1e6) / ((now() - ts) / 1000));
    }
    const overall = (total / 1e6) / ((now() - t0) / 1000);
    if (!last || last[last.length - 1] !== data[data.length - 1]) throw new Error('bulk: the data read is not the data written');
    return { segments, overall, negotiated: pair.negotiated };
  } finally {
    pair.free();
  }
}

// ---- memory and the session cache (Node only, but nothing runtime-specific) ----------------------

export interface MemoryResult {
  /** Bytes of linear memory (malloc'd) per connection, by state. */
  clientConnCreated: number;
  serverConnCreated: number;
  clientConnIdle: number;
  serverConnIdle: number;
  /** Bytes per session held in a server's internal cache (TLS 1.2, session id; no connections left). */
  serverCachedSession: number;
  /** Bytes per TLS 1.3 ticket session a client keeps (a Session reference). */
  clientTicketSession: number;
  conns: number;
}

/**
 * Connections and sessions measured in a client instance and a server instance of their own, so
 * each side's bytes are its own: heapInUse before and after making `n` of them, divided by n.
 */
export async function wasmMemory(wasm: WasmSource, n: number): Promise<MemoryResult> {
  const cl = await OpenSSL.load({ wasm }), sv = await OpenSSL.load({ wasm });
  const heap = (o: OpenSSL) => o.stats().heapInUse;
  const v13 = { minVersion: 'TLSv1.3' as const, maxVersion: 'TLSv1.3' as const, groups: 'X25519' };
  const server = sv.createContext({ role: 'server', certificate: ecCert, privateKey: ecKey, ...v13 });
  const client = cl.createContext({ role: 'client', ca: caPem, ...v13 });
  // one throwaway handshake first, so lazily made tables (methods, curves, ...) are not counted
  { const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection(); handshakeInMemory(c, s); c.shutdown(); s.shutdown(); c.free(); s.free(); }

  // connections: created, then established and idle (each holding its current session)
  const c0 = heap(cl), s0 = heap(sv);
  const pairs = Array.from({ length: n }, () => [client.createConnection({ serverName: 'localhost' }), server.createConnection()] as const);
  const c1 = heap(cl), s1 = heap(sv);
  for (const [c, s] of pairs) handshakeInMemory(c, s);
  const c2 = heap(cl), s2 = heap(sv);
  for (const [c, s] of pairs) { c.shutdown(); s.shutdown(); c.free(); s.free(); }

  // sessions a client keeps: the first ticket of each of n handshakes, the connections freed
  const t0 = heap(cl);
  const sessions: Session[] = [];
  for (let i = 0; i < n; i++) {
    let kept: Session | null = null;
    const c = client.createConnection({ serverName: 'localhost', onSession: s => { kept ??= s.ref(); } }), s = server.createConnection();
    handshakeInMemory(c, s);
    c.shutdown(); s.shutdown(); c.free(); s.free();
    if (!kept) throw new Error('memory: no session delivered');
    sessions.push(kept);
  }
  const clientTicketSession = (heap(cl) - t0) / n;
  for (const s of sessions) s.free();

  // TLS 1.2 server cache: n handshakes with session ids, the connections closed and freed.
  const v12 = { minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const, groups: TLS12_GROUPS };
  const server12 = sv.createContext({ role: 'server', certificate: ecCert, privateKey: ecKey, options: C.SSL_OP_NO_TICKET, sessionCacheSize: 0, ...v12 });
  const client12 = cl.createContext({ role: 'client', ca: caPem, ...v12 });
  { const c = client12.createConnection({ serverName: 'localhost' }), s = server12.createConnection(); handshakeInMemory(c, s); c.shutdown(); s.shutdown(); c.free(); s.free(); }
  const k0 = heap(sv), cached0 = server12.sessionStats.number;
  for (let i = 0; i < n; i++) {
    const c = client12.createConnection({ serverName: 'localhost' }), s = server12.createConnection();
    handshakeInMemory(c, s);
    c.shutdown(); s.shutdown(); c.free(); s.free();
  }
  const k1 = heap(sv), cached = server12.sessionStats.number - cached0;
  if (cached !== n) throw new Error(`memory: expected ${n} more sessions in the server cache, found ${cached}`);
  return {
    clientConnCreated: (c1 - c0) / n,
    serverConnCreated: (s1 - s0) / n,
    clientConnIdle: (c2 - c0) / n,
    serverConnIdle: (s2 - s0) / n,
    serverCachedSession: (k1 - k0) / n,
    clientTicketSession,
    conns: n,
  };
}

export interface LiveConnectionsResult {
  /** Live connections at the end. */
  live: number;
  /** µs to create one connection: the first `sample` of them, and the `sample` up to the last. */
  first: number;
  last: number;
  sample: number;
  /** Linear memory at the end, bytes. */
  memorySize: number;
}

/**
 * Connection creation against the number live (issue 10): `n` server connections created in one
 * instance and kept, the time per connection of the first `sample` and of the last `sample`
 * compared. Each new connection's linear memory must come from growing the memory, so this is
 * where a growth cost that rises with the memory's size shows.
 */
export async function wasmLiveConnections(wasm: WasmSource, n: number, sample = 500): Promise<LiveConnectionsResult> {
  const ossl = await OpenSSL.load({ wasm });
  const server = ossl.createContext({ role: 'server', certificate: ecCert, privateKey: ecKey });
  { const warm = server.createConnection(); warm.free(); }
  const live: Connection[] = [];
  let first = 0;
  let t0 = performance.now();
  for (let i = 1; i <= n; i++) {
    live.push(server.createConnection());
    if (i === sample) first = (performance.now() - t0) * 1000 / sample;
    if (i === n - sample) t0 = performance.now();
  }
  const last = (performance.now() - t0) * 1000 / sample;
  const memorySize = ossl.stats().memorySize;
  for (const c of live) c.free();
  server.free();
  return { live: n, first, last, sample, memorySize };
}

export interface CacheOpsResult {
  size: number;
  /** µs per operation: summaries over batches of operations. */
  add: Summary;
  lookup: Summary;
  remove: Summary;
  /** Bytes of linear memory per cached session: the session itself plus the cache's share. */
  bytesPerSession: number;
  /** Of which the cache's own bookkeeping (hash table, list). */
  cacheBytesPerSession: number;
}

/**
 * The server's internal session cache at `size` sessions: adding them (SSL_CTX_add_session through
 * Context.addSession), looking each up by id (SSL_has_matching_session_id, the cache's lookup) and
 * removing them (Context.removeSession). The sessions are copies of one real TLS 1.2 server session,
 * each with an id of its own.
 */
export function wasmCacheOps(ossl: OpenSSL, size: number, batch = 100): CacheOpsResult {
  const { capi, mem } = ossl.raw;
  const v12 = { minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const, groups: TLS12_GROUPS };
  const server = ossl.createContext({ role: 'server', certificate: ecCert, privateKey: ecKey, options: C.SSL_OP_NO_TICKET, sessionCacheSize: 0, sessionTimeout: 86400, ...v12 });
  const client = ossl.createContext({ role: 'client', ca: caPem, ...v12 });
  const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
  handshakeInMemory(c, s);
  const base = s.session!;
  c.shutdown(); s.shutdown(); c.free();
  // The lookup compares the protocol version too: probe with this TLS 1.2 server connection.
  const probe = s;
  server.flushSessions(0x7fffffff); // empty the cache: only ours go in
  if (server.sessionStats.number !== 0) throw new Error('cache: could not empty the cache');
  const heap = () => ossl.stats().heapInUse;
  const h0 = heap();
  // ids: 32 random bytes each, as a server makes them (OpenSSL hashes the first four bytes: ids
  // that differ only further on would all collide), also kept in linear memory for the lookups
  const idsPtr = capi.malloc(size * 32);
  const sessions: Session[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const id = crypto.getRandomValues(new Uint8Array(32));
    mem.u8.set(id, idsPtr + i * 32);
    const d = base.dup();
    d.id = id;
    sessions[i] = d;
  }
  const h1 = heap();
  const timed = (op: (i: number) => void): Summary => {
    const perOp: number[] = [];
    for (let i = 0; i < size; i += batch) {
      const end = Math.min(size, i + batch);
      const t0 = now();
      for (let j = i; j < end; j++) op(j);
      perOp.push(((now() - t0) * 1000) / (end - i));
    }
    return summarize(perOp);
  };
  const add = timed(i => { if (!server.addSession(sessions[i])) throw new Error(`cache: add ${i} refused`); });
  const h2 = heap();
  if (server.sessionStats.number !== size) throw new Error(`cache: ${server.sessionStats.number} sessions cached, expected ${size}`);
  const ssl = probe.pointer;
  const lookup = timed(i => { if (capi.SSL_has_matching_session_id(ssl, ptr<'u8'>(idsPtr + i * 32), 32) !== 1) throw new Error(`cache: lookup ${i} missed`); });
  const remove = timed(i => { if (!server.removeSession(sessions[i])) throw new Error(`cache: remove ${i} found nothing`); });
  if (server.sessionStats.number !== 0) throw new Error('cache: sessions left after removing all');
  for (const x of sessions) x.free();
  capi.free(idsPtr);
  probe.free();
  base.free();
  client.free();
  server.free();
  const idBytes = (size * 32) / size;
  return { size, add, lookup, remove, bytesPerSession: (h2 - h0) / size - idBytes, cacheBytesPerSession: (h2 - h1) / size };
}

// ---- the standalone run (Deno, Chromium): handshakes and bulk, wasm only ---------------------------

export interface StandaloneResult {
  runtime: string;
  version: string;
  handshakes: Record<string, { samples: number[]; summary: Summary; negotiated: string; positions?: PositionCheck }>;
  bulk: Record<string, { segments: number[]; summary: Summary; overall: number[]; negotiated: string }>;
}

/** The plan as given, or with no warm-up at all (`--no-warmup`: to see what the warm-up removes). */
export function planFor(quick: boolean, noWarmup = false): Plan {
  const plan = quick ? PLANS.quick : PLANS.full;
  return noWarmup ? { ...plan, warmAllMs: 0, warmMs: 0, warmPassesMin: 1, warmPasses: 1 } : plan;
}

export async function runStandalone(opts: { wasm: WasmSource; quick: boolean; noWarmup?: boolean; runtime: string; log?: (s: string) => void }): Promise<StandaloneResult> {
  const plan = planFor(opts.quick, opts.noWarmup);
  const log = opts.log ?? (() => {});
  const ossl = await OpenSSL.load({ wasm: opts.wasm });
  const out: StandaloneResult = { runtime: opts.runtime, version: ossl.version, handshakes: {}, bulk: {} };
  warmAll(ossl, plan.warmAllMs);
  // as in Node (bench/main.ts): every scenario warmed up, then rounds in a rotated order
  const S = HANDSHAKES.map(spec => ({ spec, h: wasmHandshake(spec, ossl), k: 0, samples: [] as number[], pos: [] as { pos: number; median: number }[] }));
  for (let pass = 0; pass < plan.warmPasses; pass++) for (const s of S) s.k = batchSize(warm(() => s.h.run(), plan.warmMs / 4), plan.batchMs);
  log(`${opts.runtime}: warmed up`);
  for (let r = 0; r < plan.rounds; r++) {
    rotated(S, r).forEach((s, pos) => {
      const x: number[] = [];
      for (let i = 0; i < s.k; i++) x.push(s.h.run());
      s.samples.push(...x);
      s.pos.push({ pos, median: median(x) });
    });
  }
  for (const s of S) {
    out.handshakes[s.spec.id] = { samples: s.samples, summary: summarize(s.samples), negotiated: s.h.negotiated, positions: positionCheck(s.pos, S.length) };
    log(`${opts.runtime}: ${s.spec.id} ${out.handshakes[s.spec.id].summary.median.toFixed(3)} ms`);
    s.h.free();
  }
  for (const b of BULK_SUITES) {
    const segments: number[] = [], overall: number[] = [];
    let negotiated = '';
    wasmBulk(ossl, b.suite, plan.segment, plan.segment, plan.chunk); // warm-up
    for (let r = 0; r < plan.bulkRuns; r++) {
      const res = wasmBulk(ossl, b.suite, plan.bulkBytes, plan.segment, plan.chunk);
      segments.push(...res.segments);
      overall.push(res.overall);
      negotiated = res.negotiated;
    }
    out.bulk[b.id] = { segments, summary: summarize(segments), overall, negotiated };
    log(`${opts.runtime}: ${b.id} ${out.bulk[b.id].summary.median.toFixed(1)} MB/s`);
  }
  return out;
}
