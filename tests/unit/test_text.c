/*
 * test_text.c — unit tests for text.c: the Python-compatible character
 * classes, lower(), UTF-8 checking, the kill list (huey-model.md §3) and the
 * tokenizer (§4). Every expected token list was produced by python3 3.11
 * with re.sub(r"[^\w\s']", ' ', text.lower()).split().
 */
#define _POSIX_C_SOURCE 200809L
#include "text.h"
#include "util.h"

#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static char *lower_of(const char *s)
{
    char *out = NULL;
    size_t len = 0, cap = 0;
    py_lower(s, strlen(s), &out, &len, &cap);
    return out;
}

#define CHECK_LOWER(in, expect)                  \
    do {                                         \
        char *got_ = lower_of(in);               \
        CU_ASSERT_STRING_EQUAL(got_, expect);    \
        free(got_);                              \
    } while (0)

/* Tokens joined by '|', collected by the TokenFn. */
typedef struct Joined {
    char buf[4096];
    size_t len;
    int stop_after;     /* ask to stop after this many tokens; 0 = never */
    int seen;
} Joined;

static int join_token(void *ctx, const char *word, size_t len)
{
    Joined *j = ctx;
    CU_ASSERT_EQUAL(strlen(word), len);
    if (j->len + len + 2 < sizeof j->buf) {
        if (j->len)
            j->buf[j->len++] = '|';
        memcpy(j->buf + j->len, word, len);
        j->len += len;
        j->buf[j->len] = '\0';
    }
    j->seen++;
    return j->stop_after && j->seen >= j->stop_after;
}

/* Tokenize s as one utterance fed in chunks of about `chunk` bytes (cut at
 * code-point boundaries; 0 = one chunk); returns the joined tokens. */
static const char *tokens_of(const KillList *kill, const char *s, size_t chunk,
                             TokenStats *stats)
{
    static Joined j;
    memset(&j, 0, sizeof j);
    Tokenizer *t = tok_new(kill, join_token, &j);
    size_t n = strlen(s);
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t i = 0; i < n;) {
        size_t end = i + chunk < n ? i + chunk : n;
        while (end < n && ((unsigned char)s[end] & 0xC0) == 0x80)
            end++;
        CU_ASSERT_EQUAL(tok_feed(t, s + i, end - i), 0);
        i = end;
    }
    CU_ASSERT_EQUAL(tok_finish(t), 0);
    if (stats)
        *stats = tok_stats(t);
    tok_free(t);
    return j.buf;
}

#define CHECK_TOKENS(kill, in, expect) \
    CU_ASSERT_STRING_EQUAL(tokens_of(kill, in, 0, NULL), expect)

