/*
 * src/cli/cmd_compare.c - "vsched compare FILE...": a paired comparison of
 * policy variants against a baseline variant, from result rows.
 *
 * Rows are grouped by (scenario, set, overcommit); inside a group each
 * variant's rows are paired with the baseline's by seed, so that both sides
 * of a pair saw the same random workload (a paired design: the seed's noise
 * cancels in the difference).  Per metric and variant:
 *
 *   n                 pairs with a value on both sides
 *   mean, sd          of the variant and of the baseline over those pairs
 *                     (sd: sample standard deviation, n - 1 in the denominator)
 *   change            (mean_variant - mean_baseline) / mean_baseline
 *   d_i               variant_i - baseline_i; dbar, s_d their mean and sd
 *   95 % CI           dbar +- t(0.975, n - 1) * s_d / sqrt(n), Student t with
 *                     n - 1 degrees of freedom (table below for 1..30, 1.96
 *                     beyond); no CI for n < 2
 *   significant       the CI excludes 0
 *
 * Seeds present in only one of the two variants are reported and excluded.
 * docs/sweep.md has the same with an example.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "vsched/rows.h"

#include "cli.h"

/* Two-sided 95 % quantiles of Student's t, t(0.975, dof) for dof 1..30. */
static const double t975_table[30] = {
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
};

static double t975(unsigned int dof)
{
    /* MODEL: beyond 30 dof the normal quantile; at 31 the true value is
     * 2.040, so the CI is at most 4 % narrow there, less further on. */
    return dof >= 1 && dof <= 30 ? t975_table[dof - 1] : 1.96;
}

static const char *const default_metrics[] = {
    "ops_per_s",      "jain_vms",       "worst_vm_share_vs_entitlement",
    "spin_pct",       "spin_total_pct", "ple_exits",
    "yield_to_calls", "ipi_lat_p99_us", "lock_wait_p99_us",
};

/* A row and where it came from (for messages). */
struct src_row {
    const struct result_row *row; /* borrowed from its table */
    const struct row_table *t;    /* the file */
    unsigned int line;            /* TSV line or JSON index */
};

/* The rows of one variant in one group. */
struct vrows {
    char *label;
    GArray *rows;                 /* struct src_row, in file order */
};

/* Rows with the same (scenario, set, overcommit). */
struct group {
    char *scenario;
    char *set;
    char *overcommit;             /* as written ("2.0000"), "" when missing */
    GPtrArray *variants;          /* struct vrows *, in order of appearance */
};

/* One line of the comparison. */
struct cmp {
    const char *variant;
    enum row_col metric;
    unsigned int n;
    double base_mean, base_sd, mean, sd, rel, dbar, sd_d, t, lo, hi;
    bool has_sd, has_rel, has_ci, significant;
};

static void vrows_free(gpointer p)
{
    struct vrows *v = p;

    g_free(v->label);
    g_array_free(v->rows, TRUE);
    g_free(v);
}

static void group_free(gpointer p)
{
    struct group *g = p;

    g_free(g->scenario);
    g_free(g->set);
    g_free(g->overcommit);
    g_ptr_array_free(g->variants, TRUE);
    g_free(g);
}

static char *where(const struct src_row *s)
{
    return s->t->json ? g_strdup_printf("%s: rows[%u]", s->t->source, s->line)
                      : g_strdup_printf("%s:%u", s->t->source, s->line);
}

static const struct src_row *find_seed(const struct vrows *v, u64 seed)
{
    for (unsigned int i = 0; i < v->rows->len; i++) {
        const struct src_row *s = &g_array_index(v->rows, struct src_row, i);

        if (s->row->seed == seed)
            return s;
    }
    return NULL;
}

static struct vrows *find_variant(const struct group *g, const char *label)
{
    for (unsigned int i = 0; i < g->variants->len; i++) {
        struct vrows *v = g->variants->pdata[i];

        if (strcmp(v->label, label) == 0)
            return v;
    }
    return NULL;
}

