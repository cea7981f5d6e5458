using Amber.Grains.Parameters;
using Amber.Grains.Specs;

namespace Amber.Grains.Sampling;

/// <summary>
/// Decides what to try next. Gets an immutable snapshot of the sweep's trials so far and answers with the next trial's
/// parameters, or null when the space (or the sampler) has nothing more to offer. The budget is the sweep grain's
/// business, not the sampler's.
/// </summary>
public interface ISampler
{
    /// <summary>The next configuration, or null when exhausted.</summary>
    TrialParameters? Next(SamplerContext context);
}

/// <summary>What a sampler may look at.</summary>
/// <param name="Spec">The sweep.</param>
/// <param name="Trials">Trials proposed so far, in order, with their objective once known (lower is better).</param>
public sealed record SamplerContext(SweepSpec Spec, IReadOnlyList<TrialHistory> Trials);

/// <summary>One earlier trial as a sampler sees it; an objective of +∞ marks a trial stopped by an epoch pruner.</summary>
public sealed record TrialHistory(int Index, TrialParameters Parameters, bool Finished, double? Objective);

/// <summary>Creates the sampler a spec names.</summary>
public static class Samplers
{
    /// <summary>
    /// True when the sampler learns from told values (tpe), so its trials must be asked one at a time as capacity frees.
    /// Grid and random proposals do not depend on results (random trial i is seeded by i), so asking them all at
    /// submission proposes the same trials, tells the user at once how many runs the sweep has, and writes the sweep once.
    /// </summary>
    public static bool IsAdaptive(SamplerSpec sampler) => sampler.Kind == "tpe";

    /// <summary>The sampler for <paramref name="spec"/>.</summary>
    public static ISampler For(SweepSpec spec) => spec.Sampler.Kind switch
    {
        "grid" => new GridSampler(),
        "random" => new RandomSampler(),
        "tpe" => new TpeSampler(),
        _ => throw new ArgumentException($"sampler '{spec.Sampler.Kind}' is unknown; expected grid, random or tpe", nameof(spec)),
    };

    /// <summary>
    /// Asks the spec's sampler for trials until the budget's max_trials or exhaustion: the full plan of a non-adaptive
    /// sampler, which is what lets a sweep know at submission exactly how many runs it will finish with.
    /// </summary>
    public static IReadOnlyList<TrialParameters> Plan(SweepSpec spec)
    {
        var sampler = For(spec);
        var history = new List<TrialHistory>();
        while (history.Count < spec.Budget.MaxTrials && sampler.Next(new SamplerContext(spec, history)) is { } next)
            history.Add(new TrialHistory(history.Count, next, false, null));
        return history.Select(h => h.Parameters).ToList();
    }
}
