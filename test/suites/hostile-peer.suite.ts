// A hostile peer that never stops (task "hostile"): post-handshake message floods (session tickets,
// KeyUpdates), warning-alert and empty-record floods (plaintext before the keys, sealed by hand after
// them), a renegotiation storm, a certificate chain
// above max_cert_list, and records after close_notify, after a fatal alert, or cut short by EOF.
// The peer is a real OpenSSL connection of another instance driven through the raw layer where the
// object layer has no call for the attack (SSL_new_session_ticket, SSL_key_update, SSL_renegotiate),
// or bytes written by hand where no OpenSSL would send them (plaintext records before the keys).
// What is checked on our side: memory and live handles bounded, OpenSSL's own limit and reason.
import { connectWebSocket, OpenSSLError, TLSEngine, tlsOverStreams, transfer, type Connection, type OpenSSL, type Session, type SessionStore, type WebSocketConstructor } from '../../ts/index.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { assertNoHandles } from '../lib/leaks.ts';
import { concat } from '../../ts/raw/bytes.ts';
import { text, unhex } from '../lib/bytes.ts';
import { FakeWebSocket } from '../lib/fake-websocket.ts';
import { expandLabel } from '../lib/tls-kdf.ts';
import { suite } from '../lib/suite.ts';
import { catchTimer } from '../lib/timers.ts';
import { pipePair } from '../lib/memory-pair.ts';
import { clientContext, close, connect, load, pki, serverContext } from '../lib/tls.ts';

const KiB = 1024;