/* Sort every row into its group and variant; duplicates are an error. */
static GPtrArray *group_rows(struct row_table **tables, unsigned int nr_tables, GError **error)
{
    GPtrArray *groups = g_ptr_array_new_with_free_func(group_free);
    GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (unsigned int f = 0; f < nr_tables; f++) {
        for (unsigned int i = 0; i < tables[f]->nr_rows; i++) {
            const struct result_row *row = &tables[f]->rows[i];
            char *oc = row_format_value(row, ROW_OVERCOMMIT);
            char *key = g_strdup_printf("%s\x1f%s\x1f%s", row->scenario, row->set, oc);
            struct group *g = g_hash_table_lookup(by_key, key);
            struct src_row s = {row, tables[f], tables[f]->lines[i]};
            const struct src_row *dup;
            struct vrows *v;

            if (!g) {
                g = g_new0(struct group, 1);
                g->scenario = g_strdup(row->scenario);
                g->set = g_strdup(row->set);
                g->overcommit = g_strdup(oc);
                g->variants = g_ptr_array_new_with_free_func(vrows_free);
                g_ptr_array_add(groups, g);
                g_hash_table_insert(by_key, g_strdup(key), g);
            }
            v = find_variant(g, row->variant);
            if (!v) {
                v = g_new0(struct vrows, 1);
                v->label = g_strdup(row->variant);
                v->rows = g_array_new(FALSE, FALSE, sizeof(struct src_row));
                g_ptr_array_add(g->variants, v);
            }
            dup = find_seed(v, row->seed);
            if (dup) {
                char *w1 = where(dup), *w2 = where(&s);

                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "%s and %s: two rows for scenario %s, set \"%s\", overcommit %s, "
                            "variant %s, seed %llu (pass each sweep once; a group is "
                            "(scenario, set, overcommit))",
                            w1, w2, row->scenario, row->set, oc, row->variant,
                            (unsigned long long)row->seed);
                g_free(w1);
                g_free(w2);
                g_free(oc);
                g_free(key);
                g_hash_table_destroy(by_key);
                g_ptr_array_free(groups, TRUE);
                return NULL;
            }
            g_array_append_val(v->rows, s);
            g_free(oc);
            g_free(key);
        }
    }
    g_hash_table_destroy(by_key);
    return groups;
}

