/*
 * eigen.c — dense symmetric eigen-decomposition with LAPACK (OpenBLAS's,
 * one thread) and, for matrices spread over MPI ranks, ScaLAPACK.
 * The only file that calls LAPACK or ScaLAPACK.
 */
#include "eigen.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "cuda_api.h"
#include "util.h"

/* Fortran LAPACK (the hidden string lengths of gfortran's ABI last). */
typedef size_t flen;
void dsytrd_(const char *uplo, const int *n, double *a, const int *lda, double *d, double *e, double *tau,
             double *work, const int *lwork, int *info, flen);
void dsterf_(const int *n, double *d, double *e, int *info);
void dstebz_(const char *range, const char *order, const int *n, const double *vl, const double *vu, const int *il,
             const int *iu, const double *abstol, const double *d, const double *e, int *m, int *nsplit, double *w,
             int *iblock, int *isplit, double *work, int *iwork, int *info, flen, flen);
void dstein_(const int *n, const double *d, const double *e, const int *m, const double *w, const int *iblock,
             const int *isplit, double *z, const int *ldz, double *work, int *iwork, int *ifail, int *info);
void dormtr_(const char *side, const char *uplo, const char *trans, const int *m, const int *n, const double *a,
             const int *lda, const double *tau, double *c, const int *ldc, double *work, const int *lwork, int *info,
             flen, flen, flen);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, flen, flen);
double dlamch_(const char *cmach, flen);
void dsytrd_sy2sb_(const char *uplo, const int *n, const int *kd, double *a, const int *lda, double *ab,
                   const int *ldab, double *tau, double *work, const int *lwork, int *info, flen);
void dsytrd_sb2st_(const char *stage1, const char *vect, const char *uplo, const int *n, const int *kd, double *ab,
                   const int *ldab, double *d, double *e, double *hous, const int *lhous, double *work,
                   const int *lwork, int *info, flen, flen, flen);
void dgbtrf_(const int *m, const int *n, const int *kl, const int *ku, double *ab, const int *ldab, int *ipiv,
             int *info);
void dgbtrs_(const char *trans, const int *n, const int *kl, const int *ku, const int *nrhs, const double *ab,
             const int *ldab, const int *ipiv, double *b, const int *ldb, int *info, flen);
void dormqr_(const char *side, const char *trans, const int *m, const int *n, const int *k, const double *a,
             const int *lda, const double *tau, double *c, const int *ldc, double *work, const int *lwork, int *info,
             flen, flen);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
            const int *lwork, int *info, flen, flen);
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha, const double *a, const int *lda,
            const double *x, const int *incx, const double *beta, double *y, const int *incy, flen);
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const double *alpha,
            const double *a, const int *lda, const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc, flen, flen);
void openblas_set_num_threads(int);
/* OpenBLAS's own way to stop its thread pool (its fork handler calls it);
 * exported, not declared in its headers: weak, so that a BLAS without it
 * still links */
int blas_thread_shutdown_(void) __attribute__((weak));

#define lapack_check(call, info)                                                        \
    do {                                                                                \
        if ((info) != 0)                                                                \
            die("LAPACK %s failed (info %d): the matrix is not a finite symmetric one", \
                call, (int)(info));                                                     \
    } while (0)

void eigen_blas_one_thread(void)
{
    static int done;
    if (!done) {
        openblas_set_num_threads(1);
        if (blas_thread_shutdown_)
            blas_thread_shutdown_();
        done = 1;
    }
}

static int to_int(size_t n)
{
    if (n > (size_t)0x7fffffff / 2)
        die("eigen: matrix of order %zu is too large for 32-bit LAPACK", n);
    return (int)n;
}

void eigen_fix_sign(double *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(v[i]) > fabs(v[best]))
            best = i;
    if (n && v[best] < 0)
        for (size_t i = 0; i < n; i++)
            v[i] = -v[i];
}

/* Vectors of the tridiagonal (d, e) for eigenvalues il..iu (ascending
 * indices, 1-based), mapped back through the reflectors in (a, tau);
 * written to z (n, iu - il + 1) with the largest eigenvalue's first when
 * descending, else the smallest's first. */
