/*
 * vsched/sim.h - one simulation: a scenario instantiated on a host, run for
 * its duration, and the results it produced.
 *
 * All state hangs off struct sim (no globals), so a sweep can run many
 * simulations on many threads in one process.
 */
#ifndef VSCHED_SIM_H
#define VSCHED_SIM_H

#include <glib.h>

#include "vsched/core.h"
#include "vsched/policy.h"
#include "vsched/scenario.h"
#include "vsched/sched.h"

struct host_task; /* src/host: a task driven by a program of steps */
struct kvm;       /* src/virt: a VM */
struct kvm_vcpu;
struct yield_to_policy;
struct dy_policy;
struct trace;

struct sim {
    struct sim_engine eng;        /* clock and event queue */
    const struct scenario *sc;    /* borrowed; must outlive the sim */
    u64 seed;                     /* effective seed (scenario or override) */
    u64 duration_ns;              /* effective duration */
    struct sched_params params;   /* derived kernel parameters */
    unsigned int nr_cpus;
    struct rq *rqs;               /* [nr_cpus] */
    struct task_group **tgs;      /* [nr_tgs], tgs[0] is the root group */
    unsigned int nr_tgs;
    struct task_struct **tasks;   /* [nr_tasks], in scenario order */
    unsigned int nr_tasks;
    struct host_task *host_tasks; /* [nr_tasks] behaviour state of program tasks */
    struct sim_event balance_ev;  /* periodic load balance */
    struct sim_event start_ev;    /* forks every task at t = 0 */
    bool debug_checks;            /* run cfs_rq_sane() after every event (slow) */
    /* Hook points (include/vsched/policy.h). */
    const struct yield_to_policy *yt_policy;
    const struct dy_policy *dy_policy;
    /* KVM layer (include/vsched/kvm.h). */
    struct kvm **vms;             /* [nr_vms], replicas expanded */
    unsigned int nr_vms;
    unsigned int nr_host_tasks;   /* tasks[0..nr_host_tasks) are host tasks, then vCPUs */
    /* Tests only: replaces the yield_to() call of kvm_vcpu_yield_to(). */
    int (*test_yield_to)(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target);
    struct policy_stats pstats;   /* yield-policy counters (policy.h) */
    struct trace *trace;          /* event trace (vsched/trace.h), NULL = off; not owned */
};

static inline struct rq *cpu_rq(struct sim *sim, unsigned int cpu)
{
    return &sim->rqs[cpu];
}
static inline struct rq *task_rq(struct sim *sim, struct task_struct *p)
{
    return &sim->rqs[p->cpu];
}
static inline u64 sim_now(const struct sim *sim)
{
    return sim->eng.now;
}

/* Overrides of scenario values for one run; 0 / NULL = keep the scenario's. */
struct sim_options {
    bool has_seed;
    u64 seed;
    u64 duration_ns;
    bool debug_checks;
};

/* Build a simulation of @sc (borrowed).  Returns NULL with @error set only
 * for scenarios the loader could not have rejected (none today). */
struct sim *sim_new(const struct scenario *sc, const struct sim_options *opt, GError **error);
void sim_free(struct sim *sim);
/* When each vCPU thread of @kvm is forked (ns): "start_us" plus a draw from
 * U[0, "start_spread_us") per vCPU; @out has kvm->online_vcpus entries. */
void sim_vcpu_start_times(const struct sim *sim, const struct kvm *kvm, u64 *out);
/* Run to the end of the duration. @progress, if not NULL, is called every
 * ~1 % of simulated time with the fraction done. */
void sim_run(struct sim *sim, void (*progress)(double frac, void *arg), void *arg);

/* ---- results ---- */
struct task_result {
    char *name;
    char *cgroup;
    int nice;
    u64 cpu_ns;                   /* sum_exec_runtime */
    double share;                 /* cpu_ns / sum over tasks */
    u64 nr_switches;
    u64 nr_yields;
    u64 nr_wakeups;
    u64 nr_migrations;
    u64 run_p50_ns;               /* median stint on a CPU */
    u64 run_p99_ns;
};

struct cpu_result {
    unsigned int id;
    u64 busy_ns;
    u64 nr_switches;
};

