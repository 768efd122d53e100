/*
 * vsched/policy.h - the two hook points where yield algorithms plug in.
 *
 *  - Scheduler side: the body of yield_to_task_fair(rq, p), called by the
 *    core's yield_to() with both run-queues "locked" (kernel-mechanisms 4.3).
 *  - KVM side: the candidate scan of kvm_vcpu_on_spin(me, yield_to_kernel_mode)
 *    (kernel-mechanisms 5.2), between setting and clearing in_spin_loop;
 *    plus observers of IPI delivery (kvm_irq_delivery_to_apic) and EOI
 *    (apic_set_eoi), which IPI-aware algorithms use.
 *
 * One file per algorithm under src/policy/; registry.c lists them.
 */
#ifndef VSCHED_POLICY_H
#define VSCHED_POLICY_H

#include "vsched/sched.h"

struct sim;
struct kvm_vcpu;

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

#endif /* VSCHED_POLICY_H */