/** A client connection driven by a TLSEngine, with what the engine reported. */
function engineClient(c: Connection, onSession?: (s: Session) => void) {
  const seen = { sessions: 0, text: '', errors: [] as Error[], closed: false, out: [] as Uint8Array[] };
  const engine = new TLSEngine(c, {
    transmit: b => seen.out.push(b), plaintext: d => { seen.text += new TextDecoder().decode(d); },
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
  return concat(parts);
}

/**
 * A WebSocket class whose far end is server connection `s`, in memory: what the client sends goes
 * to `s`, and what `s` writes comes back as one message; once the handshake is done, `after()`'s
 * bytes follow (the server's attack).
 */
function loopbackWebSocket(s: Connection, after: () => Uint8Array): WebSocketConstructor {
  return class extends FakeWebSocket {
    #attacked = false;
    constructor() {
      super();
      setTimeout(() => { this.readyState = 1; this.emit('open', {}); }, 0);
    }
    send(data: Uint8Array): void {
      if (!s.alive) return;
      s.receive(data);
      if (s.isHandshakeDone) s.read();
      else s.handshake();
      let out = s.takeOutgoing();
      if (s.isHandshakeDone && !this.#attacked) {
        this.#attacked = true;
        out = concat([out, after()]);
      }
      if (out.length) setTimeout(() => { if (this.readyState === 1) this.emit('message', { data: out.slice().buffer }); }, 0);
    }
    close(code?: number): void {
      if (this.readyState > 1) return;
      this.readyState = 3;
      setTimeout(() => this.emit('close', { code: code ?? 1005, reason: '', wasClean: true }), 0);
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
  /** `n` copies of `bytes`. */
  const copies = (bytes: number[], n: number) => new Uint8Array(Array.from({ length: n }, () => bytes).flat());
  // [what, the record, how many OpenSSL takes, its reason for the next]
  for (const [what, bytes, takes, reason] of [
    ['warning alerts (user_canceled)', record(ALERT, [1, 90]), 4, /too many warn alerts/],
    ['empty handshake records', record(HANDSHAKE, []), 32, /record too small/],
    ['ChangeCipherSpec records (TLS 1.2: none before the ServerHello)', record(CCS, [1]), 0, /unexpected message/],
  ] as const) {
    test(`a server answering the ClientHello with endless ${what}: OpenSSL takes ${takes}, then ends it with its reason`, async () => {
      const ossl = await load();
      const cctx = await clientContext(ossl, 'TLSv1.2');
      const c = cctx.createConnection({ serverName: 'localhost' });
      const { engine, seen } = engineClient(c);
      engine.start();
      ok(seen.out.length > 0, 'the ClientHello went out');
      engine.receive(copies(bytes, takes));
      equal(seen.errors.length, 0, `${takes} are taken`);
      engine.receive(copies(bytes, 1000));
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

  test('a TLS 1.3 server sending endless ChangeCipherSpec records after its ServerHello (which TLS 1.3 ignores): OpenSSL\'s limit (32) ends it with "unexpected ccs message"', async () => {
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3');
    const c = cctx.createConnection({ serverName: 'localhost' }), s = sctx.createConnection();
    const { engine, seen } = engineClient(c);
    engine.start();
    s.receive(seen.out.splice(0)[0]);
    s.handshake();
    const flight = s.takeOutgoing();
    equal(flight[0], HANDSHAKE, 'the flight starts with the ServerHello record');
    const serverHello = flight.subarray(0, 5 + ((flight[3] << 8) | flight[4]));
    engine.receive(concat([serverHello, copies(record(CCS, [1]), 32)]));
    equal(seen.errors.length, 0, '32 are taken');
    engine.receive(copies(record(CCS, [1]), 1000));
    equal(seen.errors.length, 1, 'one error');
    const e = seen.errors[0];
    ok(e instanceof OpenSSLError, `an OpenSSLError: ${String(e)}`);
    match(e.message, /unexpected ccs message/);
    c.free();
    s.free();
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'client');
  });
});

/**
 * TLS 1.3 application-data records sealed by hand with AES-128-GCM under a traffic secret (RFC 8446
 * 5.2, 5.3), one per entry of `contents` from sequence number `seq`: what no OpenSSL sends for an
 * empty entry, a record with nothing inside (the inner plaintext is the content type alone).
 */
async function sealedRecords(secret: Uint8Array, seq: number, contents: Uint8Array[]): Promise<Uint8Array> {
  const none = new Uint8Array(0);
  const key = await expandLabel('SHA-256', secret, 'key', none, 16), iv = await expandLabel('SHA-256', secret, 'iv', none, 12);
  const aes = await crypto.subtle.importKey('raw', key.slice(), 'AES-GCM', false, ['encrypt']);
  const parts: Uint8Array[] = [];
  for (const [i, content] of contents.entries()) {
    const nonce = iv.slice();
    for (let b = 0, n = seq + i; b < 6; b++, n = Math.floor(n / 256)) nonce[11 - b]! ^= n & 0xff;
    const inner = new Uint8Array([...content, APPLICATION_DATA]);
    const length = inner.length + 16;
    const header = new Uint8Array([APPLICATION_DATA, 3, 3, length >> 8, length & 0xff]);
    parts.push(header, new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: header }, aes, inner)));
  }
  return concat(parts);
}
const APPLICATION_DATA = 23;

suite('hostile peer: empty records after the handshake', test => {
  test('a TLS 1.3 peer sending endless empty application-data records (encrypted, nothing inside): OpenSSL takes 32 in a row, then ends it with "record too small"; data between them starts the count again', async () => {
    const ossl = await load(), peer = await load();
    let secret: Uint8Array | undefined;
    const only = { cipherSuites: 'TLS_AES_128_GCM_SHA256' };
    const cctx = await clientContext(ossl, 'TLSv1.3', only);
    const sctx = await serverContext(peer, 'TLSv1.3', { ...only, numTickets: 0, keylog: line => {
      const m = /^SERVER_TRAFFIC_SECRET_0 \S+ ([0-9a-f]+)/.exec(line);
      if (m) secret = unhex(m[1]!);
    } });
    const { c, s } = connect(cctx, sctx);
    try {
      ok(secret, "the server's traffic secret (keylog)");
      const empty = (n: number) => Array.from({ length: n }, () => new Uint8Array(0));
      const bytes = (t: string) => new TextEncoder().encode(t);
      // Records sealed here are right: a first one with data reads as that data.
      c.receive(await sealedRecords(secret!, 0, [bytes('first')]));
      equal(text(c.read().data), 'first', 'a record sealed by hand reads');
      // 32 empty ones in a row are taken, the data after them starts the count again, and so 32 more.
      c.receive(await sealedRecords(secret!, 1, [...empty(32), bytes('again'), ...empty(32)]));
      equal(text(c.read().data), 'again', '32 empty records taken, then the data');
      equal(c.read().data.length, 0, '32 more taken');
      equal(c.error, null, 'no error yet');
      // The 33rd in a row ends the connection.
      c.receive(await sealedRecords(secret!, 66, empty(1000)));
      let e: unknown;
      try { c.read(); } catch (thrown) { e = thrown; }
      ok(e instanceof OpenSSLError, `an OpenSSLError: ${String(e)}`);
      match((e as Error).message, /record too small/);
    } finally {
      c.free();
      s.free();
      cctx.free();
      sctx.free();
    }
    await assertNoHandles(ossl, 'client');
    await assertNoHandles(peer, 'server');
  });
});


suite('hostile peer: KeyUpdate and renegotiation storms', test => {
  test('5,000 KeyUpdates asking for ours: OpenSSL\'s TLS (3.5 and 4.0) has no count limit (SSL_R_TOO_MANY_KEY_UPDATES is QUIC\'s); each is answered, memory stays bounded, data flows after', async () => {
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3');
    const { c, s } = connect(cctx, sctx);
    const capi = peer.raw.capi, REQUESTED = 1; // SSL_KEY_UPDATE_REQUESTED
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) {
      equal(capi.SSL_key_update(s.pointer, REQUESTED), 1, 'SSL_key_update');
      equal(s.handshake(), 'done', 'the server sent its KeyUpdate');
      parts.push(s.takeOutgoing());
    }
    equal(s.write('after the storm'), 'done');
    parts.push(s.takeOutgoing());
    const { engine, seen } = engineClient(c);
    const heap0 = ossl.stats().heapInUse;
    engine.receive(concat(parts));
    equal(seen.errors.length, 0, `no error: ${seen.errors.map(String).join()}`);
    equal(seen.text, 'after the storm', 'the data after 5,000 key changes decrypts');
    ok(ossl.stats().heapInUse - heap0 < 16 * KiB, 'nothing kept per KeyUpdate');
    // The client's answers (one KeyUpdate each, ~27 bytes) were transmitted as each slice was read.
    const answers = concat(seen.out.splice(0));
    ok(answers.length > 5000 * 20 && answers.length < 5000 * 40, `the client answered each (${answers.length} bytes)`);
    s.receive(answers);
    equal(s.read().data.length, 0);
    engine.write(new TextEncoder().encode('still here'));
    s.receive(concat(seen.out.splice(0)));
    equal(text(s.read().data), 'still here', 'the server reads the client under its 5,000th new key');
    c.free();
    s.free();
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'client');
  });

  test('a Connection driven by hand: answers to KeyUpdates asking for ours are written by read() as the next message comes (OpenSSL answers one at its next read of a message or write) and wait in outgoingBytes until takeOutgoing()', async () => {
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3');
    const { c, s } = connect(cctx, sctx);
    try {
      const REQUESTED = 1; // SSL_KEY_UPDATE_REQUESTED
      equal(c.outgoingBytes, 0, 'nothing to send after the handshake');
      for (let i = 1; i <= 3; i++) {
        equal(peer.raw.capi.SSL_key_update(s.pointer, REQUESTED), 1, 'SSL_key_update');
        equal(s.handshake(), 'done');
        c.receive(s.takeOutgoing());
        equal(c.read().data.length, 0, 'no plaintext');
        const waiting = i - 1; // the answer to this one goes with the next message or write
        ok(waiting === 0 ? c.outgoingBytes === 0 : c.outgoingBytes > 20 * waiting && c.outgoingBytes < 40 * waiting,
          `${waiting} answers wait (${c.outgoingBytes} bytes)`);
      }
      equal(c.write('under the new keys'), 'done');
      const sent = c.takeOutgoing();
      equal(c.outgoingBytes, 0, 'taken');
      ok(sent.length > 3 * 20 + 18, `the third answer goes before the data (${sent.length} bytes)`);
      s.receive(sent);
      equal(text(s.read().data), 'under the new keys', 'the server read three answers, then the data under the new keys');
    } finally {
      c.free(); s.free(); cctx.free(); sctx.free();
    }
    await assertNoHandles(ossl, 'client');
  });

  test('a peer sending KeyUpdates that ask for ours and never reading: the TLS stream stops reading it once 64 KiB of answers wait', async () => {
    // Each KeyUpdate read makes OpenSSL send one back (~27 bytes each way). A peer that never reads
    // ours would have them pile up in the transport's queue for as long as it sends.
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(peer, 'TLSv1.3');
    const { c, s } = connect(cctx, sctx);
    const capi = peer.raw.capi, REQUESTED = 1; // SSL_KEY_UPDATE_REQUESTED
    const flood: Uint8Array[] = [];
    for (let i = 0; i < 16_000; i++) {
      capi.SSL_key_update(s.pointer, REQUESTED);
      s.handshake();
      flood.push(s.takeOutgoing());
    }
    const wire = concat(flood);
    let pulled = 0, written = 0;
    const readable = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= wire.length) return;
        const chunk = wire.slice(pulled, pulled + 16 * KiB);
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    // The peer does not read: no write completes until it starts (reading = true).
    let reading = false, release = () => {};
    const writable = new WritableStream<Uint8Array>({
      write: chunk => {
        written += chunk.length;
        return reading ? undefined : new Promise<void>(resolve => { release = resolve; });
      },
    });
    const stream = tlsOverStreams(c, { readable, writable });
    await stream.handshake;
    for (let i = 0; i < 50; i++) await new Promise(r => setTimeout(r, 2));
    ok(wire.length > 400 * KiB, `the flood is ${wire.length} bytes`);
    ok(pulled < 256 * KiB, `the stream read ${pulled} bytes of it, then stopped (answers handed to the transport: ${written})`);
    // The peer reads again: the rest of the flood is read and answered.
    reading = true;
    release();
    for (let i = 0; i < 500 && pulled < wire.length; i++) await new Promise(r => setTimeout(r, 2));
    equal(pulled, wire.length, 'all of it read once the peer took the answers');
    await new Promise(r => setTimeout(r, 20));
    ok(written > wire.length * 0.9 && written < wire.length * 1.1, `and answered (${written} bytes)`);
    await stream.writable.abort(new Error('done')).catch(() => undefined);
    await stream.closed.catch(() => undefined);
    s.free();
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'client');
  });

  test('a TLS 1.2 server asking to renegotiate 200 times: our client (as OpenSSL\'s and Node\'s, which allow it) does each, its memory flat', async () => {
    const ossl = await load(), peer = await load();
    const cctx = await clientContext(ossl, 'TLSv1.2'), sctx = await serverContext(peer, 'TLSv1.2');
    const { c, s } = connect(cctx, sctx);
    let sessions = 0;
    c.onSession = () => { sessions++; };
    const capi = peer.raw.capi;
    /** One renegotiation: the server's HelloRequest, then the handshake both ways (the server's read() answers the ClientHello). */
    const round = () => {
      equal(capi.SSL_renegotiate(s.pointer), 1, 'SSL_renegotiate');
      equal(s.handshake(), 'done', 'the HelloRequest went out');
      for (let i = 0; i < 4; i++) {
        transfer(s, c);
        equal(c.read().data.length, 0);
        transfer(c, s);
        equal(s.read().data.length, 0);
      }
      ok(c.isHandshakeDone && s.isHandshakeDone && c.outgoingBytes === 0 && s.outgoingBytes === 0, 'the renegotiation is over');
    };
    for (let i = 0; i < 20; i++) round(); // OpenSSL's lazily made state
    const heap0 = ossl.stats().heapInUse, sessions0 = sessions, renegotiations0 = cctx.sessionStats.connectRenegotiate;
    for (let i = 0; i < 200; i++) round();
    equal(cctx.sessionStats.connectRenegotiate - renegotiations0, 200, 'the client renegotiated each time');
    // Each renegotiation resumes the session from the server's cache: no new one to deliver or keep.
    ok(c.sessionReused, 'the last renegotiation resumed');
    equal(sessions - sessions0, 0, 'no new session');
    ok(ossl.stats().heapInUse - heap0 < 4 * KiB, `the client's heap moved by ${ossl.stats().heapInUse - heap0} bytes over 200 renegotiations`);
    equal(ossl.stats().handles.Session, 0);
    s.write('done');
    transfer(s, c);
    equal(text(c.read().data), 'done');
    close(c, s);
    cctx.free();
    sctx.free();
  });
});

