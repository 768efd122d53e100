/*
 * src/io/trace.c - streaming event traces (include/vsched/trace.h): ftrace
 * text and Chrome Trace Event Format JSON, written while the simulation runs.
 *
 * What it mirrors: the ftrace text layout of kernel/trace/trace_output.c
 * (trace_print_context: "%16s-%-7d [%03d] <5 flag chars> <secs>.<frac>: "),
 * with the timestamp at nanosecond precision as "trace-cmd report -t" prints
 * it; the TP_printk formats of sched_switch, sched_waking, sched_wakeup and
 * sched_wakeup_new (include/trace/events/sched.h), and of kvm_exit,
 * kvm_entry (6.13+ form), kvm_msr and kvm_hypercall (arch/x86/kvm/trace.h).
 * Events KVM has no tracepoint for are vsched_* with key=value fields.
 *
 * What it leaves out: the flag characters are fixed per event ("d..2." for
 * the scheduler, "d..1." for KVM, "....." for vsched_*) and carry no
 * information; rip, exit qualifications and intr_info are 0; comms are not
 * cut at 15 characters (spaces and '=' in names become '_', so that every
 * field stays one key=value token).  The waker of sched_waking is not
 * tracked: the line's task is the one running on the target CPU.
 *
 * Memory: one output buffer per file (TRACE_BUF_BYTES) plus one line buffer;
 * names are formatted once at open.  Nothing grows with the trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vsched/guest.h"
#include "vsched/kvm.h"
#include "vsched/sim.h"
#include "vsched/trace.h"
#include "vsched/version.h"

#define TRACE_BUF_BYTES (1U << 20)
/* Bytes kept free below the limit for the truncation note and the footer
 * (plus the escaped scenario name, added at open). */
#define TRACE_RESERVE_BYTES 768U

/* Chrome JSON: host CPU n is process n + 1 with two threads. */
#define CHROME_PID(cpu) ((cpu) + 1)
#define CHROME_TID_TASKS(cpu) (((cpu) + 1) * 1000 + 1)
#define CHROME_TID_EVENTS(cpu) (((cpu) + 1) * 1000 + 2)

/* One output file. */
struct trace_sink {
    enum trace_format kind;       /* TRACE_FORMAT_FTRACE or _CHROME */
    int fd;                       /* the temporary file, -1 once closed */
    char *path;                   /* final name */
    char *tmp_path;               /* temporary name in the same directory */
    char *buf;                    /* [TRACE_BUF_BYTES] pending output */
    size_t len;                   /* bytes pending in buf */
    u64 bytes;                    /* bytes produced so far (written + pending) */
    u64 limit;                    /* stop before the file would exceed this */
    u64 reserve;                  /* kept free for the note and the footer */
    bool on;                      /* still accepting events */
    bool truncated;               /* stopped at the limit */
    int err;                      /* first errno of a failed write, 0 = none */
    u64 nr_items;                 /* Chrome: array elements written (for the commas) */
    u64 nr_events;                /* events written (lines / array elements) */
};

/* What a CPU is running, for the Chrome stints. */
struct trace_cpu {
    struct task_struct *curr;     /* NULL = idle */
    u64 since;                    /* when it got the CPU */
};

struct trace {
    struct sim *sim;              /* borrowed */
    struct trace_sink *ft;        /* ftrace sink or NULL (points into sinks) */
    struct trace_sink *ch;        /* Chrome sink or NULL */
    struct trace_sink sinks[2];
    unsigned int nr_sinks;
    unsigned int nr_pids;         /* size of the name arrays (max pid + 1) */
    char **comm;                  /* [nr_pids] ftrace-safe task names, by pid */
    char **jname;                 /* [nr_pids] JSON-escaped task names, by pid */
    char **vm_comm;               /* [nr_pids] ftrace-safe VM name of a vCPU, by pid (or NULL) */
    char **idle_comm;             /* [nr_cpus] "swapper/N" */
    char *scen_comm;              /* ftrace-safe scenario name (header) */
    struct trace_cpu *cpus;       /* [nr_cpus] */
    char *ln;                     /* line being formatted */
    size_t ln_len, ln_cap;
    u64 nr_events;                /* events written, all sinks */
};

/* ---- names ---- */

