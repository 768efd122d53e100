/*
 * guest.c - the guest thread of each vCPU: a workload program repeated
 * forever (one op per pass), with spinlocks, IPIs and csd waits, TLB
 * shootdowns, barriers and timer sleeps (kernel-mechanisms §6).
 *
 * The guest runs only while its vCPU is in guest mode (VP_GUEST).  Each
 * call of guest_resume() decides what the guest does next: a stretch of
 * guest code (vcpu_guest_run, ending at the next guest-internal deadline:
 * end of a computation, PLE window, SPIN_THRESHOLD) or an instruction that
 * exits (vcpu_exit: ICR write, EOI, HLT, hypercalls, PAUSE-loop exit).
 *
 * Locks (guest_lock):
 *  - "pv": paravirt qspinlock.  A lock that is neither held nor 'pending'
 *    is taken at once, waiters queued or not.  Otherwise the hybrid unfair
 *    trylock (pv_hybrid_queued_unfair_trylock) keeps the newcomer spinning
 *    outside the queue, stealing the lock the moment it is free, for as
 *    long as waiters are queued and the queue head has not set 'pending';
 *    it joins the queue when the queue empties or 'pending' is set (so
 *    while the head spins, and while a preempted head stays preempted in
 *    its spin loop, there is no stealing; a head that has not run since it
 *    became head, or has halted, lets the lock flow to unfair spinners).
 *    Queued waiters are FIFO; a waiter spins
 *    SPIN_THRESHOLD pause iterations then halts (pv_wait); the queue head
 *    sets 'pending' while it spins, and on halting marks the lock slow
 *    (_Q_SLOW_VAL) so that the unlocker kicks it (KVM_HC_KICK_CPU, which
 *    also directed-yields to it).  A new head that is already halted is
 *    marked the same way by the acquirer (pv_kick_node).  After pv_wait
 *    returns the waiter spins again from zero.  A head hashes the lock
 *    only once per acquisition: once it has been kicked, pv_wait() finds
 *    the lock word no longer _Q_SLOW_VAL and returns at once, so the head
 *    spins (with 'pending' set) until it gets the lock.
 *  - "native": FIFO queued spinlock, spin forever, the head takes the lock.
 *  - "tas": test-and-set (virt_spin_lock): unfair, any spinner may take a
 *    free lock; on release every spinner is poked and the first to look
 *    wins.
 *  - "s390": the s390 classic spinlock of a KVM guest whose vCPUs are not
 *    dedicated (arch/s390/lib/spinlock.c: arch_spin_lock_wait() takes
 *    arch_spin_lock_classic() unless CIF_DEDICATED_CPU).  Acquisition is
 *    unfair as for "tas" (arch_spin_trylock_once, then a compare-and-swap
 *    whenever a waiter sees the lock free; no queue).  A waiter first
 *    yields to the owner with smp_yield_cpu() (DIAGNOSE 0x9c, an exit) if
 *    arch_vcpu_is_preempted(owner); then it loops with count = spin_retry:
 *    every pass that finds the lock held does count-- >= 0, and the pass
 *    that finds count exhausted resets it and yields to the current owner.
 *    Under KVM (!MACHINE_IS_LPAR) that periodic yield is unconditional, so
 *    a waiter issues one diag 9c per spin_retry + 2 passes of spinning,
 *    whether the owner runs or not; the host ignores those aimed at a
 *    running vCPU (src/virt/s390_diag.c).  There is no PAUSE in the loop,
 *    so it never takes a PLE exit.
 *    MODEL: a pass costs workload.spin_loop_ns of guest CPU time; passes
 *    that find the lock free but lose the compare-and-swap (which do not
 *    count down in the kernel either) take no time here, since a released
 *    lock goes to the first waiter to look, handoff_ns after the release.
 * MODEL: the MCS node/hash mechanics are reduced to the queue order, the
 * 'pending' bit and the slow flag; a released lock is seen by a running
 * waiter after handoff_ns (a cache-line transfer).
 *
 * IPIs: smp_call_function_{single,many} with csd entries queued on the
 * targets; only targets whose call queue was empty get an IPI.  Unicast
 * IPIs are x2APIC ICR writes (exit unless IPIv); a multicast to every other
 * vCPU is the all-but-self shorthand (an ICR write that exits even with
 * IPIv), any other multicast uses KVM_HC_SEND_IPI when PV send-IPI is on
 * (one exit, no kvm_irq_delivery_to_apic), else one ICR write per target
 * (physical mode); after a multicast the PV sched-yield rule of
 * kvm_smp_send_call_func_ipi applies.  MODEL: an asynchronous call never
 * waits in csd_lock() for this CPU's previous one (see docs/model.md).
 * Handlers EOI first (apic_eoi() at the top of the x86 sysvec handlers),
 * then run the queued functions; a waiting sender spins in csd_lock_wait
 * until each target has run its function.
 * TLB shootdowns follow kvm_flush_tlb_multi: targets whose steal-time
 * "preempted" byte is set are skipped (flush deferred to their next entry).
 *
 * Guest threads (workload.threads_per_vcpu): each vCPU runs its own threads,
 * all running the program.  A sleep step puts the running thread to sleep
 * until its timer and, if a woken thread waits in the vCPU's FIFO run
 * queue, switches to it (thread_switch_ns of guest kernel code); otherwise
 * the vCPU halts.  All sleeping threads share the vCPU's LAPIC timer, armed
 * for the earliest expiry, as the guest's hrtimer base programs the TSC
 * deadline.  MODEL: threads do not migrate between vCPUs; the guest
 * preempts a thread only at a tick that finds it in user mode (no wake-up
 * preemption, a non-preemptible guest kernel), never inside a critical
 * section or a spin-wait;
 * leaving the idle loop costs nothing beyond the interrupt, as with one
 * thread.
 *
 * The guest tick (workload.tick_hz): a periodic hrtimer on the same LAPIC
 * timer, on a grid shared by the VM's vCPUs, running while the guest CPU is
 * not in its idle loop (NO_HZ_IDLE).  A waiter halted in pv_wait() is not
 * idle, so the tick wakes it and it spins SPIN_THRESHOLD again
 * (pv_spurious_wakeup).  At the end of its handler the tick preempts a
 * thread in user-mode compute that has used its slice while another waits
 * (guest_tick_preempt).  MODEL: the tick always stops in idle; the
 * TSC-deadline writes cost no exit.
 */
#include <math.h>
#include <string.h>

#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

#define GUEST_FOREVER_NS (1000000ULL * NSEC_PER_SEC)

static const struct scenario_kvm *kvm_params(struct sim *sim)
{
    return &sim->sc->kvm;
}

static struct guest_vm *gvm(struct kvm_vcpu *v)
{
    return v->kvm->guest;
}

/* ---- random durations ---- */

static u64 draw(struct guest_cpu *g, const struct dist *d)
{
    double u, x;

    switch (d->kind) {
    case DIST_FIXED:
        return d->a_ns;
    case DIST_UNIFORM:
        return d->a_ns + sim_rng_below(&g->rng, d->b_ns - d->a_ns + 1);
    case DIST_EXPONENTIAL:
        u = sim_rng_double(&g->rng); /* [0, 1) */
        x = -(double)d->a_ns * log1p(-u);
        break;
    case DIST_LOGNORMAL: {
        /* Box-Muller, one normal per draw (the second is dropped so that
         * every draw consumes exactly two numbers). */
        double u1 = sim_rng_double(&g->rng), u2 = sim_rng_double(&g->rng);
        double z = sqrt(-2.0 * log1p(-u1)) * cos(2.0 * M_PI * u2);

        x = (double)d->a_ns * exp(d->sigma * z);
        break;
    }
    default:
        SIM_BUG_ON(1);
        return 0;
    }
    if (x > 1e15)
        x = 1e15;
    return (u64)(x + 0.5);
}

/* ---- ns of spinning ---- */

static u64 ple_window_ns(struct sim *sim, struct kvm_vcpu *v)
{
    return kvm_cycles_to_ns(sim->sc, v->ple_window);
}

static u64 spin_threshold_ns(struct sim *sim, struct guest_vm *vm)
{
    return kvm_cycles_to_ns(sim->sc, (u64)vm->wl->spin_threshold * sim->sc->pause_cycles);
}

/* pv_wait_early() looks at the predecessor every PV_PREV_CHECK_MASK + 1
 * iterations of pv_wait_node()'s loop, starting with the first. */
#define PV_PREV_CHECK_MASK 0xff

