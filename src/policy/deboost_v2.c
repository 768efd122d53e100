/*
 * deboost_v2.c - the "vCPU debooster" of W. Li's "[PATCH v2 0/9] sched/kvm:
 * Semantics-aware vCPU scheduling for oversubscribed KVM" (2025-12-19),
 * scheduler patches 1-5, on top of the v6.19 forfeiting yield.
 *
 * yield_to_task_fair() becomes: set_next_buddy(target); yield_to_deboost();
 * yield_task_fair() (forfeit).  yield_to_deboost() pushes the *yielder's*
 * entity at the lowest common ancestor level (find_matching_se) forward by
 * a penalty: gran + 110% of the vruntime gap to the target, debounced for
 * reverse pairs within 600 us, capped by the LCA queue's h_nr_queued, and
 * rate-limited to one pass per rq per 6 ms.  Followed line by line,
 * including what looks wrong (docs/policies.md lists it):
 *   - the rate limit records its timestamp before the remaining validation,
 *     so a pass refused later (same task, other rq, no contention) still
 *     uses up the 6 ms window;
 *   - need uses a raw u64 '>' (not wrap-safe), and need + need/10 can wrap
 *     before the saturation test;
 *   - the overflow guards of apply_penalty() are raw u64 too, so a penalty
 *     is refused while vruntime is within `penalty` below 2^64 (the first
 *     virtual milliseconds of every queue, whose zero point starts at
 *     -(1 << 20));
 *   - update_curr() runs only when the LCA entity is NOT the queue's curr;
 *     the yielder's LCA entity is always curr, so the penalty is computed
 *     from a vruntime that lacks the time run since the last update;
 *   - patch 3's changelog promises a non-zero-slice check that its code
 *     does not have; none is made here either;
 *   - the need == 0 baselines can never raise the penalty (it is >= gran
 *     after the clamp), except when gran * k wraps.
 *
 * SIM: no rq locks (the simulator is single-threaded; both rqs are
 * "locked" by yield_to()), rq->donor == rq->curr (no proxy execution),
 * update_rq_clock() is a no-op (rq_clock is the simulated time).
 * MODEL: every task is in the fair class, so the sched_class test of
 * yield_deboost_validate_tasks() never fails.
 */
#include "vsched/deboost.h"

#include "policy_int.h"

static inline u64 rq_clock(struct rq *rq)
{
    return sim_now(rq->sim);
}

/* The kernel's clamp() (include/linux/minmax.h __clamp): val >= hi wins
 * first, which matters only when lo > hi. */
static inline u64 clamp_u64(u64 val, u64 lo, u64 hi)
{
    return val >= hi ? hi : (val <= lo ? lo : val);
}

/*
 * Patch 4's yield_deboost_calculate_penalty() from the gap on, with the
 * debounce decided by the caller.  Order of operations as in the patch:
 * weighting, debounce, cap, baseline.
 */
uint64_t deboost_penalty(uint64_t gran, uint64_t need, unsigned int h_nr_queued,
                         bool reverse_pair_recent)
{
    u64 penalty, maxp;
    u64 weighted_need, base;

    /* Base penalty is granularity plus 110% of fairness gap */
    penalty = gran;
    if (need) {
        weighted_need = need + need / 10; /* u64: wraps for need > ~0.91 * 2^64 */
        if (weighted_need > UINT64_MAX - penalty)
            weighted_need = UINT64_MAX - penalty;
        penalty += weighted_need;
    }

    /* Apply debounce to reduce ping-pong: yield_deboost_apply_debounce() */
    if (reverse_pair_recent) {
        u64 alt = need > gran ? need : gran; /* max(need, gran) */

        if (penalty > alt)
            penalty = alt;
    }

    /* Queue-size-based upper bound */
    if (h_nr_queued == 2)
        maxp = gran * 6;
    else if (h_nr_queued == 3)
        maxp = gran * 4;
    else if (h_nr_queued <= 6)
        maxp = (gran * 5) / 2;
    else if (h_nr_queued <= 8)
        maxp = gran * 2;
    else if (h_nr_queued <= 12)
        maxp = (gran * 3) / 2;
    else
        maxp = gran;

    penalty = clamp_u64(penalty, gran, maxp);

    /* Baseline push when no fairness gap exists */
    if (need == 0) {
        if (h_nr_queued == 3)
            base = (gran * 15) / 16;
        else if (h_nr_queued >= 4 && h_nr_queued <= 6)
            base = (gran * 5) / 8;
        else if (h_nr_queued >= 7 && h_nr_queued <= 8)
            base = gran / 2;
        else if (h_nr_queued >= 9 && h_nr_queued <= 12)
            base = (gran * 3) / 8;
        else if (h_nr_queued > 12)
            base = gran / 4;
        else
            base = gran;

        if (penalty < base)
            penalty = base;
    }

    return penalty;
}

/* ---- patch 2: rate limit and validation ---- */

