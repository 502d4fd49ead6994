/*
 * export.h — the JSON export of a run: the keys and sub-keys of the
 * reference's expected outputs (params, input, network, vocabulary,
 * connections, inertial_mass, activations, neuron_mass_ranking, speakers)
 * plus a free-form `timing` object on its own line. Everything but timing
 * depends only on the model state, so equal networks give byte-equal files
 * once the timing line is removed.
 */
#ifndef HUEY_EXPORT_H
#define HUEY_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "detect.h"
#include "json.h"
#include "net.h"

/* What the run read: one entry per input file. */
typedef struct InputFile {
    char *path;               /* as given on the command line */
    bool empty;               /* a 0-byte file: skipped with a warning */
    Detection det;
    uint64_t utterances_done; /* utterances completely processed */
    uint64_t words, tokens, windows;   /* counted while processing it */
} InputFile;

typedef struct RunInfo {
    InputFile *files;
    size_t nfiles;
    bool stopped_early;       /* --max-windows / --max-words / --time-budget */
    const char *stop_reason;
    double seconds;           /* learning wall time */
    double timer_min[T_COUNT], timer_avg[T_COUNT], timer_max[T_COUNT];  /* over ranks */
    int nranks;
    size_t n_kill_words;
} RunInfo;

/* Rank 0, after net_outputs() and net_self_concept() for every speaker
 * (both collective). */
void export_json(const Net *n, const NetOutputs *o, const SelfConcept *sc, const RunInfo *ri, FILE *f);
/* The same with more top-level keys after `speakers`, written by
 * extra(j, ctx) (e.g. the Galileo spaces of `huey run --galileo`). */
typedef void (*ExportExtraFn)(JsonWriter *j, void *ctx);
void export_json_extra(const Net *n, const NetOutputs *o, const SelfConcept *sc, const RunInfo *ri, FILE *f,
                       ExportExtraFn extra, void *ctx);
/* The kmax heaviest living words by concept mass, heaviest first (ties:
 * lowest id); malloc'ed, *k entries (rank 0, after net_outputs). Words
 * are the network's: valid until it changes. */
typedef struct TopConcept {
    int64_t id;
    const char *word;
    double mass;
} TopConcept;
TopConcept *export_top_concepts(const Net *n, const NetOutputs *o, size_t kmax, size_t *k);

/* One pronoun's part of a self-concept, as keys of the open object:
 * neuron_id, mass, connections ([label, strength, mass] each). */
void export_self_concept_part(JsonWriter *j, const SelfConceptPart *part);

#endif
