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

#include "backend.h"
#include "comm.h"
#include "cuda_api.h"
#include "util.h"

const BackendOps *backend_select(const Params *p, int local_rank, int local_size, char *line, size_t len)
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
            snprintf(line, len, "backend = cuda: device %d, %s%s", dev, name,
                     local_size > count ? "; ranks of this node share devices" : "");
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
            snprintf(line, len, "auto: device %d (%s), max_neurons %lld >= gpu_crossover %lld%s", dev, name,
                     (long long)p->max_neurons, (long long)p->gpu_crossover,
                     local_size > count ? "; ranks of this node share devices" : "");
        }
    }
    return ops;
}

AllGatherFn backend_collective(const BackendOps *ops, char *line, size_t len)
{
    line[0] = '\0';
    if (comm_size() == 1 || ops != &backend_cuda_ops)
        return comm_allgatherv;
    char why[256];
    double refused = cuda_nccl_usable(comm_local_size(), why, sizeof why) ? 0.0 : 1.0;
    double mine = refused;
    comm_sum(&refused, 1);
    if (refused > 0) {
        snprintf(line, len, "all-gather: MPI (%s)", mine > 0 ? why : "another rank cannot use NCCL");
        return comm_allgatherv;
    }
    cuda_nccl_start();
    snprintf(line, len, "all-gather: NCCL across %d GPUs", comm_size());
    return cuda_nccl_allgatherv;
}

void backend_collective_end(AllGatherFn f)
{
    if (f == cuda_nccl_allgatherv)
        cuda_nccl_stop();
}