static u64 pv_prev_check_ns(struct sim *sim)
{
    return kvm_cycles_to_ns(sim->sc, (u64)(PV_PREV_CHECK_MASK + 1) * sim->sc->pause_cycles);
}

bool guest_in_kernel(const struct kvm_vcpu *v)
{
    const struct guest_cpu *g = v->g;

    if (g->in_irq)
        return true;
    switch (g->act) {
    case GA_COMPUTE:
        return g->kernel || g->nr_held > 0;
    default:
        return true; /* spinning, halting: kernel code */
    }
}

bool guest_spinning(const struct kvm_vcpu *v)
{
    const struct guest_cpu *g = v->g;

    return !g->in_irq && (g->act == GA_LOCK_SPIN || g->act == GA_CSD_WAIT);
}

void guest_advance(struct sim *sim, struct kvm_vcpu *v, u64 elapsed)
{
    struct guest_cpu *g = v->g;

    (void)sim;
    if (g->in_irq) {
        g->irq_left -= elapsed < g->irq_left ? elapsed : g->irq_left;
        return;
    }
    switch (g->act) {
    case GA_COMPUTE:
        g->left -= elapsed < g->left ? elapsed : g->left;
        break;
    case GA_SEND:
        g->send_local_left -= elapsed < g->send_local_left ? elapsed : g->send_local_left;
        break;
    case GA_LOCK_SPIN:
    case GA_CSD_WAIT:
        g->spun += elapsed;
        g->ple_spun += elapsed;
        v->stats.spin_ns += elapsed;
        break;
    default:
        break;
    }
}

/* ---- locks ---- */

static void q_push(struct guest_lock *l, int idx)
{
    if (l->q_len == l->q_cap) {
        unsigned int cap = l->q_cap ? 2 * l->q_cap : 8;
        int *nq = g_new(int, cap);

        for (unsigned int i = 0; i < l->q_len; i++)
            nq[i] = l->queue[(l->q_head + i) % l->q_cap];
        g_free(l->queue);
        l->queue = nq;
        l->q_cap = cap;
        l->q_head = 0;
    }
    l->queue[(l->q_head + l->q_len) % l->q_cap] = idx;
    l->q_len++;
}

static int q_head(const struct guest_lock *l)
{
    return l->q_len ? l->queue[l->q_head] : -1;
}

static void q_pop(struct guest_lock *l)
{
    l->q_head = (l->q_head + 1) % l->q_cap;
    l->q_len--;
}

/* Remove @idx from anywhere in the queue (TAS waiter sets). */
static void q_remove(struct guest_lock *l, int idx)
{
    unsigned int w = 0;

    for (unsigned int i = 0; i < l->q_len; i++) {
        int x = l->queue[(l->q_head + i) % l->q_cap];

        if (x != idx)
            l->queue[(l->q_head + w++) % l->q_cap] = x;
    }
    l->q_len = w;
}

/*
 * The MCS predecessor of queued waiter @idx: the entry just ahead of it.
 * Entries leave only at the head, so this is the node it linked behind
 * when it queued.  -1 for the head (pv_wait_head_or_lock() does not wait
 * early) and for a vCPU that is not queued.
 */
static int q_prev(const struct guest_lock *l, int idx)
{
    for (unsigned int i = 1; i < l->q_len; i++)
        if (l->queue[(l->q_head + i) % l->q_cap] == idx)
            return l->queue[(l->q_head + i - 1) % l->q_cap];
    return -1;
}

/* The queued waiter right behind @idx, or -1. */
static int q_next(const struct guest_lock *l, int idx)
{
    for (unsigned int i = 0; i + 1 < l->q_len; i++)
        if (l->queue[(l->q_head + i) % l->q_cap] == idx)
            return l->queue[(l->q_head + i + 1) % l->q_cap];
    return -1;
}

/* PV: the waiters spinning in the hybrid unfair trylock. */
static void unfair_add(struct guest_lock *l, int idx)
{
    if (l->nr_unfair == l->unfair_cap) {
        l->unfair_cap = l->unfair_cap ? 2 * l->unfair_cap : 8;
        l->unfair = g_renew(int, l->unfair, l->unfair_cap);
    }
    l->unfair[l->nr_unfair++] = idx;
}

static void unfair_remove(struct guest_lock *l, int idx)
{
    unsigned int w = 0;

    for (unsigned int i = 0; i < l->nr_unfair; i++)
        if (l->unfair[i] != idx)
            l->unfair[w++] = l->unfair[i];
    SIM_BUG_ON(w + 1 != l->nr_unfair);
    l->nr_unfair = w;
}

/* The lock word changed in a way the unfair spinners test for (released,
 * 'pending' set, tail cleared): each running one looks again after @delay
 * (a cache-line transfer); a preempted one looks when it runs again. */
static void unfair_poke(struct sim *sim, struct kvm *kvm, const struct guest_lock *l, u64 delay)
{
    for (unsigned int i = 0; i < l->nr_unfair; i++)
        vcpu_poke(sim, kvm->vcpus[l->unfair[i]], delay);
}

static void lock_acquired(struct sim *sim, struct kvm_vcpu *v, struct guest_lock *l)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);

    l->holder = (int)v->vcpu_idx;
    l->acquired_at = sim_now(sim);
    hist_add(&vm->stats.lock_wait, sim_now(sim) - g->lock_wait_start);
    if (sim->trace)
        trace_lock_acquire(sim, v, (unsigned int)g->want_lock, sim_now(sim) - g->lock_wait_start);
    vm->stats.lock_acquisitions++;
    SIM_BUG_ON(g->nr_held >= G_N_ELEMENTS(g->held));
    g->held[g->nr_held++] = g->want_lock;
    g->want_lock = -1;
    g->s390_first_yield = false;
    g->pv_hashed = false;
    g->pv_head = false;
}

/*
 * One look of pv_hybrid_queued_unfair_trylock() by the PV waiter @v, on
 * arrival or while it spins outside the queue: take the lock if it is
 * neither held nor pending (a steal unless this is the fast path on an
 * empty queue); else queue (xchg_tail) if the queue is empty or 'pending'
 * is set; else spin on, unfairly.  True if it took the lock.
 */
static bool pv_hybrid_trylock(struct sim *sim, struct kvm_vcpu *v, struct guest_lock *l)
{
    struct guest_cpu *g = v->g;
    int me = (int)v->vcpu_idx;
    bool was_unfair = g->unfair;

    if (l->holder < 0 && !l->pending) {
        if (was_unfair)
            unfair_remove(l, me);
        if (was_unfair || l->q_len)
            gvm(v)->stats.pv_lock_steals++;
        g->unfair = false;
        lock_acquired(sim, v, l);
        return true;
    }
    if (l->q_len == 0 || l->pending) {
        if (was_unfair)
            unfair_remove(l, me);
        g->unfair = false;
        q_push(l, me);
        g->spun = 0; /* pv_wait_node / pv_wait_head_or_lock count from here */
        return false;
    }
    if (!was_unfair) {
        g->unfair = true;
        unfair_add(l, me);
    }
    return false;
}

/* The waiter @v, running, looks at lock @l: takes it if it may. */
static bool lock_try(struct sim *sim, struct kvm_vcpu *v, struct guest_lock *l)
{
    struct guest_vm *vm = gvm(v);
    int me = (int)v->vcpu_idx;

    if (v->g->unfair && pv_hybrid_trylock(sim, v, l))
        return true;
    if (l->holder >= 0)
        return false;
    switch (vm->wl->lock_kind) {
    case LOCK_TAS:
    case LOCK_S390:
        /* Whoever looks first after the release wins. */
        q_remove(l, me);
        lock_acquired(sim, v, l);
        return true;
    case LOCK_QSPINLOCK:
        if (q_head(l) != me)
            return false;
        q_pop(l);
        lock_acquired(sim, v, l);
        return true;
    case LOCK_PV_QSPINLOCK:
        if (q_head(l) != me)
            return false;
        q_pop(l);
        /* The head's trylock clears 'pending'. */
        l->pending = false;
        l->slow = false;
        lock_acquired(sim, v, l);
        if (!l->q_len) {
            /* The last queued waiter clears the tail: unfair spinners queue. */
            unfair_poke(sim, v->kvm, l, vm->wl->handoff_ns);
        } else {
            struct kvm_vcpu *next = v->kvm->vcpus[q_head(l)];

            /* The successor sees node->locked (it is the head now) after a
             * cache-line transfer; pv_kick_node(): a halted successor is
             * hashed so that our unlock kicks it. */
            vcpu_poke(sim, next, vm->wl->handoff_ns);
            if (next->g->act == GA_LOCK_HALT) {
                l->slow = true;
                next->g->pv_hashed = true;
            }
        }
        return true;
    }
    return false;
}

