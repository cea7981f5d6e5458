namespace Amber.Silo.Execution;

/// <summary>
/// One final metric value of an attempt: e.g. (split "test", level "high", name "bc", 0.81).
/// Stored keyed by (run, attempt, split, level, name); recording the same key again replaces the value.
/// </summary>
/// <param name="Split">"test", "val" or "train".</param>
/// <param name="Level">Ambiguity level: "all", "low", "medium", "high".</param>
/// <param name="Name">Metric name: bc, js, kl, r2, r2_sample, accuracy, f1_macro, f1_weighted, ece, loss, …</param>
/// <param name="Value">The value.</param>
public sealed record MetricRow(string Split, string Level, string Name, double Value);

/// <summary>What a successful attempt returns.</summary>
/// <param name="Metrics">Final metric rows (stored with the completion, atomically).</param>
/// <param name="Artifacts">Blob names the attempt wrote, by role ("metrics" → ".../metrics.parquet", "predictions", "curves", …).</param>
/// <param name="EpochsTrained">Epochs actually trained (early stopping may end before max_epochs).</param>
public sealed record RunOutcome(
    IReadOnlyList<MetricRow> Metrics,
    IReadOnlyDictionary<string, string> Artifacts,
    int EpochsTrained)
{
    /// <summary>An outcome with no rows and no artifacts.</summary>
    public static RunOutcome Empty { get; } = new([], new Dictionary<string, string>(), 0);
}
