/*
 * tests/check_sweep.c - "vsched sweep" and "vsched compare" through the
 * built binary: grid expansion order, --set / --vms / --ratio / --variant
 * errors (exit 2, before any simulation), byte-identical output for any
 * --jobs, --resume (a partial file continued equals a full run), SIGINT
 * (exit 130, finished rows saved, resumable), and compare's statistics on
 * synthetic rows with hand-computed means, standard deviations, paired
 * confidence intervals and significance.
 *
 * The scenarios are tiny (4 host CPUs, two 4-vCPU VMs, 10-30 ms) so that
 * the whole suite takes a few seconds.
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <jansson.h>

#include "vsched/policy.h"
#include "vsched/rows.h"

#include "testutil.h"

#ifndef VSCHED_CLI
#error "VSCHED_CLI must be defined by the build"
#endif

static const char tiny_json[] =
    "{\"version\": 1, \"name\": \"tiny\", \"seed\": 1, \"duration_ms\": 30,"
    " \"host\": {\"cpus\": 4},"
    " \"vms\": [{\"name\": \"a\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}},"
    "          {\"name\": \"b\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}}]}\n";

/* A temporary directory holding tiny.json. */
struct fixture {
    char *dir;
    char *tiny;                   /* path of tiny.json */
};

static void fx_init(struct fixture *fx)
{
    fx->dir = tu_mkdtemp();
    ck_assert_ptr_nonnull(fx->dir);
    fx->tiny = g_build_filename(fx->dir, "tiny.json", NULL);
    ck_assert(g_file_set_contents(fx->tiny, tiny_json, -1, NULL));
}

static void fx_clear(struct fixture *fx)
{
    tu_rmdir(fx->dir);
    g_free(fx->dir);
    g_free(fx->tiny);
}

static char *fx_path(const struct fixture *fx, const char *name)
{
    return g_build_filename(fx->dir, name, NULL);
}

