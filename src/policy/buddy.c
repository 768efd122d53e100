/*
 * buddy.c - yield_to_task_fair() of the kernels before 79104becf42b
 * ("sched/fair: Forfeit vruntime on yield", v6.19 / stable backports): the
 * target is made the next buddy and the yielder's leaf entity only has its
 * deadline pushed by one virtual slice (kernel-mechanisms 4.2, 4.3), whatever
 * the scenario's yield_forfeit feature says.
 *
 * The buddy helps only if the target is eligible (PICK_BUDDY); a yielder
 * that stays eligible and protected keeps the CPU (the 4.2 worked example).
 */
#include "policy_int.h"

static bool buddy_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct sched_entity *se = &p->se;

    /* !se->on_rq also covers throttled task */
    if (!se->on_rq)
        return policy__count_yield_to(sim, false);

    /* Tell the scheduler that we'd really like se to run next. */
    set_next_buddy(se);

    yield_task_fair_mode(sim, rq, false);

    return policy__count_yield_to(sim, true);
}

const struct yield_to_policy yield_to_policy_buddy = {
    .name = "buddy",
    .summary = "set_next_buddy + deadline-push yield (kernels before 79104becf42b)",
    .yield_to_task = buddy_yield_to_task,
};
