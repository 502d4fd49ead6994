/*
 * cluster.h — CATPAC-style agglomerative hierarchical clustering of
 * concepts on a similarity matrix (huey-model.md §12: S_ij = m(i→j) +
 * m(j→i)), and the word-frequency tables that go with it.
 *
 * Clusters merge most-similar first. The similarity of a new cluster to
 * the others follows the linkage:
 *   complete: min over member pairs (CATPAC's "diameter" method),
 *   average:  mean over member pairs (UPGMA).
 * Ties: among equal similarities the pair of clusters whose lowest leaf
 * indices (a, b), a < b, come first lexicographically merges first, so the
 * result depends only on S, never on memory or hash order.
 */
#ifndef HUEY_CLUSTER_H
#define HUEY_CLUSTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct Net;

typedef enum { LINK_AVERAGE, LINK_COMPLETE } Linkage;

/* One merge. Cluster ids: 0..n-1 are the leaves, n + k is the cluster
 * made by merge k. a holds the lower lowest-leaf index of the two. */
typedef struct DendroMerge {
    int64_t a, b;            /* the clusters merged */
    double level;            /* their similarity under the linkage */
    int64_t size;            /* leaves in the new cluster */
} DendroMerge;

typedef struct Dendrogram {
    size_t n;                /* leaves */
    Linkage linkage;
    DendroMerge *merge;      /* (n - 1) in merge order; levels never increase */
    size_t *order;           /* (n) leaves in drawing order: every cluster is
                              * a contiguous run, a's leaves before b's */
} Dendrogram;

/* Cluster n items on S (n, n) row-major. Only the upper triangle
 * (i < j) is read, so S need not be stored symmetric; the diagonal is
 * ignored. Every entry read must be finite (else die). O(n²) memory:
 * one n×n working copy. n >= 1. */
Dendrogram *cluster_build(const double *S, size_t n, Linkage linkage);
void cluster_free(Dendrogram *d);
const char *cluster_linkage_name(Linkage l);

/* The dendrogram as text, for labels (n):
 *   a `#`-commented merge table (step, level, size, the two clusters'
 *   first labels), then CATPAC's picture: labels written downwards one
 *   character per line across the top (in d->order), and one line per
 *   merge below, where every cluster of two or more concepts formed so
 *   far is a run of ^^^ under its members and a lone concept is a dot. */
void cluster_print_text(FILE *f, const Dendrogram *d, const char *const *labels);

/* Word frequencies of the text a network learnt, two tables: raw (every
 * word before the kill list) and after the kill list, each by count
 * descending then word (bytewise) ascending; at most top rows each
 * (0 = all). Rows: "count word". */
void cluster_frequency_tables(FILE *f, const struct Net *n, size_t top);

/* `huey clusters FILE.h5 [--concepts N] [--min-mass X] [--linkage
 * average|complete|both] [--out DIR] [--top N]`: the concepts of the
 * torgerson space (galileo.h, the same selection) clustered on
 * S_ij = m(i->j) + m(j->i); the text dendrogram of each linkage and the
 * word-frequency tables on stdout, DIR/dendrogram-LINKAGE.svg; exit
 * status. */
int cmd_clusters(int argc, char **argv);

#endif
