/*
 * query.c — the analyses of query.h, and `huey query FILE.h5 WHAT ...`,
 * which prints one of them as a table (`#` header lines, numbers as
 * Python's repr) or, with --json, as JSON.
 */
#define _POSIX_C_SOURCE 200809L
#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "text.h"
#include "util.h"

const QueryDefaults query_defaults = {
    .activation_threshold = 0.05,
    .max_results = 10,
    .spreading_iterations = 3,
    .self_spreading_iterations = 4,
    .self_max_results = 15,
    .fellows_threshold = 0.1,
    .min_strength = 0.05,
    .top_n = 10,
    .average_min_weight = 0.01,
    .num_results = 10,
    .emergence_min_mass = 0.01,
    .flow_threshold = 0.1,
    .flow_ratio_floor = 0.001,
    .stats_min_connection = 0.001,
    .stats_strong_connection = 0.1,
    .stats_active_activation = 0.01,
    .concept_overlap = 0.5,
    .top_concepts = 20,
    .snippet_chars = 100,
};

const char *const query_system_pronouns[QUERY_N_SYSTEM_PRONOUNS] = { "you", "your", "yours", "yourself" };

/* ---- lookup tables ------------------------------------------------------------ */

QueryNet *query_open(const Loaded *l)
{
    const Net *n = l->net;
    QueryNet *q = xcalloc(1, sizeof *q);
    q->l = l;
    q->n = n;
    size_t ns = (size_t)n->nslots + 1;
    q->slot_of_id = xmalloc(((size_t)n->id_counter + 1) * sizeof *q->slot_of_id);
    for (int64_t i = 0; i <= n->id_counter; i++)
        q->slot_of_id[i] = -1;
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] >= 0)
            q->slot_of_id[n->id[s]] = s;

    q->order = xmalloc(ns * sizeof *q->order);
    q->rank = xmalloc(ns * sizeof *q->rank);
    for (size_t s = 0; s < ns; s++)
        q->rank[s] = -1;
    for (int32_t s = n->w2n_head; s >= 0; s = n->w2n_next[s]) {
        check(q->nliving < ns && n->word[s]);
        q->rank[s] = (int32_t)q->nliving;
        q->order[q->nliving++] = s;
    }
    check(q->nliving == (size_t)n->nliving);

    /* connections by slot: counting sort of the edge list, twice */
    const NetOutputs *o = &l->out;
    q->out_off = xcalloc(ns + 1, sizeof *q->out_off);
    q->in_off = xcalloc(ns + 1, sizeof *q->in_off);
    q->out_edge = xmalloc((o->nedges + 1) * sizeof *q->out_edge);
    q->in_edge = xmalloc((o->nedges + 1) * sizeof *q->in_edge);
    for (size_t e = 0; e < o->nedges; e++) {
        int32_t a = q->slot_of_id[o->edges[e].src], b = q->slot_of_id[o->edges[e].dst];
        check(a >= 0 && b >= 0);
        q->out_off[a + 1]++;
        q->in_off[b + 1]++;
    }
    for (size_t s = 0; s < ns; s++) {
        q->out_off[s + 1] += q->out_off[s];
        q->in_off[s + 1] += q->in_off[s];
    }
    size_t *fo = xmalloc(ns * sizeof *fo), *fi = xmalloc(ns * sizeof *fi);
    memcpy(fo, q->out_off, ns * sizeof *fo);
    memcpy(fi, q->in_off, ns * sizeof *fi);
    for (size_t e = 0; e < o->nedges; e++) {
        q->out_edge[fo[q->slot_of_id[o->edges[e].src]]++] = e;
        q->in_edge[fi[q->slot_of_id[o->edges[e].dst]]++] = e;
    }
    free(fo);
    free(fi);

    /* the history: tokens are kept as a prefix, so whole utterances are
     * available up to the first one that was cut */
    q->utt_tokens = xcalloc(n->nhistory + 1, sizeof *q->utt_tokens);
    const char *p = n->hist_text, *end = p ? p + n->hist_len : NULL;
    for (size_t i = 0; i < n->nhistory; i++) {
        const char *t = p;
        uint64_t k = 0;
        while (k < n->history[i].tokens && t < end) {
            t += strlen(t) + 1;
            k++;
        }
        if (k < n->history[i].tokens)
            break;
        q->utt_tokens[i] = p;
        q->nkept++;
        p = t;
    }
    return q;
}

void query_close(QueryNet *q)
{
    if (!q)
        return;
    free(q->slot_of_id);
    free(q->order);
    free(q->rank);
    free(q->out_off);
    free(q->in_off);
    free(q->out_edge);
    free(q->in_edge);
    free(q->utt_tokens);
    free(q);
}

double query_activation(const QueryNet *q, int32_t s)
{
    return q->n->has_act[s] ? q->n->act[s] : 0.0;
}

int32_t query_slot(const QueryNet *q, const char *word)
{
    int32_t s = net_slot_of_word(q->n, word);
    return s >= 0 && query_living(q, s) ? s : -1;
}

bool query_history_complete(const QueryNet *q)
{
    return q->nkept == q->n->nhistory;
}

static const NetEdge *edge(const QueryNet *q, size_t e) { return &q->l->out.edges[e]; }

static int32_t src_slot(const QueryNet *q, size_t e) { return q->slot_of_id[edge(q, e)->src]; }
static int32_t dst_slot(const QueryNet *q, size_t e) { return q->slot_of_id[edge(q, e)->dst]; }

double query_weight(const QueryNet *q, int32_t src, int32_t dst)
{
    for (size_t k = q->out_off[src]; k < q->out_off[src + 1]; k++)
        if (dst_slot(q, q->out_edge[k]) == dst)
            return edge(q, q->out_edge[k])->w;
    return 0.0;
}

/* ---- sorting: descending value; ties by word_to_neuron order, or by id ---- */

static const QueryNet *sort_q;   /* qsort has no context argument */

static int cmp_scored_rank(const void *a, const void *b)
{
    const Scored *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return (sort_q->rank[x->slot] > sort_q->rank[y->slot]) - (sort_q->rank[x->slot] < sort_q->rank[y->slot]);
}

static int cmp_scored_id(const void *a, const void *b)
{
    const Scored *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    int64_t i = sort_q->n->id[x->slot], j = sort_q->n->id[y->slot];
    return (i > j) - (i < j);
}

static int cmp_assoc(const void *a, const void *b)
{
    const Assoc *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    int64_t xs = sort_q->n->id[x->src], ys = sort_q->n->id[y->src];
    if (xs != ys)
        return xs < ys ? -1 : 1;
    int64_t xd = sort_q->n->id[x->dst], yd = sort_q->n->id[y->dst];
    return (xd > yd) - (xd < yd);
}

