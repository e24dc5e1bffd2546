#!/usr/bin/env bash
# The programs carry the hardening flags (Makefile, "Hardening"): read from each ELF by
# tests/lib/elfcheck.py (PIE, full RELRO, NX stack, canary, FORTIFY, CET/PAC code), on the built
# binaries, on `make install` output, on the libFuzzer and arm64 builds when they exist. Negative
# controls: a program built without each flag must be reported missing it.
# variants: plain asan
# timeout: 300
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
CHECK=(python3 "$TT_ROOT/tests/lib/elfcheck.py")
opts=()
[ "$TT_VARIANT" = asan ] && opts=(--no-fortify) # sanitizer builds leave _FORTIFY_SOURCE out

check_dir() { # label dir [elfcheck options...]
    local label=$1 dir=$2 p out; shift 2
    for p in launcher waitforever tracer engine logshipper instrument; do
        if [ ! -f "$dir/$p" ]; then
            fail "hardened-$label-$p" "$dir/$p missing"
            continue
        fi
        out=$("${CHECK[@]}" "$@" "$dir/$p" 2>&1)
        if [ $? -eq 0 ]; then pass "hardened-$label-$p"; else fail "hardened-$label-$p" "$out"; fi
        echo "$out" >&2
    done
}

check_dir "$TT_VARIANT" "$TT_BIN" "${opts[@]}"

# make install output (plain only: the asan tree is built with SAN=1, which install does not
# pass). Only the copy is checked: `make -q all` first, so a stale tree is reported, not rebuilt.
if [ "$TT_VARIANT" = plain ]; then
    if make -s -C "$TT_ROOT" -q all 2>/dev/null; then
        make -s -C "$TT_ROOT" install DESTDIR="$TT_TMP/inst" PREFIX=/vendor/falco >&2
        check_dir install "$TT_TMP/inst/vendor/falco/bin"
    else
        skip "hardened-install" "build/ is not up to date with the sources (run make all)"
    fi
    mapfile -t fz < <(find "$TT_ROOT/build-fuzz/fuzz" -maxdepth 1 -name 'fuzz_*' ! -name '*.d' -type f 2>/dev/null)
    if [ ${#fz[@]} -gt 0 ]; then
        out=$("${CHECK[@]}" --no-fortify "${fz[@]}" 2>&1)
        if [ $? -eq 0 ]; then pass "hardened-fuzz-targets"; else fail "hardened-fuzz-targets" "$(echo "$out" | grep MISSING | head -3)"; fi
    else
        skip "hardened-fuzz-targets" "build-fuzz/ not built (make fuzz)"
    fi
    if [ -d "$TT_ROOT/build-arm64/bin" ]; then
        check_dir arm64 "$TT_ROOT/build-arm64/bin"
    else
        skip "hardened-arm64" "build-arm64/ not built (make ARCH=arm64)"
    fi
fi

# --- negative controls: the checker must see each flag missing.
cat >"$TT_TMP/p.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    char b[64];
    strcpy(b, argv[argc - 1]);
    puts(b);
    return 0;
}
EOF
control() { # name expected-missing cc-args...
    local name=$1 want=$2 out; shift 2
    if ! gcc -O2 -o "$TT_TMP/$name" "$TT_TMP/p.c" "$@" 2>"$TT_TMP/$name.log"; then
        fail "elfcheck-control-$name" "cannot build: $(head -c 200 "$TT_TMP/$name.log")"
        return
    fi
    out=$("${CHECK[@]}" "$TT_TMP/$name" 2>&1)
    echo "$out" >&2
    expect_match "elfcheck-control-$name" "$out" "MISSING: .*$want"
}
hard=(-D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE -pie
      -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
if gcc -O2 -o "$TT_TMP/all" "$TT_TMP/p.c" "${hard[@]}" && "${CHECK[@]}" "$TT_TMP/all" >&2; then
    pass "elfcheck-control-hardened-passes"
else
    fail "elfcheck-control-hardened-passes" "a program built with every flag is reported missing one"
fi
control no-pie pie "${hard[@]}" -fno-PIE -no-pie
control lazy-binding now "${hard[@]/-Wl,-z,now/-Wl,-z,lazy}"
control no-relro relro "${hard[@]/-Wl,-z,relro/-Wl,-z,norelro}" -Wl,-z,lazy
control exec-stack nx "${hard[@]/-Wl,-z,noexecstack/-Wl,-z,execstack}"
control no-canary canary "${hard[@]}" -fno-stack-protector
control no-fortify fortify "${hard[@]}" -U_FORTIFY_SOURCE
control no-cet cfi "${hard[@]}" -fcf-protection=none