/* ftrace comm: every byte that would split a key=value token becomes '_'. */
static char *ftrace_safe(const char *s)
{
    char *r = g_strdup(s && *s ? s : "?");

    for (char *c = r; *c; c++)
        if (*c == ' ' || *c == '=' || *c == '\t' || (unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '_';
    return r;
}

/* A JSON string literal's contents (without the quotes). */
static char *json_escape(const char *s)
{
    char *valid = g_utf8_make_valid(s ? s : "", -1);
    GString *o = g_string_sized_new(strlen(valid) + 8);

    for (const char *c = valid; *c; c++) {
        unsigned char u = (unsigned char)*c;

        if (u == '"' || u == '\\') {
            g_string_append_c(o, '\\');
            g_string_append_c(o, (char)u);
        } else if (u < 0x20) {
            g_string_append_printf(o, "\\u%04x", u);
        } else {
            g_string_append_c(o, (char)u);
        }
    }
    g_free(valid);
    return g_string_free(o, FALSE);
}

/* ---- sinks ---- */

static void sink_flush(struct trace_sink *s)
{
    size_t done = 0;

    while (s->err == 0 && done < s->len) {
        ssize_t n = write(s->fd, s->buf + done, s->len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->err = errno;
            s->on = false;
            break;
        }
        done += (size_t)n;
    }
    s->len = 0;
}

/* Append raw bytes, ignoring the limit (header, note, footer). */
static void sink_put(struct trace_sink *s, const char *data, size_t n)
{
    if (s->err)
        return;
    s->bytes += n;
    while (n) {
        size_t room = TRACE_BUF_BYTES - s->len, k = n < room ? n : room;

        memcpy(s->buf + s->len, data, k);
        s->len += k;
        data += k;
        n -= k;
        if (s->len == TRACE_BUF_BYTES)
            sink_flush(s);
    }
}

static void sink_truncate(struct trace *t, struct trace_sink *s);

/* Append one event, or stop the sink if it would cross the limit. */
static bool sink_event(struct trace *t, struct trace_sink *s, const char *data, size_t n)
{
    if (!s->on)
        return false;
    if (s->bytes + n + s->reserve > s->limit) {
        sink_truncate(t, s);
        return false;
    }
    sink_put(s, data, n);
    return true;
}

/* ---- the line buffer ---- */

static void ln_reset(struct trace *t)
{
    t->ln_len = 0;
}

static void G_GNUC_PRINTF(2, 3) ln_add(struct trace *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        size_t room = t->ln_cap - t->ln_len;

        va_start(ap, fmt);
        n = g_vsnprintf(t->ln + t->ln_len, room, fmt, ap);
        va_end(ap);
        SIM_BUG_ON(n < 0);
        if ((size_t)n < room)
            break;
        t->ln_cap = 2 * t->ln_cap + (size_t)n;
        t->ln = g_realloc(t->ln, t->ln_cap);
    }
    t->ln_len += (size_t)n;
}

/* Make room for @n more bytes. */
static void ln_reserve(struct trace *t, size_t n)
{
    if (t->ln_len + n >= t->ln_cap) {
        t->ln_cap = 2 * t->ln_cap + n;
        t->ln = g_realloc(t->ln, t->ln_cap);
    }
}

static void ln_mem(struct trace *t, const char *s, size_t n)
{
    ln_reserve(t, n);
    memcpy(t->ln + t->ln_len, s, n);
    t->ln_len += n;
}

/*
 * @v in decimal, at least @width characters: zero-padded (@pad '0'), or
 * padded with spaces on the left (@pad ' ') or on the right (@pad '-').
 * The hot path of every line; printf costs several times more.
 */
static void ln_uint(struct trace *t, u64 v, unsigned int width, char pad)
{
    char d[24];
    unsigned int n = 0;

    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ln_reserve(t, n + width);
    for (unsigned int i = n; pad != '-' && i < width; i++)
        t->ln[t->ln_len++] = pad;
    for (unsigned int i = n; i > 0; i--)
        t->ln[t->ln_len++] = d[i - 1];
    for (unsigned int i = n; pad == '-' && i < width; i++)
        t->ln[t->ln_len++] = ' ';
}

/* Emit the line buffer as one event of @s. */
static void ln_emit(struct trace *t, struct trace_sink *s)
{
    if (sink_event(t, s, t->ln, t->ln_len)) {
        s->nr_events++;
        t->nr_events++;
    }
}

/* ---- ftrace text ---- */

static const char *comm_of(struct trace *t, struct task_struct *p, unsigned int cpu)
{
    if (!p)
        return t->idle_comm[cpu];
    return p->pid < t->nr_pids && t->comm[p->pid] ? t->comm[p->pid] : "?";
}

static const char *jname_of(struct trace *t, struct task_struct *p)
{
    return p->pid < t->nr_pids && t->jname[p->pid] ? t->jname[p->pid] : "?";
}

/* "   <comm>-<pid> [<cpu>] <flags> <s>.<ns>: <event>: " for task @ctx
 * (NULL = the idle task, printed "<idle>-0" as ftrace does) on @cpu. */
static void ft_begin(struct trace *t, struct task_struct *ctx, unsigned int cpu,
                     const char *flags, const char *event)
{
    const char *comm = ctx ? comm_of(t, ctx, cpu) : "<idle>";
    size_t n = strlen(comm);
    u64 now = sim_now(t->sim);

    /* "%16s-%-7d [%03d] %s %5llu.%09llu: %s: " */
    ln_reset(t);
    ln_reserve(t, 16);
    for (; n < 16; n++)
        t->ln[t->ln_len++] = ' ';
    ln_mem(t, comm, strlen(comm));
    ln_mem(t, "-", 1);
    ln_uint(t, ctx ? ctx->pid : 0U, 7, '-');
    ln_mem(t, " [", 2);
    ln_uint(t, cpu, 3, '0');
    ln_mem(t, "] ", 2);
    ln_mem(t, flags, strlen(flags));
    ln_mem(t, " ", 1);
    ln_uint(t, now / NSEC_PER_SEC, 5, ' ');
    ln_mem(t, ".", 1);
    ln_uint(t, now % NSEC_PER_SEC, 9, '0');
    ln_mem(t, ": ", 2);
    ln_mem(t, event, strlen(event));
    ln_mem(t, ": ", 2);
}

static void ft_end(struct trace *t)
{
    ln_add(t, "\n");
    ln_emit(t, t->ft);
}

/* ---- Chrome JSON ---- */

/* Microseconds with nanosecond precision, e.g. 12345.678. */
#define US_FMT "%llu.%03llu"
#define US_ARGS(ns) (unsigned long long)((ns) / 1000), (unsigned long long)((ns) % 1000)

static void ch_begin(struct trace *t)
{
    ln_reset(t);
    ln_add(t, "%s", t->ch->nr_items ? ",\n" : "");
}

static void ch_end(struct trace *t)
{
    ln_add(t, "}");
    if (sink_event(t, t->ch, t->ln, t->ln_len)) {
        t->ch->nr_items++;
        t->ch->nr_events++;
        t->nr_events++;
    }
}

/* An instant event on @cpu's "events" thread; the caller adds ,"args":{...}. */
static void ch_instant(struct trace *t, unsigned int cpu, const char *cat, const char *name)
{
    ch_begin(t);
    ln_add(t, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"ts\":" US_FMT
              ",\"pid\":%u,\"tid\":%u",
           name, cat, US_ARGS(sim_now(t->sim)), CHROME_PID(cpu), CHROME_TID_EVENTS(cpu));
}

static void ch_stint(struct trace *t, unsigned int cpu, struct task_struct *p, u64 since,
                     u64 until, const char *end_state)
{
    ch_begin(t);
    ln_add(t, "{\"name\":\"%s\",\"cat\":\"sched\",\"ph\":\"X\",\"ts\":" US_FMT ",\"dur\":" US_FMT
              ",\"pid\":%u,\"tid\":%u,\"args\":{\"pid\":%u,\"prio\":%d,\"end_state\":\"%s\"}",
           jname_of(t, p), US_ARGS(since), US_ARGS(until - since), CHROME_PID(cpu),
           CHROME_TID_TASKS(cpu), p->pid, p->static_prio, end_state);
    ch_end(t);
}

/* A metadata event (not counted as an event). */
static void ch_meta(struct trace *t, const char *name, unsigned int pid, unsigned int tid,
                    const char *arg_key, const char *arg_json)
{
    ln_reset(t);
    ln_add(t, "%s{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"args\":{\"%s\":%s}}",
           t->ch->nr_items ? ",\n" : "", name, pid, tid, arg_key, arg_json);
    sink_put(t->ch, t->ln, t->ln_len);
    t->ch->nr_items++;
}

/* ---- truncation and headers ---- */

static void sink_truncate(struct trace *t, struct trace_sink *s)
{
    u64 now = sim_now(t->sim);
    char note[320];
    int n;

    s->on = false;
    s->truncated = true;
    if (s->kind == TRACE_FORMAT_FTRACE) {
        n = g_snprintf(note, sizeof(note),
                       "# vsched: trace truncated at %llu.%09llu s: the file reached its limit "
                       "of %llu bytes (--trace-limit-mb); later events are not recorded\n",
                       (unsigned long long)(now / NSEC_PER_SEC),
                       (unsigned long long)(now % NSEC_PER_SEC), (unsigned long long)s->limit);
    } else {
        n = g_snprintf(note, sizeof(note),
                       "%s{\"name\":\"vsched: trace truncated\",\"cat\":\"vsched\",\"ph\":\"i\","
                       "\"s\":\"g\",\"ts\":" US_FMT ",\"pid\":1,\"tid\":%u,\"args\":"
                       "{\"limit_bytes\":%llu}}",
                       s->nr_items ? ",\n" : "", US_ARGS(now), CHROME_TID_EVENTS(0),
                       (unsigned long long)s->limit);
        s->nr_items++;
    }
    sink_put(s, note, (size_t)n);
}

static void ftrace_header(struct trace *t)
{
    const struct sim *sim = t->sim;

    ln_reset(t);
    ln_add(t,
           "# tracer: nop\n"
           "#\n"
           "# vsched %s: scenario %s, seed %llu, %u CPUs, %llu ns simulated.\n"
           "# A simulated trace, not a kernel's: see docs/traces.md for the events.\n"
           "#\n"
           "#                                _-----=> irqs-off/BH-disabled\n"
           "#                               / _----=> need-resched\n"
           "#                              | / _---=> hardirq/softirq\n"
           "#                              || / _--=> preempt-depth\n"
           "#                              ||| / _-=> migrate-disable\n"
           "#                              |||| /     delay\n"
           "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
           "#              | |         |   |||||     |         |\n",
           VSCHED_VERSION, t->scen_comm, (unsigned long long)sim->seed, sim->nr_cpus,
           (unsigned long long)sim->duration_ns);
    sink_put(t->ft, t->ln, t->ln_len);
}

static void chrome_header(struct trace *t)
{
    static const char open[] = "{\"traceEvents\":[\n";
    char buf[64];

    sink_put(t->ch, open, sizeof(open) - 1);
    for (unsigned int cpu = 0; cpu < t->sim->nr_cpus; cpu++) {
        unsigned int pid = CHROME_PID(cpu), tt = CHROME_TID_TASKS(cpu);

        g_snprintf(buf, sizeof(buf), "\"CPU %u\"", cpu);
        ch_meta(t, "process_name", pid, tt, "name", buf);
        g_snprintf(buf, sizeof(buf), "%u", cpu);
        ch_meta(t, "process_sort_index", pid, tt, "sort_index", buf);
        ch_meta(t, "thread_name", pid, tt, "name", "\"tasks\"");
        ch_meta(t, "thread_sort_index", pid, tt, "sort_index", "0");
        ch_meta(t, "thread_name", pid, CHROME_TID_EVENTS(cpu), "name", "\"events\"");
        ch_meta(t, "thread_sort_index", pid, CHROME_TID_EVENTS(cpu), "sort_index", "1");
    }
}

/* ---- public: formats and paths ---- */

bool trace_format_parse(const char *s, enum trace_format *out)
{
    static const struct {
        const char *name;           /* command-line spelling */
        enum trace_format fmt;      /* the format(s) it selects */
    } formats[] = {
        {"ftrace", TRACE_FORMAT_FTRACE},
        {"chrome", TRACE_FORMAT_CHROME},
        {"both", TRACE_FORMAT_BOTH},
    };

    for (unsigned int i = 0; s && i < G_N_ELEMENTS(formats); i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *out = formats[i].fmt;
            return true;
        }
    }
    return false;
}

