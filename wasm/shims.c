/*
 * C bodies for what wasm/exports.txt declares but OpenSSL does not export as functions:
 *  - OpenSSL macros, given a function under the macro's own name so the raw layer keeps OpenSSL's
 *    names. `RET (NAME)(ARGS)` stops the function-like macro from expanding in the definition while
 *    the body still calls the macro.
 *  - SSL_add_session / SSL_remove_session, synonyms documented up to OpenSSL 1.0.2 and gone since.
 *  - Callback trampolines: C functions OpenSSL can hold as function pointers, each forwarding to a
 *    function the JavaScript loader supplies as an import (module "env", name osw_js_*).
 *  - Heap accounting for leak tests.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include "shims.h"

#define EXPORT __attribute__((used, visibility("default")))
#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* ---- memory ---------------------------------------------------------------------------------- */

EXPORT void (OPENSSL_free)(void *ptr) { OPENSSL_free(ptr); }

/* Bytes malloc has handed out and not had back: the leak tests' measure of linear memory in use. */
EXPORT size_t OSW_heap_in_use(void) { return mallinfo().uordblks; }

/* Frees a buffer that held secrets or plaintext after zeroing it. */
EXPORT void OSW_cleanse_and_free(void *ptr, size_t len) { OPENSSL_clear_free(ptr, len); }

/*
 * Every block OpenSSL frees is zeroed first. OpenSSL clears most secrets itself, but not all of its
 * temporary copies: the decoders free a private key's DER with plain OPENSSL_free
 * (providers/implementations/encode_decode/decode_der2key.c, decode_pem2der.c), and
 * PEM_ASN1_read_bio a session's DER, master key inside. Freed blocks stay readable in linear memory
 * (a heap dump, a later bug that reads past a buffer), so OpenSSL's allocator is set here, through
 * its own CRYPTO_set_mem_functions, to cleanse each block before it goes back to malloc. realloc
 * never leaves the old block behind uncleansed: it moves by malloc, copy and cleansing free.
 */
static void *osw_malloc(size_t n, const char *file, int line) { (void)file; (void)line; return malloc(n); }

static void osw_free(void *p, const char *file, int line)
{
  (void)file; (void)line;
  if (p == NULL) return;
  OPENSSL_cleanse(p, malloc_usable_size(p));
  free(p);
}

static void *osw_realloc(void *p, size_t n, const char *file, int line)
{
  if (p == NULL) return osw_malloc(n, file, line);
  if (n == 0) { osw_free(p, file, line); return NULL; }
  size_t have = malloc_usable_size(p);
  if (n <= have) return p; /* fits where it is (what is past n stays in the block, freed cleansed) */
  void *q = malloc(n);
  if (q == NULL) return NULL; /* p is left as it was, as realloc does */
  memcpy(q, p, have);
  osw_free(p, file, line);
  return q;
}

/* Before OpenSSL's first allocation (static constructors run first, from _initialize), after which
 * CRYPTO_set_mem_functions refuses. */
__attribute__((constructor)) static void osw_cleansing_allocator(void)
{
  CRYPTO_set_mem_functions(osw_malloc, osw_realloc, osw_free);
}

/* Whether OpenSSL allocates through the cleansing functions above (tests). */
EXPORT int OSW_cleansing_allocator(void)
{
  CRYPTO_malloc_fn m;
  CRYPTO_realloc_fn r;
  CRYPTO_free_fn f;

  CRYPTO_get_mem_functions(&m, &r, &f);
  return m == osw_malloc && r == osw_realloc && f == osw_free;
}

/* ---- BIO macros -------------------------------------------------------------------------------- */

