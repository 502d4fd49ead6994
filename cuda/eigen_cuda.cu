/*
 * eigen_cuda.cu — the Galileo matrices on the GPU (huey-model.md §12):
 * association matrices built by kernels and the symmetric
 * eigen-decomposition by cuSOLVER (syevd), with src/eigen.h's result
 * layout and sign convention, so eigen.c's callers can take either
 * (galileo.c does, for --eigen cusolver).
 *
 * Each call is self-contained (host in, host out) and returns nonzero
 * without a usable device, writing nothing; a CUDA or cuSOLVER failure on
 * a device that exists is fatal, as everywhere in cuda/.
 *
 * cuSOLVER is opened on first use (dlopen), not linked: with its cuBLAS,
 * cuBLASLt and cuSPARSE it adds about 0.1 s and 260 MB to the start of
 * every huey process, which most never decompose a matrix.
 *
 * Built with -DHUEY_CUDA_EMU (build/huey-emu, cuda_emu.h) the kernels run
 * on the host; cuSOLVER cannot, so cuda_eigen_sym is LAPACK there.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cuda_api.h"
#include "cuda_check.h"
extern "C" {
#include "eigen.h"
}

enum { THREADS = 256 };

static bool have_device(void)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        (void)cudaGetLastError();
        return false;
    }
    return true;
}

static int blocks(int64_t n) { return (int)((n + THREADS - 1) / THREADS); }

#ifdef HUEY_CUDA_EMU
/* The host emulation has no cuSOLVER: it decomposes with src/eigen.c's
 * LAPACK (eigen_sym, the same layout and signs), so that huey-emu runs
 * the rest of the --eigen cusolver path (the matrix kernels, the result
 * layout) end to end. Only a device run checks syevd itself. */
extern "C" int cuda_eigen_sym(int n, double *A, double *w, int ntop, double *top, int nbottom, double *bottom)
{
    if (!have_device())
        return -1;
    check(n > 0 && ntop >= 0 && nbottom >= 0 && ntop + nbottom <= n);
    EigenOut eo;
    eigen_sym(A, (size_t)n, (size_t)ntop, (size_t)nbottom, &eo);
    memcpy(w, eo.values, (size_t)n * sizeof *w);
    memcpy(top, eo.top, (size_t)n * ntop * sizeof *top);
    memcpy(bottom, eo.bottom, (size_t)n * nbottom * sizeof *bottom);
    eigen_free(&eo);
    return 0;
}
#else
#include <dlfcn.h>

#include <cusolverDn.h>

