// External PSKs against native OpenSSL (Debian's 3.0) on 127.0.0.1, both directions, TLS 1.3 and
// 1.2, through the CLI's native flags: -psk HEX, -psk_identity, -psk_session FILE, and servers with
// -nocert (PSK only). Lines are compared with native's for the same peer where both builds can
// agree (this build has no DH, so TLS 1.2 picks ECDHE-PSK where native picks DHE-PSK).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenSSL } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { unhex } from '../lib/bytes.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { cli, Input, oneLineError, wasmServer } from '../io/cli-run.ts';
import { openssl, sServer, tempDir } from '../io/peers.ts';

const HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const WRONG = 'ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const GET = 'GET / HTTP/1.0\r\n\r\n';
const SUMMARY = /^(New|Reused), (TLSv1\.[23]), Cipher is (\S+)$/m;
const PROTOCOLS: Array<[string, string[]]> = [['TLS 1.3', []], ['TLS 1.2', ['-tls1_2']]];

/** The `New|Reused, TLSv1.x, Cipher is X` line of an s_client report, or a failure naming the output. */
function summary(out: string, who: string): string {
  const m = SUMMARY.exec(out);
  ok(m, `${who}: a connection summary line in\n${out}`);
  return m[0];
}

/** What a TLS 1.3 PSK handshake shows (SSL_session_reused: "Reused"), and a TLS 1.2 one (a PSK suite). */
function expectPsk(line: string, proto: string, who: string): void {
  if (proto === 'TLS 1.3') match(line, /^Reused, TLSv1\.3, Cipher is TLS_/, who);
  else match(line, /^New, TLSv1\.2, Cipher is \S*PSK\S*$/, who);
}

