/*
 * detect.h — reading input files and speaker detection (huey-model.md §2),
 * exactly as the reference's HueySpeakerDetector does it, without holding
 * the file in memory.
 *
 * A file is read as UTF-8 with universal newlines (\r\n and \r become \n).
 * Conversation mode: the reference's pre-join substitutions, then the
 * non-empty stripped lines, then the strategies labeled / alternating /
 * paragraph / numbered; highest confidence wins (ties: first). Pass 1
 * streams the file to pick the strategy, pass 2 streams it again and emits
 * utterances. Plain mode (conversation_mode false): the whole file is one
 * utterance by "Author", emitted in chunks.
 */
#ifndef HUEY_DETECT_H
#define HUEY_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Receives utterances in file order. For each utterance: begin(speaker),
 * then text() one or more times (chunks cut at code-point boundaries), then
 * end(). Any callback returning nonzero stops the pass (detect_run returns
 * that value). */
typedef struct UttSink {
    void *ctx;
    int (*begin)(void *ctx, const char *speaker);
    int (*text)(void *ctx, const char *s, size_t n);
    int (*end)(void *ctx);
} UttSink;

typedef struct Detection {
    char strategy[32];        /* labeled_speakers | alternating_speakers |
                                 paragraph_speakers | numbered_speakers |
                                 single_author */
    double confidence;
    uint64_t total_exchanges; /* utterances the strategy yields */
    size_t nspeakers;
    char **speakers;          /* distinct speakers, in order of first utterance */
    uint64_t whitespace_words;/* len(content.split()) of the whole file */
    uint64_t bytes;           /* file size in bytes */
    char sha256[65];          /* hex digest of the raw file bytes */
} Detection;

typedef struct DetectOptions {
    bool conversation_mode;
    size_t max_line_bytes;    /* conversation mode: longer line -> error */
    size_t block_bytes;       /* conversation mode: streaming block size,
                                 0 = 1 MiB; no safe cut within 64 blocks ->
                                 error (tests use small blocks) */
} DetectOptions;

/* Pass 1: validate and analyse path. On error returns -1 and writes a
 * one-line message naming the file (and line or byte offset) to err;
 * "could not detect speakers" is such an error. */
int detect_scan(const char *path, const DetectOptions *opt, Detection *out,
                char *err, size_t errlen);
/* Pass 2: emit the utterances of a file scanned by detect_scan. Returns 0,
 * a sink's nonzero value, or -1 with err set (e.g. the file changed). */
int detect_run(const char *path, const DetectOptions *opt, const Detection *d,
               const UttSink *sink, char *err, size_t errlen);
void detect_free(Detection *d);

#endif
