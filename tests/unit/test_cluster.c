/*
 * test_cluster.c — cluster.c: hierarchical clustering on small matrices
 * whose merges were worked out by hand (both linkages, ties), a check of
 * the cached-partner search against a plain O(n³) search on random
 * matrices full of ties, the CATPAC text picture, the word-frequency
 * tables of a network, and the similarity matrix huey clusters works on.
 */
#define _POSIX_C_SOURCE 200809L
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cluster.h"
#include "galileo.h"
#include "net.h"
#include "params.h"

/* S from its upper triangle, row by row: (0,1) (0,2) ... (1,2) ... */
static double *matrix(size_t n, const double *upper)
{
    double *S = calloc(n * n, sizeof *S);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            S[i * n + j] = S[j * n + i] = upper[k++];
    return S;
}

static void expect_merge(const Dendrogram *d, size_t s, int64_t a, int64_t b, double level, int64_t size)
{
    const DendroMerge *g = &d->merge[s];
    if (g->a != a || g->b != b || g->level != level || g->size != size)
        fprintf(stderr, "\n    merge %zu: (%lld, %lld, %.17g, %lld), expected (%lld, %lld, %.17g, %lld)\n", s,
                (long long)g->a, (long long)g->b, g->level, (long long)g->size, (long long)a, (long long)b,
                level, (long long)size);
    CU_ASSERT(g->a == a && g->b == b && g->level == level && g->size == size);
}

static void expect_order(const Dendrogram *d, const size_t *want)
{
    for (size_t p = 0; p < d->n; p++)
        CU_ASSERT_EQUAL(d->order[p], want[p]);
}

/* 0-1 very close, 2-3 close, the pairs far apart:
 *   complete: {0,1} 10, {2,3} 8, all min(2,3,1,4) = 1
 *   average:  {0,1} 10, {2,3} 8, all (2+1+3+4)/4 = 2.5 */
static const double TWO_PAIRS[] = { 10, 2, 1, 3, 4, 8 };

static void test_two_pairs_complete(void)
{
    double *S = matrix(4, TWO_PAIRS);
    Dendrogram *d = cluster_build(S, 4, LINK_COMPLETE);
    expect_merge(d, 0, 0, 1, 10, 2);
    expect_merge(d, 1, 2, 3, 8, 2);
    expect_merge(d, 2, 4, 5, 1, 4);
    expect_order(d, (const size_t[]){ 0, 1, 2, 3 });
    cluster_free(d);
    free(S);
}

static void test_two_pairs_average(void)
{
    double *S = matrix(4, TWO_PAIRS);
    Dendrogram *d = cluster_build(S, 4, LINK_AVERAGE);
    expect_merge(d, 0, 0, 1, 10, 2);
    expect_merge(d, 1, 2, 3, 8, 2);
    expect_merge(d, 2, 4, 5, 2.5, 4);
    cluster_free(d);
    free(S);
}

/* The linkages part ways after {0,1}: 2 is near 0 (9) but far from 1 (2),
 * 3 is at 5 from both, 2-3 is 0.
 *   complete: {0,1}-2 = 2, {0,1}-3 = 5 -> 3 joins at 5, then 2 at min = 0
 *   average:  {0,1}-2 = 5.5 > 5 -> 2 joins at 5.5, then 3 at (5+5+0)/3 */
static const double PARTING[] = { 10, 9, 5, 2, 5, 0 };

static void test_linkages_part_ways(void)
{
    double *S = matrix(4, PARTING);
    Dendrogram *c = cluster_build(S, 4, LINK_COMPLETE);
    expect_merge(c, 0, 0, 1, 10, 2);
    expect_merge(c, 1, 4, 3, 5, 3);
    expect_merge(c, 2, 5, 2, 0, 4);
    expect_order(c, (const size_t[]){ 0, 1, 3, 2 });
    Dendrogram *a = cluster_build(S, 4, LINK_AVERAGE);
    expect_merge(a, 0, 0, 1, 10, 2);
    expect_merge(a, 1, 4, 2, 5.5, 3);
    expect_merge(a, 2, 5, 3, 10.0 / 3.0, 4);
    expect_order(a, (const size_t[]){ 0, 1, 2, 3 });
    cluster_free(c);
    cluster_free(a);
    free(S);
}

