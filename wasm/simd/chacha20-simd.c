/*
 * ChaCha20_ctr32 for wasm SIMD128, a drop-in for OpenSSL's portable C version in
 * crypto/chacha/chacha_enc.c (the module is built no-asm, so that is all OpenSSL offers).
 * Linked ahead of libcrypto.a in the SIMD build of the module, it takes the place of the
 * archive's chacha_enc.o, whose only symbol is ChaCha20_ctr32. Same contract as the C version:
 * |key| and |counter| are host-order words, counter[0] is a 32-bit block counter that wraps
 * without carrying into counter[1], any |len| (a final partial block uses a prefix of the key
 * stream), out == inp allowed, no alignment required.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

/* Rotations by 16 and 8 are byte permutations: one shuffle instead of two shifts and an or. */
#define ROTL16(v) wasm_i8x16_shuffle(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)
#define ROTL8(v) wasm_i8x16_shuffle(v, v, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)
#define ROTL(v, n) wasm_v128_or(wasm_i32x4_shl(v, n), wasm_u32x4_shr(v, 32 - (n)))

#define QR(a, b, c, d)                                        \
    do {                                                      \
        a = wasm_i32x4_add(a, b); d = ROTL16(wasm_v128_xor(d, a)); \
        c = wasm_i32x4_add(c, d); b = ROTL(wasm_v128_xor(b, c), 12); \
        a = wasm_i32x4_add(a, b); d = ROTL8(wasm_v128_xor(d, a));  \
        c = wasm_i32x4_add(c, d); b = ROTL(wasm_v128_xor(b, c), 7);  \
    } while (0)

/* "expand 32-byte k" */
static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };

/* XORs 16 bytes of key stream into out; loads before it stores, so out == inp is fine. */
static inline void xor16(unsigned char *out, const unsigned char *inp, v128_t ks)
{
    wasm_v128_store(out, wasm_v128_xor(wasm_v128_load(inp), ks));
}

/*
 * Four rows a, b, c, d of four consecutive blocks' states, word i of the four blocks in
 * lane 0..3 of x[i], are turned into the 16-byte row of each block: a 4x4 transpose.
 * Row r of block j lands at out + 64 * j + 16 * r.
 */
static inline void xor_rows(unsigned char *out, const unsigned char *inp, int r,
                            v128_t a, v128_t b, v128_t c, v128_t d)
{
    v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5); /* a0 b0 a1 b1 */
    v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
    v128_t ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    v128_t cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
    size_t o = 16 * (size_t)r;
    xor16(out + o, inp + o, wasm_i64x2_shuffle(ab_lo, cd_lo, 0, 2));
    xor16(out + o + 64, inp + o + 64, wasm_i64x2_shuffle(ab_lo, cd_lo, 1, 3));
    xor16(out + o + 128, inp + o + 128, wasm_i64x2_shuffle(ab_hi, cd_hi, 0, 2));
    xor16(out + o + 192, inp + o + 192, wasm_i64x2_shuffle(ab_hi, cd_hi, 1, 3));
}

