// Reference side of `./bench.sh parquet`: DuckDB loads the table our writer produced (not timed), then writes it again
// with COPY … TO … (FORMAT PARQUET) using the same codec and row group size, on the given number of threads (default:
// DuckDB's own, all cores); prints the best of K runs.
// Usage: node duckdb-bench.mjs <ours.parquet> <out.parquet> [codec=SNAPPY] [repeat=3] [threads]
import { statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output, codec = 'SNAPPY', repeat = '3', threadsArg] = process.argv.slice(2);
if (!input || !output) { console.error('usage: node duckdb-bench.mjs <ours.parquet> <out.parquet> [codec] [repeat] [threads]'); process.exit(2); }
const lit = s => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
if (threadsArg) await conn.run(`SET threads = ${Number(threadsArg)}`);
await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${lit(input)})`);
const rows = Number((await conn.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
const threads = (await conn.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
let best = Infinity;
for (let i = 0; i < Number(repeat); i++) {
  const t0 = process.hrtime.bigint();
  await conn.run(`COPY t TO ${lit(output)} (FORMAT PARQUET, COMPRESSION ${codec}, ROW_GROUP_SIZE 122880)`);
  best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
}
const bytes = statSync(output).size;
console.log(`duckdb: rows=${rows} codec=${codec} threads=${threads} seconds=${best.toFixed(3)} rows_per_s=${(rows / best).toFixed(0)} mb_per_s=${(bytes / 1e6 / best).toFixed(1)} file_mb=${(bytes / 1e6).toFixed(1)}`);
