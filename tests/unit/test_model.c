/*
 * test_model.c — the model's rules (huey-model.md §5–§11, §13), one CUnit
 * test per rule. Each test drives a real Net (CPU backend) on a tiny
 * hand-made input and checks its state through the public API against
 * numbers computed here from the spec's formulas, with the spec's
 * constants written out (never read back from Params), and, where a
 * literal is quoted, against the value the reference Python code
 * (HueyGPUConversationalNetwork, random.seed(0)) printed for the same
 * input. Connection probability is 1.0 unless the test is about the gate.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "mt19937.h"
#include "net.h"
#include "params.h"

/* ---- the spec's constants (§8–§11), independent of params.c ------------- */

#define ETA 0.1                  /* hebbian_constant */
#define ACT_KEEP 0.98            /* 1 - activation_decay_rate */
#define ACT_FLOOR 0.01           /* minimum_activation */
#define W_KEEP 0.992             /* 1 - connection_decay_rate */
#define W_FLOOR 0.001            /* minimum_connection */
#define PRUNE 0.01               /* prune threshold */
#define FIRST_DW 0.09604         /* reference: first co-occurrence of two window words */
#define FIRST_M 1.492424214318842/* reference: its mass */

/* ---- helpers ------------------------------------------------------------- */

#define ASSERT_REL(got, want, tol)                                                         \
    do {                                                                                   \
        double g_ = (got), w_ = (want);                                                    \
        bool ok_ = fabs(g_ - w_) <= (tol) * fabs(w_);                                      \
        if (!ok_)                                                                          \
            fprintf(stderr, "\n    %s:%d: %s = %.17g, expected %.17g\n", __FILE__, __LINE__, \
                    #got, g_, w_);                                                         \
        CU_ASSERT(ok_);                                                                    \
    } while (0)

#define ASSERT_EXACT(got, want)                                                            \
    do {                                                                                   \
        double g_ = (got), w_ = (want);                                                    \
        if (g_ != w_)                                                                      \
            fprintf(stderr, "\n    %s:%d: %s = %.17g, expected exactly %.17g\n", __FILE__,  \
                    __LINE__, #got, g_, w_);                                               \
        CU_ASSERT(g_ == w_);                                                               \
    } while (0)

/* Defaults, a window of `window` tokens, connection probability `cp`. */
static Params params_for(int window, const char *cp)
{
    Params p;
    char buf[32];
    params_default(&p);
    snprintf(buf, sizeof buf, "%d", window);
    params_set(&p, "window_size", buf, "test");
    params_set(&p, "connection_probability", cp, "test");
    return p;
}

static Net *make_net(const Params *p) { return net_create(p, &backend_cpu_ops, 0, 1); }

/* Feed a whitespace-separated string as tokens of the current utterance. */
static void feed(Net *n, const char *text)
{
    const char *s = text;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *e = s;
        while (*e && *e != ' ')
            e++;
        if (e > s)
            net_token(n, s, (size_t)(e - s));
        s = e;
    }
}

/* One whole utterance. */
static void say(Net *n, const char *speaker, const char *text)
{
    net_utterance_begin(n, speaker);
    feed(n, text);
    net_utterance_end(n);
}

static int64_t id_of(const Net *n, const char *word)
{
    int32_t s = net_slot_of_word(n, word);
    return s >= 0 ? n->id[s] : -1;
}

/* The stored connection from -> to (words); false if absent or either word is dead. */
static bool edge(Net *n, const char *from, const char *to, double *w, double *m)
{
    int32_t a = net_slot_of_word(n, from), b = net_slot_of_word(n, to);
    double w0, m0;
    if (a < 0 || b < 0)
        return false;
    return n->be.ops->find(n->be.st, a, b, w ? w : &w0, m ? m : &m0);
}

static bool has_edge(Net *n, const char *from, const char *to) { return edge(n, from, to, NULL, NULL); }

static double weight(Net *n, const char *from, const char *to)
{
    double w = NAN;
    CU_ASSERT_FATAL(edge(n, from, to, &w, NULL));
    return w;
}

static uint64_t nconn(Net *n) { return n->be.ops->connection_count(n->be.st); }

/* Connections seen by for_each; those into / touching one slot, and their Σ w. */
typedef struct Census {
    uint64_t all;
    int32_t slot;
    uint64_t into, touching;
    double wsum;             /* Σ w of connections touching slot */
} Census;

static void census_fn(void *ctx, int32_t src, int32_t dst, double w, double m)
{
    Census *c = ctx;
    (void)m;
    c->all++;
    if (dst == c->slot)
        c->into++;
    if (src == c->slot || dst == c->slot) {
        c->touching++;
        c->wsum += w;
    }
}

static Census census(Net *n, int32_t slot)
{
    Census c = { 0, slot, 0, 0, 0.0 };
    n->be.ops->for_each(n->be.st, census_fn, &c);
    return c;
}

/* How many random() draws separate the net's RNG from a fresh seed; -1 if
 * more than `max`. */
static int draws_used(const Net *n, uint64_t seed, int max)
{
    Mt19937 r;
    mt_seed(&r, seed);
    for (int k = 0; k <= max; k++) {
        if (memcmp(&r, &n->rng, sizeof r) == 0)
            return k;
        mt_random(&r);
    }
    return -1;
}

static double sigma(double h) { return 1.0 / (1.0 + exp(-h)); }

/* §9, written out: the mass after one Hebbian update at activity A. */
static double mass_update(double m, double A)
{
    double L = 10.0 / (1.0 + exp(-8.0 * (A - 0.3)));
    double dm = 0.15 * (L - m) - 0.1 * fmax(0.0, A - 0.8) * m - (A < 0.15 ? 0.1 * (0.15 - A) * m : 0.0);
    return fmin(fmax(m + dm, 0.0), 10.0);
}

/* §10, written out: one idle window of a connection. */
static double decay_once(double w) { return fmax(w * (1.0 - 0.008), W_FLOOR); }

/* ---- activation snapshots for the §11 checks ------------------------------- */

enum { SNAP_MAX = 128 };
typedef struct Snap {
    int32_t n;
    int64_t id[SNAP_MAX];
    double a[SNAP_MAX];
    uint8_t has[SNAP_MAX];
} Snap;

static Snap snap(const Net *n)
{
    Snap s;
    CU_ASSERT_FATAL(n->nslots <= SNAP_MAX);
    s.n = n->nslots;
    for (int32_t i = 0; i < n->nslots; i++) {
        s.id[i] = n->id[i];
        s.a[i] = n->act[i];
        s.has[i] = n->has_act[i];
    }
    return s;
}

typedef struct HCtx {
    const Net *n;
    const double *a_in;
    double *h;
    bool dense;
} HCtx;

static void h_fn(void *ctx, int32_t s, int32_t t, double w, double m)
{
    HCtx *c = ctx;
    (void)m;
    /* §11a dense: M[p,q] = w(min id -> max id) for both ends, reverse-keyed ignored */
    if (c->dense && !(c->n->id[s] < c->n->id[t]))
        return;
    c->h[t] += w * c->a_in[s];
    c->h[s] += w * c->a_in[t];
}

/* After one window whose members are `win` (speaker first) and which
 * started from the activations in `before`: every living neuron must hold
 * sigma(h), h = (W + W^T).a (dense: only (min,max)-keyed connections), over
 * the activations after the window's decay (§7 step 2): members 0.98,
 * others max(0.98 a, 0.01), 0.01 for a neuron without an entry. */
static void check_minmax_step(Net *n, const Snap *before, const char *const *win, int nwin, bool dense)
{
    double a_in[SNAP_MAX], h[SNAP_MAX];
    CU_ASSERT_FATAL(n->nslots <= SNAP_MAX);
    for (int32_t s = 0; s < n->nslots; s++) {
        h[s] = 0.0;
        a_in[s] = 0.0;
        if (n->id[s] < 0)
            continue;
        bool member = false;
        for (int k = 0; k < nwin; k++)
            member |= net_slot_of_word(n, win[k]) == s;
        if (member)
            a_in[s] = ACT_KEEP;
        else if (s < before->n && before->id[s] == n->id[s] && before->has[s])
            a_in[s] = fmax(before->a[s] * ACT_KEEP, ACT_FLOOR);
        else
            a_in[s] = ACT_FLOOR;
    }
    HCtx c = { n, a_in, h, dense };
    n->be.ops->for_each(n->be.st, h_fn, &c);
    for (int32_t s = 0; s < n->nslots; s++) {
        if (n->id[s] < 0)
            continue;
        CU_ASSERT(n->has_act[s]);
        ASSERT_REL(n->act[s], sigma(h[s]), 1e-15);
    }
}

/* ---- §8/§9: the Hebbian rule and the mass ----------------------------------- */

static void test_first_cooccurrence_gives_dw_009604_and_m_14924(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    double w, m;
    CU_ASSERT_FATAL(edge(n, "apple", "banana", &w, &m));
    /* both window words at 1.0, decayed to 0.98 before the Hebbian step */
    ASSERT_EXACT(w, ETA * ACT_KEEP * ACT_KEEP);
    ASSERT_EXACT(w, FIRST_DW);
    /* §9 from m = 0: L = 10/(1+exp(-8(A-0.3))), m = 0.15 L (no homeostatic or LTD term at m = 0) */
    double A = ACT_KEEP * ACT_KEEP;
    double L = 10.0 / (1.0 + exp(-8.0 * (A - 0.3)));
    ASSERT_REL(m, 0.15 * L, 1e-15);
    ASSERT_REL(m, FIRST_M, 1e-15);
    ASSERT_REL(L, 9.9495, 1e-5);
    /* the speaker's first window: also 1.0 -> 0.98, so the same numbers */
    CU_ASSERT_FATAL(edge(n, "alice", "apple", &w, &m));
    ASSERT_EXACT(w, FIRST_DW);
    ASSERT_REL(m, FIRST_M, 1e-15);
    net_free(n);
}

static void test_repeated_cooccurrence_mass_approaches_8988_and_dw_00506(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    const double A = ACT_KEEP * ACT_KEEP;
    double w_prev = 0.0, m_prev = 0.0, w = 0.0, m = 0.0;
    bool each_ok = true;
    for (int k = 0; k < 300; k++) {
        say(n, "Alice", "apple banana");   /* one window: apple -> banana at 0.98 x 0.98 */
        CU_ASSERT_FATAL(edge(n, "apple", "banana", &w, &m));
        /* each update: dw = 0.1 A / (1 + 0.1 m_prev), m by §9 (first mismatch reported) */
        double dw_want = ETA * A / (1.0 + 0.1 * m_prev), m_want = mass_update(m_prev, A);
        if (each_ok) {
            ASSERT_REL(w - w_prev, dw_want, 1e-12);
            ASSERT_REL(m, m_want, 1e-14);
            each_ok = fabs((w - w_prev) - dw_want) <= 1e-12 * dw_want && fabs(m - m_want) <= 1e-14 * m_want;
        }
        if (k < 299) {
            w_prev = w;
            m_prev = m;
        }
    }
    /* fixed point m* = 0.15 L / (0.15 + 0.1 (A - 0.8)) ~ 8.988; dw -> 0.1 A/(1 + 0.1 m*) ~ 0.0506 */
    double L = 10.0 / (1.0 + exp(-8.0 * (A - 0.3)));
    double mstar = 0.15 * L / (0.15 + 0.1 * (A - 0.8));
    ASSERT_REL(m, mstar, 1e-12);
    CU_ASSERT(fabs(m - 8.988) < 1e-3);
    CU_ASSERT(fabs((w - w_prev) - 0.0506) < 1e-3);
    net_free(n);
}

static void test_connections_are_directional_earlier_to_later(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    CU_ASSERT(has_edge(n, "apple", "banana"));
    CU_ASSERT(!has_edge(n, "banana", "apple"));
    CU_ASSERT_EQUAL(nconn(n), 3);          /* alice->apple, alice->banana, apple->banana */
    say(n, "Alice", "banana apple");
    /* b -> a is a separate connection, learnt fresh when b precedes a */
    double w, m;
    CU_ASSERT_FATAL(edge(n, "banana", "apple", &w, &m));
    ASSERT_EXACT(w, FIRST_DW);
    ASSERT_REL(m, FIRST_M, 1e-15);
    /* a -> b was not in this window's active pairs: it decayed once, unreinforced */
    ASSERT_EXACT(weight(n, "apple", "banana"), FIRST_DW * W_KEEP);
    CU_ASSERT_EQUAL(nconn(n), 4);
    net_free(n);
}

static void test_repeated_word_in_window_updates_pair_sequentially(void)
{
    /* §6: equal ids are skipped; a pair at several position pairs is updated
     * several times, in order. Window [alice, apple, banana, banana]. */
    Params p = params_for(3, "1.0");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana banana");
    const double A = ACT_KEEP * ACT_KEEP;
    double w, m;
    CU_ASSERT_FATAL(edge(n, "apple", "banana", &w, &m));
    double m1 = mass_update(0.0, A), m2 = mass_update(m1, A);
    ASSERT_REL(w, ETA * A + ETA * A / (1.0 + 0.1 * m1), 1e-15);
    ASSERT_REL(m, m2, 1e-15);
    CU_ASSERT(!has_edge(n, "banana", "banana"));
    CU_ASSERT_EQUAL(nconn(n), 3);
    net_free(n);
}

/* ---- §5.3: the speaker neuron --------------------------------------------------- */

static void test_speaker_connects_to_words_and_learns_at_098_sigma_from_second_window(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    net_utterance_begin(n, "Alice");
    feed(n, "apple banana");                 /* window 1: [alice, apple, banana] */
    int32_t s = net_slot_of_word(n, "alice");
    CU_ASSERT_FATAL(s >= 0);
    /* after window 1 the speaker holds sigma(h), h = w(s->apple) 0.98 + w(s->banana) 0.98 */
    double a_s = sigma(FIRST_DW * ACT_KEEP + FIRST_DW * ACT_KEEP);
    ASSERT_REL(n->act[s], a_s, 1e-15);
    ASSERT_REL(a_s, 0.5469211326599093, 1e-15);
    double m1;
    CU_ASSERT_FATAL(edge(n, "alice", "banana", NULL, &m1));
    ASSERT_REL(m1, FIRST_M, 1e-15);

    feed(n, "cherry");                       /* window 2: [alice, banana, cherry] */
    net_utterance_end(n);
    /* the speaker is not reset per window: its factor is 0.98 a_s */
    double ai = ACT_KEEP * a_s;
    ASSERT_REL(weight(n, "alice", "banana"), FIRST_DW + ETA * ai * ACT_KEEP / (1.0 + 0.1 * FIRST_M), 1e-15);
    ASSERT_REL(weight(n, "alice", "banana"), 0.1417451572419448, 1e-15);
    ASSERT_REL(weight(n, "alice", "cherry"), ETA * ai * ACT_KEEP, 1e-15);
    ASSERT_REL(weight(n, "alice", "cherry"), 0.052526305580657684, 1e-15);
    /* ... while word pairs get the full 0.98 x 0.98 */
    ASSERT_EXACT(weight(n, "banana", "cherry"), FIRST_DW);
    /* never word -> speaker from its own text */
    Census c = census(n, s);
    CU_ASSERT_EQUAL(c.into, 0);
    CU_ASSERT_EQUAL(c.touching, 3);
    CU_ASSERT_EQUAL(c.all, nconn(n));
    CU_ASSERT_EQUAL(nconn(n), 5);
    net_free(n);
}

/* ---- §10: decay and pruning ------------------------------------------------------ */

static void test_activation_decay_098_before_hebbian_and_for_idle_neurons(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    double a1 = sigma(2.0 * FIRST_DW * ACT_KEEP);
    int32_t sa = net_slot_of_word(n, "apple"), sb = net_slot_of_word(n, "banana");
    ASSERT_REL(n->act[sb], a1, 1e-15);
    say(n, "Alice", "cherry date");
    /* window words are exactly 0.98 at the Hebbian step */
    ASSERT_EXACT(weight(n, "cherry", "date"), ETA * ACT_KEEP * ACT_KEEP);
    /* apple and banana sat out: they enter the activation step at 0.98 a,
     * not reset and not at the floor; alice (speaker, reset at the utterance) at 0.98 */
    double w_sa = FIRST_DW * W_KEEP, w_ab = FIRST_DW * W_KEEP;
    ASSERT_REL(n->act[sa], sigma(w_sa * ACT_KEEP + w_ab * (ACT_KEEP * a1)), 1e-15);
    ASSERT_REL(n->act[sb], sigma(w_sa * ACT_KEEP + w_ab * (ACT_KEEP * a1)), 1e-15);
    /* the floor: max(0.98 a, 0.01) can only bind for a neuron without an
     * activation entry (a zombie, see the §5.5 test); with non-negative
     * weights every computed activation is >= 0.5 */
    for (int32_t s = 0; s < n->nslots; s++)
        if (n->id[s] >= 0)
            CU_ASSERT(n->act[s] >= 0.5);
    net_free(n);
}

/* Idle windows for apple -> banana: utterances of Bob over cherry/date. */
static void idle_windows(Net *n, int k)
{
    for (int i = 0; i < k; i++)
        say(n, "Bob", (i & 1) ? "date cherry" : "cherry date");
}

static void test_idle_connection_decays_0992_and_is_pruned_after_282_windows(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    /* smallest k with 0.09604 * 0.992^k < 0.01 */
    double w = FIRST_DW;
    int k = 0;
    while (w >= PRUNE) {
        w = decay_once(w);
        k++;
    }
    CU_ASSERT_EQUAL(k, 282);
    idle_windows(n, 1);
    ASSERT_EXACT(weight(n, "apple", "banana"), FIRST_DW * W_KEEP);
    idle_windows(n, 280);                       /* 281 idle windows in all */
    double w281 = FIRST_DW;
    for (int i = 0; i < 281; i++)
        w281 = decay_once(w281);
    CU_ASSERT(w281 >= PRUNE);
    CU_ASSERT_FATAL(has_edge(n, "apple", "banana"));
    ASSERT_EXACT(weight(n, "apple", "banana"), w281);
    uint64_t pruned = n->c.pruned;
    idle_windows(n, 1);                         /* the 282nd: below 0.01, pruned */
    CU_ASSERT(!has_edge(n, "apple", "banana"));
    CU_ASSERT(n->c.pruned > pruned);
    /* its mirror went with it: nothing left arrives at banana */
    Census c = census(n, net_slot_of_word(n, "banana"));
    CU_ASSERT_EQUAL(c.into, 0);
    CU_ASSERT_EQUAL(c.all, nconn(n));
    net_free(n);
}

static void test_decay_deletes_at_twice_minimum_connection_inclusive(void)
{
    /* 0.09604 x 0.992 = 0.09527168 = 2 x 0.04763584 exactly: deleted (<=);
     * with minimum_connection one ulp lower it survives. Pruning off. */
    for (int below = 0; below <= 1; below++) {
        Params p = params_for(2, "1.0");
        char buf[64];
        double half = FIRST_DW * W_KEEP / 2.0;
        snprintf(buf, sizeof buf, "%.17g", below ? nextafter(half, 0.0) : half);
        params_set(&p, "minimum_connection", buf, "test");
        params_set(&p, "prune_threshold", "0", "test");
        Net *n = make_net(&p);
        say(n, "Alice", "apple banana");
        say(n, "Bob", "cherry date");
        if (below) {
            ASSERT_EXACT(weight(n, "apple", "banana"), FIRST_DW * W_KEEP);
            CU_ASSERT_EQUAL(n->c.decay_deleted, 0);
        } else {
            CU_ASSERT(!has_edge(n, "apple", "banana"));
            CU_ASSERT_EQUAL(n->c.decay_deleted, 3);   /* with alice -> apple, banana */
            CU_ASSERT_EQUAL(census(n, net_slot_of_word(n, "banana")).into, 0);
        }
        CU_ASSERT_EQUAL(n->c.pruned, 0);
        CU_ASSERT_EQUAL(census(n, -1).all, nconn(n));
        net_free(n);
    }
}

/* Incoming mirror copy of from -> to, seen from the target's row. */
typedef struct Mirror {
    int32_t src;
    bool found;
    double w, m;
} Mirror;

static void mirror_fn(void *ctx, int32_t src, int32_t dst, double w, double m)
{
    Mirror *mi = ctx;
    (void)dst;
    if (src == mi->src) {
        mi->found = true;
        mi->w = w;
        mi->m = m;
    }
}

static void eager_decay_run(bool simd)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "cpu_simd", simd ? "true" : "false", "test");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    double w = FIRST_DW;
    for (int k = 1; k <= 200; k++) {
        /* apple in the window (its row takes the window path) or not at all;
         * apple -> banana is never an active pair */
        if (k % 3 == 0)
            say(n, "Bob", "cherry apple");
        else
            say(n, "Bob", "cherry date");
        w = fmax(w * (1.0 - 0.008), 0.001);
        ASSERT_EXACT(weight(n, "apple", "banana"), w);
        int32_t sb = net_slot_of_word(n, "banana");
        Mirror mi = { net_slot_of_word(n, "apple"), false, 0.0, 0.0 };
        n->be.ops->for_each_touching(n->be.st, sb, mirror_fn, &mi);
        CU_ASSERT(mi.found);
        ASSERT_EXACT(mi.w, w);
        if (!mi.found || mi.w != w)
            break;
    }
    net_free(n);
}

