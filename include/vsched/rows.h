/*
 * vsched/rows.h - result rows: one line per simulation, the exchange format
 * of `vsched sweep`, `compare` and `regress` (docs/results-format.md is the
 * contract: column names, order, types and units).
 *
 * A row is filled from a struct sim_result plus what the run does not know
 * about itself (the variant label, the --set string, the seed, the hash of
 * the effective scenario).  Reals are rounded to a fixed number of decimals
 * per column when the row is filled, so that a row in memory is exactly what
 * its file says: writing, reading back and writing again gives the same
 * bytes, and a fresh row compares equal to the same row read from a file.
 *
 * Ownership: a struct result_row owns its strings (result_row_clear frees
 * them); a struct row_table owns its rows.
 */
#ifndef VSCHED_ROWS_H
#define VSCHED_ROWS_H

#include <glib.h>

#include "vsched/sim.h"

/* The columns, in file order (docs/results-format.md). */
enum row_col {
    ROW_SCENARIO,
    ROW_SCENARIO_HASH,
    ROW_VARIANT,
    ROW_YIELD_TO,
    ROW_DIRECTED_YIELD,
    ROW_SET,
    ROW_SEED,
    ROW_VSCHED_VERSION,
    ROW_HOST_CPUS,
    ROW_NR_VMS,
    ROW_VCPUS_TOTAL,
    ROW_OVERCOMMIT,
    ROW_SIM_MS,
    ROW_OPS_PER_S,
    ROW_OPS_PER_S_PER_VM,
    ROW_JAIN_VMS,
    ROW_WORST_VM_SHARE_VS_ENTITLEMENT,
    ROW_JAIN_TASKS,
    ROW_SPIN_PCT,
    ROW_HOST_PCT,
    ROW_SPIN_TOTAL_PCT,
    ROW_PLE_EXITS,
    ROW_HLT_EXITS,
    ROW_ICR_EXITS,
    ROW_EOI_EXITS,
    ROW_ON_SPIN_CALLS,
    ROW_YIELD_TO_CALLS,
    ROW_YIELD_TO_SUCCESS,
    ROW_DIAG9C_CALLS,
    ROW_DIAG9C_IGNORED,
    ROW_IPI_LAT_P50_US,
    ROW_IPI_LAT_P99_US,
    ROW_LOCK_WAIT_P50_US,
    ROW_LOCK_WAIT_P99_US,
    ROW_LOCK_HOLDER_PREEMPTED,
    ROW_DEBOOST_APPLIED,
    ROW_WALL_S,
    ROW_NR_COLS
};

enum row_type {
    ROW_T_STRING,  /* UTF-8 text without tabs or newlines; never missing ("" instead) */
    ROW_T_HASH,    /* u64 written as 16 lower-case hex digits */
    ROW_T_INT,     /* u64 in decimal */
    ROW_T_REAL,    /* double written with a fixed number of decimals (row_column.decimals) */
};

/* Description of one column (row_columns[], indexed by enum row_col). */
struct row_column {
    const char *name;    /* column name = TSV header = JSON key */
    enum row_type type;
    int decimals;        /* ROW_T_REAL: digits after the decimal point, else 0 */
    const char *unit;    /* for tables: "ops/s", "%", "us", "count", "index", ... */
    size_t off;          /* offset of the field in struct result_row */
};

extern const struct row_column row_columns[ROW_NR_COLS];

/* Index of the column called @name, or -1. */
int row_column_find(const char *name);
/* True for ROW_T_INT and ROW_T_REAL columns (the ones compare/regress measure). */
bool row_column_is_number(enum row_col c);

