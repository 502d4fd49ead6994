/*
 * test_util.c — make_dirs, the mkdir -p behind every output folder option
 * (--galileo, --live, huey galileo/clusters --out).
 */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_make_dirs_creates_parents_and_accepts_existing(void)
{
    char base[] = "/tmp/huey-util-XXXXXX", path[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
    snprintf(path, sizeof path, "%s/a/b/c", base);
    CU_ASSERT_EQUAL(make_dirs(path), 0);
    CU_ASSERT(is_dir(path));
    CU_ASSERT_EQUAL(make_dirs(path), 0);   /* already there */
    snprintf(path, sizeof path, "%s/a/b/", base);
    CU_ASSERT_EQUAL(make_dirs(path), 0);   /* a trailing slash */
    snprintf(path, sizeof path, "%s/a/b/c", base);
    rmdir(path);
    snprintf(path, sizeof path, "%s/a/b", base);
    rmdir(path);
    snprintf(path, sizeof path, "%s/a", base);
    rmdir(path);
    rmdir(base);
}

static void test_make_dirs_refuses_a_file_in_the_path(void)
{
    char base[] = "/tmp/huey-util-XXXXXX", path[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
    snprintf(path, sizeof path, "%s/file", base);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(make_dirs(path), ENOTDIR);   /* the path itself is a file */
    snprintf(path, sizeof path, "%s/file/x", base);
    CU_ASSERT_EQUAL(make_dirs(path), ENOTDIR);   /* a file on the way */
    CU_ASSERT(!is_dir(path));
    snprintf(path, sizeof path, "%s/file", base);
    unlink(path);
    rmdir(base);
}

void register_util(void)
{
    CU_pSuite s = CU_add_suite("util", NULL, NULL);
    CU_add_test(s, "make_dirs creates missing parents, accepts what exists", test_make_dirs_creates_parents_and_accepts_existing);
    CU_add_test(s, "make_dirs refuses a file in the path", test_make_dirs_refuses_a_file_in_the_path);
}
