#!/usr/bin/env bash
# A root workload that switches user, traced by a root tracer without CAP_SYS_PTRACE (EKS on
# Fargate, docker --cap-drop SYS_PTRACE): launcher + tracer + engine run as root with
# CAP_SYS_PTRACE gone from every set, the other capabilities kept (the workload needs
# CAP_SETUID/CAP_SETGID to switch). The uid change makes the kernel mark the process
# non-dumpable and, with another uid than the tracer's, unreadable; the tracer makes it dumpable
# again and reads it as its new user (docs/security.md).
#   - gosu-like (tests/helpers/sw_user.c, glibc's every-thread setuid with threads alive, and the
#     raw setresuid form), setpriv --reuid (PR_SET_KEEPCAPS: keeps its capabilities across the
#     change), su, and nginx with a `user` directive (master stays root, workers switch): each
#     runs to completion; after the switch a shell and a read of /etc/shadow (the new user is
#     in group shadow) raise their alerts with the new user.uid, and the files they open are
#     reported with their names; setuid events carry the resulting ids.
#   - Remaining limit, kept fail-closed: a seteuid-style switch (real and effective uids
#     differ) matches no fs id: killed with an unreadable_memory tamper alert.
#   - Negative control: with the re-dumpable step off (TARTAN_TEST_REDUMP_OFF=1) the gosu-like
#     switch is killed, as before, with the tamper alert, and its file is never seen.
# timeout: 180
. "$TT_ROOT/tests/lib/tt.sh"
tt_tmpdir
tt_nonroot_dir nonroot-switch-user || exit 0
D=$TT_NR_DIR
command -v nginx >/dev/null || nginx=missing
SU_UID=$TT_NR_UID
SHADOW_GID=$(getent group shadow | cut -d: -f3)
if [ -z "$SHADOW_GID" ] || [ "$(stat -c %g /etc/shadow)" != "$SHADOW_GID" ] ||
    ! [ -r /etc/shadow ]; then
    SHADOW_GID=
fi
NOPTRACE=(setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace --)
cp "$TT_ROOT/etc/tartan_rules.yaml" "$D/"
upstream=
! cp "$TT_SHARED/falco-rules/falco_rules.yaml" "$D/" 2>/dev/null || upstream=$D/falco_rules.yaml
for m in gosu raw setpriv su nginx euid control end; do echo "marker $m" >"$D/marker-$m"; done
printf 'ok\n' >"$D/index.html"
chmod -R a+rX "$D"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nginx_user="nobody ${SHADOW_GID:+shadow}"
cat >"$D/nginx.conf" <<EOF
user $nginx_user;
daemon off;
master_process on;
worker_processes 2;
pid $D/nginx.pid;
error_log stderr warn;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $D/nginx-body;
    proxy_temp_path $D/nginx-proxy;
    fastcgi_temp_path $D/nginx-fcgi;
    uwsgi_temp_path $D/nginx-uwsgi;
    scgi_temp_path $D/nginx-scgi;
    server {
        listen 127.0.0.1:$port;
        location = /shadow { default_type text/plain; alias /etc/shadow; }
        location = /marker { default_type text/plain; alias $D/marker-nginx; }
    }
}
EOF
# The workload: one root entrypoint running each switch in turn; "sw: NAME rc=N" per step.
get() { echo "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$port/$1', timeout=5).status)"; }
groups=$SHADOW_GID
cat >"$D/workload.sh" <<EOF
step() { name=\$1; shift; "\$@" >"$D/\$name.stdout" 2>&1; echo "sw: \$name rc=\$?"; }
gosu() { step gosu $TT_HELPERS/sw_user --threads 3 $SU_UID ${groups:-$SU_UID} /bin/sh -c 'cat /etc/shadow >/dev/null; cat $D/marker-gosu; id -u'; }
raw() { step raw $TT_HELPERS/sw_user --raw --stay $SU_UID ${groups:-$SU_UID} /bin/cat $D/marker-raw; }
setpriv_() { step setpriv setpriv --reuid=$SU_UID --regid=${groups:-$SU_UID} --clear-groups /bin/sh -c 'cat /etc/shadow >/dev/null; cat $D/marker-setpriv'; }
su_() { step su su -s /bin/sh -c 'cat $D/marker-su' nobody; }
nginx_() {
    [ -z "$nginx" ] || return 0
    nginx -c $D/nginx.conf -e stderr 2>$D/nginx.err &
    for i in \$(seq 100); do python3 -c "$(get marker)" >/dev/null 2>&1 && break; sleep 0.1; done
    echo "sw: nginx-marker \$(python3 -c "$(get marker)" 2>&1 | tail -1)"
    echo "sw: nginx-shadow \$(python3 -c "$(get shadow)" 2>&1 | tail -1)"
    kill -QUIT \$(cat $D/nginx.pid); wait \$!; echo "sw: nginx rc=\$?"
}
euid() { step euid $TT_HELPERS/sw_user --euid $SU_UID $SU_UID /bin/cat $D/marker-euid; }
for s in "\$@"; do \$s; done
cat $D/marker-end >/dev/null
EOF
cat >"$D/rules.yaml" <<EOF
- rule: SU marker opened
  desc: the markers the workload's steps open
  condition: evt.type in (open, openat) and evt.rawres >= 0 and fd.name startswith $D/marker-
  output: marker (file=%fd.name proc=%proc.name uid=%user.uid)
  priority: NOTICE
