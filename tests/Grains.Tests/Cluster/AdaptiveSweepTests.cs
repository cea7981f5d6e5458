using Amber.Grains.Contracts;
using Amber.Grains.Parameters;
using Amber.Grains.Sampling;
using Amber.Grains.Specs;

namespace Amber.Grains.Tests.Cluster;

/// <summary>Sweeps that learn, on a real two-silo cluster: trials asked as capacity frees and told their values.</summary>
public sealed class AdaptiveSweepTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    /// <summary>The value a run reports: a smooth function of lr, shifted per fold (so the trial value is a mean over folds).</summary>
    private static double RunValue(TrialParameters p, int fold) => Math.Pow(Math.Log10(p.Get("lr")!.Value.AsDouble()) + 3, 2) + 0.01 * fold;

    [Fact]
    public async Task A_tpe_sweep_asks_trials_as_capacity_frees_and_its_sampler_sees_the_told_values()
    {
        const int Trials = 14;
        string spec = $"""
            name: adaptive
            method: ce
            protocol: {"{folds: 2, seeds: [1]}"}
            space: {"{lr: {type: log_uniform, low: 0.00001, high: 0.1}}"}
            sampler: {"{type: tpe, seed: 5}"}
            budget: {"{max_trials: " + Trials + ", max_parallel_runs: 1}"}
            """;
        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-" + Guid.NewGuid().ToString("N")[..4];
        var sweep = Client.GetGrain<ISweepGrain>(id);
        var info = await sweep.SubmitAsync(new SweepSubmission(spec, "test", DateTimeOffset.UtcNow));
        // One trial (2 runs, queued) fills max_parallel_runs = 1: the next is asked only when capacity frees.
        Assert.Equal(2, info.PlannedRuns);

        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await sweep.GetAsync())!.Completed)
        {
            cts.Token.ThrowIfCancellationRequested();
            var item = await scheduler.NextAsync("wk-adaptive", TimeSpan.FromMilliseconds(300));
            if (item is null || await fixture.AnswerFeaturesAsync("wk-adaptive", item)) continue;
            if (item.Kind == WorkKind.Summary)
            {
                await Client.GetGrain<ISweepGrain>(item.SweepId!).CompleteSummaryAsync("wk-adaptive", item.SummaryAttempt, null);
                continue;
            }
            var run = item.Run!;
            var grain = Client.GetGrain<IRunGrain>(run.RunId);
            double v = RunValue(run.Parameters, run.Protocol.Fold);
            // Epoch 2 has the lowest val_js: the value early stopping keeps and the sweep must tell.
            Assert.True((await grain.ReportProgressAsync("wk-adaptive", run.Attempt, new EpochProgress(1, new Dictionary<string, double> { ["val_js"] = v + 0.5 }))).Accepted);
            Assert.True((await grain.ReportProgressAsync("wk-adaptive", run.Attempt, new EpochProgress(2, new Dictionary<string, double> { ["val_js"] = v }))).Accepted);
            Assert.True((await grain.ReportProgressAsync("wk-adaptive", run.Attempt, new EpochProgress(3, new Dictionary<string, double> { ["val_js"] = v + 0.1 }))).Accepted);
            Assert.True((await grain.CompleteAsync("wk-adaptive", run.Attempt, new RunOutcome([], new Dictionary<string, string>(), 3))).Accepted);
        }

        var results = (await sweep.GetResultsAsync())!;
        Assert.Equal("succeeded", results.Status);
        Assert.Equal(Trials, results.Trials.Count);
        Assert.All(results.Trials, t => Assert.Equal(2, t.Runs.Count));

        // Replay: with one trial in flight at a time, trial i was asked after trials 0..i-1 were told. The values told are
        // computed here from the lane's own function, so the grain's trials equal the sampler's answers only if the grain
        // told each trial the mean of its folds' kept-epoch values.
        var parsed = SweepSpecParser.Parse(spec, "test");
        var history = new List<TrialHistory>();
        var sampler = new TpeSampler();
        foreach (var t in results.Trials.OrderBy(t => t.TrialIndex))
        {
            Assert.Equal(sampler.Next(new SamplerContext(parsed, history.ToArray())), t.Parameters);
            history.Add(new TrialHistory(t.TrialIndex, t.Parameters, true, (RunValue(t.Parameters, 1) + RunValue(t.Parameters, 2)) / 2));
        }
    }
}
