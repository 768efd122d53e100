/*
 * src/io/rows.c - result rows (docs/results-format.md): filling a row from a
 * run's results, writing rows as TSV and JSON, reading them back.
 *
 * Determinism: every real is printed with "%.*f" and a fixed number of
 * decimals per column (row_columns[].decimals), never with %g, and is
 * rounded to that many decimals already when the row is filled, so the
 * written text does not depend on anything but the simulated result, and a
 * file read back and written again is byte-identical.  The JSON is written
 * by hand (one row per line, keys in column order) for the same reason:
 * jansson's real formatting is shortest-round-trip, not fixed-point.
 *
 * Reading is strict about structure and values (wrong field counts, bad
 * numbers, duplicate columns) and lenient about the set of columns: unknown
 * columns are skipped, so files written by a later version that appended
 * columns stay readable.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vsched/kvm.h"
#include "vsched/rows.h"
#include "vsched/version.h"

G_DEFINE_QUARK(vsched-rows-error-quark, vsched_rows_error)

#define F(field) offsetof(struct result_row, field)

/* name, type, decimals, unit, offset.  The decimals are part of the
 * contract (docs/results-format.md, "Formatting"): change them only with the
 * baselines (vsched regress --update). */
const struct row_column row_columns[ROW_NR_COLS] = {
    [ROW_SCENARIO] = {"scenario", ROW_T_STRING, 0, "", F(scenario)},
    [ROW_SCENARIO_HASH] = {"scenario_hash", ROW_T_HASH, 0, "", F(scenario_hash)},
    [ROW_VARIANT] = {"variant", ROW_T_STRING, 0, "", F(variant)},
    [ROW_YIELD_TO] = {"yield_to", ROW_T_STRING, 0, "", F(yield_to)},
    [ROW_DIRECTED_YIELD] = {"directed_yield", ROW_T_STRING, 0, "", F(directed_yield)},
    [ROW_SET] = {"set", ROW_T_STRING, 0, "", F(set)},
    [ROW_SEED] = {"seed", ROW_T_INT, 0, "", F(seed)},
    [ROW_VSCHED_VERSION] = {"vsched_version", ROW_T_STRING, 0, "", F(vsched_version)},
    [ROW_HOST_CPUS] = {"host_cpus", ROW_T_INT, 0, "CPUs", F(host_cpus)},
    [ROW_NR_VMS] = {"nr_vms", ROW_T_INT, 0, "VMs", F(nr_vms)},
    [ROW_VCPUS_TOTAL] = {"vcpus_total", ROW_T_INT, 0, "vCPUs", F(vcpus_total)},
    [ROW_OVERCOMMIT] = {"overcommit", ROW_T_REAL, 4, "vCPU/CPU", F(overcommit)},
    [ROW_SIM_MS] = {"sim_ms", ROW_T_REAL, 6, "ms", F(sim_ms)},
    [ROW_OPS_PER_S] = {"ops_per_s", ROW_T_REAL, 3, "ops/s", F(ops_per_s)},
    [ROW_OPS_PER_S_PER_VM] = {"ops_per_s_per_vm", ROW_T_REAL, 3, "ops/s", F(ops_per_s_per_vm)},
    [ROW_JAIN_VMS] = {"jain_vms", ROW_T_REAL, 6, "index", F(jain_vms)},
    [ROW_WORST_VM_SHARE_VS_ENTITLEMENT] = {"worst_vm_share_vs_entitlement", ROW_T_REAL, 6,
                                           "ratio", F(worst_vm_share_vs_entitlement)},
    [ROW_JAIN_TASKS] = {"jain_tasks", ROW_T_REAL, 6, "index", F(jain_tasks)},
    [ROW_SPIN_PCT] = {"spin_pct", ROW_T_REAL, 4, "%", F(spin_pct)},
    [ROW_HOST_PCT] = {"host_pct", ROW_T_REAL, 4, "%", F(host_pct)},
    [ROW_SPIN_TOTAL_PCT] = {"spin_total_pct", ROW_T_REAL, 4, "%", F(spin_total_pct)},
    [ROW_PLE_EXITS] = {"ple_exits", ROW_T_INT, 0, "exits", F(ple_exits)},
    [ROW_HLT_EXITS] = {"hlt_exits", ROW_T_INT, 0, "exits", F(hlt_exits)},
    [ROW_ICR_EXITS] = {"icr_exits", ROW_T_INT, 0, "exits", F(icr_exits)},
    [ROW_EOI_EXITS] = {"eoi_exits", ROW_T_INT, 0, "exits", F(eoi_exits)},
    [ROW_ON_SPIN_CALLS] = {"on_spin_calls", ROW_T_INT, 0, "calls", F(on_spin_calls)},
    [ROW_YIELD_TO_CALLS] = {"yield_to_calls", ROW_T_INT, 0, "calls", F(yield_to_calls)},
    [ROW_YIELD_TO_SUCCESS] = {"yield_to_success", ROW_T_INT, 0, "calls", F(yield_to_success)},
    [ROW_DIAG9C_CALLS] = {"diag9c_calls", ROW_T_INT, 0, "calls", F(diag9c_calls)},
    [ROW_DIAG9C_IGNORED] = {"diag9c_ignored", ROW_T_INT, 0, "calls", F(diag9c_ignored)},
    [ROW_IPI_LAT_P50_US] = {"ipi_lat_p50_us", ROW_T_REAL, 3, "us", F(ipi_lat_p50_us)},
    [ROW_IPI_LAT_P99_US] = {"ipi_lat_p99_us", ROW_T_REAL, 3, "us", F(ipi_lat_p99_us)},
    [ROW_LOCK_WAIT_P50_US] = {"lock_wait_p50_us", ROW_T_REAL, 3, "us", F(lock_wait_p50_us)},
    [ROW_LOCK_WAIT_P99_US] = {"lock_wait_p99_us", ROW_T_REAL, 3, "us", F(lock_wait_p99_us)},
    [ROW_LOCK_HOLDER_PREEMPTED] = {"lock_holder_preempted", ROW_T_INT, 0, "events",
                                   F(lock_holder_preempted)},
    [ROW_DEBOOST_APPLIED] = {"deboost_applied", ROW_T_INT, 0, "penalties", F(deboost_applied)},
    [ROW_WALL_S] = {"wall_s", ROW_T_REAL, 3, "s", F(wall_s)},
};
#undef F

