/*
 * demo_plots.c — writes every picture of plot.h for a small made-up
 * space into DIR: space.html, scree.svg, map-12.svg, map-13.svg,
 * dendrogram.svg. `make check-html` renders DIR/space.html in headless
 * Chromium (tools/check-html.sh); the labels include every character
 * that needs escaping, a script-closing tag, accents and CJK.
 *
 * usage: demo-plots DIR
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "plot.h"
#include "util.h"

enum { N = 24 };

static FILE *open_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: cannot write", path);
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: demo-plots DIR\n");
        return 2;
    }
    static const char *const words[N] = {
        "speaker_a", "speaker_b", "garden", "water", "tomato", "soil", "sun", "wall",
        "snails", "copper", "tape", "bread", "honey", "it's", "café", "蓝色",
        "a<b", "\"quoted\"", "salt & pepper", "</script><b>x", "morning", "plants", "tree", "gate",
    };
    PlotPoint p[N];
    /* two speakers apart, the concepts on a twisted ring between them */
    for (int k = 0; k < N; k++) {
        double t = 2 * acos(-1.0) * k / N;
        p[k] = (PlotPoint){ words[k], 6 * cos(t), 4 * sin(2 * t), 3 * sin(t) + 0.5 * cos(3 * t),
                            50.0 / (1 + k), k < 2 };
    }
    p[0].x = -9, p[0].y = 2, p[0].z = 1;
    p[1].x = 9, p[1].y = -1, p[1].z = -2;
    double eig[N];
    for (int k = 0; k < N; k++)
        eig[k] = 120 * exp(-0.35 * k) - 18;   /* a few positive, the tail negative */

    FILE *f = open_in(argv[1], "space.html");
    html_space(f, p, N, "huey demo space <made-up>", "(+, +, -)", -0.4125, 0);
    fclose(f);
    f = open_in(argv[1], "scree.svg");
    svg_scree(f, eig, N, "scree: demo eigenvalues");
    fclose(f);
    f = open_in(argv[1], "map-12.svg");
    svg_map(f, p, N, 0, 1, "demo: dimensions 1 and 2");
    fclose(f);
    f = open_in(argv[1], "map-13.svg");
    svg_map(f, p, N, 0, 2, "demo: dimensions 1 and 3");
    fclose(f);

    double *S = xmalloc(N * N * sizeof *S);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double dx = p[i].x - p[j].x, dy = p[i].y - p[j].y, dz = p[i].z - p[j].z;
            S[i * N + j] = 100 * exp(-sqrt(dx * dx + dy * dy + dz * dz) / 4);
        }
    Dendrogram *d = cluster_build(S, N, LINK_AVERAGE);
    f = open_in(argv[1], "dendrogram.svg");
    svg_dendrogram(f, d, words, "demo dendrogram");
    fclose(f);
    f = open_in(argv[1], "dendrogram.txt");
    cluster_print_text(f, d, words);
    fclose(f);
    cluster_free(d);
    free(S);
    return 0;
}
