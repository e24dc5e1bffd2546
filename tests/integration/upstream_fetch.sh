#!/usr/bin/env bash
# docker/fetch-upstream.sh and tests/lib/upstream.sh, the way the image build and the tests get
# Falco's falco_rules.yaml: a local copy is used only with the pinned SHA-256, a wrong one is
# refused with both checksums; downloads go through a loopback HTTP server standing in for the
# release sites (the release artifact .tar.gz with its own checksum, then the raw file as a
# mirror); without a copy and without network the message says exactly how to provide it.
# variants: plain
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
fetch="$TT_ROOT/docker/fetch-upstream.sh"
name=falco-rules/falco_rules.yaml
sha=$(awk -v n="$name" '$1 == n { print $2; exit }' "$TT_ROOT/docker/upstream.list")

if ! tt_upstream "$name"; then
    fail upstream-helper-finds-rules "$TT_UPSTREAM"
    exit 0
fi
rules=$TT_UPSTREAM
expect_eq upstream-helper-checksum "$(sha256sum <"$rules" | cut -c1-64)" "$sha"

# --- local copies
mkdir -p "$TT_TMP/good" "$TT_TMP/bad"
cp "$rules" "$TT_TMP/good/falco_rules.yaml"
printf -- '- rule: not the upstream rules\n' >"$TT_TMP/bad/falco_rules.yaml"
out=$(FETCH_UPSTREAM_OFFLINE=1 sh "$fetch" "$name" "$TT_TMP/out1.yaml" "$TT_TMP/good" 2>&1)
if [ $? -eq 0 ] && cmp -s "$rules" "$TT_TMP/out1.yaml"; then
    pass local-copy-with-pinned-checksum
else
    fail local-copy-with-pinned-checksum "$out"
fi
badsha=$(sha256sum <"$TT_TMP/bad/falco_rules.yaml" | cut -c1-64)
out=$(sh "$fetch" "$name" "$TT_TMP/out2.yaml" "$TT_TMP/bad" "$TT_TMP/good" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [ ! -e "$TT_TMP/out2.yaml" ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
    [[ "$out" == *"$TT_TMP/bad/falco_rules.yaml is not the pinned"* ]] &&
    [[ "$out" == *"$badsha"* ]] && [[ "$out" == *"$sha"* ]]; then
    pass local-copy-wrong-checksum-refused
else
    fail local-copy-wrong-checksum-refused "rc=$rc: $out"
fi

# --- no copy, no network: what to do
out=$(FETCH_UPSTREAM_OFFLINE=1 sh "$fetch" "$name" "$TT_TMP/out3.yaml" "$TT_TMP/none" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"https://download.falco.org/rules/falco-rules-5.1.0.tar.gz"* ]] &&
    [[ "$out" == *"$sha"* ]]; then
    pass no-copy-says-where-to-download
else
    fail no-copy-says-where-to-download "rc=$rc: $out"
fi
out=$(TT_SHARED="$TT_TMP/none" TT_UPSTREAM_CACHE="$TT_TMP/cache" FETCH_UPSTREAM_OFFLINE=1 \
    sh "$TT_ROOT/tests/lib/upstream.sh" "$name")
rc=$?
if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
    [[ "$out" == *"put it at $TT_TMP/none/$name"* ]] && [[ "$out" == *"set TT_SHARED"* ]]; then
    pass test-helper-says-how-to-provide
else
    fail test-helper-says-how-to-provide "rc=$rc: $out"
fi

# The test helper uses a checked copy where it is (a read-only ../shared works), and reports a
# copy there that is not the pinned one instead of passing over it.
mkdir -p "$TT_TMP/shared/falco-rules" "$TT_TMP/wrongshared/falco-rules"
cp "$rules" "$TT_TMP/shared/falco-rules/"
cp "$TT_TMP/bad/falco_rules.yaml" "$TT_TMP/wrongshared/falco-rules/"
chmod -R a-w "$TT_TMP/shared"
out=$(TT_SHARED="$TT_TMP/shared" TT_UPSTREAM_CACHE="$TT_TMP/cache2" sh "$TT_ROOT/tests/lib/upstream.sh" "$name")
expect_eq test-helper-uses-shared-in-place "$out $(ls "$TT_TMP/cache2" 2>/dev/null | wc -l)" \
    "$TT_TMP/shared/$name 0"
chmod -R u+w "$TT_TMP/shared"
out=$(TT_SHARED="$TT_TMP/wrongshared" TT_UPSTREAM_CACHE="$TT_TMP/good-cache" sh "$TT_ROOT/tests/lib/upstream.sh" "$name")
rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"wrongshared/falco-rules/falco_rules.yaml is not the pinned"* ]]; then
    pass test-helper-reports-wrong-shared-copy
