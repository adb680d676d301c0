// Server-side session stores shared by several servers, in every runtime: the asynchronous external
// cache (client-hello callback + get-session callback) and shared ticket keys. Two server contexts
// stand for two servers; the Web Streams adapter carries the pause for the lookup.
import { clientHelloSessionId, constants as C, OpenSSLError, tlsOverStreams, useServerSessionStore, type Context, type OpenSSL, type ServerSessionStore, type Session } from '../../ts/index.ts';
import { connectOnce, pipePair } from '../lib/memory-pair.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { assertFlat } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, load, serverContext } from '../lib/tls.ts';
import { until } from '../lib/wait.ts';
import { hex } from '../lib/bytes.ts';

/** An asynchronous in-memory store, as Redis would be; each answer comes after `delayMs`. */
class SlowStore implements ServerSessionStore {
  readonly map = new Map<string, Uint8Array>();
  gets = 0; sets = 0; deletes = 0;
  constructor(readonly delayMs = 5) {}
  #later<T>(v: () => T): Promise<T> { return new Promise((r, j) => setTimeout(() => { try { r(v()); } catch (e) { j(e); } }, this.delayMs)); }
  get(id: Uint8Array) { this.gets++; return this.#later(() => this.map.get(hex(id))); }
  set(id: Uint8Array, der: Uint8Array) { this.sets++; return this.#later(() => { this.map.set(hex(id), der); }); }
  delete(id: Uint8Array) { this.deletes++; return this.#later(() => { this.map.delete(hex(id)); }); }
}

async function fleet(ossl: OpenSSL, version: 'TLSv1.2' | 'TLSv1.3', store: ServerSessionStore, options = {}) {
  // Stateful resumption: session ids (TLS 1.2) and stateful tickets (TLS 1.3) need SSL_OP_NO_TICKET.
  const servers = await Promise.all([0, 1].map(() => serverContext(ossl, version, { options: C.SSL_OP_NO_TICKET })));
  for (const s of servers) useServerSessionStore(ossl, s, store, options);
  const client = await clientContext(ossl, version);
  return { servers, client };
}

/** Where the body of extension `type` starts in a ClientHello record (header, random, id, suites, compression, extensions). */
function findExtension(record: Uint8Array, type: number): number {
  let i = 5 + 4 + 2 + 32;
  i += 1 + record[i];
  i += 2 + ((record[i] << 8) | record[i + 1]);
  i += 1 + record[i];
  const end = i + 2 + ((record[i] << 8) | record[i + 1]);
  for (i += 2; i + 4 <= end; i += 4 + ((record[i + 2] << 8) | record[i + 3])) {
    if (((record[i] << 8) | record[i + 1]) === type) return i + 4;
  }
  throw new Error(`no extension ${type} in the ClientHello`);
}

suite('server session stores', test => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: a session made on one server resumes on another through the shared asynchronous store`, async () => {
      const ossl = await load();
      const store = new SlowStore();
      const { servers: [a, b], client } = await fleet(ossl, version, store);
      let saved: Session | null = null as Session | null;
      const first = await connectOnce(client, a, undefined, s => { saved?.free(); saved = s.ref(); });
      equal(first.join(), 'false,false');
      ok(store.sets >= 1, 'the new session went to the store');
      const second = await connectOnce(client, b, saved!);
      equal(second.join(), 'true,true', 'resumed on the other server');
      equal(a.sessionStats.number + b.sessionStats.number, 0, 'no internal cache was used');
      saved!.free(); a.free(); b.free(); client.free();
    });
  }

  test('a lookup that fails, or times out, gives a full handshake, never a failed or hung one; nothing is left behind', async () => {
    const ossl = await load();
    const errors: string[] = [];
    for (const [name, broken] of [
      ['a store that fails', { get: () => Promise.reject(new Error('store down')), set: () => undefined, delete: () => undefined }],
      ['a store that never answers', { get: () => new Promise<undefined>(() => undefined), set: () => undefined, delete: () => undefined }],
    ] as [string, ServerSessionStore][]) {
      // Three runs: every context, connection and session freed after each, heapInUse flat (a
      // lookup given up on must not keep its connection, or anything of OpenSSL's, alive).
      await assertFlat(ossl, name, async () => {
        const good = new SlowStore();
        const first = await fleet(ossl, 'TLSv1.2', good);
        const { servers: [a], client } = first;
        let saved: Session | null = null as Session | null;
        await connectOnce(client, a, undefined, s => { saved?.free(); saved = s.ref(); });
        const second = await fleet(ossl, 'TLSv1.2', broken, { lookupTimeoutMs: 100, onError: (e: Error) => errors.push(e.message) });
        const r = await connectOnce(client, second.servers[0], saved!);
        equal(r.join(), 'false,false', 'a full handshake');
        saved!.free();
        for (const ctx of [...first.servers, first.client, ...second.servers, second.client]) ctx.free();
      });
    }
    equal(errors.join(' | '), [...Array(3).fill('store down'), ...Array(3).fill('lookup timed out after 100 ms')].join(' | '));
  });

  test('a malformed supported_versions list (a pair past its stated length) does not count as offering TLS 1.3: the legacy session id is looked up', async () => {
    const ossl = await load();
    // A real ClientHello offering TLS 1.3 and 1.2: supported_versions is 04 0304 0303. Rewritten in
    // place to 03 0303 03|04: a 3-byte list (malformed: odd), whose last pair would take TLS 1.3's
    // second byte from past the list.
    const client = await clientContext(ossl, 'TLSv1.2', { maxVersion: 'TLSv1.3' });
    const c = client.createConnection({ serverName: 'localhost' });
    c.handshake();
    const hello = c.takeOutgoing();
    c.free();
    const at = findExtension(hello, 43);
    equal(hex(hello.subarray(at, at + 5)), '0403040303', 'the offered versions as recorded');
    hello.set([0x03, 0x03, 0x03, 0x03, 0x04], at);
    const server = await serverContext(ossl, 'TLSv1.2', { maxVersion: 'TLSv1.3' });
    let looked: Uint8Array | null | undefined;
    server.setClientHelloHandler(conn => { looked = clientHelloSessionId(ossl, conn); return 'success'; });
    const s = server.createConnection();
    s.receive(hello);
    let failed: unknown = null;
    try { s.handshake(); } catch (e) { failed = e; }
    equal(looked?.length, 32, 'the legacy session id (32 bytes in compatibility mode) is the one to look up');
    ok(failed instanceof OpenSSLError, `OpenSSL itself then refuses the malformed list: ${failed}`);
    s.free(); server.free(); client.free();
  });

  test('garbage under a session id gives a full handshake and a reported error', async () => {
    const ossl = await load();
    const store = new SlowStore();
    const errors: string[] = [];
    const { servers: [a, b], client } = await fleet(ossl, 'TLSv1.2', store, { onError: (e: Error) => errors.push(e.message) });
    let saved: Session | null = null as Session | null;
    await connectOnce(client, a, undefined, s => { saved?.free(); saved = s.ref(); });
    await until(() => store.map.size === 1, 2000, 'the session to be stored');
    for (const k of store.map.keys()) store.map.set(k, new Uint8Array([0x30, 0x03, 1, 2, 3]));
    equal((await connectOnce(client, b, saved!)).join(), 'false,false');
    match(errors.join(), /not a session for this id/);
    saved!.free(); a.free(); b.free(); client.free();
  });

  test('a session removed on one server (a bad session) is gone for all', async () => {
    const ossl = await load();
    const store = new SlowStore(0);
    const { servers: [a, b], client } = await fleet(ossl, 'TLSv1.2', store);
    let saved: Session | null = null as Session | null;
    await connectOnce(client, a, undefined, s => { saved?.free(); saved = s.ref(); });
    await until(() => store.map.size === 1, 2000, 'the session to be stored');
    // Server A drops the connection while it is still open: OpenSSL removes the session as bad.
    const [x, y] = pipePair();
    const c = tlsOverStreams(client.createConnection({ serverName: 'localhost', session: saved! }), x);
    const s = tlsOverStreams(a.createConnection(), y);
    await Promise.all([c.handshake, s.handshake]);
    s.connection.free();
    await until(() => store.map.size === 0, 2000, 'the session to be deleted from the shared store');
    equal((await connectOnce(client, b, saved!)).join(), 'false,false', 'the other server cannot resume it');
    await c.writable.abort(new Error('done')).catch(() => undefined);
    saved!.free(); a.free(); b.free(); client.free();
  });

  test('shared ticket keys: a ticket from one server resumes on another; an unknown key does not; an old key renews', async () => {
    // OpenSSL's TLS 1.3 clients use a ticket once (with client caching on, a resumed session is
    // removed: ssl/statem/statem_lib.c), so every attempt below gets a ticket of its own.
    const ossl = await load();
    const key = (n: number) => ({ name: new Uint8Array(16).fill(n), aesKey: new Uint8Array(32).fill(n + 1), hmacKey: new Uint8Array(32).fill(n + 2) });
    const [a, b, other, rotated] = await Promise.all([0, 1, 2, 3].map(() => serverContext(ossl, 'TLSv1.3')));
    a.setTicketKeys([key(1)]);
    b.setTicketKeys([key(1)]);
    other.setTicketKeys([key(9)]);
    rotated.setTicketKeys([key(2), key(1)]); // key 2 encrypts now, key 1 still decrypts
    const client = await clientContext(ossl, 'TLSv1.3');
    const fromA: Session[] = [];
    await connectOnce(client, a, undefined, s => { fromA.push(s.ref()); });
    await connectOnce(client, a, undefined, s => { fromA.push(s.ref()); });
    ok(fromA.length >= 3, `tickets from server a: ${fromA.length}`);
    equal((await connectOnce(client, b, fromA[0])).join(), 'true,true', 'same keys: resumed on another server');
    equal((await connectOnce(client, other, fromA[1])).join(), 'false,false', 'unknown key name: full handshake');
    const renewed: Session[] = [];
    equal((await connectOnce(client, rotated, fromA[2], s => { renewed.push(s.ref()); })).join(), 'true,true', 'an older key still decrypts');
    ok(renewed.length > 0, 'and new tickets were issued');
    equal((await connectOnce(client, a, renewed[0])).join(), 'false,false', 'the renewed ticket is under key 2, which server a does not have');
    equal((await connectOnce(client, rotated, renewed[1] ?? renewed[0])).join(), 'true,true', 'but the rotated server resumes it');
    for (const t of [...fromA, ...renewed]) t.free();
    for (const c of [a, b, other, rotated, client]) c.free();
    equal(ossl.stats().handles.Session, 0);
  });
});
