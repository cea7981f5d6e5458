namespace Amber.Silo.Store.Sql;

/// <summary>
/// The versioned schema. Version 1 is written once per dialect (the types differ); later versions append scripts here and
/// never edit earlier ones, so a database at any version upgrades by running the scripts after its version.
/// </summary>
internal static class Schema
{
    private const string EmptyObject = "{}";

    /// <summary>Version 1 with the dialect's names for 64-bit integers and doubles.</summary>
    public static string V1(string bigint, string real) => $"""
        CREATE TABLE sweeps (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, planned INTEGER NOT NULL, succeeded INTEGER NOT NULL,
          failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, active INTEGER NOT NULL, max_parallel INTEGER NOT NULL,
          created_at {bigint} NOT NULL, finished_at {bigint}, version {bigint} NOT NULL, spec_text TEXT NOT NULL, completion_error TEXT,
          handled_at {bigint});
        CREATE TABLE trials (
          id TEXT PRIMARY KEY, sweep_id TEXT NOT NULL REFERENCES sweeps(id), idx INTEGER NOT NULL, params TEXT NOT NULL,
          planned INTEGER NOT NULL, succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, version {bigint} NOT NULL);
        CREATE INDEX trials_sweep ON trials (sweep_id, idx);
        CREATE TABLE runs (
          id TEXT PRIMARY KEY, sweep_id TEXT NOT NULL REFERENCES sweeps(id), trial_id TEXT NOT NULL REFERENCES trials(id),
          fold INTEGER NOT NULL, seed INTEGER NOT NULL, gang INTEGER NOT NULL, max_retries INTEGER NOT NULL, status TEXT NOT NULL,
          attempt INTEGER NOT NULL, failures INTEGER NOT NULL, members TEXT NOT NULL, last_error TEXT, version {bigint} NOT NULL,
          trial_idx INTEGER NOT NULL, queue_key {bigint} NOT NULL, updated_at {bigint} NOT NULL, lease_expires_at {bigint},
          artifacts TEXT NOT NULL DEFAULT '{EmptyObject}');
        CREATE INDEX runs_queue ON runs (status, queue_key);
        CREATE INDEX runs_sweep ON runs (sweep_id, queue_key);
        CREATE INDEX runs_trial ON runs (trial_id);
        CREATE INDEX runs_lease ON runs (lease_expires_at);
        CREATE TABLE workers (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, slots INTEGER NOT NULL, cores INTEGER NOT NULL, memory_mb {bigint} NOT NULL,
          gpus INTEGER NOT NULL, status TEXT NOT NULL, active INTEGER NOT NULL, last_heartbeat {bigint} NOT NULL, version {bigint} NOT NULL,
          token_hash TEXT NOT NULL);
        CREATE TABLE metrics (
          run_id TEXT NOT NULL, attempt INTEGER NOT NULL, split TEXT NOT NULL, level TEXT NOT NULL, name TEXT NOT NULL, value {real} NOT NULL,
          PRIMARY KEY (run_id, attempt, split, level, name));
        CREATE TABLE curves (
          run_id TEXT NOT NULL, attempt INTEGER NOT NULL, epoch INTEGER NOT NULL, name TEXT NOT NULL, value {real} NOT NULL,
          PRIMARY KEY (run_id, attempt, epoch, name));
        """;
}