static void sort_scored(const QueryNet *q, Scored *v, size_t k, int (*cmp)(const void *, const void *))
{
    sort_q = q;
    if (k > 1)
        qsort(v, k, sizeof *v, cmp);
}

/* ---- spreading activation ------------------------------------------------------ */

Scored *query_spread(const QueryNet *q, const int32_t *seeds, size_t nseeds, int steps, double threshold,
                     size_t *count, double *sum)
{
    const Net *n = q->n;
    size_t ns = (size_t)n->nslots + 1;
    uint8_t *in = xcalloc(ns, 1), *seed = xcalloc(ns, 1);
    double *a = xcalloc(ns, sizeof *a), *next = xcalloc(ns, sizeof *next);
    int32_t *members = xmalloc((q->nliving + 1) * sizeof *members);
    for (size_t k = 0; k < nseeds; k++)
        seed[seeds[k]] = 1;
    size_t nm = 0;
    /* the reference's activations dict: living neurons with an entry; a
     * seed without one gets it when it is set to 1 */
    for (size_t r = 0; r < q->nliving; r++) {
        int32_t s = q->order[r];
        if (n->has_act[s] || seed[s]) {
            in[s] = 1;
            members[nm++] = s;
            a[s] = seed[s] ? 1.0 : n->p.minimum_activation;
        }
    }
    for (int step = 0; step < steps; step++) {
        for (size_t k = 0; k < nm; k++) {
            int32_t s = members[k];
            double h = n->p.bias;
            for (size_t e = q->in_off[s]; e < q->in_off[s + 1]; e++) {
                int32_t o = src_slot(q, q->in_edge[e]);
                if (in[o] && o != s)
                    h += edge(q, q->in_edge[e])->w * a[o];
            }
            double v = 1.0 / (1.0 + exp(-h));
            next[s] = v > n->p.minimum_activation ? v : n->p.minimum_activation;
        }
        for (size_t k = 0; k < nm; k++)
            a[members[k]] = next[members[k]];
    }
    Scored *r = xmalloc((nm + 1) * sizeof *r);
    size_t k = 0;
    double total = 0.0;
    for (size_t i = 0; i < nm; i++) {
        int32_t s = members[i];
        if (!seed[s] && a[s] > threshold) {
            r[k++] = (Scored){ s, a[s] };
            total += a[s];
        }
    }
    sort_scored(q, r, k, cmp_scored_rank);
    free(in);
    free(seed);
    free(a);
    free(next);
    free(members);
    *count = k;
    if (sum)
        *sum = total;
    return r;
}

/* ---- concept average ------------------------------------------------------------ */

Scored *query_average(const QueryNet *q, const int32_t *seeds, size_t nseeds, double *act, size_t *count)
{
    const Net *n = q->n;
    size_t ns = (size_t)n->nslots + 1;
    double *acc = xcalloc(ns, sizeof *acc);
    uint8_t *seed = xcalloc(ns, 1);
    double total_act = 0.0;
    for (size_t k = 0; k < nseeds; k++) {
        int32_t s = seeds[k];
        seed[s] = 1;
        total_act += query_activation(q, s);
        for (size_t e = q->out_off[s]; e < q->out_off[s + 1]; e++)
            acc[dst_slot(q, q->out_edge[e])] += edge(q, q->out_edge[e])->w;
    }
    *act = total_act / (double)nseeds;
    size_t nbyid;
    IdSlot *byid = net_by_id(n, false, &nbyid);
    Scored *r = xmalloc((q->nliving + 1) * sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < nbyid; i++) {
        int32_t s = byid[i].slot;
        double avg = acc[s] / (double)nseeds;
        if (!seed[s] && avg > query_defaults.average_min_weight)
            r[k++] = (Scored){ s, avg };
    }
    sort_scored(q, r, k, cmp_scored_id);
    free(byid);
    free(acc);
    free(seed);
    *count = k;
    return r;
}

/* ---- fellows, strongest, flow ---------------------------------------------------- */

/* Marks (in mark[slot]) every living word the speaker uttered. */
static void speaker_words(const QueryNet *q, int32_t speaker, uint8_t *mark)
{
    const Net *n = q->n;
    for (size_t i = 0; i < q->nkept; i++) {
        if (n->history[i].speaker != speaker)
            continue;
        const char *t = q->utt_tokens[i];
        for (uint64_t k = 0; k < n->history[i].tokens; k++, t = query_next_token(t)) {
            int32_t s = query_slot(q, t);
            if (s >= 0)
                mark[s] = 1;
        }
    }
}

Assoc *query_fellows(const QueryNet *q, int32_t c, double threshold, int32_t speaker, size_t *count)
{
    size_t deg = (q->out_off[c + 1] - q->out_off[c]) + (q->in_off[c + 1] - q->in_off[c]);
    Assoc *r = xmalloc((deg + 1) * sizeof *r);
    uint8_t *mark = NULL;
    if (speaker >= 0) {
        mark = xcalloc((size_t)q->n->nslots + 1, 1);
        speaker_words(q, speaker, mark);
    }
    size_t k = 0;
    for (int dir = 0; dir < 2; dir++) {
        const size_t *off = dir ? q->in_off : q->out_off, *list = dir ? q->in_edge : q->out_edge;
        for (size_t i = off[c]; i < off[c + 1]; i++) {
            const NetEdge *e = edge(q, list[i]);
            int32_t s = src_slot(q, list[i]), d = dst_slot(q, list[i]);
            int32_t other = dir ? s : d;
            if (e->w > threshold && query_living(q, other) && (!mark || mark[other]))
                r[k++] = (Assoc){ s, d, e->w, e->m };
        }
    }
    sort_q = q;
    if (k > 1)
        qsort(r, k, sizeof *r, cmp_assoc);
    free(mark);
    *count = k;
    return r;
}

Assoc *query_strongest(const QueryNet *q, double min, size_t *count)
{
    const NetOutputs *o = &q->l->out;
    Assoc *r = xmalloc((o->nedges + 1) * sizeof *r);
    size_t k = 0;
    for (size_t e = 0; e < o->nedges; e++) {
        int32_t s = src_slot(q, e), d = dst_slot(q, e);
        if (o->edges[e].w > min && query_living(q, s) && query_living(q, d))
            r[k++] = (Assoc){ s, d, o->edges[e].w, o->edges[e].m };
    }
    sort_q = q;
    if (k > 1)
        qsort(r, k, sizeof *r, cmp_assoc);
    *count = k;
    return r;
}

