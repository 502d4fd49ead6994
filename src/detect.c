/*
 * detect.c — reading an input file and detecting its speakers exactly as
 * the reference's HueySpeakerDetector.detect_speakers_from_file does
 * (huey-model.md §2), in bounded memory.
 *
 * Reading (both modes): 1 MiB binary chunks, SHA-256 of the raw bytes
 * (OpenSSL EVP), strict UTF-8 as Python's decoder sees it, no NUL bytes,
 * universal newlines (\r\n and \r become \n), and len(content.split()).
 *
 * Conversation mode: the normalised text is cut into blocks at safe line
 * ends (see block_boundary), each block gets the reference's seven pre-join
 * substitutions and is split into stripped non-empty lines, and the lines
 * feed the strategies. Pass 1 (detect_scan) scores every strategy at once;
 * pass 2 (detect_run) repeats the processing and emits the winner's
 * utterances. The regexes are PCRE2 in UTF mode with Python's \s and \d
 * spelled out from text.h's tables, so that they match what Python's re
 * matches on a str.
 */
#define _POSIX_C_SOURCE 200809L
#include "detect.h"

#include "text.h"
#include "util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    READ_CHUNK = 1 << 20,     /* bytes per read() */
    BLOCK_DEFAULT = 1 << 20,  /* conversation mode: a block is at least this */
    BLOCK_HARD_FACTOR = 64,   /* ... and at most this many times as long */
    N_PREJOIN = 7,
    N_LABELED = 7,
};

/* The reference's constants (HueySpeakerDetector). */
static const struct {
    uint64_t labeled_min_speakers;
    uint64_t alternating_min_lines;
    double alternating_confidence;
    uint64_t numbered_min_lines;
    double numbered_confidence;
    size_t max_speaker_len;      /* code points; cleaned names are ASCII */
    size_t int_max_str_digits;   /* CPython 3.11's int() refuses longer */
} ref = {
    .labeled_min_speakers = 2,
    .alternating_min_lines = 4,
    .alternating_confidence = 0.6,
    .numbered_min_lines = 3,
    .numbered_confidence = 0.7,
    .max_speaker_len = 20,
    .int_max_str_digits = 4300,
};

typedef enum {
    STRAT_NONE,
    STRAT_LABELED,
    STRAT_ALTERNATING,
    STRAT_NUMBERED,
    STRAT_SINGLE,
    STRAT_LIVE,    /* a followed stream: pass 1's counts and labeled's utterances */
} Strategy;

static const char *const strategy_names[] = {
    [STRAT_NONE] = "",
    [STRAT_LABELED] = "labeled_speakers",
    [STRAT_ALTERNATING] = "alternating_speakers",
    [STRAT_NUMBERED] = "numbered_speakers",
    [STRAT_SINGLE] = "single_author",
    [STRAT_LIVE] = "labeled_speakers",
};

/* Speaker_A, _B, _C: alternating uses the first two, numbered all three. */
static const char *const cyclic_speakers[3] = { "Speaker_A", "Speaker_B", "Speaker_C" };

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* --- growable byte buffer ------------------------------------------------ */

typedef struct Buf {
    char *p;       /* (cap) */
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n)
{
    GROW(b->p, b->cap, b->len + n + 1);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_free(Buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* --- Python's whitespace ------------------------------------------------- */

static bool ascii_space[128];   /* py_isspace on ASCII, the hot case */

static bool is_space(uint32_t cp)
{
    return cp < 128 ? ascii_space[cp] : py_isspace(cp);
}

/* Length of the code point starting at s (valid UTF-8) and its value. */
static size_t next_cp(const char *s, size_t n, uint32_t *cp)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int k = utf8_decode((const unsigned char *)s, n, cp);
    check(k > 0);
    return (size_t)k;
}

/* str.strip(): *s / *n shrink to exclude leading and trailing whitespace. */
static void py_strip(const char **s, size_t *n)
{
    uint32_t cp;
    while (*n) {
        size_t k = next_cp(*s, *n, &cp);
        if (!is_space(cp))
            break;
        *s += k;
        *n -= k;
    }
    while (*n) {
        size_t start = *n - 1;
        while (start > 0 && ((unsigned char)(*s)[start] & 0xC0) == 0x80)
            start--;
        next_cp(*s + start, *n - start, &cp);
        if (!is_space(cp))
            break;
        *n = start;
    }
}

/* --- the reference's regexes in PCRE2 ------------------------------------ */

/* The pre-join substitutions, in the reference's order, all re.MULTILINE.
 * Replacement = open + group 1 + mid + group 2. `anchor`: see
 * next_prejoin; 0 for the two patterns that start with ^. */
static const struct {
    const char *pattern;
    const char *open, *mid;
    char anchor;
} prejoin_table[N_PREJOIN] = {
    { "^Speaker:\\s*([A-Za-z][A-Za-z0-9_\\s\\-]*?)\\s*\\n+\\s*([^\\n]+)", "", ": ", 0 },
    { "([A-Za-z][A-Za-z0-9_\\s]{1,20}?):\\s*\\n+\\s*([^\\n]+)", "", ": ", ':' },
    { "([A-Za-z][A-Za-z0-9_\\s]{1,20}?)\\s*-\\s*\\n+\\s*([^\\n]+)", "", " - ", '-' },
    { "\\[([A-Za-z][A-Za-z0-9_\\s]{1,20}?)\\]\\s*\\n+\\s*([^\\n]+)", "[", "] ", ']' },
    { "\\(([A-Za-z][A-Za-z0-9_\\s]{1,20}?)\\)\\s*\\n+\\s*([^\\n]+)", "(", ") ", ')' },
    { "^([A-Z][A-Z\\s]{1,20}?)\\s*\\n+\\s*([a-zA-Z][^\\n]+)", "", ": ", 0 },
    { "([A-Za-z][A-Za-z0-9_\\s]{1,20}?):\\s*\\n{2,}\\s*([^\\n]+)", "", ": ", ':' },
};
/* Code points from a match's start to its anchor, at most: '[' or '(',
 * then a name of up to 21, not counting whitespace just before the anchor. */
enum { ANCHOR_REACH = 22 };

/* The reference's patterns[:7], tried in order on each stripped line. */
static const char *const labeled_table[N_LABELED] = {
    "^([A-Za-z][A-Za-z0-9_\\s\\-]*?):\\s*(.+)$",
    "^([A-Za-z][A-Za-z0-9_\\s\\-]*?)\\s*-\\s*(.+)$",
    "^\\[([A-Za-z][A-Za-z0-9_\\s\\-]*?)\\]\\s*(.+)$",
    "^\\(([A-Za-z][A-Za-z0-9_\\s\\-]*?)\\)\\s*(.+)$",
    "^([A-Za-z][A-Za-z0-9_\\s\\-]*?)>\\s*(.+)$",
    "^>\\s*([A-Za-z][A-Za-z0-9_\\s\\-]*?):\\s*(.+)$",
    "^\\d{1,2}:\\d{2}\\s+([A-Za-z][A-Za-z0-9_\\s\\-]*?):\\s*(.+)$",
};

static const char *const numbered_pattern = "^(\\d+)\\.\\s*(.+)$";

static struct {
    bool ready;
    pcre2_code *prejoin[N_PREJOIN];
    pcre2_code *prejoin_at[N_PREJOIN];   /* anchored copies where anchor != 0 */
    pcre2_code *labeled[N_LABELED];
    pcre2_code *numbered;
    pcre2_match_context *mctx;
} rx;

/* The body of a character class holding every code point pred accepts. */
static void class_body(Buf *b, bool (*pred)(uint32_t))
{
    char tmp[40];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp == 0xD800)
            cp = 0xE000;   /* surrogates are no characters in UTF-8 */
        if (!pred(cp))
            continue;
        uint32_t lo = cp;
        while (cp < 0x10FFFF && cp + 1 != 0xD800 && pred(cp + 1))
            cp++;
        if (lo == cp)
            snprintf(tmp, sizeof tmp, "\\x{%X}", (unsigned)lo);
        else
            snprintf(tmp, sizeof tmp, "\\x{%X}-\\x{%X}", (unsigned)lo, (unsigned)cp);
        buf_str(b, tmp);
    }
}

