/* Amazon ECR: registry hosts ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn] take Basic
 * credentials AWS:<token> from ecr:GetAuthorizationToken, signed with SigV4 using the AWS SDKs'
 * default credential chain (lib/aws). */
#ifndef IN_ECR_H
#define IN_ECR_H
#include <stddef.h>

/* 1 when host is an ECR registry (account and region filled), else 0. */
int in_ecr_host(const char *host, char *account, size_t alen, char *region, size_t rlen);
/* GetAuthorizationToken's response body: the authorizationToken (already base64 of
 * "AWS:password") as a heap string, or NULL (why in err). */
char *in_ecr_parse_token(const char *body, size_t n, char *err, size_t errlen);
/* Asks ECR for the registry's token (endpoint: AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL or
 * api.ecr.REGION...). A heap string to wipe and free, or NULL (why in err). */
char *in_ecr_basic(const char *account, const char *region, char *err, size_t errlen);

#endif
