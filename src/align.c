/*
 * align.c — Procrustes alignment by proper rotations of the real and the
 * imaginary block (align.h), and `huey align`.
 *
 * The reference (galileo_pseudoR_align.py) takes R = V·Uᵀ from
 * svd(PᵀQ) = U S Vᵀ and applies P·R; that is the transpose of the
 * least-squares rotation and turns B the wrong way whenever the best
 * rotation is not symmetric. Here R = U·D·Vᵀ, which the unit tests check
 * by recovering known rotations.
 */
#include "align.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "galileo.h"
#include "json.h"
#include "jsonread.h"
#include "offline.h"
#include "strmap.h"
#include "util.h"

enum { JACOBI_SWEEPS = 60 };
static const double EIG_ZERO = 1e-10;   /* |λ| at or below: zero, so a real axis */

/* ---- SVD and Kabsch ------------------------------------------------------- */

double align_det(const double *M, size_t k)
{
    double *a = xmalloc(k * k * sizeof *a);
    memcpy(a, M, k * k * sizeof *a);
    double d = 1;
    for (size_t c = 0; c < k; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < k; r++)
            if (fabs(a[r * k + c]) > fabs(a[piv * k + c]))
                piv = r;
        if (a[piv * k + c] == 0) {
            free(a);
            return 0;
        }
        if (piv != c) {
            for (size_t j = 0; j < k; j++) {
                double t = a[c * k + j];
                a[c * k + j] = a[piv * k + j];
                a[piv * k + j] = t;
            }
            d = -d;
        }
        d *= a[c * k + c];
        for (size_t r = c + 1; r < k; r++) {
            double f = a[r * k + c] / a[c * k + c];
            for (size_t j = c; j < k; j++)
                a[r * k + j] -= f * a[c * k + j];
        }
    }
    free(a);
    return d;
}

/* Replace column j of U (k×k) by a unit vector orthogonal to the columns
 * marked in ok: the standard basis vector that keeps most of its length
 * after projection, orthogonalised twice. */
static void complete_column(double *U, size_t k, size_t j, const bool *ok)
{
    double *v = xmalloc(k * sizeof *v), *best = xmalloc(k * sizeof *best);
    double bestn = -1;
    for (size_t e = 0; e < k; e++) {
        for (size_t i = 0; i < k; i++)
            v[i] = i == e;
        for (int pass = 0; pass < 2; pass++)
            for (size_t c = 0; c < k; c++) {
                if (!ok[c])
                    continue;
                double dot = 0;
                for (size_t i = 0; i < k; i++)
                    dot += U[i * k + c] * v[i];
                for (size_t i = 0; i < k; i++)
                    v[i] -= dot * U[i * k + c];
            }
        double nn = 0;
        for (size_t i = 0; i < k; i++)
            nn += v[i] * v[i];
        if (nn > bestn) {
            bestn = nn;
            memcpy(best, v, k * sizeof *v);
        }
    }
    double nrm = sqrt(bestn);
    for (size_t i = 0; i < k; i++)
        U[i * k + j] = best[i] / nrm;
    free(v);
    free(best);
}