else
    fail test-helper-reports-wrong-shared-copy "rc=$rc: $out"
fi
sh "$fetch" --check "$name" "$rules" && ! sh "$fetch" --check "$name" "$TT_TMP/bad/falco_rules.yaml" &&
    pass check-mode || fail check-mode "fetch-upstream.sh --check does not tell the pinned file from another"

# --- downloads, from a loopback server standing in for the release sites
mkdir -p "$TT_TMP/www"
cp "$rules" "$TT_TMP/www/falco_rules.yaml"
tar -C "$TT_TMP/www" -czf "$TT_TMP/www/falco-rules-5.1.0.tar.gz" falco_rules.yaml
printf -- '- list: tampered\n  items: []\n' | cat - "$rules" >"$TT_TMP/www/tampered.yaml"
tar -C "$TT_TMP/www" -czf "$TT_TMP/www/tampered.tar.gz" --transform 's/tampered.yaml/falco_rules.yaml/' tampered.yaml
asha=$(sha256sum <"$TT_TMP/www/falco-rules-5.1.0.tar.gz" | cut -c1-64)
tsha=$(sha256sum <"$TT_TMP/www/tampered.tar.gz" | cut -c1-64)
python3 -m http.server --bind 127.0.0.1 --directory "$TT_TMP/www" 0 >"$TT_TMP/http.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$TT_TMP"' EXIT
wait_for 10 grep -q 'Serving HTTP' "$TT_TMP/http.log"
port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TT_TMP/http.log" | head -n 1)
u="http://127.0.0.1:$port"
list() { # lines "name sha source"
    printf '%s\n' "$@" >"$TT_TMP/list"
    echo "$TT_TMP/list"
}
dl() { # dest, then list lines
    local dest=$1; shift
    FETCH_UPSTREAM_LIST=$(list "$@") sh "$fetch" "$name" "$dest" 2>&1
}
out=$(dl "$TT_TMP/d1.yaml" "$name $sha $u/falco-rules-5.1.0.tar.gz#falco_rules.yaml@$asha")
if [ $? -eq 0 ] && cmp -s "$rules" "$TT_TMP/d1.yaml"; then
    pass download-release-artifact
else
    fail download-release-artifact "$out"
fi
# an archive with another checksum is refused before anything is extracted
out=$(dl "$TT_TMP/d2.yaml" "$name $sha $u/falco-rules-5.1.0.tar.gz#falco_rules.yaml@$tsha")
rc=$?
if [ $rc -ne 0 ] && [ ! -e "$TT_TMP/d2.yaml" ] && [[ "$out" == *"archive SHA-256 $asha"* ]]; then
    pass download-archive-checksum-checked
else
    fail download-archive-checksum-checked "rc=$rc: $out"
fi
# an archive whose checksum is the pinned one but whose member is not (pin written for it)
out=$(dl "$TT_TMP/d3.yaml" "$name $sha $u/tampered.tar.gz#falco_rules.yaml@$tsha")
rc=$?
if [ $rc -ne 0 ] && [ ! -e "$TT_TMP/d3.yaml" ] && [[ "$out" == *"downloaded file has SHA-256"* ]]; then
    pass download-file-checksum-checked
else
    fail download-file-checksum-checked "rc=$rc: $out"
fi
# mirrors: a missing artifact, then a tampered raw file, then the right one
out=$(dl "$TT_TMP/d4.yaml" "$name $sha $u/missing.tar.gz#falco_rules.yaml@$asha" \
    "$name $sha $u/tampered.yaml" "$name $sha $u/falco_rules.yaml")
if [ $? -eq 0 ] && cmp -s "$rules" "$TT_TMP/d4.yaml" && [ -z "$(ls "$TT_TMP" | grep -E '\.part\.')" ]; then
    pass download-mirrors-in-order
else
    fail download-mirrors-in-order "$out"
fi
grep -q 'GET /falco_rules.yaml' "$TT_TMP/http.log" && pass download-reached-last-mirror ||
    fail download-reached-last-mirror "$(tail -n 3 "$TT_TMP/http.log")"
exit 0
