#!/usr/bin/env bash
# Benchmark of the HTML report (not a timed test): builds a history of 500
# records over 40 components, renders `shipcheck --format html audit`, loads
# the page in headless Chromium (Debian's chromium) and prints the times.
#
#   scripts/bench-html.sh                # print the figures
#   scripts/bench-html.sh --screenshots  # also refresh docs/html-report-*.png
set -euo pipefail
cd "$(dirname "$0")/.."

out="${TMPDIR:-/tmp}/shipcheck-bench-html"
rm -rf "$out"
mkdir -p "$out"
SHIPCHECK_BENCH_OUT="$out/large.html" \
  cargo test --test tests -- --ignored --nocapture --exact suite::html::bench_html_large_history

if [ "${1:-}" = "--screenshots" ]; then
  chromium=/usr/bin/chromium
  [ -x "$chromium" ] || { echo "screenshots need $chromium (apt-get install chromium)" >&2; exit 2; }
  cargo run --quiet -- demo --keep "$out/incident" >/dev/null
  cargo run --quiet -- --repo "$out/incident/repo" --format html audit \
    --records "$out/incident/deploys/production.jsonl" --fail-on never >"$out/incident.html"
  shot() {
    "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --hide-scrollbars --user-data-dir="$out/profile" \
      --screenshot="$2" --window-size=1366,768 "file://$1" 2>/dev/null
  }
  shot "$out/incident.html" docs/html-report-incident.png
  shot "$out/large.html" docs/html-report-large.png
  echo "wrote docs/html-report-incident.png and docs/html-report-large.png"
fi
