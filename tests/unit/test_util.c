/*
 * test_util.c — make_dirs, the mkdir -p behind every output folder option
 * (--galileo, --live, huey galileo/clusters --out); parent_dir and
 * output_path_problem, the check of output paths before a run; read_whole and
 * read_path, behind config, kill and JSON files; the phase clock (clock_ticks, ticks_seconds)
 * behind the JSON's per-phase seconds.
 */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A sleep, timed by the phase clock and by the monotonic clock around it,
 * takes the same time by both (within 5 %: the two readings are not taken
 * at the same instant; a wrong tick rate is off by a factor). A VM may stop
 * the thread between two readings for milliseconds, so up to five tries:
 * a wrong rate fails them all. */
static bool phase_clock_agrees(void)
{
    double m0 = now_seconds();
    uint64_t t0 = clock_ticks();
    struct timespec d = { 0, 50 * 1000 * 1000 };
    while (nanosleep(&d, &d) != 0)
        ;
    uint64_t t1 = clock_ticks();
    double m = now_seconds() - m0;
    double s = ticks_seconds(t1 - t0);
    return t1 > t0 && s >= 0.049 && s > 0.95 * m && s < 1.05 * m;
}

static void test_phase_clock_counts_seconds(void)
{
    bool ok = false;
    for (int t = 0; t < 5 && !ok; t++)
        ok = phase_clock_agrees();
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(ticks_seconds(0), 0.0);
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

static void check_parent(const char *path, const char *want)
{
    char *d = parent_dir(path);
    CU_ASSERT_STRING_EQUAL(d, want);
    free(d);
}

static void test_parent_dir(void)
{
    check_parent("out.json", ".");
    check_parent("a/out.json", "a");
    check_parent("a//out.json", "a");
    check_parent("/a/b/out.h5", "/a/b");
    check_parent("/out.h5", "/");
    check_parent("a/b/", "a");   /* a directory's own parent */
}

/* output_path_problem(path, dir) gives the reason want, or NULL for want NULL */
static void check_problem(const char *path, bool dir, const char *want)
{
    char why[600];
    const char *got = output_path_problem(path, dir, why, sizeof why);
    if (!want) {
        CU_ASSERT_PTR_NULL(got);
        return;
    }
    CU_ASSERT_PTR_EQUAL_FATAL(got, why);
    CU_ASSERT_STRING_EQUAL(why, want);
}

/* A file's directory must exist and be a directory; a directory to be
 * made must have a directory as its nearest existing part; a file may not
 * be a directory itself. The reason names the part that is wrong. */
static void test_output_path_problem(void)
{
    char base[] = "/tmp/huey-util-XXXXXX", path[512], want[600], file[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
    snprintf(path, sizeof path, "%s/out.json", base);
    check_problem(path, false, NULL);
    check_problem(base, true, NULL);   /* exists */
    snprintf(path, sizeof path, "%s/new/deeper", base);
    check_problem(path, true, NULL);   /* made later, */
    CU_ASSERT(!is_dir(path));          /* not now */

    snprintf(path, sizeof path, "%s/missing/out.json", base);
    snprintf(want, sizeof want, "directory %s/missing does not exist", base);
    check_problem(path, false, want);
    snprintf(want, sizeof want, "%s is a directory", base);
    check_problem(base, false, want);

    snprintf(file, sizeof file, "%s/file", base);
    FILE *f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    snprintf(want, sizeof want, "%s is not a directory", file);
    snprintf(path, sizeof path, "%s/out.json", file);
    check_problem(path, false, want);
    snprintf(path, sizeof path, "%s/a/b", file);
    check_problem(path, true, want);
    unlink(file);
    rmdir(base);
}

static void test_read_whole_keeps_every_byte(void)
{
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t len = 99;
    char *b = read_whole(f, &len);   /* empty */
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_EQUAL(b[0], '\0');
    free(b);
    /* more than one read's worth, with a NUL inside */
    enum { N = 200000 };
    for (int i = 0; i < N; i++)
        fputc(i == 7 ? '\0' : 'a' + i % 26, f);
    rewind(f);
    b = read_whole(f, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(len, N);
    CU_ASSERT_EQUAL(b[7], '\0');
    CU_ASSERT_EQUAL(b[N - 1], 'a' + (N - 1) % 26);
    CU_ASSERT_EQUAL(b[N], '\0');
    free(b);
    fclose(f);
}

static void test_read_path_reads_a_file_or_says_why_not(void)
{
    char base[] = "/tmp/huey-read-path-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
    char path[64];
    snprintf(path, sizeof path, "%s/f", base);
    size_t len = 99;
    errno = 0;
    CU_ASSERT_PTR_NULL(read_path(path, &len));   /* missing */
    CU_ASSERT_EQUAL(errno, ENOENT);
    errno = 0;
    CU_ASSERT_PTR_NULL(read_path(base, &len));   /* a folder opens, but does not read */
    CU_ASSERT_EQUAL(errno, EISDIR);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("two\nlines\n", f);
    fclose(f);
    char *b = read_path(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(len, 10);
    CU_ASSERT_STRING_EQUAL(b, "two\nlines\n");
    free(b);
    unlink(path);
    rmdir(base);
}

void register_util(void)
{
    CU_pSuite s = CU_add_suite("util", NULL, NULL);
    CU_add_test(s, "make_dirs creates missing parents, accepts what exists", test_make_dirs_creates_parents_and_accepts_existing);
    CU_add_test(s, "make_dirs refuses a file in the path", test_make_dirs_refuses_a_file_in_the_path);
    CU_add_test(s, "parent_dir: the directory of a path", test_parent_dir);
    CU_add_test(s, "output_path_problem: the reason a path cannot be written", test_output_path_problem);
    CU_add_test(s, "read_whole: the whole rest of a file, NUL-terminated", test_read_whole_keeps_every_byte);
    CU_add_test(s, "read_path: a file's bytes, or NULL with errno", test_read_path_reads_a_file_or_says_why_not);
    CU_add_test(s, "phase clock: a sleep takes as long as by the monotonic clock", test_phase_clock_counts_seconds);
}
