using Amber.Grains.Specs;

namespace Amber.Grains.Pruning;

/// <summary>Creates the epoch pruner a spec names.</summary>
public static class Pruners
{
    /// <summary>The pruner for <paramref name="spec"/> (never pruning when the spec asks for none).</summary>
    public static IPruner For(PrunerSpec spec) => spec.Kind switch
    {
        "median" => new MedianPruner(spec.WarmupEpochs, spec.MinRuns),
        "asha" => new AshaPruner(spec.MinEpochs, spec.ReductionFactor),
        "none" => new NeverPruner(),
        _ => throw new ArgumentException($"pruner '{spec.Kind}' is unknown; expected none, median or asha", nameof(spec)),
    };
}
