using Amber.Data.Corpora;

namespace Amber.Data.Protocols;

/// <summary>DiME-Aug settings (Scaling Ambiguity §2.3; SPEC-AMBER.md).</summary>
public sealed record DimeAugOptions
{
    /// <summary>r: every class is filled up to T = ⌊r · max_c n_c⌋ examples. Default 0.30.</summary>
    public double Ratio { get; init; } = 0.30;

    /// <summary>k nearest neighbours an anchor's partner is drawn from. Default 3.</summary>
    public int Neighbours { get; init; } = 3;

    /// <summary>Seed of anchors, partners and α.</summary>
    public int Seed { get; init; }
}

/// <summary>The new examples DiME-Aug made (append them to the training rows; the originals are untouched).</summary>
/// <param name="Count">M, the number of new examples.</param>
/// <param name="Speech">Speech features <c>[M, Da]</c>.</param>
/// <param name="Text">Text features <c>[M, Dt]</c> (empty when Dt = 0).</param>
/// <param name="Targets">Soft targets <c>[M, C]</c>, each a distribution.</param>
/// <param name="Class">Dominant class of each new example's anchor <c>[M]</c>.</param>
/// <param name="Anchor">Row of the anchor i <c>[M]</c>.</param>
/// <param name="Partner">Row of the neighbour j <c>[M]</c>.</param>
/// <param name="Alpha">Interpolation weight α <c>[M]</c>.</param>
/// <param name="ClassCounts">n_c before augmentation, per class.</param>
/// <param name="TargetCount">T.</param>
public sealed record DimeAugResult(int Count, float[] Speech, float[] Text, float[] Targets, int[] Class, int[] Anchor, int[] Partner,
    float[] Alpha, int[] ClassCounts, int TargetCount);

/// <summary>
/// DiME-Aug: on the training rows only, every class whose dominant-class count n_c is below T = ⌊r·max n⌋ gets T − n_c new
/// examples, each interpolated between a random anchor of the class and one of its k nearest neighbours (Euclidean
/// distance in the class's own standardized speech-feature space): speech (1−α)a_i + α·a_j, text of i if α &lt; 0.5 else
/// of j, target (1−α)y_i + α·y_j renormalized, α ~ U(0, 1). A class with no training example cannot be augmented.
/// </summary>
public static class DimeAug
{
    /// <summary>Runs DiME-Aug; <paramref name="trainRows"/> are rows of the <c>[N, ·]</c> matrices.</summary>
    public static DimeAugResult Apply(float[] speech, int speechDim, float[] text, int textDim, float[] targets, int classes,
        IReadOnlyList<int> trainRows, DimeAugOptions? options = null)
    {
        options ??= new DimeAugOptions();
        if (options.Ratio < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Ratio, "DiME-Aug ratio r must be ≥ 0");
        if (options.Neighbours < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Neighbours, "DiME-Aug needs k ≥ 1 neighbours");
        var members = new List<int>[classes];
        for (int c = 0; c < classes; c++) members[c] = [];
        foreach (var r in trainRows) members[SoftLabels.ArgMax(targets.AsSpan(r * classes, classes))].Add(r);
        var counts = members.Select(m => m.Count).ToArray();
        int target = (int)Math.Floor(options.Ratio * counts.Max());
        int total = Enumerable.Range(0, classes).Sum(c => counts[c] == 0 ? 0 : Math.Max(0, target - counts[c]));

        var rng = new Random(options.Seed);
        var outSpeech = new float[total * speechDim];
        var outText = new float[total * textDim];
        var outTargets = new float[total * classes];
        var cls = new int[total];
        var anchor = new int[total];
        var partner = new int[total];
        var alpha = new float[total];
        int m = 0;
        for (int c = 0; c < classes; c++)
        {
            int need = counts[c] == 0 ? 0 : Math.Max(0, target - counts[c]);
            if (need == 0) continue;
            var neighbours = new NeighbourIndex(speech, speechDim, members[c], options.Neighbours);
            for (int k = 0; k < need; k++, m++)
            {
                int ai = rng.Next(members[c].Count);
                var near = neighbours.Of(ai);
                int i = members[c][ai], j = near.Length == 0 ? i : members[c][near[rng.Next(near.Length)]];
                float a = (float)rng.NextDouble();
                for (int d = 0; d < speechDim; d++) outSpeech[m * speechDim + d] = (1 - a) * speech[i * speechDim + d] + a * speech[j * speechDim + d];
                if (textDim > 0) Array.Copy(text, (a < 0.5f ? i : j) * textDim, outText, m * textDim, textDim);
                float sum = 0;
                for (int q = 0; q < classes; q++)
                {
                    float y = (1 - a) * targets[i * classes + q] + a * targets[j * classes + q];
                    outTargets[m * classes + q] = y;
                    sum += y;
                }
                for (int q = 0; q < classes; q++) outTargets[m * classes + q] /= sum;
                cls[m] = c;
                anchor[m] = i;
                partner[m] = j;
                alpha[m] = a;
            }
        }
        return new DimeAugResult(total, outSpeech, outText, outTargets, cls, anchor, partner, alpha, counts, target);
    }

    /// <summary>k nearest neighbours within one class, in that class's standardized space, computed per anchor on demand.</summary>
    private sealed class NeighbourIndex
    {
        private readonly float[] _z;
        private readonly int _dim;
        private readonly int _n;
        private readonly int _k;
        private readonly Dictionary<int, int[]> _cache = [];

        public NeighbourIndex(float[] speech, int dim, List<int> rows, int k)
        {
            _dim = dim;
            _n = rows.Count;
            _k = k;
            _z = new float[_n * dim];
            for (int a = 0; a < _n; a++) Array.Copy(speech, rows[a] * dim, _z, a * dim, dim);
            var scaler = Features.Standardizer.Fit(_z, dim, Enumerable.Range(0, _n).ToArray());
            scaler.TransformInPlace(_z);
        }

        public int[] Of(int a)
        {
            if (_cache.TryGetValue(a, out var hit)) return hit;
            var dist = new (double D, int B)[_n - 1];
            int w = 0;
            for (int b = 0; b < _n; b++)
            {
                if (b == a) continue;
                dist[w++] = (System.Numerics.Tensors.TensorPrimitives.Distance(_z.AsSpan(a * _dim, _dim), _z.AsSpan(b * _dim, _dim)), b);
            }
            Array.Sort(dist, (x, y) => x.D != y.D ? x.D.CompareTo(y.D) : x.B.CompareTo(y.B));
            return _cache[a] = dist.Take(_k).Select(x => x.B).ToArray();
        }
    }
}
