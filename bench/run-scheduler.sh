#!/usr/bin/env bash
# ./bench.sh scheduler [--runs N] [--workers N] [--epochs N] [--profile postgres] — N no-op runs (default 10,000) through
# the real path on the embedded profile (Orleans silo, grain state in SQLite, 8 worker clients through the gateway; with
# --profile postgres: the PostgreSQL cluster profile on a throwaway server), and side by side in the
# same invocation the live peer: Optuna (Debian's python3-optuna) running the same number of trivial trials from 8
# processes sharing one SQLite RDB storage, each trial reporting as many intermediate values as our runs report epochs.
# Optuna's cost per trial grows with the study (each trial reads the study's trials), so 10,000 of them take a quarter of
# an hour here; it runs min(N, 1,000) trials by default (--optuna-trials N to change), which understates its cost per
# trial at N = 10,000 and so keeps the ratio conservative. Ray Tune cannot be installed here; its published figure
# (~9 ms per trial) is printed beside.
# Last line: scheduler: ms_per_run=<ours> metric_rows_per_s=<ours> optuna_ms_per_trial=<theirs> ratio=<ours/optuna>
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export AMBER_APT_PACKAGES="python3-optuna libopenblas0-pthread"
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
amber_install_apt
dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
bench=bench/Amber.Bench/bin/Release/net10.0/amber-bench

runs=10000 workers=8 epochs=4 optuna_trials=""
ours=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; ours+=("$1" "$2"); shift 2 ;;
    --workers) workers=$2; ours+=("$1" "$2"); shift 2 ;;
    --epochs) epochs=$2; ours+=("$1" "$2"); shift 2 ;;
    --optuna-trials) optuna_trials=$2; shift 2 ;;
    # The PostgreSQL cluster profile (grain state, membership, reminders) on a throwaway server instead of SQLite.
    --profile) [ "$2" = postgres ] || { echo "--profile $2: expected postgres" >&2; exit 2; }
               AMBER_APT_PACKAGES="$AMBER_APT_PACKAGES postgresql" amber_install_apt; amber_start_postgres; trap amber_stop_services EXIT
               ours+=(--cluster "postgres:$AMBER_TEST_POSTGRES"); shift 2 ;;
    *) echo "unknown option $1; expected --runs N, --workers N, --epochs N, --optuna-trials N, --profile postgres" >&2; exit 2 ;;
  esac
done
[ -n "$optuna_trials" ] || optuna_trials=$(( runs < 1000 ? runs : 1000 ))

out=$(mktemp /tmp/amber-bench-scheduler.XXXXXX)
"$bench" scheduler "${ours[@]}" | tee "$out"
/usr/bin/python3 bench/reference/optuna_scheduler.py "$optuna_trials" "$workers" "$epochs" | tee -a "$out"

ms=$(grep '^scheduler\[' "$out" | sed -E 's/.*ms_per_run=([0-9.]+).*/\1/')
rows=$(grep '^scheduler\[' "$out" | sed -E 's/.*metric_rows_per_s=([0-9.]+).*/\1/')
optuna=$(grep '^optuna:' "$out" | sed -E 's/.*ms_per_trial=([0-9.]+).*/\1/')
rm -f "$out"
echo "reference: Ray Tune ~9 ms per trial (published; not installable here)"
echo "scheduler: ms_per_run=$ms metric_rows_per_s=$rows optuna_ms_per_trial=$optuna ratio=$(awk -v m="$ms" -v o="$optuna" 'BEGIN { printf "%.3f", m / o }')"
