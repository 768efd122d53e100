/*
 * ipi_track.h - private to src/policy: the per-vCPU IPI tracking of W. Li's
 * series (v2 patches 6-7, v3 patches 6-8) and the IPI-aware candidate scan
 * (v2 patches 8-9, v3 patches 9-10), shared by the ipi-aware variants.
 */
#ifndef VSCHED_POLICY_IPI_TRACK_H
#define VSCHED_POLICY_IPI_TRACK_H

#include "vsched/kvm.h"
#include "vsched/policy.h"

/* Which revision's EOI clearing. */
enum ipi_eoi_mode {
    IPI_EOI_V2,      /* any EOI clears (v2 patch 7 kvm_clear_ipi_on_eoi) */
    IPI_EOI_V3,      /* only an EOI of the tracked vector clears (v3 patch 8) */
};

/* Delivery observer: kvm_track_ipi_communication() under patch 7's gate. */
void ipi_track_delivered(struct sim *sim, const struct kvm_ipi_event *ev);
/* EOI observer. */
void ipi_track_eoi(struct sim *sim, struct kvm_vcpu *receiver, int vector, enum ipi_eoi_mode m);
/* kvm_vcpu_reset_ipi_context() */
void ipi_track_reset(struct sim *sim, struct kvm_vcpu *vcpu);
/* kvm_vcpu_is_ipi_receiver(sender, receiver) */
bool kvm_vcpu_is_ipi_receiver(struct sim *sim, struct kvm_vcpu *sender, struct kvm_vcpu *receiver);

/* The patched kvm_vcpu_on_spin() loop: strict IPI-aware round, then (if
 * @relaxed and it yielded nothing) the preempted-only round. */
void ipi_aware_scan(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode,
                    bool relaxed);

#endif /* VSCHED_POLICY_IPI_TRACK_H */
