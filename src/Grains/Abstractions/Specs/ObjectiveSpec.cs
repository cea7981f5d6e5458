namespace Amber.Grains.Specs;

/// <summary>
/// What a sweep optimises: one metric of one split at one ambiguity level, minimised or maximised. A trial's value is the
/// mean of its runs' values (folds × seeds). Validation values come from the runs' learning curves (the best epoch's
/// value, the one early stopping keeps), test values from the committed metric rows.
/// </summary>
/// <param name="Metric">Metric name (bc, js, kl, r2, r2_sample, accuracy, f1_macro, f1_weighted, ece, hard_accuracy; validation: js, bc, loss).</param>
/// <param name="Split">"validation" or "test".</param>
/// <param name="Level">Ambiguity level: all, low, medium, high (validation: all).</param>
/// <param name="Maximize">True to maximise, false to minimise.</param>
public sealed record ObjectiveSpec(string Metric, string Split, string Level, bool Maximize)
{
    /// <summary>The default: validation JS divergence over all utterances, minimised.</summary>
    public static ObjectiveSpec Default { get; } = new("js", "validation", "all", false);

    /// <summary>Metrics a test objective may name (the committed metric rows).</summary>
    public static IReadOnlyList<string> TestMetrics { get; } =
        ["bc", "js", "kl", "r2", "r2_sample", "accuracy", "f1_macro", "f1_weighted", "ece", "hard_accuracy"];

    /// <summary>Metrics a validation objective may name (what runs report per epoch).</summary>
    public static IReadOnlyList<string> ValidationMetrics { get; } = ["js", "bc", "loss"];

    /// <summary>Ambiguity levels.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["all", "low", "medium", "high"];

    /// <summary>True when larger values of <paramref name="metric"/> are better (its default direction is maximise).</summary>
    public static bool HigherIsBetter(string metric) => metric is "bc" or "r2" or "r2_sample" or "accuracy" or "f1_macro" or "f1_weighted" or "hard_accuracy";

    /// <summary>The key of the per-epoch value this objective reads on validation ("val_js").</summary>
    public string CurveKey => "val_" + Metric;

    /// <summary>The value as a loss: lower is better whatever the direction (samplers and pruners minimise).</summary>
    public double AsLoss(double value) => Maximize ? -value : value;
}

/// <summary>
/// Stops runs early by their learning curves, asked on every reported epoch. "none" (default), "median" (worse than the
/// median of the other runs of the same fold at the same epoch), or "asha" (asynchronous successive halving: at rungs
/// min_epochs · η^k, only the best 1/η of the runs that reached the rung continue).
/// </summary>
/// <param name="Kind">"none", "median" or "asha".</param>
/// <param name="WarmupEpochs">Median: epochs before it may prune.</param>
/// <param name="MinRuns">Median: other runs needed at the epoch before it may prune.</param>
/// <param name="MinEpochs">ASHA: the first rung.</param>
/// <param name="ReductionFactor">ASHA: η, the fraction 1/η of runs kept at each rung.</param>
public sealed record PrunerSpec(string Kind, int WarmupEpochs = 5, int MinRuns = 4, int MinEpochs = 1, int ReductionFactor = 3)
{
    /// <summary>No pruning.</summary>
    public static PrunerSpec None { get; } = new("none");
}

/// <summary>
/// Stops a trial's remaining folds when its finished folds are significantly worse than the best trial's on the same
/// folds: a one-sided paired t-test on the per-fold objective differences at level <paramref name="Alpha"/>, once at
/// least <paramref name="MinFolds"/> folds are shared. Off unless the sweep sets it.
/// </summary>
/// <param name="Enabled">True when the sweep asked for it.</param>
/// <param name="Alpha">Significance level of the one-sided paired t-test.</param>
/// <param name="MinFolds">Shared finished folds needed before testing.</param>
public sealed record FoldPruningSpec(bool Enabled, double Alpha = 0.05, int MinFolds = 3)
{
    /// <summary>Off.</summary>
    public static FoldPruningSpec Off { get; } = new(false);
}
