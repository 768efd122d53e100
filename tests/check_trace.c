/*
 * tests/check_trace.c - event traces (vsched/trace.h, docs/traces.md):
 *  - a traced run gives byte-identical results to an untraced one;
 *  - the ftrace text has the kernel's line layout (and what Perfetto's text
 *    importer needs: "# tracer" header, <comm>-<pid> [cpu] flags ts: event:,
 *    key=value fields), non-decreasing timestamps, and on every CPU each
 *    sched_switch's prev is the previous sched_switch's next;
 *  - the Chrome JSON loads with jansson, has a process per CPU, and its
 *    stints never overlap on a CPU and add up to each task's CPU time;
 *  - --trace-limit-mb truncates with a final note and keeps the JSON valid;
 *  - write failures leave no file under the final name (exit 1 in the CLI).
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <jansson.h>

#include "vsched/kvm.h"
#include "vsched/results.h"
#include "vsched/scenario.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

#include "testutil.h"

#ifndef VSCHED_CLI
#error "VSCHED_CLI must be defined by the build"
#endif

/* What one run produced. */
struct run {
    char *json;           /* results as JSON (no wall time) */
    struct sim_result *res;
    bool truncated;       /* the trace hit its limit */
    u64 trace_events;     /* events the trace wrote */
};

static void run_clear(struct run *r)
{
    g_free(r->json);
    if (r->res)
        sim_result_free(r->res);
    memset(r, 0, sizeof(*r));
}

/* Run @sc for @ms, traced into @path (NULL = untraced) in @fmt with @limit. */
static void run_scenario(const struct scenario *sc, double ms, const char *path,
                         enum trace_format fmt, u64 limit, struct run *r)
{
    struct sim_options opt = {.duration_ns = (u64)(ms * 1e6)};
    struct sim *sim = sim_new(sc, &opt, NULL);
    GError *err = NULL;

    memset(r, 0, sizeof(*r));
    ck_assert_ptr_nonnull(sim);
    if (path) {
        struct trace_options topt = {.path = path, .format = fmt, .limit_bytes = limit};
        struct trace *t = trace_open(sim, &topt, &err);

        ck_assert_msg(t != NULL, "trace_open: %s", err ? err->message : "?");
        sim->trace = t;
        sim_run(sim, NULL, NULL);
        r->truncated = trace_truncated(t);
        r->trace_events = trace_nr_events(t);
        ck_assert_msg(trace_close(t, sim, &err), "trace_close: %s", err ? err->message : "?");
        ck_assert_ptr_null(sim->trace);
    } else {
        sim_run(sim, NULL, NULL);
    }
    r->res = sim_collect(sim, 0.0);
    r->json = result_render(r->res, FORMAT_JSON, false);
    sim_free(sim);
}

static struct scenario *load(const char *rel)
{
    GError *err = NULL;
    struct scenario *sc = rel ? scenario_load_file(rel, &err) : scenario_load_default();

    ck_assert_msg(sc != NULL, "%s: %s", rel ? rel : "default", err ? err->message : "?");
    return sc;
}

static u64 file_size(const char *path)
{
    GStatBuf st;

    ck_assert_msg(g_stat(path, &st) == 0, "cannot stat %s", path);
    return (u64)st.st_size;
}

/* ---- results are unaffected ---- */

static const struct {
    const char *scenario;  /* NULL = the embedded default */
    double ms;
} identical_cases[] = {
    {TU_SRC("scenarios/vm-pingpong.json"), 5},
    {NULL, 10},
    {TU_SRC("scenarios/vm-ipi-dedup.json"), 10},
    {TU_SRC("scenarios/two-groups.json"), 50},
    {TU_SRC("scenarios/ref-s390-dbench.json"), 10},
};

