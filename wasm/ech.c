/*
 * Encrypted Client Hello (OpenSSL 4.0 line only; wasm/exports.txt's [ech] section): what the raw
 * layer cannot call directly. Compiled into both lines' modules; empty on 3.5, which has no ECH.
 */
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_MAJOR >= 4
#include <openssl/ech.h>
#include <openssl/hpke.h>

#define EXPORT __attribute__((used, visibility("default")))

/* OSSL_ECHSTORE_new_config takes an OSSL_HPKE_SUITE by value, which a wasm export cannot take from
 * JavaScript: the three ids come one by one (RFC 9180 numbers, e.g. 0x20, 1, 1). */
EXPORT int OSW_ECHSTORE_new_config(OSSL_ECHSTORE *es, uint16_t echversion, uint16_t max_name_length,
                                   const char *public_name, uint16_t kem_id, uint16_t kdf_id,
                                   uint16_t aead_id)
{
    OSSL_HPKE_SUITE suite = { kem_id, kdf_id, aead_id };

    /* The header's parameter is a uint8_t (the pod says uint16_t): refuse what would be cut short. */
    if (max_name_length > 255)
        return 0;
    return OSSL_ECHSTORE_new_config(es, echversion, (uint8_t)max_name_length, public_name, suite);
}
#endif
