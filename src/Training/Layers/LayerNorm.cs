using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Amber.Training.Layers;

/// <summary>
/// Layer normalisation over the last dimension with gain and shift (PyTorch <c>nn.LayerNorm</c>, biased variance).
/// Legend: B rows, D features. Forward saves the row mean and reciprocal std for backward. Rows are processed with
/// <see cref="TensorPrimitives"/> so every pass is SIMD.
/// </summary>
public static class LayerNorm
{
    /// <summary>The variance epsilon, as PyTorch's default.</summary>
    public const double Epsilon = 1e-5;

    private const int StackLimit = 1024;

    /// <summary>output [B, D], mean [B], rstd [B] from input [B, D], gamma [D], beta [D].</summary>
    public static void Forward<T>(Span<T> output, Span<T> mean, Span<T> rstd, ReadOnlySpan<T> input,
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, int batch, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = T.CreateTruncating(features);
        var eps = T.CreateTruncating(Epsilon);
        gamma = gamma[..features];
        beta = beta[..features];
        for (var r = 0; r < batch; r++)
        {
            var x = input.Slice(r * features, features);
            var y = output.Slice(r * features, features);
            var m = TensorPrimitives.Sum<T>(x) / n;
            TensorPrimitives.Subtract<T>(x, m, y);
            var s = T.One / T.Sqrt(TensorPrimitives.Dot<T>(y, y) / n + eps);
            TensorPrimitives.Multiply<T>(y, s, y);
            TensorPrimitives.FusedMultiplyAdd<T>(y, gamma, beta, y);
            mean[r] = m;
            rstd[r] = s;
        }
    }

    /// <summary>Accumulates dInput [B, D], dGamma [D], dBeta [D] from dOutput [B, D] and the saved statistics.</summary>
    public static void Backward<T>(Span<T> dInput, Span<T> dGamma, Span<T> dBeta, ReadOnlySpan<T> dOutput,
        ReadOnlySpan<T> input, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> gamma, int batch, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[]? rented = null;
        var scratch = features <= StackLimit
            ? stackalloc T[2 * features]
            : (rented = ArrayPool<T>.Shared.Rent(2 * features)).AsSpan(0, 2 * features);
        var xhat = scratch[..features];
        var g = scratch[features..];
        var n = T.CreateTruncating(features);
        gamma = gamma[..features];
        dGamma = dGamma[..features];
        dBeta = dBeta[..features];
        for (var r = 0; r < batch; r++)
        {
            var x = input.Slice(r * features, features);
            var dy = dOutput.Slice(r * features, features);
            var dx = dInput.Slice(r * features, features);
            var s = rstd[r];
            // x̂ = (x − mean)·s, g = dy·gamma; dx += s·(g − mean(g) − x̂·mean(g·x̂)).
            TensorPrimitives.Subtract<T>(x, mean[r], xhat);
            TensorPrimitives.Multiply<T>(xhat, s, xhat);
            TensorPrimitives.Multiply<T>(dy, gamma, g);
            TensorPrimitives.FusedMultiplyAdd<T>(dy, xhat, dGamma, dGamma);
            TensorPrimitives.Add<T>(dBeta, dy, dBeta);
            var meanG = TensorPrimitives.Sum<T>(g) / n;
            var meanGx = TensorPrimitives.Dot<T>(g, xhat) / n;
            TensorPrimitives.Subtract<T>(g, meanG, g);
            TensorPrimitives.FusedMultiplyAdd<T>(xhat, -meanGx, g, g);
            TensorPrimitives.FusedMultiplyAdd<T>(g, s, dx, dx);
        }
        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
