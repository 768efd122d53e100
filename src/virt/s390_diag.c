/*
 * s390_diag.c - the s390 directed-yield hypercall: DIAGNOSE 0x9c as KVM
 * handles it (arch/s390/kvm/diag.c, __diag_time_slice_end_directed, as of
 * a 2025 tree: intel-lab-lkp/linux d4b1e266, which already includes
 * asm/gmap_helpers.h, i.e. v6.16 or later).
 *
 * A guest vCPU that spins on a lock passes its CPU to the lock owner with
 * smp_yield_cpu(owner), i.e. "diag %r,0,0x9c" with the owner's CPU address
 * in the register (src/guest/guest.c, lock_kind "s390").  KVM intercepts it
 * and:
 *   - counts it (vcpu->stat.instruction_diagnose_9c);
 *   - ignores a yield to itself and to an id no vCPU has;
 *   - ignores it when the target vCPU is loaded on a host CPU
 *     (READ_ONCE(tcpu->cpu) >= 0; kvm_arch_vcpu_load() sets vcpu->cpu and
 *     kvm_arch_vcpu_put() resets it to -1);
 *   - otherwise calls kvm_vcpu_yield_to(tcpu), which here goes through the
 *     pluggable yield_to() (sim->yt_policy), so the vCPU debooster applies
 *     to it exactly as to a PLE-triggered yield; a result <= 0 is ignored;
 *   - every ignored case counts vcpu->stat.diag_9c_ignored.
 * The counters are kept per VM (kvm->stats), not per vCPU.
 *
 * SIM: diag9c_forwarding_hz is not a parameter.  Its default is 0 (no
 * forwarding), and with forwarding on the kernel still ignores the yield
 * unless the host CPU running the target is itself preempted by the LPAR
 * hypervisor (vcpu_is_preempted(tcpu_cpu)); our host runs on bare CPUs
 * that are never preempted, so diag_9c_forward would always be 0 and
 * every running target is ignored either way.
 */
#include "vsched/kvm.h"
#include "vsched/sim.h"

struct kvm_vcpu *kvm_get_vcpu_by_id(struct kvm *kvm, int id)
{
    if (id < 0)
        return NULL;
    for (unsigned int i = 0; i < kvm->online_vcpus; i++)
        if (kvm->vcpus[i]->vcpu_id == (unsigned int)id)
            return kvm->vcpus[i];
    return NULL;
}

enum diag9c_outcome __diag_time_slice_end_directed(struct sim *sim, struct kvm_vcpu *vcpu,
                                                   int tid)
{
    struct kvm_vm_stats *st = &vcpu->kvm->stats;
    struct kvm_vcpu *tcpu;
    enum diag9c_outcome what;

    st->diag_9c++; /* vcpu->stat.instruction_diagnose_9c++ */

    /* aimed at the caller itself */
    if (tid == (int)vcpu->vcpu_id) {
        what = DIAG9C_SELF;
        goto no_yield;
    }

    /* aimed at an id no vCPU of this VM has */
    tcpu = kvm_get_vcpu_by_id(vcpu->kvm, tid);
    if (!tcpu) {
        what = DIAG9C_INVALID;
        goto no_yield;
    }

    /* The target is loaded: tcpu->cpu >= 0 while its thread is on a host
     * CPU (between kvm_sched_in and kvm_sched_out). */
    if (tcpu->task.on_cpu) {
        /* !diag9c_forwarding_hz: no forwarding (see SIM above) */
        what = DIAG9C_RUNNING;
        goto no_yield;
    }

    if (kvm_vcpu_yield_to(sim, vcpu, tcpu) <= 0) {
        what = DIAG9C_NO_YIELD;
        goto no_yield;
    }
    return DIAG9C_DONE;

no_yield:
    st->diag_9c_ignored++; /* vcpu->stat.diag_9c_ignored++ */
    return what;
}
