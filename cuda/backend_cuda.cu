/*
 * backend_cuda.cu — the CUDA backend: the connection rows of backend_cpu.c
 * resident on the GPU, the window's pair updates and the fused
 * decay / prune / activation step as kernels.
 *
 * backend_cpu.c is the specification; this file mirrors it decision for
 * decision so that the two give the same network (same connection set,
 * same row order, each row summed in the same four-lane order: lane =
 * position mod 4, combined as (l0 + l1) + (l2 + l3); device code is built
 * with -fmad=false, so every operation is the CPU's IEEE operation).
 *
 * Where things live:
 *   device  the rows (w, m, nb in one arena; row r holds arena entries
 *           [off[r], off[r] + n[r]) of a block of cap[r]), per slot n,
 *           ntomb, off, widx, owned, and the activation selection table
 *           asel (4 per slot);
 *   host    what the model's decisions need between kernels, as in
 *           backend_cpu.c: out-target counts (nout), the stale pair set,
 *           the connection count, the window's pair table (wout/win
 *           positions, gate states), block offsets and capacities (the
 *           arena allocator), the window rows' lengths, and every row's
 *           weight sum (eviction strength): the step sends back those of
 *           the rows it visited, and strengths() asks the device only for
 *           rows changed since (by a death or a checkpoint load).
 * Per window: window_begin uploads the window (3 x n ints), one kernel
 * scans the members' rows and one copy brings back the n x n pair
 * positions; hebbian() only queues; step() sends one upload (the queued
 * updates, the window rows' lengths, the listed slots and activations),
 * runs three kernels (updates, activation table, the step over the listed
 * rows) and takes one download (sigma, empty flags, the count of deletion
 * events), plus the events when there are some (a decayed-out
 * connection's target turns stale, a pruned one leaves the out-target
 * set). The matrix never crosses to the host during learning; buffers only
 * grow, so a steady-state window allocates nothing.
 *
 * Queries for outputs and checkpoints (find, for_each, row_get, ...) read
 * a host snapshot of the whole arena taken once after the last change.
 *
 * Not verified on a GPU yet (no device where it was written): see
 * README "CUDA backend" and tests/cuda.sh, which compares it with the CPU
 * backend on every input of ../shared/data when a device is present.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cuda_api.h"
#include "cuda_check.h"
extern "C" {
#include "rules.h"
}
#include "gate.h"
#include "pairset.h"

enum { NB_IN = 2, NB_FWD = 1 };
enum { EV_DECAYED = 0, EV_PRUNED = 1, EV_KILLED_OUT = 2, EV_KILLED_IN = 3 };
enum { ROW_MIN_CAP = 4, THREADS = 128 };

static inline int32_t nb_make(int32_t partner, bool in, bool fwd) { return partner << 2 | (in ? NB_IN : 0) | (fwd ? NB_FWD : 0); }
static inline __host__ __device__ int32_t nb_partner(int32_t nb) { return nb >> 2; }
static inline __host__ __device__ bool nb_in(int32_t nb) { return nb & NB_IN; }

/* A deletion the device made that the host's bookkeeping must follow. */
typedef struct Event {
    int32_t row, partner, kind;   /* EV_* */
} Event;

/* One queued Hebbian update: the arena positions of the outgoing copy (in
 * i's row) and of the mirror (in j's row), -1 where this rank does not
 * hold the row; nb_* >= 0: the copy is new (starts from w = m = 0). */
typedef struct HebOp {
    int64_t pos_out, pos_in;
    int32_t nb_out, nb_in;
    double ai, aj, target;
} HebOp;

/* The Hebbian rule's constants (rules.h), by value into the kernel. */
typedef struct HebConst {
    double hebbian_constant, resistance_factor, M_max, homeostatic_threshold, homeostatic_factor;
    double ltd_threshold, ltd_factor, mass_relaxation_rate;
} HebConst;

/* The step's constants (backend_cpu.c PassConst) and the mode's table. */
typedef struct StepConst {
    double decay, floor, keep_floor, prune, cut;
    double bias;
    int incoming;
    int nranks;
} StepConst;

/* Free arena blocks of one capacity. */
typedef struct FreeList {
    int64_t *off;
    size_t n, cap;
} FreeList;

enum { CAP_CLASSES = 64 };

typedef struct CudaState {
    WindowGate gate;          /* first: the ops table's gate entries read it (gate.h) */
    const Params *p;
    int nranks;
    int32_t cap;              /* slots with storage */
    uint64_t nconn;           /* outgoing copies held here */
    PairSet stale;
    /* host, by slot */
    int64_t *off;             /* (cap) arena offset of the row's block */
    int32_t *rcap;            /* (cap) the block's capacity (0: none) */
    uint32_t *nout;           /* (cap) out-target set size, stale included */
    uint8_t *owned;           /* (cap) */
    double *strength;         /* (cap) Σ w of the row (eviction strength) */
    uint8_t *dirty;           /* (cap) strength must be recomputed */
    int32_t *dirty_list;      /* slots marked dirty since the last refresh */
    size_t ndirty, dirty_cap;
    /* device, by slot */
    int32_t *d_n, *d_ntomb;   /* (cap) */
    int64_t *d_off;           /* (cap) */
    int32_t *d_widx;          /* (cap) window index, -1 if not in it */
    uint8_t *d_owned;         /* (cap) */
    double *d_asel;           /* (4*cap) */
    /* the arena */
    double *d_w, *d_m;        /* (arena_cap) */
    int32_t *d_nb;            /* (arena_cap) */
    int64_t arena_cap, arena_used;
    FreeList freel[CAP_CLASSES];
    /* current window (its member count is gate.n) */
    int32_t wslot[MAX_WINDOW], wfirst[MAX_WINDOW], wlast[MAX_WINDOW];
    int64_t wid[MAX_WINDOW];
    int32_t rown[MAX_WINDOW]; /* exact length of each member's row */
    int32_t *wbuf;            /* (2*wn*wn + wn) host: wout, win, row lengths */
    int32_t *wout, *win;      /* into wbuf */
    uint32_t *queued;         /* (wn*wn) op index + 1 of the pair this window, 0 = none */
    int32_t *d_wbuf;          /* (2*MAX_WINDOW^2 + MAX_WINDOW) */
    int32_t *d_wlist;         /* (3*MAX_WINDOW) slot, first, last */
    HebOp *ops;               /* (ops_cap) queued updates */
    size_t nops, ops_cap;
    double last_activity, last_target;
    /* A window's transfers, one each way (pinned on the host, grow only):
     * up = [updates (HebOp)][activations (double)][row lengths (slot, n)]
     * [listed slots]; down = [event count (u64)][sigma (double)][empty]. */
    char *h_up, *d_up, *h_down, *d_down;
    size_t up_cap, down_cap;
    Event *d_ev, *h_ev;       /* (ev_cap) */
    unsigned long long *d_nev;
    size_t ev_cap;
    int32_t *d_tmp;           /* (tmp_cap) kill lists */
    size_t tmp_cap;
    int32_t *kill_nb;         /* (kill_cap) the dying row's partner codes */
    size_t kill_cap;
    int32_t *tomb;            /* (tomb_cap) (partner, direction) pairs to tombstone */
    size_t tomb_cap;
    /* snapshot for queries */
    bool snap_ok;
    int32_t *s_n, *s_ntomb;   /* (cap) */
    double *s_w, *s_m;        /* (arena_used) */
    int32_t *s_nb;
    size_t s_cap, s_arena;
} CudaState;

