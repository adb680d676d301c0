// A hostile peer that never stops (task "hostile"): post-handshake message floods (session tickets,
// KeyUpdates), warning-alert and empty-record floods, a renegotiation storm, a certificate chain
// above max_cert_list, and records after close_notify, after a fatal alert, or cut short by EOF.
// The peer is a real OpenSSL connection of another instance driven through the raw layer where the
// object layer has no call for the attack (SSL_new_session_ticket, SSL_key_update, SSL_renegotiate),
// or bytes written by hand where no OpenSSL would send them (plaintext records before the keys).
// What is checked on our side: memory and live handles bounded, OpenSSL's own limit and reason.
import { connectWebSocket, OpenSSLError, TLSEngine, transfer, type Connection, type OpenSSL, type Session, type SessionStore, type WebSocketConstructor, type WebSocketLike } from '../../ts/index.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, serverContext } from '../lib/tls.ts';

const KiB = 1024;

/** A client connection driven by a TLSEngine, with what the engine reported. */
function engineClient(c: Connection, onSession?: (s: Session) => void) {
  const seen = { sessions: 0, plaintext: 0, errors: [] as Error[], closed: false, out: [] as Uint8Array[] };
  const engine = new TLSEngine(c, {
    transmit: b => seen.out.push(b), plaintext: d => { seen.plaintext += d.length; },
    secure: () => undefined, peerClosed: () => { seen.closed = true; }, error: e => seen.errors.push(e),
    session: s => { seen.sessions++; onSession?.(s); },
  });
  return { engine, seen };
}