static void test_eager_decay_is_bit_exact_loop_of_max_w_0992_0001(void)
{
    eager_decay_run(true);
    eager_decay_run(false);
}

/* ---- §8: the sparsity gate --------------------------------------------------------- */

static void test_sparsity_gate_draws_cpython_random_per_new_pair(void)
{
    /* random.seed(0); [random.random() for _ in range(11)]:
     * .8444 .7580 .4206 .2589 .5113 .4049 .7838 .3033 .4766 .5834 .9081
     * A new pair forms iff its draw <= 0.35. */
    Params p = params_for(2, "0.35");
    Net *n = make_net(&p);
    CU_ASSERT_EQUAL(n->p.seed, 0);
    say(n, "Alice", "apple banana cherry");
    /* [alice apple banana]: .8444 .7580 .4206 all skip;
     * [alice banana cherry]: alice->banana .2589 forms, alice->cherry .5113, banana->cherry .4049 skip */
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 6);
    CU_ASSERT(has_edge(n, "alice", "banana"));
    CU_ASSERT_EQUAL(nconn(n), 1);
    say(n, "Alice", "banana cherry");
    /* alice->banana exists: updated without a draw; alice->cherry .7838 skip; banana->cherry .3033 forms */
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 8);
    CU_ASSERT(has_edge(n, "banana", "cherry"));
    CU_ASSERT_EQUAL(nconn(n), 2);
    say(n, "Alice", "cherry apple");
    /* .4766 .5834 .9081: all skip */
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 11);
    CU_ASSERT_EQUAL(nconn(n), 2);
    CU_ASSERT(has_edge(n, "alice", "banana"));
    CU_ASSERT(has_edge(n, "banana", "cherry"));
    /* the existing edge had two updates: 0.09604 then at the speaker's 0.98 x 0.98 */
    ASSERT_REL(weight(n, "alice", "banana"), 0.1326008144791719, 1e-15);
    net_free(n);
}