START_TEST(test_results_identical)
{
    struct scenario *sc = load(identical_cases[_i].scenario);
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "t", NULL);
    struct run plain, traced;

    run_scenario(sc, identical_cases[_i].ms, NULL, 0, 0, &plain);
    run_scenario(sc, identical_cases[_i].ms, path, TRACE_FORMAT_BOTH, 0, &traced);
    ck_assert_str_eq(plain.json, traced.json);
    ck_assert(!traced.truncated);
    ck_assert_uint_gt(traced.trace_events, 0);
    ck_assert_int_eq(tu_count_entries(dir), 2); /* t.txt, t.json, no temporaries */
    run_clear(&plain);
    run_clear(&traced);
    tu_rmdir(dir);
    g_free(path);
    g_free(dir);
    scenario_free(sc);
}
END_TEST

/* ---- ftrace text ---- */

/* One parsed event line. */
struct ft_line {
    char *comm;
    unsigned int pid, cpu;
    u64 ts_ns;
    char *event;
    char *args;
};

/*
 * The kernel's trace_print_context() layout: "%16s-%-7d [%03d] " then the
 * five latency-format flag characters (irqs-off d/., need-resched N/n/p/.,
 * hardirq/softirq h/s/H/., preempt depth, migrate-disable), the timestamp
 * as secs.nanosecs, ": event: args".  Perfetto's text importer needs the
 * same things: -pid, [cpu], at most five flag characters, digits.digits,
 * ": name:".
 */
static GRegex *line_re(void)
{
    return g_regex_new("^ *(\\S+)-(\\d+) +\\[(\\d{3})\\] ([d.][Nnp.][hsH.][0-9.][0-9.]) +"
                       "(\\d+)\\.(\\d{9}): ([a-z_]+): (.*)$",
                       G_REGEX_OPTIMIZE, 0, NULL);
}

static bool parse_line(GRegex *re, const char *s, struct ft_line *l)
{
    GMatchInfo *mi = NULL;
    bool ok = g_regex_match(re, s, 0, &mi);

    if (ok) {
        char *pid = g_match_info_fetch(mi, 2), *cpu = g_match_info_fetch(mi, 3);
        char *sec = g_match_info_fetch(mi, 5), *ns = g_match_info_fetch(mi, 6);

        l->comm = g_match_info_fetch(mi, 1);
        l->pid = (unsigned int)g_ascii_strtoull(pid, NULL, 10);
        l->cpu = (unsigned int)g_ascii_strtoull(cpu, NULL, 10);
        l->ts_ns = g_ascii_strtoull(sec, NULL, 10) * NSEC_PER_SEC + g_ascii_strtoull(ns, NULL, 10);
        l->event = g_match_info_fetch(mi, 7);
        l->args = g_match_info_fetch(mi, 8);
        g_free(pid);
        g_free(cpu);
        g_free(sec);
        g_free(ns);
    }
    g_match_info_free(mi);
    return ok;
}

static void ft_line_clear(struct ft_line *l)
{
    g_free(l->comm);
    g_free(l->event);
    g_free(l->args);
}

/* Every field of a sched event is one key=value token (Perfetto splits the
 * arguments at spaces, then at '='); "==>" is the only other token. */
static void check_tokens(const char *args)
{
    char **tok = g_strsplit(args, " ", -1);

    for (unsigned int i = 0; tok[i]; i++) {
        const char *eq = strchr(tok[i], '=');

        if (strcmp(tok[i], "==>") == 0)
            continue;
        ck_assert_msg(eq && eq != tok[i] && eq[1] && !strchr(eq + 1, '='),
                      "token \"%s\" of \"%s\" is not key=value", tok[i], args);
    }
    g_strfreev(tok);
}

/* What a file showed per event name. */
struct ft_summary {
    GHashTable *count;    /* event name -> count (GUINT_TO_POINTER) */
    unsigned int lines;
    char *last_line;
};

static unsigned int seen(const struct ft_summary *s, const char *event)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(s->count, event));
}

