using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Silo.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// A silo dies in the middle of a sweep: a two-silo Orleans test cluster with grain state in one SQLite file (as two
/// processes sharing a database would have it), three worker lanes, and one silo killed without a goodbye while runs are
/// leased. The grains it hosted come back on the survivor from their stored state, and the sweep completes with
/// exactly its planned runs — each committed once.
/// </summary>
public sealed class SiloFailoverTests : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("amber-failover-").FullName;
    private InProcessTestCluster cluster = null!;

    public async Task InitializeAsync()
    {
        string database = Path.Combine(folder, "state.db");
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAmberSqliteGrainStorage(StorageNames.State, database);
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
            silo.AddAmberGrains(o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(2);
                o.SweepFlushInterval = TimeSpan.FromMilliseconds(100);
            });
        });
        // Fast failure detection (DEPENDENCIES.md: declared dead in 1–2 s) and short call timeouts, as the cluster profiles use.
        builder.ConfigureSiloHost((_, host) => host.Services.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        }));
        builder.ConfigureClient(c => c.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
        Directory.Delete(folder, true);
    }

    [Fact]
    public async Task Killing_a_silo_mid_sweep_loses_no_run_and_counts_none_twice()
    {
        const string spec = "name: failover\nmethods: [ce, amber2, soft]\nprotocol: {folds: 4, seeds: [1, 2]}\nbudget: {max_parallel_runs: 3}\n";
        var client = cluster.Client;
        string id = SweepIds.New(DateTimeOffset.UtcNow);
        var info = await client.GetGrain<ISweepGrain>(id).SubmitAsync(new SweepSubmission(spec, "test", DateTimeOffset.UtcNow));
        Assert.Equal(24, info.PlannedRuns);

        var commits = new System.Collections.Concurrent.ConcurrentBag<(string Run, int Attempt)>();
        int started = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        async Task Lane(string worker)
        {
            var scheduler = client.GetGrain<ISchedulerGrain>(0);
            while (!stop.IsCancellationRequested)
            {
                WorkItem? item;
                try
                {
                    item = await scheduler.NextAsync(worker, TimeSpan.FromMilliseconds(500));
                }
                catch (Exception)
                {
                    await Task.Delay(200);      // the scheduler's silo may just have died: ask again
                    continue;
                }
                if (item is null) continue;
                try
                {
                    if (await NoFeatureSets.AnswerAsync(client, worker, item)) continue;
                    if (item.Kind == WorkKind.Summary)
                    {
                        await client.GetGrain<ISweepGrain>(item.SweepId!).CompleteSummaryAsync(worker, item.SummaryAttempt, null);
                        continue;
                    }
                    var run = item.Run!;
                    Interlocked.Increment(ref started);
                    var grain = client.GetGrain<IRunGrain>(run.RunId);
                    await Task.Delay(150);   // "training"
                    var ack = await grain.CompleteAsync(worker, run.Attempt, new RunOutcome([new MetricRow("test", "all", "js", run.Protocol.Seed)], new Dictionary<string, string>(), 1));
                    if (ack.Accepted && ack.Status == RunStatus.Succeeded) commits.Add((run.RunId, run.Attempt));
                }
                catch (Exception)
                {
                    // A call that died with the silo: the lease lapses and the run is handed out again.
                }
            }
        }
        var lanes = new[] { "wk-1", "wk-2", "wk-3" }.Select(w => Task.Run(() => Lane(w))).ToList();

        while (Volatile.Read(ref started) < 6) await Task.Delay(20, stop.Token);
        var victim = cluster.Silos[1];
        await cluster.KillSiloAsync(victim);

        SweepInfo? final = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                final = await client.GetGrain<ISweepGrain>(id).GetAsync();
                if (final!.Completed) break;
            }
            catch (Exception)
            {
                // the sweep grain may be moving to the survivor
            }
            await Task.Delay(100, stop.Token);
        }
        await stop.CancelAsync();
        await Task.WhenAll(lanes);

        Assert.NotNull(final);
        Assert.True(final.Completed, "the sweep did not complete after the silo was killed");
        Assert.Equal((SweepStatus.Succeeded, 24, 0, 0), (final.Status, final.Succeeded, final.Failed, final.Cancelled));
        var runs = await client.GetGrain<ISweepGrain>(id).GetRunsAsync();
        Assert.Equal(24, runs.Select(r => r.Run.RunId).Distinct().Count());
        Assert.All(runs, r => Assert.Equal(RunStatus.Succeeded, r.Run.Status));
        // Every run was committed exactly once, by the attempt the run grain recorded.
        Assert.Equal(24, commits.Count);
        Assert.Equal(24, commits.Select(c => c.Run).Distinct().Count());
        foreach (var r in runs) Assert.Contains((r.Run.RunId, r.Run.Attempt), commits);
    }
}