/* ---- device arithmetic: rules.h's own functions, its tables in constant memory */

__constant__ double c_exp_hi[EXP_TABLE_SIZE], c_exp_lo[EXP_TABLE_SIZE];

__device__ static double dev_sigmoid(double h)
{
    return rule_sigmoid_tables(h, c_exp_hi, c_exp_lo);
}

__device__ static void dev_hebbian(const HebConst &p, double ai, double aj, double target, double *w, double *m)
{
    double mass = *m;
    double resistance = 1.0 / (1.0 + mass * p.resistance_factor);
    double dw = p.hebbian_constant * ai * aj * resistance;
    double activity = ai * aj;
    /* rule_mass_change */
    double over = activity - p.homeostatic_threshold;
    double homeostatic = -p.homeostatic_factor * (over > 0 ? over : 0.0) * mass;
    double ltd = activity < p.ltd_threshold ? -p.ltd_factor * (p.ltd_threshold - activity) * mass : 0.0;
    double change = p.mass_relaxation_rate * (target - mass) + homeostatic + ltd;
    double nm = mass + change;
    if (nm > p.M_max)
        nm = p.M_max;
    if (!(nm > 0.0))
        nm = 0.0;
    *w = *w + dw;
    *m = nm;
}

/* ---- kernels ------------------------------------------------------------- */

__global__ void k_add_neuron(int32_t slot, uint8_t owned, int32_t *n, int32_t *ntomb, int64_t *off, int32_t *widx,
                             uint8_t *own)
{
    n[slot] = 0;
    ntomb[slot] = 0;
    off[slot] = 0;
    widx[slot] = -1;
    own[slot] = owned;
}

__global__ void k_set_row(int32_t slot, int64_t off_, int32_t n_, int32_t *n, int32_t *ntomb, int64_t *off)
{
    off[slot] = off_;
    n[slot] = n_;
    ntomb[slot] = 0;
}

__global__ void k_set_off(int32_t slot, int64_t off_, int64_t *off) { off[slot] = off_; }

/* widx of the window members (list: slot, first, last per member). */
__global__ void k_window_mark(int wn, const int32_t *wlist, int32_t *widx, int32_t value_is_index)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < wn)
        widx[wlist[i]] = value_is_index ? i : -1;
}

/* One block per window member: where its row holds copies whose partner
 * is in the window (wout[i][j]: position of i -> j in i's row; win[j][i]:
 * position of the mirror of j -> i in i's row), and the row's length. */
__global__ void k_window_scan(int wn, const int32_t *wlist, const int32_t *n, const int64_t *off, const int32_t *nb,
                              const int32_t *widx, int32_t *wout, int32_t *win, int32_t *rown)
{
    int i = blockIdx.x;
    int32_t r = wlist[i];
    int32_t len = n[r];
    const int32_t *row = nb + off[r];
    if (threadIdx.x == 0)
        rown[i] = len;
    for (int32_t k = threadIdx.x; k < len; k += blockDim.x) {
        int32_t b = row[k];
        if (b < 0)
            continue;
        int j = widx[nb_partner(b)];
        if (j < 0)
            continue;
        if (nb_in(b))
            win[j * wn + i] = k;
        else
            wout[i * wn + j] = k;
    }
}

/* The window rows' lengths after the updates' appends (threads
 * 0..nset-1), and the queued Hebbian updates (the next nops): each
 * touches one connection (both copies, where held here); no two touch the
 * same one. */
__global__ void k_update(int nset, const int32_t *setn, int32_t *n, int nops, const HebOp *ops, HebConst hc,
                         double *W, double *M, int32_t *NB)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t < nset) {
        n[setn[2 * t]] = setn[2 * t + 1];
        return;
    }
    t -= nset;
    if (t >= nops)
        return;
    HebOp o = ops[t];
    int64_t first = o.pos_out >= 0 ? o.pos_out : o.pos_in;
    int32_t first_nb = o.pos_out >= 0 ? o.nb_out : o.nb_in;
    double w = first_nb >= 0 ? 0.0 : W[first];
    double m = first_nb >= 0 ? 0.0 : M[first];
    dev_hebbian(hc, o.ai, o.aj, o.target, &w, &m);
    W[first] = w;
    M[first] = m;
    if (first_nb >= 0)
        NB[first] = first_nb;
    if (o.pos_out >= 0 && o.pos_in >= 0) {
        W[o.pos_in] = w;
        M[o.pos_in] = m;
        if (o.nb_in >= 0)
            NB[o.pos_in] = o.nb_in;
    }
}

/* The activation table of the listed slots; also zeroes the step's event
 * count (k_step runs next). */
__global__ void k_asel(int32_t nl, const int32_t *slots, const double *act, double c0, double c1, double c2, double c3,
                       double *asel, unsigned long long *nev)
{
    int32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i == 0)
        *nev = 0;
    if (i >= nl)
        return;
    int32_t r = slots[i];
    double v = act[i];
    asel[4 * (int64_t)r] = v * c0;
    asel[4 * (int64_t)r + 1] = v * c1;
    asel[4 * (int64_t)r + 2] = v * c2;
    asel[4 * (int64_t)r + 3] = v * c3;
}

__device__ static void push_event(Event *ev, unsigned long long *nev, size_t cap, int32_t row, int32_t partner, int kind)
{
    unsigned long long at = atomicAdd(nev, 1ULL);
    if (at < cap)
        ev[at] = Event{ row, partner, kind };
}

struct WindowDev {
    const int32_t *widx, *wlist;   /* wlist: slot (wn), first (wn), last (wn) */
    int wn;
};

/* Is copy b (in the row of window member wr) of an active connection? */
__device__ static bool dev_copy_active(const WindowDev &wd, int wr, int32_t b)
{
    if (wr < 0)
        return false;
    int wt = wd.widx[nb_partner(b)];
    if (wt < 0)
        return false;
    const int32_t *first = wd.wlist + wd.wn, *last = wd.wlist + 2 * wd.wn;
    return nb_in(b) ? first[wt] < last[wr] : first[wr] < last[wt];
}

/* The fused step, one thread per listed row (backend_cpu.c cpu_step and
 * row_pass_general / row_pass_fast / row_filter / row_sums): decay the
 * connections outside the window's active pairs, delete the decayed-out
 * and the weak ones (compacting in place, order kept), then sum w and
 * w * asel[nb] in the four-lane order; sigma of the activation input. */
