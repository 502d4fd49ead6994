/*
 * backend_cpu.c — connection storage and the per-window kernels on one
 * core (the reference CPU backend; every other backend is checked against
 * it).
 *
 * Storage: one row per neuron slot holding both its outgoing connections
 * and the mirror copies of its incoming ones, so that the neuron's
 * activation and weight sum come from its own row alone (the MPI version
 * needs exactly that). A row is one block of three arrays of `cap`
 * entries: w (weight), m (mass) and nb = partner << 2 | dir << 1 | fwd,
 * where dir = 1 marks an incoming copy and fwd marks a connection (i->j)
 * with id_i < id_j, the only kind the GPU class's (min,max)-keyed
 * activation uses; nb = -1 is a tombstone. 20 bytes per copy, 40 per
 * connection. Rows keep insertion order: the step compacts them in place,
 * preserving order, and a connection removed by a neuron's death between
 * steps stays a tombstone until then. So a row's order depends only on its
 * own history, never on the rank count.
 *
 * With P ranks a backend holds the rows of the slots its rank owns (the
 * model decides ownership); the copies of a connection may then live on
 * two ranks, each updated by its owner with the same arithmetic. What the
 * sparsity gate must know about the window's pairs (does i->j exist, is j
 * a stale target of i, how many targets has i) is known to i's owner; the
 * model ships it to everyone (gate_row / gate_set_row).
 *
 * Sums over a row (weight sum for eviction importance, w*a for the
 * activation) are taken in four interleaved lanes, lane = position mod 4,
 * combined as (l0 + l1) + (l2 + l3): a fixed order that breaks the add
 * latency chain, maps onto 4-wide SIMD (the AVX2 kernel, chosen at run
 * time, gives bit-identical results to the scalar one: same operations,
 * same order per lane, no FMA) and that any other backend can reproduce.
 * sigma, lane for lane rule_sigmoid, runs four values at a time with AVX2
 * and eight with AVX-512 on AMD cores that have it (SIGMOID_VEC; cpu_create
 * says why not on Intel's).
 * Which connections enter the activation sum is chosen by indexing a
 * small per-step table of activations with nb itself: no test per entry.
 *
 * The reference's out-target sets (§8) count targets whose connection was
 * deleted by decay ("stale", §10) until the target dies or is pruned; we
 * keep the count per slot and the stale pairs in a small hash set.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1
#endif

#include "backend.h"
#include "gate.h"
#include "pairset.h"
#include "rules.h"
#include "util.h"

enum { NB_IN = 2, NB_FWD = 1, NB_PAD = -4 };
static inline int32_t nb_make(int32_t partner, bool in, bool fwd) { return partner << 2 | (in ? NB_IN : 0) | (fwd ? NB_FWD : 0); }
static inline int32_t nb_partner(int32_t nb) { return nb >> 2; }
static inline bool nb_in(int32_t nb) { return nb & NB_IN; }

typedef struct EdgeRow {
    int32_t n, cap;
    int32_t ntomb;    /* tombstones among the n entries */
    double *w;        /* (cap) weights; the block also holds m and nb */
    double *m;        /* (cap) = w + cap */
    int32_t *nb;      /* (cap) = (int32_t *)(w + 2 * cap) */
} EdgeRow;

/* A connection copy the window's Hebbian step touched (all are active). */
typedef struct Touched {
    int32_t pos;
    double w;
} Touched;

typedef struct CpuState {
    WindowGate gate;          /* first: the ops table's gate entries read it (gate.h) */
    const Params *p;
    int32_t cap;              /* slots with storage */
    EdgeRow *row;             /* (cap) */
    uint32_t *nout;           /* (cap) out-target set size, stale included */
    double *strength;         /* (cap) Σ w of the row */
    uint8_t *dirty;           /* (cap) the row changed since its strength was taken (a death, a load):
                                 cpu_strengths takes it again; the step leaves the flag alone */
    int32_t *dirty_list;      /* slots marked dirty since the last refresh */
    size_t ndirty, dirty_cap;
    int32_t *widx;            /* (cap) index in the current window, -1 if not in it; widx[-1] = -1 */
    double *asel;             /* (4*cap) activation of nb's partner if nb counts, else 0 */
    double *asel_block;       /* (4 + 4*cap) asel - 4: asel[NB_PAD] = 0 */
    double *hbuf;             /* (hcap) the step's h per listed row, for sigma */
    size_t hcap;
    int32_t *defer;           /* (defer_cap) AVX2 step: list indices of the rows left for later */
    size_t defer_cap;
    int32_t *cand;            /* (cand_cap) AVX2 window scan: positions to look at */
    size_t cand_cap;
    int32_t *oslot, *oidx;    /* (ocap) P > 1: the listed rows held here, their list index */
    uint8_t *oempty;
    size_t ocap;
    uint8_t *owned;           /* (cap) this rank holds the slot's row */
    int nranks;
    uint64_t nconn;           /* outgoing copies held here */
    PairSet stale;
    /* current window (its member count is gate.n) */
    int32_t wslot[MAX_WINDOW], wfirst[MAX_WINDOW], wlast[MAX_WINDOW];
    int64_t wid[MAX_WINDOW];
    int32_t *wout;            /* (wn*wn) position of (i->j) in row i, -1 absent; the block
                                 holds win next and one more entry (window_scan_avx2) */
    int32_t *win;             /* (wn*wn) position of the mirror of (i->j) in row j */
    uint8_t *wtouch;          /* (wn*wn) pair (i->j) touched in this window */
    size_t wcap;
    /* the copies the Hebbian step touched in member i's row, each once:
     * tpos[2 n i .. 2 n i + tcount[i]) (at most n - 1 out and n - 1 in) */
    int32_t *tpos;
    size_t tpos_cap;
    int32_t tcount[MAX_WINDOW];
    Touched keep[2 * MAX_WINDOW]; /* scratch of the step */
    double last_activity, last_target;  /* rule_mass_target cache */
    bool avx2;                /* use the AVX2 kernels */
    bool avx512;              /* and sigma in AVX-512 (sigmoid_store_avx512) */
    bool asel_next;           /* the last step's sigma pass left asel of its rows as the
                                 next window's fill gives a non-member (AselNext) */
    StepMode asel_mode;       /* for this mode */
} CpuState;

/* ---- rows --------------------------------------------------------------- */

enum { ROW_BYTES_PER_ENTRY = 2 * sizeof(double) + sizeof(int32_t), ROW_MIN_CAP = 4 };

/* Move a row into a block of exactly c entries (c >= n). */
/* Row blocks come in a fixed series of capacities (4, 6, 9, 13, ...: each
 * half again the last) so that the small ones, which come and go as
 * neurons gain and lose their few connections, are recycled through free
 * lists instead of the allocator: the window loop does not allocate once
 * the pools hold what the network churns through. */
enum { POOL_CLASSES = 9, POOL_LIMIT = 32 };

typedef struct BlockPool {
    double *head[POOL_CLASSES];   /* free blocks, linked through their first word */
    uint32_t count[POOL_CLASSES];
    size_t bytes;
} BlockPool;

static BlockPool pool;   /* blocks are interchangeable between backends */

/* Half again the last, rounded up to whole groups of four entries. */
static inline int32_t series_next(int32_t c) { return (c + c / 2 + 3) & ~3; }

static int cap_class(int32_t cap)
{
    int k = 0;
    for (int32_t c = ROW_MIN_CAP; c < cap && k < POOL_CLASSES; c = series_next(c))
        k++;
    return k < POOL_CLASSES ? k : -1;
}

static double *block_get(int32_t cap)
{
    int k = cap_class(cap);
    if (k >= 0 && pool.head[k]) {
        double *b = pool.head[k];
        memcpy(&pool.head[k], b, sizeof(double *));
        pool.count[k]--;
        pool.bytes -= (size_t)cap * ROW_BYTES_PER_ENTRY;
        return b;
    }
    return xmalloc((size_t)cap * ROW_BYTES_PER_ENTRY);
}

static void block_put(double *b, int32_t cap)
{
    if (!b)
        return;
    int k = cap_class(cap);
    if (k >= 0 && pool.count[k] < POOL_LIMIT) {
        memcpy(b, &pool.head[k], sizeof(double *));
        pool.head[k] = b;
        pool.count[k]++;
        pool.bytes += (size_t)cap * ROW_BYTES_PER_ENTRY;
        return;
    }
    free(b);
}

static void pool_drain(void)
{
    for (int k = 0; k < POOL_CLASSES; k++)
        while (pool.head[k]) {
            double *b = pool.head[k];
            memcpy(&pool.head[k], b, sizeof(double *));
            free(b);
        }
    memset(&pool, 0, sizeof pool);
}

/* The series' first capacity >= need. */
static int32_t series_cap(int32_t need)
{
    int32_t c = ROW_MIN_CAP;
    while (c < need)
        c = series_next(c);
    return c;
}

/* Entries n .. up to the next multiple of four: a weight that decays to
 * itself and never falls below the deletion cut, and a partner code whose
 * activation is 0 (asel[NB_PAD] = 0), so that the vector kernels read
 * whole groups of four without a remainder case. The weight is a quiet
 * NaN: max(floor, NaN * decay) is NaN again (MAXPD returns its second
 * operand when one is NaN), NaN < cut is false, min(NaN, low) is low, and
 * max(NaN, 0.0) is 0.0, so one MAXPD takes the padding out of the sums
 * (without_padding) where +inf needed a lane mask. */
static void row_pad(EdgeRow *r)
{
    for (int32_t k = r->n; k & 3; k++) {
        r->w[k] = __builtin_nan("");
        r->m[k] = 0.0;
        r->nb[k] = NB_PAD;
    }
}

static void row_resize(EdgeRow *r, int32_t c)
{
    double *blk = block_get(c);
    if (r->n) {
        memcpy(blk, r->w, (size_t)r->n * sizeof(double));
        memcpy(blk + c, r->m, (size_t)r->n * sizeof(double));
        memcpy(blk + 2 * c, r->nb, (size_t)r->n * sizeof(int32_t));
    }
    block_put(r->w, r->cap);
    r->w = blk;
    r->m = blk + c;
    r->nb = (int32_t *)(blk + 2 * c);
    r->cap = c;
    row_pad(r);
}

