/*
 * tests/check_cli.c - the vsched command as a user sees it: runs the built
 * binary (VSCHED_CLI) and checks exit statuses, messages, that failed runs
 * leave no output file behind, that JSON output is byte-reproducible, and
 * that run --set edits the scenario as editing the file would.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <jansson.h>

#include "vsched/version.h"

#include "testutil.h"

#ifndef VSCHED_CLI
#error "VSCHED_CLI must be defined by the build"
#endif

/* Run vsched with up to 7 arguments (NULL-terminated early) in the source directory. */
static void run_cli(struct tu_proc *p, const char *a1, const char *a2, const char *a3,
                    const char *a4, const char *a5, const char *a6, const char *a7)
{
    const char *argv[] = {VSCHED_CLI, a1, a2, a3, a4, a5, a6, a7, NULL};

    ck_assert_msg(tu_run(argv, VSCHED_SOURCE_DIR, p), "cannot start %s", VSCHED_CLI);
}

/* Run vsched with the NULL-terminated @args in the source directory. */
static void run_cliv(struct tu_proc *p, const char *const *args)
{
    const char *argv[32] = {VSCHED_CLI};
    unsigned int n = 1;

    for (; args[n - 1]; n++) {
        ck_assert(n < G_N_ELEMENTS(argv) - 1);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    ck_assert_msg(tu_run(argv, VSCHED_SOURCE_DIR, p), "cannot start %s", VSCHED_CLI);
}

#define RUN_CLI(p, ...) run_cliv((p), (const char *const[]){__VA_ARGS__, NULL})

START_TEST(test_version)
{
    struct tu_proc p;

    run_cli(&p, "--version", NULL, NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 0);
    ck_assert_str_eq(p.out, "vsched " VSCHED_VERSION "\n");
    tu_proc_clear(&p);
}
END_TEST

START_TEST(test_help)
{
    static const char *const forms[] = {"--help", "help"};
    struct tu_proc p;

    for (unsigned int i = 0; i < G_N_ELEMENTS(forms); i++) {
        run_cli(&p, forms[i], NULL, NULL, NULL, NULL, NULL, NULL);
        ck_assert_int_eq(p.status, 0);
        ck_assert_ptr_nonnull(strstr(p.out, "run"));
        ck_assert_ptr_nonnull(strstr(p.out, "validate"));
        ck_assert_ptr_nonnull(strstr(p.out, "vsched run --help"));
        tu_proc_clear(&p);
    }
    run_cli(&p, "run", "--help", NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 0);
    ck_assert_ptr_nonnull(strstr(p.out, "--duration-ms"));
    ck_assert_ptr_nonnull(strstr(p.out, "--format"));
    ck_assert_ptr_nonnull(strstr(p.out, "--set=PATH=VALUE"));
    ck_assert_ptr_nonnull(strstr(p.out, "never split at commas"));
    tu_proc_clear(&p);
}
END_TEST

START_TEST(test_usage_errors)
{
    struct tu_proc p;

    run_cli(&p, "frobnicate", NULL, NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert(g_str_has_prefix(p.err, "vsched: "));
    ck_assert_ptr_nonnull(strstr(p.err, "frobnicate"));
    tu_proc_clear(&p);

    run_cli(&p, "run", "--no-such-option", NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert(g_str_has_prefix(p.err, "vsched: "));
    tu_proc_clear(&p);

    run_cli(&p, "run", "--format", "xml", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--format"));
    tu_proc_clear(&p);

    run_cli(&p, "run", "--duration-ms", "0", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--duration-ms"));
    tu_proc_clear(&p);

    run_cli(&p, "run", "--seed", "-3", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--seed"));
    tu_proc_clear(&p);

    run_cli(&p, "run", "does-not-exist.json", NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "does-not-exist.json"));
    tu_proc_clear(&p);
}
END_TEST

START_TEST(test_validate_good)
{
    struct tu_proc p;

    run_cli(&p, "validate", "scenarios/two-groups.json", NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 0);
    ck_assert_str_eq(p.out, "scenarios/two-groups.json: ok (5 tasks, 2 cgroups, 2 cpus)\n");
    tu_proc_clear(&p);

    run_cli(&p, "validate", "scenarios/vm-overcommit-4x.json", NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 0);
    ck_assert_str_eq(p.out, "scenarios/vm-overcommit-4x.json: ok (0 tasks, 5 cgroups, 16 cpus, "
                            "4 VMs, 64 vCPUs)\n");
    tu_proc_clear(&p);
}
END_TEST

START_TEST(test_validate_bad)
{
    char *dir = tu_mkdtemp();
    char *bad = g_build_filename(dir, "bad.json", NULL);
    struct tu_proc p;

    ck_assert(g_file_set_contents(bad, "{\"version\": 1, \"name\": \"x\", \"duration_ms\": -1}", -1,
                                  NULL));
    run_cli(&p, "validate", bad, NULL, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(g_str_has_prefix(p.err, "vsched: "), "%s", p.err);
    ck_assert_msg(strstr(p.err, bad) != NULL, "%s", p.err);
    ck_assert_msg(strstr(p.err, "duration_ms") != NULL, "%s", p.err);
    tu_proc_clear(&p);
    tu_rmdir(dir);
    g_free(bad);
    g_free(dir);
}
END_TEST

/* The s390 lock's parameters: a bad value exits 2 naming the file and the
 * JSON path, for validate and run alike. */
START_TEST(test_validate_bad_s390)
{
    static const struct {
        const char *workload;     /* the workload object */
        const char *path;         /* JSON path the message must name */
        const char *what;         /* and what it must say */
    } cases[] = {
        {"{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_retry\": -1}",
         "vms[0].workload.spin_retry", "expected an integer in [0, 1073741824], got -1"},
        {"{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_loop_ns\": 0}",
         "vms[0].workload.spin_loop_ns", "expected a number in (0, 1000], got 0"},
        {"{\"preset\": \"dbench\", \"spin_retry\": 5}",
         "vms[0].workload.spin_retry", "only used by lock_kind \"s390\""},
        {"{\"preset\": \"dbench\", \"lock_kind\": \"s390x\"}",
         "vms[0].workload.lock_kind",
         "expected one of \"pv\", \"native\", \"tas\", \"s390\", got \"s390x\""},
    };
    char *dir = tu_mkdtemp();
    char *bad = g_build_filename(dir, "bad.json", NULL);

    for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *json = g_strdup_printf("{\"version\": 1, \"name\": \"x\", \"duration_ms\": 1, "
                                     "\"host\": {\"cpus\": 2}, \"vms\": [{\"name\": \"v\", "
                                     "\"vcpus\": 2, \"workload\": %s}]}",
                                     cases[i].workload);
        char *want = g_strdup_printf("%s: %s: %s", bad, cases[i].path, cases[i].what);
        struct tu_proc p;

        ck_assert(g_file_set_contents(bad, json, -1, NULL));
        run_cli(&p, "validate", bad, NULL, NULL, NULL, NULL, NULL);
        ck_assert_msg(p.status == 2, "case %u: status %d", i, p.status);
        ck_assert_msg(g_str_has_prefix(p.err, "vsched: ") && strstr(p.err, want),
                      "case %u: %s", i, p.err);
        tu_proc_clear(&p);
        run_cli(&p, "run", bad, NULL, NULL, NULL, NULL, NULL);
        ck_assert_msg(p.status == 2 && strstr(p.err, want), "case %u (run): %d %s", i, p.status,
                      p.err);
        tu_proc_clear(&p);
        g_free(json);
        g_free(want);
    }
    tu_rmdir(dir);
    g_free(bad);
    g_free(dir);
}
END_TEST

/* A bad scenario must not produce (or leave) the --out file. */
START_TEST(test_run_bad_scenario_no_output)
{
    char *dir = tu_mkdtemp();
    char *bad = g_build_filename(dir, "bad.json", NULL);
    char *out = g_build_filename(dir, "out.json", NULL);
    struct tu_proc p;

    ck_assert(g_file_set_contents(bad, "{\"version\": 1,", -1, NULL));
    run_cli(&p, "run", bad, "--out", out, NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert(g_str_has_prefix(p.err, "vsched: "));
    ck_assert_ptr_nonnull(strstr(p.err, bad));
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(tu_count_entries(dir), 1); /* just bad.json, no temporary */
    tu_proc_clear(&p);
    tu_rmdir(dir);
    g_free(out);
    g_free(bad);
    g_free(dir);
}
END_TEST

START_TEST(test_run_out_missing_dir)
{
    char *dir = tu_mkdtemp();
    char *out = g_build_filename(dir, "no", "such", "out.json", NULL);
    struct tu_proc p;

    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "10", "--out", out, NULL);
    ck_assert_int_eq(p.status, 1);
    ck_assert(g_str_has_prefix(p.err, "vsched: "));
    ck_assert_ptr_nonnull(strstr(p.err, out));
    ck_assert_int_eq(tu_count_entries(dir), 0);
    tu_proc_clear(&p);
    tu_rmdir(dir);
    g_free(out);
    g_free(dir);
}
END_TEST

START_TEST(test_run_out_file)
{
    char *dir = tu_mkdtemp();
    char *out = g_build_filename(dir, "r.json", NULL);
    struct tu_proc p, q;
    char *written;

    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "50", "--format", "json",
            "--out");
    /* (the line above lacks the path on purpose: --out needs an argument) */
    ck_assert_int_eq(p.status, 2);
    tu_proc_clear(&p);

    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "50", "--format=json",
            "--out", out);
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_str_eq(p.out, "");
    written = tu_read_file(out);
    ck_assert_ptr_nonnull(written);
    ck_assert_int_eq(tu_count_entries(dir), 1); /* no temporary left over */
    run_cli(&q, "run", "scenarios/two-groups.json", "--duration-ms", "50", "--format=json", NULL,
            NULL);
    ck_assert_int_eq(q.status, 0);
    ck_assert_str_eq(written, q.out);
    g_free(written);
    tu_proc_clear(&p);
    tu_proc_clear(&q);
    tu_rmdir(dir);
    g_free(out);
    g_free(dir);
}
END_TEST

START_TEST(test_run_json_deterministic)
{
    static const char *const names[] = {"a", "b.0", "b.1", "d", "y"};
    struct tu_proc p, q;
    json_error_t jerr;
    json_t *root, *tasks;
    double sum = 0;

    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "200", "--format", "json",
            NULL);
    run_cli(&q, "run", "scenarios/two-groups.json", "--duration-ms", "200", "--format", "json",
            NULL);
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_int_eq(q.status, 0);
    ck_assert_str_eq(p.out, q.out);

    root = json_loads(p.out, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(root != NULL, "invalid JSON: %d:%d: %s", jerr.line, jerr.column, jerr.text);
    ck_assert_ptr_null(json_object_get(root, "wall_s"));
    ck_assert_str_eq(json_string_value(json_object_get(root, "scenario")), "two-groups");
    ck_assert_int_eq(json_integer_value(json_object_get(root, "sim_ns")), 200000000);
    tasks = json_object_get(root, "tasks");
    ck_assert(json_is_array(tasks));
    ck_assert_uint_eq(json_array_size(tasks), G_N_ELEMENTS(names));
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        json_t *t = json_array_get(tasks, i);

        ck_assert_str_eq(json_string_value(json_object_get(t, "name")), names[i]);
        sum += json_number_value(json_object_get(t, "share"));
    }
    ck_assert_msg(fabs(sum - 1.0) < 1e-9, "shares sum to %.12f", sum);
    json_decref(root);
    tu_proc_clear(&p);
    tu_proc_clear(&q);

    /* --wall adds the non-deterministic field. */
    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "20", "--format", "json",
            "--wall");
    ck_assert_int_eq(p.status, 0);
    root = json_loads(p.out, 0, &jerr);
    ck_assert_ptr_nonnull(root);
    ck_assert(json_is_number(json_object_get(root, "wall_s")));
    json_decref(root);
    tu_proc_clear(&p);
}
END_TEST

START_TEST(test_run_tsv)
{
    struct tu_proc p;
    char **lines;
    unsigned int header = 0, rows = 0;

    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "20", "--format", "tsv",
            NULL);
    ck_assert_msg(p.status == 0, "%s", p.err);
    lines = g_strsplit(p.out, "\n", -1);
    while (lines[header] && g_str_has_prefix(lines[header], "# "))
        header++;
    ck_assert_ptr_nonnull(lines[header]);
    ck_assert_ptr_nonnull(strstr(lines[header], "cpu_ns"));
    ck_assert(g_str_has_prefix(lines[header], "task\t"));
    for (unsigned int i = header + 1; lines[i] && lines[i][0]; i++)
        rows++;
    ck_assert_uint_eq(rows, 5);
    ck_assert_ptr_null(strstr(p.out, "wall_s"));
    g_strfreev(lines);
    tu_proc_clear(&p);
}
END_TEST

