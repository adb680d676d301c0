// TLS 1.3 early data (0-RTT) through the object layer, in memory: a client's writeEarlyData on a
// resumed session, a server's readEarlyData, earlyDataStatus at both ends; rejection by a server
// that turned it off or does not read it, OpenSSL's anti-replay (a replayed ClientHello with its
// early data is answered with a full handshake and the data never reaches the server), the size
// limits, misuse, and re-entry from a callback. Each ends with the leak check.
import { constants as C, handshakeInMemory, OpenSSL, ReentrantCallError, TLSEngine, tlsOverStreams, transfer, useEarlyDataReplayGuard, useServerSessionStore, type Connection, type Context, type Session } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { assertFlat, assertNoHandles } from '../lib/leaks.ts';
import { pipePair } from '../lib/memory-pair.ts';
import { suite } from '../lib/suite.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { clientContext, close, firstSession, load, pki, serverContext } from '../lib/tls.ts';
import { hex, text } from '../lib/bytes.ts';
import { until } from '../lib/wait.ts';

const MAX = 4096;

/** A TLS 1.3 pair whose server allows `max` bytes of early data, and a session to resume. */
async function setup(o: OpenSSL, max = MAX): Promise<{ client: Context; server: Context; session: Session; done(): void }> {
  const server = await serverContext(o, 'TLSv1.3', { maxEarlyData: max });
  const client = await clientContext(o, 'TLSv1.3');
  const session = firstSession(client, server);
  return { client, server, session, done: () => { session.free(); client.free(); server.free(); } };
}

/**
 * Runs a server connection that reads early data first (readEarlyData until 'finished') against a
 * client that has already written its early data; returns the early data the server read.
 */
function earlyHandshake(c: Connection, s: Connection, readEarly = true): string {
  let got = '';
  let sFinished = !readEarly;
  for (let round = 0; !(c.isHandshakeDone && s.isHandshakeDone); round++) {
    if (round === 32) throw new Error('no completion after 32 rounds');
    transfer(c, s);
    if (!sFinished) {
      const r = s.readEarlyData();
      got += text(r.data);
      sFinished = r.state === 'finished';
    } else {
      s.handshake();
    }
    transfer(s, c);
    c.handshake();
  }
  transfer(c, s);
  handshakeInMemory(c, s); // both done: lets the tickets and anything left be read
  return got;
}

