// The public API sweep's table for OpenSSL (an instance): how each member is used, and how it must fail.
import type { OpenSSL } from '../../../ts/index.ts';
import * as assert from '../assert.ts';
import { testLine } from '../line.ts';
import { type Table, getter, gigabyte, bytes, hugeText, onEchLine, echKey, on40 } from './sweep.ts';

export const OPENSSL: Table<OpenSSL> = {
  raw: getter('raw', { afterFree: 'an instance is never freed' }),
  version: getter('version', { afterFree: 'an instance is never freed' }),
  createContext: {
    use: o => o.createContext({ role: 'client', verifyPeer: false }).free(),
    afterFree: 'an instance is never freed',
    wrong: [o => o.createContext(null as never), o => o.createContext({ role: 'proxy' } as never), o => o.createContext({ role: 'client', bogus: 1 } as never)],
    oversized: [o => o.createContext({ role: 'client', verifyPeer: false, maxIncomingBytes: 2 ** 60 }),
      // PEM text longer than any that holds a certificate list or a key: refused, not copied in
      (o, w) => o.createContext({ role: 'server', certificate: '-'.repeat(64 << 20), privateKey: w.pki.key }),
      (o, w) => o.createContext({ role: 'server', certificate: w.pki.cert, privateKey: '-'.repeat(8 << 20) }),
      o => o.createContext({ role: 'client', ca: '-'.repeat(64 << 20) }),
      // ALPN: a name of at most 255 bytes, a list of at most 0xffff in wire format (RFC 7301)
      o => o.createContext({ role: 'client', verifyPeer: false, alpn: [hugeText()] }),
      o => o.createContext({ role: 'client', verifyPeer: false, alpn: new Array<string>(300).fill('x'.repeat(255)) }),
      // lists, passphrases, PKCS#12, CRLs, PSK identities: each bounded before it is copied in
      o => o.createContext({ role: 'client', verifyPeer: false, groups: hugeText() }),
      o => o.createContext({ role: 'client', verifyPeer: false, cipherList: hugeText() }),
      o => o.createContext({ role: 'client', verifyPeer: false, cipherSuites: hugeText() }),
      (o, w) => o.createContext({ role: 'server', certificate: w.pki.cert, privateKey: w.pki.key, privateKeyPassphrase: 'x'.repeat(1025) }),
      (o, w) => o.createContext({ role: 'server', certificate: w.pki.cert, privateKey: w.pki.key, privateKeyPassphrase: hugeText() }),
      o => o.createContext({ role: 'server', pkcs12: gigabyte() }),
      o => o.createContext({ role: 'server', pkcs12: bytes(16), pkcs12Passphrase: hugeText() }),
      (o, w) => o.createContext({ role: 'client', ca: w.pki.ca, crl: hugeText() }),
      (o, w) => o.createContext({ role: 'client', ca: w.pki.ca, crl: ['', hugeText()] }),
      o => { const session = o.pskSession({ key: bytes(32) }); try { return o.createContext({ role: 'client', verifyPeer: false, psk: { identity: hugeText(), session } }); } finally { session.free(); } },
      o => o.createContext({ role: 'server', verifyPeer: false, onPskFind: () => null, pskIdentityHint: hugeText() })],
  },
  newSession: { use: o => o.newSession().free(), afterFree: 'an instance is never freed' },
  pskSession: {
    use: o => o.pskSession({ key: bytes(32) }).free(), afterFree: 'an instance is never freed',
    wrong: [o => o.pskSession(5 as never), o => o.pskSession({ key: 'k' } as never)],
    oversized: [o => o.pskSession({ key: bytes(1 << 20) }), o => o.pskSession({ key: gigabyte() }), o => o.pskSession({ key: bytes(32), cipher: hugeText() })],
  },
  sessionFromDER: {
    use: (o, w) => o.sessionFromDER(w.other.session.toDER()).free(), // sessions move between instances as bytes
    afterFree: 'an instance is never freed',
    wrong: [o => o.sessionFromDER('x' as never), o => o.sessionFromDER(null as never)],
    oversized: [o => o.sessionFromDER(gigabyte())],
  },
  sessionFromPEM: {
    use: (o, w) => o.sessionFromPEM(w.other.session.toPEM()).free(),
    afterFree: 'an instance is never freed',
    wrong: [o => o.sessionFromPEM(5 as never), o => o.sessionFromPEM(bytes(4) as never)],
    oversized: [o => o.sessionFromPEM('-'.repeat(64 << 20))],
  },
  owns: {
    use: (o, w) => assert.equal(o.owns(w.other.session), false), afterFree: 'an instance is never freed',
  },
  stats: { use: o => o.stats(), afterFree: 'an instance is never freed' },
  line: { use: o => assert.equal(o.line, testLine), afterFree: 'an instance is never freed' },
  // ECH (4.0 line; on 3.5 a TypeError naming it).
  generateEchKey: {
    use: o => onEchLine(() => assert.match(echKey(o), /-----BEGIN ECHCONFIG-----/)), afterFree: 'an instance is never freed',
    wrong: [o => o.generateEchKey(null as never), o => o.generateEchKey('public.example' as never), o => o.generateEchKey({ publicName: 5 } as never),
      o => o.generateEchKey({ publicName: '' }), o => o.generateEchKey({ publicName: 'p', suite: 5 } as never), o => o.generateEchKey({ publicName: 'p', maxNameLength: -1 })],
    oversized: on40([o => o.generateEchKey({ publicName: 'p'.repeat(256) }), o => o.generateEchKey({ publicName: 'p', maxNameLength: 256 }),
      o => o.generateEchKey({ publicName: 'p', suite: hugeText() })]),
  },
  echConfigList: {
    use: o => onEchLine(() => assert.ok(o.echConfigList([echKey(o)]).length > 0)), afterFree: 'an instance is never freed',
    wrong: [o => o.echConfigList('pem' as never), o => o.echConfigList([5] as never), o => o.echConfigList([]), o => o.echConfigList(null as never)],
    oversized: on40([o => o.echConfigList(['-'.repeat(64 << 20)])]),
  },
  echConfigListPEM: {
    use: o => onEchLine(() => assert.match(o.echConfigListPEM([echKey(o)]), /-----BEGIN ECHCONFIG-----/)), afterFree: 'an instance is never freed',
    wrong: [o => o.echConfigListPEM({} as never), o => o.echConfigListPEM([{ retry: true }] as never), o => o.echConfigListPEM([])],
    oversized: on40([o => o.echConfigListPEM(['-'.repeat(64 << 20)])]),
  },
};
