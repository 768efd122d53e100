/*
 * vsched/guest.h - the guest side: one guest thread per vCPU running a
 * workload program, guest spinlocks, IPIs with csd waits, TLB shootdowns,
 * barriers and timer sleeps (kernel-mechanisms §6).
 *
 * MODEL: each vCPU runs its own guest threads (workload.threads_per_vcpu,
 * default 1; no migration between vCPUs).  With more than one, a FIFO guest
 * run queue switches threads only when the running one sleeps (no guest
 * time slices, no wake-up preemption); a vCPU whose threads all sleep
 * halts.  Guest interrupts are always enabled outside handlers; handlers
 * do not nest.
 */
#ifndef VSCHED_GUEST_H
#define VSCHED_GUEST_H

#include "vsched/core.h"
#include "vsched/kvm.h"
#include "vsched/scenario.h"

/* What the guest thread is doing (when not in an interrupt handler). */
enum guest_act {
    GA_COMPUTE = 0,        /* running program code (user or kernel; with locks held:
                              a critical section) */
    GA_LOCK_SPIN,          /* waiting for a spinlock, spinning (PAUSE loop) */
    GA_LOCK_HALT,          /* PV qspinlock waiter halted in pv_wait() */
    GA_SEND,               /* sending IPIs (one exit per ICR write / hypercall) */
    GA_CSD_WAIT,           /* csd_lock_wait(): spinning for IPI handlers */
    GA_BARRIER,            /* halted at a barrier */
    GA_SLEEP,              /* halted until its timer */
    GA_IDLE,               /* not a participant: halted for good */
};

/*
 * A guest thread that is not running on its vCPU: where it is in the
 * program.  The running thread's position lives in struct guest_cpu
 * (step, iter), which is saved here when it sleeps and another runs.
 */
struct guest_thread {
    unsigned int step;            /* next program step */
    u64 iter;                     /* current pass over the program */
    u64 wake_at;                  /* sleeping: when its timer expires */
    bool sleeping;
    u64 left;                     /* preempted by the guest tick: user-mode compute left of
                                     its current step, 0 otherwise */
};

/* A guest spinlock instance. */
struct guest_lock {
    int holder;                   /* vcpu_idx, -1 = free */
    int *queue;                   /* FIFO of waiting vcpu_idx (ring) */
    unsigned int q_head, q_len, q_cap;
    int *unfair;                  /* PV: vcpu_idx of the waiters spinning in the hybrid unfair
                                     trylock, not queued (order of arrival) */
    unsigned int nr_unfair, unfair_cap;
    bool pending;                 /* PV/native: the queue head is spinning with 'pending' set */
    bool slow;                    /* PV: _Q_SLOW_VAL, unlock must kick the head */
    u64 acquired_at;
};

struct guest_vm_stats {
    u64 ops;                      /* completed passes over the program, all vCPUs */
    struct hist lock_wait;        /* lock attempt -> acquired, ns (contended and not) */
    struct hist lock_hold;        /* acquired -> released, ns */
    u64 lock_holder_preempted;    /* holder vCPU scheduled out while holding a lock */
    u64 lock_acquisitions;
    u64 pv_kicks;                 /* unlocks that kicked a halted waiter */
    u64 pv_wait_early;            /* queued waiters that halted early: predecessor not running */
    u64 pv_lock_steals;           /* PV: acquired by the hybrid unfair trylock (the kernel's
                                     pv_lock_stealing lock event) */
    u64 tlb_skipped_preempted;    /* PV TLB flush targets skipped (deferred flush) */
    u64 tlb_skipped_lazy;         /* flush targets skipped in lazy TLB mode (idle guest CPU) */
    u64 thread_switches;          /* guest context switches between two threads of a vCPU */
    u64 thread_preemptions;       /* of which: the tick preempted a thread whose slice was used */
    u64 ticks;                    /* guest ticks (tick_hz) that expired on some vCPU */
    u64 pv_spurious_wakeups;      /* PV: a queued waiter's pv_wait() in pv_wait_node() returned
                                     before it became the queue head (pv_spurious_wakeup) */
    u64 pv_wait_again;            /* PV: the queue head gave up spinning again in one
                                     acquisition (pv_wait_again) */
};

