/*
 * vcpu.c - a vCPU thread as a host task: the loop of KVM_RUN (entry, guest
 * code, exit, exit handling), halts with halt polling, and the preempt
 * notifiers kvm_sched_out / kvm_sched_in (kernel-mechanisms 5.1, 5.5).
 *
 * The thread consumes CPU in segments: a host-mode cost (VP_ENTRY,
 * VP_EXIT, VP_POLL) or a stretch of guest code (VP_GUEST) whose length the
 * guest model chooses.  The scheduler core runs a segment as "work" and
 * calls vcpu_work_done() when it has been consumed; a preemption simply
 * pauses it.  Asynchronous events for a running vCPU (posted-interrupt
 * notification, a kick's reschedule IPI, a released lock) arrive through
 * poke_ev.
 *
 * MODEL: a VM exit costs kvm.exit_ns and the following entry kvm.entry_ns of
 * CPU time on the vCPU thread; exit handling itself is instantaneous.  A
 * vCPU preempted in guest mode (host tick or reschedule IPI) pays the
 * external-interrupt exit and the re-entry when it next runs, plus
 * kvm.ctx_switch_ns for the switch to its thread (vcpu_load included).
 */
#include <errno.h>

#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

const char *const kvm_exit_names[KVM_EXIT_NR] = {
    [KVM_EXIT_PLE] = "ple",
    [KVM_EXIT_HLT] = "hlt",
    [KVM_EXIT_ICR] = "icr",
    [KVM_EXIT_EOI] = "eoi",
    [KVM_EXIT_HC_SEND_IPI] = "hc_send_ipi",
    [KVM_EXIT_HC_KICK] = "hc_kick_cpu",
    [KVM_EXIT_HC_YIELD] = "hc_sched_yield",
    [KVM_EXIT_EXTINT] = "extint",
    [KVM_EXIT_DIAG_9C] = "diag_9c",
};

/* A guest segment with no deadline of its own (e.g. a spin without PLE). */
#define VCPU_FOREVER_NS (1000000ULL * NSEC_PER_SEC)

static const struct task_ops vcpu_task_ops;

bool task_is_vcpu(const struct task_struct *p)
{
    return p->ops == &vcpu_task_ops;
}

static const struct scenario_kvm *kvm_params(struct sim *sim)
{
    return &sim->sc->kvm;
}

static bool ple_enabled(struct sim *sim)
{
    return kvm_params(sim)->ple_gap != 0;
}

/*
 * Charge the part of the current segment consumed since it was (re)started.
 * Callers have just stopped the work timer (or the core has).
 */
static void vcpu_account(struct sim *sim, struct kvm_vcpu *v)
{
    u64 left = v->task.work_left_ns;
    u64 elapsed;

    SIM_BUG_ON(left > v->seg_len);
    elapsed = v->seg_len - left;
    v->seg_len = left;
    switch (v->phase) {
    case VP_GUEST:
        v->stats.guest_ns += elapsed;
        guest_advance(sim, v, elapsed);
        break;
    case VP_POLL:
        v->stats.poll_ns += elapsed;
        v->stats.host_ns += elapsed;
        break;
    default:
        v->stats.host_ns += elapsed;
        if (guest_spinning(v))
            v->stats.spin_host_ns += elapsed;
        break;
    }
}

/*
 * The end of the run: charge the part of the running segment consumed so far,
 * so that guest_ns + host_ns is the thread's sum_exec_runtime.  The run does
 * not go on after this.
 */
void vcpu_finish_accounting(struct sim *sim, struct kvm_vcpu *v)
{
    SIM_BUG_ON(!v->task.on_cpu);
    task_stop_work(sim, &v->task);
    vcpu_account(sim, v);
}

/* Start a new segment of @ns on the running vCPU. */
static void vcpu_segment(struct sim *sim, struct kvm_vcpu *v, enum vcpu_phase ph, u64 ns)
{
    v->phase = ph;
    v->seg_len = ns;
    task_set_work(sim, &v->task, ns);
}

/*
 * Set the segment that follows the host code now running, without starting
 * it: that code may schedule (yield_to, block), and whoever runs the thread
 * next starts it.
 */
static void vcpu_continue_with(struct kvm_vcpu *v, enum vcpu_phase ph, u64 ns)
{
    v->phase = ph;
    v->seg_len = ns;
    v->task.work_left_ns = ns;
}

void vcpu_guest_run(struct sim *sim, struct kvm_vcpu *v, u64 ns)
{
    vcpu_segment(sim, v, VP_GUEST, ns ? ns : 0);
}