/* The lock step: fast path or queue up. */
static void lock_request(struct sim *sim, struct kvm_vcpu *v, unsigned int idx)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);
    struct guest_lock *l = &vm->locks[idx];
    int me = (int)v->vcpu_idx;

    g->want_lock = (int)idx;
    g->lock_wait_start = sim_now(sim);
    g->act = GA_LOCK_SPIN;
    g->spun = 0;
    g->ple_spun = 0;
    switch (vm->wl->lock_kind) {
    case LOCK_TAS:
        if (l->holder < 0) {
            lock_acquired(sim, v, l);
            return;
        }
        q_push(l, me);
        return;
    case LOCK_S390:
        /* arch_spin_lock(): arch_spin_trylock_once(), waiters or not. */
        if (l->holder < 0) {
            lock_acquired(sim, v, l);
            return;
        }
        q_push(l, me); /* the set of spinners (poked on release), no order */
        /* arch_spin_lock_classic() opens with a conditional yield, then
         * count = spin_retry (spun = 0 above). */
        g->s390_first_yield = true;
        return;
    case LOCK_QSPINLOCK:
        if (l->holder < 0 && l->q_len == 0) {
            lock_acquired(sim, v, l);
            return;
        }
        q_push(l, me);
        return;
    case LOCK_PV_QSPINLOCK:
        /* Fast path, or the hybrid trylock. */
        pv_hybrid_trylock(sim, v, l);
        return;
    }
}

/*
 * Release the innermost held lock.  Returns the vCPU to kick (PV slow
 * path: the unlocker issues KVM_HC_KICK_CPU), or NULL.
 */
static struct kvm_vcpu *lock_release(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);
    struct guest_lock *l;
    u64 handoff = vm->wl->handoff_ns;

    SIM_BUG_ON(g->nr_held == 0);
    l = &vm->locks[g->held[--g->nr_held]];
    SIM_BUG_ON(l->holder != (int)v->vcpu_idx);
    hist_add(&vm->stats.lock_hold, sim_now(sim) - l->acquired_at);
    if (sim->trace)
        trace_lock_release(sim, v, (unsigned int)g->held[g->nr_held],
                           sim_now(sim) - l->acquired_at);
    l->holder = -1;
    if (!l->q_len)
        return NULL;
    switch (vm->wl->lock_kind) {
    case LOCK_TAS:
    case LOCK_S390:
        for (unsigned int i = 0; i < l->q_len; i++)
            vcpu_poke(sim, v->kvm->vcpus[l->queue[(l->q_head + i) % l->q_cap]], handoff);
        return NULL;
    case LOCK_QSPINLOCK:
        vcpu_poke(sim, v->kvm->vcpus[q_head(l)], handoff);
        return NULL;
    case LOCK_PV_QSPINLOCK:
        unfair_poke(sim, v->kvm, l, handoff);
        /* locked = 0 (then, if slow, pv_kick()): a head that spins sees
         * the free lock after a cache-line transfer. */
        vcpu_poke(sim, v->kvm->vcpus[q_head(l)], handoff);
        if (!l->slow)
            return NULL;
        l->slow = false;
        vm->stats.pv_kicks++;
        return v->kvm->vcpus[q_head(l)];
    }
    return NULL;
}

struct kvm_vcpu *guest_waits_for(struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);

    if (g->in_irq)
        return NULL;
    if (g->act == GA_LOCK_SPIN && g->want_lock >= 0) {
        struct guest_lock *l = &vm->locks[g->want_lock];

        if (l->holder >= 0)
            return v->kvm->vcpus[l->holder];
        if (q_head(l) >= 0 && q_head(l) != (int)v->vcpu_idx)
            return v->kvm->vcpus[q_head(l)];
        return NULL;
    }
    if (g->act == GA_CSD_WAIT && g->csd_outstanding) {
        for (unsigned int i = 0; i < g->nr_send; i++) {
            struct guest_cpu *t = v->kvm->vcpus[g->send_to[i]]->g;

            for (unsigned int j = 0; j < t->csd_queued; j++)
                if (t->csd_q[(t->csd_head + j) % t->csd_cap].sender == v)
                    return t->v;
        }
    }
    return NULL;
}

/*
 * pv_wait_early() for the spinning PV waiter @v: a queued waiter behind
 * the head looks at its predecessor's node state every
 * PV_PREV_CHECK_MASK + 1 iterations (the first check is at iteration 0)
 * and stops spinning if the predecessor is not running (halted in
 * pv_wait, or hashed; MODEL: both are "in GA_LOCK_HALT" here).  Returns 0
 * if @v stops now, the spin time to its next check if the predecessor is
 * not running, and GUEST_FOREVER_NS if there is nothing to wait for (the
 * head, or a running predecessor).
 */
u64 guest_pv_wait_early_in(struct sim *sim, struct kvm_vcpu *v)
{
    const struct guest_lock *l = &gvm(v)->locks[v->g->want_lock];
    int prev = q_prev(l, (int)v->vcpu_idx);
    u64 p, r;

    if (prev < 0 || v->kvm->vcpus[prev]->g->act != GA_LOCK_HALT)
        return GUEST_FOREVER_NS;
    p = pv_prev_check_ns(sim);
    r = v->g->spun % p;
    return r ? p - r : 0;
}

/* Exposed for tests (guest.h). */
void guest_lock_request(struct sim *sim, struct kvm_vcpu *v, unsigned int idx)
{
    lock_request(sim, v, idx);
}

bool guest_lock_try(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_lock *l;

    if (v->g->want_lock < 0)
        return true;
    l = &gvm(v)->locks[v->g->want_lock];
    if (lock_try(sim, v, l))
        return true;
    if (gvm(v)->wl->lock_kind == LOCK_PV_QSPINLOCK && q_head(l) == (int)v->vcpu_idx &&
        !l->pending) {
        /* set_pending(): stealing stops; the unfair spinners queue. */
        l->pending = true;
        unfair_poke(sim, v->kvm, l, gvm(v)->wl->handoff_ns);
    }
    return false;
}

struct kvm_vcpu *guest_lock_release(struct sim *sim, struct kvm_vcpu *v)
{
    return lock_release(sim, v);
}

/* ---- IPIs ---- */

static void csd_queue(struct guest_cpu *t, struct kvm_vcpu *sender, u64 handler_ns)
{
    if (t->csd_queued == t->csd_cap) {
        unsigned int cap = t->csd_cap ? 2 * t->csd_cap : 8;
        struct csd_entry *nq = g_new(struct csd_entry, cap);

        for (unsigned int i = 0; i < t->csd_queued; i++)
            nq[i] = t->csd_q[(t->csd_head + i) % t->csd_cap];
        g_free(t->csd_q);
        t->csd_q = nq;
        t->csd_cap = cap;
        t->csd_head = 0;
    }
    t->csd_q[(t->csd_head + t->csd_queued) % t->csd_cap] =
        (struct csd_entry){.sender = sender, .handler_ns = handler_ns, .sync = sender != NULL};
    t->csd_queued++;
}

/*
 * idle_cpu() of the guest CPU of @t: its run queue has only the idle task
 * (MODEL: a guest thread that is halted in the idle loop, at a barrier not
 * yet released or in a sleep whose timer has not fired).
 */
static bool guest_idle_cpu(const struct kvm_vcpu *t)
{
    const struct guest_cpu *g = t->g;

    switch (g->act) {
    case GA_IDLE:
        return true;
    case GA_BARRIER:
        return g->barrier_gen == t->kvm->guest->barrier_gen;
    case GA_SLEEP:
        return !g->rq_len;
    default:
        return false;
    }
}

