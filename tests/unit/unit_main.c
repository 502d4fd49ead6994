/*
 * unit_main.c — CUnit runner. Each tests/unit/test_NAME.c provides
 * register_NAME(), which adds its suite(s); suites.h lists them.
 * The exit status counts failures (CU_basic_run_tests() alone does not).
 */
#include <CUnit/Basic.h>
#include <stdio.h>

#define SUITE(name) void register_##name(void);
#include "suites.h"
#undef SUITE

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_set_fail_on_inactive(CU_FALSE);
#define SUITE(name) register_##name();
#include "suites.h"
#undef SUITE
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failure_records();
    unsigned inactive = CU_get_number_of_suites_inactive();
    if (inactive)
        printf("unit: %u suite(s) SKIPPED (inactive)\n", inactive);
    printf("unit: %s\n", failed ? "FAILED" : "OK");
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