void query_flow(const QueryNet *q, int32_t c, double threshold, Flow *f)
{
    memset(f, 0, sizeof *f);
    f->out = xmalloc((q->out_off[c + 1] - q->out_off[c] + 1) * sizeof *f->out);
    f->in = xmalloc((q->in_off[c + 1] - q->in_off[c] + 1) * sizeof *f->in);
    for (size_t i = q->out_off[c]; i < q->out_off[c + 1]; i++) {
        int32_t d = dst_slot(q, q->out_edge[i]);
        double w = edge(q, q->out_edge[i])->w;
        if (w >= threshold && query_living(q, d) && d != c)
            f->out[f->nout++] = (Scored){ d, w };
    }
    for (size_t i = q->in_off[c]; i < q->in_off[c + 1]; i++) {
        int32_t s = src_slot(q, q->in_edge[i]);
        double w = edge(q, q->in_edge[i])->w;
        if (w >= threshold && query_living(q, s) && s != c)
            f->in[f->nin++] = (Scored){ s, w };
    }
    sort_scored(q, f->out, f->nout, cmp_scored_rank);
    sort_scored(q, f->in, f->nin, cmp_scored_rank);
    for (size_t i = 0; i < f->nout; i++)
        f->total_out += f->out[i].value;
    for (size_t i = 0; i < f->nin; i++)
        f->total_in += f->in[i].value;
    double total = f->total_out + f->total_in;
    f->asymmetry = total > 0 ? fabs(f->total_out - f->total_in) / total : 0.0;
}

void query_flow_free(Flow *f)
{
    free(f->out);
    free(f->in);
    memset(f, 0, sizeof *f);
}

/* ---- statistics ------------------------------------------------------------------ */

/* The reference's activations dict: living ids with an entry and, for the
 * incoming kernel, dead ids that still hold one (as export.c lists them). */
static uint64_t count_active(const QueryNet *q, double above)
{
    const Net *n = q->n;
    uint64_t k = 0;
    for (size_t r = 0; r < q->nliving; r++) {
        int32_t s = q->order[r];
        if (n->has_act[s] && n->act[s] > above)
            k++;
    }
    if (n->p.activation_kernel == KERNEL_INCOMING) {
        for (int64_t id = 0; id < n->k_last_step; id++) {
            int32_t s = q->slot_of_id[id];
            double a;
            if (s >= 0 && query_living(q, s))
                continue;
            if (s >= 0)
                a = q->l->out.act[s];
            else if (!net_dead_entry(n, id, &a))
                continue;
            k += a > above;
        }
    }
    return k;
}

void query_stats(const QueryNet *q, NetStats *st)
{
    const NetOutputs *o = &q->l->out;
    const QueryDefaults *d = &query_defaults;
    memset(st, 0, sizeof *st);
    st->total_neurons = q->n->id_counter;
    st->active_neurons = count_active(q, d->stats_active_activation);
    double sum_w = 0.0;
    for (size_t e = 0; e < o->nedges; e++) {
        st->total_mass += o->edges[e].m;
        double w = o->edges[e].w;
        if (w > d->stats_min_connection) {
            st->total_connections++;
            sum_w += w;
            if (w > st->max_strength)
                st->max_strength = w;
            st->strong_connections += w > d->stats_strong_connection;
        }
    }
    st->average_mass = st->total_neurons > 0 ? st->total_mass / (double)st->total_neurons : 0.0;
    st->average_strength = st->total_connections ? sum_w / (double)st->total_connections : 0.0;
    st->conversation_length = q->n->nhistory;
}

void query_stats_json(JsonWriter *j, const QueryNet *q, const NetStats *s)
{
    const Net *n = q->n;
    json_begin_object(j);
    json_key(j, "query"); json_string(j, "network_statistics");
    json_key(j, "neuron_stats");
    json_begin_object(j);
    json_key(j, "total_neurons"); json_int(j, s->total_neurons);
    json_key(j, "active_neurons"); json_uint(j, s->active_neurons);
    json_key(j, "total_mass"); json_double(j, s->total_mass);
    json_key(j, "average_mass");
    if (s->total_neurons > 0)
        json_double(j, s->average_mass);
    else
        json_int(j, 0);
    json_end_object(j);
    json_key(j, "connection_stats");
    json_begin_object(j);
    json_key(j, "total_connections"); json_uint(j, s->total_connections);
    json_key(j, "strong_connections"); json_uint(j, s->strong_connections);
    json_key(j, "average_strength");
    if (s->total_connections)
        json_double(j, s->average_strength);
    else
        json_int(j, 0);
    json_key(j, "max_strength");
    if (s->total_connections)
        json_double(j, s->max_strength);
    else
        json_int(j, 0);
    json_end_object(j);
    json_key(j, "speaker_stats");
    json_begin_object(j);
    for (size_t k = 0; k < n->nspeakers; k++) {
        json_key(j, n->speakers[k].name);
        json_begin_object(j);
        json_key(j, "blocks_processed"); json_uint(j, n->speakers[k].blocks);
        /* the timeline holds one analysis per utterance */
        json_key(j, "timeline_length"); json_uint(j, n->speakers[k].blocks);
        json_end_object(j);
    }
    json_end_object(j);
    json_key(j, "conversation_length"); json_uint(j, s->conversation_length);
    json_end_object(j);
}

/* ---- history --------------------------------------------------------------------- */

size_t *query_evolution(const QueryNet *q, const char *word, size_t *count)
{
    const Net *n = q->n;
    check(query_history_complete(q));
    size_t *r = xmalloc((n->nhistory + 1) * sizeof *r), k = 0;
    for (size_t i = 0; i < n->nhistory; i++) {
        const char *t = q->utt_tokens[i];
        for (uint64_t m = 0; m < n->history[i].tokens; m++, t = query_next_token(t))
            if (!strcmp(t, word)) {
                r[k++] = i;
                break;
            }
    }
    *count = k;
    return r;
}

char *query_utterance_text(const QueryNet *q, size_t i)
{
    if (i >= q->nkept)
        return NULL;
    const char *t = q->utt_tokens[i];
    size_t len = 0;
    for (uint64_t m = 0; m < q->n->history[i].tokens; m++, t = query_next_token(t))
        len += strlen(t) + 1;
    char *s = xmalloc(len + 1), *o = s;
    t = q->utt_tokens[i];
    for (uint64_t m = 0; m < q->n->history[i].tokens; m++, t = query_next_token(t)) {
        if (m)
            *o++ = ' ';
        size_t l = strlen(t);
        memcpy(o, t, l);
        o += l;
    }
    *o = '\0';
    return s;
}

static int cmp_emerged(const void *a, const void *b)
{
    const Emerged *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (sort_q->rank[x->slot] > sort_q->rank[y->slot]) - (sort_q->rank[x->slot] < sort_q->rank[y->slot]);
}

