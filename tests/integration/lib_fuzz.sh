#!/usr/bin/env bash
# Runs lib/'s parser fuzz targets (built by `make fuzz` into build-fuzz/fuzz/) for a bounded time
# each: base64 as b64() and the environment configuration decode it (fuzz_lib_base64), container
# ids from cgroup text (fuzz_lib_cgroup). Any crash, leak or sanitizer report fails.
# variants: plain
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
mkdir -p "$TT_TMP/corpus_base64" "$TT_TMP/corpus_cgroup"
printf 'aGVsbG8=' >"$TT_TMP/corpus_base64/valid"
printf ' aGVs\nbG8 =' >"$TT_TMP/corpus_base64/spaced"
printf -- '-_-_' >"$TT_TMP/corpus_base64/url"
printf '0::/docker/3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e\n' \
    >"$TT_TMP/corpus_cgroup/docker"
printf '0::/ecs/8a9b0c1d2e3f40516273849506a7b8c9/8a9b0c1d2e3f40516273849506a7b8c9-1\n' \
    >"$TT_TMP/corpus_cgroup/ecs"
tt_fuzz fuzz_lib_base64 "${TT_FUZZ_SECONDS:-10}" "$TT_TMP/corpus_base64"
tt_fuzz fuzz_lib_cgroup "${TT_FUZZ_SECONDS:-10}" "$TT_TMP/corpus_cgroup"