/* Grow by half, rounded up to whole groups of four: beyond the smallest
 * rows at most about a third of a row's storage is slack, so a connection
 * (two copies of 20 bytes) costs about 60 bytes at most. */
static void row_reserve(EdgeRow *r, int32_t need)
{
    if (need <= r->cap)
        return;
    row_resize(r, series_cap(need));
}

/* After deletions: give back storage once a row is under a third full. */
static void row_shrink(EdgeRow *r)
{
    if (r->n == 0) {
        block_put(r->w, r->cap);
        memset(r, 0, sizeof *r);
    } else if (r->cap > 2 * ROW_MIN_CAP && r->n * 3 < r->cap) {
        row_resize(r, series_cap(r->n + r->n / 2));
    }
}

static int32_t row_append(EdgeRow *r, int32_t nb)
{
    row_reserve(r, r->n + 1);
    int32_t k = r->n++;
    if ((k & 3) == 0)
        row_pad(r);   /* a new group of four */
    r->w[k] = 0.0;
    r->m[k] = 0.0;
    r->nb[k] = nb;
    return k;
}

/* Tombstone the copy with partner x in direction `in`; whether one existed. */
static bool row_tombstone(EdgeRow *r, int32_t x, bool in)
{
    for (int32_t k = 0; k < r->n; k++)
        if (r->nb[k] >= 0 && nb_partner(r->nb[k]) == x && nb_in(r->nb[k]) == in) {
            r->nb[k] = -1;
            r->ntomb++;
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
    s->row = xrealloc(s->row, (size_t)c * sizeof *s->row);
    s->nout = xrealloc(s->nout, (size_t)c * sizeof *s->nout);
    s->strength = xrealloc(s->strength, (size_t)c * sizeof *s->strength);
    s->dirty = xrealloc(s->dirty, (size_t)c * sizeof *s->dirty);
    s->widx = (int32_t *)xrealloc(s->widx ? s->widx - 1 : NULL, ((size_t)c + 1) * sizeof *s->widx) + 1;
    s->widx[-1] = -1;
    s->owned = xrealloc(s->owned, (size_t)c);
    s->asel_block = xrealloc(s->asel_block, 4 * ((size_t)c + 1) * sizeof *s->asel_block);
    memset(s->asel_block, 0, 4 * sizeof *s->asel_block);
    s->asel = s->asel_block + 4;
    for (int32_t i = s->cap; i < c; i++) {
        memset(&s->row[i], 0, sizeof s->row[i]);
        s->nout[i] = 0;
        s->strength[i] = 0.0;
        s->dirty[i] = 0;
        s->widx[i] = -1;
        s->owned[i] = 0;
    }
    s->cap = c;
}

/* ---- ops ---------------------------------------------------------------- */

#ifdef HAVE_AVX2_KERNEL
static void avx2_tables_init(void);
#endif

static void *cpu_create(const Params *p, int nranks)
{
    CpuState *s = xcalloc(1, sizeof *s);
    s->p = p;
    s->nranks = nranks;
    s->last_activity = NAN;
#ifdef HAVE_AVX2_KERNEL
    s->avx2 = p->cpu_simd && __builtin_cpu_supports("avx2");
    /* AVX-512 sigma only on AMD cores, where it was measured (Zen 5: 1.3
     * to 1.6 % less CPU time). On Intel's Skylake-SP and Cascade Lake
     * Xeons heavy 512-bit floating point lowers the core's clock for the
     * code around it too (license-based downclocking, measured by
     * T. Downs: travisdowns.github.io/blog/2020/08/19/icl-avx512-freq.html
     * and the Skylake-SP posts it cites); sigma runs every window, and so
     * small a gain could not pay for that. */
    s->avx512 = s->avx2 && __builtin_cpu_is("amd") && __builtin_cpu_supports("avx512f") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    /* HUEY_CPU_AVX512=0: the AVX2 kernels where the AVX-512 ones would run,
     * so that tests on such a machine check the AVX2 code as a whole (its
     * window scan's long rows, its sigma's main loop) against the scalar
     * one, as they run on Intel cores */
    const char *want512 = getenv("HUEY_CPU_AVX512");
    if (want512 && strcmp(want512, "0") == 0)
        s->avx512 = false;
    static pthread_once_t tables_once = PTHREAD_ONCE_INIT;   /* every backend reads the same tables */
    if (s->avx2)
        pthread_once(&tables_once, avx2_tables_init);
#endif
    return s;
}

static void cpu_destroy(void *st)
{
    CpuState *s = st;
    for (int32_t i = 0; i < s->cap; i++)
        block_put(s->row[i].w, s->row[i].cap);
    if (s->widx)
        free(s->widx - 1);
    free(s->row); free(s->nout); free(s->strength); free(s->dirty); free(s->asel_block); free(s->owned);
    gate_free(&s->gate); pairset_free(&s->stale);
    free(s->wout); free(s->wtouch); free(s->tpos);
    free(s->dirty_list); free(s->hbuf); free(s->defer); free(s->cand); free(s->oslot); free(s->oidx); free(s->oempty);
    pool_drain();
    free(s);
}

static void cpu_add_neuron(void *st, int32_t slot, bool owned)
{
    CpuState *s = st;
    ensure_cap(s, slot);
    s->owned[slot] = owned;
    s->row[slot].n = s->row[slot].ntomb = 0;
    s->nout[slot] = 0;
    s->strength[slot] = 0.0;
    s->dirty[slot] = 0;
    s->widx[slot] = -1;
}

static void cpu_prefetch(void *st, int32_t slot)
{
    CpuState *s = st;
    if (slot >= s->cap)
        return;
    __builtin_prefetch(&s->row[slot]);
    __builtin_prefetch(&s->widx[slot]);
    __builtin_prefetch(&s->owned[slot]);
    __builtin_prefetch(&s->nout[slot]);
    __builtin_prefetch(&s->strength[slot]);
    __builtin_prefetch(&s->asel[4 * slot]);
}

static void mark_dirty(CpuState *s, int32_t t)
{
    if (!s->dirty[t]) {
        s->dirty[t] = 1;
        GROW(s->dirty_list, s->dirty_cap, s->ndirty + 1);
        s->dirty_list[s->ndirty++] = t;
    }
}

#ifdef HAVE_AVX2_KERNEL
/* Where in row r the first copy with partner x can be, eight copies at a
 * time: the start of the first block of eight that holds one, else of the
 * remainder (a tombstone, -1, has partner -1). */
static __attribute__((target("avx2"))) int32_t partner_skip_avx2(const EdgeRow *r, int32_t x)
{
    const __m256i want = _mm256_set1_epi32(x);
    int32_t k = 0;
    for (; k + 8 <= r->n; k += 8) {
        __m256i part = _mm256_srai_epi32(_mm256_loadu_si256((const __m256i *)(r->nb + k)), 2);
        if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(part, want)))
            break;
    }
    return k;
}
#endif

static void cpu_kill(void *st, int32_t x, const int32_t *rows, int32_t nrows)
{
    CpuState *s = st;
    EdgeRow *rx = &s->row[x];
    if (s->nranks == 1) {
        /* x's row names every partner: visit just those */
        for (int32_t k = 0; k < rx->n; k++) {
            int32_t nb = rx->nb[k];
            if (nb < 0)
                continue;
            int32_t t = nb_partner(nb);
            if (nb_in(nb)) {
                /* t -> x: x leaves t's out-target set */
                row_tombstone(&s->row[t], x, false);
                s->nout[t]--;
            } else {
                row_tombstone(&s->row[t], x, true);
            }
            mark_dirty(s, t);
            s->nconn--;
        }
    } else {
        /* x's partners may be anywhere: look through the rows held here
         * (every row with connections is on the model's work list) */
        for (int32_t i = 0; i < nrows; i++) {
            int32_t t = rows[i];
            EdgeRow *rt = &s->row[t];
            if (t == x || !s->owned[t] || !rt->n)
                continue;
            int32_t k0 = 0;
#ifdef HAVE_AVX2_KERNEL
            if (s->avx2)
                k0 = partner_skip_avx2(rt, x);
#endif
            for (int32_t k = k0; k < rt->n; k++) {
                int32_t nb = rt->nb[k];
                if (nb < 0 || nb_partner(nb) != x)
                    continue;
                rt->nb[k] = -1;
                rt->ntomb++;
                if (!nb_in(nb)) {
                    s->nout[t]--;   /* t -> x */
                    s->nconn--;
                }
                mark_dirty(s, t);
            }
        }
        if (s->owned[x])
            for (int32_t k = 0; k < rx->n; k++)
                if (rx->nb[k] >= 0 && !nb_in(rx->nb[k]))
                    s->nconn--;
    }
    /* Stale entries: x's own set goes, and x leaves every other set. */
    pairset_drop_slot(&s->stale, x, s->nout);
    /* a dead neuron's storage goes back: its slot may be reused */
    block_put(rx->w, rx->cap);
    memset(rx, 0, sizeof *rx);
    s->nout[x] = 0;
    s->strength[x] = 0.0;
    s->dirty[x] = 0;
}

static const double *cpu_strengths(void *st)
{
    CpuState *s = st;
    for (size_t i = 0; i < s->ndirty; i++) {
        int32_t slot = s->dirty_list[i];
        if (s->dirty[slot]) {
            s->strength[slot] = rule_lane_sum(s->row[slot].nb, s->row[slot].w, s->row[slot].n);
            s->dirty[slot] = 0;
        }
    }
    s->ndirty = 0;
    return s->strength;
}

/* Record copy k (in the row of window member i) if its partner is in the
 * window too. */
static inline void window_note(CpuState *s, int32_t nb, int32_t k, int i)
{
    int j = s->widx[nb_partner(nb)];   /* a tombstone's partner is -1 */
    if (j < 0)
        return;
    if (nb_in(nb))
        s->win[j * s->gate.n + i] = k;   /* mirror of j -> i */
    else
        s->wout[i * s->gate.n + j] = k;
}

#ifdef HAVE_AVX2_KERNEL
/* Lane selections for compacting a group of four: for each 4-bit keep
 * mask, the 32-bit source lanes of the kept doubles (for vpermd) and the
 * source bytes of the kept int32 (for pshufb), packed to the front. */
static int32_t keep_perm_d[16][8];
static uint8_t keep_perm_i[16][16];
/* The same kept doubles placed from lane q on, wrapping (q = the output
 * position mod 4), for vpermd, and the lanes they land in: the kept
 * entries' lanes in the compacted row (row_compact_avx2). */
