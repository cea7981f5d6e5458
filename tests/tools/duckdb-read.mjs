// Independent check of Parquet files written by the .NET writer: DuckDB reads the file and prints, as JSON, the column
// names and DuckDB types, every row (timestamps as epoch microseconds, floats as JSON numbers, NaN/Inf as strings),
// the footer key/value metadata and the per-chunk statistics DuckDB decodes.
// Usage: node duckdb-read.mjs <file.parquet>
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) { console.error('usage: node duckdb-read.mjs <file.parquet>'); process.exit(2); }
const lit = `'${file.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();

const describe = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit})`)).getRowObjectsJson();
const columns = describe.map(r => ({ name: r.column_name, type: r.column_type }));
const q = c => `"${c.name.replaceAll('"', '""')}"`;
const exprs = columns.map(c => {
  if (c.type.startsWith('TIMESTAMP')) return `epoch_us(${q(c)})::VARCHAR`;
  if (c.type === 'BIGINT') return `${q(c)}::VARCHAR`;
  if (c.type === 'FLOAT' || c.type === 'DOUBLE') return `CASE WHEN isnan(${q(c)}) OR isinf(${q(c)}) THEN ${q(c)}::VARCHAR END, ${q(c)}::DOUBLE`;
  return q(c);
});
const reader = await conn.runAndReadAll(`SELECT ${exprs.join(', ')} FROM read_parquet(${lit}, file_row_number = true) ORDER BY file_row_number`);
const raw = reader.getRowsJson();
const rows = raw.map(r => {
  const out = [];
  let i = 0;
  for (const c of columns) {
    if (c.type === 'FLOAT' || c.type === 'DOUBLE') { out.push(r[i] ?? r[i + 1]); i += 2; }
    else { out.push(r[i]); i += 1; }
  }
  return out;
});
const kvRows = (await conn.runAndReadAll(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${lit})`)).getRowObjectsJson();
const kv = Object.fromEntries(kvRows.map(r => [r.key, r.value]));
const stats = (await conn.runAndReadAll(
  `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count, compression, encodings
   FROM parquet_metadata(${lit}) ORDER BY row_group_id, column_id`)).getRowObjectsJson();
process.stdout.write(JSON.stringify({ columns, rows, kv, stats }));
