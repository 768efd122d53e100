/*
 * tests/testutil.c - helpers for the Check suites (see testutil.h).
 */
#include <stdint.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "testutil.h"

char *tu_read_file(const char *path)
{
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

bool tu_run(const char *const *argv, const char *cwd, struct tu_proc *p)
{
    int wait_status = 0;
    GError *err = NULL;

    p->out = NULL;
    p->err = NULL;
    p->status = -1;
    if (!g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &p->out, &p->err,
                      &wait_status, &err)) {
        g_printerr("cannot run %s: %s\n", argv[0], err->message);
        g_error_free(err);
        return false;
    }
    if (WIFEXITED(wait_status))
        p->status = WEXITSTATUS(wait_status);
    return true;
}

void tu_proc_clear(struct tu_proc *p)
{
    g_clear_pointer(&p->out, g_free);
    g_clear_pointer(&p->err, g_free);
}

char *tu_mkdtemp(void)
{
    return g_dir_make_tmp("vsched-test-XXXXXX", NULL);
}

void tu_rmdir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (!d)
        return;
    while ((name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);

        g_unlink(path);
        g_free(path);
    }
    g_dir_close(d);
    g_rmdir(dir);
}

int tu_count_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;

    if (!d)
        return -1;
    while (g_dir_read_name(d))
        n++;
    g_dir_close(d);
    return n;
}

void tu_kvm_defaults(struct scenario_kvm *k)
{
    *k = (struct scenario_kvm){
        .exit_ns = 600, .entry_ns = 400, .ctx_switch_ns = 2000, .ipi_latency_ns = 1000,
        .apicv = APICV_ON, .ple_gap = 128, .ple_window = 4096, .ple_window_grow = 2,
        .ple_window_shrink = 0, .ple_window_max = UINT32_MAX, .halt_poll_ns = 200000,
        .halt_poll_ns_grow = 2, .halt_poll_ns_grow_start = 10000, .halt_poll_ns_shrink = 2,
        .pv_unhalt = true, .pv_send_ipi = true, .pv_tlb_flush = true, .pv_sched_yield = true,
    };
}

struct scenario *tu_vm_scenario(unsigned int cpus, unsigned int nvms, unsigned int vcpus,
                                bool pin, const struct guest_step *steps, unsigned int nr_steps,
                                unsigned int nr_locks, double ms)
{
    char *json = g_strdup_printf("{\"version\":1,\"name\":\"vmtest\",\"duration_ms\":%g,"
                                 "\"host\":{\"cpus\":%u},\"tasks\":[{\"name\":\"x\","
                                 "\"program\":[{\"run_us\":1}]}]}",
                                 ms, cpus);
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(json, "vmtest", &err);

    g_assert_no_error(err);
    g_free(json);
    for (unsigned int i = 0; i < sc->nr_tasks; i++) {
        g_free(sc->tasks[i].name);
        g_free(sc->tasks[i].cgroup);
        g_free(sc->tasks[i].program);
    }
    g_free(sc->tasks);
    sc->tasks = NULL;
    sc->nr_tasks = 0;
    tu_kvm_defaults(&sc->kvm);
    sc->cpu_ghz = 2.5;
    sc->pause_cycles = 140;
    sc->nr_vms = nvms;
    sc->vms = g_new0(struct scenario_vm, nvms);
    for (unsigned int i = 0; i < nvms; i++) {
        struct scenario_vm *vm = &sc->vms[i];

        vm->name = g_strdup_printf("vm%u", i);
        vm->vcpus = vcpus;
        vm->cgroup = g_strdup("/");
        cpumask_fill(&vm->cpus, cpus);
        vm->pin = pin ? VM_PIN_1TO1 : VM_PIN_NONE;
        vm->count = 1;
        vm->wl.steps = g_memdup2(steps, sizeof(*steps) * nr_steps);
        vm->wl.nr_steps = nr_steps;
        vm->wl.nr_locks = nr_locks;
        vm->wl.lock_kind = LOCK_PV_QSPINLOCK;
        vm->wl.spin_threshold = 32768;
        vm->wl.handoff_ns = 100;
        vm->wl.resched_handler_ns = 500;
        vm->wl.timer_handler_ns = 1000;
    }
    sc->policy.ipi_window_ns = 50000000;
    sc->policy.vcpu_debooster_enabled = true;
    sc->policy.ipi_tracking_enabled = true;
    sc->policy.enable_relaxed_boost = true;
    return sc;
}

int tu_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}
