# Docker helpers for Tartan's end-to-end tests. Source it after tt.sh:
#   . "$TT_ROOT/tests/lib/tt.sh"; . "$TT_ROOT/tests/lib/docker.sh"
#
#   tt_docker_ready        start dockerd when none answers (logs to $TT_CACHE/dockerd.log)
#   tt_docker_stop_started stop the dockerd that tt_docker_ready started, if it did
#   tt_docker_base         make debian:bookworm-slim exist (debootstrap + docker import, cached)
#   tt_docker_images       build every Tartan image (binaries, binaries-arm64 (the arm64 tree of
#                          the same build), workload, workload-scratch, workload-musl, embedded
#                          (on each workload image: embedded, embedded-musl, embedded-scratch),
#                          engine); layer cache makes repeated calls cheap
#   tt_docker_container_skip  the above for the evtgen runners: TT_DOCKER_SKIP = why container
#                          cases cannot run, "" when they can
#   tt_docker_rm NAME...   remove containers, ignoring ones that do not exist
#   tt_docker_setup        all of the above; prints a SKIP (not root) or FAIL line and returns 1
#                          when Docker cannot be used (call as: tt_docker_setup || exit 0); sets
#                          TT_DOCKER_DNS_FLAGS (below)
#   TT_DOCKER_DNS_FLAGS    docker run flags for a --network host container: its DNS resolver
#                          is on loopback, where nothing answers, so an engine looking up the
#                          rules' host names (fd.sip.name) fails at once and no query leaves the
#                          machine; /etc/hosts still answers
#
# Base images cannot be pulled here, so debian:bookworm-slim is made locally from the Debian
# mirror apt already uses. dockerd is started without iptables and without the default bridge:
# the tests use --network host or --network none only.
: "${TT_CACHE:=/var/cache/tartan}"
: "${TT_IMAGE_PREFIX:=tartan}"
TT_BASE_IMAGE=debian:bookworm-slim
export TT_CACHE TT_IMAGE_PREFIX TT_BASE_IMAGE

tt_dlog() { echo "[docker.sh] $*" >&2; }

# The Debian mirror apt uses (one-line or deb822 sources), else deb.debian.org.
tt_debian_mirror() {
    local url
    url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -v '^[[:space:]]*#' |
        grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')
    echo "${url:-http://deb.debian.org/debian}"
}

tt_docker_ready() {
    docker info >/dev/null 2>&1 && return 0
    if ! command -v dockerd >/dev/null 2>&1; then
        tt_dlog "dockerd is not installed (make deps installs docker.io)"
        return 1
    fi
    mkdir -p "$TT_CACHE"
    tt_dlog "starting dockerd (log: $TT_CACHE/dockerd.log)"
    # Stopped again by tt_docker_stop_started (the e2e tests call it at exit).
    rm -f "$TT_CACHE/dockerd.pid"
    setsid dockerd --iptables=false --ip6tables=false --bridge=none --pidfile "$TT_CACHE/dockerd.pid" \
        >>"$TT_CACHE/dockerd.log" 2>&1 </dev/null &
    TT_DOCKERD_STARTED=1
    local i
    for i in $(seq 1 120); do
        docker info >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    tt_dlog "dockerd did not become ready; last log lines:"
    tail -n 20 "$TT_CACHE/dockerd.log" >&2
    return 1
}

