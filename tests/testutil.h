/*
 * tests/testutil.h - small helpers shared by the Check suites: reading
 * files, running the vsched binary and capturing what it printed, temporary
 * directories.
 *
 * VSCHED_SOURCE_DIR (the source tree) and VSCHED_CLI (the built vsched
 * binary) are compile definitions set by CMakeLists.txt.
 */
#ifndef VSCHED_TESTUTIL_H
#define VSCHED_TESTUTIL_H

#include <glib.h>
#include <stdbool.h>

#ifndef VSCHED_SOURCE_DIR
#error "VSCHED_SOURCE_DIR must be defined by the build"
#endif

/* Absolute path of a file in the source tree, e.g. TU_SRC("scenarios/x.json"). */
#define TU_SRC(rel) VSCHED_SOURCE_DIR "/" rel

/* What a child process did. */
struct tu_proc {
    char *out;    /* everything it wrote to stdout (NUL-terminated) */
    char *err;    /* everything it wrote to stderr */
    int status;   /* exit status, or -1 if it did not exit normally */
};

/* Contents of @path (g_free), or NULL if it cannot be read. */
char *tu_read_file(const char *path);

/* Run @argv (argv[0] a path) in directory @cwd (NULL = the current one) and
 * wait for it.  Returns false only if it could not be started. */
bool tu_run(const char *const *argv, const char *cwd, struct tu_proc *p);
void tu_proc_clear(struct tu_proc *p);

/* A fresh empty directory under the system temporary directory (g_free). */
char *tu_mkdtemp(void);
/* Remove @dir and the plain files directly in it. */
void tu_rmdir(const char *dir);
/* Number of entries in directory @dir (-1 if it cannot be opened). */
int tu_count_entries(const char *dir);
/* qsort() comparison of two u64 values, ascending. */
int tu_cmp_u64(const void *a, const void *b);

#endif /* VSCHED_TESTUTIL_H */

/* ---- VM scenarios built in code (independent of the loader's presets) ---- */
#include "vsched/scenario.h"

/* KVM block with the documented defaults (docs/scenario-format.md). */
void tu_kvm_defaults(struct scenario_kvm *k);
/*
 * A scenario with @cpus host CPUs and @nvms VMs of @vcpus vCPUs each (in the
 * root cgroup, unpinned, or pinned 1:1 if @pin), each running @steps (copied)
 * with @nr_locks lock instances; no host tasks; duration @ms.  Modify the
 * returned struct before sim_new() as needed; free with scenario_free().
 */
struct scenario *tu_vm_scenario(unsigned int cpus, unsigned int nvms, unsigned int vcpus,
                                bool pin, const struct guest_step *steps, unsigned int nr_steps,
                                unsigned int nr_locks, double ms);