static int32_t keep_rot_d[16][4][8];
static int64_t keep_rot_mask[16][4][4];

/* 2^(j/128) as (head, tail) next to each other: one 16-byte load per
 * value instead of two scalar ones (avx2_tables_init fills it from
 * rules.c's tables). */
static double exp_pair[EXP_TABLE_SIZE][2] __attribute__((aligned(16)));

static void avx2_tables_init(void)
{
    for (int j = 0; j < EXP_TABLE_SIZE; j++) {
        exp_pair[j][0] = exp_table_hi[j];
        exp_pair[j][1] = exp_table_lo[j];
    }
    for (int mask = 0; mask < 16; mask++) {
        int o = 0;
        for (int lane = 0; lane < 4; lane++)
            if (mask >> lane & 1) {
                keep_perm_d[mask][2 * o] = 2 * lane;
                keep_perm_d[mask][2 * o + 1] = 2 * lane + 1;
                for (int b = 0; b < 4; b++)
                    keep_perm_i[mask][4 * o + b] = (uint8_t)(4 * lane + b);
                o++;
            }
        for (; o < 4; o++) {
            keep_perm_d[mask][2 * o] = keep_perm_d[mask][2 * o + 1] = 0;
            for (int b = 0; b < 4; b++)
                keep_perm_i[mask][4 * o + b] = 0x80;   /* pshufb: zero */
        }
        for (int q = 0; q < 4; q++) {
            memset(keep_rot_d[mask][q], 0, sizeof keep_rot_d[mask][q]);
            memset(keep_rot_mask[mask][q], 0, sizeof keep_rot_mask[mask][q]);
            for (int lane = 0, t = q; lane < 4; lane++)
                if (mask >> lane & 1) {
                    keep_rot_d[mask][q][2 * (t & 3)] = 2 * lane;
                    keep_rot_d[mask][q][2 * (t & 3) + 1] = 2 * lane + 1;
                    keep_rot_mask[mask][q][t & 3] = -1;
                    t++;
                }
        }
    }
}

enum { SCAN_MAX_MEMBERS = 32, SCAN_ROW_BITS = 5, SCAN_MAX_ROW = 1 << (31 - SCAN_ROW_BITS) };

/* Bit l: the partner of code nb[l] has a slot mod 256 set in the map
 * (words: its eight 32-bit words). */
static inline __attribute__((target("avx2"))) unsigned scan_bits(__m256i nb, __m256i words)
{
    __m256i part = _mm256_and_si256(_mm256_srai_epi32(nb, 2), _mm256_set1_epi32(255));
    __m256i word = _mm256_permutevar8x32_epi32(words, _mm256_srli_epi32(part, 5));
    __m256i bit = _mm256_slli_epi32(_mm256_srlv_epi32(word, _mm256_and_si256(part, _mm256_set1_epi32(31))), 31);
    return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(bit));
}

/* The candidates of member i's row (see window_scan_avx2), eight copies
 * at a time, each as position << 5 | i; words is the 256-bit map of the
 * members' slots mod 256. Returns how many. */
static inline __attribute__((target("avx2"))) int32_t scan_row_avx2(int32_t *cand, const int32_t *nb, int32_t n4,
                                                                    int i, __m256i words)
{
    int32_t nc = 0, k = 0;
    __m128i pos = _mm_add_epi32(_mm_set_epi32(3 << SCAN_ROW_BITS, 2 << SCAN_ROW_BITS, 1 << SCAN_ROW_BITS, 0),
                                _mm_set1_epi32(i));
    const __m128i step4 = _mm_set1_epi32(4 << SCAN_ROW_BITS);
    for (; k + 8 <= n4; k += 8) {
        unsigned bits = scan_bits(_mm256_loadu_si256((const __m256i *)(nb + k)), words);
        _mm_storeu_si128((__m128i *)(cand + nc),
                         _mm_shuffle_epi8(pos, _mm_loadu_si128((const __m128i *)keep_perm_i[bits & 15])));
        nc += __builtin_popcount(bits & 15);
        pos = _mm_add_epi32(pos, step4);
        _mm_storeu_si128((__m128i *)(cand + nc),
                         _mm_shuffle_epi8(pos, _mm_loadu_si128((const __m128i *)keep_perm_i[bits >> 4])));
        nc += __builtin_popcount(bits >> 4);
        pos = _mm_add_epi32(pos, step4);
    }
    /* the last group of four if there is one (n4 - k is 4 or 0) */
    const unsigned valid = (1u << (n4 - k)) - 1;
    const __m128i lanes = _mm_cmpgt_epi32(_mm_set1_epi32(n4 - k), _mm_set_epi32(3, 2, 1, 0));
    unsigned bits = scan_bits(_mm256_zextsi128_si256(_mm_maskload_epi32(nb + k, lanes)), words) & valid;
    _mm_storeu_si128((__m128i *)(cand + nc), _mm_shuffle_epi8(pos, _mm_loadu_si128((const __m128i *)keep_perm_i[bits])));
    return nc + __builtin_popcount(bits);
}

/* The candidates of all members' rows: those of more than four copies
 * sixteen at a time, with a 512-bit map (slots mod 512: fewer false
 * candidates), each row's tail through a masked load and the candidates
 * packed by a compress into a register (the compress to memory is slow
 * on Zen 4); rows of one group of four through scan_row_avx2, so that
 * both run on every machine that has this one. 17 % fewer ticks in
 * window_begin at 1e5 on the corpus than scan_row_avx2 alone (alternate
 * windows, Zen 5). */
static __attribute__((target("avx512f,avx512dq,avx512vl"))) int32_t scan_rows_avx512(int32_t *cand,
                                                                                    const int32_t *const *nbs,
                                                                                    const int32_t *n4s, int n,
                                                                                    const uint32_t *map,
                                                                                    const uint32_t *map512)
{
    const __m256i words256 = _mm256_loadu_si256((const __m256i *)map);
    const __m512i words = _mm512_loadu_si512(map512);
    const __m512i lane = _mm512_slli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                           SCAN_ROW_BITS);
    const __m512i part_mask = _mm512_set1_epi32(511), bit_mask = _mm512_set1_epi32(31), one = _mm512_set1_epi32(1);
    int32_t nc = 0;
    for (int i = 0; i < n; i++) {
        const int32_t *nb = nbs[i];
        const int32_t n4 = n4s[i];
        if (n4 <= 4) {
            nc += scan_row_avx2(cand + nc, nb, n4, i, words256);
            continue;
        }
        for (int32_t k = 0; k < n4; k += 16) {
            const int32_t left = n4 - k < 16 ? n4 - k : 16;
            const __mmask16 valid = (__mmask16)((1u << left) - 1);
            __m512i part = _mm512_and_si512(_mm512_srai_epi32(_mm512_maskz_loadu_epi32(valid, nb + k), 2), part_mask);
            __m512i word = _mm512_permutexvar_epi32(_mm512_srli_epi32(part, 5), words);
            __mmask16 hit = _mm512_mask_test_epi32_mask(valid, _mm512_srlv_epi32(word, _mm512_and_si512(part, bit_mask)),
                                                        one);
            __m512i pos = _mm512_add_epi32(lane, _mm512_set1_epi32((k << SCAN_ROW_BITS) | i));
            _mm512_storeu_si512(cand + nc, _mm512_maskz_compress_epi32(hit, pos));
            nc += __builtin_popcount(hit);
        }
    }
    return nc;
}

/* Where the window's pairs are in the members' rows. A copy is a
 * candidate if its partner's slot mod 256 (mod 512 with AVX-512) is a
 * member's, tested in a bit map (a gather of the partners' window indices
 * costs more on AMD cores, comparing with every member's slot more
 * everywhere). The candidates of all rows, as position << 5 | member, are
 * packed into one list without branches, then noted without branches:
 * which copies are the window's pairs is not predictable (AVX-512:
 * scan_rows_avx512). False where a row is too long for that code (the
 * caller notes the pairs one by one). */
static __attribute__((target("avx2"))) bool window_scan_avx2(CpuState *s)
{
    static const int32_t no_copies[4] = { NB_PAD, NB_PAD, NB_PAD, NB_PAD };
    const int n = s->gate.n;
    uint32_t map[8] = { 0 }, map512[16] = { 0 };
    const int32_t *nbs[SCAN_MAX_MEMBERS];
    int32_t n4s[SCAN_MAX_MEMBERS];   /* whole groups: the padding is no one's */
    size_t total = 0;
    for (int m = 0; m < n; m++) {
        map[(s->wslot[m] & 255) >> 5] |= 1u << (s->wslot[m] & 31);
        map512[(s->wslot[m] & 511) >> 5] |= 1u << (s->wslot[m] & 31);
        const EdgeRow *r = &s->row[s->wslot[m]];
        if (r->n >= SCAN_MAX_ROW)
            return false;
        nbs[m] = r->nb ? r->nb : no_copies;   /* a new neuron's row has no block yet */
        n4s[m] = (r->n + 3) & ~3;
        total += (size_t)n4s[m];
    }
    GROW(s->cand, s->cand_cap, total + 16);   /* a store writes up to sixteen lanes */
    int32_t *cand = s->cand, nc = 0;
    if (s->avx512) {
        nc = scan_rows_avx512(cand, nbs, n4s, n, map, map512);
    } else {
        const __m256i words = _mm256_loadu_si256((const __m256i *)map);
        for (int i = 0; i < n; i++)
            nc += scan_row_avx2(cand + nc, nbs[i], n4s[i], i, words);
    }
    const int nn = n * n;   /* wout, then win, then a place for the others (cpu_window_begin) */
    for (int32_t c = 0; c < nc; c++) {
        int i = cand[c] & ((1 << SCAN_ROW_BITS) - 1);
        int32_t kc = cand[c] >> SCAN_ROW_BITS, nb = nbs[i][kc];
        int j = s->widx[nb_partner(nb)];   /* a tombstone's or padding's partner is -1 */
        int in = -(nb >> 1 & 1);           /* all ones for an incoming copy */
        int out_at = i * n + j, in_at = nn + j * n + i;
        int at = out_at ^ ((out_at ^ in_at) & in);
        int none = j >> 31;                /* all ones when j < 0 */
        s->wout[(at & ~none) | (2 * nn & none)] = kc;
    }
    return true;
}
#endif

