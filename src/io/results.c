/*
 * src/io/results.c - rendering a run's results (struct sim_result) as an
 * aligned human-readable table, JSON or TSV, and writing files atomically.
 *
 * Determinism: JSON and TSV leave out the wall-clock time unless asked for
 * it, print doubles with a fixed precision (JSON_REAL_PRECISION(10) and
 * "%.6f") and keep keys in a fixed order, so the same scenario and seed give
 * byte-identical output; tests and regression scripts rely on that.
 * Units are in every key and column name (_ns, _s, "(ms)").
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <jansson.h>

#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/results.h"
#include "vsched/version.h"

bool result_format_parse(const char *s, enum result_format *out)
{
    static const struct {
        const char *name;          /* command-line spelling */
        enum result_format fmt;    /* the format it selects */
    } formats[] = {
        {"table", FORMAT_TABLE},
        {"json", FORMAT_JSON},
        {"tsv", FORMAT_TSV},
    };

    if (!s)
        return false;
    for (unsigned int i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *out = formats[i].fmt;
            return true;
        }
    }
    return false;
}

static double ns_to_ms(u64 ns)
{
    return (double)ns / 1e6;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */

/* A JSON string from arbitrary bytes (invalid UTF-8 is repaired, NULL is ""). */
static json_t *jstr(const char *s)
{
    char *valid;
    json_t *j;

    if (!s)
        return json_string("");
    if (g_utf8_validate(s, -1, NULL))
        return json_string(s);
    valid = g_utf8_make_valid(s, -1);
    j = json_string(valid);
    g_free(valid);
    return j;
}

static json_t *ju64(u64 v)
{
    /* MODEL: counters and times stay far below 2^63 (the loader caps times
     * at 1e18 ns), so the signed json_int_t is enough. */
    return json_integer((json_int_t)v);
}

/* NaN/inf (e.g. shares when no task ran) become null: JSON has no NaN. */
static json_t *jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jpair(const char *k1, u64 v1, const char *k2, u64 v2)
{
    json_t *o = json_object();

    json_object_set_new(o, k1, ju64(v1));
    json_object_set_new(o, k2, ju64(v2));
    return o;
}

static json_t *policy_json(const struct sim_result *r)
{
    const struct policy_stats *p = &r->pstats;
    json_t *o = json_object(), *c = json_object(), *pen = json_object();

    json_object_set_new(o, "yield_to", jstr(r->yield_to_policy));
    json_object_set_new(o, "directed_yield", jstr(r->dy_policy));
    json_object_set_new(o, "vcpu_debooster_enabled", json_boolean(r->knobs.vcpu_debooster_enabled));
    json_object_set_new(o, "ipi_tracking_enabled", json_boolean(r->knobs.ipi_tracking_enabled));
    json_object_set_new(o, "ipi_window_ns", ju64(r->knobs.ipi_window_ns));
    json_object_set_new(o, "enable_relaxed_boost", json_boolean(r->knobs.enable_relaxed_boost));
#define C(name) json_object_set_new(c, #name, ju64(p->name))
    C(yield_to_calls);
    C(yield_to_true);
    C(yield_to_false);
    C(deboost_attempts);
    C(deboost_applied);
    C(deboost_skip_disabled);
    C(deboost_skip_rate_limited);
    C(deboost_skip_validation);
    C(deboost_skip_no_lca);
    C(deboost_skip_overflow);
    C(deboost_debounced);
    C(deboost_debounce_reduced);
    C(deboost_lag_checks);
    C(deboost_lag_clamp_cut);
    C(deboost_lag_clamp_cut_ns);
    C(credit_yields);
    C(credit_remote);
    C(credit_levels);
    C(credit_levels_curr);
    C(credit_clamped);
    C(credit_forced_resched);
    C(credit_resched_rate_limited);
    C(prateek_levels_pushed);
    C(prateek_stop_ineligible);
    C(prateek_stop_zero_weight);
    C(prateek_not_curr);
#undef C
    json_object_set_new(pen, "p50", ju64(hist_quantile(&p->deboost_penalty_ns, 0.5)));
    json_object_set_new(pen, "p99", ju64(hist_quantile(&p->deboost_penalty_ns, 0.99)));
    json_object_set_new(pen, "max", ju64(p->deboost_penalty_ns.max));
    json_object_set_new(c, "deboost_penalty_ns", pen);
    json_object_set_new(o, "counters", c);
    return o;
}

static json_t *vm_json(const struct vm_result *v)
{
    json_t *o = json_object(), *exits = json_object(), *yt = json_object();
    json_t *ipis = json_object(), *lat = json_object();

    json_object_set_new(o, "name", jstr(v->name));
    json_object_set_new(o, "cgroup", jstr(v->cgroup));
    json_object_set_new(o, "workload", jstr(v->workload));
    json_object_set_new(o, "vcpus", json_integer(v->vcpus));
    json_object_set_new(o, "ops", ju64(v->ops));
    json_object_set_new(o, "ops_per_sec", jreal(v->ops_per_sec));
    json_object_set_new(o, "cpu_ns", ju64(v->cpu_ns));
    json_object_set_new(o, "guest_ns", ju64(v->guest_ns));
    json_object_set_new(o, "spin_ns", ju64(v->spin_ns));
    json_object_set_new(o, "spin_host_ns", ju64(v->spin_host_ns));
    json_object_set_new(o, "host_ns", ju64(v->host_ns));
    json_object_set_new(o, "halt_poll_ns", ju64(v->poll_ns));
    for (unsigned int e = 0; e < G_N_ELEMENTS(v->exits); e++) {
        /* An s390 exit: reported only for s390 guests, so that x86 output
         * is what it was before the s390 path existed. */
        if (e == KVM_EXIT_DIAG_9C && !v->s390)
            continue;
        json_object_set_new(exits, kvm_exit_names[e], ju64(v->exits[e]));
    }
    json_object_set_new(o, "exits", exits);
    json_object_set_new(o, "kvm_vcpu_on_spin", ju64(v->on_spin));
    json_object_set_new(yt, "attempts", ju64(v->yt_attempts));
    json_object_set_new(yt, "success", ju64(v->yt_success));
    json_object_set_new(yt, "esrch", ju64(v->yt_esrch));
    json_object_set_new(yt, "zero", ju64(v->yt_zero));
    json_object_set_new(o, "yield_to", yt);
    if (v->s390)
        json_object_set_new(o, "diag_9c",
                            jpair("calls", v->diag_9c, "ignored", v->diag_9c_ignored));
    json_object_set_new(ipis, "sent", ju64(v->ipis_sent));
    json_object_set_new(ipis, "received", ju64(v->ipis_received));
    json_object_set_new(o, "ipis", ipis);
    json_object_set_new(lat, "p50", ju64(v->ipi_lat_p50));
    json_object_set_new(lat, "p99", ju64(v->ipi_lat_p99));
    json_object_set_new(lat, "max", ju64(v->ipi_lat_max));
    json_object_set_new(o, "ipi_latency_ns", lat);
    json_object_set_new(o, "lock_acquisitions", ju64(v->lock_acquisitions));
    json_object_set_new(o, "lock_wait_ns", jpair("p50", v->lock_wait_p50, "p99", v->lock_wait_p99));
    json_object_set_new(o, "lock_hold_ns", jpair("p50", v->lock_hold_p50, "p99", v->lock_hold_p99));
    json_object_set_new(o, "lock_holder_preempted", ju64(v->lock_holder_preempted));
    json_object_set_new(o, "pv_kicks", ju64(v->pv_kicks));
    json_object_set_new(o, "pv_wait_early", ju64(v->pv_wait_early));
    json_object_set_new(o, "pv_lock_steals", ju64(v->pv_lock_steals));
    json_object_set_new(o, "tlb_skipped_preempted", ju64(v->tlb_skipped_preempted));
    json_object_set_new(o, "tlb_skipped_lazy", ju64(v->tlb_skipped_lazy));
    json_object_set_new(o, "halt_wakeups", ju64(v->halt_wakeups));
    json_object_set_new(o, "halt_poll_success", ju64(v->halt_poll_success));
    json_object_set_new(o, "pv_eois", ju64(v->pv_eois));
    json_object_set_new(o, "guest_thread_switches", ju64(v->guest_thread_switches));
    json_object_set_new(o, "guest_thread_preemptions", ju64(v->guest_thread_preemptions));
    json_object_set_new(o, "guest_ticks", ju64(v->guest_ticks));
    json_object_set_new(o, "pv_spurious_wakeups", ju64(v->pv_spurious_wakeups));
    json_object_set_new(o, "pv_wait_again", ju64(v->pv_wait_again));
    {
        json_t *dy = json_object(), *tiers = json_array();

        json_object_set_new(dy, "ipi_track_records", ju64(v->ipi_track_records));
        json_object_set_new(dy, "eoi_clear_receiver", ju64(v->ipi_eoi_clear_receiver));
        json_object_set_new(dy, "eoi_clear_sender", ju64(v->ipi_eoi_clear_sender));
        json_object_set_new(dy, "stale", ju64(v->ipi_stale));
        for (unsigned int t = 0; t < 3; t++)
            json_array_append_new(tiers, ju64(v->dy_tier[t]));
        json_object_set_new(dy, "tier_hits", tiers);
        json_object_set_new(dy, "relaxed_rounds", ju64(v->dy_relaxed_rounds));
        json_object_set_new(dy, "relaxed_hits", ju64(v->dy_relaxed_hits));
        json_object_set_new(dy, "hint_hits", ju64(v->dy_hint_hits));
        json_object_set_new(dy, "hint_fallbacks", ju64(v->dy_hint_fallbacks));
        json_object_set_new(o, "directed_yield", dy);
    }
    json_object_set_new(o, "share", jreal(v->share));
    json_object_set_new(o, "entitlement", jreal(v->entitlement));
    json_object_set_new(o, "share_vs_entitlement", jreal(v->share_vs_entitlement));
    return o;
}

static char *render_json(const struct sim_result *r, bool with_wall)
{
    json_t *root = json_object(), *tasks = json_array(), *cpus = json_array();
    json_t *cgroups = json_array(), *fair = json_object();
    char hash[17];
    char *text, *out;

    g_snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)r->scenario_hash);
    json_object_set_new(root, "vsched_version", json_string(VSCHED_VERSION));
    json_object_set_new(root, "scenario", jstr(r->scenario));
    json_object_set_new(root, "file", jstr(r->file));
    json_object_set_new(root, "scenario_hash", json_string(hash));
    json_object_set_new(root, "seed", ju64(r->seed));
    json_object_set_new(root, "profile", jstr(r->profile));
    json_object_set_new(root, "pick", jstr(r->pick));
    json_object_set_new(root, "sim_ns", ju64(r->sim_ns));
    json_object_set_new(root, "events", ju64(r->events));
    if (with_wall)
        json_object_set_new(root, "wall_s", jreal(r->wall_s));

    for (unsigned int i = 0; i < r->nr_tasks; i++) {
        const struct task_result *t = &r->tasks[i];
        json_t *jt = json_object();

        json_object_set_new(jt, "name", jstr(t->name));
        json_object_set_new(jt, "cgroup", jstr(t->cgroup));
        json_object_set_new(jt, "nice", json_integer(t->nice));
        json_object_set_new(jt, "cpu_ns", ju64(t->cpu_ns));
        json_object_set_new(jt, "share", jreal(t->share));
        json_object_set_new(jt, "nr_switches", ju64(t->nr_switches));
        json_object_set_new(jt, "nr_yields", ju64(t->nr_yields));
        json_object_set_new(jt, "nr_wakeups", ju64(t->nr_wakeups));
        json_object_set_new(jt, "nr_migrations", ju64(t->nr_migrations));
        json_object_set_new(jt, "run_p50_ns", ju64(t->run_p50_ns));
        json_object_set_new(jt, "run_p99_ns", ju64(t->run_p99_ns));
        json_array_append_new(tasks, jt);
    }
    json_object_set_new(root, "tasks", tasks);

    for (unsigned int i = 0; i < r->nr_cpus; i++) {
        const struct cpu_result *c = &r->cpus[i];
        json_t *jc = json_object();

        json_object_set_new(jc, "id", json_integer(c->id));
        json_object_set_new(jc, "busy_ns", ju64(c->busy_ns));
        json_object_set_new(jc, "nr_switches", ju64(c->nr_switches));
        json_array_append_new(cpus, jc);
    }
    json_object_set_new(root, "cpus", cpus);

    for (unsigned int i = 0; i < r->nr_cgroups; i++) {
        const struct cgroup_result *g = &r->cgroups[i];
        json_t *jg = json_object();

        json_object_set_new(jg, "path", jstr(g->path));
        json_object_set_new(jg, "cpu_ns", ju64(g->cpu_ns));
        json_object_set_new(jg, "share", jreal(g->share));
        json_array_append_new(cgroups, jg);
    }
    json_object_set_new(root, "cgroups", cgroups);

    json_object_set_new(root, "policy", policy_json(r));
    if (r->nr_vms) {
        json_t *vms = json_array();

        for (unsigned int i = 0; i < r->nr_vms; i++)
            json_array_append_new(vms, vm_json(&r->vms[i]));
        json_object_set_new(root, "vms", vms);
        json_object_set_new(fair, "jain_vms", jreal(r->jain_vms));
    }
    json_object_set_new(fair, "jain_tasks", jreal(r->jain_tasks));
    json_object_set_new(fair, "min_share", jreal(r->min_share));
    json_object_set_new(fair, "max_share", jreal(r->max_share));
    json_object_set_new(root, "fairness", fair);

    text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    SIM_BUG_ON(text == NULL); /* only fails on out-of-memory */
    out = g_strconcat(text, "\n", NULL);
    free(text);
    return out;
}