__global__ void k_step(int32_t nl, const int32_t *slots, StepConst sc, WindowDev wd, int32_t *n, int32_t *ntomb,
                       const int64_t *off, double *W, double *M, int32_t *NB, const double *asel, const uint8_t *owned,
                       double *sig, double *strength, uint8_t *empty, Event *ev,
                       unsigned long long *nev, size_t ev_cap)
{
    int32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= nl)
        return;
    int32_t r = slots[i];
    if (sc.nranks > 1 && !owned[r]) {
        empty[i] = 0;
        sig[i] = 0.0;
        return;
    }
    int32_t len = n[r];
    double sw = 0.0, sh = 0.0;
    if (len > 0) {
        double *w = W + off[r], *m = M + off[r];
        int32_t *nb = NB + off[r];
        int wr = wd.widx[r];
        double lowest = HUGE_VAL;
        for (int32_t k = 0; k < len; k++) {
            double x = w[k];
            int32_t b = nb[k];
            if (!(b >= 0 && dev_copy_active(wd, wr, b))) {
                double d = x * sc.decay;
                x = sc.floor > d ? sc.floor : d;
                w[k] = x;
            }
            lowest = x < lowest ? x : lowest;
        }
        if (ntomb[r] || lowest < sc.cut) {
            /* row_filter */
            int32_t k2 = 0;
            for (int32_t k = 0; k < len; k++) {
                int32_t b = nb[k];
                if (b < 0)
                    continue;
                double x = w[k];
                if (x < sc.cut) {
                    bool active = dev_copy_active(wd, wr, b);
                    bool out = !nb_in(b);
                    if (!active && x <= sc.keep_floor) {
                        if (out)
                            push_event(ev, nev, ev_cap, r, nb_partner(b), EV_DECAYED);
                        continue;
                    }
                    if (fabs(x) < sc.prune) {
                        if (out)
                            push_event(ev, nev, ev_cap, r, nb_partner(b), EV_PRUNED);
                        continue;
                    }
                }
                if (k2 != k) {
                    nb[k2] = b;
                    w[k2] = x;
                    m[k2] = m[k];
                }
                k2++;
            }
            len = k2;
            n[r] = len;
            ntomb[r] = 0;
        }
        /* lane j: positions j, j + 4, ... in order (registers, not an
         * indexed local array) */
        double lw0 = 0.0, lw1 = 0.0, lw2 = 0.0, lw3 = 0.0, lh0 = 0.0, lh1 = 0.0, lh2 = 0.0, lh3 = 0.0;
        int32_t k = 0;
        for (; k + 4 <= len; k += 4) {
            lw0 += w[k]; lh0 += w[k] * asel[nb[k]];
            lw1 += w[k + 1]; lh1 += w[k + 1] * asel[nb[k + 1]];
            lw2 += w[k + 2]; lh2 += w[k + 2] * asel[nb[k + 2]];
            lw3 += w[k + 3]; lh3 += w[k + 3] * asel[nb[k + 3]];
        }
        if (k < len) {
            lw0 += w[k]; lh0 += w[k] * asel[nb[k]];
        }
        if (k + 1 < len) {
            lw1 += w[k + 1]; lh1 += w[k + 1] * asel[nb[k + 1]];
        }
        if (k + 2 < len) {
            lw2 += w[k + 2]; lh2 += w[k + 2] * asel[nb[k + 2]];
        }
        sw = (lw0 + lw1) + (lw2 + lw3);
        sh = (lh0 + lh1) + (lh2 + lh3);
    }
    strength[i] = sw;
    empty[i] = len == 0;
    sig[i] = dev_sigmoid(sc.incoming ? sc.bias + sh : sh);
}

/* Σ w over the live entries of the listed rows, in the four-lane order
 * (rules.h rule_lane_sum). */
__global__ void k_strengths(int32_t cnt, const int32_t *rows, const int32_t *n, const int64_t *off, const double *W,
                            const int32_t *NB, double *strength)
{
    int32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cnt)
        return;
    int32_t r = rows[i];
    double l[4] = { 0.0, 0.0, 0.0, 0.0 };
    int32_t k2 = 0;
    const double *w = W + off[r];
    const int32_t *nb = NB + off[r];
    for (int32_t k = 0; k < n[r]; k++)
        if (nb[k] >= 0)
            l[k2++ & 3] += w[k];
    strength[i] = (l[0] + l[1]) + (l[2] + l[3]);
}

/* Neuron x dies, one rank: tomb (t, want_in) asks to tombstone the copy in
 * t's row whose partner is x in that direction. */
__global__ void k_kill_partners(int cnt, const int32_t *tomb, int32_t x, const int32_t *n, int32_t *ntomb,
                                const int64_t *off, int32_t *NB)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cnt)
        return;
    int32_t t = tomb[2 * i];
    bool want_in = tomb[2 * i + 1];
    int32_t *nb = NB + off[t];
    for (int32_t k = 0; k < n[t]; k++)
        if (nb[k] >= 0 && nb_partner(nb[k]) == x && nb_in(nb[k]) == want_in) {
            nb[k] = -1;
            atomicAdd(&ntomb[t], 1);
            break;
        }
}

/* Neuron x dies, several ranks: look through every listed row held here. */
__global__ void k_kill_scan(int32_t nrows, const int32_t *rows, int32_t x, const uint8_t *owned, const int32_t *n,
                            int32_t *ntomb, const int64_t *off, int32_t *NB, Event *ev,
                            unsigned long long *nev, size_t ev_cap)
{
    int32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= nrows)
        return;
    int32_t t = rows[i];
    if (t == x || !owned[t] || !n[t])
        return;
    int32_t *nb = NB + off[t];
    for (int32_t k = 0; k < n[t]; k++) {
        int32_t b = nb[k];
        if (b < 0 || nb_partner(b) != x)
            continue;
        nb[k] = -1;
        ntomb[t]++;
        push_event(ev, nev, ev_cap, t, x, nb_in(b) ? EV_KILLED_IN : EV_KILLED_OUT);
    }
}

/* ---- device memory helpers ------------------------------------------------ */

static int blocks(int64_t n) { return (int)((n + THREADS - 1) / THREADS); }

/* Grow device array *p from old to c elements of esz bytes, keeping the
 * old contents; the new tail is filled with byte `fill`. */
static void dev_grow(void **p, size_t esz, size_t old, size_t c, int fill)
{
    void *np;
    cuda_check(cudaMalloc(&np, c * esz));
    if (old)
        cuda_check(cudaMemcpy(np, *p, old * esz, cudaMemcpyDeviceToDevice));
    cuda_check(cudaMemset((char *)np + old * esz, fill, (c - old) * esz));
    cuda_check(cudaFree(*p));
    *p = np;
}
#define DEV_GROW(ptr, old, c, fill) dev_grow((void **)&(ptr), sizeof *(ptr), (old), (c), (fill))

/* Device buffer of at least need elements, contents not kept. */
static void dev_reserve(void **p, size_t esz, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    cuda_check(cudaFree(*p));
    cuda_check(cudaMalloc(p, c * esz));
    *cap = c;
}

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