/* Run vsched with the NULL-terminated @args in the source directory. */
static void run(struct tu_proc *p, const char *const *args)
{
    const char *argv[64] = {VSCHED_CLI};
    unsigned int n = 1;

    for (; args[n - 1]; n++) {
        ck_assert(n < G_N_ELEMENTS(argv) - 1);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    ck_assert_msg(tu_run(argv, VSCHED_SOURCE_DIR, p), "cannot start %s", VSCHED_CLI);
}

#define RUN(p, ...) run((p), (const char *const[]){__VA_ARGS__, NULL})

/* Lines of the --dry-run listing without header and summary. */
static char **dry_run_lines(const char *out)
{
    char **lines = g_strsplit(out, "\n", -1);
    GPtrArray *keep = g_ptr_array_new();

    for (unsigned int i = 1; lines[i]; i++)
        if (lines[i][0] && lines[i][0] != '#')
            g_ptr_array_add(keep, g_strdup(lines[i]));
    g_ptr_array_add(keep, NULL);
    g_strfreev(lines);
    return (char **)g_ptr_array_free(keep, FALSE);
}

/* ------------------------------------------------------------------------ */
/* the grid                                                                 */

/* Outermost to innermost: --vms, each --set in order, variants, seeds. */
START_TEST(test_grid_order)
{
    struct fixture fx;
    struct tu_proc p;
    char **lines;
    unsigned int i = 0;
    static const char *const vms[] = {"1", "2"}, *const apicv[] = {"off", "on"};
    static const char *const vars[] = {"a", "b"};
    static const char *const seeds[] = {"5", "3"};

    fx_init(&fx);
    RUN(&p, "sweep", fx.tiny, "--dry-run", "--vms", "1,2", "--set", "kvm.apicv=off,on",
        "--set", "vms[1].workload.cs_us=1", "--variant", "a=yield_to:forfeit", "--variant", "b=",
        "--seed-list", "5,3");
    ck_assert_msg(p.status == 0, "%s", p.err);
    lines = dry_run_lines(p.out);
    ck_assert_uint_eq(g_strv_length(lines), 16);
    for (unsigned int v = 0; v < 2; v++)
        for (unsigned int a = 0; a < 2; a++)
            for (unsigned int k = 0; k < 2; k++)
                for (unsigned int s = 0; s < 2; s++, i++) {
                    char **f = g_strsplit(lines[i], "\t", -1);
                    char *point = g_strdup_printf("vms=%s, kvm.apicv=%s, vms[1].workload.cs_us=1",
                                                  vms[v], apicv[a]);
                    char *set = g_strdup_printf("kvm.apicv=%s;vms[1].workload.cs_us=1", apicv[a]);
                    char *idx = g_strdup_printf("%u", i + 1);

                    ck_assert_uint_eq(g_strv_length(f), 6);
                    ck_assert_str_eq(f[0], idx);
                    ck_assert_str_eq(f[1], point);
                    ck_assert_str_eq(f[2], vars[k]);
                    ck_assert_str_eq(f[3], seeds[s]);
                    ck_assert_str_eq(f[5], set);
                    g_strfreev(f);
                    g_free(point);
                    g_free(set);
                    g_free(idx);
                }
    /* The hash is the configuration's: equal across seeds, not across variants. */
    {
        char **f0 = g_strsplit(lines[0], "\t", -1), **f1 = g_strsplit(lines[1], "\t", -1);
        char **f2 = g_strsplit(lines[2], "\t", -1);

        ck_assert_str_eq(f0[4], f1[4]);
        ck_assert_str_ne(f0[4], f2[4]);
        g_strfreev(f0);
        g_strfreev(f1);
        g_strfreev(f2);
    }
    g_strfreev(lines);
    tu_proc_clear(&p);
    fx_clear(&fx);
}
END_TEST

/* --policies all: mainline, then every other yield_to policy, then every
 * other directed_yield policy, in registry order; --variant after them;
 * --seeds N counts from the point's seed (here set by --set). */
START_TEST(test_policies_all_and_seeds)
{
    struct fixture fx;
    struct tu_proc p;
    char **lines;
    GPtrArray *want = g_ptr_array_new();
    unsigned int i = 0;

    fx_init(&fx);
    g_ptr_array_add(want, "mainline");
    for (unsigned int k = 1; yield_to_policies[k]; k++)
        g_ptr_array_add(want, (gpointer)yield_to_policies[k]->name);
    for (unsigned int k = 1; dy_policies[k]; k++)
        g_ptr_array_add(want, (gpointer)dy_policies[k]->name);
    g_ptr_array_add(want, "mine");
    RUN(&p, "sweep", fx.tiny, "--dry-run", "--policies", "all", "--variant",
        "mine=yield_to:deboost-v2,directed_yield:ipi-aware-v3,vcpu_debooster_enabled:0",
        "--set", "seed=7", "--seeds", "3");
    ck_assert_msg(p.status == 0, "%s", p.err);
    lines = dry_run_lines(p.out);
    ck_assert_uint_eq(g_strv_length(lines), want->len * 3);
    for (unsigned int v = 0; v < want->len; v++)
        for (unsigned int s = 0; s < 3; s++, i++) {
            char **f = g_strsplit(lines[i], "\t", -1);
            char *seed = g_strdup_printf("%u", 7 + s);

            ck_assert_str_eq(f[1], "seed=7");
            ck_assert_str_eq(f[2], want->pdata[v]);
            ck_assert_str_eq(f[3], seed);
            g_strfreev(f);
            g_free(seed);
        }
    g_strfreev(lines);
    tu_proc_clear(&p);
    g_ptr_array_free(want, TRUE);
    fx_clear(&fx);
}
END_TEST

/* Bad grids: exit 2 with a message naming the option, the path and the
 * grid point, before any simulation (no output file appears). */
static const struct {
    const char *args[8];
    const char *want[3];
} bad_grids[] = {
    {{"--set", "vms[x]=1"}, {"--set vms[x]", "not a scenario path"}},
    {{"--set", "vms[5].count=1"}, {"grid point 1 of 1", "vms[5]", "2 entries"}},
    {{"--set", "kvm.apicv=off,bogus"}, {"grid point 2 of 2", "kvm.apicv=bogus", "\"bogus\""}},
    {{"--vms", "1,2", "--set", "host.cpus=4,0"}, {"grid point 2 of 4", "vms=1, host.cpus=0", "host.cpus"}},
    {{"--set", "host.cpus.x=1"}, {"--set host.cpus.x", "host.cpus is a number"}},
    {{"--set", "=1"}, {"--set", "PATH=VALUE"}},
    {{"--set", "kvm.apicv="}, {"--set kvm.apicv", "empty value"}},
    {{"--set", "kvm.apicv=on", "--set", "kvm.apicv=off"}, {"kvm.apicv", "twice"}},
    {{"--ratio", "1.5"}, {"--ratio 1.5", "6 vCPUs", "whole"}},
    {{"--ratio", "0"}, {"--ratio", "ratios > 0"}},
    {{"--vms", "0"}, {"--vms", "from 1"}},
    {{"--vms", "1", "--ratio", "2"}, {"--vms and --ratio"}},
    {{"--vms", "1,2", "--set", "vms[0].count=3"}, {"vms[0].count", "conflicts", "--vms"}},
    {{"--variant", "x=yield_to:nope"}, {"variant x", "\"nope\"", "deboost-v2"}},
    {{"--variant", "x=frob"}, {"--variant x", "KEY:VALUE"}},
    {{"--variant", "a=", "--variant", "a=yield_to:buddy"}, {"\"a\"", "twice"}},
    {{"--variant", "=yield_to:buddy"}, {"--variant", "NAME="}},
    {{"--policies", "nope"}, {"--policies", "\"nope\""}},
    {{"--seeds", "2", "--seed-list", "1"}, {"--seeds", "--seed-list"}},
    {{"--seed-list", "1,x"}, {"--seed-list", "\"x\""}},
    {{"--seed-list", "4,4"}, {"--seed-list", "twice"}},
    {{"--jobs", "0"}, {"--jobs"}},
    {{"--duration-ms", "-5"}, {"--duration-ms"}},
};

START_TEST(test_bad_grid)
{
    struct fixture fx;
    struct tu_proc p;
    const char *argv[20] = {"sweep"};
    unsigned int n = 1;
    char *out;

    fx_init(&fx);
    out = fx_path(&fx, "o");
    argv[n++] = fx.tiny;
    argv[n++] = "--out";
    argv[n++] = out;
    argv[n++] = "--duration-ms";
    argv[n++] = "10";
    for (unsigned int i = 0; bad_grids[_i].args[i]; i++)
        argv[n++] = bad_grids[_i].args[i];
    argv[n] = NULL;
    run(&p, argv);
    ck_assert_msg(p.status == 2, "case %d: status %d, %s", _i, p.status, p.err);
    ck_assert_msg(g_str_has_prefix(p.err, "vsched: "), "%s", p.err);
    for (unsigned int k = 0; k < 3 && bad_grids[_i].want[k]; k++)
        ck_assert_msg(strstr(p.err, bad_grids[_i].want[k]) != NULL, "case %d: \"%s\" not in %s",
                      _i, bad_grids[_i].want[k], p.err);
    ck_assert_int_eq(tu_count_entries(fx.dir), 1); /* only tiny.json: nothing ran */
    tu_proc_clear(&p);
    g_free(out);
    fx_clear(&fx);
}
END_TEST

START_TEST(test_bad_usage)
{
    struct tu_proc p;

    RUN(&p, "sweep", "--resume");
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--resume needs --out"));
    tu_proc_clear(&p);

    RUN(&p, "sweep", "scenarios/two-groups.json", "--vms", "2");
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "no VMs"));
    tu_proc_clear(&p);

    RUN(&p, "sweep", "does-not-exist.json");
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "does-not-exist.json"));
    tu_proc_clear(&p);

    RUN(&p, "sweep", "--help");
    ck_assert_int_eq(p.status, 0);
    ck_assert_ptr_nonnull(strstr(p.out, "vms[0]"));
    ck_assert_ptr_nonnull(strstr(p.out, "--resume"));
    tu_proc_clear(&p);

    RUN(&p, "--help");
    ck_assert_ptr_nonnull(strstr(p.out, "sweep"));
    ck_assert_ptr_nonnull(strstr(p.out, "compare"));
    ck_assert_ptr_nonnull(strstr(p.out, "regress"));
    tu_proc_clear(&p);
}
END_TEST