enum trace_format trace_format_for_path(const char *path)
{
    return g_str_has_suffix(path, ".json") ? TRACE_FORMAT_CHROME : TRACE_FORMAT_FTRACE;
}

char *trace_output_path(const char *path, enum trace_format format, enum trace_format which)
{
    size_t n = strlen(path);

    if (format != TRACE_FORMAT_BOTH)
        return g_strdup(path);
    if (g_str_has_suffix(path, ".json"))
        n -= 5;
    else if (g_str_has_suffix(path, ".txt"))
        n -= 4;
    return g_strdup_printf("%.*s%s", (int)n, path, which == TRACE_FORMAT_CHROME ? ".json" : ".txt");
}

/* ---- public: open / close ---- */

static void set_errno_error(GError **error, int err, const char *what, const char *path)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot %s trace %s: %s",
                what, path, g_strerror(err));
}

static bool sink_open(struct trace_sink *s, enum trace_format kind, char *path, u64 limit,
                      u64 reserve, GError **error)
{
    char *dir = g_path_get_dirname(path);

    s->kind = kind;
    s->path = path;
    s->fd = -1;
    s->limit = limit;
    s->reserve = reserve;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "cannot write trace %s: %s is not an existing directory", path, dir);
        g_free(dir);
        return false;
    }
    g_free(dir);
    s->tmp_path = g_strdup_printf("%s.XXXXXX", path);
    /* 0666 & ~umask, like a file created by open(). */
    s->fd = g_mkstemp_full(s->tmp_path, O_RDWR | O_CLOEXEC, 0666);
    if (s->fd < 0) {
        set_errno_error(error, errno, "create a temporary file for", path);
        g_clear_pointer(&s->tmp_path, g_free);
        return false;
    }
    s->buf = g_malloc(TRACE_BUF_BYTES);
    s->on = true;
    return true;
}

