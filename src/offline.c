/*
 * offline.c — loading a checkpoint for analysis, and the info, concepts
 * and export commands (query: query.c; report and the reference-json
 * export: report.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "json.h"
#include "params.h"
#include "util.h"

typedef struct ReadParams {
    Params *p;
    Ckpt *c;
    const char *where;
} ReadParams;

static void read_param(void *ctx, const char *key, const char *value)
{
    ReadParams *r = ctx;
    (void)value;
    if (params_is_run_control(key) || !ckpt_has_attr(r->c, key))
        return;
    char *v = ckpt_get_str(r->c, key);
    params_set(r->p, key, v, r->where);
    free(v);
}

void offline_read_params(Ckpt *c, Params *p, const char *where)
{
    ckpt_group(c, "/params");
    ReadParams r = { p, c, where };
    Params keys;
    params_default(&keys);
    params_each(&keys, read_param, &r);
}

const char *offline_conversation;

Loaded *offline_load(const char *path)
{
    Loaded *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    Ckpt *c = ckpt_open_conversation(path, offline_conversation);
    ckpt_group(c, "/");
    l->huey_version = ckpt_has_attr(c, "huey_version") ? ckpt_get_str(c, "huey_version") : NULL;
    Params p;
    params_default(&p);
    offline_read_params(c, &p, ckpt_path(c));
    params_validate(&p);

    ckpt_group(c, "/kill_list");
    size_t nk;
    char **kw = ckpt_get_strings(c, "word", &nk);
    for (size_t k = 0; k < nk; k++)
        free(kw[k]);
    free(kw);
    l->n_kill_words = nk;

    l->net = net_create(&p, &backend_cpu_ops, 0, 1);
    net_load(l->net, c);

    ckpt_group(c, "/input");
    RunInfo *ri = &l->info;
    ri->nranks = 1;
    ri->n_kill_words = nk;
    char *stop = ckpt_get_str(c, "stop_reason");
    ri->stopped_early = stop[0] != '\0';
    ri->stop_reason = stop[0] ? stop : NULL;
    if (!stop[0])
        free(stop);
    size_t nf, k;
    char **paths = ckpt_get_strings(c, "path", &nf);
    char **sums = ckpt_get_strings(c, "sha256", &k);
    if (k != nf)
        die("checkpoint %s: damaged or foreign file: input tables of different lengths", path);
    char **strat = ckpt_get_strings(c, "strategy", &k);
    if (k != nf)
        die("checkpoint %s: damaged or foreign file: input tables of different lengths", path);
    double *conf = ckpt_get_array_n(c, "confidence", CK_F64, nf);
    int64_t *done = ckpt_get_array_n(c, "utterances_done", CK_I64, nf);
    int64_t *words = ckpt_get_array_n(c, "words", CK_I64, nf);
    int64_t *toks = ckpt_get_array_n(c, "tokens", CK_I64, nf);
    int64_t *wins = ckpt_get_array_n(c, "windows", CK_I64, nf);
    int64_t *exch = ckpt_get_array_n(c, "exchanges_total", CK_I64, nf);
    int64_t *ws = ckpt_get_array_n(c, "whitespace_words", CK_I64, nf);
    int64_t *bytes = ckpt_get_array_n(c, "bytes", CK_I64, nf);
    ri->files = xcalloc(nf + 1, sizeof *ri->files);
    ri->nfiles = nf;
    for (size_t f = 0; f < nf; f++) {
        InputFile *in = &ri->files[f];
        in->path = paths[f];
        snprintf(in->det.sha256, sizeof in->det.sha256, "%s", sums[f]);
        snprintf(in->det.strategy, sizeof in->det.strategy, "%s", strat[f]);
        in->det.confidence = conf[f];
        in->det.total_exchanges = (uint64_t)exch[f];
        in->det.whitespace_words = (uint64_t)ws[f];
        in->det.bytes = (uint64_t)bytes[f];
        in->utterances_done = (uint64_t)done[f];
        in->words = (uint64_t)words[f];
        in->tokens = (uint64_t)toks[f];
        in->windows = (uint64_t)wins[f];
        free(sums[f]);
        free(strat[f]);
    }
    free(paths); free(sums); free(strat); free(conf); free(done); free(words); free(toks); free(wins);
    free(exch); free(ws); free(bytes);
    ckpt_close(c);

    l->self = xcalloc(l->net->nspeakers + 1, sizeof *l->self);
    for (size_t s = 0; s < l->net->nspeakers; s++)
        net_self_concept(l->net, s, &l->self[s]);
    net_outputs(l->net, &l->out);
    return l;
}

void offline_free(Loaded *l)
{
    if (!l)
        return;
    for (size_t f = 0; f < l->info.nfiles; f++)
        free(l->info.files[f].path);
    free(l->info.files);
    free((char *)l->info.stop_reason);
    net_outputs_free(&l->out);
    free(l->self);
    net_free(l->net);
    free(l->path);
    free(l->huey_version);
    free(l);
}

/* ---- info -------------------------------------------------------------------- */

