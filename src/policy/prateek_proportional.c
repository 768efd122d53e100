/*
 * prateek_proportional.c - K Prateek Nayak's "proportionally yield the
 * hierarchy" sketch, his reply to W. Li's v2 cover letter (kvm@, 2026-01-05,
 * "only build tested", on tip:sched/core), as kernel-mechanisms §7 restates
 * it.
 *
 * yield_to_task_fair(): buddy, the leaf forfeit (79104becf42b), then for each
 * ancestor group entity of the yielder, bottom-up: update_curr(); stop if it
 * is not eligible; push its vruntime by
 *     calc_delta_fair(se->slice, se) * weight / gw      (u64, div_u64)
 * where gw is the load of the group's own queue and weight the yielding
 * subtree's share of it (the task's weight at the first level, then
 * se->load.weight * weight / gw); update_deadline(); stop if weight became 0.
 * The walk does not stop at the LCA with the target.
 *
 * Faithful details: div_u64() takes a u32 divisor, so gw is truncated to
 * 32 bits (a queue heavier than 2^32 scaled units, e.g. 4096 nice-0 tasks,
 * would divide by a wrong value or by zero - a SIM_BUG here, a divide error
 * there); the product is a wrapping u64.
 * SIM: rq->donor == rq->curr; the WARN_ON_ONCE is a counter.
 * MODEL: under kernel.pick "flat" (sched/flat) group entities carry no
 * EEVDF state, so there is no hierarchy to yield: buddy + leaf forfeit.
 */
#include "policy_int.h"

/* include/linux/math64.h: u64 / u32 */
static inline u64 div_u64(u64 dividend, u32 divisor)
{
    SIM_BUG_ON(divisor == 0); /* a divide error in the kernel */
    return dividend / divisor;
}

static bool prateek_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct policy_stats *st = &sim->pstats;
    struct sched_entity *se = &p->se;
    unsigned long weight;

    /* !se->on_rq also covers throttled task */
    if (!se->on_rq)
        return policy__count_yield_to(sim, false);

    /* Tell the scheduler that we'd really like se to run next. */
    set_next_buddy(se);

    yield_task_fair_mode(sim, rq, true);

    if (sched_flat(sim))
        return policy__count_yield_to(sim, true);

    se = &rq->curr->se; /* rq->donor */
    weight = se->load.weight;

    /* Proportionally yield the hierarchy. */
    while ((se = parent_entity(se))) {
        unsigned long gcfs_rq_weight = group_cfs_rq(se)->load.weight;
        struct cfs_rq *cfs_rq = cfs_rq_of(se);

        if (se != cfs_rq->curr) /* WARN_ON_ONCE */
            st->prateek_not_curr++;
        update_curr(sim, cfs_rq);

        /* Don't yield beyond the point of ineligibility. */
        if (!entity_eligible(cfs_rq, se)) {
            st->prateek_stop_ineligible++;
            break;
        }
        /* Proportionally increase the vruntime based on the slice and the
         * weight of the yielding subtree. */
        se->vruntime += div_u64(calc_delta_fair(se->slice, se) * (u64)weight,
                                (u32)gcfs_rq_weight);
        update_deadline(sim, cfs_rq, se);
        st->prateek_levels_pushed++;

        /* Update the proportional weight of task on parent hierarchy. */
        weight = (se->load.weight * weight) / gcfs_rq_weight;
        if (!weight) {
            st->prateek_stop_zero_weight++;
            break;
        }
    }

    return policy__count_yield_to(sim, true);
}

const struct yield_to_policy yield_to_policy_prateek_proportional = {
    .name = "prateek-proportional",
    .summary = "K P Nayak 2026-01-05: forfeit + proportional push of each eligible ancestor",
    .yield_to_task = prateek_yield_to_task,
};
