namespace Amber.Training.Metrics;

/// <summary>One fold's test predictions, the input of <see cref="FoldAggregation"/>.</summary>
/// <param name="Predicted">[N, C] predicted distributions.</param>
/// <param name="Reference">[N, C] reference distributions.</param>
/// <param name="Classes">C.</param>
/// <param name="Ids">[N] utterance ids.</param>
/// <param name="HardLabels">[N] hard labels, or null.</param>
public sealed record FoldPredictions(float[] Predicted, float[] Reference, int Classes, IReadOnlyList<string> Ids, int[]? HardLabels = null);

/// <summary>Mean, sample standard deviation over folds, and the pooled value over all test predictions.</summary>
/// <param name="Mean">Mean over folds.</param>
/// <param name="StdDev">Sample standard deviation over folds (n − 1; NaN for one fold).</param>
/// <param name="Pooled">The metric on the concatenated predictions (tertiles re-ranked on the pooled set).</param>
public readonly record struct AggregateValue(double Mean, double StdDev, double Pooled);

/// <summary>Cross-fold aggregation of the metrics, overall and per ambiguity level.</summary>
public sealed class FoldAggregation
{
    /// <summary>Each fold's report, in input order.</summary>
    public IReadOnlyList<EvaluationReport> Folds { get; }

    /// <summary>The report on all folds' predictions together.</summary>
    public EvaluationReport Pooled { get; }

    private FoldAggregation(IReadOnlyList<EvaluationReport> folds, EvaluationReport pooled)
    {
        Folds = folds;
        Pooled = pooled;
    }

    /// <summary>Evaluates every fold and the pooled set.</summary>
    public static FoldAggregation Create(IReadOnlyList<FoldPredictions> folds)
    {
        if (folds.Count == 0)
        {
            throw new ArgumentException("Fold aggregation needs at least one fold.", nameof(folds));
        }
        var classes = folds[0].Classes;
        var withHard = folds.All(f => f.HardLabels is not null);
        var reports = new List<EvaluationReport>();
        var predicted = new List<float>();
        var reference = new List<float>();
        var ids = new List<string>();
        var hard = new List<int>();
        for (var k = 0; k < folds.Count; k++)
        {
            var f = folds[k];
            if (f.Classes != classes)
            {
                throw new ArgumentException($"Fold {k} has {f.Classes} classes; fold 0 has {classes}.", nameof(folds));
            }
            reports.Add(Evaluation.Evaluate(f.Predicted, f.Reference, f.Classes, f.Ids, f.HardLabels));
            predicted.AddRange(f.Predicted);
            reference.AddRange(f.Reference);
            ids.AddRange(f.Ids);
            if (withHard)
            {
                hard.AddRange(f.HardLabels!);
            }
        }
        var pooled = Evaluation.Evaluate(predicted.ToArray(), reference.ToArray(), classes, ids, withHard ? hard.ToArray() : default);
        return new FoldAggregation(reports, pooled);
    }

    /// <summary>Mean, sample std and pooled value of one metric (see <see cref="MetricValues.Names"/>) at a level (null = overall).</summary>
    public AggregateValue Summary(string metric, AmbiguityLevel? level = null)
    {
        var values = Folds.Select(f => f.For(level)[metric]).ToArray();
        var mean = values.Average();
        var std = values.Length < 2
            ? double.NaN
            : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        return new AggregateValue(mean, std, Pooled.For(level)[metric]);
    }
}
