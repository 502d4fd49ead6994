/*
 * report.c — the reference platform's two session files, made from a
 * checkpoint (huey-model.md §13, "Exports"):
 *   * `huey report FILE.h5`: the Markdown analysis report
 *     (create_analysis_report's sections: overview, network statistics,
 *     speaker self-concepts, mass over time; plus the input, top concepts,
 *     strongest associations and the system self-concept);
 *   * `huey export FILE.h5 --format reference-json`: `<name>_complete_data.json`
 *     (export_session_data: session_metadata, network_state,
 *     temporal_snapshots, query_results), as if the whole input had been
 *     one process_conversation call of the platform.
 *
 * What a checkpoint cannot give back: the wall-clock times (the
 * checkpoint file's modification time stands for every timestamp and for
 * the session name), the raw utterance text (its kept tokens joined by
 * spaces stand for it), the per-utterance self-concept details (the
 * timeline keeps the mass), gpu_performance, and dict insertion orders
 * (connections are listed by (source id, target id)).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "export.h"
#include "json.h"
#include "offline.h"
#include "query.h"
#include "util.h"

/* The checkpoint's modification time, as datetime.isoformat() and as the
 * platform's default session name. */
typedef struct Stamp {
    char iso[40];            /* 2025-01-31T12:34:56.123456 */
    char plain[32];          /* 2025-01-31 12:34:56 */
    char session[48];        /* huey_session_20250131_123456 */
} Stamp;

static void stamp_of(const char *path, Stamp *st)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        die("cannot stat %s: %s", path, strerror(errno));
    struct tm tm;
    time_t t = sb.st_mtim.tv_sec;
    localtime_r(&t, &tm);
    long usec = sb.st_mtim.tv_nsec / 1000;
    size_t k = strftime(st->iso, sizeof st->iso, "%Y-%m-%dT%H:%M:%S", &tm);
    if (usec)    /* isoformat() leaves out a zero fraction */
        snprintf(st->iso + k, sizeof st->iso - k, ".%06ld", usec);
    strftime(st->plain, sizeof st->plain, "%Y-%m-%d %H:%M:%S", &tm);
    strftime(st->session, sizeof st->session, "huey_session_%Y%m%d_%H%M%S", &tm);
}

static const char *word_of(const QueryNet *q, int32_t s) { return q->n->word[s] ? q->n->word[s] : ""; }

/* ---- reference-json ------------------------------------------------------------- */

/* str((i, j)) of a tuple key */
static void key_pair(JsonWriter *j, int64_t a, int64_t b)
{
    char k[48];
    snprintf(k, sizeof k, "(%lld, %lld)", (long long)a, (long long)b);
    json_key(j, k);
}

static void write_neuron_states(JsonWriter *j, const QueryNet *q)
{
    json_begin_array(j);
    for (size_t r = 0; r < q->nliving; r++) {
        int32_t s = q->order[r];
        json_begin_array(j);
        json_string(j, word_of(q, s));
        json_int(j, 0);
        json_double(j, query_activation(q, s));
        json_end_array(j);
    }
    json_end_array(j);
}

static void write_edges(JsonWriter *j, const QueryNet *q, bool mass)
{
    const NetOutputs *o = &q->l->out;
    json_begin_object(j);
    for (size_t e = 0; e < o->nedges; e++) {
        key_pair(j, o->edges[e].src, o->edges[e].dst);
        json_double(j, mass ? o->edges[e].m : o->edges[e].w);
    }
    json_end_object(j);
}

/* sum(inertial_mass.values()): an int 0 when there is none */
static void write_total_mass(JsonWriter *j, const QueryNet *q)
{
    const NetOutputs *o = &q->l->out;
    double m = 0.0;
    for (size_t e = 0; e < o->nedges; e++)
        m += o->edges[e].m;
    if (o->nedges)
        json_double(j, m);
    else
        json_int(j, 0);
}

/* The GPU class's analyze_speaker_self_concept (gpu_performance left out);
 * before any text the network is empty and the analysis is all zero. */
static void write_speaker_analysis(JsonWriter *j, const QueryNet *q, size_t s, bool empty)
{
    const SelfConcept *sc = &q->l->self[s];
    json_begin_object(j);
    json_key(j, "speaker"); json_string(j, q->n->speakers[s].name);
    json_key(j, "self_concept_mass"); json_double(j, empty ? 0.0 : sc->mass);
    json_key(j, "self_concept_neurons");
    json_begin_object(j);
    for (int p = 0; !empty && p < sc->nparts; p++) {
        const SelfConceptPart *part = &sc->parts[p];
        json_key(j, part->pronoun);
        json_begin_object(j);
        export_self_concept_part(j, part);
        json_end_object(j);
    }
    json_end_object(j);
    json_key(j, "blocks_processed"); json_uint(j, empty ? 0 : q->n->speakers[s].blocks);
    json_end_object(j);
}

