using Amber.Silo.Tests.Persistence;
using Npgsql;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// A PostgreSQL database of its own for one test (on test.sh's throwaway server), dropped on dispose: the Orleans tables
/// live in the connection's default schema, so tests that run side by side must not share a database.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>A connection string to it.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates an empty database.</summary>
    public static async Task<TestDatabase> CreateAsync()
    {
        string name = "amber_cluster_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(PersistenceTestServices.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(PersistenceTestServices.PostgresConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    /// <summary>Drops the database (its open connections are closed first).</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PersistenceTestServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