static void trace_free(struct trace *t)
{
    for (unsigned int i = 0; i < t->nr_sinks; i++) {
        struct trace_sink *s = &t->sinks[i];

        if (s->fd >= 0)
            close(s->fd);
        if (s->tmp_path)
            g_unlink(s->tmp_path);
        g_free(s->tmp_path);
        g_free(s->path);
        g_free(s->buf);
    }
    for (unsigned int i = 0; i < t->nr_pids; i++) {
        g_free(t->comm[i]);
        g_free(t->jname[i]);
        g_free(t->vm_comm[i]);
    }
    for (unsigned int i = 0; t->idle_comm && i < t->sim->nr_cpus; i++)
        g_free(t->idle_comm[i]);
    g_free(t->comm);
    g_free(t->jname);
    g_free(t->vm_comm);
    g_free(t->idle_comm);
    g_free(t->scen_comm);
    g_free(t->cpus);
    g_free(t->ln);
    g_free(t);
}

struct trace *trace_open(struct sim *sim, const struct trace_options *opt, GError **error)
{
    struct trace *t = g_new0(struct trace, 1);
    u64 limit = opt->limit_bytes ? opt->limit_bytes : TRACE_DEFAULT_LIMIT_BYTES;
    unsigned int max_pid = 0;
    char *scen;
    u64 reserve;

    SIM_BUG_ON(!(opt->format & TRACE_FORMAT_BOTH));
    if (limit < TRACE_MIN_LIMIT_BYTES)
        limit = TRACE_MIN_LIMIT_BYTES;
    t->sim = sim;
    t->ln_cap = 512;
    t->ln = g_malloc(t->ln_cap);