/** `cert` followed by `ca` over and over: a Certificate message of 110 KiB, above max_cert_list. */
function hugeChain(cert: string, ca: string): string {
  const caPem = ca.trim() + '\n';
  const caDerBytes = (caPem.replace(/-----[^-]+-----|\s/g, '').length * 3) / 4; // base64 is 4/3 of DER
  return cert.trim() + '\n' + caPem.repeat(Math.ceil(110 * KiB / caDerBytes));
}

suite('hostile peer: certificate chains and the ends of a connection', test => {
  test('a server certificate chain above max_cert_list (100 KiB): refused with OpenSSL\'s "excessive message size", nothing kept', async () => {
    const ossl = await load(), peer = await load();
    const p = await pki();
    const chain = hugeChain(p.cert, p.ca);
    const cctx = await clientContext(ossl, 'TLSv1.3', { minVersion: 'TLSv1.2' });
    const refused = async (version: 'TLSv1.3' | 'TLSv1.2') => {
      const sctx = await peer.createContext({ role: 'server', certificate: chain, privateKey: p.key, minVersion: version, maxVersion: version });
      const c = cctx.createConnection({ serverName: 'localhost' }), s = sctx.createConnection();
      const { engine, seen } = engineClient(c);
      engine.start();
      for (let i = 0; i < 10 && !engine.finished; i++) {
        s.receive(concat(seen.out.splice(0)));
        try { s.handshake(); } catch { /* the client's alert, at the end */ }
        const out = s.takeOutgoing();
        if (out.length) engine.receive(out);
      }
      equal(seen.errors.length, 1, `${version}: the handshake failed`);
      const e = seen.errors[0];
      ok(e instanceof OpenSSLError, String(e));
      match(e.message, /excessive message size/);
      c.free();
      s.free();
      sctx.free();
    };
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) await refused(version); // OpenSSL's lazily made state
    const heap0 = ossl.stats().heapInUse;
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) await refused(version);
    ok(ossl.stats().heapInUse - heap0 < 4 * KiB, `the client kept ${ossl.stats().heapInUse - heap0} bytes of it`);
    cctx.free();
    await assertNoHandles(ossl, 'client');
  });

  test('a client certificate chain above max_cert_list to a server that asks for one: refused with "excessive message size", nothing kept', async () => {
    const ossl = await load(), peer = await load();
    const p = await pki();
    const chain = hugeChain(p.cert, p.ca);
    const sctx = await serverContext(ossl, 'TLSv1.3', { minVersion: 'TLSv1.2', verifyPeer: true, ca: p.ca });
    const refused = async (version: 'TLSv1.3' | 'TLSv1.2') => {
      const cctx = await peer.createContext({ role: 'client', ca: p.ca, certificate: chain, privateKey: p.key, minVersion: version, maxVersion: version });
      const c = cctx.createConnection({ serverName: 'localhost' }), s = sctx.createConnection();
      let failure: unknown = null;
      for (let i = 0; i < 10 && failure === null; i++) {
        try { c.handshake(); } catch { /* the server's alert, at the end */ }
        s.receive(c.takeOutgoing());
        try { s.handshake(); } catch (e) { failure = e; }
        c.receive(s.takeOutgoing());
      }
      ok(failure instanceof OpenSSLError, `${version}: ${String(failure)}`);
      match(failure.message, /excessive message size/);
      c.free();
      s.free();
      cctx.free();
    };
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) await refused(version); // OpenSSL's lazily made state
    const heap0 = ossl.stats().heapInUse;
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) await refused(version);
    ok(ossl.stats().heapInUse - heap0 < 4 * KiB, `the server kept ${ossl.stats().heapInUse - heap0} bytes of it`);
    sctx.free();
    await assertNoHandles(ossl, 'server');
  });

  test('records after close_notify are not read: the data before it arrives, then the end, no error', async () => {
    const ossl = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(ossl, 'TLSv1.3');
    const { c, s } = connect(cctx, sctx);
    s.write('before');
    s.shutdown(); // close_notify
    s.shutdownState = 0; // the hostile server forgets it sent one
    for (let i = 0; i < 100; i++) equal(s.write('after'), 'done');
    const { engine, seen } = engineClient(c);
    engine.receive(s.takeOutgoing());
    s.write('later still');
    engine.receive(s.takeOutgoing());
    equal(seen.text, 'before', 'only what came before close_notify');
    ok(seen.closed, 'the engine reported the end');
    equal(seen.errors.length, 0);
    ok(engine.finished);
    c.free();
    s.free();
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'after close_notify');
  });

  test('records after a fatal alert: one error, OpenSSL\'s reason, the rest ignored; the connection\'s error is sticky, no trap', async () => {
    const ossl = await load();
    const cctx = await clientContext(ossl, 'TLSv1.2'), sctx = await serverContext(ossl, 'TLSv1.3');
    const c = cctx.createConnection({ serverName: 'localhost' }), s = sctx.createConnection();
    const { engine, seen } = engineClient(c);
    engine.start();
    s.receive(concat(seen.out.splice(0)));
    let refused: unknown;
    try { s.handshake(); } catch (e) { refused = e; }
    ok(refused instanceof OpenSSLError, 'the TLS 1.3 server refuses a TLS 1.2 client');
    const alert = s.takeOutgoing();
    const junk = new Uint8Array(Array.from({ length: 500 }, () => record(23, Array(32).fill(0x41))).flat());
    engine.receive(concat([alert, junk]));
    engine.receive(junk);
    equal(seen.errors.length, 1, 'one error');
    const e = seen.errors[0];
    ok(e instanceof OpenSSLError, String(e));
    match(e.message, /alert protocol version/);
    ok(engine.finished);
    // The object layer: more bytes are taken (up to the limit) but every operation throws the same error.
    c.receive(junk.subarray(0, 1000));
    for (const op of [() => c.read(), () => c.handshake(), () => c.write('x')]) {
      let again: unknown;
      try { op(); } catch (x) { again = x; }
      equal(again, e, 'the same, sticky error');
    }
    c.free();
    s.free();
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'after a fatal alert');
  });

  test('a record cut short, then EOF: OpenSSL\'s "unexpected eof while reading", through the engine and the object layer', async () => {
    const ossl = await load();
    const cctx = await clientContext(ossl, 'TLSv1.3'), sctx = await serverContext(ossl, 'TLSv1.3');
    for (const via of ['engine', 'connection'] as const) {
      const { c, s } = connect(cctx, sctx);
      s.write('x'.repeat(1000));
      const wire = s.takeOutgoing();
      let e: unknown;
      if (via === 'engine') {
        const { engine, seen } = engineClient(c);
        engine.receive(wire.subarray(0, wire.length - 10));
        engine.receiveEnd();
        equal(seen.errors.length, 1);
        e = seen.errors[0];
        ok(engine.finished);
      } else {
        c.receive(wire.subarray(0, wire.length - 10));
        equal(c.read().data.length, 0, 'nothing of a partial record');
        c.receiveEnd();
        try { c.read(); } catch (x) { e = x; }
      }
      ok(e instanceof OpenSSLError, `${via}: ${String(e)}`);
      match(e.message, /unexpected eof while reading/);
      c.free();
      s.free();
    }
    cctx.free();
    sctx.free();
    await assertNoHandles(ossl, 'truncated');
  });
});

suite('hostile peer: a handshake that never finishes', test => {
  test('a TLS stream (Deno, WebSocket, Web Streams) arms a 30 s handshakeTimeout by default; when it fires the stream fails and frees its connection', async () => {
    const ossl = await load();
    const sctx = await serverContext(ossl, 'TLSv1.3');
    const [, silent] = pipePair(); // a client that connects and says nothing
    let stream!: ReturnType<typeof tlsOverStreams>;
    const fire = await catchTimer(30_000, () => { stream = tlsOverStreams(sctx.createConnection(), silent); });
    ok(fire, 'a 30 s timer was armed');
    equal(ossl.stats().handles.Connection, 1);
    fire();
    const e = await rejects(stream.handshake);
    match((e as Error).message, /TLS handshake timed out after 30000 ms/);
    await rejects(stream.closed);
    equal(ossl.stats().handles.Connection, 0, 'the connection was freed');
    sctx.free();
  });
});
