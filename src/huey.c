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
#include <math.h>
#include <glob.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "align.h"
#include "checkpoint.h"
#include "cluster.h"
#include "comm.h"
#include "detect.h"
#include "eigen.h"
#include "export.h"
#include "follow.h"
#include "galileo.h"
#include "joblist.h"
#include "live.h"
#include "net.h"
#include "offline.h"
#include "params.h"
#include "text.h"
#include "util.h"
#include "version.h"

enum { SUMMARY_TOP = 10 };   /* concepts in the summary line and the batch CSV */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: huey run [--config FILE] [--KEY VALUE ...] INPUT... [--json OUT.json]\n"
            "                [--checkpoint FILE.h5 [--checkpoint-every N | Ns]] [--galileo DIR]\n"
            "       huey run --resume FILE.h5 [INPUT...] [run options] [--json OUT.json]\n"
            "       huey run --follow FILE|- [run options] [--live DIR]   (a conversation still being written: learns\n"
            "            each line as it completes; a file is followed like tail -F until a signal, - reads standard\n"
            "            input to its end; --live DIR keeps DIR/state.json, space.html, map-12.svg up to date)\n"
            "       huey run --batch LIST|DIR --checkpoint OUT.h5 [run options]   (a network per file;\n"
            "            the same command again resumes; exit status = number of failed files, at most 100)\n"
            "       huey info FILE.h5 [--json] | concepts FILE.h5 [--top N] [--json] | report FILE.h5 [-o OUT.md]\n"
            "            (every offline command: --conversation NAME picks one network of a batch file)\n"
            "       huey export FILE.h5 [--format json|csv|reference-json] [-o OUT]\n"
            "       huey query FILE.h5 WHAT [ARGS] [--json]   (WHAT: associations, fellows, strongest,\n"
            "            self-concept, stats, average, speakers, evolution, emergence, flow)\n"
            "       huey align A B [--object NAME] [--free L1,L2,...] [--json] [--concepts 50] [--min-mass 0]\n"
            "            [--profile reference|fixed]   (A, B: space.json files or checkpoints, whose torgerson\n"
            "            space is made; B's real and imaginary blocks rotated onto A's; residuals per concept)\n"
            "       huey galileo FILE.h5 --method assoc|torgerson [--concepts 50] [--min-mass 0]\n"
            "            [--profile reference|fixed] [--dims K] [--out DIR]   (concept space, huey-model.md §12;\n"
            "            DIR gets space.json, coords.csv, eigenvalues.csv, scree.svg, map-12.svg, map-13.svg, space.html)\n"
            "       huey clusters FILE.h5 [--concepts 50] [--min-mass 0] [--profile reference|fixed]\n"
            "            [--linkage average|complete|both] [--out DIR] [--top 30]   (hierarchical clustering of the\n"
            "            torgerson concepts; dendrograms, word frequencies)\n"
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
    bool batch;               /* one conversation of a batch: a signal abandons it */
    /* live: --follow and --live */
    LiveDetect *ld;           /* --follow: the stream's speaker detection */
    const char *follow_path;  /* --follow FILE, or "-" */
    LiveView *live;           /* --live DIR */
    double t_last_live;
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
    char done[16] = "    -", left[16] = "     -";   /* a followed input has no end to go by */
    if (!r->ld) {
        snprintf(done, sizeof done, "%5.1f%%", 100.0 * frac);
        snprintf(left, sizeof left, "%6.0fs", eta);
    }
    /* rank 0 only, so no collective here: its own share of connections */
    fprintf(stderr, "huey: %7.1fs %s  windows %12llu  %10.0f win/s  neurons %8d  conn%s %10llu  ETA %s\n",
            el, done, (unsigned long long)r->net->c.windows, wps, r->net->nliving,
            r->net->nranks > 1 ? "(rank 0)" : "",
            (unsigned long long)r->net->be.ops->connection_count(r->net->be.st), left);
}