/* The table format.  (The embedded default scenario is a VM scenario, which
 * this simulator does not run yet, so the table is checked on host tasks.) */
START_TEST(test_run_table)
{
    struct tu_proc p;

    run_cli(&p, "run", "scenarios/two-groups.json", "--duration-ms", "20", NULL, NULL, NULL);
    ck_assert_msg(p.status == 0, "%s", p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "two-groups"));
    ck_assert_ptr_nonnull(strstr(p.out, "cpu (ms)"));
    ck_assert_ptr_nonnull(strstr(p.out, "wall"));
    ck_assert_str_eq(p.err, ""); /* no progress bar when stderr is not a terminal */
    tu_proc_clear(&p);
}
END_TEST

/* Replace the one occurrence of @from in *@text by @to (asserts there is one). */
static void replace_once(char **text, const char *from, const char *to)
{
    char *at = strstr(*text, from), *edited;

    ck_assert_msg(at && !strstr(at + 1, from), "\"%s\" is not in the text exactly once", from);
    edited = g_strdup_printf("%.*s%s%s", (int)(at - *text), *text, to, at + strlen(from));
    g_free(*text);
    *text = edited;
}

/*
 * run --set gives byte for byte the results of the same scenario file edited
 * by hand: a number (seed, duration_ms), a JSON array that is not split at
 * its comma, a string that is not JSON (taken as a string).  Both runs read
 * the same path, since the path is in the output ("file").
 */
