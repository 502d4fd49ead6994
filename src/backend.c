/*
 * backend.c — which backend a run uses (design.md "Backends").
 *
 * `backend = cpu` never touches CUDA. `auto` takes CUDA only when a device
 * is usable and the network is large enough for the GPU to win
 * (max_neurons >= gpu_crossover; 0 = not measured, stay on the CPU): below
 * that, one core beats the kernel launches and copies of a window.
 * `cuda` insists: without a usable device it is an error. Either way the
 * caller prints one line saying what was chosen and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "comm.h"
#include "cuda_api.h"
#include "util.h"

const BackendOps *backend_select(const Params *p, int local_rank, char *line, size_t len)
{
    char why[256], name[256];
    const BackendOps *ops = &backend_cpu_ops;
    if (p->backend == BACKEND_CPU) {
        snprintf(line, len, "backend = cpu");
    } else {
        int dev;
        int count = cuda_probe(local_rank, &dev, name, sizeof name, why, sizeof why);
        if (p->backend == BACKEND_CUDA) {
            if (count == 0)
                die("backend = cuda: no usable CUDA device: %s", why);
            ops = &backend_cuda_ops;
            snprintf(line, len, "backend = cuda: device %d, %s", dev, name);
        } else if (count == 0) {
            snprintf(line, len, "auto: no usable CUDA device: %s", why);
        } else if (p->gpu_crossover == 0) {
            snprintf(line, len, "auto: CUDA device %d (%s) found, but gpu_crossover = 0 (not measured)", dev,
                     name);
        } else if (p->max_neurons < p->gpu_crossover) {
            snprintf(line, len, "auto: CUDA device %d (%s) found, but max_neurons %lld < gpu_crossover %lld",
                     dev, name, (long long)p->max_neurons, (long long)p->gpu_crossover);
        } else {
            ops = &backend_cuda_ops;
            snprintf(line, len, "auto: device %d (%s), max_neurons %lld >= gpu_crossover %lld", dev, name,
                     (long long)p->max_neurons, (long long)p->gpu_crossover);
        }
    }
    return ops;
}

AllGatherFn backend_collective(const BackendOps *ops, char *line, size_t len)
{
    line[0] = '\0';
    if (comm_size() == 1)
        return comm_allgatherv;
    /* NCCL wants a GPU of its own for every rank: the ranks compare their
     * devices' UUIDs (a rank's CUDA_VISIBLE_DEVICES may show it one device,
     * its own, or all the node's) and take the same decision. Every rank
     * takes part, whatever its backend: `auto` may have put some on the
     * CPU. */
    typedef struct Probe {
        unsigned char uuid[16];
        char why[112];        /* empty: this rank can use NCCL */
    } Probe;
    const int P = comm_size();
    Probe me;
    memset(&me, 0, sizeof me);
    if (ops != &backend_cuda_ops)
        snprintf(me.why, sizeof me.why, "CPU backend");
    else if (!cuda_nccl_usable(me.uuid, me.why, sizeof me.why) && !me.why[0])
        snprintf(me.why, sizeof me.why, "NCCL unusable");
    Probe *all = xmalloc((size_t)P * sizeof *all);
    size_t *counts = xmalloc((size_t)P * sizeof *counts);
    for (int r = 0; r < P; r++)
        counts[r] = sizeof me;
    comm_allgatherv(&me, sizeof me, all, counts);
    free(counts);
    for (int r = 0; r < P && !line[0]; r++) {
        if (all[r].why[0]) {
            snprintf(line, len, "all-gather: MPI (rank %d: %s)", r, all[r].why);
            break;
        }
        for (int q = r + 1; q < P; q++)
            if (memcmp(all[r].uuid, all[q].uuid, sizeof all[r].uuid) == 0) {
                snprintf(line, len, "all-gather: MPI (ranks %d and %d share a GPU; NCCL needs one GPU per rank)", r,
                         q);
                break;
            }
    }
    bool cpu_only = strcmp(all[0].why, "CPU backend") == 0;
    for (int r = 1; r < P; r++)
        cpu_only = cpu_only && strcmp(all[r].why, "CPU backend") == 0;
    free(all);
    if (cpu_only)
        line[0] = '\0';   /* the usual case: nothing to say */
    if (line[0] || cpu_only)
        return comm_allgatherv;
    cuda_nccl_start();
    snprintf(line, len, "all-gather: NCCL across %d GPUs", P);
    return cuda_nccl_allgatherv;
}

void backend_collective_end(AllGatherFn f)
{
    if (f == cuda_nccl_allgatherv)
        cuda_nccl_stop();
}