/* Pinned host and device buffers of at least `bytes` (contents not kept). */
static void stage_reserve(char **h, char **d, size_t *cap, size_t bytes)
{
    if (bytes <= *cap)
        return;
    size_t c = *cap ? *cap : (size_t)1 << 16;
    while (c < bytes)
        c *= 2;
    if (*h)
        cuda_check(cudaFreeHost(*h));
    cuda_check(cudaFree(*d));
    cuda_check(cudaMallocHost((void **)h, c));
    cuda_check(cudaMalloc((void **)d, c));
    *cap = c;
}

/* ---- rows: the arena ------------------------------------------------------ */

/* Row blocks come in backend_cpu.c's series of capacities (4, 6, 9, 13,
 * ...); freed blocks are reused by capacity class. */
static int32_t series_cap(int32_t need, int *cls)
{
    int32_t c = ROW_MIN_CAP;
    int k = 0;
    while (c < need) {
        c += c / 2;
        k++;
    }
    *cls = k;
    return c;
}

static int64_t arena_alloc(CudaState *s, int32_t c, int cls)
{
    check(cls < CAP_CLASSES);
    FreeList *f = &s->freel[cls];
    if (f->n)
        return f->off[--f->n];
    if (s->arena_used + c > s->arena_cap) {
        int64_t nc = s->arena_cap ? s->arena_cap : 1 << 16;
        while (nc < s->arena_used + c)
            nc *= 2;
        DEV_GROW(s->d_w, (size_t)s->arena_used, (size_t)nc, 0);
        DEV_GROW(s->d_m, (size_t)s->arena_used, (size_t)nc, 0);
        DEV_GROW(s->d_nb, (size_t)s->arena_used, (size_t)nc, 0xff);
        s->arena_cap = nc;
    }
    int64_t o = s->arena_used;
    s->arena_used += c;
    return o;
}

static void arena_free(CudaState *s, int64_t off, int32_t c)
{
    if (c == 0)
        return;
    int cls;
    series_cap(c, &cls);
    FreeList *f = &s->freel[cls];
    GROW(f->off, f->cap, f->n + 1);
    f->off[f->n++] = off;
}

/* Room for one more copy in window member di's row (moving its block to
 * a larger one, as row_reserve does); returns the new copy's position. */
static int32_t row_append(CudaState *s, int di)
{
    int32_t r = s->wslot[di], len = s->rown[di];
    if (len + 1 > s->rcap[r]) {
        int cls;
        int32_t c = series_cap(len + 1, &cls);
        int64_t o = arena_alloc(s, c, cls);
        if (len) {
            cuda_check(cudaMemcpy(s->d_w + o, s->d_w + s->off[r], len * sizeof(double), cudaMemcpyDeviceToDevice));
            cuda_check(cudaMemcpy(s->d_m + o, s->d_m + s->off[r], len * sizeof(double), cudaMemcpyDeviceToDevice));
            cuda_check(cudaMemcpy(s->d_nb + o, s->d_nb + s->off[r], len * sizeof(int32_t), cudaMemcpyDeviceToDevice));
        }
        arena_free(s, s->off[r], s->rcap[r]);
        s->off[r] = o;
        s->rcap[r] = c;
        launch(k_set_off, 1, 1, r, o, s->d_off);
    }
    return s->rown[di]++;
}

static void ensure_cap(CudaState *s, int32_t slot)
{
    if (slot < s->cap)
        return;
    int32_t c = s->cap ? s->cap : 64;
    while (c <= slot)
        c *= 2;
    size_t o = (size_t)s->cap, nc = (size_t)c;
    s->off = (int64_t *)xrealloc(s->off, nc * sizeof *s->off);
    s->rcap = (int32_t *)xrealloc(s->rcap, nc * sizeof *s->rcap);
    s->nout = (uint32_t *)xrealloc(s->nout, nc * sizeof *s->nout);
    s->owned = (uint8_t *)xrealloc(s->owned, nc);
    s->strength = (double *)xrealloc(s->strength, nc * sizeof *s->strength);
    s->dirty = (uint8_t *)xrealloc(s->dirty, nc);
    for (size_t i = o; i < nc; i++) {
        s->off[i] = 0;
        s->rcap[i] = 0;
        s->nout[i] = 0;
        s->owned[i] = 0;
        s->strength[i] = 0.0;
        s->dirty[i] = 0;
    }
    DEV_GROW(s->d_n, o, nc, 0);
    DEV_GROW(s->d_ntomb, o, nc, 0);
    DEV_GROW(s->d_off, o, nc, 0);
    DEV_GROW(s->d_widx, o, nc, 0xff);
    DEV_GROW(s->d_owned, o, nc, 0);
    DEV_GROW(s->d_asel, 4 * o, 4 * nc, 0);
    s->cap = c;
}

/* Anything that changes rows makes the query snapshot stale. */
static inline void changed(CudaState *s) { s->snap_ok = false; }

/* The whole arena and the row lengths on the host, for queries. */
static void snapshot(CudaState *s)
{
    if (s->snap_ok)
        return;
    if ((size_t)s->cap > s->s_cap) {
        s->s_n = (int32_t *)xrealloc(s->s_n, (size_t)s->cap * sizeof *s->s_n);
        s->s_ntomb = (int32_t *)xrealloc(s->s_ntomb, (size_t)s->cap * sizeof *s->s_ntomb);
        s->s_cap = (size_t)s->cap;
    }
    if ((size_t)s->arena_used > s->s_arena) {
        s->s_w = (double *)xrealloc(s->s_w, (size_t)s->arena_used * sizeof *s->s_w);
        s->s_m = (double *)xrealloc(s->s_m, (size_t)s->arena_used * sizeof *s->s_m);
        s->s_nb = (int32_t *)xrealloc(s->s_nb, (size_t)s->arena_used * sizeof *s->s_nb);
        s->s_arena = (size_t)s->arena_used;
    }
    if (s->cap) {
        cuda_check(cudaMemcpy(s->s_n, s->d_n, (size_t)s->cap * sizeof *s->s_n, cudaMemcpyDeviceToHost));
        cuda_check(cudaMemcpy(s->s_ntomb, s->d_ntomb, (size_t)s->cap * sizeof *s->s_ntomb, cudaMemcpyDeviceToHost));
    }
    if (s->arena_used) {
        size_t a = (size_t)s->arena_used;
        cuda_check(cudaMemcpy(s->s_w, s->d_w, a * sizeof *s->s_w, cudaMemcpyDeviceToHost));
        cuda_check(cudaMemcpy(s->s_m, s->d_m, a * sizeof *s->s_m, cudaMemcpyDeviceToHost));
        cuda_check(cudaMemcpy(s->s_nb, s->d_nb, a * sizeof *s->s_nb, cudaMemcpyDeviceToHost));
    }
    s->snap_ok = true;
}

/* ---- ops ---------------------------------------------------------------- */

