/*
 * jsonread.h — a small JSON reader (whole document into a tree) and the
 * reader of Galileo spaces built on it.
 *
 * Own code rather than libjansson: jansson exports json_string() and
 * json_null(), which json.h's writer also defines, and one program cannot
 * link both. The reader accepts RFC 8259 JSON plus NaN, Infinity and
 * -Infinity (Python's json.dumps writes them); strings are UTF-8 with
 * \u escapes (surrogate pairs included) decoded.
 */
#ifndef HUEY_JSONREAD_H
#define HUEY_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } JvType;

typedef struct Jv {
    JvType type;
    bool b;
    double num;
    char *str;               /* JV_STRING: '\0'-terminated (may hold '\0' itself: len) */
    size_t len;
    struct Jv *item;         /* JV_ARRAY, JV_OBJECT: (n) values */
    char **key;              /* JV_OBJECT: (n) keys, in file order */
    size_t n;
} Jv;

/* Parse text (len bytes); NULL on error with a message "line L: ..." in err. */
Jv *jv_parse(const char *text, size_t len, char *err, size_t errsz);
/* Read and parse a file; dies with "PATH: line L: ..." on error. */
Jv *jv_load(const char *path);
void jv_free(Jv *v);
/* Member of an object (first of that key), NULL if absent or v is no object. */
const Jv *jv_get(const Jv *v, const char *key);

/* ---- Galileo spaces -------------------------------------------------------- */

/* A space read from JSON: concept labels, coordinates and, per column,
 * the eigenvalue behind it (its sign says real or imaginary). */
typedef struct SpaceData {
    size_t n, d;             /* concepts, dimensions */
    char **label;            /* (n) */
    double *x;               /* (n, d) row-major */
    double *lambda;          /* (d) eigenvalue of column k; NaN if the file gives none */
    char *object;            /* where it came from: a key of the file, or "top level" */
} SpaceData;

/* Read a space from path. It is the first object, in this order, that
 * holds coordinates: the one named by object (if not NULL), the top level
 * (huey galileo's space.json), "web_torgerson_galileo", then
 * "gpu_class_galileo" (the expected-output files). Keys: labels from
 * "labels" or "concept_words"; coordinates from "coordinates" or
 * "positions" (n rows of d numbers); column eigenvalues from
 * "selected_eigenvalues" (one per column) or else the first d of
 * "eigenvalues_desc". Dies with the path and the reason on bad input,
 * including an object that reports an "error" instead of a space. */
SpaceData *space_read_json(const char *path, const char *object);
void space_data_free(SpaceData *s);

#endif
