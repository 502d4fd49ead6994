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

void register_eigen(void)
{
    CU_pSuite s = CU_add_suite("eigen (LAPACK wrapper)", NULL, NULL);
    CU_add_test(s, "2x2: eigenvalues descending, vector sign fixed", test_2x2_values_descending_and_vector_sign);
    CU_add_test(s, "diagonal: top and bottom vectors", test_diagonal_top_and_bottom_vectors);
    CU_add_test(s, "sign: largest |entry| positive, ties to the lowest index", test_sign_ties_go_to_the_lowest_index);
    CU_add_test(s, "60x60: selected vectors equal divide and conquer", test_selected_vectors_equal_divide_and_conquer);
    CU_add_test(s, "eigenvalues only", test_values_only);
}
