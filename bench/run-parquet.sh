#!/usr/bin/env bash
# ./bench.sh parquet [--rows N] [--codec snappy|gzip|none]: our Parquet writer vs DuckDB's COPY … TO … (FORMAT PARQUET)
# on the same 1M-row predictions table and codec, in one invocation. Last line: "parquet: … ratio=<our time/DuckDB time>".
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rows=1000000 codec=snappy
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --rows) rows=${args[$((i + 1))]} ;;
    --codec) codec=${args[$((i + 1))]} ;;
  esac
done
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
amber_install_npm
out=$(mktemp -d /tmp/amber-bench-parquet.XXXXXX)
trap 'rm -rf "$out"' EXIT

dotnet build bench/Amber.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
duck_codec=$(case "$codec" in none) echo UNCOMPRESSED ;; *) echo "${codec^^}" ;; esac)
# Both sides run in alternating rounds and each keeps its best time, so a burst of load from other processes on a
# shared machine cannot land on one side only.
rounds=${AMBER_BENCH_ROUNDS:-3}
best_ours="" best_duck=""
better() { awk -v a="$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$1")" -v b="$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$2")" 'BEGIN { exit !(b == "" || a < b) }'; }
for ((r = 1; r <= rounds; r++)); do
  line=$(dotnet bench/Amber.Bench/bin/Release/net10.0/amber-bench.dll parquet --out "$out" --repeat 2 "$@" | tail -n 1)
  echo "round $r $line"
  if better "$line" "$best_ours"; then best_ours=$line; fi
  line=$(node tests/tools/duckdb-bench.mjs "$out/ours.parquet" "$out/duckdb.parquet" "$duck_codec" 2 | tail -n 1)
  echo "round $r $line"
  if better "$line" "$best_duck"; then best_duck=$line; fi
done
ours=$best_ours duck=$best_duck

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }
ours_s=$(field seconds "$ours"); duck_s=$(field seconds "$duck")
ratio=$(awk -v a="$ours_s" -v b="$duck_s" 'BEGIN { printf "%.2f", a / b }')
echo "parquet: rows=$rows codec=${duck_codec} ours_s=$ours_s duckdb_s=$duck_s ours_rows_per_s=$(field rows_per_s "$ours") ours_mb_per_s=$(field mb_per_s "$ours") duckdb_rows_per_s=$(field rows_per_s "$duck") ours_file_mb=$(field file_mb "$ours") duckdb_file_mb=$(field file_mb "$duck") duckdb_threads=$(field threads "$duck") ratio=$ratio"
