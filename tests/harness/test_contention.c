/* Contention detection (issue 12 item 1): a 2-thread sweep of the built-in selftest (CPU-bound
 * workers pinned to the first two CPUs) while a spinning process holds the first CPU must flag
 * its rows contended; the same sweep on a quiet machine must not. The quiet half needs a quiet
 * machine: when /proc/stat shows the CPUs busy before or after the run, it is skipped with a
 * message. No test asserts a timing. */
#include "harness_test_util.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* share of idle CPU time over `ms` milliseconds (/proc/stat), -1 if unreadable */
static double idle_share(int ms)
{
    unsigned long long a[10] = {0}, b[10] = {0};
    for (int pass = 0; pass < 2; pass++) {
        FILE *f = fopen("/proc/stat", "r");
        if (!f)
            return -1;
        unsigned long long *v = pass ? b : a;
        int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                       &v[4], &v[5], &v[6], &v[7]);
        fclose(f);
        if (n < 4)
            return -1;
        if (!pass) {
            struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    unsigned long long total = 0;
    for (int i = 0; i < 8; i++)
        total += b[i] - a[i];
    return total ? (double)(b[3] - a[3] + b[4] - a[4]) / (double)total : -1;
}

static double loadavg1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

/* the first CPU of our affinity mask: the harness pins worker 0 there */
static int first_cpu(int *ncpus)
{
    cpu_set_t set;
    *ncpus = 0;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    int first = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            if (first < 0)
                first = c;
            (*ncpus)++;
        }
    return first;
}

/* runs the 2-thread selftest sweep into DIR; returns the number of rows flagged contended and
 * the number of rows (*n) */
static int sweep_contended(const char *dir, int *n, char *shares, size_t len)
{
    const char *a[] = {"run",
                       "selftest",
                       "--threads",
                       "2",
                       "--duration-ms",
                       "400",
                       "--warmup-ms",
                       "50",
                       "--trials",
                       "2",
                       "--max-trials",
                       "2",
                       "--param",
                       "alloc_bytes=16",
                       "--quiet",
                       "--out",
                       dir,
                       NULL};
    assert_int_equal(tu_run(a), 0);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", dir);
    *n = tu_count_lines(csv) - 1;
    int flagged = 0;
    shares[0] = 0;
    for (int r = 0; r < *n; r++) {
        assert_string_equal(tu_csv_cell(csv, r, "oversubscribed"), "0");
        flagged += !strcmp(tu_csv_cell(csv, r, "contended"), "1");
        size_t l = strlen(shares);
        snprintf(shares + l, len - l, "%s%s", l ? ", " : "", tu_csv_cell(csv, r, "cpu_share"));
        assert_true(atoi(tu_csv_cell(csv, r, "nivcsw")) >= 0);
    }
    return flagged;
}

static void test_busy_cpu_flags_rows(void **state)
{
    (void)state;
    int ncpus;
    int cpu = first_cpu(&ncpus);
    if (cpu < 0 || ncpus < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        fprintf(stderr, "skipped: needs 2 CPUs (2 threads on 1 CPU are oversubscribed)\n");
        skip();
    }
    fflush(NULL);
    pid_t spinner = fork();
    if (spinner == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        sched_setaffinity(0, sizeof one, &one);
        alarm(120); /* never outlives the test */
        for (volatile unsigned long x = 0;; x++)
            ;
    }
    assert_true(spinner > 0);
    int n = 0;
    char shares[512];
    int flagged = sweep_contended(tu_path("busy"), &n, shares, sizeof shares);
    kill(spinner, SIGKILL);
    waitpid(spinner, NULL, 0);
    fprintf(stderr, "busy CPU %d: cpu_share %s, %d of %d rows contended\n", cpu, shares, flagged,
            n);
    assert_int_equal(n, 2);
    assert_int_equal(flagged, n);
}

static void test_quiet_machine_not_flagged(void **state)
{
    (void)state;
    int ncpus;
    if (first_cpu(&ncpus) < 0 || ncpus < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        fprintf(stderr, "skipped: needs 2 CPUs\n");
        skip();
    }
    double idle = idle_share(1000), load = loadavg1();
    if (idle < 0.9 || load >= 1.0) {
        fprintf(stderr,
                "skipped: the machine is not quiet (idle %.0f %% over 1 s, load average %.2f): "
                "no quiet baseline to check\n",
                100 * idle, load);
        skip();
    }
    int n = 0;
    char shares[512];
    int flagged = sweep_contended(tu_path("quiet"), &n, shares, sizeof shares);
    double after = idle_share(500);
    fprintf(stderr,
            "quiet: cpu_share %s, %d of %d rows contended (idle %.0f %% before, %.0f %% "
            "after)\n",
            shares, flagged, n, 100 * idle, 100 * after);
    if (flagged && after < 0.9) {
        fprintf(stderr, "skipped: the machine became busy during the baseline\n");
        skip();
    }
    assert_int_equal(flagged, 0);
}

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiet_machine_not_flagged),
        cmocka_unit_test(test_busy_cpu_flags_rows),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