static char *write_temp(const char *content, size_t n)
{
    char *path = xstrdup("/tmp/huey-test-text-XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, content, n) == (ssize_t)n);
    close(fd);
    return path;
}

/* Run kill_load(path) in a child (die() exits); returns its exit status
 * and leaves its stderr in msg. */
static int kill_load_in_child(const char *path, char *msg, size_t msg_size)
{
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        kill_free(kill_load(path));
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t got;
    while (len + 1 < msg_size && (got = read(fds[0], msg + len, msg_size - 1 - len)) > 0)
        len += (size_t)got;
    msg[len] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- character classes -------------------------------------------------- */

static void test_isspace_is_exactly_pythons_set(void)
{
    static const uint32_t spaces[] = {
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85,
        0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F,
        0x205F, 0x3000,
    };
    for (size_t i = 0; i < sizeof spaces / sizeof *spaces; i++)
        CU_ASSERT_TRUE(py_isspace(spaces[i]));
    /* Neighbours, ZERO WIDTH SPACE and the Mongolian vowel separator
     * (no longer a space since Unicode 6.3) are not spaces. */
    static const uint32_t not_spaces[] = {
        0x00, 0x08, 0x0E, 0x1B, 0x21, 0x84, 0x86, 0x9F, 0xA1, 0x167F, 0x1681,
        0x180E, 0x1FFF, 0x200B, 0x2027, 0x202A, 0x202E, 0x2030, 0x205E,
        0x2060, 0x2FFF, 0x3001, 0xFEFF,
    };
    for (size_t i = 0; i < sizeof not_spaces / sizeof *not_spaces; i++)
        CU_ASSERT_FALSE(py_isspace(not_spaces[i]));
    /* python3: sum(chr(c).isspace() for c in range(0x110000)) == 29 */
    unsigned count = 0;
    for (uint32_t c = 0; c < 0x110000; c++)
        count += py_isspace(c);
    CU_ASSERT_EQUAL(count, 29);
}

static void test_isword_ascii_letters_digits_underscore(void)
{
    for (uint32_t c = 'a'; c <= 'z'; c++)
        CU_ASSERT_TRUE(py_isword(c));
    for (uint32_t c = 'A'; c <= 'Z'; c++)
        CU_ASSERT_TRUE(py_isword(c));
    for (uint32_t c = '0'; c <= '9'; c++)
        CU_ASSERT_TRUE(py_isword(c));
    CU_ASSERT_TRUE(py_isword('_'));
    const char *punct = " '\"-.,;:!?/\\()[]{}<>@#$%^&*+=`~|\t\n";
    for (const char *p = punct; *p; p++)
        CU_ASSERT_FALSE(py_isword((unsigned char)*p));
    CU_ASSERT_FALSE(py_isword(0));
    CU_ASSERT_FALSE(py_isword(0x7F));
}

static void test_isword_letters_and_numbers_of_any_script(void)
{
    CU_ASSERT_TRUE(py_isword(0xE9));      /* é */
    CU_ASSERT_TRUE(py_isword(0x4E2D));    /* 中 */
    CU_ASSERT_TRUE(py_isword(0x915));     /* क DEVANAGARI LETTER KA */
    CU_ASSERT_TRUE(py_isword(0xB2));      /* ² superscript two, No */
    CU_ASSERT_TRUE(py_isword(0x216B));    /* Ⅻ ROMAN NUMERAL TWELVE, Nl */
    CU_ASSERT_TRUE(py_isword(0x2B0));     /* ʰ modifier letter, Lm */
    CU_ASSERT_TRUE(py_isword(0x669));     /* ٩ ARABIC-INDIC NINE, Nd */
}

static void test_isword_excludes_marks_and_symbols(void)
{
    CU_ASSERT_FALSE(py_isword(0x93F));    /* ि vowel sign I, Mc */
    CU_ASSERT_FALSE(py_isword(0x94D));    /* ् virama, Mn */
    CU_ASSERT_FALSE(py_isword(0x301));    /* combining acute, Mn */
    CU_ASSERT_FALSE(py_isword(0x2019));   /* ’ */
    CU_ASSERT_FALSE(py_isword(0x3002));   /* 。 */
    CU_ASSERT_FALSE(py_isword(0x24B6));   /* Ⓐ, So */
    CU_ASSERT_FALSE(py_isword(0x1F600));  /* emoji */
    CU_ASSERT_FALSE(py_isword(0xAD));     /* soft hyphen, Cf */
}

static void test_decimal_digits_and_values(void)
{
    CU_ASSERT_TRUE(py_isdecimal('7'));
    CU_ASSERT_EQUAL(py_decimal_value('7'), 7);
    CU_ASSERT_EQUAL(py_decimal_value('0'), 0);
    CU_ASSERT_EQUAL(py_decimal_value(0x669), 9);      /* ٩ */
    CU_ASSERT_EQUAL(py_decimal_value(0x966), 0);      /* ० */
    CU_ASSERT_EQUAL(py_decimal_value(0xFF15), 5);     /* fullwidth 5 */
    /* 1D7CE..1D7FF are five abutting runs of mathematical digits. */
    CU_ASSERT_EQUAL(py_decimal_value(0x1D7D8), 0);    /* double-struck 0 */
    CU_ASSERT_EQUAL(py_decimal_value(0x1D7E1), 9);
    CU_ASSERT_EQUAL(py_decimal_value(0x1D7FF), 9);
    CU_ASSERT_FALSE(py_isdecimal(0xB2));              /* ² is a digit, not decimal */
    CU_ASSERT_FALSE(py_isdecimal(0x216B));
    CU_ASSERT_FALSE(py_isdecimal('a'));
}

/* ---- lower() ------------------------------------------------------------ */

static void test_lower_ascii_and_latin(void)
{
    CHECK_LOWER("Hello, WORLD 42_x", "hello, world 42_x");
    CHECK_LOWER("ÀÉÎ", "àéî");
    CHECK_LOWER("Straße", "straße");          /* ß stays ß */
    CHECK_LOWER("ẞ", "ß");                    /* capital sharp s */
    CHECK_LOWER("ǅ", "ǆ");                    /* titlecase Lt */
    CHECK_LOWER("\xE2\x84\xAA", "k");         /* KELVIN SIGN */
    CHECK_LOWER("", "");
}

static void test_lower_dotted_capital_i_expands(void)
{
    CHECK_LOWER("İ", "i\xCC\x87");            /* U+0130 -> i + U+0307 */
    CHECK_LOWER("İstanbul", "i\xCC\x87stanbul");
    CHECK_LOWER("I", "i");
}

static void test_lower_final_sigma(void)
{
    CHECK_LOWER("ΟΔΟΣ", "οδος");
    CHECK_LOWER("ΣΑ", "σα");
    CHECK_LOWER("Σ", "σ");
    CHECK_LOWER("ΑΣ.", "ας.");
    CHECK_LOWER("ΑΣ'Α", "ασ'α");              /* ' is case-ignorable */
    CHECK_LOWER("ΌΣΟΣ ΣΟΦΌΣ", "όσος σοφός");
    CHECK_LOWER("ΑΣ\xCC\x81", "ας\xCC\x81");  /* combining acute is skipped */
    CHECK_LOWER("ΑΣ\xCC\x81Α", "ασ\xCC\x81α");
    CHECK_LOWER("1Σ", "1σ");                  /* a digit is not cased */
}

/* ---- UTF-8 -------------------------------------------------------------- */

static void test_utf8_validate_accepts_multilingual_text(void)
{
    const char *s = "blue Café Ñandú 我喜欢蓝色 नमस्ते 😀 \xF4\x8F\xBF\xBF";
    CU_ASSERT_EQUAL(utf8_validate(s, strlen(s)), strlen(s));
    CU_ASSERT_EQUAL(utf8_validate("a\0b", 3), 3);   /* NUL is valid UTF-8 */
    CU_ASSERT_EQUAL(utf8_validate("", 0), 0);
}

static void test_utf8_validate_reports_first_bad_offset(void)
{
    CU_ASSERT_EQUAL(utf8_validate("ab\xC0\x80", 4), 2);           /* overlong NUL */
    CU_ASSERT_EQUAL(utf8_validate("\xE0\x80\xAF", 3), 0);         /* overlong / */
    CU_ASSERT_EQUAL(utf8_validate("x\xED\xA0\x80y", 5), 1);       /* surrogate D800 */
    CU_ASSERT_EQUAL(utf8_validate("é\xF5\x80\x80\x80", 6), 2);    /* F5: > U+10FFFF */
    CU_ASSERT_EQUAL(utf8_validate("\xF4\x90\x80\x80", 4), 0);     /* U+110000 */
    CU_ASSERT_EQUAL(utf8_validate("abc\xE2\x82", 5), 3);          /* truncated € */
    CU_ASSERT_EQUAL(utf8_validate("ab\x80", 3), 2);               /* stray continuation */
    CU_ASSERT_EQUAL(utf8_validate("\xC3(", 2), 0);                /* bad continuation */
    CU_ASSERT_EQUAL(utf8_validate("0123456789\xFF", 11), 10);     /* past the 8-byte skip */
}

static void test_utf8_decode_and_encode_round_trip(void)
{
    static const uint32_t cps[] = { 0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF,
                                    0xE000, 0xFFFF, 0x10000, 0x10FFFF };
    for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
        char buf[4];
        uint32_t back = 0xFFFFFFFF;
        int n = utf8_encode(cps[i], buf);
        CU_ASSERT_EQUAL(utf8_decode((const unsigned char *)buf, (size_t)n, &back), n);
        CU_ASSERT_EQUAL(back, cps[i]);
    }
    uint32_t cp;
    CU_ASSERT_EQUAL(utf8_decode((const unsigned char *)"\xE2\x82\xAC", 3, &cp), 3);
    CU_ASSERT_EQUAL(cp, 0x20AC);
    CU_ASSERT_EQUAL(utf8_decode((const unsigned char *)"\xE2\x82\xAC", 2, &cp), 0);
    CU_ASSERT_EQUAL(utf8_decode((const unsigned char *)"\xC1\xBF", 2, &cp), 0);
}

/* ---- tokenizer (§4) ----------------------------------------------------- */

static void test_tokens_ascii_sentence_with_punctuation(void)
{
    TokenStats st;
    CU_ASSERT_STRING_EQUAL(
        tokens_of(NULL, "Hello, World! This is a test-case: 42 apples/oranges.", 0, &st),
        "hello|world|this|is|a|test|case|42|apples|oranges");
    CU_ASSERT_EQUAL(st.words, 8);    /* len(text.split()) before punctuation */
    CU_ASSERT_EQUAL(st.tokens, 10);
}

static void test_tokens_keep_ascii_apostrophes(void)
{
    CHECK_TOKENS(NULL, "don't 'hello' it's", "don't|'hello'|it's");
    CHECK_TOKENS(NULL, "' x ''", "'|x|''");   /* apostrophe-only tokens stay */
}

static void test_tokens_typographic_apostrophe_splits(void)
{
    CHECK_TOKENS(NULL, "don’t", "don|t");
}

static void test_tokens_hyphen_slash_and_numbers_split(void)
{
    CHECK_TOKENS(NULL, "well-known and/or", "well|known|and|or");
    CHECK_TOKENS(NULL, "1,000 people", "1|000|people");
    CHECK_TOKENS(NULL, "snake_case_word", "snake_case_word");
}

static void test_tokens_accented_letters_kept(void)
{
    CHECK_TOKENS(NULL, "Café Ñandú", "café|ñandú");
}

static void test_tokens_cjk_runs_without_segmentation(void)
{
    CHECK_TOKENS(NULL, "我喜欢蓝色。天空", "我喜欢蓝色|天空");
}

static void test_tokens_devanagari_split_at_vowel_signs(void)
{
    CHECK_TOKENS(NULL, "मैं नीला रंग पसंद करता हूँ",
                 "म|न|ल|र|ग|पस|द|करत|ह");
    CHECK_TOKENS(NULL, "नमस्ते", "नमस|त");
}

static void test_tokens_dotted_capital_i_splits_after_lowering(void)
{
    CHECK_TOKENS(NULL, "İstanbul", "i|stanbul");
}

static void test_tokens_greek_final_sigma(void)
{
    CHECK_TOKENS(NULL, "ΟΔΟΣ ΣΑ Σ ΑΣ. ΑΣ'Α ΌΣΟΣ ΣΟΦΌΣ",
                 "οδος|σα|σ|ας|ασ'α|όσος|σοφός");
    /* '.' is case-ignorable: the sigma is not final, yet '.' ends the token. */
    CHECK_TOKENS(NULL, "ΑΣ.Α", "ασ|α");
}

static void test_tokens_same_for_any_chunking(void)
{
    const char *s = "Hello, Wörld! ΟΔΟΣ ΑΣ.Α ΑΣ'Α İstanbul don't 1,000 "
                    "我喜欢蓝色。天空 नमस्ते  snake_case\tend";
    char whole[4096];
    snprintf(whole, sizeof whole, "%s", tokens_of(NULL, s, 0, NULL));
    CU_ASSERT_STRING_EQUAL(whole, "hello|wörld|οδος|ασ|α|ασ'α|i|stanbul|don't|1|000|"
                                  "我喜欢蓝色|天空|नमस|त|snake_case|end");
    for (size_t chunk = 1; chunk <= 9; chunk++) {
        TokenStats st;
        CU_ASSERT_STRING_EQUAL(tokens_of(NULL, s, chunk, &st), whole);
        CU_ASSERT_EQUAL(st.words, 12);   /* python3: len(s.split()) */
    }
}

static void test_tokens_utterances_are_independent(void)
{
    /* tok_finish ends the utterance: "ΑΣ" then "Α" gives a final sigma,
     * and the counts accumulate. */
    Joined j;
    memset(&j, 0, sizeof j);
    Tokenizer *t = tok_new(NULL, join_token, &j);
    CU_ASSERT_EQUAL(tok_feed(t, "ΑΣ", strlen("ΑΣ")), 0);
    CU_ASSERT_EQUAL(tok_finish(t), 0);
    CU_ASSERT_EQUAL(tok_feed(t, "Α b", strlen("Α b")), 0);
    CU_ASSERT_EQUAL(tok_finish(t), 0);
    CU_ASSERT_STRING_EQUAL(j.buf, "ας|α|b");
    TokenStats st = tok_stats(t);
    CU_ASSERT_EQUAL(st.words, 3);
    CU_ASSERT_EQUAL(st.tokens, 3);
    tok_free(t);
}

static void test_tokens_callback_can_stop(void)
{
    Joined j;
    memset(&j, 0, sizeof j);
    j.stop_after = 2;
    Tokenizer *t = tok_new(NULL, join_token, &j);
    CU_ASSERT_NOT_EQUAL(tok_feed(t, "one two three four", 18), 0);
    CU_ASSERT_STRING_EQUAL(j.buf, "one|two");
    CU_ASSERT_NOT_EQUAL(tok_finish(t), 0);
    /* After tok_finish the tokenizer is usable again. */
    j.stop_after = 0;
    CU_ASSERT_EQUAL(tok_feed(t, "five", 4), 0);
    CU_ASSERT_EQUAL(tok_finish(t), 0);
    CU_ASSERT_STRING_EQUAL(j.buf, "one|two|five");
    tok_free(t);
}

static void test_token_longer_than_1mib_dies(void)
{
    size_t n = (1u << 20) + 10;
    char *big = xmalloc(n);
    memset(big, 'a', n);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        Tokenizer *t = tok_new(NULL, join_token, NULL);
        tok_feed(t, big, n);
        tok_finish(t);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_INPUT);
    /* Exactly 1 MiB is still a token. */
    size_t count = 0;
    Joined j;
    memset(&j, 0, sizeof j);
    Tokenizer *t = tok_new(NULL, join_token, &j);
    tok_feed(t, big, 1u << 20);
    tok_finish(t);
    count = (size_t)j.seen;
    CU_ASSERT_EQUAL(count, 1);
    tok_free(t);
    free(big);
}

