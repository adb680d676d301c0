// Two vitest projects running the same neutral runner (test/vitest.test.ts):
// `node` and `browser` (headless Debian Chromium via playwright; never a downloaded browser).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

const root = fileURLToPath(new URL('.', import.meta.url));
// Chromium otherwise creates ~/.config/chromium and ~/.cache/dconf; keep its droppings in the clone.
const chromiumHome = `${root}node_modules/.cache/chromium`;

export default defineConfig({
  // The OpenSSL line under test (test/lib/line.ts): OPENSSL_WASM_LINE of the environment vitest runs
  // in, made visible to the browser, which has no environment of its own.
  define: { __OPENSSL_WASM_LINE__: JSON.stringify(process.env.OPENSSL_WASM_LINE ?? '') },
  server: {
    fs: {
      // Tests resolve `new URL('../wasm/openssl.wasm', import.meta.url)`; allow vite to serve
      // anything in the clone (not just the test dir) so that fetch works in the browser.
      allow: [root],
      // Vite's default deny list also blocks *.{crt,pem,key,der,...}, which TLS test fixtures
      // need to fetch (403 otherwise). The dev server only listens on localhost during tests.
      deny: ['.env', '.env.*', '.npmrc', '.yarnrc.yml', '**/.git/**'],
    },
  },
  test: {
    // Failure screenshots/annotations would otherwise land in ./.vitest-attachments.
    attachmentsDir: 'node_modules/.cache/vitest-attachments',
    projects: [
      {
        extends: true,
        test: { name: 'node', environment: 'node', include: ['test/vitest.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/vitest.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            // Screenshots of a blank test page are useless here and would litter test/__screenshots__.
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: '/usr/bin/chromium',
                env: { ...process.env, XDG_CONFIG_HOME: `${chromiumHome}/config`, XDG_CACHE_HOME: `${chromiumHome}/cache` },
                // Runs as root in CI/containers: Chromium refuses to start without --no-sandbox.
                // The rest avoid network/GPU access the sandboxed machine does not have.
                args: [
                  '--no-sandbox',
                  '--disable-gpu',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                  '--no-first-run',
                  // gc() for the FinalizationRegistry test (objects-finalization.suite.ts): memory pressure alone
                  // sometimes runs only a partial collection on a loaded machine.
                  '--js-flags=--expose-gc',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