int row_column_find(const char *name)
{
    for (int c = 0; c < ROW_NR_COLS; c++)
        if (strcmp(row_columns[c].name, name) == 0)
            return c;
    return -1;
}

bool row_column_is_number(enum row_col c)
{
    return row_columns[c].type == ROW_T_INT || row_columns[c].type == ROW_T_REAL;
}

/* Typed access to a column's field through its offset. */
static char **str_field(struct result_row *row, enum row_col c)
{
    return (char **)(void *)((char *)row + row_columns[c].off);
}
static u64 *u64_field(struct result_row *row, enum row_col c)
{
    return (u64 *)(void *)((char *)row + row_columns[c].off);
}
static double *real_field(struct result_row *row, enum row_col c)
{
    return (double *)(void *)((char *)row + row_columns[c].off);
}

/* ------------------------------------------------------------------------ */
/* filling                                                                  */

/* @v rounded to @decimals, exactly as "%.*f" prints it and strtod reads it
 * back, so that a filled row equals the same row read from its file. */
static double round_decimals(double v, int decimals)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE + 64];

    g_snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    return g_ascii_strtod(buf, NULL);
}

static void set_real(struct result_row *row, enum row_col c, double v)
{
    if (!isfinite(v))
        return; /* stays missing */
    *real_field(row, c) = round_decimals(v, row_columns[c].decimals);
    row->present |= 1ULL << c;
}

static void set_u64(struct result_row *row, enum row_col c, u64 v)
{
    *u64_field(row, c) = v;
    row->present |= 1ULL << c;
}

