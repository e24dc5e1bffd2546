/* CloudFormation templates. */
#include "in_cfn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "in_ecs.h"
#include "in_json.h"
#include "ls_buf.h"

/* --- parameter resolution (only to find an image's registry entry) ------------------------- */

static char *resolve_depth(struct in_ctx *ctx, json_t *v, json_t *vars, int depth, char *err,
                           size_t errlen);

static char *param(struct in_ctx *ctx, json_t *vars, const char *name, int depth, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(vars, name);
    if (v)
        return resolve_depth(ctx, v, NULL, depth + 1, err, errlen);
    v = json_object_get(ctx->params, name);
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (!strcmp(name, "AWS::Region") && (ctx->o->region || getenv("AWS_REGION")))
        return strdup(ctx->o->region ? ctx->o->region : getenv("AWS_REGION"));
    if (!strcmp(name, "AWS::Partition"))
        return strdup("aws");
    if (!strcmp(name, "AWS::URLSuffix"))
        return strdup("amazonaws.com");
    snprintf(err, errlen, "%s has no known value (--parameter %s=VALUE)", name, name);
    return NULL;
}

/* Fn::Sub: ${Name} replaced, ${!Literal} written as ${Literal}. */
static char *sub(struct in_ctx *ctx, const char *s, json_t *vars, int depth, char *err,
                 size_t errlen)
{
    struct ls_buf b = {0};
    while (*s) {
        const char *d = strstr(s, "${");
        if (!d) {
            if (ls_buf_adds(&b, s) < 0)
                goto oom;
            break;
        }
        if (ls_buf_add(&b, s, (size_t)(d - s)) < 0)
            goto oom;
        const char *e = strchr(d, '}');
        if (!e) {
            snprintf(err, errlen, "Fn::Sub: unterminated ${");
            goto fail;
        }
        if (d[2] == '!') {
            if (ls_buf_adds(&b, "${") < 0 || ls_buf_add(&b, d + 3, (size_t)(e - d - 2)) < 0)
                goto oom;
        } else {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(e - d - 2), d + 2);
            char *val = param(ctx, vars, name, depth, err, errlen);
            if (!val)
                goto fail;
            int rc = ls_buf_adds(&b, val);
            free(val);
            if (rc < 0)
                goto oom;
        }
        s = e + 1;
    }
    if (ls_buf_reserve(&b, 0) < 0)
        goto oom;
    return b.p;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    ls_buf_free(&b);
    return NULL;
}

static char *join(struct in_ctx *ctx, json_t *args, int depth, char *err, size_t errlen)
{
    const char *sep = json_string_value(json_array_get(args, 0));
    json_t *items = json_array_get(args, 1);
    if (!sep || !json_is_array(items)) {
        snprintf(err, errlen, "Fn::Join needs [separator, [values]]");
        return NULL;
    }
    struct ls_buf b = {0};
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x)
    {
        char *s = resolve_depth(ctx, x, NULL, depth + 1, err, errlen);
        if (!s || (i && ls_buf_adds(&b, sep) < 0) || ls_buf_adds(&b, s) < 0) {
            free(s);
            ls_buf_free(&b);
            return NULL;
        }
        free(s);
    }
    if (ls_buf_reserve(&b, 0) < 0) {
        ls_buf_free(&b);
        return NULL;
    }
    return b.p;
}

static char *resolve_depth(struct in_ctx *ctx, json_t *v, json_t *vars, int depth, char *err,
                           size_t errlen)
{
    if (depth > 16) {
        snprintf(err, errlen, "nested too deeply");
        return NULL;
    }
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (!json_is_object(v) || json_object_size(v) != 1) {
        snprintf(err, errlen, "not a string or an intrinsic function");
        return NULL;
    }
    const char *fn = json_object_iter_key(json_object_iter(v));
    json_t *a = json_object_iter_value(json_object_iter(v));
    if (!strcmp(fn, "Ref") && json_is_string(a))
        return param(ctx, vars, json_string_value(a), depth, err, errlen);
    if (!strcmp(fn, "Fn::Sub") && json_is_string(a))
        return sub(ctx, json_string_value(a), NULL, depth, err, errlen);
    if (!strcmp(fn, "Fn::Sub") && json_is_string(json_array_get(a, 0)))
        return sub(ctx, json_string_value(json_array_get(a, 0)), json_array_get(a, 1), depth, err,
                   errlen);
    if (!strcmp(fn, "Fn::Join"))
        return join(ctx, a, depth, err, errlen);
    snprintf(err, errlen, "%s is only known at deployment", fn);
    return NULL;
}

/* An image reference for v: a string, or Ref / Fn::Sub / Fn::Join over parameter values in
 * ctx->params. A heap string, or NULL (why in err). */
static char *in_cfn_resolve(struct in_ctx *ctx, json_t *v, char *err, size_t errlen)
{
    return resolve_depth(ctx, v, NULL, 0, err, errlen);
}

