/*
 * src/cli/cmd_sweep.c - "vsched sweep [SCENARIO]": simulate a grid of
 * scenario variations and write one result row per simulation
 * (docs/results-format.md; the grid is defined in docs/sweep.md).
 *
 * The grid, outermost to innermost:
 *   overcommit (--vms or --ratio values, in the order given)
 *   x each --set axis (the first --set varies slowest)
 *   x variants (--policies all first, then --variant in the order given)
 *   x seeds.
 * Every grid point is built up front by editing the scenario's JSON text
 * (jansson; the --set paths are parsed and applied by cli_common.c, shared
 * with "vsched run --set") and loading the result with the ordinary loader,
 * so every point is validated before the first simulation starts.
 *
 * Determinism: rows are kept in grid order whatever order the simulations
 * finish in, and wall-clock time is left out unless --wall, so the output
 * files are byte-identical for any --jobs.  Interruption safety: after each
 * finished run both files are rewritten atomically with every row finished
 * so far; SIGINT stops dispatching, lets the running simulations end, saves
 * and exits with status 130; --resume skips the rows already in PREFIX.tsv.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vsched/policy.h"
#include "vsched/results.h"
#include "vsched/rows.h"
#include "vsched/scenario.h"
#include "vsched/sim.h"

#include "cli.h"
#include "runpool.h"

/* ------------------------------------------------------------------------ */
/* the grid                                                                 */

/* One --set axis. */
struct set_axis {
    char *path;                   /* as given */
    GArray *segs;                 /* parsed path */
    char **values;                /* value texts, NULL-terminated */
    unsigned int n;
};

/* A policy variant. */
struct variant {
    char *label;                  /* the variant column */
    GPtrArray *overrides;         /* "KEY=VALUE" for scenario_apply_policy_override */
};

enum oc_kind {
    OC_NONE,                      /* the scenario as it is */
    OC_VMS,                       /* --vms: vms[0].count */
    OC_RATIO,                     /* --ratio: vcpus_total / host_cpus */
};

/* A grid point: one overcommit value and one value of each --set axis. */
struct point {
    char *desc;                   /* "vms=2, kvm.apicv=off" for messages ("" if none) */
    char *set;                    /* the set column: "path=value;path=value" */
    char *json;                   /* the scenario text of the point */
};

/* A point under a variant: the scenario that is simulated. */
struct cell {
    struct scenario *sc;          /* owned */
    u64 hash;                     /* scenario_hash(sc) */
};

/* One simulation = one row, in grid order. */
struct grid_run {
    unsigned int point, variant;
    u64 seed;
    struct cell *cell;            /* borrowed from sweep.cells */
    struct result_row *row;       /* NULL until finished (or taken from the resumed file) */
    struct run_job job;
};

struct sweep {
    const char *scenario_name;    /* file name or "<default>" (messages, loader) */
    enum oc_kind oc;
    char **oc_values;             /* --vms / --ratio items */
    unsigned int nr_oc;
    struct set_axis *axes;
    unsigned int nr_axes;
    struct variant *variants;
    unsigned int nr_variants;
    u64 *seed_list;               /* --seed-list, or NULL */
    unsigned int nr_seeds;
    bool has_duration;
    u64 duration_ns;
    bool wall;
    struct point *points;
    unsigned int nr_points;
    struct cell *cells;           /* [nr_points * nr_variants] */
    struct grid_run *runs;
    unsigned int nr_runs;
    GPtrArray *extra_rows;        /* resumed rows that are not in this grid (kept, at the end) */
    char *out_tsv, *out_json;     /* --out PREFIX.tsv / .json, or NULL */
    unsigned int nr_resumed;
};

static void sweep_free(struct sweep *sw)
{
    for (unsigned int i = 0; i < sw->nr_axes; i++) {
        g_free(sw->axes[i].path);
        if (sw->axes[i].segs)
            cli_path_free(sw->axes[i].segs);
        g_strfreev(sw->axes[i].values);
    }
    g_free(sw->axes);
    for (unsigned int i = 0; i < sw->nr_variants; i++) {
        g_free(sw->variants[i].label);
        g_ptr_array_free(sw->variants[i].overrides, TRUE);
    }
    g_free(sw->variants);
    g_strfreev(sw->oc_values);
    g_free(sw->seed_list);
    for (unsigned int i = 0; i < sw->nr_points; i++) {
        g_free(sw->points[i].desc);
        g_free(sw->points[i].set);
        g_free(sw->points[i].json);
    }
    g_free(sw->points);
    for (unsigned int i = 0; sw->cells && i < sw->nr_points * sw->nr_variants; i++)
        scenario_free(sw->cells[i].sc);
    g_free(sw->cells);
    for (unsigned int i = 0; i < sw->nr_runs; i++) {
        if (sw->runs[i].row) {
            result_row_clear(sw->runs[i].row);
            g_free(sw->runs[i].row);
        }
        g_clear_error(&sw->runs[i].job.error);
    }
    g_free(sw->runs);
    if (sw->extra_rows)
        g_ptr_array_free(sw->extra_rows, TRUE);
    g_free(sw->out_tsv);
    g_free(sw->out_json);
}

