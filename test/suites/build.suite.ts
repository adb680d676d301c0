// The build's source pin (Node only: it runs the fetch script): a tarball that is not the pinned
// release is refused with a message that says what to do.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { equal, match } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { tempDir } from '../io/peers.ts';

const fetchScript = fileURLToPath(new URL('../../openssl-src/fetch.sh', import.meta.url));

function fetchWith(tarball: string) {
  return spawnSync('bash', [fetchScript], { env: { ...process.env, OPENSSL_TARBALL: tarball }, encoding: 'utf8', timeout: 30_000 });
}

suite('build: the OpenSSL source pin', test => {
  test('OPENSSL_TARBALL with another sha256 is refused, naming the pin and what to do', () => {
    const dir = tempDir();
    try {
      const file = `${dir.path}/openssl-3.5.7.tar.gz`;
      writeFileSync(file, 'not the release');
      const r = fetchWith(file);
      equal(r.status, 1);
      match(r.stderr, /has sha256 [0-9a-f]{64}, but openssl-src\/pin\.sh pins OpenSSL 3\.5\.7 as a8c0d28a/);
      match(r.stderr, /update OPENSSL_VERSION and OPENSSL_SHA256 in openssl-src\/pin\.sh/);
      equal(r.stdout, '', 'no path is printed for the build to use');
    } finally {
      dir.remove();
    }
  });

  test('OPENSSL_TARBALL naming no file is refused', () => {
    const r = fetchWith('/nonexistent/openssl.tar.gz');
    equal(r.status, 1);
    match(r.stderr, /OPENSSL_TARBALL=\/nonexistent\/openssl\.tar\.gz is not a file/);
  });
}, { runtimes: ['node'] });