/* --vms and --ratio as they end up in the rows. */
START_TEST(test_overcommit_columns)
{
    struct fixture fx;
    struct tu_proc p;
    struct row_table *t;
    GError *err = NULL;

    fx_init(&fx);
    RUN(&p, "sweep", fx.tiny, "--ratio", "2,3", "--duration-ms", "5", "--jobs", "2");
    ck_assert_msg(p.status == 0, "%s", p.err);
    t = rows_parse(p.out, "stdout", &err);
    ck_assert_msg(t != NULL, "%s", err ? err->message : "");
    ck_assert_uint_eq(t->nr_rows, 2);
    ck_assert_uint_eq(t->rows[0].nr_vms, 2);
    ck_assert_uint_eq(t->rows[0].vcpus_total, 8);
    ck_assert_double_eq(t->rows[0].overcommit, 2.0);
    ck_assert_uint_eq(t->rows[1].nr_vms, 3);
    ck_assert_uint_eq(t->rows[1].vcpus_total, 12);
    ck_assert_double_eq(t->rows[1].overcommit, 3.0);
    ck_assert_str_eq(t->rows[0].variant, "scenario");
    ck_assert_str_eq(t->rows[0].set, "");
    ck_assert(!row_has(&t->rows[0], ROW_WALL_S));
    row_table_free(t);
    tu_proc_clear(&p);

    RUN(&p, "sweep", fx.tiny, "--vms", "3", "--set", "host.cpus=2,8", "--duration-ms", "5",
        "--wall");
    ck_assert_msg(p.status == 0, "%s", p.err);
    t = rows_parse(p.out, "stdout", &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->nr_rows, 2);
    ck_assert_uint_eq(t->rows[0].nr_vms, 4); /* 3 replicas of vms[0] + vms[1] */
    ck_assert_uint_eq(t->rows[0].host_cpus, 2);
    ck_assert_double_eq(t->rows[0].overcommit, 8.0);
    ck_assert_double_eq(t->rows[1].overcommit, 2.0);
    ck_assert_str_eq(t->rows[1].set, "host.cpus=8");
    ck_assert(row_has(&t->rows[0], ROW_WALL_S));
    row_table_free(t);
    tu_proc_clear(&p);
    fx_clear(&fx);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* determinism, resume, interrupt                                           */

#define GRID "--vms", "1,2", "--variant", "m=yield_to:mainline", "--variant", \
             "d=yield_to:deboost-v2,directed_yield:ipi-aware", "--seeds", "2", "--duration-ms", "30"

START_TEST(test_jobs_identical)
{
    struct fixture fx;
    struct tu_proc p;
    char *o1 = NULL, *o2 = NULL, *a, *b, *c, *d;

    fx_init(&fx);
    o1 = fx_path(&fx, "j1");
    o2 = fx_path(&fx, "j2");
    RUN(&p, "sweep", fx.tiny, GRID, "--jobs", "1", "--out", o1);
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_str_eq(p.out, "");
    ck_assert_str_eq(p.err, ""); /* no progress bar: stderr is not a terminal */
    tu_proc_clear(&p);
    RUN(&p, "sweep", fx.tiny, GRID, "--jobs", "2", "--out", o2);
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);
    ck_assert_int_eq(tu_count_entries(fx.dir), 5); /* tiny + 2 x (tsv, json): no temporaries */

    a = g_strconcat(o1, ".tsv", NULL);
    b = g_strconcat(o2, ".tsv", NULL);
    c = tu_read_file(a);
    d = tu_read_file(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c, d);
    {
        char **lines = g_strsplit(c, "\n", -1);

        ck_assert_uint_eq(g_strv_length(lines), 10); /* header, 8 rows, "" */
        g_strfreev(lines);
    }
    /* stdout without --out is the same text */
    RUN(&p, "sweep", fx.tiny, GRID, "--jobs", "2");
    ck_assert_str_eq(p.out, c);
    tu_proc_clear(&p);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);

    a = g_strconcat(o1, ".json", NULL);
    b = g_strconcat(o2, ".json", NULL);
    c = tu_read_file(a);
    d = tu_read_file(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c, d);
    RUN(&p, "sweep", fx.tiny, GRID, "--jobs", "2", "--format", "json");
    ck_assert_str_eq(p.out, c);
    tu_proc_clear(&p);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
    g_free(o1);
    g_free(o2);
    fx_clear(&fx);
}
END_TEST

