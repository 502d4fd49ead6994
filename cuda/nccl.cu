/*
 * nccl.cu — the window's all-gather between GPUs with NCCL (one rank per
 * GPU). net.c packs each rank's part (gate rows, the owned activations of
 * the last step, the stop flag) on the host, and every rank knows every
 * part's size; ncclAllGather wants equal parts, so each part travels
 * padded to the largest and is compacted on the way back:
 *
 *   host part -> device send buffer (max bytes) -> ncclAllGather ->
 *   device receive buffer (P x max) -> host, parts moved together.
 *
 * Buffers only grow: a steady-state window allocates nothing. The
 * decision to use NCCL is collective (src/backend.c): every rank must have
 * a GPU of its own (NCCL refuses two ranks on one device), told by the
 * devices' UUIDs (under SLURM's --gpus-per-task each rank sees one device,
 * its own); otherwise the MPI all-gather of src/comm.c runs.
 *
 * NCCL is opened on first use (dlopen), not linked: the library is
 * ~200 MB, and most huey processes never use it.
 *
 * In the host emulation (-DHUEY_CUDA_EMU, build/huey-emu) ncclAllGather
 * is comm_allgatherv over the padded parts, so the padding and compaction
 * run in tests without a GPU; the emulated ranks "have" their own device
 * when HUEY_EMU_DEVICES says the node has enough (cuda_emu.h).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cuda_api.h"
#include "cuda_check.h"
extern "C" {
#include "comm.h"
}

#ifdef HUEY_CUDA_EMU
typedef int ncclResult_t;
typedef void *ncclComm_t;
typedef struct {
    char internal[128];
} ncclUniqueId;
enum { ncclSuccess = 0, ncclUint8 = 1 };
typedef int ncclDataType_t;
typedef int cudaStream_t;
#else
#include <nccl.h>
#endif

#define nccl_check(call)                                                                                  \
    do {                                                                                                  \
        ncclResult_t r_ = (call);                                                                         \
        if (r_ != ncclSuccess)                                                                            \
            die_at(__FILE__, __LINE__, EXIT_INPUT, "%s: NCCL error %d (%s)", #call, (int)r_,              \
                   nc.error_string ? nc.error_string(r_) : "?");                                          \
    } while (0)

#ifdef HUEY_CUDA_EMU
static ncclResult_t emu_unique_id(ncclUniqueId *id)
{
    memset(id, 0, sizeof *id);
    return ncclSuccess;
}
static ncclResult_t emu_init_rank(ncclComm_t *comm, int, ncclUniqueId, int)
{
    *comm = NULL;
    return ncclSuccess;
}
static ncclResult_t emu_all_gather(const void *send, void *recv, size_t count, ncclDataType_t, ncclComm_t,
                                   cudaStream_t)
{
    int P = comm_size();
    size_t *counts = (size_t *)xmalloc((size_t)P * sizeof *counts);
    for (int r = 0; r < P; r++)
        counts[r] = count;
    comm_allgatherv(send, count, recv, counts);
    free(counts);
    return ncclSuccess;
}
static ncclResult_t emu_destroy(ncclComm_t) { return ncclSuccess; }
static const char *emu_error_string(ncclResult_t) { return "emulated"; }
#endif

/* The NCCL entry points used here, from the library opened at run time. */
static struct {
    bool tried, loaded;
    char why[256];
    ncclResult_t (*unique_id)(ncclUniqueId *);
    ncclResult_t (*init_rank)(ncclComm_t *, int, ncclUniqueId, int);
    ncclResult_t (*all_gather)(const void *, void *, size_t, ncclDataType_t, ncclComm_t, cudaStream_t);
    ncclResult_t (*destroy)(ncclComm_t);
    const char *(*error_string)(ncclResult_t);
    ncclComm_t comm;
    bool on;
    unsigned char *d_send, *d_recv, *h_recv;
    size_t part_cap;          /* bytes per rank the buffers hold */
} nc;

