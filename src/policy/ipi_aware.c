/*
 * ipi_aware.c - "ipi-aware": W. Li's v2 patches 6-8, exactly.
 *
 *  - Patch 6: per-vCPU ipi_context {last_ipi_sender, last_ipi_receiver,
 *    pending_ipi, ipi_time_ns}; module parameters ipi_tracking_enabled
 *    (default true) and ipi_window_ns (default 50 ms); reset at vCPU
 *    creation.
 *  - Patch 7: in both delivery paths of kvm_irq_delivery_to_apic(), record
 *    sender -> receiver when the IPI comes from a vCPU's LAPIC, is
 *    APIC_DM_FIXED, has no shorthand, was accepted by exactly one vCPU and
 *    that vCPU is not the sender.  On every EOI KVM sees: clear the
 *    receiver's context (pending flag, sender and receiver indices), then
 *    clear the sender's pending flag if the sender's last receiver is this
 *    vCPU and the IPI is within the window.
 *  - Patch 8: kvm_vcpu_on_spin()'s preempted-in-user filter becomes
 *    kvm_vcpu_is_good_yield_candidate(): tier 1 a confirmed recent IPI
 *    receiver of me, tier 2 kvm_arch_dy_has_pending_interrupt(), tier 3
 *    preempted (and preempted in kernel when yield_to_kernel_mode), else
 *    skip.  The ready, blocking and dy_eligible checks around it stay.
 *
 * Faithfully reproduced consequences: the receiver-side clear wipes the
 * receiver's *own* sender state too (kvm_vcpu_clear_ipi_context clears all
 * three fields), and an EOI of any vector - a timer interrupt included -
 * clears the pair.  Timestamps: ktime_get_mono_fast_ns() is the simulated
 * time.
 */
#include "ipi_track.h"
#include "vsched/sim.h"

static bool tracking_enabled(struct sim *sim)
{
    return sim->sc->policy.ipi_tracking_enabled;
}

/* kvm_vcpu_clear_ipi_context() */
static void clear_ipi_context(struct kvm_vcpu *vcpu)
{
    vcpu->ipi_ctx.pending_ipi = false;
    vcpu->ipi_ctx.last_ipi_sender = -1;
    vcpu->ipi_ctx.last_ipi_receiver = -1;
}

void ipi_track_reset(struct sim *sim, struct kvm_vcpu *vcpu)
{
    (void)sim;
    clear_ipi_context(vcpu);
    vcpu->ipi_ctx.ipi_time_ns = 0;
    vcpu->ipi_ctx.last_ipi_vector = -1;
    vcpu->ipi_ctx.last_ipi_vector_sent = -1;
}

/* kvm_track_ipi_communication() */
static void track_ipi_communication(struct sim *sim, struct kvm_vcpu *sender,
                                    struct kvm_vcpu *receiver, int vector)
{
    if (!sender || !receiver || sender == receiver)
        return;
    if (!tracking_enabled(sim))
        return;
    sender->ipi_ctx.last_ipi_receiver = (int)receiver->vcpu_idx;
    sender->ipi_ctx.pending_ipi = true;
    sender->ipi_ctx.ipi_time_ns = sim_now(sim);
    sender->ipi_ctx.last_ipi_vector_sent = vector; /* v3 only */
    receiver->ipi_ctx.last_ipi_sender = (int)sender->vcpu_idx;
    receiver->ipi_ctx.last_ipi_vector = vector;
    sender->kvm->stats.ipi_track_records++;
}

void ipi_track_delivered(struct sim *sim, const struct kvm_ipi_event *ev)
{
    /* Only for LAPIC-originated APIC_DM_FIXED without shorthand, with
     * exactly one recipient. */
    if (ev->src && ev->fixed && !ev->shorthand && ev->targets == 1 && ev->unique &&
        ev->unique != ev->src)
        track_ipi_communication(sim, ev->src, ev->unique, ev->vector);
}

bool kvm_vcpu_is_ipi_receiver(struct sim *sim, struct kvm_vcpu *sender, struct kvm_vcpu *receiver)
{
    u64 then, now;

    if (!tracking_enabled(sim))
        return false;
    then = sender->ipi_ctx.ipi_time_ns;
    now = sim_now(sim);
    if (sender->ipi_ctx.pending_ipi &&
        sender->ipi_ctx.last_ipi_receiver == (int)receiver->vcpu_idx &&
        now - then <= sim->sc->policy.ipi_window_ns)
        return true;
    if (sender->ipi_ctx.pending_ipi &&
        sender->ipi_ctx.last_ipi_receiver == (int)receiver->vcpu_idx)
        sender->kvm->stats.ipi_stale++; /* SIM: counter only */
    return false;
}