static void write_speaker_analyses(JsonWriter *j, const QueryNet *q, bool empty)
{
    json_begin_object(j);
    for (size_t s = 0; s < q->n->nspeakers; s++) {
        json_key(j, q->n->speakers[s].name);
        write_speaker_analysis(j, q, s, empty);
    }
    json_end_object(j);
}

/* _create_temporal_snapshot: before the conversation (empty network) or
 * after it (the checkpoint's state). */
static void write_snapshot(JsonWriter *j, const QueryNet *q, const Stamp *st, bool pre)
{
    json_begin_object(j);
    json_key(j, "snapshot_id"); json_string(j, pre ? "pre_conversation" : "post_conversation");
    json_key(j, "timestamp"); json_string(j, st->iso);
    json_key(j, "neuron_count"); json_int(j, pre ? 0 : q->n->id_counter);
    json_key(j, "total_mass");
    if (pre)
        json_int(j, 0);
    else
        write_total_mass(j, q);
    json_key(j, "neuron_states");
    if (pre) {
        json_begin_array(j);
        json_end_array(j);
    } else {
        write_neuron_states(j, q);
    }
    json_key(j, "connections");
    if (pre) {
        json_begin_object(j);
        json_end_object(j);
    } else {
        write_edges(j, q, false);
    }
    json_key(j, "speaker_analyses"); write_speaker_analyses(j, q, pre);
    json_end_object(j);
}

static void write_text_or_null(JsonWriter *j, const QueryNet *q, size_t i)
{
    char *t = query_utterance_text(q, i);
    if (t)
        json_string(j, t);
    else
        json_null(j);
    free(t);
}

static void write_emergence(JsonWriter *j, const QueryNet *q)
{
    const QueryDefaults *d = &query_defaults;
    json_begin_object(j);
    if (!query_history_complete(q)) {
        json_key(j, "error");
        json_string(j, "the checkpoint did not keep the tokens of every utterance (history_tokens)");
        json_end_object(j);
        return;
    }
    size_t k;
    Emerged *r = query_emergence(q, d->emergence_min_mass, 0, &k);
    json_key(j, "query"); json_string(j, "concept_emergence");
    json_key(j, "since_step"); json_int(j, 0);
    json_key(j, "min_mass"); json_double(j, d->emergence_min_mass);
    json_key(j, "emerged_concepts");
    json_begin_array(j);
    for (size_t i = 0; i < k; i++) {
        json_begin_object(j);
        json_key(j, "concept"); json_string(j, word_of(q, r[i].slot));
        json_key(j, "emergence_step"); json_uint(j, r[i].step);
        json_key(j, "current_mass"); json_double(j, r[i].mass);
        json_key(j, "current_activation"); json_double(j, r[i].activation);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "total_emergences"); json_uint(j, k);
    json_end_object(j);
    free(r);
}

/* _generate_comprehensive_analysis */
static void write_analysis(JsonWriter *j, const QueryNet *q, const Stamp *st)
{
    NetStats s;
    query_stats(q, &s);
    json_begin_object(j);
    json_key(j, "timestamp"); json_string(j, st->iso);
    json_key(j, "network_statistics"); query_stats_json(j, q, &s);
    json_key(j, "speaker_analyses"); write_speaker_analyses(j, q, false);
    json_key(j, "concept_emergence"); write_emergence(j, q);
    size_t k;
    Scored *top = query_top_concepts(q, &k);
    json_key(j, "top_concepts");
    json_begin_array(j);
    for (size_t i = 0; i < k && i < (size_t)query_defaults.top_concepts; i++) {
        json_begin_array(j);
        json_string(j, word_of(q, top[i].slot));
        json_double(j, top[i].value);
        json_end_array(j);
    }
    json_end_array(j);
    json_end_object(j);
    free(top);
}

static void write_pronouns(JsonWriter *j, const Params *p, bool self)
{
    json_begin_array(j);
    for (int k = 0; k < (self ? p->n_self_pronouns : p->n_other_pronouns); k++)
        json_string(j, self ? p->self_pronouns[k] : p->other_pronouns[k]);
    json_end_array(j);
}

