// The build's source pin (Node only: it runs the fetch script): a tarball that is not the pinned
// release is refused with a message that says what to do.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { equal, match } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { tempDir } from '../io/peers.ts';

const fetchScript = fileURLToPath(new URL('../../openssl-src/fetch.sh', import.meta.url));

function fetchWith(tarball: string, line = '3.5') {
  return spawnSync('bash', [fetchScript], { env: { ...process.env, OPENSSL_TARBALL: tarball, OPENSSL_WASM_LINE: line }, encoding: 'utf8', timeout: 30_000 });
}

suite('build: the OpenSSL source pin', test => {
  test('OPENSSL_TARBALL with another sha256 is refused, naming the line\'s pin and what to do (both lines)', () => {
    const dir = tempDir();
    try {
      for (const [line, version, sha] of [['3.5', '3\\.5\\.7', 'a8c0d28a'], ['4.0', '4\\.0\\.2', '736b4675']]) {
        const file = `${dir.path}/openssl-${line}.tar.gz`;
        writeFileSync(file, 'not the release');
        const r = fetchWith(file, line);
        equal(r.status, 1);
        match(r.stderr, new RegExp(`has sha256 [0-9a-f]{64}, but openssl-src/pin-${line}\\.sh pins OpenSSL ${version} as ${sha}`));
        match(r.stderr, new RegExp(`update OPENSSL_VERSION and OPENSSL_SHA256 in openssl-src/pin-${line}\\.sh`));
        equal(r.stdout, '', 'no path is printed for the build to use');
      }
      // Both lines' tarballs in one OPENSSL_TARBALL: each line takes the one its pin names, or says none is.
      const r = fetchWith(`${dir.path}/openssl-3.5.tar.gz:${dir.path}/openssl-4.0.tar.gz`, '4.0');
      equal(r.status, 1);
      match(r.stderr, /none of OPENSSL_TARBALL=\S+ is OpenSSL 4\.0\.2 \(sha256 736b4675\w+, line 4\.0\)/);
    } finally {
      dir.remove();
    }
  });

  test('an OPENSSL_WASM_LINE that names no line is refused', () => {
    const r = fetchWith('/nonexistent/openssl.tar.gz', '3.0');
    equal(r.status, 1);
    match(r.stderr, /OPENSSL_WASM_LINE=3\.0: the lines are 3\.5 \(default\) and 4\.0/);
  });

  test('OPENSSL_TARBALL naming no file is refused', () => {
    const r = fetchWith('/nonexistent/openssl.tar.gz');
    equal(r.status, 1);
    match(r.stderr, /OPENSSL_TARBALL=\/nonexistent\/openssl\.tar\.gz is not a file/);
  });
}, { runtimes: ['node'] });
