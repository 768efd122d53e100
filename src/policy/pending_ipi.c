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

static void pending_select(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    struct kvm *kvm = me->kvm;
    int nr_vcpus = (int)kvm->online_vcpus;
    int start = kvm->last_boosted_vcpu + 1;
    int try = 3;

    for (int i = 0; i < nr_vcpus; i++) {
        int idx = (start + i) % nr_vcpus;
        struct kvm_vcpu *vcpu;
        int tier;

        if (idx == (int)me->vcpu_idx)
            continue;
        vcpu = kvm->vcpus[idx];
        if (!vcpu->ready)
            continue;
        if (kvm_vcpu_is_blocking(vcpu) && !vcpu_dy_runnable(sim, vcpu))
            continue;
        if (has_pending_ipi(sim, vcpu))
            tier = 2;
        else if (vcpu->preempted &&
                 (!yield_to_kernel_mode || kvm_arch_vcpu_preempted_in_kernel(vcpu)))
            tier = 3;
        else
            continue;
        if (!kvm_vcpu_eligible_for_directed_yield(vcpu))
            continue;
        kvm->stats.dy_tier[tier - 1]++;
        int yielded = kvm_vcpu_yield_to(sim, me, vcpu);
        if (yielded > 0) {
            kvm->last_boosted_vcpu = idx;
            break;
        } else if (yielded < 0 && !--try) {
            break;
        }
    }
}

const struct dy_policy dy_policy_pending_ipi = {
    .name = "pending-ipi",
    .summary = "ablation: prefer any vCPU with a pending interrupt, no sender tracking",
    .select = pending_select,
};
