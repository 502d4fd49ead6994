/*
 * fuzz_common.c — die() caught, what a dying input allocated released,
 * inputs as files (fuzz.h).
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <fcntl.h>
#include <sanitizer/allocator_interface.h>
#include <sanitizer/lsan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <hdf5.h>
#include <unistd.h>

#include "util.h"

jmp_buf fuzz_env;

enum { LOG_MAX = 1 << 22, FD_MAX = 1024, SLOTS = 4 };

static FuzzDieMode die_mode;
static void (*die_cleanup)(void);
static const volatile void *alloc_log[LOG_MAX];   /* this input's allocations, in order */
static size_t nlog;
static bool logging, log_overflow;
static bool fd_kept[FD_MAX];   /* open before the first input, or ours */
static bool fds_known;

static void on_malloc(const volatile void *p, size_t size)
{
    (void)size;
    if (!logging)
        return;
    if (nlog < LOG_MAX)
        alloc_log[nlog++] = p;
    else
        log_overflow = true;
}

static void on_free(const volatile void *p)
{
    (void)p;   /* the sanitizer takes no malloc hook without a free hook */
}

static void jump_back(int code)
{
    (void)code;
    longjmp(fuzz_env, 1);
}

void fuzz_init(FuzzDieMode mode, void (*cleanup)(void))
{
    die_mode = mode;
    /* HDF5 keeps blocks it frees in lists of its own: without them every
     * block goes back to malloc, and the log knows what is live */
    H5set_free_list_limits(0, 0, 0, 0, 0, 0);
    /* and the tables of its file package exist before any input */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    H5Fis_hdf5("/dev/null");
    H5Eclear2(H5E_DEFAULT);
    die_cleanup = cleanup;
    util_abort_hook = jump_back;
    if (!__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free)) {
        fprintf(stderr, "fuzz: cannot install the allocation hook\n");
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

void fuzz_begin(void)
{
    if (!fds_known) {
        for (int fd = 0; fd < FD_MAX; fd++)
            fd_kept[fd] = fd_kept[fd] || fcntl(fd, F_GETFD) >= 0;
        fds_known = true;
    }
    nlog = 0;
    log_overflow = false;
    logging = true;
}

void fuzz_done(void)
{
    logging = false;
    nlog = 0;
}

void fuzz_after_die(void)
{
    logging = false;
    /* HDF5's error stack keeps the failed call's messages until the next
     * call: let go of them first */
    H5Eclear2(H5E_DEFAULT);
    if (die_cleanup)
        die_cleanup();
    if (log_overflow) {
        /* too many allocations to know them all: keep going, but say so */
        fprintf(stderr, "fuzz: more than %d allocations before die(); some are not released\n", LOG_MAX);
    }
    for (size_t i = 0; i < nlog; i++) {
        const volatile void *p = alloc_log[i];
        if (!__sanitizer_get_ownership(p))
            continue;   /* freed before the die(), or logged twice */
        if (die_mode == FUZZ_FREE)
            free((void *)p);
        else
            __lsan_ignore_object((const void *)p);
    }
    nlog = 0;
    for (int fd = 0; fd < FD_MAX; fd++)
        if (!fd_kept[fd] && fcntl(fd, F_GETFD) >= 0)
            close(fd);
}

static int collect(void *obj, hid_t id, void *ctx)
{
    (void)obj;
    hid_t *last = ctx;
    *last = id;
    return 1;   /* one at a time: it is closed before the next search */
}

/* Every object and file huey had open (attributes, groups, datasets,
 * then the files), and its dataspaces. */
void fuzz_close_hdf5(void)
{
    for (int files = 0; files < 2; files++) {
        ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
        hid_t *ids = malloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof *ids);
        n = n > 0 ? H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_ALL, (size_t)n, ids) : 0;
        for (ssize_t i = 0; i < n; i++) {
            H5I_type_t t = H5Iget_type(ids[i]);
            if ((t == H5I_FILE) == (files == 1))
                (t == H5I_FILE ? H5Fclose : t == H5I_ATTR ? H5Aclose : H5Oclose)(ids[i]);
        }
        free(ids);
    }
    hid_t sp;
    while (sp = -1, H5Isearch(H5I_DATASPACE, collect, &sp), sp >= 0)
        H5Sclose(sp);
    H5Eclear2(H5E_DEFAULT);
    fuzz_check_hdf5_closed("after a die()");
}

/* Nothing may stay open: after an input that loaded, huey closed
 * everything; after a die(), fuzz_close_hdf5 did. */
void fuzz_check_hdf5_closed(const char *when)
{
    ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open != 0) {
        fprintf(stderr, "fuzz: %s, %zd HDF5 objects left open\n", when, open);
        abort();
    }
}

static char tmp_dir[64];

static void remove_files(void)
{
    char path[128];
    for (int slot = 0; slot < SLOTS; slot++) {
        snprintf(path, sizeof path, "%s/input-%d", tmp_dir, slot);
        unlink(path);
    }
    rmdir(tmp_dir);
}

const char *fuzz_file(int slot, const void *data, size_t n)
{
    static char path[SLOTS][128];
    if (!tmp_dir[0]) {
        /* a real file (HDF5 refuses a memfd), in memory where there is /dev/shm */
        snprintf(tmp_dir, sizeof tmp_dir, "%s/huey-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(tmp_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_files);
    }
    snprintf(path[slot], sizeof path[slot], "%s/input-%d", tmp_dir, slot);
    int fd = open(path[slot], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz: open");
        abort();
    }
    const char *s = data;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, s + done, n - done);
        if (w <= 0) {
            perror("fuzz: write");
            abort();
        }
        done += (size_t)w;
    }
    close(fd);
    return path[slot];
}
