#!/usr/bin/env bash
# Audits tokio's own changelogs (tokio, tokio-util, tokio-macros,
# tokio-stream) against its tags and prints the findings by kind and every
# error, through scripts/eval-changelogs.sh.
#
#   scripts/eval-tokio.sh TOKIO_REPO [SHIPCHECK]
#
# TOKIO_REPO: a clone of github.com/tokio-rs/tokio with its tags (bare or
# not; the changelogs are read from HEAD). docs/evaluation.md holds the
# figures it printed at tokio ea91b33 and the verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/eval-changelogs.sh" "${1:?usage: eval-tokio.sh TOKIO_REPO [SHIPCHECK]}" "$here/eval/tokio.toml" ${2:+"$2"}
