#!/usr/bin/env python3
"""Publish one multi-platform image (a manifest list) from per-architecture images.

    docker/publish-multiarch.py REGISTRY/REPO:TAG amd64=IMAGE arm64=IMAGE [--insecure]

Each IMAGE is a local Docker image (e.g. `tartan-binaries` and `tartan-binaries-arm64`, the two
targets of Dockerfile.binaries). Its layers are read with `docker save` and pushed unchanged
with the registry's HTTP API (Docker Registry v2), under a configuration that names the right
architecture: the builder that ships with Docker 20.10 cannot set another platform on a FROM
scratch stage, so the arm64 tree's own configuration says amd64. Then the manifest list at TAG
points to both, and each platform's pull (an ECS task with cpuArchitecture ARM64, a Graviton
node) resolves to its own image. The per-architecture manifests are also tagged TAG-ARCH.

No buildx, no emulation, no Docker daemon change: only `docker save` and HTTP(S). Credentials,
when the registry wants them, come from TT_REGISTRY_AUTH=user:password (Basic; for ECR:
`AWS:$(aws ecr get-login-password)`). --insecure talks plain HTTP (a local test registry).
Prints the manifest list's digest.
"""
import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
PLATFORMS = {"amd64": {"architecture": "amd64", "os": "linux"},
             "arm64": {"architecture": "arm64", "os": "linux", "variant": "v8"}}


def die(msg):
    print(f"publish-multiarch: {msg}", file=sys.stderr)
    sys.exit(1)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    def __init__(self, host, repo, insecure):
        self.base = f"{'http' if insecure else 'https'}://{host}/v2/{repo}"
        self.auth = None
        creds = os.environ.get("TT_REGISTRY_AUTH")
        if creds:
            self.auth = "Basic " + base64.b64encode(creds.encode()).decode()

    def request(self, method, url, data=None, headers=None):
        req = urllib.request.Request(url if url.startswith("http") else self.base + url,
                                     data=data, method=method, headers=dict(headers or {}))
        if self.auth:
            req.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except urllib.error.URLError as e:
            die(f"{method} {req.full_url}: {e.reason}")

    def push_blob(self, data):
        digest = sha256(data)
        status, _, _ = self.request("HEAD", f"/blobs/{digest}")
        if status == 200:
            return digest
        status, headers, body = self.request("POST", "/blobs/uploads/", b"")
        if status != 202:
            die(f"blob upload refused ({status}): {body[:200]!r}")
        loc = headers["Location"]
        if not loc.startswith("http"):
            loc = self.base.split("/v2/")[0] + loc
        sep = "&" if "?" in loc else "?"
        status, _, body = self.request("PUT", f"{loc}{sep}digest={digest}", data,
                                       {"Content-Type": "application/octet-stream"})
        if status != 201:
            die(f"blob {digest} refused ({status}): {body[:200]!r}")
        return digest

    def put_manifest(self, ref, media_type, data):
        status, headers, body = self.request("PUT", f"/manifests/{ref}", data,
                                             {"Content-Type": media_type})
        if status != 201:
            die(f"manifest {ref} refused ({status}): {body[:300]!r}")
        return headers.get("Docker-Content-Digest") or sha256(data)


def saved_image(image):
    """(config dict, [uncompressed layer tars]) of a local image, from `docker save`."""
    p = subprocess.run(["docker", "save", image], capture_output=True)
    if p.returncode != 0:
        die(f"docker save {image}: {p.stderr.decode().strip()[-300:]}")
    with tarfile.open(fileobj=io.BytesIO(p.stdout)) as t:
        manifest = json.load(t.extractfile("manifest.json"))[0]
        config = json.load(t.extractfile(manifest["Config"]))
        layers = [t.extractfile(name).read() for name in manifest["Layers"]]
    return config, layers


def push_image(reg, arch, image, tag):
    config, layers = saved_image(image)
    layer_descs, diff_ids = [], []
    for tar in layers:
        gz = gzip.compress(tar, compresslevel=6, mtime=0)
        layer_descs.append({"mediaType": MT_LAYER, "size": len(gz), "digest": reg.push_blob(gz)})
        diff_ids.append(sha256(tar))
    plat = PLATFORMS[arch]
    cfg = {
        "architecture": plat["architecture"],
        "os": plat["os"],
        "config": {k: v for k, v in (config.get("config") or {}).items()
                   if k in ("Cmd", "Entrypoint", "Env", "Volumes", "WorkingDir", "Labels", "User")},
        "created": config.get("created"),
        "history": [{"created": config.get("created"),
                     "created_by": f"docker/publish-multiarch.py from {image}"}],
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    if "variant" in plat:
        cfg["variant"] = plat["variant"]
    cfg_data = json.dumps(cfg, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "size": len(cfg_data), "digest": reg.push_blob(cfg_data)},
        "layers": layer_descs,
    }
    data = json.dumps(manifest).encode()
    digest = reg.put_manifest(f"{tag}-{arch}", MT_MANIFEST, data)
    return {"mediaType": MT_MANIFEST, "size": len(data), "digest": digest, "platform": plat}


def main(argv):
    args = [a for a in argv if a != "--insecure"]
    if len(args) < 2 or any("=" not in a for a in args[1:]):
        die("usage: publish-multiarch.py REGISTRY/REPO:TAG amd64=IMAGE arm64=IMAGE [--insecure]")
    target = args[0]
    host, _, rest = target.partition("/")
    repo, _, tag = rest.rpartition(":") if ":" in rest else (rest, "", "latest")
    if not host or not repo:
        die(f"{target}: expected REGISTRY/REPO:TAG")
    reg = Registry(host, repo, "--insecure" in argv)
    entries = []
    for a in args[1:]:
        arch, _, image = a.partition("=")
        if arch not in PLATFORMS:
            die(f"{arch}: architectures are {', '.join(PLATFORMS)}")
        entries.append(push_image(reg, arch, image, tag))
    data = json.dumps({"schemaVersion": 2, "mediaType": MT_LIST, "manifests": entries}).encode()
    print(reg.put_manifest(tag, MT_LIST, data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
