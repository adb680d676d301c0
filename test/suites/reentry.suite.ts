// Re-entry: what the object layer does when a callback OpenSSL is running calls back into it.
// Each callback kind (the connection's onSession, the session cache's onNew/onRemove/onGet, keylog,
// onMessage, the client-hello handler) is crossed with each action on the connection whose OpenSSL
// call is running, and on its context: freeing is deferred until the call returns (the handle
// reads as freed at once; the driving call then throws FreedHandleError), starting another
// operation on the busy connection is a ReentrantCallError, and the instance goes on working.
// (ALPN selection and the ticket-key callback run no JavaScript of the program: nothing to cross.)
// Every test ends with the leak check of test/lib/leaks.ts.
import {
  clientHelloSessionId, constants as C, FreedHandleError, handshakeInMemory, OpenSSLError, ReentrantCallError, TLSEngine, transfer,
  type ClientHello, type Connection, type Context, type EngineEvents, type OpenSSL, type Session,
} from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { fixture } from '../lib/fixtures.ts';
import { assertFlat } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, firstSession, load, serverContext } from '../lib/tls.ts';

/** What a callback does to the busy connection `self`. */
type Act = (self: Connection) => void;

/** A callback kind: sets up contexts whose callback calls `act` once, with the connection it concerns. */
interface Kind {
  name: string;
  /** Runs one connection to the point where the callback calls `act`; returns what is left to free. */
  run(o: OpenSSL, act: Act): Promise<Run>;
}
interface Run {
  /** Drives the connection on (the call during which the callback runs). */
  drive(): void;
  client: Context; server: Context; c: Connection; s: Connection;
  /** Handles made on the way, freed at the end. */
  extra: Session[];
}

/** Calls act once, on the first callback that concerns a live connection. */
function once(act: Act): (self: Connection | null) => void {
  let done = false;
  return self => {
    if (done || self === null) return;
    done = true;
    act(self);
  };
}

const now = () => Math.floor(Date.now() / 1000);

const KINDS: Kind[] = [
  {
    name: 'onSession (TLS 1.3, during read)',
    async run(o, act) {
      const hit = once(act);
      const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
      const c: Connection = client.createConnection({ serverName: 'localhost', onSession: () => hit(c) });
      const s = server.createConnection();
      return { client, server, c, s, extra: [], drive: () => { handshakeInMemory(c, s); } };
    },
  },
  {
    name: 'sessionCallbacks.onNew (TLS 1.2, during handshake)',
    async run(o, act) {
      const hit = once(act);
      const client = await clientContext(o, 'TLSv1.2', { sessionCallbacks: { onNew: (_s, conn) => hit(conn) } });
      const server = await serverContext(o, 'TLSv1.2');
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      return { client, server, c, s, extra: [], drive: () => { handshakeInMemory(c, s); } };
    },
  },
  {
    name: 'sessionCallbacks.onRemove (a server dropping an expired session, during handshake)',
    async run(o, act) {
      const hit = once(act);
      let armed = false, cached: Session | null = null;
      let s!: Connection;
      const server = await serverContext(o, 'TLSv1.2', {
        options: C.SSL_OP_NO_TICKET, // resumption by session id, through the cache
        sessionCallbacks: { onNew: sess => { cached ??= sess.ref(); }, onRemove: () => { if (armed) hit(s); } },
      });
      const client = await clientContext(o, 'TLSv1.2');
      const session = firstSession(client, server);
      if (!cached) throw new Error('the server cached no session');
      const held: Session = cached;
      held.time = now() - 1000; // expired in the server's cache: looking it up removes it
      held.timeout = 10;
      armed = true;
      const c = client.createConnection({ serverName: 'localhost', session });
      s = server.createConnection();
      return { client, server, c, s, extra: [session, held], drive: () => { handshakeInMemory(c, s); } };
    },
  },
  {
    name: 'sessionCallbacks.onGet (a server looking a session id up, during handshake)',
    async run(o, act) {
      const hit = once(act);
      const server = await serverContext(o, 'TLSv1.2', {
        options: C.SSL_OP_NO_TICKET,
        sessionCacheMode: C.SSL_SESS_CACHE_SERVER | C.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP,
        sessionCallbacks: { onGet: (_id, conn) => { hit(conn); return null; } },
      });
      const client = await clientContext(o, 'TLSv1.2');
      const session = firstSession(client, server);
      const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
      return { client, server, c, s, extra: [session], drive: () => { handshakeInMemory(c, s); } };
    },
  },
  {
    name: 'keylog (during handshake)',
    async run(o, act) {
      const hit = once(act);
      const client = await clientContext(o, 'TLSv1.3', { keylog: (_line, conn) => hit(conn) });
      const server = await serverContext(o, 'TLSv1.3');
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      return { client, server, c, s, extra: [], drive: () => { handshakeInMemory(c, s); } };
    },
  },
  {
    name: 'onMessage (during handshake)',
    async run(o, act) {
      const hit = once(act);
      const client = await clientContext(o, 'TLSv1.3', { onMessage: (_m, conn) => hit(conn) });
      const server = await serverContext(o, 'TLSv1.3');
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      return { client, server, c, s, extra: [], drive: () => { handshakeInMemory(c, s); } };
    },
  },
  {
    name: 'client-hello handler (during the server handshake)',
    async run(o, act) {
      const hit = once(act);
      const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
      server.setClientHelloHandler(conn => { hit(conn); return 'success'; });
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      return { client, server, c, s, extra: [], drive: () => { handshakeInMemory(c, s); } };
    },
  },
];

