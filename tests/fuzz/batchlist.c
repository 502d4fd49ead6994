/*
 * batchlist.c — fuzz harness: the LIST file of `huey run --batch LIST`
 * (src/joblist.c). The input is the LIST; the names read must be sorted,
 * distinct, non-empty, and free of the spaces and line ends around them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "joblist.h"

void fuzz_setup(void)
{
    fuzz_init(FUZZ_FREE, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(0, data, size);
    FUZZ_GUARD();
    JobList l = { 0 };
    joblist_read(path, &l);
    for (size_t i = 0; i < l.n; i++) {
        const char *n = l.job[i].name;
        size_t len = strlen(n);
        if (!len || strchr(" \t", n[0]) || strchr(" \t\r\n", n[len - 1]) || n[0] == '#' ||
            (i && strcmp(l.job[i - 1].name, n) >= 0)) {
            fprintf(stderr, "fuzz batchlist: name %zu '%s' is not a clean, sorted, distinct name\n", i, n);
            abort();
        }
    }
    joblist_free(&l);
    fuzz_done();
    return 0;
}
