/*
 * backend_cpu.c — connection storage and the per-window kernels on one
 * core (the reference CPU backend; every other backend is checked against
 * it).
 *
 * Storage: per slot an outgoing row and an incoming (mirror) row, each a
 * structure of arrays (partner, w, m). partner = slot << 1 | fwd, where
 * fwd marks a connection (i->j) with id_i < id_j: the only ones the GPU
 * class's (min,max)-keyed activation uses. Rows keep insertion order; a
 * removed connection is either compacted away by the step (which rewrites
 * every row in place, preserving order) or, when removed by a neuron's
 * death between steps, left as a tombstone (partner = -1) until then. So a
 * row's order depends only on its own history, never on the rank count.
 *
 * The reference's out-target sets (§8) count targets whose connection was
 * deleted by decay ("stale", §10) until the target dies or is pruned; we
 * keep the count per slot and the stale pairs in a small hash set.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "rules.h"
#include "util.h"

typedef struct EdgeRow {
    int32_t n, cap;
    int32_t *nb;      /* (cap) partner slot << 1 | fwd, -1 = tombstone */
    double *w;        /* (cap) weight */
    double *m;        /* (cap) inertial mass */
} EdgeRow;

/* Open-addressing set of (src slot, dst slot) stale out-target entries. */
typedef struct PairSet {
    uint64_t *keys;   /* (cap) 0 = empty, 1 = deleted, else key + 2 */
    size_t cap, used, live;
} PairSet;

typedef struct CpuState {
    const Params *p;
    int32_t cap;              /* slots with storage */
    EdgeRow *out, *in;        /* (cap) */
    uint32_t *nout;           /* (cap) out-target set size, stale included */
    double *strength;         /* (cap) Σ w touching the slot */
    uint8_t *dirty;           /* (cap) strength must be recomputed */
    int32_t *widx;            /* (cap) index in the current window, -1 if not in it */
    uint64_t nconn;
    PairSet stale;
    /* current window */
    int wn;
    int32_t wslot[MAX_WINDOW], wfirst[MAX_WINDOW], wlast[MAX_WINDOW];
    int64_t wid[MAX_WINDOW];
    int32_t *wout;            /* (wn*wn) position of (i->j) in out[i], -1 absent */
    int32_t *win;             /* (wn*wn) position of (i->j) in in[j] */
    size_t wcap;
} CpuState;

/* ---- pair set ----------------------------------------------------------- */

static uint64_t pair_key(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 2; }

static void pairset_rehash(PairSet *s, size_t cap)
{
    uint64_t *old = s->keys;
    size_t oldcap = s->cap;
    s->keys = xcalloc(cap, sizeof *s->keys);
    s->cap = cap;
    s->used = s->live;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i] < 2)
            continue;
        size_t h = hash_u64(old[i]) & (cap - 1);
        while (s->keys[h])
            h = (h + 1) & (cap - 1);
        s->keys[h] = old[i];
    }
    free(old);
}

static size_t pairset_find(const PairSet *s, uint64_t k)
{
    if (!s->cap)
        return SIZE_MAX;
    size_t h = hash_u64(k) & (s->cap - 1);
    while (s->keys[h]) {
        if (s->keys[h] == k)
            return h;
        h = (h + 1) & (s->cap - 1);
    }
    return SIZE_MAX;
}

static void pairset_add(PairSet *s, int32_t a, int32_t b)
{
    uint64_t k = pair_key(a, b);
    if (pairset_find(s, k) != SIZE_MAX)
        return;
    if ((s->used + 1) * 2 > s->cap)
        pairset_rehash(s, s->cap ? (s->live * 4 > s->cap ? s->cap * 2 : s->cap) : 16);
    size_t h = hash_u64(k) & (s->cap - 1);
    while (s->keys[h] >= 2)
        h = (h + 1) & (s->cap - 1);
    if (s->keys[h] == 0)
        s->used++;
    s->keys[h] = k;
    s->live++;
}

static bool pairset_remove(PairSet *s, int32_t a, int32_t b)
{
    size_t h = pairset_find(s, pair_key(a, b));
    if (h == SIZE_MAX)
        return false;
    s->keys[h] = 1;
    s->live--;
    return true;
}

/* ---- rows --------------------------------------------------------------- */

static void row_reserve(EdgeRow *r, int32_t need)
{
    if (need <= r->cap)
        return;
    int32_t c = r->cap ? r->cap : 4;
    while (c < need)
        c *= 2;
    r->nb = xrealloc(r->nb, (size_t)c * sizeof *r->nb);
    r->w = xrealloc(r->w, (size_t)c * sizeof *r->w);
    r->m = xrealloc(r->m, (size_t)c * sizeof *r->m);
    r->cap = c;
}

