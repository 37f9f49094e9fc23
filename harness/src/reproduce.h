/* `pmlab reproduce`: suites (reproduce.c). */
#ifndef PMLAB_REPRODUCE_H
#define PMLAB_REPRODUCE_H
#include "pmlab_int.h"

bool suite_folder(const char *dir); /* DIR holds suite.json */
int suite_report(const char *dir);  /* re-render a suite folder: runs, report.md/.html, alerts */
int cmd_reproduce(int argc, char **argv, const char *cmdline);

#endif
