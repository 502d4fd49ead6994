/*
 * joblist.c — the conversations of `huey run --batch LIST|DIR`
 * (joblist.h): a folder walked with nftw, or a LIST file read line by line.
 */
#define _GNU_SOURCE   /* nftw: FTW_ACTIONRETVAL skips hidden folders */
#include "joblist.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

void joblist_add(JobList *l, const char *name, const char *path, long long size)
{
    GROW(l->job, l->cap, l->n + 1);
    l->job[l->n++] = (Job){ xstrdup(name), xstrdup(path), size };
}

static JobList *walking;   /* nftw has no context argument */

static int walk_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    const char *base = path + ftw->base;
    if (ftw->level > 0 && base[0] == '.')
        return type == FTW_D ? FTW_SKIP_SUBTREE : 0;   /* hidden files and folders */
    struct stat target;
    if (type == FTW_SL && stat(path, &target) == 0 && S_ISREG(target.st_mode)) {
        st = &target;   /* a link to a file counts; links to folders are not followed */
        type = FTW_F;
    }
    if (type == FTW_F && S_ISREG(st->st_mode)) {
        const char *rel = path + strlen(walking->dir);
        while (*rel == '/')
            rel++;
        joblist_add(walking, rel, path, (long long)st->st_size);
    } else if (type == FTW_DNR) {
        warn("--batch %s: cannot read folder %s, skipped", walking->dir, path);
    }
    return 0;
}

static int cmp_job_name(const void *a, const void *b)
{
    return strcmp(((const Job *)a)->name, ((const Job *)b)->name);
}

/* Rank 0 lists the conversations; the queue hands them out (huey.c). */
void joblist_read(const char *arg, JobList *l)
{
    struct stat st;
    if (stat(arg, &st) != 0)
        die_usage("--batch %s: %s", arg, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        l->dir = arg;
        walking = l;
        if (nftw(arg, walk_entry, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
            die("--batch %s: cannot list the folder: %s", arg, strerror(errno));
    } else {
        FILE *f = fopen(arg, "r");
        if (!f)
            die_usage("--batch %s: %s", arg, strerror(errno));
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        for (long lineno = 1; (len = getline(&line, &cap, f)) >= 0; lineno++) {
            while (len > 0 && strchr("\n\r \t", line[len - 1]) && line[len - 1])
                line[--len] = '\0';
            if (memchr(line, '\0', (size_t)len)) {
                free(line);
                fclose(f);
                die_usage("%s:%ld: a NUL byte in a file name", arg, lineno);
            }
            const char *p = line;
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p || *p == '#')
                continue;
            long long size = stat(p, &st) == 0 ? (long long)st.st_size : -1;
            joblist_add(l, p, p, size);
        }
        free(line);
        fclose(f);
    }
    if (l->n)   /* an empty LIST: no array at all, which qsort may not be given */
        qsort(l->job, l->n, sizeof *l->job, cmp_job_name);
    for (size_t i = 1; i < l->n; i++)
        if (!strcmp(l->job[i].name, l->job[i - 1].name))
            die_usage("--batch %s: %s is listed twice", arg, l->job[i].name);
}

void joblist_free(JobList *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->job[i].name);
        free(l->job[i].path);
    }
    free(l->job);
}
