/*
 * policy_int.h - private helpers shared by the yield policies in src/policy/.
 */
#ifndef VSCHED_POLICY_INT_H
#define VSCHED_POLICY_INT_H

#include "vsched/policy.h"
#include "vsched/sim.h"

/* The knobs of a simulation without a scenario (bare unit-test hosts): the
 * documented defaults of docs/scenario-format.md (registry.c). */
extern const struct scenario_policy policy__default_knobs;

/* The scenario's "policy" block (borrowed). */
static inline const struct scenario_policy *policy__knobs(const struct sim *sim)
{
    return sim->sc ? &sim->sc->policy : &policy__default_knobs;
}

/* Count one ->yield_to_task call and its outcome; returns @yielded. */
static inline bool policy__count_yield_to(struct sim *sim, bool yielded)
{
    sim->pstats.yield_to_calls++;
    if (yielded)
        sim->pstats.yield_to_true++;
    else
        sim->pstats.yield_to_false++;
    return yielded;
}

#endif /* VSCHED_POLICY_INT_H */