EXPORT long (BIO_pending)(BIO *b) { return BIO_pending(b); }
EXPORT long (BIO_set_mem_eof_return)(BIO *b, long v) { return BIO_set_mem_eof_return(b, v); }
EXPORT long (BIO_get_mem_data)(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
/* A memory BIO's buffer only grows (BUF_MEM never shrinks): one burst of traffic would stay
 * allocated for the connection's life. Once the BIO is empty and its buffer holds more than `keep`
 * bytes, swap in a fresh, empty BUF_MEM (BIO_set_mem_buf frees the old one, cleansed). 1 when
 * trimmed, 0 when there was nothing to do, -1 when out of memory (the BIO is left as it was). */
EXPORT int OSW_BIO_mem_trim(BIO *b, size_t keep) {
    BUF_MEM *bm = NULL, *fresh;
    if (BIO_ctrl_pending(b) != 0 || BIO_get_mem_ptr(b, &bm) <= 0 || bm == NULL || bm->max <= keep) return 0;
    if ((fresh = BUF_MEM_new()) == NULL) return -1;
    BIO_set_mem_buf(b, fresh, BIO_CLOSE);
    return 1;
}
EXPORT int (BIO_seek)(BIO *b, int ofs) { return BIO_seek(b, ofs); }
EXPORT int (BIO_tell)(BIO *b) { return BIO_tell(b); }

/* ---- SSL_CTX macros ---------------------------------------------------------------------------- */

EXPORT long (SSL_CTX_set_min_proto_version)(SSL_CTX *ctx, int v) { return SSL_CTX_set_min_proto_version(ctx, v); }
EXPORT long (SSL_CTX_set_max_proto_version)(SSL_CTX *ctx, int v) { return SSL_CTX_set_max_proto_version(ctx, v); }
EXPORT long (SSL_CTX_get_min_proto_version)(SSL_CTX *ctx) { return SSL_CTX_get_min_proto_version(ctx); }
EXPORT long (SSL_CTX_get_max_proto_version)(SSL_CTX *ctx) { return SSL_CTX_get_max_proto_version(ctx); }
EXPORT long (SSL_CTX_add1_chain_cert)(SSL_CTX *ctx, X509 *x) { return SSL_CTX_add1_chain_cert(ctx, x); }
EXPORT long (SSL_CTX_select_current_cert)(SSL_CTX *ctx, X509 *x) { return SSL_CTX_select_current_cert(ctx, x); }
EXPORT long (SSL_CTX_set1_groups_list)(SSL_CTX *ctx, const char *l) { return SSL_CTX_set1_groups_list(ctx, l); }
EXPORT long (SSL_CTX_set1_sigalgs_list)(SSL_CTX *ctx, const char *l) { return SSL_CTX_set1_sigalgs_list(ctx, l); }
EXPORT long (SSL_CTX_set_mode)(SSL_CTX *ctx, long m) { return SSL_CTX_set_mode(ctx, m); }

/* ---- SSL macros -------------------------------------------------------------------------------- */

EXPORT long (SSL_set_min_proto_version)(SSL *s, int v) { return SSL_set_min_proto_version(s, v); }
EXPORT long (SSL_set_max_proto_version)(SSL *s, int v) { return SSL_set_max_proto_version(s, v); }
EXPORT long (SSL_set_tlsext_host_name)(SSL *s, const char *name) { return SSL_set_tlsext_host_name(s, name); }
EXPORT long (SSL_set1_groups_list)(SSL *s, const char *l) { return SSL_set1_groups_list(s, l); }
EXPORT long (SSL_get_negotiated_group)(SSL *s) { return SSL_get_negotiated_group(s); }

/* ---- session API macros and synonyms ----------------------------------------------------------- */

/* SSL_get0_session is an object-like macro for SSL_get_session: a plain #undef is needed here. */
#undef SSL_get0_session
EXPORT SSL_SESSION *SSL_get0_session(const SSL *s) { return SSL_get_session(s); }

EXPORT int SSL_add_session(SSL_CTX *ctx, SSL_SESSION *s) { return SSL_CTX_add_session(ctx, s); }
EXPORT int SSL_remove_session(SSL_CTX *ctx, SSL_SESSION *s) { return SSL_CTX_remove_session(ctx, s); }

EXPORT long (SSL_CTX_set_session_cache_mode)(SSL_CTX *ctx, long m) { return SSL_CTX_set_session_cache_mode(ctx, m); }
EXPORT long (SSL_CTX_get_session_cache_mode)(SSL_CTX *ctx) { return SSL_CTX_get_session_cache_mode(ctx); }
EXPORT long (SSL_CTX_sess_set_cache_size)(SSL_CTX *ctx, long n) { return SSL_CTX_sess_set_cache_size(ctx, n); }
EXPORT long (SSL_CTX_sess_get_cache_size)(SSL_CTX *ctx) { return SSL_CTX_sess_get_cache_size(ctx); }

#define COUNTER(name) EXPORT long (name)(SSL_CTX *ctx) { return name(ctx); }
COUNTER(SSL_CTX_sess_number)
COUNTER(SSL_CTX_sess_connect)
COUNTER(SSL_CTX_sess_connect_good)
COUNTER(SSL_CTX_sess_connect_renegotiate)
COUNTER(SSL_CTX_sess_accept)
COUNTER(SSL_CTX_sess_accept_good)
COUNTER(SSL_CTX_sess_accept_renegotiate)
COUNTER(SSL_CTX_sess_hits)
COUNTER(SSL_CTX_sess_cb_hits)
COUNTER(SSL_CTX_sess_misses)
COUNTER(SSL_CTX_sess_timeouts)
COUNTER(SSL_CTX_sess_cache_full)

/* ---- callback trampolines ---------------------------------------------------------------------- */
/*
 * The JavaScript side must never throw through these (it would unwind OpenSSL mid-operation): the
 * loader wraps every osw_js_* import so an exception is recorded and a failure value returned.
 */

IMPORT(osw_js_new_session) int osw_js_new_session(SSL *ssl, SSL_SESSION *sess);
IMPORT(osw_js_remove_session) void osw_js_remove_session(SSL_CTX *ctx, SSL_SESSION *sess);
IMPORT(osw_js_get_session) SSL_SESSION *osw_js_get_session(SSL *ssl, const unsigned char *id, int id_len, int *copy);
IMPORT(osw_js_gen_ticket) int osw_js_gen_ticket(SSL *ssl, void *arg);
IMPORT(osw_js_dec_ticket) int osw_js_dec_ticket(SSL *ssl, SSL_SESSION *ss, const unsigned char *keyname,
                                                size_t keyname_len, int status, void *arg);
IMPORT(osw_js_alpn_select) int osw_js_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                                  const unsigned char *in, unsigned int inlen, void *arg);
IMPORT(osw_js_keylog) void osw_js_keylog(const SSL *ssl, const char *line);
IMPORT(osw_js_client_hello) int osw_js_client_hello(SSL *ssl, int *al, void *arg);
IMPORT(osw_js_msg) void osw_js_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                                   SSL *ssl, void *arg);

