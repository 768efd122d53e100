/*
 * src/cli/runpool.c - many simulations on a GThreadPool (see runpool.h).
 *
 * The calling thread dispatches every job at once (GThreadPool keeps them in
 * FIFO order), then waits on an async queue of finished jobs with a 100 ms
 * timeout, so that it can redraw the progress bar and notice an interrupt
 * while long simulations run.  Workers check a stop flag before starting a
 * job; a simulation that already started runs to its end (sim_run has no
 * cancellation point, and one run is short compared to a sweep).
 *
 * The SIGINT flag is the one global in the program: a signal handler has
 * nowhere else to put it.  It lives here, in the CLI, not in the library.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runpool.h"

static volatile sig_atomic_t runpool_sigint; /* set by on_sigint() */

static void on_sigint(int sig)
{
    (void)sig;
    runpool_sigint = 1;
}

/* Shared between the calling thread and the workers. */
struct pool {
    GAsyncQueue *doneq;           /* finished (or skipped) jobs */
    gint stop;                    /* atomic: workers skip jobs not yet started */
};

static void job_progress(double frac, void *arg)
{
    struct run_job *j = arg;

    g_atomic_int_set(&j->permille, (gint)(CLAMP(frac, 0.0, 1.0) * 1000.0));
}

static void worker(gpointer data, gpointer user)
{
    struct run_job *j = data;
    struct pool *p = user;

    if (!g_atomic_int_get(&p->stop)) {
        gint64 t0 = g_get_monotonic_time();
        struct sim *sim = sim_new(j->sc, &j->opt, &j->error);

        if (sim) {
            sim_run(sim, job_progress, j);
            j->wall_s = (double)(g_get_monotonic_time() - t0) / 1e6;
            j->res = sim_collect(sim, j->wall_s);
            sim_free(sim);
        }
        j->ran = true;
    }
    /* Publishes the fields above (release); the queue's own lock would do,
     * but GLib's futex-based GMutex is invisible to ThreadSanitizer. */
    g_atomic_int_set(&j->handed_back, 1);
    g_async_queue_push(p->doneq, j);
}

/* State of the progress bar. */
struct bar {
    gint64 start_us;              /* when the pool started */
    gint64 last_draw_us;          /* last redraw (terminal) */
    int last_decile;              /* last 10 % step printed (log file) */
    bool drawn;                   /* something is on the terminal line */
};

#define BAR_WIDTH 30

static void bar_draw(struct bar *b, const struct runpool_opts *o, struct run_job **jobs,
                     unsigned int n, unsigned int finished, bool force)
{
    gint64 now = g_get_monotonic_time();
    double frac = 0, elapsed_s = (double)(now - b->start_us) / 1e6;
    char bar[BAR_WIDTH + 1];
    int filled;

    if (!o->progress || n == 0)
        return;
    if (o->progress_tty && !force && now - b->last_draw_us < 100000)
        return;
    /* Finished runs count whole, running ones by their simulated fraction. */
    frac = 0;
    for (unsigned int i = 0; i < n; i++)
        frac += jobs[i]->collected ? 1.0 : g_atomic_int_get(&jobs[i]->permille) / 1000.0;
    frac = CLAMP(frac / n, 0.0, 1.0);
    if (!o->progress_tty) {
        int decile = (int)floor(frac * 10.0);

        if (decile == b->last_decile && !force)
            return;
        b->last_decile = decile;
    }
    b->last_draw_us = now;
    filled = (int)(frac * BAR_WIDTH);
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "%s[%s] %u/%u runs %3d%%", o->progress_tty ? "\r" : "", bar, finished, n,
            (int)floor(frac * 100.0));
    if (frac > 0 && frac < 1)
        fprintf(stderr, "  ETA %.1f s ", elapsed_s * (1.0 - frac) / frac);
    else
        fprintf(stderr, "  %.1f s ", elapsed_s);
    fputs(o->progress_tty ? "" : "\n", stderr);
    fflush(stderr);
    b->drawn = true;
}

static void bar_end(struct bar *b, const struct runpool_opts *o)
{
    if (o->progress && o->progress_tty && b->drawn)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

bool runpool_run(struct run_job **jobs, unsigned int n, const struct runpool_opts *o,
                 run_done_fn done, void *arg, GError **error)
{
    struct pool p = {.doneq = g_async_queue_new(), .stop = 0};
    struct bar b = {.start_us = g_get_monotonic_time(), .last_decile = -1};
    struct sigaction sa, old_sa;
    GError *err = NULL;
    GThreadPool *tp;
    unsigned int received = 0, finished = 0;
    bool interrupted = false;

    if (n == 0) {
        g_async_queue_unref(p.doneq);
        return true;
    }
    for (unsigned int i = 0; i < n; i++) {
        jobs[i]->ran = false;
        jobs[i]->res = NULL;
        jobs[i]->permille = 0;
        jobs[i]->collected = false;
        jobs[i]->handed_back = 0;
    }
    tp = g_thread_pool_new(worker, &p, (gint)MAX(1u, MIN(o->jobs, n)), TRUE, &err);
    if (!tp) {
        g_propagate_prefixed_error(error, err, "cannot start the worker threads: ");
        g_async_queue_unref(p.doneq);
        return false;
    }
    if (o->handle_sigint) {
        runpool_sigint = 0;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills at once */
        sigaction(SIGINT, &sa, &old_sa);
    }
    for (unsigned int i = 0; i < n; i++)
        g_thread_pool_push(tp, jobs[i], NULL);

    bar_draw(&b, o, jobs, n, 0, true);
    while (received < n) {
        struct run_job *j = g_async_queue_timeout_pop(p.doneq, 100000);

        if (o->handle_sigint && runpool_sigint && !interrupted) {
            interrupted = true;
            g_atomic_int_set(&p.stop, 1);
            bar_end(&b, o);
            fprintf(stderr,
                    "vsched: interrupted: waiting for the running simulations to finish "
                    "(Ctrl-C again to abandon them)\n");
        }
        if (j) {
            SIM_BUG_ON(!g_atomic_int_get(&j->handed_back)); /* acquire */
            received++;
            j->collected = true;
            if (j->ran && !j->error)
                finished++;
            if (j->ran && j->error && !err) {
                err = j->error;
                j->error = NULL;
                g_atomic_int_set(&p.stop, 1);
            } else if (j->ran && j->res && !err && !done(j, arg, &err)) {
                g_atomic_int_set(&p.stop, 1);
            }
            if (j->res) {
                sim_result_free(j->res);
                j->res = NULL;
            }
        }
        if (!interrupted)
            bar_draw(&b, o, jobs, n, finished, j && received == n);
    }
    g_thread_pool_free(tp, FALSE, TRUE);
    g_async_queue_unref(p.doneq);
    if (!interrupted)
        bar_end(&b, o);
    if (o->handle_sigint)
        sigaction(SIGINT, &old_sa, NULL);
    if (err) {
        g_propagate_error(error, err);
        return false;
    }
    if (interrupted) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_INTERRUPTED,
                    "interrupted after %u of %u runs", finished, n);
        return false;
    }
    return true;
}
