/*
 * galileo.c — the Galileo spaces (huey-model.md §12.1, §12.2): concept
 * selection, the matrix (built by row blocks, so that each MPI rank can
 * build its own), the eigen-decomposition (eigen.c), coordinates and the
 * numbers the reference reports; their JSON and CSV files, and
 * `huey galileo`.
 */
#define _POSIX_C_SOURCE 200809L
#include "galileo.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "comm.h"
#include "cuda_api.h"
#include "eigen.h"
#include "plot.h"
#include "util.h"

/* The reference's constants (§12.1, §12.2). */
static const struct {
    double activation_coupling;   /* A_ij = w + 0.1·a_i·a_j */
    double zero_eigenvalue;       /* |λ| <= 1e-10 counts as zero (signature, warp) */
    double flat_eigenvalue;       /* |λ| <= 1e-8: position column v·1e-4 */
    double flat_scale;
    double position_scale;        /* positions ×3 */
    double balanced_warp;         /* |Σλ+ + Σλ-| <= 1e-8: warp = inf */
    double lanczos_tol;           /* matrix-free pairs: residual <= 1e-12·‖A‖ */
    double dense_copies;          /* the dense path's peak: two n×n matrices (the
                                     gathered one and its row blocks, or the band
                                     reduction's rebuild) */
    double dense_memory_share;    /* default limit: 3/4 of physical memory */
    double assoc_diagonal;        /* A_ii = 1 */
} gal = { 0.1, 1e-10, 1e-8, 1e-4, 3.0, 1e-8, 1e-12, 2.0, 0.75, 1.0 };

/* Words the Streamlit page never places (its "system artifacts"), and
 * the shorter list of its plain-text mode (one speaker, named "text"). */
static const char *const artifacts[] = { "speaker_speaker_a", "speaker_speaker_b", "speaker_speaker_c",
                                         "speaker_speaker_d", "speaker_speaker_e", "speaker_speaker_f",
                                         "re", "e", "g", "4", "lines", NULL };
static const char *const plain_artifacts[] = { "speaker_text", "re", "e", "g", "4", "lines", NULL };
static const char plain_speaker[] = "text";   /* the speaker's name, lower-cased */
static const char speaker_label[] = "Speaker_";   /* + name: a speaker's self-concept entry */

void galileo_opts_default(GalileoOpts *o)
{
    *o = (GalileoOpts){ .method = GAL_TORGERSON, .profile = GAL_REFERENCE, .num_concepts = 50, .min_mass = 0.0,
                        .max_dims = 0, .collective = false, .solver = EIGEN_AUTO,
                        .max_dense_gb = 0 };
}

/* ---- the concepts and their sparse links ------------------------------------ */

typedef struct Link {
    size_t j;                /* the other concept */
    double v;                /* assoc: w(min -> max); torgerson: S_ij */
} Link;

/* What every row of the matrix is made from. */
typedef struct GalInput {
    size_t n;
    double *act;             /* (n) activation, 0 without an entry (assoc) */
    size_t *link0;           /* (n + 1) links of concept i: links[link0[i] .. link0[i+1]) */
    Link *links;             /* by concept, then by j; one per pair and direction */
    double s_max;            /* torgerson: max(S) over the matrix (1 when not > 0) */
    double *d2_mean;         /* torgerson: (n) row means of D² */
    double d2_grand;         /* torgerson: their mean */
    bool fixed;
    double *hx;              /* torgerson, matrix-free: (n) H·x of the product */
} GalInput;

static Space *space_new(const GalileoOpts *opt)
{
    Space *s = xcalloc(1, sizeof *s);
    s->method = opt->method;
    s->profile = opt->profile;
    s->num_concepts = opt->num_concepts;
    s->min_mass = opt->min_mass;
    return s;
}

static void space_alloc(Space *s, size_t n)
{
    s->n = s->n_selected = n;
    s->labels = xcalloc(n + 1, sizeof *s->labels);
    s->ids = xcalloc(n + 1, sizeof *s->ids);
    s->mass = xcalloc(n + 1, sizeof *s->mass);
    s->speaker = xcalloc(n + 1, sizeof *s->speaker);
}

/* slot of every id (-1: dead), ids 0 .. id_counter - 1 */
static int32_t *slots_by_id(const Net *net)
{
    int32_t *slot = xmalloc(((size_t)net->id_counter + 1) * sizeof *slot);
    for (int64_t i = 0; i <= net->id_counter; i++)
        slot[i] = -1;
    for (int32_t q = 0; q < net->nslots; q++)
        if (net->id[q] >= 0 && net->id[q] < net->id_counter && net->word[q])
            slot[net->id[q]] = q;
    return slot;
}

static bool is_speaker_word(const Net *net, const char *w)
{
    for (size_t k = 0; k < net->nspeakers; k++)
        if (!strcmp(net->speakers[k].word, w))
            return true;
    return false;
}

static int cmp_link(const void *a, const void *b)
{
    const Link *x = a, *y = b;
    return (x->j > y->j) - (x->j < y->j);
}

/* Links from (from[k], tmp[k]) pairs into g: bucketed by concept (stable),
 * sorted by partner, the two directions of a pair summed. */
static void bucket_links(GalInput *g, size_t n, const size_t *from, const Link *tmp, size_t nl)
{
    /* bucket by concept (stable: edge order kept within a bucket) */
    g->link0 = xcalloc(n + 2, sizeof *g->link0);
    for (size_t k = 0; k < nl; k++)
        g->link0[from[k] + 1]++;
    for (size_t i = 0; i < n; i++)
        g->link0[i + 1] += g->link0[i];
    size_t *fill = xmalloc((n + 1) * sizeof *fill);
    memcpy(fill, g->link0, (n + 1) * sizeof *fill);
    g->links = xmalloc((nl + 1) * sizeof *g->links);
    for (size_t k = 0; k < nl; k++)
        g->links[fill[from[k]]++] = tmp[k];
    /* merge the two directions of a pair: S_ij = m(i->j) + m(j->i) */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo = g->link0[i], hi = g->link0[i + 1];
        qsort(g->links + lo, hi - lo, sizeof *g->links, cmp_link);
        g->link0[i] = w;
        for (size_t k = lo; k < hi; k++) {
            if (w > g->link0[i] && g->links[w - 1].j == g->links[k].j)
                g->links[w - 1].v += g->links[k].v;
            else
                g->links[w++] = g->links[k];
        }
    }
    g->link0[n] = w;
    free(fill);
}

/* Links between the space's concepts: for each edge (src, dst) whose ends
 * are concepts, keep(edge) says whether and with which value; the value
 * goes to both (i, j) and (j, i); pairs met twice are summed (in edge
 * order, i.e. m(i->j) + m(j->i) for the smaller id first). */