static void cpu_window_begin(void *st, const WindowView *w)
{
    CpuState *s = st;
    int n = w->n;
    s->gate.n = n;
    for (int i = 0; i < n; i++) {
        s->wslot[i] = w->slot[i];
        s->wid[i] = w->id[i];
        s->wfirst[i] = w->first[i];
        s->wlast[i] = w->last[i];
        s->widx[w->slot[i]] = i;
    }
    size_t old = s->wcap;
    GROW(s->wout, s->wcap, 2 * (size_t)n * n + 1);
    if (s->wcap != old)
        s->wtouch = xrealloc(s->wtouch, s->wcap);
    s->win = s->wout + n * n;
    memset(s->wout, 0xff, 2 * (size_t)n * n * sizeof *s->wout);   /* -1 */
    memset(s->wtouch, 0, (size_t)n * n);
    GROW(s->tpos, s->tpos_cap, 2 * (size_t)n * n);
    memset(s->tcount, 0, (size_t)n * sizeof *s->tcount);
    /* where the window's pairs are in the members' rows */
#ifdef HAVE_AVX2_KERNEL
    if (!(s->avx2 && n <= SCAN_MAX_MEMBERS && window_scan_avx2(s)))
#endif
        for (int i = 0; i < n; i++) {
            const EdgeRow *r = &s->row[w->slot[i]];
            for (int32_t k = 0; k < r->n; k++)
                window_note(s, r->nb[k], k, i);
        }
    /* the gate's view of the pairs whose source is held here */
    gate_fill(&s->gate, n, w->slot, s->owned, s->nout, s->wout, s->nranks > 1 ? &s->stale : NULL);
}

/* A new connection di -> dj: both copies appended where held, the gate's
 * view updated. */
static void hebbian_create(CpuState *s, int di, int dj)
{
    int n = s->gate.n;
    int32_t i = s->wslot[di], j = s->wslot[dj];
    const bool oi = s->owned[i], oj = s->owned[j];
    uint8_t *state = &s->gate.state[di * n + dj];
    bool fwd = s->wid[di] < s->wid[dj];
    bool stale = *state == GATE_STALE;
    if (oi) {
        s->wout[di * n + dj] = row_append(&s->row[i], nb_make(j, false, fwd));
        /* j joins i's out-target set unless it is still there as stale
         * (one rank: the gate did not look, gate_fill) */
        stale = pairset_remove(&s->stale, i, j);
        if (!stale)
            s->nout[i]++;
        s->nconn++;
    }
    if (oj)
        s->win[di * n + dj] = row_append(&s->row[j], nb_make(i, true, fwd));
    if (!stale)
        s->gate.nout[di]++;
    *state = GATE_EXISTS;
}

/* The Hebbian update of the existing connection di -> dj. */
static inline __attribute__((always_inline)) void hebbian_update(CpuState *s, int di, int dj, double ai, double aj)
{
    int n = s->gate.n;
    int32_t i = s->wslot[di], j = s->wslot[dj];
    const bool oi = s->owned[i], oj = s->owned[j];
    int32_t po = s->wout[di * n + dj], pi = s->win[di * n + dj];
    if (!s->wtouch[di * n + dj]) {
        /* the step keeps these copies' weights (§10: no decay in the window) */
        s->wtouch[di * n + dj] = 1;
        if (oi)
            s->tpos[2 * n * di + s->tcount[di]++] = po;
        if (oj)
            s->tpos[2 * n * dj + s->tcount[dj]++] = pi;
    }
    double activity = ai * aj;
    if (activity != s->last_activity) {
        s->last_activity = activity;
        s->last_target = rule_mass_target(s->p, activity);
    }
    /* each copy's owner applies the same update to its copy */
    EdgeRow *ro = &s->row[i], *ri = &s->row[j];
    if (oi) {
        rule_hebbian(s->p, ai, aj, s->last_target, &ro->w[po], &ro->m[po]);
        if (oj) {
            ri->w[pi] = ro->w[po];
            ri->m[pi] = ro->m[po];
        }
    } else if (oj) {
        rule_hebbian(s->p, ai, aj, s->last_target, &ri->w[pi], &ri->m[pi]);
    }
}

static void cpu_hebbian(void *st, int di, int dj, double ai, double aj)
{
    CpuState *s = st;
    if (s->gate.state[di * s->gate.n + dj] != GATE_EXISTS)
        hebbian_create(s, di, dj);
    hebbian_update(s, di, dj, ai, aj);
}

/* The updates in one loop, without a call each: 7 % fewer ticks in the
 * Hebbian pairs at 1e5 on the corpus than cpu_hebbian called per pair
 * (alternate windows, Zen 5). */
static void cpu_hebbian_pairs(void *st, const int32_t *pair, size_t np, const double *act)
{
    CpuState *s = st;
    for (size_t k = 0; k < np; k++) {
        int di = pair_src(pair[k]), dj = pair_dst(pair[k]);
        hebbian_update(s, di, dj, act[di], act[dj]);
    }
}

/* ---- the fused step --------------------------------------------------------
 *
 * For every row: decay each connection outside the window's active pair
 * set {(L[p], L[q]) : p < q}, delete the decayed-out (<= 2 x minimum) and
 * the weak (< prune threshold), compact in place, and sum w and w * a over
 * the row. A connection src->dst is active iff src appears in the window
 * before dst (first position of src < last position of dst); the active
 * ones are exactly those the Hebbian step just touched.
 *
 * Fast path, for rows outside the window without tombstones: decay, sum in
 * lanes and find the smallest weight in one pass; a row with a weight
 * below the deletion cut (rare) is then compacted by the exact slow path
 * from its already decayed weights and summed again. Window rows decay
 * everything, put the active connections' weights back, and take the slow
 * path. */

typedef struct PassConst {
    double decay, floor, keep_floor, prune;
    double cut;               /* w < cut <=> w <= keep_floor or w < prune (w >= 0) */
} PassConst;

typedef struct RowSums {
    double w, h;
} RowSums;

/* Sums of w and w * asel[nb] over a row, in the four-lane order. */
static inline RowSums row_sums(const EdgeRow *row, const double *asel)
{
    const double *restrict w = row->w;
    const int32_t *restrict nb = row->nb;
    const int32_t n = row->n;
    double lw0 = 0, lw1 = 0, lw2 = 0, lw3 = 0, lh0 = 0, lh1 = 0, lh2 = 0, lh3 = 0;
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        lw0 += w[k]; lh0 += w[k] * asel[nb[k]];
        lw1 += w[k + 1]; lh1 += w[k + 1] * asel[nb[k + 1]];
        lw2 += w[k + 2]; lh2 += w[k + 2] * asel[nb[k + 2]];
        lw3 += w[k + 3]; lh3 += w[k + 3] * asel[nb[k + 3]];
    }
    switch (n - k) {
    case 3: lw2 += w[k + 2]; lh2 += w[k + 2] * asel[nb[k + 2]]; /* fall through */
    case 2: lw1 += w[k + 1]; lh1 += w[k + 1] * asel[nb[k + 1]]; /* fall through */
    case 1: lw0 += w[k]; lh0 += w[k] * asel[nb[k]]; /* fall through */
    default: break;
    }
    return (RowSums){ (lw0 + lw1) + (lw2 + lw3), (lh0 + lh1) + (lh2 + lh3) };
}

/* Is copy nb (in row r, window index wr) of an active connection? */
static inline bool copy_active(const CpuState *s, int wr, int32_t nb)
{
    if (wr < 0)
        return false;
    int wt = s->widx[nb_partner(nb)];
    if (wt < 0)
        return false;
    return nb_in(nb) ? s->wfirst[wt] < s->wlast[wr] : s->wfirst[wr] < s->wlast[wt];
}

/* The filters' end: the first k2 entries are the kept ones, packed. */
static void row_packed(EdgeRow *row, int32_t k2)
{
    row->n = k2;
    row->ntomb = 0;
    row_shrink(row);
    if (row->n)
        row_pad(row);
}

/* Slow path over one row whose weights are already decayed where due:
 * drop tombstones and deleted connections (with the out-target
 * bookkeeping, kept by the outgoing copy), compact in place. */
static void row_filter(CpuState *s, const PassConst *pc, EdgeRow *row, int32_t r, int wr,
                       uint64_t *decayed, uint64_t *pruned)
{
    int32_t k2 = 0;
    for (int32_t k = 0; k < row->n; k++) {
        int32_t nb = row->nb[k];
        if (nb < 0)
            continue;
        double w = row->w[k];
        if (w < pc->cut) {
            bool active = copy_active(s, wr, nb);
            bool out = !nb_in(nb);
            if (!active && w <= pc->keep_floor) {
                if (out) {
                    /* removed by decay: the target stays in r's out-target set (stale) */
                    pairset_add(&s->stale, r, nb_partner(nb));
                    (*decayed)++;
                }
                continue;
            }
            if (fabs(w) < pc->prune) {
                if (out) {
                    s->nout[r]--;
                    (*pruned)++;
                }
                continue;
            }
        }
        if (k2 != k) {
            row->nb[k2] = nb;
            row->w[k2] = w;
            row->m[k2] = row->m[k];
        }
        k2++;
    }
    row_packed(row, k2);
}

/* asel[4 r + b] = v * c[b]: the activation v where the copy's kind counts. */
static inline void asel_set(double *asel, int32_t r, double v, const double *c)
{
    for (int b = 0; b < 4; b++)
        asel[4 * r + b] = v * c[b];
}

/* Where the sigma pass also writes the next window's asel entries of its
 * rows: the new activation decayed, as the next window's fill gives a
 * listed non-member (StepArgs.asel_kept), so that the next fill need only
 * visit the window's members and the rows listed since. NULL: sigma only. */
typedef struct AselNext {
    double *asel;
    const Params *p;
    double c[4];
} AselNext;

/* act[rows[k]] = sigma(v[k]) for k < n, and with nx the next window's
 * asel entries of those rows (the AVX kernels' tail, and the scalar
 * path). */
static inline void sigmoid_store(const double *v, int32_t n, const int32_t *rows, double *act, const AselNext *nx)
{
    for (int32_t k = 0; k < n; k++) {
        act[rows[k]] = rule_sigmoid(v[k]);
        if (nx)
            asel_set(nx->asel, rows[k], rule_activation_decay(nx->p, act[rows[k]]), nx->c);
    }
}

