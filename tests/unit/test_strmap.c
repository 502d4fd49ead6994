/*
 * test_strmap.c — the string map behind the vocabulary, the word counts,
 * the concept and speaker indexes: look-ups, overwrites, deletions and
 * growth, checked against a plain array of the same keys. The keys are
 * chosen so that many share their first 8 bytes (the part an entry holds
 * itself) and differ only after it, or only in length, or only in a zero
 * byte.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strmap.h"
#include "util.h"

enum { NKEYS = 3000, KEYMAX = 24 };

typedef struct Model {
    char key[NKEYS][KEYMAX];
    size_t len[NKEYS];
    int64_t value[NKEYS];   /* -1: not in the map */
} Model;

/* Key k: lengths 0 to 12, a shared 8-byte stem for most, the number
 * written after it; every tenth key has a zero byte in its head. */
static void make_key(Model *mo, int k)
{
    char *s = mo->key[k];
    int n;
    switch (k % 4) {
    case 0: n = snprintf(s, KEYMAX, "abcdefgh%d", k); break;      /* same head, differ after it */
    case 1: n = snprintf(s, KEYMAX, "%d", k); break;              /* short, head only */
    case 2: n = snprintf(s, KEYMAX, "abcdefgh%dx", k / 4); break; /* differ in length and tail */
    default: n = snprintf(s, KEYMAX, "w%07d", k); break;         /* exactly 8 bytes */
    }
    if (k % 10 == 0 && n > 3)
        s[2] = '\0';   /* a zero byte inside the key */
    if (k == 1)
        s[n = 0] = '\0';   /* the empty key */
    mo->len[k] = (size_t)n;
}

static void check_all(const StrMap *m, const Model *mo)
{
    size_t live = 0;
    for (int k = 0; k < NKEYS; k++) {
        int64_t got = strmap_get(m, mo->key[k], mo->len[k]);
        if (got != mo->value[k]) {
            CU_FAIL("strmap_get differs from the model");
            return;
        }
        live += mo->value[k] >= 0;
    }
    CU_ASSERT_EQUAL(strmap_size(m), live);
}

/* Distinct keys must be distinct: make_key gives no duplicates. */
static void test_keys_are_distinct(Model *mo)
{
    for (int a = 0; a < NKEYS; a++)
        for (int b = a + 1; b < NKEYS; b++)
            if (mo->len[a] == mo->len[b] && memcmp(mo->key[a], mo->key[b], mo->len[a]) == 0)
                CU_FAIL_FATAL("make_key gave two equal keys");
}

static void test_strmap_matches_a_plain_array(void)
{
    Model *mo = calloc(1, sizeof *mo);
    for (int k = 0; k < NKEYS; k++) {
        make_key(mo, k);
        mo->value[k] = -1;
    }
    test_keys_are_distinct(mo);
    StrMap m;
    strmap_init(&m);
    check_all(&m, mo);   /* empty map */
    /* insert every key (the table grows many times), overwrite a third,
     * delete half, insert again: after each round the map is the model */
    for (int k = 0; k < NKEYS; k++) {
        const char *own = strmap_put(&m, mo->key[k], mo->len[k], k);
        CU_ASSERT(own != mo->key[k] && memcmp(own, mo->key[k], mo->len[k]) == 0);
        mo->value[k] = k;
    }
    check_all(&m, mo);
    for (int k = 0; k < NKEYS; k += 3) {
        strmap_put(&m, mo->key[k], mo->len[k], 7 * (int64_t)k + 1);
        mo->value[k] = 7 * (int64_t)k + 1;
    }
    check_all(&m, mo);
    for (int k = 0; k < NKEYS; k += 2) {
        CU_ASSERT(strmap_del(&m, mo->key[k], mo->len[k]));
        mo->value[k] = -1;
    }
    CU_ASSERT(!strmap_del(&m, mo->key[0], mo->len[0]));   /* gone already */
    check_all(&m, mo);
    for (int k = 0; k < NKEYS; k += 4) {
        strmap_put(&m, mo->key[k], mo->len[k], 5);
        mo->value[k] = 5;
    }
    check_all(&m, mo);
    /* a key's prefix, or the key with one more byte, is another key */
    CU_ASSERT_EQUAL(strmap_get(&m, "abcdefgh", 8), -1);
    CU_ASSERT_EQUAL(strmap_get(&m, mo->key[3], mo->len[3] - 1), -1);
    CU_ASSERT_EQUAL(strmap_get(&m, mo->key[4], mo->len[4] + 1), -1);
    strmap_free(&m);
    free(mo);
}

typedef struct Hashed {
    uint32_t h;
    uint32_t k;
} Hashed;

static int by_hash(const void *a, const void *b)
{
    const Hashed *x = a, *y = b;
    return x->h != y->h ? (x->h < y->h ? -1 : 1) : (x->k < y->k ? -1 : x->k > y->k);
}

/* Two keys that an entry cannot tell apart (same length, same first 8
 * bytes, same stored half of the hash) are still two keys: found by a
 * birthday search over 2^18 keys (about 8 such pairs expected). */
static void test_strmap_tells_apart_keys_alike_in_all_it_stores(void)
{
    enum { N = 1 << 18 };
    Hashed *hs = malloc(N * sizeof *hs);
    char a[32], b[32];
    for (uint32_t k = 0; k < N; k++) {
        int n = snprintf(a, sizeof a, "abcdefgh%06x", k);
        hs[k] = (Hashed){ (uint32_t)hash_bytes(a, (size_t)n), k };
    }
    qsort(hs, N, sizeof *hs, by_hash);
    int pairs = 0;
    for (uint32_t i = 0; i + 1 < N; i++) {
        if (hs[i].h != hs[i + 1].h)
            continue;
        int na = snprintf(a, sizeof a, "abcdefgh%06x", hs[i].k);
        int nb = snprintf(b, sizeof b, "abcdefgh%06x", hs[i + 1].k);
        CU_ASSERT_EQUAL(na, nb);
        StrMap m;
        strmap_init(&m);
        strmap_put(&m, a, (size_t)na, 1);
        CU_ASSERT_EQUAL(strmap_get(&m, b, (size_t)nb), -1);
        CU_ASSERT(!strmap_del(&m, b, (size_t)nb));
        strmap_put(&m, b, (size_t)nb, 2);
        CU_ASSERT_EQUAL(strmap_get(&m, a, (size_t)na), 1);
        CU_ASSERT_EQUAL(strmap_get(&m, b, (size_t)nb), 2);
        CU_ASSERT_EQUAL(strmap_size(&m), 2);
        strmap_free(&m);
        pairs++;
    }
    CU_ASSERT(pairs > 0);   /* else the search proved nothing */
    free(hs);
}

void register_strmap(void)
{
    CU_pSuite s = CU_add_suite("strmap", NULL, NULL);
    CU_add_test(s, "strmap: look-ups, overwrites, deletions, growth as a plain array", test_strmap_matches_a_plain_array);
    CU_add_test(s, "strmap: keys alike in length, head and stored hash are two keys",
                test_strmap_tells_apart_keys_alike_in_all_it_stores);
}
