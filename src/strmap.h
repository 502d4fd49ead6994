/*
 * strmap.h — open-addressing hash map from byte strings to int64 values.
 * The map stores its own copy of every key. Deletion leaves a tombstone;
 * the table is rebuilt when tombstones and keys fill it.
 */
#ifndef HUEY_STRMAP_H
#define HUEY_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct StrMapEntry {
    char *key;        /* NULL = empty; STRMAP_DELETED = tombstone */
    uint64_t head;    /* the key's first 8 bytes, zero-padded: a key that
                         short is matched without reading it */
    int64_t value;
    uint32_t len;
    uint32_t hash;    /* low half of hash_bytes (tables stay under 2^32) */
} StrMapEntry;

typedef struct StrMap {
    StrMapEntry *e;
    size_t cap, used, live;   /* used counts tombstones too */
} StrMap;

void strmap_init(StrMap *m);
void strmap_free(StrMap *m);
/* Value for key, or -1 if absent (values stored must be >= 0). */
int64_t strmap_get(const StrMap *m, const char *key, size_t len);
/* strmap_get with the key's hash_bytes already taken. */
int64_t strmap_get_hashed(const StrMap *m, const char *key, size_t len, uint64_t hash);
/* Ask the cache for the entry where a look-up of a key with this
 * hash_bytes would start: a look-up due soon then overlaps its miss with
 * the work before it. */
static inline void strmap_prefetch(const StrMap *m, uint64_t hash)
{
    if (m->cap)
        __builtin_prefetch(&m->e[(uint32_t)hash & (m->cap - 1)]);
}
/* Insert or overwrite; returns the map's own copy of the key. */
const char *strmap_put(StrMap *m, const char *key, size_t len, int64_t value);
bool strmap_del(StrMap *m, const char *key, size_t len);
static inline size_t strmap_size(const StrMap *m) { return m->live; }
/* Every (key, value), in table order. */
void strmap_each(const StrMap *m, void (*fn)(void *ctx, const char *key, int64_t value), void *ctx);

#endif
