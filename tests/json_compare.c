/*
 * json_compare.c — checks huey's JSON export against a reference output.
 *
 *   json-compare [--rtol 1e-9] [--keys network,vocabulary,...] EXPECTED.json ACTUAL.json
 *
 * EXPECTED is one of shared/data/expected/NAME.json (the reference
 * implementation's output), ACTUAL is huey's --json export in the same layout.
 * Each selected section is compared by its own rule: lists whose order carries
 * no meaning are compared as maps, integers and strings exactly, reals within
 * |a - e| <= rtol * max(1, |e|).  One line per section (`ok`, `FAIL` or
 * `skip`), then `OK` or `FAILED (n sections)`.
 *
 * The Galileo sections (gpu_class_galileo, web_torgerson_galileo) are
 * compared only when named in --keys, by their own rule (data README):
 * eigenvalues and sums within 1e-8 of the largest |λ|, labels and ids
 * exactly, coordinates up to eigenvector signs. ACTUAL may then also be
 * one space.json of `huey galileo` (the object alone, with its `method`).
 * Exit status: 0 every section passes, 1 some failed, 2 usage or parse error.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first few differences locate a bug; the rest would only bury them. */
enum { DIFFS_SHOWN = 5 };

/* What the comparison of one section found. */
typedef struct {
    double rtol;
    int n;                  /* differences found */
    int shown;              /* of them, spelled out in text */
    char text[2048];
    size_t checked;         /* numbers compared with tolerance */
    double max_abs, max_rel;
    char max_rel_at[192];   /* where max_rel was found */
} Diffs;

static void diff_add(Diffs *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void diff_add(Diffs *d, const char *fmt, ...)
{
    d->n++;
    if (d->shown >= DIFFS_SHOWN)
        return;
    size_t len = strlen(d->text);
    if (d->shown > 0 && len + 2 < sizeof d->text) {
        strcpy(d->text + len, "; ");
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text + len, sizeof d->text - len, fmt, ap);
    va_end(ap);
    d->shown++;
}

/* Compact JSON text of v for messages; long values are cut. */
static const char *json_text(json_t *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "(absent)");
        return buf;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
    snprintf(buf, n, "%s", s ? s : "?");
    free(s);
    return buf;
}

/* The tolerance rule of the end-to-end tests; jansson keeps integers and
 * reals apart, but the reference writes 0.0 where huey may write 0. */
static bool numbers_close(json_t *e, json_t *a, double rtol)
{
    if (!json_is_number(e) || !json_is_number(a))
        return false;
    double ev = json_number_value(e), av = json_number_value(a);
    return fabs(av - ev) <= rtol * fmax(1.0, fabs(ev));
}

static bool exact_equal(json_t *e, json_t *a)
{
    if (json_is_integer(e) && json_is_integer(a))
        return json_integer_value(e) == json_integer_value(a);
    if (json_is_number(e) && json_is_number(a))
        return json_number_value(e) == json_number_value(a);
    return json_equal(e, a);
}

static void exact_cmp(Diffs *d, const char *where, json_t *e, json_t *a)
{
    if (exact_equal(e, a))
        return;
    char eb[128], ab[128];
    diff_add(d, "%s: expected %s, actual %s", where,
             json_text(e, eb, sizeof eb), json_text(a, ab, sizeof ab));
}

/* Shortest %g text that reads back as x, so that messages show the numbers
 * as they appear in the files. */
static const char *real_text(double x, char *buf, size_t n)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

static void num_cmp(Diffs *d, const char *where, json_t *e, json_t *a)
{
    if (!json_is_number(e) || !json_is_number(a)) {
        exact_cmp(d, where, e, a);  /* e.g. null on both sides */
        return;
    }
    double ev = json_number_value(e), av = json_number_value(a);
    double abs_diff = fabs(av - ev), rel = abs_diff / fmax(1.0, fabs(ev));
    d->checked++;
    if (abs_diff > d->max_abs)
        d->max_abs = abs_diff;
    if (rel > d->max_rel) {
        d->max_rel = rel;
        snprintf(d->max_rel_at, sizeof d->max_rel_at, "%s", where);
    }
    if (!numbers_close(e, a, d->rtol)) {
        char eb[32], ab[32];
        diff_add(d, "%s: expected %s, actual %s (rel %.2g)", where,
                 real_text(ev, eb, sizeof eb), real_text(av, ab, sizeof ab), rel);
    }
}

