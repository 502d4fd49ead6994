/*
 * test_plot.c — plot.c: every SVG is well-formed XML (checked by a small
 * checker below: one root, balanced tags, quoted attributes, only known
 * entities), labels are escaped, nothing that is not finite is written,
 * output is deterministic, and the HTML view embeds its data so that no
 * label can end the <script> element.
 */
#define _POSIX_C_SOURCE 200809L
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster.h"
#include "plot.h"

/* ---- a minimal XML well-formedness checker ------------------------------- */

static bool entity_ok(const char *s)
{
    static const char *const named[] = { "amp;", "lt;", "gt;", "quot;", "apos;" };
    for (size_t k = 0; k < 5; k++)
        if (!strncmp(s, named[k], strlen(named[k])))
            return true;
    if (*s++ != '#')
        return false;
    bool hex = *s == 'x';
    s += hex;
    const char *d = s;
    while (hex ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s))
        s++;
    return s > d && *s == ';';
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == ':' || c == '.';
}

/* 1 if doc is well-formed XML with one root element, else 0 (and why). */
static int xml_well_formed(const char *doc, char *why, size_t whysz)
{
    char stack[64][64];
    int depth = 0, roots = 0;
    const char *s = doc;
#define BAD(...) do { snprintf(why, whysz, __VA_ARGS__); return 0; } while (0)
    if (!strncmp(s, "<?xml", 5)) {
        s = strstr(s, "?>");
        if (!s)
            BAD("unterminated XML declaration");
        s += 2;
    }
    while (*s) {
        if (*s == '&') {
            if (!entity_ok(s + 1))
                BAD("bad entity near '%.20s'", s);
            s++;
        } else if (!strncmp(s, "<!--", 4)) {
            const char *e = strstr(s + 4, "-->");
            if (!e)
                BAD("unterminated comment");
            s = e + 3;
        } else if (*s == '<' && s[1] == '/') {
            s += 2;
            const char *n = s;
            while (name_char(*s))
                s++;
            if (!depth || strlen(stack[depth - 1]) != (size_t)(s - n) || strncmp(stack[depth - 1], n, (size_t)(s - n)))
                BAD("mismatched end tag near '%.20s'", n);
            depth--;
            if (*s++ != '>')
                BAD("bad end tag");
        } else if (*s == '<') {
            s++;
            const char *n = s;
            while (name_char(*s))
                s++;
            if (s == n || s - n >= 64)
                BAD("bad tag name near '%.20s'", n);
            if (depth == 0 && roots++)
                BAD("second root element");
            if (depth == 64)
                BAD("too deep");
            memcpy(stack[depth], n, (size_t)(s - n));
            stack[depth][s - n] = '\0';
            for (;;) {
                while (isspace((unsigned char)*s))
                    s++;
                if (*s == '>') { s++; depth++; break; }
                if (s[0] == '/' && s[1] == '>') { s += 2; break; }
                const char *a = s;
                while (name_char(*s))
                    s++;
                if (s == a || *s++ != '=' || *s++ != '"')
                    BAD("bad attribute near '%.20s'", a);
                while (*s && *s != '"') {
                    if (*s == '<')
                        BAD("'<' in an attribute value");
                    if (*s == '&' && !entity_ok(s + 1))
                        BAD("bad entity in an attribute");
                    s++;
                }
                if (*s++ != '"')
                    BAD("unterminated attribute");
            }
        } else {
            if (!depth && !isspace((unsigned char)*s))
                BAD("text outside the root near '%.20s'", s);
            s++;
        }
    }
    if (depth)
        BAD("%d element(s) not closed", depth);
    if (roots != 1)
        BAD("no root element");
#undef BAD
    return 1;
}

#define ASSERT_XML(doc)                                                    \
    do {                                                                   \
        char why_[128] = "";                                               \
        int ok_ = xml_well_formed(doc, why_, sizeof why_);                 \
        if (!ok_)                                                          \
            fprintf(stderr, "\n    %s:%d: not well-formed: %s\n", __FILE__, __LINE__, why_); \
        CU_ASSERT(ok_);                                                    \
    } while (0)

/* ---- helpers ------------------------------------------------------------- */

typedef struct Mem {
    char *buf;
    size_t len;
    FILE *f;
} Mem;

static FILE *mem_open(Mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    return m->f;
}

