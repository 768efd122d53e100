/*
 * pending_ipi.c - "pending-ipi": the reviewers' ablation of the IPI-aware
 * series: boost any vCPU with a pending IPI, without sender tracking.
 *
 * The strict round accepts a candidate that has an interrupt pending for it
 * (posted: kvm_arch_dy_has_pending_interrupt(); or, without APICv, a vector
 * in IRR with KVM_REQ_EVENT), else falls back to mainline's preempted gate
 * (preempted in kernel when yield_to_kernel_mode).  No per-vCPU state, no
 * EOI hook.  MODEL: the thread names the idea, not code; this is the
 * smallest reading of it that differs from "ipi-aware" only by dropping
 * the sender/receiver pairing.
 */
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/sim.h"

static bool has_pending_ipi(struct sim *sim, struct kvm_vcpu *v)
{
    return kvm_arch_dy_has_pending_interrupt(sim, v) || (v->req_event && kvm_apic_has_interrupt(v));
}

/* Tier 2: an interrupt pending for it; tier 3: mainline's preempted gate. */
static int pending_candidate(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
                             bool yield_to_kernel_mode)
{
    int tier = 0;

    if (has_pending_ipi(sim, vcpu))
        tier = 2;
    else if (vcpu->preempted &&
             (!yield_to_kernel_mode || kvm_arch_vcpu_preempted_in_kernel(vcpu)))
        tier = 3;
    if (tier)
        me->kvm->stats.dy_tier[tier - 1]++;
    return tier;
}

static void pending_select(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    int try = 3;

    kvm_vcpu_on_spin_scan(sim, me, yield_to_kernel_mode, pending_candidate,
                          me->kvm->last_boosted_vcpu + 1, &try);
}

const struct dy_policy dy_policy_pending_ipi = {
    .name = "pending-ipi",
    .summary = "ablation: prefer any vCPU with a pending interrupt, no sender tracking",
    .select = pending_select,
};