Emerged *query_emergence(const QueryNet *q, double min_mass, size_t since, size_t *count)
{
    const Net *n = q->n;
    check(query_history_complete(q));
    size_t ns = (size_t)n->nslots + 1;
    size_t *first = xmalloc(ns * sizeof *first);
    for (size_t s = 0; s < ns; s++)
        first[s] = SIZE_MAX;
    for (size_t i = 0; i < n->nhistory; i++) {
        const char *t = q->utt_tokens[i];
        for (uint64_t m = 0; m < n->history[i].tokens; m++, t = query_next_token(t)) {
            int32_t s = query_slot(q, t);
            if (s >= 0 && first[s] == SIZE_MAX)
                first[s] = i;
        }
    }
    Emerged *r = xmalloc((q->nliving + 1) * sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < q->nliving; i++) {
        int32_t s = q->order[i];
        double mass = q->l->out.mass[s];
        if (!(mass >= min_mass))
            continue;
        bool mentioned = first[s] != SIZE_MAX;
        size_t step = mentioned ? first[s] : 0;
        if (step >= since)
            r[k++] = (Emerged){ s, step, mentioned, mass, query_activation(q, s) };
    }
    sort_q = q;
    if (k > 1)
        qsort(r, k, sizeof *r, cmp_emerged);  /* ties keep word_to_neuron order */
    free(first);
    *count = k;
    return r;
}

Scored *query_top_concepts(const QueryNet *q, size_t *count)
{
    Scored *r = xmalloc((q->nliving + 1) * sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < q->nliving; i++) {
        int32_t s = q->order[i];
        if (q->out_off[s + 1] > q->out_off[s] || q->in_off[s + 1] > q->in_off[s])
            r[k++] = (Scored){ s, q->l->out.mass[s] };
    }
    sort_scored(q, r, k, cmp_scored_id);
    *count = k;
    return r;
}

/* ---- the command ---------------------------------------------------------------- */

#define QUERY_USAGE                                                                                       \
    "usage: huey query FILE.h5 WHAT [--json]\n"                                                           \
    "  associations WORD... [--steps N] [--threshold X] [--top N]   spreading activation\n"               \
    "  fellows WORD [--threshold X] [--speaker S] [--top N]         connections above X\n"                \
    "  strongest [WORD] [--top N] [--min X]                         strongest connections\n"              \
    "  self-concept [--speaker S] [--steps N] [--threshold X] [--top N]\n"                                \
    "  stats | speakers | emergence [--min X] [--since N]\n"                                              \
    "  average WORD WORD... [--top N] | evolution WORD | flow WORD [--threshold X]"

/* What each query accepts. */
enum { OPT_STEPS = 1, OPT_THRESHOLD = 2, OPT_TOP = 4, OPT_MIN = 8, OPT_SPEAKER = 16, OPT_SINCE = 32 };

typedef struct QueryArgs {
    const char *what;
    const char **words;
    size_t nwords;
    int given;               /* OPT_* seen on the command line */
    long steps, top, since;
    double threshold, min;
    const char *speaker;
    bool json;
} QueryArgs;

static long parse_count(const char *opt, const char *v, long lo)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > 1000000000L)
        die_usage("option %s: expected an integer >= %ld, got '%s'", opt, lo, v);
    return x;
}

static double parse_number(const char *opt, const char *v)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(x) || x < 0)
        die_usage("option %s: expected a number >= 0, got '%s'", opt, v);
    return x;
}

static void parse_args(int argc, char **argv, QueryArgs *a)
{
    static const struct { const char *name; int flag; } opts[] = {
        { "--steps", OPT_STEPS }, { "--threshold", OPT_THRESHOLD }, { "--top", OPT_TOP },
        { "--min", OPT_MIN }, { "--speaker", OPT_SPEAKER }, { "--since", OPT_SINCE },
    };
    a->words = xmalloc(((size_t)argc + 1) * sizeof *a->words);
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--json")) {
            a->json = true;
            continue;
        }
        if (s[0] != '-' || s[1] != '-') {
            a->words[a->nwords++] = s;
            continue;
        }
        int flag = 0;
        for (size_t k = 0; k < sizeof opts / sizeof *opts; k++)
            if (!strcmp(s, opts[k].name))
                flag = opts[k].flag;
        if (!flag)
            die_usage("unknown option '%s'\n%s", s, QUERY_USAGE);
        if (i + 1 >= argc)
            die_usage("option %s needs a value", s);
        const char *v = argv[++i];
        a->given |= flag;
        switch (flag) {
        case OPT_STEPS: a->steps = parse_count(s, v, 1); break;
        case OPT_TOP: a->top = parse_count(s, v, 1); break;
        case OPT_SINCE: a->since = parse_count(s, v, 0); break;
        case OPT_THRESHOLD: a->threshold = parse_number(s, v); break;
        case OPT_MIN: a->min = parse_number(s, v); break;
        default: a->speaker = v; break;
        }
    }
}

/* The query word as the network spells it (lower case, like every token
 * and speaker word), or exit 1 naming it. */
static int32_t word_slot(const QueryNet *q, const char *w)
{
    size_t n = strlen(w);
    if (utf8_validate(w, n) != n)
        die("word '%s' is not valid UTF-8", w);
    char *low = NULL;
    size_t len = 0, cap = 0;
    py_lower(w, n, &low, &len, &cap);
    GROW(low, cap, len + 1);
    low[len] = '\0';
    int32_t s = query_slot(q, low);
    free(low);
    if (s < 0)
        die("word '%s' is not in the network", w);
    return s;
}

static int32_t speaker_index(const Net *n, const char *name)
{
    for (size_t k = 0; k < n->nspeakers; k++)
        if (!strcmp(n->speakers[k].name, name))
            return (int32_t)k;
    die("speaker '%s' is not in the network (huey info lists the speakers)", name);
}

static void need_history(const QueryNet *q, const char *what)
{
    if (!query_history_complete(q))
        die("query %s needs the tokens of every utterance, but the checkpoint kept only those of the first %zu of "
            "%zu utterances (history_tokens = %lld); run again with a larger --history-tokens",
            what, q->nkept, q->n->nhistory, (long long)q->n->p.history_tokens);
}

static const char *num(char *buf, double v)
{
    fmt_double(buf, v);
    return buf;
}

static const char *word_of(const QueryNet *q, int32_t s) { return q->n->word[s] ? q->n->word[s] : ""; }

static void json_scored(JsonWriter *j, const QueryNet *q, const Scored *r, size_t k, const char *value_key)
{
    json_begin_array(j);
    for (size_t i = 0; i < k; i++) {
        json_begin_object(j);
        json_key(j, "word"); json_string(j, word_of(q, r[i].slot));
        json_key(j, "id"); json_int(j, q->n->id[r[i].slot]);
        json_key(j, value_key); json_double(j, r[i].value);
        json_end_object(j);
    }
    json_end_array(j);
}

static void print_scored(const QueryNet *q, const Scored *r, size_t k, const char *value_name)
{
    char b[40];
    printf("# rank  %-22s  %8s  word\n", value_name, "id");
    for (size_t i = 0; i < k; i++)
        printf("%6zu  %-22s  %8lld  %s\n", i + 1, num(b, r[i].value), (long long)q->n->id[r[i].slot],
               word_of(q, r[i].slot));
}

