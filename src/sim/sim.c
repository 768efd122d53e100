/*
 * sim.c - one simulation: derive the kernel parameters from the scenario,
 * build the host (run-queues, task groups, tasks), run the event loop for
 * the scenario's duration and collect the results.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vsched/guest.h"
#include "vsched/host.h"
#include "vsched/kvm.h"
#include "vsched/policy.h"
#include "vsched/sim.h"

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);

    SIM_BUG_ON(!p);
    return p;
}

static unsigned int ilog2_u(unsigned int x)
{
    return 31 - (unsigned int)__builtin_clz(x);
}

/*
 * get_update_sysctl_factor(): the base slice is scaled with the number of
 * online CPUs, capped at 8: NONE -> 1, LINEAR -> cpus, LOG -> 1 + ilog2(cpus).
 */
static unsigned int sysctl_factor(enum tunable_scaling scaling, unsigned int nr_cpus)
{
    unsigned int cpus = nr_cpus < 8 ? nr_cpus : 8;

    switch (scaling) {
    case SCALING_NONE:
        return 1;
    case SCALING_LINEAR:
        return cpus;
    case SCALING_LOG:
    default:
        return 1 + ilog2_u(cpus);
    }
}

static void derive_params(struct sim *sim, const struct scenario *sc)
{
    struct sched_params *p = &sim->params;
    unsigned int hz = sc->kernel.hz;

    p->profile = sc->kernel.profile;
    memcpy(p->feat, sc->kernel.feat, sizeof(p->feat));
    p->hz = hz;
    p->tick_nsec = (NSEC_PER_SEC + hz / 2) / hz; /* TICK_NSEC */
    p->normalized_sysctl_sched_base_slice = sc->kernel.base_slice_ns;
    p->sysctl_sched_base_slice =
        sysctl_factor(sc->kernel.scaling, sc->host.cpus) * sc->kernel.base_slice_ns;
    p->timer_slack_ns = sc->kernel.timer_slack_ns;
    p->skew_tick = sc->kernel.skew_tick;
    p->flat_pick = sc->kernel.flat_pick;
    p->reweight_rescale = sc->kernel.reweight_rescale;
    p->balance_interval_ns = sc->host.balance_interval_ns;
    p->newidle_balance = sc->host.newidle_balance;
}

static struct task_group *find_tg(struct sim *sim, const char *path)
{
    for (unsigned int i = 0; i < sim->nr_tgs; i++)
        if (strcmp(sim->tgs[i]->path, path) == 0)
            return sim->tgs[i];
    return NULL;
}

static struct task_group *parent_tg(struct sim *sim, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *ppath;
    struct task_group *tg;

    if (slash == path)
        return sim->tgs[0];
    ppath = g_strndup(path, (gsize)(slash - path));
    tg = find_tg(sim, ppath);
    g_free(ppath);
    return tg;
}

static void vcpu_start_event(void *ctx, struct sim_event *ev)
{
    wake_up_new_task(ctx, &container_of(ev, struct kvm_vcpu, start_ev)->task);
}

/*
 * When each vCPU thread of @kvm is forked: the VM's start_us plus, per vCPU in
 * order, a draw from U[0, start_spread_us) on the replica's own stream of the
 * seed, so that adding a VM does not move the others (MODEL: docs/model.md,
 * "Start of the vCPU threads").
 */
void sim_vcpu_start_times(const struct sim *sim, const struct kvm *kvm, u64 *out)
{
    const struct scenario_vm *svm = kvm->svm;
    struct sim_rng rng;

    sim_rng_seed(&rng, sim->seed, 0x3000000ULL + kvm->idx);
    for (unsigned int c = 0; c < kvm->online_vcpus; c++) {
        out[c] = svm->start_ns;
        if (svm->start_spread_ns)
            out[c] += sim_rng_below(&rng, svm->start_spread_ns);
    }
}

/* t = 0: fork the host tasks and the vCPU threads that start at 0; the other
 * vCPU threads are forked by their own events. */
