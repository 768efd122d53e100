/*
 * vsched/sched.h - the host scheduler: run-queues, fair-class entities, task
 * groups and tasks, with the kernel's names (kernel/sched/sched.h, fair.c).
 *
 * What is modelled: the fair class only (every task is SCHED_NORMAL), EEVDF as
 * in the 6.18.y stable / v6.19 kernels, CONFIG_FAIR_GROUP_SCHED with
 * per-CPU group queues and group entities, DELAY_DEQUEUE, buddies, slice
 * protection, wakeup preemption, yield and yield_to.
 * What is left out: PELT (group shares use instantaneous queue weights, the
 * kernel's "ideal" formula), RT/DL/idle classes (an idle CPU just has no
 * curr), CFS bandwidth, proxy execution (donor == curr), NUMA, util_est.
 */
#ifndef VSCHED_SCHED_H
#define VSCHED_SCHED_H

#include "vsched/core.h"
#include "vsched/scenario.h"
#include "vsched/types.h"

/* ---- fixed-point load arithmetic (kernel/sched/sched.h, core.c) ---- */
#define SCHED_FIXEDPOINT_SHIFT 10
#define NICE_0_LOAD_SHIFT (SCHED_FIXEDPOINT_SHIFT + SCHED_FIXEDPOINT_SHIFT)
#define NICE_0_LOAD (1UL << NICE_0_LOAD_SHIFT)
#define WMULT_CONST (~0U)
#define WMULT_SHIFT 32
#define MIN_SHARES (1UL << 1)
#define MAX_SHARES (1UL << 18)

static inline unsigned long scale_load(unsigned long w)
{
    return w << SCHED_FIXEDPOINT_SHIFT;
}
static inline unsigned long scale_load_down(unsigned long w)
{
    unsigned long __w = w;

    if (__w)
        __w = __w >> SCHED_FIXEDPOINT_SHIFT > 2UL ? __w >> SCHED_FIXEDPOINT_SHIFT : 2UL;
    return __w;
}

extern const int sched_prio_to_weight[40];
extern const u32 sched_prio_to_wmult[40];

struct load_weight {
    unsigned long weight; /* scaled (<< 10) */
    u32 inv_weight;       /* ~2^32/w_down; 0 = compute lazily */
};

void __update_inv_weight(struct load_weight *lw);
u64 __calc_delta(u64 delta_exec, unsigned long weight, struct load_weight *lw);

/* enqueue / dequeue flags (kernel/sched/sched.h values) */
#define DEQUEUE_SLEEP 0x01
#define DEQUEUE_SAVE 0x02
#define DEQUEUE_MOVE 0x04
#define DEQUEUE_NOCLOCK 0x08
#define DEQUEUE_SPECIAL 0x10
#define DEQUEUE_MIGRATING 0x100
#define DEQUEUE_DELAYED 0x200
#define ENQUEUE_WAKEUP 0x01
#define ENQUEUE_RESTORE 0x02
#define ENQUEUE_MOVE 0x04
#define ENQUEUE_NOCLOCK 0x08
#define ENQUEUE_INITIAL 0x80
#define ENQUEUE_MIGRATED 0x40
#define ENQUEUE_DELAYED 0x200
#define ENQUEUE_QUEUED 0x00200000 /* sched/flat: rq->cfs.h_nr_queued already counts se */

/* wake flags */
#define WF_EXEC 0x02
#define WF_FORK 0x04
#define WF_TTWU 0x08
#define WF_SYNC 0x10
#define WF_MIGRATED 0x20

struct cfs_rq;
struct rq;
struct sim;
struct task_group;
struct task_struct;

