/*
 * tests/check_plot.c - "vsched plot": the aggregation of a result-row file
 * into means and sample standard deviations per (variant, overcommit),
 * checked against values computed by hand; the variant order; bad input;
 * the all-or-nothing outputs when gnuplot is missing or fails.
 *
 * Two CTests run this program: "plot" (no arguments: everything that needs
 * no gnuplot) and "plot-gnuplot" (argument "gnuplot": the images), which
 * exits with status 77 - reported by CTest as skipped, with a note on
 * stdout - when gnuplot or its pngcairo terminal is not installed.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "testutil.h"

#ifndef VSCHED_CLI
#error "VSCHED_CLI must be defined by the build"
#endif

/* The columns of docs/results-format.md, in order. */
static const char *const row_cols[] = {
    "scenario", "scenario_hash", "variant", "yield_to", "directed_yield", "set", "seed",
    "vsched_version", "host_cpus", "nr_vms", "vcpus_total", "overcommit", "sim_ms", "ops_per_s",
    "ops_per_s_per_vm", "jain_vms", "worst_vm_share_vs_entitlement", "jain_tasks", "spin_pct",
    "host_pct", "spin_total_pct", "ple_exits", "hlt_exits", "icr_exits", "eoi_exits", "on_spin_calls",
    "yield_to_calls", "yield_to_success", "ipi_lat_p50_us", "ipi_lat_p99_us", "lock_wait_p50_us",
    "lock_wait_p99_us", "lock_holder_preempted", "deboost_applied", "wall_s",
};

/* The synthetic runs: the plotted columns; "" = missing. */
struct syn {
    const char *variant, *overcommit, *ops, *jain, *worst, *yield, *ple, *ipi, *lock;
};

static const struct syn syn_rows[] = {
    /* mainline @1: ops 10 12 14 -> 12 +- 2; worst .5 .7 .9 -> .7 +- .2; yield 100 200 300
     * -> 200 +- 100; ple 1 2 3 -> 2 +- 1; ipi (missing) 4 6 -> 5 +- sqrt(2); lock only 7. */
    {"zeta", "2.000000", "3", "1", "1", "0", "0", "1", "1"},
    {"mainline", "1.000000", "12", "1", "0.7", "200", "2", "4", ""},
    {"alpha", "1.000000", "24", "0.5", "0.5", "10", "10", "2", "2"},
    {"mainline", "1.000000", "10", "1", "0.5", "100", "1", "", ""},
    {"mainline", "2.000000", "6", "1", "1", "0", "0", "1", "1"},
    {"alpha", "3.000000", "5", "0.5", "0.5", "10", "10", "2", "2"},
    {"mainline", "1.000000", "14", "1", "0.9", "300", "3", "6", "7"},
    {"zeta", "2.000000", "9", "1", "1", "0", "0", "1", "1"},
    {"alpha", "1.000000", "24", "0.5", "0.5", "10", "10", "2", "2"},
    {"mainline", "2.000000", "6", "1", "1", "0", "0", "1", "1"},
    {"alpha", "1.000000", "24", "0.5", "0.5", "10", "10", "2", "2"},
};

/* One line of the synthetic TSV for @s (seed @seed); @drop: a column left out. */
static void syn_line(GString *o, const struct syn *s, unsigned int seed, const char *drop)
{
    bool first = true;

    for (unsigned int c = 0; c < G_N_ELEMENTS(row_cols); c++) {
        const char *k = row_cols[c], *v = "";
        char buf[32];

        if (drop && strcmp(k, drop) == 0)
            continue;
        if (strcmp(k, "variant") == 0)
            v = s->variant;
        else if (strcmp(k, "overcommit") == 0)
            v = s->overcommit;
        else if (strcmp(k, "ops_per_s_per_vm") == 0)
            v = s->ops;
        else if (strcmp(k, "jain_vms") == 0)
            v = s->jain;
        else if (strcmp(k, "worst_vm_share_vs_entitlement") == 0)
            v = s->worst;
        else if (strcmp(k, "yield_to_calls") == 0)
            v = s->yield;
        else if (strcmp(k, "ple_exits") == 0)
            v = s->ple;
        else if (strcmp(k, "ipi_lat_p99_us") == 0)
            v = s->ipi;
        else if (strcmp(k, "lock_wait_p99_us") == 0)
            v = s->lock;
        else if (strcmp(k, "seed") == 0)
            v = (g_snprintf(buf, sizeof(buf), "%u", seed), buf);
        else if (strcmp(k, "scenario") == 0)
            v = "syn";
        g_string_append_printf(o, "%s%s", first ? "" : "\t", v);
        first = false;
    }
    g_string_append_c(o, '\n');
}