static void gather_links(GalInput *g, const Space *s, const Net *net, const NetOutputs *o, bool assoc)
{
    size_t n = s->n;
    /* concepts by id: first[id] and a chain, since an id may be listed twice */
    int64_t *first = xmalloc(((size_t)net->id_counter + 1) * sizeof *first);
    int64_t *next = xmalloc((n + 1) * sizeof *next);
    for (int64_t i = 0; i <= net->id_counter; i++)
        first[i] = -1;
    for (size_t i = n; i-- > 0;) {
        next[i] = first[s->ids[i]];
        first[s->ids[i]] = (int64_t)i;
    }
    size_t cap = 16, nl = 0;
    Link *tmp = xmalloc(cap * sizeof *tmp);
    size_t *from = xmalloc(cap * sizeof *from);
    for (size_t e = 0; e < o->nedges; e++) {
        const NetEdge *ed = &o->edges[e];
        if (ed->src < 0 || ed->dst < 0 || ed->src >= net->id_counter || ed->dst >= net->id_counter)
            continue;
        if (assoc && ed->src >= ed->dst)
            continue;   /* the GPU class reads only the (min, max) key */
        double v = assoc ? ed->w : ed->m;
        for (int64_t a = first[ed->src]; a >= 0; a = next[a])
            for (int64_t b = first[ed->dst]; b >= 0; b = next[b]) {
                if (a == b)
                    continue;
                if (nl + 2 > cap) {
                    cap *= 2;
                    tmp = xrealloc(tmp, cap * sizeof *tmp);
                    from = xrealloc(from, cap * sizeof *from);
                }
                from[nl] = (size_t)a;
                tmp[nl++] = (Link){ (size_t)b, v };
                from[nl] = (size_t)b;
                tmp[nl++] = (Link){ (size_t)a, v };
            }
    }
    bucket_links(g, n, from, tmp, nl);
    free(tmp);
    free(from);
    free(first);
    free(next);
}

static void check_finite(const Net *net, const NetOutputs *o)
{
    for (size_t e = 0; e < o->nedges; e++)
        if (!isfinite(o->edges[e].w) || !isfinite(o->edges[e].m))
            die("connection %lld -> %lld has weight %g and mass %g: the network is corrupt",
                (long long)o->edges[e].src, (long long)o->edges[e].dst, o->edges[e].w, o->edges[e].m);
    for (int32_t q = 0; q < net->nslots; q++)
        if (net->id[q] >= 0 && o->has_act[q] && !isfinite(o->act[q]))
            die("neuron %lld (%s) has activation %g: the network is corrupt", (long long)net->id[q],
                net->word[q] ? net->word[q] : "?", o->act[q]);
}

/* ---- matrix rows ------------------------------------------------------------ */

/* Rows r0 .. r0 + nr - 1 of the space's matrix into rows (nr, n). */
static void build_rows(const GalInput *g, GalileoMethod m, size_t r0, size_t nr, double *rows)
{
    size_t n = g->n;
    for (size_t r = r0; r < r0 + nr; r++) {
        double *row = rows + (r - r0) * n;
        if (m == GAL_ASSOC) {
            double ar = g->act[r];
            for (size_t j = 0; j < n; j++)
                row[j] = gal.activation_coupling * (ar * g->act[j]);
            for (size_t k = g->link0[r]; k < g->link0[r + 1]; k++)
                row[g->links[k].j] = g->links[k].v + gal.activation_coupling * (ar * g->act[g->links[k].j]);
            row[r] = gal.assoc_diagonal;
        } else {
            /* D² = (max S - S)², D²_ii = max(S)² (reference) or 0 (fixed);
             * B_ij = -½ (D²_ij - mean_i - mean_j + grand mean) */
            double smax2 = g->s_max * g->s_max;
            for (size_t j = 0; j < n; j++)
                row[j] = smax2;
            for (size_t k = g->link0[r]; k < g->link0[r + 1]; k++) {
                double d = g->s_max - g->links[k].v;
                row[g->links[k].j] = d * d;
            }
            row[r] = g->fixed ? 0.0 : smax2;
            for (size_t j = 0; j < n; j++)
                row[j] = -0.5 * (row[j] - g->d2_mean[r] - g->d2_mean[j] + g->d2_grand);
        }
    }
}

/* build_rows on this rank's CUDA device (cuda/eigen_cuda.cu): the same
 * operations in the same order, so the same doubles. */
static void build_rows_gpu(const GalInput *g, GalileoMethod m, size_t r0, size_t nr, double *rows)
{
    size_t n = g->n, k0 = g->link0[r0], nl = g->link0[r0 + nr] - k0;
    if (n > INT_MAX)
        die("galileo --eigen cusolver: %zu concepts, over cuSOLVER's %d", n, INT_MAX);
    int64_t *link0 = xmalloc((nr + 1) * sizeof *link0);
    int32_t *lj = xmalloc((nl + 1) * sizeof *lj);
    double *lv = xmalloc((nl + 1) * sizeof *lv);
    for (size_t i = 0; i <= nr; i++)
        link0[i] = (int64_t)(g->link0[r0 + i] - k0);
    for (size_t k = 0; k < nl; k++) {
        lj[k] = (int32_t)g->links[k0 + k].j;
        lv[k] = g->links[k0 + k].v;
    }
    bool torgerson = m != GAL_ASSOC;
    CudaSpaceIn in = {
        .n = (int)n, .torgerson = torgerson, .act = g->act, .coupling = gal.activation_coupling,
        .diag = torgerson ? (g->fixed ? 0.0 : g->s_max * g->s_max) : gal.assoc_diagonal,
        .s_max = g->s_max, .d2_mean = g->d2_mean, .d2_grand = g->d2_grand,
    };
    int rc = cuda_space_rows(&in, (int)r0, (int)nr, link0, lj, lv, rows);
    free(link0);
    free(lj);
    free(lv);
    if (rc != 0)
        die("galileo --eigen cusolver: the CUDA device is no longer usable");
}

/* ---- matrix-free products (eigen_lanczos) --------------------------------------- */

/* A·x without A (§12.1): 1 on the diagonal, the links' w, and 0.1·a_i·a_j
 * off the diagonal, i.e. 0.1·a·(aᵀx) less its diagonal: O(links + n). */
static void assoc_apply(void *ctx, const double *x, double *y)
{
    const GalInput *g = ctx;
    double ax = 0.0;
    for (size_t i = 0; i < g->n; i++)
        ax += g->act[i] * x[i];
    for (size_t i = 0; i < g->n; i++) {
        double v = x[i] + gal.activation_coupling * (g->act[i] * (ax - g->act[i] * x[i]));
        for (size_t k = g->link0[i]; k < g->link0[i + 1]; k++)
            v += g->links[k].v * x[g->links[k].j];
        y[i] = v;
    }
}

/* B·x without B or D² (§12.2). With M = max(S), D² = M²·11ᵀ + E − f·M²·I,
 * where E_ij = (M − S_ij)² − M² on the links only and f = 1 in the fixed
 * profile (D_ii = 0; the reference keeps D_ii² = M²). H·11ᵀ·H = 0, so
 * B·x = −½·H·(E − f·M²·I)·H·x: two centrings and one pass over the links,
 * O(links + n), nothing of size n². */
static void torgerson_apply(void *ctx, const double *x, double *y)
{
    const GalInput *g = ctx;
    size_t n = g->n;
    double m2 = g->s_max * g->s_max, mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        g->hx[i] = x[i] - mean;
    double ymean = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = g->fixed ? -m2 * g->hx[i] : 0.0;
        for (size_t k = g->link0[i]; k < g->link0[i + 1]; k++) {
            double d = g->s_max - g->links[k].v;
            v += (d * d - m2) * g->hx[g->links[k].j];
        }
        y[i] = v;
        ymean += v;
    }
    ymean /= (double)n;
    for (size_t i = 0; i < n; i++)
        y[i] = -0.5 * (y[i] - ymean);
}

