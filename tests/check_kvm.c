/*
 * check_kvm.c - the KVM layer: PLE window and halt-poll arithmetic, the
 * directed-yield candidate scan, LAPIC delivery and EOI bookkeeping, halt
 * and kick, paravirt spinlock hand-off, and whole VM simulations.
 */
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

static Suite *kvm_suite(void)
{
    Suite *s = suite_create("kvm");
    TCase *tc = tcase_create("sim");

    tcase_add_test(tc, test_smoke_dbench);
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