/* The synthetic file (written into @dir as syn.tsv); returns its path. */
static char *write_syn(const char *dir, const char *drop)
{
    GString *o = g_string_new("# a synthetic sweep for tests/check_plot.c\n# second comment\n");
    char *path = g_build_filename(dir, "syn.tsv", NULL);

    for (unsigned int c = 0; c < G_N_ELEMENTS(row_cols); c++) {
        if (drop && strcmp(row_cols[c], drop) == 0)
            continue;
        g_string_append_printf(o, "%s%s", o->str[o->len - 1] == '\n' ? "" : "\t", row_cols[c]);
    }
    g_string_append_c(o, '\n');
    for (unsigned int i = 0; i < G_N_ELEMENTS(syn_rows); i++)
        syn_line(o, &syn_rows[i], i + 1, drop);
    ck_assert(g_file_set_contents(path, o->str, -1, NULL));
    g_string_free(o, TRUE);
    return path;
}

static void run_cli(struct tu_proc *p, const char *const *args)
{
    const char *argv[16] = {VSCHED_CLI};

    for (unsigned int i = 0; args[i]; i++)
        argv[i + 1] = args[i];
    ck_assert_msg(tu_run(argv, VSCHED_SOURCE_DIR, p), "cannot start %s", VSCHED_CLI);
}

/* ---- the aggregate file ---- */

/* One data row of STEM.agg.tsv. */
struct agg_row {
    unsigned int idx;
    char *variant;
    double v[18];  /* overcommit, runs, then mean/sd pairs from column 5 on */
};

/* Parse @path: rows in file order; blocks (two blank lines) counted. */
static GArray *read_agg(const char *path, unsigned int *blocks)
{
    char *text = tu_read_file(path);
    char **lines;
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct agg_row));
    bool header = false;
    unsigned int blank = 0;

    ck_assert_msg(text != NULL, "cannot read %s", path);
    *blocks = 0;
    lines = g_strsplit(text, "\n", -1);
    for (unsigned int i = 0; lines[i]; i++) {
        char **f;
        struct agg_row r = {0};

        if (lines[i][0] == '#')
            continue;
        if (!lines[i][0]) {
            blank++;
            continue;
        }
        if (!header) {
            ck_assert(g_str_has_prefix(lines[i], "variant_idx\tvariant\tovercommit\truns\t"
                                                 "ops_per_s_per_vm_mean\tops_per_s_per_vm_sd\t"
                                                 "speedup_mean\tspeedup_sd\tjain_vms_mean"));
            ck_assert_uint_eq(g_strv_length(f = g_strsplit(lines[i], "\t", -1)), 20);
            g_strfreev(f);
            header = true;
            continue;
        }
        if (rows->len == 0 || blank)
            (*blocks)++;
        ck_assert_msg(rows->len == 0 || blank == 0 || blank == 2, "%u blank lines", blank);
        blank = 0;
        f = g_strsplit(lines[i], "\t", -1);
        ck_assert_uint_eq(g_strv_length(f), 20);
        r.idx = (unsigned int)atoi(f[0]);
        r.variant = g_strdup(f[1]);
        for (unsigned int c = 2; c < 20; c++)
            r.v[c - 2] = strcmp(f[c], "NaN") == 0 ? NAN : g_ascii_strtod(f[c], NULL);
        g_array_append_val(rows, r);
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(text);
    return rows;
}

static void free_agg(GArray *rows)
{
    for (unsigned int i = 0; i < rows->len; i++)
        g_free(g_array_index(rows, struct agg_row, i).variant);
    g_array_free(rows, TRUE);
}

/* Column of a mean in agg_row.v: overcommit 0, runs 1, ops 2/3, speedup 4/5,
 * jain 6/7, worst 8/9, yield 10/11, ple 12/13, ipi 14/15, lock 16/17. */
