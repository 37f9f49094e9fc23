/* gnuplot plots of a run folder (templates in plots/) */
#ifndef PMLAB_PLOTS_H
#define PMLAB_PLOTS_H
#include "pmlab_int.h"

const char *plots_dir(void);
/* renders the run folder's plots (throughput, speedup, latency CDF, time series) and appends
 * the Plots section to md (may be NULL) */
void plots_render_run(const char *dir, const csv_table *t, FILE *md);

#endif
