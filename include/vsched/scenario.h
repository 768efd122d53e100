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
    bool skew_tick;               /* "skew_tick": the skew_tick=1 boot option, default false */
    bool flat_pick;               /* "pick": "flat" = sched/flat (one EEVDF queue per CPU); default "hierarchical" */
    bool reweight_rescale;        /* "reweight": "rescale" = 101f3498b4bd (V-invariant); default "place" (6d71a9c61604) */
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

/* Default clock-read interval of a run step in a program that sleeps or
 * yields (docs/scenario-format.md). */
#define VSCHED_CLOCK_POLL_DEFAULT_NS 10000ULL

struct task_step {
    enum step_kind kind;
    u64 ns;                       /* duration for RUN/SLEEP (rounded to the nearest ns), 0 for YIELD */
    /*
     * RUN only: the step measures the CPU time it has consumed by reading
     * CLOCK_THREAD_CPUTIME_ID every clock_poll_ns of CPU time (and once at
     * the start); each read goes through task_sched_runtime() and so
     * update_curr().  0 = the step never reads a clock (a loop of known
     * length).  "clock_poll_us"/"clock_poll_ns" in the scenario; without
     * them VSCHED_CLOCK_POLL_DEFAULT_NS if the program also sleeps or
     * yields, else 0.
     */
    u64 clock_poll_ns;
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


/* ---- VMs (KVM layer) ---- */

/* How the guest's IPIs and EOIs reach KVM (kernel-mechanisms 5.6). */
enum apicv_mode {
    APICV_OFF = 0,  /* "off": ICR writes and EOIs exit */
    APICV_ON = 1,   /* "on": EOI virtualized, ICR writes exit, posted interrupts */
    APICV_IPIV = 2, /* "ipiv": neither exits (Intel IPI virtualization) */
};

/* The "kvm" block: KVM module parameters and costs (docs/scenario-format.md). */
struct scenario_kvm {
    u64 exit_ns;                  /* "exit_ns": guest -> host transition, default 600 */
    u64 entry_ns;                 /* "entry_ns": host -> guest transition, default 400 */
    u64 ctx_switch_ns;            /* "ctx_switch_ns": switching to a vCPU thread incl. vcpu_load, default 2000 */
    u64 ipi_latency_ns;           /* "ipi_latency_ns": physical IPI / notification flight time, default 1000 */
    enum apicv_mode apicv;        /* "apicv": "off" | "on" | "ipiv", default "on" */
    u32 ple_gap;                  /* "ple_gap": 0 disables PLE, default 128 */
    u32 ple_window;               /* "ple_window": cycles, default 4096 */
    u32 ple_window_grow;          /* "ple_window_grow": default 2 */
    u32 ple_window_shrink;        /* "ple_window_shrink": default 0 */
    u32 ple_window_max;           /* "ple_window_max": default UINT_MAX */
    u64 halt_poll_ns;             /* "halt_poll_ns": max halt polling, default 200000; 0 = off */
    u32 halt_poll_ns_grow;        /* "halt_poll_ns_grow": default 2 */
    u64 halt_poll_ns_grow_start;  /* "halt_poll_ns_grow_start": default 10000 */
    u32 halt_poll_ns_shrink;      /* "halt_poll_ns_shrink": default 2 */
    bool pv_unhalt;               /* "pv_unhalt": KVM_FEATURE_PV_UNHALT (PV spinlocks possible), default true */
    bool pv_send_ipi;             /* "pv_send_ipi": KVM_FEATURE_PV_SEND_IPI, default true */
    bool pv_tlb_flush;            /* "pv_tlb_flush": KVM_FEATURE_PV_TLB_FLUSH, default true */
    bool pv_sched_yield;          /* "pv_sched_yield": KVM_FEATURE_PV_SCHED_YIELD, default true */
    bool pv_eoi;                  /* "pv_eoi": KVM_FEATURE_PV_EOI used by the guest, default false */
};

/* Time distributions of workload steps. */
enum dist_kind {
    DIST_FIXED = 0,       /* always a */
    DIST_UNIFORM,         /* uniform in [a, b] */
    DIST_EXPONENTIAL,     /* mean a */
    DIST_LOGNORMAL,       /* median a, shape sigma */
};

struct dist {
    enum dist_kind kind;
    u64 a_ns;
    u64 b_ns;
    double sigma;
};

enum guest_step_kind {
    GSTEP_COMPUTE = 0,    /* run guest code for a drawn duration */
    GSTEP_LOCK,           /* acquire a spinlock (spin / halt per lock kind) */
    GSTEP_UNLOCK,         /* release the most recently acquired lock */
    GSTEP_IPI,            /* send a function-call IPI; optionally wait (csd_lock_wait) */
    GSTEP_TLB_SHOOTDOWN,  /* flush_tlb_multi: multicast IPI and wait, PV-TLB aware */
    GSTEP_BARRIER,        /* wait until every participating vCPU arrived */
    GSTEP_SLEEP,          /* halt until a guest timer fires */
};

enum ipi_dest {
    IPI_TO_NEXT = 0,      /* vCPU (self + 1) mod participants */
    IPI_TO_RANDOM,        /* one random other participant */
    IPI_TO_SEVERAL,       /* nr_targets random other participants */
    IPI_TO_ALL,           /* every other participant */
};

struct guest_step {
    enum guest_step_kind kind;
    struct dist d;                /* COMPUTE / SLEEP duration */
    bool kernel;                  /* COMPUTE at CPL 0 (guest kernel), else user */
    unsigned int lock;            /* LOCK: index of the first lock instance */
    unsigned int spread;          /* LOCK: pick uniformly among spread instances (>= 1) */
    enum ipi_dest to;             /* IPI / TLB_SHOOTDOWN */
    unsigned int nr_targets;      /* IPI_TO_SEVERAL */
    bool wait;                    /* IPI: wait for every handler (csd_lock_wait) */
    u64 handler_ns;               /* IPI / TLB_SHOOTDOWN: handler body at each target */
    bool freed_tables;            /* TLB_SHOOTDOWN: page tables were freed, so CPUs in lazy
                                     TLB mode (idle) are flushed too */
    unsigned int every;           /* run only on iterations i with i % every == 0 (>= 1) */
};

enum lock_kind {
    LOCK_PV_QSPINLOCK = 0,        /* "pv": paravirt qspinlock (spin, then halt; kick on unlock) */
    LOCK_QSPINLOCK,               /* "native": FIFO queued spinlock, spin forever */
    LOCK_TAS,                     /* "tas": test-and-set, unfair */
    LOCK_S390,                    /* "s390": s390 classic spinlock of a KVM guest (unfair; a
                                     directed yield, diag 9c, to the owner every spin_retry loops) */
};

struct scenario_workload {
    char *preset;                 /* preset name, or NULL for a custom program */
    struct guest_step *steps;     /* the program, repeated forever; one op per pass */
    unsigned int nr_steps;
    unsigned int nr_locks;        /* lock instances used by the program */
    enum lock_kind lock_kind;     /* "lock_kind", default "pv" (if kvm.pv_unhalt, else "tas") */
    unsigned int participants;    /* vCPUs 0..participants-1 run the program; the others idle; 0 = all */
    u32 spin_threshold;           /* "spin_threshold": SPIN_THRESHOLD pause iterations, default 32768 */
    u32 spin_retry;               /* "spin_retry" (s390 only): loop count between diag 9c, default 1000 */
    u64 spin_loop_ps;             /* "spin_loop_ns" (s390 only): CPU time of one wait-loop pass, in ps,
                                     default 2000 */
    u64 handoff_ns;               /* "handoff_ns": cache-line hand-off of a released lock, default 100 */
    u64 resched_handler_ns;       /* "resched_handler_ns": reschedule-IPI handler body, default 500 */
    u64 timer_handler_ns;         /* "timer_handler_ns": local-timer handler body, default 1000 */
    unsigned int threads_per_vcpu; /* "threads_per_vcpu": guest threads on each participating
                                     vCPU, default 1 */
    u64 thread_switch_ns;         /* "thread_switch_ns": guest context switch between two of
                                     them, default 1500 */
    unsigned int tick_hz;         /* "tick_hz": the guest kernel's CONFIG_HZ, its periodic tick
                                     on busy vCPUs; 0 = no guest tick; default 250 */
};

enum vm_pin {
    VM_PIN_NONE = 0,              /* "none": every vCPU may run on any of the VM's cpus */
    VM_PIN_1TO1 = 1,              /* "1:1": vCPU i pinned to the VM's cpus[i mod n] */
};

struct scenario_vm {
    char *name;                   /* base name; replicas name.0, name.1, ... when count > 1 */
    unsigned int vcpus;           /* 1..VSCHED_MAX_VCPUS */
    char *cgroup;                 /* per replica (see docs); default "/machine/<vm name>" */
    bool cgroup_per_replica;      /* cgroup was defaulted: each replica gets its own */
    bool vcpu_cgroups;            /* libvirt layout: vCPU K in child group "vcpuK", default false */
    struct cpumask cpus;          /* host CPUs the vCPU threads may use, default all */
    enum vm_pin pin;
    unsigned int count;           /* replicas, default 1 */
    int nice;                     /* nice of the vCPU threads, default 0 */
    u64 start_ns;                 /* "start_us": when the vCPU threads are created, default 0 */
    u64 start_spread_ns;          /* "start_spread_us": vCPU i starts at start_ns + U[0, spread);
                                   * default one tick (MODEL, docs/model.md) */
    struct scenario_workload wl;
};

#define VSCHED_MAX_VCPUS 256
#define VSCHED_MAX_LOCKS 1024

/* ---- yield policies (issue 4 hook points) ---- */
struct scenario_policy {
    char *yield_to;               /* "yield_to": scheduler-side policy name, default per profile */
    char *directed_yield;         /* "directed_yield": KVM candidate selection, default "mainline" */
    bool vcpu_debooster_enabled;  /* default true */
    bool ipi_tracking_enabled;    /* default true */
    u64 ipi_window_ns;            /* default 50 ms */
    bool enable_relaxed_boost;    /* default true */
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
    /* KVM layer: "kvm" defaults apply even without VMs. */
    struct scenario_kvm kvm;
    double cpu_ghz;               /* "host.cpu_ghz": TSC rate for cycle counts, default 2.5 */
    u32 pause_cycles;             /* "host.pause_cycles": latency of one PAUSE iteration, default 140 */
    struct scenario_vm *vms;      /* "vms" */
    unsigned int nr_vms;
    struct scenario_policy policy;
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
/* The group of replica @r of VM @vm: "CGROUP.r" when the cgroup was
 * defaulted and count > 1, else the VM's cgroup.  Free with g_free(). */
char *scenario_vm_replica_cgroup(const struct scenario_vm *vm, unsigned int r);
/* The group of vCPU @vcpu of a VM in group @vm_cgroup with "vcpu_cgroups"
 * (libvirt's layout): "@vm_cgroup/vcpuN".  Free with g_free(). */
char *scenario_vcpu_cgroup(const char *vm_cgroup, unsigned int vcpu);
void scenario_free(struct scenario *sc);

/* Apply one "KEY=VALUE" policy override (the --policy option of vsched run:
 * yield_to, directed_yield, vcpu_debooster_enabled, ipi_tracking_enabled,
 * ipi_window_ns, enable_relaxed_boost).  False with @error on a bad key or
 * value; @sc is unchanged then. */
bool scenario_apply_policy_override(struct scenario *sc, const char *kv, GError **error);

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
