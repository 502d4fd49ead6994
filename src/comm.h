/*
 * comm.h — the only door to MPI (design.md "One model, three ways to run
 * it"). This is the one-rank version: every collective is a copy, so the
 * same calls work in a plain process; the MPI version replaces comm.c.
 */
#ifndef HUEY_COMM_H
#define HUEY_COMM_H

#include <stddef.h>
#include <stdint.h>

void comm_init(int *argc, char ***argv);
void comm_finalize(void);
int comm_rank(void);
int comm_size(void);
/* Gather every rank's `bytes` bytes into out (size * bytes), rank order. */
void comm_allgather(const void *in, void *out, size_t bytes);
/* Global minimum of (value, id) pairs, ties to the lowest id. */
void comm_minloc(double *value, int64_t *id);
/* Min / sum / max of a double over ranks (for timer reports). */
void comm_stats(double v, double *min, double *avg, double *max);

#endif
