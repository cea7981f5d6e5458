using System.Data;
using System.Data.Common;

namespace Amber.Silo.Persistence;

/// <summary>Identifies one stored grain state: a grain (type and key) and the name of one of its states, within a service.</summary>
/// <param name="ServiceId">Orleans' service id: clusters of different services may share one database.</param>
/// <param name="GrainType">The grain type, as in the grain id (e.g. "sweep").</param>
/// <param name="GrainKey">The grain key, as in the grain id.</param>
/// <param name="StateName">The name given in <c>[PersistentState(name, storage)]</c>: a grain may hold several states.</param>
public sealed record GrainStateKey(string ServiceId, string GrainType, string GrainKey, string StateName)
{
    /// <inheritdoc />
    public override string ToString() => $"grain type '{GrainType}' key '{GrainKey}' state '{StateName}'";
}

/// <summary>A row as stored: its version and payload; a null payload marks a cleared state.</summary>
/// <param name="Version">Counts the writes and clears of the row; the ETag is this number as a string.</param>
/// <param name="Payload">The serialized state, or null once cleared.</param>
public sealed record StoredGrainState(long Version, byte[]? Payload);

/// <summary>
/// The one table of grain state in a SQL database, and the few statements <see cref="SqlGrainStorage"/> needs. Every change
/// is a single conditional statement (insert-if-absent, update-if-version-matches), so the database itself decides which of
/// two concurrent writers wins, across threads, processes and silos. A clear keeps the row with a null payload and a new
/// version (a tombstone): versions only grow, so an ETag read before a clear can never match again.
/// Subclasses supply the dialect: connections, column types, locking of the schema upgrade.
/// <para>
/// Table <c>amber_grain_state</c>: <c>service_id, grain_type, grain_key, state_name</c> (the primary key), <c>version</c>
/// (the ETag; no separate etag column, the number is the ETag), <c>payload</c> (null once cleared), <c>updated_at</c>
/// (Unix milliseconds, for operators). Table <c>amber_grain_state_schema</c> records the applied schema versions.
/// </para>
/// </summary>
public abstract class GrainStateDatabase : IAsyncDisposable
{
    /// <summary>Name of the table of grain state.</summary>
    public const string TableName = "amber_grain_state";

    /// <summary>Name of the table that records which schema versions are applied.</summary>
    public const string SchemaTableName = "amber_grain_state_schema";

    private string? readSql, insertSql, updateSql;

    /// <summary>Where the data lives, for logs and errors ("sqlite /path/state.db"); never contains a password.</summary>
    public abstract string Description { get; }

    /// <summary>The table name as statements must write it (schema-qualified where the dialect has schemas).</summary>
    protected abstract string Table { get; }

    /// <summary>The schema-version table name as statements must write it.</summary>
    protected abstract string SchemaTable { get; }

    /// <summary>The schema scripts by version; applied in order after the version the database has. Never edit a published one.</summary>
    protected abstract IReadOnlyList<(int Version, string Sql)> Migrations { get; }

    /// <summary>Opens a connection ready for statements.</summary>
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Waits for this process's turn to write, where the dialect wants writers queued in-process (SQLite: one writer per file;
    /// queueing here is cheaper than SQLite's sleeping busy handler). Null when no queueing is needed.
    /// </summary>
    protected virtual ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IDisposable?>(null);

    /// <summary>
    /// Begins the schema transaction and takes whatever lock keeps other processes' upgrades out until it commits
    /// (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock). Also creates the schema namespace if needed.
    /// </summary>
    protected abstract Task<DbTransaction> BeginSchemaUpgradeAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or upgrades the schema to the newest version; idempotent and safe when several silos start at once.
    /// Returns the schema version now in the database.
    /// </summary>
    public async Task<int> EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        using var turn = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await BeginSchemaUpgradeAsync(connection, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            $"CREATE TABLE IF NOT EXISTS {SchemaTable} (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
        await using (var read = Command(connection, transaction, $"SELECT MAX(version) FROM {SchemaTable}"))
        {
            object? value = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            int current = value is null or DBNull ? 0 : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            int newest = Migrations.Max(m => m.Version);
            if (current > newest)
                throw new InvalidOperationException(
                    $"the grain state in {Description} has schema version {current}, newer than this silo knows ({newest}): upgrade the silo");
            foreach (var (version, sql) in Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
            {
                await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
                await using var record = Command(connection, transaction, $"INSERT INTO {SchemaTable} (version, applied_at) VALUES (@v, @t)",
                    ("@v", version), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                current = version;
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return current;
        }
    }

    /// <summary>The stored row of <paramref name="key"/>, or null when there is none.</summary>
    public async Task<StoredGrainState?> ReadAsync(GrainStateKey key, CancellationToken cancellationToken = default)
    {
        readSql ??= $"SELECT version, payload FROM {Table} WHERE {KeyMatch}";
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = KeyCommand(connection, readSql, key);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new StoredGrainState(reader.GetInt64(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1));
    }

    /// <summary>Inserts the first version of <paramref name="key"/>; returns that version (1), or null when a row exists already.</summary>
    public async Task<long?> InsertAsync(GrainStateKey key, byte[] payload, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        insertSql ??= $"""
            INSERT INTO {Table} (service_id, grain_type, grain_key, state_name, version, payload, updated_at)
            VALUES (@service, @type, @key, @state, 1, @payload, @now)
            ON CONFLICT (service_id, grain_type, grain_key, state_name) DO NOTHING
            """;
        using var turn = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = KeyCommand(connection, insertSql, key);
        AddPayload(command, payload);
        AddParameter(command, "@now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? 1 : null;
    }

    /// <summary>
    /// Replaces the row of <paramref name="key"/> if it is still at <paramref name="expectedVersion"/>; a null
    /// <paramref name="payload"/> clears it. Returns the new version, or null when the row is absent or at another version.
    /// </summary>
    public async Task<long?> UpdateAsync(GrainStateKey key, long expectedVersion, byte[]? payload, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        updateSql ??= $"UPDATE {Table} SET version = version + 1, payload = @payload, updated_at = @now WHERE {KeyMatch} AND version = @version";
        using var turn = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = KeyCommand(connection, updateSql, key);
        AddPayload(command, payload);
        AddParameter(command, "@now", now.ToUnixTimeMilliseconds());
        AddParameter(command, "@version", expectedVersion);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? expectedVersion + 1 : null;
    }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private const string KeyMatch = "service_id = @service AND grain_type = @type AND grain_key = @key AND state_name = @state";

    private static DbCommand KeyCommand(DbConnection connection, string sql, GrainStateKey key) =>
        Command(connection, null, sql, ("@service", key.ServiceId), ("@type", key.GrainType), ("@key", key.GrainKey), ("@state", key.StateName));

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) AddParameter(command, name, value);
        return command;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    // Typed explicitly: a null (cleared) payload must still reach the database as a binary column value.
    private static void AddPayload(DbCommand command, byte[]? payload)
    {
        var p = command.CreateParameter();
        p.ParameterName = "@payload";
        p.DbType = DbType.Binary;
        p.Value = (object?)payload ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
