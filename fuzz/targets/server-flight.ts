// Target 2: a server with a seeded cache (the TLS 1.2 fixture session) and fixed ticket keys, fed
// client flights: ClientHellos offering a session id, a TLS 1.2 ticket or a TLS 1.3 PSK, and the
// flights after them, mutated. A client-hello handler reads the whole lent ClientHello view of each
// (client-hello-view.ts): what it reads is checked, and does not change the outcome.
import { readClientHellos, type HelloReading } from './client-hello-view.ts';
import { advance } from './drive.ts';
import { fixtureSession, serverContext } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

/** What the view read, for the outcome: not run, no name, or a name. */
const sniOf = (r: HelloReading | undefined) => !r?.ran ? 'unread' : r.serverName === null ? 'read' : 'read+sni';

export const serverFlightTarget: FuzzTarget = {
  name: 'server-flight',
  mustReach: ['reused=true', 'hello=read+sni'],
  async setup({ ossl, fixtures }) {
    const sctx = serverContext(ossl, fixtures);
    const template = fixtureSession(ossl, fixtures, 'tls12-id');
    const hellos = readClientHellos(ossl, sctx);
    return {
      instances: [ossl],
      async run(input) {
        // Seeded afresh each input: a fatal alert during a resumption removes the session from the
        // cache (ssl3_send_alert), and every later input offering its id would find nothing.
        const seeded = template?.dup();
        if (seeded) sctx.addSession(seeded);
        const srv = sctx.createConnection();
        hellos.reset();
        let read: HelloReading | undefined;
        try {
          srv.receive(input);
          const p = await advance(srv).finally(() => { read = hellos.check(srv); });
          const out = srv.takeOutgoing().length;
          return `${p} out=${out > 0} ${srv.protocol ?? '-'} reused=${srv.sessionReused} hello=${sniOf(read)}`;
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
