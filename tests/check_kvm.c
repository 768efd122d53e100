/*
 * check_kvm.c - the KVM layer: PLE window and halt-poll arithmetic, the
 * directed-yield candidate scan, LAPIC delivery and EOI bookkeeping, halt
 * and kick, paravirt spinlock hand-off, and whole VM simulations.
 */
#include <math.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/results.h"
#include "vsched/sim.h"

#define US(x) ((u64)(x) * 1000ULL)

static const struct guest_step dbench_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(10), 0, 0}, .every = 1},
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(2), 0, 0}, .kernel = true, .every = 1},
    {.kind = GSTEP_LOCK, .lock = 0, .spread = 4, .every = 1},
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(1), 0, 0}, .kernel = true, .every = 1},
    {.kind = GSTEP_UNLOCK, .every = 1},
};

static struct sim_result *run_sc(struct scenario *sc, bool checks)
{
    struct sim_options opt = {.debug_checks = checks};
    struct sim *sim = sim_new(sc, &opt, NULL);
    struct sim_result *r;

    ck_assert_ptr_nonnull(sim);
    sim_run(sim, NULL, NULL);
    r = sim_collect(sim, 0.0);
    sim_free(sim);
    return r;
}

START_TEST(test_smoke_dbench)
{
    struct scenario *sc = tu_vm_scenario(16, 2, 16, false, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 100);
    struct sim_result *r = run_sc(sc, true);
    char *s = result_render(r, FORMAT_TABLE, false);

    if (getenv("VSCHED_TEST_VERBOSE"))
        fputs(s, stderr);
    g_free(s);
    ck_assert_uint_gt(r->vms[0].ops, 0);
    sim_result_free(r);
    scenario_free(sc);
}
END_TEST


/* ---- PLE window arithmetic (vmx.c, x86.h) ---- */

struct ple_case {
    u32 val, base, mod, lim, grow, shrink;
};

/* Expected values worked out by hand from __grow_ple_window /
 * __shrink_ple_window: grow multiplies when modifier < base, else adds,
 * capped at max; shrink divides when modifier < base, else subtracts,
 * floored at min; a modifier < 1 returns the base. */
static const struct ple_case ple_cases[] = {
    {4096, 4096, 2, UINT32_MAX, 8192, 4096},      /* defaults: double / reset (m=0 below) */
    {8192, 4096, 2, UINT32_MAX, 16384, 4096},
    {4096, 4096, 0, UINT32_MAX, 4096, 4096},      /* modifier 0: base */
    /* modifier >= base: add / subtract.  4096 - 5000 wraps in the kernel's
     * unsigned int arithmetic too, and max(val, min) keeps the wrapped value. */
    {4096, 4096, 5000, UINT32_MAX, 9096, 4096U - 5000U},
    {20000, 4096, 5000, UINT32_MAX, 25000, 15000},
    {3000000000U, 4096, 2, UINT32_MAX, UINT32_MAX, 1500000000U}, /* 64-bit product capped */
    {40000, 4096, 2, 65535, 65535, 20000},        /* SVM-like max */
    {6000, 4096, 2, UINT32_MAX, 12000, 4096},     /* shrink floors at min = base */
};

/*
 * VM entitlements: weighted max-min fair shares of the host with every
 * VM bounded by its vCPUs and by the CPUs its threads may use, overlapping
 * CPU sets shared out.  Expected values worked out by hand.
 */
static const struct {
    const char *name;
    unsigned int cpus;
    const char *extra; /* cgroups */
    const char *vms;
    double ent[3];
} ent_cases[] = {
    {"two VMs on the same two of four CPUs", 4, "",
     "{\"name\": \"a\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 2, \"cpus\": [0, 1]}, {\"name\": \"b\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 2, \"cpus\": [0, 1]}",
     {0.25, 0.25, -1}},
    /* c fills CPU 1, a then has only CPU 0, b takes the rest */
    {"partial overlap", 4, "",
     "{\"name\": \"a\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 2, \"cpus\": [0, 1]}, {\"name\": \"b\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 4},"
     " {\"name\": \"c\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 4, \"cpus\": [1]}",
     {0.25, 0.5, 0.25}},
    {"vCPU bound, the rest to the other", 8, "",
     "{\"name\": \"p\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 2}, {\"name\": \"q\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 8}", {0.25, 0.75, -1}},
    /* r's 4 vCPUs pinned 1:1 to CPUs 0-3; s allowed on 0-3 only */
    {"1:1 pinning", 8, "",
     "{\"name\": \"r\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 4, \"pin\": \"1:1\"}, {\"name\": \"s\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 8, \"cpus\": [0, 1, 2, 3]}",
     {0.25, 0.25, -1}},
    {"shares 2:1", 4,
     "\"cgroups\": [{\"path\": \"/machine\"}, {\"path\": \"/machine/x\", \"shares\": 2048}, {\"path\": \"/machine/y\", \"shares\": 1024}],",
     "{\"name\": \"x\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 4, \"cgroup\": \"/machine/x\"}, {\"name\": \"y\", \"workload\": {\"preset\": \"kbuild\"}, \"vcpus\": 4, \"cgroup\": \"/machine/y\"}",
     {2.0 / 3, 1.0 / 3, -1}},
};

START_TEST(test_vm_entitlements)
{
    for (unsigned int k = 0; k < G_N_ELEMENTS(ent_cases); k++) {
        char *json = g_strdup_printf(
            "{\"version\": 1, \"name\": \"e\", \"duration_ms\": 1, \"host\": {\"cpus\": %u}, %s"
            " \"vms\": [%s]}", ent_cases[k].cpus, ent_cases[k].extra, ent_cases[k].vms);
        GError *err = NULL;
        struct scenario *sc = scenario_load_string(json, "e.json", &err);
        struct sim_result *r;

        ck_assert_msg(sc != NULL, "%s: %s", ent_cases[k].name, err ? err->message : "");
        r = run_sc(sc, false);
        for (unsigned int i = 0; i < 3 && ent_cases[k].ent[i] >= 0; i++)
            ck_assert_msg(fabs(r->vms[i].entitlement - ent_cases[k].ent[i]) < 1e-12,
                          "%s: vm %u entitled %.15f, expected %.15f", ent_cases[k].name, i,
                          r->vms[i].entitlement, ent_cases[k].ent[i]);
        sim_result_free(r);
        scenario_free(sc);
        g_free(json);
    }
}
END_TEST

START_TEST(test_ple_window_arith)
{
    const struct ple_case *c = &ple_cases[_i];

    ck_assert_uint_eq(__grow_ple_window(c->val, c->base, c->mod, c->lim), c->grow);
    if (c->mod == 2 && c->val < 10000) /* default shrink = 0 resets */
        ck_assert_uint_eq(__shrink_ple_window(c->val, c->base, 0, c->base), c->base);
    ck_assert_uint_eq(__shrink_ple_window(c->val, c->base, c->mod, c->base), c->shrink);
}
END_TEST

/* Halt-poll adjustment (kvm_vcpu_halt): grow from 0 to grow_start, double,
 * keep when the halt fit, shrink by 2 when a halt exceeded the max, to 0
 * below grow_start; invalid wakeups shrink. */
START_TEST(test_halt_poll_sequence)
{
    struct scenario_kvm k;
    struct kvm_vcpu v = {0};
    static const struct {
        u64 halt_ns;
        bool valid;
        u64 expect;
    } seq[] = {
        {5000, true, 10000},    /* 0 < halt < max: grow to grow_start */
        {5000, true, 10000},    /* fit in the poll: unchanged */
        {15000, true, 20000},   /* grow x2 */
        {30000, true, 40000},
        {90000, true, 80000},
        {150000, true, 160000},
        {199999, true, 320000}, /* grows past the max (no cap in grow) */
        {250000, true, 320000}, /* fits in 320000: unchanged */
        {400000, true, 160000}, /* long block: shrink /2 */
        {400000, false, 80000}, /* invalid wakeup: shrink */
        {400000, true, 40000},
        {400000, true, 20000},
        {400000, true, 10000},
        {400000, true, 0},      /* 5000 < grow_start: 0 */
        {400000, true, 0},      /* halt_poll_ns == 0: no shrink branch, no grow (halt > max) */
    };

    tu_kvm_defaults(&k);
    for (unsigned int i = 0; i < G_N_ELEMENTS(seq); i++) {
        kvm_halt_poll_adjust(&k, &v, seq[i].halt_ns, seq[i].valid);
        ck_assert_msg(v.halt_poll_ns == seq[i].expect, "step %u: %llu, expected %llu", i,
                      (unsigned long long)v.halt_poll_ns, (unsigned long long)seq[i].expect);
    }
    k.halt_poll_ns = 0; /* polling off: always 0 */
    v.halt_poll_ns = 40000;
    kvm_halt_poll_adjust(&k, &v, 1000, true);
    ck_assert_uint_eq(v.halt_poll_ns, 0);
}
END_TEST

/* ---- the candidate scan ---- */

static int scan_log[64];
static unsigned int scan_n;
static int scan_ret[64]; /* return value per target vcpu_idx */
static bool scan_deschedule; /* a successful yield switches the yielder out */

/*
 * Test double for the host's yield_to() (installed as sim->test_yield_to):
 * it records which candidate the scan tried, in order, and returns the
 * outcome the test scripted for that vCPU (1, 0 or -ESRCH), so that the
 * scan's order, filters and try/last_boosted bookkeeping are checked in
 * isolation.  The real yield_to() is exercised by the whole-run tests.
 */
static int fake_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target)
{
    (void)sim;
    scan_log[scan_n++] = (int)target->vcpu_idx;
    if (scan_deschedule && scan_ret[target->vcpu_idx] > 0)
        me->task.on_cpu = false; /* yield_to()'s schedule() picked another task */
    return scan_ret[target->vcpu_idx];
}

/* A sim with one VM of @n vCPUs (not run), every vCPU a preempted-in-kernel
 * candidate. */
static struct sim *scan_sim(unsigned int n, struct scenario **scp)
{
    struct scenario *sc = tu_vm_scenario(2, 1, n, false, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 10);
    struct sim *sim = sim_new(sc, NULL, NULL);

    sim->test_yield_to = fake_yield_to;
    for (unsigned int i = 0; i < n; i++) {
        struct kvm_vcpu *v = sim->vms[0]->vcpus[i];

        v->ready = true;
        v->preempted = true;
        v->preempted_in_kernel = true;
    }
    scan_n = 0;
    scan_deschedule = false;
    memset(scan_ret, 0, sizeof(scan_ret));
    *scp = sc;
    return sim;
}

static void expect_log(const int *want, unsigned int n)
{
    char buf[256] = "", *p = buf;

    for (unsigned int i = 0; i < scan_n; i++)
        p += g_snprintf(p, sizeof(buf) - (size_t)(p - buf), "%d ", scan_log[i]);
    ck_assert_msg(scan_n == n, "visited %u candidates (%s), expected %u", scan_n, buf, n);
    for (unsigned int i = 0; i < n; i++)
        ck_assert_msg(scan_log[i] == want[i], "visit %u: %d, expected %d (%s)", i, scan_log[i],
                      want[i], buf);
    scan_n = 0;
}

/*
 * A spinner that yielded and was switched out stays in its spin loop until
 * it runs again (yield_to() calls schedule() inside kvm_vcpu_on_spin()), so
 * other vCPUs' scans pass it over every other time (dy_eligible toggle).
 */
