/*
 * comm.c — MPI collectives for the row-block distribution, and their
 * one-rank versions. Sizes above INT_MAX bytes (elements, for the
 * all-to-all) are refused with a clear error (the per-window messages are
 * O(window^2 + work list) bytes).
 */
#define _POSIX_C_SOURCE 200809L
#include "comm.h"

#include <limits.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static bool mpi_on;
static int rank_, size_ = 1;           /* what the collectives use */
static int world_rank, world_size = 1; /* all ranks, also in local mode */
static int node_rank;   /* among the ranks sharing this node */

static void abort_all(int code)
{
    if (mpi_on)
        MPI_Abort(MPI_COMM_WORLD, code);
}

/* Started by a launcher? Open MPI, MPICH/Hydra, PMIx and SLURM's srun
 * each leave one of these. */
static bool launched_by_mpi(void)
{
    static const char *vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

void comm_init(int *argc, char ***argv)
{
    if (!launched_by_mpi())
        return;
    /* The live view's writer thread (live.c) makes no MPI call: funneled. */
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    mpi_on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    world_rank = rank_;
    world_size = size_;
    util_rank = rank_;
    util_nranks = size_;
    util_abort_hook = abort_all;
    /* the ranks of one node, for one GPU per rank */
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_free(&node);
}

void comm_finalize(void)
{
    if (mpi_on)
        MPI_Finalize();
    mpi_on = false;
}

int comm_rank(void) { return rank_; }
int comm_size(void) { return size_; }
int comm_local_rank(void) { return node_rank; }

static int as_int(size_t n)
{
    if (n > INT_MAX)
        die("MPI message of %zu bytes is too large", n);
    return (int)n;
}

void comm_allgatherv(const void *in, size_t bytes, void *out, const size_t *counts)
{
    if (size_ == 1) {
        if (bytes && in != out)
            memmove(out, in, bytes);
        return;
    }
    /* once per window: the count arrays are kept, not allocated per call */
    static int *rc;
    static int rc_ranks;
    if (rc_ranks != size_) {
        free(rc);
        rc = xmalloc(2 * (size_t)size_ * sizeof *rc);
        rc_ranks = size_;
    }
    int *disp = rc + size_;
    size_t off = 0;
    for (int r = 0; r < size_; r++) {
        rc[r] = as_int(counts[r]);
        disp[r] = as_int(off);
        off += counts[r];
    }
    check(counts[rank_] == bytes);
    MPI_Allgatherv(in, as_int(bytes), MPI_BYTE, out, rc, disp, MPI_BYTE, MPI_COMM_WORLD);
}

typedef struct ValueId {
    double value;
    int64_t id, payload;
} ValueId;

static void minloc_op(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    ValueId *a = in, *b = inout;
    for (int i = 0; i < *len; i++) {
        if (a[i].id < 0)
            continue;
        if (b[i].id < 0 || a[i].value < b[i].value || (a[i].value == b[i].value && a[i].id < b[i].id))
            b[i] = a[i];
    }
}

void comm_minloc(double *value, int64_t *id, int64_t *payload)
{
    if (size_ == 1)
        return;
    static MPI_Datatype type = MPI_DATATYPE_NULL;
    static MPI_Op op;
    if (type == MPI_DATATYPE_NULL) {
        MPI_Type_contiguous(sizeof(ValueId), MPI_BYTE, &type);
        MPI_Type_commit(&type);
        MPI_Op_create(minloc_op, 1, &op);
    }
    ValueId v = { *value, *id, *payload }, r;
    MPI_Allreduce(&v, &r, 1, type, op, MPI_COMM_WORLD);
    *value = r.value;
    *id = r.id;
    *payload = r.payload;
}

void comm_sum(double *v, int n)
{
    if (size_ > 1)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

uint64_t comm_sum_u64(uint64_t v)
{
    if (size_ > 1)
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return v;
}

void comm_stats(double v, double *min, double *avg, double *max)
{
    *min = *avg = *max = v;
    if (size_ == 1)
        return;
    MPI_Allreduce(&v, min, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&v, avg, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    *avg /= size_;
}

void *comm_gather(const void *in, size_t bytes, size_t *total)
{
    if (size_ == 1) {
        void *out = xmalloc(bytes);
        if (bytes)
            memcpy(out, in, bytes);
        *total = bytes;
        return out;
    }
    uint64_t b = bytes, *all = rank_ == 0 ? xmalloc((size_t)size_ * sizeof *all) : NULL;
    MPI_Gather(&b, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    void *out = NULL;
    int *rc = NULL, *disp = NULL;
    if (rank_ == 0) {
        rc = xmalloc(2 * (size_t)size_ * sizeof *rc);
        disp = rc + size_;
        size_t off = 0;
        for (int r = 0; r < size_; r++) {
            rc[r] = as_int(all[r]);
            disp[r] = as_int(off);
            off += all[r];
        }
        *total = off;
        out = xmalloc(off);
    }
    MPI_Gatherv(in, as_int(bytes), MPI_BYTE, out, rc, disp, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(rc);
    free(all);
    return out;
}

void *comm_alltoallv(const void *in, const size_t *counts, size_t elem, size_t *from)
{
    if (size_ == 1) {
        void *out = xmalloc(counts[0] * elem + 1);
        if (counts[0])
            memcpy(out, in, counts[0] * elem);
        from[0] = counts[0];
        return out;
    }
    size_t P = (size_t)size_;
    uint64_t *sc = xmalloc(2 * P * sizeof *sc), *rc = sc + P;
    for (size_t q = 0; q < P; q++)
        sc[q] = counts[q];
    MPI_Alltoall(sc, 1, MPI_UINT64_T, rc, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    /* counts in elements: the int limit applies to elements, not bytes */
    int *n = xmalloc(4 * P * sizeof *n), *sd = n + P, *r = n + 2 * P, *rd = n + 3 * P;
    size_t so = 0, ro = 0;
    for (size_t q = 0; q < P; q++) {
        n[q] = as_int(sc[q]);
        sd[q] = as_int(so);
        r[q] = as_int(rc[q]);
        rd[q] = as_int(ro);
        from[q] = rc[q];
        so += sc[q];
        ro += rc[q];
    }
    void *out = xmalloc(ro * elem + 1);
    MPI_Datatype t;
    MPI_Type_contiguous(as_int(elem), MPI_BYTE, &t);
    MPI_Type_commit(&t);
    MPI_Alltoallv(in, n, sd, t, out, r, rd, t, MPI_COMM_WORLD);
    MPI_Type_free(&t);
    free(n);
    free(sc);
    return out;
}

void comm_barrier(void)
{
    if (size_ > 1)
        MPI_Barrier(MPI_COMM_WORLD);
}

uint64_t comm_exscan(uint64_t v, uint64_t *total)
{
    uint64_t before = 0;
    *total = v;
    if (size_ == 1)
        return 0;
    MPI_Exscan(&v, &before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (rank_ == 0)
        before = 0;   /* MPI_Exscan leaves rank 0's result undefined */
    MPI_Allreduce(&v, total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return before;
}

bool comm_mpi_on(void) { return mpi_on; }

void comm_library_version(char *buf, size_t len)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    MPI_Get_library_version(v, &n);
    v[strcspn(v, "\n,")] = '\0';   /* its first part: name and version */
    snprintf(buf, len, "%s", v);
}

/* ---- batch mode ------------------------------------------------------------ */

void comm_set_local(bool local)
{
    rank_ = local ? 0 : world_rank;
    size_ = local ? 1 : world_size;
}

int comm_world_rank(void) { return world_rank; }
int comm_world_size(void) { return world_size; }

void *comm_bcast_bytes(const void *in, size_t *bytes)
{
    uint64_t n = *bytes;
    if (world_size > 1)
        MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    char *out = xmalloc(n + 1);
    if (world_rank == 0 && n)
        memcpy(out, in, n);
    if (world_size > 1)
        MPI_Bcast(out, as_int(n), MPI_BYTE, 0, MPI_COMM_WORLD);
    out[n] = '\0';
    *bytes = n;
    return out;
}

void comm_bcast(void *buf, size_t bytes, double poll_seconds)
{
    if (world_size == 1)
        return;
    if (poll_seconds <= 0) {
        MPI_Bcast(buf, as_int(bytes), MPI_BYTE, 0, MPI_COMM_WORLD);
        return;
    }
    /* rank 0 may wait minutes for input: test and sleep rather than spin
     * (a non-blocking collective matches only non-blocking ones: rank 0
     * starts one too). The sleeps grow from a few microseconds to
     * poll_seconds, so that a message that follows closely is taken at
     * once and a long wait costs no CPU. */
    MPI_Request req;
    MPI_Ibcast(buf, as_int(bytes), MPI_BYTE, 0, MPI_COMM_WORLD, &req);
    if (world_rank == 0) {
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        return;
    }
    for (double pause = 1e-5;; pause = pause * 2 < poll_seconds ? pause * 2 : poll_seconds) {
        int done;
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            break;
        struct timespec t = { (time_t)pause, (long)((pause - (double)(time_t)pause) * 1e9) };
        nanosleep(&t, NULL);
    }
}

/* Requests to rank 0 carry one int64: ASK (send the next index) or LEAVE
 * (this rank takes no more). Answers carry the index or -1. A rank told -1
 * has left. */
enum { TAG_QUEUE = 7301, TAG_ANSWER = 7302, ASK = 0, LEAVE = 1 };

static struct {
    uint64_t n, next;
    int left;      /* rank 0: ranks other than itself that are done */
    bool stopped;  /* rank 0: hand out no more */
    bool gone;     /* this rank has left */
    /* other ranks ask for their next index as soon as they get one, so
     * the answer is there when they finish (rank 0 answers only between
     * its own utterances, not while it reads or writes a file) */
    bool pending;
    int64_t answer;
    MPI_Request req;
} q;

static int64_t queue_take(void)
{
    if (q.stopped || q.next >= q.n)
        return -1;
    return (int64_t)q.next++;
}

/* Rank 0: answer one request (blocking when `wait`); false if none. */
static bool queue_answer(bool wait)
{
    int flag = 1;
    MPI_Status st;
    if (!wait)
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_QUEUE, MPI_COMM_WORLD, &flag, &st);
    if (!flag)
        return false;
    int64_t msg;
    MPI_Recv(&msg, 1, MPI_INT64_T, wait ? MPI_ANY_SOURCE : st.MPI_SOURCE, TAG_QUEUE, MPI_COMM_WORLD, &st);
    if (msg == LEAVE) {
        q.left++;
        return true;
    }
    int64_t idx = queue_take();
    if (idx < 0)
        q.left++;
    MPI_Send(&idx, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_ANSWER, MPI_COMM_WORLD);
    return true;
}

void comm_queue_begin(uint64_t n)
{
    memset(&q, 0, sizeof q);
    q.n = n;
}

void comm_queue_poll(void)
{
    if (world_rank == 0 && world_size > 1)
        while (queue_answer(false))
            ;
}

/* Another rank: ask rank 0 for an index, the answer arriving in q.answer. */
static void queue_ask(void)
{
    int64_t msg = ASK;
    MPI_Send(&msg, 1, MPI_INT64_T, 0, TAG_QUEUE, MPI_COMM_WORLD);
    MPI_Irecv(&q.answer, 1, MPI_INT64_T, 0, TAG_ANSWER, MPI_COMM_WORLD, &q.req);
    q.pending = true;
}

/* Another rank: the answer to its request (-1: rank 0 counted it as done). */
static int64_t queue_receive(void)
{
    MPI_Wait(&q.req, MPI_STATUS_IGNORE);
    q.pending = false;
    return q.answer;
}

int64_t comm_queue_next(void)
{
    if (q.gone)
        return -1;
    int64_t idx;
    if (world_rank == 0) {
        comm_queue_poll();
        idx = queue_take();
    } else {
        if (!q.pending)
            queue_ask();
        idx = queue_receive();
        if (idx >= 0)
            queue_ask();   /* the next one, while this one is learnt */
    }
    if (idx < 0)
        q.gone = true;
    return idx;
}

void comm_queue_stop(void)
{
    q.stopped = true;
}

void comm_queue_leave(void)
{
    if (q.gone)
        return;
    q.gone = true;
    if (world_rank == 0)
        return;
    /* an index handed out ahead stays unlearnt (a rerun takes it) */
    if (q.pending && queue_receive() < 0)
        return;   /* rank 0 counted this rank as done when it answered -1 */
    int64_t msg = LEAVE;
    MPI_Send(&msg, 1, MPI_INT64_T, 0, TAG_QUEUE, MPI_COMM_WORLD);
}

void comm_queue_end(void)
{
    comm_queue_leave();
    if (world_rank == 0)
        while (q.left < world_size - 1)
            queue_answer(true);
    if (world_size > 1)
        MPI_Barrier(MPI_COMM_WORLD);
}
