/*
 * check_policy.c - the scheduler-side yield policies (src/policy/): the
 * deboost_penalty() arithmetic of W. Li's v2 patch 4 against vectors worked
 * out by hand from the patch text, the v2 rate limit, validation, LCA,
 * debounce and penalty application, the lag-clamp counter, the v3 lag
 * credit, K Prateek Nayak's proportional push, buddy vs forfeit on the
 * worked example of kernel-mechanisms 4.2, and a smoke run of every policy
 * inside a whole simulation with the invariant checker.
 *
 * Expected values are computed in the comments (u64 arithmetic, integer
 * division truncating); none is obtained by calling the code under test.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsched/deboost.h"
#include "vsched/policy.h"
#include "vsched/sim.h"

#define U64_MAX UINT64_MAX
#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC

/* ---- 1. deboost_penalty() vectors ---- */

struct penalty_vector {
    u64 gran;
    u64 need;
    unsigned int h;
    bool reverse;
    u64 expect;
};

/*
 * G = 1000003 (odd, so that every "* k / d" truncates):
 *   maxp: h=2 6G = 6000018; h=3 4G = 4000012; h<=6 5G/2 = 5000015/2 = 2500007;
 *         h<=8 2G = 2000006; h<=12 3G/2 = 3000009/2 = 1500004; else G.
 *   need == 0 bases: h=3 15G/16 = 15000045/16 = 937502; 4..6 5G/8 = 625001;
 *         7..8 G/2 = 500001; 9..12 3G/8 = 375001; >12 G/4 = 250000; else G.
 *   penalty before the cap = G + need + need/10.
 */
#define G 1000003ULL
static const struct penalty_vector penalty_vectors[] = {
    /* each h band, need > 0 */
    {G, 1000000, 2, false, 2100003},  /* 1000003 + 1000000 + 100000 = 2100003 < 6000018 */
    {G, 5000000, 2, false, 6000018},  /* 1000003 + 5500000 = 6500003 > 6G -> 6000018 */
    {G, 1000000, 3, false, 2100003},  /* 2100003 < 4G = 4000012 */
    {G, 3000000, 3, false, 4000012},  /* 1000003 + 3300000 = 4300003 > 4000012 */
    {G, 1000000, 4, false, 2100003},  /* 2100003 < 5G/2 = 2500007 */
    {G, 1400000, 5, false, 2500007},  /* 1000003 + 1540000 = 2540003 > 2500007 */
    {G, 1400000, 6, false, 2500007},  /* same band, upper edge */
    {G, 900000, 7, false, 1990003},   /* 1000003 + 990000 = 1990003 < 2G = 2000006 */
    {G, 1000000, 8, false, 2000006},  /* 2100003 > 2000006 */
    {G, 400000, 9, false, 1440003},   /* 1000003 + 440000 = 1440003 < 3G/2 = 1500004 */
    {G, 500000, 12, false, 1500004},  /* 1000003 + 550000 = 1550003 > 1500004 */
    {G, 1, 13, false, G},             /* 1 + 1/10 = 1 -> 1000004 > maxp = G */
    {G, 500000, 1000, false, G},      /* > 12: maxp = G */
    {G, 1000000, 1, false, 2100003},  /* h <= 1 falls in "<= 6": maxp 2500007 */
    {G, 2000000, 0, false, 2500007},  /* 1000003 + 2200000 = 3200003 > 2500007 */
    {G, 19, 2, false, 1000023},       /* 19 + 19/10 = 20 */
    {G, 7, 2, false, 1000010},        /* 7 + 7/10 = 7 */
    /* need == 0: penalty = G, clamp(G, G, maxp) = G, and every base <= G, so
     * the "baseline push" never raises it */
    {G, 0, 0, false, G},              /* base G */
    {G, 0, 1, false, G},              /* base G */
    {G, 0, 2, false, G},              /* base G (the else branch) */
    {G, 0, 3, false, G},              /* base 937502 < G */
    {G, 0, 4, false, G},              /* base 625001 */
    {G, 0, 6, false, G},              /* base 625001 */
    {G, 0, 7, false, G},              /* base 500001 */
    {G, 0, 8, false, G},              /* base 500001 */
    {G, 0, 9, false, G},              /* base 375001 */
    {G, 0, 12, false, G},             /* base 375001 */
    {G, 0, 13, false, G},             /* base 250000 */
    {G, 0, 400, false, G},            /* base 250000 */
    /* debounce: penalty := min(penalty, max(need, gran)) before the cap */
    {G, 1000000, 2, true, G},         /* 2100003 -> max(1000000, G) = 1000003 */
    {G, 3000000, 2, true, 3000000},   /* 4300003 -> max(3000000, G) = 3000000, in [G, 6G] */
    {G, 3000000, 7, true, 2000006},   /* 3000000, then cap 2G = 2000006 */
    {G, 0, 3, true, G},               /* G -> max(0, G) = G */
    {G, 5000000, 13, true, G},        /* 5000000 -> cap G */
    {G, 0, 4, true, G},               /* clamp low bound: penalty == lo == G */
    /* saturation near U64_MAX, gran = 2^61 (6 * gran = 13835058055282163712
     * still fits; U64_MAX - gran = 16140901064495857663) */
    /* need = 2^63: weighted = 2^63 + 922337203685477580 = 10145709240540253388
     * <= U64_MAX - gran -> penalty = 2^61 + that = 12451552249753947340 < 6 * gran */
    {1ULL << 61, 1ULL << 63, 2, false, 12451552249753947340ULL},
    /* need = 15e18: weighted = 16.5e18 > U64_MAX - gran -> saturated, penalty
     * = U64_MAX -> cap 6 * gran = 13835058055282163712 (a wrapping sum would
     * give 359098935504142336 and then gran) */
    {1ULL << 61, 15000000000000000000ULL, 2, false, 13835058055282163712ULL},
    /* need = U64_MAX - 5: need + need/10 wraps BEFORE the saturation test:
     * 18446744073709551610 + 1844674407370955161 - 2^64 = 1844674407370955155,
     * which passes the test; penalty = 2^61 + 1844674407370955155 =
     * 4150517416584649107 < 6 * gran (the patch as written; a saturating sum
     * would have given 6 * gran) */
    {1ULL << 61, U64_MAX - 5, 2, false, 4150517416584649107ULL},
    /* the raw u64 need across the vruntime wrap: target at 2^64 - 400000,
     * yielder at 100 -> need = 18446744073709151516; need/10 =
     * 1844674407370915151; the sum wraps to 1844674407370515051; + 2800000
     * -> cap 6 * 2800000 = 16800000 (wrap-aware, need would be 0: 2800000) */
    {2800000, 18446744073709151516ULL, 2, false, 16800000},
    /* gran * k overflowing: gran = 2^62 + 4, h = 3: maxp = 4 * gran mod 2^64
     * = 16 < gran.  clamp(v, lo, hi) tests v >= hi first -> 16, below gran. */
    {(1ULL << 62) + 4, 5, 3, false, 16},
    /* ... and with need == 0 the base (15 * gran mod 2^64) / 16 =
     * (3 * 2^62 + 60) / 16 = 3 * 2^58 + 3 = 864691128455135235 > 16 wins:
     * the only way a baseline takes effect */
    {(1ULL << 62) + 4, 0, 3, false, 864691128455135235ULL},
};
#undef G

START_TEST(test_penalty_vectors)
{
    const struct penalty_vector *v = &penalty_vectors[_i];
    u64 got = deboost_penalty(v->gran, v->need, v->h, v->reverse);

    ck_assert_msg(got == v->expect, "vector %d: gran %llu need %llu h %u rev %d: got %llu, want %llu",
                  _i, (unsigned long long)v->gran, (unsigned long long)v->need, v->h, v->reverse,
                  (unsigned long long)got, (unsigned long long)v->expect);
}
END_TEST

/* ---- a one- or two-CPU host built by hand ---- */

#define MINI_TASKS 8
#define MINI_TGS 6

struct mini {
    struct sim sim;
    struct scenario sc;           /* knobs and features only */
    struct rq rqs[2];
    struct task_group *tg[MINI_TGS];
    unsigned int nr_tg;
    struct task_struct t[MINI_TASKS];
    unsigned int nr_t;
};

