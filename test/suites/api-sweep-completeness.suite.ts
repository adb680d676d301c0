// The public API sweep's completeness: every public member of Connection, Context, Session, OpenSSL,
// TLSEngine and ClientHello, and every export of the main entry, has a row in its table; a member
// or export added without one fails here, so the sweep stays whole.
// The sweep's machinery and tables are in test/lib/api-sweep/. Every test ends with the harness's
// leak check (no handle left in any instance).
import * as api from '../../ts/index.ts';
import { ClientHello, Connection, Context, OpenSSL, Session, TLSEngine } from '../../ts/index.ts';
import { suite } from '../lib/suite.ts';
import { membersOf, assertComplete, withWorld } from '../lib/api-sweep/sweep.ts';
import { CONNECTION } from '../lib/api-sweep/connection.ts';
import { CONTEXT } from '../lib/api-sweep/context.ts';
import { SESSION } from '../lib/api-sweep/session.ts';
import { OPENSSL } from '../lib/api-sweep/openssl.ts';
import { CLIENT_HELLO, EXPORTS, TLS_ENGINE } from '../lib/api-sweep/exports.ts';

suite('public API sweep: every member has a row', test => {
  test('every public member of every class has a row in the sweep (a new member without one fails here)', () => withWorld(async w => {
    const c = w.client.createConnection({ serverName: 'localhost' });
    const sess = w.o.newSession();
    assertComplete('Connection', CONNECTION, membersOf(Connection.prototype, c));
    assertComplete('Context', CONTEXT, membersOf(Context.prototype, w.client));
    assertComplete('Session', SESSION, membersOf(Session.prototype, sess));
    assertComplete('OpenSSL', OPENSSL, membersOf(OpenSSL.prototype, w.o));
    const engine = new TLSEngine(c, { transmit: () => undefined, plaintext: () => undefined, secure: () => undefined, peerClosed: () => undefined, error: () => undefined });
    assertComplete('TLSEngine', TLS_ENGINE, membersOf(TLSEngine.prototype, engine));
    assertComplete('ClientHello', CLIENT_HELLO, membersOf(ClientHello.prototype));
    assertComplete('the main entry', EXPORTS, Object.keys(api));
    c.free();
    sess.free();
  }));
});
