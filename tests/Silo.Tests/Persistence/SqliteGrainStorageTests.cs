using Amber.Silo.Persistence;
using Microsoft.Data.Sqlite;
using Orleans.Storage;
using Xunit.Abstractions;

namespace Amber.Silo.Tests.Persistence;

/// <summary>The grain-storage contract on SQLite: real files in a temp folder of the test's own.</summary>
public sealed class SqliteGrainStorageTests(ITestOutputHelper output) : GrainStorageContract(output)
{
    private readonly string folder = Path.GetDirectoryName(PersistenceTestServices.TempSqlitePath())!;

    protected override GrainStateDatabase OpenDatabase(string location) => new SqliteGrainStateDatabase(Path.Combine(folder, location + ".db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task The_file_uses_the_write_ahead_log_and_holds_one_row_per_state()
    {
        await Storage.WriteStateAsync("state", GrainId.Create("counter", "c1"), new GrainState<TestCounterState> { State = new() { Count = 1 } });
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "main.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = $"SELECT service_id || '/' || grain_type || '/' || grain_key || '/' || state_name || '@' || version FROM {GrainStateDatabase.TableName}";
        Assert.Equal("test-service/counter/c1/state@1", command.ExecuteScalar());
    }
}
