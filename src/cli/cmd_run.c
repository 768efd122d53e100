/*
 * src/cli/cmd_run.c - "vsched run [SCENARIO]": load a scenario (or the
 * embedded default), simulate it, and print or write the results.
 *
 * Output determinism: JSON and TSV carry no wall-clock time unless --wall is
 * given, so two runs with the same scenario and seed are byte-identical; the
 * table, meant for humans, always shows it.  Results go to stdout or, with
 * --out, to a file written atomically (temporary file + rename), so a failed
 * run never leaves a half-written or stale-looking output behind.
 *
 * --trace FILE streams an event trace (ftrace text and/or Chrome JSON,
 * vsched/trace.h, docs/traces.md) while the simulation runs; it does not
 * change the results.  A trace that cannot be written fails the run (exit
 * status 1, no results printed, no trace file left under its final name).
 *
 * --set PATH=VALUE edits the scenario's JSON before the loader sees it, with
 * the path code of "vsched sweep --set" (cli_common.c), so an edited value is
 * validated exactly as if it had been written in the file.  Unlike sweep's,
 * the value is one value, never split at commas: run simulates one scenario.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vsched/results.h"
#include "vsched/scenario.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

#include "cli.h"

/* State of the progress bar drawn on stderr while sim_run() works. */
struct progress {
    gint64 start_us;   /* g_get_monotonic_time() when the run started */
    int last_percent;  /* last percentage drawn, -10 before the first */
    bool tty;          /* stderr is a terminal: redraw in place and clear at the end */
};

#define PROGRESS_BAR_WIDTH 30

static void progress_cb(double frac, void *arg)
{
    struct progress *p = arg;
    int percent = (int)floor(CLAMP(frac, 0.0, 1.0) * 100.0);
    double elapsed_s = (double)(g_get_monotonic_time() - p->start_us) / 1e6;
    int filled = percent * PROGRESS_BAR_WIDTH / 100;
    char bar[PROGRESS_BAR_WIDTH + 1];

    /* A terminal gets the bar redrawn in place at every percent; a log file
     * gets one line every 10 %. */
    if (percent == p->last_percent || (!p->tty && percent / 10 == p->last_percent / 10))
        return;
    p->last_percent = percent;
    for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_BAR_WIDTH] = '\0';
    fputs(p->tty ? "\r" : "", stderr);
    if (frac > 0)
        fprintf(stderr, "[%s] %3d%%  ETA %.1f s ", bar, percent, elapsed_s * (1.0 - frac) / frac);
    else
        fprintf(stderr, "[%s] %3d%%  ETA ? ", bar, percent);
    fputs(p->tty ? "" : "\n", stderr);
    fflush(stderr);
}

static void progress_end(struct progress *p)
{
    if (p->tty && p->last_percent >= 0)
        fputs("\r\033[K", stderr); /* erase the bar */
    fflush(stderr);
}

/* "--seed": 0 .. 2^63-1, the range of the scenario's "seed". */
static bool parse_seed(const char *s, u64 *out, GError **error)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT64, &v, NULL)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--seed: expected a non-negative integer below 2^63, got \"%s\"", s);
        return false;
    }
    *out = v;
    return true;
}

/* "--trace-limit-mb": MiB per trace file, fractional allowed, at least 4 KiB. */
static bool parse_limit_mb(const char *s, u64 *out_bytes, GError **error)
{
    char *end = NULL;
    double mb = g_ascii_strtod(s, &end), bytes = floor(mb * 1048576.0);

    if (!*s || !end || *end || !isfinite(mb) || bytes < (double)TRACE_MIN_LIMIT_BYTES ||
        bytes > 1e15) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--trace-limit-mb: expected a size in MiB of at least 0.004 (4 KiB), "
                    "got \"%s\"",
                    s);
        return false;
    }
    *out_bytes = (u64)bytes;
    return true;
}

/* One --set PATH=VALUE, checked before the scenario is read. */
struct set_edit {
    char *spec;                   /* "PATH=VALUE" as given, blanks trimmed (messages) */
    char *path;                   /* PATH */
    GArray *segs;                 /* cli_path_parse(path) */
    const char *value;            /* VALUE, borrowed from spec */
};

static void set_edits_free(struct set_edit *edits, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        g_free(edits[i].spec);
        g_free(edits[i].path);
        if (edits[i].segs)
            cli_path_free(edits[i].segs);
    }
    g_free(edits);
}

/*
 * Parse the --set options.  PATH and VALUE are trimmed of blanks as sweep
 * trims its list items, so "run --set P=V" and "sweep --set P=V" edit the
 * scenario alike.  An empty VALUE is refused rather than taken as "": it is
 * more likely a shell quoting slip than a wish for an empty string.
 */
