/* Shape recognition and dispatch. */
#include "in_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "in_cfn.h"
#include "in_ctx.h"
#include "in_doc.h"
#include "in_ecs.h"
#include "in_json.h"
#include "in_k8s.h"

#define DEFAULT_LOG_GROUP "/tartan/alerts"

/* Fields describe-task-definition prints that register-task-definition does not take. */
static const char *const read_only[] = {"taskDefinitionArn",  "revision",        "status",
                                        "requiresAttributes", "compatibilities", "registeredAt",
                                        "registeredBy",       "deregisteredAt",  NULL};

/* {"taskDefinition": {...}, "tags": [...]} -> the task definition with its tags. */
static json_t *unwrap_describe(json_t *r)
{
    json_t *td = json_incref(json_object_get(r, "taskDefinition"));
    for (const char *const *k = read_only; *k; k++)
        json_object_del(td, *k);
    json_t *tags = json_object_get(r, "tags");
    if (json_array_size(tags) && !json_object_get(td, "tags"))
        json_object_set(td, "tags", tags);
    return td;
}

static int ecs_register(struct in_ctx *ctx, json_t *td, int containers_only)
{
    char who[300], args[64];
    const char *family = in_str(json_object_get(td, "family"));
    if (containers_only)
        snprintf(who, sizeof who, "container_definitions");
    else
        snprintf(who, sizeof who, "task definition %s", family ? family : "(no family)");
    snprintf(args, sizeof args, "--retention-days %d", ctx->o->retention_days);
    json_t *lg = json_string(ctx->o->log_group ? ctx->o->log_group : DEFAULT_LOG_GROUP);
    struct in_ecs_task t = {.td = td,
                            .containers_only = containers_only,
                            .resource = who,
                            .log_group = lg,
                            .logshipper_args = args};
    int rc = in_ecs_instrument(ctx, &t);
    json_decref(lg);
    return rc < 0 ? -1 : 0;
}

static int container_list(json_t *a)
{
    size_t i;
    json_t *c;
    if (!json_array_size(a))
        return 0;
    json_array_foreach(a, i, c) if (!json_is_object(c) || !json_object_get(c, "image")) return 0;
    return 1;
}

/* 0 handled (even with nothing to do), -1 refused, -2 not a shape instrument knows. */
static int dispatch(struct in_ctx *ctx, json_t **rootp)
{
    json_t *r = *rootp;
    if (json_is_object(r)) {
        if (json_is_object(json_object_get(r, "taskDefinition")) &&
            !json_object_get(r, "containerDefinitions")) {
            json_t *td = unwrap_describe(r);
            json_decref(r);
            *rootp = r = td;
        }
        if (json_object_get(r, "containerDefinitions"))
            return ecs_register(ctx, r, 0);
        if (json_object_get(r, "Resources") || json_object_get(r, "AWSTemplateFormatVersion"))
            return in_cfn_template(ctx, r);
        if (json_object_get(r, "ContainerDefinitions"))
            return in_cfn_properties(ctx, r);
        if (json_object_get(r, "apiVersion") && json_object_get(r, "kind"))
            return in_k8s_document(ctx, r) < 0 ? -1 : 0;
    } else if (container_list(r)) {
        return ecs_register(ctx, r, 1);
    }
    return -2;
}

static int ctx_init(struct in_ctx *ctx, const struct in_opts *o, json_t *cfn_params,
                    struct in_errs *errs)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->o = o;
    ctx->prefix = o->prefix ? o->prefix : "/vendor/falco";
    ctx->binaries_name = o->binaries_name ? o->binaries_name : "tartan-binaries";
    ctx->params = cfn_params ? json_deep_copy(cfn_params) : json_object();
    for (size_t i = 0; ctx->params && i < o->parameters.n; i++) {
        const char *p = o->parameters.v[i], *eq = strchr(p, '=');
        char k[256];
        snprintf(k, sizeof k, "%.*s", (int)(eq - p), p);
        json_object_set_new(ctx->params, k, json_string(eq + 1));
    }
    char err[512];
    ctx->images = in_images_new(o, err, sizeof err);
    if (!ctx->params || !ctx->images) {
        in_errf(errs, "%s", ctx->images ? "out of memory" : err);
        return -1;
    }
    return 0;
}

static int ctx_finish(struct in_ctx *ctx, struct in_errs *errs, int rc)
{
    for (size_t i = 0; i < ctx->errs.n; i++)
        in_errf(errs, "%s", ctx->errs.v[i]);
    if (!ctx->errs.n && rc == 0 && !ctx->done)
        fprintf(stderr,
                "instrument: warning: nothing instrumented (%d task definition%s or "
                "workload%s found, the others opted out or none chosen)\n",
                ctx->found, ctx->found == 1 ? "" : "s", ctx->found == 1 ? "" : "s");
    in_errs_free(&ctx->errs);
    in_images_free(ctx->images);
    json_decref(ctx->params);
    return errs->n ? -1 : rc;
}

static const char unknown[] =
    "not an ECS task definition (containerDefinitions, or describe-task-definition's "
    "taskDefinition), a list of container definitions, a CloudFormation template (Resources) or "
    "a Kubernetes manifest (apiVersion and kind)";

int in_run_json(const struct in_opts *o, json_t **root, json_t *cfn_params, struct in_errs *errs)
{
    struct in_ctx ctx;
    if (ctx_init(&ctx, o, cfn_params, errs) < 0)
        return ctx_finish(&ctx, errs, -1);
    int rc = dispatch(&ctx, root);
    if (rc == -2)
        in_errf(&ctx.errs, "the input is %s", unknown);
    return ctx_finish(&ctx, errs, rc < 0 ? -1 : 0);
}

int in_run_text(const struct in_opts *o, const char *text, size_t len, const char *name,
                json_t *cfn_params, char **out, size_t *outlen, struct in_errs *errs)
{
    struct in_doc d;
    char err[1024];
    if (in_doc_load(&d, text, len, name, err, sizeof err) < 0) {
        in_errf(errs, "%s", err);
        in_doc_free(&d);
        return -1;
    }
    struct in_ctx ctx;
    int rc = ctx_init(&ctx, o, cfn_params, errs);
    int known = 0;
    for (size_t i = 0; rc == 0 && i < d.nroots; i++) {
        if (json_is_null(d.roots[i]) && d.nroots > 1)
            continue; /* an empty document of a stream */
        int r = dispatch(&ctx, &d.roots[i]);
        if (r == -1)
            rc = -1;
        known |= r != -2;
    }
    if (rc == 0 && !known) {
        in_errf(&ctx.errs, "%s: %s", name, unknown);
        rc = -1;
    }
    rc = ctx_finish(&ctx, errs, rc);
    if (rc == 0 && in_doc_dump(&d, o->compact, out, outlen, err, sizeof err) < 0) {
        in_errf(errs, "%s: %s", name, err);
        rc = -1;
    }
    in_doc_free(&d);
    return rc;
}