static void row_free(gpointer p)
{
    result_row_clear(p);
    g_free(p);
}

/* Add variant @label with @overrides (NULL-terminated "KEY=VALUE", copied). */
static bool add_variant(struct sweep *sw, const char *label, const char *const *overrides,
                        GError **error)
{
    struct variant *v;

    for (unsigned int i = 0; i < sw->nr_variants; i++) {
        if (strcmp(sw->variants[i].label, label) == 0) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "variant label \"%s\" is used twice (--policies all uses the policy "
                        "names and \"mainline\" as labels)",
                        label);
            return false;
        }
    }
    sw->variants = g_renew(struct variant, sw->variants, sw->nr_variants + 1);
    v = &sw->variants[sw->nr_variants++];
    v->label = g_strdup(label);
    v->overrides = g_ptr_array_new_with_free_func(g_free);
    for (unsigned int i = 0; overrides && overrides[i]; i++)
        g_ptr_array_add(v->overrides, g_strdup(overrides[i]));
    return true;
}

/* "--variant NAME=yield_to:X,directed_yield:Y" (':' or '=' inside the list). */
static bool parse_variant(struct sweep *sw, const char *spec, GError **error)
{
    const char *eq = strchr(spec, '=');
    char *label, **items;
    GPtrArray *kv;
    bool ok = true;

    if (!eq || eq == spec) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--variant: expected NAME=KEY:VALUE,... (e.g. "
                    "v2=yield_to:deboost-v2,directed_yield:ipi-aware-relaxed), got \"%s\"",
                    spec);
        return false;
    }
    label = g_strndup(spec, (gsize)(eq - spec));
    for (const char *c = label; *c; c++) {
        if (g_ascii_iscntrl(*c) || *c == ' ') {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--variant %s: a label may not contain blanks or control characters",
                        label);
            g_free(label);
            return false;
        }
    }
    items = cli_split_list(eq + 1);
    kv = g_ptr_array_new_with_free_func(g_free);
    for (unsigned int i = 0; items[i] && ok; i++) {
        const char *it = items[i];
        size_t sep = strcspn(it, ":=");

        if (!*it && !items[1])
            break; /* "NAME=": the scenario's own policies */
        if (!it[sep] || sep == 0) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--variant %s: expected KEY:VALUE (KEY one of yield_to, directed_yield, "
                        "vcpu_debooster_enabled, ipi_tracking_enabled, ipi_window_ns, "
                        "enable_relaxed_boost), got \"%s\"",
                        label, it);
            ok = false;
            break;
        }
        g_ptr_array_add(kv, g_strdup_printf("%.*s=%s", (int)sep, it, it + sep + 1));
    }
    g_ptr_array_add(kv, NULL);
    if (ok)
        ok = add_variant(sw, label, (const char *const *)kv->pdata, error);
    g_ptr_array_free(kv, TRUE);
    g_strfreev(items);
    g_free(label);
    return ok;
}

/* --policies all | NAME,...: the baseline mainline+mainline, then each
 * named (or every non-mainline) policy of either hook alone. */
static bool add_policy_variants(struct sweep *sw, const char *spec, GError **error)
{
    char **names = cli_split_list(spec);
    bool all = names[0] && !names[1] && strcmp(names[0], "all") == 0, ok = true;
    const char *base[] = {"yield_to=mainline", "directed_yield=mainline", NULL};

    if (!add_variant(sw, "mainline", base, error)) {
        g_strfreev(names);
        return false;
    }
    if (!all) {
        for (unsigned int i = 0; names[i]; i++) {
            if (strcmp(names[i], "mainline") != 0 && !yield_to_policy_find(names[i]) &&
                !dy_policy_find(names[i])) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "--policies: \"%s\" is not a policy (expected \"all\" or names "
                            "from vsched policies)",
                            names[i]);
                g_strfreev(names);
                return false;
            }
        }
    }
    for (unsigned int i = 1; ok && yield_to_policies[i]; i++) {
        const char *n = yield_to_policies[i]->name;
        char *yt = g_strdup_printf("yield_to=%s", n);
        const char *ov[] = {yt, "directed_yield=mainline", NULL};

        if (all || g_strv_contains((const char *const *)names, n))
            ok = add_variant(sw, n, ov, error);
        g_free(yt);
    }
    for (unsigned int i = 1; ok && dy_policies[i]; i++) {
        const char *n = dy_policies[i]->name;
        char *dy = g_strdup_printf("directed_yield=%s", n);
        const char *ov[] = {"yield_to=mainline", dy, NULL};

        if (all || g_strv_contains((const char *const *)names, n))
            ok = add_variant(sw, n, ov, error);
        g_free(dy);
    }
    g_strfreev(names);
    return ok;
}

