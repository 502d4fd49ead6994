/*
 * probe.cu — is there a CUDA device this process can use, and which one:
 * rank r of a node takes device r mod (devices on the node). Without a
 * driver cudaGetDeviceCount returns cudaErrorInsufficientDriver (35) and
 * leaves the count unwritten; that is "no CUDA driver", not a failure.
 */
#include <stdio.h>

#include "cuda_api.h"
#include "cuda_check.h"

extern "C" bool cuda_compiled(void) { return true; }

extern "C" int cuda_probe(int local_rank, int *device, char *name, size_t name_len, char *why, size_t why_len)
{
    int count = 0;
    *device = -1;
    if (name_len)
        name[0] = '\0';
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice || (e == cudaSuccess && count == 0)) {
        snprintf(why, why_len, "%s (cudaGetDeviceCount: error %d)",
                 e == cudaErrorInsufficientDriver ? "no CUDA driver" : "no CUDA device", (int)e);
        (void)cudaGetLastError();   /* clear the sticky error */
        return 0;
    }
    if (e != cudaSuccess) {
        snprintf(why, why_len, "CUDA unusable (cudaGetDeviceCount: error %d, %s)", (int)e, cudaGetErrorString(e));
        (void)cudaGetLastError();
        return 0;
    }
    int dev = (local_rank < 0 ? 0 : local_rank) % count;
    cudaDeviceProp prop;
    if ((e = cudaSetDevice(dev)) != cudaSuccess || (e = cudaGetDeviceProperties(&prop, dev)) != cudaSuccess) {
        snprintf(why, why_len, "CUDA device %d unusable (error %d, %s)", dev, (int)e, cudaGetErrorString(e));
        (void)cudaGetLastError();
        return 0;
    }
    *device = dev;
    snprintf(name, name_len, "%s, sm_%d%d, %.0f GiB", prop.name, prop.major, prop.minor,
             (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    why[0] = '\0';
    return count;
}
