/*
 * src/cli/cmd_regress.c - "vsched regress": run the regression suite
 * (tests/baselines/suite.json) and compare every result row with the stored
 * baseline rows (tests/baselines/NAME.tsv), metric by metric, within
 * per-metric tolerances.
 *
 * The simulator is deterministic, so by default counts must match exactly
 * and reals within 1e-9 relative; a change of an algorithm constant, of the
 * model or of a default moves some metric and is reported with the old and
 * new value.  --update rewrites the baselines (atomically) after an
 * intended change.  The suite format and the tolerance rules are in
 * docs/sweep.md ("vsched regress").
 *
 * Exit status: 0 every metric within tolerance; 1 a regression (or an
 * output that could not be written); 2 bad input (suite, tolerances,
 * baseline files, options); 130 interrupted.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vsched/results.h"
#include "vsched/rows.h"
#include "vsched/scenario.h"
#include "vsched/sim.h"

#include "cli.h"
#include "runpool.h"

/* |new - old| <= max(abs, rel * |old|) */
struct tol {
    double abs;
    double rel;
};

struct tolerances {
    struct tol integer;           /* default for ROW_T_INT columns */
    struct tol real;              /* default for ROW_T_REAL columns */
    struct tol metric[ROW_NR_COLS]; /* per column, where has_metric */
    bool has_metric[ROW_NR_COLS];
};

/* One suite entry: a scenario, its overrides, duration and seeds. */
struct entry {
    char *name;                   /* label (variant column) and baseline file name */
    char *scenario;               /* resolved path, or NULL for the embedded default */
    u64 duration_ns;
    u64 *seeds;
    unsigned int nr_seeds;
    char **policy;                /* "KEY=VALUE" overrides, NULL-terminated */
    bool fast;                    /* part of --fast */
    bool selected;                /* chosen by --fast / --only */
    struct scenario *sc;          /* effective scenario */
    u64 hash;
    struct run_job *jobs;         /* [nr_seeds] */
    struct result_row *rows;      /* [nr_seeds] filled as runs finish */
    bool *have;                   /* [nr_seeds] */
    char *baseline_path;          /* DIR/NAME.tsv */
    struct row_table *baseline;   /* NULL if none */
};

struct suite {
    char *path;
    struct tolerances tol;
    struct entry *entries;
    unsigned int nr_entries;
};

static void suite_free(struct suite *s)
{
    for (unsigned int i = 0; i < s->nr_entries; i++) {
        struct entry *e = &s->entries[i];

        g_free(e->name);
        g_free(e->scenario);
        g_free(e->seeds);
        g_strfreev(e->policy);
        scenario_free(e->sc);
        g_free(e->jobs);
        for (unsigned int k = 0; e->rows && k < e->nr_seeds; k++)
            if (e->have[k])
                result_row_clear(&e->rows[k]);
        g_free(e->rows);
        g_free(e->have);
        g_free(e->baseline_path);
        row_table_free(e->baseline);
    }
    g_free(s->entries);
    g_free(s->path);
}

/* ------------------------------------------------------------------------ */
/* the suite file                                                           */

static bool bad(GError **error, const char *file, const char *where, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static bool bad(GError **error, const char *file, const char *where, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "%s: %s%s%s", file, where, *where ? ": " : "",
                msg);
    g_free(msg);
    return false;
}

/* Every key of @o must be in @keys. */
static bool check_keys(json_t *o, const char *const *keys, const char *file, const char *where,
                       GError **error)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        bool known = false;

        for (unsigned int i = 0; keys[i]; i++)
            known |= strcmp(keys[i], k) == 0;
        if (!known) {
            char *list = g_strjoinv(", ", (char **)keys);
            bool r = bad(error, file, where, "unknown key \"%s\" (expected one of %s)", k, list);

            g_free(list);
            return r;
        }
    }
    return true;
}

