/*
 * text.c — Python-compatible text primitives, the kill (stop-word) list and
 * the canonical tokenizer (huey-model.md §3, §4; contract in text.h).
 *
 * The reference computes, per utterance,
 *     re.sub(r"[^\w\s']", ' ', text.lower()).split()   minus kill words
 * under CPython 3.11 (Unicode 14). We reproduce it on UTF-8 bytes with
 * utf8proc 2.8 (Unicode 15) for the character database:
 *
 *   \w        = str.isalnum() or '_'. In Unicode 14 this is exactly the
 *               general categories L* and N* plus '_' (checked over all code
 *               points against /usr/bin/python3), so a category test suffices.
 *   isspace   = a fixed set, hard-coded below.
 *   lower()   = utf8proc's simple lowercase mapping, plus the one
 *               unconditional SpecialCasing entry (U+0130 -> "i\u0307") and
 *               CPython's Final_Sigma rule for U+03A3.
 *
 * Known gap (every code point compared against python3 3.11.7 with
 * utf8proc 2.8.0): lower() and isspace() agree everywhere; \w, isdecimal
 * and the Final_Sigma classes differ only on code points that are
 * unassigned (Cn) in Unicode 14 and were assigned in Unicode 15; see the
 * comment before py_isword() for the list.
 *
 * The tokenizer streams: chunks may cut words anywhere (at code-point
 * boundaries) and nothing but the current token is buffered. Final_Sigma
 * needs one bit of look-behind state (was the last non-case-ignorable
 * character cased?) and a look-ahead over case-ignorable characters: a
 * capital sigma preceded by a cased character is held, with the
 * case-ignorable characters after it,
 * until the next non-case-ignorable character (or the end of the utterance)
 * decides between σ and ς. Whitespace is neither cased nor case-ignorable,
 * so this equals lower-casing the whole utterance at once.
 */
#include "text.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ------------------------------------------------------------------------
 * UTF-8, strict like CPython's decoder
 * ------------------------------------------------------------------------ */

int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* 80..BF: stray continuation; C0, C1: always overlong; F5..FF: > U+10FFFF */
    if (c < 0xC2 || c > 0xF4)
        return 0;
    int len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < (size_t)len)
        return 0;
    /* The second byte's range also rules out overlongs (E0, F0),
     * surrogates (ED) and code points past U+10FFFF (F4). */
    unsigned lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    uint32_t v = c & (0x7F >> len);
    for (int i = 1; i < len; i++)
        v = (v << 6) | (s[i] & 0x3F);
    *cp = v;
    return len;
}

int utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_validate(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Corpora are mostly ASCII: skip 8 bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode(u + i, n - i, &cp);
        if (len == 0)
            return i;
        i += (size_t)len;
    }
    return n;
}

/* ------------------------------------------------------------------------
 * Character properties
 * ------------------------------------------------------------------------ */

/* Property bits. CASED and IGN are CPython's effective Final_Sigma classes:
 * _PyUnicode_IsCaseIgnorable() is tested first, so a character that is both
 * (e.g. U+02B0, Lm and Other_Lowercase) acts as case-ignorable only. */
enum {
    P_WORD  = 1,    /* \w */
    P_SPACE = 2,    /* str.isspace() */
    P_CASED = 4,    /* cased and not case-ignorable */
    P_IGN   = 8,    /* case-ignorable */
    P_APOS  = 16,   /* the ASCII apostrophe, kept inside tokens */
    P_PUNCT = 32,   /* anything else: a token separator */
};

/* ASCII: letters are cased \w; digits and '_' are \w; ' . : are
 * case-ignorable (Word_Break Single_Quote/MidNumLet/MidLetter), ^ and ` too
 * (category Sk); \t..\r, \x1c..\x1f and ' ' are whitespace. */
