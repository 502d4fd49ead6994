/*
 * test_eigen.c — eigen.c on small matrices whose decomposition is known,
 * and its two paths (tridiagonal + selected vectors, divide and conquer)
 * against each other.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"

static void test_2x2_values_descending_and_vector_sign(void)
{
    double a[4] = { 2, 1, 1, 2 };   /* λ = 3 (1,1)/√2, 1 (1,-1)/√2 */
    EigenOut e;
    eigen_sym(a, 2, 1, 0, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.values[0], 3.0, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.values[1], 1.0, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.top[0], sqrt(0.5), 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.top[1], sqrt(0.5), 1e-14);
    eigen_free(&e);
}

static void test_diagonal_top_and_bottom_vectors(void)
{
    /* diag(1, -2, 3, 0): descending 3, 1, 0, -2 */
    double a[16] = { 0 };
    a[0] = 1; a[5] = -2; a[10] = 3; a[15] = 0;
    EigenOut e;
    eigen_sym(a, 4, 2, 1, &e);
    double want[4] = { 3, 1, 0, -2 };
    for (int i = 0; i < 4; i++)
        CU_ASSERT_DOUBLE_EQUAL(e.values[i], want[i], 1e-14);
    /* top: e3 then e1; bottom: e2; each +1 where it is not 0 */
    CU_ASSERT_DOUBLE_EQUAL(e.top[0 * 4 + 2], 1.0, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.top[1 * 4 + 0], 1.0, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.bottom[1], 1.0, 1e-14);
    eigen_free(&e);
}

static void test_sign_ties_go_to_the_lowest_index(void)
{
    double v[3] = { -0.5, 0.5, 0.1 };
    eigen_fix_sign(v, 3);
    CU_ASSERT_EQUAL(v[0], 0.5);
    CU_ASSERT_EQUAL(v[1], -0.5);
    CU_ASSERT_EQUAL(v[2], -0.1);
    double w[2] = { 0.2, -0.9 };
    eigen_fix_sign(w, 2);
    CU_ASSERT_EQUAL(w[1], 0.9);
}

/* A random symmetric n×n matrix (row-major) from a fixed LCG. */
static double *random_sym(size_t n, unsigned seed)
{
    double *a = malloc(n * n * sizeof *a);
    unsigned x = seed;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            x = x * 1103515245u + 12345u;
            a[i * n + j] = a[j * n + i] = (double)(x >> 8) / (double)(1u << 24) - 0.5;
        }
    return a;
}

static double residual(const double *a, size_t n, double lambda, const double *v)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++)
            s += a[i * n + j] * v[j];
        worst = fmax(worst, fabs(s - lambda * v[i]));
    }
    return worst;
}

static void test_selected_vectors_equal_divide_and_conquer(void)
{
    size_t n = 60;
    double *a = random_sym(n, 7), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    memcpy(b, a, n * n * sizeof *a);
    memcpy(c, a, n * n * sizeof *a);
    EigenOut few, all;
    eigen_sym(b, n, 3, 2, &few);
    eigen_sym(c, n, n, 0, &all);
    double trace = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        trace += a[i * n + i];
        sum += few.values[i];
        CU_ASSERT_DOUBLE_EQUAL(few.values[i], all.values[i], 1e-12);
        if (i)
            CU_ASSERT(few.values[i] <= few.values[i - 1]);
    }
    CU_ASSERT_DOUBLE_EQUAL(sum, trace, 1e-12);
    for (size_t k = 0; k < 3; k++) {
        CU_ASSERT(residual(a, n, few.values[k], few.top + k * n) < 1e-12);
        for (size_t i = 0; i < n; i++)   /* same signs: one convention */
            CU_ASSERT_DOUBLE_EQUAL(few.top[k * n + i], all.top[k * n + i], 1e-10);
    }
    for (size_t k = 0; k < 2; k++) {
        CU_ASSERT(residual(a, n, few.values[n - 1 - k], few.bottom + k * n) < 1e-12);
        for (size_t i = 0; i < n; i++)
            CU_ASSERT_DOUBLE_EQUAL(few.bottom[k * n + i], all.top[(n - 1 - k) * n + i], 1e-10);
    }
    eigen_free(&few);
    eigen_free(&all);
    free(a);
    free(b);
    free(c);
}

