/*
 * gencorpus.c — a seeded synthetic corpus with a Zipf vocabulary, for the
 * benchmarks (huey's real corpora are too small to fill large networks).
 *
 * Word of rank r (1-based) is drawn with probability proportional to
 * 1/r^S from a Walker/Vose alias table driven by xoshiro256** seeded
 * through splitmix64, so the same arguments give byte-identical output
 * (with the same libm: the weights come from pow()). Output is streamed
 * through one fixed buffer: memory is the alias table (16 bytes per
 * vocabulary entry while it is built, 12 after), whatever --words is.
 *
 * Word strings are computed from the rank, not stored: a head syllable
 * "consonant consonant vowel" whose consonant pair no English word starts
 * with (zv, vz, zb, ...), then k syllables "consonant vowel", the rank
 * written in a mixed radix (40 heads, 70 syllables). Shorter words get the
 * lower ranks, so frequent words are short (3 letters for ranks 1..40, 5
 * for the next 2800, ...). Consecutive consonants occur only in the head,
 * so no word is an English stop word of the kill list, and no line trips
 * the speaker detector's metadata filter ("version", "buffer", "proceed",
 * ... need a consonant pair; "note:", "debug:", ... need a colon).
 *
 * Plain mode (--speakers 0): words separated by spaces, a newline every
 * --line-words words. Conversation mode (--speakers M >= 2): lines
 * "Name: w1 ... wL" in round-robin speaker order, L drawn uniformly from
 * [L/2, 3L/2]; --words counts content words only.
 *
 * Build: gcc -std=c11 -O2 -Wall -Wextra -Wshadow -o build/gencorpus tools/gencorpus.c -lm
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* --- options: one table drives parsing, validation and --help ------------ */

typedef enum { OPT_COUNT, OPT_REAL } OptKind;

typedef struct Option {
    const char *name;     /* flag without the leading "--" */
    OptKind kind;
    const char *dflt;     /* default, parsed like a command-line value */
    uint64_t min, max;    /* OPT_COUNT: allowed range */
    const char *expect;   /* what the error message says was expected */
    const char *help;
} Option;

enum { O_WORDS, O_VOCAB, O_ZIPF, O_SEED, O_SPEAKERS, O_UTT_WORDS, O_LINE_WORDS, O_N };

/* Vocabulary ranks are stored as uint32; speaker counts and utterance
 * lengths are capped so that names stay <= 20 characters and 3L/2 cannot
 * overflow. */
static const Option options[O_N] = {
    [O_WORDS]      = { "words", OPT_COUNT, "1000000", 1, UINT64_MAX,
                       "a positive integer", "content words to write" },
    [O_VOCAB]      = { "vocab", OPT_COUNT, "100000", 1, UINT32_MAX,
                       "a positive integer", "vocabulary size V" },
    [O_ZIPF]       = { "zipf", OPT_REAL, "1.07", 0, 0,
                       "a non-negative number", "Zipf exponent S: P(rank r) ~ 1/r^S (0 = uniform)" },
    [O_SEED]       = { "seed", OPT_COUNT, "1", 0, UINT64_MAX,
                       "a non-negative integer", "PRNG seed; same arguments give the same bytes" },
    [O_SPEAKERS]   = { "speakers", OPT_COUNT, "0", 0, 1000000000,
                       "0 or an integer from 2 to 1000000000",
                       "0 = plain text; M >= 2 = conversation \"Name: words\" lines" },
    [O_UTT_WORDS]  = { "utterance-words", OPT_COUNT, "30", 1, 1000000000,
                       "a positive integer",
                       "mean words per utterance (uniform in [L/2, 3L/2])" },
    [O_LINE_WORDS] = { "line-words", OPT_COUNT, "12", 1, UINT64_MAX,
                       "a positive integer", "plain text: words per line" },
};

typedef struct Config {
    uint64_t count[O_N];  /* OPT_COUNT values */
    double real[O_N];     /* OPT_REAL values */
} Config;

static _Noreturn void usage_error(const char *name, const char *expect, const char *got)
{
    fprintf(stderr, "gencorpus: --%s: expected %s, got '%s'\n", name, expect, got);
    exit(EXIT_USAGE);
}

