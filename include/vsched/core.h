/*
 * vsched/core.h - the discrete-event engine, the random number generator and
 * the fixed-memory latency histogram.  Nothing here knows about scheduling.
 *
 * Events are intrusive (embedded in their owner, like libuv timers) and live
 * in an array-based binary min-heap ordered by (time, seq).  seq is a
 * per-engine counter taken when the event is armed, so events armed for the
 * same time fire in the order they were armed (FIFO), which gives a total,
 * reproducible order.  Cancel is O(log n) through the stored heap index.
 */
#ifndef VSCHED_CORE_H
#define VSCHED_CORE_H

#include "vsched/types.h"

struct sim_event;
typedef void (*sim_event_fn)(void *ctx, struct sim_event *ev);

struct sim_event {
    u64 time;              /* simulated time (ns) at which it fires */
    u64 seq;               /* tie-breaker: arming order */
    u32 heap_idx;          /* index in the heap, SIM_EVENT_IDLE when not armed */
    sim_event_fn fn;       /* handler; gets the engine's ctx */
};

#define SIM_EVENT_IDLE UINT32_MAX

struct sim_engine {
    struct sim_event **heap; /* binary min-heap of armed events */
    u32 nr;                  /* number of armed events */
    u32 cap;                 /* allocated slots in heap */
    u64 next_seq;            /* next sequence number to hand out */
    u64 now;                 /* current simulated time (ns) */
    u64 nr_events;           /* events fired so far */
    void *ctx;               /* passed to every handler (borrowed) */
};

void sim_engine_init(struct sim_engine *eng, void *ctx);
void sim_engine_destroy(struct sim_engine *eng);

static inline void sim_event_init(struct sim_event *ev, sim_event_fn fn)
{
    ev->time = 0;
    ev->seq = 0;
    ev->heap_idx = SIM_EVENT_IDLE;
    ev->fn = fn;
}
static inline bool sim_event_armed(const struct sim_event *ev)
{
    return ev->heap_idx != SIM_EVENT_IDLE;
}

/* Arm @ev at absolute time @time (>= now).  Re-arming an armed event moves it
 * (and gives it a fresh sequence number). */
void sim_event_arm(struct sim_engine *eng, struct sim_event *ev, u64 time);
/* Disarm; a no-op if not armed. */
void sim_event_cancel(struct sim_engine *eng, struct sim_event *ev);
/* Pop and fire events until the earliest armed event is later than @until or
 * none is left.  Afterwards now == until (if the heap ran dry early, too). */
void sim_engine_run_until(struct sim_engine *eng, u64 until);
/* Fire the single earliest event if its time is <= @until; returns false if
 * there was none. */
bool sim_engine_step(struct sim_engine *eng, u64 until);
/* Heap invariant check for tests and SIM_BUG_ON. */
bool sim_engine_sane(const struct sim_engine *eng);

/*
 * RNG: xoshiro256** (Blackman & Vigna, 2018), state seeded from a 64-bit seed
 * through splitmix64.  One generator per stream; streams are derived from the
 * scenario seed and a stream id so that adding a consumer does not perturb
 * the others.
 */
struct sim_rng {
    u64 s[4];
};
void sim_rng_seed(struct sim_rng *r, u64 seed, u64 stream);
u64 sim_rng_next(struct sim_rng *r);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
u64 sim_rng_below(struct sim_rng *r, u64 bound);
/* Uniform double in [0, 1) with 53 random bits. */
double sim_rng_double(struct sim_rng *r);

/*
 * Log-linear histogram of u64 values (HdrHistogram-like): values below 2^SUB
 * are exact; above, each power-of-two range is split into 2^SUB linear
 * buckets, so the relative error is below 2^-SUB (1/64 = 1.6 %).  Fixed
 * memory whatever the number of samples.
 */
#define HIST_SUB_BITS 6
#define HIST_NR_BUCKETS ((64 - HIST_SUB_BITS + 1) << HIST_SUB_BITS)
struct hist {
    u64 count;                   /* samples recorded */
    u64 max;                     /* largest sample */
    u64 sum;                     /* sum of samples (saturating) */
    u32 buckets[HIST_NR_BUCKETS];/* per-bucket counts (saturating) */
};
void hist_init(struct hist *h);
void hist_add(struct hist *h, u64 v);
/* Value at quantile q in [0,1]: the lower bound of the bucket holding the
 * ceil(q*count)-th sample (exact below 2^HIST_SUB_BITS); 0 when empty; q=1
 * gives max. */
u64 hist_quantile(const struct hist *h, double q);
void hist_merge(struct hist *dst, const struct hist *src);
/* Bucket index and its lower bound (exposed for tests). */
unsigned int hist_bucket(u64 v);
u64 hist_bucket_low(unsigned int b);

#endif /* VSCHED_CORE_H */
