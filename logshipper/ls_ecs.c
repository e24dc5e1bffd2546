/* ECS task metadata endpoint v4: GET ${ECS_CONTAINER_METADATA_URI_V4} gives this container's
 * Name and its task ARN (label com.amazonaws.ecs.task-arn, arn:aws:ecs:REGION:ACCT:task/...). */
#include "ls_ecs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_http.h"

int ls_ecs_parse(const char *json, size_t n, struct ls_ecs_info *info)
{
    memset(info, 0, sizeof *info);
    json_t *j = json_loadb(json, n, 0, NULL);
    if (!j)
        return -1;
    const char *name = json_string_value(json_object_get(j, "Name"));
    const char *arn = json_string_value(
        json_object_get(json_object_get(j, "Labels"), "com.amazonaws.ecs.task-arn"));
    if (!arn)
        arn = json_string_value(json_object_get(j, "TaskARN"));
    if (name)
        snprintf(info->container, sizeof info->container, "%s", name);
    if (arn && !strncmp(arn, "arn:", 4)) {
        /* arn:PARTITION:ecs:REGION:ACCOUNT:task/[CLUSTER/]ID */
        const char *p = arn;
        for (int i = 0; i < 3 && p; i++) {
            p = strchr(p, ':');
            if (p)
                p++;
        }
        if (p) {
            const char *e = strchr(p, ':');
            if (e && (size_t)(e - p) < sizeof info->region) {
                memcpy(info->region, p, (size_t)(e - p));
                info->region[e - p] = '\0';
            }
        }
        const char *slash = strrchr(arn, '/');
        if (slash && slash[1])
            snprintf(info->task_id, sizeof info->task_id, "%s", slash + 1);
    }
    json_decref(j);
    return info->container[0] || info->task_id[0] ? 0 : -1;
}

int ls_ecs_metadata(struct ls_ecs_info *info)
{
    const char *uri = getenv("ECS_CONTAINER_METADATA_URI_V4");
    memset(info, 0, sizeof *info);
    if (!uri || !*uri)
        return 0;
    struct ls_http h;
    if (ls_http_init(&h, 1000, 2000) < 0)
        return -1;
    h.max_body = 256 * 1024;
    struct ls_http_resp r = {0};
    int rc = -1;
    if (ls_http_do(&h, "GET", uri, NULL, 0, NULL, 0, 0, &r) == 0 && r.status == 200)
        rc = ls_ecs_parse(r.body.p, r.body.len, info) == 0 ? 1 : -1;
    ls_http_resp_free(&r);
    ls_http_cleanup(&h);
    return rc;
}