static void set_str(struct result_row *row, enum row_col c, const char *s)
{
    char **f = str_field(row, c);
    char *p;

    g_free(*f);
    *f = g_strdup(s ? s : "");
    /* TSV cannot carry tabs or newlines: replace control characters. */
    for (p = *f; *p; p++)
        if (g_ascii_iscntrl(*p))
            *p = ' ';
    row->present |= 1ULL << c;
}

void result_row_fill(struct result_row *row, const struct sim_result *r,
                     const struct row_meta *meta)
{
    u64 vcpus = 0, cpu_ns = 0, spin_ns = 0, spin_host_ns = 0, host_ns = 0;
    u64 exits[KVM_EXIT_NR] = {0}, on_spin = 0, yt = 0, yt_ok = 0, lhp = 0;
    u64 ipi50 = 0, ipi99 = 0, lw50 = 0, lw99 = 0, d9c = 0, d9c_ign = 0;
    double ops_per_s = 0, worst = INFINITY;
    bool s390 = false;

    memset(row, 0, sizeof(*row));
    set_str(row, ROW_SCENARIO, r->scenario);
    set_u64(row, ROW_SCENARIO_HASH, meta->scenario_hash);
    set_str(row, ROW_VARIANT, meta->variant);
    set_str(row, ROW_YIELD_TO, r->yield_to_policy);
    set_str(row, ROW_DIRECTED_YIELD, r->dy_policy);
    set_str(row, ROW_SET, meta->set);
    set_u64(row, ROW_SEED, meta->seed);
    set_str(row, ROW_VSCHED_VERSION, VSCHED_VERSION);

    for (unsigned int i = 0; i < r->nr_vms; i++) {
        const struct vm_result *v = &r->vms[i];

        vcpus += v->vcpus;
        ops_per_s += v->ops_per_sec;
        cpu_ns += v->cpu_ns;
        spin_ns += v->spin_ns;
        spin_host_ns += v->spin_host_ns;
        host_ns += v->host_ns;
        for (unsigned int e = 0; e < KVM_EXIT_NR; e++)
            exits[e] += v->exits[e];
        on_spin += v->on_spin;
        yt += v->yt_attempts;
        yt_ok += v->yt_success;
        if (v->s390) {
            s390 = true;
            d9c += v->diag_9c;
            d9c_ign += v->diag_9c_ignored;
        }
        lhp += v->lock_holder_preempted;
        ipi50 = MAX(ipi50, v->ipi_lat_p50);
        ipi99 = MAX(ipi99, v->ipi_lat_p99);
        lw50 = MAX(lw50, v->lock_wait_p50);
        lw99 = MAX(lw99, v->lock_wait_p99);
        worst = MIN(worst, v->share_vs_entitlement);
    }
    set_u64(row, ROW_HOST_CPUS, r->nr_cpus);
    set_u64(row, ROW_NR_VMS, r->nr_vms);
    set_u64(row, ROW_VCPUS_TOTAL, vcpus);
    set_real(row, ROW_OVERCOMMIT, r->nr_cpus ? (double)vcpus / (double)r->nr_cpus : 0.0);
    set_real(row, ROW_SIM_MS, (double)r->sim_ns / 1e6);
    set_real(row, ROW_JAIN_TASKS, r->jain_tasks);
    set_u64(row, ROW_DEBOOST_APPLIED, r->pstats.deboost_applied);
    if (r->nr_vms) {
        /* VM metrics exist only for VM scenarios; missing otherwise. */
        set_real(row, ROW_OPS_PER_S, ops_per_s);
        set_real(row, ROW_OPS_PER_S_PER_VM, ops_per_s / (double)r->nr_vms);
        set_real(row, ROW_JAIN_VMS, r->jain_vms);
        set_real(row, ROW_WORST_VM_SHARE_VS_ENTITLEMENT, worst);
        set_real(row, ROW_SPIN_PCT, cpu_ns ? 100.0 * (double)spin_ns / (double)cpu_ns : 0.0);
        set_real(row, ROW_HOST_PCT, cpu_ns ? 100.0 * (double)host_ns / (double)cpu_ns : 0.0);
        set_real(row, ROW_SPIN_TOTAL_PCT,
                 cpu_ns ? 100.0 * (double)(spin_ns + spin_host_ns) / (double)cpu_ns : 0.0);
        set_u64(row, ROW_PLE_EXITS, exits[KVM_EXIT_PLE]);
        set_u64(row, ROW_HLT_EXITS, exits[KVM_EXIT_HLT]);
        set_u64(row, ROW_ICR_EXITS, exits[KVM_EXIT_ICR]);
        set_u64(row, ROW_EOI_EXITS, exits[KVM_EXIT_EOI]);
        set_u64(row, ROW_ON_SPIN_CALLS, on_spin);
        set_u64(row, ROW_YIELD_TO_CALLS, yt);
        set_u64(row, ROW_YIELD_TO_SUCCESS, yt_ok);
        if (s390) {
            /* Only s390 guests issue DIAGNOSE 0x9c; missing otherwise. */
            set_u64(row, ROW_DIAG9C_CALLS, d9c);
            set_u64(row, ROW_DIAG9C_IGNORED, d9c_ign);
        }
        set_real(row, ROW_IPI_LAT_P50_US, (double)ipi50 / 1e3);
        set_real(row, ROW_IPI_LAT_P99_US, (double)ipi99 / 1e3);
        set_real(row, ROW_LOCK_WAIT_P50_US, (double)lw50 / 1e3);
        set_real(row, ROW_LOCK_WAIT_P99_US, (double)lw99 / 1e3);
        set_u64(row, ROW_LOCK_HOLDER_PREEMPTED, lhp);
    }
    if (meta->with_wall)
        set_real(row, ROW_WALL_S, r->wall_s);
}

