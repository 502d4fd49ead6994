/*
 * checkpoint.c — HDF5 checkpoints: groups, attributes, datasets, the
 * atomic commit. Datasets are written collectively with parallel HDF5
 * when MPI runs (rank 0 alone writes the replicated ones), with the plain
 * driver otherwise; object time stamps are off so equal states give equal
 * files (h5diff). Strings are fixed-length attributes or length+bytes
 * tables: parallel HDF5 cannot write variable-length strings. Damage is
 * detected on reading: datasets carry Fletcher-32 checksums (chunked),
 * and the 1.8 file format checksums the metadata.
 */
#define _POSIX_C_SOURCE 200809L
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <mpi.h>   /* the communicator handle for H5Pset_fapl_mpio; no MPI calls here */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "comm.h"
#include "util.h"
#include "version.h"

struct Ckpt {
    char *path, *tmp;
    hid_t file, group;
    bool writing, parallel;
    long long file_bytes;   /* reading: the file's size, a bound on what it can hold */
    char *root;   /* batch files: "/conversations/NAME", the checkpoint's "/" */
};

#define CK_CHECK(x, what)                     \
    do {                                     \
        errno = 0;                           \
        if ((x) < 0)                         \
            hdf5_failed(c, (what));          \
    } while (0)

/* Before the first HDF5 call: errors are huey's to report; and no exit
 * handler of HDF5's, which would flush files still open when huey stops
 * on an error (a full disk: that flush fails again, inside exit). Every
 * file huey writes is closed before it exits normally. */
static void hdf5_start(void)
{
    static bool started;
    if (started)
        return;
    started = true;
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* The errno behind a failed HDF5 call: its file driver records it in the
 * error stack's text ("..., errno = 28, error message = ..."). */
static herr_t find_errno(unsigned n, const H5E_error2_t *e, void *ctx)
{
    (void)n;
    const char *at = e->desc ? strstr(e->desc, "errno = ") : NULL;
    if (at && !*(int *)ctx)
        *(int *)ctx = atoi(at + 8);
    return 0;
}

/* An HDF5 call failed. Writing, the usual cause is the disk (full, or a
 * file-size limit): say so in one line; the previous checkpoint is intact
 * (only NAME.tmp was being written, and it is removed). Reading, the file
 * is damaged. HDF5's own trace follows with HUEY_HDF5_TRACE=1. */
_Noreturn static void hdf5_failed(const Ckpt *c, const char *what)
{
    int err = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, find_errno, &err);
    if (!err)
        err = errno;
    if (getenv("HUEY_HDF5_TRACE"))
        H5Eprint2(H5E_DEFAULT, stderr);
    if (!c->writing)
        die("checkpoint %s: HDF5 error while reading %s (damaged file)", c->path, what);
    bool tmp = strcmp(c->tmp, c->path) != 0;   /* part files are written in place */
    if (tmp)
        unlink(c->tmp);
    die("checkpoint %s: write failed (%s): %s%s", c->tmp, what, err ? strerror(err) : "HDF5 error",
        tmp ? "; the previous checkpoint, if any, is intact" : "");
}

static hid_t mem_type(CkType t)
{
    switch (t) {
    case CK_I64: return H5T_NATIVE_INT64;
    case CK_U32: return H5T_NATIVE_UINT32;
    case CK_I32: return H5T_NATIVE_INT32;
    case CK_U8: return H5T_NATIVE_UINT8;
    case CK_F64: return H5T_NATIVE_DOUBLE;
    }
    return -1;
}

static hid_t file_type(CkType t)
{
    switch (t) {
    case CK_I64: return H5T_STD_I64LE;
    case CK_U32: return H5T_STD_U32LE;
    case CK_I32: return H5T_STD_I32LE;
    case CK_U8: return H5T_STD_U8LE;
    case CK_F64: return H5T_IEEE_F64LE;
    }
    return -1;
}

static size_t type_size(CkType t)
{
    return t == CK_I64 || t == CK_F64 ? 8 : t == CK_U8 ? 1 : 4;
}

/* Whether every link of an absolute path exists (H5Lexists needs the
 * parents to exist). */
static htri_t link_path_exists(hid_t file, const char *path)
{
    char *p = xstrdup(path);
    htri_t ok = 1;
    for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
        if (s)
            *s = '\0';
        ok = H5Lexists(file, p, H5P_DEFAULT);
        if (!s || ok <= 0)
            break;
        *s = '/';
    }
    free(p);
    return ok;
}

