/* Docker config.json credentials. */
#include "in_dockercfg.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Standard base64 of n bytes: a heap string or NULL. */
static char *in_base64(const void *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* "https://index.docker.io/v1/" -> "index.docker.io" */
static void key_host(const char *k, char *out, size_t n)
{
    if (!strncmp(k, "https://", 8))
        k += 8;
    else if (!strncmp(k, "http://", 7))
        k += 7;
    size_t l = strcspn(k, "/");
    snprintf(out, n, "%.*s", (int)l, k);
}

static int hub_name(const char *h)
{
    return !strcmp(h, "index.docker.io") || !strcmp(h, "docker.io") ||
           !strcmp(h, "registry-1.docker.io");
}

static int matches(const char *key, const char *host, int docker_hub)
{
    char kh[300];
    key_host(key, kh, sizeof kh);
    return docker_hub ? hub_name(kh) : !strcmp(kh, host);
}

static int valid_basic(const char *b64)
{
    size_t n = strlen(b64);
    if (!n || n % 4 || n > 8192)
        return 0;
    unsigned char *d = malloc(n);
    if (!d)
        return 0;
    int dl = EVP_DecodeBlock(d, (const unsigned char *)b64, (int)n);
    int ok = dl > 0 && memchr(d, ':', (size_t)dl) != NULL;
    free(d);
    return ok;
}

static int has_helper(json_t *j, const char *host, int docker_hub)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(j, "credHelpers"), k, v)
    {
        if (matches(k, host, docker_hub))
            return 1;
    }
    const char *store = json_string_value(json_object_get(j, "credsStore"));
    return store && *store;
}

int in_dockercfg_find(const char *text, size_t n, const char *host, int docker_hub,
                      struct in_regcred *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    json_error_t je;
    json_t *j = json_loadb(text, n, 0, &je);
    if (!json_is_object(j)) {
        snprintf(err, errlen, "not a JSON object%s%s", j ? "" : ": ", j ? "" : je.text);
        json_decref(j);
        return -1;
    }
    int rc = 0;
    const char *k;
    json_t *e;
    json_object_foreach(json_object_get(j, "auths"), k, e)
    {
        if (!matches(k, host, docker_hub) || !json_is_object(e))
            continue;
        const char *auth = json_string_value(json_object_get(e, "auth"));
        const char *user = json_string_value(json_object_get(e, "username"));
        const char *pass = json_string_value(json_object_get(e, "password"));
        const char *idt = json_string_value(json_object_get(e, "identitytoken"));
        if (idt && *idt && !strpbrk(idt, "\r\n&")) {
            c->identity = strdup(idt);
            rc = c->identity ? 1 : -1;
        } else if (auth && *auth) {
            if (!valid_basic(auth)) {
                snprintf(err, errlen, "auths.%s.auth is not base64 of user:password", k);
                rc = -1;
            } else {
                c->basic = strdup(auth);
                rc = c->basic ? 1 : -1;
            }
        } else if (user && pass) {
            size_t l = strlen(user) + strlen(pass) + 2;
            char *up = malloc(l);
            if (up) {
                snprintf(up, l, "%s:%s", user, pass);
                c->basic = in_base64(up, l - 1);
                explicit_bzero(up, l);
                free(up);
            }
            rc = c->basic ? 1 : -1;
        }
        if (rc)
            break;
    }
    if (!rc && has_helper(j, host, docker_hub))
        rc = 2;
    json_decref(j);
    return rc;
}

void in_regcred_free(struct in_regcred *c)
{
    if (c->basic)
        explicit_bzero(c->basic, strlen(c->basic));
    if (c->identity)
        explicit_bzero(c->identity, strlen(c->identity));
    free(c->basic);
    free(c->identity);
    c->basic = c->identity = NULL;
}
