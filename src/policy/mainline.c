/*
 * mainline.c - the scheduler-side baseline: yield_to_task_fair() as the
 * profile's kernel has it (buddy, then yield_task_fair(), which forfeits or
 * only pushes the deadline according to the yield_forfeit feature).
 */
#include "vsched/policy.h"

const struct yield_to_policy yield_to_policy_mainline = {
    .name = "mainline",
    .summary = "yield_to_task_fair() of the profile's kernel (set_next_buddy + yield_task_fair)",
    .yield_to_task = yield_to_task_fair,
};