/* Python's \s (str.isspace) and \d (str.isdecimal) become explicit classes:
 * PCRE2's own \s and \d (even with UCP) are other sets. */
static char *pcre2_pattern(const char *py, const char *space, const char *digit)
{
    Buf b = {0};
    bool in_class = false;
    for (const char *s = py; *s; s++) {
        if (s[0] == '\\' && (s[1] == 's' || s[1] == 'd')) {
            const char *set = s[1] == 's' ? space : digit;
            if (!in_class)
                buf_str(&b, "[");
            buf_str(&b, set);
            if (!in_class)
                buf_str(&b, "]");
            s++;
        } else if (s[0] == '\\' && s[1]) {
            buf_add(&b, s, 2);
            s++;
        } else {
            if (*s == '[' && !in_class)
                in_class = true;
            else if (*s == ']' && in_class)
                in_class = false;
            buf_add(&b, s, 1);
        }
    }
    return b.p;
}

static pcre2_code *rx_compile(pcre2_compile_context *cctx, const char *py, uint32_t flags,
                              const char *space, const char *digit)
{
    char *pat = pcre2_pattern(py, space, digit);
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | flags,
                                   &code, &off, cctx);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        die("internal: PCRE2 rejects /%s/ at %zu: %s", py, (size_t)off, (char *)msg);
    }
    /* The interpreter serves where JIT is unavailable. */
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    free(pat);
    return re;
}

static void rx_init(void)
{
    if (rx.ready)
        return;
    for (uint32_t c = 0; c < 128; c++)
        ascii_space[c] = py_isspace(c);
    Buf space = {0}, digit = {0};
    class_body(&space, py_isspace);
    class_body(&digit, py_isdecimal);
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    check(cctx);
    /* Python's '.', '^' and '$' know only \n as a line break. */
    pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
    for (int i = 0; i < N_PREJOIN; i++) {
        rx.prejoin[i] = rx_compile(cctx, prejoin_table[i].pattern, PCRE2_MULTILINE, space.p, digit.p);
        if (prejoin_table[i].anchor)
            rx.prejoin_at[i] = rx_compile(cctx, prejoin_table[i].pattern,
                                          PCRE2_MULTILINE | PCRE2_ANCHORED, space.p, digit.p);
    }
    for (int i = 0; i < N_LABELED; i++)
        rx.labeled[i] = rx_compile(cctx, labeled_table[i], 0, space.p, digit.p);
    rx.numbered = rx_compile(cctx, numbered_pattern, 0, space.p, digit.p);
    pcre2_compile_context_free(cctx);
    buf_free(&space);
    buf_free(&digit);
    /* Python's re never gives up on backtracking; neither do we. */
    rx.mctx = pcre2_match_context_create(NULL);
    check(rx.mctx);
    pcre2_set_match_limit(rx.mctx, UINT32_MAX);
    pcre2_set_depth_limit(rx.mctx, UINT32_MAX);
    rx.ready = true;
}

/* 1 = match (ovector in md), 0 = none, < 0 = PCRE2 error code. */
static int rx_match(pcre2_code *re, const char *s, size_t n, size_t start, pcre2_match_data *md)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, md, rx.mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)   /* the interpreter's heap grows */
        rc = pcre2_match(re, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, rx.mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    return rc < 0 ? rc : 1;
}

/* --- reading: chunks, SHA-256, UTF-8, NUL, newlines, words --------------- */

typedef struct Reader {
    const char *path;
    int fd;
    EVP_MD_CTX *md;
    unsigned char *buf;      /* (READ_CHUNK + 4) raw bytes, normalised in place */
    size_t tail_at, tail;    /* an unfinished code point at buf[tail_at..+tail) */
    bool skip_lf;            /* the last byte handed out was a '\r' */
    uint64_t offset;         /* file offset of the byte at buf[tail_at] */
    uint64_t bytes;
    uint64_t words;
    bool in_word;
    uint64_t line;           /* 1-based number of the line being read */
    uint64_t line_bytes;
    size_t max_line_bytes;   /* 0 = no limit */
    char *err;
    size_t errlen;
} Reader;

/* A reader of bytes handed to it (reader_feed), named path in messages. */
static void reader_init(Reader *r, const char *path, size_t max_line_bytes)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = -1;
    r->line = 1;
    r->max_line_bytes = max_line_bytes;
    r->md = EVP_MD_CTX_new();
    if (!r->md || !EVP_DigestInit_ex(r->md, EVP_sha256(), NULL))
        die("OpenSSL cannot initialise SHA-256");
    r->buf = xmalloc(READ_CHUNK + 4);
}

static int reader_open(Reader *r, const char *path, size_t max_line_bytes,
                       char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(err, errlen, "%s: is a directory, not a text file", path);
    }
    reader_init(r, path, max_line_bytes);
    r->fd = fd;
    r->err = err;
    r->errlen = errlen;
    return 0;
}

/* The hex SHA-256 of what md has seen; md stays usable (a copy is
 * finished), so a followed input can report its digest so far. */
static void digest_hex(const EVP_MD_CTX *md, char hex[65])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!c || !EVP_MD_CTX_copy_ex(c, md) || !EVP_DigestFinal_ex(c, d, &n) || n != 32)
        die("OpenSSL cannot finish SHA-256");
    EVP_MD_CTX_free(c);
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* Finishes the digest into hex (when hex is not NULL) and frees r. */
static void reader_close(Reader *r, char hex[65])
{
    if (hex)
        digest_hex(r->md, hex);
    if (r->fd >= 0)
        close(r->fd);
    EVP_MD_CTX_free(r->md);
    free(r->buf);
    r->fd = -1;
    r->md = NULL;
    r->buf = NULL;
}