static int t_new_session(SSL *ssl, SSL_SESSION *sess) { return osw_js_new_session(ssl, sess); }
static void t_remove_session(SSL_CTX *ctx, SSL_SESSION *sess) { osw_js_remove_session(ctx, sess); }
static SSL_SESSION *t_get_session(SSL *ssl, const unsigned char *id, int id_len, int *copy)
{
    return osw_js_get_session(ssl, id, id_len, copy);
}
static int t_gen_ticket(SSL *ssl, void *arg) { return osw_js_gen_ticket(ssl, arg); }
static SSL_TICKET_RETURN t_dec_ticket(SSL *ssl, SSL_SESSION *ss, const unsigned char *keyname,
                                      size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
    return (SSL_TICKET_RETURN)osw_js_dec_ticket(ssl, ss, keyname, keyname_len, (int)status, arg);
}
static int t_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                         const unsigned char *in, unsigned int inlen, void *arg)
{
    return osw_js_alpn_select(ssl, out, outlen, in, inlen, arg);
}
static void t_keylog(const SSL *ssl, const char *line) { osw_js_keylog(ssl, line); }
static void t_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)
{
    osw_js_msg(write_p, version, content_type, buf, len, ssl, arg);
}

static int t_client_hello(SSL *ssl, int *al, void *arg) { return osw_js_client_hello(ssl, al, arg); }

EXPORT new_session_cb OSW_new_session_cb(void) { return t_new_session; }
EXPORT remove_session_cb OSW_remove_session_cb(void) { return t_remove_session; }
EXPORT get_session_cb OSW_get_session_cb(void) { return t_get_session; }
EXPORT gen_ticket_cb OSW_gen_ticket_cb(void) { return t_gen_ticket; }
EXPORT dec_ticket_cb OSW_dec_ticket_cb(void) { return t_dec_ticket; }
EXPORT alpn_select_cb OSW_alpn_select_cb(void) { return t_alpn_select; }
EXPORT keylog_cb OSW_keylog_cb(void) { return t_keylog; }
EXPORT msg_cb OSW_msg_cb(void) { return t_msg; }
EXPORT client_hello_cb OSW_client_hello_cb(void) { return t_client_hello; }

