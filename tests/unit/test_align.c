/*
 * test_align.c — align.c (huey-model.md §12.5) and jsonread.c: the Jacobi
 * SVD, Kabsch rotations recovered from rotated point sets to 1e-12, a
 * reflection never applied (proper rotations only), the signed
 * pseudo-norm on residuals worked out by hand, free concepts, and the
 * JSON reader and space reader.
 */
#define _POSIX_C_SOURCE 200809L
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "align.h"
#include "jsonread.h"

#define ASSERT_NEAR(got, want, tol)                                                        \
    do {                                                                                   \
        double g_ = (got), w_ = (want);                                                    \
        if (!(fabs(g_ - w_) <= (tol)))                                                     \
            fprintf(stderr, "\n    %s:%d: %s = %.17g, expected %.17g\n", __FILE__, __LINE__, \
                    #got, g_, w_);                                                         \
        CU_ASSERT(fabs(g_ - w_) <= (tol));                                                 \
    } while (0)

static unsigned long long rng_state = 88172645463325252ULL;

/* uniform in [-1, 1) (xorshift64) */
static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1;
}

static double det3(const double *R)
{
    return R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
           R[2] * (R[3] * R[7] - R[4] * R[6]);
}

/* A random proper rotation k×k: Gram-Schmidt on random columns, then the
 * last column's sign flipped if the determinant came out -1. */
static void random_rotation(double *R, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < k; i++)
            R[i * k + j] = urand();
        for (int pass = 0; pass < 2; pass++)
            for (size_t c = 0; c < j; c++) {
                double d = 0;
                for (size_t i = 0; i < k; i++)
                    d += R[i * k + c] * R[i * k + j];
                for (size_t i = 0; i < k; i++)
                    R[i * k + j] -= d * R[i * k + c];
            }
        double nn = 0;
        for (size_t i = 0; i < k; i++)
            nn += R[i * k + j] * R[i * k + j];
        for (size_t i = 0; i < k; i++)
            R[i * k + j] /= sqrt(nn);
    }
    if (align_det(R, k) < 0)
        for (size_t i = 0; i < k; i++)
            R[i * k + k - 1] = -R[i * k + k - 1];
}

/* ---- SVD ------------------------------------------------------------------- */

static void check_svd(const double *C, size_t k)
{
    double U[100], V[100], s[10];
    align_svd(C, k, U, s, V);
    for (size_t j = 0; j + 1 < k; j++)
        CU_ASSERT(s[j] >= s[j + 1]);
    double scale = s[0] > 1 ? s[0] : 1;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double r = 0, uu = 0, vv = 0;
            for (size_t c = 0; c < k; c++) {
                r += U[a * k + c] * s[c] * V[b * k + c];
                uu += U[c * k + a] * U[c * k + b];
                vv += V[c * k + a] * V[c * k + b];
            }
            ASSERT_NEAR(r, C[a * k + b], 1e-13 * scale);
            ASSERT_NEAR(uu, a == b, 1e-13);
            ASSERT_NEAR(vv, a == b, 1e-13);
        }
}

static void test_svd_reconstructs(void)
{
    double C[100];
    for (size_t k = 1; k <= 10; k++) {
        for (size_t i = 0; i < k * k; i++)
            C[i] = urand() * 10;
        check_svd(C, k);
    }
    /* rank 2 and rank 1 in 3-D (points in a plane, on a line) and zero */
    const double plane[9] = { 1, 2, 3, 2, 4, 6.5, 0, 0, 0 };
    check_svd(plane, 3);
    const double line[9] = { 1, 2, 3, 2, 4, 6, -1, -2, -3 };
    check_svd(line, 3);
    const double zero[9] = { 0 };
    check_svd(zero, 3);
}

/* ---- rotations ------------------------------------------------------------- */

/* b = a·R0 + t for m points in (p real, q imaginary) blocks with their own
 * rotations: aligning b onto a must find R0ᵀ per block, residuals ~0. */
