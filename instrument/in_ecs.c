/* ECS task definitions. */
#include "in_ecs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "in_argv.h"
#include "in_falco.h"
#include "in_imageref.h"
#include "in_json.h"
#include "in_select.h"

/* ECS refuses task definitions larger than this. */
#define ECS_TASKDEF_MAX 65536

struct task {
    struct in_ctx *ctx;
    struct in_ecs_task *t;
    json_t *containers;
    const char *platform;
    int ring_keys; /* ipcMode "task": containers share System V IPC, one ring key each */
    char *falco;
    struct in_sel sel;
    int chosen;
};

/* A field name in the task's dialect: "entryPoint" or, for CloudFormation, "EntryPoint". */
static const char *K(const struct task *T, const char *camel)
{
    static char buf[8][48];
    static unsigned k;
    if (!T->t->pascal)
        return camel;
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s", camel);
    b[0] = (char)toupper((unsigned char)b[0]);
    return b;
}

static json_t *get(const struct task *T, json_t *o, const char *camel)
{
    return json_object_get(o, K(T, camel));
}

#define str in_str

/* o.key = v unless equal (in_set). */
static int set(const struct task *T, json_t *o, const char *camel, json_t *v)
{
    return in_set(o, K(T, camel), v);
}

/* The array o.key, created empty when absent; NULL (with an error) when it is something else. */
static json_t *array_field(struct task *T, json_t *o, const char *camel, const char *who)
{
    json_t *a = get(T, o, camel);
    if (json_is_array(a))
        return a;
    if (a && !json_is_null(a)) {
        in_errf(&T->ctx->errs, "%s: %s is not a list (an intrinsic function?): write it as a list",
                who, K(T, camel));
        return NULL;
    }
    a = json_array();
    if (!a || json_object_set_new(o, K(T, camel), a) < 0)
        return NULL;
    return a;
}

static json_t *find_by(const struct task *T, json_t *a, const char *camel, const char *s)
{
    return in_find_by(a, K(T, camel), s);
}

static const char *container_name(const struct task *T, json_t *c, size_t idx, char *buf, size_t n)
{
    const char *s = str(get(T, c, "name"));
    if (s)
        return s;
    snprintf(buf, n, "#%zu", idx + 1);
    return buf;
}

/* --- environment ------------------------------------------------------------------------- */

static int in_secrets(const struct task *T, json_t *c, const char *name)
{
    return find_by(T, get(T, c, "secrets"), "name", name) != NULL;
}

/* environment[name] = value (stolen), unless the container takes name from secrets. */
static int env_set(struct task *T, json_t *c, const char *who, const char *name, json_t *value)
{
    if (!value)
        return -1;
    if (in_secrets(T, c, name)) {
        json_decref(value);
        return 0;
    }
    json_t *env = array_field(T, c, "environment", who);
    if (!env) {
        json_decref(value);
        return -1;
    }
    char nk[16], vk[16];
    snprintf(nk, sizeof nk, "%s", K(T, "name"));
    snprintf(vk, sizeof vk, "%s", K(T, "value"));
    return in_named_set(env, nk, vk, name, value);
}

static const char *env_get(const struct task *T, json_t *c, const char *name)
{
    return str(get(T, find_by(T, get(T, c, "environment"), "name", name), "value"));
}

/* --- one container ----------------------------------------------------------------------- */

/* The command line the container runs today: entryPoint + command, with the image's ENTRYPOINT
 * and CMD where the definition leaves them out (as Docker does). A new reference or NULL. */
