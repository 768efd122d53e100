/*
 * vsched/deboost.h - the arithmetic and the helpers of the scheduler-side
 * yield algorithms, for tests and tools.  A simulation reaches them through
 * the yield_to policies (policy.h); calling them directly is for unit tests
 * and for tools that tabulate the formulas.
 *
 * deboost-v2: W. Li, "[PATCH v2 0/9] sched/kvm: Semantics-aware vCPU
 * scheduling", patches 1-5 (2025-12-19).  The helpers keep the patch's names
 * and signatures (struct rq first; rq_clock(rq) is rq->sim's time).
 * lag-credit-v3: W. Li, "[PATCH v3 00/10]" (2026-06-12), patches 1-5 as far
 * as the archive has them; the parts it lacks are MODEL choices documented in
 * docs/policies.md.
 */
#ifndef VSCHED_DEBOOST_H
#define VSCHED_DEBOOST_H

#include <stdbool.h>
#include <stdint.h>

#include "vsched/sched.h"

/* ---- deboost-v2 ---- */

/* yield_deboost_rate_limit(): one pass per rq per 6 ms (the patch's
 * "6 * NSEC_PER_MSEC", compared with <=). */
#define YIELD_DEBOOST_RATE_LIMIT_NS (6 * NSEC_PER_MSEC)
/* yield_deboost_apply_debounce(): reverse pair within 600 us (<=). */
#define YIELD_DEBOOST_DEBOUNCE_NS (600 * NSEC_PER_USEC)

/*
 * What yield_deboost_calculate_penalty() returns for these inputs, the
 * debounce decision already taken (@reverse_pair_recent: the rq's last pair
 * was target -> yielder within 600 us).  Pure; u64 arithmetic exactly as the
 * patch, including its wrap of need + need/10 for need > ~0.91 * 2^64 and the
 * kernel clamp() semantics when gran * k overflows.
 * @gran:   calc_delta_fair(sysctl_sched_base_slice, se_y_lca)
 * @need:   se_t_lca->vruntime - se_y_lca->vruntime if the raw u64 '>' holds, else 0
 * @h_nr_queued: h_nr_queued of the LCA's queue
 */
uint64_t deboost_penalty(uint64_t gran, uint64_t need, unsigned int h_nr_queued,
                         bool reverse_pair_recent);

/*
 * The patch's helpers (static in the kernel), exposed for tests.  All work
 * on @rq's state; @rq->sim supplies the clock, knobs and counters.
 */
/* true = skip (the last pass was <= 6 ms ago); else records now. */
bool yield_deboost_rate_limit(struct rq *rq);
/* Rate limit first, then the task checks; the yielder (rq->donor == curr)
 * or NULL.  Does not check the enable knob or a NULL target (the caller
 * does since v2). */
struct task_struct *yield_deboost_validate_tasks(struct rq *rq, struct task_struct *p_target);
/* find_matching_se() on the two task entities; false if the common queue
 * has h_nr_queued <= 1.  Outputs are written only on success. */
bool yield_deboost_find_lca(struct sched_entity *se_y, struct sched_entity *se_t,
                            struct sched_entity **se_y_lca_out,
                            struct sched_entity **se_t_lca_out, struct cfs_rq **cfs_rq_out);
/* gran, need, debounce (updates the rq's last pair), caps; see above. */
u64 yield_deboost_calculate_penalty(struct rq *rq, struct sched_entity *se_y_lca,
                                    struct sched_entity *se_t_lca, struct task_struct *p_target,
                                    int h_nr_queued);
/* vruntime += penalty and a fresh deadline, unless the u64 guards refuse.
 * SIM: returns whether it wrote (the kernel's is void). */
bool yield_deboost_apply_penalty(struct sched_entity *se_y_lca, struct cfs_rq *cfs_rq,
                                 u64 penalty);
/* The whole debooster as yield_to_task_fair() (patch 5) calls it. */
void yield_to_deboost(struct rq *rq, struct task_struct *p_target);

/* ---- lag-credit-v3 ---- */

/* Forced local resched at most once per 6 ms per rq (v3 patch 5). */
#define YIELD_CREDIT_RESCHED_RATE_LIMIT_NS (6 * NSEC_PER_MSEC)

/*
 * MODEL: the positive-lag margin of v3 patch 2 (not in the archive).  Our
 * reading of the cover letter ("a small positive vlag margin", "scales with
 * runqueue depth", "clamped to entity_lag()'s legal positive-lag bound"):
 *
 *   margin_ns = base_slice_ns * min(nr_queued - 1, MAX_COMPETITORS) * NUM / DEN
 *   vmargin   = calc_delta_fair(margin_ns, se)
 *   target    = min(vmargin, entity_lag_limit(se))
 *
 * i.e. a quarter of a base slice per entity competing at that level, capped
 * at four competitors (one base slice, half of entity_lag()'s bound for the
 * default slice, so the bound only bites for short custom slices).
 */
#define YIELD_CREDIT_MARGIN_NUM 1             /* base slices per competitor: NUM/DEN */
#define YIELD_CREDIT_MARGIN_DEN 4
#define YIELD_CREDIT_MARGIN_MAX_COMPETITORS 4 /* depth term saturates here */

struct yield_credit_params {
    u32 margin_num;               /* base slices per competitor, numerator */
    u32 margin_den;               /* ... denominator (> 0) */
    u32 max_competitors;          /* cap on nr_queued - 1 */
};

/* The named constants above. */
extern const struct yield_credit_params yield_credit_default_params;

/* margin_ns for a level holding @nr_queued entities (0 if nr_queued <= 1). */
u64 yield_credit_margin_ns(const struct yield_credit_params *par, u64 base_slice_ns,
                           unsigned int nr_queued);
/* The vlag to credit @se to on @cfs_rq: min(calc_delta_fair(margin_ns, se),
 * entity_lag_limit(se)); *@clamped (may be NULL) tells whether the bound cut. */
s64 yield_credit_target_vlag(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                             const struct yield_credit_params *par, bool *clamped);
/* Re-place @se on @cfs_rq so that its lag (V - v, V including se) becomes
 * @vlag: in place for the off-tree cfs_rq->curr (deadline and vprot move
 * with vruntime), through the requeue_delayed_entity() sequence for a queued
 * entity (fresh deadline). */
void eevdf_credit_entity_vlag(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                              s64 vlag);

#endif /* VSCHED_DEBOOST_H */
