// Target 3: a client offering one of the fixture sessions, fed server flights (ServerHellos that
// resume or not, certificates, TLS 1.3's encrypted flight), mutated. The first input byte picks the
// session offered; the rest is what the server sent.
import { advance } from './drive.ts';
import { clientContext, fixtureSession, SESSION_NAMES } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

export const clientFlightTarget: FuzzTarget = {
  name: 'client-flight',
  async setup({ ossl, fixtures }) {
    const cctx = clientContext(ossl, fixtures);
    const templates = SESSION_NAMES.map(n => fixtureSession(ossl, fixtures, n));
    return {
      instances: [ossl],
      async run(input) {
        // A copy each input: a fatal alert marks the session offered not resumable (ssl3_send_alert
        // removes it), and a shared one would go unoffered after the first failure.
        const session = input.length ? templates[input[0] % templates.length]?.dup() : null;
        const c = cctx.createConnection({ serverName: 'localhost', session: session ?? undefined });
        try {
          await advance(c);
          c.takeOutgoing();
          c.receive(input.subarray(1));
          const p = await advance(c);
          return `${p} ${c.protocol ?? '-'} reused=${c.sessionReused}`;
        } finally {
          c.free();
          session?.free();
        }
      },
      free() { cctx.free(); for (const t of templates) t?.free(); },
    };
  },
};
