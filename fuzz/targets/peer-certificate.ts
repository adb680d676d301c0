// Target 6: a peer's certificates read out field by field (Connection.peerCertificateDetails,
// ts/oo/x509-info.ts: names, subjectAltName, times, serial, key, extendedKeyUsage), on certificates
// an attacker sends. A TLS 1.2 client that does not verify is fed server flights (ServerHello,
// Certificate, ...) mutated: the Certificate message is in the clear in TLS 1.2, and without
// verification any certificate OpenSSL parses is kept as the peer's, whatever the handshake does
// next (the ServerKeyExchange, signed for another client's random, then fails). Each certificate
// kept is read whole: a clean result, or OpenSSL's refusal.
import { OpenSSLError } from '../../ts/index.ts';
import type { CertificateInfo } from '../../ts/oo/x509-info.ts';
import { ContractViolation } from '../contract.ts';
import { advance } from './drive.ts';
import type { FuzzTarget } from './target.ts';

const violation = (what: string) => new ContractViolation(`peer-certificate: ${what}`);

/** What every field of a read certificate must be. */
function check(c: CertificateInfo): void {
  const pairs = (v: unknown) => Array.isArray(v) && v.every(e => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && e[0] !== '' && typeof e[1] === 'string');
  if (!pairs(c.subject) || !pairs(c.issuer)) throw violation('a name is not [short name, value] pairs');
  if (c.subjectAltName !== null && typeof c.subjectAltName !== 'string') throw violation('subjectAltName');
  if (typeof c.validFrom !== 'string' || typeof c.validTo !== 'string') throw violation('validity');
  if (!/^-?[0-9A-F]*$/.test(c.serialNumber)) throw violation(`serialNumber ${c.serialNumber}`);
  if (c.sha1.length !== 20 || c.sha256.length !== 32 || c.sha512.length !== 64) throw violation('a fingerprint of the wrong length');
  if (!Number.isInteger(c.bits) || c.bits < 0) throw violation(`bits ${c.bits}`);
  if (c.extKeyUsage !== null && !c.extKeyUsage.every(o => typeof o === 'string' && o !== '')) throw violation('extKeyUsage');
  if (c.rsa && !(/^[0-9A-F]+$/.test(c.rsa.modulus) && typeof c.rsa.exponent === 'bigint')) throw violation('rsa');
  if (c.der.length === 0) throw violation('empty DER');
}

export const peerCertificateTarget: FuzzTarget = {
  name: 'peer-certificate',
  mustReach: ['certs=1 san=true key=ec'],
  async setup({ ossl }) {
    const cctx = ossl.createContext({ role: 'client', verifyPeer: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    return {
      instances: [ossl],
      async run(input) {
        const c = cctx.createConnection({ serverName: 'localhost' });
        try {
          await advance(c);
          c.takeOutgoing();
          c.receive(input);
          let p: string;
          try {
            p = await advance(c);
          } catch (e) {
            if (!(e instanceof OpenSSLError)) throw e;
            p = (e.reason ?? e.message).replace(/\d+/g, 'N').slice(0, 60); // alert numbers do not make an outcome each
          }
          const certs = c.peerCertificateDetails(true);
          certs.forEach(check);
          const leaf = certs[0];
          return `${p} certs=${Math.min(certs.length, 3)} san=${leaf?.subjectAltName != null} key=${leaf ? leaf.rsa ? 'rsa' : leaf.ec ? 'ec' : leaf.publicKey ? 'other' : 'none' : '-'}`;
        } finally {
          c.free();
        }
      },
      free() { cctx.free(); },
    };
  },
};