/*
 * What every VM exit does before its handler: count it, leave guest mode,
 * and settle a PV EOI offer (vcpu_enter_guest() after the exit:
 * kvm_lapic_sync_from_vapic() when apic_attention is set).
 */
static void vcpu_exit_begin(struct sim *sim, struct kvm_vcpu *v, enum kvm_exit reason)
{
    v->stats.exits[reason]++;
    v->mode = OUTSIDE_GUEST_MODE;
    /* VMX sets it only when handling an external interrupt exit. */
    v->at_instruction_boundary = reason == KVM_EXIT_EXTINT;
    if (sim->trace)
        trace_kvm_exit(sim, v, reason);
    kvm_lapic_sync_from_vapic(sim, v);
}

void vcpu_exit(struct sim *sim, struct kvm_vcpu *v, enum kvm_exit reason)
{
    SIM_BUG_ON(v->phase != VP_GUEST || !v->task.on_cpu);
    v->exit_reason = reason;
    vcpu_exit_begin(sim, v, reason);
    vcpu_segment(sim, v, VP_EXIT, kvm_params(sim)->exit_ns);
}

static void arm_earliest(struct sim *sim, struct sim_event *ev, u64 t)
{
    if (sim_event_armed(ev) && ev->time <= t)
        return;
    sim_event_arm(&sim->eng, ev, t);
}

void vcpu_poke(struct sim *sim, struct kvm_vcpu *v, u64 delay)
{
    arm_earliest(sim, &v->poke_ev, sim_now(sim) + delay);
}

/* MODEL: two notifications in flight to the same vCPU coalesce into the
 * earlier one (as a second posted interrupt does while PID.ON is set). */
void vcpu_notify(struct sim *sim, struct kvm_vcpu *v, u64 delay)
{
    arm_earliest(sim, &v->notify_ev, sim_now(sim) + delay);
}

/* ---- entry ---- */

/*
 * vcpu_enter_guest(): pending requests and interrupts are processed, the
 * steal-time "preempted" byte is cleared (record_steal_time, which also
 * does a deferred PV TLB flush), PIR is synced to IRR, and the guest runs.
 */
static void vcpu_enter_guest(struct sim *sim, struct kvm_vcpu *v)
{
    v->req_event = false;
    v->st_preempted = false;
    v->st_flush_tlb = false;
    /* kvm_inject_pending_timer_irqs() (vcpu_run, before the entry) */
    if (v->apic.timer_pending) {
        v->apic.timer_pending = false;
        apic_vec_set(v->apic.irr, LOCAL_TIMER_VECTOR);
    }
    kvm_apic_sync_pir_to_irr(v);
    v->mode = IN_GUEST_MODE;
    v->phase = VP_GUEST;
    v->seg_len = 0;
    v->g->ple_spun = 0; /* a new PAUSE loop begins after an entry */
    v->g->irq_visible = true;
    if (sim->trace)
        trace_kvm_entry(sim, v);
    guest_resume(sim, v);
}

/* ---- halt (kvm_vcpu_halt / kvm_vcpu_block) ---- */

/* kvm_vcpu_check_block(): an event that ends a halt. */
static bool vcpu_has_events(struct kvm_vcpu *v)
{
    /* kvm_cpu_has_pending_timer() || pv_unhalted || an interrupt */
    return v->apic.timer_pending || v->pv_unhalted || kvm_apic_has_interrupt(v);
}

/* The halt is over (event seen): account it and go back to the guest. */
static void vcpu_halt_done(struct sim *sim, struct kvm_vcpu *v, u64 extra_ns)
{
    const struct scenario_kvm *k = kvm_params(sim);

    if (k->halt_poll_ns)
        kvm_halt_poll_adjust(k, v, sim_now(sim) - v->halt_start, true);
    /* vcpu_block(): KVM_MP_STATE_HALTED -> RUNNABLE clears pv_unhalted. */
    v->pv_unhalted = false;
    vcpu_continue_with(v, VP_ENTRY, extra_ns + k->entry_ns);
}

static void vcpu_block(struct sim *sim, struct kvm_vcpu *v)
{
    v->blocking = true;
    if (sim->trace)
        trace_halt_block(sim, v);
    vcpu_continue_with(v, VP_BLOCKED, 0);
    sched_block_current(sim, &v->task);
}

