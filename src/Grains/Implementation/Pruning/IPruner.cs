namespace Amber.Grains.Pruning;

/// <summary>
/// One question: should this run stop early, given its learning curve so far and those of the sweep's other runs?
/// Strategies see immutable snapshots; the silo asks after each reported epoch.
/// </summary>
public interface IPruner
{
    /// <summary>True to stop the run now (it finishes as pruned, which counts as finished).</summary>
    bool ShouldPrune(PrunerContext context);
}

/// <summary>What a pruner may look at.</summary>
/// <param name="RunId">The run asking.</param>
/// <param name="Epoch">Its latest epoch (1-based).</param>
/// <param name="Curve">Its objective per epoch so far (index 0 = epoch 1; lower is better).</param>
/// <param name="OtherCurves">Objective curves of the sweep's other runs at the same fold.</param>
public sealed record PrunerContext(string RunId, int Epoch, IReadOnlyList<double> Curve, IReadOnlyList<IReadOnlyList<double>> OtherCurves);

/// <summary>Never prunes: every run trains to its own early stopping. The default.</summary>
public sealed class NeverPruner : IPruner
{
    /// <inheritdoc />
    public bool ShouldPrune(PrunerContext context) => false;
}

/// <summary>
/// Prunes a run whose objective at the current epoch is worse than the median of the other runs at that epoch, after a
/// warm-up of <paramref name="warmupEpochs"/> epochs and once at least <paramref name="minRuns"/> others reached it.
/// </summary>
public sealed class MedianPruner(int warmupEpochs = 5, int minRuns = 4) : IPruner
{
    /// <inheritdoc />
    public bool ShouldPrune(PrunerContext context)
    {
        if (context.Epoch <= warmupEpochs || context.Curve.Count < context.Epoch) return false;
        var peers = context.OtherCurves.Where(c => c.Count >= context.Epoch).Select(c => c[context.Epoch - 1]).Order().ToArray();
        if (peers.Length < minRuns) return false;
        double median = peers.Length % 2 == 1 ? peers[peers.Length / 2] : (peers[peers.Length / 2 - 1] + peers[peers.Length / 2]) / 2;
        return context.Curve[context.Epoch - 1] > median;
    }
}