struct guest_vm {
    struct kvm *kvm;
    const struct scenario_workload *wl;
    unsigned int participants;
    struct guest_lock *locks;     /* [wl->nr_locks] */
    /* barrier */
    unsigned int barrier_arrived;
    u64 barrier_gen;
    /* the guest tick: expiries at tick_phase + k * tick_nsec (TICK_NSEC) */
    u64 tick_nsec;                /* 0: no guest tick */
    u64 tick_phase;
    u64 slice_ns;                 /* the guest scheduler's base slice (sysctl_sched_base_slice) */
    struct guest_vm_stats stats;
};

struct guest_cpu {
    struct kvm_vcpu *v;
    bool participant;
    struct sim_rng rng;           /* this vCPU's draws */
    unsigned int step;            /* next program step */
    u64 iter;                     /* current pass over the program */
    enum guest_act act;
    u64 left;                     /* CPU ns left of COMPUTE / CRIT */
    bool kernel;                  /* current COMPUTE is at CPL 0 */
    /* spinning */
    u64 spun;                     /* CPU ns spun since the spin phase began (SPIN_THRESHOLD); s390:
                                     since the loop count was last set to spin_retry */
    u64 ple_spun;                 /* CPU ns of the current PAUSE loop (PLE window) */
    int want_lock;                /* lock index being acquired, -1 */
    bool unfair;                  /* PV: spinning in the hybrid unfair trylock, not queued */
    bool pv_head;                 /* PV: has seen itself at the queue head (entered
                                     pv_wait_head_or_lock(), a fresh SPIN_THRESHOLD) */
    unsigned int pv_head_waits;   /* PV head: times it gave up spinning (waitcnt) */
    bool pv_hashed;               /* PV: this acquisition's lock is hashed for us (the head
                                     halted once, or pv_kick_node() marked us): lp != NULL in
                                     pv_wait_head_or_lock(), so the head does not hash again */
    bool s390_first_yield;        /* s390: arch_spin_lock_classic()'s opening check is due */
    int diag9c_tid;               /* s390: CPU address operand of the pending DIAGNOSE 0x9c */
    u64 lock_wait_start;
    int held[8];                  /* stack of held locks */
    unsigned int nr_held;
    /* IPI sending (GA_SEND) */
    unsigned int *send_to;        /* [online_vcpus] target vcpu_idx */
    unsigned int *scratch;        /* [online_vcpus] */
    unsigned int nr_send, send_pos;
    unsigned int nr_ipi;          /* the first nr_ipi of send_to[] get an IPI (their call
                                     queue was empty); send_pos runs up to nr_ipi */
    bool send_multi;              /* several targets: a mask send */
    bool send_allbut;             /* the mask is every other vCPU (shorthand possible) */
    bool send_wait;               /* then csd_lock_wait */
    bool yield_checked;           /* PV sched-yield rule applied for this send */
    u64 send_local_left;          /* SCF_RUN_LOCAL: the sender's own call of the function,
                                     between sending and waiting (CPU ns left) */
    int send_vector;
    u64 send_start;               /* when the current ICR write / hypercall was issued */
    struct kvm_vcpu *kick_target; /* KVM_HC_KICK_CPU / KVM_HC_SCHED_YIELD argument */
    /* csd wait */
    unsigned int csd_outstanding; /* targets that have not yet run the handler */
    /* interrupt handler */
    bool irq_visible;             /* pending IRR is visible to the guest (after an entry
                                     or a posted-interrupt notification) */
    bool in_irq;
    int irq_vector;
    u64 irq_left;
    bool irq_eoi_done;
    bool irq_pv_eoi;              /* its EOI went through the PV EOI word (no exit) */
    unsigned int irq_csd;         /* csd entries this handler took (llist_del_all() after
                                     its EOI); 0 until it takes them */
    unsigned int irq_pos;         /* CSD_STAGE_SYNC: the batch entry whose function runs */
    unsigned char irq_stage;      /* enum csd_stage: where a function-call handler is */
    /* csd work queued on this vCPU (handler bodies to run) */
    unsigned int csd_queued;      /* function calls queued for this vCPU */
    struct csd_entry *csd_q;      /* [csd_cap] ring of senders */
    unsigned int csd_head, csd_cap;
    u64 barrier_gen;              /* generation this vCPU waits for */
    /* guest threads (workload.threads_per_vcpu) */
    struct guest_thread *threads; /* [nr_threads] */
    unsigned int nr_threads;
    unsigned int cur;             /* the thread whose program runs (or ran last) */
    unsigned int *runq;           /* FIFO ring of woken threads waiting for the vCPU */
    unsigned int rq_head, rq_len;
    u64 resume_left;              /* after the switch: the picked thread's preempted compute */
    u64 slice_start;              /* guest_ns of the vCPU when the current thread was picked */
    struct sim_event timer_ev;    /* LAPIC timer: the earliest of the sleeping threads' expiries
                                     and the next tick */
    /* the guest tick (NO_HZ_IDLE: stopped while the guest CPU idles) */
    bool tick_on;
    u64 next_tick;                /* next expiry while tick_on */
};

