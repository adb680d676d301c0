// Target 7: the ECHConfigList a client is given (createConnection's ech.configList, s_client's
// -ech_config_list), which comes from a DNS HTTPS record: outside input. On the OpenSSL 4.0 line
// whatever line is under test (3.5 has no ECH). The first byte picks the form of the rest: the bytes
// (0), their base64 made here (1), or text as it is (2, 3: mutated base64, whitespace). A client
// given it runs a whole handshake with a server holding the key the seeds' lists were made from
// (fuzz/fixtures/ech.pem), which answers a list for a key it lacks with its retry configs. A list is
// refused cleanly at createConnection, or the handshake ends as ECH says; the client never reports
// ECH success the server does not share.
import { OpenSSL, OpenSSLError } from '../../ts/index.ts';
import { readURL } from '../../test/lib/fixtures.ts';
import { ContractViolation } from '../contract.ts';
import { drive } from './drive.ts';
import { fixtureURL } from './fixtures.ts';
import type { FuzzTarget } from './target.ts';

const ECH40_WASM = new URL('../../wasm/4.0/openssl-simd.wasm', import.meta.url);

export const echConfigListTarget: FuzzTarget = {
  name: 'ech-config-list',
  mustReach: ['success/success', 'failed-ech/grease retry=true'],
  async setup({ ossl: underTest, fixtures }) {
    const ossl = underTest.line === '4.0' ? underTest : await OpenSSL.load({ wasm: ECH40_WASM, line: '4.0' });
    const pem = new TextDecoder().decode(await readURL(fixtureURL('ech.pem')));
    const sctx = ossl.createContext({ role: 'server', certificate: fixtures.pki.cert, privateKey: fixtures.pki.key, minVersion: 'TLSv1.3', echKeys: [{ pem, retry: true }] });
    const cctx = ossl.createContext({ role: 'client', ca: fixtures.pki.ca, minVersion: 'TLSv1.3' });
    const text = new TextDecoder('utf-8', { fatal: false });
    const b64 = (b: Uint8Array) => { let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); };
    return {
      instances: [ossl],
      async run(input) {
        const mode = input.length ? input[0] & 3 : 0;
        const rest = input.subarray(1);
        const configList = mode === 0 ? rest.slice() : mode === 1 ? b64(rest) : text.decode(rest);
        const c = cctx.createConnection({ serverName: 'localhost', ech: { configList } });
        const s = sctx.createConnection();
        try {
          let p: string;
          try {
            p = await drive(c, s);
          } catch (e) {
            if (!(e instanceof OpenSSLError)) throw e;
            p = e.reason ?? 'OpenSSLError';
          }
          const ce = c.ech?.status, se = s.ech?.status;
          if (ce === 'success' && (se !== 'success' || s.ech?.innerServerName !== 'localhost')) {
            throw new ContractViolation(`ech-config-list: the client reports ECH success, the server ${se} (inner name ${s.ech?.innerServerName})`);
          }
          return `${p} ${ce}/${se} retry=${c.echRetryConfigs !== null}`;
        } finally {
          c.free();
          s.free();
        }
      },
      free() {
        sctx.free();
        cctx.free();
      },
    };
  },
};
