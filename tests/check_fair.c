/*
 * check_fair.c - the fair class: fixed-point arithmetic vectors, EEVDF queue
 * operations against a brute-force reference, yield semantics.
 *
 * The brute-force reference recomputes V, eligibility and the pick from the
 * definitions with 128-bit arithmetic over the queued entities, independent
 * of the incremental sums and the zero point the implementation keeps.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "vsched/sched.h"
#include "vsched/sim.h"

/* ---- a bare one-CPU host with no scenario, for unit tests ---- */

struct bare {
    struct sim sim;
    struct rq rq;
    struct task_group root;
    struct cfs_rq *root_q[1];
    struct sched_entity *root_se[1];
};

static void bare_init(struct bare *b, enum kernel_profile profile)
{
    memset(b, 0, sizeof(*b));
    sim_engine_init(&b->sim.eng, &b->sim);
    sched_feat_defaults(profile, b->sim.params.feat);
    b->sim.params.profile = profile;
    b->sim.params.hz = 250;
    b->sim.params.tick_nsec = 4000000;
    b->sim.params.normalized_sysctl_sched_base_slice = 700000;
    b->sim.params.sysctl_sched_base_slice = 2800000;
    b->sim.nr_cpus = 1;
    b->sim.rqs = &b->rq;
    init_rq(&b->sim, &b->rq, 0);
    b->root.path = "/";
    b->root.cfs_rq = b->root_q;
    b->root.se = b->root_se;
    b->root_q[0] = &b->rq.cfs;
    init_cfs_rq(&b->rq.cfs, &b->rq, &b->root);
}

static void bare_destroy(struct bare *b)
{
    sim_engine_destroy(&b->sim.eng);
}

static void task_init_nice(struct bare *b, struct task_struct *p, int nice)
{
    memset(p, 0, sizeof(*p));
    p->static_prio = 120 + nice;
    set_load_weight(p);
    p->se.slice = b->sim.params.sysctl_sched_base_slice;
    p->se.cfs_rq = &b->rq.cfs;
    p->__state = TASK_RUNNING;
    hist_init(&p->stats.run_ns);
}

/* ---- 1. arithmetic vectors (reference §1.6) ---- */

struct cdf_vector {
    int nice;            /* task entity at this nice ... */
    unsigned long group; /* ... or a group entity with this scaled weight (nice ignored) */
    u64 table_700k;      /* cdf(700000) with the table inv_weight (tasks) */
    u64 computed_700k;   /* cdf(700000) with inv = 0xFFFFFFFF / w_down */
    u64 table_2800k;     /* cdf(2800000), table inv for tasks, computed for groups */
};

static const struct cdf_vector cdf_vectors[] = {
    {-20, 0, 8075, 8075, 32302},
    {-1, 0, 561315, 561315, 2245262},
    {0, 0, 700000, 700000, 2800000},
    {1, 0, 874146, 874146, 3496585},
    {2, 0, 1094351, 1094350, 4377404},
    {12, 0, 10240000, 10239999, 40960000},
    {19, 0, 47786666, 47786666, 191146666},
    {0, 524288, 0, 1399999, 5599999},
    {0, 349525, 0, 2102052, 8408211},
    {0, 2097152, 0, 349999, 1399999},
    {0, 2047, 0, 358399999, 1433599999},
};

START_TEST(test_calc_delta_fair_vectors)
{
    const struct cdf_vector *v = &cdf_vectors[_i];
    struct sched_entity se;

    memset(&se, 0, sizeof(se));
    if (!v->group) {
        int idx = v->nice + 20;

        se.load.weight = scale_load((unsigned long)sched_prio_to_weight[idx]);
        se.load.inv_weight = sched_prio_to_wmult[idx];
        ck_assert_uint_eq(calc_delta_fair(700000, &se), v->table_700k);
        ck_assert_uint_eq(calc_delta_fair(2800000, &se), v->table_2800k);
        /* the same weight after an update_load_*: inv_weight recomputed */
        se.load.inv_weight = 0;
        ck_assert_uint_eq(calc_delta_fair(700000, &se), v->computed_700k);
    } else {
        se.load.weight = v->group;
        se.load.inv_weight = 0;
        ck_assert_uint_eq(calc_delta_fair(700000, &se), v->computed_700k);
        se.load.inv_weight = 0;
        ck_assert_uint_eq(calc_delta_fair(2800000, &se), v->table_2800k);
    }
}
END_TEST

