/*
 * mainline.c - the scheduler-side baseline: yield_to_task_fair() as the
 * profile's kernel has it (buddy, then yield_task_fair(), which forfeits or
 * only pushes the deadline according to the yield_forfeit feature).
 */
#include "policy_int.h"

static bool mainline_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    return policy__count_yield_to(sim, yield_to_task_fair(sim, rq, p));
}

const struct yield_to_policy yield_to_policy_mainline = {
    .name = "mainline",
    .summary = "yield_to_task_fair() of the profile's kernel (set_next_buddy + yield_task_fair)",
    .yield_to_task = mainline_yield_to_task,
};
