/*
 * core.c - the per-CPU scheduler core: __schedule(), wakeups, sched_yield(),
 * yield_to(), the tick, and the accounting of the CPU work a running task
 * consumes.
 *
 * Mirrors kernel/sched/core.c and syscalls.c (6.18.y / v6.19) for the fair
 * class only.  An idle CPU has rq->curr == NULL (the idle task is implicit).
 *
 * MODEL: a reschedule request (resched_curr) takes effect at once, after
 * the event that raised it: host tasks run in user mode, where the return
 * from the tick or the resched IPI preempts them immediately (the
 * "voluntary"/"full" preemption models; lazy preemption is not modelled).
 * MODEL: context switches and migrations cost no CPU time; rq_clock_task
 * is the simulated time (no IRQ or steal time).
 * MODEL: the tick is a per-CPU periodic event at multiples of TICK_NSEC,
 * aligned across CPUs, stopped while the CPU is idle (NO_HZ_IDLE) and
 * restarted on the same grid.
 */
#include <errno.h>

#include "vsched/policy.h"
#include "vsched/sched.h"
#include "vsched/sim.h"
#include "vsched/trace.h"

/* ---- CPU work ---- */

static void rq_stop_work(struct sim *sim, struct rq *rq)
{
    struct task_struct *p = rq->curr;
    u64 now = sim_now(sim);

    if (!p)
        return;
    sim_event_cancel(&sim->eng, &rq->work_ev);
    if (p->work_left_ns != UINT64_MAX) {
        u64 done = now - p->work_start;
        p->work_left_ns = done >= p->work_left_ns ? 0 : p->work_left_ns - done;
    }
    p->work_start = now;
}

static void rq_start_work(struct sim *sim, struct rq *rq)
{
    struct task_struct *p = rq->curr;

    if (!p)
        return;
    p->work_start = sim_now(sim);
    if (p->work_left_ns != UINT64_MAX)
        sim_event_arm(&sim->eng, &rq->work_ev, sim_now(sim) + p->work_left_ns);
}

void task_set_work(struct sim *sim, struct task_struct *p, u64 ns)
{
    struct rq *rq = task_rq(sim, p);

    SIM_BUG_ON(rq->curr != p);
    p->work_left_ns = ns;
    rq_start_work(sim, rq);
}

void task_stop_work(struct sim *sim, struct task_struct *p)
{
    struct rq *rq = task_rq(sim, p);

    SIM_BUG_ON(rq->curr != p);
    rq_stop_work(sim, rq);
}

void task_resume_work(struct sim *sim, struct task_struct *p)
{
    struct rq *rq = task_rq(sim, p);

    if (rq->curr == p && !sim_event_armed(&rq->work_ev))
        rq_start_work(sim, rq);
}

bool single_task_running(struct sim *sim, struct task_struct *p)
{
    return task_rq(sim, p)->nr_running == 1;
}

/*
 * task_sched_runtime(): what clock_gettime(CLOCK_THREAD_CPUTIME_ID) (and the
 * process CPU clock, for the calling thread) returns, through
 * posix_cpu_clock_get() -> cpu_clock_sample().  A task not on a CPU has its
 * sum_exec_runtime up to date; for the running one the class's update_curr()
 * first accounts the time since the last update.  For the fair class that is
 * update_curr_fair(), i.e. update_curr() of the task's own queue only - with
 * its side effects: a new deadline when the request is used up and
 * resched_curr_lazy() when that happens or the slice protection is over.
 * So a task that keeps reading its CPU clock is preempted as soon as its
 * slice ends, not at the next tick.  The reschedule takes effect on the
 * return from the system call (MODEL: at once, see resched_curr()).
 */
u64 task_sched_runtime(struct sim *sim, struct task_struct *p)
{
    struct rq *rq = task_rq(sim, p);

    if (!p->on_cpu || !task_on_rq_queued(p))
        return p->se.sum_exec_runtime;

    /* Must be ->curr _and_ ->on_rq (task_current_donor() without proxy
     * execution). */
    if (rq->curr == p && task_on_rq_queued(p))
        update_curr_fair(sim, rq);
    return p->se.sum_exec_runtime;
}