struct sched_entity {
    struct load_weight load;      /* this entity's weight */
    /* sched/flat (kernel.pick "flat"): a task's effective weight on rq->cfs,
     * the product of se->load / cfs_rq->load down its chain
     * (__calc_prop_weight()).  Zero and unused under the hierarchical pick;
     * se_eevdf_load() picks the weight the EEVDF arithmetic uses. */
    struct load_weight h_load;
    struct cfs_rq *cfs_rq;        /* queue it is (to be) queued on */
    struct cfs_rq *my_q;          /* queue it owns (group entities), NULL for tasks */
    struct sched_entity *parent;  /* group entity one level up, NULL at the top */
    int depth;                    /* 0 for entities on rq->cfs */
    bool on_rq;                   /* queued (incl. curr and delayed) */
    bool sched_delayed;           /* DELAY_DEQUEUE: blocked but still queued */
    bool rel_deadline;            /* deadline is relative to vruntime */
    bool custom_slice;            /* slice set from below (groups) */
    u64 exec_start;               /* rq_clock_task when it last started running */
    u64 sum_exec_runtime;         /* total ns on a CPU */
    u64 prev_sum_exec_runtime;    /* sum_exec_runtime when last picked */
    u64 vruntime;                 /* virtual runtime, wraps */
    u64 deadline;                 /* virtual deadline, wraps */
    u64 slice;                    /* request size (ns) */
    /*
     * v6.17-v6.19 keep the slice-protection point in the same storage as
     * the lag (a union), so reweight_entity() on a running group entity
     * clobbers its protection.  Kept as a union on purpose: both of our
     * profiles have it (separated only in v7.0, 80390ead2080).
     */
    union {
        s64 vlag;                 /* V - v at dequeue (clamped), while not running */
        u64 vprot;                /* slice protection end, while curr */
    };
    /* SIM: the kernel's augmented rb-tree is a sorted list here (see fair.c). */
    struct sched_entity *rb_next; /* next in (deadline, insertion) order */
    struct sched_entity *rb_prev; /* previous */
    bool on_tree;                 /* currently linked in cfs_rq's tree */
    /* SIM: counters only - deboost-v2 penalty applied since the last
     * update_entity_lag() of this entity (0 = none); see policy.h. */
    u64 deboost_penalty_pending;
};

struct cfs_rq {
    struct load_weight load;      /* sum of weights of queued entities incl. curr */
    unsigned int nr_queued;       /* entities queued here (incl. curr, delayed) */
    unsigned int h_nr_queued;     /* tasks queued in the whole subtree */
    unsigned int h_nr_runnable;   /* h_nr_queued minus delayed tasks */
    /* v7.0 names, backported to 6.18.y: avg_vruntime/avg_load in v6.8-v6.19. */
    s64 sum_w_vruntime;           /* sum of key*w_down over tree entities */
    u64 sum_weight;               /* sum of w_down over tree entities */
    u64 zero_vruntime;            /* v0, origin of the keys */
    struct sched_entity *curr;    /* running entity (not in the tree); sched/flat: the running task, on rq->cfs only */
    struct sched_entity *h_curr;  /* sched/flat only: the running entity of this level (hierarchical current) */
    struct sched_entity *next;    /* next buddy */
    struct sched_entity *rb_leftmost; /* earliest deadline in the tree */
    unsigned int nr_tree;         /* entities in the tree */
    struct rq *rq;                /* CPU this queue lives on */
    struct task_group *tg;        /* group owning this queue */
};

struct task_group {
    char *path;                   /* "/", "/A", "/P1/a" */
    struct task_group *parent;    /* NULL for the root */
    unsigned long shares;         /* scaled (cpu.shares << 10) */
    struct sched_entity **se;     /* per-CPU group entity (NULL for root) */
    struct cfs_rq **cfs_rq;       /* per-CPU queue */
    unsigned int depth;           /* 0 for root */
    u64 load_down_sum;            /* SIM: sum over CPUs of scale_load_down(cfs_rq[cpu]->load.weight),
                                     the instantaneous stand-in for tg->load_avg */
};

enum task_state {
    TASK_RUNNING = 0,
    TASK_INTERRUPTIBLE = 1,
};

struct task_struct;

/*
 * What a task does with a CPU.  The scheduler core only knows that a running
 * task has some amount of CPU work left; when that amount has been consumed
 * it calls ->work_done, which decides what comes next (more work, sleep,
 * yield).  Host tasks with programs and, later, vCPUs implement this.
 */
