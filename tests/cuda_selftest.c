/*
 * cuda_selftest.c — the Galileo side of cuda/ against answers known
 * without it (tests/cuda.sh runs it when a device is present):
 *   * the tridiagonal (2, -1) matrix: eigenvalues 2 - 2 cos(k pi / (n + 1));
 *   * a seeded random symmetric matrix: A v = lambda v, orthonormal vectors,
 *     the sign convention, top and bottom blocks;
 *   * association matrices (§12.1, §12.2) and Torgerson's centering
 *     against plain loops.
 * One line per check, then OK or FAILED; without a device:
 * "SKIPPED: no CUDA device (why)", exit 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cuda_api.h"
#include "util.h"

static int fails;

static void report(int ok, const char *what, double err)
{
    printf("%s %s (max error %.3g)\n", ok ? "ok  " : "FAIL", what, err);
    fails += !ok;
}

/* xorshift in [-1, 1) */
static double rnd(uint64_t *s)
{
    *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
    return (double)(*s >> 11) / (double)(1ULL << 52) - 1.0;
}

static void check_tridiagonal(int n)
{
    double *A = xcalloc((size_t)n * n, sizeof *A), *w = xmalloc((size_t)n * sizeof *w);
    for (int i = 0; i < n; i++) {
        A[(size_t)i * n + i] = 2.0;
        if (i + 1 < n)
            A[(size_t)i * n + i + 1] = A[(size_t)(i + 1) * n + i] = -1.0;
    }
    check(cuda_eigen_sym(n, A, w, 0, NULL, 0, NULL) == 0);
    double err = 0.0;
    for (int k = 1; k <= n; k++) {   /* descending: k = 1 is the largest */
        double want = 2.0 - 2.0 * cos((double)(n + 1 - k) * acos(-1.0) / (n + 1));
        err = fmax(err, fabs(w[k - 1] - want));
    }
    char what[80];
    snprintf(what, sizeof what, "tridiagonal n = %d: eigenvalues", n);
    report(err < 1e-12, what, err);
    free(A); free(w);
}

static void check_random(int n, int ntop, int nbottom)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    double *A = xmalloc((size_t)n * n * sizeof *A), *A0 = xmalloc((size_t)n * n * sizeof *A0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            A0[(size_t)i * n + j] = A0[(size_t)j * n + i] = rnd(&seed);
    for (size_t k = 0; k < (size_t)n * n; k++)
        A[k] = A0[k];
    double *w = xmalloc((size_t)n * sizeof *w);
    double *top = xmalloc((size_t)n * ntop * sizeof *top), *bot = xmalloc((size_t)n * nbottom * sizeof *bot);
    check(cuda_eigen_sym(n, A, w, ntop, top, nbottom, bot) == 0);
    double res = 0.0, orth = 0.0, trace = 0.0, sum = 0.0;
    int order = 1, sign = 1;
    for (int i = 0; i < n; i++) {
        trace += A0[(size_t)i * n + i];
        sum += w[i];
        if (i && w[i] > w[i - 1])
            order = 0;
    }
    for (int c = 0; c < ntop + nbottom; c++) {
        const double *v = c < ntop ? top + (size_t)c * n : bot + (size_t)(c - ntop) * n;
        double lam = c < ntop ? w[c] : w[n - 1 - (c - ntop)];
        int best = 0;
        for (int i = 0; i < n; i++) {
            double av = 0.0;
            for (int j = 0; j < n; j++)
                av += A0[(size_t)i * n + j] * v[j];
            res = fmax(res, fabs(av - lam * v[i]));
            if (fabs(v[i]) > fabs(v[best]))
                best = i;
        }
        sign &= v[best] > 0;
        double nrm = 0.0;
        for (int i = 0; i < n; i++)
            nrm += v[i] * v[i];
        orth = fmax(orth, fabs(nrm - 1.0));
    }
    char what[120];
    snprintf(what, sizeof what, "random n = %d, %d top + %d bottom vectors: A v = lambda v", n, ntop, nbottom);
    report(res < 1e-10, what, res);
    snprintf(what, sizeof what, "random n = %d: unit vectors, descending values, trace kept", n);
    report(orth < 1e-12 && order && fabs(trace - sum) < 1e-9, what, fmax(orth, fabs(trace - sum)));
    snprintf(what, sizeof what, "random n = %d: largest-magnitude component positive", n);
    report(sign, what, 0.0);
    free(A); free(A0); free(w); free(top); free(bot);
}