/* ---- kill list (§3) ----------------------------------------------------- */

static void test_kill_load_cleans_like_the_reference(void)
{
    const char *content = "IT'S  Didn't\nTHE\r\nfoo-bar ?!\n\n  Zoë\n'\nTHE\n";
    char *path = write_temp(content, strlen(content));
    KillList *k = kill_load(path);
    CU_ASSERT_EQUAL(kill_count(k), 5);   /* its didnt the foobar zoë */
    CU_ASSERT_TRUE(kill_contains(k, "its", 3));
    CU_ASSERT_TRUE(kill_contains(k, "didnt", 5));
    CU_ASSERT_TRUE(kill_contains(k, "the", 3));
    CU_ASSERT_TRUE(kill_contains(k, "foobar", 6));
    CU_ASSERT_TRUE(kill_contains(k, "zoë", strlen("zoë")));
    CU_ASSERT_FALSE(kill_contains(k, "it's", 4));
    CU_ASSERT_FALSE(kill_contains(k, "THE", 3));
    CU_ASSERT_FALSE(kill_contains(k, "th", 2));
    /* Tokens equal to a kill word are dropped; "it's" is not "its". */
    CHECK_TOKENS(k, "The foobar said IT'S its own", "said|it's|own");
    kill_free(k);
    unlink(path);
    free(path);
}

