// Context settings that can change after creation, and the in-memory pump's failure path.
import { constants as C, handshakeInMemory, OpenSSLError } from '../../ts/index.ts';
import { equal, ok, throws } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, serverContext } from '../lib/tls.ts';

suite('Context', test => {
  test('setSessionCallbacks removes dropped callbacks from OpenSSL (a remove callback makes TLS 1.3 servers cache)', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3', { sessionCallbacks: { onRemove: () => undefined } });
    const client = await clientContext(ossl, 'TLSv1.3');
    let pair = connect(client, server);
    close(pair.c, pair.s);
    equal(server.sessionStats.number, 2, 'with a remove callback, both tickets\' sessions are cached');
    server.flushSessions(0x7fffffff);
    server.setSessionCallbacks({});
    pair = connect(client, server);
    close(pair.c, pair.s);
    equal(server.sessionStats.number, 0, 'without it, stateless TLS 1.3 tickets are not cached');
    client.free(); server.free();
  });

  test('options, minVersion and maxVersion can change after creation', async () => {
    const ossl = await load();
    const ctx = await clientContext(ossl, 'TLSv1.3');
    equal(ctx.minVersion, 'TLSv1.3');
    ctx.minVersion = 'TLSv1.2';
    equal(ctx.minVersion, 'TLSv1.2');
    ctx.maxVersion = null;
    equal(ctx.maxVersion, null);
    ok((ctx.setOptions(C.SSL_OP_NO_TICKET) & C.SSL_OP_NO_TICKET) !== 0n);
    ok((ctx.options & C.SSL_OP_NO_TICKET) !== 0n);
    equal(ctx.clearOptions(C.SSL_OP_NO_TICKET) & C.SSL_OP_NO_TICKET, 0n);
    throws(() => ctx.setOptions(1 as never), TypeError);
    throws(() => { ctx.minVersion = 'TLSv1.0' as never; }, RangeError);
    ctx.free();
  });

  test('handshakeInMemory delivers the failing side\'s alert, so the peer fails too (as over a network)', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3');
    const client = await clientContext(ossl, 'TLSv1.3');
    const c = client.createConnection({ serverName: 'not-the-server.example' });
    const s = server.createConnection();
    throws(() => handshakeInMemory(c, s), OpenSSLError);
    ok(s.error instanceof OpenSSLError, 'the server received the alert and failed');
    ok(/alert/.test(s.error!.message), s.error!.message);
    c.free(); s.free(); client.free(); server.free();
  });
});