static void mean_sd(const double *x, unsigned int n, double *mean, double *sd, bool *has_sd)
{
    double sum = 0, ss = 0;

    for (unsigned int i = 0; i < n; i++)
        sum += x[i];
    *mean = n ? sum / n : NAN;
    for (unsigned int i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *has_sd = n >= 2;
    *sd = n >= 2 ? sqrt(ss / (n - 1)) : NAN;
}

/* The paired statistics of @v against @base for @metric. */
static void compare_metric(const struct vrows *base, const struct vrows *v, enum row_col metric,
                           struct cmp *c)
{
    unsigned int cap = v->rows->len;
    double *xb = g_new(double, MAX(cap, 1)), *xv = g_new(double, MAX(cap, 1));
    double *d = g_new(double, MAX(cap, 1));
    unsigned int n = 0;
    bool dummy;

    memset(c, 0, sizeof(*c));
    c->variant = v->label;
    c->metric = metric;
    for (unsigned int i = 0; i < v->rows->len; i++) {
        const struct src_row *sv = &g_array_index(v->rows, struct src_row, i);
        const struct src_row *sb = find_seed(base, sv->row->seed);
        double a, b;

        if (!sb || !row_get_number(sv->row, metric, &a) || !row_get_number(sb->row, metric, &b))
            continue;
        xv[n] = a;
        xb[n] = b;
        d[n] = a - b;
        n++;
    }
    c->n = n;
    if (n > 0) {
        mean_sd(xb, n, &c->base_mean, &c->base_sd, &c->has_sd);
        mean_sd(xv, n, &c->mean, &c->sd, &dummy);
        mean_sd(d, n, &c->dbar, &c->sd_d, &dummy);
        c->has_rel = c->base_mean != 0;
        c->rel = c->has_rel ? (c->mean - c->base_mean) / c->base_mean : NAN;
    }
    if (n >= 2) {
        double half;

        c->t = t975(n - 1);
        half = c->t * c->sd_d / sqrt((double)n);
        c->lo = c->dbar - half;
        c->hi = c->dbar + half;
        c->has_ci = true;
        c->significant = c->lo > 0 || c->hi < 0;
    }
    g_free(xb);
    g_free(xv);
    g_free(d);
}

/* Seeds of @a without a row in @b. */
static GArray *missing_seeds(const struct vrows *a, const struct vrows *b)
{
    GArray *seeds = g_array_new(FALSE, FALSE, sizeof(u64));

    for (unsigned int i = 0; i < a->rows->len; i++) {
        u64 s = g_array_index(a->rows, struct src_row, i).row->seed;

        if (!find_seed(b, s))
            g_array_append_val(seeds, s);
    }
    return seeds;
}

/* ------------------------------------------------------------------------ */
/* output                                                                   */

static json_t *jnum(bool has, double v)
{
    return has && isfinite(v) ? json_real(v) : json_null();
}

/* Metric value for the table: the column's decimals (counts: 1 decimal,
 * since their means are fractional). */
static char *fmt_val(enum row_col m, double v, bool sign)
{
    int dec = row_columns[m].type == ROW_T_REAL ? row_columns[m].decimals : 1;

    return g_strdup_printf(sign ? "%+.*f" : "%.*f", dec, v);
}

/* A text table: cells row-major, first column left-aligned. */
struct ttable {
    unsigned int ncols;
    GPtrArray *cells;
};

static void tt_add(struct ttable *t, char *cell)
{
    g_ptr_array_add(t->cells, cell);
}

static void tt_render(struct ttable *t, GString *out, const char *indent)
{
    unsigned int nrows = t->cells->len / t->ncols;
    size_t *w = g_new0(size_t, t->ncols);

    for (unsigned int i = 0; i < t->cells->len; i++)
        w[i % t->ncols] = MAX(w[i % t->ncols], g_utf8_strlen(t->cells->pdata[i], -1));
    for (unsigned int r = 0; r < nrows; r++) {
        GString *line = g_string_new(indent);

        for (unsigned int c = 0; c < t->ncols; c++) {
            const char *s = t->cells->pdata[r * t->ncols + c];
            size_t pad = w[c] - g_utf8_strlen(s, -1);

            if (c == 0 || c + 1 == t->ncols) {
                /* first and last column left-aligned */
                g_string_append(line, c ? "  " : "");
                g_string_append(line, s);
                for (size_t k = 0; k < pad; k++)
                    g_string_append_c(line, ' ');
            } else {
                g_string_append(line, "  ");
                for (size_t k = 0; k < pad; k++)
                    g_string_append_c(line, ' ');
                g_string_append(line, s);
            }
        }
        g_string_append(out, g_strchomp(line->str));
        g_string_append_c(out, '\n');
        g_string_free(line, TRUE);
    }
    g_free(w);
}

struct report {
    const char *baseline;
    const enum row_col *metrics;
    unsigned int nr_metrics;
    GPtrArray *groups;
};

static void unpaired_text(GString *out, const struct vrows *base, const struct vrows *v)
{
    GArray *no_base = missing_seeds(v, base), *no_var = missing_seeds(base, v);

    if (no_base->len || no_var->len) {
        g_string_append_printf(out, "  unpaired, excluded: %s", v->label);
        if (no_base->len) {
            g_string_append(out, " seeds");
            for (unsigned int i = 0; i < no_base->len; i++)
                g_string_append_printf(out, " %llu", (unsigned long long)g_array_index(no_base, u64, i));
            g_string_append(out, " have no baseline row");
        }
        if (no_var->len) {
            g_string_append_printf(out, "%s baseline seeds", no_base->len ? ";" : "");
            for (unsigned int i = 0; i < no_var->len; i++)
                g_string_append_printf(out, " %llu", (unsigned long long)g_array_index(no_var, u64, i));
            g_string_append_printf(out, " have no %s row", v->label);
        }
        g_string_append_c(out, '\n');
    }
    g_array_free(no_base, TRUE);
    g_array_free(no_var, TRUE);
}

static char *render_table(const struct report *rep)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out,
                           "Paired by seed against the baseline \"%s\"; change = relative "
                           "difference of the means;\n95%% CI of the paired difference "
                           "(variant - baseline), Student t; * = the CI excludes 0.\n",
                           rep->baseline);
    for (unsigned int gi = 0; gi < rep->groups->len; gi++) {
        const struct group *g = rep->groups->pdata[gi];
        const struct vrows *base = find_variant(g, rep->baseline);

        g_string_append_printf(out, "\n== scenario %s, set %s, overcommit %s\n", g->scenario,
                               g->set[0] ? g->set : "-", g->overcommit[0] ? g->overcommit : "-");
        if (!base) {
            g_string_append_printf(out, "  no rows of the baseline \"%s\" here: skipped\n",
                                   rep->baseline);
            continue;
        }
        if (g->variants->len == 1) {
            g_string_append(out, "  only the baseline: nothing to compare\n");
            continue;
        }
        for (unsigned int mi = 0; mi < rep->nr_metrics; mi++) {
            enum row_col m = rep->metrics[mi];
            struct ttable t = {9, g_ptr_array_new_with_free_func(g_free)};
            static const char *const hdr[] = {"variant", "n", "baseline", "± sd", "variant",
                                              "± sd", "change", "95% CI of difference", "sig"};

            g_string_append_printf(out, "\n  %s (%s)\n", row_columns[m].name, row_columns[m].unit);
            for (unsigned int c = 0; c < 9; c++)
                tt_add(&t, g_strdup(hdr[c]));
            for (unsigned int vi = 0; vi < g->variants->len; vi++) {
                const struct vrows *v = g->variants->pdata[vi];
                struct cmp c;

                if (v == base)
                    continue;
                compare_metric(base, v, m, &c);
                tt_add(&t, g_strdup(v->label));
                tt_add(&t, g_strdup_printf("%u", c.n));
                tt_add(&t, c.n ? fmt_val(m, c.base_mean, false) : g_strdup("-"));
                tt_add(&t, c.has_sd ? fmt_val(m, c.base_sd, false) : g_strdup("-"));
                tt_add(&t, c.n ? fmt_val(m, c.mean, false) : g_strdup("-"));
                tt_add(&t, c.has_sd ? fmt_val(m, c.sd, false) : g_strdup("-"));
                tt_add(&t, c.has_rel ? g_strdup_printf("%+.2f%%", 100.0 * c.rel)
                                     : g_strdup("-"));
                if (c.has_ci) {
                    char *lo = fmt_val(m, c.lo, true), *hi = fmt_val(m, c.hi, true);

                    tt_add(&t, g_strdup_printf("[%s, %s]", lo, hi));
                    g_free(lo);
                    g_free(hi);
                } else {
                    tt_add(&t, g_strdup(c.n == 1 ? "(n = 1: no CI)" : "-"));
                }
                tt_add(&t, g_strdup(c.significant ? "*" : ""));
            }
            tt_render(&t, out, "  ");
            g_ptr_array_free(t.cells, TRUE);
        }
        for (unsigned int vi = 0; vi < g->variants->len; vi++)
            if (g->variants->pdata[vi] != base)
                unpaired_text(out, base, g->variants->pdata[vi]);
    }
    return g_string_free(out, FALSE);
}