static void json_words(JsonWriter *j, const QueryNet *q, const int32_t *slots, size_t k)
{
    json_begin_array(j);
    for (size_t i = 0; i < k; i++)
        json_string(j, word_of(q, slots[i]));
    json_end_array(j);
}

/* associations / context: spreading activation from the words */
static void run_associations(const QueryNet *q, const QueryArgs *a, const int32_t *seeds)
{
    size_t k;
    Scored *r = query_spread(q, seeds, a->nwords, (int)a->steps, a->threshold, &k, NULL);
    size_t shown = k < (size_t)a->top ? k : (size_t)a->top;
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, a->nwords == 1 ? "query_associations" : "query_context");
        json_key(&j, "query_words"); json_words(&j, q, seeds, a->nwords);
        json_key(&j, "spreading_iterations"); json_int(&j, a->steps);
        json_key(&j, "activation_threshold"); json_double(&j, a->threshold);
        json_key(&j, "total_activated"); json_uint(&j, k);
        json_key(&j, "associations"); json_scored(&j, q, r, shown, "activation");
        json_end_object(&j);
    } else {
        char b[40];
        printf("# associations of");
        for (size_t i = 0; i < a->nwords; i++)
            printf(" %s", word_of(q, seeds[i]));
        printf(": spreading activation, %ld steps; %zu neurons above %s, top %zu\n", a->steps, k,
               num(b, a->threshold), shown);
        print_scored(q, r, shown, "activation");
    }
    free(r);
}

static void json_assoc(JsonWriter *j, const QueryNet *q, const Assoc *r, size_t k)
{
    json_begin_array(j);
    for (size_t i = 0; i < k; i++) {
        json_begin_object(j);
        json_key(j, "source"); json_string(j, word_of(q, r[i].src));
        json_key(j, "source_id"); json_int(j, q->n->id[r[i].src]);
        json_key(j, "target"); json_string(j, word_of(q, r[i].dst));
        json_key(j, "target_id"); json_int(j, q->n->id[r[i].dst]);
        json_key(j, "strength"); json_double(j, r[i].w);
        json_key(j, "mass"); json_double(j, r[i].m);
        json_end_object(j);
    }
    json_end_array(j);
}

static void print_assoc(const QueryNet *q, const Assoc *r, size_t k)
{
    char b[40], c[40];
    printf("# rank  %-22s  %-22s  source -> target\n", "strength", "mass");
    for (size_t i = 0; i < k; i++)
        printf("%6zu  %-22s  %-22s  %s -> %s\n", i + 1, num(b, r[i].w), num(c, r[i].m), word_of(q, r[i].src),
               word_of(q, r[i].dst));
}

static double mean_strength(const Assoc *r, size_t k)
{
    double s = 0.0;
    for (size_t i = 0; i < k; i++)
        s += r[i].w;
    return k ? s / (double)k : 0.0;
}

/* fellows WORD and strongest [WORD] */
static void run_fellows(const QueryNet *q, const QueryArgs *a, int32_t c, bool strongest)
{
    int32_t sp = a->speaker ? speaker_index(q->n, a->speaker) : -1;
    if (sp >= 0)
        need_history(q, "fellows --speaker");
    size_t k;
    /* strongest_associations of a word is cluster_fellows above min_strength */
    double threshold = strongest ? a->min : a->threshold;
    Assoc *r = c >= 0 ? query_fellows(q, c, threshold, sp, &k) : query_strongest(q, threshold, &k);
    size_t shown = a->top && (size_t)a->top < k ? (size_t)a->top : k;
    const char *name = strongest ? "strongest_associations" : "cluster_fellows";
    char b[40], m[40];
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, name);
        if (c >= 0) {
            json_key(&j, "target_concept"); json_string(&j, word_of(q, c));
        }
        if (strongest) {
            json_key(&j, "top_n"); json_int(&j, a->top);
            json_key(&j, "min_strength"); json_double(&j, a->min);
        } else {
            json_key(&j, "speaker_filter");
            if (a->speaker)
                json_string(&j, a->speaker);
            else
                json_null(&j);
            json_key(&j, "threshold"); json_double(&j, a->threshold);
        }
        json_key(&j, strongest ? "total_found" : "total_fellows"); json_uint(&j, k);
        if (strongest && c >= 0) {
            json_key(&j, "average_strength"); json_double(&j, mean_strength(r, shown));
        }
        json_key(&j, strongest ? "associations" : "fellow_concepts"); json_assoc(&j, q, r, shown);
        json_end_object(&j);
    } else {
        if (strongest && c >= 0)
            printf("# strongest associations of %s: %zu connections above %s, top %zu, average strength %s\n",
                   word_of(q, c), k, num(b, a->min), shown, num(m, mean_strength(r, shown)));
        else if (strongest)
            printf("# strongest associations: %zu connections above %s, top %zu\n", k, num(b, a->min), shown);
        else
            printf("# cluster fellows of %s%s%s: %zu connections above %s (either direction)\n", word_of(q, c),
                   a->speaker ? " uttered by " : "", a->speaker ? a->speaker : "", k, num(b, a->threshold));
        print_assoc(q, r, shown);
    }
    free(r);
}

