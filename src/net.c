/*
 * net.c — the Huey model on one network: vocabulary with capacity
 * eviction, speaker neurons, the sliding window, the sparsity gate and the
 * per-window order of §7, the GPU class's concept_neurons sync with its
 * zombie resurrection (§5.5) and the self-concept analysis (§13).
 *
 * Per window (§7): look up / create the W words (evicting at capacity),
 * decay every activation, run the Hebbian pairs through the sparsity gate,
 * then let the backend decay/prune every other connection and compute the
 * new activations in one pass. Connection decay and the pair updates touch
 * disjoint connections, so doing the pairs first and the decay in the
 * fused pass gives the reference's result.
 */
#include "net.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "comm.h"
#include "gate.h"
#include "rules.h"
#include "text.h"
#include "util.h"

#define BE(n, op, ...) ((n)->be.ops->op((n)->be.st, __VA_ARGS__))

/* ---- slots -------------------------------------------------------------- */

static void ensure_slots(Net *n, int32_t need)
{
    if (need <= n->cap)
        return;
    int32_t c = n->cap ? n->cap : 64;
    while (c < need)
        c *= 2;
    n->id = xrealloc(n->id, (size_t)c * sizeof *n->id);
    n->owner = xrealloc(n->owner, (size_t)c * sizeof *n->owner);
    n->word = xrealloc(n->word, (size_t)c * sizeof *n->word);
    n->act = xrealloc(n->act, (size_t)c * sizeof *n->act);
    n->listed = xrealloc(n->listed, (size_t)c);
    n->settled = xrealloc(n->settled, (size_t)c);
    n->in_heap = xrealloc(n->in_heap, (size_t)c);
    n->has_act = xrealloc(n->has_act, (size_t)c);
    n->in_window = xrealloc(n->in_window, (size_t)c);
    n->is_speaker = xrealloc(n->is_speaker, (size_t)c);
    n->w2n_prev = xrealloc(n->w2n_prev, (size_t)c * sizeof *n->w2n_prev);
    n->w2n_next = xrealloc(n->w2n_next, (size_t)c * sizeof *n->w2n_next);
    n->w2n_pos_scratch = xrealloc(n->w2n_pos_scratch, (size_t)c * sizeof *n->w2n_pos_scratch);
    for (int32_t i = n->cap; i < c; i++) {
        n->id[i] = -1;
        n->owner[i] = -1;
        n->word[i] = NULL;
        n->act[i] = 0.0;
        n->listed[i] = 0;
        n->settled[i] = n->in_heap[i] = 0;
        n->has_act[i] = 0;
        n->in_window[i] = 0;
        n->is_speaker[i] = 0;
        n->w2n_prev[i] = n->w2n_next[i] = -1;
    }
    n->cap = c;
}

static int32_t alloc_slot(Net *n)
{
    if (n->nfree)
        return n->free_slots[--n->nfree];
    ensure_slots(n, n->nslots + 1);
    return n->nslots++;
}

static inline bool slot_alive(const Net *n, int32_t slot, int64_t id)
{
    return slot >= 0 && n->id[slot] == id;
}

/* Rank owning a neuron id: round-robin, so that the early (and busiest)
 * ids - speakers, frequent words - spread over the ranks; -1 for no id. */
static inline int32_t owner_of(const Net *n, int64_t id)
{
    return id < 0 ? -1 : (int32_t)(id % n->nranks);
}

static inline bool owns(const Net *n, int64_t id)
{
    return n->nranks == 1 || owner_of(n, id) == n->rank;
}

/* Give slot s the neuron id: its owner rank is kept next to it (a 64-bit
 * division per use cost more than the whole all-gather). */
static void set_id(Net *n, int32_t s, int64_t id)
{
    n->id[s] = id;
    n->owner[s] = owner_of(n, id);
}

/* A ghost (see net.h) has an id but no word. */
static inline bool is_ghost(const Net *n, int32_t slot)
{
    return n->nghosts && n->id[slot] >= 0 && !n->word[slot];   /* the count first: ghosts are rare */
}

static int32_t ghost_slot_of(const Net *n, int64_t id)
{
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] == id && !n->word[s])
            return s;
    return -1;
}

/* ---- work list and settled heap ------------------------------------------- */

static void activate(Net *n, int32_t s)
{
    n->settled[s] = 0;
    if (n->listed[s])
        return;
    GROW(n->active, n->active_cap, n->nactive + 1);
    n->listed[s] = 1;
    n->active[n->nactive++] = s;
    n->nfresh++;
}

/* The index of s in the work list (listed): eight entries compared at a
 * time, which GCC turns into vector compares. */
static size_t active_index(const Net *n, int32_t s)
{
    const int32_t *a = n->active;
    size_t i = 0;
    for (; i + 8 <= n->nactive; i += 8) {
        int hit = 0;
        for (int j = 0; j < 8; j++)
            hit |= a[i + j] == s;
        if (hit)
            break;
    }
    while (a[i] != s)
        i++;
    return i;
}

/* Out of the work list, the others keeping their order: the step visits
 * the list in order, and a list that changes by an entry or two a window
 * lets the branch predictor learn each row's loop exit (moving the last
 * entry into the gap instead, reshuffling the list over a few hundred
 * windows: 6 % more CPU time at max_neurons 10^5 on the real corpus,
 * 1 % at 500 on TrumpInterview; AMD EPYC family 26, tools/ab.sh time).
 * The entry is found by a search and the rest moved down by memmove: an
 * index per slot kept up to date cost a scattered store for every entry
 * moved (340 ticks a removal at 1e5 on the corpus, 0.56 removals a
 * window). */
static void deactivate(Net *n, int32_t s)
{
    if (!n->listed[s])
        return;
    size_t i = active_index(n, s);
    if (i >= n->nactive - n->nfresh)
        n->nfresh--;
    n->nactive--;
    memmove(n->active + i, n->active + i + 1, (n->nactive - i) * sizeof *n->active);
    n->listed[s] = 0;
}

static void heap_swap(Net *n, size_t a, size_t b)
{
    int64_t ti = n->heap_id[a];
    int32_t ts = n->heap_slot[a];
    n->heap_id[a] = n->heap_id[b];
    n->heap_slot[a] = n->heap_slot[b];
    n->heap_id[b] = ti;
    n->heap_slot[b] = ts;
}

