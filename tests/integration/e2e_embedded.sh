#!/usr/bin/env bash
# Embedded pattern, end to end: the binaries inside the workload image (Dockerfile.embedded),
# launcher as the entrypoint, engine in the background; alerts arrive in `docker logs` with the
# right rule names and output fields; docker stop reaches the workload and its exit code is the
# container's.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
e2e_data "$TT_TMP/data" falco-stdout.yaml

# A loopback listener for the outbound connection.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.close()' "$port" &
E2E_CLEANUP+=("kill $!")

c=tt-e2e-embedded-$$
tag=emb$$
E2E_CONTAINERS+=("$c")
docker run -d --name "$c" --network host --cap-add SYS_PTRACE -v "$TT_TMP/data:/data:ro" \
    -e SAMPLE_INTERVAL=1 -e SAMPLE_TAG="$tag" -e SAMPLE_CONNECT="127.0.0.1:$port" \
    -e SAMPLE_TERM_EXIT=42 "$p-embedded" >/dev/null
if e2e_wait_log "$c" '"rule":"Write below etc"' 90 && e2e_wait_log "$c" '^sample: spawned a shell 3$' 60; then
    pass "embedded-alerts-in-docker-logs"
else
    fail "embedded-alerts-in-docker-logs" "no alert in docker logs after 90 s"
fi
docker stop -t 30 "$c" >/dev/null
docker logs "$c" >"$TT_TMP/embedded.log" 2>&1
expect_match "embedded-workload-saw-sigterm" "$(cat "$TT_TMP/embedded.log")" '^sample: SIGTERM received'
expect_eq "embedded-exit-code" "$(tt_docker_exit_code "$c")" 42
res=$(python3 "$E2E_DIR/check_alerts.py" --name embedded --alerts "$TT_TMP/embedded.log" \
    --workload-log "$TT_TMP/embedded.log" --tag "$tag" --port "$port" \
    --container-id "$(docker inspect -f '{{.Id}}' "$c")" --final --exact \
    --expect-rule "Shell spawned by the workload")
echo "$res"
grep -q '^FAIL' <<<"$res" && tail -n 60 "$TT_TMP/embedded.log" >&2
exit 0