START_TEST(test_spin_loop_while_yielded)
{
    struct scenario *sc;
    struct sim *sim = scan_sim(4, &sc);
    struct kvm *kvm = sim->vms[0];
    struct kvm_vcpu *me = kvm->vcpus[1], *other = kvm->vcpus[3];

    me->task.on_cpu = true;
    scan_deschedule = true;
    scan_ret[2] = 1;
    kvm->last_boosted_vcpu = 1;
    kvm_vcpu_on_spin(sim, me, true);
    expect_log((const int[]){2}, 1);
    ck_assert(!me->task.on_cpu);
    ck_assert(me->in_spin_loop && me->spin_loop_exit_due && !me->dy_eligible);

    /* Another spinner's scans: skipped, then taken, then skipped. */
    scan_ret[2] = 0;
    kvm->last_boosted_vcpu = 3;
    kvm_vcpu_on_spin(sim, other, true);
    expect_log((const int[]){0, 2}, 2);
    ck_assert(me->dy_eligible);
    kvm_vcpu_on_spin(sim, other, true);
    expect_log((const int[]){0, 1, 2}, 3);
    kvm_vcpu_on_spin(sim, other, true);
    expect_log((const int[]){0, 2}, 2);

    /* When it runs again the rest of kvm_vcpu_on_spin() clears both. */
    kvm_vcpu_spin_loop_exit(me);
    ck_assert(!me->in_spin_loop && !me->spin_loop_exit_due && !me->dy_eligible);
    kvm_vcpu_on_spin(sim, other, true);
    expect_log((const int[]){0, 1, 2}, 3);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* apic_timer_expired(): pending + kick, no KVM_REQ_EVENT, so a vCPU woken
 * by its timer is not dy_runnable; an IPI is (APICv off). */
START_TEST(test_timer_not_dy_runnable)
{
    struct scenario *sc;
    struct sim *sim = scan_sim(2, &sc);
    struct kvm_vcpu *a = sim->vms[0]->vcpus[0], *b = sim->vms[0]->vcpus[1];

    ck_assert_ptr_eq(sim->sc, sc);
    sc->kvm.apicv = APICV_OFF;
    ck_assert(!vcpu_dy_runnable(sim, a) && !vcpu_dy_runnable(sim, b));
    kvm_apic_timer_expired(sim, a, 1000);
    ck_assert(a->apic.timer_pending);
    ck_assert(!a->req_event);
    ck_assert(!apic_vec_test(a->apic.irr, LOCAL_TIMER_VECTOR)); /* injected at entry */
    ck_assert(!vcpu_dy_runnable(sim, a));
    ck_assert_int_eq(kvm_apic_set_irq(sim, b, CALL_FUNCTION_VECTOR, 1000), 1);
    ck_assert(b->req_event && apic_vec_test(b->apic.irr, CALL_FUNCTION_VECTOR));
    ck_assert(vcpu_dy_runnable(sim, b));
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

START_TEST(test_scan_order_and_last_boosted)
{
    struct scenario *sc;
    struct sim *sim = scan_sim(8, &sc);
    struct kvm *kvm = sim->vms[0];
    struct kvm_vcpu *me = kvm->vcpus[2];

    kvm->last_boosted_vcpu = 5;
    kvm_vcpu_on_spin(sim, me, true);
    expect_log((const int[]){6, 7, 0, 1, 3, 4, 5}, 7); /* nobody yields: all visited, me skipped */
    ck_assert_int_eq(kvm->last_boosted_vcpu, 5);
    ck_assert(!me->in_spin_loop && !me->dy_eligible);

    scan_ret[0] = 1;
    kvm_vcpu_on_spin(sim, me, true);
    expect_log((const int[]){6, 7, 0}, 3);
    ck_assert_int_eq(kvm->last_boosted_vcpu, 0); /* idx, not the loop counter (v6.19) */

    scan_ret[0] = 0;
    scan_ret[4] = 1;
    kvm_vcpu_on_spin(sim, me, true); /* starts after the last boosted one */
    expect_log((const int[]){1, 3, 4}, 3);
    ck_assert_int_eq(kvm->last_boosted_vcpu, 4);

    /* -ESRCH three times stops the scan; 0 does not count. */
    memset(scan_ret, 0, sizeof(scan_ret));
    scan_ret[5] = -ESRCH;
    scan_ret[7] = -ESRCH;
    scan_ret[1] = -ESRCH;
    kvm_vcpu_on_spin(sim, me, true);
    expect_log((const int[]){5, 6, 7, 0, 1}, 5);
    ck_assert_int_eq(kvm->last_boosted_vcpu, 4);
    ck_assert_uint_eq(kvm->stats.yield_to_esrch, 3);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

START_TEST(test_scan_filters)
{
    struct scenario *sc;
    struct sim *sim = scan_sim(8, &sc);
    struct kvm *kvm = sim->vms[0];
    struct kvm_vcpu *me = kvm->vcpus[0], **v = kvm->vcpus;

    kvm->last_boosted_vcpu = 0;
    v[1]->ready = false;                 /* a: not ready */
    v[2]->blocking = true;               /* b: blocking, nothing pending */
    v[3]->blocking = true;               /*    blocking but kicked: dy_runnable */
    v[3]->pv_unhalted = true;
    v[4]->preempted_in_kernel = false;   /* c: preempted in user mode */
    v[5]->preempted_in_kernel = false;   /*    ... with a posted interrupt pending (APICv on) */
    v[5]->apic.pid_on = true;
    v[6]->in_spin_loop = true;           /* d: spinning, dy_eligible false: skipped, toggled */
    v[7]->preempted = false;             /* not preempted (e.g. woken): user/kernel irrelevant */
    v[7]->preempted_in_kernel = false;
    kvm_vcpu_on_spin(sim, me, true);
    expect_log((const int[]){3, 5, 7}, 3);
    ck_assert(v[6]->dy_eligible);        /* toggled by the check */

    kvm_vcpu_on_spin(sim, me, true);     /* now eligible, toggled back */
    expect_log((const int[]){3, 5, 6, 7}, 4);
    ck_assert(!v[6]->dy_eligible);

    kvm_vcpu_on_spin(sim, me, false);    /* not kernel mode: preempted-in-user allowed */
    expect_log((const int[]){3, 4, 5, 7}, 4);
    ck_assert(v[6]->dy_eligible);

    /* Without APICv a posted interrupt is never visible. */
    sc->kvm.apicv = APICV_OFF;
    kvm_vcpu_on_spin(sim, me, true);
    expect_log((const int[]){3, 6, 7}, 3);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- LAPIC ---- */

static int eoi_log[16];
static unsigned int eoi_n;
static struct kvm_ipi_event ipi_log[16];
static unsigned int ipi_n;

static void rec_eoi(struct sim *sim, struct kvm_vcpu *vcpu, int vector)
{
    (void)sim;
    (void)vcpu;
    eoi_log[eoi_n++] = vector;
}

static void rec_ipi(struct sim *sim, const struct kvm_ipi_event *ev)
{
    (void)sim;
    ipi_log[ipi_n++] = *ev;
}

static const struct dy_policy rec_policy = {
    .name = "rec", .summary = "test", .select = NULL,
    .ipi_delivered = rec_ipi, .eoi = rec_eoi,
};

START_TEST(test_lapic_delivery_and_eoi)
{
    struct scenario *sc = tu_vm_scenario(2, 1, 4, false, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 10);
    struct sim *sim;
    struct kvm_vcpu **v;

    sc->kvm.apicv = APICV_OFF;
    sim = sim_new(sc, NULL, NULL);
    sim->dy_policy = &rec_policy;
    v = sim->vms[0]->vcpus;
    eoi_n = ipi_n = 0;

    /* APICv off: IRR + KVM_REQ_EVENT; the hook sees a fixed unicast IPI. */
    ck_assert_int_eq(kvm_irq_delivery_to_apic(sim, v[0], v[1], APIC_DEST_ONE,
                                              CALL_FUNCTION_SINGLE_VECTOR, 0), 1);
    ck_assert(apic_vec_test(v[1]->apic.irr, CALL_FUNCTION_SINGLE_VECTOR));
    ck_assert(v[1]->req_event);
    ck_assert(vcpu_dy_runnable(sim, v[1]));
    ck_assert(!kvm_arch_dy_has_pending_interrupt(sim, v[1]));
    ck_assert_uint_eq(ipi_n, 1);
    ck_assert(ipi_log[0].src == v[0] && ipi_log[0].unique == v[1] && ipi_log[0].targets == 1);
    ck_assert(ipi_log[0].fixed && !ipi_log[0].shorthand);

    /* All-but-self: three targets, shorthand. */
    ck_assert_int_eq(kvm_irq_delivery_to_apic(sim, v[0], NULL, APIC_DEST_ALLBUT,
                                              CALL_FUNCTION_VECTOR, 0), 3);
    ck_assert_uint_eq(ipi_log[1].targets, 3);
    ck_assert(ipi_log[1].shorthand);
    ck_assert(!apic_vec_test(v[0]->apic.irr, CALL_FUNCTION_VECTOR));

    /* Injection takes the highest vector first; EOI clears the highest ISR. */
    ck_assert_int_eq(kvm_apic_inject(sim, v[1]), CALL_FUNCTION_VECTOR);
    ck_assert_int_eq(kvm_apic_inject(sim, v[1]), CALL_FUNCTION_SINGLE_VECTOR);
    ck_assert_int_eq(kvm_apic_inject(sim, v[1]), -1);
    ck_assert(!kvm_apic_has_interrupt(v[1]));
    ck_assert_int_eq(kvm_lapic_eoi_write(sim, v[1]), CALL_FUNCTION_VECTOR);
    ck_assert_int_eq(kvm_lapic_eoi_write(sim, v[1]), CALL_FUNCTION_SINGLE_VECTOR);
    ck_assert_int_eq(kvm_lapic_eoi_write(sim, v[1]), -1);
    /* The hook sees every EOI write, an empty ISR's too (vector -1). */
    ck_assert_uint_eq(eoi_n, 3);
    ck_assert_int_eq(eoi_log[0], CALL_FUNCTION_VECTOR);
    ck_assert_int_eq(eoi_log[1], CALL_FUNCTION_SINGLE_VECTOR);
    ck_assert_int_eq(eoi_log[2], -1);

    /* APICv: PIR + PID.ON; a second vector while ON is set adds no
     * notification; the posted interrupt is a directed-yield hint. */
    sc->kvm.apicv = APICV_ON;
    kvm_apic_set_irq(sim, v[2], RESCHEDULE_VECTOR, 0);
    ck_assert(v[2]->apic.pid_on);
    ck_assert(apic_vec_test(v[2]->apic.pir, RESCHEDULE_VECTOR));
    ck_assert(!apic_vec_test(v[2]->apic.irr, RESCHEDULE_VECTOR));
    ck_assert(kvm_arch_dy_has_pending_interrupt(sim, v[2]));
    kvm_apic_set_irq(sim, v[2], CALL_FUNCTION_VECTOR, 0);
    kvm_apic_sync_pir_to_irr(v[2]);
    ck_assert(!v[2]->apic.pid_on);
    ck_assert(!kvm_arch_dy_has_pending_interrupt(sim, v[2]));
    ck_assert(apic_vec_test(v[2]->apic.irr, RESCHEDULE_VECTOR));
    ck_assert(apic_vec_test(v[2]->apic.irr, CALL_FUNCTION_VECTOR));
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * smp_call_function_*: a csd goes on its target's call_single_queue and
 * only a target whose queue was empty gets an IPI (llist_add() returned
 * true); entries taken by a running handler (llist_del_all at its start)
 * no longer count.  One IPI target: CALL_FUNCTION_SINGLE; several:
 * CALL_FUNCTION to the mask, the all-but-self shorthand when the mask is
 * every other online CPU.
 */
START_TEST(test_call_function_queue)
{
    struct scenario *sc = tu_vm_scenario(4, 1, 4, false, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 10);
    struct sim *sim = sim_new(sc, NULL, NULL);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    struct guest_cpu *g0 = v[0]->g, *g1 = v[1]->g, *g2 = v[2]->g;
    static const struct {
        int sender;
        unsigned int targets[3], n;
        bool wait;
        unsigned int nr_ipi, order[3], vector, outstanding;
        bool multi, allbut;
        unsigned int queued[4];          /* csd_queued of vCPU 0..3 after the call */
    } rows[] = {
        /* async to 1: empty queue, one IPI */
        {0, {1}, 1, false, 1, {1}, CALL_FUNCTION_SINGLE_VECTOR, 0, false, false, {0, 1, 0, 0}},
        /* 1 has a backlog: only 3 is IPI'd, moved to the front */
        {2, {1, 3}, 2, true, 1, {3, 1}, CALL_FUNCTION_SINGLE_VECTOR, 2, false, false,
         {0, 2, 0, 1}},
        /* (1's handler now runs its two entries) 1 and 2 empty, 3 not */
        {0, {1, 2, 3}, 3, true, 2, {1, 2, 3}, CALL_FUNCTION_VECTOR, 3, true, false,
         {0, 3, 1, 2}},
        /* every queue busy: the csds are queued, nobody is IPI'd */
        {3, {0, 1, 2}, 3, false, 1, {0, 1, 2}, CALL_FUNCTION_SINGLE_VECTOR, 0, false, false,
         {1, 4, 2, 2}},
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(rows); i++) {
        struct guest_cpu *g = v[rows[i].sender]->g;

        if (i == 2) {
            /* vCPU 1 entered generic_smp_call_function_single_interrupt. */
            g1->in_irq = true;
            g1->irq_vector = CALL_FUNCTION_SINGLE_VECTOR;
            g1->irq_csd = g1->csd_queued;
        }
        guest_call_function(v[rows[i].sender], rows[i].targets, rows[i].n, 1000,
                            rows[i].wait);
        ck_assert_msg(g->nr_ipi == rows[i].nr_ipi, "row %u: nr_ipi %u", i, g->nr_ipi);
        for (unsigned int j = 0; j < rows[i].n; j++)
            ck_assert_msg(g->send_to[j] == rows[i].order[j], "row %u: send_to[%u] = %u", i, j,
                          g->send_to[j]);
        ck_assert_uint_eq(g->send_multi, rows[i].multi);
        ck_assert_uint_eq(g->send_allbut, rows[i].allbut);
        ck_assert_uint_eq(g->csd_outstanding, rows[i].outstanding);
        if (g->nr_ipi)
            ck_assert_int_eq(g->send_vector, (int)rows[i].vector);
        for (unsigned int c = 0; c < 4; c++)
            ck_assert_msg(v[c]->g->csd_queued == rows[i].queued[c], "row %u: vCPU %u has %u", i,
                          c, v[c]->g->csd_queued);
        if (i == 2)
            ck_assert_uint_eq(g0->nr_ipi, 2);
    }
    /* Row 4: only vCPU 0's queue was empty. */
    ck_assert_uint_eq(v[3]->g->nr_ipi, 1);
    ck_assert_uint_eq(g2->csd_queued, 2);
    sim_free(sim);
    scenario_free(sc);

    /* Every other vCPU, all queues empty: the all-but-self shorthand. */
    sc = tu_vm_scenario(4, 1, 4, false, dbench_steps, G_N_ELEMENTS(dbench_steps), 4, 10);
    sim = sim_new(sc, NULL, NULL);
    v = sim->vms[0]->vcpus;
    guest_call_function(v[2], (const unsigned int[]){0, 1, 3}, 3, 1000, true);
    ck_assert_uint_eq(v[2]->g->nr_ipi, 3);
    ck_assert(v[2]->g->send_multi && v[2]->g->send_allbut);
    ck_assert_int_eq(v[2]->g->send_vector, CALL_FUNCTION_VECTOR);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * __flush_smp_call_function_queue(): the handler takes the queue after its
 * EOI, runs the SYNC functions first in queue order, each followed by
 * csd_unlock(), then the async ones.  Three senders queue on vCPU 3 at
 * 1 ms, an async 5 us function first: only that sender finds the queue
 * empty and sends the IPI.  The second waiting sender is released exactly
 * one 10 us function after the first (a handler that released every
 * sender at its end would release both together, after 25 us).
 */
static const struct guest_step long_compute_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(5000), 0, 0}, .every = 1},
};

static struct sim *csd_order_sim(enum apicv_mode apicv, struct scenario **scp)
{
    struct scenario *sc = tu_vm_scenario(4, 1, 4, true, long_compute_steps,
                                         G_N_ELEMENTS(long_compute_steps), 1, 10);
    struct sim *sim;

    sc->kvm.apicv = apicv;
    sc->kvm.ple_gap = 0; /* no PAUSE exits: a csd wait is one spin */
    sim = sim_new(sc, NULL, NULL);
    sim_engine_run_until(&sim->eng, US(1000));
    *scp = sc;
    return sim;
}

START_TEST(test_csd_flush_order)
{
    struct scenario *sc;
    struct sim *sim = csd_order_sim(APICV_ON, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    u64 spin1, spin2;

    for (unsigned int i = 0; i < 3; i++) {
        ck_assert_int_eq(v[i]->g->act, GA_COMPUTE);
        guest_call_function(v[i], (const unsigned int[]){3}, 1, i == 0 ? US(5) : US(10), i > 0);
        ck_assert_uint_eq(v[i]->g->nr_ipi, i == 0 ? 1 : 0);
        vcpu_poke(sim, v[i], 0);
    }
    spin1 = v[1]->stats.spin_ns;
    spin2 = v[2]->stats.spin_ns;
    sim_engine_run_until(&sim->eng, US(2000));
    ck_assert(!v[3]->g->in_irq);
    ck_assert_uint_eq(v[3]->g->csd_queued, 0);
    ck_assert_uint_eq(sim->vms[0]->stats.ipis_received, 1);
    for (unsigned int i = 1; i < 3; i++) {
        ck_assert_uint_eq(v[i]->g->csd_outstanding, 0);
        ck_assert_int_eq(v[i]->g->act, GA_COMPUTE);
    }
    spin1 = v[1]->stats.spin_ns - spin1;
    spin2 = v[2]->stats.spin_ns - spin2;
    ck_assert_uint_eq(spin2 - spin1, US(10));
    /* The IPI's delivery and the first function fit in 15 us; released
     * at the handler's end, the first sender would have spun 25 us. */
    ck_assert_msg(spin1 > US(10) && spin1 < US(15), "spin1 %llu", (unsigned long long)spin1);
    sim_free(sim);
    scenario_free(sc);

    /* APICv off: a csd queued while the target is in its EOI exit finds
     * the queue not yet taken, so it sends no IPI and joins the batch. */
    sim = csd_order_sim(APICV_OFF, &sc);
    v = sim->vms[0]->vcpus;
    guest_call_function(v[0], (const unsigned int[]){3}, 1, US(10), true);
    ck_assert_uint_eq(v[0]->g->nr_ipi, 1);
    vcpu_poke(sim, v[0], 0);
    while (!(v[3]->g->in_irq && v[3]->phase == VP_EXIT && v[3]->exit_reason == KVM_EXIT_EOI))
        ck_assert(sim_engine_step(&sim->eng, US(2000)));
    ck_assert_uint_eq(v[3]->g->irq_csd, 0);
    guest_call_function(v[1], (const unsigned int[]){3}, 1, US(10), true);
    ck_assert_uint_eq(v[1]->g->nr_ipi, 0);
    vcpu_poke(sim, v[1], 0);
    sim_engine_run_until(&sim->eng, US(2000));
    ck_assert_uint_eq(sim->vms[0]->stats.ipis_received, 1);
    ck_assert_uint_eq(v[0]->g->csd_outstanding + v[1]->g->csd_outstanding, 0);
    ck_assert_uint_eq(v[3]->g->csd_queued, 0);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * flush_tlb_multi() on 4 vCPUs, each on its own CPU, IPIv: kvm_flush_tlb_multi()
 * drops preempted targets (they flush at their next entry), then
 * should_flush_tlb() drops CPUs in lazy TLB mode (idle) unless page tables
 * were freed; the sender flushes itself after sending (SCF_RUN_LOCAL), then
 * waits.  One target: an IPIv ICR write, delivery 1 us + the target's 3 us
 * flush + 0.1 us hand-off, less the sender's own 3 us flush: 1.1 us of csd
 * wait.  Several: the send is a hypercall (PV send-IPI) or, to every other
 * vCPU, the all-but-self shorthand, either an exit; the targets get the
 * IPI 0.6 us into it and the sender resumes after 1 us (exit + entry), so
 * it waits 0.6 + 1 + 3 + 0.1 - 1 - 3 = 0.7 us.
 */
static const struct guest_step tlb_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(5000), 0, 0}, .every = 1},
    {.kind = GSTEP_TLB_SHOOTDOWN, .to = IPI_TO_ALL, .wait = true, .handler_ns = US(3), .every = 1},
};

static const struct {
    bool freed_tables;
    bool idle[4], preempted[4];
    unsigned int nr_send, skipped_lazy, skipped_preempted;
    u64 spin_ns;
} tlb_cases[] = {
    {false, {0, 0, 0, 1}, {0}, 2, 1, 0, 700},
    {true, {0, 0, 0, 1}, {0}, 3, 0, 0, 700},
    {false, {0, 1, 1, 1}, {0}, 0, 3, 0, 0},
    {false, {0, 0, 0, 1}, {0, 0, 1, 0}, 1, 1, 1, 1100},
    {false, {0, 0, 1, 1}, {0, 0, 1, 0}, 1, 1, 1, 1100}, /* preempted and idle: the PV rule first */
};

START_TEST(test_tlb_shootdown_targets)
{
    struct scenario *sc = tu_vm_scenario(4, 1, 4, true, tlb_steps, G_N_ELEMENTS(tlb_steps), 1, 10);
    struct sim *sim;
    struct kvm_vcpu **v;
    struct guest_cpu *g0;
    u64 spin0;

    sc->kvm.apicv = APICV_IPIV;
    sc->kvm.ple_gap = 0;
    sc->vms[0].wl.steps[1].freed_tables = tlb_cases[_i].freed_tables;
    sim = sim_new(sc, NULL, NULL);
    sim_engine_run_until(&sim->eng, US(1000));
    v = sim->vms[0]->vcpus;
    g0 = v[0]->g;
    for (unsigned int c = 1; c < 4; c++) {
        if (tlb_cases[_i].idle[c])
            v[c]->g->act = GA_SLEEP; /* in the idle loop: lazy TLB */
        v[c]->st_preempted = tlb_cases[_i].preempted[c];
    }
    /* vCPU 0's compute ends now: its next step is the shootdown. */
    g0->left = 0;
    ck_assert_uint_eq(g0->step, 1);
    spin0 = v[0]->stats.spin_ns;
    vcpu_poke(sim, v[0], 0);
    sim_engine_run_until(&sim->eng, US(1000));
    ck_assert_uint_eq(g0->nr_send, tlb_cases[_i].nr_send);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.tlb_skipped_lazy, tlb_cases[_i].skipped_lazy);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.tlb_skipped_preempted,
                      tlb_cases[_i].skipped_preempted);
    for (unsigned int c = 1; c < 4; c++)
        ck_assert_uint_eq(v[c]->st_flush_tlb, tlb_cases[_i].preempted[c]);
    if (!tlb_cases[_i].nr_send) {
        /* Nobody to wait for: only the local flush, as kernel code. */
        ck_assert_int_eq(g0->act, GA_COMPUTE);
        ck_assert(g0->kernel);
        ck_assert_uint_eq(g0->left, US(3));
    } else {
        ck_assert_int_eq(g0->act, GA_SEND);
        ck_assert_uint_eq(g0->send_local_left, US(3));
    }
    sim_engine_run_until(&sim->eng, US(1100));
    ck_assert_uint_eq(sim->vms[0]->stats.ipis_received, tlb_cases[_i].nr_send);
    ck_assert_uint_eq(v[0]->stats.spin_ns - spin0, tlb_cases[_i].spin_ns);
    ck_assert_uint_eq(g0->step, 1); /* the next pass's compute began */
    ck_assert_int_eq(g0->act, GA_COMPUTE);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * A reschedule that reaches a vCPU while it handles a VM exit waits for the
 * handler (interrupts are off until handle_exit_irqoff(); vcpu_run()
 * schedules only after handle_exit()).  Two vCPUs on one CPU; the running
 * one finishes 1 ms of compute and halts for its sleep.  A reschedule
 * raised at its HLT exit does not switch it out as a preempted (ready)
 * vCPU: the handler runs first, after the exit's 600 ns, and blocks it.
 */
static const struct guest_step compute_sleep_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(1000), 0, 0}, .every = 1},
    {.kind = GSTEP_SLEEP, .d = {DIST_FIXED, US(1000), 0, 0}, .every = 1},
};