void result_row_copy(struct result_row *dst, const struct result_row *src)
{
    *dst = *src;
    for (int c = 0; c < ROW_NR_COLS; c++)
        if (row_columns[c].type == ROW_T_STRING)
            *str_field(dst, c) = g_strdup(*str_field((struct result_row *)src, c));
}

void result_row_clear(struct result_row *row)
{
    for (int c = 0; c < ROW_NR_COLS; c++)
        if (row_columns[c].type == ROW_T_STRING)
            g_clear_pointer(str_field(row, c), g_free);
    row->present = 0;
}

bool row_get_number(const struct result_row *row, enum row_col c, double *out)
{
    struct result_row *r = (struct result_row *)row;

    if (!row_has(row, c))
        return false;
    switch (row_columns[c].type) {
    case ROW_T_INT:
        *out = (double)*u64_field(r, c);
        return true;
    case ROW_T_REAL:
        *out = *real_field(r, c);
        return true;
    default:
        return false;
    }
}

const char *row_get_string(const struct result_row *row, enum row_col c)
{
    if (row_columns[c].type != ROW_T_STRING)
        return NULL;
    return *str_field((struct result_row *)row, c) ? *str_field((struct result_row *)row, c)
                                                   : "";
}

/* ------------------------------------------------------------------------ */
/* writing                                                                  */

static void append_value(GString *out, const struct result_row *row, enum row_col c, bool json)
{
    struct result_row *r = (struct result_row *)row;

    if (row_columns[c].type == ROW_T_STRING) {
        const char *s = row_get_string(row, c);

        if (json) {
            json_t *j = json_string(s);
            char *enc = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

            /* json_string() refuses invalid UTF-8: write it repaired. */
            if (!enc) {
                char *valid = g_utf8_make_valid(s, -1);

                json_decref(j);
                j = json_string(valid);
                enc = json_dumps(j, JSON_ENCODE_ANY);
                g_free(valid);
            }
            g_string_append(out, enc);
            free(enc);
            json_decref(j);
        } else {
            g_string_append(out, s);
        }
        return;
    }
    if (!row_has(row, c)) {
        if (json)
            g_string_append(out, "null");
        return;
    }
    switch (row_columns[c].type) {
    case ROW_T_HASH:
        g_string_append_printf(out, json ? "\"%016llx\"" : "%016llx",
                               (unsigned long long)*u64_field(r, c));
        break;
    case ROW_T_INT:
        g_string_append_printf(out, "%llu", (unsigned long long)*u64_field(r, c));
        break;
    case ROW_T_REAL:
        g_string_append_printf(out, "%.*f", row_columns[c].decimals, *real_field(r, c));
        break;
    case ROW_T_STRING:
        break;
    }
}

