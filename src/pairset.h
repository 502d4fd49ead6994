/*
 * pairset.h — an open-addressing set of (src slot, dst slot) pairs: the
 * backends' stale out-target entries (connections decay removed while the
 * source still counts the target against max_connections_per_neuron).
 * Host code shared by the CPU and CUDA backends.
 */
#ifndef HUEY_PAIRSET_H
#define HUEY_PAIRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct PairSet {
    uint64_t *keys;   /* (cap) 0 = empty, 1 = deleted, else key + 2 */
    size_t cap, used, live;
} PairSet;

bool pairset_has(const PairSet *s, int32_t a, int32_t b);
void pairset_add(PairSet *s, int32_t a, int32_t b);
bool pairset_remove(PairSet *s, int32_t a, int32_t b);
/* Every pair with slot x at either end goes; nout[a] loses one for each
 * (a, x) with a != x (x's targets are no longer counted). */
void pairset_drop_slot(PairSet *s, int32_t x, uint32_t *nout);
/* The pairs (up to cap of them into pairs[2k], pairs[2k+1]); returns how
 * many there are. */
size_t pairset_list(const PairSet *s, int32_t *pairs, size_t cap);
void pairset_free(PairSet *s);

#ifdef __cplusplus
}
#endif

#endif