static void test_kill_load_errors_name_the_file(void)
{
    char msg[1024];
    CU_ASSERT_EQUAL(kill_load_in_child("/nonexistent/KILL.txt", msg, sizeof msg), EXIT_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent/KILL.txt"));

    char *path = write_temp("the\nab\xFF\n", 7);
    CU_ASSERT_EQUAL(kill_load_in_child(path, msg, sizeof msg), EXIT_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "offset 6"));
    unlink(path);
    free(path);
}

static void test_kill_default_is_the_reference_english_list(void)
{
    KillList *k = kill_default();
    CU_ASSERT_EQUAL(kill_count(k), 162);
    CU_ASSERT_TRUE(kill_contains(k, "the", 3));
    CU_ASSERT_TRUE(kill_contains(k, "i", 1));
    CU_ASSERT_TRUE(kill_contains(k, "my", 2));
    CU_ASSERT_TRUE(kill_contains(k, "its", 3));
    CU_ASSERT_TRUE(kill_contains(k, "don", 3));
    CU_ASSERT_FALSE(kill_contains(k, "me", 2));
    CU_ASSERT_FALSE(kill_contains(k, "myself", 6));
    CU_ASSERT_FALSE(kill_contains(k, "you", 3));
    CU_ASSERT_FALSE(kill_contains(k, "we", 2));
    CHECK_TOKENS(k, "The cat and I saw me; it's mine.", "cat|me|it's|mine");
    kill_free(k);

    KillList *none = kill_empty();
    CU_ASSERT_EQUAL(kill_count(none), 0);
    CHECK_TOKENS(none, "The cat", "the|cat");
    kill_free(none);
}

