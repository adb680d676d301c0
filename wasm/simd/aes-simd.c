/*
 * AES for wasm SIMD128, a drop-in for OpenSSL's table-based C version in crypto/aes/aes_core.c
 * (the module is built no-asm, so that is all OpenSSL offers). Linked ahead of libcrypto.a in the
 * SIMD build of the module, it takes the place of the archive's aes_core.o, whose only external
 * symbols are AES_set_encrypt_key, AES_set_decrypt_key, AES_encrypt and AES_decrypt.
 *
 * This is Mike Hamburg's vector-permutation AES ("vpaes"), ported from OpenSSL's
 * crypto/aes/asm/vpaes-x86_64.pl (its constant tables are copied unchanged): the S-box is
 * computed in GF(2^4)^2 with 16-entry table lookups done by byte shuffles, so there are no
 * secret-dependent memory indexes or branches (the table-based code leaks through the cache),
 * and it is faster here too (about 1.3x in Node 20, AES_encrypt and AES-128-GCM; V8 adds a
 * saturating add before each pshufb to get swizzle's zeroing). Same contract as aes_core.c: the AES_KEY struct is the storage,
 * |rounds| is 10, 12 or 14 as usual, the round keys in |rd_key| are in vpaes's own transformed
 * basis (nothing else in OpenSSL reads them), in and out may be the same or unaligned.
 *
 * pshufb vs i8x16.swizzle: pshufb zeroes a lane when bit 7 of the index is set and otherwise
 * uses the low 4 bits; swizzle zeroes a lane when the index is >= 16. vpaes only ever indexes
 * with nibbles (0..15), with constant permutations, or with entries of the inversion tables
 * (0..15 or 0x80, "infinity") XORed with each other or with a nibble: 0..15 or 0x80..0x8f. On
 * all of those both instructions agree, so no index needs adjusting.
 */
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

/*
 * Must match struct aes_key_st in OpenSSL's include/openssl/aes.h (the module's link script
 * compiles this file without OpenSSL's include path). unsigned long, used there with AES_LONG,
 * is 32 bits on wasm32 as well.
 */
#define AES_MAXNR 14
typedef struct aes_key_st {
    unsigned int rd_key[4 * (AES_MAXNR + 1)];
    int rounds;
} AES_KEY;
_Static_assert(sizeof(AES_KEY) == 244 && offsetof(AES_KEY, rounds) == 240,
               "struct aes_key_st differs from OpenSSL's");

/* Two .quads of the x86 source, low one first: the same bytes in memory order. */
#define Q(lo, hi) wasm_i64x2_const((int64_t)(lo##ULL), (int64_t)(hi##ULL))