/* Bytes at the end of b[0..n) that start a code point the chunk cuts. */
static size_t unfinished_tail(const unsigned char *b, size_t n)
{
    size_t j = n;
    while (j > 0 && n - j < 3 && (b[j - 1] & 0xC0) == 0x80)
        j--;
    if (j == 0 || b[j - 1] < 0xC0)
        return 0;
    unsigned char c = b[j - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    size_t have = n - (j - 1);
    return need > have ? have : 0;
}

/* Universal newlines, word count and line length over the validated
 * b[0..m), in place (the text only shrinks). Returns the new length, or
 * (size_t)-1 with the error set. The counters live in locals: a byte
 * store may alias the Reader, so its fields would be reloaded and stored
 * again for every byte (this loop was 2 % of a corpus run at 1e5). */
static size_t reader_normalise(Reader *r, size_t m)
{
    unsigned char *b = r->buf;
    uint64_t words = r->words, line = r->line, line_bytes = r->line_bytes;
    const uint64_t limit = r->max_line_bytes ? r->max_line_bytes : UINT64_MAX;
    bool in_word = r->in_word, skip_lf = false, too_long = false;
    size_t i = 0, w = 0;
    if (r->skip_lf && m > 0 && b[0] == '\n')
        i = 1;   /* the \n of a \r\n split by the chunk boundary */
    while (i < m) {
        unsigned char c = b[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r') {
                if (i + 1 == m)
                    skip_lf = true;
                else if (b[i + 1] == '\n')
                    i++;
            }
            b[w++] = '\n';
            i++;
            line++;
            line_bytes = 0;
            in_word = false;
            continue;
        }
        uint32_t cp;
        size_t k = next_cp((const char *)b + i, m - i, &cp);
        bool space = is_space(cp);
        words += !space && !in_word;
        in_word = !space;
        line_bytes += k;
        if (line_bytes > limit) {
            too_long = true;
            break;
        }
        for (size_t e = i + k; i < e; )
            b[w++] = b[i++];
    }
    r->words = words;
    r->line = line;
    r->line_bytes = line_bytes;
    r->in_word = in_word;
    r->skip_lf = skip_lf;
    if (too_long) {
        fail(r->err, r->errlen, "%s: line %llu is longer than %zu bytes (max_line_bytes)",
             r->path, (unsigned long long)r->line, r->max_line_bytes);
        return (size_t)-1;
    }
    return w;
}

/* The k raw bytes just placed at r->buf + have (after the unfinished
 * code point kept from before): digest, UTF-8 and NUL checks, newlines.
 * 1 with the normalised text at *s / *n (valid until the next call), 0
 * when none came out yet, -1 with the error set. */
static int reader_push(Reader *r, size_t have, size_t k, const char **s, size_t *n)
{
    if (!EVP_DigestUpdate(r->md, r->buf + have, k))
        die("OpenSSL SHA-256 update failed");
    r->bytes += (uint64_t)k;
    size_t total = have + k;
    size_t keep = unfinished_tail(r->buf, total);
    size_t m = total - keep;
    size_t bad = utf8_validate((const char *)r->buf, m);
    const unsigned char *nul = memchr(r->buf, 0, bad);
    if (nul)
        return fail(r->err, r->errlen, "%s: contains a NUL byte at offset %llu (binary file?)",
                    r->path, (unsigned long long)(r->offset + (uint64_t)(nul - r->buf)));
    if (bad < m)
        return fail(r->err, r->errlen, "%s: invalid UTF-8 at byte offset %llu",
                    r->path, (unsigned long long)(r->offset + bad));
    size_t w = reader_normalise(r, m);
    if (w == (size_t)-1)
        return -1;
    r->tail_at = m;
    r->tail = keep;
    r->offset += m;
    *s = (const char *)r->buf;
    *n = w;
    return w > 0;
}

/* Moves the unfinished code point to the front; returns its length. */
static size_t reader_rewind(Reader *r)
{
    memmove(r->buf, r->buf + r->tail_at, r->tail);
    size_t have = r->tail;
    r->tail_at = r->tail = 0;
    return have;
}

/* The end of the input: 0, or -1 when it cuts a code point. */
static int reader_end(Reader *r)
{
    if (r->tail)
        return fail(r->err, r->errlen, "%s: invalid UTF-8 at byte offset %llu "
                    "(sequence cut by the end of the file)",
                    r->path, (unsigned long long)r->offset);
    return 0;
}

/* Next piece of normalised text (valid UTF-8, cut at a code point): 1, and
 * *s / *n point into the reader's buffer until the next call; 0 at the end
 * of the file; -1 with the error set. */
static int reader_next(Reader *r, const char **s, size_t *n)
{
    for (;;) {
        size_t have = reader_rewind(r);
        ssize_t k;
        do
            k = read(r->fd, r->buf + have, READ_CHUNK);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            return fail(r->err, r->errlen, "%s: read error: %s", r->path, strerror(errno));
        if (k == 0) {
            r->tail = have;   /* reader_end looks at it */
            return reader_end(r);
        }
        int rc = reader_push(r, have, (size_t)k, s, n);
        if (rc != 0)
            return rc;
    }
}

/* --- speakers: cleaning, validity, distinct names ------------------------ */

typedef struct Lit {
    const char *s;
    size_t n;
} Lit;
#define LIT(s) { s, sizeof s - 1 }

/* Equal ignoring ASCII case; lower holds lower-case ASCII. */
static bool ascii_eq_ci(const char *s, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != lower[i])
            return false;
    }
    return true;
}

/* _clean_speaker_name on the stripped group 1, which the patterns restrict
 * to ASCII letters, digits, '_', '-' and whitespace: so ASCII case folding
 * is what re.IGNORECASE does here, and the result is ASCII.
 * The title regex ^(Mr|Ms|Mrs|Dr|Professor|Prof)\.?\s* takes the first
 * alternative that is a prefix: "Mrs Smith" loses only "Mr" ("s Smith"),
 * so Mrs never wins and is left out; "Drake" becomes "ake". */
static void clean_speaker(Buf *out, const char *s, size_t n)
{
    static const Lit titles[] = { LIT("mr"), LIT("ms"), LIT("dr"), LIT("professor"), LIT("prof") };
    for (size_t t = 0; t < sizeof titles / sizeof *titles; t++) {
        size_t k = titles[t].n;
        if (k <= n && ascii_eq_ci(s, titles[t].s, k)) {
            s += k;
            n -= k;
            if (n && *s == '.') {
                s++;
                n--;
            }
            break;
        }
    }
    py_strip(&s, &n);
    /* re.sub(r'\s+', ' ') then ' ' -> '_' */
    out->len = 0;
    buf_add(out, "", 0);
    bool in_space = false;
    while (n) {
        uint32_t cp;
        size_t k = next_cp(s, n, &cp);
        if (is_space(cp)) {
            if (!in_space)
                buf_add(out, "_", 1);
            in_space = true;
        } else {
            buf_add(out, s, k);
            in_space = false;
        }
        s += k;
        n -= k;
    }
}

/* Whether hay holds any of the needles (each at least 4 bytes), in one
 * pass: a place is compared with them only if its first four bytes hash
 * to one of theirs (1024 buckets). A search per needle took 14 passes,
 * each stopping at every common first letter. */
enum { PREFIX_BUCKET_BITS = 10 };
static inline uint32_t prefix_bucket(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return (v * 2654435761u) >> (32 - PREFIX_BUCKET_BITS);
}

static bool contains_any(const char *hay, size_t n, const Lit *needle, size_t count)
{
    uint64_t map[(1 << PREFIX_BUCKET_BITS) / 64] = { 0 };
    for (size_t k = 0; k < count; k++) {
        uint32_t b = prefix_bucket(needle[k].s);
        map[b >> 6] |= 1ull << (b & 63);
    }
    for (size_t i = 0; i + 4 <= n; i++) {
        uint32_t b = prefix_bucket(hay + i);
        if (!(map[b >> 6] >> (b & 63) & 1))
            continue;
        for (size_t k = 0; k < count; k++)
            if (needle[k].n <= n - i && memcmp(hay + i, needle[k].s, needle[k].n) == 0)
                return true;
    }
    return false;
}

/* _is_valid_speaker_name: metadata words anywhere in text.lower() (the
 * reference's patterns are plain strings) or a reserved name reject. */
