/*
 * params.c — the option table (one entry per key: type, storage, default,
 * help) and everything generated from it: parsing of `--key value` and of
 * config files, `--help`, the `key = value` echo and the JSON `params`.
 */
#define _POSIX_C_SOURCE 200809L
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

typedef enum { T_INT, T_UINT, T_DOUBLE, T_BOOL, T_STRING, T_LIST, T_KERNEL, T_PROFILE, T_BACKEND } OptType;

typedef struct Opt {
    const char *key;
    OptType type;
    size_t offset;
    size_t size;          /* T_STRING: buffer size; T_LIST: offset of the count */
    const char *def;
    double lo, hi;        /* numeric range, inclusive */
    const char *help;
} Opt;

#define OFF(f) offsetof(Params, f)
#define INF HUGE_VAL

static const Opt opts[] = {
    { "max_neurons", T_INT, OFF(max_neurons), 0, "500", 1, 1e15,
      "neuron cap; once the id counter reaches it, every new word evicts the least important neuron" },
    { "window_size", T_INT, OFF(window_size), 0, "10", 1, WINDOW_SIZE_MAX,
      "tokens per sliding window, 1 to 1024 (the speaker neuron is added in front)" },
    { "learning_rate", T_DOUBLE, OFF(learning_rate), 0, "0.15", -INF, INF,
      "the reference's learning_rate argument: stored, never used (§8)" },
    { "hebbian_constant", T_DOUBLE, OFF(hebbian_constant), 0, "0.1", 0, INF,
      "effective Hebbian rate eta in dw = eta*ai*aj/(1+resistance*m)" },
    { "conversation_mode", T_BOOL, OFF(conversation_mode), 0, "true", 0, 0,
      "detect speakers; false: each file is one utterance by Author" },
    { "activation_kernel", T_KERNEL, OFF(activation_kernel), 0, "minmax", 0, 0,
      "minmax: the GPU class's sigma(M.a) over (min,max)-keyed weights (§11a); "
      "incoming: the parent's directed incoming sum with window clamped (§11b)" },
    { "seed", T_UINT, OFF(seed), 0, "0", 0, 0,
      "MT19937 seed, as Python's random.seed(seed)" },
    { "connection_probability", T_DOUBLE, OFF(connection_probability), 0, "0.35", 0, 1,
      "probability that a new connection forms when two words share a window" },
    { "max_connections_per_neuron", T_INT, OFF(max_connections_per_neuron), 0, "250", 0, 1e15,
      "out-target limit for new connections (stale targets count)" },
    { "activation_decay_rate", T_DOUBLE, OFF(activation_decay_rate), 0, "0.02", 0, 1,
      "a <- max(a*(1-rate), minimum_activation) every window" },
    { "connection_decay_rate", T_DOUBLE, OFF(connection_decay_rate), 0, "0.008", 0, 1,
      "w <- max(w*(1-rate), minimum_connection) for connections outside the window" },
    { "minimum_activation", T_DOUBLE, OFF(minimum_activation), 0, "0.01", 0, 1,
      "activation floor of the decay step" },
    { "minimum_connection", T_DOUBLE, OFF(minimum_connection), 0, "0.001", 0, INF,
      "weight floor of connection decay; decayed weights <= 2x this are deleted" },
    { "M_max", T_DOUBLE, OFF(M_max), 0, "10.0", 0, INF, "inertial mass ceiling" },
    { "A_0", T_DOUBLE, OFF(A_0), 0, "0.3", -INF, INF, "activity at the logistic mass target's midpoint" },
    { "k_steepness", T_DOUBLE, OFF(k_steepness), 0, "8.0", -INF, INF, "steepness of the logistic mass target" },
    { "mass_relaxation_rate", T_DOUBLE, OFF(mass_relaxation_rate), 0, "0.15", -INF, INF,
      "fraction of the distance to the mass target covered per update" },
    { "homeostatic_factor", T_DOUBLE, OFF(homeostatic_factor), 0, "0.1", -INF, INF,
      "mass shrink factor above homeostatic_threshold activity" },
    { "homeostatic_threshold", T_DOUBLE, OFF(homeostatic_threshold), 0, "0.8", -INF, INF,
      "activity above which homeostatic shrinkage applies" },
    { "ltd_factor", T_DOUBLE, OFF(ltd_factor), 0, "0.1", -INF, INF, "mass shrink factor below ltd_threshold" },
    { "ltd_threshold", T_DOUBLE, OFF(ltd_threshold), 0, "0.15", -INF, INF, "activity below which LTD applies" },
    { "resistance_factor", T_DOUBLE, OFF(resistance_factor), 0, "0.1", 0, INF,
      "inertial resistance 1/(1+factor*m) of a connection of mass m" },
    { "prune_threshold", T_DOUBLE, OFF(prune_threshold), 0, "0.01", 0, INF,
      "connections with |w| below this are deleted after every window" },
    { "unused_decay_rate", T_DOUBLE, OFF(unused_decay_rate), 0, "0.005", 0, INF,
      "mass decay of idle connections; never fires on the conversational path (§5.4)" },
    { "bias", T_DOUBLE, OFF(bias), 0, "0.0", -INF, INF, "bias of the incoming activation kernel" },
    { "dense_activation_min_ids", T_INT, OFF(dense_activation_min_ids), 0, "30", 0, 1e15,
      "minmax kernel: below this id counter, h = (W + W^T).a over all connections" },
    { "importance_recency_weight", T_DOUBLE, OFF(importance_recency_weight), 0, "0.4", -INF, INF,
      "eviction importance: weight of the recency term (constant 1 here, §5.4)" },
    { "importance_strength_weight", T_DOUBLE, OFF(importance_strength_weight), 0, "0.4", -INF, INF,
      "eviction importance: weight of the summed connection weight" },
    { "importance_activation_weight", T_DOUBLE, OFF(importance_activation_weight), 0, "0.2", -INF, INF,
      "eviction importance: weight of the activation" },
    { "speaker_prefix", T_STRING, OFF(speaker_prefix), sizeof(((Params *)0)->speaker_prefix), "speaker_", 0, 0,
      "words starting with this bypass the sparsity gate (§5.3)" },
    { "kill_file", T_STRING, OFF(kill_file), sizeof(((Params *)0)->kill_file), "default", 0, 0,
      "stop words: default (built-in English list), none, or a file path" },
    { "self_pronouns", T_LIST, OFF(self_pronouns), OFF(n_self_pronouns), "i,me,my,myself", 0, 0,
      "per-speaker self pronouns (comma-separated) for self-concept mass" },
    { "other_pronouns", T_LIST, OFF(other_pronouns), OFF(n_other_pronouns), "you,your,yours", 0, 0,
      "per-speaker other pronouns (comma-separated; labels only)" },
    { "self_concept_activation_scale", T_DOUBLE, OFF(self_concept_activation_scale), 0, "100.0", -INF, INF,
      "self-concept: mass = scale*a_s*a_p when speaker and pronoun are not connected (§16.16)" },
    { "self_concept_min_mass", T_DOUBLE, OFF(self_concept_min_mass), 0, "0.001", -INF, INF,
      "self-concept: pronoun masses at or below this are ignored" },
    { "profile", T_PROFILE, OFF(profile), 0, "reference", 0, 0,
      "reference: reproduce the reference implementation exactly" },
    { "max_windows", T_INT, OFF(max_windows), 0, "0", 0, 1e18, "stop after this many windows (0: no limit)" },
    { "max_words", T_INT, OFF(max_words), 0, "0", 0, 1e18, "stop after this many input words (0: no limit)" },
    { "time_budget", T_DOUBLE, OFF(time_budget), 0, "0", 0, INF, "stop after this many seconds (0: no limit)" },
    { "progress_interval", T_DOUBLE, OFF(progress_interval), 0, "5", 0, INF,
      "seconds between progress lines on stderr (0: off)" },
    { "cpu_simd", T_BOOL, OFF(cpu_simd), 0, "true", 0, 0,
      "use the AVX2 kernels when the CPU has them, and sigma and the window scan in AVX-512 on AMD cores that have it (results are bit-identical either way)" },
    { "backend", T_BACKEND, OFF(backend), 0, "auto", 0, 0,
      "auto: CUDA when a device is usable and max_neurons >= gpu_crossover, else cpu; cpu; "
      "cuda (an error without a device). Results are the same on either" },
    { "gpu_crossover", T_INT, OFF(gpu_crossover), 0, "0", 0, 1e15,
      "backend = auto takes CUDA from this max_neurons on (0: never; the CPU/GPU crossover is not measured yet)" },
    { "history_tokens", T_INT, OFF(history_tokens), 0, "10000000", 0, 1e15,
      "tokens kept (in checkpoints) for the utterance history behind query evolution/emergence" },
    { "max_line_bytes", T_INT, OFF(max_line_bytes), 0, "16777216", 1, 1e15,
      "conversation mode: longest input line accepted" },
    { "live_every", T_DOUBLE, OFF(live_every), 0, "2", 0.001, INF,
      "--live DIR: seconds between rewrites of DIR/state.json, space.html and map-12.svg" },
    { "live_top", T_INT, OFF(live_top), 0, "20", 1, 1e6,
      "--live DIR: concepts and associations listed in state.json" },
    { "utterance_idle", T_DOUBLE, OFF(utterance_idle), 0, "0", 0, INF,
      "--follow: seconds without input after which the text held is complete (an unfinished line; "
      "plain mode: the running utterance); 0: never" },
    { "follow_interval", T_DOUBLE, OFF(follow_interval), 0, "0.02", 0.0001, 60,
      "--follow: seconds between looks at a file that has not grown (and between other ranks' "
      "checks for rank 0's input)" },
};
enum { NOPTS = sizeof opts / sizeof opts[0] };

