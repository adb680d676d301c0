/*
 * Encrypted Client Hello (OpenSSL 4.0 line only; wasm/exports.txt's [ech] section): what the raw
 * layer cannot call directly. Compiled into both lines' modules; empty on 3.5, which has no ECH.
 */
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_MAJOR >= 4
#include <openssl/ech.h>
#include <openssl/err.h>
#include <openssl/hpke.h>

#define EXPORT __attribute__((used, visibility("default")))

/*
 * OSSL_ECHSTORE_new_config takes an OSSL_HPKE_SUITE by value, which a wasm export cannot take from
 * JavaScript: the suite comes as the text `openssl ech -suite` takes, read by OpenSSL's own
 * OSSL_HPKE_str2suite ("X25519,hkdf-sha256,aes-128-gcm" or "0x20,1,1"); NULL for the default suite.
 */
EXPORT int OSW_ECHSTORE_new_config(OSSL_ECHSTORE *es, uint16_t echversion, uint16_t max_name_length,
                                   const char *public_name, const char *suite_text)
{
    OSSL_HPKE_SUITE suite = OSSL_HPKE_SUITE_DEFAULT;

    if (suite_text != NULL && OSSL_HPKE_str2suite(suite_text, &suite) != 1)
        return 0;
    /* The header's parameter is a uint8_t (the pod says uint16_t): refuse what would be cut short. */
    if (max_name_length > 255) {
        ERR_raise_data(ERR_LIB_SSL, ERR_R_PASSED_INVALID_ARGUMENT, "max_name_length %u is over 255", max_name_length);
        return 0;
    }
    return OSSL_ECHSTORE_new_config(es, echversion, (uint8_t)max_name_length, public_name, suite);
}
#endif
