#!/usr/bin/env bash
# Runs the operations side's fuzzers (built by `make fuzz` into build-fuzz/fuzz/) for a bounded
# time each: the webserver's request parser (fuzz_engine_httpreq: whatever arrives on port 8765,
# the verdict is a documented one and an accepted path is short visible ASCII) and the parser of
# logshipper's status records (fuzz_engine_shipstatus: parse, format, parse gives the same
# record). Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir

corpus="$TT_TMP/corpus_http"
mkdir -p "$corpus"
printf 'GET /healthz HTTP/1.1\r\nHost: 10.0.0.1:8765\r\nUser-Agent: kube-probe/1.29\r\n\r\n' >"$corpus/probe"
printf 'GET /healthz?x=1 HTTP/1.0\n\n' >"$corpus/lf"
printf 'POST /healthz HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc' >"$corpus/post"
printf 'GET /a HTTP/1.1\r\nX: a\r\n b\r\nTransfer-Encoding: chunked\r\n\r\n' >"$corpus/fold"
tt_fuzz fuzz_engine_httpreq "${TT_FUZZ_SECONDS:-12}" "$corpus"

corpus="$TT_TMP/corpus_ship"
mkdir -p "$corpus"
printf '{"v":1,"read":120,"delivered":100,"rejected":2,"dropped":3,"undelivered":15,"retries":7,"batches":9,"queued":15,"failing_ms":4200,"last_ok_ms":5000,"last_error":"ThrottlingException","final":true}\n' >"$corpus/rec"
printf '{"v":1,"read":0,"delivered":0,"rejected":0,"dropped":0,"undelivered":0,"retries":0,"batches":0,"queued":0,"failing_ms":0,"last_ok_ms":-1,"last_error":"","final":false}' >"$corpus/zero"
tt_fuzz fuzz_engine_shipstatus "${TT_FUZZ_SECONDS:-6}" "$corpus"