#define K_INV    Q(0x0E05060F0D080180, 0x040703090A0B0C02) /* 1/j, with 1/0 = 0x80 */
#define K_INVA   Q(0x01040A060F0B0780, 0x030D0E0C02050809)
#define K_S0F    Q(0x0F0F0F0F0F0F0F0F, 0x0F0F0F0F0F0F0F0F)
#define K_IPT_LO Q(0xC2B2E8985A2A7000, 0xCABAE09052227808) /* input transform */
#define K_IPT_HI Q(0x4C01307D317C4D00, 0xCD80B1FCB0FDCC81)
#define K_SB1U   Q(0xB19BE18FCB503E00, 0xA5DF7A6E142AF544)
#define K_SB1T   Q(0x3618D415FAE22300, 0x3BF7CCC10D2ED9EF)
#define K_SB2U   Q(0xE27A93C60B712400, 0x5EB7E955BC982FCD)
#define K_SB2T   Q(0x69EB88400AE12900, 0xC2A163C8AB82234A)
#define K_SBOU   Q(0xD0D26D176FBDC700, 0x15AABF7AC502A878)
#define K_SBOT   Q(0xCFE474A55FBB6A00, 0x8E1E90D1412B35FA)
#define K_RCON   Q(0x1F8391B9AF9DEEB6, 0x702A98084D7C7D81)
#define K_S63    Q(0x5B5B5B5B5B5B5B5B, 0x5B5B5B5B5B5B5B5B) /* 0x63 transformed */
#define K_OPT_LO Q(0xFF9F4929D6B66000, 0xF7974121DEBE6808) /* output transform */
#define K_OPT_HI Q(0x01EDBD5150BCEC00, 0xE10D5DB1B05C0CE0)
#define K_DESKEW_LO Q(0x07E4A34047A4E300, 0x1DFEB95A5DBEF91A) /* inverts the S-box's skew */
#define K_DESKEW_HI Q(0x5F36B5DC83EA6900, 0x2841C2ABF49D1E77)
/* decryption key schedule: invskew x*D, x*B, x*E + 0x63, x*9 */
#define K_DKSD_LO Q(0xFEB91A5DA3E44700, 0x0740E3A45A1DBEF9)
#define K_DKSD_HI Q(0x41C277F4B5368300, 0x5FDC69EAAB289D1E)
#define K_DKSB_LO Q(0x9A4FCA1F8550D500, 0x03D653861CC94C99)
#define K_DKSB_HI Q(0x115BEDA7B6FC4A00, 0xD993256F7E3482C8)
#define K_DKSE_LO Q(0xD5031CCA1FC9D600, 0x53859A4C994F5086)
#define K_DKSE_HI Q(0xA23196054FDC7BE8, 0xCD5EF96A20B31487)
#define K_DKS9_LO Q(0xB6116FC87ED9A700, 0x4AED933482255BFC)
#define K_DKS9_HI Q(0x4576516227143300, 0x8BB89FACE9DAFDCE)
/* decryption round: input transform, S-box outputs times 9, D, B, E, and the last round's */
#define K_DIPT_LO Q(0x0F505B040B545F00, 0x154A411E114E451A)
#define K_DIPT_HI Q(0x86E383E660056500, 0x12771772F491F194)
#define K_DSB9U  Q(0x851C03539A86D600, 0xCAD51F504F994CC9)
#define K_DSB9T  Q(0xC03B1789ECD74900, 0x725E2C9EB2FBA565)
#define K_DSBDU  Q(0x7D57CCDFE6B1A200, 0xF56E9B13882A4439)
#define K_DSBDT  Q(0x3CE2FAF724C6CB00, 0x2931180D15DEEFD3)
#define K_DSBBU  Q(0xD022649296B44200, 0x602646F6B0F2D404)
#define K_DSBBT  Q(0xC19498A6CD596700, 0xF3FF0C3E3255AA6B)
#define K_DSBEU  Q(0x46F2929626D4D000, 0x2242600464B4F6B0)
#define K_DSBET  Q(0x0C55A6CDFFAAC100, 0x9467F36B98593E32)
#define K_DSBOU  Q(0x1387EA537EF94000, 0xC7AA6DB9D4943E2D)
#define K_DSBOT  Q(0x12D7560F93441D00, 0xCA4B8159D8C58E9C)

/*
 * The x86 code's .Lk_mc_forward, .Lk_mc_backward and .Lk_sr tables, indexed by the round number
 * mod 4, as constant shuffles: the rounds below are unrolled four at a time so that every one is
 * an i8x16.shuffle with immediate lanes rather than a swizzle by a table loaded from memory.
 */
#define FWD0(v) wasm_i8x16_shuffle(v, v, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)
#define FWD1(v) wasm_i8x16_shuffle(v, v, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0)
#define FWD2(v) wasm_i8x16_shuffle(v, v, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4)
#define FWD3(v) wasm_i8x16_shuffle(v, v, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8)
#define BWD0(v) wasm_i8x16_shuffle(v, v, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)
#define BWD1(v) wasm_i8x16_shuffle(v, v, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10)
#define BWD2(v) wasm_i8x16_shuffle(v, v, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6)
#define BWD3(v) wasm_i8x16_shuffle(v, v, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2)
#define SR0(v) (v)
#define SR1(v) wasm_i8x16_shuffle(v, v, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11)
#define SR2(v) wasm_i8x16_shuffle(v, v, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 5, 14, 7)
#define SR3(v) wasm_i8x16_shuffle(v, v, 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3)

