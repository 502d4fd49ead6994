/*
 * export.c — writes a learned network as JSON in the layout of the
 * reference's expected outputs (see ../shared/data/README.md, "JSON keys").
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"
#include "version.h"

typedef struct NeuronRec {
    int64_t id;
    const char *word;
    double value;     /* activation or concept mass */
    bool living;
} NeuronRec;

static int cmp_by_id(const void *a, const void *b)
{
    const NeuronRec *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_by_mass(const void *a, const void *b)
{
    const NeuronRec *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Does a come before b in a mass ranking? */
static bool heavier(const TopConcept *a, const TopConcept *b)
{
    return a->mass != b->mass ? a->mass > b->mass : a->id < b->id;
}

TopConcept *export_top_concepts(const Net *n, const NetOutputs *o, size_t kmax, size_t *k)
{
    /* one pass keeping the kmax best in order: the live view calls this
     * while learning waits, on networks of any size */
    TopConcept *t = xmalloc((kmax + 1) * sizeof *t);
    *k = 0;
    for (int32_t s = 0; s < n->nslots; s++) {
        if (n->id[s] < 0 || !n->word[s])
            continue;
        TopConcept c = { n->id[s], n->word[s], o->mass[s] };
        if (*k == kmax && (kmax == 0 || !heavier(&c, &t[kmax - 1])))
            continue;
        size_t i = *k < kmax ? (*k)++ : kmax - 1;
        for (; i > 0 && heavier(&c, &t[i - 1]); i--)
            t[i] = t[i - 1];
        t[i] = c;
    }
    return t;
}

static void write_input(JsonWriter *j, const Net *n, const RunInfo *ri)
{
    uint64_t exch = 0, done = 0, ws = 0;
    for (size_t f = 0; f < ri->nfiles; f++) {
        exch += ri->files[f].det.total_exchanges;
        done += ri->files[f].utterances_done;
        ws += ri->files[f].det.whitespace_words;
    }
    const InputFile *f0 = ri->nfiles ? &ri->files[0] : NULL;
    json_begin_object(j);
    json_key(j, "path");
    if (ri->nfiles == 1) {
        const char *base = strrchr(f0->path, '/');
        json_string(j, base ? base + 1 : f0->path);
    } else {
        json_begin_array(j);
        for (size_t f = 0; f < ri->nfiles; f++)
            json_string(j, ri->files[f].path);
        json_end_array(j);
    }
    json_key(j, "sha256");
    if (ri->nfiles == 1) {
        json_string(j, f0->det.sha256);
    } else {
        json_begin_array(j);
        for (size_t f = 0; f < ri->nfiles; f++)
            json_string(j, ri->files[f].det.sha256);
        json_end_array(j);
    }
    json_key(j, "whitespace_words_in_file"); json_uint(j, ws);
    json_key(j, "detection");
    json_begin_object(j);
    if (ri->nfiles == 1) {
        json_key(j, "strategy"); json_string(j, f0->det.strategy);
        json_key(j, "confidence"); json_double(j, f0->det.confidence);
    } else {
        json_key(j, "strategy"); json_string(j, "per_file");
        json_key(j, "confidence"); json_null(j);
    }
    json_key(j, "total_exchanges"); json_uint(j, exch);
    json_end_object(j);
    json_key(j, "speakers");
    json_begin_array(j);
    for (size_t s = 0; s < n->nspeakers; s++)
        json_string(j, n->speakers[s].name);
    json_end_array(j);
    json_key(j, "exchanges_total"); json_uint(j, exch);
    json_key(j, "exchanges_processed"); json_uint(j, done);
    json_key(j, "time_budget_hit"); json_bool(j, ri->stopped_early);
    json_key(j, "words_processed"); json_uint(j, n->c.words);
    json_key(j, "tokens_after_kill_filter"); json_uint(j, n->c.tokens);
    json_key(j, "windows"); json_uint(j, n->c.windows);
    if (ri->stopped_early) {
        json_key(j, "stop_reason"); json_string(j, ri->stop_reason);
    }
    json_key(j, "files");
    json_begin_array(j);
    for (size_t f = 0; f < ri->nfiles; f++) {
        const InputFile *in = &ri->files[f];
        json_begin_object(j);
        json_key(j, "path"); json_string(j, in->path);
        json_key(j, "sha256"); json_string(j, in->det.sha256);
        json_key(j, "bytes"); json_uint(j, in->det.bytes);
        json_key(j, "whitespace_words_in_file"); json_uint(j, in->det.whitespace_words);
        json_key(j, "strategy"); json_string(j, in->det.strategy);
        json_key(j, "confidence"); json_double(j, in->det.confidence);
        json_key(j, "exchanges_total"); json_uint(j, in->det.total_exchanges);
        json_key(j, "exchanges_processed"); json_uint(j, in->utterances_done);
        json_key(j, "words_processed"); json_uint(j, in->words);
        json_key(j, "tokens_after_kill_filter"); json_uint(j, in->tokens);
        json_key(j, "windows"); json_uint(j, in->windows);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

static void write_timing(JsonWriter *j, const Net *n, const NetOutputs *o, const RunInfo *ri)
{
    json_begin_object(j);
    json_key(j, "huey_version"); json_string(j, huey_version());
    json_key(j, "processing_seconds"); json_double(j, ri->seconds);
    double sec = ri->seconds > 0 ? ri->seconds : 1e-300;
    json_key(j, "words_per_second"); json_double(j, (double)n->c.words / sec);
    json_key(j, "tokens_per_second"); json_double(j, (double)n->c.tokens / sec);
    json_key(j, "windows_per_second"); json_double(j, (double)n->c.windows / sec);
    json_key(j, "ranks"); json_int(j, ri->nranks);
    /* per phase: seconds on rank 0 plus min/avg/max over ranks */
    for (int t = 0; t < T_COUNT; t++) {
        char key[64];
        snprintf(key, sizeof key, "%s_seconds", net_timer_names[t]);
        json_key(j, key);
        json_double(j, net_timer(n, t));
        snprintf(key, sizeof key, "%s_seconds_min_avg_max", net_timer_names[t]);
        json_key(j, key);
        json_begin_array(j);
        json_double(j, ri->timer_min[t]);
        json_double(j, ri->timer_avg[t]);
        json_double(j, ri->timer_max[t]);
        json_end_array(j);
    }
    json_key(j, "connections_per_rank");
    json_begin_array(j);
    for (int r = 0; r < ri->nranks; r++)
        json_uint(j, o->rank_connections[r]);
    json_end_array(j);
    json_key(j, "connection_bytes"); json_uint(j, o->connection_bytes);
    json_key(j, "bytes_per_connection");
    json_double(j, o->nedges ? (double)o->connection_bytes / (double)o->nedges : 0.0);
    json_key(j, "neuron_bytes"); json_uint(j, o->neuron_bytes);
    json_key(j, "work_list"); json_uint(j, n->nactive);
    json_key(j, "backend"); json_string(j, n->be.ops->name);
    json_end_object(j);
}

void export_self_concept_part(JsonWriter *j, const SelfConceptPart *part)
{
    json_key(j, "neuron_id"); json_int(j, part->neuron_id);
    json_key(j, "mass"); json_double(j, part->mass);
    json_key(j, "connections");
    json_begin_array(j);
    for (int l = 0; l < part->nlinks; l++) {
        const SelfConceptLink *lk = &part->links[l];
        size_t len = strlen(lk->prefix) + strlen(lk->word);
        char *label = xmalloc(len + 1);
        strcpy(label, lk->prefix);
        strcat(label, lk->word);
        json_begin_array(j);
        json_string(j, label);
        json_double(j, lk->strength);
        json_double(j, lk->mass);
        json_end_array(j);
        free(label);
    }
    json_end_array(j);
}

static void write_speakers(JsonWriter *j, const Net *n, const SelfConcept *all)
{
    json_begin_object(j);
    for (size_t s = 0; s < n->nspeakers; s++) {
        SelfConcept sc = all[s];
        json_key(j, n->speakers[s].name);
        json_begin_object(j);
        json_key(j, "neuron_id");
        if (sc.speaker_neuron_id >= 0)
            json_int(j, sc.speaker_neuron_id);
        else
            json_null(j);
        json_key(j, "blocks_processed"); json_uint(j, n->speakers[s].blocks);
        json_key(j, "self_concept_mass"); json_double(j, sc.mass);
        json_key(j, "self_concept_neurons");
        json_begin_object(j);
        for (int k = 0; k < sc.nparts; k++) {
            const SelfConceptPart *part = &sc.parts[k];
            json_key(j, part->pronoun);
            json_begin_object(j);
            export_self_concept_part(j, part);
            json_end_object(j);
        }
        json_end_object(j);
        json_end_object(j);
    }
    json_end_object(j);
}

void export_json(const Net *n, const NetOutputs *o, const SelfConcept *sc, const RunInfo *ri, FILE *f)
{
    export_json_extra(n, o, sc, ri, f, NULL, NULL);
}

void export_json_extra(const Net *n, const NetOutputs *o, const SelfConcept *sc, const RunInfo *ri, FILE *f,
                       ExportExtraFn extra, void *ctx)
{
    JsonWriter jw, *j = &jw;
    json_init(j, f);
    size_t nliv;
    IdSlot *liv = net_by_id(n, false, &nliv);

    json_begin_object(j);
    json_key(j, "params");
    params_write_json(j, &n->p, ri->n_kill_words);
    json_key(j, "input");
    write_input(j, n, ri);
    json_key(j, "timing");
    write_timing(j, n, o, ri);

    /* network counts */
    double total_w = 0.0, total_m = 0.0;
    for (size_t k = 0; k < o->nedges; k++) {
        total_w += o->edges[k].w;
        total_m += o->edges[k].m;
    }
    const char **stale = xmalloc((n->nconcepts + 1) * sizeof *stale);
    size_t nstale = 0;
    for (size_t k = 0; k < n->nconcepts; k++) {
        int32_t s = net_slot_of_word(n, n->concepts[k].word);
        if (s < 0 || n->id[s] != n->concepts[k].id)
            stale[nstale++] = n->concepts[k].word;
    }
    qsort(stale, nstale, sizeof *stale, cmp_str);

    /* activation entries: living ids with an entry, plus (incoming kernel)
     * dead ids that still hold one: ghosts, and the implicit ones */
    size_t nacts = 0, acts_cap = nliv + 1;
    NeuronRec *acts = xmalloc(acts_cap * sizeof *acts);
    for (size_t k = 0; k < nliv; k++)
        if (o->has_act[liv[k].slot])
            acts[nacts++] = (NeuronRec){ liv[k].id, NULL, o->act[liv[k].slot], true };
    if (n->p.activation_kernel == KERNEL_INCOMING) {
        size_t li = 0;
        for (int64_t id = 0; id < n->k_last_step; id++) {
            while (li < nliv && liv[li].id < id)
                li++;
            if (li < nliv && liv[li].id == id)
                continue;
            double a;
            int32_t g = n->nghosts ? net_ghost_slot(n, id) : -1;
            if (g >= 0) {
                a = o->act[g];
            } else if (!net_dead_entry(n, id, &a)) {
                continue;
            }
            GROW(acts, acts_cap, nacts + 1);
            acts[nacts++] = (NeuronRec){ id, NULL, a, false };
        }
        qsort(acts, nacts, sizeof *acts, cmp_by_id);
    }

    json_key(j, "network");
    json_begin_object(j);
    json_key(j, "neuron_id_counter"); json_int(j, n->id_counter);
    json_key(j, "living_neurons"); json_int(j, n->nliving);
    json_key(j, "connections"); json_uint(j, o->nedges);
    json_key(j, "mass_entries"); json_uint(j, o->nedges);
    json_key(j, "processed_words_counter"); json_int(j, 0);
    json_key(j, "activation_entries"); json_uint(j, nacts);
    json_key(j, "concept_neurons"); json_uint(j, n->nconcepts);
    json_key(j, "evictions"); json_uint(j, n->c.evictions);
    json_key(j, "zombies_resurrected"); json_uint(j, n->c.zombies);
    json_key(j, "stale_concept_neurons");
    json_begin_array(j);
    for (size_t k = 0; k < nstale; k++)
        json_string(j, stale[k]);
    json_end_array(j);
    json_key(j, "total_connection_weight"); json_double(j, total_w);
    json_key(j, "total_mass"); json_double(j, total_m);
    json_end_object(j);

    json_key(j, "vocabulary");
    json_begin_array(j);
    for (size_t k = 0; k < nliv; k++) {
        json_begin_object(j);
        json_key(j, "word"); json_string(j, n->word[liv[k].slot]);
        json_key(j, "id"); json_int(j, liv[k].id);
        json_end_object(j);
    }
    json_end_array(j);

    json_key(j, "connections");
    json_begin_array(j);
    for (size_t k = 0; k < o->nedges; k++) {
        json_begin_array(j);
        json_int(j, o->edges[k].src); json_int(j, o->edges[k].dst); json_double(j, o->edges[k].w);
        json_end_array(j);
    }
    json_end_array(j);

    json_key(j, "inertial_mass");
    json_begin_array(j);
    for (size_t k = 0; k < o->nedges; k++) {
        json_begin_array(j);
        json_int(j, o->edges[k].src); json_int(j, o->edges[k].dst); json_double(j, o->edges[k].m);
        json_end_array(j);
    }
    json_end_array(j);

    json_key(j, "activations");
    json_begin_array(j);
    for (size_t k = 0; k < nacts; k++) {
        json_begin_array(j);
        json_int(j, acts[k].id); json_double(j, acts[k].value); json_bool(j, acts[k].living);
        json_end_array(j);
    }
    json_end_array(j);

    /* concept mass ranking: Σ m of incident connections, descending */
    NeuronRec *rank = xmalloc((nliv + 1) * sizeof *rank);
    for (size_t k = 0; k < nliv; k++)
        rank[k] = (NeuronRec){ liv[k].id, n->word[liv[k].slot], o->mass[liv[k].slot], true };
    qsort(rank, nliv, sizeof *rank, cmp_by_mass);
    json_key(j, "neuron_mass_ranking");
    json_begin_array(j);
    for (size_t k = 0; k < nliv; k++) {
        json_begin_array(j);
        json_int(j, rank[k].id); json_string(j, rank[k].word); json_double(j, rank[k].value);
        json_end_array(j);
    }
    json_end_array(j);

    json_key(j, "speakers");
    write_speakers(j, n, sc);
    if (extra)
        extra(j, ctx);
    json_end_object(j);

    free(rank);
    free(acts);
    free(stale);
    free(liv);
}