static void tri_vectors(int n, const double *d, const double *e, const double *a, const double *tau, int il, int iu,
                        bool descending, double *z)
{
    int m = 0, nsplit = 0, info = 0, k = iu - il + 1;
    double vl = 0, vu = 0, abstol = 2 * dlamch_("S", 1);
    double *w = xmalloc((size_t)n * sizeof *w);
    int *iblock = xmalloc((size_t)n * sizeof *iblock), *isplit = xmalloc((size_t)n * sizeof *isplit);
    double *work = xmalloc(5 * (size_t)n * sizeof *work);
    int *iwork = xmalloc(3 * (size_t)n * sizeof *iwork), *ifail = xmalloc((size_t)k * sizeof *ifail);
    dstebz_("I", "B", &n, &vl, &vu, &il, &iu, &abstol, d, e, &m, &nsplit, w, iblock, isplit, work, iwork, &info, 1,
            1);
    lapack_check("dstebz", info);
    check(m == k);
    double *zz = xmalloc((size_t)n * (size_t)k * sizeof *zz);   /* (n, k) */
    dstein_(&n, d, e, &m, w, iblock, isplit, zz, &n, work, iwork, ifail, &info);
    lapack_check("dstein", info);
    int lwork = -1;
    double q;
    dormtr_("L", "L", "N", &n, &m, a, &n, tau, zz, &n, &q, &lwork, &info, 1, 1, 1);
    lwork = (int)q;
    double *ow = xmalloc(((size_t)lwork + 1) * sizeof *ow);
    dormtr_("L", "L", "N", &n, &m, a, &n, tau, zz, &n, ow, &lwork, &info, 1, 1, 1);
    lapack_check("dormtr", info);
    /* dstebz with ORDER = 'B' lists by split-off block: order by value */
    int *ord = xmalloc((size_t)k * sizeof *ord);
    for (int i = 0; i < k; i++)
        ord[i] = i;
    for (int i = 1; i < k; i++)   /* insertion sort: k is small */
        for (int j = i; j > 0 && (descending ? w[ord[j]] > w[ord[j - 1]] : w[ord[j]] < w[ord[j - 1]]); j--) {
            int t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (int i = 0; i < k; i++)
        memcpy(z + (size_t)i * (size_t)n, zz + (size_t)ord[i] * (size_t)n, (size_t)n * sizeof *z);
    free(ord); free(ow); free(zz); free(w); free(iblock); free(isplit); free(work); free(iwork); free(ifail);
}

/* ---- two-stage path: all eigenvalues + a few well-separated vectors ---------
 *
 * dsytrd (one stage) spends half its flops in memory-bound dsymv. The
 * two-stage reduction (dense -> band of width KD by BLAS-3 dsytrd_sy2sb,
 * band -> tridiagonal by bulge chasing dsytrd_sb2st) is ~1.5x faster, but
 * LAPACK cannot map tridiagonal vectors back through the second stage. So
 * the vectors come from the band matrix B = Q1ᵀ A Q1 itself: inverse
 * iteration with its banded LU at each (known) eigenvalue, O(n·KD²), then
 * v = Q1·x (dormqr over the reflectors dsytrd_sy2sb left below the band).
 * Each vector must pass a residual test on B and be orthogonal to the
 * others, else the caller falls back to the one-stage path. */
enum { TWO_STAGE_KD = 32, TWO_STAGE_MIN_N = 800, TWO_STAGE_MAX_VECTORS = 8, INVERSE_ITERATIONS = 4 };

/* B x for the lower band ab (ldab = kd + 1: ab[i - j + j·ldab] = B(i, j), i >= j). */
static void band_mult(const double *ab, int n, int kd, const double *x, double *y)
{
    int ldab = kd + 1;
    for (int i = 0; i < n; i++)
        y[i] = 0.0;
    for (int j = 0; j < n; j++) {
        y[j] += ab[(size_t)j * ldab] * x[j];
        for (int i = j + 1; i <= j + kd && i < n; i++) {
            double b = ab[(size_t)(i - j) + (size_t)j * ldab];
            y[i] += b * x[j];
            y[j] += b * x[i];
        }
    }
}

/* The vector of eigenvalue lam of the band matrix into x (n); returns its
 * residual ‖Bx - λx‖∞. prev (n, nprev) column-major: vectors already found,
 * orthogonalised against when their eigenvalue is within `close`. */
static double band_vector(const double *ab, int n, int kd, double lam, double scale, const double *prev,
                          const double *prev_lam, int nprev, double *x, double *lu, int *ipiv, double *y)
{
    int kl = kd, ku = kd, ldlu = 2 * kl + ku + 1, info = 0, one = 1, ldab = kd + 1;
    /* a shift a hair off λ keeps the LU regular */
    double shift = lam + scale * 4 * dlamch_("E", 1);
    memset(lu, 0, (size_t)ldlu * (size_t)n * sizeof *lu);
    for (int j = 0; j < n; j++)
        for (int i = j; i <= j + kd && i < n; i++) {
            double v = ab[(size_t)(i - j) + (size_t)j * ldab] - (i == j ? shift : 0.0);
            lu[(size_t)(kl + ku + i - j) + (size_t)j * ldlu] = v;   /* B(i, j) */
            lu[(size_t)(kl + ku + j - i) + (size_t)i * ldlu] = v;   /* B(j, i) */
        }
    dgbtrf_(&n, &n, &kl, &ku, lu, &ldlu, ipiv, &info);
    if (info < 0)
        return INFINITY;
    for (int j = 0; j < n; j++)   /* an exactly singular pivot: nudge it */
        if (lu[(size_t)(kl + ku) + (size_t)j * ldlu] == 0.0)
            lu[(size_t)(kl + ku) + (size_t)j * ldlu] = scale * dlamch_("E", 1);
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < n; i++) {
        h = hash_u64(h + (uint64_t)i);
        x[i] = (double)(h >> 11) * 0x1.0p-53 - 0.5;
    }
    for (int it = 0; it < INVERSE_ITERATIONS; it++) {
        dgbtrs_("N", &n, &kl, &ku, &one, lu, &ldlu, ipiv, x, &n, &info, 1);
        for (int p = 0; p < nprev; p++) {
            if (fabs(prev_lam[p] - lam) > 1e-3 * scale)
                continue;
            const double *v = prev + (size_t)p * (size_t)n;
            double dot = 0.0;
            for (int i = 0; i < n; i++)
                dot += x[i] * v[i];
            for (int i = 0; i < n; i++)
                x[i] -= dot * v[i];
        }
        double norm = 0.0;
        for (int i = 0; i < n; i++)
            norm += x[i] * x[i];
        norm = sqrt(norm);
        if (!(norm > 0) || !isfinite(norm))
            return INFINITY;
        for (int i = 0; i < n; i++)
            x[i] /= norm;
    }
    band_mult(ab, n, kd, x, y);
    double res = 0.0;
    for (int i = 0; i < n; i++)
        res = fmax(res, fabs(y[i] - lam * x[i]));
    return res;
}

