using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Amber.Grains.Tests.Cluster;

/// <summary>
/// A real Orleans cluster in this process (Microsoft.Orleans.TestingHost): two silos hosting Amber's grains with memory
/// storage, in-memory reminders and one-second leases, and a client the tests drive as workers and users.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    /// <summary>The lease the cluster hands out: short, so expiry tests take about a second.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    /// <summary>How long a gang may gather: short, so the timeout test takes seconds.</summary>
    public static readonly TimeSpan GatheringTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The cluster.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>A client of the cluster.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.State);
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
            silo.AddAmberGrains(o =>
            {
                o.LeaseDuration = Lease;
                o.GatheringTimeout = GatheringTimeout;
                o.SweepFlushInterval = TimeSpan.FromMilliseconds(50);
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>
    /// Answers a feature-set step as an executor that reads no features does (a plan of zero utterances: ready at once);
    /// false for other work. Tests that act as workers call it first for every item they get.
    /// </summary>
    public async Task<bool> AnswerFeaturesAsync(string workerId, WorkItem item)
    {
        if (item.Kind != WorkKind.Features) return false;
        var task = item.Features!;
        Assert.Equal(FeatureStep.Plan, task.Step);
        Assert.True(await Client.GetGrain<IFeatureSetGrain>(task.SetKey).CompleteAsync(workerId,
            new FeatureTaskResult(task.Step, task.Index, task.Attempt, Plan: new FeaturePlan(0, 1, "none"))));
        return true;
    }

    /// <summary>
    /// Asks the scheduler as <paramref name="workerId"/> until it hands out work of sweep <paramref name="sweepId"/>: feature
    /// steps are answered, and earlier tests' summaries written, on the way (tests share a cluster, so each test finishes
    /// or cancels its sweep; a run of another sweep is an error).
    /// </summary>
    public async Task<WorkItem> NextForAsync(string workerId, string sweepId)
    {
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            cts.Token.ThrowIfCancellationRequested();
            var item = await scheduler.NextAsync(workerId, TimeSpan.FromMilliseconds(500));
            if (item is null || await AnswerFeaturesAsync(workerId, item)) continue;
            if (item.SweepId == sweepId) return item;
            if (item.Kind == WorkKind.Summary)
            {
                await Client.GetGrain<ISweepGrain>(item.SweepId!).CompleteSummaryAsync(workerId, item.SummaryAttempt, null);
                continue;
            }
            throw new InvalidOperationException($"got a run of another sweep ({item.SweepId}); tests share a cluster, so each test finishes or cancels its sweep");
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
