using System.Numerics;

namespace Amber.Training.Layers;

/// <summary>Rectified linear unit; the derivative at exactly 0 is taken as 0 (as PyTorch does).</summary>
public static class Relu
{
    /// <summary>output = max(input, 0), element-wise; the spans may alias.</summary>
    public static void Forward<T>(Span<T> output, ReadOnlySpan<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < input.Length; i++)
        {
            output[i] = input[i] > T.Zero ? input[i] : T.Zero;
        }
    }

    /// <summary>dInput += dOutput where input &gt; 0.</summary>
    public static void Backward<T>(Span<T> dInput, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] > T.Zero)
            {
                dInput[i] += dOutput[i];
            }
        }
    }
}