/* The dense path's memory limit in bytes. */
static double dense_limit(const GalileoOpts *opt)
{
    if (opt->max_dense_gb > 0)
        return opt->max_dense_gb * 1e9;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? gal.dense_memory_share * (double)pages * (double)size : 8e9;
}

/* Whether the space of n concepts takes the matrix-free path: --eigen
 * lanczos, or auto from EIGEN_LANCZOS_MIN_N concepts or when the dense
 * matrix would not fit the limit; a dense request that would not fit dies
 * here, before anything of size n² is allocated. */
static bool use_lanczos(size_t n, const GalileoOpts *opt)
{
    double need = gal.dense_copies * (double)sizeof(double) * (double)n * (double)n, limit = dense_limit(opt);
    if (opt->solver == EIGEN_LANCZOS)
        return true;
    if (opt->solver == EIGEN_AUTO && (n >= EIGEN_LANCZOS_MIN_N || need > limit))
        return true;
    if (need > limit)
        die("the dense %zu x %zu decomposition needs %.3g GB, over the %.3g GB limit (--max-dense-gb): "
            "--eigen lanczos (or auto) computes the top eigenpairs without the matrix", n, n, need / 1e9,
            limit / 1e9);
    return false;
}

/* Whether the dense path runs on the GPU: --eigen cusolver, or auto with
 * a usable device from EIGEN_CUSOLVER_MIN_N concepts (0: not measured,
 * never). */
static bool use_cusolver(size_t n, const GalileoOpts *opt)
{
    size_t from = EIGEN_CUSOLVER_MIN_N;
    return opt->solver == EIGEN_CUSOLVER || (opt->solver == EIGEN_AUTO && opt->device && from > 0 && n >= from);
}

/* The matrix, then its decomposition; collective: this rank's row block,
 * decomposed over every rank. Matrix-free (lanczos): the ntop largest and
 * nbottom smallest pairs from the products alone, on every rank alike.
 * cuSOLVER: each rank builds its row block on its GPU; rank 0 gathers the
 * matrix and decomposes it on its GPU (as --eigen lapack on its CPU). */
static void decompose(GalInput *g, Space *s, const GalileoOpts *opt, bool lanczos, size_t ntop, size_t nbottom,
                      EigenOut *eo)
{
    size_t n = g->n, r0 = 0, nr = n;
    double t0 = now_seconds();
    if (lanczos) {
        g->hx = xmalloc((n + 1) * sizeof *g->hx);
        eigen_lanczos(s->method == GAL_ASSOC ? assoc_apply : torgerson_apply, g, n, ntop, nbottom, gal.lanczos_tol,
                      eo);
        free(g->hx);
        g->hx = NULL;
        s->build_seconds = 0.0;
        s->eigen_seconds = now_seconds() - t0;
        s->partial = true;
        s->lanczos_residual = eo->residual;
        s->lanczos_matvecs = eo->matvecs;
        char bottom[64] = "";
        if (nbottom)
            snprintf(bottom, sizeof bottom, " and %zu most negative", nbottom);
        if (comm_rank() == 0)
            fprintf(stderr, "huey: galileo %s: %zu concepts, matrix-free Lanczos: the %zu largest%s of %zu "
                            "eigenvalues only (spectrum partial; residual %.1e of the norm, %zu products)\n",
                    s->method == GAL_ASSOC ? "assoc" : "torgerson", n, ntop, bottom, n, eo->residual,
                    eo->matvecs);
        return;
    }
    if (opt->collective)
        eigen_row_block(n, comm_rank(), comm_size(), &r0, &nr);
    double *rows = xmalloc((nr * n + 1) * sizeof *rows);
    bool gpu = use_cusolver(n, opt);
    if (gpu)
        build_rows_gpu(g, s->method, r0, nr, rows);
    else
        build_rows(g, s->method, r0, nr, rows);
    double t1 = now_seconds();
    if (opt->collective)
        eigen_sym_dist(rows, n, ntop, nbottom, gpu ? EIGEN_CUSOLVER : opt->solver, eo);
    else if (gpu)
        eigen_sym_gpu(rows, n, ntop, nbottom, eo);
    else
        eigen_sym(rows, n, ntop, nbottom, eo);
    free(rows);
    s->build_seconds = t1 - t0;
    s->eigen_seconds = now_seconds() - t1;
}

/* ---- spectrum summary ---------------------------------------------------------- */

static void summarise(Space *s)
{
    size_t n = s->n;
    double tot = 0.0;
    for (int k = 0; k < GAL_DIMS; k++) {
        s->top_eig[k] = (size_t)k < s->n_eig ? s->eig[k] : 0.0;
        if ((size_t)k >= s->n_eig)
            continue;
        if (s->eig[k] > gal.zero_eigenvalue)
            s->signature[0]++;
        else if (s->eig[k] < -gal.zero_eigenvalue)
            s->signature[1]++;
        else
            s->signature[2]++;
    }
    if (s->partial) {   /* the sums need every eigenvalue; the trace is the caller's */
        s->warp = NAN;
        s->variance_3d = NAN;
        return;
    }
    s->n_pos = s->n_neg = s->n_zero = 0;
    s->sum_pos = s->sum_neg = s->trace = 0.0;
    for (size_t k = n; k-- > 0;) {   /* ascending, like eigh's output */
        double l = s->eig[k];
        s->trace += l;
        tot += fabs(l);
        if (l > gal.zero_eigenvalue) {
            s->n_pos++;
            s->sum_pos += l;
        } else if (l < -gal.zero_eigenvalue) {
            s->n_neg++;
            s->sum_neg += l;
        } else {
            s->n_zero++;
        }
    }
    double all = s->sum_pos + s->sum_neg;
    if (!s->n_pos)
        s->warp = 1.0;
    else if (fabs(all) > gal.balanced_warp)
        s->warp = s->sum_pos / all;
    else
        s->warp = INFINITY;
    /* "variance explained": the reference sums |λ| of the first three of
     * eigh's ascending output (the three most negative); fixed: the three
     * largest, as plotted */
    double part = 0.0;
    for (size_t k = 0; k < GAL_DIMS && k < n; k++)
        part += fabs(s->profile == GAL_FIXED ? s->eig[k] : s->eig[n - 1 - k]);
    s->variance_3d = tot > 0 ? part / tot * 100.0 : 0.0;
}

static void assoc_space(Space *s, GalInput *g, const GalileoOpts *opt);
static void torgerson_space(Space *s, GalInput *g, const GalileoOpts *opt);

/* ---- §12.1 --------------------------------------------------------------------- */

Space *space_assoc_net(const Net *net, const NetOutputs *o, const GalileoOpts *opt)
{
    Space *s = space_new(opt);
    s->method = GAL_ASSOC;
    check_finite(net, o);
    size_t n = net->nconcepts;
    space_alloc(s, n);
    int32_t *slot = slots_by_id(net);
    GalInput g = { .n = n, .act = xcalloc(n + 1, sizeof(double)) };
    for (size_t i = 0; i < n; i++) {
        const Concept *c = &net->concepts[i];
        s->labels[i] = xstrdup(c->word);
        s->ids[i] = c->id;
        int32_t q = c->id >= 0 && c->id < net->id_counter ? slot[c->id] : -1;
        s->mass[i] = q >= 0 ? o->mass[q] : 0.0;
        s->speaker[i] = is_speaker_word(net, c->word);
        double a = 0.0;
        if (q >= 0)
            a = o->has_act[q] ? o->act[q] : 0.0;
        else if (!net_dead_entry(net, c->id, &a))
            a = 0.0;
        g.act[i] = a;
    }
    free(slot);
    gather_links(&g, s, net, o, true);
    assoc_space(s, &g, opt);
    return s;
}

