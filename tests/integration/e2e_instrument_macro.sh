#!/usr/bin/env bash
# The CloudFormation macro's package as it is deployed: `make macro` builds instrument fully
# static for x86_64 and arm64 (Dockerfile.instrument) and zips each as an executable bootstrap;
# the x86_64 bootstrap, alone in
# a scratch image (no libc, no CA store, nothing: Lambda's provided runtimes give little more),
# answers macro requests through the Lambda runtime API (instrument_lambda.py's scenarios).
# variants: plain
# timeout: 1500
. "$(dirname "$0")/../lib/tt.sh"
. "$TT_ROOT/tests/lib/docker.sh"
tt_tmpdir
tt_docker_setup || exit 0
img=$TT_IMAGE_PREFIX-instrument-macro
if ! (cd "$TT_ROOT" && make -s macro OUT="$TT_TMP/macro" MACRO_IMAGE="$img") >"$TT_TMP/make.log" 2>&1; then
    tail -n 30 "$TT_TMP/make.log" >&2
    fail "macro-package" "make macro failed"
    exit 0
fi
mode=$(python3 -c 'import sys, zipfile; i = zipfile.ZipFile(sys.argv[1]).getinfo("bootstrap"); print(oct(i.external_attr >> 16))' \
    "$TT_TMP/macro/instrument-macro.zip")
expect_eq "macro-package-executable-bootstrap" "$mode" "0o100755"
expect_match "macro-bootstrap-static" "$(file -b "$TT_TMP/macro/bootstrap")" "x86-64.*(statically|static-pie) linked"
expect_match "macro-bootstrap-arm64-static" "$(file -b "$TT_TMP/macro/bootstrap-arm64")" "ARM aarch64.*(statically|static-pie) linked"
test -s "$TT_TMP/macro/instrument-macro-arm64.zip" && pass "macro-package-arm64" || fail "macro-package-arm64" "no instrument-macro-arm64.zip"
python3 "$TT_ROOT/tests/integration/instrument_lambda.py" --docker "$img" | sed 's/^\(PASS\|FAIL\|SKIP\) lambda-/\1 macro-image-lambda-/'
exit 0