static void check_ftrace_file(const char *path, unsigned int nr_cpus, struct ft_summary *sum)
{
    char *text = tu_read_file(path);
    char **lines;
    GRegex *re = line_re();
    GRegex *sw = g_regex_new("^prev_comm=(\\S+) prev_pid=(\\d+) prev_prio=(\\d+) "
                             "prev_state=(R|S|D|R\\+) ==> next_comm=(\\S+) next_pid=(\\d+) "
                             "next_prio=(\\d+)$",
                             0, 0, NULL);
    GRegex *wk = g_regex_new("^comm=\\S+ pid=\\d+ prio=\\d+ target_cpu=\\d{3}$", 0, 0, NULL);
    GRegex *kx = g_regex_new("^vcpu \\d+ reason [A-Z][A-Z0-9_]* rip 0x[0-9a-f]+ info1 0x[0-9a-f]{16} "
                             "info2 0x[0-9a-f]{16} intr_info 0x[0-9a-f]{8} "
                             "error_code 0x[0-9a-f]{8}$",
                             0, 0, NULL);
    char **cpu_next = g_new0(char *, nr_cpus); /* "comm:pid" each CPU switched to last */
    u64 last_ts = 0;

    ck_assert_msg(text != NULL, "cannot read %s", path);
    ck_assert(g_str_has_prefix(text, "# tracer: nop\n"));
    ck_assert(g_str_has_suffix(text, "\n"));
    sum->count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    sum->lines = 0;
    lines = g_strsplit(text, "\n", -1);
    for (unsigned int i = 0; lines[i]; i++) {
        struct ft_line l;
        GMatchInfo *mi = NULL;

        if (!lines[i][0])
            continue;
        g_free(sum->last_line);
        sum->last_line = g_strdup(lines[i]);
        if (lines[i][0] == '#')
            continue;
        ck_assert_msg(parse_line(re, lines[i], &l), "line %u does not parse: %s", i + 1,
                      lines[i]);
        sum->lines++;
        ck_assert_uint_lt(l.cpu, nr_cpus);
        ck_assert_msg(l.ts_ns >= last_ts, "line %u: timestamp goes back: %s", i + 1, lines[i]);
        last_ts = l.ts_ns;
        g_hash_table_insert(sum->count, g_strdup(l.event),
                            GUINT_TO_POINTER(seen(sum, l.event) + 1));

        if (strcmp(l.event, "sched_switch") == 0) {
            char *prev, *next, *pc, *pp, *nc, *np;

            ck_assert_msg(g_regex_match(sw, l.args, 0, &mi), "bad sched_switch: %s", l.args);
            check_tokens(l.args);
            pc = g_match_info_fetch(mi, 1);
            pp = g_match_info_fetch(mi, 2);
            nc = g_match_info_fetch(mi, 5);
            np = g_match_info_fetch(mi, 6);
            prev = g_strdup_printf("%s:%s", pc, pp);
            next = g_strdup_printf("%s:%s", nc, np);
            /* The line is printed in prev's context; idle is <idle>-0 with
             * comm swapper/N in the fields. */
            ck_assert_uint_eq(l.pid, (unsigned int)atoi(pp));
            if (strcmp(pp, "0") == 0) {
                char *idle = g_strdup_printf("swapper/%u", l.cpu);

                ck_assert_str_eq(pc, idle);
                ck_assert_str_eq(l.comm, "<idle>");
                g_free(idle);
            } else {
                ck_assert_str_eq(l.comm, pc);
            }
            if (strcmp(np, "0") == 0) {
                char *idle = g_strdup_printf("swapper/%u", l.cpu);

                ck_assert_str_eq(nc, idle);
                g_free(idle);
            }
            if (cpu_next[l.cpu])
                ck_assert_msg(strcmp(cpu_next[l.cpu], prev) == 0,
                              "CPU %u: prev %s but the last switch went to %s (line %u)", l.cpu,
                              prev, cpu_next[l.cpu], i + 1);
            else
                ck_assert_msg(strcmp(pp, "0") == 0, "CPU %u starts with %s, not idle", l.cpu,
                              prev);
            ck_assert_str_ne(prev, next);
            g_free(cpu_next[l.cpu]);
            cpu_next[l.cpu] = next;
            g_free(prev);
            g_free(pc);
            g_free(pp);
            g_free(nc);
            g_free(np);
        } else if (g_str_has_prefix(l.event, "sched_wak")) {
            ck_assert_msg(g_regex_match(wk, l.args, 0, NULL), "bad %s: %s", l.event, l.args);
            check_tokens(l.args);
        } else if (strcmp(l.event, "kvm_exit") == 0) {
            ck_assert_msg(g_regex_match(kx, l.args, 0, NULL), "bad kvm_exit: %s", l.args);
        } else if (strcmp(l.event, "kvm_entry") == 0) {
            ck_assert_msg(g_str_has_prefix(l.args, "vcpu "), "bad kvm_entry: %s", l.args);
        } else if (g_str_has_prefix(l.event, "vsched_")) {
            check_tokens(l.args);
        } else {
            ck_assert_msg(strcmp(l.event, "kvm_msr") == 0 ||
                              strcmp(l.event, "kvm_hypercall") == 0,
                          "unexpected event %s", l.event);
        }
        g_match_info_free(mi);
        ft_line_clear(&l);
    }
    for (unsigned int c = 0; c < nr_cpus; c++)
        g_free(cpu_next[c]);
    g_free(cpu_next);
    g_strfreev(lines);
    g_regex_unref(re);
    g_regex_unref(sw);
    g_regex_unref(wk);
    g_regex_unref(kx);
    g_free(text);
}

