/*
 * mt19937.c — MT19937 (Matsumoto & Nishimura, 1998) as CPython uses it:
 * init_genrand/init_by_array seeding and genrand_res53 for random().
 */
#include "mt19937.h"

enum { MT_M = 397 };
#define MT_MATRIX_A   0x9908b0dfU
#define MT_UPPER_MASK 0x80000000U
#define MT_LOWER_MASK 0x7fffffffU

static void init_genrand(Mt19937 *r, uint32_t s)
{
    r->mt[0] = s;
    for (uint32_t i = 1; i < MT_N; i++)
        r->mt[i] = 1812433253U * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + i;
    r->index = MT_N;
}

static void init_by_array(Mt19937 *r, const uint32_t *key, uint32_t len)
{
    init_genrand(r, 19650218U);
    uint32_t i = 1, j = 0;
    uint32_t k = MT_N > len ? MT_N : len;
    for (; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525U)) + key[j] + j;
        i++;
        j++;
        if (i >= MT_N) {
            r->mt[0] = r->mt[MT_N - 1];
            i = 1;
        }
        if (j >= len)
            j = 0;
    }
    for (k = MT_N - 1; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941U)) - i;
        i++;
        if (i >= MT_N) {
            r->mt[0] = r->mt[MT_N - 1];
            i = 1;
        }
    }
    r->mt[0] = 0x80000000U; /* non-zero initial array is assured */
    r->index = MT_N;
}

void mt_seed(Mt19937 *r, uint64_t seed)
{
    uint32_t key[2] = { (uint32_t)seed, (uint32_t)(seed >> 32) };
    init_by_array(r, key, key[1] ? 2 : 1);
}

/* y >> 1, xored with the matrix where y is odd: mag01[y & 1] without the
 * table, so that GCC vectorises the refill loops (624 words every 624
 * draws; two draws a random()). */
static inline uint32_t mt_twist(uint32_t y) { return (y >> 1) ^ (-(y & 1U) & MT_MATRIX_A); }

/* Word kk of the next block from words kk, next (kk + 1, or 0 for the
 * last word) and src. */
static inline void mt_next(uint32_t *mt, int kk, int next, int src)
{
    mt[kk] = mt[src] ^ mt_twist((mt[kk] & MT_UPPER_MASK) | (mt[next] & MT_LOWER_MASK));
}

void mt_refill(Mt19937 *r)
{
    uint32_t *mt = r->mt;
    /* GCC -O2 vectorises only loops without a remainder: 224 + 3 */
    enum { HEAD = (MT_N - MT_M) & ~3 };
    for (int kk = 0; kk < HEAD; kk++)
        mt_next(mt, kk, kk + 1, kk + MT_M);
    for (int kk = HEAD; kk < MT_N - MT_M; kk++)
        mt_next(mt, kk, kk + 1, kk + MT_M);
    for (int kk = MT_N - MT_M; kk < MT_N - 1; kk++)
        mt_next(mt, kk, kk + 1, kk + (MT_M - MT_N));
    mt_next(mt, MT_N - 1, 0, MT_M - 1);
    r->index = 0;
}
