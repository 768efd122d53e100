/*
 * ipi_aware_v3.c - "ipi-aware-v3": the June 2026 revision's KVM side
 * (v3 patches 6-10).  The archive has the commit messages but not all
 * bodies (see ../shared/reference/v3-series); what they state:
 *  - tracking from both delivery paths of kvm_irq_delivery_to_apic (as v2
 *    already did) with the same five conditions;
 *  - the EOI clear is vector-matched: an EOI of an unrelated vector (e.g. a
 *    timer) no longer wipes the recorded pair;
 *  - the same three-tier strict round, then the preempted-only relaxed
 *    round (enable_relaxed_boost, default on).
 * MODEL: the v3 EOI body is not in the archive; we keep v2's two stages
 * and run them only when the EOI's vector equals the vector of the tracked
 * IPI the EOIing vCPU received (send and receive sides are recorded in
 * separate fields, so a vCPU that sends a tracked IPI of its own before its
 * EOI still matches).
 * MODEL: the scan is v2's: the tier helper and the relaxed round of v2
 * patches 8 and 9 (including `try` not being reset for the relaxed round).
 * v3 patches 9 and 10 change 55+/10- lines whose bodies and tier-3
 * expression are not in the archive, and the archive marks their likeness
 * to v2 as unverified.  The default of ipi_tracking_enabled (true) is v2's;
 * v3's is not stated.
 */
#include "ipi_track.h"
#include "vsched/sim.h"

static void v3_select(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    ipi_aware_scan(sim, me, yield_to_kernel_mode, true);
}

static void v3_eoi(struct sim *sim, struct kvm_vcpu *vcpu, int vector)
{
    ipi_track_eoi(sim, vcpu, vector, IPI_EOI_V3);
}

const struct dy_policy dy_policy_ipi_aware_v3 = {
    .name = "ipi-aware-v3",
    .summary = "W. Li v3 6-10: ipi-aware-relaxed with the EOI clear matched to the IPI's "
               "vector",
    .select = v3_select,
    .ipi_delivered = ipi_track_delivered,
    .eoi = v3_eoi,
    .vcpu_reset = ipi_track_reset,
};
