// Independent check of an `amber run` results folder with DuckDB. Run from tests/tools (for node_modules) with
// AMBER_RESULTS_DIR=<blobs/results/<sweep>>; prints JSON:
//   summary:   the rows of summary.parquet;
//   reference: per trial × metric × level × split, seeds averaged per fold, then avg and stddev_samp over folds,
//              computed by DuckDB from every run's metrics.parquet;
//   runBc:     per run, mean Bhattacharyya coefficient recomputed by DuckDB from predictions.parquet;
//   pooledBc:  per trial, the mean BC over all of its test predictions together;
//   paired:    per summary row with a baseline trial, the mean difference trial − baseline over the (fold, seed) runs
//              both have, and their number.
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.env.AMBER_RESULTS_DIR;
if (!dir) { console.error('set AMBER_RESULTS_DIR'); process.exit(2); }
const lit = s => `'${s.replaceAll("'", "''")}'`;
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const all = async sql => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const metrics = `read_parquet(${lit(dir + '/*/*/metrics.parquet')})`;
const predictions = `read_parquet(${lit(dir + '/*/*/predictions.parquet')})`;
const bc = `sqrt(pred_neutral * ref_neutral) + sqrt(pred_happy * ref_happy) + sqrt(pred_angry * ref_angry) + sqrt(pred_sad * ref_sad)`;
const out = {
  summary: await all(`SELECT trial, metric, level, split, mean, std, pooled, n_folds, n_runs, baseline, n_pairs, diff_mean FROM read_parquet(${lit(dir + '/summary.parquet')})`),
  reference: await all(`SELECT trial, metric, level, split, avg(v) AS mean, stddev_samp(v) AS std, count(*)::INTEGER AS n_folds
    FROM (SELECT trial, fold, metric, level, split, avg(value) AS v FROM ${metrics} WHERE value IS NOT NULL GROUP BY ALL) GROUP BY ALL`),
  runBc: await all(`SELECT p.trial, p.fold, p.seed, avg(${bc}) AS bc, count(*)::INTEGER AS n, any_value(m.value) AS reported
    FROM ${predictions} p JOIN ${metrics} m ON m.trial = p.trial AND m.fold = p.fold AND m.seed = p.seed
    WHERE m.metric = 'bc' AND m.level = 'all' AND m.split = 'test' GROUP BY p.trial, p.fold, p.seed`),
  pooledBc: await all(`SELECT trial, avg(${bc}) AS bc FROM ${predictions} GROUP BY trial`),
  paired: await all(`SELECT s.trial, s.metric, s.level, s.split, avg(a.value - b.value) AS diff, count(*)::INTEGER AS n
    FROM read_parquet(${lit(dir + '/summary.parquet')}) s
    JOIN ${metrics} a ON a.trial = s.trial AND a.metric = s.metric AND a.level = s.level AND a.split = s.split
    JOIN ${metrics} b ON b.trial = s.baseline AND b.metric = s.metric AND b.level = s.level AND b.split = s.split AND b.fold = a.fold AND b.seed = a.seed
    WHERE a.value IS NOT NULL AND b.value IS NOT NULL GROUP BY ALL`),
};
process.stdout.write(JSON.stringify(out, (k, v) => typeof v === 'bigint' ? Number(v) : v));
