/* CloudFormation templates: every AWS::ECS::TaskDefinition resource is instrumented (in_ecs.c with
 * CloudFormation's property names), intrinsic functions are kept as they are, and the template
 * gets what the alerts need: a log group with retention (TartanAlertsLogGroup, kept when the stack
 * is deleted) unless --log-group names an existing one, and a policy on the task roles defined in
 * the template allowing them to write to it (TartanAlertsPolicy). */
#ifndef IN_CFN_H
#define IN_CFN_H
#include <jansson.h>

#include "in_ctx.h"

#define IN_CFN_LOG_GROUP "TartanAlertsLogGroup"
#define IN_CFN_POLICY "TartanAlertsPolicy"

/* A template (an object with Resources). 0, or -1 (refusals in ctx->errs). */
int in_cfn_template(struct in_ctx *ctx, json_t *tmpl);
/* The Properties of one task definition (a Fn::Transform on the resource). 0 or -1. */
int in_cfn_properties(struct in_ctx *ctx, json_t *props);

#endif
