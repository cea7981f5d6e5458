using Amber.Data.Corpora;

namespace Amber.Data.Protocols;

/// <summary>Per-example sampling weights ∝ multiplier_c / n_c of the example's dominant class, so classes are drawn evenly.</summary>
public static class ClassWeightedSampling
{
    /// <summary>Weights of <paramref name="rows"/> (same order), summing to 1.</summary>
    /// <param name="targets">Soft targets <c>[N, C]</c>.</param>
    /// <param name="multipliers">Optional per-class multipliers (default all 1).</param>
    public static double[] Weights(ReadOnlySpan<float> targets, int classes, IReadOnlyList<int> rows, IReadOnlyList<double>? multipliers = null)
    {
        var dominant = new int[rows.Count];
        var counts = new int[classes];
        for (int i = 0; i < rows.Count; i++)
        {
            dominant[i] = SoftLabels.ArgMax(targets.Slice(rows[i] * classes, classes));
            counts[dominant[i]]++;
        }
        var w = new double[rows.Count];
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (multipliers?[dominant[i]] ?? 1.0) / counts[dominant[i]];
            sum += w[i];
        }
        for (int i = 0; i < w.Length; i++) w[i] /= sum;
        return w;
    }

    /// <summary>Draws <paramref name="count"/> positions (indices into the weight array) with replacement.</summary>
    public static int[] Sample(IReadOnlyList<double> weights, int count, Random rng)
    {
        var cumulative = new double[weights.Count];
        double acc = 0;
        for (int i = 0; i < weights.Count; i++) cumulative[i] = acc += weights[i];
        var result = new int[count];
        for (int k = 0; k < count; k++)
        {
            int pos = Array.BinarySearch(cumulative, rng.NextDouble() * acc);
            result[k] = Math.Min(weights.Count - 1, pos >= 0 ? pos + 1 : ~pos);
        }
        return result;
    }
}
