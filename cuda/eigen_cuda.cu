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

/* ---- the spaces' matrices, by row block ------------------------------------- */

/* The base of every entry of the block: §12.1 coupling * (a_r * a_j),
 * §12.2 D² = s_max² (build_rows' first loop). */
__global__ void k_rows_base(CudaSpaceIn in, int r0, int nr, double *rows)
{
    int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (int64_t)nr * in.n)
        return;
    int r = r0 + (int)(k / in.n), j = (int)(k % in.n);
    rows[k] = in.torgerson ? in.s_max * in.s_max : in.coupling * (in.act[r] * in.act[j]);
}

/* The links of each row, then its diagonal (a thread per row, links in
 * their order, as build_rows' second loop). */
__global__ void k_rows_links(CudaSpaceIn in, int r0, int nr, const int64_t *link0, const int32_t *lj,
                             const double *lv, double *rows)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= nr)
        return;
    int r = r0 + i;
    double *row = rows + (int64_t)i * in.n;
    for (int64_t k = link0[i]; k < link0[i + 1]; k++) {
        int j = lj[k];
        if (in.torgerson) {
            double d = in.s_max - lv[k];
            row[j] = d * d;
        } else {
            row[j] = lv[k] + in.coupling * (in.act[r] * in.act[j]);
        }
    }
    row[r] = in.diag;
}

/* §12.2: B = -1/2 (D² - mean_r - mean_j + grand mean). */
__global__ void k_rows_center(CudaSpaceIn in, int r0, int nr, double *rows)
{
    int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (int64_t)nr * in.n)
        return;
    int r = r0 + (int)(k / in.n), j = (int)(k % in.n);
    rows[k] = -0.5 * (rows[k] - in.d2_mean[r] - in.d2_mean[j] + in.d2_grand);
}

extern "C" int cuda_space_rows(const CudaSpaceIn *in, int r0, int nr, const int64_t *link0, const int32_t *link_j,
                               const double *link_v, double *rows)
{
    if (!have_device())
        return -1;
    if (nr == 0)
        return 0;
    size_t n = (size_t)in->n, cells = (size_t)nr * n, nl = (size_t)link0[nr];
    CudaSpaceIn d = *in;   /* the same, with device copies of the arrays */
    double *d_act = NULL, *d_mean = NULL, *d_rows, *d_lv;
    int64_t *d_l0;
    int32_t *d_lj;
    const double *vec = in->torgerson ? in->d2_mean : in->act;
    double **d_vec = in->torgerson ? &d_mean : &d_act;
    cuda_check(cudaMalloc(d_vec, n * sizeof(double)));
    cuda_check(cudaMemcpy(*d_vec, vec, n * sizeof(double), cudaMemcpyHostToDevice));
    d.act = d_act;
    d.d2_mean = d_mean;
    cuda_check(cudaMalloc(&d_rows, cells * sizeof *d_rows));
    cuda_check(cudaMalloc(&d_l0, ((size_t)nr + 1) * sizeof *d_l0));
    cuda_check(cudaMalloc(&d_lj, (nl + 1) * sizeof *d_lj));
    cuda_check(cudaMalloc(&d_lv, (nl + 1) * sizeof *d_lv));
    cuda_check(cudaMemcpy(d_l0, link0, ((size_t)nr + 1) * sizeof *d_l0, cudaMemcpyHostToDevice));
    cuda_check(cudaMemcpy(d_lj, link_j, nl * sizeof *d_lj, cudaMemcpyHostToDevice));
    cuda_check(cudaMemcpy(d_lv, link_v, nl * sizeof *d_lv, cudaMemcpyHostToDevice));
    launch(k_rows_base, blocks((int64_t)cells), THREADS, d, r0, nr, d_rows);
    launch(k_rows_links, blocks(nr), THREADS, d, r0, nr, (const int64_t *)d_l0, (const int32_t *)d_lj,
           (const double *)d_lv, d_rows);
    if (in->torgerson)
        launch(k_rows_center, blocks((int64_t)cells), THREADS, d, r0, nr, d_rows);
    cuda_check(cudaMemcpy(rows, d_rows, cells * sizeof *rows, cudaMemcpyDeviceToHost));
    void *dev[] = { d_act, d_mean, d_rows, d_l0, d_lj, d_lv };
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        cudaFree(dev[i]);
    return 0;
}