bool eigen_two_stage_refuse;

/* A = Q1·B·Q1ᵀ back into a (n×n, column-major) from the band and the
 * reflectors below it: for the fallback, O(n³) but rare. */
static void rebuild(double *a, int n, int kd, const double *ab, const double *tau)
{
    int ldab = kd + 1, m = n - kd, info = 0, lwork = -1;
    double *c = xcalloc((size_t)n * (size_t)n, sizeof *c), q;
    for (int j = 0; j < n; j++)
        for (int i = j; i <= j + kd && i < n; i++)
            c[(size_t)i + (size_t)j * n] = c[(size_t)j + (size_t)i * n] = ab[(size_t)(i - j) + (size_t)j * ldab];
    dormqr_("L", "N", &m, &n, &m, a + kd, &n, tau, c + kd, &n, &q, &lwork, &info, 1, 1);
    lwork = (int)q + 1;
    double *work = xmalloc((size_t)lwork * sizeof *work);
    dormqr_("L", "N", &m, &n, &m, a + kd, &n, tau, c + kd, &n, work, &lwork, &info, 1, 1);
    lapack_check("dormqr", info);
    free(work);
    lwork = -1;
    dormqr_("R", "T", &n, &m, &m, a + kd, &n, tau, c + (size_t)kd * n, &n, &q, &lwork, &info, 1, 1);
    lwork = (int)q + 1;
    work = xmalloc((size_t)lwork * sizeof *work);
    dormqr_("R", "T", &n, &m, &m, a + kd, &n, tau, c + (size_t)kd * n, &n, work, &lwork, &info, 1, 1);
    lapack_check("dormqr", info);
    free(work);
    memcpy(a, c, (size_t)n * (size_t)n * sizeof *c);
    free(c);
}

/* The two-stage path on a; false when a vector fails its tests, and then
 * a holds the matrix again (rebuilt, equal up to rounding) for the
 * one-stage path. */
static bool two_stage(double *a, int n, size_t ntop, size_t nbottom, EigenOut *out)
{
    int kd = TWO_STAGE_KD, ldab = kd + 1, info = 0, lwork = -1, lhous = -1;
    double q, hq;
    double *ab = xmalloc((size_t)ldab * (size_t)n * sizeof *ab), *tau = xmalloc((size_t)n * sizeof *tau);
    dsytrd_sy2sb_("L", &n, &kd, a, &n, ab, &ldab, tau, &q, &lwork, &info, 1);
    lwork = (int)q + 1;
    double *work = xmalloc((size_t)lwork * sizeof *work);
    dsytrd_sy2sb_("L", &n, &kd, a, &n, ab, &ldab, tau, work, &lwork, &info, 1);
    lapack_check("dsytrd_sy2sb", info);
    free(work);
    double *band = xmalloc((size_t)ldab * (size_t)n * sizeof *band);   /* sb2st works on its own copy */
    memcpy(band, ab, (size_t)ldab * (size_t)n * sizeof *ab);
    double *d = xmalloc((size_t)n * sizeof *d), *e = xmalloc((size_t)n * sizeof *e);
    lwork = -1;
    dsytrd_sb2st_("Y", "N", "L", &n, &kd, band, &ldab, d, e, &hq, &lhous, &q, &lwork, &info, 1, 1, 1);
    lhous = (int)hq + 1;
    lwork = (int)q + 1;
    double *hous = xmalloc((size_t)lhous * sizeof *hous);
    work = xmalloc((size_t)lwork * sizeof *work);
    dsytrd_sb2st_("Y", "N", "L", &n, &kd, band, &ldab, d, e, hous, &lhous, work, &lwork, &info, 1, 1, 1);
    lapack_check("dsytrd_sb2st", info);
    free(hous);
    free(work);
    free(band);
    dsterf_(&n, d, e, &info);   /* ascending */
    lapack_check("dsterf", info);
    for (int i = 0; i < n; i++)
        out->values[i] = d[n - 1 - i];
    free(d);
    free(e);

    /* the vectors of the band matrix, top ones then bottom ones */
    size_t k = ntop + nbottom;
    double scale = fmax(fabs(out->values[0]), fabs(out->values[n - 1]));
    scale = scale > 0 ? scale : 1.0;
    double *v = xmalloc(((size_t)n * k + 1) * sizeof *v), *lam = xmalloc((k + 1) * sizeof *lam);
    double *lu = xmalloc((size_t)(3 * kd + 1) * (size_t)n * sizeof *lu), *y = xmalloc((size_t)n * sizeof *y);
    int *ipiv = xmalloc((size_t)n * sizeof *ipiv);
    bool ok = true;
    for (size_t c = 0; c < k && ok; c++) {
        lam[c] = c < ntop ? out->values[c] : out->values[(size_t)n - 1 - (c - ntop)];
        double res = band_vector(ab, n, kd, lam[c], scale, v, lam, (int)c, v + c * (size_t)n, lu, ipiv, y);
        ok = res <= 1e-10 * scale;
        for (size_t p = 0; p < c && ok; p++) {
            double dot = 0.0;
            for (int i = 0; i < n; i++)
                dot += v[c * (size_t)n + (size_t)i] * v[p * (size_t)n + (size_t)i];
            ok = fabs(dot) <= 1e-8;
        }
    }
    free(lu);
    free(y);
    free(ipiv);
    free(lam);
    ok = ok && !eigen_two_stage_refuse;
    if (!ok)
        rebuild(a, n, kd, ab, tau);
    free(ab);
    if (ok && k) {
        /* v = Q1 x: the reflectors of column j act on rows j+kd.., stored below the band */
        int m = n - kd, kk = (int)k;
        lwork = -1;
        dormqr_("L", "N", &m, &kk, &m, a + kd, &n, tau, v + kd, &n, &q, &lwork, &info, 1, 1);
        lwork = (int)q + 1;
        work = xmalloc((size_t)lwork * sizeof *work);
        dormqr_("L", "N", &m, &kk, &m, a + kd, &n, tau, v + kd, &n, work, &lwork, &info, 1, 1);
        lapack_check("dormqr", info);
        free(work);
        memcpy(out->top, v, (size_t)n * ntop * sizeof *v);
        memcpy(out->bottom, v + (size_t)n * ntop, (size_t)n * nbottom * sizeof *v);
    }
    free(v);
    free(tau);
    return ok;
}

