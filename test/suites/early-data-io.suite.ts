// Early data (0-RTT) against native OpenSSL (Debian's 3.0), both ways, through the CLIs (which run on
// the Node adapter, so on the engine's early-data path): `openssl-wasm s_client -sess_in -early_data
// FILE` to native `openssl s_server -early_data`, and native `openssl s_client -sess_in -early_data
// FILE` to `openssl-wasm s_server -early_data`. Each: a ticket, then its early data accepted, then
// the same ticket again, its early data rejected by the server's anti-replay; the lines as native
// prints them.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectDeno, OpenSSL } from '../../ts/deno.ts';
import { connect as nodeConnect, createServer } from '../../ts/node.ts';
import { equal, match, ok } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';
import { cli, Input, wasmServer } from '../io/cli-run.ts';
import { fixturePath, sClient, sServer, tempDir, until } from '../io/peers.ts';

const CA = fixturePath('ca.pem');
const KEY = ['-cert', fixturePath('server.pem'), '-key', fixturePath('server.key')];
const EARLY = 'hello in the first flight';
/** The line print_stuff (s_client.c) prints per SSL_get_early_data_status. */
const STATUS_LINE = /^Early data was (accepted|rejected|not sent)$/m;


suite('early data (0-RTT) with native OpenSSL', test => {
  test('openssl-wasm s_client -early_data -> native s_server -early_data: accepted, then the same ticket rejected (as native s_client)', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-early_data', '-tls1_3']);
    const dir = tempDir();
    try {
      const sess = join(dir.path, 'sess.pem'), replay = join(dir.path, 'replay.pem'), ed = join(dir.path, 'early.txt');
      writeFileSync(ed, EARLY);
      const common = ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', CA];
      const first = await cli(ossl, [...common, '-sess_out', sess], new Input(''));
      equal(first.code, 0, first.err);
      equal(STATUS_LINE.exec(first.out)?.[0], 'Early data was not sent');
      copyFileSync(sess, replay); // the ticket, kept to be used a second time
      const second = await cli(ossl, [...common, '-sess_in', sess, '-early_data', ed], new Input(''));
      equal(second.code, 0, second.err);
      match(second.out, /\nReused, TLSv1\.3, /);
      equal(STATUS_LINE.exec(second.out)?.[0], 'Early data was accepted', second.out + second.err);
      await until(() => server.output().includes('End of early data'), 10_000, 'native s_server to read the early data');
      // Native writes the data itself unbuffered (raw_write_stdout) and its own lines through a
      // buffered BIO: through a pipe, the data can come before the lines around it.
      match(server.output(), /\nEarly data received:\n/);
      equal(server.output().split(EARLY).length, 2, 'native s_server printed the early data once');

      const third = await cli(ossl, [...common, '-sess_in', replay, '-early_data', ed], new Input(''));
      equal(third.code, 0, third.err);
      equal(STATUS_LINE.exec(third.out)?.[0], 'Early data was rejected', 'the replayed ticket\'s early data');
      await until(() => server.output().includes('Early data was rejected'), 10_000, 'native s_server to reject the replay');
      // The engine sent the rejected early data again after the handshake: it arrives once, as ordinary data.
      await until(() => server.output().split(EARLY).length === 3, 10_000, 'the resent data at native s_server');

      // Native s_client, the same way, prints the same lines.
      writeFileSync(join(dir.path, 'n.pem'), '');
      const nsess = join(dir.path, 'n.pem'), nreplay = join(dir.path, 'nreplay.pem');
      await sClient([...common.slice(1), '-sess_out', nsess], () => readFileSync(nsess).length > 0);
      copyFileSync(nsess, nreplay);
      const n2 = await sClient([...common.slice(1), '-sess_in', nsess, '-early_data', ed], o => STATUS_LINE.test(o));
      const n3 = await sClient([...common.slice(1), '-sess_in', nreplay, '-early_data', ed], o => STATUS_LINE.test(o));
      equal(STATUS_LINE.exec(n2)?.[0], 'Early data was accepted', 'native s_client');
      equal(STATUS_LINE.exec(n3)?.[0], 'Early data was rejected', 'native s_client, the replay');
    } finally {
      dir.remove();
      await server.stop();
    }
  });

  test('native s_client -sess_in -early_data FILE -> openssl-wasm s_server -early_data: accepted, then the same ticket rejected (as native s_server)', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await wasmServer(ossl, [...KEY, '-early_data', '-tls1_3'], { stdin: new Input(undefined, false) }); // input that never ends: its end would stop the server
    const dir = tempDir();
    try {
      const sess = join(dir.path, 'sess.pem'), replay = join(dir.path, 'replay.pem'), ed = join(dir.path, 'early.txt');
      writeFileSync(ed, EARLY);
      writeFileSync(sess, '');
      const common = ['-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', CA];
      const first = await sClient([...common, '-sess_out', sess], () => existsSync(sess) && readFileSync(sess).length > 0);
      equal(STATUS_LINE.exec(first)?.[0], 'Early data was not sent');
      await until(() => server.output().includes('No early data received\n'), 10_000, 'the wasm server\'s line for a full handshake');
      copyFileSync(sess, replay);

      const second = await sClient([...common, '-sess_in', sess, '-early_data', ed], o => STATUS_LINE.test(o));
      match(second, /\nReused, TLSv1\.3, /);
      equal(STATUS_LINE.exec(second)?.[0], 'Early data was accepted', 'native s_client');
      await until(() => server.output().includes('End of early data'), 10_000, 'the wasm s_server to print the early data');
      match(server.output(), new RegExp(`\\nEarly data received:\\n${EARLY}\\nEnd of early data\\n`));

      const third = await sClient([...common, '-sess_in', replay, '-early_data', ed], o => STATUS_LINE.test(o));
      equal(STATUS_LINE.exec(third)?.[0], 'Early data was rejected', 'native s_client, the replayed ticket');
      await until(() => server.output().includes('Early data was rejected\n'), 10_000, 'the wasm s_server to reject the replay');
      ok(server.output().split(EARLY).length === 2, 'the replayed early data never reached the wasm s_server\'s output');
    } finally {
      dir.remove();
      await server.stop();
    }
  });

  test('s_server -early_data with -rev and a missing -early_data file, are refused as native refuses them', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const rev = await cli(ossl, ['s_server', ...KEY, '-early_data', '-rev']);
    ok(rev.code !== 0);
    match(rev.err, /Can't use -early_data in combination with -rev/);
    const missing = await cli(ossl, ['s_client', '-connect', '127.0.0.1:1', '-early_data', '/nonexistent/early.txt']);
    ok(missing.code !== 0);
    match(missing.err, /Cannot open early data file/);
  });
}, { runtimes: ['node', 'deno'] });

