import type { Ptr } from '../raw/types.ts';

/** What kinds of handle an instance counts (OpenSSL's type behind each). */
export type HandleKind = 'Context' | 'Connection' | 'Session';

/** Thrown on any use of a handle after it was freed, and on a second free. */
export class FreedHandleError extends TypeError {
  override name = 'FreedHandleError';
}

/**
 * Thrown when a handle of one OpenSSL instance is given to another: each instance has its own
 * linear memory, so a pointer of one means nothing (or something else) in the other.
 */
export class ForeignHandleError extends TypeError {
  override name = 'ForeignHandleError';
}

/**
 * Per-instance bookkeeping of live handles, and the FinalizationRegistry backstop: a handle that
 * becomes garbage while still holding its OpenSSL reference is released by the registry, and
 * counted, since it is a leak in the program that forgot it.
 */
export class HandleTracker {
  readonly live: Record<HandleKind, number> = { Context: 0, Connection: 0, Session: 0 };
  /** Handles released by the garbage collector instead of by free()/dispose. */
  finalized = 0;
  readonly #registry = new FinalizationRegistry<{ kind: HandleKind; release: () => void }>(held => {
    this.finalized++;
    this.live[held.kind]--;
    held.release();
  });
  /** JavaScript callbacks running now: while above 0, an OpenSSL call is under way below them. */
  #callbacks = 0;
  /** Releases asked for while an OpenSSL call was under way, in the order asked. */
  readonly #deferred: (() => void)[] = [];
  #drainQueued = false;
  constructor(private readonly usable: () => boolean) {}

  /** Whether OpenSSL is in the middle of a call that called back into JavaScript. */
  get inCallback(): boolean {
    return this.#callbacks > 0;
  }

  /** Runs fn as a callback OpenSSL made: releases asked for meanwhile wait until the call returns. */
  duringCallback<R>(fn: () => R): R {
    this.#callbacks++;
    try {
      return fn();
    } finally {
      this.#callbacks--;
    }
  }

  /**
   * Gives a reference back now or, inside a callback, once the OpenSSL call under way has returned:
   * freeing an SSL or SSL_CTX that OpenSSL is still working on would leave it using freed memory.
   * The object layer calls settle() after each call that can call back; a microtask is the
   * backstop for calls made through the raw layer (it runs only once the stack is empty).
   */
  release(fn: () => void): void {
    if (this.#callbacks === 0) {
      fn();
      return;
    }
    this.#deferred.push(fn);
    if (!this.#drainQueued) {
      this.#drainQueued = true;
      queueMicrotask(() => { this.#drainQueued = false; this.settle(); });
    }
  }

  /** Runs the releases deferred during the OpenSSL call that just returned (not while inside another). */
  settle(): void {
    if (this.#callbacks > 0) return;
    for (let fn = this.#deferred.shift(); fn; fn = this.#deferred.shift()) if (this.usable()) fn();
  }

  register(handle: object, kind: HandleKind, release: () => void, token: object): void {
    this.live[kind]++;
    // The held value must not reach the handle itself, or the handle could never be collected.
    const usable = this.usable;
    this.#registry.register(handle, { kind, release: () => { if (usable()) release(); } }, token);
  }

  unregister(kind: HandleKind, token: object): void {
    this.live[kind]--;
    this.#registry.unregister(token);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any pointee: Handle<T> is invariant in T
type AnyHandle = Handle<any>;
/** Set by Handle's static block: the tracker of a handle, for the instance checks below. */
let trackerOf: (h: AnyHandle) => HandleTracker;
/** Set by Handle's static block: ends a borrowed handle's life when its lending callback returns (owned handles are left alone). */
export let revokeBorrowed: (h: AnyHandle) => void;

/**
 * One JavaScript object owning one OpenSSL reference (as quickjs-emscripten's Lifetime does): the
 * reference is given back exactly once, by free(), by `using` (Symbol.dispose), or, if the program
 * forgets, by the FinalizationRegistry backstop. A borrowed handle owns no reference: it is valid
 * only while OpenSSL lends the object (inside a callback), cannot be freed, and ref() on it gives an
 * owned handle.
 */
export abstract class Handle<T extends string> {
  #ptr: Ptr<T> | 0;
  readonly #token = {};
  readonly #release: ((p: Ptr<T>) => void) | null;

  /** `tracker` is the instance's (also what tells its handles from another instance's); `release` gives the reference back (it must not refer to the handle); null for a borrowed handle. */
  protected constructor(
    protected readonly tracker: HandleTracker,
    readonly kind: HandleKind,
    ptr: Ptr<T>,
    release: ((p: Ptr<T>) => void) | null,
  ) {
    this.#ptr = ptr;
    this.#release = release;
    if (release) tracker.register(this, kind, () => release(ptr), this.#token);
  }

  /** The OpenSSL pointer, for the raw layer. Throws once the handle is freed. */
  get pointer(): Ptr<T> {
    if (this.#ptr === 0) {
      throw new FreedHandleError(`this ${this.kind} was ${this.#release !== null ? 'freed' : 'only lent for the duration of a callback, which has returned; call ref() inside the callback to keep it'}`);
    }
    return this.#ptr;
  }

  /** False once freed (or, for a borrowed handle, once the lending callback returned). */
  get alive(): boolean {
    return this.#ptr !== 0;
  }

  /** Whether this handle owns an OpenSSL reference (false for a borrowed one). */
  get owned(): boolean {
    return this.#release !== null;
  }

  /**
   * Gives the reference back to OpenSSL. A second call, or any use afterwards, throws. Inside a
   * callback the handle is freed at once, but OpenSSL's object is released only when the OpenSSL
   * call under way returns (it may still be working on it).
   */
  free(): void {
    const p = this.pointer;
    const release = this.#release;
    if (release === null) throw new TypeError(`this ${this.kind} is borrowed from a callback and owns no reference to free`);
    this.#ptr = 0;
    this.tracker.unregister(this.kind, this.#token);
    this.tracker.release(() => release(p));
  }

  /** `using` support: frees if still alive (so an explicit free() before the scope ends is fine). */
  [Symbol.dispose](): void {
    if (this.alive && this.#release !== null) this.free();
  }

  static {
    trackerOf = h => h.tracker;
    revokeBorrowed = h => { if (h.#release === null) h.#ptr = 0; };
  }
}

/** Whether `h` is a handle of the instance whose tracker is `tracker`. */
export function belongsTo(h: unknown, tracker: HandleTracker): boolean {
  return h instanceof Handle && trackerOf(h) === tracker;
}

/** Throws a ForeignHandleError unless `other` is a handle of the same instance as `owner`. */
export function assertSameInstance(owner: object, other: object, where: string): void {
  assertBelongs(other, trackerOf(owner as AnyHandle), where);
}

/**
 * Throws a ForeignHandleError unless `h` is a handle of the instance whose tracker is `tracker`;
 * `where` names the call that was given it. Every call that takes a handle checks this first.
 */
export function assertBelongs(h: object, tracker: HandleTracker, where: string): void {
  if (belongsTo(h, tracker)) return;
  if (!(h instanceof Handle)) {
    const got = h === null ? 'null' : typeof h !== 'object' ? typeof h : h.constructor?.name ?? 'an object';
    throw new TypeError(`${where}: expected a Context, Connection or Session of this library, got ${got}`);
  }
  throw new ForeignHandleError(`${where}: this ${h instanceof Handle ? h.kind : 'object'} belongs to another OpenSSL instance, ` +
    'whose memory this one cannot read. Sessions move between instances as bytes: session.toDER() in the one, ' +
    'openssl.sessionFromDER(der) in the other');
}