enum { A_OC, A_RUNS, A_OPS, A_OPS_SD, A_SPEEDUP, A_SPEEDUP_SD, A_JAIN, A_JAIN_SD, A_WORST,
       A_WORST_SD, A_YIELD, A_YIELD_SD, A_PLE, A_PLE_SD, A_IPI, A_IPI_SD, A_LOCK, A_LOCK_SD };

static void expect(double got, double want, const char *what)
{
    if (isnan(want))
        ck_assert_msg(isnan(got), "%s: got %.9g, want NaN", what, got);
    else
        ck_assert_msg(fabs(got - want) <= 1e-7 * fmax(1.0, fabs(want)), "%s: got %.9g, want %.9g",
                      what, got, want);
}

/* Hand-computed expectations (see syn_rows). */
static void check_mainline_1(const struct agg_row *r)
{
    ck_assert_str_eq(r->variant, "mainline");
    expect(r->v[A_OC], 1, "oc");
    expect(r->v[A_RUNS], 3, "runs");
    expect(r->v[A_OPS], 12, "ops mean");
    expect(r->v[A_OPS_SD], 2, "ops sd");
    expect(r->v[A_JAIN], 1, "jain mean");
    expect(r->v[A_JAIN_SD], 0, "jain sd");
    expect(r->v[A_WORST], 0.7, "worst mean");
    expect(r->v[A_WORST_SD], 0.2, "worst sd");
    expect(r->v[A_YIELD], 200, "yield mean");
    expect(r->v[A_YIELD_SD], 100, "yield sd");
    expect(r->v[A_PLE], 2, "ple mean");
    expect(r->v[A_PLE_SD], 1, "ple sd");
    expect(r->v[A_IPI], 5, "ipi mean (one run missing)");
    expect(r->v[A_IPI_SD], sqrt(2.0), "ipi sd");
    expect(r->v[A_LOCK], 7, "lock mean (one run)");
    expect(r->v[A_LOCK_SD], 0, "lock sd (one run)");
}

START_TEST(test_aggregate)
{
    char *dir = tu_mkdtemp();
    char *syn = write_syn(dir, NULL);
    char *agg = g_build_filename(dir, "syn.agg.tsv", NULL);
    const char *args[] = {"plot", syn, "--data-only", NULL};
    struct tu_proc p;
    unsigned int blocks;
    GArray *rows;
    const struct agg_row *r;

    run_cli(&p, args);
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "syn.agg.tsv"));
    ck_assert_int_eq(tu_count_entries(dir), 2); /* syn.tsv, syn.agg.tsv: nothing else */
    rows = read_agg(agg, &blocks);
    /* Order: the baseline (mainline by default) first, then by label; by
     * overcommit within a variant; a block per variant. */
    ck_assert_uint_eq(rows->len, 5);
    ck_assert_uint_eq(blocks, 3);
    r = &g_array_index(rows, struct agg_row, 0);
    check_mainline_1(r);
    ck_assert_uint_eq(r->idx, 0);
    expect(r->v[A_SPEEDUP], 1, "baseline speedup");
    expect(r->v[A_SPEEDUP_SD], 0, "baseline speedup sd");

    r = &g_array_index(rows, struct agg_row, 1);
    ck_assert_str_eq(r->variant, "mainline");
    expect(r->v[A_OC], 2, "oc");
    expect(r->v[A_OPS], 6, "ops");
    expect(r->v[A_OPS_SD], 0, "ops sd");

    r = &g_array_index(rows, struct agg_row, 2);
    ck_assert_str_eq(r->variant, "alpha");
    ck_assert_uint_eq(r->idx, 1);
    expect(r->v[A_OC], 1, "oc");
    expect(r->v[A_RUNS], 3, "runs");
    expect(r->v[A_OPS], 24, "ops");
    /* 24 / 12, spread 2 * sqrt((0/24)^2 + (2/12)^2) = 1/3 */
    expect(r->v[A_SPEEDUP], 2, "speedup");
    expect(r->v[A_SPEEDUP_SD], 1.0 / 3.0, "speedup sd");

    r = &g_array_index(rows, struct agg_row, 3);
    ck_assert_str_eq(r->variant, "alpha");
    expect(r->v[A_OC], 3, "oc");
    expect(r->v[A_SPEEDUP], NAN, "no baseline at 3x");

    r = &g_array_index(rows, struct agg_row, 4);
    ck_assert_str_eq(r->variant, "zeta");
    ck_assert_uint_eq(r->idx, 2);
    expect(r->v[A_OPS], 6, "ops");
    expect(r->v[A_OPS_SD], sqrt(18.0), "ops sd (3, 9)");
    /* 6 / 6, spread 1 * sqrt((sqrt(18)/6)^2 + 0) = sqrt(1/2) */
    expect(r->v[A_SPEEDUP], 1, "speedup");
    expect(r->v[A_SPEEDUP_SD], sqrt(0.5), "speedup sd");
    free_agg(rows);
    tu_proc_clear(&p);

    /* --baseline moves alpha to the front; mainline's speed-up is 12 / 24. */
    {
        const char *b[] = {"plot", syn, "--data-only", "--baseline", "alpha", NULL};

        run_cli(&p, b);
        ck_assert_msg(p.status == 0, "%s", p.err);
        rows = read_agg(agg, &blocks);
        ck_assert_str_eq(g_array_index(rows, struct agg_row, 0).variant, "alpha");
        r = &g_array_index(rows, struct agg_row, 2);
        check_mainline_1(r);
        expect(r->v[A_SPEEDUP], 0.5, "speedup vs alpha");
        expect(r->v[A_SPEEDUP_SD], 0.5 * (2.0 / 12.0), "speedup sd vs alpha");
        ck_assert_str_eq(g_array_index(rows, struct agg_row, 4).variant, "zeta");
        free_agg(rows);
        tu_proc_clear(&p);
    }
    tu_rmdir(dir);
    g_free(syn);
    g_free(agg);
    g_free(dir);
}
END_TEST