/* The header and the data lines of a TSV file. */
static char **tsv_lines(const char *path)
{
    char *text = tu_read_file(path);
    char **lines;

    ck_assert_msg(text != NULL, "cannot read %s", path);
    lines = g_strsplit(text, "\n", -1);
    g_free(text);
    return lines;
}

START_TEST(test_resume)
{
    struct fixture fx;
    struct tu_proc p;
    char *full = NULL, *part = NULL, *full_tsv, *part_tsv, *full_json, *part_json;
    char **lines, *text, *want, *got;

    fx_init(&fx);
    full = fx_path(&fx, "full");
    part = fx_path(&fx, "part");
    full_tsv = g_strconcat(full, ".tsv", NULL);
    part_tsv = g_strconcat(part, ".tsv", NULL);
    full_json = g_strconcat(full, ".json", NULL);
    part_json = g_strconcat(part, ".json", NULL);
    RUN(&p, "sweep", fx.tiny, GRID, "--out", full);
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);

    /* A partial file: the header, rows 5 and 2 (out of order), as an
     * interrupted sweep with other finished runs could not have written, but
     * --resume must not care. */
    lines = tsv_lines(full_tsv);
    ck_assert_uint_eq(g_strv_length(lines), 10);
    text = g_strjoin("\n", lines[0], lines[5], lines[2], "", NULL);
    ck_assert(g_file_set_contents(part_tsv, text, -1, NULL));
    g_free(text);
    RUN(&p, "sweep", fx.tiny, GRID, "--out", part, "--resume");
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_msg(strstr(p.err, "2 of 8 runs already in") != NULL, "%s", p.err);
    tu_proc_clear(&p);
    want = tu_read_file(full_tsv);
    got = tu_read_file(part_tsv);
    ck_assert_str_eq(got, want);
    g_free(want);
    g_free(got);
    want = tu_read_file(full_json);
    got = tu_read_file(part_json);
    ck_assert_str_eq(got, want);
    g_free(want);
    g_free(got);

    /* Resuming a finished sweep runs nothing and changes nothing. */
    RUN(&p, "sweep", fx.tiny, GRID, "--out", part, "--resume");
    ck_assert_int_eq(p.status, 0);
    ck_assert_msg(strstr(p.err, "8 of 8 runs already in") != NULL, "%s", p.err);
    tu_proc_clear(&p);
    want = tu_read_file(full_tsv);
    got = tu_read_file(part_tsv);
    ck_assert_str_eq(got, want);
    g_free(want);
    g_free(got);

    /* A row that is not part of the grid is kept, after the grid's rows. */
    {
        char **f = g_strsplit(lines[1], "\t", -1);
        char *foreign, *joined;

        g_free(f[ROW_VARIANT]);
        f[ROW_VARIANT] = g_strdup("zzz");
        foreign = g_strjoinv("\t", f);
        joined = g_strjoin("\n", lines[0], foreign, lines[3], "", NULL);
        ck_assert(g_file_set_contents(part_tsv, joined, -1, NULL));
        RUN(&p, "sweep", fx.tiny, GRID, "--out", part, "--resume");
        ck_assert_int_eq(p.status, 0);
        ck_assert_msg(strstr(p.err, "not part of this grid") != NULL, "%s", p.err);
        tu_proc_clear(&p);
        got = tu_read_file(full_tsv);
        want = g_strconcat(got, foreign, "\n", NULL);
        g_free(got);
        got = tu_read_file(part_tsv);
        ck_assert_str_eq(got, want);
        g_free(got);
        g_free(want);
        g_free(foreign);
        g_free(joined);
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(full_tsv);
    g_free(part_tsv);
    g_free(full_json);
    g_free(part_json);
    g_free(full);
    g_free(part);
    fx_clear(&fx);
}
END_TEST