/* Far from the u64 wrap, so that the patch's raw comparisons hold. */
#define X 1000000000ULL
#define T0 (100 * MS)

static void mini_init(struct mini *m, unsigned int nr_cpus, u64 now)
{
    memset(m, 0, sizeof(*m));
    sim_engine_init(&m->sim.eng, &m->sim);
    m->sim.eng.now = now;
    m->sc.kernel.profile = KERNEL_6_18;
    sched_feat_defaults(KERNEL_6_18, m->sc.kernel.feat);
    m->sc.policy.vcpu_debooster_enabled = true;
    m->sc.policy.ipi_tracking_enabled = true;
    m->sc.policy.ipi_window_ns = 50 * MS;
    m->sc.policy.enable_relaxed_boost = true;
    m->sim.sc = &m->sc;
    m->sim.params.profile = KERNEL_6_18;
    memcpy(m->sim.params.feat, m->sc.kernel.feat, sizeof(m->sim.params.feat));
    m->sim.params.hz = 250;
    m->sim.params.tick_nsec = 4000000;
    m->sim.params.normalized_sysctl_sched_base_slice = 700000;
    m->sim.params.sysctl_sched_base_slice = 2800000;
    m->sim.nr_cpus = nr_cpus;
    m->sim.rqs = m->rqs;
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
        init_rq(&m->sim, &m->rqs[cpu], cpu);
    m->tg[m->nr_tg++] = task_group_new(&m->sim, "/", NULL, 1024);
    m->sim.yt_policy = &yield_to_policy_mainline;
}

static void mini_destroy(struct mini *m)
{
    for (unsigned int i = m->nr_tg; i-- > 0;)
        task_group_free(&m->sim, m->tg[i]);
    sim_engine_destroy(&m->sim.eng);
}

static struct task_group *mini_group(struct mini *m, const char *path, struct task_group *parent,
                                     unsigned long shares)
{
    ck_assert_uint_lt(m->nr_tg, MINI_TGS);
    m->tg[m->nr_tg] = task_group_new(&m->sim, path, parent, shares);
    return m->tg[m->nr_tg++];
}

/* A task in @tg on @cpu, enqueued (not running). */
static struct task_struct *mini_task(struct mini *m, struct task_group *tg, unsigned int cpu,
                                     int nice)
{
    struct task_struct *p = &m->t[m->nr_t];

    ck_assert_uint_lt(m->nr_t, MINI_TASKS);
    m->nr_t++;
    p->pid = m->nr_t;
    p->static_prio = 120 + nice;
    set_load_weight(p);
    p->sched_task_group = tg;
    p->__state = TASK_RUNNING;
    p->cpu = cpu;
    hist_init(&p->stats.run_ns);
    attach_entity_to_group(&m->sim, &p->se, tg, cpu);
    enqueue_task_fair(&m->sim, cpu_rq(&m->sim, cpu), p, 0);
    p->on_rq = TASK_ON_RQ_QUEUED;
    return p;
}

/* Make queued @p the running task of its CPU (every level of its chain). */
static void mini_run(struct mini *m, struct task_struct *p)
{
    struct rq *rq = cpu_rq(&m->sim, p->cpu);

    set_next_task_fair(&m->sim, rq, p);
    rq->curr = p;
    p->on_cpu = true;
}

/* Put @se at vruntime @v, deadline @d, keeping the queue's sums right; a
 * curr entity gets full slice protection (vprot = deadline). */
static void mini_place(struct sched_entity *se, u64 v, u64 d)
{
    struct cfs_rq *q = cfs_rq_of(se);

    if (se->on_tree) {
        __dequeue_entity(q, se);
        se->vruntime = v;
        se->deadline = d;
        __enqueue_entity(q, se);
    } else {
        se->vruntime = v;
        se->deadline = d;
        if (q->curr == se)
            se->vprot = d;
    }
}

static struct sched_entity *gse(struct task_group *tg)
{
    return tg->se[0];
}

static void mini_check_sane(struct mini *m)
{
    for (unsigned int cpu = 0; cpu < m->sim.nr_cpus; cpu++)
        for (unsigned int i = 0; i < m->nr_tg; i++)
            ck_assert(cfs_rq_sane(m->tg[i]->cfs_rq[cpu]));
}

/* V - v of @se on its queue. */
static s64 lag_of(struct sched_entity *se)
{
    return (s64)(avg_vruntime(cfs_rq_of(se)) - se->vruntime);
}

/* ---- 2. deboost-v2: rate limit ---- */

/* Flat: A runs, B and C queued, all nice 0, far from the wrap. */
static void flat3(struct mini *m, u64 now, struct task_struct **A, struct task_struct **B,
                  struct task_struct **C)
{
    mini_init(m, 1, now);
    *A = mini_task(m, m->tg[0], 0, 0);
    *B = mini_task(m, m->tg[0], 0, 0);
    *C = mini_task(m, m->tg[0], 0, 0);
    mini_run(m, *A);
    mini_place(&(*A)->se, X, X + 2800000);
    mini_place(&(*B)->se, X + 500000, X + 3300000);
    mini_place(&(*C)->se, X + 600000, X + 3400000);
    m->sim.yt_policy = &yield_to_policy_deboost_v2;
}

START_TEST(test_rate_limit_5_9_vs_6_1)
{
    struct mini m;
    struct task_struct *A, *B, *C;
    struct rq *rq;

    flat3(&m, T0, &A, &B, &C);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 1);
    ck_assert_uint_eq(rq->yield_deboost_last_time_ns, T0);

    /* 5.9 ms later: refused, and the refusal does not move the stamp */
    m.sim.eng.now = T0 + 5900 * US;
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq, C));
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_skip_rate_limited, 1);
    ck_assert_uint_eq(rq->yield_deboost_last_time_ns, T0);

    /* 6.1 ms after the first: applied again */
    m.sim.eng.now = T0 + 6100 * US;
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq, C));
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 2);
    ck_assert_uint_eq(rq->yield_deboost_last_time_ns, T0 + 6100 * US);
    ck_assert_uint_eq(m.sim.pstats.deboost_attempts, 3);
    ck_assert_uint_eq(m.sim.pstats.yield_to_calls, 3);
    ck_assert_uint_eq(m.sim.pstats.yield_to_true, 3);
    mini_check_sane(&m);
    mini_destroy(&m);
}
END_TEST

/* The comparison is "<= 6 ms": exactly 6 ms is still refused; 0 = never. */
START_TEST(test_rate_limit_edges)
{
    struct mini m;
    struct rq *rq;

    mini_init(&m, 1, 0);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(!yield_deboost_rate_limit(rq)); /* at t = 0: records 0 = "never" */
    m.sim.eng.now = 1000;
    ck_assert(!yield_deboost_rate_limit(rq)); /* so 1 us later passes */
    ck_assert_uint_eq(rq->yield_deboost_last_time_ns, 1000);
    m.sim.eng.now = 1000 + 6 * MS;
    ck_assert(yield_deboost_rate_limit(rq));
    m.sim.eng.now = 1000 + 6 * MS + 1;
    ck_assert(!yield_deboost_rate_limit(rq));
    ck_assert_uint_eq(rq->yield_deboost_last_time_ns, 1000 + 6 * MS + 1);
    mini_destroy(&m);
}
END_TEST

/* ---- 3. deboost-v2: validation ---- */

