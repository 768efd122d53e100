/*
 * kvm_main.c - directed yield and the vCPU wake-up primitives
 * (virt/kvm/kvm_main.c, arch/x86/kvm/x86.c, vmx.c; kernel-mechanisms §5).
 *
 * kvm_vcpu_on_spin() is the v6.19 single-loop form: start after
 * last_boosted_vcpu, filters ready / blocking / preempted-in-user, the
 * dy_eligible toggle, try = 3 decremented only by -ESRCH, and
 * last_boosted_vcpu = idx (the v6.19-rc1 fix).  The loop itself is the
 * "mainline" directed-yield policy; other policies replace it.
 */
#include <errno.h>

#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

/* ---- run-state queries ---- */

bool kvm_vcpu_is_blocking(const struct kvm_vcpu *vcpu)
{
    return vcpu->blocking;
}

bool kvm_arch_vcpu_preempted_in_kernel(const struct kvm_vcpu *vcpu)
{
    return vcpu->preempted_in_kernel;
}

/*
 * x86: only posted interrupts are visible here (pi_has_pending_interrupt:
 * PID.ON, or PID.SN with a non-empty PIR); without APICv always false.
 */
bool kvm_arch_dy_has_pending_interrupt(struct sim *sim, struct kvm_vcpu *vcpu)
{
    const struct kvm_lapic *apic = &vcpu->apic;

    if (sim->sc->kvm.apicv == APICV_OFF)
        return false;
    return apic->pid_on || (apic->pid_sn && (apic->pir[0] | apic->pir[1] | apic->pir[2] |
                                             apic->pir[3]));
}

/* kvm_arch_dy_runnable() || async-PF completion (not modelled). */
bool vcpu_dy_runnable(struct sim *sim, struct kvm_vcpu *vcpu)
{
    if (vcpu->pv_unhalted)
        return true;
    if (vcpu->req_event)
        return true;
    return kvm_arch_dy_has_pending_interrupt(sim, vcpu);
}

/*
 * kvm_vcpu_eligible_for_directed_yield(): a candidate that is itself in a
 * spin loop is eligible every second time it is examined (the toggle is a
 * side effect of the check).
 */
bool kvm_vcpu_eligible_for_directed_yield(struct kvm_vcpu *vcpu)
{
    bool eligible;

    eligible = !vcpu->in_spin_loop || vcpu->dy_eligible;
    if (vcpu->in_spin_loop)
        vcpu->dy_eligible = !vcpu->dy_eligible;
    return eligible;
}

/* ---- yield ---- */

/*
 * kvm_vcpu_yield_to(): the target's thread always exists here (no pid
 * lock contention is modelled), so this is yield_to(task, 1).
 */
int kvm_vcpu_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target)
{
    struct kvm_vm_stats *st = &me->kvm->stats;
    int r;

    st->yield_to_attempts++;
    if (sim->test_yield_to)
        r = sim->test_yield_to(sim, me, target);
    else
        r = yield_to(sim, &me->task, &target->task, true);
    if (sim->trace)
        trace_kvm_yield_to(sim, me, target, r);
    if (r > 0)
        st->yield_to_success++;
    else if (r < 0)
        st->yield_to_esrch++;
    else
        st->yield_to_zero++;
    return r;
}

/*
 * Treat the target vCPU as being in-kernel if it has a pending interrupt,
 * as the vCPU trying to yield may be spinning waiting on IPI delivery, i.e.
 * the target vCPU is in-kernel for the purposes of directed yield.
 */
static int mainline_candidate(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
                              bool yield_to_kernel_mode)
{
    (void)me;
    if (vcpu->preempted && yield_to_kernel_mode &&
        !kvm_arch_dy_has_pending_interrupt(sim, vcpu) &&
        !kvm_arch_vcpu_preempted_in_kernel(vcpu))
        return 0;
    return 1;
}

