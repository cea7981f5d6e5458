#!/usr/bin/env bash
# ./bench.sh dashboard [--trials N] [--rounds R] — the dashboard at scale: seeds a store with one finished sweep of
# N trials × 5 folds (default 10,000 trials, 50,000 runs, 36 metric rows each), serves it with `amber silo`, and times
# the pages in Debian's Chromium (Playwright): sweeps list, sweep page (trials table, comparison, parallel coordinates of
# every trial), paging and sorting the trials table, workers, submit form; R rounds each (default 20).
# Targets (issue 12): p95 page time ≤ 2 s, parallel coordinates fetched and drawn ≤ 2 s.
# Last line: dashboard: p95_page_s=… p95_parallel_s=… cold_sweep_page_s=… rounds=… ratio=<p95 page time / 2 s>
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
trials=10000 rounds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) trials=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown option $1; expected --trials N, --rounds R" >&2; exit 2 ;;
  esac
done
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
AMBER_APT_PACKAGES="chromium fonts-dejavu-core" amber_install_apt
dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build tests/Dashboard.Tests -c Release -nologo -clp:ErrorsOnly >/dev/null   # amber.dll, the dashboard, Playwright's driver

dir=$(mktemp -d /tmp/amber-bench-dashboard.XXXXXX)
silo_pid=""
cleanup() { [ -n "$silo_pid" ] && kill "$silo_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
seed=$(bench/Amber.Bench/bin/Release/net10.0/amber-bench dashboard-seed --out "$dir" --trials "$trials" | tee /dev/stderr | tail -n 1)
sweep=$(sed -E 's/.*sweep=([^ ]+).*/\1/' <<<"$seed")

port=$(amber_free_port)
token=bench-$RANDOM$RANDOM
dotnet src/Cli/bin/Release/net10.0/amber.dll silo --state "$dir/state.db" --blobs "file:$dir/blobs" \
  --urls "http://127.0.0.1:$port" --silo-port "$(amber_free_port)" --gateway-port "$(amber_free_port)" --user-token "$token" >"$dir/silo.log" 2>&1 &
silo_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
node bench/dashboard-pages.mjs "http://127.0.0.1:$port" "$token" "$sweep" "$rounds"
