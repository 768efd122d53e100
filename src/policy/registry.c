/*
 * registry.c - the list of yield algorithms, by hook point.
 */
#include <string.h>

#include "policy_int.h"

/* "mainline" stays first: it is the default. */
const struct yield_to_policy *const yield_to_policies[] = {
    &yield_to_policy_mainline,
    &yield_to_policy_buddy,
    &yield_to_policy_forfeit,
    &yield_to_policy_deboost_v2,
    &yield_to_policy_lag_credit_v3,
    &yield_to_policy_lag_credit_v3_lca,
    &yield_to_policy_prateek_proportional,
    NULL,
};

/* KVM side (one file each). */
extern const struct dy_policy dy_policy_ipi_aware;
extern const struct dy_policy dy_policy_ipi_aware_relaxed;
extern const struct dy_policy dy_policy_ipi_aware_v3;
extern const struct dy_policy dy_policy_pending_ipi;
extern const struct dy_policy dy_policy_pv_hint;

const struct dy_policy *const dy_policies[] = {
    &dy_policy_mainline,
    &dy_policy_ipi_aware,
    &dy_policy_ipi_aware_relaxed,
    &dy_policy_ipi_aware_v3,
    &dy_policy_pending_ipi,
    &dy_policy_pv_hint,
    NULL,
};

const struct scenario_policy policy__default_knobs = {
    .yield_to = NULL,
    .directed_yield = NULL,
    .vcpu_debooster_enabled = true,
    .ipi_tracking_enabled = true,
    .ipi_window_ns = 50 * NSEC_PER_MSEC,
    .enable_relaxed_boost = true,
};

const struct yield_to_policy *yield_to_policy_find(const char *name)
{
    for (unsigned int i = 0; yield_to_policies[i]; i++)
        if (strcmp(yield_to_policies[i]->name, name) == 0)
            return yield_to_policies[i];
    return NULL;
}

const struct dy_policy *dy_policy_find(const char *name)
{
    for (unsigned int i = 0; dy_policies[i]; i++)
        if (strcmp(dy_policies[i]->name, name) == 0)
            return dy_policies[i];
    return NULL;
}
