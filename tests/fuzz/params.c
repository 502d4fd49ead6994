/*
 * params.c — fuzz harness: config files and option values (src/params.c).
 *
 * The input is a config file: every `key = value` line goes through
 * params_set, the parser of `--key-name value` flags too, then the
 * cross-field checks. What is accepted must echo and read back to itself:
 * each key's value as printed (params_each, what checkpoints store and
 * --print-config shows), set into fresh defaults, prints the same again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "params.h"
#include "util.h"

typedef struct Echo {
    char *text;
    size_t len, cap;
    Params *into;   /* NULL: only record */
} Echo;

static void record(void *ctx, const char *key, const char *value)
{
    Echo *e = ctx;
    size_t n = strlen(key) + strlen(value) + 4;
    GROW(e->text, e->cap, e->len + n);
    e->len += (size_t)snprintf(e->text + e->len, n, "%s=%s\n", key, value);
    if (e->into)
        params_set(e->into, key, value, "echo");
}

void fuzz_setup(void)
{
    fuzz_init(FUZZ_FREE, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(0, data, size);
    FUZZ_GUARD();
    Params p, q;
    params_default(&p);
    params_load_file(&p, path);
    params_validate(&p);
    params_default(&q);
    Echo first = { NULL, 0, 0, &q }, second = { NULL, 0, 0, NULL };
    params_each(&p, record, &first);
    params_each(&q, record, &second);
    if (first.len != second.len || memcmp(first.text, second.text, first.len) != 0) {
        fprintf(stderr, "fuzz params: settings do not read back to themselves:\n%.*s---\n%.*s", (int)first.len,
                first.text, (int)second.len, second.text);
        abort();
    }
    free(first.text);
    free(second.text);
    fuzz_done();
    return 0;
}