struct task_ops {
    /* The task's work budget ran out while it was running on its CPU. */
    void (*work_done)(struct sim *sim, struct task_struct *p);
    /* The task just got (@on = true) or lost (false) its CPU; optional. */
    void (*switched)(struct sim *sim, struct task_struct *p, bool on);
    /* Another task was just enqueued on the CPU where @p runs (so
     * single_task_running() turned false); optional. */
    void (*rq_enqueued)(struct sim *sim, struct task_struct *p);
    /* An interrupt (the tick, a reschedule IPI) reaches the CPU where @p
     * runs, before the scheduler acts on it; optional.  A vCPU in guest
     * mode takes an external-interrupt exit here. */
    void (*interrupted)(struct sim *sim, struct task_struct *p);
    /* True while @p runs host code that a reschedule does not preempt; it
     * then calls resched_deferred_done() when that code has finished.
     * Optional. */
    bool (*resched_deferred)(struct sim *sim, struct task_struct *p);
};

struct task_stats {
    u64 nr_switches;              /* times switched out (voluntary + involuntary) */
    u64 nr_yields;                /* sched_yield() calls */
    u64 nr_wakeups;               /* try_to_wake_up() that woke it */
    u64 nr_migrations;            /* CPU changes */
    u64 nr_yield_to;              /* yield_to() calls made */
    struct hist run_ns;           /* length of each stint on a CPU */
};

struct task_struct {
    struct sched_entity se;       /* must stay first-level for task_of() */
    unsigned int pid;             /* index in sim->tasks, from 1 */
    char *name;
    struct task_group *sched_task_group;
    int static_prio;              /* 120 + nice */
    enum task_state __state;
    int on_rq;                    /* TASK_ON_RQ_QUEUED or 0 */
    bool on_cpu;                  /* is rq->curr */
    unsigned int cpu;             /* task_cpu() */
    struct cpumask cpus_allowed;
    u64 work_left_ns;             /* CPU work remaining before ->work_done */
    u64 work_start;               /* clock when the current stint started consuming work */
    u64 stats_stint_start;        /* when it last got a CPU (for stats.run_ns) */
    const struct task_ops *ops;
    void *priv;                   /* behaviour state (borrowed by ops) */
    struct sim_event wake_ev;     /* sleep timer */
    struct task_stats stats;
};

#define TASK_ON_RQ_QUEUED 1

struct rq {
    unsigned int cpu;
    struct sim *sim;              /* back pointer */
    struct cfs_rq cfs;            /* root queue */
    unsigned int nr_running;      /* all queued tasks incl. delayed */
    struct task_struct *curr;     /* NULL = idle */
    bool need_resched;            /* TIF_NEED_RESCHED of curr */
    u64 nr_switches;              /* context switches */
    u64 busy_ns;                  /* time with a task running */
    u64 busy_since;               /* when the current busy stretch started */
    struct sim_event tick_ev;     /* scheduler tick (stopped while idle) */
    struct sim_event resched_ev;  /* deferred __schedule() for need_resched */
    struct sim_event work_ev;     /* curr's work budget runs out */
    /*
     * vCPU debooster state (W. Li v2 patch 1/9), initialised in init_rq()
     * exactly as the patch does in sched_init(): 0, -1, -1, 0.
     */
    u64 yield_deboost_last_time_ns;
    int yield_deboost_last_src_pid;
    int yield_deboost_last_dst_pid;
    u64 yield_deboost_last_pair_time_ns;
    /* lag-credit v3: last forced local resched (rate limit), 0 = never */
    u64 yield_credit_last_resched_ns;
};

/* Derived kernel parameters for one simulation. */
struct sched_params {
    enum kernel_profile profile;
    bool feat[SF_NR];
    unsigned int hz;
    u64 tick_nsec;                           /* TICK_NSEC = (1e9 + HZ/2) / HZ */
    u64 normalized_sysctl_sched_base_slice;  /* 700000 */
    u64 sysctl_sched_base_slice;             /* scaled by CPU count */
    u64 timer_slack_ns;
    bool skew_tick;                          /* tick of CPU n offset by n * (TICK_NSEC/2) / nr_cpus */
    u64 balance_interval_ns;
    bool newidle_balance;
    bool flat_pick;                          /* kernel.pick "flat": sched/flat, one EEVDF queue per CPU */
    bool reweight_rescale;                   /* kernel.reweight "rescale": 101f3498b4bd */
};

