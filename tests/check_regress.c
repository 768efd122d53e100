/*
 * tests/check_regress.c - "vsched regress" through the built binary:
 *  - the fast subset of tests/baselines/suite.json matches the stored
 *    baselines (this is the regression test of the simulator itself: any
 *    change of a result shows up here, with the metric that moved);
 *  - a change of an algorithm's behaviour is caught: switching the
 *    debooster off (--policy vcpu_debooster_enabled=0) fails with exit 1 and
 *    names deboost_applied; --update into a temporary directory makes the
 *    same run pass, and the unchanged simulator then fails against it;
 *  - tolerances loosen the check; bad suites, tolerances and missing
 *    baselines are bad input (exit 2).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "testutil.h"

#ifndef VSCHED_CLI
#error "VSCHED_CLI must be defined by the build"
#endif

#define SUITE TU_SRC("tests/baselines/suite.json")

static void run(struct tu_proc *p, const char *const *args)
{
    const char *argv[32] = {VSCHED_CLI};
    unsigned int n = 1;

    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    ck_assert_msg(tu_run(argv, VSCHED_SOURCE_DIR, p), "cannot start %s", VSCHED_CLI);
}

#define RUN(p, ...) run((p), (const char *const[]){__VA_ARGS__, NULL})

/* Number of "fast" entries in the suite (= baseline files --update writes). */
static unsigned int nr_fast_entries(void)
{
    char *text = tu_read_file(SUITE);
    unsigned int n = 0;

    ck_assert_ptr_nonnull(text);
    for (const char *p = text; (p = strstr(p, "\"fast\": true")); p++)
        n++;
    g_free(text);
    return n;
}

START_TEST(test_fast_suite_passes)
{
    struct tu_proc p;

    RUN(&p, "regress", "--fast");
    ck_assert_msg(p.status == 0, "stdout:\n%s\nstderr:\n%s", p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "within tolerance"));
    ck_assert_ptr_null(strstr(p.out, "FAIL"));
    ck_assert_ptr_nonnull(strstr(p.out, "ok    default-deboost-v2 (2 runs)"));
    tu_proc_clear(&p);
}
END_TEST

START_TEST(test_change_is_caught)
{
    char *dir = tu_mkdtemp();
    struct tu_proc p;

    /* The stored baselines ran with the debooster on. */
    RUN(&p, "regress", "--fast", "--policy", "vcpu_debooster_enabled=0");
    ck_assert_msg(p.status == 1, "status %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "FAIL  default-deboost-v2 seed 1: deboost_applied ") != NULL,
                  "%s", p.out);
    ck_assert_ptr_nonnull(strstr(p.out, " -> 0 ("));
    ck_assert_ptr_nonnull(strstr(p.out, "ok    default-mainline"));
    ck_assert_ptr_nonnull(strstr(p.out, "vsched regress --update"));
    ck_assert_msg(g_str_has_prefix(p.err, "vsched: regress: ") && strstr(p.err, "moved"), "%s",
                  p.err);
    tu_proc_clear(&p);

    /* --update into a temporary directory, then the same run passes. */
    RUN(&p, "regress", "--fast", "--policy", "vcpu_debooster_enabled=0", "--suite", SUITE,
        "--baselines", dir, "--update");
    ck_assert_msg(p.status == 0, "%s%s", p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "updated "));
    ck_assert_int_eq(tu_count_entries(dir), (int)nr_fast_entries()); /* no temporaries */
    tu_proc_clear(&p);
    RUN(&p, "regress", "--fast", "--policy", "vcpu_debooster_enabled=0", "--suite", SUITE,
        "--baselines", dir, "--jobs", "1");
    ck_assert_msg(p.status == 0, "%s%s", p.out, p.err);
    tu_proc_clear(&p);

    /* ... and the unchanged simulator fails against those baselines. */
    RUN(&p, "regress", "--fast", "--suite", SUITE, "--baselines", dir);
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.out, "deboost_applied 0 -> ") != NULL, "%s", p.out);
    tu_proc_clear(&p);

    /* --only selects entries: the unaffected one passes. */
    RUN(&p, "regress", "--only", "default-mainline,two-groups", "--suite", SUITE, "--baselines",
        dir);
    ck_assert_msg(p.status == 0, "%s%s", p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "2 entries"));
    tu_proc_clear(&p);

    tu_rmdir(dir);
    g_free(dir);
}
END_TEST

