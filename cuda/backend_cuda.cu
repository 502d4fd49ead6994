/*
 * backend_cuda.cu — the CUDA backend (placeholder until the kernels land).
 */
#include "cuda_api.h"
#include "cuda_check.h"

static void *cuda_create(const Params *p, int nranks)
{
    (void)p;
    (void)nranks;
    die("backend = cuda: the CUDA backend is not written yet");
}

extern "C" const BackendOps backend_cuda_ops = { "cuda", cuda_create };
