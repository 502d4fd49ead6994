/*
 * strmap.c — string -> int64 hash map with linear probing.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static char deleted_marker;
#define STRMAP_DELETED (&deleted_marker)

void strmap_init(StrMap *m)
{
    memset(m, 0, sizeof *m);
}

void strmap_free(StrMap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key && m->e[i].key != STRMAP_DELETED)
            free(m->e[i].key);
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* The first min(len, 8) bytes of key, zero-padded. */
static uint64_t key_head(const char *key, size_t len)
{
    uint64_t h = 0;
    memcpy(&h, key, len < sizeof h ? len : sizeof h);
    return h;
}

/* Probes compare hash, length and head in the entry itself; only keys
 * longer than 8 bytes are then read (on a large vocabulary each read of
 * a key is a cache miss of its own). */
static size_t find_slot(const StrMap *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1, i = (uint32_t)h & mask;
    const uint64_t head = key_head(key, len);
    for (;;) {
        const StrMapEntry *e = &m->e[i];
        if (!e->key)
            return SIZE_MAX;
        if (e->key != STRMAP_DELETED && e->hash == (uint32_t)h && e->len == len && e->head == head &&
            (len <= sizeof head || memcmp(e->key + sizeof head, key + sizeof head, len - sizeof head) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

static void rehash(StrMap *m, size_t cap)
{
    StrMapEntry *old = m->e;
    size_t oldcap = m->cap;
    m->e = xcalloc(cap, sizeof *m->e);
    m->cap = cap;
    m->used = m->live;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key || old[i].key == STRMAP_DELETED)
            continue;
        size_t j = old[i].hash & (cap - 1);
        while (m->e[j].key)
            j = (j + 1) & (cap - 1);
        m->e[j] = old[i];
    }
    free(old);
}

int64_t strmap_get_hashed(const StrMap *m, const char *key, size_t len, uint64_t hash)
{
    if (!m->cap)
        return -1;
    size_t i = find_slot(m, key, len, hash);
    return i == SIZE_MAX ? -1 : m->e[i].value;
}

int64_t strmap_get(const StrMap *m, const char *key, size_t len)
{
    return strmap_get_hashed(m, key, len, hash_bytes(key, len));
}

const char *strmap_put(StrMap *m, const char *key, size_t len, int64_t value)
{
    uint64_t h = hash_bytes(key, len);
    if (m->cap) {
        size_t i = find_slot(m, key, len, h);
        if (i != SIZE_MAX) {
            m->e[i].value = value;
            return m->e[i].key;
        }
    }
    if ((m->used + 1) * 4 > m->cap * 3)
        rehash(m, m->cap ? (m->live * 2 >= m->cap ? m->cap * 2 : m->cap) : 16);
    size_t i = (uint32_t)h & (m->cap - 1);
    while (m->e[i].key && m->e[i].key != STRMAP_DELETED)
        i = (i + 1) & (m->cap - 1);
    if (!m->e[i].key)
        m->used++;
    m->e[i].key = xstrndup(key, len);
    m->e[i].head = key_head(key, len);
    m->e[i].len = (uint32_t)len;
    m->e[i].hash = (uint32_t)h;
    m->e[i].value = value;
    m->live++;
    return m->e[i].key;
}

bool strmap_del(StrMap *m, const char *key, size_t len)
{
    if (!m->cap)
        return false;
    size_t i = find_slot(m, key, len, hash_bytes(key, len));
    if (i == SIZE_MAX)
        return false;
    free(m->e[i].key);
    m->e[i].key = STRMAP_DELETED;
    m->live--;
    return true;
}

void strmap_each(const StrMap *m, void (*fn)(void *ctx, const char *key, int64_t value), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key && m->e[i].key != STRMAP_DELETED)
            fn(ctx, m->e[i].key, m->e[i].value);
}
