/* `pmlab submit` and `pmlab status`: a sharded sweep as a Slurm job array (submit.c). */
#ifndef PMLAB_SUBMIT_H
#define PMLAB_SUBMIT_H
#include "pmlab_int.h"

/* pmlab submit run EXPERIMENT [run options] --shards N [--out DIR] [--partition P] [--time T]
 *              [--no-exclusive] [--dry-run]
 * pmlab submit --resubmit DIR K [--dry-run] */
int cmd_submit(int argc, char **argv);
/* pmlab status DIR: 0 all shards done and merged, 1 a shard or the merge failed, 3 in progress */
int cmd_status(int argc, char **argv);

/* The single-quoted shell word for s (malloc'ed): 'it'\''s' */
char *shell_quote(const char *s);

#endif
