#!/usr/bin/env bash
# tracer: the EXE_WRITABLE execve flag, as Falco's drivers set it (the new program's credentials
# could write its executable, own it, or hold CAP_DAC_OVERRIDE/CAP_FOWNER):
#   root running a root-owned binary        -> EXE_WRITABLE
#   uid 65534 without capabilities, 0755    -> not writable
#   uid 65534 running a file it owns        -> EXE_WRITABLE (owner)
#   root running a memfd (fileless)         -> EXE_WRITABLE|EXE_FROM_MEMFD
# (found by the event-generator suite: "Fileless execution via memfd_create" expects both flags)
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

if [ "$(id -u)" -ne 0 ]; then
    skip exe_writable "needs root to change users"
    exit 0
fi
command -v setpriv >/dev/null || { skip exe_writable "setpriv (util-linux) missing"; exit 0; }

cp /bin/true "$TT_TMP/mytrue"
chown 65534:65534 "$TT_TMP/mytrue"
chmod 0555 "$TT_TMP/mytrue"
chmod 0755 "$TT_TMP"
cat >"$TT_TMP/memfd.py" <<'EOF'
import os
fd = os.memfd_create("tt_fileless", 0)
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
os.execve(fd, ["tt_fileless"], {})
EOF

"$TT_BIN/tracer" -q -w "$TT_TMP/cap" /bin/sh -c "
    /bin/true root
    setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true nobody
    setpriv --reuid=65534 --regid=65534 --clear-groups $TT_TMP/mytrue owner
    python3 $TT_TMP/memfd.py" 2>"$TT_TMP/tracer.err"
"$TT_BIN/tracer" dump "$TT_TMP/cap" >"$TT_TMP/dump" 2>&1

# flags_of PATTERN: exe_flags of the successful execve whose line matches PATTERN.
flags_of() {
    grep -E '^[0-9.]+ [0-9/]+ execve(at)? ret=0 ' "$TT_TMP/dump" | grep -E -- "$1" | head -n 1 |
        grep -o 'exe_flags=[0-9]*' | cut -d= -f2
}
has() { [ -n "$1" ] && [ $(($1 & $2)) -eq "$2" ]; }
hasnt() { [ -n "$1" ] && [ $(($1 & $2)) -eq 0 ]; }

f=$(flags_of 'args=\[root\]')
if has "$f" 1; then pass exe_writable_root; else fail exe_writable_root "flags '$f', want bit 1"; fi
f=$(flags_of 'args=\[nobody\]')
if hasnt "$f" 1; then pass exe_not_writable_unprivileged; else fail exe_not_writable_unprivileged "flags '$f', want no bit 1"; fi
f=$(flags_of 'args=\[owner\]')
if has "$f" 1; then pass exe_writable_owner; else fail exe_writable_owner "flags '$f', want bit 1"; fi
f=$(flags_of 'trusted_exepath=/memfd:')
if has "$f" 5; then pass exe_writable_memfd; else fail exe_writable_memfd "flags '$f', want bits 1|4"; fi
