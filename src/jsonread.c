/*
 * jsonread.c — recursive-descent JSON reader into a Jv tree, and the
 * Galileo space reader on top of it (jsonread.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "jsonread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { JV_MAX_DEPTH = 512 };   /* deeper documents are refused, not a stack overflow */

typedef struct Parser {
    const char *s, *end;
    int line;
    int depth;
    char *err;
    size_t errsz;
    bool failed;
} Parser;

static void fail(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(Parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    int k = snprintf(p->err, p->errsz, "line %d: ", p->line);
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < p->errsz)
        vsnprintf(p->err + k, p->errsz - (size_t)k, fmt, ap);
    va_end(ap);
}

static void skip_ws(Parser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) {
        p->line += *p->s == '\n';
        p->s++;
    }
}

static bool lit(Parser *p, const char *w)
{
    size_t l = strlen(w);
    if ((size_t)(p->end - p->s) >= l && !memcmp(p->s, w, l)) {
        p->s += l;
        return true;
    }
    return false;
}

static void put_utf8(char *out, size_t *len, unsigned long cp)
{
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xc0 | (cp >> 6));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*len)++] = (char)(0xe0 | (cp >> 12));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*len)++] = (char)(0xf0 | (cp >> 18));
        out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static bool hex4(Parser *p, unsigned long *v)
{
    if (p->end - p->s < 4)
        return false;
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = *p->s++;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        *v = *v * 16 + (unsigned long)d;
    }
    return true;
}

/* A string; p->s is after the opening quote. Escapes only shrink text,
 * so the raw length bounds the decoded one. */
static char *parse_string(Parser *p, size_t *out_len)
{
    const char *q = p->s;
    while (q < p->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= p->end) {
        fail(p, "unterminated string");
        return NULL;
    }
    char *out = xmalloc((size_t)(q - p->s) + 1);
    size_t len = 0;
    while (*p->s != '"') {
        unsigned char c = (unsigned char)*p->s++;
        if (c < 0x20) {
            fail(p, "control character in a string");
            break;
        }
        if (c != '\\') {
            out[len++] = (char)c;
            continue;
        }
        char e = *p->s++;
        unsigned long cp;
        switch (e) {
        case '"': out[len++] = '"'; break;
        case '\\': out[len++] = '\\'; break;
        case '/': out[len++] = '/'; break;
        case 'b': out[len++] = '\b'; break;
        case 'f': out[len++] = '\f'; break;
        case 'n': out[len++] = '\n'; break;
        case 'r': out[len++] = '\r'; break;
        case 't': out[len++] = '\t'; break;
        case 'u':
            if (!hex4(p, &cp)) {
                fail(p, "bad \\u escape");
                break;
            }
            if (cp >= 0xd800 && cp < 0xdc00) {
                unsigned long lo;
                if (!lit(p, "\\u") || !hex4(p, &lo) || lo < 0xdc00 || lo >= 0xe000) {
                    fail(p, "unpaired surrogate in a \\u escape");
                    break;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                fail(p, "unpaired surrogate in a \\u escape");
                break;
            }
            put_utf8(out, &len, cp);
            break;
        default:
            fail(p, "bad escape \\%c", e);
        }
        if (p->failed)
            break;
    }
    if (p->failed) {
        free(out);
        return NULL;
    }
    p->s++;   /* closing quote */
    out[len] = '\0';
    *out_len = len;
    return out;
}

static bool parse_value(Parser *p, Jv *v);

static void jv_clear(Jv *v)
{
    if (v->type == JV_STRING)
        free(v->str);
    if (v->type == JV_ARRAY || v->type == JV_OBJECT) {
        for (size_t k = 0; k < v->n; k++) {
            jv_clear(&v->item[k]);
            if (v->key)
                free(v->key[k]);
        }
        free(v->item);
        free(v->key);
    }
    memset(v, 0, sizeof *v);
}

static bool parse_container(Parser *p, Jv *v, bool object)
{
    char close = object ? '}' : ']';
    size_t cap = 0;
    v->type = object ? JV_OBJECT : JV_ARRAY;
    if (++p->depth > JV_MAX_DEPTH) {
        fail(p, "nested deeper than %d", JV_MAX_DEPTH);
        return false;
    }
    skip_ws(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        p->depth--;
        return true;
    }
    for (;;) {
        skip_ws(p);
        char *key = NULL;
        if (object) {
            size_t kl;
            if (p->s >= p->end || *p->s != '"') {
                fail(p, "expected a key");
                return false;
            }
            p->s++;
            if (!(key = parse_string(p, &kl)))
                return false;
            skip_ws(p);
            if (p->s >= p->end || *p->s != ':') {
                free(key);
                fail(p, "expected ':'");
                return false;
            }
            p->s++;
        }
        if (v->n == cap) {
            size_t c0 = cap;
            GROW(v->item, cap, v->n + 1);
            if (object)
                v->key = xrealloc(v->key, cap * sizeof *v->key);
            memset(v->item + c0, 0, (cap - c0) * sizeof *v->item);
        }
        if (object)
            v->key[v->n] = key;
        v->n++;
        if (!parse_value(p, &v->item[v->n - 1]))
            return false;
        skip_ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            p->depth--;
            return true;
        }
        fail(p, "expected ',' or '%c'", close);
        return false;
    }
}

