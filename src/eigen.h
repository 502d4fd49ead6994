/*
 * eigen.h — dense symmetric eigen-decomposition, the one door to LAPACK
 * (and ScaLAPACK): every LAPACK call of huey is in eigen.c.
 *
 * The Galileo spaces (huey-model.md §12) need every eigenvalue but only a
 * few eigenvectors: the largest three, or the blocks of the positive and
 * negative ones. eigen_sym() reduces the matrix to tridiagonal form once
 * (dsytrd), takes the whole spectrum from it (dsterf, O(n^2)), computes the
 * wanted vectors of the tridiagonal matrix by bisection and inverse
 * iteration (dstebz + dstein) and maps them back (dormtr); when every
 * vector is wanted it calls the divide-and-conquer driver (dsyevd). From
 * n = 800 with at most 8 vectors it reduces in two stages instead
 * (dsytrd_sy2sb + dsytrd_sb2st, ~1.5x faster) and takes the vectors by
 * inverse iteration on the band matrix (eigen.c explains).
 *
 * Sign convention, the same for every backend: each eigenvector's
 * largest-magnitude component is positive (ties: the lowest index).
 * BLAS runs on one thread (the caller's ranks are the parallelism).
 */
#ifndef HUEY_EIGEN_H
#define HUEY_EIGEN_H

#include <stdbool.h>
#include <stddef.h>

/* The eigen-decomposition of one symmetric n×n matrix. */
typedef struct EigenOut {
    double *values;   /* (nvalues): dense, every eigenvalue, descending (algebraic);
                         eigen_lanczos, the ntop largest descending, then the
                         nbottom smallest, most negative first */
    double *top;      /* (n, ntop) column-major: vectors of values[0..ntop-1] */
    double *bottom;   /* (n, nbottom) column-major: vectors of values[n-1],
                         values[n-2], ... (most negative first) */
    size_t ntop, nbottom;
    size_t nvalues;   /* n, or ntop + nbottom (partial) */
    bool partial;     /* eigen_lanczos: only the wanted eigenvalues are known */
    double residual;  /* eigen_lanczos: max ‖Av − λv‖ / ‖A‖ over its pairs */
    size_t matvecs;   /* eigen_lanczos: products A·x taken */
} EigenOut;

/* Decompose a (n×n, symmetric, row- or column-major: only the lower
 * triangle is read; destroyed) and return the whole spectrum plus the
 * vectors of the ntop largest and the nbottom smallest eigenvalues
 * (ntop + nbottom <= n; any may be 0). Dies with a message when LAPACK
 * fails or the matrix holds a NaN or an infinity. */
void eigen_sym(double *a, size_t n, size_t ntop, size_t nbottom, EigenOut *out);
void eigen_free(EigenOut *out);
/* LAPACK on one thread, so that results do not depend on a thread count:
 * OpenBLAS set to one thread, and the pool it started when it was loaded
 * (one thread per core the process may run on, less one, spinning for
 * about 0.1 s before they sleep) stopped. huey calls it first thing; the
 * eigen functions call it too (once is enough). */
void eigen_blas_one_thread(void);
/* Tests only: make the two-stage path (n >= 800, few vectors) reject its
 * vectors, so that its fallback (the matrix rebuilt, one-stage path) runs. */
extern bool eigen_two_stage_refuse;

/* ---- matrix-free: the extremes of the spectrum ------------------------------
 *
 * For n in the tens of thousands the matrix itself does not fit (n = 10^5:
 * 80 GB) and the dense decomposition takes days, but the spaces need only a
 * few eigenpairs at the ends of the spectrum. eigen_lanczos() finds them by
 * thick-restart Lanczos (Wu & Simon 2000) with full reorthogonalisation,
 * touching A only through y = A·x: a basis of m = max(2·(ntop + nbottom) +
 * 32, 48) vectors (at most n), the projected m×m matrix decomposed by LAPACK
 * (dsyev), then a restart that keeps the wanted Ritz vectors and as many
 * again of their neighbours. A pair is converged when its Ritz residual
 * |β_m·y_m| <= tol·‖A‖ (‖A‖ estimated by the largest |Ritz value| seen);
 * the true residuals are measured at the end (out->residual). The start
 * vector is a fixed hash, so the result is the same on every run.
 * A Krylov space holds one vector per distinct eigenvalue: a repeated
 * eigenvalue among the wanted ones is found once per breakdown (always when
 * m = n, i.e. small n), not reliably for large n. */