# Stop the daemon if tt_docker_ready started it (one started by someone else stays).
tt_docker_stop_started() {
    [ "${TT_DOCKERD_STARTED:-0}" = 1 ] || return 0
    local pid i
    pid=$(cat "$TT_CACHE/dockerd.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    TT_DOCKERD_STARTED=0
}

tt_docker_base() {
    docker image inspect "$TT_BASE_IMAGE" >/dev/null 2>&1 && return 0
    command -v debootstrap >/dev/null 2>&1 || { tt_dlog "debootstrap missing"; return 1; }
    mkdir -p "$TT_CACHE"
    (
        flock 9
        docker image inspect "$TT_BASE_IMAGE" >/dev/null 2>&1 && exit 0
        local root="$TT_CACHE/rootfs-bookworm" mirror
        mirror=$(tt_debian_mirror)
        if [ ! -x "$root/bin/bash" ] || [ ! -f "$root/.tartan-complete" ]; then
            rm -rf "$root"
            tt_dlog "debootstrap --variant=minbase bookworm from $mirror (a few minutes, once)"
            debootstrap --variant=minbase bookworm "$root" "$mirror" >"$TT_CACHE/debootstrap.log" 2>&1 || {
                tt_dlog "debootstrap failed:"; tail -n 20 "$TT_CACHE/debootstrap.log" >&2; exit 1
            }
            touch "$root/.tartan-complete"
        fi
        # Like the official slim image: no apt lists, no docs, no caches.
        tar -C "$root" --exclude=./.tartan-complete --exclude=./var/cache/apt/archives/*.deb \
            --exclude=./var/lib/apt/lists/* --exclude=./usr/share/doc/* --exclude=./usr/share/man/* \
            --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . |
            docker import --change 'CMD ["bash"]' - "$TT_BASE_IMAGE" >&2
    ) 9>"$TT_CACHE/base.lock"
}

# tt_docker_build TAG DOCKERFILE [BUILD ARGS...]: build from the repository root.
tt_docker_build() {
    local tag=$1 file=$2; shift 2
    # The build stages run apt: use the mirror the host uses (plain http only: the base image
    # has no CA certificates yet).
    local mirror
    mirror=$(tt_debian_mirror)
    case "$mirror" in http://*) set -- --build-arg "DEBIAN_MIRROR=$mirror" "$@" ;; esac
    tt_dlog "building $tag from $file"
    if ! docker build --network host -q -t "$tag" -f "$TT_ROOT/$file" "$@" "$TT_ROOT" >"$TT_CACHE/build-$tag.log" 2>&1; then
        # -q hides the failing step: rebuild verbosely for the log.
        docker build --network host -t "$tag" -f "$TT_ROOT/$file" "$@" "$TT_ROOT" >"$TT_CACHE/build-$tag.log" 2>&1
        tt_dlog "build of $tag failed; last lines of $TT_CACHE/build-$tag.log:"
        tail -n 30 "$TT_CACHE/build-$tag.log" >&2
        return 1
    fi
}

# The binaries image downloads Falco's falco_rules.yaml unless FALCO_RULES_DIR holds a copy: the
# tests give it the checked copy they use themselves (tests/lib/upstream.sh), in build/docker-rules
# (inside the build context, ignored by git). Without one the build fails, saying how to provide it.
tt_docker_upstream_rules() {
    local src
    src=$(sh "$TT_ROOT/tests/lib/upstream.sh" falco-rules/falco_rules.yaml) || {
        tt_dlog "$src"
        return 1
    }
    mkdir -p "$TT_ROOT/build/docker-rules"
    cmp -s "$src" "$TT_ROOT/build/docker-rules/falco_rules.yaml" ||
        cp "$src" "$TT_ROOT/build/docker-rules/falco_rules.yaml"
}

tt_docker_images() {
    local p=$TT_IMAGE_PREFIX
    mkdir -p "$TT_CACHE"
    tt_docker_upstream_rules || return 1
    (
        flock 9
        # TT_DOCKER_ALLOW_MISSING=1: development only, build the image without programs that
        # do not build yet (the tests of those programs then fail).
        tt_docker_build "$p-binaries" Dockerfile.binaries --build-arg FALCO_RULES_DIR=build/docker-rules \
            --build-arg "ALLOW_MISSING=${TT_DOCKER_ALLOW_MISSING:-0}" &&
            tt_docker_build "$p-binaries-arm64" Dockerfile.binaries --target binaries-arm64 \
                --build-arg FALCO_RULES_DIR=build/docker-rules \
                --build-arg "ALLOW_MISSING=${TT_DOCKER_ALLOW_MISSING:-0}" &&
            tt_docker_build "$p-workload" Dockerfile.workload &&
            tt_docker_build "$p-workload-scratch" Dockerfile.workload --target scratch-workload &&
            tt_docker_build "$p-workload-musl" Dockerfile.workload --target musl-workload &&
            tt_docker_build "$p-embedded" Dockerfile.embedded --build-arg "BINARIES=$p-binaries" \
                --build-arg "BASE=$p-workload" &&
            tt_docker_build "$p-embedded-musl" Dockerfile.embedded --build-arg "BINARIES=$p-binaries" \
                --build-arg "BASE=$p-workload-musl" &&
            tt_docker_build "$p-embedded-scratch" Dockerfile.embedded \
                --build-arg "BINARIES=$p-binaries" --build-arg "BASE=$p-workload-scratch" &&
            tt_docker_build "$p-engine" Dockerfile.engine --build-arg "BINARIES=$p-binaries"
    ) 9>"$TT_CACHE/images.lock"
}

# tt_docker_container_skip: prepares Docker and the images for the evtgen runners; sets
# TT_DOCKER_SKIP to the reason container cases cannot run ("" when they can). Not in a
# subshell: a dockerd it starts must be stopped by tt_docker_stop_started.
tt_docker_container_skip() {
    TT_DOCKER_SKIP=""
    if [ "$(id -u)" -ne 0 ]; then
        TT_DOCKER_SKIP="needs root to run Docker"
    elif ! tt_docker_ready; then
        TT_DOCKER_SKIP="no Docker daemon could be started (see $TT_CACHE/dockerd.log)"
    elif ! tt_docker_base; then
        TT_DOCKER_SKIP="the base image $TT_BASE_IMAGE could not be built (see $TT_CACHE/debootstrap.log)"
    elif ! tt_docker_images; then
        TT_DOCKER_SKIP="the Tartan images could not be built (see $TT_CACHE/build-*.log)"
    fi
}

tt_docker_rm() {
    local c
    for c in "$@"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
}

# Exit status of a stopped container.
tt_docker_exit_code() { docker inspect -f '{{.State.ExitCode}}' "$1" 2>/dev/null; }

tt_docker_setup() {
    if [ "$(id -u)" -ne 0 ]; then
        skip "docker-setup" "the end-to-end tests need root to run dockerd and debootstrap"
        return 1
    fi
    if ! tt_docker_ready; then
        fail "docker-setup" "no Docker daemon could be started (see $TT_CACHE/dockerd.log)"
        return 1
    fi
    if ! tt_docker_base; then
        fail "docker-setup" "could not build $TT_BASE_IMAGE (see $TT_CACHE/debootstrap.log)"
        return 1
    fi
    if ! tt_upstream falco-rules/falco_rules.yaml; then
        fail "docker-setup" "$TT_UPSTREAM"
        return 1
    fi
    if ! tt_docker_images; then
        fail "docker-setup" "image build failed (see $TT_CACHE/build-*.log)"
        return 1
    fi
    tt_docker_dns_flags
}

tt_docker_dns_flags() {
    local f=$TT_CACHE/resolv-loopback.conf
    [ -s "$f" ] || printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$f"
    chmod 0644 "$f"
    export TT_DOCKER_DNS_FLAGS="-v $f:/etc/resolv.conf:ro"
}

# The argument that makes a program print something and exit 0 without configuration.
probe_arg() {
    case "$1" in
    engine | logshipper) echo --help ;;
    *) echo --version ;;
    esac
}