START_TEST(test_run_set_equals_edited_file)
{
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "s.json", NULL);
    char *text = tu_read_file(TU_SRC("scenarios/two-groups.json"));
    struct tu_proc p, q;
    json_t *root;

    ck_assert_ptr_nonnull(text);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    RUN_CLI(&p, "run", path, "--set", "seed=5", "--set", "duration_ms=30", "--set",
            "tasks[0].cpus=[0, 1]", "--set", "name=renamed", "--format", "json");
    ck_assert_msg(p.status == 0, "%s", p.err);

    replace_once(&text, "\"seed\": 1,", "\"seed\": 5,");
    replace_once(&text, "\"duration_ms\": 4000,", "\"duration_ms\": 30,");
    replace_once(&text, "\"nice\": 0, \"cpus\": [1]", "\"nice\": 0, \"cpus\": [0, 1]");
    replace_once(&text, "\"name\": \"two-groups\"", "\"name\": \"renamed\"");
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    RUN_CLI(&q, "run", path, "--format", "json");
    ck_assert_msg(q.status == 0, "%s", q.err);
    ck_assert_str_eq(p.out, q.out);

    /* ... and the edits did take effect. */
    root = json_loads(p.out, 0, NULL);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(json_string_value(json_object_get(root, "scenario")), "renamed");
    ck_assert_str_eq(json_string_value(json_object_get(root, "file")), path);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "seed")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "sim_ns")), 30000000);
    json_decref(root);
    tu_proc_clear(&p);
    tu_proc_clear(&q);

    /* The seed matters here, so the comparison above is not vacuous. */
    RUN_CLI(&p, "run", path, "--format", "json", "--set", "seed=1");
    ck_assert_msg(p.status == 0, "%s", p.err);
    RUN_CLI(&q, "run", path, "--format", "json");
    ck_assert_str_ne(p.out, q.out);
    tu_proc_clear(&p);
    tu_proc_clear(&q);

    tu_rmdir(dir);
    g_free(text);
    g_free(path);
    g_free(dir);
}
END_TEST

