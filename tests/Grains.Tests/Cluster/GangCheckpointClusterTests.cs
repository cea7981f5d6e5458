using Amber.Grains.Contracts;
using Amber.Grains.Runs;

namespace Amber.Grains.Tests.Cluster;

/// <summary>
/// Gangs and checkpoints on a real two-silo cluster: ranks learn each other's ring endpoints from the worker grains, the
/// run grain records checkpoints (keeping two) and hands them to the next attempt, and a gang that cannot form gives its
/// members back at the gathering timeout.
/// </summary>
public sealed class GangCheckpointClusterTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    private static string Spec(string name, int gang) => $"""
        name: {name}
        corpus: synthetic
        features: builtin
        protocol:
          folds: 1
          seeds: [1]
        methods: [ce]
        sampler: grid
        budget:
          max_trials: 1
          max_parallel_runs: 1
        gang_size: {gang}
        retries: 2
        """;

    [Fact]
    public async Task Ranks_get_each_others_endpoints_and_a_retry_gets_the_checkpoints_rank_0_recorded()
    {
        string id = await SubmitAsync(Spec("gang-ckpt", 2));
        await Client.GetGrain<IWorkerGrain>("wk-gc-a").RegisterAsync(new WorkerCapabilities("a", Endpoint: "127.0.0.1:4001"));
        await Client.GetGrain<IWorkerGrain>("wk-gc-b").RegisterAsync(new WorkerCapabilities("b", Endpoint: "127.0.0.1:4002"));
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        var a = await fixture.NextForAsync("wk-gc-a", id);
        var b = await fixture.NextForAsync("wk-gc-b", id);
        Assert.Equal(["127.0.0.1:4001", "127.0.0.1:4002"], b.Run!.Gang.Endpoints);
        var grain = Client.GetGrain<IRunGrain>(b.Run.RunId);
        var renew = await grain.RenewAsync("wk-gc-a", a.Run!.Attempt);
        Assert.Equal(["127.0.0.1:4001", "127.0.0.1:4002"], renew.Endpoints);  // rank 0 learns them when it sees the gang complete

        string prefix = RunGrain.ArtifactPrefix(id, b.Run.RunId, 1);
        CheckpointRef Ref(int epoch) => new($"{prefix}checkpoints/epoch-{epoch:D6}.ckpt", epoch, 1, $"{epoch:D64}");
        Assert.Empty((await grain.RecordCheckpointAsync("wk-gc-a", 1, Ref(1))).Dropped);
        Assert.Empty((await grain.RecordCheckpointAsync("wk-gc-a", 1, Ref(2))).Dropped);
        Assert.Equal([Ref(1)], (await grain.RecordCheckpointAsync("wk-gc-a", 1, Ref(3))).Dropped);
        Assert.False((await grain.RecordCheckpointAsync("wk-gc-b", 1, Ref(4))).Accepted);          // rank 1 writes none
        var outside = await grain.RecordCheckpointAsync("wk-gc-a", 1, Ref(4) with { Name = $"sweeps/{id}/runs/x/a1/checkpoints/e.ckpt" });
        Assert.False(outside.Accepted);                                                             // not under the attempt's prefix
        Assert.Equal(Ref(3), (await grain.GetAsync())!.LatestCheckpoint);
        Assert.True((await grain.RenewAsync("wk-gc-b", 1)).Accepted);                               // rank 1 still holds the attempt

        // The attempt fails (a peer died): the next gang resumes from what rank 0 recorded.
        Assert.Equal(RunStatus.Queued, (await grain.FailAsync("wk-gc-b", 1, "CollectiveException: rank 0 stopped answering")).Status);
        var a2 = await fixture.NextForAsync("wk-gc-b", id);
        Assert.Equal(2, a2.Run!.Attempt);
        Assert.Equal([Ref(2), Ref(3)], a2.Run.Checkpoints);
        var b2 = await fixture.NextForAsync("wk-gc-a", id);
        Assert.Equal(["127.0.0.1:4002", "127.0.0.1:4001"], b2.Run!.Gang.Endpoints);                 // ranks follow this gang's joining order

        Assert.Equal(RunStatus.Succeeded, (await grain.CompleteAsync("wk-gc-b", 2, RunOutcome.Empty)).Status);
        Assert.Null((await grain.GetAsync())!.LatestCheckpoint);                                   // a finished run keeps none
    }

    [Fact]
    public async Task A_gang_that_cannot_form_returns_its_member_at_the_gathering_timeout()
    {
        string id = await SubmitAsync(Spec("gang-timeout", 3));
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        var held = await fixture.NextForAsync("wk-gt-a", id);
        Assert.Equal(RunStatus.Gathering, held.RunStatus);
        var grain = Client.GetGrain<IRunGrain>(held.Run!.RunId);
        // The member keeps renewing (as a waiting worker does), so only the gathering timeout can release it.
        var started = DateTime.UtcNow;
        RunAck ack;
        do
        {
            await Task.Delay(200);
            ack = await grain.RenewAsync("wk-gt-a", held.Run.Attempt);
        }
        while (ack.Accepted && DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        Assert.False(ack.Accepted);
        Assert.InRange(DateTime.UtcNow - started, GrainClusterFixture.GatheringTimeout - TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        var info = (await grain.GetAsync())!;
        Assert.Equal((RunStatus.Queued, 0), (info.Status, info.Failures));
        Assert.Contains("gathering timeout", info.LastError, StringComparison.Ordinal);
        Assert.Empty(info.Workers);
        await Client.GetGrain<ISweepGrain>(id).CancelAsync("test over");
    }

    private async Task<string> SubmitAsync(string spec)
    {
        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-" + Guid.NewGuid().ToString("N")[..4];
        await Client.GetGrain<ISweepGrain>(id).SubmitAsync(new SweepSubmission(spec, "test", DateTimeOffset.UtcNow));
        return id;
    }
}
