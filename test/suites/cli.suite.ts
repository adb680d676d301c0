// The `openssl-wasm` command-line tool (ts/cli.ts, ts/cli/) against native OpenSSL on 127.0.0.1:
// main() in-process for most cases, plus real processes: a fresh esbuild bundle of ts/cli.ts under
// node and under Deno, and the built bin, dist/cli.js, run through its #! line. The lines a user
// compares (New/Reused, Verify return code, Protocol  :, session files) are checked against what
// the native tools print for the same peer. Every wait is bounded.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenSSL } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { comparableX509Text, versionPrefix } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';
import { cli, cliBundle, Input, oneLineError, proc, root, SERVER_KEY, wasmServer } from '../io/cli-run.ts';
import { fixturePath, openssl, sClient, sServer, tempDir, until } from '../io/peers.ts';
const CA = fixturePath('ca.pem');

/** The lines a user compares between s_client runs. */
function keyLines(text: string): { newOrReused: string[]; verify: string[]; protocol: string[] } {
  return {
    newOrReused: text.match(/^(New|Reused), .*$/gm) ?? [],
    verify: text.match(/^Verify return code: .*$/gm) ?? [],
    protocol: text.match(/^ {4}Protocol {2}: .*$/gm) ?? [],
  };
}

/** A native session file: `openssl s_client -sess_out` against native `s_server`. */
async function nativeSession(dir: string, name: string, serverArgs: string[]): Promise<string> {
  const server = await sServer(serverArgs);
  const file = join(dir, name);
  try {
    await sClient(['-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', CA, '-sess_out', file],
      () => existsSync(file) && readFileSync(file).length > 0);
  } finally {
    await server.stop();
  }
  ok(existsSync(file) && readFileSync(file, 'utf8').startsWith('-----BEGIN SSL SESSION PARAMETERS-----'), `native s_client wrote ${name}`);
  return file;
}

