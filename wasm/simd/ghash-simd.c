/*
 * Constant-time GHASH for wasm SIMD128, a drop-in for the library's crypto/modes/ghash_ctmul64.c
 * (patch 0005: gcm128.c calls osw_gcm_init_ct, osw_gcm_gmult_ct and osw_gcm_ghash_ct on wasm, the
 * only external symbols of that object). Linked ahead of libcrypto.a in the SIMD build.
 *
 * wasm has no carry-less multiply, but i8x16.swizzle is a 16-entry byte lookup whose index is a
 * register lane, not a memory address: the time it takes does not depend on the index. So this is
 * Shoup's 4-bit method (OpenSSL's gcm_ghash_4bit) with its table lookups done as swizzles:
 *
 *   T[v] = v(x) * H for the 16 four-bit polynomials v, the table, "byte-sliced" into 16 vectors
 *   B_j (lane v = byte j of T[v]), 256 bytes: the Htable storage gcm128.c gives the 4-bit table.
 *   A block X is, in GCM's bit order (the first byte's top bit is x^0), the sum over bytes i of
 *   x^(8i) * (hi_i(x) + x^4 * lo_i(x)) for its high and low nibbles. swizzle(B_j, the 16 high
 *   nibbles) gives byte j of T[hi_i] in lane i, which x^(8i) moves to byte i + j of the 256-bit
 *   product: summed Horner-fashion over j, one byte shift (a shuffle) per step. The low nibbles
 *   likewise with a copy of the table times x^4, made per call. One reduction per block.
 *
 * No secret-dependent memory index or branch: the table is read whole, by position, every block.
 * The result is the same as OpenSSL's and BearSSL's; the Htable layout is this file's own.
 */
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

/* OpenSSL's u128 (include/crypto/modes.h); Htable is u128[16]. */
typedef struct { uint64_t hi, lo; } u128;
_Static_assert(sizeof(u128) == 16, "u128 differs from OpenSSL's");

/* libcrypto's (include/openssl/crypto.h): the init's stack copies of H's multiples are wiped */
void OPENSSL_cleanse(void *ptr, size_t len);

void osw_gcm_init_ct(u128 Htable[16], const uint64_t H[2]);
void osw_gcm_gmult_ct(uint64_t Xi[2], const u128 Htable[16]);
void osw_gcm_ghash_ct(uint64_t Xi[2], const u128 Htable[16], const uint8_t *inp, size_t len);

/* (lo, hi) of a 256-bit product times x^8: every byte one lane up, lo's top byte into hi. */
#define SHIFT_LO(lo) wasm_i8x16_shuffle(zero, lo, 0, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30)
#define SHIFT_HI(lo, hi) wasm_i8x16_shuffle(lo, hi, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30)
/* big-endian 64-bit words <-> bytes: reverse the bytes of each half */
#define BSWAP64X2(v) wasm_i8x16_shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8)

/*
 * T[v] for v = 8, 4, 2, 1 (x^0, x^1, x^2, x^3 times H) and their sums, as in gcm_init_4bit; then
 * sliced. H[0] is bytes 0..7 of H read big-endian, H[1] bytes 8..15. Multiplying by x shifts the
 * big-endian 128-bit value right by one, the bit falling off (x^127) reduced as 0xe1 << 120.
 */
void osw_gcm_init_ct(u128 Htable[16], const uint64_t H[2])
{
    uint64_t hi[16], lo[16];
    uint8_t *out = (uint8_t *)Htable;
    int v, j;

    hi[0] = lo[0] = 0;
    hi[8] = H[0];
    lo[8] = H[1];
    for (v = 4; v > 0; v >>= 1) {
        uint64_t m = 0 - (lo[2 * v] & 1);
        lo[v] = (lo[2 * v] >> 1) | (hi[2 * v] << 63);
        hi[v] = (hi[2 * v] >> 1) ^ (0xe100000000000000ULL & m);
    }
    for (v = 3; v < 16; v++) {
        int top = v & 8 ? 8 : v & 4 ? 4 : 2;      /* v's highest bit: public */
        if (v == top)
            continue;
        hi[v] = hi[top] ^ hi[v - top];
        lo[v] = lo[top] ^ lo[v - top];
    }
    for (j = 0; j < 16; j++)
        for (v = 0; v < 16; v++)
            out[16 * j + v] = (uint8_t)((j < 8 ? hi[v] >> (56 - 8 * j) : lo[v] >> (120 - 8 * j)));
    OPENSSL_cleanse(hi, sizeof(hi));
    OPENSSL_cleanse(lo, sizeof(lo));
}

