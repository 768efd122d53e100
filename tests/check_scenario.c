/*
 * tests/check_scenario.c - the scenario loader (src/io/scenario.c): bad
 * inputs are rejected with the right error code and a message naming the
 * file and the JSON path; good inputs load with the documented defaults; the
 * canonical hash ignores formatting and explicit defaults; every shipped
 * scenario loads; no input makes the loader crash.
 */
#include <stddef.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vsched/scenario.h"

#include "testutil.h"

/* Common well-formed pieces for the bad-input table. */
#define HDR "\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2}, "
#define TASK_OK "{\"name\": \"a\", \"program\": [{\"run_us\": 1}]}"
#define WITH_TASKS(tasks) "{" HDR "\"tasks\": [" tasks "]}"

/* Pieces for VM cases: a 4-CPU host and one 4-vCPU VM "v". */
#define VHDR "\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}, "
#define WITH_VMS(vms) "{" VHDR "\"vms\": [" vms "]}"
#define VM_WL(wl) WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"workload\": " wl "}")
#define VM_PROG(steps) VM_WL("{\"program\": [" steps "]}")
#define VM_OK "{\"name\": \"v\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}}"
#define C1 "{\"op\": \"compute\", \"us\": 1}"
#define LOCK(name) "{\"op\": \"lock\", \"lock\": \"" name "\"}"
#define UNLOCK "{\"op\": \"unlock\"}"
#define LK64(n) "{\"op\": \"lock\", \"lock\": \"l" #n "\", \"spread\": 64}, " UNLOCK ", "

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
    {"unknown pick", "{" HDR "\"kernel\": {\"profile\": \"6.19\", \"pick\": \"flattened\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID,
     "kernel.pick: expected one of \"hierarchical\", \"flat\", got \"flattened\""},
    {"pick not a string", "{" HDR "\"kernel\": {\"profile\": \"6.19\", \"pick\": true}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.pick: expected one of \"hierarchical\", \"flat\", got boolean"},
    {"flat pick on the 6.18 profile", "{" HDR "\"kernel\": {\"pick\": \"flat\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID,
     "kernel.pick: \"flat\" (sched/flat) needs \"profile\": \"6.19\""},
    {"unknown reweight", "{" HDR "\"kernel\": {\"reweight\": \"revert\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID,
     "kernel.reweight: expected one of \"place\", \"rescale\", got \"revert\""},
    {"reweight not a string", "{" HDR "\"kernel\": {\"reweight\": 1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kernel.reweight: expected one of \"place\", \"rescale\", got integer"},
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
    {"clock_poll on a sleep", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"run_us\": 1}, {\"sleep_us\": 1, \"clock_poll_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[1]: clock_poll_us is only allowed on a run step"},
    {"clock_poll in two units", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"run_us\": 1, \"clock_poll_us\": 1, \"clock_poll_ns\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0]: expected at most one of clock_poll_us, clock_poll_ns"},
    {"clock_poll negative", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"run_us\": 1, \"clock_poll_ns\": -1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0].clock_poll_ns: expected a number >= 0, got -1"},
    {"clock_poll alone", WITH_TASKS("{\"name\": \"a\", \"program\": [{\"clock_poll_us\": 1}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "tasks[0].program[0]: expected exactly one of run_us, run_ns, sleep_us, sleep_ns, yield"},
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
    /* ---- host: KVM figures ---- */
    {"cpu_ghz 0", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2, \"cpu_ghz\": 0}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.cpu_ghz: expected a number in (0, 10], got 0"},
    {"cpu_ghz too high", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2, \"cpu_ghz\": 10.5}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.cpu_ghz: expected a number in (0, 10], got 10.5"},
    {"cpu_ghz a string", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2, \"cpu_ghz\": \"3\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.cpu_ghz: expected a number in (0, 10], got string"},
    {"pause_cycles 0", "{\"version\": 1, \"name\": \"t\", \"duration_ms\": 10, \"host\": {\"cpus\": 2, \"pause_cycles\": 0}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "host.pause_cycles: expected an integer in [1, 10000], got 0"},
    /* ---- kvm ---- */
    {"kvm not an object", "{" HDR "\"kvm\": [], \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm: expected an object, got array"},
    {"kvm unknown key", "{" HDR "\"kvm\": {\"ple_windw\": 1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm: unknown key \"ple_windw\" (expected one of exit_ns, entry_ns"},
    {"kvm exit_ns above 10 ms", "{" HDR "\"kvm\": {\"exit_ns\": 10000001}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.exit_ns: expected an integer in [0, 10000000], got 10000001"},
    {"kvm ctx_switch_ns negative", "{" HDR "\"kvm\": {\"ctx_switch_ns\": -1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.ctx_switch_ns: expected an integer in [0, 10000000], got -1"},
    {"kvm ple_window_max above UINT32_MAX", "{" HDR "\"kvm\": {\"ple_window_max\": 4294967296}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.ple_window_max: expected an integer in [0, 4294967295], got 4294967296"},
    {"kvm halt_poll_ns fractional", "{" HDR "\"kvm\": {\"halt_poll_ns\": 1.5}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.halt_poll_ns: expected an integer in [0, 4294967295], got 1.5"},
    {"kvm apicv unknown", "{" HDR "\"kvm\": {\"apicv\": \"auto\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.apicv: expected one of \"off\", \"on\", \"ipiv\", got \"auto\""},
    {"kvm apicv not a string", "{" HDR "\"kvm\": {\"apicv\": true}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.apicv: expected one of \"off\", \"on\", \"ipiv\", got boolean"},
    {"kvm pv_unhalt not a bool", "{" HDR "\"kvm\": {\"pv_unhalt\": 1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.pv_unhalt: expected true or false, got integer"},
    {"kvm pv_eoi not a bool", "{" HDR "\"kvm\": {\"pv_eoi\": \"on\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "kvm.pv_eoi: expected true or false, got string"},
    /* ---- policy ---- */
    {"policy not an object", "{" HDR "\"policy\": \"mainline\", \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy: expected an object, got string"},
    {"policy unknown key", "{" HDR "\"policy\": {\"yield\": \"mainline\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy: unknown key \"yield\" (expected one of yield_to, directed_yield"},
    {"unknown yield_to policy", "{" HDR "\"policy\": {\"yield_to\": \"fancy\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy.yield_to: unknown yield_to policy \"fancy\" (expected one of \"mainline\""},
    {"unknown directed_yield policy", "{" HDR "\"policy\": {\"directed_yield\": \"fancy\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy.directed_yield: unknown directed_yield policy \"fancy\" (expected one of \"mainline\""},
    {"policy name not a string", "{" HDR "\"policy\": {\"yield_to\": 1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy.yield_to: expected a string, got integer"},
    {"policy ipi_window_ns negative", "{" HDR "\"policy\": {\"ipi_window_ns\": -1}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy.ipi_window_ns: expected an integer in [0, 10000000000], got -1"},
    {"policy switch not a bool", "{" HDR "\"policy\": {\"vcpu_debooster_enabled\": \"yes\"}, \"tasks\": [" TASK_OK "]}",
     VSCHED_SCENARIO_ERROR_INVALID, "policy.vcpu_debooster_enabled: expected true or false, got string"},
    /* ---- tasks / vms presence ---- */
    {"neither tasks nor vms", "{" VHDR "\"vms\": []}", VSCHED_SCENARIO_ERROR_INVALID,
     "missing required key \"tasks\" (a scenario needs at least one task or VM"},
    {"empty tasks and empty vms", "{" VHDR "\"tasks\": [], \"vms\": []}", VSCHED_SCENARIO_ERROR_INVALID,
     "tasks: expected a non-empty array of tasks (a scenario needs at least one task or VM), got an empty array"},
    {"vms not an array", "{" VHDR "\"vms\": {}}", VSCHED_SCENARIO_ERROR_INVALID,
     "vms: expected an array of VMs, got object"},
    {"tasks not an array beside vms", "{" VHDR "\"tasks\": 3, \"vms\": [" VM_OK "]}", VSCHED_SCENARIO_ERROR_INVALID,
     "tasks: expected an array of tasks, got integer"},
    /* ---- vms ---- */
    {"vm not an object", WITH_VMS("7"), VSCHED_SCENARIO_ERROR_INVALID, "vms[0]: expected an object, got integer"},
    {"vm unknown key", WITH_VMS("{\"name\": \"v\", \"vcpu\": 4, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0]: unknown key \"vcpu\" (expected one of name, vcpus, cgroup, vcpu_cgroups, cpus, pin, count, nice, start_us, start_spread_us, workload, comment)"},
    {"vm start_us negative", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"start_us\": -1, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].start_us: expected a number >= 0, got -1"},
    {"vm start_spread_us string", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"start_spread_us\": \"4ms\", \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].start_spread_us: expected a number >= 0, got string"},
    {"vm without name", WITH_VMS("{\"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0]: missing required key \"name\""},
    {"vm name with a space", WITH_VMS("{\"name\": \"v 1\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].name: expected a non-empty name without \"/\""},
    {"vm without vcpus", WITH_VMS("{\"name\": \"v\", \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0]: missing required key \"vcpus\""},
    {"vcpus 0", WITH_VMS("{\"name\": \"v\", \"vcpus\": 0, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].vcpus: expected an integer in [1, 256], got 0"},
    {"vcpus 257", WITH_VMS("{\"name\": \"v\", \"vcpus\": 257, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].vcpus: expected an integer in [1, 256], got 257"},
    {"vm count 65", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"count\": 65, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].count: expected an integer in [1, 64], got 65"},
    {"vm nice -21", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"nice\": -21, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].nice: expected an integer in [-20, 19], got -21"},
    {"vm pin unknown", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"pin\": \"2:1\", \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].pin: expected one of \"none\", \"1:1\", got \"2:1\""},
    {"vm cpus out of range", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"cpus\": [4], \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].cpus[0]: expected a CPU number in [0, 3] (host.cpus is 4), got 4"},
    {"vm cgroup not declared", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4, \"cgroup\": \"/machine/v\", \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].cgroup: cgroup \"/machine/v\" is not declared"},
    {"vm name used by a task", "{" VHDR "\"tasks\": [" TASK_OK "], \"vms\": [{\"name\": \"a\", \"vcpus\": 1, \"workload\": {\"preset\": \"dbench\"}}]}",
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].name: duplicate VM name \"a\" (also used by tasks[0])"},
    {"two vms with one name", WITH_VMS(VM_OK ", " VM_OK), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[1].name: duplicate VM name \"v\" (also used by vms[0])"},
    {"vm replica clashes with a vm", WITH_VMS("{\"name\": \"v.1\", \"vcpus\": 1, \"workload\": {\"preset\": \"dbench\"}}, "
                                              "{\"name\": \"v\", \"vcpus\": 1, \"count\": 2, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[1].name: VM name \"v.1\" (replica 1 of \"v\", count 2) clashes with a VM of vms[0]"},
    {"vm replica clashes with a task", "{" VHDR "\"tasks\": [{\"name\": \"v.0\", \"program\": [{\"run_us\": 1}]}], \"vms\": "
                                       "[{\"name\": \"v\", \"vcpus\": 1, \"count\": 2, \"workload\": {\"preset\": \"dbench\"}}]}",
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].name: VM name \"v.0\" (replica 0 of \"v\", count 2) clashes with a task of tasks[0]"},
    {"vm name gives a bad cgroup path", WITH_VMS("{\"name\": \"..\", \"vcpus\": 1, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].name: VM name \"..\" gives the invalid cgroup path \"/machine/..\""},
    {"vcpu_cgroups not a boolean", WITH_VMS("{\"name\": \"v\", \"vcpus\": 2, \"vcpu_cgroups\": 1, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].vcpu_cgroups: expected true or false, got integer"},
    {"vcpu_cgroups with replicas sharing a cgroup",
     "{" VHDR "\"vms\": [{\"name\": \"v\", \"vcpus\": 2, \"count\": 2, \"cgroup\": \"/\", \"vcpu_cgroups\": true, \"workload\": {\"preset\": \"dbench\"}}]}",
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].vcpu_cgroups: per-vCPU groups need a group per VM, but the 2 replicas share \"/\""},
    {"vcpu_cgroups of two VMs in one cgroup",
     WITH_VMS("{\"name\": \"v\", \"vcpus\": 2, \"cgroup\": \"/\", \"vcpu_cgroups\": true, \"workload\": {\"preset\": \"dbench\"}}, "
              "{\"name\": \"w\", \"vcpus\": 1, \"cgroup\": \"/\", \"vcpu_cgroups\": true, \"workload\": {\"preset\": \"dbench\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[1].vcpu_cgroups: cgroup \"/vcpu0\" would hold vCPUs of two VMs"},
    /* ---- workload ---- */
    {"vm without workload", WITH_VMS("{\"name\": \"v\", \"vcpus\": 4}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0]: missing required key \"workload\""},
    {"workload not an object", VM_WL("\"dbench\""), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: expected an object, got string"},
    {"workload with neither preset nor program", VM_WL("{\"participants\": 2}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: missing \"preset\" or \"program\""},
    {"workload with a typo and no kind", VM_WL("{\"presets\": \"dbench\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: unknown key \"presets\" (expected one of preset, program, lock_kind"},
    {"workload with preset and program", VM_WL("{\"preset\": \"dbench\", \"program\": [" C1 "]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload: expected either \"preset\" or \"program\", got both"},
    {"unknown preset", VM_WL("{\"preset\": \"tbench\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.preset: expected one of \"pingpong\", \"dbench\", \"dedup\", \"vips\", \"ebizzy\", \"kbuild\", got \"tbench\""},
    {"preset not a string", VM_WL("{\"preset\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.preset: expected one of \"pingpong\""},
    {"unknown preset parameter", VM_WL("{\"preset\": \"dbench\", \"cs\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: unknown key \"cs\" (expected one of preset, lock_kind, participants, spin_threshold, spin_retry, "
     "spin_loop_ns, handoff_ns, resched_handler_ns, timer_handler_ns, threads_per_vcpu, thread_switch_ns, tick_hz, compute_us, kernel_us, cs_us, locks, io_every, "
     "io_us, wake_every, comment)"},
    {"parameter of another preset", VM_WL("{\"preset\": \"dbench\", \"handler_us\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: unknown key \"handler_us\""},
    {"preset parameter beside a program", VM_WL("{\"program\": [" C1 "], \"cs_us\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: unknown key \"cs_us\" (expected one of program, lock_kind"},
    {"preset time negative", VM_WL("{\"preset\": \"dbench\", \"cs_us\": -1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.cs_us: expected a number >= 0, got -1"},
    {"preset locks 65", VM_WL("{\"preset\": \"dbench\", \"locks\": 65}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.locks: expected an integer in [1, 64], got 65"},
    {"preset every 0", VM_WL("{\"preset\": \"kbuild\", \"lock_every\": 0}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.lock_every: expected an integer in [1, 1000000], got 0"},
    {"preset sigma 6", VM_WL("{\"preset\": \"vips\", \"sigma\": 6}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.sigma: expected a number in [0, 5], got 6"},
    {"preset never advances time", VM_WL("{\"preset\": \"pingpong\", \"cs_us\": 0, \"gap_us\": 0}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload: preset \"pingpong\": program never advances time"},
    {"ipi preset with one participant", VM_WL("{\"preset\": \"dedup\", \"participants\": 1}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload: preset \"dedup\", step 1 (ipi): needs at least 2 participants (workload.participants is 1)"},
    {"barrier preset on a 1-vCPU VM", WITH_VMS("{\"name\": \"v\", \"vcpus\": 1, \"workload\": {\"preset\": \"vips\"}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload: preset \"vips\", step 1 (barrier): needs at least 2 participants"},
    {"participants above vcpus", VM_WL("{\"preset\": \"dbench\", \"participants\": 5}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.participants: expected an integer in [1, 4], got 5"},
    {"unknown lock_kind", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"mcs\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.lock_kind: expected one of \"pv\", \"native\", \"tas\", \"s390\", got \"mcs\""},
    {"pv locks without pv_unhalt", "{" VHDR "\"kvm\": {\"pv_unhalt\": false}, \"vms\": [{\"name\": \"v\", \"vcpus\": 4, "
                                   "\"workload\": {\"preset\": \"dbench\", \"lock_kind\": \"pv\"}}]}",
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.lock_kind: lock kind \"pv\" needs kvm.pv_unhalt"},
    /* ---- s390 lock parameters ---- */
    {"spin_retry with a pv lock", VM_WL("{\"preset\": \"dbench\", \"spin_retry\": 10}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.spin_retry: only used by lock_kind \"s390\" (lock_kind is \"pv\")"},
    {"spin_loop_ns with a tas lock", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"tas\", \"spin_loop_ns\": 1}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_loop_ns: only used by lock_kind \"s390\" (lock_kind is \"tas\")"},
    {"spin_retry negative", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_retry\": -1}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_retry: expected an integer in [0, 1073741824], got -1"},
    {"spin_retry fractional", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_retry\": 1000.5}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_retry: expected an integer in [0, 1073741824], got 1000.5"},
    {"spin_retry above 2^30", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_retry\": 1073741825}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_retry: expected an integer in [0, 1073741824], got 1073741825"},
    {"spin_loop_ns 0", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_loop_ns\": 0}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_loop_ns: expected a number in (0, 1000], got 0"},
    {"spin_loop_ns above 1 us", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_loop_ns\": 1000.5}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_loop_ns: expected a number in (0, 1000], got 1000.5"},
    {"spin_loop_ns a string", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_loop_ns\": \"2ns\"}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_loop_ns: expected a number in (0, 1000], got string"},
    {"spin_loop_ns below 1 ps", VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", \"spin_loop_ns\": 0.0004}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.spin_loop_ns: 0.0004 rounds to 0 ps (expected at least 0.001 ns)"},
    {"spin_threshold 0", VM_WL("{\"preset\": \"dbench\", \"spin_threshold\": 0}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.spin_threshold: expected an integer in [1, 1073741824], got 0"},
    {"handoff_ns above 1 ms", VM_WL("{\"preset\": \"dbench\", \"handoff_ns\": 1000001}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.handoff_ns: expected an integer in [0, 1000000], got 1000001"},
    {"timer_handler_ns fractional", VM_WL("{\"preset\": \"dbench\", \"timer_handler_ns\": 1.5}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.timer_handler_ns: expected an integer in [0, 10000000], got 1.5"},
    /* ---- programs: steps ---- */
    {"empty guest program", VM_PROG(""), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program: expected a non-empty array of steps, got an empty array"},
    {"guest program not an array", VM_WL("{\"program\": {}}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program: expected a non-empty array of steps, got object"},
    {"guest step not an object", VM_PROG("1"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0]: expected a step object with an \"op\""},
    {"guest step without op", VM_PROG("{\"us\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0]: missing required key \"op\""},
    {"unknown op", VM_PROG(C1 ", {\"op\": \"spin\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].op: expected one of \"compute\", \"lock\", \"unlock\", \"ipi\", \"tlb_shootdown\", "
     "\"barrier\", \"sleep\", got \"spin\""},
    {"key of another op", VM_PROG("{\"op\": \"compute\", \"us\": 1, \"spread\": 2}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0]: unknown key \"spread\" (expected one of op, us, ns, dist, mode, every, comment)"},
    {"compute without a time", VM_PROG("{\"op\": \"compute\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0]: expected exactly one of us, ns, dist"},
    {"sleep with two times", VM_PROG(C1 ", {\"op\": \"sleep\", \"us\": 1, \"ns\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: expected exactly one of us, ns, dist (the duration of the step), got several"},
    {"compute negative", VM_PROG("{\"op\": \"compute\", \"us\": -1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].us: expected a number >= 0, got -1"},
    {"compute mode unknown", VM_PROG("{\"op\": \"compute\", \"us\": 1, \"mode\": \"guest\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].mode: expected one of \"user\", \"kernel\", got \"guest\""},
    {"every 0", VM_PROG("{\"op\": \"compute\", \"us\": 1, \"every\": 0}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].every: expected an integer in [1, 1000000], got 0"},
    {"dist without kind", VM_PROG("{\"op\": \"compute\", \"dist\": {\"us\": 1}}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].dist: missing required key \"kind\""},
    {"dist kind unknown", VM_PROG("{\"op\": \"compute\", \"dist\": {\"kind\": \"normal\"}}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].dist.kind: expected one of \"fixed\", \"uniform\", \"exponential\", \"lognormal\", got \"normal\""},
    {"dist key of another kind", VM_PROG("{\"op\": \"compute\", \"dist\": {\"kind\": \"exponential\", \"median_us\": 1}}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].dist: unknown key \"median_us\" (expected one of kind, mean_us, comment)"},
    {"dist missing parameter", VM_PROG("{\"op\": \"compute\", \"dist\": {\"kind\": \"fixed\"}}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[0].dist: missing required key \"us\""},
    {"uniform min above max", VM_PROG("{\"op\": \"compute\", \"dist\": {\"kind\": \"uniform\", \"min_us\": 3, \"max_us\": 2}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[0].dist.max_us: expected a number >= min_us (3), got 2"},
    {"lognormal without sigma", VM_PROG("{\"op\": \"compute\", \"dist\": {\"kind\": \"lognormal\", \"median_us\": 3}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[0].dist: missing required key \"sigma\""},
    {"lognormal sigma 5.5", VM_PROG("{\"op\": \"compute\", \"dist\": {\"kind\": \"lognormal\", \"median_us\": 3, \"sigma\": 5.5}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[0].dist.sigma: expected a number in [0, 5], got 5.5"},
    {"lock without a name", VM_PROG(C1 ", {\"op\": \"lock\"}, " UNLOCK), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: missing required key \"lock\""},
    {"lock name with a space", VM_PROG(C1 ", " LOCK("a b") ", " UNLOCK), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].lock: expected a non-empty lock name"},
    {"lock spread 0", VM_PROG(C1 ", {\"op\": \"lock\", \"lock\": \"l\", \"spread\": 0}, " UNLOCK), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].spread: expected an integer in [1, 64], got 0"},
    {"lock spread changes", VM_PROG(LOCK("l") ", " C1 ", " UNLOCK ", {\"op\": \"lock\", \"lock\": \"l\", \"spread\": 2}, " UNLOCK),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[3].spread: lock \"l\" has spread 2 here but spread 1 at program[0]"},
    {"too many lock instances", VM_PROG(LK64(0) LK64(1) LK64(2) LK64(3) LK64(4) LK64(5) LK64(6) LK64(7) LK64(8)
                                        LK64(9) LK64(10) LK64(11) LK64(12) LK64(13) LK64(14) LK64(15) LK64(16) C1),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[32].spread: too many lock instances: lock \"l16\" (spread 64) would bring the program to 1088 (at most 1024)"},
    {"unlock without a lock", VM_PROG(C1 ", " UNLOCK), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: unlock with no lock held"},
    {"lock never released", VM_PROG(C1 ", " LOCK("l") ", " C1), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: lock is never released"},
    {"unlock with another every", VM_PROG(LOCK("l") ", " C1 ", {\"op\": \"unlock\", \"every\": 2}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[2].every: expected every 1, the every of the lock it releases (program[0]), got 2"},
    {"locks nested 9 deep", VM_PROG(C1 ", " LOCK("a") ", " LOCK("b") ", " LOCK("c") ", " LOCK("d") ", " LOCK("e") ", "
                                    LOCK("f") ", " LOCK("g") ", " LOCK("h") ", " LOCK("i")),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[9]: locks nested deeper than 8"},
    {"sleep holding a lock", VM_PROG(LOCK("l") ", {\"op\": \"sleep\", \"us\": 5}, " UNLOCK ", " C1), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: sleep while holding the lock taken at program[0]"},
    {"barrier holding a lock", VM_PROG(C1 ", " LOCK("l") ", {\"op\": \"barrier\"}, " UNLOCK), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[2]: barrier while holding the lock taken at program[1] would deadlock"},
    {"barrier with guest threads", VM_WL("{\"threads_per_vcpu\": 2, \"program\": [" C1 ", {\"op\": \"barrier\"}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[1]: barrier steps need threads_per_vcpu 1, got 2 (the barrier counts vCPUs, not threads)"},
    {"vips preset with guest threads", VM_WL("{\"preset\": \"vips\", \"threads_per_vcpu\": 4}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload: preset \"vips\", step 1 (barrier): barrier steps need threads_per_vcpu 1, got 4"},
    {"guest threads that never sleep, no tick", VM_WL("{\"preset\": \"dedup\", \"threads_per_vcpu\": 2, \"tick_hz\": 0}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload: preset \"dedup\": threads_per_vcpu > 1 needs a sleep step, or a guest tick (tick_hz) and a user-mode compute step outside locks (guest threads switch only when one sleeps or the tick preempts one in user mode, so otherwise only the first thread would ever run)"},
    {"guest threads in kernel code only", VM_WL("{\"threads_per_vcpu\": 2, \"program\": [{\"op\": \"compute\", \"us\": 1, \"mode\": \"kernel\"}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program: threads_per_vcpu > 1 needs a sleep step, or a guest tick (tick_hz)"},
    {"guest threads computing only under a lock", VM_WL("{\"threads_per_vcpu\": 2, \"program\": [" LOCK("l") ", " C1 ", " UNLOCK "]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program: threads_per_vcpu > 1 needs a sleep step, or a guest tick (tick_hz)"},
    {"no guest threads", VM_WL("{\"preset\": \"dbench\", \"threads_per_vcpu\": 0}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.threads_per_vcpu: expected an integer in [1, 64], got 0"},
    {"too many guest threads", VM_WL("{\"preset\": \"dbench\", \"threads_per_vcpu\": 65}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.threads_per_vcpu: expected an integer in [1, 64], got 65"},
    {"thread switch not a number", VM_WL("{\"preset\": \"dbench\", \"thread_switch_ns\": \"fast\"}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.thread_switch_ns: expected an integer"},
    {"guest tick not a CONFIG_HZ", VM_WL("{\"preset\": \"dbench\", \"tick_hz\": 200}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.tick_hz: expected one of 0 (no guest tick), 100, 250, 300, 1000, got 200"},
    {"guest tick not a number", VM_WL("{\"preset\": \"dbench\", \"tick_hz\": \"1000\"}"),
     VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.tick_hz: expected one of 0 (no guest tick), 100, 250, 300, 1000, got string"},
    {"barrier with one participant", VM_WL("{\"participants\": 1, \"program\": [" C1 ", {\"op\": \"barrier\"}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[1]: needs at least 2 participants (workload.participants is 1)"},
    {"ipi without to", VM_PROG(C1 ", {\"op\": \"ipi\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: missing required key \"to\""},
    {"ipi to unknown", VM_PROG(C1 ", {\"op\": \"ipi\", \"to\": \"self\"}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].to: expected \"next\", \"random\", \"all\" or {\"random\": N}, got \"self\""},
    {"ipi to random 0", VM_PROG(C1 ", {\"op\": \"ipi\", \"to\": {\"random\": 0}}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].to.random: expected an integer in [1, 255], got 0"},
    {"ipi to more than the others", VM_PROG(C1 ", {\"op\": \"ipi\", \"to\": {\"random\": 4}}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].to: expected {\"random\": N} with N at most 3 (the other participants), got 4"},
    {"ipi handler twice", VM_PROG(C1 ", {\"op\": \"ipi\", \"to\": \"next\", \"handler_us\": 1, \"handler_ns\": 1}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[1]: expected at most one of handler_us, handler_ns, got both"},
    {"ipi wait not a bool", VM_PROG(C1 ", {\"op\": \"ipi\", \"to\": \"next\", \"wait\": 1}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1].wait: expected true or false, got integer"},
    {"tlb_shootdown with wait", VM_PROG(C1 ", {\"op\": \"tlb_shootdown\", \"wait\": false}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program[1]: unknown key \"wait\""},
    {"tlb_shootdown freed_tables not a bool", VM_PROG(C1 ", {\"op\": \"tlb_shootdown\", \"freed_tables\": \"yes\"}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[1].freed_tables: expected true or false, got string"},
    {"tlb_shootdown to next alone", VM_WL("{\"participants\": 1, \"program\": [" C1 ", {\"op\": \"tlb_shootdown\", \"to\": \"next\"}]}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program[1]: needs at least 2 participants"},
    {"guest program only every 2", VM_PROG("{\"op\": \"compute\", \"us\": 1, \"every\": 2}"), VSCHED_SCENARIO_ERROR_INVALID,
     "vms[0].workload.program: program never advances time"},
    {"guest program of zero times", VM_PROG("{\"op\": \"compute\", \"ns\": 0.4}, {\"op\": \"sleep\", \"dist\": {\"kind\": \"uniform\", \"min_us\": 0, \"max_us\": 0}}"),
     VSCHED_SCENARIO_ERROR_INVALID, "vms[0].workload.program: program never advances time"},
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

/*
 * Optional kernel keys whose default leaves the hash alone: absent and the
 * default value load alike and hash alike; the other value is loaded and
 * hashed apart.  kernel.pick ("flat" = sched/flat) and kernel.reweight
 * ("rescale" = 101f3498b4bd).
 */
#define KERNEL_KEY_FMT                                                                      \
    "{\"version\": 1, \"name\": \"f\", \"duration_ms\": 1, \"kernel\": {\"profile\": \"6.19\"%s},"    \
    " \"host\": {\"cpus\": 1}, \"tasks\": [{\"name\": \"t\", \"program\": [{\"run_us\": 1}]}]}"

static void check_kernel_key(const char *const variants[3], size_t off)
{
    struct scenario *sc[3];

    for (int i = 0; i < 3; i++) {
        char *json = g_strdup_printf(KERNEL_KEY_FMT, variants[i]);
        GError *err = NULL;

        sc[i] = scenario_load_string(json, "f.json", &err);
        ck_assert_msg(sc[i] != NULL, "%s", err ? err->message : "");
        g_free(json);
    }
    for (int i = 0; i < 3; i++)
        ck_assert_msg(*(const bool *)((const char *)&sc[i]->kernel + off) == (i == 2), "%s",
                      variants[i]);
    ck_assert_uint_eq(scenario_hash(sc[0]), scenario_hash(sc[1]));
    ck_assert_uint_ne(scenario_hash(sc[0]), scenario_hash(sc[2]));
    for (int i = 0; i < 3; i++)
        scenario_free(sc[i]);
}

START_TEST(test_kernel_keys)
{
    static const char *const picks[3] = {"", ", \"pick\": \"hierarchical\"",
                                         ", \"pick\": \"flat\""};
    static const char *const reweights[3] = {"", ", \"reweight\": \"place\"",
                                             ", \"reweight\": \"rescale\""};

    check_kernel_key(picks, offsetof(struct scenario_kernel, flat_pick));
    check_kernel_key(reweights, offsetof(struct scenario_kernel, reweight_rescale));
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
    ck_assert(!sc->kernel.flat_pick);
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

/* The embedded default: two 16-vCPU dbench VMs on 16 CPUs; the same as
 * scenarios/vm-overcommit-2x.json. */
START_TEST(test_default_scenario)
{
    struct scenario *sc = scenario_load_default();
    GError *err = NULL;
    struct scenario *again = scenario_load_string(scenario_default_json(), "d", &err);
    struct scenario *file = scenario_load_file(TU_SRC("scenarios/vm-overcommit-2x.json"), &err);

    ck_assert_ptr_nonnull(sc);
    ck_assert_ptr_nonnull(again);
    ck_assert_msg(file != NULL, "%s", err ? err->message : "");
    ck_assert_str_eq(sc->name, "default-2vm-dbench");
    ck_assert_str_eq(sc->file, "<default>");
    ck_assert_ptr_nonnull(strstr(sc->description, "2x overcommit"));
    ck_assert_uint_eq(sc->duration_ns, 1000 * NSEC_PER_MSEC);
    ck_assert_uint_eq(sc->host.cpus, 16);
    ck_assert_uint_eq(sc->nr_tasks, 0);
    ck_assert_uint_eq(sc->nr_vms, 2);
    for (unsigned int i = 0; i < 2; i++) {
        const struct scenario_vm *vm = &sc->vms[i];

        ck_assert_str_eq(vm->name, i ? "vm1" : "vm0");
        ck_assert_uint_eq(vm->vcpus, 16);
        ck_assert_uint_eq(vm->count, 1);
        ck_assert_int_eq(vm->pin, VM_PIN_NONE);
        ck_assert_uint_eq(cpumask_weight(&vm->cpus), 16);
        ck_assert_str_eq(vm->cgroup, i ? "/machine/vm1" : "/machine/vm0");
        ck_assert_str_eq(vm->wl.preset, "dbench");
        ck_assert_uint_eq(vm->wl.participants, 16);
        ck_assert_uint_eq(vm->wl.nr_locks, 4);
    }
    ck_assert_uint_eq(sc->nr_cgroups, 3);
    ck_assert_str_eq(sc->cgroups[0].path, "/machine");
    ck_assert_str_eq(sc->cgroups[1].path, "/machine/vm0");
    ck_assert_str_eq(sc->cgroups[2].path, "/machine/vm1");
    ck_assert_uint_eq(scenario_hash(sc), scenario_hash(again));
    ck_assert_uint_eq(scenario_hash(sc), scenario_hash(file));
    scenario_free(sc);
    scenario_free(again);
    scenario_free(file);
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
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 100, \"host\": {\"cpus\": 2}, \"cgroups\": [{\"path\": \"/A\"}],"
        " \"tasks\": [{\"name\": \"t\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 5.6, \"clock_poll_us\": 1}, {\"yield\": true}]}]}",
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

/* Load @json or fail the test with the loader's message. */
static struct scenario *load_ok(const char *json)
{
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "ok.json", &err);

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
    return sc;
}

/* A VM scenario with nothing but the required keys. */
START_TEST(test_vm_defaults)
{
    struct scenario *sc = load_ok(
        "{\"version\": 1, \"name\": \"v\", \"duration_ms\": 1, \"host\": {\"cpus\": 3},"
        " \"vms\": [{\"name\": \"g\", \"vcpus\": 5, \"workload\": {\"preset\": \"dbench\"}}]}");
    const struct scenario_vm *vm;

    /* host */
    ck_assert_double_eq(sc->cpu_ghz, 2.5);
    ck_assert_uint_eq(sc->pause_cycles, 140);
    /* kvm: every default */
    ck_assert_uint_eq(sc->kvm.exit_ns, 600);
    ck_assert_uint_eq(sc->kvm.entry_ns, 400);
    ck_assert_uint_eq(sc->kvm.ctx_switch_ns, 2000);
    ck_assert_uint_eq(sc->kvm.ipi_latency_ns, 1000);
    ck_assert_int_eq(sc->kvm.apicv, APICV_ON);
    ck_assert_uint_eq(sc->kvm.ple_gap, 128);
    ck_assert_uint_eq(sc->kvm.ple_window, 4096);
    ck_assert_uint_eq(sc->kvm.ple_window_grow, 2);
    ck_assert_uint_eq(sc->kvm.ple_window_shrink, 0);
    ck_assert_uint_eq(sc->kvm.ple_window_max, 4294967295U);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns, 200000);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns_grow, 2);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns_grow_start, 10000);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns_shrink, 2);
    ck_assert(sc->kvm.pv_unhalt && sc->kvm.pv_send_ipi && sc->kvm.pv_tlb_flush &&
              sc->kvm.pv_sched_yield);
    ck_assert(!sc->kvm.pv_eoi);
    /* policy */
    ck_assert_ptr_null(sc->policy.yield_to);
    ck_assert_ptr_null(sc->policy.directed_yield);
    ck_assert(sc->policy.vcpu_debooster_enabled);
    ck_assert(sc->policy.ipi_tracking_enabled);
    ck_assert_uint_eq(sc->policy.ipi_window_ns, 50000000);
    ck_assert(sc->policy.enable_relaxed_boost);
    /* no tasks; the VM with its defaults */
    ck_assert_uint_eq(sc->nr_tasks, 0);
    ck_assert_uint_eq(sc->nr_vms, 1);
    vm = &sc->vms[0];
    ck_assert_str_eq(vm->name, "g");
    ck_assert_uint_eq(vm->vcpus, 5);
    ck_assert_str_eq(vm->cgroup, "/machine/g");
    ck_assert(vm->cgroup_per_replica);
    ck_assert_uint_eq(cpumask_weight(&vm->cpus), 3);
    ck_assert_int_eq(vm->pin, VM_PIN_NONE);
    ck_assert_uint_eq(vm->count, 1);
    ck_assert_int_eq(vm->nice, 0);
    ck_assert_str_eq(vm->wl.preset, "dbench");
    ck_assert_int_eq(vm->wl.lock_kind, LOCK_PV_QSPINLOCK);
    ck_assert_uint_eq(vm->wl.participants, 5);
    ck_assert_uint_eq(vm->wl.spin_threshold, 32768);
    ck_assert_uint_eq(vm->wl.handoff_ns, 100);
    ck_assert_uint_eq(vm->wl.resched_handler_ns, 500);
    ck_assert_uint_eq(vm->wl.timer_handler_ns, 1000);
    /* implied cgroups, parents first */
    ck_assert_uint_eq(sc->nr_cgroups, 2);
    ck_assert_str_eq(sc->cgroups[0].path, "/machine");
    ck_assert_uint_eq(sc->cgroups[0].shares, 1024);
    ck_assert_str_eq(sc->cgroups[1].path, "/machine/g");
    ck_assert_uint_eq(sc->cgroups[1].shares, 1024);
    scenario_free(sc);
}
END_TEST

START_TEST(test_kvm_and_policy_overrides)
{
    struct scenario *sc = load_ok(
        "{\"version\": 1, \"name\": \"k\", \"duration_ms\": 1,"
        " \"host\": {\"cpus\": 2, \"cpu_ghz\": 3.1, \"pause_cycles\": 10000},"
        " \"kvm\": {\"exit_ns\": 0, \"entry_ns\": 10000000, \"ctx_switch_ns\": 3000, \"ipi_latency_ns\": 7,"
        "  \"apicv\": \"ipiv\", \"ple_gap\": 0, \"ple_window\": 4294967295, \"ple_window_grow\": 4,"
        "  \"ple_window_shrink\": 1, \"ple_window_max\": 65536, \"halt_poll_ns\": 0, \"halt_poll_ns_grow\": 0,"
        "  \"halt_poll_ns_grow_start\": 4294967295, \"halt_poll_ns_shrink\": 0, \"pv_unhalt\": false,"
        "  \"pv_send_ipi\": false, \"pv_tlb_flush\": false, \"pv_sched_yield\": false, \"pv_eoi\": true,"
        "  \"comment\": \"c\"},"
        " \"policy\": {\"yield_to\": \"mainline\", \"directed_yield\": \"mainline\","
        "  \"vcpu_debooster_enabled\": false, \"ipi_tracking_enabled\": false, \"ipi_window_ns\": 10000000000,"
        "  \"enable_relaxed_boost\": false},"
        " \"tasks\": [{\"name\": \"t\", \"program\": [{\"run_us\": 1}]}],"
        " \"vms\": [{\"name\": \"g\", \"vcpus\": 2, \"workload\": {\"preset\": \"dbench\"}}]}");

    ck_assert_double_eq(sc->cpu_ghz, 3.1);
    ck_assert_uint_eq(sc->pause_cycles, 10000);
    ck_assert_uint_eq(sc->kvm.exit_ns, 0);
    ck_assert_uint_eq(sc->kvm.entry_ns, 10000000);
    ck_assert_uint_eq(sc->kvm.ctx_switch_ns, 3000);
    ck_assert_uint_eq(sc->kvm.ipi_latency_ns, 7);
    ck_assert_int_eq(sc->kvm.apicv, APICV_IPIV);
    ck_assert_uint_eq(sc->kvm.ple_gap, 0);
    ck_assert_uint_eq(sc->kvm.ple_window, 4294967295U);
    ck_assert_uint_eq(sc->kvm.ple_window_grow, 4);
    ck_assert_uint_eq(sc->kvm.ple_window_shrink, 1);
    ck_assert_uint_eq(sc->kvm.ple_window_max, 65536);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns, 0);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns_grow, 0);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns_grow_start, 4294967295ULL);
    ck_assert_uint_eq(sc->kvm.halt_poll_ns_shrink, 0);
    ck_assert(!sc->kvm.pv_unhalt && !sc->kvm.pv_send_ipi && !sc->kvm.pv_tlb_flush &&
              !sc->kvm.pv_sched_yield);
    ck_assert(sc->kvm.pv_eoi);
    ck_assert_str_eq(sc->policy.yield_to, "mainline");
    ck_assert_str_eq(sc->policy.directed_yield, "mainline");
    ck_assert(!sc->policy.vcpu_debooster_enabled);
    ck_assert(!sc->policy.ipi_tracking_enabled);
    ck_assert_uint_eq(sc->policy.ipi_window_ns, 10000000000ULL);
    ck_assert(!sc->policy.enable_relaxed_boost);
    /* Without PV_UNHALT the guest falls back to the test-and-set lock. */
    ck_assert_int_eq(sc->vms[0].wl.lock_kind, LOCK_TAS);
    ck_assert_uint_eq(sc->nr_tasks, 1);
    scenario_free(sc);
}
END_TEST

/* The dbench preset with an override expands to the documented program. */
START_TEST(test_preset_dbench)
{
    struct scenario *sc = load_ok(WITH_VMS(
        "{\"name\": \"v\", \"vcpus\": 4, \"workload\": {\"preset\": \"dbench\", \"cs_us\": 3}}"));
    const struct scenario_workload *wl = &sc->vms[0].wl;

    ck_assert_str_eq(wl->preset, "dbench");
    ck_assert_uint_eq(wl->nr_steps, 7);
    ck_assert_int_eq(wl->steps[0].kind, GSTEP_COMPUTE);
    ck_assert_int_eq(wl->steps[0].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(wl->steps[0].d.a_ns, 10000);
    ck_assert(!wl->steps[0].kernel);
    ck_assert_int_eq(wl->steps[1].kind, GSTEP_COMPUTE);
    ck_assert_int_eq(wl->steps[1].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(wl->steps[1].d.a_ns, 2000);
    ck_assert(wl->steps[1].kernel);
    ck_assert_int_eq(wl->steps[2].kind, GSTEP_LOCK);
    ck_assert_uint_eq(wl->steps[2].lock, 0);
    ck_assert_uint_eq(wl->steps[2].spread, 4);
    ck_assert_int_eq(wl->steps[3].kind, GSTEP_COMPUTE);
    ck_assert_int_eq(wl->steps[3].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(wl->steps[3].d.a_ns, 3000);
    ck_assert(wl->steps[3].kernel);
    ck_assert_int_eq(wl->steps[4].kind, GSTEP_UNLOCK);
    ck_assert_int_eq(wl->steps[5].kind, GSTEP_SLEEP);
    ck_assert_int_eq(wl->steps[5].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(wl->steps[5].d.a_ns, 50000);
    ck_assert_uint_eq(wl->steps[5].every, 20);
    ck_assert_int_eq(wl->steps[6].kind, GSTEP_IPI);
    ck_assert_int_eq(wl->steps[6].to, IPI_TO_RANDOM);
    ck_assert(!wl->steps[6].wait);
    ck_assert_uint_eq(wl->steps[6].handler_ns, 2000);
    ck_assert_uint_eq(wl->steps[6].every, 10);
    ck_assert_uint_eq(wl->nr_locks, 4);
    for (unsigned int i = 0; i < 5; i++)
        ck_assert_uint_eq(wl->steps[i].every, 1);
    scenario_free(sc);
}
END_TEST

/* The other presets, with their defaults and a few overrides. */
START_TEST(test_presets)
{
    struct scenario *sc = load_ok(WITH_VMS(
        "{\"name\": \"pp\", \"vcpus\": 4, \"workload\": {\"preset\": \"pingpong\"}},"
        "{\"name\": \"pp1\", \"vcpus\": 1, \"workload\": {\"preset\": \"pingpong\", \"gap_us\": 0.5}},"
        "{\"name\": \"dd\", \"vcpus\": 4, \"workload\": {\"preset\": \"dedup\", \"handler_us\": 7}},"
        "{\"name\": \"vi\", \"vcpus\": 4, \"workload\": {\"preset\": \"vips\", \"ipi_every\": 8}},"
        "{\"name\": \"eb\", \"vcpus\": 2, \"workload\": {\"preset\": \"ebizzy\"}},"
        "{\"name\": \"kb\", \"vcpus\": 3, \"workload\": {\"preset\": \"kbuild\", \"sigma\": 0}}"));
    const struct scenario_workload *wl;

    ck_assert_uint_eq(sc->nr_vms, 6);
    /* pingpong: 2 participants by default, capped at the vCPUs */
    wl = &sc->vms[0].wl;
    ck_assert_uint_eq(wl->participants, 2);
    ck_assert_uint_eq(wl->nr_steps, 4);
    ck_assert_int_eq(wl->steps[0].kind, GSTEP_LOCK);
    ck_assert_uint_eq(wl->steps[0].spread, 1);
    ck_assert_int_eq(wl->steps[1].d.kind, DIST_FIXED);
    ck_assert_uint_eq(wl->steps[1].d.a_ns, 2000);
    ck_assert(wl->steps[1].kernel);
    ck_assert_int_eq(wl->steps[2].kind, GSTEP_UNLOCK);
    ck_assert_uint_eq(wl->steps[3].d.a_ns, 1000);
    ck_assert(wl->steps[3].kernel);
    ck_assert_uint_eq(wl->nr_locks, 1);
    wl = &sc->vms[1].wl;
    ck_assert_uint_eq(wl->participants, 1);
    ck_assert_uint_eq(wl->steps[3].d.a_ns, 500);
    /* dedup */
    wl = &sc->vms[2].wl;
    ck_assert_uint_eq(wl->participants, 4);
    ck_assert_uint_eq(wl->nr_steps, 2);
    ck_assert_int_eq(wl->steps[0].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(wl->steps[0].d.a_ns, 50000);
    ck_assert_int_eq(wl->steps[1].kind, GSTEP_IPI);
    ck_assert_int_eq(wl->steps[1].to, IPI_TO_NEXT);
    ck_assert(wl->steps[1].wait);
    ck_assert_uint_eq(wl->steps[1].handler_ns, 7000);
    ck_assert_uint_eq(wl->nr_locks, 0);
    /* vips */
    wl = &sc->vms[3].wl;
    ck_assert_uint_eq(wl->nr_steps, 3);
    ck_assert_int_eq(wl->steps[0].d.kind, DIST_LOGNORMAL);
    ck_assert_uint_eq(wl->steps[0].d.a_ns, 500000);
    ck_assert_double_eq(wl->steps[0].d.sigma, 0.3);
    ck_assert_int_eq(wl->steps[1].kind, GSTEP_BARRIER);
    ck_assert_int_eq(wl->steps[2].kind, GSTEP_IPI);
    ck_assert_int_eq(wl->steps[2].to, IPI_TO_ALL);
    ck_assert_uint_eq(wl->steps[2].every, 8);
    ck_assert_uint_eq(wl->steps[2].handler_ns, 2000);
    /* ebizzy */
    wl = &sc->vms[4].wl;
    ck_assert_uint_eq(wl->nr_steps, 5);
    ck_assert_uint_eq(wl->steps[0].d.a_ns, 30000);
    ck_assert_int_eq(wl->steps[1].kind, GSTEP_LOCK);
    ck_assert_int_eq(wl->steps[2].d.kind, DIST_FIXED);
    ck_assert_uint_eq(wl->steps[2].d.a_ns, 1000);
    ck_assert_int_eq(wl->steps[4].kind, GSTEP_TLB_SHOOTDOWN);
    ck_assert_int_eq(wl->steps[4].to, IPI_TO_ALL);
    ck_assert(wl->steps[4].wait);
    ck_assert_uint_eq(wl->steps[4].handler_ns, 3000);
    /* kbuild */
    wl = &sc->vms[5].wl;
    ck_assert_uint_eq(wl->nr_steps, 6);
    ck_assert_int_eq(wl->steps[0].d.kind, DIST_LOGNORMAL);
    ck_assert_uint_eq(wl->steps[0].d.a_ns, 2000000);
    ck_assert_double_eq(wl->steps[0].d.sigma, 0.0);
    ck_assert_uint_eq(wl->steps[1].d.a_ns, 20000);
    ck_assert_int_eq(wl->steps[2].kind, GSTEP_LOCK);
    ck_assert_uint_eq(wl->steps[2].every, 20);
    ck_assert_uint_eq(wl->steps[3].every, 20);
    ck_assert_uint_eq(wl->steps[3].d.a_ns, 2000);
    ck_assert_int_eq(wl->steps[4].kind, GSTEP_UNLOCK);
    ck_assert_uint_eq(wl->steps[4].every, 20);
    ck_assert_int_eq(wl->steps[5].kind, GSTEP_SLEEP);
    ck_assert_int_eq(wl->steps[5].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(wl->steps[5].d.a_ns, 100000);
    ck_assert_uint_eq(wl->steps[5].every, 10);
    scenario_free(sc);
}
END_TEST

/* A custom program with every op, every time form and lock instance mapping. */
START_TEST(test_guest_program)
{
    struct scenario *sc = load_ok(VM_WL(
        "{\"lock_kind\": \"native\", \"participants\": 3, \"spin_threshold\": 1, \"handoff_ns\": 0,"
        " \"resched_handler_ns\": 7, \"timer_handler_ns\": 9, \"program\": ["
        "  {\"op\": \"compute\", \"us\": 1.5, \"mode\": \"kernel\", \"comment\": \"c\"},"
        "  {\"op\": \"lock\", \"lock\": \"a\", \"spread\": 2},"
        "  {\"op\": \"lock\", \"lock\": \"b\", \"spread\": 3, \"every\": 5},"
        "  {\"op\": \"compute\", \"ns\": 2.5, \"every\": 5},"
        "  {\"op\": \"unlock\", \"every\": 5},"
        "  {\"op\": \"unlock\"},"
        "  {\"op\": \"lock\", \"lock\": \"a\", \"spread\": 2}, {\"op\": \"unlock\"},"
        "  {\"op\": \"sleep\", \"dist\": {\"kind\": \"uniform\", \"min_us\": 1, \"max_us\": 2}},"
        "  {\"op\": \"compute\", \"dist\": {\"kind\": \"exponential\", \"mean_us\": 4}},"
        "  {\"op\": \"compute\", \"dist\": {\"kind\": \"lognormal\", \"median_us\": 5, \"sigma\": 0.5}},"
        "  {\"op\": \"compute\", \"dist\": {\"kind\": \"fixed\", \"us\": 6}},"
        "  {\"op\": \"ipi\", \"to\": {\"random\": 2}, \"wait\": false, \"handler_ns\": 1.5},"
        "  {\"op\": \"ipi\", \"to\": \"random\"},"
        "  {\"op\": \"tlb_shootdown\"},"
        "  {\"op\": \"tlb_shootdown\", \"to\": \"next\", \"handler_us\": 1, \"freed_tables\": true},"
        "  {\"op\": \"barrier\", \"every\": 1000000}]}"));
    const struct scenario_workload *wl = &sc->vms[0].wl;
    const struct guest_step *st = wl->steps;

    ck_assert_ptr_null(wl->preset);
    ck_assert_int_eq(wl->lock_kind, LOCK_QSPINLOCK);
    ck_assert_uint_eq(wl->participants, 3);
    ck_assert_uint_eq(wl->spin_threshold, 1);
    ck_assert_uint_eq(wl->handoff_ns, 0);
    ck_assert_uint_eq(wl->resched_handler_ns, 7);
    ck_assert_uint_eq(wl->timer_handler_ns, 9);
    ck_assert_uint_eq(wl->nr_steps, 17);
    ck_assert_uint_eq(wl->nr_locks, 5); /* a: 0..1, b: 2..4 */
    ck_assert_int_eq(st[0].kind, GSTEP_COMPUTE);
    ck_assert_int_eq(st[0].d.kind, DIST_FIXED);
    ck_assert_uint_eq(st[0].d.a_ns, 1500);
    ck_assert(st[0].kernel);
    ck_assert_uint_eq(st[0].every, 1);
    ck_assert_int_eq(st[1].kind, GSTEP_LOCK);
    ck_assert_uint_eq(st[1].lock, 0);
    ck_assert_uint_eq(st[1].spread, 2);
    ck_assert_uint_eq(st[2].lock, 2);
    ck_assert_uint_eq(st[2].spread, 3);
    ck_assert_uint_eq(st[2].every, 5);
    ck_assert_int_eq(st[3].kind, GSTEP_COMPUTE);
    ck_assert_uint_eq(st[3].d.a_ns, 3); /* 2.5 ns rounds half away from zero */
    ck_assert_uint_eq(st[3].every, 5);
    ck_assert_int_eq(st[4].kind, GSTEP_UNLOCK);
    ck_assert_uint_eq(st[4].every, 5);
    ck_assert_uint_eq(st[6].lock, 0); /* "a" again: the same instances */
    ck_assert_int_eq(st[8].kind, GSTEP_SLEEP);
    ck_assert_int_eq(st[8].d.kind, DIST_UNIFORM);
    ck_assert_uint_eq(st[8].d.a_ns, 1000);
    ck_assert_uint_eq(st[8].d.b_ns, 2000);
    ck_assert_int_eq(st[9].d.kind, DIST_EXPONENTIAL);
    ck_assert_uint_eq(st[9].d.a_ns, 4000);
    ck_assert(!st[9].kernel);
    ck_assert_int_eq(st[10].d.kind, DIST_LOGNORMAL);
    ck_assert_uint_eq(st[10].d.a_ns, 5000);
    ck_assert_double_eq(st[10].d.sigma, 0.5);
    ck_assert_int_eq(st[11].d.kind, DIST_FIXED);
    ck_assert_uint_eq(st[11].d.a_ns, 6000);
    ck_assert_int_eq(st[12].kind, GSTEP_IPI);
    ck_assert_int_eq(st[12].to, IPI_TO_SEVERAL);
    ck_assert_uint_eq(st[12].nr_targets, 2);
    ck_assert(!st[12].wait);
    ck_assert_uint_eq(st[12].handler_ns, 2);
    ck_assert_int_eq(st[13].to, IPI_TO_RANDOM);
    ck_assert(st[13].wait);
    ck_assert_uint_eq(st[13].handler_ns, 2000);
    ck_assert_int_eq(st[14].kind, GSTEP_TLB_SHOOTDOWN);
    ck_assert_int_eq(st[14].to, IPI_TO_ALL);
    ck_assert(st[14].wait);
    ck_assert_uint_eq(st[14].handler_ns, 3000);
    ck_assert(!st[14].freed_tables);
    ck_assert_int_eq(st[15].to, IPI_TO_NEXT);
    ck_assert(st[15].freed_tables);
    ck_assert_uint_eq(st[15].handler_ns, 1000);
    ck_assert_int_eq(st[16].kind, GSTEP_BARRIER);
    ck_assert_uint_eq(st[16].every, 1000000);
    scenario_free(sc);
}
END_TEST

/* Implied cgroups: appended after the declared ones, parents first, shares
 * 1024, declared ones keep their shares; replicas get one cgroup each
 * unless the VM names a cgroup, which they then share. */
START_TEST(test_vm_cgroups)
{
    struct scenario *sc = load_ok(
        "{\"version\": 1, \"name\": \"c\", \"duration_ms\": 1, \"host\": {\"cpus\": 4},"
        " \"cgroups\": [{\"path\": \"/A\", \"shares\": 100}, {\"path\": \"/machine\", \"shares\": 2048},"
        "  {\"path\": \"/machine/w\", \"shares\": 512}],"
        " \"vms\": [{\"name\": \"v\", \"vcpus\": 2, \"count\": 3, \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"w\", \"vcpus\": 2, \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"x\", \"vcpus\": 2, \"count\": 2, \"cgroup\": \"/A\", \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"y\", \"vcpus\": 8, \"pin\": \"1:1\", \"cpus\": [3, 1], \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"z\", \"vcpus\": 1, \"cgroup\": \"/\", \"workload\": {\"preset\": \"dbench\"}}]}");
    static const struct { const char *path; unsigned long shares; } want[] = {
        {"/A", 100}, {"/machine", 2048}, {"/machine/w", 512}, {"/machine/v.0", 1024},
        {"/machine/v.1", 1024}, {"/machine/v.2", 1024}, {"/machine/y", 1024},
    };

    ck_assert_uint_eq(sc->nr_cgroups, G_N_ELEMENTS(want));
    for (unsigned int i = 0; i < G_N_ELEMENTS(want); i++) {
        ck_assert_str_eq(sc->cgroups[i].path, want[i].path);
        ck_assert_uint_eq(sc->cgroups[i].shares, want[i].shares);
    }
    ck_assert_str_eq(sc->vms[0].cgroup, "/machine/v"); /* the base of the replicas' cgroups */
    ck_assert(sc->vms[0].cgroup_per_replica);
    ck_assert_uint_eq(sc->vms[0].count, 3);
    ck_assert_str_eq(sc->vms[1].cgroup, "/machine/w");
    ck_assert(sc->vms[1].cgroup_per_replica);
    ck_assert_str_eq(sc->vms[2].cgroup, "/A");
    ck_assert(!sc->vms[2].cgroup_per_replica);
    /* 1:1 pinning with more vCPUs than CPUs is allowed (pins wrap around). */
    ck_assert_int_eq(sc->vms[3].pin, VM_PIN_1TO1);
    ck_assert_uint_eq(cpumask_weight(&sc->vms[3].cpus), 2);
    ck_assert(cpumask_test_cpu(1, &sc->vms[3].cpus) && cpumask_test_cpu(3, &sc->vms[3].cpus));
    ck_assert_str_eq(sc->vms[4].cgroup, "/");
    ck_assert(!sc->vms[4].cgroup_per_replica);
    scenario_free(sc);
}
END_TEST

/* "vcpu_cgroups": libvirt's layout, vCPU K of each replica in "<VM group>/vcpuK"
 * (shares 1024 unless declared), appended after the VM's own group; the
 * option is in the hash only when set. */
START_TEST(test_vcpu_cgroups)
{
    struct scenario *sc = load_ok(
        "{\"version\": 1, \"name\": \"c\", \"duration_ms\": 1, \"host\": {\"cpus\": 4},"
        " \"cgroups\": [{\"path\": \"/machine\"}, {\"path\": \"/machine/w\"},"
        "  {\"path\": \"/machine/w/vcpu1\", \"shares\": 2048}],"
        " \"vms\": [{\"name\": \"v\", \"vcpus\": 2, \"count\": 2, \"vcpu_cgroups\": true, \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"w\", \"vcpus\": 3, \"cgroup\": \"/machine/w\", \"vcpu_cgroups\": true, \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"x\", \"vcpus\": 2, \"workload\": {\"preset\": \"dbench\"}}]}");
    static const struct { const char *path; unsigned long shares; } want[] = {
        {"/machine", 1024}, {"/machine/w", 1024}, {"/machine/w/vcpu1", 2048},
        {"/machine/v.0", 1024}, {"/machine/v.1", 1024},
        {"/machine/v.0/vcpu0", 1024}, {"/machine/v.0/vcpu1", 1024},
        {"/machine/v.1/vcpu0", 1024}, {"/machine/v.1/vcpu1", 1024},
        {"/machine/w/vcpu0", 1024}, {"/machine/w/vcpu2", 1024},
        {"/machine/x", 1024},
    };
    g_autofree char *root = scenario_vcpu_cgroup("/", 7);
    g_autofree char *sub = scenario_vcpu_cgroup("/machine/x", 12);
    struct scenario *off, *on;

    ck_assert_uint_eq(sc->nr_cgroups, G_N_ELEMENTS(want));
    for (unsigned int i = 0; i < G_N_ELEMENTS(want); i++) {
        ck_assert_str_eq(sc->cgroups[i].path, want[i].path);
        ck_assert_uint_eq(sc->cgroups[i].shares, want[i].shares);
    }
    ck_assert(sc->vms[0].vcpu_cgroups && sc->vms[1].vcpu_cgroups && !sc->vms[2].vcpu_cgroups);
    ck_assert_str_eq(root, "/vcpu7");
    ck_assert_str_eq(sub, "/machine/x/vcpu12");
    scenario_free(sc);

#define VC(extra) "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}," \
    " \"vms\": [{\"name\": \"v\", \"vcpus\": 4" extra ", \"workload\": {\"preset\": \"dbench\"}}]}"
    off = load_ok(VC(""));
    sc = load_ok(VC(", \"vcpu_cgroups\": false"));
    on = load_ok(VC(", \"vcpu_cgroups\": true"));
#undef VC
    ck_assert_uint_eq(scenario_hash(off), scenario_hash(sc));
    ck_assert_uint_ne(scenario_hash(off), scenario_hash(on));
    scenario_free(off);
    scenario_free(sc);
    scenario_free(on);
}
END_TEST

/* The VM fields are in the hash: explicit defaults keep it, any change of a
 * simulated value (KVM, host, policy, workload) changes it. */
START_TEST(test_hash_vm)
{
#define VM_BASE(host_extra, top_extra, wl_extra)                                                   \
    "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4" host_extra "}," \
    top_extra " \"vms\": [{\"name\": \"v\", \"vcpus\": 4, \"workload\": {\"program\": ["           \
    "{\"op\": \"compute\", \"us\": 1}, {\"op\": \"ipi\", \"to\": \"next\"}]" wl_extra "}}]}"
    const char *a = VM_BASE("", "", "");
    const char *same[] = {
        /* everything written out, other forms of the same values */
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"comment\": \"x\","
        " \"host\": {\"cpus\": 4, \"cpu_ghz\": 2.5, \"pause_cycles\": 140},"
        " \"kvm\": {\"exit_ns\": 600, \"entry_ns\": 400, \"ctx_switch_ns\": 2000, \"ipi_latency_ns\": 1000,"
        "  \"apicv\": \"on\", \"ple_gap\": 128, \"ple_window\": 4096, \"ple_window_grow\": 2,"
        "  \"ple_window_shrink\": 0, \"ple_window_max\": 4294967295, \"halt_poll_ns\": 200000,"
        "  \"halt_poll_ns_grow\": 2, \"halt_poll_ns_grow_start\": 10000, \"halt_poll_ns_shrink\": 2,"
        "  \"pv_unhalt\": true, \"pv_send_ipi\": true, \"pv_tlb_flush\": true, \"pv_sched_yield\": true,"
        "  \"pv_eoi\": false},"
        " \"policy\": {\"yield_to\": \"mainline\", \"directed_yield\": \"mainline\","
        "  \"vcpu_debooster_enabled\": true, \"ipi_tracking_enabled\": true, \"ipi_window_ns\": 50000000,"
        "  \"enable_relaxed_boost\": true},"
        " \"cgroups\": [{\"path\": \"/machine\"}, {\"path\": \"/machine/v\", \"shares\": 1024}],"
        " \"tasks\": [],"
        " \"vms\": [{\"name\": \"v\", \"vcpus\": 4, \"cpus\": [3, 2, 1, 0], \"pin\": \"none\", \"count\": 1,"
        "  \"nice\": 0, \"workload\": {\"lock_kind\": \"pv\", \"participants\": 4, \"spin_threshold\": 32768,"
        "  \"handoff_ns\": 100, \"resched_handler_ns\": 500, \"timer_handler_ns\": 1000, \"program\": ["
        "  {\"op\": \"compute\", \"dist\": {\"kind\": \"fixed\", \"us\": 1}, \"mode\": \"user\", \"every\": 1},"
        "  {\"op\": \"ipi\", \"to\": \"next\", \"wait\": true, \"handler_ns\": 2000, \"every\": 1}]}}]}",
        VM_BASE("", "", ", \"comment\": \"annotated\""),
    };
    const char *differ[] = {
        VM_BASE("", " \"kvm\": {\"exit_ns\": 601},", ""),
        VM_BASE("", " \"kvm\": {\"apicv\": \"off\"},", ""),
        VM_BASE("", " \"kvm\": {\"ple_gap\": 0},", ""),
        VM_BASE("", " \"kvm\": {\"ple_window_max\": 4294967294},", ""),
        VM_BASE("", " \"kvm\": {\"halt_poll_ns_grow_start\": 1},", ""),
        VM_BASE("", " \"kvm\": {\"pv_tlb_flush\": false},", ""),
        VM_BASE("", " \"kvm\": {\"pv_eoi\": true},", ""),
        VM_BASE(", \"cpu_ghz\": 2.6", "", ""),
        VM_BASE(", \"pause_cycles\": 141", "", ""),
        VM_BASE("", " \"policy\": {\"ipi_window_ns\": 1},", ""),
        VM_BASE("", " \"policy\": {\"enable_relaxed_boost\": false},", ""),
        VM_BASE("", "", ", \"participants\": 3"),
        VM_BASE("", "", ", \"lock_kind\": \"tas\""),
        VM_BASE("", "", ", \"handoff_ns\": 101"),
        VM_BASE("", " \"cgroups\": [{\"path\": \"/machine\", \"shares\": 1023}],", ""),
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}, \"vms\": [{\"name\": \"v\","
        " \"vcpus\": 4, \"workload\": {\"program\": [{\"op\": \"compute\", \"us\": 1, \"mode\": \"kernel\"},"
        " {\"op\": \"ipi\", \"to\": \"next\"}]}}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}, \"vms\": [{\"name\": \"v\","
        " \"vcpus\": 4, \"workload\": {\"program\": [{\"op\": \"compute\", \"us\": 1},"
        " {\"op\": \"ipi\", \"to\": \"next\", \"wait\": false}]}}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}, \"vms\": [{\"name\": \"v\","
        " \"vcpus\": 4, \"workload\": {\"program\": [{\"op\": \"compute\", \"dist\": {\"kind\": \"exponential\", \"mean_us\": 1}},"
        " {\"op\": \"ipi\", \"to\": \"next\"}]}}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}, \"vms\": [{\"name\": \"v\","
        " \"vcpus\": 4, \"pin\": \"1:1\", \"workload\": {\"program\": [{\"op\": \"compute\", \"us\": 1},"
        " {\"op\": \"ipi\", \"to\": \"next\"}]}}]}",
        "{\"version\": 1, \"name\": \"h\", \"duration_ms\": 10, \"host\": {\"cpus\": 4}, \"vms\": [{\"name\": \"v\","
        " \"vcpus\": 4, \"count\": 2, \"workload\": {\"program\": [{\"op\": \"compute\", \"us\": 1},"
        " {\"op\": \"ipi\", \"to\": \"next\"}]}}]}",
    };
#undef VM_BASE
    struct scenario *sa = load_ok(a);
    u64 ha = scenario_hash(sa);

    for (unsigned int i = 0; i < G_N_ELEMENTS(same); i++) {
        struct scenario *s = load_ok(same[i]);

        ck_assert_msg(scenario_hash(s) == ha, "same[%u] hashes differently", i);
        scenario_free(s);
    }
    for (unsigned int i = 0; i < G_N_ELEMENTS(differ); i++) {
        struct scenario *s = load_ok(differ[i]);

        ck_assert_msg(scenario_hash(s) != ha, "differ[%u] hashes like the original", i);
        scenario_free(s);
    }
    scenario_free(sa);
}
END_TEST

/* lock_kind "s390": its defaults, the picosecond rounding of spin_loop_ns,
 * and its two parameters in the hash only where they are used. */
START_TEST(test_s390_lock_params)
{
    struct scenario *d = load_ok(VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\"}"));
    struct scenario *e = load_ok(VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", "
                                       "\"spin_retry\": 1000, \"spin_loop_ns\": 2.0004}"));
    struct scenario *f = load_ok(VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", "
                                       "\"spin_retry\": 0, \"spin_loop_ns\": 0.0015}"));
    struct scenario *g = load_ok(VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"s390\", "
                                       "\"spin_retry\": 999}"));
    struct scenario *t = load_ok(VM_WL("{\"preset\": \"dbench\", \"lock_kind\": \"tas\"}"));
    struct scenario *def = scenario_load_default();

    ck_assert_int_eq(d->vms[0].wl.lock_kind, LOCK_S390);
    ck_assert_uint_eq(d->vms[0].wl.spin_retry, 1000);     /* spin_retry_init() */
    ck_assert_uint_eq(d->vms[0].wl.spin_loop_ps, 2000);
    ck_assert_uint_eq(e->vms[0].wl.spin_loop_ps, 2000);   /* 2000.4 ps rounds down */
    ck_assert_uint_eq(f->vms[0].wl.spin_retry, 0);
    ck_assert_uint_eq(f->vms[0].wl.spin_loop_ps, 2);      /* 1.5 ps rounds half away */
    ck_assert_uint_eq(scenario_hash(d), scenario_hash(e));
    ck_assert_uint_ne(scenario_hash(d), scenario_hash(f));
    ck_assert_uint_ne(scenario_hash(d), scenario_hash(g));
    ck_assert_uint_ne(scenario_hash(d), scenario_hash(t));
    /* Other lock kinds keep the hash they had before "s390" existed: the
     * embedded default scenario's, as vsched 0.1.0 without it printed once
     * the vCPU start times (start_us, start_spread_us) and the guest tick
     * (workload.tick_hz, which changed every VM scenario's results) were in
     * the hash. */
    ck_assert_uint_eq(scenario_hash(def), 14369476908438858794ULL);
    scenario_free(d);
    scenario_free(e);
    scenario_free(f);
    scenario_free(g);
    scenario_free(t);
    scenario_free(def);
}
END_TEST

/* A preset and the same program written out differ only by the preset name. */
START_TEST(test_hash_preset_vs_program)
{
    struct scenario *p = load_ok(VM_WL("{\"preset\": \"dedup\"}"));
    struct scenario *q = load_ok(VM_WL(
        "{\"program\": [{\"op\": \"compute\", \"dist\": {\"kind\": \"exponential\", \"mean_us\": 50}},"
        " {\"op\": \"ipi\", \"to\": \"next\", \"handler_us\": 5}]}"));
    struct scenario *r = load_ok(VM_WL("{\"preset\": \"dedup\", \"compute_us\": 50, \"handler_us\": 5}"));

    ck_assert_uint_eq(p->vms[0].wl.nr_steps, q->vms[0].wl.nr_steps);
    ck_assert_mem_eq(p->vms[0].wl.steps, q->vms[0].wl.steps,
                     q->vms[0].wl.nr_steps * sizeof(struct guest_step));
    ck_assert_uint_ne(scenario_hash(p), scenario_hash(q));
    ck_assert_uint_eq(scenario_hash(p), scenario_hash(r)); /* explicit defaults */
    scenario_free(p);
    scenario_free(q);
    scenario_free(r);
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

/* Every truncation and many one-byte corruptions of valid scenarios must be
 * either loaded or rejected with an error, never crash or leak an error-less
 * NULL.  (Run under ASan/valgrind to catch memory errors too.) */
static const char *const robust_texts[] = {
    NULL, /* the default scenario */
    "{\"version\": 1, \"name\": \"r\", \"duration_ms\": 1, \"host\": {\"cpus\": 2, \"cpu_ghz\": 3},"
    " \"kvm\": {\"apicv\": \"off\", \"ple_gap\": 0}, \"policy\": {\"yield_to\": \"mainline\"},"
    " \"cgroups\": [{\"path\": \"/machine\"}], \"tasks\": [{\"name\": \"t\", \"program\": [{\"run_us\": 1}]}],"
    " \"vms\": [{\"name\": \"v\", \"vcpus\": 3, \"count\": 2, \"workload\": {\"participants\": 3, \"program\": ["
    "{\"op\": \"compute\", \"dist\": {\"kind\": \"uniform\", \"min_us\": 1, \"max_us\": 9}},"
    "{\"op\": \"lock\", \"lock\": \"a\", \"spread\": 2, \"every\": 3}, {\"op\": \"unlock\", \"every\": 3},"
    "{\"op\": \"ipi\", \"to\": {\"random\": 2}}, {\"op\": \"tlb_shootdown\", \"handler_ns\": 9},"
    "{\"op\": \"barrier\"}, {\"op\": \"sleep\", \"us\": 4}]}},"
    " {\"name\": \"w\", \"vcpus\": 2, \"workload\": {\"preset\": \"kbuild\", \"sigma\": 2}}]}",
};

START_TEST(test_robustness)
{
    const char *text = robust_texts[_i] ? robust_texts[_i] : scenario_default_json();
    size_t len = strlen(text);
    static const char subst[] = {'0', '-', '"', '{', ']', ',', 'x', ' ', '.', '9'};
    struct scenario *whole = scenario_load_string(text, "whole.json", NULL);

    ck_assert_ptr_nonnull(whole); /* the unmutated text is valid */
    scenario_free(whole);

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
    tcase_add_test(tc, test_kernel_keys);
    tcase_add_test(tc, test_default_scenario);
    tcase_add_test(tc, test_all_shipped_scenarios_load);
    tcase_add_test(tc, test_hash);
    tcase_add_test(tc, test_vm_defaults);
    tcase_add_test(tc, test_kvm_and_policy_overrides);
    tcase_add_test(tc, test_preset_dbench);
    tcase_add_test(tc, test_presets);
    tcase_add_test(tc, test_guest_program);
    tcase_add_test(tc, test_vm_cgroups);
    tcase_add_test(tc, test_vcpu_cgroups);
    tcase_add_test(tc, test_hash_vm);
    tcase_add_test(tc, test_hash_preset_vs_program);
    tcase_add_test(tc, test_s390_lock_params);
    tcase_add_test(tc, test_feature_names_and_profiles);
    tcase_add_loop_test(tc, test_robustness, 0, G_N_ELEMENTS(robust_texts));
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
