// The public API, swept member by member as an attacker would: every public method, getter and
// setter of Connection, Context, Session, OpenSSL, TLSEngine and ClientHello, and every export of
// the main entry, is in a table saying how it is used, and each is then called after free (a
// FreedHandleError; the instance goes on), with a handle of another instance (a ForeignHandleError),
// with wrong types (a TypeError or RangeError, never silence) and oversized input (a RangeError
// naming the limit, thrown before anything is copied: linear memory, which never shrinks, does not
// grow; a 1 GiB input is never copied in). The tables are checked against the prototypes and the
// module's exports: a member or export added without a row here fails the sweep, so it stays whole.
// This file is the sweep's machinery; the tables are beside it, one per class; the suites are
// test/suites/api-sweep-*.suite.ts.
import * as api from '../../../ts/index.ts';
import {
  ForeignHandleError, FreedHandleError, handshakeInMemory,
  type Connection, type Context, type OpenSSL, type Session,
} from '../../../ts/index.ts';
import * as assert from '../assert.ts';
import { testLine } from '../line.ts';
import { clientContext, close, connect, load, pki, serverContext } from '../tls.ts';

/** What a sweep of one instance works with: contexts of each role, and the other instance's handles. */
export interface World {
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
export type Table<T> = Record<string, Row<T> | Internal>;

export const isInternal = <T>(r: Row<T> | Internal): r is Internal => 'internal' in r;
const read = <T>(name: string) => (h: T) => (h as Record<string, unknown>)[name];
export const getter = <T>(name: string, extra: Omit<Row<T>, 'use'> = {}): Row<T> => ({ use: read<T>(name), ...extra });

/** Every own member of a class's prototype chain up to Object, and the public fields of an instance. */
export function membersOf(proto: object, instance?: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor') names.add(n);
    for (const s of Object.getOwnPropertySymbols(p)) names.add(s === Symbol.dispose ? '[Symbol.dispose]' : String(s));
  }
  for (const n of Object.keys(instance ?? {})) names.add(n);
  return [...names].sort();
}

/** Asserts the table has a row for every member and none for a member that is gone. */
export function assertComplete(what: string, table: Record<string, unknown>, members: string[]): void {
  const missing = members.filter(m => !(m in table));
  const stale = Object.keys(table).filter(k => !members.includes(k));
  assert.deepEqual({ missing, stale }, { missing: [], stale: [] },
    `${what}: every public member has a row in the sweep's table (add one for a new member: how it is used, and how it fails)`);
}

/** The outcome of fn as text: 'ok', or the error's class and message. */
export function outcome(fn: () => unknown): { ok: true } | { ok: false; error: unknown } {
  try {
    const r = fn();
    if (r instanceof Promise) r.catch(() => undefined);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
export const describe = (e: unknown) => e instanceof Error ? `${e.name}: ${e.message.slice(0, 160)}` : String(e);

/** Checks one misuse: it must throw one of `classes`; a problem is recorded otherwise. */
export function expectThrow(problems: string[], label: string, fn: () => unknown, ...classes: ErrorClass[]): unknown {
  const r = outcome(fn);
  if (r.ok) problems.push(`${label}: accepted silently`);
  else if (!classes.some(c => r.error instanceof c)) problems.push(`${label}: ${describe(r.error)} (wanted ${classes.map(c => c.name).join(' or ')})`);
  else if (!(r.error as Error).message) problems.push(`${label}: an error without a message`);
  return r.ok ? undefined : r.error;
}

/** Fails with every problem found, one a line. */
export function noProblems(problems: string[]): void {
  if (problems.length) throw new assert.AssertionError(`${problems.length} problem(s):\n${problems.join('\n')}`);
}

/** Lets a 1 GiB buffer be made where the runtime allows it (cheap: it is never written). */
export function gigabyte(): Uint8Array {
  return new Uint8Array(1 << 30);
}

export const bytes = (n: number) => new Uint8Array(n);

let huge: string | undefined;
/** Just over 64 Mi characters (one string, made once): a text input beyond every bound, as big as a string is cheap to make everywhere. */
export function hugeText(): string {
  huge ??= 'x'.repeat((64 << 20) + 1);
  return huge;
}

/**
 * An ECH member's use on the line under test: on 3.5, a TypeError naming the 4.0 line (its
 * documented answer there); on 4.0, `use`. Misuse rows are TypeErrors on both lines.
 */
export function onEchLine<R>(use: () => R): R | undefined {
  if (testLine === '4.0') return use();
  const r = outcome(use);
  if (!r.ok && r.error instanceof FreedHandleError) throw r.error; // the after-free check's answer
  const e = assert.throws(use, TypeError);
  assert.match((e as Error).message, /needs the OpenSSL 4\.0 line.*line: '4\.0'/);
  return undefined;
}
/** A new ECH key of `o` (4.0 line; on 3.5 the generating call is what onEchLine checks). */
export const echKey = (o: OpenSSL) => o.generateEchKey({ publicName: 'public.example' });
/** Oversized-input rows that only the 4.0 line reaches (on 3.5 the line's TypeError comes first). */
export const on40 = <R>(rows: R[]): R[] => testLine === '4.0' ? rows : [];

/**
 * Runs a use that this handle's state refuses (a client's readEarlyData, a handshake already
 * under way): its TypeError is the documented answer; a FreedHandleError goes on to the sweep.
 */
export function refusedForState(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof FreedHandleError || !(e instanceof TypeError)) throw e;
  }
}

export const HANDLE_ROWS = {
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

/** Runs `body` on a new world, freeing the world after (also when `body` throws). */
export async function withWorld(body: (w: World) => Promise<void>): Promise<void> {
  const w = await makeWorld();
  try {
    await body(w);
  } finally {
    w.free();
  }
}

/** A connected pair of `w`, for one row; freed by the caller. */
export function pair(w: World): { c: Connection; s: Connection; free(): void } {
  const c = w.client.createConnection({ serverName: 'localhost' }), s = w.server.createConnection();
  handshakeInMemory(c, s);
  return { c, s, free() { for (const h of [c, s]) if (h.alive) h.free(); } };
}

/**
 * Sweeps one table: for every row, a valid use on a live handle (it must not throw: the row is
 * right), then the same use after free (FreedHandleError), then foreign handles, wrong types and
 * oversized input. Collects every problem, so a failure lists them all.
 */
export async function sweep<T>(w: World, what: string, table: Table<T>, make: (row: Row<T>) => { h: T; free(): void },
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

/** sweep() over handles `make` makes: a new one for each use, and one freed for the after-free check. */
export function sweepMade<T extends { alive: boolean; free(): void }>(w: World, what: string, table: Table<T>, make: () => T,
  skip?: (row: Row<T>) => boolean): Promise<string[]> {
  return sweep(w, what, table, () => {
    const h = make();
    return { h, free: () => { if (h.alive) h.free(); } };
  }, () => {
    const h = make();
    h.free();
    return h;
  }, skip);
}
