/**
 * s_server's second certificate by server name (-servername, -cert2, -key2), on the ClientHello the
 * object layer lends, and its chain store (-chainCAfile), on the raw layer with the context's pointer.
 */
import type { Context } from '../oo/context.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { NULL } from '../raw/types.ts';
import { hostNameOf } from '../oo/client-hello.ts';
import { CliError } from './io.ts';

const TLSEXT_TYPE_server_name = 0;

/** ssl_servername_cb's rendering of a name: printable ASCII as is, other bytes as \xNN. */
function printable(name: string): string {
  return [...name].map(ch => {
    const c = ch.charCodeAt(0);
    return c >= 0x20 && c < 0x7f ? ch : `\\x${c.toString(16).padStart(2, '0')}`;
  }).join('');
}

/**
 * As ssl_servername_cb: a client asking for `servername` (case-insensitively) is served with
 * `second`'s certificate (SSL_set_SSL_CTX), done here as soon as the ClientHello arrives; others
 * stay on `first`. `log` gets the native lines ("Hostname in TLS extension", "Switching server
 * context.").
 */
export function sniSwitch(first: Context, second: Context, servername: string, log: (text: string) => void): void {
  first.setClientHelloHandler((connection, hello) => {
    const ext = hello.extension(TLSEXT_TYPE_server_name);
    const bytes = ext && hostNameOf(ext);
    if (!bytes) return 'success';
    // One character per byte, so printable() shows a byte that is not ASCII as native does.
    const name = new TextDecoder('latin1').decode(bytes);
    log(`Hostname in TLS extension: "${printable(name)}"\n`);
    if (name.toLowerCase() === servername.toLowerCase()) {
      log('Switching server context.\n');
      connection.useContextCertificate(second);
    }
    return 'success';
  });
}

/**
 * -chainCAfile: a store of the file's certificates from which OpenSSL completes the chain a
 * context sends (SSL_CTX_set1_chain_cert_store), apart from the CAs that verify clients.
 */
export function chainStore(raw: RawOpenSSL, context: Context, pem: string, path: string): void {
  const { capi, mem } = raw;
  const store = capi.X509_STORE_new();
  if (store === NULL) throw new RangeError('X509_STORE_new: out of memory');
  try {
    const bytes = new TextEncoder().encode(pem);
    let added = 0;
    mem.scope(s => {
      const bio = capi.BIO_new_mem_buf(s.bytes(bytes), bytes.length);
      if (bio === NULL) throw new RangeError('BIO_new_mem_buf: out of memory');
      try {
        for (let i = 0; i < 10_000; i++) {
          const x = capi.PEM_read_bio_X509(bio, NULL, NULL, NULL);
          if (x === NULL) break;
          const ok = capi.X509_STORE_add_cert(store, x);
          capi.X509_free(x);
          if (ok !== 1) break;
          added++;
        }
      } finally {
        capi.BIO_free(bio);
        capi.ERR_clear_error(); // the end of the PEM data reads as an error
      }
    });
    if (added === 0) throw new CliError(`s_server: ${path}: no PEM certificate that can be used`);
    if (capi.SSL_CTX_set1_chain_cert_store(context.pointer, store) !== 1) throw new CliError(`s_server: ${path}: cannot use it as the chain store`);
  } finally {
    capi.X509_STORE_free(store); // the context holds its own reference
  }
}
