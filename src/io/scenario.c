/*
 * src/io/scenario.c - the scenario loader: JSON (format version 1) in,
 * struct scenario out, with every default applied and every rule checked.
 *
 * The format is documented in docs/scenario-format.md; this file is its
 * reference implementation.  Design points:
 *  - Keys are matched exactly (never by prefix) and unknown keys are errors,
 *    except "comment", which any object may carry to annotate a scenario.
 *  - The first error wins.  Its message names the file, the JSON path of the
 *    offending value ("tasks[2].program[0]") or, for syntax errors, the
 *    line:column jansson reports, and says what was expected.
 *  - Nothing here exits or aborts on bad input: every path returns NULL with
 *    a GError and frees what it built.
 *  - scenario_hash() hashes a canonical JSON form rebuilt from the struct,
 *    so whitespace, key order, comments and explicitly written defaults do
 *    not change it.
 *
 * Kernel correspondence: the "kernel" block mirrors sysctl/Kconfig knobs
 * (CONFIG_HZ, sysctl_sched_base_slice, sysctl_sched_tunable_scaling) and the
 * bits of kernel/sched/features.h; the "kvm" block mirrors the module
 * parameters of kvm.ko / kvm-intel.ko (ple_gap, ple_window*, halt_poll_ns*)
 * and the KVM_FEATURE_PV_* CPUID bits; see include/vsched/scenario.h.
 *
 * VM workloads are either a "program" of guest steps or a "preset", which
 * this file expands into such a program (presets[] below is the one table
 * of preset names, parameters, defaults and programs; scenarios/README.md
 * documents it).  Either way the program then goes through the same checks,
 * so the guest model never meets an unbalanced lock or a deadlocking barrier.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "vsched/guest.h"
#include "vsched/policy.h"
#include "vsched/scenario.h"

G_DEFINE_QUARK(vsched-scenario-error-quark, vsched_scenario_error)

/* Largest time a scenario may give (ns): about 31.7 years, far beyond any
 * sensible run, and small enough that sums of a few of them stay in u64. */
#define SCENARIO_MAX_NS 1e18

#define TASK_MAX_COUNT 4096
#define CGROUP_MIN_SHARES 2
#define CGROUP_MAX_SHARES 262144
#define DEFAULT_SHARES 1024

/* Defaults of the "kernel" and "host" blocks (docs/scenario-format.md). */
#define DEFAULT_HZ 250
#define DEFAULT_BASE_SLICE_NS 700000ULL    /* normalized_sysctl_sched_base_slice */
#define DEFAULT_TIMER_SLACK_NS 50000ULL    /* init_task.timer_slack_ns */
#define DEFAULT_BALANCE_INTERVAL_NS (32 * NSEC_PER_MSEC)
#define DEFAULT_CPU_GHZ 2.5                /* TSC rate of a typical 2-socket server part */
#define MAX_CPU_GHZ 10.0
#define DEFAULT_PAUSE_CYCLES 140           /* PAUSE latency, Skylake-SP and later */
#define MAX_PAUSE_CYCLES 10000

/* VMs and their workloads (docs/scenario-format.md, "vms"). */
#define VM_MAX_COUNT 64
#define KVM_MAX_COST_NS 10000000LL         /* 10 ms: the bound of every "kvm" cost */
#define WL_MAX_EVERY 1000000
#define WL_MAX_SPREAD 64
#define WL_MAX_LOCK_DEPTH 8                /* the guest's stack of held locks: */
G_STATIC_ASSERT(G_N_ELEMENTS(((struct guest_cpu *)NULL)->held) == WL_MAX_LOCK_DEPTH);
#define WL_MAX_SIGMA 5.0
#define DEFAULT_SPIN_THRESHOLD 32768       /* SPIN_THRESHOLD (1 << 15), arch/x86/include/asm/spinlock.h */
#define MAX_SPIN_THRESHOLD (1LL << 30)
#define DEFAULT_SPIN_RETRY 1000          /* spin_retry, arch/s390/lib/spinlock.c (spin_retry_init) */
#define MAX_SPIN_RETRY (1LL << 30)
/* MODEL: one pass of the s390 lock-wait loop (a load of the lock word with
 * its NIAI hint, a test, a branch on count) hitting L1, about 10 cycles at
 * the 5.2 GHz of z15/z16.  An estimate, not a measurement. */
#define DEFAULT_SPIN_LOOP_PS 2000
#define MAX_SPIN_LOOP_NS 1000.0
#define DEFAULT_HANDOFF_NS 100
#define MAX_HANDOFF_NS 1000000
#define DEFAULT_RESCHED_HANDLER_NS 500
#define DEFAULT_TIMER_HANDLER_NS 1000
#define MAX_HANDLER_NS 10000000
#define MAX_THREADS_PER_VCPU 64
/* MODEL: one switch between two guest threads (schedule() with the
 * register and address-space switch), about half the 3 us round trip that
 * "perf bench sched pipe" reports on current x86 servers.  An estimate. */
#define DEFAULT_THREAD_SWITCH_NS 1500
/* The guest's CONFIG_HZ: Debian's generic kernels use 250 (RHEL and Fedora
 * 1000, s390 defconfig 100). */
#define DEFAULT_GUEST_TICK_HZ 250
#define DEFAULT_IPI_HANDLER_NS 2000
#define DEFAULT_TLB_HANDLER_NS 3000
#define DEFAULT_IPI_WINDOW_NS 50000000ULL  /* 50 ms */
#define MAX_IPI_WINDOW_NS 10000000000LL    /* 10 s */

/* ------------------------------------------------------------------------ */
/* names and defaults                                                       */

const char *const sched_feat_names[SF_NR] = {
    [SF_PLACE_LAG] = "place_lag",
    [SF_PLACE_DEADLINE_INITIAL] = "place_deadline_initial",
    [SF_PLACE_REL_DEADLINE] = "place_rel_deadline",
    [SF_RUN_TO_PARITY] = "run_to_parity",
    [SF_PREEMPT_SHORT] = "preempt_short",
    [SF_NEXT_BUDDY] = "next_buddy",
    [SF_PICK_BUDDY] = "pick_buddy",
    [SF_DELAY_DEQUEUE] = "delay_dequeue",
    [SF_DELAY_ZERO] = "delay_zero",
    [SF_WAKEUP_PREEMPTION] = "wakeup_preemption",
    [SF_YIELD_FORFEIT] = "yield_forfeit",
};

void sched_feat_defaults(enum kernel_profile profile, bool feat[SF_NR])
{
    for (int i = 0; i < SF_NR; i++)
        feat[i] = true;
    /* One case per profile, even while they agree, so that a later kernel
     * can change a default without touching the others. */
    switch (profile) {
    case KERNEL_6_18:
        feat[SF_NEXT_BUDDY] = false;
        break;
    case KERNEL_6_19:
        feat[SF_NEXT_BUDDY] = false;
        break;
    }
}

bool kernel_profile_parse(const char *s, enum kernel_profile *out)
{
    if (!s)
        return false;
    if (strcmp(s, "6.18") == 0) {
        *out = KERNEL_6_18;
        return true;
    }
    if (strcmp(s, "6.19") == 0) {
        *out = KERNEL_6_19;
        return true;
    }
    return false;
}

const char *kernel_profile_name(enum kernel_profile p)
{
    switch (p) {
    case KERNEL_6_18:
        return "6.18";
    case KERNEL_6_19:
        return "6.19";
    }
    return "?";
}

static const char *const scaling_names[] = {
    [SCALING_NONE] = "none",
    [SCALING_LOG] = "log",
    [SCALING_LINEAR] = "linear",
};

static const char *const apicv_names[] = {
    [APICV_OFF] = "off",
    [APICV_ON] = "on",
    [APICV_IPIV] = "ipiv",
};

static const char *const lock_kind_names[] = {
    [LOCK_PV_QSPINLOCK] = "pv",
    [LOCK_QSPINLOCK] = "native",
    [LOCK_TAS] = "tas",
    [LOCK_S390] = "s390",
};

static const char *const pin_names[] = {
    [VM_PIN_NONE] = "none",
    [VM_PIN_1TO1] = "1:1",
};

static const char *const dist_kind_names[] = {
    [DIST_FIXED] = "fixed",
    [DIST_UNIFORM] = "uniform",
    [DIST_EXPONENTIAL] = "exponential",
    [DIST_LOGNORMAL] = "lognormal",
};

/* The "op" of a workload step. */
static const char *const gstep_names[] = {
    [GSTEP_COMPUTE] = "compute",
    [GSTEP_LOCK] = "lock",
    [GSTEP_UNLOCK] = "unlock",
    [GSTEP_IPI] = "ipi",
    [GSTEP_TLB_SHOOTDOWN] = "tlb_shootdown",
    [GSTEP_BARRIER] = "barrier",
    [GSTEP_SLEEP] = "sleep",
};

/* Canonical-form names of enum ipi_dest ("several" is {"random": N}). */
static const char *const ipi_dest_names[] = {
    [IPI_TO_NEXT] = "next",
    [IPI_TO_RANDOM] = "random",
    [IPI_TO_SEVERAL] = "several",
    [IPI_TO_ALL] = "all",
};

/* ------------------------------------------------------------------------ */
/* the embedded default scenario                                           */

static const char default_json[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"name\": \"default-2vm-dbench\",\n"
    "  \"description\": \"two 16-vCPU VMs running dbench on 16 host CPUs (2x overcommit),"
    " the setting of the series' cover letter\",\n"
    "  \"seed\": 1,\n"
    "  \"duration_ms\": 1000,\n"
    "  \"kernel\": {\"profile\": \"6.18\", \"hz\": 250},\n"
    "  \"host\": {\"cpus\": 16},\n"
    "  \"vms\": [\n"
    "    {\"name\": \"vm0\", \"vcpus\": 16, \"pin\": \"none\", \"workload\": {\"preset\": \"dbench\"}},\n"
    "    {\"name\": \"vm1\", \"vcpus\": 16, \"pin\": \"none\", \"workload\": {\"preset\": \"dbench\"}}\n"
    "  ]\n"
    "}\n";

const char *scenario_default_json(void)
{
    return default_json;
}

/* ------------------------------------------------------------------------ */
/* loader state and error helpers                                          */

struct loader {
    const char *file;  /* name used in messages (borrowed) */
    GString *path;     /* JSON path of the value being checked, "" at top level */
    GError **error;    /* destination of the first error (may be NULL) */
};

static void fail(struct loader *ld, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Set the error: "FILE: PATH: MESSAGE" (or "FILE: MESSAGE" at top level). */
static void fail(struct loader *ld, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (ld->path->len)
        g_set_error(ld->error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID, "%s: %s: %s",
                    ld->file, ld->path->str, msg);
    else
        g_set_error(ld->error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID, "%s: %s",
                    ld->file, msg);
    g_free(msg);
}

/* Extend the path by ".key" / "[i]"; return the old length for path_pop(). */
static gsize path_push_key(struct loader *ld, const char *key)
{
    gsize old = ld->path->len;

    if (old)
        g_string_append_c(ld->path, '.');
    g_string_append(ld->path, key);
    return old;
}

static gsize path_push_index(struct loader *ld, size_t i)
{
    gsize old = ld->path->len;

    g_string_append_printf(ld->path, "[%zu]", i);
    return old;
}

static void path_pop(struct loader *ld, gsize old)
{
    g_string_truncate(ld->path, old);
}

/* What a value is, for "expected X, got Y" messages. */
static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "non-integer number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* "got 123", "got 1.5", "got string": the value for scalars, else the type.
 * Returns a newly allocated string. */
static char *json_describe(const json_t *v)
{
    if (json_is_integer(v))
        return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (json_is_real(v)) {
        char *s = g_strdup_printf("%.15g", json_real_value(v));

        /* "1.0" must not read as the integer 1 in "expected an integer". */
        if (!strpbrk(s, ".eEni")) {
            char *t = g_strconcat(s, ".0", NULL);

            g_free(s);
            s = t;
        }
        return s;
    }
    if (json_is_boolean(v))
        return g_strdup(json_is_true(v) ? "true" : "false");
    return g_strdup(json_type_name(v));
}

/* Fail with "expected WHAT, got DESCRIPTION" for value @v at the current path. */
static void fail_expected(struct loader *ld, const char *what, const json_t *v)
{
    char *got = json_describe(v);

    fail(ld, "expected %s, got %s", what, got);
    g_free(got);
}

/*
 * Reject keys of @obj that are not in @allowed (NULL-terminated) or
 * "comment"; "comment" must be a string.
 */
static bool check_keys(struct loader *ld, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        bool ok = false;

        if (strcmp(key, "comment") == 0) {
            if (!json_is_string(v)) {
                gsize old = path_push_key(ld, "comment");

                fail(ld, "expected a string, got %s", json_type_name(v));
                path_pop(ld, old);
                return false;
            }
            continue;
        }
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(key, *a) == 0)
                ok = true;
        if (!ok) {
            GString *list = g_string_new(NULL);
            char *esc = g_strescape(key, NULL);

            for (const char *const *a = allowed; *a; a++)
                g_string_append_printf(list, "%s, ", *a);
            g_string_append(list, "comment");
            fail(ld, "unknown key \"%s\" (expected one of %s)", esc, list->str);
            g_free(esc);
            g_string_free(list, TRUE);
            return false;
        }
    }
    return true;
}

/* @v must be an object (at the current path). */
static bool expect_object(struct loader *ld, json_t *v)
{
    if (json_is_object(v))
        return true;
    fail(ld, "expected an object, got %s", json_type_name(v));
    return false;
}

/* Member @key of @obj, or NULL if absent (an error if @required). */
static bool get_member(struct loader *ld, json_t *obj, const char *key, bool required,
                       json_t **out)
{
    *out = json_object_get(obj, key);
    if (!*out && required) {
        fail(ld, "missing required key \"%s\"", key);
        return false;
    }
    return true;
}

/* Integer member in [min, max]; @def when absent and not @required. */
static bool get_int(struct loader *ld, json_t *obj, const char *key, bool required,
                    long long min, long long max, long long def, long long *out)
{
    json_t *v;
    gsize old;
    bool ok = true;

    if (!get_member(ld, obj, key, required, &v))
        return false;
    if (!v) {
        *out = def;
        return true;
    }
    old = path_push_key(ld, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char *what = g_strdup_printf("an integer in [%lld, %lld]", min, max);

        fail_expected(ld, what, v);
        g_free(what);
        ok = false;
    } else {
        *out = json_integer_value(v);
    }
    path_pop(ld, old);
    return ok;
}