typedef void (*EigenApply)(void *ctx, const double *x, double *y);   /* y = A·x, x and y (n) */
/* The ntop largest and nbottom smallest eigenpairs of the symmetric
 * operator apply (ntop + nbottom <= n), signs fixed as below; out->values
 * holds those ntop + nbottom eigenvalues only (out->partial). Dies when
 * the operator gives a NaN or an infinity or the pairs do not converge. */
void eigen_lanczos(EigenApply apply, void *ctx, size_t n, size_t ntop, size_t nbottom, double tol,
                   EigenOut *out);

/* Flip v (n entries) so that its largest-magnitude entry is positive
 * (ties: the lowest index). */
void eigen_fix_sign(double *v, size_t n);

/* Rank q of P holds rows [q*b, min(n, (q+1)*b)) of a distributed
 * matrix, b = ceil(n/P) (the last ranks may hold fewer rows, or none). */
void eigen_row_block(size_t n, int q, int nranks, size_t *row0, size_t *nrows);

/* Who decomposes a distributed matrix. */
typedef enum {
    EIGEN_AUTO,        /* ScaLAPACK when built with it, P > 1 and n >= EIGEN_SCALAPACK_MIN_N */
    EIGEN_LAPACK,      /* rank 0 gathers the matrix, calls eigen_sym and shares the 1-rank result */
    EIGEN_SCALAPACK,   /* pdsyevd on a 2-D block-cyclic copy of the matrix (all vectors) */
    EIGEN_LANCZOS,     /* no matrix: eigen_lanczos on the caller's operator, the wanted pairs only */
    EIGEN_CUSOLVER     /* rank 0 gathers the matrix, decomposes it on its GPU (eigen_sym_gpu) and
                          shares the result */
} EigenSolver;
/* From this order `auto` takes the matrix-free path: at n = 20 000 (assoc,
 * generated, one core of the 2-core VM) the dense one takes 363 s and
 * 3.2 GB, O(n^3) and O(n^2) beyond; Lanczos 0.4 s and 32 MB. */
enum { EIGEN_LANCZOS_MIN_N = 20000 };
/* Below this order one rank's LAPACK beats spreading the matrix (on the
 * 2-core VM at n = 2000: 0.40 s on one rank, pdsyevd 2.1 s on 2 ranks). */
enum { EIGEN_SCALAPACK_MIN_N = 8000 };
/* From this order `auto` takes cuSOLVER when a CUDA device is usable;
 * 0 = not measured (no GPU has run tools/bench-cuda.sh yet): auto never
 * does, as gpu_crossover = 0 keeps `backend = auto` on the CPU. */
enum { EIGEN_CUSOLVER_MIN_N = 0 };

/* Distributed (collective): the same decomposition over every MPI rank.
 * Each rank passes its row block (eigen_row_block; row-major, nrows × n);
 * every rank gets the whole result, signs fixed as above. */
void eigen_sym_dist(const double *rows, size_t n, size_t ntop, size_t nbottom, EigenSolver solver,
                    EigenOut *out);
/* eigen_sym's result by cuSOLVER syevd on this rank's CUDA device
 * (cuda_api.h's cuda_eigen_sym): every eigenvalue and the wanted vectors,
 * same layout and signs; dies without a usable device. */
void eigen_sym_gpu(double *a, size_t n, size_t ntop, size_t nbottom, EigenOut *out);
/* Whether this build has ScaLAPACK. */
bool eigen_have_scalapack(void);

#endif
