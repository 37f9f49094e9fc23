/* `pmlab compare A B`: per-configuration change decided by a bootstrap interval for the ratio
 * of medians over the clean trials (docs/statistics.md). */
#ifndef PMLAB_COMPARE_H
#define PMLAB_COMPARE_H
#include "pmlab_int.h"

int cmd_compare(int argc, char **argv);

#endif