    for (unsigned int i = 0; i < sim->nr_tasks; i++)
        max_pid = MAX(max_pid, sim->tasks[i]->pid);
    t->nr_pids = max_pid + 1;
    t->comm = g_new0(char *, t->nr_pids);
    t->jname = g_new0(char *, t->nr_pids);
    t->vm_comm = g_new0(char *, t->nr_pids);
    for (unsigned int i = 0; i < sim->nr_tasks; i++) {
        struct task_struct *p = sim->tasks[i];

        if (p->pid == 0 || t->comm[p->pid])
            continue;
        t->comm[p->pid] = ftrace_safe(p->name);
        t->jname[p->pid] = json_escape(p->name);
        if (task_is_vcpu(p))
            t->vm_comm[p->pid] = ftrace_safe(vcpu_of(p)->kvm->name);
    }
    t->scen_comm = ftrace_safe(sim->sc->name);
    t->idle_comm = g_new0(char *, sim->nr_cpus);
    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++)
        t->idle_comm[cpu] = g_strdup_printf("swapper/%u", cpu);
    t->cpus = g_new0(struct trace_cpu, sim->nr_cpus);
    for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++) {
        t->cpus[cpu].curr = cpu_rq(sim, cpu)->curr;
        t->cpus[cpu].since = sim_now(sim);
    }

    scen = json_escape(sim->sc->name);
    reserve = TRACE_RESERVE_BYTES + strlen(scen);
    if (opt->format & TRACE_FORMAT_FTRACE) {
        t->ft = &t->sinks[t->nr_sinks++];
        if (!sink_open(t->ft, TRACE_FORMAT_FTRACE,
                       trace_output_path(opt->path, opt->format, TRACE_FORMAT_FTRACE), limit,
                       reserve, error))
            goto fail;
        ftrace_header(t);
    }
    if (opt->format & TRACE_FORMAT_CHROME) {
        t->ch = &t->sinks[t->nr_sinks++];
        if (!sink_open(t->ch, TRACE_FORMAT_CHROME,
                       trace_output_path(opt->path, opt->format, TRACE_FORMAT_CHROME), limit,
                       reserve, error))
            goto fail;
        chrome_header(t);
    }
    g_free(scen);
    return t;

fail:
    g_free(scen);
    trace_free(t);
    return NULL;
}

static void ftrace_footer(struct trace *t)
{
    u64 now = sim_now(t->sim);

    ln_reset(t);
    ln_add(t, "# vsched: end of trace at %llu.%09llu s, %llu events\n",
           (unsigned long long)(now / NSEC_PER_SEC), (unsigned long long)(now % NSEC_PER_SEC),
           (unsigned long long)t->ft->nr_events);
    sink_put(t->ft, t->ln, t->ln_len);
}

static void chrome_footer(struct trace *t)
{
    char *scen = json_escape(t->sim->sc->name);

    ln_reset(t);
    ln_add(t,
           "\n],\n\"otherData\":{\"generator\":\"vsched %s\",\"scenario\":\"%s\",\"seed\":%llu,"
           "\"sim_ns\":%llu,\"truncated\":%s}}\n",
           VSCHED_VERSION, scen, (unsigned long long)t->sim->seed,
           (unsigned long long)sim_now(t->sim), t->ch->truncated ? "true" : "false");
    sink_put(t->ch, t->ln, t->ln_len);
    g_free(scen);
}

bool trace_close(struct trace *t, struct sim *sim, GError **error)
{
    unsigned int renamed = 0;
    bool ok = true;

    if (sim->trace == t)
        sim->trace = NULL;
    if (t->ch) {
        /* Stints still running end with the run. */
        for (unsigned int cpu = 0; cpu < sim->nr_cpus; cpu++)
            if (t->cpus[cpu].curr && t->ch->on)
                ch_stint(t, cpu, t->cpus[cpu].curr, t->cpus[cpu].since, sim_now(sim), "R");
        chrome_footer(t);
    }
    if (t->ft && !t->ft->truncated)
        ftrace_footer(t);         /* a truncated file ends with the truncation note */
    for (unsigned int i = 0; i < t->nr_sinks && ok; i++) {
        struct trace_sink *s = &t->sinks[i];

        sink_flush(s);
        if (!s->err && fsync(s->fd) != 0)
            s->err = errno;
        if (close(s->fd) != 0 && !s->err)
            s->err = errno;
        s->fd = -1;
        if (s->err) {
            set_errno_error(error, s->err, "write", s->path);
            ok = false;
        }
    }
    for (unsigned int i = 0; i < t->nr_sinks && ok; i++, renamed++) {
        struct trace_sink *s = &t->sinks[i];

        if (g_rename(s->tmp_path, s->path) != 0) {
            set_errno_error(error, errno, "write", s->path);
            ok = false;
            break;
        }
        g_clear_pointer(&s->tmp_path, g_free);
    }
    /* All files or none: undo the renames already done. */
    for (unsigned int i = 0; !ok && i < renamed; i++)
        g_unlink(t->sinks[i].path);
    trace_free(t);
    return ok;
}

void trace_abort(struct trace *t, struct sim *sim)
{
    if (sim && sim->trace == t)
        sim->trace = NULL;
    trace_free(t);
}

bool trace_truncated(const struct trace *t)
{
    for (unsigned int i = 0; i < t->nr_sinks; i++)
        if (t->sinks[i].truncated)
            return true;
    return false;
}

u64 trace_nr_events(const struct trace *t)
{
    return t->nr_events;
}

/* ---- emit points ---- */