/* The JSON row file gives the same aggregate. */
START_TEST(test_json_rows)
{
    char *dir = tu_mkdtemp();
    char *js = g_build_filename(dir, "syn.json", NULL);
    char *agg = g_build_filename(dir, "syn.agg.tsv", NULL);
    GString *o = g_string_new("{\"vsched_version\": \"0.1.0\", \"rows\": [\n");
    const char *args[] = {"plot", js, "--data-only", NULL};
    struct tu_proc p;
    unsigned int blocks;
    GArray *rows;

    for (unsigned int i = 0; i < G_N_ELEMENTS(syn_rows); i++) {
        const struct syn *s = &syn_rows[i];
#define JV(x) (*(x) ? (x) : "null")
        g_string_append_printf(o,
                               "%s{\"variant\": \"%s\", \"overcommit\": %s, \"seed\": %u, "
                               "\"ops_per_s_per_vm\": %s, \"jain_vms\": %s, "
                               "\"worst_vm_share_vs_entitlement\": %s, \"yield_to_calls\": %s, "
                               "\"ple_exits\": %s, \"ipi_lat_p99_us\": %s, "
                               "\"lock_wait_p99_us\": %s}\n",
                               i ? "," : "", s->variant, s->overcommit, i + 1, JV(s->ops),
                               JV(s->jain), JV(s->worst), JV(s->yield), JV(s->ple), JV(s->ipi),
                               JV(s->lock));
#undef JV
    }
    g_string_append(o, "]}\n");
    ck_assert(g_file_set_contents(js, o->str, -1, NULL));
    run_cli(&p, args);
    ck_assert_msg(p.status == 0, "%s", p.err);
    rows = read_agg(agg, &blocks);
    ck_assert_uint_eq(rows->len, 5);
    check_mainline_1(&g_array_index(rows, struct agg_row, 0));
    free_agg(rows);
    tu_proc_clear(&p);
    g_string_free(o, TRUE);
    tu_rmdir(dir);
    g_free(js);
    g_free(agg);
    g_free(dir);
}
END_TEST

/* ---- bad input: exit 2, nothing written ---- */

