/*
 * src/cli/cmd_policies.c - "vsched policies": list the yield algorithms of
 * both hook points with a one-line summary each.
 */
#include <stdio.h>

#include "vsched/policy.h"

#include "cli.h"

bool cmd_policies(int argc, char **argv, GError **error)
{
    GOptionContext *ctx = g_option_context_new("");
    const GOptionEntry entries[] = {G_OPTION_ENTRY_NULL};
    bool help_shown;

    g_option_context_set_summary(
        ctx, "List the yield algorithms: the scheduler side (the body of\n"
             "yield_to_task_fair, chosen with policy.yield_to or --policy yield_to=NAME) and\n"
             "the KVM side (kvm_vcpu_on_spin's candidate selection, policy.directed_yield).");
    if (!cli_parse("policies", ctx, entries, &argc, &argv, &help_shown, error)) {
        g_option_context_free(ctx);
        return false;
    }
    g_option_context_free(ctx);
    if (help_shown)
        return true;
    if (argc > 1) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "policies: takes no arguments");
        return false;
    }
    printf("yield_to (scheduler side: yield_to_task_fair):\n");
    for (unsigned int i = 0; yield_to_policies[i]; i++)
        printf("  %-22s %s%s\n", yield_to_policies[i]->name, yield_to_policies[i]->summary,
               i == 0 ? " [default]" : "");
    printf("\ndirected_yield (KVM side: kvm_vcpu_on_spin candidate selection):\n");
    for (unsigned int i = 0; dy_policies[i]; i++)
        printf("  %-22s %s%s\n", dy_policies[i]->name, dy_policies[i]->summary,
               i == 0 ? " [default]" : "");
    printf("\nKnobs (policy block or --policy KEY=VALUE): vcpu_debooster_enabled (1),\n"
           "ipi_tracking_enabled (1), ipi_window_ns (50000000), enable_relaxed_boost (1).\n"
           "See docs/policies.md.\n");
    return true;
}
