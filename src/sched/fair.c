/*
 * fair.c - the fair scheduling class: EEVDF with group scheduling.
 *
 * Mirrors kernel/sched/fair.c of the 6.18.y stable series (6.18.44) and of
 * v6.19, function by function and in the same order of operations, so that
 * the two can be diffed in one's head.  The profile switch (sim->params)
 * selects where the two differ:
 *   - PICK_BUDDY is checked in pick_next_entity() (6.18) or inside
 *     __pick_eevdf() (6.19);
 *   - check_preempt_wakeup_fair() has its 6.17/6.18 or its 6.19 form.
 * Both have: slice protection through vprot (aliasing vlag), the
 * zero_vruntime point re-centred by avg_vruntime() (b3d99f43c72b, in both
 * stable series), DELAY_DEQUEUE/DELAY_ZERO, the forfeiting yield
 * (79104becf42b; switchable back to the deadline-push yield).
 *
 * SIM: the augmented rb-tree keyed by deadline is a sorted doubly-linked
 * list in (deadline, insertion) order; the pick scans it for the first
 * eligible entity, which is exactly what the augmented heap search finds
 * (the earliest eligible deadline, FIFO among equal deadlines).
 * MODEL: PELT is not modelled: group shares use the instantaneous queue
 * weights (the kernel's own "ideal" formula in calc_group_shares()'s
 * comment); util_est, uclamp, bandwidth control and schedstats are absent.
 */
#include "vsched/policy.h"
#include "vsched/sched.h"
#include "vsched/sim.h"

/* sched/flat (kernel.pick "flat"): the section near the end of this file. */
static void update_curr_flat(struct sim *sim, struct cfs_rq *cfs_rq);
static void reweight_entity_flat(struct cfs_rq *cfs_rq, struct sched_entity *se,
                                 unsigned long weight);
static void clear_buddies_flat(struct cfs_rq *cfs_rq, struct sched_entity *se);
static void enqueue_task_flat(struct sim *sim, struct rq *rq, struct task_struct *p, int flags);
static bool dequeue_task_flat(struct sim *sim, struct rq *rq, struct task_struct *p, int flags);
static struct task_struct *pick_task_flat(struct sim *sim, struct rq *rq);
static void put_prev_task_flat(struct sim *sim, struct rq *rq, struct task_struct *prev);
static void set_next_task_flat(struct sim *sim, struct rq *rq, struct task_struct *p);
static void task_tick_flat(struct sim *sim, struct rq *rq, struct task_struct *curr);
static void check_preempt_wakeup_flat(struct sim *sim, struct rq *rq, struct task_struct *p,
                                      int wake_flags);
static bool cfs_rq_sane_flat(struct cfs_rq *cfs_rq);

/* ---- 1. fixed-point weights (kernel/sched/core.c tables) ---- */

const int sched_prio_to_weight[40] = {
    /* -20 */ 88761, 71755, 56483, 46273, 36291,
    /* -15 */ 29154, 23254, 18705, 14949, 11916,
    /* -10 */ 9548,  7620,  6100,  4904,  3906,
    /*  -5 */ 3121,  2501,  1991,  1586,  1277,
    /*   0 */ 1024,  820,   655,   526,   423,
    /*   5 */ 335,   272,   215,   172,   137,
    /*  10 */ 110,   87,    70,    56,    45,
    /*  15 */ 36,    29,    23,    18,    15,
};

const u32 sched_prio_to_wmult[40] = {
    /* -20 */ 48388,     59856,     76040,     92818,     118348,
    /* -15 */ 147320,    184698,    229616,    287308,    360437,
    /* -10 */ 449829,    563644,    704093,    875809,    1099582,
    /*  -5 */ 1376151,   1717300,   2157191,   2708050,   3363326,
    /*   0 */ 4194304,   5237765,   6557202,   8165337,   10153587,
    /*   5 */ 12820798,  15790321,  19976592,  24970740,  31350126,
    /*  10 */ 39045157,  49367440,  61356676,  76695844,  95443717,
    /*  15 */ 119304647, 148102320, 186737708, 238609294, 286331153,
};

static inline void update_load_add(struct load_weight *lw, unsigned long inc)
{
    lw->weight += inc;
    lw->inv_weight = 0;
}

static inline void update_load_sub(struct load_weight *lw, unsigned long dec)
{
    lw->weight -= dec;
    lw->inv_weight = 0;
}

static inline void update_load_set(struct load_weight *lw, unsigned long w)
{
    lw->weight = w;
    lw->inv_weight = 0;
}

void __update_inv_weight(struct load_weight *lw)
{
    unsigned long w;

    if (lw->inv_weight)
        return;

    w = scale_load_down(lw->weight);

    if (w >= WMULT_CONST)
        lw->inv_weight = 1;
    else if (!w)
        lw->inv_weight = WMULT_CONST;
    else
        lw->inv_weight = WMULT_CONST / w;
}

static inline int fls_u32(u32 x)
{
    return x ? 32 - __builtin_clz(x) : 0;
}

/* mul_u64_u32_shr(): (a * mul) >> shift with a 96-bit intermediate. */
static inline u64 mul_u64_u32_shr(u64 a, u32 mul, unsigned int shift)
{
    return (u64)(((unsigned __int128)a * mul) >> shift);
}

/*
 * delta_exec * weight / lw.weight
 *   OR
 * (delta_exec * (weight * lw->inv_weight)) >> WMULT_SHIFT
 *
 * Either weight := NICE_0_LOAD and lw \e sched_prio_to_wmult[], in which case
 * we're guaranteed shift stays positive because inv_weight is guaranteed to
 * fit 32 bits, and NICE_0_LOAD gives another 10 bits; therefore shift >= 22.
 * (v6.x 64-bit form; db4551e2ba34 made it an exact division in v7.1.)
 */
u64 __calc_delta(u64 delta_exec, unsigned long weight, struct load_weight *lw)
{
    u64 fact = scale_load_down(weight);
    u32 fact_hi = (u32)(fact >> 32);
    int shift = WMULT_SHIFT;
    int fs;

    __update_inv_weight(lw);

    if (fact_hi) {
        fs = fls_u32(fact_hi);
        shift -= fs;
        fact >>= fs;
    }

    fact = (u64)(u32)fact * lw->inv_weight;

    fact_hi = (u32)(fact >> 32);
    if (fact_hi) {
        fs = fls_u32(fact_hi);
        shift -= fs;
        fact >>= fs;
    }

    return mul_u64_u32_shr(delta_exec, (u32)fact, (unsigned int)shift);
}

/* delta /= w */
u64 calc_delta_fair(u64 delta, struct sched_entity *se)
{
    struct load_weight *lw = se_eevdf_load(se); /* sched/flat: se->h_load */

    if (lw->weight != NICE_0_LOAD)
        delta = __calc_delta(delta, NICE_0_LOAD, lw);

    return delta;
}

void set_load_weight(struct task_struct *p)
{
    int prio = p->static_prio - 100; /* static_prio - MAX_RT_PRIO */

    p->se.load.weight = scale_load((unsigned long)sched_prio_to_weight[prio]);
    p->se.load.inv_weight = sched_prio_to_wmult[prio];
}

/* ---- 2. the queue: keys, sums, V, eligibility ---- */

static inline u64 max_vruntime(u64 max_vruntime, u64 vruntime)
{
    s64 delta = (s64)(vruntime - max_vruntime);
    if (delta > 0)
        max_vruntime = vruntime;
    return max_vruntime;
}

static inline u64 min_vruntime(u64 min_vruntime, u64 vruntime)
{
    s64 delta = (s64)(vruntime - min_vruntime);
    if (delta < 0)
        min_vruntime = vruntime;
    return min_vruntime;
}

static inline bool entity_before(const struct sched_entity *a, const struct sched_entity *b)
{
    /* Tiebreak on vruntime seems unnecessary since it can hardly happen. */
    return (s64)(a->deadline - b->deadline) < 0;
}

s64 entity_key(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    return (s64)(se->vruntime - cfs_rq->zero_vruntime);
}

/*
 * Compute virtual time from the per-task service numbers:
 *
 *   V = \Sum (v_i - v0) * w_i / \Sum w_i + v0
 *
 * kept as sum_w_vruntime = \Sum key_i * w_i and sum_weight = \Sum w_i over
 * the entities in the tree (curr is added by every consumer), with
 * w_i = scale_load_down(weight).
 */
static void sum_w_vruntime_add(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    unsigned long weight = scale_load_down(se_eevdf_load(se)->weight);
    s64 key = entity_key(cfs_rq, se);

    cfs_rq->sum_w_vruntime += key * (s64)weight;
    cfs_rq->sum_weight += weight;
}

static void sum_w_vruntime_sub(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    unsigned long weight = scale_load_down(se_eevdf_load(se)->weight);
    s64 key = entity_key(cfs_rq, se);

    cfs_rq->sum_w_vruntime -= key * (s64)weight;
    cfs_rq->sum_weight -= weight;
}

static inline void update_zero_vruntime(struct cfs_rq *cfs_rq, s64 delta)
{
    /* v' = v + d ==> sum_w_vruntime' = sum_w_vruntime - d*sum_weight */
    cfs_rq->sum_w_vruntime -= (s64)cfs_rq->sum_weight * delta;
    cfs_rq->zero_vruntime += (u64)delta;
}

/*
 * The 0-lag point V, rounded down (so that V itself is always eligible), and
 * - as in b3d99f43c72b, which both of our stable series carry - re-centre
 * zero_vruntime on it as a side effect.  Barring overflow, the side effect
 * changes no V and no eligibility decision (the keys shift uniformly).
 */
