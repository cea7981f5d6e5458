using Amber.Silo.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Orleans.Storage;
using static Amber.Silo.Tests.Persistence.PersistenceTestServices;

namespace Amber.Silo.Tests.Persistence;

/// <summary>The provider inside real silos: its registrations, and a grain's state surviving a cluster restart.</summary>
public sealed class SqlGrainStorageHostingTests : IDisposable
{
    private readonly string path = TempSqlitePath();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void Registrations_give_named_and_default_providers_with_the_silo_serializer_in_the_silo_lifecycle()
    {
        using var host = BuildSilo(silo => silo
            .AddAmberSqliteGrainStorage("amber", path)
            .AddAmberPostgresGrainStorageAsDefault("Host=127.0.0.1;Database=unused;Password=not-logged", o => o.PostgresSchema = "amber"));
        var services = host.Services;

        var named = Assert.IsType<SqlGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>("amber"));
        Assert.Equal(Path.GetFullPath(path), Assert.IsType<SqliteGrainStateDatabase>(named.Database).Path);
        var byDefault = Assert.IsType<SqlGrainStorage>(services.GetRequiredService<IGrainStorage>());
        Assert.Equal("amber", Assert.IsType<PostgresGrainStateDatabase>(byDefault.Database).Schema);
        Assert.Same(byDefault, services.GetRequiredKeyedService<IGrainStorage>("Default"));

        var participants = services.GetServices<ILifecycleParticipant<ISiloLifecycle>>().ToList();
        Assert.Contains(named, participants);
        Assert.Contains(byDefault, participants);
        Assert.IsType<OrleansGrainStorageSerializer>(named.Serializer);
    }

    [Fact]
    public async Task A_grain_state_written_in_one_cluster_is_read_by_the_next_cluster_over_the_same_file()
    {
        await using (var first = await StartClusterAsync())
        {
            var grain = first.Client.GetGrain<ITestCounterGrain>("embedded-1");
            Assert.Equal((false, null), await grain.GetStorageInfoAsync());
            Assert.Equal(1, await grain.AddAsync("alpha"));
            Assert.Equal(2, await grain.AddAsync("beta"));
            await first.StopAllSilosAsync();
        }

        await using var second = await StartClusterAsync();
        var again = second.Client.GetGrain<ITestCounterGrain>("embedded-1");
        var state = await again.GetAsync();
        Assert.Equal(2, state.Count);
        Assert.Equal<string>(["alpha", "beta"], state.Items);
        Assert.Equal((true, "2"), await again.GetStorageInfoAsync());
        Assert.Equal(3, await again.AddAsync("gamma"));
        Assert.Equal(0, (await second.Client.GetGrain<ITestCounterGrain>("embedded-2").GetAsync()).Count);
    }

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        // The service id is part of every row's key: a restarted deployment of the same service keeps it.
        builder.Options.ServiceId = "amber-grainstore-e2e";
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo.AddAmberSqliteGrainStorage("amber", path));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
