/*
 * follow.c — reading a growing file or a stream for huey run --follow.
 *
 * A regular file is read to its current end, then looked at every
 * `interval` seconds: more bytes are read as they come; a size below the
 * bytes already read means it was truncated (it is read again from its
 * start); a different file under the same path (device and inode) means
 * it was replaced, e.g. rotated by a logger: the old file is read to its
 * end first, then the new one from its start. A file that disappears is
 * followed through the descriptor held until another appears. Anything
 * else (standard input, a pipe, a FIFO, a terminal) is a stream: poll()
 * wakes on its bytes, and its EOF is the end of the input.
 */
#define _POSIX_C_SOURCE 200809L
#include "follow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct Follow {
    const char *path;        /* as given; "-" for standard input */
    int fd;
    bool file;               /* a regular file, followed like tail -F */
    dev_t dev;               /* the file being read */
    ino_t ino;
    uint64_t offset;         /* bytes read from it */
};

Follow *follow_open(const char *path, char *msg, size_t msglen)
{
    bool in = strcmp(path, "-") == 0;
    int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, msglen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        snprintf(msg, msglen, "%s: %s", path, S_ISDIR(st.st_mode) ? "is a directory, not a text file" : strerror(errno));
        if (!in)
            close(fd);
        return NULL;
    }
    Follow *f = xcalloc(1, sizeof *f);
    f->path = in ? "standard input" : path;
    f->fd = fd;
    /* standard input redirected from a file is a stream too: its end is
     * the end (huey run --follow - < FILE) */
    f->file = !in && S_ISREG(st.st_mode);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    return f;
}

int follow_is_file(const Follow *f)
{
    return f->file;
}

void follow_close(Follow *f)
{
    if (!f)
        return;
    if (f->fd != STDIN_FILENO)
        close(f->fd);
    free(f);
}

/* Sleeps s seconds; false when a signal interrupted it. */
static bool pause_for(double s)
{
    struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    return nanosleep(&t, NULL) == 0;
}

/* At the end of the file: truncated or replaced? FOLLOW_NEW (msg set),
 * FOLLOW_WAIT (neither) or FOLLOW_ERROR. */
static ssize_t file_changed(Follow *f, char *msg, size_t msglen)
{
    struct stat held, named;
    if (fstat(f->fd, &held) != 0) {
        snprintf(msg, msglen, "%s: %s", f->path, strerror(errno));
        return FOLLOW_ERROR;
    }
    if ((uint64_t)held.st_size < f->offset) {
        snprintf(msg, msglen, "%s: truncated to %lld bytes after %llu were read: reading it again from its start",
                 f->path, (long long)held.st_size, (unsigned long long)f->offset);
        if (lseek(f->fd, 0, SEEK_SET) != 0) {
            snprintf(msg, msglen, "%s: truncated, and cannot go back to its start: %s", f->path, strerror(errno));
            return FOLLOW_ERROR;
        }
        f->offset = 0;
        return FOLLOW_NEW;
    }
    if (stat(f->path, &named) != 0 || (named.st_dev == f->dev && named.st_ino == f->ino))
        return FOLLOW_WAIT;   /* gone (the old one is still followed), or the same file */
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FOLLOW_WAIT;   /* being replaced: next time */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return FOLLOW_WAIT;
    }
    snprintf(msg, msglen, "%s: replaced by a new file (rotated?) after %llu bytes of the old one: reading the new "
             "one from its start", f->path, (unsigned long long)f->offset);
    close(f->fd);
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->offset = 0;
    return FOLLOW_NEW;
}

ssize_t follow_read(Follow *f, void *buf, size_t cap, double timeout, double interval, char *msg, size_t msglen)
{
    double t_end = now_seconds() + (timeout > 0 ? timeout : 0);
    for (;;) {
        if (!f->file) {
            double left = t_end - now_seconds();
            struct pollfd p = { .fd = f->fd, .events = POLLIN };
            int rc = poll(&p, 1, left > 0 ? (int)(left * 1000 + 0.999) : 0);
            if (rc < 0 && errno != EINTR) {
                snprintf(msg, msglen, "%s: %s", f->path, strerror(errno));
                return FOLLOW_ERROR;
            }
            if (rc <= 0)
                return FOLLOW_WAIT;
        }
        ssize_t k = read(f->fd, buf, cap);
        if (k > 0) {
            f->offset += (uint64_t)k;
            return k;
        }
        if (k < 0 && errno == EINTR)
            return FOLLOW_WAIT;
        if (k < 0 && errno != EAGAIN) {
            snprintf(msg, msglen, "%s: read error: %s", f->path, strerror(errno));
            return FOLLOW_ERROR;
        }
        if (!f->file)
            return k == 0 ? FOLLOW_EOF : FOLLOW_WAIT;
        ssize_t ch = file_changed(f, msg, msglen);
        if (ch != FOLLOW_WAIT)
            return ch;
        double left = t_end - now_seconds();
        if (left <= 0 || !pause_for(left < interval ? left : interval))
            return FOLLOW_WAIT;
    }
}