static void summary_clear(struct ft_summary *s)
{
    g_hash_table_unref(s->count);
    g_free(s->last_line);
}

START_TEST(test_ftrace_text)
{
    static const char *const expected[] = {
        "sched_switch",    "sched_waking",     "sched_wakeup",          "sched_wakeup_new",
        "kvm_exit",        "kvm_entry",        "vsched_kvm_vcpu_on_spin", "vsched_yield_to",
        "vsched_ipi_send", "vsched_irq_handler_entry", "vsched_halt_block", "vsched_halt_wake",
        "vsched_lock_acquire", "vsched_lock_release",
    };
    struct scenario *sc = load(NULL);
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "t.txt", NULL);
    struct ft_summary sum = {0};
    struct run r;

    run_scenario(sc, 10, path, TRACE_FORMAT_FTRACE, 0, &r);
    check_ftrace_file(path, sc->host.cpus, &sum);
    for (unsigned int i = 0; i < G_N_ELEMENTS(expected); i++)
        ck_assert_msg(seen(&sum, expected[i]) > 0, "no %s in the trace", expected[i]);
    /* One line per event, and a context switch per sched_switch line. */
    ck_assert_uint_eq(sum.lines, r.trace_events);
    {
        u64 switches = 0;

        for (unsigned int c = 0; c < r.res->nr_cpus; c++)
            switches += r.res->cpus[c].nr_switches;
        ck_assert_uint_eq(seen(&sum, "sched_switch"), switches);
    }
    ck_assert(g_str_has_prefix(sum.last_line, "# vsched: end of trace at 0.010000000 s"));
    summary_clear(&sum);
    run_clear(&r);
    tu_rmdir(dir);
    g_free(path);
    g_free(dir);
    scenario_free(sc);
}
END_TEST

/* The s390 path: every DIAGNOSE 0x9c exit is a kvm_exit with reason
 * DIAG_9C followed by a vsched_diag_time_slice_end_directed line. */
