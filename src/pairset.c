/*
 * pairset.c — the stale out-target pair set (see pairset.h): linear
 * probing on a power-of-two table, deleted entries marked 1 and reclaimed
 * by the next rehash.
 */
#include "pairset.h"

#include <stdlib.h>

#include "util.h"

static uint64_t pair_key(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 2; }
static int32_t key_src(uint64_t k) { return (int32_t)((k - 2) >> 32); }
static int32_t key_dst(uint64_t k) { return (int32_t)(uint32_t)(k - 2); }

static void rehash(PairSet *s, size_t cap)
{
    uint64_t *old = s->keys;
    size_t oldcap = s->cap;
    s->keys = xcalloc(cap, sizeof *s->keys);
    s->cap = cap;
    s->used = s->live;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i] < 2)
            continue;
        size_t h = hash_u64(old[i]) & (cap - 1);
        while (s->keys[h])
            h = (h + 1) & (cap - 1);
        s->keys[h] = old[i];
    }
    free(old);
}

static size_t find(const PairSet *s, uint64_t k)
{
    if (!s->cap)
        return SIZE_MAX;
    size_t h = hash_u64(k) & (s->cap - 1);
    while (s->keys[h]) {
        if (s->keys[h] == k)
            return h;
        h = (h + 1) & (s->cap - 1);
    }
    return SIZE_MAX;
}

bool pairset_has(const PairSet *s, int32_t a, int32_t b)
{
    return s->live && find(s, pair_key(a, b)) != SIZE_MAX;
}

void pairset_add(PairSet *s, int32_t a, int32_t b)
{
    uint64_t k = pair_key(a, b);
    if (find(s, k) != SIZE_MAX)
        return;
    if ((s->used + 1) * 2 > s->cap)
        rehash(s, s->cap ? (s->live * 4 > s->cap ? s->cap * 2 : s->cap) : 16);
    size_t h = hash_u64(k) & (s->cap - 1);
    while (s->keys[h] >= 2)
        h = (h + 1) & (s->cap - 1);
    if (s->keys[h] == 0)
        s->used++;
    s->keys[h] = k;
    s->live++;
}

bool pairset_remove(PairSet *s, int32_t a, int32_t b)
{
    if (!s->live)
        return false;   /* the usual case: no probe through a cold table */
    size_t h = find(s, pair_key(a, b));
    if (h == SIZE_MAX)
        return false;
    s->keys[h] = 1;
    s->live--;
    return true;
}

void pairset_drop_slot(PairSet *s, int32_t x, uint32_t *nout)
{
    for (size_t h = 0; s->live && h < s->cap; h++) {
        uint64_t k = s->keys[h];
        if (k < 2)
            continue;
        int32_t a = key_src(k), b = key_dst(k);
        if (a == x || b == x) {
            s->keys[h] = 1;
            s->live--;
            if (b == x && a != x)
                nout[a]--;
        }
    }
}

size_t pairset_list(const PairSet *s, int32_t *pairs, size_t cap)
{
    size_t n = 0;
    for (size_t h = 0; h < s->cap; h++) {
        uint64_t k = s->keys[h];
        if (k < 2)
            continue;
        if (n < cap) {
            pairs[2 * n] = key_src(k);
            pairs[2 * n + 1] = key_dst(k);
        }
        n++;
    }
    return n;
}

void pairset_free(PairSet *s)
{
    free(s->keys);
    *s = (PairSet){ 0 };
}