static void live_snapshot(Run *r, bool final);

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
    if (got_signal && r->batch) {
        r->info.stop_reason = "signal";
        return r->stop = 1;
    }
    /* Clock-based decisions are rank 0's; the request reaches every rank
     * through the next window's all-gather. A followed input's signals and
     * time budget end the stream instead (learn_follow). */
    if (got_signal && r->net->rank == 0 && !r->net->want_stop && !r->ld) {
        net_request_stop(r->net);
        net_request_checkpoint(r->net);
    }
    if (r->net->c.tokens >= r->next_check && r->net->rank == 0) {
        r->next_check = r->net->c.tokens + 1024;
        double now = now_seconds();
        if (p->time_budget > 0 && now - r->t_start >= p->time_budget && !r->ld)
            net_request_stop(r->net);
        if (r->ckpt_every_seconds > 0 && now - r->t_last_ckpt >= r->ckpt_every_seconds) {
            r->t_last_ckpt = now;
            net_request_checkpoint(r->net);
        }
        if (r->live && !r->ld && now - r->t_last_live >= p->live_every) {
            r->t_last_live = now;
            net_request_snapshot(r->net);
        }
        if (p->progress_interval > 0 && now - r->t_last_progress >= p->progress_interval) {
            r->t_last_progress = now;
            progress_line(r, now);
        }
    }
    if (r->net->snapshot_now) {   /* the same window on every rank */
        r->net->snapshot_now = false;
        r->net->want_snapshot = 0;
        live_snapshot(r, false);
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
    /* rank 0 hands out conversations while it learns one, also inside a
     * long utterance (a plain-text file is a single one) */
    if (r->batch && (r->cur->tokens & 255) == 0)
        comm_queue_poll();
    uint64_t w0 = r->net->c.windows;
    net_learn_word(r->net, word, len);
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
    if (r->batch)
        comm_queue_poll();
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

/* Pass 1 over one input: 0; 1 for an empty file (nothing to detect or
 * learn: marked empty); -1 with err set. */
static int scan_input(InputFile *in, const DetectOptions *dopt, char *err, size_t errlen)
{
    struct stat st;
    if (stat(in->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        in->empty = true;
        snprintf(in->det.strategy, sizeof in->det.strategy, "empty");
        snprintf(in->det.sha256, sizeof in->det.sha256, "%s",
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        return 1;
    }
    return detect_scan(in->path, dopt, &in->det, err, errlen) != 0 ? -1 : 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* Pass 2: stream the inputs from r->file_index on through the model.
 * Returns 0 (r->stop says whether a limit or signal ended it early), or -1
 * with err set (a file changed or became unreadable). */
/* Before the first token: tokenizer, clocks, counters at the start. */
static void learn_start(Run *r)
{
    r->tok = tok_new(r->kill, on_token, r);
    tok_on_killed(r->tok, on_killed);
    r->t_start = r->t_last_progress = r->t_last_ckpt = r->t_last_live = now_seconds();
    r->windows0 = r->net->c.windows;
    r->words0 = r->net->c.words;
}

static int learn(Run *r, const DetectOptions *dopt, char *err, size_t errlen)
{
    learn_start(r);
    UttSink sink = { r, sink_begin, sink_text, sink_end };
    int rc = 0;
    for (size_t f = r->file_index; f < r->info.nfiles && !r->stop; f++) {
        r->file_index = f;
        r->cur = &r->info.files[f];
        if (r->cur->empty)
            continue;
        rc = detect_run(r->cur->path, dopt, &r->cur->det, &sink, err, errlen);
        if (rc < 0)
            break;
        if (!r->stop)
            r->file_index = f + 1;
    }
    r->info.seconds = now_seconds() - r->t_start;
    r->info.stopped_early = r->stop != 0;
    return rc < 0 ? -1 : 0;
}

/* ---- huey run --follow, --live --------------------------------------------- */

/* A followed input's Detection so far (its JSON and checkpoint entry). */
static void follow_detection(Run *r)
{
    if (!r->ld)
        return;
    detect_free(&r->cur->det);
    live_detect_result(r->ld, &r->cur->det);
}

/* Collective: the live view's snapshot of the network as it stands. */
static void live_snapshot(Run *r, bool final)
{
    if (!r->live)
        return;
    LiveInput in = {
        .path = r->info.files[0].path, .follow = r->ld != NULL, .bytes = r->bytes_done,
        .bytes_total = r->bytes_total, .seconds = now_seconds() - r->t_start, .final = final,
        .stop_reason = r->stop ? r->info.stop_reason : "",
    };
    if (r->ld) {
        LiveStats st = live_detect_stats(r->ld);
        in.strategy = r->p.conversation_mode ? "labeled_speakers" : "single_author";
        in.bytes = st.bytes;
        in.bytes_total = 0;
        in.lines = st.lines;
        in.dropped = st.dropped;
        in.rejoins = st.rejoins;
        in.idle_cuts = st.idle_cuts;
    } else {
        in.strategy = r->cur ? r->cur->det.strategy : "";
    }
    live_take(r->live, r->net, &in);
    r->t_last_live = now_seconds();
}

/* The followed input in messages. */
static const char *follow_name(const Run *r)
{
    return strcmp(r->follow_path, "-") ? r->follow_path : "standard input";
}

/* What rank 0 tells every rank after each look at a followed input. */
enum { MSG_DATA, MSG_FLUSH, MSG_NEW_FILE, MSG_END, MSG_ERROR, MSG_TICK };
enum { END_INPUT, END_SIGNAL, END_BUDGET };
typedef struct FollowMsg {
    uint32_t kind;
    uint32_t end;            /* MSG_END: why */
    uint32_t snapshot;       /* a live snapshot after it */
    uint32_t pad;
    uint64_t bytes;          /* bytes that follow (the data, or the error message) */
} FollowMsg;

enum { FOLLOW_CHUNK = 1 << 16 };   /* bytes per message: a signal is seen within one chunk's learning */
/* Longest wait for input: a signal that lands just before a wait begins
 * is seen within this (one that lands during the wait cuts it short). */
static const double follow_wait_max = 0.25;

/* Rank 0's clock: when data last came, when the last snapshot was taken. */
typedef struct FollowClock {
    double t_data, t_snap;
    bool flushed;            /* nothing came since the last idle flush */
    bool dirty;              /* something came since the last snapshot */
} FollowClock;

/* Rank 0: the next message. buf receives its bytes. */
static void follow_next(Run *r, Follow *fw, FollowClock *fc, FollowMsg *m, char *buf)
{
    const Params *p = &r->p;
    memset(m, 0, sizeof *m);
    for (;;) {
        double now = now_seconds(), wait = follow_wait_max;
        if (got_signal || (p->time_budget > 0 && now - r->t_start >= p->time_budget)) {
            m->kind = MSG_END;
            m->end = got_signal ? END_SIGNAL : END_BUDGET;
            return;
        }
        bool idle = p->utterance_idle > 0 && !fc->flushed && live_detect_pending(r->ld);
        if (idle && now - fc->t_data >= p->utterance_idle) {
            m->kind = MSG_FLUSH;
            fc->flushed = fc->dirty = true;
            break;
        }
        bool snap = r->live && fc->dirty;
        if (snap && now - fc->t_snap >= p->live_every) {
            m->kind = MSG_TICK;
            break;
        }
        if (idle)
            wait = fmin(wait, fc->t_data + p->utterance_idle - now);
        if (snap)
            wait = fmin(wait, fc->t_snap + p->live_every - now);
        if (p->time_budget > 0)
            wait = fmin(wait, r->t_start + p->time_budget - now);
        char msg[600];
        ssize_t k = follow_read(fw, buf, FOLLOW_CHUNK, wait > 0 ? wait : 0, p->follow_interval, msg, sizeof msg);
        if (k > 0) {
            m->kind = MSG_DATA;
            m->bytes = (uint64_t)k;
            fc->t_data = now_seconds();
            fc->flushed = false;
            fc->dirty = true;
            break;
        }
        if (k == FOLLOW_EOF) {
            m->kind = MSG_END;
            m->end = END_INPUT;
            return;
        }
        if (k == FOLLOW_NEW) {
            fprintf(stderr, "huey: %s\n", msg);
            m->kind = MSG_NEW_FILE;
            fc->dirty = true;
            break;
        }
        if (k == FOLLOW_ERROR) {
            m->kind = MSG_ERROR;
            m->bytes = strlen(msg);
            memcpy(buf, msg, m->bytes);
            return;
        }
    }
    if (r->live && fc->dirty && now_seconds() - fc->t_snap >= p->live_every) {
        m->snapshot = 1;
        fc->t_snap = now_seconds();
        fc->dirty = false;
    }
}

/* Learns a followed input (every rank): rank 0 reads it (fw) and sends
 * what it read; every rank runs the same speaker detection on the same
 * bytes. Returns 0, or -1 with err set (bad input: what was learnt stays).
 * r->stop and the stop reason say how it ended. */
static int learn_follow(Run *r, Follow *fw, const DetectOptions *dopt, char *err, size_t errlen)
{
    learn_start(r);
    r->cur = &r->info.files[0];
    UttSink sink = { r, sink_begin, sink_text, sink_end };
    r->ld = live_detect_new(follow_name(r), dopt, &sink);
    char *buf = xmalloc(FOLLOW_CHUNK + 1);
    FollowClock fc = { r->t_start, r->t_start, true, false };
    int rc = 0;
    for (bool done = false; !done && rc == 0;) {
        FollowMsg m;
        if (comm_rank() == 0)
            follow_next(r, fw, &fc, &m, buf);
        comm_bcast(&m, sizeof m, r->p.follow_interval);
        if (m.bytes)
            comm_bcast(buf, m.bytes, 0);
        switch (m.kind) {
        case MSG_DATA:
            rc = live_detect_feed(r->ld, buf, m.bytes, err, errlen);
            break;
        case MSG_FLUSH:
            rc = live_detect_flush(r->ld, err, errlen);
            break;
        case MSG_NEW_FILE:
            rc = live_detect_restart(r->ld, err, errlen);
            break;
        case MSG_END:
            /* the end of a stream is checked like a file's end; a signal or
             * the time budget cuts the stream: what is held is complete */
            rc = m.end == END_INPUT ? live_detect_finish(r->ld, err, errlen) : live_detect_flush(r->ld, err, errlen);
            if (m.end != END_INPUT && rc == 0) {
                r->stop = 1;
                r->info.stop_reason = m.end == END_SIGNAL ? "signal" : "time_budget";
            }
            done = true;
            break;
        case MSG_ERROR:
            buf[m.bytes] = '\0';
            snprintf(err, errlen, "%s", buf);
            rc = -1;
            break;
        }
        const char *note = live_detect_note(r->ld);
        if (note)
            warn("%s", note);
        if (rc == 0 && m.snapshot)
            live_snapshot(r, false);
    }
    free(buf);
    if (rc < 0) {
        r->stop = 1;
        r->info.stop_reason = "input error";
    }
    follow_detection(r);
    r->info.seconds = now_seconds() - r->t_start;
    r->info.stopped_early = r->stop != 0;
    return rc < 0 ? -1 : 0;
}

/* Rank 0, after a followed input: its figures, and whether huey run on
 * the finished text would have read it the same way. */
static void follow_report(Run *r)
{
    const char *name = follow_name(r);
    LiveStats st = live_detect_stats(r->ld);
    if (!r->p.conversation_mode) {
        fprintf(stderr, "huey: followed %s: %llu bytes, %llu utterance(s) by Author\n", name,
                (unsigned long long)st.bytes, (unsigned long long)st.utterances);
        return;
    }
    fprintf(stderr, "huey: followed %s: %llu bytes, %llu lines, %llu utterances, %llu line(s) without a label "
                    "dropped", name, (unsigned long long)st.bytes, (unsigned long long)st.lines,
            (unsigned long long)st.utterances, (unsigned long long)st.dropped);
    if (st.rejoins)
        fprintf(stderr, ", %llu pre-join(s) across a line already learnt", (unsigned long long)st.rejoins);
    if (st.idle_cuts)
        fprintf(stderr, ", %llu line(s) cut by --utterance-idle", (unsigned long long)st.idle_cuts);
    fprintf(stderr, "\n");
    Detection d;
    char why[1024];
    if (st.lines == 0)
        return;
    if (live_detect_batch_choice(r->ld, &d, why, sizeof why) != 0)
        warn("%s was read as labeled_speakers; huey run on the text read would fail: %s", name, why);
    else if (strcmp(d.strategy, "labeled_speakers") != 0)
        warn("%s was read as labeled_speakers (confidence %.3g); huey run on the text read would choose %s "
             "(confidence %.3g) and learn other utterances", name, r->cur->det.confidence, d.strategy,
             d.confidence);
    detect_free(&d);
}

/* ---- summary ----------------------------------------------------------- */

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
    size_t k;
    TopConcept *t = export_top_concepts(n, o, SUMMARY_TOP, &k);
    fprintf(stderr, "huey: top concepts by mass:");
    for (size_t i = 0; i < k; i++)
        fprintf(stderr, " %s %.4g%s", t[i].word, t[i].mass, i + 1 < k ? "," : "");
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
static void save_run(Run *r, Ckpt *c)
{
    ckpt_group(c, "/");
    ckpt_put_format(c, "huey-checkpoint");
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
    if (r->ld)   /* a followed stream: a resume could not know where its text goes on */
        ckpt_put_str(c, "follow", r->follow_path);
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
}

static void write_checkpoint(Run *r, const char *path)
{
    double t0 = now_seconds();
    follow_detection(r);
    Ckpt *c = ckpt_create(path);
    save_run(r, c);
    ckpt_commit(c);
    double dt = now_seconds() - t0;
    r->net->timer[T_IO] += dt;
    struct stat st;
    if (comm_rank() == 0 && r->p.progress_interval > 0)
        fprintf(stderr, "huey: checkpoint %s after %llu windows: %lld bytes written in %.3f s\n", path,
                (unsigned long long)r->net->c.windows, stat(path, &st) == 0 ? (long long)st.st_size : -1LL, dt);
}

/* ---- batch: one network per conversation -------------------------------- */

/* Largest first, so that a few big files do not finish last; then name. */
static int cmp_job_size(const void *a, const void *b)
{
    const Job *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* One field of the summary CSV (RFC 4180 quoting where needed). */
static void csv_field(char **buf, size_t *len, size_t *cap, const char *v, bool last)
{
    bool quote = strpbrk(v, ",\"\r\n") != NULL;
    GROW(*buf, *cap, *len + 2 * strlen(v) + 4);
    char *o = *buf + *len;
    if (quote)
        *o++ = '"';
    for (const char *s = v; *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    if (quote)
        *o++ = '"';
    *o++ = last ? '\n' : ',';
    *o = '\0';
    *len = (size_t)(o - *buf);
}

static const char csv_header[] =
    "conversation,file,speakers,tokens,neurons,connections,top_concepts,self_concept_masses,seconds,error\n";

/* The conversation's summary line; numbers only without an error. */
static char *summary_row(const Job *j, const Run *r, const NetOutputs *o, const SelfConcept *sc, double seconds,
                         const char *error)
{
    char *row = NULL, num[5][64], *tops = NULL, *self = NULL;
    size_t len = 0, cap = 0, tl = 0, tcap = 0, sl = 0, scap = 0;
    memset(num, 0, sizeof num);
    if (!error) {
        const Net *n = r->net;
        snprintf(num[0], sizeof num[0], "%zu", n->nspeakers);
        snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)n->c.tokens);
        snprintf(num[2], sizeof num[2], "%d", n->nliving);
        snprintf(num[3], sizeof num[3], "%llu", (unsigned long long)o->nedges);
        size_t k;
        TopConcept *t = export_top_concepts(n, o, SUMMARY_TOP, &k);
        for (size_t i = 0; i < k; i++) {
            GROW(tops, tcap, tl + strlen(t[i].word) + 40);
            tl += (size_t)sprintf(tops + tl, "%s%s %.6g", i ? "; " : "", t[i].word, t[i].mass);
        }
        free(t);
        for (size_t s = 0; s < n->nspeakers; s++) {
            GROW(self, scap, sl + strlen(n->speakers[s].name) + 40);
            sl += (size_t)sprintf(self + sl, "%s%s %.6g", s ? "; " : "", n->speakers[s].name, sc[s].mass);
        }
    }
    snprintf(num[4], sizeof num[4], "%.3f", seconds);
    csv_field(&row, &len, &cap, j->name, false);
    csv_field(&row, &len, &cap, j->path, false);
    for (int i = 0; i < 4; i++)
        csv_field(&row, &len, &cap, num[i], false);
    csv_field(&row, &len, &cap, tops ? tops : "", false);
    csv_field(&row, &len, &cap, self ? self : "", false);
    csv_field(&row, &len, &cap, num[4], false);
    csv_field(&row, &len, &cap, error ? error : "", true);
    free(tops);
    free(self);
    return row;
}

/* Learn one conversation on this rank alone and append it to the part
 * file. Returns its summary line (with the error, if it failed), or NULL
 * when a signal abandoned it. */
static char *run_conversation(const Params *p, KillList *kill, const Job *j, Ckpt *part, bool *failed)
{
    double t0 = now_seconds();
    Run r;
    memset(&r, 0, sizeof r);
    r.p = *p;
    r.kill = kill;
    r.batch = true;
    r.info.nfiles = 1;
    r.info.files = xcalloc(1, sizeof *r.info.files);
    r.info.files[0].path = j->path;
    r.info.n_kill_words = kill_count(kill);
    r.info.nranks = 1;
    DetectOptions dopt = { .conversation_mode = p->conversation_mode, .max_line_bytes = (size_t)p->max_line_bytes };
    char err[1024] = "";
    int rc = scan_input(&r.info.files[0], &dopt, err, sizeof err);
    if (rc == 1)
        snprintf(err, sizeof err, "%s: empty file", j->path);
    char *row = NULL;
    if (rc == 0) {
        r.bytes_total = r.info.files[0].det.bytes;
        r.net = net_create(&r.p, &backend_cpu_ops, 0, 1);
        rc = learn(&r, &dopt, err, sizeof err);
        if (rc == 0 && !r.stop && r.net->nspeakers == 0) {
            snprintf(err, sizeof err, "%s: no speakers (no utterance found)", j->path);
            rc = -1;
        }
    }
    if (rc == 0 && !r.stop) {
        SelfConcept *sc = xcalloc(r.net->nspeakers + 1, sizeof *sc);
        for (size_t s = 0; s < r.net->nspeakers; s++)
            net_self_concept(r.net, s, &sc[s]);
        NetOutputs out;
        net_outputs(r.net, &out);
        ckpt_part_begin(part, j->name);
        save_run(&r, part);
        row = summary_row(j, &r, &out, sc, now_seconds() - t0, NULL);
        ckpt_part_flush(part, row);
        net_outputs_free(&out);
        free(sc);
    } else if (!r.stop || rc < 0) {
        *failed = true;
        warn("%s", err);
        row = summary_row(j, &r, NULL, NULL, now_seconds() - t0, err);
    }
    detect_free(&r.info.files[0].det);
    free(r.info.files);
    if (r.tok)
        tok_free(r.tok);
    if (r.net)
        net_free(r.net);
    return row;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rank 0: join OUT.h5 (if there) and every part file into OUT.h5, remove
 * the parts, and write OUT.summary.csv from the joined conversations plus
 * this run's failures (`failed`: CSV lines). Returns the conversations
 * held. */
static size_t join_batch(const char *out, const char *failed, size_t failed_len)
{
    char *pattern = xmalloc(strlen(out) + 16);
    sprintf(pattern, "%s.part-*.h5", out);
    glob_t g;
    memset(&g, 0, sizeof g);
    int grc = glob(pattern, 0, NULL, &g);
    if (grc != 0 && grc != GLOB_NOMATCH)
        die("cannot list the part files %s", pattern);
    const char **src = xmalloc((g.gl_pathc + 2) * sizeof *src);
    size_t nsrc = 0;
    struct stat st;
    if (stat(out, &st) == 0)
        src[nsrc++] = out;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t n;
        char **names = ckpt_try_conversations(g.gl_pathv[i], &n);
        if (!names) {
            warn("%s: damaged part file (a rank was killed while writing it); its conversations are learnt again "
                 "on the next run", g.gl_pathv[i]);
            continue;
        }
        for (size_t k = 0; k < n; k++)
            free(names[k]);
        free(names);
        src[nsrc++] = g.gl_pathv[i];
    }
    size_t held = ckpt_merge(out, src, nsrc);
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (unlink(g.gl_pathv[i]) != 0)
            warn("cannot remove %s: %s", g.gl_pathv[i], strerror(errno));
    globfree(&g);
    free(src);
    free(pattern);

    /* the summary: one line per conversation, in name order */
    size_t n;
    char **done = ckpt_summaries(out, &n);
    size_t nfail = 0;
    for (size_t i = 0; i < failed_len; i++)
        nfail += failed[i] == '\n';
    char **rows = xrealloc(done, (n + nfail + 1) * sizeof *rows);
    /* failures: lines of the gathered buffer (a quoted field may hold a
     * newline only in an error message, which has none) */
    size_t k = n;
    for (const char *s = failed, *e; s < failed + failed_len; s = e + 1) {
        e = memchr(s, '\n', (size_t)(failed + failed_len - s));
        rows[k++] = xstrndup(s, (size_t)(e - s) + 1);
    }
    qsort(rows, k, sizeof *rows, cmp_str);
    char *csv = xmalloc(strlen(out) + 16);
    sprintf(csv, "%s", out);
    size_t cl = strlen(csv);
    if (cl > 3 && !strcmp(csv + cl - 3, ".h5"))
        csv[cl - 3] = '\0';
    strcat(csv, ".summary.csv");
    FILE *f = fopen(csv, "w");
    if (!f)
        die("cannot write %s: %s", csv, strerror(errno));
    fputs(csv_header, f);
    for (size_t i = 0; i < k; i++) {
        fputs(rows[i], f);
        free(rows[i]);
    }
    if (fclose(f) != 0)
        die("error writing %s: %s", csv, strerror(errno));
    fprintf(stderr, "huey: wrote %s (%zu conversations, %zu failed)\n", csv, held, nfail);
    free(rows);
    free(csv);
    return held;
}

/* A rerun of a batch learns what is left with the settings of what is
 * held (one file, one set of model settings): the conversation `name` of
 * `out` (OUT.h5) must have been learnt with p's. Only OUT.h5 is asked: it is
 * whole (written aside and renamed), where a part file left by kill -9
 * may list a conversation whose settings never reached the disk. */
static void check_batch_settings(const Params *p, const char *out, const char *name)
{
    Ckpt *c = ckpt_open_conversation(out, name);
    Params q;
    params_default(&q);
    offline_read_params(c, &q, out);
    ckpt_close(c);
    char held[4200], now[4200];
    const char *key = params_model_difference(&q, p, held, now, sizeof held);
    if (key)
        die_usage("--checkpoint %s: its conversations were learnt with %s = %s, this run has %s = %s "
                  "(give the same settings, or another --checkpoint)", out, key, held, key, now);
}

/* `huey run --batch LIST|DIR --checkpoint OUT.h5`: every conversation its
 * own network, learnt by whichever rank is free (largest first); finished
 * ones go to per-rank part files, joined into OUT.h5 at the end. A rerun
 * of the same command skips the conversations OUT.h5 and any part files
 * already hold. Returns the exit status: the number of failures. */
static int run_batch(const Params *p, KillList *kill, const char *arg, const char *out)
{
    double t0 = now_seconds();
    int me = comm_world_rank(), P = comm_world_size();
    /* rank 0: what is left to do; then everyone gets the same list */
    char *buf = NULL;
    size_t bytes = 0, total_jobs = 0, skipped = 0;
    if (me == 0) {
        JobList all = { 0 };
        joblist_read(arg, &all);
        total_jobs = all.n;
        char **done = NULL;
        size_t ndone = 0;
        struct stat st;
        if (stat(out, &st) == 0) {
            if (!ckpt_is_batch(out))
                die_usage("--checkpoint %s: exists and is not a batch file (choose another name)", out);
            done = ckpt_conversations(out, &ndone);
            if (ndone)
                check_batch_settings(p, out, done[0]);
        }
        char *pattern = xmalloc(strlen(out) + 16);
        sprintf(pattern, "%s.part-*.h5", out);
        glob_t g;
        memset(&g, 0, sizeof g);
        if (glob(pattern, 0, NULL, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; i++) {
                size_t n;
                char **names = ckpt_try_conversations(g.gl_pathv[i], &n);
                done = xrealloc(done, (ndone + n + 1) * sizeof *done);
                for (size_t k = 0; names && k < n; k++)
                    done[ndone++] = names[k];
                free(names);
            }
        globfree(&g);
        free(pattern);
        if (ndone)   /* done is NULL before anything is done, and qsort(NULL, 0) is undefined */
            qsort(done, ndone, sizeof *done, cmp_str);
        JobList todo = { 0 };
        for (size_t i = 0; i < all.n; i++) {
            if (ndone && bsearch(&all.job[i].name, done, ndone, sizeof *done, cmp_str)) {
                skipped++;
                continue;
            }
            joblist_add(&todo, all.job[i].name, all.job[i].path, all.job[i].size);
        }
        for (size_t i = 0; i < ndone; i++)
            free(done[i]);
        free(done);
        if (todo.n)   /* a rerun with nothing left: todo.job is NULL */
            qsort(todo.job, todo.n, sizeof *todo.job, cmp_job_size);
        size_t cap = 0;
        char session[64];
        snprintf(session, sizeof session, "%llx%05x", (unsigned long long)time(NULL), (unsigned)getpid() & 0xfffff);
        GROW(buf, cap, strlen(session) + 1);
        strcpy(buf, session);
        bytes = strlen(session) + 1;
        for (size_t i = 0; i < todo.n; i++) {
            size_t a = strlen(todo.job[i].name) + 1, b = strlen(todo.job[i].path) + 1;
            GROW(buf, cap, bytes + a + b);
            memcpy(buf + bytes, todo.job[i].name, a);
            memcpy(buf + bytes + a, todo.job[i].path, b);
            bytes += a + b;
        }
        fprintf(stderr, "huey: batch of %zu conversations: %zu to learn on %d rank(s), %zu already in %s\n",
                total_jobs, todo.n, P, skipped, out);
        joblist_free(&all);
        joblist_free(&todo);
    }
    char *list = comm_bcast_bytes(buf, &bytes);
    free(buf);
    /* the jobs, in queue order */
    JobList jobs = { 0 };
    const char *session = list;
    for (const char *s = list + strlen(list) + 1; s < list + bytes;) {
        const char *path = s + strlen(s) + 1;
        joblist_add(&jobs, s, path, 0);
        s = path + strlen(path) + 1;
    }
    char *part_path = xmalloc(strlen(out) + 96);
    sprintf(part_path, "%s.part-%s-%d.h5", out, session, me);

    install_signals();
    comm_set_local(true);
    comm_queue_begin(jobs.n);
    Ckpt *part = ckpt_part_create(part_path);
    char *failed = NULL;
    size_t flen = 0, fcap = 0, nfailed = 0, mine = 0;
    double busy = 0;
    for (int64_t i; (i = comm_queue_next()) >= 0;) {
        double t = now_seconds();
        bool bad = false;
        char *row = run_conversation(p, kill, &jobs.job[i], part, &bad);
        busy += now_seconds() - t;
        if (!row) {   /* a signal: hand out nothing more */
            if (me == 0)
                comm_queue_stop();
            else
                comm_queue_leave();
            break;
        }
        mine++;
        if (bad) {
            nfailed++;
            GROW(failed, fcap, flen + strlen(row) + 1);
            memcpy(failed + flen, row, strlen(row) + 1);
            flen += strlen(row);
        }
        free(row);
    }
    ckpt_part_close(part);
    comm_set_local(false);
    double t_work = now_seconds() - t0;
    comm_queue_end();
    double wall = now_seconds() - t0, idle_min, idle_avg, idle_max;
    comm_stats(wall > 0 ? 1.0 - busy / wall : 0.0, &idle_min, &idle_avg, &idle_max);
    (void)t_work;
    uint64_t learnt = comm_sum_u64(mine), nfail = comm_sum_u64(nfailed);
    size_t all_len;
    char *all_failed = comm_gather(failed ? failed : "", flen, &all_len);
    int status = 0;
    if (me == 0) {
        join_batch(out, all_failed, all_len);
        fprintf(stderr, "huey: batch: %llu conversations processed in %.3f s on %d rank(s) (%.1f conversations/s), "
                        "%llu failed; rank idle time min %.1f%% avg %.1f%% max %.1f%%\n",
                (unsigned long long)learnt, wall, P, wall > 0 ? (double)learnt / wall : 0.0,
                (unsigned long long)nfail, 100 * idle_min, 100 * idle_avg, 100 * idle_max);
        if (got_signal)
            fprintf(stderr, "huey: stopped by signal %d with %llu conversation(s) left; run the same command again to "
                            "go on\n", (int)got_signal, (unsigned long long)(jobs.n - (learnt - nfail) - nfail));
    }
    status = nfail > 100 ? 100 : (int)nfail;
    free(all_failed);
    free(failed);
    free(part_path);
    free(list);
    joblist_free(&jobs);
    return status;
}

/* ---- argument parsing --------------------------------------------------- */

typedef struct Setting {
    char key[128];
    const char *value, *where;
} Setting;

static KillList *load_kill(const Params *p)
{
    if (!strcmp(p->kill_file, "default"))
        return kill_default();
    if (!strcmp(p->kill_file, "none"))
        return kill_empty();
    return kill_load(p->kill_file);
}

/* A model setting given again when resuming must be the checkpoint's
 * (job scripts pass the same options on every run). */
static void check_unchanged(const Params *p, const Setting *st)
{
    Params q = *p;
    params_set(&q, st->key, st->value, st->where);
    char va[4200], vb[4200];
    if (params_model_difference(p, &q, va, vb, sizeof va))
        die_usage("option %s cannot change when resuming: the network was learnt with the checkpoint's settings",
                  st->where);
}

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
    const char *json_path = NULL, *config = NULL, *resume = NULL, *batch = NULL, *galileo_dir = NULL;
    const char *live_dir = NULL;
    bool print_config = false;
    char **inputs = xcalloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0, nset = 0;
    Setting *set = xcalloc((size_t)argc + 1, sizeof *set);

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *need = NULL;   /* an option that takes the next argument */
        if (!strcmp(a, "--config") || !strcmp(a, "--json") || !strcmp(a, "--resume") ||
            !strcmp(a, "--checkpoint") || !strcmp(a, "--checkpoint-every") || !strcmp(a, "--batch") ||
            !strcmp(a, "--galileo") || !strcmp(a, "--follow") || !strcmp(a, "--live")) {
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
        } else if (!strcmp(a, "--batch")) {
            batch = need;
        } else if (!strcmp(a, "--galileo")) {
            galileo_dir = need;
        } else if (!strcmp(a, "--follow")) {
            r.follow_path = need;
        } else if (!strcmp(a, "--live")) {
            live_dir = need;
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
        char where[4200];
        snprintf(where, sizeof where, "checkpoint %s", resume);
        offline_read_params(ck, &r.p, where);
        for (size_t k = 0; k < nset; k++)
            if (!params_is_run_control(set[k].key))
                check_unchanged(&r.p, &set[k]);
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
    require_output_path("--json", json_path, false);
    require_output_path("--checkpoint", r.ckpt_path, false);
    require_output_path("--galileo", galileo_dir, true);
    if (r.follow_path && (batch || resume || ninputs))
        die_usage("--follow %s reads one input: no %s", r.follow_path,
                  batch ? "--batch" : resume ? "--resume (a followed stream is not resumed)" : "other INPUT files");
    if (batch && live_dir)
        die_usage("--live %s shows one network: not with --batch", live_dir);
    if (batch) {
        if (!r.ckpt_path)
            die_usage("--batch %s needs --checkpoint OUT.h5 (one group per conversation)", batch);
        if (resume || ninputs || json_path || r.ckpt_every_windows || r.ckpt_every_seconds)
            die_usage("--batch takes no %s: a rerun of the same command resumes the batch",
                      resume ? "--resume" : ninputs ? "INPUT files" : json_path ? "--json" : "--checkpoint-every");
        KillList *kill = load_kill(&r.p);
        int rc = run_batch(&r.p, kill, batch, r.ckpt_path);
        kill_free(kill);
        free(inputs);
        return rc;
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
        if (n2 != nsaved)
            die("checkpoint %s: damaged or foreign file: input tables of different lengths", resume);
        if (!ninputs) {
            inputs = xrealloc(inputs, (nsaved + 1) * sizeof *inputs);
            for (size_t f = 0; f < nsaved; f++)
                inputs[ninputs++] = saved_paths[f];
        } else if (ninputs != nsaved) {
            die_usage("--resume %s: the checkpoint was made from %zu input file(s), %zu given", resume, nsaved,
                      ninputs);
        }
    }
    if (!ninputs && !r.follow_path)
        die_usage("no input files (usage: huey run [options] INPUT... --json OUT.json)");
    if (resume) {
        ckpt_group(ck, "/input");
        if (ckpt_has_attr(ck, "follow"))
            die_usage("--resume %s: written by huey run --follow, and a followed stream is not resumed (its "
                      "network is there for huey info, query, galileo ...)", resume);
    }

    /* Kill list. */
    if (resume) {
        ckpt_group(ck, "/kill_list");
        size_t nk;
        char **kw = ckpt_get_strings(ck, "word", &nk);
        r.kill = kill_from_words((const char *const *)kw, nk);
        for (size_t k = 0; k < nk; k++)
            free(kw[k]);
        free(kw);
    } else {
        r.kill = load_kill(&r.p);
    }
    r.info.n_kill_words = kill_count(r.kill);

    /* Pass 1 over every input before learning anything: a bad file is
     * reported before time is spent on the others. */
    DetectOptions dopt = { .conversation_mode = r.p.conversation_mode, .max_line_bytes = (size_t)r.p.max_line_bytes };
    r.info.files = xcalloc(ninputs + 1, sizeof *r.info.files);
    r.info.nfiles = ninputs;
    double t_scan = now_seconds();
    if (resume)
        t_read = t_scan - t_read;   /* settings, inputs, kill list; the model comes below */
    Follow *fw = NULL;
    if (r.follow_path) {
        /* nothing to scan: the text comes while it is learnt */
        r.info.nfiles = 1;
        r.info.files[0].path = (char *)r.follow_path;
        char msg[600];
        if (comm_rank() == 0 && !(fw = follow_open(r.follow_path, msg, sizeof msg)))
            die("--follow %s", msg);
    }
    for (size_t f = 0; f < ninputs; f++) {
        InputFile *in = &r.info.files[f];
        in->path = inputs[f];
        char err[1024];
        int rc = scan_input(in, &dopt, err, sizeof err);
        if (rc < 0)
            die("%s", err);
        if (rc == 1)
            warn("%s: empty file, nothing to learn from it", in->path);
        r.bytes_total += in->det.bytes;
    }
    if (resume)
        for (size_t f = 0; f < ninputs; f++)
            if (strcmp(r.info.files[f].det.sha256, saved_sums[f]) != 0)
                die("--resume %s: input %s is not the file the checkpoint was made from (sha256 %s, expected %s)",
                    resume, r.info.files[f].path, r.info.files[f].det.sha256, saved_sums[f]);

    t_scan = now_seconds() - t_scan;
    char backend_why[700];
    const BackendOps *ops = backend_select(&r.p, comm_local_rank(), backend_why, sizeof backend_why);
    r.net = net_create(&r.p, ops, comm_rank(), comm_size());
    if (resume) {
        /* the model, then where the input stood */
        t_read_model = now_seconds();
        net_load(r.net, ck);
        ckpt_group(ck, "/input");
        r.file_index = (size_t)ckpt_get_i64(ck, "file_index");
        if (r.file_index > ninputs)
            die("checkpoint %s: damaged or foreign file: input position past the last file", resume);
        int64_t *done = ckpt_get_array_n(ck, "utterances_done", CK_I64, ninputs);
        int64_t *words = ckpt_get_array_n(ck, "words", CK_I64, ninputs);
        int64_t *toks = ckpt_get_array_n(ck, "tokens", CK_I64, ninputs);
        int64_t *wins = ckpt_get_array_n(ck, "windows", CK_I64, ninputs);
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
    char gather_why[300];
    r.net->allgather = backend_collective(ops, gather_why, sizeof gather_why);
    if (comm_rank() == 0) {  /* here, so that a bad checkpoint's message stays the only line */
        fprintf(stderr, "huey: backend %s (%s)\n", ops->name, backend_why);
        if (gather_why[0])
            fprintf(stderr, "huey: %s\n", gather_why);
    }
    if (live_dir)
        r.live = live_open(live_dir, &r.p);
    install_signals();
    char err[1024];
    bool input_error = false;
    if (r.follow_path) {
        input_error = learn_follow(&r, fw, &dopt, err, sizeof err) != 0;
        follow_close(fw);
    } else if (learn(&r, &dopt, err, sizeof err) != 0) {
        die("%s", err);
    }
    if (!r.ckpt_path && (got_signal || input_error))
        r.ckpt_path = "huey-interrupted.h5";
    if (r.ckpt_path)
        write_checkpoint(&r, r.ckpt_path);   /* always one at the end */
    if (got_signal && comm_rank() == 0) {
        if (r.follow_path)
            fprintf(stderr, "huey: --follow ended by signal %d after window %llu; the network is in %s\n",
                    (int)got_signal, (unsigned long long)r.net->c.windows, r.ckpt_path);
        else
            fprintf(stderr, "huey: stopped by signal %d after window %llu; resume with: huey run --resume %s\n",
                    (int)got_signal, (unsigned long long)r.net->c.windows, r.ckpt_path);
    }
    if (r.follow_path && comm_rank() == 0)
        follow_report(&r);
    if (r.net->in_utterance) {
        /* stopped inside an utterance: count the words read of it */
        uint64_t w = tok_words(&r) - r.words_at_utt_start;
        net_add_words(r.net, w);
        r.cur->words += w;
    }

    /* Collective: every rank takes part, rank 0 writes. */
    live_snapshot(&r, true);
    live_close(r.live);
    double t_out = now_seconds();
    SelfConcept *sc = xcalloc(r.net->nspeakers + 1, sizeof *sc);
    for (size_t s = 0; s < r.net->nspeakers; s++)
        net_self_concept(r.net, s, &sc[s]);
    NetOutputs out;
    net_outputs(r.net, &out);
    r.net->timer[T_IO] += now_seconds() - t_out;
    for (int t = 0; t < T_COUNT; t++)
        comm_stats(net_timer(r.net, t), &r.info.timer_min[t], &r.info.timer_avg[t], &r.info.timer_max[t]);
    if (comm_rank() == 0) {
        print_summary(&r, &out, sc);
        Space *spaces[2] = { NULL, NULL };
        if (galileo_dir)
            galileo_run_spaces(r.net, &out, sc, galileo_dir, spaces);
        if (json_path) {
            FILE *jf = fopen(json_path, "w");
            if (!jf)
                die("cannot write %s: %s", json_path, strerror(errno));
            export_json_extra(r.net, &out, sc, &r.info, jf, galileo_dir ? galileo_json_keys : NULL, spaces);
            /* a full disk or a file-size limit shows in the stream's error
             * flag or at the last flush: no partial file is left behind */
            errno = 0;
            bool bad = fflush(jf) != 0 || ferror(jf);
            int werr = errno;
            if (fclose(jf) != 0 || bad) {
                unlink(json_path);
                die("error writing %s: %s; nothing written", json_path, strerror(werr ? werr : errno));
            }
            fprintf(stderr, "huey: wrote %s\n", json_path);
        }
        space_free(spaces[0]);
        space_free(spaces[1]);
    }
    net_outputs_free(&out);
    free(sc);
    if (input_error)   /* after the checkpoint and outputs: what was learnt is kept */
        die("%s (what was learnt up to there is in %s)", err, r.ckpt_path);

    for (size_t f = 0; f < r.info.nfiles; f++)
        detect_free(&r.info.files[f].det);
    live_detect_free(r.ld);
    free(r.info.files);
    tok_free(r.tok);
    kill_free(r.kill);
    backend_collective_end(r.net->allgather);
    net_free(r.net);
    free(inputs);
    for (size_t f = 0; f < nsaved; f++)
        free(saved_paths[f]);
    free(saved_paths);
    return 0;
}

/* Offline commands: `--conversation NAME` (a network of a batch file) is
 * taken out of argv for offline_load. Returns the new argc. */
static int take_conversation(int argc, char **argv)
{
    int k = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--conversation")) {
            if (i + 1 >= argc)
                die_usage("option --conversation needs a NAME (huey info FILE.h5 lists them)");
            offline_conversation = argv[++i];
            continue;
        }
        argv[k++] = argv[i];
    }
    argv[k] = NULL;
    return k;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* past a file-size limit (ulimit -f) a write fails with EFBIG, which
     * is reported like a full disk, instead of killing the process */
    signal(SIGXFSZ, SIG_IGN);
    eigen_blas_one_thread();
    comm_init(&argc, &argv);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        comm_finalize();
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        if (comm_world_rank() == 0)
            huey_print_version(stdout);
        comm_finalize();
        return 0;
    }
    if (strcmp(argv[1], "run") != 0)
        argc = take_conversation(argc, argv);
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
    else if (!strcmp(argv[1], "align"))
        rc = cmd_align(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "galileo"))
        rc = cmd_galileo(argc - 2, argv + 2);
    else if (!strcmp(argv[1], "clusters"))
        rc = cmd_clusters(argc - 2, argv + 2);
    else
        die_usage("unknown command '%s' (try huey --help)", argv[1]);
    comm_finalize();
    return rc;
}
