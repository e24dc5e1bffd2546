/* Registry client: manifests, the config blob, authentication and redirects. */
#include "in_registry.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "in_dockercfg.h"
#include "in_ecr.h"
#include "in_regparse.h"
#include "ls_endpoint.h"
#include "ls_http.h"
#include "ls_sigv4.h"
#include "tt_io.h"

#define MAX_MANIFEST (4u << 20)
#define MAX_CONFIG (16u << 20)
#define MAX_TOKEN (1u << 20)

static const char accept_manifests[] =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.5";

struct host_auth {
    char host[256];
    int loaded;
    struct in_regcred cred;
    char *bearer;
    int send_basic; /* the registry asked for Basic (or is ECR): send it up front */
};

struct in_registry {
    const struct in_opts *o;
    struct ls_http http;
    int http_ok;
    struct host_auth *hosts;
    size_t nhosts;
};

struct in_registry *in_registry_new(const struct in_opts *o)
{
    struct in_registry *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->o = o;
    if (ls_http_init(&r->http, 5000, 30000) < 0) {
        free(r);
        return NULL;
    }
    r->http_ok = 1;
    return r;
}

void in_registry_free(struct in_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhosts; i++) {
        in_regcred_free(&r->hosts[i].cred);
        if (r->hosts[i].bearer)
            explicit_bzero(r->hosts[i].bearer, strlen(r->hosts[i].bearer));
        free(r->hosts[i].bearer);
    }
    free(r->hosts);
    if (r->http_ok)
        ls_http_cleanup(&r->http);
    free(r);
}

/* --- where and how to talk to a registry ------------------------------------------------- */

static int loopback(const char *host)
{
    return !strncmp(host, "localhost", 9) || !strncmp(host, "127.", 4) ||
           !strncmp(host, "[::1]", 5);
}

static void base_url(const struct in_registry *R, const char *host, char *out, size_t n)
{
    const struct in_list *u = &R->o->registry_urls;
    size_t hl = strlen(host);
    for (size_t i = 0; i < u->n; i++)
        if (!strncmp(u->v[i], host, hl) && u->v[i][hl] == '=') {
            snprintf(out, n, "%s", u->v[i] + hl + 1);
            size_t l = strlen(out);
            while (l && out[l - 1] == '/')
                out[--l] = '\0';
            return;
        }
    int plain = loopback(host) || in_list_has(&R->o->insecure_registries, host);
    snprintf(out, n, "%s://%s", plain ? "http" : "https", host);
}

static struct host_auth *host_auth(struct in_registry *R, const char *host)
{
    for (size_t i = 0; i < R->nhosts; i++)
        if (!strcmp(R->hosts[i].host, host))
            return &R->hosts[i];
    struct host_auth *h = realloc(R->hosts, (R->nhosts + 1) * sizeof *h);
    if (!h)
        return NULL;
    R->hosts = h;
    h = &R->hosts[R->nhosts++];
    memset(h, 0, sizeof *h);
    snprintf(h->host, sizeof h->host, "%s", host);
    return h;
}

