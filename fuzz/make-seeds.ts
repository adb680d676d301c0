// Makes the fixture sessions (fuzz/fixtures/*.der) and the seed inputs every target's corpus starts
// from, from real handshakes on the module: run once (`npm run fuzz -- --make-seeds`); the fuzzer
// then grows and minimises each corpus. Node only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constants as C, type Connection, type Context, type OpenSSL, type Session } from '../ts/index.ts';
import { concat } from '../ts/raw/bytes.ts';
import { writeCorpus } from './corpus-write.ts';
import { loadEnv } from './env.ts';
import { clientContext, fixtureSession, fixtureURL, loadFixtures, SESSION_NAMES, seededServerContext, serverContext, type Fixtures } from './targets/fixtures.ts';
import { echSeeds } from './targets/ech-seeds.ts';
import { ringSeeds } from './targets/redis-rings-seeds.ts';
import { SEALED_KEYS, SEALED_LABEL } from './targets/sealed-value.ts';
import { ValueSealer } from '../ts/stores/sealed-value.ts';


/** A full handshake whose client session is kept (TLS 1.3 tickets arrive after it). */
function clientSession(sctx: Context, cctx: Context): Session {
  let kept: Session | null = null;
  const c = cctx.createConnection({ serverName: 'localhost', onSession: s => { kept?.free(); kept = s.ref(); } });
  const s = sctx.createConnection();
  flights(c, s);
  c.free(); s.free();
  if (!kept) throw new Error('no session');
  return kept;
}

/** Runs a handshake by hand, returning what each side sent, flight by flight. */
function flights(c: Connection, s: Connection): { client: Uint8Array[]; server: Uint8Array[] } {
  const client: Uint8Array[] = [], server: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    if (!c.isHandshakeDone) c.handshake(); else c.read();
    const cb = c.takeOutgoing();
    if (cb.length) { client.push(cb); s.receive(cb); }
    if (!s.isHandshakeDone) s.handshake(); else s.read();
    const sb = s.takeOutgoing();
    if (sb.length) { server.push(sb); c.receive(sb); }
    if (!cb.length && !sb.length && c.isHandshakeDone && s.isHandshakeDone) break;
  }
  return { client, server };
}

async function makeFixtures(ossl: OpenSSL): Promise<void> {
  const f: Fixtures = await loadFixtures();
  const cctx = clientContext(ossl, f);
  const servers: Record<string, Context> = {
    'tls12-id': serverContext(ossl, f, { maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET }),
    'tls12-ticket': serverContext(ossl, f, { maxVersion: 'TLSv1.2' }),
    'tls13-ticket': serverContext(ossl, f, { minVersion: 'TLSv1.3' }),
  };
  mkdirSync(fileURLToPath(fixtureURL('')), { recursive: true });
  for (const name of SESSION_NAMES) {
    const s = clientSession(servers[name], cctx);
    writeFileSync(fileURLToPath(fixtureURL(`${name}.der`)), s.toDER());
    s.free();
    servers[name].free();
  }
  cctx.free();
}

const { ossl } = await loadEnv();
await makeFixtures(ossl);
const f = await loadFixtures();
const cctx = clientContext(ossl, f);
const sessions = SESSION_NAMES.map(n => ossl.sessionFromDER(f.sessions[n]!));
const seeds: Record<string, Uint8Array[]> = { session: [], 'server-flight': [], 'client-flight': [], 'server-store': [], 'sealed-value': [], 'simd-plain': [], 'peer-certificate': [] };

// Handshakes with each session offered (and none), to servers that know them.
for (const [i, offered] of [null, ...sessions].entries()) {
  for (const extra of [{}, { maxVersion: 'TLSv1.2' }, { options: C.SSL_OP_NO_TICKET }]) {
    const sctx = seededServerContext(ossl, f, extra);
    for (const s of sessions) { s.time = Math.floor(Date.now() / 1000); }
    const c = cctx.createConnection({ serverName: 'localhost', session: offered ?? undefined });
    const s = sctx.createConnection();
    const fl = flights(c, s);
    const pick = i === 0 ? 0 : i - 1;
    seeds['server-flight'].push(fl.client[0], concat(fl.client));
    seeds['client-flight'].push(concat([Uint8Array.of(pick), fl.server[0]]), concat([Uint8Array.of(pick), ...fl.server]));
    if (c.protocol === 'TLSv1.2') seeds['peer-certificate'].push(fl.server[0]); // its Certificate in the clear
    if (s.session) seeds.session.push(s.session.toDER());
    c.free(); s.free(); sctx.free();
  }
}
for (const n of SESSION_NAMES) {
  seeds.session.push(f.sessions[n]!);
  seeds['server-store'].push(f.sessions[n]!);
  // And as the server would store it, with the fixtures' ten-year timeout: a seed that resumes on
  // every replay (a client session's own timeout, 2 hours, expires the day it was made).
  const s = fixtureSession(ossl, f, n)!;
  seeds['server-store'].push(s.toDER());
  s.free();
}
seeds['server-store'].push(new Uint8Array(0));
const utf8 = new TextEncoder();
for (const keys of [SEALED_KEYS, [...SEALED_KEYS].reverse()]) {
  const sealer = new ValueSealer(keys, 'make-seeds');
  seeds['sealed-value'].push(utf8.encode(await sealer.seal(f.sessions['tls12-id']!, SEALED_LABEL)), utf8.encode(await sealer.seal(new Uint8Array(1), SEALED_LABEL)));
}
for (const [i, len] of [0, 1, 15, 16, 63, 64, 65, 255, 256, 257, 16383, 16384, 16385, 65536, 70000].entries()) {
  for (let suite = 0; suite < 3; suite++) {
    seeds['simd-plain'].push(Uint8Array.of(suite, i & 3, len >> 16, (len >> 8) & 0xff, len & 0xff, i & 15, 0, 0, suite, i, 0x40, 0xc0));
  }
}
seeds['redis-rings'] = await ringSeeds();
seeds['ech-config-list'] = await echSeeds();
for (const s of sessions) s.free();
cctx.free();
for (const [target, inputs] of Object.entries(seeds)) {
  await writeCorpus(target, inputs);
  console.log(`${target}: ${inputs.length} seeds`);
}