char *row_format_value(const struct result_row *row, enum row_col c)
{
    GString *s = g_string_new(NULL);

    append_value(s, row, c, false);
    return g_string_free(s, FALSE);
}

char *rows_render_tsv(const struct result_row *rows, unsigned int n)
{
    GString *out = g_string_new(NULL);

    for (int c = 0; c < ROW_NR_COLS; c++)
        g_string_append_printf(out, "%s%s", c ? "\t" : "", row_columns[c].name);
    g_string_append_c(out, '\n');
    for (unsigned int i = 0; i < n; i++) {
        for (int c = 0; c < ROW_NR_COLS; c++) {
            if (c)
                g_string_append_c(out, '\t');
            append_value(out, &rows[i], c, false);
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

char *rows_render_json(const struct result_row *rows, unsigned int n)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "{\n  \"vsched_version\": \"%s\",\n  \"rows\": [", VSCHED_VERSION);
    for (unsigned int i = 0; i < n; i++) {
        g_string_append(out, i ? ",\n    {" : "\n    {");
        for (int c = 0; c < ROW_NR_COLS; c++) {
            g_string_append_printf(out, "%s\"%s\": ", c ? ", " : "", row_columns[c].name);
            append_value(out, &rows[i], c, true);
        }
        g_string_append_c(out, '}');
    }
    g_string_append(out, n ? "\n  ]\n}\n" : "]\n}\n");
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* reading                                                                  */

/* The columns every row file must have: a row means nothing without them. */
static const enum row_col required_cols[] = {ROW_SCENARIO, ROW_VARIANT, ROW_SEED};

void row_table_free(struct row_table *t)
{
    if (!t)
        return;
    for (unsigned int i = 0; i < t->nr_rows; i++)
        result_row_clear(&t->rows[i]);
    g_free(t->rows);
    g_free(t->lines);
    g_free(t->source);
    g_free(t);
}

/* Parse @text as the value of column @c into @row.  Empty text = missing
 * (allowed for every column but the required ones).  On failure returns a
 * description of what was expected (static), else NULL. */
static const char *parse_value(struct result_row *row, enum row_col c, const char *text)
{
    char *end = NULL;

    if (row_columns[c].type == ROW_T_STRING) {
        set_str(row, c, text);
        return NULL;
    }
    if (!*text) {
        for (unsigned int i = 0; i < G_N_ELEMENTS(required_cols); i++)
            if (required_cols[i] == c)
                return "a value (this column is required)";
        return NULL;
    }
    switch (row_columns[c].type) {
    case ROW_T_HASH: {
        guint64 v;

        if (strlen(text) > 16 || !g_ascii_string_to_unsigned(text, 16, 0, G_MAXUINT64, &v, NULL))
            return "a hash of at most 16 hex digits";
        set_u64(row, c, v);
        return NULL;
    }
    case ROW_T_INT: {
        guint64 v;

        if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &v, NULL))
            return "a non-negative integer";
        set_u64(row, c, v);
        return NULL;
    }
    case ROW_T_REAL: {
        double v = g_ascii_strtod(text, &end);

        if (end == text || *end || !isfinite(v) || g_ascii_isspace(*text))
            return "a finite number";
        *real_field(row, c) = v;
        row->present |= 1ULL << c;
        return NULL;
    }
    case ROW_T_STRING:
        break;
    }
    return NULL;
}

/* Append @row (moved: the table owns its strings now) and its line number. */
static void table_add(GArray *rows, GArray *lines, struct result_row *row, unsigned int line)
{
    g_array_append_val(rows, *row);
    g_array_append_val(lines, line);
}

static void table_finish(struct row_table *t, GArray *rows, GArray *lines)
{
    t->nr_rows = rows->len;
    t->rows = (struct result_row *)(void *)g_array_free(rows, FALSE);
    t->lines = (unsigned int *)(void *)g_array_free(lines, FALSE);
}

