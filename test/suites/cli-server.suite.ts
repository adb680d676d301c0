// `openssl-wasm s_server`'s flags and reports against native `openssl s_client` on 127.0.0.1, each
// compared with native `openssl s_server` (Debian's 3.0) given the same flags: -quiet, -WWW,
// -HTTP, -servername/-cert2, -no_cache, -serverpref, -nocert, -chainCAfile, -stateless, and the
// lines of the -www page and of the default mode's connection report.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';
import { connect, OpenSSL } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { comparableX509Text } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';
import { cli, Input, lines, oneLineError, proc, wasmServer } from '../io/cli-run.ts';
import { fixturePath, openssl, sClient, sServer, until } from '../io/peers.ts';
import { freePort } from '../io/ports.ts';
import { settled, tick, within } from '../lib/wait.ts';

const CA = fixturePath('ca.pem');
const KEY = ['-cert', fixturePath('server.pem'), '-key', fixturePath('server.key')];
const PEM = /-----BEGIN CERTIFICATE-----\n[\s\S]*?-----END CERTIFICATE-----\n/g;

const GET = 'GET / HTTP/1.0\r\n\r\n';

/** Native s_client sending `input` (then waiting for the server to close, -ign_eof); its whole output. */
async function fetchWith(port: number, input: string, extra: string[] = []): Promise<string> {
  const r = await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA, '-ign_eof', ...extra], input);
  return r.out;
}