#define LOOKUP(table, idx) wasm_i8x16_swizzle(table, idx)

/* Low and high nibble of every byte (psrld moves in only the zeros left by the andnot). */
#define NIBBLES(x, lo, hi)                                    \
    do {                                                      \
        hi = wasm_u32x4_shr(wasm_v128_andnot(x, K_S0F), 4);   \
        lo = wasm_v128_and(x, K_S0F);                         \
    } while (0)

/* A linear map of each byte, as the XOR of one table for each nibble. */
static inline v128_t transform(v128_t x, v128_t lo_table, v128_t hi_table)
{
    v128_t lo, hi;

    NIBBLES(x, lo, hi);
    return wasm_v128_xor(LOOKUP(lo_table, lo), LOOKUP(hi_table, hi));
}

/*
 * The common top of every round: the GF(2^8) inversion in the S-box, done in GF(2^4)^2.
 * Returns the two nibble halves io and jo (0..15, or >= 0x80 for a lane that reads as zero) that
 * index the S-box output tables.
 */
#define SBOX_TOP(x, io, jo)                                                 \
    do {                                                                    \
        v128_t i_, k_, j_, ak_, iak_, jak_;                                 \
        NIBBLES(x, k_, i_);                                                 \
        ak_ = LOOKUP(K_INVA, k_);              /* a/k */                    \
        j_ = wasm_v128_xor(k_, i_);                                         \
        iak_ = wasm_v128_xor(LOOKUP(K_INV, i_), ak_); /* 1/i + a/k */       \
        jak_ = wasm_v128_xor(LOOKUP(K_INV, j_), ak_); /* 1/j + a/k */       \
        io = wasm_v128_xor(LOOKUP(K_INV, iak_), j_);                        \
        jo = wasm_v128_xor(LOOKUP(K_INV, jak_), i_);                        \
    } while (0)

/*
 * One middle encryption round (r = round number mod 4): S-box output times 1 (A) and 2, then
 * MixColumns as 2A + 3B + C + D with B, C, D rotations of A, then the next round key.
 * ShiftRows is not done here: it is folded into the rotations and the final permutation.
 */