/* §12.1 from its input: decomposition, coordinates, summary; frees g. */
static void assoc_space(Space *s, GalInput *g, const GalileoOpts *opt)
{
    size_t n = s->n;
    EigenOut eo;
    size_t k = n >= GAL_DIMS ? GAL_DIMS : 0;
    decompose(g, s, opt, k && use_lanczos(n, opt), k, 0, &eo);
    s->eig = eo.values;
    s->n_eig = eo.nvalues;
    eo.values = NULL;
    s->coords = xcalloc(n * GAL_DIMS + 1, sizeof *s->coords);
    s->vec = xcalloc(n * GAL_DIMS + 1, sizeof *s->vec);
    if (k) {
        /* X = V[:, :3]; X - rowmean - colmean + mean; column k ×√λ_k if λ_k > 0 */
        memcpy(s->vec, eo.top, n * GAL_DIMS * sizeof *s->vec);
        double col[GAL_DIMS] = { 0 }, grand = 0.0;
        for (int c = 0; c < GAL_DIMS; c++) {
            for (size_t i = 0; i < n; i++)
                col[c] += s->vec[c * n + i];
            grand += col[c];
            col[c] /= (double)n;
        }
        grand /= (double)(n * GAL_DIMS);
        for (size_t i = 0; i < n; i++) {
            double row = (s->vec[i] + s->vec[n + i] + s->vec[2 * n + i]) / GAL_DIMS;
            for (int c = 0; c < GAL_DIMS; c++) {
                double x = s->vec[c * n + i] - row - col[c] + grand;
                if (s->eig[c] > 0)
                    x *= sqrt(fabs(s->eig[c]));
                s->coords[i * GAL_DIMS + c] = x;
            }
        }
    }
    eigen_free(&eo);
    free(g->act);
    free(g->link0);
    free(g->links);
    summarise(s);
    if (s->partial)
        s->trace = (double)n;   /* A_ii = 1 */
}

/* ---- §12.2 --------------------------------------------------------------------- */

typedef struct Cand {
    size_t order;            /* place in the page's list (speaker entries, then
                                word_to_neuron): the stable sort's tie-break */
    int32_t slot;
    double mass;
    int64_t speaker;         /* a speaker's self-concept entry: its index; -1: a neuron */
} Cand;

static int cmp_cand(const void *a, const void *b)
{
    const Cand *x = a, *y = b;
    if (x->mass != y->mass)
        return x->mass > y->mass ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static bool in_list(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(w, *list))
            return true;
    return false;
}

/* The torgerson concept list into s (the page's concept collection, §12.2).
 * Plain-text mode (one speaker, named "text" in any case) has its own
 * artifact list and no speaker entries. Otherwise, in the reference
 * profile, every speaker whose self-concept mass (sc, §13) is > 0 and
 * whose name, lower-cased, is a living word comes first as
 * `Speaker_<name>` with that mass and that word's id, min_mass or not;
 * the speaker's neuron can then be listed twice (fixed: once, as its
 * word). Then every living neuron but the artifacts with concept mass >=
 * min_mass, in word_to_neuron order. All by mass descending (stable), the
 * first num_concepts. With fewer than min_n of them (too_few), or none
 * with mass > 0 (no_mass), s->error says so and s stays empty. */
static void select_torgerson(Space *s, const Net *net, const NetOutputs *o, const SelfConcept *sc,
                             const GalileoOpts *opt, size_t min_n, const char *too_few, const char *no_mass)
{
    check_finite(net, o);
    bool plain = net->nspeakers == 1 && !strcmp(net->speakers[0].word, plain_speaker);
    Cand *cand = xmalloc(((size_t)net->nliving + net->nspeakers + 1) * sizeof *cand);
    size_t nc = 0, order = 0;
    for (size_t k = 0; k < net->nspeakers && !plain && opt->profile == GAL_REFERENCE; k++, order++) {
        int32_t q = net_slot_of_word(net, net->speakers[k].word);
        if (sc[k].mass > 0 && q >= 0)
            cand[nc++] = (Cand){ order, q, sc[k].mass, (int64_t)k };
    }
    const char *const *skip = plain ? plain_artifacts : artifacts;
    for (int32_t q = net->w2n_head; q >= 0; q = net->w2n_next[q], order++) {
        double m;
        if (!net_mass_in_order(net, q, &m))
            m = o->mass[q];
        if (!in_list(net->word[q], skip) && m >= opt->min_mass)
            cand[nc++] = (Cand){ order, q, m, -1 };
    }
    qsort(cand, nc, sizeof *cand, cmp_cand);
    size_t n = nc < opt->num_concepts ? nc : opt->num_concepts;
    s->n_selected = n;
    bool any_mass = false;
    for (size_t i = 0; i < n; i++)
        any_mass |= cand[i].mass > 0;
    if (n < min_n || !any_mass) {
        s->error = n < min_n ? too_few : no_mass;
        free(cand);
        return;
    }
    space_alloc(s, n);
    for (size_t i = 0; i < n; i++) {
        int32_t q = cand[i].slot;
        if (cand[i].speaker >= 0) {
            const char *name = net->speakers[cand[i].speaker].name;
            size_t len = sizeof speaker_label + strlen(name);
            s->labels[i] = xmalloc(len);
            snprintf(s->labels[i], len, "%s%s", speaker_label, name);
            s->speaker[i] = true;
        } else {
            s->labels[i] = xstrdup(net->word[q]);
            s->speaker[i] = is_speaker_word(net, net->word[q]);
        }
        s->ids[i] = net->id[q];
        s->mass[i] = cand[i].mass;
    }
    free(cand);
}

struct SpaceJob {
    Space *s;                /* the concepts chosen (or the error) */
    GalInput g;              /* their links */
    GalileoOpts opt;
};

SpaceJob *space_torgerson_take(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt)
{
    SpaceJob *j = xcalloc(1, sizeof *j);
    j->opt = *opt;
    j->s = space_new(opt);
    j->s->method = GAL_TORGERSON;
    select_torgerson(j->s, net, o, sc, opt, GAL_DIMS, "fewer than 3 concepts: no 3-D space",
                     "no selected concept has mass > 0 (nothing learnt): no space");
    if (!j->s->error) {
        j->g.n = j->s->n;
        gather_links(&j->g, j->s, net, o, false);
    }
    return j;
}

Space *space_torgerson_solve(SpaceJob *j)
{
    Space *s = j->s;
    if (!s->error)
        torgerson_space(s, &j->g, &j->opt);
    free(j);
    return s;
}

void space_job_free(SpaceJob *j)
{
    if (!j)
        return;
    if (!j->s->error) {
        free(j->g.link0);
        free(j->g.links);
    }
    space_free(j->s);
    free(j);
}

Space *space_torgerson_net(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt)
{
    return space_torgerson_solve(space_torgerson_take(net, o, sc, opt));
}

