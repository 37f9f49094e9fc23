/* meta.json: what a run folder was made with (build, machine, packages, allocators). */
#ifndef PMLAB_META_H
#define PMLAB_META_H
#include "pmlab_int.h"

void meta_write(const char *dir, const char *experiment, const char *signature, const char *cmdline,
                const char *start, const char *end, const char *extra_json);
char *binary_hash(void); /* "fnv1a64:..." of /proc/self/exe */
/* physical cores (distinct package/core pairs) under a sysfs cpu directory such as
 * "/sys/devices/system/cpu"; 0 when the topology cannot be read */
unsigned meta_physical_cores(const char *sysfs_cpu_dir);
/* A meta.json's "topology" as one line for the reports' environment ("1 package, 2 cores, 2 PUs,
 * 1 NUMA node; L2 1 MiB x2 ...; CPUs 0-1; hwloc: ..."), or NULL when it records none
 * (malloc'ed) */
char *meta_topology_text(const char *meta_json);

#endif
