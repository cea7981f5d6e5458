using Amber.Grains.Contracts;
using Amber.Grains.Runs;

namespace Amber.Grains.Tests.Cluster;

/// <summary>
/// A sweep's feature set on a real two-silo cluster: its steps go to idle worker lanes through the scheduler before any
/// run, shards in parallel to different workers; runs wait with the "features being prepared" reason; a lapsed shard goes
/// to another worker and the late answer is refused; once the manifest is in, runs are handed out.
/// </summary>
public sealed class FeatureSetTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    private async Task<WorkItem> NextAsync(string workerId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            cts.Token.ThrowIfCancellationRequested();
            var item = await Client.GetGrain<ISchedulerGrain>(0).NextAsync(workerId, TimeSpan.FromMilliseconds(500));
            if (item is not null) return item;
        }
    }

    [Fact]
    public async Task Shards_go_to_several_workers_before_any_run_and_runs_follow_the_manifest()
    {
        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-fs";
        var sweep = Client.GetGrain<ISweepGrain>(id);
        await sweep.SubmitAsync(new SweepSubmission($"""
            name: features
            corpus: iemocap:/data/{Guid.NewGuid():N}/IEMOCAP_full_release
            features: builtin
            protocol:
              folds: 2
              seeds: [1]
            methods: [ce]
            budget:
              max_trials: 1
              max_parallel_runs: 4
            """, "test", DateTimeOffset.UtcNow));
        Assert.Equal("planning the shards", (await sweep.GetAsync())!.FeaturesPending);

        var plan = await NextAsync("wk-a");
        Assert.Equal((WorkKind.Features, FeatureStep.Plan), (plan.Kind, plan.Features!.Step));
        var set = Client.GetGrain<IFeatureSetGrain>(plan.Features.SetKey);
        Assert.Null(await Client.GetGrain<ISchedulerGrain>(0).NextAsync("wk-b", TimeSpan.FromMilliseconds(300)));   // no run while planning
        Assert.True(await set.CompleteAsync("wk-a", new FeatureTaskResult(FeatureStep.Plan, 0, 1, Plan: new FeaturePlan(10, 4, "features/test"))));

        var a = await NextAsync("wk-a");
        var b = await NextAsync("wk-b");
        var c = await NextAsync("wk-c");
        Assert.Equal([0, 1, 2], new[] { a, b, c }.Select(w => w.Features!.Index).Order());
        Assert.All(new[] { a, b, c }, w => Assert.Equal(FeatureStep.Shard, w.Features!.Step));
        Assert.Equal("0 of 3 shards extracted", (await sweep.GetAsync())!.FeaturesPending);
        var runs = await sweep.GetRunsAsync();
        Assert.All(runs, r => Assert.Equal(RunStatus.Queued, r.Run.Status));

        Assert.True(await set.CompleteAsync("wk-a", Done(a.Features!)));
        Assert.True(await set.CompleteAsync("wk-b", Done(b.Features!)));
        // wk-c stalls past its lease: its shard goes to the next asker, and wk-c's late answer is dropped.
        var again = await NextAsync("wk-a");
        Assert.Equal((FeatureStep.Shard, c.Features!.Index, 2), (again.Features!.Step, again.Features.Index, again.Features.Attempt));
        Assert.False(await set.CompleteAsync("wk-c", Done(c.Features)));
        Assert.True(await set.CompleteAsync("wk-a", Done(again.Features)));

        var assemble = await NextAsync("wk-b");
        Assert.Equal(FeatureStep.Assemble, assemble.Features!.Step);
        Assert.Equal(3, assemble.Features.Shards.Count);
        Assert.True(await set.CompleteAsync("wk-b", new FeatureTaskResult(FeatureStep.Assemble, 0, assemble.Features.Attempt, Manifest: "features/test")));

        var run = await NextAsync("wk-c");
        Assert.Equal((WorkKind.Run, id), (run.Kind, run.SweepId));
        Assert.Null((await sweep.GetAsync())!.FeaturesPending);
        var info = await set.GetAsync();
        Assert.Equal((FeatureSetStatus.Ready, "features/test", 3), (info.Status, info.Manifest, info.ShardsDone));
        await sweep.CancelAsync("test over");
    }

    private static FeatureTaskResult Done(FeatureTask t) =>
        new(t.Step, t.Index, t.Attempt, Shards: [new FeatureShardRef("speech", $"features/test/shards/speech-{t.Index}.npy", t.FirstRow, t.Rows, 8, new string('0', 64))]);
}
