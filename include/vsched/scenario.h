/*
 * vsched/scenario.h - the in-memory form of a scenario file (format version 1).
 *
 * The loader (src/io/scenario.c) fills this from JSON, applies the defaults
 * documented in docs/scenario-format.md, and validates everything it can, so
 * that the simulator never has to reject a scenario.  All strings and arrays
 * are owned by the scenario and freed by scenario_free().
 */
#ifndef VSCHED_SCENARIO_H
#define VSCHED_SCENARIO_H

#include <glib.h>

#include "vsched/types.h"

#define SCENARIO_FORMAT_VERSION 1

/* Which kernel's behaviour the host scheduler reproduces (see docs). */
enum kernel_profile {
    KERNEL_6_18 = 0, /* 6.18.y stable (6.18.44): forfeit backported; buddy in pick_next_entity */
    KERNEL_6_19 = 1, /* v6.19: PICK_BUDDY inside __pick_eevdf, v6.19 wakeup preemption */
};

/* Scheduler feature switches (kernel/sched/features.h names, lower case in
 * JSON).  Defaults come from the profile; a scenario may override each. */
enum sched_feat {
    SF_PLACE_LAG,
    SF_PLACE_DEADLINE_INITIAL,
    SF_PLACE_REL_DEADLINE,
    SF_RUN_TO_PARITY,
    SF_PREEMPT_SHORT,
    SF_NEXT_BUDDY,
    SF_PICK_BUDDY,
    SF_DELAY_DEQUEUE,
    SF_DELAY_ZERO,
    SF_WAKEUP_PREEMPTION,
    /* Not a kernel feature bit: true = yield_task_fair forfeits the request
     * when eligible (commit 79104becf42b); false = the older deadline-push
     * only yield.  JSON name "yield_forfeit". */
    SF_YIELD_FORFEIT,
    SF_NR
};

/* JSON names of the features, indexed by enum sched_feat. */
extern const char *const sched_feat_names[SF_NR];
/* Fill @feat with the defaults of @profile. */
void sched_feat_defaults(enum kernel_profile profile, bool feat[SF_NR]);
/* "6.18" -> KERNEL_6_18 etc.; false if unknown. */
bool kernel_profile_parse(const char *s, enum kernel_profile *out);
const char *kernel_profile_name(enum kernel_profile p);

enum tunable_scaling {
    SCALING_NONE = 0,
    SCALING_LOG = 1, /* kernel default */
    SCALING_LINEAR = 2,
};

struct scenario_kernel {
    enum kernel_profile profile;  /* "profile" */
    unsigned int hz;              /* "hz": CONFIG_HZ, default 250 */
    bool feat[SF_NR];             /* "features": {name: bool} over profile defaults */
    u64 base_slice_ns;            /* "base_slice_ns": normalized_sysctl_sched_base_slice, default 700000 */
    enum tunable_scaling scaling; /* "tunable_scaling": "none"|"log"|"linear", default log */
    u64 timer_slack_ns;           /* "timer_slack_ns": added to every sleep, default 50000 */
};

struct scenario_host {
    unsigned int cpus;            /* "cpus": number of host CPUs, 1..VSCHED_MAX_CPUS */
    u64 balance_interval_ns;      /* "balance_interval_ms": periodic balance period, default 32 ms; 0 = off */
    bool newidle_balance;         /* "newidle_balance": pull on going idle, default true */
};

struct scenario_cgroup {
    char *path;                   /* "/A", "/P1/a"; parent declared earlier or implied "/" */
    unsigned long shares;         /* cgroup-v1 cpu.shares (unscaled), default 1024 */
};

enum step_kind {
    STEP_RUN,   /* consume ns of CPU time */
    STEP_SLEEP, /* block for ns of simulated time */
    STEP_YIELD, /* sched_yield() */
};

struct task_step {
    enum step_kind kind;
    u64 ns;                       /* duration for RUN/SLEEP (rounded to the nearest ns), 0 for YIELD */
};

struct scenario_task {
    char *name;                   /* base name; replicas are name.0, name.1, ... when count > 1 */
    char *cgroup;                 /* cgroup path, default "/" */
    int nice;                     /* -20..19, default 0 */
    unsigned int count;           /* replicas, default 1 */
    struct cpumask cpus;          /* allowed CPUs, default all */
    struct task_step *program;    /* repeated forever */
    unsigned int nr_steps;        /* >= 1, at least one RUN or SLEEP with ns > 0 */
};

struct scenario {
    char *file;                   /* where it came from ("<default>" for the embedded one) */
    char *name;
    char *description;            /* may be "" */
    u64 seed;                     /* default 1 */
    u64 duration_ns;              /* "duration_ms" (> 0) */
    struct scenario_kernel kernel;
    struct scenario_host host;
    struct scenario_cgroup *cgroups; /* in declaration order */
    unsigned int nr_cgroups;
    struct scenario_task *tasks;
    unsigned int nr_tasks;
};

/* Parse a scenario from a file.  On error returns NULL and sets @error
 * (domain VSCHED_SCENARIO_ERROR) to a message that names the file and the
 * JSON path (e.g. "tasks[2].program[0]") or line:column, and says what was
 * expected. */
struct scenario *scenario_load_file(const char *path, GError **error);
/* Same from a string; @name is used in messages in place of a file name. */
struct scenario *scenario_load_string(const char *json, const char *name, GError **error);
/* The embedded default scenario (never fails). */
struct scenario *scenario_load_default(void);
const char *scenario_default_json(void);
void scenario_free(struct scenario *sc);

/* A stable 64-bit FNV-1a hash of the scenario's canonical JSON form (keys
 * sorted, compact), for result rows. */
u64 scenario_hash(const struct scenario *sc);

#define VSCHED_SCENARIO_ERROR (vsched_scenario_error_quark())
GQuark vsched_scenario_error_quark(void);
enum vsched_scenario_error_code {
    VSCHED_SCENARIO_ERROR_IO,     /* cannot read the file */
    VSCHED_SCENARIO_ERROR_SYNTAX, /* malformed JSON */
    VSCHED_SCENARIO_ERROR_INVALID,/* well-formed JSON, invalid scenario */
};

#endif /* VSCHED_SCENARIO_H */