/* HLT exit: poll, block, or return at once if an event is pending. */
static void kvm_vcpu_halt(struct sim *sim, struct kvm_vcpu *v)
{
    const struct scenario_kvm *k = kvm_params(sim);

    v->halt_start = sim_now(sim);
    /* kvm_vcpu_halt(): grow_halt_poll_ns() does not clamp; this does. */
    if (v->halt_poll_ns > k->halt_poll_ns)
        v->halt_poll_ns = k->halt_poll_ns;
    if (vcpu_has_events(v)) {
        vcpu_halt_done(sim, v, 0);
        return;
    }
    /* kvm_vcpu_can_poll(): single_task_running() && !need_resched() */
    if (k->halt_poll_ns && v->halt_poll_ns && single_task_running(sim, &v->task) &&
        !task_rq(sim, &v->task)->need_resched) {
        vcpu_continue_with(v, VP_POLL, v->halt_poll_ns);
        return;
    }
    vcpu_block(sim, v);
}

/* ---- exit handling ---- */

static void vcpu_handle_exit(struct sim *sim, struct kvm_vcpu *v)
{
    const struct scenario_kvm *k = kvm_params(sim);
    enum kvm_exit reason = v->exit_reason;

    /* What follows the handler unless it changes it: re-entry. */
    vcpu_continue_with(v, VP_ENTRY, k->entry_ns);
    switch (reason) {
    case KVM_EXIT_PLE:
        /* handle_pause(): grow the window, then directed yield; PLE
         * exits only happen at CPL 0, so yield_to_kernel_mode = true. */
        if (ple_enabled(sim))
            v->ple_window = __grow_ple_window(v->ple_window, k->ple_window,
                                              k->ple_window_grow, k->ple_window_max);
        kvm_vcpu_on_spin(sim, v, true);
        break;
    case KVM_EXIT_HLT:
        kvm_vcpu_halt(sim, v);
        break;
    case KVM_EXIT_EXTINT:
        break;
    default:
        /* ICR / EOI / hypercalls: the guest's request is carried out here. */
        guest_exit_handled(sim, v, reason);
        break;
    }
    /* A reschedule that arrived during the exit: the handler has run (with
     * interrupts off until handle_exit_irqoff(), then in task context, where
     * vcpu_run() schedules only afterwards, in xfer_to_guest_mode work).
     * If the handler blocked or yielded, schedule() already consumed it. */
    resched_deferred_done(sim, task_rq(sim, &v->task));
    task_resume_work(sim, &v->task);
}

static void vcpu_work_done(struct sim *sim, struct task_struct *p)
{
    struct kvm_vcpu *v = vcpu_of(p);

    vcpu_account(sim, v);
    switch (v->phase) {
    case VP_ENTRY:
        vcpu_enter_guest(sim, v);
        break;
    case VP_GUEST:
        guest_resume(sim, v);
        break;
    case VP_EXIT:
        vcpu_handle_exit(sim, v);
        break;
    case VP_POLL:
        /* Polled for the whole halt_poll_ns.  kvm_vcpu_block() checks
         * kvm_vcpu_check_block() once more after set_current_state(), so
         * an event that arrived at this very instant is not lost. */
        if (vcpu_has_events(v)) {
            vcpu_halt_done(sim, v, 0);
            task_resume_work(sim, &v->task);
        } else {
            vcpu_block(sim, v);
        }
        break;
    case VP_BLOCKED:
        SIM_BUG_ON(1);
        break;
    }
}

/* ---- asynchronous events ---- */

static void vcpu_async(struct sim *sim, struct kvm_vcpu *v, bool notify)
{
    if (!v->task.on_cpu) {
        if (notify && v->mode == EXITING_GUEST_MODE)
            v->mode = OUTSIDE_GUEST_MODE;
        return; /* it looks at its state when it enters the guest */
    }
    switch (v->phase) {
    case VP_GUEST:
        task_stop_work(sim, &v->task);
        vcpu_account(sim, v);
        if (notify && v->mode == EXITING_GUEST_MODE) {
            /* The kick's reschedule IPI forces an exit. */
            v->mode = IN_GUEST_MODE;
            vcpu_exit(sim, v, KVM_EXIT_EXTINT);
            return;
        }
        if (notify) {
            /* Posted-interrupt notification: the CPU syncs PIR to the
             * virtual IRR and delivers without an exit. */
            kvm_apic_sync_pir_to_irr(v);
            v->g->irq_visible = true;
        }
        guest_resume(sim, v);
        break;
    case VP_POLL:
        task_stop_work(sim, &v->task);
        vcpu_account(sim, v);
        if (vcpu_has_events(v)) {
            v->kvm->stats.halt_poll_success++;
            vcpu_halt_done(sim, v, 0);
            task_resume_work(sim, &v->task);
        } else if (!single_task_running(sim, &v->task)) {
            vcpu_block(sim, v);
        } else {
            task_resume_work(sim, &v->task);
        }
        break;
    default:
        break; /* host mode: the next entry processes everything */
    }
}