static void test_speaker_prefix_words_bypass_the_gate_without_a_draw(void)
{
    Params p = params_for(2, "0.35");
    Net *n = make_net(&p);
    /* speaker "Speaker_A" -> neuron word "speaker_a": its pairs form always */
    say(n, "Speaker_A", "apple banana");
    CU_ASSERT(has_edge(n, "speaker_a", "apple"));
    CU_ASSERT(has_edge(n, "speaker_a", "banana"));
    CU_ASSERT(!has_edge(n, "apple", "banana"));   /* .8444 > 0.35 */
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 1);
    net_free(n);

    /* a word starting with speaker_ as the target and as the source */
    n = make_net(&p);
    say(n, "Alice", "speaker_x apple");
    CU_ASSERT(has_edge(n, "alice", "speaker_x"));
    CU_ASSERT(has_edge(n, "speaker_x", "apple"));
    CU_ASSERT(!has_edge(n, "alice", "apple"));    /* the one draw: .8444 */
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 1);
    net_free(n);
}

static Params limit_params(void)
{
    Params p = params_for(3, "1.0");
    params_set(&p, "max_connections_per_neuron", "2", "test");
    return p;
}

static void test_out_target_limit_refuses_new_target_without_a_draw(void)
{
    Params p = limit_params();
    Net *n = make_net(&p);
    /* Speaker_A bypasses the gate, so only apple's limit is at work */
    say(n, "Speaker_A", "apple banana cherry");   /* apple -> banana, cherry: 2 targets */
    CU_ASSERT(has_edge(n, "apple", "banana"));
    CU_ASSERT(has_edge(n, "apple", "cherry"));
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 3);
    say(n, "Speaker_A", "apple date elder");
    CU_ASSERT(!has_edge(n, "apple", "date"));
    CU_ASSERT(!has_edge(n, "apple", "elder"));
    CU_ASSERT(has_edge(n, "date", "elder"));
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 4);   /* refused before the draw */
    net_free(n);
}