static void *cuda_create(const Params *p, int nranks)
{
    CudaState *s = (CudaState *)xcalloc(1, sizeof *s);
    s->p = p;
    s->nranks = nranks;
    s->last_activity = NAN;
    cuda_check(cudaMemcpyToSymbol(c_exp_hi, exp_table_hi, sizeof exp_table_hi));
    cuda_check(cudaMemcpyToSymbol(c_exp_lo, exp_table_lo, sizeof exp_table_lo));
    cuda_check(cudaMalloc(&s->d_wbuf, (2 * (size_t)MAX_WINDOW * MAX_WINDOW + MAX_WINDOW) * sizeof(int32_t)));
    cuda_check(cudaMalloc(&s->d_wlist, 3 * (size_t)MAX_WINDOW * sizeof(int32_t)));
    cuda_check(cudaMalloc(&s->d_nev, sizeof *s->d_nev));
    s->wbuf = (int32_t *)xmalloc((2 * (size_t)MAX_WINDOW * MAX_WINDOW + MAX_WINDOW) * sizeof *s->wbuf);
    s->queued = (uint32_t *)xcalloc((size_t)MAX_WINDOW * MAX_WINDOW, sizeof *s->queued);
    return s;
}

static void cuda_destroy(void *st)
{
    CudaState *s = (CudaState *)st;
    void *dev[] = { s->d_n, s->d_ntomb, s->d_off, s->d_widx, s->d_owned, s->d_asel,
                    s->d_w, s->d_m, s->d_nb, s->d_wbuf, s->d_wlist, s->d_up, s->d_down, s->d_ev, s->d_nev,
                    s->d_tmp };
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        cudaFree(dev[i]);
    for (int k = 0; k < CAP_CLASSES; k++)
        free(s->freel[k].off);
    free(s->off); free(s->rcap); free(s->nout); free(s->owned); free(s->strength); free(s->dirty); free(s->dirty_list);
    if (s->h_up)
        cudaFreeHost(s->h_up);
    if (s->h_down)
        cudaFreeHost(s->h_down);
    pairset_free(&s->stale); free(s->wbuf); gate_free(&s->gate); free(s->queued); free(s->ops);
    free(s->h_ev); free(s->kill_nb); free(s->tomb);
    free(s->s_n); free(s->s_ntomb); free(s->s_w); free(s->s_m); free(s->s_nb);
    free(s);
}

static void cuda_add_neuron(void *st, int32_t slot, bool owned)
{
    CudaState *s = (CudaState *)st;
    ensure_cap(s, slot);
    s->owned[slot] = owned;
    s->nout[slot] = 0;
    s->strength[slot] = 0.0;
    s->dirty[slot] = 0;
    arena_free(s, s->off[slot], s->rcap[slot]);
    s->off[slot] = 0;
    s->rcap[slot] = 0;
    launch(k_add_neuron, 1, 1, slot, owned, s->d_n, s->d_ntomb, s->d_off, s->d_widx, s->d_owned);
    changed(s);
}

static void ensure_events(CudaState *s, size_t need)
{
    if (need <= s->ev_cap)
        return;
    size_t c = s->ev_cap;
    dev_reserve((void **)&s->d_ev, sizeof *s->d_ev, &c, need);
    s->h_ev = (Event *)xrealloc(s->h_ev, c * sizeof *s->h_ev);
    s->ev_cap = c;
}

/* The events of the last kernel, on the host. */
static size_t fetch_events(CudaState *s)
{
    unsigned long long nev = 0;
    cuda_check(cudaMemcpy(&nev, s->d_nev, sizeof nev, cudaMemcpyDeviceToHost));
    check(nev <= s->ev_cap);
    if (nev)
        cuda_check(cudaMemcpy(s->h_ev, s->d_ev, nev * sizeof *s->h_ev, cudaMemcpyDeviceToHost));
    return (size_t)nev;
}

/* One row's entries on the host (from the snapshot). */
typedef struct HostRow {
    int32_t n;
    const double *w, *m;
    const int32_t *nb;
} HostRow;

static HostRow host_row(CudaState *s, int32_t slot)
{
    snapshot(s);
    HostRow r = { 0, NULL, NULL, NULL };
    if (slot >= s->cap || !s->rcap[slot])
        return r;
    int64_t o = s->off[slot];
    r.n = s->s_n[slot];
    r.w = s->s_w + o;
    r.m = s->s_m + o;
    r.nb = s->s_nb + o;
    return r;
}

static void mark_dirty(CudaState *s, int32_t t)
{
    if (!s->dirty[t]) {
        s->dirty[t] = 1;
        GROW(s->dirty_list, s->dirty_cap, s->ndirty + 1);
        s->dirty_list[s->ndirty++] = t;
    }
}

/* Row x's partner codes on the host (kill needs no more). */
static HostRow fetch_row_nb(CudaState *s, int32_t x)
{
    HostRow r = { 0, NULL, NULL, NULL };
    if (!s->rcap[x])
        return r;
    cuda_check(cudaMemcpy(&r.n, s->d_n + x, sizeof r.n, cudaMemcpyDeviceToHost));
    GROW(s->kill_nb, s->kill_cap, (size_t)r.n + 1);
    if (r.n)
        cuda_check(cudaMemcpy(s->kill_nb, s->d_nb + s->off[x], (size_t)r.n * sizeof *s->kill_nb,
                              cudaMemcpyDeviceToHost));
    r.nb = s->kill_nb;
    return r;
}

static void cuda_kill(void *st, int32_t x, const int32_t *rows, int32_t nrows)
{
    CudaState *s = (CudaState *)st;
    HostRow rx = fetch_row_nb(s, x);
    if (s->nranks == 1) {
        /* x's row names every partner: tombstone their copies */
        GROW(s->tomb, s->tomb_cap, 2 * (size_t)rx.n + 2);
        int32_t *tomb = s->tomb;
        int cnt = 0;
        for (int32_t k = 0; k < rx.n; k++) {
            int32_t nb = rx.nb[k];
            if (nb < 0)
                continue;
            int32_t t = nb_partner(nb);
            if (nb_in(nb))
                s->nout[t]--;   /* t -> x: x leaves t's out-target set */
            tomb[2 * cnt] = t;
            tomb[2 * cnt + 1] = !nb_in(nb);
            cnt++;
            mark_dirty(s, t);
            s->nconn--;
        }
        if (cnt) {
            dev_reserve((void **)&s->d_tmp, sizeof *s->d_tmp, &s->tmp_cap, 2 * (size_t)cnt);
            cuda_check(cudaMemcpy(s->d_tmp, tomb, 2 * (size_t)cnt * sizeof *tomb, cudaMemcpyHostToDevice));
            launch(k_kill_partners, blocks(cnt), THREADS, cnt, s->d_tmp, x, s->d_n, s->d_ntomb, s->d_off, s->d_nb);
        }
    } else {
        /* x's partners may be anywhere: look through the rows held here */
        if (s->owned[x])
            for (int32_t k = 0; k < rx.n; k++)
                if (rx.nb[k] >= 0 && !nb_in(rx.nb[k]))
                    s->nconn--;
        if (nrows) {
            ensure_events(s, (size_t)s->nconn + 1);
            dev_reserve((void **)&s->d_tmp, sizeof *s->d_tmp, &s->tmp_cap, (size_t)nrows);
            cuda_check(cudaMemcpy(s->d_tmp, rows, (size_t)nrows * sizeof *rows, cudaMemcpyHostToDevice));
            cuda_check(cudaMemset(s->d_nev, 0, sizeof *s->d_nev));
            launch(k_kill_scan, blocks(nrows), THREADS, nrows, s->d_tmp, x, s->d_owned, s->d_n, s->d_ntomb, s->d_off,
                   s->d_nb, s->d_ev, s->d_nev, s->ev_cap);
            size_t nev = fetch_events(s);
            for (size_t e = 0; e < nev; e++) {
                int32_t t = s->h_ev[e].row;
                if (s->h_ev[e].kind == EV_KILLED_OUT) {
                    s->nout[t]--;   /* t -> x */
                    s->nconn--;
                }
                mark_dirty(s, t);
            }
        }
    }
    /* Stale entries: x's own set goes, and x leaves every other set. */
    pairset_drop_slot(&s->stale, x, s->nout);
    /* a dead neuron's storage goes back: its slot may be reused */
    arena_free(s, s->off[x], s->rcap[x]);
    s->off[x] = 0;
    s->rcap[x] = 0;
    s->nout[x] = 0;
    s->strength[x] = 0.0;
    s->dirty[x] = 0;
    launch(k_set_row, 1, 1, x, (int64_t)0, 0, s->d_n, s->d_ntomb, s->d_off);
    changed(s);
}