static void heap_push(Net *n, int64_t id, int32_t slot)
{
    if (n->nheap + 1 > n->heap_cap) {
        size_t c = n->heap_cap;
        GROW(n->heap_id, c, n->nheap + 1);
        n->heap_slot = xrealloc(n->heap_slot, c * sizeof *n->heap_slot);
        n->heap_cap = c;
    }
    size_t i = n->nheap++;
    n->heap_id[i] = id;
    n->heap_slot[i] = slot;
    while (i > 0 && n->heap_id[(i - 1) / 2] > n->heap_id[i]) {
        heap_swap(n, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_pop(Net *n)
{
    heap_swap(n, 0, --n->nheap);
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n->nheap && n->heap_id[l] < n->heap_id[m])
            m = l;
        if (r < n->nheap && n->heap_id[r] < n->heap_id[m])
            m = r;
        if (m == i)
            break;
        heap_swap(n, i, m);
        i = m;
    }
}

static void settle(Net *n, int32_t s)
{
    deactivate(n, s);
    n->settled[s] = 1;
    if (!n->in_heap[s]) {
        n->in_heap[s] = 1;
        heap_push(n, n->id[s], s);
    }
}

/* The settled neuron of lowest id, or -1; drops stale heap entries. */
static int32_t settled_min(Net *n)
{
    while (n->nheap) {
        int32_t s = n->heap_slot[0];
        if (n->id[s] == n->heap_id[0] && n->settled[s])
            return s;
        if (n->id[s] == n->heap_id[0])
            n->in_heap[s] = 0;   /* unsettled since: a new entry comes when it settles again */
        heap_pop(n);
    }
    return -1;
}

static void w2n_append(Net *n, int32_t s)
{
    n->w2n_prev[s] = n->w2n_tail;
    n->w2n_next[s] = -1;
    if (n->w2n_tail >= 0)
        n->w2n_next[n->w2n_tail] = s;
    else
        n->w2n_head = s;
    n->w2n_tail = s;
}

static void w2n_unlink(Net *n, int32_t s)
{
    int32_t p = n->w2n_prev[s], q = n->w2n_next[s];
    if (p >= 0)
        n->w2n_next[p] = q;
    else
        n->w2n_head = q;
    if (q >= 0)
        n->w2n_prev[q] = p;
    else
        n->w2n_tail = p;
    n->w2n_prev[s] = n->w2n_next[s] = -1;
}

/* Bring a neuron (new, or a resurrected zombie with its old id) to life.
 * A zombie whose id is a ghost takes over the ghost's connections and
 * activation entry. */
static int32_t place_neuron(Net *n, const char *word, size_t len, int64_t id)
{
    int32_t s = n->nghosts ? ghost_slot_of(n, id) : -1;
    bool ghost = s >= 0;
    if (ghost)
        n->nghosts--;
    else
        s = alloc_slot(n);
    set_id(n, s, id);
    n->word[s] = strmap_put(&n->vocab, word, len, s);
    size_t plen = strlen(n->p.speaker_prefix);
    n->is_speaker[s] = len >= plen && memcmp(word, n->p.speaker_prefix, plen) == 0;
    if (!ghost) {
        n->has_act[s] = 0;
        n->act[s] = 0.0;
        BE(n, add_neuron, s, owns(n, id));
    }
    n->in_heap[s] = 0;
    activate(n, s);
    w2n_append(n, s);
    n->nliving++;
    return s;
}

/* A dead speaker id back in the window with its entry (incoming kernel). */
static int32_t place_ghost(Net *n, int64_t id, double a)
{
    int32_t s = alloc_slot(n);
    set_id(n, s, id);
    n->word[s] = NULL;
    n->is_speaker[s] = 0;   /* no word: the speaker_ exemption is gone */
    n->has_act[s] = 1;
    n->act[s] = a;
    n->in_heap[s] = 0;
    BE(n, add_neuron, s, owns(n, id));
    activate(n, s);
    n->nghosts++;
    return s;
}

static void free_ghost(Net *n, int32_t s)
{
    deactivate(n, s);
    set_id(n, s, -1);
    n->has_act[s] = 0;
    n->nghosts--;
    GROW(n->free_slots, n->free_cap, n->nfree + 1);
    n->free_slots[n->nfree++] = s;
}

/* ---- eviction (§5.2) ------------------------------------------------------ */

static void kill_slot(Net *n, int32_t s)
{
    BE(n, kill, s, n->active, (int32_t)n->nactive);
    if (n->p.activation_kernel == KERNEL_INCOMING) {
        GROW(n->killed_since_step, n->killed_cap, n->nkilled + 1);
        n->killed_since_step[n->nkilled++] = n->id[s];
    }
    strmap_del(&n->vocab, n->word[s], strlen(n->word[s]));
    w2n_unlink(n, s);
    deactivate(n, s);
    n->settled[s] = 0;
    n->word[s] = NULL;
    set_id(n, s, -1);
    n->has_act[s] = 0;
    n->nliving--;
    GROW(n->free_slots, n->free_cap, n->nfree + 1);
    n->free_slots[n->nfree++] = s;
    n->c.evictions++;
}

/* The least important living neuron: importance = 0.4*recency +
 * 0.4*Σw + 0.2*a, minimum wins, ties to the lowest id. Recency is
 * 1/(1 + processed_words - last_usage) = 1 on the conversational path,
 * where both counters stay 0 (§5.4). Listed neurons are scanned; all
 * settled ones share one importance, so the lowest-id one stands for
 * them. */
static inline double importance(const Net *n, const double *strength, int32_t s, double recency)
{
    return recency + n->p.importance_strength_weight * strength[s] + n->p.importance_activation_weight * n->act[s];
}

static void evict_least_important(Net *n)
{
    uint64_t t0 = clock_ticks();
    const double recency = n->p.importance_recency_weight * (1.0 / (1.0 + 0.0 - 0.0));
    const double *strength = n->be.ops->strengths(n->be.st);
    int32_t best = settled_min(n);
    double best_imp = best >= 0 ? importance(n, strength, best, recency) : HUGE_VAL;
    /* First the least importance among the candidates, in four independent
     * minima (each importance needs two scattered loads, which then overlap
     * instead of waiting on a running minimum), then the lowest id among
     * the slots that have it. Ghosts are never evicted, other ranks judge
     * their own slots; without either, every listed slot is a candidate. */
    GROW(n->evict_imp, n->evict_imp_cap, n->nactive + 1);
    double *imp = n->evict_imp, m[4] = { HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL };
    const bool all = n->nghosts == 0 && n->nranks == 1;
    const size_t na = n->nactive;
    for (size_t i = 0; i < na; i++) {
        int32_t s = n->active[i];
        /* a living slot without an activation entry keeps act = 0 */
        double v = all || (!is_ghost(n, s) && n->owner[s] == n->rank) ? importance(n, strength, s, recency) : HUGE_VAL;
        imp[i] = v;
        m[i & 3] = v < m[i & 3] ? v : m[i & 3];
    }
    double m01 = m[1] < m[0] ? m[1] : m[0], m23 = m[3] < m[2] ? m[3] : m[2];
    double least = m23 < m01 ? m23 : m01;   /* HUGE_VAL: no candidate (importances are finite) */
    if (least < HUGE_VAL && least <= best_imp)
        for (size_t i = 0; i < na; i++) {
            int32_t s = n->active[i];
            if (imp[i] == least && (least < best_imp || best < 0 || n->id[s] < n->id[best])) {
                best = s;
                best_imp = least;
            }
        }
    if (n->nranks > 1) {
        /* one all-reduce: the global minimum of (importance, id); slots are
         * the same on every rank */
        int64_t id = best >= 0 ? n->id[best] : -1, slot = best;
        comm_minloc(&best_imp, &id, &slot);
        best = (int32_t)slot;
    }
    if (best >= 0)
        kill_slot(n, best);
    n->ticks[T_EVICT] += clock_ticks() - t0;
}

/* _get_or_create_neuron (§5.1): activation := 1 either way. */
static int32_t lookup_or_create(Net *n, const char *word, size_t len)
{
    int64_t s = strmap_get(&n->vocab, word, len);
    if (s < 0) {
        if (n->id_counter >= n->p.max_neurons)
            evict_least_important(n);
        s = place_neuron(n, word, len, n->id_counter++);
        n->c.created++;
    }
    n->act[s] = 1.0;
    n->has_act[s] = 1;
    activate(n, (int32_t)s);
    if (n->nact_set < sizeof n->act_set / sizeof *n->act_set)
        n->act_set[n->nact_set] = (int32_t)s;
    n->nact_set++;
    return (int32_t)s;
}

/* ---- create / free -------------------------------------------------------- */

Net *net_create(const Params *p, const BackendOps *ops, int rank, int nranks)
{
    Net *n = xcalloc(1, sizeof *n);
    n->p = *p;
    n->rank = rank;
    n->nranks = nranks;
    n->allgather = comm_allgatherv;
    n->xcounts = xcalloc((size_t)nranks, sizeof *n->xcounts);
    n->xcursor = xcalloc((size_t)nranks, sizeof *n->xcursor);
    n->prev_count = xcalloc((size_t)nranks, sizeof *n->prev_count);
    n->prev_tally = xcalloc(4 * (size_t)nranks, sizeof *n->prev_tally);
    n->be.ops = ops;
    n->be.st = ops->create(&n->p, nranks);
    mt_seed(&n->rng, p->seed);
    n->w2n_head = n->w2n_tail = -1;
    strmap_init(&n->vocab);
    strmap_init(&n->concept_idx);
    strmap_init(&n->speaker_idx);
    strmap_init(&n->freq_idx);
    size_t w = (size_t)p->window_size;
    n->ring = xcalloc(w, sizeof *n->ring);
    n->ring_len = xcalloc(w, sizeof *n->ring_len);
    n->ring_cap = xcalloc(w, sizeof *n->ring_cap);
    n->ring_slot = xcalloc(w, sizeof *n->ring_slot);
    n->ring_id = xcalloc(w, sizeof *n->ring_id);
    n->last_window_ids = xcalloc(w + 1, sizeof *n->last_window_ids);
    n->spk_slot = -1;
    n->spk_id = -1;
    n->settled_value = rule_sigmoid(p->activation_kernel == KERNEL_INCOMING ? p->bias : 0.0);
    n->history_complete = true;
    return n;
}

void net_free(Net *n)
{
    if (!n)
        return;
    n->be.ops->destroy(n->be.st);
    strmap_free(&n->vocab);
    strmap_free(&n->concept_idx);
    strmap_free(&n->speaker_idx);
    strmap_free(&n->freq_idx);
    free(n->freq_raw);
    free(n->freq_kept);
    for (size_t i = 0; i < n->nspeakers; i++) {
        free(n->speakers[i].name);
        free(n->speakers[i].word);
    }
    free(n->speakers);
    free(n->history);
    free(n->hist_text);
    free(n->concepts);
    for (int64_t i = 0; i < n->p.window_size; i++)
        free(n->ring[i]);
    free(n->ring); free(n->ring_len); free(n->ring_cap); free(n->ring_slot); free(n->ring_id);
    free(n->last_window_ids);
    free(n->killed_since_step);
    free(n->active); free(n->listed); free(n->settled); free(n->in_heap);
    free(n->heap_id); free(n->heap_slot); free(n->step_empty); free(n->step_emptied); free(n->pair_buf); free(n->in_window); free(n->evict_imp);
    free(n->prev_slot); free(n->prev_id); free(n->prev_settle); free(n->prev_owner);
    free(n->prev_count); free(n->prev_tally);
    free(n->xcounts); free(n->xcursor); free(n->xsettle); free(n->xbuf);
    free(n->id); free(n->owner); free(n->word); free(n->act); free(n->has_act);
    free(n->is_speaker); free(n->w2n_prev); free(n->w2n_next); free(n->free_slots); free(n->w2n_pos_scratch);
    free(n);
}

/* ---- the window ----------------------------------------------------------- */

static void settle_or_free(Net *n, int32_t s)
{
    if (is_ghost(n, s))
        free_ghost(n, s);   /* its implicit entry holds the same value */
    else
        settle(n, s);
}

/* The per-window all-gather of P ranks. Rank r's part: a header (its stop
 * request), then for each window member it owns the gate's view of that
 * member's pairs (out-target count, a state byte per member), then for each
 * slot of the last step's work list it owns, the current activation and
 * whether the slot settled. Every rank can compute every part's size from
 * replicated state, so one all-gather does it (n->allgather: MPI, or NCCL
 * between GPUs). */
enum { XHDR = 12, XACT = sizeof(double) + 1 };

static void exchange(Net *n, const int32_t *dslot, int nd)
{
    const int P = n->nranks, me = n->rank;
    const size_t np = n->nprev;
    const int32_t *po = n->prev_owner;
    int32_t down[MAX_WINDOW];
    size_t *cnt = n->xcounts, *cur = n->xcursor;
    for (int r = 0; r < P; r++)
        cnt[r] = XHDR;
    for (int di = 0; di < nd; di++) {
        down[di] = n->owner[dslot[di]];
        cnt[down[di]] += 4 + (size_t)nd;
    }
    for (int r = 0; r < P; r++)
        cnt[r] += XACT * n->prev_count[r];
    size_t total = 0;
    for (int r = 0; r < P; r++) {
        cur[r] = total;
        total += cnt[r];
    }
    GROW(n->xbuf, n->xcap, total + cnt[me]);
    unsigned char *out = n->xbuf + total, *o = out;

    uint32_t hdr[3] = { n->want_stop, n->want_checkpoint, n->want_snapshot };
    memcpy(o, hdr, XHDR);
    o += XHDR;
    for (int di = 0; di < nd; di++) {
        if (down[di] != me)
            continue;
        uint32_t nout;
        check(BE(n, gate_row, di, o + 4, &nout));
        memcpy(o, &nout, 4);
        o += 4 + nd;
    }
    for (size_t i = 0; i < np; i++) {
        if (po[i] != me)
            continue;
        memcpy(o, &n->act[n->prev_slot[i]], sizeof(double));
        o[sizeof(double)] = n->prev_settle[i];
        o += XACT;
    }
    check((size_t)(o - out) == cnt[me]);
    n->allgather(out, cnt[me], n->xbuf, cnt);

    /* one pass over each list, a cursor per rank's part (parts are in list
     * order) */
    for (int r = 0; r < P; r++) {
        memcpy(hdr, n->xbuf + cur[r], XHDR);
        cur[r] += XHDR;
        n->stop |= hdr[0] != 0;
        n->checkpoint_now |= hdr[1] != 0;
        n->snapshot_now |= hdr[2] != 0;
    }
    for (int di = 0; di < nd; di++) {
        int r = down[di];
        if (r != me) {
            uint32_t nout;
            memcpy(&nout, n->xbuf + cur[r], 4);
            BE(n, gate_set_row, di, n->xbuf + cur[r] + 4, nout);
        }
        cur[r] += 4 + (size_t)nd;
    }
    GROW(n->xsettle, n->xsettle_cap, np + 1);
    size_t nsettle = 0;
    for (size_t i = 0; i < np; i++) {
        int r = po[i];
        const unsigned char *in = n->xbuf + cur[r];
        cur[r] += XACT;
        int32_t s = n->prev_slot[i];
        if (n->id[s] != n->prev_id[i])
            continue;
        if (r != me) {
            memcpy(&n->act[s], in, sizeof(double));
            n->has_act[s] = 1;
        }
        if (in[sizeof(double)])
            n->xsettle[nsettle++] = s;
    }
    /* settle what the owners found settled, unless looked up since */
    for (size_t k = 0; k < nsettle; k++) {
        int32_t s = n->xsettle[k];
        if (n->listed[s] && n->act[s] == n->settled_value)
            settle_or_free(n, s);
    }
    n->nprev = 0;
    memset(n->prev_count, 0, (size_t)P * sizeof *n->prev_count);
}

/* A neuron looked up for this window is often cold (a rare word): its
 * per-neuron state is asked for at once, so that the misses overlap the
 * other look-ups instead of stalling the window scan, the pairs and the
 * step one at a time: 1.8 % fewer ticks in the window (look-ups to step)
 * at 1e5 on the corpus, in steady state (alternate windows, Zen 5). */
static void prefetch_slot(Net *n, int32_t s)
{
    __builtin_prefetch(&n->id[s]);
    __builtin_prefetch(&n->is_speaker[s]);
    __builtin_prefetch(&n->in_window[s]);
    BE(n, prefetch, s);
}

static void process_window(Net *n)
{
    const Params *p = &n->p;
    const int W = (int)p->window_size, nl = W + 1;
    int32_t lslot[MAX_WINDOW];
    int64_t lid[MAX_WINDOW];
    uint64_t t0 = clock_ticks(), evict0 = n->ticks[T_EVICT];

    /* 1. Look up / create every word of the window, in order (§5.1). A
     * cached lookup stays valid while that neuron lives: its word cannot
     * map to another neuron meanwhile. */
    for (int q = 0; q < W; q++) {
        uint32_t r = (n->ring_head + (uint32_t)q) % (uint32_t)W;
        if (slot_alive(n, n->ring_slot[r], n->ring_id[r])) {
            n->act[n->ring_slot[r]] = 1.0;
            n->has_act[n->ring_slot[r]] = 1;
            activate(n, n->ring_slot[r]);
        } else {
            int32_t s = lookup_or_create(n, n->ring[r], n->ring_len[r]);
            prefetch_slot(n, s);
            n->ring_slot[r] = s;
            n->ring_id[r] = n->id[s];
        }
    }
    lslot[0] = n->spk_slot;
    lid[0] = n->spk_id;
    /* the speaker is in every window without being looked up again: it
     * must be decayed and stepped like the words */
    if (slot_alive(n, n->spk_slot, n->spk_id)) {
        activate(n, n->spk_slot);
    } else if (p->activation_kernel == KERNEL_INCOMING) {
        /* evicted, but its id holds an activation entry again: it learns
         * on as a ghost */
        double a;
        int32_t g = ghost_slot_of(n, n->spk_id);
        if (g < 0 && net_activation_of(n, n->spk_id, &a))
            g = place_ghost(n, n->spk_id, a);
        if (g >= 0) {
            n->spk_slot = lslot[0] = g;
            activate(n, g);
        }
    }
    for (int q = 0; q < W; q++) {
        uint32_t r = (n->ring_head + (uint32_t)q) % (uint32_t)W;
        lslot[q + 1] = n->ring_slot[r];
        lid[q + 1] = n->ring_id[r];
    }
    uint64_t t1 = clock_ticks();
    n->ticks[T_VOCAB] += t1 - t0 - (n->ticks[T_EVICT] - evict0);   /* the evictions lie inside */
    t0 = t1;

    /* 3. The window as distinct living neurons with first/last positions;
     * dead ids (evicted while this window was looked up) take no part. */
    int32_t dslot[MAX_WINDOW], dfirst[MAX_WINDOW], dlast[MAX_WINDOW];
    int64_t did[MAX_WINDOW];
    int didx[MAX_WINDOW];
    int nd = 0;
    for (int q = 0; q < nl; q++) {
        didx[q] = -1;
        if (!slot_alive(n, lslot[q], lid[q]))
            continue;
        int k;
        for (k = 0; k < nd; k++)
            if (dslot[k] == lslot[q])
                break;
        if (k == nd) {
            dslot[nd] = lslot[q];
            did[nd] = lid[q];
            dfirst[nd] = q;
            nd++;
        }
        dlast[k] = q;
        didx[q] = k;
    }
    WindowView view = { nd, dslot, did, dfirst, dlast };
    BE(n, window_begin, &view);

    /* With P ranks: the window's one all-gather (activations of the last
     * step, what the gate must know, the stop flag). */
    if (n->nranks > 1) {
        t1 = clock_ticks();
        n->ticks[T_HEBBIAN] += t1 - t0;
        t0 = t1;
        exchange(n, dslot, nd);
        t1 = clock_ticks();
        n->ticks[T_ALLGATHER] += t1 - t0;
        t0 = t1;
    }

    /* 2. Activation decay over every living neuron (§10); a neuron without
     * an entry (a zombie) enters at the floor. Settled neurons are skipped:
     * the step would restore their value anyway. Without ghosts only the
     * window's members are decayed here (the Hebbian pairs read them), the
     * other listed neurons by the step, in the pass that reads them. */
    const bool step_decays = n->nghosts == 0;
    if (step_decays) {
        for (int di = 0; di < nd; di++) {
            int32_t s = dslot[di];
            n->act[s] = rule_activation_decay(p, n->act[s]);
            n->has_act[s] = 1;
            n->in_window[s] = 1;
        }
        if (n->entries_pending)
            for (size_t i = 0; i < n->nactive; i++)
                n->has_act[n->active[i]] = 1;
    } else {
        for (size_t i = 0; i < n->nactive; i++) {
            int32_t s = n->active[i];
            if (is_ghost(n, s))
                continue;   /* dead ids are not decayed */
            n->act[s] = rule_activation_decay(p, n->act[s]);
            n->has_act[s] = 1;
        }
    }
    n->entries_pending = false;

    /* 4. Hebbian pairs p < q through the sparsity gate (§8), whose view of
     * the window the backend keeps at the start of its state (gate.h).
     * The pairs that exist pass the gate without a draw: they are listed
     * apart, without a branch on their state (which no predictor learns),
     * and updated after the others in one call. Each update touches its
     * own connection alone, so only the order within a pair's updates and
     * the order of the draws matter, and both are kept: a pair that does
     * not exist yet is gated in order, and a later repetition of it in the
     * same window finds it created. */
    const double cp = p->connection_probability;
    const uint32_t maxc = (uint32_t)p->max_connections_per_neuron;
    const WindowGate *gate = n->be.st;
    const size_t npairs = (size_t)nl * (size_t)(nl - 1) / 2;
    GROW(n->pair_buf, n->pair_cap, 2 * npairs + 1);
    int32_t *exist = n->pair_buf, *maybe = n->pair_buf + npairs;
    size_t nexist = 0, nmaybe = 0;
    for (int a = 0; a < nl; a++) {
        int di = didx[a];
        if (di < 0)
            continue;
        for (int b = a + 1; b < nl; b++) {
            int dj = didx[b];
            if (dj < 0 || dj == di)
                continue;
            bool ex = gate->state[di * nd + dj] == GATE_EXISTS;
            exist[nexist] = maybe[nmaybe] = pair_code(di, dj);
            nexist += ex;
            nmaybe += !ex;
        }
    }
    double wact[MAX_WINDOW];
    for (int d = 0; d < nd; d++)
        wact[d] = n->act[dslot[d]];
    for (size_t k = 0; k < nmaybe; k++) {
        int di = pair_src(maybe[k]), dj = pair_dst(maybe[k]);
        if (gate->state[di * nd + dj] != GATE_EXISTS) {
            int32_t i = dslot[di], j = dslot[dj];
            if (!n->is_speaker[i] && !n->is_speaker[j]) {
                if (gate->nout[di] >= maxc)
                    continue;
                if (mt_random(&n->rng) > cp)
                    continue;
            }
        }
        BE(n, hebbian, di, dj, wact[di], wact[dj]);
    }
    BE(n, hebbian_pairs, exist, nexist, wact);
    t1 = clock_ticks();
    n->ticks[T_HEBBIAN] += t1 - t0;
    t0 = t1;

    /* 5. Fused decay / prune / activation over every row (§10, §11). */
    GROW(n->step_empty, n->step_empty_cap, n->nactive + 1);
    GROW(n->step_emptied, n->step_emptied_cap, n->nactive + 1);
    int32_t nemptied = 0;
    /* what the backend may reuse from the last step: the rows listed then,
     * unless look-ups set too many activations since to name them */
    const size_t set_max = sizeof n->act_set / sizeof *n->act_set;
    const bool known = n->nact_set <= set_max;
    StepArgs sa = {
        .mode = p->activation_kernel == KERNEL_INCOMING ? STEP_INCOMING
              : n->id_counter < p->dense_activation_min_ids ? STEP_MINMAX_ALL : STEP_MINMAX_DENSE,
        .slots = n->active, .nlist = (int32_t)n->nactive, .act = n->act,
        .member = step_decays ? n->in_window : NULL,
        .empty = n->step_empty, .emptied = n->step_emptied, .nemptied = &nemptied, .bias = p->bias,
        .asel_kept = known ? (int32_t)(n->nactive - n->nfresh) : 0,
        .act_set = n->act_set, .nact_set = known ? (int)n->nact_set : 0,
    };
    StepStats st = { 0, 0 };
    BE(n, step, &sa, &st);
    n->nfresh = n->nact_set = 0;
    for (int di = 0; di < nd; di++)
        n->in_window[dslot[di]] = 0;
    if (n->nranks == 1) {
        /* settle the neurons the step leaves where they are (backwards:
         * settling moves the entries after it one place down; only rows
         * left empty can settle) */
        for (int32_t e = nemptied; e-- > 0;) {
            int32_t s = n->active[n->step_emptied[e]];
            if (n->act[s] == n->settled_value)
                settle_or_free(n, s);
        }
    } else {
        /* the owners' new activations and settle flags travel in the next
         * window's all-gather; remember what was stepped */
        n->nprev = n->nactive;
        GROW(n->prev_slot, n->prev_cap, n->nprev + 1);
        n->prev_id = xrealloc(n->prev_id, n->prev_cap * sizeof *n->prev_id);
        n->prev_owner = xrealloc(n->prev_owner, n->prev_cap * sizeof *n->prev_owner);
        n->prev_settle = xrealloc(n->prev_settle, n->prev_cap);
        /* entries per owner, in four interleaved tallies: one tally would
         * chain every increment through the same few counters */
        const int P = n->nranks;
        size_t *tally = n->prev_tally;
        memset(tally, 0, 4 * (size_t)P * sizeof *tally);
        for (size_t i = 0; i < n->nactive; i++) {
            int32_t s = n->active[i];
            n->prev_slot[i] = s;
            n->prev_id[i] = n->id[s];
            n->prev_owner[i] = n->owner[s];
            n->prev_settle[i] = n->owner[s] == n->rank && n->step_empty[i] && n->act[s] == n->settled_value;
            tally[(i & 3) * (size_t)P + (size_t)n->owner[s]]++;
        }
        for (int r = 0; r < P; r++)
            n->prev_count[r] = tally[r] + tally[P + r] + tally[2 * P + r] + tally[3 * P + r];
    }
    n->c.decay_deleted += st.decay_deleted;
    n->c.pruned += st.pruned;

    if (p->activation_kernel == KERNEL_INCOMING) {
        n->k_last_step = n->id_counter;
        n->nkilled = 0;
        for (int q = 0; q < nl; q++)
            n->last_window_ids[q] = lid[q];
        n->last_window_n = nl;
    }
    n->c.windows++;
    n->ticks[T_STEP] += clock_ticks() - t0;
}

void net_request_stop(Net *n)
{
    n->want_stop = 1;
    if (n->nranks == 1)
        n->stop = true;
}

void net_request_checkpoint(Net *n)
{
    n->want_checkpoint = 1;
    if (n->nranks == 1)
        n->checkpoint_now = true;
}

void net_request_snapshot(Net *n)
{
    n->want_snapshot = 1;
    if (n->nranks == 1)
        n->snapshot_now = true;
}

/* ---- utterances ------------------------------------------------------------ */

static int32_t speaker_index(Net *n, const char *name)
{
    int64_t k = strmap_get(&n->speaker_idx, name, strlen(name));
    if (k >= 0)
        return (int32_t)k;
    GROW(n->speakers, n->speakers_cap, n->nspeakers + 1);
    Speaker *sp = &n->speakers[n->nspeakers];
    sp->name = xstrdup(name);
    char *low = NULL;
    size_t len = 0, cap = 0;
    py_lower(name, strlen(name), &low, &len, &cap);
    GROW(low, cap, len + 1);
    low[len] = '\0';
    sp->word = low;
    sp->blocks = 0;
    strmap_put(&n->speaker_idx, name, strlen(name), (int64_t)n->nspeakers);
    return (int32_t)n->nspeakers++;
}

void net_utterance_begin(Net *n, const char *speaker)
{
    check(!n->in_utterance);
    n->in_utterance = true;
    n->cur_speaker = speaker_index(n, speaker);
    n->utt_nliving0 = n->nliving;
    n->utt_windows0 = n->c.windows;
    n->utt_tokens = 0;
    n->ring_head = n->ring_n = 0;
    for (int64_t i = 0; i < n->p.window_size; i++)
        n->ring_slot[i] = -1;
    const char *w = n->speakers[n->cur_speaker].word;
    uint64_t t0 = clock_ticks(), evict0 = n->ticks[T_EVICT];
    n->spk_slot = lookup_or_create(n, w, strlen(w));
    n->spk_id = n->id[n->spk_slot];
    n->ticks[T_VOCAB] += clock_ticks() - t0 - (n->ticks[T_EVICT] - evict0);
}

/* The counting map's entry of a word whose hash_bytes is h. */
static void count_hashed(Net *n, const char *word, size_t len, uint64_t h, bool kept)
{
    int64_t k = strmap_get_hashed(&n->freq_idx, word, len, h);
    if (k < 0) {
        k = (int64_t)n->nfreq;
        size_t cap = n->freq_cap;
        GROW(n->freq_raw, cap, n->nfreq + 1);
        n->freq_kept = xrealloc(n->freq_kept, cap * sizeof *n->freq_kept);
        n->freq_cap = cap;
        n->freq_raw[k] = n->freq_kept[k] = 0;
        strmap_put(&n->freq_idx, word, len, k);
        n->nfreq++;
    }
    n->freq_raw[k]++;
    n->freq_kept[k] += kept;
}

void net_count_word(Net *n, const char *word, size_t len, bool kept)
{
    count_hashed(n, word, len, hash_bytes(word, len), kept);
}

void net_learn_word(Net *n, const char *word, size_t len)
{
    uint64_t h = hash_bytes(word, len);
    /* both look-ups of a rare word miss: the vocabulary's comes in this
     * token's window, the counting map's after it, so both entries are
     * asked for now */
    strmap_prefetch(&n->vocab, h);
    strmap_prefetch(&n->freq_idx, h);
    net_token(n, word, len);
    count_hashed(n, word, len, h, true);
}

void net_token(Net *n, const char *word, size_t len)
{
    check(n->in_utterance);
    uint32_t W = (uint32_t)n->p.window_size;
    uint32_t r;
    if (n->ring_n < W) {
        r = n->ring_n++;
    } else {
        r = n->ring_head;
        n->ring_head = (n->ring_head + 1) % W;
    }
    GROW(n->ring[r], n->ring_cap[r], len + 1);
    memcpy(n->ring[r], word, len);
    n->ring[r][len] = '\0';
    n->ring_len[r] = len;
    n->ring_slot[r] = -1;
    n->utt_tokens++;
    n->c.tokens++;
    if (n->hist_tokens < (uint64_t)n->p.history_tokens) {
        GROW(n->hist_text, n->hist_cap, n->hist_len + len + 1);
        memcpy(n->hist_text + n->hist_len, word, len + 1);
        n->hist_len += len + 1;
        n->hist_tokens++;
    } else {
        n->history_complete = false;
    }
    if (n->ring_n == W)
        process_window(n);
}

/* §5.5: after each utterance, concept_neurons takes every word_to_neuron
 * entry if word_to_neuron grew; then every concept word missing from
 * word_to_neuron comes back under its old id, with no connections and no
 * activation entry (a "zombie"). */
static void sync_concepts(Net *n)
{
    if (n->nliving > n->utt_nliving0) {
        for (int32_t s = n->w2n_head; s >= 0; s = n->w2n_next[s]) {
            size_t len = strlen(n->word[s]);
            int64_t k = strmap_get(&n->concept_idx, n->word[s], len);
            if (k >= 0) {
                n->concepts[k].id = n->id[s];
            } else {
                GROW(n->concepts, n->concepts_cap, n->nconcepts + 1);
                const char *key = strmap_put(&n->concept_idx, n->word[s], len, (int64_t)n->nconcepts);
                n->concepts[n->nconcepts].word = key;
                n->concepts[n->nconcepts].id = n->id[s];
                n->nconcepts++;
            }
        }
    }
    if (n->nconcepts > (size_t)n->nliving) {
        for (size_t k = 0; k < n->nconcepts; k++) {
            const Concept *c = &n->concepts[k];
            size_t len = strlen(c->word);
            if (strmap_get(&n->vocab, c->word, len) >= 0)
                continue;
            /* incoming kernel: the dead id may still hold an entry */
            double a = 0.0;
            bool has = n->p.activation_kernel == KERNEL_INCOMING && net_activation_of(n, c->id, &a);
            int32_t s = place_neuron(n, c->word, len, c->id);
            n->has_act[s] = has;
            n->act[s] = a;
            n->c.zombies++;
            n->entries_pending |= !has;
        }
    }
}

void net_utterance_end(Net *n)
{
    check(n->in_utterance);
    Speaker *sp = &n->speakers[n->cur_speaker];
    SelfConcept sc;
    net_self_concept(n, (size_t)n->cur_speaker, &sc);
    GROW(n->history, n->history_cap, n->nhistory + 1);
    n->history[n->nhistory++] = (UttRecord){
        .speaker = n->cur_speaker,
        .tokens = n->utt_tokens,
        .first_window = n->utt_windows0,
        .self_concept_mass = sc.mass,
    };
    sp->blocks++;
    n->c.utterances++;
    sync_concepts(n);
    n->in_utterance = false;
}

/* ---- outputs ---------------------------------------------------------------- */

int32_t net_slot_of_word(const Net *n, const char *word)
{
    return (int32_t)strmap_get(&n->vocab, word, strlen(word));
}

const char *const net_timer_names[T_COUNT] = { "vocabulary", "hebbian", "decay_prune_activation", "allgather",
                                                "evictions", "io" };

double net_timer(const Net *n, NetTimer t)
{
    return n->timer[t] + ticks_seconds(n->ticks[t]);
}

int32_t net_ghost_slot(const Net *n, int64_t id)
{
    return ghost_slot_of(n, id);
}

bool net_activation_of(const Net *n, int64_t id, double *a)
{
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] == id) {
            *a = n->act[s];
            return n->has_act[s];
        }
    return net_dead_entry(n, id, a);
}