static void print_help(void)
{
    printf("usage: gencorpus [options] > corpus.txt\n"
           "Writes a seeded synthetic corpus with a Zipf-distributed vocabulary.\n\n");
    for (int i = 0; i < O_N; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s %s", options[i].name,
                 options[i].kind == OPT_REAL ? "X" : "N");
        printf("  %-22s %s (default %s)\n", flag, options[i].help, options[i].dflt);
    }
    printf("  %-22s this text\n", "--help");
}

/* Digits only: strtoull alone would accept " 12", "+12" and wrap "-1". */
static void parse_value(const Option *o, int idx, const char *s, Config *cfg)
{
    char *end;
    errno = 0;
    if (o->kind == OPT_REAL) {
        double v = strtod(s, &end);
        if (end == s || *end || errno || !isfinite(v) || v < 0)
            usage_error(o->name, o->expect, s);
        cfg->real[idx] = v;
        return;
    }
    if (s[0] < '0' || s[0] > '9')
        usage_error(o->name, o->expect, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v < o->min || (idx == O_SPEAKERS && v == 1))
        usage_error(o->name, o->expect, s);
    if (errno == ERANGE || v > o->max) {
        fprintf(stderr, "gencorpus: --%s: expected at most %llu, got '%s'\n",
                o->name, (unsigned long long)o->max, s);
        exit(EXIT_USAGE);
    }
    cfg->count[idx] = v;
}

static void parse_args(int argc, char **argv, Config *cfg)
{
    for (int i = 0; i < O_N; i++)
        parse_value(&options[i], i, options[i].dflt, cfg);
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            print_help();
            exit(0);
        }
        int found = -1;
        const char *value = NULL;
        if (!strncmp(arg, "--", 2)) {
            for (int i = 0; i < O_N && found < 0; i++) {
                size_t n = strlen(options[i].name);
                if (strncmp(arg + 2, options[i].name, n))
                    continue;
                if (arg[2 + n] == '=') {
                    found = i;
                    value = arg + 3 + n;
                } else if (arg[2 + n] == '\0') {
                    found = i;
                }
            }
        }
        if (found < 0) {
            fprintf(stderr, "gencorpus: unknown option '%s' (try --help)\n", arg);
            exit(EXIT_USAGE);
        }
        if (!value) {
            if (a + 1 >= argc) {
                fprintf(stderr, "gencorpus: --%s: missing value\n", options[found].name);
                exit(EXIT_USAGE);
            }
            value = argv[++a];
        }
        parse_value(&options[found], found, value, cfg);
    }
}

/* --- PRNG: xoshiro256**, state filled by splitmix64 ----------------------- */