static char *mem_close(Mem *m)
{
    fclose(m->f);
    return m->buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

/* no nan/inf spelt as a word of its own, in any case */
static bool no_nonfinite_text(const char *doc)
{
    for (const char *s = doc; *s; s++) {
        bool starts = s == doc || !isalpha((unsigned char)s[-1]);
        if (starts && (!strncasecmp(s, "nan", 3) || !strncasecmp(s, "inf", 3)))
            return false;
    }
    return true;
}

static const char *const NASTY = "a<b & \"c\" 'd' </script>";

static void points(PlotPoint *p)
{
    p[0] = (PlotPoint){ "speaker_a", -2, 1, 0.5, 40, true };
    p[1] = (PlotPoint){ NASTY, 1, -1, 2, 10, false };
    p[2] = (PlotPoint){ "café", 0.5, 2, -1, 5, false };
    p[3] = (PlotPoint){ "bad", NAN, 1, 1, 3, false };
    p[4] = (PlotPoint){ "heavy?", 1, 1, INFINITY, NAN, false };
}

/* ---- tests --------------------------------------------------------------- */

static void test_scree_signs_and_escaping(void)
{
    const double eig[] = { 5, 2.5, 0.25, 0, -1e-12, -1, -3, NAN, INFINITY };
    Mem m;
    svg_scree(mem_open(&m), eig, 9, "scree <A&B>");
    char *s = mem_close(&m);
    ASSERT_XML(s);
    CU_ASSERT_EQUAL(count(s, "<rect class=\"positive\""), 3);
    CU_ASSERT_EQUAL(count(s, "<rect class=\"zero\""), 2);       /* |λ| <= 1e-10 */
    CU_ASSERT_EQUAL(count(s, "<rect class=\"negative\""), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "1e-10): 2</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "scree &lt;A&amp;B&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "2 eigenvalues not finite, not drawn"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "positive (real): 3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "negative (imaginary): 2"));
    CU_ASSERT(no_nonfinite_text(s));
    free(s);
    /* nothing at all, and all equal: still a picture */
    svg_scree(mem_open(&m), NULL, 0, "empty");
    s = mem_close(&m);
    ASSERT_XML(s);
    free(s);
    const double same[] = { 2, 2 };
    svg_scree(mem_open(&m), same, 2, "same");
    s = mem_close(&m);
    ASSERT_XML(s);
    CU_ASSERT(no_nonfinite_text(s));
    free(s);
}

static void test_map_labels_speakers_skips(void)
{
    PlotPoint p[5];
    points(p);
    Mem m;
    svg_map(mem_open(&m), p, 5, 0, 1, "map 1-2");
    char *s = mem_close(&m);
    ASSERT_XML(s);
    CU_ASSERT(no_nonfinite_text(s));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, ">a&lt;b &amp; &quot;c&quot; &#39;d&#39; &lt;/script&gt;</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, ">café</text>"));
    CU_ASSERT_EQUAL(count(s, "<circle class=\"speaker\""), 1);
    CU_ASSERT_EQUAL(count(s, "<circle class=\"concept\""), 3);   /* "bad" has x = NaN */
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "1 point not finite, not drawn"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "dimension 1</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "dimension 2</text>"));
    free(s);
    svg_map(mem_open(&m), p, 5, 0, 2, "map 1-3");
    s = mem_close(&m);
    ASSERT_XML(s);
    CU_ASSERT_EQUAL(count(s, "<circle class=\"concept\""), 2);   /* z = inf and x = NaN out */
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "2 points not finite, not drawn"));
    CU_ASSERT(no_nonfinite_text(s));
    free(s);
    svg_map(mem_open(&m), p, 0, 1, 2, "no points");
    s = mem_close(&m);
    ASSERT_XML(s);
    free(s);
}

static void test_outputs_are_deterministic(void)
{
    PlotPoint p[5];
    points(p);
    Mem a, b;
    svg_map(mem_open(&a), p, 5, 1, 2, "t");
    svg_map(mem_open(&b), p, 5, 1, 2, "t");
    char *x = mem_close(&a), *y = mem_close(&b);
    CU_ASSERT_STRING_EQUAL(x, y);
    free(x);
    free(y);
    html_space(mem_open(&a), p, 5, "t", "(+, +, -)", 0.5, 0);
    html_space(mem_open(&b), p, 5, "t", "(+, +, -)", 0.5, 0);
    x = mem_close(&a);
    y = mem_close(&b);
    CU_ASSERT_STRING_EQUAL(x, y);
    free(x);
    free(y);
}

