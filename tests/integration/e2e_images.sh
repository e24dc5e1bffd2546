#!/usr/bin/env bash
# The images themselves: the binaries image (volume donor) keeps running without a command and
# exits 0 within a second of `docker stop`; it holds the five programs, the default rules and a
# CA bundle and no falco.yaml / falco_rules.local.yaml; it is under 15 MiB; every program runs
# (--version) from the mounted volume in a glibc workload image, a musl image and a scratch image
# with no libc and no shell; the launcher is a working PID 1 there (exit status passed through);
# the fallback layout (LINK=dynamic: bundled loader and libraries) runs in scratch and musl too.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
. "$TT_ROOT/tests/e2e/common.sh"

tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
bin=tt-e2e-images-$$
E2E_CONTAINERS+=("$bin" "$bin-stop")

# --- docker run --rm without a command: waitforever, exit 0 on docker stop, within a second.
docker run --rm --network none --name "$bin-stop" "$p-binaries" >"$TT_TMP/stop.out" 2>&1 &
runpid=$!
if wait_for 20 sh -c "docker inspect -f '{{.State.Running}}' $bin-stop | grep -q true"; then
    sleep 1
    if kill -0 "$runpid" 2>/dev/null; then pass "binaries-keeps-running"; else fail "binaries-keeps-running" "exited on its own"; fi
    t0=$(date +%s%N)
    docker stop -t 10 "$bin-stop" >/dev/null 2>&1
    wait "$runpid"
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "docker stop of the binaries image took $ms ms, exit $rc" >&2
    expect_eq "binaries-stop-exit-0" "$rc" 0
    if [ "$ms" -lt 1000 ]; then pass "binaries-stop-within-1s"; else fail "binaries-stop-within-1s" "took $ms ms"; fi
else
    fail "binaries-keeps-running" "container did not start: $(cat "$TT_TMP/stop.out")"
fi

# --- contents and size.
docker create --name "$bin" "$p-binaries" >/dev/null
docker export "$bin" | tar -t >"$TT_TMP/files" 2>/dev/null
missing=""
for f in bin/launcher bin/tracer bin/engine bin/logshipper bin/waitforever etc/tartan_rules.yaml \
    etc/falco_rules.yaml etc/ca-certificates.crt; do
    grep -qx "vendor/falco/$f" "$TT_TMP/files" || missing="$missing $f"
done
expect_eq "binaries-contents" "$missing" ""
# The upstream rules are the pinned release (docker/upstream.list), byte for byte.
want=$(awk '$1 == "falco-rules/falco_rules.yaml" { print $2; exit }' "$TT_ROOT/docker/upstream.list")
got=$(docker cp "$bin:/vendor/falco/etc/falco_rules.yaml" - 2>/dev/null | tar -xO 2>/dev/null | sha256sum | cut -c1-64)
expect_eq "binaries-upstream-rules-pinned" "$got" "$want"
# A local copy with another checksum fails the build, saying which file and both checksums.
mkdir -p "$TT_ROOT/build/docker-rules/wrong-copy"
printf -- '- list: not_the_pinned_rules\n  items: []\n' >"$TT_ROOT/build/docker-rules/wrong-copy/falco_rules.yaml"
if tt_docker_build "$p-binaries-wrong-rules" Dockerfile.binaries \
    --build-arg FALCO_RULES_DIR=build/docker-rules/wrong-copy 2>/dev/null; then
    fail "binaries-build-refuses-wrong-rules" "the build accepted a falco_rules.yaml with another checksum"
    docker rmi "$p-binaries-wrong-rules" >/dev/null 2>&1
elif grep -q "falco_rules.yaml is not the pinned falco-rules/falco_rules.yaml: its SHA-256 is .*, the pinned file's is $want" \
    "$TT_CACHE/build-$p-binaries-wrong-rules.log"; then
    pass "binaries-build-refuses-wrong-rules"
else
    fail "binaries-build-refuses-wrong-rules" "$(tail -n 3 "$TT_CACHE/build-$p-binaries-wrong-rules.log")"