/* Two sets of strings, order and repetition ignored. */
static void str_set_cmp(Diffs *d, const char *where, json_t *e, json_t *a)
{
    if (!json_is_array(e) || !json_is_array(a)) {
        diff_add(d, "%s: not a list in %s", where, json_is_array(e) ? "ACTUAL" : "EXPECTED");
        return;
    }
    json_t *in_e = json_object(), *in_a = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(e, i, v)
        if (json_is_string(v))
            json_object_set(in_e, json_string_value(v), json_true());
    json_array_foreach(a, i, v) {
        if (!json_is_string(v)) {
            diff_add(d, "%s: ACTUAL item %zu is not a string", where, i);
            continue;
        }
        json_object_set(in_a, json_string_value(v), json_true());
    }
    json_array_foreach(e, i, v)
        if (json_is_string(v) && !json_object_get(in_a, json_string_value(v))) {
            diff_add(d, "%s: missing \"%s\"", where, json_string_value(v));
            json_object_set(in_a, json_string_value(v), json_true());  /* report once */
        }
    json_array_foreach(a, i, v)
        if (json_is_string(v) && !json_object_get(in_e, json_string_value(v))) {
            diff_add(d, "%s: extra \"%s\"", where, json_string_value(v));
            json_object_set(in_e, json_string_value(v), json_true());
        }
    json_decref(in_e);
    json_decref(in_a);
}

/* Dotted path ("detection.confidence") into nested objects; NULL if absent. */
static json_t *get_path(json_t *obj, const char *path)
{
    char name[128];
    while (obj && *path) {
        size_t len = strcspn(path, ".");
        if (len >= sizeof name)
            return NULL;
        memcpy(name, path, len);
        name[len] = '\0';
        obj = json_is_object(obj) ? json_object_get(obj, name) : NULL;
        path += len + (path[len] == '.');
    }
    return obj;
}

typedef enum { F_EXACT, F_TOL, F_STRSET } FieldKind;
typedef struct {
    const char *path;
    FieldKind kind;
} Field;

/* Named fields of two objects; a field EXPECTED lacks is not checked (older
 * reference files), one ACTUAL lacks is a difference.  Returns the number of
 * fields compared. */
static size_t fields_cmp(Diffs *d, const char *prefix, json_t *e, json_t *a, const Field *fields)
{
    if (!json_is_object(e) || !json_is_object(a)) {
        diff_add(d, "%s: not an object in %s", prefix, json_is_object(e) ? "ACTUAL" : "EXPECTED");
        return 0;
    }
    size_t compared = 0;
    for (const Field *f = fields; f->path; f++) {
        json_t *ev = get_path(e, f->path);
        if (!ev)
            continue;
        char where[256];
        snprintf(where, sizeof where, "%s%s%s", prefix, *prefix ? "." : "", f->path);
        json_t *av = get_path(a, f->path);
        compared++;
        if (!av) {
            diff_add(d, "%s absent from ACTUAL", where);
            continue;
        }
        switch (f->kind) {
        case F_EXACT:  exact_cmp(d, where, ev, av); break;
        case F_TOL:    num_cmp(d, where, ev, av); break;
        case F_STRSET: str_set_cmp(d, where, ev, av); break;
        }
    }
    return compared;
}

/* A list of fixed-arity entries.  kind: 'k' integer key (the key columns
 * together identify the entry when the list is a map), 'n' number within
 * tolerance, 'e' exact value. */
typedef struct {
    const char *name;
    char kind;
} Column;

static size_t n_columns(const Column *cols)
{
    size_t n = 0;
    while (cols[n].name)
        n++;
    return n;
}

static bool entry_ok(json_t *entry, const Column *cols)
{
    if (!json_is_array(entry) || json_array_size(entry) != n_columns(cols))
        return false;
    for (size_t c = 0; cols[c].name; c++)
        if (cols[c].kind == 'k' && !json_is_integer(json_array_get(entry, c)))
            return false;
    return true;
}

/* "(i,j)" for a pair key, "id N" for a single one: the names the spec uses. */
static void entry_key(json_t *entry, const Column *cols, char *buf, size_t n)
{
    long long k[2] = {0, 0};
    int nk = 0;
    for (size_t c = 0; cols[c].name && nk < 2; c++)
        if (cols[c].kind == 'k')
            k[nk++] = json_integer_value(json_array_get(entry, c));
    if (nk == 1)
        snprintf(buf, n, "id %lld", k[0]);
    else
        snprintf(buf, n, "(%lld,%lld)", k[0], k[1]);
}

static void entry_values_cmp(Diffs *d, const char *label, json_t *e, json_t *a, const Column *cols)
{
    char where[640];
    for (size_t c = 0; cols[c].name; c++) {
        if (cols[c].kind == 'k')
            continue;
        snprintf(where, sizeof where, "%s %s", label, cols[c].name);
        if (cols[c].kind == 'n')
            num_cmp(d, where, json_array_get(e, c), json_array_get(a, c));
        else
            exact_cmp(d, where, json_array_get(e, c), json_array_get(a, c));
    }
}

