/*
 * cluster.c — agglomerative clustering on a similarity matrix (average
 * and complete linkage), the CATPAC text dendrogram, and the word
 * frequency tables (cluster.h), and `huey clusters`.
 *
 * Clusters live in slots: slot i starts as leaf i, and a merge of slots
 * i < j keeps the new cluster in slot i, so a slot's index is always its
 * cluster's lowest leaf, and "lowest index pair" tie-breaking is a
 * lexicographic order on slots. Each active slot caches its best partner
 * among the higher slots (ties: the lowest); a merge rescans only the rows
 * whose cache it spoiled. Memory: one n×n working matrix.
 */
#define _POSIX_C_SOURCE 200809L
#include "cluster.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "galileo.h"
#include "net.h"
#include "offline.h"
#include "plot.h"
#include "util.h"

const char *cluster_linkage_name(Linkage l)
{
    return l == LINK_COMPLETE ? "complete" : "average";
}

typedef struct Work {
    size_t n;
    double *w;               /* (n, n) current similarities, kept symmetric */
    bool *active;            /* (n) slot holds a cluster */
    int64_t *size;           /* (n) leaves in the slot's cluster */
    int64_t *id;             /* (n) the slot's cluster id */
    int64_t *best;           /* (n) best higher slot, -1 if none */
    double *bestv;           /* (n) its similarity */
} Work;

static void rescan(Work *k, size_t i)
{
    k->best[i] = -1;
    for (size_t j = i + 1; j < k->n; j++) {
        if (!k->active[j])
            continue;
        double v = k->w[i * k->n + j];
        if (k->best[i] < 0 || v > k->bestv[i]) {   /* strict: the lowest j wins ties */
            k->best[i] = (int64_t)j;
            k->bestv[i] = v;
        }
    }
}

static void leaf_order(Dendrogram *d)
{
    size_t n = d->n, m = 0;
    if (n == 1) {
        d->order[0] = 0;
        return;
    }
    int64_t *stack = xmalloc(n * sizeof *stack);   /* never deeper than the leaves */
    size_t top = 0;
    stack[top++] = (int64_t)(2 * n - 2);           /* the root: made by the last merge */
    while (top) {
        int64_t c = stack[--top];
        if (c < (int64_t)n) {
            d->order[m++] = (size_t)c;
        } else {
            const DendroMerge *g = &d->merge[c - (int64_t)n];
            stack[top++] = g->b;                    /* a's leaves come first */
            stack[top++] = g->a;
        }
    }
    check(m == n);
    free(stack);
}