/* The slices of T[v] * x^4: each byte's nibbles one place on, the 4 bits past x^127 reduced. */
static void times_x4(v128_t out[16], const uint8_t *tab)
{
    v128_t prev = wasm_v128_load(tab + 16 * 15), cur, n, r0, r1;
    int j;

    /* the low nibble of byte 15 (x^124..x^127) becomes x^128..x^131: times x^7 + x^2 + x + 1 */
    n = wasm_v128_and(prev, wasm_i8x16_splat(0x0f));
    r0 = wasm_v128_xor(wasm_v128_xor(wasm_i8x16_shl(n, 4), wasm_i8x16_shl(n, 3)),
                       wasm_v128_xor(wasm_i8x16_shl(n, 2), wasm_u8x16_shr(n, 3)));
    r1 = wasm_i8x16_shl(n, 5);
    prev = wasm_i8x16_splat(0);
    for (j = 0; j < 16; j++) {
        cur = wasm_v128_load(tab + 16 * j);
        out[j] = wasm_v128_or(wasm_u8x16_shr(cur, 4), wasm_i8x16_shl(prev, 4));
        prev = cur;
    }
    out[0] = wasm_v128_xor(out[0], r0);
    out[1] = wasm_v128_xor(out[1], r1);
}

/* One block: (X * H) with X = Xi ^ block, tables B (T) and B4 (T * x^4). */
static inline v128_t mul(v128_t x, const v128_t *b, const v128_t *b4)
{
    const v128_t zero = wasm_i8x16_splat(0);
    v128_t hi = wasm_u8x16_shr(x, 4), lo = wasm_v128_and(x, wasm_i8x16_splat(0x0f));
    v128_t accl, acch = zero, u, l, s, t;

    /* sum over j of (byte j of T[hi_i] + byte j of T4[lo_i]) at byte i + j, Horner-fashion */
    accl = wasm_v128_xor(wasm_i8x16_swizzle(b[15], hi), wasm_i8x16_swizzle(b4[15], lo));
#define STEP(j) \
    acch = SHIFT_HI(accl, acch); \
    accl = wasm_v128_xor(SHIFT_LO(accl), \
                         wasm_v128_xor(wasm_i8x16_swizzle(b[j], hi), wasm_i8x16_swizzle(b4[j], lo)))
    STEP(14); STEP(13); STEP(12); STEP(11); STEP(10); STEP(9); STEP(8);
    STEP(7); STEP(6); STEP(5); STEP(4); STEP(3); STEP(2); STEP(1); STEP(0);
#undef STEP

    /*
     * Reduction, on big-endian 64-bit words: l = [x^0..63, x^64..127], u = [x^128.., x^192..].
     * u * x^128 = u * (1 + x + x^2 + x^7): shifts right by 0, 1, 2, 7 across the two words; the
     * bits pushed past x^255 (s's lane 0) are reduced the same way once more.
     */
    l = BSWAP64X2(accl);
    u = BSWAP64X2(acch);
    t = wasm_i64x2_shuffle(u, u, 1, 0);              /* [c0, c1] */
    s = wasm_v128_xor(wasm_v128_xor(wasm_i64x2_shl(t, 63), wasm_i64x2_shl(t, 62)), wasm_i64x2_shl(t, 57));
    /* s = [bits past x^255, bits carried from u's word 0 into word 1] */
    l = wasm_v128_xor(l, wasm_v128_xor(u, wasm_v128_xor(s, wasm_v128_xor(wasm_u64x2_shr(u, 1),
        wasm_v128_xor(wasm_u64x2_shr(u, 2), wasm_u64x2_shr(u, 7))))));
    s = wasm_i64x2_shuffle(s, zero, 0, 2);             /* [bits past x^255, 0] */
    l = wasm_v128_xor(l, wasm_v128_xor(wasm_u64x2_shr(s, 1), wasm_v128_xor(wasm_u64x2_shr(s, 2), wasm_u64x2_shr(s, 7))));
    return BSWAP64X2(l);
}

void osw_gcm_ghash_ct(uint64_t Xi[2], const u128 Htable[16], const uint8_t *inp, size_t len)
{
    const uint8_t *tab = (const uint8_t *)Htable;
    v128_t b[16], b4[16], x = wasm_v128_load(Xi);
    int j;

    for (j = 0; j < 16; j++)
        b[j] = wasm_v128_load(tab + 16 * j);
    times_x4(b4, tab);
    for (; len >= 16; inp += 16, len -= 16)
        x = mul(wasm_v128_xor(x, wasm_v128_load(inp)), b, b4);
    wasm_v128_store(Xi, x);
}

void osw_gcm_gmult_ct(uint64_t Xi[2], const u128 Htable[16])
{
    static const uint8_t zero[16];

    osw_gcm_ghash_ct(Xi, Htable, zero, 16);
}
