/*
 * src/cli/cmd_validate.c - "vsched validate SCENARIO...": load scenario
 * files with the full checks of the loader and print a one-line summary of
 * each, without simulating anything.
 */
#include <stdio.h>

#include "vsched/scenario.h"

#include "cli.h"

bool cmd_validate(int argc, char **argv, GError **error)
{
    const GOptionEntry entries[] = {G_OPTION_ENTRY_NULL};
    GOptionContext *ctx = g_option_context_new("SCENARIO...");
    bool help_shown, ok = false;

    g_option_context_set_summary(ctx, "Check scenario files (format, ranges, references) and print\n"
                                      "\"FILE: ok (N tasks, M cgroups, C cpus[, V VMs, P vCPUs])\" for\n"
                                      "each; N and V count replicas, M includes the cgroups implied\n"
                                      "by VMs. Stops at the first invalid file (exit status 2).");
    if (!cli_parse("validate", ctx, entries, &argc, &argv, &help_shown, error))
        goto out;
    if (help_shown) {
        ok = true;
        goto out;
    }
    if (argc < 2) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "validate: expected a SCENARIO file (see vsched validate --help)");
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        struct scenario *sc = scenario_load_file(argv[i], error);
        unsigned int nr_tasks = 0, nr_vms = 0, nr_vcpus = 0;

        if (!sc)
            goto out;
        for (unsigned int t = 0; t < sc->nr_tasks; t++)
            nr_tasks += sc->tasks[t].count;
        for (unsigned int v = 0; v < sc->nr_vms; v++) {
            nr_vms += sc->vms[v].count;
            nr_vcpus += sc->vms[v].count * sc->vms[v].vcpus;
        }
        printf("%s: ok (%u tasks, %u cgroups, %u cpus", argv[i], nr_tasks, sc->nr_cgroups,
               sc->host.cpus);
        if (nr_vms)
            printf(", %u VMs, %u vCPUs", nr_vms, nr_vcpus);
        printf(")\n");
        scenario_free(sc);
    }
    ok = true;
out:
    g_option_context_free(ctx);
    return ok;
}
