#!/usr/bin/env bash
# ./bench.sh features [utterances] — built-in feature extraction: `amber features extract` (C#, all cores) against a
# vectorized numpy/scipy implementation of the same descriptors (one process), on the same synthetic corpus.
# Last line: "features: utterances=N wall_s=… ours_s=… ours_utt_per_s=… reference_s=… ratio=<ours_s/reference_s> …".
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1500}
work=$(mktemp -d /tmp/amber-bench-features.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build src/Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
amber="dotnet src/Cli/bin/Release/net10.0/amber.dll"
$amber data synth --out "$work/corpus" --utterances "$n" --seed 1 | tail -1
start=$(date +%s.%N)
$amber features extract --corpus "$work/corpus" --out "$work/store" --prefix features/bench | tee "$work/ours.txt"
end=$(date +%s.%N)
wall_s=$(echo "$end - $start" | bc -l)
# Ratio uses the extraction time the command reports (corpus load + wav reading + features), like the reference's timing;
# wall_s adds .NET start-up and writing the shards.
ours_s=$(grep -E "^[0-9]+ utterances \(" "$work/ours.txt" | sed -E 's/.* in ([0-9.]+) s = .*/\1/')
kept=$(grep -E "^[0-9]+ utterances \(" "$work/ours.txt" | awk '{print $1}')
# The manifest lists the kept utterances in row order; the reference reads the same wavs in that order.
/usr/bin/python3 - "$work" <<'PY' > "$work/wavs.txt"
import json, sys, glob, os
work = sys.argv[1]
m = json.load(open(f"{work}/store/features/bench/manifest.json"))
paths = {os.path.basename(p)[:-4]: p for p in glob.glob(f"{work}/corpus/IEMOCAP_full_release/Session*/sentences/wav/*/*.wav")}
print("\n".join(paths[i] for i in m["ids"]))
PY
ref=$(/usr/bin/python3 bench/reference/features_reference.py "$work/store/features/bench/manifest.json" "$work/store" "$work/wavs.txt")
echo "reference: $ref"
ref_s=$(echo "$ref" | sed -E 's/.*reference_s=([0-9.]+).*/\1/')
diff=$(echo "$ref" | sed -E 's/.*max_abs_diff=([0-9.e+-]+).*/\1/')
printf 'features: utterances=%s cores=%s wall_s=%.2f ours_s=%.2f ours_utt_per_s=%.0f reference_s=%.2f mfcc_energy_max_abs_diff=%s ratio=%.3f\n' \
  "$kept" "$(nproc)" "$wall_s" "$ours_s" "$(echo "$kept / $ours_s" | bc -l)" "$ref_s" "$diff" "$(echo "$ours_s / $ref_s" | bc -l)"
