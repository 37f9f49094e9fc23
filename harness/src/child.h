/* The hidden `pmlab __child` sub-command (one configuration x trial in a child process). */
#ifndef PMLAB_CHILD_H
#define PMLAB_CHILD_H
#include "pmlab_int.h"

int cmd_child(int argc, char **argv);

#endif
