// Target 4a: a poisoned shared store. A server keeps its sessions in a ServerSessionStore whose get()
// answers with the input (as a Redis entry overwritten by something else would); a client offers the
// TLS 1.2 fixture session, whose id makes the server look it up. Whatever the bytes, the handshake
// completes (a full one when they are not the session) or fails with an OpenSSLError.
import { constants as C, useServerSessionStore, type ServerSessionStore } from '../../ts/index.ts';
import { ContractViolation } from '../contract.ts';
import { drive } from './drive.ts';
import { clientContext, fixtureSession, serverContext } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export const serverStoreTarget: FuzzTarget = {
  name: 'server-store',
  async setup({ ossl, fixtures }) {
    let answer: Uint8Array = new Uint8Array(0);
    const storeErrors: unknown[] = [];
    const store: ServerSessionStore = { get: () => answer.slice(), set: () => undefined, delete: () => undefined };
    const sctx = serverContext(ossl, fixtures, { options: C.SSL_OP_NO_TICKET, maxVersion: 'TLSv1.2' });
    useServerSessionStore(ossl, sctx, store, { onError: e => storeErrors.push(e) });
    const cctx = clientContext(ossl, fixtures);
    const offered = fixtureSession(ossl, fixtures, 'tls12-id');
    return {
      instances: [ossl],
      async run(input) {
        answer = input;
        // Bytes that are a whole session with another id than the one offered must not be resumed.
        let otherId = false;
        try { const s = ossl.sessionFromDER(input); otherId = !same(s.id, offered?.id ?? new Uint8Array(0)); s.free(); } catch { /* not a session */ }
        storeErrors.length = 0;
        const c = cctx.createConnection({ serverName: 'localhost', session: offered ?? undefined });
        const srv = sctx.createConnection();
        try {
          const p = await drive(c, srv).catch(e => {
            if (otherId) throw new ContractViolation(`server-store: the store answered with a session of another id, and the handshake failed: ${e}`);
            throw e;
          });
          if (otherId && (p !== 'done/done' || srv.sessionReused)) {
            throw new ContractViolation(`server-store: the store answered with a session of another id, and the handshake ended ${p}, reused=${srv.sessionReused}`);
          }
          return `${p} reused=${srv.sessionReused} storeErrors=${storeErrors.length}`;
        } finally {
          c.free();
          srv.free();
        }
      },
      free() { sctx.free(); cctx.free(); offered?.free(); },
    };
  },
};