START_TEST(test_bad_input)
{
    char *dir = tu_mkdtemp();
    char *syn = write_syn(dir, NULL);
    char *ragged = g_build_filename(dir, "ragged.tsv", NULL);
    char *bad_num = g_build_filename(dir, "badnum.tsv", NULL);
    char *empty = g_build_filename(dir, "empty.tsv", NULL);
    char *missing = g_build_filename(dir, "nope.tsv", NULL);
    char *text = tu_read_file(syn);
    struct tu_proc p;
    char *s;

    /* A row with one field less (line 5: 2 comments, header, 2nd row). */
    s = g_strdup(text);
    {
        char **lines = g_strsplit(s, "\n", -1);
        char *cut = strrchr(lines[4], '\t');

        *cut = '\0';
        g_free(s);
        s = g_strjoinv("\n", lines);
        g_strfreev(lines);
    }
    ck_assert(g_file_set_contents(ragged, s, -1, NULL));
    g_free(s);
    {
        GString *b = g_string_new(text);

        g_string_replace(b, "\t24\t", "\t24x\t", 1);
        ck_assert(g_file_set_contents(bad_num, b->str, -1, NULL));
        g_string_free(b, TRUE);
    }
    {
        char *nl = strchr(strstr(text, "variant"), '\n');

        nl[1] = '\0';
        ck_assert(g_file_set_contents(empty, text, -1, NULL));
    }
    {
        const struct {
            const char *args[8];
            const char *needle;
        } cases[] = {
            {{"plot", ragged, "--data-only", NULL}, "ragged.tsv:5: 34 fields, the header has 35"},
            {{"plot", bad_num, "--data-only", NULL}, "ops_per_s_per_vm: expected a number"},
            {{"plot", empty, "--data-only", NULL}, "no result rows"},
            {{"plot", missing, "--data-only", NULL}, "cannot read"},
            {{"plot", syn, "--data-only", "--baseline", "nosuch", NULL},
             "no variant \"nosuch\" in the file (variants: \"alpha\", \"mainline\", \"zeta\")"},
            {{"plot", syn, "--format", "gif", NULL}, "--format"},
            {{"plot", NULL}, "expected one result FILE"},
        };

        for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
            run_cli(&p, cases[i].args);
            ck_assert_msg(p.status == 2, "case %u: status %d: %s", i, p.status, p.err);
            ck_assert_msg(g_str_has_prefix(p.err, "vsched: ") &&
                              strstr(p.err, cases[i].needle),
                          "case %u: %s", i, p.err);
            tu_proc_clear(&p);
        }
    }
    ck_assert_int_eq(tu_count_entries(dir), 4); /* the inputs only */
    g_free(text);
    tu_rmdir(dir);
    g_free(syn);
    g_free(ragged);
    g_free(bad_num);
    g_free(empty);
    g_free(missing);
    g_free(dir);
}
END_TEST

START_TEST(test_missing_column)
{
    char *dir = tu_mkdtemp();
    char *syn = write_syn(dir, "lock_wait_p99_us");
    const char *args[] = {"plot", syn, "--data-only", NULL};
    struct tu_proc p;

    run_cli(&p, args);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "syn.tsv:3: the header has no \"lock_wait_p99_us\" column"),
                  "%s", p.err);
    ck_assert_int_eq(tu_count_entries(dir), 1);
    tu_proc_clear(&p);
    tu_rmdir(dir);
    g_free(syn);
    g_free(dir);
}
END_TEST

/* Without gnuplot: exit 1, how to install it, and no output at all. */
START_TEST(test_no_gnuplot)
{
    char *dir = tu_mkdtemp();
    char *syn = write_syn(dir, NULL);
    char *out = g_build_filename(dir, "out", NULL);
    const char *args[] = {"plot", syn, "--out-dir", out, "--format", "svg", NULL};
    struct tu_proc p;

    g_setenv("VSCHED_GNUPLOT", "/nonexistent/bin/gnuplot", TRUE);
    run_cli(&p, args);
    g_unsetenv("VSCHED_GNUPLOT");
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.err, "gnuplot is not installed") &&
                      strstr(p.err, "apt-get install gnuplot-nox") && strstr(p.err, "--data-only"),
                  "%s", p.err);
    ck_assert_str_eq(p.out, "");
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(tu_count_entries(dir), 1);
    tu_proc_clear(&p);
    tu_rmdir(dir);
    g_free(syn);
    g_free(out);
    g_free(dir);
}
END_TEST

/* ---- with gnuplot ---- */

static bool have_gnuplot_pngcairo(void)
{
    char *gp = g_find_program_in_path("gnuplot");
    const char *argv[] = {gp, "-e", "set terminal pngcairo", NULL};
    struct tu_proc p;
    bool ok;

    if (!gp)
        return false;
    ok = tu_run(argv, NULL, &p) && p.status == 0;
    tu_proc_clear(&p);
    g_free(gp);
    return ok;
}

