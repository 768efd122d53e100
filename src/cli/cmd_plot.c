/*
 * src/cli/cmd_plot.c - "vsched plot FILE": plots of a result-row file
 * (docs/results-format.md) drawn by the gnuplot scripts in plots/.
 *
 * The division of labour follows the house rule "plots read files": this
 * file reads the rows, groups them by (variant, overcommit) and writes the
 * means and sample standard deviations over the runs (seeds) of each group
 * to FILE-stem.agg.tsv; the scripts only read that file and draw.  The
 * columns of the aggregate file are fixed (plots/common.gp names them), one
 * block per variant separated by two blank lines (gnuplot's "index").
 *
 * Outputs are all-or-nothing: everything is produced in a temporary
 * directory inside --out-dir and renamed into place only when every file
 * exists and is non-empty.  Without gnuplot (or without its pngcairo
 * terminal for PNG output) nothing is written and the error says how to
 * install it; --data-only writes just the aggregate file and needs no
 * gnuplot.
 *
 * The reader here is deliberately small (TSV with a header and leading '#'
 * lines, or the JSON row file): it needs only the columns it plots.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <jansson.h>

#include "cli.h"

/* The metrics that are aggregated, in the order of the aggregate file. */
enum plot_metric {
    PM_OPS_PER_S_PER_VM,
    PM_JAIN_VMS,
    PM_WORST_VM_SHARE,
    PM_YIELD_TO_CALLS,
    PM_PLE_EXITS,
    PM_IPI_LAT_P99_US,
    PM_LOCK_WAIT_P99_US,
    PM_NR
};

static const char *const metric_cols[PM_NR] = {
    [PM_OPS_PER_S_PER_VM] = "ops_per_s_per_vm",
    [PM_JAIN_VMS] = "jain_vms",
    [PM_WORST_VM_SHARE] = "worst_vm_share_vs_entitlement",
    [PM_YIELD_TO_CALLS] = "yield_to_calls",
    [PM_PLE_EXITS] = "ple_exits",
    [PM_IPI_LAT_P99_US] = "ipi_lat_p99_us",
    [PM_LOCK_WAIT_P99_US] = "lock_wait_p99_us",
};

/* The plots: script plots/<name>.gp, output <stem>-<name>.<ext>. */
static const char *const plot_names[] = {"throughput", "speedup", "fairness", "yield", "latency"};

/* One run (one row of the file). */
struct plot_row {
    char *variant;                /* variant label */
    double overcommit;            /* vCPUs / host CPUs */
    double v[PM_NR];              /* metric values, NaN = missing */
};

/* The runs of one (variant, overcommit). */
struct plot_group {
    unsigned int variant;         /* index in the ordered variant list */
    double overcommit;
    unsigned int runs;            /* rows in the group */
    unsigned int n[PM_NR];        /* rows with a value, per metric */
    double mean[PM_NR];           /* NaN when n == 0 */
    double sd[PM_NR];             /* sample standard deviation (n - 1); 0 if n == 1 */
    double speedup, speedup_sd;   /* ops_per_s_per_vm vs the baseline at this overcommit */
};

static void plot_row_free(gpointer p)
{
    struct plot_row *r = p;

    g_free(r->variant);
    g_free(r);
}

/* ---- reading rows ---- */

static bool bad_input(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool bad_input(GError **error, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, CLI_ERROR, CLI_ERROR_USAGE, msg);
    g_free(msg);
    return false;
}

/* A number field: "" is missing (NaN); anything else must parse fully. */
static bool parse_number(const char *s, double *out)
{
    char *end = NULL;

    if (!*s) {
        *out = NAN;
        return true;
    }
    *out = g_ascii_strtod(s, &end);
    return end && !*end && !isnan(*out);
}

/* Drop a trailing '\r' (CRLF files), but never tabs: empty last fields count. */
static void chop_cr(char *s)
{
    size_t n = strlen(s);

    if (n && s[n - 1] == '\r')
        s[n - 1] = '\0';
}

