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
#include "params.h"

/* §9: mass change for activity A = ai*aj at current mass m. */
static inline double rule_mass_change(const Params *p, double activity, double m)
{
    double target = p->M_max / (1.0 + exp(-p->k_steepness * (activity - p->A_0)));
    double over = activity - p->homeostatic_threshold;
    double homeostatic = -p->homeostatic_factor * (over > 0 ? over : 0.0) * m;
    double ltd = activity < p->ltd_threshold ? -p->ltd_factor * (p->ltd_threshold - activity) * m : 0.0;
    return p->mass_relaxation_rate * (target - m) + homeostatic + ltd;
}

/* §8 + §9: one Hebbian update of connection (w, m) between activations
 * ai (source) and aj (target). A new connection starts from w = m = 0. */
static inline void rule_hebbian(const Params *p, double ai, double aj, double *w, double *m)
{
    double mass = *m;
    double resistance = 1.0 / (1.0 + mass * p->resistance_factor);
    double dw = p->hebbian_constant * ai * aj * resistance;
    double activity = ai * aj;
    double nm = mass + rule_mass_change(p, activity, mass);
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

/* §11: the logistic. */
static inline double rule_sigmoid(double h)
{
    return 1.0 / (1.0 + exp(-h));
}

#endif