/* String member; the result is newly allocated (a copy of @def if absent). */
static bool get_string(struct loader *ld, json_t *obj, const char *key, bool required,
                       const char *def, char **out)
{
    json_t *v;

    if (!get_member(ld, obj, key, required, &v))
        return false;
    if (!v) {
        *out = g_strdup(def);
        return true;
    }
    if (!json_is_string(v)) {
        gsize old = path_push_key(ld, key);

        fail(ld, "expected a string, got %s", json_type_name(v));
        path_pop(ld, old);
        return false;
    }
    *out = g_strdup(json_string_value(v));
    return true;
}

static bool get_bool(struct loader *ld, json_t *obj, const char *key, bool def, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!json_is_boolean(v)) {
        gsize old = path_push_key(ld, key);

        fail(ld, "expected true or false, got %s", json_type_name(v));
        path_pop(ld, old);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/*
 * A time value (at the current path) in units of @unit_ns, converted to ns
 * rounded to nearest.  @positive: must be > 0 (and not round to 0 ns), else
 * >= 0.
 */
static bool value_to_ns(struct loader *ld, const json_t *v, double unit_ns, bool positive,
                        u64 *out)
{
    const char *what = positive ? "a number > 0" : "a number >= 0";
    double x, ns;

    if (!json_is_number(v)) {
        fail(ld, "expected %s, got %s", what, json_type_name(v));
        return false;
    }
    x = json_number_value(v);
    if (!isfinite(x) || (positive ? !(x > 0) : !(x >= 0))) {
        fail_expected(ld, what, v);
        return false;
    }
    ns = round(x * unit_ns);
    if (ns > SCENARIO_MAX_NS) {
        fail(ld, "%.15g is too large (at most %.0f s)", x, SCENARIO_MAX_NS / 1e9);
        return false;
    }
    if (positive && ns < 1) {
        fail(ld, "%.15g rounds to 0 ns (expected at least 1 ns)", x);
        return false;
    }
    *out = (u64)ns;
    return true;
}

/* Optional time member @key in units of @unit_ns, @def_ns when absent. */
static bool get_ns(struct loader *ld, json_t *obj, const char *key, bool required,
                   double unit_ns, bool positive, u64 def_ns, u64 *out)
{
    json_t *v;
    gsize old;
    bool ok;

    if (!get_member(ld, obj, key, required, &v))
        return false;
    if (!v) {
        *out = def_ns;
        return true;
    }
    old = path_push_key(ld, key);
    ok = value_to_ns(ld, v, unit_ns, positive, out);
    path_pop(ld, old);
    return ok;
}

/* '"a", "b", "c"' from @names[0..@n) (newly allocated). */
static char *quoted_list(const char *const *names, unsigned int n)
{
    GString *list = g_string_new(NULL);

    for (unsigned int i = 0; i < n; i++)
        g_string_append_printf(list, "%s\"%s\"", i ? ", " : "", names[i]);
    return g_string_free(list, FALSE);
}

/* Fail at the current path with "expected one of LIST, got ..." for @v. */
static void fail_choice(struct loader *ld, const char *const *names, unsigned int n,
                        const json_t *v)
{
    char *list = quoted_list(names, n);

    if (json_is_string(v)) {
        char *esc = g_strescape(json_string_value(v), NULL);

        fail(ld, "expected one of %s, got \"%s\"", list, esc);
        g_free(esc);
    } else {
        fail(ld, "expected one of %s, got %s", list, json_type_name(v));
    }
    g_free(list);
}

/* String member that must be one of @names[0..@n); *@out is its index, @def
 * when absent. */
static bool get_choice(struct loader *ld, json_t *obj, const char *key, const char *const *names,
                       unsigned int n, unsigned int def, unsigned int *out)
{
    json_t *v = json_object_get(obj, key);
    gsize old;

    if (!v) {
        *out = def;
        return true;
    }
    for (unsigned int i = 0; i < n; i++) {
        if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    old = path_push_key(ld, key);
    fail_choice(ld, names, n, v);
    path_pop(ld, old);
    return false;
}

/* Number member in [min, max] ((min, max] if @min_open); @def when absent. */
static bool get_real(struct loader *ld, json_t *obj, const char *key, bool required, double min,
                     bool min_open, double max, double def, double *out)
{
    json_t *v;
    double x;

    if (!get_member(ld, obj, key, required, &v))
        return false;
    if (!v) {
        *out = def;
        return true;
    }
    x = json_is_number(v) ? json_number_value(v) : NAN;
    if (!isfinite(x) || (min_open ? !(x > min) : !(x >= min)) || !(x <= max)) {
        gsize old = path_push_key(ld, key);
        char *what = g_strdup_printf("a number in %c%g, %g]", min_open ? '(' : '[', min, max);

        if (json_is_number(v))
            fail_expected(ld, what, v);
        else
            fail(ld, "expected %s, got %s", what, json_type_name(v));
        g_free(what);
        path_pop(ld, old);
        return false;
    }
    *out = x;
    return true;
}

/* ------------------------------------------------------------------------ */
/* sections                                                                 */

static bool load_kernel(struct loader *ld, json_t *root, struct scenario_kernel *k)
{
    static const char *const keys[] = {"profile",        "hz",       "base_slice_ns",
                                       "tunable_scaling", "timer_slack_ns", "features",
                                       "skew_tick", "pick", "reweight", NULL};
    json_t *obj, *v;
    char *s = NULL;
    long long n;
    gsize old;
    bool ok = false;

    k->profile = KERNEL_6_18;
    k->hz = DEFAULT_HZ;
    k->base_slice_ns = DEFAULT_BASE_SLICE_NS;
    k->scaling = SCALING_LOG;
    k->timer_slack_ns = DEFAULT_TIMER_SLACK_NS;
    k->skew_tick = false;
    k->flat_pick = false;
    k->reweight_rescale = false;
    obj = json_object_get(root, "kernel");
    if (!obj) {
        sched_feat_defaults(k->profile, k->feat);
        return true;
    }
    old = path_push_key(ld, "kernel");
    if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
        goto out;

    if (!get_string(ld, obj, "profile", false, "6.18", &s))
        goto out;
    if (!kernel_profile_parse(s, &k->profile)) {
        gsize o2 = path_push_key(ld, "profile");
        char *esc = g_strescape(s, NULL);

        fail(ld, "expected one of \"6.18\", \"6.19\", got \"%s\"", esc);
        g_free(esc);
        path_pop(ld, o2);
        goto out;
    }
    sched_feat_defaults(k->profile, k->feat);

    v = json_object_get(obj, "hz");
    if (v) {
        gsize o2 = path_push_key(ld, "hz");
        long long hz = json_is_integer(v) ? json_integer_value(v) : -1;

        if (hz != 100 && hz != 250 && hz != 300 && hz != 1000) {
            fail_expected(ld, "one of 100, 250, 300, 1000", v);
            path_pop(ld, o2);
            goto out;
        }
        k->hz = (unsigned int)hz;
        path_pop(ld, o2);
    }

    if (!get_int(ld, obj, "base_slice_ns", false, 100000, 100000000, DEFAULT_BASE_SLICE_NS, &n))
        goto out;
    k->base_slice_ns = (u64)n;
    if (!get_int(ld, obj, "timer_slack_ns", false, 0, 10000000, DEFAULT_TIMER_SLACK_NS, &n))
        goto out;
    k->timer_slack_ns = (u64)n;
    if (!get_bool(ld, obj, "skew_tick", false, &k->skew_tick))
        goto out;

    {
        static const char *const pick_names[] = {"hierarchical", "flat"};
        static const char *const reweight_names[] = {"place", "rescale"};
        unsigned int pick, reweight, scaling;

        if (!get_choice(ld, obj, "pick", pick_names, G_N_ELEMENTS(pick_names), 0, &pick) ||
            !get_choice(ld, obj, "reweight", reweight_names, G_N_ELEMENTS(reweight_names), 0,
                        &reweight) ||
            !get_choice(ld, obj, "tunable_scaling", scaling_names, G_N_ELEMENTS(scaling_names),
                        SCALING_LOG, &scaling))
            goto out;
        /* sched/flat is posted against a tip with the v6.19 pick. */
        if (pick == 1 && k->profile != KERNEL_6_19) {
            gsize o2 = path_push_key(ld, "pick");

            fail(ld, "\"flat\" (sched/flat) needs \"profile\": \"6.19\": the series is "
                     "based on a kernel with the v6.19 pick, got profile \"%s\"",
                 kernel_profile_name(k->profile));
            path_pop(ld, o2);
            goto out;
        }
        k->flat_pick = pick == 1;
        k->reweight_rescale = reweight == 1;
        k->scaling = (enum tunable_scaling)scaling;
    }

    v = json_object_get(obj, "features");
    if (v) {
        const char *fkeys[SF_NR + 1];
        const char *key;
        json_t *fv;
        gsize o2 = path_push_key(ld, "features");

        for (int i = 0; i < SF_NR; i++)
            fkeys[i] = sched_feat_names[i];
        fkeys[SF_NR] = NULL;
        if (!expect_object(ld, v) || !check_keys(ld, v, fkeys))
            goto out;
        json_object_foreach(v, key, fv) {
            for (int i = 0; i < SF_NR; i++) {
                if (strcmp(key, sched_feat_names[i]) != 0)
                    continue;
                if (!get_bool(ld, v, key, k->feat[i], &k->feat[i]))
                    goto out;
            }
        }
        path_pop(ld, o2);
    }
    ok = true;
out:
    g_free(s);
    path_pop(ld, old);
    return ok;
}

/* "host": fills sc->host and the host-wide KVM figures sc->cpu_ghz and
 * sc->pause_cycles. */
static bool load_host(struct loader *ld, json_t *root, struct scenario *sc)
{
    static const char *const keys[] = {"cpus",    "balance_interval_ms", "newidle_balance",
                                       "cpu_ghz", "pause_cycles",        NULL};
    struct scenario_host *h = &sc->host;
    json_t *obj;
    long long n;
    gsize old;
    bool ok = false;

    if (!get_member(ld, root, "host", true, &obj))
        return false;
    old = path_push_key(ld, "host");
    if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
        goto out;
    if (!get_int(ld, obj, "cpus", true, 1, VSCHED_MAX_CPUS, 0, &n))
        goto out;
    h->cpus = (unsigned int)n;
    if (!get_ns(ld, obj, "balance_interval_ms", false, 1e6, false, DEFAULT_BALANCE_INTERVAL_NS,
                &h->balance_interval_ns))
        goto out;
    if (!get_bool(ld, obj, "newidle_balance", true, &h->newidle_balance))
        goto out;
    if (!get_real(ld, obj, "cpu_ghz", false, 0, true, MAX_CPU_GHZ, DEFAULT_CPU_GHZ, &sc->cpu_ghz))
        goto out;
    if (!get_int(ld, obj, "pause_cycles", false, 1, MAX_PAUSE_CYCLES, DEFAULT_PAUSE_CYCLES, &n))
        goto out;
    sc->pause_cycles = (u32)n;
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/*
 * The integer keys of "kvm": name, where in struct scenario_kvm, range and
 * default.  Defaults: ple_* are the kvm-intel.ko module parameter defaults
 * (KVM_DEFAULT_PLE_GAP, KVM_VMX_DEFAULT_PLE_WINDOW, KVM_DEFAULT_PLE_WINDOW_GROW,
 * KVM_DEFAULT_PLE_WINDOW_SHRINK, KVM_VMX_DEFAULT_PLE_WINDOW_MAX), halt_poll_*
 * those of kvm.ko on x86 (KVM_HALT_POLL_NS_DEFAULT and virt/kvm/kvm_main.c);
 * the costs are order-of-magnitude figures for a current Intel server.
 */
struct kvm_int_key {
    const char *key;
    size_t off;                   /* offsetof(struct scenario_kvm, ...) */
    bool is_u64;                  /* u64 field, else u32 */
    long long min, max, def;
};

#define KVM_U64(f, min, max, def) {#f, offsetof(struct scenario_kvm, f), true, min, max, def}
#define KVM_U32(f, min, max, def) {#f, offsetof(struct scenario_kvm, f), false, min, max, def}
static const struct kvm_int_key kvm_int_keys[] = {
    KVM_U64(exit_ns, 0, KVM_MAX_COST_NS, 600),
    KVM_U64(entry_ns, 0, KVM_MAX_COST_NS, 400),
    KVM_U64(ctx_switch_ns, 0, KVM_MAX_COST_NS, 2000),
    KVM_U64(ipi_latency_ns, 0, KVM_MAX_COST_NS, 1000),
    KVM_U32(ple_gap, 0, UINT32_MAX, 128),
    KVM_U32(ple_window, 0, UINT32_MAX, 4096),
    KVM_U32(ple_window_grow, 0, UINT32_MAX, 2),
    KVM_U32(ple_window_shrink, 0, UINT32_MAX, 0),
    KVM_U32(ple_window_max, 0, UINT32_MAX, UINT32_MAX),
    KVM_U64(halt_poll_ns, 0, UINT32_MAX, 200000),
    KVM_U32(halt_poll_ns_grow, 0, UINT32_MAX, 2),
    KVM_U64(halt_poll_ns_grow_start, 0, UINT32_MAX, 10000),
    KVM_U32(halt_poll_ns_shrink, 0, UINT32_MAX, 2),
};
#undef KVM_U64
#undef KVM_U32

/* The boolean keys of "kvm" (KVM_FEATURE_PV_* bits offered to guests), all
 * default true as with a current QEMU "-cpu host". */
struct kvm_bool_key {
    const char *key;
    size_t off;
};

#define KVM_BOOL(f) {#f, offsetof(struct scenario_kvm, f)}
static const struct kvm_bool_key kvm_bool_keys[] = {
    KVM_BOOL(pv_unhalt),
    KVM_BOOL(pv_send_ipi),
    KVM_BOOL(pv_tlb_flush),
    KVM_BOOL(pv_sched_yield),
};
#undef KVM_BOOL

static void kvm_int_set(struct scenario_kvm *k, const struct kvm_int_key *d, long long v)
{
    char *field = (char *)k + d->off;

    if (d->is_u64)
        *(u64 *)(void *)field = (u64)v;
    else
        *(u32 *)(void *)field = (u32)v;
}

static bool load_kvm(struct loader *ld, json_t *root, struct scenario_kvm *k)
{
    /* In the order of docs/scenario-format.md (error messages list them). */
    static const char *const keys[] = {
        "exit_ns",        "entry_ns",          "ctx_switch_ns",
        "ipi_latency_ns", "apicv",             "ple_gap",
        "ple_window",     "ple_window_grow",   "ple_window_shrink",
        "ple_window_max", "halt_poll_ns",      "halt_poll_ns_grow",
        "halt_poll_ns_grow_start",             "halt_poll_ns_shrink",
        "pv_unhalt",      "pv_send_ipi",       "pv_tlb_flush",
        "pv_sched_yield", "pv_eoi",          NULL};
    json_t *obj = json_object_get(root, "kvm");
    unsigned int apicv;
    gsize old;
    bool ok = false;

    for (unsigned int i = 0; i < G_N_ELEMENTS(kvm_int_keys); i++)
        kvm_int_set(k, &kvm_int_keys[i], kvm_int_keys[i].def);
    for (unsigned int i = 0; i < G_N_ELEMENTS(kvm_bool_keys); i++)
        *(bool *)(void *)((char *)k + kvm_bool_keys[i].off) = true;
    k->apicv = APICV_ON;
    k->pv_eoi = false;
    if (!obj)
        return true;

    old = path_push_key(ld, "kvm");
    if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
        goto out;
    for (unsigned int i = 0; i < G_N_ELEMENTS(kvm_int_keys); i++) {
        const struct kvm_int_key *d = &kvm_int_keys[i];
        long long n;

        if (!get_int(ld, obj, d->key, false, d->min, d->max, d->def, &n))
            goto out;
        kvm_int_set(k, d, n);
    }
    if (!get_choice(ld, obj, "apicv", apicv_names, G_N_ELEMENTS(apicv_names), APICV_ON, &apicv))
        goto out;
    k->apicv = (enum apicv_mode)apicv;
    for (unsigned int i = 0; i < G_N_ELEMENTS(kvm_bool_keys); i++) {
        bool *b = (bool *)(void *)((char *)k + kvm_bool_keys[i].off);

        if (!get_bool(ld, obj, kvm_bool_keys[i].key, true, b))
            goto out;
    }
    /* Off by default (every EOI exits without APICv), unlike QEMU's guests. */
    if (!get_bool(ld, obj, "pv_eoi", false, &k->pv_eoi))
        goto out;
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/* A policy name member checked against a registry; NULL (the default) when
 * absent.  @names lists the registry for the error message. */
static bool get_policy_name(struct loader *ld, json_t *obj, const char *key,
                            bool (*found)(const char *), const char *const *names, unsigned int n,
                            char **out)
{
    char *list, *esc;
    gsize old;

    if (!get_string(ld, obj, key, false, NULL, out))
        return false;
    if (!*out || found(*out))
        return true;
    list = quoted_list(names, n);
    esc = g_strescape(*out, NULL);
    old = path_push_key(ld, key);
    fail(ld, "unknown %s policy \"%s\" (expected one of %s)", key, esc, list);
    path_pop(ld, old);
    g_free(esc);
    g_free(list);
    return false;
}

static bool yield_to_known(const char *name)
{
    return yield_to_policy_find(name) != NULL;
}

static bool dy_known(const char *name)
{
    return dy_policy_find(name) != NULL;
}

static bool load_policy(struct loader *ld, json_t *root, struct scenario_policy *pol)
{
    static const char *const keys[] = {"yield_to",
                                       "directed_yield",
                                       "vcpu_debooster_enabled",
                                       "ipi_tracking_enabled",
                                       "ipi_window_ns",
                                       "enable_relaxed_boost",
                                       NULL};
    json_t *obj = json_object_get(root, "policy");
    GPtrArray *yt_names = g_ptr_array_new(), *dy_names = g_ptr_array_new();
    long long n;
    gsize old;
    bool ok = false;

    pol->yield_to = NULL;
    pol->directed_yield = NULL;
    pol->vcpu_debooster_enabled = true;
    pol->ipi_tracking_enabled = true;
    pol->ipi_window_ns = DEFAULT_IPI_WINDOW_NS;
    pol->enable_relaxed_boost = true;
    if (!obj) {
        g_ptr_array_free(yt_names, TRUE);
        g_ptr_array_free(dy_names, TRUE);
        return true;
    }
    for (unsigned int i = 0; yield_to_policies[i]; i++)
        g_ptr_array_add(yt_names, (gpointer)yield_to_policies[i]->name);
    for (unsigned int i = 0; dy_policies[i]; i++)
        g_ptr_array_add(dy_names, (gpointer)dy_policies[i]->name);

    old = path_push_key(ld, "policy");
    if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
        goto out;
    if (!get_policy_name(ld, obj, "yield_to", yield_to_known,
                         (const char *const *)yt_names->pdata, yt_names->len, &pol->yield_to) ||
        !get_policy_name(ld, obj, "directed_yield", dy_known,
                         (const char *const *)dy_names->pdata, dy_names->len,
                         &pol->directed_yield))
        goto out;
    if (!get_bool(ld, obj, "vcpu_debooster_enabled", true, &pol->vcpu_debooster_enabled) ||
        !get_bool(ld, obj, "ipi_tracking_enabled", true, &pol->ipi_tracking_enabled))
        goto out;
    if (!get_int(ld, obj, "ipi_window_ns", false, 0, MAX_IPI_WINDOW_NS,
                 (long long)DEFAULT_IPI_WINDOW_NS, &n))
        goto out;
    pol->ipi_window_ns = (u64)n;
    if (!get_bool(ld, obj, "enable_relaxed_boost", true, &pol->enable_relaxed_boost))
        goto out;
    ok = true;
out:
    g_ptr_array_free(yt_names, TRUE);
    g_ptr_array_free(dy_names, TRUE);
    path_pop(ld, old);
    return ok;
}

/*
 * Syntax of a cgroup path; returns NULL if fine, else what is wrong (static
 * string).  MODEL: components are plain names; "." and ".." and whitespace or
 * control characters are refused so that paths print safely in TSV/tables.
 */
static const char *cgroup_path_problem(const char *p)
{
    if (p[0] != '/')
        return "must start with \"/\"";
    if (strcmp(p, "/") == 0)
        return "the root cgroup \"/\" is implicit and may not be declared";
    if (p[strlen(p) - 1] == '/')
        return "must not end with \"/\"";
    if (strstr(p, "//"))
        return "must not contain empty components (\"//\")";
    if (strstr(p, "/./") || strstr(p, "/../") || g_str_has_suffix(p, "/.") ||
        g_str_has_suffix(p, "/.."))
        return "must not contain \".\" or \"..\" components";
    for (const char *c = p; *c; c++)
        if (g_ascii_isspace(*c) || g_ascii_iscntrl(*c))
            return "must not contain whitespace or control characters";
    return NULL;
}

/* Parent path of a valid, declared-style path ("/P1/a" -> "/P1", "/A" -> "/"). */
static char *cgroup_parent(const char *p)
{
    const char *slash = strrchr(p, '/');

    if (slash == p)
        return g_strdup("/");
    return g_strndup(p, (gsize)(slash - p));
}

/* Fills sc->cgroups and @known (path -> GINT_TO_POINTER(index + 1)). */
static bool load_cgroups(struct loader *ld, json_t *root, struct scenario *sc, GHashTable *known)
{
    static const char *const keys[] = {"path", "shares", NULL};
    json_t *arr;
    gsize old;
    bool ok = false;

    arr = json_object_get(root, "cgroups");
    if (!arr)
        return true;
    old = path_push_key(ld, "cgroups");
    if (!json_is_array(arr)) {
        fail(ld, "expected an array, got %s", json_type_name(arr));
        goto out;
    }
    sc->nr_cgroups = (unsigned int)json_array_size(arr);
    sc->cgroups = g_new0(struct scenario_cgroup, sc->nr_cgroups ? sc->nr_cgroups : 1);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct scenario_cgroup *cg = &sc->cgroups[i];
        json_t *obj = json_array_get(arr, i);
        gsize o2 = path_push_index(ld, i);
        const char *problem;
        char *parent;
        long long n;

        if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
            goto out;
        if (!get_string(ld, obj, "path", true, NULL, &cg->path))
            goto out;
        problem = cgroup_path_problem(cg->path);
        if (problem) {
            char *esc = g_strescape(cg->path, NULL);

            path_push_key(ld, "path");
            fail(ld, "invalid cgroup path \"%s\": %s", esc, problem);
            g_free(esc);
            goto out;
        }
        if (g_hash_table_contains(known, cg->path)) {
            path_push_key(ld, "path");
            fail(ld, "cgroup \"%s\" is declared twice (also cgroups[%d])", cg->path,
                 GPOINTER_TO_INT(g_hash_table_lookup(known, cg->path)) - 1);
            goto out;
        }
        parent = cgroup_parent(cg->path);
        if (strcmp(parent, "/") != 0 && !g_hash_table_contains(known, parent)) {
            path_push_key(ld, "path");
            fail(ld, "parent cgroup \"%s\" of \"%s\" is not declared (declare it before its children)",
                 parent, cg->path);
            g_free(parent);
            goto out;
        }
        g_free(parent);
        if (!get_int(ld, obj, "shares", false, CGROUP_MIN_SHARES, CGROUP_MAX_SHARES,
                     DEFAULT_SHARES, &n))
            goto out;
        cg->shares = (unsigned long)n;
        g_hash_table_insert(known, cg->path, GINT_TO_POINTER((int)i + 1));
        path_pop(ld, o2);
    }
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/* Task names: non-empty, no '/', no whitespace or control characters. */
static bool task_name_ok(const char *s)
{
    if (!*s)
        return false;
    for (const char *c = s; *c; c++)
        if (*c == '/' || g_ascii_isspace(*c) || g_ascii_iscntrl(*c))
            return false;
    return true;
}

/* A run step without clock_poll_*: decided per program (see load_program). */
#define CLOCK_POLL_AUTO UINT64_MAX

/* The optional "clock_poll_us" / "clock_poll_ns" of a run step (>= 0). */
static bool load_clock_poll(struct loader *ld, json_t *step, struct task_step *st)
{
    json_t *us = json_object_get(step, "clock_poll_us"), *ns = json_object_get(step, "clock_poll_ns");
    const char *key = us ? "clock_poll_us" : "clock_poll_ns";
    gsize old;
    bool ok;

    st->clock_poll_ns = st->kind == STEP_RUN ? CLOCK_POLL_AUTO : 0;
    if (!us && !ns)
        return true;
    if (us && ns) {
        fail(ld, "expected at most one of clock_poll_us, clock_poll_ns");
        return false;
    }
    if (st->kind != STEP_RUN) {
        fail(ld, "%s is only allowed on a run step", key);
        return false;
    }
    old = path_push_key(ld, key);
    ok = value_to_ns(ld, us ? us : ns, us ? 1e3 : 1.0, false, &st->clock_poll_ns);
    path_pop(ld, old);
    return ok;
}

static bool load_program(struct loader *ld, json_t *obj, struct scenario_task *t)
{
    static const char *const keys[] = {"run_us",        "run_ns",        "sleep_us", "sleep_ns", "yield",
                                       "clock_poll_us", "clock_poll_ns", NULL};
    static const char *const kinds = "run_us, run_ns, sleep_us, sleep_ns, yield";
    static const int nr_kind_keys = 5; /* the first five of keys[] */
    json_t *arr;
    u64 total_ns = 0;
    bool blocks = false;
    gsize old;
    bool ok = false;

    if (!get_member(ld, obj, "program", true, &arr))
        return false;
    old = path_push_key(ld, "program");
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        if (json_is_array(arr))
            fail(ld, "expected a non-empty array of steps, got an empty array");
        else
            fail(ld, "expected a non-empty array of steps, got %s", json_type_name(arr));
        goto out;
    }
    t->nr_steps = (unsigned int)json_array_size(arr);
    t->program = g_new0(struct task_step, t->nr_steps);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct task_step *st = &t->program[i];
        json_t *step = json_array_get(arr, i);
        gsize o2 = path_push_index(ld, i);
        const char *kind = NULL;
        int nr_kinds = 0;
        json_t *v;
        gsize o3;

        if (!json_is_object(step)) {
            fail(ld, "expected an object with exactly one of %s, got %s", kinds,
                 json_type_name(step));
            goto out;
        }
        if (!check_keys(ld, step, keys))
            goto out;
        for (int k = 0; k < nr_kind_keys; k++) {
            if (json_object_get(step, keys[k])) {
                kind = keys[k];
                nr_kinds++;
            }
        }
        if (nr_kinds != 1) {
            fail(ld, "expected exactly one of %s", kinds);
            goto out;
        }
        v = json_object_get(step, kind);
        o3 = path_push_key(ld, kind);
        if (strcmp(kind, "yield") == 0) {
            if (!json_is_true(v)) {
                fail_expected(ld, "true (a yield step is {\"yield\": true})", v);
                goto out;
            }
            st->kind = STEP_YIELD;
            st->ns = 0;
        } else {
            st->kind = g_str_has_prefix(kind, "run") ? STEP_RUN : STEP_SLEEP;
            if (!value_to_ns(ld, v, g_str_has_suffix(kind, "_us") ? 1e3 : 1.0, false, &st->ns))
                goto out;
            total_ns += st->ns; /* at most 2^32 steps of 1e18: no overflow in practice */
        }
        path_pop(ld, o3); /* back to the step */
        if (!load_clock_poll(ld, step, st))
            goto out;
        path_pop(ld, o2);
    }
    if (total_ns == 0) {
        fail(ld, "program never advances time (its run and sleep steps add up to 0 ns)");
        goto out;
    }
    /*
     * MODEL: how a run step knows it is done.  A program that also sleeps
     * or yields has to time its runs, and consuming a given CPU time means
     * reading CLOCK_THREAD_CPUTIME_ID (a system call) in the loop; a
     * program of run steps only never stops, so it is a plain loop that
     * never enters the kernel.
     */
    for (unsigned int i = 0; i < t->nr_steps; i++)
        if (t->program[i].kind != STEP_RUN)
            blocks = true;
    for (unsigned int i = 0; i < t->nr_steps; i++)
        if (t->program[i].clock_poll_ns == CLOCK_POLL_AUTO)
            t->program[i].clock_poll_ns = blocks ? VSCHED_CLOCK_POLL_DEFAULT_NS : 0;
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

static bool load_cpus(struct loader *ld, json_t *obj, unsigned int nr_cpus, struct cpumask *m)
{
    json_t *arr = json_object_get(obj, "cpus");
    gsize old;
    bool ok = false;

    if (!arr) {
        cpumask_fill(m, nr_cpus);
        return true;
    }
    cpumask_clear(m);
    old = path_push_key(ld, "cpus");
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        if (json_is_array(arr))
            fail(ld, "expected a non-empty array of CPU numbers, got an empty array");
        else
            fail(ld, "expected a non-empty array of CPU numbers, got %s", json_type_name(arr));
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        gsize o2 = path_push_index(ld, i);
        char *what;
        unsigned int cpu;

        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= (json_int_t)nr_cpus) {
            what = g_strdup_printf("a CPU number in [0, %u] (host.cpus is %u)", nr_cpus - 1,
                                   nr_cpus);
            fail_expected(ld, what, v);
            g_free(what);
            goto out;
        }
        cpu = (unsigned int)json_integer_value(v);
        if (cpumask_test_cpu(cpu, m)) {
            fail(ld, "CPU %u is listed twice", cpu);
            goto out;
        }
        cpumask_set_cpu(cpu, m);
        path_pop(ld, o2);
    }
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/*
 * Record the names a task or VM (@what: "task" or "VM") called @name with
 * @count replicas will have in the simulation in @names (name -> owner, e.g.
 * "tasks[2]", owned by the table) and fail on a clash.  Tasks and VMs share
 * one namespace: results list vCPU threads by VM name.
 */
static bool claim_names(struct loader *ld, const char *what, const char *name,
                        unsigned int count, const char *owner, GHashTable *names)
{
    for (unsigned int r = 0; r < count; r++) {
        char *n = count > 1 ? g_strdup_printf("%s.%u", name, r) : g_strdup(name);
        const char *other = g_hash_table_lookup(names, n);

        if (other) {
            gsize old = path_push_key(ld, "name");

            if (count > 1)
                fail(ld, "%s name \"%s\" (replica %u of \"%s\", count %u) clashes with a %s of %s",
                     what, n, r, name, count, g_str_has_prefix(other, "tasks") ? "task" : "VM",
                     other);
            else
                fail(ld, "duplicate %s name \"%s\" (also used by %s)", what, n, other);
            path_pop(ld, old);
            g_free(n);
            return false;
        }
        g_hash_table_insert(names, n, g_strdup(owner));
    }
    return true;
}

/*
 * "tasks".  @need_tasks: the scenario has no VMs, so at least one task is
 * required; otherwise "tasks" may be absent or empty.
 */
static bool load_tasks(struct loader *ld, json_t *root, struct scenario *sc, GHashTable *cgroups,
                       GHashTable *names, bool need_tasks)
{
    static const char *const keys[] = {"name", "cgroup", "nice", "count", "cpus", "program",
                                       NULL};
    json_t *arr = json_object_get(root, "tasks");
    gsize old;
    bool ok = false;

    if (!arr) {
        if (!need_tasks)
            return true;
        fail(ld, "missing required key \"tasks\" (a scenario needs at least one task or VM; "
             "\"tasks\" may be left out when \"vms\" is non-empty)");
        return false;
    }
    old = path_push_key(ld, "tasks");
    if (!json_is_array(arr) || (json_array_size(arr) == 0 && need_tasks)) {
        if (json_is_array(arr))
            fail(ld, "expected a non-empty array of tasks (a scenario needs at least one task "
                 "or VM), got an empty array");
        else
            fail(ld, "expected a%s array of tasks, got %s", need_tasks ? " non-empty" : "n",
                 json_type_name(arr));
        goto out;
    }
    sc->nr_tasks = (unsigned int)json_array_size(arr);
    if (!sc->nr_tasks) {
        ok = true;
        goto out;
    }
    sc->tasks = g_new0(struct scenario_task, sc->nr_tasks);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct scenario_task *t = &sc->tasks[i];
        json_t *obj = json_array_get(arr, i);
        gsize o2 = path_push_index(ld, i);
        long long n;

        if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
            goto out;
        if (!get_string(ld, obj, "name", true, NULL, &t->name))
            goto out;
        if (!task_name_ok(t->name)) {
            char *esc = g_strescape(t->name, NULL);

            path_push_key(ld, "name");
            fail(ld, "expected a non-empty name without \"/\", whitespace or control "
                 "characters, got \"%s\"", esc);
            g_free(esc);
            goto out;
        }
        if (!get_string(ld, obj, "cgroup", false, "/", &t->cgroup))
            goto out;
        if (strcmp(t->cgroup, "/") != 0 && !g_hash_table_contains(cgroups, t->cgroup)) {
            char *esc = g_strescape(t->cgroup, NULL);

            path_push_key(ld, "cgroup");
            fail(ld, "cgroup \"%s\" is not declared (expected \"/\" or a path listed in "
                 "\"cgroups\")", esc);
            g_free(esc);
            goto out;
        }
        if (!get_int(ld, obj, "nice", false, -20, 19, 0, &n))
            goto out;
        t->nice = (int)n;
        if (!get_int(ld, obj, "count", false, 1, TASK_MAX_COUNT, 1, &n))
            goto out;
        t->count = (unsigned int)n;
        if (!load_cpus(ld, obj, sc->host.cpus, &t->cpus))
            goto out;
        if (!load_program(ld, obj, t))
            goto out;
        if (!claim_names(ld, "task", t->name, t->count, ld->path->str, names))
            goto out;
        path_pop(ld, o2);
    }
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* VM workloads: programs, presets, checks                                  */

/* A lock name of a program: its instances are first .. first + spread - 1. */
struct wl_lock {
    unsigned int first;
    unsigned int spread;
    size_t step;                  /* index of the step that introduced the name */
};

/* A workload program under construction. */
struct wl_builder {
    GArray *steps;                /* of struct guest_step; NULL once handed over */
    GHashTable *locks;            /* lock name (owned) -> struct wl_lock (owned) */
    unsigned int nr_locks;        /* lock instances handed out so far */
};

static void wlb_init(struct wl_builder *b)
{
    b->steps = g_array_new(FALSE, TRUE, sizeof(struct guest_step));
    b->locks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    b->nr_locks = 0;
}

static void wlb_destroy(struct wl_builder *b)
{
    if (b->steps)
        g_array_free(b->steps, TRUE);
    g_hash_table_destroy(b->locks);
}

/* Append a zeroed step of @kind; the pointer is valid until the next append. */
static struct guest_step *wlb_add(struct wl_builder *b, enum guest_step_kind kind,
                                  unsigned int every)
{
    struct guest_step st = {.kind = kind, .every = every};

    g_array_append_val(b->steps, st);
    return &g_array_index(b->steps, struct guest_step, b->steps->len - 1);
}

/*
 * The first instance of lock @name with @spread instances, allocating them
 * on first use.  Returns NULL, or what is wrong (newly allocated).
 */
static char *wlb_lock_instances(struct wl_builder *b, const char *name, unsigned int spread,
                                unsigned int *first)
{
    struct wl_lock *l = g_hash_table_lookup(b->locks, name);

    if (l) {
        if (l->spread != spread) {
            char *esc = g_strescape(name, NULL);
            char *msg = g_strdup_printf("lock \"%s\" has spread %u here but spread %u at "
                                        "program[%zu] (every use of a lock name must give the "
                                        "same spread)", esc, spread, l->spread, l->step);

            g_free(esc);
            return msg;
        }
        *first = l->first;
        return NULL;
    }
    if (b->nr_locks + spread > VSCHED_MAX_LOCKS) {
        char *esc = g_strescape(name, NULL);
        char *msg = g_strdup_printf("too many lock instances: lock \"%s\" (spread %u) would bring "
                                    "the program to %u (at most %u)", esc, spread,
                                    b->nr_locks + spread, VSCHED_MAX_LOCKS);

        g_free(esc);
        return msg;
    }
    l = g_new(struct wl_lock, 1);
    l->first = b->nr_locks;
    l->spread = spread;
    l->step = b->steps->len;
    g_hash_table_insert(b->locks, g_strdup(name), l);
    b->nr_locks += spread;
    *first = l->first;
    return NULL;
}

/* ---- step constructors for the presets ---- */

static u64 us_to_ns(double us)
{
    return (u64)round(us * 1e3);
}

static struct dist dist_fixed_us(double us)
{
    return (struct dist){.kind = DIST_FIXED, .a_ns = us_to_ns(us)};
}

static struct dist dist_exp_us(double mean_us)
{
    return (struct dist){.kind = DIST_EXPONENTIAL, .a_ns = us_to_ns(mean_us)};
}

static struct dist dist_lognormal_us(double median_us, double sigma)
{
    return (struct dist){.kind = DIST_LOGNORMAL, .a_ns = us_to_ns(median_us), .sigma = sigma};
}

static void emit_compute(struct wl_builder *b, struct dist d, bool kernel, unsigned int every)
{
    struct guest_step *st = wlb_add(b, GSTEP_COMPUTE, every);

    st->d = d;
    st->kernel = kernel;
}

static void emit_sleep(struct wl_builder *b, struct dist d, unsigned int every)
{
    wlb_add(b, GSTEP_SLEEP, every)->d = d;
}

static void emit_lock(struct wl_builder *b, const char *name, unsigned int spread,
                      unsigned int every)
{
    unsigned int first = 0;
    char *problem = wlb_lock_instances(b, name, spread, &first);
    struct guest_step *st;

    SIM_BUG_ON(problem != NULL); /* presets use one name each, spread <= WL_MAX_SPREAD */
    st = wlb_add(b, GSTEP_LOCK, every);
    st->lock = first;
    st->spread = spread;
}

static void emit_unlock(struct wl_builder *b, unsigned int every)
{
    wlb_add(b, GSTEP_UNLOCK, every);
}

static void emit_ipi(struct wl_builder *b, enum ipi_dest to, bool wait, double handler_us,
                     unsigned int every)
{
    struct guest_step *st = wlb_add(b, GSTEP_IPI, every);

    st->to = to;
    st->wait = wait;
    st->handler_ns = us_to_ns(handler_us);
}

static void emit_tlb_shootdown(struct wl_builder *b, enum ipi_dest to, double handler_us,
                               bool freed_tables, unsigned int every)
{
    struct guest_step *st = wlb_add(b, GSTEP_TLB_SHOOTDOWN, every);

    st->to = to;
    st->freed_tables = freed_tables;
    st->wait = true; /* flush_tlb_multi() always waits */
    st->handler_ns = us_to_ns(handler_us);
}

static void emit_barrier(struct wl_builder *b, unsigned int every)
{
    wlb_add(b, GSTEP_BARRIER, every);
}

/* ---- presets ----
 * Each builder gets the parameter values in the order of its row in
 * presets[] (times in us).  scenarios/README.md explains what each imitates. */

static void build_pingpong(struct wl_builder *b, const double *p)
{
    /* cs_us, gap_us */
    emit_lock(b, "ball", 1, 1);
    emit_compute(b, dist_fixed_us(p[0]), true, 1);
    emit_unlock(b, 1);
    emit_compute(b, dist_fixed_us(p[1]), true, 1);
}

static void build_dbench(struct wl_builder *b, const double *p)
{
    /* compute_us, kernel_us, cs_us, locks, io_every, io_us, wake_every */
    emit_compute(b, dist_exp_us(p[0]), false, 1);
    emit_compute(b, dist_exp_us(p[1]), true, 1);
    emit_lock(b, "meta", (unsigned int)p[3], 1);
    emit_compute(b, dist_exp_us(p[2]), true, 1);
    emit_unlock(b, 1);
    if (p[4] >= 1) /* wait for I/O completion: the vCPU idles (halts) */
        emit_sleep(b, dist_exp_us(p[5]), (unsigned int)p[4]);
    if (p[6] >= 1) /* wake another client: an asynchronous IPI */
        emit_ipi(b, IPI_TO_RANDOM, false, 2, (unsigned int)p[6]);
}

static void build_dedup(struct wl_builder *b, const double *p)
{
    /* compute_us, handler_us */
    emit_compute(b, dist_exp_us(p[0]), false, 1);
    emit_ipi(b, IPI_TO_NEXT, true, p[1], 1);
}

static void build_vips(struct wl_builder *b, const double *p)
{
    /* compute_us, sigma, ipi_every, handler_us */
    emit_compute(b, dist_lognormal_us(p[0], p[1]), false, 1);
    emit_barrier(b, 1);
    emit_ipi(b, IPI_TO_ALL, true, p[3], (unsigned int)p[2]);
}

static void build_ebizzy(struct wl_builder *b, const double *p)
{
    /* compute_us, cs_us, handler_us */
    emit_compute(b, dist_exp_us(p[0]), false, 1);
    emit_lock(b, "mm", 1, 1);
    emit_compute(b, dist_fixed_us(p[1]), true, 1);
    emit_unlock(b, 1);
    /* munmap() of a large buffer frees page tables: lazy CPUs flush too */
    emit_tlb_shootdown(b, IPI_TO_ALL, p[2], true, 1);
}

static void build_kbuild(struct wl_builder *b, const double *p)
{
    /* compute_us, sigma, kernel_us, lock_every, cs_us, sleep_every, sleep_us */
    unsigned int lock_every = (unsigned int)p[3];

    emit_compute(b, dist_lognormal_us(p[0], p[1]), false, 1);
    emit_compute(b, dist_exp_us(p[2]), true, 1);
    emit_lock(b, "fs", 1, lock_every);
    emit_compute(b, dist_fixed_us(p[4]), true, lock_every);
    emit_unlock(b, lock_every);
    emit_sleep(b, dist_exp_us(p[6]), (unsigned int)p[5]);
}

enum preset_param_kind {
    PP_US,                        /* a time in us: number >= 0, fractional allowed */
    PP_INT,                       /* an integer in [min, max] */
    PP_REAL,                      /* a number in [min, max] */
};

struct preset_param {
    const char *name;             /* JSON key beside "preset" */
    enum preset_param_kind kind;
    double def;
    double min, max;              /* PP_INT, PP_REAL */
};

#define PRESET_MAX_PARAMS 7

struct preset {
    const char *name;
    unsigned int participants;    /* default participants (capped at vcpus); 0 = all vCPUs */
    struct preset_param params[PRESET_MAX_PARAMS + 1]; /* ends at a NULL name */
    void (*build)(struct wl_builder *b, const double *p);
};

/* The presets: names, parameters with defaults, programs (the builders above).
 * Keep scenarios/README.md in step with this table. */
#define P_US(name, def) {name, PP_US, def, 0, 0}
#define P_INT(name, def, min, max) {name, PP_INT, def, min, max}
#define P_REAL(name, def, min, max) {name, PP_REAL, def, min, max}
static const struct preset presets[] = {
    {"pingpong", 2,
     {P_US("cs_us", 2), P_US("gap_us", 1)},
     build_pingpong},
    {"dbench", 0,
     {P_US("compute_us", 10), P_US("kernel_us", 2), P_US("cs_us", 1),
      P_INT("locks", 4, 1, WL_MAX_SPREAD), P_INT("io_every", 20, 0, WL_MAX_EVERY),
      P_US("io_us", 50), P_INT("wake_every", 10, 0, WL_MAX_EVERY)},
     build_dbench},
    {"dedup", 0,
     {P_US("compute_us", 50), P_US("handler_us", 5)},
     build_dedup},
    {"vips", 0,
     {P_US("compute_us", 500), P_REAL("sigma", 0.3, 0, WL_MAX_SIGMA),
      P_INT("ipi_every", 4, 1, WL_MAX_EVERY), P_US("handler_us", 2)},
     build_vips},
    {"ebizzy", 0,
     {P_US("compute_us", 30), P_US("cs_us", 1), P_US("handler_us", 3)},
     build_ebizzy},
    {"kbuild", 0,
     {P_US("compute_us", 2000), P_REAL("sigma", 1.0, 0, WL_MAX_SIGMA),
      P_US("kernel_us", 20), P_INT("lock_every", 20, 1, WL_MAX_EVERY),
      P_US("cs_us", 2), P_INT("sleep_every", 10, 1, WL_MAX_EVERY),
      P_US("sleep_us", 100)},
     build_kbuild},
};
#undef P_US
#undef P_INT
#undef P_REAL

/* Read the parameters of @ps from @obj (defaults where absent) into @vals. */
static bool load_preset_params(struct loader *ld, json_t *obj, const struct preset *ps,
                               double *vals)
{
    for (unsigned int i = 0; ps->params[i].name; i++) {
        const struct preset_param *pp = &ps->params[i];
        json_t *v = json_object_get(obj, pp->name);
        long long n;
        u64 ns;
        gsize old;

        vals[i] = pp->def;
        switch (pp->kind) {
        case PP_US:
            if (!v)
                break;
            old = path_push_key(ld, pp->name);
            if (!value_to_ns(ld, v, 1e3, false, &ns)) {
                path_pop(ld, old);
                return false;
            }
            path_pop(ld, old);
            vals[i] = json_number_value(v);
            break;
        case PP_INT:
            if (!get_int(ld, obj, pp->name, false, (long long)pp->min, (long long)pp->max,
                         (long long)pp->def, &n))
                return false;
            vals[i] = (double)n;
            break;
        case PP_REAL:
            if (!get_real(ld, obj, pp->name, false, pp->min, false, pp->max, pp->def, &vals[i]))
                return false;
            break;
        }
    }
    return true;
}

/* ---- custom programs ---- */

/* "dist": {"kind": ..., ...} at the current path. */
static bool load_dist(struct loader *ld, json_t *v, struct dist *d)
{
    static const char *const keys_by_kind[][4] = {
        [DIST_FIXED] = {"kind", "us", NULL},
        [DIST_UNIFORM] = {"kind", "min_us", "max_us", NULL},
        [DIST_EXPONENTIAL] = {"kind", "mean_us", NULL},
        [DIST_LOGNORMAL] = {"kind", "median_us", "sigma", NULL},
    };
    unsigned int kind;

    if (!expect_object(ld, v))
        return false;
    if (!json_object_get(v, "kind")) {
        fail(ld, "missing required key \"kind\" (one of \"fixed\", \"uniform\", \"exponential\", "
             "\"lognormal\")");
        return false;
    }
    if (!get_choice(ld, v, "kind", dist_kind_names, G_N_ELEMENTS(dist_kind_names), 0, &kind))
        return false;
    if (!check_keys(ld, v, keys_by_kind[kind]))
        return false;
    memset(d, 0, sizeof(*d));
    d->kind = (enum dist_kind)kind;
    switch (d->kind) {
    case DIST_FIXED:
        return get_ns(ld, v, "us", true, 1e3, false, 0, &d->a_ns);
    case DIST_UNIFORM:
        if (!get_ns(ld, v, "min_us", true, 1e3, false, 0, &d->a_ns) ||
            !get_ns(ld, v, "max_us", true, 1e3, false, 0, &d->b_ns))
            return false;
        if (d->b_ns < d->a_ns) {
            gsize old = path_push_key(ld, "max_us");
            char *lo = json_describe(json_object_get(v, "min_us"));
            char *hi = json_describe(json_object_get(v, "max_us"));

            fail(ld, "expected a number >= min_us (%s), got %s", lo, hi);
            g_free(lo);
            g_free(hi);
            path_pop(ld, old);
            return false;
        }
        return true;
    case DIST_EXPONENTIAL:
        return get_ns(ld, v, "mean_us", true, 1e3, false, 0, &d->a_ns);
    case DIST_LOGNORMAL:
        return get_ns(ld, v, "median_us", true, 1e3, false, 0, &d->a_ns) &&
               get_real(ld, v, "sigma", true, 0, false, WL_MAX_SIGMA, 0, &d->sigma);
    }
    return false;
}

/* The duration of a compute or sleep step: exactly one of "us", "ns", "dist". */
static bool load_step_time(struct loader *ld, json_t *step, struct dist *d)
{
    static const char *const keys[] = {"us", "ns", "dist"};
    const char *key = NULL;
    int nr = 0;
    gsize old;
    bool ok;

    for (unsigned int i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (json_object_get(step, keys[i])) {
            key = keys[i];
            nr++;
        }
    }
    if (nr != 1) {
        fail(ld, "expected exactly one of us, ns, dist (the duration of the step)%s",
             nr ? ", got several" : "");
        return false;
    }
    memset(d, 0, sizeof(*d));
    old = path_push_key(ld, key);
    if (strcmp(key, "dist") == 0) {
        ok = load_dist(ld, json_object_get(step, key), d);
    } else {
        d->kind = DIST_FIXED;
        ok = value_to_ns(ld, json_object_get(step, key), strcmp(key, "us") == 0 ? 1e3 : 1.0,
                         false, &d->a_ns);
    }
    path_pop(ld, old);
    return ok;
}

/* "to" of an ipi / tlb_shootdown step: "next" | "random" | "all" | {"random": N}. */
static bool load_ipi_dest(struct loader *ld, json_t *step, bool required, enum ipi_dest def,
                          struct guest_step *st)
{
    static const char *const expected = "\"next\", \"random\", \"all\" or {\"random\": N}";
    static const char *const obj_keys[] = {"random", NULL};
    json_t *v;
    long long n;
    gsize old;
    bool ok = false;

    if (!get_member(ld, step, "to", required, &v))
        return false;
    st->to = def;
    st->nr_targets = 0;
    if (!v)
        return true;
    old = path_push_key(ld, "to");
    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        if (strcmp(s, "next") == 0)
            st->to = IPI_TO_NEXT;
        else if (strcmp(s, "random") == 0)
            st->to = IPI_TO_RANDOM;
        else if (strcmp(s, "all") == 0)
            st->to = IPI_TO_ALL;
        else {
            char *esc = g_strescape(s, NULL);

            fail(ld, "expected %s, got \"%s\"", expected, esc);
            g_free(esc);
            goto out;
        }
    } else if (json_is_object(v)) {
        if (!check_keys(ld, v, obj_keys))
            goto out;
        if (!get_int(ld, v, "random", true, 1, VSCHED_MAX_VCPUS - 1, 0, &n))
            goto out;
        st->to = IPI_TO_SEVERAL;
        st->nr_targets = (unsigned int)n;
    } else {
        fail(ld, "expected %s, got %s", expected, json_type_name(v));
        goto out;
    }
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/* "handler_us" / "handler_ns" (at most one), @def_ns when absent. */
static bool load_handler(struct loader *ld, json_t *step, u64 def_ns, u64 *out)
{
    bool us = json_object_get(step, "handler_us") != NULL;
    bool ns = json_object_get(step, "handler_ns") != NULL;

    if (us && ns) {
        fail(ld, "expected at most one of handler_us, handler_ns, got both");
        return false;
    }
    if (ns)
        return get_ns(ld, step, "handler_ns", true, 1.0, false, 0, out);
    return get_ns(ld, step, "handler_us", false, 1e3, false, def_ns, out);
}

/* One step of a "program" (at the current path, program[i]). */
static bool load_guest_step(struct loader *ld, json_t *v, struct wl_builder *b)
{
    static const char *const keys_by_op[][7] = {
        [GSTEP_COMPUTE] = {"op", "us", "ns", "dist", "mode", "every", NULL},
        [GSTEP_LOCK] = {"op", "lock", "spread", "every", NULL},
        [GSTEP_UNLOCK] = {"op", "every", NULL},
        [GSTEP_IPI] = {"op", "to", "wait", "handler_us", "handler_ns", "every", NULL},
        [GSTEP_TLB_SHOOTDOWN] = {"op", "to", "handler_us", "handler_ns", "freed_tables", "every",
                                 NULL},
        [GSTEP_BARRIER] = {"op", "every", NULL},
        [GSTEP_SLEEP] = {"op", "us", "ns", "dist", "every", NULL},
    };
    static const char *const modes[] = {"user", "kernel"};
    struct guest_step st = {0};
    unsigned int op, mode;
    char *name = NULL, *problem;
    long long n;
    bool ok = false;

    if (!json_is_object(v)) {
        char *list = quoted_list(gstep_names, G_N_ELEMENTS(gstep_names));

        fail(ld, "expected a step object with an \"op\" (one of %s), got %s", list,
             json_type_name(v));
        g_free(list);
        return false;
    }
    if (!json_object_get(v, "op")) {
        char *list = quoted_list(gstep_names, G_N_ELEMENTS(gstep_names));

        fail(ld, "missing required key \"op\" (one of %s)", list);
        g_free(list);
        return false;
    }
    if (!get_choice(ld, v, "op", gstep_names, G_N_ELEMENTS(gstep_names), 0, &op))
        return false;
    if (!check_keys(ld, v, keys_by_op[op]))
        return false;
    st.kind = (enum guest_step_kind)op;
    if (!get_int(ld, v, "every", false, 1, WL_MAX_EVERY, 1, &n))
        return false;
    st.every = (unsigned int)n;

    switch (st.kind) {
    case GSTEP_COMPUTE:
        if (!load_step_time(ld, v, &st.d) ||
            !get_choice(ld, v, "mode", modes, G_N_ELEMENTS(modes), 0, &mode))
            goto out;
        st.kernel = mode == 1;
        break;
    case GSTEP_SLEEP:
        if (!load_step_time(ld, v, &st.d))
            goto out;
        break;
    case GSTEP_LOCK:
        if (!get_string(ld, v, "lock", true, NULL, &name))
            goto out;
        /* Lock names follow the rules of task names (results may list them). */
        if (!task_name_ok(name)) {
            char *esc = g_strescape(name, NULL);
            gsize old = path_push_key(ld, "lock");

            fail(ld, "expected a non-empty lock name without \"/\", whitespace or control "
                 "characters, got \"%s\"", esc);
            path_pop(ld, old);
            g_free(esc);
            goto out;
        }
        if (!get_int(ld, v, "spread", false, 1, WL_MAX_SPREAD, 1, &n))
            goto out;
        st.spread = (unsigned int)n;
        problem = wlb_lock_instances(b, name, st.spread, &st.lock);
        if (problem) {
            gsize old = path_push_key(ld, "spread");

            fail(ld, "%s", problem);
            path_pop(ld, old);
            g_free(problem);
            goto out;
        }
        break;
    case GSTEP_UNLOCK:
    case GSTEP_BARRIER:
        break;
    case GSTEP_IPI:
        if (!load_ipi_dest(ld, v, true, IPI_TO_NEXT, &st) ||
            !get_bool(ld, v, "wait", true, &st.wait) ||
            !load_handler(ld, v, DEFAULT_IPI_HANDLER_NS, &st.handler_ns))
            goto out;
        break;
    case GSTEP_TLB_SHOOTDOWN:
        if (!load_ipi_dest(ld, v, false, IPI_TO_ALL, &st) ||
            !load_handler(ld, v, DEFAULT_TLB_HANDLER_NS, &st.handler_ns) ||
            !get_bool(ld, v, "freed_tables", false, &st.freed_tables))
            goto out;
        st.wait = true; /* flush_tlb_multi() always waits */
        break;
    }
    g_array_append_val(b->steps, st);
    ok = true;
out:
    g_free(name);
    return ok;
}

static bool load_guest_program(struct loader *ld, json_t *arr, struct wl_builder *b)
{
    gsize old = path_push_key(ld, "program");
    bool ok = false;

    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        if (json_is_array(arr))
            fail(ld, "expected a non-empty array of steps, got an empty array");
        else
            fail(ld, "expected a non-empty array of steps, got %s", json_type_name(arr));
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        gsize o2 = path_push_index(ld, i);

        if (!load_guest_step(ld, json_array_get(arr, i), b))
            goto out;
        path_pop(ld, o2);
    }
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/* The distribution has a positive mean (so a step drawing from it takes time). */
static bool dist_positive(const struct dist *d)
{
    switch (d->kind) {
    case DIST_FIXED:
    case DIST_EXPONENTIAL:
    case DIST_LOGNORMAL:
        return d->a_ns > 0;
    case DIST_UNIFORM:
        return d->b_ns > 0;
    }
    return false;
}

/*
 * Fail about step @i of @wl (the whole program if @i < 0; its member @key if
 * not NULL).  Custom programs get a JSON path; preset programs name the
 * preset and the step, since the user never wrote the steps.
 */
static void fail_wl(struct loader *ld, const struct scenario_workload *wl, long i,
                    const char *key, const char *msg)
{
    gsize old = ld->path->len;

    if (wl->preset) {
        if (i >= 0)
            fail(ld, "preset \"%s\", step %ld (%s): %s", wl->preset, i,
                 gstep_names[wl->steps[i].kind], msg);
        else
            fail(ld, "preset \"%s\": %s", wl->preset, msg);
        return;
    }
    path_push_key(ld, "program");
    if (i >= 0)
        path_push_index(ld, (size_t)i);
    if (key)
        path_push_key(ld, key);
    fail(ld, "%s", msg);
    path_pop(ld, old);
}

/*
 * The rules a program must follow so that the guest model can run it
 * forever (docs/scenario-format.md, "Program rules"):
 *  - a lock and the unlock that releases it have the same "every", so each
 *    pass takes and releases the same locks (the static nesting holds on
 *    every pass); nesting depth at most WL_MAX_LOCK_DEPTH; no unlock without
 *    a lock; no lock left held at the end of a pass;
 *  - no sleep and no barrier while holding a lock (sleeping in atomic
 *    context; a barrier would wait for vCPUs spinning on the held lock);
 *  - ipi and barrier steps, and tlb_shootdown steps not sent to "all", need
 *    at least 2 participants; {"random": N} at most participants - 1;
 *  - some compute or sleep step with every 1 has a positive duration, so
 *    every pass advances simulated time;
 *  - with threads_per_vcpu > 1, no barrier step, and some sleep step or,
 *    with a guest tick, some user-mode compute step outside locks (the
 *    places where the guest switches threads).
 */
static bool check_program(struct loader *ld, const struct scenario_workload *wl)
{
    unsigned int held[WL_MAX_LOCK_DEPTH], depth = 0;
    unsigned int others = wl->participants - 1;
    bool advances = false, sleeps = false, user_compute = false;

    for (unsigned int i = 0; i < wl->nr_steps; i++) {
        const struct guest_step *st = &wl->steps[i];
        const char *key = NULL;
        char *msg = NULL;

        switch (st->kind) {
        case GSTEP_COMPUTE:
        case GSTEP_SLEEP:
            if (st->every == 1 && dist_positive(&st->d))
                advances = true;
            if (st->kind == GSTEP_SLEEP)
                sleeps = true;
            if (st->kind == GSTEP_COMPUTE && !st->kernel && !depth && dist_positive(&st->d))
                user_compute = true;
            if (st->kind == GSTEP_SLEEP && depth)
                msg = g_strdup_printf("sleep while holding the lock taken at program[%u] "
                                      "(a spinlock holder must not sleep)", held[depth - 1]);
            break;
        case GSTEP_LOCK:
            if (depth == WL_MAX_LOCK_DEPTH)
                msg = g_strdup_printf("locks nested deeper than %d", WL_MAX_LOCK_DEPTH);
            else
                held[depth++] = i;
            break;
        case GSTEP_UNLOCK:
            if (!depth) {
                msg = g_strdup("unlock with no lock held (an unlock releases the most recently "
                               "acquired lock)");
            } else {
                const struct guest_step *lk = &wl->steps[held[--depth]];

                if (lk->every != st->every) {
                    key = "every";
                    msg = g_strdup_printf("expected every %u, the every of the lock it releases "
                                          "(program[%u]), got %u (a lock and its unlock must "
                                          "have the same every)", lk->every, held[depth],
                                          st->every);
                }
            }
            break;
        case GSTEP_IPI:
        case GSTEP_TLB_SHOOTDOWN:
        case GSTEP_BARRIER:
            /* A preset's asynchronous wake-up IPI is simply skipped when
             * there is nobody to wake (dbench on a 1-vCPU VM). */
            if (wl->participants < 2 &&
                !(st->kind == GSTEP_TLB_SHOOTDOWN && st->to == IPI_TO_ALL) &&
                !(wl->preset && st->kind == GSTEP_IPI && !st->wait)) {
                msg = g_strdup_printf("needs at least 2 participants (workload.participants is "
                                      "%u)", wl->participants);
            } else if (st->kind != GSTEP_BARRIER && st->to == IPI_TO_SEVERAL &&
                       st->nr_targets > others) {
                key = "to";
                msg = g_strdup_printf("expected {\"random\": N} with N at most %u (the other "
                                      "participants), got %u", others, st->nr_targets);
            } else if (st->kind == GSTEP_BARRIER && depth) {
                msg = g_strdup_printf("barrier while holding the lock taken at program[%u] "
                                      "would deadlock", held[depth - 1]);
            } else if (st->kind == GSTEP_BARRIER && wl->threads_per_vcpu > 1) {
                msg = g_strdup_printf("barrier steps need threads_per_vcpu 1, got %u (the "
                                      "barrier counts vCPUs, not threads)", wl->threads_per_vcpu);
            }
            break;
        }
        if (msg) {
            fail_wl(ld, wl, i, key, msg);
            g_free(msg);
            return false;
        }
    }
    if (depth) {
        fail_wl(ld, wl, held[depth - 1], NULL,
                "lock is never released (a pass must unlock every lock it takes)");
        return false;
    }
    if (!advances) {
        fail_wl(ld, wl, -1, NULL,
                "program never advances time (it needs a compute or sleep step with every 1 "
                "and a positive duration)");
        return false;
    }
    if (wl->threads_per_vcpu > 1 && !sleeps && !(wl->tick_hz && user_compute)) {
        /* The guest switches threads when one sleeps, or at a tick that
         * finds the running one in user mode (docs/model.md). */
        fail_wl(ld, wl, -1, NULL,
                "threads_per_vcpu > 1 needs a sleep step, or a guest tick (tick_hz) and a "
                "user-mode compute step outside locks (guest threads switch only when one "
                "sleeps or the tick preempts one in user mode, so otherwise only the first "
                "thread would ever run)");
        return false;
    }
    return true;
}

/*
 * "spin_retry" and "spin_loop_ns" of a workload whose lock_kind is set: the
 * s390 lock's loop count and pass cost.  They mean nothing to the other
 * lock kinds, so giving them there is an error rather than silently unused.
 */
static bool load_s390_lock_params(struct loader *ld, json_t *obj, struct scenario_workload *wl)
{
    static const char *const keys[] = {"spin_retry", "spin_loop_ns"};
    double x;
    long long n;

    for (unsigned int i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (wl->lock_kind != LOCK_S390 && json_object_get(obj, keys[i])) {
            gsize o = path_push_key(ld, keys[i]);

            fail(ld, "only used by lock_kind \"s390\" (lock_kind is \"%s\")",
                 lock_kind_names[wl->lock_kind]);
            path_pop(ld, o);
            return false;
        }
    }
    if (!get_int(ld, obj, "spin_retry", false, 0, MAX_SPIN_RETRY, DEFAULT_SPIN_RETRY, &n))
        return false;
    wl->spin_retry = (u32)n;
    if (!get_real(ld, obj, "spin_loop_ns", false, 0.0, true, MAX_SPIN_LOOP_NS,
                  DEFAULT_SPIN_LOOP_PS / 1000.0, &x))
        return false;
    wl->spin_loop_ps = (u64)llround(x * 1000.0);
    if (wl->spin_loop_ps == 0) {
        gsize o = path_push_key(ld, "spin_loop_ns");

        fail(ld, "%.15g rounds to 0 ps (expected at least 0.001 ns)", x);
        path_pop(ld, o);
        return false;
    }
    return true;
}

/* "workload" of VM @vm (whose vcpus is set), at the VM's path. */
static bool load_workload(struct loader *ld, json_t *vm_obj, const struct scenario *sc,
                          struct scenario_vm *vm)
{
    static const char *const general[] = {"lock_kind",      "participants",
                                          "spin_threshold", "spin_retry",
                                          "spin_loop_ns",   "handoff_ns",
                                          "resched_handler_ns", "timer_handler_ns",
                                          "threads_per_vcpu", "thread_switch_ns",
                                          "tick_hz"};
    const char *keys[2 + G_N_ELEMENTS(general) + PRESET_MAX_PARAMS + 1];
    const char *preset_names[G_N_ELEMENTS(presets)];
    double vals[PRESET_MAX_PARAMS];
    struct scenario_workload *wl = &vm->wl;
    const struct preset *ps = NULL;
    struct wl_builder b;
    json_t *obj, *jpreset, *jprog;
    unsigned int nk = 0, choice, def_participants;
    long long n;
    gsize old;
    bool ok = false;

    if (!get_member(ld, vm_obj, "workload", true, &obj))
        return false;
    old = path_push_key(ld, "workload");
    wlb_init(&b);
    if (!expect_object(ld, obj))
        goto out;
    jpreset = json_object_get(obj, "preset");
    jprog = json_object_get(obj, "program");
    if (jpreset && jprog) {
        fail(ld, "expected either \"preset\" or \"program\", got both");
        goto out;
    }
    if (jpreset) {
        for (unsigned int i = 0; i < G_N_ELEMENTS(presets); i++) {
            preset_names[i] = presets[i].name;
            if (json_is_string(jpreset) && strcmp(json_string_value(jpreset), presets[i].name) == 0)
                ps = &presets[i];
        }
        if (!ps) {
            gsize o2 = path_push_key(ld, "preset");

            fail_choice(ld, preset_names, G_N_ELEMENTS(presets), jpreset);
            path_pop(ld, o2);
            goto out;
        }
    }
    /* The keys allowed depend on the kind of workload (and the preset). */
    if (!jprog)
        keys[nk++] = "preset";
    if (!jpreset)
        keys[nk++] = "program";
    for (unsigned int i = 0; i < G_N_ELEMENTS(general); i++)
        keys[nk++] = general[i];
    for (unsigned int i = 0; ps && ps->params[i].name; i++)
        keys[nk++] = ps->params[i].name;
    keys[nk] = NULL;
    if (!check_keys(ld, obj, keys))
        goto out;
    if (!jpreset && !jprog) {
        fail(ld, "missing \"preset\" or \"program\" (a workload needs exactly one of them)");
        goto out;
    }

    if (!get_choice(ld, obj, "lock_kind", lock_kind_names, G_N_ELEMENTS(lock_kind_names),
                    sc->kvm.pv_unhalt ? LOCK_PV_QSPINLOCK : LOCK_TAS, &choice))
        goto out;
    wl->lock_kind = (enum lock_kind)choice;
    if (wl->lock_kind == LOCK_PV_QSPINLOCK && !sc->kvm.pv_unhalt) {
        gsize o2 = path_push_key(ld, "lock_kind");

        /* kvm_spinlock_init() leaves the PV slow path off without the feature. */
        fail(ld, "lock kind \"pv\" needs kvm.pv_unhalt (expected \"native\", \"tas\" or \"s390\", "
             "or set kvm.pv_unhalt to true)");
        path_pop(ld, o2);
        goto out;
    }
    def_participants = ps && ps->participants ? MIN(ps->participants, vm->vcpus) : vm->vcpus;
    if (!get_int(ld, obj, "participants", false, 1, vm->vcpus, def_participants, &n))
        goto out;
    wl->participants = (unsigned int)n;
    if (!get_int(ld, obj, "spin_threshold", false, 1, MAX_SPIN_THRESHOLD, DEFAULT_SPIN_THRESHOLD,
                 &n))
        goto out;
    wl->spin_threshold = (u32)n;
    if (!load_s390_lock_params(ld, obj, wl))
        goto out;
    if (!get_int(ld, obj, "handoff_ns", false, 0, MAX_HANDOFF_NS, DEFAULT_HANDOFF_NS, &n))
        goto out;
    wl->handoff_ns = (u64)n;
    if (!get_int(ld, obj, "resched_handler_ns", false, 0, MAX_HANDLER_NS,
                 DEFAULT_RESCHED_HANDLER_NS, &n))
        goto out;
    wl->resched_handler_ns = (u64)n;
    if (!get_int(ld, obj, "timer_handler_ns", false, 0, MAX_HANDLER_NS, DEFAULT_TIMER_HANDLER_NS,
                 &n))
        goto out;
    wl->timer_handler_ns = (u64)n;
    if (!get_int(ld, obj, "threads_per_vcpu", false, 1, MAX_THREADS_PER_VCPU, 1, &n))
        goto out;
    wl->threads_per_vcpu = (unsigned int)n;
    if (!get_int(ld, obj, "thread_switch_ns", false, 0, MAX_HANDLER_NS, DEFAULT_THREAD_SWITCH_NS,
                 &n))
        goto out;
    wl->thread_switch_ns = (u64)n;
    {
        json_t *v = json_object_get(obj, "tick_hz");

        wl->tick_hz = DEFAULT_GUEST_TICK_HZ;
        if (v) {
            gsize o2 = path_push_key(ld, "tick_hz");
            long long hz = json_is_integer(v) ? json_integer_value(v) : -1;

            if (hz != 0 && hz != 100 && hz != 250 && hz != 300 && hz != 1000) {
                fail_expected(ld, "one of 0 (no guest tick), 100, 250, 300, 1000", v);
                path_pop(ld, o2);
                goto out;
            }
            wl->tick_hz = (unsigned int)hz;
            path_pop(ld, o2);
        }
    }

    if (ps) {
        if (!load_preset_params(ld, obj, ps, vals))
            goto out;
        wl->preset = g_strdup(ps->name);
        ps->build(&b, vals);
    } else if (!load_guest_program(ld, jprog, &b)) {
        goto out;
    }
    wl->nr_steps = b.steps->len;
    wl->steps = (struct guest_step *)(void *)g_array_free(b.steps, FALSE);
    b.steps = NULL;
    wl->nr_locks = b.nr_locks;
    if (!check_program(ld, wl))
        goto out;
    ok = true;
out:
    wlb_destroy(&b);
    path_pop(ld, old);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* VMs                                                                      */

/* Append cgroup @path with the default shares unless it is declared (or
 * already implied); parents must have been added first. */
static void add_implied_cgroup(struct scenario *sc, GHashTable *known, const char *path)
{
    struct scenario_cgroup *cg;

    if (g_hash_table_contains(known, path))
        return;
    sc->cgroups = g_renew(struct scenario_cgroup, sc->cgroups, sc->nr_cgroups + 1);
    cg = &sc->cgroups[sc->nr_cgroups++];
    cg->path = g_strdup(path);
    cg->shares = DEFAULT_SHARES;
    /* Keys are borrowed from cg->path, which g_renew() does not move. */
    g_hash_table_insert(known, cg->path, GINT_TO_POINTER((int)sc->nr_cgroups));
}

/*
 * The cgroups of VM @vm when it gives none: "/machine/NAME" (count 1) or
 * "/machine/NAME.R" per replica, under "/machine", like libvirt's
 * machine.slice.  Checks the paths and appends those not declared.
 */
static bool add_vm_cgroups(struct loader *ld, struct scenario *sc, struct scenario_vm *vm,
                           GHashTable *known)
{
    for (unsigned int r = 0; r < vm->count; r++) {
        char *path = scenario_vm_replica_cgroup(vm, r);
        const char *problem = cgroup_path_problem(path);

        if (problem) {
            char *esc = g_strescape(vm->name, NULL);
            gsize old = path_push_key(ld, "name");

            fail(ld, "VM name \"%s\" gives the invalid cgroup path \"%s\" (%s); rename the VM "
                 "or give \"cgroup\"", esc, path, problem);
            path_pop(ld, old);
            g_free(esc);
            g_free(path);
            return false;
        }
        add_implied_cgroup(sc, known, "/machine");
        add_implied_cgroup(sc, known, path);
        g_free(path);
    }
    return true;
}

/*
 * libvirt's layout ("vcpu_cgroups": true): vCPU K of each replica runs in its
 * own child group "vcpuK" of the replica's group.  Appends the groups that
 * are not declared; a group may hold the vCPU of one VM only.
 */
static bool add_vcpu_cgroups(struct loader *ld, struct scenario *sc, struct scenario_vm *vm,
                             GHashTable *known, GHashTable *claimed)
{
    if (vm->count > 1 && !vm->cgroup_per_replica) {
        gsize old = path_push_key(ld, "vcpu_cgroups");

        fail(ld, "per-vCPU groups need a group per VM, but the %u replicas share \"%s\" "
             "(leave \"cgroup\" out to give each replica its own, or use count 1)",
             vm->count, vm->cgroup);
        path_pop(ld, old);
        return false;
    }
    for (unsigned int r = 0; r < vm->count; r++) {
        char *base = scenario_vm_replica_cgroup(vm, r);

        for (unsigned int k = 0; k < vm->vcpus; k++) {
            char *path = scenario_vcpu_cgroup(base, k);

            if (g_hash_table_contains(claimed, path)) {
                gsize old = path_push_key(ld, "vcpu_cgroups");

                fail(ld, "cgroup \"%s\" would hold vCPUs of two VMs (give each VM its own "
                     "\"cgroup\")", path);
                path_pop(ld, old);
                g_free(path);
                g_free(base);
                return false;
            }
            add_implied_cgroup(sc, known, path);
            g_hash_table_add(claimed, path);
        }
        g_free(base);
    }
    return true;
}

char *scenario_vm_replica_cgroup(const struct scenario_vm *vm, unsigned int r)
{
    if (vm->cgroup_per_replica && vm->count > 1)
        return g_strdup_printf("%s.%u", vm->cgroup, r);
    return g_strdup(vm->cgroup);
}

char *scenario_vcpu_cgroup(const char *vm_cgroup, unsigned int vcpu)
{
    if (strcmp(vm_cgroup, "/") == 0)
        return g_strdup_printf("/vcpu%u", vcpu);
    return g_strdup_printf("%s/vcpu%u", vm_cgroup, vcpu);
}

static bool load_vms(struct loader *ld, json_t *root, struct scenario *sc, GHashTable *cgroups,
                     GHashTable *names)
{
    static const char *const keys[] = {"name", "vcpus", "cgroup", "vcpu_cgroups", "cpus", "pin",
                                       "count", "nice", "start_us", "start_spread_us",
                                       "workload", NULL};
    g_autoptr(GHashTable) claimed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    json_t *arr = json_object_get(root, "vms");
    gsize old;
    bool ok = false;

    if (!arr)
        return true;
    old = path_push_key(ld, "vms");
    if (!json_is_array(arr)) {
        fail(ld, "expected an array of VMs, got %s", json_type_name(arr));
        goto out;
    }
    sc->nr_vms = (unsigned int)json_array_size(arr);
    if (!sc->nr_vms) {
        ok = true;
        goto out;
    }
    sc->vms = g_new0(struct scenario_vm, sc->nr_vms);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct scenario_vm *vm = &sc->vms[i];
        json_t *obj = json_array_get(arr, i);
        gsize o2 = path_push_index(ld, i);
        unsigned int pin;
        long long n;

        if (!expect_object(ld, obj) || !check_keys(ld, obj, keys))
            goto out;
        if (!get_string(ld, obj, "name", true, NULL, &vm->name))
            goto out;
        if (!task_name_ok(vm->name)) {
            char *esc = g_strescape(vm->name, NULL);

            path_push_key(ld, "name");
            fail(ld, "expected a non-empty name without \"/\", whitespace or control "
                 "characters, got \"%s\"", esc);
            g_free(esc);
            goto out;
        }
        if (!get_int(ld, obj, "vcpus", true, 1, VSCHED_MAX_VCPUS, 0, &n))
            goto out;
        vm->vcpus = (unsigned int)n;
        if (!get_string(ld, obj, "cgroup", false, NULL, &vm->cgroup))
            goto out;
        if (vm->cgroup && strcmp(vm->cgroup, "/") != 0 &&
            !g_hash_table_contains(cgroups, vm->cgroup)) {
            char *esc = g_strescape(vm->cgroup, NULL);

            path_push_key(ld, "cgroup");
            fail(ld, "cgroup \"%s\" is not declared (expected \"/\" or a path listed in "
                 "\"cgroups\"; leave \"cgroup\" out for the implied /machine/%s)", esc,
                 vm->name);
            g_free(esc);
            goto out;
        }
        if (!get_int(ld, obj, "count", false, 1, VM_MAX_COUNT, 1, &n))
            goto out;
        vm->count = (unsigned int)n;
        if (!get_int(ld, obj, "nice", false, -20, 19, 0, &n))
            goto out;
        vm->nice = (int)n;
        /* MODEL: real vCPU threads are created one after the other and VMs
         * are started at different times, so their phases against the host
         * tick and against each other are arbitrary.  Forking every vCPU at
         * the same instant instead makes the VMs start (and, if they never
         * block, stay) in lock-step; one tick of random spread by default
         * (docs/model.md, "Start of the vCPU threads"). */
        if (!get_ns(ld, obj, "start_us", false, 1e3, false, 0, &vm->start_ns) ||
            !get_ns(ld, obj, "start_spread_us", false, 1e3, false,
                    NSEC_PER_SEC / sc->kernel.hz, &vm->start_spread_ns))
            goto out;
        if (!load_cpus(ld, obj, sc->host.cpus, &vm->cpus))
            goto out;
        if (!get_choice(ld, obj, "pin", pin_names, G_N_ELEMENTS(pin_names), VM_PIN_NONE, &pin))
            goto out;
        vm->pin = (enum vm_pin)pin;
        if (!load_workload(ld, obj, sc, vm))
            goto out;
        if (!claim_names(ld, "VM", vm->name, vm->count, ld->path->str, names))
            goto out;
        if (!vm->cgroup) {
            vm->cgroup = g_strconcat("/machine/", vm->name, NULL);
            vm->cgroup_per_replica = true;
            if (!add_vm_cgroups(ld, sc, vm, cgroups))
                goto out;
        }
        /* MODEL: libvirt's per-vCPU groups, when asked for (default off:
         * all vCPU threads in the VM's group, as a plain QEMU launched into
         * one cgroup). */
        if (!get_bool(ld, obj, "vcpu_cgroups", false, &vm->vcpu_cgroups))
            goto out;
        if (vm->vcpu_cgroups && !add_vcpu_cgroups(ld, sc, vm, cgroups, claimed))
            goto out;
        path_pop(ld, o2);
    }
    ok = true;
out:
    path_pop(ld, old);
    return ok;
}

/* Fill @sc from the parsed document @root. */
static bool load_root(struct loader *ld, json_t *root, struct scenario *sc)
{
    static const char *const keys[] = {"version", "name",   "description", "seed",
                                       "duration_ms", "kernel", "host",    "kvm",
                                       "policy",  "cgroups", "tasks",      "vms",
                                       NULL};
    GHashTable *cgroups, *names;
    json_t *v, *vms;
    long long n;
    bool ok, need_tasks;

    if (!json_is_object(root)) {
        fail(ld, "expected a JSON object at the top level, got %s", json_type_name(root));
        return false;
    }
    /* The version first: a newer file may legitimately have keys we do not
     * know, and "unsupported version" is the useful message then. */
    if (!get_member(ld, root, "version", true, &v))
        return false;
    if (!json_is_integer(v) || json_integer_value(v) != SCENARIO_FORMAT_VERSION) {
        gsize old = path_push_key(ld, "version");

        if (json_is_integer(v))
            fail(ld, "unsupported format version %" JSON_INTEGER_FORMAT
                 " (this vsched reads version %d)", json_integer_value(v),
                 SCENARIO_FORMAT_VERSION);
        else
            fail_expected(ld, "the integer 1", v);
        path_pop(ld, old);
        return false;
    }
    if (!check_keys(ld, root, keys))
        return false;
    if (!get_string(ld, root, "name", true, NULL, &sc->name) ||
        !get_string(ld, root, "description", false, "", &sc->description))
        return false;
    if (!get_int(ld, root, "seed", false, 0, G_MAXINT64, 1, &n))
        return false;
    sc->seed = (u64)n;
    if (!get_ns(ld, root, "duration_ms", true, 1e6, true, 0, &sc->duration_ns))
        return false;
    if (!load_kernel(ld, root, &sc->kernel) || !load_host(ld, root, sc) ||
        !load_kvm(ld, root, &sc->kvm) || !load_policy(ld, root, &sc->policy))
        return false;

    /* Tasks are optional when there are VMs; a "vms" that is not an array
     * counts as VMs here so that its own error is the one reported. */
    vms = json_object_get(root, "vms");
    need_tasks = !vms || (json_is_array(vms) && json_array_size(vms) == 0);
    /* Keys borrowed from sc->cgroups[].path. */
    cgroups = g_hash_table_new(g_str_hash, g_str_equal);
    /* Task and VM names after replica expansion -> owner ("tasks[2]"). */
    names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    ok = load_cgroups(ld, root, sc, cgroups) &&
         load_tasks(ld, root, sc, cgroups, names, need_tasks) &&
         load_vms(ld, root, sc, cgroups, names);
    g_hash_table_destroy(names);
    g_hash_table_destroy(cgroups);
    return ok;
}

/* Takes ownership of @root (may be NULL after a syntax error, see caller). */
static struct scenario *load_json(json_t *root, const char *file, GError **error)
{
    struct scenario *sc = g_new0(struct scenario, 1);
    struct loader ld = {.file = file, .path = g_string_new(NULL), .error = error};
    bool ok;

    sc->file = g_strdup(file);
    ok = load_root(&ld, root, sc);
    g_string_free(ld.path, TRUE);
    json_decref(root);
    if (!ok) {
        scenario_free(sc);
        return NULL;
    }
    return sc;
}

/* Turn a jansson parse failure into our GError; @saved_errno is errno right
 * after json_load_file() (0 if unknown). */
static void set_json_error(const json_error_t *jerr, const char *file, int saved_errno,
                           GError **error)
{
    if (json_error_code(jerr) == json_error_cannot_open_file) {
        if (saved_errno)
            g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_IO,
                        "%s: cannot open the scenario file: %s", file, g_strerror(saved_errno));
        else
            g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_IO, "%s: %s", file,
                        jerr->text);
        return;
    }
    g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_SYNTAX,
                "%s:%d:%d: malformed JSON: %s", file, jerr->line, jerr->column, jerr->text);
}

