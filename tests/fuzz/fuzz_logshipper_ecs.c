/* libFuzzer target: the ECS task metadata v4 container document (container name, task id and
 * region from the task ARN), on arbitrary bytes in an exact-size heap block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ls_ecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct ls_ecs_info info;
    int rc = ls_ecs_parse(s, size, &info);
    if (!memchr(info.container, '\0', sizeof info.container) ||
        !memchr(info.task_id, '\0', sizeof info.task_id) ||
        !memchr(info.region, '\0', sizeof info.region))
        abort();
    if (rc == 0 && !info.container[0] && !info.task_id[0])
        abort();
    free(s);
    return 0;
}
