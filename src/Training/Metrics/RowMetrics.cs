namespace Amber.Training.Metrics;

/// <summary>Per-sample quantities behind the metrics, shared with the trainer's validation pass.</summary>
public static class RowMetrics
{
    /// <summary>ε added to probabilities inside a log.</summary>
    public const double Epsilon = 1e-10;

    /// <summary>Bhattacharyya coefficient Σ √(p_c y_c).</summary>
    public static double Bhattacharyya(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        var s = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            s += Math.Sqrt(Math.Max(0.0, (double)p[c] * y[c]));
        }
        return s;
    }

    /// <summary>Jensen–Shannon divergence in bits (in [0, 1]).</summary>
    public static double JensenShannonBits(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        var s = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            double a = p[c], b = y[c];
            var m = 0.5 * (a + b);
            var logM = Math.Log2(m + Epsilon);
            s += 0.5 * (a * (Math.Log2(a + Epsilon) - logM) + b * (Math.Log2(b + Epsilon) - logM));
        }
        return Math.Max(0.0, s);
    }

    /// <summary>KL(y ‖ p), natural log, ε-smoothed.</summary>
    public static double KlReferenceToPrediction(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        var s = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            s += y[c] * (Math.Log(y[c] + Epsilon) - Math.Log(p[c] + Epsilon));
        }
        return s;
    }

    /// <summary>Index of the first maximum (numpy's argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var c = 1; c < values.Length; c++)
        {
            if (values[c] > values[best])
            {
                best = c;
            }
        }
        return best;
    }

    /// <summary>H(y) / ln K with K the classes with y_c &gt; 0 (0 when K ≤ 1).</summary>
    public static double NormalizedEntropy(ReadOnlySpan<float> y)
    {
        var k = 0;
        var h = 0.0;
        foreach (var v in y)
        {
            if (v > 0)
            {
                k++;
                h -= v * Math.Log(v);
            }
        }
        return k <= 1 ? 0.0 : h / Math.Log(k);
    }

    /// <summary>Squared Pearson correlation of p and y over the classes (0 when either is constant).</summary>
    public static double SquaredPearson(ReadOnlySpan<float> p, ReadOnlySpan<float> y)
    {
        double mp = 0, my = 0;
        for (var c = 0; c < p.Length; c++)
        {
            mp += p[c];
            my += y[c];
        }
        mp /= p.Length;
        my /= p.Length;
        double sxy = 0, sxx = 0, syy = 0;
        for (var c = 0; c < p.Length; c++)
        {
            double dp = p[c] - mp, dy = y[c] - my;
            sxy += dp * dy;
            sxx += dp * dp;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? 0.0 : sxy * sxy / (sxx * syy);
    }
}
