/*
 * query.h — the reference's queries and analyses of a learned network
 * (huey-model.md §11 end and §13), computed on a checkpoint opened with
 * offline_load: spreading activation from seed words (query_associations,
 * query_context, query_self_concept), query_concept_average, the query
 * engine's cluster fellows, strongest associations, temporal evolution,
 * concept emergence and network statistics, and the web page's
 * directional flow of one concept. `huey query` prints them; the report
 * and the reference-layout export (report.c) reuse them.
 *
 * Neurons are named by slot (Net). "Living" means what the reference's
 * neuron_to_word holds: a slot with a word (zombies included, ghosts not).
 * Where the reference breaks ties by a dict's insertion order, huey uses
 * word_to_neuron order (q->rank), the closest order it keeps.
 */
#ifndef HUEY_QUERY_H
#define HUEY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "offline.h"

/* The constants of the reference's queries, under its names; every
 * default of `huey query` and of the report comes from here. */
typedef struct QueryDefaults {
    double activation_threshold;     /* spreading: results above this */
    int max_results;                 /* associations, context */
    int spreading_iterations;        /* associations, context */
    int self_spreading_iterations;   /* query_self_concept */
    int self_max_results;            /* query_self_concept */
    double fellows_threshold;        /* cluster_fellows: w > this */
    double min_strength;             /* strongest_associations: w > this */
    int top_n;                       /* strongest_associations */
    double average_min_weight;       /* query_concept_average keeps > this */
    int num_results;                 /* query_concept_average */
    double emergence_min_mass;       /* concept_emergence: mass >= this */
    double flow_threshold;           /* analyze_concept_flow: w >= this */
    double flow_ratio_floor;         /* asymmetry ratio w(i->j) / max(w(j->i), this) */
    double stats_min_connection;     /* network_statistics counts w > this */
    double stats_strong_connection;  /* ... and calls w > this strong */
    double stats_active_activation;  /* ... and a neuron with a > this active */
    double concept_overlap;          /* speaker_differences' fixed placeholder */
    int top_concepts;                /* _generate_comprehensive_analysis */
    int snippet_chars;               /* temporal_evolution's text_snippet */
} QueryDefaults;
extern const QueryDefaults query_defaults;

/* Lookup tables over one loaded checkpoint. */
typedef struct QueryNet {
    const Loaded *l;
    const Net *n;
    int32_t *slot_of_id;     /* (id_counter) slot holding the id, -1 if none */
    int32_t *order;          /* (nliving) living slots in word_to_neuron order */
    size_t nliving;
    int32_t *rank;           /* (nslots) place of a living slot in order, -1 otherwise */
    /* connections by slot, as indices into l->out.edges */
    size_t *out_off, *in_off;/* (nslots + 1) */
    size_t *out_edge, *in_edge;
    /* the utterance history: first token of utterance i, or NULL when the
     * checkpoint did not keep all of its tokens */
    const char **utt_tokens; /* (nhistory) */
    size_t nkept;            /* utterances whose tokens were all kept */
} QueryNet;

QueryNet *query_open(const Loaded *l);
void query_close(QueryNet *q);

static inline bool query_living(const QueryNet *q, int32_t s) { return q->rank[s] >= 0; }
/* Activation as the reference's activations.get(id, 0). */
double query_activation(const QueryNet *q, int32_t s);
/* Slot of a living word, -1 if the network does not hold it. */
int32_t query_slot(const QueryNet *q, const char *word);
/* Does the checkpoint hold the tokens of every utterance? */
bool query_history_complete(const QueryNet *q);
/* The next token after tok within an utterance's token list. */
static inline const char *query_next_token(const char *tok) { while (*tok) tok++; return tok + 1; }

/* A neuron with a score (activation or weight). */
typedef struct Scored {
    int32_t slot;
    double value;
} Scored;

/* A stored connection src -> dst between slots. */
typedef struct Assoc {
    int32_t src, dst;
    double w, m;
} Assoc;

/* Spreading activation (§11 end, _spread_activation_step): every living
 * neuron holding an activation entry, and the seeds, start at
 * minimum_activation, the seeds at 1; then `steps` synchronous steps
 * a_n <- max(sigma(bias + sum_o w(o->n) a_o), minimum_activation), seeds
 * included (they are not clamped). Returns the non-seed neurons above
 * threshold by activation, descending (*count of them; *sum their total). */
Scored *query_spread(const QueryNet *q, const int32_t *seeds, size_t nseeds, int steps, double threshold,
                     size_t *count, double *sum);

/* query_concept_average: for every living neuron that is not a seed, in id
 * order, the mean over the seeds (repeats count) of w(seed -> it); those
 * above average_min_weight, descending. *act: the seeds' mean activation. */
Scored *query_average(const QueryNet *q, const int32_t *seeds, size_t nseeds, double *act, size_t *count);

/* cluster_fellows: the connections touching slot c (either direction) with
 * w > threshold whose other end is living, by weight descending; with
 * speaker >= 0 only those whose other word that speaker uttered. */
Assoc *query_fellows(const QueryNet *q, int32_t c, double threshold, int32_t speaker, size_t *count);
/* Network-wide: the connections between living neurons with w > min, by
 * weight descending. */
Assoc *query_strongest(const QueryNet *q, double min, size_t *count);

/* Directional flow of slot c: out (c -> j) and in (j -> c) connections to
 * living neurons with w >= threshold, by weight descending. */
typedef struct Flow {
    Scored *out, *in;
    size_t nout, nin;
    double total_out, total_in, asymmetry;   /* |out - in| / (out + in) */
} Flow;
void query_flow(const QueryNet *q, int32_t c, double threshold, Flow *f);
void query_flow_free(Flow *f);
/* Stored weight of src -> dst (0 when absent). */
double query_weight(const QueryNet *q, int32_t src, int32_t dst);

/* network_statistics. */
typedef struct NetStats {
    int64_t total_neurons;       /* the id counter */
    uint64_t active_neurons;     /* activation entries above minimum_activation */
    double total_mass, average_mass;
    uint64_t total_connections;  /* w > minimum_connection */
    uint64_t strong_connections; /* w > 0.1 */
    double average_strength, max_strength;
    size_t conversation_length;
} NetStats;
void query_stats(const QueryNet *q, NetStats *s);
/* The reference's dict, keys in its order. */
void query_stats_json(JsonWriter *j, const QueryNet *q, const NetStats *s);

/* Utterances (indices into n->history) whose tokens include word. The
 * history must be complete. */
size_t *query_evolution(const QueryNet *q, const char *word, size_t *count);
/* The utterance as text: its kept tokens joined by spaces (the checkpoint
 * does not hold the raw text); NULL if its tokens were not kept. */
char *query_utterance_text(const QueryNet *q, size_t i);

/* concept_emergence: living neurons with concept mass >= min_mass, the
 * first utterance that contains the word (0 when none does, as in the
 * reference; mentioned = false), those with step >= since, by step. */
typedef struct Emerged {
    int32_t slot;
    size_t step;
    bool mentioned;
    double mass, activation;
} Emerged;
Emerged *query_emergence(const QueryNet *q, double min_mass, size_t since, size_t *count);

/* Living neurons with concept mass > 0 by mass, descending (ties by id):
 * the reference's top_concepts (words with no connection are absent). */
Scored *query_top_concepts(const QueryNet *q, size_t *count);

/* The reference's system-directed self pronouns (query_self_concept). */
extern const char *const query_system_pronouns[];
enum { QUERY_N_SYSTEM_PRONOUNS = 4 };

#endif