/* SIGINT: exit 130, the finished rows are saved, --resume completes them. */
START_TEST(test_sigint)
{
    struct fixture fx;
    struct tu_proc p;
    char *full, *intr, *intr_tsv, *want, *got;
    const char *argv[32] = {VSCHED_CLI, "sweep"};
    GError *err = NULL;
    GPid pid;
    int status = 0, n = 2;
    struct row_table *t;

    fx_init(&fx);
    full = fx_path(&fx, "full");
    intr = fx_path(&fx, "intr");
    intr_tsv = g_strconcat(intr, ".tsv", NULL);
    argv[n++] = fx.tiny;
    argv[n++] = "--seeds";
    argv[n++] = "60";
    argv[n++] = "--duration-ms";
    argv[n++] = "30";
    argv[n++] = "--jobs";
    argv[n++] = "1";
    argv[n++] = "--out";
    argv[n++] = intr;
    argv[n] = NULL;
    ck_assert_msg(g_spawn_async(VSCHED_SOURCE_DIR, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &pid, &err),
                  "%s", err ? err->message : "");
    /* The file appears when the first run has finished (the handler is in place). */
    for (int i = 0; i < 20000 && !g_file_test(intr_tsv, G_FILE_TEST_EXISTS); i++)
        g_usleep(1000);
    ck_assert(g_file_test(intr_tsv, G_FILE_TEST_EXISTS));
    kill(pid, SIGINT);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    g_spawn_close_pid(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status 0x%x", status);
    t = rows_read_file(intr_tsv, &err);
    ck_assert_msg(t != NULL, "%s", err ? err->message : "");
    ck_assert_msg(t->nr_rows >= 1 && t->nr_rows < 60, "%u rows", t->nr_rows);
    row_table_free(t);

    RUN(&p, "sweep", fx.tiny, "--seeds", "60", "--duration-ms", "30", "--out", intr, "--resume");
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);
    RUN(&p, "sweep", fx.tiny, "--seeds", "60", "--duration-ms", "30", "--out", full);
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);
    want = g_strconcat(full, ".tsv", NULL);
    got = tu_read_file(want);
    g_free(want);
    want = tu_read_file(intr_tsv);
    ck_assert_str_eq(got, want);
    g_free(want);
    g_free(got);
    g_free(intr_tsv);
    g_free(intr);
    g_free(full);
    fx_clear(&fx);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* compare                                                                  */