struct scenario *scenario_load_file(const char *path, GError **error)
{
    json_error_t jerr;
    json_t *root;

    g_return_val_if_fail(path != NULL, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_IO,
                    "%s: is a directory, expected a scenario file", path);
        return NULL;
    }
    errno = 0;
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        set_json_error(&jerr, path, errno, error);
        return NULL;
    }
    return load_json(root, path, error);
}

struct scenario *scenario_load_string(const char *json, const char *name, GError **error)
{
    json_error_t jerr;
    json_t *root;

    g_return_val_if_fail(json != NULL, NULL);
    if (!name)
        name = "<string>";
    root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        set_json_error(&jerr, name, 0, error);
        return NULL;
    }
    return load_json(root, name, error);
}

struct scenario *scenario_load_default(void)
{
    GError *err = NULL;
    struct scenario *sc = scenario_load_string(default_json, "<default>", &err);

    if (!sc)
        g_printerr("embedded default scenario: %s\n", err->message);
    SIM_BUG_ON(sc == NULL); /* the embedded text is part of the program */
    return sc;
}

void scenario_free(struct scenario *sc)
{
    if (!sc)
        return;
    for (unsigned int i = 0; sc->cgroups && i < sc->nr_cgroups; i++)
        g_free(sc->cgroups[i].path);
    g_free(sc->cgroups);
    for (unsigned int i = 0; sc->tasks && i < sc->nr_tasks; i++) {
        g_free(sc->tasks[i].name);
        g_free(sc->tasks[i].cgroup);
        g_free(sc->tasks[i].program);
    }
    g_free(sc->tasks);
    for (unsigned int i = 0; sc->vms && i < sc->nr_vms; i++) {
        g_free(sc->vms[i].name);
        g_free(sc->vms[i].cgroup);
        g_free(sc->vms[i].wl.preset);
        g_free(sc->vms[i].wl.steps);
    }
    g_free(sc->vms);
    g_free(sc->policy.yield_to);
    g_free(sc->policy.directed_yield);
    g_free(sc->file);
    g_free(sc->name);
    g_free(sc->description);
    g_free(sc);
}