/* "--set PATH=V1,V2,..." */
static bool parse_set(struct sweep *sw, const char *spec, GError **error)
{
    const char *eq = strchr(spec, '=');
    struct set_axis ax = {0};

    if (!eq || eq == spec) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--set: expected PATH=VALUE[,VALUE...] (e.g. kvm.apicv=off,on,ipiv), got "
                    "\"%s\"",
                    spec);
        return false;
    }
    ax.path = g_strndup(spec, (gsize)(eq - spec));
    g_strstrip(ax.path);
    ax.segs = cli_path_parse(ax.path, error);
    if (!ax.segs) {
        g_free(ax.path);
        return false;
    }
    ax.values = cli_split_list(eq + 1);
    ax.n = g_strv_length(ax.values);
    for (unsigned int i = 0; i < ax.n; i++) {
        if (!ax.values[i][0]) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--set %s: empty value (value %u of \"%s\"; write \"\" for an empty "
                        "string)",
                        ax.path, i + 1, eq + 1);
            g_free(ax.path);
            cli_path_free(ax.segs);
            g_strfreev(ax.values);
            return false;
        }
    }
    sw->axes = g_renew(struct set_axis, sw->axes, sw->nr_axes + 1);
    sw->axes[sw->nr_axes++] = ax;
    return true;
}

/* vCPUs of the VM entries other than vms[0], replicas included. */
static u64 other_vcpus(const struct scenario *sc)
{
    u64 n = 0;

    for (unsigned int i = 1; i < sc->nr_vms; i++)
        n += (u64)sc->vms[i].vcpus * sc->vms[i].count;
    return n;
}

/* Set vms[0].count in @root. */
static bool set_vm_count(json_t *root, guint64 count, GError **error)
{
    json_t *vms = json_object_get(root, "vms"), *vm0 = json_array_get(vms, 0);

    if (!json_is_object(vm0)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--vms/--ratio set vms[0].count, but the scenario has no VMs");
        return false;
    }
    json_object_set_new(vm0, "count", json_integer((json_int_t)count));
    return true;
}

/*
 * --ratio R: the vms[0].count c with (other + c x vcpus0) / host_cpus = R,
 * computed on the point's scenario (after --set: host.cpus may vary).
 */
static bool ratio_count(const char *ratio_s, const struct scenario *sc, guint64 *count,
                        GError **error)
{
    double ratio = g_ascii_strtod(ratio_s, NULL), target, c;
    u64 other;

    if (sc->nr_vms == 0) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--ratio sets vms[0].count, but the scenario has no VMs");
        return false;
    }
    other = other_vcpus(sc);
    target = ratio * sc->host.cpus;
    c = (target - (double)other) / sc->vms[0].vcpus;
    if (fabs(target - round(target)) > 1e-9 || fabs(c - round(c)) > 1e-9 || round(c) < 1) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--ratio %s needs %g vCPUs on %u host CPUs, which whole replicas of "
                    "vms[0] (%u vCPUs each, besides %llu vCPUs of the other VMs) cannot make "
                    "(docs/sweep.md)",
                    ratio_s, target, sc->host.cpus, sc->vms[0].vcpus,
                    (unsigned long long)other);
        return false;
    }
    *count = (guint64)round(c);
    return true;
}

static bool parse_oc_values(struct sweep *sw, const char *opt, const char *list, GError **error)
{
    sw->oc_values = cli_split_list(list);
    sw->nr_oc = g_strv_length(sw->oc_values);
    for (unsigned int i = 0; i < sw->nr_oc; i++) {
        const char *v = sw->oc_values[i];
        guint64 n;

        if (sw->oc == OC_VMS) {
            if (!cli_parse_uint(opt, v, 1, 4096, &n, error))
                return false;
        } else {
            char *end = NULL;
            double r = g_ascii_strtod(v, &end);

            if (!*v || *end || !isfinite(r) || !(r > 0)) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "%s: expected vCPU:pCPU ratios > 0 (e.g. 1,2,4), got \"%s\"", opt, v);
                return false;
            }
        }
    }
    return true;
}