static const char *task_state_char(const struct task_struct *p)
{
    return p->__state == TASK_RUNNING ? "R" : "S";
}

void trace_sched_switch(struct sim *sim, struct rq *rq, struct task_struct *prev,
                        struct task_struct *next)
{
    struct trace *t = sim->trace;
    struct trace_cpu *c = &t->cpus[rq->cpu];
    unsigned int cpu = rq->cpu;
    u64 now = sim_now(sim);

    if (t->ft && t->ft->on) {
        ft_begin(t, prev, cpu, "d..2.", "sched_switch");
        ln_add(t,
               "prev_comm=%s prev_pid=%u prev_prio=%d prev_state=%s ==> next_comm=%s "
               "next_pid=%u next_prio=%d",
               comm_of(t, prev, cpu), prev ? prev->pid : 0U, prev ? prev->static_prio : 120,
               prev ? task_state_char(prev) : "R", comm_of(t, next, cpu), next ? next->pid : 0U,
               next ? next->static_prio : 120);
        ft_end(t);
    }
    if (t->ch && t->ch->on && c->curr)
        ch_stint(t, cpu, c->curr, c->since, now, task_state_char(c->curr));
    c->curr = next;
    c->since = now;
}

void trace_sched_wakeup(struct sim *sim, struct task_struct *p, bool new_task)
{
    struct trace *t = sim->trace;
    unsigned int cpu = p->cpu;
    struct task_struct *ctx = cpu_rq(sim, cpu)->curr;

    if (t->ft && t->ft->on) {
        if (!new_task) {
            ft_begin(t, ctx, cpu, "d..2.", "sched_waking");
            ln_add(t, "comm=%s pid=%u prio=%d target_cpu=%03u", comm_of(t, p, cpu), p->pid,
                   p->static_prio, cpu);
            ft_end(t);
        }
        ft_begin(t, ctx, cpu, "d..2.", new_task ? "sched_wakeup_new" : "sched_wakeup");
        ln_add(t, "comm=%s pid=%u prio=%d target_cpu=%03u", comm_of(t, p, cpu), p->pid,
               p->static_prio, cpu);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "sched", new_task ? "wakeup_new" : "wakeup");
        ln_add(t, ",\"args\":{\"task\":\"%s\",\"pid\":%u}", jname_of(t, p), p->pid);
        ch_end(t);
    }
}

/* VMX basic exit reason names of our exits (arch/x86/include/uapi/asm/vmx.h). */
static const char *vmx_exit_name(int reason)
{
    switch (reason) {
    case KVM_EXIT_PLE:
        return "PAUSE_INSTRUCTION";
    case KVM_EXIT_HLT:
        return "HLT";
    case KVM_EXIT_ICR:
    case KVM_EXIT_EOI:
        return "MSR_WRITE";       /* x2APIC: ICR and EOI are MSR writes */
    case KVM_EXIT_HC_SEND_IPI:
    case KVM_EXIT_HC_KICK:
    case KVM_EXIT_HC_YIELD:
        return "VMCALL";
    case KVM_EXIT_DIAG_9C:
        /* Not a VMX reason: s390 intercepts DIAGNOSE (instruction
         * intercept, code 0x9c); kept recognisable in the same field. */
        return "DIAG_9C";
    case KVM_EXIT_EXTINT:
    default:
        return "EXTERNAL_INTERRUPT";
    }
}

/* The vCPU's own line context: the task running on its CPU. */
static struct task_struct *vctx(struct sim *sim, struct kvm_vcpu *v)
{
    return cpu_rq(sim, v->task.cpu)->curr;
}

static const char *vm_of(struct trace *t, struct kvm_vcpu *v)
{
    unsigned int pid = v->task.pid;

    return pid < t->nr_pids && t->vm_comm[pid] ? t->vm_comm[pid] : "?";
}

