/*
 * galileo.h — the "Galileo" concept spaces of huey-model.md §12:
 *
 *   assoc      (§12.1) the GPU class's association matrix over every
 *              concept_neurons entry (stale ones included): A_ii = 1,
 *              A_ij = w(min id -> max id) + 0.1·a_i·a_j; all eigenvalues
 *              descending; the three leading eigenvectors "double-centred"
 *              as an n×3 block, then column k scaled by √λ_k when λ_k > 0.
 *   torgerson  (§12.2) the Streamlit page's pseudo-Riemannian space: the
 *              top concepts by mass, S_ij = m(i->j) + m(j->i),
 *              D = max(S) - S, B = -½·H·D²·H, all eigenvalues, signature,
 *              warp factor, positions 3·v_k·√|λ_k| of the top three, and
 *              the real (λ > 0) and imaginary (λ < 0) coordinate blocks.
 *
 * Profile `reference` reproduces the reference's quirks (D_ii = max(S),
 * "variance explained" from the unsorted eigh output, a `Speaker_<name>`
 * entry for every speaker with self-concept mass > 0, which lists the
 * speaker's neuron a second time); `fixed` sets D_ii = 0, takes the
 * variance from the three largest |λ|, lists every neuron once, and lists
 * what it changed in the output.
 *
 * Eigenvector signs: largest-magnitude component positive (eigen.h).
 *
 * Large n (--eigen lanczos; auto from EIGEN_LANCZOS_MIN_N concepts or when
 * the dense matrix would not fit max_dense_gb): no matrix at all, the
 * products A·x and B·x in O(links + n) (galileo.c derives B's), and only
 * the ends of the spectrum (Space.partial): the top 3 eigenpairs, for
 * torgerson also the 3 most negative (max_dims of each when set).
 */
#ifndef HUEY_GALILEO_H
#define HUEY_GALILEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eigen.h"
#include "json.h"
#include "net.h"
#include "offline.h"

typedef enum { GAL_ASSOC, GAL_TORGERSON } GalileoMethod;
typedef enum { GAL_REFERENCE, GAL_FIXED } GalileoProfile;

/* Settings of one space (the defaults are the expected outputs'). */
typedef struct GalileoOpts {
    GalileoMethod method;
    GalileoProfile profile;
    size_t num_concepts;     /* torgerson: keep the top N by mass (50) */
    double min_mass;         /* torgerson: concept mass >= min_mass (0) */
    size_t max_dims;         /* torgerson: columns per real/imaginary block (0 = all) */
    bool collective;         /* every MPI rank calls with the same network: each builds
                                its row block, the decomposition is shared (eigen_sym_dist) */
    EigenSolver solver;      /* LAPACK, ScaLAPACK (collective), Lanczos (no matrix, partial
                                spectrum), or cuSOLVER (the matrix built and decomposed on a GPU) */
    bool device;             /* huey galileo: rank 0 has a usable CUDA device (auto may use it) */
    double max_dense_gb;     /* the dense path's memory limit (0: 3/4 of physical memory);
                                auto goes matrix-free above it, a dense request dies */
} GalileoOpts;
void galileo_opts_default(GalileoOpts *o);

enum { GAL_DIMS = 3 };

/* One space. Concept i is labels[i] (neuron ids[i]); every array is
 * indexed by concept unless said otherwise. */
typedef struct Space {
    GalileoMethod method;
    GalileoProfile profile;
    size_t num_concepts;     /* the options it was made with */
    double min_mass;
    const char *error;       /* non-NULL: no space (fewer than 3 concepts, no mass); static text */
    size_t n_selected;       /* the concepts selected, also when error says why there is no space */

    size_t n;                /* concepts = matrix order */
    char **labels;           /* (n) */
    int64_t *ids;            /* (n) neuron ids */
    double *mass;            /* (n) concept mass: Σ m of connections touching it
                                (a `Speaker_<name>` entry: the self-concept mass) */
    bool *speaker;           /* (n) a speaker's neuron or entry */

    double *eig;             /* (n_eig) every eigenvalue, descending; partial: the largest only */
    size_t n_eig;            /* n, or the number computed (partial) */
    bool partial;            /* Lanczos: only the ends of the spectrum are known; the
                                counts, sums, warp factor and variance are not */
    double *eig_bottom;      /* (n_eig_bottom) partial torgerson: the most negative, most negative first */
    size_t n_eig_bottom;
    double lanczos_residual; /* partial: max ‖Bv − λv‖ / ‖B‖ of its pairs */
    size_t lanczos_matvecs;
    size_t n_pos, n_neg, n_zero;   /* |λ| > 1e-10 positive / negative, else zero */
    double sum_pos, sum_neg, trace;
    double warp;             /* Σλ+ / (Σλ+ + Σλ-); inf when that sum is ~0, 1 without λ > 0 */
    double variance_3d;      /* % of Σ|λ| in the three dimensions (profile-dependent) */

    double *coords;          /* (n, 3) row-major: the reference's coordinates / positions */
    double *vec;             /* (n, 3) column-major: the raw eigenvectors of eig[0..2] */
    double top_eig[GAL_DIMS];/* eig[0..2] (0 when n < 3) */
    int signature[3];        /* positive, negative, zero among top_eig */

    /* torgerson: real block v·√λ of the positive λ (largest first) and
     * imaginary block v·√|λ| of the negative ones (most negative first) */
    size_t n_real, n_imag;
    double *real;            /* (n, n_real) row-major */
    double *imag;            /* (n, n_imag) row-major */

    double build_seconds, eigen_seconds;
} Space;