static void vcpu_poke_event(void *ctx, struct sim_event *ev)
{
    vcpu_async(ctx, container_of(ev, struct kvm_vcpu, poke_ev), false);
}

static void vcpu_notify_event(void *ctx, struct sim_event *ev)
{
    vcpu_async(ctx, container_of(ev, struct kvm_vcpu, notify_ev), true);
}

/* Another task became runnable here: the halt-polling loop stops. */
static void vcpu_rq_enqueued(struct sim *sim, struct task_struct *p)
{
    struct kvm_vcpu *v = vcpu_of(p);

    if (v->phase == VP_POLL)
        vcpu_poke(sim, v, 0);
}

/* ---- preempt notifiers ---- */

/* An external-interrupt exit from guest mode, handled where it is taken;
 * the caller sets the segment that pays it with the entry. */
static void vcpu_extint_exit(struct sim *sim, struct kvm_vcpu *v)
{
    vcpu_exit_begin(sim, v, KVM_EXIT_EXTINT);
}

static void kvm_sched_out(struct sim *sim, struct kvm_vcpu *v)
{
    const struct scenario_kvm *k = kvm_params(sim);

    vcpu_account(sim, v);
    if (v->phase == VP_GUEST) {
        /* Switched out in guest mode without vcpu_interrupted() (a
         * migration of the running thread): the external-interrupt exit
         * is paid, with the entry, when the thread runs again. */
        vcpu_extint_exit(sim, v);
        vcpu_continue_with(v, VP_ENTRY, k->exit_ns + k->entry_ns);
    }
    v->scheduled_out = true;
    /* task_is_runnable(current) && vcpu->wants_to_run */
    if (v->task.__state == TASK_RUNNING && v->wants_to_run) {
        v->preempted = true;
        v->ready = true;
    }
    /* kvm_arch_vcpu_put() */
    if (v->preempted) {
        v->preempted_in_kernel = guest_in_kernel(v);
        /* kvm_steal_time_set_preempted(): only at an instruction boundary. */
        if (v->at_instruction_boundary)
            v->st_preempted = true;
        v->apic.pid_sn = true;
    }
    guest_sched_out(sim, v);
}

static void kvm_sched_in(struct sim *sim, struct kvm_vcpu *v)
{
    const struct scenario_kvm *k = kvm_params(sim);

    v->preempted = false;
    v->ready = false;
    if (v->spin_loop_exit_due)
        kvm_vcpu_spin_loop_exit(v);
    /* vmx_vcpu_load(): shrink the PLE window after any deschedule. */
    if (v->scheduled_out && ple_enabled(sim))
        v->ple_window = __shrink_ple_window(v->ple_window, k->ple_window,
                                            k->ple_window_shrink, k->ple_window);
    v->scheduled_out = false;
    v->apic.pid_sn = false;

    switch (v->phase) {
    case VP_BLOCKED:
        /* Woken: rcuwait finished, the halt ends. */
        v->blocking = false;
        vcpu_halt_done(sim, v, k->ctx_switch_ns);
        break;
    case VP_POLL:
        /* Polling stopped (need_resched); redo the halt decision. */
        v->exit_reason = KVM_EXIT_HLT;
        vcpu_continue_with(v, VP_EXIT, k->ctx_switch_ns);
        break;
    default:
        v->seg_len += k->ctx_switch_ns;
        v->task.work_left_ns += k->ctx_switch_ns;
        break;
    }
}

/*
 * A host interrupt that reschedules (a reschedule IPI, or the tick or timer
 * whose handler raised the reschedule here) while the vCPU is in guest
 * mode: an external-interrupt exit, handled on the host; then either the
 * scheduler switches the thread out (kvm_sched_out() finds it in host mode)
 * or it re-enters at once.  Either way it pays the exit and the entry, and a
 * new PAUSE loop begins after the entry.
 */
static void vcpu_interrupted(struct sim *sim, struct task_struct *p)
{
    struct kvm_vcpu *v = vcpu_of(p);

    if (v->phase != VP_GUEST)
        return; /* host mode: no exit */
    task_stop_work(sim, p);
    vcpu_account(sim, v);
    vcpu_extint_exit(sim, v);
    vcpu_segment(sim, v, VP_ENTRY, kvm_params(sim)->exit_ns + kvm_params(sim)->entry_ns);
}

/* A reschedule waits while the thread handles a VM exit (vcpu_handle_exit()
 * runs when the exit's cost has been paid). */
static bool vcpu_resched_deferred(struct sim *sim, struct task_struct *p)
{
    (void)sim;
    return vcpu_of(p)->phase == VP_EXIT;
}