static bool speaker_valid(Buf *lower, const char *speaker, size_t slen,
                          const char *text, size_t tlen)
{
    static const Lit metadata[] = {
        LIT("these lines do not exist"), LIT("version"), LIT("buffer"), LIT("official"),
        LIT("experiment"), LIT("inspection"), LIT("proceed"), LIT("instruction"),
        LIT("note:"), LIT("warning:"), LIT("error:"), LIT("debug:"), LIT("status:"),
        LIT("result:"),
    };
    static const Lit reserved[] = {
        LIT("key"), LIT("note"), LIT("warning"), LIT("error"), LIT("debug"), LIT("status"),
        LIT("result"),
    };
    lower->len = 0;
    py_lower(text, tlen, &lower->p, &lower->len, &lower->cap);
    if (contains_any(lower->p, lower->len, metadata, sizeof metadata / sizeof *metadata))
        return false;
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (slen == reserved[i].n && ascii_eq_ci(speaker, reserved[i].s, slen))
            return false;
    return true;
}

/* Distinct names in order of first appearance. The reference collects
 * speakers in a Python set, whose order follows string hashing; we
 * deliberately use first appearance, which is deterministic. */
typedef struct NameSet {
    char **names;    /* (n) */
    size_t n, cap;
    size_t *slot;    /* (nslot) open addressing: index + 1, 0 = empty */
    size_t nslot;
} NameSet;

static size_t names_probe(const NameSet *s, const char *name, size_t len)
{
    size_t mask = s->nslot - 1;
    size_t i = (size_t)hash_bytes(name, len) & mask;
    while (s->slot[i]) {
        const char *e = s->names[s->slot[i] - 1];
        if (strlen(e) == len && memcmp(e, name, len) == 0)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

static void names_add(NameSet *s, const char *name, size_t len)
{
    if (2 * (s->n + 1) > s->nslot) {
        size_t nslot = s->nslot ? 2 * s->nslot : 16;
        free(s->slot);
        s->slot = xcalloc(nslot, sizeof *s->slot);
        s->nslot = nslot;
        for (size_t k = 0; k < s->n; k++)
            s->slot[names_probe(s, s->names[k], strlen(s->names[k]))] = k + 1;
    }
    size_t i = names_probe(s, name, len);
    if (s->slot[i])
        return;
    GROW(s->names, s->cap, s->n + 1);
    s->names[s->n++] = xstrndup(name, len);
    s->slot[i] = s->n;
}

static void names_free(NameSet *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->names[i]);
    free(s->names);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* --- the line strategies ------------------------------------------------- */

typedef struct Pass {
    const char *path;
    char *err;
    size_t errlen;
    pcre2_match_data *md;
    Buf sub[2];              /* substitution results, used in turn */
    Buf lower;               /* text.lower() for the metadata check */
    Buf speaker;             /* cleaned speaker name */
    uint64_t lines;          /* non-empty stripped lines so far */
    /* pass 1 */
    uint64_t labeled_matches, numbered_matches;
    NameSet labeled_names, numbered_names;
    /* pass 2; STRAT_NONE in pass 1 */
    Strategy emit;
    const UttSink *sink;
} Pass;

static void pass_init(Pass *ps, const char *path, Strategy emit, const UttSink *sink,
                      char *err, size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    ps->path = path;
    ps->err = err;
    ps->errlen = errlen;
    ps->emit = emit;
    ps->sink = sink;
    ps->md = pcre2_match_data_create(3, NULL);
    check(ps->md);
}

static void pass_free(Pass *ps)
{
    pcre2_match_data_free(ps->md);
    buf_free(&ps->sub[0]);
    buf_free(&ps->sub[1]);
    buf_free(&ps->lower);
    buf_free(&ps->speaker);
    names_free(&ps->labeled_names);
    names_free(&ps->numbered_names);
}

static int rx_fail(Pass *ps, int code)
{
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    return fail(ps->err, ps->errlen, "%s: regular expression matching failed: %s",
                ps->path, (char *)msg);
}

static void group(const Pass *ps, const char *s, int g, const char **gs, size_t *gn)
{
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ps->md);
    *gs = s + ov[2 * g];
    *gn = ov[2 * g + 1] - ov[2 * g];
}

/* _detect_labeled_speakers on one line: the first of patterns[:7] that
 * matches *and* gives a valid speaker and text (a match with an invalid
 * name lets the next pattern try). 1 = utterance (speaker in
 * ps->speaker), 0 = the line is dropped, -1 = error. */
static int labeled_line(Pass *ps, const char *line, size_t n, const char **text, size_t *tlen)
{
    for (int p = 0; p < N_LABELED; p++) {
        int rc = rx_match(rx.labeled[p], line, n, 0, ps->md);
        if (rc < 0)
            return rx_fail(ps, rc);
        if (rc == 0)
            continue;
        const char *g1, *g2;
        size_t n1, n2;
        group(ps, line, 1, &g1, &n1);
        group(ps, line, 2, &g2, &n2);
        py_strip(&g1, &n1);
        py_strip(&g2, &n2);
        clean_speaker(&ps->speaker, g1, n1);
        if (n2 > 0 && ps->speaker.len <= ref.max_speaker_len
            && speaker_valid(&ps->lower, ps->speaker.p, ps->speaker.len, g2, n2)) {
            *text = g2;
            *tlen = n2;
            return 1;
        }
    }
    return 0;
}

/* _detect_numbered_speakers on one line: "N. text" gives
 * Speaker_{A,B,C}[(N - 1) % 3] with Python's non-negative %, so N = 0 is
 * Speaker_C. N may be any length and use any Unicode decimal digits (as
 * int() allows): 10 = 1 (mod 3), so N mod 3 is its digit sum mod 3. */
static int numbered_line(Pass *ps, const char *line, size_t n, const char **speaker,
                         const char **text, size_t *tlen)
{
    int rc = rx_match(rx.numbered, line, n, 0, ps->md);
    if (rc <= 0)
        return rc < 0 ? rx_fail(ps, rc) : 0;
    const char *g1, *g2;
    size_t n1, n2;
    group(ps, line, 1, &g1, &n1);
    group(ps, line, 2, &g2, &n2);
    size_t digits = 0;
    unsigned sum = 0;
    while (n1) {
        uint32_t cp;
        size_t k = next_cp(g1, n1, &cp);
        sum = (sum + (unsigned)py_decimal_value(cp)) % 3;
        digits++;
        g1 += k;
        n1 -= k;
    }
    if (digits > ref.int_max_str_digits)
        return fail(ps->err, ps->errlen, "%s: a numbered line's number has %zu digits; the "
                    "reference's int() refuses more than %zu, so it cannot read this file",
                    ps->path, digits, ref.int_max_str_digits);
    py_strip(&g2, &n2);
    *speaker = cyclic_speakers[(sum + 2) % 3];
    *text = g2;
    *tlen = n2;
    return 1;
}

static int emit(const Pass *ps, const char *speaker, const char *text, size_t n)
{
    const UttSink *k = ps->sink;
    int rc;
    if ((rc = k->begin(k->ctx, speaker)) || (rc = k->text(k->ctx, text, n)) || (rc = k->end(k->ctx)))
        return rc;
    return 0;
}

/* One non-empty stripped line. Returns 0, -1 (error set) or a sink's value. */
static int on_line(Pass *ps, const char *line, size_t n)
{
    uint64_t index = ps->lines++;
    const char *speaker, *text;
    size_t tlen;
    int rc;
    switch (ps->emit) {
    case STRAT_NONE:
    case STRAT_LIVE: {
        int labeled = labeled_line(ps, line, n, &text, &tlen);
        if (labeled < 0)
            return labeled;
        if (labeled) {
            ps->labeled_matches++;
            names_add(&ps->labeled_names, ps->speaker.p, ps->speaker.len);
        }
        const char *ntext;
        size_t nlen;
        if ((rc = numbered_line(ps, line, n, &speaker, &ntext, &nlen)) < 0)
            return rc;
        if (rc) {
            ps->numbered_matches++;
            names_add(&ps->numbered_names, speaker, strlen(speaker));
        }
        return labeled && ps->emit == STRAT_LIVE ? emit(ps, ps->speaker.p, text, tlen) : 0;
    }
    case STRAT_LABELED:
        if ((rc = labeled_line(ps, line, n, &text, &tlen)) <= 0)
            return rc;
        return emit(ps, ps->speaker.p, text, tlen);
    case STRAT_ALTERNATING:
        return emit(ps, cyclic_speakers[index % 2], line, n);
    case STRAT_NUMBERED:
        if ((rc = numbered_line(ps, line, n, &speaker, &text, &tlen)) <= 0)
            return rc;
        return emit(ps, speaker, text, tlen);
    case STRAT_SINGLE:
        break;
    }
    check(!"on_line: no strategy");
    return -1;
}

/* --- blocks -------------------------------------------------------------- */

/*
 * The leftmost match of pre-join k starting at or after *pos, as re.search
 * finds it: 1 (ovector in ps->md), 0 (none) or a PCRE2 error.
 *
 * Searching the unanchored patterns with PCRE2 tries a lazy name at every
 * letter; instead we try only the start positions that can succeed, in
 * order, each with an anchored copy of the pattern (an anchored attempt at
 * s is exactly re's attempt at s). Every match of these patterns contains
 * an anchor character (':', '-', ']' or ')') followed by \s* and a '\n',
 * i.e. the last non-whitespace character of a '\n'-terminated line, and
 * starts at most ANCHOR_REACH code points before the whitespace run that
 * precedes the anchor. So a match starting at s >= *pos has its anchor at
 * or after the first anchor a >= *pos, and then s lies in a's window; if no
 * position of the window matches, none up to a does, and the search goes
 * on after a. *scan: the start of the next line to look for an anchor in.
 */
static int next_prejoin(Pass *ps, int k, const char *in, size_t n, size_t *pos, size_t *scan)
{
    if (!prejoin_table[k].anchor)
        return rx_match(rx.prejoin[k], in, n, *pos, ps->md);
    for (;;) {
        const char *nl = *scan < n ? memchr(in + *scan, '\n', n - *scan) : NULL;
        if (!nl)
            return 0;
        const char *line = in + *scan;
        size_t len = (size_t)(nl - line);
        *scan += len + 1;
        py_strip(&line, &len);
        size_t a = (size_t)(line - in) + len - 1;
        if (!len || in[a] != prejoin_table[k].anchor || a < *pos)
            continue;
        size_t s = a;
        while (s > 0) {   /* back over the whitespace before the anchor */
            size_t p = s - 1;
            while (p > 0 && ((unsigned char)in[p] & 0xC0) == 0x80)
                p--;
            uint32_t cp;
            next_cp(in + p, n - p, &cp);
            if (!is_space(cp))
                break;
            s = p;
        }
        for (int i = 0; i < ANCHOR_REACH && s > 0; i++) {
            s--;
            while (s > 0 && ((unsigned char)in[s] & 0xC0) == 0x80)
                s--;
        }
        if (s < *pos)
            s = *pos;
        while (s <= a) {
            int rc = rx_match(rx.prejoin_at[k], in, n, s, ps->md);
            if (rc != 0)
                return rc;
            uint32_t cp;
            s += next_cp(in + s, n - s, &cp);
        }
        *pos = a + 1;
    }
}

/* re.sub(pattern, open + \1 + mid + \2, in) into out. Matches are never
 * empty, so the search simply resumes at each match's end, as re.sub does. */
static int substitute(Pass *ps, int k, const char *in, size_t n, Buf *out)
{
    out->len = 0;
    buf_add(out, "", 0);
    size_t copied = 0, pos = 0, scan = 0;
    for (;;) {
        int rc = next_prejoin(ps, k, in, n, &pos, &scan);
        if (rc < 0)
            return rx_fail(ps, rc);
        if (rc == 0)
            break;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ps->md);
        const char *g1, *g2;
        size_t n1, n2;
        group(ps, in, 1, &g1, &n1);
        group(ps, in, 2, &g2, &n2);
        buf_add(out, in + copied, ov[0] - copied);
        buf_str(out, prejoin_table[k].open);
        buf_add(out, g1, n1);
        buf_str(out, prejoin_table[k].mid);
        buf_add(out, g2, n2);
        copied = pos = ov[1];
    }
    buf_add(out, in + copied, n - copied);
    return 0;
}