/* The spaces of a network whose outputs were gathered (net_outputs) —
 * on rank 0 — or of a loaded checkpoint; sc: every speaker's self-concept
 * (net_self_concept). The torgerson list (the reference's concept
 * collection): reference profile, a `Speaker_<name>` entry (self-concept
 * mass, the id of the speaker's word) for every speaker with
 * self-concept mass > 0 whose word lives; then every living neuron but
 * the reference's artifacts with mass >= min_mass; by mass descending
 * (ties: speaker entries first, then word_to_neuron order), the first
 * num_concepts. A single speaker named "text" is the page's plain-text
 * mode: no speaker entries, its shorter artifact list. */
Space *space_assoc_net(const Net *net, const NetOutputs *o, const GalileoOpts *opt);
Space *space_torgerson_net(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt);
Space *space_make(const Net *net, const NetOutputs *o, const SelfConcept *sc,
                  const GalileoOpts *opt);   /* by opt->method */
/* The torgerson space in two steps (huey run --live): take copies from
 * the network what the space needs (the concepts chosen, their masses,
 * their links); solve builds and decomposes it from that alone, so it may
 * run on another thread while the network learns on (it frees the job).
 * space_torgerson_net is the two in one. */
typedef struct SpaceJob SpaceJob;
SpaceJob *space_torgerson_take(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt);
Space *space_torgerson_solve(SpaceJob *j);
void space_job_free(SpaceJob *j);
static inline Space *space_torgerson(const Loaded *l, const GalileoOpts *o)
{
    return space_torgerson_net(l->net, &l->out, l->self, o);
}
static inline Space *space_assoc(const Loaded *l, const GalileoOpts *o)
{
    return space_assoc_net(l->net, &l->out, o);
}
/* huey clusters: the torgerson concept list (labels, ids, mass, speaker;
 * no spectrum) and its similarity matrix *S (n, n) row-major, malloc'ed:
 * S_ij = m(i->j) + m(j->i), S_ii = 0. With fewer than 2 concepts, or
 * none with mass, s->error says so and *S is NULL. */
Space *space_similarity(const Net *net, const NetOutputs *o, const SelfConcept *sc, const GalileoOpts *opt,
                        double **S);
/* A generated network of n concepts, each linked to links_per_concept
 * random others (weights in [0, 1), masses in [0, 10)), random
 * activations: the same matrix build and decomposition on any n
 * (benchmarks: huey galileo --generated N). */
Space *space_generated(size_t n, size_t links_per_concept, uint64_t seed, const GalileoOpts *opt);
void space_free(Space *s);

/* The object of the expected outputs (gpu_class_galileo for assoc,
 * web_torgerson_galileo for torgerson) with `method` and `profile`, as
 * the value of the key the caller just wrote (or as a whole document). */
void space_json(const Space *s, JsonWriter *j);
/* DIR/space.json, coords.csv, eigenvalues.csv and the pictures of
 * plot.h: scree.svg, map-12.svg and map-13.svg (dimensions 1-2, 1-3,
 * speakers highlighted), space.html (3-D view with signature and warp
 * factor); DIR is created. A space with an error gets space.json only. */
void space_write_dir(const Space *s, const char *dir);
/* Two of those pictures into an open file: the 3-D view (plot.h's
 * html_space; reload_seconds > 0: the page reloads itself that often and
 * keeps its rotation) and the map of dimensions ax, ay (0-based). */
void space_html(const Space *s, FILE *f, double reload_seconds);
void space_map(const Space *s, int ax, int ay, FILE *f);

/* `huey run --galileo DIR` (rank 0, after net_outputs): both spaces with
 * the default options into spaces[0] (assoc) and spaces[1] (torgerson),
 * written to DIR/assoc and DIR/torgerson; a space that cannot be made
 * (fewer than 3 concepts, no mass) is a warning, and its space.json holds
 * the error. */
void galileo_run_spaces(const Net *net, const NetOutputs *o, const SelfConcept *sc, const char *dir,
                        Space *spaces[2]);
/* ExportExtraFn of `huey run --json` with ctx = spaces[2]: the keys
 * gpu_class_galileo and web_torgerson_galileo. */
void galileo_json_keys(JsonWriter *j, void *ctx);

/* Command-line helpers of the commands that build spaces (galileo,
 * clusters, align): a number option's value, a positive integer or a
 * non-negative finite number, else a usage error; and the selection
 * options at argv[*i] — --concepts N, --min-mass X, --profile
 * reference|fixed, --max-dense-gb X (the n x n memory limit) — taken into
 * o (true, *i moved past the value). */
double galileo_parse_number(const char *v, const char *opt, bool integer);
bool galileo_take_opt(GalileoOpts *o, int argc, char **argv, int *i);
/* `huey galileo FILE.h5 --method assoc|torgerson ...`: exit status. */
int cmd_galileo(int argc, char **argv);

#endif
