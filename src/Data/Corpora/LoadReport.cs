namespace Amber.Data.Corpora;

/// <summary>
/// What a loader read and what it did with it: counts of utterances read, kept and dropped (with the reason), skipped
/// and malformed lines, votes per utterance, class balance and the entropy of the soft labels.
/// </summary>
public sealed class LoadReport
{
    /// <summary>Most malformed-line messages kept verbatim in lenient mode (the count is always complete).</summary>
    public const int MaxMessages = 50;

    /// <summary>Corpus name.</summary>
    public string Corpus { get; set; } = "";

    /// <summary>Files read.</summary>
    public int FilesRead { get; set; }

    /// <summary>Utterances found in the label files.</summary>
    public int UtterancesRead { get; set; }

    /// <summary>Utterances kept.</summary>
    public int Kept { get; set; }

    /// <summary>Dropped utterances per reason (e.g. <c>no in-class vote</c>, <c>missing wav</c>, <c>outside subset</c>).</summary>
    public SortedDictionary<string, int> Dropped { get; } = new(StringComparer.Ordinal);

    /// <summary>Skipped lines per reason (e.g. transcription lines that are not utterances, <c>XX</c> ids).</summary>
    public SortedDictionary<string, int> SkippedLines { get; } = new(StringComparer.Ordinal);

    /// <summary>Malformed lines skipped in lenient mode.</summary>
    public int MalformedLines { get; set; }

    /// <summary>The first <see cref="MaxMessages"/> malformed-line messages.</summary>
    public List<string> Messages { get; } = [];

    /// <summary>Votes dropped because their label is outside the four classes, per label.</summary>
    public SortedDictionary<string, double> OutOfClassVotes { get; } = new(StringComparer.Ordinal);

    /// <summary>Kept utterances per number of (in-class) votes.</summary>
    public SortedDictionary<int, int> VotesPerUtterance { get; } = [];

    /// <summary>Kept utterances per dominant soft-label class (argmax, first maximum).</summary>
    public SortedDictionary<string, int> ClassBalance { get; } = new(StringComparer.Ordinal);

    /// <summary>Kept utterances per hard label (<c>none</c> when the consensus is outside the classes).</summary>
    public SortedDictionary<string, int> HardLabelBalance { get; } = new(StringComparer.Ordinal);

    /// <summary>Histogram of normalized entropy H(y)/ln C in 10 equal bins over [0, 1].</summary>
    public int[] EntropyHistogram { get; } = new int[10];

    /// <summary>Adds one to a reason counter.</summary>
    public static void Count(SortedDictionary<string, int> counter, string reason, int by = 1) =>
        counter[reason] = counter.GetValueOrDefault(reason) + by;

    /// <summary>Records a malformed line skipped in lenient mode.</summary>
    public void AddMalformed(DataFormatException error)
    {
        MalformedLines++;
        if (Messages.Count < MaxMessages) Messages.Add(error.Message);
    }

    /// <summary>Fills the per-utterance statistics from the kept utterances.</summary>
    public void Summarize(IReadOnlyList<Utterance> kept)
    {
        Kept = kept.Count;
        VotesPerUtterance.Clear();
        ClassBalance.Clear();
        HardLabelBalance.Clear();
        Array.Clear(EntropyHistogram);
        foreach (var u in kept)
        {
            int votes = (int)Math.Round(u.ClassVotes.Sum());
            VotesPerUtterance[votes] = VotesPerUtterance.GetValueOrDefault(votes) + 1;
            Count(ClassBalance, EmotionClasses.Names[SoftLabels.ArgMax(u.SoftLabel)]);
            Count(HardLabelBalance, u.HardLabel >= 0 ? EmotionClasses.Names[u.HardLabel] : "none");
            double h = SoftLabels.NormalizedEntropy(u.SoftLabel);
            EntropyHistogram[Math.Min(9, (int)(h * 10))]++;
        }
    }
}