bool net_dead_entry(const Net *n, int64_t id, double *a)
{
    if (n->p.activation_kernel != KERNEL_INCOMING || id >= n->k_last_step)
        return false;
    for (size_t k = 0; k < n->nkilled; k++)
        if (n->killed_since_step[k] == id)
            return false;
    *a = rule_sigmoid(n->p.bias);
    for (int32_t q = 0; q < n->last_window_n; q++)
        if (n->last_window_ids[q] == id)
            *a = 1.0;
    return true;
}

static void add_mass(void *ctx, int32_t src, int32_t dst, double w, double m)
{
    (void)src;
    (void)dst;
    (void)w;
    *(double *)ctx += m;
}

bool net_mass_in_order(const Net *n, int32_t slot, double *mass)
{
    *mass = 0.0;
    if (n->nranks > 1)
        return false;
    BE(n, for_each_touching, slot, add_mass, mass);
    return true;
}

uint64_t net_connections(const Net *n)
{
    return comm_sum_u64(n->be.ops->connection_count(n->be.st));
}

/* ---- gathering the outputs ------------------------------------------------- */

typedef struct EdgeBuf {
    const Net *n;
    NetEdge *e;
    size_t len, cap;
} EdgeBuf;

static void collect_edge(void *ctx, int32_t src, int32_t dst, double w, double m)
{
    EdgeBuf *b = ctx;
    GROW(b->e, b->cap, b->len + 1);
    b->e[b->len++] = (NetEdge){ b->n->id[src], b->n->id[dst], w, m };
}

