#!/usr/bin/env bash
# Adversarial: a workload that tries to act where the tracer cannot see (docs/security.md,
# "Tracer: ..."): io_uring, a seccomp user-notification listener, untraced tasks (clone3,
# CLONE_UNTRACED), open_by_handle_at, the compat ABIs (x86_64: i386 and x32; arm64: AArch32),
# also against the event ring and the monitors.
# Each case: denied (or reported), the tamper event's technique/target/action and process
# through `tracer dump` and through the engine, and a negative control with the defence
# switched off (--unsafe-disable-defence, recorded in tracerinfo) where the evasion works.
# timeout: 240
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
. "$TT_ROOT/tests/lib/adv.sh"
if [ ! -x "$ADV/adv_io_uring" ]; then
    skip adv-evasions "adversarial programs not built ($ADV)"
    exit 0
fi
secret=$TT_TMP/secret.txt
# opens_of NAME PATH: open events of the capture that name PATH
opens_of() {
    awk -v p="$2" '$3 ~ /^(open|openat|openat2|creat|open_by_handle_at)$/ && index($0, p) { n++ }
                   END { print n + 0 }' "$TT_TMP/$1.dump"
}
echo "top-secret-$$" >"$secret"

# ---- io_uring: OPENAT submitted to a ring ----
traced uring -- "$ADV/adv_io_uring" "$secret"
expect_eq uring-tracer-exit "$rc" 0
expect_match uring-denied "$(out uring)" 'io_uring_setup ret=-1 errno=ENOSYS'
expect_tamper uring uring io_uring denied 'new io_uring instance.*' adv_io_uring
traced uring0 --unsafe-disable-defence io_uring -- "$ADV/adv_io_uring" "$secret"
expect_match uring-control-evades "$(out uring0)" "read=top-secret-$$"
expect_eq uring-control-no-open-event "$(opens_of uring0 "$secret")" 0
expect_no_tamper uring uring0 io_uring
control_recorded uring uring0 io_uring
# --allow io_uring: works, reported as observed
traced uring1 --allow io_uring -- "$ADV/adv_io_uring" "$secret"
expect_match uring-allowed-works "$(out uring1)" "read=top-secret-$$"
expect_tamper uring-allowed uring1 io_uring observed 'new io_uring instance.*' adv_io_uring

# ---- seccomp filter with a listener that answers "continue" ----
traced listen -- "$ADV/adv_seccomp_listener" "$secret"
expect_match listener-denied "$(out listen)" 'seccomp_listener ret=-1 errno=EPERM'
expect_match listener-open-seen "$(grep ' openat ' "$TT_TMP/listen.dump")" "fdname=$secret"
expect_tamper listener listen seccomp_listener denied 'seccomp user-notification listener' \
    adv_seccomp_lis
traced listen0 --unsafe-disable-defence seccomp_listener -- "$ADV/adv_seccomp_listener" "$secret"
expect_match listener-control-evades "$(out listen0 | tr '\n' ' ')" \
    "open_under_listener ret=[0-9]+ .*read=top-secret"
expect_eq listener-control-no-open-event "$(opens_of listen0 "$secret")" 0
control_recorded listener listen0 seccomp_listener

# ---- untraced tasks ----
traced clone -- "$ADV/adv_clone3" untraced "$TT_TMP/mark"
expect_match clone3-enosys "$(out clone)" 'clone3_untraced ret=-1 errno=ENOSYS'
cpid=$(sed -n 's/^clone_untraced ret=\([0-9]*\) .*/\1/p' "$TT_TMP/clone.out")
expect_match clone-untraced-child-traced "$(grep " procexit " "$TT_TMP/clone.dump")" "^[0-9.]+ ${cpid:-x}/"
expect_tamper clone-untraced clone clone_untraced denied 'new task' adv_clone3
rm -f "$TT_TMP/mark"
traced clone0 --unsafe-disable-defence clone3 -- "$ADV/adv_clone3" untraced "$TT_TMP/mark"
c3=$(sed -n 's/^child clone3 \([0-9]*\)$/\1/p' "$TT_TMP/mark")
if [ -n "$c3" ] && ! grep -q " $c3/" "$TT_TMP/clone0.dump"; then
    pass clone3-control-untraced-child
else
    fail clone3-control-untraced-child "child '${c3}' seen or missing: $(cat "$TT_TMP/mark")"