static void recover(size_t m, size_t p, size_t q)
{
    size_t w = p + q;
    double *a = malloc(m * w * sizeof *a), *b = malloc(m * w * sizeof *b);
    double Rp[100], Rq[100], t[20];
    random_rotation(Rp, p);
    random_rotation(Rq, q);
    for (size_t c = 0; c < w; c++)
        t[c] = urand() * 50;
    for (size_t i = 0; i < m * w; i++)
        a[i] = urand() * 10;
    for (size_t i = 0; i < m; i++)
        for (size_t c = 0; c < w; c++) {
            bool real = c < p;
            size_t k = real ? p : q, c0 = real ? 0 : p, cc = c - c0;
            const double *R = real ? Rp : Rq;
            double v = 0;
            for (size_t e = 0; e < k; e++)
                v += a[i * w + c0 + e] * R[e * k + cc];
            b[i * w + c] = v + t[c];
        }
    AlignResult r;
    align_blocks(a, b, m, p, q, NULL, &r);
    for (size_t x = 0; x < p; x++)
        for (size_t y = 0; y < p; y++)
            ASSERT_NEAR(r.rot_real[x * p + y], Rp[y * p + x], 1e-12);
    for (size_t x = 0; x < q; x++)
        for (size_t y = 0; y < q; y++)
            ASSERT_NEAR(r.rot_imag[x * q + y], Rq[y * q + x], 1e-12);
    for (size_t i = 0; i < m; i++) {
        ASSERT_NEAR(r.euclid[i], 0, 1e-12);
        for (size_t c = 0; c < w; c++)
            ASSERT_NEAR(r.b_aligned[i * w + c], a[i * w + c], 1e-12);
    }
    ASSERT_NEAR(r.rms, 0, 1e-12);
    CU_ASSERT_EQUAL(r.nfit, m);
    align_result_free(&r);
    free(a);
    free(b);
}

static void test_known_rotations_recovered(void)
{
    recover(20, 3, 0);
    recover(20, 2, 0);
    recover(30, 5, 0);
    recover(25, 3, 2);
    recover(12, 2, 3);
    recover(40, 8, 2);
    recover(4, 3, 0);   /* as few points as dimensions + 1 */
}

/* b is a's mirror image (z → −z): the best orthogonal map is that
 * reflection, but only a proper rotation may be used, so the residual
 * stays and det R = +1. */
static void test_reflection_not_applied(void)
{
    enum { M = 20 };
    double a[M * 3], b[M * 3];
    for (size_t i = 0; i < M; i++) {
        a[i * 3 + 0] = urand() * 10;
        a[i * 3 + 1] = urand() * 10;
        a[i * 3 + 2] = urand() * 10;
        b[i * 3 + 0] = a[i * 3 + 0];
        b[i * 3 + 1] = a[i * 3 + 1];
        b[i * 3 + 2] = -a[i * 3 + 2];
    }
    AlignResult r;
    align_blocks(a, b, M, 3, 0, NULL, &r);
    ASSERT_NEAR(det3(r.rot_real), 1, 1e-12);
    for (size_t x = 0; x < 3; x++)
        for (size_t y = 0; y < 3; y++) {
            double d = 0;
            for (size_t c = 0; c < 3; c++)
                d += r.rot_real[x * 3 + c] * r.rot_real[y * 3 + c];
            ASSERT_NEAR(d, x == y, 1e-12);
        }
    CU_ASSERT(r.rms > 1.0);   /* the mirror image cannot be turned onto a */
    align_result_free(&r);
    /* and a 2-D mirror (y → −y) is not undone either */
    double a2[M * 2], b2[M * 2];
    for (size_t i = 0; i < M; i++) {
        a2[i * 2] = b2[i * 2] = urand() * 10;
        a2[i * 2 + 1] = urand() * 10;
        b2[i * 2 + 1] = -a2[i * 2 + 1];
    }
    align_blocks(a2, b2, M, 2, 0, NULL, &r);
    ASSERT_NEAR(r.rot_real[0] * r.rot_real[3] - r.rot_real[1] * r.rot_real[2], 1, 1e-12);
    CU_ASSERT(r.rms > 1.0);
    align_result_free(&r);
}