int kvm_vcpu_on_spin_scan(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode,
                          kvm_dy_candidate_fn candidate, int start, int *try)
{
    struct kvm *kvm = me->kvm;
    int nr_vcpus = (int)kvm->online_vcpus;
    int yielded = 0;

    for (int i = 0; i < nr_vcpus; i++) {
        int idx = (start + i) % nr_vcpus;
        struct kvm_vcpu *vcpu;

        if (idx == (int)me->vcpu_idx)
            continue;
        vcpu = kvm->vcpus[idx];
        if (!vcpu->ready)
            continue;
        if (kvm_vcpu_is_blocking(vcpu) && !vcpu_dy_runnable(sim, vcpu))
            continue;
        if (!candidate(sim, me, vcpu, yield_to_kernel_mode))
            continue;
        if (!kvm_vcpu_eligible_for_directed_yield(vcpu))
            continue;

        yielded = kvm_vcpu_yield_to(sim, me, vcpu);
        if (yielded > 0) {
            kvm->last_boosted_vcpu = idx;
            break;
        } else if (yielded < 0 && !--*try) {
            break;
        }
    }
    return yielded;
}

void kvm_vcpu_on_spin_mainline_scan(struct sim *sim, struct kvm_vcpu *me,
                                    bool yield_to_kernel_mode)
{
    int try = 3;

    /* start = READ_ONCE(kvm->last_boosted_vcpu) + 1 */
    kvm_vcpu_on_spin_scan(sim, me, yield_to_kernel_mode, mainline_candidate,
                          me->kvm->last_boosted_vcpu + 1, &try);
}

const struct dy_policy dy_policy_mainline = {
    .name = "mainline",
    .summary = "kvm_vcpu_on_spin() of v6.19: round robin after last_boosted_vcpu, try = 3",
    .select = kvm_vcpu_on_spin_mainline_scan,
};

/* The end of kvm_vcpu_on_spin(), after the scan (and any schedule()). */
void kvm_vcpu_spin_loop_exit(struct kvm_vcpu *me)
{
    me->spin_loop_exit_due = false;
    me->in_spin_loop = false; /* kvm_vcpu_set_in_spin_loop(me, false) */
    /* Ensure vcpu is not eligible during next spinloop */
    me->dy_eligible = false;
}

void kvm_vcpu_on_spin(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
    bool was_running = me->task.on_cpu;

    if (me->kvm->online_vcpus < 2)
        return;
    me->kvm->stats.on_spin++;
    if (sim->trace)
        trace_kvm_on_spin(sim, me);
    me->in_spin_loop = true; /* kvm_vcpu_set_in_spin_loop(me, true) */
    sim->dy_policy->select(sim, me, yield_to_kernel_mode);
    if (was_running && !me->task.on_cpu) {
        /* yield_to() scheduled us out: the rest of kvm_vcpu_on_spin()
         * runs when schedule() returns (kvm_sched_in), and meanwhile
         * other vCPUs' scans see us in the spin loop. */
        me->spin_loop_exit_due = true;
        return;
    }
    kvm_vcpu_spin_loop_exit(me);
}

/* ---- wake-up and kick ---- */

/*
 * kvm_vcpu_wake_up(): wake the vCPU if it is blocked in kvm_vcpu_block();
 * a woken vCPU is "ready" (a directed-yield candidate) until it runs.
 */
bool kvm_vcpu_wake_up(struct sim *sim, struct kvm_vcpu *vcpu)
{
    if (vcpu->phase == VP_BLOCKED && vcpu->task.__state != TASK_RUNNING) {
        vcpu->ready = true; /* WRITE_ONCE(vcpu->ready, true) */
        vcpu->kvm->stats.halt_wakeups++;
        if (sim->trace)
            trace_halt_wake(sim, vcpu);
        try_to_wake_up(sim, &vcpu->task, 0);
        return true;
    }
    if (vcpu->phase == VP_POLL) {
        /* The polling loop notices kvm_vcpu_check_block() at once. */
        vcpu_poke(sim, vcpu, 0);
        return false;
    }
    return false;
}

/*
 * kvm_vcpu_kick(): wake a blocked vCPU, else force a running one out of
 * guest mode with a reschedule IPI to its pCPU (arrives after the IPI
 * latency).  A preempted vCPU gets nothing: it picks up its pending
 * requests at its next entry.
 */
