/*
 * Poly1305 for wasm SIMD128, a drop-in for OpenSSL's portable C version in
 * crypto/poly1305/poly1305.c (the module is built no-asm, and without INT128_MAX, so OpenSSL uses
 * its radix 2^32 path). Linked ahead of libcrypto.a in the SIMD build of the module, it takes the
 * place of the archive's poly1305.o, whose symbols are Poly1305_ctx_size, Poly1305_Init,
 * Poly1305_Update and Poly1305_Final (all four are defined here).
 *
 * Same contract and same results as the C version for any split of the input into Update calls:
 * short inputs, the last 0-3 blocks of a call, the block buffered across calls and the final
 * partial block go through OpenSSL's own radix 2^32 code (copied below). Runs of SIMD_MIN (128)
 * bytes and more go four blocks at a time in radix 2^26, block 4i+j in 32-bit lane j: Horner with
 * r^4 on four interleaved sequences, lane 0 starting from h, and the last four blocks times
 * r^4, r^3, r^2, r, summed. (For one group: h' = (h + m0) r^4 + m1 r^3 + m2 r^2 + m3 r.)
 * The products are i64x2.extmul_{low,high}_i32x4_u (two 32x32->64 products per instruction).
 * Constant time like the original: the only branches and indexes depend on lengths.
 * The powers of r are computed the first time a call has enough input (per key, a public fact)
 * and kept in the context's opaque area; Final cleanses the whole context, as the original does.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

#define POLY1305_BLOCK_SIZE 16

typedef void (*poly1305_blocks_f)(void *ctx, const unsigned char *inp, size_t len,
                                  unsigned int padbit);
typedef void (*poly1305_emit_f)(void *ctx, unsigned char mac[16], const unsigned int nonce[4]);

/*
 * Must match struct poly1305_context in OpenSSL's include/crypto/poly1305.h (not installed):
 * callers embed it (cipher_chacha20_poly1305) or allocate Poly1305_ctx_size() bytes.
 */
typedef struct poly1305_context {
    double opaque[24];
    unsigned int nonce[4];
    unsigned char data[POLY1305_BLOCK_SIZE];
    size_t num;
    struct {
        poly1305_blocks_f blocks;
        poly1305_emit_f emit;
    } func;
} POLY1305;

/* The size OpenSSL 3.5.7's Poly1305_ctx_size() returns on wasm32. */
_Static_assert(sizeof(POLY1305) == 240, "struct poly1305_context differs from OpenSSL's");

size_t Poly1305_ctx_size(void);
void Poly1305_Init(POLY1305 *ctx, const unsigned char key[32]);
void Poly1305_Update(POLY1305 *ctx, const unsigned char *inp, size_t len);
void Poly1305_Final(POLY1305 *ctx, unsigned char mac[16]);
void OPENSSL_cleanse(void *ptr, size_t len); /* <openssl/crypto.h> */

typedef uint32_t u32;
typedef uint64_t u64;

/* What the opaque area holds. */
typedef struct {
    u32 h[5];         /* accumulator, radix 2^32, exactly as OpenSSL's 32-bit path keeps it */
    u32 r[4];         /* clamped r, radix 2^32 */
    u32 have_powers;  /* rp is set (depends on input lengths only) */
    u32 rp[5][4];     /* limb k (radix 2^26) of r^4, r^3, r^2, r in lanes 0..3 of rp[k] */
} poly1305_state;

_Static_assert(sizeof(poly1305_state) <= sizeof(((POLY1305 *)0)->opaque), "state too large");

/* Runs shorter than this many bytes stay scalar: below it the set-up costs more than it saves. */
#define SIMD_MIN 128

#define M26 0x3ffffffu

size_t Poly1305_ctx_size(void)
{
    return sizeof(struct poly1305_context);
}

