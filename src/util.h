/*
 * util.h — the one fatal-error path, checked allocation, small helpers.
 *
 * die() prints "huey: FILE:LINE: message" (plus the rank when P > 1) and
 * exits; when MPI is up it aborts the whole job, so no rank hangs.
 * Exit codes: 1 = input/runtime error, 2 = usage error.
 */
#ifndef HUEY_UTIL_H
#define HUEY_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>

enum { EXIT_INPUT = 1, EXIT_USAGE = 2 };

/* Called by die() before exiting; comm sets it to MPI_Abort when P > 1. */
extern void (*util_abort_hook)(int code);
/* Rank shown in error messages when >= 0 and the job has several ranks. */
extern int util_rank, util_nranks;

_Noreturn void die_at(const char *file, int line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void warn_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Input/runtime error (exit 1), usage error (exit 2). */
#define die(...)       die_at(__FILE__, __LINE__, EXIT_INPUT, __VA_ARGS__)
#define die_usage(...) die_at(__FILE__, __LINE__, EXIT_USAGE, __VA_ARGS__)
#define warn(...)      warn_at(__FILE__, __LINE__, __VA_ARGS__)

/* Internal invariant; a failure is a bug in huey, not bad input. */
#define check(cond) \
    do { if (!(cond)) die_at(__FILE__, __LINE__, EXIT_INPUT, "internal check failed: %s", #cond); } while (0)

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *p (element size esz) so that it holds at least need elements.
 * GROW tests the capacity in line: the window loop checks its arrays
 * some 30 times a window, and a call there also makes the AVX kernels
 * around it save and reload their vector registers. */
void grow_array(void **p, size_t esz, size_t *cap, size_t need);
#define GROW(ptr, cap, need)                                                \
    do {                                                                    \
        if ((size_t)(need) > (cap))                                         \
            grow_array((void **)&(ptr), sizeof *(ptr), &(cap), (need));     \
    } while (0)

/* mkdir -p: create dir and any missing parents (mode 0777 before the
 * umask); 0, or the errno of the step that failed (ENOTDIR when a part of
 * the path, or the path itself, is a file). */
int make_dirs(const char *dir);

/* The directory that holds `path`, a fresh string: "." for a bare name,
 * "/" for one in the root. */
char *parent_dir(const char *path);

/* Whether huey can write `path` when its run ends: for a file (dir false),
 * its directory exists and is writable and the path is not a directory;
 * for a directory that make_dirs will create (dir true), the nearest part
 * that exists is a writable directory. NULL when it can, else the reason,
 * written to buf ("directory /x does not exist"). Checked before learning,
 * so that a mistyped output path costs no run. */
const char *output_path_problem(const char *path, bool dir, char *buf, size_t len);

/* Stops with a usage error ("option --json out/x.json: directory out does
 * not exist") when output_path_problem finds one; nothing for path NULL. */
void require_output_path(const char *option, const char *path, bool dir);

/* The rest of an open file, NUL-terminated (the NUL not counted in *len);
 * NULL on a read error, with errno as the read left it. */
char *read_whole(FILE *f, size_t *len);
/* read_whole of the file at path, opened and closed here; NULL when it
 * cannot be opened or read, with errno telling why. */
char *read_path(const char *path, size_t *len);

/* Monotonic wall clock in seconds. */
double now_seconds(void);

/* The window loop's phase clock, read several times a window: the CPU's
 * time-stamp counter where it runs at a constant rate (x86 with an
 * invariant TSC; about 11 ns a read where clock_gettime took 29, AMD EPYC
 * family 26 VM), else the monotonic clock in nanoseconds; never less than
 * the calling thread's last reading. ticks_seconds converts a count of
 * ticks at the rate the counter has had since the program started. */
uint64_t clock_ticks(void);
double ticks_seconds(uint64_t ticks);

/* 64-bit hash of bytes (FNV-1a followed by a murmur finaliser). */
uint64_t hash_bytes(const void *p, size_t n);
static inline uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