/* The 14 table entries that are one above the computed inverse. */
START_TEST(test_wmult_table_vs_computed)
{
    static const int off_by_one[] = {-18, -17, -8, -7, -4, -2, -1, 0, 1, 2, 4, 5, 6, 12};

    for (int nice = -20; nice <= 19; nice++) {
        struct load_weight lw = {scale_load((unsigned long)sched_prio_to_weight[nice + 20]), 0};
        bool expect_diff = false;

        __update_inv_weight(&lw);
        for (unsigned int i = 0; i < G_N_ELEMENTS(off_by_one); i++)
            if (off_by_one[i] == nice)
                expect_diff = true;
        ck_assert_uint_eq(sched_prio_to_wmult[nice + 20], lw.inv_weight + (expect_diff ? 1 : 0));
    }
}
END_TEST

START_TEST(test_scale_load_down)
{
    ck_assert_uint_eq(scale_load_down(0), 0);
    ck_assert_uint_eq(scale_load_down(1), 2);
    ck_assert_uint_eq(scale_load_down(2047), 2);
    ck_assert_uint_eq(scale_load_down(3072), 3);
    ck_assert_uint_eq(scale_load_down(NICE_0_LOAD), 1024);
    ck_assert_uint_eq(scale_load(1024), NICE_0_LOAD);
}
END_TEST

/* A weight large enough that scale_load_down exceeds 32 bits exercises the
 * first fls() adjustment: result must equal the exact product rounded down
 * within the 32-bit precision of the inverse. */
START_TEST(test_calc_delta_large_weight)
{
    struct load_weight lw = {NICE_0_LOAD, 0};
    unsigned long big = (1UL << 43) * 3; /* w_down = 3 << 33 */
    u64 r = __calc_delta(1000, big, &lw);

    /* exact: 1000 * (3<<33) / 1024 = 3 << 33 * 1000 / 1024 */
    u64 exact = (u64)(((unsigned __int128)1000 * (big >> 10)) / 1024);
    ck_assert_uint_le(r, exact);
    ck_assert_uint_ge(r, exact - exact / 1000000);
}
END_TEST

/* ---- 2. avg_vruntime examples (reference §2.3) ---- */

START_TEST(test_avg_vruntime_floor)
{
    struct bare b;
    struct task_struct a, c;
    u64 v0;

    bare_init(&b, KERNEL_6_18);
    task_init_nice(&b, &a, 0);
    task_init_nice(&b, &c, 0);
    v0 = b.rq.cfs.zero_vruntime;
    /* keys {-3, 0}: V = v0 - 2 (floor of -1.5) */
    a.se.vruntime = v0 - 3;
    a.se.deadline = v0 + 100;
    c.se.vruntime = v0;
    c.se.deadline = v0 + 200;
    a.se.on_rq = c.se.on_rq = true;
    __enqueue_entity(&b.rq.cfs, &a.se);
    __enqueue_entity(&b.rq.cfs, &c.se);
    ck_assert_uint_eq(avg_vruntime(&b.rq.cfs), v0 - 2);
    /* keys {3, 0} relative to the same origin: V = v0 + 1 */
    __dequeue_entity(&b.rq.cfs, &a.se);
    a.se.vruntime = v0 + 3;
    __enqueue_entity(&b.rq.cfs, &a.se);
    ck_assert_uint_eq(avg_vruntime(&b.rq.cfs), v0 + 1);
    bare_destroy(&b);
}
END_TEST

/* ---- 3. random operation sequences vs a brute-force reference ---- */

#define NR_ENT 8

struct ref_state {
    struct task_struct t[NR_ENT];
    u64 ins_seq[NR_ENT];     /* order in which each entered the tree */
    bool was_on_tree[NR_ENT];
    u64 next_seq;
};