/*
 * Rate-limit yield deboost operations: true if the operation should be
 * skipped.  A timestamp of 0 means "never" (so a pass at rq_clock == 0 does
 * not arm the limit).
 */
bool yield_deboost_rate_limit(struct rq *rq)
{
    u64 now = rq_clock(rq);
    u64 last = rq->yield_deboost_last_time_ns;

    if (last && (now - last) <= YIELD_DEBOOST_RATE_LIMIT_NS)
        return true;

    rq->yield_deboost_last_time_ns = now;
    return false;
}

struct task_struct *yield_deboost_validate_tasks(struct rq *rq, struct task_struct *p_target)
{
    struct policy_stats *st = &rq->sim->pstats;
    struct task_struct *p_yielding;

    if (yield_deboost_rate_limit(rq)) {
        st->deboost_skip_rate_limited++;
        return NULL;
    }

    p_yielding = rq->curr; /* rq->donor; SIM: no proxy execution */
    if (!p_yielding || p_yielding == p_target)
        goto invalid;

    /* p_target->sched_class != &fair_sched_class: MODEL: never. */

    if (task_rq(rq->sim, p_target) != rq)
        goto invalid;

    if (!p_target->se.on_rq || !p_yielding->se.on_rq)
        goto invalid;

    return p_yielding;

invalid:
    st->deboost_skip_validation++;
    return NULL;
}

/* ---- patch 3: the LCA ---- */

bool yield_deboost_find_lca(struct sched_entity *se_y, struct sched_entity *se_t,
                            struct sched_entity **se_y_lca_out,
                            struct sched_entity **se_t_lca_out, struct cfs_rq **cfs_rq_out)
{
    struct sched_entity *se_y_lca = se_y;
    struct sched_entity *se_t_lca = se_t;
    struct rq *rq = rq_of(cfs_rq_of(se_y));
    struct cfs_rq *cfs_rq;

    if (rq && rq->sim && sched_flat(rq->sim)) {
        /* MODEL: sched/flat has one EEVDF queue: the tasks themselves
         * are the "LCA" entities, on rq->cfs (the series rebased). */
        cfs_rq = &rq->cfs;
    } else {
        find_matching_se(&se_y_lca, &se_t_lca);
        cfs_rq = cfs_rq_of(se_y_lca);
    }
    if (cfs_rq->h_nr_queued <= 1)
        return false;

    *se_y_lca_out = se_y_lca;
    *se_t_lca_out = se_t_lca;
    *cfs_rq_out = cfs_rq;
    return true;
}

/* ---- patch 4: penalty ---- */

/*
 * The rq-state half of the patch's yield_deboost_apply_debounce(): was the
 * previous pair on this rq target -> yielder, within 600 us?  Then record
 * this pair.  (The arithmetic half is in deboost_penalty().)
 */
static bool yield_deboost_debounce_pair(struct rq *rq, struct task_struct *p_target)
{
    u64 now = rq_clock(rq);
    struct task_struct *p_yielding = rq->curr; /* rq->donor */
    int src_pid, dst_pid;
    int last_src, last_dst;
    u64 last_ns;
    bool reverse;

    if (!p_yielding || !p_target)
        return false;

    src_pid = (int)p_yielding->pid;
    dst_pid = (int)p_target->pid;
    last_src = rq->yield_deboost_last_src_pid;
    last_dst = rq->yield_deboost_last_dst_pid;
    last_ns = rq->yield_deboost_last_pair_time_ns;

    /* Detect reverse pair: previous was target->source */
    reverse = last_src == dst_pid && last_dst == src_pid &&
              (now - last_ns) <= YIELD_DEBOOST_DEBOUNCE_NS;

    /* Update tracking state */
    rq->yield_deboost_last_src_pid = src_pid;
    rq->yield_deboost_last_dst_pid = dst_pid;
    rq->yield_deboost_last_pair_time_ns = now;

    return reverse;
}

u64 yield_deboost_calculate_penalty(struct rq *rq, struct sched_entity *se_y_lca,
                                    struct sched_entity *se_t_lca, struct task_struct *p_target,
                                    int h_nr_queued)
{
    struct sim *sim = rq->sim;
    u64 gran, need, penalty;
    bool reverse;

    /* sysctl_sched_base_slice: the runtime value, scaled by the CPU count */
    gran = calc_delta_fair(sim->params.sysctl_sched_base_slice, se_y_lca);

    /* Calculate fairness gap: the patch's raw u64 comparison */
    need = 0;
    if (se_t_lca->vruntime > se_y_lca->vruntime)
        need = se_t_lca->vruntime - se_y_lca->vruntime;

    reverse = yield_deboost_debounce_pair(rq, p_target);
    penalty = deboost_penalty(gran, need, (unsigned int)h_nr_queued, reverse);

    if (reverse) {
        sim->pstats.deboost_debounced++;
        if (penalty != deboost_penalty(gran, need, (unsigned int)h_nr_queued, false))
            sim->pstats.deboost_debounce_reduced++;
    }
    return penalty;
}