/* Builds key -> entry for one side; malformed and repeated entries are
 * differences (a repeated key would hide a second, different value). */
static json_t *index_entries(Diffs *d, const char *side, json_t *list, const Column *cols)
{
    json_t *index = json_object();
    size_t i;
    json_t *entry;
    char key[64], buf[128];
    json_array_foreach(list, i, entry) {
        if (!entry_ok(entry, cols)) {
            diff_add(d, "%s entry %zu malformed: %s", side, i, json_text(entry, buf, sizeof buf));
            continue;
        }
        entry_key(entry, cols, key, sizeof key);
        if (json_object_get(index, key))
            diff_add(d, "%s has %s twice", side, key);
        else
            json_object_set(index, key, entry);
    }
    return index;
}

/* A list compared as a map from its key columns: same keys exactly, values
 * per column kind.  Missing keys are reported before extra ones and both
 * before values, so that a shifted id shows up as what it is. */
static void keyed_list_cmp(Diffs *d, json_t *e, json_t *a, const Column *cols, size_t *entries)
{
    if (!json_is_array(e) || !json_is_array(a)) {
        diff_add(d, "not a list in %s", json_is_array(e) ? "ACTUAL" : "EXPECTED");
        return;
    }
    json_t *e_index = index_entries(d, "EXPECTED", e, cols);
    json_t *a_index = index_entries(d, "ACTUAL", a, cols);
    const char *key;
    json_t *entry;
    json_object_foreach(e_index, key, entry)
        if (!json_object_get(a_index, key))
            diff_add(d, "missing %s", key);
    json_object_foreach(a_index, key, entry)
        if (!json_object_get(e_index, key))
            diff_add(d, "extra %s", key);
    json_object_foreach(e_index, key, entry) {
        json_t *got = json_object_get(a_index, key);
        if (got)
            entry_values_cmp(d, key, entry, got, cols);
    }
    *entries = json_object_size(e_index);
    json_decref(e_index);
    json_decref(a_index);
}

/* A list compared position by position (order is part of the result). */
static void positional_list_cmp(Diffs *d, const char *where, json_t *e, json_t *a, const Column *cols)
{
    if (!json_is_array(e) || !json_is_array(a)) {
        diff_add(d, "%s: not a list in %s", where, json_is_array(e) ? "ACTUAL" : "EXPECTED");
        return;
    }
    if (json_array_size(e) != json_array_size(a)) {
        diff_add(d, "%s: %zu entries expected, %zu actual", where, json_array_size(e), json_array_size(a));
        return;
    }
    char label[512], buf[128];
    for (size_t i = 0; i < json_array_size(e); i++) {
        json_t *ev = json_array_get(e, i), *av = json_array_get(a, i);
        snprintf(label, sizeof label, "%s[%zu]", where, i);
        if (!entry_ok(av, cols)) {
            diff_add(d, "%s malformed in ACTUAL: %s", label, json_text(av, buf, sizeof buf));
            continue;
        }
        if (entry_ok(ev, cols))
            entry_values_cmp(d, label, ev, av, cols);
    }
}

/* ---- sections -------------------------------------------------------- */

typedef void (*SectionFn)(Diffs *d, json_t *e, json_t *a, char *summary, size_t n);

static void cmp_vocabulary(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    if (!json_is_array(e) || !json_is_array(a)) {
        diff_add(d, "not a list in %s", json_is_array(e) ? "ACTUAL" : "EXPECTED");
        return;
    }
    /* word -> id for each side; the list order (by id) is then implied. */
    json_t *maps[2] = {json_object(), json_object()};
    json_t *lists[2] = {e, a};
    const char *sides[2] = {"EXPECTED", "ACTUAL"};
    char buf[128];
    for (int s = 0; s < 2; s++) {
        size_t i;
        json_t *item;
        json_array_foreach(lists[s], i, item) {
            json_t *word = json_object_get(item, "word"), *id = json_object_get(item, "id");
            if (!json_is_string(word) || !json_is_integer(id)) {
                diff_add(d, "%s entry %zu malformed: %s", sides[s], i, json_text(item, buf, sizeof buf));
                continue;
            }
            if (json_object_get(maps[s], json_string_value(word)))
                diff_add(d, "%s has \"%s\" twice", sides[s], json_string_value(word));
            else
                json_object_set(maps[s], json_string_value(word), id);
        }
    }
    const char *word;
    json_t *id;
    json_object_foreach(maps[0], word, id)
        if (!json_object_get(maps[1], word))
            diff_add(d, "missing \"%s\" (id %lld)", word, (long long)json_integer_value(id));
    json_object_foreach(maps[1], word, id)
        if (!json_object_get(maps[0], word))
            diff_add(d, "extra \"%s\" (id %lld)", word, (long long)json_integer_value(id));
    json_object_foreach(maps[0], word, id) {
        json_t *got = json_object_get(maps[1], word);
        if (got && json_integer_value(got) != json_integer_value(id))
            diff_add(d, "\"%s\": id expected %lld, actual %lld", word,
                     (long long)json_integer_value(id), (long long)json_integer_value(got));
    }
    snprintf(summary, n, "%zu words", json_object_size(maps[0]));
    json_decref(maps[0]);
    json_decref(maps[1]);
}