fi
rm -rf "$TT_ROOT/build/docker-rules/wrong-copy"
extra=$(grep -E '(^|/)(falco\.yaml|falco_rules\.local\.yaml)$' "$TT_TMP/files" | tr '\n' ' ')
expect_eq "binaries-no-config-inside" "$extra" ""
others=$(grep -vE '^(vendor/|vendor$|\.dockerenv$|dev/|etc/$|etc/(hostname|hosts|mtab|resolv\.conf)$|proc/$|sys/$)' "$TT_TMP/files" | tr '\n' ' ')
expect_eq "binaries-only-vendor-falco" "$others" ""
size=$(docker image inspect -f '{{.Size}}' "$p-binaries")
echo "binaries image size: $size bytes ($((size / 1024)) KiB)" >&2
echo "binaries image: $(docker run --rm --network none --entrypoint /vendor/falco/bin/waitforever "$p-binaries" --version 2>&1)" >&2
if [ "$size" -lt $((15 * 1024 * 1024)) ]; then
    pass "binaries-size-under-15MiB"
else
    fail "binaries-size-under-15MiB" "$size bytes"
fi

# --- every program from the mounted volume, in a glibc image, in scratch (no libc, no sh) and
# in a musl image (musl's loader and libc only).
for img in workload workload-scratch workload-musl; do
    for prog in launcher waitforever tracer engine logshipper; do
        out=$(docker run --rm --network none --volumes-from "$bin:ro" \
            --entrypoint "/vendor/falco/bin/$prog" "$p-$img" "$(probe_arg "$prog")" 2>&1)
        rc=$?
        if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
            pass "$img-runs-$prog"
        else
            fail "$img-runs-$prog" "exit $rc: $(printf '%s' "$out" | head -c 200)"
        fi
    done
done
no_sh=$(docker run --rm --network none --entrypoint /bin/busybox "$p-workload-scratch" \
    sh -c 'ls /bin/sh /lib /usr 2>&1 | head -3' 2>&1)
expect_match "scratch-has-no-libc-no-sh" "$no_sh" "No such file"

# --- launcher as PID 1 in scratch: workload's exit status is the container's.
docker run --rm --network none --volumes-from "$bin:ro" --entrypoint /vendor/falco/bin/launcher \
    "$p-workload-scratch" /bin/busybox sh -c 'exit 3' -- /vendor/falco/bin/waitforever >&2 2>&1
expect_eq "scratch-launcher-exit-status" "$?" 3

# --- the fallback layout (LINK=dynamic): engine and logshipper dynamically linked, with their
# own loader and libraries under /vendor/falco/lib; they too must run in scratch and musl images.
dyn=tt-e2e-images-dyn-$$
E2E_CONTAINERS+=("$dyn")
if ! tt_docker_build "$p-binaries-dynamic" Dockerfile.binaries --build-arg LINK=dynamic \
    --build-arg FALCO_RULES_DIR=build/docker-rules; then
    fail "dynamic-layout-builds" "see $TT_CACHE/build-$p-binaries-dynamic.log"
    exit 0
fi
docker create --name "$dyn" "$p-binaries-dynamic" >/dev/null
docker cp "$dyn:/vendor/falco/bin/engine" "$TT_TMP/engine-dyn" 2>/dev/null
interp=$(readelf -lW "$TT_TMP/engine-dyn" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
expect_eq "dynamic-layout-interpreter" "$interp" /vendor/falco/lib/ld-linux-x86-64.so.2
dsize=$(docker image inspect -f '{{.Size}}' "$p-binaries-dynamic")
echo "binaries image with the dynamic layout: $dsize bytes" >&2
for img in workload-scratch workload-musl; do
    for prog in engine logshipper; do
        out=$(docker run --rm --network none --volumes-from "$dyn:ro" \
            --entrypoint "/vendor/falco/bin/$prog" "$p-$img" "$(probe_arg "$prog")" 2>&1)
        rc=$?
        if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
            pass "dynamic-layout-$img-runs-$prog"
        else
            fail "dynamic-layout-$img-runs-$prog" "exit $rc: $(printf '%s' "$out" | head -c 200)"
        fi
    done
done