START_TEST(test_validation_failures)
{
    struct mini m;
    struct task_struct *A, *B, *R, *Z;
    struct rq *rq0, *rq1;
    struct policy_stats *st = &m.sim.pstats;

    mini_init(&m, 2, T0);
    A = mini_task(&m, m.tg[0], 0, 0);
    B = mini_task(&m, m.tg[0], 0, 0);
    R = mini_task(&m, m.tg[0], 1, 0); /* on the other CPU */
    mini_run(&m, A);
    mini_place(&A->se, X, X + 2800000);
    mini_place(&B->se, X + 500000, X + 3300000);
    rq0 = cpu_rq(&m.sim, 0);
    rq1 = cpu_rq(&m.sim, 1);
    (void)rq1;
    m.sim.yt_policy = &yield_to_policy_deboost_v2;

    /* target == yielder (the core's yield_to() would have returned 0 for a
     * running target; the policy is called directly) */
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq0, A));
    ck_assert_uint_eq(st->deboost_skip_validation, 1);
    /* ... and it used up the 6 ms window: the rate limit runs first */
    ck_assert_uint_eq(rq0->yield_deboost_last_time_ns, T0);
    m.sim.eng.now += MS;
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq0, B));
    ck_assert_uint_eq(st->deboost_skip_rate_limited, 1);
    ck_assert_uint_eq(st->deboost_applied, 0);

    /* target on another rq */
    m.sim.eng.now += 7 * MS;
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq0, R));
    ck_assert_uint_eq(st->deboost_skip_validation, 2);

    /* target not on_rq: yield_to_task_fair() already returns false; the
     * helper's own check, called directly */
    Z = &m.t[m.nr_t++];
    Z->pid = m.nr_t;
    Z->cpu = 0;
    Z->static_prio = 120;
    set_load_weight(Z);
    attach_entity_to_group(&m.sim, &Z->se, m.tg[0], 0);
    m.sim.eng.now += 7 * MS;
    ck_assert(!m.sim.yt_policy->yield_to_task(&m.sim, rq0, Z));
    ck_assert_uint_eq(st->yield_to_false, 1);
    ck_assert_ptr_null(yield_deboost_validate_tasks(rq0, Z));
    ck_assert_uint_eq(st->deboost_skip_validation, 3);

    /* yielder not on_rq */
    m.sim.eng.now += 7 * MS;
    A->se.on_rq = false;
    ck_assert_ptr_null(yield_deboost_validate_tasks(rq0, B));
    A->se.on_rq = true;
    ck_assert_uint_eq(st->deboost_skip_validation, 4);

    /* no task running (rq->donor NULL) */
    m.sim.eng.now += 7 * MS;
    rq0->curr = NULL;
    ck_assert_ptr_null(yield_deboost_validate_tasks(rq0, B));
    rq0->curr = A;
    ck_assert_uint_eq(st->deboost_skip_validation, 5);

    /* NULL target: refused before the clock and the rate limit */
    m.sim.eng.now += 7 * MS;
    rq0->yield_deboost_last_time_ns = 0;
    yield_to_deboost(rq0, NULL);
    ck_assert_uint_eq(st->deboost_skip_validation, 6);
    ck_assert_uint_eq(rq0->yield_deboost_last_time_ns, 0);

    /* all checks pass */
    ck_assert_ptr_eq(yield_deboost_validate_tasks(rq0, B), A);

    /* disabled: nothing is read or written, not even the rate limit */
    m.sim.eng.now += 7 * MS;
    m.sc.policy.vcpu_debooster_enabled = false;
    rq0->yield_deboost_last_time_ns = 0;
    yield_to_deboost(rq0, B);
    ck_assert_uint_eq(st->deboost_skip_disabled, 1);
    ck_assert_uint_eq(rq0->yield_deboost_last_time_ns, 0);
    /* yield_to_deboost() ran 5 times (the direct helper calls are not
     * attempts) */
    ck_assert_uint_eq(st->deboost_attempts, 5);
    mini_destroy(&m);
}
END_TEST

/* ---- 4. deboost-v2: the LCA ---- */

START_TEST(test_find_lca)
{
    struct mini m;
    struct task_group *A, *Aa, *B;
    struct task_struct *O1, *O2, *Y, *S, *T;
    struct sched_entity *y, *t, sentinel;
    struct cfs_rq *q;

    mini_init(&m, 1, T0);
    A = mini_group(&m, "/A", m.tg[0], 1024);
    Aa = mini_group(&m, "/A/a", A, 1024);
    B = mini_group(&m, "/B", m.tg[0], 1024);
    O1 = mini_task(&m, m.tg[0], 0, 0);
    O2 = mini_task(&m, m.tg[0], 0, 0);
    Y = mini_task(&m, Aa, 0, 0);
    S = mini_task(&m, A, 0, 0);
    T = mini_task(&m, B, 0, 0);

    /* flat: both tasks on the root queue (h_nr_queued = 5) */
    ck_assert(yield_deboost_find_lca(&O1->se, &O2->se, &y, &t, &q));
    ck_assert_ptr_eq(y, &O1->se);
    ck_assert_ptr_eq(t, &O2->se);
    ck_assert_ptr_eq(q, &m.rqs[0].cfs);
    ck_assert_uint_eq(q->h_nr_queued, 5);

    /* nested: Y in /A/a against S in /A meet on /A's queue */
    ck_assert(yield_deboost_find_lca(&Y->se, &S->se, &y, &t, &q));
    ck_assert_ptr_eq(y, gse(Aa));
    ck_assert_ptr_eq(t, &S->se);
    ck_assert_ptr_eq(q, A->cfs_rq[0]);
    ck_assert_uint_eq(q->h_nr_queued, 2);
    /* and the other way round */
    ck_assert(yield_deboost_find_lca(&S->se, &Y->se, &y, &t, &q));
    ck_assert_ptr_eq(y, &S->se);
    ck_assert_ptr_eq(t, gse(Aa));

    /* cross-cgroup: /A/a against /B meet at the root */
    ck_assert(yield_deboost_find_lca(&Y->se, &T->se, &y, &t, &q));
    ck_assert_ptr_eq(y, gse(A));
    ck_assert_ptr_eq(t, gse(B));
    ck_assert_ptr_eq(q, &m.rqs[0].cfs);

    /* group against root task */
    ck_assert(yield_deboost_find_lca(&Y->se, &O1->se, &y, &t, &q));
    ck_assert_ptr_eq(y, gse(A));
    ck_assert_ptr_eq(t, &O1->se);

    /* no contention: the common queue's h_nr_queued <= 1 (h_nr_queued of
     * the LCA queue, not nr_queued); outputs untouched */
    y = t = &sentinel;
    q = NULL;
    A->cfs_rq[0]->h_nr_queued = 1;
    ck_assert(!yield_deboost_find_lca(&Y->se, &S->se, &y, &t, &q));
    ck_assert_ptr_eq(y, &sentinel);
    ck_assert_ptr_eq(t, &sentinel);
    ck_assert_ptr_null(q);
    A->cfs_rq[0]->h_nr_queued = 2;
    mini_destroy(&m);
}
END_TEST

/* ---- 5. deboost-v2: penalty application ---- */

/* Two nice-0 tasks: A runs at X, B queued at X + 0.5 ms. */
static void flat2(struct mini *m, u64 now, u64 va, u64 vb, struct task_struct **A,
                  struct task_struct **B)
{
    mini_init(m, 1, now);
    *A = mini_task(m, m->tg[0], 0, 0);
    *B = mini_task(m, m->tg[0], 0, 0);
    mini_run(m, *A);
    mini_place(&(*A)->se, va, va + 2800000);
    mini_place(&(*B)->se, vb, vb + 2800000);
}

