/*
 * lapic.c - the x86 local APIC as KVM emulates it for fixed IPIs
 * (arch/x86/kvm/lapic.c, vmx/posted_intr.c; kernel-mechanisms 5.6).
 *
 * Delivery: kvm_irq_delivery_to_apic() -> kvm_apic_set_irq() ->
 * __apic_accept_irq() -> deliver_interrupt: with APICv the vector goes to
 * the posted-interrupt descriptor (PIR, PID.ON) and a running target gets
 * a notification, a blocked one is woken; without APICv it goes to IRR with
 * KVM_REQ_EVENT and the target is kicked.  The guest sees pending vectors
 * after its next entry or notification (vcpu.c).
 *
 * Hook points: every kvm_irq_delivery_to_apic() call is reported to the
 * directed-yield policy (ipi_delivered) with the count of accepting vCPUs;
 * every EOI that KVM sees (kvm_lapic_eoi_write) is reported too (eoi).
 *
 * PV EOI (kvm.pv_eoi, the guest's KVM_FEATURE_PV_EOI): without APICv, a
 * vector put in service with nothing else in the IRR is offered a PV EOI
 * (apic_sync_pv_eoi_to_guest); the guest's EOI then clears a bit in its
 * memory instead of exiting, and KVM completes it with apic_set_eoi() at the
 * vCPU's next exit (apic_sync_pv_eoi_from_guest), which is not the APIC_EOI
 * register write, so the EOI hook does not see it.
 *
 * MODEL: vectors are edge-triggered fixed interrupts; TMR, PPR, priority
 * classes and lowest-priority arbitration are not modelled; every vCPU's
 * APIC is enabled and in x2APIC physical mode.
 */
#include <string.h>

#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

void kvm_lapic_reset(struct kvm_lapic *apic)
{
    memset(apic, 0, sizeof(*apic));
    apic->highest_isr_cache = -1;
}

static bool reg_empty(const u64 *reg)
{
    return !(reg[0] | reg[1] | reg[2] | reg[3]);
}

bool kvm_apic_has_interrupt(const struct kvm_vcpu *vcpu)
{
    return !reg_empty(vcpu->apic.irr) || !reg_empty(vcpu->apic.pir);
}

void kvm_apic_sync_pir_to_irr(struct kvm_vcpu *vcpu)
{
    struct kvm_lapic *apic = &vcpu->apic;

    for (int w = 0; w < 4; w++) {
        apic->irr[w] |= apic->pir[w];
        apic->pir[w] = 0;
    }
    apic->pid_on = false;
}

/* vmx_deliver_posted_interrupt() / the non-APICv path of deliver_interrupt. */
int kvm_apic_set_irq(struct sim *sim, struct kvm_vcpu *vcpu, int vector, u64 sent_at)
{
    struct kvm_lapic *apic = &vcpu->apic;

    if (!apic_vec_test(apic->irr, vector) && !apic_vec_test(apic->pir, vector))
        apic->sent_at[vector] = sent_at;
    if (sim->sc->kvm.apicv != APICV_OFF) {
        if (apic_vec_test(apic->pir, vector))
            return 1;
        apic_vec_set(apic->pir, vector);
        /* If a previous notification has sent the IPI, nothing to do. */
        if (apic->pid_on)
            return 1;
        apic->pid_on = true;
        /* kvm_vcpu_trigger_posted_interrupt() */
        if (vcpu->mode == IN_GUEST_MODE)
            vcpu_notify(sim, vcpu, sim->sc->kvm.ipi_latency_ns);
        else
            kvm_vcpu_wake_up(sim, vcpu);
        return 1;
    }
    apic_vec_set(apic->irr, vector);
    vcpu->req_event = true; /* kvm_make_request(KVM_REQ_EVENT, vcpu) */
    kvm_vcpu_kick(sim, vcpu);
    return 1;
}

/*
 * apic_timer_expired() from the timer callback: lapic_timer.pending++,
 * KVM_REQ_UNBLOCK and a kick; no KVM_REQ_EVENT and nothing posted (MODEL:
 * no posted timer interrupts, kvm_can_post_timer_interrupt() false, its
 * default without HLT/MWAIT passthrough).  The vector reaches the IRR at the
 * next entry (kvm_inject_pending_timer_irqs), so a vCPU woken by its timer
 * is not "dy_runnable" while it waits for a CPU.
 */
void kvm_apic_timer_expired(struct sim *sim, struct kvm_vcpu *vcpu, u64 now)
{
    struct kvm_lapic *apic = &vcpu->apic;

    if (!apic->timer_pending && !apic_vec_test(apic->irr, LOCAL_TIMER_VECTOR))
        apic->sent_at[LOCAL_TIMER_VECTOR] = now;
    apic->timer_pending = true;
    kvm_vcpu_kick(sim, vcpu);
}

