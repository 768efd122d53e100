/*
 * vsched/kvm.h - the KVM layer: VMs whose vCPUs are host tasks, their
 * run-state flags, PLE, halt and halt polling, the LAPIC, directed yield.
 *
 * Names follow virt/kvm/kvm_main.c and arch/x86/kvm (kernel-mechanisms §5).
 * A vCPU is a struct task_struct scheduled by the host's EEVDF like any
 * other task; what it does with its CPU (guest code, exits, halts) is the
 * state machine in src/virt/vcpu.c, driven by the guest model in src/guest.
 */
#ifndef VSCHED_KVM_H
#define VSCHED_KVM_H

#include "vsched/core.h"
#include "vsched/scenario.h"
#include "vsched/sched.h"

struct sim;
struct kvm;
struct guest_cpu;
struct guest_vm;

/* Interrupt vectors (arch/x86/include/asm/irq_vectors.h). */
#define LOCAL_TIMER_VECTOR 0xec
#define CALL_FUNCTION_SINGLE_VECTOR 0xfb
#define CALL_FUNCTION_VECTOR 0xfc
#define RESCHEDULE_VECTOR 0xfd

/* vcpu->mode (include/linux/kvm_host.h) */
enum vcpu_mode {
    OUTSIDE_GUEST_MODE = 0,
    IN_GUEST_MODE,
    EXITING_GUEST_MODE,
};

/* Exit reasons we count (per VM) and handle. */
enum kvm_exit {
    KVM_EXIT_PLE = 0,      /* PAUSE-loop exit -> kvm_vcpu_on_spin */
    KVM_EXIT_HLT,          /* HLT -> kvm_vcpu_halt */
    KVM_EXIT_ICR,          /* x2APIC ICR write (fixed IPI) */
    KVM_EXIT_EOI,          /* x2APIC EOI write (APICv off) */
    KVM_EXIT_HC_SEND_IPI,  /* KVM_HC_SEND_IPI (PV multicast IPI) */
    KVM_EXIT_HC_KICK,      /* KVM_HC_KICK_CPU (PV spinlock unlock) */
    KVM_EXIT_HC_YIELD,     /* KVM_HC_SCHED_YIELD */
    KVM_EXIT_EXTINT,       /* external interrupt (host tick / resched IPI / kick) */
    KVM_EXIT_DIAG_9C,      /* s390 DIAGNOSE 0x9c (directed yield) -> __diag_time_slice_end_directed */
    KVM_EXIT_NR
};
extern const char *const kvm_exit_names[KVM_EXIT_NR];

/* What the vCPU thread is doing on (or off) its CPU. */
enum vcpu_phase {
    VP_ENTRY = 0,          /* host code, then VM entry (a cost in progress) */
    VP_GUEST,              /* running guest code */
    VP_EXIT,               /* VM exit in progress; handled when the cost is paid */
    VP_POLL,               /* halt polling in kvm_vcpu_halt */
    VP_BLOCKED,            /* blocked in kvm_vcpu_block */
};

/* Per-vCPU LAPIC state (arch/x86/kvm/lapic.h), 256 vectors. */
struct kvm_lapic {
    u64 irr[4];            /* interrupt request register */
    u64 isr[4];            /* in-service register */
    u64 pir[4];            /* posted-interrupt requests (APICv) */
    bool pid_on;           /* PID.ON: outstanding notification */
    bool pid_sn;           /* PID.SN: suppress notification (preempted) */
    bool timer_pending;    /* lapic_timer.pending: expired, injected at the next entry */
    int highest_isr_cache; /* the vector last put in service, -1 after an EOI; kept only
                              without APICv (apic_set_isr / apic_clear_isr) */
    bool pv_eoi_pending;   /* KVM_APIC_PV_EOI_PENDING in arch.apic_attention */
    bool pv_eoi_guest;     /* KVM_PV_EOI_ENABLED in the guest's kvm_apic_eoi word */
    u64 sent_at[256];      /* when the pending vector was sent (latency stats) */
};