/* Template Parameters' defaults, under the values already known (command line, macro). */
static int add_defaults(struct in_ctx *ctx, json_t *tmpl)
{
    if (!ctx->params && !(ctx->params = json_object()))
        return -1;
    const char *k;
    json_t *p;
    json_object_foreach(json_object_get(tmpl, "Parameters"), k, p)
    {
        json_t *d = json_object_get(p, "Default");
        char num[32];
        const char *s = json_string_value(d);
        if (json_is_integer(d))
            s = (snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(d)), num);
        if (s && !json_object_get(ctx->params, k) &&
            json_object_set_new(ctx->params, k, json_string(s)) < 0)
            return -1;
    }
    return 0;
}

/* --- what the template gets besides the task definitions ----------------------------------- */

/* The logical id of a role defined in the template that v (a TaskRoleArn) points at. */
static const char *template_role(json_t *resources, json_t *v)
{
    json_t *ga = json_object_get(v, "Fn::GetAtt"), *ref = json_object_get(v, "Ref");
    char id[256] = "";
    if (json_is_array(ga) && json_is_string(json_array_get(ga, 0)))
        snprintf(id, sizeof id, "%s", json_string_value(json_array_get(ga, 0)));
    else if (json_is_string(ga))
        snprintf(id, sizeof id, "%.*s", (int)strcspn(json_string_value(ga), "."),
                 json_string_value(ga));
    else if (json_is_string(ref))
        snprintf(id, sizeof id, "%s", json_string_value(ref));
    const char *k;
    json_t *r;
    json_object_foreach(resources, k, r)
    {
        const char *t = json_string_value(json_object_get(r, "Type"));
        if (!strcmp(k, id) && t && !strcmp(t, "AWS::IAM::Role"))
            return k;
    }
    return NULL;
}