START_TEST(test_images)
{
    static const char *const plots[] = {"throughput", "speedup", "fairness", "yield", "latency"};
    char *dir = tu_mkdtemp();
    char *syn = write_syn(dir, NULL);
    char *out = g_build_filename(dir, "img", NULL);
    const char *args[] = {"plot", syn, "--out-dir", out, "--format", "both", NULL};
    struct tu_proc p;

    run_cli(&p, args);
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_int_eq(tu_count_entries(out), 1 + 2 * (int)G_N_ELEMENTS(plots));
    for (unsigned int i = 0; i < G_N_ELEMENTS(plots); i++) {
        char *png = g_strdup_printf("%s/syn-%s.png", out, plots[i]);
        char *svg = g_strdup_printf("%s/syn-%s.svg", out, plots[i]);
        char *data = NULL;
        gsize len = 0;

        ck_assert_msg(g_file_get_contents(png, &data, &len, NULL), "no %s", png);
        ck_assert_msg(len > 1000 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0, "bad %s", png);
        g_free(data);
        ck_assert_msg(g_file_get_contents(svg, &data, &len, NULL), "no %s", svg);
        ck_assert_msg(len > 1000 && strstr(data, "<svg") && strstr(data, "mainline"), "bad %s",
                      svg);
        g_free(data);
        g_free(png);
        g_free(svg);
    }
    tu_proc_clear(&p);
    tu_rmdir(out);
    tu_rmdir(dir);
    g_free(syn);
    g_free(out);
    g_free(dir);
}
END_TEST

/* A script that fails half-way: exit 1 and not one output file. */
START_TEST(test_gnuplot_fails)
{
    static const char *const scripts[] = {"common.gp", "throughput.gp", "fairness.gp",
                                          "yield.gp", "latency.gp"};
    char *dir = tu_mkdtemp();
    char *syn = write_syn(dir, NULL);
    char *plots = tu_mkdtemp();
    char *out = g_build_filename(dir, "img", NULL);
    char *bad = g_build_filename(plots, "speedup.gp", NULL);
    const char *args[] = {"plot", syn, "--out-dir", out, "--format", "svg", NULL};
    struct tu_proc p;

    for (unsigned int i = 0; i < G_N_ELEMENTS(scripts); i++) {
        char *from = g_build_filename(VSCHED_SOURCE_DIR, "plots", scripts[i], NULL);
        char *to = g_build_filename(plots, scripts[i], NULL);
        char *text = tu_read_file(from);

        ck_assert_ptr_nonnull(text);
        ck_assert(g_file_set_contents(to, text, -1, NULL));
        g_free(text);
        g_free(from);
        g_free(to);
    }
    ck_assert(g_file_set_contents(bad, "load plotdir.'/common.gp'\nplot no_such_function(x)\n",
                                  -1, NULL));
    g_setenv("VSCHED_PLOTS_DIR", plots, TRUE);
    run_cli(&p, args);
    g_unsetenv("VSCHED_PLOTS_DIR");
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.err, "gnuplot failed on") && strstr(p.err, "speedup.gp"), "%s",
                  p.err);
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(tu_count_entries(dir), 1);
    tu_proc_clear(&p);
    tu_rmdir(plots);
    tu_rmdir(dir);
    g_free(syn);
    g_free(out);
    g_free(bad);
    g_free(plots);
    g_free(dir);
}
END_TEST

int main(int argc, char **argv)
{
    bool images = argc > 1 && strcmp(argv[1], "gnuplot") == 0;
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create(images ? "gnuplot" : "plot");
    SRunner *sr;
    int failed;

    if (images && !have_gnuplot_pngcairo()) {
        printf("SKIPPED: plot-gnuplot: gnuplot with the pngcairo terminal is not installed, so "
               "the PNG/SVG outputs of \"vsched plot\" were not tested "
               "(apt-get install gnuplot-nox, or scripts/bootstrap.sh)\n");
        return 77;
    }
    tcase_set_timeout(tc, 120);
    if (images) {
        tcase_add_test(tc, test_images);
        tcase_add_test(tc, test_gnuplot_fails);
    } else {
        tcase_add_test(tc, test_aggregate);
        tcase_add_test(tc, test_json_rows);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_missing_column);
        tcase_add_test(tc, test_no_gnuplot);
    }
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
