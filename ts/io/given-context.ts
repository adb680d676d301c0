import type { Context } from '../oo/context.ts';
import { ForeignHandleError, FreedHandleError } from '../oo/handle.ts';
import type { OpenSSL } from '../oo/openssl.ts';

/**
 * Checks a ready context given to an adapter (connect, createServer, connectDeno, listenDeno) when
 * it is given, not at the first connection: freed, or of another instance than the `openssl`
 * given beside it (whose sessions, from a store, it could not use).
 */
export function checkGivenContext(where: string, context: Context | undefined, openssl: OpenSSL | undefined): void {
  if (context === undefined) return;
  if (!context.alive) throw new FreedHandleError(`${where}: options.context was freed; make a new one with openssl.createContext()`);
  if (openssl !== undefined && !openssl.owns(context)) {
    throw new ForeignHandleError(`${where}: options.context belongs to another OpenSSL instance than options.openssl; ` +
      'pass the instance that made it (sessions move between instances only as bytes)');
  }
}
