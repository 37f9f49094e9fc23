/* Machine load around a run: /proc/loadavg and the /proc/stat idle and steal ticks. */
#define _GNU_SOURCE
#include "sysload.h"

#include "pmlab_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void sysload_take(sysload_snap *s)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        s->have_loadavg =
            fscanf(f, "%lf %lf %lf", &s->loadavg[0], &s->loadavg[1], &s->loadavg[2]) == 3;
        fclose(f);
    }
    f = fopen("/proc/stat", "r");
    if (f) {
        /* cpu user nice system idle iowait irq softirq steal guest guest_nice */
        uint64_t v[10] = {0};
        int n = fscanf(f,
                       "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                       " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
                       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
        if (n >= 4) {
            s->have_stat = true;
            /* guest time is already counted in user/nice */
            for (int i = 0; i < 8 && i < n; i++)
                s->total += v[i];
            s->idle = v[3];
            s->iowait = n > 4 ? v[4] : 0;
            s->steal = n > 7 ? v[7] : 0;
        }
        fclose(f);
    }
}

static void add_loadavg(sbuf *b, const char *key, const sysload_snap *s)
{
    if (s && s->have_loadavg)
        sb_printf(b, "\"%s\": [%.2f, %.2f, %.2f]", key, s->loadavg[0], s->loadavg[1],
                  s->loadavg[2]);
    else
        sb_printf(b, "\"%s\": null", key);
}

char *sysload_json(const sysload_snap *start, const sysload_snap *end)
{
    sbuf b = {0};
    sb_add(&b, "\"sysload\": {");
    add_loadavg(&b, "loadavg_start", start);
    sb_add(&b, ", ");
    add_loadavg(&b, "loadavg_end", end);
    if (start && end && start->have_stat && end->have_stat && end->total >= start->total) {
        uint64_t t = end->total - start->total, idle = end->idle - start->idle,
                 io = end->iowait - start->iowait, st = end->steal - start->steal;
        sb_printf(&b,
                  ", \"proc_stat_ticks\": %" PRIu64 ", \"idle_ticks\": %" PRIu64
                  ", \"iowait_ticks\": %" PRIu64 ", \"steal_ticks\": %" PRIu64
                  ", \"idle_share\": %.4f, \"steal_share\": %.4f",
                  t, idle, io, st, t ? (double)idle / (double)t : 0.0,
                  t ? (double)st / (double)t : 0.0);
    } else {
        sb_add(&b, ", \"proc_stat_ticks\": null");
    }
    sb_printf(&b, ", \"contended_share_threshold\": %.2f}", PMLAB_CONTENDED_SHARE);
    return b.s;
}