START_TEST(test_ftrace_s390)
{
    struct scenario *sc = load(TU_SRC("scenarios/ref-s390-dbench.json"));
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "t.txt", NULL);
    struct ft_summary sum = {0};
    char *text;
    u64 exits = 0, reasons = 0;
    struct run r;

    run_scenario(sc, 10, path, TRACE_FORMAT_FTRACE, 0, &r);
    check_ftrace_file(path, sc->host.cpus, &sum);
    for (unsigned int i = 0; i < r.res->nr_vms; i++)
        exits += r.res->vms[i].exits[KVM_EXIT_DIAG_9C];
    ck_assert_uint_gt(exits, 0);
    ck_assert_uint_eq(seen(&sum, "vsched_diag_time_slice_end_directed"), exits);
    ck_assert_uint_eq(seen(&sum, "vsched_kvm_vcpu_on_spin"), 0); /* no PLE on s390 */
    text = tu_read_file(path);
    for (const char *p = text; (p = strstr(p, " reason DIAG_9C ")); p++)
        reasons++;
    ck_assert_uint_eq(reasons, exits);
    g_free(text);
    summary_clear(&sum);
    run_clear(&r);
    tu_rmdir(dir);
    g_free(path);
    g_free(dir);
    scenario_free(sc);
}
END_TEST

/* ---- Chrome JSON ---- */

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    ck_assert_msg(json_is_number(v), "no number \"%s\"", k);
    return json_number_value(v);
}

/* A stint: [ts, ts + dur) on one CPU. */
struct stint {
    double ts, dur;
};

static gint stint_cmp(gconstpointer a, gconstpointer b)
{
    const struct stint *x = a, *y = b;

    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Load @path and check it; returns the root (json_decref). */
static json_t *check_chrome_file(const char *path, unsigned int nr_cpus, bool *truncated)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    json_t *evs, *other;
    GArray **stints = g_new0(GArray *, nr_cpus);
    unsigned int *named = g_new0(unsigned int, nr_cpus);

    ck_assert_msg(root != NULL, "%s: invalid JSON: %d:%d: %s", path, jerr.line, jerr.column,
                  jerr.text);
    evs = json_object_get(root, "traceEvents");
    ck_assert(json_is_array(evs));
    /* Perfetto takes "displayTimeUnit": "ns" as the unit of "ts": leave it out. */
    ck_assert_ptr_null(json_object_get(root, "displayTimeUnit"));
    other = json_object_get(root, "otherData");
    ck_assert(json_is_object(other));
    *truncated = json_is_true(json_object_get(other, "truncated"));
    for (unsigned int c = 0; c < nr_cpus; c++)
        stints[c] = g_array_new(FALSE, FALSE, sizeof(struct stint));
    for (size_t i = 0; i < json_array_size(evs); i++) {
        json_t *e = json_array_get(evs, i);
        const char *ph = json_string_value(json_object_get(e, "ph"));
        const char *name = json_string_value(json_object_get(e, "name"));
        unsigned int pid = (unsigned int)jnum(e, "pid");

        ck_assert_ptr_nonnull(ph);
        ck_assert_ptr_nonnull(name);
        ck_assert_uint_ge(pid, 1);
        ck_assert_uint_le(pid, nr_cpus);
        jnum(e, "tid");
        if (strcmp(ph, "M") == 0) {
            json_t *args = json_object_get(e, "args");

            if (strcmp(name, "process_name") == 0) {
                char *want = g_strdup_printf("CPU %u", pid - 1);

                ck_assert_str_eq(json_string_value(json_object_get(args, "name")), want);
                named[pid - 1]++;
                g_free(want);
            }
            continue;
        }
        ck_assert(jnum(e, "ts") >= 0);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(e, "cat")));
        if (strcmp(ph, "X") == 0) {
            struct stint s = {jnum(e, "ts"), jnum(e, "dur")};

            ck_assert(s.dur >= 0);
            g_array_append_val(stints[pid - 1], s);
        } else {
            ck_assert_str_eq(ph, "i");
            ck_assert(json_is_string(json_object_get(e, "s")));
        }
    }
    for (unsigned int c = 0; c < nr_cpus; c++) {
        GArray *a = stints[c];

        ck_assert_uint_eq(named[c], 1);
        g_array_sort(a, stint_cmp);
        for (unsigned int k = 1; k < a->len; k++) {
            struct stint *p = &g_array_index(a, struct stint, k - 1);
            struct stint *q = &g_array_index(a, struct stint, k);

            /* 1e-4 us: the printed values are exact to the ns. */
            ck_assert_msg(p->ts + p->dur <= q->ts + 1e-4,
                          "CPU %u: stints overlap: %.3f+%.3f > %.3f", c, p->ts, p->dur, q->ts);
        }
        g_array_free(a, TRUE);
    }
    g_free(stints);
    g_free(named);
    return root;
}