START_TEST(test_resched_during_exit)
{
    struct scenario *sc = tu_vm_scenario(1, 1, 2, false, compute_sleep_steps,
                                         G_N_ELEMENTS(compute_sleep_steps), 1, 10);
    struct sim *sim = sim_new(sc, NULL, NULL);
    struct rq *rq = cpu_rq(sim, 0);
    struct kvm_vcpu *a, *b;
    u64 t0;

    for (;;) {
        ck_assert(sim_engine_step(&sim->eng, US(2000)));
        if (!rq->curr)
            continue;
        a = vcpu_of(rq->curr);
        if (a->phase == VP_EXIT && a->exit_reason == KVM_EXIT_HLT)
            break;
    }
    b = sim->vms[0]->vcpus[a->vcpu_idx ^ 1];
    t0 = sim_now(sim);
    resched_curr(sim, rq);
    sim_engine_run_until(&sim->eng, t0 + 599);
    ck_assert_ptr_eq(rq->curr, &a->task);
    ck_assert_int_eq(a->phase, VP_EXIT);
    ck_assert(rq->need_resched);
    sim_engine_run_until(&sim->eng, t0 + 600);
    ck_assert_ptr_eq(rq->curr, &b->task);
    ck_assert_uint_eq(b->task.stats_stint_start, t0 + 600);
    ck_assert(a->blocking && !a->preempted && !a->ready);
    ck_assert_int_eq(a->phase, VP_BLOCKED);
    ck_assert(!rq->need_resched);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * Whole runs: with PV send-IPI, a mask send is one KVM_HC_SEND_IPI
 * hypercall, but a send to every other vCPU still takes the all-but-self
 * shorthand (an ICR write).  A target that is not running collects the
 * csds sent to it meanwhile under one IPI, so IPIs stay well below calls.
 */
static const struct guest_step bcast_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(20), 0, 0}, .every = 1},
    {.kind = GSTEP_IPI, .to = IPI_TO_ALL, .wait = true, .handler_ns = 1000, .every = 1},
};
static const struct guest_step several_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(20), 0, 0}, .every = 1},
    {.kind = GSTEP_IPI, .to = IPI_TO_SEVERAL, .nr_targets = 2, .wait = true,
     .handler_ns = 1000, .every = 1},
};
static const struct guest_step async_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(2), 0, 0}, .every = 1},
    {.kind = GSTEP_IPI, .to = IPI_TO_NEXT, .wait = false, .handler_ns = 500, .every = 1},
};

/*
 * PV EOI (kvm.pv_eoi; kernel-mechanisms 5.6, apic_sync_pv_eoi_to_guest /
 * _from_guest): without APICv a vector put in service with nothing else in
 * the IRR is offered a PV EOI; the guest's EOI then only clears the offer,
 * and KVM completes it with apic_set_eoi() at the next exit, which is not the
 * APIC_EOI write, so the EOI hook never sees it; an offer still unused at an
 * exit is withdrawn (the guest's EOI exits); a second pending vector, APICv,
 * or the feature off make no offer.
 */
START_TEST(test_pv_eoi)
{
    struct scenario *sc = tu_vm_scenario(2, 1, 4, false, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 10);
    const int cfs = CALL_FUNCTION_SINGLE_VECTOR;
    struct kvm_lapic *a;
    struct sim *sim;
    struct kvm_vcpu **v;
    struct kvm *kvm;

    sc->kvm.apicv = APICV_OFF;
    sc->kvm.pv_eoi = true;
    sim = sim_new(sc, NULL, NULL);
    sim->dy_policy = &rec_policy;
    kvm = sim->vms[0];
    v = kvm->vcpus;
    a = &v[1]->apic;
    eoi_n = ipi_n = 0;
    ck_assert_int_eq(a->highest_isr_cache, -1);

    /* Used: the guest clears the bit; KVM's ISR keeps the vector until the
     * next exit, where apic_set_eoi() runs without the hook. */
    kvm_irq_delivery_to_apic(sim, v[0], v[1], APIC_DEST_ONE, cfs, 0);
    ck_assert_int_eq(kvm_apic_inject(sim, v[1]), cfs);
    ck_assert_int_eq(a->highest_isr_cache, cfs);
    kvm_lapic_sync_to_vapic(sim, v[1]);
    ck_assert(a->pv_eoi_guest && a->pv_eoi_pending);
    a->pv_eoi_guest = false; /* kvm_guest_apic_eoi_write(): bit set, cleared, no exit */
    ck_assert(apic_vec_test(a->isr, cfs));
    kvm_lapic_sync_from_vapic(sim, v[1]);
    ck_assert(!apic_vec_test(a->isr, cfs));
    ck_assert(!a->pv_eoi_pending && !a->pv_eoi_guest);
    ck_assert_int_eq(a->highest_isr_cache, -1);
    ck_assert_uint_eq(kvm->stats.pv_eois, 1);
    ck_assert_uint_eq(eoi_n, 0);
    kvm_lapic_sync_from_vapic(sim, v[1]); /* nothing pending: nothing happens */
    ck_assert_uint_eq(kvm->stats.pv_eois, 1);

    /* Unused at an exit: withdrawn, the ISR untouched; the EOI exits. */
    kvm_irq_delivery_to_apic(sim, v[0], v[1], APIC_DEST_ONE, cfs, 0);
    kvm_apic_inject(sim, v[1]);
    kvm_lapic_sync_to_vapic(sim, v[1]);
    kvm_lapic_sync_from_vapic(sim, v[1]);
    ck_assert(!a->pv_eoi_pending && !a->pv_eoi_guest);
    ck_assert(apic_vec_test(a->isr, cfs));
    ck_assert_uint_eq(kvm->stats.pv_eois, 1);
    ck_assert_int_eq(kvm_lapic_eoi_write(sim, v[1]), cfs);
    ck_assert_uint_eq(eoi_n, 1);
    ck_assert_int_eq(eoi_log[0], cfs);

    /* A second vector pending (irr_pending): no offer for the first; the
     * second, alone, gets one. */
    kvm_irq_delivery_to_apic(sim, v[0], v[1], APIC_DEST_ONE, cfs, 0);
    kvm_irq_delivery_to_apic(sim, v[0], v[1], APIC_DEST_ONE, RESCHEDULE_VECTOR, 0);
    ck_assert_int_eq(kvm_apic_inject(sim, v[1]), RESCHEDULE_VECTOR);
    kvm_lapic_sync_to_vapic(sim, v[1]);
    ck_assert(!a->pv_eoi_pending && !a->pv_eoi_guest);
    ck_assert_int_eq(kvm_lapic_eoi_write(sim, v[1]), RESCHEDULE_VECTOR);
    ck_assert_int_eq(kvm_apic_inject(sim, v[1]), cfs);
    kvm_lapic_sync_to_vapic(sim, v[1]);
    ck_assert(a->pv_eoi_pending && a->pv_eoi_guest);
    a->pv_eoi_guest = false;
    kvm_lapic_sync_from_vapic(sim, v[1]);
    ck_assert_uint_eq(kvm->stats.pv_eois, 2);
    ck_assert(!apic_vec_test(a->isr, cfs));

    /* Feature off: no offer. */
    sc->kvm.pv_eoi = false;
    kvm_irq_delivery_to_apic(sim, v[0], v[1], APIC_DEST_ONE, cfs, 0);
    kvm_apic_inject(sim, v[1]);
    kvm_lapic_sync_to_vapic(sim, v[1]);
    ck_assert(!a->pv_eoi_pending && !a->pv_eoi_guest);
    kvm_lapic_eoi_write(sim, v[1]);

    /* APICv: apic_set_isr() leaves the cache at -1, so no offer. */
    sc->kvm.pv_eoi = true;
    sc->kvm.apicv = APICV_ON;
    kvm_apic_set_irq(sim, v[2], cfs, 0);
    kvm_apic_sync_pir_to_irr(v[2]);
    ck_assert_int_eq(kvm_apic_inject(sim, v[2]), cfs);
    ck_assert_int_eq(v[2]->apic.highest_isr_cache, -1);
    kvm_lapic_sync_to_vapic(sim, v[2]);
    ck_assert(!v[2]->apic.pv_eoi_pending && !v[2]->apic.pv_eoi_guest);
    ck_assert_uint_eq(kvm->stats.pv_eois, 2);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * PV EOI in a run (APICv off, unicast IPIs; two VMs of 4 vCPUs on 4 CPUs,
 * so that vCPUs are also preempted in guest mode, an external-interrupt
 * exit that must settle the offer too): the IPI handlers' EOIs go through
 * the PV word instead of exiting.  Without the feature every handler's EOI
 * is an exit; with it, an EOI exits only when another vector was pending at
 * injection, and every IPI handler's EOI is either an exit or a PV EOI, or a
 * used offer that no exit has completed yet (at most one per vCPU).  At the
 * end no vCPU holds more than one ISR bit, and an offer on the guest's side
 * is always pending on KVM's.  (kvm_apic_inject() checks that no offer is
 * pending when a vector goes in service.)
 */
START_TEST(test_pv_eoi_run)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(20), 0, 0}, .every = 1},
        {.kind = GSTEP_IPI, .to = IPI_TO_NEXT, .wait = false, .handler_ns = 500, .every = 1},
    };

    for (int on = 0; on < 2; on++) {
        struct scenario *sc = tu_vm_scenario(4, 2, 4, false, steps, G_N_ELEMENTS(steps), 1, 50);
        struct sim_options opt = {.debug_checks = true};
        u64 eoi_exits = 0, pv_eois = 0, received = 0, extint = 0;
        unsigned int used = 0;
        struct sim *sim;

        sc->kvm.apicv = APICV_OFF;
        sc->kvm.pv_eoi = on;
        sim = sim_new(sc, &opt, NULL);
        sim_run(sim, NULL, NULL);
        for (unsigned int m = 0; m < sim->nr_vms; m++) {
            struct kvm *kvm = sim->vms[m];

            for (unsigned int i = 0; i < kvm->online_vcpus; i++) {
                struct kvm_vcpu *v = kvm->vcpus[i];
                unsigned int bits = 0;

                for (int w = 0; w < 4; w++)
                    bits += (unsigned int)__builtin_popcountll(v->apic.isr[w]);
                ck_assert_uint_le(bits, 1);
                ck_assert(!v->apic.pv_eoi_guest || v->apic.pv_eoi_pending);
                used += v->apic.pv_eoi_pending && !v->apic.pv_eoi_guest;
                eoi_exits += v->stats.exits[KVM_EXIT_EOI];
                extint += v->stats.exits[KVM_EXIT_EXTINT];
            }
            pv_eois += kvm->stats.pv_eois;
            received += kvm->stats.ipis_received;
        }
        ck_assert_uint_gt(received, 1000);
        ck_assert_uint_gt(extint, 100);
        if (on) {
            ck_assert_uint_lt(eoi_exits * 10, pv_eois);
            ck_assert_uint_ge(eoi_exits + pv_eois + used, received);
        } else {
            ck_assert_uint_eq(pv_eois, 0);
            ck_assert_uint_eq(used, 0);
            ck_assert_uint_ge(eoi_exits, received);
        }
        sim_free(sim);
        scenario_free(sc);
    }
}
END_TEST

START_TEST(test_call_function_sends_sim)
{
    struct scenario *sc = tu_vm_scenario(4, 1, 4, true, bcast_steps,
                                         G_N_ELEMENTS(bcast_steps), 1, 20);
    struct sim_result *r;

    sc->kvm.pv_send_ipi = true;
    r = run_sc(sc, true);
    ck_assert_uint_gt(r->vms[0].exits[KVM_EXIT_ICR], 1000);
    ck_assert_uint_eq(r->vms[0].exits[KVM_EXIT_HC_SEND_IPI], 0);
    sim_result_free(r);
    scenario_free(sc);

    sc = tu_vm_scenario(4, 1, 4, true, several_steps, G_N_ELEMENTS(several_steps), 1, 20);
    sc->kvm.pv_send_ipi = true;
    r = run_sc(sc, true);
    ck_assert_uint_gt(r->vms[0].exits[KVM_EXIT_HC_SEND_IPI], 1000);
    sim_result_free(r);
    scenario_free(sc);

    /* Two vCPUs on one CPU: each sends while the other waits for the CPU. */
    sc = tu_vm_scenario(1, 1, 2, false, async_steps, G_N_ELEMENTS(async_steps), 1, 50);
    sc->kvm.apicv = APICV_OFF;
    r = run_sc(sc, true);
    ck_assert_uint_eq(r->vms[0].exits[KVM_EXIT_ICR], r->vms[0].ipis_sent);
    ck_assert_uint_ge(r->vms[0].ipis_sent, r->vms[0].ipis_received);
    ck_assert_msg(r->vms[0].ipis_sent * 4 < r->vms[0].ops, "%llu IPIs for %llu calls",
                  (unsigned long long)r->vms[0].ipis_sent, (unsigned long long)r->vms[0].ops);
    sim_result_free(r);
    scenario_free(sc);
}
END_TEST

/* Barrier wake-ups: one wakelist entry per waiter, delivered with the
 * CALL_FUNCTION_SINGLE vector, one unicast IPI per wakee. */
static unsigned int vec_count[256], vec_other;

static void count_ipi(struct sim *sim, const struct kvm_ipi_event *ev)
{
    (void)sim;
    if (ev->targets == 1 && !ev->shorthand && ev->fixed)
        vec_count[ev->vector]++;
    else
        vec_other++;
}

static const struct dy_policy count_policy = {
    .name = "count", .summary = "test", .select = NULL, .ipi_delivered = count_ipi,
};

static const struct guest_step barrier_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_UNIFORM, US(10), US(30), 0}, .every = 1},
    {.kind = GSTEP_BARRIER, .every = 1},
};

