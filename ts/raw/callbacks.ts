import type { FnPtr, Ptr } from './types.ts';

/**
 * JavaScript handlers behind the C trampolines of wasm/shims.c. OpenSSL calls a trampoline (set with
 * e.g. `SSL_CTX_sess_set_new_cb(ctx, capi.OSW_new_session_cb())`), the trampoline calls the import,
 * and the import calls the handler here. One handler a kind per instance: the object layer
 * dispatches further by SSL_CTX or SSL. Arguments and results are OpenSSL's own.
 */
export interface CallbackHandlers {
  /** SSL_CTX_sess_set_new_cb: return 1 to keep the reference OpenSSL passes, 0 to let OpenSSL drop it. */
  new_session(ssl: Ptr<'SSL'>, sess: Ptr<'SSL_SESSION'>): number;
  /** SSL_CTX_sess_set_remove_cb. */
  remove_session(ctx: Ptr<'SSL_CTX'>, sess: Ptr<'SSL_SESSION'>): void;
  /** SSL_CTX_sess_set_get_cb: write 0 to *copy to hand over a reference, 1 to have OpenSSL take one. */
  get_session(ssl: Ptr<'SSL'>, id: Ptr<'u8'>, idLen: number, copy: Ptr<'i32'>): Ptr<'SSL_SESSION'>;
  /** SSL_CTX_set_session_ticket_cb's gen_cb: 1 on success. */
  gen_ticket(ssl: Ptr<'SSL'>, arg: Ptr<'void'>): number;
  /** SSL_CTX_set_session_ticket_cb's dec_cb: an SSL_TICKET_RETURN for an SSL_TICKET_STATUS. */
  dec_ticket(ssl: Ptr<'SSL'>, sess: Ptr<'SSL_SESSION'>, keyname: Ptr<'u8'>, keynameLen: number, status: number, arg: Ptr<'void'>): number;
  /** SSL_CTX_set_alpn_select_cb: SSL_TLSEXT_ERR_OK (0) after writing *out and *outlen, or NOACK (3). */
  alpn_select(ssl: Ptr<'SSL'>, out: Ptr<'u8*'>, outlen: Ptr<'u8'>, input: Ptr<'u8'>, inlen: number, arg: Ptr<'void'>): number;
  /** SSL_CTX_set_keylog_callback: one NSS key log line, without newline. */
  keylog(ssl: Ptr<'SSL'>, line: Ptr<'char'>): void;
  /**
   * SSL_CTX_set_client_hello_cb: SSL_CLIENT_HELLO_SUCCESS (1), ERROR (0, with an alert in *al) or
   * RETRY (-1), which pauses the handshake with SSL_ERROR_WANT_CLIENT_HELLO_CB until it is called again.
   */
  client_hello(ssl: Ptr<'SSL'>, al: Ptr<'i32'>, arg: Ptr<'void'>): number;
  /** SSL_CTX_set_msg_callback. */
  msg(writeP: number, version: number, contentType: number, buf: Ptr<'u8'>, len: number, ssl: Ptr<'SSL'>, arg: Ptr<'void'>): void;
  /**
   * SSL_CTX_set_psk_find_session_callback (TLS 1.3 servers): write a new reference to *sess (OpenSSL
   * frees it) or leave it NULL for no PSK, and return 1; 0 fails the handshake.
   */
  psk_find_session(ssl: Ptr<'SSL'>, identity: Ptr<'u8'>, identityLen: number, sess: Ptr<'SSL_SESSION*'>): number;
  /** SSL_CTX_set_psk_server_callback (TLS 1.2 servers): the key's length after writing it to psk, or 0 (unknown_psk_identity). */
  psk_server(ssl: Ptr<'SSL'>, identity: Ptr<'char'>, psk: Ptr<'u8'>, maxPskLen: number): number;
  /**
   * SSL_CTX_set_psk_client_callback (clients; TLS 1.2 with the server's hint, TLS 1.3 with hint NULL):
   * the key's length after writing the NUL-terminated identity and the key, or 0 for no PSK.
   */
  psk_client(ssl: Ptr<'SSL'>, hint: Ptr<'char'>, identity: Ptr<'char'>, maxIdentityLen: number, psk: Ptr<'u8'>, maxPskLen: number): number;
}

export type CallbackKind = keyof CallbackHandlers;

/**
 * What a trampoline returns when no handler is set or the handler threw. With no handler, OpenSSL's
 * own behaviour without a callback; after a throw, the value that makes OpenSSL fail the operation
 * (the error is then rethrown from the call that led to it).
 */
export const CALLBACK_DEFAULTS: { [K in CallbackKind]: { none: (...a: Parameters<CallbackHandlers[K]>) => ReturnType<CallbackHandlers[K]>; failed: ReturnType<CallbackHandlers[K]> } } = {
  new_session: { none: () => 0, failed: 0 },
  remove_session: { none: () => undefined, failed: undefined },
  get_session: { none: () => 0 as Ptr<'SSL_SESSION'>, failed: 0 as Ptr<'SSL_SESSION'> },
  gen_ticket: { none: () => 1, failed: 0 },
  // as if no callback were set (ssl/t1_lib.c): SSL_TICKET_SUCCESS(5) -> RETURN_USE(3),
  // SUCCESS_RENEW(6) -> USE_RENEW(4), EMPTY or NO_DECRYPT -> IGNORE_RENEW(2), which keeps the status
  dec_ticket: { none: (_s, _ss, _k, _l, status) => (status === 5 ? 3 : status === 6 ? 4 : 2), failed: 0 },
  alpn_select: { none: () => 3, failed: 2 },
  keylog: { none: () => undefined, failed: undefined },
  msg: { none: () => undefined, failed: undefined },
  client_hello: { none: () => 1, failed: 0 },
  psk_find_session: { none: () => 1, failed: 0 }, // *sess stays NULL: no PSK, the handshake goes on
  psk_server: { none: () => 0, failed: 0 },
  psk_client: { none: () => 0, failed: 0 },
};

export type TrampolineGetter = () => FnPtr<string>;
