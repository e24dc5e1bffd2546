#!/bin/sh
# Install Tartan's Debian build and test dependencies. Idempotent: does nothing
# (not even `apt-get update`) when every package is already installed.
set -eu

PKGS="build-essential clang libclang-rt-14-dev musl-tools pkg-config
libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev
strace python3 python3-yaml iproute2 util-linux procps psmisc netcat-openbsd busybox-static libcap2-bin
docker.io debootstrap patchelf ca-certificates openssl curl time
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm qemu-user-static docker-registry
dpkg-dev autoconf automake libtool cpio e2fsprogs"
# The arm64 cross build (make ARCH=arm64, docs/arm64.md): the target's C libraries through
# Debian multiarch (musl-dev:arm64 also ships the aarch64-linux-musl-gcc wrapper).
PKGS_ARM64="musl-dev libssl-dev zlib1g-dev libjansson-dev libyaml-dev"

missing=""
for p in $PKGS $(for p in $PKGS_ARM64; do echo "$p:arm64"; done); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] && [ "$(dpkg --print-architecture)" != arm64 ] &&
    ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "deps: adding the arm64 architecture (multiarch)"
    [ "$(id -u)" -eq 0 ] && dpkg --add-architecture arm64 || sudo dpkg --add-architecture arm64
fi
if [ -z "$missing" ]; then
    echo "deps: all installed"
else
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "deps: installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# Python side of the test suite: moto (CloudWatch Logs + STS peer) and boto3.
if ! python3 -c 'import moto, boto3, flask' >/dev/null 2>&1; then
    echo "deps: installing python moto[server] boto3"
    python3 -m pip install -q 'moto[server]' boto3 || {
        echo "deps: pip could not install moto; trying Debian's python3-moto" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-moto python3-boto3 python3-flask
    }
fi
