// Encrypted Client Hello over real sockets, OpenSSL 4.0 line (Node and Deno): the CLI with native
// 4.0's names (`ech -public_name -out`, s_server -ech_key, s_client -ech_config_list printing
// `ECH: success: 1`), the Node adapter, and native OpenSSL 4.0 (the pinned source built natively by
// scripts/build-native-openssl.sh, which `npm test` runs first; by hand, run it once) as the peer
// both ways, full and resumed, ECH success on both
// ends. On the 3.5 line: the CLI's ECH options say to use the 4.0 line.
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { join } from 'node:path';
import { connect, createServer, OpenSSL, type TLSSocket } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { testLine } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';
import { cli, cliBundle, Input, proc, wasmServer } from '../io/cli-run.ts';
import { fixturePath, nativeOpenSSL4, openssl, sClient, sServer, tempDir, until } from '../io/peers.ts';

const CA = fixturePath('ca.pem');
const KEY = ['-cert', fixturePath('server.pem'), '-key', fixturePath('server.key')];
// The outer name: one the test certificate also covers (a failed ECH falls back to it).
const PUBLIC_NAME = 'server.test';
/** The base64 ECHConfigList of an ECH PEM file: its ECHCONFIG block's body (what an HTTPS record's ech= holds). */
const configListOf = (pem: string) => /-----BEGIN ECHCONFIG-----\n([\s\S]*?)-----END ECHCONFIG-----/.exec(pem)![1].replace(/\s/g, '');

/**
 * One wasm client connection through the Node adapter with ECH: sends `request`, then reads until
 * the server closes (`untilClose`, as s_server -www does) or until the first reply; resolves with
 * what the client saw and the reply.
 */
