namespace Amber.Grains.Sampling.Tpe;

/// <summary>
/// Settings of the tree-structured Parzen estimator. The defaults are the published ones (Bergstra et al. 2011; Optuna's
/// TPESampler): 10 random start-up trials, 24 candidates scored per suggestion, the best ⌈10 %⌉ (at most 25) of the
/// finished trials forming the "good" density, a prior component of weight 1.
/// </summary>
/// <param name="StartupTrials">Finished trials needed before the model is used; fewer give random draws.</param>
/// <param name="Candidates">Draws from the good density scored by the ratio good/bad; the best one is suggested.</param>
/// <param name="MaxGood">Most trials in the good set.</param>
/// <param name="GoodFraction">Fraction of the finished trials in the good set (rounded up).</param>
/// <param name="PriorWeight">Weight of the prior component (uniform over the range) in both densities.</param>
public sealed record TpeOptions(int StartupTrials = 10, int Candidates = 24, int MaxGood = 25, double GoodFraction = 0.1, double PriorWeight = 1.0)
{
    /// <summary>The defaults.</summary>
    public static TpeOptions Default { get; } = new();

    /// <summary>How many of <paramref name="finished"/> trials form the good set.</summary>
    public int GoodCount(int finished) => Math.Min((int)Math.Ceiling(GoodFraction * finished), MaxGood);
}
