// The FinalizationRegistry backstop: handles nobody frees are released when collected and counted
// in stats().finalized, their memory given back. Needs a forced garbage collection in each runtime.
import { handshakeInMemory, type Session } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { tick } from '../lib/wait.ts';
import { NO_HANDLES, World } from '../lib/object-world.ts';

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

suite('object layer: the FinalizationRegistry backstop', test => {
  const gcWhere = inBrowser ? 'Chromium: gc() from --js-flags=--expose-gc at launch'
    : 'Node and Deno: gc() exposed at run time through node:v8 and node:vm';
  test(`FinalizationRegistry backstop: forgotten Contexts, Connections and Sessions are released and counted in stats().finalized (${gcWhere})`, async () => {
    const w = await World.load();
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
});