static hid_t group_props(void)
{
    hid_t g = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(g, 0);
    return g;
}

/* Create `file` (truncating), collectively with MPI-IO when `parallel`. */
static Ckpt *create_file(const char *path, const char *file, bool parallel, const char *what)
{
    hdf5_start();
    Ckpt *c = xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->tmp = xstrdup(file);
    c->writing = true;
    c->parallel = parallel;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (c->parallel)
        H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    c->file = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (c->file < 0 && parallel)   /* through MPI-IO errno is not the create's */
        die("%s %s: cannot create (MPI-IO)", what, file);
    if (c->file < 0)
        die("%s %s: cannot create (%s)", what, file, strerror(errno));
    c->group = H5Gopen2(c->file, "/", H5P_DEFAULT);
    return c;
}

static char *tmp_name(const char *path)
{
    char *t = xmalloc(strlen(path) + 5);
    sprintf(t, "%s.tmp", path);
    return t;
}

Ckpt *ckpt_create(const char *path)
{
    char *tmp = tmp_name(path);
    Ckpt *c = create_file(path, tmp, comm_mpi_on() && comm_size() > 1, "checkpoint");
    free(tmp);
    return c;
}

static void sync_path(const char *path, bool dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0 || fsync(fd) != 0)
        die("checkpoint %s: cannot sync: %s", path, strerror(errno));
    close(fd);
}

/* NAME.tmp -> NAME, durably: the file, the rename, the directory. */
static void publish(const Ckpt *c)
{
    sync_path(c->tmp, false);
    if (rename(c->tmp, c->path) != 0)
        die("checkpoint: cannot rename %s to %s: %s", c->tmp, c->path, strerror(errno));
    char *dir = parent_dir(c->path);
    sync_path(dir, true);
    free(dir);
}

void ckpt_commit(Ckpt *c)
{
    H5Gclose(c->group);
    CK_CHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "flushing");
    CK_CHECK(H5Fclose(c->file), "closing");
    comm_barrier();
    if (comm_rank() == 0)
        publish(c);
    comm_barrier();
    free(c->path);
    free(c->tmp);
    free(c);
}

/* Open a file for reading and return its root format ("huey-checkpoint"
 * or "huey-batch"; malloc'ed). */