static void work_event(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;
    struct rq *rq = container_of(ev, struct rq, work_ev);
    struct task_struct *p = rq->curr;

    SIM_BUG_ON(!p);
    p->work_left_ns = 0;
    p->work_start = sim_now(sim);
    p->ops->work_done(sim, p);
    /* A behaviour that neither set more work nor blocked nor left the CPU
     * would stall the CPU: that is a bug in the behaviour. */
    SIM_BUG_ON(rq->curr == p && p->__state == TASK_RUNNING && !sim_event_armed(&rq->work_ev) &&
               !rq->need_resched);
}

/* ---- tick ---- */

/*
 * The tick of each CPU fires on a grid of TICK_NSEC.  With skew_tick=1
 * (tick_sched.c, "Offset the tick to avert 'jiffies_lock' contention") CPU
 * n's grid is shifted by n * ((TICK_NSEC >> 1) / num_possible_cpus()).
 */
static void tick_arm(struct sim *sim, struct rq *rq)
{
    u64 period = sim->params.tick_nsec, now = sim_now(sim), next, off = 0;

    if (sim->params.skew_tick)
        off = ((period >> 1) / sim->nr_cpus) * rq->cpu;
    if (now < off)
        next = off;
    else
        next = ((now - off) / period + 1) * period + off;

    if (!sim_event_armed(&rq->tick_ev))
        sim_event_arm(&sim->eng, &rq->tick_ev, next);
}

void sched_tick(struct sim *sim, struct rq *rq)
{
    struct task_struct *curr = rq->curr;

    if (curr)
        task_tick_fair(sim, rq, curr);
}

/* An interrupt reaches the CPU: the running task's behaviour sees it first. */
static void curr_interrupted(struct sim *sim, struct rq *rq)
{
    struct task_struct *curr = rq->curr;

    if (curr && curr->ops->interrupted)
        curr->ops->interrupted(sim, curr);
}

static void tick_event(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;
    struct rq *rq = container_of(ev, struct rq, tick_ev);

    sched_tick(sim, rq);
    /* The tick is a host interrupt, so it reaches the running task even when
     * it raises no reschedule: a vCPU in guest mode takes an
     * external-interrupt exit for it (the host handles the interrupt after
     * the exit, in vmx_handle_exit_irqoff()) and re-enters.  One that did
     * raise a reschedule reaches the task through resched_event(), armed
     * for now, with the same single exit. */
    if (!rq->need_resched)
        curr_interrupted(sim, rq);
    if (rq->curr)
        tick_arm(sim, rq);
}

/* ---- resched ---- */

static void resched_event(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;
    struct rq *rq = container_of(ev, struct rq, resched_ev);

    if (rq->need_resched) {
        /* Every deferred reschedule arrives as an interrupt: the
         * reschedule IPI from another CPU, or the host interrupt (tick,
         * timer, posted-interrupt wake-up) whose handler raised it here.
         * It reaches the running task even if the pick keeps it. */
        struct task_struct *curr = rq->curr;

        curr_interrupted(sim, rq);
        if (curr && curr->ops->resched_deferred && curr->ops->resched_deferred(sim, curr))
            return; /* need_resched stays set: resched_deferred_done() */
        __schedule(sim, rq);
    }
}

void resched_deferred_done(struct sim *sim, struct rq *rq)
{
    if (rq->need_resched && !sim_event_armed(&rq->resched_ev))
        sim_event_arm(&sim->eng, &rq->resched_ev, sim_now(sim));
}

void resched_curr(struct sim *sim, struct rq *rq)
{
    if (rq->need_resched)
        return;
    rq->need_resched = true;
    if (!sim_event_armed(&rq->resched_ev))
        sim_event_arm(&sim->eng, &rq->resched_ev, sim_now(sim));
}

/* ---- context switch ---- */