/* The Docker client's configuration file: --registry-auth, $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json. A missing default file means no credentials. */
static int load_creds(struct in_registry *R, struct host_auth *ha, int docker_hub, char *err,
                      size_t errlen)
{
    if (ha->loaded)
        return 0;
    ha->loaded = 1;
    char acct[16], region[64];
    if (in_ecr_host(ha->host, acct, sizeof acct, region, sizeof region)) {
        ha->cred.basic = in_ecr_basic(acct, region, err, errlen);
        ha->send_basic = 1;
        return ha->cred.basic ? 0 : -1;
    }
    char path[4096];
    const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    int explicit_file = R->o->registry_auth != NULL;
    if (explicit_file)
        snprintf(path, sizeof path, "%s", R->o->registry_auth);
    else if (dc && *dc)
        snprintf(path, sizeof path, "%s/config.json", dc);
    else if (home && *home)
        snprintf(path, sizeof path, "%s/.docker/config.json", home);
    else
        return 0;
    size_t len;
    char *text = tt_read_file(path, 4u << 20, &len);
    if (!text) {
        if (!explicit_file && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "registry credentials %s: %s", path, strerror(errno));
        return -1;
    }
    char why[256];
    int rc = in_dockercfg_find(text, len, ha->host, docker_hub, &ha->cred, why, sizeof why);
    explicit_bzero(text, len);
    free(text);
    if (rc < 0) {
        snprintf(err, errlen, "registry credentials %s: %s", path, why);
        return -1;
    }
    if (rc == 2)
        fprintf(stderr,
                "instrument: warning: %s: the credentials for %s are in a credential helper, "
                "which instrument does not run; trying without (--registry-auth FILE takes a "
                "config.json with an \"auths\" entry)\n",
                path, ha->host);
    return 0;
}

/* --- requests ------------------------------------------------------------------------------ */

/* Registry errors: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]} */
static void describe_failure(const struct ls_http_resp *resp, char *out, size_t n)
{
    json_t *j = json_loadb(resp->body.p ? resp->body.p : "", resp->body.len, 0, NULL);
    json_t *e = json_array_get(json_object_get(j, "errors"), 0);
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    snprintf(out, n, "HTTP %ld%s%.60s%s%.200s", resp->status, code ? " " : "", code ? code : "",
             msg ? ": " : "", msg ? msg : "");
    json_decref(j);
}

static int fetch_token(struct in_registry *R, struct host_auth *ha, const char *base,
                       const struct in_challenge *c, const char *repo, char *err, size_t errlen)
{
    if (!strncmp(c->realm, "http://", 7) && strncmp(base, "http://", 7)) {
        snprintf(err, errlen, "registry %s: refusing a token service over plain HTTP (%s)",
                 ha->host, c->realm);
        return -1;
    }
    char scope[600];
    if (c->scope[0])
        snprintf(scope, sizeof scope, "%s", c->scope);
    else
        snprintf(scope, sizeof scope, "repository:%s:pull", repo);
    struct ls_buf url = {0}, form = {0}, auth = {0};
    struct ls_http_resp resp = {0};
    int rc = -1;
    const char *sep = strchr(c->realm, '?') ? "&" : "?";
    if (ls_buf_printf(&url, "%s", c->realm) < 0)
        goto oom;
    if (ha->cred.identity) { /* OAuth2 refresh token: POST the form */
        if (ls_buf_adds(&form, "grant_type=refresh_token&client_id=tartan-instrument&service=") <
                0 ||
            ls_uri_encode(&form, c->service, strlen(c->service), 0) < 0 ||
            ls_buf_adds(&form, "&scope=") < 0 ||
            ls_uri_encode(&form, scope, strlen(scope), 0) < 0 ||
            ls_buf_adds(&form, "&refresh_token=") < 0 ||
            ls_uri_encode(&form, ha->cred.identity, strlen(ha->cred.identity), 0) < 0)
            goto oom;
    } else {
        if (ls_buf_printf(&url, "%sservice=", sep) < 0 ||
            ls_uri_encode(&url, c->service, strlen(c->service), 0) < 0 ||
            ls_buf_adds(&url, "&scope=") < 0 || ls_uri_encode(&url, scope, strlen(scope), 0) < 0)
            goto oom;
        if (ha->cred.basic && ls_buf_printf(&auth, "Authorization: Basic %s", ha->cred.basic) < 0)
            goto oom;
    }
    const char *hdrs[3] = {"User-Agent: tartan-instrument/" IN_VERSION, NULL, NULL};
    size_t nh = 1;
    if (auth.p)
        hdrs[nh++] = auth.p;
    if (form.p)
        hdrs[nh++] = "Content-Type: application/x-www-form-urlencoded";
    R->http.max_body = MAX_TOKEN;
    if (ls_http_do(&R->http, form.p ? "POST" : "GET", url.p, hdrs, nh, form.p,
                   form.p ? form.len : 0, 0, &resp) < 0) {
        snprintf(err, errlen, "registry %s: token service %s: %s", ha->host, c->realm, resp.error);
        goto out;
    }
    if (resp.status != 200) {
        char why[300];
        describe_failure(&resp, why, sizeof why);
        snprintf(err, errlen, "registry %s: the token service %s refused %s access to %s (%s)%s",
                 ha->host, c->realm,
                 ha->cred.basic || ha->cred.identity ? "the credentials'" : "anonymous", repo, why,
                 ha->cred.basic || ha->cred.identity
                     ? ""
                     : ": docker login, or --registry-auth FILE with an \"auths\" entry");
        goto out;
    }
    char why[200];
    char *tok = in_reg_parse_token(resp.body.p, resp.body.len, why, sizeof why);
    if (!tok) {
        snprintf(err, errlen, "registry %s: %s", ha->host, why);
        goto out;
    }
    if (ha->bearer)
        explicit_bzero(ha->bearer, strlen(ha->bearer));
    free(ha->bearer);
    ha->bearer = tok;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    if (resp.body.p)
        explicit_bzero(resp.body.p, resp.body.len);
    ls_http_resp_free(&resp);
    ls_buf_wipe(&form);
    ls_buf_wipe(&auth);
    ls_buf_free(&url);
    return rc;
}

