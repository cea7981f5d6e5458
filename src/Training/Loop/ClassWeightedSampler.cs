using Amber.Training.Metrics;
using Amber.Training.Numerics;

namespace Amber.Training;

/// <summary>
/// Class-weighted sampling (SPEC-AMBER.md, optional): each epoch draws N training rows with replacement, row i with
/// probability ∝ multiplier_c / n_c where c is its dominant class (argmax of the soft label) and n_c that class's count.
/// Draws are a pure function of (seed, epoch, draw index), so resume reproduces them.
/// </summary>
public sealed class ClassWeightedSampler
{
    private readonly double[] _cumulative; // [N] running sum of the row weights

    /// <summary>Builds the sampler for <paramref name="data"/>; <paramref name="multipliers"/> (length C) default to 1.</summary>
    public ClassWeightedSampler(TrainingData data, IReadOnlyList<double>? multipliers = null)
    {
        var c = data.Classes;
        if (multipliers is not null && (multipliers.Count != c || multipliers.Any(m => !(m >= 0))))
        {
            throw new ArgumentException($"Class multipliers [{string.Join(", ", multipliers)}]; expected {c} values ≥ 0, one per class.");
        }
        var dominant = new int[data.Count];
        var counts = new int[c];
        for (var i = 0; i < data.Count; i++)
        {
            dominant[i] = RowMetrics.ArgMax(data.Soft.AsSpan(i * c, c));
            counts[dominant[i]]++;
        }
        _cumulative = new double[data.Count];
        var sum = 0.0;
        for (var i = 0; i < data.Count; i++)
        {
            sum += (multipliers?[dominant[i]] ?? 1.0) / counts[dominant[i]];
            _cumulative[i] = sum;
        }
        if (!(sum > 0))
        {
            throw new ArgumentException("Class-weighted sampling: every class multiplier of the present classes is 0; nothing can be drawn.");
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the rows drawn for <paramref name="epoch"/>.</summary>
    public void Draw(Span<int> destination, ulong seed, ulong stream)
    {
        var total = _cumulative[^1];
        for (var k = 0; k < destination.Length; k++)
        {
            var u = CounterRandom.Uniform(seed, stream, (ulong)k) * total;
            var i = Array.BinarySearch(_cumulative, u);
            // BinarySearch returns the complement of the first larger element when u is not an exact cumulative value.
            i = i >= 0 ? i + 1 : ~i;
            destination[k] = Math.Min(i, _cumulative.Length - 1);
        }
    }
}