Space *space_similarity(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt,
                        double **S)
{
    Space *s = space_new(opt);
    s->method = GAL_TORGERSON;
    *S = NULL;
    select_torgerson(s, net, o, sc, opt, 2, "fewer than 2 concepts: nothing to cluster",
                     "no selected concept has mass > 0 (nothing learnt): nothing to cluster");
    if (s->error)
        return s;
    size_t n = s->n;
    /* S and the clustering's own table: two n x n arrays */
    double need = 2.0 * sizeof(double) * (double)n * (double)n, limit = dense_limit(opt);
    if (need > limit)
        die("clustering %zu concepts needs %.3g GB (two %zu x %zu tables), over the %.3g GB limit "
            "(--max-dense-gb): choose fewer with --concepts", n, need / 1e9, n, n, limit / 1e9);
    GalInput g = { .n = n };
    gather_links(&g, s, net, o, false);
    double *m = xcalloc(n * n, sizeof *m);
    for (size_t i = 0; i < n; i++)
        for (size_t k = g.link0[i]; k < g.link0[i + 1]; k++)
            m[i * n + g.links[k].j] = g.links[k].v;
    free(g.link0);
    free(g.links);
    *S = m;
    return s;
}

/* §12.2 from the chosen concepts and their S links: D², B, decomposition,
 * positions, blocks, summary; frees g. */
static void torgerson_space(Space *s, GalInput *g, const GalileoOpts *opt)
{
    size_t n = s->n;
    g->fixed = opt->profile == GAL_FIXED;
    /* max(S) over the whole matrix (its diagonal is 0), then D²'s row means
     * from the sparse S: Σ_j (M - S_ij)² = (n - 1)·M² + Σ_links ((M - S)² - M²) + D²_ii */
    double smax = 0.0;
    for (size_t k = 0; k < g->link0[n]; k++)
        smax = g->links[k].v > smax ? g->links[k].v : smax;
    g->s_max = smax > 0 ? smax : 1.0;
    double m2 = g->s_max * g->s_max;
    g->d2_mean = xmalloc((n + 1) * sizeof *g->d2_mean);
    for (size_t i = 0; i < n; i++) {
        double sum = (double)(n - 1) * m2 + (g->fixed ? 0.0 : m2);
        for (size_t k = g->link0[i]; k < g->link0[i + 1]; k++) {
            double d = g->s_max - g->links[k].v;
            sum += d * d - m2;
        }
        g->d2_mean[i] = sum / (double)n;
    }
    g->d2_grand = 0.0;
    for (size_t i = 0; i < n; i++)
        g->d2_grand += g->d2_mean[i];
    g->d2_grand /= (double)n;

    /* vectors: every one, or the top max_dims (at least 3) and the bottom
     * max_dims; matrix-free, the top and bottom max_dims (3 without --dims) */
    bool lanczos = use_lanczos(n, opt);
    size_t ntop = n, nbottom = 0;
    if ((opt->max_dims && opt->max_dims < n) || lanczos) {
        size_t dims = opt->max_dims ? opt->max_dims : GAL_DIMS;
        ntop = dims > GAL_DIMS ? dims : GAL_DIMS;
        ntop = ntop < n ? ntop : n;
        nbottom = dims < n - ntop ? dims : n - ntop;
    }
    EigenOut eo;
    decompose(g, s, opt, lanczos, ntop, nbottom, &eo);
    s->eig = eo.values;
    s->n_eig = eo.partial ? ntop : eo.nvalues;
    if (eo.partial) {
        s->n_eig_bottom = nbottom;
        s->eig_bottom = xmalloc((nbottom + 1) * sizeof *s->eig_bottom);
        memcpy(s->eig_bottom, eo.values + ntop, nbottom * sizeof *s->eig_bottom);
    }
    eo.values = NULL;
    summarise(s);
    if (s->partial)   /* trace(H·X·H) = Σ X_ii − Σ X_ij / n, X = D² */
        s->trace = -0.5 * (double)n * ((g->fixed ? 0.0 : m2) - g->d2_grand);

    s->coords = xcalloc(n * GAL_DIMS + 1, sizeof *s->coords);
    s->vec = xcalloc(n * GAL_DIMS + 1, sizeof *s->vec);
    memcpy(s->vec, eo.top, n * GAL_DIMS * sizeof *s->vec);
    for (int c = 0; c < GAL_DIMS; c++) {
        double l = s->eig[c];
        double scale = fabs(l) > gal.flat_eigenvalue ? sqrt(fabs(l)) : gal.flat_scale;
        for (size_t i = 0; i < n; i++)
            s->coords[i * GAL_DIMS + c] = s->vec[c * n + i] * scale * gal.position_scale;
    }
    /* real block: the positive λ among the top vectors; imaginary: the
     * negative ones, most negative first (the bottom vectors, or the top
     * vectors from the end when every vector was computed) */
    size_t nr = 0, ni = 0;
    while (nr < ntop && s->eig[nr] > gal.zero_eigenvalue && (!opt->max_dims || nr < opt->max_dims))
        nr++;
    const double *neg = nbottom ? eo.bottom : NULL;
    size_t nneg_avail = nbottom;
    if (!nbottom && ntop == n)
        nneg_avail = n;
#define BOTTOM_EIG(c) (s->partial ? s->eig_bottom[c] : s->eig[n - 1 - (c)])
    while (ni < nneg_avail && BOTTOM_EIG(ni) < -gal.zero_eigenvalue && (!opt->max_dims || ni < opt->max_dims))
        ni++;
    s->n_real = nr;
    s->n_imag = ni;
    s->real = xcalloc(n * nr + 1, sizeof *s->real);
    s->imag = xcalloc(n * ni + 1, sizeof *s->imag);
    for (size_t c = 0; c < nr; c++) {
        double sc = sqrt(s->eig[c]);
        for (size_t i = 0; i < n; i++)
            s->real[i * nr + c] = eo.top[c * n + i] * sc;
    }
    for (size_t c = 0; c < ni; c++) {
        double sc = sqrt(-BOTTOM_EIG(c));
        const double *v = neg ? neg + c * n : eo.top + (n - 1 - c) * n;
        for (size_t i = 0; i < n; i++)
            s->imag[i * ni + c] = v[i] * sc;
    }
#undef BOTTOM_EIG
    eigen_free(&eo);
    free(g->link0);
    free(g->links);
    free(g->d2_mean);
}

/* ---- generated networks (benchmarks) ---------------------------------------------------- */

Space *space_generated(size_t n, size_t links_per_concept, uint64_t seed, const GalileoOpts *opt)
{
    Space *s = space_new(opt);
    space_alloc(s, n);
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
#define NEXT_UNIFORM() ((x = hash_u64(x + 0x9e3779b97f4a7c15ULL)) >> 11) * 0x1.0p-53
    GalInput g = { .n = n, .act = xcalloc(n + 1, sizeof(double)) };
    char name[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "c%zu", i);
        s->labels[i] = xstrdup(name);
        s->ids[i] = (int64_t)i;
        g.act[i] = NEXT_UNIFORM();
    }
    size_t nl = 0, cap = 2 * n * links_per_concept + 1;
    size_t *from = xmalloc(cap * sizeof *from);
    Link *tmp = xmalloc(cap * sizeof *tmp);
    for (size_t i = 0; i < n && n > 1; i++)
        for (size_t k = 0; k < links_per_concept; k++) {
            size_t j = (size_t)(NEXT_UNIFORM() * (double)n);
            if (j == i || j >= n)
                continue;
            double v = NEXT_UNIFORM() * (opt->method == GAL_ASSOC ? 1.0 : 10.0);
            s->mass[i] += v;
            s->mass[j] += v;
            from[nl] = i;
            tmp[nl++] = (Link){ j, v };
            from[nl] = j;
            tmp[nl++] = (Link){ i, v };
        }
