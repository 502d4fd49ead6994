/*
 * text.h — Python-compatible text primitives and the canonical tokenizer
 * (huey-model.md §3, §4).
 *
 * The reference is CPython 3.11 code; these reproduce, on UTF-8 bytes:
 *   str.isspace()                 -> py_isspace()
 *   re's \w on str patterns       -> py_isword()   (str.isalnum() or '_')
 *   str.lower() (full mapping,
 *     Final_Sigma context)        -> py_lower()
 * with Unicode tables from utf8proc (2.8 = Unicode 15; CPython 3.11 uses
 * Unicode 14: the characters added in 15 are the only expected gap).
 *
 * Tokenizer (tokenize_speaker_text of the reference): lower-case, replace
 * every code point that is not \w, not whitespace and not the ASCII
 * apostrophe by a space, split on whitespace, drop kill words.
 */
#ifndef HUEY_TEXT_H
#define HUEY_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Decode one code point from s[0..n). Returns its length in bytes (1..4),
 * or 0 if the bytes at s are not valid UTF-8 as CPython's strict decoder
 * sees it (overlong forms, surrogates, > U+10FFFF, truncated sequences). */
int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encode cp into out (>= 4 bytes); returns the byte count. */
int utf8_encode(uint32_t cp, char *out);
/* Byte offset of the first invalid sequence in s[0..n), or n if valid.
 * A sequence cut by the end of the buffer counts as invalid. */
size_t utf8_validate(const char *s, size_t n);

bool py_isspace(uint32_t cp);
bool py_isword(uint32_t cp);
/* Python's str.isalpha()/isdecimal() per code point (used by speaker
 * detection's [A-Za-z] and int()). */
bool py_isdecimal(uint32_t cp);
/* Value 0..9 of a decimal digit (py_isdecimal(cp) must hold). */
int py_decimal_value(uint32_t cp);

/* str.lower() of s[0..n) (valid UTF-8) appended to a growable buffer:
 * *out (capacity *cap, length *len) is realloc'ed as needed. */
void py_lower(const char *s, size_t n, char **out, size_t *len, size_t *cap);

/* --- kill list (stop words), §3 ---------------------------------------- */

typedef struct KillList KillList;
/* The built-in default English list (same words as the reference KILL.txt). */
KillList *kill_default(void);
/* Load a kill file the reference's way: each line lower-cased, split on
 * whitespace, every piece stripped of non-\w characters, non-empty pieces
 * kept. Errors (missing file, invalid UTF-8) die with the file name. */
KillList *kill_load(const char *path);
/* An empty list (kill_file = none). */
KillList *kill_empty(void);
bool kill_contains(const KillList *k, const char *word, size_t len);
size_t kill_count(const KillList *k);
/* The words, sorted (out: kill_count() pointers, valid while k lives). */
size_t kill_words(const KillList *k, const char **out);
KillList *kill_from_words(const char *const *w, size_t n);
void kill_free(KillList *k);

/* --- tokenizer ----------------------------------------------------------- */

/* Called for every token that survives the kill list, in order. word is
 * NUL-terminated and only valid during the call. Return nonzero to stop. */
typedef int (*TokenFn)(void *ctx, const char *word, size_t len);

typedef struct TokenStats {
    uint64_t words;   /* len(text.split()) of the raw text (before lower) */
    uint64_t tokens;  /* tokens kept after the kill list */
} TokenStats;

/* Tokenizer state; text can arrive in several chunks (a whole file as one
 * utterance is streamed). Chunks must be valid UTF-8 cut at code-point
 * boundaries; tokens may span chunk boundaries. */
typedef struct Tokenizer Tokenizer;
Tokenizer *tok_new(const KillList *kill, TokenFn fn, void *ctx);
/* Also call fn (same ctx; its return value is ignored) for every token
 * the kill list drops, e.g. to count words before the kill list. */
void tok_on_killed(Tokenizer *t, TokenFn fn);
/* Feed a chunk; returns nonzero if fn asked to stop. */
int tok_feed(Tokenizer *t, const char *s, size_t n);
/* End of the utterance: flush the last token; returns nonzero if fn asked
 * to stop. Resets the tokenizer for the next utterance. */
int tok_finish(Tokenizer *t);
/* Counts since tok_new (not reset by tok_finish). */
TokenStats tok_stats(const Tokenizer *t);
void tok_free(Tokenizer *t);

#endif
