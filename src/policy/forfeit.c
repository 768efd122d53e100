/*
 * forfeit.c - yield_to_task_fair() with 79104becf42b ("sched/fair: Forfeit
 * vruntime on yield", v6.19 and the stable backports): the target is made
 * the next buddy and an eligible yielder forfeits the rest of its request
 * (vruntime := deadline, deadline += one virtual slice; leaf entity only),
 * whatever the scenario's yield_forfeit feature says (kernel-mechanisms 4.2).
 */
#include "policy_int.h"

static bool forfeit_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct sched_entity *se = &p->se;

    /* !se->on_rq also covers throttled task */
    if (!se->on_rq)
        return policy__count_yield_to(sim, false);

    /* Tell the scheduler that we'd really like se to run next. */
    set_next_buddy(se);

    yield_task_fair_mode(sim, rq, true);

    return policy__count_yield_to(sim, true);
}

const struct yield_to_policy yield_to_policy_forfeit = {
    .name = "forfeit",
    .summary = "set_next_buddy + forfeiting yield (79104becf42b, v6.19)",
    .yield_to_task = forfeit_yield_to_task,
};
