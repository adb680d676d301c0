import type { Ptr } from '../raw/types.ts';

/** What kinds of handle an instance counts (OpenSSL's type behind each). */
export type HandleKind = 'Context' | 'Connection' | 'Session';

/** Thrown on any use of a handle after it was freed, and on a second free. */
export class FreedHandleError extends TypeError {
  override name = 'FreedHandleError';
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
  constructor(private readonly usable: () => boolean) {}

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

  /** `release` gives the reference back (it must not refer to the handle); null for a borrowed handle. */
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

  /** Gives the reference back to OpenSSL. A second call, or any use afterwards, throws. */
  free(): void {
    const p = this.pointer;
    if (this.#release === null) throw new TypeError(`this ${this.kind} is borrowed from a callback and owns no reference to free`);
    this.#ptr = 0;
    this.tracker.unregister(this.kind, this.#token);
    this.#release(p);
  }

  /** `using` support: frees if still alive (so an explicit free() before the scope ends is fine). */
  [Symbol.dispose](): void {
    if (this.alive && this.#release !== null) this.free();
  }

  /** @internal ends a borrowed handle's life when its callback returns. */
  revoke(): void {
    if (this.#release === null) this.#ptr = 0;
  }
}