u64 avg_vruntime(struct cfs_rq *cfs_rq)
{
    struct sched_entity *curr = cfs_rq->curr;
    s64 weight = (s64)cfs_rq->sum_weight;
    s64 delta = 0;

    if (curr && !curr->on_rq)
        curr = NULL;

    if (weight) {
        s64 runtime = cfs_rq->sum_w_vruntime;

        if (curr) {
            unsigned long w = scale_load_down(se_eevdf_load(curr)->weight);

            runtime += entity_key(cfs_rq, curr) * (s64)w;
            weight += (s64)w;
        }

        /* sign flips effective floor / ceiling */
        if (runtime < 0)
            runtime -= (weight - 1);

        delta = runtime / weight; /* div_s64: truncating */
    } else if (curr) {
        /* When there is but one element, it is the average. */
        delta = (s64)(curr->vruntime - cfs_rq->zero_vruntime);
    }

    update_zero_vruntime(cfs_rq, delta);

    return cfs_rq->zero_vruntime;
}

/*
 * Entity is eligible once it received less service than it ought to have,
 * eg. lag >= 0:  V >= v_i, evaluated without the division as
 *   \Sum (v_j - v0)*w_j >= (v_i - v0) * \Sum w_j
 * with 64-bit signed products (v6.19 and before).
 */
int vruntime_eligible(struct cfs_rq *cfs_rq, u64 vruntime)
{
    struct sched_entity *curr = cfs_rq->curr;
    s64 avg = cfs_rq->sum_w_vruntime;
    s64 load = (s64)cfs_rq->sum_weight;

    if (curr && curr->on_rq) {
        unsigned long weight = scale_load_down(se_eevdf_load(curr)->weight);

        avg += entity_key(cfs_rq, curr) * (s64)weight;
        load += (s64)weight;
    }

    return avg >= (s64)(vruntime - cfs_rq->zero_vruntime) * load;
}

int entity_eligible(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    return vruntime_eligible(cfs_rq, se->vruntime);
}

/* ---- the "tree" ---- */

/* Insert after every entity with an equal deadline (rb_add goes right on
 * equality), so equal deadlines keep FIFO order. */
static void tree_insert(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    struct sched_entity *pos = cfs_rq->rb_leftmost, *prev = NULL;

    while (pos && !entity_before(se, pos)) {
        prev = pos;
        pos = pos->rb_next;
    }
    se->rb_prev = prev;
    se->rb_next = pos;
    if (prev)
        prev->rb_next = se;
    else
        cfs_rq->rb_leftmost = se;
    if (pos)
        pos->rb_prev = se;
    se->on_tree = true;
    cfs_rq->nr_tree++;
}

static void tree_erase(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    SIM_BUG_ON(!se->on_tree);
    if (se->rb_prev)
        se->rb_prev->rb_next = se->rb_next;
    else
        cfs_rq->rb_leftmost = se->rb_next;
    if (se->rb_next)
        se->rb_next->rb_prev = se->rb_prev;
    se->rb_next = se->rb_prev = NULL;
    se->on_tree = false;
    cfs_rq->nr_tree--;
}

void __enqueue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    sum_w_vruntime_add(cfs_rq, se);
    tree_insert(cfs_rq, se);
}

void __dequeue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    tree_erase(cfs_rq, se);
    sum_w_vruntime_sub(cfs_rq, se);
}

struct sched_entity *__pick_first_entity(struct cfs_rq *cfs_rq)
{
    return cfs_rq->rb_leftmost;
}

/* The augmented min_slice of the root is the minimum over the tree. */
static u64 tree_min_slice(struct cfs_rq *cfs_rq)
{
    u64 min_slice = ~0ULL;

    for (struct sched_entity *se = cfs_rq->rb_leftmost; se; se = se->rb_next)
        if (se->slice < min_slice)
            min_slice = se->slice;
    return min_slice;
}

u64 cfs_rq_min_slice(struct cfs_rq *cfs_rq)
{
    struct sched_entity *curr = cfs_rq->curr;
    u64 min_slice = ~0ULL;

    if (curr && curr->on_rq)
        min_slice = curr->slice;

    if (cfs_rq->rb_leftmost) {
        u64 t = tree_min_slice(cfs_rq);
        if (t < min_slice)
            min_slice = t;
    }

    return min_slice;
}

/* ---- slice protection (v6.17 - v6.19 form, vprot aliasing vlag) ---- */

void set_protect_slice(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    u64 slice = sim->params.normalized_sysctl_sched_base_slice;
    u64 vprot = se->deadline;

    if (sched_feat(sim, RUN_TO_PARITY))
        slice = cfs_rq_min_slice(cfs_rq);

    if (se->slice < slice)
        slice = se->slice;
    if (slice != se->slice)
        vprot = min_vruntime(vprot, se->vruntime + calc_delta_fair(slice, se));

    se->vprot = vprot;
}

void update_protect_slice(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    u64 slice = cfs_rq_min_slice(cfs_rq);

    se->vprot = min_vruntime(se->vprot, se->vruntime + calc_delta_fair(slice, se));
}

bool protect_slice(struct sched_entity *se)
{
    return (s64)(se->vprot - se->vruntime) > 0;
}

void cancel_protect_slice(struct sched_entity *se)
{
    if (protect_slice(se))
        se->vprot = se->vruntime;
}

/* ---- pick ---- */

static bool profile_buddy_in_pick_eevdf(struct sim *sim)
{
    return sim->params.profile >= KERNEL_6_19;
}

/*
 * Earliest Eligible Virtual Deadline First
 *
 * Pick the eligible entity with the earliest virtual deadline; curr (not in
 * the tree) wins only with a strictly earlier deadline; a protected curr
 * (RUN_TO_PARITY) keeps the CPU.  In v6.19 an eligible next buddy is taken
 * first.  @sim is needed only for the feature bits.
 */
static struct sched_entity *pick_eevdf_sim(struct sim *sim, struct cfs_rq *cfs_rq, bool protect)
{
    struct sched_entity *se = __pick_first_entity(cfs_rq);
    struct sched_entity *curr = cfs_rq->curr;
    struct sched_entity *best = NULL;

    /* We can safely skip eligibility check if there is only one entity in
     * this cfs_rq, saving some cycles.  (sched/flat: h_nr_queued.) */
    if ((sim ? eevdf_nr_queued(sim, cfs_rq) : cfs_rq->nr_queued) == 1)
        return curr && curr->on_rq ? curr : se;

    /* v6.19: picking the ->next buddy will affect latency but not fairness. */
    if (sim && profile_buddy_in_pick_eevdf(sim) && sched_feat(sim, PICK_BUDDY) &&
        cfs_rq->next && entity_eligible(cfs_rq, cfs_rq->next)) {
        SIM_BUG_ON(cfs_rq->next->sched_delayed);
        return cfs_rq->next;
    }

    if (curr && (!curr->on_rq || !entity_eligible(cfs_rq, curr)))
        curr = NULL;

    if (curr && protect && protect_slice(curr))
        return curr;

    /* Pick the leftmost entity if it's eligible; else the first eligible
     * one in deadline order (= the augmented heap search). */
    for (; se; se = se->rb_next) {
        if (entity_eligible(cfs_rq, se)) {
            best = se;
            break;
        }
    }

    if (!best || (curr && entity_before(curr, best)))
        best = curr;

    return best;
}

/* Profile-free forms, for tests and for callers without a sim (6.18 form). */
struct sched_entity *__pick_eevdf(struct cfs_rq *cfs_rq, bool protect)
{
    return pick_eevdf_sim(rq_of(cfs_rq) ? rq_of(cfs_rq)->sim : NULL, cfs_rq, protect);
}

struct sched_entity *pick_eevdf(struct cfs_rq *cfs_rq)
{
    return __pick_eevdf(cfs_rq, true);
}

/* ---- update_curr / deadline ---- */

/*
 * XXX: strictly speaking this breaks the EEVDF model... (kernel comment):
 * the request is renewed relative to the current vruntime, not the old
 * deadline.
 */
bool update_deadline(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    if ((s64)(se->vruntime - se->deadline) < 0)
        return false;

    /* For EEVDF the virtual time slope is determined by w_i (iow. nice)
     * while the request time r_i is determined by sysctl_sched_base_slice. */
    if (!se->custom_slice)
        se->slice = sim->params.sysctl_sched_base_slice;

    /* EEVDF: vd_i = ve_i + r_i / w_i */
    se->deadline = se->vruntime + calc_delta_fair(se->slice, se);
    avg_vruntime(cfs_rq);

    /* The task has consumed its request, reschedule. */
    return true;
}

static inline bool entity_is_curr_task(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    return entity_is_task(se) && rq_of(cfs_rq)->curr == task_of(se);
}

/* Update the current task's runtime statistics. */
void update_curr(struct sim *sim, struct cfs_rq *cfs_rq)
{
    struct sched_entity *curr = cfs_rq->curr;
    struct rq *rq = rq_of(cfs_rq);
    s64 delta_exec;
    bool resched;

    if (sched_flat(sim)) {
        update_curr_flat(sim, cfs_rq);
        return;
    }

    if (!curr)
        return;

    /* update_curr_se(): rq_clock_task() == simulated time (SIM: no IRQ or
     * steal time is subtracted). */
    delta_exec = (s64)(sim_now(sim) - curr->exec_start);
    if (delta_exec <= 0)
        return;
    curr->exec_start = sim_now(sim);
    curr->sum_exec_runtime += (u64)delta_exec;

    curr->vruntime += calc_delta_fair((u64)delta_exec, curr);
    resched = update_deadline(sim, cfs_rq, curr);

    if (cfs_rq->nr_queued == 1)
        return;

    if (resched || !protect_slice(curr)) {
        /* MODEL: resched_curr_lazy == resched_curr (non-lazy preemption
         * model); a host task in user mode is preempted at once. */
        resched_curr(sim, rq);
        clear_buddies(cfs_rq, curr);
    }
}

