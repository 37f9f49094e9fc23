/* meta.json: the build, the machine, the packages and allocators a run folder was made with. */
#define _GNU_SOURCE
#include "meta.h"
#include "registry.h"
#include "topo.h"

#include <dirent.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <jansson.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef PMLAB_SOURCE_DIR
#define PMLAB_SOURCE_DIR "."
#endif
#ifndef PMLAB_PLOTS_DIR
#define PMLAB_PLOTS_DIR PMLAB_SOURCE_DIR "/plots"
#endif
#ifndef PMLAB_COMPILER
#define PMLAB_COMPILER "unknown"
#endif
#ifndef PMLAB_CFLAGS
#define PMLAB_CFLAGS ""
#endif
#ifndef PMLAB_BUILD_TYPE
#define PMLAB_BUILD_TYPE ""
#endif
#ifndef PMLAB_LIBVERSIONS
#define PMLAB_LIBVERSIONS ""
#endif

char *binary_hash(void)
{
    size_t len;
    char *b = slurp("/proc/self/exe", &len);
    if (!b)
        return xstrdup("unknown");
    char *h = xasprintf("fnv1a64:%016llx", (unsigned long long)fnv1a(b, len, FNV_INIT));
    free(b);
    return h;
}

static bool read_long(const char *path, long *out)
{
    char *s = slurp(path, NULL);
    long long v;
    bool ok = false;
    if (s) {
        s[strcspn(s, "\n")] = 0;
        ok = parse_i64(s, &v);
        *out = (long)v;
    }
    free(s);
    return ok;
}

unsigned meta_physical_cores(const char *sysfs_cpu_dir)
{
    DIR *d = opendir(sysfs_cpu_dir);
    if (!d)
        return 0;
    strvec cores = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, "cpu", 3) != 0 || !n[3] || strspn(n + 3, "0123456789") != strlen(n + 3))
            continue;
        long pkg, core;
        char *pp = xasprintf("%s/%s/topology/physical_package_id", sysfs_cpu_dir, n);
        char *cp = xasprintf("%s/%s/topology/core_id", sysfs_cpu_dir, n);
        if (read_long(pp, &pkg) && read_long(cp, &core)) {
            char *k = xasprintf("%ld/%ld", pkg, core);
            if (!sv_has(&cores, k))
                sv_push(&cores, k);
            free(k);
        }
        free(pp);
        free(cp);
    }
    closedir(d);
    unsigned n = (unsigned)cores.n;
    sv_free(&cores);
    return n;
}

/* the CPU model from /proc/cpuinfo; *physical: distinct (package, core) pairs from the sysfs
 * topology, else from /proc/cpuinfo's physical id / core id, else the online CPUs */
static char *cpu_model(unsigned *physical)
{
    char *text = slurp("/proc/cpuinfo", NULL);
    char *model = NULL;
    strvec cores = {0};
    char phys[64] = "0";
    if (text) {
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            if (!model && !strncmp(line, "model name", 10))
                model = xstrdup(v);
            else if (!strncmp(line, "physical id", 11))
                snprintf(phys, sizeof phys, "%s", v);
            else if (!strncmp(line, "core id", 7)) {
                char *k = xasprintf("%s/%s", phys, v);
                if (!sv_has(&cores, k))
                    sv_push(&cores, k);
                free(k);
            }
        }
        free(text);
    }
    *physical = meta_physical_cores("/sys/devices/system/cpu");
    if (!*physical)
        *physical = cores.n ? (unsigned)cores.n : online_cpus();
    sv_free(&cores);
    return model ? model : xstrdup("unknown");
}

static char *hw_counters_status(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof a;
    a.config = PERF_COUNT_HW_CPU_CYCLES;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (fd >= 0) {
        close(fd);
        return xstrdup("available: hw_cycles, hw_instructions per row (whole child run)");
    }
    int e = errno;
    char *par = slurp("/proc/sys/kernel/perf_event_paranoid", NULL);
    if (par)
        par[strcspn(par, "\n")] = 0;
    char *s = xasprintf("unavailable: perf_event_open: %s (kernel.perf_event_paranoid=%s)",
                        strerror(e), par ? par : "?");
    free(par);
    return s;
}

