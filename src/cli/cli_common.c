/*
 * src/cli/cli_common.c - small parsing and output helpers shared by the
 * sweep, compare and regress subcommands (declared in cli.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

char **cli_split_list(const char *s)
{
    GPtrArray *items = g_ptr_array_new();
    const char *start = s;
    int depth = 0;
    bool quoted = false;

    for (const char *c = s;; c++) {
        if (*c == '\0' || (*c == ',' && depth == 0 && !quoted)) {
            char *item = g_strndup(start, (gsize)(c - start));

            g_ptr_array_add(items, g_strstrip(item));
            if (*c == '\0')
                break;
            start = c + 1;
        } else if (quoted) {
            if (*c == '\\' && c[1])
                c++;
            else if (*c == '"')
                quoted = false;
        } else if (*c == '"') {
            quoted = true;
        } else if (*c == '[' || *c == '{') {
            depth++;
        } else if ((*c == ']' || *c == '}') && depth > 0) {
            depth--;
        }
    }
    g_ptr_array_add(items, NULL);
    return (char **)g_ptr_array_free(items, FALSE);
}

bool cli_parse_duration_ms(const char *opt, const char *s, u64 *out_ns, GError **error)
{
    char *end = NULL;
    double ms = g_ascii_strtod(s, &end), ns;

    ns = round(ms * 1e6);
    if (!*s || !end || *end || !isfinite(ms) || !(ms > 0) || ns < 1 || ns > 1e18) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "%s: expected a number of milliseconds > 0 (at least 1 ns, at most 1e12), "
                    "got \"%s\"",
                    opt, s);
        return false;
    }
    *out_ns = (u64)ns;
    return true;
}

bool cli_parse_uint(const char *opt, const char *s, guint64 min, guint64 max, guint64 *out,
                    GError **error)
{
    if (!g_ascii_string_to_unsigned(s, 10, min, max, out, NULL)) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                    "%s: expected an integer from %llu to %llu, got \"%s\"", opt,
                    (unsigned long long)min, (unsigned long long)max, s);
        return false;
    }
    return true;
}

bool cli_check_out_dir(const char *path, GError **error)
{
    char *dir = g_path_get_dirname(path);
    bool ok = g_file_test(dir, G_FILE_TEST_IS_DIR);

    if (!ok)
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "cannot write %s: %s is not an existing directory", path, dir);
    g_free(dir);
    return ok;
}

bool cli_write_stdout(const char *text, GError **error)
{
    size_t len = strlen(text);

    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        g_set_error(error, CLI_ERROR, CLI_ERROR_OUTPUT, "cannot write the results to stdout");
        return false;
    }
    return true;
}