/* IPI-aware directed yield context (W. Li v2 patch 6/9, arch.ipi_context). */
struct kvm_ipi_context {
    int last_ipi_sender;   /* vcpu_idx or -1 */
    int last_ipi_receiver; /* vcpu_idx or -1 */
    bool pending_ipi;
    u64 ipi_time_ns;
    int last_ipi_vector;   /* v3, receive side: vector of the tracked IPI this vCPU
                              received (or -1); its EOI must match it */
    int last_ipi_vector_sent; /* v3, send side: vector of the tracked IPI this vCPU
                                 sent (or -1); kept apart so that a send between
                                 receiving and EOI does not change the match */
};

struct vcpu_stats {
    u64 guest_ns;          /* CPU time in guest mode */
    u64 spin_ns;           /* of which spinning (locks, csd waits) */
    u64 host_ns;           /* CPU time in host mode (exits, entries, polling) */
    u64 poll_ns;           /* of which halt polling */
    u64 spin_host_ns;      /* host time spent while the guest was in a spin loop */
    u64 exits[KVM_EXIT_NR];
};

struct kvm_vcpu {
    struct task_struct task;      /* the vCPU thread (first member) */
    struct kvm *kvm;
    unsigned int vcpu_idx;        /* index in kvm->vcpus */
    unsigned int vcpu_id;         /* APIC ID (== vcpu_idx) */
    struct sim_event start_ev;    /* creates the thread (sim.c, "start_us") */

    /* run state (kernel-mechanisms 5.1) */
    bool wants_to_run;            /* inside KVM_RUN: always true here */
    bool preempted;
    bool ready;
    bool scheduled_out;
    bool in_spin_loop;            /* spin_loop.in_spin_loop */
    bool dy_eligible;             /* spin_loop.dy_eligible */
    bool spin_loop_exit_due;      /* yielded out of kvm_vcpu_on_spin(): the flags above are
                                     cleared when it runs again (after schedule() returns) */
    bool preempted_in_kernel;     /* arch.preempted_in_kernel */
    bool at_instruction_boundary; /* arch.at_instruction_boundary: last exit was an interrupt */
    bool st_preempted;            /* steal-time "preempted" byte, KVM_VCPU_PREEMPTED */
    bool st_flush_tlb;            /* steal-time KVM_VCPU_FLUSH_TLB (PV TLB flush deferred) */
    bool pv_unhalted;             /* arch.pv.pv_unhalted */
    bool req_event;               /* KVM_REQ_EVENT pending */
    bool blocking;                /* kvm_vcpu_is_blocking(): rcuwait has a waiter */
    enum vcpu_mode mode;

    /* PLE (5.5): window in cycles */
    u32 ple_window;
    /* halt polling (5.1) */
    u64 halt_poll_ns;             /* this vCPU's current poll time */
    u64 halt_start;               /* when the current halt began */

    /* the thread's state machine */
    enum vcpu_phase phase;
    enum kvm_exit exit_reason;    /* valid in VP_EXIT */
    u64 seg_len;                  /* CPU ns of the current segment still to consume when it was set */
    struct sim_event poke_ev;     /* guest memory changed (lock hand-off, csd done): re-evaluate */
    struct sim_event notify_ev;   /* an interrupt notification or kick IPI reaches the pCPU */

    struct kvm_lapic apic;
    struct kvm_ipi_context ipi_ctx;
    struct guest_cpu *g;          /* the guest thread on this vCPU */
    struct vcpu_stats stats;
};

