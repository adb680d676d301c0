/*
 * A session-ticket key ring for servers that share tickets (a fleet behind one name): the key
 * names, AES-256-CBC keys and HMAC-SHA256 keys come from the application, the first key of the
 * ring encrypts new tickets, and any key of the ring decrypts. This is the callback that
 * SSL_CTX_set_tlsext_ticket_key_evp_cb(3) describes, written once in C so that no secret key
 * crosses into JavaScript on every handshake; JavaScript only replaces the ring when it rotates.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#define EXPORT __attribute__((used, visibility("default")))

/* One key: 16-byte name, 32-byte AES-256 key, 32-byte HMAC key (the layout JavaScript writes). */
#define NAME_LEN 16
#define AES_LEN 32
#define HMAC_LEN 32
#define KEY_LEN (NAME_LEN + AES_LEN + HMAC_LEN)
/*
 * The most keys a ring holds. A fleet needs a handful (the encrypting key, one published ahead
 * of its turn, a few previous ones): the bound keeps every size computed here far from overflow
 * on wasm32 (count * KEY_LEN) and an unknown key name's search short.
 */
#define MAX_KEYS 16

typedef struct {
    size_t count;
    unsigned char keys[];
} keyring;

static int ring_index = -1;
static int session_ctx_index = -1;

/*
 * SSL_new, remembering `ctx` on the SSL as its session context. OpenSSL calls the ticket-key
 * callback of the session context (s->session_ctx, the SSL_CTX the SSL was made from), which
 * stays when a server switches the SSL to another SSL_CTX on SNI (SSL_set_SSL_CTX); it has no
 * public getter, so the ring is found through what is remembered here. The SSL holds a reference
 * to its session context for its whole life, so the pointer needs none of its own. An SSL made
 * with plain SSL_new has none recorded: its ring is read from SSL_get_SSL_CTX, the same context
 * as long as it is not switched.
 */
EXPORT SSL *OSW_SSL_new(SSL_CTX *ctx)
{
    SSL *s;

    if (session_ctx_index < 0) {
        session_ctx_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        if (session_ctx_index < 0)
            return NULL;
    }
    s = SSL_new(ctx);
    if (s != NULL && !SSL_set_ex_data(s, session_ctx_index, ctx)) {
        SSL_free(s);
        return NULL;
    }
    return s;
}

/* The context whose ticket-key callback OpenSSL is calling for `s` (see OSW_SSL_new). */
static SSL_CTX *session_ctx_of(SSL *s)
{
    SSL_CTX *ctx = session_ctx_index < 0 ? NULL : SSL_get_ex_data(s, session_ctx_index);

    return ctx != NULL ? ctx : SSL_get_SSL_CTX(s);
}

static void ring_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    keyring *ring = ptr;

    if (ring != NULL)
        OPENSSL_clear_free(ring, sizeof(*ring) + ring->count * KEY_LEN);
}

static int set_mac(EVP_MAC_CTX *hctx, const unsigned char *hmac_key)
{
    OSSL_PARAM params[3];

    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)hmac_key, HMAC_LEN);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    return EVP_MAC_CTX_set_params(hctx, params);
}

static int ticket_key_cb(SSL *s, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                         EVP_MAC_CTX *hctx, int enc)
{
    keyring *ring = SSL_CTX_get_ex_data(session_ctx_of(s), ring_index);
    size_t i;

    if (ring == NULL || ring->count == 0)
        return 0; /* no ring: issue no ticket, accept none */
    if (enc) {
        const unsigned char *k = ring->keys;

        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) <= 0)
            return -1;
        memcpy(key_name, k, NAME_LEN);
        if (!EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k + NAME_LEN, iv) || !set_mac(hctx, k + NAME_LEN + AES_LEN))
            return -1;
        return 1;
    }
    for (i = 0; i < ring->count; i++) {
        const unsigned char *k = ring->keys + i * KEY_LEN;

        if (memcmp(key_name, k, NAME_LEN) != 0)
            continue;
        if (!set_mac(hctx, k + NAME_LEN + AES_LEN) || !EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k + NAME_LEN, iv))
            return -1;
        return i == 0 ? 1 : 2; /* 2: valid, but under an older key: issue a new ticket */
    }
    return 0; /* unknown key name: a full handshake */
}

/*
 * Replaces ctx's ticket key ring with `count` keys of KEY_LEN bytes (the first encrypts). With
 * count 0 the ring is removed (`keys` is not read) and OpenSSL's own per-context keys are used
 * again. 1 on success; 0, with the ring left as it was, for a NULL ctx, NULL keys with a count,
 * a count above MAX_KEYS, or an allocation that fails.
 */
EXPORT int OSW_CTX_set_ticket_keys(SSL_CTX *ctx, const unsigned char *keys, size_t count)
{
    keyring *ring = NULL, *old;

    if (ctx == NULL || (count > 0 && keys == NULL) || count > MAX_KEYS)
        return 0;
    if (ring_index < 0) {
        ring_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ring_free);
        if (ring_index < 0)
            return 0;
    }
    if (count > 0) {
        ring = OPENSSL_malloc(sizeof(*ring) + count * KEY_LEN);
        if (ring == NULL)
            return 0;
        ring->count = count;
        memcpy(ring->keys, keys, count * KEY_LEN);
    }
    old = SSL_CTX_get_ex_data(ctx, ring_index);
    if (!SSL_CTX_set_ex_data(ctx, ring_index, ring)) {
        if (ring != NULL)
            OPENSSL_clear_free(ring, sizeof(*ring) + count * KEY_LEN);
        return 0;
    }
    if (old != NULL)
        OPENSSL_clear_free(old, sizeof(*old) + old->count * KEY_LEN);
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, count > 0 ? ticket_key_cb : NULL);
}

/*
 * Gives `to` the ring of `from` (the keys set with OSW_CTX_set_ticket_keys), copied in C so that
 * no key crosses into JavaScript: Node's server.setSecureContext keeps the ticket keys it was
 * given. A `from` without a ring (on OpenSSL's own random keys) gives nothing, and `to` keeps its
 * own keys, as Node's new context does. 1 on success (or nothing to give), 0 otherwise.
 */
EXPORT int OSW_CTX_copy_ticket_keys(SSL_CTX *to, SSL_CTX *from)
{
    keyring *ring;

    if (to == NULL || from == NULL)
        return 0;
    ring = ring_index < 0 ? NULL : SSL_CTX_get_ex_data(from, ring_index);
    return ring == NULL ? 1 : OSW_CTX_set_ticket_keys(to, ring->keys, ring->count);
}
