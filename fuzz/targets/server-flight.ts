// Target 2: a server with a seeded cache (the TLS 1.2 fixture session) and fixed ticket keys, fed
// client flights: ClientHellos offering a session id, a TLS 1.2 ticket or a TLS 1.3 PSK, and the
// flights after them, mutated.
import { advance } from './drive.ts';
import { seededServerContext } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

export const serverFlightTarget: FuzzTarget = {
  name: 'server-flight',
  async setup({ ossl, fixtures }) {
    const sctx = seededServerContext(ossl, fixtures);
    return {
      instances: [ossl],
      async run(input) {
        const srv = sctx.createConnection();
        try {
          srv.receive(input);
          const p = await advance(srv);
          const out = srv.takeOutgoing().length;
          return `${p} out=${out > 0} ${srv.protocol ?? '-'} reused=${srv.sessionReused}`;
        } finally {
          srv.free();
        }
      },
      free() { sctx.free(); },
    };
  },
};
