/*
 * align.h — Procrustes alignment of two Galileo spaces (huey-model.md
 * §12.5): B's real block and imaginary block are each turned onto A's by
 * a proper rotation (det +1, no scaling, no reflection) fitted by least
 * squares on matched concepts after centring both on their centroids;
 * residuals per concept as a Euclidean norm and as the signed pseudo-norm
 * ‖Δ_real‖² − ‖Δ_imag‖² of the pseudo-Riemannian space.
 *
 * The SVD is a small one-sided Jacobi written here (blocks have k ≤ ~10
 * dimensions), so this module needs no LAPACK.
 */
#ifndef HUEY_ALIGN_H
#define HUEY_ALIGN_H

#include <stdbool.h>
#include <stddef.h>

/* SVD of the k×k matrix C (row-major): C = U·diag(s)·Vᵀ, s descending
 * and >= 0, U and V orthogonal (columns of U for zero singular values
 * completed to an orthonormal basis). */
void align_svd(const double *C, size_t k, double *U, double *s, double *V);

/* The proper rotation R (k×k, row-major) that minimises ‖P·R − Q‖_F
 * over rotations with det R = +1, for P, Q (m×k) already centred
 * (Kabsch: C = PᵀQ = U S Vᵀ, R = U·diag(1, …, 1, det(U Vᵀ))·Vᵀ). */
void align_kabsch(const double *P, const double *Q, size_t m, size_t k, double *R);

typedef struct AlignResult {
    size_t m;                /* matched rows */
    size_t p, q;             /* real and imaginary dimensions */
    size_t nfit;             /* rows the rotations were fitted on */
    double *rot_real;        /* (p, p): B's real block times this, ... */
    double *rot_imag;        /* (q, q) */
    double *b_aligned;       /* (m, p + q): B's rows in A's frame */
    double *euclid;          /* (m) ‖Δ‖, Δ = aligned B − A */
    double *signed_sq;       /* (m) ‖Δ_real‖² − ‖Δ_imag‖² */
    double *pseudo;          /* (m) √|signed_sq| */
    /* over the fitted rows */
    double rms;              /* √(mean ‖Δ‖²) */
    double mean_signed_sq, mean_pseudo;
} AlignResult;

/* Align b onto a: a, b are (m, p + q) row-major, matched row by row, the
 * p real columns first. fit (m) says which rows the rotations are fitted
 * on (NULL: all; at least one); every row is moved and reported. */
void align_blocks(const double *a, const double *b, size_t m, size_t p, size_t q, const bool *fit,
                  AlignResult *r);
void align_result_free(AlignResult *r);

/* `huey align A B [--object NAME] [--free L1,L2,...] [--json]
 * [--concepts N] [--min-mass X] [--profile reference|fixed]`: A and B are
 * space files (jsonread.h) or checkpoints, whose torgerson space
 * (galileo.h, made with those options) is aligned like its space.json:
 * the positions with their eigenvalues' signs; exit status. */
int cmd_align(int argc, char **argv);

/* Determinant of the k×k matrix M (row-major) by Gaussian elimination
 * with partial pivoting, on a copy. */
double align_det(const double *M, size_t k);

#endif