START_TEST(test_deboost_flat_exact)
{
    struct mini m, f;
    struct task_struct *A, *B, *fA, *fB;
    struct rq *rq;

    /* gran = calc_delta_fair(2800000, nice 0) = 2800000; need = 500000;
     * penalty = 2800000 + 500000 + 50000 = 3350000 (h = 2: cap 16800000) */
    flat2(&m, T0, X, X + 500000, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    m.sim.yt_policy = &yield_to_policy_deboost_v2;
    ck_assert(m.sim.yt_policy->yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(A->se.vruntime, X + 3350000);
    /* deadline = new vruntime + calc_delta_fair(slice) */
    ck_assert_uint_eq(A->se.deadline, X + 3350000 + 2800000);
    /* the forfeit that follows finds A ineligible: V = X + (3350000 +
     * 500000) / 2 = X + 1925000 < X + 3350000, so nothing more */
    ck_assert(!entity_eligible(&rq->cfs, &A->se));
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_penalty_ns.count, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_penalty_ns.max, 3350000);
    ck_assert_uint_eq(A->se.deboost_penalty_pending, 3350000);
    /* the pair was recorded */
    ck_assert_int_eq(rq->yield_deboost_last_src_pid, (int)A->pid);
    ck_assert_int_eq(rq->yield_deboost_last_dst_pid, (int)B->pid);
    ck_assert_uint_eq(rq->yield_deboost_last_pair_time_ns, T0);
    ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), B);

    /* a later lag evaluation of A that does not clamp: lag = -1425000,
     * bound calc_delta_fair(max(5600000, 4000000)) = 5600000 */
    update_entity_lag(&m.sim, &rq->cfs, &A->se);
    ck_assert_int_eq(A->se.vlag, -1425000);
    ck_assert_uint_eq(m.sim.pstats.deboost_lag_checks, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_lag_clamp_cut, 0);
    ck_assert_uint_eq(A->se.deboost_penalty_pending, 0);
    mini_check_sane(&m);

    /* the forfeit policy on the same state: A eligible (V = X + 250000)
     * forfeits: v = X + 2800000, d = X + 5600000 */
    flat2(&f, T0, X, X + 500000, &fA, &fB);
    ck_assert(yield_to_policy_forfeit.yield_to_task(&f.sim, cpu_rq(&f.sim, 0), fB));
    ck_assert_uint_eq(fA->se.vruntime, X + 2800000);
    ck_assert_uint_eq(fA->se.deadline, X + 5600000);
    mini_destroy(&f);
    mini_destroy(&m);
}
END_TEST

/* The lag clamp at a later dequeue cuts into a penalty. */
START_TEST(test_deboost_lag_clamp_cut)
{
    struct mini m;
    struct task_struct *A, *B;
    struct rq *rq;

    /* A 10 ms ahead of B: need = 0 (raw B > A false) -> penalty = gran =
     * 2800000 (h = 2, base = gran) */
    flat2(&m, T0, X + 10000000, X, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(A->se.vruntime, X + 12800000);
    ck_assert_uint_eq(A->se.deadline, X + 15600000);
    /* A's lag: V = X + 6400000, lag = -6400000 < -5600000: the clamp cuts
     * 800000 of the 2800000 penalty */
    m.sim.params.feat[SF_DELAY_DEQUEUE] = false;
    ck_assert(dequeue_entity(&m.sim, &rq->cfs, &A->se, DEQUEUE_SLEEP));
    ck_assert_int_eq(A->se.vlag, -5600000);
    ck_assert_uint_eq(m.sim.pstats.deboost_lag_checks, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_lag_clamp_cut, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_lag_clamp_cut_ns, 800000);
    ck_assert_uint_eq(A->se.deboost_penalty_pending, 0);
    mini_destroy(&m);
}
END_TEST

/* Nested: Y in /A (with S), target T on the root: LCA = (se(/A), T). */
START_TEST(test_deboost_nested_exact)
{
    struct mini m;
    struct task_group *A;
    struct task_struct *Y, *S, *T;
    struct rq *rq;

    mini_init(&m, 1, T0);
    A = mini_group(&m, "/A", m.tg[0], 2048); /* weight 2097152 on one CPU */
    Y = mini_task(&m, A, 0, 0);
    S = mini_task(&m, A, 0, 0);
    T = mini_task(&m, m.tg[0], 0, 0);
    mini_run(&m, Y);
    rq = cpu_rq(&m.sim, 0);
    ck_assert_uint_eq(gse(A)->load.weight, 2097152);
    ck_assert_uint_eq(gse(A)->slice, 2800000);
    mini_place(gse(A), X, X + 1399999);
    mini_place(&T->se, X + 2000000, X + 4800000);
    mini_place(&Y->se, X, X + 2800000);
    mini_place(&S->se, X + 100000, X + 2900000);

    /* gran = calc_delta_fair(2800000, weight 2097152, computed inverse)
     *      = 1399999 (reference 1.6);
     * need = 2000000 -> 2000000 + 200000 = 2200000; penalty = 3599999;
     * root h_nr_queued = 3 -> cap 4 * 1399999 = 5599996 -> 3599999 */
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, T));
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 1);
    ck_assert_uint_eq(gse(A)->vruntime, X + 3599999);
    /* deadline = v + calc_delta_fair(se->slice = 2800000) = v + 1399999 */
    ck_assert_uint_eq(gse(A)->deadline, X + 3599999 + 1399999);
    /* the leaf forfeit: Y eligible among Y, S (V = X + 50000) */
    ck_assert_uint_eq(Y->se.vruntime, X + 2800000);
    ck_assert_uint_eq(Y->se.deadline, X + 5600000);
    ck_assert_uint_eq(S->se.vruntime, X + 100000);
    ck_assert_ptr_eq(rq->cfs.next, &T->se);
    mini_check_sane(&m);
    ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), T);
    mini_destroy(&m);
}
END_TEST

/* What the raw u64 arithmetic does near the wrap of vruntime. */
START_TEST(test_deboost_wrap)
{
    struct mini m;
    struct task_struct *A, *B;
    struct rq *rq;
    u64 v0 = (u64)(-(1LL << 20)), va;

    /* At the kernel's initial zero point: vruntime > U64_MAX - penalty, so
     * apply_penalty() refuses; the pair is recorded all the same. */
    flat2(&m, T0, v0, v0 + 500000, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(m.sim.pstats.deboost_skip_overflow, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 0);
    ck_assert_int_eq(rq->yield_deboost_last_dst_pid, (int)B->pid);
    /* the forfeit still happened (A eligible: V = v0 + 250000) */
    ck_assert_uint_eq(A->se.vruntime, v0 + 2800000);
    mini_destroy(&m);

    /* Yielder just past the wrap (100), target 400100 behind it (at 2^64 -
     * 400000): the raw '>' sees a gap of 2^64 - 400100 -> cap 16800000
     * (vector above), where a wrap-aware gap of 0 would give 2800000. */
    flat2(&m, T0, 100, U64_MAX - 399999, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 1);
    va = 100 + 16800000;
    ck_assert_uint_eq(A->se.vruntime, va);
    ck_assert_uint_eq(A->se.deadline, va + 2800000);
    mini_check_sane(&m);
    mini_destroy(&m);
}
END_TEST

/* The reverse-pair debounce, and why the 6 ms rate limit hides it. */
START_TEST(test_debounce)
{
    struct mini m;
    struct task_struct *A, *B;
    struct rq *rq;

    /* Normal case: A -> B at 100 ms, B -> A 300 us later: the second pass
     * is rate-limited before the debounce is ever looked at. */
    flat2(&m, T0, X, X + 500000, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, B));
    m.sim.eng.now = T0 + 300 * US;
    ck_assert_ptr_eq(pick_next_task_fair(&m.sim, rq, A), B);
    rq->curr = B;
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, A));
    ck_assert_uint_eq(m.sim.pstats.deboost_skip_rate_limited, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_debounced, 0);
    mini_destroy(&m);

    /* Only a first pass at rq_clock == 0 leaves the limit disarmed. */
    flat2(&m, 0, X, X + 500000, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(A->se.vruntime, X + 3350000); /* as in the flat case */
    m.sim.eng.now = 300 * US;
    /* put_prev: A ran 300 us more: X + 3650000 */
    ck_assert_ptr_eq(pick_next_task_fair(&m.sim, rq, A), B);
    rq->curr = B;
    ck_assert_uint_eq(A->se.vruntime, X + 3650000);
    /* B -> A: need = 3650000 - 500000 = 3150000; 2800000 + 3150000 + 315000
     * = 6265000; reverse pair within 600 us -> min(6265000, max(3150000,
     * 2800000)) = 3150000, inside [2800000, 16800000] */
    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&m.sim, rq, A));
    ck_assert_uint_eq(m.sim.pstats.deboost_debounced, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_debounce_reduced, 1);
    ck_assert_uint_eq(m.sim.pstats.deboost_applied, 2);
    ck_assert_uint_eq(m.sim.pstats.deboost_penalty_ns.sum, 3350000 + 3150000);
    /* B: X + 500000 + 3150000 = X + 3650000 = v_A, so V = X + 3650000 and B
     * is still eligible: the forfeit then takes B to its new deadline
     * X + 3650000 + 2800000 = X + 6450000 and pushes that by 2800000 */
    ck_assert_uint_eq(B->se.vruntime, X + 6450000);
    ck_assert_uint_eq(B->se.deadline, X + 9250000);
    mini_destroy(&m);
}
END_TEST