/* kvm_msr / kvm_hypercall lines that say what an MSR_WRITE or VMCALL exit was. */
static void ft_exit_detail(struct trace *t, struct kvm_vcpu *v, int reason)
{
    struct guest_cpu *g = v->g;
    unsigned int cpu = v->task.cpu;
    struct task_struct *ctx = vctx(t->sim, v);

    switch (reason) {
    case KVM_EXIT_ICR: {
        /* x2APIC ICR (MSR 0x830): destination in bits 63:32, shorthand in
         * 19:18 (3 = all excluding self), fixed delivery, vector in 7:0. */
        u64 icr = (u64)(g->send_vector & 0xff);

        if (g->send_allbut)
            icr |= 3ULL << 18;
        else if (g->send_pos < g->nr_send)
            icr |= (u64)v->kvm->vcpus[g->send_to[g->send_pos]]->vcpu_id << 32;
        ft_begin(t, ctx, cpu, "d..1.", "kvm_msr");
        ln_add(t, "msr_write 830 = 0x%llx", (unsigned long long)icr);
        ft_end(t);
        break;
    }
    case KVM_EXIT_EOI:
        ft_begin(t, ctx, cpu, "d..1.", "kvm_msr");
        ln_add(t, "msr_write 80b = 0x0");
        ft_end(t);
        break;
    case KVM_EXIT_HC_SEND_IPI: {
        /* KVM_HC_SEND_IPI (10): a0/a1 bitmap relative to a2 = min APIC ID,
         * a3 = ICR low (vector). */
        u64 a0 = 0, a1 = 0;
        unsigned int min = UINT32_MAX;

        for (unsigned int i = g->send_pos; i < g->nr_send; i++)
            min = MIN(min, v->kvm->vcpus[g->send_to[i]]->vcpu_id);
        for (unsigned int i = g->send_pos; i < g->nr_send; i++) {
            unsigned int b = v->kvm->vcpus[g->send_to[i]]->vcpu_id - min;

            if (b < 64)
                a0 |= 1ULL << b;
            else if (b < 128)
                a1 |= 1ULL << (b - 64);
        }
        ft_begin(t, ctx, cpu, "d..1.", "kvm_hypercall");
        ln_add(t, "nr 0xa a0 0x%llx a1 0x%llx a2 0x%x a3 0x%x", (unsigned long long)a0,
               (unsigned long long)a1, min == UINT32_MAX ? 0U : min,
               (unsigned int)(g->send_vector & 0xff));
        ft_end(t);
        break;
    }
    case KVM_EXIT_HC_KICK:
    case KVM_EXIT_HC_YIELD: {
        /* KVM_HC_KICK_CPU (5): a0 flags, a1 APIC ID; KVM_HC_SCHED_YIELD (11): a0 APIC ID. */
        unsigned int id = g->kick_target ? g->kick_target->vcpu_id : 0;

        ft_begin(t, ctx, cpu, "d..1.", "kvm_hypercall");
        if (reason == KVM_EXIT_HC_KICK)
            ln_add(t, "nr 0x5 a0 0x0 a1 0x%x a2 0x0 a3 0x0", id);
        else
            ln_add(t, "nr 0xb a0 0x%x a1 0x0 a2 0x0 a3 0x0", id);
        ft_end(t);
        break;
    }
    case KVM_EXIT_DIAG_9C:
        /* The operand: the CPU address of the vCPU to yield to. */
        ft_begin(t, ctx, cpu, ".....", "vsched_diag_time_slice_end_directed");
        ln_add(t, "vm=%s vcpu=%u tid=%d", vm_of(t, v), v->vcpu_idx, g->diag9c_tid);
        ft_end(t);
        break;
    default:
        break;
    }
}

void trace_kvm_exit(struct sim *sim, struct kvm_vcpu *v, int reason)
{
    struct trace *t = sim->trace;
    unsigned int cpu = v->task.cpu;

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, v), cpu, "d..1.", "kvm_exit");
        ln_add(t,
               "vcpu %u reason %s rip 0x0 info1 0x0000000000000000 info2 0x0000000000000000 "
               "intr_info 0x00000000 error_code 0x00000000",
               v->vcpu_id, vmx_exit_name(reason));
        ft_end(t);
        ft_exit_detail(t, v, reason);
    }
    if (t->ch && t->ch->on) {
        const char *name = reason >= 0 && reason < KVM_EXIT_NR ? kvm_exit_names[reason] : "?";
        char what[32];

        g_snprintf(what, sizeof(what), "exit %s", name);
        ch_instant(t, cpu, "kvm", what);
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\",\"reason\":\"%s\"}", jname_of(t, &v->task), name);
        ch_end(t);
    }
}

void trace_kvm_entry(struct sim *sim, struct kvm_vcpu *v)
{
    struct trace *t = sim->trace;

    /* Ftrace only: entries would double the Chrome file for little. */
    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, v), v->task.cpu, "d..1.", "kvm_entry");
        ln_add(t, "vcpu %u, rip 0x0 intr_info 0x00000000 error_code 0x00000000", v->vcpu_id);
        ft_end(t);
    }
}

void trace_kvm_on_spin(struct sim *sim, struct kvm_vcpu *me)
{
    struct trace *t = sim->trace;

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, me), me->task.cpu, ".....", "vsched_kvm_vcpu_on_spin");
        ln_add(t, "vm=%s vcpu=%u last_boosted=%d", vm_of(t, me), me->vcpu_idx,
               me->kvm->last_boosted_vcpu);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, me->task.cpu, "kvm", "on_spin");
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\"}", jname_of(t, &me->task));
        ch_end(t);
    }
}

void trace_kvm_yield_to(struct sim *sim, struct kvm_vcpu *me, struct kvm_vcpu *target, int ret)
{
    struct trace *t = sim->trace;
    unsigned int cpu = me->task.cpu;

    /* Emitted when yield_to() returns, in the name of the yielding vCPU
     * (after the sched_switch a successful yield caused). */
    if (t->ft && t->ft->on) {
        ft_begin(t, &me->task, cpu, ".....", "vsched_yield_to");
        ln_add(t, "vm=%s vcpu=%u target=%u target_pid=%u ret=%d", vm_of(t, me), me->vcpu_idx,
               target->vcpu_idx, target->task.pid, ret);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "kvm",
                   ret > 0 ? "yield_to ok" : ret < 0 ? "yield_to esrch" : "yield_to 0");
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\",\"target\":\"%s\",\"ret\":%d}",
               jname_of(t, &me->task), jname_of(t, &target->task), ret);
        ch_end(t);
    }
}

