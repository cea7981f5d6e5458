#!/usr/bin/env bash
# k8s/check.sh — every overlay renders (kubectl kustomize), every object validates against the Kubernetes JSON schemas,
# and the project's policies hold (tests/tools/validate-k8s.mjs: probes, requests/limits, non-root, pinned images,
# secrets only from Secrets, >= 2 silos with a PodDisruptionBudget and the RBAC Orleans needs). test.sh runs it.
# Needs kubectl with its built-in kustomize (v5; Debian 12's kubernetes-client 1.20 is too old to render these overlays,
# so it is not installed by scripts/test-services.sh) and the test tools (amber_install_npm). Exit 1 on any problem.
set -euo pipefail
command -v kubectl >/dev/null || { echo "k8s/check.sh: kubectl not found (install a recent kubectl to render the overlays)"; exit 1; }
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
