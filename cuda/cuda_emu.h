/*
 * cuda_emu.h — just enough of the CUDA runtime to run the .cu files of
 * cuda/ on the host, one thread after another (make cuda-emu builds
 * build/huey-emu with it). It checks the backend's logic and arithmetic
 * against the CPU backend on machines without a GPU; it cannot find races,
 * launch-configuration or memory-model errors, which only a device run can.
 */
#ifndef HUEY_CUDA_EMU_H
#define HUEY_CUDA_EMU_H

#include <stdlib.h>
#include <string.h>

#define __global__
#define __device__
#define __host__
#define __constant__

typedef int cudaError_t;
enum { cudaSuccess = 0, cudaErrorInsufficientDriver = 35, cudaErrorNoDevice = 100 };
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };

struct EmuDim {
    unsigned x;
};
static EmuDim blockIdx, threadIdx, blockDim, gridDim;

/* Every block, every thread, in order. */
template <typename F> static void emu_run(int grid, int block, F f)
{
    gridDim.x = (unsigned)grid;
    blockDim.x = (unsigned)block;
    for (int b = 0; b < grid; b++)
        for (int t = 0; t < block; t++) {
            blockIdx.x = (unsigned)b;
            threadIdx.x = (unsigned)t;
            f();
        }
}

static inline const char *cudaGetErrorString(cudaError_t) { return "emulated"; }
static inline cudaError_t cudaGetLastError(void) { return cudaSuccess; }
static inline cudaError_t cudaMalloc(void *p, size_t n)
{
    *(void **)p = malloc(n ? n : 1);
    return *(void **)p ? cudaSuccess : 2;
}
static inline cudaError_t cudaFree(void *p)
{
    free(p);
    return cudaSuccess;
}
static inline cudaError_t cudaMemcpy(void *d, const void *s, size_t n, cudaMemcpyKind)
{
    memmove(d, s, n);
    return cudaSuccess;
}
static inline cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, cudaMemcpyKind k, int stream)
{
    (void)stream;
    return cudaMemcpy(d, s, n, k);
}
static inline cudaError_t cudaMallocHost(void **p, size_t n) { return cudaMalloc(p, n); }
static inline cudaError_t cudaFreeHost(void *p) { return cudaFree(p); }
static inline cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
static inline cudaError_t cudaMemset(void *d, int v, size_t n)
{
    memset(d, v, n);
    return cudaSuccess;
}
template <typename T> static cudaError_t cudaMemcpyToSymbol(T &sym, const void *s, size_t n)
{
    memcpy(&sym, s, n);
    return cudaSuccess;
}
static inline unsigned long long atomicAdd(unsigned long long *p, unsigned long long v)
{
    unsigned long long o = *p;
    *p += v;
    return o;
}
static inline int atomicAdd(int *p, int v)
{
    int o = *p;
    *p += v;
    return o;
}
static inline double atomicAdd(double *p, double v)
{
    double o = *p;
    *p += v;
    return o;
}
static inline long long __double_as_longlong(double d)
{
    long long b;
    memcpy(&b, &d, sizeof b);
    return b;
}
static inline double __longlong_as_double(long long b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

struct cudaUUID_t {
    char bytes[16];
};
struct cudaDeviceProp {
    char name[256];
    int major, minor;
    size_t totalGlobalMem;
    cudaUUID_t uuid;
};
/* The current device, one for the whole program (inline: one instance
 * across the .cu files). */
inline int &emu_current_device()
{
    static int d;
    return d;
}
/* One device, or HUEY_EMU_DEVICES of them (tests: ranks with a device
 * each, so that cuda/nccl.cu's emulated path runs). */
static inline cudaError_t cudaGetDeviceCount(int *n)
{
    const char *e = getenv("HUEY_EMU_DEVICES");
    *n = e && atoi(e) > 0 ? atoi(e) : 1;
    return cudaSuccess;
}
static inline cudaError_t cudaSetDevice(int d)
{
    emu_current_device() = d;
    return cudaSuccess;
}
static inline cudaError_t cudaGetDevice(int *d)
{
    *d = emu_current_device();
    return cudaSuccess;
}
static inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int d)
{
    strcpy(p->name, "host emulation of the CUDA backend");
    p->major = 0;
    p->minor = 0;
    p->totalGlobalMem = 0;
    memset(&p->uuid, 0, sizeof p->uuid);
    p->uuid.bytes[0] = (char)(d + 1);
    return cudaSuccess;
}

#endif
