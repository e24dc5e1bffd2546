/* Building and reading back instrumented command lines. */
#include "in_argv.h"

#include <stdio.h>
#include <string.h>

void in_prog_path(const char *prefix, const char *prog, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/bin/%s", prefix, prog);
}

static int is_str(json_t *j, const char *s)
{
    return json_is_string(j) && !strcmp(json_string_value(j), s);
}

json_t *in_argv_concat(json_t *a, json_t *b)
{
    json_t *r = json_array();
    if (!r)
        return NULL;
    if ((json_is_array(a) && json_array_extend(r, a) < 0) ||
        (json_is_array(b) && json_array_extend(r, b) < 0)) {
        json_decref(r);
        return NULL;
    }
    return r;
}

json_t *in_argv_ecs_command(const char *prefix, json_t *argv, char *err, size_t errlen)
{
    char tracer[512], engine[512];
    in_prog_path(prefix, "tracer", tracer, sizeof tracer);
    in_prog_path(prefix, "engine", engine, sizeof engine);
    json_t *c = json_array();
    if (!c || json_array_append_new(c, json_string(tracer)) < 0)
        goto oom;
    json_t *first = json_array_get(argv, 0);
    if (json_is_string(first) && json_string_value(first)[0] == '-' &&
        json_array_append_new(c, json_string("----")) < 0)
        goto oom;
    size_t i;
    json_t *a;
    json_array_foreach(argv, i, a)
    {
        if (is_str(a, "----")) {
            snprintf(err, errlen,
                     "argument %zu is \"----\", which launcher cannot pass on (it stands for "
                     "\"--\")",
                     i + 1);
            json_decref(c);
            return NULL;
        }
        int rc = is_str(a, "--") ? json_array_append_new(c, json_string("----"))
                                 : json_array_append(c, a);
        if (rc < 0)
            goto oom;
    }
    if (json_array_append_new(c, json_string("--")) < 0 ||
        json_array_append_new(c, json_string(engine)) < 0)
        goto oom;
    return c;
oom:
    json_decref(c);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

int in_argv_ecs_recover(const char *prefix, json_t *entrypoint, json_t *command, json_t **orig)
{
    char launcher[512], tracer[512], engine[512];
    in_prog_path(prefix, "launcher", launcher, sizeof launcher);
    in_prog_path(prefix, "tracer", tracer, sizeof tracer);
    in_prog_path(prefix, "engine", engine, sizeof engine);
    size_t n = json_array_size(command);
    if (json_array_size(entrypoint) != 1 || !is_str(json_array_get(entrypoint, 0), launcher) ||
        n < 3 || !is_str(json_array_get(command, 0), tracer) ||
        !is_str(json_array_get(command, n - 1), engine) ||
        !is_str(json_array_get(command, n - 2), "--"))
        return 0;
    size_t from = is_str(json_array_get(command, 1), "----") ? 2 : 1;
    json_t *r = json_array();
    if (!r)
        return 0;
    for (size_t i = from; i + 2 < n; i++) {
        json_t *a = json_array_get(command, i);
        if (is_str(a, "--")) { /* not something this program writes */
            json_decref(r);
            return 0;
        }
        if ((is_str(a, "----") ? json_array_append_new(r, json_string("--"))
                               : json_array_append(r, a)) < 0) {
            json_decref(r);
            return 0;
        }
    }
    *orig = r;
    return 1;
}

json_t *in_argv_k8s_command(const char *prefix, json_t *command)
{
    char tracer[512];
    in_prog_path(prefix, "tracer", tracer, sizeof tracer);
    json_t *c = json_array();
    if (!c || json_array_append_new(c, json_string(tracer)) < 0)
        goto oom;
    json_t *first = json_array_get(command, 0);
    if (json_is_string(first) && json_string_value(first)[0] == '-' &&
        json_array_append_new(c, json_string("--")) < 0)
        goto oom;
    if (json_is_array(command) && json_array_extend(c, command) < 0)
        goto oom;
    return c;
oom:
    json_decref(c);
    return NULL;
}

int in_argv_k8s_recover(const char *prefix, json_t *command, json_t **orig)
{
    char tracer[512];
    in_prog_path(prefix, "tracer", tracer, sizeof tracer);
    size_t n = json_array_size(command);
    if (n < 1 || !is_str(json_array_get(command, 0), tracer))
        return 0;
    size_t from = is_str(json_array_get(command, 1), "--") ? 2 : 1;
    json_t *r = json_array();
    if (!r)
        return 0;
    for (size_t i = from; i < n; i++)
        if (json_array_append(r, json_array_get(command, i)) < 0) {
            json_decref(r);
            return 0;
        }
    *orig = r;
    return 1;
}