fi
control_recorded clone3 clone0 clone3
# libc falls back to clone: glibc threads and posix_spawn, musl the same
traced threads -- "$ADV/adv_clone3" threads 40
expect_match glibc-threads-work "$(out threads)" 'threads_joined ret=40 '
traced spawn -- "$ADV/adv_clone3" spawn /bin/true
expect_match glibc-posix-spawn-works "$(out spawn)" 'posix_spawn ret=0 '
if [ -x "$ADV/adv_threads_musl" ]; then
    traced musl -- "$ADV/adv_threads_musl" 40 /bin/true
    expect_match musl-threads-and-spawn-work "$(out musl | tr '\n' ' ')" \
        'musl_threads_joined ret=40 .*musl_posix_spawn ret=0 '
else
    skip musl-threads-and-spawn-work "no musl build of adv_threads_musl"
fi

# ---- open_by_handle_at: reported as an open named from its fd, whatever the rules ask ----
traced handle -s openat -- "$ADV/adv_open_by_handle" "$secret"
if grep -q 'name_to_handle_at ret=-1' "$TT_TMP/handle.out"; then
    skip open-by-handle "name_to_handle_at unsupported here: $(out handle)"
else
    expect_match open-by-handle-reported "$(grep ' open_by_handle_at ' "$TT_TMP/handle.dump")" \
        "ret=[0-9]+ .*fdname=$secret"
    traced handle0 -s openat --unsafe-disable-defence open_by_handle -- \
        "$ADV/adv_open_by_handle" "$secret"
    expect_match open-by-handle-control-reads "$(out handle0)" "read=top-secret"
    expect_eq open-by-handle-control-unseen "$(opens_of handle0 "$secret")" 0
fi

# ---- an execute-only program blinds an unprivileged tracer (non-dumpable after exec) ----
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    xo=$(mktemp -d /tmp/tartan-xo.XXXXXX)
    chmod 0777 "$xo"
    cp /bin/true "$xo/xtrue" && chmod 0111 "$xo/xtrue"
    unpriv() { # NAME [options]: the tracer as nobody, without any capability
        local n=$1
        shift
        setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
            "$T" -q --no-snapshot -w "$xo/$n.cap" "$@" -- "$xo/xtrue" >/dev/null 2>"$TT_TMP/$n.err"
        rc=$?
        cp "$xo/$n.cap" "$TT_TMP/$n.cap"
        "$T" dump "$TT_TMP/$n.cap" >"$TT_TMP/$n.dump" 2>&1
    }
    unpriv xonly
    expect_eq unreadable-exec-killed "$rc" 137
    expect_tamper unreadable-exec xonly unreadable_exec denied "$xo/xtrue" xtrue
    unpriv xonly0 --unsafe-disable-defence unreadable_exec
    expect_eq unreadable-exec-control-runs "$rc" 0
    expect_no_tamper unreadable-exec xonly0 unreadable_exec
    rm -rf "$xo"
else
    skip unreadable-exec "needs root and setpriv to run the tracer as nobody"
fi

# ---- the compat ABIs: x86_64's i386 (int 0x80) and x32; arm64's AArch32 ----
if [ "$(uname -m)" = aarch64 ]; then
    # a 32-bit arm program: every call it makes is a compat one (denied, it cannot even start)
    C32=$ADV/adv_compat_aarch32
    cpfx=compat abi=arm comm=adv_compat_aarc
    if [ ! -x "$C32" ]; then
        skip aarch32 "$C32 not built (arm-linux-gnueabihf-gcc missing: make deps)"
        C32=""
    fi
else
    C32=$ADV/adv_compat
    cpfx=i386 abi=i386 comm=adv_compat
fi
if [ -n "$C32" ]; then
    traced c32 -- "$C32" open "$secret"
    if [ "$abi" = i386 ]; then
        expect_match $abi-denied "$(out c32)" 'i386_open ret=-1 errno=ENOSYS'
        expect_tamper $abi c32 compat_abi denied 'i386 syscall 5 \(open\)' $comm
    else
        check $abi-denied test "$rc" -ne 0 -a -z "$(grep read= "$TT_TMP/c32.out")"
        expect_tamper $abi c32 compat_abi denied 'arm syscall [0-9]+ \([a-z0-9_]+\)' $comm
    fi
    traced c32c --unsafe-disable-defence compat_abi -- "$C32" open "$secret"
    expect_match $abi-control-evades "$(out c32c)" "read=top-secret"
    expect_eq $abi-control-no-open-event "$(opens_of c32c "$secret")" 0
    expect_no_tamper $abi c32c compat_abi
    control_recorded $abi c32c compat_abi
    # --allow compat_abi: runs, the first call of the thread reported (observed), every call a
    # generic syscall event in its own ABI's numbering (open is 5 in both)
    traced c32a --allow compat_abi -- "$C32" open "$secret"
    expect_match $abi-allowed-runs "$(out c32a)" "read=top-secret"
    expect_tamper $abi-allowed c32a compat_abi observed "$abi syscall [0-9]+ \\([a-z0-9_]+\\)" $comm
    expect_match $abi-allowed-open-reported "$(grep ' syscall ' "$TT_TMP/c32a.dump")" \
        " syscall ret=[0-9]+ nr=5 arch=$([ $abi = arm ] && echo 1073741864 || echo 1073741827) "
