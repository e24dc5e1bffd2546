#!/usr/bin/env bash
# Tracer + ring: the workload cannot reach the ring (shmget/shmat/shmctl denied, reported as
# tamper events), no blind start (the workload waits for the engine), nothing lost when the
# engine attaches late, and drops are counted when the engine stalls.
# timeout: 120
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
T=$TT_BIN/tracer
W=$TT_HELPERS/tr_work
cd "$TT_TMP" || exit 1
base=$((0x74740000 + ($$ % 4096) * 8))
keys=()
bg=()
cleanup() {
    for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
    for k in "${keys[@]}"; do ipcrm -M "$k" 2>/dev/null; done
    rm -rf "$TT_TMP"
}
trap cleanup EXIT

# ---- tampering: the workload finds the ring's id in /proc/sysvipc/shm and tries it ----
k=$((base + 1)); keys+=("$k")
"$T" dump --ring "$k" --wait 10000 >dump1.txt 2>dump1.err &
dp=$!; bg+=("$dp")
"$T" --ring-key "$k" --wait-engine 10000 -- "$W" shm "$k" auto >shm.txt 2>tracer1.err
rc=$?
wait "$dp"
expect_eq tamper_workload_exit "$rc" 0
log=$(cat shm.txt)
expect_match tamper_found_segment "$log" 'found_shmid=[0-9]+'
expect_match tamper_shmget_denied "$log" 'shmget=-1 errno=13'
expect_match tamper_shmat_denied "$log" 'shmat=-1 errno=13'
expect_match tamper_shmctl_denied "$log" 'shmctl=-1 errno=13'
expect_match tamper_private_shm_still_works "$log" 'private=ok'
n=$(grep -c ' tamper ret=-13 ' dump1.txt)
expect_eq tamper_events_reported "$n" 3
expect_match tamper_event_reason "$(grep ' tamper ' dump1.txt | head -1)" \
    'reason=shmget on the tracer.s event ring: denied \(EACCES\) technique=ring_attach target=event ring \(key 0x[0-9a-f]+, shmid [0-9]+\) action=denied$'

# ---- no blind start: the workload starts only once the engine is attached ----
k=$((base + 2)); keys+=("$k")
"$T" --ring-key "$k" --wait-engine 10000 -- /bin/sh -c 'date +%s%N >started' 2>tracer2.err &
tp=$!; bg+=("$tp")
sleep 1
if [ -e started ]; then fail no_blind_start "workload ran before any engine attached"; else pass no_blind_start; fi
t_attach=$(date +%s%N)
"$T" dump --ring "$k" --wait 5000 >dump2.txt 2>dump2.err
wait "$tp"; rc=$?
expect_eq no_blind_start_exit "$rc" 0
t_start=$(cat started 2>/dev/null || echo 0)
check no_blind_start_after_attach test "$t_start" -ge "$t_attach"
expect_match no_blind_start_first_exec "$(grep -m1 ' execve ret=' dump2.txt)" 'filename=/bin/sh'

# ---- late engine (fail-open, no wait): everything before attachment is still delivered ----
k=$((base + 3)); keys+=("$k")
"$T" --ring-key "$k" --wait-engine 0 --fail-open -- "$W" files "$TT_TMP" >/dev/null 2>tracer3.err
rc=$?
expect_eq late_engine_workload_exit "$rc" 0
"$T" dump --ring "$k" --wait 2000 >dump3.txt 2>dump3.err
expect_match late_engine_sees_exec "$(grep -c ' execve ret=0 ' dump3.txt)" '^[1-9]'
expect_match late_engine_sees_files "$(grep -c ' unlinkat ret=0 ' dump3.txt)" '^4$'

# ---- stalled engine: the workload is never blocked; drops are counted ----
k=$((base + 4)); keys+=("$k")
# a consumer that attaches and then reads nothing for a while, with a tiny ring
"$TT_HELPERS/ring_consume" --key "$k" --wait 10000 --stall 8000 --idle 500 >dump4.txt 2>dump4.err &
dp=$!; bg+=("$dp")
start=$(date +%s%N)
"$T" --ring-key "$k" --ring-size 65536 --wait-engine 10000 -- /bin/sh -c \
    "$W forks 300 >/dev/null; touch $TT_TMP/forked; sleep 2" 2>tracer4.err &
