/*
 * test_detect.c — reading and speaker detection (huey-model.md §2).
 *
 * Each test writes its own input to a temporary file. Expected strategies,
 * confidences and utterances were produced by the reference
 * (HueySpeakerDetector.detect_speakers_from_file, CPython 3.11) on the same
 * bytes. Speakers are compared in order of first utterance (the reference
 * returns a set; we define that order).
 */
#define _POSIX_C_SOURCE 200809L
#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "text.h"

enum { MAX_UTT = 64 };

/* What a sink saw. */
typedef struct Collect {
    size_t n;                 /* utterances ended */
    char spk[MAX_UTT][32];    /* the first MAX_UTT utterances */
    char txt[MAX_UTT][256];
    bool keep_all;            /* concatenate every text chunk into all */
    char *all;                /* (all_len) */
    size_t all_len, all_cap;
    size_t chunks;
    bool chunk_not_utf8;      /* some chunk was cut inside a code point */
    EVP_MD_CTX *md;           /* SHA-256 of speaker\0text\0 per utterance */
    size_t begins;
    size_t stop_at_begin;     /* nonzero: that begin() returns 7 */
} Collect;

static int c_begin(void *ctx, const char *speaker)
{
    Collect *c = ctx;
    if (++c->begins == c->stop_at_begin)
        return 7;
    if (c->n < MAX_UTT) {
        snprintf(c->spk[c->n], sizeof c->spk[0], "%s", speaker);
        c->txt[c->n][0] = '\0';
    }
    EVP_DigestUpdate(c->md, speaker, strlen(speaker) + 1);
    return 0;
}

static int c_text(void *ctx, const char *s, size_t n)
{
    Collect *c = ctx;
    c->chunks++;
    if (utf8_validate(s, n) != n)
        c->chunk_not_utf8 = true;
    if (c->n < MAX_UTT) {
        size_t have = strlen(c->txt[c->n]);
        size_t room = sizeof c->txt[0] - 1 - have;
        size_t k = n < room ? n : room;
        memcpy(c->txt[c->n] + have, s, k);
        c->txt[c->n][have + k] = '\0';
    }
    if (c->keep_all) {
        if (c->all_len + n > c->all_cap) {
            c->all_cap = 2 * (c->all_len + n);
            c->all = realloc(c->all, c->all_cap);
        }
        memcpy(c->all + c->all_len, s, n);
        c->all_len += n;
    }
    EVP_DigestUpdate(c->md, s, n);
    return 0;
}

static int c_end(void *ctx)
{
    Collect *c = ctx;
    EVP_DigestUpdate(c->md, "", 1);
    c->n++;
    return 0;
}

static void collect_init(Collect *c)
{
    memset(c, 0, sizeof *c);
    c->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
}

/* Hex SHA-256 of everything the sink saw; frees the collector. */
static void collect_done(Collect *c, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(c->md, d, &n);
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    EVP_MD_CTX_free(c->md);
    free(c->all);
    c->md = NULL;
    c->all = NULL;
}

