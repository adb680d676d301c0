// Target 2: a server with a seeded cache (the TLS 1.2 fixture session) and fixed ticket keys, fed
// client flights: ClientHellos offering a session id, a TLS 1.2 ticket or a TLS 1.3 PSK, and the
// flights after them, mutated.
import { advance } from './drive.ts';
import { fixtureSession, serverContext } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

export const serverFlightTarget: FuzzTarget = {
  name: 'server-flight',
  mustReach: ['reused=true'],
  async setup({ ossl, fixtures }) {
    const sctx = serverContext(ossl, fixtures);
    const template = fixtureSession(ossl, fixtures, 'tls12-id');
    return {
      instances: [ossl],
      async run(input) {
        // Seeded afresh each input: a fatal alert during a resumption removes the session from the
        // cache (ssl3_send_alert), and every later input offering its id would find nothing.
        const seeded = template?.dup();
        if (seeded) sctx.addSession(seeded);
        const srv = sctx.createConnection();
        try {
          srv.receive(input);
          const p = await advance(srv);
          const out = srv.takeOutgoing().length;
          return `${p} out=${out > 0} ${srv.protocol ?? '-'} reused=${srv.sessionReused}`;
        } finally {
          srv.free();
          // The seeded session and any a full handshake cached: the cache is the same for every input.
          sctx.flushSessions(0x7fffffff); // the latest time it takes (2038): after every 10-year timeout made now
          seeded?.free();
        }
      },
      free() { sctx.free(); template?.free(); },
    };
  },
};