/* ------------------------------------------------------------------------ */
/* TSV                                                                      */

/* Append @s with tabs, newlines and other control characters replaced by a
 * space, so that a field never breaks the TSV structure. */
static void tsv_field(GString *out, const char *s)
{
    for (const char *c = s ? s : ""; *c; c++)
        g_string_append_c(out, g_ascii_iscntrl(*c) ? ' ' : *c);
}

static char *render_tsv(const struct sim_result *r, bool with_wall)
{
    GString *out = g_string_new(NULL);

    g_string_append(out, "# scenario: ");
    tsv_field(out, r->scenario);
    g_string_append(out, "\n# file: ");
    tsv_field(out, r->file);
    g_string_append_printf(out, "\n# scenario_hash: %016llx\n", (unsigned long long)r->scenario_hash);
    g_string_append(out, "# profile: ");
    tsv_field(out, r->profile);
    g_string_append(out, "\n# pick: ");
    tsv_field(out, r->pick);
    g_string_append_printf(out, "\n# seed: %llu\n# sim_ns: %llu\n# events: %llu\n",
                           (unsigned long long)r->seed, (unsigned long long)r->sim_ns,
                           (unsigned long long)r->events);
    if (with_wall)
        g_string_append_printf(out, "# wall_s: %.6f\n", r->wall_s);
    g_string_append(out, "task\tcgroup\tnice\tcpu_ns\tshare\tnr_switches\tnr_yields\tnr_wakeups"
                         "\tnr_migrations\trun_p50_ns\trun_p99_ns\n");
    for (unsigned int i = 0; i < r->nr_tasks; i++) {
        const struct task_result *t = &r->tasks[i];

        tsv_field(out, t->name);
        g_string_append_c(out, '\t');
        tsv_field(out, t->cgroup);
        g_string_append_printf(out, "\t%d\t%llu\t%.6f\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\n",
                               t->nice, (unsigned long long)t->cpu_ns, t->share,
                               (unsigned long long)t->nr_switches,
                               (unsigned long long)t->nr_yields,
                               (unsigned long long)t->nr_wakeups,
                               (unsigned long long)t->nr_migrations,
                               (unsigned long long)t->run_p50_ns,
                               (unsigned long long)t->run_p99_ns);
    }
    if (r->nr_vms) {
        g_string_append(out, "\nvm\tcgroup\tworkload\tvcpus\tops\tops_per_sec\tcpu_ns\tguest_ns"
                             "\tspin_ns\tspin_host_ns\thost_ns\texits_ple\texits_hlt\texits_icr\texits_eoi"
                             "\tyield_to_attempts\tyield_to_success\tipis_sent\tipi_lat_p50_ns"
                             "\tipi_lat_p99_ns\tlock_wait_p99_ns\tlock_holder_preempted\tshare"
                             "\tentitlement\texits_diag_9c\tdiag_9c_ignored\n");
        for (unsigned int i = 0; i < r->nr_vms; i++) {
            const struct vm_result *v = &r->vms[i];

            tsv_field(out, v->name);
            g_string_append_c(out, '\t');
            tsv_field(out, v->cgroup);
            g_string_append_c(out, '\t');
            tsv_field(out, v->workload);
            g_string_append_printf(
                out,
                "\t%u\t%llu\t%.3f\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu"
                "\t%llu\t%llu\t%llu\t%llu\t%llu\t%.6f\t%.6f",
                v->vcpus, (unsigned long long)v->ops, v->ops_per_sec,
                (unsigned long long)v->cpu_ns, (unsigned long long)v->guest_ns,
                (unsigned long long)v->spin_ns, (unsigned long long)v->spin_host_ns,
                (unsigned long long)v->host_ns,
                (unsigned long long)v->exits[0], (unsigned long long)v->exits[1],
                (unsigned long long)v->exits[2], (unsigned long long)v->exits[3],
                (unsigned long long)v->yt_attempts, (unsigned long long)v->yt_success,
                (unsigned long long)v->ipis_sent, (unsigned long long)v->ipi_lat_p50,
                (unsigned long long)v->ipi_lat_p99, (unsigned long long)v->lock_wait_p99,
                (unsigned long long)v->lock_holder_preempted, v->share, v->entitlement);
            /* The diag 9c columns are empty (missing) for non-s390 guests. */
            if (v->s390)
                g_string_append_printf(out, "\t%llu\t%llu\n", (unsigned long long)v->diag_9c,
                                       (unsigned long long)v->diag_9c_ignored);
            else
                g_string_append(out, "\t\t\n");
        }
    }
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* table                                                                    */

/* A text table being built: column headers, alignment and row-major cells. */
struct table {
    unsigned int ncols;        /* number of columns */
    const char *const *hdr;    /* [ncols] column headers (borrowed) */
    const bool *right;         /* [ncols] true = right-align (numbers) */
    GPtrArray *cells;          /* row-major owned cell strings */
};

static void table_init(struct table *t, unsigned int ncols, const char *const *hdr,
                       const bool *right)
{
    t->ncols = ncols;
    t->hdr = hdr;
    t->right = right;
    t->cells = g_ptr_array_new_with_free_func(g_free);
}

static void table_cell(struct table *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void table_cell(struct table *t, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* Control characters would wreck the alignment. */
    for (char *c = s; *c; c++)
        if (g_ascii_iscntrl(*c))
            *c = ' ';
    g_ptr_array_add(t->cells, s);
}

/* Display width of a cell (UTF-8 characters; good enough for our names). */
static size_t cell_width(const char *s)
{
    return g_utf8_validate(s, -1, NULL) ? (size_t)g_utf8_strlen(s, -1) : strlen(s);
}

static void pad_cell(GString *out, const char *s, size_t width, bool right, bool last)
{
    size_t w = cell_width(s), pad = width > w ? width - w : 0;

    if (right)
        for (size_t i = 0; i < pad; i++)
            g_string_append_c(out, ' ');
    g_string_append(out, s);
    if (!right && !last) /* no trailing blanks at the end of a line */
        for (size_t i = 0; i < pad; i++)
            g_string_append_c(out, ' ');
}

/* Append the table (header, rule, rows) to @out and free its cells. */
static void table_finish(struct table *t, GString *out)
{
    size_t *width = g_new0(size_t, t->ncols);
    unsigned int nrows = t->cells->len / t->ncols;
    size_t total = 0;

    for (unsigned int c = 0; c < t->ncols; c++) {
        width[c] = cell_width(t->hdr[c]);
        for (unsigned int r = 0; r < nrows; r++)
            width[c] = MAX(width[c], cell_width(g_ptr_array_index(t->cells, r * t->ncols + c)));
        total += width[c] + (c ? 2 : 0);
    }
    g_string_append(out, "  ");
    for (unsigned int c = 0; c < t->ncols; c++) {
        if (c)
            g_string_append(out, "  ");
        pad_cell(out, t->hdr[c], width[c], t->right[c], c + 1 == t->ncols);
    }
    g_string_append(out, "\n  ");
    for (size_t i = 0; i < total; i++)
        g_string_append_c(out, '-');
    g_string_append_c(out, '\n');
    for (unsigned int r = 0; r < nrows; r++) {
        g_string_append(out, "  ");
        for (unsigned int c = 0; c < t->ncols; c++) {
            if (c)
                g_string_append(out, "  ");
            pad_cell(out, g_ptr_array_index(t->cells, r * t->ncols + c), width[c], t->right[c],
                     c + 1 == t->ncols);
        }
        g_string_append_c(out, '\n');
    }
    g_free(width);
    g_ptr_array_free(t->cells, TRUE);
    t->cells = NULL;
}

static void header_line(GString *out, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* "key:      value" line of the header block, control characters blanked. */
static void header_line(GString *out, const char *key, const char *fmt, ...)
{
    va_list ap;
    gsize start;

    g_string_append_printf(out, "%-11s", key);
    start = out->len;
    va_start(ap, fmt);
    g_string_append_vprintf(out, fmt, ap);
    va_end(ap);
    for (gsize i = start; i < out->len; i++)
        if (g_ascii_iscntrl(out->str[i]))
            out->str[i] = ' ';
    g_string_append_c(out, '\n');
}

static double ns_to_us(u64 ns)
{
    return (double)ns / 1e3;
}

static double pct(u64 part, u64 whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void render_vm_tables(GString *out, const struct sim_result *r)
{
    static const char *const h1[] = {"vm", "workload", "vcpus", "ops", "ops/s",
                                     "cpu (ms)", "share", "entitled", "guest %", "spin %",
                                     "host %", "spin total %"};
    static const bool r1[] = {false, false, true, true, true, true,
                              true,  true,  true, true, true, true};
    static const char *const h2[] = {"vm", "PLE exits", "HLT exits", "ICR exits", "EOI exits",
                                     "yield_to", "yield ok", "ESRCH", "IPIs sent",
                                     "IPI p50 (us)", "IPI p99 (us)", "IPI max (us)"};
    static const bool r2[] = {false, true, true, true, true, true, true, true, true, true, true, true};
    static const char *const h3[] = {"vm", "locks taken", "wait p50 (us)", "wait p99 (us)",
                                     "hold p50 (us)", "hold p99 (us)", "holder preempted",
                                     "pv kicks", "TLB skips"};
    static const bool r3[] = {false, true, true, true, true, true, true, true, true};
    static const char *const h4[] = {"vm", "diag 9c", "ignored", "yielded"};
    static const bool r4[] = {false, true, true, true};
    struct table t;
    bool any_s390 = false;

    G_STATIC_ASSERT(G_N_ELEMENTS(h1) == G_N_ELEMENTS(r1));
    G_STATIC_ASSERT(G_N_ELEMENTS(h2) == G_N_ELEMENTS(r2));
    G_STATIC_ASSERT(G_N_ELEMENTS(h3) == G_N_ELEMENTS(r3));
    G_STATIC_ASSERT(G_N_ELEMENTS(h4) == G_N_ELEMENTS(r4));

    for (unsigned int i = 0; i < r->nr_vms; i++)
        any_s390 |= r->vms[i].s390;

    g_string_append(out, "\nVMs (share and entitled: fractions of all host CPU time; the % columns: "
                         "of the VM's CPU time;\n spin: PAUSE loops in guest mode; spin total: spin "
                         "plus the host time of the exits, yields and re-entries taken while "
                         "spinning):\n");
    table_init(&t, G_N_ELEMENTS(h1), h1, r1);
    for (unsigned int i = 0; i < r->nr_vms; i++) {
        const struct vm_result *v = &r->vms[i];

        table_cell(&t, "%s", v->name);
        table_cell(&t, "%s", v->workload);
        table_cell(&t, "%u", v->vcpus);
        table_cell(&t, "%llu", (unsigned long long)v->ops);
        table_cell(&t, "%.0f", v->ops_per_sec);
        table_cell(&t, "%.3f", ns_to_ms(v->cpu_ns));
        table_cell(&t, "%.4f", v->share);
        table_cell(&t, "%.4f", v->entitlement);
        table_cell(&t, "%.1f", pct(v->guest_ns, v->cpu_ns));
        table_cell(&t, "%.1f", pct(v->spin_ns, v->cpu_ns));
        table_cell(&t, "%.1f", pct(v->host_ns, v->cpu_ns));
        table_cell(&t, "%.1f", pct(v->spin_ns + v->spin_host_ns, v->cpu_ns));
    }
    table_finish(&t, out);

    g_string_append(out, "\nVM exits, directed yield and IPIs (counts; IPI latency: send to "
                         "handler start):\n");
    table_init(&t, G_N_ELEMENTS(h2), h2, r2);
    for (unsigned int i = 0; i < r->nr_vms; i++) {
        const struct vm_result *v = &r->vms[i];

        table_cell(&t, "%s", v->name);
        table_cell(&t, "%llu", (unsigned long long)v->exits[0]);
        table_cell(&t, "%llu", (unsigned long long)v->exits[1]);
        table_cell(&t, "%llu", (unsigned long long)v->exits[2]);
        table_cell(&t, "%llu", (unsigned long long)v->exits[3]);
        table_cell(&t, "%llu", (unsigned long long)v->yt_attempts);
        table_cell(&t, "%llu", (unsigned long long)v->yt_success);
        table_cell(&t, "%llu", (unsigned long long)v->yt_esrch);
        table_cell(&t, "%llu", (unsigned long long)v->ipis_sent);
        table_cell(&t, "%.2f", ns_to_us(v->ipi_lat_p50));
        table_cell(&t, "%.2f", ns_to_us(v->ipi_lat_p99));
        table_cell(&t, "%.2f", ns_to_us(v->ipi_lat_max));
    }
    table_finish(&t, out);

    if (any_s390) {
        g_string_append(out, "\ns390 directed yield (DIAGNOSE 0x9c; ignored: to self, to an "
                             "unknown id, to a running vCPU, or yield_to <= 0):\n");
        table_init(&t, G_N_ELEMENTS(h4), h4, r4);
        for (unsigned int i = 0; i < r->nr_vms; i++) {
            const struct vm_result *v = &r->vms[i];

            if (!v->s390)
                continue;
            table_cell(&t, "%s", v->name);
            table_cell(&t, "%llu", (unsigned long long)v->diag_9c);
            table_cell(&t, "%llu", (unsigned long long)v->diag_9c_ignored);
            table_cell(&t, "%llu", (unsigned long long)(v->diag_9c - v->diag_9c_ignored));
        }
        table_finish(&t, out);
    }

    g_string_append(out, "\nguest spinlocks (wait: attempt to acquisition):\n");
    table_init(&t, G_N_ELEMENTS(h3), h3, r3);
    for (unsigned int i = 0; i < r->nr_vms; i++) {
        const struct vm_result *v = &r->vms[i];

        table_cell(&t, "%s", v->name);
        table_cell(&t, "%llu", (unsigned long long)v->lock_acquisitions);
        table_cell(&t, "%.2f", ns_to_us(v->lock_wait_p50));
        table_cell(&t, "%.2f", ns_to_us(v->lock_wait_p99));
        table_cell(&t, "%.2f", ns_to_us(v->lock_hold_p50));
        table_cell(&t, "%.2f", ns_to_us(v->lock_hold_p99));
        table_cell(&t, "%llu", (unsigned long long)v->lock_holder_preempted);
        table_cell(&t, "%llu", (unsigned long long)v->pv_kicks);
        table_cell(&t, "%llu", (unsigned long long)v->tlb_skipped_preempted);
    }
    table_finish(&t, out);
}

static char *render_table(const struct sim_result *r, bool with_wall)
{
    static const char *const task_hdr[] = {"task",     "cgroup",  "nice",    "cpu (ms)",
                                           "share",    "switches", "yields", "wakeups",
                                           "migr",     "run p50 (ms)", "run p99 (ms)"};
    static const bool task_right[] = {false, false, true, true, true, true,
                                      true,  true,  true, true, true};
    static const char *const cpu_hdr[] = {"cpu", "busy (ms)", "busy %", "switches"};
    static const bool cpu_right[] = {true, true, true, true};
    static const char *const cg_hdr[] = {"cgroup", "cpu (ms)", "share"};
    static const bool cg_right[] = {false, true, true};
    GString *out = g_string_new(NULL);
    struct table t;
    char *s;

    G_STATIC_ASSERT(G_N_ELEMENTS(task_hdr) == G_N_ELEMENTS(task_right));
    G_STATIC_ASSERT(G_N_ELEMENTS(cpu_hdr) == G_N_ELEMENTS(cpu_right));
    G_STATIC_ASSERT(G_N_ELEMENTS(cg_hdr) == G_N_ELEMENTS(cg_right));

    header_line(out, "scenario:", "%s", r->scenario ? r->scenario : "");
    header_line(out, "file:", "%s", r->file ? r->file : "");
    if (r->pick && strcmp(r->pick, "flat") == 0)
        header_line(out, "profile:", "Linux %s, flat pick (sched/flat)", r->profile ? r->profile : "?");
    else
        header_line(out, "profile:", "Linux %s", r->profile ? r->profile : "?");
    header_line(out, "seed:", "%llu", (unsigned long long)r->seed);
    header_line(out, "simulated:", "%.3f ms", ns_to_ms(r->sim_ns));
    header_line(out, "events:", "%llu", (unsigned long long)r->events);
    if (with_wall && r->wall_s > 0)
        header_line(out, "wall time:", "%.3f s (%.2f M events/s)", r->wall_s,
                    (double)r->events / r->wall_s / 1e6);
    else if (with_wall)
        header_line(out, "wall time:", "%.3f s", r->wall_s);

    header_line(out, "policies:", "yield_to %s, directed_yield %s",
                r->yield_to_policy ? r->yield_to_policy : "?", r->dy_policy ? r->dy_policy : "?");
    if (r->pstats.deboost_attempts)
        header_line(out, "debooster:", "%llu attempts, %llu applied, %llu rate-limited, "
                    "penalty p50 %.1f us p99 %.1f us",
                    (unsigned long long)r->pstats.deboost_attempts,
                    (unsigned long long)r->pstats.deboost_applied,
                    (unsigned long long)r->pstats.deboost_skip_rate_limited,
                    (double)hist_quantile(&r->pstats.deboost_penalty_ns, 0.5) / 1e3,
                    (double)hist_quantile(&r->pstats.deboost_penalty_ns, 0.99) / 1e3);
    if (r->nr_vms)
        render_vm_tables(out, r);

    if (r->nr_host_tasks || !r->nr_vms) {
    g_string_append(out, "\nhost tasks:\n");
    table_init(&t, G_N_ELEMENTS(task_hdr), task_hdr, task_right);
    for (unsigned int i = 0; i < (r->nr_vms ? r->nr_host_tasks : r->nr_tasks); i++) {
        const struct task_result *tr = &r->tasks[i];

        table_cell(&t, "%s", tr->name ? tr->name : "");
        table_cell(&t, "%s", tr->cgroup ? tr->cgroup : "");
        table_cell(&t, "%d", tr->nice);
        table_cell(&t, "%.3f", ns_to_ms(tr->cpu_ns));
        table_cell(&t, "%.4f", tr->share);
        table_cell(&t, "%llu", (unsigned long long)tr->nr_switches);
        table_cell(&t, "%llu", (unsigned long long)tr->nr_yields);
        table_cell(&t, "%llu", (unsigned long long)tr->nr_wakeups);
        table_cell(&t, "%llu", (unsigned long long)tr->nr_migrations);
        table_cell(&t, "%.3f", ns_to_ms(tr->run_p50_ns));
        table_cell(&t, "%.3f", ns_to_ms(tr->run_p99_ns));
    }
    table_finish(&t, out);
    }

    g_string_append(out, "\ncpus:\n");
    table_init(&t, G_N_ELEMENTS(cpu_hdr), cpu_hdr, cpu_right);
    for (unsigned int i = 0; i < r->nr_cpus; i++) {
        const struct cpu_result *c = &r->cpus[i];

        table_cell(&t, "%u", c->id);
        table_cell(&t, "%.3f", ns_to_ms(c->busy_ns));
        table_cell(&t, "%.1f", r->sim_ns ? 100.0 * (double)c->busy_ns / (double)r->sim_ns : 0.0);
        table_cell(&t, "%llu", (unsigned long long)c->nr_switches);
    }
    table_finish(&t, out);

    if (r->nr_cgroups) {
        g_string_append(out, "\ncgroups:\n");
        table_init(&t, G_N_ELEMENTS(cg_hdr), cg_hdr, cg_right);
        for (unsigned int i = 0; i < r->nr_cgroups; i++) {
            const struct cgroup_result *g = &r->cgroups[i];

            table_cell(&t, "%s", g->path ? g->path : "");
            table_cell(&t, "%.3f", ns_to_ms(g->cpu_ns));
            table_cell(&t, "%.4f", g->share);
        }
        table_finish(&t, out);
    }

    if (r->nr_vms) {
        s = g_strdup_printf("\nfairness: Jain's index over VMs of CPU share / entitlement %.4f "
                            "(1 = every VM got the same fraction of its entitlement)\n",
                            r->jain_vms);
        g_string_append(out, s);
        g_free(s);
    }
    s = g_strdup_printf("\nfairness: Jain's index over tasks %.4f (1 = equal CPU time); "
                        "task share min %.4f, max %.4f\n",
                        r->jain_tasks, r->min_share, r->max_share);
    g_string_append(out, s);
    g_free(s);
    return g_string_free(out, FALSE);
}

/* Returns a string to be freed with g_free(). */
char *result_render(const struct sim_result *r, enum result_format fmt, bool with_wall)
{
    switch (fmt) {
    case FORMAT_TABLE:
        return render_table(r, with_wall);
    case FORMAT_JSON:
        return render_json(r, with_wall);
    case FORMAT_TSV:
        return render_tsv(r, with_wall);
    }
    SIM_BUG_ON(1); /* not a valid enum result_format */
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* atomic file writes                                                       */

static void set_errno_error(GError **error, int err, const char *what, const char *path)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot %s %s: %s", what,
                path, g_strerror(err));
}

bool write_file_atomic(const char *path, const char *data, size_t len, GError **error)
{
    char *tmp = g_strdup_printf("%s.XXXXXX", path);
    size_t done = 0;
    int fd, err;

    /* 0666 & ~umask, like a file created by open(): g_mkstemp() alone
     * would give 0600. */
    fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0) {
        set_errno_error(error, errno, "create a temporary file for", path);
        g_free(tmp);
        return false;
    }
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            goto fail_close;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        err = errno;
        goto fail_close;
    }
    if (close(fd) != 0) {
        err = errno;
        goto fail;
    }
    if (g_rename(tmp, path) != 0) {
        err = errno;
        goto fail;
    }
    g_free(tmp);
    return true;

fail_close:
    close(fd);
fail:
    g_unlink(tmp);
    g_free(tmp);
    set_errno_error(error, err, "write", path);
    return false;
}