/* Normalise "window-size" / "--window-size" to "window_size". */
static void normalise_key(const char *in, char *out, size_t n)
{
    while (*in == '-')
        in++;
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = in[i] == '-' ? '_' : in[i];
    out[i] = '\0';
}

static const Opt *find_opt(const char *key)
{
    char k[128];
    normalise_key(key, k, sizeof k);
    for (int i = 0; i < NOPTS; i++)
        if (strcmp(opts[i].key, k) == 0)
            return &opts[i];
    return NULL;
}

bool params_is_key(const char *key, bool *is_bool)
{
    char k[128];
    normalise_key(key, k, sizeof k);
    if (strcmp(k, "activation_path") == 0) {
        if (is_bool)
            *is_bool = false;
        return true;
    }
    const Opt *o = find_opt(key);
    if (o && is_bool)
        *is_bool = o->type == T_BOOL;
    return o != NULL;
}

static void flag_name(const char *key, char *out, size_t n)
{
    snprintf(out, n, "--%s", key);
    for (char *c = out + 2; *c; c++)
        if (*c == '_')
            *c = '-';
}

_Noreturn static void bad_value(const Opt *o, const char *value, const char *where, const char *expect)
{
    die_usage("%s: option %s: expected %s, got '%s'", where, o->key, expect, value);
}