/*
 * Apply the penalty: vruntime and deadline; vlag is left alone (v2).  The
 * caller was to run update_curr() first (see yield_to_deboost()).
 */
bool yield_deboost_apply_penalty(struct sched_entity *se_y_lca, struct cfs_rq *cfs_rq,
                                 u64 penalty)
{
    u64 new_vruntime;

    (void)cfs_rq; /* unused in the patch as well */

    /* Overflow protection (raw u64, not wrap-aware) */
    if (se_y_lca->vruntime > UINT64_MAX - penalty)
        return false;

    new_vruntime = se_y_lca->vruntime + penalty;
    if (new_vruntime <= se_y_lca->vruntime)
        return false;

    /* The patch relies on the yielder's LCA entity being cfs_rq->curr, off
     * the tree, so that no tree position or sum needs updating. */
    SIM_BUG_ON(se_y_lca->on_tree);

    se_y_lca->vruntime = new_vruntime;
    se_y_lca->deadline = new_vruntime + calc_delta_fair(se_y_lca->slice, se_y_lca);
    return true;
}

/* ---- patch 5: the whole debooster ---- */

void yield_to_deboost(struct rq *rq, struct task_struct *p_target)
{
    struct sim *sim = rq->sim;
    struct policy_stats *st = &sim->pstats;
    struct task_struct *p_yielding;
    struct sched_entity *se_y, *se_t, *se_y_lca, *se_t_lca;
    struct cfs_rq *cfs_rq_common;
    u64 penalty;

    st->deboost_attempts++;

    /* Quick validation before updating clock */
    if (!policy__knobs(sim)->vcpu_debooster_enabled) {
        st->deboost_skip_disabled++;
        return;
    }

    if (!p_target) {
        st->deboost_skip_validation++;
        return;
    }

    /* update_rq_clock(rq): SIM: rq_clock is always the simulated time */

    /* Full validation including rate limiting */
    p_yielding = yield_deboost_validate_tasks(rq, p_target);
    if (!p_yielding)
        return;

    se_y = &p_yielding->se;
    se_t = &p_target->se;

    /* Find LCA in cgroup hierarchy */
    if (!yield_deboost_find_lca(se_y, se_t, &se_y_lca, &se_t_lca, &cfs_rq_common)) {
        st->deboost_skip_no_lca++;
        return;
    }

    /* Update current accounting before modifying vruntime - as written,
     * only when the LCA entity is not curr (i.e. practically never). */
    if (se_y_lca != cfs_rq_common->curr)
        update_curr(sim, cfs_rq_common);

    /* Calculate and apply penalty */
    penalty = yield_deboost_calculate_penalty(rq, se_y_lca, se_t_lca, p_target,
                                              (int)cfs_rq_common->h_nr_queued);
    if (!yield_deboost_apply_penalty(se_y_lca, cfs_rq_common, penalty)) {
        st->deboost_skip_overflow++;
        return;
    }

    st->deboost_applied++;
    hist_add(&st->deboost_penalty_ns, penalty);
    /* SIM: remembered for the lag-clamp counter (deboost_note_lag_clamp) */
    se_y_lca->deboost_penalty_pending =
        se_y_lca->deboost_penalty_pending > UINT64_MAX - penalty
            ? UINT64_MAX
            : se_y_lca->deboost_penalty_pending + penalty;
}

void deboost_note_lag_clamp(struct sim *sim, struct sched_entity *se, s64 raw_vlag)
{
    struct policy_stats *st = &sim->pstats;
    u64 pending = se->deboost_penalty_pending;

    st->deboost_lag_checks++;
    /* The clamp raised a lag below -limit: part of the penalty is gone. */
    if (raw_vlag < se->vlag) {
        u64 cut = (u64)se->vlag - (u64)raw_vlag;

        st->deboost_lag_clamp_cut++;
        st->deboost_lag_clamp_cut_ns += cut < pending ? cut : pending;
    }
    se->deboost_penalty_pending = 0;
}

/* yield_to_task_fair() with patch 5 applied. */
static bool deboost_v2_yield_to_task(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct sched_entity *se = &p->se;

    /* !se->on_rq also covers throttled task */
    if (!se->on_rq)
        return policy__count_yield_to(sim, false);

    /* Tell the scheduler that we'd really like se to run next. */
    set_next_buddy(se);

    /* Apply deboost BEFORE forfeit to preserve fairness gap calculation */
    yield_to_deboost(rq, p);

    /* Complete the standard yield path: the v6.19 forfeit the series was
     * rebased on, whatever the scenario's yield_forfeit feature says. */
    yield_task_fair_mode(sim, rq, true);

    return policy__count_yield_to(sim, true);
}

const struct yield_to_policy yield_to_policy_deboost_v2 = {
    .name = "deboost-v2",
    .summary = "W. Li v2 debooster: LCA vruntime penalty on the yielder, then forfeit (2025-12)",
    .yield_to_task = deboost_v2_yield_to_task,
};
