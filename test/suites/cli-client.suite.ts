// `openssl-wasm s_client`'s report and flags against native peers on 127.0.0.1: the certificate
// chain, CA names, signature and key-exchange lines, verification, -showcerts, -brief, -verify,
// -CApath, -status, -starttls. Lines are compared with native `openssl s_client` (Debian's 3.0)
// where 3.0 prints them as 3.5 does; where 3.5 changed the form (names as `CN=x` instead of
// `CN = x`, `Peer Temp Key` for `Server Temp Key`, key and signature names), the 3.5 form is checked
// and the values compared after undoing only that change of form.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { createServer, OpenSSL } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { cli, lines, Input, oneLineError } from '../io/cli-run.ts';
import { fixturePath, openssl, sClient, sServer, tempDir, until } from '../io/peers.ts';
import { settled } from '../lib/wait.ts';

const CA = fixturePath('ca.pem');

/** 3.0's default name form (`CN = x, O = y`) in 3.5's (`CN=x, O=y`). */
const as35 = (text: string) => text.replace(/ = /g, '=');

/** The lines of `text` matching `re` (multi-line). */

/** The `Certificate chain` block of a report, up to the next `---`. */
const chainBlock = (text: string) => /\nCertificate chain\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? '';

const PEM = /-----BEGIN CERTIFICATE-----\n[\s\S]*?-----END CERTIFICATE-----\n/g;

/** Native s_client with the same arguments, input ended after its report; its whole output (stdout and stderr). */
function nativeClient(args: string[]): Promise<string> {
  return sClient(args, out => /Verify return code: /.test(out));
}

/** Input that ends once the output shows `text`, with the options that make it so. */
function endWhen(text: string) {
  const input = new Input(undefined, false);
  return { input, options: { ms: 20_000, onOut: (out: string) => { if (out.includes(text)) input.end(); } } };
}