static bool parse_tol(json_t *o, struct tol *t, const char *file, const char *where,
                      GError **error)
{
    static const char *const keys[] = {"abs", "rel", NULL};
    json_t *a, *r;

    if (!json_is_object(o))
        return bad(error, file, where, "expected an object {\"abs\": X, \"rel\": Y}");
    if (!check_keys(o, keys, file, where, error))
        return false;
    a = json_object_get(o, "abs");
    r = json_object_get(o, "rel");
    if ((a && (!json_is_number(a) || json_number_value(a) < 0)) ||
        (r && (!json_is_number(r) || json_number_value(r) < 0)))
        return bad(error, file, where, "abs and rel must be numbers >= 0");
    if (a)
        t->abs = json_number_value(a);
    if (r)
        t->rel = json_number_value(r);
    return true;
}

/* {"integer": TOL, "real": TOL, "metrics": {COLUMN: TOL}} over @t. */
static bool parse_tolerances(json_t *o, struct tolerances *t, const char *file,
                             const char *where, GError **error)
{
    static const char *const keys[] = {"integer", "real", "metrics", "comment", NULL};
    json_t *m, *v;
    const char *k;
    char *w;
    bool ok = true;

    if (!json_is_object(o))
        return bad(error, file, where, "expected an object {\"integer\", \"real\", \"metrics\"}");
    if (!check_keys(o, keys, file, where, error))
        return false;
    w = g_strdup_printf("%s%sinteger", where, *where ? "." : "");
    if (json_object_get(o, "integer"))
        ok = parse_tol(json_object_get(o, "integer"), &t->integer, file, w, error);
    g_free(w);
    w = g_strdup_printf("%s%sreal", where, *where ? "." : "");
    if (ok && json_object_get(o, "real"))
        ok = parse_tol(json_object_get(o, "real"), &t->real, file, w, error);
    g_free(w);
    m = json_object_get(o, "metrics");
    if (ok && m && !json_is_object(m))
        return bad(error, file, where, "metrics: expected an object {COLUMN: {abs, rel}}");
    json_object_foreach(m, k, v)
    {
        int c = row_column_find(k);

        if (!ok)
            break;
        w = g_strdup_printf("%s%smetrics.%s", where, *where ? "." : "", k);
        if (c < 0 || !row_column_is_number(c)) {
            ok = bad(error, file, w, "not a numeric row column (docs/results-format.md)");
        } else {
            if (!t->has_metric[c])
                t->metric[c] = row_columns[c].type == ROW_T_INT ? t->integer : t->real;
            t->has_metric[c] = true;
            ok = parse_tol(v, &t->metric[c], file, w, error);
        }
        g_free(w);
    }
    return ok;
}