static int32_t row_append(EdgeRow *r, int32_t nb)
{
    row_reserve(r, r->n + 1);
    r->nb[r->n] = nb;
    r->w[r->n] = 0.0;
    r->m[r->n] = 0.0;
    return r->n++;
}

/* Tombstone the connection to partner slot x; returns whether one existed. */
static bool row_tombstone(EdgeRow *r, int32_t x)
{
    for (int32_t k = 0; k < r->n; k++)
        if (r->nb[k] >= 0 && (r->nb[k] >> 1) == x) {
            r->nb[k] = -1;
            return true;
        }
    return false;
}

static void ensure_cap(CpuState *s, int32_t slot)
{
    if (slot < s->cap)
        return;
    int32_t c = s->cap ? s->cap : 64;
    while (c <= slot)
        c *= 2;
    s->out = xrealloc(s->out, (size_t)c * sizeof *s->out);
    s->in = xrealloc(s->in, (size_t)c * sizeof *s->in);
    s->nout = xrealloc(s->nout, (size_t)c * sizeof *s->nout);
    s->strength = xrealloc(s->strength, (size_t)c * sizeof *s->strength);
    s->dirty = xrealloc(s->dirty, (size_t)c * sizeof *s->dirty);
    s->widx = xrealloc(s->widx, (size_t)c * sizeof *s->widx);
    for (int32_t i = s->cap; i < c; i++) {
        memset(&s->out[i], 0, sizeof s->out[i]);
        memset(&s->in[i], 0, sizeof s->in[i]);
        s->nout[i] = 0;
        s->strength[i] = 0.0;
        s->dirty[i] = 0;
        s->widx[i] = -1;
    }
    s->cap = c;
}

/* ---- ops ---------------------------------------------------------------- */

static void *cpu_create(const Params *p)
{
    CpuState *s = xcalloc(1, sizeof *s);
    s->p = p;
    return s;
}

static void cpu_destroy(void *st)
{
    CpuState *s = st;
    for (int32_t i = 0; i < s->cap; i++) {
        free(s->out[i].nb); free(s->out[i].w); free(s->out[i].m);
        free(s->in[i].nb); free(s->in[i].w); free(s->in[i].m);
    }
    free(s->out); free(s->in); free(s->nout); free(s->strength); free(s->dirty); free(s->widx);
    free(s->stale.keys); free(s->wout); free(s->win);
    free(s);
}

static void cpu_add_neuron(void *st, int32_t slot)
{
    CpuState *s = st;
    ensure_cap(s, slot);
    s->out[slot].n = 0;
    s->in[slot].n = 0;
    s->nout[slot] = 0;
    s->strength[slot] = 0.0;
    s->dirty[slot] = 0;
    s->widx[slot] = -1;
}

static void cpu_kill(void *st, int32_t x)
{
    CpuState *s = st;
    EdgeRow *o = &s->out[x], *in = &s->in[x];
    for (int32_t k = 0; k < o->n; k++) {
        if (o->nb[k] < 0)
            continue;
        int32_t t = o->nb[k] >> 1;
        row_tombstone(&s->in[t], x);
        s->dirty[t] = 1;
        s->nconn--;
    }
    for (int32_t k = 0; k < in->n; k++) {
        if (in->nb[k] < 0)
            continue;
        int32_t src = in->nb[k] >> 1;
        row_tombstone(&s->out[src], x);
        s->nout[src]--;           /* x leaves src's out-target set */
        s->dirty[src] = 1;
        s->nconn--;
    }
    /* Stale entries: x's own set goes, and x leaves every other set. */
    if (s->stale.live) {
        for (size_t h = 0; h < s->stale.cap; h++) {
            uint64_t k = s->stale.keys[h];
            if (k < 2)
                continue;
            int32_t a = (int32_t)((k - 2) >> 32), b = (int32_t)(uint32_t)(k - 2);
            if (a == x || b == x) {
                s->stale.keys[h] = 1;
                s->stale.live--;
                if (b == x && a != x)
                    s->nout[a]--;
            }
        }
    }
    o->n = 0;
    in->n = 0;
    s->nout[x] = 0;
    s->strength[x] = 0.0;
    s->dirty[x] = 0;
}

static double row_weight_sum(const EdgeRow *r)
{
    double sum = 0.0;
    for (int32_t k = 0; k < r->n; k++)
        if (r->nb[k] >= 0)
            sum += r->w[k];
    return sum;
}

