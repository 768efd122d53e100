/*
 * src/cli/cli_common.c - small parsing and output helpers shared by the
 * subcommands (declared in cli.h): lists, numbers and output for sweep,
 * compare and regress; the --set scenario edits of run and sweep.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vsched/scenario.h"

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

/* ------------------------------------------------------------------------ */
/* --set: scenario JSON paths (run and sweep)                               */

/* One step of a path: ".key" or "[index]". */
struct cli_path_seg {
    char *key;                    /* NULL for an index */
    size_t index;
};

void cli_path_free(GArray *segs)
{
    for (unsigned int i = 0; i < segs->len; i++)
        g_free(g_array_index(segs, struct cli_path_seg, i).key);
    g_array_free(segs, TRUE);
}

/* "a.b[0].c" -> a, b, [0], c.  Keys may hold any character but . [ ] = */
GArray *cli_path_parse(const char *path, GError **error)
{
    GArray *segs = g_array_new(FALSE, TRUE, sizeof(struct cli_path_seg));
    const char *p = path;

    while (*p) {
        struct cli_path_seg seg = {0};

        if (*p == '[') {
            char *end = NULL;
            guint64 idx;

            if (segs->len == 0)
                goto bad;
            idx = g_ascii_strtoull(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || !g_ascii_isdigit(p[1]))
                goto bad;
            seg.index = (size_t)idx;
            p = end + 1;
        } else {
            const char *start;

            if (segs->len > 0) {
                if (*p != '.')
                    goto bad;
                p++;
            }
            start = p;
            while (*p && *p != '.' && *p != '[' && *p != ']' && *p != '=')
                p++;
            if (p == start)
                goto bad;
            seg.key = g_strndup(start, (gsize)(p - start));
        }
        g_array_append_val(segs, seg);
    }
    if (segs->len == 0)
        goto bad;
    return segs;
bad:
    g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                "--set %s: not a scenario path (expected keys separated by '.' with [N] for "
                "array elements, e.g. kvm.apicv or vms[0].workload.cs_us)",
                path);
    cli_path_free(segs);
    return NULL;
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/*
 * Set the value at @segs in @root to @value (stolen).  Missing object keys
 * are created (so "kvm.apicv" works on a scenario without a "kvm" block);
 * array elements must exist.  Errors name the prefix of @path that failed.
 */
bool cli_path_set(json_t *root, const char *path, const GArray *segs, json_t *value,
                  GError **error)
{
    GString *where = g_string_new(NULL);
    json_t *node = root;
    bool ok = false;

    for (unsigned int i = 0; i < segs->len; i++) {
        const struct cli_path_seg *s = &g_array_index(segs, struct cli_path_seg, i);
        bool last = i + 1 == segs->len;
        json_t *child;

        if (s->key) {
            if (!json_is_object(node)) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "--set %s: %s is %s, so it has no key \"%s\"", path,
                            where->len ? where->str : "the scenario", json_kind(node), s->key);
                goto out;
            }
            if (where->len)
                g_string_append_c(where, '.');
            g_string_append(where, s->key);
            if (last) {
                json_object_set_new(node, s->key, value);
                value = NULL;
                ok = true;
                goto out;
            }
            child = json_object_get(node, s->key);
            if (!child) {
                const struct cli_path_seg *next = &g_array_index(segs, struct cli_path_seg, i + 1);

                if (!next->key) {
                    g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                                "--set %s: the scenario has no %s, so %s[%zu] does not exist",
                                path, where->str, where->str, next->index);
                    goto out;
                }
                child = json_object();
                json_object_set_new(node, s->key, child);
            }
        } else {
            if (!json_is_array(node)) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "--set %s: %s is %s, not an array", path, where->str,
                            json_kind(node));
                goto out;
            }
            if (s->index >= json_array_size(node)) {
                g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
                            "--set %s: %s[%zu] does not exist (%s has %zu entries)", path,
                            where->str, s->index, where->str, json_array_size(node));
                goto out;
            }
            g_string_append_printf(where, "[%zu]", s->index);
            if (last) {
                json_array_set_new(node, s->index, value);
                value = NULL;
                ok = true;
                goto out;
            }
            child = json_array_get(node, s->index);
        }
        node = child;
    }
out:
    json_decref(value);
    g_string_free(where, TRUE);
    return ok;
}

/* A --set value: JSON if it parses as JSON, else a string ("off" -> "off"). */
json_t *cli_set_value_json(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);

    return v ? v : json_string(text);
}

json_t *cli_scenario_json(const char *file, GError **error)
{
    struct scenario *sc;
    json_error_t jerr;
    json_t *root;

    if (!file) {
        root = json_loads(scenario_default_json(), 0, NULL);
        SIM_BUG_ON(root == NULL);
        return root;
    }
    /* The loader first, so that a bad file gets the same message as without
     * --set (missing file, line:column, JSON path); only then are the edits
     * to blame for what the loader says about the edited text. */
    sc = scenario_load_file(file, error);
    if (!sc)
        return NULL;
    scenario_free(sc);
    root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) /* it loaded a moment ago: changed under our feet */
        g_set_error(error, VSCHED_SCENARIO_ERROR, VSCHED_SCENARIO_ERROR_IO, "%s: %s", file,
                    jerr.text);
    return root;
}