suite('external PSKs with native OpenSSL', test => {
  test('wasm s_client -psk to native s_server -psk -nocert, TLS 1.3 and 1.2: the report as native s_client', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (const [proto, flags] of PROTOCOLS) {
      const server = await sServer(['-nocert', '-psk', HEX, '-www', ...flags]);
      try {
        const ours = await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-psk', HEX, ...flags], new Input(GET));
        equal(ours.code, 0, `${proto}: ${ours.err}`);
        const line = summary(ours.out, `${proto} wasm`);
        expectPsk(line, proto, `${proto} wasm s_client`);
        match(ours.out, /HTTP\/1\.0 200 ok/, `${proto}: the native server's -www page came back`);
        if (proto === 'TLS 1.2') match(ours.out, /^ {4}PSK identity: Client_identity$/m, 'SSL_SESSION_print: the identity s_client sent by default');
        const native = await openssl(['s_client', '-connect', `127.0.0.1:${server.port}`, '-psk', HEX, '-ign_eof', ...flags], GET);
        // Same suite where both builds have it (TLS 1.3); TLS 1.2 native picks DHE-PSK, configured out here.
        if (proto === 'TLS 1.3') equal(line, summary(native.out, 'native'), 'the summary line as native s_client');
        else expectPsk(summary(native.out, 'native'), proto, 'native s_client');
      } finally {
        await server.stop();
      }
    }
  });

  test('native s_client -psk to wasm s_server -psk -nocert, TLS 1.3 and 1.2: as to native s_server', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    for (const [proto, flags] of PROTOCOLS) {
      const ours = await wasmServer(ossl, ['-nocert', '-psk', HEX, '-www', '-naccept', '1', ...flags]);
      const native = await sServer(['-nocert', '-psk', HEX, '-www', ...flags]);
      try {
        const lines: string[] = [];
        for (const port of [ours.port, native.port]) {
          const r = await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-psk', HEX, '-ign_eof', ...flags], GET);
          lines.push(summary(r.out, `${proto} to ${port === ours.port ? 'wasm' : 'native'}`));
          match(r.out, /HTTP\/1\.0 200 ok/, `${proto}: the -www page`);
          expectPsk(lines.at(-1)!, proto, `${proto}: native s_client`);
        }
        if (proto === 'TLS 1.3') equal(lines[0], lines[1], 'the same summary line from the wasm server as from the native one');
        const run = await ours.running;
        equal(run.code, 0, run.err);
      } finally {
        ours.stop();
        await native.stop();
      }
    }
  });

  test('a wrong key fails; a TLS 1.2 identity other than -psk_identity gets the warning native s_server prints, and the key', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    // TLS 1.3, wrong key: the wasm server cannot verify the binder; native s_client gets an alert.
    const ours = await wasmServer(ossl, ['-nocert', '-psk', HEX, '-www', '-naccept', '1']);
    try {
      const r = await openssl(['s_client', '-connect', `127.0.0.1:${ours.port}`, '-psk', WRONG, '-ign_eof'], GET);
      ok(!/HTTP\/1\.0 200 ok/.test(r.out), 'no page over a handshake with the wrong key');
      match(r.out, /alert/, 'native s_client reports the alert');
      const run = await ours.running;
      match(run.err, /s_server: handshake failed: .*binder/i, 'the wasm server names the failure');
    } finally {
      ours.stop();
    }
    // TLS 1.2, identity 'stranger': native s_server warns and uses its key all the same.
    const ours12 = await wasmServer(ossl, ['-nocert', '-psk', HEX, '-tls1_2', '-naccept', '1']);
    const native = await sServer(['-nocert', '-psk', HEX, '-tls1_2']);
    try {
      const warning = "PSK warning: client identity not what we expected (got 'stranger' expected 'Client_identity')";
      for (const port of [ours12.port, native.port]) {
        const r = await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-psk', HEX, '-psk_identity', 'stranger', '-tls1_2'], 'hello\n');
        expectPsk(summary(r.out, 'native s_client'), 'TLS 1.2', 'the handshake completes');
      }
      const run = await ours12.running;
      ok(run.out.includes(`${warning}\n`), `the wasm s_server's line:\n${run.out}`);
      ok(native.output().includes(`${warning}\n`), `native s_server's line:\n${native.output()}`);
    } finally {
      ours12.stop();
      await native.stop();
    }
  });

  test('wasm s_server -psk_hint reaches native s_client (TLS 1.2), with the warning native prints for TLS 1.3 only; -psk_session serves native -psk_session', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const ours = await wasmServer(ossl, ['-nocert', '-psk', HEX, '-psk_hint', 'our hint', '-tls1_2', '-www', '-naccept', '1']);
    try {
      const r = await openssl(['s_client', '-connect', `127.0.0.1:${ours.port}`, '-psk', HEX, '-tls1_2', '-ign_eof'], GET);
      match(r.out, /^ {4}PSK identity hint: our hint$/m, "native s_client's session shows the hint");
    } finally {
      ours.stop();
    }
    // Printed while the options are read: stopped once it listens.
    const listening = new AbortController();
    const run = await cli(ossl, ['s_server', '-accept', '0', '-nocert', '-psk', HEX, '-psk_hint', 'h', '-tls1_3', '-naccept', '1'], null, {
      signal: listening.signal, ms: 10_000, onOut: out => { if (/^ACCEPT /m.test(out)) listening.abort(); },
    });
    match(run.out, /^PSK warning: there is NO identity hint in TLSv1\.3$/m, 'as native s_server with -tls1_3');
    const dir = tempDir();
    try {
      const file = join(dir.path, 'psk.pem');
      const psk = ossl.pskSession({ key: unhex(HEX) });
      writeFileSync(file, psk.toPEM());
      psk.free();
      const server = await wasmServer(ossl, ['-nocert', '-psk_session', file, '-www', '-naccept', '1']);
      try {
        const r = await openssl(['s_client', '-connect', `127.0.0.1:${server.port}`, '-psk_session', file, '-ign_eof'], GET);
        match(summary(r.out, 'native s_client'), /^Reused, TLSv1\.3, Cipher is TLS_/);
      } finally {
        server.stop();
      }
    } finally {
      dir.remove();
    }
  });

  test('-psk_session FILE: a PSK written by openssl.pskSession, used by native s_server and the wasm s_client; bad -psk hex is one line', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    try {
      const file = join(dir.path, 'psk.pem');
      const key = unhex(HEX);
      const psk = ossl.pskSession({ key, cipher: 'TLS_AES_256_GCM_SHA384' });
      writeFileSync(file, psk.toPEM());
      psk.free();
      const server = await sServer(['-nocert', '-psk_session', file, '-www']);
      try {
        const r = await cli(ossl, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-psk_session', file, '-ciphersuites', 'TLS_AES_256_GCM_SHA384'], new Input(GET));
        equal(r.code, 0, r.err);
        equal(summary(r.out, 'wasm s_client'), 'Reused, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384');
      } finally {
        await server.stop();
      }
      oneLineError(await cli(ossl, ['s_client', '-connect', '127.0.0.1:1', '-psk', 'zz']), /Not a hex number 'zz'/, 'bad hex');
      oneLineError(await cli(ossl, ['s_client', '-connect', '127.0.0.1:1', '-psk_session', join(dir.path, 'none.pem')]), /none\.pem/, 'missing session file');
    } finally {
      dir.remove();
    }
    const st = ossl.stats();
    equal(st.handles.Session, 0, 'every PSK session the CLI made was freed');
  });
}, { runtimes: ['node', 'deno'] });