START_TEST(test_chrome_json)
{
    struct scenario *sc = load(NULL);
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "t.json", NULL);
    GHashTable *busy = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    json_t *root, *evs;
    bool truncated;
    struct run r;

    run_scenario(sc, 10, path, TRACE_FORMAT_CHROME, 0, &r);
    root = check_chrome_file(path, sc->host.cpus, &truncated);
    ck_assert(!truncated);
    evs = json_object_get(root, "traceEvents");
    /* The stints of each task add up to its CPU time. */
    for (size_t i = 0; i < json_array_size(evs); i++) {
        json_t *e = json_array_get(evs, i);
        const char *name = json_string_value(json_object_get(e, "name"));
        double *sum;

        if (strcmp(json_string_value(json_object_get(e, "ph")), "X") != 0)
            continue;
        sum = g_hash_table_lookup(busy, name);
        if (!sum) {
            sum = g_new0(double, 1);
            g_hash_table_insert(busy, (gpointer)name, sum);
        }
        *sum += jnum(e, "dur") * 1000.0;
    }
    for (unsigned int i = 0; i < r.res->nr_tasks; i++) {
        const struct task_result *t = &r.res->tasks[i];
        double *sum = g_hash_table_lookup(busy, t->name);

        ck_assert_msg(sum != NULL || t->cpu_ns == 0, "no stints for %s", t->name);
        if (sum)
            ck_assert_msg(fabs(*sum - (double)t->cpu_ns) < 1.0,
                          "%s: stints add up to %.0f ns, cpu_ns is %llu", t->name, *sum,
                          (unsigned long long)t->cpu_ns);
    }
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "otherData"),
                                                       "scenario")),
                     sc->name);
    json_decref(root);
    g_hash_table_unref(busy);
    run_clear(&r);
    tu_rmdir(dir);
    g_free(path);
    g_free(dir);
    scenario_free(sc);
}
END_TEST

/* ---- the size limit ---- */

START_TEST(test_truncation)
{
    const u64 limit = 64 * 1024;
    struct scenario *sc = load(NULL);
    char *dir = tu_mkdtemp();
    char *base = g_build_filename(dir, "t", NULL);
    char *txt = g_build_filename(dir, "t.txt", NULL), *js = g_build_filename(dir, "t.json", NULL);
    struct ft_summary sum = {0};
    struct run plain, r;
    json_t *root, *evs, *last;
    bool truncated;

    run_scenario(sc, 10, NULL, 0, 0, &plain);
    run_scenario(sc, 10, base, TRACE_FORMAT_BOTH, limit, &r);
    ck_assert(r.truncated);
    ck_assert_str_eq(plain.json, r.json);
    ck_assert_uint_le(file_size(txt), limit);
    ck_assert_uint_le(file_size(js), limit);
    ck_assert_uint_gt(file_size(txt), limit - 4096);
    ck_assert_uint_gt(file_size(js), limit - 4096);

    check_ftrace_file(txt, sc->host.cpus, &sum);
    ck_assert_msg(g_str_has_prefix(sum.last_line, "# vsched: trace truncated at "), "%s",
                  sum.last_line);
    summary_clear(&sum);

    root = check_chrome_file(js, sc->host.cpus, &truncated);
    ck_assert(truncated);
    evs = json_object_get(root, "traceEvents");
    last = json_array_get(evs, json_array_size(evs) - 1);
    ck_assert_str_eq(json_string_value(json_object_get(last, "name")), "vsched: trace truncated");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(last, "args"),
                                                        "limit_bytes")),
                     (json_int_t)limit);
    json_decref(root);
    ck_assert_int_eq(tu_count_entries(dir), 2);
    run_clear(&plain);
    run_clear(&r);
    tu_rmdir(dir);
    g_free(base);
    g_free(txt);
    g_free(js);
    g_free(dir);
    scenario_free(sc);
}
END_TEST

