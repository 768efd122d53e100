/*
 * cgroup.c - task groups (CONFIG_FAIR_GROUP_SCHED): per-CPU group queues and
 * group entities, and attaching an entity to its group on a CPU.
 *
 * Mirrors alloc_fair_sched_group()/init_tg_cfs_entry() and set_task_rq()
 * (kernel/sched/fair.c, sched.h).  Shares are cgroup-v1 cpu.shares, scaled
 * by scale_load() as sched_group_set_shares() does.
 */
#include <stdlib.h>
#include <string.h>

#include "vsched/sched.h"
#include "vsched/sim.h"

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);

    SIM_BUG_ON(!p);
    return p;
}

static void init_tg_cfs_entry(struct task_group *tg, struct cfs_rq *cfs_rq, struct sched_entity *se,
                              struct rq *rq, unsigned int cpu, struct sched_entity *parent)
{
    init_cfs_rq(cfs_rq, rq, tg);
    tg->cfs_rq[cpu] = cfs_rq;
    tg->se[cpu] = se;

    /* se could be NULL for root_task_group */
    if (!se)
        return;

    memset(se, 0, sizeof(*se));
    if (!parent) {
        se->cfs_rq = &rq->cfs;
        se->depth = 0;
    } else {
        se->cfs_rq = parent->my_q;
        se->depth = parent->depth + 1;
    }

    se->my_q = cfs_rq;
    /* guarantee group entities always have weight */
    se->load.weight = NICE_0_LOAD;
    se->load.inv_weight = 0;
    se->parent = parent;
}

struct task_group *task_group_new(struct sim *sim, const char *path, struct task_group *parent,
                                  unsigned long shares_unscaled)
{
    struct task_group *tg = xcalloc(1, sizeof(*tg));
    unsigned int n = sim->nr_cpus;

    tg->path = strdup(path);
    tg->parent = parent;
    tg->shares = scale_load(shares_unscaled);
    tg->depth = parent ? parent->depth + 1 : 0;
    tg->cfs_rq = xcalloc(n, sizeof(*tg->cfs_rq));
    tg->se = xcalloc(n, sizeof(*tg->se));

    for (unsigned int cpu = 0; cpu < n; cpu++) {
        struct rq *rq = cpu_rq(sim, cpu);

        if (!parent) {
            /* root_task_group: its queue is rq->cfs */
            tg->cfs_rq[cpu] = &rq->cfs;
            init_cfs_rq(&rq->cfs, rq, tg);
            tg->se[cpu] = NULL;
            continue;
        }
        init_tg_cfs_entry(tg, xcalloc(1, sizeof(struct cfs_rq)), xcalloc(1, sizeof(struct sched_entity)),
                          rq, cpu, parent->se[cpu]);
    }
    return tg;
}

void task_group_free(struct sim *sim, struct task_group *tg)
{
    if (!tg)
        return;
    if (tg->parent) {
        for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
            free(tg->cfs_rq[cpu]);
            free(tg->se[cpu]);
        }
    }
    free(tg->cfs_rq);
    free(tg->se);
    free(tg->path);
    free(tg);
}

/* set_task_rq(): the entity now lives on @cpu's queue of its group. */
void attach_entity_to_group(struct sim *sim, struct sched_entity *se, struct task_group *tg,
                            unsigned int cpu)
{
    (void)sim;
    se->cfs_rq = tg->cfs_rq[cpu];
    se->parent = tg->se[cpu];
    se->depth = se->parent ? se->parent->depth + 1 : 0;
}
