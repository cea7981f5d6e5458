using Amber.Grains.Parameters;
using Amber.Grains.Specs;

namespace Amber.Grains.Sampling.Tpe;

/// <summary>A finished trial as the estimator sees it: its values (aligned with the space) and its objective (lower is better).</summary>
/// <remarks>An objective of +∞ marks a trial stopped by a pruner.</remarks>
public readonly record struct TpeObservation(IReadOnlyList<ParameterValue> Values, double Objective);

/// <summary>
/// The tree-structured Parzen estimator (Bergstra et al., NeurIPS 2011), in its multivariate form (Falkner et al. 2018):
/// the finished trials are split into the best γ (the "good" set) and the rest; each set gets a Parzen density over the
/// whole space (<see cref="ParzenMixture"/>); candidates are drawn from the good density and the one with the highest
/// ratio good/bad is suggested — the point that maximises expected improvement under this model. The joint (rather than
/// per-dimension) densities keep interactions between parameters, which is what lets it follow curved valleys. The good
/// density uses adaptive (neighbour-gap) bandwidths, so it sharpens around the few best points; the bad density, built
/// from many points, uses Scott's rule, which keeps it smooth (and `./bench.sh tpe` found this pair the better one).
/// Pure: the same space, observations and generator give the same suggestion.
/// </summary>
public sealed class TreeParzenEstimator(IReadOnlyList<SearchDimension> space, TpeOptions? options = null)
{
    private readonly EncodedSpace encoded = new(space);
    private readonly TpeOptions options = options ?? TpeOptions.Default;

    /// <summary>The search space.</summary>
    public IReadOnlyList<SearchDimension> Space { get; } = space;

    /// <summary>
    /// The next point to try, given the finished trials in the order they were proposed. An objective of +∞ marks a
    /// pruned trial (ranked below every finished one, as Optuna ranks pruned trials); NaN, −∞ and values outside the
    /// space are left out; with fewer than the start-up count the draw is uniform.
    /// </summary>
    public ParameterValue[] Suggest(IReadOnlyList<TpeObservation> observations, Random rng)
    {
        int nNum = encoded.NumericCount, nCat = encoded.CategoricalCount;
        var numeric = new double[Math.Max(observations.Count, 1) * nNum];
        var categorical = new int[Math.Max(observations.Count, 1) * nCat];
        var objective = new double[observations.Count];
        int n = 0;
        foreach (var o in observations)
        {
            // +∞ marks a pruned trial: worse than every finished one, so it can only ever join the bad set.
            if (double.IsNaN(o.Objective) || double.IsNegativeInfinity(o.Objective)) continue;
            if (!encoded.TryEncode(o.Values, numeric.AsSpan(n * nNum, nNum), categorical.AsSpan(n * nCat, nCat))) continue;
            objective[n++] = o.Objective;
        }

        var pointNum = new double[nNum];
        var pointCat = new int[nCat];
        if (n < options.StartupTrials)
        {
            for (int d = 0; d < nNum; d++) pointNum[d] = encoded.Low[d] + (encoded.High[d] - encoded.Low[d]) * rng.NextDouble();
            for (int c = 0; c < nCat; c++) pointCat[c] = rng.Next(encoded.ChoiceCounts[c]);
            return encoded.Decode(pointNum, pointCat);
        }

        // Rank by objective (ties: the earlier trial first), take the best γ(n) as good; both sets keep trial order.
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = objective.AsSpan(0, n).ToArray();
        Array.Sort(keys, order);
        int good = Math.Max(options.GoodCount(n), 1);
        var isGood = new bool[n];
        for (int i = 0; i < good; i++) isGood[order[i]] = true;
        var goodRows = new int[good];
        var badRows = new int[n - good];
        for (int i = 0, g = 0, b = 0; i < n; i++)
        {
            if (isGood[i]) goodRows[g++] = i; else badRows[b++] = i;
        }
        var below = new ParzenMixture(encoded, goodRows, numeric, categorical, options.PriorWeight, adaptiveBandwidth: true);
        var above = new ParzenMixture(encoded, badRows, numeric, categorical, options.PriorWeight, adaptiveBandwidth: false);

        double bestScore = double.NegativeInfinity;
        var candNum = new double[nNum];
        var candCat = new int[nCat];
        for (int i = 0; i < options.Candidates; i++)
        {
            below.Sample(rng, candNum, candCat);
            double score = below.LogDensity(candNum, candCat) - above.LogDensity(candNum, candCat);
            if (score > bestScore)
            {
                bestScore = score;
                candNum.CopyTo(pointNum, 0);
                candCat.CopyTo(pointCat, 0);
            }
        }
        return encoded.Decode(pointNum, pointCat);
    }
}