struct result_row {
    char *scenario;               /* scenario name */
    u64 scenario_hash;            /* hash of the effective scenario (scenario_hash()) */
    char *variant;                /* variant label */
    char *yield_to;               /* scheduler-side policy of the run */
    char *directed_yield;         /* KVM-side policy of the run */
    char *set;                    /* "path=value;path=value" of the grid point, "" if none */
    u64 seed;                     /* seed of the run */
    char *vsched_version;         /* version that produced the row */
    u64 host_cpus;                /* host CPUs */
    u64 nr_vms;                   /* VMs, replicas expanded */
    u64 vcpus_total;              /* vCPUs over all VMs */
    double overcommit;            /* vcpus_total / host_cpus */
    double sim_ms;                /* simulated time, ms */
    double ops_per_s;             /* guest ops per simulated second, all VMs */
    double ops_per_s_per_vm;      /* ... mean over VMs */
    double jain_vms;              /* Jain's index over VMs of share / entitlement */
    double worst_vm_share_vs_entitlement; /* min over VMs of share / entitlement */
    double jain_tasks;            /* Jain's index over all tasks' CPU time */
    double spin_pct;              /* guest spin time / vCPU CPU time, % */
    double host_pct;              /* host-mode time / vCPU CPU time, % */
    double spin_total_pct;        /* spin-waits' CPU time (guest PAUSE loops + the host time of
                                     the exits taken from them) / vCPU CPU time, % */
    u64 ple_exits;                /* PAUSE-loop exits, all VMs */
    u64 hlt_exits;                /* HLT exits, all VMs */
    u64 icr_exits;                /* ICR-write exits, all VMs */
    u64 eoi_exits;                /* EOI-write exits, all VMs */
    u64 on_spin_calls;            /* kvm_vcpu_on_spin() calls */
    u64 yield_to_calls;           /* kvm_vcpu_yield_to() attempts */
    u64 yield_to_success;         /* ... that returned > 0 */
    u64 diag9c_calls;             /* s390 DIAGNOSE 0x9c, VMs with lock_kind "s390" (else missing) */
    u64 diag9c_ignored;           /* ... of which ignored by KVM */
    double ipi_lat_p50_us;        /* max over VMs of the VM's IPI latency p50 */
    double ipi_lat_p99_us;        /* ... p99 */
    double lock_wait_p50_us;      /* max over VMs of the VM's lock wait p50 */
    double lock_wait_p99_us;      /* ... p99 */
    u64 lock_holder_preempted;    /* all VMs */
    u64 deboost_applied;          /* policy.counters.deboost_applied */
    double wall_s;                /* wall-clock time of the run (not deterministic) */
    u64 present;                  /* bit (1 << col) set when column col has a value */
};
G_STATIC_ASSERT(ROW_NR_COLS <= 64);

/* What a row needs that the run does not know about itself. */
struct row_meta {
    const char *variant;          /* label; borrowed */
    const char *set;              /* "path=value;..." or NULL for "" ; borrowed */
    u64 seed;
    u64 scenario_hash;            /* of the effective scenario */
    bool with_wall;               /* fill wall_s (otherwise it is missing) */
};

/* Fill @row (uninitialised) from @r.  VM metrics are missing when the run
 * had no VMs.  Reals are rounded to their column's decimals. */
void result_row_fill(struct result_row *row, const struct sim_result *r,
                     const struct row_meta *meta);
/* Deep copy into @dst (uninitialised). */
void result_row_copy(struct result_row *dst, const struct result_row *src);
/* Free the strings of @row (not @row itself). */
void result_row_clear(struct result_row *row);

static inline bool row_has(const struct result_row *row, enum row_col c)
{
    return (row->present >> c) & 1;
}
/* Numeric value of column @c (ROW_T_INT as double); false if missing or not a number. */
bool row_get_number(const struct result_row *row, enum row_col c, double *out);
/* String value of column @c (borrowed); NULL if @c is not a string column. */
const char *row_get_string(const struct result_row *row, enum row_col c);
/* The value of column @c as the TSV writes it ("" when missing); g_free. */
char *row_format_value(const struct result_row *row, enum row_col c);

/* Render @n rows as TSV (header line, then one line per row) or as JSON
 * ({"vsched_version", "rows": [...]}, one row per line).  g_free. */
char *rows_render_tsv(const struct result_row *rows, unsigned int n);
char *rows_render_json(const struct result_row *rows, unsigned int n);

/* Rows read from a file, in file order. */
struct row_table {
    char *source;                 /* file name (or the name given to rows_parse) */
    struct result_row *rows;      /* [nr_rows] */
    unsigned int *lines;          /* [nr_rows] TSV: line number; JSON: index in "rows" */
    bool json;                    /* read from JSON (lines[] are indexes) */
    unsigned int nr_rows;
};

/*
 * Read a row file: JSON if its first non-blank character is '{', TSV
 * otherwise.  Columns not in the contract are ignored; "scenario",
 * "variant" and "seed" are required, any other known column may be absent
 * (its values are then missing).  On error returns NULL with @error
 * (VSCHED_ROWS_ERROR) naming the file, the line (TSV; rows[i] in JSON) and
 * the column.
 */
struct row_table *rows_read_file(const char *path, GError **error);
/* Same from a string; @name is used in messages. */
struct row_table *rows_parse(const char *text, const char *name, GError **error);
void row_table_free(struct row_table *t);

#define VSCHED_ROWS_ERROR (vsched_rows_error_quark())
GQuark vsched_rows_error_quark(void);
enum vsched_rows_error_code {
    VSCHED_ROWS_ERROR_IO,         /* cannot read the file */
    VSCHED_ROWS_ERROR_SYNTAX,     /* malformed JSON or TSV structure */
    VSCHED_ROWS_ERROR_INVALID,    /* a value of the wrong type or a missing column */
};

#endif /* VSCHED_ROWS_H */
