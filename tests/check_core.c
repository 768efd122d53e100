/*
 * tests/check_core.c - src/core: the event engine (heap order, FIFO ties,
 * re-arm, cancel, run_until), the xoshiro256** generator (known answers from
 * an independent reference implementation, stream separation, uniformity)
 * and the log-linear histogram (exact small values, bucket layout, relative
 * error against an exact sorted-array quantile, merge).
 *
 * The engine is checked against a brute-force reference: a plain array of
 * (armed, time, seq) where the next event to fire is found by a linear scan
 * for the minimal (time, seq).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vsched/core.h"

/* Check's ck_assert_* report every passing assertion to the parent process
 * (a pipe write per call), which dominates loops of millions of checks.
 * REQUIRE only talks to Check when the condition fails. */
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("%s:%d: assertion failed: %s", __FILE__, __LINE__,    \
                         #cond);                                               \
    } while (0)

/* ------------------------------------------------------------------ */
/* event engine                                                        */
/* ------------------------------------------------------------------ */

#define FIRED_MAX 4096

/* What the handlers saw: the engine's ctx points at one of these. */
struct fire_log {
    struct sim_event *fired[FIRED_MAX]; /* events in firing order */
    u64 at[FIRED_MAX];                  /* eng->now when each fired */
    unsigned int nr;                    /* entries used */
    struct sim_engine *eng;             /* the engine (for handlers that re-arm) */
    struct sim_event *chain;            /* event the chaining handler arms */
    u64 chain_delay_ns;                 /* ... at now + this */
};

static void log_fire(void *ctx, struct sim_event *ev)
{
    struct fire_log *log = ctx;

    REQUIRE(log->nr < FIRED_MAX);
    log->at[log->nr] = log->eng->now;
    log->fired[log->nr++] = ev;
}

/* Fires, then arms log->chain (once) at now + chain_delay_ns. */
static void chain_fire(void *ctx, struct sim_event *ev)
{
    struct fire_log *log = ctx;
    struct sim_event *next = log->chain;

    log_fire(ctx, ev);
    log->chain = NULL;
    if (next)
        sim_event_arm(log->eng, next, log->eng->now + log->chain_delay_ns);
}

static void engine_setup(struct sim_engine *eng, struct fire_log *log)
{
    memset(log, 0, sizeof(*log));
    log->eng = eng;
    sim_engine_init(eng, log);
}

/* Reference model of one event. */
struct ref_ev {
    bool armed;
    u64 time;
    u64 seq; /* reference's own arming counter */
};

#define RAND_MAX_EVENTS 2000

/* State of one randomized engine-vs-reference run. */
struct ref_run {
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event evs[RAND_MAX_EVENTS];
    struct ref_ev ref[RAND_MAX_EVENTS];
    unsigned int nr_evs;  /* pool size in use */
    unsigned int nr_armed;/* armed in the reference */
    u64 ref_seq;          /* next reference seq */
    u64 ref_now;          /* reference clock */
    u64 ref_fired;        /* events fired per the reference */
};

/* Index of the reference event with minimal (time, seq), or -1. */
static int ref_min(const struct ref_run *st)
{
    int best = -1;

    for (unsigned int i = 0; i < st->nr_evs; i++) {
        const struct ref_ev *r = &st->ref[i];
        if (!r->armed)
            continue;
        if (best < 0 || r->time < st->ref[best].time ||
            (r->time == st->ref[best].time && r->seq < st->ref[best].seq))
            best = (int)i;
    }
    return best;
}

static void ref_check(const struct ref_run *st)
{
    int m = ref_min(st);

    REQUIRE(sim_engine_sane(&st->eng));
    REQUIRE(st->eng.nr == st->nr_armed);
    REQUIRE(st->eng.now == st->ref_now);
    REQUIRE(st->eng.nr_events == st->ref_fired);
    for (unsigned int i = 0; i < st->nr_evs; i++) {
        REQUIRE(sim_event_armed(&st->evs[i]) == st->ref[i].armed);
        if (st->ref[i].armed)
            REQUIRE(st->evs[i].time == st->ref[i].time);
    }
    if (m < 0)
        REQUIRE(st->eng.nr == 0);
    else
        REQUIRE(st->eng.heap[0] == &st->evs[m]);
}

