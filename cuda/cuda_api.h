/*
 * cuda_api.h — the C face of cuda/: what src/ may call. Everything behind
 * it (CUDA runtime, cuBLAS, cuSOLVER, NCCL) stays in the .cu files here; a build
 * without nvcc links cuda/stub.c instead, whose functions report "no CUDA".
 *
 * None of these functions needs a GPU or a driver to be called: without
 * one they return 0 / nonzero with the reason, never abort.
 */
#ifndef HUEY_CUDA_API_H
#define HUEY_CUDA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether this binary has the CUDA backend compiled in. */
bool cuda_compiled(void);

/* Usable CUDA devices for this process: the count (> 0), after making
 * device local_rank % count current and writing its name into name;
 * or 0 with the reason in why ("no CUDA driver (cudaGetDeviceCount: error
 * 35)", "built without CUDA", ...). *device gets the device chosen. */
int cuda_probe(int local_rank, int *device, char *name, size_t name_len, char *why, size_t why_len);

/* The CUDA backend (cuda/backend_cuda.cu): connection rows resident on the
 * current device, the window's pair updates and the fused
 * decay/prune/activation step as kernels. Call cuda_probe first. */
extern const BackendOps backend_cuda_ops;

/* The Galileo matrices (huey-model.md §12), host in, host out; each
 * returns 0, or nonzero when there is no usable device (nothing written).
 *
 * cuda_eigen_sym: eigen-decomposition of the symmetric n x n matrix A
 * (destroyed) with cuSOLVER syevd, laid out as src/eigen.h's EigenOut:
 * w (n) every eigenvalue, descending; top (n x ntop, column-major) the
 * vectors of w[0..ntop-1]; bottom (n x nbottom) those of w[n-1], w[n-2],
 * ...; each vector's largest-magnitude component positive (ties: the
 * lowest index), as eigen_fix_sign. */
int cuda_eigen_sym(int n, double *A, double *w, int ntop, double *top, int nbottom, double *bottom);

/* What the rows of a Galileo space's matrix are made of (src/galileo.c's
 * GalInput, by value; the arrays on the host). */
typedef struct CudaSpaceIn {
    int n;                    /* concepts */
    int torgerson;            /* 0: §12.1 association matrix, 1: §12.2 B */
    const double *act;        /* §12.1 (n): activations */
    double coupling;          /* §12.1: activation coupling */
    double diag;              /* the diagonal: §12.1's, or §12.2's D²_ii */
    double s_max;             /* §12.2: max(S) */
    const double *d2_mean;    /* §12.2 (n): row means of D² */
    double d2_grand;          /* §12.2: their mean */
} CudaSpaceIn;

/* Rows r0 .. r0 + nr - 1 of the space's matrix into rows (nr x n,
 * row-major), built on the current device with the operations, in the
 * order, of galileo.c's build_rows, so the doubles are the CPU's. Row
 * r0 + i's links are link_j/link_v[link0[i] .. link0[i + 1]) (link0: nr + 1
 * entries from 0). */
int cuda_space_rows(const CudaSpaceIn *in, int r0, int nr, const int64_t *link0, const int32_t *link_j,
                    const double *link_v, double *rows);

/* The window all-gather across GPUs (cuda/nccl.cu), one rank per GPU.
 * cuda_nccl_usable: whether this rank can take part (a current device,
 * NCCL loadable), with the device's UUID, else the reason; the ranks
 * compare UUIDs and agree before the collective cuda_nccl_start. Then
 * cuda_nccl_allgatherv has comm_allgatherv's contract (src/comm.h). */
bool cuda_nccl_usable(unsigned char uuid[16], char *why, size_t why_len);
void cuda_nccl_start(void);
void cuda_nccl_allgatherv(const void *in, size_t bytes, void *out, const size_t *counts);
void cuda_nccl_stop(void);

#ifdef __cplusplus
}
#endif

#endif
