/*
 * backend.h — what differs between CPU and GPU: where the connections
 * live and the per-window work on them (design.md "Backends").
 *
 * The model (net.c) owns vocabulary, activations, the RNG and every
 * decision; a backend owns the connection storage of the neurons it holds
 * (by slot), each connection (i->j) kept twice: in i's outgoing row and, as
 * a mirror, in j's incoming row, so the activation of a neuron is computed
 * from its own rows alone. Per window the model calls:
 *   window_begin  index the window's pairs (existence, out-target counts)
 *   hebbian       update or create one connection (both copies)
 *   hebbian_pairs update existing connections, many at once
 *   step          fused decay / prune / activation over all rows
 * and, at capacity, strength()/kill() for evictions.
 */
#ifndef HUEY_BACKEND_H
#define HUEY_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"

enum { MAX_WINDOW = WINDOW_SIZE_MAX + 1 };   /* window_size + speaker, upper bound for tables */

/* A pair of window members (di -> dj) as one int32 (hebbian_pairs):
 * MAX_WINDOW < 2^15. */
static inline int32_t pair_code(int di, int dj) { return di << 16 | dj; }
static inline int pair_src(int32_t code) { return code >> 16; }
static inline int pair_dst(int32_t code) { return code & 0xffff; }

/* The distinct living neurons of the current window (speaker included),
 * in order of first appearance, with their first and last positions in the
 * window list L (position 0 is the speaker). */
typedef struct WindowView {
    int n;
    const int32_t *slot;     /* (n) */
    const int64_t *id;       /* (n) */
    const int32_t *first;    /* (n) */
    const int32_t *last;     /* (n) */
} WindowView;

typedef enum {
    STEP_MINMAX_DENSE,   /* §11a, id counter >= dense_activation_min_ids: only (min->max)-keyed weights */
    STEP_MINMAX_ALL,     /* §11a, small networks: every connection, both directions */
    STEP_INCOMING,       /* §11b: directed incoming sum + bias, window members clamped to 1 */
} StepMode;

/* The step visits only the listed slots: every neuron with connections
 * and every member of the window is among them; any other neuron is
 * "settled" (no connections, activation already sigma(bias or 0), which
 * the step would leave unchanged). */
typedef struct StepArgs {
    StepMode mode;
    const int32_t *slots;    /* (nlist) the rows to process */
    int32_t nlist;
    double *act;             /* (by slot) in: activations after this window's
                                decay (but see member); out: the new ones of the
                                listed slots */
    const uint8_t *member;   /* (by slot) or NULL. Given, only the window's members
                                (member[s] = 1) come decayed: the step applies this
                                window's activation decay (rule_activation_decay) to
                                every other listed slot first, in act too (where
                                the step does not overwrite act) */
    uint8_t *empty;          /* (nlist) out: the row has no connections left */
    int32_t *emptied;        /* (nlist) out: the list indices i with empty[i] among the
                                rows held here, increasing */
    int32_t *nemptied;       /* out: how many */
    double bias;
    int32_t asel_kept;       /* slots[0 .. asel_kept) were all listed at the last step,
                                with member given then and now, and no activation of
                                theirs has changed since but the members' and those of
                                act_set: a backend may reuse what it derived from the
                                others then (0: none) */
    const int32_t *act_set;  /* (nact_set) slots whose activation a look-up set since
                                the last step (repeats allowed), with asel_kept > 0 */
    int nact_set;
} StepArgs;

typedef struct StepStats {
    uint64_t decay_deleted;  /* removed by decay (<= 2*minimum_connection) */
    uint64_t pruned;         /* removed by pruning (|w| < prune_threshold) */
} StepStats;

/* One copy in a row, for checkpoints. */
typedef struct RowEntry {
    int32_t partner;         /* slot */
    uint8_t in;              /* 1: the mirror of partner -> this neuron */
    double w, m;
} RowEntry;

/* Called for every stored connection (outgoing copies), in slot order. */
typedef void (*EdgeFn)(void *ctx, int32_t src, int32_t dst, double w, double m);

