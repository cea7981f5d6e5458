using Amber.Storage.Results;

namespace Amber.Storage.Tests.Results;

public class ResultsSummarizerTests
{
    [Fact]
    public void Mean_sample_std_folds_and_runs_per_trial_metric_level()
    {
        // Values 0.70, 0.80, 0.90, 1.00 over 2 folds × 2 seeds: mean 0.85, sample std = sqrt(0.05/3) = 0.12909944487358055.
        double[] values = [0.70, 0.80, 0.90, 1.00];
        var metrics = new List<(RunIdentity, MetricRow)>();
        for (int i = 0; i < 4; i++)
        {
            var run = new RunIdentity("s", "t0", 1 + i / 2, 40 + i % 2);
            metrics.Add((run, new MetricRow("bc", "all", "test", values[i], 100)));
            metrics.Add((run, new MetricRow("bc", "high", "test", i == 0 ? 0.5 : null, 33)));
        }
        metrics.Add((new RunIdentity("s", "t1", 1, 40), new MetricRow("bc", "all", "test", 0.6, 100)));
        var pooled = new Dictionary<ResultsSummarizer.PooledKey, double> { [new("t0", "bc", "all", "test")] = 0.86 };

        var rows = ResultsSummarizer.Summarize(metrics, pooled);

        Assert.Equal(3, rows.Count);
        var all = rows[0];
        Assert.Equal(("t0", "bc", "all", "test"), (all.Trial, all.Metric, all.Level, all.Split));
        Assert.Equal(0.85, all.Mean!.Value, 12);
        Assert.Equal(0.12909944487358055, all.Std!.Value, 12);
        Assert.Equal(0.86, all.Pooled);
        Assert.Equal((2, 4), (all.Folds, all.Runs));
        var high = rows[1];
        Assert.Equal(("high", 0.5, (double?)null, 4), (high.Level, high.Mean!.Value, high.Std, high.Runs));
        var single = rows[2];
        Assert.Equal(("t1", 0.6, (double?)null, (double?)null, 1), (single.Trial, single.Mean!.Value, single.Std, single.Pooled, single.Runs));
    }
}
