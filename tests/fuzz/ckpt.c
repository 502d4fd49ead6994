/*
 * ckpt.c — fuzz harness: the checkpoint loader (src/checkpoint.c,
 * net_load in src/net.c, src/offline.c) on mutated HDF5 files.
 *
 * The input is a file as `huey info/export/galileo FILE.h5` or
 * `huey run --resume` would be given: a batch file is listed (as the
 * joining of part files does) and its first conversation loaded, a single
 * checkpoint loaded, and from what loads come the outputs every offline
 * command starts from (edges, masses, self-concepts: offline_load).
 *
 * HDF5 keeps what a file being read had open when huey stops on it:
 * after a die() every object of an open file is closed here, and what was
 * allocated stays allocated, out of the leak reports (fuzz.h FUZZ_IGNORE).
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "checkpoint.h"
#include "fuzz.h"
#include "offline.h"

static void check_closed(const char *when);

static int collect(void *obj, hid_t id, void *ctx)
{
    (void)obj;
    hid_t *last = ctx;
    *last = id;
    return 1;   /* one at a time: it is closed before the next search */
}

/* Every object and file huey had open (attributes, groups, datasets,
 * then the files), and its dataspaces. */
static void close_hdf5(void)
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
    check_closed("after a die()");
}

/* Nothing may stay open: after an input that loaded, huey closed
 * everything; after a die(), close_hdf5 did. */
static void check_closed(const char *when)
{
    ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open != 0) {
        fprintf(stderr, "fuzz ckpt: %s, %zd HDF5 objects left open\n", when, open);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init(FUZZ_IGNORE, close_hdf5);
    H5open();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(0, data, size);
    FUZZ_GUARD();
    size_t n = 0;
    char **names = ckpt_try_conversations(path, &n);
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    offline_conversation = NULL;
    char **conv = NULL;
    if (ckpt_is_batch(path)) {
        conv = ckpt_conversations(path, &n);
        offline_conversation = n ? conv[0] : "none";
    }
    offline_free(offline_load(path));
    for (size_t i = 0; conv && i < n; i++)
        free(conv[i]);
    free(conv);
    check_closed("after a load");
    fuzz_done();
    return 0;
}
