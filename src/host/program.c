/*
 * program.c - host tasks that repeat a program of steps:
 *   run   consume the given CPU time (it takes longer in wall time when the
 *         task has to share its CPU); with clock_poll_ns the loop measures
 *         what it has consumed by reading CLOCK_THREAD_CPUTIME_ID at the start
 *         and after every clock_poll_ns of CPU time, each read being a
 *         task_sched_runtime() (update_curr()) - without it the step is a
 *         loop of known length that never enters the kernel;
 *   sleep block for the given simulated time, then wake (try_to_wake_up());
 *   yield call sched_yield().
 *
 * MODEL: a sleep is an hrtimer that fires timer_slack_ns late (the default
 * 50 us slack of a SCHED_NORMAL task's nanosleep: the hardware is programmed
 * for the latest expiry when nothing else is due earlier); the wakeup runs
 * on the CPU the task slept on, with no interrupt latency.
 */
#include "vsched/host.h"
#include "vsched/sim.h"

static void host_task_wake(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;
    struct task_struct *p = container_of(ev, struct task_struct, wake_ev);

    try_to_wake_up(sim, p, 0);
}

/* Consume the next piece of a polled run step, up to the next clock read. */
static void host_task_run_chunk(struct sim *sim, struct host_task *ht)
{
    u64 poll_ns = ht->polled->clock_poll_ns;
    u64 chunk = ht->run_left < poll_ns ? ht->run_left : poll_ns;

    ht->run_left -= chunk;
    task_set_work(sim, &ht->task, chunk);
}

static void host_task_work_done(struct sim *sim, struct task_struct *p)
{
    struct host_task *ht = container_of(p, struct host_task, task);
    const struct scenario_task *st = ht->st;

    if (ht->polled) {
        /* The loop reads its CPU clock: clock_gettime() system call. */
        task_sched_runtime(sim, p);
        if (ht->run_left) {
            host_task_run_chunk(sim, ht);
            return;
        }
        /* The read shows the step done: on to the next one. */
        ht->polled = NULL;
    }

    /* Zero-length runs are skipped; the loader guarantees that a pass over
     * the program advances time, so this loop is bounded. */
    for (unsigned int guard = 0; guard <= st->nr_steps; guard++) {
        const struct task_step *step = &st->program[ht->step];

        if (++ht->step == st->nr_steps) {
            ht->step = 0;
            ht->nr_loops++;
        }
        switch (step->kind) {
        case STEP_RUN:
            if (step->ns == 0)
                continue;
            if (step->clock_poll_ns) {
                ht->polled = step;
                ht->run_left = step->ns;
                task_sched_runtime(sim, p); /* the read of the start time */
                host_task_run_chunk(sim, ht);
                return;
            }
            task_set_work(sim, p, step->ns);
            return;
        case STEP_SLEEP:
            sim_event_arm(&sim->eng, &p->wake_ev,
                          sim_now(sim) + step->ns + sim->params.timer_slack_ns);
            sched_block_current(sim, p);
            return;
        case STEP_YIELD:
            p->work_left_ns = 0;
            do_sched_yield(sim, p);
            return;
        }
    }
    SIM_BUG_ON(1); /* a program that never advances time */
}

const struct task_ops host_task_ops = {
    .work_done = host_task_work_done,
    .switched = NULL,
};

void host_task_init(struct sim *sim, struct host_task *ht, const struct scenario_task *st)
{
    struct task_struct *p = &ht->task;

    ht->st = st;
    ht->step = 0;
    ht->nr_loops = 0;
    ht->polled = NULL;
    ht->run_left = 0;
    p->static_prio = 120 + st->nice;
    set_load_weight(p);
    /* __sched_fork() */
    p->se.on_rq = false;
    p->se.exec_start = 0;
    p->se.sum_exec_runtime = 0;
    p->se.prev_sum_exec_runtime = 0;
    p->se.vruntime = 0;
    p->se.vlag = 0;
    p->se.slice = sim->params.sysctl_sched_base_slice;
    p->se.custom_slice = false;
    p->se.my_q = NULL;
    p->__state = TASK_RUNNING;
    p->on_rq = 0;
    p->on_cpu = false;
    p->cpu = 0;
    p->cpus_allowed = st->cpus;
    p->work_left_ns = 0;
    p->ops = &host_task_ops;
    p->priv = ht;
    sim_event_init(&p->wake_ev, host_task_wake);
    hist_init(&p->stats.run_ns);
}
