// Connection's sans-I/O operations in the object layer: data both ways and shutdown(), ALPN, SNI,
// and the groups, cipherSuites and cipherList options.
// Each test loads its own instance and must leave it with no live handle and nothing finalized
// (checked after the test body by `objTest`, test/lib/object-world.ts).
import { constants as C, OpenSSLError, transfer, type Connection } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { shutdownBoth } from '../lib/tls.ts';
import { objectTest } from '../lib/object-world.ts';

suite('object layer: connections', test => {
  const objTest = objectTest(test);

  objTest('write/read both ways (up to 100 kB at once), then shutdown(): want-read, the peer reads closed, done', w => {
    const server = w.server(), client = w.client();
    const p = w.pair(client, server);
    assert.equal(p.c.isHandshakeDone, false);
    assert.equal(p.c.protocol, null);
    assert.equal(p.c.cipher, null);
    assert.equal(p.c.alpn, null);
    assert.equal(p.c.peerCertificate, null);
    assert.equal(p.c.session, null, 'no session before the handshake');
    assert.equal(p.c.write('early'), 'want-read', 'write() before the handshake starts it and waits for the server');
    p.connect();
    assert.ok(p.c.isHandshakeDone && p.s.isHandshakeDone);
    assert.equal(p.c.protocol, 'TLSv1.3');
    assert.equal(p.s.protocol, 'TLSv1.3');
    assert.equal(p.c.error, null);
    assert.deepEqual(p.c.verifyResult, { code: 0, message: 'ok' });
    assert.deepEqual(p.c.peerCertificate, w.p.certDER);
    assert.equal(p.s.peerCertificate, null, 'no client certificate');
    // write()'s contract: unless it returned 'done', nothing was taken (the call is to be repeated).
    assert.equal(p.read.server.length, 0, 'the write that returned want-read sent nothing');
    assert.equal(p.read.client.length, 0);

    assert.equal(p.c.write('ping'), 'done');
    assert.ok(p.c.wantsWrite && p.c.outgoingBytes > 4);
    transfer(p.c, p.s);
    assert.equal(p.c.wantsWrite, false);
    assert.deepEqual(p.s.read(), { data: new TextEncoder().encode('ping'), state: 'want-read' });
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    assert.equal(p.s.write(big), 'done');
    transfer(p.s, p.c);
    const got = p.c.read();
    assert.equal(got.state, 'want-read');
    assert.deepEqual(got.data, big, '100 kB across several records, in one read()');
    assert.deepEqual(p.c.read(), { data: new Uint8Array(0), state: 'want-read' }, 'nothing more');

    shutdownBoth(p.c, p.s);
    assert.equal(p.c.shutdownState, C.SSL_SENT_SHUTDOWN | C.SSL_RECEIVED_SHUTDOWN);
    assert.equal(p.s.shutdownState, C.SSL_SENT_SHUTDOWN | C.SSL_RECEIVED_SHUTDOWN);
    assert.equal(p.c.read().state, 'closed', 'read() keeps answering closed');
    p.free(); client.free(); server.free();
  });

  objTest("ALPN: the server's preference wins; a mismatch makes the server alert no_application_protocol", w => {
    const server = w.server({ alpn: ['h2', 'http/1.1'] });
    const agree = w.client({ alpn: ['http/1.1', 'h2'] });
    const p = w.pair(agree, server).connect();
    assert.equal(p.c.alpn, 'h2');
    assert.equal(p.s.alpn, 'h2');
    assert.equal(p.last().alpn, 'h2');
    p.free();

    const silent = w.client();
    const q = w.pair(silent, server).connect();
    assert.equal(q.c.alpn, null, 'a client offering nothing gets nothing');
    assert.equal(q.s.alpn, null);
    q.free();

    const plain = w.server();
    const r = w.pair(agree, plain).connect();
    assert.equal(r.c.alpn, null, 'a server without ALPN ignores the offer');
    r.free();

    const other = w.client({ alpn: ['spdy/1'] });
    const m = w.pair(other, server);
    m.c.handshake();
    transfer(m.c, m.s);
    const e = assert.throws(() => m.s.handshake(), OpenSSLError) as OpenSSLError;
    assert.match(e.message, /no application protocol/);
    const alert = m.s.takeOutgoing();
    assert.deepEqual(alert, new Uint8Array([21, 3, 3, 0, 2, 2, 120]), 'a fatal no_application_protocol alert');
    m.c.receive(alert);
    assert.match((assert.throws(() => m.c.handshake(), OpenSSLError) as Error).message, /tlsv1 alert no application protocol/);
    m.free();
    for (const x of [server, agree, silent, plain, other]) x.free();
  });

  objTest('SNI: the server sees the name the client sent; none for an IP address; a name the certificate lacks fails verification', w => {
    const server = w.server(), client = w.client();
    const p = w.pair(client, server, { serverName: 'server.test' }).connect();
    assert.equal(p.s.serverName, 'server.test');
    assert.equal(p.c.serverName, 'server.test');
    p.free();
    const ip = w.pair(client, server, { serverName: '127.0.0.1' }).connect();
    assert.equal(ip.s.serverName, null, 'no SNI for an IP address (RFC 6066)');
    assert.deepEqual(ip.c.verifyResult, { code: 0, message: 'ok' }, 'the IP is checked against the certificate instead');
    ip.free();
    const unchecked = w.pair(client, server, { serverName: 'example.org', checkHostName: false }).connect();
    assert.equal(unchecked.s.serverName, 'example.org', 'checkHostName: false still sends the name');
    unchecked.free();
    const wrong = w.pair(client, server, { serverName: 'example.org' });
    assert.match((assert.throws(() => wrong.connect(), OpenSSLError) as Error).message, /certificate verification: hostname mismatch/);
    assert.equal(wrong.c.verifyResult.code, 62);
    wrong.free();
    client.free(); server.free();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    objTest(`${version}: the keylog option gets NSS key log lines, the same on both sides, with the Connection`, w => {
      const lines: { side: string; line: string; conn: Connection | null }[] = [];
      const server = w.server({ maxVersion: version, keylog: (line, conn) => lines.push({ side: 's', line, conn }) });
      const client = w.client({ keylog: (line, conn) => lines.push({ side: 'c', line, conn }) });
      const p = w.pair(client, server).connect();
      const of = (side: string) => lines.filter(l => l.side === side);
      assert.ok(of('c').every(l => l.conn === p.c) && of('s').every(l => l.conn === p.s), 'each line comes with its Connection');
      const labels = (side: string) => of(side).map(l => l.line.split(' ')[0]).sort();
      const want = version === 'TLSv1.3'
        ? ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']
        : ['CLIENT_RANDOM'];
      assert.deepEqual(labels('c'), want);
      assert.deepEqual(of('c').map(l => l.line).sort(), of('s').map(l => l.line).sort(), 'both sides log the same secrets');
      const random = of('c')[0].line.split(' ')[1];
      for (const { line } of lines) assert.match(line, new RegExp(`^[A-Z_0-9]+ ${random} [0-9a-f]{64,96}$`));
      if (version === 'TLSv1.2') {
        const master = of('c')[0].line.split(' ')[2];
        assert.ok(p.last().printKeylog().includes(`Master-Key:${master.toUpperCase()}`), "the session's master key is the one logged");
      }
      p.free(); client.free(); server.free();
    });
  }

  objTest('groups, cipherSuites and cipherList options are honoured; an RSA certificate works as well', w => {
    const server = w.server(), dflt = w.client();
    const d = w.pair(dflt, server).connect();
    assert.equal(d.c.group, 'X25519MLKEM768', 'the default group');
    d.free();
    const p256 = w.client({ groups: 'P-256' });
    const g = w.pair(p256, server).connect();
    assert.equal(g.c.group, 'secp256r1');
    assert.equal(g.s.group, 'secp256r1');
    g.free();
    const chacha = w.client({ cipherSuites: 'TLS_CHACHA20_POLY1305_SHA256' });
    const c = w.pair(chacha, server).connect();
    assert.equal(c.c.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(c.s.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(c.last().cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    c.free();
    const tls12 = w.client({ maxVersion: 'TLSv1.2', cipherList: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
    const t = w.pair(tls12, server).connect();
    assert.equal(t.c.protocol, 'TLSv1.2');
    assert.equal(t.c.cipher, 'ECDHE-ECDSA-CHACHA20-POLY1305');
    t.free();
    const rsa = w.o.createContext({ role: 'server', certificate: w.p.rsaCert, privateKey: w.p.rsaKey, maxVersion: 'TLSv1.2' });
    const r = w.pair(dflt, rsa).connect();
    assert.match(r.c.cipher ?? '', /^ECDHE-RSA-/);
    assert.deepEqual(r.c.peerCertificate, w.p.rsaCertDER);
    assert.deepEqual(r.last().peerCertificate, w.p.rsaCertDER);
    r.free();
    const p384 = w.client({ groups: 'P-384' }), onlyP256 = w.server({ groups: 'P-256' });
    const n = w.pair(p384, onlyP256);
    assert.throws(() => n.connect(), OpenSSLError, 'no group in common');
    n.free();
    for (const x of [server, dflt, p256, chacha, tls12, rsa, p384, onlyP256]) x.free();
  });
});
