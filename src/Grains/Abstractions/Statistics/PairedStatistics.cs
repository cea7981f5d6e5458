using MathNet.Numerics.Distributions;

namespace Amber.Grains.Statistics;

/// <summary>
/// A paired comparison of two methods on the same units (folds × seeds): the mean difference with its confidence
/// interval, the paired t-test and the Wilcoxon signed-rank test, both two-sided.
/// </summary>
/// <param name="Pairs">Units with a value for both methods.</param>
/// <param name="MeanDifference">Mean of a − b.</param>
/// <param name="CiLow">Lower end of the confidence interval of the mean difference (Student t, n − 1 degrees of freedom).</param>
/// <param name="CiHigh">Upper end.</param>
/// <param name="PairedTP">Two-sided p of the paired t-test (null when the differences have no spread).</param>
/// <param name="WilcoxonP">Two-sided p of the Wilcoxon signed-rank test (null when every difference is zero).</param>
/// <param name="T">The t statistic (±∞ when every difference is the same non-zero value, 0 when all are zero).</param>
/// <param name="GreaterP">One-sided p of the paired t-test for "a is larger than b" (0 or 1 for differences without spread,
/// ½ when all are zero).</param>
public sealed record PairedTest(int Pairs, double MeanDifference, double CiLow, double CiHigh, double? PairedTP, double? WilcoxonP, double T, double GreaterP)
{
    /// <summary>Whether the paired t-test rejects "no difference" at <paramref name="alpha"/>.</summary>
    public bool SignificantAt(double alpha) => PairedTP is { } p && p < alpha;
}

/// <summary>
/// Paired tests over per-unit metric values, as scipy defines them (checked against scipy 1.10 golden values):
/// <c>ttest_rel(a, b)</c>; the interval mean ± t<sub>(1+c)/2, n−1</sub> · sd/√n; and <c>wilcoxon(a, b)</c> with zero
/// differences discarded ("wilcox"), the exact null distribution of W<sup>+</sup> when there are at most 50 differences, none
/// zero and no two of the same magnitude, otherwise the normal approximation with the tie correction and no continuity
/// correction (scipy switches to the approximation for zeros too; for ties it would truncate W<sup>+</sup> in its exact mode,
/// which we do not copy).
/// </summary>
public static class PairedStatistics
{
    /// <summary>Largest number of differences for which the exact Wilcoxon distribution is used.</summary>
    public const int ExactWilcoxonLimit = 50;

    /// <summary>Compares <paramref name="a"/> with <paramref name="b"/> (the same units, in the same order); null for fewer than 2 pairs.</summary>
    public static PairedTest? Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, double confidence = 0.95)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired values: {a.Count} and {b.Count}; a paired test needs the same units on both sides");
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "a confidence level between 0 and 1");
        int n = a.Count;
        if (n < 2) return null;
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = a[i] - b[i];

        double mean = d.Average();
        double ss = 0;
        foreach (var x in d) ss += (x - mean) * (x - mean);
        double se = Math.Sqrt(ss / (n - 1)) / Math.Sqrt(n);
        double half = StudentT.InvCDF(0, 1, n - 1, (1 + confidence) / 2) * se;
        double t = se > 0 ? mean / se : mean > 0 ? double.PositiveInfinity : mean < 0 ? double.NegativeInfinity : 0;
        double? pt = se > 0 ? 2 * StudentT.CDF(0, 1, n - 1, -Math.Abs(t)) : null;
        double greater = se > 0 ? StudentT.CDF(0, 1, n - 1, -t) : mean > 0 ? 0 : mean < 0 ? 1 : 0.5;
        return new PairedTest(n, mean, mean - half, mean + half, pt, Wilcoxon(d), t, greater);
    }

    /// <summary>
    /// Compares the values of the units (e.g. (fold, seed)) that <paramref name="a"/> and <paramref name="b"/> both have,
    /// paired in key order; null for fewer than <paramref name="minPairs"/> (at least 2) shared units.
    /// </summary>
    public static PairedTest? CompareShared<TKey>(IReadOnlyDictionary<TKey, double> a, IReadOnlyDictionary<TKey, double> b, int minPairs = 2)
        where TKey : notnull
    {
        var shared = a.Keys.Where(b.ContainsKey).Order().ToList();
        if (shared.Count < Math.Max(minPairs, 2)) return null;
        return Compare(shared.Select(k => a[k]).ToList(), shared.Select(k => b[k]).ToList());
    }

    /// <summary>Two-sided p of the Wilcoxon signed-rank test of the differences <paramref name="d"/>; null when all are zero.</summary>
    public static double? Wilcoxon(IReadOnlyList<double> d)
    {
        var nonZero = d.Where(x => x != 0).ToArray();
        bool zeros = nonZero.Length < d.Count;
        int n = nonZero.Length;
        if (n == 0) return null;
        var ranks = AverageRanks(nonZero.Select(Math.Abs).ToArray(), out bool ties, out double tieTerm);
        double plus = 0;
        for (int i = 0; i < n; i++) if (nonZero[i] > 0) plus += ranks[i];

        if (n <= ExactWilcoxonLimit && !ties && !zeros)
        {
            // W+ is an integer here; P(W+ = w) = count(w) / 2^n over the subsets of ranks 1..n.
            var counts = SignedRankCounts(n);
            int w = (int)Math.Round(plus);
            double total = Math.Pow(2, n), below = 0, above = 0;
            for (int k = 0; k < counts.Length; k++)
            {
                if (k <= w) below += counts[k];
                if (k >= w) above += counts[k];
            }
            return Math.Min(1.0, 2 * Math.Min(below, above) / total);
        }

        double minus = n * (n + 1) / 2.0 - plus;
        double t = Math.Min(plus, minus);
        double mu = n * (n + 1) / 4.0;
        double variance = (n * (n + 1.0) * (2 * n + 1) - 0.5 * tieTerm) / 24;
        if (variance <= 0) return 1.0;
        double z = (t - mu) / Math.Sqrt(variance);
        return Math.Min(1.0, 2 * Normal.CDF(0, 1, -Math.Abs(z)));
    }

    /// <summary>Number of subsets of {1..n} with each sum 0..n(n+1)/2 (the null distribution of W+ times 2^n).</summary>
    private static double[] SignedRankCounts(int n)
    {
        var counts = new double[n * (n + 1) / 2 + 1];
        counts[0] = 1;
        for (int r = 1; r <= n; r++)
            for (int s = counts.Length - 1; s >= r; s--) counts[s] += counts[s - r];
        return counts;
    }

    /// <summary>Ranks 1..n with ties given their average rank; <paramref name="tieTerm"/> = Σ t(t² − 1) over tie groups.</summary>
    private static double[] AverageRanks(double[] values, out bool ties, out double tieTerm)
    {
        int n = values.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        ties = false;
        tieTerm = 0;
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && values[order[end]] == values[order[start]]) end++;
            double rank = (start + 1 + end) / 2.0;      // the average of ranks start+1 .. end
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            int size = end - start;
            if (size > 1)
            {
                ties = true;
                tieTerm += size * ((double)size * size - 1);
            }
            start = end;
        }
        return ranks;
    }
}