struct csd_entry {
    struct kvm_vcpu *sender;      /* the waiting sender until csd_unlock(); NULL if it does
                                     not wait */
    u64 handler_ns;
    bool sync;                    /* CSD_TYPE_SYNC: a sender waits for it */
};

/* __flush_smp_call_function_queue() in a function-call handler. */
enum csd_stage {
    CSD_STAGE_NONE = 0,           /* before the EOI: the queue is not taken yet */
    CSD_STAGE_SYNC,               /* running the SYNC functions one by one, in queue order */
    CSD_STAGE_ASYNC,              /* running the others (async functions, wake-ups) */
    CSD_STAGE_DONE,
};

void guest_vm_init(struct sim *sim, struct kvm *kvm);
void guest_vm_free(struct kvm *kvm);

/* The vCPU runs guest code now (after an entry or a poke): decide what it
 * does next (calls vcpu_guest_run or vcpu_exit, or halts). */
void guest_resume(struct sim *sim, struct kvm_vcpu *v);
/* @elapsed ns of guest-mode CPU time were consumed by the current activity. */
void guest_advance(struct sim *sim, struct kvm_vcpu *v, u64 elapsed);
/* pv_wait_early() of a spinning PV waiter: 0 = halt now, else the spin
 * time (ns) until it would look again (a huge value: never). */
u64 guest_pv_wait_early_in(struct sim *sim, struct kvm_vcpu *v);
/* Guest CPL is 0 (for preempted_in_kernel, PLE). */
bool guest_in_kernel(const struct kvm_vcpu *v);
/* The current guest activity is a PAUSE loop. */
bool guest_spinning(const struct kvm_vcpu *v);
/* The vCPU was scheduled out (@preempted) while holding locks: stats. */
void guest_sched_out(struct sim *sim, struct kvm_vcpu *v);
/* An exit requested by the guest was handled; the guest side effects of
 * that exit (IPI sends, kicks) run here in host context. */
void guest_exit_handled(struct sim *sim, struct kvm_vcpu *v, enum kvm_exit reason);

/* s390 guest's arch_vcpu_is_preempted(@t): false while @t idles in an
 * enabled wait (CIF_ENABLED_WAIT), else true unless SIGP SENSE RUNNING finds
 * it running (CPUSTAT_RUNNING: its thread is on a host CPU). */
bool s390_arch_vcpu_is_preempted(const struct kvm_vcpu *t);

/* pv-hint oracle: the vCPU whose progress @v's current spin waits for (the
 * lock holder, else the queue head it waits behind; for a csd wait the first
 * target that has not run the function yet), or NULL. */
struct kvm_vcpu *guest_waits_for(struct kvm_vcpu *v);

/* Lock primitives, exposed for tests: request lock instance @idx (fast path
 * or queue), look at the wanted lock as a running waiter (true once held),
 * release the innermost held lock (returns the vCPU the unlocker must kick
 * on the PV slow path, or NULL). */
void guest_lock_request(struct sim *sim, struct kvm_vcpu *v, unsigned int idx);
bool guest_lock_try(struct sim *sim, struct kvm_vcpu *v);
struct kvm_vcpu *guest_lock_release(struct sim *sim, struct kvm_vcpu *v);
/* Queue a function call from @v on @n target vCPUs (indices, CPU order) as
 * an IPI step does (smp_call_function_single/many_cond) and set up the
 * send: g->nr_ipi of them, moved to the front of send_to[], get an IPI. */
void guest_call_function(struct kvm_vcpu *v, const unsigned int *targets, unsigned int n,
                         u64 handler_ns, bool wait);

#endif /* VSCHED_GUEST_H */
