/*
 * test_mt19937.c — the MT19937 stream equals CPython's random.random().
 * Expected values printed by CPython 3.11: random.seed(s); random.random().
 */
#include <CUnit/CUnit.h>
#include <string.h>
#include "mt19937.h"

static void test_seed0_first_values_match_cpython(void)
{
    Mt19937 r;
    mt_seed(&r, 0);
    CU_ASSERT_DOUBLE_EQUAL(mt_random(&r), 0.8444218515250481, 0.0);
    CU_ASSERT_EQUAL(mt_random(&r), 0.7579544029403025);
    CU_ASSERT_EQUAL(mt_random(&r), 0.420571580830845);
    /* random.getrandbits(32) after three random() calls */
    CU_ASSERT_EQUAL(mt_genrand32(&r), 1112038970U);
}

static void test_seed42_first_values_match_cpython(void)
{
    Mt19937 r;
    mt_seed(&r, 42);
    CU_ASSERT_EQUAL(mt_random(&r), 0.6394267984578837);
    CU_ASSERT_EQUAL(mt_random(&r), 0.025010755222666936);
    CU_ASSERT_EQUAL(mt_random(&r), 0.27502931836911926);
    CU_ASSERT_EQUAL(mt_genrand32(&r), 958682846U);
}

static void test_seed_above_32_bits_uses_two_key_words(void)
{
    Mt19937 r;
    mt_seed(&r, 4294967301ULL); /* 2**32 + 5 */
    CU_ASSERT_EQUAL(mt_random(&r), 0.15727238718789782);
    CU_ASSERT_EQUAL(mt_random(&r), 0.2824866316461999);
}

static void test_stream_crosses_regeneration(void)
{
    /* 1001st value after seed 0: the 624-word state is regenerated 3 times */
    Mt19937 r;
    mt_seed(&r, 0);
    for (int i = 0; i < 1000; i++)
        mt_random(&r);
    CU_ASSERT_EQUAL(mt_random(&r), 0.9466893945947962);
}

static void test_state_copy_resumes_same_stream(void)
{
    Mt19937 a, b;
    mt_seed(&a, 7);
    for (int i = 0; i < 700; i++)
        mt_random(&a);
    memcpy(&b, &a, sizeof a);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(mt_random(&a), mt_random(&b));
}

void register_mt19937(void)
{
    CU_pSuite s = CU_add_suite("mt19937 (CPython random)", NULL, NULL);
    CU_add_test(s, "seed 0: first values equal CPython", test_seed0_first_values_match_cpython);
    CU_add_test(s, "seed 42: first values equal CPython", test_seed42_first_values_match_cpython);
    CU_add_test(s, "seed >= 2^32 uses a two-word key", test_seed_above_32_bits_uses_two_key_words);
    CU_add_test(s, "stream crosses state regeneration", test_stream_crosses_regeneration);
    CU_add_test(s, "copied state resumes the same stream", test_state_copy_resumes_same_stream);
}
