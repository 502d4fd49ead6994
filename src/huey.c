/*
 * huey.c — the command line: `huey run` learns one network from text
 * (setup -> stream every input through speaker detection, tokenizer and the
 * model -> report and export). Offline subcommands come with checkpoints.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "comm.h"
#include "detect.h"
#include "export.h"
#include "galileo.h"
#include "net.h"
#include "offline.h"
#include "params.h"
#include "text.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: huey run [--config FILE] [--KEY VALUE ...] INPUT... [--json OUT.json]\n"
            "                [--checkpoint FILE.h5 [--checkpoint-every N | Ns]] [--galileo DIR]\n"
            "       huey run --resume FILE.h5 [INPUT...] [run options] [--json OUT.json]\n"
            "       huey info FILE.h5 [--json] | concepts FILE.h5 [--top N] [--json] | report FILE.h5 [-o OUT.md]\n"
            "       huey export FILE.h5 [--format json|csv|reference-json] [-o OUT]\n"
            "       huey query FILE.h5 WHAT [ARGS] [--json]   (WHAT: associations, fellows, strongest,\n"
            "            self-concept, stats, average, speakers, evolution, emergence, flow)\n"
            "       huey galileo FILE.h5 --method assoc|torgerson [--concepts 50] [--min-mass 0]\n"
            "            [--profile reference|fixed] [--dims K] [--out DIR]   (concept space, huey-model.md §12)\n"
            "       huey run --help          list every option with its default\n"
            "       huey run --print-config  print the effective settings and exit\n"
            "\n"
            "Learns one Hebbian concept network from the inputs (UTF-8 text), in order.\n"
            "SIGUSR1, SIGTERM or SIGINT: finish the window, checkpoint, exit 0.\n");
}

/* ---- the run: state shared by the sink and tokenizer callbacks ----------- */

typedef struct Run {
    Params p;
    Net *net;
    KillList *kill;
    Tokenizer *tok;
    RunInfo info;
    InputFile *cur;
    uint64_t words_at_utt_start;
    uint64_t bytes_done, bytes_total, file_bytes_done;
    double t_start, t_last_progress;
    uint64_t windows0, words0;  /* counters when this process began (a resume's are not 0) */
    uint64_t next_check;
    int stop;                 /* 1 = a limit was reached */
    /* checkpoints */
    const char *ckpt_path;
    uint64_t ckpt_every_windows;
    double ckpt_every_seconds, t_last_ckpt;
    size_t file_index;        /* the file being read */
    /* resuming: what of the input the checkpoint has already consumed */
    uint64_t skip_utterances; /* whole utterances of the current file */
    bool resume_partial;      /* then an utterance begun before the checkpoint */
    uint64_t skip_tokens;     /* ... whose first tokens were consumed */
    bool skipping;            /* inside a skipped utterance */
} Run;

/* Set by the signal handler; rank 0's decides (it travels in the next
 * window's all-gather). */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

static uint64_t tok_words(const Run *r) { return tok_stats(r->tok).words; }

static void progress_line(Run *r, double now)
{
    double el = now - r->t_start;
    double frac = r->bytes_total ? (double)r->bytes_done / (double)r->bytes_total : 0.0;
    double wps = el > 0 ? (double)(r->net->c.windows - r->windows0) / el : 0.0;
    double eta = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
    /* rank 0 only, so no collective here: its own share of connections */
    fprintf(stderr, "huey: %7.1fs %5.1f%%  windows %12llu  %10.0f win/s  neurons %8d  conn%s %10llu  ETA %6.0fs\n",
            el, 100.0 * frac, (unsigned long long)r->net->c.windows, wps, r->net->nliving,
            r->net->nranks > 1 ? "(rank 0)" : "",
            (unsigned long long)r->net->be.ops->connection_count(r->net->be.st), eta);
}

