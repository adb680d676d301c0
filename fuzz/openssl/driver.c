/*
 * Runs one of OpenSSL's own fuzz entry points (fuzz/server.c, client.c, asn1.c in the OpenSSL tree)
 * as a standalone wasm module, driven from JavaScript by fuzz/openssl-entry.ts: what libFuzzer's
 * main would do, one input per call. Built by scripts/build-openssl-fuzzers.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include "fuzzer.h"

static int initialized;

__attribute__((export_name("osw_fuzz_one")))
int osw_fuzz_one(const uint8_t *buf, size_t len)
{
    if (!initialized) {
        int argc = 0;
        char **argv = NULL;
        FuzzerInitialize(&argc, &argv);
        initialized = 1;
    }
    return FuzzerTestOneInput(buf, len);
}