/* Choose the targets of an IPI step into g->send_to[]. */
static void pick_targets(struct guest_cpu *g, struct guest_vm *vm, const struct guest_step *st)
{
    unsigned int n = vm->participants, me = g->v->vcpu_idx;

    g->nr_send = 0;
    g->send_pos = 0;
    if (n < 2)
        return;
    switch (st->to) {
    case IPI_TO_NEXT:
        g->send_to[g->nr_send++] = (me + 1) % n;
        break;
    case IPI_TO_RANDOM: {
        unsigned int t = (unsigned int)sim_rng_below(&g->rng, n - 1);

        g->send_to[g->nr_send++] = t >= me ? t + 1 : t;
        break;
    }
    case IPI_TO_SEVERAL: {
        /* Partial Fisher-Yates over the other participants. */
        unsigned int k = st->nr_targets < n - 1 ? st->nr_targets : n - 1;
        unsigned int *pool = g->scratch;

        for (unsigned int i = 0, j = 0; i < n; i++)
            if (i != me)
                pool[j++] = i;
        for (unsigned int i = 0; i < k; i++) {
            unsigned int r = i + (unsigned int)sim_rng_below(&g->rng, n - 1 - i);
            unsigned int tmp = pool[i];

            pool[i] = pool[r];
            pool[r] = tmp;
            g->send_to[g->nr_send++] = pool[i];
        }
        /* A cpumask: the kernel walks it (and sends per-target ICR
         * writes) in CPU order. */
        for (unsigned int i = 1; i < g->nr_send; i++) {
            unsigned int x = g->send_to[i], j = i;

            for (; j > 0 && g->send_to[j - 1] > x; j--)
                g->send_to[j] = g->send_to[j - 1];
            g->send_to[j] = x;
        }
        break;
    }
    case IPI_TO_ALL:
        for (unsigned int i = 0; i < n; i++)
            if (i != me)
                g->send_to[g->nr_send++] = i;
        break;
    }
}

/* How the pending send of g goes out. */
enum send_how {
    SEND_ICR_EACH,         /* one ICR write per target (unicast, or x2APIC mask loop) */
    SEND_ICR_ALLBUT,       /* one ICR write with the all-but-self shorthand */
    SEND_PV_HYPERCALL,     /* KVM_HC_SEND_IPI */
};

/* Deliver one IPI through hardware IPI virtualization (no exit, no hook). */
static void ipiv_deliver(struct sim *sim, struct kvm_vcpu *dst, int vector, u64 sent_at)
{
    struct kvm_lapic *apic = &dst->apic;
    u64 now = sim_now(sim);

    if (!apic_vec_test(apic->irr, vector) && !apic_vec_test(apic->pir, vector))
        apic->sent_at[vector] = sent_at;
    if (apic_vec_test(apic->pir, vector))
        return;
    apic_vec_set(apic->pir, vector);
    if (apic->pid_on)
        return;
    apic->pid_on = true;
    if (apic->pid_sn)
        return; /* preempted: picked up at its next entry */
    if (dst->mode == IN_GUEST_MODE)
        vcpu_notify(sim, dst, kvm_params(sim)->ipi_latency_ns);
    else if (dst->phase == VP_BLOCKED || dst->phase == VP_POLL)
        /* wakeup vector -> pi_wakeup_handler on the target's pCPU */
        sim_event_arm(&sim->eng, &dst->task.wake_ev, now + kvm_params(sim)->ipi_latency_ns);
}

static void wake_ev_fn(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;
    struct task_struct *p = container_of(ev, struct task_struct, wake_ev);

    kvm_vcpu_wake_up(sim, vcpu_of(p));
}

/*
 * Start sending g's IPIs; returns true if the vCPU exited (the rest
 * continues from guest_exit_handled / the next guest_resume).
 */
static bool send_ipis(struct sim *sim, struct kvm_vcpu *v);

static void count_sent(struct kvm_vcpu *v, unsigned int n)
{
    v->kvm->stats.ipis_sent += n;
}

static bool send_ipis(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;
    const struct scenario_kvm *k = kvm_params(sim);
    unsigned int remaining = g->nr_ipi - g->send_pos;

    if (remaining == 0)
        return false;
    g->send_start = sim_now(sim); /* the guest writes the ICR / issues the hypercall */
    if (g->send_multi && g->send_allbut) {
        /* native_send_call_func_ipi(): all-but-self shorthand, checked
         * before apic->send_IPI_mask (which PV send-IPI replaces; the
         * shorthand path is not replaced).  Shorthand ICR writes are not
         * virtualized by IPIv: they exit. */
        vcpu_exit(sim, v, KVM_EXIT_ICR);
        return true;
    }
    if (g->send_multi && k->pv_send_ipi) {
        /* kvm_send_ipi_mask(): one hypercall for the whole mask. */
        vcpu_exit(sim, v, KVM_EXIT_HC_SEND_IPI);
        return true;
    }
    if (k->apicv == APICV_IPIV) {
        for (; g->send_pos < g->nr_ipi; g->send_pos++) {
            if (sim->trace)
                trace_ipi_send(sim, v, v->kvm->vcpus[g->send_to[g->send_pos]], g->send_vector,
                               TRACE_IPI_IPIV);
            ipiv_deliver(sim, v->kvm->vcpus[g->send_to[g->send_pos]], g->send_vector,
                         sim_now(sim));
        }
        count_sent(v, remaining);
        return false;
    }
    vcpu_exit(sim, v, KVM_EXIT_ICR);
    return true;
}

/* ---- program ---- */

enum next { NEXT_CONTINUE, NEXT_DONE };

static void op_done(struct guest_cpu *g, struct guest_vm *vm)
{
    g->step = 0;
    g->iter++;
    vm->stats.ops++;
}

static void tick_stop(struct sim *sim, struct guest_cpu *g);

/* HLT: in the idle loop (a sleep, a barrier, nothing to do), where the tick
 * stops first, or in pv_wait() (GA_LOCK_HALT), where it keeps running. */
static void halt(struct sim *sim, struct kvm_vcpu *v, enum guest_act act)
{
    v->g->act = act;
    if (act != GA_LOCK_HALT)
        tick_stop(sim, v->g);
    vcpu_exit(sim, v, KVM_EXIT_HLT);
}

/* ---- guest threads ---- */

static void rq_push(struct guest_cpu *g, unsigned int t)
{
    SIM_BUG_ON(g->rq_len >= g->nr_threads);
    g->runq[(g->rq_head + g->rq_len) % g->nr_threads] = t;
    g->rq_len++;
}

static unsigned int rq_pop(struct guest_cpu *g)
{
    unsigned int t = g->runq[g->rq_head];

    SIM_BUG_ON(g->rq_len == 0);
    g->rq_head = (g->rq_head + 1) % g->nr_threads;
    g->rq_len--;
    return t;
}

/* The sleeping thread that wakes first (the lowest index among equals), or
 * nr_threads if none sleeps. */
static unsigned int first_sleeper(const struct guest_cpu *g)
{
    unsigned int first = g->nr_threads;

    for (unsigned int t = 0; t < g->nr_threads; t++)
        if (g->threads[t].sleeping &&
            (first == g->nr_threads || g->threads[t].wake_at < g->threads[first].wake_at))
            first = t;
    return first;
}

/* Program the LAPIC timer for the earliest hrtimer: the first sleeping
 * thread's expiry or, while the tick runs, the next tick. */
static void timer_program(struct sim *sim, struct guest_cpu *g)
{
    unsigned int t = first_sleeper(g);
    u64 when = UINT64_MAX;

    if (t < g->nr_threads)
        when = g->threads[t].wake_at;
    if (g->tick_on && g->next_tick < when)
        when = g->next_tick;
    if (when == UINT64_MAX)
        sim_event_cancel(&sim->eng, &g->timer_ev);
    else if (!sim_event_armed(&g->timer_ev) || g->timer_ev.time != when)
        sim_event_arm(&sim->eng, &g->timer_ev, when);
}

/* ---- the guest tick (workload.tick_hz) ---- */

/* The first tick of the VM's grid strictly after @now (hrtimer_forward()). */
static u64 tick_next_after(const struct guest_vm *vm, u64 now)
{
    if (now < vm->tick_phase)
        return vm->tick_phase;
    return vm->tick_phase + ((now - vm->tick_phase) / vm->tick_nsec + 1) * vm->tick_nsec;
}

/*
 * tick_nohz_idle_exit(): the guest CPU leaves the idle loop and restarts its
 * tick at the next period of the grid.  MODEL: the LAPIC timer (TSC
 * deadline) writes that stop and restart the tick cost no exit.
 */
static void tick_restart(struct sim *sim, struct guest_cpu *g, struct guest_vm *vm)
{
    g->tick_on = true;
    g->next_tick = tick_next_after(vm, sim_now(sim));
    timer_program(sim, g);
}

/* tick_nohz_idle_stop_tick(): about to halt in the idle loop.  MODEL: the
 * tick always stops, even when the next timer is less than a tick away. */