void align_svd(const double *C, size_t k, double *U, double *s, double *V)
{
    /* One-sided Jacobi (Hestenes): rotate column pairs of W = C·V until
     * all are orthogonal; then W = U·diag(s). */
    double *W = xmalloc(k * k * sizeof *W);
    memcpy(W, C, k * k * sizeof *W);
    double *Vw = xcalloc(k * k, sizeof *Vw);
    for (size_t i = 0; i < k; i++)
        Vw[i * k + i] = 1;
    for (int sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
        bool rotated = false;
        for (size_t p = 0; p + 1 < k; p++)
            for (size_t q = p + 1; q < k; q++) {
                double alpha = 0, beta = 0, gamma = 0;
                for (size_t i = 0; i < k; i++) {
                    alpha += W[i * k + p] * W[i * k + p];
                    beta += W[i * k + q] * W[i * k + q];
                    gamma += W[i * k + p] * W[i * k + q];
                }
                if (gamma == 0 || fabs(gamma) <= 1e-15 * sqrt(alpha * beta))
                    continue;
                rotated = true;
                double zeta = (beta - alpha) / (2 * gamma);
                double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1 + zeta * zeta));
                double c = 1 / sqrt(1 + t * t), sn = c * t;
                for (size_t i = 0; i < k; i++) {
                    double wp = W[i * k + p], wq = W[i * k + q];
                    W[i * k + p] = c * wp - sn * wq;
                    W[i * k + q] = sn * wp + c * wq;
                    double vp = Vw[i * k + p], vq = Vw[i * k + q];
                    Vw[i * k + p] = c * vp - sn * vq;
                    Vw[i * k + q] = sn * vp + c * vq;
                }
            }
        if (!rotated)
            break;
    }
    /* singular values, descending (stable: equal ones keep column order) */
    double *sv = xmalloc(k * sizeof *sv);
    size_t *ord = xmalloc(k * sizeof *ord);
    for (size_t j = 0; j < k; j++) {
        double nn = 0;
        for (size_t i = 0; i < k; i++)
            nn += W[i * k + j] * W[i * k + j];
        sv[j] = sqrt(nn);
        ord[j] = j;
    }
    for (size_t a = 1; a < k; a++)
        for (size_t b = a; b > 0 && sv[ord[b]] > sv[ord[b - 1]]; b--) {
            size_t t = ord[b];
            ord[b] = ord[b - 1];
            ord[b - 1] = t;
        }
    bool *ok = xmalloc(k * sizeof *ok);
    double tiny = (k ? sv[ord[0]] : 0) * 1e-13;
    for (size_t j = 0; j < k; j++) {
        size_t o = ord[j];
        s[j] = sv[o];
        ok[j] = sv[o] > tiny && sv[o] > 0;
        for (size_t i = 0; i < k; i++) {
            U[i * k + j] = ok[j] ? W[i * k + o] / sv[o] : 0;
            V[i * k + j] = Vw[i * k + o];
        }
    }
    for (size_t j = 0; j < k; j++)
        if (!ok[j]) {
            complete_column(U, k, j, ok);
            ok[j] = true;
        }
    free(W);
    free(Vw);
    free(sv);
    free(ord);
    free(ok);
}

void align_kabsch(const double *P, const double *Q, size_t m, size_t k, double *R)
{
    double *C = xcalloc(k * k, sizeof *C), *U = xmalloc(k * k * sizeof *U), *V = xmalloc(k * k * sizeof *V);
    double *s = xmalloc(k * sizeof *s);
    for (size_t i = 0; i < m; i++)
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++)
                C[a * k + b] += P[i * k + a] * Q[i * k + b];
    align_svd(C, k, U, s, V);
    /* det(U Vᵀ) = det U · det V = ±1: a reflection is undone on the
     * direction of the smallest singular value, where it costs least */
    double d = align_det(U, k) * align_det(V, k) < 0 ? -1 : 1;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double r = 0;
            for (size_t c = 0; c < k; c++)
                r += U[a * k + c] * (c + 1 == k ? d : 1) * V[b * k + c];
            R[a * k + b] = r;
        }
    free(C);
    free(U);
    free(V);
    free(s);
}

/* ---- block alignment ------------------------------------------------------- */

/* Columns [c0, c0 + k) of a and b: fit a rotation of b's block onto a's
 * on the fitted rows, write b's moved block into out (m, w). */
static void align_block(const double *a, const double *b, size_t m, size_t w, size_t c0, size_t k, const bool *fit,
                        double *R, double *out)
{
    if (!k)
        return;
    double *ma = xcalloc(k, sizeof *ma), *mb = xcalloc(k, sizeof *mb);
    size_t nf = 0;
    for (size_t i = 0; i < m; i++) {
        if (fit && !fit[i])
            continue;
        nf++;
        for (size_t c = 0; c < k; c++) {
            ma[c] += a[i * w + c0 + c];
            mb[c] += b[i * w + c0 + c];
        }
    }
    for (size_t c = 0; c < k; c++) {
        ma[c] /= (double)nf;
        mb[c] /= (double)nf;
    }
    double *P = xmalloc(nf * k * sizeof *P), *Q = xmalloc(nf * k * sizeof *Q);
    size_t r = 0;
    for (size_t i = 0; i < m; i++) {
        if (fit && !fit[i])
            continue;
        for (size_t c = 0; c < k; c++) {
            P[r * k + c] = b[i * w + c0 + c] - mb[c];
            Q[r * k + c] = a[i * w + c0 + c] - ma[c];
        }
        r++;
    }
    align_kabsch(P, Q, nf, k, R);
    for (size_t i = 0; i < m; i++)
        for (size_t c = 0; c < k; c++) {
            double v = 0;
            for (size_t e = 0; e < k; e++)
                v += (b[i * w + c0 + e] - mb[e]) * R[e * k + c];
            out[i * w + c0 + c] = v + ma[c];
        }
    free(ma);
    free(mb);
    free(P);
    free(Q);
}

