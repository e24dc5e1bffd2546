/* Image configurations: --image-config entries, registry answers, one lookup per image. */
#include "in_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "in_imageref.h"
#include "in_regparse.h"
#include "in_registry.h"
#include "tt_io.h"

struct entry {
    char *image;    /* as the configuration or the task definition writes it */
    char *platform; /* NULL: any (from --image-config) */
    struct in_image_cfg cfg;
};

struct in_images {
    const struct in_opts *o;
    struct entry *v;
    size_t n;
    struct in_registry *reg;
};

static int add(struct in_images *im, const char *image, const char *platform, json_t *ep,
               json_t *cmd, const char *digest)
{
    struct entry *v = realloc(im->v, (im->n + 1) * sizeof *v);
    if (!v)
        return -1;
    im->v = v;
    struct entry *e = &im->v[im->n];
    memset(e, 0, sizeof *e);
    e->image = strdup(image);
    e->platform = platform ? strdup(platform) : NULL;
    if (!e->image || (platform && !e->platform)) {
        free(e->image);
        free(e->platform);
        return -1;
    }
    e->cfg.entrypoint = json_incref(ep);
    e->cfg.cmd = json_incref(cmd);
    snprintf(e->cfg.digest, sizeof e->cfg.digest, "%s", digest ? digest : "");
    im->n++;
    return 0;
}

/* Entrypoint/Cmd members of o, either directly or under "config" / "Config" (an OCI image
 * configuration, docker image inspect). */
static int read_entry(json_t *o, json_t **ep, json_t **cmd, char *err, size_t errlen)
{
    json_t *c = json_object_get(o, "config");
    if (!c)
        c = json_object_get(o, "Config");
    if (!c)
        c = o;
    const char *keys[2] = {"Entrypoint", "Cmd"};
    json_t **outs[2] = {ep, cmd};
    for (int i = 0; i < 2; i++) {
        json_t *a = json_object_get(c, keys[i]);
        *outs[i] = NULL;
        if (!a || json_is_null(a))
            continue;
        size_t k;
        json_t *x;
        int ok = json_is_array(a);
        json_array_foreach(a, k, x) ok &= json_is_string(x);
        if (!ok) {
            snprintf(err, errlen, "%s is not a list of strings", keys[i]);
            return -1;
        }
        *outs[i] = a;
    }
    return 0;
}

/* Parses an --image-config document (see docs/instrument.md) into the cache. 0 or -1. */
static int in_images_load_config(struct in_images *im, const char *text, size_t len,
                                 const char *name, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    if (!j) {
        snprintf(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
        return -1;
    }
    int rc = -1;
    char why[200];
    if (json_is_object(j)) {
        /* { "IMAGE": {"Entrypoint": [...], "Cmd": [...], "digest": "sha256:..."}, ... } */
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            json_t *ep, *cmd;
            const char *dg = json_string_value(json_object_get(v, "digest"));
            if (!json_is_object(v) || read_entry(v, &ep, &cmd, why, sizeof why) < 0) {
                snprintf(err, errlen, "%s: %s: %s", name, k,
                         json_is_object(v) ? why : "not an object");
                goto out;
            }
            if (dg && !in_reg_valid_digest(dg)) {
                snprintf(err, errlen, "%s: %s: digest is not sha256:<64 hex>", name, k);
                goto out;
            }
            if (add(im, k, NULL, ep, cmd, dg) < 0)
                goto oom;
        }
    } else if (json_is_array(j)) {
        /* docker image inspect: [{"RepoTags": [...], "RepoDigests": [...], "Config": {...}}] */
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            json_t *ep, *cmd;
            if (read_entry(v, &ep, &cmd, why, sizeof why) < 0) {
                snprintf(err, errlen, "%s: image %zu: %s", name, i + 1, why);
                goto out;
            }
            const char *dg = NULL;
            size_t k;
            json_t *rd;
            json_array_foreach(json_object_get(v, "RepoDigests"), k, rd)
            {
                const char *s = json_string_value(rd), *at = s ? strchr(s, '@') : NULL;
                if (at && in_reg_valid_digest(at + 1))
                    dg = at + 1;
            }
            const char *lists[2] = {"RepoTags", "RepoDigests"};
            for (int l = 0; l < 2; l++) {
                json_t *t;
                json_array_foreach(json_object_get(v, lists[l]), k, t)
                {
                    if (json_is_string(t) && add(im, json_string_value(t), NULL, ep, cmd, dg) < 0)
                        goto oom;
                }
            }
        }
    } else {
        snprintf(err, errlen, "%s: neither an object of images nor docker image inspect output",
                 name);
        goto out;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    json_decref(j);
    return rc;
}

struct in_images *in_images_new(const struct in_opts *o, char *err, size_t errlen)
{
    struct in_images *im = calloc(1, sizeof *im);
    if (!im) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    im->o = o;
    if (o->image_config) {
        size_t len;
        char *t = tt_read_file(o->image_config, 16u << 20, &len);
        if (!t) {
            snprintf(err, errlen, "--image-config %s: %s", o->image_config, strerror(errno));
            in_images_free(im);
            return NULL;
        }
        int rc = in_images_load_config(im, t, len, o->image_config, err, errlen);
        free(t);
        if (rc < 0) {
            in_images_free(im);
            return NULL;
        }
    }
    return im;
}

void in_images_free(struct in_images *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->n; i++) {
        free(im->v[i].image);
        free(im->v[i].platform);
        json_decref(im->v[i].cfg.entrypoint);
        json_decref(im->v[i].cfg.cmd);
    }
    free(im->v);
    in_registry_free(im->reg);
    free(im);
}

/* Two references name the same image: same registry, repository and tag or digest. */
static int same_image(const char *a, const char *b)
{
    if (!strcmp(a, b))
        return 1;
    struct in_imageref ra, rb;
    char e[200];
    if (in_imageref_parse(a, &ra, e, sizeof e) < 0 || in_imageref_parse(b, &rb, e, sizeof e) < 0)
        return 0;
    return !strcmp(ra.host, rb.host) && !strcmp(ra.repo, rb.repo) &&
           !strcmp(in_imageref_ref(&ra), in_imageref_ref(&rb));
}

int in_images_get(struct in_images *im, const char *image, const char *platform,
                  const struct in_image_cfg **out, char *err, size_t errlen)
{
    for (size_t i = 0; i < im->n; i++) {
        struct entry *e = &im->v[i];
        if ((!e->platform || !strcmp(e->platform, platform)) && same_image(e->image, image)) {
            *out = &e->cfg;
            return 0;
        }
    }
    struct in_imageref ref;
    if (in_imageref_parse(image, &ref, err, errlen) < 0)
        return -1;
    if (im->o->offline) {
        snprintf(err, errlen,
                 "image %s is not in --image-config and --offline forbids asking its registry "
                 "(docker image inspect %s >> the file, or set the command in the definition)",
                 image, image);
        return -1;
    }
    if (!im->reg && !(im->reg = in_registry_new(im->o))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct in_image_cfg cfg;
    if (in_registry_config(im->reg, &ref, platform, &cfg, err, errlen) < 0)
        return -1;
    int rc = add(im, image, platform, cfg.entrypoint, cfg.cmd, cfg.digest);
    json_decref(cfg.entrypoint);
    json_decref(cfg.cmd);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = &im->v[im->n - 1].cfg;
    return 0;
}
