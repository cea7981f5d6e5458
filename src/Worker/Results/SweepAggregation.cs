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
/// and seeds), with ambiguity tertiles re-ranked on that pooled set;</item>
/// <item><c>n_folds</c>, <c>n_runs</c>: folds and runs that had a value.</item>
/// </list>
/// Undefined values (null) are left out of mean and std.
/// </summary>
public static class SweepAggregation
{
    /// <summary>Summarizes <paramref name="runs"/>; <paramref name="classes"/> are the class names in distribution order.</summary>
    public static IReadOnlyList<SummaryRow> Summarize(IEnumerable<RunResultsInput> runs, IReadOnlyList<string> classes)
    {
        var rows = new List<SummaryRow>();
        foreach (var trial in runs.GroupBy(r => r.Run.Trial, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = trial.OrderBy(r => r.Run.Fold).ThenBy(r => r.Run.Seed).ToList();
            var pooled = Pooled(list, classes);
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
                rows.Add(new SummaryRow(trial.Key, metric, level, split, mean, std, pool, perFold.Length, values.Select(v => (v.Fold, v.Seed)).Distinct().Count()));
            }
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

    private static EvaluationReport? Pooled(IReadOnlyList<RunResultsInput> runs, IReadOnlyList<string> classes)
    {
        int c = classes.Count;
        var predicted = new List<float>();
        var reference = new List<float>();
        var ids = new List<string>();
        var hard = new List<int>();
        bool allHard = true;
        foreach (var r in runs)
        {
            foreach (var p in r.Predictions)
            {
                if (p.Predicted.Length != c || p.Reference.Length != c)
                {
                    throw new InvalidDataException($"predictions of {r.Run.Trial} fold {r.Run.Fold} seed {r.Run.Seed}, utterance '{p.UtteranceId}': {p.Predicted.Length} predicted and {p.Reference.Length} reference values; expected {c} ({string.Join(",", classes)})");
                }
                predicted.AddRange(p.Predicted);
                reference.AddRange(p.Reference);
                // The same utterance is tested once per seed; the seed keeps the pooled ids distinct for tie-breaking.
                ids.Add($"s{r.Run.Seed}/{p.UtteranceId}");
                int label = p.ReferenceLabel is null ? -1 : IndexOf(classes, p.ReferenceLabel);
                if (label < 0) allHard = false;
                hard.Add(label);
            }
        }
        if (ids.Count == 0) return null;
        return Evaluation.Evaluate(predicted.ToArray(), reference.ToArray(), c, ids, allHard ? hard.ToArray() : default);
    }

    private static int IndexOf(IReadOnlyList<string> classes, string name)
    {
        for (int i = 0; i < classes.Count; i++)
        {
            if (string.Equals(classes[i], name, StringComparison.Ordinal)) return i;
        }
        return -1;
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
