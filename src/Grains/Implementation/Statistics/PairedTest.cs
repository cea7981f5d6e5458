namespace Amber.Grains.Statistics;

/// <summary>The result of a one-sided paired t-test.</summary>
/// <param name="Pairs">Number of pairs.</param>
/// <param name="MeanDifference">Mean of (candidate − reference).</param>
/// <param name="T">The t statistic (infinite when every difference is equal and non-zero).</param>
/// <param name="P">P(mean difference this large or larger | no true difference).</param>
public readonly record struct PairedTestResult(int Pairs, double MeanDifference, double T, double P);

/// <summary>One-sided paired t-test: is the candidate's loss larger than the reference's on the same units (folds × seeds)?</summary>
public static class PairedTest
{
    /// <summary>Tests H1: mean(candidate − reference) &gt; 0 over the paired values; needs at least two pairs.</summary>
    public static PairedTestResult Greater(IReadOnlyList<double> candidate, IReadOnlyList<double> reference)
    {
        if (candidate.Count != reference.Count) throw new ArgumentException($"paired samples differ in length: {candidate.Count} vs {reference.Count}", nameof(reference));
        int n = candidate.Count;
        if (n < 2) throw new ArgumentException($"a paired t-test needs at least 2 pairs; got {n}", nameof(candidate));
        double mean = 0;
        for (int i = 0; i < n; i++) mean += candidate[i] - reference[i];
        mean /= n;
        double ss = 0;
        for (int i = 0; i < n; i++) { double e = candidate[i] - reference[i] - mean; ss += e * e; }
        double se = Math.Sqrt(ss / (n - 1) / n);
        double t = se > 0 ? mean / se : mean > 0 ? double.PositiveInfinity : mean < 0 ? double.NegativeInfinity : 0;
        double p = se > 0 ? StudentT.UpperTail(t, n - 1) : mean > 0 ? 0 : mean < 0 ? 1 : 0.5;
        return new PairedTestResult(n, mean, t, p);
    }
}