static int check_limits(Run *r)
{
    const Params *p = &r->p;
    if (p->max_windows && r->net->c.windows >= (uint64_t)p->max_windows) {
        r->info.stop_reason = "max_windows";
        return r->stop = 1;
    }
    if (p->max_words && tok_words(r) >= (uint64_t)p->max_words) {
        r->info.stop_reason = "max_words";
        return r->stop = 1;
    }
    /* Clock-based decisions are rank 0's; the request reaches every rank
     * through the next window's all-gather. */
    if (got_signal && r->net->rank == 0 && !r->net->want_stop) {
        net_request_stop(r->net);
        net_request_checkpoint(r->net);
    }
    if (r->net->c.tokens >= r->next_check && r->net->rank == 0) {
        r->next_check = r->net->c.tokens + 1024;
        double now = now_seconds();
        if (p->time_budget > 0 && now - r->t_start >= p->time_budget)
            net_request_stop(r->net);
        if (r->ckpt_every_seconds > 0 && now - r->t_last_ckpt >= r->ckpt_every_seconds) {
            r->t_last_ckpt = now;
            net_request_checkpoint(r->net);
        }
        if (p->progress_interval > 0 && now - r->t_last_progress >= p->progress_interval) {
            r->t_last_progress = now;
            progress_line(r, now);
        }
    }
    if (r->net->stop) {
        r->info.stop_reason = r->net->want_checkpoint || r->net->checkpoint_now ? "signal" : "time_budget";
        return r->stop = 1;
    }
    return 0;
}

static void write_checkpoint(Run *r, const char *path);

static int on_token(void *ctx, const char *word, size_t len);

static int on_token(void *ctx, const char *word, size_t len)
{
    Run *r = ctx;
    if (r->skip_tokens) {
        r->skip_tokens--;   /* learnt before the checkpoint */
        return 0;
    }
    uint64_t w0 = r->net->c.windows;
    net_count_word(r->net, word, len, true);
    net_token(r->net, word, len);
    r->cur->tokens++;
    if (r->net->c.windows != w0) {
        r->cur->windows++;
        /* checkpoints fall between windows: by count, or when asked */
        bool every = r->ckpt_every_windows && r->net->c.windows % r->ckpt_every_windows == 0;
        if (r->ckpt_path && (every || (r->net->checkpoint_now && !r->net->stop))) {
            write_checkpoint(r, r->ckpt_path);
            r->net->checkpoint_now = false;
            r->net->want_checkpoint = 0;
        }
    }
    return check_limits(r);
}

/* A token the kill list dropped: counted, not learnt. */
static int on_killed(void *ctx, const char *word, size_t len)
{
    Run *r = ctx;
    if (!r->skip_tokens)   /* before the checkpoint it was counted already */
        net_count_word(r->net, word, len, false);
    return 0;
}

static int sink_begin(void *ctx, const char *speaker)
{
    Run *r = ctx;
    if (r->skip_utterances) {
        r->skipping = true;
        return 0;
    }
    if (check_limits(r))
        return 1;
    if (r->resume_partial)
        r->resume_partial = false;   /* the checkpoint holds its beginning */
    else
        net_utterance_begin(r->net, speaker);
    r->words_at_utt_start = tok_words(r);
    return 0;
}

static int sink_text(void *ctx, const char *s, size_t n)
{
    Run *r = ctx;
    r->bytes_done += n;
    if (r->skipping)
        return 0;
    return tok_feed(r->tok, s, n);
}

static int sink_end(void *ctx)
{
    Run *r = ctx;
    if (r->skipping) {
        r->skipping = false;
        r->skip_utterances--;
        return 0;
    }
    if (tok_finish(r->tok))
        return 1;
    uint64_t w = tok_words(r) - r->words_at_utt_start;
    net_add_words(r->net, w);
    r->cur->words += w;
    net_utterance_end(r->net);
    r->cur->utterances_done++;
    return 0;
}

/* ---- summary ----------------------------------------------------------- */

typedef struct Top {
    int64_t id;
    const char *word;
    double mass;
} Top;

