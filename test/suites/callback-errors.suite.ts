// Every kind of callback OpenSSL makes into JavaScript, made to throw. The rule is the raw layer's
// (ts/raw/callbacks.ts, CALLBACK_DEFAULTS): the trampoline answers OpenSSL with the value that
// fails the operation (or, where the callback has no say, OpenSSL's own), OpenSSL finishes the
// call under way, and that call then throws a CallbackError naming the callback (its raw kind:
// 'new_session', 'remove_session', 'get_session', 'client_hello', 'msg', 'keylog',
// 'psk_find_session', 'alpn_select') with the thrown error as its cause. A connection whose call
// threw it is failed for good (connection.error). Each scenario runs three times (assertFlat):
// every handle freed, nothing left to the garbage collector, heapInUse flat; and the instance
// still makes a clean handshake after it.
// The ticket callbacks (gen_ticket, dec_ticket) are tested with the ticket-key ring.
import { CallbackError, handshakeInMemory, OpenSSLError, transfer, type Connection, type Context, type OpenSSL, type Session } from '../../ts/index.ts';
import { equal, match, ok, throws } from '../lib/assert.ts';
import { assertFlat } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { C, clientContext, close, connect, firstSession, load, serverContext } from '../lib/tls.ts';

const boom = () => { throw new Error('boom'); };

/** Asserts `e` is the CallbackError of `kind`, caused by boom. */
function isBoom(e: unknown, kind: string, who: string): CallbackError {
  ok(e instanceof CallbackError, `${who}: a CallbackError, got ${String(e)}`);
  const ce = e as CallbackError;
  equal(ce.callback, kind, `${who}: it names the callback`);
  ok(ce.cause instanceof Error && ce.cause.message === 'boom', `${who}: the thrown error is its cause`);
  match(ce.message, new RegExp(`the ${kind} callback threw: boom`));
  return ce;
}

/** Handshakes a fresh pair expecting `side`'s call to throw kind's CallbackError; frees both. */
function failsWith(client: Context, server: Context, kind: string, side: 'client' | 'server', opts: { session?: Session } = {}): void {
  const c = client.createConnection({ serverName: 'localhost', session: opts.session });
  const s = server.createConnection();
  try {
    const e = throws(() => handshakeInMemory(c, s));
    const conn = side === 'client' ? c : s;
    isBoom(e, kind, side);
    ok(conn.error === e, `${side}: the connection keeps the error (failed for good)`);
  } finally {
    c.free();
    s.free();
  }
}

/** The instance is fine afterwards: a plain pair of new contexts handshakes. */
async function stillWorks(ossl: OpenSSL): Promise<void> {
  const server = await serverContext(ossl, 'TLSv1.3'), client = await clientContext(ossl, 'TLSv1.3');
  const { c, s } = connect(client, server);
  ok(c.protocol === 'TLSv1.3', 'a later handshake completes');
  close(c, s);
  client.free(); server.free();
}

async function scenario(name: string, body: (ossl: OpenSSL) => Promise<void>): Promise<void> {
  const ossl = await load();
  await assertFlat(ossl, name, async () => {
    await body(ossl);
    await stillWorks(ossl);
  });
}

