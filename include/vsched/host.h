/*
 * vsched/host.h - host tasks driven by a program of steps (run, sleep,
 * yield), repeated forever: the simplest behaviour behind a task_struct.
 */
#ifndef VSCHED_HOST_H
#define VSCHED_HOST_H

#include "vsched/scenario.h"
#include "vsched/sched.h"

struct host_task {
    struct task_struct task;          /* the scheduled task */
    const struct scenario_task *st;   /* its program (borrowed from the scenario) */
    unsigned int step;                /* index of the next step to execute */
    u64 nr_loops;                     /* completed passes over the program */
    const struct task_step *polled;   /* the run step reading its CPU clock, or NULL */
    u64 run_left;                     /* its CPU time still to consume after the current chunk */
};

extern const struct task_ops host_task_ops;

/* Set up @ht (task fields, program); the caller assigns pid, name, group. */
void host_task_init(struct sim *sim, struct host_task *ht, const struct scenario_task *st);

#endif /* VSCHED_HOST_H */
