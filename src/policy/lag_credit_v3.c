/*
 * lag_credit_v3.c - the June 2026 revision of the scheduler side: W. Li,
 * "[PATCH v3 00/10] sched/fair, KVM: Semantics-aware directed yield for
 * oversubscribed KVM" (2026-06-12, on v7.1-rc7), patches 1-5.
 *
 * Instead of penalising the yielder (v2), credit EEVDF lag to the nominated
 * next buddy so that PICK_BUDDY can take it: walk the chain set_next_buddy()
 * nominated (target task entity up to the root) and, at every level where
 * the entity is not eligible, re-place it with a small positive lag, clamped
 * to entity_lag()'s legal bound.  Then force a local reschedule: the leaf
 * forfeit, cancel_protect_slice() along the yielder's chain and
 * resched_curr(); only that forced part is rate-limited (once per 6 ms per
 * rq), the credit runs on every directed yield.
 *
 * What the archive has is the cover letter and patch 5's changelog; the
 * patch bodies of 1-4 are missing (shared/reference/v3-series).  Choices
 * made here where the text is silent (docs/policies.md):
 *   MODEL: the margin formula (deboost.h, yield_credit_margin_ns());
 *   MODEL: order: set_next_buddy, credit walk, then the force-resched helper
 *          (which applies the leaf forfeit first, as patch 5 says);
 *   MODEL: update_curr() of each level before its eligibility test, so that
 *          V includes the time the yielder's chain has run;
 *   MODEL: the off-tree curr keeps its request: deadline and vprot move by
 *          the same amount as vruntime; a queued entity gets the deadline
 *          requeue_delayed_entity()'s place_entity() gives it (a fresh one);
 *   MODEL: the forced-resched rate limit has the form of v2's
 *          yield_deboost_rate_limit() (0 = never, <= 6 ms refused);
 *   MODEL: the credit path (credit + forced resched) only when the target
 *          shares the yielder's rq ("lag credit only acts when yielder and
 *          target share a runqueue"); otherwise buddy + forfeit as mainline.
 *   MODEL: the walk goes up to the root, ancestors shared with the yielder
 *          (the running cfs_rq->curr) included: the cover letter's
 *          primitive handles "the off-tree current entity", and only an
 *          ancestor can be that.  lag-credit-v3-lca is the other reading;
 *   MODEL: SCHED_FEAT(YIELD_TO_LAG_CREDIT) is the choice of this policy
 *          (off = the "forfeit" policy).
 *   MODEL: under kernel.pick "flat" (sched/flat, which the v3 review asks
 *          the series to be tested on) the walk is a single credit to the
 *          target task on rq->cfs, with margin and bound from its h_load;
 *          both readings of the walk coincide there.
 * SIM: the core's yield_to() calls __schedule() right after a successful
 * yield_to_task, so resched_curr() here only sets need_resched early; the
 * part that changes the pick is the protection cancel.
 */
#include "vsched/deboost.h"

#include "policy_int.h"

const struct yield_credit_params yield_credit_default_params = {
    .margin_num = YIELD_CREDIT_MARGIN_NUM,
    .margin_den = YIELD_CREDIT_MARGIN_DEN,
    .max_competitors = YIELD_CREDIT_MARGIN_MAX_COMPETITORS,
};

u64 yield_credit_margin_ns(const struct yield_credit_params *par, u64 base_slice_ns,
                           unsigned int nr_queued)
{
    u64 competitors;

    if (nr_queued <= 1)
        return 0;
    competitors = nr_queued - 1;
    if (competitors > par->max_competitors)
        competitors = par->max_competitors;
    return base_slice_ns * competitors * par->margin_num / par->margin_den;
}

s64 yield_credit_target_vlag(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                             const struct yield_credit_params *par, bool *clamped)
{
    u64 margin_ns = yield_credit_margin_ns(par, sim->params.sysctl_sched_base_slice,
                                           eevdf_nr_queued(sim, cfs_rq));
    s64 vmargin = (s64)calc_delta_fair(margin_ns, se);
    s64 limit = entity_lag_limit(sim, se);
    bool cut = vmargin > limit;

    if (clamped)
        *clamped = cut;
    return cut ? limit : vmargin;
}

/*
 * The credit primitive (patches 1 and 3).  place_entity() computes
 * vruntime = V' - vlag * (W' + w) / W' over the *other* entities (V', W'),
 * so that once se counts again its lag V - v is @vlag (up to the floor of V).
 */
void eevdf_credit_entity_vlag(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                              s64 vlag)
{
    /* the count place_entity() reads (sched/flat: h_nr_queued of rq->cfs) */
    unsigned int *nr_queued = sched_flat(sim) ? &cfs_rq->h_nr_queued : &cfs_rq->nr_queued;

    if (se == cfs_rq->curr) {
        /* Off-tree current entity: shifted in place, carrying its
         * deadline and any vprot window along. */
        u64 rel_vprot = se->vprot - se->vruntime;

        /* SIM: the same place_entity() arithmetic as the queued case,
         * with curr briefly not counted (on_rq is what avg_vruntime() and
         * place_entity() test for curr); nothing else looks meanwhile. */
        se->on_rq = false;
        (*nr_queued)--;
        se->vlag = vlag; /* (overwrites vprot: the v6.17-v6.19 union) */
        se->deadline -= se->vruntime;
        se->rel_deadline = 1;
        place_entity(sim, cfs_rq, se, 0);
        (*nr_queued)++;
        se->on_rq = true;
        se->vprot = se->vruntime + rel_vprot;
        return;
    }

    /* Queued (on-tree) entity: the canonical requeue of
     * requeue_delayed_entity(), keeping the sums consistent. */
    (*nr_queued)--;
    __dequeue_entity(cfs_rq, se);
    se->vlag = vlag;
    place_entity(sim, cfs_rq, se, 0);
    __enqueue_entity(cfs_rq, se);
    (*nr_queued)++;
}