static int cmp_edge(const void *a, const void *b)
{
    const NetEdge *x = a, *y = b;
    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    return (x->dst > y->dst) - (x->dst < y->dst);
}

typedef struct SlotRec {
    int32_t slot;
    uint8_t has_act;
    double act, mass;
} SlotRec;

void net_outputs(Net *n, NetOutputs *o)
{
    memset(o, 0, sizeof *o);
    /* connections: every rank's outgoing copies */
    EdgeBuf eb = { n, NULL, 0, 0 };
    n->be.ops->for_each(n->be.st, collect_edge, &eb);
    size_t bytes;
    NetEdge *all = comm_gather(eb.e, eb.len * sizeof *eb.e, &bytes);
    free(eb.e);
    /* activations and masses of the neurons each rank owns */
    SlotRec *mine = xmalloc(((size_t)n->nslots + 1) * sizeof *mine);
    size_t k = 0;
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] >= 0 && owns(n, n->id[s]))
            mine[k++] = (SlotRec){ s, n->has_act[s], n->act[s], BE(n, mass_sum, s) };
    size_t sbytes;
    SlotRec *recs = comm_gather(mine, k * sizeof *mine, &sbytes);
    free(mine);
    uint64_t held = n->be.ops->connection_count(n->be.st);
    size_t hbytes;
    uint64_t *per_rank = comm_gather(&held, sizeof held, &hbytes);
    double mem[2] = { (double)n->be.ops->bytes(n->be.st), (double)n->be.ops->neuron_bytes(n->be.st) };
    comm_sum(mem, 2);
    if (n->rank != 0) {
        free(all);
        free(recs);
        free(per_rank);
        return;
    }
    o->edges = all;
    o->nedges = bytes / sizeof *all;
    if (o->nedges > 1)
        qsort(o->edges, o->nedges, sizeof *o->edges, cmp_edge);
    size_t ns = (size_t)n->nslots + 1;
    o->act = xcalloc(ns, sizeof *o->act);
    o->has_act = xcalloc(ns, 1);
    o->mass = xcalloc(ns, sizeof *o->mass);
    for (size_t i = 0; i < sbytes / sizeof *recs; i++) {
        o->act[recs[i].slot] = recs[i].act;
        o->has_act[recs[i].slot] = recs[i].has_act;
        o->mass[recs[i].slot] = recs[i].mass;
    }
    free(recs);
    o->rank_connections = per_rank;
    o->connection_bytes = (size_t)mem[0];
    o->neuron_bytes = (size_t)mem[1];
}

