/* One instrumentation: recognise what the input is, instrument it, produce the output. The command
 * line, the CloudFormation macro and the Terraform external program all come through here. */
#ifndef IN_RUN_H
#define IN_RUN_H
#include <jansson.h>
#include <stddef.h>

#include "in_err.h"
#include "in_opts.h"

/* text (JSON or YAML, any supported shape) instrumented into *out (a heap string). cfn_params:
 * CloudFormation parameter values (borrowed, may be NULL). 0, or -1 with the refusals in errs
 * (nothing in *out). */
int in_run_text(const struct in_opts *o, const char *text, size_t len, const char *name,
                json_t *cfn_params, char **out, size_t *outlen, struct in_errs *errs);

/* A JSON value instrumented in place; *root may be replaced (a describe-task-definition output
 * is unwrapped). 0 or -1. */
int in_run_json(const struct in_opts *o, json_t **root, json_t *cfn_params, struct in_errs *errs);

#endif