/* With vcpu_debooster_enabled = false, deboost-v2 == forfeit, field by field. */

static void nested_setup(struct mini *m, struct task_struct **Y, struct task_struct **T)
{
    struct task_group *A, *Aa, *B;
    struct task_struct *S, *O;

    mini_init(m, 1, T0);
    A = mini_group(m, "/A", m->tg[0], 1024);
    Aa = mini_group(m, "/A/a", A, 512);
    B = mini_group(m, "/B", m->tg[0], 3000);
    *Y = mini_task(m, Aa, 0, 1);
    S = mini_task(m, Aa, 0, -2);
    *T = mini_task(m, B, 0, 0);
    O = mini_task(m, A, 0, 3);
    mini_run(m, *Y);
    mini_place(gse(A), X, X + 2800000);
    mini_place(gse(B), X + 700000, X + 1000000);
    mini_place(gse(Aa), X + 5, X + 3000000);
    mini_place(&O->se, X + 20000, X + 4000000);
    mini_place(&(*Y)->se, X, X + 3496585);
    mini_place(&S->se, X + 30000, X + 2000000);
}

static int ent_id(struct mini *m, const struct sched_entity *se)
{
    if (!se)
        return -1;
    for (unsigned int i = 0; i < m->nr_t; i++)
        if (se == &m->t[i].se)
            return (int)i;
    for (unsigned int i = 1; i < m->nr_tg; i++)
        if (se == gse(m->tg[i]))
            return 100 + (int)i;
    return -2;
}

static void assert_same_se(const struct sched_entity *a, const struct sched_entity *b)
{
    ck_assert_uint_eq(a->vruntime, b->vruntime);
    ck_assert_uint_eq(a->deadline, b->deadline);
    ck_assert_uint_eq(a->vprot, b->vprot); /* = vlag (union) */
    ck_assert_uint_eq(a->slice, b->slice);
    ck_assert_uint_eq(a->load.weight, b->load.weight);
    ck_assert_uint_eq(a->exec_start, b->exec_start);
    ck_assert_uint_eq(a->sum_exec_runtime, b->sum_exec_runtime);
    ck_assert_int_eq(a->on_rq, b->on_rq);
    ck_assert_int_eq(a->rel_deadline, b->rel_deadline);
    ck_assert_uint_eq(a->deboost_penalty_pending, b->deboost_penalty_pending);
}

START_TEST(test_disabled_equals_forfeit)
{
    struct mini a, b;
    struct task_struct *Ya, *Ta, *Yb, *Tb;
    struct rq *ra, *rb;

    nested_setup(&a, &Ya, &Ta);
    nested_setup(&b, &Yb, &Tb);
    a.sc.policy.vcpu_debooster_enabled = false;
    ra = cpu_rq(&a.sim, 0);
    rb = cpu_rq(&b.sim, 0);
    a.sim.eng.now = b.sim.eng.now = T0 + 1500 * US; /* Y ran 1.5 ms */

    ck_assert(yield_to_policy_deboost_v2.yield_to_task(&a.sim, ra, Ta));
    ck_assert(yield_to_policy_forfeit.yield_to_task(&b.sim, rb, Tb));
    ck_assert_uint_eq(a.sim.pstats.deboost_skip_disabled, 1);

    for (unsigned int i = 0; i < a.nr_t; i++)
        assert_same_se(&a.t[i].se, &b.t[i].se);
    for (unsigned int i = 1; i < a.nr_tg; i++)
        assert_same_se(gse(a.tg[i]), gse(b.tg[i]));
    for (unsigned int i = 0; i < a.nr_tg; i++) {
        struct cfs_rq *qa = a.tg[i]->cfs_rq[0], *qb = b.tg[i]->cfs_rq[0];

        ck_assert_int_eq(ent_id(&a, qa->next), ent_id(&b, qb->next));
        ck_assert_int_eq(ent_id(&a, qa->curr), ent_id(&b, qb->curr));
        ck_assert_int_eq(qa->sum_w_vruntime, qb->sum_w_vruntime);
        ck_assert_uint_eq(qa->sum_weight, qb->sum_weight);
        ck_assert_uint_eq(qa->zero_vruntime, qb->zero_vruntime);
        ck_assert_uint_eq(qa->load.weight, qb->load.weight);
    }
    ck_assert_int_eq(ra->need_resched, rb->need_resched);
    /* the patch-1 state is untouched */
    ck_assert_uint_eq(ra->yield_deboost_last_time_ns, 0);
    ck_assert_int_eq(ra->yield_deboost_last_src_pid, -1);
    ck_assert_int_eq(ra->yield_deboost_last_dst_pid, -1);
    ck_assert_uint_eq(ra->yield_deboost_last_pair_time_ns, 0);
    ck_assert_int_eq(ent_id(&a, &pick_task_fair(&a.sim, ra)->se),
                     ent_id(&b, &pick_task_fair(&b.sim, rb)->se));
    mini_destroy(&a);
    mini_destroy(&b);
}
END_TEST

/* ---- 6. buddy vs forfeit on kernel-mechanisms 4.2 ---- */

/* One CPU, A runs with v = v0, d = v0 + 2.8 ms; B queued at v0 + 0.5 ms,
 * d = v0 + 3.3 ms, at the kernel's initial zero point v0. */
static void example_42(struct mini *m, bool feature_forfeit, struct task_struct **A,
                       struct task_struct **B)
{
    u64 v0 = (u64)(-(1LL << 20));

    mini_init(m, 1, T0);
    m->sim.params.feat[SF_YIELD_FORFEIT] = feature_forfeit;
    *A = mini_task(m, m->tg[0], 0, 0);
    *B = mini_task(m, m->tg[0], 0, 0);
    mini_run(m, *A);
    mini_place(&(*A)->se, v0, v0 + 2800000);
    mini_place(&(*B)->se, v0 + 500000, v0 + 3300000);
    /* V = v0 + 250000: A eligible, B not */
    ck_assert_uint_eq(avg_vruntime(&m->rqs[0].cfs), v0 + 250000);
}

START_TEST(test_buddy_vs_forfeit_42)
{
    struct mini m;
    struct task_struct *A, *B;
    struct rq *rq;
    u64 v0 = (u64)(-(1LL << 20));

    /* buddy, even with the forfeit feature on: deadline push only; B stays
     * ineligible, so the buddy is skipped and protected A runs again */
    example_42(&m, true, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_buddy.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(A->se.vruntime, v0);
    ck_assert_uint_eq(A->se.deadline, v0 + 5600000);
    ck_assert_ptr_eq(rq->cfs.next, &B->se);
    ck_assert(!entity_eligible(&rq->cfs, &B->se));
    ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), A);
    mini_destroy(&m);

    /* forfeit, even with the feature off: v_A = 2.8 ms, d_A = 5.6 ms,
     * V = v0 + 1650000: B eligible and the buddy -> B */
    example_42(&m, false, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(yield_to_policy_forfeit.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(A->se.vruntime, v0 + 2800000);
    ck_assert_uint_eq(A->se.deadline, v0 + 5600000);
    ck_assert_uint_eq(avg_vruntime(&rq->cfs), v0 + 1650000);
    ck_assert(entity_eligible(&rq->cfs, &B->se));
    ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), B);
    ck_assert_uint_eq(m.sim.pstats.yield_to_true, 1);
    mini_destroy(&m);
}
END_TEST

/* ---- 7. prateek-proportional ---- */

/*
 * root: se(/P) (shares 2048 -> weight 2097152), O (nice 0, the target)
 * /P:   se(/P/a) (shares 1024 -> 1048576), Q (nice 5, 343040)
 * /P/a: Y (nice 1, 839680, the yielder), S (nice 0, 1048576)
 */