static int answer_challenge(struct in_registry *R, struct host_auth *ha, const char *base,
                            const struct ls_http_resp *resp, const struct in_imageref *ref,
                            char *err, size_t errlen)
{
    char www[2048];
    struct in_challenge c;
    if (!ls_http_header(resp, "WWW-Authenticate", www, sizeof www) ||
        in_reg_parse_challenge(www, &c) < 0) {
        snprintf(err, errlen, "registry %s: HTTP 401 without a challenge instrument can answer",
                 ha->host);
        return -1;
    }
    if (load_creds(R, ha, ref->docker_hub, err, errlen) < 0)
        return -1;
    if (!strcasecmp(c.scheme, "Basic")) {
        if (!ha->cred.basic) {
            snprintf(err, errlen,
                     "registry %s wants a user name and password: docker login %s, or "
                     "--registry-auth FILE with an \"auths\" entry",
                     ha->host, ha->host);
            return -1;
        }
        ha->send_basic = 1;
        return 0;
    }
    return fetch_token(R, ha, base, &c, ref->repo, err, errlen);
}

static void url_host(const char *url, char *out, size_t n)
{
    int https;
    if (ls_url_split(url, &https, NULL, 0, out, n, NULL, 0) < 0)
        out[0] = '\0';
}

/* Location relative to url, into next. 0 or -1 (unusable). */
static int redirect_target(const char *url, const char *loc, char *next, size_t n)
{
    if (!strncmp(loc, "https://", 8) || !strncmp(loc, "http://", 7)) {
        if (!strncmp(url, "https://", 8) && !strncmp(loc, "http://", 7))
            return -1; /* no downgrade */
        return snprintf(next, n, "%s", loc) >= (int)n ? -1 : 0;
    }
    if (loc[0] != '/')
        return -1;
    const char *p = strstr(url, "://");
    size_t origin = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/") : 0;
    return snprintf(next, n, "%.*s%s", (int)origin, url, loc) >= (int)n ? -1 : 0;
}