static void print_param(void *ctx, const char *key, const char *value)
{
    (void)ctx;
    if (!params_is_run_control(key))
        printf("  %-32s %s\n", key, value);
}

static void json_param(void *ctx, const char *key, const char *value)
{
    if (!params_is_run_control(key)) {
        json_key(ctx, key);
        json_string(ctx, value);
    }
}

static void info_json(const Loaded *l)
{
    const Net *n = l->net;
    JsonWriter jw, *j = &jw;
    json_init(j, stdout);
    json_begin_object(j);
    json_key(j, "checkpoint"); json_string(j, l->path);
    json_key(j, "format_version"); json_int(j, CKPT_FORMAT_VERSION);
    json_key(j, "written_by_huey");
    if (l->huey_version)
        json_string(j, l->huey_version);
    else
        json_null(j);
    json_key(j, "network");
    json_begin_object(j);
    json_key(j, "living_neurons"); json_int(j, n->nliving);
    json_key(j, "ids_issued"); json_int(j, n->id_counter);
    json_key(j, "connections"); json_uint(j, l->out.nedges);
    json_key(j, "concepts"); json_uint(j, n->nconcepts);
    json_key(j, "evictions"); json_uint(j, n->c.evictions);
    json_end_object(j);
    json_key(j, "learnt");
    json_begin_object(j);
    json_key(j, "utterances"); json_uint(j, n->c.utterances);
    json_key(j, "words"); json_uint(j, n->c.words);
    json_key(j, "tokens"); json_uint(j, n->c.tokens);
    json_key(j, "windows"); json_uint(j, n->c.windows);
    json_end_object(j);
    json_key(j, "speakers");
    json_begin_array(j);
    for (size_t s = 0; s < n->nspeakers; s++) {
        json_begin_object(j);
        json_key(j, "name"); json_string(j, n->speakers[s].name);
        json_key(j, "utterances"); json_uint(j, n->speakers[s].blocks);
        json_key(j, "self_concept_mass"); json_double(j, l->self[s].mass);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "inputs");
    json_begin_array(j);
    for (size_t f = 0; f < l->info.nfiles; f++) {
        const InputFile *in = &l->info.files[f];
        json_begin_object(j);
        json_key(j, "path"); json_string(j, in->path);
        json_key(j, "sha256"); json_string(j, in->det.sha256);
        json_key(j, "strategy"); json_string(j, in->det.strategy);
        json_key(j, "confidence"); json_double(j, in->det.confidence);
        json_key(j, "utterances_done"); json_uint(j, in->utterances_done);
        json_key(j, "exchanges_total"); json_uint(j, in->det.total_exchanges);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "complete"); json_bool(j, !l->info.stopped_early);
    json_key(j, "stop_reason"); json_string(j, l->info.stopped_early ? l->info.stop_reason : "");
    json_key(j, "in_utterance"); json_bool(j, n->in_utterance);
    json_key(j, "settings");
    json_begin_object(j);
    params_each(&n->p, json_param, j);
    json_end_object(j);
    json_end_object(j);
    fputc('\n', stdout);
}