static const char *point_desc(const struct point *pt)
{
    return pt->desc[0] ? pt->desc : "the scenario as it is";
}

/* Build the JSON text of every grid point (sets, then overcommit). */
static bool build_points(struct sweep *sw, json_t *base, GError **error)
{
    unsigned int nr_oc = sw->oc == OC_NONE ? 1 : sw->nr_oc;
    unsigned int *digit = g_new0(unsigned int, sw->nr_axes + 1);
    bool ok = false;

    sw->nr_points = nr_oc;
    for (unsigned int a = 0; a < sw->nr_axes; a++)
        sw->nr_points *= sw->axes[a].n;
    sw->points = g_new0(struct point, sw->nr_points);

    /* Mixed-radix counter: overcommit slowest, the last --set fastest. */
    for (unsigned int p = 0; p < sw->nr_points; p++) {
        struct point *pt = &sw->points[p];
        json_t *root = json_deep_copy(base);
        GString *desc = g_string_new(NULL), *set = g_string_new(NULL);
        unsigned int rem = p;
        const char *ocv = NULL;

        for (int a = (int)sw->nr_axes - 1; a >= 0; a--) {
            digit[a + 1] = rem % sw->axes[a].n;
            rem /= sw->axes[a].n;
        }
        digit[0] = rem;
        if (sw->oc != OC_NONE) {
            ocv = sw->oc_values[digit[0]];
            g_string_append_printf(desc, "%s=%s", sw->oc == OC_VMS ? "vms" : "ratio", ocv);
        }
        for (unsigned int a = 0; a < sw->nr_axes; a++) {
            const char *v = sw->axes[a].values[digit[a + 1]];

            g_string_append_printf(desc, "%s%s=%s", desc->len ? ", " : "", sw->axes[a].path, v);
            g_string_append_printf(set, "%s%s=%s", set->len ? ";" : "", sw->axes[a].path, v);
        }
        pt->desc = g_string_free(desc, FALSE);
        pt->set = g_string_free(set, FALSE);

        for (unsigned int a = 0; a < sw->nr_axes; a++) {
            const char *v = sw->axes[a].values[digit[a + 1]];

            if (!cli_path_set(root, sw->axes[a].path, sw->axes[a].segs, cli_set_value_json(v),
                              error))
                goto point_fail;
        }
        if (sw->oc == OC_VMS) {
            if (!set_vm_count(root, g_ascii_strtoull(ocv, NULL, 10), error))
                goto point_fail;
        } else if (sw->oc == OC_RATIO) {
            char *text = json_dumps(root, JSON_COMPACT);
            struct scenario *sc = scenario_load_string(text, sw->scenario_name, error);
            guint64 count = 0;
            bool got;

            free(text);
            got = sc && ratio_count(ocv, sc, &count, error);
            scenario_free(sc);
            if (!got || !set_vm_count(root, count, error))
                goto point_fail;
        }
        {
            char *text = json_dumps(root, JSON_COMPACT);

            pt->json = g_strdup(text);
            free(text);
        }
        json_decref(root);
        continue;
point_fail:
        g_prefix_error(error, "grid point %u of %u (%s): ", p + 1, sw->nr_points,
                       point_desc(pt));
        json_decref(root);
        goto out;
    }
    ok = true;
out:
    g_free(digit);
    return ok;
}

/* Load every (point, variant) scenario and lay out the runs in grid order. */
static bool build_runs(struct sweep *sw, guint64 nr_seeds, GError **error)
{
    unsigned int nr_cells = sw->nr_points * sw->nr_variants;
    GArray *runs = g_array_new(FALSE, TRUE, sizeof(struct grid_run));

    sw->cells = g_new0(struct cell, nr_cells);
    for (unsigned int p = 0; p < sw->nr_points; p++) {
        for (unsigned int v = 0; v < sw->nr_variants; v++) {
            struct cell *c = &sw->cells[p * sw->nr_variants + v];
            const struct variant *var = &sw->variants[v];
            const char *pdesc = point_desc(&sw->points[p]);
            u64 base;

            c->sc = scenario_load_string(sw->points[p].json, sw->scenario_name, error);
            if (!c->sc) {
                g_prefix_error(error, "grid point %u of %u (%s): ", p + 1, sw->nr_points, pdesc);
                goto fail;
            }
            for (unsigned int k = 0; k < var->overrides->len; k++) {
                if (!scenario_apply_policy_override(c->sc, var->overrides->pdata[k], error)) {
                    g_prefix_error(error, "grid point %u of %u (%s), variant %s: ", p + 1,
                                   sw->nr_points, pdesc, var->label);
                    goto fail;
                }
            }
            if (sw->has_duration)
                c->sc->duration_ns = sw->duration_ns;
            c->hash = scenario_hash(c->sc);
            base = c->sc->seed;
            if (!sw->seed_list && base + nr_seeds - 1 > (u64)G_MAXINT64) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "--seeds %llu: seeds from %llu would pass 2^63-1",
                            (unsigned long long)nr_seeds, (unsigned long long)base);
                goto fail;
            }
            for (unsigned int s = 0; s < (sw->seed_list ? sw->nr_seeds : nr_seeds); s++) {
                struct grid_run r = {.point = p, .variant = v, .cell = c};

                r.seed = sw->seed_list ? sw->seed_list[s] : base + s;
                g_array_append_val(runs, r);
            }
        }
    }
    sw->nr_runs = runs->len;
    sw->runs = (struct grid_run *)(void *)g_array_free(runs, FALSE);
    return true;
