/* Region and endpoint resolution. */
#include "ls_endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ls_creds.h"

static int want_fips, want_dual;

void ls_endpoint_set_variants(int fips, int dualstack)
{
    want_fips = fips;
    want_dual = dualstack;
}

static int env_true(const char *name)
{
    const char *v = getenv(name);
    return v && !strcasecmp(v, "true");
}

int ls_url_split(const char *url, int *https, char *host, size_t hostlen, char *hostport,
                 size_t hplen, char *path, size_t pathlen)
{
    const char *p;
    if (!strncasecmp(url, "https://", 8)) {
        *https = 1;
        p = url + 8;
    } else if (!strncasecmp(url, "http://", 7)) {
        *https = 0;
        p = url + 7;
    } else {
        return -1;
    }
    size_t hl = strcspn(p, "/?#");
    if (hl == 0)
        return -1;
    const char *at = memchr(p, '@', hl);
    if (at) /* no userinfo in endpoints */
        return -1;
    if (hostport) {
        if (hl >= hplen)
            return -1;
        memcpy(hostport, p, hl);
        hostport[hl] = '\0';
    }
    if (host) {
        size_t n = hl;
        if (p[0] == '[') {
            const char *rb = memchr(p, ']', hl);
            if (!rb)
                return -1;
            n = (size_t)(rb - p) + 1;
        } else {
            const char *colon = memchr(p, ':', hl);
            if (colon)
                n = (size_t)(colon - p);
        }
        if (n >= hostlen)
            return -1;
        memcpy(host, p, n);
        host[n] = '\0';
    }
    if (path) {
        const char *s = p + hl;
        size_t pl = *s == '/' ? strcspn(s, "?#") : 0;
        if (pl == 0) {
            s = "/";
            pl = 1;
        }
        if (pl >= pathlen)
            return -1;
        memcpy(path, s, pl);
        path[pl] = '\0';
    }
    return 0;
}

int ls_endpoint_for_service(const char *svc, const char *env_suffix, const char *region, char *url,
                            size_t urllen, char *host, size_t hostlen)
{
    const char *conf = NULL;
    if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
        char name[128];
        snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", env_suffix);
        conf = getenv(name);
        if (!conf || !*conf)
            conf = getenv("AWS_ENDPOINT_URL");
    }
    if (conf && *conf) {
        int https;
        if (snprintf(url, urllen, "%s", conf) >= (int)urllen)
            return -1;
        return host ? ls_url_split(url, &https, NULL, 0, host, hostlen, NULL, 0)
                    : ls_url_split(url, &https, NULL, 0, NULL, 0, NULL, 0);
    }
    if (!region || !*region)
        region = "us-east-1";
    int fips = want_fips || env_true("AWS_USE_FIPS_ENDPOINT");
    int dual = want_dual || env_true("AWS_USE_DUALSTACK_ENDPOINT");
    const char *suffix = "amazonaws.com", *dual_suffix = "api.aws";
    if (!strncmp(region, "cn-", 3)) {
        suffix = "amazonaws.com.cn";
        dual_suffix = "api.amazonwebservices.com.cn";
    } else if (!strncmp(region, "us-isob-", 8)) {
        suffix = dual_suffix = "sc2s.sgov.gov";
    } else if (!strncmp(region, "us-iso-", 7)) {
        suffix = dual_suffix = "c2s.ic.gov";
    }
    char h[256];
    snprintf(h, sizeof h, "%s%s.%s.%s", svc, fips ? "-fips" : "", region,
             dual ? dual_suffix : suffix);
    if (host && snprintf(host, hostlen, "%s", h) >= (int)hostlen)
        return -1;
    if (snprintf(url, urllen, "https://%s/", h) >= (int)urllen)
        return -1;
    return 0;
}

int ls_region_resolve(const char *flag, const char *ecs_region, char *out, size_t outlen)
{
    const char *cands[] = {flag, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")};
    for (size_t i = 0; i < 3; i++)
        if (cands[i] && *cands[i]) {
            snprintf(out, outlen, "%s", cands[i]);
            return 1;
        }
    if (ls_profile_get(ls_profile_name(), "region", 0, out, outlen) && *out)
        return 1;
    if (ecs_region && *ecs_region) {
        snprintf(out, outlen, "%s", ecs_region);
        return 1;
    }
    return 0;
}
