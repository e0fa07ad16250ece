#!/usr/bin/env bash
# Benchmark of hostile input sizes (not a timed test): builds inputs that
# were quadratic once (issue 14, item 9) at a size and at twice that size,
# runs the release binary on each and prints the seconds and the ratio. A
# linear or n log n cost shows a ratio near 2; a quadratic one near 4.
#
#   scripts/bench-hostile.sh            # the issue's sizes (about 1 MB inputs)
#   scripts/bench-hostile.sh 0.25       # a quarter of them
#   SHIPCHECK=path/to/shipcheck scripts/bench-hostile.sh   # another build
#
# Needs git (fast-import builds the repositories) and awk.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
bin="${SHIPCHECK:-}"
if [ -z "$bin" ]; then
  cargo build --release --locked --quiet --bin shipcheck
  bin="$PWD/target/release/shipcheck"
fi
out="${TMPDIR:-/tmp}/shipcheck-bench-hostile"
rm -rf "$out"
mkdir -p "$out"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

n_of() { awk -v b="$1" -v s="$scale" 'BEGIN { printf "%d", b * s }'; }

# A repository with two commits, c1 then c2; c2's message is the file $2.
# The changelog file $3 (optional) is committed in c2 as CHANGELOG.md.
repo() {
  local dir=$1 msg=$2 changelog=${3:-}
  rm -rf "$dir"
  git init -q -b main "$dir"
  {
    printf 'blob\nmark :1\ndata 2\na\n'
    printf 'blob\nmark :2\ndata 2\nb\n'
    printf 'commit refs/heads/main\nmark :10\ncommitter D <d@e> 1672650000 +0000\ndata 7\nAPP-1 x\n'
    printf 'M 100644 :1 app/a\n'
    if [ -n "$changelog" ]; then
      printf 'blob\nmark :3\ndata %d\n' "$(wc -c <"$changelog")"
      cat "$changelog"
    fi
    printf 'commit refs/heads/main\nmark :11\ncommitter D <d@e> 1672660000 +0000\ndata %d\n' "$(wc -c <"$msg")"
    cat "$msg"
    printf 'from :10\nM 100644 :2 app/a\n'
    [ -z "$changelog" ] || printf 'M 100644 :3 CHANGELOG.md\n'
  } | git -C "$dir" fast-import --quiet
  git -C "$dir" rev-parse main~1 main
}

