using Amber.Storage.Parquet.Schema;

namespace Amber.Storage.Results;

/// <summary>The Parquet schemas of the results tables (documented in docs/results.md).</summary>
public static class ResultsTables
{
    /// <summary>Column prefixes of the four distributions: reference, prediction, speech expert, text expert.</summary>
    public static IReadOnlyList<string> DistributionPrefixes { get; } = ["ref_", "pred_", "expert_speech_", "expert_text_"];

    private static ParquetColumn Str(string name, bool optional = false) => new(name, ParquetType.String, optional, Dictionary: true);

    private static IEnumerable<ParquetColumn> Run() =>
        [Str("sweep"), Str("trial"), new("fold", ParquetType.Int32), new("seed", ParquetType.Int32)];

    /// <summary>metrics.parquet.</summary>
    public static ParquetSchema Metrics() => new(Run().Concat(
        [Str("metric"), Str("level"), Str("split"), new ParquetColumn("value", ParquetType.Double, Optional: true), new ParquetColumn("n", ParquetType.Int32)]));

    /// <summary>predictions.parquet for the given classes.</summary>
    public static ParquetSchema Predictions(IReadOnlyList<string> classes)
    {
        var columns = Run().Concat([new ParquetColumn("utterance_id", ParquetType.String), Str("session"), Str("speaker"), Str("gender")]).ToList();
        for (int g = 0; g < DistributionPrefixes.Count; g++)
            columns.AddRange(classes.Select(k => new ParquetColumn(DistributionPrefixes[g] + k, ParquetType.Float, Optional: g >= 2)));
        columns.AddRange([Str("reference_label", optional: true), Str("predicted_label"), Str("ambiguity_level"),
            new ParquetColumn("normalized_entropy", ParquetType.Float), Str("label_source")]);
        return new ParquetSchema(columns);
    }

    /// <summary>curves.parquet.</summary>
    public static ParquetSchema Curves() => new(Run().Concat(
    [
        new ParquetColumn("epoch", ParquetType.Int32),
        new ParquetColumn("train_loss", ParquetType.Double),
        new ParquetColumn("val_loss", ParquetType.Double, Optional: true),
        new ParquetColumn("val_js", ParquetType.Double, Optional: true),
        new ParquetColumn("val_bc", ParquetType.Double, Optional: true),
        new ParquetColumn("val_accuracy", ParquetType.Double, Optional: true),
        new ParquetColumn("learning_rate", ParquetType.Double),
        new ParquetColumn("elapsed_seconds", ParquetType.Double),
        new ParquetColumn("is_best", ParquetType.Boolean),
        new ParquetColumn("timestamp", ParquetType.TimestampMicrosUtc),
    ]));

    /// <summary>summary.parquet.</summary>
    public static ParquetSchema Summary() => new(
    [
        Str("sweep"), Str("trial"), Str("metric"), Str("level"), Str("split"),
        new ParquetColumn("mean", ParquetType.Double, Optional: true),
        new ParquetColumn("std", ParquetType.Double, Optional: true),
        new ParquetColumn("pooled", ParquetType.Double, Optional: true),
        new ParquetColumn("n_folds", ParquetType.Int32),
        new ParquetColumn("n_runs", ParquetType.Int32),
    ]);
}
