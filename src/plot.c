/*
 * plot.c — SVG pictures and the self-contained HTML 3-D view (plot.h).
 *
 * SVG coordinates are printed with two decimals ("%.2f"), so output is
 * byte-stable; data in the HTML file is JSON with Python-repr doubles
 * (json.h's fmt_double) and every '<', '>' and '&' escaped as \u003c ...,
 * so no label can close the <script> element that holds it.
 */
#include "plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* ---- shared helpers ------------------------------------------------------ */

/* Text for XML and HTML: the five special characters as entities, control
 * characters (not allowed in XML 1.0) as '?'. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(c < 0x20 && c != '\t' && c != '\n' ? '?' : c, f);
        }
    }
}

/* Characters (UTF-8 code points) in s, for label widths. */
static size_t text_chars(const char *s)
{
    size_t k = 0;
    for (; *s; s++)
        k += ((unsigned char)*s & 0xc0) != 0x80;
    return k;
}

static void svg_begin(FILE *f, double w, double h, const char *title)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
               "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">\n",
            w, h, w, h);
    fputs("<title>", f);
    put_escaped(f, title ? title : "");
    fputs("</title>\n", f);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", w, h);
    fprintf(f, "<text x=\"%.2f\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">", w / 2);
    put_escaped(f, title ? title : "");
    fputs("</text>\n", f);
}

/* A note at the bottom left when values had to be left out. */
static void svg_note_skipped(FILE *f, size_t skipped, const char *what, double h)
{
    if (!skipped)
        return;
    fprintf(f, "<!-- %zu %s not finite: left out -->\n", skipped, what);
    fprintf(f, "<text x=\"8\" y=\"%.2f\" fill=\"#a40000\">%zu %s not finite, not drawn</text>\n", h - 6, skipped,
            what);
}

/* Tick step: 1, 2 or 5 times a power of ten, about `want` ticks over span. */
static double nice_step(double span, int want)
{
    double raw = span / want;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* Tick labels: %g with enough digits for the step, and no "-0". */
static void fmt_tick(char *buf, size_t size, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    snprintf(buf, size, "%.6g", v);
}

/* Linear map of [lo, hi] onto [a, b]. */
typedef struct Scale {
    double lo, hi, a, b;
} Scale;

static double scale_at(const Scale *s, double v)
{
    return s->a + (v - s->lo) / (s->hi - s->lo) * (s->b - s->a);
}

/* A span that is never empty: [lo, hi] widened when lo == hi. */
static void widen(double *lo, double *hi)
{
    if (*hi - *lo <= 0) {
        double d = fabs(*lo) > 0 ? fabs(*lo) * 0.5 : 1.0;
        *lo -= d;
        *hi += d;
    }
}

/* Vertical axis ticks and grid lines at x0 across to x1. */
static void y_axis(FILE *f, const Scale *s, double x0, double x1)
{
    double step = nice_step(s->hi - s->lo, 6);
    char buf[64];
    for (double v = ceil(s->lo / step) * step; v <= s->hi + step * 1e-9; v += step) {
        double y = scale_at(s, v);
        fmt_tick(buf, sizeof buf, v, step);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e0e0e0\"/>\n", x0, y, x1, y);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n", x0 - 5, y + 4, buf);
    }
}

/* Horizontal axis ticks at the bottom y, grid lines up to y0. */
static void x_axis(FILE *f, const Scale *s, double y0, double y)
{
    double step = nice_step(fabs(s->hi - s->lo), 6);
    double lo = s->lo < s->hi ? s->lo : s->hi, hi = s->lo < s->hi ? s->hi : s->lo;
    char buf[64];
    for (double v = ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
        double x = scale_at(s, v);
        fmt_tick(buf, sizeof buf, v, step);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e0e0e0\"/>\n", x, y0, x, y);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n", x, y + 14, buf);
    }
}

/* ---- scree plot ---------------------------------------------------------- */

enum { SCREE_W = 720, SCREE_H = 420 };
/* |λ| at or below this counts as zero (huey-model.md §12.2's eigen summary) */
static const double EIG_ZERO = 1e-10;
static const double SCREE_LEFT = 70, SCREE_RIGHT = 20, SCREE_TOP = 60, SCREE_BOTTOM = 50;

