/// <reference types="node" />
/**
 * Node's tls.createSecureContext(): Node's context options, checked when it is called (a bad key
 * or certificate throws there, as in Node, whenever the OpenSSL instance is at hand), and made into
 * a Context where it is used: connect()'s `secureContext`, or a server's SNICallback or addContext
 * answer. A Context is bound to one role and one instance, so the SecureContext keeps the options,
 * not a Context: nothing of OpenSSL's is held between uses, and nothing needs freeing.
 */
import type { OpenSSL } from '../oo/openssl.ts';
import { rejectUnknownOptions } from '../oo/options.ts';
import { defaultInstance } from './default-instance.ts';
import { refuseNodeOptionsNotSupported } from './node-unsupported.ts';
import { nodeError } from './node-certificate.ts';
import { contextOptionsFromNode, NODE_CONTEXT_OPTIONS, type NodeContextOptions } from './node-options.ts';

/** What tls.createSecureContext() returns here: Node's options, checked. */
export class SecureContext {
  readonly options: Readonly<NodeContextOptions>;
  /** @internal made by createSecureContext. */
  constructor(options: NodeContextOptions) {
    this.options = Object.freeze({ ...options });
  }
}

/** Node's tls.createSecureContext(options): `openssl` beside Node's names picks the instance the check runs in. */
export function createSecureContext(options: NodeContextOptions & { openssl?: OpenSSL } = {}): SecureContext {
  if (options === null || typeof options !== 'object') throw new TypeError('createSecureContext: options must be an object');
  rejectUnknownOptions('createSecureContext', options, [...NODE_CONTEXT_OPTIONS.filter(k => k !== 'secureContext'), 'openssl',
    ...refuseNodeOptionsNotSupported('createSecureContext', options)]);
  const { openssl, ...nodeOptions } = options;
  const mapped = contextOptionsFromNode('createSecureContext', nodeOptions, 'server', {})!;
  const at = openssl ?? defaultInstance.loaded;
  if (at) {
    try {
      at.createContext(mapped).free();
    } catch (e) {
      throw nodeError(e as Error, null);
    }
  }
  return new SecureContext(nodeOptions);
}

/**
 * connect()'s options with a `secureContext` replaced by its options. Given with any of Node's
 * context options it is a TypeError: Node would ignore those silently.
 */
export function withSecureContext<T extends NodeContextOptions>(where: string, options: T): T {
  const sc = options.secureContext as unknown;
  if (sc === undefined) return options;
  if (!(sc instanceof SecureContext)) throw new TypeError(`${where}: options.secureContext must come from createSecureContext() of openssl-wasm/node (Node's own SecureContext holds a native context this module cannot use)`);
  const beside = [...NODE_CONTEXT_OPTIONS, 'context', 'contextOptions'].filter(k => k !== 'secureContext' && (options as Record<string, unknown>)[k] !== undefined);
  if (beside.length) throw new TypeError(`${where}: ${beside.join(', ')} cannot be used with options.secureContext: give them to createSecureContext()`);
  return { ...options, ...sc.options, secureContext: undefined };
}