static void prateek_setup(struct mini *m, bool top_eligible, struct task_struct **Y,
                          struct task_struct **O, struct task_group **P, struct task_group **Pa)
{
    struct task_struct *Q, *S;

    mini_init(m, 1, T0);
    *P = mini_group(m, "/P", m->tg[0], 2048);
    *Pa = mini_group(m, "/P/a", *P, 1024);
    *O = mini_task(m, m->tg[0], 0, 0);
    Q = mini_task(m, *P, 0, 5);
    *Y = mini_task(m, *Pa, 0, 1);
    S = mini_task(m, *Pa, 0, 0);
    mini_run(m, *Y);
    ck_assert_uint_eq(gse(*P)->load.weight, 2097152);
    ck_assert_uint_eq(gse(*Pa)->load.weight, 1048576);
    ck_assert_uint_eq((*Pa)->cfs_rq[0]->load.weight, 839680 + 1048576);
    ck_assert_uint_eq((*P)->cfs_rq[0]->load.weight, 1048576 + 343040);
    /* root: se(/P) at R = X, O at X + 300000 (eligible: V = X + 100000) or
     * at X - 300000 (then V = X - 100000: se(/P) ineligible) */
    mini_place(gse(*P), X, X + 400000);
    mini_place(&(*O)->se, top_eligible ? X + 300000 : X - 300000, X + 3000000);
    /* /P: se(/P/a) at X, Q at X + 200000: se(/P/a) eligible; its deadline
     * X + 2800000 is not reached by the push */
    mini_place(gse(*Pa), X, X + 2800000);
    mini_place(&Q->se, X + 200000, X + 3000000);
    /* /P/a: Y at X (eligible), S at X + 100000; Y's vslice 3496585 */
    mini_place(&(*Y)->se, X, X + 3496585);
    mini_place(&S->se, X + 100000, X + 2900000);
}

START_TEST(test_prateek_two_levels)
{
    struct mini m;
    struct task_struct *Y, *O;
    struct task_group *P, *Pa;

    prateek_setup(&m, true, &Y, &O, &P, &Pa);
    ck_assert(yield_to_policy_prateek_proportional.yield_to_task(&m.sim, cpu_rq(&m.sim, 0), O));
    /* leaf forfeit: Y eligible -> v = d = X + 3496585, d += 3496585 */
    ck_assert_uint_eq(Y->se.vruntime, X + 3496585);
    ck_assert_uint_eq(Y->se.deadline, X + 6993170);
    /* level 1, se(/P/a): weight = 839680, gw = 839680 + 1048576 = 1888256;
     * push = calc_delta_fair(2800000, w 1048576) * 839680 / 1888256
     *      = 2351104000000 / 1888256 = 1245119 (.3);
     * deadline X + 2800000 not reached: unchanged */
    ck_assert_uint_eq(gse(Pa)->vruntime, X + 1245119);
    ck_assert_uint_eq(gse(Pa)->deadline, X + 2800000);
    /* weight = 1048576 * 839680 / 1888256 = 466286 (.5) */
    /* level 2, se(/P): gw = 1048576 + 343040 = 1391616;
     * push = calc_delta_fair(2800000, w 2097152) * 466286 / 1391616
     *      = 1399999 * 466286 / 1391616 = 652799933714 / 1391616 = 469094 (.9);
     * v = X + 469094 >= d = X + 400000: update_deadline renews it to
     * v + calc_delta_fair(se->slice = 2800000) = X + 469094 + 1399999 */
    ck_assert_uint_eq(gse(P)->vruntime, X + 469094);
    ck_assert_uint_eq(gse(P)->deadline, X + 469094 + 1399999);
    ck_assert_uint_eq(gse(P)->slice, 2800000); /* custom slice kept */
    ck_assert_uint_eq(m.sim.pstats.prateek_levels_pushed, 2);
    ck_assert_uint_eq(m.sim.pstats.prateek_stop_ineligible, 0);
    ck_assert_uint_eq(m.sim.pstats.prateek_not_curr, 0);
    ck_assert_ptr_eq(m.rqs[0].cfs.next, &O->se);
    mini_check_sane(&m);
    mini_destroy(&m);
}
END_TEST

START_TEST(test_prateek_stops_at_ineligible)
{
    struct mini m;
    struct task_struct *Y, *O;
    struct task_group *P, *Pa;

    prateek_setup(&m, false, &Y, &O, &P, &Pa);
    ck_assert(yield_to_policy_prateek_proportional.yield_to_task(&m.sim, cpu_rq(&m.sim, 0), O));
    ck_assert_uint_eq(gse(Pa)->vruntime, X + 1245119);   /* pushed */
    ck_assert_uint_eq(gse(P)->vruntime, X);              /* ineligible: left alone */
    ck_assert_uint_eq(gse(P)->deadline, X + 400000);
    ck_assert_uint_eq(m.sim.pstats.prateek_levels_pushed, 1);
    ck_assert_uint_eq(m.sim.pstats.prateek_stop_ineligible, 1);
    mini_destroy(&m);
}
END_TEST

/* ---- 8. lag-credit-v3 ---- */

/* The margin function with the default constants. */
START_TEST(test_credit_margin)
{
    const struct yield_credit_params *p = &yield_credit_default_params;

    ck_assert_uint_eq(p->margin_num, YIELD_CREDIT_MARGIN_NUM);
    ck_assert_uint_eq(yield_credit_margin_ns(p, 2800000, 0), 0);
    ck_assert_uint_eq(yield_credit_margin_ns(p, 2800000, 1), 0);
    ck_assert_uint_eq(yield_credit_margin_ns(p, 2800000, 2), 700000);  /* 2.8M * 1 / 4 */
    ck_assert_uint_eq(yield_credit_margin_ns(p, 2800000, 3), 1400000); /* 2.8M * 2 / 4 */
    ck_assert_uint_eq(yield_credit_margin_ns(p, 2800000, 5), 2800000); /* 2.8M * 4 / 4 */
    ck_assert_uint_eq(yield_credit_margin_ns(p, 2800000, 50), 2800000);/* capped at 4 */
    ck_assert_uint_eq(yield_credit_margin_ns(p, 700001, 2), 175000);   /* 700001 / 4 */
}
END_TEST

/* The credit lands exactly on the requested lag; a margin above the legal
 * bound is cut to calc_delta_fair(max(2 * slice, TICK_NSEC)). */
START_TEST(test_credit_clamp_to_legal_lag)
{
    static const struct yield_credit_params big = {8, 1, 4}; /* 8 slices per competitor */
    struct mini m;
    struct task_struct *A, *B;
    struct cfs_rq *q;
    bool clamped;
    s64 vlag;

    flat2(&m, T0, X, X + 1000000, &A, &B);
    q = &m.rqs[0].cfs;
    ck_assert(!entity_eligible(q, &B->se)); /* lag -500000 */

    /* default: 700000 (nice 0: virtual == wall), below the bound */
    vlag = yield_credit_target_vlag(&m.sim, q, &B->se, &yield_credit_default_params, &clamped);
    ck_assert_int_eq(vlag, 700000);
    ck_assert(!clamped);
    /* big: 8 * 2800000 = 22400000 > bound max(5600000, 4000000) = 5600000 */
    vlag = yield_credit_target_vlag(&m.sim, q, &B->se, &big, &clamped);
    ck_assert_int_eq(vlag, 5600000);
    ck_assert(clamped);
    ck_assert_int_eq(vlag, entity_lag_limit(&m.sim, &B->se));

    /* the queued case: B leaves the tree, V' = v_A = X (curr alone),
     * lag inflated 5600000 * (1024 + 1024) / 1024 = 11200000,
     * v_B = X - 11200000, fresh deadline v_B + 2800000; back in the tree
     * V = X - 5600000 and B's lag is exactly the bound */
    eevdf_credit_entity_vlag(&m.sim, q, &B->se, vlag);
    ck_assert_uint_eq(B->se.vruntime, X - 11200000);
    ck_assert_uint_eq(B->se.deadline, X - 11200000 + 2800000);
    ck_assert_int_eq(lag_of(&B->se), 5600000);
    /* a lag evaluation keeps it whole: it is legal */
    update_entity_lag(&m.sim, q, &B->se);
    ck_assert_int_eq(B->se.vlag, 5600000);
    mini_check_sane(&m);
    mini_destroy(&m);
}
END_TEST

