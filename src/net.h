/*
 * net.h — the Huey model: one network, learned window by window
 * (huey-model.md §5–§13, the canonical HueyGPUConversationalNetwork).
 *
 * All state lives in struct Net so that a checkpoint can save it whole:
 * neurons by slot (id, word, activation, whether an activation entry
 * exists), the word_to_neuron insertion order, the concept_neurons list
 * (never shrinking, stale entries included), speakers, the MT19937 state,
 * the token ring of the current utterance, counters; connections live in
 * the backend. Text arrives as utterances: net_utterance_begin(speaker),
 * net_token() for each kept token, net_utterance_end().
 */
#ifndef HUEY_NET_H
#define HUEY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "mt19937.h"
#include "params.h"
#include "strmap.h"

typedef struct Speaker {
    char *name;              /* as detected: "Alice", "Speaker_A", "Author" */
    char *word;              /* name.lower(): the speaker neuron's word */
    uint64_t blocks;         /* utterances processed */
} Speaker;

typedef struct UttRecord {
    int32_t speaker;         /* index into speakers */
    uint64_t tokens;         /* tokens kept in the utterance */
    uint64_t first_window;   /* windows counter when it began */
    double self_concept_mass;/* after the utterance (§13) */
} UttRecord;

typedef struct Concept {
    const char *word;        /* key copy owned by concept_idx */
    int64_t id;
} Concept;

typedef struct NetCounters {
    uint64_t windows, tokens, utterances, evictions, zombies;
    uint64_t words;          /* input words (whitespace split) of utterances seen */
    uint64_t decay_deleted, pruned, created;
} NetCounters;

typedef enum { T_VOCAB, T_HEBBIAN, T_STEP, T_ALLGATHER, T_EVICT, T_IO, T_COUNT } NetTimer;

