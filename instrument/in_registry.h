/* A Docker Registry HTTP API v2 client for one thing: an image's configuration.
 *   GET /v2/REPO/manifests/REF   (manifest list / OCI index -> the platform's manifest)
 *   GET /v2/REPO/blobs/CONFIG    (the image configuration: Entrypoint, Cmd)
 * with the registry's token challenge (WWW-Authenticate: Bearer realm, service, scope) answered
 * anonymously or with credentials (docker config.json, ECR's GetAuthorizationToken), redirects
 * followed (blobs are often served from elsewhere; credentials are not sent to another host), and
 * every digest checked against the bytes received. */
#ifndef IN_REGISTRY_H
#define IN_REGISTRY_H
#include <stddef.h>

#include "in_image.h"
#include "in_imageref.h"
#include "in_opts.h"

struct in_registry;

struct in_registry *in_registry_new(const struct in_opts *o);
void in_registry_free(struct in_registry *r);
/* ENTRYPOINT, CMD and the digest the reference resolved to (the manifest list's when there is
 * one, so that a pinned image keeps every platform). 0 or -1 (why in err). */
int in_registry_config(struct in_registry *r, const struct in_imageref *ref, const char *platform,
                       struct in_image_cfg *out, char *err, size_t errlen);

#endif
