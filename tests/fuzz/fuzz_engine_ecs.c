/* libFuzzer target: the engine's ECS task metadata v4 parsing (container and task documents) and
 * the image reference splitter. The input is the container document, a NUL byte, then the task
 * document (either may be absent); the first line also goes to ecs_split_image. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecs_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *container = buf, *task = NULL;
    size_t cl = strlen(buf);
    if (cl < size)
        task = buf + cl + 1;
    if (size && data[0] == '!') /* task document only */
        container = NULL;
    struct ecs_meta m;
    if (ecs_meta_parse(container, task, &m) == 0) {
        if (m.image && (!m.image_repo || (!m.image_tag && !strchr(m.image, '@'))))
            abort();
        for (size_t i = 0; i < m.nvol; i++) /* every volume kept has both strings */
            if (!m.vol_source[i] || !m.vol_dest[i])
                abort();
    }
    ecs_meta_clear(&m);
    if (m.name || m.image || m.cluster || m.nvol || m.vol_source)
        abort();

    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    char *repo, *tag;
    ecs_split_image(buf, &repo, &tag);
    if (buf[0] && !repo)
        abort();
    free(repo);
    free(tag);
    free(buf);
    return 0;
}