/* Equal similarities everywhere: the lowest pair each time. */
static void test_ties_lowest_pair_first(void)
{
    double *S = matrix(4, (const double[]){ 1, 1, 1, 1, 1, 1 });
    Dendrogram *d = cluster_build(S, 4, LINK_AVERAGE);
    expect_merge(d, 0, 0, 1, 1, 2);
    expect_merge(d, 1, 4, 2, 1, 3);
    expect_merge(d, 2, 5, 3, 1, 4);
    cluster_free(d);
    free(S);
    /* (0,2) and (1,2) tie at 3: (0,2) first; then 1 joins at min(1,3) / mean */
    S = matrix(3, (const double[]){ 1, 3, 3 });
    d = cluster_build(S, 3, LINK_COMPLETE);
    expect_merge(d, 0, 0, 2, 3, 2);
    expect_merge(d, 1, 3, 1, 1, 3);
    expect_order(d, (const size_t[]){ 0, 2, 1 });
    cluster_free(d);
    d = cluster_build(S, 3, LINK_AVERAGE);
    expect_merge(d, 1, 3, 1, 2, 3);
    cluster_free(d);
    free(S);
    /* a later tie: (0,1) at 5 first, then (2,3) at 5 beats nothing lower */
    S = matrix(4, (const double[]){ 5, 1, 1, 1, 1, 5 });
    d = cluster_build(S, 4, LINK_COMPLETE);
    expect_merge(d, 0, 0, 1, 5, 2);
    expect_merge(d, 1, 2, 3, 5, 2);
    cluster_free(d);
    free(S);
}

static void test_one_and_two_leaves(void)
{
    double one = 0;
    Dendrogram *d = cluster_build(&one, 1, LINK_COMPLETE);
    CU_ASSERT_EQUAL(d->n, 1);
    CU_ASSERT_EQUAL(d->order[0], 0);
    cluster_free(d);
    double *S = matrix(2, (const double[]){ -3 });
    d = cluster_build(S, 2, LINK_AVERAGE);
    expect_merge(d, 0, 0, 1, -3, 2);
    cluster_free(d);
    free(S);
}

/* The plain definition: rescan every pair of clusters at every step,
 * similarity from the member pairs of the original matrix. */
static void naive(const double *S, size_t n, Linkage l, DendroMerge *out)
{
    int64_t *cl = malloc(n * sizeof *cl);       /* leaf -> cluster id */
    int64_t *low = malloc(2 * n * sizeof *low); /* cluster id -> lowest leaf */
    for (size_t i = 0; i < n; i++)
        cl[i] = low[i] = (int64_t)i;
    for (size_t s = 0; s + 1 < n; s++) {
        int64_t ba = -1, bb = -1;
        double bv = 0;
        /* clusters by lowest leaf: x < y are the lowest leaves of two clusters */
        for (size_t x = 0; x < n; x++) {
            if (low[cl[x]] != (int64_t)x)
                continue;
            for (size_t y = x + 1; y < n; y++) {
                if (low[cl[y]] != (int64_t)y)
                    continue;
                double sum = 0, mn = 0;
                size_t cnt = 0;
                for (size_t u = 0; u < n; u++)
                    for (size_t v = 0; v < n; v++)
                        if (cl[u] == cl[x] && cl[v] == cl[y]) {
                            double e = u < v ? S[u * n + v] : S[v * n + u];
                            mn = cnt == 0 || e < mn ? e : mn;
                            sum += e;
                            cnt++;
                        }
                double val = l == LINK_COMPLETE ? mn : sum / (double)cnt;
                if (ba < 0 || val > bv) {
                    ba = (int64_t)x;
                    bb = (int64_t)y;
                    bv = val;
                }
            }
        }
        int64_t ca = cl[ba], cb = cl[bb], size = 0;
        for (size_t u = 0; u < n; u++)
            if (cl[u] == ca || cl[u] == cb) {
                cl[u] = (int64_t)(n + s);
                size++;
            }
        low[n + s] = ba;
        out[s] = (DendroMerge){ ca, cb, bv, size };
    }
    free(cl);
    free(low);
}

