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
        uint8_t *st = g->state + i * n;
        const int32_t *at = wout + i * n;
        for (int j = 0; j < n; j++)
            st[j] = at[j] >= 0;   /* GATE_EXISTS or GATE_ABSENT, without branches */
        if (stale)
            for (int j = 0; j < n; j++)
                if (st[j] == GATE_ABSENT && pairset_has(stale, slot[i], slot[j]))
                    st[j] = GATE_STALE;
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