/* 1-D blocks turn only by +1, so the residuals are the centred
 * differences: real ±1 everywhere, imaginary ±2 on the first two rows.
 *   signed = 1 − 4, 1 − 4, 1, 1; euclid = √5, √5, 1, 1 */
static void test_signed_pseudo_norm(void)
{
    const double a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    const double b[8] = { 1, 2, -1, -2, 1, 0, -1, 0 };
    AlignResult r;
    align_blocks(a, b, 4, 1, 1, NULL, &r);
    ASSERT_NEAR(r.rot_real[0], 1, 0);
    ASSERT_NEAR(r.rot_imag[0], 1, 0);
    const double sig[4] = { -3, -3, 1, 1 };
    const double eu[4] = { sqrt(5), sqrt(5), 1, 1 };
    for (size_t i = 0; i < 4; i++) {
        ASSERT_NEAR(r.signed_sq[i], sig[i], 1e-15);
        ASSERT_NEAR(r.euclid[i], eu[i], 1e-15);
        ASSERT_NEAR(r.pseudo[i], sqrt(fabs(sig[i])), 1e-15);
    }
    ASSERT_NEAR(r.rms, sqrt(3.0), 1e-15);
    ASSERT_NEAR(r.mean_signed_sq, -1, 1e-15);
    ASSERT_NEAR(r.mean_pseudo, (2 * sqrt(3.0) + 2) / 4, 1e-15);
    align_result_free(&r);
}

/* A row far off, left out of the fit: the rotation is still exact, the
 * row is moved and its residual reported, the overall numbers skip it. */
static void test_free_rows_moved_not_fitted(void)
{
    enum { M = 10 };
    double a[M * 3], b[M * 3], R[9];
    random_rotation(R, 3);
    for (size_t i = 0; i < M * 3; i++)
        a[i] = urand() * 5;
    for (size_t i = 0; i < M; i++)
        for (size_t c = 0; c < 3; c++)
            b[i * 3 + c] = a[i * 3] * R[c] + a[i * 3 + 1] * R[3 + c] + a[i * 3 + 2] * R[6 + c];
    b[0] += 100;
    bool fit[M];
    for (size_t i = 0; i < M; i++)
        fit[i] = i != 0;
    AlignResult r;
    align_blocks(a, b, M, 3, 0, fit, &r);
    CU_ASSERT_EQUAL(r.nfit, M - 1);
    ASSERT_NEAR(r.rms, 0, 1e-12);
    ASSERT_NEAR(r.euclid[0], 100, 1e-9);   /* |R0ᵀ·(100, 0, 0)| */
    align_result_free(&r);
}

/* ---- JSON reader ----------------------------------------------------------- */

