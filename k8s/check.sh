#!/usr/bin/env bash
# k8s/check.sh — every overlay renders (kubectl kustomize), every object validates against the Kubernetes JSON schemas,
# and the project's policies hold (tests/tools/validate-k8s.mjs: probes, requests/limits, non-root, pinned images,
# secrets only from Secrets, >= 2 silos with a PodDisruptionBudget and the RBAC Orleans needs). test.sh runs it.
# Needs kubectl (Debian's package) and the test tools (amber_install_npm). Exit 1 on any problem.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${AMBER_TEST_TOOLS:-$root/tests/tools}
status=0
for overlay in "$root"/k8s/overlays/*/; do
  name=$(basename "$overlay")
  if ! rendered=$(kubectl kustomize "$overlay" 2>&1); then
    echo "$name: kubectl kustomize failed: $rendered"; status=1; continue
  fi
  (cd "$tools" && printf '%s\n' "$rendered" | node validate-k8s.mjs "$name") || status=1
done
exit $status