START_TEST(test_barrier_wakeups_sim)
{
    struct scenario *sc = tu_vm_scenario(4, 1, 4, true, barrier_steps,
                                         G_N_ELEMENTS(barrier_steps), 1, 5);
    struct sim *sim;
    struct sim_result *r;
    unsigned int total = 0;

    sc->kvm.apicv = APICV_OFF;
    sim = sim_new(sc, NULL, NULL);
    sim->dy_policy = &count_policy;
    memset(vec_count, 0, sizeof(vec_count));
    vec_other = 0;
    sim_run(sim, NULL, NULL);
    r = sim_collect(sim, 0.0);
    for (unsigned int i = 0; i < 256; i++)
        total += vec_count[i];
    ck_assert_uint_eq(vec_other, 0);
    ck_assert_uint_eq(vec_count[CALL_FUNCTION_SINGLE_VECTOR], total);
    ck_assert_uint_eq(total, r->vms[0].ipis_sent);
    /* 4 vCPUs pass the barrier together: at most 3 wake-ups per round,
     * and most rounds have somebody to wake. */
    ck_assert_uint_le(total, 3 * (r->vms[0].ops / 4 + 1));
    ck_assert_uint_gt(total, r->vms[0].ops / 4);
    sim_result_free(r);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- paravirt spinlock hand-off ---- */

static struct sim *lock_sim(enum lock_kind kind, struct scenario **scp)
{
    struct scenario *sc = tu_vm_scenario(2, 1, 5, false, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 10);
    struct sim *sim;

    sc->vms[0].wl.lock_kind = kind;
    sim = sim_new(sc, NULL, NULL);
    *scp = sc;
    return sim;
}

static int q_head_of(const struct guest_lock *l)
{
    return l->q_len ? l->queue[l->q_head] : -1;
}

START_TEST(test_pv_lock_fifo_handoff)
{
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_PV_QSPINLOCK, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    struct guest_lock *l = &sim->vms[0]->guest->locks[0];
    const struct guest_vm_stats *st = &sim->vms[0]->guest->stats;

    guest_lock_request(sim, v[0], 0);               /* fast path */
    ck_assert_int_eq(l->holder, 0);
    guest_lock_request(sim, v[1], 0);               /* held, no queue: queues (head) */
    ck_assert_uint_eq(l->q_len, 1);
    guest_lock_request(sim, v[2], 0);               /* queue, no pending: unfair trylock */
    ck_assert(v[2]->g->unfair);
    ck_assert_uint_eq(l->nr_unfair, 1);
    ck_assert_uint_eq(l->q_len, 1);
    ck_assert(!guest_lock_try(sim, v[2]));          /* still held, still no pending: spins on */
    ck_assert(v[2]->g->unfair);
    ck_assert(!guest_lock_try(sim, v[1]));          /* head looks: sets pending */
    ck_assert(l->pending);
    ck_assert(sim_event_armed(&v[2]->poke_ev));     /* the unfair spinner is told */
    guest_lock_request(sim, v[3], 0);               /* pending set: queues at once */
    ck_assert(!v[3]->g->unfair);
    ck_assert(!guest_lock_try(sim, v[2]));          /* sees pending: queues, behind 3 */
    ck_assert(!v[2]->g->unfair);
    ck_assert_uint_eq(l->nr_unfair, 0);
    ck_assert_uint_eq(l->q_len, 3);
    ck_assert(guest_lock_release(sim, v[0]) == NULL);
    guest_lock_request(sim, v[4], 0);               /* free but pending set: no steal, queued */
    ck_assert_int_eq(l->holder, -1);
    ck_assert(!guest_lock_try(sim, v[2]));          /* not the head */
    ck_assert(!guest_lock_try(sim, v[3]));
    ck_assert(guest_lock_try(sim, v[1]));           /* FIFO */
    ck_assert(!l->pending);                         /* cleared by the head's trylock */
    ck_assert(guest_lock_release(sim, v[1]) == NULL);
    ck_assert(!guest_lock_try(sim, v[2]));          /* 3 queued before 2 */
    ck_assert(guest_lock_try(sim, v[3]));
    ck_assert(guest_lock_release(sim, v[3]) == NULL);
    ck_assert(guest_lock_try(sim, v[2]));
    ck_assert(guest_lock_release(sim, v[2]) == NULL);
    ck_assert(guest_lock_try(sim, v[4]));
    ck_assert_uint_eq(st->lock_acquisitions, 5);
    ck_assert_uint_eq(st->pv_lock_steals, 0);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* pv_hybrid_queued_unfair_trylock(): while waiters are queued and the
 * head has not set 'pending', a newcomer spins outside the queue and takes
 * the lock the moment it is free; it queues when the tail clears. */
START_TEST(test_pv_lock_hybrid_unfair)
{
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_PV_QSPINLOCK, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    struct guest_lock *l = &sim->vms[0]->guest->locks[0];
    const struct guest_vm_stats *st = &sim->vms[0]->guest->stats;

    guest_lock_request(sim, v[0], 0);               /* holder */
    guest_lock_request(sim, v[1], 0);               /* head, has not spun (preempted) */
    guest_lock_request(sim, v[2], 0);               /* unfair */
    guest_lock_request(sim, v[3], 0);               /* unfair */
    ck_assert_uint_eq(l->nr_unfair, 2);
    ck_assert(!sim_event_armed(&v[2]->poke_ev));
    ck_assert(guest_lock_release(sim, v[0]) == NULL);
    ck_assert(sim_event_armed(&v[2]->poke_ev));     /* release: every unfair spinner looks */
    ck_assert(sim_event_armed(&v[3]->poke_ev));
    ck_assert(guest_lock_try(sim, v[3]));           /* the first to look steals it */
    ck_assert_uint_eq(st->pv_lock_steals, 1);
    ck_assert(!v[3]->g->unfair);
    ck_assert_uint_eq(l->nr_unfair, 1);
    ck_assert_int_eq(q_head_of(l), 1);              /* the head is still queued */
    ck_assert(!guest_lock_try(sim, v[2]));          /* held again: spins on, unfair */
    ck_assert(v[2]->g->unfair);

    /* The head gets the lock; the tail clears, so the unfair spinner queues. */
    ck_assert(guest_lock_release(sim, v[3]) == NULL);
    ck_assert(guest_lock_try(sim, v[1]));
    ck_assert_uint_eq(l->q_len, 0);
    ck_assert(!guest_lock_try(sim, v[2]));
    ck_assert(!v[2]->g->unfair);
    ck_assert_uint_eq(l->q_len, 1);
    ck_assert_int_eq(q_head_of(l), 2);
    ck_assert_uint_eq(v[2]->g->spun, 0);            /* pv_wait_head_or_lock counts from here */

    /* A newcomer while the queue is empty and the lock free: fast path,
     * not a steal. */
    ck_assert(guest_lock_release(sim, v[1]) == NULL);
    ck_assert(guest_lock_try(sim, v[2]));
    ck_assert(guest_lock_release(sim, v[2]) == NULL);
    guest_lock_request(sim, v[4], 0);
    ck_assert_int_eq(l->holder, 4);
    ck_assert_uint_eq(st->pv_lock_steals, 1);
    ck_assert_uint_eq(st->lock_acquisitions, 5);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

START_TEST(test_pv_lock_steal_and_slow_path)
{
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_PV_QSPINLOCK, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    struct guest_lock *l = &sim->vms[0]->guest->locks[0];

    /* The head has not spun yet (no pending): a newcomer steals. */
    guest_lock_request(sim, v[0], 0);
    guest_lock_request(sim, v[1], 0);
    ck_assert(guest_lock_release(sim, v[0]) == NULL);
    guest_lock_request(sim, v[2], 0);
    ck_assert_int_eq(l->holder, 2);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.pv_lock_steals, 1);
    ck_assert(!guest_lock_try(sim, v[1]));

    /* The head gave up spinning and halted: the unlock must kick it. */
    l->pending = false;
    l->slow = true;
    v[1]->g->act = GA_LOCK_HALT;
    ck_assert(guest_lock_release(sim, v[2]) == v[1]);
    ck_assert(!l->slow);

    /* pv_kick_node: a halted successor is marked when the head acquires. */
    v[1]->g->act = GA_LOCK_SPIN;
    guest_lock_request(sim, v[3], 0);               /* lock free, pending clear: steals */
    ck_assert_int_eq(l->holder, 3);
    guest_lock_request(sim, v[4], 0);               /* unfair until the head spins */
    ck_assert(!guest_lock_try(sim, v[1]));          /* head: pending */
    ck_assert(!guest_lock_try(sim, v[4]));          /* queue: 1, 4 */
    ck_assert_uint_eq(l->q_len, 2);
    v[4]->g->act = GA_LOCK_HALT;
    ck_assert(guest_lock_release(sim, v[3]) == NULL);
    ck_assert(guest_lock_try(sim, v[1]));
    ck_assert(l->slow);
    ck_assert(guest_lock_release(sim, v[1]) == v[4]);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* pv_wait_early(): a queued waiter behind a halted predecessor stops
 * spinning at its next check point, every 256 PAUSE iterations
 * (256 * 140 cycles / 2.5 GHz = 14336 ns), the first at iteration 0. */
START_TEST(test_pv_wait_early)
{
    static const struct {
        u64 spun;          /* the waiter's spin time since its loop began */
        bool prev_halted;  /* its predecessor is in pv_wait */
        u64 expect;        /* 0 = halt now, else ns to the next check */
    } cases[] = {
        {0, true, 0},          {1, true, 14335},     {5000, true, 9336},
        {14335, true, 1},      {14336, true, 0},     {14337, true, 14335},
        {1835008, true, 0},    {0, false, UINT64_MAX}, {14336, false, UINT64_MAX},
    };
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_PV_QSPINLOCK, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;

    guest_lock_request(sim, v[0], 0);               /* holder */
    guest_lock_request(sim, v[1], 0);               /* head */
    ck_assert(!guest_lock_try(sim, v[1]));          /* sets pending: no unfair trylock */
    guest_lock_request(sim, v[2], 0);               /* behind v1 */
    guest_lock_request(sim, v[3], 0);               /* behind v2 */
    ck_assert_uint_eq(sim->vms[0]->guest->locks[0].q_len, 3);
    for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
        u64 got;

        v[1]->g->act = cases[i].prev_halted ? GA_LOCK_HALT : GA_LOCK_SPIN;
        v[2]->g->spun = cases[i].spun;
        got = guest_pv_wait_early_in(sim, v[2]);
        if (cases[i].expect == UINT64_MAX)
            ck_assert_msg(got > 1000000000000ULL, "case %u: %llu", i, (unsigned long long)got);
        else
            ck_assert_msg(got == cases[i].expect, "case %u: got %llu, expected %llu", i,
                          (unsigned long long)got, (unsigned long long)cases[i].expect);
    }
    /* The head never waits early, whatever the holder does; v3 looks at
     * v2 (its own predecessor), not at v1. */
    v[0]->g->act = GA_LOCK_HALT;
    ck_assert(guest_pv_wait_early_in(sim, v[1]) > 1000000000000ULL);
    v[1]->g->act = GA_LOCK_HALT;
    v[2]->g->act = GA_LOCK_SPIN;
    v[3]->g->spun = 0;
    ck_assert(guest_pv_wait_early_in(sim, v[3]) > 1000000000000ULL);
    v[2]->g->act = GA_LOCK_HALT;
    ck_assert_uint_eq(guest_pv_wait_early_in(sim, v[3]), 0);
    v[0]->g->act = GA_COMPUTE;
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* The same in a simulation: four vCPUs pinned 1:1, no PLE, one lock held
 * 5 ms at a time, 100 us of other work between holds.  T = SPIN_THRESHOLD
 * = 32768 * 140 cycles / 2.5 GHz = 1835008 ns.
 *  - First round: vCPU 3 takes the lock; 0, 1, 2 spin from the same
 *    instant and reach SPIN_THRESHOLD together (3 T): nobody waits early.
 *  - After that the holds alternate.  The unlocker kicks the halted head,
 *    which gets the lock.  vCPU 3 comes back 100 us after its release (101
 *    us when its unlock kicked someone: the hypercall exit): the queue is
 *    not empty and its head is halted, 'pending' is clear, so it spins in
 *    the hybrid unfair trylock, without SPIN_THRESHOLD, and steals the
 *    lock 100 ns after the next release: 4 steals by 50 ms.  The first
 *    waits W1 = 5 ms + 3.1 us - 101 us = 4902100 ns (that head took the
 *    lock 3 us after a kick and wake-up); the other three W = 5 ms + 0.2
 *    us - 100 us = 4900200 ns (their head was spinning and took the lock
 *    100 ns after the release).
 *  - The head each steal robbed was kicked out of its first pv_wait: it
 *    has hashed the lock once, so pv_wait() no longer halts it and it
 *    spins until the next release, H = 5 ms + 0.1 us - 2.9 us (its wake-up)
 *    = 4997200 ns, 4 times; its next unlock then needs no kick.
 *  - The vCPU whose hold was stolen comes back while the kicked head spins
 *    with 'pending' set: it queues behind a halted waiter and stops at its
 *    first pv_wait_early check, iteration 0: one early wait per steal.
 *  - The run ends while the vCPU whose hold ended last spins in the
 *    hybrid unfair trylock: it came back 100 us after its release, which
 *    the holder at the end took 100 ns after it (99.9 us before); its spin
 *    up to 50 ms counts.
 *  - The host tick (HZ 250: every 4 ms, on all CPUs at once) is an
 *    external-interrupt exit and entry (600 + 400 ns) for every vCPU in
 *    guest mode; halted vCPUs leave their CPU idle and untouched.
 * Without pv_wait_early each of those would spin T too. */
START_TEST(test_pv_wait_early_sim)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_LOCK, .lock = 0, .spread = 1, .every = 1},
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(5000), 0, 0}, .kernel = true, .every = 1},
        {.kind = GSTEP_UNLOCK, .every = 1},
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(100), 0, 0}, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(4, 1, 4, true, steps, G_N_ELEMENTS(steps), 1, 50.0);
    struct sim_options opt = {.debug_checks = true};
    struct sim *sim;
    struct sim_result *r;
    const struct guest_lock *l;
    u64 last;

    sc->kvm.ple_gap = 0;
    sim = sim_new(sc, &opt, NULL);
    sim_run(sim, NULL, NULL);
    l = &sim->vms[0]->guest->locks[0];
    ck_assert_int_ge(l->holder, 0);
    ck_assert_uint_eq(sim->vms[0]->vcpus[l->holder]->g->act, GA_COMPUTE);
    last = 50000000 - (l->acquired_at + 99900);
    r = sim_collect(sim, 0.0);
    sim_free(sim);
    ck_assert_uint_eq(r->vms[0].ops, 9);
    ck_assert_uint_eq(r->vms[0].pv_lock_steals, 4);
    /* Eleven ticks (4, 8, .., 44 ms) each delayed the lock chain by one
     * external-interrupt exit and entry (1 us) before the last acquisition. */
    ck_assert_uint_eq(last, 4893900 - 11 * 1000);
    /* Ticks hit the holder and the spinner together, so a spinner's wait
     * grows by the exit it pays itself and its guest spin does not change;
     * only the tick at 48 ms, inside the final spin, takes 1 us of it. */
    ck_assert_uint_eq(r->vms[0].spin_ns, 3ULL * 1835008ULL + 4902100ULL + 3ULL * 4900200ULL +
                                             4ULL * 4997200ULL + last - 1000);
    /* The tick at 4 ms finds only the first holder in guest mode (the other
     * three halted after T); each later one finds the holder and one
     * spinner (the stealer, or the robbed head). */
    ck_assert_uint_eq(r->vms[0].exits[KVM_EXIT_EXTINT], 1 + 11 * 2);
    ck_assert_uint_eq(r->vms[0].pv_wait_early, 4);
    ck_assert_uint_eq(r->vms[0].pv_kicks, 5);
    sim_result_free(r);
    scenario_free(sc);
}
END_TEST