tp=$!; bg+=("$tp")
wait_for 30 test -e forked
el=$(( ($(date +%s%N) - start) / 1000000 ))
stats=$("$T" dump --stats "$k" 2>&1)
echo "$stats" >&2
wait "$tp"; rc=$?
expect_eq stalled_engine_workload_exit "$rc" 0
check stalled_engine_not_blocking test "$el" -lt 20000
expect_match stalled_engine_drops_counted "$stats" 'dropped[=: ]+[1-9]'
prod=$(echo "$stats" | sed -n 's/.*produced[=: ]*\([0-9]*\).*/\1/p' | head -1)
cons=$(echo "$stats" | sed -n 's/.*consumed[=: ]*\([0-9]*\).*/\1/p' | head -1)
drop=$(echo "$stats" | sed -n 's/.*dropped[=: ]*\([0-9]*\).*/\1/p' | head -1)
check stalled_engine_accounting test "${prod:-0}" -ge $(( ${cons:-0} + ${drop:-0} ))
expect_match stalled_engine_tracer_reports_loss "$(cat tracer4.err)" 'not delivered'
kill "$dp" 2>/dev/null
wait "$dp" 2>/dev/null

# ---- blocking mode: a stalled engine slows the workload down instead of losing events ----
k=$((base + 5)); keys+=("$k")
"$TT_HELPERS/ring_consume" --key "$k" --wait 10000 --stall 2000 --idle 10000 >cons5.txt 2>cons5.err &
dp=$!; bg+=("$dp")
start=$(date +%s%N)
"$T" --ring-key "$k" --blocking --ring-size 65536 --wait-engine 10000 -- "$W" forks 300 >/dev/null 2>tracer5.err
rc=$?
el=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$dp"
c=$(cat cons5.txt)
echo "blocking: ${el}ms $c" >&2
expect_eq blocking_workload_exit "$rc" 0
check blocking_waited_for_engine test "$el" -ge 1800
expect_match blocking_no_drops "$c" ' dropped=0 '
expect_match blocking_all_consumed "$c" 'consumed=([0-9]+) .* produced=\1 '

# ---- two "containers" sharing only the IPC namespace: tracer (PID 1 of its own pid, mount,
# uts and net namespaces) and the engine side outside; a consumer in another IPC namespace sees
# nothing ----
k=$((base + 6)); keys+=("$k")
if unshare --mount --uts --net --pid --fork --mount-proc true 2>/dev/null; then
    "$T" dump --ring "$k" --wait 10000 >dump6.txt 2>dump6.err &
    dp=$!; bg+=("$dp")
    unshare --mount --uts --net --pid --fork --mount-proc "$T" --ring-key "$k" --wait-engine 10000 \
        -- /bin/sh -c 'hostname ns-workload; sleep 1.5' 2>tracer6.err &
    tp=$!; bg+=("$tp")
    sleep 0.7
    # while the ring exists: visible in this IPC namespace, invisible from another one
    here=$("$T" dump --stats "$k" 2>&1); rc_here=$?
    there=$(unshare --ipc "$T" dump --stats "$k" 2>&1); rc_there=$?
    wait "$tp"; rc=$?
    wait "$dp"
    expect_eq ns_workload_exit "$rc" 0
    expect_match ns_engine_sees_workload "$(grep ' execve ret=0 ' dump6.txt | head -1)" '^[0-9.]+ 2/2 execve ret=0 filename=/bin/sh .* ptid=0 '
    expect_eq ns_same_ipc_namespace_sees_ring "$rc_here" 0
    check ns_other_ipc_namespace_sees_nothing test "$rc_there" -ne 0
    echo "here: $here / there: $there" >&2
else
    skip ns_engine_sees_workload "unshare of pid/mount/net namespaces not permitted here"
fi
true
