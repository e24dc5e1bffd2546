/* Terraform external program. */
#include "in_tf.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "in_run.h"

int in_tf_run(struct in_opts *o, const char *text, size_t len, char **out, size_t *outlen,
              struct in_errs *errs)
{
    json_error_t je;
    json_t *q = json_loadb(text, len, 0, &je), *defs = NULL, *res = NULL;
    int rc = -1;
    char err[512];
    if (!json_is_object(q)) {
        in_errf(errs, "the query is not a JSON object (%s)", q ? "another JSON value" : je.text);
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(q, k, v)
    {
        if (!strcmp(k, "container_definitions"))
            continue;
        int r = in_opts_set(o, k, v, err, sizeof err);
        if (r < 0)
            in_errf(errs, "query %s: %s", k, err);
        else if (r == 0)
            in_errf(errs, "query %s: not an option of instrument (docs/instrument.md)", k);
    }
    if (errs->n)
        goto out;
    if (in_opts_check(o, err, sizeof err) < 0) {
        in_errf(errs, "%s", err);
        goto out;
    }
    const char *cd = json_string_value(json_object_get(q, "container_definitions"));
    if (!cd) {
        in_errf(errs, "the query has no container_definitions string (jsonencode([...]))");
        goto out;
    }
    defs = json_loads(cd, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_array(defs)) {
        in_errf(errs, "container_definitions is not a JSON list%s%s", defs ? "" : ": ",
                defs ? "" : je.text);
        goto out;
    }
    if (in_run_json(o, &defs, NULL, errs) < 0)
        goto out;
    char *s = json_dumps(defs, JSON_COMPACT | JSON_PRESERVE_ORDER);
    res = json_object();
    if (!s || !res || json_object_set_new(res, "container_definitions", json_string(s)) < 0) {
        free(s);
        in_errf(errs, "out of memory");
        goto out;
    }
    free(s);
    char *o2 = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!o2) {
        in_errf(errs, "out of memory");
        goto out;
    }
    size_t n = strlen(o2);
    char *t = realloc(o2, n + 2);
    if (!t) {
        free(o2);
        in_errf(errs, "out of memory");
        goto out;
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    *out = t;
    *outlen = n + 1;
    rc = 0;
out:
    json_decref(q);
    json_decref(defs);
    json_decref(res);
    return rc;
}
