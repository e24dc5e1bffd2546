/* ECS task metadata (endpoint v4): container id, name, image, and the task's cluster, ARN and
 * family, fetched in the background so start-up never waits for it. */
#ifndef ENGINE_ECS_META_H
#define ENGINE_ECS_META_H

#include <stddef.h>

struct ecs_meta {
    char *container_id; /* full DockerId */
    char *name, *image, *image_repo, *image_tag;
    char *image_digest;            /* ImageID when it is a "sha256:" digest */
    char **vol_source, **vol_dest; /* Volumes: Source, Destination ("" when absent) */
    size_t nvol;
    char *cluster, *task_arn, *family;
};

struct ecs_fetch;

/* Starts fetching ${uri} (container) and ${uri}/task with timeout_ms per request. */
struct ecs_fetch *ecs_fetch_start(const char *uri, long timeout_ms);
/* NULL while still running; then the result (NULL members where unknown), or NULL forever
 * after a failure (logged). *done is set to 1 once finished either way. */
const struct ecs_meta *ecs_fetch_result(struct ecs_fetch *f, int *done);
void ecs_fetch_free(struct ecs_fetch *f);

/* Parses the two documents (either may be NULL). Exposed for tests. 0, or -1 with errno:
 * ENOMEM (nothing kept: never half the metadata) or EINVAL (neither document is an object). */
int ecs_meta_parse(const char *container_json, const char *task_json, struct ecs_meta *out);
void ecs_meta_clear(struct ecs_meta *m);
/* "repo/name:tag" -> repo "repo/name", tag "tag" ("latest" when absent; digests kept out). */
void ecs_split_image(const char *image, char **repo, char **tag);

#endif