/* The same merges as the plain search. Complete linkage on small
 * integers (many ties, and min is exact); average linkage on integers plus
 * distinct fractions, because means of integers tie in exact arithmetic but
 * not after rounding, which the two searches do differently (the plain one
 * sums member pairs, the other updates weighted means). */
static void test_same_as_plain_search(void)
{
    unsigned seed = 12345;
    for (int trial = 0; trial < 60; trial++) {
        size_t n = 2 + (size_t)(trial % 13);
        double *S = calloc(n * n, sizeof *S);
        for (int l = 0; l < 2; l++) {
            Linkage lk = l ? LINK_COMPLETE : LINK_AVERAGE;
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                    seed = seed * 1103515245u + 12345u;
                    double v = (double)((seed >> 16) % 5);
                    if (lk == LINK_AVERAGE)
                        v += (double)((seed >> 8) & 0xff) / 4096.0 + (double)(i * n + j) / 1048576.0;
                    S[i * n + j] = S[j * n + i] = v;
                }
            Dendrogram *d = cluster_build(S, n, lk);
            DendroMerge *want = malloc(n * sizeof *want);
            naive(S, n, lk, want);
            for (size_t s = 0; s + 1 < n; s++) {
                const DendroMerge *g = &d->merge[s];
                double dl = g->level - want[s].level;
                bool ok = g->a == want[s].a && g->b == want[s].b && g->size == want[s].size &&
                          dl * dl < 1e-20;
                if (!ok)
                    fprintf(stderr, "\n    trial %d n %zu %s step %zu: (%lld,%lld,%g) vs (%lld,%lld,%g)\n", trial, n,
                            cluster_linkage_name(lk), s, (long long)g->a, (long long)g->b, g->level,
                            (long long)want[s].a, (long long)want[s].b, want[s].level);
                CU_ASSERT(ok);
                if (s > 0 && lk == LINK_COMPLETE)
                    CU_ASSERT(g->level <= d->merge[s - 1].level);
            }
            free(want);
            cluster_free(d);
        }
        free(S);
    }
}

static char *print_to_string(const Dendrogram *d, const char *const *labels)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cluster_print_text(f, d, labels);
    fclose(f);
    return buf;
}

static void test_catpac_picture(void)
{
    double *S = matrix(4, TWO_PAIRS);
    Dendrogram *d = cluster_build(S, 4, LINK_COMPLETE);
    const char *labels[] = { "ab", "c", "dé", "e" };
    char *txt = print_to_string(d, labels);
    /* merge table */
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# hierarchical clustering, complete linkage, 4 concepts"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "     1              10       2  ab + c\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "     2               8       2  dé + e\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "     3               1       4  ab + dé\n"));
    /* labels downwards (a two-byte é stays whole), then one row per merge */
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\n                 a  c  d  e\n                 b     é\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\n            10   ^^^^  .  .\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\n             8   ^^^^  ^^^^\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\n             1   ^^^^^^^^^^\n"));
    free(txt);
    cluster_free(d);
    free(S);
}

static void test_frequency_tables(void)
{
    Params p;
    params_default(&p);
    Net *n = net_create(&p, &backend_cpu_ops, 0, 1);
    const char *words[] = { "the", "garden", "the", "water", "garden", "the", "and" };
    const bool kept[] = { false, true, false, true, true, false, false };
    for (size_t k = 0; k < 7; k++)
        net_count_word(n, words[k], strlen(words[k]), kept[k]);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cluster_frequency_tables(f, n, 0);
    fclose(f);
    const char *want =
        "# word frequencies, raw (before the kill list): 7 words, 4 distinct\n"
        "#    count  word\n"
        "         3  the\n"
        "         2  garden\n"
        "         1  and\n"
        "         1  water\n"
        "# word frequencies, after the kill list: 3 words, 2 distinct\n"
        "#    count  word\n"
        "         2  garden\n"
        "         1  water\n";
    CU_ASSERT_STRING_EQUAL(buf, want);
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    cluster_frequency_tables(f, n, 1);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "4 distinct; the most frequent shown\n#    count  word\n         3  the\n#"));
    free(buf);
    net_free(n);
}

