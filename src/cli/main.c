/*
 * src/cli/main.c - the vsched command: a table-driven subcommand dispatcher
 * (in the style of Redis' command table) and the only place that chooses an
 * exit status.
 *
 * Exit status: 0 success; 2 bad input (bad scenario, bad option, unknown
 * command, missing file, bad row file); 1 internal failure (e.g. the output
 * file could not be written) or, for regress, a regression; 130 interrupted
 * by SIGINT (sweep, regress) after saving what was finished.  Error messages go to stderr prefixed with "vsched: ".
 *
 * We deliberately do not call setlocale(): numbers must print with a '.'
 * whatever the user's locale, or JSON/TSV output would not be portable.
 */
#include <stdio.h>
#include <string.h>

#include "vsched/rows.h"
#include "vsched/scenario.h"
#include "vsched/version.h"

#include "cli.h"

G_DEFINE_QUARK(vsched-cli-error-quark, cli_error)

static const struct cli_command commands[] = {
    {"run", "simulate a scenario: per-VM throughput, spinning, exits, yields, latencies, fairness",
     cmd_run},
    {"validate", "check scenario files and summarise them", cmd_validate},
    {"policies", "list the yield algorithms (yield_to and directed_yield) and their knobs",
     cmd_policies},
    {"sweep", "run a grid (VM count or overcommit x --set values x policy variants x seeds)", cmd_sweep},
    {"compare", "paired comparison of variants against a baseline from row files", cmd_compare},
    {"regress", "run the regression suite and compare with the stored baselines", cmd_regress},
    {"plot", "plot a result-row file with gnuplot (throughput, speed-up, fairness, ...)", cmd_plot},
};

static void print_overview(FILE *f)
{
    fprintf(f,
            "vsched %s - a discrete-event simulator of how a Linux host (EEVDF with\n"
            "cgroup CPU shares) schedules host tasks and the vCPUs of overcommitted KVM\n"
            "VMs, for comparing vCPU yield algorithms.  A scenario file (JSON, see\n"
            "docs/scenario-format.md) describes the host, the kernel profile, KVM, cgroups,\n"
            "tasks, VMs with guest workloads, and the yield policies.\n"
            "\n"
            "Usage:\n"
            "  vsched COMMAND [OPTION...] [ARG...]\n"
            "  vsched --help | --version\n"
            "\n"
            "Commands:\n",
            VSCHED_VERSION);
    for (unsigned int i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-10s %s\n", "help", "show this overview, or a command's help (vsched help run)");
    fprintf(f, "\n"
               "Run \"vsched COMMAND --help\" (e.g. \"vsched run --help\") for a command's options.\n"
               "Exit status: 0 ok, 2 bad input (scenario, options), 1 internal failure\n"
               "(regress: a regression), 130 interrupted (sweep, regress).\n");
}

bool cli_parse(const char *cmd, GOptionContext *ctx, const GOptionEntry *entries, int *argc,
               char ***argv, bool *help_shown, GError **error)
{
    gboolean help = FALSE;
    GError *perr = NULL;
    const GOptionEntry help_entry[] = {
        {"help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help", NULL},
        G_OPTION_ENTRY_NULL,
    };

    *help_shown = false;
    g_option_context_set_help_enabled(ctx, FALSE);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_main_entries(ctx, help_entry, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &perr)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "%s: %s (see vsched %s --help)", cmd,
                    perr->message, cmd);
        g_error_free(perr);
        return false;
    }
    if (help) {
        char *text = g_option_context_get_help(ctx, TRUE, NULL);

        fputs(text, stdout);
        g_free(text);
        *help_shown = true;
    }
    return true;
}

/* Bad input -> 2, interrupted -> 130 (128 + SIGINT, as a shell reports a
 * process killed by Ctrl-C), anything else (I/O on output, simulator, a
 * regression found) -> 1. */
static int cli_exit_status(const GError *err)
{
    if (err->domain == VSCHED_SCENARIO_ERROR || err->domain == VSCHED_ROWS_ERROR ||
        err->domain == G_OPTION_ERROR)
        return 2;
    if (err->domain == CLI_ERROR && err->code == CLI_ERROR_INTERRUPTED)
        return 130;
    if (err->domain == CLI_ERROR)
        return err->code == CLI_ERROR_USAGE ? 2 : 1;
    return 1;
}

static const struct cli_command *find_command(const char *name)
{
    for (unsigned int i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct cli_command *cmd;
    GError *err = NULL;
    char *prgname;
    bool ok;

    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("vsched %s\n", VSCHED_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        /* "vsched help run" == "vsched run --help" */
        char *sub_argv[] = {argv[2], "--help", NULL};

        cmd = find_command(argv[2]);
        if (!cmd) {
            fprintf(stderr, "vsched: unknown command \"%s\" (see vsched --help)\n", argv[2]);
            return 2;
        }
        prgname = g_strdup_printf("vsched %s", cmd->name);
        g_set_prgname(prgname);
        g_free(prgname);
        ok = cmd->fn(2, sub_argv, &err);
    } else {
        cmd = find_command(argv[1]);
        if (!cmd) {
            if (argv[1][0] == '-')
                fprintf(stderr, "vsched: unknown option %s (see vsched --help)\n", argv[1]);
            else
                fprintf(stderr, "vsched: unknown command \"%s\" (see vsched --help)\n", argv[1]);
            return 2;
        }
        prgname = g_strdup_printf("vsched %s", cmd->name);
        g_set_prgname(prgname);
        g_free(prgname);
        ok = cmd->fn(argc - 1, argv + 1, &err);
    }
    if (!ok) {
        int status = err ? cli_exit_status(err) : 1;

        fprintf(stderr, "vsched: %s\n", err ? err->message : "unknown error");
        g_clear_error(&err);
        return status;
    }
    return 0;
}
