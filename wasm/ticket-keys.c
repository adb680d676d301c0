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

typedef struct {
    size_t count;
    unsigned char keys[];
} keyring;

static int ring_index = -1;

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
    keyring *ring = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), ring_index);
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
 * count 0 the ring is removed and OpenSSL's own per-context keys are used again. 1 on success.
 */
EXPORT int OSW_CTX_set_ticket_keys(SSL_CTX *ctx, const unsigned char *keys, size_t count)
{
    keyring *ring = NULL, *old;

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