/* GET base+path, authenticating and following redirects; a 200 response in resp, else -1. */
static int reg_get(struct in_registry *R, struct host_auth *ha, const struct in_imageref *ref,
                   const char *path, const char *accept, size_t max, struct ls_http_resp *resp,
                   char *err, size_t errlen)
{
    char base[1024], url[4096], reg_host[300], auth[16500];
    base_url(R, ha->host, base, sizeof base);
    snprintf(url, sizeof url, "%s%s", base, path);
    url_host(url, reg_host, sizeof reg_host);
    int challenged = 0;
    for (int hop = 0; hop < 8; hop++) {
        char h[300];
        url_host(url, h, sizeof h);
        const char *hdrs[3] = {"User-Agent: tartan-instrument/" IN_VERSION, NULL, NULL};
        size_t nh = 1;
        if (accept)
            hdrs[nh++] = accept;
        /* credentials only for the registry itself, never for where it redirects */
        if (!strcmp(h, reg_host) && (ha->bearer || (ha->send_basic && ha->cred.basic))) {
            snprintf(auth, sizeof auth, "Authorization: %s %s", ha->bearer ? "Bearer" : "Basic",
                     ha->bearer ? ha->bearer : ha->cred.basic);
            hdrs[nh++] = auth;
        }
        R->http.max_body = max;
        resp->keep_headers = 1;
        int rc = ls_http_do(&R->http, "GET", url, hdrs, nh, NULL, 0, 0, resp);
        explicit_bzero(auth, sizeof auth);
        if (rc < 0) {
            snprintf(err, errlen, "registry %s: %s: %s", ha->host, url, resp->error);
            return -1;
        }
        if (resp->status == 200)
            return 0;
        if (resp->status == 401 && !challenged && !strcmp(h, reg_host)) {
            challenged = 1;
            if (answer_challenge(R, ha, base, resp, ref, err, errlen) < 0)
                return -1;
            continue;
        }
        char loc[4096];
        if (resp->status >= 300 && resp->status < 400 &&
            ls_http_header(resp, "Location", loc, sizeof loc)) {
            char next[4096];
            if (redirect_target(url, loc, next, sizeof next) < 0) {
                snprintf(err, errlen, "registry %s: unusable redirect to %.200s", ha->host, loc);
                return -1;
            }
            memcpy(url, next, sizeof url);
            continue;
        }
        char why[300];
        describe_failure(resp, why, sizeof why);
        int creds = ha->cred.basic || ha->cred.identity;
        snprintf(err, errlen, "registry %s: %s: %s%s%s%s", ha->host, path, why,
                 resp->status == 404 ? " (no such image or tag)" : "",
                 resp->status == 401 && creds ? " (the credentials were refused)" : "",
                 resp->status == 401 && !creds
                     ? " (anonymous access refused: docker login, or --registry-auth FILE with an "
                       "\"auths\" entry)"
                     : "");
        return -1;
    }
    snprintf(err, errlen, "registry %s: too many redirects", ha->host);
    return -1;
}

static int check_digest(const struct ls_http_resp *resp, const char *want, char *got, size_t n,
                        const char *host, char *err, size_t errlen)
{
    char hex[65];
    if (ls_sha256_hex(resp->body.p ? resp->body.p : "", resp->body.len, hex) < 0) {
        snprintf(err, errlen, "registry %s: cannot hash the content of %s (out of memory)", host,
                 want && want[0] ? want : "the manifest");
        return -1;
    }
    snprintf(got, n, "sha256:%s", hex);
    if (want && want[0] && strcmp(want, got)) {
        snprintf(err, errlen, "registry %s: the content of %s does not match its digest (%s)", host,
                 want, got);
        return -1;
    }
    return 0;
}