START_TEST(test_tolerances)
{
    char *dir = tu_mkdtemp();
    char *loose = g_build_filename(dir, "loose.json", NULL);
    char *metric = g_build_filename(dir, "metric.json", NULL);
    char *bad = g_build_filename(dir, "bad.json", NULL);
    struct tu_proc p;

    /* 100 % relative on everything: a debooster switched off passes. */
    ck_assert(g_file_set_contents(loose, "{\"integer\": {\"rel\": 1}, \"real\": {\"rel\": 1}}",
                                  -1, NULL));
    RUN(&p, "regress", "--only", "default-deboost-v2", "--policy", "vcpu_debooster_enabled=0",
        "--tolerances", loose);
    ck_assert_msg(p.status == 0, "%s%s", p.out, p.err);
    tu_proc_clear(&p);

    /* A per-metric tolerance loosens only that metric. */
    ck_assert(g_file_set_contents(metric, "{\"metrics\": {\"deboost_applied\": {\"abs\": 1000}}}",
                                  -1, NULL));
    RUN(&p, "regress", "--only", "default-deboost-v2", "--policy", "vcpu_debooster_enabled=0",
        "--tolerances", metric);
    ck_assert_int_eq(p.status, 1);
    ck_assert_ptr_null(strstr(p.out, "deboost_applied"));
    ck_assert_ptr_nonnull(strstr(p.out, "FAIL  default-deboost-v2 seed 1: ops_per_s "));
    tu_proc_clear(&p);

    ck_assert(g_file_set_contents(bad, "{\"metrics\": {\"frobs\": {\"abs\": 1}}}", -1, NULL));
    RUN(&p, "regress", "--fast", "--tolerances", bad);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "metrics.frobs") != NULL, "%s", p.err);
    tu_proc_clear(&p);
    ck_assert(g_file_set_contents(bad, "{\"real\": {\"rel\": -1}}", -1, NULL));
    RUN(&p, "regress", "--fast", "--tolerances", bad);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "real") != NULL, "%s", p.err);
    tu_proc_clear(&p);

    tu_rmdir(dir);
    g_free(loose);
    g_free(metric);
    g_free(bad);
    g_free(dir);
}
END_TEST

START_TEST(test_bad_input)
{
    char *dir = tu_mkdtemp();
    char *suite = g_build_filename(dir, "suite.json", NULL);
    struct tu_proc p;

    /* No baselines in an empty directory. */
    RUN(&p, "regress", "--fast", "--suite", SUITE, "--baselines", dir);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "no baseline") && strstr(p.err, "--update"), "%s", p.err);
    tu_proc_clear(&p);

    RUN(&p, "regress", "--only", "nope");
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "\"nope\""));
    tu_proc_clear(&p);

    ck_assert(g_file_set_contents(suite,
                                  "{\"version\": 1, \"entries\": [{\"name\": \"x\", "
                                  "\"duration_ms\": 5, \"seeds\": [1], \"colour\": 3}]}",
                                  -1, NULL));
    RUN(&p, "regress", "--baselines", dir);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "entries[0]") && strstr(p.err, "\"colour\""), "%s", p.err);
    tu_proc_clear(&p);

    ck_assert(g_file_set_contents(suite,
                                  "{\"version\": 1, \"entries\": [{\"name\": \"x\", "
                                  "\"duration_ms\": 5, \"seeds\": [1], "
                                  "\"policy\": [\"yield_to=nope\"]}]}",
                                  -1, NULL));
    RUN(&p, "regress", "--baselines", dir, "--update");
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "suite entry x") && strstr(p.err, "\"nope\""), "%s", p.err);
    ck_assert_int_eq(tu_count_entries(dir), 1);
    tu_proc_clear(&p);

    /* A minimal suite of its own: update, pass, a damaged baseline is bad input. */
    ck_assert(g_file_set_contents(suite,
                                  "{\"version\": 1, \"entries\": [{\"name\": \"x\", "
                                  "\"scenario\": \"" TU_SRC("scenarios/vm-pingpong.json") "\", "
                                  "\"duration_ms\": 5, \"seeds\": [1, 2]}]}",
                                  -1, NULL));
    RUN(&p, "regress", "--baselines", dir, "--update");
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);
    RUN(&p, "regress", "--baselines", dir);
    ck_assert_msg(p.status == 0, "%s", p.err);
    tu_proc_clear(&p);
    {
        char *base = g_build_filename(dir, "x.tsv", NULL);
        char *text = tu_read_file(base);
        char *cut = g_strndup(text, strlen(text) - 10); /* a truncated last line */

        ck_assert(g_file_set_contents(base, cut, -1, NULL));
        RUN(&p, "regress", "--baselines", dir);
        ck_assert_int_eq(p.status, 2);
        ck_assert_msg(strstr(p.err, "x.tsv:3:") != NULL, "%s", p.err);
        tu_proc_clear(&p);
        g_free(cut);
        g_free(text);
        g_free(base);
    }
    tu_rmdir(dir);
    g_free(suite);
    g_free(dir);
}
END_TEST

static Suite *regress_suite(void)
{
    Suite *s = suite_create("regress");
    TCase *tc = tcase_create("regress");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fast_suite_passes);
    tcase_add_test(tc, test_change_is_caught);
    tcase_add_test(tc, test_tolerances);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(regress_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