static void ref_arm(struct ref_run *st, unsigned int i, u64 time)
{
    if (!st->ref[i].armed)
        st->nr_armed++;
    st->ref[i].armed = true;
    st->ref[i].time = time;
    st->ref[i].seq = st->ref_seq++;
    sim_event_arm(&st->eng, &st->evs[i], time);
}

static void ref_cancel(struct ref_run *st, unsigned int i)
{
    if (st->ref[i].armed)
        st->nr_armed--;
    st->ref[i].armed = false;
    sim_event_cancel(&st->eng, &st->evs[i]);
}

static void ref_step(struct ref_run *st, u64 until)
{
    int m = ref_min(st);
    bool expect = m >= 0 && st->ref[m].time <= until;
    bool fired;

    st->log.nr = 0; /* keep the log short: only the last step matters */
    fired = sim_engine_step(&st->eng, until);
    REQUIRE(fired == expect);
    if (!expect) {
        REQUIRE(st->log.nr == 0);
        return;
    }
    REQUIRE(st->log.nr == 1);
    REQUIRE(st->log.fired[0] == &st->evs[m]);
    REQUIRE(st->log.at[0] == st->ref[m].time);
    st->ref_now = st->ref[m].time;
    st->ref[m].armed = false;
    st->nr_armed--;
    st->ref_fired++;
}

/* One randomized run: @nr_ops operations over a pool of @nr_evs events,
 * arming with probability that drifts so the heap both fills up (to nearly
 * the whole pool) and drains.  Arm times are now + [0, span) with a small
 * span in some phases so equal times (ties on seq) are frequent. */
static void ref_random_run(u64 seed, unsigned int nr_evs, unsigned int nr_ops)
{
    struct ref_run *st = calloc(1, sizeof(*st));
    struct sim_rng rng;

    ck_assert_ptr_nonnull(st);
    ck_assert_uint_le(nr_evs, RAND_MAX_EVENTS);
    sim_rng_seed(&rng, seed, 99);
    engine_setup(&st->eng, &st->log);
    st->nr_evs = nr_evs;
    for (unsigned int i = 0; i < nr_evs; i++)
        sim_event_init(&st->evs[i], log_fire);
    ref_check(st);

    for (unsigned int op = 0; op < nr_ops; op++) {
        /* phase: 0 fill, 1 churn, 2 drain, by position in the run */
        unsigned int phase = (op * 6 / nr_ops) % 3;
        u64 span = (op / 1000) % 2 ? 8 : 100000;
        unsigned int arm_pct = phase == 0 ? 80 : phase == 1 ? 45 : 15;
        unsigned int r = (unsigned int)sim_rng_below(&rng, 100);
        unsigned int i = (unsigned int)sim_rng_below(&rng, nr_evs);

        if (r < arm_pct) {
            /* arm or re-arm (whichever state i is in) */
            ref_arm(st, i, st->ref_now + sim_rng_below(&rng, span));
        } else if (r < arm_pct + 10) {
            /* cancel, armed or not (unarmed cancel must be a no-op) */
            ref_cancel(st, i);
        } else if (r < arm_pct + 15) {
            /* step with a bound that may be before the next event */
            ref_step(st, st->ref_now + sim_rng_below(&rng, span));
        } else {
            ref_step(st, UINT64_MAX);
        }
        ref_check(st);
    }
    /* drain completely */
    while (st->nr_armed) {
        ref_step(st, UINT64_MAX);
        ref_check(st);
    }
    ck_assert(!sim_engine_step(&st->eng, UINT64_MAX));
    sim_engine_destroy(&st->eng);
    free(st);
}

