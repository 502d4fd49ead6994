/*
 * fuzz.h — what every libFuzzer harness of tests/fuzz shares.
 *
 * huey's parsers stop on bad input through die(), which prints one line
 * and exits. A harness must survive that to go on with the next input, so
 * util_abort_hook jumps back into the harness (FUZZ_GUARD). What the
 * input had allocated by then would have been released by the exit: the
 * harness releases it too, or else LeakSanitizer would report every
 * rejected input as a leak and libFuzzer would give up on leak checking
 * after 1000 of them. Allocations are logged while a guarded body runs
 * (an ASan malloc hook); after a die() the ones still live are freed
 * (FUZZ_FREE) or, where a library keeps pointers to them that we cannot
 * see (HDF5's free lists and object tables: FUZZ_IGNORE), only excluded
 * from leak reports. File descriptors opened by the input are closed.
 * Inputs that do not die must free everything: those leaks are reported.
 *
 * Harnesses that need a path (the parsers open files) get one from
 * fuzz_file(): a file in a private folder of /dev/shm (or /tmp).
 */
#ifndef HUEY_FUZZ_H
#define HUEY_FUZZ_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { FUZZ_FREE, FUZZ_IGNORE } FuzzDieMode;

extern jmp_buf fuzz_env;

/* Each harness's: what it needs before the first input, fuzz_init at
 * least (called from LLVMFuzzerInitialize). */
void fuzz_setup(void);

/* Once per process, before the first input: die() returns to FUZZ_GUARD,
 * the allocation log is installed; mode says what happens to what a dying
 * input left allocated. cleanup (may be NULL) runs first after a die(),
 * e.g. to close library handles. */
void fuzz_init(FuzzDieMode mode, void (*cleanup)(void));
/* Start logging; after a die() control comes back here with a nonzero
 * value. Call fuzz_done() when the body finished normally. */
void fuzz_begin(void);
void fuzz_after_die(void);
void fuzz_done(void);
#define FUZZ_GUARD()                  \
    do {                              \
        if (setjmp(fuzz_env)) {       \
            fuzz_after_die();         \
            return 0;                 \
        }                             \
        fuzz_begin();                 \
    } while (0)

/* Checkpoint harnesses: close every HDF5 object and file huey left open
 * (the cleanup after a die()); abort if any stays open. */
void fuzz_close_hdf5(void);
void fuzz_check_hdf5_closed(const char *when);

/* Path of a file holding data[0..n) (one file per slot 0..3, rewritten
 * on every call, removed at exit). */
const char *fuzz_file(int slot, const void *data, size_t n);

#endif