static bool read_tsv(const char *path, const char *text, GPtrArray *rows, GError **error)
{
    char **lines = g_strsplit(text, "\n", -1), **hdr = NULL;
    int col_variant = -1, col_oc = -1, col_m[PM_NR];
    unsigned int i = 0, nr_cols = 0;
    bool ok = false;

    for (unsigned int m = 0; m < PM_NR; m++)
        col_m[m] = -1;
    while (lines[i] && (lines[i][0] == '#' || !lines[i][0]))
        i++;
    if (!lines[i]) {
        bad_input(error, "%s: no header line (a TSV row file starts with the column names)",
                  path);
        goto out;
    }
    chop_cr(lines[i]);
    hdr = g_strsplit(lines[i], "\t", -1);
    nr_cols = g_strv_length(hdr);
    for (unsigned int c = 0; c < nr_cols; c++) {
        if (strcmp(hdr[c], "variant") == 0)
            col_variant = (int)c;
        else if (strcmp(hdr[c], "overcommit") == 0)
            col_oc = (int)c;
        for (unsigned int m = 0; m < PM_NR; m++)
            if (strcmp(hdr[c], metric_cols[m]) == 0)
                col_m[m] = (int)c;
    }
    if (col_variant < 0 || col_oc < 0) {
        bad_input(error, "%s:%u: the header has no \"%s\" column (see docs/results-format.md)",
                  path, i + 1, col_variant < 0 ? "variant" : "overcommit");
        goto out;
    }
    for (unsigned int m = 0; m < PM_NR; m++) {
        if (col_m[m] < 0) {
            bad_input(error, "%s:%u: the header has no \"%s\" column (see docs/results-format.md)",
                      path, i + 1, metric_cols[m]);
            goto out;
        }
    }
    for (i++; lines[i]; i++) {
        char **f;
        struct plot_row *r;

        chop_cr(lines[i]);
        if (!lines[i][0] || lines[i][0] == '#')
            continue;
        f = g_strsplit(lines[i], "\t", -1);
        if (g_strv_length(f) != nr_cols) {
            bad_input(error, "%s:%u: %u fields, the header has %u", path, i + 1,
                      g_strv_length(f), nr_cols);
            g_strfreev(f);
            goto out;
        }
        r = g_new0(struct plot_row, 1);
        r->variant = g_strdup(f[col_variant]);
        g_ptr_array_add(rows, r);
        if (!parse_number(f[col_oc], &r->overcommit) || isnan(r->overcommit)) {
            bad_input(error, "%s:%u: overcommit: expected a number, got \"%s\"", path, i + 1,
                      f[col_oc]);
            g_strfreev(f);
            goto out;
        }
        for (unsigned int m = 0; m < PM_NR; m++) {
            if (!parse_number(f[col_m[m]], &r->v[m])) {
                bad_input(error, "%s:%u: %s: expected a number or nothing, got \"%s\"", path,
                          i + 1, metric_cols[m], f[col_m[m]]);
                g_strfreev(f);
                goto out;
            }
        }
        g_strfreev(f);
    }
    ok = true;
out:
    g_strfreev(hdr);
    g_strfreev(lines);
    return ok;
}

/* {"vsched_version", "rows": [{column: value, ...}]}, null = missing. */
static bool read_json(const char *path, const char *text, GPtrArray *rows, GError **error)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr), *arr;
    bool ok = false;

    if (!root)
        return bad_input(error, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    arr = json_object_get(root, "rows");
    if (!json_is_array(arr)) {
        bad_input(error, "%s: expected an object with a \"rows\" array", path);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i), *v;
        struct plot_row *r;

        if (!json_is_object(o) || !json_is_string(json_object_get(o, "variant")) ||
            !json_is_number(json_object_get(o, "overcommit"))) {
            bad_input(error, "%s: rows[%zu]: expected an object with \"variant\" and "
                             "\"overcommit\"",
                      path, i);
            goto out;
        }
        r = g_new0(struct plot_row, 1);
        r->variant = g_strdup(json_string_value(json_object_get(o, "variant")));
        r->overcommit = json_number_value(json_object_get(o, "overcommit"));
        g_ptr_array_add(rows, r);
        for (unsigned int m = 0; m < PM_NR; m++) {
            v = json_object_get(o, metric_cols[m]);
            if (!v) {
                bad_input(error, "%s: rows[%zu]: no \"%s\"", path, i, metric_cols[m]);
                goto out;
            }
            if (!json_is_null(v) && !json_is_number(v)) {
                bad_input(error, "%s: rows[%zu].%s: expected a number or null", path, i,
                          metric_cols[m]);
                goto out;
            }
            r->v[m] = json_is_null(v) ? NAN : json_number_value(v);
        }
    }
    ok = true;
