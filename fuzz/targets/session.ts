// Target 1: bytes offered as a DER SSL_SESSION (what a client store hands back): parsed, written and
// parsed again (the DER must be stable), printed, put in a server's cache and offered by a client to
// that server, so a session that parses goes through setSession and a real resumption attempt.
import { constants as C } from '../../ts/index.ts';
import { ContractViolation } from '../contract.ts';
import { drive } from './drive.ts';
import { clientContext, serverContext } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export const sessionTarget: FuzzTarget = {
  name: 'session',
  mustReach: ['reused=true TLSv1.2', 'reused=true TLSv1.3'],
  async setup({ ossl, fixtures }) {
    const sctx = serverContext(ossl, fixtures), cctx = clientContext(ossl, fixtures);
    // A client offering a TLS 1.2 session caps itself at 1.2, or the server would choose 1.3 and never resume it.
    const cctx12 = clientContext(ossl, fixtures);
    cctx12.maxVersion = 'TLSv1.2';
    return {
      instances: [ossl],
      async run(input) {
        const s = ossl.sessionFromDER(input);
        // The server's copy: a session in one context's cache is not offered by another context.
        let known: import('../../ts/index.ts').Session | null = null;
        try {
          s.print();
          // Compared with the start time made equal: OpenSSL keeps it as unsigned nanoseconds
          // (OSSL_TIME), so a time before 1970 or after 2554 wraps on each parse and never
          // round-trips (fuzz/corpus/session/regress-time-outside-1970-2554.bin). Everything else must.
          const now = Math.floor(Date.now() / 1000);
          s.time = now;
          const der = s.toDER();
          const again = ossl.sessionFromDER(der);
          again.time = now;
          const der2 = again.toDER();
          again.free();
          if (!same(der, der2)) throw new ContractViolation('session: DER written from a parsed session parses to a different session');
          known = s.dup();
          sctx.addSession(known);
          const c = (s.protocolVersion === C.TLS1_2_VERSION ? cctx12 : cctx).createConnection({ serverName: 'localhost', session: s });
          const srv = sctx.createConnection();
          try {
            const progress = await drive(c, srv);
            return `${progress} reused=${c.sessionReused} ${c.protocol ?? '-'}`;
          } finally {
            c.free();
            srv.free();
          }
        } finally {
          if (known) { sctx.removeSession(known); known.free(); }
          // And what the server cached from a full TLS 1.2 handshake, so memory stays flat input after input.
          sctx.flushSessions(0x7fffffff); // the latest time it takes (2038): after every 10-year timeout made now
          s.free();
        }
      },
      free() { sctx.free(); cctx.free(); cctx12.free(); },
    };
  },
};