typedef struct Rng { uint64_t s[4]; } Rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(Rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

__extension__ typedef unsigned __int128 u128;

/* Uniform integer in [0, n): the high word of x*n (bias <= n/2^64). */
static inline uint64_t rng_below(Rng *r, uint64_t n)
{
    return (uint64_t)(((u128)rng_next(r) * n) >> 64);
}

/* --- alias table (Vose) --------------------------------------------------- */

typedef struct Alias {
    uint64_t n;
    uint64_t *thresh;   /* (n) keep column i when the fraction < thresh[i] */
    uint32_t *alias;    /* (n) index taken otherwise */
} Alias;

static void *alloc_or_die(size_t count, size_t size)
{
    void *p = count && size <= SIZE_MAX / count ? malloc(count * size) : NULL;
    if (!p) {
        fprintf(stderr, "gencorpus: out of memory allocating %zu x %zu bytes\n", count, size);
        exit(EXIT_RUNTIME);
    }
    return p;
}

static void alias_build_zipf(Alias *t, uint64_t n, double s)
{
    double *q = alloc_or_die(n, sizeof *q);          /* (n) p_i * n, then column mass */
    uint32_t *work = alloc_or_die(n, sizeof *work);  /* (n) small stack from the front,
                                                        large stack from the back */
    t->n = n;
    t->alias = alloc_or_die(n, sizeof *t->alias);

    long double z = 0;
    for (uint64_t i = 0; i < n; i++) {
        q[i] = pow((double)(i + 1), -s);
        z += q[i];
    }
    uint64_t nsmall = 0, nlarge = 0;
    for (uint64_t i = 0; i < n; i++) {
        q[i] = (double)(q[i] * (long double)n / z);
        t->alias[i] = (uint32_t)i;
        if (q[i] < 1.0)
            work[nsmall++] = (uint32_t)i;
        else
            work[n - ++nlarge] = (uint32_t)i;
    }
    while (nsmall && nlarge) {
        uint32_t lo = work[--nsmall];
        uint32_t hi = work[n - nlarge];
        t->alias[lo] = hi;
        /* (q_hi + q_lo) - 1 loses less than q_hi - (1 - q_lo) (Vose 1991). */
        q[hi] = (q[hi] + q[lo]) - 1.0;
        if (q[hi] < 1.0) {
            nlarge--;
            work[nsmall++] = hi;
        }
    }
    /* Whatever is left is 1 up to rounding: it keeps its own column. */
    while (nsmall)
        q[work[--nsmall]] = 1.0;
    free(work);

    /* Thresholds as 64-bit fractions, reusing q's storage. */
    t->thresh = (uint64_t *)(void *)q;
    for (uint64_t i = 0; i < n; i++) {
        double v = q[i];
        uint64_t th = v >= 1.0 ? UINT64_MAX : (uint64_t)(v * 18446744073709551616.0);
        memcpy(&t->thresh[i], &th, sizeof th);
    }
}

/* One draw: the high word of x*n picks the column, the low word is a
 * uniform fraction within it, so one 64-bit number does both. */
static inline uint32_t alias_draw(const Alias *t, Rng *r)
{
    u128 m = (u128)rng_next(r) * t->n;
    uint64_t col = (uint64_t)(m >> 64);
    return (uint64_t)m < t->thresh[col] ? (uint32_t)col : t->alias[col];
}

static void alias_free(Alias *t)
{
    free(t->thresh);
    free(t->alias);
}

/* --- word strings from ranks --------------------------------------------- */

enum { N_HEAD_PAIRS = 8, N_VOWELS = 5, N_ONSETS = 14,
       N_HEADS = N_HEAD_PAIRS * N_VOWELS, N_SYLLABLES = N_ONSETS * N_VOWELS,
       MAX_TAIL = 6, MAX_WORD = 3 + 2 * MAX_TAIL };

/* Consonant pairs that begin no English word. */
static const char head_pairs[N_HEAD_PAIRS][2] = {
    {'z','v'}, {'v','z'}, {'z','b'}, {'b','z'}, {'z','g'}, {'g','z'}, {'v','g'}, {'g','v'},
};
static const char vowels[N_VOWELS] = { 'a', 'e', 'i', 'o', 'u' };
static const char onsets[N_ONSETS] = {
    'b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z',
};

typedef struct Lexicon {
    char head[N_HEADS][3];
    char syl[N_SYLLABLES][2];
    uint64_t first[MAX_TAIL + 2];  /* first[k]: first index with k tail syllables */
} Lexicon;

static void lexicon_init(Lexicon *lx)
{
    for (int p = 0; p < N_HEAD_PAIRS; p++)
        for (int v = 0; v < N_VOWELS; v++) {
            char *h = lx->head[p * N_VOWELS + v];
            h[0] = head_pairs[p][0]; h[1] = head_pairs[p][1]; h[2] = vowels[v];
        }
    for (int c = 0; c < N_ONSETS; c++)
        for (int v = 0; v < N_VOWELS; v++) {
            lx->syl[c * N_VOWELS + v][0] = onsets[c];
            lx->syl[c * N_VOWELS + v][1] = vowels[v];
        }
    uint64_t level = N_HEADS;
    lx->first[0] = 0;
    for (int k = 0; k <= MAX_TAIL; k++) {
        lx->first[k + 1] = lx->first[k] + level;
        level *= N_SYLLABLES;
    }
}

/* Writes the word of 0-based index i at out (MAX_WORD bytes available);
 * returns its length. Indexes below 2^32 need at most 5 tail syllables. */
static inline int lexicon_word(const Lexicon *lx, uint64_t i, char *out)
{
    int k = 0;
    while (i >= lx->first[k + 1])
        k++;
    uint64_t j = i - lx->first[k];
    memcpy(out, lx->head[j % N_HEADS], 3);
    j /= N_HEADS;
    for (int m = 0; m < k; m++) {
        memcpy(out + 3 + 2 * m, lx->syl[j % N_SYLLABLES], 2);
        j /= N_SYLLABLES;
    }
    return 3 + 2 * k;
}

/* --- speakers ------------------------------------------------------------- */

/* None starts with a title the detector strips (Mr, Ms, Dr, Prof). */
static const char *const speaker_names[] = {
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
    "Ivan", "Judy", "Kevin", "Laura", "Mallory", "Nina", "Oscar", "Peggy",
    "Quentin", "Rupert", "Sybil", "Trent", "Ursula", "Victor", "Wendy", "Yvonne",
};
enum { N_SPEAKER_NAMES = sizeof speaker_names / sizeof speaker_names[0] };

/* Speaker s (0-based): the s-th name, with the round number from the second
 * round on (Alice, ..., Yvonne, Alice2, ...). At most 7 + 8 characters. */
static int speaker_name(uint64_t s, char *out, size_t cap)
{
    uint64_t round = s / N_SPEAKER_NAMES;
    const char *base = speaker_names[s % N_SPEAKER_NAMES];
    if (round == 0)
        return snprintf(out, cap, "%s", base);
    return snprintf(out, cap, "%s%llu", base, (unsigned long long)(round + 1));
}

/* --- buffered output ------------------------------------------------------ */

enum { OUT_BUF = 1 << 20, OUT_SLACK = 64 };

typedef struct Out {
    char buf[OUT_BUF];
    size_t len;
} Out;

static void out_flush(Out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len) {
        fprintf(stderr, "gencorpus: write error on standard output\n");
        exit(EXIT_RUNTIME);
    }
    o->len = 0;
}

