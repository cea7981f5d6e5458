namespace Amber.Data.Corpora;

/// <summary>Soft-label arithmetic shared by every loader.</summary>
public static class SoftLabels
{
    /// <summary>
    /// y_c = (n_h,c + w·n_s,c) / (N_h + w·N_s) over the in-class votes; null when there is no in-class vote (the
    /// utterance is then dropped and counted by the caller).
    /// </summary>
    public static float[]? FromVotes(ReadOnlySpan<double> humanVotes, ReadOnlySpan<double> extraVotes = default, double extraWeight = 0)
    {
        var y = new float[humanVotes.Length];
        double total = 0;
        var sums = new double[humanVotes.Length];
        for (int c = 0; c < humanVotes.Length; c++)
        {
            sums[c] = humanVotes[c] + (extraVotes.IsEmpty ? 0 : extraWeight * extraVotes[c]);
            total += sums[c];
        }
        if (total <= 0) return null;
        for (int c = 0; c < y.Length; c++) y[c] = (float)(sums[c] / total);
        return y;
    }

    /// <summary>Index of the first maximum (numpy's argmax convention).</summary>
    public static int ArgMax(ReadOnlySpan<float> y)
    {
        int best = 0;
        for (int c = 1; c < y.Length; c++)
        {
            if (y[c] > y[best]) best = c;
        }
        return best;
    }

    /// <summary>H(y) / ln K with K the number of classes with y_c &gt; 0 (0 when K ≤ 1), as SPEC-AMBER.md defines ambiguity.</summary>
    public static double NormalizedEntropy(ReadOnlySpan<float> y)
    {
        int k = 0;
        double h = 0;
        foreach (var p in y)
        {
            if (p <= 0) continue;
            k++;
            h -= p * Math.Log(p);
        }
        return k <= 1 ? 0 : Math.Clamp(h / Math.Log(k), 0, 1);
    }
}