/** `n` TLS 1.3 NewSessionTicket messages from server connection `s`, as the bytes it wrote. */
function ticketFlood(ossl: OpenSSL, s: Connection, n: number): Uint8Array {
  const capi = ossl.raw.capi;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    equal(capi.SSL_new_session_ticket(s.pointer), 1, 'SSL_new_session_ticket');
    equal(s.handshake(), 'done', 'the server sent the ticket');
    parts.push(s.takeOutgoing());
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

/**
 * A WebSocket class whose far end is server connection `s`, in memory: what the client sends goes
 * to `s`, and what `s` writes comes back as one message; once the handshake is done, `after()`'s
 * bytes follow (the server's attack).
 */
function loopbackWebSocket(s: Connection, after: () => Uint8Array): WebSocketConstructor {
  return class implements WebSocketLike {
    binaryType = 'blob';
    readyState = 0;
    bufferedAmount = 0;
    #attacked = false;
    readonly #listeners = new Map<string, Set<(event: any) => void>>();
    constructor() { setTimeout(() => { this.readyState = 1; this.#emit('open', {}); }, 0); }
    addEventListener(type: string, f: (event: any) => void): void {
      if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
      this.#listeners.get(type)!.add(f);
    }
    removeEventListener(type: string, f: (event: any) => void): void { this.#listeners.get(type)?.delete(f); }
    #emit(type: string, event: object): void { for (const f of [...this.#listeners.get(type) ?? []]) f(event); }
    send(data: Uint8Array): void {
      if (!s.alive) return;
      s.receive(data);
      if (s.isHandshakeDone) s.read();
      else s.handshake();
      let out = s.takeOutgoing();
      if (s.isHandshakeDone && !this.#attacked) {
        this.#attacked = true;
        const attack = after();
        const both = new Uint8Array(out.length + attack.length);
        both.set(out);
        both.set(attack, out.length);
        out = both;
      }
      if (out.length) setTimeout(() => { if (this.readyState === 1) this.#emit('message', { data: out.slice().buffer }); }, 0);
    }
    close(code?: number): void {
      if (this.readyState > 1) return;
      this.readyState = 3;
      setTimeout(() => this.#emit('close', { code: code ?? 1005, reason: '', wasClean: true }), 0);
    }
  };
}

suite('hostile peer: post-handshake floods', test => {
  test('a server sending 3,000 session tickets in one chunk: the client engine holds none beyond the ones being delivered, memory stays bounded', async () => {
    // The server has an instance of its own: the client's linear memory counts the client only.
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3', { numTickets: 0 });
    const c = cctx.createConnection({ serverName: 'localhost' }), s = sctx.createConnection();
    let peak = 0, heap0 = 0;
    const { engine, seen } = engineClient(c, () => { peak = Math.max(peak, ossl.stats().heapInUse - heap0); });
    engine.start();
    for (let i = 0; i < 10 && !engine.secure; i++) {
      for (const b of seen.out.splice(0)) s.receive(b);
      s.handshake();
      const out = s.takeOutgoing();
      if (out.length) engine.receive(out);
    }
    ok(engine.secure, "handshake done");
    for (const b of seen.out.splice(0)) s.receive(b);
    equal(s.handshake(), 'done', "the server took the client's Finished");
    const flood = ticketFlood(peer, s, 3000);
    ok(flood.length > 600 * KiB, `3,000 tickets are ${flood.length} bytes, one chunk (a Web Stream's or WebSocket message's may be any size)`);
    heap0 = ossl.stats().heapInUse;
    engine.receive(flood);
    equal(seen.errors.length, 0);
    equal(seen.sessions, 3000, 'every ticket was delivered');
    // Each session is kept (~1 KB) from OpenSSL's callback until delivered: all 3,000 at once when
    // the chunk was one step (3 MB), now those of one slice of it (four records' worth).
    ok(peak < 512 * KiB, `while delivering, the client held ${peak} bytes more than before the flood`);
    ok(ossl.stats().heapInUse - heap0 < 4 * KiB, 'and once delivered, nothing');
    equal(ossl.stats().handles.Session, 0, 'no session is kept once delivered');
    c.free();
    s.free();
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'client');
  });

  test('a server sending 3,000 session tickets to a client with a session store: one store write at a time, the newest ticket saved last', async () => {
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3', { numTickets: 0 });
    const s = sctx.createConnection();
    // An asynchronous store (a Redis or IndexedDB one): each write takes a few milliseconds.
    let inFlight = 0, mostInFlight = 0, writes = 0, saved: Uint8Array | undefined;
    const store: SessionStore = {
      get: () => undefined,
      set: (_key, der) => {
        writes++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        return new Promise(resolve => setTimeout(() => { inFlight--; saved = der; resolve(); }, 2));
      },
      delete: () => undefined,
    };
    const WebSocket = loopbackWebSocket(s, () => ticketFlood(peer, s, 3000));
    let sessions = 0;
    const stream = await connectWebSocket('ws://relay.invalid/', { openssl: ossl, context: cctx, serverName: 'localhost', sessionStore: store, WebSocket,
      onSession: () => { sessions++; } });
    await stream.handshake;
    for (let i = 0; i < 500 && (sessions < 3000 || inFlight > 0); i++) await new Promise(r => setTimeout(r, 5));
    equal(sessions, 3000, 'the application heard of every ticket');
    ok(mostInFlight <= 1, `store writes at once: ${mostInFlight} (one a ticket, before: 3,000)`);
    ok(writes < 3000, `${writes} writes for 3,000 tickets (one waiting is replaced by a newer)`);
    const last = stream.connection.session!;
    equal(Array.from(saved!).join(), Array.from(last.toDER()).join(), 'the session saved last is the newest ticket\'s');
    last.free();
    await stream.writable.abort(new Error('done')).catch(() => undefined);
    await stream.closed.catch(() => undefined);
    s.free();
    sctx.free();
    cctx.free();
    await assertNoHandles(ossl, 'client');
  });
});

/** A TLS record written by hand: type, version 3.3, the fragment. */
function record(type: number, fragment: number[]): number[] {
  return [type, 3, 3, fragment.length >> 8, fragment.length & 0xff, ...fragment];
}
const ALERT = 21, HANDSHAKE = 22, CCS = 20;

suite('hostile peer: record-layer floods before the keys', test => {
  for (const [what, bytes, reason] of [
    ['warning alerts (user_canceled)', record(ALERT, [1, 90]), /too many warn alerts/],
    ['empty handshake records', record(HANDSHAKE, []), /record too small|bad length|unexpected/],
    ['ChangeCipherSpec records', record(CCS, [1]), /unexpected ccs message|unexpected message/],
  ] as const) {
    test(`a server answering the ClientHello with endless ${what}: OpenSSL's limit ends it with its reason`, async () => {
      const ossl = await load();
      const cctx = await clientContext(ossl, 'TLSv1.2');
      const c = cctx.createConnection({ serverName: 'localhost' });
      const { engine, seen } = engineClient(c);
      engine.start();
      ok(seen.out.length > 0, 'the ClientHello went out');
      const flood = new Uint8Array(Array.from({ length: 1000 }, () => bytes).flat());
      engine.receive(flood);
      equal(seen.errors.length, 1, 'one error');
      const e = seen.errors[0];
      ok(e instanceof OpenSSLError, `an OpenSSLError: ${String(e)}`);
      match(e.message, reason);
      ok(engine.finished);
      c.free();
      cctx.free();
      await assertNoHandles(ossl, what);
    });
  }
});