static void test_targets_deleted_by_decay_still_count_toward_the_limit(void)
{
    /* decay deletion needs w*0.992 <= 2*minimum_connection: with 0.05 a fresh
     * 0.09604 edge is deleted by its first idle window; pruning off */
    Params p = limit_params();
    params_set(&p, "minimum_connection", "0.05", "test");
    params_set(&p, "prune_threshold", "0", "test");
    Net *n = make_net(&p);
    say(n, "Speaker_A", "apple banana cherry");
    say(n, "Speaker_A", "apple date elder");
    CU_ASSERT(!has_edge(n, "apple", "banana"));   /* deleted by decay ... */
    CU_ASSERT(!has_edge(n, "apple", "cherry"));
    CU_ASSERT(n->c.decay_deleted >= 2);
    CU_ASSERT_EQUAL(n->c.pruned, 0);
    CU_ASSERT(!has_edge(n, "apple", "date"));
    say(n, "Speaker_A", "apple date elder");
    /* ... yet banana and cherry stay in apple's target set: still refused */
    CU_ASSERT(!has_edge(n, "apple", "date"));
    CU_ASSERT(!has_edge(n, "apple", "elder"));
    CU_ASSERT(has_edge(n, "date", "elder"));
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 4);
    net_free(n);
}

static void test_pruning_frees_a_place_under_the_limit(void)
{
    /* prune threshold 0.0955: a 0.09604 edge is pruned after one idle window
     * (0.09527 < 0.0955), well above the decay deletion bound 0.002 */
    Params p = limit_params();
    params_set(&p, "prune_threshold", "0.0955", "test");
    Net *n = make_net(&p);
    say(n, "Speaker_A", "apple banana cherry");
    say(n, "Speaker_A", "apple date elder");
    /* pruning runs after the pair updates: at the gate apple still had 2 */
    CU_ASSERT(!has_edge(n, "apple", "date"));
    CU_ASSERT(!has_edge(n, "apple", "banana"));
    CU_ASSERT(!has_edge(n, "apple", "cherry"));
    CU_ASSERT_EQUAL(n->c.decay_deleted, 0);
    say(n, "Speaker_A", "apple date elder");
    /* pruned targets left the set: both new targets form */
    ASSERT_EXACT(weight(n, "apple", "date"), FIRST_DW);
    ASSERT_EXACT(weight(n, "apple", "elder"), FIRST_DW);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 6);
    net_free(n);

    /* pruning also takes connections updated in this very window: with a
     * threshold of 0.1 every fresh 0.09604 goes at once, and its place with it */
    p = params_for(2, "1.0");
    params_set(&p, "max_connections_per_neuron", "1", "test");
    params_set(&p, "prune_threshold", "0.1", "test");
    n = make_net(&p);
    say(n, "Alice", "apple banana");   /* alice->apple formed (alice->banana over the limit), apple->banana */
    CU_ASSERT_EQUAL(nconn(n), 0);
    CU_ASSERT_EQUAL(n->c.pruned, 2);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 2);
    say(n, "Alice", "apple cherry");   /* alice->apple is new again: a draw */
    CU_ASSERT_EQUAL(nconn(n), 0);
    CU_ASSERT_EQUAL(n->c.pruned, 4);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 4);
    net_free(n);
}

