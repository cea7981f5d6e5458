using System.Net;
using Amber.Silo.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Messaging;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// The contract of this project's schema and query texts with Orleans' own ADO.NET clustering, gateway-list and reminder
/// providers, on a real PostgreSQL: the providers are resolved from real (never started) silo and client hosts and run
/// every query the way a silo does, including the optimistic-concurrency cases the membership protocol relies on.
/// </summary>
public sealed class OrleansPostgresTablesTests : IAsyncLifetime
{
    private const string ClusterId = "contract-cluster";
    private TestDatabase database = null!;
    private IHost silo = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        await OrleansPostgresTables.EnsureAsync(database.ConnectionString);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(s =>
        {
            s.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = "contract-service"; });
            s.UseAdoNetClustering(o => { o.Invariant = OrleansPostgresTables.Invariant; o.ConnectionString = database.ConnectionString; });
            s.UseAdoNetReminderService(o => { o.Invariant = OrleansPostgresTables.Invariant; o.ConnectionString = database.ConnectionString; });
        });
        silo = builder.Build();
    }

    public async Task DisposeAsync()
    {
        silo.Dispose();
        await database.DisposeAsync();
    }

    private IMembershipTable Membership => silo.Services.GetRequiredService<IMembershipTable>();

    private IReminderTable Reminders => silo.Services.GetRequiredService<IReminderTable>();

    private static MembershipEntry Entry(int port, SiloStatus status, int gatewayPort = 0) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 42),
        SiloName = $"silo-{port}",
        HostName = "host-a",
        Status = status,
        ProxyPort = gatewayPort,
        StartTime = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc),
        IAmAliveTime = new DateTime(2026, 11, 30, 12, 0, 1, DateTimeKind.Utc),
    };

    [Fact]
    public async Task Membership_rows_round_trip_and_every_change_moves_the_table_version()
    {
        var table = Membership;
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);   // a second silo: the version row already exists
        var empty = await table.ReadAllAsync();
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        var a = Entry(11111, SiloStatus.Joining, 30000);
        Assert.True(await table.InsertRowAsync(a, empty.Version.Next()));
        var afterInsert = await table.ReadAllAsync();
        Assert.Equal(1, afterInsert.Version.Version);
        var (read, rowEtag) = Assert.Single(afterInsert.Members);
        Assert.Equal((a.SiloAddress, a.SiloName, a.HostName, a.Status, a.ProxyPort), (read.SiloAddress, read.SiloName, read.HostName, read.Status, read.ProxyPort));
        Assert.Equal(a.StartTime, read.StartTime);
        Assert.Equal(a.IAmAliveTime, read.IAmAliveTime);

        // The same silo again, or any insert from the stale version: refused, and nothing changes.
        Assert.False(await table.InsertRowAsync(a, afterInsert.Version.Next()));
        Assert.False(await table.InsertRowAsync(Entry(11112, SiloStatus.Joining), empty.Version.Next()));
        Assert.Equal(1, (await table.ReadAllAsync()).Version.Version);

        // Update with suspicions from the current version; a second update from the same (now stale) version loses.
        a.Status = SiloStatus.Active;
        var suspecter = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 7);
        var suspectedAt = new DateTime(2026, 11, 30, 12, 0, 5, DateTimeKind.Utc);
        a.SuspectTimes = [Tuple.Create(suspecter, suspectedAt)];
        Assert.True(await table.UpdateRowAsync(a, rowEtag, afterInsert.Version.Next()));
        a.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRowAsync(a, rowEtag, afterInsert.Version.Next()));
        var row = await table.ReadRowAsync(a.SiloAddress);
        Assert.Equal(2, row.Version.Version);
        var (updated, _) = Assert.Single(row.Members);
        Assert.Equal(SiloStatus.Active, updated.Status);
        var (who, when) = Assert.Single(updated.SuspectTimes!);
        Assert.Equal((suspecter, suspectedAt), (who, when));

        // A row that is not there reads as the version alone.
        var missing = await table.ReadRowAsync(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1));
        Assert.Empty(missing.Members);
        Assert.Equal(2, missing.Version.Version);

        // The heartbeat changes the time only, not the version.
        a.IAmAliveTime = new DateTime(2026, 11, 30, 12, 1, 0, DateTimeKind.Utc);
        await table.UpdateIAmAliveAsync(a);
        var beat = await table.ReadAllAsync();
        Assert.Equal(2, beat.Version.Version);
        Assert.Equal(a.IAmAliveTime, Assert.Single(beat.Members).Item1.IAmAliveTime);
    }

    [Fact]
    public async Task Of_concurrent_inserts_from_one_version_exactly_one_wins()
    {
        var table = Membership;
        await table.InitializeMembershipTableAsync(true);
        var version = (await table.ReadAllAsync()).Version.Next();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => table.InsertRowAsync(Entry(12000 + i, SiloStatus.Joining), version)));
        Assert.Equal(1, results.Count(r => r));
        var after = await table.ReadAllAsync();
        Assert.Single(after.Members);
        Assert.Equal(1, after.Version.Version);
    }

    [Fact]
    public async Task Gateways_are_the_active_silos_with_a_gateway_port_and_defunct_rows_are_cleaned_up()
    {
        var table = Membership;
        await table.InitializeMembershipTableAsync(true);
        var active = Entry(13001, SiloStatus.Active, 30001);
        var joining = Entry(13002, SiloStatus.Joining, 30002);
        var noGateway = Entry(13003, SiloStatus.Active);
        var dead = Entry(13004, SiloStatus.Dead, 30004);
        foreach (var e in new[] { active, joining, noGateway, dead })
            Assert.True(await table.InsertRowAsync(e, (await table.ReadAllAsync()).Version.Next()));

        var clientBuilder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        clientBuilder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = "contract-service"; });
            c.UseAdoNetClustering(o => { o.Invariant = OrleansPostgresTables.Invariant; o.ConnectionString = database.ConnectionString; });
        });
        using var client = clientBuilder.Build();
        var gateways = client.Services.GetRequiredService<IGatewayListProvider>();
        await gateways.InitializeGatewayListProvider();
        var uri = Assert.Single(await gateways.GetGateways());
        Assert.Equal(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 30001), 42).ToGatewayUri(), uri);

        // Cleanup removes rows of silos that are not active and were last alive before the cut-off.
        await table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(2026, 11, 30, 12, 0, 2, TimeSpan.Zero));
        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order().ToArray();
        Assert.Equal([13001, 13003], left);

        await table.DeleteMembershipTableEntriesAsync(ClusterId);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT (SELECT count(*) FROM orleans_membership) + (SELECT count(*) FROM orleans_membership_version)", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Reminders_upsert_read_by_grain_and_by_hash_range_and_delete_by_etag()
    {
        var table = Reminders;
        await table.StartAsync();
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("test-grain", $"g{i}")).ToArray();
        var start = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
        var etags = new Dictionary<GrainId, string>();
        foreach (var g in grains)
            etags[g] = (await table.UpsertRow(new ReminderEntry { GrainId = g, ReminderName = "lease", StartAt = start, Period = TimeSpan.FromMinutes(1) }))!;
        // A period beyond int milliseconds is stored as such (the provider then binds a 64-bit value).
        var longPeriod = TimeSpan.FromDays(40);
        string second = (await table.UpsertRow(new ReminderEntry { GrainId = grains[0], ReminderName = "lease", StartAt = start.AddHours(1), Period = longPeriod }))!;
        Assert.NotEqual(etags[grains[0]], second);

        var row = await table.ReadRow(grains[0], "lease");
        Assert.NotNull(row);
        Assert.Equal((start.AddHours(1), longPeriod, second), (row!.StartAt, row.Period, row.ETag));
        Assert.Null(await table.ReadRow(grains[0], "absent"));
        Assert.Single((await table.ReadRows(grains[1])).Reminders);

        // Ranges of the ring: (begin, end] without and with wrap-around, checked against the grains' own hashes.
        uint begin = grains[5].GetUniformHashCode(), end = grains[17].GetUniformHashCode();
        foreach (var (b, e) in new[] { (Math.Min(begin, end), Math.Max(begin, end)), (Math.Max(begin, end), Math.Min(begin, end)) })
        {
            var expected = grains.Where(g => InRange(g.GetUniformHashCode(), b, e)).Select(g => g.ToString()).Order().ToArray();
            var actual = (await table.ReadRows(b, e)).Reminders.Select(r => r.GrainId.ToString()).Order().ToArray();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, actual);
        }

        // Deleting with a stale etag fails; with the current one it succeeds once.
        Assert.False(await table.RemoveRow(grains[0], "lease", etags[grains[0]]));
        Assert.True(await table.RemoveRow(grains[0], "lease", second));
        Assert.False(await table.RemoveRow(grains[0], "lease", second));
        Assert.Null(await table.ReadRow(grains[0], "lease"));

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, 0)).Reminders.Concat((await table.ReadRows(grains[1])).Reminders));
    }

    // The ring's range (begin, end]; begin >= end wraps past the top (begin == end is the whole ring).
    private static bool InRange(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    [Fact]
    public async Task Silos_starting_together_create_the_tables_once_and_a_rerun_changes_nothing()
    {
        await using var fresh = await TestDatabase.CreateAsync();
        var versions = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => OrleansPostgresTables.EnsureAsync(fresh.ConnectionString)));
        Assert.All(versions, v => Assert.Equal(OrleansPostgresTables.SchemaVersion, v));
        Assert.Equal(OrleansPostgresTables.SchemaVersion, await OrleansPostgresTables.EnsureAsync(fresh.ConnectionString));
        await using var connection = new NpgsqlConnection(fresh.ConnectionString);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", connection);
        Assert.Equal((long)OrleansPostgresTables.Queries.Count, await keys.ExecuteScalarAsync());
        await using var applied = new NpgsqlCommand("SELECT count(*) FROM amber_orleans_schema", connection);
        Assert.Equal((long)OrleansPostgresTables.SchemaVersion, await applied.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_with_a_clear_error()
    {
        await using var fresh = await TestDatabase.CreateAsync();
        await OrleansPostgresTables.EnsureAsync(fresh.ConnectionString);
        await using (var connection = new NpgsqlConnection(fresh.ConnectionString))
        {
            await connection.OpenAsync();
            await using var bump = new NpgsqlCommand($"INSERT INTO amber_orleans_schema (version) VALUES ({OrleansPostgresTables.SchemaVersion + 1})", connection);
            await bump.ExecuteNonQueryAsync();
        }
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OrleansPostgresTables.EnsureAsync(fresh.ConnectionString));
        Assert.Contains("upgrade the silo", error.Message, StringComparison.Ordinal);
    }
}