#ifdef HAVE_AVX2_KERNEL
/* AVX2 versions of the row passes: vector lane l holds scalar lane l, so
 * the results are the scalar ones bit for bit. Rows are read in whole
 * groups of four (row_pad); without_padding takes the padding out of sums. */
/* Decayed weights x of a group with its padding (NaN, row_pad) as +0.0:
 * MAXPD returns its second operand when one is NaN, and every weight is
 * > 0. One instruction where a lane mask from the row's length took five
 * (3.1 % fewer ticks in step_rows_avx2 at 10^5, alternate windows, Zen 5). */
static inline __attribute__((target("avx2"))) __m256d without_padding(__m256d x)
{
    return _mm256_max_pd(x, _mm256_setzero_pd());
}

/* (l0 + l1) + (l2 + l3) for two lane vectors at once. */
static inline __attribute__((target("avx2"))) RowSums lanes_combine2(__m256d lw, __m256d lh)
{
    __m256d pair = _mm256_hadd_pd(lw, lh);
    __m128d sum = _mm_add_pd(_mm256_castpd256_pd128(pair), _mm256_extractf128_pd(pair, 1));
    return (RowSums){ _mm_cvtsd_f64(sum), _mm_cvtsd_f64(_mm_unpackhi_pd(sum, sum)) };
}

/* asel[nb[0..3]] by scalar loads, the four codes read as two 64-bit
 * words: the same values as vgatherdpd, which costs several times more on
 * AMD Zen cores, and 16 % less time in the step than four 32-bit reads on
 * Zen 4 (the loads of the codes, not of the activations, were the limit). */
static inline __attribute__((target("avx2"))) __m256d asel_load4(const double *asel, const int32_t *nb)
{
    uint64_t lo, hi;
    memcpy(&lo, nb, sizeof lo);
    memcpy(&hi, nb + 2, sizeof hi);
    __m128d a = _mm_loadh_pd(_mm_load_sd(asel + (int32_t)lo), asel + (int32_t)(lo >> 32));
    __m128d b = _mm_loadh_pd(_mm_load_sd(asel + (int32_t)hi), asel + (int32_t)(hi >> 32));
    return _mm256_insertf128_pd(_mm256_castpd128_pd256(a), b, 1);
}

/* asel[4 r + b] = act[r] * c_b for the listed rows, one vector each,
 * after this window's activation decay of the non-members when member is
 * given (StepArgs.member). */
static __attribute__((target("avx2"))) void asel_fill_avx2(double *asel, const int32_t *slots, int32_t nl, double *act,
                                                           const uint8_t *member, const Params *p,
                                                           double c0, double c1, double c2, double c3)
{
    const __m256d c = _mm256_set_pd(c3, c2, c1, c0);
    if (member) {
        /* rule_activation_decay without a branch: the members are few, anywhere */
        const __m128d keep = _mm_set_sd(1.0 - p->activation_decay_rate), floor = _mm_set_sd(p->minimum_activation);
        for (int32_t i = 0; i < nl; i++) {
            int32_t r = slots[i];
            __m128d a = _mm_load_sd(act + r);
            __m128d d = _mm_max_sd(floor, _mm_mul_sd(a, keep));   /* floor > d ? floor : d, d not NaN */
            __m128d v = _mm_blendv_pd(d, a, _mm_castsi128_pd(_mm_set1_epi64x(-(int64_t)member[r])));
            _mm_store_sd(act + r, v);
            _mm256_storeu_pd(asel + 4 * r, _mm256_mul_pd(_mm256_broadcastsd_pd(v), c));
        }
    } else {
        for (int32_t i = 0; i < nl; i++)
            _mm256_storeu_pd(asel + 4 * slots[i], _mm256_mul_pd(_mm256_set1_pd(act[slots[i]]), c));
    }
}

/* sigma of several values at once, written once for both widths: PFX is
 * _mm256 or _mm512, VD and VL the double and int64 vectors of that width,
 * VI the int32 vector of as many lanes; LOAD(j, &t, &tl) gives the heads
 * and the tails of exp_pair at j[]. Each lane takes rule_sigmoid's
 * operations in its order (no FMA), so the bits are the scalar ones. Values
 * are clamped to [-708, 708] where the scale arithmetic would wrap, and the
 * saturated ones set to 0 or 1 after. */
#define SIGMOID_VEC(NAME, TARGET, PFX, VD, VL, VI, LOAD)                                    \
    static inline TARGET VD NAME(VD h)                                                      \
    {                                                                                       \
        const VD shift = PFX##_set1_pd(EXP_SHIFT), one = PFX##_set1_pd(1.0);                \
        const VD sat = PFX##_set1_pd(SIGMOID_SATURATE), nsat = PFX##_set1_pd(-SIGMOID_SATURATE); \
        VD x = PFX##_sub_pd(PFX##_setzero_pd(), PFX##_min_pd(PFX##_max_pd(h, nsat), sat));  \
        VD kd = PFX##_sub_pd(PFX##_add_pd(PFX##_mul_pd(x, PFX##_set1_pd(EXP_INV_LN2_N)), shift), shift); \
        VI k = (VI)PFX##_cvttpd_epi32(kd);                                                  \
        VD r = PFX##_sub_pd(PFX##_sub_pd(x, PFX##_mul_pd(kd, PFX##_set1_pd(EXP_LN2_N_HI))), \
                            PFX##_mul_pd(kd, PFX##_set1_pd(EXP_LN2_N_LO)));                 \
        VD r2 = PFX##_mul_pd(r, r);                                                         \
        VD q = PFX##_add_pd(PFX##_set1_pd(EXP_C4), PFX##_mul_pd(r, PFX##_set1_pd(EXP_C5))); \
        q = PFX##_add_pd(PFX##_set1_pd(EXP_C3), PFX##_mul_pd(r, q));                        \
        q = PFX##_add_pd(PFX##_set1_pd(0.5), PFX##_mul_pd(r, q));                           \
        VD p = PFX##_add_pd(r, PFX##_mul_pd(r2, q));                                        \
        VI j = k & (EXP_TABLE_SIZE - 1);                                                    \
        VD t, tl;                                                                           \
        LOAD((const int32_t *)&j, &t, &tl);                                                 \
        VD e = PFX##_add_pd(t, PFX##_add_pd(tl, PFX##_mul_pd(t, p)));                       \
        e = (VD)((VL)e + (__builtin_convertvector(k >> 7, VL) << 52));                      \
        VD sig = PFX##_div_pd(one, PFX##_add_pd(one, e));                                   \
        VL above = (VL)(h > sat), below = (VL)(h < nsat);   /* false for NaN, as _CMP_*_OQ */ \
        sig = (VD)((above & (VL)one) | (~above & (VL)sig));                                 \
        return (VD)(~below & (VL)sig);                                                      \
    }

/* The heads and the tails of exp_pair at j[0..3]. */
static inline __attribute__((target("avx2"))) void exp_pair_load4(const int32_t *j, __m256d *t, __m256d *tl)
{
    __m128d p0 = _mm_load_pd(exp_pair[j[0]]), p1 = _mm_load_pd(exp_pair[j[1]]);
    __m128d p2 = _mm_load_pd(exp_pair[j[2]]), p3 = _mm_load_pd(exp_pair[j[3]]);
    *t = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_unpacklo_pd(p0, p1)), _mm_unpacklo_pd(p2, p3), 1);
    *tl = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_unpackhi_pd(p0, p1)), _mm_unpackhi_pd(p2, p3), 1);
}

typedef int32_t v4si __attribute__((vector_size(16)));
SIGMOID_VEC(sigmoid4_avx2, __attribute__((target("avx2"))), _mm256, __m256d, __m256i, v4si, exp_pair_load4)

static inline __attribute__((target("avx2"))) void store4_at(double *act, const int32_t *rows, __m256d v,
                                                             const AselNext *nx)
{
    __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
    _mm_storel_pd(act + rows[0], lo);
    _mm_storeh_pd(act + rows[1], lo);
    _mm_storel_pd(act + rows[2], hi);
    _mm_storeh_pd(act + rows[3], hi);
    if (nx) {
        /* rule_activation_decay of four: floor > d ? floor : d, d not NaN */
        const __m256d c = _mm256_loadu_pd(nx->c);
        const __m256d keep = _mm256_set1_pd(1.0 - nx->p->activation_decay_rate);
        __m256d d = _mm256_max_pd(_mm256_set1_pd(nx->p->minimum_activation), _mm256_mul_pd(v, keep));
        double dd[4];
        _mm256_storeu_pd(dd, d);
        for (int l = 0; l < 4; l++)
            _mm256_storeu_pd(nx->asel + 4 * rows[l], _mm256_mul_pd(_mm256_broadcast_sd(dd + l), c));
    }
}

/* act[rows[k]] = sigma(v[k]) for k < n, eight at a time: two independent
 * chains (exp, division) per step for the core to overlap. */
static __attribute__((target("avx2"))) void sigmoid_store_avx2(const double *v, int32_t n, const int32_t *rows,
                                                               double *act, const AselNext *nx)
{
    int32_t k = 0;
    for (; k + 8 <= n; k += 8) {
        __m256d a = sigmoid4_avx2(_mm256_loadu_pd(v + k)), b = sigmoid4_avx2(_mm256_loadu_pd(v + k + 4));
        store4_at(act, rows + k, a, nx);
        store4_at(act, rows + k + 4, b, nx);
    }
    for (; k + 4 <= n; k += 4)
        store4_at(act, rows + k, sigmoid4_avx2(_mm256_loadu_pd(v + k)), nx);
    sigmoid_store(v + k, n - k, rows + k, act, nx);
}

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl")))
/* exp_pair_load4 on j[0..7]. */
static inline AVX512 void exp_pair_load8(const int32_t *j, __m512d *t, __m512d *tl)
{
    __m256d t0, tl0, t1, tl1;
    exp_pair_load4(j, &t0, &tl0);
    exp_pair_load4(j + 4, &t1, &tl1);
    *t = _mm512_insertf64x4(_mm512_castpd256_pd512(t0), t1, 1);
    *tl = _mm512_insertf64x4(_mm512_castpd256_pd512(tl0), tl1, 1);
}