/* ---- failures ---- */

/* A full disk, simulated with RLIMIT_FSIZE (this test runs in its own
 * forked process): trace_close() fails and no file is left behind. */
START_TEST(test_write_error)
{
    struct scenario *sc = load(NULL);
    char *dir = tu_mkdtemp();
    char *path = g_build_filename(dir, "t", NULL);
    struct sim_options opt = {.duration_ns = 20 * NSEC_PER_MSEC};
    struct trace_options topt = {.path = path, .format = TRACE_FORMAT_BOTH};
    struct rlimit old, lim;
    struct sim *sim;
    struct trace *t;
    GError *err = NULL;

    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 300 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    sim = sim_new(sc, &opt, NULL);
    t = trace_open(sim, &topt, &err);
    ck_assert_ptr_nonnull(t);
    sim->trace = t;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    sim_run(sim, NULL, NULL);
    ck_assert(!trace_close(t, sim, &err));
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err->message, "cannot write trace") && strstr(err->message, dir),
                  "%s", err->message);
    ck_assert_int_eq(tu_count_entries(dir), 0);
    g_error_free(err);
    sim_free(sim);
    tu_rmdir(dir);
    g_free(path);
    g_free(dir);
    scenario_free(sc);
}
END_TEST

START_TEST(test_open_missing_dir)
{
    struct scenario *sc = load(TU_SRC("scenarios/vm-pingpong.json"));
    struct sim *sim = sim_new(sc, NULL, NULL);
    struct trace_options topt = {.path = "/nonexistent-dir/x/t.txt",
                                 .format = TRACE_FORMAT_FTRACE};
    GError *err = NULL;

    ck_assert_ptr_null(trace_open(sim, &topt, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent-dir/x"));
    g_error_free(err);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

START_TEST(test_paths)
{
    enum trace_format f;
    char *p;

    ck_assert(trace_format_parse("ftrace", &f) && f == TRACE_FORMAT_FTRACE);
    ck_assert(trace_format_parse("chrome", &f) && f == TRACE_FORMAT_CHROME);
    ck_assert(trace_format_parse("both", &f) && f == TRACE_FORMAT_BOTH);
    ck_assert(!trace_format_parse("json", &f));
    ck_assert_int_eq(trace_format_for_path("a/b.json"), TRACE_FORMAT_CHROME);
    ck_assert_int_eq(trace_format_for_path("a/b.txt"), TRACE_FORMAT_FTRACE);
    ck_assert_int_eq(trace_format_for_path("trace"), TRACE_FORMAT_FTRACE);
    p = trace_output_path("x.json", TRACE_FORMAT_CHROME, TRACE_FORMAT_CHROME);
    ck_assert_str_eq(p, "x.json");
    g_free(p);
    p = trace_output_path("d/x.json", TRACE_FORMAT_BOTH, TRACE_FORMAT_FTRACE);
    ck_assert_str_eq(p, "d/x.txt");
    g_free(p);
    p = trace_output_path("d/x.txt", TRACE_FORMAT_BOTH, TRACE_FORMAT_CHROME);
    ck_assert_str_eq(p, "d/x.json");
    g_free(p);
    p = trace_output_path("d/x", TRACE_FORMAT_BOTH, TRACE_FORMAT_CHROME);
    ck_assert_str_eq(p, "d/x.json");
    g_free(p);
}
END_TEST

/* ---- through the command line ---- */

static void run_cli(struct tu_proc *p, const char *const *args)
{
    const char *argv[16] = {VSCHED_CLI};

    for (unsigned int i = 0; args[i]; i++)
        argv[i + 1] = args[i];
    ck_assert_msg(tu_run(argv, VSCHED_SOURCE_DIR, p), "cannot start %s", VSCHED_CLI);
}

START_TEST(test_cli)
{
    char *dir = tu_mkdtemp();
    char *base = g_build_filename(dir, "t", NULL);
    char *js = g_build_filename(dir, "c.json", NULL);
    char *missing = g_build_filename(dir, "no", "t.txt", NULL);
    struct tu_proc p, q;
    json_t *root;

    {
        const char *a[] = {"run", "scenarios/vm-pingpong.json", "--duration-ms", "5",
                           "--format", "tsv", NULL};
        const char *b[] = {"run", "scenarios/vm-pingpong.json", "--duration-ms", "5",
                           "--format", "tsv", "--trace", base, "--trace-format", "both", NULL};

        run_cli(&p, a);
        run_cli(&q, b);
        ck_assert_int_eq(p.status, 0);
        ck_assert_msg(q.status == 0, "%s", q.err);
        ck_assert_str_eq(p.out, q.out);
        ck_assert_str_eq(q.err, "");
        ck_assert_int_eq(tu_count_entries(dir), 2);
        tu_proc_clear(&p);
        tu_proc_clear(&q);
    }
    {
        /* FILE.json alone means chrome. */
        const char *a[] = {"run", "scenarios/vm-pingpong.json", "--duration-ms", "10",
                           "--trace", js, "--trace-limit-mb", "0.05", NULL};

        run_cli(&p, a);
        ck_assert_msg(p.status == 0, "%s", p.err);
        ck_assert_ptr_nonnull(strstr(p.err, "truncated"));
        root = json_load_file(js, 0, NULL);
        ck_assert_ptr_nonnull(root);
        json_decref(root);
        ck_assert_uint_le(file_size(js), (u64)(0.05 * 1048576));
        tu_proc_clear(&p);
    }
    {
        const char *bad_fmt[] = {"run", "--duration-ms", "1", "--trace", base,
                                 "--trace-format", "xml", NULL};
        const char *bad_lim[] = {"run", "--duration-ms", "1", "--trace", base,
                                 "--trace-limit-mb", "0", NULL};
        const char *no_trace[] = {"run", "--duration-ms", "1", "--trace-format", "both", NULL};
        const char *bad_dir[] = {"run", "--duration-ms", "1", "--trace", missing, NULL};

        run_cli(&p, bad_fmt);
        ck_assert_int_eq(p.status, 2);
        ck_assert_ptr_nonnull(strstr(p.err, "--trace-format"));
        tu_proc_clear(&p);
        run_cli(&p, bad_lim);
        ck_assert_int_eq(p.status, 2);
        ck_assert_ptr_nonnull(strstr(p.err, "--trace-limit-mb"));
        tu_proc_clear(&p);
        run_cli(&p, no_trace);
        ck_assert_int_eq(p.status, 2);
        ck_assert_ptr_nonnull(strstr(p.err, "--trace"));
        tu_proc_clear(&p);
        run_cli(&p, bad_dir);
        ck_assert_int_eq(p.status, 1);
        ck_assert(g_str_has_prefix(p.err, "vsched: "));
        ck_assert_ptr_nonnull(strstr(p.err, missing));
        ck_assert_str_eq(p.out, "");
        tu_proc_clear(&p);
    }
    ck_assert_int_eq(tu_count_entries(dir), 3);
    tu_rmdir(dir);
    g_free(base);
    g_free(js);
    g_free(missing);
    g_free(dir);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");

    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_results_identical, 0, G_N_ELEMENTS(identical_cases));
    tcase_add_test(tc, test_ftrace_text);
    tcase_add_test(tc, test_ftrace_s390);
    tcase_add_test(tc, test_chrome_json);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_open_missing_dir);
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
