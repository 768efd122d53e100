/*
 * vsched/trace.h - event traces of a run: what each host CPU ran, when and
 * why, streamed to a file while the simulation runs.
 *
 * Two formats (docs/traces.md describes both line by line):
 *  - ftrace text, as the kernel's tracefs "trace" file and "trace-cmd report
 *    -t" print it: sched_switch / sched_waking / sched_wakeup with the
 *    kernel's own field layout, kvm_exit / kvm_entry with KVM's, and vsched_*
 *    events (directed yield, IPIs, interrupt handlers, halts, guest locks) in
 *    the same key=value style.  Perfetto's ftrace-text importer reads it.
 *  - Chrome Trace Event Format JSON: one process per host CPU ("CPU n") with
 *    a complete ("X") event per stint of a task on the CPU and instant ("i")
 *    events for exits, IPIs, yields, halts and locks.  Perfetto and
 *    chrome://tracing open it.
 *
 * How it attaches: struct sim has one pointer, sim->trace (NULL = tracing
 * off).  Every emit site in the model is
 *     if (sim->trace)
 *         trace_xxx(sim, ...);
 * and the trace_* functions only read simulator state, so a traced run is
 * event for event the run without tracing (tests/check_trace.c checks the
 * results byte for byte).
 *
 * Memory is bounded: events are formatted into a fixed buffer and written
 * out as it fills; nothing is kept per event.  Each file stops growing at
 * its limit (trace_options.limit_bytes): a last note (a "#" comment line, a
 * global instant event) says that it was truncated, and the JSON is closed
 * properly, so a truncated trace is still a valid file.
 *
 * Files are written under a temporary name in the target directory and
 * renamed by trace_close(); after any write error trace_close() fails, the
 * temporary is removed, and nothing exists under the final name.
 *
 * Ownership: trace_open() returns a trace the caller owns; trace_close() and
 * trace_abort() free it.  The trace borrows the sim (its tasks, CPUs and
 * scenario), which must outlive it.
 */
#ifndef VSCHED_TRACE_H
#define VSCHED_TRACE_H

#include <glib.h>

#include "vsched/types.h"

struct sim;
struct rq;
struct task_struct;
struct kvm_vcpu;
struct trace;

enum trace_format {
    TRACE_FORMAT_FTRACE = 1,      /* ftrace text */
    TRACE_FORMAT_CHROME = 2,      /* Chrome Trace Event Format JSON */
    TRACE_FORMAT_BOTH = 3,        /* both, in two files (trace_output_path) */
};

#define TRACE_DEFAULT_LIMIT_BYTES (512ULL << 20)
/* Smallest accepted per-file limit: room for the header and the final note. */
#define TRACE_MIN_LIMIT_BYTES 4096ULL

struct trace_options {
    const char *path;             /* --trace FILE (borrowed) */
    enum trace_format format;
    u64 limit_bytes;              /* per file; 0 = TRACE_DEFAULT_LIMIT_BYTES */
};

/* "ftrace", "chrome" or "both". */
bool trace_format_parse(const char *s, enum trace_format *out);
/* The format --trace FILE gets without --trace-format: chrome if FILE ends
 * in ".json", else ftrace. */
enum trace_format trace_format_for_path(const char *path);
/*
 * The file a format is written to (g_free).  @which is TRACE_FORMAT_FTRACE
 * or TRACE_FORMAT_CHROME.  With one format that is @path itself; with
 * TRACE_FORMAT_BOTH, @path without a ".txt" or ".json" suffix, plus ".txt"
 * (ftrace) or ".json" (chrome).
 */
char *trace_output_path(const char *path, enum trace_format format, enum trace_format which);

/* Create the temporary file(s) and write the headers.  Fails (NULL, @error
 * set) if a file cannot be created.  Set sim->trace to the result. */
struct trace *trace_open(struct sim *sim, const struct trace_options *opt, GError **error);
/* Finish at sim_now(sim): close the stints still running (Chrome), write the
 * footers, flush, fsync and rename into place.  Detaches it from the sim
 * (sim->trace = NULL) and frees it.  Returns false with @error set - and no
 * file under any final name - if anything could not be written. */
bool trace_close(struct trace *t, struct sim *sim, GError **error);
/* Drop the trace: remove the temporary files, detach and free. */
void trace_abort(struct trace *t, struct sim *sim);

/* Did a file reach its limit?  Events written so far (per line/event, all
 * files; the header and metadata not counted). */
bool trace_truncated(const struct trace *t);
u64 trace_nr_events(const struct trace *t);

/* ---- emit points (call only when sim->trace != NULL) ---- */

/* context_switch() on @rq: @prev (NULL = idle) leaves, @next (NULL = idle)
 * takes the CPU.  prev_state is R if @prev is still TASK_RUNNING, else S. */
void trace_sched_switch(struct sim *sim, struct rq *rq, struct task_struct *prev,
                        struct task_struct *next);
/* try_to_wake_up() made @p runnable on its CPU (@new_task: wake_up_new_task). */
void trace_sched_wakeup(struct sim *sim, struct task_struct *p, bool new_task);

/* kvm_exit with our reason (enum kvm_exit), kvm_entry into guest mode. */
void trace_kvm_exit(struct sim *sim, struct kvm_vcpu *v, int reason);
void trace_kvm_entry(struct sim *sim, struct kvm_vcpu *v);
/* kvm_vcpu_on_spin(@me) starts its candidate scan. */
void trace_kvm_on_spin(struct sim *sim, struct kvm_vcpu *me);
/* kvm_vcpu_yield_to(@me, @target) returned @ret (1, 0 or -ESRCH). */
void trace_kvm_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target, int ret);

/* How an IPI left the sender. */
enum trace_ipi_via {
    TRACE_IPI_ICR = 0,            /* x2APIC ICR write, one destination (exit) */
    TRACE_IPI_ALLBUT,             /* ICR write with the all-but-self shorthand (exit) */
    TRACE_IPI_PV,                 /* KVM_HC_SEND_IPI (exit) */
    TRACE_IPI_IPIV,               /* IPI virtualization (no exit) */
    TRACE_IPI_KICK,               /* KVM_HC_KICK_CPU (PV unlock kick, no vector) */
};
void trace_ipi_send(struct sim *sim, struct kvm_vcpu *src, struct kvm_vcpu *dst, int vector,
                    enum trace_ipi_via via);
/* The guest starts the handler of @vector, @latency_ns after it was sent. */
void trace_irq_handler_entry(struct sim *sim, struct kvm_vcpu *v, int vector, u64 latency_ns);
/* A halted vCPU blocks in kvm_vcpu_block() / is woken by kvm_vcpu_wake_up(). */
void trace_halt_block(struct sim *sim, struct kvm_vcpu *v);
void trace_halt_wake(struct sim *sim, struct kvm_vcpu *v);
/* Guest lock instance @lock acquired after @wait_ns / released after @hold_ns. */
void trace_lock_acquire(struct sim *sim, struct kvm_vcpu *v, unsigned int lock, u64 wait_ns);
void trace_lock_release(struct sim *sim, struct kvm_vcpu *v, unsigned int lock, u64 hold_ns);

#endif /* VSCHED_TRACE_H */