/* ---- lag and placement ---- */

/* The bound of entity_lag(): calc_delta_fair(max(2*slice, TICK_NSEC), se).
 * (Split out so the yield policies clamp to the very same bound.) */
s64 entity_lag_limit(struct sim *sim, struct sched_entity *se)
{
    u64 lim = 2 * se->slice;

    if (lim < sim->params.tick_nsec)
        lim = sim->params.tick_nsec;

    return (s64)calc_delta_fair(lim, se);
}

/*
 * lag_i = S - s_i = w_i * (V - v_i); se->vlag keeps V - v_i, clamped to
 * one request (2*slice, at least a tick) in either direction.
 */
static s64 entity_lag(struct sim *sim, u64 avruntime, struct sched_entity *se)
{
    s64 vlag, limit;

    vlag = (s64)(avruntime - se->vruntime);
    limit = entity_lag_limit(sim, se);

    return vlag < -limit ? -limit : (vlag > limit ? limit : vlag);
}

void update_entity_lag(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    u64 avruntime;

    SIM_BUG_ON(!se->on_rq);
    avruntime = avg_vruntime(cfs_rq);
    se->vlag = entity_lag(sim, avruntime, se);

    /* SIM: policy counter only - did this clamp cut into a deboost
     * penalty applied since the entity's last lag evaluation? */
    if (se->deboost_penalty_pending)
        deboost_note_lag_clamp(sim, se, (s64)(avruntime - se->vruntime));
}

void place_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
    u64 vslice, vruntime = avg_vruntime(cfs_rq);
    unsigned int nr_queued = eevdf_nr_queued(sim, cfs_rq);
    s64 lag = 0;

    if (!se->custom_slice)
        se->slice = sim->params.sysctl_sched_base_slice;
    vslice = calc_delta_fair(se->slice, se);

    /* sched/flat: enqueue_hierarchy() has counted se already. */
    if (flags & ENQUEUE_QUEUED)
        nr_queued -= 1;

    /*
     * Due to how V is constructed as the weighted average of entities,
     * adding tasks with positive lag, or removing tasks with negative lag
     * will move 'time' backwards, this can screw around with the lag of
     * other tasks.  So inflate the stored lag:  vl_i = (W + w_i)*vl'_i / W.
     */
    if (sched_feat(sim, PLACE_LAG) && nr_queued && se->vlag) {
        struct sched_entity *curr = cfs_rq->curr;
        s64 load;

        lag = se->vlag;

        load = (s64)cfs_rq->sum_weight;
        if (curr && curr->on_rq)
            load += (s64)scale_load_down(se_eevdf_load(curr)->weight);

        lag *= load + (s64)scale_load_down(se_eevdf_load(se)->weight);
        if (load == 0) /* WARN_ON_ONCE in the kernel */
            load = 1;
        lag = lag / load;
    }

    se->vruntime = vruntime - (u64)lag;

    if (se->rel_deadline) {
        se->deadline += se->vruntime;
        se->rel_deadline = 0;
        return;
    }

    /* When joining the competition; the existing tasks will be, on average,
     * halfway through their slice, as such start tasks off with half a
     * slice to ease into the competition. */
    if (sched_feat(sim, PLACE_DEADLINE_INITIAL) && (flags & ENQUEUE_INITIAL))
        vslice /= 2;

    /* EEVDF: vd_i = ve_i + r_i/w_i */
    se->deadline = se->vruntime + vslice;
}

/* ---- load accounting; keeps the SIM per-group sum current ---- */

static void cfs_rq_load_changed(struct cfs_rq *cfs_rq, unsigned long old_weight)
{
    struct task_group *tg = cfs_rq->tg;

    if (tg && tg->parent) {
        tg->load_down_sum -= scale_load_down(old_weight);
        tg->load_down_sum += scale_load_down(cfs_rq->load.weight);
    }
}

static void account_entity_enqueue(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    unsigned long old = cfs_rq->load.weight;

    update_load_add(&cfs_rq->load, se->load.weight);
    cfs_rq_load_changed(cfs_rq, old);
    cfs_rq->nr_queued++;
}

static void account_entity_dequeue(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    unsigned long old = cfs_rq->load.weight;

    update_load_sub(&cfs_rq->load, se->load.weight);
    cfs_rq_load_changed(cfs_rq, old);
    cfs_rq->nr_queued--;
}

/* ---- group shares ---- */

/*
 * MODEL: calc_group_shares() with instantaneous weights in place of the PELT
 * averages (the "ideal" formula (1) of the kernel comment):
 *
 *   shares = tg->shares * load / tg_weight,  clamped to [MIN_SHARES, tg->shares]
 *   load = scale_load_down(grq->load.weight), tg_weight = \Sum_cpu load
 *
 * Kept exactly: the clamp's lower bound MIN_SHARES is *unscaled* (2), as in
 * the kernel; a group runnable on one CPU only gets its full tg->shares.
 */
long calc_group_shares(struct cfs_rq *cfs_rq)
{
    struct task_group *tg = cfs_rq->tg;
    long tg_shares = (long)tg->shares;
    long load = (long)scale_load_down(cfs_rq->load.weight);
    long tg_weight = (long)tg->load_down_sum;
    long shares = tg_shares * load;

    if (tg_weight)
        shares /= tg_weight;

    if (shares < (long)MIN_SHARES)
        shares = (long)MIN_SHARES;
    if (shares > tg_shares)
        shares = tg_shares;
    return shares;
}

/*
 * rescale_entity() (v7.0): lag_i = w_i * (V - v_i), so a weight change w ->
 * w' scales the stored lag by w / w', and the deadline (when relative) and
 * the protection end (relative to V, @vprot non-NULL) the same way.  The lag
 * and vprot are passed in locals because our profiles keep them in a union.
 */
static void rescale_entity(struct sched_entity *se, s64 old_weight, s64 weight, s64 *vlag,
                           u64 *vprot)
{
    *vlag = *vlag * old_weight / weight;
    if (se->rel_deadline)
        se->deadline = (u64)((s64)se->deadline * old_weight / weight);
    if (vprot)
        *vprot = (u64)((s64)*vprot * old_weight / weight);
}

/*
 * kernel.reweight "rescale": reweight_entity() after 101f3498b4bd ("Revert
 * 6d71a9c61604", v7.0; 6.18.y from 6.18.45): the weighted average V is
 * invariant under a reweight (the commit's corollary #2), so the entity
 * keeps its lag in weighted terms around the same V instead of being
 * re-placed by place_entity(), whose lag inflation counts a running entity
 * twice (avg_vruntime() and the load both include cfs_rq->curr).
 * rescale_entity(): vlag' = vlag * w / w', and the deadline and, while the
 * slice is protected, vprot relative to V scale the same way.
 * MODEL: grafted onto our profiles, which keep vlag and vprot in one union
 * (the fix came to 6.18.y with 80390ead2080, which separates them): the
 * running entity's lag lives in a local, so its protection survives as it
 * does with separate fields; the lag clamp stays the profile's
 * (6e3c0a4e1ad1's max-slice clamp is not modelled).
 */
static void reweight_entity_rescale(struct sim *sim, struct cfs_rq *cfs_rq,
                                    struct sched_entity *se, unsigned long weight)
{
    bool curr = cfs_rq->curr == se;
    bool rel_vprot = false;
    u64 avruntime = 0, vprot = 0;
    s64 vlag = curr ? 0 : se->vlag;
    s64 old_weight = (s64)se->load.weight;

    if (se->on_rq) {
        unsigned long old = cfs_rq->load.weight;

        /* commit outstanding execution time */
        update_curr(sim, cfs_rq);
        avruntime = avg_vruntime(cfs_rq);
        vlag = entity_lag(sim, avruntime, se);
        if (se->deboost_penalty_pending)
            deboost_note_lag_clamp(sim, se, (s64)(avruntime - se->vruntime));
        se->deadline -= avruntime;
        se->rel_deadline = 1;
        if (curr && protect_slice(se)) {
            vprot = se->vprot - avruntime;
            rel_vprot = true;
        }
        cfs_rq->nr_queued--;
        if (!curr)
            __dequeue_entity(cfs_rq, se);
        update_load_sub(&cfs_rq->load, se->load.weight);
        cfs_rq_load_changed(cfs_rq, old);
    }

    rescale_entity(se, old_weight, (s64)weight, &vlag, rel_vprot ? &vprot : NULL);

    update_load_set(&se->load, weight);

    if (se->on_rq) {
        unsigned long old = cfs_rq->load.weight;

        if (rel_vprot)
            vprot += avruntime;
        se->deadline += avruntime;
        se->rel_deadline = 0;
        se->vruntime = avruntime - (u64)vlag;

        update_load_add(&cfs_rq->load, se->load.weight);
        cfs_rq_load_changed(cfs_rq, old);
        if (!curr)
            __enqueue_entity(cfs_rq, se);
        cfs_rq->nr_queued++;
    }

    if (!curr)
        se->vlag = vlag;
    else if (rel_vprot)
        se->vprot = vprot;
}