/* ------------------------------------------------------------------------ */
/* canonical form and hash                                                  */

static json_t *ju64(u64 v)
{
    return json_integer((json_int_t)v);
}

static json_t *cpumask_json(const struct cpumask *m)
{
    json_t *cpus = json_array();

    for (unsigned int c = 0; c < VSCHED_MAX_CPUS; c++)
        if (cpumask_test_cpu(c, m))
            json_array_append_new(cpus, json_integer(c));
    return cpus;
}

static json_t *kvm_canonical_json(const struct scenario_kvm *k)
{
    json_t *o = json_object();

    for (unsigned int i = 0; i < G_N_ELEMENTS(kvm_int_keys); i++) {
        const struct kvm_int_key *d = &kvm_int_keys[i];
        const char *field = (const char *)k + d->off;
        u64 v = d->is_u64 ? *(const u64 *)(const void *)field : *(const u32 *)(const void *)field;

        json_object_set_new(o, d->key, ju64(v));
    }
    for (unsigned int i = 0; i < G_N_ELEMENTS(kvm_bool_keys); i++)
        json_object_set_new(o, kvm_bool_keys[i].key,
                            json_boolean(*(const bool *)(const void *)((const char *)k +
                                                                     kvm_bool_keys[i].off)));
    json_object_set_new(o, "apicv", json_string(apicv_names[k->apicv]));
    /* Only when set, so that scenarios written before it keep their hash. */
    if (k->pv_eoi)
        json_object_set_new(o, "pv_eoi", json_true());
    return o;
}