static int from_image_manifest(struct in_registry *R, struct host_auth *ha,
                               const struct in_imageref *ref, const struct ls_http_resp *m,
                               struct in_image_cfg *out, char *err, size_t errlen)
{
    char cd[80], why[300], path[600], got[80];
    if (in_reg_config_digest(m->body.p, m->body.len, cd, sizeof cd, why, sizeof why) < 0) {
        snprintf(err, errlen, "registry %s: %s: %s", ha->host, ref->repo, why);
        return -1;
    }
    snprintf(path, sizeof path, "/v2/%s/blobs/%s", ref->repo, cd);
    struct ls_http_resp b = {0};
    int rc = -1;
    if (reg_get(R, ha, ref, path, NULL, MAX_CONFIG, &b, err, errlen) < 0 ||
        check_digest(&b, cd, got, sizeof got, ha->host, err, errlen) < 0)
        goto out;
    if (in_reg_parse_config(b.body.p, b.body.len, &out->entrypoint, &out->cmd, why, sizeof why) <
        0) {
        snprintf(err, errlen, "registry %s: %s: %s", ha->host, ref->repo, why);
        goto out;
    }
    rc = 0;
out:
    ls_http_resp_free(&b);
    return rc;
}

int in_registry_config(struct in_registry *R, const struct in_imageref *ref, const char *platform,
                       struct in_image_cfg *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct host_auth *ha = host_auth(R, ref->host);
    if (!ha) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!ha->loaded && ha->send_basic == 0) {
        char acct[16], region[64];
        if (in_ecr_host(ha->host, acct, sizeof acct, region, sizeof region) &&
            load_creds(R, ha, 0, err, errlen) < 0)
            return -1;
    }
    char path[600], why[400], top[80];
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", ref->repo, in_imageref_ref(ref));
    struct ls_http_resp m = {0};
    int rc = -1;
    if (reg_get(R, ha, ref, path, accept_manifests, MAX_MANIFEST, &m, err, errlen) < 0 ||
        check_digest(&m, ref->digest, top, sizeof top, ha->host, err, errlen) < 0)
        goto out;
    char ctype[256] = "";
    ls_http_header(&m, "Content-Type", ctype, sizeof ctype);
    enum in_mf_kind k = in_reg_manifest_kind(ctype, m.body.p, m.body.len);
    if (k == IN_MF_INDEX) {
        char md[80], got[80];
        if (in_reg_pick_platform(m.body.p, m.body.len, platform, md, sizeof md, why, sizeof why) <
            0) {
            snprintf(err, errlen, "registry %s: %s: %s", ha->host, ref->repo, why);
            goto out;
        }
        snprintf(path, sizeof path, "/v2/%s/manifests/%s", ref->repo, md);
        struct ls_http_resp pm = {0};
        if (reg_get(R, ha, ref, path, accept_manifests, MAX_MANIFEST, &pm, err, errlen) < 0 ||
            check_digest(&pm, md, got, sizeof got, ha->host, err, errlen) < 0) {
            ls_http_resp_free(&pm);
            goto out;
        }
        ls_http_header(&pm, "Content-Type", ctype, sizeof ctype);
        if (in_reg_manifest_kind(ctype, pm.body.p, pm.body.len) != IN_MF_IMAGE) {
            snprintf(err, errlen, "registry %s: %s: the %s manifest is not an image manifest",
                     ha->host, ref->repo, platform);
            ls_http_resp_free(&pm);
            goto out;
        }
        rc = from_image_manifest(R, ha, ref, &pm, out, err, errlen);
        ls_http_resp_free(&pm);
    } else if (k == IN_MF_IMAGE) {
        rc = from_image_manifest(R, ha, ref, &m, out, err, errlen);
    } else if (k == IN_MF_SCHEMA1) {
        rc = in_reg_parse_schema1(m.body.p, m.body.len, &out->entrypoint, &out->cmd, why,
                                  sizeof why);
        if (rc < 0)
            snprintf(err, errlen, "registry %s: %s: %s", ha->host, ref->repo, why);
    } else {
        snprintf(err, errlen, "registry %s: %s: a manifest of an unknown type (%s)", ha->host,
                 ref->repo, ctype[0] ? ctype : "no Content-Type");
    }
    if (rc == 0)
        snprintf(out->digest, sizeof out->digest, "%s", top);
out:
    ls_http_resp_free(&m);
    return rc;
}
