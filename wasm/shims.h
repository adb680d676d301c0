/*
 * Types used by wasm/exports.txt beyond OpenSSL's own: the callback signatures OpenSSL takes as
 * function pointers, named so the export list stays one prototype a line.
 */
#ifndef OSW_SHIMS_H
#define OSW_SHIMS_H
#include <openssl/ssl.h>

typedef int (*new_session_cb)(SSL *ssl, SSL_SESSION *sess);
typedef void (*remove_session_cb)(SSL_CTX *ctx, SSL_SESSION *sess);
typedef SSL_SESSION *(*get_session_cb)(SSL *ssl, const unsigned char *id, int id_len, int *copy);
typedef SSL_CTX_generate_session_ticket_fn gen_ticket_cb;
typedef SSL_CTX_decrypt_session_ticket_fn dec_ticket_cb;
typedef int (*alpn_select_cb)(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                              const unsigned char *in, unsigned int inlen, void *arg);
typedef SSL_CTX_keylog_cb_func keylog_cb;
typedef void (*msg_cb)(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg);
typedef SSL_verify_cb verify_cb;
typedef SSL_client_hello_cb_fn client_hello_cb;
typedef pem_password_cb *pem_password_cb_ptr;

/* External PSKs (SSL_CTX_set_psk_find_session_callback(3), SSL_CTX_set_psk_client_callback(3)). */
typedef SSL_psk_find_session_cb_func psk_find_session_cb;
typedef SSL_psk_server_cb_func psk_server_cb;
typedef SSL_psk_client_cb_func psk_client_cb;

#endif