static double cpu_strength(void *st, int32_t slot)
{
    CpuState *s = st;
    if (s->dirty[slot]) {
        double so = row_weight_sum(&s->out[slot]);
        double si = row_weight_sum(&s->in[slot]);
        s->strength[slot] = so + si;
        s->dirty[slot] = 0;
    }
    return s->strength[slot];
}

static void cpu_window_begin(void *st, const WindowView *w)
{
    CpuState *s = st;
    int n = w->n;
    s->wn = n;
    for (int i = 0; i < n; i++) {
        s->wslot[i] = w->slot[i];
        s->wid[i] = w->id[i];
        s->wfirst[i] = w->first[i];
        s->wlast[i] = w->last[i];
        s->widx[w->slot[i]] = i;
    }
    GROW(s->wout, s->wcap, (size_t)n * n);
    s->win = xrealloc(s->win, s->wcap * sizeof *s->win);
    for (int i = 0; i < n * n; i++)
        s->wout[i] = s->win[i] = -1;
    for (int i = 0; i < n; i++) {
        const EdgeRow *o = &s->out[w->slot[i]];
        for (int32_t k = 0; k < o->n; k++) {
            if (o->nb[k] < 0)
                continue;
            int j = s->widx[o->nb[k] >> 1];
            if (j >= 0)
                s->wout[i * n + j] = k;
        }
        const EdgeRow *in = &s->in[w->slot[i]];
        for (int32_t k = 0; k < in->n; k++) {
            if (in->nb[k] < 0)
                continue;
            int j = s->widx[in->nb[k] >> 1];
            if (j >= 0)
                s->win[j * n + i] = k;
        }
    }
}

static bool cpu_edge_exists(void *st, int di, int dj)
{
    CpuState *s = st;
    return s->wout[di * s->wn + dj] >= 0;
}

static uint32_t cpu_out_targets(void *st, int di)
{
    CpuState *s = st;
    return s->nout[s->wslot[di]];
}

static void cpu_hebbian(void *st, int di, int dj, double ai, double aj)
{
    CpuState *s = st;
    int n = s->wn;
    int32_t i = s->wslot[di], j = s->wslot[dj];
    int32_t po = s->wout[di * n + dj], pi = s->win[di * n + dj];
    if (po < 0) {
        int32_t fwd = s->wid[di] < s->wid[dj];
        po = row_append(&s->out[i], j << 1 | fwd);
        pi = row_append(&s->in[j], i << 1 | fwd);
        s->wout[di * n + dj] = po;
        s->win[di * n + dj] = pi;
        /* j joins i's out-target set unless it is still there as stale */
        if (!pairset_remove(&s->stale, i, j))
            s->nout[i]++;
        s->nconn++;
    }
    double w = s->out[i].w[po], m = s->out[i].m[po];
    rule_hebbian(s->p, ai, aj, &w, &m);
    s->out[i].w[po] = s->in[j].w[pi] = w;
    s->out[i].m[po] = s->in[j].m[pi] = m;
}

/* Is the connection src->dst (window indices, -1 = not in window) in this
 * window's active pair set {(L[p], L[q]) : p < q}? */
static inline bool is_active(const CpuState *s, int isrc, int idst)
{
    return isrc >= 0 && idst >= 0 && s->wfirst[isrc] < s->wlast[idst];
}

