#!/usr/bin/env bash
# Tartan test runner.
#
# Runs every test the project has, in two variants:
#   plain  binaries from build/       (make all)
#   asan   binaries from build-asan/  (make asan: AddressSanitizer + UBSan)
# and, inside the arm64 VM only (tests/integration/arm64_vm.sh runs it there):
#   arm64  binaries from build-arm64/ (make ARCH=arm64): the unit tests, and the integration
#          files named in tests/arm64/integration.list (their variants header does not apply)
# and ends with one line: "N passed, N failed, N skipped".
#
# A test file reports results on stdout, one per line:
#   PASS <name>
#   FAIL <name>: <reason>
#   SKIP <name>: <reason>
# Anything else it prints goes to its log (build/test-logs/<variant>/<file>.log),
# whose tail is shown when the file fails. A file that exits non-zero without a
# FAIL line, or reports nothing at all, counts as one failure.
#
# Test files:
#   build*/tests/test_*          unit tests (C, from tests/unit/)
#   tests/integration/*.sh|*.py  integration and end-to-end tests
# Header comments in a script (first 20 lines) tune how it runs:
#   # variants: plain            run only in the listed variants (plain, asan)
#   # timeout: 900               seconds before it is killed (default 600)
#   # lane: own                  in a lanes run, run in a lane of its own (the arm64 VM stage)
#
# Lanes: the whole suite (no FILTER, no --variant) runs in three lanes at once: the plain
# variant, the asan variant, and the files marked `lane: own`. Most tests wait (for processes,
# containers, timeouts) far more than they compute, so the lanes overlap well on 2 cores.
# `--lanes 1` (or TT_TEST_LANES=1) runs everything one file at a time, in order.
#
# Usage: tests/run.sh [--lanes 1|3] [--variant plain|asan|arm64]... [FILTER]
#   FILTER is a substring of the test file name.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

variants=()
filter=""
lanes=${TT_TEST_LANES:-}
while [ $# -gt 0 ]; do
    case "$1" in
    --variant) variants+=("$2"); shift 2 ;;
    --lanes) lanes=$2; shift 2 ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) filter="$1"; shift ;;
    esac
