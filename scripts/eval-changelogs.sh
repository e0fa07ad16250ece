#!/usr/bin/env bash
# Audits a real repository's own changelog(s) and prints the findings by kind.
#
#   scripts/eval-changelogs.sh REPO_PATH CONFIG [SHIPCHECK]
#
# REPO_PATH: a repository (bare or not) with its tags; CONFIG: a shipcheck
# configuration naming the changelog source(s), e.g.
#
#   [changes]   # changelogs that cite issues need GitHub's closing keywords
#   patterns = ['\((?P<id>#[0-9]+)\)', 'Merge pull request (?P<id>#[0-9]+)',
#               '(?i)\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\s*:?\s+(?P<id>#[0-9]+)']
#   [[records]]
#   source = "changelog:CHANGELOG.md"        # read from HEAD in a bare repository
#   release = ["v{version}", "{version}"]
#
# Prints the summary counts by kind and every error finding (one a line),
# and leaves the whole JSON report in $OUT (default: a temporary file).
set -euo pipefail
repo=${1:?usage: eval-changelogs.sh REPO_PATH CONFIG [SHIPCHECK]}
config=${2:?usage: eval-changelogs.sh REPO_PATH CONFIG [SHIPCHECK]}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${3:-$here/target/debug/shipcheck}
[ -x "$bin" ] || (cd "$here" && cargo build --quiet)
out=${OUT:-$(mktemp --suffix=.json)}
start=$(date +%s)
"$bin" --quiet --repo "$repo" --config "$config" --format json audit --fail-on never >"$out"
end=$(date +%s)
python3 - "$out" "$repo" $((end - start)) <<'PY'
import json, sys
path, repo, secs = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(path))
s = d["summary"]
print(f"{repo}: {s['records']} records, {s['errors']} errors, {s['warnings']} warnings ({secs} s)")
for kind, n in sorted(s["by_kind"].items()):
    print(f"  {kind:28} {n}")
sk = s["skipped"]
print(f"  (unclaimed in partial sources, only counted: {sk['unclaimed_in_partial_sources']})")
for f in d["findings"]:
    if f["severity"] == "error":
        print(f"  {f['record']:>12} {f['kind']:22} {f['change'] or '':8} {f['message'][:160]}")
print(f"report: {path}")
PY