static void json_self_concept(JsonWriter *j, const QueryNet *q, size_t s)
{
    const SelfConcept *sc = &q->l->self[s];
    json_begin_object(j);
    json_key(j, "speaker"); json_string(j, q->n->speakers[s].name);
    json_key(j, "speaker_neuron_id");
    if (sc->speaker_neuron_id >= 0)
        json_int(j, sc->speaker_neuron_id);
    else
        json_null(j);
    json_key(j, "self_concept_mass"); json_double(j, sc->mass);
    json_key(j, "blocks_processed"); json_uint(j, q->n->speakers[s].blocks);
    json_key(j, "self_concept_neurons");
    json_begin_array(j);
    for (int p = 0; p < sc->nparts; p++) {
        const SelfConceptPart *part = &sc->parts[p];
        json_begin_object(j);
        json_key(j, "pronoun"); json_string(j, part->pronoun);
        export_self_concept_part(j, part);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

static void run_self_concept(const QueryNet *q, const QueryArgs *a)
{
    const Net *n = q->n;
    int32_t only = a->speaker ? speaker_index(n, a->speaker) : -1;
    int32_t seeds[QUERY_N_SYSTEM_PRONOUNS];
    size_t ns = 0;
    for (int k = 0; k < QUERY_N_SYSTEM_PRONOUNS; k++) {
        int32_t s = query_slot(q, query_system_pronouns[k]);
        if (s >= 0)
            seeds[ns++] = s;
    }
    size_t k = 0;
    double strength = 0.0;
    Scored *r = ns ? query_spread(q, seeds, ns, (int)a->steps, a->threshold, &k, &strength) : NULL;
    size_t shown = k < (size_t)a->top ? k : (size_t)a->top;
    char b[40], c[40], e[40];
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, "self_concept");
        json_key(&j, "speakers");
        json_begin_array(&j);
        for (size_t s = 0; s < n->nspeakers; s++)
            if (only < 0 || (size_t)only == s)
                json_self_concept(&j, q, s);
        json_end_array(&j);
        json_key(&j, "system_self_concept");
        json_begin_object(&j);
        json_key(&j, "found_system_pronouns"); json_words(&j, q, seeds, ns);
        json_key(&j, "self_concept_found"); json_bool(&j, ns > 0);
        json_key(&j, "spreading_iterations"); json_int(&j, a->steps);
        json_key(&j, "activation_threshold"); json_double(&j, a->threshold);
        json_key(&j, "total_self_associations"); json_uint(&j, k);
        json_key(&j, "self_concept_strength"); json_double(&j, strength);
        json_key(&j, "self_associations"); json_scored(&j, q, r, shown, "activation");
        json_end_object(&j);
        json_end_object(&j);
    } else {
        printf("# self-concept per speaker: mass from the speaker neuron's links to its self pronouns\n");
        printf("# speaker               %-22s  utterances  speaker_id\n", "mass");
        for (size_t s = 0; s < n->nspeakers; s++)
            if (only < 0 || (size_t)only == s)
                printf("%-22s  %-22s  %10llu  %10lld\n", n->speakers[s].name, num(b, q->l->self[s].mass),
                       (unsigned long long)n->speakers[s].blocks, (long long)q->l->self[s].speaker_neuron_id);
        printf("# pronoun parts: speaker, pronoun, pronoun_id, mass, link, strength, link mass\n");
        for (size_t s = 0; s < n->nspeakers; s++) {
            if (only >= 0 && (size_t)only != s)
                continue;
            const SelfConcept *sc = &q->l->self[s];
            for (int p = 0; p < sc->nparts; p++)
                for (int l = 0; l < sc->parts[p].nlinks; l++) {
                    const SelfConceptLink *lk = &sc->parts[p].links[l];
                    printf("%-22s  %-10s  %8lld  %-22s  %s%s  %s  %s\n", n->speakers[s].name, sc->parts[p].pronoun,
                           (long long)sc->parts[p].neuron_id, num(b, sc->parts[p].mass), lk->prefix, lk->word,
                           num(c, lk->strength), num(e, lk->mass));
                }
        }
        if (!ns) {
            printf("# system self-concept: none of you/your/yours/yourself is in the network\n");
        } else {
            printf("# system self-concept: spreading activation from");
            for (size_t i = 0; i < ns; i++)
                printf(" %s", word_of(q, seeds[i]));
            printf(", %ld steps; %zu neurons above %s (total activation %s), top %zu\n", a->steps, k,
                   num(b, a->threshold), num(c, strength), shown);
            print_scored(q, r, shown, "activation");
        }
    }
    free(r);
}

static void run_stats(const QueryNet *q, const QueryArgs *a)
{
    NetStats s;
    query_stats(q, &s);
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        query_stats_json(&j, q, &s);
        return;
    }
    char b[40];
    printf("# network statistics\n");
    printf("%-20s %lld\n", "total_neurons", (long long)s.total_neurons);
    printf("%-20s %llu\n", "active_neurons", (unsigned long long)s.active_neurons);
    printf("%-20s %s\n", "total_mass", num(b, s.total_mass));
    printf("%-20s %s\n", "average_mass", num(b, s.average_mass));
    printf("%-20s %llu\n", "total_connections", (unsigned long long)s.total_connections);
    printf("%-20s %llu\n", "strong_connections", (unsigned long long)s.strong_connections);
    printf("%-20s %s\n", "average_strength", num(b, s.average_strength));
    printf("%-20s %s\n", "max_strength", num(b, s.max_strength));
    printf("%-20s %zu\n", "conversation_length", s.conversation_length);
    printf("# speaker              blocks_processed  timeline_length\n");
    for (size_t k = 0; k < q->n->nspeakers; k++)
        printf("%-22s %16llu  %15llu\n", q->n->speakers[k].name, (unsigned long long)q->n->speakers[k].blocks,
               (unsigned long long)q->n->speakers[k].blocks);
}

static void run_average(const QueryNet *q, const QueryArgs *a, const int32_t *seeds)
{
    double act;
    size_t k;
    Scored *r = query_average(q, seeds, a->nwords, &act, &k);
    size_t shown = k < (size_t)a->top ? k : (size_t)a->top;
    /* the reference's synthetic name, Average(a+b+...) */
    size_t len = 10;
    for (size_t i = 0; i < a->nwords; i++)
        len += strlen(word_of(q, seeds[i])) + 1;
    char *name = xmalloc(len), *o = name;
    o += sprintf(o, "Average(");
    for (size_t i = 0; i < a->nwords; i++)
        o += sprintf(o, "%s%s", i ? "+" : "", word_of(q, seeds[i]));
    sprintf(o, ")");
    char b[40], c[40];
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, "query_concept_average");
        json_key(&j, "synthetic_name"); json_string(&j, name);
        json_key(&j, "input_concepts"); json_words(&j, q, seeds, a->nwords);
        json_key(&j, "synthetic_activation"); json_double(&j, act);
        json_key(&j, "total_neighbors_found"); json_uint(&j, k);
        json_key(&j, "blend_strength"); json_uint(&j, a->nwords);
        json_key(&j, "nearest_neighbors"); json_scored(&j, q, r, shown, "strength");
        json_end_object(&j);
    } else {
        printf("# %s: mean outgoing weight profile; synthetic activation %s; %zu neighbours above %s, top %zu\n",
               name, num(b, act), k, num(c, query_defaults.average_min_weight), shown);
        print_scored(q, r, shown, "mean_weight");
    }
    free(name);
    free(r);
}

