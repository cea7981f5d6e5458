#!/usr/bin/env bash
# ./bench.sh failover [--kills N] [--lease-seconds S] — real processes on loopback: two `amber silo --cluster postgres:…`
# on a throwaway PostgreSQL, three no-op `amber worker`s. N times (default 20) a worker that just started a run is killed
# with SIGKILL; measured: the time until that run is leased again to another worker (p50, p99, max). Then a silo is
# killed with SIGKILL; measured: the time until a sample of run grains (about half lived on it) all answer from the
# survivor. The target is p99 <= 10 s (Ray: 15–50 s for a lost worker's task; Orleans' default silo detection ~15 s);
# ratio = p99 / 10 s.
# Last line: failover: kills=N lease_s=S release_p50_s=… release_p99_s=… release_max_s=… silo_grains_back_s=… ratio=…
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export AMBER_APT_PACKAGES="postgresql"
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
amber_install_apt
amber_start_postgres
trap amber_stop_services EXIT
dotnet build src/Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
bench=bench/Amber.Bench/bin/Release/net10.0/amber-bench

out=$(mktemp /tmp/amber-bench-failover.XXXXXX)
"$bench" failover --cluster "postgres:$AMBER_TEST_POSTGRES" --amber "$PWD/src/Cli/bin/Release/net10.0/amber.dll" "$@" | tee "$out"
line=$(grep '^failover\[amber\]:' "$out" | sed 's/^failover\[amber\]: //')
rm -f "$out"
p99=$(echo "$line" | sed -E 's/.*release_p99_s=([0-9.]+).*/\1/')
echo "reference: Ray 15-50 s to reschedule a lost worker's task (published); Orleans' default silo failure detection ~15 s"
echo "failover: $line ratio=$(awk -v p="$p99" 'BEGIN { printf "%.3f", p / 10 }')"