# Seconds (wall clock) of one run; the exit code 0, 1 (findings) is fine.
timed() {
  local start end rc=0
  start=$(date +%s.%N)
  "$@" >"$out/last.out" 2>"$out/last.err" || rc=$?
  end=$(date +%s.%N)
  if [ "$rc" -gt 1 ]; then
    echo "exit $rc: $(head -c 300 "$out/last.err")" >&2
  fi
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

# case NAME BASE_SIZE UNIT: runs make_NAME SIZE for SIZE and 2*SIZE.
case_() {
  local name=$1 base=$2 unit=$3 n t1 t2
  if [ -n "${only:-}" ] && [ "$only" != "$name" ]; then return; fi
  n=$(n_of "$base")
  t1=$("make_$name" "$n")
  t2=$("make_$name" $((n * 2)))
  printf '%-34s %9d %-8s %7ss   x2: %7ss   ratio %s\n' "$name" "$n" "$unit" "$t1" "$t2" \
    "$(awk -v a="$t1" -v b="$t2" 'BEGIN { if (a > 0.05) printf "%.1f", b / a; else print "-" }')"
}

# A commit message of N distinct change IDs (about 10 bytes each).
make_message_ids() {
  local n=$1 d="$out/msg$1"
  mkdir -p "$d"
  awk -v n="$n" 'BEGIN { print "APP-2: many ids\n"; for (i = 1; i <= n; i++) printf "AB-%d%s", i, (i % 10 ? " " : "\n") }' >"$d/msg"
  local shas c1 c2
  shas=$(repo "$d/repo" "$d/msg")
  c1=${shas%%$'\n'*}
  c2=${shas##*$'\n'}
  printf '{"id": "a", "commit": "%s", "deployed_at": "2023-01-02T12:00:00Z"}\n{"id": "b", "commit": "%s", "deployed_at": "2023-01-03T12:00:00Z", "changes": ["APP-2"]}\n' \
    "$c1" "$c2" >"$d/log.jsonl"
  timed "$bin" --repo "$d/repo" --format json audit --records "$d/log.jsonl"
}

# One record claiming N changes (none of them shipped).
make_record_claims() {
  local n=$1 d="$out/claims$1"
  mkdir -p "$d"
  printf 'APP-2: two\n' >"$d/msg"
  local shas c1 c2
  shas=$(repo "$d/repo" "$d/msg")
  c1=${shas%%$'\n'*}
  c2=${shas##*$'\n'}
  {
    printf '{"id": "a", "commit": "%s", "deployed_at": "2023-01-02T12:00:00Z"}\n' "$c1"
    printf '{"id": "b", "commit": "%s", "deployed_at": "2023-01-03T12:00:00Z", "changes": ["APP-2"' "$c2"
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf ", \"CL-%d\"", i }'
    printf ']}\n'
  } >"$d/log.jsonl"
  timed "$bin" --repo "$d/repo" --format json audit --records "$d/log.jsonl"
}

# A changelog whose one section is N pull-request URLs (about 35 bytes each).
make_changelog_urls() {
  local n=$1 d="$out/changelog$1"
  mkdir -p "$d"
  {
    printf '# Changelog\n\n## 1.0.0 - 2023-01-03\n\n'
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "https://github.com/o/r/pull/%d\n", i }'
  } >"$d/CHANGELOG.md"
  printf 'APP-2: two\n' >"$d/msg"
  repo "$d/repo" "$d/msg" "$d/CHANGELOG.md" >/dev/null
  git -C "$d/repo" tag v1.0.0 main
  # From $d: the changelog is read from that folder's CHANGELOG.md.
  (cd "$d" && timed "$bin" --repo "$d/repo" --format json audit --records changelog:CHANGELOG.md)
}

# A changelog of N sections (1.0.1 ... 1.0.N), each claiming one number,
# and a tag for each section's version on c2.
make_changelog_sections() {
  local n=$1 d="$out/sections$1"
  mkdir -p "$d"
  {
    printf '# Changelog\n\n'
    awk -v n="$n" 'BEGIN { for (i = n; i >= 1; i--) printf "## 1.0.%d - 2023-01-03\n\n- fix (#%d)\n\n", i, i }'
  } >"$d/CHANGELOG.md"
  printf 'APP-2: two\n' >"$d/msg"
  repo "$d/repo" "$d/msg" "$d/CHANGELOG.md" >/dev/null
  awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "reset refs/tags/v1.0.%d\nfrom refs/heads/main\n\n", i }' |
    git -C "$d/repo" fast-import --quiet
  (cd "$d" && timed "$bin" --repo "$d/repo" --format json audit --records changelog:CHANGELOG.md)
}

# N tags on c2, read as a release history (`tags:*`).
make_tags() {
  local n=$1 d="$out/tags$1"
  mkdir -p "$d"
  printf 'APP-2: two\n' >"$d/msg"
  repo "$d/repo" "$d/msg" >/dev/null
  awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "reset refs/tags/v1.%d.0\nfrom refs/heads/main\n\n", i }' |
    git -C "$d/repo" fast-import --quiet
  timed "$bin" --repo "$d/repo" --format json audit --records 'tags:*'
}

# N records (each at the same two commits) rendered as text, and as json.
make_records() {
  local n=$1 d="$out/records$1"
  mkdir -p "$d"
  printf 'APP-2: two\n' >"$d/msg"
  local shas c1 c2
  shas=$(repo "$d/repo" "$d/msg")
  c1=${shas%%$'\n'*}
  c2=${shas##*$'\n'}
  awk -v n="$n" -v c1="$c1" -v c2="$c2" 'BEGIN {
    for (i = 1; i <= n; i++)
      printf "{\"id\": \"r%d\", \"commit\": \"%s\", \"changes\": [\"APP-%d\"]}\n", i, (i % 2 ? c1 : c2), i
  }' >"$d/log.jsonl"
  timed "$bin" --repo "$d/repo" --format "$FORMAT" audit --records "$d/log.jsonl"
}
make_records_text() { FORMAT=text make_records "$1"; }
make_records_json() { FORMAT=json make_records "$1"; }
make_records_markdown() { FORMAT=markdown make_records "$1"; }
make_records_github() { FORMAT=github make_records "$1"; }

echo "shipcheck: $bin"
printf '%-34s %9s %-8s %8s   %11s   %s\n' case size unit time "at 2x size" ratio
only="${ONLY:-}"   # ONLY=name runs one case
case_ message_ids 100000 ids
case_ record_claims 200000 claims
case_ changelog_urls 80000 urls
case_ changelog_sections 20000 sections
case_ tags 20000 tags
case_ records_text 100000 records
case_ records_json 100000 records
case_ records_markdown 100000 records
case_ records_github 100000 records