/* --set 'vms[0].count=3' on the default scenario (vm0, vm1): three
 * replicas of vm0 are simulated, then vm1. */
START_TEST(test_run_set_vm_count)
{
    static const char *const names[] = {"vm0.0", "vm0.1", "vm0.2", "vm1"};
    struct tu_proc p;
    json_t *root, *vms;

    RUN_CLI(&p, "run", "--set", "vms[0].count=3", "--duration-ms", "5", "--format", "json");
    ck_assert_msg(p.status == 0, "%s", p.err);
    root = json_loads(p.out, 0, NULL);
    ck_assert_ptr_nonnull(root);
    vms = json_object_get(root, "vms");
    ck_assert_uint_eq(json_array_size(vms), G_N_ELEMENTS(names));
    for (unsigned int i = 0; i < G_N_ELEMENTS(names); i++) {
        json_t *vm = json_array_get(vms, i);

        ck_assert_str_eq(json_string_value(json_object_get(vm, "name")), names[i]);
        ck_assert_int_eq(json_integer_value(json_object_get(vm, "vcpus")), 16);
    }
    json_decref(root);
    tu_proc_clear(&p);
}
END_TEST

/* Bad --set: exit 2 with a message naming --set and the path, and no --out
 * file.  What the loader rejects is reported as for a file, after the
 * --set options that were given. */
