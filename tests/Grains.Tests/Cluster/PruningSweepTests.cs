using Amber.Grains.Contracts;
using Amber.Grains.Parameters;
using Amber.Grains.Runs;
using Xunit.Abstractions;

namespace Amber.Grains.Tests.Cluster;

/// <summary>Pruning on a real two-silo cluster: by epochs (ASHA) and across folds (paired t-test), against the same sweep unpruned.</summary>
public sealed class PruningSweepTests(GrainClusterFixture fixture, ITestOutputHelper output) : IClassFixture<GrainClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    /// <summary>What a lane did: runs it trained to the end, runs stopped by the pruner, epochs trained in all.</summary>
    private sealed record LaneLog(int Completed, int PrunedRuns, int Epochs);

    /// <summary>
    /// One worker lane that trains every run it gets for <paramref name="epochs"/> epochs, reporting val_js from
    /// <paramref name="curve"/> (parameters, fold, epoch), and stops a run whose progress is refused as pruned.
    /// </summary>
    private async Task<LaneLog> DriveAsync(string sweepId, string worker, int epochs, Func<TrialParameters, int, int, double> curve)
    {
        var sweep = Client.GetGrain<ISweepGrain>(sweepId);
        var scheduler = Client.GetGrain<ISchedulerGrain>(0);
        int completed = 0, pruned = 0, trained = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (!(await sweep.GetAsync())!.Completed)
        {
            cts.Token.ThrowIfCancellationRequested();
            var item = await scheduler.NextAsync(worker, TimeSpan.FromMilliseconds(300));
            if (item is null || await fixture.AnswerFeaturesAsync(worker, item)) continue;
            if (item.Kind == WorkKind.Summary)
            {
                await Client.GetGrain<ISweepGrain>(item.SweepId!).CompleteSummaryAsync(worker, item.SummaryAttempt, null);
                continue;
            }
            Assert.Equal(sweepId, item.SweepId);
            var run = item.Run!;
            var grain = Client.GetGrain<IRunGrain>(run.RunId);
            bool stopped = false;
            for (int e = 1; e <= epochs && !stopped; e++)
            {
                trained++;
                var ack = await grain.ReportProgressAsync(worker, run.Attempt, new EpochProgress(e, new Dictionary<string, double> { ["val_js"] = curve(run.Parameters, run.Protocol.Fold, e) }));
                if (!ack.Accepted)
                {
                    Assert.Equal(RunStatus.Pruned, ack.Status);
                    stopped = true;
                    pruned++;
                }
            }
            if (stopped) continue;
            var done = await grain.CompleteAsync(worker, run.Attempt, new RunOutcome([], new Dictionary<string, string>(), epochs));
            // A run of a trial pruned meanwhile is cancelled under the worker: its commit is refused, which is the point.
            if (done.Accepted) completed++;
            else Assert.Equal(RunStatus.Cancelled, done.Status);
        }
        return new LaneLog(completed, pruned, trained);
    }

    private async Task<string> SubmitAsync(string spec)
    {
        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-" + Guid.NewGuid().ToString("N")[..4];
        await Client.GetGrain<ISweepGrain>(id).SubmitAsync(new SweepSubmission(spec, "test", DateTimeOffset.UtcNow));
        return id;
    }

    [Fact]
    public async Task Asha_prunes_runs_by_their_curves_cancels_their_trials_and_gives_the_budget_to_new_trials()
    {
        // Trial quality is lr's distance from 1e-3 (log scale); curves fall as 1/epoch towards it.
        static double Curve(TrialParameters p, int fold, int epoch) =>
            Math.Abs(Math.Log10(p.Get("lr")!.Value.AsDouble()) + 3) + 0.01 * fold + 0.5 / epoch;
        string id = await SubmitAsync("""
            name: asha
            method: ce
            protocol: {folds: 2, seeds: [1]}
            space: {lr: {type: log_uniform, low: 0.00001, high: 0.1}}
            sampler: {type: tpe, seed: 3}
            pruner: {type: asha, min_epochs: 1, reduction_factor: 3}
            budget: {max_trials: 12, max_parallel_runs: 2}
            """);
        // TPE is asked as capacity frees: one trial (two folds) fills the two lanes at submission.
        Assert.Equal(2, (await Client.GetGrain<ISweepGrain>(id).GetAsync())!.PlannedRuns);
        var log = await DriveAsync(id, "wk-asha", 9, Curve);

        var sweep = Client.GetGrain<ISweepGrain>(id);
        var info = (await sweep.GetAsync())!;
        Assert.Equal(Amber.Grains.Sweeps.SweepStatus.Succeeded, info.Status);
        var runs = await sweep.GetRunsAsync();
        var trials = await sweep.GetTrialsAsync();
        Assert.Equal(12, trials.Count);                                        // pruned budget went to new trials, up to max_trials
        Assert.True(log.PrunedRuns > 0, "ASHA should stop some runs");
        Assert.Equal(log.PrunedRuns, runs.Count(r => r.Run.Status == RunStatus.Pruned));
        foreach (var t in trials)
        {
            var own = runs.Where(r => r.Run.TrialIndex == t.Index).Select(r => r.Run.Status).ToList();
            if (own.Contains(RunStatus.Pruned))
            {
                Assert.Equal("pruned", t.Status);
                Assert.All(own, s => Assert.Contains(s, new[] { RunStatus.Pruned, RunStatus.Cancelled, RunStatus.Succeeded }));
            }
            else Assert.Equal("succeeded", t.Status);
        }
        output.WriteLine($"asha: {log.Epochs} of {12 * 2 * 9} epochs trained, {log.PrunedRuns} runs pruned, {trials.Count(t => t.Status == "pruned")} of 12 trials pruned");
        Assert.True(log.Epochs < 12 * 2 * 9, $"pruning should save epochs: {log.Epochs} of {12 * 2 * 9}");
    }

    [Fact]
    public async Task Fold_pruning_saves_runs_and_keeps_the_best_trial_of_the_same_sweep_unpruned()
    {
        // Ten trials (dropout), five folds with a large fold effect, a small consistent trial effect, and a little noise.
        // The best trial (dropout 0.2) comes fourth, so the first trials set a weaker reference.
        double[] dropouts = [0.6, 0.4, 0.9, 0.2, 0.7, 0.1, 0.5, 0.3, 0.8, 0.0];
        static double Value(TrialParameters p, int fold)
        {
            double d = p.Get("dropout")!.Value.AsDouble();
            int k = (int)Math.Round(d * 10);
            return 0.3 + 0.2 * Math.Abs(d - 0.2) + 0.05 * fold + ((k * 7 + fold * 13) % 11 - 5) * 0.001;
        }
        static double Curve(TrialParameters p, int fold, int epoch) => Value(p, fold) + (epoch == 1 ? 0.2 : 0);
        string Spec(string name, string pruning) => $"""
            name: {name}
            method: ce
            protocol: {"{folds: 5, seeds: [1]}"}
            space: {"{dropout: [" + string.Join(", ", dropouts.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]}"}
            sampler: grid
            budget: {"{max_trials: 10, max_parallel_runs: 5}"}
            {pruning}
            """;

        string plain = await SubmitAsync(Spec("unpruned", ""));
        var plainLog = await DriveAsync(plain, "wk-folds", 2, Curve);
        string pruned = await SubmitAsync(Spec("fold-pruned", "fold_pruning: {alpha: 0.05, min_folds: 3}"));
        var prunedLog = await DriveAsync(pruned, "wk-folds", 2, Curve);

        Assert.Equal(50, plainLog.Completed);
        // The best trial by mean over all folds, computed here from the generating function, not by the sweep.
        var best = dropouts.Select((d, i) => (i, mean: Enumerable.Range(1, 5).Average(f => Value(new TrialParameters([new("method", ParameterValue.Of("ce")), new("dropout", ParameterValue.Of(d))]), f)))).MinBy(x => x.mean).i;
        var plainTrials = await Client.GetGrain<ISweepGrain>(plain).GetTrialsAsync();
        var prunedTrials = await Client.GetGrain<ISweepGrain>(pruned).GetTrialsAsync();
        Assert.All(plainTrials, t => Assert.Equal("succeeded", t.Status));
        Assert.Equal("succeeded", prunedTrials[best].Status);                  // the best trial ran all its folds
        Assert.Equal(5, prunedTrials[best].Succeeded);
        Assert.Contains(prunedTrials, t => t.Status == "pruned");
        Assert.Equal(Amber.Grains.Sweeps.SweepStatus.Succeeded, (await Client.GetGrain<ISweepGrain>(pruned).GetAsync())!.Status);
        // Every trial that ran all its folds in the pruned sweep is one the unpruned sweep also finished; the best among
        // them is the unpruned sweep's best.
        var survivors = prunedTrials.Where(t => t.Status == "succeeded").Select(t => t.Index).ToList();
        Assert.Contains(best, survivors);
        double saved = 1 - prunedLog.Completed / (double)plainLog.Completed;
        output.WriteLine($"fold pruning: {prunedLog.Completed} of {plainLog.Completed} runs trained to the end ({saved:P0} saved); best trial {best} kept; pruned trials: {prunedTrials.Count(t => t.Status == "pruned")}");
        Assert.True(saved >= 0.2, $"fold pruning should save at least a fifth of the runs; saved {saved:P0}");
    }
}
