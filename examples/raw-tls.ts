// A TLS client and server inside one instance, driven through the raw layer only: the memory-BIO
// pump that OpenSSL's own tests (create_ssl_connection) and rustls' do_handshake use. An example of
// the raw layer, shared by the demo and the tests.
import { constants as C, drainErrorStack, NULL, type Ptr, type RawOpenSSL } from '../ts/index.ts';

export interface RawEnd {
  ssl: Ptr<'SSL'>;
  /** the BIO OpenSSL reads from (we write the peer's bytes into it) and the one it writes to */
  rbio: Ptr<'BIO'>;
  wbio: Ptr<'BIO'>;
}

export function check(raw: RawOpenSSL, ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what} failed: ${drainErrorStack(raw).map(e => e.message).join('; ') || 'no error queued'}`);
}

function pemBio<T>(raw: RawOpenSSL, pem: string, read: (bio: Ptr<'BIO'>) => T): T {
  const { capi, mem } = raw;
  return mem.scope(s => {
    const bytes = new TextEncoder().encode(pem);
    const bio = capi.BIO_new_mem_buf(s.bytes(bytes), bytes.length);
    check(raw, bio !== NULL, 'BIO_new_mem_buf');
    try {
      return read(bio);
    } finally {
      capi.BIO_free(bio);
    }
  });
}

export function readX509(raw: RawOpenSSL, pem: string): Ptr<'X509'> {
  const x = pemBio(raw, pem, bio => raw.capi.PEM_read_bio_X509(bio, NULL, NULL, NULL));
  check(raw, x !== NULL, 'PEM_read_bio_X509');
  return x;
}

export function serverCtx(raw: RawOpenSSL, certPem: string, keyPem: string, version: number): Ptr<'SSL_CTX'> {
  const { capi } = raw;
  const ctx = capi.SSL_CTX_new(capi.TLS_server_method());
  check(raw, ctx !== NULL, 'SSL_CTX_new');
  const cert = readX509(raw, certPem);
  const key = pemBio(raw, keyPem, bio => capi.PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL));
  check(raw, key !== NULL, 'PEM_read_bio_PrivateKey');
  check(raw, capi.SSL_CTX_use_certificate(ctx, cert) === 1, 'SSL_CTX_use_certificate');
  check(raw, capi.SSL_CTX_use_PrivateKey(ctx, key) === 1, 'SSL_CTX_use_PrivateKey');
  capi.X509_free(cert); // the context holds its own references now
  capi.EVP_PKEY_free(key);
  check(raw, capi.SSL_CTX_check_private_key(ctx) === 1, 'SSL_CTX_check_private_key');
  check(raw, capi.SSL_CTX_set_min_proto_version(ctx, version) === 1, 'set_min_proto_version');
  check(raw, capi.SSL_CTX_set_max_proto_version(ctx, version) === 1, 'set_max_proto_version');
  raw.mem.scope(s => {
    const sid = new TextEncoder().encode('openssl-wasm test');
    check(raw, capi.SSL_CTX_set_session_id_context(ctx, s.bytes(sid), sid.length) === 1, 'set_session_id_context');
  });
  return ctx;
}

export function clientCtx(raw: RawOpenSSL, caPem: string, version: number): Ptr<'SSL_CTX'> {
  const { capi } = raw;
  const ctx = capi.SSL_CTX_new(capi.TLS_client_method());
  check(raw, ctx !== NULL, 'SSL_CTX_new');
  const ca = readX509(raw, caPem);
  check(raw, capi.X509_STORE_add_cert(capi.SSL_CTX_get_cert_store(ctx), ca) === 1, 'X509_STORE_add_cert');
  capi.X509_free(ca);
  capi.SSL_CTX_set_verify(ctx, C.SSL_VERIFY_PEER, NULL);
  check(raw, capi.SSL_CTX_set_min_proto_version(ctx, version) === 1, 'set_min_proto_version');
  check(raw, capi.SSL_CTX_set_max_proto_version(ctx, version) === 1, 'set_max_proto_version');
  return ctx;
}

export function newEnd(raw: RawOpenSSL, ctx: Ptr<'SSL_CTX'>, role: 'client' | 'server', host = 'localhost'): RawEnd {
  const { capi, mem } = raw;
  const ssl = capi.SSL_new(ctx);
  check(raw, ssl !== NULL, 'SSL_new');
  const rbio = capi.BIO_new(capi.BIO_s_mem());
  const wbio = capi.BIO_new(capi.BIO_s_mem());
  check(raw, rbio !== NULL && wbio !== NULL, 'BIO_new');
  // An empty memory BIO means "no data yet" (retry), not end of file.
  capi.BIO_set_mem_eof_return(rbio, -1);
  capi.SSL_set_bio(ssl, rbio, wbio); // the SSL owns both BIOs from here on
  if (role === 'client') {
    capi.SSL_set_connect_state(ssl);
    mem.scope(s => {
      const name = s.cstring(host);
      check(raw, capi.SSL_set_tlsext_host_name(ssl, name) === 1, 'SSL_set_tlsext_host_name');
      check(raw, capi.SSL_set1_host(ssl, name) === 1, 'SSL_set1_host');
    });
  } else {
    capi.SSL_set_accept_state(ssl);
  }
  return { ssl, rbio, wbio };
}

/** Moves whatever `from` has written to the network into `to`'s read BIO; returns the byte count. */
export function transfer(raw: RawOpenSSL, from: RawEnd, to: RawEnd): number {
  const { capi, mem } = raw;
  const n = capi.BIO_ctrl_pending(from.wbio);
  if (n === 0) return 0;
  mem.scope(s => {
    const buf = s.alloc(n);
    check(raw, capi.BIO_read(from.wbio, buf, n) === n, 'BIO_read');
    check(raw, capi.BIO_write(to.rbio, buf, n) === n, 'BIO_write');
  });
  return n;
}

function step(raw: RawOpenSSL, end: RawEnd, fn: (ssl: Ptr<'SSL'>) => number, what: string): boolean {
  const r = fn(end.ssl);
  if (r === 1) return true;
  const err = raw.capi.SSL_get_error(end.ssl, r);
  if (err === C.SSL_ERROR_WANT_READ || err === C.SSL_ERROR_WANT_WRITE) return false;
  throw new Error(`${what}: SSL_get_error ${err}: ${drainErrorStack(raw).map(e => e.message).join('; ')}`);
}

/** Runs both handshakes to completion (bounded), then lets the client read post-handshake messages. */
export function handshake(raw: RawOpenSSL, client: RawEnd, server: RawEnd): void {
  const { capi } = raw;
  let cDone = false, sDone = false;
  for (let round = 0; round < 20 && !(cDone && sDone); round++) {
    if (!cDone) cDone = step(raw, client, capi.SSL_do_handshake, 'client handshake');
    transfer(raw, client, server);
    if (!sDone) sDone = step(raw, server, capi.SSL_do_handshake, 'server handshake');
    transfer(raw, server, client);
  }
  if (!(cDone && sDone)) throw new Error('handshake did not complete in 20 rounds');
  // TLS 1.3 tickets arrive after the handshake: the client must read to process them.
  readAvailable(raw, client);
}

/** Reads all plaintext the end has (processing post-handshake messages on the way). */
export function readAvailable(raw: RawOpenSSL, end: RawEnd): Uint8Array {
  const { capi, mem } = raw;
  const chunks: number[] = [];
  mem.scope(s => {
    const buf = s.alloc(16384), got = s.out<'size_t'>();
    for (let i = 0; i < 100; i++) {
      if (capi.SSL_read_ex(end.ssl, buf, 16384, got) !== 1) {
        const err = capi.SSL_get_error(end.ssl, 0);
        if (err === C.SSL_ERROR_WANT_READ) break;
        throw new Error(`SSL_read_ex: SSL_get_error ${err}: ${drainErrorStack(raw).map(e => e.message).join('; ')}`);
      }
      chunks.push(...mem.copyOut(buf, mem.readU32(got)));
    }
  });
  return Uint8Array.from(chunks);
}

/** Sends close_notify both ways, so neither session is evicted as "bad" when freed. */
export function shutdown(raw: RawOpenSSL, client: RawEnd, server: RawEnd): void {
  raw.capi.SSL_shutdown(client.ssl);
  transfer(raw, client, server);
  raw.capi.SSL_shutdown(server.ssl);
  transfer(raw, server, client);
  raw.capi.SSL_shutdown(client.ssl);
}