fail:
    g_array_free(runs, TRUE);
    return false;
}

/* ------------------------------------------------------------------------ */
/* resume and output                                                        */

static char *run_key(u64 hash, const char *variant, const char *set, u64 seed)
{
    return g_strdup_printf("%016llx\t%s\t%s\t%llu", (unsigned long long)hash, variant, set,
                           (unsigned long long)seed);
}

/* Take the finished rows of PREFIX.tsv: grid runs they match are done. */
static bool resume_rows(struct sweep *sw, GError **error)
{
    GHashTable *idx = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    struct row_table *t;
    GError *err = NULL;
    unsigned int extras = 0;

    sw->extra_rows = g_ptr_array_new_with_free_func(row_free);
    if (!g_file_test(sw->out_tsv, G_FILE_TEST_EXISTS)) {
        g_hash_table_destroy(idx);
        return true; /* nothing to resume: a fresh sweep */
    }
    t = rows_read_file(sw->out_tsv, &err);
    if (!t) {
        g_propagate_prefixed_error(error, err, "--resume: ");
        g_hash_table_destroy(idx);
        return false;
    }
    for (unsigned int i = 0; i < sw->nr_runs; i++) {
        struct grid_run *r = &sw->runs[i];

        g_hash_table_insert(idx,
                            run_key(r->cell->hash, sw->variants[r->variant].label,
                                    sw->points[r->point].set, r->seed),
                            r);
    }
    for (unsigned int i = 0; i < t->nr_rows; i++) {
        struct result_row *row = g_new(struct result_row, 1), *src = &t->rows[i];
        char *key = run_key(src->scenario_hash, src->variant, src->set, src->seed);
        struct grid_run *r = row_has(src, ROW_SCENARIO_HASH) ? g_hash_table_lookup(idx, key)
                                                             : NULL;

        result_row_copy(row, src);
        if (r && !r->row) {
            r->row = row;
            sw->nr_resumed++;
        } else {
            g_ptr_array_add(sw->extra_rows, row);
            extras++;
        }
        g_free(key);
    }
    if (extras)
        fprintf(stderr,
                "vsched: --resume: %u row(s) of %s are not part of this grid; they are kept "
                "after the grid's rows\n",
                extras, sw->out_tsv);
    row_table_free(t);
    g_hash_table_destroy(idx);
    return true;
}

/* The finished rows in grid order, then the resumed extras (shallow). */
static GArray *collect_rows(const struct sweep *sw)
{
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct result_row));

    for (unsigned int i = 0; i < sw->nr_runs; i++)
        if (sw->runs[i].row)
            g_array_append_val(rows, *sw->runs[i].row);
    for (unsigned int i = 0; sw->extra_rows && i < sw->extra_rows->len; i++)
        g_array_append_val(rows, *(struct result_row *)sw->extra_rows->pdata[i]);
    return rows;
}

static bool write_outputs(const struct sweep *sw, GError **error)
{
    GArray *rows = collect_rows(sw);
    char *tsv = rows_render_tsv((struct result_row *)(void *)rows->data, rows->len);
    char *json = rows_render_json((struct result_row *)(void *)rows->data, rows->len);
    bool ok = write_file_atomic(sw->out_tsv, tsv, strlen(tsv), error) &&
              write_file_atomic(sw->out_json, json, strlen(json), error);

    g_free(tsv);
    g_free(json);
    g_array_free(rows, TRUE);
    return ok;
}