struct kvm_vm_stats {
    u64 yield_to_attempts;        /* kvm_vcpu_yield_to() calls that reached yield_to() */
    u64 yield_to_success;         /* returned > 0 */
    u64 yield_to_esrch;           /* returned -ESRCH */
    u64 yield_to_zero;            /* returned 0 */
    u64 on_spin;                  /* kvm_vcpu_on_spin() calls */
    u64 diag_9c;                  /* s390: DIAGNOSE 0x9c handled (stat instruction_diagnose_9c) */
    u64 diag_9c_ignored;          /* ... of which ignored (stat diag_9c_ignored) */
    u64 ipis_sent;                /* IPIs sent by this VM's vCPUs (per destination) */
    u64 ipis_received;            /* handlers started */
    struct hist ipi_latency;      /* send -> handler start, ns */
    u64 halt_wakeups;             /* blocked vCPUs woken */
    u64 halt_poll_success;        /* halts that ended while polling */
    u64 pv_eois;                  /* EOIs KVM took from the guest's PV EOI word at an exit
                                     (apic_sync_pv_eoi_from_guest; no EOI exit, no EOI hook) */
    /* directed-yield policy counters (IPI-aware family, pv-hint) */
    u64 ipi_track_records;        /* sender/receiver pairs recorded */
    u64 ipi_eoi_clear_receiver;   /* receiver contexts cleared at EOI */
    u64 ipi_eoi_clear_sender;     /* sender pending flags cleared at EOI */
    u64 ipi_stale;                /* candidate checks that found a pair older than the window */
    u64 dy_tier[3];               /* candidates that passed the strict round's filter by tier 1
                                     (IPI receiver), 2 (pending interrupt), 3 (preempted); the
                                     dy_eligible toggle is checked after */
    u64 dy_relaxed_rounds;        /* second (relaxed) rounds run */
    u64 dy_relaxed_hits;          /* candidates that passed the relaxed round's preempted gate */
    u64 dy_hint_hits;             /* pv-hint: yields straight to the published vCPU */
    u64 dy_hint_fallbacks;        /* pv-hint: no usable hint, mainline scan instead */
};

struct kvm {
    char *name;
    unsigned int idx;             /* index in sim->vms */
    const struct scenario_vm *svm;
    struct kvm_vcpu **vcpus;      /* [online_vcpus] */
    unsigned int online_vcpus;
    int last_boosted_vcpu;        /* kvm->last_boosted_vcpu */
    struct task_group *tg;
    struct guest_vm *guest;
    struct kvm_vm_stats stats;
};

/* Derived KVM costs for a simulation (from scenario.kvm and host.cpu_ghz). */
static inline u64 kvm_cycles_to_ns(const struct scenario *sc, u64 cycles)
{
    return (u64)((double)cycles / sc->cpu_ghz + 0.5);
}

/* ---- vcpu.c: the thread's state machine ---- */
/* @tg is the VM's group; @vcpu_tgs, when not NULL, the group of each vCPU
 * thread (libvirt's per-vCPU groups, children of @tg), else all are in @tg. */
void kvm_vm_create(struct sim *sim, struct kvm *kvm, const struct scenario_vm *svm,
                   const char *name, struct task_group *tg, struct task_group *const *vcpu_tgs,
                   unsigned int first_pid);
void kvm_vm_destroy(struct kvm *kvm);
static inline struct kvm_vcpu *vcpu_of(struct task_struct *p)
{
    return container_of(p, struct kvm_vcpu, task);
}
bool task_is_vcpu(const struct task_struct *p);

/* The end of the run: account the running vCPU's current segment so far. */
void vcpu_finish_accounting(struct sim *sim, struct kvm_vcpu *v);

/* Guest-initiated transitions (called by src/guest on a running vCPU in VP_GUEST). */
/* The guest needs nothing for @ns more guest-mode CPU time (re-evaluated by
 * guest_resume() when the time is up or the vCPU is poked). */
void vcpu_guest_run(struct sim *sim, struct kvm_vcpu *v, u64 ns);
/* The guest executes an instruction that exits. */
void vcpu_exit(struct sim *sim, struct kvm_vcpu *v, enum kvm_exit reason);
/* Ask a vCPU's guest to re-evaluate its state soon (@delay ns from now):
 * something it polls in memory changed. */