/* An EigenOut for nvalues eigenvalues and ntop + nbottom vectors of
 * length n. */
static void eigen_alloc(EigenOut *out, size_t n, size_t nvalues, size_t ntop, size_t nbottom)
{
    memset(out, 0, sizeof *out);
    out->ntop = ntop;
    out->nbottom = nbottom;
    out->nvalues = nvalues;
    out->values = xmalloc((nvalues + 1) * sizeof *out->values);
    out->top = xmalloc((n * ntop + 1) * sizeof *out->top);
    out->bottom = xmalloc((n * nbottom + 1) * sizeof *out->bottom);
}

void eigen_sym(double *a, size_t n, size_t ntop, size_t nbottom, EigenOut *out)
{
    eigen_blas_one_thread();
    check(ntop + nbottom <= n);
    eigen_alloc(out, n, n, ntop, nbottom);
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            if (!isfinite(a[i * n + j]))
                die("eigen: matrix element (%zu, %zu) is %g", i, j, a[i * n + j]);
    int nn = to_int(n), info = 0, lwork = -1;
    double q;

    bool done = false;
    if (n >= TWO_STAGE_MIN_N && ntop + nbottom <= TWO_STAGE_MAX_VECTORS && ntop + nbottom < n) {
        done = two_stage(a, nn, ntop, nbottom, out);
    }
    if (done) {
        /* values and vectors are in out */
    } else if (ntop + nbottom == n && n > 0) {
        /* every vector: divide and conquer */
        int iq, liwork = -1;
        dsyevd_("V", "L", &nn, a, &nn, out->values, &q, &lwork, &iq, &liwork, &info, 1, 1);
        lwork = (int)q;
        liwork = iq;
        double *work = xmalloc((size_t)lwork * sizeof *work);
        int *iwork = xmalloc((size_t)liwork * sizeof *iwork);
        dsyevd_("V", "L", &nn, a, &nn, out->values, work, &lwork, iwork, &liwork, &info, 1, 1);
        lapack_check("dsyevd", info);
        free(work);
        free(iwork);
        /* ascending -> descending; a holds the vectors column by column */
        for (size_t i = 0; i < ntop; i++)
            memcpy(out->top + i * n, a + (n - 1 - i) * n, n * sizeof *a);
        for (size_t i = 0; i < nbottom; i++)
            memcpy(out->bottom + i * n, a + i * n, n * sizeof *a);
        for (size_t i = 0; i < n / 2; i++) {
            double t = out->values[i];
            out->values[i] = out->values[n - 1 - i];
            out->values[n - 1 - i] = t;
        }
    } else {
        double *d = xmalloc(n * sizeof *d), *e = xmalloc(n * sizeof *e), *tau = xmalloc(n * sizeof *tau);
        dsytrd_("L", &nn, a, &nn, d, e, tau, &q, &lwork, &info, 1);
        lwork = (int)q;
        double *work = xmalloc(((size_t)lwork + 1) * sizeof *work);
        dsytrd_("L", &nn, a, &nn, d, e, tau, work, &lwork, &info, 1);
        lapack_check("dsytrd", info);
        free(work);
        double *e2 = xmalloc(n * sizeof *e2);
        memcpy(out->values, d, n * sizeof *d);
        memcpy(e2, e, n * sizeof *e);
        dsterf_(&nn, out->values, e2, &info);   /* ascending */
        lapack_check("dsterf", info);
        free(e2);
        for (size_t i = 0; i < n / 2; i++) {
            double t = out->values[i];
            out->values[i] = out->values[n - 1 - i];
            out->values[n - 1 - i] = t;
        }
        if (ntop)
            tri_vectors(nn, d, e, a, tau, nn - (int)ntop + 1, nn, true, out->top);
        if (nbottom)
            tri_vectors(nn, d, e, a, tau, 1, (int)nbottom, false, out->bottom);
        free(d);
        free(e);
        free(tau);
    }
    for (size_t i = 0; i < ntop; i++)
        eigen_fix_sign(out->top + i * n, n);
    for (size_t i = 0; i < nbottom; i++)
        eigen_fix_sign(out->bottom + i * n, n);
}

