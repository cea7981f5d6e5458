using Amber.Grains.Contracts;
using Amber.Data.Features;
using Amber.Training;
using Amber.Training.Metrics;
using Amber.Training.Model;
using StorageRows = Amber.Storage.Results;

namespace Amber.Worker.Execution.Training;

/// <summary>Turns a finished run's evaluation, predictions and curves into the rows of the results tables (docs/results.md).</summary>
public static class RunResultRows
{
    /// <summary>Level names in report order; "all" is the whole test set.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["all", "low", "medium", "high"];

    /// <summary>One row per metric × level of <paramref name="report"/>; undefined values (NaN) become nulls.</summary>
    public static IEnumerable<StorageRows.MetricRow> Metrics(EvaluationReport report, string split)
    {
        foreach (var level in Levels)
        {
            var values = report.For(ToLevel(level));
            foreach (var name in MetricValues.Names)
            {
                double v = values[name];
                yield return new StorageRows.MetricRow(name, level, split, double.IsFinite(v) ? v : null, values.Count);
            }
        }
    }

    /// <summary>The same values as the silo's metric rows (finite values only: the store keeps numbers, not NaN).</summary>
    public static IReadOnlyList<MetricRow> SiloMetrics(IEnumerable<StorageRows.MetricRow> rows) =>
        rows.Where(r => r.Value is not null).Select(r => new MetricRow(r.Split, r.Level, r.Metric, r.Value!.Value)).ToList();

    /// <summary>One row per test utterance, in <paramref name="testRows"/> order.</summary>
    public static List<StorageRows.PredictionRow> Predictions(FeatureSet set, int[] testRows, Prediction prediction, IReadOnlyList<AmbiguityLevel> levels)
    {
        int c = set.ClassCount;
        var rows = new List<StorageRows.PredictionRow>(testRows.Length);
        for (int k = 0; k < testRows.Length; k++)
        {
            int r = testRows[k];
            var reference = set.SoftLabel(r).ToArray();
            var predicted = prediction.Student.AsSpan(k * c, c).ToArray();
            int hard = set.HardLabels[r];
            rows.Add(new StorageRows.PredictionRow(
                set.Ids[r],
                set.Sessions[r].ToString(System.Globalization.CultureInfo.InvariantCulture),
                set.Speakers[r],
                set.Genders[r],
                reference,
                predicted,
                prediction.SpeechExpert?.AsSpan(k * c, c).ToArray(),
                prediction.TextExpert?.AsSpan(k * c, c).ToArray(),
                hard >= 0 ? set.Classes[hard] : null,
                set.Classes[RowMetrics.ArgMax(predicted)],
                LevelName(levels[k]),
                (float)RowMetrics.NormalizedEntropy(reference),
                set.LabelSources[r]));
        }
        return rows;
    }

    /// <summary>One row per epoch; <paramref name="timestamps"/> holds when each epoch was reported (missing: <paramref name="now"/>).</summary>
    public static List<StorageRows.CurveRow> Curves(IReadOnlyList<EpochReport> curves, IReadOnlyDictionary<int, DateTimeOffset> timestamps, int bestEpoch, DateTimeOffset now)
    {
        var rows = new List<StorageRows.CurveRow>(curves.Count);
        double elapsed = 0;
        foreach (var e in curves)
        {
            elapsed += e.Seconds;
            rows.Add(new StorageRows.CurveRow(e.Epoch, e.TrainLoss, Finite(e.ValidationLoss), Finite(e.ValidationJs), Finite(e.ValidationBc), null,
                e.LearningRate, elapsed, e.Epoch == bestEpoch, timestamps.TryGetValue(e.Epoch, out var t) ? t : now));
        }
        return rows;
    }

    /// <summary>The learning-curve values reported to the silo for one epoch.</summary>
    public static IReadOnlyDictionary<string, double> EpochValues(EpochReport e)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal) { ["train_loss"] = e.TrainLoss, ["learning_rate"] = e.LearningRate };
        if (double.IsFinite(e.ValidationLoss)) values["val_loss"] = e.ValidationLoss;
        if (double.IsFinite(e.ValidationJs)) values["val_js"] = e.ValidationJs;
        if (double.IsFinite(e.ValidationBc)) values["val_bc"] = e.ValidationBc;
        return values;
    }

    /// <summary>"low", "medium" or "high".</summary>
    public static string LevelName(AmbiguityLevel level) => level switch
    {
        AmbiguityLevel.Low => "low",
        AmbiguityLevel.Medium => "medium",
        _ => "high",
    };

    /// <summary>The level of a name in <see cref="Levels"/> (null for "all").</summary>
    public static AmbiguityLevel? ToLevel(string level) => level switch
    {
        "all" => null,
        "low" => AmbiguityLevel.Low,
        "medium" => AmbiguityLevel.Medium,
        "high" => AmbiguityLevel.High,
        _ => throw new ArgumentException($"ambiguity level '{level}' is unknown; expected all, low, medium or high", nameof(level)),
    };

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
