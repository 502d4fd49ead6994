/*
 * comm.h — the only door to MPI (design.md "One model, three ways to run
 * it"). Every MPI call of huey is in comm.c.
 *
 * A process started by mpirun/srun (recognised from the launcher's
 * environment) runs MPI; a plain `huey run` does not initialise MPI at all
 * (an MPI singleton costs a third of a second) and every collective is a
 * copy. With P ranks, an error on any rank aborts the whole job
 * (MPI_Abort through util_abort_hook), never leaving the others waiting.
 */
#ifndef HUEY_COMM_H
#define HUEY_COMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void comm_init(int *argc, char ***argv);
void comm_finalize(void);
int comm_rank(void);
int comm_size(void);
/* This rank among the ranks of its node (MPI_COMM_TYPE_SHARED): rank ->
 * GPU. */
int comm_local_rank(void);
/* Every rank sends `bytes` bytes; rank r's part lands at out + offset[r],
 * where offset is the prefix sum of counts[] (counts in bytes, the same
 * array on every rank). */
void comm_allgatherv(const void *in, size_t bytes, void *out, const size_t *counts);
/* Global minimum of (value, id), ties to the lowest id; id -1 = no
 * candidate on this rank. `payload` travels with the winner. */
void comm_minloc(double *value, int64_t *id, int64_t *payload);
/* Element-wise sum over ranks, in place. */
void comm_sum(double *v, int n);
uint64_t comm_sum_u64(uint64_t v);
/* Min, average and max of v over ranks (every rank gets them). */
void comm_stats(double v, double *min, double *avg, double *max);
/* Gather every rank's bytes at rank 0: returns a malloc'ed buffer of the
 * concatenation in rank order (total in *total) on rank 0, NULL elsewhere. */
void *comm_gather(const void *in, size_t bytes, size_t *total);
/* All-to-all of elements of `elem` bytes: counts[q] elements of `in` (in
 * rank order) go to rank q. Returns a malloc'ed buffer of what arrived,
 * in rank order, with from[q] = the elements rank q sent here. */
void *comm_alltoallv(const void *in, const size_t *counts, size_t elem, size_t *from);
void comm_barrier(void);
/* Exclusive prefix sum of v over ranks (rank 0 gets 0) and the total. */
uint64_t comm_exscan(uint64_t v, uint64_t *total);
/* Whether MPI runs (parallel HDF5 needs to know). */
bool comm_mpi_on(void);
/* The MPI library's name and version ("Open MPI v4.1.4"), for --version. */
void comm_library_version(char *buf, size_t len);

/* ---- batch mode: independent work per rank ----------------------------- */

/* While "local", this rank acts as a job of its own: comm_rank() is 0,
 * comm_size() 1, every collective above is a copy and files are opened
 * without MPI-IO (one conversation's network in batch mode; a checkpoint
 * loaded by each rank alike before a collective analysis). The queue and
 * the world functions below always use all ranks. */
void comm_set_local(bool local);
int comm_world_rank(void);
int comm_world_size(void);
/* Rank 0's bytes to every rank (collective over all ranks): *bytes and the
 * returned malloc'ed buffer are rank 0's on every rank. */
void *comm_bcast_bytes(const void *in, size_t *bytes);
/* Rank 0's `bytes` bytes at buf to every rank (collective over all ranks).
 * With poll_seconds > 0 the other ranks wait by testing and sleeping in
 * between (sleeps growing to poll_seconds), not spinning: rank 0 may be
 * waiting for input (huey run --follow). */
void comm_bcast(void *buf, size_t bytes, double poll_seconds);
/* A work queue of indices 0..n-1 handed out by rank 0 in order, to
 * whichever rank asks first (the other ranks ask for their next index
 * while they work on the current one). Rank 0 works too: it answers waiting requests
 * whenever it calls comm_queue_poll (often: once per utterance) or
 * comm_queue_next. comm_queue_stop (rank 0) hands out no more work. A
 * rank that quits early calls comm_queue_leave. comm_queue_end
 * (collective) returns when every rank is done; rank 0 answers until then. */
void comm_queue_begin(uint64_t n);
int64_t comm_queue_next(void);      /* -1: no more work */
void comm_queue_poll(void);
void comm_queue_stop(void);
void comm_queue_leave(void);
void comm_queue_end(void);

#endif
