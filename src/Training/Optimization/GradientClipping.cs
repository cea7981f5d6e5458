using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Amber.Training.Optimization;

/// <summary>Global gradient-norm clipping as <c>torch.nn.utils.clip_grad_norm_</c> (coefficient max/(norm + 1e-6)).</summary>
public static class GradientClipping
{
    private const int Block = 4096;

    /// <summary>
    /// The L2 norm of the whole buffer: float SIMD lanes within a block of 4096, blocks summed in double, so long buffers
    /// keep precision and the order (hence the result) is fixed.
    /// </summary>
    public static double Norm(ReadOnlySpan<float> gradients)
    {
        var sum = 0.0;
        for (var start = 0; start < gradients.Length; start += Block)
        {
            var block = gradients.Slice(start, Math.Min(Block, gradients.Length - start));
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(block);
            var acc = Vector<float>.Zero;
            for (var i = 0; i < vectors.Length; i++)
            {
                acc += vectors[i] * vectors[i];
            }
            var partial = (double)Vector.Sum(acc);
            for (var i = vectors.Length * Vector<float>.Count; i < block.Length; i++)
            {
                partial += (double)block[i] * block[i];
            }
            sum += partial;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>The factor clip_grad_norm_ applies: min(1, maxNorm / (norm + 1e-6)).</summary>
    public static float Coefficient(double norm, double maxNorm) => (float)Math.Min(1.0, maxNorm / (norm + 1e-6));

    /// <summary>Scales the gradients in place when their norm exceeds <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double Clip(Span<float> gradients, double maxNorm)
    {
        var norm = Norm(gradients);
        var coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1.0)
        {
            TensorPrimitives.Multiply(gradients, (float)coefficient, gradients);
        }
        return norm;
    }
}
