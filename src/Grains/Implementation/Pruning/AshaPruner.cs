namespace Amber.Grains.Pruning;

/// <summary>
/// Asynchronous successive halving (Li et al., MLSys 2020) as a stopping rule: the rungs are the epochs
/// min_epochs · η^k; a run that reaches a rung continues only if its value is among the best ⌈n/η⌉ of the n runs that
/// reached that rung so far (itself included). Runs are never held back waiting for others, so workers stay busy; an
/// early run competes with few peers and so is rarely stopped, which is ASHA's known, accepted bias.
/// </summary>
public sealed class AshaPruner(int minEpochs = 1, int reductionFactor = 3) : IPruner
{
    /// <inheritdoc />
    public bool ShouldPrune(PrunerContext context)
    {
        if (!IsRung(context.Epoch) || context.Curve.Count < context.Epoch) return false;
        double mine = context.Curve[context.Epoch - 1];
        if (double.IsNaN(mine)) return false;
        var peers = context.OtherCurves.Where(c => c.Count >= context.Epoch && !double.IsNaN(c[context.Epoch - 1])).Select(c => c[context.Epoch - 1]).ToList();
        int n = peers.Count + 1;
        int keep = (int)Math.Ceiling(n / (double)reductionFactor);
        int better = peers.Count(v => v < mine);
        return better >= keep;
    }

    /// <summary>True when <paramref name="epoch"/> is min_epochs · η^k for some k ≥ 0.</summary>
    public bool IsRung(int epoch)
    {
        for (long rung = minEpochs; rung <= epoch; rung *= reductionFactor)
            if (rung == epoch) return true;
        return false;
    }
}
