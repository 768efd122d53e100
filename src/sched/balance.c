/*
 * balance.c - load balancing between CPUs.
 *
 * MODEL: a deliberately small stand-in for the kernel's sched-domain load
 * balancer (sched_balance_rq(), sched_balance_newidle()), enough for
 * unpinned tasks to share the CPUs fairly over time:
 *
 *  - newly idle: a CPU about to go idle pulls one queued (not running, not
 *    delayed) task it may run from the CPU with the most queued tasks
 *    (at least two), choosing the task that waited longest (smallest
 *    exec_start; lowest pid on ties), like detach_tasks() taking from the
 *    cold end of cfs_tasks;
 *  - periodic (every host.balance_interval_ms, one global event): while the
 *    busiest and the idlest CPU differ by two or more runnable tasks, move
 *    one queued task from the busiest to the idlest; when they differ by
 *    exactly one, swap the task with the most CPU time on the idlest CPU
 *    with the task with the least CPU time on the busiest one if the gap
 *    exceeds half a balance interval (running tasks move through an active
 *    balance), so that the task that has a CPU to itself rotates and equal
 *    tasks get equal shares over time (the kernel gets there through
 *    imbalance, nr_balance_failed and active balancing).
 *
 * Weights, groups, SMT/NUMA topology, cache hotness and misfit handling
 * are not considered.
 */
#include "vsched/sched.h"
#include "vsched/sim.h"

/* A task that may be migrated from its CPU to @dst right now. */
static bool can_migrate_task(struct sim *sim, struct task_struct *p, unsigned int dst)
{
    (void)sim;
    return task_on_rq_queued(p) && !p->on_cpu && !p->se.sched_delayed &&
           p->__state == TASK_RUNNING && cpumask_test_cpu(dst, &p->cpus_allowed);
}

static unsigned int rq_runnable(struct rq *rq)
{
    return rq->cfs.h_nr_runnable;
}

static struct task_struct *pick_migratable(struct sim *sim, unsigned int src, unsigned int dst)
{
    struct task_struct *best = NULL;

    for (unsigned int i = 0; i < sim->nr_tasks; i++) {
        struct task_struct *p = sim->tasks[i];

        if (p->cpu != src || !can_migrate_task(sim, p, dst))
            continue;
        if (!best) {
            best = p;
            continue;
        }
        if (p->se.exec_start < best->se.exec_start)
            best = p;
    }
    return best;
}

void sched_balance_newidle(struct sim *sim, struct rq *this_rq)
{
    unsigned int busiest = UINT32_MAX, busiest_nr = 1;

    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
        struct rq *rq = cpu_rq(sim, cpu);

        if (cpu == this_rq->cpu || rq_runnable(rq) <= busiest_nr)
            continue;
        if (!pick_migratable(sim, cpu, this_rq->cpu))
            continue;
        busiest = cpu;
        busiest_nr = rq_runnable(rq);
    }
    if (busiest != UINT32_MAX)
        move_queued_task(sim, pick_migratable(sim, busiest, this_rq->cpu), this_rq->cpu);
}

/* Runnable task on @cpu allowed on @dst with the least (@most: the most)
 * CPU time; running tasks included. */
static struct task_struct *extreme_runtime_on(struct sim *sim, unsigned int cpu, unsigned int dst,
                                              bool most)
{
    struct task_struct *best = NULL;

    for (unsigned int i = 0; i < sim->nr_tasks; i++) {
        struct task_struct *p = sim->tasks[i];

        if (p->cpu != cpu || !task_on_rq_queued(p) || p->se.sched_delayed ||
            p->__state != TASK_RUNNING || !cpumask_test_cpu(dst, &p->cpus_allowed))
            continue;
        if (!best || (most ? p->se.sum_exec_runtime > best->se.sum_exec_runtime
                           : p->se.sum_exec_runtime < best->se.sum_exec_runtime))
            best = p;
    }
    return best;
}

void sched_balance_periodic(struct sim *sim)
{
    /* Bounded: each move strictly reduces the imbalance or the spread of
     * CPU time between the two CPUs involved. */
    for (unsigned int iter = 0; iter < sim->nr_cpus; iter++) {
        unsigned int busiest = UINT32_MAX, idlest = UINT32_MAX;
        unsigned int bn = 0, in = UINT32_MAX;
        struct task_struct *p;

        for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
            unsigned int n = rq_runnable(cpu_rq(sim, cpu));

            if (n > bn) {
                bn = n;
                busiest = cpu;
            }
            if (n < in) {
                in = n;
                idlest = cpu;
            }
        }
        if (busiest == UINT32_MAX || bn <= in || busiest == idlest)
            return;
        if (bn - in >= 2) {
            p = pick_migratable(sim, busiest, idlest);
            if (!p)
                return;
            move_queued_task(sim, p, idlest);
        } else {
            struct task_struct *lo = extreme_runtime_on(sim, busiest, idlest, false);
            struct task_struct *hi = extreme_runtime_on(sim, idlest, busiest, true);

            if (!lo || !hi ||
                hi->se.sum_exec_runtime < lo->se.sum_exec_runtime + sim->params.balance_interval_ns / 2)
                return;
            migrate_task_active(sim, lo, idlest);
            migrate_task_active(sim, hi, busiest);
            return;
        }
    }
}
