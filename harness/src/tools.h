/* `pmlab merge`, `pmlab report` and `pmlab topo` (tools.c). */
#ifndef PMLAB_TOOLS_H
#define PMLAB_TOOLS_H
#include "pmlab_int.h"

int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* `pmlab topo`: the topology and the --pin plan of N workers, on this machine or on a synthetic
 * or XML topology (--topology) */
int cmd_topo(int argc, char **argv);

#endif
