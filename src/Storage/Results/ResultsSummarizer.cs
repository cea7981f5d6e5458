namespace Amber.Storage.Results;

/// <summary>
/// Folds the metrics of a sweep's runs into <see cref="SummaryRow"/>s: per trial × metric × level × split, the mean and
/// sample standard deviation over runs, the number of folds and runs, and a pooled value the caller computed over all
/// runs' predictions together (pooling needs the metric code, which lives in Training).
/// </summary>
public static class ResultsSummarizer
{
    /// <summary>Key of a pooled value supplied by the caller.</summary>
    public sealed record PooledKey(string Trial, string Metric, string Level, string Split);

    /// <summary>Summarizes; runs whose value is null (undefined) are left out of mean and std but still counted in Runs.</summary>
    public static IReadOnlyList<SummaryRow> Summarize(IEnumerable<(RunIdentity Run, MetricRow Metric)> metrics, IReadOnlyDictionary<PooledKey, double>? pooled = null)
    {
        var rows = new List<SummaryRow>();
        var groups = metrics.GroupBy(m => new PooledKey(m.Run.Trial, m.Metric.Metric, m.Metric.Level, m.Metric.Split))
            .OrderBy(g => g.Key.Trial, StringComparer.Ordinal).ThenBy(g => g.Key.Metric, StringComparer.Ordinal)
            .ThenBy(g => LevelOrder(g.Key.Level)).ThenBy(g => g.Key.Split, StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var values = g.Where(m => m.Metric.Value is not null).Select(m => m.Metric.Value!.Value).ToArray();
            double? mean = values.Length > 0 ? values.Average() : null;
            double? std = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean!.Value) * (v - mean.Value)) / (values.Length - 1)) : null;
            double? pool = pooled is not null && pooled.TryGetValue(g.Key, out var p) ? p : null;
            rows.Add(new SummaryRow(g.Key.Trial, g.Key.Metric, g.Key.Level, g.Key.Split, mean, std, pool,
                g.Select(m => m.Run.Fold).Distinct().Count(), g.Select(m => (m.Run.Fold, m.Run.Seed)).Distinct().Count()));
        }
        return rows;
    }

    private static int LevelOrder(string level) => level switch { "all" => 0, "low" => 1, "medium" => 2, "high" => 3, _ => 4 };
}
