namespace Amber.Training.Losses;

/// <summary>
/// Per-sample divergences between class distributions (natural log) and their gradients, in double precision.
/// Probabilities inside a log get ε = 1e-10 (SPEC-AMBER.md); log-probabilities of predictions come from log-softmax.
/// </summary>
public static class Distributions
{
    /// <summary>The ε added to probabilities inside a log.</summary>
    public const double Epsilon = 1e-10;

    /// <summary>p = softmax(z), logp = log_softmax(z), for one row.</summary>
    public static void Softmax(ReadOnlySpan<double> z, Span<double> p, Span<double> logp)
    {
        var max = z[0];
        for (var c = 1; c < z.Length; c++)
        {
            max = Math.Max(max, z[c]);
        }
        var sum = 0.0;
        for (var c = 0; c < z.Length; c++)
        {
            p[c] = Math.Exp(z[c] - max);
            sum += p[c];
        }
        var log = Math.Log(sum);
        for (var c = 0; c < z.Length; c++)
        {
            p[c] /= sum;
            logp[c] = z[c] - max - log;
        }
    }

    /// <summary>KL(q ‖ p) = Σ q (log(q+ε) − log p) with log p from log-softmax.</summary>
    public static double KlTargetToPrediction(ReadOnlySpan<double> q, ReadOnlySpan<double> logp)
    {
        var s = 0.0;
        for (var c = 0; c < q.Length; c++)
        {
            s += q[c] * (Math.Log(q[c] + Epsilon) - logp[c]);
        }
        return s;
    }

    /// <summary>Soft cross-entropy −Σ q log p.</summary>
    public static double SoftCrossEntropy(ReadOnlySpan<double> q, ReadOnlySpan<double> logp)
    {
        var s = 0.0;
        for (var c = 0; c < q.Length; c++)
        {
            s -= q[c] * logp[c];
        }
        return s;
    }

    /// <summary>dz += scale · ((Σq) p − q): the logit gradient of both KL(q‖p) and −Σ q log p.</summary>
    public static void AddCrossEntropyLogitGradient(Span<double> dz, ReadOnlySpan<double> p, ReadOnlySpan<double> q, double scale)
    {
        var sumQ = 0.0;
        for (var c = 0; c < q.Length; c++)
        {
            sumQ += q[c];
        }
        for (var c = 0; c < q.Length; c++)
        {
            dz[c] += scale * (sumQ * p[c] - q[c]);
        }
    }

    /// <summary>
    /// Jensen–Shannon divergence (natural log, ε-smoothed) of p and q; when <paramref name="dp"/> is not empty, adds
    /// scale · ∂JS/∂p, which is ½ [log((p+ε)/(m+ε)) + p/(p+ε) − m/(m+ε)] with m = (p+q)/2.
    /// </summary>
    public static double JensenShannon(ReadOnlySpan<double> p, ReadOnlySpan<double> q, Span<double> dp = default, double scale = 1.0)
    {
        var s = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            var m = 0.5 * (p[c] + q[c]);
            var logM = Math.Log(m + Epsilon);
            s += 0.5 * (p[c] * (Math.Log(p[c] + Epsilon) - logM) + q[c] * (Math.Log(q[c] + Epsilon) - logM));
            if (!dp.IsEmpty)
            {
                dp[c] += scale * 0.5 * (Math.Log(p[c] + Epsilon) - logM + p[c] / (p[c] + Epsilon) - m / (m + Epsilon));
            }
        }
        return s;
    }

    /// <summary>Shannon entropy −Σ p log p from the log-softmax (no ε needed).</summary>
    public static double Entropy(ReadOnlySpan<double> p, ReadOnlySpan<double> logp)
    {
        var s = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            s -= p[c] * logp[c];
        }
        return s;
    }

    /// <summary>dz += scale · ∂H/∂z = −scale · p ⊙ (log p − Σ p log p).</summary>
    public static void AddEntropyLogitGradient(Span<double> dz, ReadOnlySpan<double> p, ReadOnlySpan<double> logp, double scale)
    {
        var mean = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            mean += p[c] * logp[c];
        }
        for (var c = 0; c < p.Length; c++)
        {
            dz[c] -= scale * p[c] * (logp[c] - mean);
        }
    }

    /// <summary>dz += J_softmaxᵀ dp = p ⊙ (dp − Σ p·dp): turns a probability gradient into a logit gradient.</summary>
    public static void AddProbabilityGradientToLogits(Span<double> dz, ReadOnlySpan<double> p, ReadOnlySpan<double> dp)
    {
        var dot = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            dot += p[c] * dp[c];
        }
        for (var c = 0; c < p.Length; c++)
        {
            dz[c] += p[c] * (dp[c] - dot);
        }
    }
}