void reweight_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                     unsigned long weight)
{
    bool curr = cfs_rq->curr == se;

    if (sim->params.reweight_rescale) {
        reweight_entity_rescale(sim, cfs_rq, se, weight);
        return;
    }

    if (se->on_rq) {
        unsigned long old = cfs_rq->load.weight;

        /* commit outstanding execution time */
        update_curr(sim, cfs_rq);
        update_entity_lag(sim, cfs_rq, se);
        se->deadline -= se->vruntime;
        se->rel_deadline = 1;
        cfs_rq->nr_queued--;
        if (!curr)
            __dequeue_entity(cfs_rq, se);
        update_load_sub(&cfs_rq->load, se->load.weight);
        cfs_rq_load_changed(cfs_rq, old);
    }

    /* Because we keep se->vlag = V - v_i, while: lag_i = w_i*(V - v_i),
     * we need to scale se->vlag when w_i changes.  (On a running entity
     * this write also lands in vprot: the v6.17-v6.19 union.) */
    se->vlag = se->vlag * (s64)se->load.weight / (s64)weight;
    if (se->rel_deadline)
        se->deadline = (u64)((s64)(se->deadline * se->load.weight) / (s64)weight);

    update_load_set(&se->load, weight);

    if (se->on_rq) {
        unsigned long old = cfs_rq->load.weight;

        place_entity(sim, cfs_rq, se, 0);
        update_load_add(&cfs_rq->load, se->load.weight);
        cfs_rq_load_changed(cfs_rq, old);
        if (!curr)
            __enqueue_entity(cfs_rq, se);
        cfs_rq->nr_queued++;
    }
}

/*
 * Recomputes the group entity based on the current state of its group
 * runqueue.
 */
void update_cfs_group(struct sim *sim, struct sched_entity *se)
{
    struct cfs_rq *gcfs_rq = group_cfs_rq(se);
    long shares;

    /* Note that: an empty group keeps its old weight. */
    if (!gcfs_rq || !gcfs_rq->load.weight)
        return;

    shares = calc_group_shares(gcfs_rq);
    if (sched_flat(sim))
        reweight_entity_flat(cfs_rq_of(se), se, (unsigned long)shares);
    else if (se->load.weight != (unsigned long)shares)
        reweight_entity(sim, cfs_rq_of(se), se, (unsigned long)shares);
}

/* ---- buddies ---- */

static inline bool se_is_idle(struct sched_entity *se)
{
    /* MODEL: no SCHED_IDLE tasks and no idle cgroups. */
    (void)se;
    return false;
}

void set_next_buddy(struct sched_entity *se)
{
    struct rq *rq = rq_of(cfs_rq_of(se));

    /* sched/flat: one pointer on rq->cfs, tasks only. */
    if (rq && rq->sim && sched_flat(rq->sim)) {
        if (!se->on_rq || se->sched_delayed) /* WARN_ON_ONCE */
            return;
        rq->cfs.next = se;
        return;
    }

    for (; se; se = parent_entity(se)) {
        if (!se->on_rq) /* WARN_ON_ONCE */
            return;
        if (se_is_idle(se))
            return;
        cfs_rq_of(se)->next = se;
    }
}

static void __clear_buddies_next(struct sched_entity *se)
{
    for (; se; se = parent_entity(se)) {
        struct cfs_rq *cfs_rq = cfs_rq_of(se);
        if (cfs_rq->next != se)
            break;

        cfs_rq->next = NULL;
    }
}

void clear_buddies(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    if (cfs_rq->next == se)
        __clear_buddies_next(se);
}

/* ---- enqueue / dequeue of one entity ---- */

void enqueue_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
    bool curr = cfs_rq->curr == se;

    /* If we're the current task, we must renormalise before calling
     * update_curr(). */
    if (curr)
        place_entity(sim, cfs_rq, se, flags);

    update_curr(sim, cfs_rq);

    /* update_load_avg(), se_update_runnable(): MODEL: no PELT */
    update_cfs_group(sim, se);

    /* XXX now that the entity has been re-weighted, and it's lag adjusted,
     * we can place the entity. */
    if (!curr)
        place_entity(sim, cfs_rq, se, flags);

    account_entity_enqueue(cfs_rq, se);

    /* Entity has migrated, no longer consider this task hot */
    if (flags & ENQUEUE_MIGRATED)
        se->exec_start = 0;

    if (!curr)
        __enqueue_entity(cfs_rq, se);
    se->on_rq = true;
}

static void set_delayed(struct sched_entity *se)
{
    se->sched_delayed = true;

    /* Delayed se of cfs_rq have no tasks queued on them.  Do not adjust
     * h_nr_runnable since the dequeue would have done it already. */
    if (!entity_is_task(se))
        return;

    for (; se; se = parent_entity(se))
        cfs_rq_of(se)->h_nr_runnable--;
}

static void clear_delayed(struct sched_entity *se)
{
    se->sched_delayed = false;

    if (!entity_is_task(se))
        return;

    for (; se; se = parent_entity(se))
        cfs_rq_of(se)->h_nr_runnable++;
}

static inline void finish_delayed_dequeue_entity(struct sim *sim, struct sched_entity *se)
{
    clear_delayed(se);
    if (sched_feat(sim, DELAY_ZERO) && se->vlag > 0)
        se->vlag = 0;
}

/*
 * The DELAY_DEQUEUE decision of a dequeue from @cfs_rq (the entity's own
 * queue; rq->cfs under sched/flat): true = an ineligible sleeper stays
 * queued, marked delayed, and the dequeue stops here.
 */
static bool dequeue_delays(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                           int flags)
{
    bool delay = flags & DEQUEUE_SLEEP;

    if (flags & DEQUEUE_DELAYED) {
        SIM_BUG_ON(!se->sched_delayed);
        return false;
    }

    /* DELAY_DEQUEUE relies on spurious wakeups, special task states must
     * not suffer spurious wakeups, excempt them. */
    if (flags & DEQUEUE_SPECIAL)
        delay = false;

    SIM_BUG_ON(delay && se->sched_delayed);

    if (sched_feat(sim, DELAY_DEQUEUE) && delay && !entity_eligible(cfs_rq, se)) {
        set_delayed(se);
        return true;
    }
    return false;
}

bool dequeue_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
    bool sleep = flags & DEQUEUE_SLEEP;

    update_curr(sim, cfs_rq);
    clear_buddies(cfs_rq, se);

    if (dequeue_delays(sim, cfs_rq, se, flags))
        return false;

    update_entity_lag(sim, cfs_rq, se);
    if (sched_feat(sim, PLACE_REL_DEADLINE) && !sleep) {
        se->deadline -= se->vruntime;
        se->rel_deadline = 1;
    }

    if (se != cfs_rq->curr)
        __dequeue_entity(cfs_rq, se);
    se->on_rq = false;
    account_entity_dequeue(cfs_rq, se);

    update_cfs_group(sim, se);

    if (flags & DEQUEUE_DELAYED)
        finish_delayed_dequeue_entity(sim, se);

    return true;
}

void set_next_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    clear_buddies(cfs_rq, se);

    /* 'current' is not kept within the tree. */
    if (se->on_rq) {
        __dequeue_entity(cfs_rq, se);
        set_protect_slice(sim, cfs_rq, se);
    }

    se->exec_start = sim_now(sim); /* update_stats_curr_start() */
    SIM_BUG_ON(cfs_rq->curr);
    cfs_rq->curr = se;
    se->prev_sum_exec_runtime = se->sum_exec_runtime;
}

void put_prev_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *prev)
{
    /* If still on the runqueue then deactivate_task() was not called and
     * update_curr() has to be done: */
    if (prev->on_rq)
        update_curr(sim, cfs_rq);

    if (prev->on_rq) {
        /* Put 'current' back into the tree. */
        __enqueue_entity(cfs_rq, prev);
    }
    SIM_BUG_ON(cfs_rq->curr != prev);
    cfs_rq->curr = NULL;
}

/* ---- group helpers ---- */

struct cfs_rq *is_same_group(struct sched_entity *se, struct sched_entity *pse)
{
    if (se->cfs_rq == pse->cfs_rq)
        return se->cfs_rq;

    return NULL;
}

void find_matching_se(struct sched_entity **se, struct sched_entity **pse)
{
    int se_depth, pse_depth;

    /* preemption test can be made between sibling entities who are in the
     * same cfs_rq i.e who have a common parent.  Walk up the hierarchy of
     * both tasks until we find their ancestors who are siblings of common
     * parent. */

    /* First walk up until both entities are at same depth */
    se_depth = (*se)->depth;
    pse_depth = (*pse)->depth;

    while (se_depth > pse_depth) {
        se_depth--;
        *se = parent_entity(*se);
    }

    while (pse_depth > se_depth) {
        pse_depth--;
        *pse = parent_entity(*pse);
    }

    while (!is_same_group(*se, *pse)) {
        *se = parent_entity(*se);
        *pse = parent_entity(*pse);
    }
}

/* ---- hierarchical enqueue / dequeue ---- */

/* @cfs_rq: the entity's own queue (rq->cfs under sched/flat, whose count
 * is h_nr_queued: eevdf_nr_queued()). */
static void requeue_delayed_entity_on(struct sim *sim, struct cfs_rq *cfs_rq,
                                      struct sched_entity *se)
{
    unsigned int *nr_queued = sched_flat(sim) ? &cfs_rq->h_nr_queued : &cfs_rq->nr_queued;

