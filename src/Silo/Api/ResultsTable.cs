using Amber.Grains.Contracts;

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

    private static int LevelOrder(string level) => level switch { "all" => 0, "low" => 1, "medium" => 2, "high" => 3, _ => 4 };
}
