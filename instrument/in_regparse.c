/* Registry response parsers. */
#include "in_regparse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int in_reg_valid_digest(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 71)
        return 0;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* auth-param = token "=" ( token / quoted-string ), separated by commas and blanks. */
int in_reg_parse_challenge(const char *h, struct in_challenge *c)
{
    memset(c, 0, sizeof *c);
    while (*h == ' ' || *h == '\t')
        h++;
    size_t sl = strcspn(h, " \t");
    if (sl == 0 || sl >= sizeof c->scheme)
        return -1;
    memcpy(c->scheme, h, sl);
    if (strcasecmp(c->scheme, "Bearer") && strcasecmp(c->scheme, "Basic"))
        return -1;
    h += sl;
    for (;;) {
        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        if (!*h)
            break;
        size_t kl = strcspn(h, "= \t,");
        if (!kl || h[kl] != '=')
            return -1;
        const char *k = h;
        h += kl + 1;
        char val[1024];
        size_t vl = 0;
        if (*h == '"') {
            h++;
            while (*h && *h != '"') {
                if (*h == '\\' && h[1])
                    h++;
                if (vl + 1 >= sizeof val)
                    return -1;
                val[vl++] = *h++;
            }
            if (*h != '"')
                return -1;
            h++;
        } else {
            while (*h && *h != ',' && *h != ' ' && *h != '\t') {
                if (vl + 1 >= sizeof val)
                    return -1;
                val[vl++] = *h++;
            }
        }
        val[vl] = '\0';
        for (size_t i = 0; i < vl; i++)
            if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
                return -1; /* nothing that could end a header line or a URL early */
        char *dst = NULL;
        size_t dl = 0;
        if (kl == 5 && !strncasecmp(k, "realm", 5))
            dst = c->realm, dl = sizeof c->realm;
        else if (kl == 7 && !strncasecmp(k, "service", 7))
            dst = c->service, dl = sizeof c->service;
        else if (kl == 5 && !strncasecmp(k, "scope", 5))
            dst = c->scope, dl = sizeof c->scope;
        if (dst) {
            if (vl >= dl)
                return -1;
            memcpy(dst, val, vl + 1);
        }
    }
    if (!strcasecmp(c->scheme, "Bearer") && strncmp(c->realm, "https://", 8) &&
        strncmp(c->realm, "http://", 7))
        return -1;
    return 0;
}

