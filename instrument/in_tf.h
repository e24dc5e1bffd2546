/* Terraform's external data source protocol: stdin is one JSON object whose values are strings
 * (the data source's query), stdout must be one JSON object whose values are strings, an error is
 * a non-zero exit with the reason on stderr.
 *   query:  container_definitions  the JSON text of the task's container definitions
 *           any option name        its value ("binaries_image", "log_group", "include", ...)
 *   result: container_definitions  the instrumented JSON text */
#ifndef IN_TF_H
#define IN_TF_H
#include <stddef.h>

#include "in_err.h"
#include "in_opts.h"

/* 0 with *out (a heap string), or -1 with the reasons in errs. o takes the query's options. */
int in_tf_run(struct in_opts *o, const char *text, size_t len, char **out, size_t *outlen,
              struct in_errs *errs);

#endif
