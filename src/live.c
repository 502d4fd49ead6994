/*
 * live.c — the live view (live.h): snapshots taken on the learning thread,
 * written by one writer thread (pthreads) on rank 0.
 *
 * A snapshot owns copies of everything it shows (words included: the
 * network may evict and free them while the writer works), so the writer
 * never reads the network. The space is chosen on the learning thread
 * (space_torgerson_take: its 50 concepts, masses and links) and built and
 * decomposed on the writer's (space_torgerson_solve).
 */
#define _GNU_SOURCE   /* syscall(SYS_gettid): the writer thread's own nice value */
#include "live.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "comm.h"
#include "export.h"
#include "galileo.h"
#include "json.h"
#include "query.h"
#include "util.h"
#include "version.h"

enum { LIVE_FORMAT_VERSION = 1 };

typedef struct SnapConcept {
    char *word;
    double mass;
} SnapConcept;

typedef struct SnapSpeaker {
    char *name;
    uint64_t utterances;
    double self_concept_mass;
} SnapSpeaker;

typedef struct SnapAssoc {
    char *from, *to;
    double w, m;
} SnapAssoc;

/* Everything state.json, space.html and map-12.svg show, copied. */
typedef struct Snap {
    uint64_t seq;
    double unix_time;        /* when it was taken */
    double pause;            /* seconds learning waited for it */
    double pause_cpu;        /* ... of which the learning thread's CPU time */
    LiveInput in;            /* its strings are copies */
    NetCounters c;
    int32_t living;
    int64_t ids;
    uint64_t connections;
    SnapConcept *top;        /* (ntop) */
    size_t ntop;
    SnapSpeaker *spk;        /* (nspk) */
    size_t nspk;
    SnapAssoc *assoc;        /* (nassoc) */
    size_t nassoc;
    SpaceJob *job;           /* the torgerson space, to be solved */
} Snap;

struct LiveView {
    bool writer;             /* rank 0: has the thread and writes */
    char *dir;
    double every;
    size_t top;
    uint64_t seq;
    pthread_t thread;
    pthread_mutex_t mu;      /* guards next, closing and the writer's figures */
    pthread_cond_t cv;
    Snap *next;              /* taken, not yet written */
    bool closing;
    /* the learning thread's figures */
    uint64_t taken, replaced;
    double pause_sum, pause_max, pause_cpu_sum, pause_cpu_max;
    /* the writer's (under mu) */
    uint64_t written, failures;
    double write_sum, write_max;
};

/* CPU seconds of the calling thread: the pause's own work, without the
 * time other processes (or the writer) held the core. */
static double thread_cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double unix_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void snap_free(Snap *s)
{
    if (!s)
        return;
    free((char *)s->in.path);
    free((char *)s->in.strategy);
    free((char *)s->in.stop_reason);
    for (size_t i = 0; i < s->ntop; i++)
        free(s->top[i].word);
    free(s->top);
    for (size_t i = 0; i < s->nspk; i++)
        free(s->spk[i].name);
    free(s->spk);
    for (size_t i = 0; i < s->nassoc; i++) {
        free(s->assoc[i].from);
        free(s->assoc[i].to);
    }
    free(s->assoc);
    space_job_free(s->job);
    free(s);
}

/* ---- taking a snapshot (learning thread) ---------------------------------- */

/* Does edge a come before edge b among the strongest? Weight, then the
 * edges' (src, dst) order. */
