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

/* Eigen-decomposition of the symmetric n x n matrix A (row-major, read
 * from the lower triangle, overwritten) with cuSOLVER: w gets all n
 * eigenvalues in ascending order, vecs (n x nvec, row-major, may be NULL
 * when nvec is 0) the eigenvectors of the nvec eigenvalues of largest
 * magnitude, largest first, each signed so that its largest-magnitude
 * component is positive (ties: the lowest index), as the CPU's eigen.c.
 * Returns 0, or nonzero when there is no usable device (nothing written). */
int cuda_eigen_sym(int n, double *A, double *w, int nvec, double *vecs);

/* The association matrix S = X X^T of k concept vectors (X: k x d,
 * row-major) built on the device with cuBLAS (dsyrk, full matrix written
 * back, row-major); 0, or nonzero without a device. */
int cuda_gram(int k, int d, const double *X, double *S);

#ifdef __cplusplus
}
#endif

#endif