/* ---- CLI report macros (apps/lib/s_cb.c's calls, ts/cli) --------------------------------------- */

EXPORT long (SSL_get_peer_signature_nid)(SSL *s, int *pnid) { return SSL_get_peer_signature_nid(s, pnid); }
EXPORT long (SSL_get0_peer_signature_name)(SSL *s, const char **name) { return SSL_get0_peer_signature_name(s, name); }
EXPORT long (SSL_get_peer_tmp_key)(SSL *s, EVP_PKEY **pk) { return SSL_get_peer_tmp_key(s, pk); }
EXPORT long (SSL_get0_certificate_types)(SSL *s, const unsigned char **clist) { return SSL_get0_certificate_types(s, clist); }
EXPORT long (SSL_get0_ec_point_formats)(SSL *s, const unsigned char **plst) { return SSL_get0_ec_point_formats(s, plst); }
EXPORT long (SSL_get_secure_renegotiation_support)(SSL *s) { return SSL_get_secure_renegotiation_support(s); }
EXPORT long (SSL_get0_raw_cipherlist)(SSL *s, const unsigned char **plst) { return SSL_get0_raw_cipherlist(s, plst); }
EXPORT long (SSL_get1_groups)(SSL *s, int *glist) { return SSL_get1_groups(s, glist); }
EXPORT long (SSL_get_shared_group)(SSL *s, long n) { return SSL_get_shared_group(s, n); }
EXPORT long (SSL_CTX_set1_chain_cert_store)(SSL_CTX *ctx, X509_STORE *st) { return SSL_CTX_set1_chain_cert_store(ctx, st); }

/* ---- Node adapter (ts/io/node-socket.ts): TLSSocket.setMaxSendFragment ---------------------------- */

EXPORT long (SSL_set_max_send_fragment)(SSL *s, long m) { return SSL_set_max_send_fragment(s, m); }

/* ---- verification trace (ts/cli) ----------------------------------------------------------------
 * The apps' verify_callback (apps/lib/s_cb.c) prints each step of a chain verification from inside
 * the callback. Here the printing is the CLI's, in JavaScript, after the handshake: this callback
 * records each step (depth, error, certificate, what it returns) on the SSL, and decides as the
 * apps' does: past an error it goes on, unless told to fail (-verify_return_error) or the error is
 * deeper than the -verify depth. */
typedef struct { int ok, depth, err, ret; X509 *cert; } osw_verify_step;
typedef struct { int n; osw_verify_step steps[64]; } osw_verify_trace; /* chains are short: the rest is not recorded */
typedef struct { int depth, return_error; } osw_verify_policy;
static int osw_trace_idx = -1, osw_policy_idx = -1;

static void osw_trace_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  osw_verify_trace *t = ptr;
  (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
  if (t == NULL) return;
  for (int i = 0; i < t->n; i++) X509_free(t->steps[i].cert);
  OPENSSL_free(t);
}

static void osw_policy_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
  OPENSSL_free(ptr);
}

static int t_verify_trace(int ok, X509_STORE_CTX *ctx) {
  SSL *s = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
  osw_verify_policy *p = s ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), osw_policy_idx) : NULL;
  int depth = X509_STORE_CTX_get_error_depth(ctx), err = X509_STORE_CTX_get_error(ctx), ret = ok;
  if (!ok && p != NULL) ret = (p->depth < 0 || p->depth >= depth) ? !p->return_error : 0;
  osw_verify_trace *t = s ? SSL_get_ex_data(s, osw_trace_idx) : NULL;
  if (s != NULL && t == NULL && (t = OPENSSL_zalloc(sizeof(*t))) != NULL && !SSL_set_ex_data(s, osw_trace_idx, t)) {
    OPENSSL_free(t);
    t = NULL;
  }
  if (t != NULL && t->n < (int)(sizeof(t->steps) / sizeof(t->steps[0]))) {
    X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
    if (cert != NULL) X509_up_ref(cert);
    t->steps[t->n++] = (osw_verify_step){ ok, depth, err, ret, cert };
  }
  return ret;
}

/* SSL_CTX_set_verify(ctx, mode, the recording callback) with its depth limit (-1: none) and
 * whether an error fails the handshake. */
