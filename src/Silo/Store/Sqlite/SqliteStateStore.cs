using System.Data.Common;
using Amber.Silo.Store.Sql;
using Microsoft.Data.Sqlite;

namespace Amber.Silo.Store.Sqlite;

/// <summary>
/// The embedded state store: one SQLite file (WAL journal, busy timeout). Writers in this process queue on a lock
/// rather than on SQLite's busy retry loop, which sleeps; another process sharing the file still waits on the busy
/// timeout, and version checks keep it correct either way.
/// </summary>
public sealed class SqliteStateStore : SqlStateStore
{
    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);

    /// <summary>Opens (creating if needed) the database file at <paramref name="path"/>; its folder is created too.</summary>
    public SqliteStateStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var c = new SqliteConnection(connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        // WAL lets readers (API queries) proceed while a writer commits; it is a property of the file, set once.
        cmd.CommandText = "PRAGMA journal_mode = WAL;";
        cmd.ExecuteNonQuery();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Backend => "sqlite";

    /// <inheritdoc />
    protected override IReadOnlyList<(int Version, string Sql)> Migrations { get; } = [(1, Schema.V1("INTEGER", "REAL"))];

    /// <inheritdoc />
    protected override string ForUpdate => "";

    /// <inheritdoc />
    protected override string ForUpdateSkipLocked => "";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var c = new SqliteConnection(connectionString);
        await c.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
        cmd.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;";
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return c;
    }

    /// <inheritdoc />
    protected override async Task<WriteScope> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Microsoft.Data.Sqlite begins IMMEDIATE unless asked for deferred: the write lock is taken up front,
            // so a transaction never fails half-way on upgrading a read lock.
            var t = ((SqliteConnection)connection).BeginTransaction(deferred: false);
            return new WriteScope(t, new Releaser(writer));
        }
        catch
        {
            writer.Release();
            throw;
        }
    }

    /// <inheritdoc />
    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask; // BEGIN IMMEDIATE already excludes every other writer of the file.

    /// <inheritdoc />
    protected override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        writer.Dispose();
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) semaphore.Release();
        }
    }
}
