using Amber.Data.Features;

namespace Amber.Data.Protocols;

/// <summary>
/// Evaluation protocols: leave-one-session-out for IEMOCAP and the official splits for MSP-Podcast. Every fold is checked
/// to be speaker-independent (no speaker in both training and test) before it is returned.
/// </summary>
public static class Folds
{
    /// <summary>
    /// Fold k tests on session k and trains on the other sessions; <paramref name="validationFraction"/> of the training
    /// rows (seeded by <paramref name="seed"/> and the fold) become the validation set.
    /// </summary>
    public static IReadOnlyList<FoldSplit> LeaveOneSessionOut(IReadOnlyList<int> sessions, IReadOnlyList<string> speakers, int seed,
        double validationFraction = 0.2, ValidationSplit validation = ValidationSplit.Random)
    {
        if (sessions.Count != speakers.Count) throw new ArgumentException($"{sessions.Count} sessions but {speakers.Count} speakers");
        if (validationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "expected a fraction in [0, 1)");
        var distinct = sessions.Distinct().Order().ToArray();
        if (distinct.Length < 2) throw new ArgumentException($"leave-one-session-out needs at least 2 sessions; found {distinct.Length}");
        var folds = new List<FoldSplit>();
        foreach (var s in distinct)
        {
            var test = Enumerable.Range(0, sessions.Count).Where(i => sessions[i] == s).ToArray();
            var pool = Enumerable.Range(0, sessions.Count).Where(i => sessions[i] != s).ToArray();
            var rng = new Random(unchecked(seed * 7919 + s));
            var valid = validation == ValidationSplit.Random
                ? RandomRows(pool, validationFraction, rng)
                : SpeakerRows(pool, speakers, validationFraction, rng);
            var validSet = valid.ToHashSet();
            var fold = new FoldSplit($"session{s}", pool.Where(i => !validSet.Contains(i)).ToArray(), [.. valid.Order()], test);
            AssertSpeakerIndependent(fold, speakers);
            folds.Add(fold);
        }
        return folds;
    }

    /// <inheritdoc cref="LeaveOneSessionOut(IReadOnlyList{int}, IReadOnlyList{string}, int, double, ValidationSplit)"/>
    public static IReadOnlyList<FoldSplit> LeaveOneSessionOut(FeatureSet set, int seed, double validationFraction = 0.2,
        ValidationSplit validation = ValidationSplit.Random) =>
        LeaveOneSessionOut(set.Sessions, set.Speakers, seed, validationFraction, validation);

    /// <summary>The official protocol: train on <paramref name="train"/>, select on <paramref name="validation"/>, test on <paramref name="test"/>.</summary>
    public static FoldSplit Official(IReadOnlyList<string> splits, IReadOnlyList<string> speakers, string test = "Test1",
        string train = "Train", string validation = "Development")
    {
        int[] Rows(string name) => Enumerable.Range(0, splits.Count).Where(i => string.Equals(splits[i], name, StringComparison.OrdinalIgnoreCase)).ToArray();
        var fold = new FoldSplit($"official-{test}", Rows(train), Rows(validation), Rows(test));
        if (fold.Train.Length == 0 || fold.Test.Length == 0)
        {
            var present = string.Join(", ", splits.Distinct().Order());
            throw new ArgumentException($"official split needs rows in '{train}' and '{test}'; the corpus has splits: {present}");
        }
        AssertSpeakerIndependent(fold, speakers);
        return fold;
    }

    /// <inheritdoc cref="Official(IReadOnlyList{string}, IReadOnlyList{string}, string, string, string)"/>
    public static FoldSplit Official(FeatureSet set, string test = "Test1") => Official(set.Splits, set.Speakers, test);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming a speaker found in both training (or validation) and test, or overlapping rows.</summary>
    public static void AssertSpeakerIndependent(FoldSplit fold, IReadOnlyList<string> speakers)
    {
        var testRows = fold.Test.ToHashSet();
        foreach (var r in fold.Train.Concat(fold.Validation))
        {
            if (testRows.Contains(r)) throw new InvalidOperationException($"fold {fold.Name}: row {r} is both in training/validation and in test");
        }
        if (fold.Train.Intersect(fold.Validation).Any()) throw new InvalidOperationException($"fold {fold.Name}: training and validation rows overlap");
        var testSpeakers = fold.Test.Select(i => speakers[i]).ToHashSet(StringComparer.Ordinal);
        foreach (var r in fold.Train)
        {
            if (testSpeakers.Contains(speakers[r]))
            {
                throw new InvalidOperationException($"fold {fold.Name}: speaker '{speakers[r]}' appears in both training and test; folds must be speaker-independent");
            }
        }
    }

    private static int[] RandomRows(int[] pool, double fraction, Random rng)
    {
        var shuffled = (int[])pool.Clone();
        rng.Shuffle(shuffled);
        return shuffled.Take((int)Math.Round(fraction * pool.Length)).ToArray();
    }

    private static int[] SpeakerRows(int[] pool, IReadOnlyList<string> speakers, double fraction, Random rng)
    {
        var bySpeaker = pool.GroupBy(i => speakers[i], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        rng.Shuffle(bySpeaker);
        var chosen = new List<int>();
        int target = (int)Math.Round(fraction * pool.Length);
        foreach (var g in bySpeaker)
        {
            if (chosen.Count >= target || chosen.Count + g.Count() >= pool.Length) break;
            chosen.AddRange(g);
        }
        return [.. chosen];
    }
}