/* NULL policy names are the defaults, written as "mainline" so that naming
 * the default explicitly keeps the hash. */
static json_t *policy_canonical_json(const struct scenario_policy *pol)
{
    json_t *o = json_object();

    json_object_set_new(o, "yield_to", json_string(pol->yield_to ? pol->yield_to : "mainline"));
    json_object_set_new(o, "directed_yield",
                        json_string(pol->directed_yield ? pol->directed_yield : "mainline"));
    json_object_set_new(o, "vcpu_debooster_enabled", json_boolean(pol->vcpu_debooster_enabled));
    json_object_set_new(o, "ipi_tracking_enabled", json_boolean(pol->ipi_tracking_enabled));
    json_object_set_new(o, "ipi_window_ns", ju64(pol->ipi_window_ns));
    json_object_set_new(o, "enable_relaxed_boost", json_boolean(pol->enable_relaxed_boost));
    return o;
}

/* Every field of every step, whether or not its kind uses it (the loader
 * leaves unused fields zero), so that nothing can escape the hash. */
static json_t *guest_step_canonical_json(const struct guest_step *st)
{
    json_t *o = json_pack("{ss s{sssIsIsf} sb sI sI ss sI sb sI sI}",
                     "op", gstep_names[st->kind],
                     "dist", "kind", dist_kind_names[st->d.kind], "a_ns", (json_int_t)st->d.a_ns,
                     "b_ns", (json_int_t)st->d.b_ns, "sigma", st->d.sigma,
                     "kernel", st->kernel,
                     "lock", (json_int_t)st->lock,
                     "spread", (json_int_t)st->spread,
                     "to", ipi_dest_names[st->to],
                     "nr_targets", (json_int_t)st->nr_targets,
                     "wait", st->wait,
                     "handler_ns", (json_int_t)st->handler_ns,
                     "every", (json_int_t)st->every);

    /* Only when set, so that adding the key kept every other scenario's hash. */
    if (st->freed_tables)
        json_object_set_new(o, "freed_tables", json_true());
    return o;
}