static void check_matrices(void)
{
    enum { N = 40, T = 300 };
    uint64_t seed = 12345;
    int32_t ij[2 * T];
    double v[T], a[N], A[N * N], want[N * N];
    int used[N][N] = { { 0 } };
    int nt = 0;
    while (nt < T) {
        int i = (int)((rnd(&seed) + 1.0) * 0.5 * N), j = (int)((rnd(&seed) + 1.0) * 0.5 * N);
        if (i == j || used[i][j])
            continue;
        used[i][j] = 1;
        ij[2 * nt] = i;
        ij[2 * nt + 1] = j;
        v[nt++] = rnd(&seed) + 1.0;
    }
    for (int i = 0; i < N; i++)
        a[i] = (rnd(&seed) + 1.0) * 0.5;
    /* §12.1-like: diagonal 1, 0.1 a_i a_j, values at both mirrors */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            want[i * N + j] = i == j ? 1.0 : 0.1 * a[i] * a[j];
    for (int t = 0; t < T; t++) {
        want[ij[2 * t] * N + ij[2 * t + 1]] += v[t];
        want[ij[2 * t + 1] * N + ij[2 * t]] += v[t];
    }
    check(cuda_assoc_matrix(N, T, ij, v, a, 0.1, 1.0, A) == 0);
    double err = 0.0;
    for (int k = 0; k < N * N; k++)
        err = fmax(err, fabs(A[k] - want[k]) / fmax(1.0, fabs(want[k])));
    report(err < 1e-15, "association matrix: diagonal, 0.1 a_i a_j, both directions", err);
    /* Torgerson on the §12.2-like S = the values alone, diagonal 0 */
    check(cuda_assoc_matrix(N, T, ij, v, NULL, 0.0, 0.0, A) == 0);
    double smax = -HUGE_VAL, d2[N * N], rm[N], grand = 0.0;
    for (int k = 0; k < N * N; k++)
        smax = fmax(smax, A[k]);
    for (int i = 0; i < N; i++) {
        rm[i] = 0.0;
        for (int j = 0; j < N; j++) {
            double d = smax - A[i * N + j];
            d2[i * N + j] = d * d;
            rm[i] += d * d;
        }
        rm[i] /= N;
        grand += rm[i];
    }
    grand /= N;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            want[i * N + j] = -0.5 * (d2[i * N + j] - rm[i] - rm[j] + grand);
    check(cuda_torgerson(N, A, smax, smax * smax) == 0);   /* A_ii = 0: D_ii = smax */
    err = 0.0;
    for (int k = 0; k < N * N; k++)
        err = fmax(err, fabs(A[k] - want[k]) / fmax(1.0, fabs(want[k])));
    report(err < 1e-12, "Torgerson double centering", err);
}

int main(void)
{
    char name[256], why[256];
    int dev;
    if (cuda_probe(0, &dev, name, sizeof name, why, sizeof why) == 0) {
        printf("SKIPPED: no CUDA device (%s)\n", why);
        return 0;
    }
    printf("# device %d: %s\n", dev, name);
    check_tridiagonal(100);
    check_random(200, 3, 2);
    check_random(1000, 8, 0);
    check_matrices();
    printf("%s\n", fails ? "FAILED" : "OK");
    return fails ? 1 : 0;
}