Dendrogram *cluster_build(const double *S, size_t n, Linkage linkage)
{
    check(n >= 1);
    Work k = { .n = n };
    k.w = xmalloc(n * n * sizeof *k.w);
    k.active = xmalloc(n * sizeof *k.active);
    k.size = xmalloc(n * sizeof *k.size);
    k.id = xmalloc(n * sizeof *k.id);
    k.best = xmalloc(n * sizeof *k.best);
    k.bestv = xmalloc(n * sizeof *k.bestv);
    for (size_t i = 0; i < n; i++) {
        k.w[i * n + i] = 0;
        for (size_t j = i + 1; j < n; j++) {
            double v = S[i * n + j];
            if (!isfinite(v))
                die("similarity matrix: entry (%zu, %zu) is not finite", i, j);
            k.w[i * n + j] = k.w[j * n + i] = v;
        }
        k.active[i] = true;
        k.size[i] = 1;
        k.id[i] = (int64_t)i;
    }
    for (size_t i = 0; i < n; i++)
        rescan(&k, i);

    Dendrogram *d = xcalloc(1, sizeof *d);
    d->n = n;
    d->linkage = linkage;
    d->merge = xmalloc((n > 1 ? n - 1 : 1) * sizeof *d->merge);
    d->order = xmalloc(n * sizeof *d->order);
    for (size_t step = 0; step + 1 < n; step++) {
        /* the most similar pair; ties: lowest i, then (cached) lowest j */
        int64_t bi = -1;
        for (size_t i = 0; i < n; i++)
            if (k.active[i] && k.best[i] >= 0 && (bi < 0 || k.bestv[i] > k.bestv[bi]))
                bi = (int64_t)i;
        check(bi >= 0);
        size_t i = (size_t)bi, j = (size_t)k.best[i];
        d->merge[step] = (DendroMerge){ k.id[i], k.id[j], k.bestv[i], k.size[i] + k.size[j] };

        double ni = (double)k.size[i], nj = (double)k.size[j];
        for (size_t c = 0; c < n; c++) {
            if (!k.active[c] || c == i || c == j)
                continue;
            double si = k.w[c * n + i], sj = k.w[c * n + j];
            double v = linkage == LINK_COMPLETE ? (si < sj ? si : sj) : (ni * si + nj * sj) / (ni + nj);
            k.w[c * n + i] = k.w[i * n + c] = v;
        }
        k.active[j] = false;
        k.size[i] += k.size[j];
        k.id[i] = (int64_t)(n + step);

        /* caches: row i changed; lower rows see column i change and
         * column j vanish; rows between i and j see column j vanish */
        rescan(&k, i);
        for (size_t c = 0; c < j; c++) {
            if (!k.active[c] || c == i)
                continue;
            if (k.best[c] == (int64_t)i || k.best[c] == (int64_t)j) {
                rescan(&k, c);
            } else if (c < i) {
                double v = k.w[c * n + i];
                if (k.best[c] < 0 || v > k.bestv[c] || (v == k.bestv[c] && (int64_t)i < k.best[c])) {
                    k.best[c] = (int64_t)i;
                    k.bestv[c] = v;
                }
            }
        }
    }
    leaf_order(d);
    free(k.w);
    free(k.active);
    free(k.size);
    free(k.id);
    free(k.best);
    free(k.bestv);
    return d;
}

void cluster_free(Dendrogram *d)
{
    if (!d)
        return;
    free(d->merge);
    free(d->order);
    free(d);
}

/* ---- CATPAC's text dendrogram -------------------------------------------- */

enum { LABEL_ROWS = 16 };    /* characters of a label written downwards */

/* Byte length of the UTF-8 character at s (1 for a stray byte). */
static size_t utf8_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t l = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    for (size_t k = 1; k < l; k++)
        if (((unsigned char)s[k] & 0xc0) != 0x80)
            return 1;
    return l;
}

/* Root of leaf x's cluster (path halving). */
static size_t find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