static bool parse_number(Parser *p, Jv *v)
{
    const char *q = p->s;
    if (q < p->end && *q == '-')
        q++;
    if (q >= p->end || !(*q >= '0' && *q <= '9')) {
        fail(p, "unexpected character '%c'", *p->s);
        return false;
    }
    while (q < p->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-'))
        q++;
    char buf[64];
    if ((size_t)(q - p->s) >= sizeof buf) {
        fail(p, "number too long");
        return false;
    }
    memcpy(buf, p->s, (size_t)(q - p->s));
    buf[q - p->s] = '\0';
    char *e;
    errno = 0;
    v->num = strtod(buf, &e);
    if (*e) {
        fail(p, "bad number '%s'", buf);
        return false;
    }
    v->type = JV_NUMBER;
    p->s = q;
    return true;
}

static bool parse_value(Parser *p, Jv *v)
{
    skip_ws(p);
    if (p->s >= p->end) {
        fail(p, "unexpected end of input");
        return false;
    }
    char c = *p->s;
    if (c == '{' || c == '[') {
        p->s++;
        return parse_container(p, v, c == '{');
    }
    if (c == '"') {
        p->s++;
        v->str = parse_string(p, &v->len);
        if (!v->str)
            return false;
        v->type = JV_STRING;
        return true;
    }
    if (lit(p, "true") || lit(p, "false")) {
        v->type = JV_BOOL;
        v->b = p->s[-1] == 'e' && p->s[-2] == 'u';
        return true;
    }
    if (lit(p, "null")) {
        v->type = JV_NULL;
        return true;
    }
    double special = lit(p, "NaN") ? NAN : lit(p, "Infinity") ? INFINITY : lit(p, "-Infinity") ? -INFINITY : 0;
    if (special != 0 || isnan(special)) {
        v->type = JV_NUMBER;
        v->num = special;
        return true;
    }
    return parse_number(p, v);
}

Jv *jv_parse(const char *text, size_t len, char *err, size_t errsz)
{
    Parser p = { text, text + len, 1, 0, err, errsz, false };
    Jv *v = xcalloc(1, sizeof *v);
    if (parse_value(&p, v)) {
        skip_ws(&p);
        if (p.s != p.end)
            fail(&p, "text after the JSON value");
    }
    if (p.failed) {
        jv_free(v);
        return NULL;
    }
    return v;
}

Jv *jv_load(const char *path)
{
    size_t len;
    char *buf = read_path(path, &len);
    if (!buf)
        die("%s: %s", path, strerror(errno));
    char err[256];
    Jv *v = jv_parse(buf, len, err, sizeof err);
    free(buf);
    if (!v)
        die("%s: not JSON: %s", path, err);
    return v;
}

void jv_free(Jv *v)
{
    if (!v)
        return;
    jv_clear(v);
    free(v);
}

const Jv *jv_get(const Jv *v, const char *key)
{
    if (!v || v->type != JV_OBJECT)
        return NULL;
    for (size_t k = 0; k < v->n; k++)
        if (!strcmp(v->key[k], key))
            return &v->item[k];
    return NULL;
}

/* ---- Galileo spaces -------------------------------------------------------- */

static const Jv *either(const Jv *o, const char *k1, const char *k2)
{
    const Jv *v = jv_get(o, k1);
    return v ? v : jv_get(o, k2);
}

static bool holds_space(const Jv *o)
{
    return either(o, "coordinates", "positions") != NULL;
}

SpaceData *space_read_json(const char *path, const char *object)
{
    Jv *root = jv_load(path);
    if (root->type != JV_OBJECT)
        die("%s: expected a JSON object at the top level", path);
    const Jv *o = NULL;
    const char *where = NULL;
    if (object) {
        o = jv_get(root, object);
        where = object;
        if (!o)
            die("%s: no object \"%s\"", path, object);
    } else if (holds_space(root)) {
        o = root;
        where = "top level";
    } else {
        static const char *const known[] = { "web_torgerson_galileo", "gpu_class_galileo" };
        for (size_t k = 0; k < 2 && !o; k++)
            if ((o = jv_get(root, known[k])) != NULL)
                where = known[k];
        if (!o)
            die("%s: no space in it (no coordinates/positions at the top level, no web_torgerson_galileo or "
                "gpu_class_galileo)", path);
    }
    const Jv *err = jv_get(o, "error");
    if (err && err->type == JV_STRING && !holds_space(o))
        die("%s: %s holds no space: %s", path, where, err->str);
    const Jv *lab = either(o, "labels", "concept_words");
    const Jv *xy = either(o, "coordinates", "positions");
    if (!lab || lab->type != JV_ARRAY)
        die("%s: %s: no \"labels\" or \"concept_words\" array", path, where);
    if (!xy || xy->type != JV_ARRAY)
        die("%s: %s: no \"coordinates\" or \"positions\" array", path, where);
    if (lab->n != xy->n)
        die("%s: %s: %zu labels but %zu coordinate rows", path, where, lab->n, xy->n);
    SpaceData *s = xcalloc(1, sizeof *s);
    s->n = lab->n;
    s->d = s->n ? xy->item[0].n : 0;
    s->object = xstrdup(where);
    s->label = xcalloc(s->n + 1, sizeof *s->label);
    s->x = xmalloc((s->n * s->d + 1) * sizeof *s->x);
    for (size_t i = 0; i < s->n; i++) {
        const Jv *l = &lab->item[i], *row = &xy->item[i];
        if (l->type != JV_STRING)
            die("%s: %s: label %zu is not a string", path, where, i);
        if (strlen(l->str) != l->len)
            die("%s: %s: label %zu holds a NUL character", path, where, i);
        s->label[i] = xstrdup(l->str);
        if (row->type != JV_ARRAY || row->n != s->d)
            die("%s: %s: coordinate row %zu is not %zu numbers", path, where, i, s->d);
        for (size_t k = 0; k < s->d; k++) {
            if (row->item[k].type != JV_NUMBER)
                die("%s: %s: coordinate (%zu, %zu) is not a number", path, where, i, k);
            s->x[i * s->d + k] = row->item[k].num;
        }
    }
    s->lambda = xmalloc((s->d + 1) * sizeof *s->lambda);
    const Jv *sel = jv_get(o, "selected_eigenvalues"), *all = jv_get(o, "eigenvalues_desc");
    const Jv *ev = sel && sel->type == JV_ARRAY && sel->n == s->d ? sel : all && all->type == JV_ARRAY ? all : NULL;
    for (size_t k = 0; k < s->d; k++) {
        s->lambda[k] = NAN;
        if (ev && k < ev->n) {
            if (ev->item[k].type != JV_NUMBER)
                die("%s: %s: eigenvalue %zu is not a number", path, where, k);
            s->lambda[k] = ev->item[k].num;
        }
    }
    jv_free(root);
    return s;
}

void space_data_free(SpaceData *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->label[i]);
    free(s->label);
    free(s->x);
    free(s->lambda);
    free(s->object);
    free(s);
}
