// Issue 12, in memory (every runtime): SSL_trace's text through onTrace (context and connection
// level, beside onMessage, its trace BIO drained at each message), and keying material: the
// exporters of RFC 5705 (TLS 1.2) and RFC 8446 7.5 (TLS 1.3) recomputed here with WebCrypto from
// what the connection gives (randoms, master key, the key log's EXPORTER_SECRET), so each getter is
// checked against the TLS definitions, not only against the other end.
import { CallbackError, FreedHandleError, handshakeInMemory, OpenSSL, ReentrantCallError, type Connection, type TLSMessage } from '../../ts/index.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { deepEqual, equal, match, notEqual, ok, throws } from '../lib/assert.ts';
import { assertFlat, assertNoHandles } from '../lib/leaks.ts';
import { suite } from '../lib/suite.ts';
import { clientContext, close, connect, load, pki, serverContext } from '../lib/tls.ts';
import { hex, unhex } from '../lib/bytes.ts';
import { concat } from '../../ts/raw/bytes.ts';
import { expandLabel, hmac } from '../lib/tls-kdf.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => concat(parts);

/** TLS 1.2's PRF (RFC 5246, 5): P_hash(secret, label + seed). */
async function prf12(hash: 'SHA-256' | 'SHA-384', secret: Uint8Array, label: string, seed: Uint8Array, n: number): Promise<Uint8Array> {
  const s = cat(utf8(label), seed);
  let a: Uint8Array = s;
  const out: Uint8Array[] = [];
  for (let got = 0; got < n;) {
    a = await hmac(hash, secret, a);
    const block = await hmac(hash, secret, cat(a, s));
    out.push(block);
    got += block.length;
  }
  return cat(...out).slice(0, n);
}

/** RFC 5705, 4: PRF(master, label, client_random + server_random [+ context length + context]). */
function rfc5705(hash: 'SHA-256' | 'SHA-384', c: Connection, label: string, n: number, context?: Uint8Array) {
  const ctx = context ? cat(new Uint8Array([context.length >> 8, context.length & 255]), context) : new Uint8Array(0);
  return prf12(hash, c.masterKey()!, label, cat(c.clientRandom, c.serverRandom, ctx), n);
}

/** RFC 8446, 7.5: HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""), "exporter", Hash(context), n). */
async function tls13Exporter(hash: 'SHA-256' | 'SHA-384', exporterSecret: Uint8Array, label: string, context: Uint8Array, n: number) {
  const h = async (d: Uint8Array) => new Uint8Array(await crypto.subtle.digest(hash, d as Uint8Array<ArrayBuffer>));
  const derived = await expandLabel(hash, exporterSecret, label, await h(new Uint8Array(0)), exporterSecret.length);
  return expandLabel(hash, derived, 'exporter', await h(context), n);
}

/** A client and server context pair, traced into `texts` by role unless told otherwise. */
async function tracedPair(ossl: OpenSSL, version: 'TLSv1.2' | 'TLSv1.3', texts: { client: string[]; server: string[] }, extra = {}) {
  const server = await serverContext(ossl, version, { onTrace: t => { texts.server.push(t); }, ...extra });
  const client = await clientContext(ossl, version, { onTrace: t => { texts.client.push(t); }, ...extra });
  return { client, server };
}

/** The handshake messages' lines (`    ClientHello, Length=...`) of a trace, without their lengths. */
const messageLines = (text: string) => (text.match(/^ {4}[A-Za-z]+, Length=\d+$/gm) ?? []).map(l => l.replace(/=\d+/, '='));