EXPORT int OSW_SSL_CTX_set_verify_trace(SSL_CTX *ctx, int mode, int depth, int return_error) {
  if (osw_trace_idx < 0) osw_trace_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, osw_trace_free);
  if (osw_policy_idx < 0) osw_policy_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, osw_policy_free);
  if (osw_trace_idx < 0 || osw_policy_idx < 0) return 0;
  osw_verify_policy *p = SSL_CTX_get_ex_data(ctx, osw_policy_idx);
  if (p == NULL) {
    if ((p = OPENSSL_zalloc(sizeof(*p))) == NULL) return 0;
    if (!SSL_CTX_set_ex_data(ctx, osw_policy_idx, p)) { OPENSSL_free(p); return 0; }
  }
  p->depth = depth;
  p->return_error = return_error;
  SSL_CTX_set_verify(ctx, mode, t_verify_trace);
  return 1;
}

/* The recorded steps of a connection: how many, and one (its certificate borrowed from the SSL). */
EXPORT int OSW_verify_trace_count(const SSL *s) {
  osw_verify_trace *t = osw_trace_idx < 0 ? NULL : SSL_get_ex_data(s, osw_trace_idx);
  return t == NULL ? 0 : t->n;
}

EXPORT X509 *OSW_verify_trace_step(const SSL *s, int i, int *ok, int *depth, int *err, int *ret) {
  osw_verify_trace *t = osw_trace_idx < 0 ? NULL : SSL_get_ex_data(s, osw_trace_idx);
  if (t == NULL || i < 0 || i >= t->n) return NULL;
  *ok = t->steps[i].ok;
  *depth = t->steps[i].depth;
  *err = t->steps[i].err;
  *ret = t->steps[i].ret;
  return t->steps[i].cert;
}

/*
 * A verify callback that records the verification result (SSL_get_verify_result) but lets the
 * handshake go on, as Node's VerifyCallback does (src/crypto/crypto_context.cc): the result is then
 * the chain's last error. Node checks the host name apart, only once the chain verified
 * (checkServerIdentity), so a name mismatch (SSL_set1_host's check, made between the chain's own
 * checks) does not hide an earlier chain error: the chain's error is put back. The first chain
 * error is kept in the X509_STORE_CTX's ex_data, which is new for each verification.
 */
static int osw_chain_error_idx = -1;
static int t_verify_accept(int preverify_ok, X509_STORE_CTX *ctx) {
  int err = X509_STORE_CTX_get_error(ctx);
  if (preverify_ok || osw_chain_error_idx < 0) return 1;
  if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_EMAIL_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    int chain = (int)(intptr_t)X509_STORE_CTX_get_ex_data(ctx, osw_chain_error_idx);
    if (chain != X509_V_OK) X509_STORE_CTX_set_error(ctx, chain);
  } else {
    X509_STORE_CTX_set_ex_data(ctx, osw_chain_error_idx, (void *)(intptr_t)err);
  }
  return 1;
}
EXPORT verify_cb OSW_verify_accept_cb(void) {
  if (osw_chain_error_idx < 0) osw_chain_error_idx = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  return t_verify_accept;
}

/* ---- experiments: SSL_trace (issue 12) ----------------------------------------------------------
 * `openssl s_client -trace` is SSL_set_msg_callback(con, SSL_trace) with a BIO as the callback's
 * argument. Here each traced SSL gets its own memory BIO (kept in its ex_data, so SSL_free frees
 * it), and the trampoline writes SSL_trace's text for each message into it, then forwards the
 * message to JavaScript as t_msg does: the object layer drains the BIO there (one message's text at
 * a time, so the BIO never holds more than one message's) and calls onMessage if that is on too. */
static int osw_trace_bio_idx = -1;

static void osw_trace_bio_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
  BIO_free(ptr);
}

static void t_msg_trace(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)
{
  if (arg != NULL) SSL_trace(write_p, version, content_type, buf, len, ssl, arg);
  osw_js_msg(write_p, version, content_type, buf, len, ssl, arg);
}

/* on: gives the SSL a trace BIO (once) and the tracing message callback; off: frees the BIO and
 * removes the message callback (the caller puts back a plain one if it wants messages). */