typedef struct Net {
    Params p;
    Backend be;
    Mt19937 rng;
    int rank, nranks;        /* this rank owns the neurons with id % nranks == rank */
    uint32_t want_stop;      /* this rank asks to stop (rank 0: time budget, signals) */
    bool stop;               /* every rank agreed to stop after this window */
    uint32_t want_checkpoint;/* this rank asks for a checkpoint (rank 0: clock, signals) */
    bool checkpoint_now;     /* every rank agreed: a checkpoint after this window */
    uint32_t want_snapshot;  /* rank 0 asks for a live snapshot (huey run --live) */
    bool snapshot_now;       /* every rank agreed: a snapshot after this window */

    /* neurons, by slot; a slot is free when id < 0 */
    int64_t id_counter;      /* ids ever issued (the reference's neuron_count) */
    int32_t nslots, cap;     /* slots in use (high-water) and allocated */
    int32_t nliving;         /* len(word_to_neuron): living neurons incl. zombies */
    int32_t nghosts;         /* ghost slots (incoming kernel, below) */
    int64_t *id;             /* (cap) */
    int32_t *owner;          /* (cap) rank owning the id: id mod P, -1 if free */
    const char **word;       /* (cap) key copy owned by vocab */
    double *act;             /* (cap) activation (0 while no entry) */
    uint8_t *has_act;        /* (cap) the id holds an activation entry */
    uint8_t *is_speaker;     /* (cap) word starts with speaker_prefix */
    int32_t *w2n_prev, *w2n_next;  /* (cap) word_to_neuron insertion order */
    int64_t *w2n_pos_scratch;      /* (cap) scratch: a slot's place in that order */
    int32_t w2n_head, w2n_tail;
    int32_t *free_slots;     /* LIFO of freed slots */
    size_t nfree, free_cap;
    StrMap vocab;            /* word -> slot */

    /* Work list: the slots the window must visit. A neuron without
     * connections whose activation is already the step's fixed point
     * sigma(bias or 0) is "settled": decay and step would give it the same
     * value again, so it leaves the list; its eviction importance is the
     * same for all such neurons, so among them the lowest id goes first,
     * kept in a min-heap of ids (entries checked lazily). */
    int32_t *active;         /* (nactive) listed slots */
    size_t nactive, active_cap;
    size_t nfresh;           /* the last nfresh of them were listed since the last step */
    int32_t act_set[8];      /* slots whose activation a look-up set since the last step */
    size_t nact_set;         /* how many (beyond 8: too many to tell the step) */
    uint8_t *listed;         /* (cap) the slot is in active */
    uint8_t *settled;        /* (cap) */
    uint8_t *in_heap;        /* (cap) the slot has an entry in settled_heap */
    int64_t *heap_id;        /* min-heap of (id, slot) of settled neurons */
    int32_t *heap_slot;
    size_t nheap, heap_cap;
    double settled_value;    /* sigma(0), or sigma(bias) for the incoming kernel */
    uint8_t *step_empty;     /* (active_cap) scratch of the step */
    size_t step_empty_cap;
    int32_t *step_emptied;   /* (step_emptied_cap) scratch of the step */
    size_t step_emptied_cap;
    int32_t *pair_buf;       /* (pair_cap) scratch of the Hebbian pairs: di << 16 | dj */
    size_t pair_cap;
    uint8_t *in_window;      /* (cap) the slot is a member of the current window */
    double *evict_imp;       /* (evict_imp_cap) scratch of an eviction: importance per listed slot */
    size_t evict_imp_cap;
    bool entries_pending;    /* a listed slot may lack an activation entry (zombies,
                                a load): the next window's decay gives it one */

    /* P ranks: the last step's work list, whose owners send the new
     * activations (and settle flags) in the next window's all-gather */
    int32_t *prev_slot;
    int64_t *prev_id;
    int32_t *prev_owner;
    size_t *prev_count;      /* (nranks) entries each rank owns */
    size_t *prev_tally;      /* (4 nranks) scratch of the count */
    uint8_t *prev_settle;
    size_t nprev, prev_cap;
    AllGatherFn allgather;   /* the window's collective: MPI or NCCL (backend.h) */
    size_t *xcounts;         /* (nranks) bytes per rank in the all-gather */
    size_t *xcursor;         /* (nranks) read position in each rank's part */
    int32_t *xsettle;        /* slots their owners found settled */
    size_t xsettle_cap;
    unsigned char *xbuf;
    size_t xcap;

    /* concept_neurons (§5.5): insertion order, never shrinks */
    StrMap concept_idx;      /* word -> index into concepts */
    Concept *concepts;
    size_t nconcepts, concepts_cap;

    /* speakers and per-utterance history */
    StrMap speaker_idx;      /* name -> index */
    Speaker *speakers;
    size_t nspeakers, speakers_cap;
    UttRecord *history;
    size_t nhistory, history_cap;
    /* the tokens of the utterances, in order, '\0'-separated, while fewer
     * than history_tokens were kept (history_complete says whether all) */
    char *hist_text;
    size_t hist_len, hist_cap;
    uint64_t hist_tokens;
    bool history_complete;
    /* how often each word occurred: raw (before the kill list) and kept */
    StrMap freq_idx;         /* word -> index */
    uint64_t *freq_raw, *freq_kept;
    size_t nfreq, freq_cap;

    /* current utterance */
    bool in_utterance;
    int32_t cur_speaker;
    int32_t spk_slot;
    int64_t spk_id;
    int32_t utt_nliving0;    /* len(word_to_neuron) when it began */
    uint64_t utt_windows0;   /* windows counter when it began */
    uint64_t utt_tokens;
    char **ring;             /* (window_size) last tokens, oldest at ring_head */
    size_t *ring_len, *ring_cap;
    int32_t *ring_slot;      /* cached lookup: valid while id matches */
    int64_t *ring_id;
    uint32_t ring_head, ring_n;

    /* incoming kernel: ids that died still hold an activation entry until
     * they die again; the reference's dictionary is rebuilt over all ids
     * every window (§11b). A dead speaker id stays in its utterance's
     * windows with that entry and keeps learning: it then gets a "ghost"
     * slot (id >= 0, no word, not living) that holds its connections. */
    int64_t k_last_step;     /* id counter at the last activation step */
    int64_t *last_window_ids;/* (window_size + 1) ids of the last window */
    int32_t last_window_n;
    int64_t *killed_since_step;
    size_t nkilled, killed_cap;

    NetCounters c;
    double timer[T_COUNT];    /* seconds (input and output) ... */
    uint64_t ticks[T_COUNT];  /* ... plus clock_ticks of the window loop: net_timer */
} Net;

/* One network; with P ranks every rank calls everything below in the
 * same order (the model's decisions are replicated, connections are not). */
Net *net_create(const Params *p, const BackendOps *ops, int rank, int nranks);
/* Ask to stop after the current window; with P ranks rank 0's request
 * reaches everyone through the next all-gather (then n->stop is set). */
void net_request_stop(Net *n);
/* Likewise for a checkpoint after the current window. */
void net_request_checkpoint(Net *n);
/* Likewise for a live snapshot (huey run --live). */
void net_request_snapshot(Net *n);
void net_free(Net *n);

