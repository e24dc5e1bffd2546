#!/bin/sh
# make release: the binaries image (every program, Falco's pinned rules) tagged with the version
# in VERSION, and a tarball of the same /vendor/falco tree with LICENSE, README.md, CHANGELOG.md,
# deploy/ and the example configuration, plus SHA256SUMS.
#
#   RELEASE_IMAGE     image tag (default tartan-binaries:$VERSION)
#   RELEASE_DIR       output directory (default build/release)
#   FALCO_RULES_DIR   offline build: a directory in the build context holding falco_rules.yaml
#   DEBIAN_MIRROR     apt mirror of the build stage (plain http)
#
# The tarball is reproducible from the image: sorted names, root ownership, and every mtime set
# to the commit's time (SOURCE_DATE_EPOCH, else the last commit's).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(tr -d ' \n' <VERSION)
ARCH=$(uname -m)
IMAGE=${RELEASE_IMAGE:-tartan-binaries:$VERSION}
OUT=${RELEASE_DIR:-$ROOT/build/release}
NAME=tartan-$VERSION-linux-$ARCH
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

set -- --build-arg "FALCO_RULES_DIR=${FALCO_RULES_DIR:-docker/no-extra-rules}"
[ -z "${DEBIAN_MIRROR:-}" ] || set -- "$@" --build-arg "DEBIAN_MIRROR=$DEBIAN_MIRROR"
echo "release: building $IMAGE (tartan $VERSION)"
docker build --network host -q -t "$IMAGE" -f Dockerfile.binaries "$@" . >/dev/null

stage=$(mktemp -d /tmp/tartan-release.XXXXXX)
cid=
trap '[ -z "$cid" ] || docker rm -f "$cid" >/dev/null 2>&1; rm -rf "$stage"' EXIT
mkdir -p "$stage/$NAME/vendor" "$stage/$NAME/examples" "$OUT"
cid=$(docker create "$IMAGE")
docker cp "$cid:/vendor/falco" - | tar -x -C "$stage/$NAME/vendor"
cp LICENSE README.md CHANGELOG.md "$stage/$NAME/"
cp -R deploy "$stage/$NAME/deploy"
cp etc/falco.yaml etc/falco_rules.local.yaml "$stage/$NAME/examples/"
got=$("$stage/$NAME/vendor/falco/bin/waitforever" --version 2>/dev/null || true)
if [ "$got" != "waitforever $VERSION" ]; then
    echo "release: the image's programs say '$got', VERSION says $VERSION" >&2
    exit 1
fi
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
    -cf - "$NAME" | gzip -n -9 >"$OUT/$NAME.tar.gz"
(cd "$OUT" && sha256sum "$NAME.tar.gz" >SHA256SUMS)
echo "release: $IMAGE ($(docker image inspect -f '{{.Id}}' "$IMAGE"))"
echo "release: $OUT/$NAME.tar.gz"
cat "$OUT/SHA256SUMS"