static void test_evicted_target_leaves_its_sources_target_sets(void)
{
    /* limit 1; Speaker_A bypasses the gate so only apple is limited */
    Params p = params_for(2, "1.0");
    params_set(&p, "max_connections_per_neuron", "1", "test");
    params_set(&p, "max_neurons", "3", "test");
    Net *n = make_net(&p);
    say(n, "Speaker_A", "apple banana");
    /* cherry evicts banana (speaker and apple are at 1.0): apple's place is free */
    say(n, "Speaker_A", "apple cherry");
    CU_ASSERT_EQUAL(id_of(n, "banana"), -1);
    ASSERT_EXACT(weight(n, "apple", "cherry"), FIRST_DW);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 2);
    net_free(n);

    /* the same for a stale target (deleted by decay, then evicted) */
    p = params_for(2, "1.0");
    params_set(&p, "max_connections_per_neuron", "1", "test");
    params_set(&p, "max_neurons", "4", "test");
    params_set(&p, "minimum_connection", "0.05", "test");
    params_set(&p, "prune_threshold", "0", "test");
    n = make_net(&p);
    say(n, "Speaker_A", "apple banana");
    say(n, "Speaker_A", "apple cherry");        /* apple -> banana decays out; cherry refused */
    CU_ASSERT(!has_edge(n, "apple", "banana"));
    CU_ASSERT(!has_edge(n, "apple", "cherry"));
    CU_ASSERT(id_of(n, "banana") >= 0);
    say(n, "Speaker_A", "apple date");          /* date evicts banana (0.4 + 0.2 x 0.5) */
    CU_ASSERT_EQUAL(id_of(n, "banana"), -1);
    ASSERT_EXACT(weight(n, "apple", "date"), FIRST_DW);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 2);
    net_free(n);
}

/* ---- §5.1/§5.2: ids and capacity eviction ---------------------------------------- */

/* importance = 0.4 + 0.4 Σw (touching, either direction) + 0.2 a; the
 * words in `fresh` were just set to 1.0 before the new word arrived. */
static double importance(Net *n, int32_t s, const char *const *fresh, int nfresh)
{
    double a = n->has_act[s] ? n->act[s] : 0.0;
    for (int k = 0; k < nfresh; k++)
        if (net_slot_of_word(n, fresh[k]) == s)
            a = 1.0;
    return 0.4 * 1.0 + 0.4 * census(n, s).wsum + 0.2 * a;
}

static void test_capacity_evicts_least_important_neuron(void)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "max_neurons", "3", "test");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    say(n, "Alice", "apple banana");
    CU_ASSERT_EQUAL(n->id_counter, 3);
    /* next: Alice says "banana cherry"; when cherry arrives, alice (speaker)
     * and banana (earlier in the window) are at 1.0 */
    const char *fresh[] = { "alice", "banana" };
    const char *words[] = { "alice", "apple", "banana" };
    double imp[3];
    int best = 0;
    for (int k = 0; k < 3; k++) {
        imp[k] = importance(n, net_slot_of_word(n, words[k]), fresh, 2);
        if (imp[k] < imp[best])
            best = k;
    }
    CU_ASSERT_STRING_EQUAL(words[best], "apple");  /* the reference kills apple (id 1) */
    CU_ASSERT(imp[1] < imp[0] && imp[1] < imp[2]);
    say(n, "Alice", "banana cherry");
    CU_ASSERT_EQUAL(id_of(n, "apple"), -1);
    CU_ASSERT_EQUAL(id_of(n, "alice"), 0);
    CU_ASSERT_EQUAL(id_of(n, "banana"), 2);
    CU_ASSERT_EQUAL(id_of(n, "cherry"), 3);
    CU_ASSERT_EQUAL(n->id_counter, 4);
    CU_ASSERT_EQUAL(n->nliving, 3);
    CU_ASSERT_EQUAL(n->c.evictions, 1);
    /* apple's connections went with it; the window added two */
    CU_ASSERT_EQUAL(nconn(n), 3);
    CU_ASSERT(has_edge(n, "alice", "banana"));
    CU_ASSERT(has_edge(n, "alice", "cherry"));
    CU_ASSERT(has_edge(n, "banana", "cherry"));
    CU_ASSERT_EQUAL(census(n, -1).all, 3);
    net_free(n);
}

static void test_eviction_ties_go_to_lowest_id_and_ids_are_never_reused(void)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "max_neurons", "3", "test");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    /* all three: Σw = 2 x 0.09604, a = sigma(2 x 0.09604 x 0.98): equal */
    double i0 = importance(n, net_slot_of_word(n, "alice"), NULL, 0);
    double i1 = importance(n, net_slot_of_word(n, "apple"), NULL, 0);
    double i2 = importance(n, net_slot_of_word(n, "banana"), NULL, 0);
    ASSERT_EXACT(i1, i0);
    ASSERT_EXACT(i2, i0);
    CU_ASSERT_EQUAL(nconn(n), 3);
    say(n, "Bob", "zz");       /* fewer tokens than the window: only the speaker neuron */
    CU_ASSERT_EQUAL(id_of(n, "alice"), -1);    /* id 0: the lowest */
    CU_ASSERT_EQUAL(id_of(n, "bob"), 3);
    CU_ASSERT_EQUAL(n->id_counter, 4);
    CU_ASSERT_EQUAL(nconn(n), 1);              /* alice's two connections are gone */
    CU_ASSERT(has_edge(n, "apple", "banana"));
    /* every new word takes the next id, never a freed one */
    say(n, "Alice", "zz");
    CU_ASSERT_EQUAL(id_of(n, "alice"), 4);
    say(n, "Carol", "zz");
    CU_ASSERT_EQUAL(id_of(n, "carol"), 5);
    CU_ASSERT_EQUAL(n->id_counter, 6);
    CU_ASSERT_EQUAL(n->nliving, 3);
    CU_ASSERT_EQUAL(n->c.evictions, 3);
    CU_ASSERT_EQUAL(id_of(n, "apple"), -1);    /* apple (tie with banana, lower id), then banana */
    CU_ASSERT_EQUAL(id_of(n, "banana"), -1);
    CU_ASSERT_EQUAL(nconn(n), 0);
    /* §5.5: at capacity word_to_neuron no longer grows, so concept_neurons
     * froze after the first utterance, alice under her stale id 0 */
    CU_ASSERT_EQUAL_FATAL(n->nconcepts, 3);
    CU_ASSERT_STRING_EQUAL(n->concepts[0].word, "alice");
    CU_ASSERT_EQUAL(n->concepts[0].id, 0);
    net_free(n);
}

static void test_window_word_evicted_by_later_word_returns_with_new_id(void)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "max_neurons", "3", "test");
    Net *n = make_net(&p);
    for (int k = 0; k < 10; k++)
        say(n, "Alice", "apple banana");   /* alice, banana strongly connected */
    net_utterance_begin(n, "Alice");
    feed(n, "cherry date");
    /* window [alice cherry date]: cherry (id 3) evicts apple; date (id 4)
     * then evicts cherry: 0.4 + 0.2 x 1.0 is the least now */
    CU_ASSERT_EQUAL(id_of(n, "apple"), -1);
    CU_ASSERT_EQUAL(id_of(n, "cherry"), -1);
    CU_ASSERT_EQUAL(id_of(n, "date"), 4);
    CU_ASSERT_EQUAL(n->id_counter, 5);
    /* the dead cherry took no part in the Hebbian step */
    CU_ASSERT(has_edge(n, "alice", "date"));
    CU_ASSERT_EQUAL(nconn(n), 2);             /* alice->banana, alice->date */
    feed(n, "cherry");
    /* window [alice date cherry]: cherry comes back under a new id (and
     * evicts date, the least important now) */
    CU_ASSERT_EQUAL(id_of(n, "cherry"), 5);
    CU_ASSERT_EQUAL(id_of(n, "date"), -1);
    CU_ASSERT_EQUAL(id_of(n, "banana"), 2);
    CU_ASSERT_EQUAL(n->id_counter, 6);
    net_utterance_end(n);
    CU_ASSERT_EQUAL(n->c.evictions, 3);
    CU_ASSERT(has_edge(n, "alice", "cherry"));
    CU_ASSERT_EQUAL(nconn(n), 2);
    ASSERT_REL(weight(n, "alice", "banana"), 0.6730309997401812, 1e-14);
    net_free(n);
}