suite('early data (0-RTT), object layer', test => {
  test('accepted: the server reads it before the handshake ends, both ends say accepted', async () => {
    const o = await load();
    await assertFlat(o, 'accepted', async () => {
      const { client, server, session, done } = await setup(o);
      assert.equal(session.maxEarlyData, MAX, 'the ticket carries the server\'s maxEarlyData');
      assert.equal(server.maxEarlyData, MAX);
      const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
      assert.equal(c.writeEarlyData('GET / early'), 'done');
      assert.equal(c.writeEarlyData(new TextEncoder().encode(' and more')), 'done');
      assert.equal(c.earlyDataWritten, 20);
      assert.ok(!c.isHandshakeDone, 'early data goes before the handshake completes');
      const got = earlyHandshake(c, s);
      assert.equal(got, 'GET / early and more');
      assert.equal(c.earlyDataStatus, 'accepted');
      assert.equal(s.earlyDataStatus, 'accepted');
      assert.ok(c.sessionReused && s.sessionReused);
      // Ordinary data flows after it.
      assert.equal(s.write('reply'), 'done');
      transfer(s, c);
      assert.equal(text(c.read().data), 'reply');
      close(c, s);
      done();
    });
  });

  test('a full handshake reports not-sent; a server that reads early data also works without any', async () => {
    const o = await load();
    const { client, server, done } = await setup(o);
    const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
    c.handshake();
    assert.equal(earlyHandshake(c, s), '');
    assert.equal(c.earlyDataStatus, 'not-sent');
    assert.equal(s.earlyDataStatus, 'not-sent');
    close(c, s);
    done();
  });

  test('rejected when the server turned early data off: the client resends it with write()', async () => {
    const o = await load();
    await assertFlat(o, 'rejected', async () => {
      const { client, server, session, done } = await setup(o);
      server.maxEarlyData = 0;
      const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
      c.writeEarlyData('hello early');
      assert.equal(earlyHandshake(c, s), '', 'the server is given none of it');
      assert.equal(c.earlyDataStatus, 'rejected');
      assert.equal(s.earlyDataStatus, 'rejected');
      // (Its ticket was a stateful one, issued for anti-replay: with early data off, OpenSSL reads
      // tickets as stateless ones and this one gives a full handshake.)
      assert.equal(c.write('hello early'), 'done'); // as documented: resent after the handshake
      transfer(c, s);
      assert.equal(text(s.read().data), 'hello early');
      close(c, s);
      done();
    });
  });

  test('rejected when the server does not read it (handshake() instead of readEarlyData())', async () => {
    const o = await load();
    const { client, server, session, done } = await setup(o);
    const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
    c.writeEarlyData('unread');
    assert.equal(earlyHandshake(c, s, false), '');
    assert.equal(c.earlyDataStatus, 'rejected');
    assert.equal(s.read().data.length, 0, 'the rejected early data is skipped, not read as application data');
    close(c, s);
    done();
  });

  test('anti-replay: the same ClientHello and early data replayed to the server is refused', async () => {
    const o = await load();
    await assertFlat(o, 'replay', async () => {
      const { client, server, session, done } = await setup(o);
      // A copy, to use the ticket again later: OpenSSL's client marks a session it resumed
      // unresumable once the new ticket replacing it arrives.
      const copy = o.sessionFromDER(session.toDER());
      const c = client.createConnection({ serverName: 'localhost', session });
      c.writeEarlyData('transfer 100 once');
      const flight = c.takeOutgoing(); // what an attacker on the path records
      const s1 = server.createConnection();
      s1.receive(flight);
      assert.equal(earlyHandshake(c, s1), 'transfer 100 once');
      assert.equal(s1.earlyDataStatus, 'accepted');
      // The replay, to another connection of the same server.
      const s2 = server.createConnection();
      s2.receive(flight);
      const r2 = s2.readEarlyData();
      assert.equal(r2.data.length, 0, 'the replayed early data is not given to the server');
      assert.equal(r2.state, 'finished');
      assert.equal(s2.earlyDataStatus, 'rejected');
      assert.ok(!s2.sessionReused, 'the single-use ticket was spent: a full handshake instead');
      close(c, s1);
      s2.free();
      // The same ticket used again by a client is refused too.
      const c3 = client.createConnection({ serverName: 'localhost', session: copy }), s3 = server.createConnection();
      copy.free();
      c3.writeEarlyData('again');
      assert.equal(earlyHandshake(c3, s3), '');
      assert.equal(c3.earlyDataStatus, 'rejected');
      close(c3, s3);
      done();
    });
  });

  test('sizes beyond the limit are refused before anything is sent; the connection goes on', async () => {
    const o = await load();
    const { client, server, session, done } = await setup(o, 100);
    assert.equal(session.maxEarlyData, 100);
    const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
    assert.throws(() => c.writeEarlyData(new Uint8Array(101)), /exceed the session's maxEarlyData of 100/);
    assert.equal(c.outgoingBytes, 0, 'nothing was sent');
    c.writeEarlyData(new Uint8Array(60));
    assert.throws(() => c.writeEarlyData(new Uint8Array(41)), /\(60 sent already\)/);
    c.writeEarlyData(new Uint8Array(40));
    assert.equal(earlyHandshake(c, s).length, 100);
    assert.equal(c.earlyDataStatus, 'accepted');
    close(c, s);
    // The context's limits: servers only, whole bytes.
    assert.throws(() => server.maxEarlyData = -1, RangeError);
    assert.throws(() => server.recvMaxEarlyData = 1.5, RangeError);
    server.recvMaxEarlyData = 2048;
    assert.equal(server.recvMaxEarlyData, 2048);
    assert.throws(() => client.maxEarlyData = 10, TypeError);
    await assert.rejects(() => clientContext(o, 'TLSv1.3', { maxEarlyData: 10 }), TypeError);
    done();
  });

  test('misuse is a clear TypeError and leaves the connection usable', async () => {
    const o = await load();
    const { client, server, session, done } = await setup(o);
    // A session without early data (a full handshake's connection has none to resume).
    const plain = client.createConnection({ serverName: 'localhost' });
    assert.throws(() => plain.writeEarlyData('x'), /maxEarlyData is above 0/);
    plain.free();
    const noEarly = await serverContext(o, 'TLSv1.3');
    const none = firstSession(client, noEarly);
    assert.equal(none.maxEarlyData, 0);
    const c0 = client.createConnection({ serverName: 'localhost', session: none });
    assert.throws(() => c0.writeEarlyData('x'), TypeError);
    c0.free(); none.free(); noEarly.free();
    const none2 = firstSession(client, server); // a session of the early-data server, for below
    // Too late: the handshake has started without early data.
    const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
    c.handshake();
    assert.throws(() => c.writeEarlyData('late'), /already started without early data/);
    transfer(c, s);
    s.handshake();
    assert.throws(() => s.readEarlyData(), /before the first handshake/);
    assert.throws(() => c.readEarlyData(), /for servers/);
    // A server in the middle of reading early data: the other calls wait for 'finished'.
    const c4 = client.createConnection({ serverName: 'localhost', session: none2 }), s4 = server.createConnection();
    c4.writeEarlyData('x');
    transfer(c4, s4);
    const r4 = s4.readEarlyData();
    assert.equal(`${text(r4.data)} ${r4.state}`, 'x want-read');
    for (const call of [() => s4.write('y'), () => s4.handshake(), () => s4.read(), () => s4.shutdown()]) {
      assert.throws(call, /reading early data: call readEarlyData\(\) until it says 'finished'/);
    }
    assert.equal(s4.error, null, 'the connection is intact');
    assert.equal(earlyHandshake(c4, s4), '', 'nothing more to read');
    assert.equal(s4.earlyDataStatus, 'accepted');
    close(c4, s4);
    assert.throws(() => s.writeEarlyData('x'), /for clients/);
    handshakeInMemory(c, s);
    assert.equal(c.earlyDataStatus, 'not-sent');
    assert.throws(() => c.writeEarlyData('x'), TypeError);
    close(c, s);
    none2.free();
    done();
  });

  test('re-entry: early-data calls from a callback of the running one are a ReentrantCallError', async () => {
    const o = await load();
    let busy: Connection | null = null;
    const caught: unknown[] = [];
    const onMessage = () => {
      if (!busy) return;
      const self = busy;
      busy = null;
      for (const call of [() => self.readEarlyData(), () => self.handshake()]) {
        try { call(); } catch (e) { caught.push(e); }
      }
    };
    const server = await serverContext(o, 'TLSv1.3', { maxEarlyData: MAX, onMessage });
    const client = await clientContext(o, 'TLSv1.3');
    const session = firstSession(client, server);
    const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
    c.writeEarlyData('data');
    busy = s;
    assert.equal(earlyHandshake(c, s), 'data', 'the refused calls did not disturb the running one');
    assert.equal(caught.length, 2);
    for (const e of caught) assert.ok(e instanceof ReentrantCallError, String(e));
    assert.match(String((caught[0] as Error).message), /readEarlyData\(\) was called from a callback of this connection's own readEarlyData\(\)/);
    close(c, s);
    // The client's side: writeEarlyData from its own onMessage during writeEarlyData.
    let writer: Connection | null = null;
    const clientCaught: unknown[] = [];
    const client2 = await clientContext(o, 'TLSv1.3', {
      onMessage: () => {
        if (!writer) return;
        const self = writer;
        writer = null;
        try { self.writeEarlyData('again'); } catch (e) { clientCaught.push(e); }
      },
    });
    const session2 = firstSession(client2, server);
    const c2 = client2.createConnection({ serverName: 'localhost', session: session2 }), s2 = server.createConnection();
    writer = c2;
    assert.equal(c2.writeEarlyData('once'), 'done');
    assert.ok(clientCaught[0] instanceof ReentrantCallError, String(clientCaught[0]));
    assert.equal(earlyHandshake(c2, s2), 'once', 'only the outer call\'s data was sent');
    close(c2, s2);
    session2.free(); client2.free();
    session.free(); client.free(); server.free();
    await assertNoHandles(o, 're-entry');
  });
});

suite('early data (0-RTT), engine and stream adapter', test => {
  /** A client and server over in-memory streams; the client sends `early`; returns what the server read and both statuses. */
  async function run(client: Context, server: Context, session: Session | undefined, early: string) {
    const [a, b] = pipePair();
    const c = tlsOverStreams(client.createConnection({ serverName: 'localhost', session }), a, { earlyData: new TextEncoder().encode(early) });
    const s = tlsOverStreams(server.createConnection(), b);
    await Promise.all([c.handshake, s.handshake]);
    const status = [c.connection.earlyDataStatus, s.connection.earlyDataStatus];
    const reader = s.readable.getReader();
    let got = '';
    while (got.length < early.length) {
      const r = await reader.read();
      if (r.done) break;
      got += text(r.value);
    }
    reader.releaseLock();
    const drain = (t: typeof c) => t.readable.pipeTo(new WritableStream()).catch(() => undefined);
    const dc = drain(c), ds = drain(s);
    await s.writable.close();
    await c.writable.close();
    await Promise.all([dc, ds, c.closed, s.closed]);
    return { got, status };
  }

  test('accepted: the server\'s readable starts with the early data; rejected: the engine resends it, it arrives once', async () => {
    const o = await load();
    await assertFlat(o, 'streams', async () => {
      const { client, server, session, done } = await setup(o);
      const copy = o.sessionFromDER(session.toDER());
      const first = await run(client, server, session, 'early hello');
      assert.equal(first.got, 'early hello');
      assert.deepEqual(first.status, ['accepted', 'accepted']);
      // The same ticket again: refused by anti-replay, sent after the handshake instead.
      const again = await run(client, server, copy, 'early hello');
      copy.free();
      assert.equal(again.got, 'early hello');
      assert.deepEqual(again.status, ['rejected', 'rejected']);
      // No session: a full handshake, the data simply follows it.
      const full = await run(client, server, undefined, 'plain hello');
      assert.equal(full.got, 'plain hello');
      assert.deepEqual(full.status, ['not-sent', 'not-sent']);
      done();
    });
  });

  test('the engine\'s earlyData event gives a server the early data apart from the rest', async () => {
    const o = await load();
    const { client, server, session, done } = await setup(o);
    const c = client.createConnection({ serverName: 'localhost', session }), s = server.createConnection();
    const log: string[] = [];
    const ce = new TLSEngine(c, {
      transmit: bytes => queueMicrotask(() => se.receive(bytes)), plaintext: () => undefined, secure: () => log.push('client secure'),
      peerClosed: () => undefined, error: e => log.push(`client error ${e.message}`),
    }, { earlyData: new TextEncoder().encode('0-RTT') });
    const se: TLSEngine = new TLSEngine(s, {
      transmit: bytes => queueMicrotask(() => ce.receive(bytes)), plaintext: b => log.push(`plaintext ${text(b)}`),
      earlyData: b => log.push(`early ${text(b)} (${s.isHandshakeDone ? 'after' : 'before'} the handshake)`), secure: () => log.push('server secure'),
      peerClosed: () => undefined, error: e => log.push(`server error ${e.message}`),
    });
    se.start();
    ce.start();
    await until(() => ce.secure && se.secure, 5000, 'both engines secure');
    ce.write(new TextEncoder().encode('1-RTT'));
    await until(() => log.includes('plaintext 1-RTT'), 5000, 'the 1-RTT data');
    assert.deepEqual(log.filter(l => !l.includes('secure')), ['early 0-RTT (before the handshake)', 'plaintext 1-RTT']);
    assert.throws(() => new TLSEngine(s, { transmit() {}, plaintext() {}, secure() {}, peerClosed() {}, error() {} }, { earlyData: new Uint8Array(1) }), /for clients/);
    c.free(); s.free();
    done();
  });
});

suite('early data (0-RTT), replay guard across servers', test => {
  /** A fleet's shared record, in memory: the first take of an identity wins (asynchronous, as a store over the network). */
  function memoryReplayStore() {
    const taken = new Set<string>();
    const ttls: number[] = [];
    return {
      ttls,
      async take(identity: Uint8Array, ttl: number) {
        await new Promise(r => setTimeout(r, 1));
        ttls.push(ttl);
        const k = Array.from(identity, b => b.toString(16).padStart(2, '0')).join('');
        if (taken.has(k)) return false;
        taken.add(k);
        return true;
      },
    };
  }

  async function connectEarly(client: Context, server: Context, session: Session, early: string) {
    const [a, b] = pipePair();
    let fresh: Session | null = null;
    const c = tlsOverStreams(client.createConnection({ serverName: 'localhost', session }), a,
      { earlyData: new TextEncoder().encode(early), onSession: s => { fresh?.free(); fresh = s.ref(); } });
    const s = tlsOverStreams(server.createConnection(), b);
    await Promise.all([c.handshake, s.handshake]);
    const result = { client: c.connection.earlyDataStatus, server: s.connection.earlyDataStatus, reused: s.connection.sessionReused, got: '' };
    const reader = s.readable.getReader();
    while (result.got.length < early.length) {
      const r = await reader.read();
      if (r.done) break;
      result.got += text(r.value);
    }
    reader.releaseLock();
    const drain = (t: typeof c) => t.readable.pipeTo(new WritableStream()).catch(() => undefined);
    const dc = drain(c), ds = drain(s);
    await s.writable.close();
    await c.writable.close();
    await Promise.all([dc, ds, c.closed, s.closed]);
    return { ...result, fresh: fresh as Session | null };
  }

  test('servers sharing ticket keys and a replay store: a ticket\'s early data is accepted by one server only', async () => {
    const o = await load();
    const keys = [{ name: new Uint8Array(16).fill(1), aesKey: new Uint8Array(32).fill(2), hmacKey: new Uint8Array(32).fill(3) }];
    const store = memoryReplayStore();
    const servers: Context[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await serverContext(o, 'TLSv1.3', { maxEarlyData: MAX, sessionTimeout: 600 });
      s.setTicketKeys(keys);
      useEarlyDataReplayGuard(s, store);
      servers.push(s);
    }
    // Control: a server of the same fleet without the guard (OpenSSL's per-server anti-replay off, as the guard turns it).
    const unguarded = await serverContext(o, 'TLSv1.3', { maxEarlyData: MAX, options: C.SSL_OP_NO_ANTI_REPLAY });
    unguarded.setTicketKeys(keys);
    const client = await clientContext(o, 'TLSv1.3');
    const session = firstSession(client, servers[0]);
    assert.equal(session.maxEarlyData, MAX);
    const der = session.toDER();
    session.free();
    const results = [];
    for (const server of [...servers, unguarded]) {
      const copy = o.sessionFromDER(der);
      results.push(await connectEarly(client, server, copy, 'pay once'));
      copy.free();
    }
    for (const r of results) { r.fresh?.free(); assert.equal(r.got, 'pay once', 'the data arrives either way (resent when rejected)'); }
    assert.deepEqual(results.map(r => `${r.server}/${r.client}/${r.reused ? 'resumed' : 'full'}`),
      ['accepted/accepted/resumed', 'rejected/rejected/resumed', 'rejected/rejected/resumed', 'accepted/accepted/resumed'],
      'one acceptance among the guarded servers; the ticket still resumes everywhere; without the guard a replay is accepted');
    assert.deepEqual(store.ttls, [600, 600, 600], 'taken for the ticket lifetime (the context\'s session timeout)');
    assert.ok((servers[0].options & C.SSL_OP_NO_ANTI_REPLAY) !== 0n, 'the guard replaced OpenSSL\'s per-server anti-replay');
    for (const s of servers) s.free();
    unguarded.free();
    client.free();
    await assertNoHandles(o, 'replay guard');
  });

  test('a store that fails or is slow refuses the early data and the handshake goes on; the guard runs before another client-hello handler', async () => {
    const o = await load();
    const errors: unknown[] = [];
    const order: string[] = [];
    const server = await serverContext(o, 'TLSv1.3', { maxEarlyData: MAX });
    server.setClientHelloHandler(() => { order.push('previous handler'); return 'success'; });
    useEarlyDataReplayGuard(server, { take: () => { order.push('take'); return Promise.reject(new Error('store down')); } }, { onError: e => errors.push(e) });
    const client = await clientContext(o, 'TLSv1.3');
    const session = firstSession(client, server);
    const r = await connectEarly(client, server, session, 'hello');
    r.fresh?.free();
    assert.equal(`${r.server}/${r.got}`, 'rejected/hello');
    assert.equal(errors.length, 1);
    assert.deepEqual(order, ['previous handler', 'take', 'previous handler'], 'a full handshake offers no early data: only the previous handler');
    const slow = await serverContext(o, 'TLSv1.3', { maxEarlyData: MAX });
    useEarlyDataReplayGuard(slow, { take: () => new Promise<boolean>(r => setTimeout(() => r(true), 500)) }, { lookupTimeoutMs: 20, onError: e => errors.push(e) });
    const s2 = firstSession(client, slow);
    const r2 = await connectEarly(client, slow, s2, 'late');
    r2.fresh?.free();
    assert.equal(`${r2.server}/${r2.got}`, 'rejected/late');
    assert.match(String((errors[1] as Error).message), /timed out after 20 ms/);
    assert.throws(() => useEarlyDataReplayGuard(client, { take: () => true }), TypeError);
    session.free(); s2.free(); slow.free(); server.free(); client.free();
    await assertNoHandles(o, 'failing store');
  });
});

suite('early data (0-RTT), README', test => {
  test('the README\'s 0-RTT example, as written (only the PEM texts and the module\'s location differ)', async () => {
    const { cert: certPem, key: keyPem, ca: caPem } = await pki();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const logged: string[] = [];
    const console = { log: (...a: unknown[]) => logged.push(a.join(' ')) };
    {
      const server = ossl.createContext({ role: 'server', certificate: certPem, privateKey: keyPem, maxEarlyData: 16384 });
      const client = ossl.createContext({ role: 'client', ca: caPem });
      let ticket = null as Session | null;
      {
        using c1 = client.createConnection({ serverName: 'localhost', onSession: s => { ticket?.free(); ticket = s.ref(); } });
        using s1 = server.createConnection();
        handshakeInMemory(c1, s1);
        c1.shutdown();
        s1.shutdown();
      }

      using c2 = client.createConnection({ serverName: 'localhost', session: ticket! });
      using s2 = server.createConnection();
      c2.writeEarlyData('GET / HTTP/1.1\r\n\r\n');             // at most ticket.maxEarlyData bytes
      let early = '', state = '';
      while (state !== 'finished') {                           // the server reads early data first,
        transfer(c2, s2);
        const r = s2.readEarlyData();
        early += new TextDecoder().decode(r.data);
        state = r.state;
        transfer(s2, c2);
        c2.handshake();
      }
      handshakeInMemory(c2, s2);                               // then completes the handshake
      console.log(JSON.stringify(early), c2.earlyDataStatus);  // "GET / HTTP/1.1\r\n\r\n" accepted
      ticket!.free();
      c2.free(); s2.free(); client.free(); server.free(); // (the README's scope would end here)
    }
    assert.deepEqual(logged, ['"GET / HTTP/1.1\\r\\n\\r\\n" accepted']);
    const stats = ossl.stats();
    assert.equal(stats.handles.Session + stats.handles.Connection + stats.handles.Context, 0, 'nothing left');
  });

  test('OpenSSL\'s anti-replay needs the internal cache: with useServerSessionStore\'s external-only cache a ticket does not resume with early data; the guard does', async () => {
    const o = await load();
    const map = new Map<string, Uint8Array>();
    const external = { get: (id: Uint8Array) => map.get(hex(id)) ?? null, set: (id: Uint8Array, der: Uint8Array) => { map.set(hex(id), der); }, delete: (id: Uint8Array) => { map.delete(hex(id)); } };
    const client = await clientContext(o, 'TLSv1.3');
    for (const guarded of [false, true]) {
      const server = await serverContext(o, 'TLSv1.3', { maxEarlyData: MAX, options: C.SSL_OP_NO_TICKET });
      useServerSessionStore(o, server, external);
      if (guarded) useEarlyDataReplayGuard(server, memoryTake());
      const stored = map.size;
      const session = firstSession(client, server);
      await until(() => map.size > stored, 5000, 'the store\'s set of the new session');
      const [a, b] = pipePair();
      const c = tlsOverStreams(client.createConnection({ serverName: 'localhost', session }), a, { earlyData: new TextEncoder().encode('x') });
      const s = tlsOverStreams(server.createConnection(), b);
      await Promise.all([c.handshake, s.handshake]);
      assert.equal(`${s.connection.sessionReused}/${s.connection.earlyDataStatus}`, guarded ? 'true/accepted' : 'false/rejected');
      const drain = (t: typeof c) => t.readable.pipeTo(new WritableStream()).catch(() => undefined);
      const dc = drain(c), ds = drain(s);
      await s.writable.close();
      await c.writable.close();
      await Promise.all([dc, ds, c.closed, s.closed]);
      session.free();
      server.free();
    }
    client.free();
  });
});

/** A replay store in memory: the first take of an identity wins. */
function memoryTake() {
  const taken = new Set<string>();
  return { take: (id: Uint8Array) => { const k = id.join(','); const first = !taken.has(k); taken.add(k); return first; } };
}
