namespace Amber.Grains.Sampling.Tpe;

/// <summary>
/// A Parzen density over an encoded space: one product kernel per observation plus a prior component (uniform-ish: a wide
/// truncated normal at the centre of each numeric axis, equal probabilities on each categorical one). Numeric kernels are
/// truncated normals. Their bandwidth is either adaptive — per observation and axis, the larger gap to its neighbours
/// along that axis, so the density sharpens where observations crowd — or one per axis that shrinks with the number of
/// observations as n^(-1/(d+4)) (Scott's rule); either is clipped below at range/min(100, n+1) so a cluster of equal
/// values cannot collapse the density, and above at the range. Categorical kernels put
/// probability 1 + p/n on the observed choice and p/n on the others (p = prior weight), normalised.
/// Older observations weigh less once there are more than 25 (a linear ramp), so the density follows the search.
/// </summary>
public sealed class ParzenMixture
{
    private const double BandwidthScale = 0.2;
    private readonly EncodedSpace space;
    private readonly int components;
    private readonly double[] logWeight;        // [K]
    private readonly double[] cumulativeWeight; // [K]
    private readonly double[] mu;               // [K, N] numeric axes
    private readonly double[] sigma;            // [K, N]
    private readonly double[] logNorm;          // [K, N] log sigma + log sqrt(2π) + log mass inside the range
    private readonly double[][] logChoice;      // per categorical axis: [K, C]
    private readonly double[][] choiceCumulative; // per categorical axis: [K, C]

    /// <summary>
    /// Builds the mixture over the observations <paramref name="rows"/> (indices into the encoded matrices, oldest first);
    /// <paramref name="adaptiveBandwidth"/> picks the neighbour-gap bandwidth over Scott's rule.
    /// </summary>
    public ParzenMixture(EncodedSpace space, ReadOnlySpan<int> rows, double[] numeric, int[] categorical, double priorWeight, bool adaptiveBandwidth)
    {
        this.space = space;
        int n = rows.Length, nNum = space.NumericCount, nCat = space.CategoricalCount;
        components = n + 1;
        var weights = new double[components];
        int flat = Math.Max(n - 25, 0);
        for (int k = 0; k < n; k++) weights[k] = k < flat ? (flat == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * k / (flat - 1)) : 1.0;
        weights[n] = priorWeight;
        double total = weights.Sum();
        logWeight = new double[components];
        cumulativeWeight = new double[components];
        double acc = 0;
        for (int k = 0; k < components; k++)
        {
            logWeight[k] = Math.Log(weights[k] / total);
            acc += weights[k] / total;
            cumulativeWeight[k] = acc;
        }

        mu = new double[components * nNum];
        sigma = new double[components * nNum];
        logNorm = new double[components * nNum];
        int dimsForBandwidth = nNum + nCat;
        for (int d = 0; d < nNum; d++)
        {
            double low = space.Low[d], high = space.High[d], width = high - low;
            double minBandwidth = width / Math.Min(100.0, n + 1.0);
            double scott = Math.Clamp(BandwidthScale * Math.Pow(Math.Max(n, 1), -1.0 / (dimsForBandwidth + 4)) * width, minBandwidth, width);
            for (int k = 0; k < n; k++) mu[k * nNum + d] = numeric[rows[k] * nNum + d];
            mu[n * nNum + d] = 0.5 * (low + high);
            var gaps = adaptiveBandwidth ? NeighbourGaps(mu, nNum, d, components) : null;
            for (int k = 0; k < components; k++)
            {
                int at = k * nNum + d;
                bool prior = k == n;
                double bandwidth = gaps is null ? scott : Math.Clamp(gaps[k], minBandwidth, width);
                sigma[at] = prior ? width : bandwidth;
                logNorm[at] = Math.Log(sigma[at]) + 0.91893853320467274178 + TruncatedNormal.LogMass(mu[at], sigma[at], low, high);
            }
        }

        logChoice = new double[nCat][];
        choiceCumulative = new double[nCat][];
        for (int c = 0; c < nCat; c++)
        {
            int choices = space.ChoiceCounts[c];
            var logs = logChoice[c] = new double[components * choices];
            var cums = choiceCumulative[c] = new double[components * choices];
            double fill = n == 0 ? 0 : priorWeight / n;
            for (int k = 0; k < components; k++)
            {
                bool prior = k == n;
                int observed = prior ? -1 : categorical[rows[k] * nCat + c];
                double rowTotal = prior ? choices : 1 + fill * choices;
                double run = 0;
                for (int j = 0; j < choices; j++)
                {
                    double p = prior ? 1.0 / choices : ((j == observed ? 1 : 0) + fill) / rowTotal;
                    logs[k * choices + j] = Math.Log(p);
                    run += p;
                    cums[k * choices + j] = run;
                }
            }
        }
    }

    /// <summary>Draws one point: a component by weight, then each axis from that component's kernel.</summary>
    public void Sample(Random rng, Span<double> numeric, Span<int> categorical)
    {
        int k = Pick(cumulativeWeight, 0, components, rng.NextDouble());
        int nNum = space.NumericCount;
        for (int d = 0; d < nNum; d++)
            numeric[d] = TruncatedNormal.Sample(rng, mu[k * nNum + d], sigma[k * nNum + d], space.Low[d], space.High[d]);
        for (int c = 0; c < space.CategoricalCount; c++)
        {
            int choices = space.ChoiceCounts[c];
            categorical[c] = Pick(choiceCumulative[c], k * choices, choices, rng.NextDouble());
        }
    }

    /// <summary>log density of the mixture at a point: a streaming log-sum-exp over the components (no buffer).</summary>
    public double LogDensity(ReadOnlySpan<double> numeric, ReadOnlySpan<int> categorical)
    {
        int nNum = space.NumericCount, nCat = space.CategoricalCount;
        double max = double.NegativeInfinity, sum = 0;
        for (int k = 0; k < components; k++)
        {
            double t = logWeight[k];
            int row = k * nNum;
            for (int d = 0; d < nNum; d++)
            {
                double z = (numeric[d] - mu[row + d]) / sigma[row + d];
                t -= 0.5 * z * z + logNorm[row + d];
            }
            for (int c = 0; c < nCat; c++) t += logChoice[c][k * space.ChoiceCounts[c] + categorical[c]];
            if (t <= max) sum += Math.Exp(t - max);
            else
            {
                sum = sum * Math.Exp(max - t) + 1;
                max = t;
            }
        }
        return max + Math.Log(sum);
    }

    /// <summary>Per component, the larger distance to its neighbours along axis d (the prior's mean included).</summary>
    private static double[] NeighbourGaps(double[] mu, int stride, int d, int count)
    {
        var order = new int[count];
        var keys = new double[count];
        for (int k = 0; k < count; k++) { order[k] = k; keys[k] = mu[k * stride + d]; }
        Array.Sort(keys, order);
        var gaps = new double[count];
        for (int i = 0; i < count; i++)
        {
            double left = i > 0 ? keys[i] - keys[i - 1] : 0, right = i < count - 1 ? keys[i + 1] - keys[i] : 0;
            gaps[order[i]] = Math.Max(left, right);
        }
        return gaps;
    }

    private static int Pick(double[] cumulative, int start, int count, double u)
    {
        // The last entry may fall a rounding error short of 1; anything beyond it picks the last.
        int lo = start, hi = start + count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (cumulative[mid] < u) lo = mid + 1; else hi = mid;
        }
        return lo - start;
    }
}
