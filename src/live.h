/*
 * live.h — the live view of a run (huey run --live DIR): every
 * live_every seconds DIR/state.json (counts, top concepts by mass,
 * speakers with their self-concept mass, strongest associations) and the
 * torgerson space of the network as it stands, DIR/space.html (reloading
 * itself, keeping its rotation) and DIR/map-12.svg. Each file is written
 * to NAME.tmp and renamed, so a reader never sees half a file.
 *
 * Learning never waits for the writing: at a snapshot the learning thread
 * copies what the view needs (net_outputs, self-concepts, the kmax lists,
 * the space's concepts and links: the pause, timed) and hands the copy to
 * a writer thread, which decomposes the space and writes the files. A
 * snapshot that arrives while the writer is busy replaces the one waiting,
 * if any; learning waits at most for that pointer swap. The writer thread
 * makes no MPI call: every rank takes part in the snapshot's collectives
 * (net_outputs, net_self_concept) on its main thread, and rank 0 alone
 * has a writer.
 */
#ifndef HUEY_LIVE_H
#define HUEY_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "net.h"
#include "params.h"

/* What the run says about its input in state.json. */
typedef struct LiveInput {
    const char *path;        /* the input ("-": standard input; the first of several files) */
    bool follow;             /* huey run --follow */
    const char *strategy;    /* speaker detection */
    uint64_t bytes;          /* read so far */
    uint64_t bytes_total;    /* files: their size; 0 for a followed input */
    uint64_t lines, dropped; /* --follow, conversation mode: non-empty lines, those without a label */
    uint64_t rejoins, idle_cuts;   /* --follow: LiveStats */
    double seconds;          /* since learning began */
    bool final;              /* the run's last snapshot */
    const char *stop_reason; /* final: why it ended ("" when the input was read to its end) */
} LiveInput;

typedef struct LiveView LiveView;

/* Every rank, in the same order: rank 0 creates DIR and starts the writer. */
LiveView *live_open(const char *dir, const Params *p);
/* Collective: a snapshot of net (after a window or an utterance, on every
 * rank at the same point); rank 0 hands it to the writer. */
void live_take(LiveView *v, Net *net, const LiveInput *in);
/* Waits for the writer to finish what it holds (rank 0), prints the
 * snapshot timings, frees v. */
void live_close(LiveView *v);

#endif