#define cusolver_check(call)                                                                              \
    do {                                                                                                  \
        cusolverStatus_t s_ = (call);                                                                     \
        if (s_ != CUSOLVER_STATUS_SUCCESS)                                                                \
            die_at(__FILE__, __LINE__, EXIT_INPUT, "%s: cuSOLVER status %d", #call, (int)s_);             \
    } while (0)

#ifndef HUEY_CUDA_LIBDIR
#define HUEY_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif

/* The cuSOLVER entry points used here, from the library opened at run time. */
static struct {
    bool tried;
    decltype(&cusolverDnCreate) create;
    decltype(&cusolverDnDestroy) destroy;
    decltype(&cusolverDnDsyevd_bufferSize) syevd_size;
    decltype(&cusolverDnDsyevd) syevd;
} cs;

static void cusolver_open(void)
{
    if (cs.tried)
        return;
    cs.tried = true;
    void *lib = dlopen(HUEY_CUDA_LIBDIR "/libcusolver.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        lib = dlopen("libcusolver.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        die("cuSOLVER: cannot open libcusolver.so (%s)", dlerror());
    cs.create = (decltype(cs.create))dlsym(lib, "cusolverDnCreate");
    cs.destroy = (decltype(cs.destroy))dlsym(lib, "cusolverDnDestroy");
    cs.syevd_size = (decltype(cs.syevd_size))dlsym(lib, "cusolverDnDsyevd_bufferSize");
    cs.syevd = (decltype(cs.syevd))dlsym(lib, "cusolverDnDsyevd");
    if (!cs.create || !cs.destroy || !cs.syevd_size || !cs.syevd)
        die("cuSOLVER: %s lacks the syevd entry points", HUEY_CUDA_LIBDIR "/libcusolver.so");
}

extern "C" int cuda_eigen_sym(int n, double *A, double *w, int ntop, double *top, int nbottom, double *bottom)
{
    if (!have_device())
        return -1;
    check(n > 0 && ntop >= 0 && nbottom >= 0 && ntop + nbottom <= n);
    cusolver_open();
    size_t nn = (size_t)n * n;
    cusolverDnHandle_t h;
    cusolver_check(cs.create(&h));
    double *d_a, *d_w, *d_work;
    int *d_info, lwork = 0, info = 0;
    cuda_check(cudaMalloc(&d_a, nn * sizeof *d_a));
    cuda_check(cudaMalloc(&d_w, (size_t)n * sizeof *d_w));
    cuda_check(cudaMalloc(&d_info, sizeof *d_info));
    cuda_check(cudaMemcpy(d_a, A, nn * sizeof *d_a, cudaMemcpyHostToDevice));
    /* symmetric: the row-major lower triangle is the column-major upper one */
    const cusolverEigMode_t jobz = ntop + nbottom ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
    const cublasFillMode_t uplo = CUBLAS_FILL_MODE_UPPER;
    cusolver_check(cs.syevd_size(h, jobz, uplo, n, d_a, n, d_w, &lwork));
    cuda_check(cudaMalloc(&d_work, (size_t)lwork * sizeof *d_work));
    cusolver_check(cs.syevd(h, jobz, uplo, n, d_a, n, d_w, d_work, lwork, d_info));
    cuda_check(cudaMemcpy(&info, d_info, sizeof info, cudaMemcpyDeviceToHost));
    if (info != 0)
        die("cuSOLVER syevd: info = %d (%s)", info, info < 0 ? "bad argument" : "no convergence");
    /* ascending on the device: w descending here, vectors of the largest
     * (columns n-1, n-2, ...) and of the smallest (columns 0, 1, ...) */
    double *asc = (double *)xmalloc((size_t)n * sizeof *asc);
    cuda_check(cudaMemcpy(asc, d_w, (size_t)n * sizeof *asc, cudaMemcpyDeviceToHost));
    for (int i = 0; i < n; i++)
        w[i] = asc[n - 1 - i];
    free(asc);
    for (int c = 0; c < ntop; c++) {
        double *v = top + (size_t)c * n;
        cuda_check(cudaMemcpy(v, d_a + (size_t)(n - 1 - c) * n, (size_t)n * sizeof *v, cudaMemcpyDeviceToHost));
        eigen_fix_sign(v, (size_t)n);
    }
    for (int c = 0; c < nbottom; c++) {
        double *v = bottom + (size_t)c * n;
        cuda_check(cudaMemcpy(v, d_a + (size_t)c * n, (size_t)n * sizeof *v, cudaMemcpyDeviceToHost));
        eigen_fix_sign(v, (size_t)n);
    }
    cudaFree(d_a);
    cudaFree(d_w);
    cudaFree(d_work);
    cudaFree(d_info);
    cs.destroy(h);
    return 0;
}
#endif

/* ---- association matrices -------------------------------------------------- */

__global__ void k_fill_base(int n, const double *a, double scale, double diag, double *A)
{
    int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (int64_t)n * n)
        return;
    int i = (int)(k / n), j = (int)(k % n);
    A[k] = i == j ? diag : a ? scale * (a[i] * a[j]) : 0.0;   /* build_rows' order of operations */
}

__global__ void k_scatter(int n, int64_t nt, const int32_t *ij, const double *v, double *A)
{
    int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= nt)
        return;
    int i = ij[2 * t], j = ij[2 * t + 1];
    if (i == j)
        return;
    /* at most two values meet in one entry (i -> j and j -> i): their sum
     * does not depend on the order */
    atomicAdd(&A[(int64_t)i * n + j], v[t]);
    atomicAdd(&A[(int64_t)j * n + i], v[t]);
}