typedef int32_t v8si __attribute__((vector_size(32)));
SIGMOID_VEC(sigmoid8_avx512, AVX512, _mm512, __m512d, __m512i, v8si, exp_pair_load8)

static inline AVX512 void store8_at(double *act, const int32_t *rows, __m512d v, const AselNext *nx)
{
    store4_at(act, rows, _mm512_castpd512_pd256(v), nx);
    store4_at(act, rows + 4, _mm512_extractf64x4_pd(v, 1), nx);
}

/* sigmoid_store_avx2, sixteen values a step (1.5 % less CPU time at
 * max_neurons 500 on an AMD EPYC family 26 VM); the last n mod 16 go
 * through sigmoid_store_avx2, so that both kernels run on every machine
 * that has this one. */
static AVX512 void sigmoid_store_avx512(const double *v, int32_t n, const int32_t *rows, double *act,
                                        const AselNext *nx)
{
    int32_t k = 0;
    for (; k + 16 <= n; k += 16) {
        __m512d a = sigmoid8_avx512(_mm512_loadu_pd(v + k)), b = sigmoid8_avx512(_mm512_loadu_pd(v + k + 8));
        store8_at(act, rows + k, a, nx);
        store8_at(act, rows + k + 8, b, nx);
    }
    sigmoid_store_avx2(v + k, n - k, rows + k, act, nx);
}

/* Which of the four entries at k row_filter keeps (bit per lane): not
 * tombstones or padding (< 0), and of those below the cut the ones the
 * scalar rule keeps, decided one by one with its bookkeeping. */
static inline __attribute__((target("avx2"))) int group_keep(CpuState *s, const PassConst *pc, const EdgeRow *row,
                                                             int32_t r, int wr, int32_t k, __m256d x, __m128i b,
                                                             uint64_t *decayed, uint64_t *pruned)
{
    int keep = ~_mm_movemask_ps(_mm_castsi128_ps(b)) & 15;
    int cand = _mm256_movemask_pd(_mm256_cmp_pd(x, _mm256_set1_pd(pc->cut), _CMP_LT_OQ)) & keep;
    while (cand) {
        int lane = __builtin_ctz(cand);
        cand &= cand - 1;
        int32_t e = row->nb[k + lane];
        double we = row->w[k + lane];
        bool out = !nb_in(e);
        if (!copy_active(s, wr, e) && we <= pc->keep_floor) {
            if (out) {
                pairset_add(&s->stale, r, nb_partner(e));
                (*decayed)++;
            }
            keep &= ~(1 << lane);
        } else if (fabs(we) < pc->prune) {
            if (out) {
                s->nout[r]--;
                (*pruned)++;
            }
            keep &= ~(1 << lane);
        }
    }
    return keep;
}

/* The doubles of x in the order of idx's 32-bit lane pairs (vpermd). */
static inline __attribute__((target("avx2"))) __m256d permute_pd(__m256d x, __m256i idx)
{
    return _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(x), idx));
}

/* The kept entries of a group (w, m, codes) stored from position k2 on;
 * the position after them. */
static inline __attribute__((target("avx2"))) int32_t group_pack(double *w, double *m, int32_t *nb, int32_t k2,
                                                                 int keep, __m256d x, __m256d mv, __m128i b)
{
    const __m256i pd = _mm256_loadu_si256((const __m256i *)keep_perm_d[keep]);
    _mm256_storeu_pd(w + k2, permute_pd(x, pd));
    _mm256_storeu_pd(m + k2, permute_pd(mv, pd));
    _mm_storeu_si128((__m128i *)(nb + k2), _mm_shuffle_epi8(b, _mm_loadu_si128((const __m128i *)keep_perm_i[keep])));
    return k2 + __builtin_popcount((unsigned)keep);
}

/* row_filter in four-entry groups, with the sums of the packed row taken
 * on the way: the same decisions in the same order (group_keep). Nothing
 * moves before the first entry that goes (masses are read only from
 * there); from it on, the kept entries are packed to the front by lane
 * permutations and each one's w and w * asel is added, as it is placed,
 * into the lane of its new position. A lane gets at most one entry per
 * group, in position order, and +0.0 where it gets none (weights and
 * activations are never negative): the four-lane sums of the packed row,
 * bit for bit, without a second pass. For the rows that lose a connection
 * outside the window (2.2 to 3.7 % fewer step ticks than the filter and a
 * second pass) and, since the unmoved prefix is summed as it stands, for
 * the window rows as well: the speaker's long row, whose first deletion
 * comes late, costs one pass instead of a filter and a sums pass (1.5 %
 * fewer ticks in step_rows_avx2 at 10^5, 2.4 % at 500, alternate windows,
 * Zen 5). */
static __attribute__((target("avx2"))) RowSums row_compact_avx2(CpuState *s, const PassConst *pc, EdgeRow *row,
                                                                int32_t r, int wr, const double *asel,
                                                                uint64_t *decayed, uint64_t *pruned)
{
    double *w = row->w, *m = row->m;
    int32_t *nb = row->nb;
    const int32_t n = row->n;
    __m256d lw = _mm256_setzero_pd(), lh = _mm256_setzero_pd();
    int32_t k = 0;
    int keep = 15;
    for (; k < n; k += 4) {
        const __m256d x = _mm256_loadu_pd(w + k);
        keep = group_keep(s, pc, row, r, wr, k, x, _mm_loadu_si128((const __m128i *)(nb + k)), decayed, pruned);
        if (keep != 15)
            break;
        lw = _mm256_add_pd(lw, x);
        lh = _mm256_add_pd(lh, _mm256_mul_pd(x, asel_load4(asel, nb + k)));
    }
    int32_t k2 = k;
    while (k < n) {
        /* everything read first: the stores reach lanes up to k2 + 3 <= k + 3 */
        __m256d x = _mm256_loadu_pd(w + k), mv = _mm256_loadu_pd(m + k);
        __m128i b = _mm_loadu_si128((const __m128i *)(nb + k));
        __m256d xa = _mm256_mul_pd(x, asel_load4(asel, nb + k));
        const __m256i pr = _mm256_loadu_si256((const __m256i *)keep_rot_d[keep][k2 & 3]);
        const __m256d in = _mm256_loadu_pd((const double *)keep_rot_mask[keep][k2 & 3]);
        lw = _mm256_add_pd(lw, _mm256_and_pd(in, permute_pd(x, pr)));
        lh = _mm256_add_pd(lh, _mm256_and_pd(in, permute_pd(xa, pr)));
        k2 = group_pack(w, m, nb, k2, keep, x, mv, b);
        k += 4;
        if (k < n)   /* padding and tombstones: nb < 0, never kept */
            keep = group_keep(s, pc, row, r, wr, k, _mm256_loadu_pd(w + k),
                              _mm_loadu_si128((const __m128i *)(nb + k)), decayed, pruned);
    }
    row_packed(row, k2);
    return lanes_combine2(lw, lh);
}

/* row_pass_general in one pass where it can: the touched copies are
 * marked by their sign bit beforehand and keep their weight; the sums are
 * taken on the way unless tombstones shift the lanes or something falls
 * below the cut (then row_compact_avx2 filters and sums in one pass). */
static __attribute__((target("avx2"))) RowSums row_pass_window_avx2(CpuState *s, const PassConst *pc, EdgeRow *row,
                                                                    int32_t r, int wr, const double *asel,
                                                                    uint64_t *decayed, uint64_t *pruned)
{
    double *w = row->w;
    const int32_t *nb = row->nb;
    const int32_t n = row->n;
    if (wr >= 0) {
        const int32_t *tp = s->tpos + 2 * s->gate.n * wr;
        for (int32_t t = 0; t < s->tcount[wr]; t++)
            w[tp[t]] = -w[tp[t]];   /* Hebbian weights are positive */
    }
    const __m256d decay = _mm256_set1_pd(pc->decay), floor = _mm256_set1_pd(pc->floor);
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d lw = _mm256_setzero_pd(), lh = _mm256_setzero_pd(), low = _mm256_set1_pd(HUGE_VAL);
    for (int32_t k = 0; k < n; k += 4) {
        __m256d v = _mm256_loadu_pd(w + k);
        __m256d x = _mm256_blendv_pd(_mm256_max_pd(floor, _mm256_mul_pd(v, decay)), _mm256_xor_pd(v, sign), v);
        _mm256_storeu_pd(w + k, x);
        low = _mm256_min_pd(x, low);
        x = without_padding(x);
        lw = _mm256_add_pd(lw, x);
        lh = _mm256_add_pd(lh, _mm256_mul_pd(x, asel_load4(asel, nb + k)));
    }
    if (row->ntomb || _mm256_movemask_pd(_mm256_cmp_pd(low, _mm256_set1_pd(pc->cut), _CMP_LT_OQ))) {
        return row_compact_avx2(s, pc, row, r, wr, asel, decayed, pruned);
    }
    return lanes_combine2(lw, lh);
}

/* What the step needs of list entry i's row before its data (i >= nl:
 * nothing). */
typedef struct RowHead {
    int32_t r;
    /* the row's length n, with the sign bit set where a nonempty row is
     * deferred (in the window or with tombstones): one test, n <= 0, sends
     * the empty and the deferred rows out of the common path, and one
     * register less is live in it (1.0 % fewer ticks at 10^5, 1.6 % at
     * 500, alternate windows, Zen 5) */
    int32_t ns;
    double *w;
    const int32_t *nb;
} RowHead;

static inline RowHead row_head(const EdgeRow *rowv, const int32_t *widx, const int32_t *slots, int32_t i, int32_t nl)
{
    if (i >= nl)
        return (RowHead){ 0, 0, NULL, NULL };
    const int32_t r = slots[i];
    const EdgeRow *row = &rowv[r];
    const int32_t n = row->n;
    const uint32_t deferred = (row->ntomb | (widx[r] >= 0)) != 0 && n != 0;
    return (RowHead){ r, (int32_t)((uint32_t)n | deferred << 31), row->w, row->nb };
}

enum { STEP_PREFETCH = 4 };   /* rows ahead (measured on Zen 4: 7 % of the step; 2 and 8 the same) */

/* The step's rows: h[i] = the activation sum of row slots[i], for sigma in
 * a pass of its own (interleaved with the rows, its long exp and division
 * chain measured 20 % slower). */