static void test_evicted_window_words_return_from_the_window_cache_with_new_ids(void)
{
    /* window 3: an evicted word still inside the next window is looked up
     * again (new id), even where its slot went to another word meanwhile */
    Params p = params_for(3, "1.0");
    params_set(&p, "max_neurons", "3", "test");
    Net *n = make_net(&p);
    for (int k = 0; k < 10; k++)
        say(n, "Alice", "apple banana banana");
    net_utterance_begin(n, "Alice");
    feed(n, "cherry date fig");
    /* [alice cherry date fig]: cherry 3 evicts apple, date 4 evicts cherry, fig 5 evicts date */
    CU_ASSERT_EQUAL(id_of(n, "fig"), 5);
    CU_ASSERT_EQUAL(id_of(n, "date"), -1);
    CU_ASSERT_EQUAL(id_of(n, "banana"), 2);
    CU_ASSERT_EQUAL(n->id_counter, 6);
    feed(n, "elder");
    /* [alice date fig elder]: date 6 evicts fig, fig 7 evicts date, elder 8 evicts fig */
    CU_ASSERT_EQUAL(n->id_counter, 9);
    CU_ASSERT_EQUAL(id_of(n, "elder"), 8);
    CU_ASSERT_EQUAL(id_of(n, "date"), -1);
    CU_ASSERT_EQUAL(id_of(n, "fig"), -1);
    CU_ASSERT_EQUAL(id_of(n, "alice"), 0);
    CU_ASSERT_EQUAL(id_of(n, "banana"), 2);
    net_utterance_end(n);
    CU_ASSERT_EQUAL(n->c.evictions, 6);
    CU_ASSERT_EQUAL(nconn(n), 2);
    ASSERT_REL(weight(n, "alice", "banana"), 1.191089073649468, 1e-14);
    ASSERT_REL(weight(n, "alice", "elder"), 0.07329976515436527, 1e-14);
    net_free(n);
}

/* ---- §5.5: concept_neurons and zombies --------------------------------------------- */

static void test_evicted_concept_word_returns_as_zombie_with_old_id(void)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "max_neurons", "5", "test");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");          /* ids 0 1 2, all in concept_neurons */
    CU_ASSERT_EQUAL(n->nconcepts, 3);
    net_utterance_begin(n, "Bob");             /* id 3 */
    feed(n, "cherry date");                    /* cherry 4; date evicts alice (tie, lowest id) */
    CU_ASSERT_EQUAL(id_of(n, "alice"), -1);
    CU_ASSERT_EQUAL(id_of(n, "date"), 5);
    CU_ASSERT_EQUAL(n->nliving, 5);
    net_utterance_end(n);
    /* word_to_neuron grew (3 -> 5): concept_neurons takes it all (6 words),
     * then alice comes back under id 0, unconnected, without an activation */
    CU_ASSERT_EQUAL(n->nconcepts, 6);
    CU_ASSERT_EQUAL(id_of(n, "alice"), 0);
    CU_ASSERT_EQUAL(n->nliving, 6);
    CU_ASSERT(n->nliving > n->p.max_neurons);
    CU_ASSERT_EQUAL(n->id_counter, 6);
    CU_ASSERT_EQUAL(n->c.zombies, 1);
    int32_t z = net_slot_of_word(n, "alice");
    CU_ASSERT_FATAL(z >= 0);
    CU_ASSERT_EQUAL(n->has_act[z], 0);
    double a;
    CU_ASSERT(!net_activation_of(n, 0, &a));
    CU_ASSERT_EQUAL(census(n, z).touching, 0);
    Snap before = snap(n);
    say(n, "Bob", "cherry date");              /* no new word: no eviction */
    /* the zombie enters at the decay floor 0.01, then sigma(0) = 0.5 */
    CU_ASSERT_EQUAL(id_of(n, "alice"), 0);
    CU_ASSERT_EQUAL(n->has_act[z], 1);
    ASSERT_EXACT(n->act[z], 0.5);
    const char *win[] = { "bob", "cherry", "date" };
    check_minmax_step(n, &before, win, 3, false);
    CU_ASSERT_EQUAL(n->nliving, 6);
    net_free(n);
}

/* ---- §11a: the activation step ----------------------------------------------------- */

static void activation_step_run(bool dense, bool simd)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "cpu_simd", simd ? "true" : "false", "test");
    if (dense)
        params_set(&p, "dense_activation_min_ids", "0", "test");
    Net *n = make_net(&p);
    Snap s0 = snap(n);
    say(n, "Alice", "apple banana");
    const char *w1[] = { "alice", "apple", "banana" };
    check_minmax_step(n, &s0, w1, 3, dense);
    Snap s1 = snap(n);
    say(n, "Alice", "banana apple");          /* banana -> apple: keyed (max, min) */
    const char *w2[] = { "alice", "banana", "apple" };
    check_minmax_step(n, &s1, w2, 3, dense);
    /* reference values (id counter 3 -> (W + W^T).a; >= 30 -> dense) */
    ASSERT_REL(n->act[net_slot_of_word(n, "apple")], dense ? 0.5669412246818237 : 0.5898877543011639, 1e-15);
    ASSERT_REL(n->act[net_slot_of_word(n, "alice")], 0.5871102143679335, 1e-15);
    Snap s2 = snap(n);
    say(n, "Alice", "cherry date");           /* apple, banana idle: 0.98 a */
    const char *w3[] = { "alice", "cherry", "date" };
    check_minmax_step(n, &s2, w3, 3, dense);
    net_free(n);
}

static void test_activation_step_small_network_uses_w_plus_wt(void)
{
    activation_step_run(false, true);
    activation_step_run(false, false);
}

static void test_activation_step_dense_uses_min_max_keyed_weights_only(void)
{
    activation_step_run(true, true);
    activation_step_run(true, false);
}

static void test_activation_step_switches_to_dense_at_30_ids(void)
{
    /* speakers with no window add isolated neurons; apple's activation
     * after "banana apple" tells the kernel apart */
    for (int extra = 26; extra <= 27; extra++) {
        Params p = params_for(2, "1.0");
        Net *n = make_net(&p);
        say(n, "Alice", "apple banana");
        for (int k = 0; k < extra; k++) {
            char name[16];
            snprintf(name, sizeof name, "S%d", k);
            say(n, name, "zz");
        }
        CU_ASSERT_EQUAL(n->id_counter, 3 + extra);
        Snap s = snap(n);
        say(n, "Alice", "banana apple");
        const char *w[] = { "alice", "banana", "apple" };
        bool dense = n->id_counter >= 30;
        check_minmax_step(n, &s, w, 3, dense);
        ASSERT_REL(n->act[net_slot_of_word(n, "apple")], dense ? 0.5669412246818237 : 0.5898877543011639, 1e-15);
        /* an isolated neuron sits at exactly 0.5 */
        ASSERT_EXACT(n->act[net_slot_of_word(n, "s0")], 0.5);
        net_free(n);
    }
}