suite('Trace and keying material', test => {
  test('onTrace gives SSL_trace\'s text, one call a message, as `openssl s_client -trace` prints it', async () => {
    const ossl = await load();
    const texts = { client: [] as string[], server: [] as string[] };
    const { client, server } = await tracedPair(ossl, 'TLSv1.3', texts);
    const { c, s } = connect(client, server);
    const seen: Connection[] = [];
    c.onTrace = (t, conn) => { texts.client.push(t); seen.push(conn); };
    ok(c.write('hello') === 'done');
    s.receive(c.takeOutgoing());
    equal(new TextDecoder().decode(s.read().data), 'hello');
    close(c, s);
    ok(seen.length > 0 && seen.every(x => x === c), 'the listener is told its connection');
    const client13 = texts.client.join(''), server13 = texts.server.join('');
    // SSL_trace's own lines (ssl/t1_trce.c): the record header, the messages with their fields.
    match(client13, /^Sent TLS Record\nHeader:\n {2}Version = TLS 1\.0 \(0x301\)\n {2}Content Type = Handshake \(22\)\n {2}Length = \d+\n {4}ClientHello, Length=\d+\n {6}client_version=0x303 \(TLS 1\.2\)\n {6}Random:\n/);
    for (const line of ['    ServerHello, Length=', '    EncryptedExtensions, Length=', '    Certificate, Length=', '    CertificateVerify, Length=',
      '    Finished, Length=', '  Inner Content Type = Handshake (22)', '        extension_type=supported_versions(43)', '    NewSessionTicket, Length=',
      '  Inner Content Type = ApplicationData (23)', '    Level=warning(1), description=close notify(0)']) {
      ok(client13.includes(line), `the client's trace has ${JSON.stringify(line)}`);
    }
    ok(texts.client.every(t => t.endsWith('\n')) && texts.server.every(t => t.endsWith('\n')), 'each text ends its lines');
    // What one side sent is what the other received: the same messages, in the same order.
    deepEqual(messageLines(server13), messageLines(client13));
    const hello = (t: string, dir: string) => new RegExp(`^${dir} TLS Record\\n[\\s\\S]*?(?=^(Sent|Received) )`, 'm').exec(t)?.[0].replace(/^(Sent|Received)/, '');
    equal(hello(server13, 'Received'), hello(client13, 'Sent'), 'the ClientHello the server printed is, line for line, the one the client printed');
    client.free(); server.free();
  });

  test('TLS 1.2 trace: ServerKeyExchange, ChangeCipherSpec, and the same messages on both sides', async () => {
    const ossl = await load();
    const texts = { client: [] as string[], server: [] as string[] };
    const { client, server } = await tracedPair(ossl, 'TLSv1.2', texts);
    const { c, s } = connect(client, server);
    close(c, s);
    const t = texts.client.join('');
    for (const line of ['    ServerKeyExchange, Length=', '    ServerHelloDone, Length=', '    ClientKeyExchange, Length=', '    change_cipher_spec (1)', '    NewSessionTicket, Length=']) {
      ok(t.includes(line), `the client's trace has ${JSON.stringify(line)}`);
    }
    ok(!t.includes('Inner Content Type'), 'no TLS 1.3 inner content types');
    deepEqual(messageLines(texts.server.join('')), messageLines(t));
    client.free(); server.free();
  });

  test('connection-level onTrace, beside the context\'s onMessage: both are called; turned off, onMessage still is', async () => {
    const ossl = await load();
    const messages: TLSMessage[] = [];
    const server = await serverContext(ossl, 'TLSv1.3');
    const client = await clientContext(ossl, 'TLSv1.3', { onMessage: m => { messages.push(m); } });
    const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
    equal(c.onTrace, null, 'no trace unless asked for');
    const texts: string[] = [];
    c.onTrace = t => { texts.push(t); };
    handshakeInMemory(c, s);
    ok(texts.length > 0 && messages.length > 0);
    // One text for each message SSL_trace prints (every message but the record layer's own events).
    equal(texts.length, messages.length, 'a text for each message the message callback saw');
    c.onTrace = null;
    const [nTexts, nMessages] = [texts.length, messages.length];
    ok(c.write('x') === 'done');
    ok(messages.length > nMessages, 'onMessage is still called once the trace is off');
    equal(texts.length, nTexts, 'no more trace');
    c.messageHook = false;
    c.onTrace = t => { texts.push(t); };
    const beforeWrite = messages.length;
    ok(c.write('y') === 'done');
    ok(texts.length > nTexts, 'traced again');
    equal(messages.length, beforeWrite, 'with the message hook off, onMessage is not called even while traced');
    throws(() => { c.onTrace = 'no' as never; }, TypeError);
    throws(() => ossl.createContext({ role: 'client', onTrace: 1 as never }), TypeError);
    close(c, s);
    throws(() => c.onTrace, FreedHandleError);
    client.free(); server.free();
  });

  test('the trace BIO is drained at each message: empty after every call, linear memory flat over 200 records', async () => {
    const ossl = await load();
    let chars = 0;
    const { capi } = ossl.raw;
    const pending = (c: Connection) => capi.BIO_ctrl_pending(capi.OSW_SSL_get0_trace_bio(c.pointer));
    const payload = new Uint8Array(1000).fill(7);
    await assertFlat(ossl, 'traced connection', async () => {
      const server = await serverContext(ossl, 'TLSv1.3');
      const client = await clientContext(ossl, 'TLSv1.3', { onTrace: t => { chars += t.length; } });
      const { c, s } = connect(client, server);
      equal(pending(c), 0);
      for (let i = 0; i < 200; i++) {
        ok(c.write(payload) === 'done');
        s.receive(c.takeOutgoing());
        equal(s.read().data.length, 1000);
        equal(pending(c), 0, 'nothing left in the trace BIO');
      }
      close(c, s);
      client.free(); server.free();
    });
    ok(chars > 3 * 200 * 100, `the text was delivered (${chars} characters)`);
  });

  test('inside onTrace: another operation on the connection is a ReentrantCallError; a throw fails the connection; freeing it is safe', async () => {
    const ossl = await load();
    const server = await serverContext(ossl, 'TLSv1.3'), client = await clientContext(ossl, 'TLSv1.3');
    let inner: unknown = null;
    let c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
    c.onTrace = (_t, conn) => { if (inner === null) { try { conn.write('x'); inner = 'no error'; } catch (e) { inner = e; } } };
    handshakeInMemory(c, s);
    ok(inner instanceof ReentrantCallError, String(inner));
    close(c, s);
    c = client.createConnection({ serverName: 'localhost' });
    s = server.createConnection();
    c.onTrace = () => { throw new Error('listener failed'); };
    const e = throws(() => c.handshake(), CallbackError) as CallbackError;
    match(String((e as { cause?: unknown }).cause ?? e.message), /listener failed/);
    ok(c.error instanceof CallbackError, 'sticky');
    c.free(); s.free();
    c = client.createConnection({ serverName: 'localhost' });
    c.onTrace = (_t, conn) => conn.free();
    throws(() => c.handshake(), FreedHandleError);
    equal(c.alive, false);
    client.free(); server.free();
    await assertNoHandles(ossl, 'onTrace that frees its connection');
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: exportKeyingMaterial is the same on both ends and is the RFC's exporter, with and without context`, async () => {
      const ossl = await load();
      const secrets = new Map<string, Uint8Array>();
      // AES-128-GCM-SHA256 suites: the PRF / HKDF hash is SHA-256.
      const server = await serverContext(ossl, version);
      const client = await clientContext(ossl, version, {
        cipherSuites: 'TLS_AES_128_GCM_SHA256', cipherList: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256',
        keylog: line => { const [label, , secret] = line.split(' '); secrets.set(label, unhex(secret)); },
      });
      const { c, s } = connect(client, server);
      const label = 'EXPERIMENTAL openssl-wasm', context = utf8('some context');
      const none = c.exportKeyingMaterial(32, label), withCtx = c.exportKeyingMaterial(32, label, context);
      const empty = c.exportKeyingMaterial(32, label, new Uint8Array(0));
      deepEqual(s.exportKeyingMaterial(32, label), none, 'no context: equal on both ends');
      deepEqual(s.exportKeyingMaterial(32, label, context), withCtx, 'with context: equal on both ends');
      notEqual(hex(withCtx), hex(none));
      notEqual(hex(c.exportKeyingMaterial(32, 'EXPERIMENTAL other')), hex(none), 'the label matters');
      equal(c.exportKeyingMaterial(100, label).length, 100);
      if (version === 'TLSv1.2') {
        // RFC 5705 tells "no context" from an empty one; the definition, from this connection's randoms and master key.
        notEqual(hex(empty), hex(none), 'TLS 1.2: an empty context is not "no context"');
        deepEqual(none, await rfc5705('SHA-256', c, label, 32));
        deepEqual(withCtx, await rfc5705('SHA-256', c, label, 32, context));
        deepEqual(empty, await rfc5705('SHA-256', c, label, 32, new Uint8Array(0)));
        // The key log's CLIENT_RANDOM line names this client random and holds this master key.
        deepEqual(secrets.get('CLIENT_RANDOM'), c.masterKey());
      } else {
        // RFC 8446 7.5: no context is an empty context; the definition, from the key log's exporter secret.
        deepEqual(empty, none, 'TLS 1.3: no context is an empty context');
        const exporter = secrets.get('EXPORTER_SECRET');
        ok(exporter, 'the key log gave the exporter secret');
        deepEqual(none, await tls13Exporter('SHA-256', exporter, label, new Uint8Array(0), 32));
        deepEqual(withCtx, await tls13Exporter('SHA-256', exporter, label, context, 32));
        for (const k of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']) {
          equal(secrets.get(k)?.length, 32, `the key log gave ${k}`);
        }
        equal(c.masterKey()?.length, 32, 'TLS 1.3: the resumption master secret');
      }
      close(c, s);
      client.free(); server.free();
    });
  }

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: exportKeyingMaterial's bounds are OpenSSL's, checked before the label and context are copied in`, async () => {
      const ossl = await load();
      const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
      const { c, s } = connect(client, server);
      // TLS 1.3: a label of at most 249 bytes (TLS13_MAX_LABEL_LEN); TLS 1.2 has none (1024 here).
      // A context of at most 0xffff bytes (RFC 5705's 16-bit length, which OpenSSL checks for TLS 1.2).
      const longest = version === 'TLSv1.3' ? 249 : 1024;
      deepEqual(c.exportKeyingMaterial(16, 'L'.repeat(longest)), s.exportKeyingMaterial(16, 'L'.repeat(longest)), `a ${longest}-byte label exports`);
      deepEqual(c.exportKeyingMaterial(16, 'x', new Uint8Array(0xffff)), s.exportKeyingMaterial(16, 'x', new Uint8Array(0xffff)), 'a 0xffff-byte context exports');
      const memory = ossl.stats().memorySize;
      match((throws(() => c.exportKeyingMaterial(16, 'L'.repeat(longest + 1)), RangeError) as Error).message,
        new RegExp(`^exportKeyingMaterial: label is at most ${longest} bytes .*got ${longest + 1} characters; nothing was copied into linear memory$`));
      throws(() => c.exportKeyingMaterial(16, 'x', new Uint8Array(0x10000)), RangeError);
      throws(() => c.exportKeyingMaterial(16, 'x', new Uint8Array(1 << 30)), RangeError);
      equal(ossl.stats().memorySize, memory, 'the refused inputs were not copied into linear memory');
      close(c, s);
      client.free(); server.free();
    });
  }

  test('client and server randoms, Finished messages and the master key agree across the two ends', async () => {
    const ossl = await load();
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const server = await serverContext(ossl, version), client = await clientContext(ossl, version);
      const c = client.createConnection({ serverName: 'localhost' }), s = server.createConnection();
      equal(hex(c.clientRandom), '0'.repeat(64), 'zeros before the ClientHello');
      equal(c.masterKey(), null, 'no session, no master key');
      throws(() => c.exportKeyingMaterial(16, 'x'), Error);
      handshakeInMemory(c, s);
      deepEqual(s.clientRandom, c.clientRandom);
      deepEqual(s.serverRandom, c.serverRandom);
      equal(c.clientRandom.length, 32);
      notEqual(hex(c.clientRandom), hex(c.serverRandom));
      deepEqual(c.finished, s.peerFinished);
      deepEqual(s.finished, c.peerFinished);
      equal(c.finished!.length, version === 'TLSv1.2' ? 12 : /SHA384/.test(c.cipher!) ? 48 : 32, 'verify_data: 12 bytes in TLS 1.2, the hash length in TLS 1.3');
      if (version === 'TLSv1.2') deepEqual(c.masterKey(), s.masterKey(), 'TLS 1.2: one master secret');
      throws(() => c.exportKeyingMaterial(0, 'x'), RangeError);
      throws(() => c.exportKeyingMaterial(16, 3 as never), TypeError);
      throws(() => c.exportKeyingMaterial(16, 'x', 'ctx' as never), TypeError);
      close(c, s);
      throws(() => c.clientRandom, FreedHandleError);
      throws(() => c.masterKey(), FreedHandleError);
      client.free(); server.free();
    }
  });

  // ---- README.md "## Experiments", run as written (only the PEM texts, the module's location and console.log differ)

  test('README: Trace', async () => {
    const { cert: certPem, key: keyPem, ca: caPem } = await pki();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = ossl.createContext({ role: 'server', certificate: certPem, privateKey: keyPem });
    let trace = '';
    const client = ossl.createContext({ role: 'client', ca: caPem, onTrace: text => { trace += text; } });
    {
      using c = client.createConnection({ serverName: 'localhost' });
      using s = server.createConnection();
      handshakeInMemory(c, s);
    }
    // The README's lines, lengths included (the default ClientHello: SNI, the default groups and key shares).
    match(trace, /^Sent TLS Record\nHeader:\n {2}Version = TLS 1\.0 \(0x301\)\n {2}Content Type = Handshake \(22\)\n {2}Length = 1505\n {4}ClientHello, Length=1501\n {6}client_version=0x303 \(TLS 1\.2\)\n/);
    client.free(); server.free();
    equal(Object.values(ossl.stats().handles).reduce((a, b) => a + b, 0), 0);
  });

  test('README: Keying material', async () => {
    const { cert: certPem, key: keyPem, ca: caPem } = await pki();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const secrets = new Map();
    const server = ossl.createContext({ role: 'server', certificate: certPem, privateKey: keyPem });
    const client = ossl.createContext({ role: 'client', ca: caPem, keylog: line => secrets.set(line.split(' ')[0], line) });
    {
      using c = client.createConnection({ serverName: 'localhost' });
      using s = server.createConnection();
      handshakeInMemory(c, s);
      const a = c.exportKeyingMaterial(32, 'EXPERIMENTAL my-protocol', new TextEncoder().encode('ctx'));
      const b = s.exportKeyingMaterial(32, 'EXPERIMENTAL my-protocol', new TextEncoder().encode('ctx'));
      equal(`${a.every((x, i) => x === b[i])} ${c.clientRandom.length} ${secrets.has('EXPORTER_SECRET')}`, 'true 32 true');
    }
    client.free(); server.free();
    equal(Object.values(ossl.stats().handles).reduce((a, b) => a + b, 0), 0);
  });
});
