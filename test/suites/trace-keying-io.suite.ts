// Issue 12 against native OpenSSL (Node and Deno): keying material equal to what native
// `s_server`/`s_client -keymatexport` print, the CLI's -keymatexport block line for line as
// native's, and the CLI's -trace text in the structure native `-trace` prints (native here is 3.0:
// the same records and messages in the same order; randoms, lengths and 3.5's new extensions differ).
import { readFileSync } from 'node:fs';
import { connect } from '../../ts/io/node.ts';
import { OpenSSL } from '../../ts/node.ts';
import { deepEqual, equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { cli, Input, SERVER_KEY, wasmServer } from '../io/cli-run.ts';
import { fixturePath, sClient, sServer, until } from '../io/peers.ts';

const CA = fixturePath('ca.pem');
const LABEL = 'EXPERIMENTAL openssl-wasm test';

const load = () => OpenSSL.load({ wasm: wasmURL });

/** Every "Keying material exporter:" block of `text`. */
const keymatBlocks = (text: string) => text.match(/^Keying material exporter:\n {4}Label: .*\n {4}Length: .*\n {4}(Keying material: [0-9A-F]+|Error)\n/gm) ?? [];

/**
 * The shape of a -trace output up to the client's Finished: each record's direction and content
 * types, and each handshake message's name, without lengths.
 */
function traceShape(text: string): string[] {
  // 3.0 heads a record `Sent Record`, 3.5 `Sent TLS Record`; 3.5 also traces the body of a TLS 1.3
  // compatibility ChangeCipherSpec it receives, which 3.0 passed over: the record is in both.
  const shape = (text.match(/^(Sent|Received) (TLS )?Record$|^ {2}(Inner )?Content Type = .*$|^ {4}[A-Za-z]+, Length=\d+$/gm) ?? [])
    .map(l => l.replace(/Length=\d+/, 'Length=').replace(' TLS Record', ' Record'));
  let finished = 0;
  const end = shape.findIndex(l => l.includes('Finished, Length=') && ++finished === 2);
  ok(end > 0, `two Finished messages in the trace:\n${text.slice(0, 3000)}`);
  return shape.slice(0, end + 1);
}

/**
 * The text of the first record `direction` that holds `message` (`ServerHello`), from its header
 * to the next record, without the heading line (3.0's `Sent Record`, 3.5's `Sent TLS Record`).
 */
function recordOf(text: string, direction: 'Sent' | 'Received', message: string): string {
  const records = text.split(/^(?=(?:Sent|Received) (?:TLS )?Record$)/m);
  const r = records.find(x => x.startsWith(`${direction} `) && x.includes(`\n    ${message}, Length=`));
  ok(r, `a ${direction} record with ${message} in:\n${text.slice(0, 2000)}`);
  return r.slice(r.indexOf('\n') + 1);
}


/** Our s_client, input ended once the report is out. */
function ourClient(ossl: OpenSSL, args: string[]) {
  const input = new Input(undefined, false);
  return cli(ossl, ['s_client', ...args], input, { ms: 20_000, onOut: out => { if (/Verify return code: .*\n[\s\S]*---\n/.test(out)) input.end(); } });
}

suite('Trace and keying material against native', test => {
  for (const version of ['tls1_2', 'tls1_3']) {
    test(`-${version}: exportKeyingMaterial and the CLI's -keymatexport block equal native s_server's`, async () => {
      const ossl = await load();
      const native = await sServer([`-${version}`, '-keymatexport', LABEL, '-keymatexportlen', '48']);
      try {
        // The Node adapter's client.
        const tls = connect({ host: '127.0.0.1', port: native.port, servername: 'localhost', openssl: ossl, ca: readFileSync(CA, 'utf8') });
        await new Promise<void>((resolve, reject) => { tls.once('secureConnect', resolve); tls.once('error', reject); });
        const ours = tls.exportKeyingMaterial(48, LABEL).toString('hex').toUpperCase();
        await until(() => keymatBlocks(native.output()).length === 1, 10_000, 'native s_server\'s block');
        tls.destroy();
        equal(keymatBlocks(native.output())[0], `Keying material exporter:\n    Label: '${LABEL}'\n    Length: 48 bytes\n    Keying material: ${ours}\n`);
        // The CLI's s_client prints the block as native s_client does (s_client.c print_stuff), with the same bytes as the server.
        const r = await ourClient(ossl, ['-connect', `127.0.0.1:${native.port}`, '-CAfile', CA, '-keymatexport', LABEL, '-keymatexportlen', '48']);
        equal(r.code, 0, r.err);
        await until(() => keymatBlocks(native.output()).length === 2, 10_000, 'native s_server\'s second block');
        deepEqual(keymatBlocks(r.out), [keymatBlocks(native.output())[1]]);
        match(r.out, /\n {4}Keying material: [0-9A-F]{96}\n---\n/, 'the block ends the report, as native');
      } finally {
        await native.stop();
      }
    });
  }

  test('native s_client -keymatexport against the CLI\'s s_server -keymatexport: the same block on both ends', async () => {
    const ossl = await load();
    const ours = await wasmServer(ossl, [...SERVER_KEY, '-keymatexport', LABEL, '-naccept', '1']);
    try {
      const native = await sClient(['-connect', `127.0.0.1:${ours.port}`, '-CAfile', CA, '-keymatexport', LABEL], out => keymatBlocks(out).length > 0);
      await until(() => keymatBlocks(ours.output()).length > 0, 10_000, 'our block');
      const theirs = keymatBlocks(native);
      equal(theirs.length, 1, native);
      deepEqual(keymatBlocks(ours.output()), theirs);
      match(theirs[0] ?? '', /Length: 20 bytes\n {4}Keying material: [0-9A-F]{40}\n$/, 'the default length, 20');
      // As native s_server: after the renegotiation note (print_connection_info).
      match(ours.output(), /\nCIPHER is \S+\n[^\n]*\nKeying material exporter:\n/);
    } finally {
      await ours.stop();
    }
  });

  test('-keymatexportlen 0 is refused, as native', async () => {
    const ossl = await load();
    const r = await cli(ossl, ['s_client', '-connect', '127.0.0.1:9', '-keymatexport', 'x', '-keymatexportlen', '0']);
    ok(r.code !== 0);
    match(r.err, /-keymatexportlen must be at least 1/);
  });

  test('s_client -trace: the ServerHello line for line as native s_server -trace printed it; records and messages in native s_client -trace\'s order', async () => {
    const ossl = await load();
    const native = await sServer(['-trace', '-tls1_3', '-groups', 'X25519', '-ciphersuites', 'TLS_AES_128_GCM_SHA256']);
    try {
      const args = ['-connect', `127.0.0.1:${native.port}`, '-CAfile', CA, '-groups', 'X25519', '-trace'];
      const r = await ourClient(ossl, args);
      equal(r.code, 0, r.err);
      const theirs = await sClient(args, out => /Verify return code: /.test(out));
      match(r.out, /^CONNECTED\(\w+\)\nSent TLS Record\nHeader:\n {2}Version = TLS 1\.0 \(0x301\)\n {2}Content Type = Handshake \(22\)\n {2}Length = \d+\n {4}ClientHello, Length=\d+\n/);
      deepEqual(traceShape(r.out), traceShape(theirs));
      ok(!/^>>> /m.test(r.out), 'the -trace text, not -msg\'s');
      // The same bytes printed by 3.0 (sent) and by this module (received): the same text, field by field.
      const sent = recordOf(native.output(), 'Sent', 'ServerHello');
      match(sent, /\n {6}server_version=0x303 \(TLS 1\.2\)\n {6}Random:\n[\s\S]*extension_type=key_share\(51\)/);
      equal(recordOf(r.out, 'Received', 'ServerHello'), sent, 'our connection\'s ServerHello (the server\'s first), as this module printed it on receipt');
    } finally {
      await native.stop();
    }
  });

  test('s_server -trace: the ClientHello line for line as native s_client -trace printed it; the server\'s side in native s_server -trace\'s order', async () => {
    const ossl = await load();
    const ours = await wasmServer(ossl, [...SERVER_KEY, '-trace', '-naccept', '1', '-tls1_3']);
    const native = await sServer(['-trace', '-tls1_3']);
    try {
      const clients: string[] = [];
      for (const port of [ours.port, native.port]) {
        clients.push(await sClient(['-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', CA, '-groups', 'X25519',
          '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-trace'], out => /Verify return code: /.test(out)));
      }
      await until(() => (ours.output().match(/Finished, Length=/g) ?? []).length >= 2, 10_000, 'our trace');
      await until(() => (native.output().match(/Finished, Length=/g) ?? []).length >= 2, 10_000, 'native trace');
      match(ours.output(), /\nReceived TLS Record\nHeader:\n {2}Version = TLS 1\.0 \(0x301\)\n {2}Content Type = Handshake \(22\)\n {2}Length = \d+\n {4}ClientHello, Length=\d+\n/);
      deepEqual(traceShape(ours.output()), traceShape(native.output()));
      const sent = recordOf(clients[0], 'Sent', 'ClientHello');
      match(sent, /\n {6}client_version=0x303 \(TLS 1\.2\)\n[\s\S]*extension_type=server_name\(0\)[\s\S]*extension_type=key_share\(51\)/);
      equal(recordOf(ours.output(), 'Received', 'ClientHello'), sent, 'the ClientHello native s_client sent, as this module printed it on receipt');
    } finally {
      await ours.stop();
      await native.stop();
    }
  });
}, { runtimes: ['node', 'deno'] });