void cluster_print_text(FILE *f, const Dendrogram *d, const char *const *labels)
{
    size_t n = d->n;
    /* the lowest leaf of every cluster id, to name the clusters merged */
    size_t *rep = xmalloc((2 * n) * sizeof *rep);
    for (size_t i = 0; i < n; i++)
        rep[i] = i;
    for (size_t s = 0; s + 1 < n; s++)
        rep[n + s] = rep[d->merge[s].a];
    fprintf(f, "# hierarchical clustering, %s linkage, %zu concepts; a cluster is named by its first concept\n",
            cluster_linkage_name(d->linkage), n);
    fprintf(f, "# step  %14s  %6s  merges\n", "similarity", "size");
    for (size_t s = 0; s + 1 < n; s++) {
        const DendroMerge *g = &d->merge[s];
        fprintf(f, "%6zu  %14.6g  %6lld  %s + %s\n", s + 1, g->level, (long long)g->size,
                labels[rep[g->a]], labels[rep[g->b]]);
    }
    free(rep);

    /* the picture: leaf p in column 3p + 1 */
    size_t width = 3 * n;
    char *line = xmalloc(width * 4 + 1);   /* a UTF-8 character per column at most */
    const char **cur = xmalloc(n * sizeof *cur);
    for (size_t p = 0; p < n; p++)
        cur[p] = labels[d->order[p]];
    fprintf(f, "#\n");
    for (int r = 0; r < LABEL_ROWS; r++) {
        size_t len = 0;
        bool any = false;
        for (size_t p = 0; p < n; p++) {
            line[len++] = ' ';
            if (*cur[p]) {
                size_t l = utf8_len(cur[p]);
                memcpy(line + len, cur[p], l);
                len += l;
                cur[p] += l;
                any = true;
            } else {
                line[len++] = ' ';
            }
            line[len++] = ' ';
        }
        if (!any)
            break;
        while (len && line[len - 1] == ' ')
            len--;
        line[len] = '\0';
        fprintf(f, "%14s  %s\n", "", line);
    }
    free(cur);

    size_t *parent = xmalloc(n * sizeof *parent);
    size_t *slot_of = xmalloc((2 * n) * sizeof *slot_of);   /* cluster id -> a leaf in it */
    int64_t *size = xmalloc(n * sizeof *size);
    for (size_t i = 0; i < n; i++) {
        parent[i] = slot_of[i] = i;
        size[i] = 1;
    }
    for (size_t s = 0; s + 1 < n; s++) {
        const DendroMerge *g = &d->merge[s];
        size_t ra = find(parent, slot_of[g->a]), rb = find(parent, slot_of[g->b]);
        parent[rb] = ra;
        size[ra] += size[rb];
        slot_of[n + s] = ra;
        memset(line, ' ', width);
        for (size_t p = 0; p < n; p++) {
            size_t root = find(parent, d->order[p]);
            if (size[root] == 1) {
                line[3 * p + 1] = '.';
                continue;
            }
            line[3 * p + 1] = '^';
            /* clusters are contiguous in the order: join to the next member */
            if (p + 1 < n && find(parent, d->order[p + 1]) == root)
                line[3 * p + 2] = line[3 * p + 3] = '^';
        }
        size_t len = width;
        while (len && line[len - 1] == ' ')
            len--;
        line[len] = '\0';
        fprintf(f, "%14.6g  %s\n", g->level, line);
    }
    free(line);
    free(parent);
    free(slot_of);
    free(size);
}

/* ---- word frequency tables ----------------------------------------------- */

typedef struct FreqRow {
    const char *word;
    uint64_t count;
} FreqRow;

static int by_count_then_word(const void *x, const void *y)
{
    const FreqRow *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->word, b->word);
}

static void put_word_at(void *ctx, const char *key, int64_t value)
{
    ((const char **)ctx)[value] = key;
}

static void print_table(FILE *f, const char *title, const char **words, const uint64_t *count, size_t nw,
                        size_t top)
{
    FreqRow *rows = xmalloc((nw ? nw : 1) * sizeof *rows);
    size_t m = 0;
    uint64_t total = 0;
    for (size_t k = 0; k < nw; k++) {
        if (!count[k])
            continue;
        rows[m++] = (FreqRow){ words[k], count[k] };
        total += count[k];
    }
    qsort(rows, m, sizeof *rows, by_count_then_word);
    size_t shown = top && top < m ? top : m;
    fprintf(f, "# word frequencies, %s: %llu words, %zu distinct%s\n", title, (unsigned long long)total, m,
            shown < m ? "; the most frequent shown" : "");
    fprintf(f, "# %8s  word\n", "count");
    for (size_t k = 0; k < shown; k++)
        fprintf(f, "%10llu  %s\n", (unsigned long long)rows[k].count, rows[k].word);
    free(rows);
}

void cluster_frequency_tables(FILE *f, const Net *n, size_t top)
{
    const char **words = xcalloc(n->nfreq + 1, sizeof *words);
    strmap_each(&n->freq_idx, put_word_at, words);
    print_table(f, "raw (before the kill list)", words, n->freq_raw, n->nfreq, top);
    print_table(f, "after the kill list", words, n->freq_kept, n->nfreq, top);
    free(words);
}

/* ---- huey clusters ----------------------------------------------------------- */

