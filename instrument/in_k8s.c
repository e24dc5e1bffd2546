/* Kubernetes workloads. */
#include "in_k8s.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "in_argv.h"
#include "in_falco.h"
#include "in_json.h"
#include "in_select.h"

#define DEFAULT_LOG_GROUP "/tartan/alerts"

struct pod {
    struct in_ctx *ctx;
    json_t *spec;
    char who[400];
    const char *platform;
    struct in_sel sel;
    char *falco;
};

static const char *const templated[] = {
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", NULL};

static int workload_kind(const char *kind)
{
    for (const char *const *k = templated; *k; k++)
        if (!strcmp(kind, *k))
            return 1;
    return !strcmp(kind, "Pod") || !strcmp(kind, "CronJob");
}

/* The pod template's spec and metadata of a workload kind (NULL when missing). */
static json_t *pod_spec(json_t *doc, const char *kind, json_t **meta)
{
    json_t *spec = json_object_get(doc, "spec");
    if (!strcmp(kind, "Pod")) {
        *meta = json_object_get(doc, "metadata");
        return spec;
    }
    for (const char *const *k = templated; *k; k++)
        if (!strcmp(kind, *k)) {
            json_t *t = json_object_get(spec, "template");
            *meta = json_object_get(t, "metadata");
            return json_object_get(t, "spec");
        }
    if (!strcmp(kind, "CronJob")) {
        json_t *t = json_object_get(json_object_get(json_object_get(spec, "jobTemplate"), "spec"),
                                    "template");
        *meta = json_object_get(t, "metadata");
        return json_object_get(t, "spec");
    }
    return NULL;
}

static void read_marks(struct in_sel *s, json_t *meta)
{
    const char *lists[2] = {"labels", "annotations"};
    for (int l = 0; l < 2; l++) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(meta, lists[l]), k, v)
        {
            if (json_is_string(v))
                in_sel_add(s, k, json_string_value(v));
        }
    }
}

/* "tartan-engine-NAME", within the 63 characters of a container name. */
static void sidecar_name(const char *name, char *out, size_t n)
{
    if (strlen(name) <= 49) {
        snprintf(out, n, "tartan-engine-%s", name);
        return;
    }
    char key[16];
    in_ring_key(name, 0, key, sizeof key);
    snprintf(out, n, "tartan-engine-%.38s-%s", name, key + 2);
}

static int env_value(json_t *env, const char *name, json_t *value)
{
    json_t *e = in_find_by(env, "name", name);
    if (e)
        json_object_del(e, "valueFrom");
    return in_named_set(env, "name", "value", name, value);
}

/* The ring key of container name: stable, unique among the pod's traced containers. */
static void pod_ring_key(struct pod *P, const char *name, char *out, size_t n)
{
    json_t *all[2] = {json_object_get(P->spec, "containers"),
                      json_object_get(P->spec, "initContainers")};
    for (unsigned attempt = 0;; attempt++) {
        in_ring_key(name, attempt, out, n);
        int clash = 0;
        for (int l = 0; l < 2; l++) {
            size_t i;
            json_t *c;
            json_array_foreach(all[l], i, c)
            {
                const char *cn = in_str(json_object_get(c, "name"));
                json_t *e = in_find_by(json_object_get(c, "env"), "name", "TT_RING_KEY");
                const char *k = in_str(json_object_get(e, "value"));
                if (cn && k && !strcmp(k, out) && strcmp(cn, name) &&
                    strncmp(cn, "tartan-engine-", 14))
                    clash = 1;
            }
        }
        if (!clash)
            return;
    }
}

/* command/args the container runs, with the image's where they are left out. The new command is
 * returned; *args_out is set (new reference) when args must be written too. */
static json_t *traced_command(struct pod *P, json_t *c, const char *who, json_t **args_out)
{
    struct in_ctx *ctx = P->ctx;
    json_t *cmd = json_object_get(c, "command"), *args = json_object_get(c, "args"), *orig;
    *args_out = NULL;
    if (in_argv_k8s_recover(ctx->prefix, cmd, &orig)) {
        json_t *r = in_argv_k8s_command(ctx->prefix, orig);
        json_decref(orig);
        return r;
    }
    if ((cmd && !json_is_array(cmd) && !json_is_null(cmd)) ||
        (args && !json_is_array(args) && !json_is_null(args))) {
        in_errf(&ctx->errs, "%s: command or args is not a list", who);
        return NULL;
    }
    if (json_array_size(cmd))
        return in_argv_k8s_command(ctx->prefix, cmd);
    const char *image = in_str(json_object_get(c, "image"));
    const struct in_image_cfg *ic;
    char err[512];
    if (!image) {
        in_errf(&ctx->errs, "%s: cannot determine the command: no command and no image", who);
        return NULL;
    }
    if (in_images_get(ctx->images, image, P->platform, &ic, err, sizeof err) < 0) {
        in_errf(&ctx->errs, "%s: cannot determine the command: command is not set and %s", who,
                err);
        return NULL;
    }
    if (!json_array_size(ic->entrypoint) && !json_array_size(args) && !json_array_size(ic->cmd)) {
        in_errf(&ctx->errs, "%s: no command: neither the manifest nor the image %s sets one", who,
                image);
        return NULL;
    }
    /* setting command drops the image's CMD: keep it as args unless args are given */
    if (!json_array_size(args) && json_array_size(ic->cmd))
        *args_out = json_deep_copy(ic->cmd);
    return in_argv_k8s_command(ctx->prefix, ic->entrypoint);
}

