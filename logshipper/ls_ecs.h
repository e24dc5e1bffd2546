/* ECS task metadata (ECS_CONTAINER_METADATA_URI_V4): container name, task id, region. */
#ifndef LS_ECS_H
#define LS_ECS_H
#include <stddef.h>

struct ls_ecs_info {
    char container[256];
    char task_id[128];
    char region[64];
};

/* 1 when the metadata endpoint is set and answered, 0 when not on ECS, -1 on error. */
int ls_ecs_metadata(struct ls_ecs_info *info);
/* Parse the container metadata JSON. 0 or -1. */
int ls_ecs_parse(const char *json, size_t n, struct ls_ecs_info *info);

#endif
