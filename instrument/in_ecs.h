/* Instruments one ECS task definition (the mounted pattern of docs/deploy.md): the binaries
 * container once, and for each chosen container volumesFrom, dependsOn, launcher + tracer around
 * its command with the engine in the background, its configuration in the environment, and
 * stopTimeout. The same code serves the API's field names (register-task-definition,
 * Terraform's container_definitions) and CloudFormation's (EntryPoint, ContainerDefinitions...). */
#ifndef IN_ECS_H
#define IN_ECS_H
#include <jansson.h>

#include "in_ctx.h"

struct in_ecs_task {
    json_t *td;           /* task definition object; for containers_only the array itself */
    int pascal;           /* CloudFormation property names */
    int containers_only;  /* Terraform: a containerDefinitions array, nothing around it */
    const char *resource; /* how messages name it ("task definition web", "resource WebTask") */
    /* __CW_LOG_GROUP's value (a string or an intrinsic function; borrowed) */
    json_t *log_group;
    /* appended to logshipper's command line in falco.yaml */
    const char *logshipper_args;
    /* an image reference for a container's image value (CloudFormation resolves parameters);
     * a heap string or NULL (why in err) */
    char *(*image_of)(struct in_ctx *ctx, json_t *v, char *err, size_t errlen);
};

/* Refusals go to ctx->errs. Returns 1 instrumented, 0 left alone (opted out, nothing chosen),
 * -1 refused. */
int in_ecs_instrument(struct in_ctx *ctx, struct in_ecs_task *t);

#endif