/* kvm_clear_ipi_on_eoi(); v3 additionally requires the EOI's vector to be
 * the tracked IPI's (MODEL: our reading of v3 patch 8, whose body is not in
 * the archive: both stages are skipped for another vector). */
void ipi_track_eoi(struct sim *sim, struct kvm_vcpu *receiver, int vector, enum ipi_eoi_mode m)
{
    int sender_idx;

    if (!tracking_enabled(sim))
        return;
    if (m == IPI_EOI_V3 && (receiver->ipi_ctx.last_ipi_sender < 0 ||
                            receiver->ipi_ctx.last_ipi_vector != vector))
        return;
    sender_idx = receiver->ipi_ctx.last_ipi_sender;

    /* Step 1: always clear the receiver's IPI context. */
    clear_ipi_context(receiver);
    receiver->kvm->stats.ipi_eoi_clear_receiver++;

    /* Step 2: conditionally clear the sender's pending flag. */
    if (sender_idx >= 0 && (unsigned int)sender_idx < receiver->kvm->online_vcpus) {
        struct kvm_vcpu *sender = receiver->kvm->vcpus[sender_idx];

        if (sender->ipi_ctx.last_ipi_receiver == (int)receiver->vcpu_idx) {
            u64 then = sender->ipi_ctx.ipi_time_ns, now = sim_now(sim);

            if (now - then <= sim->sc->policy.ipi_window_ns) {
                sender->ipi_ctx.pending_ipi = false;
                receiver->kvm->stats.ipi_eoi_clear_sender++;
            }
        }
    }
}

/* kvm_vcpu_is_good_yield_candidate(); returns the tier (1..3) or 0. */
static int good_yield_candidate(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
                                bool yield_to_kernel_mode)
{
    /* Priority 1: recently targeted IPI receiver */
    if (kvm_vcpu_is_ipi_receiver(sim, me, vcpu))
        return 1;
    /* Priority 2: fast pending-interrupt hint (arch-specific) */
    if (kvm_arch_dy_has_pending_interrupt(sim, vcpu))
        return 2;
    /* Minimal preempted gate for remaining cases */
    if (!vcpu->preempted)
        return 0;
    if (yield_to_kernel_mode && !kvm_arch_vcpu_preempted_in_kernel(vcpu))
        return 0;
    return 3;
}

/* Patch 8's strict round: good_yield_candidate(), counted by tier. */
static int strict_candidate(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
                            bool yield_to_kernel_mode)
{
    int tier = good_yield_candidate(sim, me, vcpu, yield_to_kernel_mode);

    if (tier)
        me->kvm->stats.dy_tier[tier - 1]++;
    return tier;
}

/* Patch 9's relaxed round: the minimal preempted gate. */
static int relaxed_candidate(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
                             bool yield_to_kernel_mode)
{
    (void)sim;
    (void)yield_to_kernel_mode;
    if (!vcpu->preempted)
        return 0;
    me->kvm->stats.dy_relaxed_hits++;
    return 1;
}

/*
 * kvm_vcpu_on_spin()'s loop with patches 8 and 9 (the shared scan with the
 * candidate filter replaced).  As in patch 9, the retry keeps 'start' and
 * 'try' (only 'yielded' is reset), so a strict round that used up its three
 * -ESRCH leaves try at 0 and the relaxed round can then never stop on
 * -ESRCH (--try goes negative): reproduced.
 */
void ipi_aware_scan(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode,
                    bool relaxed)
{
    struct kvm *kvm = me->kvm;
    int start = kvm->last_boosted_vcpu + 1;
    int try = 3, yielded;

    yielded = kvm_vcpu_on_spin_scan(sim, me, yield_to_kernel_mode, strict_candidate, start, &try);
    /* Second round: relaxed boost as safety net, with preempted gate. */
    if (relaxed && sim->sc->policy.enable_relaxed_boost && yielded <= 0) {
        kvm->stats.dy_relaxed_rounds++;
        kvm_vcpu_on_spin_scan(sim, me, yield_to_kernel_mode, relaxed_candidate, start, &try);
    }
}

static void ipi_aware_select(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    ipi_aware_scan(sim, me, yield_to_kernel_mode, false);
}

static void ipi_aware_eoi(struct sim *sim, struct kvm_vcpu *vcpu, int vector)
{
    ipi_track_eoi(sim, vcpu, vector, IPI_EOI_V2);
}

const struct dy_policy dy_policy_ipi_aware = {
    .name = "ipi-aware",
    .summary = "W. Li v2 6-8: track unicast IPIs; prefer IPI receiver > pending interrupt > "
               "preempted",
    .select = ipi_aware_select,
    .ipi_delivered = ipi_track_delivered,
    .eoi = ipi_aware_eoi,
    .vcpu_reset = ipi_track_reset,
};
