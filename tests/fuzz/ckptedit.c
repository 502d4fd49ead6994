/*
 * ckptedit.c — fuzz harness: the checkpoint loader on well-formed HDF5
 * files that hold wrong values (src/net.c net_load, src/offline.c).
 *
 * Byte mutations of a checkpoint mostly break HDF5's checksums and stop
 * there (fuzz-ckpt); this harness gets past them. It starts from a real
 * checkpoint (HUEY_FUZZ_BASE, default build/fuzz/base.h5, made by
 * `make fuzz`) and reads the input as edits made through HDF5, which
 * keeps the file valid: records of 15 bytes, [op][object: 2][index: 4]
 * [value: 8], where object picks one of the file's datasets and
 * attributes (in name order), and op (mod 4) is
 *   0  set element index (mod its length) to value (an attribute: its
 *      value, a string attribute: the value's 8 bytes as text),
 *   1  cut the dataset to index (mod length + 1) elements,
 *   2  grow the dataset by index (mod 64) elements, each = value,
 *   3  delete the object.
 * The edited file is then loaded as every offline command loads one.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "offline.h"

enum { MAX_OBJ = 512, REC = 15 };

typedef struct Obj {
    char path[256];       /* the dataset, or the object holding the attribute */
    char attr[64];        /* "" for a dataset */
} Obj;

static Obj obj[MAX_OBJ];
static size_t nobj;
static char *base;        /* the base file's bytes */
static size_t base_len;

static herr_t add_attr(hid_t loc, const char *name, const H5A_info_t *info, void *ctx)
{
    (void)loc;
    (void)info;
    if (nobj < MAX_OBJ) {
        snprintf(obj[nobj].path, sizeof obj[nobj].path, "%s", (const char *)ctx);
        snprintf(obj[nobj].attr, sizeof obj[nobj].attr, "%s", name);
        nobj++;
    }
    return 0;
}

static herr_t add_object(hid_t root, const char *name, const H5O_info_t *info, void *ctx)
{
    (void)ctx;
    char path[256];
    snprintf(path, sizeof path, "/%s", strcmp(name, ".") ? name : "");
    if (info->type == H5O_TYPE_DATASET && nobj < MAX_OBJ) {
        snprintf(obj[nobj].path, sizeof obj[nobj].path, "%s", path);
        obj[nobj++].attr[0] = '\0';
    }
    hid_t o = H5Oopen(root, path, H5P_DEFAULT);
    H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, add_attr, path);
    H5Oclose(o);
    return 0;
}

/* The elements of a dataset in its own (native) type. */
static void *read_all(hid_t d, hid_t *mt, size_t *n, size_t *es)
{
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    *mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    *es = H5Tget_size(*mt);
    *n = (size_t)H5Sget_simple_extent_npoints(sp);
    void *v = calloc(*n + 64, *es);
    if (*n)
        H5Dread(d, *mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Tclose(ft);
    H5Sclose(sp);
    return v;
}

/* Replace dataset `path` by one of n elements (contiguous, no filter). */
static void rewrite(hid_t f, const char *path, hid_t mt, const void *v, size_t n)
{
    H5Ldelete(f, path, H5P_DEFAULT);
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(f, path, mt, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0 && n)
        H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
}

static void edit_attr(hid_t f, const Obj *o, int op, const unsigned char *value)
{
    if (op == 3) {
        H5Adelete_by_name(f, o->path, o->attr, H5P_DEFAULT);
        return;
    }
    hid_t a = H5Aopen_by_name(f, o->path, o->attr, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return;
    hid_t ft = H5Aget_type(a);
    if (H5Tget_class(ft) == H5T_STRING) {
        /* a new string of the value's bytes, up to its first NUL */
        char s[9];
        memcpy(s, value, 8);
        s[8] = '\0';
        hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
        H5Tset_size(t, strlen(s) + 1);
        H5Aclose(a);
        H5Adelete_by_name(f, o->path, o->attr, H5P_DEFAULT);
        a = H5Acreate_by_name(f, o->path, o->attr, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0)
            H5Awrite(a, t, s);
        H5Tclose(t);
        H5Sclose(sp);
    } else {
        hid_t mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
        unsigned char buf[16] = { 0 };
        memcpy(buf, value, 8);
        if (H5Tget_size(mt) <= sizeof buf)
            H5Awrite(a, mt, buf);
        H5Tclose(mt);
    }
    H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
}

static void edit_dataset(hid_t f, const Obj *o, int op, uint32_t index, const unsigned char *value)
{
    if (op == 3) {
        H5Ldelete(f, o->path, H5P_DEFAULT);
        return;
    }
    hid_t d = H5Dopen2(f, o->path, H5P_DEFAULT);
    if (d < 0)
        return;
    hid_t mt;
    size_t n, es;
    unsigned char *v = read_all(d, &mt, &n, &es);
    H5Dclose(d);
    if (op == 0 && n) {
        memcpy(v + (index % n) * es, value, es < 8 ? es : 8);
    } else if (op == 1) {
        n = index % (n + 1);
    } else if (op == 2) {
        size_t more = index % 64;
        v = realloc(v, (n + more + 1) * es);
        for (size_t k = 0; k < more; k++)
            memcpy(v + (n + k) * es, value, es < 8 ? es : 8);
        n += more;
    }
    rewrite(f, o->path, mt, v, n);
    H5Tclose(mt);
    free(v);
}

void fuzz_setup(void)
{
    fuzz_init(FUZZ_IGNORE, fuzz_close_hdf5);
    const char *path = getenv("HUEY_FUZZ_BASE") ? getenv("HUEY_FUZZ_BASE") : "build/fuzz/base.h5";
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "fuzz ckptedit: no base checkpoint %s (make fuzz makes it; or set HUEY_FUZZ_BASE)\n", path);
        exit(1);
    }
    base = malloc(1 << 24);
    base_len = fread(base, 1, 1 << 24, in);
    fclose(in);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, add_object, NULL, H5O_INFO_BASIC);
    H5Fclose(f);
    if (!nobj) {
        fprintf(stderr, "fuzz ckptedit: %s holds no datasets or attributes\n", path);
        exit(1);
    }
    /* what HDF5 and the model keep for the process is made before any input */
    offline_free(offline_load(path));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(0, base, base_len);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    for (size_t r = 0; r + REC <= size && f >= 0; r += REC) {
        const uint8_t *e = data + r;
        const Obj *o = &obj[((size_t)e[1] << 8 | e[2]) % nobj];
        uint32_t index = (uint32_t)e[3] << 24 | (uint32_t)e[4] << 16 | (uint32_t)e[5] << 8 | e[6];
        if (o->attr[0])
            edit_attr(f, o, e[0] % 4, e + 7);
        else
            edit_dataset(f, o, e[0] % 4, index, e + 7);
    }
    if (f >= 0)
        H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    FUZZ_GUARD();
    offline_conversation = NULL;
    offline_free(offline_load(path));
    fuzz_check_hdf5_closed("after a load");
    fuzz_done();
    return 0;
}