static json_t *original_argv(struct task *T, json_t *c, const char *who, int *from_image)
{
    json_t *ep = get(T, c, "entryPoint"), *cmd = get(T, c, "command"), *orig = NULL;
    if (in_argv_ecs_recover(T->ctx->prefix, ep, cmd, &orig))
        return orig;
    const char *what[2] = {"entryPoint", "command"};
    json_t *vals[2] = {ep, cmd};
    for (int i = 0; i < 2; i++)
        if (vals[i] && !json_is_array(vals[i]) && !json_is_null(vals[i])) {
            in_errf(&T->ctx->errs,
                    "%s: %s is not a list (an intrinsic function?): write it as a list of "
                    "arguments",
                    who, K(T, what[i]));
            return NULL;
        }
    if (json_array_size(ep))
        return in_argv_concat(ep, cmd);
    /* entryPoint not set: the image's ENTRYPOINT, and its CMD unless command is set */
    json_t *imgv = get(T, c, "image");
    char err[512] = "";
    char *image = json_is_string(imgv) ? strdup(json_string_value(imgv))
                  : T->t->image_of     ? T->t->image_of(T->ctx, imgv, err, sizeof err)
                                       : NULL;
    if (!image) {
        in_errf(&T->ctx->errs,
                "%s: cannot determine the command: %s is not set and the image is %s%s%s; set %s "
                "and %s",
                who, K(T, "entryPoint"),
                imgv ? "an expression instrument cannot resolve" : "not set", err[0] ? ": " : "",
                err, K(T, "entryPoint"), K(T, "command"));
        return NULL;
    }
    const struct in_image_cfg *ic;
    if (in_images_get(T->ctx->images, image, T->platform, &ic, err, sizeof err) < 0) {
        in_errf(&T->ctx->errs, "%s: cannot determine the command: %s is not set and %s", who,
                K(T, "entryPoint"), err);
        free(image);
        return NULL;
    }
    free(image);
    *from_image = 1;
    return in_argv_concat(ic->entrypoint, json_array_size(cmd) ? cmd : ic->cmd);
}

/* list (volumesFrom, dependsOn) has an entry {key: binaries, flag: flagval}. */
static int ensure_ref(struct task *T, json_t *c, const char *who, const char *list, const char *key,
                      const char *flag, json_t *flagval)
{
    json_t *a = array_field(T, c, list, who);
    if (!a) {
        json_decref(flagval);
        return -1;
    }
    char kk[24], fk[24];
    snprintf(kk, sizeof kk, "%s", K(T, key));
    snprintf(fk, sizeof fk, "%s", K(T, flag));
    return in_named_set(a, kk, fk, T->ctx->binaries_name, flagval);
}

static int add_sys_ptrace(struct task *T, json_t *c, const char *who)
{
    char k1[24], k2[24], k3[8];
    snprintf(k1, sizeof k1, "%s", K(T, "linuxParameters"));
    snprintf(k2, sizeof k2, "%s", K(T, "capabilities"));
    snprintf(k3, sizeof k3, "%s", K(T, "add"));
    json_t *add = in_child_array(in_child_object(in_child_object(c, k1), k2), k3);
    if (!add) {
        in_errf(&T->ctx->errs, "%s: %s.%s.%s is not a list", who, k1, k2, k3);
        return -1;
    }
    size_t i;
    json_t *x;
    json_array_foreach(add, i, x)
    {
        const char *s = str(x);
        if (s && !strcmp(s, "CAP_SYS_PTRACE"))
            return 0;
    }
    return in_add_unique_string(add, "SYS_PTRACE");
}

/* A System V key for the container's ring when the task's containers share IPC: derived from its
 * name (stable across runs), different from the task's other containers'. */
static void ring_key(struct task *T, const char *name, char *out, size_t n)
{
    for (unsigned attempt = 0;; attempt++) {
        in_ring_key(name, attempt, out, n);
        int clash = 0;
        size_t i;
        json_t *c;
        json_array_foreach(T->containers, i, c)
        {
            const char *cn = str(get(T, c, "name"));
            const char *k = env_get(T, c, "TT_RING_KEY");
            if (cn && strcmp(cn, name) && k && !strcmp(k, out))
                clash = 1;
        }
        if (!clash)
            return;
    }
}

static int configure_env(struct task *T, json_t *c, const char *who)
{
    const struct in_opts *o = T->ctx->o;
    /* A configuration the user passes as a secret, or base64, stays theirs. */
    if (!in_secrets(T, c, "TARTAN_FALCO_YAML") && !in_secrets(T, c, "TARTAN_FALCO_YAML_B64") &&
        !env_get(T, c, "TARTAN_FALCO_YAML_B64") &&
        env_set(T, c, who, "TARTAN_FALCO_YAML", json_string(T->falco)) < 0)
        return -1;
    for (size_t i = 0; i < o->rules.n; i++) {
        const char *nl = strchr(o->rules.v[i], '\n');
        char var[96];
        snprintf(var, sizeof var, "TARTAN_RULES_%.*s", (int)(nl - o->rules.v[i]), o->rules.v[i]);
        if (env_set(T, c, who, var, json_string(nl + 1)) < 0)
            return -1;
    }
    if (env_set(T, c, who, "__CW_LOG_GROUP", json_incref(T->t->log_group)) < 0)
        return -1;
    if (o->log_stream &&
        env_set(T, c, who, "LOGSHIPPER_LOG_STREAM", json_string(o->log_stream)) < 0)
        return -1;
    if (T->ring_keys) {
        char key[16], nb[32];
        ring_key(T, container_name(T, c, 0, nb, sizeof nb), key, sizeof key);
        if (env_set(T, c, who, "TT_RING_KEY", json_string(key)) < 0)
            return -1;
    }
    return env_set(T, c, who, IN_MARK_ENV, json_string(IN_MARK));
}