static int cmp_top(const void *a, const void *b)
{
    const Top *x = a, *y = b;
    if (x->mass != y->mass)
        return x->mass > y->mass ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void print_summary(Run *r, const NetOutputs *o, const SelfConcept *sc)
{
    Net *n = r->net;
    double el = r->info.seconds;
    fprintf(stderr, "huey: read %zu file(s): %llu utterances, %llu words, %llu tokens, %llu windows%s%s\n",
            r->info.nfiles, (unsigned long long)n->c.utterances, (unsigned long long)n->c.words,
            (unsigned long long)n->c.tokens, (unsigned long long)n->c.windows,
            r->info.stopped_early ? "; stopped early by " : "", r->info.stopped_early ? r->info.stop_reason : "");
    fprintf(stderr, "huey: network: %d neurons (%lld ids issued, %llu evictions), %llu connections, %zu concepts\n",
            n->nliving, (long long)n->id_counter, (unsigned long long)n->c.evictions,
            (unsigned long long)o->nedges, n->nconcepts);
    Top *t = xmalloc(((size_t)n->nliving + 1) * sizeof *t);
    size_t k = 0;
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] >= 0 && n->word[s])
            t[k++] = (Top){ n->id[s], n->word[s], o->mass[s] };
    qsort(t, k, sizeof *t, cmp_top);
    fprintf(stderr, "huey: top concepts by mass:");
    for (size_t i = 0; i < k && i < 10; i++)
        fprintf(stderr, " %s %.4g%s", t[i].word, t[i].mass, i + 1 < k && i < 9 ? "," : "");
    fprintf(stderr, "\n");
    free(t);
    for (size_t s = 0; s < n->nspeakers; s++)
        fprintf(stderr, "huey: speaker %-20s %6llu utterances, self-concept mass %.6g\n", n->speakers[s].name,
                (unsigned long long)n->speakers[s].blocks, sc[s].mass);
    if (r->info.nranks > 1) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int q = 0; q < r->info.nranks; q++) {
            lo = o->rank_connections[q] < lo ? o->rank_connections[q] : lo;
            hi = o->rank_connections[q] > hi ? o->rank_connections[q] : hi;
        }
        double avg = (double)o->nedges / r->info.nranks;
        fprintf(stderr, "huey: %d ranks, connections per rank min %llu avg %.0f max %llu (imbalance %.2f)\n",
                r->info.nranks, (unsigned long long)lo, avg, (unsigned long long)hi, avg > 0 ? hi / avg : 1.0);
        fprintf(stderr, "huey: %-24s %10s %10s %10s\n", "phase (seconds)", "min", "avg", "max");
        for (int ph = 0; ph < T_COUNT; ph++)
            fprintf(stderr, "huey: %-24s %10.3f %10.3f %10.3f\n", net_timer_names[ph], r->info.timer_min[ph],
                    r->info.timer_avg[ph], r->info.timer_max[ph]);
    }
    fprintf(stderr, "huey: %.3f s, %.0f windows/s, %.0f words/s%s\n", el,
            el > 0 ? (double)(n->c.windows - r->windows0) / el : 0.0,
            el > 0 ? (double)(n->c.words - r->words0) / el : 0.0, r->windows0 ? " (since the resume)" : "");
}

/* ---- checkpoints ------------------------------------------------------------ */

/* The model's settings; run control belongs to each run, not the state. */
static void put_param(void *ctx, const char *key, const char *value)
{
    if (!params_is_run_control(key))
        ckpt_put_str(ctx, key, value);
}

/* Everything a resume needs besides the model: settings, the kill list,
 * and where in the input the run stood (collective). */
