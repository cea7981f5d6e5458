using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Amber.Training.Layers;

/// <summary>
/// GELU in its tanh form (PyTorch <c>GELU(approximate='tanh')</c>): it has a closed-form derivative, so the
/// finite-difference checks hold to double precision, and .NET has no <c>erf</c> to build the exact form on.
/// Forward saves tanh(u) so backward needs no second transcendental pass. Loops are SIMD over <see cref="Vector{T}"/>.
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
        var kc = T.CreateTruncating(Sqrt2OverPi * Cubic);
        var half = T.CreateTruncating(0.5);
        var n = input.Length;
        var t = savedTanh[..n];
        var y = output[..n];
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var xv = MemoryMarshal.Cast<T, Vector<T>>(input);
            var tv = MemoryMarshal.Cast<T, Vector<T>>(t);
            Vector<T> vk = new(k), vkc = new(kc);
            for (var v = 0; v < xv.Length; v++)
            {
                var x = xv[v];
                tv[v] = x * (vk + vkc * x * x);
            }
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < n; i++)
        {
            var x = input[i];
            t[i] = x * (k + kc * x * x);
        }
        TensorPrimitives.Tanh<T>(t, t);
        // y = ½ x (1 + t) = ½x + ½x·t
        TensorPrimitives.Multiply<T>(input, half, y);
        TensorPrimitives.FusedMultiplyAdd<T>(y, t, y, y);
    }

    /// <summary>dInput += dOutput · GELU'(input), using the tanh values saved by forward.</summary>
    public static void Backward<T>(Span<T> dInput, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, ReadOnlySpan<T> savedTanh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var k = T.CreateTruncating(Sqrt2OverPi);
        var c3 = T.CreateTruncating(3 * Cubic);
        var half = T.CreateTruncating(0.5);
        var n = input.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var xv = MemoryMarshal.Cast<T, Vector<T>>(input);
            var tv = MemoryMarshal.Cast<T, Vector<T>>(savedTanh[..n]);
            var dy = MemoryMarshal.Cast<T, Vector<T>>(dOutput[..n]);
            var dx = MemoryMarshal.Cast<T, Vector<T>>(dInput[..n]);
            Vector<T> vk = new(k), vc3 = new(c3), vhalf = new(half), one = Vector<T>.One;
            for (var v = 0; v < xv.Length; v++)
            {
                var x = xv[v];
                var t = tv[v];
                var d = vhalf * (one + t) + vhalf * x * (one - t * t) * vk * (one + vc3 * x * x);
                dx[v] += dy[v] * d;
            }
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < n; i++)
        {
            var x = input[i];
            var t = savedTanh[i];
            var d = half * (T.One + t) + half * x * (T.One - t * t) * k * (T.One + c3 * x * x);
            dInput[i] += dOutput[i] * d;
        }
    }
}