void eigen_free(EigenOut *out)
{
    free(out->values);
    free(out->top);
    free(out->bottom);
    memset(out, 0, sizeof *out);
}

/* ---- matrix-free: thick-restart Lanczos ------------------------------------- */

enum { LANCZOS_MIN_BASIS = 48, LANCZOS_EXTRA_BASIS = 32, LANCZOS_MAX_RESTARTS = 5000 };

static double norm2(const double *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrt(s);
}

/* A fixed pseudo-random vector (stream `seed`), orthogonalised (twice)
 * against the j columns of v and normalised; false when nothing is left. */
static bool lanczos_fresh(double *x, int n, const double *v, int j, uint64_t seed, double *h)
{
    int one = 1;
    double p1 = 1.0, m1 = -1.0, zero = 0.0;
    uint64_t s = 0x9e3779b97f4a7c15ULL * (seed + 1);
    for (int i = 0; i < n; i++) {
        s = hash_u64(s + (uint64_t)i);
        x[i] = (double)(s >> 11) * 0x1.0p-53 - 0.5;
    }
    for (int pass = 0; pass < 2 && j > 0; pass++) {
        dgemv_("T", &n, &j, &p1, v, &n, x, &one, &zero, h, &one, 1);
        dgemv_("N", &n, &j, &m1, v, &n, h, &one, &p1, x, &one, 1);
    }
    double norm = 0.0;
    for (int i = 0; i < n; i++)
        norm += x[i] * x[i];
    norm = sqrt(norm);
    if (!(norm > 1e-8))   /* the start was (almost) inside span(v): the space is exhausted */
        return false;
    for (int i = 0; i < n; i++)
        x[i] /= norm;
    return true;
}

