using Amber.Storage.Results;
using Amber.Grains.Statistics;
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
/// <item><c>n_folds</c>, <c>n_runs</c>: folds and runs that had a value;</item>
/// <item>against the trial's baseline (the <c>ce</c> trial with the same other parameters, when the sweep has one): the
/// paired difference over the folds × seeds both trials have, its 95 % interval, paired t and Wilcoxon p
/// (<see cref="PairedStatistics"/>).</item>
/// </list>
/// Undefined values (null) are left out of mean and std.
/// </summary>
public static class SweepAggregation
{
    /// <summary>
    /// Summarizes runs held in memory (tests and small sweeps); <paramref name="classes"/> are the class names in
    /// distribution order; <paramref name="baselines"/> maps a trial to its baseline trial. The summary task of a sweep
    /// uses <see cref="SummarizeTrial"/> with predictions read from the store.
    /// </summary>
    public static async Task<IReadOnlyList<SummaryRow>> SummarizeAsync(IEnumerable<RunResultsInput> runs, IReadOnlyList<string> classes,
        IReadOnlyDictionary<string, string>? baselines = null, CancellationToken cancellationToken = default)
    {
        var byTrial = runs.GroupBy(r => r.Run.Trial, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var rows = new List<SummaryRow>();
        foreach (var (trial, list) in byTrial.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var pooled = await PooledEvaluation.EvaluateAsync(
                list.Select(r => new PooledRun(r.Run, _ => Task.FromResult(r.Predictions))).ToList(), classes, cancellationToken).ConfigureAwait(false);
            TrialValues? baseline = baselines is not null && baselines.TryGetValue(trial, out var b) && byTrial.TryGetValue(b, out var baseRuns)
                ? TrialValues.Of(b, baseRuns.Select(r => (r.Run, r.Metrics)).ToList())
                : null;
            rows.AddRange(SummarizeTrial(trial, list.Select(r => (r.Run, r.Metrics)).ToList(), pooled, baseline));
        }
        return rows;
    }

    /// <summary>
    /// The summary rows of one trial from its runs' metric rows, its pooled metrics (null: no predictions) and its
    /// baseline trial's per-run values (null: no comparison).
    /// </summary>
    public static IReadOnlyList<SummaryRow> SummarizeTrial(string trial, IReadOnlyList<(RunIdentity Run, IReadOnlyList<MetricRow> Metrics)> runs,
        PooledMetrics? pooled, TrialValues? baseline = null)
    {
        var rows = new List<SummaryRow>();
        var list = runs.OrderBy(r => r.Run.Fold).ThenBy(r => r.Run.Seed).ToList();
        var own = baseline is null ? null : TrialValues.Of(trial, list);
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
            rows.Add(new SummaryRow(trial, metric, level, split, mean, std, pool, perFold.Length, values.Select(v => (v.Fold, v.Seed)).Distinct().Count(),
                baseline is null ? null : Compare(own!, baseline, (metric, level, split))));
        }
        return rows;
    }

    /// <summary>The paired comparison of one metric × level × split over the folds × seeds both trials have.</summary>
    private static BaselineComparison? Compare(TrialValues trial, TrialValues baseline, (string, string, string) key)
    {
        if (!trial.Values.TryGetValue(key, out var mine) || !baseline.Values.TryGetValue(key, out var theirs)) return null;
        var test = PairedStatistics.CompareShared(mine, theirs);
        return test is null ? null : new BaselineComparison(baseline.Trial, test.Pairs, test.MeanDifference, test.CiLow, test.CiHigh, test.PairedTP, test.WilcoxonP);
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

/// <summary>
/// One trial's per-run metric values, by metric × level × split and then by (fold, seed): what a paired comparison with
/// another trial needs (a few values per run, kept only for the trials that are some trial's baseline).
/// </summary>
/// <param name="Trial">The trial's id.</param>
/// <param name="Values">Metric × level × split → (fold, seed) → value (undefined values left out).</param>
public sealed record TrialValues(string Trial, IReadOnlyDictionary<(string Metric, string Level, string Split), Dictionary<(int Fold, int Seed), double>> Values)
{
    /// <summary>The values of a trial's runs.</summary>
    public static TrialValues Of(string trial, IReadOnlyList<(RunIdentity Run, IReadOnlyList<MetricRow> Metrics)> runs)
    {
        var values = new Dictionary<(string, string, string), Dictionary<(int, int), double>>();
        foreach (var (run, metrics) in runs)
        {
            foreach (var m in metrics)
            {
                if (m.Value is not { } v) continue;
                var key = (m.Metric, m.Level, m.Split);
                if (!values.TryGetValue(key, out var byRun)) values[key] = byRun = [];
                byRun[(run.Fold, run.Seed)] = v;
            }
        }
        return new TrialValues(trial, values);
    }
}
