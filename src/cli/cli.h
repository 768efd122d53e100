/*
 * src/cli/cli.h - private interface between main.c (the dispatcher) and the
 * subcommands (cmd_*.c), one file per subcommand.
 *
 * A subcommand gets its own argv (argv[0] is the subcommand's name), returns
 * false with @error set on failure, and never exits: main() alone maps the
 * error to an exit status (see cli_exit_status in main.c).
 */
#ifndef VSCHED_CLI_H
#define VSCHED_CLI_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include "vsched/types.h"

#define CLI_ERROR (cli_error_quark())
GQuark cli_error_quark(void);
enum cli_error_code {
    CLI_ERROR_USAGE,  /* bad command line: exit status 2 */
    CLI_ERROR_OUTPUT, /* could not write the results: exit status 1 */
    CLI_ERROR_REGRESSION, /* vsched regress found metrics that moved: exit status 1 */
    CLI_ERROR_INTERRUPTED, /* stopped by SIGINT after saving what was finished: exit status 130 */
};

/* One entry of the dispatch table in main.c. */
struct cli_command {
    const char *name;     /* what the user types after "vsched" */
    const char *summary;  /* one line for "vsched --help" */
    bool (*fn)(int argc, char **argv, GError **error); /* runs it */
};

bool cmd_run(int argc, char **argv, GError **error);
bool cmd_validate(int argc, char **argv, GError **error);
bool cmd_policies(int argc, char **argv, GError **error);
bool cmd_plot(int argc, char **argv, GError **error);
bool cmd_sweep(int argc, char **argv, GError **error);
bool cmd_compare(int argc, char **argv, GError **error);
bool cmd_regress(int argc, char **argv, GError **error);

/*
 * Parse a subcommand's options with GLib's parser, with "-h/--help" handled
 * here (GLib's own help handler would exit() from inside the parser).
 * @entries must not contain "help".  Returns false with @error (prefixed
 * with @cmd, the subcommand's name) on bad options; sets *@help_shown when it printed the help (the caller then just
 * returns true).
 */
bool cli_parse(const char *cmd, GOptionContext *ctx, const GOptionEntry *entries, int *argc,
               char ***argv, bool *help_shown, GError **error);

/* ---- helpers shared by sweep, compare and regress (cli_common.c) ---- */

/* Split @s at the commas that are not inside [...], {...} or "..." (so that
 * JSON values survive), trimming blanks around each item.  g_strfreev. */
char **cli_split_list(const char *s);
/* A number of milliseconds > 0 (fractional allowed) -> ns; @opt names the
 * option in the message. */
bool cli_parse_duration_ms(const char *opt, const char *s, u64 *out_ns, GError **error);
/* An integer in [@min, @max]; @opt names the option in the message. */
bool cli_parse_uint(const char *opt, const char *s, guint64 min, guint64 max, guint64 *out,
                    GError **error);
/* Fail early (before long runs) if @path's directory does not exist. */
bool cli_check_out_dir(const char *path, GError **error);
/* Write @text to stdout, reporting failures (full disk, closed pipe...). */
bool cli_write_stdout(const char *text, GError **error);

/* ---- --set PATH=VALUE: edits of the scenario JSON (run and sweep) ---- */

/* Parse a scenario path, "kvm.apicv" or "vms[0].workload.cs_us": keys
 * separated by '.', [N] for array elements.  Returns the steps (free with
 * cli_path_free), or NULL with a "--set PATH: ..." usage error. */
GArray *cli_path_parse(const char *path, GError **error);
void cli_path_free(GArray *segs);
/* Set the value at @segs (parsed from @path) in @root to @value (stolen, even
 * on failure).  Missing object keys are created; array elements must exist.
 * Errors are usage errors "--set PATH: ..." naming the step that failed. */
bool cli_path_set(json_t *root, const char *path, const GArray *segs, json_t *value,
                  GError **error);
/* A --set value: @text parsed as JSON if it parses, else the string @text
 * ("off" -> "off", "3" -> 3, "[0,1]" -> an array).  New reference. */
json_t *cli_set_value_json(const char *text);
/* The JSON of scenario file @file, or of the embedded default if @file is
 * NULL, to be edited and then loaded with scenario_load_string().  A file is
 * run through the loader first, so a bad one fails with the loader's own
 * message.  New reference, or NULL with @error set. */
json_t *cli_scenario_json(const char *file, GError **error);

#endif /* VSCHED_CLI_H */