function echClient(ossl: OpenSSL, port: number, configList: string, session?: Uint8Array, request = 'ping\n', untilClose = false) {
  return new Promise<{ status: string | undefined; inner: string | null | undefined; outer: string | null | undefined; reused: boolean; session: Uint8Array | null; reply: string }>((resolve, reject) => {
    let saved: Uint8Array | null = null;
    let reply = '';
    const sock: TLSSocket = connect({
      host: '127.0.0.1', port, servername: 'localhost', openssl: ossl, contextOptions: { ca: readFileSync(CA, 'utf8') },
      ech: { configList }, session, handshakeTimeout: 10_000,
    });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no end in 10 s; reply so far: ${reply}`)); }, 10_000);
    sock.on('session', (der: Uint8Array) => { saved = der; });
    sock.on('error', e => { clearTimeout(timer); reject(e); });
    sock.on('secureConnect', () => {
      const e = sock.connection!.ech;
      const result = { status: e?.status, inner: e?.innerServerName, outer: e?.outerServerName, reused: sock.isSessionReused() };
      sock.once('close', () => { clearTimeout(timer); resolve({ ...result, session: saved, reply }); });
      sock.write(request);
    });
    sock.on('data', (d: Uint8Array) => {
      reply += new TextDecoder().decode(d);
      // The echo came after the server's tickets (TLS 1.3 sends them first): a session is in hand.
      if (!untilClose) sock.end();
    });
    if (untilClose) sock.on('end', () => sock.end());
  });
}

suite('ech over sockets: CLI, Node adapter, native OpenSSL 4.0', test => {
  test('the openssl-wasm process takes its line from OPENSSL_WASM_LINE (3.5 when unset); another value is one line of error', async () => {
    const bundle = await cliBundle();
    for (const [line, version] of [['', /^OpenSSL 3\.5\./], ['3.5', /^OpenSSL 3\.5\./], ['4.0', /^OpenSSL 4\.0\./]] as const) {
      const r = await proc(process.execPath, [bundle, 'version'], { env: { OPENSSL_WASM_LINE: line } });
      equal(r.code, 0, r.err);
      match(r.out, version, `OPENSSL_WASM_LINE=${line}`);
    }
    const bad = await proc(process.execPath, [bundle, 'version'], { env: { OPENSSL_WASM_LINE: '3.0' } });
    equal(bad.code, 1);
    equal(bad.err, 'openssl-wasm: OPENSSL_WASM_LINE=3.0: the OpenSSL lines are 3.5 (the default) and 4.0\n');
  });

  if (testLine === '3.5') {
    test('on the 3.5 line: ech, -ech_key and -ech_config_list say to use the 4.0 line', async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      const gen = await cli(ossl, ['ech', '-public_name', PUBLIC_NAME], null);
      equal(gen.code, 1);
      match(gen.err, /needs the OpenSSL 4\.0 line: run with OPENSSL_WASM_LINE=4\.0/);
      const c = await cli(ossl, ['s_client', '-connect', '127.0.0.1:1', '-ech_config_list', 'AAAA'], null);
      match(c.err, /-ech_\* options need the OpenSSL 4\.0 line/);
      const s = await cli(ossl, ['s_server', ...KEY, '-ech_key', fixturePath('server.key')], null);
      match(s.err, /-ech_key needs the OpenSSL 4\.0 line/);
    });
    return;
  }

  test('CLI: `ech -public_name -out`, s_server -ech_key, s_client -ech_config_list prints ECH: success: 1, full and resumed', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    const keyFile = join(dir.path, 'ech.pem'), sess = join(dir.path, 'sess.pem');
    try {
      const gen = await cli(ossl, ['ech', '-public_name', PUBLIC_NAME, '-out', keyFile], null);
      equal(gen.code, 0, gen.err);
      const configList = configListOf(readFileSync(keyFile, 'utf8'));
      const server = await wasmServer(ossl, [...KEY, '-ech_key', keyFile, '-naccept', '2'], { stdin: new Input('', false) }); // stdin stays open: its end would stop the server
      try {
        const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-ech_config_list', configList, '-servername', 'localhost'];
        const first = await cli(ossl, ['s_client', ...args, '-sess_out', sess], new Input(''));
        equal(first.code, 0, first.err);
        match(first.out, /\nNew, TLSv1\.3, /);
        match(first.out, /\n---\nECH: success: 1\nECH: inner: localhost\nECH: outer: server\.test\n---\n/, 'native 4.0\'s ECH block');
        const second = await cli(ossl, ['s_client', ...args, '-sess_in', sess], new Input(''));
        equal(second.code, 0, second.err);
        match(second.out, /\nReused, TLSv1\.3, /);
        match(second.out, /\nECH: success: 1\n/, 'resumed with ECH');
        await until(() => (server.output().match(/ECH: success: 1/g) ?? []).length === 2, 10_000, 'both server reports');
        match(server.output(), /Reused session-id\n[\s\S]*ECH: success: 1\nECH: inner: localhost\nECH: outer: server\.test\n/, 'the server\'s side of the resumed one');
      } finally {
        await server.stop();
      }
    } finally {
      dir.remove();
    }
  });

  test('native OpenSSL 4.0 s_client -ech_config_list against the wasm s_server -ech_key (key from native `openssl ech`), full and resumed', async () => {
    const native = await nativeOpenSSL4();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    const keyFile = join(dir.path, 'ech.pem'), sess = join(dir.path, 'sess.pem');
    try {
      const gen = await openssl(['ech', '-public_name', PUBLIC_NAME, '-out', keyFile], '', native);
      equal(gen.code, 0, gen.out);
      const configList = configListOf(readFileSync(keyFile, 'utf8'));
      const server = await wasmServer(ossl, [...KEY, '-ech_key', keyFile, '-naccept', '2'], { stdin: new Input('', false) }); // stdin stays open: its end would stop the server
      try {
        const args = ['-connect', `127.0.0.1:${server.port}`, '-CAfile', CA, '-ech_config_list', configList, '-servername', 'localhost'];
        // (Its ticket lines may wait in stdout's buffer: the -sess_out file says a ticket came.)
        const hasFile = () => { try { return readFileSync(sess).length > 0; } catch { return false; } };
        const first = await sClient([...args, '-sess_out', sess], out => /\nECH: /.test(out) && hasFile(), 15_000, native);
        match(first, /\nECH: success: 1\nECH: inner: localhost\nECH: outer: server\.test\n/, 'native client: ECH success');
        const second = await sClient([...args, '-sess_in', sess], out => /\nECH: /.test(out), 15_000, native);
        match(second, /\nReused, TLSv1\.3, /, 'native client resumed');
        match(second, /\nECH: success: 1\n/, 'native client: ECH success when resumed');
        await until(() => (server.output().match(/ECH: success: 1/g) ?? []).length === 2, 10_000, 'both server reports');
        match(server.output(), /Reused session-id\n[\s\S]*ECH: success: 1\n/, 'wasm server: ECH success on the resumed one');
      } finally {
        await server.stop();
      }
    } finally {
      dir.remove();
    }
  });

  test('the wasm client (Node adapter, ech option) against native OpenSSL 4.0 s_server -www -ech_key (key from `openssl-wasm ech`), full and resumed', async () => {
    const native = await nativeOpenSSL4();
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const dir = tempDir();
    const keyFile = join(dir.path, 'ech.pem');
    try {
      writeFileSync(keyFile, ossl.generateEchKey({ publicName: PUBLIC_NAME }));
      const configList = configListOf(readFileSync(keyFile, 'utf8'));
      // -www: native s_server's page says what ECH did on its end (and New or Reused).
      const server = await sServer(['-www', '-ech_key', keyFile], native);
      const get = 'GET / HTTP/1.0\r\n\r\n';
      try {
        const first = await echClient(ossl, server.port, configList, undefined, get, true);
        equal(first.status, 'success', 'wasm client: ECH success');
        equal(first.inner, 'localhost');
        equal(first.outer, PUBLIC_NAME);
        equal(first.reused, false);
        match(first.reply, /ECH success: outer sni: server\.test, inner sni: localhost\n/, 'native server: ECH success');
        match(first.reply, /\nNew, TLSv1\.3, /);
        ok(first.session, 'a session arrived');
        const second = await echClient(ossl, server.port, configList, first.session!, get, true);
        equal(second.reused, true, 'resumed');
        equal(second.status, 'success', 'wasm client: ECH success when resumed');
        match(second.reply, /ECH success: outer sni: server\.test, inner sni: localhost\n/, 'native server: ECH success when resumed');
        match(second.reply, /\nReused, TLSv1\.3, /);
      } finally {
        await server.stop();
      }
    } finally {
      dir.remove();
    }
  });

  test('the wasm server (Node adapter, echKeys) against the wasm client (Node adapter, ech): full and resumed', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const key = ossl.generateEchKey({ publicName: PUBLIC_NAME });
    const seen: Array<string | undefined> = [];
    const server = createServer({
      openssl: ossl, cert: readFileSync(fixturePath('server.pem'), 'utf8'), key: readFileSync(fixturePath('server.key'), 'utf8'),
      contextOptions: { echKeys: [key] },
    }, sock => { seen.push(`${sock.connection!.ech?.status} ${sock.connection!.ech?.innerServerName} ${String(sock.isSessionReused())}`); sock.on('data', d => sock.write(d)); sock.on('end', () => sock.end()); });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const configList = Buffer.from(ossl.echConfigList([key])).toString('base64');
      const first = await echClient(ossl, port, configList);
      equal(first.status, 'success');
      const second = await echClient(ossl, port, configList, first.session!);
      equal(second.reused, true);
      equal(second.status, 'success');
      equal(seen.join(' | '), 'success localhost false | success localhost true', 'the server saw ECH success, full then resumed');
    } finally {
      await new Promise<void>(r => server.close(() => r()));
    }
  });
}, { runtimes: ['node', 'deno'] });
