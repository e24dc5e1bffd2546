/* The instrumented command lines, and the original command line read back out of one (so that
 * instrumenting twice is instrumenting once).
 *
 * ECS (mounted pattern):  entryPoint [PREFIX/bin/launcher]
 *                         command    [PREFIX/bin/tracer, ARGV..., "--", PREFIX/bin/engine]
 *   launcher reads "--" as the start of a background command and passes "----" on as "--", so a
 *   "--" of ARGV is written "----", and "----" after the tracer ends the tracer's options when
 *   ARGV[0] starts with '-'. An argument that is "----" itself cannot be passed.
 * Kubernetes (sidecar pattern): command [PREFIX/bin/tracer, ("--",) ARGV...]; no launcher.
 *
 * ARGV elements are JSON strings or CloudFormation intrinsic functions (objects), kept as they
 * are. */
#ifndef IN_ARGV_H
#define IN_ARGV_H
#include <jansson.h>
#include <stddef.h>

/* PREFIX/bin/PROG into out. */
void in_prog_path(const char *prefix, const char *prog, char *out, size_t outlen);

/* The new command array (entryPoint is [launcher]); NULL with why in err. */
json_t *in_argv_ecs_command(const char *prefix, json_t *argv, char *err, size_t errlen);
/* 1 with the original argv (new reference) when entrypoint and command are instrumented ones;
 * 0 when they are not. */
int in_argv_ecs_recover(const char *prefix, json_t *entrypoint, json_t *command, json_t **orig);

json_t *in_argv_k8s_command(const char *prefix, json_t *command);
int in_argv_k8s_recover(const char *prefix, json_t *command, json_t **orig);

/* Concatenation of two arrays (either may be NULL): a new array holding their elements. */
json_t *in_argv_concat(json_t *a, json_t *b);

#endif