static void set_opt(Params *p, const Opt *o, const char *value, const char *where)
{
    char *base = (char *)p;
    char *end;
    switch (o->type) {
    case T_INT: {
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (!*value || *end || errno || (double)v < o->lo || (double)v > o->hi) {
            char expect[96];
            if (o->hi < 1e15)
                snprintf(expect, sizeof expect, "an integer from %.0f to %.0f", o->lo, o->hi);
            else if (o->lo >= 1)
                snprintf(expect, sizeof expect, "an integer >= %.0f", o->lo);
            else
                snprintf(expect, sizeof expect, "an integer >= 0");
            bad_value(o, value, where, expect);
        }
        *(int64_t *)(base + o->offset) = v;
        break;
    }
    case T_UINT: {
        errno = 0;
        if (!*value || *value == '-')
            bad_value(o, value, where, "a non-negative integer");
        unsigned long long v = strtoull(value, &end, 10);
        if (*end || errno)
            bad_value(o, value, where, "a non-negative integer below 2^64");
        *(uint64_t *)(base + o->offset) = v;
        break;
    }
    case T_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (!*value || *end || errno || !isfinite(v) || v < o->lo || v > o->hi) {
            char expect[96];
            if (o->lo == 0 && o->hi == 1)
                snprintf(expect, sizeof expect, "a number in [0, 1]");
            else if (o->lo == 0)
                snprintf(expect, sizeof expect, "a number >= 0");
            else
                snprintf(expect, sizeof expect, "a finite number");
            bad_value(o, value, where, expect);
        }
        *(double *)(base + o->offset) = v;
        break;
    }
    case T_BOOL: {
        bool v;
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1") || !strcmp(value, "on"))
            v = true;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0") || !strcmp(value, "off"))
            v = false;
        else
            bad_value(o, value, where, "true or false");
        *(bool *)(base + o->offset) = v;
        break;
    }
    case T_STRING: {
        size_t n = strlen(value);
        if (n == 0 || n >= o->size)
            bad_value(o, value, where, "a non-empty string of reasonable length");
        memcpy(base + o->offset, value, n + 1);
        break;
    }
    case T_LIST: {
        char(*list)[PRONOUN_LEN] = (char(*)[PRONOUN_LEN])(base + o->offset);
        int *count = (int *)(base + o->size);
        int n = 0;
        const char *s = value;
        while (*s) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            while (len && isspace((unsigned char)*s)) {
                s++;
                len--;
            }
            while (len && isspace((unsigned char)s[len - 1]))
                len--;
            if (len == 0 || len >= PRONOUN_LEN || n >= MAX_PRONOUNS)
                bad_value(o, value, where, "a comma-separated list of up to 8 words");
            memcpy(list[n], s, len);
            list[n][len] = '\0';
            n++;
            if (!e)
                break;
            s = e + 1;
        }
        *count = n;
        break;
    }
    case T_KERNEL: {
        ActivationKernel k;
        if (!strcmp(value, "minmax"))
            k = KERNEL_MINMAX;
        else if (!strcmp(value, "incoming"))
            k = KERNEL_INCOMING;
        else
            bad_value(o, value, where, "minmax or incoming");
        *(ActivationKernel *)(base + o->offset) = k;
        break;
    }
    case T_PROFILE:
        if (strcmp(value, "reference") != 0)
            bad_value(o, value, where, "reference (the only profile of the learning engine)");
        *(Profile *)(base + o->offset) = PROFILE_REFERENCE;
        break;
    case T_BACKEND: {
        BackendChoice b;
        if (!strcmp(value, "auto"))
            b = BACKEND_AUTO;
        else if (!strcmp(value, "cpu"))
            b = BACKEND_CPU;
        else if (!strcmp(value, "cuda"))
            b = BACKEND_CUDA;
        else
            bad_value(o, value, where, "auto, cpu or cuda");
        *(BackendChoice *)(base + o->offset) = b;
        break;
    }
    }
}