START_TEST(test_native_and_tas_locks)
{
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_QSPINLOCK, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    struct guest_lock *l = &sim->vms[0]->guest->locks[0];

    /* Native: strictly FIFO, no stealing even before the head looked. */
    guest_lock_request(sim, v[0], 0);
    guest_lock_request(sim, v[1], 0);
    guest_lock_release(sim, v[0]);
    guest_lock_request(sim, v[2], 0);
    ck_assert_int_eq(l->holder, -1);
    ck_assert(!guest_lock_try(sim, v[2]));
    ck_assert(guest_lock_try(sim, v[1]));
    sim_free(sim);
    scenario_free(sc);

    /* Test-and-set: whoever looks first wins. */
    sim = lock_sim(LOCK_TAS, &sc);
    v = sim->vms[0]->vcpus;
    l = &sim->vms[0]->guest->locks[0];
    guest_lock_request(sim, v[0], 0);
    guest_lock_request(sim, v[1], 0);
    guest_lock_request(sim, v[2], 0);
    guest_lock_release(sim, v[0]);
    ck_assert(guest_lock_try(sim, v[2]));
    ck_assert(!guest_lock_try(sim, v[1]));
    guest_lock_release(sim, v[2]);
    ck_assert(guest_lock_try(sim, v[1]));
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- s390: the classic spinlock and DIAGNOSE 0x9c ---- */

/* Unfair: a newcomer takes a free lock while others spin, and among the
 * spinners whoever looks first after the release wins, not the oldest. */
START_TEST(test_s390_lock_unfair)
{
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_S390, &sc);
    struct kvm_vcpu **v = sim->vms[0]->vcpus;
    struct guest_lock *l = &sim->vms[0]->guest->locks[0];

    guest_lock_request(sim, v[0], 0);               /* arch_spin_trylock_once */
    ck_assert_int_eq(l->holder, 0);
    ck_assert(!v[0]->g->s390_first_yield);
    guest_lock_request(sim, v[1], 0);               /* waits first */
    guest_lock_request(sim, v[2], 0);
    ck_assert(v[1]->g->s390_first_yield);           /* the opening check is due */
    ck_assert_uint_eq(l->q_len, 2);
    ck_assert(guest_lock_release(sim, v[0]) == NULL);
    guest_lock_request(sim, v[3], 0);               /* newcomer, two spinners: takes it */
    ck_assert_int_eq(l->holder, 3);
    ck_assert(!guest_lock_try(sim, v[1]));
    ck_assert(guest_lock_release(sim, v[3]) == NULL);
    ck_assert(guest_lock_try(sim, v[2]));           /* looked first: wins over v[1] */
    ck_assert(!v[2]->g->s390_first_yield);
    ck_assert_uint_eq(l->q_len, 1);
    ck_assert(!guest_lock_try(sim, v[1]));
    ck_assert(guest_lock_release(sim, v[2]) == NULL);
    ck_assert(guest_lock_try(sim, v[1]));
    ck_assert_uint_eq(l->q_len, 0);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.lock_acquisitions, 4);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* The guest's arch_vcpu_is_preempted(): enabled wait first, then SIGP
 * SENSE RUNNING (the thread on a host CPU). */
START_TEST(test_s390_vcpu_is_preempted)
{
    static const struct {
        bool on_cpu;
        enum guest_act act;
        bool in_irq;
        bool preempted;
    } cases[] = {
        {true, GA_COMPUTE, false, false},   /* running */
        {false, GA_COMPUTE, false, true},   /* descheduled holder */
        {false, GA_LOCK_SPIN, false, true},
        {false, GA_SLEEP, false, false},    /* idle in an enabled wait */
        {false, GA_IDLE, false, false},
        {false, GA_BARRIER, false, false},
        {false, GA_SLEEP, true, true},      /* woken, in its handler */
        {true, GA_SLEEP, false, false},
    };
    struct scenario *sc;
    struct sim *sim = lock_sim(LOCK_S390, &sc);
    struct kvm_vcpu *t = sim->vms[0]->vcpus[1];

    for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
        t->task.on_cpu = cases[i].on_cpu;
        t->g->act = cases[i].act;
        t->g->in_irq = cases[i].in_irq;
        ck_assert_msg(s390_arch_vcpu_is_preempted(t) == cases[i].preempted, "case %u", i);
    }
    t->task.on_cpu = false;
    t->g->in_irq = false;
    t->g->act = GA_COMPUTE;
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* __diag_time_slice_end_directed() from vCPU 1 of a 4-vCPU VM. */
struct diag9c_case {
    const char *what;
    int tid;                      /* the operand (CPU address) */
    bool target_on_cpu;           /* vCPU 2's thread is on a host CPU */
    int yield_ret;                /* what the yield_to() test double answers for vCPU 2 */
    enum diag9c_outcome expect;
    unsigned int yield_calls;     /* kvm_vcpu_yield_to() calls expected */
};

static const struct diag9c_case diag9c_cases[] = {
    {"yield to self", 1, false, 1, DIAG9C_SELF, 0},
    {"id beyond the vCPUs", 4, false, 1, DIAG9C_INVALID, 0},
    {"negative id", -1, false, 1, DIAG9C_INVALID, 0},
    {"target running", 2, true, 1, DIAG9C_RUNNING, 0},
    {"target preempted, boosted", 2, false, 1, DIAG9C_DONE, 1},
    {"target preempted, yield_to 0", 2, false, 0, DIAG9C_NO_YIELD, 1},
    {"target preempted, -ESRCH", 2, false, -ESRCH, DIAG9C_NO_YIELD, 1},
};

START_TEST(test_diag9c_outcomes)
{
    const struct diag9c_case *c = &diag9c_cases[_i];
    struct scenario *sc;
    struct sim *sim = scan_sim(4, &sc);
    struct kvm *kvm = sim->vms[0];
    struct kvm_vcpu *me = kvm->vcpus[1];
    enum diag9c_outcome got;

    kvm->vcpus[2]->task.on_cpu = c->target_on_cpu;
    scan_ret[2] = c->yield_ret;
    got = __diag_time_slice_end_directed(sim, me, c->tid);
    ck_assert_msg(got == c->expect, "%s: outcome %d, expected %d", c->what, got, c->expect);
    ck_assert_uint_eq(kvm->stats.diag_9c, 1);
    ck_assert_uint_eq(kvm->stats.diag_9c_ignored, c->expect == DIAG9C_DONE ? 0 : 1);
    ck_assert_uint_eq(kvm->stats.yield_to_attempts, c->yield_calls);
    ck_assert_uint_eq(scan_n, c->yield_calls);
    if (c->yield_calls)
        ck_assert_int_eq(scan_log[0], 2);  /* directed: the named vCPU, no scan */
    ck_assert_uint_eq(kvm->stats.on_spin, 0);
    kvm->vcpus[2]->task.on_cpu = false;
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * The waiters' diag 9c count, by hand.  Three CPUs, a 3-vCPU VM pinned
 * 1:1 without a guest tick, program: lock; 50 ms critical section; unlock.  Three nice -20 host
 * tasks stage it: vCPU 0 takes the lock at 2.4 us (ctx switch + entry) and
 * is descheduled by hog0, which wakes on CPU 0 at 150 us (sleep + slack)
 * and keeps the CPU for far longer than the 20 ms run.  vCPU 1 starts on
 * CPU 1 after pre1's 10 us and spins from S1 = 12.4 us against a running,
 * then preempted, owner.  vCPU 2 waits on CPU 2 behind hog2, which is
 * curr from 0 but, being far heavier, is just ahead of V at the 4 ms tick:
 * the tick gives CPU 2 to vCPU 2 (eligible, not yet run), and the 8 ms tick
 * gives it back to hog2 for the rest of the run.  So vCPU 2 asks for the
 * lock at S2 = 4 ms + 2.4 us, after the owner's preemption at that same
 * tick, and spins until 8 ms.  The yield_to() test double refuses every
 * yield, so nothing the waiters do moves anyone.
 * With a period P = (spin_retry + 2) x spin_loop_ps / 1000 ns of spinning
 * and 600 + 400 ns of exit and entry per diag 9c:
 *   vCPU 1 issues diag k at S1 + k P + (k - 1) 1000        (k >= 1)
 *   vCPU 2 issues one at S2 (owner preempted), then diag j at
 *   S2 + j (P + 1000), while before 8 ms.
 * plus, for vCPU 1, 1000 ns for each host tick (4, 8, 12, 16 ms) that
 * finds it spinning in guest mode (an external-interrupt exit).
 * Each is handled 600 ns after it is issued; those handled while vCPU 0
 * was still on CPU 0 are ignored without calling yield_to().
 */
/* Test double for the count test: refuse every yield (0), and record how
 * many were asked for and whether any named another vCPU than the owner,
 * 0, or a running one. */
static u64 refused_yields, refused_bad_target;

static int refuse_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target)
{
    (void)sim;
    (void)me;
    refused_yields++;
    if (target->vcpu_idx != 0 || target->task.on_cpu)
        refused_bad_target++;
    return 0;
}

static const struct {
    unsigned int spin_retry;
    u64 spin_loop_ps;
} diag9c_count_cases[] = {
    {1000, 2000},                 /* the defaults: P = 2004 ns */
    {0, 1500},                    /* P = 3 ns */
    {5000, 333},                  /* P = round(1665.666) = 1666 ns */
};

START_TEST(test_diag9c_count)
{
    static const char json[] =
        "{\"version\": 1, \"name\": \"d9c\", \"duration_ms\": 20, \"host\": {\"cpus\": 3},"
        " \"kvm\": {\"ple_gap\": 0},"
        " \"tasks\": [{\"name\": \"hog0\", \"nice\": -20, \"cpus\": [0],"
        "   \"program\": [{\"sleep_us\": 100}, {\"run_us\": 1000000}]},"
        "  {\"name\": \"pre1\", \"nice\": -20, \"cpus\": [1],"
        "   \"program\": [{\"run_us\": 10}, {\"sleep_us\": 1000000}]},"
        "  {\"name\": \"hog2\", \"nice\": -20, \"cpus\": [2],"
        "   \"program\": [{\"run_us\": 1000000}]}],"
        " \"vms\": [{\"name\": \"v\", \"vcpus\": 3, \"cgroup\": \"/\", \"pin\": \"1:1\","
        "   \"start_spread_us\": 0,"
        "   \"workload\": {\"lock_kind\": \"s390\", \"tick_hz\": 0, \"program\": ["
        "     {\"op\": \"lock\", \"lock\": \"l\"}, {\"op\": \"compute\", \"us\": 50000, \"mode\": \"kernel\"},"
        "     {\"op\": \"unlock\"}, {\"op\": \"compute\", \"us\": 1}]}}]}";
    const u64 end = 20000000, s1 = 10000 + 2400, s2 = 4000000 + 2400, end2 = 8000000;
    const u64 cost = 600 + 400;
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "d9c", &err);
    struct sim *sim;
    struct kvm *kvm;
    struct kvm_vcpu **v;
    u64 period, t_pre, n1 = 0, n1_running = 0, n1_ticks = 0, n2 = 1;

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
    sc->vms[0].wl.spin_retry = diag9c_count_cases[_i].spin_retry;
    sc->vms[0].wl.spin_loop_ps = diag9c_count_cases[_i].spin_loop_ps;
    period = ((u64)diag9c_count_cases[_i].spin_retry + 2) * diag9c_count_cases[_i].spin_loop_ps;
    period = (period + 500) / 1000;
    sim = sim_new(sc, NULL, NULL);
    sim->test_yield_to = refuse_yield_to;
    refused_yields = refused_bad_target = 0;
    sim_run(sim, NULL, NULL);
    kvm = sim->vms[0];
    v = kvm->vcpus;

    /* The owner ran from 0 until it was preempted, once, and not again. */
    t_pre = v[0]->task.se.sum_exec_runtime;
    ck_assert_uint_eq(t_pre, 4000000);  /* the first tick after its 1.4 ms slice */
    ck_assert_uint_eq(v[0]->stats.exits[KVM_EXIT_EXTINT], 1);
    ck_assert(!v[0]->task.on_cpu);
    ck_assert_int_eq(kvm->guest->locks[0].holder, 0);
    ck_assert_uint_eq(v[0]->stats.exits[KVM_EXIT_DIAG_9C], 0);

    /* vCPU 1 is alone on CPU 1, so every host tick (4 ms apart) that finds
     * it spinning in guest mode costs it one more exit and entry; the
     * spin count goes on after it.  A tick during a diag 9c exit finds it
     * in host mode and costs nothing. */
    for (u64 t = s1, tick = 4000000;;) {
        u64 left = period;

        while (tick < t)
            tick += 4000000;
        while (tick < t + left) {
            ck_assert_uint_ne(tick, t);   /* no tie between a tick and an entry */
            left -= tick - t;
            t = tick + cost;
            if (tick <= end)              /* the tick at the end comes first */
                n1_ticks++;
            tick += 4000000;
        }
        t += left;                        /* diag 9c issued */
        if (t > end)
            break;
        n1++;
        if (t + 600 < t_pre)
            n1_running++;
        t += cost;
    }
    /* vCPU 2 ran exactly one tick; it asked once at S2, then every period. */
    ck_assert_uint_eq(v[2]->task.se.sum_exec_runtime, end2 - 4000000);
    for (u64 j = 1; s2 + j * (period + cost) < end2; j++)
        n2++;
    ck_assert_uint_eq(v[1]->stats.exits[KVM_EXIT_DIAG_9C], n1);
    ck_assert_uint_eq(v[1]->stats.exits[KVM_EXIT_EXTINT], n1_ticks);
    ck_assert_uint_eq(v[2]->stats.exits[KVM_EXIT_DIAG_9C], n2);
    ck_assert_uint_eq(kvm->stats.diag_9c, n1 + n2);
    ck_assert_uint_eq(kvm->stats.diag_9c_ignored, n1 + n2);   /* the double says 0 */
    ck_assert_uint_eq(kvm->stats.yield_to_attempts, n1 - n1_running + n2);
    ck_assert_uint_eq(refused_yields, n1 - n1_running + n2);
    ck_assert_uint_eq(refused_bad_target, 0);  /* always the owner, never running */
    ck_assert_uint_gt(n1_running, 0);
    /* No PAUSE in the s390 loop, PLE off anyway: no on_spin at all. */
    ck_assert_uint_eq(kvm->stats.on_spin, 0);
    ck_assert_uint_eq(v[1]->stats.exits[KVM_EXIT_PLE] + v[2]->stats.exits[KVM_EXIT_PLE], 0);
    /* Everything vCPU 1 did in guest mode was spinning, one period per diag. */
    ck_assert_uint_ge(v[1]->stats.spin_ns, n1 * period);
    ck_assert_uint_lt(v[1]->stats.spin_ns, (n1 + 1) * period);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- PLE cadence in a simulation ---- */

/* Two vCPUs pinned 1:1 on two CPUs, native spinlock: vCPU 0 holds the lock
 * for 5 ms, vCPU 1 spins.  No deschedule happens (each CPU has one task),
 * so the window doubles at every PAUSE exit: exit k happens after
 * 4096 * 2^k cycles of spinning (at 2.5 GHz), plus exit and entry costs.
 * The spinner's whole CPU time after its first entry is spin-wait: PAUSE
 * loops in guest mode (spin_ns) and the exits and entries between them
 * (spin_host_ns), the last of which may be cut by the end of the run. */
