using System.Numerics;
using System.Numerics.Tensors;

namespace Amber.Training.Layers;

/// <summary>
/// GELU in its tanh form (PyTorch <c>GELU(approximate='tanh')</c>): it has a closed-form derivative, so the
/// finite-difference checks hold to double precision, and .NET has no <c>erf</c> to build the exact form on.
/// Forward saves tanh(u) so backward needs no second transcendental pass.
/// </summary>
public static class Gelu
{
    private static readonly double Sqrt2OverPi = Math.Sqrt(2.0 / Math.PI);
    private const double Cubic = 0.044715;

    /// <summary>output [N] = GELU(input [N]); savedTanh [N] keeps tanh(√(2/π)(x + 0.044715x³)) for backward.</summary>
    public static void Forward<T>(Span<T> output, Span<T> savedTanh, ReadOnlySpan<T> input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var k = T.CreateTruncating(Sqrt2OverPi);
        var c = T.CreateTruncating(Cubic);
        var half = T.CreateTruncating(0.5);
        var n = input.Length;
        var t = savedTanh[..n];
        for (var i = 0; i < n; i++)
        {
            var x = input[i];
            t[i] = k * (x + c * x * x * x);
        }
        TensorPrimitives.Tanh<T>(t, t);
        for (var i = 0; i < n; i++)
        {
            output[i] = half * input[i] * (T.One + t[i]);
        }
    }

    /// <summary>dInput += dOutput · GELU'(input), using the tanh values saved by forward.</summary>
    public static void Backward<T>(Span<T> dInput, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, ReadOnlySpan<T> savedTanh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var k = T.CreateTruncating(Sqrt2OverPi);
        var c3 = T.CreateTruncating(3 * Cubic);
        var half = T.CreateTruncating(0.5);
        for (var i = 0; i < input.Length; i++)
        {
            var x = input[i];
            var t = savedTanh[i];
            var d = half * (T.One + t) + half * x * (T.One - t * t) * k * (T.One + c3 * x * x);
            dInput[i] += dOutput[i] * d;
        }
    }
}