fi
if [ "$abi" = i386 ]; then
    traced x32 -- "$ADV/adv_compat" x32kill 1 0
    expect_tamper x32 x32 x32_abi denied 'x32 syscall 62 \(kill\)' adv_compat
elif [ -n "$C32" ]; then
    # a monitor signalled from AArch32, the ABI allowed: denied, and the registers the kernel
    # keeps across a syscall (all but r0) are kept by the denial too
    sleep 120 &
    mon=$!
    traced c32k --allow compat_abi -- "$C32" kill "$mon" 19
    expect_match arm-kill-monitor-denied "$(out c32k)" 'compat_kill ret=-1 errno=EPERM'
    expect_match arm-kill-denial-keeps-registers "$(out c32k)" 'regs_kept=1'
    expect_tamper arm-kill c32k signal_monitor denied "pid $mon \\(sleep\\)" $comm
    expect_match arm-kill-monitor-running "$(sed -n 's/^State:\s*//p' /proc/$mon/status)" '^S'
    traced c32k0 --allow compat_abi --unsafe-disable-defence monitors -- "$C32" kill "$mon" 19
    wait_for 2 grep -q '^State:.*T' /proc/$mon/status
    expect_match arm-kill-control-stops-monitor "$(sed -n 's/^State:\s*//p' /proc/$mon/status)" '^T'
    kill -9 "$mon"
fi
# the ring, reached through the compat shm calls (and i386's ipc()), with the ABI allowed
if [ -n "$C32" ]; then
    key=$((0x74750000 + ($$ % 4096) * 4))
    trap 'ipcrm -M $key 2>/dev/null; rm -rf "$TT_TMP"' EXIT
    "$T" dump --ring "$key" --wait 10000 >"$TT_TMP/ring.dump" 2>"$TT_TMP/ring.err" &
    dp=$!
    "$T" -q --no-snapshot --ring-key "$key" --allow compat_abi -- "$C32" shm "$key" \
        >"$TT_TMP/ring.out" 2>"$TT_TMP/ring.terr"
    rc=$?
    wait "$dp"
    expect_eq ring-$abi-tracer-exit "$rc" 0
    if [ $abi = i386 ]; then
        expect_match ring-i386-ipc-denied "$(cat "$TT_TMP/ring.out")" 'i386_ipc_shmget ret=-1 errno=EACCES'
        expect_match ring-i386-shmget-denied "$(cat "$TT_TMP/ring.out")" 'i386_shmget ret=-1 errno=EACCES'
    else
        expect_match ring-arm-shmget-denied "$(cat "$TT_TMP/ring.out")" 'compat_shmget ret=-1 errno=EACCES'
        expect_match ring-arm-shmat-denied "$(cat "$TT_TMP/ring.out")" 'compat_shmat ret=-1 errno=EACCES'
    fi
    expect_eq ring-$abi-tamper-events "$(grep -c ' tamper .*technique=ring_attach ' "$TT_TMP/ring.dump")" 2
    k2=$((key + 1))
    trap 'ipcrm -M $key 2>/dev/null; ipcrm -M $k2 2>/dev/null; rm -rf "$TT_TMP"' EXIT
    "$T" dump --ring "$k2" --wait 10000 >"$TT_TMP/ring0.dump" 2>"$TT_TMP/ring0.err" &
    dp=$!
    "$T" -q --no-snapshot --ring-key "$k2" --allow compat_abi --unsafe-disable-defence ring -- \
        "$C32" shm "$k2" >"$TT_TMP/ring0.out" 2>&1
    wait "$dp"
    expect_match ring-$abi-control-attaches "$(cat "$TT_TMP/ring0.out")" "${cpfx}_[a-z_]*shmat ret=0 "
fi

true
