import { NULL, type Ptr } from '../raw/types.ts';
import type { Connection } from './connection.ts';
import type { Core } from './core.ts';

const TLSEXT_TYPE_server_name = 0;

/**
 * The host_name entry of a server_name extension's body (RFC 6066, 3), as the bytes sent, or null:
 * server_name_list<1..2^16-1> of { name_type u8 (0 = host_name), HostName<1..2^16-1> }.
 */
export function hostNameOf(ext: Uint8Array): Uint8Array | null {
  if (ext.length < 5) return null;
  const listEnd = Math.min(ext.length, 2 + ((ext[0] << 8) | ext[1]));
  for (let i = 2; i + 3 <= listEnd;) {
    const len = (ext[i + 1] << 8) | ext[i + 2];
    if (i + 3 + len > listEnd) return null;
    if (ext[i] === 0) return ext.subarray(i + 3, i + 3 + len);
    i += 3 + len;
  }
  return null;
}

/** Runs fn with the ClientHello of `ssl` lent for the call only (the client-hello callback's). */
export let lendClientHello: <R>(core: Core, connection: Connection, ssl: Ptr<'SSL'>, fn: (hello: ClientHello) => R) => R;

/**
 * The ClientHello a server is answering, lent to the client-hello handler (SSL_client_hello_get0_*):
 * valid only while the handler runs. Everything read from it is a copy.
 */
export class ClientHello {
  #ssl: Ptr<'SSL'> | 0;

  private constructor(private readonly core: Core, readonly connection: Connection, ssl: Ptr<'SSL'>) {
    this.#ssl = ssl;
  }

  /** The legacy session id (what a TLS 1.2 client resumes with; random from a TLS 1.3 client). */
  get sessionId(): Uint8Array {
    const { capi, mem } = this.core;
    const ssl = this.#live();
    return mem.scope(s => {
      const out = s.out<'u8*'>();
      const n = capi.SSL_client_hello_get0_session_id(ssl, out);
      return n > 0 ? mem.copyOut(mem.readPtr(out), n) : new Uint8Array(0);
    });
  }

  /** The body of extension `type` (a TLSEXT_TYPE_* number), or null if the client did not send it. */
  extension(type: number): Uint8Array | null {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new RangeError(`extension type is a 16-bit number, got ${type}`);
    const { capi, mem } = this.core;
    const ssl = this.#live();
    return mem.scope(s => {
      const out = s.out<'u8*'>(), outlen = s.out<'size_t'>();
      if (capi.SSL_client_hello_get0_ext(ssl, type, out, outlen) !== 1) return null;
      return mem.copyOut(mem.readPtr(out), mem.readU32(outlen));
    });
  }

  /** The types of the extensions the client sent, in its order (SSL_client_hello_get1_extensions_present). */
  get extensionTypes(): number[] {
    const { capi, mem } = this.core;
    const ssl = this.#live();
    return mem.scope(s => {
      const out = s.out<'i32*'>(), outlen = s.out<'size_t'>();
      if (capi.SSL_client_hello_get1_extensions_present(ssl, out, outlen) !== 1) this.core.fail('SSL_client_hello_get1_extensions_present');
      const list = mem.readPtr(out), n = mem.readU32(outlen);
      try {
        return Array.from({ length: n }, (_, i) => mem.readU32((list + i * 4) as Ptr<'u8'>));
      } finally {
        if (list !== NULL) capi.OPENSSL_free(list);
      }
    });
  }

  /** The host name of the server_name extension (RFC 6066, 3), or null. */
  get serverName(): string | null {
    const ext = this.extension(TLSEXT_TYPE_server_name);
    const name = ext && hostNameOf(ext);
    return name ? new TextDecoder().decode(name) : null;
  }

  #live(): Ptr<'SSL'> {
    if (this.#ssl === 0) throw new TypeError('this ClientHello was lent to the client-hello handler, which has returned: read what you need while it runs');
    return this.#ssl;
  }

  static {
    lendClientHello = (core, connection, ssl, fn) => {
      const hello = new ClientHello(core, connection, ssl);
      try {
        return fn(hello);
      } finally {
        hello.#ssl = 0;
      }
    };
  }
}