void net_outputs_free(NetOutputs *o)
{
    free(o->edges);
    free(o->act);
    free(o->has_act);
    free(o->mass);
    free(o->rank_connections);
    memset(o, 0, sizeof *o);
}

/* Fallback of §13 when the speaker has no neuron: the pronoun's
 * connections with mass above the floor, strongest ten kept (stable for
 * equal masses). Filled by the rank holding the pronoun's row. */
enum { SC_FOUND, SC_W, SC_M, SC_AS, SC_AP, SC_SUM, SC_NLINKS, SC_LINKS, SC_STRIDE = SC_LINKS + 3 * SELF_CONCEPT_LINKS };

typedef struct Touching {
    Net *n;
    int32_t pronoun;
    double *v;        /* this pronoun's SC_STRIDE numbers */
} Touching;

static void touching_link(void *ctx, int32_t src, int32_t dst, double w, double m)
{
    Touching *t = ctx;
    if (!(m > t->n->p.self_concept_min_mass))
        return;
    double *v = t->v, *links = v + SC_LINKS;
    v[SC_SUM] += m;
    int k = v[SC_NLINKS] < SELF_CONCEPT_LINKS ? (int)v[SC_NLINKS]++ : SELF_CONCEPT_LINKS;
    while (k > 0 && links[3 * (k - 1) + 2] < m) {
        if (k < SELF_CONCEPT_LINKS)
            memcpy(links + 3 * k, links + 3 * (k - 1), 3 * sizeof *links);
        k--;
    }
    if (k < SELF_CONCEPT_LINKS) {
        links[3 * k] = src == t->pronoun ? dst : src;
        links[3 * k + 1] = w;
        links[3 * k + 2] = m;
    }
}

/* The GPU class's analyze_speaker_self_concept (§13). Each rank adds what
 * its rows and activations hold; one small sum over ranks completes it. */