static const Column connection_cols[] = {{"i", 'k'}, {"j", 'k'}, {"w", 'n'}, {NULL, 0}};
static const Column mass_cols[] = {{"i", 'k'}, {"j", 'k'}, {"m", 'n'}, {NULL, 0}};
static const Column activation_cols[] = {{"id", 'k'}, {"a", 'n'}, {"living", 'e'}, {NULL, 0}};
static const Column ranking_cols[] = {{"id", 'k'}, {"word", 'e'}, {"mass", 'n'}, {NULL, 0}};
static const Column self_link_cols[] = {{"label", 'e'}, {"strength", 'n'}, {"mass", 'n'}, {NULL, 0}};

static void cmp_connections(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    size_t entries = 0;
    keyed_list_cmp(d, e, a, connection_cols, &entries);
    snprintf(summary, n, "%zu entries", entries);
}

static void cmp_inertial_mass(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    size_t entries = 0;
    keyed_list_cmp(d, e, a, mass_cols, &entries);
    snprintf(summary, n, "%zu entries", entries);
}

static void cmp_activations(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    size_t entries = 0;
    keyed_list_cmp(d, e, a, activation_cols, &entries);
    snprintf(summary, n, "%zu entries", entries);
}

/* The reference sorts by descending mass then ascending id; masses equal
 * within round-off may therefore come out in another order, so only
 * "descending up to tolerance" is required of ACTUAL. */
static void cmp_neuron_mass_ranking(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    size_t entries = 0;
    keyed_list_cmp(d, e, a, ranking_cols, &entries);
    if (json_is_array(a)) {
        json_t *prev = NULL;
        size_t i;
        json_t *entry;
        json_array_foreach(a, i, entry) {
            if (!entry_ok(entry, ranking_cols))
                continue;
            json_t *mass = json_array_get(entry, 2);
            if (prev && json_is_number(mass) && json_is_number(prev) &&
                json_number_value(mass) > json_number_value(prev) &&
                !numbers_close(prev, mass, d->rtol)) {
                char mb[32], pb[32];
                diff_add(d, "ACTUAL not descending at position %zu (id %lld): %s after %s", i,
                         (long long)json_integer_value(json_array_get(entry, 0)),
                         real_text(json_number_value(mass), mb, sizeof mb),
                         real_text(json_number_value(prev), pb, sizeof pb));
            }
            prev = mass;
        }
    }
    snprintf(summary, n, "%zu entries", entries);
}

static const Field network_fields[] = {
    {"neuron_id_counter", F_EXACT},
    {"living_neurons", F_EXACT},
    {"connections", F_EXACT},
    {"mass_entries", F_EXACT},
    {"activation_entries", F_EXACT},
    {"concept_neurons", F_EXACT},
    {"total_connection_weight", F_TOL},
    {"total_mass", F_TOL},
    {"stale_concept_neurons", F_STRSET},
    {NULL, 0},
};

static void cmp_network(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    snprintf(summary, n, "%zu fields", fields_cmp(d, "", e, a, network_fields));
}

static const Field input_fields[] = {
    {"words_processed", F_EXACT},
    {"tokens_after_kill_filter", F_EXACT},
    {"windows", F_EXACT},
    {"exchanges_total", F_EXACT},
    {"exchanges_processed", F_EXACT},
    {"whitespace_words_in_file", F_EXACT},
    {"sha256", F_EXACT},
    {"detection.strategy", F_EXACT},
    {"detection.confidence", F_TOL},
    {"detection.total_exchanges", F_EXACT},
    {"speakers", F_STRSET},
    {NULL, 0},
};

static void cmp_input(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    snprintf(summary, n, "%zu fields", fields_cmp(d, "", e, a, input_fields));
}

