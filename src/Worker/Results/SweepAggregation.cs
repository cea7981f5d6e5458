using Amber.Storage.Results;
using Amber.Training.Metrics;

namespace Amber.Worker.Results;

/// <summary>What aggregation needs of one finished run: its identity, its metric rows and its test predictions.</summary>
/// <param name="Run">Sweep, trial, fold, seed.</param>
/// <param name="Metrics">Rows of its metrics.parquet.</param>
/// <param name="Predictions">Rows of its predictions.parquet (the test fold).</param>
public sealed record RunResultsInput(RunIdentity Run, IReadOnlyList<MetricRow> Metrics, IReadOnlyList<PredictionRow> Predictions);

/// <summary>
/// Folds the runs of a sweep into summary rows, per trial × metric × level × split:
/// <list type="bullet">
/// <item><c>mean</c> and <c>std</c>: each fold's value is first averaged over its seeds, then the mean and the sample
/// standard deviation (n − 1) are taken over folds, so seeds do not inflate the fold count of the spread;</item>
/// <item><c>pooled</c> (test split only): the metric computed on every test prediction of the trial together (all folds
/// and seeds), with ambiguity tertiles re-ranked on that pooled set (<see cref="PooledEvaluation"/>, in memory that does
/// not grow with the predictions);</item>
/// <item><c>n_folds</c>, <c>n_runs</c>: folds and runs that had a value.</item>
/// </list>
/// Undefined values (null) are left out of mean and std.
/// </summary>
public static class SweepAggregation
{
    /// <summary>
    /// Summarizes runs held in memory (tests and small sweeps); <paramref name="classes"/> are the class names in
    /// distribution order. The summary task of a sweep uses <see cref="SummarizeTrial"/> with predictions read from the store.
    /// </summary>
    public static async Task<IReadOnlyList<SummaryRow>> SummarizeAsync(IEnumerable<RunResultsInput> runs, IReadOnlyList<string> classes,
        CancellationToken cancellationToken = default)
    {
        var rows = new List<SummaryRow>();
        foreach (var trial in runs.GroupBy(r => r.Run.Trial, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = trial.ToList();
            var pooled = await PooledEvaluation.EvaluateAsync(
                list.Select(r => new PooledRun(r.Run, _ => Task.FromResult(r.Predictions))).ToList(), classes, cancellationToken).ConfigureAwait(false);
            rows.AddRange(SummarizeTrial(trial.Key, list.Select(r => (r.Run, r.Metrics)).ToList(), pooled));
        }
        return rows;
    }

    /// <summary>The summary rows of one trial from its runs' metric rows and its pooled metrics (null: no predictions).</summary>
    public static IReadOnlyList<SummaryRow> SummarizeTrial(string trial, IReadOnlyList<(RunIdentity Run, IReadOnlyList<MetricRow> Metrics)> runs,
        PooledMetrics? pooled)
    {
        var rows = new List<SummaryRow>();
        var list = runs.OrderBy(r => r.Run.Fold).ThenBy(r => r.Run.Seed).ToList();
        var keys = list.SelectMany(r => r.Metrics.Select(m => (m.Metric, m.Level, m.Split))).Distinct()
            .OrderBy(k => k.Metric, StringComparer.Ordinal).ThenBy(k => LevelOrder(k.Level)).ThenBy(k => k.Split, StringComparer.Ordinal);
        foreach (var (metric, level, split) in keys)
        {
            var values = list.SelectMany(r => r.Metrics.Where(m => m.Metric == metric && m.Level == level && m.Split == split && m.Value is not null)
                .Select(m => (r.Run.Fold, r.Run.Seed, Value: m.Value!.Value))).ToList();
            var perFold = values.GroupBy(v => v.Fold).OrderBy(g => g.Key).Select(g => g.Average(v => v.Value)).ToArray();
            double? mean = perFold.Length > 0 ? perFold.Average() : null;
            double? std = perFold.Length > 1 ? SampleStd(perFold) : null;
            double? pool = null;
            if (split == "test" && pooled is not null && MetricValues.Names.Contains(metric) && LevelOrder(level) < 4)
            {
                double p = pooled.For(ToLevel(level))[metric];
                pool = double.IsFinite(p) ? p : null;
            }
            rows.Add(new SummaryRow(trial, metric, level, split, mean, std, pool, perFold.Length, values.Select(v => (v.Fold, v.Seed)).Distinct().Count()));
        }
        return rows;
    }

    /// <summary>Sample standard deviation (n − 1) of at least two values.</summary>
    public static double SampleStd(IReadOnlyCollection<double> values)
    {
        if (values.Count < 2) throw new ArgumentException($"a sample standard deviation needs at least 2 values; got {values.Count}", nameof(values));
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    private static AmbiguityLevel? ToLevel(string level) => level switch
    {
        "low" => AmbiguityLevel.Low,
        "medium" => AmbiguityLevel.Medium,
        "high" => AmbiguityLevel.High,
        _ => null,
    };

    private static int LevelOrder(string level) => level switch { "all" => 0, "low" => 1, "medium" => 2, "high" => 3, _ => 4 };
}