static void table_abort(GArray *rows, GArray *lines)
{
    for (unsigned int i = 0; i < rows->len; i++)
        result_row_clear(&g_array_index(rows, struct result_row, i));
    g_array_free(rows, TRUE);
    g_array_free(lines, TRUE);
}

static struct row_table *parse_tsv(const char *text, const char *name, GError **error)
{
    char **lines = g_strsplit(text, "\n", -1);
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct result_row));
    GArray *lnos = g_array_new(FALSE, FALSE, sizeof(unsigned int));
    int map[256];          /* header field -> column, -1 = ignored */
    unsigned int nfields = 0, i;
    bool header_seen = false, seen[ROW_NR_COLS] = {false};
    struct row_table *t = g_new0(struct row_table, 1);

    for (i = 0; lines[i]; i++) {
        char *line = lines[i];
        unsigned int lno = i + 1;
        size_t len = strlen(line);
        char **fields;
        unsigned int nf;

        if (len && line[len - 1] == '\r')
            line[len - 1] = '\0';
        if (!header_seen) {
            if (line[0] == '#' || line[0] == '\0')
                continue; /* comments (and blank lines) before the header */
            fields = g_strsplit(line, "\t", -1);
            nf = g_strv_length(fields);
            if (nf > G_N_ELEMENTS(map)) {
                g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_SYNTAX,
                            "%s:%u: the header has %u columns (at most %u)", name, lno, nf,
                            (unsigned int)G_N_ELEMENTS(map));
                g_strfreev(fields);
                goto fail;
            }
            for (unsigned int f = 0; f < nf; f++) {
                int c = row_column_find(fields[f]);

                map[f] = c;
                if (c >= 0 && seen[c]) {
                    g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_SYNTAX,
                                "%s:%u: column \"%s\" appears twice in the header", name, lno,
                                fields[f]);
                    g_strfreev(fields);
                    goto fail;
                }
                if (c >= 0)
                    seen[c] = true;
            }
            g_strfreev(fields);
            for (unsigned int r = 0; r < G_N_ELEMENTS(required_cols); r++) {
                if (!seen[required_cols[r]]) {
                    g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                                "%s:%u: the header has no column \"%s\" (is this a row file? "
                                "see docs/results-format.md)",
                                name, lno, row_columns[required_cols[r]].name);
                    goto fail;
                }
            }
            nfields = nf;
            header_seen = true;
            continue;
        }
        if (line[0] == '\0')
            continue; /* blank lines (e.g. the end of the file) */
        fields = g_strsplit(line, "\t", -1);
        nf = g_strv_length(fields);
        if (nf != nfields) {
            g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_SYNTAX,
                        "%s:%u: %u fields, but the header has %u columns", name, lno, nf,
                        nfields);
            g_strfreev(fields);
            goto fail;
        }
        {
            struct result_row row;

            memset(&row, 0, sizeof(row));
            for (unsigned int f = 0; f < nf; f++) {
                const char *want;

                if (map[f] < 0)
                    continue;
                want = parse_value(&row, map[f], fields[f]);
                if (want) {
                    g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                                "%s:%u: column %s: expected %s, got \"%s\"", name, lno,
                                row_columns[map[f]].name, want, fields[f]);
                    result_row_clear(&row);
                    g_strfreev(fields);
                    goto fail;
                }
            }
            /* String columns absent from the file are "", not NULL. */
            for (int c = 0; c < ROW_NR_COLS; c++)
                if (row_columns[c].type == ROW_T_STRING && !*str_field(&row, c))
                    *str_field(&row, c) = g_strdup("");
            table_add(rows, lnos, &row, lno);
        }
        g_strfreev(fields);
    }
    if (!header_seen) {
        g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_SYNTAX,
                    "%s: no header line (expected the column names, tab-separated, "
                    "see docs/results-format.md)",
                    name);
        goto fail;
    }
    g_strfreev(lines);
    table_finish(t, rows, lnos);
    return t;

