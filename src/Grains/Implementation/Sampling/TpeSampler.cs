using Amber.Grains.Parameters;
using Amber.Grains.Sampling.Tpe;

namespace Amber.Grains.Sampling;

/// <summary>
/// Proposes trials with the tree-structured Parzen estimator over the finished trials' objectives (lower is better; the
/// sweep grain negates maximised objectives before telling). Trial i draws from its own generator seeded from
/// (sampler seed, i), so the same history proposes the same trial after a silo restart; trials still running carry no
/// objective and are not part of the model.
/// </summary>
public sealed class TpeSampler(TpeOptions? options = null) : ISampler
{
    /// <inheritdoc />
    public TrialParameters? Next(SamplerContext context)
    {
        var space = context.Spec.Space;
        var estimator = new TreeParzenEstimator(space, options);
        var observations = new List<TpeObservation>(context.Trials.Count);
        foreach (var t in context.Trials)
        {
            if (!t.Finished || t.Objective is not { } objective) continue;
            var values = new ParameterValue[space.Length];
            bool complete = true;
            for (int i = 0; i < space.Length && complete; i++)
            {
                if (t.Parameters.Get(space[i].Name) is { } v) values[i] = v; else complete = false;
            }
            if (complete) observations.Add(new TpeObservation(values, objective));
        }
        var rng = new Random(unchecked(context.Spec.Sampler.Seed * 1_000_003 + context.Trials.Count * 7919 + 29));
        var picked = estimator.Suggest(observations, rng);
        return new TrialParameters(space.Select((d, i) => new KeyValuePair<string, ParameterValue>(d.Name, picked[i])));
    }
}