/** An action, and what it must give: a deferred free, or a clear refusal inside the callback. */
interface Action {
  name: string;
  act: Act;
  frees: boolean;
}
const ACTIONS: Action[] = [
  { name: 'free the connection', frees: true, act: self => self.free() },
  { name: 'free the context', frees: true, act: self => self.context.free() },
  { name: 'shutdown', frees: false, act: self => self.shutdown() },
  { name: 'handshake', frees: false, act: self => self.handshake() },
  { name: 'read', frees: false, act: self => self.read() },
  { name: 'write', frees: false, act: self => self.write('x') },
  { name: 'setSession', frees: false, act: self => self.setSession(null) },
  // Bytes in and out are refused as well: OpenSSL is part way through a record or a flight.
  { name: 'receive', frees: false, act: self => self.receive(new Uint8Array(1)) },
  { name: 'receiveEnd', frees: false, act: self => self.receiveEnd() },
  { name: 'takeOutgoing', frees: false, act: self => self.takeOutgoing() },
];

async function scenario(o: OpenSSL, kind: Kind, action: Action): Promise<void> {
  let inside: { threw: unknown } | null = null;
  let busy: Connection | null = null;
  const r = await kind.run(o, self => {
    busy = self;
    try {
      const heap = o.stats().heapInUse;
      action.act(self);
      // Nothing is released inside the callback: OpenSSL is still working on the SSL.
      if (action.frees) assert.equal(o.stats().heapInUse, heap, 'the free inside the callback released no memory yet');
      inside = { threw: null };
    } catch (e) {
      inside = { threw: e };
    }
  });
  try {
    if (action.frees) {
      assert.throws(() => r.drive(), FreedHandleError, 'the call driving the connection on reports it freed');
      assert.ok(inside, 'the callback ran');
      assert.equal((inside as { threw: unknown }).threw, null, `${action.name} inside the callback does not throw`);
      assert.equal(busy!.alive, false, 'the connection reads as freed');
      if (action.name === 'free the context') assert.equal(busy!.context.alive, false, 'the context reads as freed');
    } else {
      r.drive();
      assert.ok(inside, 'the callback ran');
      const threw = (inside as { threw: unknown }).threw;
      const serverSetSession = action.name === 'setSession' && busy!.context.role === 'server';
      // setSession on a server connection is refused for its role first: a TypeError as well.
      assert.ok(threw instanceof (serverSetSession ? TypeError : ReentrantCallError),
        `${action.name} from inside the callback is refused clearly, got ${threw instanceof Error ? `${threw.name}: ${threw.message}` : String(threw)}`);
      if (!serverSetSession) assert.match((threw as Error).message, /called from a callback of this connection's own/);
      assert.ok(r.c.isHandshakeDone && r.s.isHandshakeDone, 'the refused call left the handshake to complete');
      assert.equal(r.c.write('after'), 'done');
      transfer(r.c, r.s);
      assert.equal(new TextDecoder().decode(r.s.read().data), 'after', 'and the connection carries data');
      close(r.c, r.s);
    }
  } finally {
    for (const h of [r.c, r.s, r.client, r.server, ...r.extra]) if (h.alive) h.free();
  }
  // The instance goes on working: a fresh connection in the same instance.
  const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
  const { c, s } = connect(client, server);
  close(c, s);
  client.free();
  server.free();
}

suite('re-entry from callbacks', test => {
  for (const kind of KINDS) {
    for (const action of ACTIONS) {
      test(`${kind.name} × ${action.name}`, async () => {
        const o = await load();
        await assertFlat(o, `${kind.name} × ${action.name}`, () => scenario(o, kind, action));
      });
    }
  }

  test('a free inside a callback waits for the call: the SSL is released when handshake() returns', async () => {
    const o = await load();
    await assertFlat(o, 'deferred free', async () => {
      const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
      const seen: number[] = [];
      const c: Connection = client.createConnection({
        serverName: 'localhost',
        onSession: () => {
          if (!c.alive) return;
          c.free();
          seen.push(o.stats().handles.Connection);
          assert.throws(() => c.protocol, FreedHandleError, 'freed at once for JavaScript');
        },
      });
      const s = server.createConnection();
      assert.throws(() => handshakeInMemory(c, s), /freed by a callback during its read\(\)/);
      assert.deepEqual(seen, [1], 'the handle count dropped inside the callback');
      s.free();
      client.free();
      server.free();
    });
  });

  test("an object-layer call inside a callback leaves the outer call's error queue alone", async () => {
    const o = await load();
    const otherCa = await fixture('other-ca.pem');
    /** A client trusting the wrong CA: its handshake fails with certificate verify failed. */
    const failing = async (inner: () => void) => {
      let fired = false;
      const client = o.createContext({
        role: 'client', ca: otherCa,
        // The alert is sent after the verify error was queued: the inner calls run on top of it.
        onMessage: m => { if (m.contentType === 21 && m.direction === 'sent' && !fired) { fired = true; inner(); } },
      });
      const server = await serverContext(o, 'TLSv1.3');
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      try {
        const e = assert.throws(() => handshakeInMemory(c, s), OpenSSLError) as OpenSSLError;
        return { fired, codes: e.errors.map(x => x.code), reason: e.reason, message: e.message };
      } finally {
        for (const h of [c, s, client, server]) h.free();
      }
    };
    const control = await failing(() => undefined);
    assert.equal(control.fired, true);
    assert.equal(control.reason, 'certificate verify failed');
    await assertFlat(o, 'error queue', async () => {
      const spare = await serverContext(o, 'TLSv1.3');
      const inner = await failing(() => {
        // One call that fails (and drains the queue for its OpenSSLError), one that clears it first.
        assert.throws(() => o.sessionFromDER(new Uint8Array([1, 2, 3])), OpenSSLError);
        const other = spare.createConnection();
        try {
          assert.equal(other.handshake(), 'want-read');
        } finally {
          other.free();
        }
      });
      assert.equal(inner.fired, true, 'the inner calls ran');
      assert.deepEqual(inner.codes, control.codes, 'the outer error stack is the one it would have been');
      assert.equal(inner.message, control.message);
      spare.free();
    });
  });

  test("inside onRemove, changing that context's cache is refused (ReentrantCallError); another context's cache can be changed", async () => {
    const o = await load();
    await assertFlat(o, 'onRemove cache changes', async () => {
      const other = await serverContext(o, 'TLSv1.2');
      const outcome: Record<string, string> = {};
      let cached: Session | null = null, armed = false;
      const server: Context = await serverContext(o, 'TLSv1.2', {
        options: C.SSL_OP_NO_TICKET,
        sessionCallbacks: {
          onNew: sess => { cached ??= sess.ref(); },
          onRemove: sess => {
            if (!armed) return;
            armed = false;
            const fresh = o.newSession();
            fresh.id = new Uint8Array(32).fill(7);
            const tries: Record<string, () => unknown> = {
              addSession: () => server.addSession(fresh),
              removeSession: () => server.removeSession(sess),
              flushSessions: () => server.flushSessions(0),
              'addSession to another context': () => other.addSession(fresh),
            };
            for (const [name, fn] of Object.entries(tries)) {
              try {
                outcome[name] = `returned ${String(fn())}`;
              } catch (e) {
                outcome[name] = e instanceof Error ? e.name : String(e);
              }
            }
            fresh.free();
          },
        },
      });
      const client = await clientContext(o, 'TLSv1.2');
      const session = firstSession(client, server);
      if (!cached) throw new Error('the server cached no session');
      armed = true;
      assert.equal(server.removeSession(cached), true, 'removeSession removed it (and called onRemove)');
      assert.deepEqual(outcome, {
        addSession: 'ReentrantCallError', removeSession: 'ReentrantCallError', flushSessions: 'ReentrantCallError',
        'addSession to another context': 'returned true',
      });
      assert.equal(other.sessionStats.number, 1, "the other context's cache took the session");
      for (const h of [session, cached as Session, client, server, other]) h.free();
    });
  });

  test('the client-hello handler gets the ClientHello lent for the call: session id, extensions, SNI; dead after', async () => {
    const o = await load();
    await assertFlat(o, 'ClientHello', async () => {
      const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
      let kept: ClientHello | null = null;
      const seen: Record<string, unknown> = {};
      server.setClientHelloHandler((conn, hello) => {
        kept = hello;
        seen.same = conn.clientHello === hello && hello.connection === conn;
        seen.serverName = hello.serverName;
        seen.sessionIdLength = hello.sessionId.length; // TLS 1.3 compatibility mode: 32 random bytes
        const types = hello.extensionTypes;
        seen.types = [0, 43, 51].map(t => types.includes(t)); // server_name, supported_versions, key_share
        seen.versions = hello.extension(43)?.length; // a length byte and TLS 1.3 alone: 3 bytes
        seen.absent = hello.extension(0xfe0d); // encrypted_client_hello: not sent
        seen.id = clientHelloSessionId(o, conn); // the session store's reading: nothing to resume
        return 'success';
      });
      const { c, s } = connect(client, server);
      assert.deepEqual(seen, { same: true, serverName: 'localhost', sessionIdLength: 32, types: [true, true, true], versions: 3, absent: null, id: null });
      assert.ok(kept, 'the handler ran');
      assert.throws(() => (kept as ClientHello).serverName, /lent to the client-hello handler, which has returned/);
      assert.equal(s.clientHello, null, 'connection.clientHello is null outside the handler');
      assert.throws(() => clientHelloSessionId(o, s), /only inside the client-hello handler/);
      assert.throws(() => (kept as ClientHello).extension(0x10000), /lent|16-bit/);
      close(c, s);
      client.free();
      server.free();
    });
  });

  test('TLSEngine: a listener that throws ends the connection with its error, reported once; the events after it are dropped', async () => {
    const o = await load();
    await assertFlat(o, 'throwing listener', async () => {
      // TLS 1.2: the session is raised inside the handshake step, before 'secure'.
      const client = await clientContext(o, 'TLSv1.2'), server = await serverContext(o, 'TLSv1.2');
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      const seen: string[] = [];
      let ce!: TLSEngine, se!: TLSEngine;
      ce = new TLSEngine(c, {
        transmit: b => se.receive(b), plaintext: () => seen.push('plaintext'), peerClosed: () => seen.push('peerClosed'),
        secure: () => seen.push('secure'),
        session: () => { seen.push('session'); throw new Error('boom'); },
        error: e => seen.push(`error: ${e.message}`),
      });
      se = new TLSEngine(s, { transmit: b => ce.receive(b), plaintext: () => undefined, secure: () => undefined, peerClosed: () => undefined, error: () => undefined });
      ce.start();
      assert.deepEqual(seen, ['session', 'error: boom'], "'secure', queued after the session, was dropped");
      assert.equal(ce.finished, true);
      for (const h of [c, s, client, server]) h.free();
    });
  });

  // The engine delivers its events once OpenSSL's call has returned: a listener may free the
  // connection, or read and write on it (from inside the call that would be a ReentrantCallError).
  for (const event of ['secure', 'session', 'plaintext'] as const) {
    for (const what of ['frees the connection', 'reads and writes on it'] as const) {
      test(`TLSEngine: a '${event}' listener ${what}`, async () => {
        const o = await load();
        await assertFlat(o, `${event} ${what}`, async () => {
          const client = await clientContext(o, 'TLSv1.3'), server = await serverContext(o, 'TLSv1.3');
          const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
          const errors: Error[] = [], inside: unknown[] = [];
          let ran = false;
          const listener = (self: Connection, sess?: Session) => {
            if (ran) return;
            ran = true;
            try {
              if (sess) assert.ok(sess.toDER().length > 0, 'the session is readable while the listener runs');
              if (what === 'frees the connection') self.free();
              else {
                self.write('more');
                self.read();
              }
            } catch (e) {
              inside.push(e);
            }
          };
          let ce!: TLSEngine, se!: TLSEngine;
          const base = (peer: () => TLSEngine): EngineEvents => ({
            transmit: b => peer().receive(b), plaintext: () => undefined, secure: () => undefined,
            peerClosed: () => undefined, error: e => errors.push(e),
          });
          ce = new TLSEngine(c, {
            ...base(() => se),
            secure: () => { ce.write(new TextEncoder().encode('ping')); if (event === 'secure') listener(c); },
            session: sess => { if (event === 'session') listener(c, sess); },
            plaintext: () => { if (event === 'plaintext') listener(c); },
          });
          se = new TLSEngine(s, { ...base(() => ce), plaintext: d => se.write(d) });
          ce.start();
          assert.ok(ran, `the '${event}' listener ran`);
          assert.deepEqual(inside.map(String), [], 'nothing the listener did threw');
          assert.deepEqual(errors.map(String), [], 'neither engine reported an error');
          if (what === 'frees the connection') assert.equal(ce.finished, true, 'the client engine is finished');
          for (const h of [c, s, client, server]) if (h.alive) h.free();
        });
      });
    }
  }
});