static bool stronger(const NetEdge *a, const NetEdge *b)
{
    if (a->w != b->w)
        return a->w > b->w;
    return a->src != b->src ? a->src < b->src : a->dst < b->dst;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The k strongest connections with w above the query's min_strength
 * (huey query strongest's rule), strongest first: one pass over the
 * connections, then one over the slots for the words of their ends. An
 * end without a word (the incoming kernel's dead-speaker ghosts) drops its
 * connection. */
static void take_strongest(Snap *s, const Net *net, const NetOutputs *o, size_t k)
{
    const NetEdge **best = xmalloc((k + 1) * sizeof *best);
    size_t nb = 0;
    for (size_t e = 0; e < o->nedges; e++) {
        const NetEdge *c = &o->edges[e];
        if (!(c->w > query_defaults.min_strength) || (nb == k && !stronger(c, best[k - 1])))
            continue;
        size_t i = nb < k ? nb++ : k - 1;
        for (; i > 0 && stronger(c, best[i - 1]); i--)
            best[i] = best[i - 1];
        best[i] = c;
    }
    /* the words of their ends: ids sorted, looked up once per slot */
    int64_t *ids = xmalloc((2 * nb + 1) * sizeof *ids);
    const char **words = xcalloc(2 * nb + 1, sizeof *words);
    for (size_t i = 0; i < nb; i++) {
        ids[2 * i] = best[i]->src;
        ids[2 * i + 1] = best[i]->dst;
    }
    qsort(ids, 2 * nb, sizeof *ids, cmp_i64);
    for (int32_t q = 0; q < net->nslots && nb; q++) {
        const int64_t *at = net->word[q] ? bsearch(&net->id[q], ids, 2 * nb, sizeof *ids, cmp_i64) : NULL;
        for (; at && at > ids && at[-1] == net->id[q]; at--)
            ;
        for (; at && at < ids + 2 * nb && *at == net->id[q]; at++)
            words[at - ids] = net->word[q];
    }
    s->assoc = xcalloc(nb + 1, sizeof *s->assoc);
    for (size_t i = 0; i < nb; i++) {
        const int64_t *a = bsearch(&best[i]->src, ids, 2 * nb, sizeof *ids, cmp_i64);
        const int64_t *b = bsearch(&best[i]->dst, ids, 2 * nb, sizeof *ids, cmp_i64);
        const char *from = words[a - ids], *to = words[b - ids];
        if (from && to)
            s->assoc[s->nassoc++] = (SnapAssoc){ xstrdup(from), xstrdup(to), best[i]->w, best[i]->m };
    }
    free(ids);
    free(words);
    free(best);
}

static Snap *snap_build(LiveView *v, const Net *net, const NetOutputs *o, const SelfConcept *sc,
                        const LiveInput *in)
{
    Snap *s = xcalloc(1, sizeof *s);
    s->seq = ++v->seq;
    s->unix_time = unix_now();
    s->in = *in;
    s->in.path = dup_or_null(in->path);
    s->in.strategy = dup_or_null(in->strategy);
    s->in.stop_reason = dup_or_null(in->stop_reason);
    s->c = net->c;
    s->living = net->nliving;
    s->ids = net->id_counter;
    s->connections = o->nedges;

    TopConcept *t = export_top_concepts(net, o, v->top, &s->ntop);
    s->top = xcalloc(s->ntop + 1, sizeof *s->top);
    for (size_t i = 0; i < s->ntop; i++)
        s->top[i] = (SnapConcept){ xstrdup(t[i].word), t[i].mass };
    free(t);

    s->nspk = net->nspeakers;
    s->spk = xcalloc(s->nspk + 1, sizeof *s->spk);
    for (size_t i = 0; i < s->nspk; i++)
        s->spk[i] = (SnapSpeaker){ xstrdup(net->speakers[i].name), net->speakers[i].blocks, sc[i].mass };

    take_strongest(s, net, o, v->top);

    GalileoOpts opt;
    galileo_opts_default(&opt);   /* the torgerson space of huey galileo, 50 concepts */
    s->job = space_torgerson_take(net, o, sc, &opt);
    return s;
}

void live_take(LiveView *v, Net *net, const LiveInput *in)
{
    double t0 = now_seconds(), c0 = thread_cpu_now();
    NetOutputs o;
    net_outputs(net, &o);
    SelfConcept *sc = xcalloc(net->nspeakers + 1, sizeof *sc);
    for (size_t i = 0; i < net->nspeakers; i++)
        net_self_concept(net, i, &sc[i]);
    if (!v->writer) {
        net_outputs_free(&o);
        free(sc);
        return;
    }
    Snap *s = snap_build(v, net, &o, sc, in);
    net_outputs_free(&o);
    free(sc);
    s->pause = now_seconds() - t0;
    s->pause_cpu = thread_cpu_now() - c0;

    pthread_mutex_lock(&v->mu);
    Snap *old = v->next;
    v->next = s;
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
    if (old)
        v->replaced++;
    snap_free(old);

    double pause = now_seconds() - t0, cpu = thread_cpu_now() - c0;
    v->taken++;
    v->pause_sum += pause;
    v->pause_max = pause > v->pause_max ? pause : v->pause_max;
    v->pause_cpu_sum += cpu;
    v->pause_cpu_max = cpu > v->pause_cpu_max ? cpu : v->pause_cpu_max;
}

/* ---- writing (writer thread) ----------------------------------------------- */

typedef void (*WriteFn)(FILE *f, const void *ctx);

/* DIR/name through DIR/name.tmp and a rename; false (said once) on error. */
static bool write_atomic(LiveView *v, const char *name, WriteFn fn, const void *ctx)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", v->dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int err = errno;
    if (f) {
        fn(f, ctx);
        bool bad = ferror(f) != 0;
        err = errno;
        if (fclose(f) != 0 || bad)
            err = err ? err : EIO;
        else if (rename(tmp, path) == 0)
            return true;
        else
            err = errno;
        unlink(tmp);
    }
    pthread_mutex_lock(&v->mu);
    bool first = v->failures++ == 0;
    pthread_mutex_unlock(&v->mu);
    if (first)
        warn("live view: cannot write %s: %s (learning goes on; the view is stale)", path, strerror(err));
    return false;
}

typedef struct HtmlCtx {
    const Space *s;
    double reload;
} HtmlCtx;

static void html_file(FILE *f, const void *ctx)
{
    const HtmlCtx *h = ctx;
    space_html(h->s, f, h->reload);
}

static void map_file(FILE *f, const void *ctx)
{
    space_map(ctx, 0, 1, f);
}

typedef struct StateCtx {
    const LiveView *v;
    const Snap *s;
    const Space *space;
    uint64_t written;        /* snapshots written before this one */
} StateCtx;

/* A number, or null where JSON has none (an infinite warp factor). */
static void json_number(JsonWriter *j, double x)
{
    if (isfinite(x))
        json_double(j, x);
    else
        json_null(j);
}

static void state_file(FILE *f, const void *ctx)
{
    const StateCtx *c = ctx;
    const Snap *s = c->s;
    const LiveInput *in = &s->in;
    JsonWriter j;
    json_init(&j, f);
    j.pretty = true;
    json_begin_object(&j);
    json_key(&j, "format"); json_string(&j, "huey-live");
    json_key(&j, "format_version"); json_int(&j, LIVE_FORMAT_VERSION);
    json_key(&j, "huey_version"); json_string(&j, huey_version());
    json_key(&j, "sequence"); json_uint(&j, s->seq);
    json_key(&j, "final"); json_bool(&j, in->final);
    json_key(&j, "taken_unix_seconds"); json_double(&j, s->unix_time);
    json_key(&j, "written_unix_seconds"); json_double(&j, unix_now());
    json_key(&j, "learning_seconds"); json_double(&j, in->seconds);

    json_key(&j, "input");
    json_begin_object(&j);
    json_key(&j, "path"); json_string(&j, in->path ? in->path : "");
    json_key(&j, "follow"); json_bool(&j, in->follow);
    json_key(&j, "strategy"); json_string(&j, in->strategy ? in->strategy : "");
    json_key(&j, "bytes_read"); json_uint(&j, in->bytes);
    if (!in->follow) {
        json_key(&j, "bytes_total"); json_uint(&j, in->bytes_total);
    } else {
        json_key(&j, "lines"); json_uint(&j, in->lines);
        json_key(&j, "lines_without_label"); json_uint(&j, in->dropped);
        json_key(&j, "rejoins"); json_uint(&j, in->rejoins);
        json_key(&j, "lines_cut_by_idle"); json_uint(&j, in->idle_cuts);
    }
    if (in->final) {
        json_key(&j, "stop_reason"); json_string(&j, in->stop_reason ? in->stop_reason : "");
    }
    json_end_object(&j);

    json_key(&j, "counts");
    json_begin_object(&j);
    json_key(&j, "utterances"); json_uint(&j, s->c.utterances);
    json_key(&j, "words"); json_uint(&j, s->c.words);
    json_key(&j, "tokens"); json_uint(&j, s->c.tokens);
    json_key(&j, "windows"); json_uint(&j, s->c.windows);
    json_key(&j, "neurons"); json_int(&j, s->living);
    json_key(&j, "ids_issued"); json_int(&j, s->ids);
    json_key(&j, "connections"); json_uint(&j, s->connections);
    json_key(&j, "evictions"); json_uint(&j, s->c.evictions);
    json_key(&j, "speakers"); json_uint(&j, s->nspk);
    json_end_object(&j);

    json_key(&j, "top_concepts");
    json_begin_array(&j);
    for (size_t i = 0; i < s->ntop; i++) {
        json_begin_object(&j);
        json_key(&j, "word"); json_string(&j, s->top[i].word);
        json_key(&j, "mass"); json_number(&j, s->top[i].mass);
        json_end_object(&j);
    }
    json_end_array(&j);

    json_key(&j, "speakers");
    json_begin_array(&j);
    for (size_t i = 0; i < s->nspk; i++) {
        json_begin_object(&j);
        json_key(&j, "name"); json_string(&j, s->spk[i].name);
        json_key(&j, "utterances"); json_uint(&j, s->spk[i].utterances);
        json_key(&j, "self_concept_mass"); json_number(&j, s->spk[i].self_concept_mass);
        json_end_object(&j);
    }
    json_end_array(&j);

    json_key(&j, "strongest_associations");
    json_begin_array(&j);
    for (size_t i = 0; i < s->nassoc; i++) {
        json_begin_object(&j);
        json_key(&j, "from"); json_string(&j, s->assoc[i].from);
        json_key(&j, "to"); json_string(&j, s->assoc[i].to);
        json_key(&j, "weight"); json_number(&j, s->assoc[i].w);
        json_key(&j, "mass"); json_number(&j, s->assoc[i].m);
        json_end_object(&j);
    }
    json_end_array(&j);

    const Space *sp = c->space;
    json_key(&j, "space");
    json_begin_object(&j);
    json_key(&j, "method"); json_string(&j, "torgerson");
    if (sp->error) {
        json_key(&j, "error"); json_string(&j, sp->error);
    } else {
        json_key(&j, "concepts"); json_uint(&j, sp->n);
        json_key(&j, "signature");
        json_begin_array(&j);
        json_uint(&j, sp->n_pos);
        json_uint(&j, sp->n_neg);
        json_uint(&j, sp->n_zero);
        json_end_array(&j);
        json_key(&j, "warp_factor"); json_number(&j, sp->warp);
    }
    json_key(&j, "files");
    json_begin_array(&j);
    json_string(&j, "space.html");
    json_string(&j, "map-12.svg");
    json_end_array(&j);
    json_end_object(&j);

    json_key(&j, "live");
    json_begin_object(&j);
    json_key(&j, "every_seconds"); json_double(&j, c->v->every);
    json_key(&j, "learning_paused_seconds"); json_double(&j, s->pause);
    json_key(&j, "learning_paused_cpu_seconds"); json_double(&j, s->pause_cpu);
    json_key(&j, "snapshots_written_before"); json_uint(&j, c->written);
    json_end_object(&j);
    json_end_object(&j);
    fputc('\n', f);
}

/* The space files first, state.json last: a reader that sees a new
 * state.json finds the space of the same snapshot or a newer one. */
static void write_snapshot(LiveView *v, Snap *s, uint64_t written)
{
    Space *sp = space_torgerson_solve(s->job);
    s->job = NULL;
    HtmlCtx h = { sp, v->every };
    write_atomic(v, "space.html", html_file, &h);
    write_atomic(v, "map-12.svg", map_file, sp);
    StateCtx c = { v, s, sp, written };
    write_atomic(v, "state.json", state_file, &c);
    space_free(sp);
}

/* The writer yields the CPU to learning where both want it (Linux gives
 * each thread its own nice value). */
enum { WRITER_NICE = 10 };

static void *writer_main(void *arg)
{
    LiveView *v = arg;
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), getpriority(PRIO_PROCESS, 0) + WRITER_NICE);
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (!v->next && !v->closing)
            pthread_cond_wait(&v->cv, &v->mu);
        Snap *s = v->next;
        if (!s)
            break;   /* closing, nothing left */
        v->next = NULL;
        uint64_t written = v->written;
        pthread_mutex_unlock(&v->mu);
        double t0 = now_seconds();
        write_snapshot(v, s, written);
        double dt = now_seconds() - t0;
        snap_free(s);
        pthread_mutex_lock(&v->mu);
        v->written++;
        v->write_sum += dt;
        v->write_max = dt > v->write_max ? dt : v->write_max;
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

/* ---- open, close ------------------------------------------------------------- */

LiveView *live_open(const char *dir, const Params *p)
{
    LiveView *v = xcalloc(1, sizeof *v);
    v->writer = comm_rank() == 0;
    v->every = p->live_every;
    v->top = (size_t)p->live_top;
    if (!v->writer)
        return v;
    int err = make_dirs(dir);
    if (err)
        die("--live %s: cannot create the directory: %s", dir, strerror(err));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        die("--live %s: not a directory", dir);
    v->dir = xstrdup(dir);
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    if (pthread_create(&v->thread, NULL, writer_main, v) != 0)
        die("--live %s: cannot start the writer thread", dir);
    return v;
}

void live_close(LiveView *v)
{
    if (!v)
        return;
    if (v->writer) {
        pthread_mutex_lock(&v->mu);
        v->closing = true;
        pthread_cond_signal(&v->cv);
        pthread_mutex_unlock(&v->mu);
        pthread_join(v->thread, NULL);
        pthread_mutex_destroy(&v->mu);
        pthread_cond_destroy(&v->cv);
        double n = v->taken ? (double)v->taken : 1.0;
        fprintf(stderr, "huey: live: %llu snapshots to %s/state.json (%llu replaced before written); learning "
                        "paused per snapshot mean %.3f ms, max %.3f ms (its CPU time mean %.3f ms, max %.3f ms); "
                        "writer mean %.3f ms, max %.3f ms\n",
                (unsigned long long)v->taken, v->dir, (unsigned long long)v->replaced, 1e3 * v->pause_sum / n,
                1e3 * v->pause_max, 1e3 * v->pause_cpu_sum / n, 1e3 * v->pause_cpu_max,
                v->written ? 1e3 * v->write_sum / (double)v->written : 0.0, 1e3 * v->write_max);
        free(v->dir);
    }
    free(v);
}