static void test_html_is_self_contained_and_safe(void)
{
    PlotPoint p[5];
    points(p);
    Mem m;
    html_space(mem_open(&m), p, 5, "space <of> \"us\"", "(+, -, -)", INFINITY, 0);
    char *s = mem_close(&m);
    /* exactly the two script elements the page has: the data and the viewer */
    CU_ASSERT_EQUAL(count(s, "<script"), 2);
    CU_ASSERT_EQUAL(count(s, "</script>"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"l\": \"a\\u003cb \\u0026 \\\"c\\\" 'd' \\u003c/script\\u003e\""));
    /* nothing fetched from anywhere */
    CU_ASSERT_PTR_NULL(strstr(s, "src="));
    CU_ASSERT_PTR_NULL(strstr(s, "http"));
    CU_ASSERT_PTR_NULL(strstr(s, "<link"));
    /* header: escaped title, signature, a warp that is not finite in words */
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "<h1>space &lt;of&gt; &quot;us&quot;</h1>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "metric signature <b>(+, -, -)</b>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "warp factor <b>+&#8734;</b>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "2 with coordinates that are not finite left out"));
    /* three points, speaker flagged, the NaN mass written as 0 */
    CU_ASSERT_EQUAL(count(s, "{\"l\": "), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "{\"l\": \"speaker_a\", \"x\": -2.0, \"y\": 1.0, \"z\": 0.5, \"m\": 40.0, \"s\": true}"));
    CU_ASSERT_PTR_NULL(strstr(s, "NaN"));
    CU_ASSERT_PTR_NULL(strstr(s, "Infinity"));
    /* the viewer's controls */
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "'wheel'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "'mousedown'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "<canvas id=\"view\""));
    free(s);
    html_space(mem_open(&m), p, 3, "t", "(+, +, +)", 1.25, 0);
    s = mem_close(&m);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "warp factor <b>1.25</b>"));
    free(s);
}

static void test_dendrogram_svg(void)
{
    double S[16] = { 0, 10, 2, 1, 10, 0, 3, 4, 2, 3, 0, 8, 1, 4, 8, 0 };
    Dendrogram *d = cluster_build(S, 4, LINK_COMPLETE);
    const char *labels[] = { "x&y", "<b>", "c", "d" };
    Mem m;
    svg_dendrogram(mem_open(&m), d, labels, "tree");
    char *s = mem_close(&m);
    ASSERT_XML(s);
    CU_ASSERT(no_nonfinite_text(s));
    CU_ASSERT_EQUAL(count(s, "<path d="), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, ">x&amp;y</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, ">&lt;b&gt;</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "similarity (complete linkage)"));
    free(s);
    cluster_free(d);
    /* one leaf: no merges, one level range made up */
    double one = 0;
    d = cluster_build(&one, 1, LINK_AVERAGE);
    svg_dendrogram(mem_open(&m), d, labels, "one");
    s = mem_close(&m);
    ASSERT_XML(s);
    CU_ASSERT(no_nonfinite_text(s));
    free(s);
    cluster_free(d);
}

static void test_checker_rejects_bad_xml(void)
{
    char why[128];
    CU_ASSERT(!xml_well_formed("<a><b></a></b>", why, sizeof why));
    CU_ASSERT(!xml_well_formed("<a>x & y</a>", why, sizeof why));
    CU_ASSERT(!xml_well_formed("<a t=\"<\"/>", why, sizeof why));
    CU_ASSERT(!xml_well_formed("<a/><b/>", why, sizeof why));
    CU_ASSERT(xml_well_formed("<?xml version=\"1.0\"?>\n<a t=\"&amp;\"><!-- c --><b/>&#955;</a>\n", why, sizeof why));
}

void register_plot(void)
{
    CU_pSuite s = CU_add_suite("plot", NULL, NULL);
    CU_add_test(s, "XML checker rejects bad XML", test_checker_rejects_bad_xml);
    CU_add_test(s, "scree: signs, escaping, non-finite", test_scree_signs_and_escaping);
    CU_add_test(s, "map: labels, speakers, skipped points", test_map_labels_speakers_skips);
    CU_add_test(s, "SVG and HTML are deterministic", test_outputs_are_deterministic);
    CU_add_test(s, "HTML: self-contained, data cannot end the script", test_html_is_self_contained_and_safe);
    CU_add_test(s, "dendrogram SVG", test_dendrogram_svg);
}
