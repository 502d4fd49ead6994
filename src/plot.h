/*
 * plot.h — the pictures of a Galileo space (huey-model.md §12): scree
 * plot, labelled 2-D maps, a dendrogram (SVG), and a self-contained 3-D
 * view (one HTML file: inline JavaScript on a canvas, no library, no
 * network).
 *
 * Every writer is deterministic (the same input gives the same bytes),
 * escapes labels for XML/HTML (& < > " ') and never writes NaN or inf:
 * a point or value that is not finite is left out, and the picture says
 * how many were. Output is UTF-8.
 */
#ifndef HUEY_PLOT_H
#define HUEY_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cluster.h"

typedef struct PlotPoint {
    const char *label;
    double x, y, z;          /* coordinates on the first three axes */
    double mass;             /* concept mass: marker area grows with it */
    bool speaker;            /* drawn highlighted */
} PlotPoint;

/* Eigenvalues (n, in the order given, normally descending) as bars:
 * positive ones blue, negative ones red and hatched, with a zero line. */
void svg_scree(FILE *f, const double *eig_desc, size_t n, const char *title);

/* Points projected on axes ax (horizontal) and ay (vertical), 0 = x,
 * 1 = y, 2 = z, with equal scales on both axes and every point labelled. */
void svg_map(FILE *f, const PlotPoint *p, size_t n, int ax, int ay, const char *title);

/* The 3-D view: drag to rotate, wheel to zoom, double-click to reset,
 * hover for label, coordinates and mass; speakers red and always
 * labelled; a header with title, signature and warp factor (a warp that
 * is not finite is written as such, not as a number). reload_seconds > 0
 * (a live view): the page reloads itself that often while not dragged,
 * and keeps its rotation and zoom in the URL (#view=yaw,pitch,zoom) and
 * sessionStorage, which work from file:// too. */
void html_space(FILE *f, const PlotPoint *p, size_t n, const char *title, const char *signature, double warp,
                double reload_seconds);

/* The dendrogram sideways: leaves top to bottom in d->order with
 * labels[leaf], merges at their similarity level on the horizontal axis
 * (most similar on the left). */
void svg_dendrogram(FILE *f, const Dendrogram *d, const char *const *labels, const char *title);

#endif
