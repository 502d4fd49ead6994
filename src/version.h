/*
 * version.h — which huey this is: `git describe --always --dirty` of the
 * checkout it was built from ("unknown" outside one), set by the Makefile
 * on version.o alone. Written into every JSON export (the timing line)
 * and checkpoint (root attribute huey_version), and printed by
 * `huey --version` with the libraries it runs on.
 */
#ifndef HUEY_VERSION_H
#define HUEY_VERSION_H

#include <stdio.h>

const char *huey_version(void);
/* "huey VERSION" and the HDF5, MPI and CUDA lines of `huey --version`. */
void huey_print_version(FILE *f);

#endif
