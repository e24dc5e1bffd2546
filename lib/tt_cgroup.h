/* The container a process runs in, from its cgroup paths (/proc/PID/cgroup): the one parser
 * the tracer (procinfo and exec events' container_id) and the engine (container.id from the
 * events' cgroups) share.
 *
 * A line names a container when one of its path components is a container id:
 *   - 64 lower-case hex digits, alone or as "<runtime>-<64 hex>[.scope]" (Docker, containerd,
 *     CRI-O, podman, Kubernetes: "/docker/<id>", "docker-<id>.scope", "cri-containerd-<id>.scope",
 *     "crio-<id>.scope", "libpod-<id>.scope", "/kubepods/.../<id>");
 *   - ECS and Fargate's "<32 hex task id>-<digits>" ("/ecs/<task>/<task>-<n>").
 * Upper-case hex, 63 or 65 digits, and anything else name none. */
#ifndef TT_CGROUP_H
#define TT_CGROUP_H

#include <stddef.h>

/* One cgroup line ("0::/docker/<64hex>", "12:cpu:/ecs/<task>/<task>-1", or a bare path).
 * Returns 1 with the full id in full (truncated to nfull - 1), 0 when it names none. */
int tt_cgroup_line_container_id(const char *line, size_t len, char *full, size_t nfull);

/* The first line of text (lines ended by '\n' or NUL, as /proc/PID/cgroup or the events'
 * cgroups list) that names a container: 1 with its id in full, 0 when none does ("" in full). */
int tt_cgroup_container_id(const char *text, size_t len, char *full, size_t nfull);

#endif
