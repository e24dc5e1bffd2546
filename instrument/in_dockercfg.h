/* Registry credentials from a Docker client configuration file (config.json): "auths" entries with
 * "auth" (base64 of user:password), "username"/"password" or "identitytoken". */
#ifndef IN_DOCKERCFG_H
#define IN_DOCKERCFG_H
#include <stddef.h>

struct in_regcred {
    char *basic;    /* base64 of "user:password", or NULL */
    char *identity; /* an OAuth2 refresh token (docker login with a token), or NULL */
};

/* Credentials for registry host (docker_hub: Docker Hub's several names match) in the config
 * text. 1 found, 0 none, 2 none but a credential helper (credsStore / credHelpers) holds them,
 * which instrument does not run; -1 unreadable (why in err). */
int in_dockercfg_find(const char *text, size_t n, const char *host, int docker_hub,
                      struct in_regcred *c, char *err, size_t errlen);
void in_regcred_free(struct in_regcred *c);

#endif