void params_set(Params *p, const char *key, const char *value, const char *where)
{
    char k[128];
    normalise_key(key, k, sizeof k);
    /* The reference's flag for the kernel: --activation-path gpu|cpu. */
    if (strcmp(k, "activation_path") == 0) {
        if (!strcmp(value, "gpu"))
            p->activation_kernel = KERNEL_MINMAX;
        else if (!strcmp(value, "cpu"))
            p->activation_kernel = KERNEL_INCOMING;
        else
            die_usage("%s: option activation_path: expected gpu or cpu, got '%s'", where, value);
        return;
    }
    const Opt *o = find_opt(k);
    if (!o)
        die_usage("%s: unknown option '%s' (see huey run --help)", where, key);
    set_opt(p, o, value, where);
}

void params_default(Params *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < NOPTS; i++)
        set_opt(p, &opts[i], opts[i].def, "default");
}

/* One line of a config file (comment removed, NUL-terminated): its key
 * and value, or NULL for a blank line; *why says what is wrong otherwise. */
static char *config_line(char *line, char **value, const char **why)
{
    *why = NULL;
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *s = line;
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    if (!*s)
        return NULL;
    char *eq = strchr(s, '=');
    if (!eq) {
        *why = "expected 'key = value'";
        *value = s;
        return NULL;
    }
    *eq = '\0';
    e = eq;
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    *value = eq + 1;
    while (isspace((unsigned char)**value))
        (*value)++;
    if (*s)
        return s;
    *why = "missing key before '='";
    *value = NULL;
    return NULL;
}