static void start_event(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;

    (void)ev;
    for (unsigned int i = 0; i < sim->nr_host_tasks; i++)
        wake_up_new_task(sim, sim->tasks[i]);
    for (unsigned int v = 0; v < sim->nr_vms; v++) {
        struct kvm *kvm = sim->vms[v];
        u64 *t = g_new(u64, kvm->online_vcpus);

        sim_vcpu_start_times(sim, kvm, t);
        for (unsigned int c = 0; c < kvm->online_vcpus; c++) {
            struct kvm_vcpu *vcpu = kvm->vcpus[c];

            if (t[c] == 0) {
                wake_up_new_task(sim, &vcpu->task);
                continue;
            }
            sim_event_init(&vcpu->start_ev, vcpu_start_event);
            sim_event_arm(&sim->eng, &vcpu->start_ev, t[c]);
        }
        g_free(t);
    }
}

static void balance_event(void *ctx, struct sim_event *ev)
{
    struct sim *sim = ctx;

    sched_balance_periodic(sim);
    sim_event_arm(&sim->eng, ev, sim_now(sim) + sim->params.balance_interval_ns);
}

struct sim *sim_new(const struct scenario *sc, const struct sim_options *opt, GError **error)
{
    struct sim *sim = xcalloc(1, sizeof(*sim));
    unsigned int nr_tasks = 0, k = 0;

    (void)error;
    sim->sc = sc;
    sim->seed = (opt && opt->has_seed) ? opt->seed : sc->seed;
    sim->duration_ns = (opt && opt->duration_ns) ? opt->duration_ns : sc->duration_ns;
    sim->debug_checks = opt && opt->debug_checks;
    sim_engine_init(&sim->eng, sim);
    derive_params(sim, sc);
    sim->yt_policy = &yield_to_policy_mainline;
    if (sc->policy.yield_to)
        sim->yt_policy = yield_to_policy_find(sc->policy.yield_to);
    sim->dy_policy = &dy_policy_mainline;
    if (sc->policy.directed_yield)
        sim->dy_policy = dy_policy_find(sc->policy.directed_yield);
    SIM_BUG_ON(!sim->yt_policy || !sim->dy_policy); /* the loader checks the names */

    sim->nr_cpus = sc->host.cpus;
    sim->rqs = xcalloc(sim->nr_cpus, sizeof(*sim->rqs));
    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++)
        init_rq(sim, &sim->rqs[cpu], cpu);

    sim->tgs = xcalloc(sc->nr_cgroups + 1, sizeof(*sim->tgs));
    sim->tgs[sim->nr_tgs++] = task_group_new(sim, "/", NULL, 1024);
    for (unsigned int i = 0; i < sc->nr_cgroups; i++) {
        const struct scenario_cgroup *cg = &sc->cgroups[i];
        struct task_group *parent = parent_tg(sim, cg->path);

        SIM_BUG_ON(!parent); /* the loader checks declaration order */
        sim->tgs[sim->nr_tgs++] = task_group_new(sim, cg->path, parent, cg->shares);
    }

    for (unsigned int i = 0; i < sc->nr_tasks; i++)
        nr_tasks += sc->tasks[i].count;
    sim->nr_host_tasks = nr_tasks;
    for (unsigned int i = 0; i < sc->nr_vms; i++) {
        nr_tasks += sc->vms[i].count * sc->vms[i].vcpus;
        sim->nr_vms += sc->vms[i].count;
    }
    sim->nr_tasks = nr_tasks;
    sim->tasks = xcalloc(nr_tasks, sizeof(*sim->tasks));
    sim->host_tasks = xcalloc(sim->nr_host_tasks, sizeof(*sim->host_tasks));
    for (unsigned int i = 0; i < sc->nr_tasks; i++) {
        const struct scenario_task *st = &sc->tasks[i];
        struct task_group *tg = find_tg(sim, st->cgroup);

        SIM_BUG_ON(!tg);
        for (unsigned int r = 0; r < st->count; r++, k++) {
            struct host_task *ht = &sim->host_tasks[k];
            struct task_struct *p = &ht->task;

            host_task_init(sim, ht, st);
            p->pid = k + 1;
            p->name = st->count > 1 ? g_strdup_printf("%s.%u", st->name, r) : g_strdup(st->name);
            p->sched_task_group = tg;
            attach_entity_to_group(sim, &p->se, tg, 0);
            sim->tasks[k] = p;
        }
    }

    sim->vms = xcalloc(sim->nr_vms, sizeof(*sim->vms));
    for (unsigned int i = 0, vi = 0; i < sc->nr_vms; i++) {
        const struct scenario_vm *svm = &sc->vms[i];

        for (unsigned int r = 0; r < svm->count; r++, vi++) {
            struct kvm *kvm = xcalloc(1, sizeof(*kvm));
            char *name = svm->count > 1 ? g_strdup_printf("%s.%u", svm->name, r)
                                        : g_strdup(svm->name);
            char *cg = scenario_vm_replica_cgroup(svm, r);
            struct task_group *tg = strcmp(cg, "/") == 0 ? sim->tgs[0] : find_tg(sim, cg);
            g_autofree struct task_group **vcpu_tgs = NULL;

            SIM_BUG_ON(!tg); /* the loader declares implied cgroups */
            if (svm->vcpu_cgroups) {
                vcpu_tgs = g_new(struct task_group *, svm->vcpus);
                for (unsigned int c = 0; c < svm->vcpus; c++) {
                    g_autofree char *path = scenario_vcpu_cgroup(cg, c);

                    vcpu_tgs[c] = find_tg(sim, path);
                    SIM_BUG_ON(!vcpu_tgs[c]);
                }
            }
            kvm->idx = vi;
            kvm_vm_create(sim, kvm, svm, name, tg, vcpu_tgs, k + 1);
            for (unsigned int c = 0; c < svm->vcpus; c++)
                sim->tasks[k++] = &kvm->vcpus[c]->task;
            sim->vms[vi] = kvm;
            g_free(name);
            g_free(cg);
        }
    }

    sim_event_init(&sim->start_ev, start_event);
    sim_event_arm(&sim->eng, &sim->start_ev, 0);
    sim_event_init(&sim->balance_ev, balance_event);
    if (sim->params.balance_interval_ns && sim->nr_cpus > 1)
        sim_event_arm(&sim->eng, &sim->balance_ev, sim->params.balance_interval_ns);
    return sim;
}