    /* se->sched_delayed should imply: se->on_rq == 1.  Because a delayed
     * entity is one that is still on the runqueue competing until
     * elegibility. */
    SIM_BUG_ON(!se->sched_delayed);
    SIM_BUG_ON(!se->on_rq);

    if (sched_feat(sim, DELAY_ZERO)) {
        update_entity_lag(sim, cfs_rq, se);
        if (se->vlag > 0) {
            (*nr_queued)--;
            if (se != cfs_rq->curr)
                __dequeue_entity(cfs_rq, se);
            se->vlag = 0;
            place_entity(sim, cfs_rq, se, 0);
            if (se != cfs_rq->curr)
                __enqueue_entity(cfs_rq, se);
            (*nr_queued)++;
        }
    }

    clear_delayed(se);
}

static void requeue_delayed_entity(struct sim *sim, struct sched_entity *se)
{
    requeue_delayed_entity_on(sim, cfs_rq_of(se), se);
}

/*
 * The enqueue_task method is called before nr_running is increased.  Here
 * we update the fair scheduling stats and then put the task into the rbtree.
 */
void enqueue_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    struct cfs_rq *cfs_rq;
    struct sched_entity *se = &p->se;
    unsigned int h_nr_runnable = 1;
    int task_new = !(flags & ENQUEUE_WAKEUP);
    u64 slice = 0;

    if (sched_flat(sim)) {
        enqueue_task_flat(sim, rq, p, flags);
        return;
    }

    if (flags & ENQUEUE_DELAYED) {
        requeue_delayed_entity(sim, se);
        return;
    }

    if (task_new && se->sched_delayed)
        h_nr_runnable = 0;

    for (; se; se = parent_entity(se)) {
        if (se->on_rq) {
            if (se->sched_delayed)
                requeue_delayed_entity(sim, se);
            break;
        }
        cfs_rq = cfs_rq_of(se);

        /* Basically set the slice of group entries to the min_slice of
         * their respective cfs_rq.  This ensures the group can service its
         * entities in the desired time-frame. */
        if (slice) {
            se->slice = slice;
            se->custom_slice = 1;
        }
        enqueue_entity(sim, cfs_rq, se, flags);
        slice = cfs_rq_min_slice(cfs_rq);

        cfs_rq->h_nr_runnable += h_nr_runnable;
        cfs_rq->h_nr_queued++;

        flags = ENQUEUE_WAKEUP;
    }

    for (; se; se = parent_entity(se)) {
        cfs_rq = cfs_rq_of(se);

        update_cfs_group(sim, se);

        se->slice = slice;
        slice = cfs_rq_min_slice(cfs_rq);

        cfs_rq->h_nr_runnable += h_nr_runnable;
        cfs_rq->h_nr_queued++;
    }

    /* At this point se is NULL and we are at root level */
    rq->nr_running++; /* add_nr_running(rq, 1) */
}

/*
 * Basically dequeue_task_fair(), except it can deal with dequeue_entity()
 * failing half-way through and resume the dequeue later.
 *
 * Returns:
 * -1 - dequeue delayed
 *  0 - dequeue throttled (never here)
 *  1 - dequeue complete
 */
static int dequeue_entities(struct sim *sim, struct rq *rq, struct sched_entity *se, int flags)
{
    bool task_sleep = flags & DEQUEUE_SLEEP;
    bool task_delayed = flags & DEQUEUE_DELAYED;
    struct task_struct *p = NULL;
    unsigned int h_nr_queued = 0;
    unsigned int h_nr_runnable = 0;
    struct cfs_rq *cfs_rq;
    u64 slice = 0;

    if (entity_is_task(se)) {
        p = task_of(se);
        h_nr_queued = 1;
        if (task_sleep || task_delayed || !se->sched_delayed)
            h_nr_runnable = 1;
    } else {
        cfs_rq = group_cfs_rq(se);
        slice = cfs_rq_min_slice(cfs_rq);
    }

    for (; se; se = parent_entity(se)) {
        cfs_rq = cfs_rq_of(se);

        if (!dequeue_entity(sim, cfs_rq, se, flags)) {
            if (p && &p->se == se)
                return -1;

            slice = cfs_rq_min_slice(cfs_rq);
            break;
        }

        cfs_rq->h_nr_runnable -= h_nr_runnable;
        cfs_rq->h_nr_queued -= h_nr_queued;

        /* Don't dequeue parent if it has other entities besides us */
        if (cfs_rq->load.weight) {
            slice = cfs_rq_min_slice(cfs_rq);

            /* Avoid re-evaluating load for this entity: */
            se = parent_entity(se);
            /* Bias pick_next to pick a task from this cfs_rq, as p is
             * sleeping when it is within its sched_slice. */
            if (task_sleep && se)
                set_next_buddy(se);
            break;
        }
        flags |= DEQUEUE_SLEEP;
        flags &= ~(DEQUEUE_DELAYED | DEQUEUE_SPECIAL);
    }

    for (; se; se = parent_entity(se)) {
        cfs_rq = cfs_rq_of(se);

        update_cfs_group(sim, se);

        se->slice = slice;
        slice = cfs_rq_min_slice(cfs_rq);

        cfs_rq->h_nr_runnable -= h_nr_runnable;
        cfs_rq->h_nr_queued -= h_nr_queued;
    }

    rq->nr_running -= h_nr_queued; /* sub_nr_running() */

    if (p && task_delayed) {
        SIM_BUG_ON(!task_sleep);
        SIM_BUG_ON(p->on_rq != 1);

        /* Fix-up what block_task() skipped: __block_task(). */
        p->on_rq = 0;
    }

    return 1;
}

/*
 * The dequeue_task method is called before nr_running is decreased.
 * Returns false when the dequeue was delayed (the task stays queued).
 */
bool dequeue_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    if (sched_flat(sim))
        return dequeue_task_flat(sim, rq, p, flags);

    if (dequeue_entities(sim, rq, &p->se, flags) < 0)
        return false;

    return true;
}

/* ---- pick ---- */

static struct sched_entity *pick_next_entity(struct sim *sim, struct rq *rq,
                                             struct cfs_rq *cfs_rq)
{
    struct sched_entity *se;

    /* 6.18: picking the ->next buddy will affect latency but not fairness. */
    if (!profile_buddy_in_pick_eevdf(sim) && sched_feat(sim, PICK_BUDDY) && cfs_rq->next &&
        entity_eligible(cfs_rq, cfs_rq->next)) {
        /* ->next will never be delayed */
        SIM_BUG_ON(cfs_rq->next->sched_delayed);
        return cfs_rq->next;
    }

    se = pick_eevdf_sim(sim, cfs_rq, true);
    SIM_BUG_ON(!se);
    if (se->sched_delayed) {
        dequeue_entities(sim, rq, se, DEQUEUE_SLEEP | DEQUEUE_DELAYED);
        /* Must not reference @se again, see __block_task(). */
        return NULL;
    }
    return se;
}

struct task_struct *pick_task_fair(struct sim *sim, struct rq *rq)
{
    struct sched_entity *se;
    struct cfs_rq *cfs_rq;

    if (sched_flat(sim))
        return pick_task_flat(sim, rq);

again:
    cfs_rq = &rq->cfs;
    if (!cfs_rq->nr_queued)
        return NULL;

    do {
        /* Might not have done put_prev_entity() */
        if (cfs_rq->curr && cfs_rq->curr->on_rq)
            update_curr(sim, cfs_rq);

        se = pick_next_entity(sim, rq, cfs_rq);
        if (!se)
            goto again;
        cfs_rq = group_cfs_rq(se);
    } while (cfs_rq);

    return task_of(se);
}

void put_prev_task_fair(struct sim *sim, struct rq *rq, struct task_struct *prev)
{
    struct sched_entity *se = &prev->se;

    if (sched_flat(sim)) {
        put_prev_task_flat(sim, rq, prev);
        return;
    }
    for (; se; se = parent_entity(se))
        put_prev_entity(sim, cfs_rq_of(se), se);
}

/* Account for a task changing its policy or group, or being picked after
 * the CPU ran something else (idle): set every level. */
void set_next_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct sched_entity *se = &p->se;

    if (sched_flat(sim)) {
        set_next_task_flat(sim, rq, p);
        return;
    }
    for (; se; se = parent_entity(se))
        set_next_entity(sim, cfs_rq_of(se), se);
}

/*
 * pick_next_task_fair() for a fair @prev (prev may be not queued any more):
 * pick, then put/set only the levels that differ between prev's and next's
 * hierarchies.  When p == prev nothing is put or set: no new slice
 * protection, exec_start runs on.  Returns NULL if nothing is runnable (the
 * caller then puts prev and goes idle).
 */
struct task_struct *pick_next_task_fair(struct sim *sim, struct rq *rq, struct task_struct *prev)
{
    struct sched_entity *se, *pse;
    struct task_struct *p;
    struct cfs_rq *cfs_rq;

    p = pick_task_fair(sim, rq);
    if (!p)
        return NULL;
    if (!prev) {
        /* simple: previous was the idle task */
        set_next_task_fair(sim, rq, p);
        return p;
    }
    if (prev == p)
        return p;

    if (sched_flat(sim)) {
        put_prev_task_flat(sim, rq, prev);
        set_next_task_flat(sim, rq, p);
        return p;
    }

    se = &p->se;
    pse = &prev->se;
    while (!(cfs_rq = is_same_group(se, pse))) {
        int se_depth = se->depth;
        int pse_depth = pse->depth;

        if (se_depth <= pse_depth) {
            put_prev_entity(sim, cfs_rq_of(pse), pse);
            pse = parent_entity(pse);
        }
        if (se_depth >= pse_depth) {
            set_next_entity(sim, cfs_rq_of(se), se);
            se = parent_entity(se);
        }
    }

