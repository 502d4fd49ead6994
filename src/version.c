/*
 * version.c — huey_version and `huey --version` (version.h).
 */
#include "version.h"

#include <hdf5.h>

#include "comm.h"
#include "cuda_api.h"

#ifndef HUEY_VERSION
#define HUEY_VERSION "unknown"
#endif

const char *huey_version(void) { return HUEY_VERSION; }

void huey_print_version(FILE *f)
{
    fprintf(f, "huey %s\n", HUEY_VERSION);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    fprintf(f, "HDF5 %u.%u.%u\n", maj, min, rel);
    char mpi[256];
    comm_library_version(mpi, sizeof mpi);
    fprintf(f, "MPI %s\n", mpi);
    fprintf(f, "CUDA backend: %s\n", cuda_compiled() ? "built in (used where a device is found)" : "not built (cuda/stub.c)");
}