void sim_free(struct sim *sim)
{
    if (!sim)
        return;
    sim_engine_destroy(&sim->eng);
    for (unsigned int i = 0; i < sim->nr_host_tasks; i++)
        g_free(sim->tasks[i]->name);
    for (unsigned int i = 0; i < sim->nr_vms; i++) {
        kvm_vm_destroy(sim->vms[i]);
        free(sim->vms[i]);
    }
    free(sim->vms);
    for (unsigned int i = sim->nr_tgs; i-- > 0;)
        task_group_free(sim, sim->tgs[i]);
    free(sim->tgs);
    free(sim->tasks);
    free(sim->host_tasks);
    free(sim->rqs);
    free(sim);
}

/* Every queue of every CPU is checked: root and group queues. */
static void sim_check(struct sim *sim)
{
    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
        struct rq *rq = cpu_rq(sim, cpu);

        SIM_BUG_ON(rq->nr_running != rq->cfs.h_nr_queued);
        for (unsigned int i = 0; i < sim->nr_tgs; i++)
            SIM_BUG_ON(!cfs_rq_sane(sim->tgs[i]->cfs_rq[cpu]));
    }
    SIM_BUG_ON(!sim_engine_sane(&sim->eng));
}

/* Bring the accounting of running tasks up to date at the end of the run. */
static void sim_finish(struct sim *sim)
{
    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
        struct rq *rq = cpu_rq(sim, cpu);

        if (!rq->curr)
            continue;
        if (sched_flat(sim))
            update_curr_fair(sim, rq);
        else
            for (struct sched_entity *se = &rq->curr->se; se; se = parent_entity(se))
                if (cfs_rq_of(se)->curr == se)
                    update_curr(sim, cfs_rq_of(se));
        rq->busy_ns += sim_now(sim) - rq->busy_since;
        rq->busy_since = sim_now(sim);
        hist_add(&rq->curr->stats.run_ns, sim_now(sim) - rq->curr->stats_stint_start);
        if (task_is_vcpu(rq->curr))
            vcpu_finish_accounting(sim, vcpu_of(rq->curr));
    }
}

void sim_run(struct sim *sim, void (*progress)(double frac, void *arg), void *arg)
{
    u64 end = sim->duration_ns;
    u64 step = end / 100 ? end / 100 : 1;
    u64 next_report = step;

    while (sim_engine_step(&sim->eng, end)) {
        if (sim->debug_checks)
            sim_check(sim);
        if (progress && sim_now(sim) >= next_report) {
            progress((double)sim_now(sim) / (double)end, arg);
            next_report = (sim_now(sim) / step + 1) * step;
        }
    }
    sim_engine_run_until(&sim->eng, end);
    sim_finish(sim);
    if (progress)
        progress(1.0, arg);
}

