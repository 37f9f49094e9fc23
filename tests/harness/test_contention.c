/* Contention detection (issue 12 item 1): a 2-thread sweep of the built-in selftest (CPU-bound
 * workers pinned to the first two CPUs) while a spinning process holds the first CPU must flag
 * its rows contended; the same sweep on a quiet machine must not. The quiet half needs a quiet
 * machine: when /proc/stat shows the CPUs busy before or after the run, it is skipped with a
 * message. No test asserts a timing. */
#include "harness_test_util.h"

#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
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

/* CPU seconds used by every process (/proc/stat: all but idle and iowait), -1 if unreadable */
static double machine_cpu_seconds(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return -1;
    unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds used by our waited-for children (the pmlab run and its trial children) */
static double children_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return -1;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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
    double idle = idle_share(1000);
    if (idle < 0.9) {
        fprintf(stderr,
                "skipped: the machine is not quiet (idle %.0f %% over 1 s): no quiet baseline to "
                "check\n",
                100 * idle);
        skip();
    }
    int n = 0;
    char shares[512];
    /* what other processes used during the sweep itself: the machine's busy CPU time minus our
     * children's (a transient load between the checks before and after would otherwise make
     * this half depend on the machine's noise) */
    double m0 = machine_cpu_seconds(), c0 = children_cpu_seconds(), w0 = wall_seconds();
    int flagged = sweep_contended(tu_path("quiet"), &n, shares, sizeof shares);
    double m1 = machine_cpu_seconds(), c1 = children_cpu_seconds(), w1 = wall_seconds();
    double others = (m1 - m0) - (c1 - c0), wall = w1 - w0;
    fprintf(stderr,
            "quiet: cpu_share %s, %d of %d rows contended (idle %.0f %% before; other processes "
            "used %.2f CPU-s in the %.2f s of the sweep)\n",
            shares, flagged, n, 100 * idle, others, wall);
    /* 0.85 is the threshold: a row can be flagged only if something else took >= 15 % of a
     * worker's CPU; stay well under that (/proc/stat counts in clock ticks) */
    if (flagged && (m0 < 0 || c0 < 0 || others > 0.05 * wall)) {
        fprintf(stderr, "skipped: other processes used the CPUs during the baseline\n");
        skip();
    }
    assert_int_equal(flagged, 0);
}

/* A worker that loses its CPU to a thread of its own process that is no worker (a backend's
 * call_rcu thread) is not contended: helper_cpu credits that wait (docs/harness.md). */
static void test_own_thread_not_contention(void **state)
{
    (void)state;
    double m0 = machine_cpu_seconds(), c0 = children_cpu_seconds(), w0 = wall_seconds();
    const char *a[] = {"run", "fake-helper", "--quiet", "--out", tu_path("helper"), NULL};
    assert_int_equal(tu_run(a), 0);
    double others = (machine_cpu_seconds() - m0) - (children_cpu_seconds() - c0);
    double wall = wall_seconds() - w0;
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", tu_path("helper"));
    int n = tu_count_lines(csv) - 1, flagged = 0;
    assert_true(n >= 1);
    for (int r = 0; r < n; r++) {
        double share = atof(tu_csv_cell(csv, r, "cpu_share"));
        double h = atof(tu_csv_cell(csv, r, "helper_cpu"));
        fprintf(stderr, "own thread: cpu_share %.4f, helper_cpu %.4f, contended %s\n", share, h,
                tu_csv_cell(csv, r, "contended"));
        /* the spinning thread did compete with the worker (else this test checks nothing) */
        assert_true(share < 0.85);
        assert_true(h > 0.15);
        flagged += !strcmp(tu_csv_cell(csv, r, "contended"), "1");
    }
    if (flagged && others > 0.05 * wall) {
        fprintf(stderr, "skipped: other processes used %.2f CPU-s during the run\n", others);
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
        cmocka_unit_test(test_own_thread_not_contention),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
