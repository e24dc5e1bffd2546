/* Kubernetes workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, and
 * List of them): the sidecar pattern of deploy/k8s-sidecar.yaml. Each chosen container runs under
 * the tracer; beside it, a native sidecar (an init container with restartPolicy: Always) runs the
 * engine, configured from its environment, reading that container's ring (one System V key per
 * traced container: a pod's containers share the IPC namespace). The tracer comes from the
 * workload image (/vendor/falco copied in, as Dockerfile.embedded does) or, with --binaries-image,
 * from an image volume (Kubernetes 1.33+ with the ImageVolume feature). */
#ifndef IN_K8S_H
#define IN_K8S_H
#include <jansson.h>

#include "in_ctx.h"

/* One document. 1 a workload (instrumented or opted out), 0 another kind (left alone), -1
 * refused (why in ctx->errs). */
int in_k8s_document(struct in_ctx *ctx, json_t *doc);

#endif