#undef NEXT_UNIFORM
    bucket_links(&g, n, from, tmp, nl);
    free(from);
    free(tmp);
    if (opt->method == GAL_ASSOC) {
        assoc_space(s, &g, opt);
    } else {
        free(g.act);
        torgerson_space(s, &g, opt);
    }
    return s;
}

Space *space_make(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt)
{
    return opt->method == GAL_ASSOC ? space_assoc_net(net, o, opt) : space_torgerson_net(net, o, sc, opt);
}

void space_free(Space *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->labels[i]);
    free(s->labels);
    free(s->ids);
    free(s->mass);
    free(s->speaker);
    free(s->eig);
    free(s->eig_bottom);
    free(s->coords);
    free(s->vec);
    free(s->real);
    free(s->imag);
    free(s);
}

/* ---- outputs ------------------------------------------------------------------------ */

static const char *method_name(GalileoMethod m) { return m == GAL_ASSOC ? "assoc" : "torgerson"; }
static const char *profile_name(GalileoProfile p) { return p == GAL_FIXED ? "fixed" : "reference"; }

static void json_doubles(JsonWriter *j, const double *v, size_t n)
{
    json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        json_double(j, v[i]);
    json_end_array(j);
}

static void json_rows3(JsonWriter *j, const double *v, size_t n)
{
    json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        json_doubles(j, v + i * GAL_DIMS, GAL_DIMS);
    json_end_array(j);
}

static void json_summary(JsonWriter *j, const Space *s)
{
    json_begin_object(j);
    json_key(j, "n"); json_uint(j, s->n);
    if (s->partial) {   /* only what the computed ends of the spectrum tell */
        json_key(j, "spectrum"); json_string(j, "partial");
        json_key(j, "n_computed"); json_uint(j, s->n_eig + s->n_eig_bottom);
        json_key(j, "trace"); json_double(j, s->trace);
        json_end_object(j);
        return;
    }
    json_key(j, "n_positive"); json_uint(j, s->n_pos);
    json_key(j, "n_negative"); json_uint(j, s->n_neg);
    json_key(j, "n_zero"); json_uint(j, s->n_zero);
    json_key(j, "sum_positive"); json_double(j, s->sum_pos);
    json_key(j, "sum_negative"); json_double(j, s->sum_neg);
    json_key(j, "trace"); json_double(j, s->trace);
    json_key(j, "warp_factor"); json_double(j, s->warp);
    json_end_object(j);
}

void space_json(const Space *s, JsonWriter *j)
{
    json_begin_object(j);
    if (s->method == GAL_ASSOC) {
        json_key(j, "doc");
        json_string(j, "HueyGPUConversationalNetwork.calculate_association_matrix + get_3d_coordinates "
                       "(A_ii=1, A_ij=w[(min,max)]+0.1*a_i*a_j, eigh of A, no Torgerson)");
        json_key(j, "labels");
        json_begin_array(j);
        for (size_t i = 0; i < s->n; i++)
            json_string(j, s->labels[i]);
        json_end_array(j);
        json_key(j, "label_ids");
        json_begin_array(j);
        for (size_t i = 0; i < s->n; i++)
            json_int(j, s->ids[i]);
        json_end_array(j);
        json_key(j, "eigenvalues_desc"); json_doubles(j, s->eig, s->n_eig);
        json_key(j, "eigen_summary"); json_summary(j, s);
        json_key(j, "coordinates"); json_rows3(j, s->coords, s->n);
        json_key(j, "matrix_size"); json_uint(j, s->n);
    } else {
        json_key(j, "source_file"); json_string(j, "huey_plusplus_web_interface.py");
        json_key(j, "num_concepts"); json_uint(j, s->num_concepts);
        json_key(j, "min_mass"); json_double(j, s->min_mass);
        if (s->error) {
            json_key(j, "error"); json_string(j, s->error);
        } else {
            json_key(j, "concept_ids");
            json_begin_array(j);
            for (size_t i = 0; i < s->n; i++)
                json_int(j, s->ids[i]);
            json_end_array(j);
            json_key(j, "concept_words");
            json_begin_array(j);
            for (size_t i = 0; i < s->n; i++)
                json_string(j, s->labels[i]);
            json_end_array(j);
            json_key(j, "positions"); json_rows3(j, s->coords, s->n);
            json_key(j, "selected_eigenvalues"); json_doubles(j, s->top_eig, GAL_DIMS);
            json_key(j, "metric_signature_top3");
            json_begin_array(j);
            for (int k = 0; k < 3; k++)
                json_int(j, s->signature[k]);
            json_end_array(j);
            if (!s->partial) {
                json_key(j, "warp_factor"); json_double(j, s->warp);
            }
            json_key(j, "eigenvalues_desc"); json_doubles(j, s->eig, s->n_eig);
            if (s->partial) {
                json_key(j, "eigenvalues_most_negative"); json_doubles(j, s->eig_bottom, s->n_eig_bottom);
            }
            json_key(j, "eigen_summary"); json_summary(j, s);
            json_key(j, "eigh_seconds"); json_double(j, s->eigen_seconds);
            json_key(j, "matrix_size"); json_uint(j, s->n);
            if (!s->partial) {
                json_key(j, "variance_explained_3d"); json_double(j, s->variance_3d);
            }
        }
    }
    json_key(j, "method"); json_string(j, method_name(s->method));
    json_key(j, "profile"); json_string(j, profile_name(s->profile));
    if (!s->error) {
        /* partial: eigenvalues_desc holds the largest eigenvalues only */
        json_key(j, "spectrum"); json_string(j, s->partial ? "partial" : "full");
    }
    if (s->partial) {
        json_key(j, "lanczos");
        json_begin_object(j);
        json_key(j, "tolerance"); json_double(j, gal.lanczos_tol);
        json_key(j, "residual"); json_double(j, s->lanczos_residual);
        json_key(j, "products"); json_uint(j, s->lanczos_matvecs);
        json_end_object(j);
    }
    if (s->method == GAL_TORGERSON && s->profile == GAL_FIXED) {
        json_key(j, "fixes");
        json_begin_array(j);
        json_string(j, "D_ii = 0 (the reference sets D_ii = max(S))");
        json_string(j, "variance explained from the three largest eigenvalues (the reference: the three "
                       "smallest of the unsorted eigh output)");
        json_string(j, "each neuron listed once (the reference adds a Speaker_<name> entry, with the self-concept "
                       "mass and the speaker's neuron id, for every speaker with self-concept mass > 0)");
        json_end_array(j);
    }
    if (!s->error && s->n >= GAL_DIMS) {
        /* the raw vectors (signs fixed) that the coordinates come from */
        json_key(j, "eigenvectors_top3");
        json_begin_array(j);
        for (size_t i = 0; i < s->n; i++) {
            double v[GAL_DIMS] = { s->vec[i], s->vec[s->n + i], s->vec[2 * s->n + i] };
            json_doubles(j, v, GAL_DIMS);
        }
        json_end_array(j);
    }
    json_key(j, "build_seconds"); json_double(j, s->build_seconds);
    json_key(j, "eigen_seconds"); json_double(j, s->eigen_seconds);
    json_end_object(j);
}