void svg_scree(FILE *f, const double *eig_desc, size_t n, const char *title)
{
    double w = SCREE_W, h = SCREE_H;
    double x0 = SCREE_LEFT, x1 = w - SCREE_RIGHT, y0 = SCREE_TOP, y1 = h - SCREE_BOTTOM;
    double lo = 0, hi = 0;
    size_t skipped = 0, npos = 0, nneg = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(eig_desc[k])) {
            skipped++;
            continue;
        }
        lo = eig_desc[k] < lo ? eig_desc[k] : lo;
        hi = eig_desc[k] > hi ? eig_desc[k] : hi;
        npos += eig_desc[k] > EIG_ZERO;
        nneg += eig_desc[k] < -EIG_ZERO;
    }
    widen(&lo, &hi);
    Scale ys = { lo, hi, y1, y0 };
    svg_begin(f, w, h, title);
    fputs("<defs><pattern id=\"neg\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ef9a9a\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#cc0000\" stroke-width=\"3\"/></pattern></defs>\n",
          f);
    y_axis(f, &ys, x0, x1);
    double bw = n ? (x1 - x0) / (double)n : 0;
    char buf[32];
    for (size_t k = 0; k < n; k++) {
        double v = eig_desc[k];
        if (!isfinite(v))
            continue;
        double ya = scale_at(&ys, v > 0 ? v : 0), yb = scale_at(&ys, v > 0 ? 0 : v);
        fmt_double(buf, v);
        fprintf(f, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" %s><title>&#955;%zu = %s"
                   "</title></rect>\n",
                v < -EIG_ZERO ? "negative" : v > EIG_ZERO ? "positive" : "zero", x0 + bw * (double)k + bw * 0.1, ya,
                bw * 0.8, yb - ya,
                v < -EIG_ZERO ? "fill=\"url(#neg)\" stroke=\"#cc0000\"" : "fill=\"#3465a4\" stroke=\"#204a87\"", k + 1,
                buf);
    }
    double yz = scale_at(&ys, 0);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n", x0, yz, x1, yz);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n", x0, y0, x0, y1);
    /* index ticks: 1 and about ten more */
    size_t every = n > 10 ? (n + 9) / 10 : 1;
    for (size_t k = 0; k < n; k++)
        if (k == 0 || (k + 1) % every == 0)
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%zu</text>\n",
                    x0 + bw * ((double)k + 0.5), y1 + 16, k + 1);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">eigenvalue index</text>\n", (x0 + x1) / 2,
            y1 + 34);
    fprintf(f, "<text transform=\"translate(16 %.2f) rotate(-90)\" text-anchor=\"middle\">eigenvalue</text>\n",
            (y0 + y1) / 2);
    /* legend */
    fprintf(f, "<rect x=\"%.2f\" y=\"34\" width=\"12\" height=\"12\" fill=\"#3465a4\"/>"
               "<text x=\"%.2f\" y=\"44\">positive (real): %zu</text>\n",
            x0, x0 + 16, npos);
    fprintf(f, "<rect x=\"%.2f\" y=\"34\" width=\"12\" height=\"12\" fill=\"url(#neg)\" stroke=\"#cc0000\"/>"
               "<text x=\"%.2f\" y=\"44\">negative (imaginary): %zu</text>\n",
            x0 + 170, x0 + 186, nneg);
    if (npos + nneg + skipped < n)
        fprintf(f, "<text x=\"%.2f\" y=\"44\">zero (|&#955;| &#8804; 1e-10): %zu</text>\n", x0 + 370,
                n - npos - nneg - skipped);
    svg_note_skipped(f, skipped, skipped == 1 ? "eigenvalue" : "eigenvalues", h);
    fputs("</svg>\n", f);
}

/* ---- 2-D map --------------------------------------------------------------- */

enum { MAP_W = 800, MAP_H = 720 };
static const double MAP_MARGIN = 60, MAP_TOP = 50;
static const double MARK_R0 = 3, MARK_R1 = 9;   /* marker radius: r0 + r1·√(mass / max mass) */

static double coord(const PlotPoint *p, int axis)
{
    return axis == 0 ? p->x : axis == 1 ? p->y : p->z;
}

static double max_mass(const PlotPoint *p, size_t n)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        if (isfinite(p[k].mass) && p[k].mass > m)
            m = p[k].mass;
    return m;
}

