#!/usr/bin/env bash
# One version for every program, from VERSION: each program's --version prints it; the engine
# reports the Falco rules engine it matches, consistently with what it accepts from rules files
# (the pinned upstream rules load, a rules file requiring a newer engine is refused);
# CHANGELOG.md has an entry for the version; LICENSE is the Apache License 2.0, verbatim.
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
v=$(tr -d ' \n' <"$TT_ROOT/VERSION")
expect_match version-file-is-semver "$v" '^[0-9]+\.[0-9]+\.[0-9]+$'
expect_eq launcher-version "$("$TT_BIN/launcher" --version)" "launcher $v"
expect_eq waitforever-version "$("$TT_BIN/waitforever" --version)" "waitforever $v"
expect_match tracer-version "$("$TT_BIN/tracer" --version)" "^tracer $v \\(Tartan; event format version [0-9]+\\)\$"
expect_match logshipper-version "$("$TT_BIN/logshipper" --version)" "^logshipper $v \\("
expect_match instrument-version "$("$TT_BIN/instrument" --version)" "^instrument $v "
text=$("$TT_BIN/engine" --version)
expect_match engine-version "$text" "^Falco version: $v \\(tartan; rules and configuration of Falco [0-9.]+\\)"
json=$("$TT_BIN/engine" --version -o json_output=true)
read -r jv semver minor <<<"$(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(j["tartan_version"], j["engine_version_semver"], j["engine_version"])' "$json")"
expect_eq engine-version-json "$jv" "$v"
expect_match engine-text-and-json-agree "$text" "Engine: +$semver\$"
expect_eq engine-version-minor-as-falco "$minor" "$(cut -d. -f2 <<<"$semver")"

# The engine version it reports is the one it checks rules against.
major=${semver%%.*} rest=${semver#*.}
min=${rest%%.*}
printf -- '- required_engine_version: %s\n' "$semver" >"$TT_TMP/same.yaml"
printf -- '- required_engine_version: %s.%s.0\n' "$major" $((min + 1)) >"$TT_TMP/newer.yaml"
"$TT_BIN/engine" -V "$TT_TMP/same.yaml" >"$TT_TMP/same.out" 2>&1
expect_eq engine-accepts-its-own-version "$?" 0
"$TT_BIN/engine" -V "$TT_TMP/newer.yaml" >"$TT_TMP/newer.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "Rules require engine version $major.$((min + 1)).0, but engine version is $semver" "$TT_TMP/newer.out"; then
    pass engine-refuses-newer-requirement
else
    fail engine-refuses-newer-requirement "rc=$rc: $(head -c 300 "$TT_TMP/newer.out")"
fi
if tt_upstream falco-rules/falco_rules.yaml; then
    req=$(sed -n 's/^- required_engine_version: *//p' "$TT_UPSTREAM" | head -n 1)
    out=$("$TT_BIN/engine" -V "$TT_UPSTREAM" 2>&1)
    expect_match upstream-rules-within-engine-version "$req $out" "^0\\.[0-9]+\\.[0-9]+ .*: Ok"
else
    fail upstream-rules-within-engine-version "$TT_UPSTREAM"
fi

grep -q "^## $v " "$TT_ROOT/CHANGELOG.md" && pass changelog-has-version ||
    fail changelog-has-version "no '## $v ' entry in CHANGELOG.md"
# The standard text, byte for byte (its published SHA-256).
expect_eq license-apache-2.0 "$(sha256sum <"$TT_ROOT/LICENSE" | cut -c1-64)" \
    cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30
