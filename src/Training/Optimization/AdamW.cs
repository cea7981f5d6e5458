using System.Numerics;
using System.Runtime.InteropServices;

namespace Amber.Training.Optimization;

/// <summary>
/// AdamW with decoupled weight decay, in PyTorch's order of operations (decay, moments, bias-corrected step), so a
/// golden run matches <c>torch.optim.AdamW</c> within float rounding. Decay applies to every parameter, as PyTorch's default.
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float _beta1, _beta2, _epsilon, _weightDecay;

    /// <summary>Creates the optimiser for <paramref name="size"/> parameters.</summary>
    public AdamW(int size, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01)
    {
        _m = new float[size];
        _v = new float[size];
        _beta1 = (float)beta1;
        _beta2 = (float)beta2;
        _epsilon = (float)epsilon;
        _weightDecay = (float)weightDecay;
    }

    /// <inheritdoc/>
    public string Name => "adamw";

    /// <inheritdoc/>
    public long Steps { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<float[]> State => [_m, _v];

    /// <inheritdoc/>
    public void RestoreSteps(long steps) => Steps = steps;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate, float gradientScale = 1f)
    {
        if (parameters.Length != _m.Length || gradients.Length != _m.Length)
        {
            throw new ArgumentException($"AdamW holds state for {_m.Length} parameters; got {parameters.Length} parameters and {gradients.Length} gradients.");
        }
        Steps++;
        var bc1 = 1.0 - Math.Pow(_beta1, Steps);
        var bc2Sqrt = Math.Sqrt(1.0 - Math.Pow(_beta2, Steps));
        var stepSize = (float)(learningRate / bc1);
        var invBc2Sqrt = (float)(1.0 / bc2Sqrt);
        var decay = 1f - learningRate * _weightDecay;
        float b1 = _beta1, b2 = _beta2, omb1 = 1f - _beta1, omb2 = 1f - _beta2, eps = _epsilon;

        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(_m.AsSpan());
            var scale = new Vector<float>(gradientScale);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(_v.AsSpan());
            for (var k = 0; k < pv.Length; k++)
            {
                var g = gv[k] * scale;
                var m = mv[k] * b1 + g * omb1;
                var v = vv[k] * b2 + g * g * omb2;
                mv[k] = m;
                vv[k] = v;
                var denom = Vector.SquareRoot(v) * invBc2Sqrt + new Vector<float>(eps);
                pv[k] = pv[k] * decay - stepSize * m / denom;
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            var g = gradients[i] * gradientScale;
            var m = _m[i] * b1 + g * omb1;
            var v = _v[i] * b2 + g * g * omb2;
            _m[i] = m;
            _v[i] = v;
            var denom = MathF.Sqrt(v) * invBc2Sqrt + eps;
            parameters[i] = parameters[i] * decay - stepSize * m / denom;
        }
    }
}