void align_blocks(const double *a, const double *b, size_t m, size_t p, size_t q, const bool *fit,
                  AlignResult *r)
{
    size_t w = p + q;
    memset(r, 0, sizeof *r);
    r->m = m;
    r->p = p;
    r->q = q;
    for (size_t i = 0; i < m; i++)
        r->nfit += !fit || fit[i];
    check(r->nfit > 0);
    r->rot_real = xmalloc((p * p + 1) * sizeof *r->rot_real);
    r->rot_imag = xmalloc((q * q + 1) * sizeof *r->rot_imag);
    r->b_aligned = xmalloc((m * w + 1) * sizeof *r->b_aligned);
    r->euclid = xmalloc((m + 1) * sizeof *r->euclid);
    r->signed_sq = xmalloc((m + 1) * sizeof *r->signed_sq);
    r->pseudo = xmalloc((m + 1) * sizeof *r->pseudo);
    align_block(a, b, m, w, 0, p, fit, r->rot_real, r->b_aligned);
    align_block(a, b, m, w, p, q, fit, r->rot_imag, r->b_aligned);
    double se = 0, ss = 0, sp = 0;
    for (size_t i = 0; i < m; i++) {
        double er = 0, ei = 0;
        for (size_t c = 0; c < w; c++) {
            double dlt = r->b_aligned[i * w + c] - a[i * w + c];
            *(c < p ? &er : &ei) += dlt * dlt;
        }
        r->euclid[i] = sqrt(er + ei);
        r->signed_sq[i] = er - ei;
        r->pseudo[i] = sqrt(fabs(er - ei));
        if (!fit || fit[i]) {
            se += er + ei;
            ss += r->signed_sq[i];
            sp += r->pseudo[i];
        }
    }
    double nf = (double)r->nfit;
    r->rms = sqrt(se / nf);
    r->mean_signed_sq = ss / nf;
    r->mean_pseudo = sp / nf;
}

void align_result_free(AlignResult *r)
{
    free(r->rot_real);
    free(r->rot_imag);
    free(r->b_aligned);
    free(r->euclid);
    free(r->signed_sq);
    free(r->pseudo);
    memset(r, 0, sizeof *r);
}

/* ---- huey align ------------------------------------------------------------ */

#define ALIGN_USAGE                                                                                  \
    "usage: huey align A B [--object NAME] [--free LABEL,LABEL,...] [--json]\n"                      \
    "                      [--concepts 50] [--min-mass 0] [--profile reference|fixed]\n"          \
    "  A, B: space files (huey galileo's space.json, or a reference output with\n"              \
    "        web_torgerson_galileo / gpu_class_galileo; --object picks one by name), or\n"         \
    "        checkpoints (FILE.h5; --conversation NAME picks a network of a batch file):\n"      \
    "        their torgerson space, as huey galileo --method torgerson writes it, made with\n"    \
    "        --concepts, --min-mass and --profile. A space file and a checkpoint may be mixed.\n"  \
    "  B's real and imaginary blocks are rotated onto A's (proper rotations, fitted on the\n"       \
    "  labels both hold, except the --free ones); residuals per concept and overall.\n"

/* One side: the space and its columns split into real and imaginary
 * (λ < -1e-10, the zero tolerance of §12.2), real first; a column whose
 * eigenvalue the file does not give is real. */
typedef struct Side {
    const char *path;
    SpaceData *s;
    size_t p, q;
    size_t *col;             /* (d) column order: real columns, then imaginary */
    StrMap index;            /* label -> first row */
    size_t *dups;            /* rows whose label came earlier */
    size_t ndups;
    bool checkpoint;         /* the space was made from a checkpoint */
} Side;

