using Amber.Grains.Specs;
using Amber.Grains.Statistics;

namespace Amber.Grains.Pruning;

/// <summary>
/// Pruning across folds: a trial whose finished runs (fold × seed) are significantly worse than the best trial's on the
/// same folds and seeds — a one-sided paired t-test on the losses at level α — stops its remaining runs. Pairing removes
/// the fold-to-fold variation (some folds are harder for every trial), which is what makes a handful of folds enough.
/// Pure.
/// </summary>
public static class FoldPruning
{
    /// <summary>
    /// The test of <paramref name="candidate"/> against <paramref name="best"/> on their shared (fold, seed) units, or null
    /// when fewer than min_folds are shared; <see cref="ShouldStop"/> says whether it rejects.
    /// </summary>
    public static PairedTest? Test(FoldPruningSpec spec, IReadOnlyDictionary<(int Fold, int Seed), double> candidate, IReadOnlyDictionary<(int Fold, int Seed), double> best) =>
        PairedStatistics.CompareShared(candidate, best, spec.MinFolds);

    /// <summary>True when fold pruning is on and the candidate is significantly worse than the best at level α.</summary>
    public static bool ShouldStop(FoldPruningSpec spec, IReadOnlyDictionary<(int Fold, int Seed), double> candidate, IReadOnlyDictionary<(int Fold, int Seed), double> best) =>
        spec.Enabled && Test(spec, candidate, best) is { } r && r.GreaterP < spec.Alpha;
}
