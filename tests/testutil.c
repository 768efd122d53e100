/*
 * tests/testutil.c - helpers for the Check suites (see testutil.h).
 */
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "testutil.h"

char *tu_read_file(const char *path)
{
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

bool tu_run(const char *const *argv, const char *cwd, struct tu_proc *p)
{
    int wait_status = 0;
    GError *err = NULL;

    p->out = NULL;
    p->err = NULL;
    p->status = -1;
    if (!g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &p->out, &p->err,
                      &wait_status, &err)) {
        g_printerr("cannot run %s: %s\n", argv[0], err->message);
        g_error_free(err);
        return false;
    }
    if (WIFEXITED(wait_status))
        p->status = WEXITSTATUS(wait_status);
    return true;
}

void tu_proc_clear(struct tu_proc *p)
{
    g_clear_pointer(&p->out, g_free);
    g_clear_pointer(&p->err, g_free);
}

char *tu_mkdtemp(void)
{
    return g_dir_make_tmp("vsched-test-XXXXXX", NULL);
}

void tu_rmdir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (!d)
        return;
    while ((name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);

        g_unlink(path);
        g_free(path);
    }
    g_dir_close(d);
    g_rmdir(dir);
}

int tu_count_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;

    if (!d)
        return -1;
    while (g_dir_read_name(d))
        n++;
    g_dir_close(d);
    return n;
}
