/* `engine --health`: the container health check (docs/operations.md). */
#ifndef ENGINE_HEALTH_CMD_H
#define ENGINE_HEALTH_CMD_H

#include <stdio.h>

struct engine_config;

/* Judges the running engine whose status file cfg names; prints one line ("healthy: ..." or
 * "unhealthy: reason") to out. Returns the exit status: 0 healthy, 1 not. */
int health_probe(const struct engine_config *cfg, FILE *out);

#endif
