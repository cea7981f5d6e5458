using System.Numerics;

namespace Amber.Training.Layers;

/// <summary>
/// Layer normalisation over the last dimension with gain and shift (PyTorch <c>nn.LayerNorm</c>, biased variance).
/// Legend: B rows, D features. Forward saves the row mean and reciprocal std for backward.
/// </summary>
public static class LayerNorm
{
    /// <summary>The variance epsilon, as PyTorch's default.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>output [B, D], mean [B], rstd [B] from input [B, D], gamma [D], beta [D].</summary>
    public static void Forward<T>(Span<T> output, Span<T> mean, Span<T> rstd, ReadOnlySpan<T> input,
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, int batch, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = T.CreateTruncating(features);
        var eps = T.CreateTruncating(Epsilon);
        for (var r = 0; r < batch; r++)
        {
            var x = input.Slice(r * features, features);
            var y = output.Slice(r * features, features);
            var m = T.Zero;
            for (var i = 0; i < features; i++)
            {
                m += x[i];
            }
            m /= n;
            var v = T.Zero;
            for (var i = 0; i < features; i++)
            {
                var d = x[i] - m;
                v += d * d;
            }
            var s = T.One / T.Sqrt(v / n + eps);
            for (var i = 0; i < features; i++)
            {
                y[i] = (x[i] - m) * s * gamma[i] + beta[i];
            }
            mean[r] = m;
            rstd[r] = s;
        }
    }

    /// <summary>Accumulates dInput [B, D], dGamma [D], dBeta [D] from dOutput [B, D] and the saved statistics.</summary>
    public static void Backward<T>(Span<T> dInput, Span<T> dGamma, Span<T> dBeta, ReadOnlySpan<T> dOutput,
        ReadOnlySpan<T> input, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> gamma, int batch, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = T.CreateTruncating(features);
        for (var r = 0; r < batch; r++)
        {
            var x = input.Slice(r * features, features);
            var dy = dOutput.Slice(r * features, features);
            var dx = dInput.Slice(r * features, features);
            var m = mean[r];
            var s = rstd[r];
            // dx = s · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · gamma.
            var sumG = T.Zero;
            var sumGx = T.Zero;
            for (var i = 0; i < features; i++)
            {
                var xhat = (x[i] - m) * s;
                var g = dy[i] * gamma[i];
                sumG += g;
                sumGx += g * xhat;
                dGamma[i] += dy[i] * xhat;
                dBeta[i] += dy[i];
            }
            sumG /= n;
            sumGx /= n;
            for (var i = 0; i < features; i++)
            {
                var xhat = (x[i] - m) * s;
                dx[i] += s * (dy[i] * gamma[i] - sumG - xhat * sumGx);
            }
        }
    }
}
