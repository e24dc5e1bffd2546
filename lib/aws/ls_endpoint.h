/* Region and endpoint resolution: configured endpoint URLs, partitions, FIPS and dual-stack. */
#ifndef LS_ENDPOINT_H
#define LS_ENDPOINT_H
#include <stddef.h>

/* Variants requested by flags (environment AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT
 * are honoured too). */
void ls_endpoint_set_variants(int fips, int dualstack);

/* Endpoint URL for service `svc` ("logs", "sts"): AWS_ENDPOINT_URL_<env_suffix>, then
 * AWS_ENDPOINT_URL (both ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else the
 * standard endpoint of the region's partition. host (may be NULL) receives "host[:port]".
 * 0 or -1. */
int ls_endpoint_for_service(const char *svc, const char *env_suffix, const char *region, char *url,
                            size_t urllen, char *host, size_t hostlen);

/* Region: flag, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then ecs_region.
 * 1 found, 0 not. */
int ls_region_resolve(const char *flag, const char *ecs_region, char *out, size_t outlen);

/* Split "scheme://host[:port]/path": https flag, host ("h", "h:port", "[v6]:port" as written),
 * path (default "/"). 0 or -1. */
int ls_url_split(const char *url, int *https, char *host, size_t hostlen, char *hostport,
                 size_t hplen, char *path, size_t pathlen);

#endif
