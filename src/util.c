/*
 * util.c — fatal errors, warnings, checked allocation, clock, hashing.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

void (*util_abort_hook)(int code) = NULL;
int util_rank = 0, util_nranks = 1;

static void vmessage(const char *kind, const char *file, int line, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (util_nranks > 1)
        fprintf(stderr, "huey: %s%s:%d: [rank %d] %s\n", kind, file, line, util_rank, msg);
    else
        fprintf(stderr, "huey: %s%s:%d: %s\n", kind, file, line, msg);
    fflush(stderr);
}

_Noreturn void die_at(const char *file, int line, int code, const char *fmt, ...)
{
    /* With several ranks, an error in the shared input hits them all: let
     * rank 0 speak and abort first, the others only if they are alone. */
    if (util_nranks > 1 && util_rank != 0) {
        struct timespec pause = { 0, 300000000 };
        nanosleep(&pause, NULL);
    }
    va_list ap;
    va_start(ap, fmt);
    vmessage("", file, line, fmt, ap);
    va_end(ap);
    if (util_abort_hook)
        util_abort_hook(code);
    exit(code);
}

void warn_at(const char *file, int line, const char *fmt, ...)
{
    if (util_rank != 0)
        return;   /* every rank reads the same input: one copy of a warning */
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning: ", file, line, fmt, ap);
    va_end(ap);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory reallocating to %zu bytes", n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void grow_array(void **p, size_t esz, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c += c / 2 + 8;
    *p = xrealloc(*p, c * esz);
    *cap = c;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double now_seconds(void)
{
    return 1e-9 * (double)mono_ns();   /* exact to the ns for 104 days of uptime (2^53 ns) */
}

/* Set before main, read-only after: the phase clock's source and where
 * both clocks stood at the start. */
static struct {
    bool tsc;
    uint64_t tick0, ns0;
} phase_clock;

static inline uint64_t ticks_now(void)
{
#if defined(__x86_64__)
    if (phase_clock.tsc)
        return __rdtsc();
#endif
    return mono_ns();
}

__attribute__((constructor)) static void phase_clock_init(void)
{
#if defined(__x86_64__)
    unsigned a, b, c, d;
    /* CPUID 0x80000007 EDX bit 8: the TSC runs at a constant rate in every
     * power state (Intel and AMD) */
    phase_clock.tsc = __get_cpuid(0x80000007, &a, &b, &c, &d) && (d >> 8 & 1);
#endif
    phase_clock.ns0 = mono_ns();
    phase_clock.tick0 = ticks_now();
}

/* Never less than this thread's last reading: an invariant TSC need not
 * agree between cores, and a thread that moves must not see time go back
 * (a phase's ticks are differences of readings). */
uint64_t clock_ticks(void)
{
    static _Thread_local uint64_t last;
    uint64_t t = ticks_now();
    if (t < last)
        t = last;
    last = t;
    return t;
}

double ticks_seconds(uint64_t ticks)
{
    if (!phase_clock.tsc)
        return 1e-9 * (double)ticks;
    uint64_t dt = ticks_now() - phase_clock.tick0, dns = mono_ns() - phase_clock.ns0;
    return dt ? (double)ticks * ((double)dns / (double)dt) * 1e-9 : 0.0;
}

uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return hash_u64(h);
}

int make_dirs(const char *dir)
{
    char *path = xstrdup(dir);
    int rc = 0;
    /* each prefix ending before a '/' (not the root's), then the whole path */
    for (char *q = path + 1;; q++) {
        if (*q != '/' && *q != '\0')
            continue;
        char c = *q;
        *q = '\0';
        struct stat st;
        if (mkdir(path, 0777) != 0 && (errno != EEXIST || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
            rc = errno == EEXIST || errno == 0 ? ENOTDIR : errno;
            *q = c;
            break;
        }
        *q = c;
        if (c == '\0')
            break;
    }
    free(path);
    return rc;
}

char *parent_dir(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    while (n > 1 && path[n - 1] == '/')
        n--;
    return n ? xstrndup(path, n) : xstrdup(".");
}

const char *output_path_problem(const char *path, bool dir, char *buf, size_t len)
{
    struct stat st;
    char *d;
    if (dir) {
        d = xstrdup(path);
        /* up to the nearest part that exists */
        while (stat(d, &st) != 0 && (errno == ENOENT || errno == ENOTDIR) && strcmp(d, ".") != 0 &&
               strcmp(d, "/") != 0) {
            char *up = parent_dir(d);
            free(d);
            d = up;
        }
    } else {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(buf, len, "%s is a directory", path);
            return buf;
        }
        d = parent_dir(path);
    }
    bool bad = true;
    int err = stat(d, &st) != 0 ? errno : 0;
    if (err == ENOENT)
        snprintf(buf, len, "directory %s does not exist", d);
    else if (err)
        snprintf(buf, len, "%s: %s", d, strerror(err));
    else if (!S_ISDIR(st.st_mode))
        snprintf(buf, len, "%s is not a directory", d);
    else if (access(d, W_OK | X_OK) != 0)
        snprintf(buf, len, "directory %s is not writable (%s)", d, strerror(errno));
    else
        bad = false;
    free(d);
    return bad ? buf : NULL;
}

void require_output_path(const char *option, const char *path, bool dir)
{
    char why[4200];
    if (path && output_path_problem(path, dir, why, sizeof why))
        die_usage("option %s %s: %s", option, path, why);
}

char *read_whole(FILE *f, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        GROW(buf, cap, n + 65536 + 1);
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        int err = errno;
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = read_whole(f, len);
    int err = errno;
    fclose(f);
    errno = err;
    return buf;
}