static int pin_image(struct task *T, json_t *c, const char *who)
{
    const char *image = str(get(T, c, "image"));
    if (!image)
        return 0; /* an expression: resolved at deployment, cannot be pinned here */
    const struct in_image_cfg *ic;
    char err[512];
    if (in_images_get(T->ctx->images, image, T->platform, &ic, err, sizeof err) < 0) {
        in_errf(&T->ctx->errs, "%s: --pin-digests: %s", who, err);
        return -1;
    }
    if (!ic->digest[0]) {
        in_errf(&T->ctx->errs,
                "%s: --pin-digests: no digest known for %s (--image-config "
                "entries need a \"digest\")",
                who, image);
        return -1;
    }
    char pinned[1024];
    if (in_imageref_pin(image, ic->digest, pinned, sizeof pinned) < 0) {
        in_errf(&T->ctx->errs, "%s: --pin-digests: cannot pin %s", who, image);
        return -1;
    }
    return set(T, c, "image", json_string(pinned));
}

/* 1 instrumented, 0 not chosen, -1 refused. */
static int instrument_container(struct task *T, json_t *c, size_t idx)
{
    struct in_ctx *ctx = T->ctx;
    const struct in_opts *o = ctx->o;
    char nb[32], who[600];
    const char *name = container_name(T, c, idx, nb, sizeof nb);
    snprintf(who, sizeof who, "%s, container %s", T->t->resource, name);
    if (!json_is_object(c)) {
        in_errf(&ctx->errs, "%s: not an object", who);
        return -1;
    }
    const char *lbl = str(json_object_get(get(T, c, "dockerLabels"), "tartan.ignore"));
    if (!in_sel_container(&T->sel, o, name, lbl && !strcmp(lbl, "true")))
        return 0;
    json_t *rec;
    if (in_argv_ecs_recover(ctx->prefix, get(T, c, "entryPoint"), get(T, c, "command"), &rec)) {
        json_decref(rec);
        if (!env_get(T, c, IN_MARK_ENV)) {
            fprintf(stderr,
                    "instrument: warning: %s already runs under launcher and tracer "
                    "(written by hand?): left as it is\n",
                    who);
            return 0;
        }
    }
    int from_image = 0;
    json_t *argv = original_argv(T, c, who, &from_image);
    if (!argv)
        return -1;
    if (!json_array_size(argv)) {
        in_errf(&ctx->errs,
                "%s: no command: neither the definition nor the image sets ENTRYPOINT or CMD", who);
        json_decref(argv);
        return -1;
    }
    char err[256], launcher[512];
    json_t *cmd = in_argv_ecs_command(ctx->prefix, argv, err, sizeof err);
    json_decref(argv);
    if (!cmd) {
        in_errf(&ctx->errs, "%s: %s", who, err);
        return -1;
    }
    in_prog_path(ctx->prefix, "launcher", launcher, sizeof launcher);
    json_t *ep = json_array();
    if (!ep || json_array_append_new(ep, json_string(launcher)) < 0 ||
        set(T, c, "entryPoint", ep) < 0 || set(T, c, "command", cmd) < 0)
        goto oom;
    if (ensure_ref(T, c, who, "volumesFrom", "sourceContainer", "readOnly", json_true()) < 0 ||
        ensure_ref(T, c, who, "dependsOn", "containerName", "condition", json_string("START")) < 0)
        goto fail;
    if (o->sys_ptrace && add_sys_ptrace(T, c, who) < 0)
        goto fail;
    json_t *st = get(T, c, "stopTimeout");
    if ((!st || json_is_integer(st)) && json_integer_value(st) < o->stop_timeout &&
        set(T, c, "stopTimeout", json_integer(o->stop_timeout)) < 0)
        goto oom;
    if (configure_env(T, c, who) < 0)
        goto fail;
    if (o->pin_digests && pin_image(T, c, who) < 0)
        return -1;
    return 1;
oom:
    in_errf(&ctx->errs, "%s: out of memory", who);
    return -1;
fail:
    if (!ctx->errs.n)
        in_errf(&ctx->errs, "%s: out of memory", who);
    return -1;
}