static json_t *vm_canonical_json(const struct scenario_vm *vm)
{
    const struct scenario_workload *wl = &vm->wl;
    json_t *o = json_object(), *w = json_object(), *steps = json_array();

    json_object_set_new(o, "name", json_string(vm->name));
    json_object_set_new(o, "vcpus", json_integer(vm->vcpus));
    json_object_set_new(o, "cgroup", json_string(vm->cgroup));
    json_object_set_new(o, "cgroup_per_replica", json_boolean(vm->cgroup_per_replica));
    /* Only when set, so that adding the key kept every other scenario's hash. */
    if (vm->vcpu_cgroups)
        json_object_set_new(o, "vcpu_cgroups", json_true());
    json_object_set_new(o, "cpus", cpumask_json(&vm->cpus));
    json_object_set_new(o, "pin", json_string(pin_names[vm->pin]));
    json_object_set_new(o, "count", json_integer(vm->count));
    json_object_set_new(o, "nice", json_integer(vm->nice));
    json_object_set_new(o, "start_ns", ju64(vm->start_ns));
    json_object_set_new(o, "start_spread_ns", ju64(vm->start_spread_ns));

    json_object_set_new(w, "preset", wl->preset ? json_string(wl->preset) : json_null());
    json_object_set_new(w, "lock_kind", json_string(lock_kind_names[wl->lock_kind]));
    json_object_set_new(w, "participants", json_integer(wl->participants));
    json_object_set_new(w, "spin_threshold", json_integer(wl->spin_threshold));
    /* Only where they are used, so that adding them kept every other
     * scenario's hash. */
    if (wl->lock_kind == LOCK_S390) {
        json_object_set_new(w, "spin_retry", json_integer(wl->spin_retry));
        json_object_set_new(w, "spin_loop_ps", ju64(wl->spin_loop_ps));
    }
    json_object_set_new(w, "handoff_ns", ju64(wl->handoff_ns));
    json_object_set_new(w, "resched_handler_ns", ju64(wl->resched_handler_ns));
    json_object_set_new(w, "timer_handler_ns", ju64(wl->timer_handler_ns));
    json_object_set_new(w, "tick_hz", json_integer(wl->tick_hz));
    /* Only when set, so that adding them kept every other scenario's hash. */
    if (wl->threads_per_vcpu > 1) {
        json_object_set_new(w, "threads_per_vcpu", json_integer(wl->threads_per_vcpu));
        json_object_set_new(w, "thread_switch_ns", ju64(wl->thread_switch_ns));
    }
    json_object_set_new(w, "nr_locks", json_integer(wl->nr_locks));
    for (unsigned int s = 0; s < wl->nr_steps; s++)
        json_array_append_new(steps, guest_step_canonical_json(&wl->steps[s]));
    json_object_set_new(w, "steps", steps);
    json_object_set_new(o, "workload", w);
    return o;
}