    put_prev_entity(sim, cfs_rq, pse);
    set_next_entity(sim, cfs_rq, se);
    return p;
}

/* ---- tick ---- */

static void entity_tick(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *curr)
{
    /* Update run-time statistics of the 'current'. */
    update_curr(sim, cfs_rq);

    /* Ensure that runnable average is periodically updated. */
    update_cfs_group(sim, curr);
}

/*
 * scheduler tick hitting a task of our scheduling class: every level of
 * the hierarchy, bottom-up.
 */
void task_tick_fair(struct sim *sim, struct rq *rq, struct task_struct *curr)
{
    struct sched_entity *se = &curr->se;

    if (sched_flat(sim)) {
        task_tick_flat(sim, rq, curr);
        return;
    }
    for (; se; se = parent_entity(se))
        entity_tick(sim, cfs_rq_of(se), se);
}

/* ---- wakeup preemption ---- */

static void check_preempt_wakeup_fair_618(struct sim *sim, struct rq *rq, struct task_struct *p,
                                          int wake_flags)
{
    struct task_struct *donor = rq->curr;
    struct sched_entity *se = &donor->se, *pse = &p->se;
    struct cfs_rq *cfs_rq;
    bool do_preempt_short = false;

    if (se == pse)
        return;

    if (sched_feat(sim, NEXT_BUDDY) && !(wake_flags & WF_FORK) && !pse->sched_delayed)
        set_next_buddy(pse);

    /* We can come here with TIF_NEED_RESCHED already set from new task
     * wake up path. */
    if (rq->need_resched)
        return;

    if (!sched_feat(sim, WAKEUP_PREEMPTION))
        return;

    find_matching_se(&se, &pse);
    SIM_BUG_ON(!pse);

    cfs_rq = cfs_rq_of(se);
    update_curr(sim, cfs_rq);
    /* If @p has a shorter slice than current and @p is eligible, override
     * current's slice protection in order to allow preemption. */
    do_preempt_short = sched_feat(sim, PREEMPT_SHORT) && (pse->slice < se->slice);

    /* If @p has become the most eligible task, force preemption. */
    if (pick_eevdf_sim(sim, cfs_rq, !do_preempt_short) == pse)
        goto preempt;

    if (sched_feat(sim, RUN_TO_PARITY) && do_preempt_short)
        update_protect_slice(cfs_rq, se);

    return;

preempt:
    if (do_preempt_short)
        cancel_protect_slice(se);

    resched_curr(sim, rq); /* resched_curr_lazy() */
}

static void check_preempt_wakeup_fair_619(struct sim *sim, struct rq *rq, struct task_struct *p,
                                          int wake_flags)
{
    enum { PREEMPT_WAKEUP_NONE, PREEMPT_WAKEUP_SHORT, PREEMPT_WAKEUP_PICK } preempt_action =
        PREEMPT_WAKEUP_PICK;
    struct task_struct *donor = rq->curr;
    struct sched_entity *se = &donor->se, *pse = &p->se;
    struct cfs_rq *cfs_rq;

    if (se == pse)
        return;

    if (rq->need_resched)
        return;

    if (!sched_feat(sim, WAKEUP_PREEMPTION))
        return;

    find_matching_se(&se, &pse);
    SIM_BUG_ON(!pse);

    cfs_rq = cfs_rq_of(se);
    update_curr(sim, cfs_rq);

    if (sched_feat(sim, PREEMPT_SHORT) && (pse->slice < se->slice)) {
        preempt_action = PREEMPT_WAKEUP_SHORT;
        goto pick;
    }

    /* Ignore wakee preemption on WF_FORK as it is less likely that there
     * is shared data as exec often follows fork.  Do not preempt for tasks
     * that are sched_delayed as it would violate EEVDF. */
    if ((wake_flags & WF_FORK) || pse->sched_delayed)
        return;

    /* MODEL: NEXT_BUDDY's set_preempt_buddy()/WF_SYNC handling is not
     * modelled (NEXT_BUDDY is off in v6.19 final, 4f70f106bca1). */

pick:
    /* If @p has become the most eligible task, force preemption. */
    if (pick_eevdf_sim(sim, cfs_rq, preempt_action != PREEMPT_WAKEUP_SHORT) == pse)
        goto preempt;

    if (sched_feat(sim, RUN_TO_PARITY))
        update_protect_slice(cfs_rq, se);

    return;

preempt:
    if (preempt_action == PREEMPT_WAKEUP_SHORT)
        cancel_protect_slice(se);

    resched_curr(sim, rq);
}

/* Preempt the current task with a newly woken task if needed. */
void check_preempt_wakeup_fair(struct sim *sim, struct rq *rq, struct task_struct *p,
                               int wake_flags)
{
    if (sched_flat(sim))
        check_preempt_wakeup_flat(sim, rq, p, wake_flags);
    else if (sim->params.profile >= KERNEL_6_19)
        check_preempt_wakeup_fair_619(sim, rq, p, wake_flags);
    else
        check_preempt_wakeup_fair_618(sim, rq, p, wake_flags);
}

/* ---- yield ---- */

/*
 * sched_yield() is very simple: the leaf entity of the caller, nothing
 * above it.  With 79104becf42b ("sched/fair: Forfeit vruntime on yield")
 * an eligible yielder gives up the rest of its request; without it (older
 * kernels, SF_YIELD_FORFEIT off) only the deadline is pushed.
 */
void yield_task_fair(struct sim *sim, struct rq *rq)
{
    yield_task_fair_mode(sim, rq, sched_feat(sim, YIELD_FORFEIT));
}

/*
 * The same with the kernel version chosen by the caller: @forfeit = true is
 * 79104becf42b, false the deadline push of the kernels before it.  (The
 * yield policies of src/policy/ pin one or the other.)
 */
void yield_task_fair_mode(struct sim *sim, struct rq *rq, bool forfeit)
{
    struct task_struct *curr = rq->curr;
    struct sched_entity *se = &curr->se;
    /* sched/flat: rq->cfs.  As posted, its update_curr(&rq->cfs) below
     * charges the yielder only if it sits in the root group (see
     * pick_task_flat()): the eligibility test then sees the vruntime of the
     * last update, and put_prev charges the rest after the forfeit. */
    struct cfs_rq *cfs_rq = sched_flat(sim) ? &rq->cfs : cfs_rq_of(se);

    /* Are we the only task in the tree? */
    if (rq->nr_running == 1)
        return;

    if (sched_flat(sim))
        clear_buddies_flat(cfs_rq, se);
    else
        clear_buddies(cfs_rq, se);

    /* update_rq_clock(): SIM: rq_clock is always the simulated time. */
    /* Update run-time statistics of the 'current'. */
    update_curr(sim, cfs_rq);
    /* Tell update_rq_clock() that we've just updated, so we don't do
     * microscopic update in schedule() and double the fastpath cost. */

    if (forfeit) {
        /* Forfeit the remaining vruntime, only if the entity is eligible. */
        if (entity_eligible(cfs_rq, se)) {
            se->vruntime = se->deadline;
            se->deadline += calc_delta_fair(se->slice, se);
        }
    } else {
        se->deadline += calc_delta_fair(se->slice, se);
    }
}

bool yield_to_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct sched_entity *se = &p->se;

    if (!se->on_rq)
        return false;
    /* sched/flat: a delayed task cannot be the buddy either. */
    if (sched_flat(sim) && se->sched_delayed)
        return false;

    /* Tell the scheduler that we'd really like se to run next. */
    set_next_buddy(se);

    yield_task_fair(sim, rq);

    return true;
}

/* ---- sched/flat: one EEVDF queue per CPU (kernel.pick "flat") ---- */

/*
 * Peter Zijlstra, "[PATCH v3 7/7] sched/eevdf: Move to a single runqueue"
 * (2026-06-05; queue.git sched/flat), the flattened pick a reviewer of the
 * v3 yield series asks it to be tested on.  The cgroup hierarchy stays for
 * the load and the shares (group entities are still enqueued and
 * reweighted), but the EEVDF fields of group entities and group queues go
 * unused: rq->cfs is the only EEVDF queue and holds tasks only, each with
 * the effective weight se->h_load = NICE_0_LOAD * product of
 * se->load / cfs_rq->load down its chain, recomputed on enqueue,
 * set_next_task and tick.  cfs_rq->h_curr is the running entity of each
 * level, rq->cfs.curr the running task.  Counts on rq->cfs are h_nr_queued.
 *
 * MODEL: grafted onto the v6.19 profile (scenario validation requires it):
 * the series is based on a v7.1 tip whose pick and wakeup preemption are
 * v6.19's.  Kept from our profile where the flat base differs: the lag
 * rules (DELAY_ZERO clipping, update_entity_lag() without the 7.x "keep the
 * larger lag of a delayed entity"), and the vlag/vprot union, around which
 * reweight_eevdf() works (below).  pick_next_task_fair() puts and sets the
 * whole hierarchy where the kernel touches only the levels that differ:
 * without PELT the two are indistinguishable in the model.
 */

unsigned long __calc_prop_weight(struct cfs_rq *cfs_rq, struct sched_entity *se,
                                 unsigned long weight)
{
    weight *= se->load.weight;
    if (parent_entity(se))
        weight /= cfs_rq->load.weight;
    else
        weight /= NICE_0_LOAD;

    return weight > MIN_SHARES ? weight : MIN_SHARES;
}