static Ckpt *open_file(const char *path, char **format)
{
    hdf5_start();
    struct stat st;
    if (stat(path, &st) != 0)
        die("checkpoint %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        die("checkpoint %s: is a directory", path);
    if (H5Fis_hdf5(path) <= 0)
        die("checkpoint %s: not an HDF5 file, or truncated", path);
    Ckpt *c = xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->file_bytes = (long long)st.st_size;
    c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (c->file < 0)
        die("checkpoint %s: cannot open: truncated or damaged HDF5 file", path);
    c->group = H5Gopen2(c->file, "/", H5P_DEFAULT);
    if (H5Aexists(c->group, "format") <= 0)
        die("checkpoint %s: not a huey checkpoint (no 'format' attribute)", path);
    *format = ckpt_get_str(c, "format");
    if (strcmp(*format, "huey-checkpoint") != 0 && strcmp(*format, "huey-batch") != 0)
        die("checkpoint %s: not a huey checkpoint (format '%s')", path, *format);
    return c;
}

static void check_version(Ckpt *c)
{
    int64_t v = ckpt_get_i64(c, "format_version");
    if (v > CKPT_FORMAT_VERSION || v < 1)
        die("checkpoint %s: format version %lld; this huey reads version %d", c->path, (long long)v,
            CKPT_FORMAT_VERSION);
}

Ckpt *ckpt_open(const char *path)
{
    return ckpt_open_conversation(path, NULL);
}

Ckpt *ckpt_open_conversation(const char *path, const char *name)
{
    char *format;
    Ckpt *c = open_file(path, &format);
    check_version(c);
    bool batch = !strcmp(format, "huey-batch");
    free(format);
    if (!batch && name)
        die("checkpoint %s: --conversation %s: this is a single network's checkpoint, not a batch", path, name);
    if (batch && !name) {
        size_t n;
        char **names = ckpt_conversations(path, &n);
        die("checkpoint %s: a batch of %zu conversations; pick one with --conversation NAME (e.g. %s; "
            "`huey info %s` lists them)", path, n, n ? names[0] : "none", path);
    }
    if (batch) {
        char *esc = ckpt_escape_name(name);
        c->root = xmalloc(strlen(esc) + 32);
        sprintf(c->root, "/conversations/%s", esc);
        free(esc);
        if (H5Lexists(c->file, "/conversations", H5P_DEFAULT) <= 0 ||
            H5Lexists(c->file, c->root, H5P_DEFAULT) <= 0)
            die("checkpoint %s: no conversation '%s' (`huey info %s` lists them)", path, name, path);
        ckpt_group(c, "/");
        if (H5Aexists(c->group, "format") <= 0)
            die("checkpoint %s: conversation '%s' is damaged (no 'format' attribute)", path, name);
        check_version(c);
    }
    return c;
}

bool ckpt_is_batch(const char *path)
{
    char *format;
    Ckpt *c = open_file(path, &format);
    bool batch = !strcmp(format, "huey-batch");
    free(format);
    ckpt_close(c);
    return batch;
}

void ckpt_close(Ckpt *c)
{
    H5Gclose(c->group);
    H5Fclose(c->file);
    free(c->path);
    free(c->root);
    free(c);
}

const char *ckpt_path(const Ckpt *c)
{
    return c->path;
}

void ckpt_group(Ckpt *c, const char *name)
{
    H5Gclose(c->group);
    char *path = xmalloc((c->root ? strlen(c->root) : 0) + strlen(name) + 1);
    sprintf(path, "%s%s", c->root ? c->root : "", c->root && !strcmp(name, "/") ? "" : name);
    if (c->writing && strcmp(path, "/") != 0 && link_path_exists(c->file, path) <= 0) {
        hid_t gcpl = group_props(), lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        c->group = H5Gcreate2(c->file, path, lcpl, gcpl, H5P_DEFAULT);
        H5Pclose(gcpl);
        H5Pclose(lcpl);
    } else {
        c->group = H5Gopen2(c->file, path, H5P_DEFAULT);
    }
    free(path);
    if (c->group < 0)
        die("checkpoint %s: %s group %s", c->path, c->writing ? "cannot create" : "has no", name);
}

/* ---- attributes ------------------------------------------------------------ */

static void put_attr(Ckpt *c, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a;
    CK_CHECK(a = H5Acreate2(c->group, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT), name);
    CK_CHECK(H5Awrite(a, mtype, v), name);
    H5Aclose(a);
    H5Sclose(sp);
}

void ckpt_put_i64(Ckpt *c, const char *name, int64_t v) { put_attr(c, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v); }
void ckpt_put_f64(Ckpt *c, const char *name, double v) { put_attr(c, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v); }

void ckpt_put_str(Ckpt *c, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(v) + 1);
    put_attr(c, name, t, t, v);
    H5Tclose(t);
}

static hid_t get_attr(Ckpt *c, const char *name)
{
    hid_t a = H5Aopen(c->group, name, H5P_DEFAULT);
    if (a < 0)
        die("checkpoint %s: attribute '%s' missing (damaged or foreign file)", c->path, name);
    return a;
}

int64_t ckpt_get_i64(Ckpt *c, const char *name)
{
    int64_t v;
    hid_t a = get_attr(c, name);
    CK_CHECK(H5Aread(a, H5T_NATIVE_INT64, &v), name);
    H5Aclose(a);
    return v;
}

double ckpt_get_f64(Ckpt *c, const char *name)
{
    double v;
    hid_t a = get_attr(c, name);
    CK_CHECK(H5Aread(a, H5T_NATIVE_DOUBLE, &v), name);
    H5Aclose(a);
    return v;
}

char *ckpt_get_str(Ckpt *c, const char *name)
{
    hid_t a = get_attr(c, name);
    hid_t t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    if (H5Tget_class(t) != H5T_STRING || n == 0 || (long long)n > c->file_bytes)
        die("checkpoint %s: attribute '%s' is not a string (damaged or foreign file)", c->path, name);
    char *v = xcalloc(n + 1, 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, n);
    CK_CHECK(H5Aread(a, mt, v), name);
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    return v;
}

/* ---- datasets ---------------------------------------------------------------- */

enum { CHUNK = 1 << 16 };   /* at most this many elements per chunk (and checksum) */

/* Equal chunks of at most CHUNK elements: a last chunk is stored whole,
 * however little of it is used. */