static const Field speaker_fields[] = {
    {"neuron_id", F_EXACT},  /* null when the speaker's neuron was evicted */
    {"blocks_processed", F_EXACT},
    {"self_concept_mass", F_TOL},
    {NULL, 0},
};

static const Field pronoun_fields[] = {
    {"neuron_id", F_EXACT},
    {"mass", F_TOL},
    {NULL, 0},
};

/* Same keys in two objects (order ignored); where names the object. */
static void key_set_cmp(Diffs *d, const char *where, json_t *e, json_t *a)
{
    const char *key;
    json_t *v;
    json_object_foreach(e, key, v)
        if (!json_object_get(a, key))
            diff_add(d, "%s: missing \"%s\"", where, key);
    json_object_foreach(a, key, v)
        if (!json_object_get(e, key))
            diff_add(d, "%s: extra \"%s\"", where, key);
}

static void self_concept_cmp(Diffs *d, const char *speaker, json_t *e, json_t *a)
{
    char where[256];
    snprintf(where, sizeof where, "%s.self_concept_neurons", speaker);
    if (!e)
        return;
    if (!a) {
        diff_add(d, "%s absent from ACTUAL", where);
        return;
    }
    if (!json_is_object(e) || !json_is_object(a)) {
        diff_add(d, "%s: not an object in %s", where, json_is_object(e) ? "ACTUAL" : "EXPECTED");
        return;
    }
    key_set_cmp(d, where, e, a);
    const char *pronoun;
    json_t *ep;
    json_object_foreach(e, pronoun, ep) {
        json_t *ap = json_object_get(a, pronoun);
        if (!ap)
            continue;
        char prefix[320];
        snprintf(prefix, sizeof prefix, "%s.%s", where, pronoun);
        fields_cmp(d, prefix, ep, ap, pronoun_fields);
        json_t *el = json_object_get(ep, "connections");
        if (!el)
            continue;
        json_t *al = json_object_get(ap, "connections");
        char lw[400];
        snprintf(lw, sizeof lw, "%s.connections", prefix);
        if (!al)
            diff_add(d, "%s absent from ACTUAL", lw);
        else
            positional_list_cmp(d, lw, el, al, self_link_cols);
    }
}

static void cmp_speakers(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    if (!json_is_object(e) || !json_is_object(a)) {
        diff_add(d, "not an object in %s", json_is_object(e) ? "ACTUAL" : "EXPECTED");
        return;
    }
    key_set_cmp(d, "speakers", e, a);
    const char *name;
    json_t *es;
    json_object_foreach(e, name, es) {
        json_t *as = json_object_get(a, name);
        if (!as)
            continue;
        fields_cmp(d, name, es, as, speaker_fields);
        if (json_is_object(es) && json_is_object(as))
            self_concept_cmp(d, name, json_object_get(es, "self_concept_neurons"),
                             json_object_get(as, "self_concept_neurons"));
    }
    snprintf(summary, n, "%zu speakers", json_object_size(e));
}


/* ---- Galileo spaces ------------------------------------------------------ */

/* The eigen rule: |a - e| <= 1e-8 · max|λ| (eigenvalues near 0 differ
 * more in relative terms between machines). */
static const double EIG_TOL = 1e-8;

static bool doubles_of(json_t *list, double *out, size_t n)
{
    if (!json_is_array(list) || json_array_size(list) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(list, i);
        if (!json_is_number(v))
            return false;
        out[i] = json_number_value(v);
    }
    return true;
}

/* An n×3 list of lists into out (n, 3) row-major. */
static bool rows3_of(json_t *list, double *out, size_t n)
{
    if (!json_is_array(list) || json_array_size(list) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!doubles_of(json_array_get(list, i), out + 3 * i, 3))
            return false;
    return true;
}

static void abs_cmp(Diffs *d, const char *where, double e, double a, double tol)
{
    double diff = fabs(a - e);
    d->checked++;
    if (diff > d->max_abs)
        d->max_abs = diff;
    if (diff > tol) {
        char eb[32], ab[32];
        diff_add(d, "%s: expected %s, actual %s (diff %.2g > %.2g)", where, real_text(e, eb, sizeof eb),
                 real_text(a, ab, sizeof ab), diff, tol);
    }
}

/* eigenvalues_desc and eigen_summary; returns the expected spectrum
 * (malloc'ed, *n entries) or NULL. */