void eigen_lanczos(EigenApply apply, void *ctx, size_t n, size_t ntop, size_t nbottom, double tol,
                   EigenOut *out)
{
    eigen_blas_one_thread();
    size_t nev = ntop + nbottom;
    check(nev <= n);
    eigen_alloc(out, n, nev, ntop, nbottom);
    out->partial = true;
    if (nev == 0)
        return;
    int nn = to_int(n), one = 1, info = 0;
    size_t mw = 2 * nev + LANCZOS_EXTRA_BASIS;
    int m = (int)(mw > LANCZOS_MIN_BASIS ? mw : LANCZOS_MIN_BASIS);
    m = m < nn ? m : nn;
    double p1 = 1.0, m1 = -1.0, zero = 0.0;
    double *v = xmalloc((size_t)nn * (size_t)(m + 1) * sizeof *v);   /* (n, m + 1) the basis */
    double *w = xmalloc((size_t)nn * sizeof *w);                        /* (n) A·v_j */
    double *t = xcalloc((size_t)m * (size_t)m, sizeof *t);              /* (m, m) Vᵀ A V, upper */
    double *y = xmalloc((size_t)m * (size_t)m * sizeof *y);             /* (m, m) Ritz vectors */
    double *theta = xmalloc((size_t)m * sizeof *theta);                 /* (m) Ritz values, ascending */
    double *h = xmalloc(((size_t)m + 1) * sizeof *h), *h2 = xmalloc(((size_t)m + 1) * sizeof *h2);
    int *keep = xmalloc((size_t)m * sizeof *keep);
    double *kept = xmalloc((size_t)nn * (size_t)m * sizeof *kept);      /* (n, p) restart vectors */
    int lwork = -1;
    double q;
    dsyev_("V", "U", &m, y, &m, theta, &q, &lwork, &info, 1, 1);
    lwork = (int)q + 1;
    double *work = xmalloc((size_t)lwork * sizeof *work);

    uint64_t seed = 0;
    check(lanczos_fresh(v, nn, v, 0, seed++, h));
    int p = 0, mm = m, restarts = 0;   /* p: kept vectors; mm: columns of this cycle */
    double anorm = 0.0, beta = 0.0;
    for (;;) {
        /* expand the basis from column p to m (the cycle's Gram-Schmidt also
         * gives the couplings of the kept Ritz vectors with column p) */
        mm = m;
        for (int j = p; j < m; j++) {
            apply(ctx, v + (size_t)j * (size_t)nn, w);
            out->matvecs++;
            for (int i = 0; i < nn; i++)
                if (!isfinite(w[i]))
                    die("eigen: the operator gave %g at entry %d (Lanczos)", w[i], i);
            int jj = j + 1;
            double before = norm2(w, nn);
            dgemv_("T", &nn, &jj, &p1, v, &nn, w, &one, &zero, h, &one, 1);
            dgemv_("N", &nn, &jj, &m1, v, &nn, h, &one, &p1, w, &one, 1);
            beta = norm2(w, nn);
            /* full reorthogonalisation: a second pass when the first one
             * cancelled most of w (Daniel-Gragg-Kaufman-Stewart, 1/√2) */
            if (beta < sqrt(0.5) * before) {
                dgemv_("T", &nn, &jj, &p1, v, &nn, w, &one, &zero, h2, &one, 1);
                dgemv_("N", &nn, &jj, &m1, v, &nn, h2, &one, &p1, w, &one, 1);
                for (int i = 0; i <= j; i++)
                    h[i] += h2[i];
                beta = norm2(w, nn);
            }
            for (int i = 0; i <= j; i++)
                t[i + (size_t)j * (size_t)m] = h[i];
            anorm = fmax(anorm, fabs(t[j + (size_t)j * (size_t)m]));
            double *next = v + (size_t)jj * (size_t)nn;
            if (jj == nn) {   /* the whole space: exact */
                beta = 0.0;
                mm = jj;
                break;
            }
            if (beta > 1e-12 * fmax(anorm, DBL_MIN)) {
                for (int i = 0; i < nn; i++)
                    next[i] = w[i] / beta;
            } else {
                /* an invariant subspace: go on from a fresh vector (a repeated
                 * eigenvalue's other copies live outside it) */
                beta = 0.0;
                if (!lanczos_fresh(next, nn, v, jj, seed++, h)) {
                    mm = jj;
                    break;
                }
            }
        }

        /* Rayleigh-Ritz on the mm×mm projection */
        for (int j = 0; j < mm; j++)
            for (int i = 0; i <= j; i++)
                y[i + (size_t)j * (size_t)mm] = t[i + (size_t)j * (size_t)m];
        dsyev_("V", "U", &mm, y, &mm, theta, work, &lwork, &info, 1, 1);
        lapack_check("dsyev", info);
        anorm = fmax(anorm, fmax(fabs(theta[0]), fabs(theta[mm - 1])));
        bool converged = true;
        for (size_t c = 0; c < nev; c++) {
            int col = c < ntop ? mm - 1 - (int)c : (int)(c - ntop);
            double res = fabs(beta * y[(mm - 1) + (size_t)col * (size_t)mm]);
            converged = converged && res <= tol * anorm;
        }
        if (converged || mm < m)
            break;
        if (++restarts > LANCZOS_MAX_RESTARTS)
            die("eigen: Lanczos did not converge to %g in %d restarts (%zu products)", tol, LANCZOS_MAX_RESTARTS,
                out->matvecs);

        /* thick restart: the wanted Ritz vectors and as many again of their
         * neighbours (split between the two ends when both are wanted) */
        int extra = (m - (int)nev) / 2, et = nbottom ? (ntop ? extra / 2 : 0) : extra, eb = extra - et;
        p = 0;
        for (int c = 0; c < (int)ntop + et; c++)
            keep[p++] = m - 1 - c;
        for (int c = 0; c < (int)nbottom + eb; c++)
            keep[p++] = c;
        double *yk = xmalloc((size_t)m * (size_t)p * sizeof *yk);   /* (m, p) */
        for (int c = 0; c < p; c++)
            memcpy(yk + (size_t)c * (size_t)m, y + (size_t)keep[c] * (size_t)m, (size_t)m * sizeof *yk);
        dgemm_("N", "N", &nn, &p, &m, &p1, v, &nn, yk, &m, &zero, kept, &nn, 1, 1);
        memcpy(v + (size_t)p * (size_t)nn, v + (size_t)m * (size_t)nn, (size_t)nn * sizeof *v);
        memcpy(v, kept, (size_t)nn * (size_t)p * sizeof *v);
        memset(t, 0, (size_t)m * (size_t)m * sizeof *t);
        for (int c = 0; c < p; c++)
            t[c + (size_t)c * (size_t)m] = theta[keep[c]];
        free(yk);
    }

    /* the wanted pairs: x = V·y, signs fixed, true residuals */
    double worst = 0.0;
    for (size_t c = 0; c < nev; c++) {
        int col = c < ntop ? mm - 1 - (int)c : (int)(c - ntop);
        double *x = c < ntop ? out->top + c * n : out->bottom + (c - ntop) * n;
        dgemv_("N", &nn, &mm, &p1, v, &nn, y + (size_t)col * (size_t)mm, &one, &zero, x, &one, 1);
        eigen_fix_sign(x, n);
        out->values[c] = theta[col];
        apply(ctx, x, w);
        out->matvecs++;
        double r = 0.0;
        for (size_t i = 0; i < n; i++)
            r += (w[i] - theta[col] * x[i]) * (w[i] - theta[col] * x[i]);
        worst = fmax(worst, sqrt(r));
    }
    out->residual = anorm > 0 ? worst / anorm : worst;
    free(v); free(w); free(t); free(y); free(theta); free(h); free(h2); free(keep); free(kept); free(work);
}

/* ---- distributed ------------------------------------------------------------ */

void eigen_row_block(size_t n, int q, int nranks, size_t *row0, size_t *nrows)
{
    size_t b = (n + (size_t)nranks - 1) / (size_t)nranks;
    size_t lo = b * (size_t)q < n ? b * (size_t)q : n, hi = lo + b < n ? lo + b : n;
    *row0 = lo;
    *nrows = hi - lo;
}