unsigned long task_prop_weight(struct task_struct *p)
{
    unsigned long weight = NICE_0_LOAD;

    for (struct sched_entity *se = &p->se; se; se = parent_entity(se))
        weight = __calc_prop_weight(cfs_rq_of(se), se, weight);
    return weight;
}

static void clear_buddies_flat(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    if (cfs_rq->next == se)
        cfs_rq->next = NULL;
}

static void update_curr_flat(struct sim *sim, struct cfs_rq *cfs_rq)
{
    struct sched_entity *curr = cfs_rq->h_curr;
    struct rq *rq = rq_of(cfs_rq);
    s64 delta_exec;
    bool resched;

    if (!curr)
        return;

    delta_exec = (s64)(sim_now(sim) - curr->exec_start);
    if (delta_exec <= 0)
        return;
    curr->exec_start = sim_now(sim);
    curr->sum_exec_runtime += (u64)delta_exec;

    /* A group level only accounts its runtime. */
    if (!entity_is_task(curr))
        return;

    cfs_rq = &rq->cfs;

    curr->vruntime += calc_delta_fair((u64)delta_exec, curr);
    resched = update_deadline(sim, cfs_rq, curr);

    if (cfs_rq->h_nr_queued == 1)
        return;

    if (resched || !protect_slice(curr)) {
        resched_curr(sim, rq);
        clear_buddies_flat(cfs_rq, curr);
    }
}

/* Group shares move the load only: a group entity has no EEVDF state. */
static void reweight_entity_flat(struct cfs_rq *cfs_rq, struct sched_entity *se,
                                 unsigned long weight)
{
    if (se->load.weight == weight)
        return;

    if (se->on_rq) {
        unsigned long old = cfs_rq->load.weight;

        update_load_sub(&cfs_rq->load, se->load.weight);
        cfs_rq_load_changed(cfs_rq, old);
    }

    update_load_set(&se->load, weight);

    if (se->on_rq) {
        unsigned long old = cfs_rq->load.weight;

        update_load_add(&cfs_rq->load, se->load.weight);
        cfs_rq_load_changed(cfs_rq, old);
    }
}

/*
 * A task's weight on rq->cfs changes: keep its lag, relative deadline and
 * protection window in weighted terms (rescale_entity()).
 * MODEL: our profiles keep vlag and vprot in one union (v6.17-v6.19); the
 * flat series' base has them apart.  So the running task's protection is
 * read before the lag is computed, and its lag lives in a local, as the
 * separate fields behave.
 */
static void reweight_eevdf(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                           unsigned long weight, bool on_rq)
{
    bool curr = cfs_rq->curr == se;
    bool rel_vprot = false;
    u64 avruntime = 0, vprot = 0;
    s64 vlag = curr ? 0 : se->vlag;
    s64 old_weight = (s64)se->h_load.weight;

    if (se->h_load.weight == weight)
        return;

    if (on_rq) {
        avruntime = avg_vruntime(cfs_rq);
        if (curr && protect_slice(se)) {
            vprot = se->vprot - avruntime;
            rel_vprot = true;
        }
        vlag = entity_lag(sim, avruntime, se);
        se->deadline -= avruntime;
        se->rel_deadline = 1;

        cfs_rq->h_nr_queued--;
        if (!curr)
            __dequeue_entity(cfs_rq, se);
    }

    /* rescale_entity(): lag_i = w_i * (V - v_i), so vlag' = vlag * w / w';
     * the same for the relative deadline and protection.  A task that has
     * never been on rq->cfs has h_load 0: nothing to carry over. */
    rescale_entity(se, old_weight, (s64)weight, &vlag, rel_vprot ? &vprot : NULL);

    update_load_set(&se->h_load, weight);

    if (on_rq) {
        if (rel_vprot)
            vprot += avruntime;
        se->deadline += avruntime;
        se->rel_deadline = 0;
        se->vruntime = avruntime - (u64)vlag;

        if (!curr)
            __enqueue_entity(cfs_rq, se);
        cfs_rq->h_nr_queued++;
    }

    if (!curr)
        se->vlag = vlag;
    else if (rel_vprot)
        se->vprot = vprot;
}

static void enqueue_entity_flat(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                                int flags)
{
    /* update_load_avg(), se_update_runnable(): MODEL: no PELT */
    update_cfs_group(sim, se);

    account_entity_enqueue(cfs_rq, se);

    /* Entity has migrated, no longer consider this task hot */
    if (flags & ENQUEUE_MIGRATED)
        se->exec_start = 0;

    se->on_rq = true;
}

static void dequeue_entity_flat(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    se->on_rq = false;
    account_entity_dequeue(cfs_rq, se);

    update_cfs_group(sim, se);
}

/* Enqueue the chain for load and counts; return the task's h_load. */
static unsigned long enqueue_hierarchy(struct sim *sim, struct task_struct *p, int flags)
{
    unsigned long weight = NICE_0_LOAD;
    int task_new = !(flags & ENQUEUE_WAKEUP);
    struct sched_entity *se = &p->se;
    unsigned int h_nr_runnable = 1;

    if (task_new && se->sched_delayed)
        h_nr_runnable = 0;

    for (; se; se = parent_entity(se)) {
        struct cfs_rq *cfs_rq = cfs_rq_of(se);

        update_curr(sim, cfs_rq);

        if (!se->on_rq)
            enqueue_entity_flat(sim, cfs_rq, se, flags);
        else
            update_cfs_group(sim, se);

        cfs_rq->h_nr_runnable += h_nr_runnable;
        cfs_rq->h_nr_queued++;

        weight = __calc_prop_weight(cfs_rq, se, weight);

        flags = ENQUEUE_WAKEUP;
    }

    return weight;
}

static void enqueue_task_flat(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    struct sched_entity *se = &p->se;
    struct cfs_rq *cfs_rq = &rq->cfs;
    unsigned long weight;
    bool curr;

    if (flags & ENQUEUE_DELAYED) {
        requeue_delayed_entity_on(sim, cfs_rq, se); /* the 6.19 DELAY_ZERO rule, on rq->cfs */
        return;
    }

    curr = cfs_rq->curr == se;
    if (curr)
        place_entity(sim, cfs_rq, se, flags);

    if (se->on_rq && se->sched_delayed)
        requeue_delayed_entity_on(sim, cfs_rq, se);

    weight = enqueue_hierarchy(sim, p, flags);

    if (!curr) {
        reweight_eevdf(sim, cfs_rq, se, weight, false);
        place_entity(sim, cfs_rq, se, flags | ENQUEUE_QUEUED);
        __enqueue_entity(cfs_rq, se);
    }

    rq->nr_running++; /* add_nr_running(rq, 1) */
}

static void dequeue_hierarchy(struct sim *sim, struct task_struct *p, int flags)
{
    struct sched_entity *se = &p->se;
    bool task_sleep = flags & DEQUEUE_SLEEP;
    bool task_delayed = flags & DEQUEUE_DELAYED;
    unsigned int h_nr_runnable = 0;
    bool dequeue = true;

    if (task_sleep || task_delayed || !se->sched_delayed)
        h_nr_runnable = 1;

    for (; se; se = parent_entity(se)) {
        struct cfs_rq *cfs_rq = cfs_rq_of(se);

        update_curr(sim, cfs_rq);

        if (dequeue) {
            dequeue_entity_flat(sim, cfs_rq, se);
            /* Don't dequeue parent if it has other entities besides us */
            if (cfs_rq->load.weight)
                dequeue = false;
        } else {
            update_cfs_group(sim, se);
        }

        cfs_rq->h_nr_runnable -= h_nr_runnable;
        cfs_rq->h_nr_queued--;

        flags |= DEQUEUE_SLEEP;
        flags &= ~(DEQUEUE_DELAYED | DEQUEUE_SPECIAL);
    }
}

/* __dequeue_task(): false when the dequeue was delayed. */
static bool dequeue_task_flat(struct sim *sim, struct rq *rq, struct task_struct *p, int flags)
{
    struct sched_entity *se = &p->se;
    struct cfs_rq *cfs_rq = &rq->cfs;
    bool task_sleep = flags & DEQUEUE_SLEEP;
    bool task_delayed = flags & DEQUEUE_DELAYED;

    clear_buddies_flat(cfs_rq, se);

    update_curr(sim, cfs_rq_of(se));
    update_entity_lag(sim, cfs_rq, se);

    if (dequeue_delays(sim, cfs_rq, se, flags))
        return false;

    dequeue_hierarchy(sim, p, flags);

    if (sched_feat(sim, PLACE_REL_DEADLINE) && !task_sleep) {
        se->deadline -= se->vruntime;
        se->rel_deadline = 1;
    }
    if (se != cfs_rq->curr)
        __dequeue_entity(cfs_rq, se);

    rq->nr_running--; /* sub_nr_running(rq, 1) */

    if (task_delayed) {
        finish_delayed_dequeue_entity(sim, se);

        SIM_BUG_ON(!task_sleep);
        SIM_BUG_ON(p->on_rq != 1);
        p->on_rq = 0; /* __block_task() */
    }

    return true;
}

static struct sched_entity *pick_next_entity_flat(struct sim *sim, struct rq *rq, bool protect)
{
    struct sched_entity *se = pick_eevdf_sim(sim, &rq->cfs, protect);

    SIM_BUG_ON(!se);
    if (se->sched_delayed) {
        dequeue_task_flat(sim, rq, task_of(se), DEQUEUE_SLEEP | DEQUEUE_DELAYED);
        /* Must not reference @se again, see __block_task(). */
        return NULL;
    }
    return se;
}

