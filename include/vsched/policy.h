/*
 * vsched/policy.h - the two hook points where yield algorithms plug in.
 *
 *  - Scheduler side: the body of yield_to_task_fair(rq, p), called by the
 *    core's yield_to() with both run-queues "locked" (kernel-mechanisms 4.3).
 *  - KVM side: the candidate scan of kvm_vcpu_on_spin(me, yield_to_kernel_mode)
 *    (kernel-mechanisms 5.2), between setting and clearing in_spin_loop;
 *    plus observers of IPI delivery (kvm_irq_delivery_to_apic) and EOI
 *    (kvm_lapic_eoi_write), which IPI-aware algorithms use.
 *
 * One file per algorithm under src/policy/; registry.c lists them.
 */
#ifndef VSCHED_POLICY_H
#define VSCHED_POLICY_H

#include "vsched/sched.h"

struct sim;
struct kvm_vcpu;

/*
 * Counters of the scheduler-side yield algorithms, one set per simulation
 * (sim->pstats).  Only the policy in use moves its own group; the first
 * group is counted by every policy.  Quantiles of the penalty come from the
 * histogram (hist_quantile).
 */
struct policy_stats {
    /* every policy: calls of ->yield_to_task and what they returned */
    u64 yield_to_calls;           /* yield_to_task() calls */
    u64 yield_to_true;            /* returned true (then schedule()) */
    u64 yield_to_false;           /* returned false (target not on_rq) */

    /* deboost-v2 (W. Li v2 patches 1-5); attempts = applied + skipped_* */
    u64 deboost_attempts;         /* yield_to_deboost() entered */
    u64 deboost_applied;          /* penalty written to vruntime/deadline */
    u64 deboost_skip_disabled;    /* vcpu_debooster_enabled off */
    u64 deboost_skip_rate_limited;/* within 6 ms of the last pass on this rq */
    u64 deboost_skip_validation;  /* NULL / same task / other rq / not on_rq */
    u64 deboost_skip_no_lca;      /* LCA queue h_nr_queued <= 1 (no contention) */
    u64 deboost_skip_overflow;    /* apply_penalty()'s u64 overflow guards refused */
    u64 deboost_debounced;        /* reverse pair seen within 600 us */
    u64 deboost_debounce_reduced; /* ... and the debounce lowered the penalty */
    struct hist deboost_penalty_ns;/* applied penalties (virtual ns) */
    u64 deboost_lag_checks;       /* lag evaluations of entities with a pending penalty */
    u64 deboost_lag_clamp_cut;    /* ... where update_entity_lag()'s clamp cut into it */
    u64 deboost_lag_clamp_cut_ns; /* sum of min(cut, pending penalty) */

    /* lag-credit-v3 (W. Li v3 patches 1-5, as modelled) */
    u64 credit_yields;            /* yields that took the credit path (same rq) */
    u64 credit_remote;            /* target on another rq: no credit, plain forfeit */
    u64 credit_levels;            /* ineligible levels credited */
    u64 credit_levels_curr;       /* ... of which the off-tree cfs_rq->curr (in place) */
    u64 credit_clamped;           /* margin cut to entity_lag()'s positive bound */
    u64 credit_forced_resched;    /* cancel_protect_slice chain + resched_curr done */
    u64 credit_resched_rate_limited; /* forced resched skipped (6 ms per rq) */

    /* prateek-proportional (K Prateek Nayak, 2026-01-05) */
    u64 prateek_levels_pushed;    /* ancestor group entities pushed */
    u64 prateek_stop_ineligible;  /* walk stopped at an ineligible level */
    u64 prateek_stop_zero_weight; /* walk stopped because the weight became 0 */
    u64 prateek_not_curr;         /* the sketch's WARN_ON_ONCE(se != cfs_rq->curr) */
};

struct yield_to_policy {
    const char *name;             /* as written in scenarios and --policy */
    const char *summary;          /* one line for `vsched policies` */
    /* yield_to_task_fair(): returns true if it yielded (then the core
     * calls schedule() on @rq). */
    bool (*yield_to_task)(struct sim *sim, struct rq *rq, struct task_struct *p);
};

/* Delivery of one interrupt as kvm_irq_delivery_to_apic() saw it. */
struct kvm_ipi_event {
    struct kvm_vcpu *src;         /* sending vCPU (LAPIC-originated), or NULL */
    int vector;
    bool fixed;                   /* APIC_DM_FIXED (false: e.g. REMRD kick) */
    bool shorthand;               /* a destination shorthand was used */
    unsigned int targets;         /* number of vCPUs that accepted it */
    struct kvm_vcpu *unique;      /* the accepting vCPU when targets == 1 */
};

struct dy_policy {
    const char *name;
    const char *summary;
    /* The candidate scan of kvm_vcpu_on_spin(); @me->in_spin_loop is set. */
    void (*select)(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode);
    /* Optional observers. */
    void (*ipi_delivered)(struct sim *sim, const struct kvm_ipi_event *ev);
    void (*eoi)(struct sim *sim, struct kvm_vcpu *vcpu, int vector);
    void (*vcpu_reset)(struct sim *sim, struct kvm_vcpu *vcpu);
};

/* NULL-terminated registries (registry.c). */
extern const struct yield_to_policy *const yield_to_policies[];
extern const struct dy_policy *const dy_policies[];
const struct yield_to_policy *yield_to_policy_find(const char *name);
const struct dy_policy *dy_policy_find(const char *name);

/* Mainline behaviours (the defaults). */
extern const struct yield_to_policy yield_to_policy_mainline;
extern const struct dy_policy dy_policy_mainline;

/* Scheduler-side alternatives (docs/policies.md). */
extern const struct yield_to_policy yield_to_policy_buddy;
extern const struct yield_to_policy yield_to_policy_forfeit;
extern const struct yield_to_policy yield_to_policy_deboost_v2;
extern const struct yield_to_policy yield_to_policy_lag_credit_v3;
extern const struct yield_to_policy yield_to_policy_lag_credit_v3_lca;
extern const struct yield_to_policy yield_to_policy_prateek_proportional;

/* Called by update_entity_lag() (fair.c) for an entity that carries a
 * deboost penalty: @raw_vlag is V - v before the clamp, se->vlag after it.
 * Counts a cut and clears se->deboost_penalty_pending. */
void deboost_note_lag_clamp(struct sim *sim, struct sched_entity *se, s64 raw_vlag);

#endif /* VSCHED_POLICY_H */