/** A plaintext server that speaks `script`'s preamble, then hands the socket to Node's tls and says `hello`. */
async function startTLSServer(script: (sock: net.Socket, lines: AsyncIterator<string>) => Promise<boolean>) {
  const key = readFileSync(fixturePath('server.key')), cert = readFileSync(fixturePath('server.pem'));
  const server = net.createServer(sock => {
    sock.on('error', () => undefined);
    let buf = '';
    const waiting: ((l: string) => void)[] = [];
    const queued: string[] = [];
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i; (i = buf.indexOf('\n')) >= 0;) {
        const line = buf.slice(0, i + 1);
        buf = buf.slice(i + 1);
        const w = waiting.shift();
        if (w) w(line); else queued.push(line);
      }
    };
    sock.on('data', onData);
    const lineIter: AsyncIterator<string> = {
      next: () => new Promise(r => {
        const q = queued.shift();
        if (q !== undefined) r({ value: q, done: false });
        else waiting.push(l => r({ value: l, done: false }));
      }),
    };
    void script(sock, lineIter).then(upgrade => {
      sock.off('data', onData);
      if (!upgrade) { sock.end(); return; }
      const secure = new tls.TLSSocket(sock, { isServer: true, key, cert });
      secure.on('error', () => undefined);
      secure.on('secure', () => secure.write('hello over TLS\n'));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>(r => server.close(() => r())) };
}

/** The preamble of each -starttls protocol, server side; `refuse` answers the upgrade with an error. */
function preamble(proto: string, refuse = false, heard: string[] = []) {
  return async (sock: net.Socket, lines: AsyncIterator<string>): Promise<boolean> => {
    const read = async () => (await lines.next()).value as string;
    switch (proto) {
      case 'smtp':
        sock.write('220-mail.test ESMTP\r\n220 ready\r\n');
        heard.push(await read()); // EHLO
        sock.write('250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        await read(); // STARTTLS
        sock.write(refuse ? '454 4.7.0 TLS not available\r\n' : '220 2.0.0 Ready to start TLS\r\n');
        return !refuse;
      case 'imap':
        sock.write('* OK IMAP4rev1 ready\r\n');
        await read(); // . CAPABILITY
        sock.write('* CAPABILITY IMAP4rev1 STARTTLS\r\n. OK CAPABILITY completed\r\n');
        await read(); // . STARTTLS
        sock.write(refuse ? '. NO not now\r\n' : '. OK Begin TLS negotiation now\r\n');
        return !refuse;
      case 'pop3':
        sock.write('+OK POP3 ready\r\n');
        await read(); // STLS
        sock.write(refuse ? '-ERR no\r\n' : '+OK Begin TLS negotiation\r\n');
        return !refuse;
      case 'ftp':
        sock.write('220-Welcome\r\n220 FTP ready\r\n');
        await read(); // AUTH TLS
        sock.write(refuse ? '502 no\r\n' : '234 AUTH TLS successful\r\n');
        return !refuse;
      case 'xmpp': {
        // The client's stream header has no line end: wait for its '>'.
        await new Promise<void>(r => { let b = ''; const f = (d: Buffer) => { b += d; if (b.includes('>')) { sock.off('data', f); r(); } }; sock.on('data', f); });
        sock.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" +
          "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>");
        await new Promise<void>(r => { let b = ''; const f = (d: Buffer) => { b += d; if (b.includes('/>')) { sock.off('data', f); r(); } }; sock.on('data', f); });
        sock.write(refuse ? "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" : "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        return !refuse;
      }
    }
    return false;
  };
}

suite('openssl-wasm CLI s_client report', test => {
  for (const version of ['-tls1_3', '-tls1_2']) {
    test(`the full report (${version}): chain, server certificate, CA names, signature lines, key exchange, verification, as native s_client`, async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      // -verify makes native s_server send CA names; X25519 first and no hybrid group, so both
      // clients agree on the group (P-256 too: TLS 1.2 needs the certificate's curve offered).
      const server = await sServer(['-www', version, '-CAfile', CA, '-verify', '1', '-groups', 'X25519:P-256']);
      try {
        const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-groups', 'X25519:P-256', '-servername', 'localhost'];
        const ours = await cli(ossl, ['s_client', ...args]);
        equal(ours.code, 0, ours.err);
        const native = await nativeClient(args);
        const chain = chainBlock(ours.out), nativeChain = chainBlock(native);
        ok(chain, `a Certificate chain block:\n${ours.out}`);
        // s: and i: lines, and the validity lines, as native's.
        equal(lines(chain, /^ {1,2}\d+ s:.*$|^ {3}i:.*$|^ {3}v:.*$/).join('\n'), lines(as35(nativeChain), /^ {1,2}\d+ s:.*$|^ {3}i:.*$|^ {3}v:.*$/).join('\n'));
        match(chain, /^ 0 s:CN=localhost\n {3}i:CN=openssl-wasm test CA\n {3}a:PKEY: EC, \(prime256v1\); sigalg: ecdsa-with-SHA256\n {3}v:NotBefore: \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT; NotAfter: /,
          '3.5 names the key by type name and curve (print_cert_key_info)');
        // The server certificate: PEM then subject/issuer, as native (3.5's name form).
        const serverCert = /\nServer certificate\n([\s\S]*?)\n---\n/.exec(ours.out)?.[1] ?? '';
        equal(serverCert, as35(/\nServer certificate\n([\s\S]*?)\n---\n/.exec(native)?.[1] ?? '?'));
        equal(serverCert.match(PEM)?.[0], readFileSync(fixturePath('server.pem'), 'utf8'), 'the PEM is the server certificate');
        // CA names, sigalgs, the peer's signature.
        const block = (t: string) => /\nAcceptable client certificate CA names\n([\s\S]*?)\n(?=[A-Z][a-z])/.exec(t)?.[1];
        equal(block(ours.out), as35(block(native) ?? '?'), 'Acceptable client certificate CA names');
        equal(block(ours.out), 'CN=openssl-wasm test CA');
        // DSA is configured out of this build: OpenSSL names the server's DSA entries UNDEF.
        equal(lines(ours.out, /^Requested Signature Algorithms: .*$/).join(),
          lines(native, /^Requested Signature Algorithms: .*$/).join().replace(/(?<![A-Z])DSA\+SHA\d+/g, 'UNDEF'));
        // ... and shares none of them, where native 3.0 (with DSA) does.
        equal(lines(ours.out, /^Shared Requested Signature Algorithms: .*$/).join(),
          lines(native, /^Shared Requested Signature Algorithms: .*$/).join().replace(/:(?<![A-Z])DSA\+SHA\d+/g, ''));
        for (const re of [/^Client Certificate Types: .*$/, /^Peer signing digest: .*$/,
          /^Verification: .*$/, /^Server public key is .*$/, /^Verify return code: .*$/, /^New, .*$/]) {
          equal(lines(ours.out, re).join('|'), lines(native, re).join('|'), String(re));
        }
        equal(lines(ours.out, /^Verification: OK$/).length, 1, 'Verification: OK');
        match(ours.out, /\nPeer signature type: ecdsa_secp256r1_sha256\n/, '3.5 names the signature scheme (SSL_get0_peer_signature_name)');
        // 3.0: "Server Temp Key: X25519, 253 bits"; 3.5: "Peer Temp Key: X25519, 253 bits".
        equal(lines(ours.out, /^Peer Temp Key: .*$/).join(), lines(native, /^Server Temp Key: .*$/).join().replace('Server', 'Peer'));
        match(ours.out, /\nPeer Temp Key: X25519, 253 bits\n---\nSSL handshake has read \d+ bytes and written \d+ bytes\nVerification: OK\n---\nNew, /, 'the order of print_stuff');
        equal(JSON.stringify(ossl.stats().handles), JSON.stringify({ Context: 0, Connection: 0, Session: 0 }), 'every handle given back');
        // The printing borrows pointers and frees its BIOs and keys: five more runs leave the heap where
        // the first did (within a few bytes: the sizes of what a handshake allocates vary a little).
        const heap = ossl.stats().heapInUse;
        for (let i = 0; i < 5; i++) equal((await cli(ossl, ['s_client', ...args])).code, 0);
        const grown = ossl.stats().heapInUse - heap;
        ok(grown < 64, `no linear memory kept by the reports (grew ${grown} bytes in 5 runs)`);
      } finally {
        await server.stop();
      }
    });
  }

  test('TLS 1.3 without a classic share: "Negotiated TLS1.3 group" for a hybrid group (wasm server)', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const stop = new AbortController();
    let port = 0;
    const running = cli(ossl, ['s_server', '-accept', '0', '-cert', fixturePath('server.pem'), '-key', fixturePath('server.key'), '-www', '-naccept', '1'], null,
      { signal: stop.signal, ms: 30_000, onOut: out => { const m = /^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(out); if (m) port = Number(m[1]); } });
    try {
      await until(() => port > 0, 10_000, 'ACCEPT');
      const r = await cli(ossl, ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA, '-groups', 'X25519MLKEM768'], new Input('GET / HTTP/1.0\r\n\r\n'));
      equal(r.code, 0, r.err);
      match(r.out, /\nNegotiated TLS1\.3 group: X25519MLKEM768\n/, 'ssl_print_tmp_key: no peer temp key for a KEM group');
    } finally {
      stop.abort();
      await running;
    }
  });

  test('-showcerts: every certificate in the chain in PEM, the same as native; the server certificate not repeated', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www', '-CAfile', CA]); // native sends the CA too (auto chain from -CAfile)
    try {
      const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-showcerts'];
      const ours = await cli(ossl, ['s_client', ...args]);
      equal(ours.code, 0, ours.err);
      const native = await nativeClient(args);
      const pems = ours.out.match(PEM) ?? [];
      equal(pems.length, 2, 'two certificates, each once');
      equal(pems.join(''), (native.match(PEM) ?? []).join(''), 'the same PEM blocks as native -showcerts');
      equal(pems.join(''), readFileSync(fixturePath('server.pem'), 'utf8') + readFileSync(CA, 'utf8'));
      match(chainBlock(ours.out), /^ 0 s:CN=localhost\n[\s\S]*?-----BEGIN CERTIFICATE-----[\s\S]* 1 s:CN=openssl-wasm test CA\n/, 'each PEM under its chain entry');
      match(ours.out, /\nServer certificate\nsubject=CN=localhost\nissuer=CN=openssl-wasm test CA\n/, 'no second copy of the server certificate');
    } finally {
      await server.stop();
    }
  });

  test('-brief: no report on standard output; the summary on standard error, as native', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www', '-groups', 'X25519']);
    try {
      const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-groups', 'X25519', '-brief'];
      const ours = await cli(ossl, ['s_client', ...args]);
      equal(ours.code, 0, ours.err);
      equal(ours.out, '', 'nothing on standard output: no CONNECTED, no report, no ticket');
      const native = await sClient(args, out => /Temp Key: /.test(out));
      match(ours.err, /^CONNECTION ESTABLISHED\nProtocol version: TLSv1\.3\nCiphersuite: TLS_AES_256_GCM_SHA384\n/);
      for (const re of [/^Protocol version: .*$/, /^Ciphersuite: .*$/, /^Requested Signature Algorithms: .*$/, /^Hash used: .*$/, /^Verification: .*$/]) {
        equal(lines(ours.err, re).join('|'), lines(native, re).join('|'), String(re));
      }
      equal(lines(ours.err, /^Peer certificate: .*$/).join(), as35(lines(native, /^Peer certificate: .*$/).join()));
      match(ours.err, /\nSignature type: ecdsa_secp256r1_sha256\n/);
      match(ours.err, /\nPeer Temp Key: X25519, 253 bits\n/);
    } finally {
      await server.stop();
    }
  });

  test('-verify N: "verify depth is N" and the verify callback\'s lines on standard error as native, for a chain that verifies and one that does not', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www', '-CAfile', CA]);
    try {
      const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-verify', '2'];
      const ours = await cli(ossl, ['s_client', ...args]);
      equal(ours.code, 0, ours.err);
      const native = await nativeClient(args);
      const trace = (t: string) => lines(t, /^verify depth is .*$|^depth=.*$|^verify (return|error).*$/).join('\n');
      equal(trace(ours.err), as35(trace(native)));
      equal(trace(ours.err), 'verify depth is 2\ndepth=1 CN=openssl-wasm test CA\nverify return:1\ndepth=0 CN=localhost\nverify return:1');
      // Against an unrelated CA: the error native reports first, and the handshake goes on.
      const bad = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', fixturePath('other-ca.pem'), '-verify', '1'];
      const failed = await cli(ossl, ['s_client', ...bad]);
      equal(failed.code, 0, failed.err);
      const nativeFailed = await nativeClient(bad);
      equal(trace(failed.err), as35(trace(nativeFailed)), 'each step of the failed verification, as native');
      match(trace(failed.err), /\ndepth=1 CN=openssl-wasm test CA\nverify error:num=19:self-signed certificate in certificate chain\nverify return:1\n/);
      equal(lines(failed.out, /^Verification error: .*$/).join(), lines(nativeFailed, /^Verification error: .*$/).join());
    } finally {
      await server.stop();
    }
  });

  test('-CApath: a directory of CA certificates verifies as native -CApath (hashed with openssl rehash); a missing or empty one is one line', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www']);
    const dir = tempDir();
    try {
      const good = join(dir.path, 'good'), other = join(dir.path, 'other'), empty = join(dir.path, 'empty');
      for (const [d, f] of [[good, CA], [other, fixturePath('other-ca.pem')]] as const) {
        mkdirSync(d);
        copyFileSync(f, join(d, 'ca.pem'));
        equal((await openssl(['rehash', d])).code, 0, 'openssl rehash');
      }
      mkdirSync(empty);
      writeFileSync(join(empty, 'README'), 'no certificates here\n');
      for (const [d, want] of [[good, /^Verification: OK$/m], [other, /^Verification error: unable to verify the first certificate$/m]] as const) {
        const args = ['-connect', `127.0.0.1:${server.port}`, '-CApath', d, '-no-CAfile'];
        const ours = await cli(ossl, ['s_client', ...args]);
        equal(ours.code, 0, ours.err);
        match(ours.out, want);
        const native = await nativeClient(args);
        equal(lines(ours.out, /^Verif.*$/).join('|'), lines(native, /^Verif.*$/).join('|'), 'the verification lines of native -CApath');
      }
      // Hashed names are not needed here: every PEM file of the directory is read.
      const plain = join(dir.path, 'plain');
      mkdirSync(plain);
      copyFileSync(CA, join(plain, 'my-ca.pem'));
      match((await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CApath', plain, '-no-CAfile'])).out, /^Verification: OK$/m, 'an unhashed -CApath');
      oneLineError(await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CApath', empty]), /^s_client: CA directory .* holds no PEM certificate\n/, 'an empty -CApath');
      oneLineError(await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CApath', join(dir.path, 'nope')]), /^s_client: cannot read CA directory .*: no such file or directory \(ENOENT\)\n/, 'a missing -CApath');
    } finally {
      dir.remove();
      await server.stop();
    }
  });

  test('-status: a clear error, since this build of OpenSSL has no OCSP', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    oneLineError(await cli(ossl, ['s_client', '-connect', '127.0.0.1:1', '-status']), /^s_client: -status: OCSP stapling is not available: this build of OpenSSL is configured without OCSP/, '-status');
  });

  for (const proto of ['smtp', 'imap', 'pop3', 'ftp', 'xmpp']) {
    test(`-starttls ${proto}: the plaintext preamble, then TLS on the same connection; a refusal is one line`, async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      const server = await startTLSServer(preamble(proto));
      try {
        const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-starttls', proto];
        const { input, options } = endWhen('hello over TLS');
        const ours = await cli(ossl, ['s_client', ...args], input, options);
        equal(ours.code, 0, ours.err);
        match(ours.out, /\nVerification: OK\n[\s\S]*\nhello over TLS\n/, 'the handshake after the preamble, then the data');
        if (proto !== 'xmpp') {
          // Native s_client (3.0 speaks these the same way) against the same server: the same line on stderr.
          const native = await sClient(args, out => out.includes('hello over TLS'));
          const last = { smtp: '250 STARTTLS', imap: '. OK CAPABILITY completed', pop3: '+OK POP3 ready', ftp: '220 FTP ready' }[proto]!;
          ok(native.includes(`${last}\r\n`), `native writes the server's last line: ${native.slice(0, 300)}`);
          ok(ours.err.includes(`${last}\r\n`), `ours too: ${JSON.stringify(ours.err)}`);
        }
      } finally {
        await server.close();
      }
      const refusing = await startTLSServer(preamble(proto, true));
      try {
        oneLineError(await cli(ossl, ['s_client', '-connect', `127.0.0.1:${refusing.port}`, '-CAfile', CA, '-starttls', proto]),
          new RegExp(`^s_client: -starttls ${proto}: the server refused the upgrade: `), 'a refused upgrade');
      } finally {
        await refusing.close();
      }
    });
  }

  test('-starttls smtp -name: the EHLO host (default mail.example.com, as native)', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (const [extra, ehlo] of [[[], 'EHLO mail.example.com\r\n'], [['-name', 'client.test'], 'EHLO client.test\r\n']] as const) {
      const heard: string[] = [];
      const server = await startTLSServer(preamble('smtp', false, heard));
      try {
        const { input, options } = endWhen('hello over TLS');
        const r = await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-starttls', 'smtp', ...extra], input, options);
        equal(r.code, 0, r.err);
        equal(heard.join(''), ehlo);
      } finally {
        await server.close();
      }
    }
  });

  test('-starttls against a hostile server: a line that never ends, a reply that never ends, or a refusal of many lines is one line after a bound', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    /** Writes `piece` over and over, at the pace the client reads it, until it hangs up (at most `times`). */
    const flood = async (sock: net.Socket, piece: string, times: number) => {
      for (let n = 0; n < times && !sock.destroyed; n++) {
        if (!sock.write(piece)) await new Promise(r => { sock.once('drain', r); sock.once('close', r); });
      }
    };
    // Each server floods well past the bound, then stops: a client without the bound would wait for
    // more and fail with "no reply" instead.
    const cases: [string, (sock: net.Socket) => Promise<void>, RegExp][] = [
      ['imap', async sock => { sock.write('* OK IMAP4rev1 ready\r\n'); await flood(sock, 'x'.repeat(4096), 1024); },
        /^s_client: -starttls imap: the server sent a line longer than 16384 bytes \(s_client's BUFSIZZ\) while reading the CAPABILITY reply\n/],
      ['smtp', async sock => { sock.write('220 ready\r\n'); await flood(sock, '250-PIPELINING\r\n', 100_000); },
        /^s_client: -starttls smtp: the server's reply ran past 1000 lines while reading the EHLO reply\n/],
      ['ftp', async sock => { await flood(sock, '220-Welcome\r\n', 100_000); },
        /^s_client: -starttls ftp: the server's reply ran past 1000 lines while reading the greeting\n/],
      // A refusal of many lines (one read, up to 16 KiB): one line, cut short.
      ['xmpp', async sock => {
        let heard = '';
        sock.on('data', d => {
          const before = heard;
          heard += d;
          if (!before) sock.write("<stream:stream><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
          else if (heard.includes('<starttls') && !before.includes('<starttls')) sock.write(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n${'<junk/>\n'.repeat(1000)}`);
        });
      }, /^s_client: -starttls xmpp: the server refused the upgrade: <failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'\/> <junk\/> .{100,200}\.\.\.\n$/],
    ];
    for (const [proto, script, error] of cases) {
      const sockets: net.Socket[] = [];
      const server = net.createServer(sock => { sockets.push(sock); sock.on('error', () => undefined); void script(sock); });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
      try {
        const port = (server.address() as net.AddressInfo).port;
        oneLineError(await cli(ossl, ['s_client', '-connect', `127.0.0.1:${port}`, '-starttls', proto]), error, `a hostile ${proto} server`);
      } finally {
        // The server never reads, so it may not have seen the client hang up.
        for (const sock of sockets) sock.destroy();
        await new Promise<void>(r => server.close(() => r()));
      }
    }
  });

  test('standard input to a server that does not read: s_client reads it only as the connection takes it, not all into memory', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL }), peer = await OpenSSL.load({ wasm: wasmURL });
    // The Node adapter's server (Deno's node:tls server reads on while paused): a socket paused
    // stops reading its transport, so what the client sends fills the kernel's buffers, then waits.
    const sockets: { destroy(): void }[] = [];
    const server = createServer({ openssl: peer, key: readFileSync(fixturePath('server.key'), 'utf8'), cert: readFileSync(fixturePath('server.pem'), 'utf8') }, s => {
      sockets.push(s);
      s.on('error', () => undefined);
      s.pause();
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    // 64 MiB of input, made as it is read.
    const CHUNKS = 1024, chunk = new Uint8Array(64 * 1024).fill(0x61);
    let pulled = 0;
    const stdin = { async *[Symbol.asyncIterator]() { while (pulled < CHUNKS) { pulled++; yield chunk; } } };
    const stop = new AbortController();
    try {
      const port = (server.address() as net.AddressInfo).port;
      const run = cli(ossl, ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA, '-quiet'], stdin, { signal: stop.signal, ms: 55_000 });
      await until(() => pulled > 0, 30_000, 's_client to connect and read its input');
      const read = await settled(() => pulled, 30_000, 's_client\'s reading of its input');
      ok(read < CHUNKS / 2, `s_client read ${read} of ${CHUNKS} chunks of 64 KiB while the server took none`);
      stop.abort();
      equal((await run).code, 0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>(r => server.close(() => r()));
    }
  });

  test('a server sending more than standard output takes: s_client stops reading it while stdout is full, then writes every byte', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL }), peer = await OpenSSL.load({ wasm: wasmURL });
    const TOTAL = 32 << 20, chunk = new Uint8Array(64 * 1024).fill(0x62);
    const sockets: { destroy(): void }[] = [];
    const server = createServer({ openssl: peer, key: readFileSync(fixturePath('server.key'), 'utf8'), cert: readFileSync(fixturePath('server.pem'), 'utf8') }, s => {
      sockets.push(s);
      s.on('error', () => undefined);
      let sent = 0;
      const pump = () => {
        while (sent < TOTAL) {
          sent += chunk.length;
          if (!s.write(chunk)) { s.once('drain', pump); return; }
        }
        s.end();
      };
      pump();
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    // Standard output as a pipe nobody reads, until `drain()`; each write counted.
    let full = true, writes = 0, drain!: () => void;
    const drained = new Promise<void>(r => { drain = r; });
    const slowStdout = { full: () => { writes++; return full; }, drained: () => drained };
    try {
      const port = (server.address() as net.AddressInfo).port;
      // -quiet: what s_client writes to stdout is the server's data alone.
      const run = cli(ossl, ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA, '-quiet'], new Input(undefined, false), { ms: 55_000, slowStdout });
      await until(() => writes > 0, 30_000, 'the first data on stdout');
      const whileFull = await settled(() => writes, 30_000, 'the writes to stdout');
      ok(whileFull < 64, `${whileFull} writes to stdout while it was full (of ${TOTAL / chunk.length} chunks the server sends)`);
      full = false;
      drain();
      const r = await run;
      equal(r.code, 0, r.err);
      equal(r.bytes.length, TOTAL, 'every byte, once stdout took them');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>(r => server.close(() => r()));
    }
  });

  test('-starttls with an unknown protocol is one line naming the supported ones', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    oneLineError(await cli(ossl, ['s_client', '-connect', '127.0.0.1:1', '-starttls', 'gopher']), /^s_client: -starttls: unknown protocol 'gopher' \(supported: smtp, imap, pop3, ftp, xmpp\)\n/, 'unknown -starttls');
  });
}, { runtimes: ['node', 'deno'] });
