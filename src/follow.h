/*
 * follow.h — reading an input that is still being written (huey run
 * --follow): a file that grows, like `tail -F` (truncation and
 * replacement by a new file are noticed and said), or standard input, a
 * pipe or a FIFO (a transcriber piping text), which ends at its EOF.
 *
 * Only bytes are read here; what they mean is detect.h's LiveDetect.
 * One process (rank 0) reads; huey.c sends what it read to the others.
 */
#ifndef HUEY_FOLLOW_H
#define HUEY_FOLLOW_H

#include <stddef.h>
#include <sys/types.h>

typedef struct Follow Follow;

enum {
    FOLLOW_ERROR = -1,       /* msg says why */
    FOLLOW_WAIT = 0,         /* nothing within the timeout, or a signal interrupted the wait */
    FOLLOW_EOF = -2,         /* a stream (standard input, pipe, FIFO) ended */
    FOLLOW_NEW = -3,         /* the file was truncated or replaced: msg says which; the
                                next read starts at the beginning of what is there now */
};

/* path "-" is standard input. NULL with msg set when it cannot be opened
 * or is a directory. */
Follow *follow_open(const char *path, char *msg, size_t msglen);
/* Up to cap bytes into buf: their count (> 0), or one of the values above.
 * Waits at most `timeout` seconds for bytes (0: looks once); a file that
 * has not grown is looked at again every `interval` seconds. */
ssize_t follow_read(Follow *f, void *buf, size_t cap, double timeout, double interval, char *msg, size_t msglen);
/* Whether the input is a file followed like tail -F (never at its end). */
int follow_is_file(const Follow *f);
void follow_close(Follow *f);

#endif