static u32 U8TOU32(const unsigned char *p)
{
    return ((u32)p[0]) | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

static void U32TO8(unsigned char *p, u32 v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    p[2] = (unsigned char)((v >> 16) & 0xff);
    p[3] = (unsigned char)((v >> 24) & 0xff);
}

#define CONSTANT_TIME_CARRY(a, b) ((a ^ ((a ^ b) | ((a - b) ^ b))) >> (sizeof(a) * 8 - 1))

/* OpenSSL's radix 2^32 poly1305_blocks (crypto/poly1305/poly1305.c), unchanged. */
static void poly1305_blocks_scalar(poly1305_state *st, const unsigned char *inp, size_t len,
                                   u32 padbit)
{
    u32 r0, r1, r2, r3;
    u32 s1, s2, s3;
    u32 h0, h1, h2, h3, h4, c;
    u64 d0, d1, d2, d3;

    r0 = st->r[0];
    r1 = st->r[1];
    r2 = st->r[2];
    r3 = st->r[3];

    s1 = r1 + (r1 >> 2);
    s2 = r2 + (r2 >> 2);
    s3 = r3 + (r3 >> 2);

    h0 = st->h[0];
    h1 = st->h[1];
    h2 = st->h[2];
    h3 = st->h[3];
    h4 = st->h[4];

    while (len >= POLY1305_BLOCK_SIZE) {
        /* h += m[i] */
        h0 = (u32)(d0 = (u64)h0 + U8TOU32(inp + 0));
        h1 = (u32)(d1 = (u64)h1 + (d0 >> 32) + U8TOU32(inp + 4));
        h2 = (u32)(d2 = (u64)h2 + (d1 >> 32) + U8TOU32(inp + 8));
        h3 = (u32)(d3 = (u64)h3 + (d2 >> 32) + U8TOU32(inp + 12));
        h4 += (u32)(d3 >> 32) + padbit;

        /* h *= r "%" p */
        d0 = ((u64)h0 * r0) + ((u64)h1 * s3) + ((u64)h2 * s2) + ((u64)h3 * s1);
        d1 = ((u64)h0 * r1) + ((u64)h1 * r0) + ((u64)h2 * s3) + ((u64)h3 * s2) + (h4 * s1);
        d2 = ((u64)h0 * r2) + ((u64)h1 * r1) + ((u64)h2 * r0) + ((u64)h3 * s3) + (h4 * s2);
        d3 = ((u64)h0 * r3) + ((u64)h1 * r2) + ((u64)h2 * r1) + ((u64)h3 * r0) + (h4 * s3);
        h4 = (h4 * r0);

        /* a) h4:h0 = h4<<128 + d3<<96 + d2<<64 + d1<<32 + d0 */
        h0 = (u32)d0;
        h1 = (u32)(d1 += d0 >> 32);
        h2 = (u32)(d2 += d1 >> 32);
        h3 = (u32)(d3 += d2 >> 32);
        h4 += (u32)(d3 >> 32);
        /* b) (h4:h0 += (h4:h0>>130) * 5) %= 2^130 */
        c = (h4 >> 2) + (h4 & ~3U);
        h4 &= 3;
        h0 += c;
        h1 += (c = CONSTANT_TIME_CARRY(h0, c));
        h2 += (c = CONSTANT_TIME_CARRY(h1, c));
        h3 += (c = CONSTANT_TIME_CARRY(h2, c));
        h4 += CONSTANT_TIME_CARRY(h3, c);

        inp += POLY1305_BLOCK_SIZE;
        len -= POLY1305_BLOCK_SIZE;
    }

    st->h[0] = h0;
    st->h[1] = h1;
    st->h[2] = h2;
    st->h[3] = h3;
    st->h[4] = h4;
}

/* OpenSSL's radix 2^32 poly1305_emit, unchanged. */
static void poly1305_emit(poly1305_state *st, unsigned char mac[16], const u32 nonce[4])
{
    u32 h0, h1, h2, h3, h4;
    u32 g0, g1, g2, g3, g4;
    u64 t;
    u32 mask;

    h0 = st->h[0];
    h1 = st->h[1];
    h2 = st->h[2];
    h3 = st->h[3];
    h4 = st->h[4];

    /* compare to modulus by computing h + -p */
    g0 = (u32)(t = (u64)h0 + 5);
    g1 = (u32)(t = (u64)h1 + (t >> 32));
    g2 = (u32)(t = (u64)h2 + (t >> 32));
    g3 = (u32)(t = (u64)h3 + (t >> 32));
    g4 = h4 + (u32)(t >> 32);

    /* if there was carry into 131st bit, h3:h0 = g3:g0 */
    mask = 0 - (g4 >> 2);
    g0 &= mask;
    g1 &= mask;
    g2 &= mask;
    g3 &= mask;
    mask = ~mask;
    h0 = (h0 & mask) | g0;
    h1 = (h1 & mask) | g1;
    h2 = (h2 & mask) | g2;
    h3 = (h3 & mask) | g3;

    /* mac = (h + nonce) % (2^128) */
    h0 = (u32)(t = (u64)h0 + nonce[0]);
    h1 = (u32)(t = (u64)h1 + (t >> 32) + nonce[1]);
    h2 = (u32)(t = (u64)h2 + (t >> 32) + nonce[2]);
    h3 = (u32)(t = (u64)h3 + (t >> 32) + nonce[3]);

    U32TO8(mac + 0, h0);
    U32TO8(mac + 4, h1);
    U32TO8(mac + 8, h2);
    U32TO8(mac + 12, h3);
}

/*
 * out = a * b mod 2^130 - 5, radix 2^26, limbs of a and b below 2^26 + 2^10; limbs of out below
 * 2^26 except out[1], below 2^26 + 2^10.
 */
static void mul26(u32 out[5], const u32 a[5], const u32 b[5])
{
    u32 s1 = b[1] * 5, s2 = b[2] * 5, s3 = b[3] * 5, s4 = b[4] * 5;
    u64 d0, d1, d2, d3, d4, c;

    d0 = (u64)a[0] * b[0] + (u64)a[1] * s4 + (u64)a[2] * s3 + (u64)a[3] * s2 + (u64)a[4] * s1;
    d1 = (u64)a[0] * b[1] + (u64)a[1] * b[0] + (u64)a[2] * s4 + (u64)a[3] * s3 + (u64)a[4] * s2;
    d2 = (u64)a[0] * b[2] + (u64)a[1] * b[1] + (u64)a[2] * b[0] + (u64)a[3] * s4 + (u64)a[4] * s3;
    d3 = (u64)a[0] * b[3] + (u64)a[1] * b[2] + (u64)a[2] * b[1] + (u64)a[3] * b[0] + (u64)a[4] * s4;
    d4 = (u64)a[0] * b[4] + (u64)a[1] * b[3] + (u64)a[2] * b[2] + (u64)a[3] * b[1] + (u64)a[4] * b[0];

    c = d0 >> 26; d0 &= M26; d1 += c;
    c = d1 >> 26; d1 &= M26; d2 += c;
    c = d2 >> 26; d2 &= M26; d3 += c;
    c = d3 >> 26; d3 &= M26; d4 += c;
    c = d4 >> 26; d4 &= M26; d0 += c * 5;
    c = d0 >> 26; d0 &= M26; d1 += c;

    out[0] = (u32)d0;
    out[1] = (u32)d1;
    out[2] = (u32)d2;
    out[3] = (u32)d3;
    out[4] = (u32)d4;
}

static void compute_powers(poly1305_state *st)
{
    u32 p1[5], p2[5], p3[5], p4[5];
    int k;

    p1[0] = st->r[0] & M26;
    p1[1] = ((st->r[0] >> 26) | (st->r[1] << 6)) & M26;
    p1[2] = ((st->r[1] >> 20) | (st->r[2] << 12)) & M26;
    p1[3] = ((st->r[2] >> 14) | (st->r[3] << 18)) & M26;
    p1[4] = st->r[3] >> 8;
    mul26(p2, p1, p1);
    mul26(p3, p2, p1);
    mul26(p4, p2, p2);
    for (k = 0; k < 5; k++) {
        st->rp[k][0] = p4[k];
        st->rp[k][1] = p3[k];
        st->rp[k][2] = p2[k];
        st->rp[k][3] = p1[k];
    }
    st->have_powers = 1;
}

/* Limbs (radix 2^26) of four consecutive blocks with the 2^128 pad bit, block j in lane j. */
static inline __attribute__((always_inline)) void load4(const unsigned char *p, v128_t m[5])
{
    const v128_t mask = wasm_i32x4_splat(M26);
    v128_t b0 = wasm_v128_load(p), b1 = wasm_v128_load(p + 16);
    v128_t b2 = wasm_v128_load(p + 32), b3 = wasm_v128_load(p + 48);
    v128_t t0 = wasm_i32x4_shuffle(b0, b1, 0, 4, 1, 5);
    v128_t t1 = wasm_i32x4_shuffle(b2, b3, 0, 4, 1, 5);
    v128_t t2 = wasm_i32x4_shuffle(b0, b1, 2, 6, 3, 7);
    v128_t t3 = wasm_i32x4_shuffle(b2, b3, 2, 6, 3, 7);
    v128_t w0 = wasm_i64x2_shuffle(t0, t1, 0, 2); /* word 0 of the four blocks */
    v128_t w1 = wasm_i64x2_shuffle(t0, t1, 1, 3);
    v128_t w2 = wasm_i64x2_shuffle(t2, t3, 0, 2);
    v128_t w3 = wasm_i64x2_shuffle(t2, t3, 1, 3);

    m[0] = wasm_v128_and(w0, mask);
    m[1] = wasm_v128_and(wasm_v128_or(wasm_u32x4_shr(w0, 26), wasm_i32x4_shl(w1, 6)), mask);
    m[2] = wasm_v128_and(wasm_v128_or(wasm_u32x4_shr(w1, 20), wasm_i32x4_shl(w2, 12)), mask);
    m[3] = wasm_v128_and(wasm_v128_or(wasm_u32x4_shr(w2, 14), wasm_i32x4_shl(w3, 18)), mask);
    m[4] = wasm_v128_or(wasm_u32x4_shr(w3, 8), wasm_i32x4_splat(1 << 24));
}

/*
 * clang 14 implements the extmul intrinsics as extend + multiply, and once the extension of a
 * limb is shared by several products it emits i64x2.extend + i64x2.mul, which engines without a
 * 64x64 vector multiply (V8 on x64 before AVX-512) expand to about eight instructions. An empty
 * asm statement makes each use of a limb a distinct value, so every product is selected as
 * i64x2.extmul_*_i32x4_u (one pmuludq and two unpacks in V8). It emits no code.
 */
static inline __attribute__((always_inline)) v128_t opaque(v128_t x)
{
    __asm__ volatile("" : "+r"(x));
    return x;
}

#define MLO(a, b) wasm_u64x2_extmul_low_u32x4(opaque(a), opaque(b))
#define MHI(a, b) wasm_u64x2_extmul_high_u32x4(opaque(a), opaque(b))
#define ADD64 wasm_i64x2_add

/*
 * d = h * r lane by lane (mod 2^130 - 5, not carried), s = 5 r; lanes 0-1 of the result in lo[],
 * lanes 2-3 in hi[]. With h limbs below 2^28 and r limbs below 2^26 + 2^10, each 64-bit sum is
 * below 2^59.
 */
static inline __attribute__((always_inline)) void mul4(v128_t lo[5], v128_t hi[5], const v128_t h[5], const v128_t r[5],
                        const v128_t s[5])
{
#define DOT(H, op, a0, a1, a2, a3, a4) \
    ADD64(ADD64(ADD64(op(H[0], a0), op(H[1], a1)), ADD64(op(H[2], a2), op(H[3], a3))), op(H[4], a4))
    lo[0] = DOT(h, MLO, r[0], s[4], s[3], s[2], s[1]);
    hi[0] = DOT(h, MHI, r[0], s[4], s[3], s[2], s[1]);
    lo[1] = DOT(h, MLO, r[1], r[0], s[4], s[3], s[2]);
    hi[1] = DOT(h, MHI, r[1], r[0], s[4], s[3], s[2]);
    lo[2] = DOT(h, MLO, r[2], r[1], r[0], s[4], s[3]);
    hi[2] = DOT(h, MHI, r[2], r[1], r[0], s[4], s[3]);
    lo[3] = DOT(h, MLO, r[3], r[2], r[1], r[0], s[4]);
    hi[3] = DOT(h, MHI, r[3], r[2], r[1], r[0], s[4]);
    lo[4] = DOT(h, MLO, r[4], r[3], r[2], r[1], r[0]);
    hi[4] = DOT(h, MHI, r[4], r[3], r[2], r[1], r[0]);
#undef DOT
}

/*
 * Partial reduction of d (64-bit lanes, each below 2^59), one carry chain 0-1-2-3-4-0-1:
 * afterwards limbs 0, 2, 3, 4 are below 2^26, limb 1 below 2^26 + 2^10.
 */
static inline __attribute__((always_inline)) void carry64(v128_t d[5])
{
    const v128_t mask = wasm_i64x2_splat(M26);
    v128_t c;

    c = wasm_u64x2_shr(d[0], 26); d[0] = wasm_v128_and(d[0], mask); d[1] = ADD64(d[1], c);
    c = wasm_u64x2_shr(d[1], 26); d[1] = wasm_v128_and(d[1], mask); d[2] = ADD64(d[2], c);
    c = wasm_u64x2_shr(d[2], 26); d[2] = wasm_v128_and(d[2], mask); d[3] = ADD64(d[3], c);
    c = wasm_u64x2_shr(d[3], 26); d[3] = wasm_v128_and(d[3], mask); d[4] = ADD64(d[4], c);
    c = wasm_u64x2_shr(d[4], 26); d[4] = wasm_v128_and(d[4], mask);
    d[0] = ADD64(d[0], ADD64(c, wasm_i64x2_shl(opaque(c), 2))); /* not an i64x2.mul by 5 */
    c = wasm_u64x2_shr(d[0], 26); d[0] = wasm_v128_and(d[0], mask); d[1] = ADD64(d[1], c);
}

static inline v128_t times5(v128_t v)
{
    return wasm_i32x4_add(v, wasm_i32x4_shl(v, 2));
}

/* len is a multiple of 64, at least 64; every block gets the pad bit; st->rp is set. */
static void poly1305_blocks_simd(poly1305_state *st, const unsigned char *inp, size_t len)
{
    v128_t h[5], m[5], r[5], s[5], lo[5], hi[5];
    u32 h0 = st->h[0], h1 = st->h[1], h2 = st->h[2], h3 = st->h[3], h4 = st->h[4];
    u64 d0, d1, d2, d3, d4, c;
    int k;

    /* h to radix 2^26 in lane 0 (h4 is at most 4, so the top limb is below 2^27), plus m0..m3 */
    load4(inp, m);
    h[0] = wasm_i32x4_add(m[0], wasm_i32x4_make(h0 & M26, 0, 0, 0));
    h[1] = wasm_i32x4_add(m[1], wasm_i32x4_make(((h0 >> 26) | (h1 << 6)) & M26, 0, 0, 0));
    h[2] = wasm_i32x4_add(m[2], wasm_i32x4_make(((h1 >> 20) | (h2 << 12)) & M26, 0, 0, 0));
    h[3] = wasm_i32x4_add(m[3], wasm_i32x4_make(((h2 >> 14) | (h3 << 18)) & M26, 0, 0, 0));
    h[4] = wasm_i32x4_add(m[4], wasm_i32x4_make((h3 >> 8) | (h4 << 24), 0, 0, 0));
    inp += 64;
    len -= 64;

    if (len) {
        for (k = 0; k < 5; k++) {
            r[k] = wasm_i32x4_splat(st->rp[k][0]); /* r^4 */
            s[k] = times5(r[k]);
        }
        do {
            mul4(lo, hi, h, r, s);
            carry64(lo);
            carry64(hi);
            load4(inp, m);
            for (k = 0; k < 5; k++)
                h[k] = wasm_i32x4_add(wasm_i32x4_shuffle(lo[k], hi[k], 0, 2, 4, 6), m[k]);
            inp += 64;
            len -= 64;
        } while (len);
    }

    /* lanes times r^4, r^3, r^2, r, summed */
    for (k = 0; k < 5; k++) {
        r[k] = wasm_v128_load(st->rp[k]);
        s[k] = times5(r[k]);
    }
    mul4(lo, hi, h, r, s);
    for (k = 0; k < 5; k++)
        lo[k] = ADD64(lo[k], hi[k]); /* each below 2^60 */
    d0 = wasm_u64x2_extract_lane(lo[0], 0) + wasm_u64x2_extract_lane(lo[0], 1);
    d1 = wasm_u64x2_extract_lane(lo[1], 0) + wasm_u64x2_extract_lane(lo[1], 1);
    d2 = wasm_u64x2_extract_lane(lo[2], 0) + wasm_u64x2_extract_lane(lo[2], 1);
    d3 = wasm_u64x2_extract_lane(lo[3], 0) + wasm_u64x2_extract_lane(lo[3], 1);
    d4 = wasm_u64x2_extract_lane(lo[4], 0) + wasm_u64x2_extract_lane(lo[4], 1);

    /* two full carry passes: limbs 0-3 below 2^26, limb 4 at most 2^26 */
    c = d0 >> 26; d0 &= M26; d1 += c;
    c = d1 >> 26; d1 &= M26; d2 += c;
    c = d2 >> 26; d2 &= M26; d3 += c;
    c = d3 >> 26; d3 &= M26; d4 += c;
    c = d4 >> 26; d4 &= M26; d0 += c * 5;
    c = d0 >> 26; d0 &= M26; d1 += c;
    c = d1 >> 26; d1 &= M26; d2 += c;
    c = d2 >> 26; d2 &= M26; d3 += c;
    c = d3 >> 26; d3 &= M26; d4 += c;

    /* back to radix 2^32; h4 = d4 >> 24 is at most 4 */
    st->h[0] = (u32)d0 | ((u32)d1 << 26);
    st->h[1] = ((u32)d1 >> 6) | ((u32)d2 << 20);
    st->h[2] = ((u32)d2 >> 12) | ((u32)d3 << 14);
    st->h[3] = ((u32)d3 >> 18) | ((u32)d4 << 8);
    st->h[4] = (u32)(d4 >> 24);
}

/* Full blocks with the pad bit: len a multiple of 16. */
static void poly1305_blocks(poly1305_state *st, const unsigned char *inp, size_t len)
{
    if (len >= SIMD_MIN) {
        size_t n = len & ~(size_t)63;

        if (!st->have_powers)
            compute_powers(st);
        poly1305_blocks_simd(st, inp, n);
        inp += n;
        len -= n;
    }
    if (len)
        poly1305_blocks_scalar(st, inp, len, 1);
}

void Poly1305_Init(POLY1305 *ctx, const unsigned char key[32])
{
    poly1305_state *st = (poly1305_state *)ctx->opaque;

    ctx->nonce[0] = U8TOU32(&key[16]);
    ctx->nonce[1] = U8TOU32(&key[20]);
    ctx->nonce[2] = U8TOU32(&key[24]);
    ctx->nonce[3] = U8TOU32(&key[28]);

    st->h[0] = st->h[1] = st->h[2] = st->h[3] = st->h[4] = 0;
    /* r &= 0xffffffc0ffffffc0ffffffc0fffffff */
    st->r[0] = U8TOU32(&key[0]) & 0x0fffffff;
    st->r[1] = U8TOU32(&key[4]) & 0x0ffffffc;
    st->r[2] = U8TOU32(&key[8]) & 0x0ffffffc;
    st->r[3] = U8TOU32(&key[12]) & 0x0ffffffc;
    st->have_powers = 0;

    ctx->num = 0;
}

void Poly1305_Update(POLY1305 *ctx, const unsigned char *inp, size_t len)
{
    poly1305_state *st = (poly1305_state *)ctx->opaque;
    size_t rem, num;

    if ((num = ctx->num)) {
        rem = POLY1305_BLOCK_SIZE - num;
        if (len >= rem) {
            memcpy(ctx->data + num, inp, rem);
            poly1305_blocks_scalar(st, ctx->data, POLY1305_BLOCK_SIZE, 1);
            inp += rem;
            len -= rem;
        } else {
            /* Still not enough data to process a block. */
            memcpy(ctx->data + num, inp, len);
            ctx->num = num + len;
            return;
        }
    }

    rem = len % POLY1305_BLOCK_SIZE;
    len -= rem;

    if (len >= POLY1305_BLOCK_SIZE) {
        poly1305_blocks(st, inp, len);
        inp += len;
    }

    if (rem)
        memcpy(ctx->data, inp, rem);

    ctx->num = rem;
}

void Poly1305_Final(POLY1305 *ctx, unsigned char mac[16])
{
    poly1305_state *st = (poly1305_state *)ctx->opaque;
    size_t num;

    if ((num = ctx->num)) {
        ctx->data[num++] = 1; /* pad bit */
        while (num < POLY1305_BLOCK_SIZE)
            ctx->data[num++] = 0;
        poly1305_blocks_scalar(st, ctx->data, POLY1305_BLOCK_SIZE, 0);
    }

    poly1305_emit(st, mac, ctx->nonce);

    /* zero out the state */
    OPENSSL_cleanse(ctx, sizeof(*ctx));
}
