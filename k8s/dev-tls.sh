#!/usr/bin/env bash
# k8s/dev-tls.sh <namespace> — prints a Secret amber-tls (tls.crt, tls.key, ca.crt) for a development cluster: a
# throwaway CA and one certificate it signed, shared by silos and workers. Nothing is written to disk outside a temp
# folder that is removed. Production: issue certificates from your own CA (cert-manager, Key Vault) into the same keys.
#   k8s/dev-tls.sh amber-dev | kubectl apply -f -
set -euo pipefail
ns=${1:?usage: k8s/dev-tls.sh <namespace>}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=amber-dev-ca" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=amber" -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,clientAuth\n' > "$dir/ext"
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 30 -extfile "$dir/ext" -out "$dir/tls.crt" 2>/dev/null
kubectl create secret generic amber-tls -n "$ns" --dry-run=client -o yaml \
  --from-file=tls.crt="$dir/tls.crt" --from-file=tls.key="$dir/tls.key" --from-file=ca.crt="$dir/ca.crt"