#define sched_feat(sim, f) ((sim)->params.feat[SF_##f])
/* sched/flat ("sched/eevdf: Move to a single runqueue"): tasks only, on rq->cfs. */
#define sched_flat(sim) ((sim)->params.flat_pick)

/* Entities the EEVDF queue @cfs_rq counts: nr_queued, or under sched/flat
 * (where only rq->cfs is an EEVDF queue, holding tasks) h_nr_queued. */
#define eevdf_nr_queued(sim, cfs_rq) (sched_flat(sim) ? (cfs_rq)->h_nr_queued : (cfs_rq)->nr_queued)

/* The weight the EEVDF arithmetic of @se uses: se->load, or under sched/flat
 * a task's h_load (set before the task first reaches rq->cfs). */
static inline struct load_weight *se_eevdf_load(struct sched_entity *se)
{
    return se->h_load.weight ? &se->h_load : &se->load;
}

static inline struct task_struct *task_of(struct sched_entity *se)
{
    return container_of(se, struct task_struct, se);
}
static inline bool entity_is_task(const struct sched_entity *se)
{
    return se->my_q == NULL;
}
static inline struct cfs_rq *cfs_rq_of(struct sched_entity *se)
{
    return se->cfs_rq;
}
static inline struct cfs_rq *group_cfs_rq(struct sched_entity *se)
{
    return se->my_q;
}
static inline struct sched_entity *parent_entity(struct sched_entity *se)
{
    return se->parent;
}
static inline struct rq *rq_of(struct cfs_rq *cfs_rq)
{
    return cfs_rq->rq;
}
static inline bool task_on_rq_queued(const struct task_struct *p)
{
    return p->on_rq == TASK_ON_RQ_QUEUED;
}
static inline int task_nice(const struct task_struct *p)
{
    return p->static_prio - 120;
}

/* ---- fair.c: EEVDF, one level and the hierarchy ---- */
u64 calc_delta_fair(u64 delta, struct sched_entity *se);
s64 entity_key(struct cfs_rq *cfs_rq, struct sched_entity *se);
u64 avg_vruntime(struct cfs_rq *cfs_rq);
int vruntime_eligible(struct cfs_rq *cfs_rq, u64 vruntime);
int entity_eligible(struct cfs_rq *cfs_rq, struct sched_entity *se);
u64 cfs_rq_min_slice(struct cfs_rq *cfs_rq);
struct sched_entity *__pick_first_entity(struct cfs_rq *cfs_rq);
struct sched_entity *__pick_eevdf(struct cfs_rq *cfs_rq, bool protect);
struct sched_entity *pick_eevdf(struct cfs_rq *cfs_rq);
bool protect_slice(struct sched_entity *se);
void set_protect_slice(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se);
void update_protect_slice(struct cfs_rq *cfs_rq, struct sched_entity *se);
void cancel_protect_slice(struct sched_entity *se);
void update_curr(struct sim *sim, struct cfs_rq *cfs_rq);
bool update_deadline(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se);
void update_entity_lag(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se);
s64 entity_lag_limit(struct sim *sim, struct sched_entity *se);
void place_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se, int flags);
void enqueue_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se, int flags);
bool dequeue_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se, int flags);
void set_next_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se);
void put_prev_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *prev);
void reweight_entity(struct sim *sim, struct cfs_rq *cfs_rq, struct sched_entity *se,
                     unsigned long weight);
void update_cfs_group(struct sim *sim, struct sched_entity *se);
void set_next_buddy(struct sched_entity *se);
void clear_buddies(struct cfs_rq *cfs_rq, struct sched_entity *se);
void find_matching_se(struct sched_entity **se, struct sched_entity **pse);
void __enqueue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se);
void __dequeue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se);
void init_cfs_rq(struct cfs_rq *cfs_rq, struct rq *rq, struct task_group *tg);
long calc_group_shares(struct cfs_rq *cfs_rq);
struct cfs_rq *is_same_group(struct sched_entity *se, struct sched_entity *pse);