static void context_switch(struct sim *sim, struct rq *rq, struct task_struct *prev,
                           struct task_struct *next)
{
    u64 now = sim_now(sim);

    if (prev) {
        rq_stop_work(sim, rq);
        prev->on_cpu = false;
        prev->stats.nr_switches++;
        hist_add(&prev->stats.run_ns, now - prev->stats_stint_start);
        if (prev->ops->switched)
            prev->ops->switched(sim, prev, false);
    } else {
        rq->busy_since = now;
    }
    if (sim->trace)
        trace_sched_switch(sim, rq, prev, next);
    rq->curr = next;
    rq->nr_switches++;
    if (next) {
        next->on_cpu = true;
        next->stats_stint_start = now;
        /* The behaviour may change the work left (e.g. switch costs). */
        if (next->ops->switched)
            next->ops->switched(sim, next, true);
        rq_start_work(sim, rq);
        tick_arm(sim, rq);
    } else {
        rq->busy_ns += now - rq->busy_since;
        sim_event_cancel(&sim->eng, &rq->tick_ev);
    }
}

static void block_task(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    if (dequeue_task_fair(sim, rq, p, DEQUEUE_SLEEP | flags))
        p->on_rq = 0; /* __block_task() */
}

/*
 * __schedule(): prev blocks if it is no longer TASK_RUNNING; the fair class
 * picks; need_resched is cleared after the pick (as the kernel clears
 * TIF_NEED_RESCHED in __schedule after pick_next_task).
 */
void __schedule(struct sim *sim, struct rq *rq)
{
    struct task_struct *prev = rq->curr, *next;

    if (prev && prev->__state != TASK_RUNNING)
        block_task(sim, rq, prev, DEQUEUE_NOCLOCK);

    next = pick_next_task_fair(sim, rq, prev);
    if (!next && sim->params.newidle_balance) {
        sched_balance_newidle(sim, rq);
        next = pick_next_task_fair(sim, rq, prev);
    }
    if (!next && prev)
        put_prev_task_fair(sim, rq, prev);

    rq->need_resched = false;
    sim_event_cancel(&sim->eng, &rq->resched_ev);

    if (next != prev) {
        context_switch(sim, rq, prev, next);
    } else if (next && !sim_event_armed(&rq->work_ev)) {
        /* Same task again (e.g. a yield nobody took): it goes on with its
         * program where it left off. */
        rq_start_work(sim, rq);
    }
}

/* ---- wakeups ---- */

static bool cpu_idle(struct sim *sim, unsigned int cpu)
{
    struct rq *rq = cpu_rq(sim, cpu);

    return !rq->curr && rq->nr_running == 0;
}

/*
 * MODEL: a stand-in for select_task_rq_fair(): wake on the previous CPU if
 * it is idle, else on the first idle allowed CPU scanning upward from it,
 * else on the previous CPU.  A new task (WF_FORK) goes to the allowed CPU
 * with the fewest queued tasks (lowest id on ties), as
 * sched_balance_find_dst_cpu() would on an otherwise empty topology.
 */
unsigned int select_task_rq(struct sim *sim, struct task_struct *p, int wake_flags)
{
    unsigned int n = sim->nr_cpus, prev = p->cpu;

    if (wake_flags & WF_FORK) {
        unsigned int best = UINT32_MAX, best_nr = UINT32_MAX;

        for (unsigned int cpu = 0; cpu < n; cpu++) {
            if (!cpumask_test_cpu(cpu, &p->cpus_allowed))
                continue;
            if (cpu_rq(sim, cpu)->nr_running < best_nr) {
                best = cpu;
                best_nr = cpu_rq(sim, cpu)->nr_running;
            }
        }
        SIM_BUG_ON(best == UINT32_MAX);
        return best;
    }

    if (cpumask_test_cpu(prev, &p->cpus_allowed) && cpu_idle(sim, prev))
        return prev;
    for (unsigned int i = 1; i < n; i++) {
        unsigned int cpu = (prev + i) % n;
        if (cpumask_test_cpu(cpu, &p->cpus_allowed) && cpu_idle(sim, cpu))
            return cpu;
    }
    if (cpumask_test_cpu(prev, &p->cpus_allowed))
        return prev;
    for (unsigned int cpu = 0; cpu < n; cpu++)
        if (cpumask_test_cpu(cpu, &p->cpus_allowed))
            return cpu;
    SIM_BUG_ON(1);
    return 0;
}

