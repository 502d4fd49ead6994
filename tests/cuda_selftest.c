/*
 * cuda_selftest.c — the Galileo side of cuda/ against answers known
 * without it (tests/cuda.sh runs it when a device is present):
 *   * the tridiagonal (2, -1) matrix: eigenvalues 2 - 2 cos(k pi / (n + 1));
 *   * a seeded random symmetric matrix: A v = lambda v, orthonormal vectors,
 *     the sign convention, top and bottom blocks;
 *   * the rows of the §12.1 association matrix and of §12.2's Torgerson
 *     matrix, built in two row blocks, against plain loops (bit for bit).
 * One line per check, then OK or FAILED; without a device:
 * "SKIPPED: no CUDA device (why)", exit 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* cuda_space_rows against plain loops with galileo.c's formulas, in two
 * row blocks: equal to the last bit (the device runs the same operations
 * in the same order, -fmad=false). */
static void check_space_rows(int torgerson)
{
    enum { N = 40, PER_ROW = 6 };
    uint64_t seed = 12345 + (uint64_t)torgerson;
    int64_t link0[N + 1];
    int32_t lj[N * PER_ROW];
    double lv[N * PER_ROW], act[N], mean[N], A[N * N], want[N * N];
    int nl = 0;
    for (int i = 0; i < N; i++) {
        link0[i] = nl;
        for (int j = 0; j < N && nl - link0[i] < PER_ROW; j += 1 + (int)((rnd(&seed) + 1.0) * 4.0))
            if (j != i) {
                lj[nl] = j;
                lv[nl++] = (rnd(&seed) + 1.0) * 3.0;
            }
        act[i] = (rnd(&seed) + 1.0) * 0.5;
        mean[i] = (rnd(&seed) + 1.0) * 20.0;
    }
    link0[N] = nl;
    CudaSpaceIn in = { .n = N, .torgerson = torgerson, .act = act, .coupling = 0.1, .diag = torgerson ? 36.0 : 1.0,
                       .s_max = 6.0, .d2_mean = mean, .d2_grand = 17.25 };
    for (int r = 0; r < N; r++) {
        double *row = want + r * N;
        for (int j = 0; j < N; j++)
            row[j] = torgerson ? in.s_max * in.s_max : in.coupling * (act[r] * act[j]);
        for (int64_t k = link0[r]; k < link0[r + 1]; k++) {
            double d = in.s_max - lv[k];
            row[lj[k]] = torgerson ? d * d : lv[k] + in.coupling * (act[r] * act[lj[k]]);
        }
        row[r] = in.diag;
        if (torgerson)
            for (int j = 0; j < N; j++)
                row[j] = -0.5 * (row[j] - mean[r] - mean[j] + in.d2_grand);
    }
    int cut = N / 3;   /* rows 0 .. cut-1, then the rest, as two ranks would */
    int64_t l1[N + 1];
    for (int i = cut; i <= N; i++)
        l1[i - cut] = link0[i] - link0[cut];
    check(cuda_space_rows(&in, 0, cut, link0, lj, lv, A) == 0);
    check(cuda_space_rows(&in, cut, N - cut, l1, lj + link0[cut], lv + link0[cut], A + cut * N) == 0);
    double err = 0.0;
    for (int k = 0; k < N * N; k++)
        err = fmax(err, fabs(A[k] - want[k]));
    report(memcmp(A, want, sizeof A) == 0, torgerson ? "Torgerson rows (2 blocks): the CPU's doubles"
                                                     : "association rows (2 blocks): the CPU's doubles", err);
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
    check_space_rows(0);
    check_space_rows(1);
    printf("%s\n", fails ? "FAILED" : "OK");
    return fails ? 1 : 0;
}