static const struct {
    const char *args[6];
    const char *want;
} bad_sets[] = {
    {{"--set", "kvm.apicv"},
     "vsched: --set: expected PATH=VALUE (e.g. kvm.apicv=on or vms[0].count=3), got "
     "\"kvm.apicv\"\n"},
    {{"--set", "=on"},
     "vsched: --set: expected PATH=VALUE (e.g. kvm.apicv=on or vms[0].count=3), got \"=on\"\n"},
    {{"--set", "vms[x].count=1"},
     "vsched: --set vms[x].count: not a scenario path (expected keys separated by '.' with [N] "
     "for array elements, e.g. kvm.apicv or vms[0].workload.cs_us)\n"},
    {{"--set", "kvm.apicv="},
     "vsched: --set kvm.apicv: empty value (write \"\" for an empty string)\n"},
    {{"--set", "name.x=1"}, "vsched: --set name.x: name is a string, so it has no key \"x\"\n"},
    {{"--set", "vms.count=1"}, "vsched: --set vms.count: vms is an array, so it has no key "
                               "\"count\"\n"},
    {{"--set", "vms[2].count=1"},
     "vsched: --set vms[2].count: vms[2] does not exist (vms has 2 entries)\n"},
    {{"--set", "kvm.apicv=bogus"},
     "vsched: --set kvm.apicv=bogus: <default>: kvm.apicv: expected one of \"off\", \"on\", "
     "\"ipiv\", got \"bogus\"\n"},
    {{"--set", "seed=3", "--set", "kvm.apicv=bogus"},
     "vsched: --set seed=3 --set kvm.apicv=bogus: <default>: kvm.apicv: expected one of "
     "\"off\", \"on\", \"ipiv\", got \"bogus\"\n"},
    /* not split: "1,2" is one value, a string */
    {{"--set", "duration_ms=1,2"},
     "vsched: --set duration_ms=1,2: <default>: duration_ms: expected a number > 0, got "
     "string\n"},
    /* an unknown key: the loader names the object that holds it */
    {{"--set", "kvm.frob=1"}, "vsched: --set kvm.frob=1: <default>: kvm: unknown key \"frob\""},
    {{"scenarios/two-groups.json", "--set", "host.cpus=0"},
     "vsched: --set host.cpus=0: scenarios/two-groups.json: host.cpus: expected an integer in "
     "[1, 256], got 0\n"},
};