START_TEST(test_ple_cadence)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_LOCK, .lock = 0, .spread = 1, .every = 1},
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(5000), 0, 0}, .kernel = true, .every = 1},
        {.kind = GSTEP_UNLOCK, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(2, 1, 2, true, steps, G_N_ELEMENTS(steps), 1, 4.0);
    struct sim *sim;
    struct kvm_vcpu *spinner;
    u64 t = 0, window = 4096, spin_host = 0, spin_guest = 0;
    unsigned int expect = 0;

    sc->vms[0].wl.lock_kind = LOCK_QSPINLOCK;
    sim = sim_new(sc, NULL, NULL);
    sim_run(sim, NULL, NULL);
    /* vCPU 0 and 1 both start with ctx switch + entry; vCPU 0 is forked
     * first and takes the lock; vCPU 1 spins from the same instant. */
    t = 2000 + 400;
    for (;;) {
        u64 spin = (window * 10 + 12) / 25; /* cycles / 2.5 GHz, rounded */

        if (t + spin > 4000000) {
            spin_guest += 4000000 - t;
            break;
        }
        spin_guest += spin;
        spin_host += MIN(600 + 400, 4000000 - (t + spin));
        t += spin + 600 + 400;
        expect++;
        window *= 2;
    }
    spinner = sim->vms[0]->vcpus[1];
    ck_assert_uint_eq(spinner->stats.spin_ns, spin_guest);
    ck_assert_uint_eq(spinner->stats.spin_host_ns, spin_host);
    ck_assert_uint_eq(spinner->stats.host_ns, 2000 + 400 + spin_host);
    ck_assert_uint_eq(spinner->task.se.sum_exec_runtime, 4000000);
    ck_assert_uint_eq(spinner->stats.exits[KVM_EXIT_PLE], expect);
    ck_assert_uint_eq(spinner->ple_window, 4096U << expect);
    ck_assert_uint_eq(sim->vms[0]->vcpus[0]->stats.exits[KVM_EXIT_PLE], 0);
    /* kvm_vcpu_on_spin found no candidate: the holder is running. */
    ck_assert_uint_eq(sim->vms[0]->stats.yield_to_attempts, 0);
    ck_assert_uint_eq(sim->vms[0]->stats.on_spin, expect);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * A reschedule that reaches a vCPU in guest mode is an external-interrupt
 * exit even when the pick keeps the vCPU: one vCPU alone on one CPU,
 * computing; a reschedule at 1 ms and one at 3 ms.  The ticks (4, 8, .., 20
 * ms) reschedule nothing, as it is alone, but each is an external-interrupt
 * exit too.  Its 20 ms are the first switch and entry (2000 + 400 ns), six
 * exits and entries (2 reschedules, ticks at 4 to 16 ms: 6 x 1000 ns) and
 * guest code; the tick at 20 ms comes before the end and its exit costs
 * nothing yet.
 */
START_TEST(test_resched_exit_kept)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(10000), 0, 0}, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(1, 1, 1, true, steps, G_N_ELEMENTS(steps), 1, 20.0);
    struct sim_options opt = {.debug_checks = true};
    struct sim *sim = sim_new(sc, &opt, NULL);
    struct kvm_vcpu *v = sim->vms[0]->vcpus[0];

    sim_engine_run_until(&sim->eng, 1000000);
    ck_assert_int_eq(v->phase, VP_GUEST);
    resched_curr(sim, cpu_rq(sim, 0));
    sim_engine_run_until(&sim->eng, 1000000);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_EXTINT], 1);
    ck_assert_int_eq(v->phase, VP_ENTRY);           /* kept: re-entering */
    ck_assert(v->task.on_cpu && !v->preempted);
    sim_engine_run_until(&sim->eng, 3000000);
    ck_assert_int_eq(v->phase, VP_GUEST);
    resched_curr(sim, cpu_rq(sim, 0));
    sim_run(sim, NULL, NULL);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_EXTINT], 2 + 5);
    ck_assert_uint_eq(v->task.stats.nr_switches, 0);
    ck_assert_uint_eq(v->stats.host_ns, 2000 + 400 + 6 * (600 + 400));
    ck_assert_uint_eq(v->stats.guest_ns, 20000000 - (2000 + 400 + 6 * (600 + 400)));
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ops, 1);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * Two guest threads on one vCPU, alone on one CPU: each pass is compute
 * 10 us, sleep 5 us.  Thread 0 computes from 2400 (switch + entry) to
 * 12400 and sleeps until 17400; thread 1 (waiting in the run queue) runs
 * after a 1 us guest context switch, from 13400.  Thread 0's timer fires
 * at 17400 while thread 1 computes: the kick reaches the vCPU 1000 ns later
 * (exit 600, entry 400, handler 1000 ns), so thread 1 ends its 10 us at
 * 25400, sleeps until 30400, and thread 0 runs again after a switch, from
 * 26400, completing its first pass.  From then on each pass takes 13 us
 * (compute, switch, the other thread's timer interrupt) and the vCPU never
 * halts: in 1 ms, 76 sleeps each followed by a switch, 76 timer exits, and
 * op k done at 26400 + 13000 (k - 1).
 */
START_TEST(test_guest_threads_switch)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(10), 0, 0}, .every = 1},
        {.kind = GSTEP_SLEEP, .d = {DIST_FIXED, US(5), 0, 0}, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(1, 1, 1, true, steps, G_N_ELEMENTS(steps), 0, 1.0);
    struct sim_options opt = {.debug_checks = true};
    struct sim *sim;
    struct kvm_vcpu *v;
    struct guest_cpu *g;

    sc->vms[0].wl.threads_per_vcpu = 2;
    sc->vms[0].wl.thread_switch_ns = 1000;
    sim = sim_new(sc, &opt, NULL);
    v = sim->vms[0]->vcpus[0];
    g = v->g;
    ck_assert_uint_eq(g->cur, 0);
    sim_engine_run_until(&sim->eng, 12900);
    /* Thread 0 slept at 12400; the switch to thread 1 is kernel code. */
    ck_assert_uint_eq(g->cur, 1);
    ck_assert(g->act == GA_COMPUTE && g->kernel);
    ck_assert(g->threads[0].sleeping);
    ck_assert_uint_eq(g->threads[0].wake_at, 17400);
    ck_assert_uint_eq(g->timer_ev.time, 17400);
    sim_engine_run_until(&sim->eng, 25000);
    ck_assert_uint_eq(g->cur, 1);
    ck_assert(!g->threads[0].sleeping);
    ck_assert_uint_eq(g->rq_len, 1);            /* thread 0 woke and waits */
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ops, 0);
    sim_engine_run_until(&sim->eng, 26400);
    ck_assert_uint_eq(g->cur, 0);
    ck_assert_uint_eq(g->threads[1].wake_at, 30400);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ops, 1);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.thread_switches, 2);
    sim_run(sim, NULL, NULL);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ops, 1 + (1000000 - 26400) / 13000);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.thread_switches, 76);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_HLT], 0);
    ck_assert_uint_eq(v->stats.host_ns, 2000 + 400 + 76 * (600 + 400));
    ck_assert_uint_eq(v->stats.guest_ns, 1000000 - (2000 + 400 + 76 * (600 + 400)));
    sim_free(sim);

    /* One thread: the same program halts at every sleep. */
    sc->vms[0].wl.threads_per_vcpu = 1;
    sim = sim_new(sc, &opt, NULL);
    sim_run(sim, NULL, NULL);
    v = sim->vms[0]->vcpus[0];
    ck_assert_uint_eq(sim->vms[0]->guest->stats.thread_switches, 0);
    ck_assert_uint_ge(v->stats.exits[KVM_EXIT_HLT], sim->vms[0]->guest->stats.ops);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST


/* ---- the guest tick (workload.tick_hz) ---- */

/*
 * One vCPU alone on one CPU computes 1 ms passes for 10 ms, guest HZ 1000
 * with the grid at 0.3 ms, APICv off.  Each guest tick (0.3, 1.3, .., 9.3
 * ms: 10) kicks the running vCPU; the kick arrives 1000 ns later as an
 * external-interrupt exit and entry (1000 ns of host time), the timer
 * interrupt is injected at the entry, its handler EOIs at the top (an EOI
 * exit and entry, 1000 ns more) and runs 1000 ns of guest code.  The host
 * ticks (HZ 250) at 4 and 8 ms are one exit and entry each.  So host time
 * is the first switch and
 * entry (2400 ns) + 10 x 2000 + 2 x 1000 ns, and guest code the rest, of
 * which 10 x 1000 ns is the handler: 9 passes complete.
 * With tick_hz 0 the same run has only the host ticks.
 */
START_TEST(test_guest_tick_busy)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(1000), 0, 0}, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(1, 1, 1, true, steps, G_N_ELEMENTS(steps), 0, 10.0);
    struct sim_options opt = {.debug_checks = true};
    const u64 host = 2400 + 10 * 2000 + 2 * 1000;
    struct sim *sim;
    struct kvm_vcpu *v;

    sc->kvm.apicv = APICV_OFF;
    sc->vms[0].wl.tick_hz = 1000;
    sim = sim_new(sc, &opt, NULL);
    ck_assert_uint_eq(sim->vms[0]->guest->tick_nsec, 1000000);
    ck_assert_uint_lt(sim->vms[0]->guest->tick_phase, 1000000);
    sim->vms[0]->guest->tick_phase = 300000;
    v = sim->vms[0]->vcpus[0];
    sim_engine_run_until(&sim->eng, 300000);
    ck_assert(v->g->tick_on);
    ck_assert_uint_eq(v->g->next_tick, 1300000);
    ck_assert_uint_eq(v->g->timer_ev.time, 1300000);
    sim_run(sim, NULL, NULL);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ticks, 10);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_EOI], 10);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_EXTINT], 10 + 2);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_HLT], 0);
    ck_assert_uint_eq(v->stats.host_ns, host);
    ck_assert_uint_eq(v->stats.guest_ns, 10000000 - host);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ops, (10000000 - host - 10 * 1000) / 1000000);
    ck_assert_uint_eq(sim->vms[0]->stats.ipis_received, 0);   /* the timer is not an IPI */
    sim_free(sim);

    sc->vms[0].wl.tick_hz = 0;
    sim = sim_new(sc, &opt, NULL);
    sim_run(sim, NULL, NULL);
    v = sim->vms[0]->vcpus[0];
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ticks, 0);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_EOI], 0);
    ck_assert_uint_eq(v->stats.exits[KVM_EXIT_EXTINT], 2);
    ck_assert_uint_eq(v->stats.host_ns, 2400 + 2 * 1000);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * The tick keeps running while a PV lock waiter is halted in pv_wait() (it
 * is not the idle loop), and each tick wakes it: pv_wait() returns without
 * a kick and the waiter spins SPIN_THRESHOLD again (the kernel's
 * pv_spurious_wakeup).  Two vCPUs pinned 1:1, no PLE: vCPU 0 takes the lock
 * and holds it past the end of the 40 ms run; vCPU 1, the queue head, spins
 * T = 1835008 ns, hashes the lock and halts.  Guest HZ 100 with the grid at
 * 5 ms: the ticks at 5, 15, 25 and 35 ms find it halted (each spin ends
 * within 1.9 ms of its tick), wake it, and it spins T again and halts again.
 * Host ticks that hit a spin (16, 36 ms) cost an exit but no spin time.  So
 * vCPU 1 spins 5 T, halts 5 times, and 4 wake-ups are spurious; 8 ticks
 * expire in all (4 on each vCPU).  Without the guest tick: T, one halt.
 */
START_TEST(test_guest_tick_pv_wait)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_LOCK, .lock = 0, .spread = 1, .every = 1},
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(100000), 0, 0}, .kernel = true, .every = 1},
        {.kind = GSTEP_UNLOCK, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(2, 1, 2, true, steps, G_N_ELEMENTS(steps), 1, 40.0);
    struct sim_options opt = {.debug_checks = true};
    const u64 T = 1835008;

    sc->kvm.ple_gap = 0;
    for (unsigned int hz = 0; hz <= 100; hz += 100) {
        struct sim *sim;
        struct kvm_vcpu *w;
        const struct guest_lock *l;

        sc->vms[0].wl.tick_hz = hz;
        sim = sim_new(sc, &opt, NULL);
        sim->vms[0]->guest->tick_phase = 5000000;
        sim_run(sim, NULL, NULL);
        l = &sim->vms[0]->guest->locks[0];
        ck_assert_int_eq(l->holder, 0);
        w = sim->vms[0]->vcpus[1];
        ck_assert_int_eq(w->g->act, GA_LOCK_HALT);
        ck_assert_uint_eq(w->stats.spin_ns, hz ? 5 * T : T);
        ck_assert_uint_eq(w->stats.exits[KVM_EXIT_HLT], hz ? 5 : 1);
        /* The head's re-waits are pv_wait_again, not pv_spurious_wakeup. */
        ck_assert_uint_eq(sim->vms[0]->guest->stats.pv_wait_again, hz ? 4 : 0);
        ck_assert_uint_eq(sim->vms[0]->guest->stats.pv_spurious_wakeups, 0);
        ck_assert_uint_eq(sim->vms[0]->guest->stats.ticks, hz ? 8 : 0);
        ck_assert_uint_eq(sim->vms[0]->guest->stats.pv_kicks, 0);
        sim_free(sim);
    }
    scenario_free(sc);

    /* A third vCPU queues behind vCPU 1 (pinned on a third CPU).  It also
     * spins T from its arrival, reaching it when vCPU 1 does, so it never
     * sees its predecessor halted first (no pv_wait_early) and halts in
     * pv_wait_node().  The same ticks wake both; vCPU 2 is still not the
     * queue head, so each of its 4 wake-ups is the kernel's
     * pv_spurious_wakeup, and vCPU 1's 4 re-waits are pv_wait_again. */
    sc = tu_vm_scenario(3, 1, 3, true, steps, G_N_ELEMENTS(steps), 1, 40.0);
    sc->kvm.ple_gap = 0;
    sc->vms[0].wl.tick_hz = 100;
    {
        struct sim *sim = sim_new(sc, &opt, NULL);
        const struct guest_vm *gv;
        struct kvm_vcpu **v;

        sim->vms[0]->guest->tick_phase = 5000000;
        sim_run(sim, NULL, NULL);
        gv = sim->vms[0]->guest;
        v = sim->vms[0]->vcpus;
        ck_assert_uint_eq(gv->stats.pv_spurious_wakeups, 4);
        ck_assert_uint_eq(gv->stats.pv_wait_again, 4);
        ck_assert_uint_eq(gv->stats.pv_wait_early, 0);
        ck_assert_uint_eq(gv->stats.ticks, 12);
        for (unsigned int i = 1; i < 3; i++) {
            ck_assert_uint_eq(v[i]->stats.exits[KVM_EXIT_HLT], 5);
            ck_assert_uint_eq(v[i]->stats.spin_ns, 5 * T);
            ck_assert_int_eq(v[i]->g->act, GA_LOCK_HALT);
        }
        ck_assert_int_eq(gv->locks[0].queue[gv->locks[0].q_head], 1);
        sim_free(sim);
    }
    scenario_free(sc);
}
END_TEST

/*
 * Guest time slices: two threads on one vCPU alone on one CPU, passes of
 * 1.5 ms of user-mode compute, guest HZ 1000 with the grid at 0.3 ms, APICv
 * off, a 1 us thread switch.  The guest's base slice is 0.7 ms (one vCPU:
 * 0.7 ms x (1 + ilog2(1))).  Each tick costs 2000 ns of host time (the kick's
 * exit and entry, 1000 ns after the expiry; the EOI exit and entry) and
 * 1000 ns of handler.  At the 0.3 ms tick thread 0 has run 298.6 us: it
 * keeps the vCPU.  At the 1.3 ms tick it has run 1297.6 us (1295.6 us of
 * compute, 204.4 us short of its first pass): the tick preempts it and
 * thread 1 runs after the switch.  From then on every tick (2.3 .. 9.3 ms)
 * preempts the running thread, 9 preemptions in all, each followed by a
 * switch, and each full turn is 1 ms - 4 us = 996 us of compute (995 us
 * when the host tick at 4 or 8 ms falls in it).  Thread 0 computes
 * 1295.6 + 4 x 996 us, thread 1 2 x 996 + 2 x 995 + 695 us (its last turn
 * runs from 9.305 ms to the end): 3 passes each.
 * With the compute in kernel mode the tick never preempts: one thread runs.
 */
START_TEST(test_guest_tick_slices)
{
    static const struct guest_step steps[] = {
        {.kind = GSTEP_COMPUTE, .d = {DIST_FIXED, US(1500), 0, 0}, .every = 1},
    };
    struct scenario *sc = tu_vm_scenario(1, 1, 1, true, steps, G_N_ELEMENTS(steps), 0, 10.0);
    struct sim_options opt = {.debug_checks = true};
    const u64 host = 2400 + 10 * 2000 + 2 * 1000;
    const u64 c0 = 1295600 + 4 * 996000, c1 = 2 * 996000 + 2 * 995000 + 695000;
    struct sim *sim;
    struct kvm_vcpu *v;
    struct guest_vm *gv;

    sc->kvm.apicv = APICV_OFF;
    sc->vms[0].wl.tick_hz = 1000;
    sc->vms[0].wl.threads_per_vcpu = 2;
    sc->vms[0].wl.thread_switch_ns = 1000;
    sim = sim_new(sc, &opt, NULL);
    gv = sim->vms[0]->guest;
    ck_assert_uint_eq(gv->slice_ns, 700000);
    gv->tick_phase = 300000;
    v = sim->vms[0]->vcpus[0];
    sim_engine_run_until(&sim->eng, 1303999);  /* in the handler of the 1.3 ms tick */
    ck_assert_uint_eq(v->g->cur, 0);
    ck_assert(v->g->in_irq);
    sim_engine_run_until(&sim->eng, 1304000);  /* its end: preempted */
    ck_assert_uint_eq(v->g->cur, 1);
    ck_assert_uint_eq(v->g->threads[0].left, 1500000 - 1295600);
    ck_assert_uint_eq(v->g->threads[0].iter, 0);
    ck_assert_uint_eq(gv->stats.thread_preemptions, 1);
    sim_run(sim, NULL, NULL);
    ck_assert_uint_eq(c0 + c1 + 10 * 1000 + 9 * 1000, 10000000 - host);
    ck_assert_uint_eq(gv->stats.thread_preemptions, 9);
    ck_assert_uint_eq(gv->stats.thread_switches, 9);
    ck_assert_uint_eq(gv->stats.ticks, 10);
    ck_assert_uint_eq(v->stats.host_ns, host);
    ck_assert_uint_eq(v->stats.guest_ns, 10000000 - host);
    ck_assert_uint_eq(gv->stats.ops, c0 / 1500000 + c1 / 1500000);
    ck_assert_uint_eq(gv->stats.ops, 6);
    sim_free(sim);

    /* Kernel-mode compute: no preemption point, thread 1 never runs. */
    sc->vms[0].wl.steps[0].kernel = true;
    sim = sim_new(sc, &opt, NULL);
    sim->vms[0]->guest->tick_phase = 300000;
    sim_run(sim, NULL, NULL);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.thread_preemptions, 0);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.thread_switches, 0);
    ck_assert_uint_eq(sim->vms[0]->guest->stats.ticks, 10);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- halt, kick, ready ---- */

