/*
 * cuda_check.h — what every .cu file of cuda/ shares: huey's C headers seen
 * from C++, and the check macros that stop with file:line, the call and
 * CUDA's own words for the error.
 */
#ifndef HUEY_CUDA_CHECK_H
#define HUEY_CUDA_CHECK_H

#include <cuda_runtime.h>

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

#endif