/*
 * The scenario as JSON with every default written out and times in ns.  It
 * leaves out "file" (where it was loaded from), "description" and comments,
 * which annotate a scenario without changing what is simulated, so moving
 * or re-documenting a file keeps its hash.
 */
static json_t *scenario_canonical_json(const struct scenario *sc)
{
    json_t *root = json_object(), *kernel = json_object(), *feat = json_object();
    json_t *host = json_object(), *cgroups = json_array(), *tasks = json_array();
    json_t *vms = json_array();

    json_object_set_new(root, "version", json_integer(SCENARIO_FORMAT_VERSION));
    json_object_set_new(root, "name", json_string(sc->name ? sc->name : ""));
    json_object_set_new(root, "seed", ju64(sc->seed));
    json_object_set_new(root, "duration_ns", ju64(sc->duration_ns));

    json_object_set_new(kernel, "profile", json_string(kernel_profile_name(sc->kernel.profile)));
    json_object_set_new(kernel, "hz", json_integer(sc->kernel.hz));
    json_object_set_new(kernel, "base_slice_ns", ju64(sc->kernel.base_slice_ns));
    json_object_set_new(kernel, "tunable_scaling",
                        json_string((unsigned int)sc->kernel.scaling < G_N_ELEMENTS(scaling_names)
                                        ? scaling_names[sc->kernel.scaling]
                                        : "?"));
    json_object_set_new(kernel, "timer_slack_ns", ju64(sc->kernel.timer_slack_ns));
    /* Only when set, so that the hashes of existing scenarios stay. */
    if (sc->kernel.skew_tick)
        json_object_set_new(kernel, "skew_tick", json_true());
    if (sc->kernel.flat_pick)
        json_object_set_new(kernel, "pick", json_string("flat"));
    if (sc->kernel.reweight_rescale)
        json_object_set_new(kernel, "reweight", json_string("rescale"));
    for (int i = 0; i < SF_NR; i++)
        json_object_set_new(feat, sched_feat_names[i], json_boolean(sc->kernel.feat[i]));
    json_object_set_new(kernel, "features", feat);
    json_object_set_new(root, "kernel", kernel);

    json_object_set_new(host, "cpus", json_integer(sc->host.cpus));
    json_object_set_new(host, "balance_interval_ns", ju64(sc->host.balance_interval_ns));
    json_object_set_new(host, "newidle_balance", json_boolean(sc->host.newidle_balance));
    json_object_set_new(host, "cpu_ghz", json_real(sc->cpu_ghz));
    json_object_set_new(host, "pause_cycles", json_integer(sc->pause_cycles));
    json_object_set_new(root, "host", host);
    json_object_set_new(root, "kvm", kvm_canonical_json(&sc->kvm));
    json_object_set_new(root, "policy", policy_canonical_json(&sc->policy));

    for (unsigned int i = 0; i < sc->nr_cgroups; i++) {
        json_t *cg = json_object();

        json_object_set_new(cg, "path", json_string(sc->cgroups[i].path));
        json_object_set_new(cg, "shares", json_integer((json_int_t)sc->cgroups[i].shares));
        json_array_append_new(cgroups, cg);
    }
    json_object_set_new(root, "cgroups", cgroups);

    for (unsigned int i = 0; i < sc->nr_tasks; i++) {
        const struct scenario_task *t = &sc->tasks[i];
        json_t *jt = json_object(), *cpus = json_array(), *prog = json_array();

        json_object_set_new(jt, "name", json_string(t->name));
        json_object_set_new(jt, "cgroup", json_string(t->cgroup));
        json_object_set_new(jt, "nice", json_integer(t->nice));
        json_object_set_new(jt, "count", json_integer(t->count));
        for (unsigned int c = 0; c < VSCHED_MAX_CPUS; c++)
            if (cpumask_test_cpu(c, &t->cpus))
                json_array_append_new(cpus, json_integer(c));
        json_object_set_new(jt, "cpus", cpus);
        for (unsigned int s = 0; s < t->nr_steps; s++) {
            const struct task_step *st = &t->program[s];

            switch (st->kind) {
            case STEP_RUN:
                /* clock_poll_ns only when set, so that scenarios without it
                 * keep their hash */
                if (st->clock_poll_ns)
                    json_array_append_new(prog, json_pack("{sIsI}", "run_ns", (json_int_t)st->ns,
                                                          "clock_poll_ns",
                                                          (json_int_t)st->clock_poll_ns));
                else
                    json_array_append_new(prog, json_pack("{sI}", "run_ns", (json_int_t)st->ns));
                break;
            case STEP_SLEEP:
                json_array_append_new(prog, json_pack("{sI}", "sleep_ns", (json_int_t)st->ns));
                break;
            case STEP_YIELD:
                json_array_append_new(prog, json_pack("{sb}", "yield", 1));
                break;
            }
        }
        json_object_set_new(jt, "program", prog);
        json_array_append_new(tasks, jt);
    }
    json_object_set_new(root, "tasks", tasks);

    for (unsigned int i = 0; i < sc->nr_vms; i++)
        json_array_append_new(vms, vm_canonical_json(&sc->vms[i]));
    json_object_set_new(root, "vms", vms);
    return root;
}