static void set_task_cpu(struct sim *sim, struct task_struct *p, unsigned int cpu)
{
    if (p->cpu != cpu) {
        p->stats.nr_migrations++;
        p->cpu = cpu;
    }
    attach_entity_to_group(sim, &p->se, p->sched_task_group, cpu);
}

static void wakeup_preempt(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    if (!rq->curr) {
        /* The idle task is below every class. */
        resched_curr(sim, rq);
        return;
    }
    check_preempt_wakeup_fair(sim, rq, p, flags);
}

static void activate_task(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    enqueue_task_fair(sim, rq, p, flags);
    p->on_rq = TASK_ON_RQ_QUEUED;
    if (rq->curr && rq->curr != p && rq->curr->ops->rq_enqueued)
        rq->curr->ops->rq_enqueued(sim, rq->curr);
}

void wake_up_new_task(struct sim *sim, struct task_struct *p)
{
    int wake_flags = WF_FORK;
    struct rq *rq;

    p->__state = TASK_RUNNING;
    p->cpu = select_task_rq(sim, p, wake_flags);
    attach_entity_to_group(sim, &p->se, p->sched_task_group, p->cpu);
    rq = task_rq(sim, p);
    activate_task(sim, rq, p, ENQUEUE_NOCLOCK | ENQUEUE_INITIAL);
    if (sim->trace)
        trace_sched_wakeup(sim, p, true);
    wakeup_preempt(sim, rq, p, wake_flags);
}

/*
 * try_to_wake_up() for a task blocked in TASK_INTERRUPTIBLE.  A task still
 * queued as sched_delayed is requeued where it is (ttwu_runnable());
 * otherwise a CPU is selected and the task activated there.
 */
bool try_to_wake_up(struct sim *sim, struct task_struct *p, int wake_flags)
{
    struct rq *rq;
    unsigned int cpu;
    int en_flags = ENQUEUE_WAKEUP | ENQUEUE_NOCLOCK;

    if (p->__state == TASK_RUNNING)
        return false;
    p->stats.nr_wakeups++;

    if (p->on_rq) {
        /* ttwu_runnable() */
        rq = task_rq(sim, p);
        if (p->se.sched_delayed)
            enqueue_task_fair(sim, rq, p, ENQUEUE_NOCLOCK | ENQUEUE_DELAYED);
        if (sim->trace)
            trace_sched_wakeup(sim, p, false);
        if (!p->on_cpu)
            wakeup_preempt(sim, rq, p, wake_flags);
        p->__state = TASK_RUNNING; /* ttwu_do_wakeup() */
        return true;
    }

    cpu = select_task_rq(sim, p, wake_flags | WF_TTWU);
    if (cpu != p->cpu) {
        wake_flags |= WF_MIGRATED;
        en_flags |= ENQUEUE_MIGRATED;
        set_task_cpu(sim, p, cpu);
    }
    rq = task_rq(sim, p);
    activate_task(sim, rq, p, en_flags);
    if (sim->trace)
        trace_sched_wakeup(sim, p, false);
    wakeup_preempt(sim, rq, p, wake_flags);
    p->__state = TASK_RUNNING;
    return true;
}

void sched_block_current(struct sim *sim, struct task_struct *p)
{
    struct rq *rq = task_rq(sim, p);

    SIM_BUG_ON(rq->curr != p);
    p->__state = TASK_INTERRUPTIBLE;
    __schedule(sim, rq);
}

/* ---- yield ---- */