START_TEST(test_run_set_bad)
{
    char *dir = tu_mkdtemp();
    char *out = g_build_filename(dir, "out.json", NULL);
    const char *argv[16] = {"run", "--duration-ms", "5", "--out", out};
    unsigned int n = 5;
    struct tu_proc p;

    for (unsigned int i = 0; bad_sets[_i].args[i]; i++)
        argv[n++] = bad_sets[_i].args[i];
    argv[n] = NULL;
    run_cliv(&p, argv);
    ck_assert_msg(p.status == 2, "case %d: status %d, %s", _i, p.status, p.err);
    ck_assert_msg(g_str_has_prefix(p.err, bad_sets[_i].want), "case %d: got %s", _i, p.err);
    ck_assert_str_eq(p.out, "");
    ck_assert_int_eq(tu_count_entries(dir), 0); /* no output, no temporary */
    tu_proc_clear(&p);
    tu_rmdir(dir);
    g_free(out);
    g_free(dir);
}
END_TEST

/* Golden scenario outputs: the JSON of a few short runs, byte for byte
 * (scripts/update-golden.sh regenerates them after an intended change). */
static const struct {
    const char *file;
    const char *argv[12];
} golden_cases[] = {
    {"tests/golden/default-20ms.json", {"run", "--duration-ms", "20", "--format", "json"}},
    {"tests/golden/default-20ms-v2series.json",
     {"run", "--duration-ms", "20", "--format", "json", "--policy", "yield_to=deboost-v2",
      "--policy", "directed_yield=ipi-aware-relaxed"}},
    {"tests/golden/dedup-20ms-ipi-aware.json",
     {"run", "scenarios/vm-ipi-dedup.json", "--duration-ms", "20", "--format", "json",
      "--policy", "directed_yield=ipi-aware"}},
    {"tests/golden/libvirt-dedup-50ms-v2series.json",
     {"run", "scenarios/vm-libvirt-dedup.json", "--duration-ms", "50", "--format", "json",
      "--policy", "yield_to=deboost-v2", "--policy", "directed_yield=ipi-aware-relaxed"}},
    {"tests/golden/flat-2vm-20ms-v3series.json",
     {"run", "scenarios/vm-overcommit-2x-flat.json", "--duration-ms", "20", "--format", "json", "--policy",
      "yield_to=lag-credit-v3", "--policy", "directed_yield=ipi-aware-v3"}},
    {"tests/golden/two-groups-200ms.json",
     {"run", "scenarios/two-groups.json", "--duration-ms", "200", "--format", "json"}},
};

START_TEST(test_golden)
{
    const char *argv[14] = {VSCHED_CLI};
    struct tu_proc p;
    char *path = g_build_filename(VSCHED_SOURCE_DIR, golden_cases[_i].file, NULL);
    char *want = tu_read_file(path);

    for (unsigned int i = 0; golden_cases[_i].argv[i]; i++)
        argv[i + 1] = golden_cases[_i].argv[i];
    ck_assert_msg(want != NULL, "cannot read %s", path);
    ck_assert(tu_run(argv, VSCHED_SOURCE_DIR, &p));
    ck_assert_int_eq(p.status, 0);
    ck_assert_msg(strcmp(p.out, want) == 0,
                  "%s differs from the run's output (intended? scripts/update-golden.sh)",
                  golden_cases[_i].file);
    tu_proc_clear(&p);
    g_free(want);
    g_free(path);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_help);
    tcase_add_test(tc, test_usage_errors);
    tcase_add_test(tc, test_validate_good);
    tcase_add_test(tc, test_validate_bad);
    tcase_add_test(tc, test_validate_bad_s390);
    tcase_add_test(tc, test_run_bad_scenario_no_output);
    tcase_add_test(tc, test_run_out_missing_dir);
    tcase_add_test(tc, test_run_out_file);
    tcase_add_test(tc, test_run_json_deterministic);
    tcase_add_test(tc, test_run_tsv);
    tcase_add_test(tc, test_run_table);
    tcase_add_test(tc, test_run_set_equals_edited_file);
    tcase_add_test(tc, test_run_set_vm_count);
    tcase_add_loop_test(tc, test_run_set_bad, 0, G_N_ELEMENTS(bad_sets));
    tcase_add_loop_test(tc, test_golden, 0, G_N_ELEMENTS(golden_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cli_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