static double mark_radius(double mass, double mmax)
{
    if (!isfinite(mass) || mass <= 0 || mmax <= 0)
        return MARK_R0;
    return MARK_R0 + MARK_R1 * sqrt(mass / mmax);
}

/* Drawing order: larger markers first, so small ones stay visible. */
typedef struct Drawn {
    size_t k;
    double r;
} Drawn;

static int by_radius_desc(const void *x, const void *y)
{
    const Drawn *a = x, *b = y;
    if (a->r != b->r)
        return a->r > b->r ? -1 : 1;
    return a->k < b->k ? -1 : a->k > b->k;
}

void svg_map(FILE *f, const PlotPoint *p, size_t n, int ax, int ay, const char *title)
{
    check(ax >= 0 && ax <= 2 && ay >= 0 && ay <= 2);
    double w = MAP_W, h = MAP_H;
    double px0 = MAP_MARGIN, px1 = w - MAP_MARGIN, py0 = MAP_TOP, py1 = h - MAP_MARGIN;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    size_t skipped = 0, m = 0;
    Drawn *dr = xmalloc((n ? n : 1) * sizeof *dr);
    double mmax = max_mass(p, n);
    for (size_t k = 0; k < n; k++) {
        double x = coord(&p[k], ax), y = coord(&p[k], ay);
        if (!isfinite(x) || !isfinite(y)) {
            skipped++;
            continue;
        }
        xlo = x < xlo ? x : xlo;
        xhi = x > xhi ? x : xhi;
        ylo = y < ylo ? y : ylo;
        yhi = y > yhi ? y : yhi;
        dr[m++] = (Drawn){ k, mark_radius(p[k].mass, mmax) };
    }
    if (!m)
        xlo = xhi = ylo = yhi = 0;
    widen(&xlo, &xhi);
    widen(&ylo, &yhi);
    /* equal units on both axes, the data centred in the frame */
    double u = fmin((px1 - px0) / (xhi - xlo), (py1 - py0) / (yhi - ylo)) * 0.92;
    double cx = (xlo + xhi) / 2, cy = (ylo + yhi) / 2;
    double hx = (px1 - px0) / 2 / u, hy = (py1 - py0) / 2 / u;
    Scale xs = { cx - hx, cx + hx, px0, px1 }, ys = { cy - hy, cy + hy, py1, py0 };
    svg_begin(f, w, h, title);
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#888\"/>\n", px0,
            py0, px1 - px0, py1 - py0);
    x_axis(f, &xs, py0, py1);
    y_axis(f, &ys, px0, px1);
    if (xs.lo <= 0 && 0 <= xs.hi)
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n",
                scale_at(&xs, 0), py0, scale_at(&xs, 0), py1);
    if (ys.lo <= 0 && 0 <= ys.hi)
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n",
                px0, scale_at(&ys, 0), px1, scale_at(&ys, 0));
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">dimension %d</text>\n", (px0 + px1) / 2, py1 + 34,
            ax + 1);
    fprintf(f, "<text transform=\"translate(16 %.2f) rotate(-90)\" text-anchor=\"middle\">dimension %d</text>\n",
            (py0 + py1) / 2, ay + 1);
    qsort(dr, m, sizeof *dr, by_radius_desc);
    for (size_t i = 0; i < m; i++) {
        const PlotPoint *q = &p[dr[i].k];
        double x = scale_at(&xs, coord(q, ax)), y = scale_at(&ys, coord(q, ay)), r = dr[i].r;
        fprintf(f, "<circle class=\"%s\" cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" %s/>\n", q->speaker ? "speaker" : "concept",
                x, y, r,
                q->speaker ? "fill=\"#cc0000\" stroke=\"black\" stroke-width=\"1.5\""
                           : "fill=\"#3465a4\" fill-opacity=\"0.6\" stroke=\"#204a87\"");
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\"%s>", x + r + 2, y + 4,
                q->speaker ? " fill=\"#a40000\" font-weight=\"bold\" font-size=\"13\"" : " fill=\"#2e3436\"");
        put_escaped(f, q->label ? q->label : "");
        fputs("</text>\n", f);
    }
    fprintf(f, "<circle cx=\"%.2f\" cy=\"38\" r=\"5\" fill=\"#cc0000\" stroke=\"black\"/>"
               "<text x=\"%.2f\" y=\"42\">speaker</text>\n",
            px0 + 5, px0 + 14);
    fprintf(f, "<circle cx=\"%.2f\" cy=\"38\" r=\"5\" fill=\"#3465a4\" fill-opacity=\"0.6\" stroke=\"#204a87\"/>"
               "<text x=\"%.2f\" y=\"42\">concept (marker grows with mass)</text>\n",
            px0 + 85, px0 + 94);
    svg_note_skipped(f, skipped, skipped == 1 ? "point" : "points", h);
    fputs("</svg>\n", f);
    free(dr);
}