/* The strengths of rows changed since the step last summed them (by a
 * death or a checkpoint load) are summed on the device; the rest are
 * current already. */
static const double *cuda_strengths(void *st)
{
    CudaState *s = (CudaState *)st;
    size_t cnt = 0;
    for (size_t i = 0; i < s->ndirty; i++)
        if (s->dirty[s->dirty_list[i]])
            s->dirty_list[cnt++] = s->dirty_list[i];
    s->ndirty = 0;
    if (!cnt)
        return s->strength;
    size_t bytes = cnt * (sizeof(int32_t) + sizeof(double));
    stage_reserve(&s->h_down, &s->d_down, &s->down_cap, bytes);
    int32_t *d_rows = (int32_t *)(s->d_down + cnt * sizeof(double));
    cuda_check(cudaMemcpy(d_rows, s->dirty_list, cnt * sizeof *d_rows, cudaMemcpyHostToDevice));
    launch(k_strengths, blocks((int64_t)cnt), THREADS, (int32_t)cnt, (const int32_t *)d_rows, s->d_n, s->d_off, s->d_w,
           s->d_nb, (double *)s->d_down);
    cuda_check(cudaMemcpy(s->h_down, s->d_down, cnt * sizeof(double), cudaMemcpyDeviceToHost));
    const double *sum = (const double *)s->h_down;
    for (size_t i = 0; i < cnt; i++) {
        s->strength[s->dirty_list[i]] = sum[i];
        s->dirty[s->dirty_list[i]] = 0;
    }
    return s->strength;
}

static void cuda_window_begin(void *st, const WindowView *w)
{
    CudaState *s = (CudaState *)st;
    int n = w->n;
    s->gate.n = n;
    int32_t list[3 * MAX_WINDOW];
    for (int i = 0; i < n; i++) {
        s->wslot[i] = w->slot[i];
        s->wid[i] = w->id[i];
        s->wfirst[i] = w->first[i];
        s->wlast[i] = w->last[i];
        list[i] = w->slot[i];
        list[n + i] = w->first[i];
        list[2 * n + i] = w->last[i];
    }
    size_t nn = (size_t)n * n;
    s->wout = s->wbuf;
    s->win = s->wbuf + nn;
    memset(s->queued, 0, nn * sizeof *s->queued);
    s->nops = 0;
    if (n == 0)
        return;
    cuda_check(cudaMemcpy(s->d_wlist, list, 3 * (size_t)n * sizeof *list, cudaMemcpyHostToDevice));
    cuda_check(cudaMemset(s->d_wbuf, 0xff, 2 * nn * sizeof(int32_t)));
    launch(k_window_mark, blocks(n), THREADS, n, s->d_wlist, s->d_widx, 1);
    launch(k_window_scan, n, THREADS, n, s->d_wlist, s->d_n, s->d_off, s->d_nb, s->d_widx, s->d_wbuf, s->d_wbuf + nn,
                                  s->d_wbuf + 2 * nn);
    cuda_check(cudaMemcpy(s->wbuf, s->d_wbuf, (2 * nn + n) * sizeof *s->wbuf, cudaMemcpyDeviceToHost));
    memcpy(s->rown, s->wbuf + 2 * nn, (size_t)n * sizeof *s->rown);
    /* the gate's view of the pairs whose source is held here */
    gate_fill(&s->gate, n, w->slot, s->owned, s->nout, s->wout, &s->stale);
}

/* Where the parts of a window's upload lie (byte offsets). */
typedef struct Upload {
    size_t ops, act, setn, slots, bytes;
    int nops, nset;
} Upload;

/* Stage the queued updates (their pair indices turned into arena offsets:
 * a row may have moved to a larger block since it was queued) and the
 * window rows' lengths, followed by room for nl activations and slots. */
static Upload stage_updates(CudaState *s, int32_t nl)
{
    int n = s->gate.n;
    Upload u;
    u.nops = (int)s->nops;
    u.nset = 0;
    for (int i = 0; i < n; i++)
        u.nset += s->owned[s->wslot[i]];
    u.ops = 0;
    u.act = u.ops + s->nops * sizeof(HebOp);
    u.setn = align8(u.act + (size_t)nl * sizeof(double));
    u.slots = u.setn + 2 * (size_t)u.nset * sizeof(int32_t);
    u.bytes = u.slots + (size_t)nl * sizeof(int32_t);
    stage_reserve(&s->h_up, &s->d_up, &s->up_cap, u.bytes);
    HebOp *ops = (HebOp *)(s->h_up + u.ops);
    for (size_t k = 0; k < s->nops; k++) {
        HebOp o = s->ops[k];
        if (o.pos_out >= 0)
            o.pos_out = s->off[s->wslot[o.pos_out / n]] + s->wout[o.pos_out];
        if (o.pos_in >= 0)
            o.pos_in = s->off[s->wslot[o.pos_in % n]] + s->win[o.pos_in];
        ops[k] = o;
    }
    int32_t *setn = (int32_t *)(s->h_up + u.setn);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (s->owned[s->wslot[i]]) {
            setn[2 * k] = s->wslot[i];
            setn[2 * k + 1] = s->rown[i];
            k++;
        }
    s->nops = 0;
    memset(s->queued, 0, (size_t)n * n * sizeof *s->queued);
    return u;
}

static void launch_updates(CudaState *s, const Upload *u)
{
    if (u->nset + u->nops == 0)
        return;
    const Params *p = s->p;
    HebConst hc = { p->hebbian_constant, p->resistance_factor, p->M_max, p->homeostatic_threshold,
                    p->homeostatic_factor, p->ltd_threshold, p->ltd_factor, p->mass_relaxation_rate };
    launch(k_update, blocks(u->nset + u->nops), THREADS, u->nset, (const int32_t *)(s->d_up + u->setn), s->d_n,
           u->nops, (const HebOp *)(s->d_up + u->ops), hc, s->d_w, s->d_m, s->d_nb);
}