static bool entry_name_ok(const char *s)
{
    if (!*s || *s == '.')
        return false;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

static bool parse_entry(json_t *o, struct entry *e, const char *file, const char *suite_dir,
                        const char *where, GError **error)
{
    static const char *const keys[] = {"name", "scenario", "duration_ms", "seeds", "policy",
                                       "fast", "description", "comment", NULL};
    json_t *v;
    size_t i;

    if (!json_is_object(o))
        return bad(error, file, where, "expected an object");
    if (!check_keys(o, keys, file, where, error))
        return false;
    v = json_object_get(o, "name");
    if (!json_is_string(v) || !entry_name_ok(json_string_value(v)))
        return bad(error, file, where,
                   "name: expected a string of letters, digits, '-', '_', '.' (it names the "
                   "baseline file)");
    e->name = g_strdup(json_string_value(v));
    v = json_object_get(o, "scenario");
    if (v && !json_is_null(v)) {
        const char *p;

        if (!json_is_string(v))
            return bad(error, file, where,
                       "scenario: expected a path relative to the suite file, or null for the "
                       "embedded default");
        p = json_string_value(v);
        e->scenario = g_path_is_absolute(p) ? g_strdup(p) : g_build_filename(suite_dir, p, NULL);
    }
    v = json_object_get(o, "duration_ms");
    if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 1e12)
        return bad(error, file, where, "duration_ms: expected a number of ms > 0");
    e->duration_ns = (u64)round(json_number_value(v) * 1e6);
    v = json_object_get(o, "seeds");
    if (!json_is_array(v) || json_array_size(v) == 0)
        return bad(error, file, where, "seeds: expected a non-empty array of integers");
    e->nr_seeds = (unsigned int)json_array_size(v);
    e->seeds = g_new0(u64, e->nr_seeds);
    for (i = 0; i < json_array_size(v); i++) {
        json_t *s = json_array_get(v, i);

        if (!json_is_integer(s) || json_integer_value(s) < 0)
            return bad(error, file, where, "seeds[%zu]: expected an integer >= 0", i);
        e->seeds[i] = (u64)json_integer_value(s);
        for (size_t k = 0; k < i; k++)
            if (e->seeds[k] == e->seeds[i])
                return bad(error, file, where, "seeds[%zu]: seed %llu is given twice", i,
                           (unsigned long long)e->seeds[i]);
    }
    v = json_object_get(o, "policy");
    if (v && !json_is_array(v))
        return bad(error, file, where, "policy: expected an array of \"KEY=VALUE\" strings");
    e->policy = g_new0(char *, json_array_size(v) + 1);
    for (i = 0; i < json_array_size(v); i++) {
        json_t *s = json_array_get(v, i);

        if (!json_is_string(s))
            return bad(error, file, where, "policy[%zu]: expected a \"KEY=VALUE\" string", i);
        e->policy[i] = g_strdup(json_string_value(s));
    }
    v = json_object_get(o, "fast");
    if (v && !json_is_boolean(v))
        return bad(error, file, where, "fast: expected true or false");
    e->fast = json_is_true(v);
    return true;
}