static void csv_label(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_double(FILE *f, double v)
{
    char b[40];
    fmt_double(b, v);
    fputc(',', f);
    fputs(b, f);
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write %s: %s", path, strerror(errno));
    return f;
}

static void close_file(FILE *f, const char *path)
{
    if (fclose(f) != 0)
        die("error writing %s: %s", path, strerror(errno));
}

/* The points of a space's pictures; labels stay the space's. */
static PlotPoint *plot_points(const Space *s)
{
    PlotPoint *pt = xmalloc((s->n + 1) * sizeof *pt);
    for (size_t i = 0; i < s->n; i++)
        pt[i] = (PlotPoint){ s->labels[i], s->coords[i * GAL_DIMS], s->coords[i * GAL_DIMS + 1],
                             s->coords[i * GAL_DIMS + 2], s->mass[i], s->speaker[i] };
    return pt;
}

static void plot_title(const Space *s, char *title, size_t cap)
{
    snprintf(title, cap, "huey %s space: %zu concepts (%s profile)", method_name(s->method), s->n,
             profile_name(s->profile));
}

void space_html(const Space *s, FILE *f, double reload_seconds)
{
    char title[200], sig[128];
    plot_title(s, title, sizeof title);
    if (s->partial)
        snprintf(sig, sizeof sig, "partial spectrum: top %zu of %zu eigenvalues (Lanczos)", s->n_eig, s->n);
    else
        snprintf(sig, sizeof sig, "(%zu, %zu, %zu) positive, negative, zero eigenvalues", s->n_pos, s->n_neg,
                 s->n_zero);
    PlotPoint *pt = plot_points(s);
    html_space(f, pt, s->n, title, sig, s->warp, reload_seconds);
    free(pt);
}

void space_map(const Space *s, int ax, int ay, FILE *f)
{
    char title[200], sub[320];
    plot_title(s, title, sizeof title);
    snprintf(sub, sizeof sub, "%s: dimensions %d and %d", title, ax + 1, ay + 1);
    PlotPoint *pt = plot_points(s);
    svg_map(f, pt, s->n, ax, ay, sub);
    free(pt);
}

/* The pictures (plot.h): scree.svg (every eigenvalue), map-12.svg and
 * map-13.svg (the coordinates on dimensions 1-2 and 1-3), space.html (the
 * 3-D view with the signature and warp factor). */
static void write_plots(const Space *s, const char *dir)
{
    char title[200], sub[320], path[4096];
    plot_title(s, title, sizeof title);
    FILE *f = open_in(dir, "scree.svg", path, sizeof path);
    snprintf(sub, sizeof sub, "%s: eigenvalues", title);
    svg_scree(f, s->eig, s->n_eig, sub);
    close_file(f, path);
    static const struct { const char *file; int ax, ay; } maps[] = { { "map-12.svg", 0, 1 }, { "map-13.svg", 0, 2 } };
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        f = open_in(dir, maps[k].file, path, sizeof path);
        space_map(s, maps[k].ax, maps[k].ay, f);
        close_file(f, path);
    }
    f = open_in(dir, "space.html", path, sizeof path);
    space_html(s, f, 0);
    close_file(f, path);
}

void space_write_dir(const Space *s, const char *dir)
{
    int err = make_dirs(dir);
    if (err)
        die("cannot create directory %s: %s", dir, strerror(err));
    char path[4096];
    FILE *f = open_in(dir, "space.json", path, sizeof path);
    JsonWriter j;
    json_init(&j, f);
    space_json(s, &j);
    close_file(f, path);
    if (s->error)
        return;

    f = open_in(dir, "coords.csv", path, sizeof path);
    size_t nr = s->method == GAL_ASSOC ? GAL_DIMS : s->n_real, ni = s->method == GAL_ASSOC ? 0 : s->n_imag;
    fputs("label,mass", f);
    for (size_t c = 0; c < nr; c++)
        fprintf(f, ",r%zu", c + 1);
    for (size_t c = 0; c < ni; c++)
        fprintf(f, ",i%zu", c + 1);
    fputc('\n', f);
    for (size_t i = 0; i < s->n; i++) {
        csv_label(f, s->labels[i]);
        csv_double(f, s->mass[i]);
        for (size_t c = 0; c < nr; c++)
            csv_double(f, s->method == GAL_ASSOC ? s->coords[i * GAL_DIMS + c] : s->real[i * nr + c]);
        for (size_t c = 0; c < ni; c++)
            csv_double(f, s->imag[i * ni + c]);
        fputc('\n', f);
    }
    close_file(f, path);

    f = open_in(dir, "eigenvalues.csv", path, sizeof path);
    fputs("rank,eigenvalue\n", f);   /* partial: the computed ranks only, the top ones then the bottom ones */
    for (size_t k = 0; k < s->n_eig; k++) {
        fprintf(f, "%zu", k + 1);
        csv_double(f, s->eig[k]);
        fputc('\n', f);
    }
    for (size_t c = s->n_eig_bottom; c-- > 0;) {
        fprintf(f, "%zu", s->n - c);
        csv_double(f, s->eig_bottom[c]);
        fputc('\n', f);
    }
    close_file(f, path);
    write_plots(s, dir);
}

/* What a space's one-line report says of its spectrum. */
static void spectrum_words(const Space *s, char *buf, size_t cap)
{
    if (s->partial)
        snprintf(buf, cap, "partial spectrum, top eigenvalues %.6g, %.6g, %.6g", s->top_eig[0], s->top_eig[1],
                 s->top_eig[2]);
    else
        snprintf(buf, cap, "signature (%zu, %zu, %zu), warp factor %.6g", s->n_pos, s->n_neg, s->n_zero, s->warp);
}

/* ---- huey run --galileo DIR ------------------------------------------------------------ */

void galileo_run_spaces(const Net *net, const NetOutputs *o, const SelfConcept *sc, const char *dir,
                        Space *spaces[2])
{
    int err = make_dirs(dir);
    if (err)
        die("cannot create directory %s: %s", dir, strerror(err));
    GalileoOpts opt;
    galileo_opts_default(&opt);
    for (int k = 0; k < 2; k++) {
        opt.method = k == 0 ? GAL_ASSOC : GAL_TORGERSON;
        Space *s = spaces[k] = space_make(net, o, sc, &opt);
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, method_name(s->method));
        space_write_dir(s, sub);
        char words[200];
        spectrum_words(s, words, sizeof words);
        if (s->error)
            warn("galileo %s: %s", method_name(s->method), s->error);
        else
            fprintf(stderr, "huey: galileo %s: %zu concepts, %s, matrix %.3f s, eigen %.3f s -> %s\n",
                    method_name(s->method), s->n, words, s->build_seconds, s->eigen_seconds, sub);
    }
}