out:
    json_decref(root);
    return ok;
}

static bool read_rows(const char *path, GPtrArray *rows, GError **error)
{
    char *text = NULL;
    GError *ferr = NULL;
    const char *p;
    bool ok;

    if (!g_file_get_contents(path, &text, NULL, &ferr)) {
        bad_input(error, "cannot read %s: %s", path, ferr->message);
        g_error_free(ferr);
        return false;
    }
    for (p = text; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
        ;
    ok = *p == '{' ? read_json(path, text, rows, error) : read_tsv(path, text, rows, error);
    if (ok && rows->len == 0)
        ok = bad_input(error, "%s: no result rows", path);
    g_free(text);
    return ok;
}

/* ---- aggregation ---- */

static gint strcmp_p(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static gint group_cmp(gconstpointer a, gconstpointer b)
{
    const struct plot_group *x = a, *y = b;

    if (x->variant != y->variant)
        return x->variant < y->variant ? -1 : 1;
    return x->overcommit < y->overcommit ? -1 : x->overcommit > y->overcommit;
}

/*
 * Variants in a fixed order: the baseline first, then the others sorted by
 * label (byte order), so the same file always gives the same colours.
 * *@baseline: in, the --baseline label or NULL (then "mainline" if present,
 * else the first label in byte order); out, borrowed from @variants.
 */
static bool order_variants(GPtrArray *rows, const char **baseline, GPtrArray *variants,
                           GError **error)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    const char *want = *baseline;
    int base = -1;

    for (unsigned int i = 0; i < rows->len; i++) {
        struct plot_row *r = g_ptr_array_index(rows, i);

        if (g_hash_table_add(seen, r->variant))
            g_ptr_array_add(variants, r->variant);
    }
    g_hash_table_unref(seen);
    g_ptr_array_sort(variants, strcmp_p);
    if (!want)
        want = g_ptr_array_find_with_equal_func(variants, "mainline", g_str_equal, NULL)
                   ? "mainline"
                   : g_ptr_array_index(variants, 0);
    for (unsigned int i = 0; i < variants->len; i++)
        if (strcmp(g_ptr_array_index(variants, i), want) == 0)
            base = (int)i;
    if (base < 0) {
        GString *list = g_string_new(NULL);

        for (unsigned int i = 0; i < variants->len; i++)
            g_string_append_printf(list, "%s\"%s\"", i ? ", " : "",
                                   (char *)g_ptr_array_index(variants, i));
        bad_input(error, "--baseline: no variant \"%s\" in the file (variants: %s)", want,
                  list->str);
        g_string_free(list, TRUE);
        return false;
    }
    /* Move the baseline to the front, keeping the others in order. */
    {
        gpointer b = g_ptr_array_steal_index(variants, (guint)base);

        g_ptr_array_insert(variants, 0, b);
    }
    *baseline = g_ptr_array_index(variants, 0);
    return true;
}

static unsigned int variant_index(GPtrArray *variants, const char *v)
{
    for (unsigned int i = 0; i < variants->len; i++)
        if (strcmp(g_ptr_array_index(variants, i), v) == 0)
            return i;
    g_assert_not_reached();
    return 0;
}

/* Means and sample standard deviations (two passes, per metric). */
static GArray *aggregate(GPtrArray *rows, GPtrArray *variants)
{
    GArray *groups = g_array_new(FALSE, TRUE, sizeof(struct plot_group));
    unsigned int *which = g_new(unsigned int, rows->len);

    for (unsigned int i = 0; i < rows->len; i++) {
        struct plot_row *r = g_ptr_array_index(rows, i);
        unsigned int vi = variant_index(variants, r->variant), g;

        for (g = 0; g < groups->len; g++) {
            struct plot_group *x = &g_array_index(groups, struct plot_group, g);

            if (x->variant == vi && x->overcommit == r->overcommit)
                break;
        }
        if (g == groups->len) {
            struct plot_group x = {.variant = vi, .overcommit = r->overcommit};

            g_array_append_val(groups, x);
        }
        which[i] = g;
    }
    for (unsigned int g = 0; g < groups->len; g++) {
        struct plot_group *x = &g_array_index(groups, struct plot_group, g);

        for (unsigned int m = 0; m < PM_NR; m++) {
            double sum = 0, ss = 0;

            for (unsigned int i = 0; i < rows->len; i++) {
                struct plot_row *r = g_ptr_array_index(rows, i);

                if (which[i] != g)
                    continue;
                if (m == 0)
                    x->runs++;
                if (!isnan(r->v[m])) {
                    x->n[m]++;
                    sum += r->v[m];
                }
            }
            x->mean[m] = x->n[m] ? sum / x->n[m] : NAN;
            for (unsigned int i = 0; i < rows->len; i++) {
                struct plot_row *r = g_ptr_array_index(rows, i);

                if (which[i] == g && !isnan(r->v[m]))
                    ss += (r->v[m] - x->mean[m]) * (r->v[m] - x->mean[m]);
            }
            x->sd[m] = x->n[m] > 1 ? sqrt(ss / (x->n[m] - 1)) : x->n[m] ? 0.0 : NAN;
        }
    }
    g_array_sort(groups, group_cmp);
    /* Speed-up: the ratio of the means, its spread by first-order error
     * propagation, r * sqrt((sa/a)^2 + (sb/b)^2). */
    for (unsigned int g = 0; g < groups->len; g++) {
        struct plot_group *x = &g_array_index(groups, struct plot_group, g);
        const struct plot_group *b = NULL;
        double a, sa, bm, sb;

        x->speedup = x->speedup_sd = NAN;
        for (unsigned int k = 0; k < groups->len; k++) {
            const struct plot_group *y = &g_array_index(groups, struct plot_group, k);

            if (y->variant == 0 && y->overcommit == x->overcommit)
                b = y;
        }
        if (!b)
            continue;
        a = x->mean[PM_OPS_PER_S_PER_VM];
        sa = x->sd[PM_OPS_PER_S_PER_VM];
        bm = b->mean[PM_OPS_PER_S_PER_VM];
        sb = b->sd[PM_OPS_PER_S_PER_VM];
        if (isnan(a) || isnan(bm) || bm == 0)
            continue;
        x->speedup = a / bm;
        x->speedup_sd = a == 0 ? 0.0 : fabs(x->speedup) * sqrt((sa / a) * (sa / a) +
                                                               (sb / bm) * (sb / bm));
        if (b == x)
            x->speedup_sd = 0.0; /* the baseline against itself */
    }
    g_free(which);
    return groups;
}

/* ---- the aggregate file ---- */

static void put_real(GString *s, double v)
{
    if (isnan(v))
        g_string_append(s, "\tNaN");
    else
        g_string_append_printf(s, "\t%.9g", v);
}

/* A label safe in a TSV field (no tabs or newlines). */
static char *tsv_safe(const char *s)
{
    char *r = g_strdup(s);

    for (char *c = r; *c; c++)
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    return r;
}

static char *render_agg(const char *source, GPtrArray *variants, const char *baseline,
                        GArray *groups)
{
    GString *s = g_string_new(NULL);
    int last = -1;

    g_string_append_printf(s,
                           "# vsched plot: per (variant, overcommit) mean and sample standard "
                           "deviation over the runs of %s\n"
                           "# speedup = mean ops_per_s_per_vm / that of the baseline \"%s\" at "
                           "the same overcommit (sd by error propagation)\n"
                           "# one block per variant, blocks separated by two blank lines\n",
                           source, baseline);
    g_string_append(s, "variant_idx\tvariant\tovercommit\truns");
    for (unsigned int m = 0; m < PM_NR; m++) {
        g_string_append_printf(s, "\t%s_mean\t%s_sd", metric_cols[m], metric_cols[m]);
        if (m == PM_OPS_PER_S_PER_VM)
            g_string_append(s, "\tspeedup_mean\tspeedup_sd");
    }
    g_string_append_c(s, '\n');
    for (unsigned int g = 0; g < groups->len; g++) {
        struct plot_group *x = &g_array_index(groups, struct plot_group, g);
        char *label = tsv_safe(g_ptr_array_index(variants, x->variant));

        if (last >= 0 && (int)x->variant != last)
            g_string_append(s, "\n\n");
        last = (int)x->variant;
        g_string_append_printf(s, "%u\t%s", x->variant, label);
        put_real(s, x->overcommit);
        g_string_append_printf(s, "\t%u", x->runs);
        for (unsigned int m = 0; m < PM_NR; m++) {
            put_real(s, x->mean[m]);
            put_real(s, x->sd[m]);
            if (m == PM_OPS_PER_S_PER_VM) {
                put_real(s, x->speedup);
                put_real(s, x->speedup_sd);
            }
        }
        g_string_append_c(s, '\n');
        g_free(label);
    }
    return g_string_free(s, FALSE);
}

/* ---- gnuplot ---- */

/* gnuplot single-quoted string: only ' needs escaping, as ''. */
static void gp_assign(GString *s, const char *name, const char *value)
{
    g_string_append_printf(s, "%s='", name);
    for (const char *c = value; *c; c++) {
        if (*c == '\'')
            g_string_append(s, "''");
        else if (*c == '\n' || *c == '\r')
            g_string_append_c(s, ' ');
        else
            g_string_append_c(s, *c);
    }
    g_string_append(s, "'; ");
}

static const char *gnuplot_program(void)
{
    const char *env = g_getenv("VSCHED_GNUPLOT");

    return env && *env ? env : "gnuplot";
}

static bool missing_gnuplot(GError **error, const char *what)
{
    g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT,
                "plot: %s; install gnuplot with its cairo terminals (Debian/Ubuntu: "
                "\"apt-get install gnuplot-nox\", or run scripts/bootstrap.sh), or use "
                "--data-only to write only the aggregated data",
                what);
    return false;
}