static json_t *fn(const char *name, json_t *arg)
{
    json_t *o = json_object();
    if (o && json_object_set_new(o, name, arg) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int add_log_group(struct in_ctx *ctx, json_t *resources)
{
    json_t *lg = json_object_get(resources, IN_CFN_LOG_GROUP);
    if (!lg) {
        lg = json_pack("{s:s}", "Type", "AWS::Logs::LogGroup");
        if (!lg || json_object_set_new(resources, IN_CFN_LOG_GROUP, lg) < 0)
            return -1;
    }
    json_t *props = json_object_get(lg, "Properties");
    if (!json_is_object(props)) {
        props = json_object();
        if (!props || json_object_set_new(lg, "Properties", props) < 0)
            return -1;
    }
    /* Alerts outlive the stack: a deleted stack keeps its log group. */
    return in_set(lg, "Type", json_string("AWS::Logs::LogGroup")) < 0 ||
                   in_set(props, "RetentionInDays", json_integer(ctx->o->retention_days)) < 0 ||
                   in_set(lg, "DeletionPolicy", json_string("Retain")) < 0 ||
                   in_set(lg, "UpdateReplacePolicy", json_string("Retain")) < 0
               ? -1
               : 0;
}

static json_t *policy_document(struct in_ctx *ctx)
{
    json_t *actions = json_pack("[ss]", "logs:CreateLogStream", "logs:PutLogEvents");
    json_t *res;
    if (ctx->o->log_group) {
        char arn[1024];
        snprintf(arn, sizeof arn,
                 "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:%s:*",
                 ctx->o->log_group);
        res = fn("Fn::Sub", json_string(arn));
        if (actions) { /* logshipper creates a group it does not find and sets its retention */
            json_array_append_new(actions, json_string("logs:CreateLogGroup"));
            json_array_append_new(actions, json_string("logs:PutRetentionPolicy"));
        }
    } else {
        res = fn("Fn::GetAtt", json_pack("[ss]", IN_CFN_LOG_GROUP, "Arn"));
    }
    if (!actions || !res) {
        json_decref(actions);
        json_decref(res);
        return NULL;
    }
    return json_pack("{s:s, s:[{s:s, s:s, s:o, s:o}]}", "Version", "2012-10-17", "Statement", "Sid",
                     "ShipTartanAlerts", "Effect", "Allow", "Action", actions, "Resource", res);
}

/* TartanAlertsPolicy on roles (an array of logical ids; stolen). */
static int add_policy(struct in_ctx *ctx, json_t *resources, json_t *roles)
{
    json_t *refs = json_array(), *doc = policy_document(ctx);
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r) json_array_append_new(refs, fn("Ref", json_incref(r)));
    json_decref(roles);
    json_t *pol = json_pack("{s:s, s:{s:s, s:o, s:o}}", "Type", "AWS::IAM::Policy", "Properties",
                            "PolicyName", "tartan-alerts", "Roles", refs, "PolicyDocument", doc);
    if (!pol)
        return -1;
    return in_set(resources, IN_CFN_POLICY, pol);
}

/* The task definition resource waits for the policy: a service in the same stack must not start
 * tasks whose alerts cannot be written yet. */
static int depend_on_policy(json_t *res)
{
    json_t *d = json_object_get(res, "DependsOn");
    if (json_is_string(d)) {
        if (!strcmp(json_string_value(d), IN_CFN_POLICY))
            return 0;
        json_t *a = json_pack("[Os]", d, IN_CFN_POLICY);
        return a ? json_object_set_new(res, "DependsOn", a) : -1;
    }
    if (json_is_array(d)) {
        size_t i;
        json_t *x;
        json_array_foreach(d, i, x) if (json_is_string(x) &&
                                        !strcmp(json_string_value(x), IN_CFN_POLICY)) return 0;
        return json_array_append_new(d, json_string(IN_CFN_POLICY));
    }
    return json_object_set_new(res, "DependsOn", json_string(IN_CFN_POLICY));
}

static int instrument_props(struct in_ctx *ctx, json_t *props, const char *resource,
                            json_t *log_group, const char *args)
{
    struct in_ecs_task t = {.td = props,
                            .pascal = 1,
                            .resource = resource,
                            .log_group = log_group,
                            .logshipper_args = args,
                            .image_of = in_cfn_resolve};
    return in_ecs_instrument(ctx, &t);
}

static void log_group_value(struct in_ctx *ctx, json_t **value, char *args, size_t n)
{
    if (ctx->o->log_group) {
        *value = json_string(ctx->o->log_group);
        snprintf(args, n, "--retention-days %d", ctx->o->retention_days);
    } else {
        *value = fn("Ref", json_string(IN_CFN_LOG_GROUP));
        snprintf(args, n, "--no-create-group");
    }
}

int in_cfn_properties(struct in_ctx *ctx, json_t *props)
{
    json_t *lg;
    char args[64];
    if (!ctx->o->log_group) {
        in_errf(&ctx->errs, "a task definition's properties alone (Fn::Transform on the resource) "
                            "need --log-group (the log group cannot be added to the template)");
        return -1;
    }
    if (add_defaults(ctx, props) < 0)
        return -1;
    log_group_value(ctx, &lg, args, sizeof args);
    int rc = instrument_props(ctx, props, "task definition properties", lg, args);
    json_decref(lg);
    return rc < 0 ? -1 : 0;
}

int in_cfn_template(struct in_ctx *ctx, json_t *tmpl)
{
    json_t *resources = json_object_get(tmpl, "Resources");
    if (!json_is_object(resources)) {
        in_errf(&ctx->errs, "the template has no Resources object");
        return -1;
    }
    if (add_defaults(ctx, tmpl) < 0)
        return -1;
    json_t *lg, *roles = json_array(), *done = json_array();
    char args[64];
    log_group_value(ctx, &lg, args, sizeof args);
    int bad = 0;
    const char *k;
    json_t *r;
    json_object_foreach(resources, k, r)
    {
        const char *type = json_string_value(json_object_get(r, "Type"));
        if (!type || strcmp(type, "AWS::ECS::TaskDefinition"))
            continue;
        char who[300];
        snprintf(who, sizeof who, "resource %s", k);
        json_t *props = json_object_get(r, "Properties");
        if (!json_is_object(props)) {
            in_errf(&ctx->errs, "%s: no Properties", who);
            bad = 1;
            continue;
        }
        int rc = instrument_props(ctx, props, who, lg, args);
        if (rc < 0) {
            bad = 1;
            continue;
        }
        if (rc == 0)
            continue;
        json_array_append_new(done, json_string(k));
        const char *role = template_role(resources, json_object_get(props, "TaskRoleArn"));
        if (role) {
            json_t *rs = json_string(role);
            size_t i;
            json_t *x;
            int seen = 0;
            json_array_foreach(roles, i, x) seen |= json_equal(x, rs);
            if (!seen)
                json_array_append(roles, rs);
            json_decref(rs);
        } else if (json_object_get(props, "TaskRoleArn")) {
            fprintf(stderr,
                    "instrument: warning: %s: the task role is not defined in this template; give "
                    "it the permissions of deploy/iam-policy.json on the alert log group\n",
                    who);
        }
    }
    int rc = -1;
    if (!bad && json_array_size(done)) {
        if ((!ctx->o->log_group && add_log_group(ctx, resources) < 0))
            goto out;
        if (json_array_size(roles)) {
            if (add_policy(ctx, resources, json_incref(roles)) < 0)
                goto out;
            size_t i;
            json_t *x;
            json_array_foreach(done, i, x)
            {
                json_t *res = json_object_get(resources, json_string_value(x));
                if (template_role(resources, json_object_get(json_object_get(res, "Properties"),
                                                             "TaskRoleArn")) &&
                    depend_on_policy(res) < 0)
                    goto out;
            }
        }
    }
    rc = bad ? -1 : 0;
out:
    if (rc < 0 && !bad)
        in_errf(&ctx->errs, "out of memory");
    json_decref(lg);
    json_decref(roles);
    json_decref(done);
    return rc;
}