static json_t *unpaired_json(const struct vrows *base, const struct vrows *v)
{
    json_t *arr = json_array();
    GArray *no_base = missing_seeds(v, base), *no_var = missing_seeds(base, v);

    for (unsigned int i = 0; i < no_base->len; i++)
        json_array_append_new(arr, json_pack("{sssIss}", "variant", v->label, "seed",
                                             (json_int_t)g_array_index(no_base, u64, i),
                                             "missing_in", "baseline"));
    for (unsigned int i = 0; i < no_var->len; i++)
        json_array_append_new(arr, json_pack("{sssIss}", "variant", v->label, "seed",
                                             (json_int_t)g_array_index(no_var, u64, i),
                                             "missing_in", "variant"));
    g_array_free(no_base, TRUE);
    g_array_free(no_var, TRUE);
    return arr;
}

static char *render_json(const struct report *rep)
{
    json_t *root = json_object(), *groups = json_array(), *metrics = json_array();
    char *text, *out;

    json_object_set_new(root, "baseline", json_string(rep->baseline));
    for (unsigned int mi = 0; mi < rep->nr_metrics; mi++)
        json_array_append_new(metrics, json_string(row_columns[rep->metrics[mi]].name));
    json_object_set_new(root, "metrics", metrics);
    for (unsigned int gi = 0; gi < rep->groups->len; gi++) {
        const struct group *g = rep->groups->pdata[gi];
        const struct vrows *base = find_variant(g, rep->baseline);
        json_t *jg = json_object(), *cmps = json_array(), *unpaired = json_array();
        double oc;

        json_object_set_new(jg, "scenario", json_string(g->scenario));
        json_object_set_new(jg, "set", json_string(g->set));
        oc = g_ascii_strtod(g->overcommit, NULL);
        json_object_set_new(jg, "overcommit", g->overcommit[0] ? json_real(oc) : json_null());
        json_object_set_new(jg, "has_baseline", json_boolean(base != NULL));
        for (unsigned int vi = 0; base && vi < g->variants->len; vi++) {
            const struct vrows *v = g->variants->pdata[vi];

            if (v == base)
                continue;
            for (unsigned int mi = 0; mi < rep->nr_metrics; mi++) {
                struct cmp c;
                json_t *jc = json_object();

                compare_metric(base, v, rep->metrics[mi], &c);
                json_object_set_new(jc, "variant", json_string(v->label));
                json_object_set_new(jc, "metric", json_string(row_columns[c.metric].name));
                json_object_set_new(jc, "unit", json_string(row_columns[c.metric].unit));
                json_object_set_new(jc, "n", json_integer(c.n));
                json_object_set_new(jc, "baseline_mean", jnum(c.n > 0, c.base_mean));
                json_object_set_new(jc, "baseline_sd", jnum(c.has_sd, c.base_sd));
                json_object_set_new(jc, "mean", jnum(c.n > 0, c.mean));
                json_object_set_new(jc, "sd", jnum(c.has_sd, c.sd));
                json_object_set_new(jc, "rel_change", jnum(c.has_rel, c.rel));
                json_object_set_new(jc, "diff_mean", jnum(c.n > 0, c.dbar));
                json_object_set_new(jc, "diff_sd", jnum(c.has_sd, c.sd_d));
                json_object_set_new(jc, "t", jnum(c.has_ci, c.t));
                json_object_set_new(jc, "ci_lo", jnum(c.has_ci, c.lo));
                json_object_set_new(jc, "ci_hi", jnum(c.has_ci, c.hi));
                json_object_set_new(jc, "significant", json_boolean(c.significant));
                json_array_append_new(cmps, jc);
            }
            {
                json_t *u = unpaired_json(base, v);

                json_array_extend(unpaired, u);
                json_decref(u);
            }
        }
        json_object_set_new(jg, "comparisons", cmps);
        json_object_set_new(jg, "unpaired", unpaired);
        json_array_append_new(groups, jg);
    }
    json_object_set_new(root, "groups", groups);
    text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    json_decref(root);
    out = g_strconcat(text, "\n", NULL);
    free(text);
    return out;
}