/* ---- §11b: the incoming kernel ------------------------------------------------------- */

static void test_incoming_kernel_clamps_window_and_sums_incoming_with_bias(void)
{
    Params p = params_for(2, "1.0");
    params_set(&p, "activation_kernel", "incoming", "test");
    params_set(&p, "bias", "0.5", "test");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");
    const char *w1[] = { "alice", "apple", "banana" };
    for (int k = 0; k < 3; k++)
        ASSERT_EXACT(n->act[net_slot_of_word(n, w1[k])], 1.0);
    say(n, "Alice", "cherry date");
    /* members clamped; apple and banana: sigma(bias + Σ incoming w a), at
     * a = 1.0 x 0.98 after the decay; apple's outgoing edge does not count */
    ASSERT_EXACT(n->act[net_slot_of_word(n, "alice")], 1.0);
    ASSERT_EXACT(n->act[net_slot_of_word(n, "cherry")], 1.0);
    ASSERT_EXACT(n->act[net_slot_of_word(n, "date")], 1.0);
    double w_sa = weight(n, "alice", "apple"), w_sb = weight(n, "alice", "banana"), w_ab = weight(n, "apple", "banana");
    ASSERT_REL(n->act[net_slot_of_word(n, "apple")], sigma(0.5 + w_sa * ACT_KEEP), 1e-15);
    ASSERT_REL(n->act[net_slot_of_word(n, "banana")], sigma(0.5 + w_sb * ACT_KEEP + w_ab * ACT_KEEP), 1e-15);
    ASSERT_REL(n->act[net_slot_of_word(n, "apple")], 0.644137145632186, 1e-15);
    ASSERT_REL(n->act[net_slot_of_word(n, "banana")], 0.6652396597570599, 1e-15);
    /* the speaker is clamped too: its second-window factor is 0.98, like a word's */
    say(n, "Alice", "elder fig grape");
    ASSERT_REL(weight(n, "alice", "fig"), FIRST_DW + FIRST_DW / (1.0 + 0.1 * FIRST_M), 1e-15);
    net_free(n);
}

static void test_incoming_kernel_dead_ids_keep_an_entry_and_zombies_return_with_it(void)
{
    /* §11b: the step rebuilds the activation dictionary over every id below
     * the counter, dead ones included (sigma(bias)); a zombie (§5.5) then
     * comes back with that entry instead of none */
    Params p = params_for(2, "1.0");
    params_set(&p, "activation_kernel", "incoming", "test");
    params_set(&p, "bias", "0.25", "test");
    params_set(&p, "max_neurons", "7", "test");
    Net *n = make_net(&p);
    say(n, "Alice", "apple banana");            /* 0 1 2 */
    say(n, "Carol", "cherry date");             /* 3 4 5; alice, apple, banana now sigma(incoming) */
    net_utterance_begin(n, "Bob");              /* 6 */
    feed(n, "elder fig");                       /* elder 7 evicts alice, fig 8 evicts apple */
    CU_ASSERT_EQUAL(id_of(n, "alice"), -1);
    CU_ASSERT_EQUAL(id_of(n, "apple"), -1);
    double a = 0.0;
    CU_ASSERT(net_activation_of(n, 0, &a));     /* dead id 0, entry from the step */
    ASSERT_REL(a, sigma(0.25), 1e-15);
    net_utterance_end(n);
    CU_ASSERT_EQUAL(n->nliving, 9);
    CU_ASSERT_EQUAL(n->c.zombies, 2);
    const char *z[] = { "alice", "apple" };
    for (int k = 0; k < 2; k++) {
        int32_t s = net_slot_of_word(n, z[k]);
        CU_ASSERT_FATAL(s >= 0);
        CU_ASSERT_EQUAL(n->id[s], k);
        CU_ASSERT_EQUAL(n->has_act[s], 1);
        ASSERT_REL(n->act[s], 0.5621765008857981, 1e-15);
        CU_ASSERT_EQUAL(census(n, s).touching, 0);
    }
    net_free(n);
}

static void test_incoming_kernel_dead_speaker_keeps_learning_as_in_the_reference(void)
{
    /* §11b + §8 step 1: the incoming step writes an entry for every id below
     * the counter, and for the ids of the window list it writes 1.0, dead
     * ones included; dead ids are not decayed (§7 step 2 covers living
     * neurons only). So a speaker evicted in one window of its utterance
     * holds an entry (1.0) in the next, passes the "has an activation entry"
     * check of §8 and keeps learning: the reference forms (dead id -> word)
     * connections, through the gate (its word is gone, so no speaker_
     * bypass), at dw = 0.1 x 1.0 x 0.98. Reference output for this input:
     * connections (0,2) 0.18327 and (0,3) 0.098 besides (1,2) (1,3) (2,3)
     * (3,2); 6 random() draws. (The minmax kernel never re-creates the entry:
     * there the dead speaker is skipped, 4 connections, 4 draws.) */
    Params p = params_for(3, "1.0");
    params_set(&p, "activation_kernel", "incoming", "test");
    params_set(&p, "max_neurons", "3", "test");
    Net *n = make_net(&p);
    net_utterance_begin(n, "Carol");              /* 0 */
    feed(n, "apple banana cherry");               /* cherry 3 evicts carol (tie 0.6, lowest id) */
    CU_ASSERT_EQUAL(id_of(n, "carol"), -1);
    double a = 0.0;
    CU_ASSERT(net_activation_of(n, 0, &a));       /* in the window list: clamped */
    ASSERT_EXACT(a, 1.0);
    feed(n, "banana");                            /* [0 banana cherry banana] */
    net_utterance_end(n);
    CU_ASSERT_EQUAL(nconn(n), 6);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 6);
    net_free(n);

    params_set(&p, "activation_kernel", "minmax", "test");
    n = make_net(&p);
    say(n, "Carol", "apple banana cherry banana");
    CU_ASSERT_EQUAL(nconn(n), 4);
    CU_ASSERT_EQUAL(draws_used(n, 0, 100), 4);
    net_free(n);
}

/* ---- §13: self-concept mass ------------------------------------------------------------ */