/* _serialize_network_state */
static void write_network_state(JsonWriter *j, const QueryNet *q)
{
    const Net *n = q->n;
    json_begin_object(j);
    json_key(j, "neurons"); write_neuron_states(j, q);
    json_key(j, "connections"); write_edges(j, q, false);
    json_key(j, "inertial_mass"); write_edges(j, q, true);
    json_key(j, "speakers");
    json_begin_object(j);
    for (size_t s = 0; s < n->nspeakers; s++) {
        json_key(j, n->speakers[s].name);
        json_begin_object(j);
        json_key(j, "self_pronouns"); write_pronouns(j, &n->p, true);
        json_key(j, "other_pronouns"); write_pronouns(j, &n->p, false);
        json_key(j, "blocks_processed"); json_uint(j, n->speakers[s].blocks);
        /* one analysis per utterance; the checkpoint keeps its mass */
        json_key(j, "self_concept_timeline");
        json_begin_array(j);
        uint64_t block = 0;
        for (size_t i = 0; i < n->nhistory; i++) {
            if ((size_t)n->history[i].speaker != s)
                continue;
            json_begin_object(j);
            json_key(j, "speaker"); json_string(j, n->speakers[s].name);
            json_key(j, "self_concept_mass"); json_double(j, n->history[i].self_concept_mass);
            json_key(j, "blocks_processed"); json_uint(j, block++);
            json_end_object(j);
        }
        json_end_array(j);
        json_key(j, "total_exchanges"); json_int(j, 0);
        json_key(j, "self_references"); json_int(j, 0);
        json_end_object(j);
    }
    json_end_object(j);
    json_key(j, "conversation_history");
    json_begin_array(j);
    for (size_t i = 0; i < n->nhistory; i++) {
        json_begin_object(j);
        json_key(j, "speaker"); json_string(j, n->speakers[n->history[i].speaker].name);
        json_key(j, "text"); write_text_or_null(j, q, i);
        json_key(j, "tokens");
        if (i < q->nkept) {
            json_begin_array(j);
            const char *t = q->utt_tokens[i];
            for (uint64_t m = 0; m < n->history[i].tokens; m++, t = query_next_token(t))
                json_string(j, t);
            json_end_array(j);
        } else {
            json_null(j);
        }
        json_key(j, "self_concept_mass"); json_double(j, n->history[i].self_concept_mass);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

void export_reference_json(const Loaded *l, FILE *f)
{
    QueryNet *q = query_open(l);
    const Net *n = q->n;
    Stamp st;
    stamp_of(l->path, &st);
    JsonWriter j;
    json_init(&j, f);
    json_begin_object(&j);

    json_key(&j, "session_metadata");
    json_begin_object(&j);
    json_key(&j, "session_name"); json_string(&j, st.session);
    json_key(&j, "created_at"); json_string(&j, st.iso);
    json_key(&j, "parameters");
    json_begin_object(&j);
    json_key(&j, "max_neurons"); json_int(&j, n->p.max_neurons);
    json_key(&j, "window_size"); json_int(&j, n->p.window_size);
    json_key(&j, "learning_rate"); json_double(&j, n->p.learning_rate);
    json_end_object(&j);
    json_key(&j, "conversation_sessions");
    json_begin_array(&j);
    json_begin_object(&j);
    json_key(&j, "timestamp"); json_string(&j, st.iso);
    json_key(&j, "conversation_data");
    json_begin_array(&j);
    for (size_t i = 0; i < n->nhistory; i++) {
        json_begin_array(&j);
        json_string(&j, n->speakers[n->history[i].speaker].name);
        write_text_or_null(&j, q, i);
        json_end_array(&j);
    }
    json_end_array(&j);
    json_key(&j, "pre_snapshot"); write_snapshot(&j, q, &st, true);
    json_key(&j, "post_snapshot"); write_snapshot(&j, q, &st, false);
    json_key(&j, "analysis"); write_analysis(&j, q, &st);
    json_end_object(&j);
    json_end_array(&j);
    json_key(&j, "query_history");
    json_begin_array(&j);
    json_end_array(&j);
    json_key(&j, "analysis_snapshots");
    json_begin_array(&j);
    json_end_array(&j);
    /* register_speakers' (speaker_id, ...) tuples: only the id is known */
    json_key(&j, "speakers");
    json_begin_array(&j);
    for (size_t s = 0; s < n->nspeakers; s++) {
        json_begin_array(&j);
        json_string(&j, n->speakers[s].name);
        json_end_array(&j);
    }
    json_end_array(&j);
    json_end_object(&j);

    json_key(&j, "network_state"); write_network_state(&j, q);
    json_key(&j, "temporal_snapshots");
    json_begin_array(&j);
    write_snapshot(&j, q, &st, true);
    write_snapshot(&j, q, &st, false);
    json_end_array(&j);
    json_key(&j, "query_results");
    json_begin_array(&j);
    json_end_array(&j);
    json_end_object(&j);
    query_close(q);
}

/* ---- the Markdown report ------------------------------------------------------------ */

/* Markdown-safe enough for a table cell: a '|' would split the cell. */
static void cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void report(const Loaded *l, FILE *f)
{
    QueryNet *q = query_open(l);
    const Net *n = q->n;
    const QueryDefaults *d = &query_defaults;
    Stamp st;
    stamp_of(l->path, &st);
    char b[40];
    NetStats s;
    query_stats(q, &s);

    fprintf(f, "# Huey Analysis Report: %s\n", st.session);
    fprintf(f, "*Generated: %s* (the checkpoint's modification time)\n\n", st.plain);

    fprintf(f, "## Session Overview\n");
    fprintf(f, "- **Created**: %s\n", st.iso);
    fprintf(f, "- **Checkpoint**: `%s`\n", l->path);
    fprintf(f, "- **Speakers**: %zu\n", n->nspeakers);
    fprintf(f, "- **Conversations**: 1 (%zu utterances)\n", n->nhistory);
    fprintf(f, "- **Total Neurons**: %lld (%d living)\n", (long long)n->id_counter, n->nliving);
    fmt_double(b, n->p.learning_rate);
    fprintf(f, "- **Network Parameters**: {'max_neurons': %lld, 'window_size': %lld, 'learning_rate': %s}\n\n",
            (long long)n->p.max_neurons, (long long)n->p.window_size, b);

    fprintf(f, "## Input\n");
    for (size_t k = 0; k < l->info.nfiles; k++) {
        const InputFile *in = &l->info.files[k];
        fprintf(f, "- `%s`: %s (confidence %.3f), %llu of %llu utterances, %llu words, %llu tokens, %llu windows\n",
                in->path, in->det.strategy, in->det.confidence, (unsigned long long)in->utterances_done,
                (unsigned long long)in->det.total_exchanges, (unsigned long long)in->words,
                (unsigned long long)in->tokens, (unsigned long long)in->windows);
    }
    if (l->info.stopped_early)
        fprintf(f, "- stopped early (%s): the network is that of the text read so far\n", l->info.stop_reason);
    fprintf(f, "\n");

    fprintf(f, "## Network Statistics\n");
    fprintf(f, "- **Total Mass**: %.3f\n", s.total_mass);
    fprintf(f, "- **Active Neurons**: %llu/%lld\n", (unsigned long long)s.active_neurons, (long long)s.total_neurons);
    fprintf(f, "- **Connections**: %llu total, %llu strong\n", (unsigned long long)s.total_connections,
            (unsigned long long)s.strong_connections);
    fprintf(f, "- **Average Connection Strength**: %.3f\n", s.average_strength);
    fprintf(f, "- **Strongest Connection**: %.3f\n\n", s.max_strength);

    size_t nt;
    Scored *top = query_top_concepts(q, &nt);
    size_t shown = nt < (size_t)d->top_concepts ? nt : (size_t)d->top_concepts;
    fprintf(f, "## Top Concepts\n");
    fprintf(f, "Concept mass: the inertial mass of every connection touching the concept.\n\n");
    fprintf(f, "| rank | concept | mass |\n|---:|---|---:|\n");
    for (size_t i = 0; i < shown; i++) {
        fprintf(f, "| %zu | ", i + 1);
        cell(f, word_of(q, top[i].slot));
        fprintf(f, " | %.3f |\n", top[i].value);
    }
    fprintf(f, "\n");
    free(top);

    size_t na;
    Assoc *as = query_strongest(q, d->min_strength, &na);
    shown = na < (size_t)d->top_n ? na : (size_t)d->top_n;
    fprintf(f, "## Strongest Associations\n");
    fprintf(f, "| rank | source | target | strength | mass |\n|---:|---|---|---:|---:|\n");
    for (size_t i = 0; i < shown; i++) {
        fprintf(f, "| %zu | ", i + 1);
        cell(f, word_of(q, as[i].src));
        fprintf(f, " | ");
        cell(f, word_of(q, as[i].dst));
        fprintf(f, " | %.3f | %.3f |\n", as[i].w, as[i].m);
    }
    fprintf(f, "\n");
    free(as);

    fprintf(f, "## Speaker Self-Concept Analysis\n\n");
    for (size_t sp = 0; sp < n->nspeakers; sp++) {
        const SelfConcept *sc = &l->self[sp];
        fprintf(f, "### %s\n", n->speakers[sp].name);
        fprintf(f, "- **Self-concept Mass**: %.3f\n", sc->mass);
        fprintf(f, "- **Blocks Processed**: %llu\n", (unsigned long long)n->speakers[sp].blocks);
        for (int p = 0; p < sc->nparts; p++) {
            const SelfConceptPart *part = &sc->parts[p];
            fprintf(f, "- **'%s'**: mass %.3f", part->pronoun, part->mass);
            for (int k = 0; k < part->nlinks && k < 3; k++)
                fprintf(f, "%s %s%s (strength %.3f)", k ? "," : ";", part->links[k].prefix, part->links[k].word,
                        part->links[k].strength);
            /* §16.16: with no stored speaker-pronoun connection the
             * reference makes the mass up from the two activations */
            if (sc->speaker_neuron_id >= 0 && part->nlinks == 1 && part->links[0].strength == 0.0)
                fprintf(f, " — no connection stored: mass = %g * a_speaker * a_pronoun",
                        l->net->p.self_concept_activation_scale);
            fprintf(f, "\n");
        }
        double first = 0.0, last = 0.0, max = 0.0;
        size_t cnt = 0;
        for (size_t i = 0; i < n->nhistory; i++) {
            if ((size_t)n->history[i].speaker != sp)
                continue;
            double m = n->history[i].self_concept_mass;
            if (!cnt++)
                first = m;
            last = m;
            if (m > max)
                max = m;
        }
        if (cnt)
            fprintf(f, "- **Mass over utterances**: first %.3f, last %.3f, highest %.3f\n", first, last, max);
        fprintf(f, "\n");
    }

    int32_t seeds[QUERY_N_SYSTEM_PRONOUNS];
    size_t nseeds = 0;
    for (int k = 0; k < QUERY_N_SYSTEM_PRONOUNS; k++) {
        int32_t sl = query_slot(q, query_system_pronouns[k]);
        if (sl >= 0)
            seeds[nseeds++] = sl;
    }
    fprintf(f, "## System Self-Concept\n");
    if (!nseeds) {
        fprintf(f, "None of the system-directed pronouns (you, your, yours, yourself) is in the network.\n\n");
    } else {
        size_t k;
        double strength;
        Scored *r = query_spread(q, seeds, nseeds, d->self_spreading_iterations, d->activation_threshold, &k,
                                 &strength);
        fprintf(f, "Spreading activation from");
        for (size_t i = 0; i < nseeds; i++)
            fprintf(f, "%s '%s'", i ? "," : "", word_of(q, seeds[i]));
        fmt_double(b, d->activation_threshold);
        fprintf(f, " (%d steps): %zu concepts above %s, total activation %.3f.\n\n", d->self_spreading_iterations,
                k, b, strength);
        fprintf(f, "| rank | concept | activation |\n|---:|---|---:|\n");
        for (size_t i = 0; i < k && i < (size_t)d->self_max_results; i++) {
            fprintf(f, "| %zu | ", i + 1);
            cell(f, word_of(q, r[i].slot));
            fprintf(f, " | %.3f |\n", r[i].value);
        }
        fprintf(f, "\n");
        free(r);
    }

    fprintf(f, "## Temporal Evolution\n\n### Mass Evolution Over Time\n\n");
    fprintf(f, "- **pre_conversation**: %.3f total mass\n", 0.0);
    fprintf(f, "- **post_conversation**: %.3f total mass\n\n", s.total_mass);

    fprintf(f, "---\n*Generated by huey report from %s*\n", l->path);
    query_close(q);
}

int cmd_report(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-')
            die_usage("unknown option '%s' (usage: huey report FILE.h5 [-o OUT.md])", argv[i]);
        else if (!path)
            path = argv[i];
        else
            die_usage("usage: huey report FILE.h5 [-o OUT.md]");
    }
    if (!path)
        die_usage("usage: huey report FILE.h5 [-o OUT.md]");
    Loaded *l = offline_load(path);
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f)
        die("cannot write %s: %s", out, strerror(errno));
    report(l, f);
    if (out && fclose(f) != 0)
        die("error writing %s: %s", out, strerror(errno));
    offline_free(l);
    return 0;
}
