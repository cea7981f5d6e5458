using Amber.Silo.Persistence;
using System.Diagnostics;
using Orleans.Storage;
using Xunit.Abstractions;
using static Amber.Silo.Tests.Persistence.PersistenceTestServices;
using static Amber.Silo.Tests.Persistence.TestStates;

namespace Amber.Silo.Tests.Persistence;

/// <summary>The contract every <see cref="SqlGrainStorage"/> database passes; derived once per backend.</summary>
public abstract class GrainStorageContract(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<SqlGrainStorage> opened = [];

    /// <summary>The provider of the test, over a migrated, empty database.</summary>
    protected SqlGrainStorage Storage { get; private set; } = null!;

    /// <summary>
    /// Opens a database at the test's location named <paramref name="location"/>: the same name gives the same data (a
    /// restarted silo, a second silo), another name an empty database nobody migrated yet.
    /// </summary>
    protected abstract GrainStateDatabase OpenDatabase(string location);

    /// <summary>A provider over <see cref="OpenDatabase"/>, disposed after the test.</summary>
    protected SqlGrainStorage Open(string location = "main", string serviceId = "test-service")
    {
        var storage = PersistenceTestServices.Storage(OpenDatabase(location), serviceId);
        opened.Add(storage);
        return storage;
    }

    public async Task InitializeAsync()
    {
        Storage = Open();
        await Storage.EnsureSchemaAsync();
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var storage in opened) await storage.DisposeAsync();
    }

    protected static GrainId Grain(string type, string key) => GrainId.Create(type, key);

    [Fact]
    public async Task Reading_a_missing_grain_gives_the_default_state_and_no_etag()
    {
        var state = new GrainState<TestCounterState> { ETag = "stale", RecordExists = true };
        await Storage.ReadStateAsync("state", Grain("counter", "nobody"), state);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.NotNull(state.State);
        Assert.Equal(0, state.State.Count);
        Assert.True(state.State.Items.IsEmpty);
    }

    [Fact]
    public async Task A_realistic_record_state_round_trips_and_each_write_issues_a_new_etag()
    {
        var grain = Grain("sweep", "sw-round");
        var written = Sweep("sw-round", trials: 3, marker: "first");
        var state = new GrainState<TestSweepState> { State = written };
        await Storage.WriteStateAsync("state", grain, state);
        Assert.True(state.RecordExists);
        string? first = state.ETag;
        Assert.NotNull(first);

        var read = new GrainState<TestSweepState>();
        await Open().ReadStateAsync("state", grain, read);
        AssertSame(written, read.State);
        Assert.Equal((first, true), (read.ETag, read.RecordExists));

        // A second write from the read ETag, with nulls where there were values and an empty collection.
        var changed = written with { FinishedAt = null, Note = null, Best = null, Trials = [], Outcomes = written.Outcomes.Clear() };
        read.State = changed;
        await Storage.WriteStateAsync("state", grain, read);
        Assert.NotEqual(first, read.ETag);
        var again = new GrainState<TestSweepState>();
        await Storage.ReadStateAsync("state", grain, again);
        AssertSame(changed, again.State);
        Assert.Equal(read.ETag, again.ETag);
    }

    [Fact]
    public async Task Concurrent_writers_from_the_same_version_see_exactly_one_win()
    {
        var grain = Grain("sweep", "sw-race");
        // First from "no state" (every writer inserts), then from a common stored version (every writer updates).
        foreach (string? etag in new[] { null, "read-back" })
        {
            string? start = etag;
            if (etag is not null)
            {
                var current = new GrainState<TestSweepState>();
                await Storage.ReadStateAsync("state", grain, current);
                start = current.ETag;
            }
            var storages = new[] { Storage, Open(), Open() };
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                var mine = new GrainState<TestSweepState> { State = Sweep("sw-race", trials: 1, marker: $"writer-{i}"), ETag = start };
                try
                {
                    await storages[i % storages.Length].WriteStateAsync("state", grain, mine);
                    return (Writer: i, Won: true, mine.ETag);
                }
                catch (InconsistentStateException)
                {
                    return (Writer: i, Won: false, mine.ETag);
                }
            })));
            var winner = Assert.Single(outcomes, o => o.Won);
            var stored = new GrainState<TestSweepState>();
            await Storage.ReadStateAsync("state", grain, stored);
            Assert.Equal($"writer-{winner.Writer}", stored.State!.Note);
            Assert.Equal(winner.ETag, stored.ETag);
        }
    }

    [Fact]
    public async Task A_lost_etag_check_names_the_grain_and_database_but_never_the_payload()
    {
        var grain = Grain("sweep", "sw-conflict");
        const string secret = "payload-secret-7f3a";
        var state = new GrainState<TestSweepState> { State = Sweep("sw-conflict", marker: secret) };
        await Storage.WriteStateAsync("state", grain, state);
        string stale = state.ETag!;
        await Storage.WriteStateAsync("state", grain, state);

        var staleWriter = new GrainState<TestSweepState> { State = state.State, ETag = stale };
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", grain, staleWriter));
        Assert.Contains("sweep", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sw-conflict", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Storage.Database.Description, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("password", ex.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal((stale, state.ETag), (ex.CurrentEtag, ex.StoredEtag));

        // A first write (no ETag) where a row exists conflicts too, and an ETag this provider never issued is refused.
        var blind = new GrainState<TestSweepState> { State = state.State };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", grain, blind));
        var foreign = new GrainState<TestSweepState> { State = state.State, ETag = "W/\"0x8D\"" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", grain, foreign));
    }

    [Fact]
    public async Task Clearing_honours_the_etag_and_a_writer_from_before_the_clear_loses()
    {
        var grain = Grain("counter", "c-clear");
        var state = new GrainState<TestCounterState> { State = new TestCounterState { Count = 2, Items = ["a", "b"] } };
        await Storage.WriteStateAsync("state", grain, state);
        string beforeClear = state.ETag!;

        var stale = new GrainState<TestCounterState> { State = state.State, ETag = "999" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", grain, stale));
        var blind = new GrainState<TestCounterState>();
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", grain, blind));

        await Storage.ClearStateAsync("state", grain, state);
        Assert.False(state.RecordExists);
        Assert.Equal(0, state.State.Count);
        Assert.NotEqual(beforeClear, state.ETag);

        var read = new GrainState<TestCounterState>();
        await Storage.ReadStateAsync("state", grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State!.Count);
        Assert.Equal(state.ETag, read.ETag);

        var fromBefore = new GrainState<TestCounterState> { State = new TestCounterState { Count = 3 }, ETag = beforeClear };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", grain, fromBefore));
        read.State = new TestCounterState { Count = 1, Items = ["after"] };
        await Storage.WriteStateAsync("state", grain, read);
        var after = new GrainState<TestCounterState>();
        await Storage.ReadStateAsync("state", grain, after);
        Assert.Equal((1, true), (after.State!.Count, after.RecordExists));
        Assert.Equal<string>(["after"], after.State.Items);

        // Clearing a grain that never stored anything is a no-op.
        var never = new GrainState<TestCounterState>();
        await Storage.ClearStateAsync("state", Grain("counter", "c-never"), never);
        Assert.Null(never.ETag);
        await Storage.ReadStateAsync("state", Grain("counter", "c-never"), never);
        Assert.False(never.RecordExists);
    }

    [Fact]
    public async Task Grain_types_keys_state_names_and_services_are_isolated()
    {
        string[] types = ["sweep", "run", "worker"];
        string[] keys = ["k1", "k2", "K1", "k1/x", "ключ"];
        string[] names = ["state", "index"];
        var expected = new Dictionary<(string, string, string), int>();
        int n = 0;
        foreach (var type in types)
            foreach (var key in keys)
                foreach (var name in names)
                {
                    var s = new GrainState<TestCounterState> { State = new TestCounterState { Count = ++n, Items = [$"{type}|{key}|{name}"] } };
                    await Storage.WriteStateAsync(name, Grain(type, key), s);
                    expected[(type, key, name)] = n;
                }

        var other = Open(serviceId: "other-service");
        foreach (var ((type, key, name), count) in expected)
        {
            var read = new GrainState<TestCounterState>();
            await Storage.ReadStateAsync(name, Grain(type, key), read);
            Assert.Equal(count, read.State!.Count);
            Assert.Equal<string>([$"{type}|{key}|{name}"], read.State.Items);
            var elsewhere = new GrainState<TestCounterState>();
            await other.ReadStateAsync(name, Grain(type, key), elsewhere);
            Assert.False(elsewhere.RecordExists);
        }
    }

    [Fact]
    public async Task A_restarted_provider_over_the_same_database_sees_the_data()
    {
        var grain = Grain("sweep", "sw-restart");
        var written = Sweep("sw-restart", trials: 2);
        var state = new GrainState<TestSweepState> { State = written };
        await Storage.WriteStateAsync("state", grain, state);
        await Storage.DisposeAsync();

        var restarted = Open();
        await restarted.EnsureSchemaAsync(); // a silo start runs it again: idempotent
        var read = new GrainState<TestSweepState>();
        await restarted.ReadStateAsync("state", grain, read);
        AssertSame(written, read.State);
        Assert.Equal(state.ETag, read.ETag);
        await restarted.WriteStateAsync("state", grain, read);
    }

    [Fact]
    public async Task Schema_creation_by_several_providers_at_once_is_safe_and_idempotent()
    {
        var silos = Enumerable.Range(0, 6).Select(_ => Open("fresh")).ToArray();
        await Task.WhenAll(silos.Select(s => Task.Run(() => s.EnsureSchemaAsync())));
        Assert.Equal(1, await silos[0].Database.EnsureSchemaAsync());

        var state = new GrainState<TestCounterState> { State = new TestCounterState { Count = 5 } };
        await silos[1].WriteStateAsync("state", Grain("counter", "c-fresh"), state);
        var read = new GrainState<TestCounterState>();
        await silos[4].ReadStateAsync("state", Grain("counter", "c-fresh"), read);
        Assert.Equal(5, read.State!.Count);
    }

    [Fact]
    public async Task A_database_error_names_the_database_grain_and_operation_but_not_the_payload()
    {
        const string secret = "payload-secret-91c2";
        var unmigrated = Open("unmigrated"); // its table does not exist
        var state = new GrainState<TestSweepState> { State = Sweep("sw-error", marker: secret) };
        var write = await Assert.ThrowsAsync<SqlGrainStorageException>(() => unmigrated.WriteStateAsync("state", Grain("sweep", "sw-error"), state));
        var read = await Assert.ThrowsAsync<SqlGrainStorageException>(() => unmigrated.ReadStateAsync("state", Grain("sweep", "sw-error"), state));
        foreach (var (ex, operation) in new[] { (write, "writing"), (read, "reading") })
        {
            Assert.Contains(unmigrated.Database.Description, ex.Message, StringComparison.Ordinal);
            Assert.Contains($"{operation} grain type 'sweep' key 'sw-error' state 'state'", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sequential_writes_chain_their_etags_and_report_their_latency()
    {
        // Latency is reported, not asserted: the machine is shared. The scheduler's budget is 2 ms per run for several writes.
        const int warmup = 50, writes = 400;
        var grain = Grain("run", "r-latency");
        var state = new GrainState<TestSweepState> { State = Sweep("sw-latency", trials: 2) };
        var micros = new double[writes];
        for (int i = 0; i < warmup + writes; i++)
        {
            state.State = state.State with { Version = i };
            long start = Stopwatch.GetTimestamp();
            await Storage.WriteStateAsync("state", grain, state);
            if (i >= warmup) micros[i - warmup] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Assert.Equal((warmup + writes).ToString(System.Globalization.CultureInfo.InvariantCulture), state.ETag);
        var read = new GrainState<TestSweepState>();
        await Storage.ReadStateAsync("state", grain, read);
        Assert.Equal(warmup + writes - 1, read.State!.Version);

        Array.Sort(micros);
        output.WriteLine($"{Storage.Database.Description}: write of a {Storage.Serializer.Serialize(state.State).ToArray().Length}-byte state: " +
                         $"median {micros[writes / 2]:F0} us, p95 {micros[writes * 95 / 100]:F0} us, mean {micros.Average():F0} us over {writes} writes");
    }
}