static void write_checkpoint(Run *r, const char *path)
{
    double t0 = now_seconds();
    Ckpt *c = ckpt_create(path);
    ckpt_group(c, "/");
    ckpt_put_str(c, "format", "huey-checkpoint");
    ckpt_put_i64(c, "format_version", CKPT_FORMAT_VERSION);
    ckpt_group(c, "/params");
    params_each(&r->p, put_param, c);

    size_t nk = kill_count(r->kill);
    const char **kw = xmalloc((nk + 1) * sizeof *kw);
    kill_words(r->kill, kw);
    ckpt_group(c, "/kill_list");
    ckpt_put_strings(c, "word", kw, nk);
    free(kw);

    size_t nf = r->info.nfiles;
    const char **paths = xmalloc((nf + 1) * sizeof *paths), **sums = xmalloc((nf + 1) * sizeof *sums);
    const char **strat = xmalloc((nf + 1) * sizeof *strat);
    int64_t *cnt = xmalloc((7 * nf + 1) * sizeof *cnt);
    double *conf = xmalloc((nf + 1) * sizeof *conf);
    for (size_t f = 0; f < nf; f++) {
        const InputFile *in = &r->info.files[f];
        paths[f] = in->path;
        sums[f] = in->det.sha256;
        strat[f] = in->det.strategy;
        conf[f] = in->det.confidence;
        cnt[f] = (int64_t)in->utterances_done;
        cnt[nf + f] = (int64_t)in->words;
        cnt[2 * nf + f] = (int64_t)in->tokens;
        cnt[3 * nf + f] = (int64_t)in->windows;
        cnt[4 * nf + f] = (int64_t)in->det.total_exchanges;
        cnt[5 * nf + f] = (int64_t)in->det.whitespace_words;
        cnt[6 * nf + f] = (int64_t)in->det.bytes;
    }
    ckpt_group(c, "/input");
    ckpt_put_i64(c, "file_index", (int64_t)r->file_index);
    ckpt_put_str(c, "stop_reason", r->stop ? r->info.stop_reason : "");
    ckpt_put_strings(c, "path", paths, nf);
    ckpt_put_strings(c, "sha256", sums, nf);
    ckpt_put_strings(c, "strategy", strat, nf);
    ckpt_put_array(c, "confidence", CK_F64, conf, nf);
    ckpt_put_array(c, "utterances_done", CK_I64, cnt, nf);
    ckpt_put_array(c, "words", CK_I64, cnt + nf, nf);
    ckpt_put_array(c, "tokens", CK_I64, cnt + 2 * nf, nf);
    ckpt_put_array(c, "windows", CK_I64, cnt + 3 * nf, nf);
    ckpt_put_array(c, "exchanges_total", CK_I64, cnt + 4 * nf, nf);
    ckpt_put_array(c, "whitespace_words", CK_I64, cnt + 5 * nf, nf);
    ckpt_put_array(c, "bytes", CK_I64, cnt + 6 * nf, nf);
    free(paths);
    free(sums);
    free(strat);
    free(conf);
    free(cnt);

    net_save(r->net, c);
    ckpt_commit(c);
    double dt = now_seconds() - t0;
    r->net->timer[T_IO] += dt;
    struct stat st;
    if (comm_rank() == 0 && r->p.progress_interval > 0)
        fprintf(stderr, "huey: checkpoint %s after %llu windows: %lld bytes written in %.3f s\n", path,
                (unsigned long long)r->net->c.windows, stat(path, &st) == 0 ? (long long)st.st_size : -1LL, dt);
}

/* ---- argument parsing --------------------------------------------------- */

/* The checkpoint's model settings; run control keeps its defaults. */
typedef struct LoadParams {
    Params *p;
    Ckpt *c;
    const char *where;
} LoadParams;

static void load_param(void *ctx, const char *key, const char *value)
{
    LoadParams *l = ctx;
    (void)value;
    if (params_is_run_control(key) || !ckpt_has_attr(l->c, key))
        return;
    char *v = ckpt_get_str(l->c, key);
    params_set(l->p, key, v, l->where);
    free(v);
}

typedef struct Setting {
    char key[128];
    const char *value, *where;
} Setting;

static uint64_t parse_count(const char *v, const char *opt)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *v == '-' || *end || errno || n == 0)
        die_usage("option %s: expected a positive integer, got '%s'", opt, v);
    return n;
}