/* n = 800: the two-stage path (band reduction + inverse iteration) */
static void test_two_stage_equals_divide_and_conquer(void)
{
    size_t n = 800;
    double *a = random_sym(n, 11), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    memcpy(b, a, n * n * sizeof *a);
    memcpy(c, a, n * n * sizeof *a);
    EigenOut few, all;
    eigen_sym(b, n, 3, 3, &few);
    eigen_sym(c, n, n, 0, &all);
    double big = fmax(fabs(all.values[0]), fabs(all.values[n - 1]));
    for (size_t i = 0; i < n; i++)
        CU_ASSERT(fabs(few.values[i] - all.values[i]) <= 1e-12 * big);
    for (size_t k = 0; k < 3; k++) {
        CU_ASSERT(residual(a, n, few.values[k], few.top + k * n) < 1e-12 * big);
        CU_ASSERT(residual(a, n, few.values[n - 1 - k], few.bottom + k * n) < 1e-12 * big);
        for (size_t i = 0; i < n; i++) {
            CU_ASSERT_DOUBLE_EQUAL(few.top[k * n + i], all.top[k * n + i], 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(few.bottom[k * n + i], all.top[(n - 1 - k) * n + i], 1e-9);
        }
    }
    eigen_free(&few);
    eigen_free(&all);
    free(a);
    free(b);
    free(c);
}

/* The two-stage path's fallback: the matrix rebuilt from band and
 * reflectors, then the one-stage path; the same decomposition. */
static void test_two_stage_fallback(void)
{
    size_t n = 800;
    double *a = random_sym(n, 13), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    memcpy(b, a, n * n * sizeof *a);
    memcpy(c, a, n * n * sizeof *a);
    EigenOut fast, slow;
    eigen_sym(b, n, 3, 1, &fast);
    eigen_two_stage_refuse = true;
    eigen_sym(c, n, 3, 1, &slow);
    eigen_two_stage_refuse = false;
    double big = fmax(fabs(slow.values[0]), fabs(slow.values[n - 1]));
    for (size_t i = 0; i < n; i++)
        CU_ASSERT(fabs(fast.values[i] - slow.values[i]) <= 1e-12 * big);
    for (size_t k = 0; k < 3; k++)
        CU_ASSERT(residual(a, n, slow.values[k], slow.top + k * n) < 1e-12 * big);
    CU_ASSERT(residual(a, n, slow.values[n - 1], slow.bottom) < 1e-12 * big);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_DOUBLE_EQUAL(fast.top[i], slow.top[i], 1e-9);
        CU_ASSERT_DOUBLE_EQUAL(fast.bottom[i], slow.bottom[i], 1e-9);
    }
    eigen_free(&fast);
    eigen_free(&slow);
    free(a);
    free(b);
    free(c);
}

