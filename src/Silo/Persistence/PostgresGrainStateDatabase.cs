using System.Data.Common;
using Npgsql;

namespace Amber.Silo.Persistence;

/// <summary>
/// Grain state in PostgreSQL: the cluster profile, where every silo shares one database. Each change is one conditional
/// statement at READ COMMITTED: of two silos updating the same row from the same version, the second waits for the first's
/// row lock, re-checks <c>version = @version</c> against the committed row, and changes nothing.
/// </summary>
public sealed class PostgresGrainStateDatabase : GrainStateDatabase
{
    // Names the advisory lock that serializes schema upgrades of every silo (any constant works; this spells "amber gs").
    private const long SchemaLockKey = 0x616D62657220_6773L;

    private readonly NpgsqlDataSource dataSource;

    /// <summary>Connects with <paramref name="connectionString"/>; the table lives in <paramref name="schema"/> (created when absent).</summary>
    public PostgresGrainStateDatabase(string connectionString, string schema = "public")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (string.IsNullOrEmpty(schema) || !schema.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_') || char.IsAsciiDigit(schema[0]))
            throw new ArgumentException($"PostgreSQL schema name '{schema}' must be lower-case ASCII letters, digits or '_', not starting with a digit", nameof(schema));
        Schema = schema;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // The description names the server and database for errors; the password stays out of it.
        Description = $"postgres {builder.Host}:{builder.Port}/{builder.Database} schema {schema}";
        dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>The PostgreSQL schema that holds the table.</summary>
    public string Schema { get; }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    protected override string Table => $"{Schema}.{TableName}";

    /// <inheritdoc />
    protected override string SchemaTable => $"{Schema}.{SchemaTableName}";

    /// <inheritdoc />
    protected override IReadOnlyList<(int Version, string Sql)> Migrations =>
    [
        (1, $"""
            CREATE TABLE {Table} (
              service_id TEXT NOT NULL, grain_type TEXT NOT NULL, grain_key TEXT NOT NULL, state_name TEXT NOT NULL,
              version BIGINT NOT NULL, payload BYTEA, updated_at BIGINT NOT NULL,
              PRIMARY KEY (service_id, grain_type, grain_key, state_name));
            """),
    ];

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginSchemaUpgradeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await ((NpgsqlConnection)connection).BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Silos starting together queue here until the first one commits; IF NOT EXISTS alone is not enough, as two
            // concurrent CREATEs of one name can both pass the check and one fails on the catalog's unique index.
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockKey}); CREATE SCHEMA IF NOT EXISTS {Schema};",
                (NpgsqlConnection)connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
