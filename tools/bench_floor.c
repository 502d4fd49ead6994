/*
 * bench_floor.c — the floor under the step's row work (make bench, section
 * 9): what one core needs to decay COPIES connection weights, keep the
 * smallest of each row for the prune test and form each row's two sums
 * (the weights, and the weights times the partners' activations), for ROWS
 * rows, with nothing else: the rows of equal length and back to back in
 * memory (no headers, no scattered blocks, no window rows, no deletions),
 * each partner one of the ROWS neurons (a partner has connections, so it
 * is a row of the step), their ids spread evenly over NEURONS. huey's step does this and more (the
 * rows lie where the allocator put them, some lose connections, the
 * window's rows keep their Hebbian copies, σ follows); the ratio of its
 * time to this one says how far it is from the floor.
 *
 *   bench-floor COPIES ROWS NEURONS [WINDOWS]
 *
 * Each row holds COPIES/ROWS weights rounded to whole vectors of 4 (at
 * least 4). Prints "floor_ns_per_window X ns_per_copy Y ..." (the least
 * of 5 timings of WINDOWS windows, default 200 000; X = Y x COPIES, so
 * that the rounding does not count). AVX2 (one vector of 4 weights at a
 * time, the activations by scalar loads as huey takes them); the plain C
 * loop where the CPU has no AVX2.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    int32_t rows, len;   /* len: weights a row, a multiple of 4 */
    double *w, *act, *strength, *h;
    int32_t *nb;
} Floor;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One window's row work; returns how many rows hold a weight below cut
 * (the rows huey would prune), so that nothing is optimised away. */
static int32_t window_plain(Floor *f, double decay, double lo_w, double cut)
{
    int32_t below = 0;
    for (int32_t r = 0; r < f->rows; r++) {
        double *w = f->w + (size_t)r * (size_t)f->len;
        const int32_t *nb = f->nb + (size_t)r * (size_t)f->len;
        double sw = 0, sh = 0, low = HUGE_VAL;
        for (int32_t k = 0; k < f->len; k++) {
            double x = w[k] * decay;
            x = x > lo_w ? x : lo_w;
            w[k] = x;
            low = x < low ? x : low;
            sw += x;
            sh += x * f->act[nb[k]];
        }
        f->strength[r] = sw;
        f->h[r] = sh;
        below += low < cut;
    }
    return below;
}

#if defined(__x86_64__)
static __attribute__((target("avx2"))) int32_t window_avx2(Floor *f, double decay, double lo_w, double cut)
{
    const __m256d vd = _mm256_set1_pd(decay), vf = _mm256_set1_pd(lo_w), vc = _mm256_set1_pd(cut);
    const double *act = f->act;
    int32_t below = 0;
    for (int32_t r = 0; r < f->rows; r++) {
        double *w = f->w + (size_t)r * (size_t)f->len;
        const int32_t *nb = f->nb + (size_t)r * (size_t)f->len;
        __m256d sw = _mm256_setzero_pd(), sh = sw, low = _mm256_set1_pd(HUGE_VAL);
        for (int32_t k = 0; k < f->len; k += 4) {
            __m256d a = _mm256_set_pd(act[nb[k + 3]], act[nb[k + 2]], act[nb[k + 1]], act[nb[k]]);
            __m256d x = _mm256_max_pd(vf, _mm256_mul_pd(vd, _mm256_loadu_pd(w + k)));
            _mm256_storeu_pd(w + k, x);
            sh = _mm256_add_pd(sh, _mm256_mul_pd(x, a));   /* no FMA: huey's sums round twice */
            sw = _mm256_add_pd(sw, x);
            low = _mm256_min_pd(low, x);
        }
        __m256d both = _mm256_hadd_pd(sw, sh);
        __m128d s = _mm_add_pd(_mm256_castpd256_pd128(both), _mm256_extractf128_pd(both, 1));
        _mm_storel_pd(f->strength + r, s);
        _mm_storeh_pd(f->h + r, s);
        below += _mm256_movemask_pd(_mm256_cmp_pd(low, vc, _CMP_LT_OQ)) != 0;
    }
    return below;
}
#endif

static long arg(const char *s, const char *name, long lo)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < lo) {
        fprintf(stderr, "bench-floor: %s: expected an integer >= %ld, got '%s'\n", name, lo, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: bench-floor COPIES ROWS NEURONS [WINDOWS]\n");
        return 2;
    }
    long copies = arg(argv[1], "COPIES", 1), rows = arg(argv[2], "ROWS", 1);
    long neurons = arg(argv[3], "NEURONS", 1), windows = argc > 4 ? arg(argv[4], "WINDOWS", 1) : 200000;
    if (rows > copies || rows > neurons || copies > 100000000L || neurons > 100000000L) {
        fprintf(stderr, "bench-floor: need ROWS <= COPIES <= 1e8 and ROWS <= NEURONS <= 1e8\n");
        return 2;
    }
    Floor f = { .rows = (int32_t)rows };
    f.len = (int32_t)((2 * copies + 4 * rows) / (8 * rows) * 4);   /* whole vectors, to the nearest */
    if (f.len < 4)
        f.len = 4;
    size_t n = (size_t)f.rows * (size_t)f.len;
    f.w = malloc(n * sizeof *f.w);
    f.nb = malloc(n * sizeof *f.nb);
    f.act = malloc((size_t)neurons * sizeof *f.act);
    f.strength = malloc((size_t)rows * sizeof *f.strength);
    f.h = malloc((size_t)rows * sizeof *f.h);
    if (!f.w || !f.nb || !f.act || !f.strength || !f.h) {
        fprintf(stderr, "bench-floor: out of memory\n");
        return 1;
    }
    uint64_t x = 88172645463325252ULL;   /* xorshift64: any fixed stream */
    for (size_t k = 0; k < n; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        f.nb[k] = (int32_t)(x % (uint64_t)rows * (uint64_t)(neurons / rows));
        f.w[k] = 1.0 + (double)(x >> 40) * 0x1p-24;
    }
    for (long k = 0; k < neurons; k++)
        f.act[k] = 0.01 + 0.5 * (double)(k % 97) / 97.0;

    int32_t (*window)(Floor *, double, double, double) = window_plain;
    const char *kind = "plain C";
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2"))
        window = window_avx2, kind = "AVX2";
#endif
    double best = HUGE_VAL;
    long below = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t = seconds();
        for (long k = 0; k < windows; k++)
            below += window(&f, 0.999, 1e-6, 1e-9);
        t = seconds() - t;
        best = t < best ? t : best;
    }
    double per_copy = 1e9 * best / (double)windows / (double)n;
    printf("floor_ns_per_window %.1f ns_per_copy %.3f copies_held %zu rows %ld len %d neurons %ld kernel %s (%ld)\n",
           per_copy * (double)copies, per_copy, n, rows, f.len, neurons, kind, below > 0 ? 1L : 0L);
    free(f.w), free(f.nb), free(f.act), free(f.strength), free(f.h);
    return 0;
}