static json_t *sidecar(struct pod *P, const char *name, const char *image, const char *key)
{
    const struct in_opts *o = P->ctx->o;
    char engine[512], sname[80];
    in_prog_path(P->ctx->prefix, "engine", engine, sizeof engine);
    sidecar_name(name, sname, sizeof sname);
    json_t *env =
        json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:{s:{s:s}}},{s:s,s:s}]", "name",
                  "TARTAN_FALCO_YAML", "value", P->falco, "name", "__CW_LOG_GROUP", "value",
                  o->log_group ? o->log_group : DEFAULT_LOG_GROUP, "name", "TT_RING_KEY", "value",
                  key, "name", "TARTAN_CONTAINER_ID", "valueFrom", "fieldRef", "fieldPath",
                  "metadata.uid", "name", "TARTAN_CONTAINER_NAME", "value", name);
    if (env && image)
        json_array_append_new(
            env, json_pack("{s:s,s:s}", "name", "TARTAN_CONTAINER_IMAGE", "value", image));
    for (size_t i = 0; env && i < o->rules.n; i++) {
        const char *nl = strchr(o->rules.v[i], '\n');
        char var[96];
        snprintf(var, sizeof var, "TARTAN_RULES_%.*s", (int)(nl - o->rules.v[i]), o->rules.v[i]);
        json_array_append_new(env, json_pack("{s:s,s:s}", "name", var, "value", nl + 1));
    }
    if (env && o->region)
        json_array_append_new(env,
                              json_pack("{s:s,s:s}", "name", "AWS_REGION", "value", o->region));
    if (env && o->log_stream)
        json_array_append_new(
            env, json_pack("{s:s,s:s}", "name", "LOGSHIPPER_LOG_STREAM", "value", o->log_stream));
    if (env)
        json_array_append_new(env, json_pack("{s:s,s:s}", "name", IN_MARK_ENV, "value", IN_MARK));
    return json_pack("{s:s, s:s, s:s, s:[s], s:o, s:{s:{s:s,s:s}, s:{s:s}}, s:{s:b,s:b}}", "name",
                     sname, "image", o->engine_image, "restartPolicy", "Always", "command", engine,
                     "env", env, "resources", "requests", "cpu", "250m", "memory", "128Mi",
                     "limits", "memory", "256Mi", "securityContext", "allowPrivilegeEscalation", 0,
                     "readOnlyRootFilesystem", 1);
}

static int add_sidecar(struct pod *P, const char *name, const char *image, const char *key)
{
    json_t *inits = in_child_array(P->spec, "initContainers");
    char sname[80];
    sidecar_name(name, sname, sizeof sname);
    json_t *want = sidecar(P, name, image, key);
    if (!inits || !want) {
        json_decref(want);
        return -1;
    }
    json_t *have = in_find_by(inits, "name", sname);
    if (!have)
        return json_array_append_new(inits, want);
    /* ours from an earlier run: bring each field up to date, keep what others added */
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v)
    {
        if (in_set(have, k, json_incref(v)) < 0) {
            json_decref(want);
            return -1;
        }
    }
    json_decref(want);
    return 0;
}

static int mount_binaries(struct pod *P, json_t *c)
{
    const struct in_opts *o = P->ctx->o;
    const char *bn = P->ctx->binaries_name;
    json_t *vols = in_child_array(P->spec, "volumes"), *mounts = in_child_array(c, "volumeMounts");
    if (!vols || !mounts)
        return -1;
    json_t *vol = json_pack("{s:s, s:{s:s, s:s}}", "name", bn, "image", "reference",
                            o->binaries_image, "pullPolicy", "IfNotPresent");
    json_t *have = in_find_by(vols, "name", bn);
    int rc = have ? in_set(have, "image", json_incref(json_object_get(vol, "image")))
                  : json_array_append(vols, vol);
    json_decref(vol);
    if (rc < 0)
        return -1;
    json_t *m = in_find_by(mounts, "name", bn);
    if (!m) {
        m = json_object();
        if (!m || json_array_append_new(mounts, m) < 0 || in_set(m, "name", json_string(bn)) < 0)
            return -1;
    }
    return in_set(m, "mountPath", json_string(P->ctx->prefix)) < 0 ||
                   in_set(m, "readOnly", json_true()) < 0
               ? -1
               : 0;
}