static struct task_struct *pick_task_flat(struct sim *sim, struct rq *rq)
{
    struct cfs_rq *cfs_rq = &rq->cfs;
    struct sched_entity *se;

again:
    if (!cfs_rq->h_nr_queued)
        return NULL;

    /* Might not have done put_prev_entity().  As posted: update_curr() of
     * rq->cfs charges the running task only if it sits in the root group;
     * otherwise rq->cfs.h_curr is a group entity. */
    if (cfs_rq->curr && cfs_rq->curr->on_rq)
        update_curr(sim, cfs_rq);

    se = pick_next_entity_flat(sim, rq, true);
    if (!se)
        goto again;

    return task_of(se);
}

static void put_prev_entity_flat(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *prev)
{
    if (prev->on_rq)
        update_curr(sim, cfs_rq);

    SIM_BUG_ON(cfs_rq->h_curr != prev);
    cfs_rq->h_curr = NULL;
}

static void put_prev_task_flat(struct sim *sim, struct rq *rq, struct task_struct *prev)
{
    struct cfs_rq *cfs_rq = &rq->cfs;
    struct sched_entity *se;

    for (se = &prev->se; se; se = parent_entity(se))
        put_prev_entity_flat(sim, cfs_rq_of(se), se);

    /* Put 'current' back into the tree. */
    se = &prev->se;
    SIM_BUG_ON(cfs_rq->curr != se);
    cfs_rq->curr = NULL;
    if (se->on_rq)
        __enqueue_entity(cfs_rq, se);
}

static void set_next_entity_flat(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se)
{
    se->exec_start = sim_now(sim); /* update_stats_curr_start() */
    SIM_BUG_ON(cfs_rq->h_curr);
    cfs_rq->h_curr = se;
    se->prev_sum_exec_runtime = se->sum_exec_runtime;
}

/* set_next_task_fair(rq, p, first = true) */
static void set_next_task_flat(struct sim *sim, struct rq *rq, struct task_struct *p)
{
    struct sched_entity *se = &p->se;
    struct cfs_rq *cfs_rq = &rq->cfs;
    unsigned long weight = NICE_0_LOAD;
    bool on_rq = se->on_rq;

    clear_buddies_flat(cfs_rq, se);

    if (on_rq)
        __dequeue_entity(cfs_rq, se);

    for (; se; se = parent_entity(se)) {
        cfs_rq = cfs_rq_of(se);

        if (!cfs_rq->h_curr)
            set_next_entity_flat(sim, cfs_rq, se);

        if (on_rq)
            weight = __calc_prop_weight(cfs_rq, se, weight);
    }

    se = &p->se;
    cfs_rq->curr = se; /* cfs_rq is rq->cfs here */

    if (on_rq) {
        reweight_eevdf(sim, cfs_rq, se, weight, se->on_rq);
        set_protect_slice(sim, cfs_rq, se);
    }
}

static void task_tick_flat(struct sim *sim, struct rq *rq, struct task_struct *curr)
{
    struct sched_entity *se = &curr->se;
    unsigned long weight = NICE_0_LOAD;

    if (!se->on_rq)
        return;

    for (; se; se = parent_entity(se)) {
        struct cfs_rq *cfs_rq = cfs_rq_of(se);

        entity_tick(sim, cfs_rq, se);
        weight = __calc_prop_weight(cfs_rq, se, weight);
    }

    se = &curr->se;
    reweight_eevdf(sim, &rq->cfs, se, weight, se->on_rq);
}

/* v6.19's wakeup preemption on the one queue: no find_matching_se(). */
static void check_preempt_wakeup_flat(struct sim *sim, struct rq *rq, struct task_struct *p,
                                      int wake_flags)
{
    enum { PREEMPT_WAKEUP_NONE, PREEMPT_WAKEUP_SHORT, PREEMPT_WAKEUP_PICK } preempt_action =
        PREEMPT_WAKEUP_PICK;
    struct task_struct *donor = rq->curr;
    struct sched_entity *se = &donor->se, *pse = &p->se, *nse;
    struct cfs_rq *cfs_rq = &rq->cfs;

    if (se == pse)
        return;

    if (rq->need_resched)
        return;

    if (!sched_feat(sim, WAKEUP_PREEMPTION))
        return;

    update_curr_fair(sim, rq);

    if (sched_feat(sim, PREEMPT_SHORT) && (pse->slice < se->slice)) {
        preempt_action = PREEMPT_WAKEUP_SHORT;
        goto pick;
    }

    if ((wake_flags & WF_FORK) || pse->sched_delayed)
        return;

pick:
    if (cfs_rq->h_nr_queued) {
        nse = pick_next_entity_flat(sim, rq, preempt_action != PREEMPT_WAKEUP_SHORT);
        if (!nse)
            goto pick;

        /* If @p has become the most eligible task, force preemption */
        if (nse == pse)
            goto preempt;
    }

    if (sched_feat(sim, RUN_TO_PARITY))
        update_protect_slice(cfs_rq, se);

    return;

preempt:
    if (preempt_action == PREEMPT_WAKEUP_SHORT)
        cancel_protect_slice(se);

    resched_curr(sim, rq);
}

/* Recompute what is kept incrementally on rq->cfs (tasks, h_load weights)
 * and check that no group queue holds EEVDF state. */
static bool cfs_rq_sane_flat(struct cfs_rq *cfs_rq)
{
    struct rq *rq = rq_of(cfs_rq);
    s64 sum = 0;
    u64 weight = 0;
    unsigned int n = 0, queued;
    struct sched_entity *prev = NULL;

    if (cfs_rq != &rq->cfs)
        return cfs_rq->nr_tree == 0 && !cfs_rq->rb_leftmost && !cfs_rq->curr &&
               !cfs_rq->next && cfs_rq->h_nr_runnable <= cfs_rq->h_nr_queued;

    for (struct sched_entity *se = cfs_rq->rb_leftmost; se; se = se->rb_next) {
        if (se->rb_prev != prev || !se->on_rq || !se->on_tree || !entity_is_task(se))
            return false;
        if (prev && entity_before(se, prev))
            return false;
        if (se == cfs_rq->curr || !se->h_load.weight)
            return false;
        sum += entity_key(cfs_rq, se) * (s64)scale_load_down(se->h_load.weight);
        weight += scale_load_down(se->h_load.weight);
        n++;
        prev = se;
    }
    if (n != cfs_rq->nr_tree || sum != cfs_rq->sum_w_vruntime || weight != cfs_rq->sum_weight)
        return false;
    queued = n;
    if (cfs_rq->curr && cfs_rq->curr->on_rq)
        queued++;
    if (queued != cfs_rq->h_nr_queued)
        return false;
    if (cfs_rq->next && (!cfs_rq->next->on_rq || !entity_is_task(cfs_rq->next)))
        return false;
    return cfs_rq->h_nr_runnable <= cfs_rq->h_nr_queued;
}

/* ---- init and sanity ---- */

void init_cfs_rq(struct cfs_rq *cfs_rq, struct rq *rq, struct task_group *tg)
{
    *cfs_rq = (struct cfs_rq){0};
    /* The kernel's initial zero point: vruntimes wrap past zero after
     * about a millisecond of virtual time. */
    cfs_rq->zero_vruntime = (u64)(-(1LL << 20));
    cfs_rq->rq = rq;
    cfs_rq->tg = tg;
}

/* Recompute everything that is kept incrementally and compare. */
bool cfs_rq_sane(struct cfs_rq *cfs_rq)
{
    if (rq_of(cfs_rq) && rq_of(cfs_rq)->sim && sched_flat(rq_of(cfs_rq)->sim))
        return cfs_rq_sane_flat(cfs_rq);

    s64 sum = 0;
    u64 weight = 0;
    unsigned long load = 0;
    unsigned int n = 0, queued;
    struct sched_entity *prev = NULL;

    for (struct sched_entity *se = cfs_rq->rb_leftmost; se; se = se->rb_next) {
        if (se->rb_prev != prev || !se->on_rq || !se->on_tree || se->cfs_rq != cfs_rq)
            return false;
        if (prev && entity_before(se, prev))
            return false;
        if (se == cfs_rq->curr)
            return false;
        sum += entity_key(cfs_rq, se) * (s64)scale_load_down(se->load.weight);
        weight += scale_load_down(se->load.weight);
        load += se->load.weight;
        n++;
        prev = se;
    }
    if (n != cfs_rq->nr_tree || sum != cfs_rq->sum_w_vruntime || weight != cfs_rq->sum_weight)
        return false;
    queued = n;
    if (cfs_rq->curr && cfs_rq->curr->on_rq) {
        load += cfs_rq->curr->load.weight;
        queued++;
    }
    if (load != cfs_rq->load.weight || queued != cfs_rq->nr_queued)
        return false;
    if (cfs_rq->next && (!cfs_rq->next->on_rq || cfs_rq->next->cfs_rq != cfs_rq))
        return false;
    if (cfs_rq->h_nr_runnable > cfs_rq->h_nr_queued)
        return false;
    return true;
}

/* update_curr_fair(): the leaf queue of the running task; under sched/flat
 * every level (group levels only account their runtime). */
void update_curr_fair(struct sim *sim, struct rq *rq)
{
    struct sched_entity *se = &rq->curr->se; /* rq->donor */

    if (!sched_flat(sim)) {
        update_curr(sim, cfs_rq_of(se));
        return;
    }
    for (; se; se = parent_entity(se))
        update_curr(sim, cfs_rq_of(se));
}