static double *spectrum_cmp(Diffs *d, json_t *e, json_t *a, size_t *n, double *tol)
{
    json_t *ee = json_object_get(e, "eigenvalues_desc"), *ae = json_object_get(a, "eigenvalues_desc");
    *n = json_array_size(ee);
    double *ev = malloc((*n + 1) * sizeof *ev), *av = malloc((*n + 1) * sizeof *av);
    if (!doubles_of(ee, ev, *n) || !doubles_of(ae, av, *n)) {
        diff_add(d, "eigenvalues_desc: %zu expected, %zu actual (or not numbers)", *n, json_array_size(ae));
        free(ev);
        free(av);
        return NULL;
    }
    double big = 0.0;
    for (size_t i = 0; i < *n; i++)
        big = fmax(big, fabs(ev[i]));
    *tol = EIG_TOL * fmax(big, 1e-300);
    char where[64];
    for (size_t i = 0; i < *n; i++) {
        snprintf(where, sizeof where, "eigenvalues_desc[%zu]", i);
        abs_cmp(d, where, ev[i], av[i], *tol);
    }
    free(av);
    json_t *es = json_object_get(e, "eigen_summary"), *as = json_object_get(a, "eigen_summary");
    static const char *const counts[] = { "n", "n_positive", "n_negative", "n_zero" };
    for (size_t k = 0; k < 4; k++) {
        snprintf(where, sizeof where, "eigen_summary.%s", counts[k]);
        exact_cmp(d, where, json_object_get(es, counts[k]), json_object_get(as, counts[k]));
    }
    static const char *const sums[] = { "sum_positive", "sum_negative", "trace" };
    for (size_t k = 0; k < 3; k++) {
        snprintf(where, sizeof where, "eigen_summary.%s", sums[k]);
        json_t *x = json_object_get(es, sums[k]), *y = json_object_get(as, sums[k]);
        if (!json_is_number(x) || !json_is_number(y))
            exact_cmp(d, where, x, y);
        else   /* a sum of n eigenvalues, each within tol */
            abs_cmp(d, where, json_number_value(x), json_number_value(y), *tol * (double)(*n + 1));
    }
    num_cmp(d, "eigen_summary.warp_factor", json_object_get(es, "warp_factor"), json_object_get(as, "warp_factor"));
    return ev;
}

/* Top three eigenvalues too close to tell their vectors apart: the
 * coordinates are then not unique beyond the sign. */
static bool degenerate_top3(const double *ev, size_t n)
{
    double big = 0.0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(ev[i]));
    for (size_t i = 0; i < 3 && i + 1 < n; i++)
        if (ev[i] - ev[i + 1] <= 1e-6 * big)
            return true;
    return false;
}

static void cmp_gpu_galileo(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    exact_cmp(d, "labels", json_object_get(e, "labels"), json_object_get(a, "labels"));
    exact_cmp(d, "label_ids", json_object_get(e, "label_ids"), json_object_get(a, "label_ids"));
    exact_cmp(d, "matrix_size", json_object_get(e, "matrix_size"), json_object_get(a, "matrix_size"));
    size_t m;
    double tol;
    double *ev = spectrum_cmp(d, e, a, &m, &tol);
    if (!ev)
        return;
    double *ec = malloc((3 * m + 1) * sizeof *ec), *ac = malloc((3 * m + 1) * sizeof *ac);
    double *v = malloc((3 * m + 1) * sizeof *v), *c = malloc((3 * m + 1) * sizeof *c);
    const char *how = "";
    if (!rows3_of(json_object_get(e, "coordinates"), ec, m) || !rows3_of(json_object_get(a, "coordinates"), ac, m)) {
        diff_add(d, "coordinates: not %zu×3 numbers", m);
    } else if (m < 3) {
        for (size_t i = 0; i < 3 * m; i++)
            abs_cmp(d, "coordinates (zero below 3 concepts)", ec[i], ac[i], 0.0);
    } else if (degenerate_top3(ev, m)) {
        how = ", coordinates not compared (degenerate top eigenvalues)";
    } else if (!rows3_of(json_object_get(a, "eigenvectors_top3"), v, m)) {
        diff_add(d, "eigenvectors_top3 missing from ACTUAL: coordinates cannot be compared up to signs");
    } else {
        /* C = J_n·V·D·J_3·diag(√λ): try the 8 sign patterns D, keep the closest */
        double best = INFINITY, big = 0.0;
        for (size_t i = 0; i < 3 * m; i++)
            big = fmax(big, fabs(ec[i]));
        for (int pat = 0; pat < 8; pat++) {
            double col[3] = { 0, 0, 0 }, grand = 0.0, worst = 0.0;
            for (size_t i = 0; i < m; i++)
                for (int k = 0; k < 3; k++) {
                    c[3 * i + k] = v[3 * i + k] * ((pat >> k) & 1 ? -1.0 : 1.0);
                    col[k] += c[3 * i + k];
                }
            for (int k = 0; k < 3; k++) {
                grand += col[k];
                col[k] /= (double)m;
            }
            grand /= 3.0 * (double)m;
            for (size_t i = 0; i < m; i++) {
                double row = (c[3 * i] + c[3 * i + 1] + c[3 * i + 2]) / 3.0;
                for (int k = 0; k < 3; k++) {
                    double x = c[3 * i + k] - row - col[k] + grand;
                    if (ev[k] > 0)
                        x *= sqrt(ev[k]);
                    worst = fmax(worst, fabs(x - ec[3 * i + k]));
                }
            }
            best = fmin(best, worst);
        }
        abs_cmp(d, "coordinates (best of 8 eigenvector sign patterns)", 0.0, best, EIG_TOL * fmax(1.0, big));
    }
    snprintf(summary, n, "%zu concepts%s", m, how);
    free(ev); free(ec); free(ac); free(v); free(c);
}