static __attribute__((target("avx2"))) void step_rows_avx2(CpuState *s, const PassConst *pc, const int32_t *slots,
                                                           int32_t nl, const double *asel, double *h,
                                                           uint8_t *empty, int32_t *emptied, int32_t *nemptied,
                                                           uint64_t *decayed, uint64_t *pruned)
{
    /* The common rows in one tight loop (no calls: its constants stay in
     * registers); the others are deferred, in list order, so that their
     * deletions and stale entries come in the scalar path's order. */
    enum { DEFER_FILTER = INT32_MIN };   /* decayed already, only the filter is due */
    GROW(s->defer, s->defer_cap, (size_t)nl + 1);
    int32_t *defer = s->defer, ndefer = 0;
    const __m256d decay = _mm256_set1_pd(pc->decay), floor = _mm256_set1_pd(pc->floor);
    const __m256d cut = _mm256_set1_pd(pc->cut);
    /* in locals: the stores through empty (bytes) would make the compiler
     * read them from s again for every row */
    EdgeRow *const rowv = s->row;
    double *const strength = s->strength;
    const int32_t *const widx = s->widx;
    /* a common row writes no byte of empty (one store a row fewer) */
    memset(empty, 0, (size_t)nl);
    /* Row i's header and window index are read during row i - 1, so that
     * its loop bounds and first loads need not wait for slots[i] and then
     * the header: 7 to 8.6 % fewer ticks in this function, at max_neurons
     * 10^5 on the corpus and at 500, with the old and new code run on
     * alternate windows of one run (Zen 5); two rows ahead, 5 % more. */
    RowHead next = row_head(rowv, widx, slots, 0, nl);
    for (int32_t i = 0; i < nl; i++) {
        const RowHead cur = next;
        next = row_head(rowv, widx, slots, i + 1, nl);
        const int32_t r = cur.r, n = cur.ns;
        if (i + STEP_PREFETCH < nl) {
            /* rows are scattered blocks, too short for the hardware
             * prefetcher: ask for a later row's first partner codes, which
             * the activation look-ups wait on (its weights as well measured
             * 2.7 % more ticks here, at 10^5 and at 500, than the codes
             * alone; nothing at all: the same at 10^5, 2.5 % more at 500;
             * alternate windows, Zen 5) */
            _mm_prefetch((const char *)rowv[slots[i + STEP_PREFETCH]].nb, _MM_HINT_T0);
        }
        if (__builtin_expect(n <= 0, 0)) {
            if (n == 0) {
                strength[r] = 0.0;
                empty[i] = 1;
                emptied[(*nemptied)++] = i;
                h[i] = 0.0;
            } else {
                defer[ndefer++] = i;
            }
            continue;
        }
        double *w = cur.w;
        const int32_t *nb = cur.nb;
        __m256d lw = _mm256_setzero_pd(), lh = _mm256_setzero_pd(), low = _mm256_set1_pd(HUGE_VAL);
        /* whole groups, then the last one, whose padding (NaN, row_pad)
         * decays to itself, is never below the cut and adds +0.0 */
        const int32_t last = (n - 1) & ~3;
        int32_t k = 0;
        for (; k < last; k += 4) {
            __m256d x = _mm256_max_pd(floor, _mm256_mul_pd(_mm256_loadu_pd(w + k), decay));
            _mm256_storeu_pd(w + k, x);
            low = _mm256_min_pd(x, low);
            lw = _mm256_add_pd(lw, x);
            lh = _mm256_add_pd(lh, _mm256_mul_pd(x, asel_load4(asel, nb + k)));
        }
        __m256d x = _mm256_max_pd(floor, _mm256_mul_pd(_mm256_loadu_pd(w + k), decay));
        _mm256_storeu_pd(w + k, x);
        low = _mm256_min_pd(x, low);
        x = without_padding(x);
        lw = _mm256_add_pd(lw, x);
        lh = _mm256_add_pd(lh, _mm256_mul_pd(x, asel_load4(asel, nb + k)));
        /* A row with a weight below the cut is deferred to the filter
         * (whose sums then overwrite these), without a branch: the test
         * waits on every load of the row, so a mispredicted branch here
         * (about 10 rows a window at 10^5) threw away the rows run ahead
         * of it. 5.3 % fewer ticks here at 10^5, 6.9 % at 500 (alternate
         * windows, Zen 5). */
        defer[ndefer] = i | DEFER_FILTER;
        ndefer += _mm256_movemask_pd(_mm256_cmp_pd(low, cut, _CMP_LT_OQ)) != 0;
        RowSums rs = lanes_combine2(lw, lh);
        strength[r] = rs.w;
        h[i] = rs.h;
    }
    for (int32_t d = 0; d < ndefer; d++) {
        int32_t i = defer[d] & ~DEFER_FILTER, r = slots[i];
        EdgeRow *row = &s->row[r];
        RowSums rs;
        if (defer[d] & DEFER_FILTER) {
            rs = row_compact_avx2(s, pc, row, r, -1, asel, decayed, pruned);
        } else {
            rs = row_pass_window_avx2(s, pc, row, r, s->widx[r], asel, decayed, pruned);
        }
        s->strength[r] = rs.w;
        empty[i] = row->n == 0;
        h[i] = rs.h;
        if (row->n == 0) {
            /* among the ones found before, in order */
            int32_t e = (*nemptied)++;
            for (; e > 0 && emptied[e - 1] > i; e--)
                emptied[e] = emptied[e - 1];
            emptied[e] = i;
        }
    }
}
#endif

/* A window row, or one with tombstones: decay all, restore the active
 * connections, then the exact compaction pass. */
static RowSums row_pass_general(CpuState *s, const PassConst *pc, EdgeRow *row, int32_t r, int wr,
                                const double *asel, uint64_t *decayed, uint64_t *pruned)
{
    /* the active copies in this row: those the Hebbian step touched
     * (outgoing to later window members, incoming from earlier ones) */
    Touched *keep = s->keep;
    int nkeep = 0;
    if (wr >= 0) {
        const int32_t *tp = s->tpos + 2 * s->gate.n * wr;
        for (int32_t t = 0; t < s->tcount[wr]; t++)
            keep[nkeep++] = (Touched){ tp[t], row->w[tp[t]] };
    }
    double *restrict w = row->w;
    double lowest = HUGE_VAL;
    const double decay = pc->decay, floor = pc->floor;
    for (int32_t k = 0; k < row->n; k++) {
        double d = w[k] * decay;
        w[k] = floor > d ? floor : d;
        lowest = w[k] < lowest ? w[k] : lowest;
    }
    for (int i = 0; i < nkeep; i++) {
        w[keep[i].pos] = keep[i].w;
        lowest = keep[i].w < lowest ? keep[i].w : lowest;
    }
    if (row->ntomb || lowest < pc->cut)
        row_filter(s, pc, row, r, wr, decayed, pruned);
    return row_sums(row, asel);
}

/* The common row: not in the window, no tombstones (scalar kernel; the
 * AVX2 one is step_rows_avx2). */
static inline RowSums row_pass_fast(CpuState *s, const PassConst *pc, EdgeRow *row, int32_t r,
                                    const double *asel, uint64_t *decayed, uint64_t *pruned)
{
    const int32_t n = row->n;
    double *restrict w = row->w;
    const int32_t *restrict nb = row->nb;
    const double decay = pc->decay, floor = pc->floor;
    double lw0 = 0, lw1 = 0, lw2 = 0, lw3 = 0, lh0 = 0, lh1 = 0, lh2 = 0, lh3 = 0;
    double lo = HUGE_VAL;   /* smallest decayed weight: any below cut is deleted */
#define DECAY(i, lwx, lhx)                              \
    do {                                                \
        double d_ = w[i] * decay;                       \
        double x_ = floor > d_ ? floor : d_;            \
        w[i] = x_;                                      \
        lo = x_ < lo ? x_ : lo;                         \
        lwx += x_;                                      \
        lhx += x_ * asel[nb[i]];                        \
    } while (0)
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        DECAY(k, lw0, lh0);
        DECAY(k + 1, lw1, lh1);
        DECAY(k + 2, lw2, lh2);
        DECAY(k + 3, lw3, lh3);
    }
    switch (n - k) {
    case 3: DECAY(k + 2, lw2, lh2); /* fall through */
    case 2: DECAY(k + 1, lw1, lh1); /* fall through */
    case 1: DECAY(k, lw0, lh0); /* fall through */
    default: break;
    }
#undef DECAY
    if (__builtin_expect(lo < pc->cut, 0)) {
        row_filter(s, pc, row, r, -1, decayed, pruned);
        return row_sums(row, asel);
    }
    return (RowSums){ (lw0 + lw1) + (lw2 + lw3), (lh0 + lh1) + (lh2 + lh3) };
}

/* step_rows_avx2's contract, one row after the other. */
static void step_rows_scalar(CpuState *s, const PassConst *pc, const int32_t *rows, int32_t nr, const double *asel,
                             double *h, uint8_t *empty, int32_t *emptied, int32_t *nemptied, uint64_t *decayed,
                             uint64_t *pruned)
{
    for (int32_t k = 0; k < nr; k++) {
        int32_t r = rows[k];
        int wr = s->widx[r];
        EdgeRow *row = &s->row[r];
        RowSums rs;
        if (row->n == 0)
            rs = (RowSums){ 0.0, 0.0 };
        else if (wr < 0 && !row->ntomb)
            rs = row_pass_fast(s, pc, row, r, asel, decayed, pruned);
        else
            rs = row_pass_general(s, pc, row, r, wr, asel, decayed, pruned);
        s->strength[r] = rs.w;
        empty[k] = row->n == 0;
        if (empty[k])
            emptied[(*nemptied)++] = k;
        h[k] = rs.h;
    }
}