/* A batch file: its conversations, each with its summary line. */
static int batch_info(const char *path, bool as_json)
{
    size_t n;
    char **names = ckpt_conversations(path, &n);
    JsonWriter jw, *j = as_json ? &jw : NULL;
    if (j) {
        json_init(j, stdout);
        json_begin_object(j);
        json_key(j, "batch");
        json_string(j, path);
        json_key(j, "conversations");
        json_begin_array(j);
    } else {
        printf("batch file %s: %zu conversations (pick one with --conversation NAME)\n", path, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (j)
            json_string(j, names[i]);
        else
            printf("  %s\n", names[i]);
        free(names[i]);
    }
    free(names);
    if (j) {
        json_end_array(j);
        json_end_object(j);
        fputc('\n', stdout);
    }
    return 0;
}

int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    bool as_json = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = true;
        else if (argv[i][0] == '-' || path)
            die_usage("usage: huey info FILE.h5 [--json]");
        else
            path = argv[i];
    }
    if (!path)
        die_usage("usage: huey info FILE.h5 [--json]");
    if (!offline_conversation && ckpt_is_batch(path))
        return batch_info(path, as_json);
    Loaded *l = offline_load(path);
    const Net *n = l->net;
    if (as_json) {
        info_json(l);
        offline_free(l);
        return 0;
    }
    printf("checkpoint %s (format version %d, written by huey %s)\n", l->path, CKPT_FORMAT_VERSION,
           l->huey_version ? l->huey_version : "of a version that did not record it");
    printf("network: %d living neurons, %lld ids issued, %zu connections, %zu concepts, %llu evictions\n",
           n->nliving, (long long)n->id_counter, l->out.nedges, n->nconcepts, (unsigned long long)n->c.evictions);
    printf("learnt from: %llu utterances, %llu words, %llu tokens, %llu windows\n",
           (unsigned long long)n->c.utterances, (unsigned long long)n->c.words, (unsigned long long)n->c.tokens,
           (unsigned long long)n->c.windows);
    printf("speakers: %zu\n", n->nspeakers);
    for (size_t s = 0; s < n->nspeakers; s++)
        printf("  %-20s %6llu utterances, self-concept mass %.6g\n", n->speakers[s].name,
               (unsigned long long)n->speakers[s].blocks, l->self[s].mass);
    printf("input (%zu file%s):\n", l->info.nfiles, l->info.nfiles == 1 ? "" : "s");
    for (size_t f = 0; f < l->info.nfiles; f++) {
        const InputFile *in = &l->info.files[f];
        printf("  %s  sha256 %.12s…  %s %.3g, %llu of %llu utterances\n", in->path, in->det.sha256,
               in->det.strategy, in->det.confidence, (unsigned long long)in->utterances_done,
               (unsigned long long)in->det.total_exchanges);
    }
    if (l->info.stopped_early)
        printf("stopped early (%s)%s; huey run --resume %s goes on\n", l->info.stop_reason,
               n->in_utterance ? ", inside an utterance" : "", l->path);
    else
        printf("complete: every input was read\n");
    printf("settings:\n");
    params_each(&n->p, print_param, NULL);
    offline_free(l);
    return 0;
}

/* ---- concepts ------------------------------------------------------------------ */

typedef struct Ranked {
    int64_t id;
    const char *word;
    double mass;
} Ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const Ranked *x = a, *y = b;
    if (x->mass != y->mass)
        return x->mass > y->mass ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static long parse_top(const char *v)
{
    char *end;
    errno = 0;
    long t = strtol(v, &end, 10);
    if (!*v || *end || errno || t <= 0)
        die_usage("option --top: expected a positive integer, got '%s'", v);
    return t;
}

