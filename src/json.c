/*
 * json.c — streaming JSON writer with Python-repr doubles.
 */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int fmt_double(char *buf, double v)
{
    if (isnan(v))
        return sprintf(buf, "NaN");
    if (isinf(v))
        return sprintf(buf, v > 0 ? "Infinity" : "-Infinity");
    if (v == 0.0)
        return sprintf(buf, signbit(v) ? "-0.0" : "0.0");

    /* Shortest precision that round-trips (what repr() does). */
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e = "[-]d.ddde[+-]XX": split digits and exponent. */
    char digits[24];
    int nd = 0;
    const char *s = e;
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';

    char *o = buf;
    if (neg)
        *o++ = '-';
    if (exp10 < -4 || exp10 >= 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        o += sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -exp10 - 1; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else {
        for (int i = 0; i <= exp10; i++)
            *o++ = i < nd ? digits[i] : '0';
        *o++ = '.';
        if (nd > exp10 + 1) {
            memcpy(o, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
            o += nd - exp10 - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = '\0';
    return (int)(o - buf);
}

void json_init(JsonWriter *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->first[0] = true;
    j->pretty = true;
}

/* Comma/indent before a value or key at the current level. */
static void before_value(JsonWriter *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        fputs(", ", j->f);
    j->first[j->depth] = false;
}

static void open_level(JsonWriter *j, char c)
{
    before_value(j);
    fputc(c, j->f);
    if (j->depth + 1 >= JSON_MAX_DEPTH) {
        fprintf(stderr, "huey: json.c: nesting too deep\n");
        abort();
    }
    j->depth++;
    j->first[j->depth] = true;
}

static void close_level(JsonWriter *j, char c)
{
    j->depth--;
    if (j->pretty && j->depth == 0 && c == '}')
        fputc('\n', j->f);
    fputc(c, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void json_begin_object(JsonWriter *j) { open_level(j, '{'); }
void json_end_object(JsonWriter *j) { close_level(j, '}'); }
void json_begin_array(JsonWriter *j) { open_level(j, '['); }
void json_end_array(JsonWriter *j) { close_level(j, ']'); }

void json_string_n(JsonWriter *j, const char *s, size_t n)
{
    before_value(j);
    FILE *f = j->f;
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void json_string(JsonWriter *j, const char *s) { json_string_n(j, s, strlen(s)); }

void json_key(JsonWriter *j, const char *key)
{
    if (j->pretty && j->depth == 1) {
        if (!j->first[1])
            fputc(',', j->f);
        j->first[1] = false;
        fputs("\n  ", j->f);
        j->after_key = true; /* suppress the comma logic for the key itself */
        json_string(j, key);
    } else {
        json_string(j, key);
    }
    fputs(": ", j->f);
    j->after_key = true;
}

void json_int(JsonWriter *j, int64_t v)
{
    before_value(j);
    fprintf(j->f, "%lld", (long long)v);
}

void json_uint(JsonWriter *j, uint64_t v)
{
    before_value(j);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_double(JsonWriter *j, double v)
{
    char buf[40];
    before_value(j);
    fmt_double(buf, v);
    fputs(buf, j->f);
}

void json_bool(JsonWriter *j, bool v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->f);
}

void json_null(JsonWriter *j)
{
    before_value(j);
    fputs("null", j->f);
}
