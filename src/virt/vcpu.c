/* vcpu.c - placeholder while the vCPU state machine is written. */
#include "vsched/kvm.h"
#include "vsched/sim.h"

void vcpu_poke(struct sim *sim, struct kvm_vcpu *v, u64 delay)
{
    (void)sim; (void)v; (void)delay;
}