void enqueue_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p, int flags);
bool dequeue_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p, int flags);
struct task_struct *pick_task_fair(struct sim *sim, struct rq *rq);
struct task_struct *pick_next_task_fair(struct sim *sim, struct rq *rq, struct task_struct *prev);
void put_prev_task_fair(struct sim *sim, struct rq *rq, struct task_struct *prev);
void set_next_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p);
void task_tick_fair(struct sim *sim, struct rq *rq, struct task_struct *curr);
void check_preempt_wakeup_fair(struct sim *sim, struct rq *rq, struct task_struct *p,
                               int wake_flags);
void yield_task_fair(struct sim *sim, struct rq *rq);
void yield_task_fair_mode(struct sim *sim, struct rq *rq, bool forfeit);
bool yield_to_task_fair(struct sim *sim, struct rq *rq, struct task_struct *p);
/* update_curr_fair(): the running task's accounting (every level under sched/flat). */
void update_curr_fair(struct sim *sim, struct rq *rq);
/* sched/flat: se->load / cfs_rq->load folded into @weight, one level (src/sched/fair.c). */
unsigned long __calc_prop_weight(struct cfs_rq *cfs_rq, struct sched_entity *se,
                                 unsigned long weight);
/* sched/flat: the weight @p would have on rq->cfs now (NICE_0_LOAD folded down its chain). */
unsigned long task_prop_weight(struct task_struct *p);
void set_load_weight(struct task_struct *p);

/* Debug check of one queue's bookkeeping against a recomputation. */
bool cfs_rq_sane(struct cfs_rq *cfs_rq);

/* ---- core.c: the per-CPU scheduler core ---- */
void init_rq(struct sim *sim, struct rq *rq, unsigned int cpu);
void resched_curr(struct sim *sim, struct rq *rq);
/* The current task's deferring section (task_ops.resched_deferred) is over:
 * a reschedule requested meanwhile takes effect now. */
void resched_deferred_done(struct sim *sim, struct rq *rq);
void __schedule(struct sim *sim, struct rq *rq);
void wake_up_new_task(struct sim *sim, struct task_struct *p);
bool try_to_wake_up(struct sim *sim, struct task_struct *p, int wake_flags);
/* Called by a running task's behaviour: block in state TASK_INTERRUPTIBLE. */
void sched_block_current(struct sim *sim, struct task_struct *p);
void do_sched_yield(struct sim *sim, struct task_struct *p);
/* yield_to(p, preempt) as called by @curr (running); returns 1, 0 or -ESRCH. */
int yield_to(struct sim *sim, struct task_struct *curr, struct task_struct *p, bool preempt);
/* Give the running task @p @ns more CPU work before ->work_done is called. */
void task_set_work(struct sim *sim, struct task_struct *p, u64 ns);
/* Bring @p's work_left_ns up to date and stop its work timer (p running). */
void task_stop_work(struct sim *sim, struct task_struct *p);
/* If @p is running and its work timer is not armed, arm it for work_left_ns. */
void task_resume_work(struct sim *sim, struct task_struct *p);
/* single_task_running() on @p's CPU. */
bool single_task_running(struct sim *sim, struct task_struct *p);
/* @p's CPU time as clock_gettime(CLOCK_THREAD_CPUTIME_ID) reads it; for the
 * running task this runs update_curr() (and may raise a reschedule). */
u64 task_sched_runtime(struct sim *sim, struct task_struct *p);
void sched_tick(struct sim *sim, struct rq *rq);
/* Move a queued, not running task to @dst (load balancing). */
void move_queued_task(struct sim *sim, struct task_struct *p, unsigned int dst);
/* The same, but @p may be running (active balance through the stopper). */
void migrate_task_active(struct sim *sim, struct task_struct *p, unsigned int dst);
unsigned int select_task_rq(struct sim *sim, struct task_struct *p, int wake_flags);

/* ---- balance.c ---- */
void sched_balance_newidle(struct sim *sim, struct rq *rq);
void sched_balance_periodic(struct sim *sim);

/* ---- cgroup.c ---- */
struct task_group *task_group_new(struct sim *sim, const char *path, struct task_group *parent,
                                  unsigned long shares_unscaled);
void task_group_free(struct sim *sim, struct task_group *tg);
void attach_entity_to_group(struct sim *sim, struct sched_entity *se, struct task_group *tg,
                            unsigned int cpu);

#endif /* VSCHED_SCHED_H */
