#!/usr/bin/env bash
# ./bench.sh allreduce [--sizes-mib 4,16,64] [--worlds 2,3,4] [--iterations 8] [--train-epochs 3] [--train-rounds 2] [--chunk-kib 256]
# The TCP ring all-reduce between W local processes against a raw TCP stream of the same bytes between two of the same
# processes, measured in the same run (the reference), then data-parallel scaling of the training benchmark's workload
# (N 5,531, Da 1024, Dt 768, H 256, batch 32, AdamW, amber2) with W = 1 and W = 2 processes pinned to one core each
# (taskset), alternating, best round of each.
# busbw = algbw · 2(W−1)/W (nccl-tests); scaling_w2 = (t1 / t2) / 2 for seconds per epoch at the same global batch.
# Last line: allreduce: busbw_64mb_gbps=<x> tcp_gbps=<y> ratio=<x/y> scaling_w2=<efficiency>
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
echo "cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
bench/Amber.Bench/bin/Release/net10.0/amber-bench allreduce "$@"
