using Amber.Storage.Results;

namespace Amber.Storage.Tests.Results;

/// <summary>Deterministic rows of every results table, with the nulls each table allows.</summary>
internal static class ResultsSamples
{
    public static readonly RunIdentity Run = new("sweep-a", "trial-3", 2, 17);

    public static List<PredictionRow> Predictions(int n, int seed = 3)
    {
        var rng = new Random(seed);
        string[] levels = ["low", "medium", "high"];
        return Enumerable.Range(0, n).Select(i =>
        {
            float[] Dist()
            {
                var v = Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble()).ToArray();
                var s = v.Sum();
                return v.Select(x => x / s).ToArray();
            }
            var pred = Dist();
            return new PredictionRow($"Ses0{i % 5 + 1}F_impro01_F{i:D3}", $"Session{i % 5 + 1}", $"Ses0{i % 5 + 1}_{(i % 2 == 0 ? "F" : "M")}", i % 2 == 0 ? "F" : "M",
                Dist(), pred, i % 3 == 0 ? null : Dist(), i % 3 == 0 ? null : Dist(), i % 4 == 0 ? null : "neutral",
                ResultsMetadata.DefaultClasses[Array.IndexOf(pred, pred.Max())], levels[i % 3], (float)rng.NextDouble(), i % 7 == 0 ? "synthetic" : "human");
        }).ToList();
    }

    public static List<MetricRow> Metrics(int n) =>
        Enumerable.Range(0, n).Select(i => new MetricRow(
            new[] { "bc", "js", "r2", "accuracy" }[i % 4], new[] { "all", "low", "medium", "high" }[i / 4 % 4], i % 9 == 0 ? "validation" : "test",
            i % 5 == 0 ? null : 0.5 + i * 1e-3, 100 + i)).ToList();

    public static List<CurveRow> Curves(int n)
    {
        var t0 = new DateTimeOffset(2026, 11, 24, 17, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, n).Select(e => new CurveRow(e, 1.0 / (e + 1), e == 0 ? null : 0.9 / e, e % 2 == 0 ? 0.3 : null, 0.7, e % 3 == 0 ? null : 0.6,
            1e-3 * (n - e), 2.5 * e, e == 3, t0.AddTicks(e * 25_000_010L))).ToList();
    }

    public static List<SummaryRow> Summary(int n) =>
        Enumerable.Range(0, n).Select(i => new SummaryRow($"trial-{i / 8}", i % 2 == 0 ? "bc" : "js", new[] { "all", "low", "medium", "high" }[i % 4], "test",
            0.8 - i * 1e-3, i % 3 == 0 ? null : 0.02, i % 4 == 0 ? null : 0.81, 5, 15,
            // Trials 1, 3, … are compared with a baseline; a p is missing now and then (differences without spread).
            i / 8 % 2 == 0 ? null : new BaselineComparison($"trial-{i / 8 - 1}", 15, 0.01 + i * 1e-4, -0.002, 0.022 + i * 1e-4,
                i % 5 == 0 ? null : 0.03 + i * 1e-3, i % 7 == 0 ? null : 0.0625))).ToList();
}
