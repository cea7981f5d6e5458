using global::Parquet.Schema;

namespace Amber.Storage.Results;

/// <summary>The Parquet schemas of the results tables (documented in docs/results.md), as Parquet.Net fields.</summary>
public static class ResultsTables
{
    /// <summary>Column prefixes of the four distributions: reference, prediction, speech expert, text expert.</summary>
    public static IReadOnlyList<string> DistributionPrefixes { get; } = ["ref_", "pred_", "expert_speech_", "expert_text_"];

    /// <summary>
    /// Whether a STRING column is dictionary-encoded: all but the utterance id have few distinct values (sweep, level,
    /// label, speaker, …). Parquet.Net writes PLAIN strings unless told, so the writer passes this as an encoding hint.
    /// </summary>
    public static bool IsDictionaryEncoded(string column) => column != "utterance_id";

    private static DataField Str(string name, bool optional = false) => new DataField<string>(name, optional);

    private static DataField Int(string name) => new DataField<int>(name);

    private static DataField Float(string name, bool optional = false) => optional ? new DataField<float?>(name) : new DataField<float>(name);

    private static DataField Double(string name, bool optional = false) => optional ? new DataField<double?>(name) : new DataField<double>(name);

    private static IEnumerable<DataField> Run() => [Str("sweep"), Str("trial"), Int("fold"), Int("seed")];

    /// <summary>metrics.parquet.</summary>
    public static ParquetSchema Metrics() => new(Run().Concat([Str("metric"), Str("level"), Str("split"), Double("value", optional: true), Int("n")]));

    /// <summary>predictions.parquet for the given classes.</summary>
    public static ParquetSchema Predictions(IReadOnlyList<string> classes)
    {
        var fields = Run().Concat([Str("utterance_id"), Str("session"), Str("speaker"), Str("gender")]).ToList();
        for (int g = 0; g < DistributionPrefixes.Count; g++)
            fields.AddRange(classes.Select(k => Float(DistributionPrefixes[g] + k, optional: g >= 2)));
        fields.AddRange([Str("reference_label", optional: true), Str("predicted_label"), Str("ambiguity_level"), Float("normalized_entropy"), Str("label_source")]);
        return new ParquetSchema(fields);
    }

    /// <summary>curves.parquet.</summary>
    public static ParquetSchema Curves() => new(Run().Concat(
    [
        Int("epoch"),
        Double("train_loss"),
        Double("val_loss", optional: true),
        Double("val_js", optional: true),
        Double("val_bc", optional: true),
        Double("val_accuracy", optional: true),
        Double("learning_rate"),
        Double("elapsed_seconds"),
        new DataField<bool>("is_best"),
        new DateTimeDataField("timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false),
    ]));

    /// <summary>summary.parquet.</summary>
    public static ParquetSchema Summary() => new(
    [
        Str("sweep"), Str("trial"), Str("metric"), Str("level"), Str("split"),
        Double("mean", optional: true), Double("std", optional: true), Double("pooled", optional: true),
        Int("n_folds"), Int("n_runs"),
        Str("baseline", optional: true), new DataField<int?>("n_pairs"),
        Double("diff_mean", optional: true), Double("diff_ci_low", optional: true), Double("diff_ci_high", optional: true),
        Double("p_paired_t", optional: true), Double("p_wilcoxon", optional: true),
    ]);
}
