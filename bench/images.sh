#!/usr/bin/env bash
# Image sizes and container start/stop costs of the Tartan images (built by the e2e tests or
# make docker-demo; nothing is built here). Figures beside their targets / baselines:
#   binaries image           target < 15 MiB
#   docker stop of binaries  target < 1 s (waitforever exits at once on SIGTERM)
set -u
p=${TT_IMAGE_PREFIX:-tartan}
if ! docker info >/dev/null 2>&1 || ! docker image inspect "$p-binaries" >/dev/null 2>&1; then
    echo "   no Docker daemon or no $p-binaries image: run make docker-demo or the e2e tests first"
    exit 0
fi
printf '   %-26s %12s   %s\n' image bytes target
for img in binaries engine embedded workload workload-scratch workload-musl; do
    size=$(docker image inspect -f '{{.Size}}' "$p-$img" 2>/dev/null) || continue
    target=""
    case $img in binaries | engine) target="< $((15 * 1024 * 1024)) (15 MiB)" ;; esac
    printf '   %-26s %12s   %s\n' "$p-$img" "$size" "$target"
done
docker create --name tt-bench-images-$$ "$p-binaries" >/dev/null
docker export tt-bench-images-$$ | tar -tv 2>/dev/null | awk '$6 ~ /^vendor\/falco\/(bin|etc)\/./ {printf "     %-40s %10d\n", $6, $3}'
docker rm tt-bench-images-$$ >/dev/null

name=tt-bench-stop-$$
docker run -d --rm --network none --name "$name" "$p-binaries" >/dev/null
sleep 0.5
t0=$(date +%s%N)
docker stop -t 10 "$name" >/dev/null
echo "   docker stop of $p-binaries: $((($(date +%s%N) - t0) / 1000000)) ms   (target < 1000 ms)"
