/*
 * check_dy.c - the KVM-side directed-yield policies: IPI tracking (W. Li v2
 * patches 6-7, v3's vector-matched EOI), the IPI-aware candidate tiers
 * (patch 8), the relaxed second round (patch 9), the pending-ipi ablation
 * and the pv-hint oracle.  Expected values come from the patch text.
 */
#include <check.h>
#include <jansson.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/results.h"
#include "vsched/sim.h"

#define US(x) ((u64)(x) * 1000ULL)
#define MS(x) ((u64)(x) * 1000000ULL)

static const struct guest_step steps[] = {
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(10), 0, 0}, .every = 1},
    {.kind = GSTEP_LOCK, .lock = 0, .spread = 1, .every = 1},
    {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(1), 0, 0}, .kernel = true, .every = 1},
    {.kind = GSTEP_UNLOCK, .every = 1},
};

/* A VM of @n vCPUs under directed-yield policy @dy, not run (time 0). */
static struct sim *dy_sim(const char *dy, unsigned int n, enum apicv_mode apicv,
                          struct scenario **scp)
{
    struct scenario *sc = tu_vm_scenario(2, 1, n, false, steps, G_N_ELEMENTS(steps), 1, 10);
    struct sim *sim;

    sc->policy.directed_yield = g_strdup(dy);
    sc->kvm.apicv = apicv;
    sim = sim_new(sc, NULL, NULL);
    ck_assert_ptr_nonnull(sim);
    *scp = sc;
    return sim;
}

static void advance_to(struct sim *sim, u64 t)
{
    /* The clock only; no events needed for these unit tests. */
    sim->eng.now = t;
}

#define V(i) (sim->vms[0]->vcpus[i])

static int fake_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target);

