using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Amber.Silo.Persistence;

/// <summary>
/// Grain state in one SQLite file: the embedded profile, where a rerun resumes from the file. The file uses the
/// write-ahead log (readers never wait for the writer), <c>synchronous = NORMAL</c> (a commit survives a crash of the process;
/// only an OS crash can lose the last commits, which a rerun repeats) and a busy timeout for a second process on the file.
/// Writers of this process queue on one gate per file instead: SQLite's busy handler sleeps for milliseconds.
/// </summary>
public sealed class SqliteGrainStateDatabase : GrainStateDatabase
{
    // One gate per file for the whole process, so two providers (or a provider and its restarted twin) on one file queue too.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    private readonly string connectionString;
    private readonly SemaphoreSlim writeGate;

    /// <summary>Uses the database file at <paramref name="path"/>; its folder is created now, the file on first use.</summary>
    public SqliteGrainStateDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        writeGate = WriteGates.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
    }

    /// <summary>The database file (absolute).</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Description => $"sqlite {Path}";

    /// <inheritdoc />
    protected override string Table => TableName;

    /// <inheritdoc />
    protected override string SchemaTable => SchemaTableName;

    /// <inheritdoc />
    protected override IReadOnlyList<(int Version, string Sql)> Migrations { get; } =
    [
        // WITHOUT ROWID: the primary key is the only way rows are found, so the table is stored as that index.
        (1, $"""
            CREATE TABLE {TableName} (
              service_id TEXT NOT NULL, grain_type TEXT NOT NULL, grain_key TEXT NOT NULL, state_name TEXT NOT NULL,
              version INTEGER NOT NULL, payload BLOB, updated_at INTEGER NOT NULL,
              PRIMARY KEY (service_id, grain_type, grain_key, state_name)) WITHOUT ROWID;
            """),
    ];

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Per connection settings (the pool may hand out a new physical connection); a few microseconds.
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    protected override async ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new GateTurn(writeGate);
    }

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginSchemaUpgradeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // The journal mode is a property of the file: set once, it holds for every later connection and process.
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // BEGIN IMMEDIATE takes the file's write lock up front: another process upgrading waits (busy timeout), then sees
        // the version this one recorded.
        return ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        // Closes the pooled connections of this file, which also checkpoints the write-ahead log into the file.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    private sealed class GateTurn(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) gate.Release();
        }
    }
}