extern "C" int cuda_assoc_matrix(int n, size_t ntriples, const int32_t *ij, const double *v, const double *a,
                                 double scale, double diag, double *A)
{
    if (!have_device())
        return -1;
    size_t nn = (size_t)n * n;
    double *d_A, *d_v = NULL, *d_a = NULL;
    int32_t *d_ij = NULL;
    cuda_check(cudaMalloc(&d_A, nn * sizeof *d_A));
    if (a) {
        cuda_check(cudaMalloc(&d_a, (size_t)n * sizeof *d_a));
        cuda_check(cudaMemcpy(d_a, a, (size_t)n * sizeof *d_a, cudaMemcpyHostToDevice));
    }
    launch(k_fill_base, blocks((int64_t)nn), THREADS, n, (const double *)d_a, scale, diag, d_A);
    if (ntriples) {
        cuda_check(cudaMalloc(&d_ij, 2 * ntriples * sizeof *d_ij));
        cuda_check(cudaMalloc(&d_v, ntriples * sizeof *d_v));
        cuda_check(cudaMemcpy(d_ij, ij, 2 * ntriples * sizeof *d_ij, cudaMemcpyHostToDevice));
        cuda_check(cudaMemcpy(d_v, v, ntriples * sizeof *d_v, cudaMemcpyHostToDevice));
        launch(k_scatter, blocks((int64_t)ntriples), THREADS, n, (int64_t)ntriples, (const int32_t *)d_ij,
               (const double *)d_v, d_A);
    }
    cuda_check(cudaMemcpy(A, d_A, nn * sizeof *A, cudaMemcpyDeviceToHost));
    cudaFree(d_A);
    cudaFree(d_a);
    cudaFree(d_ij);
    cudaFree(d_v);
    return 0;
}

/* D2 = (smax - S)^2 off the diagonal, d2_diag on it. */
__global__ void k_sq(int n, const double *S, double smax, double d2_diag, double *D2)
{
    int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (int64_t)n * n)
        return;
    double d = smax - S[k];
    D2[k] = k / n == k % n ? d2_diag : d * d;
}

/* D2 is symmetric, so its row means are its column means: thread j sums
 * column j top to bottom (neighbouring threads read neighbouring words; no
 * barrier, so the host emulation runs it as it is). */
__global__ void k_col_means(int n, const double *D2, double *rmean)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n)
        return;
    double acc = 0.0;
    for (int i = 0; i < n; i++)
        acc += D2[(int64_t)i * n + j];
    rmean[j] = acc / n;
}

/* B = -1/2 (D2 - rmean_i - rmean_j + grand). */
__global__ void k_center(int n, const double *D2, const double *rmean, double grand, double *B)
{
    int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (int64_t)n * n)
        return;
    int i = (int)(k / n), j = (int)(k % n);
    B[k] = -0.5 * (D2[k] - rmean[i] - rmean[j] + grand);
}

extern "C" int cuda_torgerson(int n, double *S, double smax, double d2_diag)
{
    if (!have_device())
        return -1;
    size_t nn = (size_t)n * n;
    double *d_S, *d_D2, *d_rm;
    cuda_check(cudaMalloc(&d_S, nn * sizeof *d_S));
    cuda_check(cudaMalloc(&d_D2, nn * sizeof *d_D2));
    cuda_check(cudaMalloc(&d_rm, (size_t)n * sizeof *d_rm));
    cuda_check(cudaMemcpy(d_S, S, nn * sizeof *d_S, cudaMemcpyHostToDevice));
    launch(k_sq, blocks((int64_t)nn), THREADS, n, (const double *)d_S, smax, d2_diag, d_D2);
    launch(k_col_means, blocks(n), THREADS, n, (const double *)d_D2, d_rm);
    double *rm = (double *)xmalloc((size_t)n * sizeof *rm);
    cuda_check(cudaMemcpy(rm, d_rm, (size_t)n * sizeof *rm, cudaMemcpyDeviceToHost));
    double grand = 0.0;
    for (int i = 0; i < n; i++)
        grand += rm[i];
    grand /= n;
    free(rm);
    launch(k_center, blocks((int64_t)nn), THREADS, n, (const double *)d_D2, (const double *)d_rm, grand, d_S);
    cuda_check(cudaMemcpy(S, d_S, nn * sizeof *S, cudaMemcpyDeviceToHost));
    cudaFree(d_S);
    cudaFree(d_D2);
    cudaFree(d_rm);
    return 0;
}