static bool parse_set_edits(char **specs, struct set_edit **out, unsigned int *nr,
                            GError **error)
{
    unsigned int n = specs ? g_strv_length(specs) : 0;
    struct set_edit *edits = g_new0(struct set_edit, MAX(n, 1));

    for (unsigned int i = 0; i < n; i++) {
        struct set_edit *e = &edits[i];
        char *eq = strchr(specs[i], '=');

        if (!eq || eq == specs[i]) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--set: expected PATH=VALUE (e.g. kvm.apicv=on or vms[0].count=3), got "
                        "\"%s\"",
                        specs[i]);
            goto fail;
        }
        e->path = g_strstrip(g_strndup(specs[i], (gsize)(eq - specs[i])));
        e->segs = cli_path_parse(e->path, error);
        if (!e->segs)
            goto fail;
        e->spec = g_strdup_printf("%s=%s", e->path, eq + 1);
        e->value = g_strstrip(e->spec + strlen(e->path) + 1);
        if (!*e->value) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--set %s: empty value (write \"\" for an empty string)", e->path);
            goto fail;
        }
    }
    *out = edits;
    *nr = n;
    return true;
fail:
    set_edits_free(edits, n);
    return false;
}

/*
 * The scenario to simulate: @file (NULL: the embedded default) with @edits
 * applied to its JSON in order.  The loader gets the same name as without
 * --set (the file name, or "<default>"), so messages point at the same JSON
 * paths and the results' "file" field does not change.  The file itself was
 * loaded clean first (cli_scenario_json), so what the loader rejects now came
 * from the edits, and the message says which were given.
 */
static struct scenario *load_scenario(const char *file, const struct set_edit *edits,
                                      unsigned int nr_edits, GError **error)
{
    struct scenario *sc = NULL;
    json_t *root;
    char *text;

    if (nr_edits == 0)
        return file ? scenario_load_file(file, error) : scenario_load_default();
    root = cli_scenario_json(file, error);
    if (!root)
        return NULL;
    for (unsigned int i = 0; i < nr_edits; i++)
        if (!cli_path_set(root, edits[i].path, edits[i].segs,
                          cli_set_value_json(edits[i].value), error))
            goto out;
    text = json_dumps(root, JSON_COMPACT);
    sc = scenario_load_string(text, file ? file : "<default>", error);
    free(text);
    if (!sc) {
        GString *given = g_string_new(NULL);

        for (unsigned int i = 0; i < nr_edits; i++)
            g_string_append_printf(given, "%s--set %s", i ? " " : "", edits[i].spec);
        g_prefix_error(error, "%s: ", given->str);
        g_string_free(given, TRUE);
    }
out:
    json_decref(root);
    return sc;
}

