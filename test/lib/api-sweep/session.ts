// The public API sweep's table for Session: how each member is used, and how it must fail.
import type { Session } from '../../../ts/index.ts';
import * as assert from '../assert.ts';
import { type Table, getter, gigabyte, bytes, hugeText, HANDLE_ROWS } from './sweep.ts';

export const SESSION: Table<Session> = {
  ...(HANDLE_ROWS as unknown as Table<Session>),
  core: { internal: "the instance's shared state (a private field)" },
  ref: { use: s => s.ref().free() },
  dup: { use: s => s.dup().free() },
  is: {
    use: (s, w) => assert.equal(s.is(w.other.session), false, "another instance's session is never the same one"),
  },
  referenceCount: getter('referenceCount'),
  cacheOwner: getter('cacheOwner'),
  id: { use: s => { s.id = s.id; }, wrong: [s => { s.id = 'x' as never; }], oversized: [s => { s.id = bytes(33); }, s => { s.id = gigabyte(); }] },
  idContext: { use: s => { s.idContext = 'sweep'; }, wrong: [s => { s.idContext = 5 as never; }], oversized: [s => { s.idContext = bytes(33); }, s => { s.idContext = gigabyte(); }, s => { s.idContext = hugeText(); }] },
  protocolVersion: getter('protocolVersion'),
  protocol: getter('protocol'),
  cipher: getter('cipher'),
  cipherStandardName: getter('cipherStandardName'),
  hostName: { use: s => { s.hostName = 'localhost'; }, wrong: [s => { s.hostName = 5 as never; }], oversized: [s => { s.hostName = 'x'.repeat(256); }, s => { s.hostName = hugeText(); }] },
  alpn: { use: s => { s.alpn = 'h2'; }, wrong: [s => { s.alpn = 5 as never; }], oversized: [s => { s.alpn = 'x'.repeat(256); }, s => { s.alpn = hugeText(); }, s => { s.alpn = gigabyte() as never; }] },
  peerCertificate: getter('peerCertificate'),
  time: { use: s => { s.time = s.time; }, wrong: [s => { s.time = 'x' as never; }, s => { s.time = -1; }], oversized: [s => { s.time = 2 ** 40; }] },
  timeout: { use: s => { s.timeout = 300; }, wrong: [s => { s.timeout = 1.5; }], oversized: [s => { s.timeout = 2 ** 40; }] },
  hasTicket: getter('hasTicket'),
  ticket: getter('ticket'),
  ticketLifetimeHint: getter('ticketLifetimeHint'),
  maxEarlyData: getter('maxEarlyData'),
  isResumable: getter('isResumable'),
  ticketAppData: {
    use: s => { s.ticketAppData = 'sweep'; }, wrong: [s => { s.ticketAppData = 5 as never; }],
    // a ticket carries a session of at most 0xFF00 bytes (tls_construct_stateless_ticket)
    oversized: [s => { s.ticketAppData = bytes(0xff01); }, s => { s.ticketAppData = gigabyte(); }, s => { s.ticketAppData = hugeText(); }],
  },
  toDER: { use: s => s.toDER() },
  toPEM: { use: s => s.toPEM() },
  print: { use: s => s.print() },
  printKeylog: { use: s => s.printKeylog() },
};