START_TEST(test_engine_random_vs_reference)
{
    /* _i selects seed and pool size; 2000 events in the largest pool */
    static const unsigned int pools[] = {1, 2, 7, 64, 500, 2000};
    unsigned int pool = pools[_i % (sizeof(pools) / sizeof(pools[0]))];
    unsigned int ops = pool >= 500 ? 40000 : 20000;

    ref_random_run(0x5eed0000ULL + (u64)_i, pool, ops);
}
END_TEST

START_TEST(test_engine_fill_2000)
{
    /* Arm 2000 events with random (often equal) times, then pop all: must
     * come out sorted by (time, arming order). */
    struct ref_run *st = calloc(1, sizeof(*st));
    struct sim_rng rng;

    ck_assert_ptr_nonnull(st);
    sim_rng_seed(&rng, 42, 7);
    engine_setup(&st->eng, &st->log);
    st->nr_evs = RAND_MAX_EVENTS;
    for (unsigned int i = 0; i < RAND_MAX_EVENTS; i++) {
        sim_event_init(&st->evs[i], log_fire);
        ref_arm(st, i, sim_rng_below(&rng, 300));
        REQUIRE(sim_engine_sane(&st->eng));
    }
    ref_check(st);
    REQUIRE(st->eng.nr == RAND_MAX_EVENTS);
    while (st->nr_armed) {
        ref_step(st, UINT64_MAX);
        ref_check(st);
    }
    sim_engine_destroy(&st->eng);
    free(st);
}
END_TEST