fail:
    g_strfreev(lines);
    table_abort(rows, lnos);
    g_free(t);
    return NULL;
}

static struct row_table *parse_json(const char *text, const char *name, GError **error)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *arr;
    GArray *rows, *lnos;
    struct row_table *t;

    if (!root) {
        g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_SYNTAX,
                    "%s:%d:%d: malformed JSON: %s", name, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    arr = json_object_get(root, "rows");
    if (!json_is_object(root) || !json_is_array(arr)) {
        g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                    "%s: expected an object {\"vsched_version\", \"rows\": [...]} "
                    "(see docs/results-format.md)",
                    name);
        json_decref(root);
        return NULL;
    }
    t = g_new0(struct row_table, 1);
    t->json = true;
    rows = g_array_new(FALSE, TRUE, sizeof(struct result_row));
    lnos = g_array_new(FALSE, FALSE, sizeof(unsigned int));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        struct result_row row;
        const char *key;
        json_t *v;

        if (!json_is_object(o)) {
            g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                        "%s: rows[%zu]: expected an object", name, i);
            goto fail;
        }
        memset(&row, 0, sizeof(row));
        for (unsigned int r = 0; r < G_N_ELEMENTS(required_cols); r++) {
            v = json_object_get(o, row_columns[required_cols[r]].name);
            if (!v || json_is_null(v)) {
                g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                            "%s: rows[%zu]: no \"%s\" (required)", name, i,
                            row_columns[required_cols[r]].name);
                goto fail;
            }
        }
        json_object_foreach(o, key, v)
        {
            int c = row_column_find(key);
            const char *want = NULL;

            if (c < 0)
                continue;
            switch (row_columns[c].type) {
            case ROW_T_STRING:
                if (json_is_string(v))
                    set_str(&row, c, json_string_value(v));
                else
                    want = "a string";
                break;
            case ROW_T_HASH:
                if (json_is_null(v))
                    break;
                if (!json_is_string(v) || parse_value(&row, c, json_string_value(v)))
                    want = "a string of at most 16 hex digits, or null";
                break;
            case ROW_T_INT:
                if (json_is_null(v))
                    break;
                if (json_is_integer(v) && json_integer_value(v) >= 0)
                    set_u64(&row, c, (u64)json_integer_value(v));
                else
                    want = "a non-negative integer or null";
                break;
            case ROW_T_REAL:
                if (json_is_null(v))
                    break;
                if (json_is_number(v)) {
                    *real_field(&row, c) = json_number_value(v);
                    row.present |= 1ULL << c;
                } else {
                    want = "a number or null";
                }
                break;
            }
            if (want) {
                g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_INVALID,
                            "%s: rows[%zu].%s: expected %s", name, i, key, want);
                result_row_clear(&row);
                goto fail;
            }
        }
        for (int c = 0; c < ROW_NR_COLS; c++)
            if (row_columns[c].type == ROW_T_STRING && !*str_field(&row, c))
                *str_field(&row, c) = g_strdup("");
        table_add(rows, lnos, &row, (unsigned int)i);
    }
    json_decref(root);
    table_finish(t, rows, lnos);
    return t;

fail:
    json_decref(root);
    table_abort(rows, lnos);
    g_free(t);
    return NULL;
}

struct row_table *rows_parse(const char *text, const char *name, GError **error)
{
    const char *p = text;
    struct row_table *t;

    if (!name)
        name = "<string>";
    while (g_ascii_isspace(*p))
        p++;
    t = *p == '{' ? parse_json(text, name, error) : parse_tsv(text, name, error);
    if (t)
        t->source = g_strdup(name);
    return t;
}

struct row_table *rows_read_file(const char *path, GError **error)
{
    GError *ioerr = NULL;
    char *text = NULL;
    struct row_table *t;

    if (!g_file_get_contents(path, &text, NULL, &ioerr)) {
        g_set_error(error, VSCHED_ROWS_ERROR, VSCHED_ROWS_ERROR_IO, "%s", ioerr->message);
        g_error_free(ioerr);
        return NULL;
    }
    t = rows_parse(text, path, error);
    g_free(text);
    return t;
}