/* Collective: rank 0's dense result (n eigenvalues, ntop + nbottom
 * vectors) to every rank; the others' out is allocated here. */
static void eigen_share(size_t n, size_t ntop, size_t nbottom, EigenOut *out)
{
    int p = comm_size(), me = comm_rank();
    size_t len = n * (1 + ntop + nbottom);
    double *packed = xmalloc((len + 1) * sizeof *packed);
    if (me == 0) {
        memcpy(packed, out->values, n * sizeof *packed);
        memcpy(packed + n, out->top, n * ntop * sizeof *packed);
        memcpy(packed + n * (1 + ntop), out->bottom, n * nbottom * sizeof *packed);
        eigen_free(out);
    }
    size_t *counts = xcalloc((size_t)p, sizeof *counts);
    counts[0] = len * sizeof *packed;
    double *all = xmalloc((len + 1) * sizeof *all);
    comm_allgatherv(packed, me == 0 ? counts[0] : 0, all, counts);
    free(counts);
    free(packed);
    eigen_alloc(out, n, n, ntop, nbottom);
    memcpy(out->values, all, n * sizeof *all);
    memcpy(out->top, all + n, n * ntop * sizeof *all);
    memcpy(out->bottom, all + n * (1 + ntop), n * nbottom * sizeof *all);
    free(all);
}

/* Rank 0 gathers the whole matrix, decomposes it and sends the result to
 * every rank: equal to one rank's, everywhere. */
static void gather_and_decompose(const double *rows, size_t n, size_t ntop, size_t nbottom, bool gpu,
                                 EigenOut *out)
{
    size_t r0, nr, total;
    eigen_row_block(n, comm_rank(), comm_size(), &r0, &nr);
    double *a = comm_gather(rows, nr * n * sizeof *rows, &total);   /* rank 0: (n, n) */
    if (comm_rank() == 0) {
        check(total == n * n * sizeof *a);
        if (gpu)
            eigen_sym_gpu(a, n, ntop, nbottom, out);
        else
            eigen_sym(a, n, ntop, nbottom, out);
    }
    free(a);
    eigen_share(n, ntop, nbottom, out);
}


void eigen_sym_gpu(double *a, size_t n, size_t ntop, size_t nbottom, EigenOut *out)
{
    if (n > INT_MAX)
        die("eigen: cuSOLVER: a matrix of order %zu is over its %d", n, INT_MAX);
    eigen_alloc(out, n, n, ntop, nbottom);
    if (n && cuda_eigen_sym((int)n, a, out->values, (int)ntop, out->top, (int)nbottom, out->bottom) != 0)
        die("eigen: cuSOLVER: no usable CUDA device");
}

#ifdef HAVE_SCALAPACK
/* BLACS and ScaLAPACK (libscalapack-openmpi). */
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);
void Cpdgemr2d(int m, int n, double *a, int ia, int ja, int *desca, double *b, int ib, int jb, int *descb,
               int gcontext);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
               const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz, double *work,
              const int *lwork, int *iwork, const int *liwork, int *info, flen, flen);

enum { SCALAPACK_NB = 32 };   /* block size of the 2-D block-cyclic layout */

/* pdsyevd: the row blocks are copied into a near-square pr × pc grid
 * (pdgemr2d), decomposed with every vector, and the wanted vectors are
 * summed into full copies on every rank (each element has one owner, so
 * the sum is exact). */