/* do_sched_yield(): yield_task of the caller's class, then schedule(). */
void do_sched_yield(struct sim *sim, struct task_struct *p)
{
    struct rq *rq = task_rq(sim, p);

    SIM_BUG_ON(rq->curr != p);
    p->stats.nr_yields++;
    rq_stop_work(sim, rq);
    yield_task_fair(sim, rq);
    __schedule(sim, rq);
}

/*
 * yield_to - yield the current processor to another thread in your thread
 * group, or accelerate that thread toward the processor it's on.
 *
 * Returns:
 *	true (>0) if we indeed boosted the target task.
 *	false (0) if we failed to boost the target.
 *	-ESRCH if there's no task to yield to.
 */
int yield_to(struct sim *sim, struct task_struct *curr, struct task_struct *p, bool preempt)
{
    struct rq *rq = task_rq(sim, curr), *p_rq = task_rq(sim, p);
    int yielded = 0;

    SIM_BUG_ON(rq->curr != curr);
    curr->stats.nr_yield_to++;

    if (rq->nr_running == 1 && p_rq->nr_running == 1)
        return -ESRCH;

    /* Both classes are fair: yield_to_task exists and matches. */

    if (p->on_cpu) /* task_on_cpu(p_rq, p) */
        return 0;

    if (p->__state != TASK_RUNNING) /* !task_is_running(p) */
        return 0;

    rq_stop_work(sim, rq);
    yielded = sim->yt_policy->yield_to_task(sim, rq, p);
    if (yielded) {
        /* Make p's CPU reschedule; pick_next_entity takes the buddy. */
        if (preempt && rq != p_rq)
            resched_curr(sim, p_rq);
    }

    if (yielded)
        __schedule(sim, rq); /* schedule() */
    else
        rq_start_work(sim, rq);

    return yielded;
}

/* ---- migration (load balancing) ---- */

/* move_queued_task(): a queued, not running task changes CPU. */
void move_queued_task(struct sim *sim, struct task_struct *p, unsigned int dst)
{
    struct rq *src = task_rq(sim, p), *rq;

    SIM_BUG_ON(p->on_cpu || !task_on_rq_queued(p) || p->se.sched_delayed);
    /* deactivate_task(): not a sleep, so the lag and relative deadline are
     * kept for place_entity() on the destination. */
    dequeue_task_fair(sim, src, p, DEQUEUE_NOCLOCK);
    p->on_rq = 0;
    set_task_cpu(sim, p, dst);
    rq = cpu_rq(sim, dst);
    activate_task(sim, rq, p, ENQUEUE_NOCLOCK | ENQUEUE_MIGRATED);
    wakeup_preempt(sim, rq, p, 0);
}

/*
 * Active balance: @p may be running; if so its CPU's stopper preempts it
 * first (it is put back on its queue, the CPU reschedules), then it moves.
 */
void migrate_task_active(struct sim *sim, struct task_struct *p, unsigned int dst)
{
    struct rq *src = task_rq(sim, p);

    if (!p->on_cpu) {
        move_queued_task(sim, p, dst);
        return;
    }
    put_prev_task_fair(sim, src, p);
    context_switch(sim, src, p, NULL);
    move_queued_task(sim, p, dst);
    __schedule(sim, src);
}

/* ---- per-rq init ---- */

void init_rq(struct sim *sim, struct rq *rq, unsigned int cpu)
{
    rq->cpu = cpu;
    rq->sim = sim;
    rq->nr_running = 0;
    rq->curr = NULL;
    rq->need_resched = false;
    rq->nr_switches = 0;
    rq->busy_ns = 0;
    rq->busy_since = 0;
    sim_event_init(&rq->tick_ev, tick_event);
    sim_event_init(&rq->resched_ev, resched_event);
    sim_event_init(&rq->work_ev, work_event);
    rq->yield_deboost_last_time_ns = 0;
    rq->yield_deboost_last_src_pid = -1;
    rq->yield_deboost_last_dst_pid = -1;
    rq->yield_deboost_last_pair_time_ns = 0;
    rq->yield_credit_last_resched_ns = 0;
}
