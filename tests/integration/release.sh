#!/usr/bin/env bash
# make release: the binaries images (amd64, arm64) tagged with VERSION and a tarball for each
# whose SHA256SUMS verifies; the amd64 tarball holds the image's /vendor/falco (every program
# printing VERSION, Falco's pinned rules), LICENSE, CHANGELOG.md, README.md, deploy/ and the
# example configuration; built twice from the same images they are byte for byte the same.
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
tt_docker_setup || exit 0
v=$(tr -d ' \n' <"$TT_ROOT/VERSION")
image="$TT_IMAGE_PREFIX-binaries:$v"
mirror=$(tt_debian_mirror)
case "$mirror" in http://*) ;; *) mirror= ;; esac
rel() { # output dir
    make -s -C "$TT_ROOT" release RELEASE_IMAGE="$image" RELEASE_DIR="$1" \
        FALCO_RULES_DIR=build/docker-rules DEBIAN_MIRROR="$mirror" >"$1.log" 2>&1
}
if ! rel "$TT_TMP/r1"; then
    fail release-builds "$(tail -n 5 "$TT_TMP/r1.log")"
    exit 0
fi
pass release-builds
name=tartan-$v-linux-x86_64
sums=$(cut -d' ' -f3 "$TT_TMP/r1/SHA256SUMS" | tr '\n' ' ')
if (cd "$TT_TMP/r1" && sha256sum -c SHA256SUMS >/dev/null 2>&1) &&
    [ "$sums" = "tartan-$v-linux-x86_64.tar.gz tartan-$v-linux-aarch64.tar.gz " ]; then
    pass release-sha256sums-verify
else
    fail release-sha256sums-verify "$(cat "$TT_TMP/r1/SHA256SUMS")"
fi
docker image inspect "$image" "$TT_IMAGE_PREFIX-binaries-arm64:$v" >/dev/null 2>&1 &&
    pass release-images-tagged || fail release-images-tagged "no $image or its arm64 twin"
mkdir -p "$TT_TMP/x"
tar -xzf "$TT_TMP/r1/$name.tar.gz" -C "$TT_TMP/x"
missing=""
for f in LICENSE CHANGELOG.md README.md deploy/ecs-task-definition.json deploy/iam-policy.json \
    examples/falco.yaml examples/falco_rules.local.yaml vendor/falco/etc/falco_rules.yaml \
    vendor/falco/etc/tartan_rules.yaml vendor/falco/etc/ca-certificates.crt; do
    [ -f "$TT_TMP/x/$name/$f" ] || missing="$missing $f"
done
expect_eq release-tarball-contents "$missing" ""
b=$TT_TMP/x/$name/vendor/falco/bin
got="$("$b/launcher" --version) $("$b/waitforever" --version) $("$b/tracer" --version | cut -d' ' -f1-2)"
got="$got $("$b/engine" --version | head -n 1 | cut -d' ' -f1-3) $("$b/logshipper" --version | cut -d' ' -f1-2)"
expect_eq release-programs-print-version "$got" \
    "launcher $v waitforever $v tracer $v Falco version: $v logshipper $v"
want=$(awk '$1 == "falco-rules/falco_rules.yaml" { print $2; exit }' "$TT_ROOT/docker/upstream.list")
expect_eq release-upstream-rules-pinned \
    "$(sha256sum <"$TT_TMP/x/$name/vendor/falco/etc/falco_rules.yaml" | cut -c1-64)" "$want"
if rel "$TT_TMP/r2" && cmp -s "$TT_TMP/r1/SHA256SUMS" "$TT_TMP/r2/SHA256SUMS"; then
    pass release-tarball-reproducible
else
    fail release-tarball-reproducible "$(cat "$TT_TMP/r1/SHA256SUMS" "$TT_TMP/r2/SHA256SUMS" 2>&1)"
fi