static int cmd_run(int argc, char **argv)
{
    Run r;
    memset(&r, 0, sizeof r);
    params_default(&r.p);
    const char *json_path = NULL, *config = NULL, *resume = NULL, *galileo_dir = NULL;
    bool print_config = false;
    char **inputs = xcalloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0, nset = 0;
    Setting *set = xcalloc((size_t)argc + 1, sizeof *set);

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *need = NULL;   /* an option that takes the next argument */
        if (!strcmp(a, "--config") || !strcmp(a, "--json") || !strcmp(a, "--resume") ||
            !strcmp(a, "--checkpoint") || !strcmp(a, "--checkpoint-every") || !strcmp(a, "--galileo")) {
            if (i + 1 >= argc)
                die_usage("option %s needs a value", a);
            need = argv[++i];
        }
        if (!strcmp(a, "--config")) {
            config = need;
        } else if (!strcmp(a, "--json")) {
            json_path = need;
        } else if (!strcmp(a, "--resume")) {
            resume = need;
        } else if (!strcmp(a, "--galileo")) {
            galileo_dir = need;
        } else if (!strcmp(a, "--checkpoint")) {
            r.ckpt_path = need;
        } else if (!strcmp(a, "--checkpoint-every")) {
            size_t l = strlen(need);
            if (l && need[l - 1] == 's') {
                char num[64];
                snprintf(num, sizeof num, "%.*s", (int)(l - 1), need);
                r.ckpt_every_seconds = (double)parse_count(num, "--checkpoint-every");
            } else {
                r.ckpt_every_windows = parse_count(need, "--checkpoint-every");
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            params_print_help(stdout);
            exit(0);
        } else if (!strcmp(a, "--print-config")) {
            print_config = true;
        } else if (!strncmp(a, "--no-", 5)) {
            bool is_bool;
            if (!params_is_key(a + 5, &is_bool) || !is_bool)
                die_usage("unknown option '%s' (see huey run --help)", a);
            snprintf(set[nset].key, sizeof set[nset].key, "%s", a + 5);
            set[nset].value = "false";
            set[nset++].where = a;
        } else if (!strncmp(a, "--", 2) && a[2]) {
            const char *eq = strchr(a, '=');
            Setting *st = &set[nset++];
            st->where = a;
            if (eq) {
                snprintf(st->key, sizeof st->key, "%.*s", (int)(eq - a), a);
                st->value = eq + 1;
            } else {
                snprintf(st->key, sizeof st->key, "%s", a);
                bool is_bool;
                if (!params_is_key(st->key, &is_bool))
                    die_usage("unknown option '%s' (see huey run --help)", a);
                if (is_bool && (i + 1 >= argc || (strcmp(argv[i + 1], "true") && strcmp(argv[i + 1], "false"))))
                    st->value = "true";
                else if (i + 1 >= argc)
                    die_usage("option %s needs a value", a);
                else
                    st->value = argv[++i];
            }
        } else if (a[0] == '-' && a[1]) {
            die_usage("unknown option '%s' (see huey run --help)", a);
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    if (r.ckpt_every_windows && r.ckpt_every_seconds)
        die_usage("option --checkpoint-every: give windows or seconds, not both");
    if ((r.ckpt_every_windows || r.ckpt_every_seconds) && !r.ckpt_path)
        die_usage("option --checkpoint-every needs --checkpoint FILE.h5");

    /* Settings: the checkpoint's when resuming (only run control may
     * change), else defaults, then the config file, then the flags. */
    Ckpt *ck = NULL;
    double t_read = 0, t_read_model = 0;   /* resume: seconds spent reading the checkpoint */
    if (resume) {
        if (config)
            die_usage("--config cannot be combined with --resume: the checkpoint holds the settings");
        t_read = now_seconds();
        ck = ckpt_open(resume);
        for (size_t k = 0; k < nset; k++)
            if (!params_is_run_control(set[k].key))
                die_usage("option %s cannot change when resuming: the network was learnt with the checkpoint's "
                          "settings", set[k].where);
        char where[4200];
        snprintf(where, sizeof where, "checkpoint %s", resume);
        ckpt_group(ck, "/params");
        LoadParams lp = { &r.p, ck, where };
        Params keys;
        params_default(&keys);
        params_each(&keys, load_param, &lp);
    } else if (config) {
        params_load_file(&r.p, config);
    }
    for (size_t k = 0; k < nset; k++)
        params_set(&r.p, set[k].key, set[k].value, set[k].where);
    free(set);
    params_validate(&r.p);
    if (print_config) {
        params_print(stdout, &r.p);
        exit(0);
    }

    /* Inputs: a resumed run reads the same files, by default from the
     * paths the checkpoint names. */
    char **saved_paths = NULL, **saved_sums = NULL;
    size_t nsaved = 0;
    if (resume) {
        ckpt_group(ck, "/input");
        saved_paths = ckpt_get_strings(ck, "path", &nsaved);
        size_t n2;
        saved_sums = ckpt_get_strings(ck, "sha256", &n2);
        if (!ninputs) {
            inputs = xrealloc(inputs, (nsaved + 1) * sizeof *inputs);
            for (size_t f = 0; f < nsaved; f++)
                inputs[ninputs++] = saved_paths[f];
        } else if (ninputs != nsaved) {
            die_usage("--resume %s: the checkpoint was made from %zu input file(s), %zu given", resume, nsaved,
                      ninputs);
        }
    }
    if (!ninputs)
        die_usage("no input files (usage: huey run [options] INPUT... --json OUT.json)");

    /* Kill list. */
    if (resume) {
        ckpt_group(ck, "/kill_list");
        size_t nk;
        char **kw = ckpt_get_strings(ck, "word", &nk);
        r.kill = kill_from_words((const char *const *)kw, nk);
        for (size_t k = 0; k < nk; k++)
            free(kw[k]);
        free(kw);
    } else if (!strcmp(r.p.kill_file, "default")) {
        r.kill = kill_default();
    } else if (!strcmp(r.p.kill_file, "none")) {
        r.kill = kill_empty();
    } else {
        r.kill = kill_load(r.p.kill_file);
    }
    r.info.n_kill_words = kill_count(r.kill);

    /* Pass 1 over every input before learning anything: a bad file is
     * reported before time is spent on the others. */
    DetectOptions dopt = { .conversation_mode = r.p.conversation_mode, .max_line_bytes = (size_t)r.p.max_line_bytes };
    r.info.files = xcalloc(ninputs, sizeof *r.info.files);
    r.info.nfiles = ninputs;
    double t_scan = now_seconds();
    if (resume)
        t_read = t_scan - t_read;   /* settings, inputs, kill list; the model comes below */
    for (size_t f = 0; f < ninputs; f++) {
        InputFile *in = &r.info.files[f];
        in->path = inputs[f];
        struct stat st;
        if (stat(in->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
            /* nothing to detect or learn: say so and go on */
            warn("%s: empty file, nothing to learn from it", in->path);
            in->empty = true;
            snprintf(in->det.strategy, sizeof in->det.strategy, "empty");
            snprintf(in->det.sha256, sizeof in->det.sha256, "%s",
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            continue;
        }
        char err[1024];
        if (detect_scan(in->path, &dopt, &in->det, err, sizeof err) != 0)
            die("%s", err);
        r.bytes_total += in->det.bytes;
    }
    if (resume)
        for (size_t f = 0; f < ninputs; f++)
            if (strcmp(r.info.files[f].det.sha256, saved_sums[f]) != 0)
                die("--resume %s: input %s is not the file the checkpoint was made from (sha256 %s, expected %s)",
                    resume, r.info.files[f].path, r.info.files[f].det.sha256, saved_sums[f]);

    t_scan = now_seconds() - t_scan;
    r.net = net_create(&r.p, &backend_cpu_ops, comm_rank(), comm_size());
    if (resume) {
        /* the model, then where the input stood */
        t_read_model = now_seconds();
        net_load(r.net, ck);
        ckpt_group(ck, "/input");
        r.file_index = (size_t)ckpt_get_i64(ck, "file_index");
        size_t k;
        int64_t *done = ckpt_get_array(ck, "utterances_done", CK_I64, &k);
        int64_t *words = ckpt_get_array(ck, "words", CK_I64, &k);
        int64_t *toks = ckpt_get_array(ck, "tokens", CK_I64, &k);
        int64_t *wins = ckpt_get_array(ck, "windows", CK_I64, &k);
        for (size_t f = 0; f < ninputs; f++) {
            InputFile *in = &r.info.files[f];
            in->utterances_done = (uint64_t)done[f];
            in->words = (uint64_t)words[f];
            in->tokens = (uint64_t)toks[f];
            in->windows = (uint64_t)wins[f];
        }
        if (r.file_index < ninputs) {
            r.skip_utterances = r.info.files[r.file_index].utterances_done;
            r.resume_partial = r.net->in_utterance;
            r.skip_tokens = r.net->in_utterance ? r.net->utt_tokens : 0;
        }
        free(done); free(words); free(toks); free(wins);
        ckpt_close(ck);
        t_read += now_seconds() - t_read_model;
        if (comm_rank() == 0 && r.p.progress_interval > 0)
            fprintf(stderr, "huey: resumed from %s at window %llu, read in %.3f s\n", resume,
                    (unsigned long long)r.net->c.windows, t_read);
        for (size_t f = 0; f < nsaved; f++)
            free(saved_sums[f]);
        free(saved_sums);
    }
    r.net->timer[T_IO] = t_scan;   /* pass 1 over the inputs; the export adds its share */
    r.info.nranks = comm_size();
    r.tok = tok_new(r.kill, on_token, &r);
    tok_on_killed(r.tok, on_killed);
    r.t_start = r.t_last_progress = r.t_last_ckpt = now_seconds();
    r.windows0 = r.net->c.windows;
    r.words0 = r.net->c.words;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    UttSink sink = { &r, sink_begin, sink_text, sink_end };
    for (size_t f = r.file_index; f < ninputs && !r.stop; f++) {
        r.file_index = f;
        r.cur = &r.info.files[f];
        if (r.cur->empty)
            continue;
        char err[1024];
        int rc = detect_run(r.cur->path, &dopt, &r.cur->det, &sink, err, sizeof err);
        if (rc < 0)
            die("%s", err);
        if (!r.stop)
            r.file_index = f + 1;
    }
    r.info.seconds = now_seconds() - r.t_start;
    r.info.stopped_early = r.stop != 0;
    if (!r.ckpt_path && got_signal)
        r.ckpt_path = "huey-interrupted.h5";
    if (r.ckpt_path)
        write_checkpoint(&r, r.ckpt_path);   /* always one at the end */
    if (got_signal && comm_rank() == 0)
        fprintf(stderr, "huey: stopped by signal %d after window %llu; resume with: huey run --resume %s\n",
                (int)got_signal, (unsigned long long)r.net->c.windows, r.ckpt_path);
    if (r.net->in_utterance) {
        /* stopped inside an utterance: count the words read of it */
        uint64_t w = tok_words(&r) - r.words_at_utt_start;
        net_add_words(r.net, w);
        r.cur->words += w;
    }

    /* Collective: every rank takes part, rank 0 writes. */
    double t_out = now_seconds();
    SelfConcept *sc = xcalloc(r.net->nspeakers + 1, sizeof *sc);
    for (size_t s = 0; s < r.net->nspeakers; s++)
        net_self_concept(r.net, s, &sc[s]);
    NetOutputs out;
    net_outputs(r.net, &out);
    r.net->timer[T_IO] += now_seconds() - t_out;
    for (int t = 0; t < T_COUNT; t++)
        comm_stats(r.net->timer[t], &r.info.timer_min[t], &r.info.timer_avg[t], &r.info.timer_max[t]);
    if (comm_rank() == 0) {
        print_summary(&r, &out, sc);
        Space *spaces[2] = { NULL, NULL };
        if (galileo_dir)
            galileo_run_spaces(r.net, &out, galileo_dir, spaces);
        if (json_path) {
            FILE *jf = fopen(json_path, "w");
            if (!jf)
                die("cannot write %s: %s", json_path, strerror(errno));
            export_json_extra(r.net, &out, sc, &r.info, jf, galileo_dir ? galileo_json_keys : NULL, spaces);
            if (fclose(jf) != 0)
                die("error writing %s: %s", json_path, strerror(errno));
            fprintf(stderr, "huey: wrote %s\n", json_path);
        }
        space_free(spaces[0]);
        space_free(spaces[1]);
    }
    net_outputs_free(&out);
    free(sc);

    for (size_t f = 0; f < ninputs; f++)
        detect_free(&r.info.files[f].det);
    free(r.info.files);
    tok_free(r.tok);
    kill_free(r.kill);
    net_free(r.net);
    free(inputs);
    for (size_t f = 0; f < nsaved; f++)
        free(saved_paths[f]);
    free(saved_paths);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    comm_init(&argc, &argv);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        comm_finalize();
        return argc < 2 ? EXIT_USAGE : 0;
    }
    int rc;
    if (!strcmp(argv[1], "run"))
        rc = cmd_run(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "info"))
        rc = cmd_info(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "concepts"))
        rc = cmd_concepts(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "export"))
        rc = cmd_export(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "query"))
        rc = cmd_query(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "report"))
        rc = cmd_report(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "galileo"))
        rc = cmd_galileo(argc - 2, argv + 2);
    else
        die_usage("unknown command '%s' (try huey --help)", argv[1]);
    comm_finalize();
    return rc;
}