/* The pre-joins on one block, then content.split('\n'), strip, drop the
 * empty lines. Blocks end just after a '\n', so their lines are exactly
 * the whole text's lines. */
static int process_block(Pass *ps, const char *text, size_t n)
{
    for (int k = 0; k < N_PREJOIN; k++) {
        Buf *out = &ps->sub[k & 1];
        int rc = substitute(ps, k, text, n, out);
        if (rc)
            return rc;
        text = out->p;
        n = out->len;
    }
    while (n) {
        const char *nl = memchr(text, '\n', n);
        size_t len = nl ? (size_t)(nl - text) : n;
        const char *line = text;
        size_t ll = len;
        py_strip(&line, &ll);
        if (ll) {
            int rc = on_line(ps, line, ll);
            if (rc)
                return rc;
        }
        text += len + (nl != NULL);
        n -= len + (nl != NULL);
    }
    return 0;
}

/*
 * Why the text may be cut into blocks (block_boundary):
 *
 * Each pre-join match ends with ([^\n]+) at a line end, and before that
 * group it has a separator run \s*\n+\s* (possibly inside a name class that
 * contains \s) preceded by a non-whitespace character the pattern matched:
 * an ASCII letter or digit, '_', '-' (names, S3's dash), ':' (S1's
 * "Speaker:", S2, S7), ']' (S4) or ')' (S5). '[' and '(' are always
 * followed by a letter, and every pattern starts with a non-whitespace
 * character.
 *
 * Take a cut right after a '\n' ending a non-blank line L whose last
 * non-whitespace character c is none of those. Suppose a match ran across
 * the cut. It starts at a non-whitespace character, so at or before c (the
 * rest of L is whitespace); its group 2 cannot hold that '\n', so c was
 * matched before group 2 and followed in the match by whitespace up to
 * and across the '\n': c would have to be one of the characters above.
 * Hence no match crosses the cut, and as the patterns never look behind
 * (MULTILINE ^ at the cut is true in both cases) every match is found the
 * same way in the block as in the whole text. After a substitution, L still
 * ends in c (a match that ends at L's end keeps the part of L holding c in
 * group 2), so the cut stays valid for the next pattern, and the seven
 * substitutions applied block by block equal those applied to the whole
 * text. Blocks end with '\n', so splitting into lines is unaffected too.
 */
static bool continues_prejoin(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')
        || cp == '_' || cp == '-' || cp == ':' || cp == ']' || cp == ')';
}

typedef struct Blocker {
    Buf text;            /* normalised text; [start, len) not yet processed */
    size_t start;
    size_t scanned;      /* text examined for a cut up to here */
    bool line_text;      /* the line at `scanned` has a non-whitespace char */
    bool line_continues; /* ... and the last one may continue a pre-join */
    uint64_t line;       /* number of the line at `start` */
    uint64_t scan_line;  /* number of the line at `scanned` */
    size_t min, max;     /* block length limits */
} Blocker;

