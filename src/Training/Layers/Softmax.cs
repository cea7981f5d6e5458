using System.Numerics;

namespace Amber.Training.Layers;

/// <summary>Row-wise softmax and log-softmax over C classes (max-shifted for stability). Legend: B rows, C classes.</summary>
public static class Softmax
{
    /// <summary>probs [B, C] = softmax(logits [B, C]).</summary>
    public static void Forward<T>(Span<T> probs, ReadOnlySpan<T> logits, int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var r = 0; r < batch; r++)
        {
            var z = logits.Slice(r * classes, classes);
            var p = probs.Slice(r * classes, classes);
            var max = RowMax(z);
            var sum = T.Zero;
            for (var c = 0; c < classes; c++)
            {
                p[c] = T.Exp(z[c] - max);
                sum += p[c];
            }
            for (var c = 0; c < classes; c++)
            {
                p[c] /= sum;
            }
        }
    }

    /// <summary>logProbs [B, C] = log_softmax(logits [B, C]).</summary>
    public static void LogForward<T>(Span<T> logProbs, ReadOnlySpan<T> logits, int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var r = 0; r < batch; r++)
        {
            var z = logits.Slice(r * classes, classes);
            var lp = logProbs.Slice(r * classes, classes);
            var max = RowMax(z);
            var sum = T.Zero;
            for (var c = 0; c < classes; c++)
            {
                sum += T.Exp(z[c] - max);
            }
            var log = T.Log(sum) + max;
            for (var c = 0; c < classes; c++)
            {
                lp[c] = z[c] - log;
            }
        }
    }

    /// <summary>The row's largest logit: subtracting it keeps exp from overflowing without changing the result.</summary>
    private static T RowMax<T>(ReadOnlySpan<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = z[0];
        for (var c = 1; c < z.Length; c++)
        {
            max = T.Max(max, z[c]);
        }
        return max;
    }

    /// <summary>dLogits += J_softmaxᵀ dProbs, i.e. p ⊙ (dp − Σ p·dp) per row.</summary>
    public static void Backward<T>(Span<T> dLogits, ReadOnlySpan<T> dProbs, ReadOnlySpan<T> probs, int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var r = 0; r < batch; r++)
        {
            var o = r * classes;
            var dot = T.Zero;
            for (var c = 0; c < classes; c++)
            {
                dot += probs[o + c] * dProbs[o + c];
            }
            for (var c = 0; c < classes; c++)
            {
                dLogits[o + c] += probs[o + c] * (dProbs[o + c] - dot);
            }
        }
    }

    /// <summary>dLogits += dLogProbs − softmax · Σ dLogProbs per row.</summary>
    public static void LogBackward<T>(Span<T> dLogits, ReadOnlySpan<T> dLogProbs, ReadOnlySpan<T> logProbs, int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var r = 0; r < batch; r++)
        {
            var o = r * classes;
            var sum = T.Zero;
            for (var c = 0; c < classes; c++)
            {
                sum += dLogProbs[o + c];
            }
            for (var c = 0; c < classes; c++)
            {
                dLogits[o + c] += dLogProbs[o + c] - T.Exp(logProbs[o + c]) * sum;
            }
        }
    }
}
