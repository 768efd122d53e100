/*
 * tests/check_rows.c - result rows (include/vsched/rows.h): the column list
 * against docs/results-format.md, the aggregation of a sim_result into a
 * row (hand-computed from a synthetic result), fixed-decimal formatting,
 * TSV and JSON round trips (byte-identical re-rendering, equal values,
 * missing values preserved), and clear errors for bad files (file, line,
 * column).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "vsched/kvm.h"
#include "vsched/rows.h"
#include "vsched/version.h"

#include "testutil.h"

/* ---- helpers ---- */

static struct sim_result *run_json(const char *json, u64 ms)
{
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "test", &err);
    struct sim_options opt = {.duration_ns = ms * 1000000ULL};
    struct sim *sim;
    struct sim_result *r;

    ck_assert_msg(sc != NULL, "scenario: %s", err ? err->message : "?");
    sim = sim_new(sc, &opt, &err);
    ck_assert_ptr_nonnull(sim);
    sim_run(sim, NULL, NULL);
    r = sim_collect(sim, 0.25);
    sim_free(sim);
    scenario_free(sc);
    return r;
}

static const char tiny_vm_json[] =
    "{\"version\": 1, \"name\": \"tiny\", \"duration_ms\": 20, \"host\": {\"cpus\": 4},"
    " \"vms\": [{\"name\": \"a\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}},"
    "          {\"name\": \"b\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}}]}";

static const char host_only_json[] =
    "{\"version\": 1, \"name\": \"hosty\", \"duration_ms\": 20, \"host\": {\"cpus\": 1},"
    " \"tasks\": [{\"name\": \"h\", \"count\": 2, \"program\": [{\"run_us\": 1000}]}]}";

/* Two rows of a VM run (seeds 1, 2) and one of a host-only run. */
static void make_rows(struct result_row rows[3])
{
    struct sim_result *r = run_json(tiny_vm_json, 20);
    struct sim_result *h = run_json(host_only_json, 20);
    struct row_meta m1 = {"v1", "kvm.apicv=off", 1, 0x0123456789abcdefULL, false};
    struct row_meta m2 = {"v2", "", 2, 0xfedcba9876543210ULL, true};
    struct row_meta m3 = {"host", "host.cpus=1;tasks[0].count=2", 7, 1, false};

    result_row_fill(&rows[0], r, &m1);
    result_row_fill(&rows[1], r, &m2);
    result_row_fill(&rows[2], h, &m3);
    sim_result_free(r);
    sim_result_free(h);
}

