#!/usr/bin/env bash
# The one test command: installs what the tests need (idempotently), starts PostgreSQL and Azurite,
# builds once and runs every test project. Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
export AMBER_ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
amber_install_apt
amber_install_npm
trap amber_stop_services EXIT
amber_start_postgres
amber_start_azurite

dotnet build AmbER.Distributed.sln -c Release -nologo -clp:ErrorsOnly

log=$(mktemp /tmp/amber-test.XXXXXX.log)
status=0
# Test projects run one after another: the machine has two cores and several suites start real services.
for proj in $(find tests -name '*.Tests.csproj' | sort) ${AMBER_EXTRA_TEST_PROJECTS:-}; do
  echo "== $proj"
  dotnet test "$proj" -c Release --no-build --nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee -a "$log" || status=1
done

# Kubernetes manifests: every overlay renders and validates against the Kubernetes JSON schemas and the policies.
echo "== k8s/check.sh"
if k8s/check.sh 2>&1 | tee -a "$log"; then echo "Passed: 1 (k8s/check.sh)" | tee -a "$log"; else echo "Failed: 1 (k8s/check.sh)" | tee -a "$log"; status=1; fi

passed=$( (grep -Eo 'Passed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
failed=$( (grep -Eo 'Failed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
rm -f "$log"
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
