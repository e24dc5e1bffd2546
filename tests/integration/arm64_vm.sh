#!/usr/bin/env bash
# The arm64 stage: the arm64 build (build-arm64/, `make ARCH=arm64`) tested on a real arm64
# kernel. Boots Debian's arm64 kernel under qemu-system-aarch64 (tests/arm64/vm.sh, software
# emulation) and runs `tests/run.sh --variant arm64` inside: every unit test, and the
# integration files listed in tests/arm64/integration.list (golden replays, tracer lifecycle,
# ring, launcher, ...). Each of
# the guest's result lines is reported here prefixed `arm64/`; the boot and the run are timed.
# Also checks, on the host, that every program of build-arm64/bin is an aarch64 ELF, static.
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
for t in qemu-system-aarch64 qemu-aarch64-static debootstrap mke2fs cpio; do
    if ! command -v "$t" >/dev/null 2>&1; then
        fail "arm64-vm" "$t missing (make deps installs it)"
        exit 0
    fi
done

start=$SECONDS
if ! bash "$TT_ROOT/tests/arm64/vm.sh" prepare >&2; then
    fail "arm64-vm-prepare" "could not build the kernel, initramfs or root filesystem (see /var/cache/tartan/arm64)"
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