int kvm_irq_delivery_to_apic(struct sim *sim, struct kvm_vcpu *src, struct kvm_vcpu *dst,
                             enum apic_dest dest, int vector, u64 sent_at)
{
    struct kvm *kvm = src->kvm;
    struct kvm_ipi_event ev = {
        .src = src, .vector = vector, .fixed = true,
        .shorthand = dest != APIC_DEST_ONE, .targets = 0, .unique = NULL,
    };
    if (dest == APIC_DEST_ONE) {
        if (sim->trace)
            trace_ipi_send(sim, src, dst, vector, TRACE_IPI_ICR);
        if (kvm_apic_set_irq(sim, dst, vector, sent_at) > 0) {
            ev.targets = 1;
            ev.unique = dst;
        }
    } else {
        for (unsigned int i = 0; i < kvm->online_vcpus; i++) {
            struct kvm_vcpu *v = kvm->vcpus[i];

            if (v == src)
                continue;
            if (sim->trace)
                trace_ipi_send(sim, src, v, vector, TRACE_IPI_ALLBUT);
            if (kvm_apic_set_irq(sim, v, vector, sent_at) > 0) {
                ev.targets++;
                ev.unique = v;
            }
        }
    }
    if (sim->dy_policy->ipi_delivered)
        sim->dy_policy->ipi_delivered(sim, &ev);
    return (int)ev.targets;
}

/*
 * kvm_get_apic_interrupt(): the highest IRR vector goes in service.
 * apic_set_isr() keeps highest_isr_cache only without APICv.  A PV EOI offer
 * is never pending here: without APICv the guest takes a vector only after
 * an entry, and the exit before it settled the offer (guest.c).
 */
int kvm_apic_inject(struct sim *sim, struct kvm_vcpu *vcpu)
{
    struct kvm_lapic *apic = &vcpu->apic;
    int vec = apic_vec_highest(apic->irr);

    if (vec < 0)
        return -1;
    SIM_BUG_ON(apic->pv_eoi_pending);
    apic_vec_clear(apic->irr, vec);
    apic_vec_set(apic->isr, vec);
    apic->highest_isr_cache = sim->sc->kvm.apicv == APICV_OFF ? vec : -1;
    return vec;
}

int apic_set_eoi(struct sim *sim, struct kvm_vcpu *vcpu)
{
    struct kvm_lapic *apic = &vcpu->apic;
    int vec = apic_vec_highest(apic->isr);

    (void)sim;
    if (vec < 0)
        return -1;
    apic_vec_clear(apic->isr, vec);
    apic->highest_isr_cache = -1; /* apic_clear_isr() */
    return vec;
}

/*
 * apic_sync_pv_eoi_to_guest(), from kvm_lapic_sync_to_vapic() before the
 * entry that injected: the guest may EOI through its PV EOI word when PV EOI
 * is enabled (pv_eoi_enabled: the guest wrote MSR_KVM_PV_EOI_EN), nothing
 * else is in the IRR (irr_pending) and the cache names the vector just put in
 * service (never with APICv, whose apic_set_isr() leaves the cache at -1).
 * No vector here is routed through an IOAPIC.
 */
void kvm_lapic_sync_to_vapic(struct sim *sim, struct kvm_vcpu *vcpu)
{
    struct kvm_lapic *apic = &vcpu->apic;

    if (!sim->sc->kvm.pv_eoi || !reg_empty(apic->irr) || apic->highest_isr_cache == -1)
        return;
    apic->pv_eoi_guest = true;   /* pv_eoi_set_pending(): KVM_PV_EOI_ENABLED ... */
    apic->pv_eoi_pending = true; /* ... and KVM_APIC_PV_EOI_PENDING */
}

/*
 * kvm_lapic_sync_from_vapic() -> apic_sync_pv_eoi_from_guest(), right after
 * every VM exit (vcpu_enter_guest(), before handle_exit): if the guest has not
 * used the offer, pv_eoi_test_and_clr_pending() withdraws it (the guest's EOI
 * will exit); if it has, KVM performs the EOI with apic_set_eoi() itself.
 */
void kvm_lapic_sync_from_vapic(struct sim *sim, struct kvm_vcpu *vcpu)
{
    struct kvm_lapic *apic = &vcpu->apic;
    bool unused;

    if (!apic->pv_eoi_pending)
        return;
    unused = apic->pv_eoi_guest;
    apic->pv_eoi_guest = false;
    apic->pv_eoi_pending = false;
    if (unused)
        return;
    apic_set_eoi(sim, vcpu);
    vcpu->kvm->stats.pv_eois++;
}

/*
 * kvm_lapic_reg_write(APIC_EOI): apic_set_eoi(), then the EOI hook, where
 * the series calls kvm_clear_ipi_on_eoi(): after apic_set_eoi() and
 * whatever it found, so an EOI with an empty ISR is reported too (vector
 * -1).  (The series hooks kvm_apic_set_eoi_accelerated() as well; with
 * APICv, EOIs of IPIs never exit, so that path carries none here.)
 */
int kvm_lapic_eoi_write(struct sim *sim, struct kvm_vcpu *vcpu)
{
    int vec = apic_set_eoi(sim, vcpu);

    if (sim->dy_policy->eoi)
        sim->dy_policy->eoi(sim, vcpu, vec);
    return vec;
}
