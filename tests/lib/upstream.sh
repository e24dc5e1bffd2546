#!/bin/sh
# The upstream files the tests need (Falco's falco_rules.yaml, the event-generator specs), found
# the same way by every test, shell, Python or C:
#
#   tests/lib/upstream.sh NAME      NAME from docker/upstream.list, e.g. falco-rules/falco_rules.yaml,
#                                   or a directory of entries (falco-evtgen-suite)
#
# Looks in $TT_SHARED (default ../shared beside the repository), then in build/upstream/ (earlier
# downloads), then downloads the pinned release; every copy is checked against its SHA-256
# (docker/fetch-upstream.sh). Prints the path on stdout and exits 0; otherwise exits 1 with one
# line on stdout saying why and exactly how to provide the file. Tests turn that line into a FAIL:
# without the files they fail, they never pass or skip silently.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME=${1:?usage: tests/lib/upstream.sh NAME}
SHARED=${TT_SHARED:-$ROOT/../shared}
CACHE=${TT_UPSTREAM_CACHE:-$ROOT/build/upstream}
# A checked copy already in place (../shared, an earlier download) is used where it is: nothing
# is written (the repository may be read-only, as in the arm64 test VM).
# A copy in $SHARED that is not the pinned one is reported below, never passed over.
for dir in "$SHARED" "$CACHE"; do
    [ -e "$dir/$NAME" ] || continue
    if sh "$ROOT/docker/fetch-upstream.sh" --check "$NAME" "$dir/$NAME"; then
        echo "$dir/$NAME"
        exit 0
    fi
    [ "$dir" != "$SHARED" ] || break
done
# A failed attempt is remembered for 10 minutes, so that a test run without network access
# does not wait for the same download in every test.
mark="$CACHE/$NAME.unavailable"
if [ -f "$mark" ] && [ -n "$(find "$mark" -mmin -10 2>/dev/null)" ] && [ ! -e "$SHARED/$NAME" ]; then
    cat "$mark"
    exit 1
fi
# A directory of entries is the pinned files only: anything else in the cache goes.
if [ -d "$CACHE/$NAME" ]; then
    for f in "$CACHE/$NAME"/* "$CACHE/$NAME"/.[!.]*; do
        [ -e "$f" ] || continue
        awk -v n="$NAME/$(basename "$f")" '$1 == n { found = 1 } END { exit !found }' \
            "$ROOT/docker/upstream.list" || rm -rf "$f"
    done
fi
hint="and put it at $SHARED/$NAME (or set TT_SHARED to a directory holding $NAME); with network access the tests download it into $CACHE themselves"
if out=$(FETCH_UPSTREAM_HINT=$hint sh "$ROOT/docker/fetch-upstream.sh" "$NAME" "$CACHE/$NAME" "$SHARED" "$CACHE" 2>&1 >/dev/null); then
    rm -f "$mark"
    echo "$CACHE/$NAME"
    exit 0
fi
msg=$(printf '%s\n' "$out" | sed 's/^fetch-upstream: //' | head -n 3 | tr '\n' ' ' | sed 's/ $//')
[ "${FETCH_UPSTREAM_OFFLINE:-0}" = 1 ] || { mkdir -p "$(dirname "$mark")" && printf '%s\n' "$msg" >"$mark"; }
printf '%s\n' "$msg"
exit 1