int cmd_concepts(int argc, char **argv)
{
    const char *path = NULL;
    long top = 20;
    bool as_json = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--top") && i + 1 < argc)
            top = parse_top(argv[++i]);
        else if (!strcmp(argv[i], "--json"))
            as_json = true;
        else if (argv[i][0] == '-')
            die_usage("unknown option '%s' (usage: huey concepts FILE.h5 [--top N] [--json])", argv[i]);
        else if (!path)
            path = argv[i];
        else
            die_usage("usage: huey concepts FILE.h5 [--top N] [--json]");
    }
    if (!path)
        die_usage("usage: huey concepts FILE.h5 [--top N] [--json]");
    Loaded *l = offline_load(path);
    const Net *n = l->net;
    Ranked *r = xmalloc(((size_t)n->nslots + 1) * sizeof *r);
    size_t k = 0;
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] >= 0 && n->word[s])
            r[k++] = (Ranked){ n->id[s], n->word[s], l->out.mass[s] };
    qsort(r, k, sizeof *r, cmp_ranked);
    if (as_json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_array(&j);
        for (size_t i = 0; i < k && (long)i < top; i++) {
            json_begin_object(&j);
            json_key(&j, "rank"); json_uint(&j, i + 1);
            json_key(&j, "concept"); json_string(&j, r[i].word);
            json_key(&j, "neuron_id"); json_int(&j, r[i].id);
            json_key(&j, "mass"); json_double(&j, r[i].mass);
            json_end_object(&j);
        }
        json_end_array(&j);
        fputc('\n', stdout);
    } else {
        printf("# rank  mass          id  concept\n");
        for (size_t i = 0; i < k && (long)i < top; i++)
            printf("%6zu  %12.6f  %8lld  %s\n", i + 1, r[i].mass, (long long)r[i].id, r[i].word);
    }
    free(r);
    offline_free(l);
    return 0;
}

/* ---- export ------------------------------------------------------------------------ */

int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *format = "json", *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-')
            die_usage("unknown option '%s' (usage: huey export FILE.h5 [--format json|csv|reference-json] [-o OUT])",
                      argv[i]);
        else if (!path)
            path = argv[i];
        else
            die_usage("usage: huey export FILE.h5 [--format json|csv|reference-json] [-o OUT]");
    }
    if (!path)
        die_usage("usage: huey export FILE.h5 [--format json|csv|reference-json] [-o OUT]");
    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "reference-json"))
        die_usage("option --format: expected json, csv or reference-json, got '%s'", format);
    Loaded *l = offline_load(path);
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f)
        die("cannot write %s: %s", out, strerror(errno));
    if (!strcmp(format, "json")) {
        export_json(l->net, &l->out, l->self, &l->info, f);
    } else if (!strcmp(format, "reference-json")) {
        export_reference_json(l, f);
    } else {
        /* one row per connection, with both words */
        const Net *n = l->net;
        int32_t *slot_of = xmalloc(((size_t)n->id_counter + 1) * sizeof *slot_of);
        for (int64_t i = 0; i <= n->id_counter; i++)
            slot_of[i] = -1;
        for (int32_t s = 0; s < n->nslots; s++)
            if (n->id[s] >= 0)
                slot_of[n->id[s]] = s;
        fprintf(f, "source,source_id,target,target_id,weight,mass\n");
        for (size_t e = 0; e < l->out.nedges; e++) {
            const NetEdge *ed = &l->out.edges[e];
            int32_t ss = slot_of[ed->src], ts = slot_of[ed->dst];
            char wb[40], mb[40];
            fmt_double(wb, ed->w);
            fmt_double(mb, ed->m);
            fprintf(f, "%s,%lld,%s,%lld,%s,%s\n", ss >= 0 && n->word[ss] ? n->word[ss] : "",
                    (long long)ed->src, ts >= 0 && n->word[ts] ? n->word[ts] : "", (long long)ed->dst, wb, mb);
        }
        free(slot_of);
    }
    if (out && fclose(f) != 0)
        die("error writing %s: %s", out, strerror(errno));
    offline_free(l);
    return 0;
}
