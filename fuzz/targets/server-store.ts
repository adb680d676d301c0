// Target 4a: a poisoned shared store. A server keeps its sessions in a ServerSessionStore whose get()
// answers with the input (as a Redis entry overwritten by something else would); a client offering
// the TLS 1.2 fixture session makes the server look its id up. Whatever the bytes, the server resumes
// only a session of the offered id, goes on to a full handshake otherwise, or fails with an OpenSSLError.
//
// What is fuzzed is the store's answer, not the handshake: a ClientHello offering the session is
// recorded once, and each input is a new server connection fed it, through the store lookup to the
// server's decision. The server has no certificate: an abbreviated handshake needs none, and a full
// one stops at once with "no shared cipher", which shows that the server chose it (a full handshake
// is otherwise the same whatever the store said, and its public-key operations made this target
// the slowest). A resumption, where the session the store gave decides, is run whole with a real client.
import { constants as C, OpenSSLError, useServerSessionStore, type ServerSessionStore } from '../../ts/index.ts';
import { ContractViolation } from '../contract.ts';
import { advance, drive } from './drive.ts';
import { clientContext, fixtureSession, TIMEOUT } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export const serverStoreTarget: FuzzTarget = {
  name: 'server-store',
  mustReach: ['resumed, whole handshake done/done reused=true'],
  async setup({ ossl, fixtures }) {
    let answer: Uint8Array = new Uint8Array(0);
    const storeErrors: unknown[] = [];
    const store: ServerSessionStore = { get: () => answer.slice(), set: () => undefined, delete: () => undefined };
    const sctx = ossl.createContext({ role: 'server', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', options: C.SSL_OP_NO_TICKET });
    sctx.sessionTimeout = TIMEOUT;
    useServerSessionStore(ossl, sctx, store, { onError: e => storeErrors.push(e) });
    const cctx = clientContext(ossl, fixtures);
    // A fresh copy of the offered session for each client: a fatal alert, or freeing a connection
    // that finished its handshake without a shutdown, marks the session it offered not resumable.
    const template = fixtureSession(ossl, fixtures, 'tls12-id');
    const offer = () => template?.dup();
    const recorded = offer();
    const offeredId = template?.id ?? new Uint8Array(0);
    const recorder = cctx.createConnection({ serverName: 'localhost', session: recorded ?? undefined });
    await advance(recorder);
    const hello = recorder.takeOutgoing();
    recorder.free();
    recorded?.free();

    /** The server fed the recorded ClientHello: how far it went, or why it stopped, and whether it resumed. */
    async function firstFlight(): Promise<{ p: string; out: number; reused: boolean }> {
      const srv = sctx.createConnection();
      try {
        srv.receive(hello);
        const p = await advance(srv).catch(e => {
          if (e instanceof OpenSSLError && e.reason === 'no shared cipher') return 'full handshake';
          throw e;
        });
        return { p, out: srv.takeOutgoing().length, reused: srv.sessionReused };
      } finally {
        srv.free();
      }
    }

    // The whole handshakes' client stops at TLS 1.2, as the server does: its ClientHello then carries
    // no TLS 1.3 key shares (an ML-KEM key made for nothing); the lookup is the same (the session id).
    const cctx12 = clientContext(ossl, fixtures);
    cctx12.maxVersion = 'TLSv1.2';

    /** A whole handshake between a real client and the server. */
    async function handshake(): Promise<string> {
      const offered = offer();
      const c = cctx12.createConnection({ serverName: 'localhost', session: offered ?? undefined });
      const srv = sctx.createConnection();
      try {
        return `${await drive(c, srv)} reused=${srv.sessionReused}`;
      } finally {
        c.free();
        srv.free();
        offered?.free();
      }
    }

    return {
      instances: [ossl],
      async run(input) {
        answer = input;
        storeErrors.length = 0;
        // What the bytes are: no session, the offered session's id, or another id.
        let kind = 'none';
        try { const s = ossl.sessionFromDER(input); kind = same(s.id, offeredId) ? 'same-id' : 'other-id'; s.free(); } catch { /* not a session */ }
        const { p, out, reused } = await firstFlight();
        const told = `${storeErrors.length} store errors`;
        if (kind !== 'same-id') {
          // Not the session offered (found by fuzz/: regress-session-of-another-id.bin): the store's
          // answer is refused, as an error it reports, and the server goes on to a full handshake.
          if (p !== 'full handshake' || reused || storeErrors.length !== 1) {
            throw new ContractViolation(`server-store: the store answered with ${kind === 'none' ? 'bytes that are not a session' : 'a session of another id'}, and the server went ${p} (${out} bytes out, reused=${reused}, ${told})`);
          }
          return `${kind}: full handshake`;
        }
        // The offered id: resumed, or (expired, another protocol or cipher) a full handshake.
        if (!reused) return `${kind}: ${p} out=${out > 0} reused=false ${told}`;
        return `${kind}: resumed, whole handshake ${await handshake()} ${told}`;
      },
      free() { sctx.free(); cctx.free(); cctx12.free(); template?.free(); },
    };
  },
};