static void cmp_web_galileo(Diffs *d, json_t *e, json_t *a, char *summary, size_t n)
{
    if (json_object_get(e, "error")) {
        if (!json_object_get(a, "error"))
            diff_add(d, "EXPECTED has an error (no space), ACTUAL has a space");
        snprintf(summary, n, "no space (error on both sides)");
        return;
    }
    static const char *const exact[] = { "num_concepts", "min_mass", "concept_ids", "concept_words", "matrix_size",
                                         "metric_signature_top3" };
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++)
        exact_cmp(d, exact[k], json_object_get(e, exact[k]), json_object_get(a, exact[k]));
    size_t m;
    double tol;
    double *ev = spectrum_cmp(d, e, a, &m, &tol);
    if (!ev)
        return;
    double top[2][3];
    if (!doubles_of(json_object_get(e, "selected_eigenvalues"), top[0], 3) ||
        !doubles_of(json_object_get(a, "selected_eigenvalues"), top[1], 3))
        diff_add(d, "selected_eigenvalues: not 3 numbers");
    else
        for (int k = 0; k < 3; k++)
            abs_cmp(d, "selected_eigenvalues", top[0][k], top[1][k], tol);
    num_cmp(d, "warp_factor", json_object_get(e, "warp_factor"), json_object_get(a, "warp_factor"));
    double *ep = malloc((3 * m + 1) * sizeof *ep), *ap = malloc((3 * m + 1) * sizeof *ap);
    const char *how = "";
    if (!rows3_of(json_object_get(e, "positions"), ep, m) || !rows3_of(json_object_get(a, "positions"), ap, m)) {
        diff_add(d, "positions: not %zu×3 numbers", m);
    } else if (degenerate_top3(ev, m)) {
        how = ", positions not compared (degenerate top eigenvalues)";
    } else {
        double big = 0.0;
        for (size_t i = 0; i < 3 * m; i++)
            big = fmax(big, fabs(ep[i]));
        for (int k = 0; k < 3; k++) {   /* each column up to its sign */
            double same = 0.0, flip = 0.0;
            for (size_t i = 0; i < m; i++) {
                same = fmax(same, fabs(ap[3 * i + k] - ep[3 * i + k]));
                flip = fmax(flip, fabs(ap[3 * i + k] + ep[3 * i + k]));
            }
            char where[64];
            snprintf(where, sizeof where, "positions column %d (up to its sign)", k);
            abs_cmp(d, where, 0.0, fmin(same, flip), EIG_TOL * fmax(1.0, big));
        }
    }
    snprintf(summary, n, "%zu concepts%s", m, how);
    free(ev); free(ep); free(ap);
}

typedef struct {
    const char *name;
    SectionFn fn;
    const char *method;     /* Galileo: only with --keys; `method` of a bare space.json */
} Section;

/* Also the default selection, in this order (but the Galileo sections). */
static const Section sections[] = {
    {"vocabulary", cmp_vocabulary, NULL},
    {"connections", cmp_connections, NULL},
    {"inertial_mass", cmp_inertial_mass, NULL},
    {"activations", cmp_activations, NULL},
    {"neuron_mass_ranking", cmp_neuron_mass_ranking, NULL},
    {"network", cmp_network, NULL},
    {"speakers", cmp_speakers, NULL},
    {"input", cmp_input, NULL},
    {"gpu_class_galileo", cmp_gpu_galileo, "assoc"},
    {"web_torgerson_galileo", cmp_web_galileo, "torgerson"},
};
enum { N_SECTIONS = sizeof sections / sizeof sections[0] };

/* ---- driver ---------------------------------------------------------- */