/* 1 instrumented, 0 not chosen, -1 refused. */
static int instrument_container(struct pod *P, json_t *c, size_t idx)
{
    struct in_ctx *ctx = P->ctx;
    const char *name = in_str(json_object_get(c, "name"));
    char who[600];
    snprintf(who, sizeof who, "%s, container %s", P->who, name ? name : "(unnamed)");
    if (!name) {
        in_errf(&ctx->errs, "%s: a container without a name", who);
        return -1;
    }
    if (!in_sel_container(&P->sel, ctx->o, name, 0))
        return 0;
    json_t *mark = in_find_by(json_object_get(c, "env"), "name", IN_MARK_ENV);
    const char *m = in_str(json_object_get(mark, "value"));
    if (m && strcmp(m, IN_MARK)) {
        in_errf(&ctx->errs,
                "%s: instrumented by another version of instrument (%s=%s; this one writes %s): "
                "instrument the original manifest",
                who, IN_MARK_ENV, m, IN_MARK);
        return -1;
    }
    json_t *rec;
    if (in_argv_k8s_recover(ctx->prefix, json_object_get(c, "command"), &rec)) {
        json_decref(rec);
        if (!m) {
            fprintf(stderr,
                    "instrument: warning: %s already runs under the tracer (written by "
                    "hand?): left as it is\n",
                    who);
            return 0;
        }
    }
    json_t *args = NULL, *cmd = traced_command(P, c, who, &args);
    if (!cmd)
        return -1;
    char key[16];
    pod_ring_key(P, name, key, sizeof key);
    if (in_set(c, "command", cmd) < 0 || (args && in_set(c, "args", args) < 0))
        goto oom;
    json_t *env = in_child_array(c, "env");
    if (!env || env_value(env, "TT_RING_KEY", json_string(key)) < 0 ||
        env_value(env, IN_MARK_ENV, json_string(IN_MARK)) < 0)
        goto oom;
    if (ctx->o->sys_ptrace) {
        json_t *add = in_child_array(
            in_child_object(in_child_object(c, "securityContext"), "capabilities"), "add");
        if (!add || in_add_unique_string(add, "SYS_PTRACE") < 0)
            goto oom;
    }
    if (ctx->o->binaries_image && mount_binaries(P, c) < 0)
        goto oom;
    if (add_sidecar(P, name, in_str(json_object_get(c, "image")), key) < 0)
        goto oom;
    (void)idx;
    return 1;
oom:
    in_errf(&ctx->errs, "%s: out of memory, or a field that is not a list/object", who);
    return -1;
}

static int instrument_pod(struct pod *P)
{
    struct in_ctx *ctx = P->ctx;
    if (!ctx->o->engine_image) {
        in_errf(&ctx->errs,
                "%s: --engine-image is required (the image built from Dockerfile.engine)", P->who);
        return -1;
    }
    json_t *cs = json_object_get(P->spec, "containers");
    if (!json_is_array(cs)) {
        in_errf(&ctx->errs, "%s: spec.containers is not a list", P->who);
        return -1;
    }
    char args[64];
    snprintf(args, sizeof args, "--retention-days %d", ctx->o->retention_days);
    P->falco = in_falco_yaml_sidecar(ctx->o, ctx->prefix, args);
    if (!P->falco)
        return -1;
    size_t errs0 = ctx->errs.n, i;
    int chosen = 0;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        if (instrument_container(P, c, i) > 0)
            chosen++;
    }
    if (ctx->errs.n > errs0)
        return -1;
    if (!chosen)
        return 0;
    json_t *g = json_object_get(P->spec, "terminationGracePeriodSeconds");
    if ((!g || json_is_integer(g)) && json_integer_value(g) < ctx->o->stop_timeout &&
        in_set(P->spec, "terminationGracePeriodSeconds", json_integer(ctx->o->stop_timeout)) < 0)
        return -1;
    ctx->done++;
    return 1;
}

int in_k8s_document(struct in_ctx *ctx, json_t *doc)
{
    const char *kind = in_str(json_object_get(doc, "kind"));
    if (!kind)
        return 0;
    if (!strcmp(kind, "List")) {
        size_t i;
        json_t *item;
        int any = 0, bad = 0;
        json_array_foreach(json_object_get(doc, "items"), i, item)
        {
            int r = in_k8s_document(ctx, item);
            any |= r > 0;
            bad |= r < 0;
        }
        return bad ? -1 : any;
    }
    if (!workload_kind(kind))
        return 0;
    json_t *meta = NULL, *spec = pod_spec(doc, kind, &meta);
    struct pod P = {.ctx = ctx, .spec = spec};
    const char *name = in_str(json_object_get(json_object_get(doc, "metadata"), "name"));
    snprintf(P.who, sizeof P.who, "%s %s", kind, name ? name : "(unnamed)");
    if (!json_is_object(spec)) {
        in_errf(&ctx->errs, "%s: no pod spec", P.who);
        return -1;
    }
    ctx->found++;
    P.platform = ctx->o->platform ? ctx->o->platform : "linux/amd64";
    read_marks(&P.sel, json_object_get(doc, "metadata"));
    read_marks(&P.sel, meta);
    int rc = in_sel_skip(&P.sel, ctx->o) ? 1 : instrument_pod(&P);
    in_sel_free(&P.sel);
    free(P.falco);
    return rc < 0 ? -1 : 1;
}