/* The off-tree curr case: a shared ancestor of yielder and target. */
START_TEST(test_credit_curr_in_place)
{
    struct mini m;
    struct task_group *A;
    struct task_struct *Y, *T, *O;
    struct cfs_rq *root;
    u64 v_before, d_before, p_before;

    mini_init(&m, 1, T0);
    A = mini_group(&m, "/A", m.tg[0], 1024);
    Y = mini_task(&m, A, 0, 0);
    T = mini_task(&m, A, 0, 0);
    O = mini_task(&m, m.tg[0], 0, 0);
    mini_run(&m, Y);
    root = &m.rqs[0].cfs;
    /* se(/A) is curr on the root and behind nothing: O at X, se(/A) at
     * X + 2000000 -> V = X + 1000000, se(/A) ineligible */
    mini_place(gse(A), X + 2000000, X + 4800000);
    gse(A)->vprot = X + 3000000;
    mini_place(&O->se, X, X + 2800000);
    mini_place(&Y->se, X, X + 2800000);
    mini_place(&T->se, X + 200000, X + 3000000);
    ck_assert(!entity_eligible(root, gse(A)));
    v_before = gse(A)->vruntime;
    d_before = gse(A)->deadline;
    p_before = gse(A)->vprot;

    /* target 700000 (nr_queued 2 at the root): others' V' = X, W' = 1024,
     * inflated 700000 * 2048 / 1024 = 1400000 -> v = X - 1400000; deadline
     * and vprot move by the same -3400000 */
    eevdf_credit_entity_vlag(&m.sim, root, gse(A), 700000);
    ck_assert_ptr_eq(root->curr, gse(A));
    ck_assert(gse(A)->on_rq);
    ck_assert_uint_eq(gse(A)->vruntime, X - 1400000);
    ck_assert_uint_eq(gse(A)->deadline, d_before - (v_before - (X - 1400000)));
    ck_assert_uint_eq(gse(A)->vprot, p_before - (v_before - (X - 1400000)));
    ck_assert_int_eq(lag_of(gse(A)), 700000);
    mini_check_sane(&m);
    mini_destroy(&m);
}
END_TEST

/* The policy: credit every ineligible level; forced resched once per 6 ms. */
START_TEST(test_lag_credit_policy)
{
    struct mini m;
    struct task_struct *A, *B;
    struct rq *rq;
    struct policy_stats *st = &m.sim.pstats;

    /* A runs at X (protected to X + 2800000), B queued at X + 1000000:
     * V = X + 500000, B's lag -500000 */
    flat2(&m, T0, X, X + 1000000, &A, &B);
    rq = cpu_rq(&m.sim, 0);
    ck_assert(protect_slice(&A->se));
    ck_assert(yield_to_policy_lag_credit_v3.yield_to_task(&m.sim, rq, B));
    /* B credited to 700000: V' = X, v_B = X - 1400000, d = X + 1400000 */
    ck_assert_uint_eq(B->se.vruntime, X - 1400000);
    ck_assert_uint_eq(B->se.deadline, X + 1400000);
    ck_assert_int_eq(lag_of(&B->se), 700000);
    /* then the forfeit finds A ineligible (V = X - 700000): unchanged; the
     * forced resched cancels A's protection */
    ck_assert_uint_eq(A->se.vruntime, X);
    ck_assert(!protect_slice(&A->se));
    ck_assert(rq->need_resched);
    ck_assert_uint_eq(st->credit_yields, 1);
    ck_assert_uint_eq(st->credit_levels, 1);
    ck_assert_uint_eq(st->credit_forced_resched, 1);
    ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), B);

    /* 1 ms later, B pushed behind again: credited again, but the forced
     * resched is rate-limited */
    m.sim.eng.now = T0 + MS;
    rq->need_resched = false;
    mini_place(&B->se, X + 3000000, X + 5800000);
    ck_assert(!entity_eligible(&rq->cfs, &B->se));
    ck_assert(yield_to_policy_lag_credit_v3.yield_to_task(&m.sim, rq, B));
    ck_assert_uint_eq(st->credit_levels, 2);
    ck_assert_uint_eq(st->credit_forced_resched, 1);
    ck_assert_uint_eq(st->credit_resched_rate_limited, 1);
    ck_assert(entity_eligible(&rq->cfs, &B->se));
    ck_assert_int_eq(lag_of(&B->se), 700000);
    mini_check_sane(&m);
    mini_destroy(&m);
}
END_TEST

/* A nested target: both the task and its group entity get credit. */
START_TEST(test_lag_credit_nested)
{
    struct mini m;
    struct task_group *B;
    struct task_struct *A, *T, *U;
    struct rq *rq;

    mini_init(&m, 1, T0);
    B = mini_group(&m, "/B", m.tg[0], 1024);
    A = mini_task(&m, m.tg[0], 0, 0);
    T = mini_task(&m, B, 0, 0);
    U = mini_task(&m, B, 0, 0);
    mini_run(&m, A);
    rq = cpu_rq(&m.sim, 0);
    mini_place(&A->se, X, X + 2800000);
    mini_place(gse(B), X + 1000000, X + 3800000); /* ineligible at the root */
    mini_place(&U->se, X, X + 2800000);
    mini_place(&T->se, X + 600000, X + 3400000);  /* ineligible in /B */
    ck_assert(yield_to_policy_lag_credit_v3.yield_to_task(&m.sim, rq, T));
    ck_assert_uint_eq(m.sim.pstats.credit_levels, 2);
    ck_assert_uint_eq(m.sim.pstats.credit_levels_curr, 0);
    ck_assert_int_eq(lag_of(&T->se), 700000);
    ck_assert(entity_eligible(&rq->cfs, gse(B)));
    mini_check_sane(&m);
    /* PICK_BUDDY takes the chain down to T */
    ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), T);
    mini_destroy(&m);
}
END_TEST

/*
 * The target shares the running group /G with the yielder, and /G is behind
 * at the root: lag-credit-v3 credits /G in place (the off-tree curr), the
 * -lca reading stops below it and the other root entity keeps its turn.
 */
START_TEST(test_lag_credit_shared_ancestor)
{
    static const struct {
        const struct yield_to_policy *pol;
        u64 levels, levels_curr;
        u64 g_vruntime, g_deadline;
        bool picks_t; /* else O */
    } rows[] = {
        /* /G: V' = X (O alone), v = X - 700000 * 2048 / 1024, its relative
         * deadline (2.8 ms) carried along */
        {&yield_to_policy_lag_credit_v3, 2, 1, X - 1400000, X + 1400000, true},
        {&yield_to_policy_lag_credit_v3_lca, 1, 0, X + 1000000, X + 3800000, false},
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(rows); i++) {
        struct mini m;
        struct task_group *G;
        struct task_struct *A, *T, *O;
        struct rq *rq;

        mini_init(&m, 1, T0);
        G = mini_group(&m, "/G", m.tg[0], 1024);
        A = mini_task(&m, G, 0, 0);
        T = mini_task(&m, G, 0, 0);
        O = mini_task(&m, m.tg[0], 0, 0);
        mini_run(&m, A);
        rq = cpu_rq(&m.sim, 0);
        mini_place(&A->se, X, X + 2800000);
        mini_place(&T->se, X + 600000, X + 3400000);  /* ineligible in /G */
        mini_place(gse(G), X + 1000000, X + 3800000); /* curr, ineligible at the root */
        mini_place(&O->se, X, X + 2800000);
        ck_assert_ptr_eq(rq->cfs.curr, gse(G));
        ck_assert(!entity_eligible(&rq->cfs, gse(G)));

        ck_assert(rows[i].pol->yield_to_task(&m.sim, rq, T));
        ck_assert_uint_eq(m.sim.pstats.credit_levels, rows[i].levels);
        ck_assert_uint_eq(m.sim.pstats.credit_levels_curr, rows[i].levels_curr);
        /* the level below the common ancestor is credited either way */
        ck_assert_uint_eq(T->se.vruntime, X - 1400000);
        ck_assert_int_eq(lag_of(&T->se), 700000);
        ck_assert_uint_eq(gse(G)->vruntime, rows[i].g_vruntime);
        ck_assert_uint_eq(gse(G)->deadline, rows[i].g_deadline);
        mini_check_sane(&m);
        /* then /G's turn at the root: taken by the credit, or O's */
        put_prev_task_fair(&m.sim, rq, A);
        ck_assert_ptr_eq(pick_task_fair(&m.sim, rq), rows[i].picks_t ? T : O);
        mini_destroy(&m);
    }
}
END_TEST