void galileo_json_keys(JsonWriter *j, void *ctx)
{
    Space **spaces = ctx;
    json_key(j, "gpu_class_galileo");
    space_json(spaces[0], j);
    json_key(j, "web_torgerson_galileo");
    space_json(spaces[1], j);
}

/* ---- huey galileo --------------------------------------------------------------------- */

static const char galileo_usage[] = "usage: huey galileo FILE.h5|--generated N --method assoc|torgerson "
                                    "[--concepts 50] [--min-mass 0] [--profile reference|fixed] [--dims K] [--out DIR] "
                                    "[--eigen auto|lapack|scalapack|lanczos|cusolver] [--max-dense-gb X]";
/* --generated N: links per concept (C ≈ 3–10·N in learnt networks) and seed */
enum { GENERATED_LINKS = 8, GENERATED_SEED = 1 };

double galileo_parse_number(const char *v, const char *opt, bool integer)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(x) || x < 0 || (integer && (x < 1 || x != floor(x))))
        die_usage("option %s: expected a %s, got '%s'", opt,
                  integer ? "positive integer" : "non-negative number", v);
    return x;
}

bool galileo_take_opt(GalileoOpts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc)
        return false;
    if (!strcmp(a, "--concepts"))
        o->num_concepts = (size_t)galileo_parse_number(argv[++*i], a, true);
    else if (!strcmp(a, "--min-mass"))
        o->min_mass = galileo_parse_number(argv[++*i], a, false);
    else if (!strcmp(a, "--max-dense-gb")) {
        o->max_dense_gb = galileo_parse_number(argv[++*i], a, false);
        if (!(o->max_dense_gb > 0))
            die_usage("option --max-dense-gb: expected a positive number of GB, got '%s'", argv[*i]);
    } else if (!strcmp(a, "--profile")) {
        const char *p = argv[++*i];
        if (!strcmp(p, "reference"))
            o->profile = GAL_REFERENCE;
        else if (!strcmp(p, "fixed"))
            o->profile = GAL_FIXED;
        else
            die_usage("option --profile: expected reference or fixed, got '%s'", p);
    } else
        return false;
    return true;
}

/* Every rank looks for its CUDA device (local rank mod the node's devices)
 * when the decomposition may use one (--eigen cusolver or auto); rank 0
 * says in one line what the decomposition will do with it. --eigen
 * cusolver dies on a rank without one, before anything is read or
 * written; auto takes the GPU only when every rank has one. */
static void probe_device(GalileoOpts *o)
{
    if (o->solver != EIGEN_CUSOLVER && o->solver != EIGEN_AUTO)
        return;
    double found = 0.0;
    char name[256], why[256];
    int dev;
    if (cuda_probe(comm_local_rank(), &dev, name, sizeof name, why, sizeof why) == 0) {
        if (o->solver == EIGEN_CUSOLVER)
            die("galileo --eigen cusolver: no usable CUDA device: %s", why);
    } else {
        found = 1.0;
        size_t from = EIGEN_CUSOLVER_MIN_N;
        if (comm_rank() == 0) {
            if (o->solver == EIGEN_CUSOLVER)
                fprintf(stderr, "huey: galileo eigen cusolver (--eigen cusolver): device %d, %s\n", dev, name);
            else if (from == 0)
                fprintf(stderr, "huey: galileo eigen on the CPU (auto: CUDA device %d (%s) found, but "
                                "EIGEN_CUSOLVER_MIN_N = 0 (not measured))\n", dev, name);
            else
                fprintf(stderr, "huey: galileo eigen auto: CUDA device %d (%s): cuSOLVER from %zu concepts "
                                "(EIGEN_CUSOLVER_MIN_N)\n", dev, name, from);
        }
    }
    comm_sum(&found, 1);
    o->device = found == comm_size();   /* every rank builds its row block on its device */
}

int cmd_galileo(int argc, char **argv)
{
    GalileoOpts o;
    galileo_opts_default(&o);
    const char *path = NULL, *out = NULL, *method = NULL;
    size_t generated = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (galileo_take_opt(&o, argc, argv, &i)) {
            continue;
        } else if (!strcmp(a, "--method") && has) {
            method = argv[++i];
        } else if (!strcmp(a, "--dims") && has) {
            o.max_dims = (size_t)galileo_parse_number(argv[++i], a, true);
        } else if (!strcmp(a, "--eigen") && has) {
            const char *e = argv[++i];
            if (!strcmp(e, "auto"))
                o.solver = EIGEN_AUTO;
            else if (!strcmp(e, "lapack"))
                o.solver = EIGEN_LAPACK;
            else if (!strcmp(e, "scalapack"))
                o.solver = EIGEN_SCALAPACK;
            else if (!strcmp(e, "lanczos"))
                o.solver = EIGEN_LANCZOS;
            else if (!strcmp(e, "cusolver"))
                o.solver = EIGEN_CUSOLVER;
            else
                die_usage("option --eigen: expected auto, lapack, scalapack, lanczos or cusolver, got '%s'", e);
        } else if (!strcmp(a, "--generated") && has) {
            generated = (size_t)galileo_parse_number(argv[++i], a, true);
        } else if (!strcmp(a, "--out") && has) {
            out = argv[++i];
        } else if (a[0] == '-') {
            die_usage("unknown option or missing value '%s' (%s)", a, galileo_usage);
        } else if (!path) {
            path = a;
        } else {
            die_usage("%s", galileo_usage);
        }
    }
    if ((!path && !generated) || (path && generated) || !method)
        die_usage("%s", galileo_usage);
    require_output_path("--out", out, true);
    if (!strcmp(method, "assoc"))
        o.method = GAL_ASSOC;
    else if (!strcmp(method, "torgerson"))
        o.method = GAL_TORGERSON;
    else
        die_usage("option --method: expected assoc or torgerson, got '%s'", method);

    /* under mpirun every rank loads the checkpoint by itself, then each
     * builds its row block of the matrix and the ranks share the eigen work */
    o.collective = comm_size() > 1;
    probe_device(&o);
    comm_set_local(true);
    GalileoOpts def;
    galileo_opts_default(&def);
    if (o.method == GAL_ASSOC && (o.num_concepts != def.num_concepts || o.min_mass != def.min_mass))
        warn("--concepts and --min-mass do not apply to --method assoc (every concept_neurons entry is placed)");
    Loaded *l = generated ? NULL : offline_load(path);
    comm_set_local(false);
    Space *s = generated ? space_generated(generated, GENERATED_LINKS, GENERATED_SEED, &o)
                         : space_make(l->net, &l->out, l->self, &o);
    if (generated)
        path = "generated network";
    if (!s->error && s->n < GAL_DIMS)
        s->error = "fewer than 3 concepts: no 3-D space";
    if (s->error)
        die("%s: %s (%zu concept%s selected)", path, s->error, s->n_selected, s->n_selected == 1 ? "" : "s");
    if (comm_rank() == 0) {
        if (out) {
            space_write_dir(s, out);
            char words[200];
            spectrum_words(s, words, sizeof words);
            fprintf(stderr, "huey: %s space of %zu concepts: %s; matrix %.3f s, eigen %.3f s; wrote %s\n",
                    method_name(s->method), s->n, words, s->build_seconds, s->eigen_seconds, out);
        } else {
            JsonWriter j;
            json_init(&j, stdout);
            space_json(s, &j);
        }
    }
    space_free(s);
    offline_free(l);
    return 0;
}
