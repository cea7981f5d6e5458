using System.Numerics;
using Amber.Training.Numerics;

namespace Amber.Training.Layers;

/// <summary>
/// Inverted dropout with a counter-based mask: element (row, column) of layer <c>stream</c> at step <c>step</c> is kept
/// iff hash(seed, stream·2³² + step, globalRow·width + column) ≥ p. The mask therefore depends on the global row, so
/// data-parallel ranks that each take a slice of a batch draw exactly the masks one worker would.
/// </summary>
public static class Dropout
{
    /// <summary>Writes mask [B, D] (0 or 1/(1−p)) and output = input · mask; the spans may alias output and input.</summary>
    public static void Forward<T>(Span<T> output, Span<T> mask, ReadOnlySpan<T> input, double probability,
        ulong seed, uint stream, long step, int firstGlobalRow, int batch, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (probability is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout probability must be in [0, 1).");
        }
        var count = batch * features;
        if (probability == 0)
        {
            mask[..count].Fill(T.One);
            input[..count].CopyTo(output);
            return;
        }
        var keep = T.CreateTruncating(1.0 / (1.0 - probability));
        var key = ((ulong)stream << 32) ^ (ulong)step;
        for (var r = 0; r < batch; r++)
        {
            var baseCounter = (ulong)(firstGlobalRow + r) * (ulong)features;
            for (var c = 0; c < features; c++)
            {
                var i = r * features + c;
                var m = CounterRandom.Uniform(seed, key, baseCounter + (ulong)c) >= probability ? keep : T.Zero;
                mask[i] = m;
                output[i] = input[i] * m;
            }
        }
    }

    /// <summary>Identity at evaluation time (no mask).</summary>
    public static void Identity<T>(Span<T> output, ReadOnlySpan<T> input) where T : unmanaged => input.CopyTo(output);

    /// <summary>dInput += dOutput · mask.</summary>
    public static void Backward<T>(Span<T> dInput, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < dOutput.Length; i++)
        {
            dInput[i] += dOutput[i] * mask[i];
        }
    }
}