static bool nccl_open(void)
{
    if (nc.tried)
        return nc.loaded;
    nc.tried = true;
#ifdef HUEY_CUDA_EMU
    nc.unique_id = emu_unique_id;
    nc.init_rank = emu_init_rank;
    nc.all_gather = emu_all_gather;
    nc.destroy = emu_destroy;
    nc.error_string = emu_error_string;
#else
    void *lib = dlopen(HUEY_CUDA_LIBDIR "/libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        lib = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(nc.why, sizeof nc.why, "cannot open libnccl.so.2 (%s)", dlerror());
        return false;
    }
    nc.unique_id = (decltype(nc.unique_id))dlsym(lib, "ncclGetUniqueId");
    nc.init_rank = (decltype(nc.init_rank))dlsym(lib, "ncclCommInitRank");
    nc.all_gather = (decltype(nc.all_gather))dlsym(lib, "ncclAllGather");
    nc.destroy = (decltype(nc.destroy))dlsym(lib, "ncclCommDestroy");
    nc.error_string = (decltype(nc.error_string))dlsym(lib, "ncclGetErrorString");
    if (!nc.unique_id || !nc.init_rank || !nc.all_gather || !nc.destroy || !nc.error_string) {
        snprintf(nc.why, sizeof nc.why, "libnccl.so.2 lacks ncclAllGather and friends");
        return false;
    }
#endif
    nc.loaded = true;
    return true;
}

extern "C" bool cuda_nccl_usable(unsigned char uuid[16], char *why, size_t why_len)
{
    int dev = 0;
    cudaDeviceProp prop;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&prop, dev) != cudaSuccess) {
        (void)cudaGetLastError();
        snprintf(why, why_len, "no CUDA device");
        return false;
    }
    memcpy(uuid, &prop.uuid, 16);
    if (!nccl_open()) {
        snprintf(why, why_len, "%s", nc.why);
        return false;
    }
    return true;
}

extern "C" void cuda_nccl_start(void)
{
    check(nccl_open());
    ncclUniqueId id;
    if (comm_rank() == 0)
        nccl_check(nc.unique_id(&id));
    size_t bytes = sizeof id;
    void *got = comm_bcast_bytes(&id, &bytes);
    check(bytes == sizeof id);
    memcpy(&id, got, sizeof id);
    free(got);
    nccl_check(nc.init_rank(&nc.comm, comm_size(), id, comm_rank()));
    nc.on = true;
}

extern "C" void cuda_nccl_allgatherv(const void *in, size_t bytes, void *out, const size_t *counts)
{
    const int P = comm_size();
    size_t part = 1;
    for (int r = 0; r < P; r++)
        part = counts[r] > part ? counts[r] : part;
    if (part > nc.part_cap) {
        size_t cap = nc.part_cap ? nc.part_cap : 4096;
        while (cap < part)
            cap *= 2;
        cudaFree(nc.d_send);
        cudaFree(nc.d_recv);
        if (nc.h_recv)
            cudaFreeHost(nc.h_recv);
        cuda_check(cudaMalloc((void **)&nc.d_send, cap));
        cuda_check(cudaMalloc((void **)&nc.d_recv, cap * (size_t)P));
        cuda_check(cudaMallocHost((void **)&nc.h_recv, cap * (size_t)P));
        nc.part_cap = cap;
    }
    cuda_check(cudaMemcpy(nc.d_send, in, bytes, cudaMemcpyHostToDevice));
    nccl_check(nc.all_gather(nc.d_send, nc.d_recv, part, (ncclDataType_t)ncclUint8, nc.comm, (cudaStream_t)0));
    /* on the default stream: the copy waits for the collective */
    cuda_check(cudaMemcpy(nc.h_recv, nc.d_recv, part * (size_t)P, cudaMemcpyDeviceToHost));
    unsigned char *o = (unsigned char *)out;
    for (int r = 0; r < P; r++) {
        memcpy(o, nc.h_recv + (size_t)r * part, counts[r]);
        o += counts[r];
    }
}

extern "C" void cuda_nccl_stop(void)
{
    if (!nc.on)
        return;
    nccl_check(nc.destroy(nc.comm));
    cudaFree(nc.d_send);
    cudaFree(nc.d_recv);
    if (nc.h_recv)
        cudaFreeHost(nc.h_recv);
    memset(&nc, 0, sizeof nc);
}