/* A double top eigenvalue: any orthonormal pair of its plane is right. */
static void test_two_stage_repeated_eigenvalue(void)
{
    size_t n = 800;
    double *w = malloc(n * sizeof *w), *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
    double nw = 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = sin((double)i + 1.0);
        nw += w[i] * w[i];
    }
    for (size_t i = 0; i < n; i++)
        w[i] /= sqrt(nw);
    /* A = H·D·H, H = I - 2wwᵀ, D = diag(5, 5, 1 - i/n ...):
     * A = D - 2·w·(Dw)ᵀ - 2·(Dw)·wᵀ + 4·(wᵀDw)·wwᵀ */
    double *dw = malloc(n * sizeof *dw), wdw = 0;
    for (size_t k = 0; k < n; k++) {
        dw[k] = (k < 2 ? 5.0 : 1.0 - (double)k / (double)n) * w[k];
        wdw += w[k] * dw[k];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            a[i * n + j] = (i == j ? (i < 2 ? 5.0 : 1.0 - (double)i / (double)n) : 0.0) - 2 * w[i] * dw[j] -
                           2 * dw[i] * w[j] + 4 * wdw * w[i] * w[j];
    free(dw);
    for (size_t i = 0; i < n; i++)   /* exactly symmetric */
        for (size_t j = 0; j < i; j++)
            a[j * n + i] = a[i * n + j];
    memcpy(b, a, n * n * sizeof *a);
    EigenOut e;
    eigen_sym(b, n, 3, 0, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.values[0], 5.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(e.values[1], 5.0, 1e-12);
    double dot = 0;
    for (size_t i = 0; i < n; i++)
        dot += e.top[i] * e.top[n + i];
    CU_ASSERT(fabs(dot) < 1e-8);
    for (size_t k = 0; k < 3; k++)
        CU_ASSERT(residual(a, n, e.values[k], e.top + k * n) < 1e-10);
    eigen_free(&e);
    free(w);
    free(a);
    free(b);
}

static void test_values_only(void)
{
    double a[9] = { 4, 0, 0, 0, -1, 0, 0, 0, 2 };
    EigenOut e;
    eigen_sym(a, 3, 0, 0, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.values[0], 4, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.values[1], 2, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(e.values[2], -1, 1e-14);
    eigen_free(&e);
}


/* ---- eigen_lanczos: matrix-free top/bottom pairs ---------------------------- */

typedef struct Dense {
    const double *a;   /* (n, n) row-major */
    size_t n;
} Dense;

static void dense_apply(void *ctx, const double *x, double *y)
{
    const Dense *d = ctx;
    for (size_t i = 0; i < d->n; i++) {
        double s = 0;
        for (size_t j = 0; j < d->n; j++)
            s += d->a[i * d->n + j] * x[j];
        y[i] = s;
    }
}

/* n = 400 (basis 48 < n: restarts): the 3 largest and 2 smallest equal the
 * dense path's, eigenvalues within 1e-10·max|λ|, vectors (same signs) 1e-7 */
static void test_lanczos_equals_dense(void)
{
    size_t n = 400;
    double *a = random_sym(n, 17), *c = malloc(n * n * sizeof *c);
    memcpy(c, a, n * n * sizeof *a);
    Dense d = { a, n };
    EigenOut lz, all;
    eigen_lanczos(dense_apply, &d, n, 3, 2, 1e-12, &lz);
    eigen_sym(c, n, n, 0, &all);
    double big = fmax(fabs(all.values[0]), fabs(all.values[n - 1]));
    CU_ASSERT(lz.partial);
    CU_ASSERT_EQUAL(lz.nvalues, 5);
    CU_ASSERT(lz.residual <= 1e-11);
    for (size_t k = 0; k < 3; k++) {
        CU_ASSERT(fabs(lz.values[k] - all.values[k]) <= 1e-10 * big);
        for (size_t i = 0; i < n; i++)
            CU_ASSERT_DOUBLE_EQUAL(lz.top[k * n + i], all.top[k * n + i], 1e-7);
    }
    for (size_t k = 0; k < 2; k++) {
        CU_ASSERT(fabs(lz.values[3 + k] - all.values[n - 1 - k]) <= 1e-10 * big);
        for (size_t i = 0; i < n; i++)
            CU_ASSERT_DOUBLE_EQUAL(lz.bottom[k * n + i], all.top[(n - 1 - k) * n + i], 1e-7);
    }
    eigen_free(&lz);
    eigen_free(&all);
    free(a);
    free(c);
}

/* A fixed start vector: two runs give the same bits. */
static void test_lanczos_deterministic(void)
{
    size_t n = 300;
    double *a = random_sym(n, 19);
    Dense d = { a, n };
    EigenOut x, y;
    eigen_lanczos(dense_apply, &d, n, 3, 1, 1e-12, &x);
    eigen_lanczos(dense_apply, &d, n, 3, 1, 1e-12, &y);
    CU_ASSERT_EQUAL(x.matvecs, y.matvecs);
    CU_ASSERT(!memcmp(x.values, y.values, 4 * sizeof *x.values));
    CU_ASSERT(!memcmp(x.top, y.top, 3 * n * sizeof *x.top));
    CU_ASSERT(!memcmp(x.bottom, y.bottom, n * sizeof *x.bottom));
    eigen_free(&x);
    eigen_free(&y);
    free(a);
}

/* n smaller than the basis: the whole space is spanned, so a repeated
 * eigenvalue is found with its multiplicity; signs as eigen_fix_sign. */
static void test_lanczos_small_repeated_and_sign(void)
{
    double a[25] = { 0 };
    double diag[5] = { 1, 3, -1, 3, 0 };
    for (int i = 0; i < 5; i++)
        a[i * 5 + i] = diag[i];
    Dense d = { a, 5 };
    EigenOut e;
    eigen_lanczos(dense_apply, &d, 5, 2, 1, 1e-12, &e);
    CU_ASSERT_DOUBLE_EQUAL(e.values[0], 3.0, 1e-13);
    CU_ASSERT_DOUBLE_EQUAL(e.values[1], 3.0, 1e-13);
    CU_ASSERT_DOUBLE_EQUAL(e.values[2], -1.0, 1e-13);
    /* the -1 vector is e_2, +1 after the sign fix */
    CU_ASSERT_DOUBLE_EQUAL(e.bottom[2], 1.0, 1e-12);
    for (size_t k = 0; k < 2; k++) {   /* in the plane of e_1, e_3; largest entry positive */
        const double *v = e.top + k * 5;
        CU_ASSERT(fabs(v[0]) + fabs(v[2]) + fabs(v[4]) < 1e-12);
        CU_ASSERT(fabs(v[1]) >= fabs(v[3]) ? v[1] > 0 : v[3] > 0);
    }
    double dot = e.top[1] * e.top[6] + e.top[3] * e.top[8];
    CU_ASSERT(fabs(dot) < 1e-12);
    eigen_free(&e);
}

void register_eigen(void)
{
    CU_pSuite s = CU_add_suite("eigen (LAPACK wrapper)", NULL, NULL);
    CU_add_test(s, "2x2: eigenvalues descending, vector sign fixed", test_2x2_values_descending_and_vector_sign);
    CU_add_test(s, "diagonal: top and bottom vectors", test_diagonal_top_and_bottom_vectors);
    CU_add_test(s, "sign: largest |entry| positive, ties to the lowest index", test_sign_ties_go_to_the_lowest_index);
    CU_add_test(s, "60x60: selected vectors equal divide and conquer", test_selected_vectors_equal_divide_and_conquer);
    CU_add_test(s, "eigenvalues only", test_values_only);
    CU_add_test(s, "800x800 two-stage path equals divide and conquer", test_two_stage_equals_divide_and_conquer);
    CU_add_test(s, "800x800 two-stage path, repeated top eigenvalue", test_two_stage_repeated_eigenvalue);
    CU_add_test(s, "800x800 two-stage fallback: rebuilt matrix, one-stage path", test_two_stage_fallback);
    CU_add_test(s, "Lanczos 400x400: top 3 and bottom 2 equal the dense path", test_lanczos_equals_dense);
    CU_add_test(s, "Lanczos: fixed start vector, the same bits twice", test_lanczos_deterministic);
    CU_add_test(s, "Lanczos n < basis: repeated eigenvalue found twice, signs fixed", test_lanczos_small_repeated_and_sign);
}
