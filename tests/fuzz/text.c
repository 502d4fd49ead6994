/*
 * text.c — fuzz harness: kill files and the tokenizer (src/text.c).
 *
 * The input's valid UTF-8 prefix is read as a kill file (kill_load, as
 * `kill_file = PATH` does; the whole input too when it is not valid), and
 * tokenized with that list twice:
 * whole, and cut into chunks at code-point boundaries (sizes drawn from
 * the first byte), as a streamed file arrives. Both must give the same
 * tokens (the tokenizer promises that tokens may span chunks); every
 * token is non-empty and NUL-free, and every word of the list is found in
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "text.h"
#include "util.h"

typedef struct Stream {
    uint64_t hash;   /* of the tokens, each with its length */
    size_t n;
} Stream;

static int on_token(void *ctx, const char *w, size_t len)
{
    Stream *s = ctx;
    if (len == 0 || strlen(w) != len) {
        fprintf(stderr, "fuzz text: token of %zu bytes reported as %zu\n", strlen(w), len);
        abort();
    }
    s->hash = hash_u64(s->hash ^ hash_bytes(w, len)) + len;
    s->n++;
    return 0;
}

static Stream tokenize(const KillList *k, const char *s, size_t n, unsigned step)
{
    Stream st = { 0, 0 };
    Tokenizer *t = tok_new(k, on_token, &st);
    size_t at = 0;
    while (at < n) {
        size_t take = step ? (step * (at + 7)) % 61 + 1 : n;
        size_t end = at + take < n ? at + take : n;
        while (end < n && ((unsigned char)s[end] & 0xC0) == 0x80)
            end++;   /* a cut inside a code point moves to its end */
        tok_feed(t, s + at, end - at);
        at = end;
    }
    tok_finish(t);
    tok_free(t);
    return st;
}

void fuzz_setup(void)
{
    fuzz_init(FUZZ_FREE, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t n = utf8_validate(text, size);
    const char *path = fuzz_file(0, data, n);
    unsigned step = size ? data[0] % 13 + 1 : 1;
    FUZZ_GUARD();
    KillList *k = kill_load(path);
    size_t nw = kill_count(k);
    const char **w = xmalloc((nw + 1) * sizeof *w);
    kill_words(k, w);
    for (size_t i = 0; i < nw; i++)
        if (!kill_contains(k, w[i], strlen(w[i]))) {
            fprintf(stderr, "fuzz text: kill word '%s' not found in its own list\n", w[i]);
            abort();
        }
    free(w);
    Stream whole = tokenize(k, text, n, 0), pieces = tokenize(k, text, n, step);
    if (whole.n != pieces.n || whole.hash != pieces.hash) {
        fprintf(stderr, "fuzz text: %zu tokens whole, %zu in chunks (or other tokens)\n", whole.n, pieces.n);
        abort();
    }
    kill_free(k);
    if (n < size)   /* the whole input: a kill file refused for its bad byte */
        kill_free(kill_load(fuzz_file(1, data, size)));
    fuzz_done();
    return 0;
}
