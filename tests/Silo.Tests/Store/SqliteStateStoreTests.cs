using Amber.Silo.Store;
using Amber.Silo.Store.Sqlite;

namespace Amber.Silo.Tests.Store;

/// <summary>The store contract on SQLite: a fresh file per test.</summary>
public sealed class SqliteStateStoreTests : StateStoreContract
{
    private string path = "";

    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(TestStores.Sqlite(out path));

    protected override Task<IStateStore> OpenSecondSiloAsync() => Task.FromResult<IStateStore>(new SqliteStateStore(path));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void The_database_uses_the_write_ahead_log()
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }
}
