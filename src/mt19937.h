/*
 * mt19937.h — the Mersenne Twister stream of CPython's `random` module.
 *
 * mt_seed(s) equals `random.seed(s)` for a non-negative integer s (CPython
 * seeds with init_by_array over the 32-bit words of |s|, least significant
 * first; 0 gives the one-word key [0]); mt_random() equals
 * `random.random()` (53 bits from two 32-bit outputs). The whole state is a
 * plain struct so a checkpoint can store it and resume the same stream.
 */
#ifndef HUEY_MT19937_H
#define HUEY_MT19937_H

#include <stdint.h>

enum { MT_N = 624 };

typedef struct Mt19937 {
    uint32_t mt[MT_N];
    uint32_t index;   /* next word to use; MT_N means "regenerate first" */
} Mt19937;

void mt_seed(Mt19937 *r, uint64_t seed);
/* The next block of MT_N words; index = 0. */
void mt_refill(Mt19937 *r);

/* The stream's next 32-bit output. In line: the Hebbian gate draws a
 * random() for most new pairs, some twenty a window, and three calls out
 * cost more than the tempering. */
static inline uint32_t mt_genrand32(Mt19937 *r)
{
    if (r->index >= MT_N)
        mt_refill(r);
    uint32_t y = r->mt[r->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

/* random(): 53 bits from two outputs (genrand_res53). */
static inline double mt_random(Mt19937 *r)
{
    uint32_t a = mt_genrand32(r) >> 5, b = mt_genrand32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

#endif