static void cpu_step(void *st, const StepArgs *a, StepStats *stats)
{
    CpuState *s = st;
    const Params *p = s->p;
    const double keep_floor = p->minimum_connection * 2;
    const double prune = p->prune_threshold;
    const bool all = a->mode == STEP_MINMAX_ALL;
    const bool incoming = a->mode == STEP_INCOMING;
    uint64_t decayed = 0, pruned = 0;

    for (int32_t r = 0; r < a->nslots; r++) {
        if (a->id[r] < 0)
            continue;
        int wr = s->widx[r];
        double h = incoming ? a->bias : 0.0;
        double so = 0.0, si = 0.0;

        EdgeRow *o = &s->out[r];
        int32_t k2 = 0;
        for (int32_t k = 0; k < o->n; k++) {
            int32_t nb = o->nb[k];
            if (nb < 0)
                continue;
            int32_t t = nb >> 1;
            double w = o->w[k];
            if (!is_active(s, wr, s->widx[t])) {
                w = rule_connection_decay(p, w);
                if (w <= keep_floor) {
                    /* removed by decay: t stays in r's out-target set */
                    pairset_add(&s->stale, r, t);
                    decayed++;
                    continue;
                }
            }
            if (fabs(w) < prune) {
                s->nout[r]--;
                pruned++;
                continue;
            }
            o->nb[k2] = nb;
            o->w[k2] = w;
            o->m[k2] = o->m[k];
            k2++;
            so += w;
            if (all || (!incoming && (nb & 1)))
                h += w * a->a_in[t];
        }
        o->n = k2;

        EdgeRow *in = &s->in[r];
        k2 = 0;
        for (int32_t k = 0; k < in->n; k++) {
            int32_t nb = in->nb[k];
            if (nb < 0)
                continue;
            int32_t src = nb >> 1;
            double w = in->w[k];
            if (!is_active(s, s->widx[src], wr)) {
                w = rule_connection_decay(p, w);
                if (w <= keep_floor)
                    continue;
            }
            if (fabs(w) < prune)
                continue;
            in->nb[k2] = nb;
            in->w[k2] = w;
            in->m[k2] = in->m[k];
            k2++;
            si += w;
            if (all || incoming || (nb & 1))
                h += w * a->a_in[src];
        }
        in->n = k2;

        s->strength[r] = so + si;
        s->dirty[r] = 0;
        a->a_out[r] = (incoming && wr >= 0) ? 1.0 : rule_sigmoid(h);
    }
    s->nconn -= decayed + pruned;
    for (int i = 0; i < s->wn; i++)
        s->widx[s->wslot[i]] = -1;
    s->wn = 0;
    if (stats) {
        stats->decay_deleted += decayed;
        stats->pruned += pruned;
    }
}

static uint64_t cpu_connection_count(void *st) { return ((CpuState *)st)->nconn; }

static bool cpu_find(void *st, int32_t src, int32_t dst, double *w, double *m)
{
    CpuState *s = st;
    if (src >= s->cap)
        return false;
    const EdgeRow *o = &s->out[src];
    for (int32_t k = 0; k < o->n; k++)
        if (o->nb[k] >= 0 && (o->nb[k] >> 1) == dst) {
            *w = o->w[k];
            *m = o->m[k];
            return true;
        }
    return false;
}

static double cpu_mass_sum(void *st, int32_t slot)
{
    CpuState *s = st;
    double sum = 0.0;
    const EdgeRow *rows[2] = { &s->out[slot], &s->in[slot] };
    for (int r = 0; r < 2; r++)
        for (int32_t k = 0; k < rows[r]->n; k++)
            if (rows[r]->nb[k] >= 0)
                sum += rows[r]->m[k];
    return sum;
}

static void cpu_for_each(void *st, EdgeFn fn, void *ctx)
{
    CpuState *s = st;
    for (int32_t r = 0; r < s->cap; r++) {
        const EdgeRow *o = &s->out[r];
        for (int32_t k = 0; k < o->n; k++)
            if (o->nb[k] >= 0)
                fn(ctx, r, o->nb[k] >> 1, o->w[k], o->m[k]);
    }
}

static void cpu_for_each_touching(void *st, int32_t slot, EdgeFn fn, void *ctx)
{
    CpuState *s = st;
    const EdgeRow *o = &s->out[slot], *in = &s->in[slot];
    for (int32_t k = 0; k < o->n; k++)
        if (o->nb[k] >= 0)
            fn(ctx, slot, o->nb[k] >> 1, o->w[k], o->m[k]);
    for (int32_t k = 0; k < in->n; k++)
        if (in->nb[k] >= 0)
            fn(ctx, in->nb[k] >> 1, slot, in->w[k], in->m[k]);
}

static size_t cpu_bytes(void *st)
{
    CpuState *s = st;
    size_t b = (size_t)s->cap * (2 * sizeof(EdgeRow) + sizeof(uint32_t) + sizeof(double) + 1 + sizeof(int32_t));
    for (int32_t r = 0; r < s->cap; r++)
        b += (size_t)(s->out[r].cap + s->in[r].cap) * (sizeof(int32_t) + 2 * sizeof(double));
    return b + s->stale.cap * sizeof(uint64_t);
}

const BackendOps backend_cpu_ops = {
    .name = "cpu",
    .create = cpu_create,
    .destroy = cpu_destroy,
    .add_neuron = cpu_add_neuron,
    .kill = cpu_kill,
    .strength = cpu_strength,
    .window_begin = cpu_window_begin,
    .edge_exists = cpu_edge_exists,
    .out_targets = cpu_out_targets,
    .hebbian = cpu_hebbian,
    .step = cpu_step,
    .connection_count = cpu_connection_count,
    .find = cpu_find,
    .mass_sum = cpu_mass_sum,
    .for_each = cpu_for_each,
    .for_each_touching = cpu_for_each_touching,
    .bytes = cpu_bytes,
};
