/*
 * pv_hint.c - "pv-hint": an ORACLE, not a kernel algorithm.  The
 * paravirt-scheduling RFC (seed 002) proposes that the guest tell the host
 * what it is waiting for.  Here the guest publishes, perfectly and for free,
 * which vCPU its current spin waits on (the lock holder or the queue head
 * it waits behind; for a csd wait the first target that has not run the
 * function), and kvm_vcpu_on_spin() yields straight to that vCPU if it is
 * a candidate at all (ready, i.e. preempted or just woken).  With no usable
 * hint (the awaited vCPU is running, blocked, or unknown) it falls back to
 * the mainline scan.  Use it as an upper bound on what better candidate
 * selection can achieve.
 */
#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/sim.h"

static void hint_select(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    struct kvm_vcpu *target = guest_waits_for(me);

    if (target && target != me && target->ready) {
        me->kvm->stats.dy_hint_hits++;
        if (kvm_vcpu_yield_to(sim, me, target) > 0)
            return;
    } else if (target && target != me && target->task.on_cpu) {
        /* The awaited vCPU is running: nothing to boost, keep spinning. */
        me->kvm->stats.dy_hint_hits++;
        return;
    }
    me->kvm->stats.dy_hint_fallbacks++;
    kvm_vcpu_on_spin_mainline_scan(sim, me, yield_to_kernel_mode);
}

const struct dy_policy dy_policy_pv_hint = {
    .name = "pv-hint",
    .summary = "ORACLE (RFC seed 002): yield straight to the vCPU the guest says it waits for",
    .select = hint_select,
};
