/*
 * params.h — every model constant and run option, in one table.
 *
 * A config key and its CLI flag are the same word (`window_size` /
 * `--window-size`); booleans also take `--no-KEY`. Keys are the names the
 * reference's expected outputs use in `params` (huey-model.md §15), so a
 * run can be diffed against them. `--help` and the JSON echo are generated
 * from the table, never written by hand.
 */
#ifndef HUEY_PARAMS_H
#define HUEY_PARAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { MAX_PRONOUNS = 8, PRONOUN_LEN = 32 };

typedef enum { KERNEL_MINMAX, KERNEL_INCOMING } ActivationKernel;
typedef enum { PROFILE_REFERENCE } Profile;
typedef enum { BACKEND_AUTO, BACKEND_CPU, BACKEND_CUDA } BackendChoice;

typedef struct Params {
    /* learning (§5–§11) */
    int64_t max_neurons;
    int64_t window_size;             /* 1 .. WINDOW_SIZE_MAX */
    double learning_rate;            /* passed to the reference, never read */
    double hebbian_constant;         /* the effective rate η */
    bool conversation_mode;
    ActivationKernel activation_kernel;
    uint64_t seed;
    double connection_probability;
    int64_t max_connections_per_neuron;
    double activation_decay_rate;
    double connection_decay_rate;
    double minimum_activation;
    double minimum_connection;
    double M_max, A_0, k_steepness;
    double mass_relaxation_rate;
    double homeostatic_factor, homeostatic_threshold;
    double ltd_factor, ltd_threshold;
    double resistance_factor;
    double prune_threshold;
    double unused_decay_rate;        /* never fires in conversation mode (§5.4) */
    double bias;                     /* incoming kernel only */
    int64_t dense_activation_min_ids;
    double importance_recency_weight, importance_strength_weight, importance_activation_weight;
    char speaker_prefix[32];
    char kill_file[4096];            /* "default", "none" or a path */
    int n_self_pronouns, n_other_pronouns;
    char self_pronouns[MAX_PRONOUNS][PRONOUN_LEN];
    char other_pronouns[MAX_PRONOUNS][PRONOUN_LEN];
    double self_concept_activation_scale, self_concept_min_mass;
    Profile profile;
    /* run control */
    int64_t max_windows;             /* 0 = no limit */
    int64_t max_words;               /* 0 = no limit */
    double time_budget;              /* seconds, 0 = no limit */
    double progress_interval;        /* seconds between progress lines, 0 = off */
    int64_t max_line_bytes;          /* conversation-mode line limit */
    int64_t history_tokens;          /* tokens kept for the per-utterance history */
    bool cpu_simd;                   /* AVX2 kernels where the CPU has them */
    BackendChoice backend;           /* where the connections live (backend.h) */
    int64_t gpu_crossover;           /* auto: CUDA from this max_neurons on; 0 = never */
    double live_every;               /* --live: seconds between snapshots */
    int64_t live_top;                /* --live: entries of state.json's lists */
    double utterance_idle;           /* --follow: idle seconds that complete what is held; 0 = never */
    double follow_interval;          /* --follow: seconds between looks at a file that has not grown */
} Params;

/* The largest window_size: the per-window tables (backend.h MAX_WINDOW)
 * are sized for it, and the pair codes need it below 2^15. */
enum { WINDOW_SIZE_MAX = 1024 };

void params_default(Params *p);
/* Set KEY to VALUE; `where` names the source for errors ("--window-size"
 * or "FILE:LINE"). Dies with a usage error (exit 2) on an unknown key or a
 * malformed value. */
void params_set(Params *p, const char *key, const char *value, const char *where);
/* Read a `key = value` file (# comments, blank lines). */
void params_load_file(Params *p, const char *path);
/* Cross-field checks after everything is set. */
void params_validate(const Params *p);
/* Is KEY (with '-' or '_') a known key, and is it boolean? */
bool params_is_key(const char *key, bool *is_bool);
void params_print_help(FILE *f);
/* Every key with its effective value, as `key = value` lines. */
void params_print(FILE *f, const Params *p);
/* Every key with its value as text (what params_set reads back). */
void params_each(const Params *p, void (*fn)(void *ctx, const char *key, const char *value), void *ctx);
const char *params_backend_name(BackendChoice b);
/* Run-control keys may change when a run resumes; the others are the model. */
bool params_is_run_control(const char *key);
/* The first model setting (not run control) in which a and b differ, with
 * both values as config text in va and vb (n bytes each); NULL if none. */
const char *params_model_difference(const Params *a, const Params *b, char *va, char *vb, size_t n);

struct JsonWriter;
/* The `params` object of the JSON export (reference names first). */
void params_write_json(struct JsonWriter *j, const Params *p, size_t n_kill_words);

#endif