/* A run finished (calling thread): fill its row and save everything so far. */
static bool on_done(struct run_job *job, void *arg, GError **error)
{
    struct sweep *sw = arg;
    struct grid_run *r = job->user;
    struct row_meta meta = {
        .variant = sw->variants[r->variant].label,
        .set = sw->points[r->point].set,
        .seed = r->seed,
        .scenario_hash = r->cell->hash,
        .with_wall = sw->wall,
    };

    r->row = g_new(struct result_row, 1);
    result_row_fill(r->row, job->res, &meta);
    return sw->out_tsv ? write_outputs(sw, error) : true;
}

static void print_dry_run(const struct sweep *sw)
{
    printf("run\tpoint\tvariant\tseed\tscenario_hash\tset\n");
    for (unsigned int i = 0; i < sw->nr_runs; i++) {
        const struct grid_run *r = &sw->runs[i];

        printf("%u\t%s\t%s\t%llu\t%016llx\t%s\n", i + 1,
               sw->points[r->point].desc[0] ? sw->points[r->point].desc : "-",
               sw->variants[r->variant].label, (unsigned long long)r->seed,
               (unsigned long long)r->cell->hash, sw->points[r->point].set);
    }
    printf("# %u runs: %u grid point%s x %u variant%s x %u seed%s\n", sw->nr_runs, sw->nr_points,
           sw->nr_points == 1 ? "" : "s", sw->nr_variants, sw->nr_variants == 1 ? "" : "s",
           sw->nr_runs / (sw->nr_points * sw->nr_variants),
           sw->nr_runs == sw->nr_points * sw->nr_variants ? "" : "s");
}

/* ------------------------------------------------------------------------ */