/* Find gnuplot (and pngcairo if @png) before anything is written. */
static bool check_gnuplot(bool png, char **gnuplot, GError **error)
{
    const char *prog = gnuplot_program();
    char *path = g_path_is_absolute(prog) ? (g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE)
                                                 ? g_strdup(prog)
                                                 : NULL)
                                          : g_find_program_in_path(prog);
    char *out = NULL, *err = NULL;
    int status = -1;

    if (!path) {
        char *what = g_strdup_printf("gnuplot is not installed (\"%s\" not found)", prog);

        missing_gnuplot(error, what);
        g_free(what);
        return false;
    }
    if (png) {
        char *argv[] = {path, "-e", "set terminal pngcairo", NULL};

        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                          NULL) ||
            !g_spawn_check_wait_status(status, NULL)) {
            char *what = g_strdup_printf("%s has no pngcairo terminal (needed for PNG output; "
                                         "--format svg works without it)",
                                         path);

            missing_gnuplot(error, what);
            g_free(what);
            g_free(out);
            g_free(err);
            g_free(path);
            return false;
        }
        g_free(out);
        g_free(err);
    }
    *gnuplot = path;
    return true;
}

/* Where the scripts are: $VSCHED_PLOTS_DIR, the source tree, the install. */
static char *find_plots_dir(GError **error)
{
    const char *cands[] = {
        g_getenv("VSCHED_PLOTS_DIR"),
#ifdef VSCHED_SOURCE_PLOTS_DIR
        VSCHED_SOURCE_PLOTS_DIR,
#endif
#ifdef VSCHED_INSTALLED_PLOTS_DIR
        VSCHED_INSTALLED_PLOTS_DIR,
#endif
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(cands); i++) {
        char *probe;
        bool found;

        if (!cands[i] || !*cands[i])
            continue;
        probe = g_build_filename(cands[i], "common.gp", NULL);
        found = g_file_test(probe, G_FILE_TEST_IS_REGULAR);
        g_free(probe);
        if (found)
            return g_strdup(cands[i]);
    }
    g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT,
                "plot: cannot find the gnuplot scripts (plots/*.gp); set VSCHED_PLOTS_DIR to "
                "the plots directory of the vsched source tree");
    return NULL;
}