/* The next safe cut at least b->min bytes after start, or 0 while there
 * is none. */
static size_t block_boundary(Blocker *b)
{
    while (b->scanned < b->text.len) {
        const char *s = b->text.p + b->scanned;
        uint32_t cp;
        size_t k = next_cp(s, b->text.len - b->scanned, &cp);
        b->scanned += k;
        if (cp == '\n') {
            bool safe = b->line_text && !b->line_continues;
            b->line_text = b->line_continues = false;
            b->scan_line++;
            if (safe && b->scanned - b->start >= b->min)
                return b->scanned;
        } else if (!is_space(cp)) {
            b->line_text = true;
            b->line_continues = continues_prejoin(cp);
        }
    }
    return 0;
}

static int blocker_feed(Pass *ps, Blocker *b, const char *s, size_t n)
{
    buf_add(&b->text, s, n);
    size_t cut;
    while ((cut = block_boundary(b)) != 0) {
        int rc = process_block(ps, b->text.p + b->start, cut - b->start);
        if (rc)
            return rc;
        b->start = cut;
        b->line = b->scan_line;
    }
    if (b->text.len - b->start > b->max)
        return fail(ps->err, ps->errlen, "%s: line %llu: no safe block boundary within %zu bytes; "
                    "file too unusual for streaming detection",
                    ps->path, (unsigned long long)b->line, b->max);
    memmove(b->text.p, b->text.p + b->start, b->text.len - b->start);
    b->text.len -= b->start;
    b->scanned -= b->start;
    b->start = 0;
    return 0;
}

/* Streams the whole file through the conversation pipeline of ps. */
static int conversation_pass(Reader *r, const DetectOptions *opt, Pass *ps)
{
    Blocker b = { .line = 1, .scan_line = 1 };
    b.min = opt->block_bytes ? opt->block_bytes : BLOCK_DEFAULT;
    b.max = b.min * BLOCK_HARD_FACTOR;
    const char *s;
    size_t n;
    int rc;
    while ((rc = reader_next(r, &s, &n)) == 1)
        if ((rc = blocker_feed(ps, &b, s, n)) != 0)
            break;
    if (rc == 0)
        rc = process_block(ps, b.text.p ? b.text.p : "", b.text.len);
    buf_free(&b.text);
    return rc;
}

/* --- public -------------------------------------------------------------- */

static void set_speakers(Detection *d, const char *const *names, size_t n)
{
    d->nspeakers = n;
    d->speakers = xcalloc(n, sizeof *d->speakers);
    for (size_t i = 0; i < n; i++)
        d->speakers[i] = xstrdup(names[i]);
}

/* The reference's choice: strategies in order, the first with the highest
 * confidence wins (strict >, starting from 0). */
static int choose(const Pass *ps, Detection *out)
{
    Strategy win = STRAT_NONE;
    double best = 0.0;
    uint64_t exchanges = 0;
    if (ps->labeled_matches > 0 && ps->labeled_names.n >= ref.labeled_min_speakers) {
        double c = (double)ps->labeled_matches / (double)ps->lines;
        c = c < 1.0 ? c : 1.0;
        if (c > best) {
            win = STRAT_LABELED;
            best = c;
            exchanges = ps->labeled_matches;
        }
    }
    if (ps->lines >= ref.alternating_min_lines && ref.alternating_confidence > best) {
        win = STRAT_ALTERNATING;
        best = ref.alternating_confidence;
        exchanges = ps->lines;
    }
    /* The paragraph strategy cannot fire: it closes a paragraph at an empty
     * line, but every line it sees is a non-empty stripped line, so all of
     * them form one paragraph (none for an empty file), and it needs 3. */
    if (ps->numbered_matches >= ref.numbered_min_lines && ref.numbered_confidence > best) {
        win = STRAT_NUMBERED;
        best = ref.numbered_confidence;
        exchanges = ps->numbered_matches;
    }
    if (win == STRAT_NONE)
        return fail(ps->err, ps->errlen, "%s: could not detect speakers (no labeled, alternating "
                    "or numbered pattern); use --no-conversation-mode to read it as one text",
                    ps->path);
    snprintf(out->strategy, sizeof out->strategy, "%s", strategy_names[win]);
    out->confidence = best;
    out->total_exchanges = exchanges;
    if (win == STRAT_LABELED)
        set_speakers(out, (const char *const *)ps->labeled_names.names, ps->labeled_names.n);
    else if (win == STRAT_ALTERNATING)
        set_speakers(out, cyclic_speakers, 2);
    else
        set_speakers(out, (const char *const *)ps->numbered_names.names, ps->numbered_names.n);
    return 0;
}

int detect_scan(const char *path, const DetectOptions *opt, Detection *out,
                char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    rx_init();
    Reader r;
    size_t max_line = opt->conversation_mode ? opt->max_line_bytes : 0;
    if (reader_open(&r, path, max_line, err, errlen))
        return -1;
    int rc = 0;
    if (opt->conversation_mode) {
        Pass ps;
        pass_init(&ps, path, STRAT_NONE, NULL, err, errlen);
        rc = conversation_pass(&r, opt, &ps);
        if (rc == 0)
            rc = choose(&ps, out);
        pass_free(&ps);
    } else {
        const char *s;
        size_t n;
        while ((rc = reader_next(&r, &s, &n)) == 1)
            ;
        if (rc == 0) {
            static const char *const author[] = { "Author" };
            snprintf(out->strategy, sizeof out->strategy, "%s", strategy_names[STRAT_SINGLE]);
            out->confidence = 1.0;
            out->total_exchanges = 1;
            set_speakers(out, author, 1);
        }
    }
    out->whitespace_words = r.words;
    out->bytes = r.bytes;
    reader_close(&r, rc == 0 ? out->sha256 : NULL);
    if (rc) {
        detect_free(out);
        return -1;
    }
    return 0;
}

/* Plain mode: one utterance by Author, the text in chunks as read. */
static int plain_run(Reader *r, const UttSink *sink)
{
    int rc = sink->begin(sink->ctx, "Author");
    if (rc)
        return rc;
    bool any = false;
    const char *s;
    size_t n;
    while ((rc = reader_next(r, &s, &n)) == 1) {
        any = true;
        if ((rc = sink->text(sink->ctx, s, n)) != 0)
            return rc;
    }
    if (rc == 0 && !any)
        rc = sink->text(sink->ctx, "", 0);   /* an empty file: one empty text */
    return rc;
}

int detect_run(const char *path, const DetectOptions *opt, const Detection *d,
               const UttSink *sink, char *err, size_t errlen)
{
    Strategy strat = STRAT_NONE;
    for (int s = STRAT_LABELED; s <= STRAT_SINGLE; s++)
        if (strcmp(d->strategy, strategy_names[s]) == 0)
            strat = (Strategy)s;
    if (strat == STRAT_NONE)
        return fail(err, errlen, "%s: unknown detection strategy \"%s\"", path, d->strategy);
    rx_init();
    Reader r;
    size_t max_line = strat == STRAT_SINGLE ? 0 : opt->max_line_bytes;
    if (reader_open(&r, path, max_line, err, errlen))
        return -1;
    int rc;
    if (strat == STRAT_SINGLE) {
        rc = plain_run(&r, sink);
    } else {
        Pass ps;
        pass_init(&ps, path, strat, sink, err, errlen);
        rc = conversation_pass(&r, opt, &ps);
        pass_free(&ps);
    }
    char sha[65] = "";
    reader_close(&r, rc == 0 ? sha : NULL);
    if (rc == 0 && strcmp(sha, d->sha256) != 0)
        return fail(err, errlen, "%s: file changed while reading (its SHA-256 differs between "
                    "the two passes)", path);
    if (rc == 0 && strat == STRAT_SINGLE)
        rc = sink->end(sink->ctx);
    return rc;
}