void meta_write(const char *dir, const char *experiment, const char *signature, const char *cmdline,
                const char *start, const char *end, const char *extra_json)
{
    static char *sha, *dirty, *model, *hw, *bin, *pkgs;
    static unsigned physical;
    if (!sha) {
        sha = run_cmd_line("git -C '" PMLAB_SOURCE_DIR "' rev-parse HEAD 2>/dev/null");
        if (!sha)
            sha = xstrdup("unknown");
        dirty = run_cmd_line("git -C '" PMLAB_SOURCE_DIR "' status --porcelain "
                             "--untracked-files=no 2>/dev/null | wc -l");
        model = cpu_model(&physical);
        hw = hw_counters_status();
        bin = binary_hash();
        pkgs = run_cmd_line("dpkg-query -W -f='${Package}=${Version} ' libjemalloc2 "
                            "libtcmalloc-minimal4 libmimalloc2.0 liburcu8 libck0 libc6 "
                            "2>/dev/null; true");
    }
    struct utsname u;
    uname(&u);
    char *path = xasprintf("%s/meta.json", dir);
    char *tmp = xasprintf("%s/.meta.json.tmp", dir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "pmlab: cannot write %s: %s\n", tmp, strerror(errno));
        free(path);
        free(tmp);
        return;
    }
    fprintf(f, "{\n  \"pmlab_api\": %d,\n  \"experiment\": ", PMLAB_API_VERSION);
    json_str(f, experiment);
    fprintf(f, ",\n  \"signature\": ");
    json_str(f, signature);
    fprintf(f, ",\n  \"command_line\": ");
    json_str(f, cmdline);
    fprintf(f, ",\n  \"start_utc\": ");
    json_str(f, start);
    fprintf(f, ",\n  \"end_utc\": ");
    json_str(f, end);
    fprintf(f, ",\n  \"git_sha\": ");
    json_str(f, sha);
    fprintf(f, ",\n  \"git_dirty\": %s", dirty && strcmp(dirty, "0") ? "true" : "false");
    fprintf(f, ",\n  \"binary\": ");
    json_str(f, bin);
    fprintf(f, ",\n  \"compiler\": ");
    json_str(f, PMLAB_COMPILER);
    fprintf(f, ",\n  \"build_type\": ");
    json_str(f, PMLAB_BUILD_TYPE);
    fprintf(f, ",\n  \"cflags\": ");
    json_str(f, PMLAB_CFLAGS);
    fprintf(f, ",\n  \"cpu_model\": ");
    json_str(f, model);
    fprintf(f, ",\n  \"online_cpus\": %u,\n  \"physical_cpus\": %u", online_cpus(), physical);
    char *kernel = xasprintf("%s %s %s", u.sysname, u.release, u.machine);
    fprintf(f, ",\n  \"kernel\": ");
    json_str(f, kernel);
    free(kernel);
    char *libc = xasprintf("glibc %s", gnu_get_libc_version());
    fprintf(f, ",\n  \"libc\": ");
    json_str(f, libc);
    free(libc);
    fprintf(f, ",\n  \"hostname\": "); /* the machine, for the campaign database (db.c) */
    json_str(f, u.nodename);
    fprintf(f, ",\n  \"library_versions_build\": ");
    json_str(f, PMLAB_LIBVERSIONS);
    fprintf(f, ",\n  \"packages_runtime\": ");
    json_str(f, pkgs ? pkgs : "unknown (no dpkg)");
    fprintf(f, ",\n  \"allocator_libraries\": {");
    for (size_t i = 0; alloc_names[i]; i++) {
        char *lib = alloc_library(alloc_names[i]);
        fprintf(f, "%s\"%s\": ", i ? ", " : "", alloc_names[i]);
        json_str(f, !strcmp(alloc_names[i], "glibc") ? "libc" : lib ? lib : "not found");
        free(lib);
    }
    fprintf(f, "},\n  \"pinning\": \"worker i pinned to the i mod n-th CPU of pin_cpus (the "
               "--pin policy's order over the topology's PUs, or the list given); none: not "
               "pinned\"");
    /* the topology the plans were made on: hwloc, restricted to the affinity mask */
    char terr[256] = "";
    const topo *t = topo_machine(terr, sizeof terr);
    if (t) {
        topo_info ti;
        topo_describe(t, &ti);
        char *tj = topo_json(&ti);
        fprintf(f, ",\n  \"topology\": %s", tj);
        free(tj);
    }
    fprintf(f, ",\n  \"hw_counters\": ");
    json_str(f, hw);
    if (extra_json && *extra_json)
        fprintf(f, ",\n  %s", extra_json);
    fprintf(f, "\n}\n");
    fclose(f);
    if (rename(tmp, path) != 0)
        fprintf(stderr, "pmlab: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    free(tmp);
}

static void size_text(sbuf *b, double bytes)
{
    if (bytes >= 1024.0 * 1024 * 1024)
        sb_printf(b, "%.3g GiB", bytes / (1024.0 * 1024 * 1024));
    else if (bytes >= 1024.0 * 1024)
        sb_printf(b, "%.3g MiB", bytes / (1024.0 * 1024));
    else
        sb_printf(b, "%.3g KiB", bytes / 1024.0);
}

char *meta_topology_text(const char *meta_json)
{
    json_error_t je;
    json_t *j = meta_json ? json_loads(meta_json, 0, &je) : NULL;
    json_t *t = j ? json_object_get(j, "topology") : NULL;
    if (!json_is_object(t)) {
        json_decref(j);
        return NULL;
    }
    sbuf b = {0};
    sb_add(&b, "");
    static const char *const counts[][2] = {
        {"packages", "package"}, {"cores", "core"}, {"pus", "PU"}, {"numa_nodes", "NUMA node"}};
    for (size_t i = 0; i < 4; i++) {
        json_int_t n = json_integer_value(json_object_get(t, counts[i][0]));
        sb_printf(&b, "%s%lld %s%s", i ? ", " : "", (long long)n, counts[i][1], n == 1 ? "" : "s");
    }
    json_t *caches = json_object_get(t, "caches");
    size_t i;
    json_t *c;
    json_array_foreach(caches, i, c)
    {
        const char *ty = json_string_value(json_object_get(c, "type"));
        sb_printf(&b, "%sL%lld%s ", i ? ", " : "; ",
                  (long long)json_integer_value(json_object_get(c, "level")),
                  !ty                          ? ""
                  : !strcmp(ty, "data")        ? "d"
                  : !strcmp(ty, "instruction") ? "i"
                                               : "");
        size_text(&b, (double)json_integer_value(json_object_get(c, "size")));
        sb_printf(&b, " x%lld", (long long)json_integer_value(json_object_get(c, "count")));
    }
    const char *al = json_string_value(json_object_get(t, "allowed_cpus"));
    const char *sum = json_string_value(json_object_get(t, "summary"));
    sb_printf(&b, "; CPUs %s; hwloc: %s", al ? al : "?", sum ? sum : "?");
    json_decref(j);
    return b.s;
}