/* --- the task ---------------------------------------------------------------------------- */

static json_t *in_ecs_tags(json_t *td, int pascal)
{
    json_t *t = json_object_get(td, pascal ? "Tags" : "tags");
    return json_is_array(t) ? t : NULL;
}

static void read_tags(struct task *T)
{
    size_t i;
    json_t *tag;
    json_array_foreach(in_ecs_tags(T->t->td, T->t->pascal), i, tag)
    {
        const char *k = str(get(T, tag, "key")), *v = str(get(T, tag, "value"));
        if (k)
            in_sel_add(&T->sel, k, v ? v : "");
    }
}

/* Marks of another layout refuse the whole task: mixing two layouts would run two tracers. */
static int check_marks(struct task *T)
{
    size_t i;
    json_t *c;
    int bad = 0;
    json_array_foreach(T->containers, i, c)
    {
        const char *m = env_get(T, c, IN_MARK_ENV);
        const char *l = str(json_object_get(get(T, c, "dockerLabels"), IN_MARK_LABEL));
        const char *found = m && strcmp(m, IN_MARK) ? m : l && strcmp(l, IN_MARK) ? l : NULL;
        if (found) {
            char nb[32];
            in_errf(&T->ctx->errs,
                    "%s, container %s: instrumented by another version of instrument "
                    "(%s=%s; this one writes %s): instrument the original task definition",
                    T->t->resource, container_name(T, c, i, nb, sizeof nb), IN_MARK_ENV, found,
                    IN_MARK);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static json_t *binaries_container(struct task *T, json_t *existing)
{
    const struct in_opts *o = T->ctx->o;
    char wf[512];
    in_prog_path(T->ctx->prefix, "waitforever", wf, sizeof wf);
    json_t *b = existing ? json_incref(existing) : json_object();
    if (!b)
        return NULL;
    json_t *cmd = json_array(), *labels = json_object();
    if (!cmd || !labels || json_array_append_new(cmd, json_string(wf)) < 0 ||
        json_object_set_new(labels, IN_MARK_LABEL, json_string(IN_MARK)) < 0)
        goto fail;
    if (set(T, b, "name", json_string(T->ctx->binaries_name)) < 0 ||
        (o->binaries_image && set(T, b, "image", json_string(o->binaries_image)) < 0) ||
        set(T, b, "essential", json_false()) < 0 || set(T, b, "command", cmd) < 0 ||
        set(T, b, "readonlyRootFilesystem", json_true()) < 0 ||
        set(T, b, "dockerLabels", labels) < 0)
        goto fail_b;
    cmd = labels = NULL;
    /* EC2 task definitions without a task-level memory need one per container (waitforever
     * needs well under 1 MiB) */
    if (!T->t->containers_only && !get(T, T->t->td, "memory") && !get(T, b, "memory") &&
        !get(T, b, "memoryReservation") && set(T, b, "memory", json_integer(32)) < 0)
        goto fail_b;
    if (o->pin_digests && pin_image(T, b, T->t->resource) < 0) {
        json_decref(b);
        return NULL;
    }
    return b;
fail:
    json_decref(cmd);
    json_decref(labels);
fail_b:
    json_decref(b);
    return NULL;
}

static int add_binaries(struct task *T)
{
    json_t *existing = find_by(T, T->containers, "name", T->ctx->binaries_name);
    if (!existing && !T->ctx->o->binaries_image) {
        in_errf(&T->ctx->errs,
                "%s: --binaries-image is required (the image built from Dockerfile.binaries, "
                "in a registry the task can pull from)",
                T->t->resource);
        return -1;
    }
    json_t *b = binaries_container(T, existing);
    if (!b) {
        if (!T->ctx->errs.n)
            in_errf(&T->ctx->errs, "%s: out of memory", T->t->resource);
        return -1;
    }
    int rc = existing ? 0 : json_array_append(T->containers, b);
    json_decref(b);
    return rc;
}

static const char *platform_of(struct task *T)
{
    if (T->ctx->o->platform)
        return T->ctx->o->platform;
    const char *arch = T->t->containers_only
                           ? NULL
                           : str(get(T, get(T, T->t->td, "runtimePlatform"), "cpuArchitecture"));
    return arch && !strcmp(arch, "ARM64") ? "linux/arm64" : "linux/amd64";
}

static int check_task(struct task *T)
{
    json_t *td = T->t->td;
    const char *os = str(get(T, get(T, td, "runtimePlatform"), "operatingSystemFamily"));
    if (os && strncmp(os, "LINUX", 5)) {
        in_errf(&T->ctx->errs,
                "%s: runtimePlatform.operatingSystemFamily is %s; Tartan runs on "
                "Linux only",
                T->t->resource, os);
        return -1;
    }
    const char *ipc = str(get(T, td, "ipcMode"));
    if (ipc && !strcmp(ipc, "host")) {
        in_errf(&T->ctx->errs,
                "%s: ipcMode is host: every task on the instance would share one event ring; use "
                "ipcMode task or none",
                T->t->resource);
        return -1;
    }
    T->ring_keys = ipc && !strcmp(ipc, "task");
    if (!get(T, td, "taskRoleArn") && !T->ctx->o->allow_no_task_role) {
        in_errf(&T->ctx->errs,
                "%s: no %s: logshipper needs a task role allowed to write the alert log group "
                "(deploy/iam-policy.json), or pass --allow-no-task-role",
                T->t->resource, K(T, "taskRoleArn"));
        return -1;
    }
    return 0;
}

static int check_size(struct task *T)
{
    char *s = json_dumps(T->t->td, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        return -1;
    size_t n = strlen(s);
    free(s);
    if (n <= ECS_TASKDEF_MAX)
        return 0;
    /* name the largest container: that is where the space went */
    size_t i, best = 0, bestn = 0;
    json_t *c;
    json_array_foreach(T->containers, i, c)
    {
        char *cs = json_dumps(c, JSON_COMPACT);
        size_t cn = cs ? strlen(cs) : 0;
        free(cs);
        if (cn > bestn)
            best = i, bestn = cn;
    }
    char nb[32];
    in_errf(&T->ctx->errs,
            "%s, container %s: the instrumented task definition is %zu bytes, over ECS's limit of "
            "65536 (this container takes %zu): pass falco.yaml or rules through secrets "
            "(TARTAN_FALCO_YAML / TARTAN_RULES_* from Secrets Manager or SSM) instead of --rules",
            T->t->resource,
            container_name(T, json_array_get(T->containers, best), best, nb, sizeof nb), n, bestn);
    return -1;
}

int in_ecs_instrument(struct in_ctx *ctx, struct in_ecs_task *t)
{
    struct task T = {.ctx = ctx, .t = t};
    T.containers = t->containers_only ? t->td : get(&T, t->td, "containerDefinitions");
    if (!json_is_array(T.containers)) {
        in_errf(&ctx->errs, "%s: %s is %s", t->resource, K(&T, "containerDefinitions"),
                T.containers ? "not a list (an intrinsic function?)" : "missing");
        return -1;
    }
    ctx->found++;
    if (!t->containers_only)
        read_tags(&T);
    int rc = -1;
    if (in_sel_skip(&T.sel, ctx->o)) {
        rc = 0;
        goto out;
    }
    if (check_marks(&T) < 0)
        goto out;
    size_t errs0 = ctx->errs.n;
    json_t *existing = find_by(&T, T.containers, "name", ctx->binaries_name);
    if (existing && !str(json_object_get(get(&T, existing, "dockerLabels"), IN_MARK_LABEL))) {
        in_errf(&ctx->errs, "%s: a container is already named %s; pass --binaries-name",
                t->resource, ctx->binaries_name);
        goto out;
    }
    if (!t->containers_only && check_task(&T) < 0)
        goto out;
    T.platform = platform_of(&T);
    T.falco = in_falco_yaml(ctx->o, ctx->prefix, t->logshipper_args);
    if (!T.falco)
        goto out;
    size_t i, n = json_array_size(T.containers);
    for (i = 0; i < n; i++) {
        json_t *c = json_array_get(T.containers, i);
        if (c == existing)
            continue;
        int r = instrument_container(&T, c, i);
        if (r > 0)
            T.chosen++;
    }
    if (ctx->errs.n > errs0)
        goto out;
    if (!T.chosen) {
        rc = 0;
        goto out;
    }
    if (add_binaries(&T) < 0 || check_size(&T) < 0)
        goto out;
    ctx->done++;
    rc = 1;
out:
    free(T.falco);
    in_sel_free(&T.sel);
    return rc;
}