bool cmd_run(int argc, char **argv, GError **error)
{
    char *seed_s = NULL, *duration_s = NULL, *format_s = NULL, *out_path = NULL;
    char *trace_path = NULL, *trace_format_s = NULL, *trace_limit_s = NULL;
    gboolean show_progress = FALSE, debug_checks = FALSE, wall = FALSE;
    char **policy_kv = NULL, **set_specs = NULL;
    const GOptionEntry entries[] = {
        {"policy", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &policy_kv,
         "Override a yield policy or knob of the scenario (repeatable): yield_to=NAME, "
         "directed_yield=NAME, vcpu_debooster_enabled=0|1, ipi_tracking_enabled=0|1, "
         "ipi_window_ns=N, enable_relaxed_boost=0|1 (names: vsched policies)",
         "KEY=VALUE"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_specs,
         "Set a scenario value before it is loaded (repeatable, applied in order): dotted JSON "
         "path with [N] for array elements, VALUE parsed as JSON, else taken as a string; one "
         "value, never split at commas as sweep's are (1,2 is the string \"1,2\"); e.g. "
         "kvm.apicv=on, 'vms[0].count=3' or 'vms[0].cpus=[0,1]'",
         "PATH=VALUE"},
        {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
         "Override the scenario's seed (integer 0..2^63-1)", "N"},
        {"duration-ms", 0, 0, G_OPTION_ARG_STRING, &duration_s,
         "Override the simulated time (ms, > 0, fractional allowed)", "MS"},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
         "Output format: table (default), json or tsv", "FMT"},
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
         "Write the results to FILE (atomically) instead of stdout", "FILE"},
        {"wall", 0, 0, G_OPTION_ARG_NONE, &wall,
         "Include the wall-clock time in JSON/TSV output (no longer byte-reproducible)", NULL},
        {"progress", 0, 0, G_OPTION_ARG_NONE, &show_progress,
         "Show progress on stderr even when stderr is not a terminal", NULL},
        {"debug-checks", 0, 0, G_OPTION_ARG_NONE, &debug_checks,
         "Check the scheduler's invariants after every event (slow)", NULL},
        {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path,
         "Write an event trace of the run to FILE (see docs/traces.md)", "FILE"},
        {"trace-format", 0, 0, G_OPTION_ARG_STRING, &trace_format_s,
         "Trace format: ftrace (text; default unless FILE ends in .json), chrome (JSON) or "
         "both (FILE.txt and FILE.json)",
         "FMT"},
        {"trace-limit-mb", 0, 0, G_OPTION_ARG_STRING, &trace_limit_s,
         "Stop tracing when a trace file reaches this size (MiB, default 512)", "N"},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *ctx = g_option_context_new("[SCENARIO]");
    enum result_format fmt = FORMAT_TABLE;
    struct sim_options opt = {0};
    struct scenario *sc = NULL;
    struct sim_result *res = NULL;
    struct sim *sim = NULL;
    struct trace_options topt = {0};
    struct trace *trace = NULL;
    struct progress prog = {.last_percent = -10};
    struct set_edit *edits = NULL;
    unsigned int nr_edits = 0;
    char *text = NULL;
    bool help_shown, ok = false;
    gint64 t0;

    g_option_context_set_summary(
        ctx, "Simulate SCENARIO (a JSON file, see docs/scenario-format.md; without it the\n"
             "embedded default scenario: two 16-vCPU dbench VMs on 16 host CPUs) and report\n"
             "per-VM throughput, spinning, exits, directed yield, IPI and lock latencies,\n"
             "per-task, per-CPU and per-cgroup CPU time and fairness.");
    g_option_context_set_description(
        ctx, "Wall-clock time is shown in the table but left out of JSON and TSV unless\n"
             "--wall is given, so that those outputs are byte-identical across runs.\n"
             "--set edits the scenario as editing its JSON file would (the edited scenario is\n"
             "validated as a whole); --policy, --seed and --duration-ms then apply on top.\n"
             "Exit status: 0 ok, 2 bad scenario or option, 1 the output could not be written.\n"
             "\n"
             "Example:\n"
             "  vsched run --set kvm.apicv=off --set 'vms[0].count=3' --duration-ms 200");
    if (!cli_parse("run", ctx, entries, &argc, &argv, &help_shown, error))
        goto out;
    if (help_shown) {
        ok = true;
        goto out;
    }
    if (argc > 2) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "run: expected at most one SCENARIO, got %d arguments (see vsched run --help)",
                    argc - 1);
        goto out;
    }
    if (format_s && !result_format_parse(format_s, &fmt)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--format: expected table, json or tsv, got \"%s\"", format_s);
        goto out;
    }
    if (seed_s) {
        if (!parse_seed(seed_s, &opt.seed, error))
            goto out;
        opt.has_seed = true;
    }
    if (duration_s && !cli_parse_duration_ms("--duration-ms", duration_s, &opt.duration_ns, error))
        goto out;
    if (!parse_set_edits(set_specs, &edits, &nr_edits, error))
        goto out;
    opt.debug_checks = debug_checks;
    if ((trace_format_s || trace_limit_s) && !trace_path) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--trace-format and --trace-limit-mb need --trace FILE");
        goto out;
    }
    if (trace_path) {
        topt.path = trace_path;
        topt.format = trace_format_for_path(trace_path);
        if (trace_format_s && !trace_format_parse(trace_format_s, &topt.format)) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--trace-format: expected ftrace, chrome or both, got \"%s\"",
                        trace_format_s);
            goto out;
        }
        topt.limit_bytes = TRACE_DEFAULT_LIMIT_BYTES;
        if (trace_limit_s && !parse_limit_mb(trace_limit_s, &topt.limit_bytes, error))
            goto out;
    }

    /* Fail before a possibly long run if the output cannot be created. */
    if (out_path && !cli_check_out_dir(out_path, error))
        goto out;

    sc = load_scenario(argc == 2 ? argv[1] : NULL, edits, nr_edits, error);
    if (!sc)
        goto out;
    for (char **kv = policy_kv; kv && *kv; kv++)
        if (!scenario_apply_policy_override(sc, *kv, error))
            goto out;
    sim = sim_new(sc, &opt, error);
    if (!sim)
        goto out;
    if (trace_path) {
        trace = trace_open(sim, &topt, error);
        if (!trace)
            goto out;
        sim->trace = trace;
    }

    prog.tty = isatty(STDERR_FILENO);
    t0 = g_get_monotonic_time();
    prog.start_us = t0;
    sim_run(sim, (prog.tty || show_progress) ? progress_cb : NULL, &prog);
    progress_end(&prog);
    res = sim_collect(sim, (double)(g_get_monotonic_time() - t0) / 1e6);
    if (trace) {
        bool truncated = trace_truncated(trace);

        ok = trace_close(trace, sim, error);
        trace = NULL;
        if (!ok)
            goto out;
        ok = false;
        if (truncated)
            fprintf(stderr,
                    "vsched: note: the trace reached --trace-limit-mb (%.3f MiB) and was "
                    "truncated; it ends with a note saying so\n",
                    (double)topt.limit_bytes / 1048576.0);
    }

    text = result_render(res, fmt, fmt == FORMAT_TABLE || wall);
    if (out_path)
        ok = write_file_atomic(out_path, text, strlen(text), error);
    else
        ok = cli_write_stdout(text, error);
out:
    if (trace)
        trace_abort(trace, sim);
    g_free(text);
    if (res)
        sim_result_free(res);
    if (sim)
        sim_free(sim);
    scenario_free(sc);
    g_free(seed_s);
    g_free(duration_s);
    g_free(format_s);
    g_free(out_path);
    g_free(trace_path);
    g_free(trace_format_s);
    g_free(trace_limit_s);
    g_strfreev(policy_kv);
    g_strfreev(set_specs);
    set_edits_free(edits, nr_edits);
    g_option_context_free(ctx);
    return ok;
}