static void tick_stop(struct sim *sim, struct guest_cpu *g)
{
    if (!g->tick_on)
        return;
    g->tick_on = false;
    timer_program(sim, g);
}

/*
 * schedule() in the guest with the run queue not empty: the running thread
 * sleeps, or the tick preempted it (it is at the tail of the queue then),
 * and the first queued thread runs.  Returns true if the vCPU has guest
 * code to run for it first: the context switch (kernel code), then the rest
 * of a compute step the tick preempted; false if the thread goes straight on
 * with its next program step.
 */
static bool thread_switch(struct kvm_vcpu *v, struct guest_cpu *g, struct guest_vm *vm)
{
    unsigned int next = rq_pop(g);
    struct guest_thread *th;

    if (next == g->cur)
        return false; /* it is the thread that ran last: nothing to switch */
    th = &g->threads[g->cur];
    th->step = g->step;
    th->iter = g->iter;
    g->cur = next;
    g->step = g->threads[next].step;
    g->iter = g->threads[next].iter;
    g->resume_left = g->threads[next].left;
    g->threads[next].left = 0;
    g->slice_start = v->stats.guest_ns;
    vm->stats.thread_switches++;
    g->act = GA_COMPUTE;
    g->kernel = true;
    g->left = vm->wl->thread_switch_ns;
    return g->left || g->resume_left;
}

/*
 * The guest tick's handler is done (scheduler_tick(): the current thread's
 * slice is used up and another waits, so need_resched), and the interrupt
 * returns: to user mode, where the thread is preempted, or to kernel code,
 * where it is not (MODEL: a non-preemptible guest kernel, so a thread in a
 * critical section, a spin-wait or kernel compute keeps the vCPU until a
 * later tick finds it in user mode).
 */
static void guest_tick_preempt(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);

    if (!g->rq_len || g->nr_held || g->act != GA_COMPUTE || g->kernel || !g->left)
        return;
    if (v->stats.guest_ns - g->slice_start < vm->slice_ns)
        return;
    g->threads[g->cur].left = g->left;
    g->left = 0;
    rq_push(g, g->cur);
    vm->stats.thread_preemptions++;
    thread_switch(v, g, vm);
}

/*
 * Entries on @t's call_single_queue that no handler has taken yet: a
 * function-call handler takes its batch with llist_del_all() after its EOI
 * (csd_batch_take(); irq_csd is 0 before), so those no longer count.
 */
static unsigned int csd_backlog(const struct guest_cpu *t)
{
    bool running_batch = t->in_irq && (t->irq_vector == CALL_FUNCTION_VECTOR ||
                                       t->irq_vector == CALL_FUNCTION_SINGLE_VECTOR);

    return t->csd_queued - (running_batch ? t->irq_csd : 0);
}

/*
 * Queue the csds for the current send and set up its delivery
 * (smp_call_function_single / smp_call_function_many_cond): each csd goes
 * on its target's call_single_queue, and only targets whose queue was
 * empty (llist_add() returned true) get an IPI; the others' pending IPI
 * or running handler will run it.  Those targets are moved to the front
 * of send_to[] (nr_ipi of them, still in CPU order); one of them gets
 * CALL_FUNCTION_SINGLE, several the CALL_FUNCTION mask send.
 */
static void start_call_function(struct kvm_vcpu *v, u64 handler_ns, bool wait)
{
    struct guest_cpu *g = v->g;
    unsigned int nr_quiet = 0;

    g->nr_ipi = 0;
    for (unsigned int i = 0; i < g->nr_send; i++) {
        unsigned int t = g->send_to[i];
        struct guest_cpu *tg = v->kvm->vcpus[t]->g;
        bool was_empty = csd_backlog(tg) == 0;

        csd_queue(tg, wait ? v : NULL, handler_ns);
        if (was_empty)
            g->send_to[g->nr_ipi++] = t;
        else
            g->scratch[nr_quiet++] = t;
    }
    for (unsigned int i = 0; i < nr_quiet; i++)
        g->send_to[g->nr_ipi + i] = g->scratch[i];
    g->csd_outstanding = wait ? g->nr_send : 0;
    g->send_multi = g->nr_ipi > 1;
    /* cpumask_or_equal(mask, self, cpu_online_mask) */
    g->send_allbut = g->nr_ipi > 1 && g->nr_ipi == v->kvm->online_vcpus - 1;
    g->send_vector = g->nr_ipi > 1 ? CALL_FUNCTION_VECTOR : CALL_FUNCTION_SINGLE_VECTOR;
    g->send_wait = wait;
    g->send_local_left = 0;
    g->act = GA_SEND;
}

void guest_call_function(struct kvm_vcpu *v, const unsigned int *targets, unsigned int n,
                         u64 handler_ns, bool wait)
{
    struct guest_cpu *g = v->g;

    SIM_BUG_ON(n == 0 || n >= v->kvm->online_vcpus);
    memcpy(g->send_to, targets, n * sizeof(*targets));
    g->nr_send = n;
    g->send_pos = 0;
    start_call_function(v, handler_ns, wait);
}

static enum next next_step(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);
    const struct scenario_workload *wl = vm->wl;

    if (!g->participant) {
        halt(sim, v, GA_IDLE);
        return NEXT_DONE;
    }
    for (unsigned int guard = 0; guard <= 2 * wl->nr_steps + 2; guard++) {
        const struct guest_step *st;

        if (g->step == wl->nr_steps)
            op_done(g, vm);
        st = &wl->steps[g->step++];
        if (g->iter % st->every)
            continue;
        switch (st->kind) {
        case GSTEP_COMPUTE:
            g->left = draw(g, &st->d);
            if (!g->left)
                continue;
            g->act = GA_COMPUTE;
            g->kernel = st->kernel;
            return NEXT_CONTINUE;
        case GSTEP_LOCK: {
            unsigned int idx = st->lock;

            if (st->spread > 1)
                idx += (unsigned int)sim_rng_below(&g->rng, st->spread);
            lock_request(sim, v, idx);
            if (g->want_lock < 0)
                continue; /* taken at once */
            return NEXT_CONTINUE;
        }
        case GSTEP_UNLOCK: {
            struct kvm_vcpu *kick = lock_release(sim, v);

            if (kick && kvm_params(sim)->pv_unhalt) {
                g->kick_target = kick;
                g->act = GA_COMPUTE;
                g->left = 0;
                vcpu_exit(sim, v, KVM_EXIT_HC_KICK);
                return NEXT_DONE;
            }
            if (kick) /* no PV unhalt: the halted waiter must be woken anyway */
                vcpu_poke(sim, kick, wl->handoff_ns);
            continue;
        }
        case GSTEP_IPI:
            pick_targets(g, vm, st);
            if (!g->nr_send)
                continue;
            start_call_function(v, st->handler_ns, st->wait);
            return NEXT_CONTINUE;
        case GSTEP_TLB_SHOOTDOWN: {
            unsigned int w = 0;

            pick_targets(g, vm, st);
            /* kvm_flush_tlb_multi(): skip preempted targets (they flush
             * at their next entry). */
            for (unsigned int i = 0; i < g->nr_send; i++) {
                struct kvm_vcpu *t = v->kvm->vcpus[g->send_to[i]];

                if (kvm_params(sim)->pv_tlb_flush && t->st_preempted) {
                    t->st_flush_tlb = true;
                    vm->stats.tlb_skipped_preempted++;
                } else if (!st->freed_tables && guest_idle_cpu(t)) {
                    /* native_flush_tlb_multi() -> should_flush_tlb():
                     * a CPU in lazy TLB mode flushes at its next switch.
                     * MODEL: that later flush costs nothing. */
                    vm->stats.tlb_skipped_lazy++;
                } else {
                    g->send_to[w++] = g->send_to[i];
                }
            }
            g->nr_send = w;
            /* on_each_cpu_cond_mask() with SCF_RUN_LOCAL: the sender
             * flushes its own TLB after sending, before it waits. */
            if (!g->nr_send) {
                g->left = st->handler_ns;
                if (!g->left)
                    continue;
                g->act = GA_COMPUTE;
                g->kernel = true;
                return NEXT_CONTINUE;
            }
            start_call_function(v, st->handler_ns, true);
            g->send_local_left = st->handler_ns;
            return NEXT_CONTINUE;
        }
        case GSTEP_BARRIER:
            vm->barrier_arrived++;
            if (vm->barrier_arrived < vm->participants) {
                g->barrier_gen = vm->barrier_gen;
                g->act = GA_BARRIER;
                return NEXT_CONTINUE;
            }
            /* Last one in: wake everybody.  Each try_to_wake_up() finds
             * the wakee's CPU idle and queues the task on its wakelist
             * (ttwu_queue_cond, ttwu_queue_wakelist): an entry on the
             * call_single_queue, with a CALL_FUNCTION_SINGLE IPI if that
             * queue was empty; the handler runs sched_ttwu_pending(). */
            vm->barrier_arrived = 0;
            vm->barrier_gen++;
            g->nr_send = 0;
            g->send_pos = 0;
            for (unsigned int i = 0; i < vm->participants; i++) {
                struct guest_cpu *o = v->kvm->vcpus[i]->g;

                if (o != g && o->act == GA_BARRIER && o->barrier_gen != vm->barrier_gen)
                    g->send_to[g->nr_send++] = i;
            }
            if (!g->nr_send)
                continue;
            start_call_function(v, wl->resched_handler_ns, false);
            g->send_multi = false; /* one ttwu, one unicast IPI, per wakee */
            g->send_allbut = false;
            g->send_vector = CALL_FUNCTION_SINGLE_VECTOR;
            g->act = GA_SEND;
            return NEXT_CONTINUE;
        case GSTEP_SLEEP: {
            struct guest_thread *th = &g->threads[g->cur];

            th->wake_at = sim_now(sim) + draw(g, &st->d);
            th->sleeping = true;
            timer_program(sim, g);
            g->act = GA_SLEEP; /* guest_resume() runs a woken thread, or halts */
            return NEXT_CONTINUE;
        }
        }
    }
    SIM_BUG_ON(1); /* the loader guarantees that a pass advances time */
    return NEXT_DONE;
}

