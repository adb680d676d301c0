// The public API sweep's table for Context: how each member is used, and how it must fail.
import type { Context } from '../../../ts/index.ts';
import * as assert from '../assert.ts';
import { testLine } from '../line.ts';
import { type Table, getter, gigabyte, bytes, hugeText, onEchLine, echKey, on40, HANDLE_ROWS } from './sweep.ts';

export const CONTEXT: Table<Context> = {
  ...(HANDLE_ROWS as unknown as Table<Context>),
  core: { internal: "the instance's shared state (a private field)" },
  role: getter('role', { afterFree: "the role it was made with: a JavaScript field" }),
  addTrustedCertificates: {
    use: (x, w) => x.addTrustedCertificates(w.pki.ca),
    // Text that is not PEM is bad input, not misuse: an OpenSSLError with the PEM stack (objects suite).
    wrong: [x => x.addTrustedCertificates(5 as never), x => x.addTrustedCertificates([5] as never)],
    // More certificates than one text may hold: refused, none taken (they were once dropped past 1000, silently).
    oversized: [(x, w) => x.addTrustedCertificates(`${w.pki.ca}\n`.repeat(1001))],
  },
  verifyPeer: getter('verifyPeer'),
  maxIncomingBytes: getter('maxIncomingBytes'),
  createConnection: {
    use: x => x.createConnection(x.role === 'client' ? { serverName: 'localhost' } : {}).free(),
    foreign: [(x, w) => x.createConnection({ serverName: 'localhost', session: w.other.session })],
    wrong: [x => x.createConnection(5 as never), x => x.createConnection({ bogus: 1 } as never), x => x.createConnection({ serverName: 5 } as never),
      x => x.createConnection({ serverName: 'localhost', maxIncomingBytes: 'big' } as never),
      x => x.createConnection({ serverName: 'localhost', ech: 5 } as never), x => x.createConnection({ serverName: 'localhost', ech: { configList: 5 } } as never),
      x => x.createConnection({ serverName: 'localhost', ech: {} }), x => x.createConnection({ serverName: 'localhost', ech: { grease: true, outerServerName: 'o' } })],
    oversized: [x => x.createConnection({ serverName: 'localhost', maxIncomingBytes: 2 ** 60 }),
      // more than an ECHConfigList can be (a 16-bit length): refused before the line is asked
      // (a client's option: a server context's row asks the world's client context)
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { configList: bytes(1 << 20) } }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { configList: 'A'.repeat(64 << 20) } }),
      // an SNI name is at most 255 bytes (TLSEXT_MAXLEN_host_name), an ECH outer name too
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'x'.repeat(256) }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: hugeText() }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { configList: 'AAAA', outerServerName: hugeText() } }),
      (x, w) => (x.role === 'client' ? x : w.client).createConnection({ serverName: 'localhost', ech: { grease: hugeText() } })],
  },
  sessionCacheMode: { use: x => { x.sessionCacheMode = x.sessionCacheMode; }, wrong: [x => { x.sessionCacheMode = 'x' as never; }, x => { x.sessionCacheMode = -1; }] },
  sessionCacheSize: { use: x => { x.sessionCacheSize = x.sessionCacheSize; }, wrong: [x => { x.sessionCacheSize = 'x' as never; }], oversized: [x => { x.sessionCacheSize = 2 ** 40; }] },
  sessionTimeout: { use: x => { x.sessionTimeout = x.sessionTimeout; }, wrong: [x => { x.sessionTimeout = 1.5; }], oversized: [x => { x.sessionTimeout = 2 ** 40; }] },
  numTickets: { use: x => { x.numTickets = x.numTickets; }, wrong: [x => { x.numTickets = 'x' as never; }], oversized: [x => { x.numTickets = 2 ** 40; }] },
  sessionIdContext: {
    use: x => { x.sessionIdContext = 'sweep'; },
    wrong: [x => { x.sessionIdContext = 5 as never; }],
    oversized: [x => { x.sessionIdContext = bytes(33); }, x => { x.sessionIdContext = gigabyte(); }, x => { x.sessionIdContext = hugeText(); }],
  },
  setSessionCallbacks: { use: x => x.setSessionCallbacks({}), wrong: [x => x.setSessionCallbacks(5 as never), x => x.setSessionCallbacks(null as never)] },
  setClientHelloHandler: { role: 'server', use: x => x.setClientHelloHandler(null), wrong: [x => x.setClientHelloHandler(5 as never)] },
  setTicketKeys: {
    use: x => x.setTicketKeys([]),
    wrong: [x => x.setTicketKeys('x' as never), x => x.setTicketKeys([{}] as never), x => x.setTicketKeys([null] as never)],
    oversized: [x => x.setTicketKeys(Array.from({ length: 17 }, () => ({ name: bytes(16), aesKey: bytes(32), hmacKey: bytes(32) })))],
  },
  shareTicketKeys: {
    role: 'server',
    use: (x, w) => x.shareTicketKeys(w.server),
    foreign: [(x, w) => x.shareTicketKeys(w.other.server)],
    wrong: [x => x.shareTicketKeys({} as never), x => x.shareTicketKeys(null as never), (x, w) => x.shareTicketKeys(w.client)],
  },
  options: getter('options'),
  setOptions: { use: x => x.setOptions(0n), wrong: [x => x.setOptions(1 as never)] },
  clearOptions: { use: x => x.clearOptions(0n), wrong: [x => x.clearOptions('1' as never)] },
  minVersion: { use: x => { x.minVersion = 'TLSv1.2'; }, wrong: [x => { x.minVersion = 'TLSv9' as never; }, x => { x.minVersion = 771 as never; }] },
  maxVersion: { use: x => { x.maxVersion = null; }, wrong: [x => { x.maxVersion = 'SSLv3' as never; }] },
  addSession: {
    use: (x, w) => { const s = w.o.newSession(); try { x.addSession(s); } finally { s.free(); } },
    foreign: [(x, w) => x.addSession(w.other.session)],
    wrong: [x => x.addSession('x' as never), x => x.addSession(null as never)],
  },
  removeSession: {
    use: (x, w) => { const s = w.o.newSession(); try { x.removeSession(s); } finally { s.free(); } },
    foreign: [(x, w) => x.removeSession(w.other.session)],
    wrong: [x => x.removeSession({} as never)],
  },
  flushSessions: { use: x => x.flushSessions(), wrong: [x => x.flushSessions('now' as never), x => x.flushSessions(-1)] },
  sessionStats: getter('sessionStats'),
  maxEarlyData: {
    role: 'server', use: x => { x.maxEarlyData = x.maxEarlyData; },
    wrong: [x => { x.maxEarlyData = 'x' as never; }], oversized: [x => { x.maxEarlyData = 2 ** 32; }],
  },
  recvMaxEarlyData: {
    role: 'server', use: x => { x.recvMaxEarlyData = x.recvMaxEarlyData; },
    wrong: [x => { x.recvMaxEarlyData = null as never; }],
  },
  clientHelloHandler: getter('clientHelloHandler'),
  // ECH (4.0 line; on 3.5 a TypeError naming it). From inside the server's handshake callbacks:
  // the ech suite (the connection under way keeps its keys, later ones take the new).
  setEchKeys: {
    role: 'server',
    // (on 3.5 with text that is never read: the line, or a freed context, is refused first)
    use: (x, w) => onEchLine(() => { x.setEchKeys([testLine === '4.0' ? echKey(w.o) : 'unread']); assert.equal(x.echKeys.length, 1); }),
    wrong: [x => x.setEchKeys('pem' as never), x => x.setEchKeys([5] as never), x => x.setEchKeys([{ pem: 5 }] as never), x => x.setEchKeys([null] as never),
      (x, w) => x.setEchKeys([{ pem: testLine === '4.0' ? echKey(w.o) : '', retry: 'yes' as never }])],
    oversized: on40([x => x.setEchKeys(['-'.repeat(64 << 20)]), (x, w) => x.setEchKeys(new Array<string>(257).fill(echKey(w.o)))]),
  },
  echKeys: { use: x => onEchLine(() => assert.deepEqual(x.echKeys, [])) },
};
