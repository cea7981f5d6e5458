// Second independent Parquet reader (pure JavaScript, separate from DuckDB's C++ one): prints the column names and
// every row as JSON (BigInt as strings, timestamps as epoch microseconds, NaN/Infinity as strings).
// Usage: node hyparquet-read.mjs <file.parquet>
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

const file = process.argv[2];
if (!file) { console.error('usage: node hyparquet-read.mjs <file.parquet>'); process.exit(2); }
const bytes = readFileSync(file);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const metadata = parquetMetadata(buffer);
const columns = metadata.schema.slice(1).map(s => s.name);
// Keep timestamps as raw microseconds (the default parser makes a millisecond Date and would drop precision).
const parsers = { timestampFromMicroseconds: micros => ({ micros: BigInt(micros) }) };
const objects = await parquetReadObjects({ file: buffer, utf8: true, parsers });
const norm = v => {
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && 'micros' in v) return v.micros.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v ?? null;
};
const rows = objects.map(o => columns.map(c => norm(o[c])));
const kv = Object.fromEntries((metadata.key_value_metadata ?? []).map(e => [e.key, e.value]));
process.stdout.write(JSON.stringify({ columns, rows, kv }));