/* ---- dendrogram ------------------------------------------------------------ */

static const double DENDRO_ROW = 16, DENDRO_TOP = 44, DENDRO_BOTTOM = 50, DENDRO_PLOT_W = 480;
static const double DENDRO_CHAR_W = 7;     /* label width estimate per character */

void svg_dendrogram(FILE *f, const Dendrogram *d, const char *const *labels, const char *title)
{
    size_t n = d->n;
    double lw = 40;
    for (size_t i = 0; i < n; i++) {
        double t = DENDRO_CHAR_W * (double)text_chars(labels[i]) + 12;
        lw = t > lw ? t : lw;
    }
    lw = lw > 260 ? 260 : lw;
    double xleaf = lw + 6, x0 = xleaf + 12, x1 = x0 + DENDRO_PLOT_W;
    double w = x1 + 30, h = DENDRO_TOP + DENDRO_ROW * (double)n + DENDRO_BOTTOM;
    double lo = INFINITY, hi = -INFINITY;
    size_t skipped = 0;
    for (size_t s = 0; s + 1 < n; s++) {
        double v = d->merge[s].level;
        if (!isfinite(v)) {
            skipped++;
            continue;
        }
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (lo > hi)
        lo = hi = 0;
    widen(&lo, &hi);
    Scale xs = { hi, lo, x0, x1 };           /* most similar on the left */
    double *nx = xmalloc(2 * n * sizeof *nx), *ny = xmalloc(2 * n * sizeof *ny);
    svg_begin(f, w, h, title);
    double ybot = DENDRO_TOP + DENDRO_ROW * (double)n;
    x_axis(f, &xs, DENDRO_TOP - 6, ybot + 4);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">similarity (%s linkage)</text>\n", (x0 + x1) / 2,
            ybot + 36, cluster_linkage_name(d->linkage));
    for (size_t p = 0; p < n; p++) {
        size_t leaf = d->order[p];
        nx[leaf] = xleaf;
        ny[leaf] = DENDRO_TOP + DENDRO_ROW * ((double)p + 0.5);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">", xleaf - 4, ny[leaf] + 4);
        put_escaped(f, labels[leaf]);
        fputs("</text>\n", f);
    }
    fputs("<g fill=\"none\" stroke=\"#204a87\" stroke-width=\"1.5\">\n", f);
    for (size_t s = 0; s + 1 < n; s++) {
        const DendroMerge *g = &d->merge[s];
        double v = isfinite(g->level) ? g->level : lo;
        double x = scale_at(&xs, v);
        size_t a = (size_t)g->a, b = (size_t)g->b, c = n + s;
        nx[c] = x;
        ny[c] = (ny[a] + ny[b]) / 2;
        fprintf(f, "<path d=\"M%.2f %.2fH%.2fV%.2fH%.2f\"/>\n", nx[a], ny[a], x, ny[b], nx[b]);
    }
    fputs("</g>\n", f);
    svg_note_skipped(f, skipped, skipped == 1 ? "level" : "levels", h);
    fputs("</svg>\n", f);
    free(nx);
    free(ny);
}

/* ---- HTML 3-D view --------------------------------------------------------- */

/* A JSON string safe inside <script>: <, >, & and the JavaScript line
 * separators as \u escapes. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&')
            fprintf(f, "\\u%04x", *c);
        else if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) {
            fprintf(f, "\\u%04x", c[2] == 0xa8 ? 0x2028 : 0x2029);
            c += 2;
        } else
            fputc(*c, f);
    }
    fputc('"', f);
}

static void put_number(FILE *f, double v)
{
    char buf[32];
    fmt_double(buf, v);
    fputs(buf, f);
}

/* The viewer: orthographic-with-perspective projection of the centred,
 * unit-scaled cloud; yaw/pitch from dragging; painter's order by depth. */
