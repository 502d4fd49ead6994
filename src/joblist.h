/*
 * joblist.h — the conversations of `huey run --batch LIST|DIR`: every
 * regular file under DIR, or one path per line of a LIST file.
 */
#ifndef HUEY_JOBLIST_H
#define HUEY_JOBLIST_H

#include <stddef.h>

/* A conversation to learn: its name (the group in OUT.h5) and its file. */
typedef struct Job {
    char *name, *path;
    long long size;   /* bytes; -1 when the file cannot be stat'ed */
} Job;

typedef struct JobList {
    Job *job;         /* (n) */
    size_t n, cap;
    const char *dir;  /* listing a directory: its path */
} JobList;

/* The conversations of `--batch arg` (l zeroed before), by name: every
 * regular file under a folder (hidden ones skipped, links to files
 * followed), named by its path relative to it; or one path per line of a
 * LIST file (blank lines and lines starting with '#' skipped, spaces
 * around a path dropped), named as listed. A name listed twice, a NUL
 * byte in a line or an unreadable argument is a usage error. */
void joblist_read(const char *arg, JobList *l);
void joblist_add(JobList *l, const char *name, const char *path, long long size);
void joblist_free(JobList *l);

#endif