static bool load_suite(const char *path, struct suite *s, GError **error)
{
    static const char *const keys[] = {"version", "description", "comment", "tolerances",
                                       "entries", NULL};
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *entries;
    char *dir = g_path_get_dirname(path);
    bool ok = false;

    s->path = g_strdup(path);
    s->tol.integer = (struct tol){0, 0};
    s->tol.real = (struct tol){0, 1e-9};
    if (!root) {
        if (json_error_code(&jerr) == json_error_cannot_open_file)
            bad(error, path, "", "cannot read the suite file: %s", jerr.text);
        else
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "%s:%d:%d: malformed JSON: %s", path,
                        jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        bad(error, path, "", "expected an object {\"version\": 1, \"entries\": [...]}");
        goto out;
    }
    if (!check_keys(root, keys, path, "", error))
        goto out;
    if (json_integer_value(json_object_get(root, "version")) != 1) {
        bad(error, path, "version", "expected 1");
        goto out;
    }
    if (json_object_get(root, "tolerances") &&
        !parse_tolerances(json_object_get(root, "tolerances"), &s->tol, path, "tolerances",
                          error))
        goto out;
    entries = json_object_get(root, "entries");
    if (!json_is_array(entries) || json_array_size(entries) == 0) {
        bad(error, path, "entries", "expected a non-empty array");
        goto out;
    }
    s->entries = g_new0(struct entry, json_array_size(entries));
    for (size_t i = 0; i < json_array_size(entries); i++) {
        char *where = g_strdup_printf("entries[%zu]", i);
        bool got = parse_entry(json_array_get(entries, i), &s->entries[i], path, dir, where,
                               error);

        s->nr_entries++;
        if (got) {
            for (size_t k = 0; k < i; k++) {
                if (strcmp(s->entries[k].name, s->entries[i].name) == 0) {
                    got = bad(error, path, where, "name \"%s\" is used twice",
                              s->entries[i].name);
                    break;
                }
            }
        }
        g_free(where);
        if (!got)
            goto out;
    }
    ok = true;
out:
    json_decref(root);
    g_free(dir);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* comparing                                                                */

static struct tol tol_for(const struct tolerances *t, enum row_col c)
{
    if (t->has_metric[c])
        return t->metric[c];
    return row_columns[c].type == ROW_T_INT ? t->integer : t->real;
}

/* Print what moved between @old and @cur; returns the number of metrics
 * outside their tolerance. */
static unsigned int compare_rows(const struct entry *e, const struct result_row *old,
                                 const struct result_row *cur, const struct tolerances *tol,
                                 GString *out)
{
    unsigned int moved = 0;

    for (int c = 0; c < ROW_NR_COLS; c++) {
        double a, b;
        bool ha, hb;
        struct tol t;

        if (c == ROW_WALL_S || c == ROW_SEED || c == ROW_VSCHED_VERSION || c == ROW_VARIANT)
            continue;
        if (!row_column_is_number(c)) {
            /* Identity columns: a note, the metrics say whether it matters. */
            char *va = row_format_value(old, c), *vb = row_format_value(cur, c);

            if (strcmp(va, vb) != 0)
                g_string_append_printf(out, "note  %s seed %llu: %s %s -> %s%s\n", e->name,
                                       (unsigned long long)cur->seed, row_columns[c].name, va, vb,
                                       c == ROW_SCENARIO_HASH
                                           ? " (the scenario, its overrides or a default changed)"
                                           : "");
            g_free(va);
            g_free(vb);
            continue;
        }
        ha = row_get_number(old, c, &a);
        hb = row_get_number(cur, c, &b);
        t = tol_for(tol, c);
        if (!ha && !hb)
            continue;
        if (ha != hb) {
            char *va = row_format_value(old, c), *vb = row_format_value(cur, c);

            g_string_append_printf(out, "FAIL  %s seed %llu: %s %s -> %s\n", e->name,
                                   (unsigned long long)cur->seed, row_columns[c].name,
                                   ha ? va : "(missing)", hb ? vb : "(missing)");
            g_free(va);
            g_free(vb);
            moved++;
            continue;
        }
        if (fabs(b - a) > MAX(t.abs, t.rel * fabs(a))) {
            char *va = row_format_value(old, c), *vb = row_format_value(cur, c);

            g_string_append_printf(out, "FAIL  %s seed %llu: %s %s -> %s (%+g", e->name,
                                   (unsigned long long)cur->seed, row_columns[c].name, va, vb,
                                   b - a);
            if (a != 0)
                g_string_append_printf(out, ", %+.4g%%", 100.0 * (b - a) / fabs(a));
            g_string_append_printf(out, "; tolerance abs %g, rel %g)\n", t.abs, t.rel);
            g_free(va);
            g_free(vb);
            moved++;
        }
    }
    return moved;
}

/* Compare entry @e's rows with its baseline; returns the values that moved. */
static unsigned int compare_entry(const struct entry *e, const struct tolerances *tol,
                                  GString *out)
{
    unsigned int moved = 0;
    GString *lines = g_string_new(NULL);

    for (unsigned int k = 0; k < e->nr_seeds; k++) {
        const struct result_row *old = NULL;

        for (unsigned int i = 0; i < e->baseline->nr_rows; i++)
            if (e->baseline->rows[i].seed == e->seeds[k])
                old = &e->baseline->rows[i];
        if (!old) {
            g_string_append_printf(lines, "FAIL  %s seed %llu: no baseline row in %s\n", e->name,
                                   (unsigned long long)e->seeds[k], e->baseline_path);
            moved++;
            continue;
        }
        moved += compare_rows(e, old, &e->rows[k], tol, lines);
    }
    for (unsigned int i = 0; i < e->baseline->nr_rows; i++) {
        bool run = false;

        for (unsigned int k = 0; k < e->nr_seeds; k++)
            run |= e->seeds[k] == e->baseline->rows[i].seed;
        if (!run) {
            g_string_append_printf(lines, "FAIL  %s: %s:%u has seed %llu, which the suite no "
                                          "longer runs\n",
                                   e->name, e->baseline_path, e->baseline->lines[i],
                                   (unsigned long long)e->baseline->rows[i].seed);
            moved++;
        }
    }
    if (!moved)
        g_string_append_printf(out, "ok    %s (%u run%s)\n", e->name, e->nr_seeds,
                               e->nr_seeds == 1 ? "" : "s");
    g_string_append(out, lines->str);
    g_string_free(lines, TRUE);
    return moved;
}

/* ------------------------------------------------------------------------ */

/* Where a run's row goes. */
struct slot {
    struct entry *e;
    unsigned int k;               /* seed index */
};

static bool on_done(struct run_job *job, void *arg, GError **error)
{
    struct slot *s = job->user;
    struct entry *e = s->e;
    struct row_meta meta = {
        .variant = e->name,
        .set = "",
        .seed = e->seeds[s->k],
        .scenario_hash = e->hash,
        .with_wall = false,
    };

    (void)arg;
    (void)error;
    result_row_fill(&e->rows[s->k], job->res, &meta);
    e->have[s->k] = true;
    return true;
}

static bool prepare_entry(struct entry *e, char **extra_policy, const char *dir, bool update,
                          GError **error)
{
    e->sc = e->scenario ? scenario_load_file(e->scenario, error) : scenario_load_default();
    if (!e->sc) {
        g_prefix_error(error, "suite entry %s: ", e->name);
        return false;
    }
    for (char **kv = e->policy; kv && *kv; kv++) {
        if (!scenario_apply_policy_override(e->sc, *kv, error)) {
            g_prefix_error(error, "suite entry %s: policy: ", e->name);
            return false;
        }
    }
    for (char **kv = extra_policy; kv && *kv; kv++)
        if (!scenario_apply_policy_override(e->sc, *kv, error))
            return false;
    e->sc->duration_ns = e->duration_ns;
    e->hash = scenario_hash(e->sc);
    e->jobs = g_new0(struct run_job, e->nr_seeds);
    e->rows = g_new0(struct result_row, e->nr_seeds);
    e->have = g_new0(bool, e->nr_seeds);
    e->baseline_path = g_strdup_printf("%s/%s.tsv", dir, e->name);
    if (g_file_test(e->baseline_path, G_FILE_TEST_EXISTS)) {
        e->baseline = rows_read_file(e->baseline_path, error);
        if (!e->baseline)
            return false;
        for (unsigned int i = 0; i < e->baseline->nr_rows; i++) {
            for (unsigned int k = 0; k < i; k++) {
                if (e->baseline->rows[k].seed == e->baseline->rows[i].seed) {
                    g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                                "%s:%u: a second row for seed %llu", e->baseline_path,
                                e->baseline->lines[i], (unsigned long long)e->baseline->rows[i].seed);
                    return false;
                }
            }
        }
    } else if (!update) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "no baseline %s for suite entry %s (create it with vsched regress --update)",
                    e->baseline_path, e->name);
        return false;
    }
    return true;
}