/* Make room for one word, name or separator (each < OUT_SLACK bytes). */
static inline void out_reserve(Out *o)
{
    if (o->len > OUT_BUF - OUT_SLACK)
        out_flush(o);
}

/* --- the corpus ----------------------------------------------------------- */

typedef struct Gen {
    Alias table;
    Lexicon lex;
    Rng rng;
    Out out;
} Gen;

static inline void put_word(Gen *g)
{
    out_reserve(&g->out);
    uint32_t i = alias_draw(&g->table, &g->rng);
    g->out.len += (size_t)lexicon_word(&g->lex, i, g->out.buf + g->out.len);
}

static void write_plain(Gen *g, uint64_t words, uint64_t line_words)
{
    uint64_t on_line = 0;
    for (uint64_t n = 0; n < words; n++) {
        put_word(g);
        if (++on_line == line_words || n + 1 == words) {
            g->out.buf[g->out.len++] = '\n';
            on_line = 0;
        } else {
            g->out.buf[g->out.len++] = ' ';
        }
    }
}

static void write_conversation(Gen *g, uint64_t words, uint64_t speakers, uint64_t mean_len)
{
    uint64_t lo = mean_len / 2 ? mean_len / 2 : 1;
    uint64_t hi = mean_len + mean_len / 2;
    uint64_t left = words;
    for (uint64_t s = 0; left; s = (s + 1 == speakers) ? 0 : s + 1) {
        uint64_t len = lo + rng_below(&g->rng, hi - lo + 1);
        if (len > left)
            len = left;
        left -= len;
        out_reserve(&g->out);
        int n = speaker_name(s, g->out.buf + g->out.len, OUT_SLACK);
        g->out.len += (size_t)n;
        g->out.buf[g->out.len++] = ':';
        for (uint64_t w = 0; w < len; w++) {
            g->out.buf[g->out.len++] = ' ';
            put_word(g);
        }
        g->out.buf[g->out.len++] = '\n';
    }
}

int main(int argc, char **argv)
{
    Config cfg;
    parse_args(argc, argv, &cfg);

    static Gen g;  /* static: the output buffer is too large for the stack */
    lexicon_init(&g.lex);
    alias_build_zipf(&g.table, cfg.count[O_VOCAB], cfg.real[O_ZIPF]);
    rng_seed(&g.rng, cfg.count[O_SEED]);

    if (cfg.count[O_SPEAKERS] == 0)
        write_plain(&g, cfg.count[O_WORDS], cfg.count[O_LINE_WORDS]);
    else
        write_conversation(&g, cfg.count[O_WORDS], cfg.count[O_SPEAKERS],
                           cfg.count[O_UTT_WORDS]);
    out_flush(&g.out);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "gencorpus: write error on standard output\n");
        return EXIT_RUNTIME;
    }
    alias_free(&g.table);
    return 0;
}
