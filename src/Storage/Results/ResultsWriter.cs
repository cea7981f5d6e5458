using System.Globalization;
using Amber.Storage.Blobs;
using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Writing;

namespace Amber.Storage.Results;

/// <summary>How a results file is written.</summary>
/// <param name="Condition">Blob precondition, e.g. <see cref="BlobCondition.IfNotExists"/> so an attempt never overwrites
/// another attempt's committed results.</param>
/// <param name="Parquet">Parquet options (codec, row group size); default SNAPPY.</param>
public sealed record ResultsWriteOptions(BlobCondition? Condition = null, ParquetWriterOptions? Parquet = null);

/// <summary>
/// Writes the results tables of a run and a sweep as Parquet blobs (schema in docs/results.md). Rows stream into a
/// temporary local file (memory bounded by one row group), which is then uploaded in one atomic blob write.
/// </summary>
public static class ResultsWriter
{
    /// <summary>Writes <c>&lt;runPrefix&gt;/metrics.parquet</c>.</summary>
    public static Task<BlobProperties> WriteMetricsAsync(IBlobStore store, string runPrefix, RunIdentity run, IEnumerable<MetricRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Metrics(runPrefix), "metrics", ResultsTables.Metrics(), metadata, options, w =>
        {
            var c = new RunColumns(w);
            var metric = w.Column<StringColumnBuffer>("metric");
            var level = w.Column<StringColumnBuffer>("level");
            var split = w.Column<StringColumnBuffer>("split");
            var value = w.Column<PrimitiveColumnBuffer<double>>("value");
            var n = w.Column<PrimitiveColumnBuffer<int>>("n");
            foreach (var r in rows)
            {
                c.Add(run);
                metric.Add(Required(r.Metric, "metric", w.RowCount));
                level.Add(Level(r.Level, w.RowCount));
                split.Add(Required(r.Split, "split", w.RowCount));
                value.Add(r.Value);
                n.Add(r.Count);
                w.EndRow();
            }
        }, cancellationToken);
    }

    /// <summary>Writes <c>&lt;runPrefix&gt;/predictions.parquet</c>; distributions become flat FLOAT columns per class.</summary>
    public static Task<BlobProperties> WritePredictionsAsync(IBlobStore store, string runPrefix, RunIdentity run, IEnumerable<PredictionRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Predictions(runPrefix), "predictions", ResultsTables.Predictions(metadata.EffectiveClasses), metadata, options,
            w => FillPredictions(w, run, rows, metadata.EffectiveClasses), cancellationToken);
    }

    /// <summary>
    /// Writes a predictions table to a local file (atomically: temporary name, then rename), e.g. for an export or the
    /// benchmark; the blob-store variant is <see cref="WritePredictionsAsync"/>.
    /// </summary>
    public static void WritePredictionsFile(string path, RunIdentity run, IEnumerable<PredictionRow> rows, ResultsMetadata? metadata = null, ParquetWriterOptions? parquet = null)
    {
        metadata ??= new ResultsMetadata();
        using var writer = ParquetFileWriter.CreateFile(path, ResultsTables.Predictions(metadata.EffectiveClasses), parquet, FooterMetadata(path, "predictions", metadata));
        FillPredictions(writer, run, rows, metadata.EffectiveClasses);
        writer.Complete();
    }

    private static void FillPredictions(ParquetFileWriter w, RunIdentity run, IEnumerable<PredictionRow> rows, IReadOnlyList<string> classes)
    {
        var c = new RunColumns(w);
        var id = w.Column<StringColumnBuffer>("utterance_id");
        var session = w.Column<StringColumnBuffer>("session");
        var speaker = w.Column<StringColumnBuffer>("speaker");
        var gender = w.Column<StringColumnBuffer>("gender");
        var groups = ResultsTables.DistributionPrefixes.Select(p => classes.Select(k => w.Column<PrimitiveColumnBuffer<float>>(p + k)).ToArray()).ToArray();
        var refLabel = w.Column<StringColumnBuffer>("reference_label");
        var predLabel = w.Column<StringColumnBuffer>("predicted_label");
        var level = w.Column<StringColumnBuffer>("ambiguity_level");
        var entropy = w.Column<PrimitiveColumnBuffer<float>>("normalized_entropy");
        var source = w.Column<StringColumnBuffer>("label_source");
        foreach (var r in rows)
        {
            long row = w.RowCount;
            c.Add(run);
            id.Add(Required(r.UtteranceId, "utterance_id", row));
            session.Add(Required(r.Session, "session", row));
            speaker.Add(Required(r.Speaker, "speaker", row));
            gender.Add(r.Gender is "F" or "M" or "U" ? r.Gender : throw Bad(row, r.UtteranceId, "gender", r.Gender, "F, M or U"));
            for (int g = 0; g < groups.Length; g++)
            {
                var d = g switch { 0 => r.Reference, 1 => r.Predicted, 2 => r.ExpertSpeech, _ => r.ExpertText };
                if (d is null)
                {
                    if (g < 2) throw Bad(row, r.UtteranceId, ResultsTables.DistributionPrefixes[g] + "*", "null", $"{classes.Count} probabilities");
                    foreach (var col in groups[g]) col.AddNull();
                    continue;
                }
                if (d.Length != classes.Count)
                    throw Bad(row, r.UtteranceId, ResultsTables.DistributionPrefixes[g] + "*", $"{d.Length} values", $"{classes.Count} probabilities ({string.Join(", ", classes)})");
                for (int k = 0; k < d.Length; k++) groups[g][k].Add(d[k]);
            }
            refLabel.Add(r.ReferenceLabel);
            predLabel.Add(Required(r.PredictedLabel, "predicted_label", row));
            level.Add(Level(r.AmbiguityLevel, row, allowAll: false));
            entropy.Add(r.NormalizedEntropy);
            source.Add(Required(r.LabelSource, "label_source", row));
            w.EndRow();
        }
    }

    /// <summary>Writes <c>&lt;runPrefix&gt;/curves.parquet</c>.</summary>
    public static Task<BlobProperties> WriteCurvesAsync(IBlobStore store, string runPrefix, RunIdentity run, IEnumerable<CurveRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Curves(runPrefix), "curves", ResultsTables.Curves(), metadata, options, w =>
        {
            var c = new RunColumns(w);
            var epoch = w.Column<PrimitiveColumnBuffer<int>>("epoch");
            var d = new[] { "train_loss", "val_loss", "val_js", "val_bc", "val_accuracy", "learning_rate", "elapsed_seconds" }
                .Select(w.Column<PrimitiveColumnBuffer<double>>).ToArray();
            var best = w.Column<PrimitiveColumnBuffer<bool>>("is_best");
            var time = w.Column<TimestampColumnBuffer>("timestamp");
            foreach (var r in rows)
            {
                c.Add(run);
                epoch.Add(r.Epoch);
                d[0].Add(r.TrainLoss);
                d[1].Add(r.ValidationLoss);
                d[2].Add(r.ValidationJs);
                d[3].Add(r.ValidationBc);
                d[4].Add(r.ValidationAccuracy);
                d[5].Add(r.LearningRate);
                d[6].Add(r.ElapsedSeconds);
                best.Add(r.IsBest);
                time.Add(r.Timestamp);
                w.EndRow();
            }
        }, cancellationToken);
    }

    /// <summary>Writes <c>results/&lt;sweep&gt;/summary.parquet</c>.</summary>
    public static Task<BlobProperties> WriteSummaryAsync(IBlobStore store, string sweep, IEnumerable<SummaryRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Summary(sweep), "summary", ResultsTables.Summary(), metadata, options, w =>
        {
            var sweepCol = w.Column<StringColumnBuffer>("sweep");
            var s = new[] { "trial", "metric", "level", "split" }.Select(w.Column<StringColumnBuffer>).ToArray();
            var d = new[] { "mean", "std", "pooled" }.Select(w.Column<PrimitiveColumnBuffer<double>>).ToArray();
            var folds = w.Column<PrimitiveColumnBuffer<int>>("n_folds");
            var runs = w.Column<PrimitiveColumnBuffer<int>>("n_runs");
            foreach (var r in rows)
            {
                long row = w.RowCount;
                sweepCol.Add(sweep);
                s[0].Add(Required(r.Trial, "trial", row));
                s[1].Add(Required(r.Metric, "metric", row));
                s[2].Add(Level(r.Level, row));
                s[3].Add(Required(r.Split, "split", row));
                d[0].Add(r.Mean);
                d[1].Add(r.Std);
                d[2].Add(r.Pooled);
                folds.Add(r.Folds);
                runs.Add(r.Runs);
                w.EndRow();
            }
        }, cancellationToken);
    }

    private static async Task<BlobProperties> WriteAsync(IBlobStore store, string blobName, string table, ParquetSchema schema, ResultsMetadata metadata,
        ResultsWriteOptions? options, Action<ParquetFileWriter> fill, CancellationToken cancellationToken)
    {
        var kv = FooterMetadata(blobName, table, metadata);

        var temp = Path.Combine(Path.GetTempPath(), $"amber-results-{Guid.NewGuid():N}.parquet");
        try
        {
            using (var writer = ParquetFileWriter.CreateFile(temp, schema, options?.Parquet, kv))
            {
                try
                {
                    fill(writer);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{blobName}: {e.Message}", e);
                }
                writer.Complete();
            }
            await using var file = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var blobMetadata = new Dictionary<string, string>
            {
                ["schemaVersion"] = ResultsLayout.SchemaVersion.ToString(CultureInfo.InvariantCulture),
                ["table"] = table,
            };
            return await store.PutAsync(blobName, file, new BlobPutOptions(ResultsLayout.ContentType, blobMetadata, options?.Condition), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static List<KeyValuePair<string, string>> FooterMetadata(string file, string table, ResultsMetadata metadata)
    {
        var classes = metadata.EffectiveClasses;
        if (classes.Count == 0 || classes.Any(k => string.IsNullOrEmpty(k) || k.Contains(',', StringComparison.Ordinal)))
            throw new ArgumentException($"{file}: class names must be non-empty and without commas; got [{string.Join(", ", classes)}]", nameof(metadata));
        var kv = new List<KeyValuePair<string, string>>
        {
            new(ResultsLayout.SchemaVersionKey, ResultsLayout.SchemaVersion.ToString(CultureInfo.InvariantCulture)),
            new(ResultsLayout.TableKey, table),
            new(ResultsLayout.ClassesKey, string.Join(",", classes)),
        };
        if (metadata.ConfigJson is not null) kv.Add(new(ResultsLayout.ConfigKey, metadata.ConfigJson));
        if (metadata.Extra is not null) kv.AddRange(metadata.Extra);
        return kv;
    }

    private static string Required(string? value, string field, long row) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException($"row {row}, field '{field}': value is empty; a non-empty string is required") : value;

    private static string Level(string level, long row, bool allowAll = true) =>
        level is "low" or "medium" or "high" || (allowAll && level == "all") ? level
            : throw new ArgumentException($"row {row}, field 'level': '{level}' is not {(allowAll ? "all, " : "")}low, medium or high");

    private static ArgumentException Bad(long row, string? id, string field, string? value, string expected) =>
        new($"row {row} (utterance '{id}'), field '{field}': got {value ?? "null"}, expected {expected}");

    /// <summary>The four identity columns every run-level table starts with.</summary>
    private sealed class RunColumns(ParquetFileWriter w)
    {
        private readonly StringColumnBuffer _sweep = w.Column<StringColumnBuffer>("sweep");
        private readonly StringColumnBuffer _trial = w.Column<StringColumnBuffer>("trial");
        private readonly PrimitiveColumnBuffer<int> _fold = w.Column<PrimitiveColumnBuffer<int>>("fold");
        private readonly PrimitiveColumnBuffer<int> _seed = w.Column<PrimitiveColumnBuffer<int>>("seed");

        public void Add(RunIdentity run)
        {
            _sweep.Add(run.Sweep);
            _trial.Add(run.Trial);
            _fold.Add(run.Fold);
            _seed.Add(run.Seed);
        }
    }
}
