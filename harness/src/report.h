/* report.md (and report.html, alerts.json, plots) of a run folder, and the stdout summary. */
#ifndef PMLAB_REPORT_H
#define PMLAB_REPORT_H
#include "pmlab_int.h"

int report_render(const char *dir, bool print_summary, FILE *summary_out);
void summary_print(const csv_table *t, FILE *out);

#endif