/*
 * Group (s, "", 2.0000): base seeds 1-4, v seeds 1-4, w seeds 1, 2, 3, 5.
 *   ops_per_s  base 100 110 120 130, v 104 113 125 133 -> d = 4 3 5 3:
 *              n 4, means 115 / 118.75, sd 12.909944 / 12.816006,
 *              dbar 3.75, s_d 0.957427, t(3) 3.1824,
 *              CI 3.75 +- 3.1824 x 0.957427 / 2 = [2.226542, 5.273458]: significant;
 *              change 3.75 / 115 = +3.2609 %.
 *              w 101 108 121 on seeds 1-3 -> d = 1 -2 1: n 3, dbar 0, s_d sqrt 3,
 *              CI 0 +- 4.3027: not significant; seed 5 (no baseline) and 4 (no w) unpaired.
 *   jain_vms   base 0.9 0.8 - 0.7 (seed 3 missing), v 0.95 0.85 0.99 0.75:
 *              n 3, d = 0.05 each: s_d 0, CI [0.05, 0.05]: significant; change +6.25 %.
 * Group (s, "x=1", 2.0000): only v: no baseline.
 */
static const char synthetic_tsv[] = "# synthetic rows\n"
                                    "scenario\tset\tovercommit\tvariant\tseed\tops_per_s\tjain_vms\n"
                                    "s\t\t2.0000\tbase\t1\t100\t0.9\n"
                                    "s\t\t2.0000\tbase\t2\t110\t0.8\n"
                                    "s\t\t2.0000\tbase\t3\t120\t\n"
                                    "s\t\t2.0000\tbase\t4\t130\t0.7\n"
                                    "s\t\t2.0000\tv\t1\t104\t0.95\n"
                                    "s\t\t2.0000\tv\t2\t113\t0.85\n"
                                    "s\t\t2.0000\tv\t3\t125\t0.99\n"
                                    "s\t\t2.0000\tv\t4\t133\t0.75\n"
                                    "s\t\t2.0000\tw\t1\t101\t0.9\n"
                                    "s\t\t2.0000\tw\t2\t108\t0.8\n"
                                    "s\t\t2.0000\tw\t3\t121\t0.9\n"
                                    "s\t\t2.0000\tw\t5\t999\t0.9\n"
                                    "s\tx=1\t2.0000\tv\t1\t1\t1\n";