/* ---- interrupts ---- */

static u64 handler_cost(const struct guest_vm *vm, int vec)
{
    switch (vec) {
    case CALL_FUNCTION_VECTOR:
    case CALL_FUNCTION_SINGLE_VECTOR:
        return 0; /* the functions it runs: csd_batch_take(), after the EOI */
    case RESCHEDULE_VECTOR:
        return vm->wl->resched_handler_ns;
    case LOCAL_TIMER_VECTOR:
        return vm->wl->timer_handler_ns;
    default:
        return 0;
    }
}

static void irq_begin(struct sim *sim, struct kvm_vcpu *v, int vec)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);

    g->in_irq = true;
    g->irq_vector = vec;
    g->irq_eoi_done = false;
    g->irq_pv_eoi = false;
    g->irq_csd = 0;
    g->irq_stage = CSD_STAGE_NONE;
    g->irq_left = handler_cost(vm, vec);
    if (sim->trace)
        trace_irq_handler_entry(sim, v, vec, sim_now(sim) - v->apic.sent_at[vec]);
    if (vec != LOCAL_TIMER_VECTOR) {
        v->kvm->stats.ipis_received++;
        hist_add(&v->kvm->stats.ipi_latency, sim_now(sim) - v->apic.sent_at[vec]);
    }
}

static bool is_call_function_vector(int vec)
{
    return vec == CALL_FUNCTION_VECTOR || vec == CALL_FUNCTION_SINGLE_VECTOR;
}

static struct csd_entry *csd_at(struct guest_cpu *g, unsigned int i)
{
    return &g->csd_q[(g->csd_head + i) % g->csd_cap];
}

/*
 * Set irq_left to the next function(s) the handler runs; false when it has
 * run them all.  __flush_smp_call_function_queue(): "First; run all SYNC
 * callbacks, people are waiting for us", in queue order, then the !SYNC
 * ones, then the wake-ups (sched_ttwu_pending()); none of the latter has a
 * waiter, so they run as one block.
 */
static bool csd_next_segment(struct guest_cpu *g)
{
    if (g->irq_stage == CSD_STAGE_SYNC) {
        u64 ns = 0;
        bool any = false;

        for (; g->irq_pos < g->irq_csd; g->irq_pos++) {
            if (csd_at(g, g->irq_pos)->sync) {
                g->irq_left = csd_at(g, g->irq_pos)->handler_ns;
                return true;
            }
        }
        g->irq_stage = CSD_STAGE_ASYNC;
        for (unsigned int i = 0; i < g->irq_csd; i++) {
            if (!csd_at(g, i)->sync) {
                ns += csd_at(g, i)->handler_ns;
                any = true;
            }
        }
        if (any) {
            g->irq_left = ns;
            return true;
        }
    }
    g->irq_stage = CSD_STAGE_DONE;
    return false;
}

/* After the EOI: llist_del_all() takes every csd queued so far; the ones
 * queued later wait for the next IPI (their sender sends one, since the
 * list it found was empty). */
static void csd_batch_take(struct guest_cpu *g)
{
    g->irq_csd = g->csd_queued;
    g->irq_pos = 0;
    g->irq_stage = CSD_STAGE_SYNC;
    csd_next_segment(g);
}

/* The function(s) set up by csd_next_segment() have run: a SYNC function is
 * followed by csd_unlock(), and its sender, if that was the last target it
 * waited for, leaves csd_lock_wait().  Returns true if more functions run. */
static bool csd_segment_done(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;

    if (g->irq_stage == CSD_STAGE_SYNC) {
        struct csd_entry *e = csd_at(g, g->irq_pos);
        struct guest_cpu *sg = e->sender->g;

        SIM_BUG_ON(sg->csd_outstanding == 0);
        if (--sg->csd_outstanding == 0)
            vcpu_poke(sim, e->sender, gvm(v)->wl->handoff_ns);
        e->sender = NULL;
        g->irq_pos++;
    }
    return csd_next_segment(g);
}

static void irq_end(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;

    (void)sim;
    SIM_BUG_ON(g->irq_csd && g->irq_stage != CSD_STAGE_DONE);
    if (g->irq_csd) {
        g->csd_head = (g->csd_head + g->irq_csd) % g->csd_cap;
        g->csd_queued -= g->irq_csd;
    }
    g->irq_csd = 0;
    g->irq_stage = CSD_STAGE_NONE;
    g->in_irq = false;
    g->irq_vector = -1;
    g->ple_spun = 0; /* the interrupted PAUSE loop starts over */
}

/* ---- the guest decides ---- */

static u64 min_u64(u64 a, u64 b)
{
    return a < b ? a : b;
}

/* Spin (PAUSE loop) until the next guest-internal deadline; may exit. */
static void spin(struct sim *sim, struct kvm_vcpu *v, bool pv_threshold, u64 limit)
{
    struct guest_cpu *g = v->g;
    u64 d = limit;

    if (kvm_params(sim)->ple_gap) {
        u64 w = ple_window_ns(sim, v);

        if (g->ple_spun >= w) {
            g->ple_spun = 0;
            vcpu_exit(sim, v, KVM_EXIT_PLE);
            return;
        }
        d = min_u64(d, w - g->ple_spun);
    }
    if (pv_threshold) {
        u64 t = spin_threshold_ns(sim, gvm(v));

        SIM_BUG_ON(g->spun >= t);
        d = min_u64(d, t - g->spun);
    }
    vcpu_guest_run(sim, v, d);
}

/* ---- s390: arch_spin_lock_classic() under KVM ---- */

/* A vCPU idling in an enabled wait (the guest's CIF_ENABLED_WAIT): halted
 * for a sleep, a barrier, a PV lock or for good, and not in a handler. */
static bool guest_in_enabled_wait(const struct kvm_vcpu *t)
{
    const struct guest_cpu *g = t->g;

    if (g->in_irq)
        return false;
    switch (g->act) {
    case GA_LOCK_HALT:
    case GA_BARRIER:
    case GA_SLEEP:
    case GA_IDLE:
        return true;
    default:
        return false;
    }
}

bool s390_arch_vcpu_is_preempted(const struct kvm_vcpu *t)
{
    if (guest_in_enabled_wait(t))
        return false;
    /*
     * pcpu_running(): SIGP SENSE RUNNING reports the CPUSTAT_RUNNING flag,
     * which kvm_arch_vcpu_load() sets and kvm_arch_vcpu_put() clears, i.e.
     * whether the vCPU thread is on a host CPU.  MODEL: the SIGP costs
     * nothing and does not exit (it is interpreted by the SIE when the
     * machine has the SIGP-interpretation facility, ECA_SIGPI).
     */
    return !t->task.on_cpu;
}

/*
 * Spin time from setting count = spin_retry to the yielding pass: the loop
 * tests count-- >= 0 on passes 1 .. spin_retry + 1 and yields on pass
 * spin_retry + 2.  At least 1 ns, so that a loop always advances time.
 */