static const char SPACE_JS[] =
    "(function () {\n"
    "'use strict';\n"
    "var D = JSON.parse(document.getElementById('space-data').textContent);\n"
    "var P = D.points, n = P.length;\n"
    "var cv = document.getElementById('view'), cx = cv.getContext('2d');\n"
    "var tip = document.getElementById('tip');\n"
    "var c = [0, 0, 0], R = 0, mmax = 0, i, k;\n"
    "for (i = 0; i < n; i++) { c[0] += P[i].x / n; c[1] += P[i].y / n; c[2] += P[i].z / n;\n"
    "  if (P[i].m > mmax) mmax = P[i].m; }\n"
    "for (i = 0; i < n; i++) { var dx = P[i].x - c[0], dy = P[i].y - c[1], dz = P[i].z - c[2];\n"
    "  R = Math.max(R, Math.sqrt(dx * dx + dy * dy + dz * dz)); }\n"
    "if (!(R > 0)) R = 1;\n"
    "/* labels shown without hovering: speakers and the heaviest concepts */\n"
    "var rank = P.map(function (p, j) { return j; }).sort(function (a, b) { return P[b].m - P[a].m || a - b; });\n"
    "var shown = {};\n"
    "for (i = 0; i < Math.min(12, n); i++) shown[rank[i]] = true;\n"
    "var yaw0 = 0.6, pitch0 = 0.35, yaw = yaw0, pitch = pitch0, zoom = 1, hover = -1, drag = null, proj = [];\n"
    "function fit() { cv.width = Math.max(320, window.innerWidth - 24);\n"
    "  cv.height = Math.max(240, window.innerHeight - cv.getBoundingClientRect().top - 12); }\n"
    "function project(x, y, z) {\n"
    "  var X = (x - c[0]) / R, Y = (y - c[1]) / R, Z = (z - c[2]) / R;\n"
    "  var cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);\n"
    "  var x1 = X * cy + Z * sy, z1 = -X * sy + Z * cy;\n"
    "  var y2 = Y * cp - z1 * sp, z2 = Y * sp + z1 * cp;\n"
    "  var f = 4 / (4 - z2), s = 0.42 * Math.min(cv.width, cv.height) * zoom;\n"
    "  return { x: cv.width / 2 + x1 * f * s, y: cv.height / 2 - y2 * f * s, z: z2, f: f };\n"
    "}\n"
    "function radius(p, f) { return (3 + 9 * (mmax > 0 && p.m > 0 ? Math.sqrt(p.m / mmax) : 0)) * f; }\n"
    "function draw() {\n"
    "  cx.fillStyle = '#ffffff'; cx.fillRect(0, 0, cv.width, cv.height);\n"
    "  var o = [0, 0, 0];\n"
    "  for (k = 0; k < 3; k++) {\n"
    "    var a = [c[0], c[1], c[2]], b = [c[0], c[1], c[2]];\n"
    "    a[k] -= R; b[k] += R;\n"
    "    var pa = project(a[0], a[1], a[2]), pb = project(b[0], b[1], b[2]);\n"
    "    cx.strokeStyle = ['#8ae234', '#fcaf3e', '#ad7fa8'][k]; cx.lineWidth = 2;\n"
    "    cx.beginPath(); cx.moveTo(pa.x, pa.y); cx.lineTo(pb.x, pb.y); cx.stroke();\n"
    "    cx.fillStyle = '#555'; cx.font = '12px sans-serif'; cx.fillText('dim ' + (k + 1), pb.x + 4, pb.y);\n"
    "  }\n"
    "  proj = P.map(function (p) { return project(p.x, p.y, p.z); });\n"
    "  var ord = P.map(function (p, j) { return j; }).sort(function (a, b) { return proj[a].z - proj[b].z || a - b; });\n"
    "  ord.forEach(function (j) {\n"
    "    var p = P[j], q = proj[j], r = radius(p, q.f);\n"
    "    cx.beginPath(); cx.arc(q.x, q.y, r, 0, 2 * Math.PI);\n"
    "    cx.fillStyle = p.s ? '#cc0000' : 'rgba(52,101,164,0.65)'; cx.fill();\n"
    "    cx.lineWidth = j === hover ? 3 : p.s ? 1.5 : 1;\n"
    "    cx.strokeStyle = j === hover ? '#f57900' : p.s ? '#000000' : '#204a87'; cx.stroke();\n"
    "    if (p.s || shown[j] || j === hover) {\n"
    "      cx.font = (p.s ? 'bold 14px' : '12px') + ' sans-serif';\n"
    "      cx.fillStyle = p.s ? '#a40000' : '#2e3436'; cx.fillText(p.l, q.x + r + 3, q.y + 4);\n"
    "    }\n"
    "  });\n"
    "}\n"
    "function pick(mx, my) {\n"
    "  var best = -1, bd = 1e30;\n"
    "  for (var j = 0; j < n; j++) { var q = proj[j], dx = q.x - mx, dy = q.y - my, d = dx * dx + dy * dy,\n"
    "    r = radius(P[j], q.f) + 4; if (d <= r * r && (d < bd || (d === bd && q.z > proj[best].z))) { best = j; bd = d; } }\n"
    "  return best;\n"
    "}\n"
    "function num(v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(3); }\n"
    "function pos(e) { var b = cv.getBoundingClientRect(); return [e.clientX - b.left, e.clientY - b.top]; }\n"
    "cv.addEventListener('mousedown', function (e) { drag = pos(e); e.preventDefault(); });\n"
    "window.addEventListener('mouseup', function () { drag = null; });\n"
    "window.addEventListener('mousemove', function (e) {\n"
    "  var m = pos(e);\n"
    "  if (drag) { yaw += (m[0] - drag[0]) * 0.01; pitch += (m[1] - drag[1]) * 0.01;\n"
    "    pitch = Math.max(-1.55, Math.min(1.55, pitch)); drag = m; draw(); return; }\n"
    "  if (e.target !== cv) return;\n"
    "  var h = pick(m[0], m[1]);\n"
    "  if (h !== hover) { hover = h; draw(); }\n"
    "  if (h < 0) { tip.style.display = 'none'; return; }\n"
    "  var p = P[h];\n"
    "  tip.textContent = p.l + (p.s ? ' (speaker)' : '') + '  (' + num(p.x) + ', ' + num(p.y) + ', ' + num(p.z) +\n"
    "    ')  mass ' + num(p.m);\n"
    "  tip.style.left = (e.pageX + 14) + 'px'; tip.style.top = (e.pageY + 10) + 'px'; tip.style.display = 'block';\n"
    "});\n"
    "cv.addEventListener('wheel', function (e) { e.preventDefault();\n"
    "  zoom = Math.max(0.2, Math.min(40, zoom * Math.exp(-e.deltaY * 0.0015))); draw(); }, { passive: false });\n"
    "cv.addEventListener('dblclick', function () { yaw = yaw0; pitch = pitch0; zoom = 1; draw(); });\n"
    "cv.addEventListener('touchstart', function (e) { if (e.touches.length === 1) drag = pos(e.touches[0]); }, { passive: true });\n"
    "cv.addEventListener('touchmove', function (e) { if (!drag || e.touches.length !== 1) return; e.preventDefault();\n"
    "  var m = pos(e.touches[0]); yaw += (m[0] - drag[0]) * 0.01; pitch += (m[1] - drag[1]) * 0.01;\n"
    "  pitch = Math.max(-1.55, Math.min(1.55, pitch)); drag = m; draw(); }, { passive: false });\n"
    "cv.addEventListener('touchend', function () { drag = null; });\n"
    "window.addEventListener('resize', function () { fit(); draw(); });\n"
    "/* a live view reloads itself; the rotation and zoom survive in the URL's\n"
    "   #view= and in sessionStorage (both work from file://, where fetch does not) */\n"
    "function keep() { var v = yaw.toFixed(5) + ',' + pitch.toFixed(5) + ',' + zoom.toFixed(5);\n"
    "  cv.setAttribute('data-view', v);\n"
    "  try { sessionStorage.setItem('huey-view', v); } catch (e) {}\n"
    "  try { history.replaceState(null, '', '#view=' + v); } catch (e) {} }\n"
    "if (D.reload > 0) {\n"
    "  var hm = /view=([-0-9.e]+),([-0-9.e]+),([-0-9.e]+)/.exec(location.hash), sv = null;\n"
    "  try { sv = hm ? hm.slice(1) : (sessionStorage.getItem('huey-view') || '').split(','); } catch (e) {}\n"
    "  if (sv && sv.length === 3 && sv.every(function (t) { return isFinite(parseFloat(t)); })) {\n"
    "    yaw = parseFloat(sv[0]); pitch = parseFloat(sv[1]); zoom = parseFloat(sv[2]); }\n"
    "  ['mouseup', 'wheel', 'dblclick', 'touchend'].forEach(function (t) { window.addEventListener(t, keep); });\n"
    "  setInterval(function () { if (!drag) { keep(); location.reload(); } }, D.reload * 1000);\n"
    "  keep();\n"
    "}\n"
    "fit(); draw();\n"
    "})();\n";