void detect_free(Detection *d)
{
    for (size_t i = 0; i < d->nspeakers; i++)
        free(d->speakers[i]);
    free(d->speakers);
    d->speakers = NULL;
    d->nspeakers = 0;
}

/* --- a followed stream (huey run --follow) -------------------------------- */

/*
 * The bytes of a stream arrive in pieces and every line is emitted as soon
 * as it is complete, through the reader, pre-joins and strategies above.
 * What a finished file decides from all of its text, a stream decides
 * early:
 *
 * Strategy: labeled (what live transcripts use), from the first line; pass
 * 1's counts are kept as well, so that the end can say which strategy
 * detect_scan would pick for the text read (live_detect_batch_choice).
 *
 * Pre-joins join a label line with the next non-blank line. A complete
 * line is processed, with everything held before it, when its '\n'
 * arrives, unless it may still be joined with what follows
 * (may_join_next): then it is held until a line that is not held arrives,
 * and both are processed as one block. A line whose last non-whitespace
 * character cannot continue a pre-join ends a block exactly (the safe cut
 * of block_boundary); a line that ends like a label is held; a line that
 * ends in a letter, digit or '_' is not held, although a pre-join could
 * still reach back over it through lines that labeled transcripts do not
 * have (a name spread over lines, "so\n-\ntext" joined to "so - text").
 * Whether one did is checked on every block: the pre-joins over the end
 * of the text processed before (LIVE_CONTEXT bytes) followed by the block
 * must give what they give over each alone; if not, it is counted and
 * reported (a "rejoin": from there on the stream's utterances differ from
 * the finished file's).
 *
 * An idle flush (--utterance-idle) or the end of the stream processes
 * everything held, an unfinished last line included; text after a line
 * cut that way starts a new line. In plain mode the stream is one running
 * utterance by Author, as a file is, and an idle flush ends it (the next
 * text starts another).
 */
enum { LIVE_CONTEXT = 1024 };   /* a pre-join's name spans at most 21 code points */

struct LiveDetect {
    Reader r;
    Pass ps;
    bool conversation;
    UttSink sink;
    Buf pending;             /* normalised text not processed yet */
    size_t line_at;          /* start of the line being completed in pending */
    size_t scanned;          /* pending searched for '\n' up to here */
    size_t max_pending;
    uint64_t pending_line;   /* number of the line pending starts with */
    Buf ctx;                 /* the end of the processed text: LIVE_CONTEXT bytes,
                                '\x01' in front when that cuts a line */
    Buf chk[2];              /* the check's substitutions, in turn */
    Buf res[3];              /* ... and its three results */
    bool in_utt;             /* plain mode: Author's utterance is open */
    bool cut_mid_line;       /* the last flush processed an unfinished line */
    LiveStats st;
    char note[600];
    bool note_ready;
};

static void live_note(LiveDetect *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void live_note(LiveDetect *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->note, sizeof d->note, fmt, ap);
    va_end(ap);
    d->note_ready = true;
}

LiveDetect *live_detect_new(const char *name, const DetectOptions *opt, const UttSink *sink)
{
    rx_init();
    LiveDetect *d = xcalloc(1, sizeof *d);
    d->conversation = opt->conversation_mode;
    d->sink = *sink;
    reader_init(&d->r, name, d->conversation ? opt->max_line_bytes : 0);
    pass_init(&d->ps, name, STRAT_LIVE, &d->sink, NULL, 0);
    d->max_pending = (opt->block_bytes ? opt->block_bytes : BLOCK_DEFAULT) * BLOCK_HARD_FACTOR;
    d->pending_line = 1;
    return d;
}

void live_detect_free(LiveDetect *d)
{
    if (!d)
        return;
    reader_close(&d->r, NULL);
    pass_free(&d->ps);
    buf_free(&d->pending);
    buf_free(&d->ctx);
    for (int i = 0; i < 2; i++)
        buf_free(&d->chk[i]);
    for (int i = 0; i < 3; i++)
        buf_free(&d->res[i]);
    free(d);
}

static void live_errors_to(LiveDetect *d, char *err, size_t errlen)
{
    d->r.err = d->ps.err = err;
    d->r.errlen = d->ps.errlen = errlen;
}

/* A complete non-blank stripped line that a pre-join may join with the
 * lines to come: it ends in ':', '-', ']' or ')', or it is a name that
 * the first pattern ("Speaker: Name") or the sixth (ALL CAPS) takes. */
static bool may_join_next(const char *line, size_t n)
{
    unsigned char last = (unsigned char)line[n - 1];
    if (last >= 0x80 || !continues_prejoin(last))
        return false;
    if (last == ':' || last == '-' || last == ']' || last == ')')
        return true;
    if (n >= 8 && memcmp(line, "Speaker:", 8) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (!(c >= 'A' && c <= 'Z') && !(c < 0x80 && ascii_space[c]))
            return false;
    }
    return true;
}

/* The seven pre-joins over a[0..na) followed by b[0..nb), into res. */
static int prejoins(LiveDetect *d, const char *a, size_t na, const char *b, size_t nb, Buf *res)
{
    Buf *in = &d->chk[0], *out = &d->chk[1];
    in->len = 0;
    buf_add(in, a, na);
    buf_add(in, b, nb);
    for (int k = 0; k < N_PREJOIN; k++) {
        int rc = substitute(&d->ps, k, in->p, in->len, out);
        if (rc)
            return rc;
        Buf t = *in;
        *in = *out;
        *out = t;
    }
    res->len = 0;
    buf_add(res, in->p, in->len);
    return 0;
}

/* Whether the pre-joins make of ctx followed by text something else than
 * of each alone (which is how they were processed): then a pre-join
 * reached back over the cut. Matches may cross the cut harmlessly (a name
 * may spread over lines, and most pre-joins copy it unchanged). */
static int prejoin_reaches_back(LiveDetect *d, const char *text, size_t n, bool *reaches)
{
    Buf *joint = &d->res[0], *alone = &d->res[1], *tail = &d->res[2];
    int rc;
    if ((rc = prejoins(d, d->ctx.p, d->ctx.len, text, n, joint)) != 0 ||
        (rc = prejoins(d, d->ctx.p, d->ctx.len, "", 0, alone)) != 0 ||
        (rc = prejoins(d, text, n, "", 0, tail)) != 0)
        return rc;
    *reaches = joint->len != alone->len + tail->len || memcmp(joint->p, alone->p, alone->len) != 0 ||
               memcmp(joint->p + alone->len, tail->p, tail->len) != 0;
    return 0;
}

/* The end of the processed text, for the next check. */
static void context_keep(LiveDetect *d, const char *text, size_t n)
{
    Buf *c = &d->ctx;
    buf_add(c, text, n);
    if (c->len <= LIVE_CONTEXT)
        return;
    size_t cut = c->len - LIVE_CONTEXT;
    while (cut < c->len && ((unsigned char)c->p[cut] & 0xC0) == 0x80)
        cut++;
    size_t keep = c->len - cut, at = c->p[cut - 1] == '\n' ? 0 : 1;
    memmove(c->p + at, c->p + cut, keep);
    if (at)
        c->p[0] = '\x01';   /* no pattern starts at or matches it: ^ cannot match after it */
    c->len = keep + at;
    c->p[c->len] = '\0';
}

