using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;

namespace Amber.Grains.Tests.Cluster;

/// <summary>
/// The grains end to end on a real two-silo Orleans cluster: sweeps submitted, runs handed to worker lanes by the
/// scheduler, leases lapsing into new attempts, stale attempts refused, gangs formed, sweeps cancelled and summarised.
/// </summary>
public sealed class SweepLifecycleTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private static string Spec(string name, int trials = 2, int folds = 3, int seeds = 1, int gang = 1, int parallel = 8, int retries = 1) => $"""
        name: {name}
        corpus: synthetic
        features: builtin
        protocol:
          folds: {folds}
          seeds: [{string.Join(", ", Enumerable.Range(1, seeds))}]
        methods: [ce, amber2, soft, js_entropy]
        space:
          lr: 0.002
        sampler: grid
        budget:
          max_trials: {trials}
          max_parallel_runs: {parallel}
        gang_size: {gang}
        retries: {retries}
        """;

    private IClusterClient Client => fixture.Client;

    private async Task<string> SubmitAsync(string spec)
    {
        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-" + Guid.NewGuid().ToString("N")[..4];
        await Client.GetGrain<ISweepGrain>(id).SubmitAsync(new SweepSubmission(spec, "test", DateTimeOffset.UtcNow));
        return id;
    }

    /// <summary>A worker lane that executes every run it is handed at once (no training) and writes no summary files.</summary>
    private async Task<List<WorkItem>> LaneAsync(string workerId, Func<bool> done, CancellationToken ct, int epochs = 2)
    {
        var handled = new List<WorkItem>();
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        while (!done() && !ct.IsCancellationRequested)
        {
            var item = await scheduler.NextAsync(workerId, TimeSpan.FromMilliseconds(300));
            if (item is null) continue;
            if (await fixture.AnswerFeaturesAsync(workerId, item)) continue;
            handled.Add(item);
            if (item.Kind == WorkKind.Summary)
            {
                Assert.True(await Client.GetGrain<ISweepGrain>(item.SweepId!).CompleteSummaryAsync(workerId, item.SummaryAttempt, null));
                continue;
            }
            var run = item.Run!;
            var grain = Client.GetGrain<IRunGrain>(run.RunId);
            for (int e = 1; e <= epochs; e++)
                Assert.True((await grain.ReportProgressAsync(workerId, run.Attempt, new EpochProgress(e, new Dictionary<string, double> { ["val_js"] = 1.0 / e }))).Accepted);
            var ack = await grain.CompleteAsync(workerId, run.Attempt, new RunOutcome([new MetricRow("test", "all", "js", 0.25)],
                new Dictionary<string, string> { ["metrics"] = $"results/{run.SweepId}/{run.TrialId}/f{run.Protocol.Fold}/metrics.parquet" }, epochs));
            Assert.True(ack.Accepted, ack.Reason);
        }
        return handled;
    }

    private async Task<SweepInfo> WaitCompletedAsync(string sweepId, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var info = await Client.GetGrain<ISweepGrain>(sweepId).GetAsync();
            if (info!.Completed) return info;
            await Task.Delay(50, cts.Token);
        }
    }

    [Fact]
    public async Task A_sweep_runs_end_to_end_on_three_lanes_each_run_exactly_once()
    {
        string id = await SubmitAsync(Spec("e2e", trials: 2, folds: 3, seeds: 2));
        var sweep = Client.GetGrain<ISweepGrain>(id);
        Assert.Equal(12, (await sweep.GetAsync())!.PlannedRuns);
        Assert.Contains(id, await Client.GetGrain<ISweepRegistryGrain>(0).ListAsync());

        bool completed = false;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var lanes = Enumerable.Range(0, 3).Select(i => Task.Run(() => LaneAsync($"wk-e2e-{i}", () => Volatile.Read(ref completed), cts.Token))).ToList();
        var info = await WaitCompletedAsync(id, TimeSpan.FromSeconds(60));
        Volatile.Write(ref completed, true);
        var handled = (await Task.WhenAll(lanes)).SelectMany(h => h).ToList();

        Assert.Equal(SweepStatus.Succeeded, info.Status);
        Assert.Equal((12, 0, 0, 0), (info.Succeeded, info.Failed, info.Cancelled, info.ActiveRuns));
        Assert.Null(info.CompletionError);
        var runItems = handled.Where(h => h.Kind == WorkKind.Run && h.SweepId == id).ToList();
        Assert.Equal(12, runItems.Count);                                  // every run handed out once
        Assert.Equal(12, runItems.Select(r => r.Run!.RunId).Distinct().Count());
        Assert.All(runItems, r => Assert.Equal(1, r.Run!.Attempt));
        Assert.Single(handled, h => h.Kind == WorkKind.Summary && h.SweepId == id);

        var runs = await sweep.GetRunsAsync();
        Assert.All(runs, r => Assert.Equal(RunStatus.Succeeded, r.Run.Status));
        var curve = await Client.GetGrain<IRunGrain>(runs[0].Run.RunId).GetCurveAsync();
        Assert.Equal([1, 2], curve.Select(p => p.Epoch).ToArray());
        var results = (await sweep.GetResultsAsync())!;
        Assert.Equal(2, results.Trials.Count);
        Assert.All(results.Trials, t => Assert.Equal("succeeded", t.Status));
        Assert.All(results.Trials.SelectMany(t => t.Runs), r => Assert.Equal(0.25, Assert.Single(r.Metrics).Value));
        Assert.Equal(["amber2", "ce"], results.Trials.Select(t => t.Parameters.Method).Order().ToArray());
    }

    [Fact]
    public async Task A_lapsed_lease_requeues_the_run_as_a_new_attempt_and_the_old_attempt_is_refused()
    {
        string id = await SubmitAsync(Spec("lease", trials: 1, folds: 1));
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        var first = await fixture.NextForAsync("wk-lease-a", id);
        Assert.Equal(1, first.Run!.Attempt);
        var grain = Client.GetGrain<IRunGrain>(first.Run.RunId);

        // Worker A goes silent: no renewal. After the lease the run's timer takes it back and worker B gets attempt 2.
        await Task.Delay(GrainClusterFixture.Lease);
        var info = await grain.GetAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(15); info!.Status != RunStatus.Queued && DateTime.UtcNow < deadline; info = await grain.GetAsync())
            await Task.Delay(50);   // the timer fires just after the expiry; a loaded machine may run it a little later
        Assert.Equal(RunStatus.Queued, info!.Status);
        Assert.Contains("lease expired", info.LastError, StringComparison.Ordinal);
        var second = await fixture.NextForAsync("wk-lease-b", id);
        Assert.Equal(first.Run.RunId, second.Run!.RunId);
        Assert.Equal(2, second.Run.Attempt);
        Assert.NotEqual(first.Run.ArtifactPrefix, second.Run.ArtifactPrefix);

        // A's late results are refused; B's commit wins; A's repeat after the commit is still refused.
        var late = await grain.CompleteAsync("wk-lease-a", 1, RunOutcome.Empty);
        Assert.False(late.Accepted);
        Assert.Contains("stale", late.Reason, StringComparison.Ordinal);
        Assert.False((await grain.ReportProgressAsync("wk-lease-a", 1, new EpochProgress(1, new Dictionary<string, double>()))).Accepted);
        Assert.True((await grain.CompleteAsync("wk-lease-b", 2, RunOutcome.Empty)).Accepted);
        Assert.True((await grain.CompleteAsync("wk-lease-b", 2, RunOutcome.Empty)).Accepted);   // idempotent repeat
        Assert.False((await grain.CompleteAsync("wk-lease-a", 1, RunOutcome.Empty)).Accepted);
        var done = await grain.GetAsync();
        Assert.Equal((RunStatus.Succeeded, 2, 1), (done!.Status, done.Attempt, done.Failures));

        var summary = await fixture.NextForAsync("wk-lease-b", id);
        Assert.Equal(WorkKind.Summary, summary.Kind);
        Assert.True(await Client.GetGrain<ISweepGrain>(id).CompleteSummaryAsync("wk-lease-b", summary.SummaryAttempt, null));
        var sweep = await WaitCompletedAsync(id, TimeSpan.FromSeconds(10));
        Assert.Equal((1, 0), (sweep.Succeeded, sweep.Failed));
    }

    [Fact]
    public async Task Artifacts_outside_the_sweep_are_refused_and_nothing_is_committed()
    {
        string id = await SubmitAsync(Spec("artifacts", trials: 1, folds: 1));
        var item = await fixture.NextForAsync("wk-art", id);
        var grain = Client.GetGrain<IRunGrain>(item.Run!.RunId);
        foreach (var bad in new[] { "../../etc/passwd", "/etc/passwd", $"results/{id}/../x", "results/other-sweep/x.parquet" })
        {
            var ack = await grain.CompleteAsync("wk-art", 1, new RunOutcome([], new Dictionary<string, string> { ["metrics"] = bad }, 1));
            Assert.False(ack.Accepted);
            Assert.Equal(RunStatus.Running, (await grain.GetAsync())!.Status);
        }
        await Client.GetGrain<ISweepGrain>(id).CancelAsync("test over");
    }

    [Fact]
    public async Task A_gang_of_two_starts_only_when_both_hold_the_run_and_ranks_follow_joining_order()
    {
        string id = await SubmitAsync(Spec("gang", trials: 1, folds: 1, gang: 2));
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        var a = await fixture.NextForAsync("wk-gang-a", id);
        Assert.Equal(RunStatus.Gathering, a.RunStatus);
        Assert.Equal(0, a.Run!.Gang.Rank);
        var b = await fixture.NextForAsync("wk-gang-b", id);
        Assert.Equal(a.Run.RunId, b.Run!.RunId);
        Assert.Equal(RunStatus.Running, b.RunStatus);
        Assert.Equal(1, b.Run.Gang.Rank);
        Assert.Equal(["wk-gang-a", "wk-gang-b"], b.Run.Gang.Peers);
        var grain = Client.GetGrain<IRunGrain>(a.Run.RunId);
        var renew = await grain.RenewAsync("wk-gang-a", a.Run.Attempt);
        Assert.Equal(RunStatus.Running, renew.Status);              // rank 0 learns the gang is complete
        Assert.Equal(["wk-gang-a", "wk-gang-b"], renew.Peers);
        // Rank 1 finishing changes nothing; rank 0 commits.
        Assert.Equal(RunStatus.Running, (await grain.CompleteAsync("wk-gang-b", 1, RunOutcome.Empty)).Status);
        Assert.Equal(RunStatus.Succeeded, (await grain.CompleteAsync("wk-gang-a", 1, RunOutcome.Empty)).Status);
    }

    [Fact]
    public async Task Cancelling_a_sweep_cancels_its_unfinished_runs_and_counts_each_once()
    {
        string id = await SubmitAsync(Spec("cancel", trials: 2, folds: 3));
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        var held = await fixture.NextForAsync("wk-cancel", id);
        var sweep = Client.GetGrain<ISweepGrain>(id);
        var info = await sweep.CancelAsync("enough");
        Assert.Equal(SweepStatus.Cancelled, info!.Status);
        Assert.Equal((0, 6), (info.Succeeded, info.Cancelled));
        Assert.False((await Client.GetGrain<IRunGrain>(held.Run!.RunId).RenewAsync("wk-cancel", 1)).Accepted);
        Assert.Equal(6, (await sweep.CancelAsync("again"))!.Cancelled);   // a second cancel changes nothing
        Assert.All(await sweep.GetTrialsAsync(), t => Assert.Equal("cancelled", t.Status));
    }

    [Fact]
    public async Task The_parallel_budget_bounds_the_runs_a_sweep_has_active()
    {
        string id = await SubmitAsync(Spec("budget", trials: 2, folds: 3, parallel: 2));
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        var first = await fixture.NextForAsync("wk-budget-1", id);
        var second = await fixture.NextForAsync("wk-budget-2", id);
        Assert.NotEqual(first.Run!.RunId, second.Run!.RunId);
        Assert.Null(await Client.GetGrain<ISweepGrain>(id).TryLeaseAsync("wk-budget-3"));
        Assert.Equal(2, (await Client.GetGrain<ISweepGrain>(id).GetAsync())!.ActiveRuns);
        Assert.True((await Client.GetGrain<IRunGrain>(first.Run.RunId).CompleteAsync("wk-budget-1", 1, RunOutcome.Empty)).Accepted);
        var third = await fixture.NextForAsync("wk-budget-3", id);
        Assert.NotNull(third.Run);
        await Client.GetGrain<ISweepGrain>(id).CancelAsync("test over");
    }
}
