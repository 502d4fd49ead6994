/*
 * detect.c — fuzz harness: reading a file, speaker detection and the
 * tokenizer behind it (src/detect.c, src/text.c), as `huey run` does it.
 *
 * Input: one option byte, then the file. Option bits: 0 conversation
 * mode (else plain), 1 small streaming blocks (64 bytes: the block
 * boundary logic), 2 a small line limit (200 bytes), 3 read it as
 * `huey run --follow` does instead (LiveDetect: the bytes arrive in
 * pieces of 1-61 bytes, bit 4: the input goes idle, a flush, after every
 * seventh piece). Both passes run; every utterance goes through the
 * tokenizer with the default kill list. Beyond crashes, the harness checks
 * what the passes promise: pass 2 yields the utterances pass 1 counted,
 * by speakers pass 1 listed, in chunks of valid UTF-8 (followed: valid
 * UTF-8, and as many utterances as the stream counted).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "fuzz.h"
#include "text.h"

static KillList *kill;

typedef struct Seen {
    const Detection *d;
    Tokenizer *tok;
    unsigned long long utterances;
} Seen;

static int on_token(void *ctx, const char *w, size_t n)
{
    (void)ctx;
    if (n == 0 || strlen(w) != n) {
        fprintf(stderr, "fuzz detect: token of %zu bytes reported as %zu\n", strlen(w), n);
        abort();
    }
    return 0;
}

static int on_begin(void *ctx, const char *speaker)
{
    Seen *s = ctx;
    for (size_t i = 0; i < s->d->nspeakers; i++)
        if (!strcmp(s->d->speakers[i], speaker))
            return 0;
    fprintf(stderr, "fuzz detect: pass 2 names speaker '%s', which pass 1 did not list\n", speaker);
    abort();
}

/* Followed: speakers appear as they come, so none is checked here. */
static int on_live_begin(void *ctx, const char *speaker)
{
    (void)ctx;
    (void)speaker;
    return 0;
}

static int on_text(void *ctx, const char *t, size_t n)
{
    Seen *s = ctx;
    if (utf8_validate(t, n) != n) {
        fprintf(stderr, "fuzz detect: a text chunk is not valid UTF-8\n");
        abort();
    }
    return tok_feed(s->tok, t, n);
}

static int on_end(void *ctx)
{
    Seen *s = ctx;
    s->utterances++;
    return tok_finish(s->tok);
}

static void run(const char *path, const DetectOptions *opt)
{
    char err[512];
    Detection d;
    if (detect_scan(path, opt, &d, err, sizeof err) != 0)
        return;
    Seen s = { &d, tok_new(kill, on_token, NULL), 0 };
    UttSink sink = { &s, on_begin, on_text, on_end };
    int rc = detect_run(path, opt, &d, &sink, err, sizeof err);
    if (rc != 0 || s.utterances != d.total_exchanges) {
        fprintf(stderr, "fuzz detect: pass 2 gave %llu utterances (rc %d: %s), pass 1 counted %llu\n",
                s.utterances, rc, rc ? err : "", (unsigned long long)d.total_exchanges);
        abort();
    }
    tok_free(s.tok);
    detect_free(&d);
}

void fuzz_setup(void)
{
    fuzz_init(FUZZ_FREE, NULL);
    kill = kill_default();
    /* the compiled patterns live for the process: made before any input */
    DetectOptions opt = { .conversation_mode = true };
    static const char hello[] = "A: hello\nB: hi\n";
    run(fuzz_file(0, hello, sizeof hello - 1), &opt);
}

/* The stream read as it arrives: pieces, idle flushes, the end. */
static void run_live(const uint8_t *data, size_t size, const DetectOptions *opt, bool idle)
{
    char err[512];
    Detection d = { 0 };
    Seen s = { &d, tok_new(kill, on_token, NULL), 0 };
    UttSink sink = { &s, on_live_begin, on_text, on_end };
    LiveDetect *ld = live_detect_new("fuzz", opt, &sink);
    int rc = 0;
    for (size_t at = 0, k = 0; at < size && rc == 0; k++) {
        size_t take = (k * 7 + data[at]) % 61 + 1;
        take = take < size - at ? take : size - at;
        rc = live_detect_feed(ld, data + at, take, err, sizeof err);
        at += take;
        if (rc == 0 && idle && k % 7 == 6)
            rc = live_detect_flush(ld, err, sizeof err);
    }
    if (rc == 0)
        rc = live_detect_finish(ld, err, sizeof err);
    live_detect_result(ld, &d);
    /* a stream that ended in an error leaves its last utterance open */
    if (rc == 0 && live_detect_stats(ld).utterances != s.utterances) {
        fprintf(stderr, "fuzz detect: the stream says %llu utterances, the sink saw %llu\n",
                (unsigned long long)live_detect_stats(ld).utterances, s.utterances);
        abort();
    }
    detect_free(&d);
    live_detect_free(ld);
    tok_free(s.tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    DetectOptions opt = {
        .conversation_mode = data[0] & 1,
        .block_bytes = data[0] & 2 ? 64 : 0,
        .max_line_bytes = data[0] & 4 ? 200 : 1 << 24,
    };
    const char *path = fuzz_file(0, data + 1, size - 1);
    FUZZ_GUARD();
    if (data[0] & 8)
        run_live(data + 1, size - 1, &opt, data[0] & 16);
    else
        run(path, &opt);
    fuzz_done();
    return 0;
}