EXPORT int OSW_SSL_set_trace(SSL *s, int on) {
  if (osw_trace_bio_idx < 0) osw_trace_bio_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, osw_trace_bio_free);
  if (osw_trace_bio_idx < 0) return 0;
  BIO *bio = SSL_get_ex_data(s, osw_trace_bio_idx);
  if (!on) {
    SSL_set_msg_callback(s, NULL);
    SSL_set_msg_callback_arg(s, NULL);
    if (bio != NULL) { SSL_set_ex_data(s, osw_trace_bio_idx, NULL); BIO_free(bio); }
    return 1;
  }
  if (bio == NULL) {
    if ((bio = BIO_new(BIO_s_mem())) == NULL) return 0;
    if (!SSL_set_ex_data(s, osw_trace_bio_idx, bio)) { BIO_free(bio); return 0; }
  }
  SSL_set_msg_callback(s, t_msg_trace);
  SSL_set_msg_callback_arg(s, bio);
  return 1;
}

/* The SSL's trace BIO (the SSL keeps it), or NULL when it is not traced. */
EXPORT BIO *OSW_SSL_get0_trace_bio(const SSL *s) {
  return osw_trace_bio_idx < 0 ? NULL : SSL_get_ex_data(s, osw_trace_bio_idx);
}

/* ---- external PSKs (ts/oo/psk.ts) ----------------------------------------------------------------
 * Servers: the PSK is looked up per connection by the program (onPskFind), so both server callbacks
 * are trampolines to JavaScript. Clients: the PSK is fixed by the context (options.psk), so the
 * client callbacks are C (unless onPskClient asks per connection: a trampoline, below the server's),
 * as apps/s_client.c's psk_use_session_cb and psk_client_cb: they hand
 * OpenSSL a new reference on each call (SSL_CTX_set_psk_use_session_callback(3): "Ownership of the
 * SSL_SESSION object is passed to the OpenSSL library"), and the identity stays where *id points
 * until the SSL_CTX, and so every SSL made from it, is freed ("The memory pointed to by *id remains
 * owned by the application and should be freed by it ... after the handshake is complete"). */

#include <string.h>

IMPORT(osw_js_psk_find_session) int osw_js_psk_find_session(SSL *ssl, const unsigned char *identity,
                                                            size_t identity_len, SSL_SESSION **sess);
IMPORT(osw_js_psk_server) unsigned int osw_js_psk_server(SSL *ssl, const char *identity, unsigned char *psk,
                                                         unsigned int max_psk_len);

static int t_psk_find_session(SSL *ssl, const unsigned char *identity, size_t identity_len, SSL_SESSION **sess)
{
    return osw_js_psk_find_session(ssl, identity, identity_len, sess);
}
static unsigned int t_psk_server(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max_psk_len)
{
    return osw_js_psk_server(ssl, identity, psk, max_psk_len);
}
EXPORT psk_find_session_cb OSW_psk_find_session_cb(void) { return t_psk_find_session; }
EXPORT psk_server_cb OSW_psk_server_cb(void) { return t_psk_server; }

/* Clients asking the program per connection (options.onPskClient), as Node's client does: OpenSSL
 * calls this with the server's identity hint in TLS 1.2 and, with no psk_use_session_cb set, with
 * NULL when it builds a TLS 1.3 ClientHello (the key then bound to SHA-256). */
IMPORT(osw_js_psk_client) unsigned int osw_js_psk_client(SSL *ssl, const char *hint, char *identity,
                                                         unsigned int max_identity_len, unsigned char *psk,
                                                         unsigned int max_psk_len);
static unsigned int t_psk_client_js(SSL *ssl, const char *hint, char *identity, unsigned int max_identity_len,
                                    unsigned char *psk, unsigned int max_psk_len)
{
    return osw_js_psk_client(ssl, hint, identity, max_identity_len, psk, max_psk_len);
}
EXPORT psk_client_cb OSW_psk_client_cb(void) { return t_psk_client_js; }

typedef struct { SSL_SESSION *sess; unsigned char *id; size_t idlen; } osw_client_psk;
static int osw_client_psk_idx = -1;

static void osw_client_psk_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  osw_client_psk *p = ptr;
  (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
  if (p == NULL) return;
  SSL_SESSION_free(p->sess);
  OPENSSL_free(p->id);
  OPENSSL_free(p);
}