static void tsv_num(GString *out, bool has, double v)
{
    g_string_append_c(out, '\t');
    if (has && isfinite(v))
        g_string_append_printf(out, "%.12g", v);
}

static char *render_tsv(const struct report *rep)
{
    GString *out = g_string_new("scenario\tset\tovercommit\tvariant\tbaseline\tmetric\tunit\tn"
                                "\tbaseline_mean\tbaseline_sd\tmean\tsd\trel_change\tdiff_mean"
                                "\tdiff_sd\tt\tci_lo\tci_hi\tsignificant\n");

    for (unsigned int gi = 0; gi < rep->groups->len; gi++) {
        const struct group *g = rep->groups->pdata[gi];
        const struct vrows *base = find_variant(g, rep->baseline);

        for (unsigned int vi = 0; base && vi < g->variants->len; vi++) {
            const struct vrows *v = g->variants->pdata[vi];

            if (v == base)
                continue;
            for (unsigned int mi = 0; mi < rep->nr_metrics; mi++) {
                struct cmp c;

                compare_metric(base, v, rep->metrics[mi], &c);
                g_string_append_printf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%u", g->scenario, g->set,
                                       g->overcommit, v->label, rep->baseline,
                                       row_columns[c.metric].name, row_columns[c.metric].unit,
                                       c.n);
                tsv_num(out, c.n > 0, c.base_mean);
                tsv_num(out, c.has_sd, c.base_sd);
                tsv_num(out, c.n > 0, c.mean);
                tsv_num(out, c.has_sd, c.sd);
                tsv_num(out, c.has_rel, c.rel);
                tsv_num(out, c.n > 0, c.dbar);
                tsv_num(out, c.has_sd, c.sd_d);
                tsv_num(out, c.has_ci, c.t);
                tsv_num(out, c.has_ci, c.lo);
                tsv_num(out, c.has_ci, c.hi);
                g_string_append_printf(out, "\t%d\n", c.significant ? 1 : 0);
            }
        }
    }
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */

static bool parse_metrics(char **specs, GArray *metrics, GError **error)
{
    for (char **s = specs; s && *s; s++) {
        char **items = cli_split_list(*s);

        for (unsigned int i = 0; items[i]; i++) {
            int c = row_column_find(items[i]);
            enum row_col m;

            if (c < 0 || !row_column_is_number(c) || c == ROW_WALL_S || c == ROW_SEED) {
                GString *names = g_string_new(NULL);

                for (int k = 0; k < ROW_NR_COLS; k++)
                    if (row_column_is_number(k) && k != ROW_WALL_S && k != ROW_SEED)
                        g_string_append_printf(names, "%s%s", names->len ? ", " : "",
                                               row_columns[k].name);
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "--metric: \"%s\" is not a metric (expected one of %s)", items[i],
                            names->str);
                g_string_free(names, TRUE);
                g_strfreev(items);
                return false;
            }
            m = c;
            g_array_append_val(metrics, m);
        }
        g_strfreev(items);
    }
    return true;
}

bool cmd_compare(int argc, char **argv, GError **error)
{
    char *baseline_s = NULL, *format_s = NULL;
    char **metric_specs = NULL;
    const GOptionEntry entries[] = {
        {"baseline", 'b', 0, G_OPTION_ARG_STRING, &baseline_s,
         "Variant label to compare against (default: \"mainline\" if present, else the "
         "variant of the first row)", "LABEL"},
        {"metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metric_specs,
         "Metrics (row columns) to compare, comma-separated, repeatable (default: ops_per_s, "
         "jain_vms, worst_vm_share_vs_entitlement, spin_pct, spin_total_pct, ple_exits, "
         "yield_to_calls, "
         "ipi_lat_p99_us, lock_wait_p99_us)", "M,..."},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
         "Output format: table (default), json or tsv", "FMT"},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *ctx = g_option_context_new("FILE [FILE...]");
    struct row_table **tables = NULL;
    GArray *metrics = g_array_new(FALSE, FALSE, sizeof(enum row_col));
    GPtrArray *groups = NULL;
    struct report rep = {0};
    char *text = NULL;
    bool help_shown, ok = false;
    int nr_tables = 0;

    g_option_context_set_summary(
        ctx, "Compare policy variants with a baseline variant from result-row files (TSV or\n"
             "JSON, as written by vsched sweep).  Rows are grouped by (scenario, set,\n"
             "overcommit); in each group every variant is paired with the baseline by seed.\n"
             "Per metric: n pairs, mean and sd of both, the relative change of the means, and\n"
             "the 95% confidence interval of the paired difference (Student t, n-1 degrees of\n"
             "freedom); * marks a significant difference (the CI excludes 0).");
    g_option_context_set_description(
        ctx, "Seeds present for only one side of a pair are listed and left out.  See\n"
             "docs/sweep.md for the formulas.\n"
             "Exit status: 0 ok, 2 bad option, unreadable or bad row file, duplicate rows.");
    if (!cli_parse("compare", ctx, entries, &argc, &argv, &help_shown, error))
        goto out;
    if (help_shown) {
        ok = true;
        goto out;
    }
    if (argc < 2) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "compare: expected at least one row FILE (see vsched compare --help)");
        goto out;
    }
    if (format_s && strcmp(format_s, "table") && strcmp(format_s, "json") &&
        strcmp(format_s, "tsv")) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--format: expected table, json or tsv, got \"%s\"", format_s);
        goto out;
    }
    if (metric_specs) {
        if (!parse_metrics(metric_specs, metrics, error))
            goto out;
    } else {
        for (unsigned int i = 0; i < G_N_ELEMENTS(default_metrics); i++) {
            enum row_col m = row_column_find(default_metrics[i]);

            g_array_append_val(metrics, m);
        }
    }
    tables = g_new0(struct row_table *, argc);
    for (int i = 1; i < argc; i++) {
        tables[nr_tables] = rows_read_file(argv[i], error);
        if (!tables[nr_tables])
            goto out;
        nr_tables++;
    }
    groups = group_rows(tables, (unsigned int)nr_tables, error);
    if (!groups)
        goto out;

    rep.baseline = baseline_s;
    if (!rep.baseline) {
        for (int f = 0; f < nr_tables && !rep.baseline; f++)
            for (unsigned int i = 0; i < tables[f]->nr_rows; i++)
                if (strcmp(tables[f]->rows[i].variant, "mainline") == 0)
                    rep.baseline = "mainline";
        for (int f = 0; f < nr_tables && !rep.baseline; f++)
            if (tables[f]->nr_rows)
                rep.baseline = tables[f]->rows[0].variant;
    }
    if (!rep.baseline) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "compare: the files hold no rows");
        goto out;
    }
    {
        bool found = false;
        GString *labels = g_string_new(NULL);

        for (unsigned int gi = 0; gi < groups->len; gi++) {
            const struct group *g = groups->pdata[gi];

            for (unsigned int vi = 0; vi < g->variants->len; vi++) {
                const struct vrows *v = g->variants->pdata[vi];
                char *quoted = g_strdup_printf("\"%s\"", v->label);

                found |= strcmp(v->label, rep.baseline) == 0;
                if (!strstr(labels->str, quoted))
                    g_string_append_printf(labels, "%s%s", labels->len ? ", " : "", quoted);
                g_free(quoted);
            }
        }
        if (!found)
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--baseline: no rows of variant \"%s\" (the files have %s)",
                        rep.baseline, labels->str);
        g_string_free(labels, TRUE);
        if (!found)
            goto out;
    }
    rep.metrics = (const enum row_col *)(void *)metrics->data;
    rep.nr_metrics = metrics->len;
    rep.groups = groups;
    if (!format_s || !strcmp(format_s, "table"))
        text = render_table(&rep);
    else if (!strcmp(format_s, "json"))
        text = render_json(&rep);
    else
        text = render_tsv(&rep);
    ok = cli_write_stdout(text, error);
out:
    g_free(text);
    if (groups)
        g_ptr_array_free(groups, TRUE);
    for (int i = 0; i < nr_tables; i++)
        row_table_free(tables[i]);
    g_free(tables);
    g_array_free(metrics, TRUE);
    g_free(baseline_s);
    g_free(format_s);
    g_strfreev(metric_specs);
    g_option_context_free(ctx);
    return ok;
}
