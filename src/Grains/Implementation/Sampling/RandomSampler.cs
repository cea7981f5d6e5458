using Amber.Grains.Parameters;
using Amber.Grains.Specs;

namespace Amber.Grains.Sampling;

/// <summary>
/// Independent random draws per dimension. Trial i uses its own generator seeded from (sampler seed, i), so a trial's
/// parameters do not depend on how many draws earlier trials consumed, and a restarted silo proposes the same trials.
/// </summary>
public sealed class RandomSampler : ISampler
{
    /// <inheritdoc />
    public TrialParameters? Next(SamplerContext context)
    {
        int index = context.Trials.Count;
        var rng = new Random(unchecked(context.Spec.Sampler.Seed * 1_000_003 + index * 7919 + 17));
        var picked = new List<KeyValuePair<string, ParameterValue>>();
        foreach (var d in context.Spec.Space)
        {
            ParameterValue v = d switch
            {
                FixedDimension f => f.Value,
                ChoiceDimension c => c.Values[rng.Next(c.Values.Length)],
                IntDimension i => ParameterValue.Of(i.Low + i.Step * rng.NextInt64((i.High - i.Low) / i.Step + 1)),
                UniformDimension { Log: false } u => ParameterValue.Of(u.Low + (u.High - u.Low) * rng.NextDouble()),
                UniformDimension u => ParameterValue.Of(Math.Exp(Math.Log(u.Low) + (Math.Log(u.High) - Math.Log(u.Low)) * rng.NextDouble())),
                _ => throw new InvalidOperationException($"dimension type {d.GetType().Name} is not supported by the random sampler"),
            };
            picked.Add(new(d.Name, v));
        }
        return new TrialParameters(picked);
    }
}