static double jget(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    ck_assert_msg(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

static json_t *find_cmp(json_t *cmps, const char *variant, const char *metric)
{
    for (size_t i = 0; i < json_array_size(cmps); i++) {
        json_t *c = json_array_get(cmps, i);

        if (!strcmp(json_string_value(json_object_get(c, "variant")), variant) &&
            !strcmp(json_string_value(json_object_get(c, "metric")), metric))
            return c;
    }
    ck_abort_msg("no comparison %s / %s", variant, metric);
    return NULL;
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-5, "%.9g != %.9g", (double)(a), (double)(b))

static void check_synthetic_json(const char *out)
{
    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr), *groups, *g, *cmps, *c, *un;

    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "baseline")), "base");
    groups = json_object_get(root, "groups");
    ck_assert_uint_eq(json_array_size(groups), 2);
    g = json_array_get(groups, 0);
    ck_assert_str_eq(json_string_value(json_object_get(g, "scenario")), "s");
    ck_assert_str_eq(json_string_value(json_object_get(g, "set")), "");
    NEAR(jget(g, "overcommit"), 2.0);
    ck_assert(json_is_true(json_object_get(g, "has_baseline")));
    cmps = json_object_get(g, "comparisons");
    ck_assert_uint_eq(json_array_size(cmps), 4);

    c = find_cmp(cmps, "v", "ops_per_s");
    ck_assert_int_eq(json_integer_value(json_object_get(c, "n")), 4);
    NEAR(jget(c, "baseline_mean"), 115.0);
    NEAR(jget(c, "baseline_sd"), 12.9099445);
    NEAR(jget(c, "mean"), 118.75);
    NEAR(jget(c, "sd"), 12.8160056);
    NEAR(jget(c, "rel_change"), 3.75 / 115.0);
    NEAR(jget(c, "diff_mean"), 3.75);
    NEAR(jget(c, "diff_sd"), 0.9574271);
    NEAR(jget(c, "t"), 3.1824);
    NEAR(jget(c, "ci_lo"), 2.2265420);
    NEAR(jget(c, "ci_hi"), 5.2734580);
    ck_assert(json_is_true(json_object_get(c, "significant")));
    ck_assert_str_eq(json_string_value(json_object_get(c, "unit")), "ops/s");

    c = find_cmp(cmps, "w", "ops_per_s");
    ck_assert_int_eq(json_integer_value(json_object_get(c, "n")), 3);
    NEAR(jget(c, "baseline_mean"), 110.0);
    NEAR(jget(c, "baseline_sd"), 10.0);
    NEAR(jget(c, "mean"), 110.0);
    NEAR(jget(c, "sd"), sqrt(103.0));
    NEAR(jget(c, "rel_change"), 0.0);
    NEAR(jget(c, "diff_mean"), 0.0);
    NEAR(jget(c, "diff_sd"), sqrt(3.0));
    NEAR(jget(c, "t"), 4.3027);
    NEAR(jget(c, "ci_lo"), -4.3027);
    NEAR(jget(c, "ci_hi"), 4.3027);
    ck_assert(json_is_false(json_object_get(c, "significant")));

    c = find_cmp(cmps, "v", "jain_vms");
    ck_assert_int_eq(json_integer_value(json_object_get(c, "n")), 3);
    NEAR(jget(c, "baseline_mean"), 0.8);
    NEAR(jget(c, "mean"), 0.85);
    NEAR(jget(c, "rel_change"), 0.0625);
    NEAR(jget(c, "diff_sd"), 0.0);
    NEAR(jget(c, "ci_lo"), 0.05);
    NEAR(jget(c, "ci_hi"), 0.05);
    ck_assert(json_is_true(json_object_get(c, "significant")));

    c = find_cmp(cmps, "w", "jain_vms"); /* seeds 1, 2: d = 0, 0 */
    ck_assert_int_eq(json_integer_value(json_object_get(c, "n")), 2);
    NEAR(jget(c, "t"), 12.7062);
    NEAR(jget(c, "ci_lo"), 0.0);
    ck_assert(json_is_false(json_object_get(c, "significant")));

    un = json_object_get(g, "unpaired");
    ck_assert_uint_eq(json_array_size(un), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(un, 0), "variant")), "w");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(un, 0), "seed")), 5);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(un, 0), "missing_in")),
                     "baseline");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(un, 1), "seed")), 4);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(un, 1), "missing_in")),
                     "variant");

    g = json_array_get(groups, 1);
    ck_assert_str_eq(json_string_value(json_object_get(g, "set")), "x=1");
    ck_assert(json_is_false(json_object_get(g, "has_baseline")));
    ck_assert_uint_eq(json_array_size(json_object_get(g, "comparisons")), 0);
    json_decref(root);
}