static void run_speakers(const QueryNet *q, const QueryArgs *a)
{
    const Net *n = q->n;
    if (n->nspeakers < 2)
        die("query speakers compares speakers, and the network has %zu", n->nspeakers);
    char b[40], c[40];
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, "speaker_differences");
        json_key(&j, "speakers");
        json_begin_array(&j);
        for (size_t s = 0; s < n->nspeakers; s++)
            json_string(&j, n->speakers[s].name);
        json_end_array(&j);
        json_key(&j, "individual_analyses");
        json_begin_object(&j);
        for (size_t s = 0; s < n->nspeakers; s++) {
            json_key(&j, n->speakers[s].name);
            json_begin_object(&j);
            json_key(&j, "self_concept_mass"); json_double(&j, q->l->self[s].mass);
            json_key(&j, "blocks_processed"); json_uint(&j, n->speakers[s].blocks);
            json_end_object(&j);
        }
        json_end_object(&j);
        json_key(&j, "pairwise_differences");
        json_begin_object(&j);
        for (size_t s = 0; s < n->nspeakers; s++)
            for (size_t t = s + 1; t < n->nspeakers; t++) {
                size_t kl = strlen(n->speakers[s].name) + strlen(n->speakers[t].name) + 5;
                char *key = xmalloc(kl);
                snprintf(key, kl, "%s_vs_%s", n->speakers[s].name, n->speakers[t].name);
                json_key(&j, key);
                free(key);
                json_begin_object(&j);
                json_key(&j, "mass_difference"); json_double(&j, fabs(q->l->self[s].mass - q->l->self[t].mass));
                json_key(&j, "concept_overlap"); json_double(&j, query_defaults.concept_overlap);
                json_end_object(&j);
            }
        json_end_object(&j);
        json_end_object(&j);
        return;
    }
    printf("# speaker               %-22s  utterances\n", "self_concept_mass");
    for (size_t s = 0; s < n->nspeakers; s++)
        printf("%-22s  %-22s  %10llu\n", n->speakers[s].name, num(b, q->l->self[s].mass),
               (unsigned long long)n->speakers[s].blocks);
    printf("# pair: |mass difference|\n");
    for (size_t s = 0; s < n->nspeakers; s++)
        for (size_t t = s + 1; t < n->nspeakers; t++)
            printf("%s_vs_%s  %s\n", n->speakers[s].name, n->speakers[t].name,
                   num(c, fabs(q->l->self[s].mass - q->l->self[t].mass)));
}

/* The reference's text_snippet: the first snippet_chars characters and
 * "..." when longer (characters, not bytes). */
static char *snippet(const char *text)
{
    size_t chars = 0, i = 0, len = strlen(text);
    while (i < len && chars < (size_t)query_defaults.snippet_chars) {
        i++;
        while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    char *s = xmalloc(i + 4);
    memcpy(s, text, i);
    strcpy(s + i, i < len ? "..." : "");
    return s;
}

static void run_evolution(const QueryNet *q, const QueryArgs *a, int32_t c)
{
    const Net *n = q->n;
    need_history(q, "evolution");
    size_t k;
    size_t *steps = query_evolution(q, word_of(q, c), &k);
    char b[40];
    JsonWriter j;
    if (a->json) {
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, "temporal_evolution");
        json_key(&j, "concept"); json_string(&j, word_of(q, c));
        json_key(&j, "total_mentions"); json_uint(&j, k);
        json_key(&j, "evolution_timeline");
        json_begin_array(&j);
    } else {
        printf("# evolution of %s: mentioned in %zu of %zu utterances (text = the utterance's kept tokens)\n",
               word_of(q, c), k, n->nhistory);
        printf("# step  speaker               %-22s  text\n", "self_concept_mass");
    }
    for (size_t i = 0; i < k; i++) {
        const UttRecord *h = &n->history[steps[i]];
        char *text = query_utterance_text(q, steps[i]);
        char *snip = snippet(text);
        if (a->json) {
            json_begin_object(&j);
            json_key(&j, "step"); json_uint(&j, steps[i]);
            json_key(&j, "speaker"); json_string(&j, n->speakers[h->speaker].name);
            json_key(&j, "text_snippet"); json_string(&j, snip);
            json_key(&j, "self_concept_mass"); json_double(&j, h->self_concept_mass);
            json_end_object(&j);
        } else {
            printf("%6zu  %-20s  %-22s  %s\n", steps[i], n->speakers[h->speaker].name,
                   num(b, h->self_concept_mass), snip);
        }
        free(snip);
        free(text);
    }
    if (a->json) {
        json_end_array(&j);
        json_end_object(&j);
    }
    free(steps);
}

static void run_emergence(const QueryNet *q, const QueryArgs *a)
{
    need_history(q, "emergence");
    size_t k;
    Emerged *r = query_emergence(q, a->min, (size_t)a->since, &k);
    char b[40], c[40];
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, "concept_emergence");
        json_key(&j, "since_step"); json_int(&j, a->since);
        json_key(&j, "min_mass"); json_double(&j, a->min);
        json_key(&j, "total_emergences"); json_uint(&j, k);
        json_key(&j, "emerged_concepts");
        json_begin_array(&j);
        for (size_t i = 0; i < k; i++) {
            json_begin_object(&j);
            json_key(&j, "concept"); json_string(&j, word_of(q, r[i].slot));
            json_key(&j, "id"); json_int(&j, q->n->id[r[i].slot]);
            json_key(&j, "emergence_step"); json_uint(&j, r[i].step);
            json_key(&j, "mentioned"); json_bool(&j, r[i].mentioned);
            json_key(&j, "current_mass"); json_double(&j, r[i].mass);
            json_key(&j, "current_activation"); json_double(&j, r[i].activation);
            json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
    } else {
        printf("# concept emergence: first utterance containing each concept of mass >= %s "
               "(step 0 and mentioned = no when none does, as the reference)\n", num(b, a->min));
        printf("# step  mentioned  %-22s  %-22s  %8s  concept\n", "mass", "activation", "id");
        for (size_t i = 0; i < k; i++)
            printf("%6zu  %-9s  %-22s  %-22s  %8lld  %s\n", r[i].step, r[i].mentioned ? "yes" : "no",
                   num(b, r[i].mass), num(c, r[i].activation), (long long)q->n->id[r[i].slot], word_of(q, r[i].slot));
    }
    free(r);
}

/* Neighbours of c through a connection of w >= threshold in either
 * direction, with both weights and the ratio out / max(in, floor). */
typedef struct Neighbour {
    int32_t slot;
    double out, in, ratio;
} Neighbour;

static int cmp_neighbour(const void *a, const void *b)
{
    const Neighbour *x = a, *y = b;
    if (x->ratio != y->ratio)
        return x->ratio > y->ratio ? -1 : 1;
    return (sort_q->rank[x->slot] > sort_q->rank[y->slot]) - (sort_q->rank[x->slot] < sort_q->rank[y->slot]);
}

