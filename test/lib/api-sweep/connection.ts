// The public API sweep's table for Connection: how each member is used, and how it must fail.
import type { Connection } from '../../../ts/index.ts';
import * as assert from '../assert.ts';
import { testLine } from '../line.ts';
import { type Table, getter, gigabyte, bytes, hugeText, refusedForState, HANDLE_ROWS } from './sweep.ts';

export const CONNECTION: Table<Connection> = {
  ...(HANDLE_ROWS as unknown as Table<Connection>),
  core: { internal: "the instance's shared state (a private field)" },
  context: getter('context', { afterFree: 'the Context it was made from: a JavaScript field' }),
  onSession: getter('onSession', { afterFree: 'the onSession option: a JavaScript field' }),
  receive: {
    use: c => c.receive(bytes(0)),
    wrong: [c => c.receive('x' as never), c => c.receive(null as never), c => c.receive([1, 2] as never), c => c.receive(new ArrayBuffer(4) as never)],
    oversized: [c => c.receive(gigabyte())],
  },
  incomingBytes: getter('incomingBytes'),
  incomingCapacity: getter('incomingCapacity'),
  maxIncomingBytes: getter('maxIncomingBytes'),
  receiveEnd: { use: c => c.receiveEnd() },
  outgoingBytes: getter('outgoingBytes'),
  wantsWrite: getter('wantsWrite'),
  takeOutgoing: { use: c => c.takeOutgoing() },
  handshake: { use: c => c.handshake() },
  isHandshakeDone: getter('isHandshakeDone'),
  write: {
    use: c => c.write('x'),
    wrong: [c => c.write(5 as never), c => c.write(null as never), c => c.write({ length: 1 } as never)],
    // more than one call takes (MAX_WRITE_BYTES, 64 MiB): refused before it is copied in
    oversized: [c => c.write(gigabyte()), c => c.write(bytes((64 << 20) + 1)), c => c.write(`${hugeText()}x`)],
  },
  read: { use: c => c.read() },
  shutdown: { use: c => c.shutdown() },
  shutdownState: {
    use: c => { c.shutdownState = c.shutdownState; },
    wrong: [c => { c.shutdownState = 'x' as never; }, c => { c.shutdownState = 4; }],
  },
  pending: getter('pending'),
  waitFor: { use: c => c.waitFor(Promise.resolve()), wrong: [c => c.waitFor(5 as never), c => c.waitFor(null as never)] },
  error: getter('error'),
  setSession: {
    use: c => c.setSession(null),
    foreign: [(c, w) => c.setSession(w.other.session)],
    wrong: [c => c.setSession('x' as never), c => c.setSession({} as never)],
  },
  addSessionListener: { use: c => c.addSessionListener(() => undefined)(), wrong: [c => c.addSessionListener(5 as never)] },
  clientHello: getter('clientHello'),
  session: { use: c => c.session?.free() },
  sessionReused: getter('sessionReused'),
  protocol: getter('protocol'),
  cipher: getter('cipher'),
  group: getter('group'),
  alpn: getter('alpn'),
  serverName: getter('serverName'),
  peerCertificate: getter('peerCertificate'),
  verifyResult: getter('verifyResult'),
  onTrace: {
    use: c => { c.onTrace = null; },
    wrong: [c => { c.onTrace = 5 as never; }, c => { c.onTrace = 'x' as never; }],
  },
  exportKeyingMaterial: {
    use: c => c.exportKeyingMaterial(32, 'EXPERIMENTAL sweep'),
    wrong: [c => c.exportKeyingMaterial('32' as never, 'x'), c => c.exportKeyingMaterial(32, 5 as never), c => c.exportKeyingMaterial(32, 'x', 'ctx' as never)],
    oversized: [c => c.exportKeyingMaterial(1 << 30, 'x'), c => c.exportKeyingMaterial(65537, 'x'),
      // the world's connections are TLS 1.3: a label of at most 249 bytes (TLS13_MAX_LABEL_LEN), a context of 0xffff
      c => c.exportKeyingMaterial(32, 'x'.repeat(250)), c => c.exportKeyingMaterial(32, hugeText()),
      c => c.exportKeyingMaterial(32, 'x', bytes(0x10000)), c => c.exportKeyingMaterial(32, 'x', gigabyte())],
  },
  finished: getter('finished'),
  peerFinished: getter('peerFinished'),
  sessionTicket: getter('sessionTicket'),
  peerCertificateDetails: { use: c => c.peerCertificateDetails(true) },
  useContextCertificate: {
    role: 'server',
    use: (c, w) => c.useContextCertificate(w.server),
    foreign: [(c, w) => c.useContextCertificate(w.other.server)],
    wrong: [c => c.useContextCertificate({} as never), c => c.useContextCertificate(null as never), (c, w) => c.useContextCertificate(w.client)],
  },
  verifyWithoutRejecting: { use: c => c.verifyWithoutRejecting() },
  setMaxSendFragment: {
    use: c => c.setMaxSendFragment(512),
    wrong: [c => c.setMaxSendFragment('512' as never), c => c.setMaxSendFragment(1.5), c => c.setMaxSendFragment(Number.NaN)],
  },
  disableRenegotiation: { use: c => c.disableRenegotiation() },
  clientHelloExtension: {
    role: 'server',
    use: c => c.clientHelloExtension(0),
    wrong: [c => c.clientHelloExtension('x' as never), c => c.clientHelloExtension(-1), c => c.clientHelloExtension(0x10000)],
  },
  messageHook: {
    use: c => { c.messageHook = false; },
    wrong: [c => { c.messageHook = 'no' as never; }, c => { c.messageHook = 0 as never; }],
  },
  localCertificateDetails: getter('localCertificateDetails'),
  clientRandom: getter('clientRandom'),
  serverRandom: getter('serverRandom'),
  masterKey: { use: c => c.masterKey() },
  writeEarlyData: { use: c => refusedForState(() => c.writeEarlyData('x')), wrong: [c => c.writeEarlyData(5 as never)], oversized: [c => c.writeEarlyData(gigabyte())] },
  readEarlyData: { role: 'server', use: c => refusedForState(() => c.readEarlyData()) },
  earlyDataStatus: getter('earlyDataStatus'),
  earlyDataWritten: getter('earlyDataWritten'),
  denyEarlyData: { role: 'server', use: c => c.denyEarlyData() },
  peerTempKey: {
    // null after a KEM group (the default X25519MLKEM768: the server sends a ciphertext, not a key)
    use: c => { const k = c.peerTempKey; assert.ok(k === null ? /MLKEM/.test(c.group ?? '') : k.bits > 0, `${c.group}: ${JSON.stringify(k)}`); },
  },
  sharedSignatureAlgorithms: { role: 'server', use: c => assert.ok(c.sharedSignatureAlgorithms.length > 0) },
  // ECH (4.0 line): on 3.5 both are null, as documented; on 4.0 a client without ECH says 'not-configured'.
  ech: { use: c => assert.equal(c.ech?.status ?? null, testLine === '4.0' ? 'not-configured' : null) },
  echRetryConfigs: { use: c => assert.equal(c.echRetryConfigs, null, 'no ECH, no retry configs') },
};