suite('early data (0-RTT), Deno adapter with native OpenSSL', test => {
  test('connectDeno({ earlyData }) -> native s_server -early_data: accepted; the same ticket again rejected, and the data sent after the handshake', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const server = await sServer(['-early_data', '-tls1_3']);
    const context = ossl.createContext({ role: 'client', ca: readFileSync(CA, 'utf8') });
    const open = async (session?: Uint8Array, early?: string) => {
      let der: Uint8Array | null = null;
      const stream = await connectDeno({ hostname: '127.0.0.1', serverName: 'localhost', port: server.port, openssl: ossl, context,
        session, onSession: s => { der ??= s.toDER(); }, ...(early ? { earlyData: new TextEncoder().encode(early) } : {}) });
      await stream.handshake;
      if (!session) await until(() => der !== null, 10_000, 'a ticket');
      const status = stream.connection.earlyDataStatus;
      const reader = stream.readable.getReader();
      void (async () => { while (!(await reader.read()).done); })().catch(() => undefined);
      await stream.writable.close();
      await stream.closed.catch(() => undefined);
      return { status, der };
    };
    try {
      const { der } = await open();
      const accepted = await open(der!, 'from deno, early\n');
      equal(accepted.status, 'accepted');
      await until(() => server.output().includes('End of early data'), 10_000, 'native s_server to read the early data');
      const replayed = await open(der!, 'from deno, again\n');
      equal(replayed.status, 'rejected');
      await until(() => server.output().includes('Early data was rejected') && server.output().includes('from deno, again'), 10_000,
        'native s_server to reject the replay and then get the data after the handshake');
    } finally {
      context.free();
      await server.stop();
    }
  });
}, { runtimes: ['deno'] });

suite('early data (0-RTT), Node adapter both ends', test => {
  test('connect({ session, earlyData }) -> createServer({ contextOptions: { maxEarlyData } }): the data arrives before secureConnection; a replay is rejected and the data comes after', async () => {
    const ossl = await OpenSSL.load({ wasm: wasmURL });
    const received: string[] = [];
    const server = createServer({ openssl: ossl, cert: readFileSync(fixturePath('server.pem'), 'utf8'), key: readFileSync(fixturePath('server.key'), 'utf8'),
      contextOptions: { maxEarlyData: 1024 } }, sock => {
      const status = sock.connection!.earlyDataStatus;
      sock.on('data', (d: Uint8Array) => { received.push(`${status}: ${new TextDecoder().decode(d)}`); sock.end(); });
      sock.on('error', () => undefined);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const context = ossl.createContext({ role: 'client', ca: readFileSync(CA, 'utf8') });
    const open = (session?: Uint8Array, earlyData?: string) => new Promise<{ status: string; der: Uint8Array | null }>((resolve, reject) => {
      let der: Uint8Array | null = null;
      const sock = nodeConnect({ host: '127.0.0.1', servername: 'localhost', port, openssl: ossl, context, session, ...(earlyData ? { earlyData } : {}) });
      sock.on('session', (d: Uint8Array) => { der ??= d; });
      sock.on('error', reject);
      sock.on('secureConnect', () => { if (!earlyData) sock.write('plain'); });
      sock.on('data', () => undefined);
      sock.on('close', () => resolve({ status: sock.connection?.alive ? sock.connection.earlyDataStatus : 'freed', der }));
      sock.on('end', () => sock.end());
    });
    try {
      const first = await open();
      ok(first.der, 'a ticket');
      let status = '';
      const sock = nodeConnect({ host: '127.0.0.1', servername: 'localhost', port, openssl: ossl, context, session: first.der!, earlyData: 'zero rtt' });
      sock.on('secureConnect', () => { status = sock.connection!.earlyDataStatus; });
      sock.on('data', () => undefined);
      await new Promise<void>((r, j) => { sock.on('close', () => r()); sock.on('error', j); sock.on('end', () => sock.end()); });
      equal(status, 'accepted', 'the client saw it accepted');
      const replay = nodeConnect({ host: '127.0.0.1', servername: 'localhost', port, openssl: ossl, context, session: first.der!, earlyData: 'zero rtt again' });
      let replayStatus = '';
      replay.on('secureConnect', () => { replayStatus = replay.connection!.earlyDataStatus; });
      replay.on('data', () => undefined);
      await new Promise<void>((r, j) => { replay.on('close', () => r()); replay.on('error', j); replay.on('end', () => replay.end()); });
      equal(replayStatus, 'rejected');
      equal(received.join(' | '), 'not-sent: plain | accepted: zero rtt | rejected: zero rtt again',
        'the server read the early data first (accepted), and the replay\'s only after the handshake');
    } finally {
      context.free();
      await new Promise<void>(r => server.close(() => r()));
    }
  });
}, { runtimes: ['node'] });