static void scalapack_decompose(const double *rows, size_t n, size_t ntop, size_t nbottom, EigenOut *out)
{
    int p = comm_size(), me = comm_rank(), nn = to_int(n), zero = 0, one = 1, info = 0;
    int pr = 1;
    for (int d = 1; d * d <= p; d++)
        if (p % d == 0)
            pr = d;
    int pc = p / pr;

    /* the row blocks as a P × 1 grid: block size b = ceil(n/P), column-major locally */
    int ctx_rows, ctx_2d, nprow, npcol, myrow, mycol;
    Cblacs_get(-1, 0, &ctx_rows);
    Cblacs_gridinit(&ctx_rows, "Row", p, 1);
    size_t r0, nr;
    eigen_row_block(n, me, p, &r0, &nr);
    int b = (nn + p - 1) / p, nb_all = nn > 0 ? nn : 1, lld_rows = nr > 0 ? (int)nr : 1;
    int desc_rows[9];
    descinit_(desc_rows, &nn, &nn, &b, &nb_all, &zero, &zero, &ctx_rows, &lld_rows, &info);
    lapack_check("descinit", info);
    double *local = xmalloc(((size_t)lld_rows * n + 1) * sizeof *local);
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j < n; j++)
            local[i + j * (size_t)lld_rows] = rows[i * n + j];

    Cblacs_get(-1, 0, &ctx_2d);
    Cblacs_gridinit(&ctx_2d, "Row", pr, pc);
    Cblacs_gridinfo(ctx_2d, &nprow, &npcol, &myrow, &mycol);
    int nb = SCALAPACK_NB;
    int mloc = numroc_(&nn, &nb, &myrow, &zero, &nprow), nloc = numroc_(&nn, &nb, &mycol, &zero, &npcol);
    int lld = mloc > 1 ? mloc : 1, desc_a[9], desc_z[9];
    descinit_(desc_a, &nn, &nn, &nb, &nb, &zero, &zero, &ctx_2d, &lld, &info);
    lapack_check("descinit", info);
    descinit_(desc_z, &nn, &nn, &nb, &nb, &zero, &zero, &ctx_2d, &lld, &info);
    lapack_check("descinit", info);
    double *a = xcalloc((size_t)lld * (size_t)(nloc > 0 ? nloc : 1), sizeof *a);
    double *z = xcalloc((size_t)lld * (size_t)(nloc > 0 ? nloc : 1), sizeof *z);
    Cpdgemr2d(nn, nn, local, 1, 1, desc_rows, a, 1, 1, desc_a, ctx_rows);
    free(local);

    double *w = xmalloc((n + 1) * sizeof *w), q;
    int lwork = -1, liwork = -1, iq;
    pdsyevd_("V", "L", &nn, a, &one, &one, desc_a, w, z, &one, &one, desc_z, &q, &lwork, &iq, &liwork, &info, 1,
             1);
    /* the query understates both for small n (pdlasrt then rejects them):
     * at least the documented minimums, with pdlasrt's own need np·(nb + nq) */
    int need = 1 + 6 * nn + 2 * mloc * nloc + 2 * nn + 3 * nn + nb * (mloc + 1) + 3 * nb + mloc * (nb + nloc) +
               2 * nb * (nn + nb) + nb * nb;   /* pdormtr's (Mp + Nq)·nb + nb² */
    lwork = (int)q + 1 > need ? (int)q + 1 : need;
    liwork = iq > 7 * nn + 8 * npcol + 2 ? iq : 7 * nn + 8 * npcol + 2;
    double *work = xmalloc((size_t)lwork * sizeof *work);
    int *iwork = xmalloc((size_t)liwork * sizeof *iwork);
    pdsyevd_("V", "L", &nn, a, &one, &one, desc_a, w, z, &one, &one, desc_z, work, &lwork, iwork, &liwork, &info, 1,
             1);
    lapack_check("pdsyevd", info);
    free(work);
    free(iwork);

    /* descending values; the wanted columns (global j: value w[j], ascending) */
    for (size_t i = 0; i < n; i++)
        out->values[i] = w[n - 1 - i];
    size_t k = ntop + nbottom;
    double *full = xcalloc(n * k + 1, sizeof *full);   /* (n, k): top ones, then bottom ones */
    for (int lj = 0; lj < nloc; lj++) {
        int gj = (lj / nb * npcol + mycol) * nb + lj % nb;   /* local column -> global */
        size_t col;
        if ((size_t)gj >= n - ntop)
            col = n - 1 - (size_t)gj;                       /* top: largest first */
        else if ((size_t)gj < nbottom)
            col = ntop + (size_t)gj;                        /* bottom: smallest first */
        else
            continue;
        for (int li = 0; li < mloc; li++) {
            int gi = (li / nb * nprow + myrow) * nb + li % nb;
            full[col * n + (size_t)gi] = z[li + (size_t)lj * (size_t)lld];
        }
    }
    comm_sum(full, to_int(n * k));
    memcpy(out->top, full, n * ntop * sizeof *full);
    memcpy(out->bottom, full + n * ntop, n * nbottom * sizeof *full);
    free(full);
    free(w);
    free(a);
    free(z);
    Cblacs_gridexit(ctx_2d);
    Cblacs_gridexit(ctx_rows);
}

bool eigen_have_scalapack(void)
{
    return true;
}
#else
bool eigen_have_scalapack(void)
{
    return false;
}
#endif

void eigen_sym_dist(const double *rows, size_t n, size_t ntop, size_t nbottom, EigenSolver solver,
                    EigenOut *out)
{
    if (solver == EIGEN_CUSOLVER) {
        gather_and_decompose(rows, n, ntop, nbottom, true, out);
        return;
    }
    bool scalapack = solver == EIGEN_SCALAPACK ||
                     (solver == EIGEN_AUTO && comm_size() > 1 && n >= EIGEN_SCALAPACK_MIN_N);
    if (scalapack && !eigen_have_scalapack())
        die("eigen: ScaLAPACK asked for, but this huey was built without it (libscalapack-openmpi-dev)");
    if (!scalapack || comm_size() == 1 || n == 0) {
        gather_and_decompose(rows, n, ntop, nbottom, false, out);
        return;
    }
#ifdef HAVE_SCALAPACK
    eigen_blas_one_thread();
    check(ntop + nbottom <= n);
    eigen_alloc(out, n, n, ntop, nbottom);
    size_t r0, nr;
    eigen_row_block(n, comm_rank(), comm_size(), &r0, &nr);
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j < n; j++)
            if (!isfinite(rows[i * n + j]))
                die("eigen: matrix element (%zu, %zu) is %g", r0 + i, j, rows[i * n + j]);
    scalapack_decompose(rows, n, ntop, nbottom, out);
    for (size_t i = 0; i < ntop; i++)
        eigen_fix_sign(out->top + i * n, n);
    for (size_t i = 0; i < nbottom; i++)
        eigen_fix_sign(out->bottom + i * n, n);
#endif
}