void net_self_concept(Net *n, size_t si, SelfConcept *out)
{
    const Params *p = &n->p;
    const Speaker *sp = &n->speakers[si];
    memset(out, 0, sizeof *out);
    out->speaker_neuron_id = -1;

    size_t klen = strlen(sp->word) + 9;
    char *key = xmalloc(klen);
    snprintf(key, klen, "speaker_%s", sp->word);
    int32_t s = net_slot_of_word(n, key);
    free(key);
    if (s < 0)
        s = net_slot_of_word(n, sp->word);
    if (s >= 0)
        out->speaker_neuron_id = n->id[s];

    double v[MAX_PRONOUNS * SC_STRIDE];
    int32_t pslot[MAX_PRONOUNS];
    memset(v, 0, sizeof v);
    for (int k = 0; k < p->n_self_pronouns; k++) {
        int32_t ps = pslot[k] = net_slot_of_word(n, p->self_pronouns[k]);
        double *vk = v + k * SC_STRIDE;
        if (ps < 0)
            continue;
        if (s < 0) {
            if (owns(n, n->id[ps])) {
                Touching t = { n, ps, vk };
                BE(n, for_each_touching, ps, touching_link, &t);
            }
            continue;
        }
        /* only the (min id -> max id) connection counts; with none, the
         * reference makes a mass up from the activations (§16.16) */
        int32_t lo = n->id[s] < n->id[ps] ? s : ps, hi = lo == s ? ps : s;
        if (owns(n, n->id[lo]))
            vk[SC_FOUND] = BE(n, find, lo, hi, &vk[SC_W], &vk[SC_M]);
        if (owns(n, n->id[s]))
            vk[SC_AS] = n->has_act[s] ? n->act[s] : 0.0;
        if (owns(n, n->id[ps]))
            vk[SC_AP] = n->has_act[ps] ? n->act[ps] : 0.0;
    }
    comm_sum(v, p->n_self_pronouns * SC_STRIDE);

    for (int k = 0; k < p->n_self_pronouns; k++) {
        if (pslot[k] < 0)
            continue;
        const double *vk = v + k * SC_STRIDE;
        SelfConceptPart *part = &out->parts[out->nparts];
        memset(part, 0, sizeof *part);
        part->pronoun = p->self_pronouns[k];
        part->neuron_id = n->id[pslot[k]];
        if (s < 0) {
            part->mass = vk[SC_SUM];
            part->nlinks = (int)vk[SC_NLINKS];
            for (int l = 0; l < part->nlinks; l++)
                part->links[l] = (SelfConceptLink){ "", n->word[(int32_t)vk[SC_LINKS + 3 * l]],
                                                    vk[SC_LINKS + 3 * l + 1], vk[SC_LINKS + 3 * l + 2] };
        } else {
            bool found = vk[SC_FOUND] != 0.0;
            part->mass = found ? vk[SC_M] : vk[SC_AS] * vk[SC_AP] * p->self_concept_activation_scale;
            part->nlinks = 1;
            part->links[0] = (SelfConceptLink){ "speaker_to_", part->pronoun, found ? vk[SC_W] : 0.0, part->mass };
        }
        if (part->mass > p->self_concept_min_mass) {
            out->mass += part->mass;
            out->nparts++;
        }
    }
}

/* ---- checkpoints ------------------------------------------------------------
 *
 * The model's state by id (never by slot or rank): neurons in id order,
 * each with its row of connection copies in row order (rows hold both
 * directions, so each connection appears twice, as in memory); row
 * lengths give every neuron's place in the rows arrays, which each rank
 * writes for the neurons it owns. The work list, the settled heap, free
 * slots and cached lookups are not saved: they only make windows cheaper
 * and are rebuilt (every neuron starts on the work list). */

static int cmp_idslot(const void *a, const void *b)
{
    const IdSlot *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

IdSlot *net_by_id(const Net *n, bool ghosts, size_t *count)
{
    IdSlot *v = xmalloc(((size_t)n->nslots + 1) * sizeof *v);
    size_t k = 0;
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] >= 0 && (ghosts || n->word[s]))
            v[k++] = (IdSlot){ n->id[s], s };
    qsort(v, k, sizeof *v, cmp_idslot);
    *count = k;
    return v;
}

static int cmp_pair(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

int32_t net_by_id_find(const IdSlot *v, size_t count, int64_t id)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && v[lo].id == id ? v[lo].slot : -1;
}

static void put_word_at(void *ctx, const char *key, int64_t value)
{
    ((const char **)ctx)[value] = key;
}

void net_save(Net *n, Ckpt *c)
{
    size_t nn;
    IdSlot *by_id = net_by_id(n, true, &nn);

    ckpt_group(c, "/model");
    ckpt_put_i64(c, "id_counter", n->id_counter);
    ckpt_put_i64(c, "living_neurons", n->nliving);
    ckpt_put_i64(c, "windows", (int64_t)n->c.windows);
    ckpt_put_i64(c, "tokens", (int64_t)n->c.tokens);
    ckpt_put_i64(c, "words", (int64_t)n->c.words);
    ckpt_put_i64(c, "utterances", (int64_t)n->c.utterances);
    ckpt_put_i64(c, "evictions", (int64_t)n->c.evictions);
    ckpt_put_i64(c, "zombies", (int64_t)n->c.zombies);
    ckpt_put_i64(c, "created", (int64_t)n->c.created);
    /* counted by each rank for the rows it holds */
    ckpt_put_i64(c, "decay_deleted", (int64_t)comm_sum_u64(n->c.decay_deleted));
    ckpt_put_i64(c, "pruned", (int64_t)comm_sum_u64(n->c.pruned));
    ckpt_put_i64(c, "rng_index", n->rng.index);
    ckpt_put_array(c, "rng_state", CK_U32, n->rng.mt, MT_N);

    /* neurons: replicated facts, then what each owner holds */
    int64_t *ids = xmalloc((nn + 1) * sizeof *ids), *w2n = xmalloc((nn + 1) * sizeof *w2n);
    uint8_t *has = xmalloc(nn + 1);
    const char **words = xmalloc((nn + 1) * sizeof *words);
    int64_t pos = 0;
    for (int32_t s = n->w2n_head; s >= 0; s = n->w2n_next[s])
        n->w2n_pos_scratch[s] = pos++;
    for (size_t i = 0; i < nn; i++) {
        int32_t s = by_id[i].slot;
        ids[i] = n->id[s];
        words[i] = n->word[s];   /* NULL (stored as "") for a ghost */
        has[i] = n->has_act[s];
        w2n[i] = n->word[s] ? n->w2n_pos_scratch[s] : -1;
    }
    ckpt_group(c, "/model/neurons");
    ckpt_put_array(c, "id", CK_I64, ids, nn);
    ckpt_put_strings(c, "word", words, nn);
    ckpt_put_array(c, "word_to_neuron_order", CK_I64, w2n, nn);
    ckpt_put_array(c, "has_activation", CK_U8, has, nn);

    /* row lengths of every neuron (owners contribute), then offsets */
    double *len = xcalloc(nn + 1, sizeof *len);
    for (size_t i = 0; i < nn; i++)
        if (owns(n, ids[i]))
            len[i] = n->be.ops->row_len(n->be.st, by_id[i].slot);
    comm_sum(len, (int)nn);
    uint64_t *start = xmalloc((nn + 1) * sizeof *start), total = 0;
    for (size_t i = 0; i < nn; i++) {
        start[i] = total;
        total += (uint64_t)len[i];
    }
    /* the owner's parts: activation, out-target count, row */
    size_t nown = 0, nent = 0;
    for (size_t i = 0; i < nn; i++)
        if (owns(n, ids[i])) {
            nown++;
            nent += (size_t)len[i];
        }
    uint64_t *runs = xmalloc((nown + 1) * 2 * sizeof *runs), *eruns = xmalloc((nown + 1) * 2 * sizeof *eruns);
    double *act = xmalloc((nown + 1) * sizeof *act);
    uint32_t *nout = xmalloc((nown + 1) * sizeof *nout);
    int64_t *partner = xmalloc((nent + 1) * sizeof *partner);
    uint8_t *incoming = xmalloc(nent + 1);
    double *w = xmalloc((nent + 1) * sizeof *w), *m = xmalloc((nent + 1) * sizeof *m);
    RowEntry *row = NULL;
    size_t rowcap = 0, k = 0, e = 0;
    for (size_t i = 0; i < nn; i++) {
        if (!owns(n, ids[i]))
            continue;
        int32_t s = by_id[i].slot;
        runs[2 * k] = i;
        runs[2 * k + 1] = 1;
        act[k] = n->act[s];
        GROW(row, rowcap, (size_t)len[i] + 1);
        int32_t rl = n->be.ops->row_get(n->be.st, s, row, &nout[k]);
        check((double)rl == len[i]);
        eruns[2 * k] = start[i];
        eruns[2 * k + 1] = (uint64_t)rl;
        for (int32_t q = 0; q < rl; q++, e++) {
            partner[e] = n->id[row[q].partner];
            incoming[e] = row[q].in;
            w[e] = row[q].w;
            m[e] = row[q].m;
        }
        k++;
    }
    ckpt_put_runs(c, "activation", CK_F64, act, runs, nown, nn);
    ckpt_put_runs(c, "out_targets", CK_U32, nout, runs, nown, nn);
    ckpt_put_array(c, "row_start", CK_I64, start, nn);
    ckpt_group(c, "/model/rows");
    ckpt_put_runs(c, "partner", CK_I64, partner, eruns, nown, total);
    ckpt_put_runs(c, "incoming", CK_U8, incoming, eruns, nown, total);
    ckpt_put_runs(c, "w", CK_F64, w, eruns, nown, total);
    ckpt_put_runs(c, "m", CK_F64, m, eruns, nown, total);
    free(row); free(partner); free(incoming); free(w); free(m); free(act); free(nout);
    free(runs); free(eruns); free(len); free(start);

    /* stale out-target pairs, gathered to one list sorted by (src, dst) */
    size_t ns = n->be.ops->stale_get(n->be.st, NULL, 0);
    int32_t *sp = xmalloc((2 * ns + 2) * sizeof *sp);
    n->be.ops->stale_get(n->be.st, sp, ns);
    int64_t *sid = xmalloc((2 * ns + 2) * sizeof *sid);
    for (size_t i = 0; i < 2 * ns; i++)
        sid[i] = n->id[sp[i]];
    size_t sbytes;
    int64_t *all = comm_gather(sid, 2 * ns * sizeof *sid, &sbytes);
    size_t nall = comm_rank() == 0 ? sbytes / (2 * sizeof *all) : 0;
    if (nall > 1)
        qsort(all, nall, 2 * sizeof *all, cmp_pair);
    int64_t *src = xmalloc((nall + 1) * sizeof *src), *dst = xmalloc((nall + 1) * sizeof *dst);
    for (size_t i = 0; i < nall; i++) {
        src[i] = all[2 * i];
        dst[i] = all[2 * i + 1];
    }
    uint64_t one_run[2] = { 0, nall };
    uint64_t nstale = comm_sum_u64(ns);
    ckpt_group(c, "/model/stale");
    ckpt_put_runs(c, "source", CK_I64, src, one_run, 1, nstale);
    ckpt_put_runs(c, "target", CK_I64, dst, one_run, 1, nstale);
    free(sp); free(sid); free(all); free(src); free(dst);

    /* concept_neurons, speakers, history, the current utterance */
    const char **cw = xmalloc((n->nconcepts + 1) * sizeof *cw);
    int64_t *cid = xmalloc((n->nconcepts + 1) * sizeof *cid);
    for (size_t i = 0; i < n->nconcepts; i++) {
        cw[i] = n->concepts[i].word;
        cid[i] = n->concepts[i].id;
    }
    ckpt_group(c, "/model/concepts");
    ckpt_put_strings(c, "word", cw, n->nconcepts);
    ckpt_put_array(c, "id", CK_I64, cid, n->nconcepts);
    free(cw);
    free(cid);

    const char **names = xmalloc((n->nspeakers + 1) * sizeof *names);
    int64_t *blocks = xmalloc((n->nspeakers + 1) * sizeof *blocks);
    for (size_t i = 0; i < n->nspeakers; i++) {
        names[i] = n->speakers[i].name;
        blocks[i] = (int64_t)n->speakers[i].blocks;
    }
    ckpt_group(c, "/model/speakers");
    ckpt_put_strings(c, "name", names, n->nspeakers);
    ckpt_put_array(c, "utterances", CK_I64, blocks, n->nspeakers);
    free(names);
    free(blocks);

    size_t nh = n->nhistory;
    int32_t *hs = xmalloc((nh + 1) * sizeof *hs);
    int64_t *ht = xmalloc((nh + 1) * sizeof *ht), *hw = xmalloc((nh + 1) * sizeof *hw);
    double *hm = xmalloc((nh + 1) * sizeof *hm);
    for (size_t i = 0; i < nh; i++) {
        hs[i] = n->history[i].speaker;
        ht[i] = (int64_t)n->history[i].tokens;
        hw[i] = (int64_t)n->history[i].first_window;
        hm[i] = n->history[i].self_concept_mass;
    }
    ckpt_group(c, "/model/history");
    ckpt_put_array(c, "speaker", CK_I32, hs, nh);
    ckpt_put_array(c, "tokens", CK_I64, ht, nh);
    ckpt_put_array(c, "first_window", CK_I64, hw, nh);
    ckpt_put_array(c, "self_concept_mass", CK_F64, hm, nh);
    free(hs); free(ht); free(hw); free(hm);
    /* the utterances' tokens, as long as history_tokens allowed */
    ckpt_put_i64(c, "tokens_complete", n->history_complete);
    ckpt_put_array(c, "token_utf8", CK_U8, n->hist_text, n->hist_len);

    /* word frequencies, in order of first occurrence */
    const char **fw = xcalloc(n->nfreq + 1, sizeof *fw);
    strmap_each(&n->freq_idx, put_word_at, fw);
    ckpt_group(c, "/model/word_counts");
    ckpt_put_strings(c, "word", fw, n->nfreq);
    ckpt_put_array(c, "raw", CK_I64, n->freq_raw, n->nfreq);
    ckpt_put_array(c, "after_kill_list", CK_I64, n->freq_kept, n->nfreq);
    free(fw);

    ckpt_group(c, "/model/utterance");
    ckpt_put_i64(c, "in_utterance", n->in_utterance);
    ckpt_put_i64(c, "speaker", n->cur_speaker);
    ckpt_put_i64(c, "speaker_id", n->spk_id);
    ckpt_put_i64(c, "living_at_start", n->utt_nliving0);
    ckpt_put_i64(c, "windows_at_start", (int64_t)n->utt_windows0);
    ckpt_put_i64(c, "tokens", (int64_t)n->utt_tokens);
    const char **ring = xmalloc(((size_t)n->p.window_size + 1) * sizeof *ring);
    for (uint32_t q = 0; q < n->ring_n; q++)
        ring[q] = n->ring[(n->ring_head + q) % (uint32_t)n->p.window_size];
    ckpt_put_strings(c, "ring", ring, n->ring_n);
    free(ring);

    ckpt_group(c, "/model/incoming_kernel");
    ckpt_put_i64(c, "ids_at_last_step", n->k_last_step);
    ckpt_put_array(c, "last_window_ids", CK_I64, n->last_window_ids, (size_t)n->last_window_n);
    ckpt_put_array(c, "killed_since_step", CK_I64, n->killed_since_step, n->nkilled);
    free(ids); free(w2n); free(has); free(words); free(by_id);
}