static bool path_is_under(const char *path, const char *ancestor)
{
    size_t n = strlen(ancestor);

    if (strcmp(ancestor, "/") == 0)
        return true;
    return strncmp(path, ancestor, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * Entitlements: weighted max-min fair shares of the host's CPUs among the
 * VMs, with what each VM can use bounded by its vCPU count and by the CPUs
 * its vCPU threads may run on (cpus, 1:1 pinning).  Progressive filling:
 * every VM not yet fixed gets w_i * t CPUs, t as large as the host allows
 * (a flow of VMs to their allowed CPUs, one unit per CPU, must carry every
 * allocation); then each VM that cannot grow further, because of its own
 * bound or because the CPUs it may use are full, is fixed, and the others
 * go on filling.  Overlapping CPU sets are thus shared out correctly.
 * MODEL: weights are the VMs' cgroup shares, as if every VM's group were a
 * child of one parent; host tasks, deeper cgroup structure and demand (a
 * VM whose vCPUs mostly halt is still entitled to its full share) are
 * ignored.
 */
struct ent_flow {
    unsigned int n;            /* nodes: 0 source, 1..nv VMs, then CPUs, then sink */
    unsigned int nv, nc;
    double *cap;               /* residual capacities, n * n */
    int *level, *it;
};

#define ENT_CAP(f, u, v) ((f)->cap[(size_t)(u) * (f)->n + (v)])
#define ENT_EPS 1e-13

static bool ent_bfs(struct ent_flow *f, unsigned int *queue)
{
    unsigned int head = 0, tail = 0;

    for (unsigned int i = 0; i < f->n; i++)
        f->level[i] = -1;
    f->level[0] = 0;
    queue[tail++] = 0;
    while (head < tail) {
        unsigned int u = queue[head++];

        for (unsigned int v = 0; v < f->n; v++)
            if (f->level[v] < 0 && ENT_CAP(f, u, v) > ENT_EPS) {
                f->level[v] = f->level[u] + 1;
                queue[tail++] = v;
            }
    }
    return f->level[f->n - 1] >= 0;
}

static double ent_dfs(struct ent_flow *f, unsigned int u, double pushed)
{
    if (u == f->n - 1)
        return pushed;
    for (; f->it[u] < (int)f->n; f->it[u]++) {
        unsigned int v = (unsigned int)f->it[u];
        double c = ENT_CAP(f, u, v), got;

        if (c <= ENT_EPS || f->level[v] != f->level[u] + 1)
            continue;
        got = ent_dfs(f, v, pushed < c ? pushed : c);
        if (got > ENT_EPS) {
            ENT_CAP(f, u, v) -= got;
            ENT_CAP(f, v, u) += got;
            return got;
        }
    }
    return 0;
}

/* Can the VMs' allocations @a (CPUs) be placed on their allowed CPUs? */
static bool ent_feasible(struct ent_flow *f, const struct cpumask *allowed, const double *a)
{
    unsigned int *queue = xcalloc(f->n, sizeof(*queue));
    double want = 0, flow = 0, got;

    memset(f->cap, 0, sizeof(double) * (size_t)f->n * f->n);
    for (unsigned int i = 0; i < f->nv; i++) {
        ENT_CAP(f, 0, 1 + i) = a[i];
        want += a[i];
        for (unsigned int c = 0; c < f->nc; c++)
            if (cpumask_test_cpu(c, &allowed[i]))
                ENT_CAP(f, 1 + i, 1 + f->nv + c) = a[i];
    }
    for (unsigned int c = 0; c < f->nc; c++)
        ENT_CAP(f, 1 + f->nv + c, f->n - 1) = 1.0;
    while (ent_bfs(f, queue)) {
        for (unsigned int i = 0; i < f->n; i++)
            f->it[i] = 0;
        while ((got = ent_dfs(f, 0, want)) > ENT_EPS)
            flow += got;
    }
    free(queue);
    return flow >= want - 1e-14 * (want > 1 ? want : 1);
}

static void vm_entitlements(struct sim *sim, struct vm_result *vr)
{
    unsigned int n = sim->nr_vms, nc = sim->nr_cpus, left = n;
    struct cpumask *allowed = xcalloc(n, sizeof(*allowed));
    double *w = xcalloc(n, sizeof(*w)), *bound = xcalloc(n, sizeof(*bound));
    double *a = xcalloc(n, sizeof(*a)), wsum = 0;
    bool *fixed = xcalloc(n, sizeof(*fixed));
    struct ent_flow f = {.n = n + nc + 2, .nv = n, .nc = nc};

    f.cap = xcalloc((size_t)f.n * f.n, sizeof(*f.cap));
    f.level = xcalloc(f.n, sizeof(*f.level));
    f.it = xcalloc(f.n, sizeof(*f.it));
    for (unsigned int i = 0; i < n; i++) {
        struct kvm *kvm = sim->vms[i];

        cpumask_clear(&allowed[i]);
        for (unsigned int k = 0; k < kvm->online_vcpus; k++)
            for (unsigned int c = 0; c < nc; c++)
                if (cpumask_test_cpu(c, &kvm->vcpus[k]->task.cpus_allowed))
                    cpumask_set_cpu(c, &allowed[i]);
        bound[i] = (double)MIN(kvm->online_vcpus, cpumask_weight(&allowed[i]));
        w[i] = (double)kvm->tg->shares;
        wsum += w[i];
    }
    for (unsigned int i = 0; i < n; i++) {
        w[i] = wsum > 0 ? w[i] / wsum : 0;
        if (w[i] <= 0 || bound[i] <= 0) {
            fixed[i] = true; /* entitled to nothing it could use */
            left--;
        }
    }
    while (left > 0) {
        double lo = 0, hi = 0;
        unsigned int froze = 0;

        /* t is at most the first own bound; search the largest feasible t. */
        for (unsigned int i = 0; i < n; i++)
            if (!fixed[i] && (hi == 0 || bound[i] / w[i] < hi))
                hi = bound[i] / w[i];
        for (int iter = 0; iter < 64; iter++) {
            double t = (lo + hi) / 2;

            for (unsigned int i = 0; i < n; i++)
                if (!fixed[i])
                    a[i] = w[i] * t;
            if (ent_feasible(&f, allowed, a))
                lo = t;
            else
                hi = t;
        }
        for (unsigned int i = 0; i < n; i++)
            if (!fixed[i])
                a[i] = w[i] * lo;
        /* Fix every VM that cannot grow: at its bound, or in a full set. */
        for (unsigned int i = 0; i < n; i++) {
            double keep;

            if (fixed[i])
                continue;
            keep = a[i];
            a[i] = keep + 1e-6 * (double)nc;
            if (keep >= bound[i] - 1e-9 * (double)nc || !ent_feasible(&f, allowed, a)) {
                fixed[i] = true;
                froze++;
            }
            a[i] = keep < bound[i] ? keep : bound[i];
        }
        if (froze == 0) /* numerically stuck: fix them all where they are */
            for (unsigned int i = 0; i < n; i++)
                if (!fixed[i]) {
                    fixed[i] = true;
                    froze++;
                }
        left -= froze;
    }
    /* The search ends within ~1e-14 of the exact fractions; round to a
     * 2^-40 grid so that exact cases (1/2, 1/4, ...) come out exact. */
    for (unsigned int i = 0; i < n; i++)
        vr[i].entitlement = ldexp(nearbyint(ldexp(a[i] / (double)nc, 40)), -40);
    free(f.cap);
    free(f.level);
    free(f.it);
    free(allowed);
    free(w);
    free(bound);
    free(a);
    free(fixed);
}

static void collect_vms(struct sim *sim, struct sim_result *r)
{
    double sum = 0, sum2 = 0;
    double capacity = (double)sim->nr_cpus * (double)sim_now(sim);

    r->nr_vms = sim->nr_vms;
    r->nr_host_tasks = sim->nr_host_tasks;
    r->vms = xcalloc(r->nr_vms, sizeof(*r->vms));
    vm_entitlements(sim, r->vms);
    for (unsigned int i = 0; i < sim->nr_vms; i++) {
        struct kvm *kvm = sim->vms[i];
        struct guest_vm *gv = kvm->guest;
        struct vm_result *v = &r->vms[i];

        G_STATIC_ASSERT(KVM_EXIT_NR == G_N_ELEMENTS(v->exits));
        v->name = g_strdup(kvm->name);
        v->cgroup = g_strdup(kvm->tg->path);
        v->workload = g_strdup(kvm->svm->wl.preset ? kvm->svm->wl.preset : "custom");
        v->vcpus = kvm->online_vcpus;
        v->ops = gv->stats.ops;
        v->ops_per_sec = sim_now(sim) ? (double)v->ops * 1e9 / (double)sim_now(sim) : 0;
        for (unsigned int c = 0; c < kvm->online_vcpus; c++) {
            struct kvm_vcpu *vc = kvm->vcpus[c];

            v->cpu_ns += vc->task.se.sum_exec_runtime;
            v->guest_ns += vc->stats.guest_ns;
            v->spin_ns += vc->stats.spin_ns;
            v->spin_host_ns += vc->stats.spin_host_ns;
            v->host_ns += vc->stats.host_ns;
            v->poll_ns += vc->stats.poll_ns;
            for (unsigned int e = 0; e < KVM_EXIT_NR; e++)
                v->exits[e] += vc->stats.exits[e];
        }
        v->on_spin = kvm->stats.on_spin;
        v->s390 = kvm->svm->wl.lock_kind == LOCK_S390;
        v->diag_9c = kvm->stats.diag_9c;
        v->diag_9c_ignored = kvm->stats.diag_9c_ignored;
        v->yt_attempts = kvm->stats.yield_to_attempts;
        v->yt_success = kvm->stats.yield_to_success;
        v->yt_esrch = kvm->stats.yield_to_esrch;
        v->yt_zero = kvm->stats.yield_to_zero;
        v->ipis_sent = kvm->stats.ipis_sent;
        v->ipis_received = kvm->stats.ipis_received;
        v->ipi_lat_p50 = hist_quantile(&kvm->stats.ipi_latency, 0.5);
        v->ipi_lat_p99 = hist_quantile(&kvm->stats.ipi_latency, 0.99);
        v->ipi_lat_max = kvm->stats.ipi_latency.max;
        v->lock_acquisitions = gv->stats.lock_acquisitions;
        v->lock_wait_p50 = hist_quantile(&gv->stats.lock_wait, 0.5);
        v->lock_wait_p99 = hist_quantile(&gv->stats.lock_wait, 0.99);
        v->lock_hold_p50 = hist_quantile(&gv->stats.lock_hold, 0.5);
        v->lock_hold_p99 = hist_quantile(&gv->stats.lock_hold, 0.99);
        v->lock_holder_preempted = gv->stats.lock_holder_preempted;
        v->pv_kicks = gv->stats.pv_kicks;
        v->pv_wait_early = gv->stats.pv_wait_early;
        v->pv_lock_steals = gv->stats.pv_lock_steals;
        v->tlb_skipped_preempted = gv->stats.tlb_skipped_preempted;
        v->tlb_skipped_lazy = gv->stats.tlb_skipped_lazy;
        v->guest_thread_switches = gv->stats.thread_switches;
        v->guest_thread_preemptions = gv->stats.thread_preemptions;
        v->guest_ticks = gv->stats.ticks;
        v->pv_spurious_wakeups = gv->stats.pv_spurious_wakeups;
        v->pv_wait_again = gv->stats.pv_wait_again;
        v->halt_wakeups = kvm->stats.halt_wakeups;
        v->halt_poll_success = kvm->stats.halt_poll_success;
        v->pv_eois = kvm->stats.pv_eois;
        v->ipi_track_records = kvm->stats.ipi_track_records;
        v->ipi_eoi_clear_receiver = kvm->stats.ipi_eoi_clear_receiver;
        v->ipi_eoi_clear_sender = kvm->stats.ipi_eoi_clear_sender;
        v->ipi_stale = kvm->stats.ipi_stale;
        for (unsigned int t = 0; t < 3; t++)
            v->dy_tier[t] = kvm->stats.dy_tier[t];
        v->dy_relaxed_rounds = kvm->stats.dy_relaxed_rounds;
        v->dy_relaxed_hits = kvm->stats.dy_relaxed_hits;
        v->dy_hint_hits = kvm->stats.dy_hint_hits;
        v->dy_hint_fallbacks = kvm->stats.dy_hint_fallbacks;
        v->share = capacity > 0 ? (double)v->cpu_ns / capacity : 0;
        v->share_vs_entitlement = v->entitlement > 0 ? v->share / v->entitlement : 0;
        sum += v->share_vs_entitlement;
        sum2 += v->share_vs_entitlement * v->share_vs_entitlement;
    }
    r->jain_vms = sum2 > 0 ? (sum * sum) / ((double)sim->nr_vms * sum2) : 1.0;
}

struct sim_result *sim_collect(struct sim *sim, double wall_s)
{
    struct sim_result *r = xcalloc(1, sizeof(*r));
    u64 total = 0;
    double sum = 0, sum2 = 0;

    r->scenario = g_strdup(sim->sc->name);
    r->file = g_strdup(sim->sc->file);
    r->scenario_hash = scenario_hash(sim->sc);
    r->seed = sim->seed;
    r->sim_ns = sim_now(sim);
    r->events = sim->eng.nr_events;
    r->wall_s = wall_s;
    r->profile = kernel_profile_name(sim->params.profile);
    r->pick = sched_flat(sim) ? "flat" : "hierarchical";

    r->nr_tasks = sim->nr_tasks;
    r->tasks = xcalloc(r->nr_tasks, sizeof(*r->tasks));
    for (unsigned int i = 0; i < sim->nr_tasks; i++)
        total += sim->tasks[i]->se.sum_exec_runtime;
    r->min_share = sim->nr_tasks ? 1.0 : 0.0;
    for (unsigned int i = 0; i < sim->nr_tasks; i++) {
        struct task_struct *p = sim->tasks[i];
        struct task_result *t = &r->tasks[i];

        t->name = g_strdup(p->name);
        t->cgroup = g_strdup(p->sched_task_group->path);
        t->nice = task_nice(p);
        t->cpu_ns = p->se.sum_exec_runtime;
        t->share = total ? (double)t->cpu_ns / (double)total : 0.0;
        t->nr_switches = p->stats.nr_switches;
        t->nr_yields = p->stats.nr_yields;
        t->nr_wakeups = p->stats.nr_wakeups;
        t->nr_migrations = p->stats.nr_migrations;
        t->run_p50_ns = hist_quantile(&p->stats.run_ns, 0.5);
        t->run_p99_ns = hist_quantile(&p->stats.run_ns, 0.99);
        sum += (double)t->cpu_ns;
        sum2 += (double)t->cpu_ns * (double)t->cpu_ns;
        if (t->share < r->min_share)
            r->min_share = t->share;
        if (t->share > r->max_share)
            r->max_share = t->share;
    }
    r->jain_tasks = sum2 > 0 ? (sum * sum) / ((double)sim->nr_tasks * sum2) : 1.0;

    r->nr_cpus = sim->nr_cpus;
    r->cpus = xcalloc(r->nr_cpus, sizeof(*r->cpus));
    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
        r->cpus[cpu].id = cpu;
        r->cpus[cpu].busy_ns = cpu_rq(sim, cpu)->busy_ns;
        r->cpus[cpu].nr_switches = cpu_rq(sim, cpu)->nr_switches;
    }

    collect_vms(sim, r);
    r->yield_to_policy = sim->yt_policy->name;
    r->dy_policy = sim->dy_policy->name;
    r->knobs = sim->sc->policy;
    r->knobs.yield_to = NULL;
    r->knobs.directed_yield = NULL;
    r->pstats = sim->pstats;

    r->nr_cgroups = sim->sc->nr_cgroups;
    r->cgroups = xcalloc(r->nr_cgroups, sizeof(*r->cgroups));
    for (unsigned int i = 0; i < r->nr_cgroups; i++) {
        struct cgroup_result *c = &r->cgroups[i];

        c->path = g_strdup(sim->sc->cgroups[i].path);
        for (unsigned int j = 0; j < sim->nr_tasks; j++)
            if (path_is_under(sim->tasks[j]->sched_task_group->path, c->path))
                c->cpu_ns += sim->tasks[j]->se.sum_exec_runtime;
        c->share = total ? (double)c->cpu_ns / (double)total : 0.0;
    }
    return r;
}

void sim_result_free(struct sim_result *r)
{
    if (!r)
        return;
    for (unsigned int i = 0; i < r->nr_tasks; i++) {
        g_free(r->tasks[i].name);
        g_free(r->tasks[i].cgroup);
    }
    for (unsigned int i = 0; i < r->nr_cgroups; i++)
        g_free(r->cgroups[i].path);
    for (unsigned int i = 0; i < r->nr_vms; i++) {
        g_free(r->vms[i].name);
        g_free(r->vms[i].cgroup);
        g_free(r->vms[i].workload);
    }
    free(r->vms);
    free(r->tasks);
    free(r->cpus);
    free(r->cgroups);
    g_free(r->scenario);
    g_free(r->file);
    free(r);
}
