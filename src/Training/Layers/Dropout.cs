using System.Numerics;
using System.Numerics.Tensors;
using Amber.Training.Numerics;

namespace Amber.Training.Layers;

/// <summary>
/// Inverted dropout with a counter-based mask. Each 64-bit hash of (seed, stream·2³² + step, group) yields four 16-bit
/// uniforms for four neighbouring columns of one row (group = globalRow · ⌈D/4⌉ + column/4); an element is kept when its
/// uniform is ≥ round(p · 65536), so p is honoured to 1/65536. The mask depends on the global row, so data-parallel
/// ranks that each take a slice of a batch draw exactly the masks one worker would.
/// </summary>
public static class Dropout
{
    /// <summary>Writes mask [B, D] (0 or 1/(1−p)) and output = input · mask; output and input may alias.</summary>
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
        var threshold = (ulong)Math.Round(probability * 65536.0);
        var key = ((ulong)stream << 32) ^ (ulong)step;
        var groups = (features + 3) / 4;
        for (var r = 0; r < batch; r++)
        {
            var row = mask.Slice(r * features, features);
            var baseGroup = (ulong)(firstGlobalRow + r) * (ulong)groups;
            for (var g = 0; g < groups; g++)
            {
                var bits = CounterRandom.Hash(seed, key, baseGroup + (ulong)g);
                var end = Math.Min(features, 4 * g + 4);
                for (var c = 4 * g; c < end; c++, bits >>= 16)
                {
                    row[c] = (bits & 0xFFFF) >= threshold ? keep : T.Zero;
                }
            }
        }
        TensorPrimitives.Multiply<T>(input[..count], mask[..count], output);
    }

    /// <summary>Identity at evaluation time (no mask).</summary>
    public static void Identity<T>(Span<T> output, ReadOnlySpan<T> input) where T : unmanaged => input.CopyTo(output);

    /// <summary>dInput += dOutput · mask.</summary>
    public static void Backward<T>(Span<T> dInput, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = dOutput.Length;
        TensorPrimitives.FusedMultiplyAdd<T>(dOutput, mask[..n], dInput[..n], dInput[..n]);
    }
}
