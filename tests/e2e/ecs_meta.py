#!/usr/bin/env python3
"""A stand-in for the ECS task metadata endpoint v4, on 127.0.0.1, for the ECS e2e test.

  ecs_meta.py PORTFILE CONTAINER [FAMILY]

Serves GET /v4/meta (container metadata) and GET /v4/meta/task (task metadata) in the shape
ECS on Fargate returns them, for the docker container named CONTAINER (its DockerId is looked
up with `docker inspect` when asked, so the container may start after this server). Writes
its port to PORTFILE once listening. Task ARN:
arn:aws:ecs:eu-west-1:123456789012:task/tartan-e2e/0123456789abcdef0123456789abcdef.
"""
import json
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

REGION = "eu-west-1"
ACCOUNT = "123456789012"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/tartan-e2e"
TASK_ID = "0123456789abcdef0123456789abcdef"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/tartan-e2e/{TASK_ID}"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/tartan-workload:e2e"

container = sys.argv[2]
family = sys.argv[3] if len(sys.argv) > 3 else "tartan-mounted-sample"


def container_doc():
    r = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", container], stdout=subprocess.PIPE, text=True)
    return {
        "DockerId": r.stdout.strip(),
        "Name": "workload",
        "DockerName": container,
        "Image": IMAGE,
        "ImageID": "sha256:" + "0" * 64,
        "Labels": {
            "com.amazonaws.ecs.cluster": CLUSTER,
            "com.amazonaws.ecs.container-name": "workload",
            "com.amazonaws.ecs.task-arn": TASK_ARN,
            "com.amazonaws.ecs.task-definition-family": family,
            "com.amazonaws.ecs.task-definition-version": "1",
        },
        "DesiredStatus": "RUNNING",
        "KnownStatus": "RUNNING",
        "Type": "NORMAL",
        "Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": ["127.0.0.1"]}],
    }


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.rstrip("/") == "/v4/meta":
            body = container_doc()
        elif self.path.rstrip("/") == "/v4/meta/task":
            body = {
                "Cluster": CLUSTER,
                "TaskARN": TASK_ARN,
                "Family": family,
                "Revision": "1",
                "DesiredStatus": "RUNNING",
                "KnownStatus": "RUNNING",
                "AvailabilityZone": REGION + "a",
                "LaunchType": "FARGATE",
                "Containers": [container_doc()],
            }
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print("[ecs_meta]", fmt % args, file=sys.stderr, flush=True)


srv = HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