/* Apply the queued updates now (a pair came twice in one window). */
static void flush_hebbian(CudaState *s)
{
    Upload u = stage_updates(s, 0);
    cuda_check(cudaMemcpy(s->d_up, s->h_up, u.bytes, cudaMemcpyHostToDevice));
    launch_updates(s, &u);
}

static void cuda_hebbian(void *st, int di, int dj, double ai, double aj)
{
    CudaState *s = (CudaState *)st;
    int n = s->gate.n;
    int32_t i = s->wslot[di], j = s->wslot[dj];
    const bool oi = s->owned[i], oj = s->owned[j];
    if (s->queued[di * n + dj])
        flush_hebbian(s);   /* the same connection twice: the second update starts from the first */
    uint8_t *state = &s->gate.state[di * n + dj];
    int32_t nb_out = -1, nb_in = -1;
    if (*state != GATE_EXISTS) {
        bool fwd = s->wid[di] < s->wid[dj];
        if (oi) {
            nb_out = nb_make(j, false, fwd);
            s->wout[di * n + dj] = row_append(s, di);
            /* j joins i's out-target set unless it is still there as stale */
            if (!pairset_remove(&s->stale, i, j))
                s->nout[i]++;
            s->nconn++;
        }
        if (oj) {
            nb_in = nb_make(i, true, fwd);
            s->win[di * n + dj] = row_append(s, dj);
        }
        if (*state != GATE_STALE)
            s->gate.nout[di]++;
        *state = GATE_EXISTS;
    }
    double activity = ai * aj;
    if (activity != s->last_activity) {
        s->last_activity = activity;
        s->last_target = rule_mass_target(s->p, activity);
    }
    if (!oi && !oj)
        return;
    /* positions are resolved to arena offsets at the flush: a row may
     * still move to a larger block this window */
    GROW(s->ops, s->ops_cap, s->nops + 1);
    s->ops[s->nops++] = HebOp{ oi ? (int64_t)di * n + dj : -1, oj ? (int64_t)di * n + dj : -1, nb_out, nb_in,
                               ai, aj, s->last_target };
    s->queued[di * n + dj] = (uint32_t)s->nops;
    changed(s);
}

static void cuda_hebbian_pairs(void *st, const int32_t *pair, size_t np, const double *act)
{
    for (size_t k = 0; k < np; k++) {
        int di = pair_src(pair[k]), dj = pair_dst(pair[k]);
        cuda_hebbian(st, di, dj, act[di], act[dj]);
    }
}

static void cuda_prefetch(void *, int32_t) {}   /* the rows live on the device */

static void cuda_step(void *st, const StepArgs *a, StepStats *stats)
{
    CudaState *s = (CudaState *)st;
    const Params *p = s->p;
    int n = s->gate.n;

    StepConst sc;
    sc.decay = 1.0 - p->connection_decay_rate;
    sc.floor = p->minimum_connection;
    sc.keep_floor = p->minimum_connection * 2;
    sc.prune = p->prune_threshold;
    double above_floor = nextafter(sc.keep_floor, HUGE_VAL);
    sc.cut = sc.prune > above_floor ? sc.prune : above_floor;
    sc.bias = a->bias;
    sc.incoming = a->mode == STEP_INCOMING;
    sc.nranks = s->nranks;
    static const bool cnt[3][4] = {
        /* STEP_MINMAX_DENSE */ { false, true, false, true },   /* (min,max)-keyed only */
        /* STEP_MINMAX_ALL */ { true, true, true, true },       /* every connection */
        /* STEP_INCOMING */ { false, false, true, true },       /* incoming copies only */
    };
    const bool *c = cnt[a->mode];

    /* one upload: the updates, the rows' lengths, the listed activations and slots */
    const int32_t nl = a->nlist;
    Upload u = stage_updates(s, nl);
    double *act = (double *)(s->h_up + u.act);
    for (int32_t i = 0; i < nl; i++) {
        int32_t r = a->slots[i];
        double v = a->act[r];
        if (a->member && !a->member[r])
            a->act[r] = v = rule_activation_decay(p, v);   /* this window's decay (StepArgs.member) */
        act[i] = v;
    }
    *a->nemptied = 0;
    memcpy(s->h_up + u.slots, a->slots, (size_t)nl * sizeof *a->slots);
    cuda_check(cudaMemcpyAsync(s->d_up, s->h_up, u.bytes, cudaMemcpyHostToDevice, 0));
    launch_updates(s, &u);
    if (!nl)
        cuda_check(cudaDeviceSynchronize());   /* h_up is free again (else the download below waits) */
    ensure_events(s, (size_t)s->nconn + 1);
    uint64_t decayed = 0, pruned = 0;
    if (nl) {
        const size_t sig_at = sizeof(unsigned long long), str_at = sig_at + (size_t)nl * sizeof(double),
                     empty_at = str_at + (size_t)nl * sizeof(double);
        stage_reserve(&s->h_down, &s->d_down, &s->down_cap, empty_at + (size_t)nl);
        const int32_t *d_slots = (const int32_t *)(s->d_up + u.slots);
        unsigned long long *d_nev = (unsigned long long *)s->d_down;
        launch(k_asel, blocks(nl), THREADS, nl, d_slots, (const double *)(s->d_up + u.act), c[0], c[1], c[2], c[3],
               s->d_asel, d_nev);
        WindowDev wd = { s->d_widx, s->d_wlist, n };
        launch(k_step, blocks(nl), THREADS, nl, d_slots, sc, wd, s->d_n, s->d_ntomb, s->d_off, s->d_w, s->d_m,
               s->d_nb, s->d_asel, s->d_owned, (double *)(s->d_down + sig_at), (double *)(s->d_down + str_at),
               (uint8_t *)(s->d_down + empty_at), s->d_ev, d_nev, s->ev_cap);
        /* one download: the event count, sigma, the rows' weight sums and
         * the empty flags; the events themselves only when there are some */
        cuda_check(cudaMemcpy(s->h_down, s->d_down, empty_at + (size_t)nl, cudaMemcpyDeviceToHost));
        unsigned long long nev;
        memcpy(&nev, s->h_down, sizeof nev);
        check(nev <= s->ev_cap);
        if (nev)
            cuda_check(cudaMemcpy(s->h_ev, s->d_ev, nev * sizeof *s->h_ev, cudaMemcpyDeviceToHost));
        memcpy(a->empty, s->h_down + empty_at, (size_t)nl);
        int32_t ne = 0;
        for (int32_t i = 0; i < nl; i++)
            if (a->empty[i])   /* 0 for rows held elsewhere */
                a->emptied[ne++] = i;
        *a->nemptied = ne;
        const double *sig = (const double *)(s->h_down + sig_at), *sw = (const double *)(s->h_down + str_at);
        for (size_t e = 0; e < nev; e++) {
            const Event *ev = &s->h_ev[e];
            if (ev->kind == EV_DECAYED) {
                /* removed by decay: the target stays in the out-target set (stale) */
                pairset_add(&s->stale, ev->row, ev->partner);
                decayed++;
            } else {
                s->nout[ev->row]--;
                pruned++;
            }
        }
        for (int32_t i = 0; i < nl; i++) {
            int32_t r = a->slots[i];
            if (s->owned[r]) {
                a->act[r] = sig[i];
                s->strength[r] = sw[i];
                s->dirty[r] = 0;
            }
        }
    }
    if (a->mode == STEP_INCOMING)
        for (int i = 0; i < n; i++)
            if (s->owned[s->wslot[i]])
                a->act[s->wslot[i]] = 1.0;    /* window members are clamped (§11b) */
    if (n) {
        launch(k_window_mark, blocks(n), THREADS, n, s->d_wlist, s->d_widx, 0);
    }
    s->nconn -= decayed + pruned;
    s->gate.n = 0;
    changed(s);
    if (stats) {
        stats->decay_deleted += decayed;
        stats->pruned += pruned;
    }
}

