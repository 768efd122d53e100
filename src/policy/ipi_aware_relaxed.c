/*
 * ipi_aware_relaxed.c - "ipi-aware-relaxed": v2 patches 6-9: the IPI-aware
 * scan plus patch 9's second round, gated only by vcpu->preempted, run when
 * the strict round yielded nothing and enable_relaxed_boost is set
 * (default on).  See ipi_aware.c for the tracking and the scan.
 */
#include "ipi_track.h"
#include "vsched/sim.h"

static void relaxed_select(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    ipi_aware_scan(sim, me, yield_to_kernel_mode, true);
}

static void relaxed_eoi(struct sim *sim, struct kvm_vcpu *vcpu, int vector)
{
    ipi_track_eoi(sim, vcpu, vector, IPI_EOI_V2);
}

const struct dy_policy dy_policy_ipi_aware_relaxed = {
    .name = "ipi-aware-relaxed",
    .summary = "W. Li v2 6-9: ipi-aware plus a preempted-only second round "
               "(enable_relaxed_boost)",
    .select = relaxed_select,
    .ipi_delivered = ipi_track_delivered,
    .eoi = relaxed_eoi,
    .vcpu_reset = ipi_track_reset,
};