static const char *const ipi_via_names[] = {
    [TRACE_IPI_ICR] = "icr",
    [TRACE_IPI_ALLBUT] = "allbut",
    [TRACE_IPI_PV] = "pv",
    [TRACE_IPI_IPIV] = "ipiv",
    [TRACE_IPI_KICK] = "kick",
};

void trace_ipi_send(struct sim *sim, struct kvm_vcpu *src, struct kvm_vcpu *dst, int vector,
                    enum trace_ipi_via via)
{
    struct trace *t = sim->trace;
    unsigned int cpu = src->task.cpu;

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, src), cpu, ".....", "vsched_ipi_send");
        ln_add(t, "vm=%s src=%u dst=%u dst_pid=%u vector=0x%02x via=%s", vm_of(t, src),
               src->vcpu_idx, dst->vcpu_idx, dst->task.pid, (unsigned int)vector & 0xff,
               ipi_via_names[via]);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "ipi", via == TRACE_IPI_KICK ? "pv kick" : "ipi send");
        ln_add(t, ",\"args\":{\"src\":\"%s\",\"dst\":\"%s\",\"vector\":%d,\"via\":\"%s\"}",
               jname_of(t, &src->task), jname_of(t, &dst->task), vector, ipi_via_names[via]);
        ch_end(t);
    }
}

void trace_irq_handler_entry(struct sim *sim, struct kvm_vcpu *v, int vector, u64 latency_ns)
{
    struct trace *t = sim->trace;
    unsigned int cpu = v->task.cpu;

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, v), cpu, ".....", "vsched_irq_handler_entry");
        ln_add(t, "vm=%s vcpu=%u vector=0x%02x latency_ns=%llu", vm_of(t, v), v->vcpu_idx,
               (unsigned int)vector & 0xff, (unsigned long long)latency_ns);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "ipi", "irq handler");
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\",\"vector\":%d,\"latency_ns\":%llu}",
               jname_of(t, &v->task), vector, (unsigned long long)latency_ns);
        ch_end(t);
    }
}

static const char *const guest_act_names[] = {
    [GA_COMPUTE] = "compute", [GA_LOCK_SPIN] = "lock_spin", [GA_LOCK_HALT] = "lock_halt",
    [GA_SEND] = "send",       [GA_CSD_WAIT] = "csd_wait",   [GA_BARRIER] = "barrier",
    [GA_SLEEP] = "sleep",     [GA_IDLE] = "idle",
};

void trace_halt_block(struct sim *sim, struct kvm_vcpu *v)
{
    struct trace *t = sim->trace;
    unsigned int cpu = v->task.cpu;
    const char *why = v->g && (unsigned int)v->g->act < G_N_ELEMENTS(guest_act_names)
                          ? guest_act_names[v->g->act]
                          : "?";

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, v), cpu, ".....", "vsched_halt_block");
        ln_add(t, "vm=%s vcpu=%u guest=%s", vm_of(t, v), v->vcpu_idx, why);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "kvm", "halt block");
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\",\"guest\":\"%s\"}", jname_of(t, &v->task), why);
        ch_end(t);
    }
}

void trace_halt_wake(struct sim *sim, struct kvm_vcpu *v)
{
    struct trace *t = sim->trace;
    unsigned int cpu = v->task.cpu;
    u64 halted = sim_now(sim) - v->halt_start;

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, v), cpu, ".....", "vsched_halt_wake");
        ln_add(t, "vm=%s vcpu=%u pid=%u halted_ns=%llu", vm_of(t, v), v->vcpu_idx, v->task.pid,
               (unsigned long long)halted);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "kvm", "halt wake");
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\",\"halted_ns\":%llu}", jname_of(t, &v->task),
               (unsigned long long)halted);
        ch_end(t);
    }
}

static void lock_event(struct sim *sim, struct kvm_vcpu *v, unsigned int lock, u64 ns,
                       bool acquire)
{
    struct trace *t = sim->trace;
    unsigned int cpu = v->task.cpu;

    if (t->ft && t->ft->on) {
        ft_begin(t, vctx(sim, v), cpu, ".....",
                 acquire ? "vsched_lock_acquire" : "vsched_lock_release");
        ln_add(t, "vm=%s vcpu=%u lock=%u %s=%llu", vm_of(t, v), v->vcpu_idx, lock,
               acquire ? "wait_ns" : "hold_ns", (unsigned long long)ns);
        ft_end(t);
    }
    if (t->ch && t->ch->on) {
        ch_instant(t, cpu, "lock", acquire ? "lock acquire" : "lock release");
        ln_add(t, ",\"args\":{\"vcpu\":\"%s\",\"lock\":%u,\"%s\":%llu}", jname_of(t, &v->task),
               lock, acquire ? "wait_ns" : "hold_ns", (unsigned long long)ns);
        ch_end(t);
    }
}

void trace_lock_acquire(struct sim *sim, struct kvm_vcpu *v, unsigned int lock, u64 wait_ns)
{
    lock_event(sim, v, lock, wait_ns, true);
}

void trace_lock_release(struct sim *sim, struct kvm_vcpu *v, unsigned int lock, u64 hold_ns)
{
    lock_event(sim, v, lock, hold_ns, false);
}
