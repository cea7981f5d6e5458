using Amber.Grains.Specs;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Scheduling;
using Amber.Silo.Store;
using Amber.Silo.Store.Postgres;
using Amber.Silo.Store.Sqlite;
using Npgsql;

namespace Amber.Silo.Tests.Store;

/// <summary>Creates throwaway stores: a temp SQLite file, or a fresh PostgreSQL schema in the test cluster.</summary>
public static class TestStores
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The connection string test.sh exports; the test fails (never skips) without it.</summary>
    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("AMBER_TEST_POSTGRES") is { Length: > 0 } cs ? cs
        : throw new InvalidOperationException(
            "AMBER_TEST_POSTGRES is not set: run the tests through ./test.sh, or `source scripts/test-services.sh; amber_install_apt; amber_start_postgres` first");

    public static SqliteStateStore Sqlite(out string path)
    {
        path = Path.Combine(Path.GetTempPath(), "amber-silo-tests", Guid.NewGuid().ToString("N"), "state.db");
        return new SqliteStateStore(path);
    }

    public static string NewSchemaName() => "t_" + Guid.NewGuid().ToString("N")[..16];

    public static async Task DropSchemaAsync(string schema)
    {
        await using var c = new NpgsqlConnection(PostgresConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
    }

    public static PostgresStateStore Postgres(string schema) => new(PostgresConnectionString, schema);

    public static NewSweep Sweep(string id, int methods = 1, int folds = 2, int seeds = 1, int parallel = 100, int retries = 1, int gang = 1, DateTimeOffset? at = null)
    {
        string[] names = ["ce", "amber2", "soft", "js_entropy", "late_fusion", "amber2_uniform"];
        string text = $"name: {id}\nmethods: [{string.Join(", ", names.Take(methods))}]\nspace: {{lr: 0.001}}\n" +
                      $"protocol: {{folds: {folds}, seeds: {seeds}}}\nbudget: {{max_trials: 100, max_parallel_runs: {parallel}}}\nretries: {retries}\ngang_size: {gang}\n";
        return SweepPlanner.Plan(id, SweepSpecParser.Parse(text, id), text, at ?? T0);
    }

    public static WorkerState Worker(string id, int slots = 1, DateTimeOffset? at = null) =>
        new(id, id, slots, 4, 4096, 0, WorkerStatus.Alive, 0, at ?? T0, 0);
}
