/*
 * bench_eigen.c — time one symmetric eigen-decomposition of a seeded
 * random n x n matrix (every eigenvalue and the 3 vectors of the largest,
 * what a Galileo space needs) with cuSOLVER (cuda_eigen_sym) and, in a
 * build that has src/eigen.c, with LAPACK (eigen_sym); best of R runs.
 *
 *   bench-eigen N [R]   ->   one line: N  cusolver_s  lapack_s  max|dlambda|
 * A figure that was not measured (no device, no eigen.c) is printed as
 * "not-measured".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_api.h"
#include "util.h"
#if __has_include("eigen.h")
#include "eigen.h"
#define HAVE_LAPACK_EIGEN 1
#endif

static void fill(double *a, int n)
{
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            a[(size_t)i * n + j] = a[(size_t)j * n + i] = (double)(s >> 11) / (double)(1ULL << 52) - 1.0;
        }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die_usage("usage: bench-eigen N [REPEATS]");
    int n = atoi(argv[1]), reps = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 3 || reps < 1)
        die_usage("bench-eigen: N >= 3 and REPEATS >= 1");
    size_t nn = (size_t)n * n;
    double *a = xmalloc(nn * sizeof *a), *w = xmalloc((size_t)n * sizeof *w), *top = xmalloc(3 * (size_t)n * sizeof *top);
    double *w_gpu = xmalloc((size_t)n * sizeof *w_gpu);
    char gpu[32] = "not-measured", cpu[32] = "not-measured", diff[32] = "-";
    double best = HUGE_VAL;
    bool have_gpu = false;
    for (int r = 0; r < reps; r++) {
        fill(a, n);
        double t = now_seconds();
        if (cuda_eigen_sym(n, a, w_gpu, 3, top, 0, NULL) != 0)
            break;
        t = now_seconds() - t;
        best = t < best ? t : best;
        have_gpu = true;
    }
    if (have_gpu)
        snprintf(gpu, sizeof gpu, "%.4f", best);
#ifdef HAVE_LAPACK_EIGEN
    best = HUGE_VAL;
    for (int r = 0; r < reps; r++) {
        fill(a, n);
        EigenOut out;
        double t = now_seconds();
        eigen_sym(a, (size_t)n, 3, 0, &out);
        t = now_seconds() - t;
        best = t < best ? t : best;
        memcpy(w, out.values, (size_t)n * sizeof *w);
        eigen_free(&out);
    }
    snprintf(cpu, sizeof cpu, "%.4f", best);
    if (have_gpu) {
        double d = 0.0;
        for (int i = 0; i < n; i++)
            d = fmax(d, fabs(w[i] - w_gpu[i]));
        snprintf(diff, sizeof diff, "%.2e", d);
    }
#endif
    printf(" %6d %12s %12s %12s\n", n, gpu, cpu, diff);
    free(a); free(w); free(top); free(w_gpu);
    return 0;
}
