using Amber.Grains.Contracts;
using Amber.Data.Features;
using Amber.Data.Protocols;
using Amber.Training;
using Amber.Training.Metrics;

namespace Amber.Worker.Execution.Training;

/// <summary>
/// The training, validation and test inputs of one fold: rows chosen by the protocol, features fitted on the training
/// rows only (standardization, TF-IDF), DiME-Aug examples appended to the training rows when asked.
/// </summary>
/// <param name="Split">The fold's row indices into the feature set.</param>
/// <param name="Train">Training rows (plus augmented ones).</param>
/// <param name="Validation">Validation rows (early stopping).</param>
/// <param name="Test">Test rows, in <see cref="FoldSplit.Test"/> order.</param>
/// <param name="Augmented">Number of DiME-Aug rows appended to <paramref name="Train"/>.</param>
public sealed record FoldInputs(FoldSplit Split, TrainingData Train, TrainingData Validation, TrainingData Test, int Augmented)
{
    /// <summary>
    /// Chooses the fold: leave-one-session-out (fold k tests session k; validation 20 % of the rest, by seed) for corpora
    /// with sessions, the official splits (fold k tests <c>Test{k}</c>) for corpora that carry them.
    /// </summary>
    public static FoldSplit ChooseSplit(FeatureSet set, RunProtocol protocol)
    {
        bool official = set.Splits.Any(s => s.Length > 0);
        if (official) return Folds.Official(set, $"Test{protocol.Fold}");
        var validation = protocol.Validation == "speaker" ? ValidationSplit.SpeakerDisjoint : ValidationSplit.Random;
        var folds = Folds.LeaveOneSessionOut(set, protocol.Seed, 0.2, validation);
        if (protocol.Fold < 1 || protocol.Fold > folds.Count)
        {
            throw new ArgumentException($"protocol.folds: fold {protocol.Fold} does not exist; the corpus has {folds.Count} sessions, so folds 1..{folds.Count} are valid");
        }
        return folds[protocol.Fold - 1];
    }

    /// <summary>Builds the fold's inputs.</summary>
    public static FoldInputs Build(FeatureSet set, RunProtocol protocol, DimeAugOptions? dimeAug)
    {
        var split = ChooseSplit(set, protocol);
        if (split.Validation.Length == 0) throw new ArgumentException($"fold {split.Name} has no validation rows; early stopping needs some");
        var features = FoldFeatures.Build(set, split);
        var hard = HardLabels(set);
        var train = Slice(set, features, hard, split.Train, $"{split.Name}/train");
        int augmented = 0;
        if (dimeAug is not null)
        {
            var aug = DimeAug.Apply(features.Speech, features.SpeechDim, features.Text, features.TextDim, set.SoftLabels, set.ClassCount, split.Train, dimeAug);
            augmented = aug.Count;
            train = Append(train, aug, set.ClassCount);
        }
        return new FoldInputs(split, train, Slice(set, features, hard, split.Validation, $"{split.Name}/validation"),
            Slice(set, features, hard, split.Test, $"{split.Name}/test"), augmented);
    }

    /// <summary>
    /// Consensus labels, with the soft label's first maximum standing in where the consensus is outside the classes
    /// (only possible with the any-vote subset), so the cross-entropy baseline always has a target.
    /// </summary>
    private static int[] HardLabels(FeatureSet set)
    {
        var hard = (int[])set.HardLabels.Clone();
        for (int i = 0; i < hard.Length; i++)
        {
            if (hard[i] < 0) hard[i] = RowMetrics.ArgMax(set.SoftLabel(i));
        }
        return hard;
    }

    private static TrainingData Slice(FeatureSet set, FoldFeatures f, int[] hard, int[] rows, string name)
    {
        int c = set.ClassCount;
        var speech = new float[rows.Length * f.SpeechDim];   // [n, Da]
        var text = new float[rows.Length * f.TextDim];       // [n, Dt]
        var soft = new float[rows.Length * c];               // [n, C]
        var labels = new int[rows.Length];
        var ids = new string[rows.Length];
        for (int k = 0; k < rows.Length; k++)
        {
            int r = rows[k];
            Array.Copy(f.Speech, r * f.SpeechDim, speech, k * f.SpeechDim, f.SpeechDim);
            Array.Copy(f.Text, r * f.TextDim, text, k * f.TextDim, f.TextDim);
            Array.Copy(set.SoftLabels, r * c, soft, k * c, c);
            labels[k] = hard[r];
            ids[k] = set.Ids[r];
        }
        return new TrainingData(speech, f.SpeechDim, text, f.TextDim, soft, c, labels, ids, name);
    }

    private static TrainingData Append(TrainingData train, DimeAugResult aug, int classes)
    {
        if (aug.Count == 0) return train;
        var ids = train.Ids.Concat(Enumerable.Range(0, aug.Count).Select(i => $"dime-aug-{i:D6}")).ToArray();
        var hard = new int[aug.Count];
        for (int i = 0; i < aug.Count; i++) hard[i] = RowMetrics.ArgMax(aug.Targets.AsSpan(i * classes, classes));
        return new TrainingData([.. train.Speech, .. aug.Speech], train.SpeechDim, [.. train.Text, .. aug.Text], train.TextDim,
            [.. train.Soft, .. aug.Targets], classes, [.. train.Hard, .. hard], ids, "train+dime-aug");
    }
}