static void run_flow(const QueryNet *q, const QueryArgs *a, int32_t c)
{
    Flow f;
    query_flow(q, c, a->threshold, &f);
    Neighbour *nb = xmalloc((f.nout + f.nin + 1) * sizeof *nb);
    size_t nn = 0;
    uint8_t *seen = xcalloc((size_t)q->n->nslots + 1, 1);
    for (int dir = 0; dir < 2; dir++) {
        const Scored *v = dir ? f.in : f.out;
        size_t k = dir ? f.nin : f.nout;
        for (size_t i = 0; i < k; i++) {
            int32_t s = v[i].slot;
            if (seen[s])
                continue;
            seen[s] = 1;
            double w_out = query_weight(q, c, s), w_in = query_weight(q, s, c);
            double floor = query_defaults.flow_ratio_floor;
            nb[nn++] = (Neighbour){ s, w_out, w_in, w_out / (w_in > floor ? w_in : floor) };
        }
    }
    sort_q = q;
    if (nn > 1)
        qsort(nb, nn, sizeof *nb, cmp_neighbour);
    char b[40], d[40], e[40], g[40];
    if (a->json) {
        JsonWriter j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query"); json_string(&j, "concept_flow");
        json_key(&j, "concept"); json_string(&j, word_of(q, c));
        json_key(&j, "threshold"); json_double(&j, a->threshold);
        json_key(&j, "total_outgoing"); json_double(&j, f.total_out);
        json_key(&j, "total_incoming"); json_double(&j, f.total_in);
        json_key(&j, "asymmetry_score"); json_double(&j, f.asymmetry);
        json_key(&j, "outgoing"); json_scored(&j, q, f.out, f.nout, "strength");
        json_key(&j, "incoming"); json_scored(&j, q, f.in, f.nin, "strength");
        json_key(&j, "neighbours");
        json_begin_array(&j);
        for (size_t i = 0; i < nn; i++) {
            json_begin_object(&j);
            json_key(&j, "word"); json_string(&j, word_of(q, nb[i].slot));
            json_key(&j, "id"); json_int(&j, q->n->id[nb[i].slot]);
            json_key(&j, "out"); json_double(&j, nb[i].out);
            json_key(&j, "in"); json_double(&j, nb[i].in);
            json_key(&j, "ratio"); json_double(&j, nb[i].ratio);
            json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
    } else {
        printf("# flow of %s (connections >= %s): outgoing %s over %zu, incoming %s over %zu, asymmetry %s\n",
               word_of(q, c), num(b, a->threshold), num(d, f.total_out), f.nout, num(e, f.total_in), f.nin,
               num(g, f.asymmetry));
        printf("# outgoing (%s -> word), by strength\n", word_of(q, c));
        print_scored(q, f.out, f.nout, "strength");
        printf("# incoming (word -> %s), by strength\n", word_of(q, c));
        print_scored(q, f.in, f.nin, "strength");
        printf("# neighbours by asymmetry ratio\n");
        printf("# %-22s  %-22s  %-22s  %8s  word\n", "out w(c->j)", "in w(j->c)", "ratio out/max(in,0.001)", "id");
        for (size_t i = 0; i < nn; i++)
            printf("  %-22s  %-22s  %-22s  %8lld  %s\n", num(b, nb[i].out), num(d, nb[i].in), num(e, nb[i].ratio),
                   (long long)q->n->id[nb[i].slot], word_of(q, nb[i].slot));
    }
    free(seen);
    free(nb);
    query_flow_free(&f);
}

/* Each query: its name, the options it takes, its word count. */
typedef struct QuerySpec {
    const char *name;
    int opts;
    int min_words, max_words;  /* max -1: any */
} QuerySpec;

static const QuerySpec specs[] = {
    { "associations", OPT_STEPS | OPT_THRESHOLD | OPT_TOP, 1, -1 },
    { "fellows", OPT_THRESHOLD | OPT_SPEAKER | OPT_TOP, 1, 1 },
    { "strongest", OPT_TOP | OPT_MIN, 0, 1 },
    { "self-concept", OPT_SPEAKER | OPT_STEPS | OPT_THRESHOLD | OPT_TOP, 0, 0 },
    { "stats", 0, 0, 0 },
    { "average", OPT_TOP, 2, -1 },
    { "speakers", 0, 0, 0 },
    { "evolution", 0, 1, 1 },
    { "emergence", OPT_MIN | OPT_SINCE, 0, 0 },
    { "flow", OPT_THRESHOLD, 1, 1 },
};

int cmd_query(int argc, char **argv)
{
    if (argc < 2)
        die_usage("%s", QUERY_USAGE);
    QueryArgs a = { .what = argv[1] };
    const QuerySpec *spec = NULL;
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        if (!strcmp(a.what, specs[k].name))
            spec = &specs[k];
    if (!spec)
        die_usage("unknown query '%s'\n%s", a.what, QUERY_USAGE);
    parse_args(argc, argv, &a);
    if (a.given & ~spec->opts)
        die_usage("query %s does not take that option\n%s", a.what, QUERY_USAGE);
    if ((int)a.nwords < spec->min_words || (spec->max_words >= 0 && (int)a.nwords > spec->max_words))
        die_usage("query %s takes %s%d word%s\n%s", a.what, spec->max_words < 0 ? "at least " : "",
                  spec->max_words < 0 || spec->min_words == spec->max_words ? spec->min_words : spec->max_words,
                  spec->min_words == 1 && spec->max_words != 0 ? "" : "s", QUERY_USAGE);

    /* defaults: the reference's, per query */
    const QueryDefaults *d = &query_defaults;
    bool self = !strcmp(a.what, "self-concept");
    if (!(a.given & OPT_STEPS))
        a.steps = self ? d->self_spreading_iterations : d->spreading_iterations;
    if (!(a.given & OPT_TOP))
        a.top = !strcmp(a.what, "fellows") ? 0 : self ? d->self_max_results
                : !strcmp(a.what, "strongest") ? d->top_n : !strcmp(a.what, "average") ? d->num_results : d->max_results;
    if (!(a.given & OPT_THRESHOLD))
        a.threshold = !strcmp(a.what, "fellows") ? d->fellows_threshold
                      : !strcmp(a.what, "flow") ? d->flow_threshold : d->activation_threshold;
    if (!(a.given & OPT_MIN))
        a.min = !strcmp(a.what, "emergence") ? d->emergence_min_mass : d->min_strength;

    Loaded *l = offline_load(argv[0]);
    QueryNet *q = query_open(l);
    int32_t *slots = xmalloc((a.nwords + 1) * sizeof *slots);
    for (size_t i = 0; i < a.nwords; i++)
        slots[i] = word_slot(q, a.words[i]);

    if (!strcmp(a.what, "associations"))
        run_associations(q, &a, slots);
    else if (!strcmp(a.what, "fellows"))
        run_fellows(q, &a, slots[0], false);
    else if (!strcmp(a.what, "strongest"))
        run_fellows(q, &a, a.nwords ? slots[0] : -1, true);
    else if (self)
        run_self_concept(q, &a);
    else if (!strcmp(a.what, "stats"))
        run_stats(q, &a);
    else if (!strcmp(a.what, "average"))
        run_average(q, &a, slots);
    else if (!strcmp(a.what, "speakers"))
        run_speakers(q, &a);
    else if (!strcmp(a.what, "evolution"))
        run_evolution(q, &a, slots[0]);
    else if (!strcmp(a.what, "emergence"))
        run_emergence(q, &a);
    else
        run_flow(q, &a, slots[0]);

    free(slots);
    free(a.words);
    query_close(q);
    offline_free(l);
    return 0;
}
