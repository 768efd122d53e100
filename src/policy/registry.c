/*
 * registry.c - the list of yield algorithms, by hook point.
 */
#include <string.h>

#include "vsched/policy.h"

const struct yield_to_policy *const yield_to_policies[] = {
    &yield_to_policy_mainline,
    NULL,
};

const struct dy_policy *const dy_policies[] = {
    &dy_policy_mainline,
    NULL,
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