static void test_kill_default_equals_shared_kill_txt(void)
{
    const char *path = "../shared/data/KILL.txt";
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("\n  note: %s not found; kill_default vs KILL.txt skipped\n", path);
        return;
    }
    KillList *def = kill_default();
    KillList *file = kill_load(path);
    CU_ASSERT_EQUAL(kill_count(file), 162);
    CU_ASSERT_EQUAL(kill_count(def), kill_count(file));
    /* KILL.txt is ASCII: clean each piece independently ([^\w] removed,
     * lower-cased) and check both lists hold it; with equal counts the
     * two sets are then equal. */
    char piece[256];
    unsigned checked = 0;
    while (fscanf(f, "%255s", piece) == 1) {
        size_t n = 0;
        for (char *p = piece; *p; p++)
            if (py_isword((unsigned char)*p))
                piece[n++] = (char)tolower((unsigned char)*p);
        if (n == 0)
            continue;
        CU_ASSERT_TRUE(kill_contains(def, piece, n));
        CU_ASSERT_TRUE(kill_contains(file, piece, n));
        checked++;
    }
    CU_ASSERT_TRUE(checked >= 162);
    fclose(f);
    kill_free(def);
    kill_free(file);
}

/* ---- registration ------------------------------------------------------- */

void register_text(void)
{
    CU_pSuite s = CU_add_suite("text", NULL, NULL);
    CU_add_test(s, "isspace is exactly Python's set", test_isspace_is_exactly_pythons_set);
    CU_add_test(s, "\\w: ASCII letters, digits, underscore", test_isword_ascii_letters_digits_underscore);
    CU_add_test(s, "\\w: letters and numbers of any script", test_isword_letters_and_numbers_of_any_script);
    CU_add_test(s, "\\w: not marks, symbols, punctuation", test_isword_excludes_marks_and_symbols);
    CU_add_test(s, "decimal digits and their values", test_decimal_digits_and_values);
    CU_add_test(s, "lower: ASCII, Latin, Lt, ß", test_lower_ascii_and_latin);
    CU_add_test(s, "lower: U+0130 becomes i + U+0307", test_lower_dotted_capital_i_expands);
    CU_add_test(s, "lower: Final_Sigma", test_lower_final_sigma);
    CU_add_test(s, "utf8: multilingual text is valid", test_utf8_validate_accepts_multilingual_text);
    CU_add_test(s, "utf8: first invalid offset", test_utf8_validate_reports_first_bad_offset);
    CU_add_test(s, "utf8: decode/encode round trip", test_utf8_decode_and_encode_round_trip);
    CU_add_test(s, "tokens: ASCII sentence, word count", test_tokens_ascii_sentence_with_punctuation);
    CU_add_test(s, "tokens: ASCII apostrophes kept", test_tokens_keep_ascii_apostrophes);
    CU_add_test(s, "tokens: typographic apostrophe splits", test_tokens_typographic_apostrophe_splits);
    CU_add_test(s, "tokens: hyphen, slash, 1,000 split", test_tokens_hyphen_slash_and_numbers_split);
    CU_add_test(s, "tokens: accented letters kept", test_tokens_accented_letters_kept);
    CU_add_test(s, "tokens: CJK runs, no segmentation", test_tokens_cjk_runs_without_segmentation);
    CU_add_test(s, "tokens: Devanagari splits at vowel signs", test_tokens_devanagari_split_at_vowel_signs);
    CU_add_test(s, "tokens: İstanbul -> i, stanbul", test_tokens_dotted_capital_i_splits_after_lowering);
    CU_add_test(s, "tokens: Greek final sigma", test_tokens_greek_final_sigma);
    CU_add_test(s, "tokens: any chunking gives the same tokens", test_tokens_same_for_any_chunking);
    CU_add_test(s, "tokens: utterances are independent", test_tokens_utterances_are_independent);
    CU_add_test(s, "tokens: callback can stop", test_tokens_callback_can_stop);
    CU_add_test(s, "tokens: > 1 MiB token dies", test_token_longer_than_1mib_dies);
    CU_add_test(s, "kill: load cleans like the reference", test_kill_load_cleans_like_the_reference);
    CU_add_test(s, "kill: errors name the file", test_kill_load_errors_name_the_file);
    CU_add_test(s, "kill: default English list", test_kill_default_is_the_reference_english_list);
    CU_add_test(s, "kill: default equals shared KILL.txt", test_kill_default_equals_shared_kill_txt);
}