struct cgroup_result {
    char *path;
    u64 cpu_ns;                   /* sum over tasks in it and below */
    double share;                 /* cpu_ns / sum over all tasks */
};

/* Per VM (replicas expanded), see docs/model.md "VM metrics". */
struct vm_result {
    char *name;
    char *cgroup;
    char *workload;               /* preset name or "custom" */
    unsigned int vcpus;
    u64 ops;                      /* completed passes over the workload program */
    double ops_per_sec;           /* ops per simulated second */
    u64 cpu_ns;                   /* sum of the vCPU threads' sum_exec_runtime */
    u64 guest_ns, spin_ns, host_ns, poll_ns;
    u64 spin_host_ns;             /* host time while the guest was in a spin loop */
    u64 exits[9];                 /* by enum kvm_exit (KVM_EXIT_NR == 9) */
    u64 on_spin;                  /* kvm_vcpu_on_spin() calls */
    bool s390;                    /* lock_kind "s390": the diag 9c metrics are reported */
    u64 diag_9c, diag_9c_ignored; /* DIAGNOSE 0x9c handled, and ignored (zero unless s390) */
    u64 yt_attempts, yt_success, yt_esrch, yt_zero;
    u64 ipis_sent, ipis_received;
    u64 ipi_lat_p50, ipi_lat_p99, ipi_lat_max;
    u64 lock_acquisitions;
    u64 lock_wait_p50, lock_wait_p99, lock_hold_p50, lock_hold_p99;
    u64 lock_holder_preempted;
    u64 pv_kicks, pv_wait_early, pv_lock_steals, tlb_skipped_preempted, tlb_skipped_lazy,
        halt_wakeups, halt_poll_success;
    u64 pv_eois;                  /* EOIs completed from the guest's PV EOI word (no exit) */
    u64 guest_thread_switches;    /* switches between two guest threads of a vCPU */
    u64 guest_thread_preemptions; /* of which the guest tick preempted the running thread */
    u64 guest_ticks;              /* guest ticks (workload.tick_hz) expired, all vCPUs */
    u64 pv_spurious_wakeups;      /* queued PV waiters woken in pv_wait_node() before their turn */
    u64 pv_wait_again;            /* PV queue heads that gave up spinning again (a steal, an
                                     interrupt) */
    /* directed-yield policy counters (zero where the policy has none) */
    u64 ipi_track_records, ipi_eoi_clear_receiver, ipi_eoi_clear_sender, ipi_stale;
    u64 dy_tier[3], dy_relaxed_rounds, dy_relaxed_hits, dy_hint_hits, dy_hint_fallbacks;
    double share;                 /* cpu_ns / (host CPUs x simulated time) */
    double entitlement;           /* entitled fraction of host CPU time (water-filling) */
    double share_vs_entitlement;  /* share / entitlement */
};

struct sim_result {
    char *scenario;               /* scenario name */
    char *file;
    u64 scenario_hash;
    u64 seed;
    u64 sim_ns;                   /* simulated time */
    u64 events;                   /* events fired */
    double wall_s;                /* wall-clock time of sim_run (not deterministic) */
    const char *profile;
    const char *pick;             /* "hierarchical" or "flat" (kernel.pick) */
    struct task_result *tasks;
    unsigned int nr_tasks;
    struct cpu_result *cpus;
    unsigned int nr_cpus;
    struct cgroup_result *cgroups;/* declared cgroups, in declaration order */
    unsigned int nr_cgroups;
    double jain_tasks;            /* Jain's index over task cpu_ns */
    struct vm_result *vms;
    unsigned int nr_vms;
    double jain_vms;              /* Jain's index over VMs of share / entitlement */
    /* yield policies of the run and their counters */
    const char *yield_to_policy;  /* static names from the registries */
    const char *dy_policy;
    struct scenario_policy knobs; /* only the scalar knobs are valid (names: above) */
    struct policy_stats pstats;
    unsigned int nr_host_tasks;   /* tasks[0..nr_host_tasks) are host tasks, then vCPUs */
    double min_share, max_share;  /* over tasks */
};

struct sim_result *sim_collect(struct sim *sim, double wall_s);
void sim_result_free(struct sim_result *r);

#endif /* VSCHED_SIM_H */