/* msg NULL: asked for with --help, to stdout and exit 0. */
static _Noreturn void usage(const char *msg)
{
    FILE *out = msg ? stderr : stdout;
    if (msg)
        fprintf(out, "json-compare: %s\n", msg);
    fprintf(out, "usage: json-compare [--rtol 1e-9] [--keys SECTION,...] EXPECTED.json ACTUAL.json\n"
                 "sections (default all):");
    for (int s = 0; s < N_SECTIONS; s++)
        fprintf(out, "%s%s", s ? "," : " ", sections[s].name);
    fprintf(out, "\n");
    exit(msg ? EXIT_USAGE : 0);
}

static json_t *load(const char *path)
{
    json_error_t err;
    /* A repeated key would silently keep only its last value. */
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!root && err.line > 0)
        die_usage("%s:%d:%d: %s", path, err.line, err.column, err.text);
    if (!root)
        die_usage("%s: %s", path, err.text);
    if (!json_is_object(root))
        die_usage("%s: top level is not a JSON object", path);
    return root;
}

/* Marks the sections named in a comma-separated list. */
static void select_sections(const char *list, bool *selected)
{
    char *copy = xstrdup(list);
    int count = 0;
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int s = 0;
        while (s < N_SECTIONS && strcmp(sections[s].name, name) != 0)
            s++;
        if (s == N_SECTIONS) {
            char msg[256];
            snprintf(msg, sizeof msg, "unknown section '%s'", name);
            usage(msg);
        }
        selected[s] = true;
        count++;
    }
    free(copy);
    if (count == 0)
        usage("--keys needs at least one section");
}

static void print_result(const char *name, const Diffs *d, const char *summary)
{
    if (d->n == 0) {
        printf("ok   %s %s", name, summary);
        if (d->checked > 0)
            printf(", max abs diff %.3g, max rel diff %.3g", d->max_abs, d->max_rel);
        printf("\n");
        return;
    }
    printf("FAIL %s %d difference%s: %s", name, d->n, d->n == 1 ? "" : "s", d->text);
    if (d->n > d->shown)
        printf("; (+%d more)", d->n - d->shown);
    if (d->max_rel > d->rtol)
        printf("; worst rel diff %.3g at %s", d->max_rel, d->max_rel_at);
    printf("\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    double rtol = 1e-9;
    bool selected[N_SECTIONS] = {false};
    bool keys_given = false;
    const char *paths[2];
    int n_paths = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            usage(NULL);
        if (strncmp(arg, "--rtol", 6) == 0 || strncmp(arg, "--keys", 6) == 0) {
            if (arg[6] == '=')
                val = arg + 7;
            else if (arg[6] == '\0' && i + 1 < argc)
                val = argv[++i];
            else if (arg[6] == '\0')
                usage("option needs a value");
        }
        if (val && strncmp(arg, "--rtol", 6) == 0) {
            char *end;
            rtol = strtod(val, &end);
            if (end == val || *end || !(rtol >= 0) || !isfinite(rtol))
                usage("--rtol needs a finite number >= 0");
        } else if (val) {
            select_sections(val, selected);
            keys_given = true;
        } else if (arg[0] == '-' && arg[1]) {
            char msg[256];
            snprintf(msg, sizeof msg, "unknown option '%s'", arg);
            usage(msg);
        } else if (n_paths < 2) {
            paths[n_paths++] = arg;
        } else {
            usage("too many arguments");
        }
    }
    if (n_paths != 2)
        usage("need EXPECTED.json and ACTUAL.json");
    if (!keys_given)
        for (int s = 0; s < N_SECTIONS; s++)
            selected[s] = !sections[s].method;

    json_t *expected = load(paths[0]);
    json_t *actual = load(paths[1]);

    int failed = 0;
    for (int s = 0; s < N_SECTIONS; s++) {
        if (!selected[s])
            continue;
        const char *name = sections[s].name;
        json_t *e = json_object_get(expected, name), *a = json_object_get(actual, name);
        json_t *m = json_object_get(actual, "method");
        if (!a && sections[s].method && json_is_string(m) && !strcmp(json_string_value(m), sections[s].method))
            a = actual;   /* a space.json of huey galileo */
        if (!e) {
            printf("skip %s absent from EXPECTED\n", name);
            continue;
        }
        if (!a) {
            printf("FAIL %s absent from ACTUAL\n", name);
            failed++;
            continue;
        }
        Diffs d = {.rtol = rtol};
        char summary[128] = "";
        sections[s].fn(&d, e, a, summary, sizeof summary);
        print_result(name, &d, summary);
        failed += d.n > 0;
    }

    json_decref(expected);
    json_decref(actual);
    if (failed) {
        printf("FAILED (%d sections)\n", failed);
        return EXIT_INPUT;
    }
    printf("OK\n");
    return 0;
}
