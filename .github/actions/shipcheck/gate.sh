#!/usr/bin/env bash
# The gate step of the shipcheck action. Inputs arrive as environment
# variables (never interpolated into the script, so they cannot inject
# shell code). Runs the gate twice from the same inputs: once as Markdown
# into the step summary, once in the chosen format into the log; fails the
# step on exit 1 (findings) and exit 2 (unusable input).
set -uo pipefail

bin="${SHIPCHECK:-shipcheck}"
args=(gate --record "${INPUT_RECORD:?the record input is required}" --fail-on "${INPUT_FAIL_ON:-error}")
while IFS= read -r src; do
  src="${src#"${src%%[![:space:]]*}"}"
  src="${src%"${src##*[![:space:]]}"}"
  [ -n "$src" ] && args+=(--records "$src")
done <<< "${INPUT_RECORDS:-}"
[ -n "${INPUT_ENV:-}" ] && args+=(--env "$INPUT_ENV")
[ -n "${INPUT_BASE:-}" ] && args+=(--base "$INPUT_BASE")
[ "${INPUT_ALLOW_BASELINE:-false}" = "true" ] && args+=(--allow-baseline)

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # The summary copy must not also receive the annotation overflow.
  GITHUB_STEP_SUMMARY= "$bin" --format markdown "${args[@]}" >> "$GITHUB_STEP_SUMMARY" 2>/dev/null
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # Every finding is in the summary already: no overflow copy there.
  GITHUB_STEP_SUMMARY= "$bin" --format "${INPUT_FORMAT:-github}" "${args[@]}"
else
  "$bin" --format "${INPUT_FORMAT:-github}" "${args[@]}"
fi
code=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
fi
case "$code" in
  0) echo "shipcheck: the deploy record matches what ships." ;;
  1) echo "::error title=shipcheck::the deploy record does not match what this deploy ships (see the findings above)" ;;
  *) echo "::error title=shipcheck::shipcheck could not check the deploy (exit $code); see the error above" ;;
esac
exit "$code"