START_TEST(test_halt_kick_ready)
{
    struct scenario *sc = tu_vm_scenario(2, 1, 2, true, dbench_steps,
                                         G_N_ELEMENTS(dbench_steps), 4, 10);
    struct sim *sim;
    struct kvm_vcpu *idle;

    sc->vms[0].wl.participants = 1; /* vCPU 1 idles: it halts for good */
    sc->kvm.halt_poll_ns = 0;
    sim = sim_new(sc, NULL, NULL);
    sim_engine_run_until(&sim->eng, 1000000);
    idle = sim->vms[0]->vcpus[1];
    ck_assert(idle->blocking);
    ck_assert_int_eq(idle->phase, VP_BLOCKED);
    ck_assert(!idle->ready && !idle->preempted); /* blocked, not preempted */
    ck_assert_uint_eq(idle->stats.exits[KVM_EXIT_HLT], 1);

    kvm_vcpu_kick(sim, idle);                      /* wakes it: ready until it runs */
    ck_assert(idle->ready);
    ck_assert(idle->blocking);                     /* rcuwait still has the waiter */
    ck_assert_int_eq(idle->task.__state, TASK_RUNNING);
    sim_engine_run_until(&sim->eng, 1000001);
    ck_assert(!idle->ready);                       /* kvm_sched_in */
    ck_assert(!idle->blocking);
    /* No event was pending: the guest halts again. */
    sim_engine_run_until(&sim->eng, 1100000);
    ck_assert_uint_eq(idle->stats.exits[KVM_EXIT_HLT], 2);
    ck_assert(idle->blocking);

    /* An IPI (APICv on, target blocked) wakes it and runs the handler. */
    kvm_irq_delivery_to_apic(sim, sim->vms[0]->vcpus[0], idle, APIC_DEST_ONE,
                             RESCHEDULE_VECTOR, sim_now(sim));
    ck_assert(idle->ready);
    sim_engine_run_until(&sim->eng, 1200000);
    ck_assert_uint_eq(sim->vms[0]->stats.ipis_received, 1);
    ck_assert_uint_eq(idle->stats.exits[KVM_EXIT_HLT], 3);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST


/* ---- whole simulations ---- */

/* dbench-like: compute, kernel work, a short critical section on one of 4
 * locks, an asynchronous IPI every 10 passes, a 50 us sleep every 20. */
static const struct guest_step mix_steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(10), 0, 0}, .every = 1},
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(2), 0, 0}, .kernel = true, .every = 1},
    {.kind = GSTEP_LOCK, .lock = 0, .spread = 4, .every = 1},
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(1), 0, 0}, .kernel = true, .every = 1},
    {.kind = GSTEP_UNLOCK, .every = 1},
    {.kind = GSTEP_SLEEP, .d = {DIST_EXPONENTIAL, US(50), 0, 0}, .every = 20},
    {.kind = GSTEP_IPI, .to = IPI_TO_RANDOM, .wait = false, .handler_ns = 2000, .every = 10},
};

struct vm_totals {
    u64 ops_per_vm, cpu, spin, spin_total, ple, lhp, yt, ipi_p99, wait_p99, icr, eoi, ipis, recv;
};

static struct vm_totals totals(const struct sim_result *r)
{
    struct vm_totals t = {0};

    for (unsigned int i = 0; i < r->nr_vms; i++) {
        const struct vm_result *v = &r->vms[i];

        /* Every ns of a vCPU thread is in guest or host mode, spinning or not. */
        ck_assert_uint_eq(v->guest_ns + v->host_ns, v->cpu_ns);
        ck_assert_uint_le(v->spin_ns, v->guest_ns);
        ck_assert_uint_le(v->spin_host_ns, v->host_ns);
        ck_assert_uint_le(v->poll_ns, v->host_ns - v->spin_host_ns);
        t.ops_per_vm += v->ops;
        t.cpu += v->cpu_ns;
        t.spin += v->spin_ns;
        t.spin_total += v->spin_ns + v->spin_host_ns;
        t.ple += v->exits[KVM_EXIT_PLE];
        t.icr += v->exits[KVM_EXIT_ICR];
        t.eoi += v->exits[KVM_EXIT_EOI];
        t.lhp += v->lock_holder_preempted;
        t.yt += v->yt_attempts;
        t.ipis += v->ipis_sent;
        t.recv += v->ipis_received;
        t.ipi_p99 = MAX(t.ipi_p99, v->ipi_lat_p99);
        t.wait_p99 = MAX(t.wait_p99, v->lock_wait_p99);
    }
    t.ops_per_vm /= r->nr_vms;
    return t;
}

/*
 * dbench with three guest threads per vCPU (one VM of 4 vCPUs on 4 CPUs,
 * all started at 0, 50 ms, invariants checked after every event): a thread
 * that sleeps for I/O (every 20th pass, 50 us) leaves the vCPU to a woken
 * one, so the vCPUs almost never halt, every sleep but those that find the
 * run queue empty is a switch, and the VM takes the whole host.  With one
 * thread the same vCPUs halt at every sleep and idle about 50 us in 310.
 * Deterministic like any run.
 */
static struct sim_result *dbench_threads_run(unsigned int threads)
{
    char *json = g_strdup_printf(
        "{\"version\": 1, \"name\": \"thr\", \"duration_ms\": 50, \"host\": {\"cpus\": 4},"
        " \"vms\": [{\"name\": \"vm\", \"vcpus\": 4, \"start_spread_us\": 0,"
        " \"workload\": {\"preset\": \"dbench\", \"threads_per_vcpu\": %u}}]}", threads);
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "thr", &err);
    struct sim_result *r;

    g_assert_no_error(err);
    r = run_sc(sc, true);
    scenario_free(sc);
    g_free(json);
    return r;
}

START_TEST(test_guest_threads_dbench)
{
    struct sim_result *one = dbench_threads_run(1), *three = dbench_threads_run(3);
    struct sim_result *again = dbench_threads_run(3);
    struct vm_totals t1 = totals(one), t3 = totals(three);
    u64 hlt1 = 0, hlt3 = 0, sw = 0, ops = 0;

    for (unsigned int i = 0; i < 1; i++) {
        hlt1 += one->vms[i].exits[KVM_EXIT_HLT];
        hlt3 += three->vms[i].exits[KVM_EXIT_HLT];
        sw += three->vms[i].guest_thread_switches;
        ops += three->vms[i].ops;
        ck_assert_uint_eq(one->vms[i].guest_thread_switches, 0);
        ck_assert_uint_eq(three->vms[i].ops, again->vms[i].ops);
        ck_assert_uint_eq(three->vms[i].cpu_ns, again->vms[i].cpu_ns);
        ck_assert_uint_eq(three->vms[i].guest_thread_switches, again->vms[i].guest_thread_switches);
    }
    if (getenv("VSCHED_TEST_VERBOSE"))
        fprintf(stderr, "threads 1: ops/VM %llu hlt %llu guest %llu; threads 3: ops/VM %llu "
                "hlt %llu guest %llu switches %llu\n", (unsigned long long)t1.ops_per_vm,
                (unsigned long long)hlt1, (unsigned long long)one->vms[0].guest_ns,
                (unsigned long long)t3.ops_per_vm, (unsigned long long)hlt3,
                (unsigned long long)three->vms[0].guest_ns, (unsigned long long)sw);
    /* One sleep per 20 passes of a thread; all but a few switch. */
    ck_assert_uint_le(sw, ops / 20 + 4 * 3);
    ck_assert_uint_ge(sw, ops / 20 * 9 / 10);
    ck_assert_uint_ge(hlt1, t1.ops_per_vm / 20);
    ck_assert_uint_lt(hlt3 * 20, hlt1);
    /* No idle: the guest runs code on at least 95 % of the 4 CPUs' time; with
     * one thread at most 90 % (the rest: halt polling, exits, entries). */
    ck_assert_uint_ge(t3.cpu, 4ULL * 50000000 * 99 / 100);
    ck_assert_uint_ge(three->vms[0].guest_ns, 4ULL * 50000000 * 95 / 100);
    ck_assert_uint_le(one->vms[0].guest_ns, 4ULL * 50000000 * 90 / 100);
    ck_assert_uint_gt(t3.ops_per_vm, t1.ops_per_vm * 105 / 100);
    sim_result_free(one);
    sim_result_free(three);
    sim_result_free(again);
}
END_TEST

/* One VM, vCPUs == host CPUs, pinned 1:1: nobody is ever preempted. */
START_TEST(test_null_case_pinned)
{
    struct scenario *sc = tu_vm_scenario(8, 1, 8, true, mix_steps, G_N_ELEMENTS(mix_steps),
                                         4, 200);
    struct sim_result *r = run_sc(sc, false);
    struct vm_totals t = totals(r);

    ck_assert_uint_eq(t.lhp, 0);
    ck_assert_uint_eq(t.yt, 0);
    ck_assert_msg(t.spin * 100 < t.cpu * 5, "spin share %.3f", (double)t.spin / (double)t.cpu);
    ck_assert_msg(r->vms[0].ipi_lat_p99 < 5000, "IPI p99 %llu ns",
                  (unsigned long long)r->vms[0].ipi_lat_p99);
    ck_assert_uint_gt(t.ops_per_vm, 80000); /* about 16 us per pass per vCPU */
    sim_result_free(r);
    scenario_free(sc);
}
END_TEST

/* 1, 2, 3, 4 VMs of 8 vCPUs on 8 CPUs, all in the root group, 1 s each
 * (preempted lock holders: 0 / 1360 / 1630 / 1542: with 8-vCPU VMs the
 * count levels off from 3x; the issue's own setting is the next test). */
START_TEST(test_overcommit_trend)
{
    struct vm_totals t[5];

    for (unsigned int n = 1; n <= 4; n++) {
        struct scenario *sc = tu_vm_scenario(8, n, 8, false, mix_steps,
                                             G_N_ELEMENTS(mix_steps), 4, 1000);
        struct sim_result *r = run_sc(sc, false);

        t[n] = totals(r);
        sim_result_free(r);
        scenario_free(sc);
    }
    for (unsigned int n = 2; n <= 4; n++) {
        ck_assert_msg(t[n].ops_per_vm < t[n - 1].ops_per_vm, "ops/VM at %ux", n);
        ck_assert_msg(t[n].lhp > t[2].lhp || n == 2, "preempted lock holders at %ux", n);
        ck_assert_msg(t[n].lhp > t[1].lhp, "preempted lock holders at %ux", n);
        ck_assert_msg(t[n].ipi_p99 > t[n - 1].ipi_p99, "IPI p99 at %ux", n);
        ck_assert_msg(t[n].wait_p99 > t[n - 1].wait_p99, "lock wait p99 at %ux", n);
        ck_assert_msg(t[n].ple > 50 * t[1].ple, "PLE exits at %ux", n);
        /* The share peaks at 2x and falls after (docs/model.md, "What the
         * model shows"): 0.9 % at 1x, 10.5 / 4.8 / 2.7 % at 2 / 3 / 4x. */
        ck_assert_msg(t[n].spin * t[1].cpu > 2 * t[1].spin * t[n].cpu, "spin share at %ux", n);
        ck_assert_uint_gt(t[n].spin_total, t[n].spin); /* PLE exits were taken */
    }
    ck_assert_uint_eq(t[1].lhp, 0);
}
END_TEST

/*
 * The issue's setting itself: scenarios/ref-x86-dbench.json (16 CPUs, VMs
 * of 16 vCPUs in their own groups, the dbench preset, APICv off) with 1, 2,
 * 3, 4 VMs, 400 ms each, seeds 1 and 2 summed (one seed alone is too noisy
 * between 3 and 4 VMs; 3 seeds of 1 s are in docs/model.md, "What the
 * model shows").  The figures are printed with VSCHED_TEST_VERBOSE=1.  The
 * spin-wait CPU cost jumps at 2x and then stays level within the
 * seed-to-seed noise; the guest spin share alone peaks at 2x.
 */
START_TEST(test_overcommit_trend_ref)
{
    char *text = NULL;
    struct vm_totals t[5];
    double spin_total[5], spin[5];

    ck_assert(g_file_get_contents(TU_SRC("scenarios/ref-x86-dbench.json"), &text, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, "\"count\": 2,"));
    for (unsigned int n = 1; n <= 4; n++) {
        char count[32];
        gchar **parts = g_strsplit(text, "\"count\": 2,", 2);
        char *json;
        GError *err = NULL;
        struct scenario *sc;

        g_snprintf(count, sizeof(count), "\"count\": %u,", n);
        json = g_strjoinv(count, parts);
        g_strfreev(parts);
        sc = scenario_load_string(json, "ref-x86-dbench", &err);
        ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
        g_free(json);
        memset(&t[n], 0, sizeof(t[n]));
        for (u64 seed = 1; seed <= 2; seed++) {
            struct sim_options opt = {.duration_ns = 400000000, .has_seed = true, .seed = seed};
            struct sim *sim = sim_new(sc, &opt, NULL);
            struct sim_result *r;
            struct vm_totals one;

            sim_run(sim, NULL, NULL);
            r = sim_collect(sim, 0.0);
            sim_free(sim);
            ck_assert_uint_eq(r->nr_vms, n);
            one = totals(r);
            t[n].ops_per_vm += one.ops_per_vm;
            t[n].cpu += one.cpu;
            t[n].spin += one.spin;
            t[n].spin_total += one.spin_total;
            t[n].ple += one.ple;
            t[n].lhp += one.lhp;
            t[n].wait_p99 += one.wait_p99;
            t[n].ipi_p99 += one.ipi_p99;
            sim_result_free(r);
        }
        spin[n] = 100.0 * (double)t[n].spin / (double)t[n].cpu;
        spin_total[n] = 100.0 * (double)t[n].spin_total / (double)t[n].cpu;
        if (getenv("VSCHED_TEST_VERBOSE"))
            fprintf(stderr, "%u VMs: ops/VM %llu LHP %llu PLE %llu wait p99 %llu IPI p99 %llu "
                            "spin %.1f %% spin total %.1f %%\n", n,
                    (unsigned long long)t[n].ops_per_vm, (unsigned long long)t[n].lhp,
                    (unsigned long long)t[n].ple, (unsigned long long)t[n].wait_p99,
                    (unsigned long long)t[n].ipi_p99, spin[n], spin_total[n]);
        scenario_free(sc);
    }
    g_free(text);
    for (unsigned int n = 2; n <= 4; n++) {
        ck_assert_msg(t[n].ops_per_vm < t[n - 1].ops_per_vm, "ops/VM at %ux", n);
        ck_assert_msg(t[n].lhp > t[n - 1].lhp, "preempted lock holders at %ux", n);
        /* Like the spin-wait cost, PAUSE exits level off beyond 3x (3 seeds
         * of 1 s: 702 k and 679 k per second at 3x and 4x; without the
         * guest tick 693 k and 709 k): they rise up to 3x, then stay within
         * the seed noise. */
        if (n < 4)
            ck_assert_msg(t[n].ple > t[n - 1].ple, "PLE exits at %ux", n);
        else
            ck_assert_msg(t[n].ple > 0.9 * t[n - 1].ple, "PLE exits at %ux", n);
        ck_assert_msg(t[n].wait_p99 > t[n - 1].wait_p99, "lock wait p99 at %ux", n);
        ck_assert_msg(spin_total[n] > 5 * spin_total[1], "spin-wait CPU cost at %ux", n);
        ck_assert_msg(spin_total[n] > 0.85 * spin_total[2], "spin-wait CPU cost at %ux", n);
    }
    ck_assert_uint_eq(t[1].lhp, 0);
    ck_assert_msg(t[2].ipi_p99 > 50 * t[1].ipi_p99, "IPI p99 at 2x");
    ck_assert_msg(MIN(t[3].ipi_p99, t[4].ipi_p99) > t[2].ipi_p99, "IPI p99 beyond 2x");
    /* The guest-mode part alone peaks at 2x. */
    ck_assert_msg(spin[2] > spin[3] && spin[2] > spin[4], "guest spin share");
}
END_TEST

