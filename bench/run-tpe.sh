#!/usr/bin/env bash
# ./bench.sh tpe [--seeds N] [--trials N] [--history N] [--asks N] — our TPE sampler against Optuna's TPESampler (Debian's
# python3-optuna 3.1), in the same invocation: sphere (5-d), Rosenbrock (4-d), Branin, Hartmann-6 and a mixed
# categorical/log-uniform/int/uniform function, each minimised with the same budget (default 100 trials) over N seeds
# (default 20), uniform random search alongside; the mean best value per function decides a win (ours <= Optuna's).
# Then the latency of one suggestion with H finished trials (default 10,000; p99 over A asks, default 200 ours, at most 20 of Optuna's, which take seconds each).
# Last line: tpe: wins=<k>/<n> vs_random=<k>/<n> p99_ms=<ours> optuna_p99_ms=<theirs> ratio=<ours/optuna latency>
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seeds=20 trials=100 history=10000 asks=200
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --history) history=$2; shift 2 ;;
    --asks) asks=$2; shift 2 ;;
    *) echo "unknown option $1; expected --seeds N, --trials N, --history N, --asks N" >&2; exit 2 ;;
  esac
done
if ! /usr/bin/python3 -c 'import optuna' 2>/dev/null; then
  export AMBER_APT_PACKAGES="python3-optuna"
  # shellcheck source=scripts/test-services.sh
  source scripts/test-services.sh
  amber_install_apt
fi
dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
out=$(mktemp /tmp/amber-bench-tpe.XXXXXX)
bench/Amber.Bench/bin/Release/net10.0/amber-bench tpe --seeds "$seeds" --trials "$trials" --history "$history" --asks "$asks" > "$out"
grep '^tpe-latency' "$out"
optuna_asks=$(( asks < 20 ? asks : 20 ))   # each of its asks takes seconds at 10,000 trials
/usr/bin/python3 bench/reference/optuna_tpe.py "$seeds" "$trials" "$history" "$optuna_asks" >> "$out"
grep '^tpe-latency sampler=optuna' "$out"
/usr/bin/python3 bench/reference/tpe_compare.py < "$out"
rm -f "$out"