static json_t *load(const char *body, size_t n, const char *what, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(body, n, 0, &je);
    if (!json_is_object(j)) {
        snprintf(err, errlen, "the registry's %s is not a JSON object%s%s", what, j ? "" : ": ",
                 j ? "" : je.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

char *in_reg_parse_token(const char *body, size_t n, char *err, size_t errlen)
{
    json_t *j = load(body, n, "token response", err, errlen);
    if (!j)
        return NULL;
    const char *t = json_string_value(json_object_get(j, "token"));
    if (!t || !*t)
        t = json_string_value(json_object_get(j, "access_token"));
    char *r = NULL;
    if (!t || !*t)
        snprintf(err, errlen, "the token response has no token");
    else if (strpbrk(t, "\r\n") || strlen(t) > 16384)
        snprintf(err, errlen, "the token response's token is not usable in a header");
    else
        r = strdup(t);
    json_decref(j);
    return r;
}

static const char *const index_types[] = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", NULL};
static const char *const image_types[] = {"application/vnd.oci.image.manifest.v1+json",
                                          "application/vnd.docker.distribution.manifest.v2+json",
                                          NULL};
static const char *const schema1_types[] = {
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws", NULL};

static int type_in(const char *t, const char *const *list)
{
    if (!t)
        return 0;
    size_t tl = strcspn(t, "; \t");
    for (; *list; list++)
        if (strlen(*list) == tl && !strncasecmp(t, *list, tl))
            return 1;
    return 0;
}

enum in_mf_kind in_reg_manifest_kind(const char *ctype, const char *body, size_t n)
{
    if (type_in(ctype, index_types))
        return IN_MF_INDEX;
    if (type_in(ctype, image_types))
        return IN_MF_IMAGE;
    if (type_in(ctype, schema1_types))
        return IN_MF_SCHEMA1;
    json_t *j = json_loadb(body, n, 0, NULL);
    enum in_mf_kind k = IN_MF_UNKNOWN;
    const char *mt = json_string_value(json_object_get(j, "mediaType"));
    if (type_in(mt, index_types) || json_is_array(json_object_get(j, "manifests")))
        k = IN_MF_INDEX;
    else if (type_in(mt, image_types) || json_is_object(json_object_get(j, "config")))
        k = IN_MF_IMAGE;
    else if (json_integer_value(json_object_get(j, "schemaVersion")) == 1)
        k = IN_MF_SCHEMA1;
    json_decref(j);
    return k;
}

int in_reg_pick_platform(const char *body, size_t n, const char *platform, char *digest,
                         size_t dlen, char *err, size_t errlen)
{
    json_t *j = load(body, n, "manifest list", err, errlen);
    if (!j)
        return -1;
    char os[32] = "", arch[32] = "", variant[32] = "";
    sscanf(platform, "%31[^/]/%31[^/]/%31s", os, arch, variant);
    json_t *ms = json_object_get(j, "manifests");
    size_t i;
    json_t *m;
    int best = -1, best_score = 0;
    char seen[512] = "";
    json_array_foreach(ms, i, m)
    {
        json_t *p = json_object_get(m, "platform");
        const char *mo = json_string_value(json_object_get(p, "os"));
        const char *ma = json_string_value(json_object_get(p, "architecture"));
        const char *mv = json_string_value(json_object_get(p, "variant"));
        if (!mo || !ma)
            continue;
        size_t sl = strlen(seen);
        if (sl < sizeof seen - 80)
            snprintf(seen + sl, sizeof seen - sl, "%s%.20s/%.20s%s%.20s", sl ? ", " : "", mo, ma,
                     mv ? "/" : "", mv ? mv : "");
        if (strcmp(mo, os) || strcmp(ma, arch))
            continue;
        int score = 1;
        if (variant[0])
            score = mv && !strcmp(mv, variant) ? 3 : 0;
        else if (!mv || (!strcmp(arch, "arm64") && !strcmp(mv, "v8")))
            score = 2;
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    int rc = -1;
    if (best < 0) {
        snprintf(err, errlen, "no manifest for %s (the image has: %s)", platform,
                 seen[0] ? seen : "none");
    } else {
        const char *d =
            json_string_value(json_object_get(json_array_get(ms, (size_t)best), "digest"));
        if (!in_reg_valid_digest(d))
            snprintf(err, errlen, "the manifest list's digest for %s is not a sha256 digest",
                     platform);
        else if (strlen(d) < dlen) {
            memcpy(digest, d, strlen(d) + 1);
            rc = 0;
        }
    }
    json_decref(j);
    return rc;
}

int in_reg_config_digest(const char *body, size_t n, char *digest, size_t dlen, char *err,
                         size_t errlen)
{
    json_t *j = load(body, n, "image manifest", err, errlen);
    if (!j)
        return -1;
    const char *d = json_string_value(json_object_get(json_object_get(j, "config"), "digest"));
    int rc = -1;
    if (!in_reg_valid_digest(d))
        snprintf(err, errlen, "the image manifest has no sha256 config digest");
    else if (strlen(d) < dlen) {
        memcpy(digest, d, strlen(d) + 1);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

/* Entrypoint/Cmd of a "config" object: arrays of strings or null. */
static int argv_of(json_t *cfg, const char *key, json_t **out, char *err, size_t errlen)
{
    json_t *a = json_object_get(cfg, key);
    *out = NULL;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a)) {
        snprintf(err, errlen, "the image configuration's %s is not a list", key);
        return -1;
    }
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x)) {
            snprintf(err, errlen, "the image configuration's %s has a non-string element", key);
            return -1;
        }
    }
    *out = json_deep_copy(a);
    return *out ? 0 : -1;
}

static int from_config_object(json_t *cfg, json_t **ep, json_t **cmd, char *err, size_t errlen)
{
    if (cfg && !json_is_object(cfg) && !json_is_null(cfg)) {
        snprintf(err, errlen, "the image configuration's config is not an object");
        return -1;
    }
    if (argv_of(cfg, "Entrypoint", ep, err, errlen) < 0)
        return -1;
    if (argv_of(cfg, "Cmd", cmd, err, errlen) < 0) {
        json_decref(*ep);
        *ep = NULL;
        return -1;
    }
    return 0;
}

int in_reg_parse_config(const char *body, size_t n, json_t **ep, json_t **cmd, char *err,
                        size_t errlen)
{
    *ep = *cmd = NULL;
    json_t *j = load(body, n, "image configuration", err, errlen);
    if (!j)
        return -1;
    int rc = from_config_object(json_object_get(j, "config"), ep, cmd, err, errlen);
    json_decref(j);
    return rc;
}

int in_reg_parse_schema1(const char *body, size_t n, json_t **ep, json_t **cmd, char *err,
                         size_t errlen)
{
    *ep = *cmd = NULL;
    json_t *j = load(body, n, "schema 1 manifest", err, errlen);
    if (!j)
        return -1;
    const char *v1 = json_string_value(
        json_object_get(json_array_get(json_object_get(j, "history"), 0), "v1Compatibility"));
    int rc = -1;
    if (!v1)
        snprintf(err, errlen, "the schema 1 manifest has no history");
    else
        rc = in_reg_parse_config(v1, strlen(v1), ep, cmd, err, errlen);
    json_decref(j);
    return rc;
}
