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
 * after a die() every object of an open file is closed (fuzz_close_hdf5),
 * and what was allocated stays allocated, out of the leak reports
 * (fuzz.h FUZZ_IGNORE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "checkpoint.h"
#include "fuzz.h"
#include "offline.h"

void fuzz_setup(void)
{
    fuzz_init(FUZZ_IGNORE, fuzz_close_hdf5);
    /* what HDF5 and the model keep for the process is made before any
     * input: a checkpoint loaded once (fuzz-ckptedit's, when made) */
    const char *base = getenv("HUEY_FUZZ_BASE") ? getenv("HUEY_FUZZ_BASE") : "build/fuzz/base.h5";
    if (access(base, R_OK) == 0)
        offline_free(offline_load(base));
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
    fuzz_check_hdf5_closed("after a load");
    fuzz_done();
    return 0;
}
