/*
 * gate.c — the sparsity gate's view of a window (gate.h).
 */
#include "gate.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void gate_fill(WindowGate *g, int n, const int32_t *slot, const uint8_t *owned, const uint32_t *nout,
               const int32_t *wout, const PairSet *stale)
{
    g->n = n;
    GROW(g->state, g->cap, (size_t)n * n + 1);
    for (int i = 0; i < n; i++) {
        g->owned[i] = owned[slot[i]];
        if (!g->owned[i])
            continue;   /* its owner's entries come through the all-gather */
        g->nout[i] = nout[slot[i]];
        for (int j = 0; j < n; j++)
            g->state[i * n + j] = wout[i * n + j] >= 0 ? GATE_EXISTS
                                : stale && pairset_has(stale, slot[i], slot[j]) ? GATE_STALE : GATE_ABSENT;
    }
}

void gate_free(WindowGate *g)
{
    free(g->state);
    g->state = NULL;
    g->cap = 0;
}

bool gate_row(void *st, int di, uint8_t *state, uint32_t *nout)
{
    const WindowGate *g = st;
    if (!g->owned[di])
        return false;
    memcpy(state, g->state + (size_t)di * g->n, (size_t)g->n);
    *nout = g->nout[di];
    return true;
}

void gate_set_row(void *st, int di, const uint8_t *state, uint32_t nout)
{
    WindowGate *g = st;
    memcpy(g->state + (size_t)di * g->n, state, (size_t)g->n);
    g->nout[di] = nout;
}

bool gate_edge_exists(void *st, int di, int dj)
{
    const WindowGate *g = st;
    return g->state[di * g->n + dj] == GATE_EXISTS;
}

uint32_t gate_out_targets(void *st, int di)
{
    const WindowGate *g = st;
    return g->nout[di];
}
