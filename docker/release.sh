#!/bin/sh
# make release: the binaries images (every program and Falco's pinned rules; amd64 and arm64
# from one build, see Dockerfile.binaries) tagged with the version in VERSION, and for each
# architecture a tarball of the same /vendor/falco tree with LICENSE, README.md, CHANGELOG.md,
# deploy/ and the example configuration, plus SHA256SUMS. docker/publish-multiarch.py pushes the
# two images as one multi-platform image.
#
#   RELEASE_IMAGE     amd64 image tag (default tartan-binaries:$VERSION; arm64: NAME-arm64:$VERSION)
#   RELEASE_DIR       output directory (default build/release)
#   FALCO_RULES_DIR   offline build: a directory in the build context holding falco_rules.yaml
#   DEBIAN_MIRROR     apt mirror of the build stage (plain http)
#
# The tarballs are reproducible from the images: sorted names, root ownership, and every mtime
# set to the commit's time (SOURCE_DATE_EPOCH, else the last commit's).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(tr -d ' \n' <VERSION)
IMAGE=${RELEASE_IMAGE:-tartan-binaries:$VERSION}
IMAGE_ARM64=${IMAGE%:*}-arm64:${IMAGE##*:}
OUT=${RELEASE_DIR:-$ROOT/build/release}
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

set -- --build-arg "FALCO_RULES_DIR=${FALCO_RULES_DIR:-docker/no-extra-rules}"
[ -z "${DEBIAN_MIRROR:-}" ] || set -- "$@" --build-arg "DEBIAN_MIRROR=$DEBIAN_MIRROR"
echo "release: building $IMAGE and $IMAGE_ARM64 (tartan $VERSION)"
docker build --network host -q -t "$IMAGE" -f Dockerfile.binaries "$@" . >/dev/null
docker build --network host -q -t "$IMAGE_ARM64" --target binaries-arm64 -f Dockerfile.binaries "$@" . >/dev/null

stage=$(mktemp -d /tmp/tartan-release.XXXXXX)
cid=
trap '[ -z "$cid" ] || docker rm -f "$cid" >/dev/null 2>&1; rm -rf "$stage"' EXIT
mkdir -p "$OUT"
rm -f "$OUT/SHA256SUMS"
for arch in x86_64:$IMAGE:X86-64 aarch64:$IMAGE_ARM64:AArch64; do
    machine=${arch##*:}
    image=${arch#*:}
    image=${image%:*}
    arch=${arch%%:*}
    name=tartan-$VERSION-linux-$arch
    mkdir -p "$stage/$name/vendor" "$stage/$name/examples"
    cid=$(docker create "$image")
    docker cp "$cid:/vendor/falco" - | tar -x -C "$stage/$name/vendor"
    docker rm -f "$cid" >/dev/null
    cid=
    # the programs are the architecture's, and the build-info says the release's version
    for p in launcher tracer engine logshipper waitforever; do
        if ! readelf -h "$stage/$name/vendor/falco/bin/$p" | grep -q "Machine: *.*$machine"; then
            echo "release: $image: $p is not a $machine program" >&2
            exit 1
        fi
    done
    if ! grep -qx "tartan $VERSION" "$stage/$name/vendor/falco/etc/build-info"; then
        echo "release: $image was not built from VERSION $VERSION" >&2
        exit 1
    fi
    cp LICENSE README.md CHANGELOG.md "$stage/$name/"
    cp -R deploy "$stage/$name/deploy"
    cp etc/falco.yaml etc/falco_rules.local.yaml "$stage/$name/examples/"
    tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
        -cf - "$name" | gzip -n -9 >"$OUT/$name.tar.gz"
    (cd "$OUT" && sha256sum "$name.tar.gz" >>SHA256SUMS)
    echo "release: $image ($(docker image inspect -f '{{.Id}}' "$image")) -> $OUT/$name.tar.gz"
done
cat "$OUT/SHA256SUMS"