/* ---- start of the vCPU threads (start_us, start_spread_us) ---- */

static struct scenario *start_scenario(const char *hz, const char *vm_a, bool with_b)
{
    char *json = g_strdup_printf(
        "{\"version\": 1, \"name\": \"st\", \"duration_ms\": 10, \"kernel\": {\"hz\": %s},"
        " \"host\": {\"cpus\": 4}, \"vms\": [{\"name\": \"a\", \"vcpus\": 4 %s,"
        " \"workload\": {\"preset\": \"kbuild\"}}%s]}",
        hz, vm_a, with_b ? ", {\"name\": \"b\", \"vcpus\": 2, \"workload\": {\"preset\": \"kbuild\"}}" : "");
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "st", &err);

    ck_assert_msg(sc != NULL, "%s", err ? err->message : "");
    g_free(json);
    return sc;
}

/* A vCPU thread exists (was forked) once it is queued or has run. */
static bool vcpu_forked(const struct kvm_vcpu *v)
{
    return v->task.on_rq || v->task.se.sum_exec_runtime > 0;
}

/* "vcpu_cgroups": each vCPU thread of VM v runs in its own group
 * /machine/v/vcpuK, a child of the VM's group, so its task entity is one
 * level deeper than in VM w (all threads in /machine/w); every vCPU thread
 * runs, and the VM's result still names the VM's group. */
START_TEST(test_vcpu_cgroups_sim)
{
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(
        "{\"version\": 1, \"name\": \"vc\", \"duration_ms\": 20, \"host\": {\"cpus\": 2},"
        " \"vms\": [{\"name\": \"v\", \"vcpus\": 3, \"vcpu_cgroups\": true, \"workload\": {\"preset\": \"dbench\"}},"
        "  {\"name\": \"w\", \"vcpus\": 2, \"workload\": {\"preset\": \"dbench\"}}]}",
        "vc", &err);
    struct sim_options opt = {.debug_checks = true};
    struct sim *sim;
    struct sim_result *r;

    g_assert_no_error(err);
    sim = sim_new(sc, &opt, NULL);
    ck_assert_uint_eq(sim->nr_vms, 2);
    for (unsigned int k = 0; k < 3; k++) {
        struct task_struct *p = &sim->vms[0]->vcpus[k]->task;
        g_autofree char *want = g_strdup_printf("/machine/v/vcpu%u", k);

        ck_assert_str_eq(p->sched_task_group->path, want);
        ck_assert_ptr_eq(p->sched_task_group->parent, sim->vms[0]->tg);
        ck_assert_str_eq(sim->vms[0]->tg->path, "/machine/v");
        for (unsigned int cpu = 0; cpu < 2; cpu++)
            ck_assert_ptr_eq(p->sched_task_group->se[cpu]->cfs_rq, sim->vms[0]->tg->cfs_rq[cpu]);
        ck_assert_int_eq(p->se.depth, 3);
    }
    for (unsigned int k = 0; k < 2; k++) {
        struct task_struct *p = &sim->vms[1]->vcpus[k]->task;

        ck_assert_ptr_eq(p->sched_task_group, sim->vms[1]->tg);
        ck_assert_int_eq(p->se.depth, 2);
    }
    sim_run(sim, NULL, NULL);
    for (unsigned int k = 0; k < 3; k++)
        ck_assert_uint_gt(sim->vms[0]->vcpus[k]->task.se.sum_exec_runtime, 0);
    r = sim_collect(sim, 0.0);
    ck_assert_str_eq(r->vms[0].cgroup, "/machine/v");
    ck_assert_uint_gt(r->vms[0].ops, 0);
    sim_result_free(r);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

START_TEST(test_vcpu_start_times)
{
    struct scenario *sc = start_scenario("250", ", \"start_us\": 1000, \"start_spread_us\": 500", true);
    struct scenario *alone = start_scenario("250", ", \"start_us\": 1000, \"start_spread_us\": 500", false);
    struct scenario *d250 = start_scenario("250", "", false);
    struct scenario *d1000 = start_scenario("1000", "", false);
    struct scenario *zero = start_scenario("250", ", \"start_spread_us\": 0", false);
    struct sim_options other_seed = {.has_seed = true, .seed = 2};
    struct sim *s1 = sim_new(sc, NULL, NULL), *s2 = sim_new(sc, NULL, NULL);
    struct sim *s3 = sim_new(alone, NULL, NULL), *s4 = sim_new(sc, &other_seed, NULL);
    struct sim *sz = sim_new(zero, NULL, NULL);
    u64 t1[4], t2[4], t3[4], t4[4], tb[2], order[4];
    bool differ = false, distinct = true;

    /* Defaults: start at 0, spread one tick (1/HZ). */
    ck_assert_uint_eq(d250->vms[0].start_ns, 0);
    ck_assert_uint_eq(d250->vms[0].start_spread_ns, 4000000);
    ck_assert_uint_eq(d1000->vms[0].start_spread_ns, 1000000);
    ck_assert_uint_eq(sc->vms[0].start_ns, 1000000);
    ck_assert_uint_eq(sc->vms[0].start_spread_ns, 500000);
    ck_assert_uint_ne(scenario_hash(sc), scenario_hash(alone));
    ck_assert_uint_ne(scenario_hash(d250), scenario_hash(zero));

    sim_vcpu_start_times(s1, s1->vms[0], t1);
    sim_vcpu_start_times(s2, s2->vms[0], t2);
    sim_vcpu_start_times(s3, s3->vms[0], t3);
    sim_vcpu_start_times(s4, s4->vms[0], t4);
    sim_vcpu_start_times(s1, s1->vms[1], tb);
    for (unsigned int c = 0; c < 4; c++) {
        ck_assert_uint_ge(t1[c], 1000000);
        ck_assert_uint_lt(t1[c], 1500000);
        ck_assert_uint_eq(t1[c], t2[c]);     /* same seed, same times */
        ck_assert_uint_eq(t1[c], t3[c]);     /* VM b does not move VM a */
        differ |= t1[c] != t4[c];            /* another seed, other times */
        for (unsigned int d = 0; d < c; d++)
            distinct &= t1[c] != t1[d];
        order[c] = t1[c];
    }
    ck_assert(differ);
    ck_assert(distinct);
    for (unsigned int c = 0; c < 2; c++)
        ck_assert_uint_lt(tb[c], 4000000);   /* b: the default spread from 0 */

    /* Each thread is forked exactly at its time: not 1 ns before. */
    qsort(order, 4, sizeof(order[0]), tu_cmp_u64);
    for (unsigned int k = 0; k < 4; k++) {
        unsigned int before = 0, after = 0;

        sim_engine_run_until(&s1->eng, order[k] - 1);
        for (unsigned int c = 0; c < 4; c++)
            before += vcpu_forked(s1->vms[0]->vcpus[c]);
        sim_engine_run_until(&s1->eng, order[k]);
        for (unsigned int c = 0; c < 4; c++)
            after += vcpu_forked(s1->vms[0]->vcpus[c]);
        ck_assert_uint_eq(before, k);
        ck_assert_uint_eq(after, k + 1);
    }
    /* Spread 0, start 0: every thread is forked by the event at t = 0. */
    sim_engine_run_until(&sz->eng, 0);
    for (unsigned int c = 0; c < 4; c++)
        ck_assert(vcpu_forked(sz->vms[0]->vcpus[c]));

    sim_free(s1);
    sim_free(s2);
    sim_free(s3);
    sim_free(s4);
    sim_free(sz);
    scenario_free(sc);
    scenario_free(alone);
    scenario_free(d250);
    scenario_free(d1000);
    scenario_free(zero);
}
END_TEST

/* ipiv: no ICR or EOI exits at all; off: every unicast IPI is an ICR exit
 * and every interrupt handled an EOI exit. */
START_TEST(test_apicv_modes)
{
    for (int mode = APICV_OFF; mode <= APICV_IPIV; mode++) {
        struct scenario *sc = tu_vm_scenario(4, 2, 4, false, mix_steps,
                                             G_N_ELEMENTS(mix_steps), 4, 50);
        struct sim_result *r;
        struct vm_totals t;

        sc->kvm.apicv = mode;
        r = run_sc(sc, true);
        t = totals(r);
        ck_assert_uint_gt(t.ipis, 100);
        if (mode == APICV_IPIV) {
            ck_assert_uint_eq(t.icr, 0);
            ck_assert_uint_eq(t.eoi, 0);
        } else if (mode == APICV_ON) {
            ck_assert_uint_eq(t.icr, t.ipis);
            ck_assert_uint_eq(t.eoi, 0);
        } else {
            ck_assert_uint_eq(t.icr, t.ipis);
            /* IPIs handled plus local-timer interrupts (sleeps): at least
             * one EOI exit per IPI received. */
            ck_assert_uint_ge(t.eoi, t.recv);
        }
        sim_result_free(r);
        scenario_free(sc);
    }
}
END_TEST

/* The whole s390 path in a contended run: every kvm_vcpu_yield_to() comes
 * from a diag 9c and reaches the yield_to policy (here the debooster). */
START_TEST(test_s390_dbench_path)
{
    struct scenario *sc = tu_vm_scenario(4, 2, 4, false, mix_steps, G_N_ELEMENTS(mix_steps),
                                         4, 100);
    struct sim *sim;
    struct sim_result *r;
    struct kvm_vm_stats sum = {0};
    u64 diag_exits = 0, ple = 0;

    sc->kvm.ple_gap = 0;
    for (unsigned int i = 0; i < sc->nr_vms; i++) {
        sc->vms[i].wl.lock_kind = LOCK_S390;
        sc->vms[i].wl.spin_retry = 1000;
        sc->vms[i].wl.spin_loop_ps = 2000;
    }
    sim = sim_new(sc, NULL, NULL);
    sim->yt_policy = &yield_to_policy_deboost_v2;
    sim_run(sim, NULL, NULL);
    for (unsigned int i = 0; i < sim->nr_vms; i++) {
        struct kvm *kvm = sim->vms[i];

        sum.diag_9c += kvm->stats.diag_9c;
        sum.diag_9c_ignored += kvm->stats.diag_9c_ignored;
        sum.yield_to_attempts += kvm->stats.yield_to_attempts;
        sum.yield_to_success += kvm->stats.yield_to_success;
        sum.on_spin += kvm->stats.on_spin;
        for (unsigned int c = 0; c < kvm->online_vcpus; c++) {
            diag_exits += kvm->vcpus[c]->stats.exits[KVM_EXIT_DIAG_9C];
            ple += kvm->vcpus[c]->stats.exits[KVM_EXIT_PLE];
        }
    }
    ck_assert_uint_gt(sum.diag_9c, 100);
    ck_assert_uint_eq(diag_exits, sum.diag_9c);
    ck_assert_uint_gt(sum.diag_9c_ignored, 0);
    ck_assert_uint_gt(sum.yield_to_success, 0);
    /* done = handled - ignored, and only diag 9c yields here. */
    ck_assert_uint_eq(sum.diag_9c - sum.diag_9c_ignored, sum.yield_to_success);
    ck_assert_uint_eq(ple, 0);
    ck_assert_uint_eq(sum.on_spin, 0);
    /* Every yield_to() that got past the core's checks entered the
     * debooster, as for a PLE yield. */
    ck_assert_uint_gt(sim->pstats.deboost_attempts, 0);
    ck_assert_uint_eq(sim->pstats.deboost_attempts, sim->pstats.yield_to_calls);
    r = sim_collect(sim, 0.0);
    ck_assert(r->vms[0].s390);
    ck_assert_uint_eq(r->vms[0].diag_9c + r->vms[1].diag_9c, sum.diag_9c);
    ck_assert_uint_eq(r->vms[0].exits[KVM_EXIT_DIAG_9C] + r->vms[1].exits[KVM_EXIT_DIAG_9C],
                      sum.diag_9c);
    sim_result_free(r);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

static char *run_json_out(u64 seed, bool s390)
{
    struct scenario *sc = tu_vm_scenario(4, 2, 4, false, mix_steps, G_N_ELEMENTS(mix_steps),
                                         4, 50);
    struct sim_options opt = {.has_seed = true, .seed = seed};
    struct sim *sim = sim_new(sc, &opt, NULL);
    struct sim_result *r;
    char *s;

    if (s390) {
        sc->kvm.ple_gap = 0;
        for (unsigned int i = 0; i < sc->nr_vms; i++) {
            sc->vms[i].wl.lock_kind = LOCK_S390;
            sc->vms[i].wl.spin_retry = 1000;
            sc->vms[i].wl.spin_loop_ps = 2000;
        }
    }
    sim_run(sim, NULL, NULL);
    r = sim_collect(sim, 0.0);
    s = result_render(r, FORMAT_JSON, false);
    sim_result_free(r);
    sim_free(sim);
    scenario_free(sc);
    return s;
}

START_TEST(test_vm_determinism)
{
    bool s390 = _i == 1;
    char *a = run_json_out(7, s390), *b = run_json_out(7, s390), *c = run_json_out(8, s390);

    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    /* The diag 9c metrics appear for s390 guests only. */
    ck_assert(s390 == (strstr(a, "\"diag_9c\"") != NULL));
    g_free(a);
    g_free(b);
    g_free(c);
}
END_TEST

static Suite *kvm_suite(void)
{
    Suite *s = suite_create("kvm");
    TCase *tc = tcase_create("sim");

    TCase *tu = tcase_create("units");

    tcase_add_loop_test(tu, test_ple_window_arith, 0, G_N_ELEMENTS(ple_cases));
    tcase_add_test(tu, test_halt_poll_sequence);
    tcase_add_test(tu, test_scan_order_and_last_boosted);
    tcase_add_test(tu, test_spin_loop_while_yielded);
    tcase_add_test(tu, test_timer_not_dy_runnable);
    tcase_add_test(tu, test_scan_filters);
    tcase_add_test(tu, test_lapic_delivery_and_eoi);
    tcase_add_test(tu, test_pv_eoi);
    tcase_add_test(tu, test_pv_eoi_run);
    tcase_add_test(tu, test_call_function_queue);
    tcase_add_test(tu, test_csd_flush_order);
    tcase_add_test(tu, test_resched_during_exit);
    tcase_add_loop_test(tu, test_tlb_shootdown_targets, 0, G_N_ELEMENTS(tlb_cases));
    tcase_add_test(tu, test_pv_lock_fifo_handoff);
    tcase_add_test(tu, test_pv_lock_steal_and_slow_path);
    tcase_add_test(tu, test_pv_lock_hybrid_unfair);
    tcase_add_test(tu, test_pv_wait_early);
    tcase_add_test(tu, test_pv_wait_early_sim);
    tcase_add_test(tu, test_native_and_tas_locks);
    tcase_add_test(tu, test_s390_lock_unfair);
    tcase_add_test(tu, test_s390_vcpu_is_preempted);
    tcase_add_loop_test(tu, test_diag9c_outcomes, 0, G_N_ELEMENTS(diag9c_cases));
    tcase_add_loop_test(tu, test_diag9c_count, 0, G_N_ELEMENTS(diag9c_count_cases));
    tcase_add_test(tu, test_ple_cadence);
    tcase_add_test(tu, test_resched_exit_kept);
    tcase_add_test(tu, test_guest_threads_switch);
    tcase_add_test(tu, test_guest_tick_busy);
    tcase_add_test(tu, test_guest_tick_pv_wait);
    tcase_add_test(tu, test_guest_tick_slices);
    tcase_add_test(tu, test_halt_kick_ready);
    suite_add_tcase(s, tu);
    tcase_add_test(tc, test_smoke_dbench);
    tcase_add_test(tc, test_vm_entitlements);
    tcase_add_test(tc, test_null_case_pinned);
    tcase_add_test(tc, test_overcommit_trend);
    tcase_add_test(tc, test_overcommit_trend_ref);
    tcase_add_test(tc, test_apicv_modes);
    tcase_add_test(tc, test_call_function_sends_sim);
    tcase_add_test(tc, test_barrier_wakeups_sim);
    tcase_add_loop_test(tc, test_vm_determinism, 0, 2);
    tcase_add_test(tc, test_s390_dbench_path);
    tcase_add_test(tc, test_vcpu_start_times);
    tcase_add_test(tc, test_vcpu_cgroups_sim);
    tcase_add_test(tc, test_guest_threads_dbench);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kvm_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
