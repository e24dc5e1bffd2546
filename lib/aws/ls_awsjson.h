/* One AWS JSON 1.1 request (X-Amz-Target protocol: CloudWatch Logs, ECR, ...) signed with SigV4. */
#ifndef LS_AWSJSON_H
#define LS_AWSJSON_H
#include <stddef.h>

#include "ls_creds.h"
#include "ls_http.h"

struct ls_aws_target {
    const char *url;        /* endpoint, "https://api.ecr.eu-west-1.amazonaws.com/" */
    const char *region;     /* signing region */
    const char *service;    /* signing name: "ecr", "logs" */
    const char *target;     /* X-Amz-Target, "Logs_20140328.PutLogEvents" */
    struct ls_buf *scratch; /* optional: a buffer kept between calls for the token header */
};

/* POSTs body with the credentials cr. 0 when a response arrived (any status; see r), -1 when it
 * could not be signed or sent (why in err). The security token header is wiped after use. */
int ls_aws_json_call(struct ls_http *h, const struct ls_aws_target *t, const struct ls_creds *cr,
                     const char *body, size_t len, long timeout_ms, struct ls_http_resp *r,
                     char *err, size_t errlen);

#endif