typedef struct BackendOps {
    const char *name;
    void *(*create)(const Params *p, int nranks);
    void (*destroy)(void *st);
    /* Slot s now holds a new neuron with empty rows; `owned`: its rows are
     * held by this rank. */
    void (*add_neuron)(void *st, int32_t slot, bool owned);
    /* Remove every connection touching slot (neuron death, §5.2); `rows`
     * lists every slot whose row may hold connections. */
    void (*kill)(void *st, int32_t slot, const int32_t *rows, int32_t nrows);
    /* Per slot, the sum of the weights of all connections touching it, in
     * the rows' fixed order (eviction importance): an array indexed by
     * slot, brought up to date first. */
    const double *(*strengths)(void *st);
    void (*window_begin)(void *st, const WindowView *w);
    /* The gate's view of member di's pairs (a state byte per member, see
     * backend_cpu.c, and di's out-target count), if this rank holds di's
     * row; and setting it on the ranks that do not. */
    bool (*gate_row)(void *st, int di, uint8_t *state, uint32_t *nout);
    void (*gate_set_row)(void *st, int di, const uint8_t *state, uint32_t nout);
    void (*hebbian)(void *st, int di, int dj, double ai, double aj);
    /* hebbian() on pairs that exist, in order: pair[k] = pair_code(di, dj),
     * act[d] the activation of member d. */
    void (*hebbian_pairs)(void *st, const int32_t *pair, size_t n, const double *act);
    /* A hint: this window reads slot's per-neuron state (a look-up found
     * it; a rare word's is cold). */
    void (*prefetch)(void *st, int32_t slot);
    void (*step)(void *st, const StepArgs *a, StepStats *s);
    /* Queries for outputs. */
    uint64_t (*connection_count)(void *st);
    bool (*find)(void *st, int32_t src, int32_t dst, double *w, double *m);
    double (*mass_sum)(void *st, int32_t slot);         /* Σ m of connections touching slot */
    void (*for_each)(void *st, EdgeFn fn, void *ctx);
    /* Every connection touching slot: outgoing row, then incoming row. */
    void (*for_each_touching)(void *st, int32_t slot, EdgeFn fn, void *ctx);
    /* Checkpoints: a row held here as entries in row order (partner slot,
     * direction, w, m; tombstones left out) with the slot's out-target
     * count, and the stale out-target pairs (src, dst slots) held here. */
    int32_t (*row_get)(void *st, int32_t slot, RowEntry *out, uint32_t *nout);   /* out: row_len() entries */
    int32_t (*row_len)(void *st, int32_t slot);
    /* Fill an empty, held row; fwd[k]: entry k's connection is (min -> max). */
    void (*row_set)(void *st, int32_t slot, const RowEntry *e, const bool *fwd, int32_t n, uint32_t nout);
    size_t (*stale_get)(void *st, int32_t *pairs, size_t cap);   /* returns the count; pairs: 2 per entry */
    void (*stale_add)(void *st, int32_t src, int32_t dst);
    size_t (*bytes)(void *st);                           /* memory held for connections */
    size_t (*neuron_bytes)(void *st);                    /* per-neuron arrays, caches */
} BackendOps;

typedef struct Backend {
    const BackendOps *ops;
    void *st;
} Backend;

extern const BackendOps backend_cpu_ops;

/* The backend the settings ask for (params `backend`, `gpu_crossover`;
 * the CUDA device is local_rank mod the devices this rank sees), and in
 * `why` the reason, for the one line that names it. `backend = cuda`
 * without a usable device is an error (exit 1). */
const BackendOps *backend_select(const Params *p, int local_rank, char *why, size_t len);

/* The window's all-gather (comm_allgatherv's contract, src/comm.h). */
typedef void (*AllGatherFn)(const void *in, size_t bytes, void *out, const size_t *counts);

/* Which all-gather a run of P ranks on `ops` uses, collective over every
 * rank whatever its backend: NCCL when every rank runs the CUDA backend on
 * a GPU of its own, else MPI (comm_allgatherv); `line` says which and why
 * (empty for one rank or when every rank is on the CPU).
 * backend_collective_end releases it (collective). */
AllGatherFn backend_collective(const BackendOps *ops, char *line, size_t len);
void backend_collective_end(AllGatherFn f);

#endif