u64 scenario_hash(const struct scenario *sc)
{
    json_t *root = scenario_canonical_json(sc);
    char *text = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
    u64 h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */

    SIM_BUG_ON(text == NULL);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL; /* FNV 64 prime */
    }
    free(text);
    json_decref(root);
    return h;
}

/* ------------------------------------------------------------------------ */
/* command-line policy overrides                                            */

static bool parse_bool_word(const char *v, bool *out)
{
    if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static char *policy_names(bool yield_side)
{
    GString *s = g_string_new(NULL);

    if (yield_side)
        for (unsigned int i = 0; yield_to_policies[i]; i++)
            g_string_append_printf(s, "%s%s", i ? ", " : "", yield_to_policies[i]->name);
    else
        for (unsigned int i = 0; dy_policies[i]; i++)
            g_string_append_printf(s, "%s%s", i ? ", " : "", dy_policies[i]->name);
    return g_string_free(s, FALSE);
}

bool scenario_apply_policy_override(struct scenario *sc, const char *kv, GError **error)
{
    const char *eq = strchr(kv, '=');
    char *key, *names;
    const char *val;
    bool b, ok = true;

    if (!eq || eq == kv) {
        g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID,
                    "--policy: expected KEY=VALUE (e.g. yield_to=deboost-v2), got \"%s\"", kv);
        return false;
    }
    key = g_strndup(kv, (gsize)(eq - kv));
    val = eq + 1;
    if (!strcmp(key, "yield_to") || !strcmp(key, "directed_yield")) {
        bool ys = key[0] == 'y';

        if (ys ? !yield_to_policy_find(val) : !dy_policy_find(val)) {
            names = policy_names(ys);
            g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID,
                        "--policy %s: unknown policy \"%s\" (expected one of %s)", key, val,
                        names);
            g_free(names);
            ok = false;
        } else if (ys) {
            g_free(sc->policy.yield_to);
            sc->policy.yield_to = g_strdup(val);
        } else {
            g_free(sc->policy.directed_yield);
            sc->policy.directed_yield = g_strdup(val);
        }
    } else if (!strcmp(key, "vcpu_debooster_enabled") || !strcmp(key, "ipi_tracking_enabled") ||
               !strcmp(key, "enable_relaxed_boost")) {
        if (!parse_bool_word(val, &b)) {
            g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID,
                        "--policy %s: expected 0/1/true/false, got \"%s\"", key, val);
            ok = false;
        } else if (key[0] == 'v') {
            sc->policy.vcpu_debooster_enabled = b;
        } else if (key[0] == 'i') {
            sc->policy.ipi_tracking_enabled = b;
        } else {
            sc->policy.enable_relaxed_boost = b;
        }
    } else if (!strcmp(key, "ipi_window_ns")) {
        guint64 v;

        if (!g_ascii_string_to_unsigned(val, 10, 1, 10000000000ULL, &v, NULL)) {
            g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID,
                        "--policy ipi_window_ns: expected an integer 1..10000000000, got \"%s\"",
                        val);
            ok = false;
        } else {
            sc->policy.ipi_window_ns = v;
        }
    } else {
        g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_INVALID,
                    "--policy: unknown key \"%s\" (expected yield_to, directed_yield, "
                    "vcpu_debooster_enabled, ipi_tracking_enabled, ipi_window_ns or "
                    "enable_relaxed_boost)",
                    key);
        ok = false;
    }
    g_free(key);
    return ok;
}
