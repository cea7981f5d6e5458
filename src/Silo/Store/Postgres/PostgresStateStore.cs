using System.Data.Common;
using Amber.Silo.Store.Sql;
using Npgsql;

namespace Amber.Silo.Store.Postgres;

/// <summary>
/// The cluster state store: PostgreSQL, shared by any number of silos. Row locks (<c>FOR UPDATE</c>, with
/// <c>SKIP LOCKED</c> on the queue) keep concurrent silos off each other's queue heads; version checks make every
/// change conditional, so a lost race rolls back and is decided again instead of double-leasing a run.
/// </summary>
public sealed class PostgresStateStore : SqlStateStore
{
    // An arbitrary constant naming this schema's advisory lock; silos starting together migrate one at a time.
    private const long MigrationLockKey = 0x616D626572L;
    private readonly NpgsqlDataSource dataSource;

    /// <summary>Connects with <paramref name="connectionString"/>; <paramref name="schema"/> (created if absent) isolates the tables.</summary>
    public PostgresStateStore(string connectionString, string schema = "amber")
    {
        if (string.IsNullOrWhiteSpace(schema) || !schema.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            throw new ArgumentException($"schema name '{schema}' must be ASCII letters, digits or '_'", nameof(schema));
        Schema = schema;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema };
        dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        using var c = dataSource.OpenConnection();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"CREATE SCHEMA IF NOT EXISTS {schema}";
        try { cmd.ExecuteNonQuery(); }
        catch (PostgresException ex) when (ex.SqlState == "23505" || ex.SqlState == "42P06") { } // created concurrently by another silo
    }

    /// <summary>The PostgreSQL schema that holds the tables.</summary>
    public string Schema { get; }

    /// <inheritdoc />
    public override string Backend => "postgres";

    /// <inheritdoc />
    protected override IReadOnlyList<(int Version, string Sql)> Migrations { get; } = [(1, Sql.Schema.V1("BIGINT", "DOUBLE PRECISION"))];

    /// <inheritdoc />
    protected override string ForUpdate => " FOR UPDATE";

    /// <inheritdoc />
    protected override string ForUpdateSkipLocked => " FOR UPDATE SKIP LOCKED";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task<WriteScope> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        new(await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false), null);

    /// <inheritdoc />
    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        cmd.Parameters.AddWithValue("k", MigrationLockKey);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override bool IsTransient(Exception exception) =>
        exception is PostgresException { SqlState: "40001" or "40P01" or "55P03" };

    // One statement for all rows: the arrays travel as parameters and unnest() turns them back into rows.
    private protected override void AddMetrics(SqlBatch writes, string runId, int attempt, IReadOnlyList<Amber.Grains.Contracts.MetricRow> rows) =>
        writes.Exec(
            """
            INSERT INTO metrics (run_id, attempt, split, level, name, value)
            SELECT @r, @a, x.s, x.l, x.n, x.v FROM unnest(@s, @l, @n, @v) AS x(s, l, n, v)
            ON CONFLICT (run_id, attempt, split, level, name) DO UPDATE SET value = excluded.value
            """,
            ("@r", runId), ("@a", attempt), ("@s", rows.Select(m => m.Split).ToArray()), ("@l", rows.Select(m => m.Level).ToArray()),
            ("@n", rows.Select(m => m.Name).ToArray()), ("@v", rows.Select(m => m.Value).ToArray()));

    private protected override void AddCurve(SqlBatch writes, string runId, int attempt, Amber.Grains.Contracts.EpochProgress curve) =>
        writes.Exec(
            """
            INSERT INTO curves (run_id, attempt, epoch, name, value)
            SELECT @r, @a, @e, x.n, x.v FROM unnest(@n, @v) AS x(n, v)
            ON CONFLICT (run_id, attempt, epoch, name) DO UPDATE SET value = excluded.value
            """,
            ("@r", runId), ("@a", attempt), ("@e", curve.Epoch), ("@n", curve.Values.Keys.ToArray()), ("@v", curve.Values.Values.ToArray()));

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
