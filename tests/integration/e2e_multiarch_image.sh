#!/usr/bin/env bash
# The binaries image for both architectures from one build: Dockerfile.binaries' default target
# (amd64) and its binaries-arm64 target (the same build stage, cross-compiled) are published by
# docker/publish-multiarch.py to a local registry (Debian's docker-registry on loopback) as one
# manifest list. Checks: the list names linux/amd64 and linux/arm64/v8; `docker pull --platform`
# resolves each to an image whose configuration says that architecture and whose five programs
# are static ELF files of that machine (X86-64, AArch64); the volume and the command are kept.
# Negative control: the arm64 tree as Docker built it claims amd64 in its configuration, so
# publishing it as it is (docker push + docker manifest) would hand arm64 programs to x86 tasks.
# variants: plain
# timeout: 1800
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
if ! command -v docker-registry >/dev/null 2>&1; then
    fail "multiarch-registry" "docker-registry missing (make deps installs it)"
    exit 0
fi
tt_docker_setup || exit 0
p=$TT_IMAGE_PREFIX
name=$(basename "$TT_ROOT")

expect_eq "multiarch-arm64-tree-config-unfixed" \
    "$(docker image inspect -f '{{.Architecture}}' "$p-binaries-arm64" 2>&1)" "amd64"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TT_TMP/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $TT_TMP/registry}}
http: {addr: 127.0.0.1:$port}
EOF
docker-registry serve "$TT_TMP/registry.yml" >"$TT_TMP/registry.log" 2>&1 &
reg_pid=$!
pulled=()
ref=""
cleanup() {
    kill "$reg_pid" 2>/dev/null
    tt_docker_rm "tartan-$name-mx-amd64" "tartan-$name-mx-arm64"
    for i in "${pulled[@]}" "$ref"; do docker rmi -f "$i" >/dev/null 2>&1; done
    rm -rf "$TT_TMP"
}
trap cleanup EXIT
if ! wait_for 20 curl -fsS "http://127.0.0.1:$port/v2/"; then
    fail "multiarch-registry" "docker-registry did not start: $(tail -n 5 "$TT_TMP/registry.log")"
    exit 0
fi
ref="127.0.0.1:$port/tartan-$name-binaries:test"
start=$SECONDS
if ! python3 "$TT_ROOT/docker/publish-multiarch.py" "$ref" "amd64=$p-binaries" "arm64=$p-binaries-arm64" \
    --insecure >"$TT_TMP/publish.out" 2>&1; then
    fail "multiarch-publish" "$(tail -n 5 "$TT_TMP/publish.out")"
    exit 0
fi
pass "multiarch-publish ($((SECONDS - start))s, list $(head -c 19 "$TT_TMP/publish.out")...)"

# The list, as a registry client reads it.
list=$(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    "http://127.0.0.1:$port/v2/tartan-$name-binaries/manifests/test")
plats=$(python3 -c 'import json,sys; print(" ".join(sorted("/".join(filter(None, (m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant")))) for m in json.loads(sys.argv[1])["manifests"])))' "$list")
expect_eq "multiarch-list-platforms" "$plats" "linux/amd64 linux/arm64/v8"

machine_of() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'; }
for arch in amd64 arm64; do
    want=$([ $arch = amd64 ] && echo "Advanced Micro Devices X86-64" || echo "AArch64")
    docker rmi -f "$ref" >/dev/null 2>&1
    if ! docker pull -q --platform "linux/$arch" "$ref" >"$TT_TMP/pull-$arch.log" 2>&1; then
        fail "multiarch-pull-$arch" "$(tail -n 3 "$TT_TMP/pull-$arch.log")"
        continue
    fi
    img=$(docker image inspect -f '{{.Id}}' "$ref")
    docker tag "$img" "tartan-$name-mx:$arch"
    pulled+=("tartan-$name-mx:$arch")
    expect_eq "multiarch-pull-$arch-config" \
        "$(docker image inspect -f '{{.Os}}/{{.Architecture}} {{json .Config.Volumes}} {{json .Config.Cmd}}' "$img")" \
        "linux/$arch {\"/vendor/falco\":{}} [\"/vendor/falco/bin/waitforever\"]"
    c="tartan-$name-mx-$arch"
    tt_docker_rm "$c"
    docker create --name "$c" "$img" >/dev/null
    mkdir -p "$TT_TMP/$arch"
    docker cp "$c:/vendor/falco" "$TT_TMP/$arch/" >/dev/null
    tt_docker_rm "$c"
    for prog in launcher waitforever tracer engine logshipper; do
        f="$TT_TMP/$arch/falco/bin/$prog"
        m=$(machine_of "$f")
        if [ "$m" != "$want" ]; then
            fail "multiarch-$arch-$prog" "machine '${m:-no ELF}', want '$want'"
        elif readelf -l "$f" | grep -q 'program interpreter'; then
            fail "multiarch-$arch-$prog" "dynamically linked"
        else
            pass "multiarch-$arch-$prog ($m, static)"
        fi
    done
    expect_eq "multiarch-$arch-rules" "$(test -f "$TT_TMP/$arch/falco/etc/tartan_rules.yaml" && echo yes)" yes
done