static u64 spin_retry_period_ns(const struct scenario_workload *wl)
{
    u64 ns = (((u64)wl->spin_retry + 2) * wl->spin_loop_ps + 500) / 1000;

    return ns ? ns : 1;
}

/* smp_yield_cpu(owner): DIAGNOSE 0x9c with the owner's CPU address. */
static void smp_yield_cpu(struct sim *sim, struct kvm_vcpu *v, const struct kvm_vcpu *owner)
{
    v->g->diag9c_tid = (int)owner->vcpu_id;
    vcpu_exit(sim, v, KVM_EXIT_DIAG_9C);
}

/* The waiter @v found lock @l held: the loop of arch_spin_lock_classic(). */
static void s390_lock_spin(struct sim *sim, struct kvm_vcpu *v, struct guest_lock *l)
{
    struct guest_cpu *g = v->g;
    struct kvm_vcpu *owner;
    u64 period = spin_retry_period_ns(gvm(v)->wl);

    SIM_BUG_ON(l->holder < 0); /* a free lock was taken by guest_lock_try() */
    owner = v->kvm->vcpus[l->holder];

    if (g->s390_first_yield) {
        /* The opening check: yield at once only to a preempted owner. */
        g->s390_first_yield = false;
        if (s390_arch_vcpu_is_preempted(owner)) {
            smp_yield_cpu(sim, v, owner);
            return;
        }
    }
    if (g->spun >= period) {
        /* count ran out: count = spin_retry, and since !MACHINE_IS_LPAR
         * the yield does not depend on the owner's state. */
        g->spun = 0;
        smp_yield_cpu(sim, v, owner);
        return;
    }
    vcpu_guest_run(sim, v, period - g->spun);
}

void guest_resume(struct sim *sim, struct kvm_vcpu *v)
{
    struct guest_cpu *g = v->g;
    struct guest_vm *vm = gvm(v);
    const struct scenario_kvm *k = kvm_params(sim);

    for (unsigned int guard = 0; guard < 1000000; guard++) {
        /* Interrupts first. */
        if (!g->in_irq && g->irq_visible) {
            int vec = kvm_apic_inject(sim, v);

            if (vec >= 0) {
                kvm_lapic_sync_to_vapic(sim, v);
                irq_begin(sim, v, vec);
                /* Without APICv one vector per entry: the next waits for
                 * one (the EOI exit's, unless the EOI is a PV EOI). */
                if (k->apicv == APICV_OFF)
                    g->irq_visible = false;
            } else {
                g->irq_visible = false;
            }
        }
        if (g->in_irq) {
            if (!g->irq_eoi_done) {
                /* apic_eoi() at the top of the handler. */
                g->irq_eoi_done = true;
                if (k->apicv == APICV_OFF) {
                    /* kvm_guest_apic_eoi_write(): __test_and_clear_bit() of
                     * the PV EOI bit, else the native EOI (an exit). */
                    if (!v->apic.pv_eoi_guest) {
                        vcpu_exit(sim, v, KVM_EXIT_EOI);
                        return;
                    }
                    v->apic.pv_eoi_guest = false;
                    g->irq_pv_eoi = true;
                }
                /* Virtualized EOI: the ISR bit goes, KVM sees nothing. */
                apic_vec_clear(v->apic.isr, g->irq_vector);
            }
            if (is_call_function_vector(g->irq_vector) && g->irq_stage == CSD_STAGE_NONE)
                csd_batch_take(g);
            if (g->irq_left) {
                vcpu_guest_run(sim, v, g->irq_left);
                return;
            }
            if (g->irq_stage == CSD_STAGE_SYNC || g->irq_stage == CSD_STAGE_ASYNC) {
                if (csd_segment_done(sim, v))
                    continue;
            }
            {
                bool tick = g->irq_vector == LOCAL_TIMER_VECTOR;

                irq_end(sim, v);
                if (tick)
                    guest_tick_preempt(sim, v);
            }
            /* MODEL: the next pending vector follows at once (after the EOI
             * exit's entry, or by APICv's virtual delivery), with no
             * interrupt-window exit; after a PV EOI, which does not exit, it
             * waits for the next entry. */
            if (!g->irq_pv_eoi)
                g->irq_visible = true;
            continue;
        }
        /* Out of the idle loop (a thread woke, the barrier opened, or the
         * program starts): the tick runs again. */
        if (!g->tick_on && vm->tick_nsec && !guest_idle_cpu(v))
            tick_restart(sim, g, vm);

        switch (g->act) {
        case GA_COMPUTE:
            if (g->left) {
                vcpu_guest_run(sim, v, g->left);
                return;
            }
            if (g->resume_left) {
                /* Switched back to a thread the tick preempted. */
                g->left = g->resume_left;
                g->resume_left = 0;
                g->kernel = false;
                continue;
            }
            break;
        case GA_LOCK_SPIN: {
            struct guest_lock *l = &vm->locks[g->want_lock];
            bool pv = vm->wl->lock_kind == LOCK_PV_QSPINLOCK;

            /* The head spins with 'pending' set (guest_lock_try). */
            if (guest_lock_try(sim, v))
                break;
            if (vm->wl->lock_kind == LOCK_S390) {
                s390_lock_spin(sim, v, l);
                return;
            }
            u64 limit = GUEST_FOREVER_NS;
            bool queued_pv = pv && !g->unfair; /* the unfair trylock spins unbounded */

            if (queued_pv && !g->pv_head && q_head(l) == (int)v->vcpu_idx) {
                /* pv_wait_node() saw node->locked: pv_wait_head_or_lock()
                 * spins a fresh SPIN_THRESHOLD. */
                g->pv_head = true;
                g->pv_head_waits = 0;
                g->spun = 0;
            }
            bool give_up = queued_pv && g->spun >= spin_threshold_ns(sim, vm);

            if (queued_pv && !give_up) {
                limit = guest_pv_wait_early_in(sim, v);
                if (limit == 0) {
                    give_up = true;
                    vm->stats.pv_wait_early++;
                }
            }
            if (give_up) {
                /* pv_wait_node / pv_wait_head_or_lock give up spinning. */
                int next = q_next(l, (int)v->vcpu_idx);

                if (q_head(l) == (int)v->vcpu_idx) {
                    /* lockevent_cond_inc(pv_wait_again, waitcnt) */
                    if (g->pv_head_waits++)
                        vm->stats.pv_wait_again++;
                    l->pending = false; /* clear_pending() */
                    if (!g->pv_hashed) {
                        /* First time: hash the lock, locked = _Q_SLOW_VAL. */
                        g->pv_hashed = true;
                        l->slow = true;
                    } else if (!l->slow) {
                        /* Hashed before and woken since: pv_wait() sees
                         * locked != _Q_SLOW_VAL and returns at once; the
                         * loop sets 'pending' and spins again. */
                        g->spun = 0;
                        continue;
                    }
                }
                g->spun = 0;
                halt(sim, v, GA_LOCK_HALT);
                /* Our successor sees our state change at its next
                 * pv_wait_early() check. */
                if (next >= 0)
                    vcpu_poke(sim, v->kvm->vcpus[next], 0);
                return;
            }
            spin(sim, v, queued_pv, limit);
            return;
        }
        case GA_LOCK_HALT:
            /* pv_wait() returned: spin again from zero.  In pv_wait_node()
             * (not yet the queue head), node->locked still clear makes it
             * the kernel's pv_spurious_wakeup: an interrupt (the tick keeps
             * running in pv_wait()) woke it. */
            if (!g->pv_head && q_head(&vm->locks[g->want_lock]) != (int)v->vcpu_idx)
                vm->stats.pv_spurious_wakeups++;
            g->act = GA_LOCK_SPIN;
            g->spun = 0;
            g->ple_spun = 0;
            continue;
        case GA_SEND:
            if (g->send_pos < g->nr_ipi && send_ipis(sim, v))
                return;
            if (g->send_multi && k->pv_sched_yield && g->send_vector == CALL_FUNCTION_VECTOR &&
                !g->yield_checked) {
                /* kvm_smp_send_call_func_ipi(): walk the IPI mask in CPU
                 * order and yield to the first target that is not idle
                 * and whose steal-time 'preempted' flag is set. */
                g->yield_checked = true;
                for (unsigned int i = 0; i < g->nr_ipi; i++) {
                    struct kvm_vcpu *t = v->kvm->vcpus[g->send_to[i]];

                    if (t->st_preempted && !guest_idle_cpu(t)) {
                        g->kick_target = t;
                        vcpu_exit(sim, v, KVM_EXIT_HC_YIELD);
                        return;
                    }
                }
            }
            if (g->send_local_left) {
                vcpu_guest_run(sim, v, g->send_local_left);
                return;
            }
            g->yield_checked = false;
            if (g->send_wait) {
                g->act = GA_CSD_WAIT;
                g->spun = 0;
                g->ple_spun = 0;
                continue;
            }
            break;
        case GA_CSD_WAIT:
            if (g->csd_outstanding == 0)
                break;
            spin(sim, v, false, GUEST_FOREVER_NS);
            return;
        case GA_BARRIER:
            if (g->barrier_gen != vm->barrier_gen)
                break;
            halt(sim, v, GA_BARRIER);
            return;
        case GA_SLEEP:
            if (g->rq_len) {
                /* schedule(): the first woken thread runs (after a switch,
                 * unless it is the one that slept last). */
                if (thread_switch(v, g, vm))
                    continue;
                break;
            }
            halt(sim, v, GA_SLEEP);
            return;
        case GA_IDLE:
            halt(sim, v, GA_IDLE);
            return;
        }
        /* The current activity is complete: next program step. */
        if (next_step(sim, v) == NEXT_DONE)
            return;
    }
    SIM_BUG_ON(1);
}