- rule: SU user changed
  desc: the setuid family, with the ids the engine now holds
  condition: evt.type in (setuid, setresuid) and evt.rawres = 0
  output: switched (uid=%user.uid proc=%proc.name)
  priority: NOTICE
EOF

# run NAME [ENV=V...] @ STEP...: one traced run of the workload's steps; alerts in NAME.json,
# output in NAME.out.
n=0
run() {
    local name=$1 envs=()
    shift
    while [ "$1" != @ ]; do envs+=("$1"); shift; done
    shift
    n=$((n + 1))
    local rules="[$D/rules.yaml, $D/tartan_rules.yaml${upstream:+, $upstream}]"
    printf 'rules_files: %s\njson_output: true\nrule_matching: all\nstdout_output: {enabled: false}\nfile_output: {enabled: true, keep_alive: true, filename: %s}\nappend_output: [{extra_fields: [user.uid, proc.name, fd.name]}]\n' \
        "$rules" "$D/$name.json" >"$D/$name.yaml"
    local key=$((0x53550000 + ($$ + n) % 65536))
    "${NOPTRACE[@]}" env TT_RING_KEY=$key LAUNCHER_GRACE_PERIOD=5 "${envs[@]}" "$TT_BIN/launcher" \
        "$TT_BIN/tracer" bash "$D/workload.sh" "$@" -- "$TT_BIN/engine" -c "$D/$name.yaml" \
        >"$D/$name.out" 2>"$D/$name.err"
    echo "$name: exit $?" >&2
    ipcrm -M "$key" 2>/dev/null
    cat "$D/$name.out" >&2
    grep -v '^\[engine\] info' "$D/$name.err" >&2
}
said() { sed -n "s/^sw: $2 //p" "$D/$1.out"; }
# alert NAME RULE [FIELD=VALUE]...: the output fields of the first alert of RULE matching them
alert() { tt_alert "$D/$1.json" "${@:2}"; }
has_alert() { [ -n "$(alert "$@")" ]; }
marker_seen() { has_alert "$1" "SU marker opened" "fd.name=$D/marker-$2" "${@:3}"; }
tamper() { has_alert "$1" "Tartan tamper or evasion attempt" evt.arg.technique=unreadable_memory "${@:2}"; }