static osw_client_psk *osw_client_psk_of(SSL *s) {
  return osw_client_psk_idx < 0 ? NULL : SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), osw_client_psk_idx);
}

/* TLS 1.3 (apps/s_client.c psk_use_session_cb): on the second call (md set, after a
 * HelloRetryRequest) a PSK whose handshake digest differs from the chosen suite's is not offered. */
static int t_psk_use_session(SSL *s, const EVP_MD *md, const unsigned char **id, size_t *idlen, SSL_SESSION **sess) {
  osw_client_psk *p = osw_client_psk_of(s);
  const SSL_CIPHER *cipher = p == NULL ? NULL : SSL_SESSION_get0_cipher(p->sess);
  *id = NULL;
  *idlen = 0;
  *sess = NULL;
  if (p == NULL) return 1;
  if (cipher == NULL) return 0;
  if (md != NULL && SSL_CIPHER_get_handshake_digest(cipher) != md) return 1;
  if (!SSL_SESSION_up_ref(p->sess)) return 0;
  *sess = p->sess;
  *id = p->id;
  *idlen = p->idlen;
  return 1;
}

/* TLS 1.2 PSK suites (apps/s_client.c psk_client_cb): the identity and the session's key; the
 * server's hint is not used. 0 fails the handshake. */
static unsigned int t_psk_client(SSL *s, const char *hint, char *identity, unsigned int max_identity_len,
                                 unsigned char *psk, unsigned int max_psk_len) {
  osw_client_psk *p = osw_client_psk_of(s);
  (void)hint;
  if (p == NULL || p->idlen + 1 > max_identity_len) return 0;
  size_t keylen = SSL_SESSION_get_master_key(p->sess, NULL, 0);
  if (keylen == 0 || keylen > max_psk_len) return 0;
  memcpy(identity, p->id, p->idlen);
  identity[p->idlen] = '\0';
  return (unsigned int)SSL_SESSION_get_master_key(p->sess, psk, max_psk_len);
}

/* A client context's PSK: a reference to `sess` and a copy of the identity, kept with the SSL_CTX
 * and given back by SSL_CTX_free; sets both client callbacks. Again for the same SSL_CTX replaces. */
EXPORT int OSW_SSL_CTX_set1_client_psk(SSL_CTX *ctx, SSL_SESSION *sess, const unsigned char *id, size_t idlen) {
  if (osw_client_psk_idx < 0)
    osw_client_psk_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, osw_client_psk_free);
  if (osw_client_psk_idx < 0 || idlen == 0) return 0;
  osw_client_psk *p = OPENSSL_zalloc(sizeof(*p));
  if (p == NULL || (p->id = OPENSSL_memdup(id, idlen)) == NULL || !SSL_SESSION_up_ref(sess)) {
    if (p != NULL) OPENSSL_free(p->id);
    OPENSSL_free(p);
    return 0;
  }
  p->sess = sess;
  p->idlen = idlen;
  osw_client_psk *old = SSL_CTX_get_ex_data(ctx, osw_client_psk_idx);
  if (!SSL_CTX_set_ex_data(ctx, osw_client_psk_idx, p)) {
    osw_client_psk_free(NULL, p, NULL, 0, 0, NULL);
    return 0;
  }
  osw_client_psk_free(NULL, old, NULL, 0, 0, NULL);
  SSL_CTX_set_psk_use_session_callback(ctx, t_psk_use_session);
  SSL_CTX_set_psk_client_callback(ctx, t_psk_client);
  return 1;
}

/* ---- early data (0-RTT) ----------------------------------------------------------------------------
 * A fleet-wide replay guard (ts/stores/early-data-guard.ts) decides, asynchronously in the
 * client-hello callback, that a ticket's early data was already taken on another server. OpenSSL's
 * per-connection say on early data is the allow_early_data callback, asked synchronously later in
 * the handshake: this one always says no, so the guard installs it on the connections it refuses
 * (the handshake goes on, resumed, and the early data is rejected as RFC 8446 4.2.10 describes). */
static int t_deny_early_data(SSL *s, void *arg) { (void)s; (void)arg; return 0; }
EXPORT void OSW_SSL_deny_early_data(SSL *s) { SSL_set_allow_early_data_cb(s, t_deny_early_data, NULL); }