static char *temp_file(const void *data, size_t n)
{
    char *path = strdup("/tmp/huey_detect_XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, data, n) == (ssize_t)n);
    close(fd);
    return path;
}

/* Both passes on path; the first nonzero return, or 0. */
static int detect_file(const char *path, const DetectOptions *o, Detection *d, Collect *c,
                       char *err, size_t errlen)
{
    err[0] = '\0';
    if (detect_scan(path, o, d, err, errlen))
        return -1;
    UttSink sink = { c, c_begin, c_text, c_end };
    return detect_run(path, o, d, &sink, err, errlen);
}

static const DetectOptions conversation = { .conversation_mode = true };
static const DetectOptions plain = { .conversation_mode = false };

/* Conversation-mode detection of text; the utterances land in c. */
static int detect_text(const char *text, const DetectOptions *o, Detection *d, Collect *c,
                       char *err, size_t errlen)
{
    char *path = temp_file(text, strlen(text));
    collect_init(c);
    int rc = detect_file(path, o, d, c, err, errlen);
    unlink(path);
    free(path);
    return rc;
}

/* Utterances: pairs speaker, text. */
static void expect_utts(const Collect *c, const char *const *exp, size_t n)
{
    CU_ASSERT_EQUAL_FATAL(c->n, n);
    for (size_t i = 0; i < n && i < MAX_UTT; i++) {
        CU_ASSERT_STRING_EQUAL(c->spk[i], exp[2 * i]);
        CU_ASSERT_STRING_EQUAL(c->txt[i], exp[2 * i + 1]);
    }
}

static void expect_speakers(const Detection *d, const char *const *names, size_t n)
{
    CU_ASSERT_EQUAL_FATAL(d->nspeakers, n);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(d->speakers[i], names[i]);
}

/* One labeled file: strategy, confidence, speakers, utterances. */
static void expect_labeled(const char *text, double confidence, const char *const *speakers,
                           size_t nspeakers, const char *const *utts, size_t n)
{
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL_FATAL(detect_text(text, &conversation, &d, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(d.strategy, "labeled_speakers");
    CU_ASSERT_EQUAL(d.confidence, confidence);
    CU_ASSERT_EQUAL(d.total_exchanges, n);
    expect_speakers(&d, speakers, nspeakers);
    expect_utts(&c, utts, n);
    collect_done(&c, hex);
    detect_free(&d);
}

/* --- labeled ------------------------------------------------------------- */

static void test_labeled_name_colon_three_speakers(void)
{
    static const char *const spk[] = { "Alice", "Bob", "Carol" };
    static const char *const utt[] = {
        "Alice", "Hello there.", "Bob", "Hi Alice.", "Carol", "Hey both.", "Alice", "How are you?",
    };
    expect_labeled("Alice: Hello there.\nBob: Hi Alice.\nCarol: Hey both.\nAlice: How are you?\n",
                   1.0, spk, 3, utt, 4);
}

static void test_labeled_other_label_forms(void)
{
    static const char *const spk[] = { "Ann", "Ben" };
    static const char *const utt[] = { "Ann", "hello", "Ben", "hi there" };
    expect_labeled("[Ann] hello\n[Ben] hi there\n", 1.0, spk, 2, utt, 2);
    expect_labeled("(Ann) hello\n(Ben) hi there\n", 1.0, spk, 2, utt, 2);
    expect_labeled("Ann> hello\nBen> hi there\n", 1.0, spk, 2, utt, 2);
    expect_labeled("> Ann: hello\n> Ben: hi there\n", 1.0, spk, 2, utt, 2);
    expect_labeled("12:34 Ann: hello\n12:35 Ben: hi there\n", 1.0, spk, 2, utt, 2);
    expect_labeled("Ann - hello\nBen - hi there\n", 1.0, spk, 2, utt, 2);
}

static void test_labeled_confidence_is_matches_over_lines_and_tie_keeps_labeled(void)
{
    /* 3 of 5 lines: 0.6 ties alternating's 0.6, and the first strategy wins */
    static const char *const spk[] = { "Ann", "Ben" };
    static const char *const utt[] = { "Ann", "a", "Ben", "b", "Ann", "c" };
    expect_labeled("Ann: a\nBen: b\nx\ny\nAnn: c\n", 0.6, spk, 2, utt, 3);
}

/* --- pre-joins ----------------------------------------------------------- */

static void test_prejoin_label_line_joins_next_line(void)
{
    static const char *const spk[] = { "Alice", "Bob" };
    static const char *const utt[] = { "Alice", "hello there", "Bob", "hi" };
    expect_labeled("Alice:\nhello there\nBob:\nhi\n", 1.0, spk, 2, utt, 2);
}

static void test_prejoin_speaker_prefix(void)
{
    static const char *const spk[] = { "Bob", "Ann" };
    static const char *const utt[] = { "Bob", "hi", "Ann", "yo there" };
    expect_labeled("Speaker: Bob\nhi\nSpeaker: Ann\nyo there\n", 1.0, spk, 2, utt, 2);
}

static void test_prejoin_all_caps_line(void)
{
    static const char *const spk[] = { "ALICE", "BOB" };
    static const char *const utt[] = { "ALICE", "hello there", "BOB", "hi back" };
    expect_labeled("ALICE\nhello there\nBOB\nhi back\n", 1.0, spk, 2, utt, 2);
}

static void test_prejoin_across_blank_lines(void)
{
    static const char *const spk[] = { "Alice", "Bob" };
    static const char *const utt[] = { "Alice", "hello", "Bob", "hi" };
    expect_labeled("Alice:\n\n\nhello\nBob:\n \n\t\nhi\n", 1.0, spk, 2, utt, 2);
}

/* --- names --------------------------------------------------------------- */

static void test_name_cleaning_quirks(void)
{
    /* "Dr. Smith" never matches ('.' is no name character); "Mrs" loses
     * only "Mr", "Drake" loses "Dr"; whitespace runs become one '_'. */
    static const char *const spk[] = { "Who", "s_Jones", "Jane_Doe", "ake", "X" };
    static const char *const utt[] = {
        "Who", "hi", "s_Jones", "hi", "Jane_Doe", "hi", "ake", "yo", "X", "mutants",
    };
    expect_labeled("Dr. Smith: hi\nDr Who: hi\nMrs Jones: hi\nJane  Doe: hi\nDrake: yo\n"
                   "Professor X: mutants\n", 0.8333333333333334, spk, 5, utt, 5);
}

static void test_name_longer_than_20_is_rejected(void)
{
    static const char *const spk[] = { "Abcdefghijklmnopqrst", "Ben" };
    static const char *const utt[] = { "Abcdefghijklmnopqrst", "yes", "Ben", "no" };
    expect_labeled("Abcdefghijklmnopqrstu: hi\nAbcdefghijklmnopqrst: yes\nBen: no\n",
                   0.6666666666666666, spk, 2, utt, 2);
}

static void test_metadata_text_and_reserved_names_are_rejected(void)
{
    static const char *const spk[] = { "Ann", "Ben" };
    static const char *const utt[] = {
        "Ann", "hi", "Ben", "yo", "Ann", "ok", "Ann", "sure",
        "Ann", "a", "Ben", "b", "Ann", "c", "Ben", "d",
    };
    expect_labeled("Ann: the new version 2 is out\nkey: value\nAnn: hi\nBen: yo\nAnn: ok\n"
                   "Ben: these lines do NOT EXIST\nKEY: x\nBen: Status: fine\nAnn: sure\n"
                   "Ann: a\nBen: b\nAnn: c\nBen: d\n", 0.6153846153846154, spk, 2, utt, 8);
}

static void test_invalid_match_lets_the_next_pattern_try(void)
{
    /* pattern 1 reads the name "Ann - a very long label of words" (too
     * long); pattern 2 ("Name - text") then gives Ann */
    static const char *const spk[] = { "Ann", "Ben" };
    static const char *const utt[] = { "Ann", "a very long label of words: hi", "Ben", "yo" };
    expect_labeled("Ann - a very long label of words: hi\nBen: yo\n", 1.0, spk, 2, utt, 2);
}

/* --- alternating, numbered, failure -------------------------------------- */

static void test_alternating_story_lines(void)
{
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL_FATAL(detect_text("Once upon a time\nthere was a fox.\n\nIt ran away,\n"
                                      "far away.\nThe end.", &conversation, &d, &c, err,
                                      sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(d.strategy, "alternating_speakers");
    CU_ASSERT_EQUAL(d.confidence, 0.6);
    CU_ASSERT_EQUAL(d.total_exchanges, 5);
    static const char *const spk[] = { "Speaker_A", "Speaker_B" };
    expect_speakers(&d, spk, 2);
    static const char *const utt[] = {
        "Speaker_A", "Once upon a time", "Speaker_B", "there was a fox.",
        "Speaker_A", "It ran away,", "Speaker_B", "far away.", "Speaker_A", "The end.",
    };
    expect_utts(&c, utt, 5);
    collect_done(&c, hex);
    detect_free(&d);
}

static void test_fewer_than_four_unlabeled_lines_fail(void)
{
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL(detect_text("Once upon a time\nthere was a fox.\nThe end.\n", &conversation,
                                &d, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not detect speakers"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--no-conversation-mode"));
    collect_done(&c, hex);
}

static void test_empty_file_fails_in_conversation_mode(void)
{
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL(detect_text("", &conversation, &d, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not detect speakers"));
    collect_done(&c, hex);
}

static void test_numbered_beats_alternating(void)
{
    /* N = 0 and N = 3k give Speaker_C; a 32-digit N = 2 (mod 3) gives
     * Speaker_B; ARABIC-INDIC DIGIT FOUR is 4 for int() */
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL_FATAL(detect_text("1. first\n2. second\n3. third\n0. zero\n6. six\n"
                                      "10000000000000000000000000000001. big\n\xd9\xa4. four\n",
                                      &conversation, &d, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(d.strategy, "numbered_speakers");
    CU_ASSERT_EQUAL(d.confidence, 0.7);
    CU_ASSERT_EQUAL(d.total_exchanges, 7);
    static const char *const spk[] = { "Speaker_A", "Speaker_B", "Speaker_C" };
    expect_speakers(&d, spk, 3);
    static const char *const utt[] = {
        "Speaker_A", "first", "Speaker_B", "second", "Speaker_C", "third", "Speaker_C", "zero",
        "Speaker_C", "six", "Speaker_B", "big", "Speaker_A", "four",
    };
    expect_utts(&c, utt, 7);
    collect_done(&c, hex);
    detect_free(&d);
}

static void test_numbered_line_beyond_int_digit_limit_fails(void)
{
    /* CPython's int() refuses more than 4300 digits: the reference raises */
    char text[5000];
    Detection d;
    Collect c;
    char err[512], hex[65];
    for (int digits = 4300; digits <= 4301; digits++) {
        memset(text, '1', (size_t)digits);
        snprintf(text + digits, sizeof text - (size_t)digits, ". a\nb\nc\nd\n");
        int rc = detect_text(text, &conversation, &d, &c, err, sizeof err);
        collect_done(&c, hex);
        if (digits == 4300) {
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_STRING_EQUAL(d.strategy, "alternating_speakers");
            detect_free(&d);
        } else {
            CU_ASSERT_EQUAL(rc, -1);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "4301 digits"));
        }
    }
}

/* --- newlines ------------------------------------------------------------ */

static void test_universal_newlines(void)
{
    static const char *const texts[] = {
        "Alice:\nhello there\nBob: hi\n\nAlice: bye\n",
        "Alice:\r\nhello there\r\nBob: hi\r\n\r\nAlice: bye\r\n",
        "Alice:\rhello there\rBob: hi\r\rAlice: bye\r",
    };
    static const char *const spk[] = { "Alice", "Bob" };
    static const char *const utt[] = { "Alice", "hello there", "Bob", "hi", "Alice", "bye" };
    for (int i = 0; i < 3; i++)
        expect_labeled(texts[i], 1.0, spk, 2, utt, 3);
}

/* --- streaming ----------------------------------------------------------- */

/* A 3.9 MB labeled conversation (80000 turns in five label layouts, some
 * unlabeled lines) from a 64-bit LCG; the same generator in Python made
 * the reference's expected values. */
static char *big_conversation(size_t *len)
{
    static const char *const names[] = { "Alice", "Bob", "Carol", "Dave" };
    static const char *const upper[] = { "ALICE", "BOB", "CAROL", "DAVE" };
    static const char *const words[] = {
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "and", "then",
    };
    size_t cap = 5u << 20, n = 0;
    char *s = malloc(cap);
    uint64_t x = 12345;
#define NEXT() (x = x * 6364136223846793005ULL + 1442695040888963407ULL, x >> 33)
    for (int i = 0; i < 80000; i++) {
        uint64_t r = NEXT();
        const char *name = names[r % 4], *caps = upper[r % 4];
        int form = (int)((r >> 4) % 8), nw = 3 + (int)((r >> 8) % 12);
        char text[256];
        size_t t = 0;
        for (int w = 0; w < nw; w++)
            t += (size_t)snprintf(text + t, sizeof text - t, "%s%s", w ? " " : "",
                                  words[NEXT() % 10]);
        snprintf(text + t, sizeof text - t, ".");
        CU_ASSERT_FATAL(cap - n > 512);
        if (form < 4)
            n += (size_t)sprintf(s + n, "%s: %s\n", name, text);
        else if (form == 4)
            n += (size_t)sprintf(s + n, "%s:\n\n%s\n", name, text);
        else if (form == 5)
            n += (size_t)sprintf(s + n, "[%s]\r\n%s\n", name, text);
        else if (form == 6)
            n += (size_t)sprintf(s + n, "%s\n%s\n", caps, text);
        else
            n += (size_t)sprintf(s + n, "%s\n", text);
    }
#undef NEXT
    *len = n;
    return s;
}

static void test_streaming_blocks_equal_reference(void)
{
    size_t len;
    char *text = big_conversation(&len);
    CU_ASSERT_EQUAL_FATAL(len, 3867010);
    char *path = temp_file(text, len);
    free(text);
    /* default 1 MiB blocks (4 blocks), many small blocks, one block */
    static const size_t blocks[] = { 0, 4096, 64u << 20 };
    for (int b = 0; b < 3; b++) {
        DetectOptions o = { .conversation_mode = true, .block_bytes = blocks[b] };
        Detection d;
        Collect c;
        char err[512], hex[65];
        collect_init(&c);
        CU_ASSERT_EQUAL(detect_file(path, &o, &d, &c, err, sizeof err), 0);
        collect_done(&c, hex);
        CU_ASSERT_STRING_EQUAL(d.sha256, "206662b3a0d1a215f7495514511c23d7dc6adbed2237d85ccb28e759efdb0c47");
        CU_ASSERT_STRING_EQUAL(d.strategy, "labeled_speakers");
        CU_ASSERT_EQUAL(d.confidence, 0.8739);
        CU_ASSERT_EQUAL(d.total_exchanges, 69912);
        CU_ASSERT_EQUAL(c.n, 69912);
        CU_ASSERT_EQUAL(d.nspeakers, 8);
        CU_ASSERT_STRING_EQUAL(hex, "5bf46a29ef059e9559e4cff487b3a02e031fce7694f92f43b663f9271329e159");
        detect_free(&d);
    }
    unlink(path);
    free(path);
}

static void test_no_safe_block_boundary_is_an_error(void)
{
    /* every line ends in ':' (a pre-join could continue), so no cut is safe */
    char text[4000] = "";
    for (int i = 0; i < 400; i++)
        strcat(text, "Ann:\n");
    DetectOptions o = { .conversation_mode = true, .block_bytes = 16 };
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL(detect_text(text, &o, &d, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no safe block boundary"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 1"));
    collect_done(&c, hex);
}

/* --- errors -------------------------------------------------------------- */

/* detect_scan on raw bytes: its return value and message. */
static int scan_bytes(const char *data, size_t n, const DetectOptions *o, char *err, size_t errlen)
{
    char *path = temp_file(data, n);
    Detection d;
    int rc = detect_scan(path, o, &d, err, errlen);
    if (rc == 0)
        detect_free(&d);
    if (rc)
        CU_ASSERT_PTR_NOT_NULL(strstr(err, path));   /* the message names the file */
    unlink(path);
    free(path);
    return rc;
}

static void test_missing_file_and_directory(void)
{
    Detection d;
    char err[512];
    CU_ASSERT_EQUAL(detect_scan("/nonexistent/huey.txt", &plain, &d, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/huey.txt"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    CU_ASSERT_EQUAL(detect_scan("/tmp", &conversation, &d, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/tmp: is a directory"));
}

static void test_invalid_utf8_names_byte_offset(void)
{
    char err[512];
    CU_ASSERT_EQUAL(scan_bytes("abc\xff", 4, &plain, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "invalid UTF-8 at byte offset 3"));
    /* a sequence cut by the end of the file */
    CU_ASSERT_EQUAL(scan_bytes("ab\xe2\x82", 4, &plain, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "offset 2"));
    /* an overlong '/' after the first 1 MiB chunk: the offset is absolute */
    size_t n = (1u << 20) + 3;
    char *big = malloc(n);
    memset(big, 'a', n);
    big[n - 2] = '\xc0';
    big[n - 1] = '\xaf';
    CU_ASSERT_EQUAL(scan_bytes(big, n, &conversation, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "invalid UTF-8 at byte offset 1048577"));
    free(big);
}

static void test_nul_byte_is_rejected(void)
{
    char err[512];
    CU_ASSERT_EQUAL(scan_bytes("ab\0cd", 5, &plain, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "contains a NUL byte at offset 2 (binary file?)"));
}

static void test_line_longer_than_max_line_bytes(void)
{
    char err[512];
    DetectOptions o = { .conversation_mode = true, .max_line_bytes = 10 };
    const char *text = "short\nthis line is long\n";
    CU_ASSERT_EQUAL(scan_bytes(text, strlen(text), &o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 2 is longer than 10 bytes"));
    o.max_line_bytes = 17;   /* exactly the longest line */
    CU_ASSERT_EQUAL(scan_bytes(text, strlen(text), &o, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not detect"));
}

static void test_sink_stop_and_file_change(void)
{
    const char *text = "Ann: a\nBen: b\nAnn: c\n";
    char *path = temp_file(text, strlen(text));
    Detection d;
    Collect c;
    char err[512], hex[65];
    int rc = detect_scan(path, &conversation, &d, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) {
        unlink(path);
        free(path);
        return;
    }
    collect_init(&c);
    c.stop_at_begin = 2;
    UttSink sink = { &c, c_begin, c_text, c_end };
    CU_ASSERT_EQUAL(detect_run(path, &conversation, &d, &sink, err, sizeof err), 7);
    CU_ASSERT_EQUAL(c.n, 1);
    collect_done(&c, hex);
    FILE *f = fopen(path, "w");
    fputs("Ann: a\nBen: b\nAnn: d\n", f);
    fclose(f);
    collect_init(&c);
    CU_ASSERT_EQUAL(detect_run(path, &conversation, &d, &sink, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "file changed while reading"));
    collect_done(&c, hex);
    detect_free(&d);
    unlink(path);
    free(path);
}

/* --- plain mode ---------------------------------------------------------- */

static void test_plain_mode_sha256_and_words(void)
{
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL_FATAL(detect_text("abc", &plain, &d, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CU_ASSERT_STRING_EQUAL(d.strategy, "single_author");
    CU_ASSERT_EQUAL(d.confidence, 1.0);
    CU_ASSERT_EQUAL(d.total_exchanges, 1);
    CU_ASSERT_EQUAL(d.bytes, 3);
    static const char *const spk[] = { "Author" };
    expect_speakers(&d, spk, 1);
    static const char *const utt[] = { "Author", "abc" };
    expect_utts(&c, utt, 1);
    collect_done(&c, hex);
    detect_free(&d);
    /* Python's str.split(): NBSP, LINE SEPARATOR and U+001C separate words */
    CU_ASSERT_EQUAL_FATAL(detect_text("a\xc2\xa0" "b\xe2\x80\xa8" "c\x1c" "d e", &plain, &d, &c,
                                      err, sizeof err), 0);
    CU_ASSERT_EQUAL(d.whitespace_words, 5);
    collect_done(&c, hex);
    detect_free(&d);
}

static void test_plain_mode_empty_file_is_one_empty_utterance(void)
{
    Detection d;
    Collect c;
    char err[512], hex[65];
    CU_ASSERT_EQUAL_FATAL(detect_text("", &plain, &d, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(d.whitespace_words, 0);
    static const char *const utt[] = { "Author", "" };
    expect_utts(&c, utt, 1);
    CU_ASSERT_EQUAL(c.chunks, 1);   /* begin, one (empty) text, end */
    collect_done(&c, hex);
    detect_free(&d);
}

static void test_plain_mode_chunks_concatenate_to_normalised_text(void)
{
    /* 3.5 MiB: a \r\n split by the first chunk boundary, a lone \r at the
     * second, a 3-byte code point across the third */
    size_t n = (7u << 20) / 2;
    char *raw = malloc(n);
    for (size_t i = 0; i < n; i++)
        raw[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 7);
    raw[(1u << 20) - 1] = '\r';
    raw[1u << 20] = '\n';
    raw[(2u << 20) - 1] = '\r';
    raw[2u << 20] = 'y';
    memcpy(raw + (3u << 20) - 1, "\xe2\x82\xac", 3);
    raw[n - 1] = '\r';
    char *expect = malloc(n);
    size_t m = 0;
    uint64_t words = 0;
    bool in_word = false;
    for (size_t i = 0; i < n; i++) {
        char ch = raw[i];
        if (ch == '\r' && i + 1 < n && raw[i + 1] == '\n')
            continue;
        expect[m++] = ch == '\r' ? '\n' : ch;
        bool space = ch == ' ' || ch == '\r' || ch == '\n';
        words += !space && !in_word;
        in_word = !space;
    }
    char *path = temp_file(raw, n);
    Detection d;
    Collect c;
    char err[512], hex[65];
    collect_init(&c);
    c.keep_all = true;
    CU_ASSERT_EQUAL(detect_file(path, &plain, &d, &c, err, sizeof err), 0);
    unlink(path);
    free(path);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT(c.chunks > 1);
    CU_ASSERT(!c.chunk_not_utf8);
    CU_ASSERT_EQUAL(c.all_len, m);
    CU_ASSERT(c.all_len == m && memcmp(c.all, expect, m) == 0);
    CU_ASSERT_EQUAL(d.whitespace_words, words);
    CU_ASSERT_EQUAL(d.bytes, n);
    collect_done(&c, hex);
    detect_free(&d);
    free(raw);
    free(expect);
}

/* --- a followed stream (LiveDetect) --------------------------------------- */

/* Feeds text to a live detector in pieces of 1 .. maxpiece bytes (from an
 * LCG seeded with seed), then ends the stream; the utterances land in c.
 * Returns the last nonzero value (0: none). */
static int live_text(const char *text, size_t n, const DetectOptions *o, size_t maxpiece, uint64_t seed,
                     Collect *c, LiveStats *st, Detection *d, char *err, size_t errlen)
{
    UttSink sink = { c, c_begin, c_text, c_end };
    LiveDetect *ld = live_detect_new("stream", o, &sink);   /* c is the caller's */
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0;) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t k = 1 + (size_t)((seed >> 33) % maxpiece);
        k = k < n - at ? k : n - at;
        rc = live_detect_feed(ld, text + at, k, err, errlen);
        at += k;
    }
    if (rc == 0)
        rc = live_detect_finish(ld, err, errlen);
    if (st)
        *st = live_detect_stats(ld);
    if (d)
        live_detect_result(ld, d);
    live_detect_free(ld);
    return rc;
}

/* A live detector whose utterances land in c (made fresh). */
static LiveDetect *live_collect(Collect *c, const DetectOptions *o)
{
    collect_init(c);
    UttSink sink = { c, c_begin, c_text, c_end };
    return live_detect_new("stream", o, &sink);
}

/* The finished file's labeled utterances: their digest, confidence,
 * count and speakers. */
static void batch_labeled(const char *text, size_t n, char hex[65], Detection *d)
{
    char *path = temp_file(text, n);
    Collect c;
    char err[512];
    collect_init(&c);
    CU_ASSERT_EQUAL_FATAL(detect_file(path, &conversation, d, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL_FATAL(d->strategy, "labeled_speakers");
    collect_done(&c, hex);
    unlink(path);
    free(path);
}

/* The same labeled stream, cut anywhere, gives the finished file's
 * utterances, confidence, speakers, words and SHA-256. */
static void expect_live_equals_batch(const char *text, size_t n, size_t maxpiece)
{
    char want[65], got[65], err[512];
    Detection b, d;
    batch_labeled(text, n, want, &b);
    Collect c;
    LiveStats st;
    collect_init(&c);
    CU_ASSERT_EQUAL(live_text(text, n, &conversation, maxpiece, 7, &c, &st, &d, err, sizeof err), 0);
    collect_done(&c, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(st.rejoins, 0);
    CU_ASSERT_STRING_EQUAL(d.strategy, b.strategy);
    CU_ASSERT_EQUAL(d.confidence, b.confidence);
    CU_ASSERT_EQUAL(d.total_exchanges, b.total_exchanges);
    CU_ASSERT_EQUAL(d.whitespace_words, b.whitespace_words);
    CU_ASSERT_STRING_EQUAL(d.sha256, b.sha256);
    CU_ASSERT_EQUAL_FATAL(d.nspeakers, b.nspeakers);
    for (size_t i = 0; i < d.nspeakers; i++)
        CU_ASSERT_STRING_EQUAL(d.speakers[i], b.speakers[i]);
    detect_free(&b);
    detect_free(&d);
}

static void test_live_big_conversation_equals_finished_file(void)
{
    size_t len;
    char *text = big_conversation(&len);
    expect_live_equals_batch(text, len, 1000);
    /* the first 20 000 bytes a few bytes at a time: every cut point */
    size_t part = 20000;
    while (part < len && text[part - 1] != '\n')
        part++;
    expect_live_equals_batch(text, part, 3);
    free(text);
}

/* Lines ending in letters (no safe cut: the rejoin check runs), label
 * lines of every pre-join, blank lines, unlabeled lines, CR LF, non-ASCII. */
static void test_live_lines_ending_in_letters_equal_finished_file(void)
{
    static const char *const parts[] = {
        "Alice: so we meet again\n", "Bob:\n  well hello there\n", "\n\n", "Carol - right you are\n",
        "[Dave]\r\nlong time no see\r\n", "(Erin)\nnot so long\n", "Speaker: Frank\nme again\n",
        "GRACE\nhi all of you\n", "an unlabeled line\n", "Alice: café olé naïve\n", "Bob:\n\n\ntext after blanks\n",
        "Alice: the end without a newline",
    };
    char text[1024] = "";
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        strcat(text, parts[i]);
    for (size_t piece = 1; piece <= 9; piece += 4)
        expect_live_equals_batch(text, strlen(text), piece);
}

/* What arrives is emitted at its line end; a line that ends like a label
 * waits for the next line. */
static void test_live_emits_at_line_end_and_holds_label_lines(void)
{
    Collect c;
    char err[512], hex[65];
    LiveDetect *ld = live_collect(&c, &conversation);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Alice: hi there", 15, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 0);
    CU_ASSERT(live_detect_pending(ld));
    CU_ASSERT_EQUAL(live_detect_feed(ld, "\n", 1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT(!live_detect_pending(ld));
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Bob:\n", 5, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "  yes indeed\n", 13, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.spk[1], "Bob");
    CU_ASSERT_STRING_EQUAL(c.txt[1], "yes indeed");
    CU_ASSERT_EQUAL(live_detect_feed(ld, "no label here\n", 14, err, sizeof err), 0);
    LiveStats st = live_detect_stats(ld);
    CU_ASSERT_EQUAL(st.lines, 3);
    CU_ASSERT_EQUAL(st.dropped, 1);
    CU_ASSERT_EQUAL(st.utterances, 2);
    CU_ASSERT_PTR_NULL(live_detect_note(ld));
    live_detect_free(ld);
    collect_done(&c, hex);
}

/* A pre-join that reaches back over a line already learnt is counted and
 * said once: "so\n-\ntext" is "so - text" in the finished file. */
static void test_live_rejoin_is_detected(void)
{
    Collect c;
    char err[512], hex[65];
    LiveDetect *ld = live_collect(&c, &conversation);
    const char *text = "Alice: I think so\n-\nmore text\nBob: fine\n";
    CU_ASSERT_EQUAL(live_detect_feed(ld, text, strlen(text), err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.txt[0], "I think so");
    LiveStats st = live_detect_stats(ld);
    CU_ASSERT_EQUAL(st.rejoins, 1);
    const char *note = live_detect_note(ld);
    CU_ASSERT_PTR_NOT_NULL_FATAL(note);
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "stream: line 2:"));
    CU_ASSERT_PTR_NULL(live_detect_note(ld));
    live_detect_free(ld);
    collect_done(&c, hex);
    /* the finished file joins them */
    Detection d;
    CU_ASSERT_EQUAL(detect_text(text, &conversation, &d, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.txt[0], "I think so - more text");
    collect_done(&c, hex);
    detect_free(&d);
}

/* An idle flush completes an unfinished line; text after it starts a new
 * line (here without a label: dropped), and that is said. */
static void test_live_idle_flush_cuts_a_line(void)
{
    Collect c;
    char err[512], hex[65];
    LiveDetect *ld = live_collect(&c, &conversation);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Alice: hel", 10, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_flush(ld, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.txt[0], "hel");
    CU_ASSERT_EQUAL(live_detect_feed(ld, "lo\nBob: hi\n", 11, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 2);
    LiveStats st = live_detect_stats(ld);
    CU_ASSERT_EQUAL(st.idle_cuts, 1);
    CU_ASSERT_EQUAL(st.dropped, 1);
    CU_ASSERT_PTR_NOT_NULL(live_detect_note(ld));
    /* a flush at a line end cuts nothing */
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Bob: again", 10, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_flush(ld, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "\nAlice: ok\n", 11, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_stats(ld).idle_cuts, 1);
    CU_ASSERT_EQUAL(c.n, 4);
    live_detect_free(ld);
    collect_done(&c, hex);
}

/* Bad bytes name their offset in the stream; a code point may be cut
 * between pieces, but not by the end. A restart counts from 0 again. */
static void test_live_bad_utf8_and_cut_code_points(void)
{
    Collect c;
    char err[512], hex[65];
    LiveDetect *ld = live_collect(&c, &conversation);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Alice: caf\xc3", 11, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "\xa9\nBob: ok\n", 10, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.txt[0], "café");
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Bob: x\xff\n", 9, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "stream: invalid UTF-8 at byte offset 27");
    live_detect_free(ld);
    collect_done(&c, hex);

    ld = live_collect(&c, &conversation);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Alice: a\n", 9, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_restart(ld, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "B\xff\n", 3, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "stream: invalid UTF-8 at byte offset 1");
    live_detect_free(ld);
    collect_done(&c, hex);

    ld = live_collect(&c, &conversation);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "Alice: \xe2\x82", 9, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_finish(ld, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "byte offset 7 (sequence cut by the end"));
    live_detect_free(ld);
    collect_done(&c, hex);
}

/* Plain mode: one running utterance by Author, as a file is; a flush ends
 * it and the next text starts another. */
static void test_live_plain_mode(void)
{
    static const char text[] = "one two\r\nthree four five\n";
    Collect c;
    char err[512], hex[65];
    collect_init(&c);
    c.keep_all = true;
    Detection d;
    CU_ASSERT_EQUAL(live_text(text, sizeof text - 1, &plain, 3, 1, &c, NULL, &d, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.spk[0], "Author");
    CU_ASSERT(c.all_len == 24 && memcmp(c.all, "one two\nthree four five\n", 24) == 0);
    CU_ASSERT_STRING_EQUAL(d.strategy, "single_author");
    CU_ASSERT_EQUAL(d.whitespace_words, 5);
    detect_free(&d);
    collect_done(&c, hex);

    LiveDetect *ld = live_collect(&c, &plain);
    CU_ASSERT_EQUAL(live_detect_flush(ld, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.begins, 0);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "a b", 3, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_flush(ld, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_feed(ld, "c", 1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(live_detect_finish(ld, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.txt[1], "c");
    live_detect_free(ld);
    collect_done(&c, hex);
}

void register_detect(void)
{
    CU_pSuite s = CU_add_suite("detect", NULL, NULL);
    CU_add_test(s, "labeled Name: text, three speakers", test_labeled_name_colon_three_speakers);
    CU_add_test(s, "labeled [N], (N), N>, > N:, hh:mm N:, N - forms", test_labeled_other_label_forms);
    CU_add_test(s, "labeled confidence = matches/lines; a tie keeps labeled",
                test_labeled_confidence_is_matches_over_lines_and_tie_keeps_labeled);
    CU_add_test(s, "pre-join: Name:\\n text", test_prejoin_label_line_joins_next_line);
    CU_add_test(s, "pre-join: Speaker: Name\\n text", test_prejoin_speaker_prefix);
    CU_add_test(s, "pre-join: ALL CAPS line", test_prejoin_all_caps_line);
    CU_add_test(s, "pre-join across blank lines", test_prejoin_across_blank_lines);
    CU_add_test(s, "name cleaning quirks", test_name_cleaning_quirks);
    CU_add_test(s, "names over 20 chars rejected", test_name_longer_than_20_is_rejected);
    CU_add_test(s, "metadata text and reserved names rejected",
                test_metadata_text_and_reserved_names_are_rejected);
    CU_add_test(s, "invalid match lets the next pattern try", test_invalid_match_lets_the_next_pattern_try);
    CU_add_test(s, "alternating Speaker_A/B over story lines", test_alternating_story_lines);
    CU_add_test(s, "fewer than 4 unlabeled lines fail", test_fewer_than_four_unlabeled_lines_fail);
    CU_add_test(s, "empty file fails in conversation mode", test_empty_file_fails_in_conversation_mode);
    CU_add_test(s, "numbered 0.7 beats alternating; N mod 3", test_numbered_beats_alternating);
    CU_add_test(s, "numbered N over 4300 digits fails", test_numbered_line_beyond_int_digit_limit_fails);
    CU_add_test(s, "universal newlines", test_universal_newlines);
    CU_add_test(s, "streaming blocks equal the reference", test_streaming_blocks_equal_reference);
    CU_add_test(s, "no safe block boundary is an error", test_no_safe_block_boundary_is_an_error);
    CU_add_test(s, "missing file and directory", test_missing_file_and_directory);
    CU_add_test(s, "invalid UTF-8 names the byte offset", test_invalid_utf8_names_byte_offset);
    CU_add_test(s, "NUL byte rejected", test_nul_byte_is_rejected);
    CU_add_test(s, "line longer than max_line_bytes", test_line_longer_than_max_line_bytes);
    CU_add_test(s, "sink stop value and file change", test_sink_stop_and_file_change);
    CU_add_test(s, "plain mode: sha256, words, one Author utterance", test_plain_mode_sha256_and_words);
    CU_add_test(s, "plain mode: empty file", test_plain_mode_empty_file_is_one_empty_utterance);
    CU_add_test(s, "plain mode: chunks concatenate to the normalised text",
                test_plain_mode_chunks_concatenate_to_normalised_text);
    CU_add_test(s, "live: big conversation cut anywhere = the finished file",
                test_live_big_conversation_equals_finished_file);
    CU_add_test(s, "live: lines ending in letters, every pre-join = the finished file",
                test_live_lines_ending_in_letters_equal_finished_file);
    CU_add_test(s, "live: emitted at the line end; label lines held", test_live_emits_at_line_end_and_holds_label_lines);
    CU_add_test(s, "live: a pre-join across a learnt line is detected", test_live_rejoin_is_detected);
    CU_add_test(s, "live: an idle flush cuts a line, and says so", test_live_idle_flush_cuts_a_line);
    CU_add_test(s, "live: bad UTF-8 offsets, cut code points", test_live_bad_utf8_and_cut_code_points);
    CU_add_test(s, "live: plain mode", test_live_plain_mode);
}