static void test_json_reader(void)
{
    char err[128];
    const char *doc = "{\"a\": [1, -2.5e3, true, false, null, NaN, -Infinity, Infinity],\n"
                      " \"s\": \"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\n<\", \"o\": {}, \"e\": []}";
    Jv *v = jv_parse(doc, strlen(doc), err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    const Jv *a = jv_get(v, "a");
    CU_ASSERT_EQUAL_FATAL(a->n, 8);
    CU_ASSERT_EQUAL(a->item[0].num, 1);
    CU_ASSERT_EQUAL(a->item[1].num, -2500);
    CU_ASSERT(a->item[2].type == JV_BOOL && a->item[2].b);
    CU_ASSERT(a->item[3].type == JV_BOOL && !a->item[3].b);
    CU_ASSERT(a->item[4].type == JV_NULL);
    CU_ASSERT(isnan(a->item[5].num));
    CU_ASSERT(a->item[6].num == -INFINITY && a->item[7].num == INFINITY);
    CU_ASSERT_STRING_EQUAL(jv_get(v, "s")->str, "\xc3\xa9\xf0\x9f\x98\x80\"\\/\n<");
    CU_ASSERT_EQUAL(jv_get(v, "o")->type, JV_OBJECT);
    CU_ASSERT_EQUAL(jv_get(v, "e")->n, 0);
    CU_ASSERT_PTR_NULL(jv_get(v, "missing"));
    jv_free(v);
    static const char *const bad[] = { "{\"a\": }", "[1, 2", "{\"a\" 1}", "\"\\ud800\"", "[1] 2", "[01x]",
                                       "\"tab\there\"", "" };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        v = jv_parse(bad[k], strlen(bad[k]), err, sizeof err);
        CU_ASSERT_PTR_NULL(v);
        jv_free(v);
    }
    v = jv_parse("{\n\n  \"a\": tru}", 15, err, sizeof err);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 3:"));
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/huey-test-space-XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_space_reader(void)
{
    /* the reference's layout: the Torgerson object wins over the GPU class's */
    char *p1 = write_temp("{\"gpu_class_galileo\": {\"labels\": [\"x\"], \"coordinates\": [[1, 2, 3]],"
                          " \"eigenvalues_desc\": [3, 2, 1]},"
                          " \"web_torgerson_galileo\": {\"concept_words\": [\"a\", \"b\"],"
                          " \"positions\": [[1, 2, 3], [4, 5, 6]], \"selected_eigenvalues\": [7, -1, 2],"
                          " \"eigenvalues_desc\": [7, 2, 0, -1]}}");
    SpaceData *s = space_read_json(p1, NULL);
    CU_ASSERT_STRING_EQUAL(s->object, "web_torgerson_galileo");
    CU_ASSERT(s->n == 2 && s->d == 3);
    CU_ASSERT_STRING_EQUAL(s->label[1], "b");
    CU_ASSERT_EQUAL(s->x[1 * 3 + 2], 6);
    CU_ASSERT(s->lambda[0] == 7 && s->lambda[1] == -1 && s->lambda[2] == 2);
    space_data_free(s);
    s = space_read_json(p1, "gpu_class_galileo");
    CU_ASSERT(s->n == 1 && s->d == 3 && s->lambda[2] == 1);
    space_data_free(s);
    /* huey galileo's space.json: the space at the top level */
    char *p2 = write_temp("{\"method\": \"torgerson\", \"profile\": \"web\", \"labels\": [\"a\", \"b\", \"c\"],"
                          " \"coordinates\": [[1, 0], [0, 1], [1, 1]], \"eigenvalues_desc\": [2, -3, 1]}");
    s = space_read_json(p2, NULL);
    CU_ASSERT_STRING_EQUAL(s->object, "top level");
    CU_ASSERT(s->n == 3 && s->d == 2 && s->lambda[0] == 2 && s->lambda[1] == -3);
    space_data_free(s);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
}

void register_align(void)
{
    CU_pSuite s = CU_add_suite("align", NULL, NULL);
    CU_add_test(s, "Jacobi SVD: U S V^T = C, orthogonal, rank-deficient", test_svd_reconstructs);
    CU_add_test(s, "known proper rotations recovered to 1e-12", test_known_rotations_recovered);
    CU_add_test(s, "a reflection is never applied", test_reflection_not_applied);
    CU_add_test(s, "signed pseudo-norm ||d_r||^2 - ||d_i||^2", test_signed_pseudo_norm);
    CU_add_test(s, "free rows moved, not fitted", test_free_rows_moved_not_fitted);
    CU_add_test(s, "JSON reader: values, escapes, errors", test_json_reader);
    CU_add_test(s, "space reader: reference and space.json layouts", test_space_reader);
}
