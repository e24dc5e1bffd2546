#!/usr/bin/env bash
# Benchmark dispatcher (make bench): runs every bench/*.sh other than itself and prints its
# output. Benchmarks print figures side by side with a baseline; they never pass or fail.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TT_ROOT="$ROOT" TT_BIN="${TT_BIN:-$ROOT/build/bin}" TT_HELPERS="${TT_HELPERS:-$ROOT/build/helpers}"
export TT_SHARED="${TT_SHARED:-$ROOT/../shared}"
for b in "$ROOT"/bench/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    echo "== $(basename "$b")"
    bash "$b" || echo "   ($(basename "$b") exited with status $?)"
    echo
done
