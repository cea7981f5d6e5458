#!/usr/bin/env bash
# ./bench.sh parquet [--rows N] [--codec snappy|gzip|zstd|none]: the results writer (Parquet.Net) vs DuckDB's
# COPY … TO … (FORMAT PARQUET) on the same 1M-row predictions table and codec, DuckDB on 1 thread and on all threads,
# in one invocation. Last line: "parquet: … ratio=<ours/DuckDB 1 thread> ratio_mt=<ours/DuckDB all threads>".
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
cores=$(nproc)
# The three sides run in alternating rounds and each keeps its best time, so a burst of load from other processes on
# a shared machine cannot land on one side only.
rounds=${AMBER_BENCH_ROUNDS:-3}
best_ours="" best_duck1="" best_duckmt=""
seconds() { sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$1"; }
better() { awk -v a="$(seconds "$1")" -v b="$(seconds "$2")" 'BEGIN { exit !(b == "" || a < b) }'; }
for ((r = 1; r <= rounds; r++)); do
  line=$(dotnet bench/Amber.Bench/bin/Release/net10.0/amber-bench.dll parquet --out "$out" --repeat 2 "$@" | tail -n 1)
  echo "round $r $line"
  if better "$line" "$best_ours"; then best_ours=$line; fi
  line=$(node tests/tools/duckdb-bench.mjs "$out/ours.parquet" "$out/duckdb.parquet" "$duck_codec" 2 1 | tail -n 1)
  echo "round $r $line"
  if better "$line" "$best_duck1"; then best_duck1=$line; fi
  line=$(node tests/tools/duckdb-bench.mjs "$out/ours.parquet" "$out/duckdb.parquet" "$duck_codec" 2 "$cores" | tail -n 1)
  echo "round $r $line"
  if better "$line" "$best_duckmt"; then best_duckmt=$line; fi
done

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }
ours_s=$(seconds "$best_ours"); duck1_s=$(seconds "$best_duck1"); duckmt_s=$(seconds "$best_duckmt")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "parquet: rows=$rows codec=${duck_codec} cores=$cores ours_s=$ours_s duckdb_1t_s=$duck1_s duckdb_mt_s=$duckmt_s duckdb_mt_threads=$(field threads "$best_duckmt") ours_rows_per_s=$(field rows_per_s "$best_ours") ours_mb_per_s=$(field mb_per_s "$best_ours") duckdb_1t_rows_per_s=$(field rows_per_s "$best_duck1") duckdb_mt_rows_per_s=$(field rows_per_s "$best_duckmt") ours_file_mb=$(field file_mb "$best_ours") duckdb_file_mb=$(field file_mb "$best_duck1") ratio=$(ratio "$ours_s" "$duck1_s") ratio_mt=$(ratio "$ours_s" "$duckmt_s")"
