/**
 * The OpenSSL instance the adapters (Node sockets, Deno, WebSocket) use when they are given none:
 * one per realm (this module is evaluated once per realm), shared by all of them, loaded on first
 * use. A load that fails is not kept: its error says what to do, and the next call loads again
 * (say, once the module is served). An instance a trap has made unusable (InstanceFailedError) is
 * not handed out again either: the next call loads a fresh one.
 */
import type { LoadOptions } from '../loader.ts';
import { OpenSSL } from '../oo/openssl.ts';

type Loader = (options?: LoadOptions) => Promise<OpenSSL>;
/** A Loader that also tells, synchronously, the instance it has loaded (undefined before, or once unusable). */
export type SharedLoader = Loader & { readonly loaded: OpenSSL | undefined };

/**
 * A getter of one shared instance, loaded by `load` on first use. `options` apply to the load a
 * call starts; while an instance is loaded or loading, later calls get it whatever they pass.
 * (Exported for tests, which need one with fresh state; the adapters use `defaultInstance`.)
 */
export function sharedInstance(load: Loader = o => OpenSSL.load(o)): SharedLoader {
  let pending: Promise<OpenSSL> | undefined;
  let loaded: OpenSSL | undefined;
  const get: Loader = options => {
    if (loaded?.raw.failed) { pending = undefined; loaded = undefined; }
    if (!pending) {
      const attempt: Promise<OpenSSL> = load(options).then(
        ossl => { loaded = ossl; return ossl; },
        (e: unknown) => {
          if (pending === attempt) pending = undefined; // not cached: the next call tries again
          throw new Error(`openssl-wasm: the shared default instance could not be loaded (${e instanceof Error ? e.message : String(e)}). ` +
            'The next call tries again; or load one yourself, `await OpenSSL.load({ wasm })`, and pass it as the `openssl` option', { cause: e });
        });
      pending = attempt;
    }
    return pending;
  };
  // Read synchronously by the Node adapter, which (as Node's tls) throws bad options from the call itself.
  return Object.defineProperty(get, 'loaded', { get: () => (loaded?.raw.failed ? undefined : loaded) }) as SharedLoader;
}

/** The instance adapters use when none is given: loaded once per realm, on first use. */
export const defaultInstance: SharedLoader = sharedInstance();
