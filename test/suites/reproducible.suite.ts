// Reproducible modules (README, "Reproducible modules"): nothing in them depends on where or when they
// were built. OpenSSL's "built on" text is the release tarball's own date (scripts/build-libs.sh sets
// SOURCE_DATE_EPOCH from it), and no path of the building machine is in them. (The full check, a
// second link in another directory, is scripts/check-reproducible.sh: minutes, not a test.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { equal, ok } from '../lib/assert.ts';
import { plainWasmURL, simdWasmURL } from '../lib/fixtures.ts';
import { suite } from '../lib/suite.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The newest file time in the pinned tarball, as Perl's scalar gmtime writes it ("Tue Jun  9 11:54:25 2026 UTC"). */
function tarballDate(): string {
  const tarball = spawnSync('bash', [`${root}openssl-src/fetch.sh`], { encoding: 'utf8', timeout: 60_000 }).stdout.trim();
  const list = spawnSync('tar', ['-tvzf', tarball, '--full-time'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  const newest = list.split('\n').map(l => l.split(/\s+/)).filter(f => f.length > 5).map(f => `${f[3]}T${f[4]}Z`).sort().at(-1)!;
  const d = new Date(newest);
  const [wd, , mon, year] = d.toUTCString().replace(',', '').split(' '); // "Tue 09 Jun 2026 11:54:25 GMT"
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${wd} ${mon} ${day} ${d.toISOString().slice(11, 19)} ${year} UTC`;
}

/** Every run of 6 or more printable bytes, as `strings` finds them. */
function strings(bytes: Uint8Array): string[] {
  return new TextDecoder('latin1').decode(bytes).match(/[\x20-\x7e]{6,}/g) ?? [];
}

suite('reproducible modules', test => {
  for (const url of [plainWasmURL, simdWasmURL]) {
    const name = url.pathname.split('/').at(-1)!;
    test(`${name}: built on the release tarball's date, with no path of the building machine`, () => {
      const text = strings(readFileSync(url));
      const builtOn = text.filter(s => s.includes('built on:'));
      equal(builtOn.length, 1, `one "built on" text (${builtOn.join(' | ')})`);
      equal(builtOn[0].replace(/^.*built on: /, ''), tarballDate(), 'the date is the tarball\'s newest file, not the day of the build');
      const cache = process.env.OPENSSL_WASM_CACHE ?? `${homedir()}/.cache/openssl-wasm`;
      for (const path of [root, cache, homedir() + '/', tmpdir() + '/', '/work/', '/home/']) {
        const found = text.filter(s => s.includes(path));
        ok(found.length === 0, `no string holds ${path}: ${found.slice(0, 3).join(' | ')}`);
      }
    });
  }
}, { runtimes: ['node'] });
