/* The pmlab command line (cli.c): dispatch, help and list. */
#ifndef PMLAB_CLI_H
#define PMLAB_CLI_H
#include "pmlab_int.h"

int pmlab_main(int argc, char **argv, pmlab_register_fn generated);

#endif