/* ---- 9. registry ---- */

START_TEST(test_registry)
{
    static const char *const names[] = {"mainline", "buddy", "forfeit", "deboost-v2",
                                        "lag-credit-v3", "lag-credit-v3-lca",
                                        "prateek-proportional"};
    unsigned int n = 0;

    ck_assert_str_eq(yield_to_policies[0]->name, "mainline");
    while (yield_to_policies[n])
        n++;
    ck_assert_uint_eq(n, G_N_ELEMENTS(names));
    for (unsigned int i = 0; i < G_N_ELEMENTS(names); i++) {
        const struct yield_to_policy *p = yield_to_policy_find(names[i]);

        ck_assert_ptr_nonnull(p);
        ck_assert_str_eq(p->name, names[i]);
        ck_assert_ptr_nonnull(p->yield_to_task);
        ck_assert_ptr_nonnull(p->summary);
    }
    ck_assert_ptr_null(yield_to_policy_find("nope"));
}
END_TEST

/* ---- 10. every policy inside a running simulation ---- */

#define HOG "\"program\":[{\"run_us\":1000000}]"

static int nr_yield_to_policies(void)
{
    int n = 0;

    while (yield_to_policies[n])
        n++;
    return n;
}

/* _i = policy index + n * kernel (6.18, 6.19, 6.19 with sched/flat) */
START_TEST(test_policies_in_sim)
{
    int n = nr_yield_to_policies();
    const struct yield_to_policy *pol = yield_to_policies[_i % n];
    bool flat = _i >= 2 * n;
    char *json = g_strdup_printf(
        "{\"version\":1,\"name\":\"t\",\"duration_ms\":400,\"kernel\":{\"profile\":\"%s\"%s},"
        "\"host\":{\"cpus\":2,\"balance_interval_ms\":0},"
        "\"cgroups\":[{\"path\":\"/A\"},{\"path\":\"/A/a\"},{\"path\":\"/B\",\"shares\":512}],"
        "\"tasks\":[{\"name\":\"r\",\"cpus\":[0]," HOG "},{\"name\":\"y\",\"cgroup\":\"/A/a\",\"count\":2,\"cpus\":[0]," HOG "},"
        "{\"name\":\"s\",\"cgroup\":\"/A\",\"cpus\":[0]," HOG "},{\"name\":\"b\",\"cgroup\":\"/B\",\"count\":2,\"cpus\":[0]," HOG "},"
        "{\"name\":\"o\",\"cpus\":[1]," HOG "}]}",
        _i < n ? "6.18" : "6.19", flat ? ",\"pick\":\"flat\"" : "");
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "test", &err);
    struct sim_options opt = {.debug_checks = true};
    struct sim *sim;
    unsigned int yields = 0;

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "?");
    sc->policy.vcpu_debooster_enabled = true;
    sim = sim_new(sc, &opt, NULL);
    sim->yt_policy = pol;
    sim_engine_run_until(&sim->eng, 20 * MS);
    for (u64 t = 20 * MS; t < 300 * MS; t += 700 * US) {
        struct rq *rq = cpu_rq(sim, 0);
        struct task_struct *cur = rq->curr;
        /* yield to the next task in scenario order that is not running */
        for (unsigned int k = 1; k < sim->nr_tasks && cur; k++) {
            struct task_struct *p = sim->tasks[(cur->pid - 1 + k) % sim->nr_tasks];

            if (!p->on_cpu) {
                int r = yield_to(sim, cur, p, true);

                ck_assert_int_ge(r, 0);
                yields += r > 0;
                break;
            }
        }
        for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++)
            for (unsigned int i = 0; i < sim->nr_tgs; i++)
                ck_assert(cfs_rq_sane(sim->tgs[i]->cfs_rq[cpu]));
        sim_engine_run_until(&sim->eng, t + 700 * US);
    }
    ck_assert_uint_gt(yields, 100);
    ck_assert_uint_eq(sim->pstats.yield_to_calls, sim->pstats.yield_to_true + sim->pstats.yield_to_false);
    ck_assert_uint_ge(sim->pstats.yield_to_true, yields);
    if (pol == &yield_to_policy_deboost_v2) {
        const struct policy_stats *st = &sim->pstats;

        ck_assert_uint_gt(st->deboost_applied, 0);
        ck_assert_uint_gt(st->deboost_skip_rate_limited, 0);
        ck_assert_uint_eq(st->deboost_attempts,
                          st->deboost_applied + st->deboost_skip_disabled +
                              st->deboost_skip_rate_limited + st->deboost_skip_validation +
                              st->deboost_skip_no_lca + st->deboost_skip_overflow);
        ck_assert_uint_eq(st->deboost_penalty_ns.count, st->deboost_applied);
    }
    if (pol == &yield_to_policy_lag_credit_v3 || pol == &yield_to_policy_lag_credit_v3_lca) {
        ck_assert_uint_gt(sim->pstats.credit_yields, 0);
        /* sched/flat: one level per credit, never the running entity */
        if (flat) {
            ck_assert_uint_gt(sim->pstats.credit_levels, 0);
            ck_assert_uint_le(sim->pstats.credit_levels, sim->pstats.credit_yields);
            ck_assert_uint_eq(sim->pstats.credit_levels_curr, 0);
        }
    }
    if (pol == &yield_to_policy_prateek_proportional) {
        /* sched/flat: no group level to push */
        if (flat)
            ck_assert_uint_eq(sim->pstats.prateek_levels_pushed, 0);
        else
            ck_assert_uint_gt(sim->pstats.prateek_levels_pushed, 0);
    }
    sim_free(sim);
    scenario_free(sc);
    g_free(json);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc;

    tc = tcase_create("deboost_penalty");
    tcase_add_loop_test(tc, test_penalty_vectors, 0, (int)G_N_ELEMENTS(penalty_vectors));
    suite_add_tcase(s, tc);

    tc = tcase_create("deboost-v2");
    tcase_add_test(tc, test_rate_limit_5_9_vs_6_1);
    tcase_add_test(tc, test_rate_limit_edges);
    tcase_add_test(tc, test_validation_failures);
    tcase_add_test(tc, test_find_lca);
    tcase_add_test(tc, test_deboost_flat_exact);
    tcase_add_test(tc, test_deboost_lag_clamp_cut);
    tcase_add_test(tc, test_deboost_nested_exact);
    tcase_add_test(tc, test_deboost_wrap);
    tcase_add_test(tc, test_debounce);
    tcase_add_test(tc, test_disabled_equals_forfeit);
    suite_add_tcase(s, tc);

    tc = tcase_create("baselines");
    tcase_add_test(tc, test_buddy_vs_forfeit_42);
    suite_add_tcase(s, tc);

    tc = tcase_create("prateek");
    tcase_add_test(tc, test_prateek_two_levels);
    tcase_add_test(tc, test_prateek_stops_at_ineligible);
    suite_add_tcase(s, tc);

    tc = tcase_create("lag-credit-v3");
    tcase_add_test(tc, test_credit_margin);
    tcase_add_test(tc, test_credit_clamp_to_legal_lag);
    tcase_add_test(tc, test_credit_curr_in_place);
    tcase_add_test(tc, test_lag_credit_policy);
    tcase_add_test(tc, test_lag_credit_nested);
    tcase_add_test(tc, test_lag_credit_shared_ancestor);
    suite_add_tcase(s, tc);

    tc = tcase_create("registry");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_registry);
    tcase_add_loop_test(tc, test_policies_in_sim, 0, 3 * nr_yield_to_policies());
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(policy_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