/* pending[0, end) as one block: the rejoin check, the pre-joins and the
 * lines; then it leaves pending. */
static int live_block(LiveDetect *d, size_t end)
{
    const char *text = d->pending.p;
    if (d->ctx.len) {
        bool back;
        int rc = prejoin_reaches_back(d, text, end, &back);
        if (rc)
            return rc;
        if (back && d->st.rejoins++ == 0)
            live_note(d, "%s: line %llu: a pre-join (huey-model.md §2) joins this text with a line learnt before "
                      "it arrived; huey run on the finished file differs from here on",
                      d->r.path, (unsigned long long)d->pending_line);
    }
    uint64_t emitted = d->ps.labeled_matches;
    int rc = process_block(&d->ps, text, end);
    d->st.utterances += d->ps.labeled_matches - emitted;
    if (rc)
        return rc;
    context_keep(d, text, end);
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + end - p))) != NULL; p++)
        d->pending_line++;
    memmove(d->pending.p, d->pending.p + end, d->pending.len - end + 1);
    d->pending.len -= end;
    /* a flush processes the unfinished line too */
    d->line_at = d->line_at > end ? d->line_at - end : 0;
    d->scanned = d->scanned > end ? d->scanned - end : 0;
    return 0;
}

/* Normalised conversation text: every line that is complete and not held
 * ends a block. */
static int live_lines(LiveDetect *d, const char *s, size_t n)
{
    if (d->cut_mid_line) {
        d->cut_mid_line = false;
        if (s[0] != '\n' && d->st.idle_cuts++ == 0)
            live_note(d, "%s: line %llu was cut by --utterance-idle and went on afterwards: its parts are "
                      "separate lines here (huey run on the finished file reads one)",
                      d->r.path, (unsigned long long)d->pending_line - 1);
    }
    buf_add(&d->pending, s, n);
    while (d->scanned < d->pending.len) {
        const char *p = d->pending.p;
        const char *nl = memchr(p + d->scanned, '\n', d->pending.len - d->scanned);
        if (!nl) {
            d->scanned = d->pending.len;
            break;
        }
        size_t end = (size_t)(nl - p) + 1;
        const char *line = p + d->line_at;
        size_t len = end - 1 - d->line_at;
        py_strip(&line, &len);
        d->scanned = d->line_at = end;
        if (len && !may_join_next(line, len)) {
            int rc = live_block(d, end);
            if (rc)
                return rc;
        }
    }
    if (d->pending.len > d->max_pending)
        return fail(d->r.err, d->r.errlen, "%s: line %llu: %zu bytes of lines that may join what follows "
                    "(label-like lines), over %zu; too unusual for live detection",
                    d->r.path, (unsigned long long)d->pending_line, d->pending.len, d->max_pending);
    return 0;
}

static int live_plain(LiveDetect *d, const char *s, size_t n)
{
    if (!d->in_utt) {
        int rc = d->sink.begin(d->sink.ctx, "Author");
        if (rc)
            return rc;
        d->in_utt = true;
        d->st.utterances++;
    }
    return d->sink.text(d->sink.ctx, s, n);
}

int live_detect_feed(LiveDetect *d, const void *bytes, size_t n, char *err, size_t errlen)
{
    live_errors_to(d, err, errlen);
    const char *b = bytes;
    while (n) {
        size_t k = n < READ_CHUNK ? n : READ_CHUNK;
        size_t have = reader_rewind(&d->r);
        memcpy(d->r.buf + have, b, k);
        b += k;
        n -= k;
        const char *s;
        size_t m;
        int rc = reader_push(&d->r, have, k, &s, &m);
        if (rc == 1)
            rc = d->conversation ? live_lines(d, s, m) : live_plain(d, s, m);
        if (rc)
            return rc;
    }
    return 0;
}

int live_detect_flush(LiveDetect *d, char *err, size_t errlen)
{
    live_errors_to(d, err, errlen);
    if (!d->conversation) {
        if (!d->in_utt)
            return 0;
        d->in_utt = false;
        return d->sink.end(d->sink.ctx);
    }
    if (!d->pending.len)
        return 0;
    bool unfinished = d->pending.p[d->pending.len - 1] != '\n';
    int rc = live_block(d, d->pending.len);
    if (rc == 0 && unfinished) {
        d->cut_mid_line = true;
        d->pending_line++;   /* what follows is read as the next line */
    }
    return rc;
}

int live_detect_finish(LiveDetect *d, char *err, size_t errlen)
{
    live_errors_to(d, err, errlen);
    if (reader_end(&d->r))
        return -1;
    int rc = live_detect_flush(d, err, errlen);
    d->cut_mid_line = false;
    return rc;
}

int live_detect_restart(LiveDetect *d, char *err, size_t errlen)
{
    int rc = live_detect_finish(d, err, errlen);
    if (rc)
        return rc;
    /* a new file: offsets and lines count from its start; nothing in it
     * can join the old text */
    d->r.offset = 0;
    d->r.line = 1;
    d->r.line_bytes = 0;
    d->r.skip_lf = false;
    d->r.in_word = false;
    d->pending_line = 1;
    d->ctx.len = 0;
    return 0;
}

bool live_detect_pending(const LiveDetect *d)
{
    if (!d->conversation)
        return d->in_utt;
    for (size_t i = 0; i < d->pending.len; i++) {
        unsigned char c = (unsigned char)d->pending.p[i];
        if (c >= 0x80 || !ascii_space[c])
            return true;
    }
    return false;
}

const char *live_detect_note(LiveDetect *d)
{
    if (!d->note_ready)
        return NULL;
    d->note_ready = false;
    return d->note;
}

LiveStats live_detect_stats(const LiveDetect *d)
{
    LiveStats s = d->st;
    s.bytes = d->r.bytes;
    s.lines = d->ps.lines;
    s.dropped = d->conversation ? d->ps.lines - d->ps.labeled_matches : 0;
    return s;
}

void live_detect_result(const LiveDetect *d, Detection *out)
{
    memset(out, 0, sizeof *out);
    if (d->conversation) {
        const Pass *ps = &d->ps;
        double c = ps->lines ? (double)ps->labeled_matches / (double)ps->lines : 0.0;
        snprintf(out->strategy, sizeof out->strategy, "%s", strategy_names[STRAT_LIVE]);
        out->confidence = c < 1.0 ? c : 1.0;
        out->total_exchanges = ps->labeled_matches;
        set_speakers(out, (const char *const *)ps->labeled_names.names, ps->labeled_names.n);
    } else {
        static const char *const author[] = { "Author" };
        snprintf(out->strategy, sizeof out->strategy, "%s", strategy_names[STRAT_SINGLE]);
        out->confidence = 1.0;
        out->total_exchanges = d->st.utterances;
        set_speakers(out, author, d->st.utterances ? 1 : 0);
    }
    out->whitespace_words = d->r.words;
    out->bytes = d->r.bytes;
    digest_hex(d->r.md, out->sha256);
}

int live_detect_batch_choice(const LiveDetect *d, Detection *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!d->conversation) {
        live_detect_result(d, out);
        return 0;
    }
    Pass ps = d->ps;   /* choose reads the counts; only the error goes elsewhere */
    ps.err = err;
    ps.errlen = errlen;
    return choose(&ps, out);
}