static void cpu_step(void *st, const StepArgs *a, StepStats *stats)
{
    CpuState *s = st;
    const Params *p = s->p;
    const bool incoming = a->mode == STEP_INCOMING;
    PassConst pc = {
        .decay = 1.0 - p->connection_decay_rate, .floor = p->minimum_connection,
        .keep_floor = p->minimum_connection * 2, .prune = p->prune_threshold,
    };
    double above_floor = nextafter(pc.keep_floor, HUGE_VAL);
    pc.cut = pc.prune > above_floor ? pc.prune : above_floor;

    /* asel[nb]: the partner's activation if the copy counts in the mode's
     * activation sum, else 0. Index bits: dir << 1 | fwd. */
    const bool cnt[3][4] = {
        [STEP_MINMAX_DENSE] = { false, true, false, true },  /* (min,max)-keyed only */
        [STEP_MINMAX_ALL] = { true, true, true, true },      /* every connection */
        [STEP_INCOMING] = { false, false, true, true },      /* incoming copies only */
    };
    const bool *c = cnt[a->mode];
    const double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];   /* 0.0 or 1.0 */
    const double cv[4] = { c0, c1, c2, c3 };
    double *restrict asel = s->asel;
    const int32_t *slots = a->slots;
    const int32_t nl = a->nlist;
    /* One rank, member given: the last sigma pass left the entries of the
     * rows listed then (AselNext), and since then only the members' and
     * act_set's activations changed. The others' decayed act need not be
     * stored: the sigma pass below overwrites it. 1.8 % fewer step ticks
     * at 1e5 on the corpus, this fill and the sigma pass's extra stores
     * together (alternate pairs of windows, Zen 5). */
    int32_t from = 0;
    if (a->member && s->nranks == 1 && s->asel_next && s->asel_mode == a->mode && a->asel_kept > 0) {
        for (int m = 0; m < s->gate.n + a->nact_set; m++) {
            int32_t r = m < s->gate.n ? s->wslot[m] : a->act_set[m - s->gate.n];
            asel_set(asel, r, a->member[r] ? a->act[r] : rule_activation_decay(p, a->act[r]), cv);
        }
        from = a->asel_kept < nl ? a->asel_kept : nl;
    }
#ifdef HAVE_AVX2_KERNEL
    if (s->avx2)
        asel_fill_avx2(asel, slots + from, nl - from, a->act, a->member, p, c0, c1, c2, c3);
    else
#endif
    for (int32_t i = from; i < nl; i++) {
        int32_t r = slots[i];
        double v = a->act[r];
        if (a->member && !a->member[r])
            a->act[r] = v = rule_activation_decay(p, v);
        asel_set(asel, r, v, cv);
    }
    /* the rows this rank holds: with P ranks the work list's others are
     * stepped by their owners */
    const int32_t *rows = slots;
    int32_t nr = nl;
    uint8_t *empty = a->empty;
    if (s->nranks > 1) {
        GROW(s->oslot, s->ocap, (size_t)nl + 1);
        s->oidx = xrealloc(s->oidx, s->ocap * sizeof *s->oidx);
        s->oempty = xrealloc(s->oempty, s->ocap);
        nr = 0;
        for (int32_t i = 0; i < nl; i++) {
            a->empty[i] = 0;
            if (s->owned[slots[i]]) {
                s->oslot[nr] = slots[i];
                s->oidx[nr++] = i;
            }
        }
        rows = s->oslot;
        empty = s->oempty;
    }
    uint64_t decayed = 0, pruned = 0;
    int32_t ne = 0;   /* a->emptied, as indices into rows */
    GROW(s->hbuf, s->hcap, (size_t)nr + 1);
    double *h = s->hbuf;
#ifdef HAVE_AVX2_KERNEL
    if (s->avx2)
        step_rows_avx2(s, &pc, rows, nr, asel, h, empty, a->emptied, &ne, &decayed, &pruned);
    else
#endif
        step_rows_scalar(s, &pc, rows, nr, asel, h, empty, a->emptied, &ne, &decayed, &pruned);
    if (incoming)
        for (int32_t k = 0; k < nr; k++)
            h[k] = a->bias + h[k];
    /* sigma over all h in one sweep, into act, and where the next window
     * can use them (one rank, member given, members not clamped after) the
     * asel entries it will need */
    AselNext next = { asel, p, { c0, c1, c2, c3 } };
    const AselNext *nx = a->member && s->nranks == 1 && !incoming ? &next : NULL;
#ifdef HAVE_AVX2_KERNEL
    if (s->avx512)
        sigmoid_store_avx512(h, nr, rows, a->act, nx);
    else if (s->avx2)
        sigmoid_store_avx2(h, nr, rows, a->act, nx);
    else
#endif
        sigmoid_store(h, nr, rows, a->act, nx);
    s->asel_next = nx != NULL;
    s->asel_mode = a->mode;
    if (s->nranks > 1) {
        for (int32_t k = 0; k < nr; k++)
            a->empty[s->oidx[k]] = empty[k];
        for (int32_t e = 0; e < ne; e++)
            a->emptied[e] = s->oidx[a->emptied[e]];   /* oidx increases: still in order */
    }
    *a->nemptied = ne;
    if (incoming)
        for (int i = 0; i < s->gate.n; i++)
            if (s->owned[s->wslot[i]])
                a->act[s->wslot[i]] = 1.0;    /* window members are clamped (§11b) */
    s->nconn -= decayed + pruned;
    for (int i = 0; i < s->gate.n; i++)
        s->widx[s->wslot[i]] = -1;
    s->gate.n = 0;
    if (stats) {
        stats->decay_deleted += decayed;
        stats->pruned += pruned;
    }
}

/* ---- queries for outputs ---------------------------------------------------- */

static uint64_t cpu_connection_count(void *st) { return ((CpuState *)st)->nconn; }

static bool cpu_find(void *st, int32_t src, int32_t dst, double *w, double *m)
{
    CpuState *s = st;
    if (src >= s->cap)
        return false;
    const EdgeRow *r = &s->row[src];
    for (int32_t k = 0; k < r->n; k++)
        if (r->nb[k] >= 0 && !nb_in(r->nb[k]) && nb_partner(r->nb[k]) == dst) {
            *w = r->w[k];
            *m = r->m[k];
            return true;
        }
    return false;
}

static double cpu_mass_sum(void *st, int32_t slot)
{
    CpuState *s = st;
    return rule_lane_sum(s->row[slot].nb, s->row[slot].m, s->row[slot].n);
}

static void cpu_for_each(void *st, EdgeFn fn, void *ctx)
{
    CpuState *s = st;
    for (int32_t r = 0; r < s->cap; r++) {
        const EdgeRow *row = &s->row[r];
        for (int32_t k = 0; k < row->n; k++)
            if (row->nb[k] >= 0 && !nb_in(row->nb[k]))
                fn(ctx, r, nb_partner(row->nb[k]), row->w[k], row->m[k]);
    }
}

static void cpu_for_each_touching(void *st, int32_t slot, EdgeFn fn, void *ctx)
{
    CpuState *s = st;
    const EdgeRow *row = &s->row[slot];
    for (int32_t k = 0; k < row->n; k++) {
        int32_t nb = row->nb[k];
        if (nb < 0)
            continue;
        if (nb_in(nb))
            fn(ctx, nb_partner(nb), slot, row->w[k], row->m[k]);
        else
            fn(ctx, slot, nb_partner(nb), row->w[k], row->m[k]);
    }
}

static int32_t cpu_row_len(void *st, int32_t slot)
{
    CpuState *s = st;
    return slot < s->cap ? s->row[slot].n - s->row[slot].ntomb : 0;
}

static int32_t cpu_row_get(void *st, int32_t slot, RowEntry *out, uint32_t *nout)
{
    CpuState *s = st;
    const EdgeRow *r = &s->row[slot];
    int32_t k2 = 0;
    for (int32_t k = 0; k < r->n; k++)
        if (r->nb[k] >= 0)
            out[k2++] = (RowEntry){ nb_partner(r->nb[k]), nb_in(r->nb[k]), r->w[k], r->m[k] };
    *nout = s->nout[slot];
    return k2;
}

static void cpu_row_set(void *st, int32_t slot, const RowEntry *e, const bool *fwd, int32_t n, uint32_t nout)
{
    CpuState *s = st;
    EdgeRow *r = &s->row[slot];
    check(r->n == 0);
    if (n)
        row_resize(r, series_cap(n));
    for (int32_t k = 0; k < n; k++) {
        r->nb[k] = nb_make(e[k].partner, e[k].in, fwd[k]);
        r->w[k] = e[k].w;
        r->m[k] = e[k].m;
        if (!e[k].in)
            s->nconn++;
    }
    r->n = n;
    row_pad(r);
    s->nout[slot] = nout;
    mark_dirty(s, slot);   /* the strength is recomputed from the row */
}

static size_t cpu_stale_get(void *st, int32_t *pairs, size_t cap)
{
    CpuState *s = st;
    return pairset_list(&s->stale, pairs, cap);
}

static void cpu_stale_add(void *st, int32_t src, int32_t dst)
{
    CpuState *s = st;
    pairset_add(&s->stale, src, dst);
}

/* Bytes of connection storage (row blocks and the stale set); the
 * per-neuron arrays are counted apart (neuron_bytes). */
static size_t cpu_bytes(void *st)
{
    CpuState *s = st;
    size_t b = 0;
    for (int32_t r = 0; r < s->cap; r++)
        b += (size_t)s->row[r].cap * ROW_BYTES_PER_ENTRY;
    return b + s->stale.cap * sizeof(uint64_t);
}

/* Per-neuron arrays, and the bounded pool of free row blocks. */
static size_t cpu_neuron_bytes(void *st)
{
    CpuState *s = st;
    return (size_t)s->cap * (sizeof(EdgeRow) + sizeof(uint32_t) + sizeof(double) + 1 + sizeof(int32_t) +
                             4 * sizeof(double)) + pool.bytes;
}

const BackendOps backend_cpu_ops = {
    .name = "cpu",
    .create = cpu_create,
    .destroy = cpu_destroy,
    .add_neuron = cpu_add_neuron,
    .kill = cpu_kill,
    .strengths = cpu_strengths,
    .window_begin = cpu_window_begin,
    .gate_row = gate_row,
    .gate_set_row = gate_set_row,
    .hebbian = cpu_hebbian,
    .hebbian_pairs = cpu_hebbian_pairs,
    .prefetch = cpu_prefetch,
    .step = cpu_step,
    .connection_count = cpu_connection_count,
    .find = cpu_find,
    .mass_sum = cpu_mass_sum,
    .for_each = cpu_for_each,
    .for_each_touching = cpu_for_each_touching,
    .row_get = cpu_row_get,
    .row_len = cpu_row_len,
    .row_set = cpu_row_set,
    .stale_get = cpu_stale_get,
    .stale_add = cpu_stale_add,
    .bytes = cpu_bytes,
    .neuron_bytes = cpu_neuron_bytes,
};