void ChaCha20_ctr32(unsigned char *out, const unsigned char *inp, size_t len,
                    const unsigned int key[8], const unsigned int counter[4])
{
    uint32_t ctr = counter[0];

    /* Four blocks at a time, one vector per state word ("vertical" layout). */
    if (len >= 256) {
        const v128_t s0 = wasm_i32x4_splat(sigma[0]), s1 = wasm_i32x4_splat(sigma[1]);
        const v128_t s2 = wasm_i32x4_splat(sigma[2]), s3 = wasm_i32x4_splat(sigma[3]);
        const v128_t k0 = wasm_i32x4_splat(key[0]), k1 = wasm_i32x4_splat(key[1]);
        const v128_t k2 = wasm_i32x4_splat(key[2]), k3 = wasm_i32x4_splat(key[3]);
        const v128_t k4 = wasm_i32x4_splat(key[4]), k5 = wasm_i32x4_splat(key[5]);
        const v128_t k6 = wasm_i32x4_splat(key[6]), k7 = wasm_i32x4_splat(key[7]);
        const v128_t n1 = wasm_i32x4_splat(counter[1]);
        const v128_t n2 = wasm_i32x4_splat(counter[2]);
        const v128_t n3 = wasm_i32x4_splat(counter[3]);
        /* i32x4.add wraps each lane mod 2^32, exactly like the C version's input[12]++. */
        v128_t c12 = wasm_i32x4_add(wasm_i32x4_splat(ctr), wasm_i32x4_make(0, 1, 2, 3));
        const v128_t four = wasm_i32x4_splat(4);

        do {
            v128_t x0 = s0, x1 = s1, x2 = s2, x3 = s3;
            v128_t x4 = k0, x5 = k1, x6 = k2, x7 = k3;
            v128_t x8 = k4, x9 = k5, x10 = k6, x11 = k7;
            v128_t x12 = c12, x13 = n1, x14 = n2, x15 = n3;
            int i;

            for (i = 0; i < 10; i++) {
                QR(x0, x4, x8, x12);
                QR(x1, x5, x9, x13);
                QR(x2, x6, x10, x14);
                QR(x3, x7, x11, x15);
                QR(x0, x5, x10, x15);
                QR(x1, x6, x11, x12);
                QR(x2, x7, x8, x13);
                QR(x3, x4, x9, x14);
            }
            xor_rows(out, inp, 0, wasm_i32x4_add(x0, s0), wasm_i32x4_add(x1, s1),
                     wasm_i32x4_add(x2, s2), wasm_i32x4_add(x3, s3));
            xor_rows(out, inp, 1, wasm_i32x4_add(x4, k0), wasm_i32x4_add(x5, k1),
                     wasm_i32x4_add(x6, k2), wasm_i32x4_add(x7, k3));
            xor_rows(out, inp, 2, wasm_i32x4_add(x8, k4), wasm_i32x4_add(x9, k5),
                     wasm_i32x4_add(x10, k6), wasm_i32x4_add(x11, k7));
            xor_rows(out, inp, 3, wasm_i32x4_add(x12, c12), wasm_i32x4_add(x13, n1),
                     wasm_i32x4_add(x14, n2), wasm_i32x4_add(x15, n3));

            c12 = wasm_i32x4_add(c12, four);
            ctr += 4;
            out += 256;
            inp += 256;
            len -= 256;
        } while (len >= 256);
    }

    /* Fewer than four blocks left: one block at a time, one vector per row. */
    if (len > 0) {
        const v128_t a0 = wasm_v128_load(sigma);
        const v128_t b0 = wasm_v128_load(key);
        const v128_t c0 = wasm_v128_load(key + 4);
        const v128_t nonce = wasm_v128_load(counter);

        while (len > 0) {
            v128_t d0 = wasm_i32x4_replace_lane(nonce, 0, (int32_t)ctr);
            v128_t a = a0, b = b0, c = c0, d = d0;
            int i;

            for (i = 0; i < 10; i++) {
                QR(a, b, c, d);
                /* Rotate rows 1-3 so the diagonals line up as columns, then back. */
                b = wasm_i32x4_shuffle(b, b, 1, 2, 3, 0);
                c = wasm_i32x4_shuffle(c, c, 2, 3, 0, 1);
                d = wasm_i32x4_shuffle(d, d, 3, 0, 1, 2);
                QR(a, b, c, d);
                b = wasm_i32x4_shuffle(b, b, 3, 0, 1, 2);
                c = wasm_i32x4_shuffle(c, c, 2, 3, 0, 1);
                d = wasm_i32x4_shuffle(d, d, 1, 2, 3, 0);
            }
            a = wasm_i32x4_add(a, a0);
            b = wasm_i32x4_add(b, b0);
            c = wasm_i32x4_add(c, c0);
            d = wasm_i32x4_add(d, d0);

            if (len >= 64) {
                xor16(out, inp, a);
                xor16(out + 16, inp + 16, b);
                xor16(out + 32, inp + 32, c);
                xor16(out + 48, inp + 48, d);
                out += 64;
                inp += 64;
                len -= 64;
            } else {
                unsigned char ks[64];
                size_t j;

                wasm_v128_store(ks, a);
                wasm_v128_store(ks + 16, b);
                wasm_v128_store(ks + 32, c);
                wasm_v128_store(ks + 48, d);
                for (j = 0; j < len; j++)
                    out[j] = inp[j] ^ ks[j];
                len = 0;
            }
            ctr++;
        }
    }
}
