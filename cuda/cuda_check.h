/*
 * cuda_check.h — what every .cu file of cuda/ shares: huey's C headers seen
 * from C++, the check macros that stop with file:line, the call and
 * CUDA's own words for the error, and launch(), which runs a kernel on the
 * device or, built with -DHUEY_CUDA_EMU, on the host (cuda_emu.h).
 */
#ifndef HUEY_CUDA_CHECK_H
#define HUEY_CUDA_CHECK_H

#ifdef HUEY_CUDA_EMU
#include "cuda_emu.h"
#else
#include <cuda_runtime.h>
#endif

#define _Noreturn [[noreturn]]
extern "C" {
#include "util.h"
}
#undef _Noreturn

#define cuda_check(call)                                                                                  \
    do {                                                                                                  \
        cudaError_t e_ = (call);                                                                          \
        if (e_ != cudaSuccess)                                                                            \
            die_at(__FILE__, __LINE__, EXIT_INPUT, "%s: CUDA error %d (%s)", #call, (int)e_,              \
                   cudaGetErrorString(e_));                                                               \
    } while (0)

/* After a kernel launch: launch errors now, execution errors at the next sync. */
#define cuda_check_launch() cuda_check(cudaGetLastError())

/* k<<<grid, block>>>(args), checked. */
template <typename... P, typename... A> static void launch(void (*k)(P...), int grid, int block, A... a)
{
#ifdef HUEY_CUDA_EMU
    emu_run(grid, block, [&] { k(a...); });
#else
    k<<<grid, block>>>(a...);
#endif
    cuda_check_launch();
}

#endif
