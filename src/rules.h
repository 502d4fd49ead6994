/*
 * rules.h — the model's arithmetic on one connection and one neuron
 * (huey-model.md §8–§11), written once and shared by every CPU code path.
 *
 * Each expression keeps the reference's operand order, so results are the
 * same doubles the reference computes (no FMA contraction: the Makefile
 * builds with -ffp-contract=off).
 */
#ifndef HUEY_RULES_H
#define HUEY_RULES_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "params.h"

/* §9: the logistic mass target for activity A = ai*aj. */
static inline double rule_mass_target(const Params *p, double activity)
{
    return p->M_max / (1.0 + exp(-p->k_steepness * (activity - p->A_0)));
}

/* §9: mass change at current mass m towards `target`. */
static inline double rule_mass_change(const Params *p, double activity, double target, double m)
{
    double over = activity - p->homeostatic_threshold;
    double homeostatic = -p->homeostatic_factor * (over > 0 ? over : 0.0) * m;
    double ltd = activity < p->ltd_threshold ? -p->ltd_factor * (p->ltd_threshold - activity) * m : 0.0;
    return p->mass_relaxation_rate * (target - m) + homeostatic + ltd;
}

/* §8 + §9: one Hebbian update of connection (w, m) between activations
 * ai (source) and aj (target); `target` = rule_mass_target(p, ai * aj)
 * (callers cache it: word pairs all have the same activity). A new
 * connection starts from w = m = 0. */
static inline void rule_hebbian(const Params *p, double ai, double aj, double target, double *w, double *m)
{
    double mass = *m;
    double resistance = 1.0 / (1.0 + mass * p->resistance_factor);
    double dw = p->hebbian_constant * ai * aj * resistance;
    double activity = ai * aj;
    double nm = mass + rule_mass_change(p, activity, target, mass);
    if (nm > p->M_max)
        nm = p->M_max;
    if (!(nm > 0.0))
        nm = 0.0;
    *w = *w + dw;
    *m = nm;
}

/* §10: decay of a connection outside the window; returns the new weight. */
static inline double rule_connection_decay(const Params *p, double w)
{
    double d = w * (1.0 - p->connection_decay_rate);
    return p->minimum_connection > d ? p->minimum_connection : d;
}

/* §10: activation decay a <- max(a*(1-rate), minimum). */
static inline double rule_activation_decay(const Params *p, double a)
{
    double d = a * (1.0 - p->activation_decay_rate);
    return p->minimum_activation > d ? p->minimum_activation : d;
}

/* Σ of v[k] over a row's live entries (nb[k] >= 0), in the fixed order
 * every backend uses: entry k2 (counting live ones) goes to lane k2 mod 4,
 * then (l0 + l1) + (l2 + l3). */
static inline double rule_lane_sum(const int32_t *nb, const double *v, int32_t n)
{
    double l[4] = { 0.0, 0.0, 0.0, 0.0 };
    int32_t k2 = 0;
    for (int32_t k = 0; k < n; k++)
        if (nb[k] >= 0)
            l[k2++ & 3] += v[k];
    return (l[0] + l[1]) + (l[2] + l[3]);
}

/* §11: the logistic sigma(h) = 1/(1 + e^-h), with our own exp so that
 * activations are the same doubles on every machine and in the vector
 * kernels (libm's exp differs between its FMA and non-FMA variants).
 * e^x = 2^(k/128) * e^r, k = round(128 x / ln 2), |r| <= ln2/256, e^r by
 * a degree-5 polynomial (truncation < 4e-17 relative), 2^(k/128) as a
 * head + tail pair; within about 0.51 ulp. The
 * steps are plain IEEE operations in a fixed order, so the AVX2 kernel in
 * backend_cpu.c reproduces them exactly. */
enum { EXP_TABLE_SIZE = 128 };
extern const double exp_table_hi[EXP_TABLE_SIZE], exp_table_lo[EXP_TABLE_SIZE];

#define EXP_INV_LN2_N 0x1.71547652b82fep+7   /* 128 / ln 2 */
#define EXP_LN2_N_HI 0x1.62e42ffp-8          /* ln2/128, 33 bits: k * hi is exact */
#define EXP_LN2_N_LO -0x1.718432a1b0e26p-42  /* ln2/128 - hi */
#define EXP_SHIFT 0x1.8p52                   /* round-to-integer constant */
#define EXP_C3 (1.0 / 6.0)
#define EXP_C4 (1.0 / 24.0)
#define EXP_C5 (1.0 / 120.0)
#define SIGMOID_SATURATE 708.0               /* |h| beyond: sigma is 0 or 1 */

/* Functions the CUDA kernels share (cuda/backend_cuda.cu): host and
 * device under nvcc, plain C elsewhere. */
#ifdef __CUDACC__
#define RULE_HOST_DEVICE __host__ __device__
#else
#define RULE_HOST_DEVICE
#endif

/* sigma(h) with the 2^(k/128) tables at hi/lo: the host's below, the
 * device's copies in constant memory. */
static inline RULE_HOST_DEVICE double rule_sigmoid_tables(double h, const double *hi, const double *lo)
{
    if (h > SIGMOID_SATURATE)
        return 1.0;
    if (h < -SIGMOID_SATURATE)
        return 0.0;
    double x = -h;
    double kd = x * EXP_INV_LN2_N + EXP_SHIFT;
    kd = kd - EXP_SHIFT;
    int32_t k = (int32_t)kd;
    double r = (x - kd * EXP_LN2_N_HI) - kd * EXP_LN2_N_LO;
    double r2 = r * r;
    double p = r + r2 * (0.5 + r * (EXP_C3 + r * (EXP_C4 + r * EXP_C5)));
    double t = hi[k & (EXP_TABLE_SIZE - 1)], tl = lo[k & (EXP_TABLE_SIZE - 1)];
    double e = t + (tl + t * p);
    uint64_t bits;
    memcpy(&bits, &e, sizeof bits);
    bits += (uint64_t)(int64_t)(k >> 7) << 52;   /* unsigned: no signed shift */
    memcpy(&e, &bits, sizeof e);
    return 1.0 / (1.0 + e);
}

static inline double rule_sigmoid(double h)
{
    return rule_sigmoid_tables(h, exp_table_hi, exp_table_lo);
}

#endif