/** The HTTP response alone (-quiet: no report, no tickets; what the server sent, from its status line). */
async function responseTo(port: number, get: string, extra: string[] = []): Promise<string> {
  const out = await fetchWith(port, get, ['-quiet', ...extra]);
  // Native s_client's own notes go to standard error, merged here in arrival order: not the response.
  return out.slice(out.indexOf('HTTP/1.0 ')).replace(/^(Can't use SSL_get_servername|depth=\d+ .*|verify return:1)\n/gm, '');
}

suite('openssl-wasm CLI s_server', test => {
  test('default mode: the connection report (print_connection_info) lines as native s_server for the same client', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const ours = await wasmServer(ossl, [...KEY, '-naccept', '1']);
    const native = await sServer([]);
    try {
      for (const port of [ours.port, native.port]) await sClient(['-connect', `127.0.0.1:${port}`, '-CAfile', CA], out => /Verify return code/.test(out));
      await until(() => /CIPHER is/.test(ours.output()) && /CIPHER is/.test(native.output()), 10_000, 'both reports');
      const o = ours.output(), n = native.output();
      match(o, /^-----BEGIN SSL SESSION PARAMETERS-----\n[\s\S]*?-----END SSL SESSION PARAMETERS-----\nShared ciphers:\S+\nSignature Algorithms: /m, 'session PEM, shared ciphers, then ssl_print_sigalgs');
      // The client offers DSA schemes, configured out of this build: OpenSSL names them UNDEF here and shares none.
      equal(lines(o, /^Signature Algorithms: .*$/).join(), lines(n, /^Signature Algorithms: .*$/).join().replace(/(?<![A-Z])DSA\+SHA\d+/g, 'UNDEF'));
      equal(lines(o, /^Shared Signature Algorithms: .*$/).join(), lines(n, /^Shared Signature Algorithms: .*$/).join().replace(/:(?<![A-Z])DSA\+SHA\d+/g, ''));
      for (const re of [/^Peer signing digest: .*$/, /^CIPHER is .*$/]) equal(lines(o, re).join('|'), lines(n, re).join('|'), String(re));
      match(o, /\nCIPHER is \S+\nThis TLS version forbids renegotiation\.\n/, "3.5's renegotiation note (3.0 has none here)");
      // Groups: the same, but for the finite-field ones this build has no DH for.
      const noFFDHE = (l: string) => l.replace(/:ffdhe\d+|:<NULL>/g, '');
      equal(noFFDHE(lines(o, /^Supported groups: .*$/).join()), noFFDHE(lines(n, /^Supported groups: .*$/).join()));
      equal(noFFDHE(lines(o, /^Shared groups: .*$/).join()), noFFDHE(lines(n, /^Shared groups: .*$/).join()));
    } finally {
      await ours.stop();
      await native.stop();
    }
  });

  /**
   * Runs the wasm s_server with `mode` (-quiet or -brief: neither announces that it listens, native
   * neither) for one connection, and native s_client sending `data` to it. The server's standard
   * input stays open, as a terminal's: at its end the server would close the connection right after
   * the handshake (as native), and a client that read that close before its own input (a loaded
   * machine) would never send the data. The client is retried
   * until it gets through, bounded by time rather than a count (on a loaded machine the server
   * may take seconds to listen). Returns the server's run once the data has arrived.
   * The port is picked free and then bound by the server: another process may take it in between
   * (other test runs share the machine), and the client would then talk to that process. The
   * server's run ends at once when its bind fails: then it starts again on another port, as it does
   * when the connection it accepted was a client attempt that did not get through the handshake.
   */
  async function silentServer(mode: string, data: string) {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const stop = new AbortController();
      let received = false, ended = false;
      const running = cli(ossl, ['s_server', '-accept', String(port), ...KEY, mode, '-naccept', '1'], new Input(undefined, false),
        { signal: stop.signal, ms: 30_000, onOut: o => { received = o.includes(data); } });
      void running.then(() => { ended = true; });
      let sent = '';
      for (const end = Date.now() + 30_000; Date.now() < end && !ended && !/Verify return code/.test(sent);) {
        sent = (await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA], data)).out;
        if (!/Verify return code/.test(sent)) await tick(200);
      }
      await until(() => received || ended, 20_000, 'the data at the server');
      if (!received) {
        const r = await running;
        // Another port, when the port was taken, or when the one connection the server accepted
        // (-naccept 1) was a client attempt that never finished its handshake (on a loaded machine
        // a client may be stopped mid-way); a client that finished and whose data never arrived fails.
        if (attempt < 5 && (/in use/i.test(r.err) || !/Verify return code/.test(sent))) continue;
        throw new Error(`s_server ended without the client's data (attempt ${attempt}): ${r.err}; the client's output ends: ${sent.slice(-300)}`);
      }
      stop.abort();
      return running;
    }
  }

  test('-quiet: no ACCEPT, no report, no statistics: only what the client sends', async () => {
    const r = await silentServer('-quiet', 'hello from the client\n');
    equal(r.code, 0, r.err);
    equal(r.out, 'hello from the client\n', 'standard output holds the client data and nothing else');
    equal(r.err, '');
  });

  test('-brief: the summary on standard error (print_ssl_summary, 3.5 form); on standard output only the client data', async () => {
    const r = await silentServer('-brief', 'from the client\n');
    equal(r.out, 'from the client\n', 'no ACCEPT, report or statistics');
    match(r.err, /^Protocol version: TLSv1\.3\nClient cipher list: TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:.*:TLS_EMPTY_RENEGOTIATION_INFO_SCSV\nCiphersuite: TLS_AES_256_GCM_SHA384\nSignature Algorithms: .*\nNo peer certificate or raw public key\nSupported groups: .*\nPeer Temp Key: X25519, 253 bits\n$/);
  });

  test('-quiet with standard input at its end: each connection closed after its handshake, the server going on to the next, as native', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const servers = {
      ours: (port: number) => cli(ossl, ['s_server', '-accept', String(port), ...KEY, '-quiet', '-naccept', '2'], null, { ms: 30_000 }),
      native: (port: number) => proc('openssl', ['s_server', '-accept', String(port), ...KEY, '-quiet', '-naccept', '2'], { input: '', ms: 30_000 }),
    };
    for (const [name, start] of Object.entries(servers)) {
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        let ended = false;
        const running = start(port);
        void running.then(() => { ended = true; }, () => { ended = true; });
        // -ign_eof: the client waits for the server to close (bounded by openssl()'s wait).
        const client = () => openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA, '-ign_eof'], '');
        // The first client is retried until the server listens (it may take seconds on a loaded machine).
        let first = '';
        for (const end = Date.now() + 20_000; Date.now() < end && !ended && !/Verify return code/.test(first);) {
          first = (await client()).out;
          if (!/Verify return code/.test(first)) await tick(200);
        }
        // The port taken by another process between freePort() and the bind: another port.
        if (ended && attempt < 5 && /in use/i.test((await running).err)) continue;
        match(first, /Verify return code: 0 \(ok\)\n[\s\S]*^closed$/m, `${name}: the first client's handshake, then the server's close`);
        const second = (await client()).out;
        match(second, /Verify return code: 0 \(ok\)\n[\s\S]*^closed$/m, `${name}: the server still accepts after the end of its input closed the first connection`);
        const r = await running;
        equal(r.code, 0, `${name}: the server ends after -naccept 2 connections`);
        equal(r.out, '', `${name}: nothing on standard output`);
        break;
      }
    }
  });

  test('-verify/-Verify: the client chain\'s verify lines on standard error as native; past an error the handshake goes on unless -verify_return_error', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const clientCert = ['-cert', fixturePath('server-rsa.pem'), '-key', fixturePath('server-rsa.key')];
    const trace = (t: string) => lines(t, /^verify depth is .*$|^depth=.*$|^verify (return|error).*$/).join('\n').replace(/ = /g, '=');
    for (const [args, verdict] of [
      [['-Verify', '1', '-CAfile', CA], /^New, /m],
      [['-verify', '2', '-CAfile', fixturePath('other-ca.pem')], /^New, /m],
      [['-verify', '2', '-CAfile', fixturePath('other-ca.pem'), '-verify_return_error'], /alert|error/],
    ] as const) {
      const ours = await wasmServer(ossl, [...KEY, '-www', ...args]);
      const native = await sServer(['-www', ...args]);
      try {
        const mine = await fetchWith(ours.port, GET, clientCert), theirs = await fetchWith(native.port, GET, clientCert);
        match(mine, verdict, `${args.join(' ')}: the client's view`);
        match(theirs, verdict, `${args.join(' ')}: the client's view of native`);
        const end = args.includes('-verify_return_error') ? /^verify error:.*\n/m : /^depth=0 .*\nverify return:1\n/m;
        await until(() => end.test(native.output()), 5000, 'native verify lines').catch(e => { throw new Error(`${e.message}: ${native.output()}`); });
        const r = await ours.stop();
        equal(trace(r.err), trace(native.output()), args.join(' '));
        match(r.err, /^depth=\d CN=/m);
        if (args.includes('-verify_return_error')) match(r.err, /\ns_server: handshake failed: .*certificate verify failed/, 'the failure after the lines');
      } finally {
        await ours.stop();
        await native.stop();
      }
    }
  });

  test('-WWW and -HTTP: files below the working directory, byte for byte as native; refusals as native', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    // Paths are relative to the working directory (the same for the native server this process starts).
    mkdirSync(join(process.cwd(), 'build'), { recursive: true });
    const dir = mkdtempSync(join(process.cwd(), 'build', 'cli-www-'));
    const rel = relative(process.cwd(), dir).split('\\').join('/');
    try {
      writeFileSync(join(dir, 'page.html'), '<p>hello</p>\n');
      writeFileSync(join(dir, 'note.txt'), 'plain text\n');
      writeFileSync(join(dir, 'raw.txt'), 'HTTP/1.0 201 made\r\nX-Test: yes\r\n\r\nbody\n');
      mkdirSync(join(dir, 'sub'));
      for (const mode of ['-WWW', '-HTTP']) {
        const ours = await wasmServer(ossl, [...KEY, mode]);
        const native = await sServer([mode]);
        try {
          const requests = mode === '-WWW'
            ? [`${rel}/page.html`, `${rel}/note.txt`, `${rel}/sub`, `../${rel}/note.txt`, `/etc/hostname`, `c:/x`]
            : [`${rel}/raw.txt`, `${rel}/sub`];
          for (const path of requests) {
            const get = `GET /${path} HTTP/1.0\r\n\r\n`;
            const mine = await responseTo(ours.port, get), theirs = await responseTo(native.port, get);
            equal(mine, theirs, `${mode} GET /${path}`);
          }
          if (mode === '-WWW') {
            equal(await responseTo(ours.port, `GET /${rel}/page.html HTTP/1.0\r\n\r\n`), 'HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<p>hello</p>\n');
            const stats = await responseTo(ours.port, 'GET /stats HTTP/1.0\r\n\r\n');
            match(stats, /^HTTP\/1\.0 200 ok\r\nContent-type: text\/html\r\n\r\n<HTML><BODY BGCOLOR="#ffffff">\n<pre>\n\ns_server -accept 0 /, '-WWW: GET /stats is the status page');
            const missing = await responseTo(ours.port, `GET /${rel}/missing HTTP/1.0\r\n\r\n`);
            equal(missing, `HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\nError opening '${rel}/missing' mode='r'\r\n`);
          } else {
            equal(await responseTo(ours.port, `GET /${rel}/raw.txt HTTP/1.0\r\n\r\n`), 'HTTP/1.0 201 made\r\nX-Test: yes\r\n\r\nbody\n', '-HTTP: the file is the whole response');
          }
        } finally {
          await ours.stop();
          await native.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('-WWW: a large file goes as the client takes it, never whole in memory', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    mkdirSync(join(process.cwd(), 'build'), { recursive: true });
    const dir = mkdtempSync(join(process.cwd(), 'build', 'cli-www-'));
    const rel = relative(process.cwd(), dir).split('\\').join('/');
    const SIZE = 64 << 20;
    const server = await wasmServer(ossl, [...KEY, '-WWW']);
    // The Node adapter's client (Deno's node:tls client reads on while paused), on an instance of its own.
    const peer = await OpenSSL.load({ wasm: wasmURL });
    let client: { destroy(): void } | null = null;
    try {
      writeFileSync(join(dir, 'big.txt'), new Uint8Array(SIZE).fill(0x63));
      const c = connect({ port: server.port, host: '127.0.0.1', openssl: peer, rejectUnauthorized: false });
      client = c;
      c.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => { c.once('secureConnect', () => resolve()); c.once('error', reject); });
      const before = process.memoryUsage().external;
      // The first bytes of the reply, then the client stops reading: by then a server that reads the
      // file whole has done so, and holds it until the client takes it.
      let got = 0;
      c.on('data', (d: Uint8Array) => { got += d.length; });
      const first = new Promise<void>(resolve => c.once('data', () => { c.pause(); resolve(); }));
      c.write(`GET /${rel}/big.txt HTTP/1.0\r\n\r\n`);
      await within(first, 30_000, 'the first bytes of the reply');
      const grown = await settled(() => process.memoryUsage().external - before, 30_000, 'the memory in use');
      ok(grown < SIZE / 4, `memory grew by ${(grown / 2 ** 20).toFixed(1)} MiB serving a ${SIZE / 2 ** 20} MiB file to a client that does not read`);
      // Then the whole file (after its header).
      c.resume();
      await until(() => got >= SIZE, 30_000, 'the whole file');
    } finally {
      client?.destroy();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a client sending more than standard output takes: s_server stops reading it while stdout is full, then writes every byte', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL }), peer = await OpenSSL.load({ wasm: wasmURL });
    const TOTAL = 8 << 20, TILDE = 0x7e, chunk = new Uint8Array(64 * 1024).fill(TILDE);
    // Standard output as a pipe nobody reads, until `drain()`; the client's data counted as written.
    let full = true, writes = 0, data = 0, drain!: () => void;
    const drained = new Promise<void>(r => { drain = r; });
    const slowStdout = { full: (b: Uint8Array) => { writes++; if (b[0] === TILDE) data += b.length; return full; }, drained: () => drained };
    const server = await wasmServer(ossl, [...KEY], { slowStdout, stdin: new Input(undefined, false) }); // input not at its end: the server goes on
    let client: { destroy(): void } | null = null;
    try {
      const c = connect({ port: server.port, host: '127.0.0.1', openssl: peer, rejectUnauthorized: false });
      client = c;
      c.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => { c.once('secureConnect', () => resolve()); c.once('error', reject); });
      let sent = 0;
      const pump = () => { while (sent < TOTAL) { sent += chunk.length; if (!c.write(chunk)) { c.once('drain', pump); return; } } };
      pump();
      await until(() => data > 0, 30_000, 'the first data on stdout');
      const whileFull = await settled(() => writes, 30_000, 'the writes to stdout');
      ok(data < TOTAL / 2 && whileFull < 64, `${whileFull} writes to stdout (${data} bytes of the client's ${TOTAL}) while it was full`);
      full = false;
      drain();
      await until(() => data >= TOTAL, 30_000, 'every byte on stdout');
    } finally {
      client?.destroy();
      await server.stop();
    }
  });

  test('-servername/-cert2/-key2: the second certificate for that name, the first for others; the lines native prints', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const sni = ['-www', '-servername', 'server.test', '-cert2', fixturePath('server-rsa.pem'), '-key2', fixturePath('server-rsa.key')];
    const ours = await wasmServer(ossl, [...KEY, ...sni, '-naccept', '4']);
    const native = await sServer(sni);
    try {
      for (const [name, bits] of [['server.test', 2048], ['localhost', 256], ['SERVER.TEST', 2048]] as const) {
        for (const port of [ours.port, native.port]) {
          const out = await fetchWith(port, GET, ['-servername', name]);
          match(out, new RegExp(`\\nServer public key is ${bits} bit\\n`), `${name} on ${port === ours.port ? 'ours' : 'native'}`);
        }
      }
      // 3.5's ssl_servername_cb reports to standard output (3.0 does not, without -tlsextdebug).
      match(ours.output(), /^Setting secondary ctx parameters\nACCEPT /, 'as native, before ACCEPT');
      match(native.output(), /^Setting secondary ctx parameters\n/);
      const trace = (t: string) => lines(t, /^Hostname in TLS extension: .*$|^Switching server context\.$/).join('\n');
      equal(trace(ours.output()), 'Hostname in TLS extension: "server.test"\nSwitching server context.\nHostname in TLS extension: "localhost"\nHostname in TLS extension: "SERVER.TEST"\nSwitching server context.');
      oneLineError(await cli(ossl, ['s_server', ...KEY, '-cert2', fixturePath('server-rsa.pem')]), /^s_server: -cert2 and -key2 need -servername\n/, '-cert2 alone');
    } finally {
      await ours.stop();
      await native.stop();
    }
  });

  test('-no_cache: every reconnection is a full handshake, as native -no_cache; with the cache, Reused', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (const cache of [true, false]) {
      const extra = cache ? [] : ['-no_cache'];
      const ours = await wasmServer(ossl, [...KEY, '-www', ...extra]);
      const native = await sServer(['-www', ...extra]);
      try {
        // The client's report lines only (the page after them has the server's own).
        const verdicts = async (port: number) => lines((await fetchWith(port, GET, ['-tls1_2', '-no_ticket', '-reconnect'])).split('HTTP/1.0 200 ok')[0], /^(New|Reused), /).join('');
        const mine = await verdicts(ours.port);
        equal(mine, await verdicts(native.port), 'as native');
        equal(mine, cache ? 'New, ' + 'Reused, '.repeat(5) : 'New, '.repeat(6));
      } finally {
        await ours.stop();
        await native.stop();
      }
    }
  });

  test("-serverpref: the server's cipher order wins, as native; without it, the client's", async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const serverOrder = ['-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256'];
    const clientOrder = ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384'];
    for (const pref of [true, false]) {
      const extra = [...serverOrder, ...(pref ? ['-serverpref'] : [])];
      const ours = await wasmServer(ossl, [...KEY, '-www', ...extra]);
      const native = await sServer(['-www', ...extra]);
      try {
        const cipher = async (port: number) => lines((await fetchWith(port, GET, clientOrder)).split('HTTP/1.0 200 ok')[0], /^New, .*$/).join();
        const mine = await cipher(ours.port);
        equal(mine, await cipher(native.port));
        equal(mine, `New, TLSv1.2, Cipher is ECDHE-ECDSA-${pref ? 'AES256-GCM-SHA384' : 'AES128-GCM-SHA256'}`);
      } finally {
        await ours.stop();
        await native.stop();
      }
    }
  });

  test('-nocert: an anonymous TLS 1.2 suite, as native -nocert', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    // ECDH only: native 3.0 would pick an ADH suite, and this build has no DH.
    const anon = ['-cipher', 'AECDH-AES256-SHA:@SECLEVEL=0'];
    const ours = await wasmServer(ossl, ['-nocert', ...anon, '-www']);
    const native = await sServer(['-nocert', ...anon, '-www']);
    try {
      const report = async (port: number) => {
        const out = (await fetchWith(port, GET, ['-tls1_2', ...anon])).split('HTTP/1.0 200 ok')[0];
        return [...lines(out, /^New, .*$/), ...lines(out, /^no peer certificate available$/)].join('|');
      };
      const mine = await report(ours.port);
      equal(mine, await report(native.port));
      match(mine, /^New, TLSv1\.0, Cipher is AECDH-AES256-SHA\|no peer certificate available$/);
    } finally {
      await ours.stop();
      await native.stop();
    }
  });

  test('-chainCAfile: the chain sent is completed from that file, as native; without it, the certificate alone', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (const chain of [true, false]) {
      const extra = chain ? ['-chainCAfile', CA] : [];
      const ours = await wasmServer(ossl, [...KEY, '-www', ...extra]);
      const native = await sServer(['-www', ...extra]);
      try {
        const certs = async (port: number) => (await fetchWith(port, GET, ['-showcerts'])).match(PEM) ?? [];
        const mine = await certs(ours.port);
        equal(mine.join(''), (await certs(native.port)).join(''));
        equal(mine.join(''), readFileSync(fixturePath('server.pem'), 'utf8') + (chain ? readFileSync(CA, 'utf8') : ''));
      } finally {
        await ours.stop();
        await native.stop();
      }
    }
    oneLineError(await cli(ossl, ['s_server', ...KEY, '-chainCAfile', fixturePath('server.key')]), /^s_server: .*server\.key: no PEM certificate that can be used\n/, '-chainCAfile without certificates');
  });

  test('-stateless: a clear error saying why', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    oneLineError(await cli(ossl, ['s_server', ...KEY, '-stateless']), /^s_server: -stateless is not available: /, '-stateless');
  });

  test('-www: the page lines of native s_server -www for the same client, with its certificate (X509_print and PEM)', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const args = ['-www', '-CAfile', CA, '-Verify', '1'];
    const ours = await wasmServer(ossl, [...KEY, ...args]);
    const native = await sServer(args);
    try {
      const client = ['-cert', fixturePath('server-rsa.pem'), '-key', fixturePath('server-rsa.key')];
      const o = await responseTo(ours.port, GET, client), n = await responseTo(native.port, GET, client);
      match(o, /\n<pre>\n\ns_server -accept 0 .* -www -CAfile .* -Verify 1 \nThis TLS version forbids renegotiation\.\nCiphers supported in s_server binary\nTLSv1\.3 {4}:TLS_AES_256_GCM_SHA384 {4}/);
      equal(lines(o, /^Signature Algorithms: .*$/).join(), lines(n, /^Signature Algorithms: .*$/).join().replace(/(?<![A-Z])DSA\+SHA\d+/g, 'UNDEF'));
      for (const re of [/^Peer signing digest: .*$/, /^New, .*$/, /^ {4}Protocol {2}: .*$/, /^ {4}Verify return code: .*$/, /^Ciphers common between both SSL end points:$/]) {
        equal(lines(o, re).join('|'), lines(n, re).join('|'), String(re));
      }
      const clientCert = (t: string) => /\nClient certificate\n([\s\S]*)<\/pre>/.exec(t)?.[1];
      ok(clientCert(o), 'the client certificate section');
      equal(comparableX509Text(clientCert(o)!), comparableX509Text(clientCert(n) ?? ''), 'X509_print and PEM of the client certificate, as native');
      equal(clientCert(o)!.match(PEM)?.[0], readFileSync(fixturePath('server-rsa.pem'), 'utf8'));
    } finally {
      await ours.stop();
      await native.stop();
    }
  });
}, { runtimes: ['node', 'deno'] });
