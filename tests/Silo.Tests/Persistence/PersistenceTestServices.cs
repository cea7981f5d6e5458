using Amber.Silo.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Amber.Silo.Tests.Persistence;

/// <summary>
/// What the grain-storage tests share: the services of a real (never started) silo, where Orleans' serializer and
/// activators come from, and throwaway databases (a temp SQLite file, a fresh PostgreSQL schema).
/// </summary>
public static class PersistenceTestServices
{
    private static readonly Lazy<IHost> SiloHost = new(() => BuildSilo(_ => { }));

    /// <summary>The services of a silo built with Orleans' defaults.</summary>
    public static IServiceProvider Services => SiloHost.Value.Services;

    /// <summary>The connection string test.sh exports; the test fails (never skips) without it.</summary>
    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("AMBER_TEST_POSTGRES") is { Length: > 0 } cs ? cs
        : throw new InvalidOperationException(
            "AMBER_TEST_POSTGRES is not set: run the tests through ./test.sh, or `source scripts/test-services.sh; amber_install_apt; amber_start_postgres` first");

    /// <summary>A silo host (not started) configured by <paramref name="configure"/> on top of localhost clustering.</summary>
    public static IHost BuildSilo(Action<ISiloBuilder> configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            configure(silo);
        });
        return builder.Build();
    }

    /// <summary>A provider over <paramref name="database"/> with the serializer the registrations choose (a hosting test checks that).</summary>
    public static SqlGrainStorage Storage(GrainStateDatabase database, string serviceId = "test-service") =>
        new("amber", serviceId, database, new OrleansGrainStorageSerializer(Services.GetRequiredService<Serializer>()),
            Services.GetRequiredService<IActivatorProvider>(), NullLogger<SqlGrainStorage>.Instance);

    /// <summary>A path for a new SQLite file in a folder of its own.</summary>
    public static string TempSqlitePath() =>
        Path.Combine(Path.GetTempPath(), "amber-grainstore-tests", Guid.NewGuid().ToString("N"), "grains.db");

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchemaName() => "gs_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Drops a test schema with its tables.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
