namespace Amber.Training.Metrics;

/// <summary>
/// The evaluation metrics of SPEC-AMBER.md on one set of samples (NaN when the set is empty).
/// </summary>
/// <param name="Count">Number of samples.</param>
/// <param name="Bc">Mean Bhattacharyya coefficient Σ√(p y).</param>
/// <param name="Js">Mean Jensen–Shannon divergence, log base 2.</param>
/// <param name="Kl">Mean KL(y ‖ p), natural log, ε-smoothed.</param>
/// <param name="R2">scikit-learn r2_score(y, p, multioutput='uniform_average').</param>
/// <param name="R2Sample">Mean per-sample squared Pearson correlation of p and y (0 for a constant row).</param>
/// <param name="Accuracy">Share with argmax p = argmax y (first maximum).</param>
/// <param name="F1Macro">Macro F1 over the C classes (zero_division = 0).</param>
/// <param name="F1Weighted">Support-weighted F1 over the C classes.</param>
/// <param name="Ece">Expected calibration error, 10 equal-width bins (lo, hi] of max p against correctness.</param>
/// <param name="ReferenceTies">How many references have more than one class at their maximum.</param>
/// <param name="HardAccuracy">Share with argmax p = the hard label (NaN when no hard labels were given).</param>
public sealed record MetricValues(int Count, double Bc, double Js, double Kl, double R2, double R2Sample, double Accuracy,
    double F1Macro, double F1Weighted, double Ece, int ReferenceTies, double HardAccuracy)
{
    /// <summary>Metric names in report order, as used in Parquet columns and tables.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["bc", "js", "kl", "r2", "r2_sample", "accuracy", "f1_macro", "f1_weighted", "ece", "hard_accuracy"];

    /// <summary>The value of a metric by its name in <see cref="Names"/>.</summary>
    public double this[string name] => name switch
    {
        "bc" => Bc,
        "js" => Js,
        "kl" => Kl,
        "r2" => R2,
        "r2_sample" => R2Sample,
        "accuracy" => Accuracy,
        "f1_macro" => F1Macro,
        "f1_weighted" => F1Weighted,
        "ece" => Ece,
        "hard_accuracy" => HardAccuracy,
        _ => throw new KeyNotFoundException($"Unknown metric '{name}'; expected one of: {string.Join(", ", Names)}."),
    };

    /// <summary>The values of an empty set.</summary>
    public static MetricValues Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
        double.NaN, double.NaN, double.NaN, 0, double.NaN);
}

/// <summary>Ambiguity tertile of a test sample (by the normalised entropy of its reference).</summary>
public enum AmbiguityLevel
{
    /// <summary>Lowest third.</summary>
    Low,
    /// <summary>Middle third.</summary>
    Medium,
    /// <summary>Highest third.</summary>
    High,
}

/// <summary>Metrics overall and per ambiguity level, with each sample's level.</summary>
/// <param name="Overall">All samples.</param>
/// <param name="Low">Low-ambiguity tertile.</param>
/// <param name="Medium">Medium tertile.</param>
/// <param name="High">High tertile.</param>
/// <param name="Levels">The level of every sample, in input order.</param>
public sealed record EvaluationReport(MetricValues Overall, MetricValues Low, MetricValues Medium, MetricValues High,
    IReadOnlyList<AmbiguityLevel> Levels)
{
    /// <summary>The values of one level, or overall for null.</summary>
    public MetricValues For(AmbiguityLevel? level) => level switch
    {
        null => Overall,
        AmbiguityLevel.Low => Low,
        AmbiguityLevel.Medium => Medium,
        _ => High,
    };
}
