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
 * bits of kernel/sched/features.h; see include/vsched/scenario.h.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <jansson.h>

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

/* ------------------------------------------------------------------------ */
/* the embedded default scenario                                           */

static const char default_json[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Foundation default: two cgroups (/A shares 1024, /B shares 256)"
    " sharing 2 CPUs with unpinned tasks, plus a periodic sleeper and a yielder.\",\n"
    "  \"seed\": 1,\n"
    "  \"duration_ms\": 2000,\n"
    "  \"kernel\": {\"profile\": \"6.18\", \"hz\": 250},\n"
    "  \"host\": {\"cpus\": 2},\n"
    "  \"cgroups\": [\n"
    "    {\"path\": \"/A\", \"shares\": 1024},\n"
    "    {\"path\": \"/B\", \"shares\": 256}\n"
    "  ],\n"
    "  \"tasks\": [\n"
    "    {\"name\": \"a\", \"cgroup\": \"/A\", \"program\": [{\"run_us\": 1000000}]},\n"
    "    {\"name\": \"b\", \"cgroup\": \"/B\", \"count\": 2, \"program\": [{\"run_us\": 1000000}]},\n"
    "    {\"name\": \"d\", \"program\": [{\"run_us\": 3000}, {\"sleep_us\": 1000}]},\n"
    "    {\"name\": \"y\", \"program\": [{\"run_us\": 5.6}, {\"yield\": true}]}\n"
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

/* ------------------------------------------------------------------------ */
/* sections                                                                 */

static bool load_kernel(struct loader *ld, json_t *root, struct scenario_kernel *k)
{
    static const char *const keys[] = {"profile",        "hz",       "base_slice_ns",
                                       "tunable_scaling", "timer_slack_ns", "features",
                                       NULL};
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

    v = json_object_get(obj, "tunable_scaling");
    if (v) {
        gsize o2 = path_push_key(ld, "tunable_scaling");
        bool found = false;

        for (unsigned int i = 0; i < G_N_ELEMENTS(scaling_names); i++) {
            if (json_is_string(v) && strcmp(json_string_value(v), scaling_names[i]) == 0) {
                k->scaling = (enum tunable_scaling)i;
                found = true;
            }
        }
        if (!found) {
            if (json_is_string(v)) {
                char *esc = g_strescape(json_string_value(v), NULL);

                fail(ld, "expected one of \"none\", \"log\", \"linear\", got \"%s\"", esc);
                g_free(esc);
            } else {
                fail(ld, "expected one of \"none\", \"log\", \"linear\", got %s",
                     json_type_name(v));
            }
            path_pop(ld, o2);
            goto out;
        }
        path_pop(ld, o2);
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

static bool load_host(struct loader *ld, json_t *root, struct scenario_host *h)
{
    static const char *const keys[] = {"cpus", "balance_interval_ms", "newidle_balance", NULL};
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
    ok = true;
out:
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

static bool load_program(struct loader *ld, json_t *obj, struct scenario_task *t)
{
    static const char *const keys[] = {"run_us", "run_ns", "sleep_us", "sleep_ns", "yield", NULL};
    static const char *const kinds = "run_us, run_ns, sleep_us, sleep_ns, yield";
    json_t *arr;
    u64 total_ns = 0;
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

        if (!json_is_object(step)) {
            fail(ld, "expected an object with exactly one of %s, got %s", kinds,
                 json_type_name(step));
            goto out;
        }
        if (!check_keys(ld, step, keys))
            goto out;
        for (const char *const *k = keys; *k; k++) {
            if (json_object_get(step, *k)) {
                kind = *k;
                nr_kinds++;
            }
        }
        if (nr_kinds != 1) {
            fail(ld, "expected exactly one of %s", kinds);
            goto out;
        }
        v = json_object_get(step, kind);
        path_push_key(ld, kind);
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
        path_pop(ld, o2);
    }
    if (total_ns == 0) {
        fail(ld, "program never advances time (its run and sleep steps add up to 0 ns)");
        goto out;
    }
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
 * Record the names task @t (tasks[@idx]) will have in the simulation in
 * @names (name -> GINT_TO_POINTER(idx + 1)) and fail on a clash.
 */
static bool claim_task_names(struct loader *ld, const struct scenario_task *t, size_t idx,
                             GHashTable *names)
{
    for (unsigned int r = 0; r < t->count; r++) {
        char *n = t->count > 1 ? g_strdup_printf("%s.%u", t->name, r) : g_strdup(t->name);
        gpointer other = g_hash_table_lookup(names, n);

        if (other) {
            gsize old = path_push_key(ld, "name");

            if (t->count > 1)
                fail(ld, "task name \"%s\" (replica %u of \"%s\", count %u) clashes with a task "
                     "of tasks[%d]", n, r, t->name, t->count, GPOINTER_TO_INT(other) - 1);
            else
                fail(ld, "duplicate task name \"%s\" (also used by tasks[%d])", n,
                     GPOINTER_TO_INT(other) - 1);
            path_pop(ld, old);
            g_free(n);
            return false;
        }
        g_hash_table_insert(names, n, GINT_TO_POINTER((int)idx + 1));
    }
    return true;
}

static bool load_tasks(struct loader *ld, json_t *root, struct scenario *sc, GHashTable *cgroups)
{
    static const char *const keys[] = {"name", "cgroup", "nice", "count", "cpus", "program",
                                       NULL};
    GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    json_t *arr;
    gsize old;
    bool ok = false;

    if (!get_member(ld, root, "tasks", true, &arr)) {
        g_hash_table_destroy(names);
        return false;
    }
    old = path_push_key(ld, "tasks");
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        if (json_is_array(arr))
            fail(ld, "expected a non-empty array of tasks, got an empty array");
        else
            fail(ld, "expected a non-empty array of tasks, got %s", json_type_name(arr));
        goto out;
    }
    sc->nr_tasks = (unsigned int)json_array_size(arr);
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
        if (!claim_task_names(ld, t, i, names))
            goto out;
        path_pop(ld, o2);
    }
    ok = true;
out:
    g_hash_table_destroy(names);
    path_pop(ld, old);
    return ok;
}

/* Fill @sc from the parsed document @root. */
static bool load_root(struct loader *ld, json_t *root, struct scenario *sc)
{
    static const char *const keys[] = {"version", "name", "description", "seed", "duration_ms",
                                       "kernel",  "host", "cgroups",     "tasks", NULL};
    GHashTable *cgroups;
    json_t *v;
    long long n;
    bool ok;

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
    if (!load_kernel(ld, root, &sc->kernel) || !load_host(ld, root, &sc->host))
        return false;

    /* Keys borrowed from sc->cgroups[].path. */
    cgroups = g_hash_table_new(g_str_hash, g_str_equal);
    ok = load_cgroups(ld, root, sc, cgroups) && load_tasks(ld, root, sc, cgroups);
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
    for (int i = 0; i < SF_NR; i++)
        json_object_set_new(feat, sched_feat_names[i], json_boolean(sc->kernel.feat[i]));
    json_object_set_new(kernel, "features", feat);
    json_object_set_new(root, "kernel", kernel);

    json_object_set_new(host, "cpus", json_integer(sc->host.cpus));
    json_object_set_new(host, "balance_interval_ns", ju64(sc->host.balance_interval_ns));
    json_object_set_new(host, "newidle_balance", json_boolean(sc->host.newidle_balance));
    json_object_set_new(root, "host", host);

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
