using Amber.Grains.Parameters;

namespace Amber.Grains.Sampling;

/// <summary>
/// Enumerates the Cartesian product of the discrete dimensions in declaration order, the first dimension varying
/// slowest (so `methods: [ce, amber2]` keeps each method's trials together).
/// </summary>
public sealed class GridSampler : ISampler
{
    /// <inheritdoc />
    public TrialParameters? Next(SamplerContext context)
    {
        var dims = context.Spec.Space;
        var values = dims.Select(d => d.GridValues).ToArray();
        long index = context.Trials.Count;
        long size = 1;
        foreach (var v in values) size = v.Length == 0 ? 0 : size > long.MaxValue / v.Length ? long.MaxValue : size * v.Length;
        if (index >= size) return null;

        // Mixed-radix digits of the index, the last dimension being the fastest digit.
        var picked = new KeyValuePair<string, ParameterValue>[dims.Length];
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            int radix = values[i].Length;
            picked[i] = new(dims[i].Name, values[i][(int)(index % radix)]);
            index /= radix;
        }
        return new TrialParameters(picked);
    }
}