START_TEST(test_track_unicast)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware", 4, APICV_OFF, &sc);

    advance_to(sim, 1000);
    kvm_irq_delivery_to_apic(sim, V(0), V(2), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    ck_assert_int_eq(V(0)->ipi_ctx.last_ipi_receiver, 2);
    ck_assert(V(0)->ipi_ctx.pending_ipi);
    ck_assert_uint_eq(V(0)->ipi_ctx.ipi_time_ns, 1000);
    ck_assert_int_eq(V(2)->ipi_ctx.last_ipi_sender, 0);
    ck_assert(!V(2)->ipi_ctx.pending_ipi);               /* only the sender is pending */
    ck_assert_uint_eq(sim->vms[0]->stats.ipi_track_records, 1);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* Not recorded: multicast (shorthand), self-IPI, a non-fixed kick, PV
 * multicast (kvm_apic_set_irq directly), and tracking disabled. */
START_TEST(test_track_filters)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware", 4, APICV_OFF, &sc);

    kvm_irq_delivery_to_apic(sim, V(0), NULL, APIC_DEST_ALLBUT, CALL_FUNCTION_VECTOR, 0);
    kvm_irq_delivery_to_apic(sim, V(1), V(1), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    kvm_pv_kick_cpu_op(sim, V(2), V(3));
    kvm_apic_set_irq(sim, V(3), CALL_FUNCTION_VECTOR, 0);
    for (unsigned int i = 0; i < 4; i++) {
        ck_assert(!V(i)->ipi_ctx.pending_ipi);
        ck_assert_int_eq(V(i)->ipi_ctx.last_ipi_receiver, -1);
        ck_assert_int_eq(V(i)->ipi_ctx.last_ipi_sender, -1);
    }
    sc->policy.ipi_tracking_enabled = false;
    kvm_irq_delivery_to_apic(sim, V(0), V(1), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    ck_assert(!V(0)->ipi_ctx.pending_ipi);
    ck_assert_uint_eq(sim->vms[0]->stats.ipi_track_records, 0);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* Two senders to one receiver: each sender keeps its pair; the receiver
 * remembers the last sender, so its EOI clears only that sender. */
START_TEST(test_two_senders)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware", 4, APICV_OFF, &sc);

    advance_to(sim, 100);
    kvm_irq_delivery_to_apic(sim, V(0), V(3), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    advance_to(sim, 200);
    kvm_irq_delivery_to_apic(sim, V(1), V(3), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    ck_assert_int_eq(V(3)->ipi_ctx.last_ipi_sender, 1);
    ck_assert(kvm_apic_inject(sim, V(3)) == CALL_FUNCTION_SINGLE_VECTOR);
    kvm_lapic_eoi_write(sim, V(3));
    ck_assert(!V(1)->ipi_ctx.pending_ipi);               /* the last sender is cleared */
    ck_assert(V(0)->ipi_ctx.pending_ipi);                /* the first one is not */
    ck_assert_int_eq(V(3)->ipi_ctx.last_ipi_sender, -1);
    ck_assert_uint_eq(sim->vms[0]->stats.ipi_eoi_clear_receiver, 1);
    ck_assert_uint_eq(sim->vms[0]->stats.ipi_eoi_clear_sender, 1);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/*
 * An unrelated EOI (the receiver's timer interrupt): v2 clears the pair
 * anyway (kvm_clear_ipi_on_eoi ignores the vector); v3 does not.  And a
 * sender whose last receiver is someone else is never cleared.
 */
START_TEST(test_unrelated_eoi)
{
    for (int v3 = 0; v3 <= 1; v3++) {
        struct scenario *sc;
        struct sim *sim = dy_sim(v3 ? "ipi-aware-v3" : "ipi-aware", 4, APICV_OFF, &sc);

        kvm_irq_delivery_to_apic(sim, V(0), V(1), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
        kvm_apic_set_irq(sim, V(1), LOCAL_TIMER_VECTOR, 0);
        /* The timer vector (0xec) is below the IPI (0xfb): the IPI is
         * injected first; take the timer alone to EOI it first. */
        apic_vec_clear(V(1)->apic.irr, CALL_FUNCTION_SINGLE_VECTOR);
        ck_assert_int_eq(kvm_apic_inject(sim, V(1)), LOCAL_TIMER_VECTOR);
        kvm_lapic_eoi_write(sim, V(1));
        ck_assert_msg(V(0)->ipi_ctx.pending_ipi == (v3 == 1), "v3=%d", v3);
        ck_assert_int_eq(V(1)->ipi_ctx.last_ipi_sender, v3 ? 0 : -1);

        /* Sender 2 -> 3, then 2 -> 1: an EOI at 3 does not clear 2. */
        kvm_irq_delivery_to_apic(sim, V(2), V(3), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
        kvm_irq_delivery_to_apic(sim, V(2), V(1), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
        ck_assert_int_eq(kvm_apic_inject(sim, V(3)), CALL_FUNCTION_SINGLE_VECTOR);
        kvm_lapic_eoi_write(sim, V(3));
        ck_assert(V(2)->ipi_ctx.pending_ipi);
        sim_free(sim);
        scenario_free(sc);
    }
}
END_TEST

/*
 * v3's vector match uses the vector the EOIing vCPU received: receiver 1
 * sends a tracked IPI of its own (a different vector) before its EOI, and
 * the EOI of the received IPI still clears both sides.  And the EOI hook
 * runs where the series calls kvm_clear_ipi_on_eoi(), after apic_set_eoi()
 * whatever it found: v2 clears on an EOI with an empty ISR, v3 (vector -1
 * matches nothing) does not.
 */
START_TEST(test_eoi_vector_sides)
{
    for (int v3 = 0; v3 <= 1; v3++) {
        struct scenario *sc;
        struct sim *sim = dy_sim(v3 ? "ipi-aware-v3" : "ipi-aware", 4, APICV_OFF, &sc);

        kvm_irq_delivery_to_apic(sim, V(0), V(1), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
        ck_assert_int_eq(kvm_apic_inject(sim, V(1)), CALL_FUNCTION_SINGLE_VECTOR);
        kvm_irq_delivery_to_apic(sim, V(1), V(2), APIC_DEST_ONE, CALL_FUNCTION_VECTOR, 0);
        ck_assert_int_eq(V(1)->ipi_ctx.last_ipi_vector, CALL_FUNCTION_SINGLE_VECTOR);
        ck_assert_int_eq(V(1)->ipi_ctx.last_ipi_vector_sent, CALL_FUNCTION_VECTOR);
        ck_assert_int_eq(kvm_lapic_eoi_write(sim, V(1)), CALL_FUNCTION_SINGLE_VECTOR);
        ck_assert_msg(!V(0)->ipi_ctx.pending_ipi, "v3=%d", v3);
        ck_assert_uint_eq(sim->vms[0]->stats.ipi_eoi_clear_sender, 1);

        /* 3 -> 2, then an EOI at 2 with nothing in service */
        kvm_irq_delivery_to_apic(sim, V(3), V(2), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
        apic_vec_clear(V(2)->apic.irr, CALL_FUNCTION_VECTOR);
        apic_vec_clear(V(2)->apic.irr, CALL_FUNCTION_SINGLE_VECTOR);
        ck_assert_int_eq(kvm_lapic_eoi_write(sim, V(2)), -1);
        ck_assert_msg(V(3)->ipi_ctx.pending_ipi == (v3 == 1), "v3=%d", v3);
        ck_assert_int_eq(V(2)->ipi_ctx.last_ipi_sender, v3 ? 3 : -1);
        sim_free(sim);
        scenario_free(sc);
    }
}
END_TEST

/* The 50 ms window: a pair is a tier-1 candidate up to ipi_window_ns after
 * the IPI (inclusive), stale after; the EOI no longer clears the sender. */
START_TEST(test_stale_after_window)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware", 4, APICV_OFF, &sc);
    struct kvm *kvm = sim->vms[0];

    advance_to(sim, MS(1));
    kvm_irq_delivery_to_apic(sim, V(0), V(1), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    V(1)->ready = true;                 /* woken, not preempted: only tier 1 accepts it */
    V(1)->preempted = false;
    advance_to(sim, MS(51));            /* now - then == window: still recent */
    sim->test_yield_to = fake_yield_to;
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(kvm->stats.dy_tier[0], 1);
    advance_to(sim, MS(51) + 1);        /* one ns too late */
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(kvm->stats.dy_tier[0], 1);
    ck_assert_uint_ge(kvm->stats.ipi_stale, 1);
    ck_assert_int_eq(kvm_apic_inject(sim, V(1)), CALL_FUNCTION_SINGLE_VECTOR);
    kvm_lapic_eoi_write(sim, V(1));
    ck_assert(V(0)->ipi_ctx.pending_ipi); /* outside the window: sender kept */
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- candidate tiers and the relaxed round ---- */

static int log_[32];
static unsigned int nlog;
static int ret_[32];

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
    (void)me;
    log_[nlog++] = (int)target->vcpu_idx;
    return ret_[target->vcpu_idx];
}

static void reset_log(void)
{
    nlog = 0;
    memset(ret_, 0, sizeof(ret_));
}

/*
 * vCPUs of an 6-vCPU VM, me = 0, last_boosted = 0 (scan order 1..5):
 *   1: preempted in user mode, nothing pending      -> no tier (kernel mode)
 *   2: preempted in kernel                          -> tier 3
 *   3: ready (woken), not preempted, posted intr.   -> tier 2
 *   4: ready, not preempted, my IPI receiver        -> tier 1
 *   5: ready, not preempted, nothing                -> no tier
 * Tiers only decide acceptance; the scan order stays round robin.
 */
START_TEST(test_tiers)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware", 6, APICV_ON, &sc);
    struct kvm *kvm = sim->vms[0];

    sim->test_yield_to = fake_yield_to;
    reset_log();
    for (unsigned int i = 1; i < 6; i++)
        V(i)->ready = true;
    V(1)->preempted = true;
    V(2)->preempted = true;
    V(2)->preempted_in_kernel = true;
    V(3)->apic.pid_on = true;
    kvm_irq_delivery_to_apic(sim, V(0), V(4), APIC_DEST_ONE, CALL_FUNCTION_SINGLE_VECTOR, 0);
    /* Delivery with APICv posted the IPI to 4: that is tier 1 before 2. */
    kvm->last_boosted_vcpu = 0;
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 3);
    ck_assert_int_eq(log_[0], 2);
    ck_assert_int_eq(log_[1], 3);
    ck_assert_int_eq(log_[2], 4);
    ck_assert_uint_eq(kvm->stats.dy_tier[0], 1);
    ck_assert_uint_eq(kvm->stats.dy_tier[1], 1);
    ck_assert_uint_eq(kvm->stats.dy_tier[2], 1);

    /* Mainline on the same state: 1 is filtered (user), 2 taken (kernel),
     * 3 and 5 pass (not preempted), 4 passes. */
    reset_log();
    sim->dy_policy = dy_policy_find("mainline");
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 4);
    ck_assert_int_eq(log_[0], 2);
    ck_assert_int_eq(log_[3], 5);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* The relaxed round runs only after a strict round that yielded nothing,
 * accepts preempted vCPUs only (user mode included), and keeps 'try'. */
START_TEST(test_relaxed_round)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware-relaxed", 5, APICV_OFF, &sc);
    struct kvm *kvm = sim->vms[0];

    sim->test_yield_to = fake_yield_to;
    reset_log();
    for (unsigned int i = 1; i < 5; i++)
        V(i)->ready = true;
    V(1)->preempted = true;             /* user mode: strict skips, relaxed takes */
    V(2)->preempted = false;            /* not preempted: nobody takes it */
    V(3)->preempted = true;
    V(3)->preempted_in_kernel = true;   /* strict tier 3 */
    kvm->last_boosted_vcpu = 0;

    ret_[3] = 1;                        /* the strict round succeeds: no relaxed round */
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 1);
    ck_assert_int_eq(log_[0], 3);
    ck_assert_uint_eq(kvm->stats.dy_relaxed_rounds, 0);

    reset_log();
    kvm->last_boosted_vcpu = 0;
    ret_[3] = 0;                        /* strict round: 3 returns 0; relaxed: 1 then 3 */
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 3);
    ck_assert_int_eq(log_[0], 3);
    ck_assert_int_eq(log_[1], 1);
    ck_assert_int_eq(log_[2], 3);
    ck_assert_uint_eq(kvm->stats.dy_relaxed_rounds, 1);
    ck_assert_uint_eq(kvm->stats.dy_relaxed_hits, 2);

    /* enable_relaxed_boost = 0: strict round only. */
    reset_log();
    sc->policy.enable_relaxed_boost = false;
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 1);

    /* Plain ipi-aware never runs the second round. */
    reset_log();
    sc->policy.enable_relaxed_boost = true;
    sim->dy_policy = dy_policy_find("ipi-aware");
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 1);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* Patch 9's retry keeps try: after three -ESRCH in the strict round, try
 * is 0 and the relaxed round's --try never reaches 0 again. */
START_TEST(test_relaxed_try_quirk)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("ipi-aware-relaxed", 6, APICV_OFF, &sc);
    struct kvm *kvm = sim->vms[0];

    sim->test_yield_to = fake_yield_to;
    reset_log();
    for (unsigned int i = 1; i < 6; i++) {
        V(i)->ready = true;
        V(i)->preempted = true;
        V(i)->preempted_in_kernel = true;
        ret_[i] = -ESRCH;
    }
    kvm->last_boosted_vcpu = 0;
    kvm_vcpu_on_spin(sim, V(0), true);
    /* strict: 1, 2, 3 (try 3 -> 0, stop); relaxed: 1..5, never stops */
    ck_assert_uint_eq(nlog, 3 + 5);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* pv-hint yields straight to the lock holder the spinner waits for. */
START_TEST(test_pv_hint)
{
    struct scenario *sc;
    struct sim *sim = dy_sim("pv-hint", 4, APICV_OFF, &sc);
    struct kvm *kvm = sim->vms[0];

    sim->test_yield_to = fake_yield_to;
    reset_log();
    guest_lock_request(sim, V(2), 0);   /* 2 holds the lock */
    guest_lock_request(sim, V(0), 0);   /* 0 waits */
    for (unsigned int i = 1; i < 4; i++) {
        V(i)->ready = true;
        V(i)->preempted = true;
        V(i)->preempted_in_kernel = true;
    }
    ck_assert_ptr_eq(guest_waits_for(V(0)), V(2));
    ret_[2] = 1;
    kvm_vcpu_on_spin(sim, V(0), true);
    ck_assert_uint_eq(nlog, 1);
    ck_assert_int_eq(log_[0], 2);
    ck_assert_uint_eq(kvm->stats.dy_hint_hits, 1);
    sim_free(sim);
    scenario_free(sc);
}
END_TEST

/* ---- whole runs ---- */

static char *run_default(const char *const *overrides, unsigned int n, double ms, bool pinned)
{
    struct scenario *sc = pinned ? scenario_load_file(TU_SRC("scenarios/vm-1x-pinned.json"), NULL)
                                 : scenario_load_default();
    struct sim_options opt = {.duration_ns = (u64)(ms * 1e6)};
    struct sim *sim;
    struct sim_result *r;
    char *s;

    ck_assert_ptr_nonnull(sc);
    for (unsigned int i = 0; i < n; i++) {
        GError *err = NULL;

        ck_assert_msg(scenario_apply_policy_override(sc, overrides[i], &err), "%s",
                      err ? err->message : "");
    }
    sim = sim_new(sc, &opt, NULL);
    sim_run(sim, NULL, NULL);
    r = sim_collect(sim, 0.0);
    s = result_render(r, FORMAT_JSON, false);
    sim_result_free(r);
    sim_free(sim);
    scenario_free(sc);
    return s;
}

/* The VM results of a JSON result without the policy's own counters
 * ("directed_yield"), which differ by construction (g_free). */
static char *vms_part(const char *json)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr), *vms;
    size_t i;
    json_t *vm;
    char *out, *copy;

    ck_assert_ptr_nonnull(root);
    vms = json_object_get(root, "vms");
    ck_assert_ptr_nonnull(vms);
    json_array_foreach(vms, i, vm)
        json_object_del(vm, "directed_yield");
    out = json_dumps(vms, JSON_SORT_KEYS);
    copy = g_strdup(out);
    free(out);
    json_decref(root);
    return copy;
}

/* The null case (one VM, 1:1 pinned, no overcommit): no variant changes
 * anything, because no vCPU is ever preempted. */
START_TEST(test_null_case_all_policies)
{
    const char *base_ov[] = {"directed_yield=mainline"};
    char *base = run_default(base_ov, 1, 100, true);

    for (unsigned int i = 1; dy_policies[i]; i++) {
        char *kv = g_strdup_printf("directed_yield=%s", dy_policies[i]->name);
        const char *ov[] = {kv};
        char *s = run_default(ov, 1, 100, true);

        char *a = vms_part(base), *b = vms_part(s);

        ck_assert_msg(strcmp(a, b) == 0, "%s changed the null case", dy_policies[i]->name);
        g_free(a);
        g_free(b);
        g_free(s);
        g_free(kv);
    }
    g_free(base);
}
END_TEST

/* Everything but the policy description and the scenario hash (g_free). */
static char *without_policy(const char *json)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    char *out, *copy;

    ck_assert_ptr_nonnull(root);
    json_object_del(root, "policy");
    json_object_del(root, "scenario_hash");
    out = json_dumps(root, JSON_SORT_KEYS);
    copy = g_strdup(out);
    free(out);
    json_decref(root);
    return copy;
}

/* With vcpu_debooster_enabled = 0, deboost-v2 is the forfeiting
 * yield_to_task_fair: byte-identical results on the default scenario. */
START_TEST(test_debooster_off_is_forfeit)
{
    const char *a_ov[] = {"yield_to=deboost-v2", "vcpu_debooster_enabled=0"};
    const char *b_ov[] = {"yield_to=forfeit"};
    const char *c_ov[] = {"yield_to=deboost-v2"};
    char *a = run_default(a_ov, 2, 200, false), *b = run_default(b_ov, 1, 200, false);
    char *c = run_default(c_ov, 1, 200, false);
    char *a2 = without_policy(a), *b2 = without_policy(b), *c2 = without_policy(c);

    ck_assert_str_eq(a2, b2);
    ck_assert_str_ne(c2, b2); /* and enabled, it does change something */
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(a2);
    g_free(b2);
    g_free(c2);
}
END_TEST

/* The null case for the scheduler-side variants too. */
START_TEST(test_null_case_yield_policies)
{
    const char *base_ov[] = {"yield_to=mainline"};
    char *base = run_default(base_ov, 1, 100, true);
    char *b0 = without_policy(base);

    for (unsigned int i = 1; yield_to_policies[i]; i++) {
        char *kv = g_strdup_printf("yield_to=%s", yield_to_policies[i]->name);
        const char *ov[] = {kv};
        char *s = run_default(ov, 1, 100, true), *s2 = without_policy(s);

        ck_assert_msg(strcmp(b0, s2) == 0, "%s changed the null case", yield_to_policies[i]->name);
        g_free(s);
        g_free(s2);
        g_free(kv);
    }
    g_free(base);
    g_free(b0);
}
END_TEST

/* What the tracker can see depends on kvm.apicv, as on hardware. */
START_TEST(test_tracker_visibility)
{
    static const struct guest_step ipi_steps[] = {
        {.kind = GSTEP_COMPUTE, .d = {DIST_EXPONENTIAL, US(20), 0, 0}, .every = 1},
        {.kind = GSTEP_IPI, .to = IPI_TO_NEXT, .wait = true, .handler_ns = 2000, .every = 1},
    };

    for (int mode = APICV_OFF; mode <= APICV_IPIV; mode++) {
        struct scenario *sc = tu_vm_scenario(4, 2, 4, false, ipi_steps,
                                             G_N_ELEMENTS(ipi_steps), 0, 30);
        struct sim *sim;
        const struct kvm_vm_stats *st;

        sc->kvm.apicv = mode;
        sc->policy.directed_yield = g_strdup("ipi-aware-relaxed");
        sim = sim_new(sc, NULL, NULL);
        sim_run(sim, NULL, NULL);
        st = &sim->vms[0]->stats;
        ck_assert_uint_gt(st->ipis_sent, 100);
        if (mode == APICV_IPIV) {
            ck_assert_uint_eq(st->ipi_track_records, 0);
            ck_assert_uint_eq(st->ipi_eoi_clear_receiver, 0);
        } else if (mode == APICV_ON) {
            ck_assert_uint_eq(st->ipi_track_records, st->ipis_sent);
            ck_assert_uint_eq(st->ipi_eoi_clear_receiver, 0);
        } else {
            ck_assert_uint_eq(st->ipi_track_records, st->ipis_sent);
            ck_assert_uint_gt(st->ipi_eoi_clear_receiver, 0);
            ck_assert_uint_gt(st->ipi_eoi_clear_sender, 0);
        }
        sim_free(sim);
        scenario_free(sc);
    }
}
END_TEST

static Suite *dy_suite(void)
{
    Suite *s = suite_create("dy");
    TCase *tc = tcase_create("track");

    tcase_add_test(tc, test_track_unicast);
    tcase_add_test(tc, test_track_filters);
    tcase_add_test(tc, test_two_senders);
    tcase_add_test(tc, test_unrelated_eoi);
    tcase_add_test(tc, test_eoi_vector_sides);
    tcase_add_test(tc, test_stale_after_window);
    tcase_add_test(tc, test_tiers);
    tcase_add_test(tc, test_relaxed_round);
    tcase_add_test(tc, test_relaxed_try_quirk);
    tcase_add_test(tc, test_pv_hint);
    tcase_add_test(tc, test_tracker_visibility);
    tcase_add_test(tc, test_null_case_all_policies);
    tcase_add_test(tc, test_debooster_off_is_forfeit);
    tcase_add_test(tc, test_null_case_yield_policies);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dy_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
