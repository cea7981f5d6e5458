using Amber.Grains.Contracts;
using Amber.Grains.Statistics;

namespace Amber.Silo.Api;

/// <summary>The API's quick results view: metric rows of a trial's succeeded runs reduced to mean, sample std and count.</summary>
public static class ResultsTable
{
    /// <summary>Summaries in (split, level, name) order; std is 0 for a single run.</summary>
    public static IReadOnlyList<MetricSummary> Summarize(IEnumerable<RunResult> runs) =>
        runs.Where(r => r.Status == "succeeded")
            .SelectMany(r => r.Metrics)
            .GroupBy(m => (m.Split, m.Level, m.Name))
            .OrderBy(g => g.Key.Split, StringComparer.Ordinal).ThenBy(g => LevelOrder(g.Key.Level)).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g =>
            {
                double[] v = g.Select(m => m.Value).ToArray();
                double mean = v.Average();
                double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
                return new MetricSummary(g.Key.Split, g.Key.Level, g.Key.Name, mean, std, v.Length);
            })
            .ToList();

    /// <summary>
    /// A trial against its baseline trial, per (split, level, metric): paired over the folds × seeds both have succeeded
    /// runs with that metric; difference = trial − baseline, 95 % interval, paired t and Wilcoxon p.
    /// </summary>
    public static IReadOnlyList<ComparisonView> Compare(IEnumerable<RunResult> trial, IEnumerable<RunResult> baseline, string baselineId)
    {
        static Dictionary<(string, string, string), Dictionary<(int, int), double>> ByKey(IEnumerable<RunResult> runs)
        {
            var map = new Dictionary<(string, string, string), Dictionary<(int, int), double>>();
            foreach (var r in runs.Where(r => r.Status == "succeeded"))
                foreach (var m in r.Metrics)
                {
                    if (!map.TryGetValue((m.Split, m.Level, m.Name), out var byRun)) map[(m.Split, m.Level, m.Name)] = byRun = [];
                    byRun[(r.Fold, r.Seed)] = m.Value;
                }
            return map;
        }
        var mine = ByKey(trial);
        var theirs = ByKey(baseline);
        var views = new List<ComparisonView>();
        foreach (var (key, values) in mine.OrderBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => LevelOrder(kv.Key.Item2)).ThenBy(kv => kv.Key.Item3, StringComparer.Ordinal))
        {
            if (!theirs.TryGetValue(key, out var other)) continue;
            if (PairedStatistics.CompareShared(values, other) is not { } test) continue;
            views.Add(new ComparisonView(baselineId, key.Item1, key.Item2, key.Item3, test.Pairs, test.MeanDifference, test.CiLow, test.CiHigh,
                test.PairedTP, test.WilcoxonP, test.SignificantAt(0.05)));
        }
        return views;
    }

    private static int LevelOrder(string level) => level switch { "all" => 0, "low" => 1, "medium" => 2, "high" => 3, _ => 4 };
}
