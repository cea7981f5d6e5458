#!/usr/bin/env bash
# ./bench.sh <name> [options] — runs one benchmark: this project's side and its reference side by side, in one invocation.
# Each benchmark is bench/run-<name>.sh; its last line is "<name>: key=value … ratio=<ours/reference>".
set -euo pipefail
cd "$(dirname "$0")"
name=${1:-}
if [ -z "$name" ] || [ ! -f "bench/run-$name.sh" ]; then
  echo "usage: ./bench.sh <$(ls bench/run-*.sh 2>/dev/null | sed 's#bench/run-##; s#\.sh$##' | paste -sd '|')> [options]" >&2
  exit 2
fi
shift
exec bash "bench/run-$name.sh" "$@"