run A @ gosu raw setpriv_ su_ nginx_ euid
caps=$("${NOPTRACE[@]}" sed -n 's/^CapEff:\s*//p' /proc/self/status)
if (( (16#$caps >> 19 & 1) == 0 && (16#$caps >> 7 & 1) == 1 )); then pass switch-no-ptrace-cap
else fail switch-no-ptrace-cap "the run's capabilities $caps: want CAP_SETUID without CAP_SYS_PTRACE"; fi

expect_eq switch-gosu-runs "$(said A gosu)" rc=0
expect_eq switch-gosu-new-uid "$(tail -1 "$D/gosu.stdout")" "$SU_UID"
if marker_seen A gosu proc.name=cat "user.uid=$SU_UID"; then pass switch-gosu-traced
else fail switch-gosu-traced "no marker alert with user.uid=$SU_UID: $(alert A 'SU marker opened' "fd.name=$D/marker-gosu")"; fi
if has_alert A "Shell spawned by the workload" proc.name=sh "user.uid=$SU_UID"; then pass switch-gosu-shell-alert
else fail switch-gosu-shell-alert "no shell alert with user.uid=$SU_UID"; fi
if has_alert A "SU user changed" proc.name=sw_user "user.uid=$SU_UID"; then pass switch-setuid-event-ids
else fail switch-setuid-event-ids "no setuid event leaving user.uid=$SU_UID"; fi
if [ -n "$SHADOW_GID" ]; then
    if has_alert A "Sensitive file opened for reading" fd.name=/etc/shadow proc.name=cat "user.uid=$SU_UID"; then
        pass switch-sensitive-read-alert
    else fail switch-sensitive-read-alert "no 'Sensitive file opened for reading' by cat as uid $SU_UID"; fi
    if [ -n "$upstream" ]; then
        if has_alert A "Read sensitive file untrusted" fd.name=/etc/shadow "user.uid=$SU_UID"; then
            pass switch-upstream-sensitive-read-alert
        else fail switch-upstream-sensitive-read-alert "no upstream 'Read sensitive file untrusted' as uid $SU_UID"; fi
    else
        skip switch-upstream-sensitive-read-alert "Falco's upstream rules are not in $TT_SHARED/falco-rules"
    fi
else
    skip switch-sensitive-read-alert "no readable /etc/shadow of group shadow here"
fi

expect_eq switch-raw-runs "$(said A raw)" rc=0
expect_match switch-raw-reads-as-new-user "$(cat "$D/raw.stdout")" "after switch: uid=$SU_UID euid=$SU_UID"
if marker_seen A raw "user.uid=$SU_UID"; then pass switch-raw-traced
else fail switch-raw-traced "no marker alert for the raw setresuid step"; fi

expect_eq switch-setpriv-runs "$(said A setpriv)" rc=0
if marker_seen A setpriv proc.name=cat "user.uid=$SU_UID"; then pass switch-setpriv-traced
else fail switch-setpriv-traced "no marker alert for setpriv --reuid"; fi

expect_eq switch-su-runs "$(said A su)" rc=0
if marker_seen A su proc.name=cat user.uid=65534; then pass switch-su-traced
else fail switch-su-traced "no marker alert as nobody for su: $(alert A 'SU marker opened' "fd.name=$D/marker-su")"; fi

if [ -z "$nginx" ]; then
    expect_eq switch-nginx-serves "$(said A nginx-marker)" 200
    expect_eq switch-nginx-stops "$(said A nginx)" rc=0
    if marker_seen A nginx proc.name=nginx user.uid=65534; then pass switch-nginx-worker-traced
    else fail switch-nginx-worker-traced "no marker alert from an nginx worker as nobody"; fi
    if [ -n "$SHADOW_GID" ]; then
        expect_eq switch-nginx-shadow-served "$(said A nginx-shadow)" 200
        if has_alert A "Sensitive file opened for reading" fd.name=/etc/shadow proc.name=nginx user.uid=65534; then
            pass switch-nginx-sensitive-read-alert
        else fail switch-nginx-sensitive-read-alert "no alert for the worker's read of /etc/shadow"; fi
    fi
else
    skip switch-nginx-worker-traced "nginx is not installed"
fi

expect_match switch-euid-killed "$(said A euid)" '^rc=137$'
if tamper A "evt.arg.action=denied" proc.name=sw_user; then pass switch-euid-tamper-alert
else fail switch-euid-tamper-alert "no unreadable_memory tamper alert for the seteuid-style switch"; fi
if marker_seen A euid; then fail switch-euid-not-blind "the seteuid-style process opened its file"
else pass switch-euid-not-blind; fi
if marker_seen A end; then pass switch-run-complete
else fail switch-run-complete "the last marker's alert is missing: the checks above are void"; fi
if tamper A proc.name=cat || tamper A proc.name=nginx || tamper A proc.name=sh; then
    fail switch-no-false-tamper "a switched process was reported unreadable: $(alert A 'Tartan tamper or evasion attempt')"
else pass switch-no-false-tamper; fi

# ---- negative control: without the re-dumpable step, the gosu-like switch is killed unseen
run B TARTAN_TEST_REDUMP_OFF=1 @ gosu
expect_eq control-gosu-killed "$(said B gosu)" rc=137
if tamper B proc.name=sw_user evt.arg.action=denied; then pass control-gosu-tamper-alert
else fail control-gosu-tamper-alert "no unreadable_memory tamper alert"; fi
if marker_seen B gosu; then fail control-gosu-never-ran "its marker was opened: the control shows nothing"
else pass control-gosu-never-ran; fi
if marker_seen B end; then pass control-run-complete
else fail control-run-complete "the last marker's alert is missing"; fi