void guest_exit_handled(struct sim *sim, struct kvm_vcpu *v, enum kvm_exit reason)
{
    struct guest_cpu *g = v->g;

    switch (reason) {
    case KVM_EXIT_ICR:
        if (g->send_allbut) {
            kvm_irq_delivery_to_apic(sim, v, NULL, APIC_DEST_ALLBUT, g->send_vector,
                                     g->send_start);
            count_sent(v, g->nr_ipi - g->send_pos);
            g->send_pos = g->nr_ipi;
        } else {
            kvm_irq_delivery_to_apic(sim, v, v->kvm->vcpus[g->send_to[g->send_pos]],
                                     APIC_DEST_ONE, g->send_vector, g->send_start);
            count_sent(v, 1);
            g->send_pos++;
        }
        break;
    case KVM_EXIT_HC_SEND_IPI:
        /* kvm_pv_send_ipi(): kvm_apic_set_irq per bit, bypassing
         * kvm_irq_delivery_to_apic (no delivery hook). */
        for (; g->send_pos < g->nr_ipi; g->send_pos++) {
            if (sim->trace)
                trace_ipi_send(sim, v, v->kvm->vcpus[g->send_to[g->send_pos]], g->send_vector,
                               TRACE_IPI_PV);
            kvm_apic_set_irq(sim, v->kvm->vcpus[g->send_to[g->send_pos]], g->send_vector,
                             g->send_start);
        }
        count_sent(v, g->nr_ipi);
        break;
    case KVM_EXIT_EOI:
        kvm_lapic_eoi_write(sim, v);
        break;
    case KVM_EXIT_HC_KICK:
        kvm_pv_kick_cpu_op(sim, v, g->kick_target);
        g->kick_target = NULL;
        break;
    case KVM_EXIT_HC_YIELD:
        kvm_sched_yield(sim, v, g->kick_target);
        g->kick_target = NULL;
        break;
    case KVM_EXIT_DIAG_9C:
        /* kvm_s390_handle_diag(): the CPU address is in the register. */
        __diag_time_slice_end_directed(sim, v, g->diag9c_tid);
        break;
    default:
        SIM_BUG_ON(1);
    }
}

void guest_sched_out(struct sim *sim, struct kvm_vcpu *v)
{
    (void)sim;
    if (v->preempted && v->g->nr_held > 0)
        gvm(v)->stats.lock_holder_preempted++;
}

/* The guest's LAPIC timer (hrtimer in KVM) fired: every thread whose sleep
 * has expired joins the run queue, in the order of expiry, and a due tick
 * moves to the next period (ticks missed meanwhile are not delivered one by
 * one: the vCPU gets one timer interrupt, as the guest's handler catches up
 * jiffies). */
static void timer_fn(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;
    struct guest_cpu *g = container_of(ev, struct guest_cpu, timer_ev);
    struct guest_vm *vm = gvm(g->v);
    u64 now = sim_now(sim);
    unsigned int t;

    while ((t = first_sleeper(g)) < g->nr_threads && g->threads[t].wake_at <= now) {
        g->threads[t].sleeping = false;
        rq_push(g, t);
    }
    if (g->tick_on && g->next_tick <= now) {
        g->next_tick = tick_next_after(vm, now);
        vm->stats.ticks++;
    }
    timer_program(sim, g);
    kvm_apic_timer_expired(sim, g->v, sim_now(sim));
}

/* ---- setup ---- */

void guest_vm_init(struct sim *sim, struct kvm *kvm)
{
    const struct scenario_workload *wl = &kvm->svm->wl;
    struct guest_vm *vm = g_new0(struct guest_vm, 1);

    vm->kvm = kvm;
    vm->wl = wl;
    vm->participants = wl->participants ? wl->participants : kvm->online_vcpus;
    if (vm->participants > kvm->online_vcpus)
        vm->participants = kvm->online_vcpus;
    vm->locks = g_new0(struct guest_lock, wl->nr_locks ? wl->nr_locks : 1);
    for (unsigned int i = 0; i < wl->nr_locks; i++)
        vm->locks[i].holder = -1;
    hist_init(&vm->stats.lock_wait);
    hist_init(&vm->stats.lock_hold);
    if (wl->tick_hz) {
        struct sim_rng r;

        /* TICK_NSEC; the grid's phase against the host's is arbitrary (the
         * guest booted at some instant), drawn from a stream of its own. */
        vm->tick_nsec = (NSEC_PER_SEC + wl->tick_hz / 2) / wl->tick_hz;
        sim_rng_seed(&r, sim->seed, 0x2000000ULL + kvm->idx);
        vm->tick_phase = sim_rng_below(&r, vm->tick_nsec);
    }
    /* The guest kernel's sysctl_sched_base_slice: 0.7 ms scaled by
     * 1 + ilog2(min(CPUs, 8)) (SCHED_TUNABLESCALING_LOG, the default). */
    {
        unsigned int n = MIN(kvm->online_vcpus, 8U), lg = 0;

        while (n >>= 1)
            lg++;
        vm->slice_ns = 700000ULL * (1 + lg);
    }
    kvm->guest = vm;
    for (unsigned int i = 0; i < kvm->online_vcpus; i++) {
        struct kvm_vcpu *v = kvm->vcpus[i];
        struct guest_cpu *g = g_new0(struct guest_cpu, 1);

        g->v = v;
        g->participant = i < vm->participants;
        /* Stream ids: VM index in the high bits, vCPU in the low ones. */
        sim_rng_seed(&g->rng, sim->seed, 0x1000000ULL + ((u64)kvm->idx << 16) + i);
        g->want_lock = -1;
        g->irq_vector = -1;
        g->act = GA_COMPUTE;
        g->left = 0;
        g->send_to = g_new(unsigned int, kvm->online_vcpus);
        g->scratch = g_new(unsigned int, kvm->online_vcpus);
        /* Thread 0 runs first; the others wait in the run queue. */
        g->nr_threads = wl->threads_per_vcpu ? wl->threads_per_vcpu : 1;
        g->threads = g_new0(struct guest_thread, g->nr_threads);
        g->runq = g_new(unsigned int, g->nr_threads);
        for (unsigned int t = 1; t < g->nr_threads; t++)
            rq_push(g, t);
        sim_event_init(&g->timer_ev, timer_fn);
        sim_event_init(&v->task.wake_ev, wake_ev_fn);
        v->g = g;
    }
}

void guest_vm_free(struct kvm *kvm)
{
    struct guest_vm *vm = kvm->guest;

    if (!vm)
        return;
    for (unsigned int i = 0; i < vm->wl->nr_locks; i++)
    {
        g_free(vm->locks[i].queue);
        g_free(vm->locks[i].unfair);
    }
    g_free(vm->locks);
    for (unsigned int i = 0; i < kvm->online_vcpus; i++) {
        struct guest_cpu *g = kvm->vcpus[i]->g;

        g_free(g->csd_q);
        g_free(g->threads);
        g_free(g->runq);
        g_free(g->send_to);
        g_free(g->scratch);
        g_free(g);
    }
    g_free(vm);
    kvm->guest = NULL;
}