void vcpu_poke(struct sim *sim, struct kvm_vcpu *v, u64 delay);
/* A posted-interrupt notification (or, with mode EXITING_GUEST_MODE, the
 * kick's reschedule IPI) reaches the vCPU's pCPU @delay ns from now. */
void vcpu_notify(struct sim *sim, struct kvm_vcpu *v, u64 delay);

/* ---- kvm_main.c ---- */
/*
 * The v6.19 loop of kvm_vcpu_on_spin() (round robin after last_boosted_vcpu,
 * the ready / blocking / dy_eligible checks, try = 3) with the
 * preempted-in-user filter replaced by @candidate: it returns 0 to skip the
 * vCPU, or a positive tier to try it.  The scan visits idx = (@start + i) mod
 * nr; *@try is decremented by every -ESRCH and the scan stops when it reaches
 * 0 (it is shared across rounds by callers that retry).  Returns the result
 * of the last kvm_vcpu_yield_to() (0 if none was made).
 */
typedef int (*kvm_dy_candidate_fn)(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
                                   bool yield_to_kernel_mode);
int kvm_vcpu_on_spin_scan(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode,
                          kvm_dy_candidate_fn candidate, int start, int *try);
/* The "mainline" directed-yield policy: the scan with mainline's filter. */
void kvm_vcpu_on_spin_mainline_scan(struct sim *sim, struct kvm_vcpu *me,
                                    bool yield_to_kernel_mode);
/* The tail of kvm_vcpu_on_spin(): leave the spin loop (in_spin_loop and
 * dy_eligible false). */
void kvm_vcpu_spin_loop_exit(struct kvm_vcpu *me);
void kvm_vcpu_on_spin(struct sim *sim, struct kvm_vcpu *me, bool yield_to_kernel_mode);
bool kvm_vcpu_eligible_for_directed_yield(struct kvm_vcpu *vcpu);
int kvm_vcpu_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target);
bool kvm_vcpu_wake_up(struct sim *sim, struct kvm_vcpu *vcpu);
void kvm_vcpu_kick(struct sim *sim, struct kvm_vcpu *vcpu);
bool kvm_vcpu_is_blocking(const struct kvm_vcpu *vcpu);
bool vcpu_dy_runnable(struct sim *sim, struct kvm_vcpu *vcpu);
bool kvm_arch_dy_has_pending_interrupt(struct sim *sim, struct kvm_vcpu *vcpu);
bool kvm_arch_vcpu_preempted_in_kernel(const struct kvm_vcpu *vcpu);
/* KVM_HC_KICK_CPU from @me to @target, then kvm_sched_yield(). */
void kvm_pv_kick_cpu_op(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target);
void kvm_sched_yield(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target);
/* PLE window arithmetic (vmx.c / x86.h __grow_ple_window, __shrink_ple_window). */
u32 __grow_ple_window(u32 val, u32 base, u32 modifier, u32 max);
u32 __shrink_ple_window(u32 val, u32 base, u32 modifier, u32 min);
/* Halt-polling adjustment after a halt of @halt_ns (kvm_vcpu_halt). */
void kvm_halt_poll_adjust(const struct scenario_kvm *k, struct kvm_vcpu *v, u64 halt_ns,
                          bool valid_wakeup);

/* ---- s390_diag.c (arch/s390/kvm/diag.c) ---- */
/* What __diag_time_slice_end_directed() did with a DIAGNOSE 0x9c. */
enum diag9c_outcome {
    DIAG9C_SELF = 0,       /* the target is the caller: ignored */
    DIAG9C_INVALID,        /* no vCPU has that id: ignored */
    DIAG9C_RUNNING,        /* the target is loaded on a host CPU (tcpu->cpu >= 0): ignored */
    DIAG9C_NO_YIELD,       /* kvm_vcpu_yield_to() returned <= 0: ignored */
    DIAG9C_DONE,           /* kvm_vcpu_yield_to() returned > 0 */
};
/* kvm_get_vcpu_by_id(): the vCPU whose vcpu_id is @id, or NULL. */
struct kvm_vcpu *kvm_get_vcpu_by_id(struct kvm *kvm, int id);
/* DIAGNOSE 0x9c from the running @vcpu with CPU address @tid (the guest's
 * smp_yield_cpu()); counts diag_9c / diag_9c_ignored. */