suite('openssl-wasm CLI', test => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const flag = version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2';
    test(`s_client -> native s_server -www (${version}): -sess_out then -sess_in gives New then Reused; lines as native s_client's`, async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      const server = await sServer(['-www', flag]);
      const dir = tempDir();
      try {
        const sess = join(dir.path, 'sess.pem');
        const common = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', CA, '-ign_eof'];
        const get = 'GET / HTTP/1.0\r\n\r\n';
        const first = await cli(ossl, [...common, '-sess_out', sess], new Input(get));
        equal(first.code, 0, first.err);
        match(first.out, /^CONNECTED\([0-9A-F]{8}\)\n---\n/, 'CONNECTED and --- framing');
        const [clientPart, page1] = first.out.split('HTTP/1.0 200 ok');
        ok(page1, `the page arrived: ${first.out.slice(-300)}`);
        match(clientPart, new RegExp(`\\nNew, ${version.replace('.', '\\.')}, Cipher is \\S+\\nProtocol: ${version.replace('.', '\\.')}\\n`));
        match(clientPart, /\nVerification: OK\n/);
        match(page1, new RegExp(`\\nNew, ${version.replace('.', '\\.')}, Cipher is `), 'native s_server: a full handshake');
        ok(readFileSync(sess, 'utf8').startsWith('-----BEGIN SSL SESSION PARAMETERS-----'), 'a PEM session file');

        const second = await cli(ossl, [...common, '-sess_in', sess], new Input(get));
        equal(second.code, 0, second.err);
        const [clientPart2, page2] = second.out.split('HTTP/1.0 200 ok');
        match(clientPart2, new RegExp(`\\nReused, ${version.replace('.', '\\.')}, Cipher is `), 'the wasm client resumed');
        match(page2, new RegExp(`\\nReused, ${version.replace('.', '\\.')}, Cipher is `), 'native s_server resumed');

        // Native s_client against the same server, the same way: the lines a user compares agree.
        const native1 = await openssl([...common, '-sess_out', join(dir.path, 'n.pem')], get);
        const native2 = await openssl([...common, '-sess_in', join(dir.path, 'n.pem')], get);
        const [n1] = native1.out.split('HTTP/1.0 200 ok');
        const [n2] = native2.out.split('HTTP/1.0 200 ok');
        for (const [ours, theirs, which] of [[clientPart, n1, 'first'], [clientPart2, n2, 'second']] as const) {
          const a = keyLines(ours), b = keyLines(theirs);
          equal(a.newOrReused.join('|'), b.newOrReused.join('|'), `${which} connection: New/Reused line`);
          equal(a.verify.join('|'), b.verify.join('|'), `${which} connection: Verify return code lines`);
          if (version === 'TLSv1.2') equal(a.protocol.join('|'), b.protocol.join('|'), `${which} connection: Protocol  : line`);
        }
        if (version === 'TLSv1.3') {
          const ticket = /\nPost-Handshake New Session Ticket arrived:\nSSL-Session:\n( {4}Protocol {2}: .*)\n/;
          match(clientPart, /\n---\nPost-Handshake New Session Ticket arrived:\nSSL-Session:\n {4}Protocol {2}: TLSv1\.3\n/);
          equal(ticket.exec(first.out)?.[1], ticket.exec(native1.out)?.[1], 'Protocol  : line of the ticket, as native');
        }
        // The session file is what native writes: native sess_id reads it.
        const text = await openssl(['sess_id', '-in', sess, '-noout', '-text']);
        equal(text.code, 0, text.out);
        match(text.out, new RegExp(`Protocol {2}: ${version.replace('.', '\\.')}`));
      } finally {
        dir.remove();
        await server.stop();
      }
    });
  }

  test('s_client -reconnect: five reconnections with the session, reported as Reused (TLS 1.3 and 1.2), as native does for 1.2', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (const flag of ['-tls1_3', '-tls1_2']) {
      const server = await sServer(['-rev']); // (-naccept 16: a server for each protocol)
      try {
        const args = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-reconnect', flag];
        const r = await cli(ossl, args, null);
        equal(r.code, 0, r.err);
        // The verify callback's lines for the one full handshake, then the end of standard input, as native.
        equal(r.err, 'depth=1 CN=openssl-wasm test CA\nverify return:1\ndepth=0 CN=localhost\nverify return:1\nDONE\n');
        equal((r.out.match(/^CONNECTED\(/gm) ?? []).length, 6, 'six connections');
        equal((r.out.match(/^drop connection and then reconnect$/gm) ?? []).length, 5);
        const lines = keyLines(r.out).newOrReused;
        equal(lines.length, 6);
        match(lines[0], /^New, /);
        equal(lines.slice(1).filter(l => l.startsWith('Reused, ')).length, 5, `${flag}: five Reused lines: ${lines.join(' | ')}`);
        if (flag === '-tls1_2') {
          const native = await openssl(args.slice(0, -1).concat(flag));
          equal(keyLines(native.out).newOrReused.join('|'), lines.join('|'), 'the same New/Reused lines as native s_client -reconnect');
        }
      } finally {
        await server.stop();
      }
    }
  });

  test('native s_client -> wasm s_server -rev and -www: New then Reused, lines reversed, the page with the native line', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    try {
      // -rev: each line back reversed; CLOSE ends the connection.
      const rev = await wasmServer(ossl, [...SERVER_KEY, '-rev', '-naccept', '2']);
      const sess = join(dir.path, 'rev.pem');
      const common = ['s_client', '-connect', `127.0.0.1:${rev.port}`, '-servername', 'localhost', '-CAfile', CA, '-ign_eof', '-verify_return_error'];
      const a = await openssl([...common, '-sess_out', sess], 'hello world\nCLOSE\n');
      match(a.out, /\ndlrow olleh\n/);
      match(a.out, /\nNew, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384\n/);
      match(a.out, /\nVerify return code: 0 \(ok\)\n/);
      const b = await openssl([...common, '-sess_in', sess], 'abc\nCLOSE\n');
      match(b.out, /\ncba\n/);
      match(b.out, /\nReused, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384\n/);
      const revRun = await rev.running; // -naccept 2: it ends by itself
      equal(revRun.code, 0, revRun.err);
      equal((revRun.err.match(/^CONNECTION ESTABLISHED$/gm) ?? []).length, 2, revRun.err);
      match(revRun.out, /^ {3}1 session cache hits$/m, 'the server counted the resumption');

      // -www: the page has the native New/Reused line for the server's own view.
      for (const flag of ['-tls1_3', '-tls1_2']) {
        const www = await wasmServer(ossl, [...SERVER_KEY, '-www', '-naccept', '2', flag]);
        const wsess = join(dir.path, `www${flag}.pem`);
        const wcommon = ['s_client', '-connect', `127.0.0.1:${www.port}`, '-servername', 'localhost', '-CAfile', CA, '-ign_eof'];
        const get = 'GET / HTTP/1.0\r\n\r\n';
        const p1 = await openssl([...wcommon, '-sess_out', wsess], get);
        const p2 = await openssl([...wcommon, '-sess_in', wsess], get);
        const v = flag === '-tls1_3' ? 'TLSv1\\.3' : 'TLSv1\\.2';
        const [, page1] = p1.out.split('HTTP/1.0 200 ok');
        const [, page2] = p2.out.split('HTTP/1.0 200 ok');
        ok(page1 && page2, `pages arrived: ${p1.out.slice(-500)}`);
        match(page1, new RegExp(`<pre>\\n\\ns_server -accept 0 .*-www -naccept 2 ${flag} \\n`), 'the command line, as native');
        match(page1, new RegExp(`\\n---\\nNew, ${v}, Cipher is \\S+\\nSSL-Session:\\n {4}Protocol {2}: ${v}\\n`));
        match(page2, new RegExp(`\\n---\\nReused, ${v}, Cipher is \\S+\\nSSL-Session:\\n`));
        match(page2, /no client certificate available\n<\/pre><\/BODY><\/HTML>\r\n\r\n/);
        match(p2.out.split('HTTP/1.0 200 ok')[0], new RegExp(`\\nReused, ${v}, `), 'native s_client resumed');
        const wwwRun = await www.running;
        equal(wwwRun.code, 0, wwwRun.err);
        equal(wwwRun.err, '', 'nothing on stderr');
      }
    } finally {
      dir.remove();
    }
  });

  test('sess_id: a native -sess_out file to DER and back, byte-identical to native sess_id; -text shows the same lines', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    try {
      for (const [name, args] of [['tls13.pem', ['-tls1_3']], ['tls12.pem', ['-tls1_2']], ['tls12-id.pem', ['-tls1_2', '-no_ticket']]] as const) {
        const pemFile = await nativeSession(dir.path, name, [...args]);
        const ours = join(dir.path, `${name}.wasm.der`), theirs = join(dir.path, `${name}.native.der`);
        equal((await cli(ossl, ['sess_id', '-in', pemFile, '-outform', 'DER', '-out', ours])).code, 0);
        equal((await openssl(['sess_id', '-in', pemFile, '-outform', 'DER', '-out', theirs])).code, 0);
        const der = readFileSync(ours);
        ok(der.length > 0 && der.equals(readFileSync(theirs)), `${name}: DER identical to native sess_id's`);
        // DER on standard output, and from standard input (-inform DER, no -in), as native.
        const toStdout = await cli(ossl, ['sess_id', '-in', pemFile, '-outform', 'DER']);
        ok(Buffer.from(toStdout.bytes).equals(der), `${name}: DER on stdout`);
        const back = await cli(ossl, ['sess_id', '-inform', 'DER'], new Input(der));
        equal(back.out, readFileSync(pemFile, 'utf8'), `${name}: DER from stdin, PEM on stdout`);
        const ourPem = join(dir.path, `${name}.wasm.pem`), theirPem = join(dir.path, `${name}.native.pem`);
        equal((await cli(ossl, ['sess_id', '-in', theirs, '-inform', 'DER', '-outform', 'PEM', '-out', ourPem])).code, 0);
        equal((await openssl(['sess_id', '-in', theirs, '-inform', 'DER', '-outform', 'PEM', '-out', theirPem])).code, 0);
        equal(readFileSync(ourPem, 'utf8'), readFileSync(theirPem, 'utf8'), `${name}: PEM identical to native sess_id's`);
        equal(readFileSync(ourPem, 'utf8'), readFileSync(pemFile, 'utf8'), `${name}: PEM identical to native s_client's file`);
        // -text: the Session-ID, Protocol and Cipher lines as native prints them.
        const text = await cli(ossl, ['sess_id', '-in', pemFile, '-text', '-noout']);
        const nativeText = await openssl(['sess_id', '-in', pemFile, '-text', '-noout']);
        equal(text.code, 0, text.err);
        for (const re of [/^ {4}Session-ID: .*$/m, /^ {4}Protocol {2}: .*$/m, /^ {4}Cipher {4}: .*$/m, /^ {4}Session-ID-ctx: .*$/m, /^ {4}Master-Key: .*$|^ {4}Resumption PSK: .*$/m]) {
          const mine = text.out.match(re)?.[0], native = nativeText.out.match(re)?.[0];
          ok(mine, `${name}: ${re} in our -text`);
          equal(mine, native, `${name}: ${re}`);
        }
        match(text.out, /^SSL-Session:\n/);
        ok(!text.out.includes('-----BEGIN'), '-noout');
        // -cert: the server certificate, X509_print'ed after the session with -text, and in PEM: as native.
        const certText = await cli(ossl, ['sess_id', '-in', pemFile, '-text', '-cert', '-noout']);
        const nativeCertText = await openssl(['sess_id', '-in', pemFile, '-text', '-cert', '-noout']);
        const fromCert = (t: string) => t.slice(t.indexOf('\nCertificate:\n'));
        match(fromCert(certText.out), /^\nCertificate:\n {4}Data:\n/);
        equal(comparableX509Text(fromCert(certText.out)), comparableX509Text(fromCert(nativeCertText.out)), `${name}: -text -cert as native`);
        equal((await cli(ossl, ['sess_id', '-in', pemFile, '-cert'])).out, (await openssl(['sess_id', '-in', pemFile, '-cert'])).out, `${name}: -cert PEM as native`);
      }
    } finally {
      dir.remove();
    }
  });

  test('inputs that never end are read only up to their bound: sess_id from an endless stdin or -in /dev/zero, s_server -cert /dev/zero; one line naming the bound', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    let given = 0;
    const endless: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 64; i++) { given++; yield new Uint8Array(1 << 20).fill(0x41); } // 64 MiB at most
      },
    };
    const fromStdin = await cli(ossl, ['sess_id', '-noout'], endless);
    oneLineError(fromStdin, /standard input holds more than 8388608 bytes, more than any session/, 'sess_id, endless stdin');
    ok(given <= 9, `sess_id stopped reading at its bound (${given} MiB given)`);
    if (existsSync('/dev/zero')) {
      oneLineError(await cli(ossl, ['sess_id', '-in', '/dev/zero', '-noout']),
        /cannot read session file \/dev\/zero: it holds more than 8388608 bytes/, 'sess_id -in /dev/zero');
      oneLineError(await cli(ossl, ['s_server', '-cert', '/dev/zero', '-key', '/dev/zero', '-accept', '0']),
        /cannot read certificate \/dev\/zero: it holds more than 67108864 bytes/, 's_server -cert /dev/zero');
    }
    equal(ossl.stats().handles.Session, 0);
  });

  test('s_client -msg, -keylogfile, -alpn, -cert/-key against native s_server -Verify', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-www', '-alpn', 'h2,http/1.1', '-Verify', '1', '-CAfile', CA]);
    const dir = tempDir();
    try {
      const keylog = join(dir.path, 'keys.txt');
      const r = await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-msg', '-keylogfile', keylog,
        '-alpn', 'http/1.1', '-cert', fixturePath('server.pem'), '-key', fixturePath('server.key'), '-ign_eof'], new Input('GET / HTTP/1.0\r\n\r\n'));
      equal(r.code, 0, r.err);
      match(r.out, /^>>> TLS 1\.\d, RecordHeader \[length 0005\]\n {4}16 03 0[13] /m, '-msg: the first record header');
      match(r.out, /^>>> TLS 1\.3, Handshake \[length [0-9a-f]{4}\], ClientHello\n {4}01 /m, '-msg: ClientHello');
      match(r.out, /^<<< TLS 1\.3, Handshake \[length [0-9a-f]{4}\], ServerHello\n/m, '-msg: ServerHello');
      match(r.out, /^>>> TLS 1\.3, Handshake \[length [0-9a-f]{4}\], Certificate\n/m, '-msg: the client certificate');
      match(r.out, /\nALPN protocol: http\/1\.1\n/);
      match(r.out, /Client certificate/, 'native s_server saw the client certificate');
      const keys = readFileSync(keylog, 'utf8');
      match(keys, /^# SSL\/TLS secrets log file, generated by OpenSSL\n/);
      match(keys, /\nCLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64,}\n/);
      match(keys, /\nCLIENT_TRAFFIC_SECRET_0 /);
    } finally {
      dir.remove();
      await server.stop();
    }
  });

  test('bad input: one line on stderr, non-zero exit, no stack trace', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    const net = await import('node:net');
    const probe = net.createServer();
    await new Promise<void>(r => probe.listen(0, '127.0.0.1', () => r()));
    const closedPort = (probe.address() as { port: number }).port;
    const server = await sServer(['-rev']);
    try {
      const junk = join(dir.path, 'junk.pem');
      writeFileSync(junk, 'not a session\n');
      const cases: [string[], RegExp][] = [
        [['nosuch'], /unknown command 'nosuch'/],
        [['s_client', '-nosuch'], /^s_client: unknown option -nosuch/],
        [['s_client', '-connect'], /^s_client: option -connect needs a value/],
        [['s_client', '-connect', 'nohostport'], /^s_client: -connect needs host:port/],
        [['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', join(dir.path, 'missing.pem')], /^s_client: cannot read CA file .*missing\.pem: no such file or directory \(ENOENT\)/],
        [['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-sess_in', junk], /^s_client: cannot read a session from .*junk\.pem: /],
        [['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-groups', 'nosuchgroup'], /^s_client: -groups: /],
        [['sess_id', '-in', join(dir.path, 'missing.pem')], /^sess_id: cannot read session file .*: no such file or directory/],
        [['sess_id', '-in', junk], /^sess_id: unable to load SSL_SESSION from .*junk\.pem as PEM: /],
        [['sess_id', '-in', junk, '-inform', 'DER'], /^sess_id: unable to load SSL_SESSION from .*junk\.pem as DER: /],
        [['sess_id', '-inform', 'XML'], /^sess_id: -inform must be PEM or DER, got 'XML'/],
        [['s_server', '-accept', '0', '-cert', join(dir.path, 'missing.pem')], /^s_server: cannot read certificate .*missing\.pem: no such file/],
        [['s_server', '-accept', '0', '-cert', fixturePath('server.pem')], /^s_server: .*server\.pem holds no usable PEM private key: give the key with -key/],
        [['s_server', '-accept', '0', '-cert', fixturePath('server.pem'), '-key', fixturePath('server-rsa.key')], /^s_server: the private key in .* does not match the certificate/],
      ];
      for (const [argv, re] of cases) oneLineError(await cli(ossl, argv), re, argv.join(' '));
      // Failures that take a socket: a refused connection, a port in use, a failed verification.
      await new Promise(r => probe.close(r));
      oneLineError(await cli(ossl, ['s_client', '-connect', `127.0.0.1:${closedPort}`]), /^s_client: connect to 127\.0\.0\.1:\d+ failed: connection refused \(ECONNREFUSED\)$/m, 'refused');
      const inUse = net.createServer();
      await new Promise<void>(r => inUse.listen(0, '127.0.0.1', () => r()));
      try {
        const port = (inUse.address() as { port: number }).port;
        oneLineError(await cli(ossl, ['s_server', '-accept', String(port), '-cert', fixturePath('server.pem'), '-key', fixturePath('server.key')]),
          /^s_server: cannot listen on 127\.0\.0\.1:\d+: address already in use \(EADDRINUSE\)$/m, 'port in use');
      } finally {
        await new Promise(r => inUse.close(r));
      }
      // A failed verification: the verify callback's lines (as native prints them), then one error line.
      const strictArgs = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', fixturePath('other-ca.pem'), '-verify_return_error'];
      const strict = await cli(ossl, strictArgs);
      equal(strict.code, 1);
      const [trace, error] = [strict.err.split('\n').slice(0, -2).join('\n'), strict.err.split('\n').slice(-2).join('\n')];
      equal(trace, 'depth=0 CN=localhost\nverify error:num=20:unable to get local issuer certificate');
      ok((await openssl(strictArgs)).out.replace(/ = /g, '=').includes(`${trace}\n`), 'the same lines as native');
      match(error, /^s_client: handshake with 127\.0\.0\.1:\d+ failed: certificate verify failed \(certificate verification: unable to get local issuer certificate\)\n$/, 'verification failure');
      // Without -verify_return_error the connection goes on and the code is reported, as native
      // (whose verify callback goes on past the first error and so reports the last).
      const laxArgs = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', fixturePath('other-ca.pem')];
      const lax = await cli(ossl, laxArgs);
      equal(lax.code, 0, lax.err);
      const laxNative = (await openssl(laxArgs)).out;
      for (const re of [/\nVerification error: .*\n/, /\nVerify return code: .*\n/]) equal(re.exec(lax.out)?.[0], re.exec(laxNative)?.[0], String(re));
      match(lax.out, /\nVerify return code: 21 \(unable to verify the first certificate\)\n/);
    } finally {
      dir.remove();
      await server.stop();
      if (probe.listening) await new Promise(r => probe.close(r));
    }
  });

  test('real processes: a bundle of ts/cli.ts under node, and the built bin dist/cli.js through its #! line', async () => {
    const bundle = await cliBundle();
    const dir = tempDir();
    const server = await sServer(['-www', '-tls1_3']);
    try {
      const get = 'GET / HTTP/1.0\r\n\r\n';
      const r = await proc(process.execPath, [bundle, 's_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', CA, '-quiet'], { input: get });
      equal(r.code, 0, r.err);
      match(r.out, /^HTTP\/1\.0 200 ok\r\n/, '-quiet: only the server\'s data on stdout');
      match(r.out, /\nNew, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384\n/);
      const bad = await proc(process.execPath, [bundle, 's_client', '-connect', '127.0.0.1:1']);
      oneLineError(bad, /^s_client: connect to 127\.0\.0\.1:1 failed: connection refused \(ECONNREFUSED\)$/m, 'process: refused connection');
      // The package's bin: executable, #!/usr/bin/env node, sharing dist/'s library chunk.
      const bin = join(root, 'dist/cli.js');
      ok(existsSync(bin), 'dist/cli.js exists (run ./build.sh)');
      ok(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'), 'dist/cli.js starts with #!/usr/bin/env node');
      equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin?.['openssl-wasm'], 'dist/cli.js');
      const pemFile = await nativeSession(dir.path, 's.pem', ['-tls1_2']);
      const viaBin = await proc(bin, ['sess_id', '-in', pemFile, '-outform', 'DER']);
      const native = await openssl(['sess_id', '-in', pemFile, '-outform', 'DER', '-out', join(dir.path, 'n.der')]);
      equal(native.code, 0);
      equal(viaBin.code, 0, viaBin.err);
      ok(Buffer.from(viaBin.bytes).equals(readFileSync(join(dir.path, 'n.der'))), 'dist/cli.js sess_id: the DER native writes');
      const version = await proc(bin, ['version']);
      match(version.out, versionPrefix); // the process inherits OPENSSL_WASM_LINE
    } finally {
      dir.remove();
      await server.stop();
    }
  });

  test('Deno: the bundled CLI under `deno run` converts a session and makes an s_client connection', async () => {
    const bundle = await cliBundle();
    const dir = tempDir();
    const server = await sServer(['-www', '-tls1_3']);
    const deno = join(root, 'node_modules/.bin/deno');
    const env = { DENO_DIR: join(root, 'node_modules/.cache/deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' };
    const perms = ['--allow-read', `--allow-write=${dir.path}`, '--allow-net=127.0.0.1', '--allow-env'];
    try {
      const pemFile = await nativeSession(dir.path, 's.pem', ['-tls1_3']);
      const out = join(dir.path, 'deno.der');
      const conv = await proc(deno, ['run', ...perms, bundle, 'sess_id', '-in', pemFile, '-outform', 'DER', '-out', out], { env, ms: 60_000 });
      equal(conv.code, 0, conv.err);
      const native = await openssl(['sess_id', '-in', pemFile, '-outform', 'DER', '-out', join(dir.path, 'n.der')]);
      equal(native.code, 0);
      ok(readFileSync(out).equals(readFileSync(join(dir.path, 'n.der'))), 'Deno sess_id: the DER native writes');
      const sess = join(dir.path, 'deno-sess.pem');
      const client = await proc(deno, ['run', ...perms, bundle, 's_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost',
        '-CAfile', CA, '-ign_eof', '-sess_out', sess], { env, ms: 60_000, input: 'GET / HTTP/1.0\r\n\r\n' });
      equal(client.code, 0, client.err);
      match(client.out, /^CONNECTED\([0-9A-F]{8}\)\n/);
      match(client.out, /\nNew, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384\n/);
      match(client.out, /\nVerify return code: 0 \(ok\)\n/);
      match(client.out, /HTTP\/1\.0 200 ok/);
      ok(readFileSync(sess, 'utf8').startsWith('-----BEGIN SSL SESSION PARAMETERS-----'), 'Deno wrote -sess_out');
    } finally {
      dir.remove();
      await server.stop();
    }
  });
}, { runtimes: ['node'] });