void kvm_vcpu_kick(struct sim *sim, struct kvm_vcpu *vcpu)
{
    if (kvm_vcpu_wake_up(sim, vcpu))
        return;
    if (vcpu->mode == IN_GUEST_MODE) {
        vcpu->mode = EXITING_GUEST_MODE;
        vcpu_notify(sim, vcpu, sim->sc->kvm.ipi_latency_ns);
    }
}

/*
 * kvm_sched_yield() (x86.c): yield to @target if this pCPU has other work
 * and the target is a ready vCPU other than me.
 */
void kvm_sched_yield(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target)
{
    if (single_task_running(sim, &me->task))
        return;
    if (!target || !target->ready || target == me)
        return;
    kvm_vcpu_yield_to(sim, me, target);
}

/*
 * KVM_HC_KICK_CPU: an APIC_DM_REMRD "interrupt" through
 * kvm_irq_delivery_to_apic (sets pv_unhalted, KVM_REQ_EVENT, kicks), then
 * kvm_sched_yield(me, apicid).
 */
void kvm_pv_kick_cpu_op(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target)
{
    struct kvm_ipi_event ev = {
        .src = me, .vector = 0, .fixed = false, .shorthand = false,
        .targets = 1, .unique = target,
    };

    if (sim->trace)
        trace_ipi_send(sim, me, target, 0, TRACE_IPI_KICK);
    target->pv_unhalted = true;
    target->req_event = true;
    kvm_vcpu_kick(sim, target);
    if (sim->dy_policy->ipi_delivered)
        sim->dy_policy->ipi_delivered(sim, &ev);
    kvm_sched_yield(sim, me, target);
}

/* ---- PLE window (arch/x86/kvm/x86.h) ---- */

u32 __grow_ple_window(u32 val, u32 base, u32 modifier, u32 max)
{
    u64 ret = val;

    if (modifier < 1)
        return base;
    if (modifier < base)
        ret *= modifier;
    else
        ret += modifier;
    return ret < max ? (u32)ret : max;
}

u32 __shrink_ple_window(u32 val, u32 base, u32 modifier, u32 min)
{
    if (modifier < 1)
        return base;
    if (modifier < base)
        val /= modifier;
    else
        val -= modifier;
    return val > min ? val : min;
}

/* ---- halt polling (kvm_vcpu_halt, grow/shrink_halt_poll_ns) ---- */

static void grow_halt_poll_ns(const struct scenario_kvm *k, struct kvm_vcpu *v)
{
    u64 val = v->halt_poll_ns;

    if (!k->halt_poll_ns_grow)
        return;
    val *= k->halt_poll_ns_grow;
    if (val < k->halt_poll_ns_grow_start)
        val = k->halt_poll_ns_grow_start;
    v->halt_poll_ns = val;
}

static void shrink_halt_poll_ns(const struct scenario_kvm *k, struct kvm_vcpu *v)
{
    u64 val = v->halt_poll_ns;

    if (k->halt_poll_ns_shrink == 0)
        val = 0;
    else
        val /= k->halt_poll_ns_shrink;
    if (val < k->halt_poll_ns_grow_start)
        val = 0;
    v->halt_poll_ns = val;
}

void kvm_halt_poll_adjust(const struct scenario_kvm *k, struct kvm_vcpu *v, u64 halt_ns,
                          bool valid_wakeup)
{
    u64 max_halt_poll_ns = k->halt_poll_ns;

    if (!valid_wakeup) {
        shrink_halt_poll_ns(k, v);
    } else if (max_halt_poll_ns) {
        if (halt_ns <= v->halt_poll_ns)
            ;
        /* we had a long block, shrink polling */
        else if (v->halt_poll_ns && halt_ns > max_halt_poll_ns)
            shrink_halt_poll_ns(k, v);
        /* we had a short halt and our poll time is too small */
        else if (v->halt_poll_ns < max_halt_poll_ns && halt_ns < max_halt_poll_ns)
            grow_halt_poll_ns(k, v);
    } else {
        v->halt_poll_ns = 0;
    }
}