void html_space(FILE *f, const PlotPoint *p, size_t n, const char *title, const char *signature, double warp,
                double reload_seconds)
{
    const char *t = title ? title : "";
    size_t skipped = 0, nspk = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(p[k].x) || !isfinite(p[k].y) || !isfinite(p[k].z))
            skipped++;
        else
            nspk += p[k].speaker;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    put_escaped(f, t);
    fputs("</title>\n<style>\n"
          "body { margin: 0; padding: 8px 12px; font-family: 'DejaVu Sans', Arial, sans-serif; background: #ffffff;"
          " color: #2e3436; }\n"
          "h1 { font-size: 18px; margin: 0 0 4px 0; }\n"
          "p.facts { margin: 0 0 6px 0; font-size: 13px; }\n"
          "canvas { display: block; border: 1px solid #babdb6; cursor: grab; }\n"
          "#tip { position: absolute; display: none; background: #fffbe0; border: 1px solid #c4a000;"
          " padding: 2px 6px; font-size: 12px; pointer-events: none; white-space: nowrap; }\n"
          ".spk { color: #cc0000; font-weight: bold; }\n"
          "</style>\n</head>\n<body>\n<header>\n<h1>",
          f);
    put_escaped(f, t);
    fputs("</h1>\n<p class=\"facts\">metric signature <b>", f);
    put_escaped(f, signature ? signature : "");
    fputs("</b> &#183; warp factor <b>", f);
    if (isfinite(warp))
        fprintf(f, "%.6g", warp);   /* a reader's figure; space.json has every digit */
    else
        fputs(isnan(warp) ? "undefined" : warp > 0 ? "+&#8734;" : "&#8722;&#8734;", f);
    fprintf(f, "</b> &#183; %zu concepts, <span class=\"spk\">%zu speaker%s</span>", n - skipped, nspk,
            nspk == 1 ? "" : "s");
    if (skipped)
        fprintf(f, " &#183; %zu with coordinates that are not finite left out", skipped);
    if (reload_seconds > 0)
        fprintf(f, " &#183; live: reloads every %g s", reload_seconds);
    fputs(" &#183; drag to rotate, wheel to zoom, double-click to reset, hover for labels</p>\n</header>\n"
          "<canvas id=\"view\" width=\"900\" height=\"600\"></canvas>\n<div id=\"tip\"></div>\n"
          "<script type=\"application/json\" id=\"space-data\">\n{",
          f);
    if (reload_seconds > 0) {
        fputs("\"reload\": ", f);
        put_number(f, reload_seconds);
        fputs(", ", f);
    }
    fputs("\"points\": [", f);
    bool first = true;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(p[k].x) || !isfinite(p[k].y) || !isfinite(p[k].z))
            continue;
        fputs(first ? "\n" : ",\n", f);
        first = false;
        fputs("{\"l\": ", f);
        put_json_string(f, p[k].label ? p[k].label : "");
        fputs(", \"x\": ", f);
        put_number(f, p[k].x);
        fputs(", \"y\": ", f);
        put_number(f, p[k].y);
        fputs(", \"z\": ", f);
        put_number(f, p[k].z);
        fputs(", \"m\": ", f);
        put_number(f, isfinite(p[k].mass) ? p[k].mass : 0.0);
        fprintf(f, ", \"s\": %s}", p[k].speaker ? "true" : "false");
    }
    fputs("]}\n</script>\n<script>\n", f);
    fputs(SPACE_JS, f);
    fputs("</script>\n</body>\n</html>\n", f);
}
