// Diagnosis of an `amber run` on the synthetic corpus (docs/experiment.md, "Why"): joins every test prediction with the
// generator's latent truth and prints, per method and ambiguity level, the model's BC/JS against the vote-based soft
// label y, the same for the latent distribution π the votes were drawn from (the best any model can do in expectation),
// the model's BC against π itself, and its mean confidence. Run from tests/tools (for node_modules):
//   AMBER_RESULTS_DIR=<out>/blobs/results/<sweep> AMBER_TRUTH=<out>/synthetic/IEMOCAP_full_release/synthetic_truth.csv \
//   node --input-type=module --eval "$(cat <this file>)"
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.env.AMBER_RESULTS_DIR, truth = process.env.AMBER_TRUTH;
const lit = s => `'${s.replaceAll("'", "''")}'`;
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const C = ['neutral', 'happy', 'angry', 'sad'];
const bc = (a, b) => C.map(c => `sqrt(greatest(${a}_${c}, 0) * greatest(${b}_${c}, 0))`).join(' + ');
const kl = (p, m) => C.map(c => `CASE WHEN ${p}_${c} > 0 THEN ${p}_${c} * log2(${p}_${c} / (${m}_${c} + 1e-10)) ELSE 0 END`).join(' + ');
await conn.run(`CREATE TABLE t AS SELECT p.*, s.method, tr.conflict,
  ${C.map(c => `tr.pi_${c} AS pi_${c}, (p.pred_${c} + p.ref_${c}) / 2 AS mp_${c}, (tr.pi_${c} + p.ref_${c}) / 2 AS mq_${c}`).join(', ')}
  FROM read_parquet(${lit(dir + '/*/*/predictions.parquet')}) p
  JOIN read_csv_auto(${lit(truth)}) tr ON tr.id = p.utterance_id
  JOIN (SELECT DISTINCT regexp_extract(file_name, '/([^/]+)/[^/]+/predictions[.]parquet$', 1) AS trial,
               json_extract_string(decode(value), '$.method') AS method
        FROM parquet_kv_metadata(${lit(dir + '/*/*/predictions.parquet')}) WHERE decode(key) = 'amber.config') s ON s.trial = p.trial`);
const jsOf = (p, m) => `0.5 * ((${kl(p, m)}) + (${kl('ref', m)}))`;
const rows = (await conn.runAndReadAll(`SELECT method, ambiguity_level AS level, count(*)::INTEGER AS n,
    round(avg(${bc('pred', 'ref')}), 4) AS bc_model_y,
    round(avg(${bc('pi', 'ref')}), 4) AS bc_pi_y,
    round(avg(${jsOf('pred', 'mp')}), 4) AS js_model_y,
    round(avg(${jsOf('pi', 'mq')}), 4) AS js_pi_y,
    round(avg(${bc('pred', 'pi')}), 4) AS bc_model_pi,
    round(avg(greatest(${C.map(c => `pred_${c}`).join(', ')})), 4) AS confidence,
    round(avg(greatest(${C.map(c => `ref_${c}`).join(', ')})), 4) AS ref_max
  FROM t GROUP BY method, ambiguity_level ORDER BY method, CASE ambiguity_level WHEN 'low' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END`)).getRowObjectsJson();
console.table(rows);
const conflict = (await conn.runAndReadAll(`SELECT method, conflict, count(*)::INTEGER AS n, round(avg(${bc('pred', 'ref')}), 4) AS bc_model_y
  FROM t GROUP BY ALL ORDER BY method, conflict`)).getRowObjectsJson();
console.table(conflict);