/*
 * Patch 4: credit every not-yet-eligible level of the nominated chain.
 * @below_lca: stop at the first level where the chain's entity is the
 * running cfs_rq->curr, i.e. an ancestor the target shares with the yielder
 * (the lag-credit-v3-lca reading; see there).
 */
static void yield_to_lag_credit(struct sim *sim, struct task_struct *p, bool below_lca)
{
    struct policy_stats *st = &sim->pstats;
    bool flat = sched_flat(sim);
    struct sched_entity *se;

    /* sched/flat: one level, the task on rq->cfs */
    for (se = &p->se; se; se = flat ? NULL : parent_entity(se)) {
        struct cfs_rq *cfs_rq = flat ? &task_rq(sim, p)->cfs : cfs_rq_of(se);
        bool clamped;
        s64 vlag;

        /* the chain set_next_buddy() nominated stops here too */
        if (!se->on_rq)
            break;

        if (below_lca && se == cfs_rq->curr)
            break;

        if (flat)
            update_curr_fair(sim, task_rq(sim, p)); /* the yielder, on the same rq */
        else
            update_curr(sim, cfs_rq);
        if (entity_eligible(cfs_rq, se))
            continue;

        vlag = yield_credit_target_vlag(sim, cfs_rq, se, &yield_credit_default_params, &clamped);
        st->credit_levels++;
        if (se == cfs_rq->curr)
            st->credit_levels_curr++;
        if (clamped)
            st->credit_clamped++;
        eevdf_credit_entity_vlag(sim, cfs_rq, se, vlag);
    }
}

/* true = skip the forced preemption (last one <= 6 ms ago); else record. */
static bool yield_credit_resched_rate_limit(struct rq *rq)
{
    u64 now = sim_now(rq->sim);
    u64 last = rq->yield_credit_last_resched_ns;

    if (last && (now - last) <= YIELD_CREDIT_RESCHED_RATE_LIMIT_NS)
        return true;

    rq->yield_credit_last_resched_ns = now;
    return false;
}

/* Patch 5: leaf forfeit, then (rate-limited) protection cancel + resched. */
static void yield_to_local_force_resched(struct sim *sim, struct rq *rq)
{
    struct sched_entity *se;

    yield_task_fair_mode(sim, rq, true);

    if (yield_credit_resched_rate_limit(rq)) {
        sim->pstats.credit_resched_rate_limited++;
        return;
    }

    for (se = &rq->curr->se; se; se = parent_entity(se))
        cancel_protect_slice(se);
    resched_curr(sim, rq);
    sim->pstats.credit_forced_resched++;
}

static bool lag_credit_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p,
                                     bool below_lca)
{
    struct sched_entity *se = &p->se;

    /* !se->on_rq also covers throttled task */
    if (!se->on_rq)
        return policy__count_yield_to(sim, false);

    /* Tell the scheduler that we'd really like se to run next. */
    set_next_buddy(se);

    if (task_rq(sim, p) != rq) {
        /* cross-runqueue directed yield: future work in v3 */
        sim->pstats.credit_remote++;
        yield_task_fair_mode(sim, rq, true);
        return policy__count_yield_to(sim, true);
    }

    sim->pstats.credit_yields++;
    yield_to_lag_credit(sim, p, below_lca);
    yield_to_local_force_resched(sim, rq);

    return policy__count_yield_to(sim, true);
}

static bool lag_credit_v3_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    return lag_credit_yield_to_task(sim, rq, p, false);
}

static bool lag_credit_v3_lca_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    return lag_credit_yield_to_task(sim, rq, p, true);
}

const struct yield_to_policy yield_to_policy_lag_credit_v3 = {
    .name = "lag-credit-v3",
    .summary = "W. Li v3: lag credit to the buddy at ineligible levels + forced local resched (2026-06)",
    .yield_to_task = lag_credit_v3_yield_to_task,
};

/*
 * The other reading of patch 4 (its body is missing): the walk credits only
 * the levels below the lowest common ancestor of yielder and target.  Above
 * it every entity on the target's chain is the running cfs_rq->curr, shared
 * with the yielder; crediting it gives the yielder's whole group (the VM)
 * lag against its siblings (the other VMs).  K Prateek Nayak asks on the v3
 * thread when the credited entity could ever be curr; the cover letter says
 * the primitive handles "the off-tree current entity".  Nothing else
 * differs from lag-credit-v3.
 */
const struct yield_to_policy yield_to_policy_lag_credit_v3_lca = {
    .name = "lag-credit-v3-lca",
    .summary = "lag-credit-v3 with the credit walk stopped at the common ancestor with the yielder",
    .yield_to_task = lag_credit_v3_lca_yield_to_task,
};
