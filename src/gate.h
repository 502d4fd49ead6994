/*
 * gate.h — the sparsity gate's view of a window (§8), kept by a backend:
 * for window members i, j whether the connection (i->j) exists, was
 * removed by decay while i still counts j ("stale"), or is absent, and i's
 * out-target count. The holder of i's row fills i's entries (gate_fill);
 * with P ranks the others arrive through the all-gather (gate_set_row).
 *
 * A backend's state struct starts with a WindowGate, so the ops-table
 * entries gate_row and gate_set_row are these functions for every backend,
 * and the model reads state and nout there directly (net.c's Hebbian pairs,
 * one look per pair). Host code shared by the CPU and CUDA backends.
 */
#ifndef HUEY_GATE_H
#define HUEY_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "pairset.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { GATE_ABSENT = 0, GATE_EXISTS = 1, GATE_STALE = 2 };

typedef struct WindowGate {
    int n;                        /* window members */
    uint8_t *state;               /* (n*n) GATE_* of (i->j) */
    size_t cap;
    uint32_t nout[MAX_WINDOW];    /* members' out-target set sizes, stale included */
    uint8_t owned[MAX_WINDOW];    /* this rank holds the member's row */
} WindowGate;

/* The window's members are slot[0..n-1]; owned and nout are by slot; wout
 * (n*n) is the position of (i->j) in i's row or -1. With stale NULL an
 * absent pair is not told from a stale one (both GATE_ABSENT): for a
 * backend that holds every row (one rank), which learns whether a new
 * connection's target was stale when it removes it from its stale set. */
void gate_fill(WindowGate *g, int n, const int32_t *slot, const uint8_t *owned, const uint32_t *nout,
               const int32_t *wout, const PairSet *stale);
void gate_free(WindowGate *g);

/* Ops-table entries (st: a backend state that starts with a WindowGate). */
bool gate_row(void *st, int di, uint8_t *state, uint32_t *nout);
void gate_set_row(void *st, int di, const uint8_t *state, uint32_t nout);

#ifdef __cplusplus
}
#endif

#endif
