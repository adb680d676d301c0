#!/usr/bin/env node
// Runs OpenSSL's own test programs, built for wasm by scripts/test-upstream.sh, under Node with the
// source tree's test data, the way OpenSSL's recipes (test/recipes/*.t) run them for this
// configuration. Prints passed / failed / skipped per program and module, what was skipped and why,
// and ends with one line `N passed, N failed` (the programs' top-level TAP results: one per test
// function of sslapitest, recordlentest, sslbuffertest, tls13secretstest; one per data file for evp_test; one per
// configuration and provider for ssl_test; one per invocation of ssl_old_test).
// Usage: node scripts/test-upstream.mjs TREE plain=BIN_DIR [simd=BIN_DIR]
//   TREE: the configured OpenSSL source tree (test data, generate_ssl_tests.pl, disabled.txt)
//   BIN_DIR: the programs linked for that module (<program>.js + .wasm)
//   UPSTREAM_PROGRAMS="evp_test ssl_test"  run only these programs
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [tree, ...modules] = process.argv.slice(2);
if (!tree || modules.length === 0) {
  console.error('usage: node scripts/test-upstream.mjs TREE plain=BIN_DIR [simd=BIN_DIR]');
  process.exit(2);
}
const src = (...p) => join(tree, ...p);
const disabled = new Set(readFileSync(src('disabled.txt'), 'utf8').split('\n').filter(Boolean));
const work = mkdtempSync(join(tmpdir(), 'openssl-upstream-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// --- What runs, as the recipes decide for this configuration -------------------------------------

// Names of the features among `names` that are configured out: a non-empty answer is a skip reason.
const off = (...names) => names.filter((n) => disabled.has(n));
const allOff = (...names) => (names.every((n) => disabled.has(n)) ? names : []);
const reason = (...lists) => lists.flat().join(', ');

// test/recipes/80-test_ssl_new.t: %skip (a configuration runs unless its condition holds).
const tlsProtocols = ['ssl3', 'tls1', 'tls1_1', 'tls1_2', 'tls1_3'];
const noTls = allOff(...tlsProtocols);
const noTlsBelow13 = noTls.length ? noTls : disabled.has('tls1_2') && !disabled.has('tls1_3') ? ['tls1_2'] : [];
const noDtls = allOff('dtls1', 'dtls1_2');
const noPre13 = allOff('ssl3', 'tls1', 'tls1_1', 'tls1_2');
const noEcAndDh = allOff('ec', 'dh');
const sslTestSkips = {
  '06-sni-ticket': noTlsBelow13,
  '07-dtls-protocol-version': noDtls,
  '08-npn': reason(allOff('tls1', 'tls1_1', 'tls1_2'), off('nextprotoneg')),
  '10-resumption': off('tls1_1', 'tls1_2'),
  '11-dtls_resumption': off('dtls1', 'dtls1_2'),
  '12-ct': reason(noTls, off('ct', 'ec')),
  '13-fragmentation': off('tls1_2'),
  '14-curves': off('tls1_2', 'tls1_3', 'ec2m', 'ecx', 'dh'),
  '15-certstatus': reason(noTls, off('ocsp')),
  '16-dtls-certstatus': reason(noDtls, off('ocsp')),
  '17-renegotiate': noTlsBelow13,
  '18-dtls-renegotiate': noDtls,
  '19-mac-then-encrypt': noPre13,
  '20-cert-select': off('tls1_2', 'ecx'),
  '21-key-update': reason(off('tls1_3'), noEcAndDh),
  '22-compression': reason(off('zlib'), noTls),
  '23-srp': reason(allOff('tls1', 'tls1_1', 'tls1_2'), off('srp')),
  '24-padding': reason(off('tls1_3'), noEcAndDh),
  '25-cipher': off('ec', 'tls1_2'),
  '26-tls13_client_auth': reason(off('tls1_3'), noEcAndDh),
  '29-dtls-sctp-label-bug': off('sctp', 'sock'),
  '32-compressed-certificate': off('comp', 'tls1_3'),
};
const sslTestConfigs = readdirSync(src('test/ssl-tests')).filter((f) => f.endsWith('.cnf.in')).sort()
  .map((f) => {
    const name = f.slice(0, -'.cnf.in'.length);
    const why = reason(sslTestSkips[name] ?? noTls);
    return { name, input: src('test/ssl-tests', f), skip: why && `configured out: ${why}` };
  });

// test/recipes/30-test_evp_data/: every data file, except those whose algorithms are configured out:
// the features each needs are test/recipes/30-test_evp.t's `unless $no_...` conditions (plus the
// legacy provider for evpkdf_pvkkdf.txt, which no recipe runs yet). The rest run in every
// configuration; evp_test itself skips the stanzas whose algorithm this build lacks (counted below).
const evpNeeds = {
  evppkey_ffdhe: ['dh'], evppkey_dh: ['dh'],
  evpkdf_x942_des: ['des'], evpmac_cmac_des: ['des'],
  evppkey_dsa: ['dsa'], evppkey_dsa_sigalg: ['dsa'], evppkey_dsa_rfc6979: ['dsa'],
  evppkey_ecx: ['ecx'], evppkey_ecx_sigalg: ['ecx'], evppkey_mismatch_ecx: ['ecx'], evppkey_ecx_kem: ['ecx'],
  evppkey_ecc: ['ec'], evppkey_ecdh: ['ec'], evppkey_ecdsa: ['ec'], evppkey_ecdsa_sigalg: ['ec'],
  evppkey_kas: ['ec'], evppkey_mismatch: ['ec'], evppkey_brainpool: ['ec'], evppkey_ecdsa_rfc6979: ['ec'],
  evppkey_sm2: ['sm2'], evpkdf_pvkkdf: ['legacy'], evpciph_aes_gcm_siv: ['siv'], evpciph_aes_siv: ['siv'], evpkdf_argon2: ['argon2'],
};
for (const f of readdirSync(src('test/recipes/30-test_evp_data'))) {
  if (/^evppkey_ml_dsa_/.test(f)) evpNeeds[f.slice(0, -4)] = ['ml-dsa'];
  if (/^evppkey_ml_kem_/.test(f)) evpNeeds[f.slice(0, -4)] = ['ml-kem'];
  if (/^evppkey_slh_dsa_/.test(f)) evpNeeds[f.slice(0, -4)] = ['slh-dsa'];
}
const evpFiles = readdirSync(src('test/recipes/30-test_evp_data')).filter((f) => f.endsWith('.txt')).sort()
  .map((f) => {
    const why = off(...(evpNeeds[f.slice(0, -4)] ?? [])).join(', ');
    return { name: f, skip: why && `configured out: ${why}` };
  });

// --- Running one program -------------------------------------------------------------------------

// Runs `node BIN/prog.js ...args` (emscripten 3.1.6 fetches its .wasm through a global fetch when
// there is one, which fails for a file path: --no-experimental-fetch removes Node 20's). stdout and
// stderr go to one file through one descriptor, so the TAP lines and the reasons the tests print on
// stderr stay in order and whole.
let runs = 0;
function runProgram(bin, prog, args, env = {}) {
  return new Promise((resolve) => {
    const start = performance.now();
    const file = join(work, `out-${++runs}.txt`);
    const fd = openSync(file, 'w');
    const child = spawn(process.execPath, ['--no-experimental-fetch', join(bin, `${prog}.js`), ...args], {
      cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    // Bounded: the slowest run (sslapitest) takes under a minute; a hang is a failure, not a stuck CI job.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    let finished = false;
    const done = (code, signal) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const out = readFileSync(file, 'utf8');
      rmSync(file, { force: true });
      resolve({ code: code ?? 128, signal, out, seconds: (performance.now() - start) / 1000 });
    };
    child.on('error', (err) => done(-1, String(err)));
    child.on('close', done);
  });
}

// Counts a program's TAP output: top-level results (column 0) and iterations (indented), and
// groups what was skipped with the reason the test gave (TEST_skip prints "# SKIP: @ file:line"
// and the reason on the next line, before the verdict).
function tap(out) {
  const r = { passed: 0, failed: 0, skipped: 0, planned: 0, iterations: { passed: 0, failed: 0, skipped: 0 },
    skips: new Map(), failedNames: [] };
  let subtest = '', reason = '', reasonNext = false;
  for (const line of out.split('\n')) {
    if (reasonNext) { reason = line.replace(/^\s*#\s*/, ''); reasonNext = false; continue; }
    if (/^\s*# SKIP:/.test(line)) { reasonNext = true; continue; }
    let m = /^\s*# Subtest: (.*)/.exec(line);
    if (m) { subtest = m[1]; continue; }
    m = /^1\.\.(\d+)/.exec(line);
    if (m) { r.planned += Number(m[1]); continue; }
    m = /^(\s*)(not ok|ok) \d+ - (.*?)( # skipped)?$/.exec(line);
    if (!m) continue;
    const bucket = m[1] ? r.iterations : r;
    const kind = m[4] ? 'skipped' : m[2] === 'ok' ? 'passed' : 'failed';
    bucket[kind]++;
    if (kind === 'skipped') {
      const key = `${m[1] ? subtest : m[3]}: ${reason || 'no reason printed'}`;
      r.skips.set(key, (r.skips.get(key) ?? 0) + (m[1] ? 1 : 0));
    }
    if (!m[1] && kind === 'failed') r.failedNames.push(m[3]);
    reason = '';
  }
  return r;
}

// One program's results on one module, summed over its invocations.
class Tally {
  constructor(prog) {
    Object.assign(this, { prog, passed: 0, failed: 0, skipped: 0, seconds: 0, failures: [], skips: [] });
    this.iterations = { passed: 0, failed: 0, skipped: 0 };
    this.stanzas = { tests: 0, errors: 0, skipped: 0 };
  }
  // Adds one invocation; `label` names it in the failure list.
  add(label, run) {
    const t = tap(run.out);
    this.seconds += run.seconds;
    this.passed += t.passed; this.failed += t.failed; this.skipped += t.skipped;
    for (const k of Object.keys(this.iterations)) this.iterations[k] += t.iterations[k];
    // evp_test's own count of the stanzas in a file ("Completed N tests with E errors and S skipped").
    let stanzas = 0;
    for (const m of run.out.matchAll(/Completed (\d+) tests with (\d+) errors and (\d+) skipped/g)) {
      this.stanzas.tests += Number(m[1]); this.stanzas.errors += Number(m[2]); this.stanzas.skipped += Number(m[3]);
      stanzas += Number(m[3]);
    }
    for (const [what, iterations] of t.skips) this.skips.push(`${label}${what}${iterations ? ` (${iterations} iteration${iterations > 1 ? 's' : ''})` : ''}`);
    if (stanzas) this.skips.push(`${label}${stanzas} stanzas skipped by evp_test (algorithm not in this build, or written for another provider or version)`);
    const counted = t.passed + t.failed + t.skipped;
    // A crash or an exit status that no `not ok` explains is a failure too, as are planned tests
    // that never reported.
    let problem = '';
    if (run.signal) problem = `killed by ${run.signal}`;
    else if (counted < t.planned) problem = `${t.planned - counted} planned tests never reported (exit code ${run.code})`;
    else if (run.code !== 0 && t.failed === 0) problem = `exit code ${run.code}`;
    else if (counted === 0) problem = 'no TAP output';
    if (problem) this.failed++;
    if (t.failed || problem) {
      this.failures.push(`${label}${[...t.failedNames, problem].filter(Boolean).join('; ')}`);
      this.failureLog = (this.failureLog ?? '') + `\n----- ${this.prog} ${label}\n${run.out.split('\n').slice(-60).join('\n')}`;
    }
  }
  skipAll(label, why) { this.skipped++; this.skips.push(`${label}: ${why}`); }
  // For a program that reports by exit status only (ssl_old_test); `expectFailure`: the recipe's
  // `is(run(...), 0)` / `ok(!run(...))`, a handshake that must be refused.
  addExit(label, run, expectFailure = false) {
    this.seconds += run.seconds;
    if (!run.signal && (run.code !== 0) === expectFailure) { this.passed++; return; }
    this.failed++;
    this.failures.push(`${label}: exit code ${run.code}${run.signal ? ` (${run.signal})` : ''}${expectFailure ? ', expected a failure' : ''}`);
    this.failureLog = (this.failureLog ?? '') + `\n----- ${this.prog} ${label}\n${run.out.split('\n').slice(-40).join('\n')}`;
  }
}

// --- The programs --------------------------------------------------------------------------------

// ssl_test's configurations are generated once from test/ssl-tests/*.cnf.in, per provider, as the
// recipe does (perl, OpenSSL's own generator and configdata.pm).
const generated = new Map();
function sslTestConfig(conf, provider) {
  const key = `${conf.name}.${provider}`;
  if (!generated.has(key)) {
    const r = spawnSync('perl', ['-I', src('util/perl'), src('test/generate_ssl_tests.pl'), conf.input, provider], {
      cwd: tree, env: { ...process.env, SRCTOP: tree, BLDTOP: tree }, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`generate_ssl_tests.pl ${conf.name} ${provider} failed:\n${r.stderr}`);
    const file = join(work, `${key}.cnf`);
    writeFileSync(file, r.stdout);
    generated.set(key, file);
  }
  return generated.get(key);
}

// The invocations of test/recipes/80-test_ssl_old.t, in its order, with its skip conditions. The recipe
// first makes its certificates with the openssl app (subtest test_ss); here the pre-made ones of the
// same keys in test/certs stand in: the recipe's "user" certificate (key ee-key.pem, issued by
// ca-cert.pem under root-cert.pem, no extended key usage) is ee-cert.pem for the server and
// ee-client.pem for the client (the same key and issuer, purpose serverAuth and clientAuth).
function sslOldTestRuns() {
  const has = (f) => !disabled.has(f);
  const caFile = join(work, 'ssl_old_test-ca.pem');
  writeFileSync(caFile, readFileSync(src('test/certs/root-cert.pem'), 'utf8') + readFileSync(src('test/certs/ca-cert.pem'), 'utf8'));
  const key = src('test/certs/ee-key.pem');
  const ssltest = ['-s_key', key, '-s_cert', src('test/certs/ee-cert.pem'), '-c_key', key, '-c_cert', src('test/certs/ee-client.pem'),
    '-config', src('test/default.cnf'), '-provider', 'default'];
  const CA = ['-CAfile', caFile];
  const serverinfo = src('test/serverinfo.pem');
  const runs = [];
  const run = (name, args, { skip = '', expectFailure = false } = {}) => runs.push({ name, args, skip, expectFailure });
  const needs = (...fs) => { const o = off(...fs); return o.length ? `configured out: ${o.join(', ')}` : ''; };
  const noSock = 'needs sockets (configured out: sock; wasm has none)';

  run('test_ss', [], { skip: "the recipe's certificate making (openssl req/x509/verify) is not repeated: the pre-made certificates of the same keys in test/certs are used" });
  // standard SSL tests
  for (const a of [[], ['-server_auth', ...CA], ['-client_auth', ...CA], ['-server_auth', '-client_auth', ...CA]]) {
    run(`sslv3 ${a.filter((x) => x.startsWith('-') && x !== '-CAfile').join(' ')}`.trim(), [...ssltest, '-bio_pair', '-ssl3', ...a], { skip: needs('ssl3') });
  }
  run('bio_pair', [...ssltest, '-bio_pair']);
  run('bio_pair -no_dhe -no_ecdhe', [...ssltest, '-bio_pair', '-no_dhe', '-no_ecdhe']);
  run('bio_pair -dhe1024dsa', [...ssltest, '-bio_pair', '-dhe1024dsa', '-v'], { skip: needs('dh') });
  run('bio_pair -server_auth', [...ssltest, '-bio_pair', '-server_auth', ...CA]);
  run('bio_pair -client_auth', [...ssltest, '-bio_pair', '-client_auth', ...CA]);
  run('bio_pair -server_auth -client_auth', [...ssltest, '-bio_pair', '-server_auth', '-client_auth', ...CA]);
  run('bio_pair -server_auth -client_auth -app_verify', [...ssltest, '-bio_pair', '-server_auth', '-client_auth', '-app_verify', ...CA]);
  for (const ip of ['-ipv4', '-ipv6']) {
    for (const ktls of [[], ['-client_ktls'], ['-server_ktls'], ['-client_ktls', '-server_ktls']]) {
      run([ip, ...ktls].join(' '), [], { skip: noSock });
    }
  }
  // "Testing ciphersuites": every suite the openssl app lists for each protocol, with an ECDSA
  // certificate besides the RSA one (the recipe's certE.ss: server-ecdsa-cert.pem, under root-cert.pem).
  const exkeys = disabled.has('ec') ? [] : ['-s_cert', src('test/certs/server-ecdsa-cert.pem'), '-s_key', src('test/certs/server-ecdsa-key.pem')];
  runs.push({ name: 'Testing ciphersuites', suites: { ssltest, exkeys } });
  // SSL security level failure tests
  run('-ssl3 @SECLEVEL=1 refused', [...ssltest, '-bio_pair', '-ssl3', '-cipher', '@SECLEVEL=1'], { skip: needs('ssl3'), expectFailure: true });
  run('-tls1 @SECLEVEL=1 refused', [...ssltest, '-bio_pair', '-tls1', '-cipher', '@SECLEVEL=1'], { skip: needs('tls1'), expectFailure: true });
  run('-tls1_1 @SECLEVEL=1 refused', [...ssltest, '-bio_pair', '-tls1_1', '-cipher', '@SECLEVEL=1'], { skip: needs('tls1_1'), expectFailure: true });
  // RSA/(EC)DHE/PSK tests
  const server2 = ['-s_cert', src('apps/server2.pem')];
  run('-tls1 ADH -dhe1024dsa x10', [...ssltest, '-v', '-bio_pair', '-tls1', '-cipher', 'ADH', '-dhe1024dsa', '-num', '10', '-f', '-time'], { skip: needs('tls1', 'dh') });
  run('-tls1 RSA no (EC)DHE x10', ['-provider', 'default', '-v', '-bio_pair', '-tls1', ...server2, '-no_dhe', '-no_ecdhe', '-num', '10', '-f', '-time'], { skip: needs('tls1', 'rsa') });
  run('-tls1 RSA DHE x10', ['-provider', 'default', '-v', '-bio_pair', '-tls1', ...server2, '-dhe1024dsa', '-num', '10', '-f', '-time'], { skip: needs('tls1', 'rsa', 'dh') });
  run('-tls1 PSK', [...ssltest, '-tls1', '-cipher', 'PSK', '-psk', 'abc123'], { skip: needs('tls1', 'psk') });
  run('-tls1 PSK bio_pair', [...ssltest, '-bio_pair', '-tls1', '-cipher', 'PSK', '-psk', 'abc123'], { skip: needs('tls1', 'psk') });
  run('auto DH PSK', ['-psk', '0102030405', '-cipher', '@SECLEVEL=2:DHE-PSK-AES128-CCM'], { skip: needs('tls1', 'dh', 'psk') });
  run('auto DHE PSK at SECLEVEL 3', ['-tls1_2', '-dhe4096', '-psk', '0102030405', '-cipher', '@SECLEVEL=3:DHE-PSK-AES256-CBC-SHA384'], { skip: needs('tls1_2', 'dh', 'psk') });
  run('auto ECDHE PSK at SECLEVEL 3', ['-tls1_2', '-no_dhe', '-psk', '0102030405', '-cipher', '@SECLEVEL=3:ECDHE-PSK-AES256-CBC-SHA384'], { skip: needs('tls1_2', 'ec', 'psk') });
  run('RSA PSK at SECLEVEL 3 refused', ['-tls1_2', '-no_dhe', '-psk', '0102030405', '-cipher', '@SECLEVEL=3:RSA-PSK-AES256-CBC-SHA384'], { skip: needs('tls1_2', 'rsa', 'psk'), expectFailure: true });
  run('PSK at SECLEVEL 3 refused', ['-tls1_2', '-no_dhe', '-psk', '0102030405', '-cipher', '@SECLEVEL=3:PSK-AES256-CBC-SHA384'], { skip: needs('tls1_2', 'psk'), expectFailure: true });
  // Custom Extension and Serverinfo tests
  run('-tls1 -custom_ext', [...ssltest, '-bio_pair', '-tls1', '-custom_ext'], { skip: needs('tls1') });
  for (const extra of [[], ['-serverinfo_sct'], ['-serverinfo_tack'], ['-serverinfo_sct', '-serverinfo_tack'], ['-custom_ext', '-serverinfo_sct', '-serverinfo_tack']]) {
    run(`-tls1 serverinfo ${extra.join(' ')}`.trim(), [...ssltest, '-bio_pair', '-tls1', '-serverinfo_file', serverinfo, ...extra], { skip: needs('tls1') });
  }
  return runs;
}

// The recipe's "Testing ciphersuites": for each protocol, `openssl ciphers -s` (the openssl app of the
// same module) lists the suites, then ssl_old_test makes one connection with each.
async function sslOldTestSuites(bin, t, { ssltest, exkeys }) {
  const protocols = [['-tls1_3', ['tls1_3']], ['-tls1_2', ['tls1_2']], ['-tls1', ['tls1']], ['-ssl3', ['ssl3']]];
  for (const [protocol, needs] of protocols) {
    const why = off(...needs).join(', ');
    if (why) { t.skipAll(`suites ${protocol}`, `configured out: ${why}`); continue; }
    const list = await runProgram(bin, 'openssl', ['ciphers', '-s', protocol, '-provider', 'default', 'ALL:-PSK:-SRP:@SECLEVEL=0'],
      { OPENSSL_CONF: src('test/default.cnf') });
    t.addExit(`Getting ciphers for ${protocol}`, list);
    const suites = list.code === 0 ? list.out.trim().split(':').filter(Boolean) : [];
    for (const suite of suites) {
      // ssl_old_test has no -tls1_3: TLS 1.3 is its default; its suites are set with -ciphersuites.
      const args = protocol === '-tls1_3'
        ? [...ssltest, ...exkeys, '-cipher', '', '-ciphersuites', suite]
        : [...ssltest, ...exkeys, '-cipher', `${suite}:@SECLEVEL=0`, '-ciphersuites', '', protocol];
      t.addExit(`${protocol} ${suite}`, await runProgram(bin, 'ssl_old_test', args));
    }
    if (protocol === '-tls1_3') continue;
    const weakDh = `${protocol} weak DH refused (-dhe512)`;
    if (disabled.has('dh')) t.skipAll(weakDh, 'configured out: dh');
    else t.addExit(weakDh, await runProgram(bin, 'ssl_old_test', [...ssltest, '-s_cipher', 'EDH', '-c_cipher', 'EDH:@SECLEVEL=1', '-dhe512', protocol]), true);
  }
}

const programs = {
  // test/recipes/90-test_sslapi.t, the default-provider run (the FIPS runs: no FIPS module here).
  async sslapitest(bin, t) {
    const data = src('test/recipes/90-test_sslapi_data');
    t.add('', await runProgram(bin, 'sslapitest', [
      src('test/certs'), join(data, 'passwd.txt'), join(work, 'sslapitest.tmp'), 'default',
      src('test/default.cnf'), join(data, 'dhparams.pem'), data,
    ]));
  },
  // test/recipes/80-test_ssl_new.t: every configuration with providers "none" and "default".
  async ssl_test(bin, t) {
    const env = { TEST_CERTS_DIR: src('test/certs'), CTLOG_FILE: src('test/ct/log_list.cnf') };
    for (const conf of sslTestConfigs) {
      if (conf.skip) { t.skipAll(conf.name, conf.skip); continue; }
      for (const provider of ['none', 'default']) {
        t.add(`${conf.name} ${provider}: `, await runProgram(bin, 'ssl_test', [sslTestConfig(conf, provider), provider], env));
      }
    }
  },
  // test/recipes/30-test_evp.t: each data file with the default provider's configuration.
  async evp_test(bin, t) {
    for (const f of evpFiles) {
      if (f.skip) { t.skipAll(f.name, f.skip); continue; }
      t.add(`${f.name}: `, await runProgram(bin, 'evp_test', [
        '-config', src('test/default.cnf'), src('test/recipes/30-test_evp_data', f.name),
      ]));
    }
  },
  // test/recipes/70-test_recordlen.t and 90-test_sslbuffers.t
  async recordlentest(bin, t) {
    t.add('', await runProgram(bin, 'recordlentest', [src('apps/server.pem'), src('apps/server.pem')]));
  },
  async sslbuffertest(bin, t) {
    t.add('', await runProgram(bin, 'sslbuffertest', [src('apps/server.pem'), src('apps/server.pem')]));
  },
  // test/recipes/80-test_ssl_old.t with the default provider, each invocation the recipe makes in
  // this configuration; see sslOldTestRuns.
  async ssl_old_test(bin, t) {
    for (const r of sslOldTestRuns()) {
      if (r.suites) { await sslOldTestSuites(bin, t, r.suites); continue; }
      if (r.skip) { t.skipAll(r.name, r.skip); continue; }
      t.addExit(r.name, await runProgram(bin, 'ssl_old_test', r.args), r.expectFailure);
    }
  },
  // test/recipes/90-test_tls13secrets.t
  // Linked statically with its own tls13_enc.c and mocks renamed (scripts/test-upstream.sh, secrets_objects).
  async tls13secretstest(bin, t) {
    if (disabled.has('tls1_3')) { t.skipAll('tls13secretstest', 'configured out: tls1_3'); return; }
    t.add('', await runProgram(bin, 'tls13secretstest', []));
  },
};

// --- Main ----------------------------------------------------------------------------------------

const only = (process.env.UPSTREAM_PROGRAMS ?? '').split(/[\s,]+/).filter(Boolean);
for (const p of only) if (!(p in programs)) throw new Error(`UPSTREAM_PROGRAMS: no program "${p}"; expected any of: ${Object.keys(programs).join(' ')}`);
const tallies = [];
for (const arg of modules) {
  const [module, bin] = arg.split('=');
  console.log(`\n=== OpenSSL's tests on the ${module} module (${bin}) ===`);
  for (const [prog, fn] of Object.entries(programs)) {
    if (only.length && !only.includes(prog)) continue;
    const t = new Tally(prog);
    t.module = module;
    await fn(bin, t);
    tallies.push(t);
    const it = t.iterations.passed + t.iterations.failed + t.iterations.skipped;
    const details = [];
    if (it) details.push(`${t.iterations.passed}/${it} iterations passed, ${t.iterations.skipped} skipped`);
    if (t.stanzas.tests) details.push(`${t.stanzas.tests - t.stanzas.errors - t.stanzas.skipped} test stanzas passed, ${t.stanzas.errors} errors, ${t.stanzas.skipped} skipped`);
    console.log(`${t.failed ? 'FAIL' : 'ok  '} ${module.padEnd(5)} ${prog.padEnd(16)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped` +
      `${details.length ? `  (${details.join('; ')})` : ''}  ${t.seconds.toFixed(1)}s`);
    for (const s of t.skips) console.log(`       skipped: ${s}`);
    for (const f of t.failures) console.log(`       FAILED: ${f}`);
    if (t.failureLog) console.log(t.failureLog);
  }
}
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
const skipped = tallies.reduce((n, t) => n + t.skipped, 0);
console.log(`\n(${skipped} skipped, each listed above with its reason)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