static size_t chunk_len(size_t total)
{
    size_t nchunks = (total + CHUNK - 1) / CHUNK;
    return nchunks ? (total + nchunks - 1) / nchunks : 0;
}

static hid_t create_dataset(Ckpt *c, const char *name, CkType t, size_t total)
{
    hsize_t dim = total;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    if (total) {
        hsize_t chunk = chunk_len(total);
        H5Pset_chunk(dcpl, 1, &chunk);
        H5Pset_fletcher32(dcpl);
        /* parallel HDF5 writes filtered data only if it allocates it first;
         * every element is written, so no fill values (they would be
         * written, and checksummed, once more) */
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    }
    hid_t d;
    CK_CHECK(d = H5Dcreate2(c->group, name, file_type(t), sp, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return d;
}

/* Write n elements at offset (collective where parallel: every rank calls,
 * possibly with n = 0). */
static void write_slice(Ckpt *c, hid_t d, CkType t, const void *v, size_t n, size_t offset, const char *name)
{
    hid_t fsp = H5Dget_space(d);
    hsize_t off = offset, cnt = n;
    hid_t msp = H5Screate_simple(1, &cnt, NULL);
    if (n)
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    else {
        H5Sselect_none(fsp);
        H5Sselect_none(msp);
    }
    hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
    if (c->parallel)
        H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
    static const char zero[8];
    CK_CHECK(H5Dwrite(d, mem_type(t), msp, fsp, xfer, n ? v : zero), name);
    H5Pclose(xfer);
    H5Sclose(msp);
    H5Sclose(fsp);
}

/* The first element of rank q's block in a dataset of `total` elements:
 * the chunks are dealt out in order, ceil/floor evenly. */
static size_t block_start(size_t total, int q)
{
    size_t chunk = chunk_len(total), nchunks = chunk ? (total + chunk - 1) / chunk : 0;
    size_t first = nchunks * (size_t)q / (size_t)comm_size();
    return first * chunk < total ? first * chunk : total;
}

/* A rank's elements lie in many runs of the file's order (its rows among
 * everyone's, by id). Selecting them directly makes HDF5 build a selection
 * of one hyperslab per run, which costs time linear in the runs already
 * selected (quadratic in all: 60 ms for 2 500 runs with HDF5 1.10), and
 * makes chunks shared between ranks (which parallel HDF5 then moves
 * around to one writer per filtered chunk). Instead the elements move, in
 * one all-to-all, to the rank whose block of whole chunks holds them, and
 * each rank writes one contiguous block. */
void ckpt_put_runs(Ckpt *c, const char *name, CkType t, const void *v, const uint64_t *runs, size_t nruns,
                   size_t total)
{
    hid_t d = create_dataset(c, name, t, total);
    if (total == 0) {   /* nothing to write (and no storage to write to) */
        H5Dclose(d);
        return;
    }
    size_t es = type_size(t), P = (size_t)comm_size();
    if (!c->parallel) {   /* one rank: its runs tile the dataset, in order */
        size_t n = 0;
        for (size_t k = 0; k < nruns; k++)
            n += runs[2 * k + 1];
        check(n == total);
        write_slice(c, d, t, v, total, 0, name);
        H5Dclose(d);
        return;
    }
    /* pieces (offset, count) per destination; runs are in increasing
     * offset order, so the data is already grouped by destination */
    size_t *pieces = xcalloc(P, sizeof *pieces), *elems = xcalloc(P, sizeof *elems);
    uint64_t *meta = xmalloc((2 * nruns + 2 * P + 2) * sizeof *meta);   /* a run splits at most P - 1 times */
    size_t nmeta = 0, q = 0, prev = 0;
    for (size_t k = 0; k < nruns; k++) {
        size_t off = runs[2 * k], cnt = runs[2 * k + 1];
        check(off >= prev && off + cnt <= total);
        prev = off + cnt;
        while (cnt) {
            while (q + 1 < P && off >= block_start(total, (int)q + 1))
                q++;
            size_t end = q + 1 < P ? block_start(total, (int)q + 1) : total;
            size_t take = cnt < end - off ? cnt : end - off;
            meta[nmeta++] = off;
            meta[nmeta++] = take;
            pieces[q] += 2;
            elems[q] += take;
            off += take;
            cnt -= take;
        }
    }
    size_t *mfrom = xmalloc(P * sizeof *mfrom), *dfrom = xmalloc(P * sizeof *dfrom);
    uint64_t *rmeta = comm_alltoallv(meta, pieces, sizeof *meta, mfrom);
    char *rdata = comm_alltoallv(v, elems, es, dfrom);
    size_t lo = block_start(total, comm_rank()), hi = (size_t)comm_rank() + 1 < P ? block_start(total, comm_rank() + 1) : total;
    char *block = xmalloc((hi - lo) * es + 1);
    size_t placed = 0, mi = 0, di = 0;
    for (size_t r = 0; r < P; r++)
        for (size_t e = 0; e < mfrom[r]; e += 2, mi += 2) {
            size_t off = rmeta[mi], cnt = rmeta[mi + 1];
            check(off >= lo && off + cnt <= hi);
            memcpy(block + (off - lo) * es, rdata + di * es, cnt * es);
            di += cnt;
            placed += cnt;
        }
    check(placed == hi - lo);   /* the ranks' runs tile the dataset */
    write_slice(c, d, t, block, hi - lo, lo, name);
    H5Dclose(d);
    free(block);
    free(rdata);
    free(rmeta);
    free(mfrom);
    free(dfrom);
    free(meta);
    free(pieces);
    free(elems);
}

void ckpt_put_part(Ckpt *c, const char *name, CkType t, const void *v, size_t n, size_t offset, size_t total)
{
    hid_t d = create_dataset(c, name, t, total);
    if (total)
        write_slice(c, d, t, v, n, offset, name);
    H5Dclose(d);
}

void ckpt_put_array(Ckpt *c, const char *name, CkType t, const void *v, size_t n)
{
    bool me = !c->parallel || comm_rank() == 0;
    ckpt_put_part(c, name, t, v, me ? n : 0, 0, n);
}

void ckpt_put_strings(Ckpt *c, const char *name, const char *const *s, size_t n)
{
    uint32_t *len = xmalloc((n + 1) * sizeof *len);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = s[i] ? strlen(s[i]) : 0;
        if (l > UINT32_MAX)
            die("checkpoint: string too long");
        len[i] = (uint32_t)l;
        bytes += l;
    }
    char *all = xmalloc(bytes + 1), *o = all;
    for (size_t i = 0; i < n; i++) {
        memcpy(o, s[i] ? s[i] : "", len[i]);
        o += len[i];
    }
    char lname[256], bname[256];
    snprintf(lname, sizeof lname, "%s_length", name);
    snprintf(bname, sizeof bname, "%s_utf8", name);
    ckpt_put_array(c, lname, CK_U32, len, n);
    ckpt_put_array(c, bname, CK_U8, all, bytes);
    free(len);
    free(all);
}

bool ckpt_has_attr(Ckpt *c, const char *name)
{
    return H5Aexists(c->group, name) > 0;
}

bool ckpt_has(Ckpt *c, const char *name)
{
    return H5Lexists(c->group, name, H5P_DEFAULT) > 0;
}

static hid_t open_dataset(Ckpt *c, const char *name, size_t *n)
{
    hid_t d = H5Dopen2(c->group, name, H5P_DEFAULT);
    if (d < 0)
        die("checkpoint %s: dataset '%s' missing (damaged or foreign file)", c->path, name);
    hid_t sp = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    if (np < 0)
        die("checkpoint %s: dataset '%s' unreadable", c->path, name);
    /* huey stores every element (no compression, no unwritten fill): a
     * dataset cannot hold more elements than the file has bytes */
    if (!c->writing && np > c->file_bytes)
        die("checkpoint %s: dataset '%s' claims %lld elements in a file of %lld bytes (damaged file)", c->path, name,
            (long long)np, c->file_bytes);
    *n = (size_t)np;
    return d;
}

size_t ckpt_len(Ckpt *c, const char *name)
{
    size_t n;
    H5Dclose(open_dataset(c, name, &n));
    return n;
}

void *ckpt_get_array(Ckpt *c, const char *name, CkType t, size_t *n)
{
    hid_t d = open_dataset(c, name, n);
    void *v = xmalloc((*n + 1) * type_size(t));
    if (*n && H5Dread(d, mem_type(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        die("checkpoint %s: dataset '%s' is damaged (checksum or read error)", c->path, name);
    H5Dclose(d);
    return v;
}

void *ckpt_get_array_n(Ckpt *c, const char *name, CkType t, size_t n)
{
    size_t got;
    void *v = ckpt_get_array(c, name, t, &got);
    if (got != n)
        die("checkpoint %s: dataset '%s' holds %zu elements, not %zu (damaged file)", c->path, name, got, n);
    return v;
}

void ckpt_get_part(Ckpt *c, const char *name, CkType t, void *v, size_t n, size_t offset)
{
    size_t total;
    hid_t d = open_dataset(c, name, &total);
    if (offset + n > total)
        die("checkpoint %s: dataset '%s' shorter than expected", c->path, name);
    if (n) {
        hid_t fsp = H5Dget_space(d);
        hsize_t off = offset, cnt = n;
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
        hid_t msp = H5Screate_simple(1, &cnt, NULL);
        if (H5Dread(d, mem_type(t), msp, fsp, H5P_DEFAULT, v) < 0)
            die("checkpoint %s: dataset '%s' is damaged (checksum or read error)", c->path, name);
        H5Sclose(msp);
        H5Sclose(fsp);
    }
    H5Dclose(d);
}

char **ckpt_get_strings(Ckpt *c, const char *name, size_t *n)
{
    char lname[256], bname[256];
    snprintf(lname, sizeof lname, "%s_length", name);
    snprintf(bname, sizeof bname, "%s_utf8", name);
    size_t nb;
    uint32_t *len = ckpt_get_array(c, lname, CK_U32, n);
    char *all = ckpt_get_array(c, bname, CK_U8, &nb);
    char **out = xmalloc((*n + 1) * sizeof *out);
    size_t off = 0;
    for (size_t i = 0; i < *n; i++) {
        if (off + len[i] > nb)
            die("checkpoint %s: string table '%s' damaged", c->path, name);
        out[i] = xstrndup(all + off, len[i]);
        off += len[i];
    }
    free(len);
    free(all);
    return out;
}

/* ---- batch files ------------------------------------------------------------- */

char *ckpt_escape_name(const char *name)
{
    char *e = xmalloc(3 * strlen(name) + 1), *o = e;
    for (const char *s = name; *s; s++) {
        if (*s == '/' || *s == '%')
            o += sprintf(o, "%%%02X", (unsigned char)*s);
        else
            *o++ = *s;
    }
    *o = '\0';
    return e;
}

void ckpt_put_format(Ckpt *c, const char *format)
{
    ckpt_put_str(c, "format", format);
    ckpt_put_i64(c, "format_version", CKPT_FORMAT_VERSION);
    ckpt_put_str(c, "huey_version", huey_version());
}

Ckpt *ckpt_part_create(const char *path)
{
    Ckpt *c = create_file(path, path, false, "batch part file");   /* written in place */
    ckpt_put_format(c, "huey-batch");
    return c;
}

void ckpt_part_begin(Ckpt *c, const char *name)
{
    free(c->root);
    c->root = NULL;
    char *esc = ckpt_escape_name(name);
    char *root = xmalloc(strlen(esc) + 32);
    sprintf(root, "/conversations/%s", esc);
    free(esc);
    if (link_path_exists(c->file, root) > 0)
        die("batch part file %s: conversation %s written twice", c->path, name);
    c->root = root;
}

void ckpt_part_flush(Ckpt *c, const char *summary)
{
    char *root = c->root;
    c->root = NULL;
    char *path = xmalloc(strlen(root) + 16);
    sprintf(path, "/summaries/%s", root + strlen("/conversations/"));
    ckpt_group(c, path);
    ckpt_put_str(c, "row", summary);
    ckpt_group(c, "/");
    free(path);
    free(root);
    CK_CHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "flushing");
}

void ckpt_part_close(Ckpt *c)
{
    H5Gclose(c->group);
    CK_CHECK(H5Fclose(c->file), "closing");
    free(c->root);
    free(c->path);
    free(c->tmp);
    free(c);
}

static herr_t add_name(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)g;
    (void)info;
    char ***list = ctx;
    size_t n = 0;
    while ((*list)[n])
        n++;
    *list = xrealloc(*list, (n + 2) * sizeof **list);
    (*list)[n] = xstrdup(name);
    (*list)[n + 1] = NULL;
    return 0;
}

/* The escaped names under group `top` (/conversations or /summaries), in
 * name order; NULL (and no message) when the file cannot be read. */
static char **list_groups(hid_t file, const char *top, size_t *n)
{
    char **list = xcalloc(1, sizeof *list);
    *n = 0;
    if (link_path_exists(file, top) <= 0)
        return list;
    hid_t g = H5Gopen2(file, top, H5P_DEFAULT);
    if (g < 0 || H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, add_name, &list) < 0) {
        if (g >= 0)
            H5Gclose(g);
        for (size_t i = 0; list[i]; i++)
            free(list[i]);
        free(list);
        return NULL;
    }
    H5Gclose(g);
    while (list[*n])
        (*n)++;
    return list;
}

static char *unescape_name(const char *e)
{
    char *s = xstrdup(e), *o = s;
    for (const char *p = e; *p; p++) {
        unsigned v;
        if (*p == '%' && sscanf(p + 1, "%2X", &v) == 1) {
            *o++ = (char)v;
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return s;
}

char **ckpt_conversations(const char *path, size_t *n)
{
    char *format;
    Ckpt *c = open_file(path, &format);
    if (strcmp(format, "huey-batch") != 0)
        die("checkpoint %s: a single network's checkpoint, not a batch", path);
    free(format);
    char **list = list_groups(c->file, "/conversations", n);
    if (!list)
        die("checkpoint %s: cannot list its conversations (damaged file)", path);
    ckpt_close(c);
    for (size_t i = 0; i < *n; i++) {
        char *u = unescape_name(list[i]);
        free(list[i]);
        list[i] = u;
    }
    return list;
}

char **ckpt_summaries(const char *path, size_t *n)
{
    char *format;
    Ckpt *c = open_file(path, &format);
    free(format);
    char **list = list_groups(c->file, "/summaries", n);
    if (!list)
        die("checkpoint %s: cannot list its summaries (damaged file)", path);
    for (size_t i = 0; i < *n; i++) {
        char *g = xmalloc(strlen(list[i]) + 16);
        sprintf(g, "/summaries/%s", list[i]);
        ckpt_group(c, g);
        free(g);
        free(list[i]);
        list[i] = ckpt_get_str(c, "row");
    }
    ckpt_close(c);
    return list;
}

char **ckpt_try_conversations(const char *path, size_t *n)
{
    hdf5_start();
    *n = 0;
    if (H5Fis_hdf5(path) <= 0)
        return NULL;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return NULL;
    char **list = list_groups(f, "/conversations", n);
    H5Fclose(f);
    for (size_t i = 0; list && i < *n; i++) {
        char *u = unescape_name(list[i]);
        free(list[i]);
        list[i] = u;
    }
    return list;
}

size_t ckpt_merge(const char *path, const char *const *src, size_t nsrc)
{
    char *tmp = tmp_name(path);
    Ckpt *c = create_file(path, tmp, false, "checkpoint");   /* rank 0 alone joins */
    free(tmp);
    ckpt_put_format(c, "huey-batch");
    size_t total = 0;
    static const char *const tops[] = { "/conversations", "/summaries" };
    for (int t = 0; t < 2; t++) {
        hid_t gcpl = group_props();
        hid_t dst = H5Gcreate2(c->file, tops[t], H5P_DEFAULT, gcpl, H5P_DEFAULT);
        H5Pclose(gcpl);
        CK_CHECK(dst, tops[t]);
        for (size_t k = 0; k < nsrc; k++) {
            hid_t f = H5Fopen(src[k], H5F_ACC_RDONLY, H5P_DEFAULT);
            size_t n = 0;
            char **names = f < 0 ? NULL : list_groups(f, tops[t], &n);
            if (!names)
                die("checkpoint %s: cannot read %s while joining (damaged file)", path, src[k]);
            hid_t g = n ? H5Gopen2(f, tops[t], H5P_DEFAULT) : -1;
            for (size_t i = 0; i < n; i++) {
                if (H5Lexists(dst, names[i], H5P_DEFAULT) <= 0) {
                    CK_CHECK(H5Ocopy(g, names[i], dst, names[i], H5P_DEFAULT, H5P_DEFAULT), "copying a conversation");
                    total += t == 0;
                }
                free(names[i]);
            }
            free(names);
            if (g >= 0)
                H5Gclose(g);
            H5Fclose(f);
        }
        H5Gclose(dst);
    }
    H5Gclose(c->group);
    CK_CHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "flushing");
    CK_CHECK(H5Fclose(c->file), "closing");
    publish(c);
    free(c->path);
    free(c->tmp);
    free(c);
    return total;
}
