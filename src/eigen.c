/*
 * eigen.c — dense symmetric eigen-decomposition with LAPACK (OpenBLAS's,
 * one thread) and, for matrices spread over MPI ranks, ScaLAPACK.
 * The only file that calls LAPACK or ScaLAPACK.
 */
#include "eigen.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
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
void openblas_set_num_threads(int);

#define lapack_check(call, info)                                                        \
    do {                                                                                \
        if ((info) != 0)                                                                \
            die("LAPACK %s failed (info %d): the matrix is not a finite symmetric one", \
                call, (int)(info));                                                     \
    } while (0)

static void one_thread(void)
{
    static int done;
    if (!done) {
        openblas_set_num_threads(1);
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

void eigen_sym(double *a, size_t n, size_t ntop, size_t nbottom, EigenOut *out)
{
    one_thread();
    check(ntop + nbottom <= n);
    memset(out, 0, sizeof *out);
    out->ntop = ntop;
    out->nbottom = nbottom;
    out->values = xmalloc((n + 1) * sizeof *out->values);
    out->top = xmalloc((n * ntop + 1) * sizeof *out->top);
    out->bottom = xmalloc((n * nbottom + 1) * sizeof *out->bottom);
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            if (!isfinite(a[i * n + j]))
                die("eigen: matrix element (%zu, %zu) is %g", i, j, a[i * n + j]);
    int nn = to_int(n), info = 0, lwork = -1;
    double q;

    if (ntop + nbottom == n && n > 0) {
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

/* ---- distributed ------------------------------------------------------------ */

int eigen_have_scalapack(void)
{
    return 0;
}

void eigen_row_block(size_t n, int q, int nranks, size_t *row0, size_t *nrows)
{
    size_t lo = n * (size_t)q / (size_t)nranks, hi = n * (size_t)(q + 1) / (size_t)nranks;
    *row0 = lo;
    *nrows = hi - lo;
}

void eigen_sym_dist(const double *rows, size_t n, size_t ntop, size_t nbottom, EigenOut *out)
{
    /* every rank gathers the whole matrix and decomposes it: the same
     * results everywhere */
    int p = comm_size();
    size_t *counts = xmalloc((size_t)p * sizeof *counts);
    for (int q = 0; q < p; q++) {
        size_t r0, nr;
        eigen_row_block(n, q, p, &r0, &nr);
        counts[q] = nr * n * sizeof *rows;
    }
    double *a = xmalloc((n * n + 1) * sizeof *a);
    comm_allgatherv(rows, counts[comm_rank()], a, counts);
    free(counts);
    eigen_sym(a, n, ntop, nbottom, out);
    free(a);
}
