using Amber.Grains.Pruning;

namespace Amber.Grains.Tests.Sampling;

public sealed class PrunerTests
{
    private static readonly double[][] Others = [[1, 0.9, 0.8], [1, 0.7, 0.6], [1, 0.5, 0.4], [1, 0.3, 0.2]];

    [Fact]
    public void Median_pruner_stops_a_run_worse_than_the_median_after_warm_up()
    {
        var pruner = new MedianPruner(warmupEpochs: 1, minRuns: 4);
        // Median at epoch 2 of 0.9, 0.7, 0.5, 0.3 is 0.6.
        Assert.True(pruner.ShouldPrune(new PrunerContext("r", 2, [1, 0.61], Others)));
        Assert.False(pruner.ShouldPrune(new PrunerContext("r", 2, [1, 0.59], Others)));
        Assert.False(pruner.ShouldPrune(new PrunerContext("r", 1, [5], Others)));
        Assert.False(new MedianPruner(1, 5).ShouldPrune(new PrunerContext("r", 2, [1, 9], Others)));
        Assert.False(new NeverPruner().ShouldPrune(new PrunerContext("r", 3, [9, 9, 9], Others)));
    }
}