START_TEST(test_engine_fifo_equal_time)
{
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event a, b, c;

    engine_setup(&eng, &log);
    sim_event_init(&a, log_fire);
    sim_event_init(&b, log_fire);
    sim_event_init(&c, log_fire);
    sim_event_arm(&eng, &a, 100);
    sim_event_arm(&eng, &b, 100);
    sim_event_arm(&eng, &c, 100);
    ck_assert(sim_engine_sane(&eng));
    sim_engine_run_until(&eng, 1000);
    ck_assert_uint_eq(log.nr, 3);
    ck_assert_ptr_eq(log.fired[0], &a);
    ck_assert_ptr_eq(log.fired[1], &b);
    ck_assert_ptr_eq(log.fired[2], &c);
    for (unsigned int i = 0; i < 3; i++)
        ck_assert_uint_eq(log.at[i], 100);
    ck_assert_uint_eq(eng.nr_events, 3);
    ck_assert(!sim_event_armed(&a) && !sim_event_armed(&b) && !sim_event_armed(&c));
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(test_engine_rearm_fresh_seq)
{
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event a, b, c, d;
    u64 seq_before;

    engine_setup(&eng, &log);
    sim_event_init(&a, log_fire);
    sim_event_init(&b, log_fire);
    sim_event_init(&c, log_fire);
    sim_event_init(&d, log_fire);

    /* a armed first; b, c later at the same time; re-arming a at the same
     * time sends it behind b and c. */
    sim_event_arm(&eng, &a, 50);
    sim_event_arm(&eng, &b, 50);
    sim_event_arm(&eng, &c, 50);
    seq_before = a.seq;
    sim_event_arm(&eng, &a, 50);
    ck_assert_uint_gt(a.seq, c.seq);
    ck_assert_uint_gt(a.seq, seq_before);
    ck_assert_uint_eq(eng.nr, 3); /* moved, not duplicated */

    /* d armed late, then moved earlier: it now fires first */
    sim_event_arm(&eng, &d, 500);
    sim_event_arm(&eng, &d, 10);
    ck_assert_uint_eq(d.time, 10);
    ck_assert_uint_eq(eng.nr, 4);
    ck_assert(sim_engine_sane(&eng));

    sim_engine_run_until(&eng, 1000);
    ck_assert_uint_eq(log.nr, 4);
    ck_assert_ptr_eq(log.fired[0], &d);
    ck_assert_ptr_eq(log.fired[1], &b);
    ck_assert_ptr_eq(log.fired[2], &c);
    ck_assert_ptr_eq(log.fired[3], &a);
    ck_assert_uint_eq(log.at[0], 10);
    ck_assert_uint_eq(log.at[3], 50);

    /* moving an event later */
    sim_event_arm(&eng, &a, 2000);
    sim_event_arm(&eng, &b, 2100);
    sim_event_arm(&eng, &a, 3000);
    log.nr = 0;
    sim_engine_run_until(&eng, 5000);
    ck_assert_uint_eq(log.nr, 2);
    ck_assert_ptr_eq(log.fired[0], &b);
    ck_assert_ptr_eq(log.fired[1], &a);
    ck_assert_uint_eq(log.at[1], 3000);
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(test_engine_cancel)
{
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event a, b, idle;

    engine_setup(&eng, &log);
    sim_event_init(&a, log_fire);
    sim_event_init(&b, log_fire);
    sim_event_init(&idle, log_fire);

    /* cancel of a never-armed event: no-op */
    sim_event_cancel(&eng, &idle);
    ck_assert(!sim_event_armed(&idle));
    ck_assert_uint_eq(eng.nr, 0);
    ck_assert(sim_engine_sane(&eng));

    sim_event_arm(&eng, &a, 10);
    sim_event_arm(&eng, &b, 20);
    sim_event_cancel(&eng, &a);
    ck_assert(!sim_event_armed(&a));
    ck_assert_uint_eq(eng.nr, 1);
    /* second cancel: no-op, b untouched */
    sim_event_cancel(&eng, &a);
    sim_event_cancel(&eng, &idle);
    ck_assert_uint_eq(eng.nr, 1);
    ck_assert(sim_event_armed(&b));
    ck_assert(sim_engine_sane(&eng));

    sim_engine_run_until(&eng, 100);
    ck_assert_uint_eq(log.nr, 1);
    ck_assert_ptr_eq(log.fired[0], &b);
    /* cancel of an event that already fired: no-op */
    sim_event_cancel(&eng, &b);
    ck_assert_uint_eq(eng.nr, 0);
    ck_assert_uint_eq(eng.nr_events, 1);
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(test_engine_arm_from_handler_same_time)
{
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event a, b, late;

    engine_setup(&eng, &log);
    sim_event_init(&a, chain_fire);
    sim_event_init(&b, log_fire);
    sim_event_init(&late, log_fire);
    log.chain = &b;
    log.chain_delay_ns = 0;

    sim_event_arm(&eng, &a, 100);
    sim_event_arm(&eng, &late, 101);
    sim_engine_run_until(&eng, 100);
    /* b was armed by a's handler for t = 100 and fired in the same run */
    ck_assert_uint_eq(log.nr, 2);
    ck_assert_ptr_eq(log.fired[0], &a);
    ck_assert_ptr_eq(log.fired[1], &b);
    ck_assert_uint_eq(log.at[1], 100);
    ck_assert_uint_eq(eng.now, 100);
    ck_assert(sim_event_armed(&late));
    ck_assert(!sim_event_armed(&b));
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(test_engine_run_until)
{
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event e5, e10a, e10b, e11;

    engine_setup(&eng, &log);
    sim_event_init(&e5, log_fire);
    sim_event_init(&e10a, log_fire);
    sim_event_init(&e10b, log_fire);
    sim_event_init(&e11, log_fire);

    /* empty heap: the clock still advances to until */
    sim_engine_run_until(&eng, 3);
    ck_assert_uint_eq(eng.now, 3);
    ck_assert_uint_eq(log.nr, 0);

    sim_event_arm(&eng, &e11, 11);
    sim_event_arm(&eng, &e10a, 10);
    sim_event_arm(&eng, &e5, 5);
    sim_event_arm(&eng, &e10b, 10);

    sim_engine_run_until(&eng, 10);
    ck_assert_uint_eq(eng.now, 10);
    ck_assert_uint_eq(log.nr, 3); /* 5, 10, 10: events exactly at until fire */
    ck_assert_ptr_eq(log.fired[0], &e5);
    ck_assert_ptr_eq(log.fired[1], &e10a);
    ck_assert_ptr_eq(log.fired[2], &e10b);
    ck_assert(sim_event_armed(&e11));
    ck_assert_uint_eq(eng.nr, 1);

    /* until before the next event: nothing fires, now == until */
    sim_engine_run_until(&eng, 10);
    ck_assert_uint_eq(log.nr, 3);
    ck_assert_uint_eq(eng.now, 10);

    /* step respects its bound too */
    ck_assert(!sim_engine_step(&eng, 10));
    ck_assert_uint_eq(eng.now, 10);
    ck_assert(sim_engine_step(&eng, 11));
    ck_assert_uint_eq(eng.now, 11);

    /* heap ran dry early: now still ends at until */
    sim_engine_run_until(&eng, 1000000);
    ck_assert_uint_eq(eng.now, 1000000);
    ck_assert_uint_eq(eng.nr_events, 4);
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(test_engine_grow)
{
    /* beyond the initial capacity, with events scattered in reverse order */
    enum { N = 5000 };
    struct sim_engine eng;
    struct fire_log log;
    struct sim_event *evs = calloc(N, sizeof(*evs));

    ck_assert_ptr_nonnull(evs);
    engine_setup(&eng, &log);
    for (unsigned int i = 0; i < N; i++) {
        sim_event_init(&evs[i], log_fire);
        sim_event_arm(&eng, &evs[i], (u64)(N - i) * 3);
    }
    REQUIRE(sim_engine_sane(&eng));
    REQUIRE(eng.nr == N);
    for (unsigned int k = 0; k < N; k++) {
        log.nr = 0;
        REQUIRE(sim_engine_step(&eng, UINT64_MAX));
        REQUIRE(log.fired[0] == &evs[N - 1 - k]);
        REQUIRE(eng.now == (u64)(k + 1) * 3);
    }
    REQUIRE(sim_engine_sane(&eng));
    sim_engine_destroy(&eng);
    free(evs);
}
END_TEST

/* ------------------------------------------------------------------ */
/* rng                                                                 */
/* ------------------------------------------------------------------ */

/* Reference xoshiro256** written from the published algorithm (Blackman &
 * Vigna, prng.di.unimi.it/xoshiro256starstar.c), independent of src/core. */
static u64 ref_rotl(u64 x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static u64 ref_xoshiro_next(u64 s[4])
{
    const u64 result = ref_rotl(s[1] * 5, 7) * 9;
    const u64 t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}

START_TEST(test_rng_known_answer)
{
    struct sim_rng r;
    u64 ref[4] = {1, 2, 3, 4};

    r.s[0] = 1;
    r.s[1] = 2;
    r.s[2] = 3;
    r.s[3] = 4;
    /* rotl(2 * 5, 7) * 9 = 1280 * 9 */
    ck_assert_uint_eq(sim_rng_next(&r), 11520);
    ck_assert_uint_eq(ref_xoshiro_next(ref), 11520);
    for (int i = 1; i < 4; i++)
        ck_assert_uint_eq(sim_rng_next(&r), ref_xoshiro_next(ref));
    /* and a long run stays in lock-step */
    for (int i = 0; i < 100000; i++)
        REQUIRE(sim_rng_next(&r) == ref_xoshiro_next(ref));
    for (int i = 0; i < 4; i++)
        REQUIRE(r.s[i] == ref[i]);
}
END_TEST

START_TEST(test_rng_seed_splitmix)
{
    /* Stream 0 of seed 0 is splitmix64 started at 0, whose first outputs
     * are the published e220a8397b1dcdaf, 6e789e6aa1b965f4, ... */
    struct sim_rng r;

    sim_rng_seed(&r, 0, 0);
    ck_assert_uint_eq(r.s[0], 0xe220a8397b1dcdafULL);
    ck_assert_uint_eq(r.s[1], 0x6e789e6aa1b965f4ULL);
    ck_assert_uint_eq(r.s[2], 0x06c45d188009454fULL);
    ck_assert_uint_eq(r.s[3], 0xf88bb8a8724c81ecULL);
}
END_TEST

START_TEST(test_rng_streams)
{
    struct sim_rng a, b, c, d;
    unsigned int equal_bc = 0, equal_bd = 0;

    sim_rng_seed(&a, 12345, 3);
    sim_rng_seed(&b, 12345, 3);
    sim_rng_seed(&c, 12345, 4);
    sim_rng_seed(&d, 12346, 3);
    for (int i = 0; i < 1000; i++) {
        u64 va = sim_rng_next(&a), vb = sim_rng_next(&b);
        REQUIRE(va == vb);
        equal_bc += vb == sim_rng_next(&c);
        equal_bd += vb == sim_rng_next(&d);
    }
    REQUIRE(equal_bc == 0);
    REQUIRE(equal_bd == 0);
    /* the state is not all zero (xoshiro's one forbidden state) */
    sim_rng_seed(&a, 0, 0);
    REQUIRE((a.s[0] | a.s[1] | a.s[2] | a.s[3]) != 0);
}
END_TEST

START_TEST(test_rng_below_uniform)
{
    enum { BUCKETS = 10, DRAWS = 100000 };
    struct sim_rng r;
    unsigned int n[BUCKETS] = {0};
    double chi2 = 0, expect = (double)DRAWS / BUCKETS;

    sim_rng_seed(&r, 2024, 1);
    for (int i = 0; i < DRAWS; i++) {
        u64 v = sim_rng_below(&r, BUCKETS);
        REQUIRE(v < BUCKETS);
        n[v]++;
    }
    for (int b = 0; b < BUCKETS; b++)
        chi2 += ((double)n[b] - expect) * ((double)n[b] - expect) / expect;
    /* 9 degrees of freedom: P(chi2 > 27.9) = 0.001; loose bound */
    ck_assert_double_lt(chi2, 40.0);

    /* bounds at the edges */
    for (int i = 0; i < 1000; i++) {
        REQUIRE(sim_rng_below(&r, 1) == 0);
        REQUIRE(sim_rng_below(&r, 3) < 3);
        REQUIRE(sim_rng_below(&r, (1ULL << 63) + 1) < (1ULL << 63) + 1);
        REQUIRE(sim_rng_below(&r, UINT64_MAX) < UINT64_MAX);
    }
}
END_TEST

START_TEST(test_rng_double)
{
    struct sim_rng r;
    double sum = 0, lo = 1, hi = 0;
    enum { N = 100000 };

    sim_rng_seed(&r, 7, 0);
    for (int i = 0; i < N; i++) {
        double x = sim_rng_double(&r);
        REQUIRE(x >= 0.0 && x < 1.0);
        sum += x;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    ck_assert_double_lt(fabs(sum / N - 0.5), 0.01);
    ck_assert_double_lt(lo, 0.001);
    ck_assert_double_gt(hi, 0.999);

    /* the smallest possible draw: s[1] = 0 gives rotl(0 * 5, 7) * 9 = 0 */
    r.s[0] = 1;
    r.s[1] = r.s[2] = r.s[3] = 0;
    REQUIRE(sim_rng_double(&r) == 0.0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* hist                                                                */
/* ------------------------------------------------------------------ */

START_TEST(test_hist_small_exact)
{
    struct hist h;

    hist_init(&h);
    for (u64 v = 1; v <= 63; v++)
        hist_add(&h, v);
    ck_assert_uint_eq(h.count, 63);
    ck_assert_uint_eq(h.max, 63);
    ck_assert_uint_eq(h.sum, 63 * 64 / 2);
    ck_assert_uint_eq(hist_quantile(&h, 0.5), 32);
    ck_assert_uint_eq(hist_quantile(&h, 0.0), 1);
    ck_assert_uint_eq(hist_quantile(&h, 1.0), 63);
    /* rank k for every k: q = (k - 0.5) / 63 gives ceil(q * 63) = k */
    for (u64 k = 1; k <= 63; k++)
        ck_assert_uint_eq(hist_quantile(&h, ((double)k - 0.5) / 63.0), k);
    for (u64 v = 0; v < 64; v++) {
        ck_assert_uint_eq(hist_bucket(v), v);
        ck_assert_uint_eq(hist_bucket_low((unsigned int)v), v);
    }

    /* a single value */
    hist_init(&h);
    hist_add(&h, 0);
    ck_assert_uint_eq(hist_quantile(&h, 0.5), 0);
    ck_assert_uint_eq(h.count, 1);
}
END_TEST

START_TEST(test_hist_buckets)
{
    REQUIRE(hist_bucket_low(0) == 0);
    for (unsigned int b = 0; b < HIST_NR_BUCKETS; b++) {
        u64 low = hist_bucket_low(b);
        REQUIRE(hist_bucket(low) == b);
        if (b + 1 < HIST_NR_BUCKETS) {
            u64 next = hist_bucket_low(b + 1);
            REQUIRE(next > low);
            /* the bucket covers [low, next) */
            REQUIRE(hist_bucket(next - 1) == b);
            /* width relative to low below 1/64 once past the exact range */
            if (low >= 64)
                REQUIRE((next - low) * 64 <= low);
        }
    }
    REQUIRE(hist_bucket(UINT64_MAX) == HIST_NR_BUCKETS - 1);
    REQUIRE(hist_bucket(64) == 64);
    REQUIRE(hist_bucket_low(64) == 64);
    REQUIRE(hist_bucket(127) == 127);
    REQUIRE(hist_bucket(128) == 128);
    REQUIRE(hist_bucket(129) == 128); /* width 2 from 128 */
}
END_TEST

/* lognormal-ish sample: exp(N(mu, sigma)) via Box-Muller */
static u64 lognormal(struct sim_rng *r, double mu, double sigma)
{
    double u1 = 1.0 - sim_rng_double(r), u2 = sim_rng_double(r);
    double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    return (u64)exp(mu + sigma * z);
}

START_TEST(test_hist_quantile_error)
{
    enum { N = 1 << 17 }; /* so q * N is exact for q = k / 1024 */
    static const unsigned int ks[] = {1, 10, 128, 256, 512, 768, 922, 1000, 1014, 1023};
    struct hist *h = malloc(sizeof(*h));
    u64 *v = malloc(sizeof(*v) * N);
    struct sim_rng r;
    u64 max = 0, sum = 0;

    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_nonnull(v);
    sim_rng_seed(&r, 11, 0);
    hist_init(h);
    for (unsigned int i = 0; i < N; i++) {
        v[i] = lognormal(&r, 10.0, 2.0) + (i % 3); /* spans ~1 .. 1e8 */
        hist_add(h, v[i]);
        max = v[i] > max ? v[i] : max;
        sum += v[i];
    }
    qsort(v, N, sizeof(*v), tu_cmp_u64);
    ck_assert_uint_eq(h->count, N);
    ck_assert_uint_eq(h->max, max);
    ck_assert_uint_eq(h->sum, sum);
    ck_assert_uint_eq(hist_quantile(h, 1.0), max);
    for (unsigned int j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
        double q = ks[j] / 1024.0;
        u64 rank = (u64)ks[j] * (N / 1024); /* ceil(q * N), exact */
        u64 exact = v[rank - 1];
        u64 got = hist_quantile(h, q);
        ck_assert_uint_le(got, exact);
        ck_assert_msg((double)(exact - got) < (double)exact / 64.0,
                      "q=%g exact=%llu got=%llu", q, (unsigned long long)exact,
                      (unsigned long long)got);
    }
    free(v);
    free(h);
}
END_TEST

START_TEST(test_hist_empty)
{
    struct hist h;

    hist_init(&h);
    ck_assert_uint_eq(h.count, 0);
    ck_assert_uint_eq(hist_quantile(&h, 0.0), 0);
    ck_assert_uint_eq(hist_quantile(&h, 0.5), 0);
    ck_assert_uint_eq(hist_quantile(&h, 0.99), 0);
    ck_assert_uint_eq(hist_quantile(&h, 1.0), 0);
}
END_TEST

START_TEST(test_hist_merge)
{
    struct hist *all = malloc(sizeof(*all)), *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    struct hist *empty = malloc(sizeof(*empty));
    struct sim_rng r;

    ck_assert(all && a && b && empty);
    hist_init(all);
    hist_init(a);
    hist_init(b);
    hist_init(empty);
    sim_rng_seed(&r, 5, 5);
    for (int i = 0; i < 50000; i++) {
        u64 x = lognormal(&r, 8.0, 3.0);
        hist_add(all, x);
        hist_add(sim_rng_below(&r, 3) ? a : b, x);
    }
    hist_merge(a, b);
    ck_assert_uint_eq(a->count, all->count);
    ck_assert_uint_eq(a->max, all->max);
    ck_assert_uint_eq(a->sum, all->sum);
    ck_assert_int_eq(memcmp(a->buckets, all->buckets, sizeof(all->buckets)), 0);
    for (int k = 0; k <= 100; k++)
        ck_assert_uint_eq(hist_quantile(a, k / 100.0), hist_quantile(all, k / 100.0));

    /* merging into and from an empty histogram */
    hist_merge(empty, all);
    ck_assert_int_eq(memcmp(empty, all, sizeof(*all)), 0);
    hist_init(b);
    hist_merge(all, b);
    ck_assert_int_eq(memcmp(empty, all, sizeof(*all)), 0);
    free(all);
    free(a);
    free(b);
    free(empty);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc_engine = tcase_create("engine");
    TCase *tc_rng = tcase_create("rng");
    TCase *tc_hist = tcase_create("hist");

    tcase_add_loop_test(tc_engine, test_engine_random_vs_reference, 0, 12);
    tcase_add_test(tc_engine, test_engine_fill_2000);
    tcase_add_test(tc_engine, test_engine_fifo_equal_time);
    tcase_add_test(tc_engine, test_engine_rearm_fresh_seq);
    tcase_add_test(tc_engine, test_engine_cancel);
    tcase_add_test(tc_engine, test_engine_arm_from_handler_same_time);
    tcase_add_test(tc_engine, test_engine_run_until);
    tcase_add_test(tc_engine, test_engine_grow);
    tcase_set_timeout(tc_engine, 120);
    suite_add_tcase(s, tc_engine);

    tcase_add_test(tc_rng, test_rng_known_answer);
    tcase_add_test(tc_rng, test_rng_seed_splitmix);
    tcase_add_test(tc_rng, test_rng_streams);
    tcase_add_test(tc_rng, test_rng_below_uniform);
    tcase_add_test(tc_rng, test_rng_double);
    suite_add_tcase(s, tc_rng);

    tcase_add_test(tc_hist, test_hist_small_exact);
    tcase_add_test(tc_hist, test_hist_buckets);
    tcase_add_test(tc_hist, test_hist_quantile_error);
    tcase_add_test(tc_hist, test_hist_empty);
    tcase_add_test(tc_hist, test_hist_merge);
    suite_add_tcase(s, tc_hist);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(core_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