static void vcpu_switched(struct sim *sim, struct task_struct *p, bool on)
{
    struct kvm_vcpu *v = vcpu_of(p);

    if (on)
        kvm_sched_in(sim, v);
    else
        kvm_sched_out(sim, v);
}

static const struct task_ops vcpu_task_ops = {
    .work_done = vcpu_work_done,
    .switched = vcpu_switched,
    .rq_enqueued = vcpu_rq_enqueued,
    .interrupted = vcpu_interrupted,
    .resched_deferred = vcpu_resched_deferred,
};

/* ---- creation ---- */

static void vcpu_init(struct sim *sim, struct kvm *kvm, struct kvm_vcpu *v, unsigned int idx,
                      const struct scenario_vm *svm, unsigned int pid)
{
    struct task_struct *p = &v->task;
    const struct scenario_kvm *k = kvm_params(sim);

    v->kvm = kvm;
    v->vcpu_idx = idx;
    v->vcpu_id = idx;
    v->wants_to_run = true;
    v->ple_window = k->ple_window;
    v->halt_poll_ns = 0;
    v->mode = OUTSIDE_GUEST_MODE;
    /* The thread starts with vcpu_load + the first entry. */
    v->phase = VP_ENTRY;
    v->seg_len = k->entry_ns;
    kvm_lapic_reset(&v->apic);
    v->ipi_ctx.last_ipi_sender = -1;
    v->ipi_ctx.last_ipi_receiver = -1;
    v->ipi_ctx.pending_ipi = false;
    v->ipi_ctx.ipi_time_ns = 0;
    v->ipi_ctx.last_ipi_vector = -1;
    v->ipi_ctx.last_ipi_vector_sent = -1;
    sim_event_init(&v->poke_ev, vcpu_poke_event);
    sim_event_init(&v->notify_ev, vcpu_notify_event);
    hist_init(&v->task.stats.run_ns);

    p->pid = pid;
    p->name = g_strdup_printf("%s/vcpu%u", kvm->name, idx);
    p->static_prio = 120 + svm->nice;
    set_load_weight(p);
    p->se.slice = sim->params.sysctl_sched_base_slice;
    p->__state = TASK_RUNNING;
    p->work_left_ns = k->entry_ns;
    p->ops = &vcpu_task_ops;
    p->priv = v;
    if (svm->pin == VM_PIN_1TO1) {
        unsigned int n = 0, want, cpu;

        for (cpu = 0; cpu < VSCHED_MAX_CPUS; cpu++)
            n += cpumask_test_cpu(cpu, &svm->cpus);
        want = idx % n;
        cpumask_clear(&p->cpus_allowed);
        for (cpu = 0; cpu < VSCHED_MAX_CPUS; cpu++) {
            if (!cpumask_test_cpu(cpu, &svm->cpus))
                continue;
            if (want-- == 0) {
                cpumask_set_cpu(cpu, &p->cpus_allowed);
                break;
            }
        }
    } else {
        p->cpus_allowed = svm->cpus;
    }
    if (sim->dy_policy->vcpu_reset)
        sim->dy_policy->vcpu_reset(sim, v);
}

void kvm_vm_create(struct sim *sim, struct kvm *kvm, const struct scenario_vm *svm,
                   const char *name, struct task_group *tg, struct task_group *const *vcpu_tgs,
                   unsigned int first_pid)
{
    kvm->name = g_strdup(name);
    kvm->svm = svm;
    kvm->tg = tg;
    kvm->online_vcpus = svm->vcpus;
    kvm->last_boosted_vcpu = 0;
    kvm->vcpus = g_new0(struct kvm_vcpu *, svm->vcpus);
    hist_init(&kvm->stats.ipi_latency);
    for (unsigned int i = 0; i < svm->vcpus; i++) {
        struct kvm_vcpu *v = g_new0(struct kvm_vcpu, 1);

        vcpu_init(sim, kvm, v, i, svm, first_pid + i);
        v->task.sched_task_group = vcpu_tgs ? vcpu_tgs[i] : tg;
        attach_entity_to_group(sim, &v->task.se, v->task.sched_task_group, 0);
        kvm->vcpus[i] = v;
    }
    guest_vm_init(sim, kvm);
}

void kvm_vm_destroy(struct kvm *kvm)
{
    guest_vm_free(kvm);
    for (unsigned int i = 0; i < kvm->online_vcpus; i++) {
        g_free(kvm->vcpus[i]->task.name);
        g_free(kvm->vcpus[i]);
    }
    g_free(kvm->vcpus);
    g_free(kvm->name);
}