#define ENC_ROUND(r)                                                         \
    do {                                                                     \
        v128_t a_, a2_, d_;                                                  \
        a_ = wasm_v128_xor(wasm_v128_xor(LOOKUP(K_SB1U, io), k),             \
                           LOOKUP(K_SB1T, jo));                              \
        a2_ = wasm_v128_xor(LOOKUP(K_SB2U, io), LOOKUP(K_SB2T, jo));         \
        x = wasm_v128_xor(FWD##r(a_), a2_);          /* 2A + B */            \
        d_ = wasm_v128_xor(BWD##r(a_), x);           /* 2A + B + D */        \
        x = wasm_v128_xor(FWD##r(x), d_);            /* 2A + 3B + C + D */   \
        rk += 16;                                                            \
        SBOX_TOP(x, io, jo);                                                 \
        k = wasm_v128_load(rk);                                              \
    } while (0)

#define ENC_LAST(r)                                                          \
    do {                                                                     \
        x = wasm_v128_xor(wasm_v128_xor(LOOKUP(K_SBOU, io), k),              \
                          LOOKUP(K_SBOT, jo));                               \
        x = SR##r(x);                                                        \
    } while (0)

/*
 * One middle decryption round: InvMixColumns applied incrementally, as the S-box outputs times
 * 9, D, B and E, each step followed by a rotation of the columns (here the rotation for round r
 * of the x86 code's running %xmm5, which starts at mc_forward[3] and turns one step a round).
 */
#define DEC_ROUND(r)                                                         \
    do {                                                                     \
        x = wasm_v128_xor(x, LOOKUP(K_DSB9U, io));                           \
        x = wasm_v128_xor(x, LOOKUP(K_DSB9T, jo));                           \
        x = FWD##r(x);                                                       \
        x = wasm_v128_xor(x, LOOKUP(K_DSBDU, io));                           \
        x = wasm_v128_xor(x, LOOKUP(K_DSBDT, jo));                           \
        x = FWD##r(x);                                                       \
        x = wasm_v128_xor(x, LOOKUP(K_DSBBU, io));                           \
        x = wasm_v128_xor(x, LOOKUP(K_DSBBT, jo));                           \
        x = FWD##r(x);                                                       \
        x = wasm_v128_xor(x, LOOKUP(K_DSBEU, io));                           \
        x = wasm_v128_xor(x, LOOKUP(K_DSBET, jo));                           \
        rk += 16;                                                            \
        SBOX_TOP(x, io, jo);                                                 \
        x = wasm_v128_load(rk);                                              \
    } while (0)

#define DEC_LAST(r)                                                          \
    do {                                                                     \
        x = wasm_v128_xor(wasm_v128_xor(LOOKUP(K_DSBOU, io), x),             \
                          LOOKUP(K_DSBOT, jo));                              \
        x = SR##r(x);                                                        \
    } while (0)

void AES_encrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key)
{
    const unsigned char *rk = (const unsigned char *)key->rd_key;
    int n = key->rounds - 1; /* middle rounds: 9, 11 or 13 */
    v128_t x, k, io, jo, lo, hi;

    NIBBLES(wasm_v128_load(in), lo, hi);
    x = wasm_v128_xor(wasm_v128_xor(LOOKUP(K_IPT_LO, lo), wasm_v128_load(rk)),
                      LOOKUP(K_IPT_HI, hi));
    rk += 16;
    SBOX_TOP(x, io, jo);
    k = wasm_v128_load(rk);
    for (; n >= 4; n -= 4) {
        ENC_ROUND(1);
        ENC_ROUND(2);
        ENC_ROUND(3);
        ENC_ROUND(0);
    }
    /* n is 1 (AES-128, AES-256) or 3 (AES-192) */
    ENC_ROUND(1);
    if (n == 3) {
        ENC_ROUND(2);
        ENC_ROUND(3);
        ENC_LAST(0);
    } else {
        ENC_LAST(2);
    }
    wasm_v128_store(out, x);
}

void AES_decrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key)
{
    const unsigned char *rk = (const unsigned char *)key->rd_key;
    int n = key->rounds - 1;
    v128_t x, io, jo, lo, hi;

    NIBBLES(wasm_v128_load(in), lo, hi);
    x = wasm_v128_xor(wasm_v128_xor(LOOKUP(K_DIPT_LO, lo), wasm_v128_load(rk)),
                      LOOKUP(K_DIPT_HI, hi));
    rk += 16;
    SBOX_TOP(x, io, jo);
    x = wasm_v128_load(rk);
    for (; n >= 4; n -= 4) {
        DEC_ROUND(3);
        DEC_ROUND(2);
        DEC_ROUND(1);
        DEC_ROUND(0);
    }
    DEC_ROUND(3);
    if (n == 3) {
        DEC_ROUND(2);
        DEC_ROUND(1);
        DEC_LAST(0);
    } else {
        DEC_LAST(2);
    }
    wasm_v128_store(out, x);
}

/* Key schedule. Speed hardly matters here, so it follows the x86 code's structure closely. */

/* .Lk_sr[r], r = 0..3 (a public loop position) */
static v128_t shift_rows(v128_t x, int r)
{
    switch (r & 3) {
    case 0: return SR0(x);
    case 1: return SR1(x);
    case 2: return SR2(x);
    default: return SR3(x);
    }
}

struct sched {
    unsigned char *out; /* where the last round key went */
    int dec;            /* decryption schedule: written backwards, InvMixColumns applied */
    int r;              /* the .Lk_sr index, the x86 code's %r8 / 16 */
    v128_t rcon;        /* %xmm8: the next rcon in byte 15 */
    v128_t hi;          /* %xmm7: the high (most recent) side */
};

/*
 * Mangle x from the (basis-transformed) standard round key to the form the rounds use and
 * store it. Encrypting: xor 0x63, multiply by the circulant 0,1,1,1, ShiftRows. Decrypting:
 * xor 0x63, multiply by the InvMixColumns circulant E,B,D,9, deskew, ShiftRows.
 */
static void schedule_mangle(struct sched *s, v128_t x)
{
    v128_t t, u, lo, hi;

    if (!s->dec) {
        t = FWD0(wasm_v128_xor(x, K_S63));
        u = t;
        t = FWD0(t);
        u = wasm_v128_xor(u, t);
        t = FWD0(t);
        u = wasm_v128_xor(u, t);
        s->out += 16;
    } else {
        NIBBLES(x, lo, hi);
        u = wasm_v128_xor(LOOKUP(K_DKSD_LO, lo), LOOKUP(K_DKSD_HI, hi));
        u = FWD0(u);
        u = wasm_v128_xor(u, wasm_v128_xor(LOOKUP(K_DKSB_LO, lo), LOOKUP(K_DKSB_HI, hi)));
        u = FWD0(u);
        u = wasm_v128_xor(u, wasm_v128_xor(LOOKUP(K_DKSE_LO, lo), LOOKUP(K_DKSE_HI, hi)));
        u = FWD0(u);
        u = wasm_v128_xor(u, wasm_v128_xor(LOOKUP(K_DKS9_LO, lo), LOOKUP(K_DKS9_HI, hi)));
        s->out -= 16;
    }
    wasm_v128_store(s->out, shift_rows(u, s->r));
    s->r = (s->r - 1) & 3;
}

/* The last round key: output transform (encrypting) or deskew (decrypting), no MixColumns. */
static void schedule_mangle_last(struct sched *s, v128_t x)
{
    if (!s->dec) {
        x = transform(wasm_v128_xor(shift_rows(x, s->r), K_S63), K_OPT_LO, K_OPT_HI);
        s->out += 16;
    } else {
        x = transform(wasm_v128_xor(x, K_S63), K_DESKEW_LO, K_DESKEW_HI);
        s->out -= 16;
    }
    wasm_v128_store(s->out, x);
}

/*
 * Low round: SubBytes of x, plus the high side smeared (each word xored into all the words
 * above it) and 0x63. The result is the new high side, also returned.
 */
static v128_t schedule_low_round(struct sched *s, v128_t x)
{
    const v128_t zero = wasm_i64x2_const(0, 0);
    v128_t h = s->hi, io, jo;

    /* pslldq by 4 and by 8 bytes */
    h = wasm_v128_xor(h, wasm_i8x16_shuffle(zero, h, 0, 1, 2, 3, 16, 17, 18, 19,
                                            20, 21, 22, 23, 24, 25, 26, 27));
    h = wasm_v128_xor(h, wasm_i64x2_shuffle(zero, h, 0, 2));
    h = wasm_v128_xor(h, K_S63);
    SBOX_TOP(x, io, jo);
    x = wasm_v128_xor(wasm_v128_xor(LOOKUP(K_SB1U, io), LOOKUP(K_SB1T, jo)), h);
    s->hi = x;
    return x;
}

/* Main round: as the low round, on the top word of x rotated by a byte, and rcon added. */
static v128_t schedule_round(struct sched *s, v128_t x)
{
    const v128_t zero = wasm_i64x2_const(0, 0);

    /* rcon byte 15 into byte 0 of the high side (palignr 15 of zero:rcon), rcon rotated */
    s->hi = wasm_v128_xor(s->hi, wasm_i8x16_shuffle(s->rcon, zero, 15, 16, 16, 16, 16, 16, 16,
                                                    16, 16, 16, 16, 16, 16, 16, 16, 16));
    s->rcon = wasm_i8x16_shuffle(s->rcon, s->rcon, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                 12, 13, 14);
    /* pshufd 0xFF then palignr 1: the top word, rotated by one byte */
    x = wasm_i8x16_shuffle(x, x, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12);
    return schedule_low_round(s, x);
}

static void schedule_core(const unsigned char *userKey, int bits, AES_KEY *key, int dec)
{
    const v128_t zero = wasm_i64x2_const(0, 0);
    struct sched s;
    v128_t x, raw, lo_side, saved;
    int n;

    key->rounds = bits / 32 + 6;
    s.dec = dec;
    s.rcon = K_RCON;
    raw = wasm_v128_load(userKey);
    x = transform(raw, K_IPT_LO, K_IPT_HI);
    s.hi = x;
    if (!dec) {
        /* encrypting: round key 0 is the transformed key */
        s.out = (unsigned char *)key->rd_key;
        s.r = 3;
        wasm_v128_store(s.out, x);
    } else {
        /* decrypting, written from the end: round key 0 is the key after ShiftRows */
        s.out = (unsigned char *)key->rd_key + 16 * key->rounds;
        s.r = bits == 192 ? 0 : 2;
        wasm_v128_store(s.out, shift_rows(raw, s.r));
        s.r ^= 3;
    }

    if (bits == 128) {
        for (n = 10;;) {
            x = schedule_round(&s, x);
            if (--n == 0)
                break;
            schedule_mangle(&s, x);
        }
    } else if (bits == 192) {
        /*
         * Each cycle does 2 rounds and produces 3 round keys (192 bits a round). The high side
         * is in s.hi as before, the short low side in the high half of lo_side.
         */
        x = transform(wasm_v128_load(userKey + 8), K_IPT_LO, K_IPT_HI);
        lo_side = wasm_i64x2_shuffle(zero, x, 0, 3);
        for (n = 4;;) {
            x = schedule_round(&s, x);
            /* palignr 8: high half of lo_side, low half of x */
            schedule_mangle(&s, wasm_i64x2_shuffle(lo_side, x, 1, 2));
            /* smear: lo_side d c 0 0, hi b a x y -> x = b+c+d b+c b a, lo_side = b+c+d b+c 0 0 */
            lo_side = wasm_v128_xor(lo_side, wasm_i32x4_shuffle(lo_side, lo_side, 0, 0, 0, 2));
            lo_side = wasm_v128_xor(lo_side, wasm_i32x4_shuffle(s.hi, s.hi, 2, 3, 3, 3));
            x = lo_side;
            lo_side = wasm_i64x2_shuffle(zero, lo_side, 0, 3);
            schedule_mangle(&s, x);
            x = schedule_round(&s, x);
            if (--n == 0)
                break;
            schedule_mangle(&s, x);
            lo_side = wasm_v128_xor(lo_side, wasm_i32x4_shuffle(lo_side, lo_side, 0, 0, 0, 2));
            lo_side = wasm_v128_xor(lo_side, wasm_i32x4_shuffle(s.hi, s.hi, 2, 3, 3, 3));
            x = lo_side;
            lo_side = wasm_i64x2_shuffle(zero, lo_side, 0, 3);
        }
    } else {
        /* A low side too, whose rounds are the high side's without rcon and rotation. */
        x = transform(wasm_v128_load(userKey + 16), K_IPT_LO, K_IPT_HI);
        for (n = 7;;) {
            schedule_mangle(&s, x);
            lo_side = x;
            x = schedule_round(&s, x);
            if (--n == 0)
                break;
            schedule_mangle(&s, x);
            /* low round on the top word of x, with lo_side standing in for the high side */
            x = wasm_i32x4_shuffle(x, x, 3, 3, 3, 3);
            saved = s.hi;
            s.hi = lo_side;
            x = schedule_low_round(&s, x);
            s.hi = saved;
        }
    }
    schedule_mangle_last(&s, x);
}

int AES_set_encrypt_key(const unsigned char *userKey, const int bits, AES_KEY *key)
{
    if (userKey == NULL || key == NULL)
        return -1;
    if (bits != 128 && bits != 192 && bits != 256)
        return -2;
    schedule_core(userKey, bits, key, 0);
    return 0;
}

int AES_set_decrypt_key(const unsigned char *userKey, const int bits, AES_KEY *key)
{
    if (userKey == NULL || key == NULL)
        return -1;
    if (bits != 128 && bits != 192 && bits != 256)
        return -2;
    schedule_core(userKey, bits, key, 1);
    return 0;
}