bool cmd_regress(int argc, char **argv, GError **error)
{
    char *dir = NULL, *suite_path = NULL, *tol_path = NULL, *only_s = NULL, *jobs_s = NULL;
    char **extra_policy = NULL;
    gboolean update = FALSE, fast = FALSE, show_progress = FALSE;
    const GOptionEntry entries[] = {
        {"baselines", 'd', 0, G_OPTION_ARG_FILENAME, &dir,
         "Directory of the baseline row files NAME.tsv (default: tests/baselines)", "DIR"},
        {"suite", 0, 0, G_OPTION_ARG_FILENAME, &suite_path,
         "The suite file (default: DIR/suite.json); scenario paths in it are relative to it",
         "FILE"},
        {"tolerances", 't', 0, G_OPTION_ARG_FILENAME, &tol_path,
         "JSON {\"integer\": {\"abs\", \"rel\"}, \"real\": {...}, \"metrics\": {COLUMN: {...}}} "
         "over the suite's tolerances", "FILE"},
        {"update", 'u', 0, G_OPTION_ARG_NONE, &update,
         "Rewrite the baselines of the selected entries with this run's rows (atomically)", NULL},
        {"fast", 0, 0, G_OPTION_ARG_NONE, &fast, "Only the entries marked \"fast\"", NULL},
        {"only", 0, 0, G_OPTION_ARG_STRING, &only_s, "Only these entries", "NAME,..."},
        {"policy", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &extra_policy,
         "Apply a policy override to every entry, after its own (for checking that the suite "
         "notices a change), e.g. vcpu_debooster_enabled=0", "KEY=VALUE"},
        {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_s,
         "Simulations run in parallel (default: the number of CPUs)", "N"},
        {"progress", 0, 0, G_OPTION_ARG_NONE, &show_progress,
         "Show progress on stderr even when stderr is not a terminal", NULL},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *ctx = g_option_context_new("");
    struct suite s = {0};
    struct run_job **jobs = NULL;
    struct slot *slots = NULL;
    unsigned int nr_jobs = 0, nr_sel = 0, moved = 0, entries_moved = 0;
    guint64 nr_threads = (guint64)g_get_num_processors();
    struct runpool_opts ro = {0};
    GString *report = g_string_new(NULL);
    bool help_shown, ok = false;

    g_option_context_set_summary(
        ctx, "Run the regression suite (a fixed set of short scenarios, policy overrides and\n"
             "seeds: DIR/suite.json) and compare each result row with the stored baseline\n"
             "rows DIR/NAME.tsv, metric by metric.  The simulator is deterministic, so by\n"
             "default counts must match exactly and reals within 1e-9 relative; the suite\n"
             "file and --tolerances can loosen that per metric.");
    g_option_context_set_description(
        ctx, "A value passes when |new - old| <= max(abs, rel x |old|).  Prints \"ok NAME\"\n"
             "or one FAIL line per moved metric with old value, new value and difference.\n"
             "After an intended change: vsched regress --update.  See docs/sweep.md.\n"
             "Exit status: 0 pass, 1 regression, 2 bad input (suite, tolerances, baseline\n"
             "files, options), 130 interrupted.");
    if (!cli_parse("regress", ctx, entries, &argc, &argv, &help_shown, error))
        goto out;
    if (help_shown) {
        ok = true;
        goto out;
    }
    if (argc > 1) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "regress: unexpected argument \"%s\" (see vsched regress --help)", argv[1]);
        goto out;
    }
    if (jobs_s && !cli_parse_uint("--jobs", jobs_s, 1, 1024, &nr_threads, error))
        goto out;
    if (!dir)
        dir = g_strdup("tests/baselines");
    if (!suite_path)
        suite_path = g_build_filename(dir, "suite.json", NULL);
    if (!load_suite(suite_path, &s, error))
        goto out;
    if (tol_path) {
        json_error_t jerr;
        json_t *t = json_load_file(tol_path, JSON_REJECT_DUPLICATES, &jerr);

        if (!t) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "%s:%d:%d: %s", tol_path, jerr.line,
                        jerr.column, jerr.text);
            goto out;
        }
        ok = parse_tolerances(t, &s.tol, tol_path, "", error);
        json_decref(t);
        if (!ok)
            goto out;
        ok = false;
    }
    {
        char **only = only_s ? cli_split_list(only_s) : NULL;

        for (unsigned int i = 0; only && only[i]; i++) {
            bool known = false;

            for (unsigned int k = 0; k < s.nr_entries; k++)
                known |= strcmp(s.entries[k].name, only[i]) == 0;
            if (!known) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "--only: no suite entry \"%s\" in %s",
                            only[i], suite_path);
                g_strfreev(only);
                goto out;
            }
        }
        for (unsigned int k = 0; k < s.nr_entries; k++) {
            struct entry *e = &s.entries[k];

            e->selected = (!fast || e->fast) &&
                          (!only || g_strv_contains((const char *const *)only, e->name));
            nr_sel += e->selected;
        }
        g_strfreev(only);
    }
    if (nr_sel == 0) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "regress: no suite entry selected");
        goto out;
    }
    if (update && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "--update: %s is not an existing directory", dir);
        goto out;
    }
    /* Everything is loaded and checked before the first simulation. */
    for (unsigned int k = 0; k < s.nr_entries; k++) {
        struct entry *e = &s.entries[k];

        if (e->selected) {
            if (!prepare_entry(e, extra_policy, dir, update, error))
                goto out;
            nr_jobs += e->nr_seeds;
        }
    }
    jobs = g_new0(struct run_job *, nr_jobs);
    slots = g_new0(struct slot, nr_jobs);
    nr_jobs = 0;
    for (unsigned int k = 0; k < s.nr_entries; k++) {
        struct entry *e = &s.entries[k];

        for (unsigned int i = 0; e->selected && i < e->nr_seeds; i++) {
            slots[nr_jobs] = (struct slot){e, i};
            e->jobs[i].sc = e->sc;
            e->jobs[i].opt.has_seed = true;
            e->jobs[i].opt.seed = e->seeds[i];
            e->jobs[i].user = &slots[nr_jobs];
            jobs[nr_jobs++] = &e->jobs[i];
        }
    }
    ro.jobs = (unsigned int)nr_threads;
    ro.progress_tty = isatty(STDERR_FILENO);
    ro.progress = ro.progress_tty || show_progress;
    ro.handle_sigint = true;
    if (!runpool_run(jobs, nr_jobs, &ro, on_done, NULL, error))
        goto out;

    g_string_append_printf(report, "regress: %u entr%s, %u runs (%s against %s)\n", nr_sel,
                           nr_sel == 1 ? "y" : "ies", nr_jobs, suite_path, dir);
    for (unsigned int k = 0; k < s.nr_entries; k++) {
        struct entry *e = &s.entries[k];
        unsigned int m;

        if (!e->selected)
            continue;
        if (!e->baseline) {
            g_string_append_printf(report, "new   %s (no baseline yet)\n", e->name);
            continue;
        }
        m = compare_entry(e, &s.tol, report);
        moved += m;
        entries_moved += m > 0;
    }
    if (update) {
        for (unsigned int k = 0; k < s.nr_entries; k++) {
            struct entry *e = &s.entries[k];
            char *tsv;
            bool w;

            if (!e->selected)
                continue;
            tsv = rows_render_tsv(e->rows, e->nr_seeds);
            w = write_file_atomic(e->baseline_path, tsv, strlen(tsv), error);
            g_free(tsv);
            if (!w) {
                cli_write_stdout(report->str, NULL);
                goto out;
            }
            g_string_append_printf(report, "updated %s (%u row%s)\n", e->baseline_path,
                                   e->nr_seeds, e->nr_seeds == 1 ? "" : "s");
        }
        ok = cli_write_stdout(report->str, error);
        goto out;
    }
    if (moved) {
        g_string_append_printf(report,
                               "regress: %u value%s moved in %u of %u entries; if that is "
                               "intended, run vsched regress --update\n",
                               moved, moved == 1 ? "" : "s", entries_moved, nr_sel);
        cli_write_stdout(report->str, NULL);
        g_set_error(error, CLI_ERROR, CLI_ERROR_REGRESSION,
                    "regress: %u value%s moved in %u of %u entries (see above)", moved,
                    moved == 1 ? "" : "s", entries_moved, nr_sel);
        goto out;
    }
    g_string_append_printf(report, "regress: all %u entries within tolerance\n", nr_sel);
    ok = cli_write_stdout(report->str, error);
out:
    g_string_free(report, TRUE);
    g_free(jobs);
    g_free(slots);
    suite_free(&s);
    g_free(dir);
    g_free(suite_path);
    g_free(tol_path);
    g_free(only_s);
    g_free(jobs_s);
    g_strfreev(extra_policy);
    g_option_context_free(ctx);
    return ok;
}