static __int128 floor_div128(__int128 a, __int128 b)
{
    __int128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int ref_index(struct ref_state *rs, struct sched_entity *se)
{
    return se ? (int)(container_of(se, struct task_struct, se) - rs->t) : -1;
}

static bool ref_queued(struct bare *b, struct sched_entity *se)
{
    return se->on_rq && (se->on_tree || b->rq.cfs.curr == se);
}

/* V from the definition: floor(sum w_i v_i / sum w_i) over queued entities,
 * with an arbitrary origin (here: entity 0's vruntime, or v0 if none). */
static bool ref_avg(struct bare *b, struct ref_state *rs, u64 *out)
{
    __int128 sum = 0, w = 0;
    u64 origin = 0;
    bool have = false;

    for (int i = 0; i < NR_ENT; i++) {
        struct sched_entity *se = &rs->t[i].se;
        if (!ref_queued(b, se))
            continue;
        if (!have) {
            origin = se->vruntime;
            have = true;
        }
        sum += (__int128)(s64)(se->vruntime - origin) * (__int128)scale_load_down(se->load.weight);
        w += scale_load_down(se->load.weight);
    }
    if (!have)
        return false;
    *out = origin + (u64)(s64)floor_div128(sum, w);
    return true;
}

static bool ref_eligible(struct bare *b, struct ref_state *rs, struct sched_entity *x)
{
    __int128 s = 0;

    for (int i = 0; i < NR_ENT; i++) {
        struct sched_entity *se = &rs->t[i].se;
        if (!ref_queued(b, se))
            continue;
        s += (__int128)(s64)(se->vruntime - x->vruntime) * (__int128)scale_load_down(se->load.weight);
    }
    return s >= 0;
}

/* EEVDF pick from the definition (6.18, no buddy): nr==1 shortcut;
 * protected eligible curr; else earliest eligible deadline, ties by tree
 * insertion order, curr only if strictly earlier. */
static struct sched_entity *ref_pick(struct bare *b, struct ref_state *rs)
{
    struct cfs_rq *q = &b->rq.cfs;
    struct sched_entity *curr = q->curr, *best = NULL;
    int n = 0;

    for (int i = 0; i < NR_ENT; i++)
        if (ref_queued(b, &rs->t[i].se))
            n++;
    if (n == 0)
        return NULL;
    if (curr && !curr->on_rq)
        curr = NULL;
    if (n == 1) {
        if (curr)
            return curr;
        for (int i = 0; i < NR_ENT; i++)
            if (rs->t[i].se.on_tree)
                return &rs->t[i].se;
    }
    if (curr && !ref_eligible(b, rs, curr))
        curr = NULL;
    if (curr && protect_slice(curr))
        return curr;
    for (int i = 0; i < NR_ENT; i++) {
        struct sched_entity *se = &rs->t[i].se;
        if (!se->on_tree || !ref_eligible(b, rs, se))
            continue;
        if (!best || (s64)(se->deadline - best->deadline) < 0 ||
            (se->deadline == best->deadline && rs->ins_seq[i] < rs->ins_seq[ref_index(rs, best)]))
            best = se;
    }
    if (!best || (curr && (s64)(curr->deadline - best->deadline) < 0))
        best = curr;
    return best;
}

/* ins_seq bookkeeping: entities that entered the tree since the last look. */
static void ref_track(struct ref_state *rs)
{
    for (int i = 0; i < NR_ENT; i++) {
        bool on = rs->t[i].se.on_tree;
        if (on && !rs->was_on_tree[i])
            rs->ins_seq[i] = rs->next_seq++;
        rs->was_on_tree[i] = on;
    }
}


static void check_against_ref(struct bare *b, struct ref_state *rs, unsigned int step)
{
    struct cfs_rq *q = &b->rq.cfs;
    u64 vref, vimpl;

    ck_assert_msg(cfs_rq_sane(q), "step %u: queue bookkeeping", step);
    for (int i = 0; i < NR_ENT; i++) {
        struct sched_entity *se = &rs->t[i].se;
        if (!ref_queued(b, se))
            continue;
        ck_assert_msg(entity_eligible(q, se) == (int)ref_eligible(b, rs, se),
                      "step %u: eligibility of entity %d", step, i);
    }
    if (ref_avg(b, rs, &vref)) {
        vimpl = avg_vruntime(q);
        ck_assert_msg(vimpl == vref, "step %u: V %lld vs ref %lld", step, (long long)vimpl,
                      (long long)vref);
        /* V itself is always eligible (floor rounding) */
        ck_assert(vruntime_eligible(q, vimpl));
    }
    {
        struct sched_entity *p = q->nr_queued ? pick_eevdf(q) : NULL;
        struct sched_entity *r = ref_pick(b, rs);
        if (p != r && getenv("FAIR_DEBUG")) {
            for (int i = 0; i < NR_ENT; i++) {
                struct sched_entity *se = &rs->t[i].se;
                fprintf(stderr, "%d: on_rq %d tree %d curr %d v %lld d %lld seq %llu elig %d prot %d\n", i, se->on_rq, se->on_tree, q->curr == se, (long long)se->vruntime, (long long)se->deadline, (unsigned long long)rs->ins_seq[i], ref_eligible(b, rs, se), protect_slice(se));
            }
            for (struct sched_entity *se = q->rb_leftmost; se; se = se->rb_next)
                fprintf(stderr, " tree order %d\n", ref_index(rs, se));
        }
        ck_assert_msg(p == r, "step %u: pick %d vs ref %d", step, ref_index(rs, p), ref_index(rs, r));
    }
}

static void random_ops(enum kernel_profile profile, u64 seed, bool delay, bool ties)
{
    struct bare b;
    struct ref_state rs;
    struct sim_rng rng;
    struct cfs_rq *q;
    u64 now = 0;

    bare_init(&b, profile);
    b.sim.params.feat[SF_DELAY_DEQUEUE] = delay;
    q = &b.rq.cfs;
    /* The hierarchical task counters are kept by enqueue_task_fair(), which
     * this single-level test bypasses; set_delayed()/clear_delayed() still
     * move h_nr_runnable, so start both from a common baseline. */
    q->h_nr_queued = q->h_nr_runnable = 1000;
    memset(&rs, 0, sizeof(rs));
    sim_rng_seed(&rng, seed, 0);
    for (int i = 0; i < NR_ENT; i++) {
        static const int nices[] = {0, 5, -3, 19, -20, 0, 2, 12};
        task_init_nice(&b, &rs.t[i], ties ? 0 : nices[i]);
    }

    for (unsigned int step = 0; step < 4000; step++) {
        int i = (int)sim_rng_below(&rng, NR_ENT);
        struct sched_entity *se = &rs.t[i].se;
        unsigned int op = (unsigned int)sim_rng_below(&rng, 6);

        /* time passes (0..3 ms); the running entity accrues it */
        /* with @ties, equal weights and time on a 0.7 ms grid make equal
         * deadlines common, exercising the FIFO tie-break */
        now += ties ? 700000 * sim_rng_below(&rng, 3) : sim_rng_below(&rng, 3000000);
        b.sim.eng.now = now;

        switch (op) {
        case 0: /* enqueue (wakeup or new) */
            if (!se->on_rq)
                enqueue_entity(&b.sim, q, se,
                               sim_rng_below(&rng, 2) ? ENQUEUE_WAKEUP : ENQUEUE_INITIAL);
            break;
        case 1: /* dequeue: sleep (may be delayed) or migrate-style save */
            if (se->on_rq && !se->sched_delayed && q->curr != se) {
                int flags = sim_rng_below(&rng, 2) ? DEQUEUE_SLEEP : 0;
                dequeue_entity(&b.sim, q, se, flags);
            } else if (se->sched_delayed && q->curr != se) {
                dequeue_entity(&b.sim, q, se, DEQUEUE_SLEEP | DEQUEUE_DELAYED);
                se->sched_delayed = false;
            }
            break;
        case 2: /* update_curr */
            update_curr(&b.sim, q);
            break;
        case 3: /* put curr back */
            if (q->curr)
                put_prev_entity(&b.sim, q, q->curr);
            break;
        case 4: /* pick and run: set_next_entity on the EEVDF choice */
            if (!q->curr && q->nr_queued) {
                struct sched_entity *p = pick_eevdf(q);
                if (p && !p->sched_delayed)
                    set_next_entity(&b.sim, q, p);
            }
            break;
        case 5: /* cancel protection (as wakeup preemption does) */
            if (q->curr)
                cancel_protect_slice(q->curr);
            break;
        }
        ref_track(&rs);
        check_against_ref(&b, &rs, step);
    }
    bare_destroy(&b);
}

START_TEST(test_random_ops_vs_reference)
{
    random_ops(KERNEL_6_18, 0x5eed0000ULL + (u64)_i, _i % 2 == 0, _i >= 4);
}
END_TEST

/* Wrap-safety: the same sequence far from zero must give the same picks. */
START_TEST(test_wrap_initial_zero_point)
{
    struct bare b;

    bare_init(&b, KERNEL_6_18);
    ck_assert_uint_eq(b.rq.cfs.zero_vruntime, 0xFFFFFFFFFFF00000ULL);
    bare_destroy(&b);
}
END_TEST

/* ---- 4. yield: the worked example of reference §4.2 ---- */

/*
 * Two nice-0 tasks on one queue (b already initialised): A is curr with
 * v_A = 0, d_A = 2.8 ms, protected; B queued at v = 0.5 ms, d = 3.3 ms.
 * V = 0.25 ms.  Returns the queue.
 */
static struct cfs_rq *two_task_queue(struct bare *b, struct task_struct *A,
                                     struct task_struct *B)
{
    struct cfs_rq *q = &b->rq.cfs;
    u64 v0 = q->zero_vruntime;

    task_init_nice(b, A, 0);
    task_init_nice(b, B, 0);
    A->name = "A";
    B->name = "B";
    A->se.vruntime = v0;
    A->se.deadline = v0 + 2800000;
    B->se.vruntime = v0 + 500000;
    B->se.deadline = v0 + 3300000;
    A->se.on_rq = B->se.on_rq = true;
    __enqueue_entity(q, &B->se);
    q->curr = &A->se;
    A->se.vprot = A->se.deadline; /* protected, as after set_next_entity */
    q->load.weight = 2 * NICE_0_LOAD;
    q->nr_queued = 2;
    q->h_nr_queued = q->h_nr_runnable = 2;
    b->rq.nr_running = 2;
    b->rq.curr = A;
    A->on_cpu = true;
    A->on_rq = B->on_rq = TASK_ON_RQ_QUEUED;
    ck_assert_uint_eq(avg_vruntime(q), v0 + 250000);
    return q;
}

static void yield_example(bool forfeit, struct task_struct **picked, struct task_struct *A,
                          struct task_struct *B, struct bare *b)
{
    struct cfs_rq *q;

    bare_init(b, KERNEL_6_18);
    b->sim.params.feat[SF_YIELD_FORFEIT] = forfeit;
    q = two_task_queue(b, A, B);
    ck_assert(entity_eligible(q, &A->se));
    ck_assert(!entity_eligible(q, &B->se));

    yield_task_fair(&b->sim, &b->rq);
    *picked = task_of(pick_eevdf(q));
}

START_TEST(test_yield_deadline_push)
{
    struct bare b;
    struct task_struct A, B, *picked;
    u64 v0;

    yield_example(false, &picked, &A, &B, &b);
    v0 = (u64)(-(1LL << 20));
    ck_assert_uint_eq(A.se.vruntime, v0);               /* unchanged */
    ck_assert_uint_eq(A.se.deadline, v0 + 5600000);     /* pushed by one vslice */
    ck_assert(!entity_eligible(&b.rq.cfs, &B.se));
    ck_assert_ptr_eq(picked, &A);                        /* A runs again */
    bare_destroy(&b);
}
END_TEST

START_TEST(test_yield_forfeit)
{
    struct bare b;
    struct task_struct A, B, *picked;
    u64 v0;

    yield_example(true, &picked, &A, &B, &b);
    v0 = (u64)(-(1LL << 20));
    ck_assert_uint_eq(A.se.vruntime, v0 + 2800000);      /* forfeited to its deadline */
    ck_assert_uint_eq(A.se.deadline, v0 + 5600000);
    ck_assert_uint_eq(avg_vruntime(&b.rq.cfs), v0 + 1650000);
    ck_assert(!entity_eligible(&b.rq.cfs, &A.se));
    ck_assert(entity_eligible(&b.rq.cfs, &B.se));
    ck_assert_ptr_eq(picked, &B);                        /* B runs */
    bare_destroy(&b);
}
END_TEST

/* yield_to with the deadline-push yield: the buddy cannot help an
 * ineligible target (PICK_BUDDY requires eligibility). */
START_TEST(test_yield_to_buddy_needs_eligible)
{
    struct bare b;
    struct task_struct A, B, *picked;

    yield_example(false, &picked, &A, &B, &b);
    set_next_buddy(&B.se);
    ck_assert_ptr_eq(b.rq.cfs.next, &B.se);
    ck_assert(!entity_eligible(&b.rq.cfs, &B.se));
    ck_assert_ptr_eq(task_of(pick_eevdf(&b.rq.cfs)), &A);
    bare_destroy(&b);
}
END_TEST

/* Yield with only one task on the CPU does nothing at all. */
START_TEST(test_yield_alone_is_noop)
{
    struct bare b;
    struct task_struct A;
    u64 v, d;

    bare_init(&b, KERNEL_6_18);
    task_init_nice(&b, &A, 0);
    b.sim.eng.now = 1000;
    enqueue_entity(&b.sim, &b.rq.cfs, &A.se, ENQUEUE_INITIAL);
    set_next_entity(&b.sim, &b.rq.cfs, &A.se);
    b.rq.curr = &A;
    b.rq.nr_running = 1;
    v = A.se.vruntime;
    d = A.se.deadline;
    b.sim.eng.now = 500000;
    yield_task_fair(&b.sim, &b.rq);
    ck_assert_uint_eq(A.se.vruntime, v); /* not even update_curr */
    ck_assert_uint_eq(A.se.deadline, d);
    bare_destroy(&b);
}
END_TEST

/* place_entity: a new task lands at V with half a slice; lag inflation. */
START_TEST(test_place_entity)
{
    struct bare b;
    struct task_struct A, B;
    struct cfs_rq *q;
    u64 V;

    bare_init(&b, KERNEL_6_18);
    q = &b.rq.cfs;
    task_init_nice(&b, &A, 0);
    task_init_nice(&b, &B, 0);
    enqueue_entity(&b.sim, q, &A.se, ENQUEUE_INITIAL);
    ck_assert_uint_eq(A.se.vruntime, q->zero_vruntime);
    ck_assert_uint_eq(A.se.deadline - A.se.vruntime, 1400000); /* vslice/2 */
    /* B with stored lag +300000 joins A (W = 1024): inflated to
     * 300000 * (1024 + 1024) / 1024 = 600000 */
    B.se.vlag = 300000;
    V = avg_vruntime(q);
    enqueue_entity(&b.sim, q, &B.se, ENQUEUE_WAKEUP);
    ck_assert_uint_eq(B.se.vruntime, V - 600000);
    ck_assert_uint_eq(B.se.deadline - B.se.vruntime, 2800000);
    /* after joining, B's effective lag equals the stored one */
    ck_assert_int_eq((s64)(avg_vruntime(q) - B.se.vruntime), 300000);
    bare_destroy(&b);
}
END_TEST

/*
 * reweight_entity() of the running entity A (v = 0, d = 2.8 ms, protected)
 * next to B (v = 0.5 ms), both nice 0, A's weight doubled: V = 0.25 ms.
 * "place" (6d71a9c61604, our profiles): A's lag 0.25 ms is halved to
 * 0.125 ms and re-placed by place_entity() against V' = floor(0.5 ms * 1024
 * / 3072) = 166666, which already counts A at its new weight, and inflated
 * by (W + w) / W with W = 1024 (B) + 2048 (A again) = 3072, w = 2048:
 * 125000 * 5120 / 3072 = 208333; v_A = 166666 - 208333 = -41667, d_A =
 * v_A + 1.4 ms, and V moves to floor((-41667 * 2048 + 500000 * 1024) /
 * 3072) = 138888: B loses lag it never gave.
 * "rescale" (101f3498b4bd): V stays 250000; v_A = V - 125000, the deadline
 * and the protection 2.55 ms after V halve to 1.275 ms.  B then drops to
 * half its weight: its lag -0.25 ms doubles to -0.5 ms around the same V.
 */
static void reweight_example(struct bare *b, struct task_struct *A, struct task_struct *B,
                             bool rescale)
{
    bare_init(b, KERNEL_6_18);
    b->sim.params.reweight_rescale = rescale;
    reweight_entity(&b->sim, two_task_queue(b, A, B), &A->se, 2 * NICE_0_LOAD);
}

START_TEST(test_reweight_place)
{
    struct bare b;
    struct task_struct A, B;
    u64 v0 = (u64)(-(1LL << 20));

    reweight_example(&b, &A, &B, false);
    ck_assert_uint_eq(A.se.load.weight, 2 * NICE_0_LOAD);
    ck_assert_uint_eq(A.se.vruntime, v0 - 41667);
    ck_assert_uint_eq(A.se.deadline, v0 - 41667 + 1400000);
    ck_assert_uint_eq(avg_vruntime(&b.rq.cfs), v0 + 138888);
    ck_assert_uint_eq(b.rq.cfs.nr_queued, 2);
    ck_assert_uint_eq(b.rq.cfs.load.weight, 3 * NICE_0_LOAD);
    bare_destroy(&b);
}
END_TEST

START_TEST(test_reweight_rescale)
{
    struct bare b;
    struct task_struct A, B;
    struct cfs_rq *q;
    u64 v0 = (u64)(-(1LL << 20));

    reweight_example(&b, &A, &B, true);
    q = &b.rq.cfs;
    ck_assert_uint_eq(A.se.load.weight, 2 * NICE_0_LOAD);
    ck_assert_uint_eq(A.se.vruntime, v0 + 125000);
    ck_assert_uint_eq(A.se.deadline, v0 + 250000 + 1275000);
    ck_assert_uint_eq(A.se.vprot, v0 + 250000 + 1275000);
    ck_assert(protect_slice(&A.se));
    ck_assert_uint_eq(avg_vruntime(q), v0 + 250000);
    ck_assert_uint_eq(q->nr_queued, 2);
    ck_assert_uint_eq(q->load.weight, 3 * NICE_0_LOAD);
    /* a queued entity: B to half its weight */
    reweight_entity(&b.sim, q, &B.se, NICE_0_LOAD / 2);
    ck_assert_uint_eq(B.se.vruntime, v0 + 750000);
    ck_assert_uint_eq(B.se.deadline, v0 + 250000 + 6100000);
    ck_assert_int_eq(B.se.vlag, -500000);
    ck_assert_uint_eq(avg_vruntime(q), v0 + 250000);
    ck_assert_uint_eq(q->load.weight, 2 * NICE_0_LOAD + NICE_0_LOAD / 2);
    ck_assert_ptr_eq(q->rb_leftmost, &B.se);
    bare_destroy(&b);
}
END_TEST

/* Lag is clamped to calc_delta_fair(max(2*slice, TICK_NSEC)). */
START_TEST(test_lag_clamp)
{
    struct bare b;
    struct task_struct A, B;
    struct cfs_rq *q;

    bare_init(&b, KERNEL_6_18);
    q = &b.rq.cfs;
    task_init_nice(&b, &A, 0);
    task_init_nice(&b, &B, 0);
    enqueue_entity(&b.sim, q, &A.se, 0);
    enqueue_entity(&b.sim, q, &B.se, 0);
    /* B falls far behind A */
    __dequeue_entity(q, &A.se);
    A.se.vruntime += 100000000;
    __enqueue_entity(q, &A.se);
    b.sim.params.feat[SF_DELAY_DEQUEUE] = false;
    dequeue_entity(&b.sim, q, &B.se, DEQUEUE_SLEEP);
    ck_assert_int_eq(B.se.vlag, 5600000); /* 2 * 2.8 ms > 4 ms tick */
    dequeue_entity(&b.sim, q, &A.se, DEQUEUE_SLEEP);
    ck_assert_int_eq(A.se.vlag, 0); /* alone: V == its own vruntime */
    bare_destroy(&b);
}
END_TEST

/* find_matching_se on a nested hierarchy built by hand. */
START_TEST(test_find_matching_se)
{
    struct cfs_rq root, g1q, g2q, g11q;
    struct sched_entity g1, g2, g11, t1, t2, t3, *a, *c;

    memset(&root, 0, sizeof(root));
    memset(&g1, 0, sizeof(g1));
    memset(&g2, 0, sizeof(g2));
    memset(&g11, 0, sizeof(g11));
    memset(&t1, 0, sizeof(t1));
    memset(&t2, 0, sizeof(t2));
    memset(&t3, 0, sizeof(t3));
    (void)g1q;
    (void)g2q;
    (void)g11q;
    /* root: g1, g2; g1: g11, t1; g11: t2; g2: t3 */
    g1.cfs_rq = &root, g1.my_q = &g1q, g1.depth = 0;
    g2.cfs_rq = &root, g2.my_q = &g2q, g2.depth = 0;
    g11.cfs_rq = &g1q, g11.my_q = &g11q, g11.depth = 1, g11.parent = &g1;
    t1.cfs_rq = &g1q, t1.depth = 1, t1.parent = &g1;
    t2.cfs_rq = &g11q, t2.depth = 2, t2.parent = &g11;
    t3.cfs_rq = &g2q, t3.depth = 1, t3.parent = &g2;

    a = &t2, c = &t1; /* nested vs parent level */
    find_matching_se(&a, &c);
    ck_assert_ptr_eq(a, &g11);
    ck_assert_ptr_eq(c, &t1);
    a = &t2, c = &t3; /* cross-cgroup: meet at the root */
    find_matching_se(&a, &c);
    ck_assert_ptr_eq(a, &g1);
    ck_assert_ptr_eq(c, &g2);
    a = &t1, c = &t1;
    find_matching_se(&a, &c);
    ck_assert_ptr_eq(a, &t1);
}
END_TEST

/* calc_group_shares with instantaneous weights: proportional split across
 * CPUs, unscaled MIN_SHARES floor, full shares when on one CPU. */
START_TEST(test_calc_group_shares)
{
    struct task_group tg;
    struct cfs_rq q;

    memset(&tg, 0, sizeof(tg));
    memset(&q, 0, sizeof(q));
    q.tg = &tg;
    tg.shares = scale_load(1024);
    q.load.weight = 2 * NICE_0_LOAD;
    tg.load_down_sum = 2048; /* all of the group's load is here */
    ck_assert_int_eq(calc_group_shares(&q), (long)scale_load(1024));
    tg.load_down_sum = 4096; /* another CPU has as much */
    ck_assert_int_eq(calc_group_shares(&q), (long)scale_load(512));
    q.load.weight = 15 * 1024; /* one nice-19 task here, lots elsewhere */
    tg.load_down_sum = 15 + 100000000;
    ck_assert_int_eq(calc_group_shares(&q), (long)MIN_SHARES); /* unscaled floor */
}
END_TEST

/*
 * sched/flat: a task's h_load is NICE_0_LOAD folded down its chain, each
 * level multiplying by se->load and dividing by its queue's load (the top
 * level by NICE_0_LOAD), integer division at every step, floored at the
 * unscaled MIN_SHARES.  Worked by hand; chains built level by level from
 * the task up: w[i] is the entity's weight, q[i] the load of its queue.
 */
struct prop_case {
    const char *what;
    unsigned int levels;
    unsigned long w[3];
    unsigned long q[3];
    unsigned long expect;
};

static const struct prop_case prop_cases[] = {
    {"nice 0 in the root", 1, {1048576}, {5 * 1048576}, 1048576},
    {"nice -20 in the root", 1, {90891264}, {90891264}, 90891264},
    /* 2^20 * 2^20 / 2^21 = 524288; * 262144 / 2^20 = 131072 */
    {"one of two in a 256-share group", 2, {1048576, 262144}, {2 * 1048576, 3 * 1048576}, 131072},
    /* a group hides its task's nice: 2^20 * 15360 / 15360, * 2^20 / 2^20 */
    {"nice 19 alone in a group", 2, {15360, 1048576}, {15360, 1048576}, 1048576},
    /* 2^40 / 3145728 = 349525 (.33); * 524288 / 1572864 = 116508 (.33);
     * * 2097152 / 2^20 = 233016 */
    {"nested, truncating at every level", 3, {1048576, 524288, 2097152},
     {3 * 1048576, 524288 + 1048576, 4 * 1048576}, 233016},
    /* 2^20 * 15360 / 2^40 = 0 -> MIN_SHARES; 2 * 2 / 2^20 = 0 -> MIN_SHARES */
    {"floored at MIN_SHARES", 2, {15360, 2}, {1UL << 40, 1048576}, 2},
};

START_TEST(test_calc_prop_weight)
{
    const struct prop_case *c = &prop_cases[_i];
    struct cfs_rq q[3];
    struct sched_entity g[3];
    struct task_struct t;
    struct sched_entity *se;

    memset(q, 0, sizeof(q));
    memset(g, 0, sizeof(g));
    memset(&t, 0, sizeof(t));
    for (unsigned int i = 0; i < c->levels; i++) {
        se = i == 0 ? &t.se : &g[i];
        se->load.weight = c->w[i];
        se->cfs_rq = &q[i];
        se->parent = i + 1 < c->levels ? &g[i + 1] : NULL;
        if (i > 0)
            se->my_q = &q[i - 1];
        q[i].load.weight = c->q[i];
    }
    ck_assert_msg(task_prop_weight(&t) == c->expect, "%s: h_load %lu, expected %lu", c->what,
                  task_prop_weight(&t), c->expect);
}
END_TEST

static Suite *fair_suite(void)
{
    Suite *s = suite_create("fair");
    TCase *tc = tcase_create("arith");

    tcase_add_loop_test(tc, test_calc_delta_fair_vectors, 0, (int)G_N_ELEMENTS(cdf_vectors));
    tcase_add_test(tc, test_wmult_table_vs_computed);
    tcase_add_test(tc, test_scale_load_down);
    tcase_add_test(tc, test_calc_delta_large_weight);
    suite_add_tcase(s, tc);

    tc = tcase_create("eevdf");
    tcase_add_test(tc, test_avg_vruntime_floor);
    tcase_add_loop_test(tc, test_random_ops_vs_reference, 0, 8);
    tcase_add_test(tc, test_wrap_initial_zero_point);
    tcase_add_test(tc, test_place_entity);
    tcase_add_test(tc, test_lag_clamp);
    tcase_add_test(tc, test_find_matching_se);
    tcase_add_test(tc, test_reweight_place);
    tcase_add_test(tc, test_reweight_rescale);
    tcase_add_test(tc, test_calc_group_shares);
    tcase_add_loop_test(tc, test_calc_prop_weight, 0, (int)G_N_ELEMENTS(prop_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("yield");
    tcase_add_test(tc, test_yield_deadline_push);
    tcase_add_test(tc, test_yield_forfeit);
    tcase_add_test(tc, test_yield_to_buddy_needs_eligible);
    tcase_add_test(tc, test_yield_alone_is_noop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fair_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