#define AP(c)                                                                  \
    ((((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z')) ? P_WORD | P_CASED \
     : (((c) >= '0' && (c) <= '9') || (c) == '_')               ? P_WORD        \
     : (((c) >= 0x09 && (c) <= 0x0D) || ((c) >= 0x1C && (c) <= 0x20)) ? P_SPACE \
     : (c) == '\''                                               ? P_APOS | P_IGN \
     : ((c) == '.' || (c) == ':' || (c) == '^' || (c) == '`')    ? P_PUNCT | P_IGN \
                                                                 : P_PUNCT)
#define AP4(c) AP(c), AP((c) + 1), AP((c) + 2), AP((c) + 3)
#define AP16(c) AP4(c), AP4((c) + 4), AP4((c) + 8), AP4((c) + 12)
static const unsigned char ascii_props[128] = {
    AP16(0x00), AP16(0x10), AP16(0x20), AP16(0x30),
    AP16(0x40), AP16(0x50), AP16(0x60), AP16(0x70),
};

#define AL(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define AL4(c) AL(c), AL((c) + 1), AL((c) + 2), AL((c) + 3)
#define AL16(c) AL4(c), AL4((c) + 4), AL4((c) + 8), AL4((c) + 12)
static const char ascii_lower[128] = {
    AL16(0x00), AL16(0x10), AL16(0x20), AL16(0x30),
    AL16(0x40), AL16(0x50), AL16(0x60), AL16(0x70),
};

bool py_isspace(uint32_t cp)
{
    switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D:
    case 0x1C: case 0x1D: case 0x1E: case 0x1F: case 0x20:
    case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

/* Cased characters outside Lu/Ll/Lt (Other_Lowercase / Other_Uppercase
 * that are not also case-ignorable), from python3 3.11. */
static bool other_cased(uint32_t cp)
{
    return cp == 0xAA || cp == 0xBA
        || (cp >= 0x2160 && cp <= 0x217F)      /* Roman numerals, Nl */
        || (cp >= 0x24B6 && cp <= 0x24E9)      /* circled letters, So */
        || (cp >= 0x1F130 && cp <= 0x1F149)    /* squared/circled capitals, So */
        || (cp >= 0x1F150 && cp <= 0x1F169)
        || (cp >= 0x1F170 && cp <= 0x1F189);
}

/* Case-ignorable punctuation: Word_Break MidLetter, MidNumLet, Single_Quote
 * (the rest of case-ignorable is categories Mn, Me, Cf, Lm, Sk). */
static bool ignorable_punct(uint32_t cp)
{
    switch (cp) {
    case 0x27: case 0x2E: case 0x3A: case 0xB7: case 0x387: case 0x55F:
    case 0x5F4: case 0x2018: case 0x2019: case 0x2024: case 0x2027:
    case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E:
    case 0xFF1A:
        return true;
    default:
        return false;
    }
}

static unsigned cp_props(uint32_t cp)
{
    if (cp < 0x80)
        return ascii_props[cp];
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
        return P_WORD | P_CASED;
    case UTF8PROC_CATEGORY_LM:
        return P_WORD | P_IGN;
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_NL:
        return P_WORD | (other_cased(cp) ? P_CASED : 0);
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NO:
        return P_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_SK:
        return P_PUNCT | P_IGN;
    case UTF8PROC_CATEGORY_SO:
        return P_PUNCT | (other_cased(cp) ? P_CASED : 0);
    default:
        if (py_isspace(cp))
            return P_SPACE;
        return P_PUNCT | (ignorable_punct(cp) ? P_IGN : 0);
    }
}

/*
 * py_isword vs python3 3.11.7 re '\w' over U+0000..U+10FFFF (utf8proc
 * 2.8.0): 4,388 code points are \w here but not in the reference, all of
 * them unassigned in Unicode 14 and letters or digits in Unicode 15:
 *   1123F-11240, 11F02, 11F04-11F10, 11F12-11F33, 11F50-11F59, 1342F,
 *   13441-13446, 1B132, 1B155, 1D2C0-1D2D3, 1DF25-1DF2A, 1E030-1E06D,
 *   1E4D0-1E4EB, 1E4F0-1E4F9, 2B739, 31350-323AF (CJK Extension H).
 * None is \w in the reference and not here. Likewise isdecimal differs on
 * 11F50-11F59 and 1E4F0-1E4F9, cased on 1DF25-1DF2A, and case-ignorable on
 * 105 new marks/modifiers (0ECE, 10EFD-10EFF, 11241, 11F00-11F01,
 * 11F36-11F3A, 11F40, 11F42, 13439-13440, 13447-13455, 1E030-1E06D, 1E08F,
 * 1E4EB-1E4EF).
 */
bool py_isword(uint32_t cp)
{
    return (cp_props(cp) & P_WORD) != 0;
}

bool py_isdecimal(uint32_t cp)
{
    return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_ND;
}

/* Nd digits come in contiguous runs of ten from 0 to 9; runs may abut
 * (the mathematical digits U+1D7CE..U+1D7FF are five runs in a row). */
int py_decimal_value(uint32_t cp)
{
    check(py_isdecimal(cp));
    uint32_t start = cp;
    while (start > 0 && py_isdecimal(start - 1))
        start--;
    return (int)((cp - start) % 10);
}

/* ------------------------------------------------------------------------
 * Lower-casing
 * ------------------------------------------------------------------------ */

/* str.lower() of one code point other than U+03A3 (whose result depends on
 * context). utf8proc gives the simple mapping; U+0130 is the only code
 * point whose full mapping is longer (python3: len(chr(c).lower()) > 1). */
static int lower_cp(uint32_t cp, uint32_t out[2])
{
    if (cp < 0x80) {
        out[0] = (uint32_t)(unsigned char)ascii_lower[cp];
        return 1;
    }
    if (cp == 0x130) {
        out[0] = 'i';
        out[1] = 0x307;
        return 2;
    }
    out[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
    return 1;
}

enum { CAPITAL_SIGMA = 0x3A3, SMALL_SIGMA = 0x3C3, FINAL_SIGMA = 0x3C2 };

/* Start of the code point that ends just before s[i] (valid UTF-8). */
static size_t prev_cp_start(const unsigned char *s, size_t i)
{
    do
        i--;
    while (i > 0 && (s[i] & 0xC0) == 0x80);
    return i;
}

/* CPython's handle_capital_sigma on the sigma at s[i..i+2). */
static uint32_t sigma_at(const unsigned char *s, size_t n, size_t i)
{
    uint32_t c;
    bool cased_before = false;
    for (size_t j = i; j > 0;) {
        j = prev_cp_start(s, j);
        utf8_decode(s + j, n - j, &c);
        unsigned p = cp_props(c);
        if (!(p & P_IGN)) {
            cased_before = (p & P_CASED) != 0;
            break;
        }
    }
    if (!cased_before)
        return SMALL_SIGMA;
    for (size_t j = i + 2; j < n;) {
        j += (size_t)utf8_decode(s + j, n - j, &c);
        unsigned p = cp_props(c);
        if (!(p & P_IGN))
            return (p & P_CASED) ? SMALL_SIGMA : FINAL_SIGMA;
    }
    return FINAL_SIGMA;
}

void py_lower(const char *s, size_t n, char **out, size_t *len, size_t *cap)
{
    const unsigned char *u = (const unsigned char *)s;
    /* Lower-casing grows UTF-8 by at most half (U+0130: 2 bytes -> 3). */
    GROW(*out, *cap, *len + n + n / 2 + 1);
    char *o = *out + *len;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            *o++ = ascii_lower[u[i++]];
            continue;
        }
        uint32_t cp, low[2];
        int k = utf8_decode(u + i, n - i, &cp);
        check(k > 0);
        int m;
        if (cp == CAPITAL_SIGMA) {
            low[0] = sigma_at(u, n, i);
            m = 1;
        } else {
            m = lower_cp(cp, low);
        }
        for (int j = 0; j < m; j++)
            o += utf8_encode(low[j], o);
        i += (size_t)k;
    }
    *len = (size_t)(o - *out);
    (*out)[*len] = '\0';
}

/* ------------------------------------------------------------------------
 * Kill list: an open-addressing hash set of words
 * ------------------------------------------------------------------------ */

typedef struct KillSlot {
    uint64_t hash;
    char *word;             /* NULL = empty slot */
    size_t len;
} KillSlot;

struct KillList {
    KillSlot *slots;        /* (mask + 1) */
    size_t mask;
    size_t count;
    size_t max_len;         /* longer tokens skip hashing */
};

KillList *kill_empty(void)
{
    KillList *k = xcalloc(1, sizeof *k);
    k->mask = 15;
    k->slots = xcalloc(k->mask + 1, sizeof *k->slots);
    return k;
}

static KillSlot *kill_find(const KillList *k, uint64_t h, const char *w, size_t len)
{
    for (size_t i = h & k->mask;; i = (i + 1) & k->mask) {
        KillSlot *s = &k->slots[i];
        if (!s->word || (s->hash == h && s->len == len && memcmp(s->word, w, len) == 0))
            return s;
    }
}

static void kill_add(KillList *k, const char *w, size_t len)
{
    /* Keep the load factor under 1/2 so probes stay short. */
    if (2 * (k->count + 1) > k->mask + 1) {
        KillSlot *old = k->slots;
        size_t old_n = k->mask + 1;
        k->mask = 2 * old_n - 1;
        k->slots = xcalloc(k->mask + 1, sizeof *k->slots);
        for (size_t i = 0; i < old_n; i++)
            if (old[i].word)
                *kill_find(k, old[i].hash, old[i].word, old[i].len) = old[i];
        free(old);
    }
    uint64_t h = hash_bytes(w, len);
    KillSlot *s = kill_find(k, h, w, len);
    if (s->word)
        return;
    s->hash = h;
    s->word = xstrndup(w, len);
    s->len = len;
    k->count++;
    if (len > k->max_len)
        k->max_len = len;
}

bool kill_contains(const KillList *k, const char *word, size_t len)
{
    if (!k || k->count == 0 || len > k->max_len)
        return false;
    return kill_find(k, hash_bytes(word, len), word, len)->word != NULL;
}

size_t kill_count(const KillList *k)
{
    return k ? k->count : 0;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t kill_words(const KillList *k, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; k && i <= k->mask; i++)
        if (k->slots[i].word)
            out[n++] = k->slots[i].word;
    qsort(out, n, sizeof *out, cmp_cstr);
    return n;
}

KillList *kill_from_words(const char *const *w, size_t n)
{
    KillList *k = kill_empty();
    for (size_t i = 0; i < n; i++)
        kill_add(k, w[i], strlen(w[i]));
    return k;
}

void kill_free(KillList *k)
{
    if (!k)
        return;
    for (size_t i = 0; i <= k->mask; i++)
        free(k->slots[i].word);
    free(k->slots);
    free(k);
}

/* The reference KILL.txt after load_kill_words' cleaning (162 words, in
 * file order; IT'S, DIDN'T, ISN'T, THEY'D, HER'S, DON'T lose the
 * apostrophe, so "its" and "didnt" are entries while "it's" is not). */
static const char *const kill_default_words[] = {
    "use", "make", "who", "what", "where", "when", "how", "why", "its",
    "the", "but", "any", "can", "this", "that", "and", "have", "for", "are",
    "has", "them", "these", "our", "your", "yours", "ours", "theirs",
    "their", "was", "had", "with", "also", "from", "were", "while", "then",
    "now", "here", "there", "came", "into", "during", "theyd", "after",
    "mrs", "miss", "mister", "they", "may", "shall", "did", "didnt", "isnt",
    "she", "her", "him", "yet", "get", "kept", "give", "thus", "verily",
    "goes", "gone", "etc", "got", "mid", "own", "very", "every", "each",
    "some", "much", "only", "gave", "being", "which", "his", "hers", "been",
    "using", "went", "made", "until", "said", "say", "tried", "try",
    "either", "other", "more", "less", "all", "onto", "done", "saw", "does",
    "not", "both", "niether", "nor", "although", "though", "would", "could",
    "should", "about", "because", "became", "off", "exclude", "a", "an",
    "another", "as", "at", "back", "be", "before", "besides", "between",
    "by", "come", "do", "even", "he", "hi", "himself", "if", "in", "is",
    "it", "just", "like", "many", "most", "must", "my", "no", "of", "on",
    "one", "or", "out", "s", "same", "see", "since", "so", "still", "such",
    "take", "than", "those", "through", "to", "too", "up", "way", "i",
    "don", "t",
};

KillList *kill_default(void)
{
    KillList *k = kill_empty();
    for (size_t i = 0; i < sizeof kill_default_words / sizeof *kill_default_words; i++)
        kill_add(k, kill_default_words[i], strlen(kill_default_words[i]));
    return k;
}

/* ------------------------------------------------------------------------
 * Tokenizer
 * ------------------------------------------------------------------------ */

/* A longer token means the input is not text split into words. */
enum { TOKEN_MAX = 1 << 20 };

struct Tokenizer {
    const KillList *kill;
    TokenFn fn;
    TokenFn killed_fn;      /* optional: tokens the kill list drops */
    void *ctx;
    /* Kill-file mode (re.sub(r'[^\w]', '', piece)): non-\w characters,
     * apostrophe included, are dropped instead of splitting tokens. */
    bool join;
    unsigned keep;          /* property bits of characters kept in a token */
    unsigned split;         /* property bits of characters ending a token */

    char *tok;              /* (TOKEN_MAX + 8) current token, lower-cased */
    size_t tlen;
    bool in_word;           /* last raw character was not whitespace */
    bool last_cased;        /* last non-case-ignorable character was cased */
    bool stopped;           /* fn asked to stop; ignore input until finish */

    /* A capital sigma after a cased character, waiting for the next
     * non-case-ignorable character; hold = the case-ignorable characters
     * seen since, not yet lower-cased into the token. */
    bool sigma_pending;
    uint32_t *hold;         /* (hold_cap) */
    size_t hold_len, hold_cap;

    TokenStats stats;
};

static Tokenizer *tok_create(const KillList *kill, TokenFn fn, void *ctx, bool join)
{
    Tokenizer *t = xcalloc(1, sizeof *t);
    t->kill = kill;
    t->fn = fn;
    t->ctx = ctx;
    t->join = join;
    t->keep = join ? P_WORD : P_WORD | P_APOS;
    t->split = join ? P_SPACE : P_SPACE | P_PUNCT | P_APOS;
    t->split &= ~t->keep;
    t->tok = xmalloc(TOKEN_MAX + 8);
    return t;
}

Tokenizer *tok_new(const KillList *kill, TokenFn fn, void *ctx)
{
    return tok_create(kill, fn, ctx, false);
}

static _Noreturn void token_too_long(void)
{
    die("a token is longer than %d bytes (1 MiB): the text has no word breaks "
        "where words are expected", TOKEN_MAX);
}

/* End the current token: drop it if killed, else pass it to fn. */
static int emit(Tokenizer *t)
{
    size_t len = t->tlen;
    t->tlen = 0;
    if (len == 0)
        return 0;
    if (kill_contains(t->kill, t->tok, len)) {
        if (t->killed_fn) {
            t->tok[len] = '\0';
            t->killed_fn(t->ctx, t->tok, len);
        }
        return 0;
    }
    t->tok[len] = '\0';
    t->stats.tokens++;
    if (t->fn(t->ctx, t->tok, len)) {
        t->stopped = true;
        return 1;
    }
    return 0;
}

/* Add one lower-cased code point to the token stream. */
static int put_lowered(Tokenizer *t, uint32_t cp)
{
    unsigned p = cp_props(cp);
    if (p & t->keep) {
        if (t->tlen >= TOKEN_MAX)
            token_too_long();
        t->tlen += (size_t)utf8_encode(cp, t->tok + t->tlen);
        return 0;
    }
    if (p & t->split)
        return emit(t);
    return 0;
}

static int put_raw_lowered(Tokenizer *t, uint32_t cp)
{
    uint32_t low[2];
    int m = lower_cp(cp, low);
    for (int j = 0; j < m; j++)
        if (put_lowered(t, low[j]))
            return 1;
    return 0;
}

/* Decide the held sigma: final iff the next non-case-ignorable character
 * (next_props; 0 at the end of the utterance) is not cased. */
static int resolve_sigma(Tokenizer *t, unsigned next_props)
{
    t->sigma_pending = false;
    if (put_lowered(t, (next_props & P_CASED) ? SMALL_SIGMA : FINAL_SIGMA))
        return 1;
    for (size_t i = 0; i < t->hold_len; i++)
        if (put_raw_lowered(t, t->hold[i]))
            return 1;
    t->hold_len = 0;
    return 0;
}

/* One raw code point, the general (non-ASCII or sigma-pending) path. */
static int put_raw(Tokenizer *t, uint32_t cp)
{
    unsigned p = cp_props(cp);
    bool space = (p & P_SPACE) != 0;
    t->stats.words += !t->in_word && !space;
    t->in_word = !space;

    if (t->sigma_pending) {
        if (p & P_IGN) {
            GROW(t->hold, t->hold_cap, t->hold_len + 1);
            t->hold[t->hold_len++] = cp;
            return 0;
        }
        if (resolve_sigma(t, p))
            return 1;
    }
    if (cp == CAPITAL_SIGMA) {
        if (t->last_cased) {
            t->sigma_pending = true;
            return 0;
        }
        t->last_cased = true;
        return put_lowered(t, SMALL_SIGMA);
    }
    if (!(p & P_IGN))
        t->last_cased = (p & P_CASED) != 0;
    return put_raw_lowered(t, cp);
}

/* Once fn has asked to stop, the rest of the utterance is ignored: tok_feed
 * and tok_finish return nonzero, and tok_finish makes the tokenizer usable
 * again for the next utterance. */
int tok_feed(Tokenizer *t, const char *s, size_t n)
{
    if (t->stopped)
        return 1;
    const unsigned char *u = (const unsigned char *)s;
    const unsigned keep = t->keep, split = t->split;
    char *tok = t->tok;
    size_t i = 0;
    while (i < n) {
        if (u[i] >= 0x80 || t->sigma_pending) {
            uint32_t cp;
            int k = utf8_decode(u + i, n - i, &cp);
            if (k == 0)
                die("tokenizer: invalid UTF-8 at byte %zu of a chunk", i);
            if (put_raw(t, cp))
                return 1;
            i += (size_t)k;
            continue;
        }
        /* ASCII fast path: state in locals, one table lookup per byte. */
        size_t tlen = t->tlen;
        bool in_word = t->in_word, last_cased = t->last_cased;
        uint64_t words = t->stats.words;
        for (; i < n && u[i] < 0x80; i++) {
            unsigned c = u[i];
            unsigned p = ascii_props[c];
            bool space = (p & P_SPACE) != 0;
            words += !in_word && !space;
            in_word = !space;
            if (!(p & P_IGN))
                last_cased = (p & P_CASED) != 0;
            if (p & keep) {
                if (tlen >= TOKEN_MAX)
                    token_too_long();
                tok[tlen++] = ascii_lower[c];
            } else if ((p & split) && tlen) {
                t->tlen = tlen;
                t->in_word = in_word;
                t->last_cased = last_cased;
                t->stats.words = words;
                if (emit(t))
                    return 1;
                tlen = 0;
            }
        }
        t->tlen = tlen;
        t->in_word = in_word;
        t->last_cased = last_cased;
        t->stats.words = words;
    }
    return 0;
}

void tok_on_killed(Tokenizer *t, TokenFn fn)
{
    t->killed_fn = fn;
}

int tok_finish(Tokenizer *t)
{
    int stop = t->stopped;
    if (!stop && t->sigma_pending)
        stop = resolve_sigma(t, 0);
    if (!stop)
        stop = emit(t);
    t->tlen = 0;
    t->hold_len = 0;
    t->sigma_pending = false;
    t->in_word = false;
    t->last_cased = false;
    t->stopped = false;
    return stop;
}

TokenStats tok_stats(const Tokenizer *t)
{
    return t->stats;
}

void tok_free(Tokenizer *t)
{
    if (!t)
        return;
    free(t->tok);
    free(t->hold);
    free(t);
}

/* ------------------------------------------------------------------------
 * Kill file loading (load_kill_words): the tokenizer in join mode
 * ------------------------------------------------------------------------ */

static int kill_collect(void *ctx, const char *word, size_t len)
{
    kill_add(ctx, word, len);
    return 0;
}

KillList *kill_load(const char *path)
{
    size_t len;
    char *buf = read_path(path, &len);
    if (!buf)
        die("kill file %s: %s", path, strerror(errno));

    size_t bad = utf8_validate(buf, len);
    if (bad != len)
        die("kill file %s: invalid UTF-8 at byte offset %zu", path, bad);

    /* Line splitting does not matter: every line break is whitespace, and
     * whitespace bounds both the pieces and the Final_Sigma context. */
    KillList *k = kill_empty();
    Tokenizer *t = tok_create(NULL, kill_collect, k, true);
    tok_feed(t, buf, len);
    tok_finish(t);
    tok_free(t);
    free(buf);
    return k;
}