static void test_self_concept_uses_min_max_mass_else_fabricates_100_as_ap(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    /* alice 0, me 1: alice -> me is the (min, max) key */
    say(n, "Alice", "me apple");
    CU_ASSERT_EQUAL(n->nhistory, 1);
    ASSERT_REL(n->history[0].self_concept_mass, FIRST_M, 1e-15);
    SelfConcept sc;
    net_self_concept(n, 0, &sc);
    CU_ASSERT_EQUAL(sc.speaker_neuron_id, 0);
    CU_ASSERT_EQUAL(sc.nparts, 1);
    ASSERT_REL(sc.mass, FIRST_M, 1e-15);

    /* bob 3 -> me 1 exists, but the (1, 3) key does not: 100 a_s a_p */
    say(n, "Bob", "me apple");
    CU_ASSERT(has_edge(n, "bob", "me"));
    CU_ASSERT(!has_edge(n, "me", "bob"));
    double a_s = n->act[net_slot_of_word(n, "bob")], a_p = n->act[net_slot_of_word(n, "me")];
    ASSERT_REL(n->history[1].self_concept_mass, 100.0 * a_s * a_p, 1e-15);
    ASSERT_REL(n->history[1].self_concept_mass, 31.7004488488619, 1e-14);
    net_free(n);

    /* speaker neuron evicted: Σ m over the pronoun's connections instead */
    Params pc = p;
    params_set(&pc, "max_neurons", "3", "test");
    n = make_net(&pc);
    say(n, "Alice", "me apple");
    say(n, "Bob", "zz");                        /* bob evicts alice (tie, lowest id) */
    CU_ASSERT_EQUAL(id_of(n, "alice"), -1);
    net_self_concept(n, 0, &sc);
    CU_ASSERT_EQUAL(sc.speaker_neuron_id, -1);
    CU_ASSERT_EQUAL_FATAL(sc.nparts, 1);
    CU_ASSERT_EQUAL(sc.parts[0].neuron_id, 1);
    ASSERT_REL(sc.mass, FIRST_M, 1e-15);         /* me -> apple only */
    CU_ASSERT_EQUAL(sc.parts[0].nlinks, 1);
    CU_ASSERT_STRING_EQUAL(sc.parts[0].links[0].word, "apple");
    net_free(n);

    /* no self pronoun in the network: no entry, mass 0 */
    n = make_net(&p);
    say(n, "Carol", "apple banana");
    net_self_concept(n, 0, &sc);
    CU_ASSERT_EQUAL(sc.speaker_neuron_id, 0);
    CU_ASSERT_EQUAL(sc.nparts, 0);
    ASSERT_EXACT(sc.mass, 0.0);
    ASSERT_EXACT(n->history[0].self_concept_mass, 0.0);
    net_free(n);
}

/* ---- §6: the window ------------------------------------------------------------------------ */

static void test_windows_per_utterance_and_short_utterances(void)
{
    Params p = params_for(2, "1.0");
    Net *n = make_net(&p);
    say(n, "Alice", "apple");                 /* T < W: only the speaker neuron */
    CU_ASSERT_EQUAL(n->c.windows, 0);
    CU_ASSERT_EQUAL(n->id_counter, 1);
    CU_ASSERT_EQUAL(id_of(n, "apple"), -1);
    say(n, "Alice", "banana");                /* no carry-over across utterances */
    CU_ASSERT_EQUAL(n->c.windows, 0);
    CU_ASSERT_EQUAL(nconn(n), 0);
    say(n, "Alice", "apple banana cherry date");   /* T - W + 1 = 3 windows */
    CU_ASSERT_EQUAL(n->c.windows, 3);
    CU_ASSERT_EQUAL(n->id_counter, 5);
    CU_ASSERT(!has_edge(n, "apple", "cherry"));    /* never in one window */
    CU_ASSERT(has_edge(n, "cherry", "date"));
    net_free(n);
}

void register_model(void)
{
    CU_pSuite s = CU_add_suite("model (huey-model.md §5-§13)", NULL, NULL);
    CU_add_test(s, "§8/§9 a first co-occurrence gives dw = 0.09604 and m = 1.4924",
                test_first_cooccurrence_gives_dw_009604_and_m_14924);
    CU_add_test(s, "§9 repeated co-occurrence: m -> 8.988, dw -> 0.0506",
                test_repeated_cooccurrence_mass_approaches_8988_and_dw_00506);
    CU_add_test(s, "§8 connections are directional, earlier -> later",
                test_connections_are_directional_earlier_to_later);
    CU_add_test(s, "§6 a pair at several positions is updated several times",
                test_repeated_word_in_window_updates_pair_sequentially);
    CU_add_test(s, "§5.3 speaker -> words only; factor 0.98 sigma(h) from window 2",
                test_speaker_connects_to_words_and_learns_at_098_sigma_from_second_window);
    CU_add_test(s, "§10 activations decay to 0.98 a before the Hebbian and activation steps",
                test_activation_decay_098_before_hebbian_and_for_idle_neurons);
    CU_add_test(s, "§10 an idle connection decays x0.992 and is pruned after 282 windows",
                test_idle_connection_decays_0992_and_is_pruned_after_282_windows);
    CU_add_test(s, "§10 decay is the bit-exact loop w = max(w*0.992, 0.001)",
                test_eager_decay_is_bit_exact_loop_of_max_w_0992_0001);
    CU_add_test(s, "§10 decay deletes at w <= 2 x minimum_connection, inclusive",
                test_decay_deletes_at_twice_minimum_connection_inclusive);
    CU_add_test(s, "§8 the sparsity gate draws CPython random() per new pair",
                test_sparsity_gate_draws_cpython_random_per_new_pair);
    CU_add_test(s, "§5.3 speaker_ words bypass the gate without a draw",
                test_speaker_prefix_words_bypass_the_gate_without_a_draw);
    CU_add_test(s, "§8 the out-target limit refuses a new target without a draw",
                test_out_target_limit_refuses_new_target_without_a_draw);
    CU_add_test(s, "§10 targets deleted by decay still count toward the limit",
                test_targets_deleted_by_decay_still_count_toward_the_limit);
    CU_add_test(s, "§10 pruning frees a place under the limit",
                test_pruning_frees_a_place_under_the_limit);
    CU_add_test(s, "§5.2 an evicted target leaves its sources' target sets",
                test_evicted_target_leaves_its_sources_target_sets);
    CU_add_test(s, "§5.2 capacity evicts the least important neuron",
                test_capacity_evicts_least_important_neuron);
    CU_add_test(s, "§5.1/§5.2 eviction ties go to the lowest id; ids are never reused",
                test_eviction_ties_go_to_lowest_id_and_ids_are_never_reused);
    CU_add_test(s, "§5.2 a window word evicted by a later one returns with a new id",
                test_window_word_evicted_by_later_word_returns_with_new_id);
    CU_add_test(s, "§5.2 evicted words still in the next window come back with new ids",
                test_evicted_window_words_return_from_the_window_cache_with_new_ids);
    CU_add_test(s, "§5.5 an evicted concept word returns as a zombie with its old id",
                test_evicted_concept_word_returns_as_zombie_with_old_id);
    CU_add_test(s, "§11a below 30 ids h = (W + W^T).a over all connections",
                test_activation_step_small_network_uses_w_plus_wt);
    CU_add_test(s, "§11a dense: only (min id, max id)-keyed weights, both ends",
                test_activation_step_dense_uses_min_max_keyed_weights_only);
    CU_add_test(s, "§11a the kernel switches to dense at an id counter of 30",
                test_activation_step_switches_to_dense_at_30_ids);
    CU_add_test(s, "§11b incoming kernel: window clamped, sigma(bias + Σ incoming)",
                test_incoming_kernel_clamps_window_and_sums_incoming_with_bias);
    CU_add_test(s, "§11b dead ids keep an entry; zombies return with it",
                test_incoming_kernel_dead_ids_keep_an_entry_and_zombies_return_with_it);
    CU_add_test(s, "§11b a dead speaker id keeps its entry and keeps learning",
                test_incoming_kernel_dead_speaker_keeps_learning_as_in_the_reference);
    CU_add_test(s, "§13 self-concept: (min,max) mass, else 100 a_s a_p, else none",
                test_self_concept_uses_min_max_mass_else_fabricates_100_as_ap);
    CU_add_test(s, "§6 max(0, T-W+1) windows; short utterances add only the speaker",
                test_windows_per_utterance_and_short_utterances);
}
