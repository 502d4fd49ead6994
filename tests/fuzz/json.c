/*
 * json.c — fuzz harness: the JSON reader and the space files read by
 * `huey align` (src/jsonread.c, src/align.c).
 *
 * The input is parsed as a document (jv_parse), then given to huey align
 * as both of its spaces: a space.json of `huey galileo`, or a reference
 * output holding web_torgerson_galileo / gpu_class_galileo, is read,
 * matched with itself and aligned (the Jacobi SVD on whatever numbers the
 * file holds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "fuzz.h"
#include "jsonread.h"

void fuzz_setup(void)
{
    fuzz_init(FUZZ_FREE, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8 && !memcmp(data, "\211HDF\r\n\032\n", 8))
        return 0;   /* align would read it as a checkpoint: fuzz-ckpt's part */
    const char *path = fuzz_file(0, data, size);
    FUZZ_GUARD();
    char err[256];
    jv_free(jv_parse((const char *)data, size, err, sizeof err));
    char *argv[] = { (char *)path, (char *)path, "--json", NULL };
    cmd_align(3, argv);
    fuzz_done();
    return 0;
}