static void assert_rows_equal(const struct result_row *a, const struct result_row *b)
{
    ck_assert_msg(a->present == b->present, "present %llx vs %llx",
                  (unsigned long long)a->present, (unsigned long long)b->present);
    for (int c = 0; c < ROW_NR_COLS; c++) {
        char *va = row_format_value(a, c), *vb = row_format_value(b, c);
        double x, y;

        ck_assert_msg(strcmp(va, vb) == 0, "column %s: \"%s\" vs \"%s\"", row_columns[c].name, va,
                      vb);
        if (row_get_number(a, c, &x)) {
            ck_assert(row_get_number(b, c, &y));
            ck_assert_msg(x == y, "column %s: %.17g vs %.17g", row_columns[c].name, x, y);
        }
        g_free(va);
        g_free(vb);
    }
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);

    ck_assert(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* ---- the contract ---- */

/* The columns and their order are those of the first table in docs/results-format.md. */
START_TEST(test_columns_match_doc)
{
    char *doc = tu_read_file(TU_SRC("docs/results-format.md"));
    char **lines;
    unsigned int c = 0;

    ck_assert_ptr_nonnull(doc);
    lines = g_strsplit(doc, "\n", -1);
    for (unsigned int i = 0; lines[i]; i++) {
        char **cells, **names;

        /* The first table whose rows start with a `column` is the contract. */
        if (c > 0 && lines[i][0] != '|')
            break;
        if (!g_str_has_prefix(lines[i], "| `"))
            continue;
        cells = g_strsplit(lines[i], "|", -1);
        names = g_strsplit(cells[1], ",", -1);
        for (unsigned int k = 0; names[k]; k++) {
            char *n = g_strstrip(g_strdelimit(names[k], "`", ' '));

            ck_assert_msg(c < ROW_NR_COLS, "the doc has more columns than rows.h (%s)", n);
            ck_assert_msg(strcmp(n, row_columns[c].name) == 0, "column %u: doc %s, rows.h %s", c,
                          n, row_columns[c].name);
            ck_assert_int_eq(row_column_find(n), (int)c);
            c++;
        }
        g_strfreev(names);
        g_strfreev(cells);
    }
    ck_assert_uint_eq(c, ROW_NR_COLS);
    g_strfreev(lines);
    g_free(doc);
}
END_TEST

/* A synthetic result with hand-computed aggregates. */
START_TEST(test_fill_aggregates)
{
    struct vm_result vms[2];
    struct sim_result r;
    struct row_meta meta = {"lbl", "a=1;b=x", 42, 0xabcULL, false};
    struct result_row row;
    double v;

    memset(vms, 0, sizeof(vms));
    memset(&r, 0, sizeof(r));
    vms[0] = (struct vm_result){.vcpus = 4, .ops_per_sec = 1000.1234, .cpu_ns = 1000,
                                .spin_ns = 100, .spin_host_ns = 20, .host_ns = 50, .on_spin = 3, .yt_attempts = 5,
                                .yt_success = 4, .ipi_lat_p50 = 1500, .ipi_lat_p99 = 9000,
                                .lock_wait_p50 = 700, .lock_wait_p99 = 2500,
                                .lock_holder_preempted = 2, .share_vs_entitlement = 0.9};
    vms[0].exits[KVM_EXIT_PLE] = 3;
    vms[0].exits[KVM_EXIT_HLT] = 10;
    vms[0].exits[KVM_EXIT_ICR] = 20;
    vms[0].exits[KVM_EXIT_EOI] = 30;
    vms[1] = (struct vm_result){.vcpus = 8, .ops_per_sec = 500.5, .cpu_ns = 3000, .spin_ns = 500,
                                .spin_host_ns = 80, .host_ns = 150, .on_spin = 7, .yt_attempts = 1, .yt_success = 0,
                                .ipi_lat_p50 = 2500, .ipi_lat_p99 = 4000, .lock_wait_p50 = 100,
                                .lock_wait_p99 = 3333, .lock_holder_preempted = 5,
                                .share_vs_entitlement = 1.1};
    vms[1].exits[KVM_EXIT_PLE] = 7;
    vms[1].exits[KVM_EXIT_HLT] = 1;
    r.scenario = "synthetic";
    r.nr_cpus = 8;
    r.sim_ns = 123456789;
    r.vms = vms;
    r.nr_vms = 2;
    r.jain_vms = 0.99009900990099;
    r.jain_tasks = 0.5;
    r.wall_s = 1.5;
    r.yield_to_policy = "deboost-v2";
    r.dy_policy = "mainline";
    r.pstats.deboost_applied = 17;

    result_row_fill(&row, &r, &meta);
    ck_assert_str_eq(row.scenario, "synthetic");
    ck_assert_str_eq(row.variant, "lbl");
    ck_assert_str_eq(row.set, "a=1;b=x");
    ck_assert_str_eq(row.yield_to, "deboost-v2");
    ck_assert_str_eq(row.directed_yield, "mainline");
    ck_assert_str_eq(row.vsched_version, VSCHED_VERSION);
    ck_assert_uint_eq(row.seed, 42);
    ck_assert_uint_eq(row.scenario_hash, 0xabc);
    ck_assert_uint_eq(row.host_cpus, 8);
    ck_assert_uint_eq(row.nr_vms, 2);
    ck_assert_uint_eq(row.vcpus_total, 12);
    ck_assert_double_eq(row.overcommit, 1.5);
    ck_assert_double_eq(row.sim_ms, 123.456789);
    ck_assert_double_eq(row.ops_per_s, 1500.623);        /* 1500.6234 to 3 decimals */
    ck_assert_double_eq(row.ops_per_s_per_vm, 750.312);  /* 750.3117 */
    ck_assert_double_eq(row.jain_vms, 0.990099);
    ck_assert_double_eq(row.worst_vm_share_vs_entitlement, 0.9);
    ck_assert_double_eq(row.jain_tasks, 0.5);
    ck_assert_double_eq(row.spin_pct, 15.0);             /* 600 / 4000 */
    ck_assert_double_eq(row.host_pct, 5.0);              /* 200 / 4000 */
    ck_assert_double_eq(row.spin_total_pct, 17.5);       /* (600 + 100) / 4000 */
    ck_assert_uint_eq(row.ple_exits, 10);
    ck_assert_uint_eq(row.hlt_exits, 11);
    ck_assert_uint_eq(row.icr_exits, 20);
    ck_assert_uint_eq(row.eoi_exits, 30);
    ck_assert_uint_eq(row.on_spin_calls, 10);
    ck_assert_uint_eq(row.yield_to_calls, 6);
    ck_assert_uint_eq(row.yield_to_success, 4);
    ck_assert_double_eq(row.ipi_lat_p50_us, 2.5);        /* max over VMs */
    ck_assert_double_eq(row.ipi_lat_p99_us, 9.0);
    ck_assert_double_eq(row.lock_wait_p50_us, 0.7);
    ck_assert_double_eq(row.lock_wait_p99_us, 3.333);
    ck_assert_uint_eq(row.lock_holder_preempted, 7);
    ck_assert_uint_eq(row.deboost_applied, 17);
    ck_assert(!row_has(&row, ROW_WALL_S));               /* not asked for */
    ck_assert(!row_get_number(&row, ROW_WALL_S, &v));
    ck_assert(row_get_number(&row, ROW_PLE_EXITS, &v) && v == 10.0);
    ck_assert(!row_has(&row, ROW_DIAG9C_CALLS));        /* no s390 guest: missing */
    ck_assert(!row_has(&row, ROW_DIAG9C_IGNORED));
    result_row_clear(&row);

    /* An s390 guest: its diag 9c counts, and only its. */
    vms[0].diag_9c = 5;
    vms[1].s390 = true;
    vms[1].diag_9c = 40;
    vms[1].diag_9c_ignored = 15;
    result_row_fill(&row, &r, &meta);
    ck_assert(row_get_number(&row, ROW_DIAG9C_CALLS, &v) && v == 40.0);
    ck_assert(row_get_number(&row, ROW_DIAG9C_IGNORED, &v) && v == 15.0);
    result_row_clear(&row);

    meta.with_wall = true;
    result_row_fill(&row, &r, &meta);
    ck_assert(row_get_number(&row, ROW_WALL_S, &v) && v == 1.5);
    result_row_clear(&row);
}
END_TEST

/* Fixed decimals per column, never %g, missing = empty / null. */
START_TEST(test_formatting)
{
    struct result_row rows[3];
    char *tsv, *json, **lines;

    make_rows(rows);
    tsv = rows_render_tsv(rows, 3);
    lines = g_strsplit(tsv, "\n", -1);
    ck_assert_uint_eq(g_strv_length(lines), 5); /* header, 3 rows, "" after the last \n */
    ck_assert(g_str_has_prefix(lines[0], "scenario\tscenario_hash\tvariant\tyield_to\t"));
    ck_assert(g_str_has_suffix(lines[0], "\tdeboost_applied\twall_s"));
    ck_assert(g_str_has_prefix(lines[1], "tiny\t0123456789abcdef\tv1\tmainline\tmainline\t"
                                         "kvm.apicv=off\t1\t" VSCHED_VERSION "\t4\t2\t8\t2.0000\t"
                                         "20.000000\t"));
    ck_assert(g_str_has_suffix(lines[1], "\t")); /* wall_s empty without with_wall */
    ck_assert(g_str_has_suffix(lines[2], "\t0.250"));
    /* Host-only: VM metrics empty, jain_tasks and deboost_applied present. */
    {
        char **f = g_strsplit(lines[3], "\t", -1);

        ck_assert_uint_eq(g_strv_length(f), ROW_NR_COLS);
        ck_assert_str_eq(f[ROW_NR_VMS], "0");
        ck_assert_str_eq(f[ROW_OVERCOMMIT], "0.0000");
        ck_assert_str_eq(f[ROW_OPS_PER_S], "");
        ck_assert_str_eq(f[ROW_JAIN_VMS], "");
        ck_assert_str_eq(f[ROW_PLE_EXITS], "");
        ck_assert_str_eq(f[ROW_LOCK_WAIT_P99_US], "");
        ck_assert(g_str_has_prefix(f[ROW_JAIN_TASKS], "0.") && strlen(f[ROW_JAIN_TASKS]) == 8);
        ck_assert_str_eq(f[ROW_DEBOOST_APPLIED], "0");
        ck_assert_str_eq(f[ROW_SCENARIO_HASH], "0000000000000001");
        g_strfreev(f);
    }
    for (unsigned int i = 1; i < 4; i++) {
        char **f = g_strsplit(lines[i], "\t", -1);

        for (unsigned int c = ROW_HOST_CPUS; c < ROW_NR_COLS; c++)
            ck_assert_msg(strspn(f[c], "0123456789.") == strlen(f[c]), "%s: \"%s\"",
                          row_columns[c].name, f[c]);
        g_strfreev(f);
    }
    json = rows_render_json(rows, 3);
    ck_assert(g_str_has_prefix(json, "{\n  \"vsched_version\": \"" VSCHED_VERSION
                                     "\",\n  \"rows\": [\n    {\"scenario\": \"tiny\", "
                                     "\"scenario_hash\": \"0123456789abcdef\", "));
    ck_assert_ptr_nonnull(strstr(json, "\"ops_per_s\": null"));
    ck_assert_ptr_nonnull(strstr(json, "\"overcommit\": 2.0000, \"sim_ms\": 20.000000"));
    ck_assert_ptr_nonnull(strstr(json, "\"wall_s\": 0.250}"));
    g_free(json);
    g_strfreev(lines);
    g_free(tsv);
    for (unsigned int i = 0; i < 3; i++)
        result_row_clear(&rows[i]);
}
END_TEST

/* TSV -> rows -> TSV and JSON -> rows -> JSON are byte-identical; values equal. */
START_TEST(test_round_trip)
{
    struct result_row rows[3];
    char *dir = tu_mkdtemp();
    char *tsv, *json, *again, *p_tsv, *p_json;
    struct row_table *t, *j;
    GError *err = NULL;

    make_rows(rows);
    tsv = rows_render_tsv(rows, 3);
    json = rows_render_json(rows, 3);
    p_tsv = write_tmp(dir, "r.tsv", tsv);
    p_json = write_tmp(dir, "r.json", json);

    t = rows_read_file(p_tsv, &err);
    ck_assert_msg(t != NULL, "%s", err ? err->message : "");
    ck_assert(!t->json);
    ck_assert_uint_eq(t->nr_rows, 3);
    ck_assert_uint_eq(t->lines[0], 2);
    ck_assert_uint_eq(t->lines[2], 4);
    ck_assert_str_eq(t->source, p_tsv);
    for (unsigned int i = 0; i < 3; i++)
        assert_rows_equal(&rows[i], &t->rows[i]);
    again = rows_render_tsv(t->rows, t->nr_rows);
    ck_assert_str_eq(again, tsv);
    g_free(again);

    j = rows_read_file(p_json, &err);
    ck_assert_msg(j != NULL, "%s", err ? err->message : "");
    ck_assert(j->json);
    ck_assert_uint_eq(j->nr_rows, 3);
    for (unsigned int i = 0; i < 3; i++)
        assert_rows_equal(&rows[i], &j->rows[i]);
    again = rows_render_json(j->rows, j->nr_rows);
    ck_assert_str_eq(again, json);
    g_free(again);
    /* Across formats too. */
    again = rows_render_tsv(j->rows, j->nr_rows);
    ck_assert_str_eq(again, tsv);
    g_free(again);

    /* No rows at all. */
    row_table_free(t);
    again = rows_render_json(NULL, 0);
    t = rows_parse(again, "empty.json", &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->nr_rows, 0);
    row_table_free(t);
    g_free(again);

    row_table_free(j);
    g_free(tsv);
    g_free(json);
    g_free(p_tsv);
    g_free(p_json);
    tu_rmdir(dir);
    g_free(dir);
    for (unsigned int i = 0; i < 3; i++)
        result_row_clear(&rows[i]);
}
END_TEST

/* Comments, CRLF, unknown and absent columns. */
START_TEST(test_lenient_columns)
{
    const char *text = "# made by hand\r\n"
                       "# second comment\n"
                       "variant\tfuture_column\tseed\tscenario\tops_per_s\r\n"
                       "base\tx\t3\ts\t12.5\r\n"
                       "var\ty\t4\ts\t\n"
                       "\n";
    GError *err = NULL;
    struct row_table *t = rows_parse(text, "hand.tsv", &err);
    double v;

    ck_assert_msg(t != NULL, "%s", err ? err->message : "");
    ck_assert_uint_eq(t->nr_rows, 2);
    ck_assert_uint_eq(t->lines[0], 4);
    ck_assert_str_eq(t->rows[0].variant, "base");
    ck_assert_str_eq(t->rows[0].scenario, "s");
    ck_assert_str_eq(t->rows[0].set, ""); /* absent string column */
    ck_assert_uint_eq(t->rows[1].seed, 4);
    ck_assert(row_get_number(&t->rows[0], ROW_OPS_PER_S, &v) && v == 12.5);
    ck_assert(!row_get_number(&t->rows[1], ROW_OPS_PER_S, &v));
    ck_assert(!row_has(&t->rows[0], ROW_JAIN_VMS));
    row_table_free(t);
}
END_TEST

/* Bad files: each message names the file, the line (or rows[i]) and the column. */
static const struct {
    const char *name;
    const char *text;
    const char *want[3]; /* substrings of the message */
} bad_cases[] = {
    {"empty.tsv", "# only a comment\n", {"empty.tsv", "no header"}},
    {"noseed.tsv", "scenario\tvariant\tops_per_s\ns\tv\t1\n", {"noseed.tsv:1:", "\"seed\""}},
    {"dup.tsv", "scenario\tvariant\tseed\tseed\n", {"dup.tsv:1:", "\"seed\"", "twice"}},
    {"fields.tsv", "scenario\tvariant\tseed\ns\tv\t1\ns\tv\n", {"fields.tsv:3:", "2 fields", "3"}},
    {"num.tsv", "scenario\tvariant\tseed\tops_per_s\ns\tv\t1\tfast\n",
     {"num.tsv:2:", "ops_per_s", "\"fast\""}},
    {"int.tsv", "scenario\tvariant\tseed\tple_exits\ns\tv\t1\t1.5\n",
     {"int.tsv:2:", "ple_exits", "integer"}},
    {"negseed.tsv", "scenario\tvariant\tseed\ns\tv\t-1\n", {"negseed.tsv:2:", "seed"}},
    {"noseedval.tsv", "scenario\tvariant\tseed\ns\tv\t\n", {"noseedval.tsv:2:", "seed", "required"}},
    {"hash.tsv", "scenario\tvariant\tseed\tscenario_hash\ns\tv\t1\txyz\n",
     {"hash.tsv:2:", "scenario_hash", "hex"}},
    {"nan.tsv", "scenario\tvariant\tseed\tjain_vms\ns\tv\t1\tnan\n", {"nan.tsv:2:", "jain_vms"}},
    {"bad.json", "{\"rows\": [\n  {\"scenario\": 1,,}\n]}", {"bad.json:2:", "malformed JSON"}},
    {"shape.json", "{\"rows\": 3}", {"shape.json", "\"rows\""}},
    {"type.json",
     "{\"rows\": [{\"scenario\": \"s\", \"variant\": \"v\", \"seed\": 1},"
     " {\"scenario\": \"s\", \"variant\": \"v\", \"seed\": 2, \"ops_per_s\": \"fast\"}]}",
     {"type.json", "rows[1].ops_per_s", "number"}},
    {"req.json", "{\"rows\": [{\"scenario\": \"s\", \"variant\": \"v\"}]}",
     {"req.json", "rows[0]", "\"seed\""}},
    {"intj.json", "{\"rows\": [{\"scenario\": \"s\", \"variant\": \"v\", \"seed\": 1.5}]}",
     {"intj.json", "rows[0].seed", "integer"}},
};

START_TEST(test_bad_files)
{
    char *dir = tu_mkdtemp();
    char *path = write_tmp(dir, bad_cases[_i].name, bad_cases[_i].text);
    GError *err = NULL;
    struct row_table *t = rows_read_file(path, &err);

    ck_assert_msg(t == NULL, "%s was accepted", bad_cases[_i].name);
    ck_assert(g_error_matches(err, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_SYNTAX) ||
              g_error_matches(err, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID));
    for (unsigned int k = 0; k < 3 && bad_cases[_i].want[k]; k++)
        ck_assert_msg(strstr(err->message, bad_cases[_i].want[k]) != NULL,
                      "%s: \"%s\" not in \"%s\"", bad_cases[_i].name, bad_cases[_i].want[k],
                      err->message);
    g_error_free(err);
    g_free(path);
    tu_rmdir(dir);
    g_free(dir);
}
END_TEST

START_TEST(test_missing_file)
{
    GError *err = NULL;

    ck_assert_ptr_null(rows_read_file("/nonexistent/rows.tsv", &err));
    ck_assert(g_error_matches(err, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_IO));
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent/rows.tsv"));
    g_error_free(err);
}
END_TEST

static Suite *rows_suite(void)
{
    Suite *s = suite_create("rows");
    TCase *tc = tcase_create("rows");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_columns_match_doc);
    tcase_add_test(tc, test_fill_aggregates);
    tcase_add_test(tc, test_formatting);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_lenient_columns);
    tcase_add_loop_test(tc, test_bad_files, 0, G_N_ELEMENTS(bad_cases));
    tcase_add_test(tc, test_missing_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rows_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