/* ---- queries for outputs (from the snapshot) -------------------------------- */

static uint64_t cuda_connection_count(void *st) { return ((CudaState *)st)->nconn; }

static bool cuda_find(void *st, int32_t src, int32_t dst, double *w, double *m)
{
    CudaState *s = (CudaState *)st;
    HostRow r = host_row(s, src);
    for (int32_t k = 0; k < r.n; k++)
        if (r.nb[k] >= 0 && !nb_in(r.nb[k]) && nb_partner(r.nb[k]) == dst) {
            *w = r.w[k];
            *m = r.m[k];
            return true;
        }
    return false;
}

static double cuda_mass_sum(void *st, int32_t slot)
{
    CudaState *s = (CudaState *)st;
    HostRow r = host_row(s, slot);
    return rule_lane_sum(r.nb, r.m, r.n);
}

static void cuda_for_each(void *st, EdgeFn fn, void *ctx)
{
    CudaState *s = (CudaState *)st;
    for (int32_t slot = 0; slot < s->cap; slot++) {
        HostRow r = host_row(s, slot);
        for (int32_t k = 0; k < r.n; k++)
            if (r.nb[k] >= 0 && !nb_in(r.nb[k]))
                fn(ctx, slot, nb_partner(r.nb[k]), r.w[k], r.m[k]);
    }
}

static void cuda_for_each_touching(void *st, int32_t slot, EdgeFn fn, void *ctx)
{
    CudaState *s = (CudaState *)st;
    HostRow r = host_row(s, slot);
    for (int32_t k = 0; k < r.n; k++) {
        int32_t nb = r.nb[k];
        if (nb < 0)
            continue;
        if (nb_in(nb))
            fn(ctx, nb_partner(nb), slot, r.w[k], r.m[k]);
        else
            fn(ctx, slot, nb_partner(nb), r.w[k], r.m[k]);
    }
}

static int32_t cuda_row_len(void *st, int32_t slot)
{
    CudaState *s = (CudaState *)st;
    HostRow r = host_row(s, slot);
    return r.n ? r.n - s->s_ntomb[slot] : 0;
}

static int32_t cuda_row_get(void *st, int32_t slot, RowEntry *out, uint32_t *nout)
{
    CudaState *s = (CudaState *)st;
    HostRow r = host_row(s, slot);
    int32_t k2 = 0;
    for (int32_t k = 0; k < r.n; k++)
        if (r.nb[k] >= 0)
            out[k2++] = RowEntry{ nb_partner(r.nb[k]), (uint8_t)nb_in(r.nb[k]), r.w[k], r.m[k] };
    *nout = s->nout[slot];
    return k2;
}

static void cuda_row_set(void *st, int32_t slot, const RowEntry *e, const bool *fwd, int32_t n, uint32_t nout)
{
    CudaState *s = (CudaState *)st;
    check(s->rcap[slot] == 0);
    if (n) {
        int cls;
        int32_t c = series_cap(n, &cls);
        int64_t o = arena_alloc(s, c, cls);
        double *w = (double *)xmalloc((size_t)n * 2 * sizeof *w), *m = w + n;
        int32_t *nb = (int32_t *)xmalloc((size_t)n * sizeof *nb);
        for (int32_t k = 0; k < n; k++) {
            nb[k] = nb_make(e[k].partner, e[k].in, fwd[k]);
            w[k] = e[k].w;
            m[k] = e[k].m;
            if (!e[k].in)
                s->nconn++;
        }
        cuda_check(cudaMemcpy(s->d_w + o, w, (size_t)n * sizeof *w, cudaMemcpyHostToDevice));
        cuda_check(cudaMemcpy(s->d_m + o, m, (size_t)n * sizeof *m, cudaMemcpyHostToDevice));
        cuda_check(cudaMemcpy(s->d_nb + o, nb, (size_t)n * sizeof *nb, cudaMemcpyHostToDevice));
        free(w);
        free(nb);
        s->off[slot] = o;
        s->rcap[slot] = c;
    }
    launch(k_set_row, 1, 1, slot, s->off[slot], n, s->d_n, s->d_ntomb, s->d_off);
    mark_dirty(s, slot);   /* the strength is recomputed from the row */
    s->nout[slot] = nout;
    changed(s);
}

static size_t cuda_stale_get(void *st, int32_t *pairs, size_t cap)
{
    CudaState *s = (CudaState *)st;
    return pairset_list(&s->stale, pairs, cap);
}

static void cuda_stale_add(void *st, int32_t src, int32_t dst)
{
    CudaState *s = (CudaState *)st;
    pairset_add(&s->stale, src, dst);
}

/* Device bytes of connection storage (the arena in use) and the host's
 * stale set. */
static size_t cuda_bytes(void *st)
{
    CudaState *s = (CudaState *)st;
    return (size_t)s->arena_used * (2 * sizeof(double) + sizeof(int32_t)) + s->stale.cap * sizeof(uint64_t);
}

static size_t cuda_neuron_bytes(void *st)
{
    CudaState *s = (CudaState *)st;
    size_t host = sizeof(int64_t) + sizeof(int32_t) + sizeof(uint32_t) + 1 + sizeof(double);
    size_t dev = 2 * sizeof(int32_t) + sizeof(int64_t) + sizeof(double) + 1 + sizeof(int32_t) + 1 + 4 * sizeof(double);
    return (size_t)s->cap * (host + dev);
}

extern "C" const BackendOps backend_cuda_ops = {
    "cuda",
    cuda_create,
    cuda_destroy,
    cuda_add_neuron,
    cuda_kill,
    cuda_strengths,
    cuda_window_begin,
    gate_row,
    gate_set_row,
    cuda_hebbian,
    cuda_hebbian_pairs,
    cuda_prefetch,
    cuda_step,
    cuda_connection_count,
    cuda_find,
    cuda_mass_sum,
    cuda_for_each,
    cuda_for_each_touching,
    cuda_row_get,
    cuda_row_len,
    cuda_row_set,
    cuda_stale_get,
    cuda_stale_add,
    cuda_bytes,
    cuda_neuron_bytes,
};
