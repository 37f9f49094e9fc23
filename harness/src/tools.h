/* `pmlab merge` and `pmlab report` (tools.c). */
#ifndef PMLAB_TOOLS_H
#define PMLAB_TOOLS_H
#include "pmlab_int.h"

int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