done
if [ -z "$lanes" ]; then
    lanes=1
    [ ${#variants[@]} -eq 0 ] && [ -z "$filter" ] && lanes=3
fi
[ ${#variants[@]} -gt 0 ] || variants=(plain asan)

SHARED=${TT_SHARED:-$ROOT/../shared}
export TT_ROOT="$ROOT" TT_SHARED="$SHARED"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

npass=0 nfail=0 nskip=0
failed_names=()

header_value() { # file key
    head -n 20 "$1" | sed -n "s/^[#\/ *]*$2: *//p" | head -n 1
}

run_file() { # variant outdir file
    local variant=$1 out=$2 file=$3 name kind
    name=$(basename "$file")
    local wanted; wanted=$(header_value "$file" variants)
    if [ "$variant" = arm64 ]; then
        if [[ "$file" == tests/integration/* ]] && ! grep -qx "$name" tests/arm64/integration.list; then
            return
        fi
    elif [ -n "$wanted" ] && [[ " $wanted " != *" $variant "* ]]; then
        return
    fi
    local tmo; tmo=$(header_value "$file" timeout); tmo=${tmo:-600}
    local logdir="$out/test-logs/$variant"; mkdir -p "$logdir"
    local log="$logdir/$name.log" res="$logdir/$name.results"
    local cmd=("$file")
    case "$file" in
    *.sh) cmd=(bash "$file") ;;
    *.py) cmd=(python3 "$file") ;;
    esac
    echo "== [$variant] $name" >&2
    local start=$SECONDS
    TT_VARIANT=$variant TT_OUT="$ROOT/$out" TT_BIN="$ROOT/$out/bin" TT_HELPERS="$ROOT/$out/helpers" \
        timeout -k 10 "$tmo" "${cmd[@]}" </dev/null 2>"$log" | tee -a "$log" | grep -E '^(PASS|FAIL|SKIP) ' >"$res"
    local rc=${PIPESTATUS[0]}
    local p=0 f=0 s=0 line
    while IFS= read -r line; do
        case "$line" in
        PASS\ *) p=$((p+1)); echo "PASS [$variant] ${line#PASS }" ;;
        FAIL\ *) f=$((f+1)); echo "FAIL [$variant] ${line#FAIL }"; failed_names+=("[$variant] ${line#FAIL }") ;;
        SKIP\ *) s=$((s+1)); echo "SKIP [$variant] ${line#SKIP }" ;;
        esac
    done <"$res"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        local why="exited with status $rc"
        [ "$rc" -eq 124 ] && why="timed out after ${tmo}s"
        echo "FAIL [$variant] $name: $why"
        failed_names+=("[$variant] $name: $why")
    elif [ $((p+f+s)) -eq 0 ]; then
        f=1
        echo "FAIL [$variant] $name: reported no result"
        failed_names+=("[$variant] $name: reported no result")
    fi
    if [ "$f" -gt 0 ]; then
        echo "---- last lines of $log" >&2
        tail -n 30 "$log" | sed 's/^/    | /' >&2
        echo "----" >&2
    fi
    echo "   ($((SECONDS-start))s)" >&2
    npass=$((npass+p)); nfail=$((nfail+f)); nskip=$((nskip+s))
}

# run_variant VARIANT SELECT: every test file of the variant; SELECT is all, own (only the files
# marked `lane: own`) or rest (all but those).
run_variant() {
    local variant=$1 select=$2 out f
    case "$variant" in
    plain) out=build ;;
    asan) out=build-asan ;;
    arm64) out=build-arm64 ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
    esac
    if [ ! -d "$out/bin" ]; then
        echo "FAIL [$variant] build: $out/bin missing (run make all / make asan)"
        nfail=$((nfail+1)); failed_names+=("[$variant] build: $out/bin missing"); return
    fi
    if [ "$select" != own ]; then
        for f in "$out"/tests/test_*; do
            [ -x "$f" ] || continue
            [ -z "$filter" ] || [[ "$f" == *"$filter"* ]] || continue
            run_file "$variant" "$out" "$f"
        done
    fi
    for f in tests/integration/*.sh tests/integration/*.py; do
        [ -f "$f" ] || continue
        [ -z "$filter" ] || [[ "$f" == *"$filter"* ]] || continue
        if [ "$select" != all ]; then
            local own=0
            [ "$(header_value "$f" lane)" = own ] && own=1
            { [ "$select" = own ] && [ $own = 0 ]; } && continue
            { [ "$select" = rest ] && [ $own = 1 ]; } && continue
        fi
        run_file "$variant" "$out" "$f"
    done
}

# A lane in the background: its counts and failures come back through files.
LANE_DIR=""
start_lane() { # NAME VARIANT SELECT
    (
        npass=0 nfail=0 nskip=0 failed_names=()
        run_variant "$2" "$3"
        echo "$npass $nfail $nskip" >"$LANE_DIR/$1.counts"
        [ ${#failed_names[@]} -eq 0 ] || printf '%s\n' "${failed_names[@]}" >"$LANE_DIR/$1.failed"
    ) &
}

start_s=$SECONDS
if [ "$lanes" -gt 1 ]; then
    LANE_DIR=$(mktemp -d /tmp/tartan-lanes.XXXXXX)
    start_lane own plain own
    own_pid=$!
    start_lane asan asan all
    asan_pid=$!
    run_variant plain rest
    # (a lane that ended long ago may have left bash's table of finished children, and wait
    # then says "not a child": its counts file is what tells how it went)
    wait "$asan_pid" "$own_pid" 2>/dev/null
    for l in own asan; do
        if [ -f "$LANE_DIR/$l.counts" ]; then
            read -r p f s <"$LANE_DIR/$l.counts"
            npass=$((npass+p)); nfail=$((nfail+f)); nskip=$((nskip+s))
        else
            nfail=$((nfail+1)); failed_names+=("lane $l: ended without its counts")
        fi
        [ -f "$LANE_DIR/$l.failed" ] && mapfile -t -O "${#failed_names[@]}" failed_names <"$LANE_DIR/$l.failed"
    done
    rm -rf "$LANE_DIR"
else
    for variant in "${variants[@]}"; do
        run_variant "$variant" all
    done
fi
echo "   (suite: $(( (SECONDS-start_s) / 60 )) min $(( (SECONDS-start_s) % 60 )) s)" >&2

if [ ${#failed_names[@]} -gt 0 ]; then
    echo
    echo "Failures:"
    printf '  %s\n' "${failed_names[@]}"
fi
echo
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
