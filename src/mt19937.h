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
uint32_t mt_genrand32(Mt19937 *r);
double mt_random(Mt19937 *r);

#endif