bool cmd_sweep(int argc, char **argv, GError **error)
{
    char *vms_s = NULL, *ratio_s = NULL, *policies_s = NULL, *seeds_s = NULL;
    char *seed_list_s = NULL, *duration_s = NULL, *jobs_s = NULL, *out_prefix = NULL;
    char *format_s = NULL;
    char **variant_specs = NULL, **set_specs = NULL;
    gboolean resume = FALSE, show_progress = FALSE, wall = FALSE, dry_run = FALSE;
    const GOptionEntry entries[] = {
        {"vms", 0, 0, G_OPTION_ARG_STRING, &vms_s,
         "Numbers of VMs: sets the count (replicas) of the scenario's FIRST VM entry, vms[0]; "
         "other entries stay as they are", "N,N,..."},
        {"ratio", 0, 0, G_OPTION_ARG_STRING, &ratio_s,
         "vCPU:pCPU ratios: sets vms[0].count so that vcpus_total / host_cpus equals each "
         "ratio (an error if no whole count does)", "R,R,..."},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_specs,
         "Vary a scenario value (repeatable): dotted JSON path with [N] for array elements, "
         "values parsed as JSON, else taken as strings; e.g. kvm.apicv=off,on,ipiv or "
         "vms[0].workload.cs_us=1,2", "PATH=V,V,..."},
        {"variant", 'V', 0, G_OPTION_ARG_STRING_ARRAY, &variant_specs,
         "A policy variant labelled NAME (repeatable): KEY:VALUE pairs of vsched run's "
         "--policy keys, e.g. v2=yield_to:deboost-v2,directed_yield:ipi-aware-relaxed",
         "NAME=KEY:VALUE,..."},
        {"policies", 0, 0, G_OPTION_ARG_STRING, &policies_s,
         "\"all\": the baseline \"mainline\" (mainline + mainline) plus every other policy of "
         "each hook alone, labelled by its name; or a list of policy names", "all|NAME,..."},
        {"seeds", 'n', 0, G_OPTION_ARG_STRING, &seeds_s,
         "Replicates: seeds BASE .. BASE+N-1, BASE = the scenario's seed (default 1 replicate)",
         "N"},
        {"seed-list", 0, 0, G_OPTION_ARG_STRING, &seed_list_s, "Explicit seeds instead of --seeds",
         "S,S,..."},
        {"duration-ms", 0, 0, G_OPTION_ARG_STRING, &duration_s,
         "Simulated time of every run (ms, > 0; default: the scenario's)", "MS"},
        {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_s,
         "Simulations run in parallel (default: the number of CPUs)", "N"},
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_prefix,
         "Write PREFIX.tsv and PREFIX.json, rewritten atomically after every finished run "
         "(default: print the rows on stdout at the end)", "PREFIX"},
        {"resume", 'r', 0, G_OPTION_ARG_NONE, &resume,
         "Keep the rows already in PREFIX.tsv and run only the missing grid points", NULL},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
         "Format on stdout without --out: tsv (default) or json", "FMT"},
        {"wall", 0, 0, G_OPTION_ARG_NONE, &wall,
         "Fill the wall_s column (the output is then no longer reproducible)", NULL},
        {"progress", 0, 0, G_OPTION_ARG_NONE, &show_progress,
         "Show progress on stderr even when stderr is not a terminal", NULL},
        {"dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
         "Validate every grid point and list the runs in grid order, without simulating", NULL},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *ctx = g_option_context_new("[SCENARIO]");
    struct sweep sw = {0};
    json_t *base = NULL;
    guint64 nr_seeds = 1, jobs = (guint64)g_get_num_processors();
    struct run_job **todo = NULL;
    unsigned int nr_todo = 0;
    struct runpool_opts ro = {0};
    bool help_shown, ok = false, json_out = false;
    GError *err = NULL;

    g_option_context_set_summary(
        ctx, "Simulate a grid over SCENARIO (default: the embedded two-VM dbench scenario)\n"
             "and write one result row per simulation (docs/results-format.md).  The grid,\n"
             "outermost first: --vms/--ratio values x each --set's values (first --set\n"
             "slowest) x variants x seeds.  Every grid point is validated before the first\n"
             "simulation starts.");
    g_option_context_set_description(
        ctx,
        "Overcommit: \"--vms N\" sets vms[0].count = N, so with the default scenario (vm0 and\n"
        "vm1) --vms 1,2,3,4 gives 2..5 VMs; the nr_vms and overcommit (= vcpus_total /\n"
        "host_cpus) columns report what was simulated.  \"--ratio R\" picks vms[0].count so\n"
        "that vcpus_total / host_cpus = R (after the --set values of the point).\n"
        "Variants: without --variant/--policies, one variant \"scenario\" (its own\n"
        "policies).  Rows are in grid order and identical for any --jobs; wall_s is empty\n"
        "unless --wall.  Ctrl-C stops dispatching, waits for the running simulations, saves\n"
        "the finished rows and exits with 130; --resume continues.  See docs/sweep.md.\n"
        "Exit status: 0 ok, 2 bad option or grid point, 1 output not writable, 130 interrupted.\n"
        "\n"
        "Example:\n"
        "  vsched sweep --vms 1,2,3,4 --policies all --seeds 5 --duration-ms 200 --out r/dbench");
    if (!cli_parse("sweep", ctx, entries, &argc, &argv, &help_shown, error))
        goto out;
    if (help_shown) {
        ok = true;
        goto out;
    }
    if (argc > 2) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "sweep: expected at most one SCENARIO, got %d arguments (see vsched sweep "
                    "--help)",
                    argc - 1);
        goto out;
    }
    if (vms_s && ratio_s) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--vms and --ratio both set vms[0].count: give one of them");
        goto out;
    }
    if (seeds_s && seed_list_s) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "give either --seeds or --seed-list");
        goto out;
    }
    if (resume && !out_prefix) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "--resume needs --out PREFIX (it continues PREFIX.tsv)");
        goto out;
    }
    if (format_s) {
        if (strcmp(format_s, "json") == 0) {
            json_out = true;
        } else if (strcmp(format_s, "tsv") != 0) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--format: expected tsv or json, got \"%s\"", format_s);
            goto out;
        }
    }
    if (jobs_s && !cli_parse_uint("--jobs", jobs_s, 1, 1024, &jobs, error))
        goto out;
    if (seeds_s && !cli_parse_uint("--seeds", seeds_s, 1, 1000000, &nr_seeds, error))
        goto out;
    if (seed_list_s) {
        char **items = cli_split_list(seed_list_s);

        sw.nr_seeds = g_strv_length(items);
        sw.seed_list = g_new0(u64, MAX(sw.nr_seeds, 1));
        for (unsigned int i = 0; i < sw.nr_seeds; i++) {
            guint64 s;

            if (!cli_parse_uint("--seed-list", items[i], 0, G_MAXINT64, &s, error)) {
                g_strfreev(items);
                goto out;
            }
            for (unsigned int k = 0; k < i; k++) {
                if (sw.seed_list[k] == s) {
                    g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                                "--seed-list: seed %llu is given twice", (unsigned long long)s);
                    g_strfreev(items);
                    goto out;
                }
            }
            sw.seed_list[i] = s;
        }
        g_strfreev(items);
    }
    if (duration_s) {
        if (!cli_parse_duration_ms("--duration-ms", duration_s, &sw.duration_ns, error))
            goto out;
        sw.has_duration = true;
    }
    sw.wall = wall;

    /* The base scenario: the loader's message if it is bad, then its JSON. */
    base = cli_scenario_json(argc == 2 ? argv[1] : NULL, error);
    if (!base)
        goto out;
    sw.scenario_name = argc == 2 ? argv[1] : "<default>";

    if (vms_s || ratio_s) {
        sw.oc = vms_s ? OC_VMS : OC_RATIO;
        if (!parse_oc_values(&sw, vms_s ? "--vms" : "--ratio", vms_s ? vms_s : ratio_s, error))
            goto out;
    }
    for (char **s = set_specs; s && *s; s++) {
        if (!parse_set(&sw, *s, error))
            goto out;
        if (sw.oc != OC_NONE && strcmp(sw.axes[sw.nr_axes - 1].path, "vms[0].count") == 0) {
            g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                        "--set vms[0].count conflicts with %s, which sets it",
                        vms_s ? "--vms" : "--ratio");
            goto out;
        }
        for (unsigned int a = 0; a + 1 < sw.nr_axes; a++) {
            if (strcmp(sw.axes[a].path, sw.axes[sw.nr_axes - 1].path) == 0) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "--set %s is given twice",
                            sw.axes[a].path);
                goto out;
            }
        }
    }
    if (policies_s && !add_policy_variants(&sw, policies_s, error))
        goto out;
    for (char **v = variant_specs; v && *v; v++)
        if (!parse_variant(&sw, *v, error))
            goto out;
    if (sw.nr_variants == 0 && !add_variant(&sw, "scenario", NULL, error))
        goto out;

    if (!build_points(&sw, base, error) || !build_runs(&sw, nr_seeds, error))
        goto out;
    if (dry_run) {
        print_dry_run(&sw);
        ok = true;
        goto out;
    }

    if (out_prefix) {
        sw.out_tsv = g_strconcat(out_prefix, ".tsv", NULL);
        sw.out_json = g_strconcat(out_prefix, ".json", NULL);
        if (!cli_check_out_dir(sw.out_tsv, error))
            goto out;
        if (resume && !resume_rows(&sw, error))
            goto out;
    }

    todo = g_new0(struct run_job *, MAX(sw.nr_runs, 1));
    for (unsigned int i = 0; i < sw.nr_runs; i++) {
        struct grid_run *r = &sw.runs[i];

        if (r->row)
            continue; /* resumed */
        r->job.sc = r->cell->sc;
        r->job.opt.has_seed = true;
        r->job.opt.seed = r->seed;
        r->job.user = r;
        todo[nr_todo++] = &r->job;
    }
    if (resume)
        fprintf(stderr, "vsched: --resume: %u of %u runs already in %s, %u to run\n",
                sw.nr_resumed, sw.nr_runs, sw.out_tsv, nr_todo);

    ro.jobs = (unsigned int)jobs;
    ro.progress_tty = isatty(STDERR_FILENO);
    ro.progress = ro.progress_tty || show_progress;
    ro.handle_sigint = true;
    ok = runpool_run(todo, nr_todo, &ro, on_done, &sw, &err);

    /* Save whatever is finished, also after an interrupt. */
    if (sw.out_tsv) {
        GError *werr = NULL;

        if (!write_outputs(&sw, &werr)) {
            if (!err)
                err = werr;
            else
                g_error_free(werr);
            ok = false;
        }
    } else if (ok || (err && g_error_matches(err, CLI_ERROR, CLI_ERROR_INTERRUPTED))) {
        GArray *rows = collect_rows(&sw);
        char *text = json_out
                         ? rows_render_json((struct result_row *)(void *)rows->data, rows->len)
                         : rows_render_tsv((struct result_row *)(void *)rows->data, rows->len);

        if (!cli_write_stdout(text, err ? NULL : &err))
            ok = false;
        g_free(text);
        g_array_free(rows, TRUE);
    }
    if (err) {
        if (g_error_matches(err, CLI_ERROR, CLI_ERROR_INTERRUPTED) && sw.out_tsv) {
            char *msg = g_strdup_printf("%s; %s has the rows finished so far (run the same "
                                        "command with --resume to continue)",
                                        err->message, sw.out_tsv);

            g_free(err->message);
            err->message = msg;
        }
        g_propagate_error(error, err);
        ok = false;
    }
out:
    g_free(todo);
    json_decref(base);
    sweep_free(&sw);
    g_free(vms_s);
    g_free(ratio_s);
    g_free(policies_s);
    g_free(seeds_s);
    g_free(seed_list_s);
    g_free(duration_s);
    g_free(jobs_s);
    g_free(out_prefix);
    g_free(format_s);
    g_strfreev(variant_specs);
    g_strfreev(set_specs);
    g_option_context_free(ctx);
    return ok;
}