START_TEST(test_compare_statistics)
{
    struct fixture fx;
    struct tu_proc p;
    char *tsv, *json;
    struct row_table *t;
    GError *err = NULL;

    fx_init(&fx);
    tsv = fx_path(&fx, "syn.tsv");
    json = fx_path(&fx, "syn.json");
    ck_assert(g_file_set_contents(tsv, synthetic_tsv, -1, NULL));
    /* The same rows as a JSON row file. */
    t = rows_read_file(tsv, &err);
    ck_assert_msg(t != NULL, "%s", err ? err->message : "");
    {
        char *text = rows_render_json(t->rows, t->nr_rows);

        ck_assert(g_file_set_contents(json, text, -1, NULL));
        g_free(text);
    }
    row_table_free(t);

    /* Default baseline: no "mainline" rows, so the first row's variant. */
    RUN(&p, "compare", tsv, "--metric", "ops_per_s", "--metric", "jain_vms", "--format", "json");
    ck_assert_msg(p.status == 0, "%s", p.err);
    check_synthetic_json(p.out);
    tu_proc_clear(&p);
    RUN(&p, "compare", json, "--baseline", "base", "-m", "ops_per_s,jain_vms", "-f", "json");
    ck_assert_msg(p.status == 0, "%s", p.err);
    check_synthetic_json(p.out);
    tu_proc_clear(&p);

    /* The table: units, change, CI at the column's decimals, the star. */
    RUN(&p, "compare", tsv, "--metric", "ops_per_s,jain_vms");
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "ops_per_s (ops/s)"));
    ck_assert_ptr_nonnull(strstr(p.out, "jain_vms (index)"));
    ck_assert_ptr_nonnull(strstr(p.out, "+3.26%"));
    ck_assert_ptr_nonnull(strstr(p.out, "[+2.227, +5.273]  *\n"));
    ck_assert_ptr_nonnull(strstr(p.out, "[-4.303, +4.303]\n"));
    ck_assert_ptr_nonnull(strstr(p.out, "+6.25%  [+0.050000, +0.050000]  *\n"));
    ck_assert_ptr_nonnull(strstr(p.out, "  w        3   110.000  10.000  110.000  10.149  +0.00%"));
    ck_assert_ptr_nonnull(strstr(p.out, "w seeds 5 have no baseline row; baseline seeds 4 have no w row"));
    ck_assert_ptr_nonnull(strstr(p.out, "no rows of the baseline \"base\" here: skipped"));
    tu_proc_clear(&p);

    /* TSV: one line per (group, variant, metric) with a baseline. */
    RUN(&p, "compare", tsv, "--metric", "ops_per_s,jain_vms", "--format", "tsv");
    ck_assert_msg(p.status == 0, "%s", p.err);
    {
        char **lines = g_strsplit(p.out, "\n", -1);

        ck_assert_uint_eq(g_strv_length(lines), 6); /* header, 4 lines, "" */
        ck_assert(g_str_has_prefix(lines[1], "s\t\t2.0000\tv\tbase\tops_per_s\tops/s\t4\t115\t"));
        ck_assert(g_str_has_suffix(lines[1], "\t1"));
        ck_assert(g_str_has_suffix(lines[3], "\t0"));
        g_strfreev(lines);
    }
    tu_proc_clear(&p);

    /* Default metrics: jain_vms, ops_per_s ... the columns the file lacks give n = 0. */
    RUN(&p, "compare", tsv, "--baseline", "base", "--format", "json");
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "\"lock_wait_p99_us\""));
    tu_proc_clear(&p);

    /* Errors: duplicates, unknown metric or baseline, bad file. */
    RUN(&p, "compare", tsv, json);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "two rows") && strstr(p.err, "syn.tsv:3") &&
                      strstr(p.err, "syn.json: rows[0]"),
                  "%s", p.err);
    tu_proc_clear(&p);
    RUN(&p, "compare", tsv, "--metric", "ops_per_s,frobs");
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "\"frobs\""));
    tu_proc_clear(&p);
    RUN(&p, "compare", tsv, "--metric", "wall_s");
    ck_assert_int_eq(p.status, 2);
    tu_proc_clear(&p);
    RUN(&p, "compare", tsv, "--baseline", "nope");
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "\"base\", \"v\", \"w\""));
    tu_proc_clear(&p);
    RUN(&p, "compare", fx.tiny);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "tiny.json"));
    tu_proc_clear(&p);
    RUN(&p, "compare");
    ck_assert_int_eq(p.status, 2);
    tu_proc_clear(&p);

    g_free(tsv);
    g_free(json);
    fx_clear(&fx);
}
END_TEST

/* compare reads what sweep writes; identical variants are never significant. */
START_TEST(test_compare_sweep_output)
{
    struct fixture fx;
    struct tu_proc p;
    char *o, *tsv;

    fx_init(&fx);
    o = fx_path(&fx, "s");
    tsv = g_strconcat(o, ".tsv", NULL);
    RUN(&p, "sweep", fx.tiny, "--variant", "mainline=yield_to:mainline", "--variant",
        "same=yield_to:mainline", "--seeds", "3", "--duration-ms", "10", "--out", o);
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);
    RUN(&p, "compare", tsv, "--format", "tsv");
    ck_assert_msg(p.status == 0, "%s", p.err);
    {
        char **lines = g_strsplit(p.out, "\n", -1);

        ck_assert_uint_eq(g_strv_length(lines), 11); /* header, 9 default metrics, "" */
        for (unsigned int i = 1; i < 10; i++) {
            ck_assert_msg(g_str_has_prefix(lines[i], "tiny\t\t2.0000\tsame\tmainline\t"), "%s",
                          lines[i]);
            ck_assert_msg(g_str_has_suffix(lines[i], "\t0"), "%s", lines[i]);
        }
        g_strfreev(lines);
    }
    tu_proc_clear(&p);
    g_free(tsv);
    g_free(o);
    fx_clear(&fx);
}
END_TEST

static Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("sweep");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_grid_order);
    tcase_add_test(tc, test_policies_all_and_seeds);
    tcase_add_loop_test(tc, test_bad_grid, 0, G_N_ELEMENTS(bad_grids));
    tcase_add_test(tc, test_bad_usage);
    tcase_add_test(tc, test_overcommit_columns);
    tcase_add_test(tc, test_jobs_identical);
    tcase_add_test(tc, test_resume);
    tcase_add_test(tc, test_sigint);
    tcase_add_test(tc, test_compare_statistics);
    tcase_add_test(tc, test_compare_sweep_output);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sweep_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