static const char clusters_usage[] = "usage: huey clusters FILE.h5 [--concepts 50] [--min-mass 0] "
                                     "[--profile reference|fixed] [--linkage average|complete|both] [--out DIR] "
                                     "[--top 30] [--max-dense-gb X]";
/* rows of each word-frequency table unless --top says otherwise (0: all) */
enum { CLUSTERS_TOP = 30 };

int cmd_clusters(int argc, char **argv)
{
    GalileoOpts o;
    galileo_opts_default(&o);
    const char *path = NULL, *out = NULL;
    bool want[2] = { true, true };   /* by Linkage: average, complete */
    size_t top = CLUSTERS_TOP;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (galileo_take_opt(&o, argc, argv, &i)) {   /* --profile: with or without the speaker entries */
            continue;
        } else if (!strcmp(a, "--linkage") && has) {
            const char *v = argv[++i];
            bool avg = !strcmp(v, "average"), cpl = !strcmp(v, "complete");
            if (!avg && !cpl && strcmp(v, "both"))
                die_usage("option --linkage: expected average, complete or both, got '%s'", v);
            want[LINK_AVERAGE] = !cpl;
            want[LINK_COMPLETE] = !avg;
        } else if (!strcmp(a, "--out") && has) {
            out = argv[++i];
        } else if (!strcmp(a, "--top") && has) {
            double t = galileo_parse_number(argv[++i], a, false);
            if (t != floor(t))
                die_usage("option --top: expected a whole number of rows (0: all), got '%s'", argv[i]);
            top = (size_t)t;
        } else if (a[0] == '-') {
            die_usage("unknown option or missing value '%s' (%s)", a, clusters_usage);
        } else if (!path) {
            path = a;
        } else {
            die_usage("%s", clusters_usage);
        }
    }
    if (!path)
        die_usage("%s", clusters_usage);
    require_output_path("--out", out, true);

    Loaded *l = offline_load(path);
    double *S;   /* (n, n) */
    Space *s = space_similarity(l->net, &l->out, l->self, &o, &S);
    if (s->error)
        die("%s: %s", path, s->error);
    int err = out ? make_dirs(out) : 0;
    if (err)
        die("cannot create directory %s: %s", out, strerror(err));
    const char *const *labels = (const char *const *)s->labels;
    printf("# huey clusters %s: the %zu concepts of the torgerson space (--concepts %zu, --min-mass %g), "
           "similarity S_ij = m(i->j) + m(j->i)\n",
           path, s->n, o.num_concepts, o.min_mass);
    for (int k = LINK_AVERAGE; k <= LINK_COMPLETE; k++) {
        if (!want[k])
            continue;
        Dendrogram *d = cluster_build(S, s->n, (Linkage)k);
        printf("#\n");
        cluster_print_text(stdout, d, labels);
        if (out) {
            char file[4096], title[4200];
            /* dendrogram.svg: CATPAC's average linkage; the other by name */
            if (k == LINK_AVERAGE)
                snprintf(file, sizeof file, "%s/dendrogram.svg", out);
            else
                snprintf(file, sizeof file, "%s/dendrogram-%s.svg", out, cluster_linkage_name((Linkage)k));
            const char *base = strrchr(path, '/');
            snprintf(title, sizeof title, "huey clusters %s: %zu concepts, %s linkage", base ? base + 1 : path, s->n,
                     cluster_linkage_name((Linkage)k));
            FILE *f = fopen(file, "w");
            if (!f)
                die("cannot write %s: %s", file, strerror(errno));
            svg_dendrogram(f, d, labels, title);
            if (fclose(f) != 0)
                die("error writing %s: %s", file, strerror(errno));
            fprintf(stderr, "huey: wrote %s\n", file);
        }
        cluster_free(d);
    }
    printf("#\n");
    cluster_frequency_tables(stdout, l->net, top);
    free(S);
    space_free(s);
    offline_free(l);
    return 0;
}