/* Start an utterance of `speaker` (registered on first use). */
void net_utterance_begin(Net *n, const char *speaker);
/* One token of the current utterance (already filtered by the kill list);
 * processes a window once window_size tokens are buffered. */
void net_token(Net *n, const char *word, size_t len);
/* Count an occurrence of word (kept: it passed the kill list). */
void net_count_word(Net *n, const char *word, size_t len, bool kept);
/* A kept token: net_token, then net_count_word(kept), the counting map's
 * entry asked for before the window so that its miss overlaps it (the
 * same counts, complete when the call returns). */
void net_learn_word(Net *n, const char *word, size_t len);
/* Count raw input words (for words_processed). */
static inline void net_add_words(Net *n, uint64_t w) { n->c.words += w; }
/* End the utterance: self-concept history and the concept_neurons sync. */
void net_utterance_end(Net *n);

/* Checkpoints (collective): the whole model state into / out of an open
 * checkpoint; net_load fills a net just made by net_create with the
 * checkpoint's parameters. */
struct Ckpt;
void net_save(Net *n, struct Ckpt *c);
void net_load(Net *n, struct Ckpt *c);

/* Neurons by increasing id: the living ones, and with ghosts = true the
 * incoming kernel's dead-speaker ghosts too (malloc'ed, *count entries). */
typedef struct IdSlot {
    int64_t id;
    int32_t slot;
} IdSlot;
IdSlot *net_by_id(const Net *n, bool ghosts, size_t *count);
/* The slot of id in such a list (binary search), -1 when absent. */
int32_t net_by_id_find(const IdSlot *v, size_t count, int64_t id);

/* ---- read access for outputs ------------------------------------------- */

/* Self-concept of speaker index s (§13, the GPU class's analysis). */
enum { SELF_CONCEPT_LINKS = 10 };
typedef struct SelfConceptLink {
    const char *prefix, *word;   /* label = prefix + word */
    double strength, mass;
} SelfConceptLink;
typedef struct SelfConceptPart {
    const char *pronoun;
    int64_t neuron_id;
    double mass;
    int nlinks;
    SelfConceptLink links[SELF_CONCEPT_LINKS];
} SelfConceptPart;
typedef struct SelfConcept {
    int64_t speaker_neuron_id;   /* -1: no speaker neuron */
    double mass;
    int nparts;
    SelfConceptPart parts[MAX_PRONOUNS];
} SelfConcept;
void net_self_concept(Net *n, size_t s, SelfConcept *out);

/* Everything the outputs need from the rows, gathered at rank 0
 * (collective; on the other ranks the result is empty). */
typedef struct NetEdge {
    int64_t src, dst;
    double w, m;
} NetEdge;
typedef struct NetOutputs {
    NetEdge *edges;          /* sorted by (src, dst) */
    size_t nedges;
    double *act;             /* (nslots) activations, fresh from their owners */
    uint8_t *has_act;        /* (nslots) */
    double *mass;            /* (nslots) concept mass: Σ m of connections touching it */
    uint64_t *rank_connections; /* (nranks) connections held per rank */
    size_t connection_bytes, neuron_bytes;  /* summed over ranks */
} NetOutputs;
void net_outputs(Net *n, NetOutputs *o);
void net_outputs_free(NetOutputs *o);

/* Activation entry of id (living or, for the incoming kernel, dead);
 * returns false when the id holds none. */
bool net_activation_of(const Net *n, int64_t id, double *a);
/* For a dead id without a ghost slot: its implicit entry (incoming kernel). */
bool net_dead_entry(const Net *n, int64_t id, double *a);
int32_t net_ghost_slot(const Net *n, int64_t id);
extern const char *const net_timer_names[T_COUNT];
/* Seconds spent in phase t so far. */
double net_timer(const Net *n, NetTimer t);
/* Slot of a living id, -1 if dead (linear in slots; for outputs only). */
int32_t net_slot_of_word(const Net *n, const char *word);
/* Σ m of the connections touching slot, added one by one in the order
 * they were made (the reference's inertial_mass dict order, so sums and
 * the ties between them come out as its do); false when this rank does
 * not hold the slot's row (P > 1). NetOutputs.mass is the same sum in
 * another order. */
bool net_mass_in_order(const Net *n, int32_t slot, double *mass);
/* Connections over all ranks (collective). */
uint64_t net_connections(const Net *n);

#endif
