"""Loopback imitation of the ECS task metadata endpoint v4, for the engine's ECS test.

Usage: ecs_peer.py PORTFILE CONTAINER_ID
GET /v4/<x>       -> container metadata (DockerId CONTAINER_ID, Name, Image, Labels, Volumes)
GET /v4/<x>/task  -> task metadata (Cluster, TaskARN, Family, Containers)"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, cid = sys.argv[1], sys.argv[2]
CONTAINER = {
    "DockerId": cid,
    "Name": "workload",
    "DockerName": "ecs-tartan-sample-1-workload-abcdef",
    "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.4.2",
    "ImageID": "sha256:0123",
    "Volumes": [
        {"DockerName": "data", "Source": "/var/lib/ecs/volumes/data", "Destination": "/data"},
        {"Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock"},
    ],
    "Labels": {
        "com.amazonaws.ecs.cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
        "com.amazonaws.ecs.container-name": "workload",
        "com.amazonaws.ecs.task-arn": "arn:aws:ecs:eu-west-1:123456789012:task/prod/0a1b2c",
        "com.amazonaws.ecs.task-definition-family": "tartan-sample",
        "com.amazonaws.ecs.task-definition-version": "1",
    },
    "Limits": {"CPU": 2},
    "Type": "NORMAL",
}
TASK = {
    "Cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
    "TaskARN": "arn:aws:ecs:eu-west-1:123456789012:task/prod/0a1b2c",
    "Family": "tartan-sample",
    "Revision": "1",
    "LaunchType": "FARGATE",
    "Containers": [CONTAINER],
}


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(TASK if self.path.rstrip("/").endswith("/task") else CONTAINER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
t = threading.Timer(60, lambda: os._exit(0))
t.daemon = True
t.start()
srv.serve_forever()
