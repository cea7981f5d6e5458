using Amber.Grains.Pruning;
using Amber.Grains.Specs;

namespace Amber.Grains.Tests.Pruning;

public sealed class EpochPrunerTests
{
    private static PrunerContext Context(int epoch, double[] curve, params double[][] others) => new("r", epoch, curve, others);

    [Theory]
    // ASHA, min_epochs 1, η 3: rungs 1, 3, 9. The run continues when it is among the best ⌈n/3⌉ of n at the rung.
    [InlineData(1, 0.5, new[] { 0.1, 0.2 }, true)]            // 3 at the rung, keep 1: two are better → prune
    [InlineData(1, 0.15, new[] { 0.1, 0.2 }, true)]           // one better, keep 1 → prune
    [InlineData(1, 0.05, new[] { 0.1, 0.2 }, false)]          // the best → continue
    [InlineData(1, 0.15, new[] { 0.1, 0.2, 0.3, 0.4 }, false)] // 5 at the rung, keep 2: one better → continue
    [InlineData(2, 0.9, new[] { 0.1, 0.2 }, false)]           // not a rung
    [InlineData(3, 0.9, new[] { 0.1 }, true)]                 // rung 3: two at the rung, keep 1, one better
    [InlineData(1, 0.9, new double[0], false)]                // alone at the rung
    public void Asha_keeps_the_best_third_at_each_rung(int epoch, double mine, double[] peersAtEpoch, bool prune)
    {
        var curve = Enumerable.Repeat(0.0, epoch - 1).Append(mine).ToArray();
        var others = peersAtEpoch.Select(v => Enumerable.Repeat(0.0, epoch - 1).Append(v).ToArray()).ToArray();
        Assert.Equal(prune, new AshaPruner(1, 3).ShouldPrune(Context(epoch, curve, others)));
    }

    [Fact]
    public void Asha_rungs_are_min_epochs_times_powers_of_eta()
    {
        var asha = new AshaPruner(2, 3);
        Assert.Equal([2, 6, 18, 54], Enumerable.Range(1, 60).Where(asha.IsRung).ToArray());
    }

    [Theory]
    // Median with warm-up 1 and at least 2 others at the epoch.
    [InlineData(2, 0.6, new[] { 0.5, 0.4, 0.7 }, true)]    // median 0.5 < 0.6
    [InlineData(2, 0.45, new[] { 0.5, 0.4, 0.7 }, false)]
    [InlineData(1, 0.9, new[] { 0.5, 0.4, 0.7 }, false)]   // in the warm-up
    [InlineData(2, 0.9, new[] { 0.5 }, false)]             // too few others
    public void Median_prunes_runs_worse_than_the_median_after_the_warm_up(int epoch, double mine, double[] peers, bool prune)
    {
        var curve = Enumerable.Repeat(0.0, epoch - 1).Append(mine).ToArray();
        var others = peers.Select(v => Enumerable.Repeat(0.0, epoch - 1).Append(v).ToArray()).ToArray();
        Assert.Equal(prune, Pruners.For(new PrunerSpec("median", WarmupEpochs: 1, MinRuns: 2)).ShouldPrune(Context(epoch, curve, others)));
    }

    [Fact]
    public void Fold_pruning_stops_a_trial_significantly_worse_on_shared_folds_only()
    {
        var spec = new FoldPruningSpec(true, 0.05, 3);
        var best = new Dictionary<(int, int), double> { [(1, 1)] = 0.30, [(2, 1)] = 0.50, [(3, 1)] = 0.70, [(4, 1)] = 0.20 };
        var worse = new Dictionary<(int, int), double> { [(1, 1)] = 0.36, [(2, 1)] = 0.55, [(3, 1)] = 0.77 };
        var close = new Dictionary<(int, int), double> { [(1, 1)] = 0.32, [(2, 1)] = 0.48, [(3, 1)] = 0.73 };
        var early = new Dictionary<(int, int), double> { [(1, 1)] = 0.90, [(2, 1)] = 0.95 };
        Assert.True(FoldPruning.ShouldStop(spec, worse, best));
        Assert.False(FoldPruning.ShouldStop(spec, close, best));
        Assert.False(FoldPruning.ShouldStop(spec, early, best));                  // two folds < min_folds
        Assert.False(FoldPruning.ShouldStop(spec with { Enabled = false }, worse, best));
        Assert.False(FoldPruning.ShouldStop(spec with { Alpha = 0.001 }, worse, best));
    }
}