/* huey clusters' input: the concepts of the torgerson space, in its order,
 * and S_ij = m(i->j) + m(j->i) summed here from the network's edges;
 * symmetric, zero diagonal. */
static void test_similarity_matrix(void)
{
    Params p;
    params_default(&p);
    params_set(&p, "window_size", "3", "test");
    params_set(&p, "connection_probability", "1.0", "test");
    Net *n = net_create(&p, &backend_cpu_ops, 0, 1);
    const char *turns[][2] = { { "ann", "garden water tomato soil sun" }, { "bob", "water tomato wall snails" },
                               { "ann", "garden sun tomato water copper tape" }, { "bob", "snails wall soil sun" } };
    for (size_t t = 0; t < 4; t++) {
        net_utterance_begin(n, turns[t][0]);
        for (const char *w = turns[t][1]; *w;) {
            size_t l = strcspn(w, " ");
            net_token(n, w, l);
            w += l + (w[l] == ' ');
        }
        net_utterance_end(n);
    }
    SelfConcept sc[2];
    CU_ASSERT_EQUAL_FATAL(n->nspeakers, 2);
    for (size_t k = 0; k < n->nspeakers; k++)
        net_self_concept(n, k, &sc[k]);
    NetOutputs o;
    net_outputs(n, &o);
    GalileoOpts opt;
    galileo_opts_default(&opt);
    opt.num_concepts = 8;
    double *S;
    Space *s = space_similarity(n, &o, sc, &opt, &S);
    Space *t = space_torgerson_net(n, &o, sc, &opt);
    CU_ASSERT_PTR_NULL(s->error);
    CU_ASSERT_EQUAL(s->n, 8);
    CU_ASSERT_EQUAL(t->n, 8);
    for (size_t i = 0; i < s->n && i < t->n; i++)
        CU_ASSERT_STRING_EQUAL(s->labels[i], t->labels[i]);
    size_t nz = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->n; j++) {
            double want = 0;
            for (size_t e = 0; e < o.nedges && i != j; e++)
                if ((o.edges[e].src == s->ids[i] && o.edges[e].dst == s->ids[j]) ||
                    (o.edges[e].src == s->ids[j] && o.edges[e].dst == s->ids[i]))
                    want += o.edges[e].m;
            CU_ASSERT_DOUBLE_EQUAL(S[i * s->n + j], want, 1e-12 * (1 + want));
            CU_ASSERT_EQUAL(S[i * s->n + j], S[j * s->n + i]);
            nz += want > 0;
        }
    CU_ASSERT(nz > 0);
    free(S);
    space_free(s);
    space_free(t);

    opt.num_concepts = 1;   /* one concept: nothing to cluster */
    s = space_similarity(n, &o, sc, &opt, &S);
    CU_ASSERT_PTR_NOT_NULL(s->error);
    CU_ASSERT_PTR_NULL(S);
    space_free(s);
    net_outputs_free(&o);
    net_free(n);
}

void register_cluster(void)
{
    CU_pSuite s = CU_add_suite("cluster", NULL, NULL);
    CU_add_test(s, "two pairs, complete linkage", test_two_pairs_complete);
    CU_add_test(s, "two pairs, average linkage", test_two_pairs_average);
    CU_add_test(s, "complete and average part ways", test_linkages_part_ways);
    CU_add_test(s, "ties: lowest index pair first", test_ties_lowest_pair_first);
    CU_add_test(s, "one and two leaves", test_one_and_two_leaves);
    CU_add_test(s, "cached search = plain search", test_same_as_plain_search);
    CU_add_test(s, "CATPAC text picture", test_catpac_picture);
    CU_add_test(s, "word frequency tables", test_frequency_tables);
    CU_add_test(s, "similarity S = m(i->j) + m(j->i) of the torgerson concepts", test_similarity_matrix);
}
