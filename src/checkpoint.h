/*
 * checkpoint.h — HDF5 checkpoint files (the only module that calls HDF5).
 *
 * A checkpoint holds the whole state of a run: the model (vocabulary by
 * id, rows of connections, activations, concept_neurons, speakers and
 * their history, the MT19937 state, counters) and where the input stood.
 * Nothing in it depends on the number of ranks: neurons are stored by id,
 * rows in their own order. The file is written to NAME.tmp by every rank
 * (collective parallel HDF5 where MPI runs), flushed, and renamed into
 * place by rank 0, which then syncs the directory.
 *
 * The model describes its state through the small typed interface below
 * (net.c's net_save / net_load); this module maps it onto groups,
 * attributes and datasets. Layout: README.md, "Checkpoint files".
 */
#ifndef HUEY_CHECKPOINT_H
#define HUEY_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CKPT_FORMAT_VERSION = 1 };

typedef struct Ckpt Ckpt;

/* Open NAME.tmp for writing (collective). */
Ckpt *ckpt_create(const char *path);
/* Flush, close, rename NAME.tmp -> NAME, sync the directory (collective). */
void ckpt_commit(Ckpt *c);
/* The current group's format attributes: format (huey-checkpoint or
 * huey-batch), format_version and huey_version (the writer's version.h). */
void ckpt_put_format(Ckpt *c, const char *format);
/* Open for reading (collective); a missing, truncated, foreign or newer
 * file dies with a clear message. */
Ckpt *ckpt_open(const char *path);
void ckpt_close(Ckpt *c);

/* Batch files ("huey-batch"): one checkpoint per conversation, each in
 * group /conversations/NAME with the layout of a single checkpoint; NAME
 * is the conversation's name with '/' and '%' written %2F and %25.
 * Readers pick one with ckpt_open_conversation (NULL: a single checkpoint
 * expected). */
Ckpt *ckpt_open_conversation(const char *path, const char *name);
bool ckpt_is_batch(const char *path);
char *ckpt_escape_name(const char *name);   /* malloc'ed */
/* The conversations of a batch file (names unescaped, in group-name
 * order; malloc'ed, NULL-terminated); the "try" form returns NULL instead
 * of dying when the file is unreadable. */
char **ckpt_conversations(const char *path, size_t *n);
char **ckpt_try_conversations(const char *path, size_t *n);
/* Each conversation's summary line (/summaries/NAME), in name order. */
char **ckpt_summaries(const char *path, size_t *n);
/* A rank's part file, written in place by this process alone (no MPI):
 * ckpt_part_begin makes "/" the conversation's group; ckpt_part_flush
 * ends it, stores its summary line and flushes the file. */
Ckpt *ckpt_part_create(const char *path);
void ckpt_part_begin(Ckpt *c, const char *name);
void ckpt_part_flush(Ckpt *c, const char *summary);
void ckpt_part_close(Ckpt *c);
/* Rank 0 alone: a new batch file at `path` (NAME.tmp, renamed) with every
 * conversation of the sources, the first copy of each name kept. Returns
 * how many it holds. */
size_t ckpt_merge(const char *path, const char *const *src, size_t nsrc);

/* Groups: "/" then names relative to the current group. */
void ckpt_group(Ckpt *c, const char *path);

/* Attributes of the current group: replicated scalars and strings. */
void ckpt_put_i64(Ckpt *c, const char *name, int64_t v);
void ckpt_put_f64(Ckpt *c, const char *name, double v);
void ckpt_put_str(Ckpt *c, const char *name, const char *v);
int64_t ckpt_get_i64(Ckpt *c, const char *name);
double ckpt_get_f64(Ckpt *c, const char *name);
char *ckpt_get_str(Ckpt *c, const char *name);   /* malloc'ed */

/* Datasets in the current group. The whole array is the same on every
 * rank ("replicated": rank 0's copy is written), or each rank writes
 * n elements at `offset` of a dataset of `total` elements ("part"). */
typedef enum { CK_I64, CK_U32, CK_I32, CK_U8, CK_F64 } CkType;
void ckpt_put_array(Ckpt *c, const char *name, CkType t, const void *v, size_t n);
void ckpt_put_part(Ckpt *c, const char *name, CkType t, const void *v, size_t n, size_t offset, size_t total);
/* Each rank writes its elements at several places: runs[2k] = offset,
 * runs[2k+1] = count; v holds the runs' elements one after the other. */
void ckpt_put_runs(Ckpt *c, const char *name, CkType t, const void *v, const uint64_t *runs, size_t nruns,
                   size_t total);
/* Strings as one table: lengths (uint32) and the concatenated bytes. */
void ckpt_put_strings(Ckpt *c, const char *name, const char *const *s, size_t n);
/* Reading: the whole dataset (malloc'ed, *n elements), or a slice. */
void *ckpt_get_array(Ckpt *c, const char *name, CkType t, size_t *n);
/* The same for a dataset that must hold n elements (dies otherwise). */
void *ckpt_get_array_n(Ckpt *c, const char *name, CkType t, size_t n);
void ckpt_get_part(Ckpt *c, const char *name, CkType t, void *v, size_t n, size_t offset);
char **ckpt_get_strings(Ckpt *c, const char *name, size_t *n);   /* malloc'ed array of malloc'ed */
bool ckpt_has(Ckpt *c, const char *name);
/* Elements in dataset `name` of the current group (without reading it). */
size_t ckpt_len(Ckpt *c, const char *name);
bool ckpt_has_attr(Ckpt *c, const char *name);
const char *ckpt_path(const Ckpt *c);

#endif
