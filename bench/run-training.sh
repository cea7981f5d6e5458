#!/usr/bin/env bash
# ./bench.sh training — the C# engine and the PyTorch reference on the same workload, in one invocation:
# N = 5,531, Da = 1024, Dt = 768, H = 256, C = 4, batch 32, AdamW, amber2, 10 epochs on random data.
# PyTorch's time is the better of its 1- and 2-thread runs; the C# side likewise tries 1 and 2 OpenBLAS threads.
# Last line: training: csharp_s_per_epoch=<x> torch_s_per_epoch=<y> ratio=<x/y> gflops=<z> sgemm_limit_gflops=<w>
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=10
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

py=/usr/bin/python3
if ! "$py" -c "import torch" 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ]; then
  echo "installing python3-torch and libopenblas0-pthread (apt)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq python3-torch python3-numpy libopenblas0-pthread >/dev/null
fi

dotnet build bench/Amber.Bench -c Release -v quiet -nologo >/dev/null
csharp_out=$(dotnet bench/Amber.Bench/bin/Release/net10.0/amber-bench.dll training --epochs "$epochs" "${extra[@]}")
echo "$csharp_out"
csharp_line=$(echo "$csharp_out" | grep '^csharp_s_per_epoch=')
value() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
csharp=$(value "$csharp_line" csharp_s_per_epoch)
gflops=$(value "$csharp_line" gflops)
limit=$(value "$csharp_line" sgemm_limit_gflops)

torch=""
for threads in 1 2; do
  # A thread count whose first two epochs are already 3x slower than the best so far cannot win: it stops early.
  give_up=0; [ -n "$torch" ] && give_up=$(awk "BEGIN{print 3 * $torch}")
  line=$(cd bench/reference && OMP_NUM_THREADS=$threads "$py" bench_torch.py --threads "$threads" --epochs "$epochs" --give-up-above "$give_up")
  echo "torch: $line"
  t=$(value "$line" torch_s_per_epoch)
  if [ -z "$torch" ] || awk "BEGIN{exit !($t < $torch)}"; then torch=$t; fi
done

ratio=$(awk "BEGIN{printf \"%.3f\", $csharp / $torch}")
echo "training: csharp_s_per_epoch=$csharp torch_s_per_epoch=$torch ratio=$ratio gflops=$gflops sgemm_limit_gflops=$limit"
