/*
 * stub.c — cuda_api.h for a build without nvcc: no device is ever found,
 * so `backend = auto` stays on the CPU and `backend = cuda` is refused
 * before the CUDA backend could be created.
 */
#include <stdio.h>

#include "cuda_api.h"
#include "util.h"

bool cuda_compiled(void) { return false; }

int cuda_probe(int local_rank, int *device, char *name, size_t name_len, char *why, size_t why_len)
{
    (void)local_rank;
    *device = -1;
    if (name_len)
        name[0] = '\0';
    snprintf(why, why_len, "this huey was built without CUDA (no nvcc at build time)");
    return 0;
}

static void *stub_create(const Params *p, int nranks)
{
    (void)p;
    (void)nranks;
    die("backend = cuda: this huey was built without CUDA");
}

const BackendOps backend_cuda_ops = { .name = "cuda", .create = stub_create };

int cuda_eigen_sym(int n, double *A, double *w, int ntop, double *top, int nbottom, double *bottom)
{
    (void)n; (void)A; (void)w; (void)ntop; (void)top; (void)nbottom; (void)bottom;
    return -1;
}

int cuda_space_rows(const CudaSpaceIn *in, int r0, int nr, const int64_t *link0, const int32_t *link_j,
                    const double *link_v, double *rows)
{
    (void)in; (void)r0; (void)nr; (void)link0; (void)link_j; (void)link_v; (void)rows;
    return -1;
}

bool cuda_nccl_usable(unsigned char uuid[16], char *why, size_t why_len)
{
    (void)uuid;
    snprintf(why, why_len, "this huey was built without CUDA");
    return false;
}

void cuda_nccl_start(void) { die("NCCL: this huey was built without CUDA"); }

void cuda_nccl_allgatherv(const void *in, size_t bytes, void *out, const size_t *counts)
{
    (void)in; (void)bytes; (void)out; (void)counts;
    die("NCCL: this huey was built without CUDA");
}

void cuda_nccl_stop(void) {}
