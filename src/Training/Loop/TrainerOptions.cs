namespace Amber.Training;

/// <summary>The optimiser family.</summary>
public enum OptimizerKind
{
    /// <summary><c>adamw</c> (default).</summary>
    AdamW,
    /// <summary><c>sgd</c> with momentum.</summary>
    Sgd,
}

/// <summary>
/// Optimisation and loop settings (SPEC-AMBER.md defaults: AdamW lr 1e-3, weight decay 0.01, β 0.9/0.999, batch 32,
/// ≤ 50 epochs, patience 8 on validation JS, 5 % warm-up then cosine, clip 3.0).
/// </summary>
/// <param name="Optimizer">AdamW or SGD.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WeightDecay">Decoupled (AdamW) or L2 (SGD) weight decay.</param>
/// <param name="Beta1">AdamW β1.</param>
/// <param name="Beta2">AdamW β2.</param>
/// <param name="Epsilon">AdamW ε.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="BatchSize">Global batch size.</param>
/// <param name="MaxEpochs">Upper bound on epochs.</param>
/// <param name="Patience">Epochs without a validation-JS improvement before stopping (0 disables early stopping).</param>
/// <param name="WarmupFraction">Share of all steps spent warming up.</param>
/// <param name="ClipNorm">Gradient-norm clip (0 disables).</param>
/// <param name="Seed">Seeds initialisation, shuffling and dropout.</param>
/// <param name="BlasThreads">OpenBLAS threads (null leaves the library's setting).</param>
/// <param name="Rank">This worker's rank in data-parallel training (0 alone).</param>
/// <param name="WorldSize">Number of data-parallel workers (1 alone).</param>
public sealed record TrainerOptions(
    OptimizerKind Optimizer = OptimizerKind.AdamW,
    double LearningRate = 1e-3,
    double WeightDecay = 0.01,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double Momentum = 0.9,
    int BatchSize = 32,
    int MaxEpochs = 50,
    int Patience = 8,
    double WarmupFraction = 0.05,
    double ClipNorm = 3.0,
    ulong Seed = 0,
    int? BlasThreads = null,
    int Rank = 0,
    int WorldSize = 1)
{
    /// <summary>The all-reduce hook (no-op by default).</summary>
    public IGradientReducer Reducer { get; init; } = NoGradientReducer.Instance;

    /// <summary>Draw each epoch's rows with replacement, weighted ∝ multiplier_c / n_c (see <see cref="ClassWeightedSampler"/>).</summary>
    public bool ClassWeightedSampling { get; init; }

    /// <summary>Per-class multipliers of the class-weighted sampler (null: all 1).</summary>
    public IReadOnlyList<double>? ClassMultipliers { get; init; }

    /// <summary>Parses <c>adamw</c> or <c>sgd</c>; the error lists the valid names.</summary>
    public static OptimizerKind ParseOptimizer(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "adamw" => OptimizerKind.AdamW,
        "sgd" => OptimizerKind.Sgd,
        _ => throw new FormatException($"Unknown optimizer '{name}'; expected one of: adamw, sgd."),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a setting is out of range.</summary>
    public void Validate()
    {
        Check(LearningRate > 0, nameof(LearningRate), LearningRate, "> 0");
        Check(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "≥ 0");
        Check(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "in [0, 1)");
        Check(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "in [0, 1)");
        Check(Epsilon > 0, nameof(Epsilon), Epsilon, "> 0");
        Check(Momentum is >= 0 and < 1, nameof(Momentum), Momentum, "in [0, 1)");
        Check(BatchSize >= 1, nameof(BatchSize), BatchSize, "≥ 1");
        Check(MaxEpochs >= 1, nameof(MaxEpochs), MaxEpochs, "≥ 1");
        Check(Patience >= 0, nameof(Patience), Patience, "≥ 0");
        Check(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), WarmupFraction, "in [0, 1)");
        Check(ClipNorm >= 0, nameof(ClipNorm), ClipNorm, "≥ 0");
        Check(BlasThreads is null or >= 1, nameof(BlasThreads), BlasThreads ?? 0, "≥ 1");
        Check(WorldSize >= 1, nameof(WorldSize), WorldSize, "≥ 1");
        Check(Rank >= 0 && Rank < WorldSize, nameof(Rank), Rank, $"in [0, {WorldSize - 1}]");
    }

    private static void Check(bool ok, string field, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"TrainerOptions.{field} = {value}; expected {expected}.");
        }
    }
}