typedef struct W2nPos {
    int64_t pos;
    int32_t slot;
} W2nPos;

static int cmp_w2n(const void *a, const void *b)
{
    const W2nPos *x = a, *y = b;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* A checkpoint that breaks an invariant the model relies on is refused
 * with the reason, never half-loaded (files are checksummed, so this is a
 * foreign or hand-made file, or a bug). */
static void need(const Ckpt *c, bool ok, const char *what)
{
    if (!ok)
        die("checkpoint %s: damaged or foreign file: %s", ckpt_path(c), what);
}

void net_load(Net *n, Ckpt *c)
{
    ckpt_group(c, "/model");
    n->id_counter = ckpt_get_i64(c, "id_counter");
    n->c.windows = (uint64_t)ckpt_get_i64(c, "windows");
    n->c.tokens = (uint64_t)ckpt_get_i64(c, "tokens");
    n->c.words = (uint64_t)ckpt_get_i64(c, "words");
    n->c.utterances = (uint64_t)ckpt_get_i64(c, "utterances");
    n->c.evictions = (uint64_t)ckpt_get_i64(c, "evictions");
    n->c.zombies = (uint64_t)ckpt_get_i64(c, "zombies");
    n->c.created = (uint64_t)ckpt_get_i64(c, "created");
    /* rank 0 carries the totals; every rank counts on from there */
    n->c.decay_deleted = n->rank == 0 ? (uint64_t)ckpt_get_i64(c, "decay_deleted") : 0;
    n->c.pruned = n->rank == 0 ? (uint64_t)ckpt_get_i64(c, "pruned") : 0;
    size_t cnt;
    uint32_t *mt = ckpt_get_array(c, "rng_state", CK_U32, &cnt);
    if (cnt != MT_N)
        die("checkpoint %s: RNG state has %zu words, not %d", ckpt_path(c), cnt, MT_N);
    memcpy(n->rng.mt, mt, sizeof n->rng.mt);
    int64_t rng_index = ckpt_get_i64(c, "rng_index");
    need(c, rng_index >= 0 && rng_index <= MT_N, "RNG index out of range");
    need(c, n->id_counter >= 0, "negative id counter");
    n->rng.index = (uint32_t)rng_index;
    free(mt);

    ckpt_group(c, "/model/neurons");
    size_t nn, k;
    int64_t *ids = ckpt_get_array(c, "id", CK_I64, &nn);
    char **words = ckpt_get_strings(c, "word", &k);
    need(c, k == nn, "neuron tables of different lengths");
    need(c, nn < INT32_MAX, "too many neurons");
    int64_t *w2n = ckpt_get_array_n(c, "word_to_neuron_order", CK_I64, nn);
    uint8_t *has = ckpt_get_array_n(c, "has_activation", CK_U8, nn);
    double *act = ckpt_get_array_n(c, "activation", CK_F64, nn);
    uint32_t *nout = ckpt_get_array_n(c, "out_targets", CK_U32, nn);
    int64_t *start = ckpt_get_array_n(c, "row_start", CK_I64, nn);

    /* slots 0..nn-1 in id order; vocabulary; word_to_neuron order */
    ensure_slots(n, (int32_t)nn + 1);
    n->nslots = (int32_t)nn;
    W2nPos *order = xmalloc((nn + 1) * sizeof *order);
    size_t nw = 0;
    IdSlot *by_id = xmalloc((nn + 1) * sizeof *by_id);
    size_t plen = strlen(n->p.speaker_prefix);
    for (size_t i = 0; i < nn; i++) {
        int32_t s = (int32_t)i;
        if (i && ids[i] <= ids[i - 1])
            die("checkpoint %s: neuron ids not increasing", ckpt_path(c));
        need(c, ids[i] >= 0 && ids[i] < n->id_counter, "a neuron id outside 0..id_counter-1");
        by_id[i] = (IdSlot){ ids[i], s };
        set_id(n, s, ids[i]);
        n->act[s] = act[i];
        n->has_act[s] = has[i];
        n->entries_pending |= !has[i];
        if (w2n[i] >= 0) {
            size_t len = strlen(words[i]);
            need(c, strmap_get(&n->vocab, words[i], len) < 0, "a word held by two neurons");
            n->word[s] = strmap_put(&n->vocab, words[i], len, s);
            n->is_speaker[s] = len >= plen && memcmp(words[i], n->p.speaker_prefix, plen) == 0;
            order[nw++] = (W2nPos){ w2n[i], s };
            n->nliving++;
        } else {
            n->word[s] = NULL;
            n->is_speaker[s] = 0;
            n->nghosts++;
        }
        BE(n, add_neuron, s, owns(n, ids[i]));
        activate(n, s);
    }
    qsort(order, nw, sizeof *order, cmp_w2n);
    for (size_t i = 0; i < nw; i++)
        w2n_append(n, order[i].slot);

    /* rows of the neurons this rank owns, read in blocks */
    ckpt_group(c, "/model/rows");
    size_t total = ckpt_len(c, "partner");
    for (size_t i = 0; i < nn; i++)
        need(c, start[i] >= (i ? start[i - 1] : 0) && (size_t)start[i] <= total && (i || start[0] == 0),
             "row starts not increasing from 0 within the rows");
    enum { BLOCK_MAX = 1 << 20 };
    size_t block = total < BLOCK_MAX ? total + 1 : BLOCK_MAX;   /* small files: small buffers */
    RowEntry *row = NULL;
    bool *fwd = NULL;
    size_t rowcap = 0;
    int64_t *bp = xmalloc(block * sizeof *bp);
    uint8_t *bi = xmalloc(block);
    double *bw = xmalloc(block * sizeof *bw), *bm = xmalloc(block * sizeof *bm);
    size_t bstart = 0, blen = 0;
    for (size_t i = 0; i < nn; i++) {
        size_t end = i + 1 < nn ? (size_t)start[i + 1] : total;
        size_t rl = end - (size_t)start[i];
        if (!owns(n, ids[i]))
            continue;
        GROW(row, rowcap, rl + 1);
        fwd = xrealloc(fwd, rowcap * sizeof *fwd);
        for (size_t q = 0; q < rl; q++) {
            size_t at = (size_t)start[i] + q;
            if (at < bstart || at >= bstart + blen) {
                bstart = at;
                blen = total - at < block ? total - at : block;
                ckpt_get_part(c, "partner", CK_I64, bp, blen, bstart);
                ckpt_get_part(c, "incoming", CK_U8, bi, blen, bstart);
                ckpt_get_part(c, "w", CK_F64, bw, blen, bstart);
                ckpt_get_part(c, "m", CK_F64, bm, blen, bstart);
            }
            size_t o = at - bstart;
            need(c, bi[o] <= 1, "a row entry neither outgoing nor incoming");
            int32_t ps = net_by_id_find(by_id, nn, bp[o]);
            if (ps < 0)
                die("checkpoint %s: a connection names neuron %lld, which is not stored", ckpt_path(c),
                    (long long)bp[o]);
            row[q] = (RowEntry){ ps, bi[o], bw[o], bm[o] };
            int64_t src = bi[o] ? bp[o] : ids[i], dst = bi[o] ? ids[i] : bp[o];
            fwd[q] = src < dst;
        }
        n->be.ops->row_set(n->be.st, (int32_t)i, row, fwd, (int32_t)rl, nout[i]);
    }
    free(row); free(fwd); free(bp); free(bi); free(bw); free(bm);

    ckpt_group(c, "/model/stale");
    size_t nst;
    int64_t *ssrc = ckpt_get_array(c, "source", CK_I64, &nst);
    int64_t *sdst = ckpt_get_array_n(c, "target", CK_I64, nst);
    for (size_t i = 0; i < nst; i++) {
        int32_t ss = net_by_id_find(by_id, nn, ssrc[i]), ds = net_by_id_find(by_id, nn, sdst[i]);
        need(c, ss >= 0 && ds >= 0, "a stale out-target names a neuron that is not stored");
        if (owns(n, ssrc[i]))
            n->be.ops->stale_add(n->be.st, ss, ds);
    }
    free(ssrc);
    free(sdst);

    ckpt_group(c, "/model/concepts");
    size_t nc;
    char **cw = ckpt_get_strings(c, "word", &nc);
    int64_t *cid = ckpt_get_array_n(c, "id", CK_I64, nc);
    for (size_t i = 0; i < nc; i++) {
        GROW(n->concepts, n->concepts_cap, n->nconcepts + 1);
        const char *key = strmap_put(&n->concept_idx, cw[i], strlen(cw[i]), (int64_t)n->nconcepts);
        n->concepts[n->nconcepts++] = (Concept){ key, cid[i] };
        free(cw[i]);
    }
    free(cw);
    free(cid);

    ckpt_group(c, "/model/speakers");
    size_t nsp;
    char **names = ckpt_get_strings(c, "name", &nsp);
    int64_t *blocks = ckpt_get_array_n(c, "utterances", CK_I64, nsp);
    for (size_t i = 0; i < nsp; i++) {
        int32_t si = speaker_index(n, names[i]);
        n->speakers[si].blocks = (uint64_t)blocks[i];
        free(names[i]);
    }
    free(names);
    free(blocks);

    ckpt_group(c, "/model/history");
    size_t nh;
    int32_t *hs = ckpt_get_array(c, "speaker", CK_I32, &nh);
    int64_t *ht = ckpt_get_array_n(c, "tokens", CK_I64, nh);
    int64_t *hw = ckpt_get_array_n(c, "first_window", CK_I64, nh);
    double *hm = ckpt_get_array_n(c, "self_concept_mass", CK_F64, nh);
    GROW(n->history, n->history_cap, nh + 1);
    for (size_t i = 0; i < nh; i++)
        need(c, hs[i] >= 0 && (size_t)hs[i] < n->nspeakers, "an utterance by an unknown speaker");
    for (size_t i = 0; i < nh; i++)
        n->history[i] = (UttRecord){ hs[i], (uint64_t)ht[i], (uint64_t)hw[i], hm[i] };
    n->nhistory = nh;
    free(hs); free(ht); free(hw); free(hm);
    n->history_complete = ckpt_get_i64(c, "tokens_complete") != 0;
    free(n->hist_text);
    n->hist_text = ckpt_get_array(c, "token_utf8", CK_U8, &n->hist_len);
    n->hist_cap = n->hist_len + 1;
    n->hist_tokens = 0;
    for (size_t i = 0; i < n->hist_len; i++)
        n->hist_tokens += n->hist_text[i] == '\0';

    ckpt_group(c, "/model/word_counts");
    size_t nfw;
    char **fw = ckpt_get_strings(c, "word", &nfw);
    uint64_t *raw = ckpt_get_array_n(c, "raw", CK_I64, nfw);
    uint64_t *kept = ckpt_get_array_n(c, "after_kill_list", CK_I64, nfw);
    for (size_t i = 0; i < nfw; i++) {
        net_count_word(n, fw[i], strlen(fw[i]), false);
        need(c, n->nfreq == i + 1, "a word counted twice");
        n->freq_raw[i] = raw[i];
        n->freq_kept[i] = kept[i];
        free(fw[i]);
    }
    free(fw); free(raw); free(kept);

    ckpt_group(c, "/model/utterance");
    n->in_utterance = ckpt_get_i64(c, "in_utterance") != 0;
    n->cur_speaker = (int32_t)ckpt_get_i64(c, "speaker");
    n->spk_id = ckpt_get_i64(c, "speaker_id");
    /* -1 when the speaker's neuron was evicted during its utterance: the
     * windows go on without it (process_window), as they did before the stop */
    n->spk_slot = n->in_utterance ? net_by_id_find(by_id, nn, n->spk_id) : -1;
    need(c, !n->in_utterance || (n->cur_speaker >= 0 && (size_t)n->cur_speaker < n->nspeakers),
         "the utterance being read has an unknown speaker");
    n->utt_nliving0 = (int32_t)ckpt_get_i64(c, "living_at_start");
    n->utt_windows0 = (uint64_t)ckpt_get_i64(c, "windows_at_start");
    n->utt_tokens = (uint64_t)ckpt_get_i64(c, "tokens");
    size_t nr;
    char **ring = ckpt_get_strings(c, "ring", &nr);
    if (nr > (size_t)n->p.window_size)
        die("checkpoint %s: token ring longer than the window", ckpt_path(c));
    n->ring_head = 0;
    n->ring_n = (uint32_t)nr;
    for (size_t q = 0; q < nr; q++) {
        size_t len = strlen(ring[q]);
        GROW(n->ring[q], n->ring_cap[q], len + 1);
        memcpy(n->ring[q], ring[q], len + 1);
        n->ring_len[q] = len;
        n->ring_slot[q] = -1;
        free(ring[q]);
    }
    free(ring);

    ckpt_group(c, "/model/incoming_kernel");
    n->k_last_step = ckpt_get_i64(c, "ids_at_last_step");
    size_t nlw;
    int64_t *lw = ckpt_get_array(c, "last_window_ids", CK_I64, &nlw);
    if (nlw > (size_t)n->p.window_size + 1)
        die("checkpoint %s: last window too long", ckpt_path(c));
    memcpy(n->last_window_ids, lw, nlw * sizeof *lw);
    n->last_window_n = (int32_t)nlw;
    free(lw);
    size_t nk;
    int64_t *killed = ckpt_get_array(c, "killed_since_step", CK_I64, &nk);
    GROW(n->killed_since_step, n->killed_cap, nk + 1);
    memcpy(n->killed_since_step, killed, nk * sizeof *killed);
    n->nkilled = nk;
    free(killed);

    for (size_t i = 0; i < nn; i++)
        free(words[i]);
    free(words); free(ids); free(w2n); free(has); free(act); free(nout); free(start); free(order); free(by_id);
}
