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
/* comm_local(true): until comm_local(false), this rank acts as a job of
 * its own (rank 0 of 1: every collective is a copy, files are opened
 * without MPI-IO). For work each rank does alike by itself, e.g. loading
 * the same checkpoint on every rank before a collective analysis. */
void comm_local(bool on);

#endif