void params_load_file(Params *p, const char *path)
{
    /* read whole (config files are small), so that no error below leaves
     * the file open */
    size_t len;
    char *buf = read_path(path, &len);
    if (!buf)
        die_usage("config file %s: %s", path, strerror(errno));
    int lineno = 1;
    for (char *line = buf; line < buf + len; lineno++) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line)), *next = nl ? nl + 1 : buf + len;
        *(nl ? nl : buf + len) = '\0';
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        if (strlen(line) != (size_t)(next - line) - (nl != NULL))
            die_usage("%s: a NUL byte in the line", where);
        const char *why;
        char *value = NULL, *key = config_line(line, &value, &why);
        if (why && value)
            die_usage("%s: %s, got '%s'", where, why, value);
        if (why)
            die_usage("%s: %s", where, why);
        if (key)
            params_set(p, key, value, where);
        line = next;
    }
    free(buf);
}

void params_validate(const Params *p)
{
    if (p->n_self_pronouns < 1)
        die_usage("option self_pronouns: at least one pronoun is needed");
    if (p->minimum_activation > 1)
        die_usage("option minimum_activation: must be <= 1");
}

const char *params_backend_name(BackendChoice b)
{
    return b == BACKEND_CPU ? "cpu" : b == BACKEND_CUDA ? "cuda" : "auto";
}

static void format_value(const Opt *o, const Params *p, char *buf, size_t n)
{
    const char *base = (const char *)p;
    switch (o->type) {
    case T_INT: snprintf(buf, n, "%lld", (long long)*(const int64_t *)(base + o->offset)); break;
    case T_UINT: snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)(base + o->offset)); break;
    case T_DOUBLE: {
        char d[40];
        fmt_double(d, *(const double *)(base + o->offset));
        snprintf(buf, n, "%s", d);
        break;
    }
    case T_BOOL: snprintf(buf, n, "%s", *(const bool *)(base + o->offset) ? "true" : "false"); break;
    case T_STRING: snprintf(buf, n, "%s", base + o->offset); break;
    case T_LIST: {
        const char(*list)[PRONOUN_LEN] = (const char(*)[PRONOUN_LEN])(base + o->offset);
        int count = *(const int *)(base + o->size);
        buf[0] = '\0';
        for (int i = 0; i < count; i++) {
            strncat(buf, list[i], n - strlen(buf) - 1);
            if (i + 1 < count)
                strncat(buf, ",", n - strlen(buf) - 1);
        }
        break;
    }
    case T_KERNEL:
        snprintf(buf, n, "%s", *(const ActivationKernel *)(base + o->offset) == KERNEL_MINMAX ? "minmax" : "incoming");
        break;
    case T_PROFILE: snprintf(buf, n, "reference"); break;
    case T_BACKEND: snprintf(buf, n, "%s", params_backend_name(*(const BackendChoice *)(base + o->offset))); break;
    }
}

void params_print_help(FILE *f)
{
    fprintf(f, "options (config key = value, or --key-name value; booleans also --no-key-name):\n");
    for (int i = 0; i < NOPTS; i++) {
        char flag[80];
        flag_name(opts[i].key, flag, sizeof flag);
        fprintf(f, "  %-34s default %-10s %s\n", flag, opts[i].def, opts[i].help);
    }
    fprintf(f, "  %-34s %-18s %s\n", "--activation-path gpu|cpu", "", "the reference's name: gpu = minmax, cpu = incoming");
}

void params_print(FILE *f, const Params *p)
{
    char buf[4200];
    for (int i = 0; i < NOPTS; i++) {
        format_value(&opts[i], p, buf, sizeof buf);
        fprintf(f, "# %s\n%s = %s\n\n", opts[i].help, opts[i].key, buf);
    }
}

void params_each(const Params *p, void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    char buf[4200];
    for (int i = 0; i < NOPTS; i++) {
        format_value(&opts[i], p, buf, sizeof buf);
        fn(ctx, opts[i].key, buf);
    }
}

bool params_is_run_control(const char *key)
{
    static const char *run[] = { "max_windows", "max_words", "time_budget", "progress_interval", "cpu_simd",
                                 "max_line_bytes", "backend", "gpu_crossover", "live_every", "live_top",
                                 "utterance_idle", "follow_interval" };
    char k[128];
    normalise_key(key, k, sizeof k);
    for (size_t i = 0; i < sizeof run / sizeof run[0]; i++)
        if (strcmp(run[i], k) == 0)
            return true;
    return false;
}

