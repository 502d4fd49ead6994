/*
 * json.h — a small streaming JSON writer.
 *
 * Doubles are printed the way Python's repr() prints them (shortest string
 * that reads back to the same double, exponent form below 1e-4 and from
 * 1e16), so equal networks give byte-equal files and the output diffs
 * cleanly against the reference's. Keys are written in the order the
 * caller writes them; the writer only tracks commas and nesting.
 */
#ifndef HUEY_JSON_H
#define HUEY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { JSON_MAX_DEPTH = 32 };

typedef struct JsonWriter {
    FILE *f;
    int depth;
    bool first[JSON_MAX_DEPTH];  /* no element written yet at this level */
    bool after_key;              /* a key was written, its value comes next */
    bool pretty;                 /* newline + indent before top-level keys */
} JsonWriter;

void json_init(JsonWriter *j, FILE *f);
void json_begin_object(JsonWriter *j);
void json_end_object(JsonWriter *j);
void json_begin_array(JsonWriter *j);
void json_end_array(JsonWriter *j);
void json_key(JsonWriter *j, const char *key);
void json_string(JsonWriter *j, const char *s);
void json_string_n(JsonWriter *j, const char *s, size_t n);
void json_int(JsonWriter *j, int64_t v);
void json_uint(JsonWriter *j, uint64_t v);
void json_double(JsonWriter *j, double v);
void json_bool(JsonWriter *j, bool v);
void json_null(JsonWriter *j);

/* Python repr() of a double into buf (>= 32 bytes); returns the length.
 * Non-finite values print as Infinity / -Infinity / NaN like json.dumps. */
int fmt_double(char *buf, double v);

#endif
