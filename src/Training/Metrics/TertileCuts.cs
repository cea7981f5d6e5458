namespace Amber.Training.Metrics;

/// <summary>
/// The ambiguity tertiles of <see cref="Evaluation.Levels"/> — rank by (ambiguity key ascending, id ordinal); rank r is low
/// if 3r &lt; N, medium if 3r &lt; 2N, else high — found without holding the samples: from every sample's key alone
/// (8 bytes each), plus the ids of the samples that tie with a cut's key when that tie group straddles the cut.
/// </summary>
/// <remarks>
/// Use: <see cref="FromKeys"/> with every key; if <see cref="TiedKeys"/> is not empty, pass the (key, id) of every sample
/// whose key is in it to <see cref="ResolveTies"/>; then <see cref="LevelOf"/> classifies each sample.
/// </remarks>
public sealed class TertileCuts
{
    private readonly Cut low;     // the last sample (in ranking order) that is low
    private readonly Cut medium;  // the last sample that is low or medium

    private TertileCuts(Cut low, Cut medium)
    {
        this.low = low;
        this.medium = medium;
    }

    /// <summary>Keys whose tie groups straddle a cut: the ids of the samples with these keys decide the cut.</summary>
    public IReadOnlySet<double> TiedKeys { get; private init; } = new HashSet<double>();

    /// <summary>The cuts for samples with these ambiguity keys (<see cref="Evaluation.AmbiguityKey"/>).</summary>
    public static TertileCuts FromKeys(IReadOnlyList<double> keys)
    {
        var sorted = keys.ToArray();
        Array.Sort(sorted);
        long n = sorted.Length;
        var low = CutAt(sorted, (int)((n + 2) / 3));           // ranks r with 3r < N: ⌈N/3⌉ of them
        var medium = CutAt(sorted, (int)((2 * n + 2) / 3));    // ranks r with 3r < 2N: ⌈2N/3⌉
        var tied = new HashSet<double>();
        if (low.Straddles) tied.Add(low.Key);
        if (medium.Straddles) tied.Add(medium.Key);
        return new TertileCuts(low, medium) { TiedKeys = tied };
    }

    /// <summary>Settles the straddling cuts from the (key, id) of every sample whose key is in <see cref="TiedKeys"/>.</summary>
    public TertileCuts ResolveTies(IEnumerable<(double Key, string Id)> tiedSamples)
    {
        if (TiedKeys.Count == 0) return this;
        var ids = TiedKeys.ToDictionary(k => k, _ => new List<string>());
        foreach (var (key, id) in tiedSamples)
        {
            if (ids.TryGetValue(key, out var list)) list.Add(id);
        }
        foreach (var list in ids.Values) list.Sort(StringComparer.Ordinal);
        return new TertileCuts(low.Resolve(ids), medium.Resolve(ids));
    }

    /// <summary>The level of a sample with this key and id.</summary>
    public AmbiguityLevel LevelOf(double key, string id) =>
        low.Includes(key, id) ? AmbiguityLevel.Low : medium.Includes(key, id) ? AmbiguityLevel.Medium : AmbiguityLevel.High;

    /// <summary>
    /// "The first <c>count</c> samples in ranking order": every sample with a key below <see cref="Key"/>, and of those
    /// with key = <see cref="Key"/> the first <see cref="TakeFromTies"/> by id (all of them when the group does not straddle).
    /// </summary>
    private readonly record struct Cut(bool Empty, double Key, int TakeFromTies, int TiesAtKey, string? LastId)
    {
        public bool Straddles => !Empty && TakeFromTies < TiesAtKey;

        public bool Includes(double key, string id)
        {
            if (Empty || key > Key) return false;
            if (key < Key || !Straddles) return true;
            if (LastId is null) throw new InvalidOperationException("TertileCuts: the tie at this cut was not resolved; call ResolveTies first");
            return string.CompareOrdinal(id, LastId) <= 0;
        }

        public Cut Resolve(Dictionary<double, List<string>> ids)
        {
            if (!Straddles) return this;
            var list = ids[Key];
            if (list.Count != TiesAtKey)
            {
                throw new ArgumentException($"TertileCuts: {list.Count} samples were given with key {Key:R}; the keys counted {TiesAtKey}");
            }
            return this with { LastId = list[TakeFromTies - 1] };
        }
    }

    private static Cut CutAt(double[] sorted, int count)
    {
        if (count == 0) return new Cut(true, 0, 0, 0, null);
        double key = sorted[count - 1];
        int first = LowerBound(sorted, key), end = UpperBound(sorted, key);
        return new Cut(false, key, count - first, end - first, null);
    }

    private static int LowerBound(double[] sorted, double key)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static int UpperBound(double[] sorted, double key)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