static bool is_hdf5(const char *path)
{
    static const unsigned char magic[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
    unsigned char b[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool yes = fread(b, 1, 8, f) == 8 && !memcmp(b, magic, 8);
    fclose(f);
    return yes;
}

/* A checkpoint's torgerson space in the form space_read_json gives a
 * space.json: its positions (n, 3) and the eigenvalue of each column. */
static SpaceData *space_from_checkpoint(const char *path, const GalileoOpts *opt)
{
    Loaded *l = offline_load(path);
    Space *sp = space_torgerson(l, opt);
    if (sp->error)
        die("%s: %s", path, sp->error);
    SpaceData *s = xcalloc(1, sizeof *s);
    s->n = sp->n;
    s->d = GAL_DIMS;
    s->label = xmalloc((s->n + 1) * sizeof *s->label);
    s->x = xmalloc((s->n * s->d + 1) * sizeof *s->x);
    s->lambda = xmalloc(s->d * sizeof *s->lambda);
    for (size_t i = 0; i < s->n; i++)
        s->label[i] = xstrdup(sp->labels[i]);
    memcpy(s->x, sp->coords, s->n * s->d * sizeof *s->x);
    memcpy(s->lambda, sp->top_eig, s->d * sizeof *s->lambda);
    char what[160];
    snprintf(what, sizeof what, "torgerson space: --concepts %zu --min-mass %g --profile %s", opt->num_concepts,
             opt->min_mass, opt->profile == GAL_FIXED ? "fixed" : "reference");
    s->object = xstrdup(what);
    space_free(sp);
    offline_free(l);
    return s;
}

static void side_load(Side *sd, const char *path, const char *object, const GalileoOpts *opt)
{
    sd->path = path;
    sd->checkpoint = is_hdf5(path);
    sd->s = sd->checkpoint ? space_from_checkpoint(path, opt) : space_read_json(path, object);
    SpaceData *s = sd->s;
    if (s->d == 0)
        die("%s: %s: the space has no dimensions", path, s->object);
    sd->col = xmalloc(s->d * sizeof *sd->col);
    for (int imag = 0; imag < 2; imag++)
        for (size_t k = 0; k < s->d; k++)
            if ((s->lambda[k] < -EIG_ZERO) == imag) {
                sd->col[sd->p + sd->q] = k;
                *(imag ? &sd->q : &sd->p) += 1;
            }
    strmap_init(&sd->index);
    sd->dups = xmalloc((s->n + 1) * sizeof *sd->dups);
    for (size_t i = 0; i < s->n; i++) {
        const char *l = s->label[i];
        if (strmap_get(&sd->index, l, strlen(l)) >= 0)
            sd->dups[sd->ndups++] = i;
        else
            strmap_put(&sd->index, l, strlen(l), (int64_t)i);
        for (size_t k = 0; k < s->d; k++)
            if (!isfinite(s->x[i * s->d + k]))
                die("%s: %s: coordinate %zu of \"%s\" is not finite", path, s->object, k + 1, l);
    }
}

static void side_free(Side *sd)
{
    space_data_free(sd->s);
    free(sd->col);
    strmap_free(&sd->index);
    free(sd->dups);
}

static void print_labels(FILE *f, const char *what, const SpaceData *s, const size_t *rows, size_t n)
{
    fprintf(f, "# %s (%zu):", what, n);
    for (size_t k = 0; k < n; k++)
        fprintf(f, " %s", s->label[rows[k]]);
    fputc('\n', f);
}

static void json_labels(JsonWriter *j, const char *key, const SpaceData *s, const size_t *rows, size_t n)
{
    json_key(j, key);
    json_begin_array(j);
    for (size_t k = 0; k < n; k++)
        json_string(j, s->label[rows[k]]);
    json_end_array(j);
}

static void json_matrix(JsonWriter *j, const char *key, const double *M, size_t k)
{
    json_key(j, key);
    json_begin_array(j);
    for (size_t a = 0; a < k; a++) {
        json_begin_array(j);
        for (size_t b = 0; b < k; b++)
            json_double(j, M[a * k + b]);
        json_end_array(j);
    }
    json_end_array(j);
}

static void json_side(JsonWriter *j, const char *key, const Side *sd)
{
    json_key(j, key);
    json_begin_object(j);
    json_key(j, "path");
    json_string(j, sd->path);
    json_key(j, "object");
    json_string(j, sd->s->object);
    json_key(j, "concepts");
    json_uint(j, sd->s->n);
    json_key(j, "real_dimensions");
    json_uint(j, sd->p);
    json_key(j, "imaginary_dimensions");
    json_uint(j, sd->q);
    json_labels(j, "duplicate_labels_ignored", sd->s, sd->dups, sd->ndups);
    json_end_object(j);
}

static void print_matrix(FILE *f, const char *what, const double *M, size_t k)
{
    char buf[32];
    for (size_t a = 0; a < k; a++) {
        fprintf(f, "# %s rotation row %zu:", what, a + 1);
        for (size_t b = 0; b < k; b++) {
            fmt_double(buf, M[a * k + b]);
            fprintf(f, " %s", buf);
        }
        fputc('\n', f);
    }
}

int cmd_align(int argc, char **argv)
{
    const char *path[2] = { NULL, NULL }, *object = NULL, *free_list = NULL;
    bool as_json = false, selection = false;
    size_t npath = 0;
    GalileoOpts opt;
    galileo_opts_default(&opt);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (galileo_take_opt(&opt, argc, argv, &i)) {
            selection = true;
        } else if (!strcmp(a, "--object") || !strcmp(a, "--free")) {
            if (i + 1 >= argc)
                die_usage("option %s needs a value\n%s", a, ALIGN_USAGE);
            *(!strcmp(a, "--object") ? &object : &free_list) = argv[++i];
        } else if (!strcmp(a, "--json")) {
            as_json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(ALIGN_USAGE, stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            die_usage("unknown option '%s'\n%s", a, ALIGN_USAGE);
        } else if (npath < 2) {
            path[npath++] = a;
        } else {
            die_usage("align takes two spaces, got a third: '%s'\n%s", a, ALIGN_USAGE);
        }
    }
    if (npath != 2)
        die_usage("align needs two spaces A and B\n%s", ALIGN_USAGE);

    Side A = { 0 }, B = { 0 };
    side_load(&A, path[0], object, &opt);
    side_load(&B, path[1], object, &opt);
    if (selection && !A.checkpoint && !B.checkpoint)
        warn("--concepts, --min-mass and --profile apply to checkpoints only; %s and %s are space files", A.path,
             B.path);
    if (object && A.checkpoint && B.checkpoint)
        warn("--object applies to space files only; %s and %s are checkpoints", A.path, B.path);
    if (A.p != B.p || A.q != B.q)
        die("the spaces have different blocks: %s has %zu real and %zu imaginary dimensions, %s has %zu and %zu",
            A.path, A.p, A.q, B.path, B.p, B.q);

    StrMap freeset;
    strmap_init(&freeset);
    for (const char *s = free_list; s && *s;) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l) {
            strmap_put(&freeset, s, l, 1);
            if (strmap_get(&A.index, s, l) < 0 || strmap_get(&B.index, s, l) < 0)
                warn("--free %.*s: not a label of both %s and %s; nothing to free", (int)l, s, A.path, B.path);
        }
        s += l + (e != NULL);
    }

    /* matched rows, in A's order; the rest of each side listed */
    const SpaceData *sa = A.s, *sb = B.s;
    size_t w = A.p + A.q;
    size_t *ra = xmalloc((sa->n + 1) * sizeof *ra), *rb = xmalloc((sa->n + 1) * sizeof *rb);
    size_t *only_a = xmalloc((sa->n + 1) * sizeof *only_a), *only_b = xmalloc((sb->n + 1) * sizeof *only_b);
    size_t m = 0, na = 0, nb = 0;
    for (size_t i = 0; i < sa->n; i++) {
        const char *l = sa->label[i];
        if (strmap_get(&A.index, l, strlen(l)) != (int64_t)i)
            continue;   /* a duplicate */
        int64_t j = strmap_get(&B.index, l, strlen(l));
        if (j < 0) {
            only_a[na++] = i;
        } else {
            ra[m] = i;
            rb[m++] = (size_t)j;
        }
    }
    for (size_t j = 0; j < sb->n; j++) {
        const char *l = sb->label[j];
        if (strmap_get(&B.index, l, strlen(l)) == (int64_t)j && strmap_get(&A.index, l, strlen(l)) < 0)
            only_b[nb++] = j;
    }
    bool *fit = xmalloc((m + 1) * sizeof *fit);
    size_t nfit = 0;
    for (size_t r = 0; r < m; r++) {
        const char *l = sa->label[ra[r]];
        fit[r] = strmap_get(&freeset, l, strlen(l)) < 0;
        nfit += fit[r];
    }
    if (nfit < 3 && nfit == m)
        die("%s and %s: only %zu label(s) in both; a rotation needs at least 3", A.path, B.path, m);
    if (nfit < 3)
        die("%s and %s: only %zu of the %zu labels in both are not --free; a rotation needs at least 3", A.path,
            B.path, nfit, m);

    double *xa = xmalloc(m * w * sizeof *xa), *xb = xmalloc(m * w * sizeof *xb);
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < w; c++) {
            xa[r * w + c] = sa->x[ra[r] * sa->d + A.col[c]];
            xb[r * w + c] = sb->x[rb[r] * sb->d + B.col[c]];
        }
    AlignResult res;
    align_blocks(xa, xb, m, A.p, A.q, fit, &res);

    if (as_json) {
        JsonWriter j;
        json_init(&j, stdout);
        j.pretty = true;
        json_begin_object(&j);
        json_side(&j, "a", &A);
        json_side(&j, "b", &B);
        json_key(&j, "matched");
        json_uint(&j, m);
        json_key(&j, "fitted");
        json_uint(&j, nfit);
        json_labels(&j, "only_in_a", sa, only_a, na);
        json_labels(&j, "only_in_b", sb, only_b, nb);
        json_key(&j, "rms_euclidean");
        json_double(&j, res.rms);
        json_key(&j, "mean_signed_pseudo_norm_sq");
        json_double(&j, res.mean_signed_sq);
        json_key(&j, "mean_abs_pseudo_norm");
        json_double(&j, res.mean_pseudo);
        json_matrix(&j, "rotation_real", res.rot_real, res.p);
        json_matrix(&j, "rotation_imaginary", res.rot_imag, res.q);
        json_key(&j, "concepts");
        json_begin_array(&j);
        for (size_t r = 0; r < m; r++) {
            json_begin_object(&j);
            json_key(&j, "label");
            json_string(&j, sa->label[ra[r]]);
            json_key(&j, "fitted");
            json_bool(&j, fit[r]);
            json_key(&j, "euclidean");
            json_double(&j, res.euclid[r]);
            json_key(&j, "signed_pseudo_norm_sq");
            json_double(&j, res.signed_sq[r]);
            json_key(&j, "abs_pseudo_norm");
            json_double(&j, res.pseudo[r]);
            json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        fputc('\n', stdout);
    } else {
        char b1[32], b2[32], b3[32];
        printf("# align: B = %s (%s) rotated onto A = %s (%s)\n", B.path, sb->object, A.path, sa->object);
        printf("# blocks: %zu real, %zu imaginary dimensions; A has %zu concepts, B %zu\n", A.p, A.q, sa->n, sb->n);
        printf("# matched %zu labels, fitted on %zu (%zu free)\n", m, nfit, m - nfit);
        print_labels(stdout, "only in A, dropped", sa, only_a, na);
        print_labels(stdout, "only in B, dropped", sb, only_b, nb);
        if (A.ndups)
            print_labels(stdout, "repeated in A, first kept", sa, A.dups, A.ndups);
        if (B.ndups)
            print_labels(stdout, "repeated in B, first kept", sb, B.dups, B.ndups);
        print_matrix(stdout, "real", res.rot_real, res.p);
        print_matrix(stdout, "imaginary", res.rot_imag, res.q);
        fmt_double(b1, res.rms);
        fmt_double(b2, res.mean_signed_sq);
        fmt_double(b3, res.mean_pseudo);
        printf("# overall (fitted concepts): rms_euclidean %s  mean_signed_pseudo_norm_sq %s  mean_abs_pseudo_norm %s\n",
               b1, b2, b3);
        printf("# %-24s  %-24s  %-24s  %-6s  label\n", "euclidean", "signed_pseudo_norm_sq", "abs_pseudo_norm",
               "fit");
        for (size_t r = 0; r < m; r++) {
            fmt_double(b1, res.euclid[r]);
            fmt_double(b2, res.signed_sq[r]);
            fmt_double(b3, res.pseudo[r]);
            printf("%-26s  %-24s  %-24s  %-6s  %s\n", b1, b2, b3, fit[r] ? "yes" : "free", sa->label[ra[r]]);
        }
    }
    align_result_free(&res);
    free(xa);
    free(xb);
    free(ra);
    free(rb);
    free(only_a);
    free(only_b);
    free(fit);
    strmap_free(&freeset);
    side_free(&A);
    side_free(&B);
    return 0;
}
