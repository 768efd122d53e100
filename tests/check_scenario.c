/*
 * tests/check_scenario.c - the scenario loader (src/io/scenario.c): bad
 * inputs are rejected with the right error code and a message naming the
 * file and the JSON path; good inputs load with the documented defaults; the
 * canonical hash ignores formatting and explicit defaults; every shipped
 * scenario loads; no input makes the loader crash.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vsched/scenario.h"

#include "testutil.h"

/* Common well-formed pieces for the bad-input table. */
#define HDR "\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2}, "
#define TASK_OK "{\"name\": \"a\", \"program\": [{\"run_us\": 1}]}"
#define WITH_TASKS(tasks) "{" HDR "\"tasks\": [" tasks "]}"

/* One bad input and what the loader must say about it. */
struct bad_case {
    const char *what;      /* test label */
    const char *json;      /* the input */
    int code;              /* expected enum vsched_scenario_error_code */
    const char *fragment;  /* must occur in the message (besides the file name) */
};

static const struct bad_case bad_cases[] = {
    {"malformed JSON", "{\n  \"version\": 1,\n  \"name\": \n}\n", VSCHED_SCENARIO_ERROR_SYNTAX,
     "bad.json:4:1: malformed JSON"},
    {"trailing comma", "{\"version\": 1,}", VSCHED_SCENARIO_ERROR_SYNTAX, "bad.json:1:"},
    {"empty text", "", VSCHED_SCENARIO_ERROR_SYNTAX, "malformed JSON"},
    {"top level not an object", "[1, 2]", VSCHED_SCENARIO_ERROR_INVALID,
     "expected a JSON object at the top level, got array"},
    {"duplicate key", "{\"version\": 1, \"version\": 1}", VSCHED_SCENARIO_ERROR_SYNTAX,
     "duplicate"},
    {"missing version", "{\"name\": \"x\"}", VSCHED_SCENARIO_ERROR_INVALID,
     "missing required key \"version\""},
    {"version 2", "{\"version\": 2, \"name\": \"t\"}", VSCHED_SCENARIO_ERROR_INVALID,
     "version: unsupported format version 2"},
    {"version string", "{\"version\": \"1\"}", VSCHED_SCENARIO_ERROR_INVALID,
     "version: expected the integer 1, got string"},
    {"unknown top-level key", "{" HDR "\"prio\": 1, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "unknown key \"prio\" (expected one of version, name"},
    {"unknown key in a task", WITH_TASKS("{\"name\": \"a\", \"prio\": 3, \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "tasks[0]: unknown key \"prio\" (expected one of name, cgroup, nice, count, cpus, program, comment)"},
    {"unknown key in kernel", "{" HDR "\"kernel\": {\"hz\": 250, \"hertz\": 1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel: unknown key \"hertz\""},
    {"unknown feature", "{" HDR "\"kernel\": {\"features\": {\"next_buddy\": true, \"nxt_buddy\": true}}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.features: unknown key \"nxt_buddy\""},
    {"feature not a bool", "{" HDR "\"kernel\": {\"features\": {\"next_buddy\": 1}}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.features.next_buddy: expected true or false, got integer"},
    {"comment not a string", "{" HDR "\"comment\": 1, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "comment: expected a string, got integer"},
    {"wrong type", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": \"10\", \"host\": {\"cpus\": 2}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "duration_ms: expected a number > 0, got string"},
    {"name not a string", "{\"version\": 1, \"name\": 3}", VSCHED_SCENARIO_ERROR_INVALID,
     "name: expected a string, got integer"},
    {"negative duration", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": -5, \"host\": {\"cpus\": 2}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "duration_ms: expected a number > 0, got -5"},
    {"zero duration", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 0, \"host\": {\"cpus\": 2}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "duration_ms: expected a number > 0, got 0"},
    {"duration below 1 ns", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 1e-9, \"host\": {\"cpus\": 2}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "duration_ms: 1e-09 rounds to 0 ns"},
    {"missing duration", "{\"version\": 1, \"name\": \"t\", \"host\": {\"cpus\": 2}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "missing required key \"duration_ms\""},
    {"negative seed", "{" HDR "\"seed\": -1, \"tasks\": [" TASK_OK "]}", VSCHED_SCENARIO_ERROR_INVALID,
     "seed: expected an integer in [0, 9223372036854775807], got -1"},
    {"hz not allowed", "{" HDR "\"kernel\": {\"hz\": 123}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.hz: expected one of 100, 250, 300, 1000, got 123"},
    {"unknown profile", "{" HDR "\"kernel\": {\"profile\": \"6.20\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.profile: expected one of \"6.18\", \"6.19\", got \"6.20\""},
    {"base slice too small", "{" HDR "\"kernel\": {\"base_slice_ns\": 99999}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.base_slice_ns: expected an integer in [100000, 100000000], got 99999"},
    {"bad tunable_scaling", "{" HDR "\"kernel\": {\"tunable_scaling\": \"cubic\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.tunable_scaling: expected one of \"none\", \"log\", \"linear\""},
    {"missing host", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "missing required key \"host\""},
    {"host cpus 0", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 0}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.cpus: expected an integer in [1, 256], got 0"},
    {"host cpus written as a real", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2.0}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.cpus: expected an integer in [1, 256], got 2.0"},
    {"host cpus fractional", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 1.5}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.cpus: expected an integer in [1, 256], got 1.5"},
    {"negative balance interval", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 1, \"balance_interval_ms\": -1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.balance_interval_ms: expected a number >= 0, got -1"},
    {"undeclared cgroup", WITH_TASKS("{\"name\": \"a\", \"cgroup\": \"/X\", \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].cgroup: cgroup \"/X\" is not declared"},
    {"parent not declared", "{" HDR "\"cgroups\": [{\"path\": \"/P1/a\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID,
     "cgroups[0].path: parent cgroup \"/P1\" of \"/P1/a\" is not declared (declare it before its children)"},
    {"parent declared after child", "{" HDR "\"cgroups\": [{\"path\": \"/P1/a\"}, {\"path\": \"/P1\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "parent cgroup \"/P1\" of \"/P1/a\" is not declared"},
    {"root cgroup declared", "{" HDR "\"cgroups\": [{\"path\": \"/\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "cgroups[0].path: invalid cgroup path \"/\""},
    {"cgroup trailing slash", "{" HDR "\"cgroups\": [{\"path\": \"/A/\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "must not end with \"/\""},
    {"cgroup relative", "{" HDR "\"cgroups\": [{\"path\": \"A\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "must start with \"/\""},
    {"cgroup empty component", "{" HDR "\"cgroups\": [{\"path\": \"/A\"}, {\"path\": \"/A//b\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "cgroups[1].path: invalid cgroup path \"/A//b\""},
    {"cgroup declared twice", "{" HDR "\"cgroups\": [{\"path\": \"/A\"}, {\"path\": \"/A\"}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "cgroups[1].path: cgroup \"/A\" is declared twice"},
    {"shares out of range", "{" HDR "\"cgroups\": [{\"path\": \"/A\", \"shares\": 1}], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "cgroups[0].shares: expected an integer in [2, 262144], got 1"},
    {"no tasks key", "{" HDR "\"cgroups\": []}", VSCHED_SCENARIO_ERROR_INVALID,
     "missing required key \"tasks\""},
    {"empty tasks", WITH_TASKS(""), VSCHED_SCENARIO_ERROR_INVALID,
     "tasks: expected a non-empty array of tasks"},
    {"task without name", WITH_TASKS("{\"program\": [{\"run_us\": 1}]}"), VSCHED_SCENARIO_ERROR_INVALID,
     "tasks[0]: missing required key \"name\""},
    {"task name with slash", WITH_TASKS("{\"name\": \"a/b\", \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].name: expected a non-empty name"},
    {"task name with space", WITH_TASKS("{\"name\": \"a b\", \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].name: expected a non-empty name"},
    {"empty program", WITH_TASKS("{\"name\": \"a\", \"program\": []}"), VSCHED_SCENARIO_ERROR_INVALID,
     "tasks[0].program: expected a non-empty array of steps, got an empty array"},
    {"missing program", WITH_TASKS("{\"name\": \"a\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "tasks[0]: missing required key \"program\""},
    {"program with only a yield", WITH_TASKS(TASK_OK ", {\"name\": \"y\", \"program\": [{\"yield\": true}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[1].program: program never advances time"},
    {"program of zero-length steps", WITH_TASKS("{\"name\": \"z\", \"program\": [{\"run_ns\": 0}, {\"sleep_us\": 0.0001}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program: program never advances time"},
    {"step with two kinds", WITH_TASKS(TASK_OK ", {\"name\": \"b\", \"program\": [{\"run_us\": 1}]}, {\"name\": \"c\", \"program\": [{\"run_us\": 1}, {\"run_us\": 1, \"sleep_us\": 2}]}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "tasks[2].program[1]: expected exactly one of run_us, run_ns, sleep_us, sleep_ns, yield"},
    {"step with no kind", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"comment\": \"x\"}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0]: expected exactly one of"},
    {"step with unknown key", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"run_ms\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0]: unknown key \"run_ms\""},
    {"step not an object", WITH_TASKS("{\"name\": \"a\", \"program\": [5]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0]: expected an object"},
    {"yield false", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"run_us\": 1}, {\"yield\": false}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[1].yield: expected true"},
    {"negative run", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"run_us\": -1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0].run_us: expected a number >= 0, got -1"},
    {"huge sleep", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"sleep_us\": 1e300}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0].sleep_us: 1e+300 is too large"},
    {"cpus out of range", WITH_TASKS("{\"name\": \"a\", \"cpus\": [0, 2], \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].cpus[1]: expected a CPU number in [0, 1] (host.cpus is 2), got 2"},
    {"cpus negative", WITH_TASKS("{\"name\": \"a\", \"cpus\": [-1], \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].cpus[0]: expected a CPU number"},
    {"cpus empty", WITH_TASKS("{\"name\": \"a\", \"cpus\": [], \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].cpus: expected a non-empty array of CPU numbers"},
    {"cpus repeated", WITH_TASKS("{\"name\": \"a\", \"cpus\": [1, 1], \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].cpus[1]: CPU 1 is listed twice"},
    {"duplicate task names", WITH_TASKS(TASK_OK ", " TASK_OK), VSCHED_SCENARIO_ERROR_INVALID,
     "tasks[1].name: duplicate task name \"a\" (also used by tasks[0])"},
    {"replica name clash", WITH_TASKS("{\"name\": \"b.1\", \"program\": [{\"run_us\": 1}]}, {\"name\": \"b\", \"count\": 2, \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[1].name: task name \"b.1\" (replica 1 of \"b\", count 2) clashes"},
    {"nice out of range", WITH_TASKS("{\"name\": \"a\", \"nice\": 20, \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].nice: expected an integer in [-20, 19], got 20"},
    {"count 0", WITH_TASKS("{\"name\": \"a\", \"count\": 0, \"program\": [{\"run_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].count: expected an integer in [1, 4096], got 0"},
};

START_TEST(test_bad_input)
{
    const struct bad_case *c = &bad_cases[_i];
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(c->json, "bad.json", &err);

    ck_assert_msg(sc == NULL, "%s: loaded", c->what);
    ck_assert_msg(err != NULL, "%s: no error set", c->what);
    ck_assert_msg(err->domain == VSCHED_SCENARIO_ERROR, "%s: wrong domain", c->what);
    ck_assert_msg(err->code == c->code, "%s: code %d, expected %d (%s)", c->what, err->code,
                  c->code, err->message);
    ck_assert_msg(g_str_has_prefix(err->message, "bad.json:"), "%s: message does not name the file: %s",
                  c->what, err->message);
    ck_assert_msg(strstr(err->message, c->fragment) != NULL,
                  "%s: message \"%s\" lacks \"%s\"", c->what, err->message, c->fragment);
    g_error_free(err);
}
END_TEST

START_TEST(test_missing_file)
{
    GError *err = NULL;
    struct scenario *sc = scenario_load_file("/nonexistent/dir/x.json", &err);

    ck_assert_ptr_null(sc);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->code, VSCHED_SCENARIO_ERROR_IO);
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent/dir/x.json"));
    g_clear_error(&err);

    sc = scenario_load_file(VSCHED_SOURCE_DIR, &err); /* a directory */
    ck_assert_ptr_null(sc);
    ck_assert_int_eq(err->code, VSCHED_SCENARIO_ERROR_IO);
    g_error_free(err);
}
END_TEST

START_TEST(test_syntax_error_in_file)
{
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "broken.json", NULL);
    GError *err = NULL;
    struct scenario *sc;

    ck_assert(g_file_set_contents(path, "{\n  \"version\": 1\n  \"name\": \"x\"\n}\n", -1, NULL));
    sc = scenario_load_file(path, &err);
    ck_assert_ptr_null(sc);
    ck_assert_int_eq(err->code, VSCHED_SCENARIO_ERROR_SYNTAX);
    ck_assert_msg(g_str_has_prefix(err->message, path), "%s", err->message);
    ck_assert_msg(strstr(err->message, ":3:") != NULL, "no line: %s", err->message);
    g_error_free(err);
    tu_rmdir(dir);
    g_free(path);
    g_free(dir);
}
END_TEST

/* The example of docs/scenario-format.md. */
START_TEST(test_example_values)
{
    GError *err = NULL;
    struct scenario *sc = scenario_load_file(TU_SRC("scenarios/two-groups.json"), &err);
    struct cpumask only1;

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
    ck_assert_str_eq(sc->name, "two-groups");
    ck_assert_uint_eq(sc->seed, 1);
    ck_assert_uint_eq(sc->duration_ns, 4000 * NSEC_PER_MSEC);
    ck_assert_int_eq(sc->kernel.profile, KERNEL_6_18);
    ck_assert_uint_eq(sc->kernel.hz, 250);
    ck_assert_uint_eq(sc->host.cpus, 2);
    ck_assert_uint_eq(sc->nr_cgroups, 2);
    ck_assert_str_eq(sc->cgroups[0].path, "/A");
    ck_assert_uint_eq(sc->cgroups[0].shares, 1024);
    ck_assert_str_eq(sc->cgroups[1].path, "/B");
    ck_assert_uint_eq(sc->cgroups[1].shares, 256);
    ck_assert_uint_eq(sc->nr_tasks, 4);

    cpumask_clear(&only1);
    cpumask_set_cpu(1, &only1);
    for (unsigned int i = 0; i < sc->nr_tasks; i++)
        ck_assert_mem_eq(&sc->tasks[i].cpus, &only1, sizeof(only1));

    ck_assert_str_eq(sc->tasks[0].name, "a");
    ck_assert_str_eq(sc->tasks[0].cgroup, "/A");
    ck_assert_uint_eq(sc->tasks[0].nr_steps, 1);
    ck_assert_int_eq(sc->tasks[0].program[0].kind, STEP_RUN);
    ck_assert_uint_eq(sc->tasks[0].program[0].ns, 1000000000ULL);

    ck_assert_str_eq(sc->tasks[1].name, "b");
    ck_assert_str_eq(sc->tasks[1].cgroup, "/B");
    ck_assert_uint_eq(sc->tasks[1].count, 2);

    ck_assert_str_eq(sc->tasks[2].name, "d");
    ck_assert_str_eq(sc->tasks[2].cgroup, "/");
    ck_assert_uint_eq(sc->tasks[2].nr_steps, 2);
    ck_assert_int_eq(sc->tasks[2].program[0].kind, STEP_RUN);
    ck_assert_uint_eq(sc->tasks[2].program[0].ns, 3000000);
    ck_assert_int_eq(sc->tasks[2].program[1].kind, STEP_SLEEP);
    ck_assert_uint_eq(sc->tasks[2].program[1].ns, 1000000);

    ck_assert_str_eq(sc->tasks[3].name, "y");
    ck_assert_uint_eq(sc->tasks[3].nr_steps, 2);
    ck_assert_int_eq(sc->tasks[3].program[0].kind, STEP_RUN);
    ck_assert_uint_eq(sc->tasks[3].program[0].ns, 5600); /* 5.6 us */
    ck_assert_int_eq(sc->tasks[3].program[1].kind, STEP_YIELD);
    ck_assert_uint_eq(sc->tasks[3].program[1].ns, 0);
    scenario_free(sc);
}
END_TEST

START_TEST(test_defaults)
{
    const char *json = "{\"version\": 1, \"name\": \"min\", \"duration_ms\": 0.0015,"
                       " \"host\": {\"cpus\": 3},"
                       " \"tasks\": [{\"name\": \"t\", \"program\": [{\"run_ns\": 2.5}, {\"sleep_ns\": 7}]}]}";
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "min.json", &err);
    bool feat[SF_NR];

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
    ck_assert_str_eq(sc->file, "min.json");
    ck_assert_str_eq(sc->description, "");
    ck_assert_uint_eq(sc->seed, 1);
    ck_assert_uint_eq(sc->duration_ns, 1500);
    ck_assert_int_eq(sc->kernel.profile, KERNEL_6_18);
    ck_assert_uint_eq(sc->kernel.hz, 250);
    ck_assert_uint_eq(sc->kernel.base_slice_ns, 700000);
    ck_assert_int_eq(sc->kernel.scaling, SCALING_LOG);
    ck_assert_uint_eq(sc->kernel.timer_slack_ns, 50000);
    sched_feat_defaults(KERNEL_6_18, feat);
    for (int i = 0; i < SF_NR; i++)
        ck_assert_int_eq(sc->kernel.feat[i], feat[i]);
    ck_assert(!sc->kernel.feat[SF_NEXT_BUDDY]);
    ck_assert(sc->kernel.feat[SF_PICK_BUDDY]);
    ck_assert(sc->kernel.feat[SF_YIELD_FORFEIT]);
    ck_assert_uint_eq(sc->host.balance_interval_ns, 32 * NSEC_PER_MSEC);
    ck_assert(sc->host.newidle_balance);
    ck_assert_uint_eq(sc->nr_cgroups, 0);
    ck_assert_uint_eq(sc->nr_tasks, 1);
    ck_assert_str_eq(sc->tasks[0].cgroup, "/");
    ck_assert_int_eq(sc->tasks[0].nice, 0);
    ck_assert_uint_eq(sc->tasks[0].count, 1);
    ck_assert_uint_eq(cpumask_weight(&sc->tasks[0].cpus), 3);
    for (unsigned int c = 0; c < 3; c++)
        ck_assert(cpumask_test_cpu(c, &sc->tasks[0].cpus));
    ck_assert_uint_eq(sc->tasks[0].program[0].ns, 3); /* 2.5 ns rounds to nearest (half away from 0) */
    ck_assert_uint_eq(sc->tasks[0].program[1].ns, 7);
    scenario_free(sc);
}
END_TEST

START_TEST(test_overrides)
{
    const char *json =
        "{\"version\": 1, \"name\": \"o\", \"seed\": 42, \"duration_ms\": 1,"
        " \"kernel\": {\"profile\": \"6.19\", \"hz\": 1000, \"base_slice_ns\": 3000000,"
        "  \"tunable_scaling\": \"none\", \"timer_slack_ns\": 0,"
        "  \"features\": {\"next_buddy\": true, \"delay_dequeue\": false}},"
        " \"host\": {\"cpus\": 4, \"balance_interval_ms\": 0, \"newidle_balance\": false},"
        " \"cgroups\": [{\"path\": \"/P\", \"shares\": 2}, {\"path\": \"/P/c\", \"shares\": 262144}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/P/c\", \"nice\": -20, \"count\": 4096,"
        "  \"cpus\": [3, 0], \"program\": [{\"sleep_us\": 1}]}]}";
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "o.json", &err);

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
    ck_assert_uint_eq(sc->seed, 42);
    ck_assert_int_eq(sc->kernel.profile, KERNEL_6_19);
    ck_assert_uint_eq(sc->kernel.hz, 1000);
    ck_assert_uint_eq(sc->kernel.base_slice_ns, 3000000);
    ck_assert_int_eq(sc->kernel.scaling, SCALING_NONE);
    ck_assert_uint_eq(sc->kernel.timer_slack_ns, 0);
    ck_assert(sc->kernel.feat[SF_NEXT_BUDDY]);
    ck_assert(!sc->kernel.feat[SF_DELAY_DEQUEUE]);
    ck_assert(sc->kernel.feat[SF_PLACE_LAG]);
    ck_assert_uint_eq(sc->host.balance_interval_ns, 0);
    ck_assert(!sc->host.newidle_balance);
    ck_assert_uint_eq(sc->cgroups[0].shares, 2);
    ck_assert_uint_eq(sc->cgroups[1].shares, 262144);
    ck_assert_str_eq(sc->tasks[0].cgroup, "/P/c");
    ck_assert_int_eq(sc->tasks[0].nice, -20);
    ck_assert_uint_eq(sc->tasks[0].count, 4096);
    ck_assert_uint_eq(cpumask_weight(&sc->tasks[0].cpus), 2);
    ck_assert(cpumask_test_cpu(0, &sc->tasks[0].cpus));
    ck_assert(cpumask_test_cpu(3, &sc->tasks[0].cpus));
    scenario_free(sc);
}
END_TEST

START_TEST(test_default_scenario)
{
    struct scenario *sc = scenario_load_default();
    GError *err = NULL;
    struct scenario *again = scenario_load_string(scenario_default_json(), "d", &err);

    ck_assert_ptr_nonnull(sc);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(sc->name, "default");
    ck_assert_str_eq(sc->file, "<default>");
    ck_assert_uint_eq(sc->duration_ns, 2000 * NSEC_PER_MSEC);
    ck_assert_uint_eq(sc->host.cpus, 2);
    ck_assert_uint_eq(sc->nr_cgroups, 2);
    ck_assert_uint_eq(sc->cgroups[1].shares, 256);
    ck_assert_uint_eq(sc->nr_tasks, 4);
    ck_assert_uint_eq(sc->tasks[1].count, 2);
    ck_assert_uint_eq(cpumask_weight(&sc->tasks[0].cpus), 2); /* unpinned */
    ck_assert_uint_eq(sc->tasks[3].program[0].ns, 5600);
    ck_assert_uint_eq(scenario_hash(sc), scenario_hash(again));
    scenario_free(sc);
    scenario_free(again);
}
END_TEST

START_TEST(test_all_shipped_scenarios_load)
{
    GDir *d = g_dir_open(TU_SRC("scenarios"), 0, NULL);
    const char *name;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((name = g_dir_read_name(d))) {
        char *path;
        GError *err = NULL;
        struct scenario *sc;

        if (!g_str_has_suffix(name, ".json"))
            continue;
        path = g_build_filename(TU_SRC("scenarios"), name, NULL);
        sc = scenario_load_file(path, &err);
        ck_assert_msg(sc != NULL, "%s", err ? err->message : path);
        ck_assert_str_eq(sc->file, path);
        ck_assert_msg(sc->description[0] != '\0', "%s has no description", path);
        scenario_free(sc);
        g_free(path);
        n++;
    }
    g_dir_close(d);
    ck_assert_int_ge(n, 4);
}
END_TEST

START_TEST(test_hash)
{
    const char *a = "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2},"
                    " \"cgroups\": [{\"path\": \"/A\"}],"
                    " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}]}";
    /* Same scenario: other key order and layout, defaults written out,
     * other units for the same times, comments, another description. */
    const char *b = "{\n  \"tasks\": [\n    {\"program\": [{\"run_ns\": 5600}, {\"yield\": true, \"comment\": \"x\"}],"
                    " \"cpus\": [1, 0], \"count\": 1, \"nice\": 0, \"cgroup\": \"/A\", \"name\": \"t\"}\n  ],\n"
                    "  \"comment\": \"annotated\", \"description\": \"words\",\n"
                    "  \"cgroups\": [{\"shares\": 1024, \"path\": \"/A\"}],\n"
                    "  \"host\": {\"newidle_balance\": true, \"balance_interval_ms\": 32, \"cpus\": 2},\n"
                    "  \"kernel\": {\"profile\": \"6.18\", \"hz\": 250, \"base_slice_ns\": 700000,"
                    " \"tunable_scaling\": \"log\", \"timer_slack_ns\": 50000, \"features\": {\"next_buddy\": false}},\n"
                    "  \"duration_ms\": 100.0, \"seed\": 1, \"name\": \"h\", \"version\": 1\n}\n";
    /* Variations that change what is simulated. */
    const char *const differ[] = {
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"nice\": 1, \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"seed\": 2, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\", \"shares\": 1025}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"cpus\": [1], \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 5.7}, {\"yield\": true}]}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"kernel\": {\"features\": {\"next_buddy\": true}},"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"sleep_us\": 5.6}, {\"yield\": true}]}]}",
    };
    GError *err = NULL;
    struct scenario *sa = scenario_load_string(a, "a.json", &err);
    struct scenario *sb = scenario_load_string(b, "b.json", &err);
    u64 ha;

    ck_assert_msg(sa && sb, "%s", err ? err->message : "");
    ha = scenario_hash(sa);
    ck_assert_uint_eq(ha, scenario_hash(sb));
    ck_assert_uint_eq(ha, scenario_hash(sa)); /* stable */
    for (unsigned int i = 0; i < G_N_ELEMENTS(differ); i++) {
        struct scenario *sd = scenario_load_string(differ[i], "d.json", &err);

        ck_assert_msg(sd != NULL, "differ[%u]: %s", i, err ? err->message : "");
        ck_assert_msg(scenario_hash(sd) != ha, "differ[%u] hashes like the original", i);
        scenario_free(sd);
    }
    scenario_free(sa);
    scenario_free(sb);
}
END_TEST

START_TEST(test_feature_names_and_profiles)
{
    enum kernel_profile p;
    bool f18[SF_NR], f19[SF_NR];

    ck_assert_str_eq(sched_feat_names[SF_PLACE_LAG], "place_lag");
    ck_assert_str_eq(sched_feat_names[SF_WAKEUP_PREEMPTION], "wakeup_preemption");
    ck_assert_str_eq(sched_feat_names[SF_YIELD_FORFEIT], "yield_forfeit");
    for (int i = 0; i < SF_NR; i++)
        ck_assert_ptr_nonnull(sched_feat_names[i]);
    ck_assert(kernel_profile_parse("6.18", &p) && p == KERNEL_6_18);
    ck_assert(kernel_profile_parse("6.19", &p) && p == KERNEL_6_19);
    ck_assert(!kernel_profile_parse("6.1", &p));
    ck_assert(!kernel_profile_parse(NULL, &p));
    ck_assert_str_eq(kernel_profile_name(KERNEL_6_18), "6.18");
    ck_assert_str_eq(kernel_profile_name(KERNEL_6_19), "6.19");
    sched_feat_defaults(KERNEL_6_18, f18);
    sched_feat_defaults(KERNEL_6_19, f19);
    for (int i = 0; i < SF_NR; i++) {
        ck_assert_int_eq(f18[i], i != SF_NEXT_BUDDY);
        ck_assert_int_eq(f19[i], i != SF_NEXT_BUDDY);
    }
}
END_TEST

/* Every truncation and many one-byte corruptions of a valid scenario must be
 * either loaded or rejected with an error, never crash or leak an error-less
 * NULL.  (Run under ASan/valgrind to catch memory errors too.) */
START_TEST(test_robustness)
{
    const char *text = scenario_default_json();
    size_t len = strlen(text);
    static const char subst[] = {'0', '-', '"', '{', ']', ',', 'x', ' ', '.', '9'};

    for (size_t cut = 0; cut < len; cut++) {
        char *t = g_strndup(text, cut);
        GError *err = NULL;
        struct scenario *sc = scenario_load_string(t, "cut.json", &err);

        if (sc) {
            ck_assert_ptr_null(err);
            scenario_free(sc);
        } else {
            ck_assert_ptr_nonnull(err);
            g_error_free(err);
        }
        g_free(t);
    }
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t k = 0; k < sizeof(subst); k++) {
            char *t = g_strdup(text);
            GError *err = NULL;
            struct scenario *sc;

            t[pos] = subst[k];
            sc = scenario_load_string(t, "mut.json", &err);
            ck_assert((sc == NULL) == (err != NULL));
            if (sc)
                scenario_free(sc);
            g_clear_error(&err);
            g_free(t);
        }
    }
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("load");

    tcase_add_loop_test(tc, test_bad_input, 0, G_N_ELEMENTS(bad_cases));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_syntax_error_in_file);
    tcase_add_test(tc, test_example_values);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_overrides);
    tcase_add_test(tc, test_default_scenario);
    tcase_add_test(tc, test_all_shipped_scenarios_load);
    tcase_add_test(tc, test_hash);
    tcase_add_test(tc, test_feature_names_and_profiles);
    tcase_add_test(tc, test_robustness);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scenario_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
