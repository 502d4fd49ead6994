/*
 * offline.h — commands that read a checkpoint without MPI: info,
 * concepts, query, export, report. A checkpoint is loaded into a Net on
 * one rank (net_load), so every analysis uses the model's own functions.
 */
#ifndef HUEY_OFFLINE_H
#define HUEY_OFFLINE_H

#include <stdio.h>

#include "checkpoint.h"
#include "export.h"
#include "net.h"

/* A checkpoint opened for analysis. */
typedef struct Loaded {
    Net *net;
    RunInfo info;            /* inputs, detection, counters as stored */
    NetOutputs out;          /* edges, activations, masses */
    SelfConcept *self;       /* (net->nspeakers) */
    size_t n_kill_words;
    char *path;
    char *huey_version;      /* the writer's (root attribute huey_version); NULL: not recorded */
} Loaded;

/* The network of a batch file to load (`--conversation NAME`); NULL for a
 * single checkpoint. */
extern const char *offline_conversation;
Loaded *offline_load(const char *path);
/* The model settings stored in the checkpoint (its /params group) over p;
 * `where` names the file in an error. Run control is never stored. */
void offline_read_params(Ckpt *c, Params *p, const char *where);
void offline_free(Loaded *l);

/* `huey info|concepts|query|export|report FILE.h5 ...`: exit status. */
int cmd_info(int argc, char **argv);
int cmd_concepts(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_query(int argc, char **argv);      /* query.c */
int cmd_report(int argc, char **argv);     /* report.c */

/* The reference platform's `<name>_complete_data.json` (export_session_data)
 * of the checkpoint's state (report.c). */
void export_reference_json(const Loaded *l, FILE *f);

#endif
