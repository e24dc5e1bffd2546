#!/usr/bin/env bash
# tracer: EXE_UPPER_LAYER / EXE_LOWER_LAYER follow Falco's meaning: set only for an executable on
# overlayfs (upper: written in the container, lower: from the image). A binary copied to tmpfs
# (/dev/shm) has neither, even when / is an overlay ("Drop and execute new binary in container"
# must not fire for it, as with Falco). The tracer runs chrooted into an overlay of / (lower: the
# host's root, upper: a tmpfs) inside a private mount namespace, with a tmpfs on /dev/shm.
# timeout: 60
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

if [ "$(id -u)" -ne 0 ]; then
    skip exe_layer "needs root to mount an overlay"
    exit 0
fi
command -v unshare >/dev/null || { skip exe_layer "unshare (util-linux) missing"; exit 0; }

R=$TT_TMP/r
mkdir -p "$R/up" "$R/mg"
cp "$TT_BIN/tracer" "$TT_TMP/tracer"
# The script runs in the chroot: a binary from the image (lower), one written to the overlay
# (upper), one on tmpfs.
cat >"$TT_TMP/work.sh" <<'EOF2'
cp /bin/true /tmp/tt_layer_dropped
cp /bin/true /dev/shm/tt_layer_shm
/bin/true lower
/tmp/tt_layer_dropped upper
/dev/shm/tt_layer_shm shm
EOF2
unshare -m /bin/sh -ec "
    mount --make-rprivate /
    mount -t tmpfs tt_up '$R/up'
    mkdir '$R/up/u' '$R/up/w'
    mount -t overlay tt_ov -o 'lowerdir=/,upperdir=$R/up/u,workdir=$R/up/w' '$R/mg'
    mount -t proc proc '$R/mg/proc'
    mount -t tmpfs tt_shm '$R/mg/dev/shm'
    mkdir -p '$R/mg/tt'
    mount -t tmpfs tt_out '$R/mg/tt'
    cp '$TT_TMP/tracer' '$TT_TMP/work.sh' '$R/mg/tt/'
    chroot '$R/mg' /tt/tracer -q -w /tt/cap /bin/sh /tt/work.sh
    cp '$R/mg/tt/cap' '$TT_TMP/cap'
" >"$TT_TMP/out" 2>&1
if [ ! -s "$TT_TMP/cap" ]; then
    if grep -qi 'overlay\|permission\|not permitted' "$TT_TMP/out"; then
        skip exe_layer "cannot mount an overlay here: $(head -c 200 "$TT_TMP/out")"
    else
        fail exe_layer "no capture: $(head -c 400 "$TT_TMP/out")"
    fi
    exit 0
fi
"$TT_BIN/tracer" dump "$TT_TMP/cap" >"$TT_TMP/dump" 2>&1

flags_of() {
    grep -E '^[0-9.]+ [0-9/]+ execve(at)? ret=0 ' "$TT_TMP/dump" | grep -E -- "$1" | head -n 1 |
        grep -o 'exe_flags=[0-9]*' | cut -d= -f2
}
# bits: 2 EXE_UPPER_LAYER, 8 EXE_LOWER_LAYER
want() { # name pattern mask expected
    local f
    f=$(flags_of "$2")
    if [ -n "$f" ] && [ $((f & $3)) -eq "$4" ]; then
        pass "$1"
    else
        fail "$1" "exe_flags '$f' & $3, want $4 ($(grep -E -- "$2" "$TT_TMP/dump" | head -n 1 | head -c 300))"
    fi
}
want exe_layer_lower 'args=\[lower\]' 10 8
want exe_layer_upper 'args=\[upper\]' 10 2
want exe_layer_tmpfs_neither 'args=\[shm\]' 10 0
