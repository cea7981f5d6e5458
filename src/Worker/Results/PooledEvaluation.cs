using Amber.Storage.Results;
using Amber.Training.Metrics;

namespace Amber.Worker.Results;

/// <summary>One run's test predictions, read on demand (the pooled evaluation reads each run up to three times).</summary>
/// <param name="Run">Sweep, trial, fold, seed.</param>
/// <param name="Read">Reads the run's prediction rows (from the blob store, or from memory in tests).</param>
public sealed record PooledRun(RunIdentity Run, Func<CancellationToken, Task<IReadOnlyList<PredictionRow>>> Read);

/// <summary>Pooled metric values overall and per ambiguity tertile of the pool.</summary>
/// <param name="Overall">Every pooled prediction.</param>
/// <param name="Low">Low tertile of the pool.</param>
/// <param name="Medium">Medium tertile.</param>
/// <param name="High">High tertile.</param>
public sealed record PooledMetrics(MetricValues Overall, MetricValues Low, MetricValues Medium, MetricValues High)
{
    /// <summary>The values of one level, or overall for null.</summary>
    public MetricValues For(AmbiguityLevel? level) => level switch
    {
        null => Overall,
        AmbiguityLevel.Low => Low,
        AmbiguityLevel.Medium => Medium,
        _ => High,
    };
}

/// <summary>
/// A trial's pooled metrics — every test prediction of all its folds and seeds evaluated together, tertiles re-ranked on
/// the pool — without holding the predictions: one run's rows are in memory at a time, plus an 8-byte ambiguity key per
/// pooled row. Pass 1 reads the keys and finds the tertile cuts (<see cref="TertileCuts"/>); pass 2 (only when a tie group
/// straddles a cut) reads the ids of the tied rows; pass 3 folds every row into a <see cref="MetricAccumulator"/> per level.
/// The values equal <see cref="Evaluation.Evaluate"/> on the concatenated rows (ids "s&lt;seed&gt;/&lt;utterance&gt;" break ties).
/// </summary>
public static class PooledEvaluation
{
    /// <summary>Evaluates the pool of <paramref name="runs"/>; null when they have no predictions.</summary>
    /// <exception cref="InvalidDataException">A row whose distributions do not have one value per class (names run and utterance).</exception>
    public static async Task<PooledMetrics?> EvaluateAsync(IReadOnlyList<PooledRun> runs, IReadOnlyList<string> classes, CancellationToken cancellationToken)
    {
        int c = classes.Count;
        var keys = new List<double>();
        bool allHard = true;
        foreach (var run in runs)
        {
            foreach (var p in await run.Read(cancellationToken).ConfigureAwait(false))
            {
                if (p.Predicted.Length != c || p.Reference.Length != c)
                {
                    throw new InvalidDataException($"predictions of {run.Run.Trial} fold {run.Run.Fold} seed {run.Run.Seed}, utterance '{p.UtteranceId}': {p.Predicted.Length} predicted and {p.Reference.Length} reference values; expected {c} ({string.Join(",", classes)})");
                }
                keys.Add(Evaluation.AmbiguityKey(p.Reference));
                allHard &= HardLabel(classes, p) >= 0;
            }
        }
        if (keys.Count == 0) return null;

        var cuts = TertileCuts.FromKeys(keys);
        keys = null; // the keys are not needed again: free them before the next passes
        if (cuts.TiedKeys.Count > 0)
        {
            var tied = new List<(double, string)>();
            foreach (var run in runs)
            {
                foreach (var p in await run.Read(cancellationToken).ConfigureAwait(false))
                {
                    double key = Evaluation.AmbiguityKey(p.Reference);
                    if (cuts.TiedKeys.Contains(key)) tied.Add((key, PooledId(run, p)));
                }
            }
            cuts = cuts.ResolveTies(tied);
        }

        var overall = new MetricAccumulator(c);
        var byLevel = new[] { new MetricAccumulator(c), new MetricAccumulator(c), new MetricAccumulator(c) };
        foreach (var run in runs)
        {
            foreach (var p in await run.Read(cancellationToken).ConfigureAwait(false))
            {
                int? hard = allHard ? HardLabel(classes, p) : null;
                overall.Add(p.Predicted, p.Reference, hard);
                byLevel[(int)cuts.LevelOf(Evaluation.AmbiguityKey(p.Reference), PooledId(run, p))].Add(p.Predicted, p.Reference, hard);
            }
        }
        return new PooledMetrics(overall.ToValues(), byLevel[0].ToValues(), byLevel[1].ToValues(), byLevel[2].ToValues());
    }

    /// <summary>The same utterance is tested once per seed; the seed keeps the pooled ids distinct for tie-breaking.</summary>
    private static string PooledId(PooledRun run, PredictionRow p) => $"s{run.Run.Seed}/{p.UtteranceId}";

    private static int HardLabel(IReadOnlyList<string> classes, PredictionRow p)
    {
        if (p.ReferenceLabel is null) return -1;
        for (int i = 0; i < classes.Count; i++)
        {
            if (string.Equals(classes[i], p.ReferenceLabel, StringComparison.Ordinal)) return i;
        }
        return -1;
    }
}
