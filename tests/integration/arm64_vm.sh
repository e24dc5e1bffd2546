#!/usr/bin/env bash
# The arm64 stage: the arm64 build (build-arm64/, `make ARCH=arm64`) tested on a real arm64
# kernel. Boots Debian's arm64 kernel under qemu-system-aarch64 (tests/arm64/vm.sh, software
# emulation) and runs `tests/run.sh --variant arm64` inside: every unit test, and the
# integration files listed in tests/arm64/integration.list (golden replays, tracer events,
# attach and lifecycle, the adversarial suite with the event-generator host cases, the sample
# workload end to end, ...). Each of the guest's result lines is reported here prefixed
# `arm64/`; the preparation and the run are timed. Also checks, on the host, that every program
# of build-arm64/bin is an aarch64 ELF, static. What it needs beyond the repository it gets
# itself: the host's tools and the guest's kernel and root filesystem through apt (skipped,
# saying why, where apt cannot reach a Debian mirror), the upstream rules through
# tests/lib/upstream.sh. Measured: 10 to 12 minutes beside the other lanes, 18 when the root
# filesystem is built first (docs/arm64.md).
# variants: plain
# lane: own
# timeout: 2400
. "$TT_ROOT/tests/lib/tt.sh"
A64="$TT_ROOT/build-arm64"

if [ ! -d "$A64/bin" ]; then
    fail "arm64-build" "$A64/bin missing (run make ARCH=arm64)"
    exit 0
fi
for p in launcher waitforever tracer engine logshipper; do
    f="$A64/bin/$p"
    if [ ! -x "$f" ]; then
        fail "arm64-build-$p" "$f missing"
        continue
    fi
    hdr=$(readelf -hlW "$f" 2>&1)
    if ! grep -q 'Machine:.*AArch64' <<<"$hdr"; then
        fail "arm64-build-$p" "not an aarch64 ELF: $(grep Machine: <<<"$hdr")"
    elif grep -q 'Requesting program interpreter' <<<"$hdr"; then
        fail "arm64-build-$p" "dynamically linked"
    else
        pass "arm64-build-$p (aarch64, static)"
    fi
done

if [ "$(id -u)" -ne 0 ]; then
    skip "arm64-vm" "needs root (debootstrap, user namespaces with binfmt_misc)"
    exit 0
fi
# The host's tools and the kernel package: installed here when missing (tests/install-deps.sh,
# apt); a machine that cannot get them (no Debian mirror) skips the stage, saying why.
vm_tools_missing() {
    local t
    for t in qemu-system-aarch64 qemu-aarch64-static debootstrap mke2fs cpio; do
        command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 0; }
    done
    apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1 || { echo "linux-image-arm64:arm64"; return 0; }
    return 1
}
if missing=$(vm_tools_missing); then
    echo "arm64 vm: $missing missing: installing (tests/install-deps.sh, apt-get update)" >&2
    { sh "$TT_ROOT/tests/install-deps.sh" && apt-get update -qq; } >&2 2>&1
    if missing=$(vm_tools_missing); then
        skip "arm64-vm" "$missing not installable here (apt: no Debian mirror reachable?); run tests/install-deps.sh where apt works"
        exit 0
    fi
fi

# The upstream files the guest's tests read (Falco's rules, the event-generator specs): the
# guest has no network, so they are found or downloaded here (tests/lib/upstream.sh) and the
# guest finds them where the host does, in ../shared (shared into the guest) or build/upstream.
# One that cannot be had fails the guest's tests that need it, with upstream.sh's reason.
for name in $(awk '!/^#/ && NF { print $1 }' "$TT_ROOT/docker/upstream.list" | sort -u); do
    tt_upstream "$name" >/dev/null || echo "arm64 vm: $TT_UPSTREAM" >&2
done

start=$SECONDS
prc=0
bash "$TT_ROOT/tests/arm64/vm.sh" prepare >&2 || prc=$?
if [ "$prc" -eq 3 ]; then
    skip "arm64-vm" "the guest's kernel or root filesystem packages could not be downloaded (no Debian mirror reachable; see the lines above)"
    exit 0
elif [ "$prc" -ne 0 ]; then
    fail "arm64-vm-prepare" "could not build the kernel, initramfs or root filesystem (see ${TT_CACHE:-/var/cache/tartan}/arm64)"
    exit 0
fi
prep=$((SECONDS - start))

out="$A64/vm-run"
rm -rf "$out"
start=$SECONDS
rc=0
bash "$TT_ROOT/tests/arm64/vm.sh" run "$out" \
    "echo boot_s=\$(cut -d' ' -f1 /proc/uptime) >&2; bash tests/run.sh --variant arm64" || rc=$?
run=$((SECONDS - start))
echo "arm64 vm: prepare ${prep}s, boot+tests ${run}s, guest exit $rc" >&2
cat "$out/stderr" >&2 2>/dev/null

if [ ! -f "$out/stdout" ]; then
    fail "arm64-vm" "the guest produced no result (exit $rc); console: $out/console.log"
    exit 0
fi
grep -E '^(PASS|FAIL|SKIP) \[arm64\] ' "$out/stdout" | sed -E 's/^(PASS|FAIL|SKIP) \[arm64\] /\1 arm64\//'
summary=$(tail -n 1 "$out/stdout")
echo "guest: $summary" >&2
if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed' <<<"$summary"; then
    fail "arm64-vm" "the guest's run did not finish (exit $rc); see $out/stdout and $out/console.log"
elif [ "$(grep -Ec '^PASS \[arm64\] ' "$out/stdout")" -eq 0 ]; then
    fail "arm64-vm" "nothing passed in the guest"
fi
