#!/usr/bin/env bash
# The /vendor/falco layout runs with nothing else around it: docker/bundle.sh lays out the
# built programs (static ones copied, dynamic ones with a private loader and libraries), and
# each program must answer --version (engine, logshipper: --help) in a chroot that holds only /vendor/falco: no libc, no
# shell, no /etc. Also: a workload's LD_LIBRARY_PATH pointing at a broken libc/libcurl must not
# be able to replace the bundled libraries; and no program uses NSS (getpwnam...). No Docker needed.
# variants: plain
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir

if [ "$(id -u)" -ne 0 ]; then
    skip "bundle-chroot" "chroot needs root"
    exit 0
fi
for tool in patchelf readelf ldd chroot; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        skip "bundle-chroot" "$tool is not installed (make deps)"
        exit 0
    fi
done

root="$TT_TMP/root"
if ! bash "$TT_ROOT/docker/bundle.sh" "$TT_BIN" "$root/vendor/falco" /vendor/falco >"$TT_TMP/bundle.log" 2>&1; then
    fail "bundle-layout" "docker/bundle.sh failed: $(tail -n 3 "$TT_TMP/bundle.log" | tr '\n' ' ')"
    exit 0
fi
cat "$TT_TMP/bundle.log" >&2
pass "bundle-layout"

# Nothing outside /vendor/falco in the root.
others=$(cd "$root" && find . -mindepth 1 -maxdepth 1 ! -name vendor)
expect_eq "bundle-root-holds-only-vendor" "$others" ""

# Every bundled program either has no interpreter or one inside /vendor/falco.
bad=""
for f in "$root"/vendor/falco/bin/*; do
    interp=$(readelf -lW "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    case "$interp" in
    "" | /vendor/falco/lib/*) ;;
    *) bad="$bad $(basename "$f"):$interp" ;;
    esac
done
expect_eq "bundle-interpreters-inside-vendor" "$bad" ""

# A library directory a hostile or just different workload might point LD_LIBRARY_PATH at.
mkdir -p "$root/bogus"
for lib in libc.so.6 libcurl.so.4 libssl.so.3 libcrypto.so.3 libyaml-0.so.2 libjansson.so.4; do
    echo "not a library" >"$root/bogus/$lib"
done

for p in launcher waitforever tracer engine logshipper; do
    if [ ! -x "$root/vendor/falco/bin/$p" ]; then
        fail "chroot-$p-runs" "$p was not built"
        continue
    fi
    out=$(chroot "$root" /vendor/falco/bin/$p "$(probe_arg "$p")" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
        pass "chroot-$p-runs"
    else
        fail "chroot-$p-runs" "exit $rc: $(printf '%s' "$out" | head -c 200)"
    fi
    if readelf -lW "$root/vendor/falco/bin/$p" | grep -q 'program interpreter'; then
        out=$(env -i PATH="$PATH" LD_LIBRARY_PATH=/bogus chroot "$root" /vendor/falco/bin/$p "$(probe_arg "$p")" 2>&1)
        rc=$?
        if [ "$rc" -eq 0 ]; then
            pass "chroot-$p-ignores-ld-library-path"
        else
            fail "chroot-$p-ignores-ld-library-path" "exit $rc: $(printf '%s' "$out" | head -c 200)"
        fi
    fi
done

# No program may depend on NSS (getpwnam and friends need libnss_* and /etc/nsswitch.conf, which
# scratch and distroless images lack). Checked on the unstripped build outputs.
for p in launcher waitforever tracer engine logshipper; do
    [ -f "$TT_BIN/$p" ] || continue
    syms=$(nm -a "$TT_BIN/$p" 2>/dev/null; nm -D "$TT_BIN/$p" 2>/dev/null)
    if [ -z "$syms" ]; then
        # A stripped (musl) binary: look at what its objects call instead.
        syms=$(nm -u "${TT_OUT:-$TT_ROOT/build}/musl/$p/"*.o "${TT_OUT:-$TT_ROOT/build}/musl/libtartan.a" 2>/dev/null)
    fi
    if [ -z "$syms" ]; then
        fail "no-nss-$p" "no symbol table and no objects to inspect"
        continue
    fi
    used=$(printf '%s\n' "$syms" | awk '{print $NF}' |
        grep -E '^(getpw(nam|uid|ent)|getgr(nam|gid|ent)|getspnam|initgroups|getgrouplist)(_r)?(@.*)?$' | sort -u | tr '\n' ' ')
    expect_eq "no-nss-$p" "$used" ""
done
