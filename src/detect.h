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

/* ---- a followed stream (huey run --follow; detect.c says what it decides
 * before the stream ends, and when) ----------------------------------------
 *
 * Bytes arrive in pieces of any size (cut anywhere, even inside a code
 * point); the reader checks and normalises them as it does a file's, with
 * byte offsets and line numbers counted from the stream's start.
 * Conversation mode: each line is read with the labeled strategy and
 * emitted once complete, except lines a pre-join may still join with the
 * next (held until a later line arrives, or a flush); a line without a
 * label is dropped, as the labeled strategy drops it. Plain mode: one
 * running utterance by Author. The functions return what the sink
 * returned, or -1 with err set. */
typedef struct LiveDetect LiveDetect;
typedef struct LiveStats {
    uint64_t bytes;          /* read so far */
    uint64_t lines;          /* non-empty lines processed (conversation mode) */
    uint64_t utterances;     /* emitted */
    uint64_t dropped;        /* lines without a label */
    uint64_t rejoins;        /* pre-joins that reached back over a line already emitted */
    uint64_t idle_cuts;      /* lines cut by a flush that went on afterwards */
} LiveStats;

LiveDetect *live_detect_new(const char *name, const DetectOptions *opt, const UttSink *sink);
int live_detect_feed(LiveDetect *d, const void *bytes, size_t n, char *err, size_t errlen);
/* The input is idle: what is held (an unfinished line too) is complete;
 * plain mode: the running utterance ends. */
int live_detect_flush(LiveDetect *d, char *err, size_t errlen);
/* The end of the stream: a flush, and a code point cut by the end is an
 * error. */
int live_detect_finish(LiveDetect *d, char *err, size_t errlen);
/* The stream goes on with a new file (truncated or replaced): the end of
 * the old one, then offsets and line numbers start again; the digest,
 * byte and word counts go on. */
int live_detect_restart(LiveDetect *d, char *err, size_t errlen);
/* Whether a flush would process anything. */
bool live_detect_pending(const LiveDetect *d);
/* A one-line notice (a rejoin, a line cut by a flush) the first time one
 * happens; NULL otherwise. */
const char *live_detect_note(LiveDetect *d);
LiveStats live_detect_stats(const LiveDetect *d);
/* The Detection of the stream so far: labeled_speakers with its
 * confidence over the lines read (single_author in plain mode), speakers,
 * bytes, words and the SHA-256 of every byte read. */
void live_detect_result(const LiveDetect *d, Detection *out);
/* What detect_scan would choose for the text read so far (conversation
 * mode): 0, or -1 with err set when no strategy applies. */
int live_detect_batch_choice(const LiveDetect *d, Detection *out, char *err, size_t errlen);
void live_detect_free(LiveDetect *d);

#endif
