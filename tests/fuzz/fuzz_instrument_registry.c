/* libFuzzer target: everything a registry (or a token service, ECR, a docker config file) sends
 * instrument, on arbitrary bytes: the WWW-Authenticate challenge, token responses, manifest lists,
 * image manifests, image configurations, schema 1 manifests, ECR's GetAuthorizationToken answer,
 * config.json credentials, and image references. A digest that comes out must be one that is
 * safe in a URL path; a challenge's fields may not hold a line break. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "in_dockercfg.h"
#include "in_ecr.h"
#include "in_imageref.h"
#include "in_regparse.h"

static void check_digest(const char *d)
{
    if (!in_reg_valid_digest(d))
        abort();
}

static void no_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char err[512], dg[80];
    struct in_challenge c;
    if (in_reg_parse_challenge(s, &c) == 0) {
        no_control(c.realm);
        no_control(c.service);
        no_control(c.scope);
    }
    char *t = in_reg_parse_token(s, size, err, sizeof err);
    if (t && strpbrk(t, "\r\n"))
        abort();
    free(t);
    (void)in_reg_manifest_kind(s, s, size);
    const char *plats[] = {"linux/amd64", "linux/arm64", "linux/arm/v7"};
    for (int i = 0; i < 3; i++)
        if (in_reg_pick_platform(s, size, plats[i], dg, sizeof dg, err, sizeof err) == 0)
            check_digest(dg);
    if (in_reg_config_digest(s, size, dg, sizeof dg, err, sizeof err) == 0)
        check_digest(dg);
    json_t *ep, *cmd;
    if (in_reg_parse_config(s, size, &ep, &cmd, err, sizeof err) == 0) {
        json_decref(ep);
        json_decref(cmd);
    }
    if (in_reg_parse_schema1(s, size, &ep, &cmd, err, sizeof err) == 0) {
        json_decref(ep);
        json_decref(cmd);
    }
    char *e = in_ecr_parse_token(s, size, err, sizeof err);
    free(e);
    struct in_regcred rc;
    if (in_dockercfg_find(s, size, "127.0.0.1:5000", size & 1, &rc, err, sizeof err) >= 0)
        in_regcred_free(&rc);
    struct in_imageref r;
    if (in_imageref_parse(s, &r, err, sizeof err) == 0) {
        /* nothing that could leave the repository's path */
        if (strstr(r.repo, "..") || strpbrk(r.repo, "?#%") || strpbrk(r.tag, "/?#%"))
            abort();
        if (r.digest[0])
            check_digest(r.digest);
    }
    char acct[16], region[64];
    (void)in_ecr_host(s, acct, sizeof acct, region, sizeof region);
    free(s);
    return 0;
}
