/*
 * vsched/results.h - writing a run's results as a table, JSON or TSV.
 */
#ifndef VSCHED_RESULTS_H
#define VSCHED_RESULTS_H

#include <glib.h>
#include <stdio.h>

#include "vsched/sim.h"

enum result_format {
    FORMAT_TABLE,
    FORMAT_JSON,
    FORMAT_TSV,
};

bool result_format_parse(const char *s, enum result_format *out);

/* Render @r into a newly allocated string. With @with_wall false the wall_s
 * field is left out so that the output is byte-identical across runs. */
char *result_render(const struct sim_result *r, enum result_format fmt, bool with_wall);

/* Write @data to @path atomically (temporary file in the same directory,
 * then rename), so that a failed run never leaves a half-written file. */
bool write_file_atomic(const char *path, const char *data, size_t len, GError **error);

#endif /* VSCHED_RESULTS_H */