suite('callbacks that throw', test => {
  test('sessionCallbacks.onNew (SSL_CTX_sess_set_new_cb) on a server: the handshake call throws CallbackError "new_session"', async () => {
    await scenario('onNew', async ossl => {
      for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
        // TLS 1.2 with a session id: a server issuing a TLS 1.2 ticket caches (and announces) nothing.
        const server = await serverContext(ossl, version, { sessionCallbacks: { onNew: boom }, ...(version === 'TLSv1.2' ? { options: C.SSL_OP_NO_TICKET } : {}) });
        const client = await clientContext(ossl, version);
        failsWith(client, server, 'new_session', 'server');
        client.free(); server.free();
      }
    });
  });

  test('a connection\'s onSession (TLS 1.2: during the handshake; TLS 1.3: reading the ticket) throws CallbackError "new_session"', async () => {
    await scenario('onSession', async ossl => {
      const server = await serverContext(ossl, 'TLSv1.2'), client = await clientContext(ossl, 'TLSv1.2');
      const c = client.createConnection({ serverName: 'localhost', onSession: boom }), s = server.createConnection();
      isBoom(throws(() => handshakeInMemory(c, s)), 'new_session', 'TLS 1.2 client');
      ok(c.error instanceof CallbackError, 'the client connection is failed');
      c.free(); s.free(); client.free(); server.free();

      const server3 = await serverContext(ossl, 'TLSv1.3'), client3 = await clientContext(ossl, 'TLSv1.3');
      const c3 = client3.createConnection({ serverName: 'localhost', onSession: boom }), s3 = server3.createConnection();
      // The tickets follow the server's Finished: the client's handshake or its first read meets them.
      const e = throws(() => { handshakeInMemory(c3, s3); transfer(s3, c3); c3.read(); });
      isBoom(e, 'new_session', 'TLS 1.3 client');
      ok(c3.error === e, 'the client connection keeps the error');
      throws(() => c3.write('more'), CallbackError);
      c3.free(); s3.free(); client3.free(); server3.free();
    });
  });

  test('sessionCallbacks.onRemove (SSL_CTX_sess_set_remove_cb): removeSession and free() throw CallbackError "remove_session" after OpenSSL has removed and freed', async () => {
    await scenario('onRemove', async ossl => {
      const server = await serverContext(ossl, 'TLSv1.2', { options: C.SSL_OP_NO_TICKET, sessionCallbacks: { onRemove: boom } });
      const client = await clientContext(ossl, 'TLSv1.2');
      const { c, s } = connect(client, server);
      const session = s.session!;
      close(c, s);
      ok(session.cacheOwner === server.pointer, 'cached by the handshake');
      isBoom(throws(() => server.removeSession(session)), 'remove_session', 'removeSession');
      equal(session.cacheOwner, null, 'removed all the same');
      equal(session.isResumable, false, 'and marked non-resumable');
      equal(server.sessionStats.number, 0);
      session.free();
      // SSL_CTX_free flushes the cache through the callback: the context is gone when free() throws.
      const again = connect(client, server);
      close(again.c, again.s);
      equal(server.sessionStats.number, 1);
      isBoom(throws(() => server.free()), 'remove_session', 'free()');
      equal(server.alive, false, 'the context was freed');
      client.free();
    });
  });

  test('sessionCallbacks.onGet (SSL_CTX_sess_set_get_cb): the server\'s handshake call throws CallbackError "get_session"', async () => {
    await scenario('onGet', async ossl => {
      // The internal cache neither stores nor is searched: every offered id goes to onGet.
      const server = await serverContext(ossl, 'TLSv1.2', { options: C.SSL_OP_NO_TICKET, sessionCacheMode: C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL, sessionCallbacks: { onGet: boom } });
      const client = await clientContext(ossl, 'TLSv1.2');
      const offered = firstSession(client, server);
      failsWith(client, server, 'get_session', 'server', { session: offered });
      offered.free(); client.free(); server.free();
    });
  });

  test('setClientHelloHandler (SSL_CTX_set_client_hello_cb): the server throws CallbackError "client_hello", the client gets an internal_error alert', async () => {
    await scenario('clientHello', async ossl => {
      const server = await serverContext(ossl, 'TLSv1.3'), client = await clientContext(ossl, 'TLSv1.3');
      server.setClientHelloHandler(boom);
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      isBoom(throws(() => handshakeInMemory(c, s)), 'client_hello', 'server');
      ok(s.error instanceof CallbackError);
      // The server's alert reaches the client: OpenSSL's own alert for a failed ClientHello callback.
      transfer(s, c);
      const e = throws(() => c.handshake(), OpenSSLError) as Error;
      match(e.message, /internal error/);
      c.free(); s.free(); client.free(); server.free();
    });
  });

  test('onMessage (SSL_CTX_set_msg_callback) throws CallbackError "msg" from the call that sent or received the message', async () => {
    await scenario('onMessage', async ossl => {
      const server = await serverContext(ossl, 'TLSv1.3');
      const client = await clientContext(ossl, 'TLSv1.3', { onMessage: boom });
      failsWith(client, server, 'msg', 'client');
      client.free(); server.free();
    });
  });

  test('keylog (SSL_CTX_set_keylog_callback) throws CallbackError "keylog"', async () => {
    await scenario('keylog', async ossl => {
      const server = await serverContext(ossl, 'TLSv1.3', { keylog: boom });
      const client = await clientContext(ossl, 'TLSv1.3');
      failsWith(client, server, 'keylog', 'server');
      client.free(); server.free();
    });
  });

  test('onPskFind (SSL_CTX_set_psk_find_session_callback) throws CallbackError "psk_find_session"; the handshake fails', async () => {
    await scenario('onPskFind', async ossl => {
      const psk = ossl.pskSession({ key: new Uint8Array(32).fill(1), cipher: 'TLS_AES_128_GCM_SHA256' });
      const server = ossl.createContext({ role: 'server', onPskFind: boom });
      const client = ossl.createContext({ role: 'client', psk: { identity: 'client1', session: psk }, verifyPeer: false });
      failsWith(client, server, 'psk_find_session', 'server');
      client.free(); server.free(); psk.free();
    });
  });

  test('onAlpnSelect: the server chooses among the client\'s protocols; null refuses them (no_application_protocol); a throw or an answer not offered is CallbackError "alpn_select"', async () => {
    await scenario('onAlpnSelect', async ossl => {
      const asked: [string[], boolean][] = [];
      const server = await serverContext(ossl, 'TLSv1.3', { onAlpnSelect: (offered, conn) => { asked.push([offered, conn?.alive === true]); return offered.at(-1) === 'x' ? null : offered[1]; } });
      const client = await clientContext(ossl, 'TLSv1.3', { alpn: ['h2', 'http/1.1', 'h3'] });
      const ok1 = connect(client, server);
      equal(ok1.c.alpn, 'http/1.1', 'the second the client offered, as chosen');
      close(ok1.c, ok1.s);
      equal(JSON.stringify(asked), JSON.stringify([[['h2', 'http/1.1', 'h3'], true]]));
      const refusing = await clientContext(ossl, 'TLSv1.3', { alpn: ['x'] });
      const c = refusing.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      try {
        match((throws(() => handshakeInMemory(c, s), OpenSSLError) as Error).message, /no application protocol/);
      } finally {
        c.free(); s.free();
      }
      const throwing = await serverContext(ossl, 'TLSv1.3', { onAlpnSelect: boom });
      failsWith(client, throwing, 'alpn_select', 'server');
      const offBase = await serverContext(ossl, 'TLSv1.3', { onAlpnSelect: () => 'spdy/1' });
      const c2 = client.createConnection({ serverName: 'localhost' }), s2 = offBase.createConnection();
      try {
        const e = throws(() => handshakeInMemory(c2, s2)) as CallbackError;
        ok(e instanceof CallbackError && e.callback === 'alpn_select' && e.cause instanceof TypeError && /one of the client's protocols/.test(e.cause.message), String(e));
      } finally {
        c2.free(); s2.free();
      }
      throwing.free(); offBase.free();
      throws(() => ossl.createContext({ role: 'server', alpn: ['h2'], onAlpnSelect: () => 'h2' }), TypeError);
      throws(() => ossl.createContext({ role: 'client', onAlpnSelect: () => 'h2' }), TypeError);
      client.free(); refusing.free(); server.free();
    });
  });

  test('ALPN selection (SSL_CTX_set_alpn_select_cb) runs no program code; a throw in its raw handler fails the handshake with CallbackError "alpn_select" and no_application_protocol', async () => {
    await scenario('alpn_select', async ossl => {
      const server = await serverContext(ossl, 'TLSv1.3', { alpn: ['h2'] });
      const client = await clientContext(ossl, 'TLSv1.3', { alpn: ['h2'] });
      const { handlers } = ossl.raw;
      const dispatch = handlers.alpn_select;
      handlers.alpn_select = boom;
      let c: Connection | null = null, s: Connection | null = null;
      try {
        c = client.createConnection({ serverName: 'localhost' });
        s = server.createConnection();
        isBoom(throws(() => handshakeInMemory(c!, s!)), 'alpn_select', 'server');
        transfer(s, c);
        match((throws(() => c!.handshake(), OpenSSLError) as Error).message, /no application protocol/);
      } finally {
        handlers.alpn_select = dispatch;
        c?.free(); s?.free();
      }
      // The object layer's own selection is back.
      const ok2 = connect(client, server);
      equal(ok2.c.alpn, 'h2');
      close(ok2.c, ok2.s);
      client.free(); server.free();
    });
  });
});
