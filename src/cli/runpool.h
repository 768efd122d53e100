/*
 * src/cli/runpool.h - running many independent simulations on a GThreadPool
 * (vsched sweep, vsched regress), with a progress bar and graceful SIGINT.
 *
 * Each simulation owns all of its state (struct sim, no globals), so the
 * workers share nothing but the read-only scenarios.  Results come back to
 * the calling thread, one at a time, through a callback: that is where rows
 * are filled and output files rewritten, so no locking is needed there.
 */
#ifndef VSCHED_CLI_RUNPOOL_H
#define VSCHED_CLI_RUNPOOL_H

#include <glib.h>
#include <stdbool.h>

#include "vsched/sim.h"

/* One simulation to run. */
struct run_job {
    const struct scenario *sc;    /* borrowed, read-only; shared between jobs */
    struct sim_options opt;       /* seed / duration overrides */
    void *user;                   /* the caller's (e.g. its grid slot) */
    /* Set by the pool: */
    struct sim_result *res;       /* the results; the done callback may take it (set NULL) */
    GError *error;                /* sim_new() failed */
    double wall_s;                /* wall-clock time of sim_run() */
    gint permille;                /* progress of the running simulation (atomic) */
    bool ran;                     /* false if skipped after an interrupt */
    bool collected;               /* calling thread only: came back from the pool */
    gint handed_back;             /* atomic: the worker is done with the job */
};

/* Called in the calling thread as each job finishes, in completion order.
 * Returning false (with @error) stops the pool: no new job starts. */
typedef bool (*run_done_fn)(struct run_job *job, void *arg, GError **error);

struct runpool_opts {
    unsigned int jobs;            /* worker threads, >= 1 */
    bool progress;                /* draw a progress bar on stderr */
    bool progress_tty;            /* ... redrawn in place (stderr is a terminal) */
    bool handle_sigint;           /* the first SIGINT stops dispatching; returns CLI_ERROR_INTERRUPTED */
};

/*
 * Run @jobs[0..n) (dispatched in array order).  Returns true when every job
 * ran and every callback succeeded.  On SIGINT (if handled) no new job
 * starts, the running ones finish and are passed to @done, then it returns
 * false with CLI_ERROR_INTERRUPTED; a second SIGINT kills the process (the
 * default action), which is safe because outputs are only ever replaced
 * atomically.
 */
bool runpool_run(struct run_job **jobs, unsigned int n, const struct runpool_opts *o,
                 run_done_fn done, void *arg, GError **error);

#endif /* VSCHED_CLI_RUNPOOL_H */