const char *params_model_difference(const Params *a, const Params *b, char *va, char *vb, size_t n)
{
    for (int i = 0; i < NOPTS; i++) {
        if (params_is_run_control(opts[i].key))
            continue;
        format_value(&opts[i], a, va, n);
        format_value(&opts[i], b, vb, n);
        if (strcmp(va, vb) != 0)
            return opts[i].key;
    }
    return NULL;
}

static void json_list(JsonWriter *j, const char (*list)[PRONOUN_LEN], int n)
{
    json_begin_array(j);
    for (int i = 0; i < n; i++)
        json_string(j, list[i]);
    json_end_array(j);
}

void params_write_json(JsonWriter *j, const Params *p, size_t n_kill_words)
{
    json_begin_object(j);
    /* The reference's keys, in its order. */
    json_key(j, "max_neurons"); json_int(j, p->max_neurons);
    json_key(j, "window_size"); json_int(j, p->window_size);
    json_key(j, "learning_rate_passed"); json_double(j, p->learning_rate);
    json_key(j, "hebbian_constant_effective"); json_double(j, p->hebbian_constant);
    json_key(j, "conversation_mode"); json_bool(j, p->conversation_mode);
    json_key(j, "activation_path"); json_string(j, p->activation_kernel == KERNEL_MINMAX ? "gpu" : "cpu");
    json_key(j, "seed"); json_uint(j, p->seed);
    json_key(j, "connection_probability"); json_double(j, p->connection_probability);
    json_key(j, "max_connections_per_neuron"); json_int(j, p->max_connections_per_neuron);
    json_key(j, "activation_decay_rate"); json_double(j, p->activation_decay_rate);
    json_key(j, "connection_decay_rate"); json_double(j, p->connection_decay_rate);
    json_key(j, "minimum_activation"); json_double(j, p->minimum_activation);
    json_key(j, "minimum_connection"); json_double(j, p->minimum_connection);
    json_key(j, "M_max"); json_double(j, p->M_max);
    json_key(j, "A_0"); json_double(j, p->A_0);
    json_key(j, "k_steepness"); json_double(j, p->k_steepness);
    json_key(j, "unused_decay_rate"); json_double(j, p->unused_decay_rate);
    json_key(j, "bias"); json_double(j, p->bias);
    json_key(j, "kill_file"); json_string(j, p->kill_file);
    json_key(j, "n_kill_words"); json_uint(j, n_kill_words);
    json_key(j, "self_pronouns"); json_list(j, p->self_pronouns, p->n_self_pronouns);
    json_key(j, "other_pronouns"); json_list(j, p->other_pronouns, p->n_other_pronouns);
    /* Then every other key of the table under its own name. */
    static const char *written[] = {
        "max_neurons", "window_size", "conversation_mode", "seed", "connection_probability",
        "max_connections_per_neuron", "activation_decay_rate", "connection_decay_rate",
        "minimum_activation", "minimum_connection", "M_max", "A_0", "k_steepness",
        "unused_decay_rate", "bias", "kill_file", "self_pronouns", "other_pronouns",
    };
    char buf[4200];
    for (int i = 0; i < NOPTS; i++) {
        const Opt *o = &opts[i];
        bool dup = params_is_run_control(o->key);   /* not part of the model */
        for (size_t w = 0; w < sizeof written / sizeof written[0]; w++)
            dup |= strcmp(written[w], o->key) == 0;
        if (dup)
            continue;
        const char *base = (const char *)p;
        json_key(j, o->key);
        switch (o->type) {
        case T_INT: json_int(j, *(const int64_t *)(base + o->offset)); break;
        case T_UINT: json_uint(j, *(const uint64_t *)(base + o->offset)); break;
        case T_DOUBLE: json_double(j, *(const double *)(base + o->offset)); break;
        case T_BOOL: json_bool(j, *(const bool *)(base + o->offset)); break;
        case T_LIST:
            json_list(j, (const char(*)[PRONOUN_LEN])(base + o->offset), *(const int *)(base + o->size));
            break;
        default:
            format_value(o, p, buf, sizeof buf);
            json_string(j, buf);
        }
    }
    json_end_object(j);
}
