#!/usr/bin/env bash
# ./bench.sh scheduler [--runs N] [--workers N] — 10,000 no-op runs through the real HTTP API (Kestrel on 127.0.0.1) and
# the real state store with 8 in-process HTTP workers, on SQLite and on PostgreSQL (a throwaway cluster is started
# when AMBER_TEST_POSTGRES is not set). The reference side is a published figure, not a live run: Ray Tune's
# amortized scheduling overhead of about 9 ms per trial (Optuna with an RDB storage: about 118 ms).
# Last line: scheduler: ms_per_run=<sqlite> metric_rows_per_s=<sqlite> ratio=<ms_per_run/9>
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
bench=bench/Amber.Bench/bin/Release/net10.0/amber-bench

if [ -z "${AMBER_TEST_POSTGRES:-}" ]; then
  # shellcheck source=scripts/test-services.sh
  source scripts/test-services.sh
  amber_install_apt
  trap amber_stop_services EXIT
  amber_start_postgres
fi

out=$(mktemp /tmp/amber-bench-scheduler.XXXXXX)
"$bench" scheduler --backend sqlite "$@" | tee "$out"
"$bench" scheduler --backend postgres "$@" | tee -a "$out"

ms=$(grep '^scheduler\[sqlite\]: runs=' "$out" | sed -E 's/.*ms_per_run=([0-9.]+).*/\1/')
rows=$(grep '^scheduler\[sqlite\]: runs=' "$out" | sed -E 's/.*metric_rows_per_s=([0-9.]+).*/\1/')
rm -f "$out"
echo "reference: Ray Tune ~9 ms per trial (published), Optuna + RDB ~118 ms per trial (published)"
echo "scheduler: ms_per_run=$ms metric_rows_per_s=$rows ratio=$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 9 }')"
