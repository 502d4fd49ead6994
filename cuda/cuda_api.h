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

/* A (n x n, row-major) = diag on the diagonal; off it
 * scale * a[i] * a[j] (a may be NULL: 0) plus, for each triple t,
 * v[t] at (ij[2t], ij[2t+1]) and at its mirror. At most one triple per
 * ordered pair: §12.1 (w of the (min, max) connection, scale 0.1, diag 1)
 * and §12.2's S (m of i -> j and of j -> i, no a, diag 0). */
int cuda_assoc_matrix(int n, size_t ntriples, const int32_t *ij, const double *v, const double *a, double scale,
                      double diag, double *A);

/* Torgerson's double centering in place (§12.2): S (n x n, symmetric)
 * becomes B = -1/2 H D^2 H, H = I - 11^T/n, D^2_ij = (smax - S_ij)^2 off
 * the diagonal and d2_diag on it (galileo.c: smax = max(S), or 1 when
 * that is not > 0; d2_diag = smax^2 in the reference profile, 0 fixed). */
int cuda_torgerson(int n, double *S, double smax, double d2_diag);

/* The window all-gather across GPUs (cuda/nccl.cu), one rank per GPU.
 * cuda_nccl_usable: whether this rank can take part (a device of its own
 * among the node's local_size ranks, NCCL loadable), else the reason;
 * every rank must agree before the collective cuda_nccl_start. Then
 * cuda_nccl_allgatherv has comm_allgatherv's contract (src/comm.h). */
bool cuda_nccl_usable(int local_size, char *why, size_t why_len);
void cuda_nccl_start(void);
void cuda_nccl_allgatherv(const void *in, size_t bytes, void *out, const size_t *counts);
void cuda_nccl_stop(void);

#ifdef __cplusplus
}
#endif

#endif