static bool run_gnuplot(const char *gnuplot, const char *plots_dir, const char *script,
                        const char *assignments, GError **error)
{
    char *script_path = g_build_filename(plots_dir, script, NULL);
    char *argv[] = {(char *)gnuplot, "-e", (char *)assignments, script_path, NULL};
    char *out = NULL, *err = NULL;
    GError *serr = NULL;
    int status = -1;
    bool ok;

    ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &serr);
    if (!ok) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "plot: cannot run %s: %s", gnuplot,
                    serr->message);
        g_error_free(serr);
    } else if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "plot: gnuplot failed on %s:\n%s",
                    script_path, err && *err ? err : "(no message)");
        ok = false;
    }
    g_free(out);
    g_free(err);
    g_free(script_path);
    return ok;
}

static bool nonempty_file(const char *path)
{
    GStatBuf st;

    return g_stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Remove @dir and the plain files in it (the temporary output directory). */
static void remove_tmpdir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d) {
        while ((name = g_dir_read_name(d))) {
            char *p = g_build_filename(dir, name, NULL);

            g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

/* ---- the command ---- */

static char *file_stem(const char *path)
{
    char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');

    if (dot && dot != base)
        *dot = '\0';
    return base;
}

bool cmd_plot(int argc, char **argv, GError **error)
{
    char *out_dir = NULL, *format_s = NULL, *baseline_s = NULL;
    gboolean data_only = FALSE;
    const GOptionEntry entries[] = {
        {"out-dir", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
         "Write the plots and the aggregated data to DIR (default: FILE's directory; created "
         "if missing)",
         "DIR"},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
         "Image format: png (default), svg or both", "FMT"},
        {"baseline", 'b', 0, G_OPTION_ARG_STRING, &baseline_s,
         "Variant the speed-up is measured against (default: mainline if present, else the "
         "first label)",
         "LABEL"},
        {"data-only", 0, 0, G_OPTION_ARG_NONE, &data_only,
         "Write only the aggregated data (STEM.agg.tsv); needs no gnuplot", NULL},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *ctx = g_option_context_new("FILE");
    GPtrArray *rows = g_ptr_array_new_with_free_func(plot_row_free);
    GPtrArray *variants = g_ptr_array_new();
    GPtrArray *outputs = g_ptr_array_new_with_free_func(g_free); /* names inside tmp */
    GArray *groups = NULL;
    const char *baseline = NULL;
    char *stem = NULL, *tmp = NULL, *agg = NULL, *gnuplot = NULL, *plots_dir = NULL;
    char *agg_name = NULL;
    bool png = true, svg = false, created_dir = false, help_shown, ok = false;

    g_option_context_set_summary(
        ctx, "Plot a result-row file (TSV or JSON, docs/results-format.md) with gnuplot:\n"
             "per variant against overcommit, means over seeds with standard-deviation bars:\n"
             "  STEM-throughput  ops_per_s_per_vm\n"
             "  STEM-speedup     ops_per_s_per_vm / the baseline's\n"
             "  STEM-fairness    jain_vms and worst_vm_share_vs_entitlement\n"
             "  STEM-yield       yield_to_calls and ple_exits\n"
             "  STEM-latency     ipi_lat_p99_us and lock_wait_p99_us\n"
             "and the aggregated data they are drawn from, STEM.agg.tsv (plots/README.md).");
    g_option_context_set_description(
        ctx, "Needs gnuplot with the pngcairo terminal for PNG (Debian: gnuplot-nox).\n"
             "Exit status: 0 ok, 2 bad file or option, 1 gnuplot missing or failed, or the\n"
             "outputs could not be written (then none are left behind).");
    if (!cli_parse("plot", ctx, entries, &argc, &argv, &help_shown, error))
        goto out;
    if (help_shown) {
        ok = true;
        goto out;
    }
    if (argc != 2) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "plot: expected one result FILE, got %d arguments (see vsched plot --help)",
                    argc - 1);
        goto out;
    }
    if (format_s) {
        png = strcmp(format_s, "png") == 0 || strcmp(format_s, "both") == 0;
        svg = strcmp(format_s, "svg") == 0 || strcmp(format_s, "both") == 0;
        if (!png && !svg) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--format: expected png, svg or both, got \"%s\"", format_s);
            goto out;
        }
    }
    if (!read_rows(argv[1], rows, error))
        goto out;
    baseline = baseline_s;
    if (!order_variants(rows, &baseline, variants, error))
        goto out;
    groups = aggregate(rows, variants);

    /* Check the tools before anything is written. */
    if (!data_only) {
        if (!check_gnuplot(png, &gnuplot, error))
            goto out;
        plots_dir = find_plots_dir(error);
        if (!plots_dir)
            goto out;
    }

    if (!out_dir)
        out_dir = g_path_get_dirname(argv[1]);
    created_dir = !g_file_test(out_dir, G_FILE_TEST_IS_DIR);
    if (g_mkdir_with_parents(out_dir, 0777) != 0) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "plot: cannot create %s: %s", out_dir,
                    g_strerror(errno));
        goto out;
    }
    tmp = g_build_filename(out_dir, ".vsched-plot-XXXXXX", NULL);
    if (!g_mkdtemp(tmp)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "plot: cannot write in %s: %s", out_dir,
                    g_strerror(errno));
        g_clear_pointer(&tmp, g_free);
        goto out;
    }
    stem = file_stem(argv[1]);
    agg_name = g_strdup_printf("%s.agg.tsv", stem);
    agg = g_build_filename(tmp, agg_name, NULL);
    {
        char *text = render_agg(argv[1], variants, baseline, groups);
        GError *ferr = NULL;

        if (!g_file_set_contents(agg, text, -1, &ferr)) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "plot: %s", ferr->message);
            g_error_free(ferr);
            g_free(text);
            goto out;
        }
        g_free(text);
    }
    g_ptr_array_add(outputs, g_strdup(agg_name));

    for (unsigned int fmt = 0; !data_only && fmt < 2; fmt++) {
        const char *ext = fmt == 0 ? "png" : "svg";

        if ((fmt == 0 && !png) || (fmt == 1 && !svg))
            continue;
        for (unsigned int i = 0; i < G_N_ELEMENTS(plot_names); i++) {
            char *name = g_strdup_printf("%s-%s.%s", stem, plot_names[i], ext);
            char *outfile = g_build_filename(tmp, name, NULL);
            char *script = g_strdup_printf("%s.gp", plot_names[i]);
            GString *a = g_string_new(NULL);
            char *src = g_path_get_basename(argv[1]);

            gp_assign(a, "datafile", agg);
            gp_assign(a, "outfile", outfile);
            gp_assign(a, "term", fmt == 0 ? "pngcairo" : "svg");
            gp_assign(a, "plotdir", plots_dir);
            gp_assign(a, "source", src);
            gp_assign(a, "baseline", baseline);
            g_string_append_printf(a, "nvar=%u; ", variants->len);
            for (unsigned int v = 0; v < variants->len; v++) {
                char var[32];

                g_snprintf(var, sizeof(var), "label%u", v + 1);
                gp_assign(a, var, g_ptr_array_index(variants, v));
            }
            ok = run_gnuplot(gnuplot, plots_dir, script, a->str, error);
            if (ok && !nonempty_file(outfile)) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT,
                            "plot: gnuplot did not produce %s", name);
                ok = false;
            }
            g_string_free(a, TRUE);
            g_free(src);
            g_free(script);
            g_free(outfile);
            if (!ok) {
                g_free(name);
                goto out;
            }
            g_ptr_array_add(outputs, name);
        }
    }
    ok = false;
    /* Everything is there: move it into place. */
    for (unsigned int i = 0; i < outputs->len; i++) {
        char *from = g_build_filename(tmp, g_ptr_array_index(outputs, i), NULL);
        char *to = g_build_filename(out_dir, g_ptr_array_index(outputs, i), NULL);
        int r = g_rename(from, to);

        if (r != 0)
            g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "plot: cannot write %s: %s", to,
                        g_strerror(errno));
        g_free(from);
        g_free(to);
        if (r != 0) {
            /* Take back what was already moved: all outputs or none. */
            for (unsigned int k = 0; k < i; k++) {
                char *p = g_build_filename(out_dir, g_ptr_array_index(outputs, k), NULL);

                g_unlink(p);
                g_free(p);
            }
            goto out;
        }
    }
    for (unsigned int i = 0; i < outputs->len; i++)
        printf("%s%s%s\n", out_dir, G_DIR_SEPARATOR_S, (char *)g_ptr_array_index(outputs, i));
    ok = true;
out:
    if (tmp)
        remove_tmpdir(tmp);
    if (!ok && created_dir)
        g_rmdir(out_dir); /* only if still empty */
    if (groups)
        g_array_free(groups, TRUE);
    g_ptr_array_free(outputs, TRUE);
    g_ptr_array_free(variants, TRUE);
    g_ptr_array_free(rows, TRUE);
    g_free(stem);
    g_free(tmp);
    g_free(agg);
    g_free(agg_name);
    g_free(gnuplot);
    g_free(plots_dir);
    g_free(out_dir);
    g_free(format_s);
    g_free(baseline_s);
    g_option_context_free(ctx);
    return ok;
}