enum diag9c_outcome __diag_time_slice_end_directed(struct sim *sim, struct kvm_vcpu *vcpu,
                                                   int tid);

/* ---- lapic.c ---- */
enum apic_dest {
    APIC_DEST_ONE = 0,     /* physical destination, no shorthand */
    APIC_DEST_ALLBUT,      /* all-but-self shorthand */
};
/* kvm_irq_delivery_to_apic() for a fixed IPI from @src's LAPIC to @dst
 * (unicast, no shorthand) - or, with @dst NULL and @dest APIC_DEST_ALLBUT,
 * to every other vCPU.  Returns the number of accepting vCPUs.  @sent_at is
 * when the guest wrote the ICR (for latency statistics only). */
int kvm_irq_delivery_to_apic(struct sim *sim, struct kvm_vcpu *src, struct kvm_vcpu *dst,
                             enum apic_dest dest, int vector, u64 sent_at);
/* kvm_apic_set_irq() -> __apic_accept_irq() -> deliver_interrupt(). */
/* The LAPIC timer fired (apic_timer_expired from the hrtimer). */
void kvm_apic_timer_expired(struct sim *sim, struct kvm_vcpu *vcpu, u64 now);
int kvm_apic_set_irq(struct sim *sim, struct kvm_vcpu *vcpu, int vector, u64 sent_at);
/* Guest side: highest pending vector to inject at entry / now (-1 if none),
 * moving it IRR -> ISR. */
int kvm_apic_inject(struct sim *sim, struct kvm_vcpu *vcpu);
/* Pending (IRR or PIR) interrupts. */
bool kvm_apic_has_interrupt(const struct kvm_vcpu *vcpu);
/* apic_set_eoi(): clear the highest ISR vector; returns it (-1 if none). */
int apic_set_eoi(struct sim *sim, struct kvm_vcpu *vcpu);
/* The guest's EOI register write (an EOI exit): apic_set_eoi(), then the
 * directed-yield policy's eoi hook with the vector it cleared (-1 if none). */
int kvm_lapic_eoi_write(struct sim *sim, struct kvm_vcpu *vcpu);
/* apic_sync_pv_eoi_to_guest(): offer the guest a PV EOI for the vector just
 * put in service (kvm.pv_eoi, no APICv, nothing else in the IRR). */
void kvm_lapic_sync_to_vapic(struct sim *sim, struct kvm_vcpu *vcpu);
/* apic_sync_pv_eoi_from_guest(), at every exit: the guest's PV EOI since the
 * last entry becomes apic_set_eoi(); an unused offer is withdrawn. */
void kvm_lapic_sync_from_vapic(struct sim *sim, struct kvm_vcpu *vcpu);
/* sync_pir_to_irr at VM entry. */
void kvm_apic_sync_pir_to_irr(struct kvm_vcpu *vcpu);
void kvm_lapic_reset(struct kvm_lapic *apic);

static inline void apic_vec_set(u64 *reg, int vec)
{
    reg[vec >> 6] |= 1ULL << (vec & 63);
}
static inline void apic_vec_clear(u64 *reg, int vec)
{
    reg[vec >> 6] &= ~(1ULL << (vec & 63));
}
static inline bool apic_vec_test(const u64 *reg, int vec)
{
    return reg[vec >> 6] & (1ULL << (vec & 63));
}
/* Highest set vector, -1 if none. */
static inline int apic_vec_highest(const u64 *reg)
{
    for (int w = 3; w >= 0; w--)
        if (reg[w])
            return w * 64 + 63 - __builtin_clzll(reg[w]);
    return -1;
}

#endif /* VSCHED_KVM_H */
